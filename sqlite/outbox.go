package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/outbox"

	sqlite3 "modernc.org/sqlite/lib"
)

var _ outbox.Store = (*DB)(nil)

const outboxColumns = `id, kind, ref, created_at, attempts, next_attempt_at, last_error, delivered_at`

// enqueue writes the outbox message of alert ref of kind with q, in the
// transaction that stores the alert.
func enqueue(ctx context.Context, q querier, kind string, ref int64, at time.Time) (outbox.Message, error) {
	m := outbox.Message{Kind: kind, Ref: ref, CreatedAt: at.UTC(), NextAttemptAt: at.UTC()}
	t := formatTime(at)
	err := q.QueryRowContext(ctx, `INSERT INTO outbox (kind, ref, created_at, next_attempt_at) VALUES (?, ?, ?, ?) RETURNING id`,
		kind, ref, t, t).Scan(&m.ID)
	if constraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
		return m, bulwark.Errorf(bulwark.ECONFLICT, "%s %d is in the outbox already", kind, ref)
	}
	m.CreatedAt, _ = parseTime(t)
	m.NextAttemptAt = m.CreatedAt
	return m, err
}

// Enqueue adds a message for alert ref of kind. With a context from
// audit.Log.Do it joins the audit transaction.
func (db *DB) Enqueue(ctx context.Context, kind string, ref int64) (outbox.Message, error) {
	if kind == "" || ref < 1 {
		return outbox.Message{}, bulwark.Invalid("kind", "an outbox message needs a kind and an alert id")
	}
	m, err := enqueue(ctx, db.writer(ctx), kind, ref, time.Now())
	if err != nil && bulwark.ErrorCode(err) != bulwark.ECONFLICT {
		err = db.fail(ctx, err, "queue "+kind+" for delivery")
	}
	return m, err
}

// kindsClause returns " AND kind IN (?, …)" and its arguments (nothing for
// every kind).
func kindsClause(kinds []string) (string, []any) {
	if len(kinds) == 0 {
		return "", nil
	}
	args := make([]any, len(kinds))
	for i, k := range kinds {
		args[i] = k
	}
	return ` AND kind IN (?` + strings.Repeat(`, ?`, len(kinds)-1) + `)`, args
}

// Undelivered returns the undelivered messages f selects, in id order.
func (db *DB) Undelivered(ctx context.Context, f outbox.Filter) ([]outbox.Message, error) {
	if f.Limit < 1 {
		return nil, bulwark.Invalid("limit", "must be at least 1, got %d", f.Limit)
	}
	q := `SELECT ` + outboxColumns + ` FROM outbox WHERE delivered_at IS NULL AND id > ?`
	args := []any{f.AfterID}
	kq, kargs := kindsClause(f.Kinds)
	q += kq
	args = append(args, kargs...)
	if !f.DueBy.IsZero() {
		q += ` AND next_attempt_at <= ?`
		args = append(args, formatTime(f.DueBy))
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, f.Limit)
	op := "read the outbox"
	rows, err := db.reader(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	return collectRows(ctx, db, rows, op, scanMessage)
}

// OutboxStats sums up the undelivered messages of kinds.
func (db *DB) OutboxStats(ctx context.Context, kinds []string) (outbox.Stats, error) {
	kq, args := kindsClause(kinds)
	var (
		st           outbox.Stats
		next, oldest sql.NullString
	)
	err := db.reader(ctx).QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE attempts > 0), min(next_attempt_at), min(created_at)
FROM outbox WHERE delivered_at IS NULL`+kq, args...).Scan(&st.Pending, &st.Retrying, &next, &oldest)
	if err != nil {
		return st, db.fail(ctx, err, "count the outbox")
	}
	for _, p := range []struct {
		s  sql.NullString
		to *time.Time
	}{{next, &st.NextAttemptAt}, {oldest, &st.OldestAt}} {
		if p.s.Valid {
			if *p.to, err = parseTime(p.s.String); err != nil {
				return st, bulwark.Errorf(bulwark.EINTEGRITY, "the outbox is malformed in the store: time %q (edited outside bulwark?)", p.s.String)
			}
		}
	}
	return st, nil
}

// RecordFailure records a failed attempt of undelivered message id.
func (db *DB) RecordFailure(ctx context.Context, id int64, attempts int, next time.Time, lastError string) error {
	op := fmt.Sprintf("record a failed delivery of outbox message %d", id)
	res, err := db.writer(ctx).ExecContext(ctx, `UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ? AND delivered_at IS NULL`,
		attempts, formatTime(next), lastError, id)
	if err != nil {
		return db.fail(ctx, err, op)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return db.fail(ctx, err, op)
	}
	return db.outboxMissing(ctx, id)
}

// MarkDelivered records the delivery of message id, once.
func (db *DB) MarkDelivered(ctx context.Context, id int64, attempts int, at time.Time) (bool, error) {
	op := fmt.Sprintf("record the delivery of outbox message %d", id)
	res, err := db.writer(ctx).ExecContext(ctx, `UPDATE outbox SET attempts = ?, last_error = '', delivered_at = ? WHERE id = ? AND delivered_at IS NULL`,
		attempts, formatTime(at), id)
	if err != nil {
		return false, db.fail(ctx, err, op)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err == nil, db.fail(ctx, err, op)
	}
	if err := db.outboxMissing(ctx, id); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
		return false, err
	}
	return false, nil
}

// outboxMissing says why an update of message id changed nothing:
// ENOTFOUND, or ECONFLICT when it was delivered.
func (db *DB) outboxMissing(ctx context.Context, id int64) error {
	var n int
	if err := db.writer(ctx).QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE id = ?`, id).Scan(&n); err != nil {
		return db.fail(ctx, err, "read the outbox")
	}
	if n == 0 {
		return bulwark.Errorf(bulwark.ENOTFOUND, "no outbox message with id %d", id)
	}
	return bulwark.Errorf(bulwark.ECONFLICT, "outbox message %d was delivered already", id)
}

func scanMessage(s scanner) (outbox.Message, error) {
	var (
		m             outbox.Message
		created, next string
		delivered     sql.NullString
		err           error
	)
	if err := s.Scan(&m.ID, &m.Kind, &m.Ref, &created, &m.Attempts, &next, &m.LastError, &delivered); err != nil {
		return m, err
	}
	bad := func() error {
		return bulwark.Errorf(bulwark.EINTEGRITY, "outbox message %d is malformed in the store (edited outside bulwark?)", m.ID)
	}
	if m.CreatedAt, err = parseTime(created); err != nil {
		return m, bad()
	}
	if m.NextAttemptAt, err = parseTime(next); err != nil {
		return m, bad()
	}
	if m.DeliveredAt, err = parseNullTime(delivered); err != nil {
		return m, bad()
	}
	return m, nil
}

// deliveryJoin joins to alerts a of kind their outbox message o, whose
// deliveryColumns are the alert's delivery state.
func deliveryJoin(kind string) string {
	return ` LEFT JOIN outbox o ON o.kind = '` + kind + `' AND o.ref = a.id`
}

const deliveryColumns = `o.delivered_at, coalesce(o.attempts, 0), coalesce(o.last_error, '')`
