package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"

	sqlite3 "modernc.org/sqlite/lib"
)

var _ auth.UserStore = (*DB)(nil)

const userColumns = `id, name, role, password_hash, enrol_hash, enrol_expires_at, totp_secret, totp_last_step, webauthn_handle, created_at, created_by, updated_at, disabled_at`

// CreateUser stores a new user. A duplicate id or name is ECONFLICT.
func (db *DB) CreateUser(ctx context.Context, u *auth.User) error {
	_, err := db.writer(ctx).ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Name, string(u.Role), u.PasswordHash, u.EnrolHash, nullTime(u.EnrolExpiresAt), u.TOTPSecret, u.TOTPLastStep,
		u.WebAuthnHandle, formatTime(u.CreatedAt), u.CreatedBy, formatTime(u.UpdatedAt), nullTime(u.DisabledAt))
	switch {
	case constraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY):
		return bulwark.Wrap(err, bulwark.ECONFLICT, fmt.Sprintf("a user with id %s already exists", u.ID))
	case constraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE):
		return bulwark.Wrap(err, bulwark.ECONFLICT, fmt.Sprintf("a user named %s already exists", u.Name))
	}
	return db.fail(ctx, err, "store user "+u.Name)
}

func (db *DB) userWhere(ctx context.Context, where string, arg any, what string) (*auth.User, error) {
	u, err := scanUser(db.reader(ctx).QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no user %s (see 'bulwark user list')", what)
	}
	if err != nil {
		return nil, db.fail(ctx, err, "read user "+what)
	}
	return u, nil
}

// UserByID returns the user with the given id, or ENOTFOUND.
func (db *DB) UserByID(ctx context.Context, id string) (*auth.User, error) {
	return db.userWhere(ctx, "id = ?", id, "with id "+bulwark.Echo(id))
}

// UserByName returns the user with the given name, or ENOTFOUND.
func (db *DB) UserByName(ctx context.Context, name string) (*auth.User, error) {
	return db.userWhere(ctx, "name = ?", name, fmt.Sprintf("named %q", bulwark.Echo(name)))
}

// UserByEnrolHash returns the user whose enrolment secret hashes to h, or
// ENOTFOUND.
func (db *DB) UserByEnrolHash(ctx context.Context, h []byte) (*auth.User, error) {
	if len(h) == 0 {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no user with that enrolment secret")
	}
	return db.userWhere(ctx, "enrol_hash = ?", h, "with that enrolment secret")
}

// ListUsers returns every user, oldest first.
func (db *DB) ListUsers(ctx context.Context) ([]*auth.User, error) {
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY created_at, rowid`)
	if err != nil {
		return nil, db.fail(ctx, err, "list users")
	}
	return collectRows(ctx, db, rows, "list users", scanUser)
}

// UpdateUser stores every field of u but its id, name and creation.
func (db *DB) UpdateUser(ctx context.Context, u *auth.User) error {
	res, err := db.writer(ctx).ExecContext(ctx, `UPDATE users SET role = ?, password_hash = ?, enrol_hash = ?, enrol_expires_at = ?,
		totp_secret = ?, totp_last_step = ?, webauthn_handle = ?, updated_at = ?, disabled_at = ? WHERE id = ?`,
		string(u.Role), u.PasswordHash, u.EnrolHash, nullTime(u.EnrolExpiresAt), u.TOTPSecret, u.TOTPLastStep,
		u.WebAuthnHandle, formatTime(u.UpdatedAt), nullTime(u.DisabledAt), u.ID)
	return db.updated(ctx, res, err, "update user "+u.Name, bulwark.Errorf(bulwark.ENOTFOUND, "no user with id %s", u.ID))
}

func scanUser(s scanner) (*auth.User, error) {
	var (
		u                   auth.User
		role, created, upd  string
		enrolExp, disabled  sql.NullString
		enrolHash, waHandle []byte
	)
	if err := s.Scan(&u.ID, &u.Name, &role, &u.PasswordHash, &enrolHash, &enrolExp, &u.TOTPSecret, &u.TOTPLastStep,
		&waHandle, &created, &u.CreatedBy, &upd, &disabled); err != nil {
		return nil, err
	}
	u.Role, u.EnrolHash, u.WebAuthnHandle = auth.Role(role), enrolHash, waHandle
	var err error
	bad := func(err error) error {
		return bulwark.Wrap(err, bulwark.EINTEGRITY, fmt.Sprintf("user %s has a malformed time in the store (edited outside bulwark?)", u.ID))
	}
	if u.CreatedAt, err = parseTime(created); err != nil {
		return nil, bad(err)
	}
	if u.UpdatedAt, err = parseTime(upd); err != nil {
		return nil, bad(err)
	}
	if u.EnrolExpiresAt, err = parseNullTime(enrolExp); err != nil {
		return nil, bad(err)
	}
	if u.DisabledAt, err = parseNullTime(disabled); err != nil {
		return nil, bad(err)
	}
	return &u, nil
}

const sessionColumns = `id, hash, user_id, stage, csrf, client, created_at, last_seen_at, expires_at, revoked_at, pending`

// CreateSession stores a new session. A duplicate id or hash is ECONFLICT.
func (db *DB) CreateSession(ctx context.Context, s *auth.Session) error {
	_, err := db.writer(ctx).ExecContext(ctx, `INSERT INTO user_sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.Hash, s.UserID, string(s.Stage), s.CSRF, s.Client, formatTime(s.CreatedAt), formatTime(s.LastSeenAt),
		formatTime(s.ExpiresAt), nullTime(s.RevokedAt), s.Pending)
	if constraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) || constraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
		return bulwark.Wrap(err, bulwark.ECONFLICT, "a session with that id or secret already exists")
	}
	if constraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return bulwark.Wrap(err, bulwark.ENOTFOUND, fmt.Sprintf("no user with id %s", s.UserID))
	}
	return db.fail(ctx, err, "store session")
}

