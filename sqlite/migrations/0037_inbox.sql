-- 0037: the alerts inbox (package inbox): one row per alert of every kind,
-- written in the transaction that stores the alert (and its outbox message
-- and audit entry). The alert's own table stays its record; a row copies
-- what the inbox lists and filters on (alerts are never edited) and holds
-- the inbox's own state: assignee, acknowledgement, escalation. One table
-- keeps a page of any filter one index range scan, at any number of
-- alerts (a union over the alert tables would sort them all per page).

CREATE TABLE inbox_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused; newest first is id order
    kind        TEXT NOT NULL,                      -- safe.alert, screening.alert, trace.alert, hiring.flag
    ref         TEXT NOT NULL,                      -- the alert's id in its kind ('RUN:PERSON' for hiring.flag)
    time        TEXT NOT NULL,                      -- when the alert was stored, RFC 3339 UTC, nine digits (all times here)
    severity    TEXT NOT NULL,                      -- info, low, medium, high, critical
    rank        INTEGER NOT NULL,                   -- 0 (info) … 4 (critical)
    subject     TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL,
    evidence    TEXT NOT NULL DEFAULT '',           -- API path of the alert's evidence
    state       TEXT NOT NULL DEFAULT 'open',       -- open, acknowledged
    assignee    TEXT NOT NULL DEFAULT '',
    assigned_by TEXT NOT NULL DEFAULT '',
    assigned_at TEXT,
    acked_by    TEXT NOT NULL DEFAULT '',
    acked_at    TEXT,
    ack_reason  TEXT NOT NULL DEFAULT '',
    escalated_at TEXT,                      -- NULL: not escalated; '': stored before the inbox, never escalated
    UNIQUE (kind, ref)
) STRICT;

CREATE INDEX inbox_items_state ON inbox_items (state, id);
CREATE INDEX inbox_items_rank ON inbox_items (rank, id);
CREATE INDEX inbox_items_kind ON inbox_items (kind, id);
CREATE INDEX inbox_items_assignee ON inbox_items (assignee, id);
CREATE INDEX inbox_items_subject ON inbox_items (kind, subject);
-- What the escalation service looks for: critical, open, never escalated.
CREATE INDEX inbox_items_due ON inbox_items (time) WHERE rank = 4 AND state = 'open' AND escalated_at IS NULL;

-- The alerts stored before, in the order they were stored, open. They are
-- never escalated (escalated_at '': not NULL, so not due, and shown as not
-- escalated), so that upgrading does not escalate the whole history at once.
INSERT INTO inbox_items (kind, ref, time, severity, rank, subject, message, evidence)
SELECT kind, ref, time, severity,
       CASE severity WHEN 'info' THEN 0 WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END,
       subject, message, evidence FROM (
    SELECT 'safe.alert' AS kind, CAST(id AS TEXT) AS ref, time,
           CASE WHEN lower(severity) IN ('info', 'low', 'medium', 'high', 'critical') THEN lower(severity) ELSE 'high' END AS severity,
           CASE WHEN safe = '' THEN 'node' ELSE safe END AS subject, message,
           '/api/v1/safe/alerts?since=' || (id - 1) || '&limit=1' AS evidence
    FROM safe_alerts
    UNION ALL
    SELECT 'screening.alert', CAST(id AS TEXT), time,
           CASE verdict WHEN 'block' THEN 'critical' WHEN 'review' THEN 'medium' ELSE 'info' END,
           CASE WHEN subject = '' THEN 'watch ' || watch_id ELSE subject END,
           'watched ' || kind || ' now screens ' || upper(verdict),
           '/api/v1/screen/decisions/' || decision_id
    FROM screen_alerts
    UNION ALL
    SELECT 'trace.alert', CAST(id AS TEXT), time,
           CASE WHEN lower(severity) IN ('info', 'low', 'medium', 'high', 'critical') THEN lower(severity) ELSE 'high' END,
           deposit, message,
           CASE WHEN follow LIKE 'case:_%' THEN '/api/v1/trace/cases/' || substr(follow, 6)
                ELSE '/api/v1/trace/alerts?since=' || (id - 1) || '&limit=1' END
    FROM trace_alerts
    UNION ALL
    SELECT 'hiring.flag', a.run_id || ':' || a.person_id, a.computed_at,
           CASE a.verdict WHEN 'block' THEN 'high' ELSE 'medium' END,
           a.person_id,
           'hiring verdict ' || upper(a.verdict) || ', score ' || a.score ||
               coalesce(': ' || (SELECT group_concat(json_extract(f.value, '$.rule'), ', ') FROM json_each(a.flags) f), ''),
           '/api/v1/hire/people/' || a.person_id
    FROM hire_assessments a WHERE a.verdict IN ('review', 'block')
) ORDER BY time, kind, ref;

UPDATE inbox_items SET escalated_at = '';
