-- 0016: ERC-1155. A TransferBatch event yields one transfer per item, all
-- at the event's log index; item_index is the item's position in the
-- event's ids and values, 0 for every other transfer (so every row stored
-- before gets 0 and keeps its meaning). The table is rebuilt so that the
-- column sits beside log_index.

CREATE TABLE trace_transfers_items (
    stream        INTEGER NOT NULL,                   -- trace_streams.id
    block         INTEGER NOT NULL,
    seq           INTEGER NOT NULL,                   -- position in the block, in tracing.Compare order
    tx_index      INTEGER NOT NULL,
    tx_hash       BLOB NOT NULL,                      -- 32 bytes
    time          INTEGER NOT NULL,                   -- Unix seconds
    kind          INTEGER NOT NULL,                   -- 1 call, 2 internal-call, 3 create, 4 selfdestruct,
                                                      -- 5 token, 6 wrap, 7 unwrap, 8 gas-tip, 9 base-fee-burn
    log_index     INTEGER NOT NULL,
    item_index    INTEGER NOT NULL DEFAULT 0,         -- the item of an ERC-1155 TransferBatch; else 0
    trace_address TEXT NOT NULL,                      -- '' or '0,2'
    from_addr     BLOB NOT NULL,                      -- 20 bytes
    to_addr       BLOB NOT NULL,
    asset         INTEGER NOT NULL,                   -- trace_assets.id
    amount        BLOB NOT NULL,                      -- big-endian base units, no leading zero bytes (zero: one 0x00)
    PRIMARY KEY (stream, block, seq)
) STRICT, WITHOUT ROWID;

INSERT INTO trace_transfers_items
    SELECT stream, block, seq, tx_index, tx_hash, time, kind, log_index, 0, trace_address, from_addr, to_addr, asset, amount
    FROM trace_transfers ORDER BY stream, block, seq;

-- Dropping the table drops its trigger; trace_addresses is untouched (the
-- rows keep their keys).
DROP TABLE trace_transfers;
ALTER TABLE trace_transfers_items RENAME TO trace_transfers;

CREATE TRIGGER trace_transfers_unaddress AFTER DELETE ON trace_transfers BEGIN
    DELETE FROM trace_addresses WHERE addr IN (substr(OLD.from_addr, 1, 8), substr(OLD.to_addr, 1, 8)) AND stream = OLD.stream AND block = OLD.block AND seq = OLD.seq;
END;
