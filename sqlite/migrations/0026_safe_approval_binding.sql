-- 0026: an approval for dual control is bound to what was approved, lasts
-- a while, and can be withdrawn.
--
-- A verification record says whether the transaction was simulated
-- against a node, and the digest of what a person approving it relies
-- on (policy.Verification.ApprovalDigest): an approval rests only on a
-- simulated verification. Records stored before this migration are not
-- known to be simulated (0) and have no digest ('').
--
-- An approval records that digest (the co-signer counts it only while a
-- fresh verification has the same one), the operating-system user and
-- host a command-line approval came from, when it expires, and when and
-- by which audit entry it was withdrawn or replaced (the approver
-- approving again). At most one approval per approver and transaction
-- stands (withdrawn_seq NULL); the ones before it are kept. Approvals
-- stored before this migration have no digest and never count again.

ALTER TABLE safe_verifications ADD COLUMN simulated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE safe_verifications ADD COLUMN approval_digest TEXT NOT NULL DEFAULT '';

CREATE TABLE safe_cosign_approvals_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id         TEXT NOT NULL,        -- decimal
    safe             TEXT NOT NULL,        -- EIP-55
    safe_tx_hash     TEXT NOT NULL,        -- 0x + 64 lower-case hex digits
    approver         TEXT NOT NULL,        -- token:<id> or cli:<name>
    note             TEXT NOT NULL,        -- the approver's reason, bounded
    audit_seq        INTEGER NOT NULL,     -- the approval's audit entry
    time             TEXT NOT NULL,        -- when stored, RFC 3339 UTC, nine digits
    digest           TEXT NOT NULL DEFAULT '',  -- what was approved (hex SHA-256); '' before 0026
    os_user          TEXT NOT NULL DEFAULT '',  -- a command-line approval's OS user, '' through the API
    host             TEXT NOT NULL DEFAULT '',  -- and its host
    expires          TEXT NOT NULL DEFAULT '',  -- RFC 3339 UTC, nine digits; '' before 0026
    withdrawn_seq    INTEGER,                   -- the audit entry that withdrew or replaced it; NULL while it stands
    withdrawn_time   TEXT NOT NULL DEFAULT '',
    withdrawn_reason TEXT NOT NULL DEFAULT ''   -- withdrawn or replaced
) STRICT;

INSERT INTO safe_cosign_approvals_new (id, chain_id, safe, safe_tx_hash, approver, note, audit_seq, time)
SELECT id, chain_id, safe, safe_tx_hash, approver, note, audit_seq, time FROM safe_cosign_approvals;

DROP TABLE safe_cosign_approvals;

ALTER TABLE safe_cosign_approvals_new RENAME TO safe_cosign_approvals;

CREATE UNIQUE INDEX safe_cosign_approvals_standing ON safe_cosign_approvals (chain_id, safe, safe_tx_hash, approver)
WHERE withdrawn_seq IS NULL;

CREATE INDEX safe_cosign_approvals_tx ON safe_cosign_approvals (chain_id, safe, safe_tx_hash, id);
