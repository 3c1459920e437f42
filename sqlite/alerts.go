package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
)

var _ safe.AlertStore = (*DB)(nil)

const alertColumns = `id, time, block, block_hash, safe, code, severity, message, details, delivered_at, delivery_attempts, last_error`

// alertDetails is what of an alert has no column of its own.
type alertDetails struct {
	Kind   safe.ChangeKind `json:"kind,omitempty"`
	Before string          `json:"before,omitempty"`
	After  string          `json:"after,omitempty"`
	// SafeTxHash and TxHash name an executed transaction.
	SafeTxHash string `json:"safeTxHash,omitempty"`
	TxHash     string `json:"txHash,omitempty"`
}

// SaveAlert stores a and returns its id. With a context from audit.Log.Do
// it joins the audit transaction.
func (db *DB) SaveAlert(ctx context.Context, a safe.Alert) (int64, error) {
	if a.Code == "" {
		return 0, bulwark.Invalid("code", "an alert needs a code")
	}
	var details any
	if d := (alertDetails{Kind: a.Kind, Before: a.Before, After: a.After, SafeTxHash: a.SafeTxHash, TxHash: a.TxHash}); d != (alertDetails{}) {
		b, err := json.Marshal(d)
		if err != nil {
			return 0, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode alert details")
		}
		details = string(b)
	}
	var id int64
	err := db.writer(ctx).QueryRowContext(ctx, `INSERT INTO safe_alerts (time, block, block_hash, safe, code, severity, message, details)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		formatTime(time.Now()), int64(a.Block), a.BlockHash, a.Safe, a.Code, string(a.Severity), a.Message, details).Scan(&id)
	if err != nil {
		return 0, db.fail(ctx, err, "store alert "+a.Code)
	}
	return id, nil
}

// Alerts returns the stored alerts f selects, in id order.
func (db *DB) Alerts(ctx context.Context, f safe.AlertFilter) ([]safe.StoredAlert, error) {
	if f.Limit < 1 {
		return nil, bulwark.Invalid("limit", "must be at least 1, got %d", f.Limit)
	}
	q := `SELECT ` + alertColumns + ` FROM safe_alerts WHERE id > ?`
	args := []any{f.SinceID}
	if f.Safe != "" {
		q += ` AND lower(safe) = ?`
		args = append(args, strings.ToLower(f.Safe))
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, f.Limit)
	rows, err := db.reader(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, db.fail(ctx, err, "list alerts")
	}
	return collectRows(ctx, db, rows, "list alerts", scanAlert)
}

// RecordAlertDelivery sets the delivery state of alert id.
func (db *DB) RecordAlertDelivery(ctx context.Context, id int64, d safe.AlertDelivery) error {
	op := fmt.Sprintf("record delivery of alert %d", id)
	res, err := db.writer(ctx).ExecContext(ctx, `UPDATE safe_alerts SET delivered_at = ?, delivery_attempts = ?, last_error = ? WHERE id = ?`,
		nullTime(d.DeliveredAt), d.Attempts, d.LastError, id)
	return db.updated(ctx, res, err, op, bulwark.Errorf(bulwark.ENOTFOUND, "no alert with id %d", id))
}

func scanAlert(s scanner) (safe.StoredAlert, error) {
	var (
		a                  safe.StoredAlert
		at, severity       string
		block              int64
		details, delivered sql.NullString
	)
	if err := s.Scan(&a.ID, &at, &block, &a.BlockHash, &a.Safe, &a.Code, &severity, &a.Message, &details,
		&delivered, &a.Delivery.Attempts, &a.Delivery.LastError); err != nil {
		return a, err
	}
	a.Block, a.Severity = uint64(block), safe.Severity(severity)
	bad := func(err error) error {
		return bulwark.Wrap(err, bulwark.EINTEGRITY, fmt.Sprintf("alert %d is malformed in the store (edited outside bulwark?)", a.ID))
	}
	var err error
	if a.Time, err = parseTime(at); err != nil {
		return a, bad(err)
	}
	if a.Delivery.DeliveredAt, err = parseNullTime(delivered); err != nil {
		return a, bad(err)
	}
	if details.Valid {
		var d alertDetails
		if err := json.Unmarshal([]byte(details.String), &d); err != nil {
			return a, bad(err)
		}
		a.Kind, a.Before, a.After, a.SafeTxHash, a.TxHash = d.Kind, d.Before, d.After, d.SafeTxHash, d.TxHash
	}
	return a, nil
}
