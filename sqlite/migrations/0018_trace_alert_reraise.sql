-- 0018: a deposit alert can be raised again for a block after its first
-- alert for that block was retracted: a chain that reorganises away from
-- the block and back to it (the same block hash again) has the deposit
-- on it again. trace_alerts kept one row per identity (follow, code,
-- chain, block hash, transaction, position, deposit) whatever happened to
-- it; now the identity is unique among the alerts not retracted, and a
-- retraction's identity includes the alert it retracts. The table is
-- rebuilt without its UNIQUE constraint: renamed first, so that its
-- references to itself follow it, then copied into the new table, whose
-- ids (never reused) continue from the old table's sequence.

ALTER TABLE trace_alerts RENAME TO trace_alerts_old;

CREATE TABLE trace_alerts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: the payload's "id"
    time         TEXT NOT NULL,                     -- when stored
    code         TEXT NOT NULL,                     -- TRACE_DEPOSIT, TRACE_ALERT_RETRACTED
    severity     TEXT NOT NULL,
    follow       TEXT NOT NULL,                     -- the followed trace: 'watch', 'case:ID'
    chain        INTEGER NOT NULL,
    block        INTEGER NOT NULL,
    block_hash   TEXT NOT NULL,
    tx_hash      TEXT NOT NULL,
    position     TEXT NOT NULL,                     -- the transfer in its transaction: 'log:5', 'call:0.2'
    deposit      TEXT NOT NULL,                     -- lower-case 0x + 40 hex
    message      TEXT NOT NULL,
    alert        TEXT NOT NULL,                     -- JSON: tracing.Alert
    retracts     INTEGER REFERENCES trace_alerts (id),  -- set on a retraction: the alert it retracts
    retracted_by INTEGER REFERENCES trace_alerts (id)   -- set on a retracted alert: its retraction
) STRICT;

INSERT INTO trace_alerts (id, time, code, severity, follow, chain, block, block_hash, tx_hash, position, deposit, message, alert, retracts, retracted_by)
    SELECT id, time, code, severity, follow, chain, block, block_hash, tx_hash, position, deposit, message, alert, retracts, retracted_by
    FROM trace_alerts_old ORDER BY id;

-- The ids of alerts pruned since stay used.
UPDATE sqlite_sequence SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'trace_alerts_old'))
    WHERE name = 'trace_alerts';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'trace_alerts', seq FROM sqlite_sequence
    WHERE name = 'trace_alerts_old' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'trace_alerts');

DROP TABLE trace_alerts_old;

CREATE INDEX trace_alerts_follow ON trace_alerts (follow, id);
CREATE INDEX trace_alerts_deposit ON trace_alerts (deposit, id);
CREATE UNIQUE INDEX trace_alerts_identity ON trace_alerts (follow, code, chain, block_hash, tx_hash, position, deposit, coalesce(retracts, 0))
    WHERE retracted_by IS NULL;
