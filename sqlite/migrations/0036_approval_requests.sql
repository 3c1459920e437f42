-- 0036: dual control (package approval): requests for a second person's
-- approval of an action that clears money or silences an alarm, with the
-- exact summary the requester saw and its digest, the action's input, the
-- decision, and the single-use challenge issued to an approver.

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

CREATE INDEX approval_requests_state ON approval_requests (state, created_at);
CREATE INDEX approval_requests_subject ON approval_requests (action, subject) WHERE state = 'pending';
