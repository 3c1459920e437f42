-- 0011: transfers ingested for tracing (tracing.IngestStore), the headers of
-- the blocks they came from (a reorg is found by a new block's parent hash),
-- and where the ingestion of each (chain, source) stands. A range of blocks,
-- its transfers and the cursor are written in one transaction.

CREATE TABLE trace_cursors (
    chain      INTEGER NOT NULL CHECK (chain >= 0),
    source     TEXT NOT NULL,
    block      INTEGER NOT NULL CHECK (block >= 0),  -- every block up to it is stored
    hash       TEXT NOT NULL,                        -- 0x + 64 hex; zeros when not ingested
    updated_at TEXT NOT NULL,                        -- RFC 3339 UTC, nine digits
    PRIMARY KEY (chain, source)
) STRICT;

CREATE TABLE trace_blocks (
    chain  INTEGER NOT NULL,
    source TEXT NOT NULL,
    number INTEGER NOT NULL CHECK (number >= 0),
    hash   TEXT NOT NULL,
    parent TEXT NOT NULL,
    time   INTEGER NOT NULL,                          -- Unix seconds
    PRIMARY KEY (chain, source, number)
) STRICT, WITHOUT ROWID;

CREATE TABLE trace_transfers (
    chain         INTEGER NOT NULL,
    source        TEXT NOT NULL,
    block         INTEGER NOT NULL,
    seq           INTEGER NOT NULL,                   -- position in the block, in tracing.Compare order
    tx_index      INTEGER NOT NULL,
    tx_hash       TEXT NOT NULL,
    time          INTEGER NOT NULL,
    kind          TEXT NOT NULL,                      -- tracing.Kind's name
    log_index     INTEGER NOT NULL,
    trace_address TEXT NOT NULL,                      -- '' or '0,2'
    from_addr     TEXT NOT NULL,                      -- lower-case 0x + 40 hex (all addresses here)
    to_addr       TEXT NOT NULL,
    asset         TEXT NOT NULL,                      -- tracing.Asset's key
    amount        TEXT NOT NULL,                      -- decimal, base units
    PRIMARY KEY (chain, source, block, seq),
    FOREIGN KEY (chain, source, block) REFERENCES trace_blocks (chain, source, number) ON DELETE CASCADE
) STRICT;

CREATE INDEX trace_transfers_from ON trace_transfers (chain, source, from_addr, block);
CREATE INDEX trace_transfers_to ON trace_transfers (chain, source, to_addr, block);
CREATE INDEX trace_transfers_asset ON trace_transfers (chain, source, asset, block);
