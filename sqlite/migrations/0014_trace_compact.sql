-- 0014: ingested transfers stored compactly, so that storing them keeps up
-- with the node. Each (chain, source) gets a small integer id
-- (trace_streams), each asset one (trace_assets); a transfer row keys on
-- (stream, block, seq), in the order ingestion appends, and holds hashes,
-- addresses and amounts as bytes. The only other index is trace_addresses:
-- one narrow row per address a transfer touches (keyed by the address's
-- first 8 bytes; a query compares the whole address in the transfer),
-- written with the transfers and deleted with them by a trigger, for the
-- transfers from or to an address. Asset queries filter the block range.
-- Blocks and cursors keep their tables; transfers no longer cascade from
-- trace_blocks: the store deletes them with their blocks.

CREATE TABLE trace_streams (
    id     INTEGER PRIMARY KEY,
    chain  INTEGER NOT NULL CHECK (chain >= 0),
    source TEXT NOT NULL,
    UNIQUE (chain, source)
) STRICT;

CREATE TABLE trace_assets (
    id  INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE                          -- tracing.Asset's key
) STRICT;

CREATE TABLE trace_transfers_compact (
    stream        INTEGER NOT NULL,                   -- trace_streams.id
    block         INTEGER NOT NULL,
    seq           INTEGER NOT NULL,                   -- position in the block, in tracing.Compare order
    tx_index      INTEGER NOT NULL,
    tx_hash       BLOB NOT NULL,                      -- 32 bytes
    time          INTEGER NOT NULL,                   -- Unix seconds
    kind          INTEGER NOT NULL,                   -- 1 call, 2 internal-call, 3 create, 4 selfdestruct,
                                                      -- 5 token, 6 wrap, 7 unwrap, 8 gas-tip, 9 base-fee-burn
    log_index     INTEGER NOT NULL,
    trace_address TEXT NOT NULL,                      -- '' or '0,2'
    from_addr     BLOB NOT NULL,                      -- 20 bytes
    to_addr       BLOB NOT NULL,
    asset         INTEGER NOT NULL,                   -- trace_assets.id
    amount        BLOB NOT NULL,                      -- big-endian base units, no leading zero bytes (zero: one 0x00)
    PRIMARY KEY (stream, block, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE trace_addresses (
    addr   BLOB NOT NULL,                             -- the first 8 bytes of the transfer's from_addr or to_addr
    stream INTEGER NOT NULL,
    block  INTEGER NOT NULL,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (addr, stream, block, seq)
) STRICT, WITHOUT ROWID;

INSERT INTO trace_streams (chain, source)
    SELECT chain, source FROM trace_blocks UNION SELECT chain, source FROM trace_cursors ORDER BY 1, 2;

INSERT INTO trace_assets (key) SELECT DISTINCT asset FROM trace_transfers ORDER BY asset;

-- bulwark_uint256 (registered by the store) turns a decimal amount into
-- the amount's bytes.
INSERT INTO trace_transfers_compact
    SELECT s.id, t.block, t.seq, t.tx_index, unhex(substr(t.tx_hash, 3)), t.time,
           CASE t.kind WHEN 'call' THEN 1 WHEN 'internal-call' THEN 2 WHEN 'create' THEN 3 WHEN 'selfdestruct' THEN 4
                WHEN 'token' THEN 5 WHEN 'wrap' THEN 6 WHEN 'unwrap' THEN 7 WHEN 'gas-tip' THEN 8 WHEN 'base-fee-burn' THEN 9 END,
           t.log_index, t.trace_address, unhex(substr(t.from_addr, 3)), unhex(substr(t.to_addr, 3)), a.id, bulwark_uint256(t.amount)
    FROM trace_transfers t
    JOIN trace_streams s ON s.chain = t.chain AND s.source = t.source
    JOIN trace_assets a ON a.key = t.asset
    ORDER BY s.id, t.block, t.seq;

DROP TABLE trace_transfers;
ALTER TABLE trace_transfers_compact RENAME TO trace_transfers;

INSERT INTO trace_addresses (addr, stream, block, seq)
    SELECT substr(from_addr, 1, 8), stream, block, seq FROM trace_transfers
    UNION SELECT substr(to_addr, 1, 8), stream, block, seq FROM trace_transfers;

CREATE TRIGGER trace_transfers_unaddress AFTER DELETE ON trace_transfers BEGIN
    DELETE FROM trace_addresses WHERE addr IN (substr(OLD.from_addr, 1, 8), substr(OLD.to_addr, 1, 8)) AND stream = OLD.stream AND block = OLD.block AND seq = OLD.seq;
END;
