package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/inbox"
)

// The alerts inbox (package inbox) is one table, inbox_items, with a row
// per alert written by the same transaction that stores the alert (the
// alert's outbox message and audit entry are in it too): SaveAlert,
// SaveScreenAlert, SaveTraceAlert and SaveRun call addInboxItem. The
// alert tables stay the alerts' record; the row copies the few fields the
// list shows and filters on (alerts are never edited, so the copy cannot
// drift) and is the only place of the inbox's own state — assignee,
// acknowledgement, escalation. A state table joined to a union over the
// four alert tables would keep no copy, but every page would merge and
// sort all alerts of all kinds; one table answers any filter's page with
// an index range scan, at 10,000 alerts as at 10 million. Retention and
// erasure delete an alert's row with the alert.

var _ inbox.Store = (*DB)(nil)

// inboxEntry is what an alert store writes to the inbox.
type inboxEntry struct {
	kind, ref        string
	at               time.Time
	severity         inbox.Severity
	subject, message string
	evidence         string
}

// addInboxItem writes e's row with q, the transaction storing its alert.
// An alert that has its row already (a retry) keeps it.
func addInboxItem(ctx context.Context, q querier, e inboxEntry) error {
	_, err := q.ExecContext(ctx, `INSERT INTO inbox_items (kind, ref, time, severity, rank, subject, message, evidence)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, ref) DO NOTHING`,
		e.kind, e.ref, formatTime(e.at), string(e.severity), e.severity.Rank(), e.subject, e.message, e.evidence)
	return err
}

const inboxColumns = `id, kind, ref, time, severity, subject, message, evidence, state, assignee, assigned_by, assigned_at,
acked_by, acked_at, ack_reason, escalated_at`

func scanInboxItem(s scanner) (inbox.Item, error) {
	var (
		it                               inbox.Item
		at, severity, state              string
		assignedAt, ackedAt, escalatedAt sql.NullString
	)
	if err := s.Scan(&it.ID, &it.Kind, &it.Ref, &at, &severity, &it.Subject, &it.Message, &it.Evidence, &state,
		&it.Assignee, &it.AssignedBy, &assignedAt, &it.AckedBy, &ackedAt, &it.AckReason, &escalatedAt); err != nil {
		return it, err
	}
	it.Severity, it.State = inbox.Severity(severity), inbox.State(state)
	bad := func(err error) error {
		return bulwark.Wrap(err, bulwark.EINTEGRITY, fmt.Sprintf("inbox item %d is malformed in the store (edited outside bulwark?)", it.ID))
	}
	var err error
	if it.Time, err = parseTime(at); err != nil {
		return it, bad(err)
	}
	if escalatedAt.String == "" { // '': stored before the inbox, never escalated
		escalatedAt.Valid = false
	}
	for _, p := range []struct {
		dst **time.Time
		src sql.NullString
	}{{&it.AssignedAt, assignedAt}, {&it.AckedAt, ackedAt}, {&it.EscalatedAt, escalatedAt}} {
		if *p.dst, err = parseNullTime(p.src); err != nil {
			return it, bad(err)
		}
	}
	if it.Severity.Rank() < 0 {
		return it, bad(fmt.Errorf("severity %q", severity))
	}
	return it, nil
}

