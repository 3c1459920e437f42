-- 0023: the decided entries of the Safes' queues (the queue watch of
-- 'serve --safe-queue'): one row per Safe and entry key (a hash over the
-- entry's content), stored in the transaction of its audit entry, so a
-- restarted watch does not decide, or alert on, an entry again.

CREATE TABLE safe_queue_decisions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    safe         TEXT NOT NULL,        -- EIP-55
    entry_key    TEXT NOT NULL,        -- 0x + 64 lower-case hex digits
    safe_tx_hash TEXT NOT NULL,        -- as listed by the service; '' when none read
    nonce        TEXT NOT NULL,        -- decimal as listed; '' when none read
    decision     TEXT NOT NULL,        -- signed, verified, held, refused, malformed
    verdict      TEXT NOT NULL,        -- ok, review, reject; '' for a malformed entry
    pushed       INTEGER NOT NULL,     -- 1 when the service took the co-signature
    audit_seq    INTEGER NOT NULL,     -- the decision's audit entry (action safe.queue.decision)
    time         TEXT NOT NULL         -- when stored, RFC 3339 UTC, nine digits
) STRICT;

CREATE UNIQUE INDEX safe_queue_decisions_key ON safe_queue_decisions (safe, entry_key);
