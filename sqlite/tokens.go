package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"

	sqlite3 "modernc.org/sqlite/lib"
)

const tokenColumns = `id, name, role, hash, created_at, created_by, expires_at, last_used_at, revoked_at, person`

const sqlTokenByID = `SELECT ` + tokenColumns + ` FROM tokens WHERE id = ?`

// CreateToken stores a new token. A duplicate id or name is ECONFLICT.
func (db *DB) CreateToken(ctx context.Context, t *auth.Token) error {
	if t == nil {
		return bulwark.Errorf(bulwark.EINTERNAL, "store: CreateToken called with a nil token")
	}
	_, err := db.writer(ctx).ExecContext(ctx, `INSERT INTO tokens (`+tokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Name, string(t.Role), t.Hash, formatTime(t.CreatedAt), t.CreatedBy,
		nullTime(t.ExpiresAt), nullTime(t.LastUsedAt), nullTime(t.RevokedAt), t.Person)
	switch {
	case constraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY):
		return bulwark.Wrap(err, bulwark.ECONFLICT, fmt.Sprintf("a token with id %s already exists", t.ID))
	case constraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE):
		return bulwark.Wrap(err, bulwark.ECONFLICT, fmt.Sprintf("a token named %s already exists", t.Name))
	}
	return db.fail(ctx, err, "store token "+t.Name)
}

// TokenByID returns the token with the given id, or ENOTFOUND.
func (db *DB) TokenByID(ctx context.Context, id string) (*auth.Token, error) {
	t, err := scanToken(db.prepared(ctx, db.tokenByID, sqlTokenByID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errTokenNotFound(id)
	}
	if err != nil {
		return nil, db.fail(ctx, err, "read token "+id)
	}
	return t, nil
}

// ListTokens returns every token, revoked ones included, oldest first
// (tokens created at the same instant in the order they were stored).
func (db *DB) ListTokens(ctx context.Context) ([]*auth.Token, error) {
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at, rowid`)
	if err != nil {
		return nil, db.fail(ctx, err, "list tokens")
	}
	return collectRows(ctx, db, rows, "list tokens", scanToken)
}

// RevokeToken marks a token revoked at the given time, keeping the first
// time if it was revoked already. A missing id is ENOTFOUND.
func (db *DB) RevokeToken(ctx context.Context, id string, at time.Time) error {
	res, err := db.writer(ctx).ExecContext(ctx, `UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, formatTime(at), id)
	return db.updated(ctx, res, err, "revoke token "+id, errTokenNotFound(id))
}

// TokenGeneration returns the store's token generation: a number that
// every process using the store sees change when any of them calls
// TokensChanged. Reading it is an atomic load of shared memory (see
// auth.TokenChanges); it is 0 where it cannot be shared.
func (db *DB) TokenGeneration() uint64 {
	if c := db.gen.counter(db.path); c != nil {
		return atomic.LoadUint64(c)
	}
	return 0
}

// TokensChanged tells every process using the store that a token changed
// (was revoked): their token caches read it again. Call it once the change
// has committed.
func (db *DB) TokensChanged() {
	if c := db.gen.counter(db.path); c != nil {
		atomic.AddUint64(c, 1)
	}
}

// TouchToken records that a token was used at the given time. A missing id
// is ENOTFOUND.
func (db *DB) TouchToken(ctx context.Context, id string, at time.Time) error {
	res, err := db.writer(ctx).ExecContext(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ?`, formatTime(at), id)
	return db.updated(ctx, res, err, "record use of token "+id, errTokenNotFound(id))
}

// CountTokens returns how many tokens were ever created, revoked included.
func (db *DB) CountTokens(ctx context.Context) (int, error) {
	var n int
	if err := db.reader(ctx).QueryRowContext(ctx, `SELECT count(*) FROM tokens`).Scan(&n); err != nil {
		return 0, db.fail(ctx, err, "count tokens")
	}
	return n, nil
}

// updated checks the outcome of an UPDATE of one row: the error of op,
// or notFound when no row matched.
func (db *DB) updated(ctx context.Context, res sql.Result, err error, op string, notFound error) error {
	if err != nil {
		return db.fail(ctx, err, op)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return db.fail(ctx, err, op)
	}
	if n == 0 {
		return notFound
	}
	return nil
}

func errTokenNotFound(id string) error {
	return bulwark.Errorf(bulwark.ENOTFOUND, "no token with id %q (see 'bulwark token list')", id)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanToken(s scanner) (*auth.Token, error) {
	var (
		t                          auth.Token
		role, created              string
		expires, lastUsed, revoked sql.NullString
	)
	if err := s.Scan(&t.ID, &t.Name, &role, &t.Hash, &created, &t.CreatedBy, &expires, &lastUsed, &revoked, &t.Person); err != nil {
		return nil, err
	}
	t.Role = auth.Role(role)
	var err error
	if t.CreatedAt, err = parseTime(created); err != nil {
		return nil, badTokenTime(t.ID, err)
	}
	if t.ExpiresAt, err = parseNullTime(expires); err != nil {
		return nil, badTokenTime(t.ID, err)
	}
	if t.LastUsedAt, err = parseNullTime(lastUsed); err != nil {
		return nil, badTokenTime(t.ID, err)
	}
	if t.RevokedAt, err = parseNullTime(revoked); err != nil {
		return nil, badTokenTime(t.ID, err)
	}
	return &t, nil
}

func badTokenTime(id string, err error) error {
	return bulwark.Wrap(err, bulwark.EINTEGRITY, fmt.Sprintf("token %s has a malformed time in the store (edited outside bulwark?)", id))
}
