package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
)

var _ watch.AlertStore = (*DB)(nil)

const alertColumns = `a.id, a.time, a.block, a.block_hash, a.safe, a.code, a.severity, a.message, a.details, ` + deliveryColumns

// alertDetails is what of an alert has no column of its own.
type alertDetails struct {
	Kind   onchain.ChangeKind `json:"kind,omitempty"`
	Before string             `json:"before,omitempty"`
	After  string             `json:"after,omitempty"`
	// SafeTxHash and TxHash name an executed transaction.
	SafeTxHash string `json:"safeTxHash,omitempty"`
	TxHash     string `json:"txHash,omitempty"`
}

// SaveAlert stores a, with its outbox message (kind watch.AlertKind) in the
// same transaction, and returns its id. With a context from audit.Log.Do
// it joins the audit transaction.
func (db *DB) SaveAlert(ctx context.Context, a watch.Alert) (int64, error) {
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
	err := db.inTx(ctx, "store alert "+a.Code, func(ctx context.Context, q querier) error {
		now := time.Now()
		if err := q.QueryRowContext(ctx, `INSERT INTO safe_alerts (time, block, block_hash, safe, code, severity, message, details)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			formatTime(now), int64(a.Block), a.BlockHash, a.Safe, a.Code, string(a.Severity), a.Message, details).Scan(&id); err != nil {
			return err
		}
		if _, err := enqueue(ctx, q, watch.AlertKind, id, now); err != nil {
			return err
		}
		subject := a.Safe
		if subject == "" {
			subject = "node"
		}
		return addInboxItem(ctx, q, inboxEntry{kind: inbox.KindSafe, ref: refOf(id), at: now, severity: inbox.Normalize(string(a.Severity)),
			subject: subject, message: a.Message, evidence: inbox.SafeEvidence(id)})
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// Alerts returns the stored alerts f selects, in id order.
func (db *DB) Alerts(ctx context.Context, f watch.AlertFilter) ([]watch.StoredAlert, error) {
	if f.Limit < 1 {
		return nil, bulwark.Invalid("limit", "must be at least 1, got %d", f.Limit)
	}
	q := `SELECT ` + alertColumns + ` FROM safe_alerts a` + deliveryJoin(watch.AlertKind) + ` WHERE a.id > ?`
	args := []any{f.SinceID}
	if f.Safe != "" {
		q += ` AND lower(a.safe) = ?`
		args = append(args, strings.ToLower(f.Safe))
	}
	if len(f.Codes) > 0 {
		q += ` AND a.code IN (?` + strings.Repeat(`, ?`, len(f.Codes)-1) + `)`
		for _, c := range f.Codes {
			args = append(args, c)
		}
	}
	if f.Newest {
		q += ` ORDER BY a.id DESC LIMIT ?`
	} else {
		q += ` ORDER BY a.id LIMIT ?`
	}
	args = append(args, f.Limit)
	rows, err := db.reader(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, db.fail(ctx, err, "list alerts")
	}
	return collectRows(ctx, db, rows, "list alerts", scanAlert)
}

func scanAlert(s scanner) (watch.StoredAlert, error) {
	var (
		a                  watch.StoredAlert
		at, severity       string
		block              int64
		details, delivered sql.NullString
	)
	if err := s.Scan(&a.ID, &at, &block, &a.BlockHash, &a.Safe, &a.Code, &severity, &a.Message, &details,
		&delivered, &a.Delivery.Attempts, &a.Delivery.LastError); err != nil {
		return a, err
	}
	a.Block, a.Severity = uint64(block), policy.Severity(severity)
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

// PruneSafeAlerts deletes the Safe alerts stored before before, except
// those whose webhook delivery is pending, with their delivered outbox
// messages, and returns how many alerts it deleted.
func (db *DB) PruneSafeAlerts(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.inTx(ctx, "prune Safe alerts", func(ctx context.Context, q querier) error {
		prunable := `SELECT a.id FROM safe_alerts a WHERE a.time < ? AND NOT EXISTS
(SELECT 1 FROM outbox o WHERE o.kind = '` + watch.AlertKind + `' AND o.ref = a.id AND o.delivered_at IS NULL)`
		cutoff := formatTime(before.UTC())
		if _, err := q.ExecContext(ctx, `DELETE FROM outbox WHERE kind = ? AND delivered_at IS NOT NULL AND ref IN (`+prunable+`)`, watch.AlertKind, cutoff); err != nil {
			return err
		}
		if err := deleteInboxItems(ctx, q, inbox.KindSafe, prunable, cutoff); err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `DELETE FROM safe_alerts WHERE id IN (`+prunable+`)`, cutoff)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
