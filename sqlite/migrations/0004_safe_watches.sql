-- 0004: the Safes the serve monitor watches, managed through
-- POST/GET/DELETE /api/v1/safe/watches.

CREATE TABLE safe_watches (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,  -- the order they were added
    safe     TEXT NOT NULL UNIQUE,               -- EIP-55
    added_at TEXT NOT NULL,                      -- RFC 3339 UTC, nine digits
    added_by TEXT NOT NULL                       -- audit actor, e.g. token:<id>
) STRICT;
