-- 0002: alerts raised by 'bulwark safe watch' (and later the serve monitor),
-- with the state of their webhook delivery.

CREATE TABLE safe_alerts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused
    time              TEXT NOT NULL,                       -- when stored, RFC 3339 UTC, nine digits
    block             INTEGER NOT NULL,
    block_hash        TEXT NOT NULL DEFAULT '',
    safe              TEXT NOT NULL DEFAULT '',            -- '' for node and chain alerts
    code              TEXT NOT NULL,
    severity          TEXT NOT NULL,
    message           TEXT NOT NULL,
    details           TEXT,                                -- JSON object: kind, before, after
    delivered_at      TEXT,
    delivery_attempts INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX safe_alerts_safe ON safe_alerts (lower(safe), id);
