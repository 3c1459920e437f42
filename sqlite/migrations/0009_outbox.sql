-- 0009: one transactional outbox for the webhook delivery of every alert
-- kind. A message is written in the transaction that stores its alert (and
-- the alert's audit entry), so an alert committed is an alert that will be
-- delivered, whatever happens to the process; the delivery state lives here
-- and nowhere else.

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused
    kind            TEXT NOT NULL,                      -- 'safe.alert', 'screening.alert': the payload's "type"
    ref             INTEGER NOT NULL,                   -- the alert's id in its kind's table: the payload's "id"
    created_at      TEXT NOT NULL,                      -- RFC 3339 UTC, nine digits (all times here)
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',           -- the receiver named as scheme://host only
    delivered_at    TEXT,
    UNIQUE (kind, ref)
) STRICT;

-- The undelivered messages only: what the deliverer reads and counts, whatever
-- the number delivered.
CREATE INDEX outbox_undelivered ON outbox (kind, next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX outbox_undelivered_id ON outbox (id) WHERE delivered_at IS NULL;

-- The alerts stored before: a delivered one keeps its state; any other is
-- delivered by the next process with a webhook (before, one that was never
-- queued, or whose delivery failed, was never retried).
INSERT INTO outbox (kind, ref, created_at, attempts, next_attempt_at, last_error, delivered_at)
SELECT kind, ref, time, attempts, time, last_error, delivered_at FROM (
    SELECT 'safe.alert' AS kind, id AS ref, time, delivery_attempts AS attempts, last_error, delivered_at FROM safe_alerts
    UNION ALL
    SELECT 'screening.alert', id, time, delivery_attempts, last_error, delivered_at FROM screen_alerts
) ORDER BY time, kind, ref;

ALTER TABLE safe_alerts DROP COLUMN delivered_at;
ALTER TABLE safe_alerts DROP COLUMN delivery_attempts;
ALTER TABLE safe_alerts DROP COLUMN last_error;
ALTER TABLE screen_alerts DROP COLUMN delivered_at;
ALTER TABLE screen_alerts DROP COLUMN delivery_attempts;
ALTER TABLE screen_alerts DROP COLUMN last_error;