func (db *DB) sessionWhere(ctx context.Context, where string, arg any) (*auth.Session, error) {
	s, err := scanSession(db.reader(ctx).QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM user_sessions WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no such session")
	}
	if err != nil {
		return nil, db.fail(ctx, err, "read session")
	}
	return s, nil
}

// SessionByHash returns the session whose cookie hashes to h, or ENOTFOUND.
func (db *DB) SessionByHash(ctx context.Context, h []byte) (*auth.Session, error) {
	return db.sessionWhere(ctx, "hash = ?", h)
}

// SessionByID returns the session with the given public id, or ENOTFOUND.
func (db *DB) SessionByID(ctx context.Context, id string) (*auth.Session, error) {
	return db.sessionWhere(ctx, "id = ?", id)
}

// UpdateSession stores s's stage, last-seen time, revocation and pending
// ceremony.
func (db *DB) UpdateSession(ctx context.Context, s *auth.Session) error {
	res, err := db.writer(ctx).ExecContext(ctx, `UPDATE user_sessions SET stage = ?, last_seen_at = ?, revoked_at = ?, pending = ? WHERE id = ?`,
		string(s.Stage), formatTime(s.LastSeenAt), nullTime(s.RevokedAt), s.Pending, s.ID)
	return db.updated(ctx, res, err, "update session "+s.ID, bulwark.Errorf(bulwark.ENOTFOUND, "no session %s", s.ID))
}

// ListSessions returns the user's sessions neither revoked nor past their
// absolute end at now, newest first.
func (db *DB) ListSessions(ctx context.Context, userID string, now time.Time) ([]*auth.Session, error) {
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT `+sessionColumns+` FROM user_sessions
		WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at DESC, rowid DESC`, userID, formatTime(now))
	if err != nil {
		return nil, db.fail(ctx, err, "list sessions")
	}
	return collectRows(ctx, db, rows, "list sessions", scanSession)
}

// RevokeSessions revokes the user's sessions not yet revoked and returns
// how many.
func (db *DB) RevokeSessions(ctx context.Context, userID string, at time.Time) (int, error) {
	res, err := db.writer(ctx).ExecContext(ctx, `UPDATE user_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, formatTime(at), userID)
	if err != nil {
		return 0, db.fail(ctx, err, "revoke sessions")
	}
	n, err := res.RowsAffected()
	return int(n), db.fail(ctx, err, "revoke sessions")
}

// DeleteEndedSessions deletes the sessions revoked or past their absolute
// end before before.
func (db *DB) DeleteEndedSessions(ctx context.Context, before time.Time) (int64, error) {
	b := formatTime(before)
	res, err := db.writer(ctx).ExecContext(ctx, `DELETE FROM user_sessions WHERE revoked_at < ? OR expires_at < ?`, b, b)
	if err != nil {
		return 0, db.fail(ctx, err, "delete ended sessions")
	}
	n, err := res.RowsAffected()
	return n, db.fail(ctx, err, "delete ended sessions")
}

func scanSession(s scanner) (*auth.Session, error) {
	var (
		sess                      auth.Session
		stage, created, seen, exp string
		revoked                   sql.NullString
	)
	if err := s.Scan(&sess.ID, &sess.Hash, &sess.UserID, &stage, &sess.CSRF, &sess.Client, &created, &seen, &exp, &revoked, &sess.Pending); err != nil {
		return nil, err
	}
	sess.Stage = auth.Stage(stage)
	bad := func(err error) error {
		return bulwark.Wrap(err, bulwark.EINTEGRITY, fmt.Sprintf("session %s has a malformed time in the store", sess.ID))
	}
	var err error
	if sess.CreatedAt, err = parseTime(created); err != nil {
		return nil, bad(err)
	}
	if sess.LastSeenAt, err = parseTime(seen); err != nil {
		return nil, bad(err)
	}
	if sess.ExpiresAt, err = parseTime(exp); err != nil {
		return nil, bad(err)
	}
	if sess.RevokedAt, err = parseNullTime(revoked); err != nil {
		return nil, bad(err)
	}
	return &sess, nil
}

