-- 0030: the vetting of remote hires (package hiring). People records are
-- kept as a JSON record per person (only the fields the checks use), keyed
-- by the source system's id; their evidence one row per item; their latest
-- assessment with what it was computed against; and the runs, whose ids
-- are committed before they are returned. Forgetting a person deletes the
-- record and, by the foreign keys, its evidence and assessment; the audit
-- log names people only by a keyed fingerprint (hire_key).

CREATE TABLE hire_people (
    id          TEXT PRIMARY KEY,        -- the source system's id
    role        TEXT NOT NULL,           -- applicant, contractor, employee
    record      TEXT NOT NULL,           -- JSON of hiring.Person
    referred_by TEXT NOT NULL DEFAULT '', -- the referrer's id, for forgetting it
    created_at  TEXT NOT NULL,           -- RFC 3339 UTC, nine digits
    updated_at  TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Retention deletes by update time.
CREATE INDEX hire_people_updated ON hire_people (updated_at);
CREATE INDEX hire_people_referred_by ON hire_people (referred_by) WHERE referred_by <> '';

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
) STRICT, WITHOUT ROWID;

CREATE INDEX hire_assessments_run ON hire_assessments (run_id);

-- The people an assessment's flags relate a person to (Flag.Related):
-- forgetting one finds the assessments to scrub here.
CREATE TABLE hire_related (
    related_id TEXT NOT NULL,
    person_id  TEXT NOT NULL REFERENCES hire_assessments (person_id) ON DELETE CASCADE,
    PRIMARY KEY (related_id, person_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX hire_related_person ON hire_related (person_id);

-- The instance's fingerprint key (created by the first use) and the count
-- of deletions of people, which a run's results must not predate.
CREATE TABLE hire_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    key        BLOB,
    generation INTEGER NOT NULL
) STRICT;

INSERT INTO hire_state (id, key, generation) VALUES (1, NULL, 0);
