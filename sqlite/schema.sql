-- The schema a new store gets: what every migration in migrations/ gives
-- together. Generated; rewrite it with
--   go test ./sqlite -run TestFreshSchema -update

CREATE TABLE tokens (
    id           TEXT NOT NULL PRIMARY KEY,   -- public id, 16 hex digits
    name         TEXT NOT NULL UNIQUE,        -- unique among all tokens, revoked included
    role         TEXT NOT NULL,
    hash         BLOB NOT NULL,               -- SHA-256 of the whole token; the secret is never stored
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
, person TEXT NOT NULL DEFAULT '') STRICT;

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY CHECK (seq > 0),
    time      TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL DEFAULT '',
    details   TEXT,                          -- JSON object, byte for byte as hashed
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
) STRICT;

CREATE TABLE safe_alerts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused
    time              TEXT NOT NULL,                       -- when stored, RFC 3339 UTC, nine digits
    block             INTEGER NOT NULL,
    block_hash        TEXT NOT NULL DEFAULT '',
    safe              TEXT NOT NULL DEFAULT '',            -- '' for node and chain alerts
    code              TEXT NOT NULL,
    severity          TEXT NOT NULL,
    message           TEXT NOT NULL,
    details           TEXT) STRICT;

CREATE TABLE safe_verifications (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    safe_tx_hash TEXT NOT NULL,        -- 0x + 64 lower-case hex digits
    safe         TEXT NOT NULL,        -- EIP-55
    chain_id     TEXT NOT NULL,        -- decimal
    verdict      TEXT NOT NULL,        -- ok, review, reject
    audit_seq    INTEGER NOT NULL,     -- the verdict's audit entry (action safe.verify)
    time         TEXT NOT NULL         -- when stored, RFC 3339 UTC, nine digits
, simulated INTEGER NOT NULL DEFAULT 0, approval_digest TEXT NOT NULL DEFAULT '') STRICT;

CREATE TABLE safe_watches (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,  -- the order they were added
    safe     TEXT NOT NULL UNIQUE,               -- EIP-55
    added_at TEXT NOT NULL,                      -- RFC 3339 UTC, nine digits
    added_by TEXT NOT NULL                       -- audit actor, e.g. token:<id>
) STRICT;

CREATE TABLE safe_monitor_cursor (
    id         INTEGER PRIMARY KEY CHECK (id = 1),  -- a single row
    block      INTEGER NOT NULL CHECK (block >= 0),
    hash       TEXT NOT NULL,                       -- 0x + 64 hex
    updated_at TEXT NOT NULL                        -- RFC 3339 UTC, nine digits
) STRICT;

CREATE TABLE screen_lists (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id     TEXT NOT NULL,          -- e.g. ofac-sdn
    sha256      TEXT NOT NULL,          -- of the source files
    info        TEXT NOT NULL,          -- screening.ListInfo JSON
    content     BLOB NOT NULL,          -- gzip JSON: entities, problems
    active      INTEGER NOT NULL DEFAULT 0, binary_digest TEXT NULL,
    UNIQUE (list_id, sha256)
) STRICT;

CREATE TABLE screen_lists_generation (
    one        INTEGER PRIMARY KEY CHECK (one = 1),
    generation INTEGER NOT NULL
) STRICT;

CREATE TABLE screen_decisions (
    id        TEXT PRIMARY KEY,         -- dec_ + 24 hex
    time      TEXT NOT NULL,            -- RFC 3339 UTC, nine digits
    kind      TEXT NOT NULL,            -- address or name
    use       TEXT NOT NULL,
    subject   TEXT NOT NULL DEFAULT '',
    actor     TEXT NOT NULL DEFAULT '',
    verdict   TEXT NOT NULL,
    audit_seq INTEGER NOT NULL,
    body      TEXT NOT NULL             -- the decision JSON as answered
, packed BLOB NULL) STRICT, WITHOUT ROWID;

CREATE TABLE screen_dispositions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL,
    subject_key   TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    entity_digest TEXT NOT NULL,
    disposition   TEXT NOT NULL,        -- false_positive or true_positive
    note          TEXT NOT NULL DEFAULT '',
    decision_id   TEXT NOT NULL DEFAULT '',
    by            TEXT NOT NULL,
    at            TEXT NOT NULL