// InboxItems returns the items f selects, newest first (see inbox.Store).
func (db *DB) InboxItems(ctx context.Context, f inbox.Filter) ([]inbox.Item, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	q, args := inboxQuery(f)
	op := "list the alerts inbox"
	rows, err := db.reader(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	return collectRows(ctx, db, rows, op, scanInboxItem)
}

// inboxQuery is the query of a checked filter: conditions on indexed
// columns, newest first (ORDER BY id, which every index ends with).
func inboxQuery(f inbox.Filter) (string, []any) {
	var (
		where []string
		args  []any
	)
	// One value is an equality its index (col, id) answers in id order;
	// several would make SQLite sort the rows of all of them, so the
	// column is then filtered on (+col) while walking the ids down.
	in := func(col string, vals []any) {
		if len(vals) == 1 {
			where = append(where, col+" = ?")
		} else {
			where = append(where, "+"+col+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+")")
		}
		args = append(args, vals...)
	}
	if len(f.Kinds) > 0 {
		vals := make([]any, len(f.Kinds))
		for i, k := range f.Kinds {
			vals[i] = k
		}
		in("kind", vals)
	}
	if len(f.Severities) > 0 {
		vals := make([]any, len(f.Severities))
		for i, s := range f.Severities {
			vals[i] = s.Rank()
		}
		in("rank", vals)
	}
	if f.State != "" {
		where = append(where, "state = ?")
		args = append(args, string(f.State))
	}
	switch f.Assignee {
	case "":
	case inbox.Unassigned:
		where = append(where, "assignee = ''")
	default:
		where = append(where, "assignee = ?")
		args = append(args, f.Assignee)
	}
	if f.Before > 0 {
		where = append(where, "id < ?")
		args = append(args, f.Before)
	}
	q := `SELECT ` + inboxColumns + ` FROM inbox_items`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	return q + ` ORDER BY id DESC LIMIT ?`, append(args, f.Limit)
}

func noInboxItem(id int64) error {
	return bulwark.Errorf(bulwark.ENOTFOUND, "no alert %d in the inbox", id)
}

func inboxItem(ctx context.Context, q querier, id int64) (inbox.Item, error) {
	it, err := scanInboxItem(q.QueryRowContext(ctx, `SELECT `+inboxColumns+` FROM inbox_items WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return it, noInboxItem(id)
	}
	return it, err
}

// InboxItem returns item id (see inbox.Store).
func (db *DB) InboxItem(ctx context.Context, id int64) (inbox.Item, error) {
	it, err := inboxItem(ctx, db.reader(ctx), id)
	if bulwark.ErrorCode(err) != "" && bulwark.ErrorCode(err) != bulwark.EINTERNAL {
		return it, err
	}
	return it, db.fail(ctx, err, "read an inbox item")
}

// changeInboxItem runs set on open item id in a transaction and returns
// the item after it; ENOTFOUND, ECONFLICT (naming what) when the item is
// acknowledged.
func (db *DB) changeInboxItem(ctx context.Context, id int64, op, what string, set string, args ...any) (inbox.Item, error) {
	var it inbox.Item
	err := db.inTx(ctx, op, func(ctx context.Context, q querier) error {
		res, err := q.ExecContext(ctx, `UPDATE inbox_items SET `+set+` WHERE id = ? AND state = 'open'`, append(args, id)...)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		cur, err := inboxItem(ctx, q, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return bulwark.Errorf(bulwark.ECONFLICT, "alert %d is acknowledged (by %s): %s", id, cur.AckedBy, what)
		}
		it = cur
		return nil
	})
	return it, err
}

// AssignInboxItem sets the assignee of open item id (see inbox.Store).
func (db *DB) AssignInboxItem(ctx context.Context, id int64, assignee, by string, at time.Time) (inbox.Item, error) {
	return db.changeInboxItem(ctx, id, "assign an alert", "an acknowledged alert is not assigned",
		`assignee = ?, assigned_by = ?, assigned_at = ?`, assignee, by, formatTime(at))
}

// AckInboxItem acknowledges open item id (see inbox.Store).
func (db *DB) AckInboxItem(ctx context.Context, id int64, by, reason string, at time.Time) (inbox.Item, error) {
	if strings.TrimSpace(reason) == "" {
		return inbox.Item{}, bulwark.Invalid("reason", "required")
	}
	return db.changeInboxItem(ctx, id, "acknowledge an alert", "it is acknowledged once",
		`state = 'acknowledged', acked_by = ?, acked_at = ?, ack_reason = ?`, by, formatTime(at), reason)
}

// DueEscalations returns the open, never escalated items of rank min's or
// above stored by storedBy, oldest first (see inbox.Store).
func (db *DB) DueEscalations(ctx context.Context, min inbox.Severity, storedBy time.Time, limit int) ([]inbox.Item, error) {
	if min.Rank() < 0 {
		return nil, bulwark.Invalid("severity", "unknown severity %q", string(min))
	}
	if limit < 1 {
		return nil, bulwark.Invalid("limit", "must be at least 1, got %d", limit)
	}
	op := "read the alerts due for escalation"
	// Critical, what the escalator asks, reads the partial index of the
	// due items only.
	q := `SELECT ` + inboxColumns + ` FROM inbox_items INDEXED BY inbox_items_due
WHERE rank = 4 AND state = 'open' AND escalated_at IS NULL AND time <= ? ORDER BY time, id LIMIT ?`
	args := []any{formatTime(storedBy), limit}
	if min != inbox.Critical {
		q = `SELECT ` + inboxColumns + ` FROM inbox_items
WHERE rank >= ? AND state = 'open' AND escalated_at IS NULL AND time <= ? ORDER BY time, id LIMIT ?`
		args = append([]any{min.Rank()}, args...)
	}
	rows, err := db.reader(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	return collectRows(ctx, db, rows, op, scanInboxItem)
}

// EscalateInboxItem marks item id escalated and writes its outbox message
// in the same transaction (see inbox.Store).
func (db *DB) EscalateInboxItem(ctx context.Context, id int64, at time.Time) (bool, error) {
	fresh := false
	err := db.inTx(ctx, "escalate an alert", func(ctx context.Context, q querier) error {
		res, err := q.ExecContext(ctx, `UPDATE inbox_items SET escalated_at = ? WHERE id = ? AND state = 'open' AND escalated_at IS NULL`, formatTime(at), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := q.QueryRowContext(ctx, `SELECT 1 FROM inbox_items WHERE id = ?`, id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return noInboxItem(id)
			} else if err != nil {
				return err
			}
			return nil
		}
		fresh = true
		_, err = enqueue(ctx, q, inbox.EscalationKind, id, at)
		return err
	})
	return fresh, err
}

// deleteInboxItems deletes the rows of the alerts of kind whose ids the
// query ids (with args) selects: retention deleting the alerts.
//
// An escalation's outbox message goes with its item: an alert kept for
// less time than it takes to escalate has nothing left to escalate.
func deleteInboxItems(ctx context.Context, q querier, kind, ids string, args ...any) error {
	items := `SELECT i.id FROM inbox_items i WHERE i.kind = '` + kind + `' AND i.ref IN (SELECT CAST(x.id AS TEXT) FROM (` + ids + `) x)`
	if _, err := q.ExecContext(ctx, `DELETE FROM outbox WHERE kind = '`+inbox.EscalationKind+`' AND ref IN (`+items+`)`, args...); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `DELETE FROM inbox_items WHERE id IN (`+items+`)`, args...)
	return err
}

func refOf(id int64) string { return strconv.FormatInt(id, 10) }
