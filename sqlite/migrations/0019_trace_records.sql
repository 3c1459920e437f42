-- 0019: ingested transfers stored with fewer values and fewer index rows,
-- so that storing them costs less CPU than the node spends producing
-- them.
--
-- A stored transfer is its key (stream, block, seq), its asset (which
-- queries filter on) and one record blob holding the rest (binding
-- fourteen values cost about a third of storing a transfer). The record
-- (written and read by the store, sqlite/tracerecord.go):
--   bytes 1-20 from address, 21-40 to address, 41-72 transaction hash;
--   then uvarints (varint for time): tx index, time (Unix seconds), kind
--   (one byte: 1 call, 2 internal-call, 3 create, 4 selfdestruct, 5 token,
--   6 wrap, 7 unwrap, 8 gas-tip, 9 base-fee-burn), log index, item index,
--   the trace address's length and elements;
--   the rest: the amount, big-endian base units without leading zero
--   bytes (zero: none).
-- bulwark_transfer_record (registered by the store) builds a record from
-- the columns before.
--
-- trace_addresses has one row per address key and block (rather than per
-- transfer), listing the positions in the block of the address's
-- transfers as a JSON array: an address busy in a block (a fee recipient,
-- a popular token or router) costs one index entry there. A block's
-- transfers are only ever deleted together, so the trigger deleting a
-- transfer deletes the rows of its addresses in its block.

CREATE TABLE trace_transfers_records (
    stream INTEGER NOT NULL,                          -- trace_streams.id
    block  INTEGER NOT NULL,
    seq    INTEGER NOT NULL,                          -- position in the block, in tracing.Compare order
    asset  INTEGER NOT NULL,                          -- trace_assets.id
    record BLOB NOT NULL,
    PRIMARY KEY (stream, block, seq)
) STRICT, WITHOUT ROWID;

INSERT INTO trace_transfers_records
    SELECT stream, block, seq, asset,
           bulwark_transfer_record(from_addr, to_addr, tx_hash, tx_index, time, kind, log_index, item_index, trace_address, amount)
    FROM trace_transfers ORDER BY stream, block, seq;

-- Dropping the table drops its trigger.
DROP TABLE trace_transfers;
ALTER TABLE trace_transfers_records RENAME TO trace_transfers;

CREATE TABLE trace_addresses_blocks (
    addr   BLOB NOT NULL,                             -- the first 8 bytes of a from or to address
    stream INTEGER NOT NULL,
    block  INTEGER NOT NULL,
    seqs   TEXT NOT NULL,                             -- the positions of its transfers in the block: '[0,7]'
    PRIMARY KEY (addr, stream, block)
) STRICT, WITHOUT ROWID;

INSERT INTO trace_addresses_blocks
    SELECT addr, stream, block, json_group_array(seq ORDER BY seq) FROM trace_addresses GROUP BY addr, stream, block ORDER BY addr, stream, block;

DROP TABLE trace_addresses;
ALTER TABLE trace_addresses_blocks RENAME TO trace_addresses;

CREATE TRIGGER trace_transfers_unaddress AFTER DELETE ON trace_transfers BEGIN
    DELETE FROM trace_addresses WHERE addr IN (substr(OLD.record, 1, 8), substr(OLD.record, 21, 8)) AND stream = OLD.stream AND block = OLD.block;
END;