, subject TEXT NOT NULL DEFAULT '', use TEXT NOT NULL DEFAULT '') STRICT;

CREATE TABLE screen_watches (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    kind     TEXT NOT NULL,
    use      TEXT NOT NULL,
    key      TEXT NOT NULL,
    subject  TEXT NOT NULL DEFAULT '',
    address  TEXT NOT NULL DEFAULT '',
    chain    TEXT NOT NULL DEFAULT '',
    name     TEXT NOT NULL DEFAULT '',
    type     TEXT NOT NULL DEFAULT '',
    dob      TEXT NOT NULL DEFAULT '',
    country  TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL,
    UNIQUE (kind, key, use)
) STRICT;

CREATE TABLE screen_alerts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    time        TEXT NOT NULL,
    watch_id    INTEGER NOT NULL,       -- the watch may since have been removed
    subject     TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    verdict     TEXT NOT NULL,
    decision_id TEXT NOT NULL,
    body        TEXT NOT NULL
, key TEXT NOT NULL DEFAULT '') STRICT;

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused
    kind            TEXT NOT NULL,                      -- 'safe.alert', 'screening.alert': the payload's "type"
    ref             INTEGER NOT NULL,                   -- the alert's id in its kind's table: the payload's "id"
    created_at      TEXT NOT NULL,                      -- RFC 3339 UTC, nine digits (all times here)
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',           -- the receiver named as scheme://host only
    delivered_at    TEXT,
    UNIQUE (kind, ref)
) STRICT;

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
, known_tokens TEXT NOT NULL DEFAULT '[]', notes TEXT NOT NULL DEFAULT '[]') STRICT;

CREATE TABLE trace_case_results (
    case_id INTEGER PRIMARY KEY REFERENCES trace_cases (id) ON DELETE CASCADE,
    graph   TEXT NOT NULL                                  -- JSON tracing.Graph
, packed BLOB) STRICT;

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

CREATE TABLE trace_deposits (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,  -- the order of registration
    address    TEXT NOT NULL UNIQUE,               -- lower-case 0x + 40 hex
    label      TEXT NOT NULL DEFAULT '',
    thresholds TEXT,                               -- JSON object: asset key -> decimal base units
    added_at   TEXT NOT NULL,                      -- RFC 3339 UTC, nine digits (all times here)
    added_by   TEXT NOT NULL
) STRICT;

CREATE TABLE trace_follow_cursors (
    follow     TEXT PRIMARY KEY,
    chain      INTEGER NOT NULL,
    block      INTEGER NOT NULL CHECK (block >= 0),  -- every block up to it is processed
    hash       TEXT NOT NULL,                        -- its hash as processed
    from_block INTEGER NOT NULL CHECK (from_block >= 0),  -- the first block the trace applies
    updated_at TEXT NOT NULL
) STRICT;

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

CREATE TABLE screen_decision_batches (
    id         INTEGER PRIMARY KEY,
    audit_seq  INTEGER NOT NULL,
    n          INTEGER NOT NULL,       -- decisions in data
    first_time TEXT NOT NULL,          -- RFC 3339 UTC, nine digits
    last_time  TEXT NOT NULL,
    verdicts   TEXT NOT NULL,
    data       BLOB NOT NULL
) STRICT;

CREATE TABLE screen_decision_ids (
    id    TEXT PRIMARY KEY,
    batch INTEGER NOT NULL              -- screen_decision_batches.id
) STRICT, WITHOUT ROWID;

CREATE TABLE screen_decision_subjects (
    subject TEXT NOT NULL,
    time    TEXT NOT NULL,
    id      TEXT NOT NULL,
    PRIMARY KEY (subject, time, id)
) STRICT, WITHOUT ROWID;

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
    time         TEXT NOT NULL, outflows TEXT NOT NULL DEFAULT '',        -- when stored, RFC 3339 UTC, nine digits
    UNIQUE (chain_id, safe, nonce)
) STRICT;

CREATE TABLE "trace_transfers" (
    stream  INTEGER NOT NULL,                         -- trace_streams.id
    block   INTEGER NOT NULL,
    chunk   INTEGER NOT NULL,                         -- the positions 8 × chunk to 8 × chunk + 7 in the block
    records BLOB NOT NULL,                            -- their entries: asset id, record length (uvarints), record
    PRIMARY KEY (stream, block, chunk)
) STRICT, WITHOUT ROWID;

