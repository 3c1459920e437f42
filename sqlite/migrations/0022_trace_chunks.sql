-- 0022: ingested transfers stored in fewer rows, so that storing them
-- costs less CPU than the node spends producing them (most of the cost
-- was per row, not per byte).
--
-- A row of trace_transfers holds up to 8 transfers of a block, those at
-- positions 8 × chunk to 8 × chunk + 7 in tracing.Compare order, as one
-- blob of entries, each: its asset (trace_assets.id, a uvarint), its
-- record's length (a uvarint) and its record (the layout of 0019, written
-- and read by the store, sqlite/tracerecord.go). Queries filter on the
-- asset in the store.
-- bulwark_chunk_entry(asset, record) (registered by the store) is an
-- entry; the rows before become chunks of their block.
--
-- A row of trace_addresses lists the transfers from or to an address key
-- in up to 64 consecutive blocks from its block (rather than in one
-- block), as a JSON array: an entry is 64 × the transfer's position in its
-- block + (its block − the row's block). A batch of blocks writes one row
-- per address key it touches. The store deletes the rows of deleted
-- blocks (rewriting a row that lists blocks kept too), not a trigger.

CREATE TABLE trace_transfers_chunks (
    stream  INTEGER NOT NULL,                         -- trace_streams.id
    block   INTEGER NOT NULL,
    chunk   INTEGER NOT NULL,                         -- the positions 8 × chunk to 8 × chunk + 7 in the block
    records BLOB NOT NULL,                            -- their entries: asset id, record length (uvarints), record
    PRIMARY KEY (stream, block, chunk)
) STRICT, WITHOUT ROWID;

INSERT INTO trace_transfers_chunks
    SELECT stream, block, seq >> 3, unhex(group_concat(hex(bulwark_chunk_entry(asset, record)), '' ORDER BY seq))
    FROM trace_transfers GROUP BY stream, block, seq >> 3 ORDER BY stream, block, seq >> 3;

-- Dropping the table drops its trigger.
DROP TABLE trace_transfers;
ALTER TABLE trace_transfers_chunks RENAME TO trace_transfers;

CREATE TABLE trace_addresses_spans (
    addr    BLOB NOT NULL,                            -- the first 8 bytes of a from or to address
    stream  INTEGER NOT NULL,
    block   INTEGER NOT NULL,                         -- the first block listed
    entries TEXT NOT NULL,                            -- 64 × position + (block − this block), each: '[0,449,65]'
    PRIMARY KEY (addr, stream, block)
) STRICT, WITHOUT ROWID;

INSERT INTO trace_addresses_spans
    SELECT addr, stream, block, (SELECT json_group_array(value * 64 ORDER BY key) FROM json_each(a.seqs))
    FROM trace_addresses a ORDER BY addr, stream, block;

DROP TABLE trace_addresses;
ALTER TABLE trace_addresses_spans RENAME TO trace_addresses;
