package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"

	sqlite3 "modernc.org/sqlite/lib"
)

const auditColumns = `seq, time, actor, action, target, details, prev_hash, hash`

const (
	sqlAuditHead    = `SELECT seq, hash FROM audit_head WHERE id = 1`
	sqlAuditEntries = `SELECT ` + auditColumns + ` FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`
)

// AppendAudit runs build with the current head inside one IMMEDIATE write
// transaction, stores the entry it returns and moves the head to it. build
// gets a context bound to the transaction: every method of this DB called
// with it joins the transaction, so a change build makes commits or rolls
// back with its entry. If build fails, its error is returned unchanged and
// nothing is stored. The entry must follow the head (Seq = head.Seq+1,
// PrevHash = head.Hash) and carry its own hash, or it is refused with
// EINTERNAL: a store that kept such an entry would hand Verify a chain
// broken by a bug rather than by tampering.
//
// build runs while this process's single writer connection is held, so it
// must use the store only with the context it is given.
func (db *DB) AppendAudit(ctx context.Context, build func(ctx context.Context, head audit.Head) (*audit.Entry, error)) (*audit.Entry, error) {
	if db.txFrom(ctx) != nil {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "audit: AppendAudit called inside another append's transaction")
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.fail(ctx, err, "append to the audit log")
	}
	defer func() { _ = tx.Rollback() }()

	head := audit.Head{Seq: 0, Hash: audit.GenesisHash}
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&head.Seq, &head.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, db.fail(ctx, err, "read the audit head")
	}
	e, err := build(db.withTx(ctx, tx), head)
	if err != nil {
		return nil, err
	}
	if err := checkFollows(head, e); err != nil {
		return nil, err
	}
	var details any // NULL for no details
	if len(e.Details) > 0 {
		details = string(e.Details)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, formatTime(e.Time), e.Actor, e.Action, e.Target, details, e.PrevHash, e.Hash)
	if constraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return nil, bulwark.Wrap(err, bulwark.EINTEGRITY, fmt.Sprintf("cannot append audit entry %d: the log already holds an entry %d beyond its recorded head — run 'bulwark audit verify'", e.Seq, e.Seq))
	}
	if err != nil {
		return nil, db.fail(ctx, err, "append to the audit log")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)
ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`, e.Seq, e.Hash); err != nil {
		return nil, db.fail(ctx, err, "move the audit head")
	}
	if err := tx.Commit(); err != nil {
		return nil, db.fail(ctx, err, "commit the audit entry")
	}
	return e, nil
}

// checkFollows refuses an entry that does not extend the chain at head.
func checkFollows(head audit.Head, e *audit.Entry) error {
	switch {
	case e == nil:
		return bulwark.Errorf(bulwark.EINTERNAL, "audit: build returned no entry")
	case e.Seq != head.Seq+1:
		return bulwark.Errorf(bulwark.EINTERNAL, "audit: entry has seq %d but the head is %d", e.Seq, head.Seq)
	case e.PrevHash != head.Hash:
		return bulwark.Errorf(bulwark.EINTERNAL, "audit: entry %d does not link to the head", e.Seq)
	case e.Hash != e.ComputeHash():
		return bulwark.Errorf(bulwark.EINTERNAL, "audit: entry %d carries a hash that does not match its contents", e.Seq)
	}
	return nil
}

// AuditEntries returns up to limit entries with Seq > after, in Seq order.
// limit must be positive.
func (db *DB) AuditEntries(ctx context.Context, after int64, limit int) ([]*audit.Entry, error) {
	if limit <= 0 {
		return nil, bulwark.Invalid("limit", "must be positive")
	}
	var (
		rows *sql.Rows
		err  error
	)
	if tx := db.txFrom(ctx); tx != nil {
		rows, err = tx.QueryContext(ctx, sqlAuditEntries, after, limit)
	} else {
		rows, err = db.auditEntries.QueryContext(ctx, after, limit)
	}
	if err != nil {
		return nil, db.fail(ctx, err, "read the audit log")
	}
	defer rows.Close()
	out := make([]*audit.Entry, 0, min(limit, 1000))
	for rows.Next() {
		var (
			e       audit.Entry
			tm      string
			details sql.NullString
		)
		if err := rows.Scan(&e.Seq, &tm, &e.Actor, &e.Action, &e.Target, &details, &e.PrevHash, &e.Hash); err != nil {
			return nil, db.fail(ctx, err, "read the audit log")
		}
		if e.Time, err = parseTime(tm); err != nil {
			return nil, bulwark.Wrap(err, bulwark.EINTEGRITY, fmt.Sprintf("audit entry %d has a malformed time %q: the log was edited outside bulwark", e.Seq, tm))
		}
		if details.Valid && details.String != "" {
			e.Details = json.RawMessage(details.String)
		}
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail(ctx, err, "read the audit log")
	}
	return out, nil
}

// AuditHead returns the recorded head ({0, GenesisHash} for an empty log).
func (db *DB) AuditHead(ctx context.Context) (audit.Head, error) {
	head := audit.Head{Seq: 0, Hash: audit.GenesisHash}
	err := db.prepared(ctx, db.auditHead, sqlAuditHead).Scan(&head.Seq, &head.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return audit.Head{}, db.fail(ctx, err, "read the audit head")
	}
	return head, nil
}