CREATE TABLE "trace_addresses" (
    addr    BLOB NOT NULL,                            -- the first 8 bytes of a from or to address
    stream  INTEGER NOT NULL,
    block   INTEGER NOT NULL,                         -- the first block listed
    entries TEXT NOT NULL,                            -- 64 × position + (block − this block), each: '[0,449,65]'
    PRIMARY KEY (addr, stream, block)
) STRICT, WITHOUT ROWID;

CREATE TABLE safe_queue_decisions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    safe         TEXT NOT NULL,        -- EIP-55
    entry_key    TEXT NOT NULL,        -- 0x + 64 lower-case hex digits
    safe_tx_hash TEXT NOT NULL,        -- as listed by the service; '' when none read
    nonce        TEXT NOT NULL,        -- decimal as listed; '' when none read
    decision     TEXT NOT NULL,        -- signed, verified, held, refused, malformed
    verdict      TEXT NOT NULL,        -- ok, review, reject; '' for a malformed entry
    pushed       INTEGER NOT NULL,     -- 1 when the service took the co-signature
    audit_seq    INTEGER NOT NULL,     -- the decision's audit entry (action safe.queue.decision)
    time         TEXT NOT NULL         -- when stored, RFC 3339 UTC, nine digits
) STRICT;

CREATE TABLE "safe_cosign_approvals" (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id         TEXT NOT NULL,        -- decimal
    safe             TEXT NOT NULL,        -- EIP-55
    safe_tx_hash     TEXT NOT NULL,        -- 0x + 64 lower-case hex digits
    approver         TEXT NOT NULL,        -- token:<id> or cli:<name>
    note             TEXT NOT NULL,        -- the approver's reason, bounded
    audit_seq        INTEGER NOT NULL,     -- the approval's audit entry
    time             TEXT NOT NULL,        -- when stored, RFC 3339 UTC, nine digits
    digest           TEXT NOT NULL DEFAULT '',  -- what was approved (hex SHA-256); '' before 0026
    os_user          TEXT NOT NULL DEFAULT '',  -- a command-line approval's OS user, '' through the API
    host             TEXT NOT NULL DEFAULT '',  -- and its host
    expires          TEXT NOT NULL DEFAULT '',  -- RFC 3339 UTC, nine digits; '' before 0026
    withdrawn_seq    INTEGER,                   -- the audit entry that withdrew or replaced it; NULL while it stands
    withdrawn_time   TEXT NOT NULL DEFAULT '',
    withdrawn_reason TEXT NOT NULL DEFAULT ''   -- withdrawn or replaced
) STRICT;

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

CREATE TABLE hire_people (
    id          TEXT PRIMARY KEY,        -- the source system's id
    role        TEXT NOT NULL,           -- applicant, contractor, employee
    record      TEXT NOT NULL,           -- JSON of hiring.Person
    referred_by TEXT NOT NULL DEFAULT '', -- the referrer's id, for forgetting it
    created_at  TEXT NOT NULL,           -- RFC 3339 UTC, nine digits
    updated_at  TEXT NOT NULL
, salt BLOB, seen_at TEXT NOT NULL DEFAULT '') STRICT, WITHOUT ROWID;

