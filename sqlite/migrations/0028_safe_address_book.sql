-- 0028: the organisation's address book kept in the store (managed with
-- the API and 'bulwark safe address-book'): one head row with its version,
-- the digest of its content, who changed it and when, and the audit entry
-- of that change; its entries and value limits. A change replaces the
-- entries and limits and moves the head in the transaction of its audit
-- entry (safe.addressbook.set, .add or .remove).

CREATE TABLE safe_address_book (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    version    INTEGER NOT NULL CHECK (version >= 1),
    digest     TEXT NOT NULL,        -- SHA-256 of the book's canonical JSON, 64 lower-case hex digits
    changed_by TEXT NOT NULL,        -- the actor: token:<id>, cli:<user>
    changed_at TEXT NOT NULL,        -- RFC 3339 UTC, nine digits
    audit_seq  INTEGER NOT NULL      -- the change's audit entry
) STRICT;

CREATE TABLE safe_address_book_entries (
    address  TEXT NOT NULL,          -- EIP-55
    chain_id TEXT NOT NULL,          -- decimal; '' for every chain
    label    TEXT NOT NULL,
    kinds    TEXT NOT NULL,          -- sorted, comma-separated: own-contract, counterparty, spender, recipient
    PRIMARY KEY (address, chain_id)
) STRICT;

CREATE TABLE safe_address_book_limits (
    safe     TEXT NOT NULL,          -- EIP-55
    chain_id TEXT NOT NULL,          -- decimal; '' for every chain
    asset    TEXT NOT NULL,          -- 'ETH' or a token's EIP-55 address
    amount   TEXT NOT NULL,          -- decimal, base units
    period   INTEGER NOT NULL,       -- seconds
    PRIMARY KEY (safe, chain_id, asset, period)
) STRICT;
