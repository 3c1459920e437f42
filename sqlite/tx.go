package sqlite

import (
	"context"
	"database/sql"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// txKey is the context key of an open write transaction.
type txKey struct{}

// boundTx is a write transaction of one DB, carried in a context so that
// every method of that DB called with the context joins it.
type boundTx struct {
	db *DB
	tx *sql.Tx
}

// withTx returns ctx bound to tx.
func (db *DB) withTx(ctx context.Context, tx *sql.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, &boundTx{db: db, tx: tx})
}

// txFrom returns the transaction of this DB that ctx carries, or nil.
func (db *DB) txFrom(ctx context.Context) *sql.Tx {
	if b, ok := ctx.Value(txKey{}).(*boundTx); ok && b.db == db {
		return b.tx
	}
	return nil
}

// writer returns where a write with ctx goes: the transaction ctx carries,
// or the single writer connection.
func (db *DB) writer(ctx context.Context) querier {
	if tx := db.txFrom(ctx); tx != nil {
		return tx
	}
	return db.w
}

// reader returns where a read with ctx goes: inside a transaction the read
// must see that transaction's own writes, so it goes there too.
func (db *DB) reader(ctx context.Context) querier {
	if tx := db.txFrom(ctx); tx != nil {
		return tx
	}
	return db.r
}

// prepared runs a statement prepared on the reader pool, or its text inside
// the transaction ctx carries (a *sql.Stmt cannot cross to another *sql.DB).
func (db *DB) prepared(ctx context.Context, stmt *sql.Stmt, text string, args ...any) *sql.Row {
	if tx := db.txFrom(ctx); tx != nil {
		return tx.QueryRowContext(ctx, text, args...)
	}
	return stmt.QueryRowContext(ctx, args...)
}