CREATE TABLE hire_evidence (
    person_id TEXT NOT NULL REFERENCES hire_people (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,             -- sign_in, device, shipment, payroll, github
    digest    TEXT NOT NULL,             -- SHA-256 of body: an item is stored once per person
    body      TEXT NOT NULL,             -- JSON of the item
    PRIMARY KEY (person_id, kind, digest)
) STRICT, WITHOUT ROWID;

CREATE TABLE hire_runs (
    id        INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused
    kind      TEXT NOT NULL,             -- screen, link, recheck
    actor     TEXT NOT NULL,
    reason    TEXT NOT NULL,
    at        TEXT NOT NULL,
    imported  INTEGER NOT NULL,
    clusters  INTEGER NOT NULL,
    verdicts  TEXT NOT NULL,             -- JSON: verdict → count
    inputs    TEXT NOT NULL,             -- JSON of hiring.Inputs
    audit_seq INTEGER                    -- the run's audit entry
) STRICT;

CREATE TABLE hire_assessments (
    person_id   TEXT PRIMARY KEY REFERENCES hire_people (id) ON DELETE CASCADE,
    run_id      INTEGER NOT NULL REFERENCES hire_runs (id),
    verdict     TEXT NOT NULL,
    score       INTEGER NOT NULL,
    flags       TEXT NOT NULL,           -- JSON of []hiring.Flag
    computed_at TEXT NOT NULL,
    stale       INTEGER NOT NULL DEFAULT 0
, person_created TEXT NOT NULL DEFAULT '') STRICT, WITHOUT ROWID;

CREATE TABLE hire_related (
    related_id TEXT NOT NULL,
    person_id  TEXT NOT NULL REFERENCES hire_assessments (person_id) ON DELETE CASCADE,
    PRIMARY KEY (related_id, person_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE hire_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    key        BLOB,
    generation INTEGER NOT NULL
, version INTEGER NOT NULL DEFAULT 0) STRICT;

CREATE TABLE approval_requests (
    id               TEXT PRIMARY KEY,
    action           TEXT NOT NULL,
    subject          TEXT NOT NULL,
    summary          TEXT NOT NULL,
    summary_digest   TEXT NOT NULL,
    payload          BLOB NOT NULL,
    requester        TEXT NOT NULL,
    requester_person TEXT NOT NULL DEFAULT '',
    requester_role   TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    state            TEXT NOT NULL,
    decided_by       TEXT NOT NULL DEFAULT '',
    decided_person   TEXT NOT NULL DEFAULT '',
    decided_at       TEXT,
    reason           TEXT NOT NULL DEFAULT '',
    outcome          TEXT NOT NULL DEFAULT '',
    audit_seq        INTEGER NOT NULL,
    challenge_nonce  BLOB,
    challenge_for    TEXT NOT NULL DEFAULT '',
    challenge_expires TEXT
);

CREATE TABLE inbox_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused; newest first is id order
    kind        TEXT NOT NULL,                      -- safe.alert, screening.alert, trace.alert, hiring.flag
    ref         TEXT NOT NULL,                      -- the alert's id in its kind ('RUN:PERSON' for hiring.flag)
    time        TEXT NOT NULL,                      -- when the alert was stored, RFC 3339 UTC, nine digits (all times here)
    severity    TEXT NOT NULL,                      -- info, low, medium, high, critical
    rank        INTEGER NOT NULL,                   -- 0 (info) … 4 (critical)
    subject     TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL,
    evidence    TEXT NOT NULL DEFAULT '',           -- API path of the alert's evidence
    state       TEXT NOT NULL DEFAULT 'open',       -- open, acknowledged
    assignee    TEXT NOT NULL DEFAULT '',
    assigned_by TEXT NOT NULL DEFAULT '',
    assigned_at TEXT,
    acked_by    TEXT NOT NULL DEFAULT '',
    acked_at    TEXT,
    ack_reason  TEXT NOT NULL DEFAULT '',
    escalated_at TEXT,                      -- NULL: not escalated; '': stored before the inbox, never escalated
    UNIQUE (kind, ref)
) STRICT;

CREATE TABLE users (
    id               TEXT NOT NULL PRIMARY KEY,   -- public id, 16 hex digits
    name             TEXT NOT NULL UNIQUE,
    role             TEXT NOT NULL,
    password_hash    TEXT NOT NULL DEFAULT '',    -- '' until enrolled
    enrol_hash       BLOB UNIQUE,                 -- SHA-256 of the one-time enrolment secret
    enrol_expires_at TEXT,
    totp_secret      TEXT NOT NULL DEFAULT '',
    totp_last_step   INTEGER NOT NULL DEFAULT 0,
    webauthn_handle  BLOB NOT NULL,
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL DEFAULT '',
    updated_at       TEXT NOT NULL,
    disabled_at      TEXT
) STRICT;

CREATE TABLE user_sessions (
    id           TEXT NOT NULL PRIMARY KEY,       -- public id, 16 hex digits
    hash         BLOB NOT NULL UNIQUE,            -- SHA-256 of the cookie's secret
    user_id      TEXT NOT NULL REFERENCES users (id),
    stage        TEXT NOT NULL,
    csrf         BLOB NOT NULL,
    client       TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT,
    pending      BLOB                             -- an unfinished ceremony, JSON
) STRICT;

CREATE TABLE user_passkeys (
    id           BLOB NOT NULL PRIMARY KEY,       -- WebAuthn credential id
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    credential   BLOB NOT NULL                    -- go-webauthn credential, JSON
) STRICT;

CREATE TABLE user_recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id),
    hash    BLOB NOT NULL,                        -- SHA-256 of the normalised code
    used_at TEXT,
    PRIMARY KEY (user_id, hash)
) STRICT;

