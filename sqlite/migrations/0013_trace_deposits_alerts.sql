-- 0013: the deposit-address registry (tracing.DepositStore), the alerts the
-- live follower raises when tainted value arrives at a registered address
-- (tracing.AlertStore; each written with its outbox message, kind
-- 'trace.alert', and its audit entry in one transaction), and where each
-- followed trace stands (its cursor).

CREATE TABLE trace_deposits (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,  -- the order of registration
    address    TEXT NOT NULL UNIQUE,               -- lower-case 0x + 40 hex
    label      TEXT NOT NULL DEFAULT '',
    thresholds TEXT,                               -- JSON object: asset key -> decimal base units
    added_at   TEXT NOT NULL,                      -- RFC 3339 UTC, nine digits (all times here)
    added_by   TEXT NOT NULL
) STRICT;

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
    retracted_by INTEGER REFERENCES trace_alerts (id),  -- set on a retracted alert: its retraction
    UNIQUE (follow, code, chain, block_hash, tx_hash, position, deposit)
) STRICT;

CREATE INDEX trace_alerts_follow ON trace_alerts (follow, id);
CREATE INDEX trace_alerts_deposit ON trace_alerts (deposit, id);

CREATE TABLE trace_follow_cursors (
    follow     TEXT PRIMARY KEY,
    chain      INTEGER NOT NULL,
    block      INTEGER NOT NULL CHECK (block >= 0),  -- every block up to it is processed
    hash       TEXT NOT NULL,                        -- its hash as processed
    from_block INTEGER NOT NULL CHECK (from_block >= 0),  -- the first block the trace applies
    updated_at TEXT NOT NULL
) STRICT;
