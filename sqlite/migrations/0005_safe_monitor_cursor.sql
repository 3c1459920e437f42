-- 0005: where the serve monitor stands (safe.MonitorCursorStore): the
-- last block it processed completely, so a restart resumes after it.

CREATE TABLE safe_monitor_cursor (
    id         INTEGER PRIMARY KEY CHECK (id = 1),  -- a single row
    block      INTEGER NOT NULL CHECK (block >= 0),
    hash       TEXT NOT NULL,                       -- 0x + 64 hex
    updated_at TEXT NOT NULL                        -- RFC 3339 UTC, nine digits
) STRICT;
