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
	sqlAuditHead     = `SELECT seq, hash FROM audit_head WHERE id = 1`
	sqlAuditEntries  = `SELECT ` + auditColumns + ` FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`
	sqlAuditInsert   = `INSERT INTO audit_log (` + auditColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	sqlAuditMoveHead = `INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)
ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`
)

// AppendAudit runs build with the current head inside an IMMEDIATE write
// transaction, stores the entry it returns and moves the head to it. build
// gets a context bound to the transaction: every method of this DB called
// with it joins the transaction, so a change build makes commits or rolls
// back with its entry. If build fails, its error is returned unchanged and
// nothing of it is stored. The entry must follow the head (Seq =
// head.Seq+1, PrevHash = head.Hash) and carry its own hash, or it is
// refused with EINTERNAL: a store that kept such an entry would hand Verify
// a chain broken by a bug rather than by tampering. A build that panics is
// refused with EINTERNAL too, and nothing of it is stored.
//
// Group commit: concurrent calls are queued to this DB's one writer
// goroutine, which runs every call already waiting (up to 256) in one
// transaction, each in its own savepoint, and commits them with one fsync.
// A failing call rolls back to its savepoint and gets its error alone; its
// batch-mates are committed. AppendAudit returns a success only after the
// commit; if the commit fails, every call in the batch gets the error and
// nothing of the batch is stored. The writer never waits for more calls to
// arrive, so a lone call costs what it always did.
//
// build runs on the writer goroutine, after the builds of the calls queued
// before it, and every call in the process waits while it runs: it must be
// quick, with slow work (network calls, big computations) done before
// AppendAudit. Its context carries ctx's values (an auth token, a request
// id) but not ctx's cancellation or deadline: a statement interrupted by a
// cancellation could roll back the whole batch.
//
// ctx is honoured until build starts: a call whose ctx ends while it waits
// for the writer (or for the write lock another process holds) returns
// ctx's error (ETIMEOUT or EUNAVAILABLE) at once, and its build never runs. Once build has started, AppendAudit waits for the
// outcome and returns it even if ctx ends meanwhile; the wait is for the
// rest of its own batch at most. So an error from AppendAudit, the
// caller's own cancellation included, means that nothing of the call was
// stored (barring a disk that fails in the middle of the commit), and a
// success that the entry and the change are committed.
//
// build must use the store only with the context it is given: the writer
// is held while it runs, and an append from inside build is refused with
// EINTERNAL. After Close, and for calls still queued when Close is called,
// AppendAudit fails with EUNAVAILABLE.
func (db *DB) AppendAudit(ctx context.Context, build func(ctx context.Context, head audit.Head) (*audit.Entry, error)) (*audit.Entry, error) {
	if db.txFrom(ctx) != nil {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "audit: AppendAudit called inside another append's transaction")
	}
	if db.noGroupCommit {
		return db.appendAlone(ctx, build)
	}
	return db.appendGrouped(ctx, build)
}

// appendAlone is AppendAudit without group commit (Options.NoGroupCommit):
// one transaction and one fsync per call, on the caller's goroutine, with
// the caller's ctx throughout.
func (db *DB) appendAlone(ctx context.Context, build buildFunc) (*audit.Entry, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.fail(ctx, err, opAppend)
	}
	defer func() { _ = tx.Rollback() }()
	e, err := db.appendInTx(ctx, tx, db.withTx(ctx, tx), recovered(build), nil)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, db.fail(ctx, err, "commit the audit entry")
	}
	db.commits.Add(1)
	db.appends.Add(1)
	return e, nil
}

// appendInTx reads the head inside tx, calls build with bctx (bound to tx),
// checks the entry and stores it and the new head. ctx is for its own
// statements. beforeInsert, if not nil, runs after the checks and may still
// refuse the entry.
func (db *DB) appendInTx(ctx context.Context, tx *sql.Tx, bctx context.Context, build buildFunc, beforeInsert func() error) (*audit.Entry, error) {
	head := audit.Head{Seq: 0, Hash: audit.GenesisHash}
	err := tx.StmtContext(ctx, db.wAuditHead).QueryRowContext(ctx).Scan(&head.Seq, &head.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, db.fail(ctx, err, "read the audit head")
	}
	e, err := build(bctx, head)
	if err != nil {
		return nil, err
	}
	if err := checkFollows(head, e); err != nil {
		return nil, err
	}
	if beforeInsert != nil {
		if err := beforeInsert(); err != nil {
			return nil, err
		}
	}
	var details any // NULL for no details
	if len(e.Details) > 0 {
		details = string(e.Details)
	}
	_, err = tx.StmtContext(ctx, db.wAuditInsert).ExecContext(ctx,
		e.Seq, formatTime(e.Time), e.Actor, e.Action, e.Target, details, e.PrevHash, e.Hash)
	if constraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return nil, bulwark.Wrap(err, bulwark.EINTEGRITY, fmt.Sprintf("cannot append audit entry %d: the log already holds an entry %d beyond its recorded head — run 'bulwark audit verify'", e.Seq, e.Seq))
	}
	if err != nil {
		return nil, db.fail(ctx, err, opAppend)
	}
	if _, err := tx.StmtContext(ctx, db.wAuditMoveHead).ExecContext(ctx, e.Seq, e.Hash); err != nil {
		return nil, db.fail(ctx, err, "move the audit head")
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
