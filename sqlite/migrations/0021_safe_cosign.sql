-- 0021: the policy co-signer's records (safe/cosign). A co-signature is
-- stored in the transaction of its audit entry, at most one per chain id,
-- Safe and nonce: whatever is asked later, the co-signer never signs a
-- second transaction for a nonce it has signed. An approval is one
-- person's approval of a transaction held for dual control, at most one
-- per person and transaction.

CREATE TABLE safe_cosignatures (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id     TEXT NOT NULL,        -- decimal
    safe         TEXT NOT NULL,        -- EIP-55
    nonce        TEXT NOT NULL,        -- decimal
    safe_tx_hash TEXT NOT NULL,        -- 0x + 64 lower-case hex digits
    signer       TEXT NOT NULL,        -- the co-signer's address, EIP-55
    signature    BLOB NOT NULL,        -- r‖s‖v, 65 bytes
    verdict      TEXT NOT NULL,        -- ok or review
    audit_seq    INTEGER NOT NULL,     -- the signature's audit entry
    time         TEXT NOT NULL,        -- when stored, RFC 3339 UTC, nine digits
    UNIQUE (chain_id, safe, nonce)
) STRICT;

CREATE TABLE safe_cosign_approvals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id     TEXT NOT NULL,        -- decimal
    safe         TEXT NOT NULL,        -- EIP-55
    safe_tx_hash TEXT NOT NULL,        -- 0x + 64 lower-case hex digits
    approver     TEXT NOT NULL,        -- the person (token or user name)
    note         TEXT NOT NULL,        -- the approver's reason, bounded
    audit_seq    INTEGER NOT NULL,     -- the approval's audit entry
    time         TEXT NOT NULL,        -- when stored, RFC 3339 UTC, nine digits
    UNIQUE (chain_id, safe, safe_tx_hash, approver)
) STRICT;
