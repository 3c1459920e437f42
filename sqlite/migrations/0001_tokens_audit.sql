-- 0001: API tokens and the hash-chained audit log.
--
-- Times are RFC 3339 text in UTC with nine fractional digits
-- (2006-01-02T15:04:05.000000000Z), so text order is time order.

CREATE TABLE tokens (
    id           TEXT NOT NULL PRIMARY KEY,   -- public id, 16 hex digits
    name         TEXT NOT NULL UNIQUE,        -- unique among all tokens, revoked included
    role         TEXT NOT NULL,
    hash         BLOB NOT NULL,               -- SHA-256 of the whole token; the secret is never stored
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
) STRICT;

CREATE INDEX tokens_created_at ON tokens (created_at);

-- No triggers forbid UPDATE or DELETE here: whoever can write this file can
-- drop them too. audit.Verify detects any change instead.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY CHECK (seq > 0),
    time      TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL DEFAULT '',
    details   TEXT,                          -- JSON object, byte for byte as hashed
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
) STRICT;
