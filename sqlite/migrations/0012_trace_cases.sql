-- 0012: tracing cases (tracing.CaseStore): an investigation's definition,
-- its latest results and the history of who changed what. A case, each
-- change of it and its history event are written in the transaction of
-- their audit entry.

CREATE TABLE trace_cases (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused
    title             TEXT NOT NULL,
    chain             INTEGER NOT NULL CHECK (chain > 0),
    source            TEXT NOT NULL,                       -- ingestion source: node, etl:NAME
    seeds             TEXT NOT NULL,                       -- JSON array of addresses and tx hashes
    policy            TEXT NOT NULL,                       -- tracing.Policy's name
    direction         TEXT NOT NULL CHECK (direction IN ('forward', 'backward')),
    bounds            TEXT NOT NULL,                       -- JSON tracing.Bounds
    labels            TEXT NOT NULL,                       -- JSON array of tracing.CaseLabel
    thresholds        TEXT NOT NULL,                       -- JSON object, asset key or * -> base units
    status            TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL,                       -- RFC 3339 UTC, nine digits (all times here)
    updated_at        TEXT NOT NULL,
    closed_at         TEXT,
    closed_by         TEXT NOT NULL DEFAULT '',
    results_block     INTEGER,                             -- NULL until the first run
    results_at        TEXT,
    results_transfers INTEGER,
    results_summary   TEXT                                 -- JSON tracing.CaseSummary
) STRICT;

CREATE INDEX trace_cases_status ON trace_cases (status, id);

-- The latest results' graph, apart so that listing cases never reads it.
CREATE TABLE trace_case_results (
    case_id INTEGER PRIMARY KEY REFERENCES trace_cases (id) ON DELETE CASCADE,
    graph   TEXT NOT NULL                                  -- JSON tracing.Graph
) STRICT;

CREATE TABLE trace_case_history (
    case_id   INTEGER NOT NULL REFERENCES trace_cases (id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,                            -- 1, 2, … per case
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    details   TEXT NOT NULL,                               -- JSON object
    audit_seq INTEGER,                                     -- the audit entry recording it
    PRIMARY KEY (case_id, seq)
) STRICT, WITHOUT ROWID;