CREATE INDEX tokens_created_at ON tokens (created_at);

CREATE INDEX safe_alerts_safe ON safe_alerts (lower(safe), id);

CREATE INDEX safe_verifications_hash ON safe_verifications (safe_tx_hash, id);

CREATE UNIQUE INDEX screen_lists_active ON screen_lists (list_id) WHERE active = 1;

CREATE INDEX screen_decisions_time ON screen_decisions (time);

CREATE INDEX screen_decisions_subject ON screen_decisions (subject, time) WHERE subject <> '';

CREATE UNIQUE INDEX screen_alerts_key ON screen_alerts (key) WHERE key <> '';

CREATE INDEX outbox_undelivered ON outbox (kind, next_attempt_at) WHERE delivered_at IS NULL;

CREATE INDEX outbox_undelivered_id ON outbox (id) WHERE delivered_at IS NULL;

CREATE INDEX screen_decisions_audit_seq ON screen_decisions (audit_seq);

CREATE INDEX trace_cases_status ON trace_cases (status, id);

CREATE INDEX screen_decision_batches_audit_seq ON screen_decision_batches (audit_seq);

CREATE INDEX screen_decision_batches_last_time ON screen_decision_batches (last_time);

CREATE INDEX trace_alerts_follow ON trace_alerts (follow, id);

CREATE INDEX trace_alerts_deposit ON trace_alerts (deposit, id);

CREATE UNIQUE INDEX trace_alerts_identity ON trace_alerts (follow, code, chain, block_hash, tx_hash, position, deposit, coalesce(retracts, 0))
    WHERE retracted_by IS NULL;

CREATE UNIQUE INDEX safe_queue_decisions_key ON safe_queue_decisions (safe, entry_key);

CREATE INDEX safe_cosignatures_time ON safe_cosignatures (chain_id, safe, time);

CREATE UNIQUE INDEX safe_cosign_approvals_standing ON safe_cosign_approvals (chain_id, safe, safe_tx_hash, approver)
WHERE withdrawn_seq IS NULL;

CREATE INDEX safe_cosign_approvals_tx ON safe_cosign_approvals (chain_id, safe, safe_tx_hash, id);

CREATE INDEX screen_decision_batches_span ON screen_decision_batches (first_time, last_time);

CREATE INDEX hire_people_updated ON hire_people (updated_at);

CREATE INDEX hire_people_referred_by ON hire_people (referred_by) WHERE referred_by <> '';

CREATE INDEX hire_assessments_run ON hire_assessments (run_id);

CREATE INDEX hire_related_person ON hire_related (person_id);

CREATE INDEX hire_people_created ON hire_people (created_at, id);

CREATE INDEX hire_assessments_verdict ON hire_assessments (verdict, person_created, person_id);

CREATE INDEX screen_dispositions_subject ON screen_dispositions (subject) WHERE subject <> '';

CREATE INDEX approval_requests_state ON approval_requests (state, created_at);

CREATE INDEX approval_requests_subject ON approval_requests (action, subject) WHERE state = 'pending';

CREATE INDEX inbox_items_state ON inbox_items (state, id);

CREATE INDEX inbox_items_rank ON inbox_items (rank, id);

CREATE INDEX inbox_items_kind ON inbox_items (kind, id);

CREATE INDEX inbox_items_assignee ON inbox_items (assignee, id);

CREATE INDEX inbox_items_subject ON inbox_items (kind, subject);

CREATE INDEX inbox_items_due ON inbox_items (time) WHERE rank = 4 AND state = 'open' AND escalated_at IS NULL;

CREATE INDEX user_sessions_user ON user_sessions (user_id, created_at);

CREATE INDEX user_passkeys_user ON user_passkeys (user_id, created_at);

INSERT INTO "screen_lists_generation" VALUES (1, 0);

INSERT INTO "hire_state" VALUES (1, NULL, 0, 0);
