-- 0017: large batches of screening decisions stored one row per batch.
--
-- A batch of at least 32 decisions that one audit entry covers (the
-- decision journal's loader stores up to 2,048 at a time) is one row of
-- screen_decision_batches: data holds every decision of the batch (ID,
-- time, kind, use, subject, actor, verdict and stored body, the list
-- versions object written once per batch), in the store's own compact
-- encoding (sqlite/decisionbatch.go). first_time and last_time bound the
-- decisions' times, verdicts lists the verdicts present (' clear block '),
-- for listing without reading every batch. screen_decision_ids finds a
-- decision's batch by ID (and keeps IDs unique); screen_decision_subjects
-- lists, per subject, the batched decisions about it. Smaller batches, and
-- every decision stored before this migration, stay in screen_decisions:
-- reads, retention and audit verify look at both.
CREATE TABLE screen_decision_batches (
    id         INTEGER PRIMARY KEY,
    audit_seq  INTEGER NOT NULL,
    n          INTEGER NOT NULL,       -- decisions in data
    first_time TEXT NOT NULL,          -- RFC 3339 UTC, nine digits
    last_time  TEXT NOT NULL,
    verdicts   TEXT NOT NULL,
    data       BLOB NOT NULL
) STRICT;

CREATE INDEX screen_decision_batches_audit_seq ON screen_decision_batches (audit_seq);
CREATE INDEX screen_decision_batches_last_time ON screen_decision_batches (last_time);

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