// AddPasskey stores a passkey. A duplicate credential id is ECONFLICT.
func (db *DB) AddPasskey(ctx context.Context, p *auth.Passkey) error {
	_, err := db.writer(ctx).ExecContext(ctx, `INSERT INTO user_passkeys (id, user_id, created_at, last_used_at, credential) VALUES (?, ?, ?, ?, ?)`,
		p.ID, p.UserID, formatTime(p.CreatedAt), nullTime(p.LastUsedAt), p.Credential)
	if constraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return bulwark.Wrap(err, bulwark.ECONFLICT, "that passkey is registered already")
	}
	if constraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return bulwark.Wrap(err, bulwark.ENOTFOUND, fmt.Sprintf("no user with id %s", p.UserID))
	}
	return db.fail(ctx, err, "store passkey")
}

// Passkeys returns the user's passkeys, oldest first.
func (db *DB) Passkeys(ctx context.Context, userID string) ([]*auth.Passkey, error) {
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT id, user_id, created_at, last_used_at, credential FROM user_passkeys
		WHERE user_id = ? ORDER BY created_at, rowid`, userID)
	if err != nil {
		return nil, db.fail(ctx, err, "list passkeys")
	}
	return collectRows(ctx, db, rows, "list passkeys", func(s scanner) (*auth.Passkey, error) {
		var (
			p       auth.Passkey
			created string
			used    sql.NullString
		)
		if err := s.Scan(&p.ID, &p.UserID, &created, &used, &p.Credential); err != nil {
			return nil, err
		}
		var err error
		if p.CreatedAt, err = parseTime(created); err == nil {
			p.LastUsedAt, err = parseNullTime(used)
		}
		if err != nil {
			return nil, bulwark.Wrap(err, bulwark.EINTEGRITY, "a passkey has a malformed time in the store")
		}
		return &p, nil
	})
}

// UpdatePasskey stores p's credential and last use.
func (db *DB) UpdatePasskey(ctx context.Context, p *auth.Passkey) error {
	res, err := db.writer(ctx).ExecContext(ctx, `UPDATE user_passkeys SET credential = ?, last_used_at = ? WHERE id = ?`,
		p.Credential, nullTime(p.LastUsedAt), p.ID)
	return db.updated(ctx, res, err, "update passkey", bulwark.Errorf(bulwark.ENOTFOUND, "no such passkey"))
}

// DeletePasskeys deletes every passkey of the user.
func (db *DB) DeletePasskeys(ctx context.Context, userID string) error {
	_, err := db.writer(ctx).ExecContext(ctx, `DELETE FROM user_passkeys WHERE user_id = ?`, userID)
	return db.fail(ctx, err, "delete passkeys")
}

// SetRecoveryCodes replaces the user's recovery codes with these hashes.
func (db *DB) SetRecoveryCodes(ctx context.Context, userID string, hashes [][]byte) error {
	return db.inTx(ctx, "store recovery codes", func(ctx context.Context, w querier) error {
		if _, err := w.ExecContext(ctx, `DELETE FROM user_recovery_codes WHERE user_id = ?`, userID); err != nil {
			return err
		}
		for _, h := range hashes {
			if _, err := w.ExecContext(ctx, `INSERT INTO user_recovery_codes (user_id, hash) VALUES (?, ?)`, userID, h); err != nil {
				if constraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
					return bulwark.Wrap(err, bulwark.ENOTFOUND, fmt.Sprintf("no user with id %s", userID))
				}
				return err
			}
		}
		return nil
	})
}

// UseRecoveryCode marks the user's unused code with hash h used, or
// returns ENOTFOUND.
func (db *DB) UseRecoveryCode(ctx context.Context, userID string, h []byte, at time.Time) error {
	res, err := db.writer(ctx).ExecContext(ctx, `UPDATE user_recovery_codes SET used_at = ? WHERE user_id = ? AND hash = ? AND used_at IS NULL`,
		formatTime(at), userID, h)
	return db.updated(ctx, res, err, "use recovery code", bulwark.Errorf(bulwark.ENOTFOUND, "no such unused recovery code"))
}

// CountRecoveryCodes returns how many unused codes the user has.
func (db *DB) CountRecoveryCodes(ctx context.Context, userID string) (int, error) {
	var n int
	err := db.reader(ctx).QueryRowContext(ctx, `SELECT count(*) FROM user_recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&n)
	return n, db.fail(ctx, err, "count recovery codes")
}
