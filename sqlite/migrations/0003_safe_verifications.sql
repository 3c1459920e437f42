-- 0003: a record of every Safe transaction verdict ('bulwark safe verify'
-- and POST /api/v1/safe/verify), stored in the transaction of its audit
-- entry, so that a watcher can tell an executed transaction Bulwark
-- verified first from one it never saw.

CREATE TABLE safe_verifications (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    safe_tx_hash TEXT NOT NULL,        -- 0x + 64 lower-case hex digits
    safe         TEXT NOT NULL,        -- EIP-55
    chain_id     TEXT NOT NULL,        -- decimal
    verdict      TEXT NOT NULL,        -- ok, review, reject
    audit_seq    INTEGER NOT NULL,     -- the verdict's audit entry (action safe.verify)
    time         TEXT NOT NULL         -- when stored, RFC 3339 UTC, nine digits
) STRICT;

CREATE INDEX safe_verifications_hash ON safe_verifications (safe_tx_hash, id);
