-- 0006: screening. Imported list versions (the active one per list builds
-- the index; older ones are kept so a decision can be replayed), every
-- screening decision, analysts' dispositions, watched subjects and the
-- alerts a list change raised for them.

CREATE TABLE screen_lists (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id     TEXT NOT NULL,          -- e.g. ofac-sdn
    sha256      TEXT NOT NULL,          -- of the source files
    info        TEXT NOT NULL,          -- screening.ListInfo JSON
    content     BLOB NOT NULL,          -- gzip JSON: entities, problems
    active      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (list_id, sha256)
) STRICT;

CREATE UNIQUE INDEX screen_lists_active ON screen_lists (list_id) WHERE active = 1;

-- One row: bumped whenever the set of active versions changes.
CREATE TABLE screen_lists_generation (
    one        INTEGER PRIMARY KEY CHECK (one = 1),
    generation INTEGER NOT NULL
) STRICT;
INSERT INTO screen_lists_generation (one, generation) VALUES (1, 0);

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
) STRICT, WITHOUT ROWID;

CREATE INDEX screen_decisions_time ON screen_decisions (time);
CREATE INDEX screen_decisions_subject ON screen_decisions (subject, time) WHERE subject <> '';

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
) STRICT;

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
) STRICT;
