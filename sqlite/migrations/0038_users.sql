-- 0038: console users, their sessions, passkeys and recovery codes
-- (auth.UserStore). No secret is stored in a form that signs anyone in:
-- passwords are Argon2id PHC strings, the enrolment secret, session cookies
-- and recovery codes SHA-256 hashes. The TOTP secret is kept as it is (a
-- verifier needs it).

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

CREATE INDEX user_sessions_user ON user_sessions (user_id, created_at);

CREATE TABLE user_passkeys (
    id           BLOB NOT NULL PRIMARY KEY,       -- WebAuthn credential id
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    credential   BLOB NOT NULL                    -- go-webauthn credential, JSON
) STRICT;

CREATE INDEX user_passkeys_user ON user_passkeys (user_id, created_at);

CREATE TABLE user_recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id),
    hash    BLOB NOT NULL,                        -- SHA-256 of the normalised code
    used_at TEXT,
    PRIMARY KEY (user_id, hash)
) STRICT;
