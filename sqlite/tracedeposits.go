package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/tracing"
	sqlite3 "modernc.org/sqlite/lib"
)

var (
	_ tracing.DepositStore = (*DB)(nil)
	_ tracing.AlertStore   = (*DB)(nil)
)

const depositColumns = `address, label, thresholds, added_at, added_by`

// AddDeposit registers d. With a context from audit.Log.Do it joins the
// audit transaction.
func (db *DB) AddDeposit(ctx context.Context, d tracing.Deposit, by string) (tracing.RegisteredDeposit, error) {
	if err := d.Validate(); err != nil {
		return tracing.RegisteredDeposit{}, err
	}
	var thresholds any
	if len(d.Thresholds) > 0 {
		m := map[string]string{}
		for k, v := range d.Thresholds {
			m[k] = v.Dec()
		}
		b, err := json.Marshal(m)
		if err != nil {
			return tracing.RegisteredDeposit{}, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode the thresholds")
		}
		thresholds = string(b)
	}
	addr := strings.ToLower(d.Address.Hex())
	op := "register deposit address " + d.Address.Hex()
	rows, err := db.writer(ctx).QueryContext(ctx, `INSERT INTO trace_deposits (address, label, thresholds, added_at, added_by)
VALUES (?, ?, ?, ?, ?) RETURNING `+depositColumns, addr, d.Label, thresholds, formatTime(time.Now()), by)
	if err != nil {
		return tracing.RegisteredDeposit{}, db.depositConflict(ctx, err, d.Address, op)
	}
	got, err := collectRows(ctx, db, rows, op, scanDeposit)
	if err != nil {
		return tracing.RegisteredDeposit{}, db.depositConflict(ctx, err, d.Address, op)
	}
	return got[0], nil
}

func (db *DB) depositConflict(ctx context.Context, err error, addr common.Address, op string) error {
	if constraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
		return bulwark.Errorf(bulwark.ECONFLICT, "deposit address %s is registered already (remove it first to change its label or thresholds)", addr.Hex())
	}
	return db.fail(ctx, err, op)
}

// RemoveDeposit unregisters addr and returns what it was.
func (db *DB) RemoveDeposit(ctx context.Context, addr common.Address) (tracing.RegisteredDeposit, error) {
	op := "remove deposit address " + addr.Hex()
	rows, err := db.writer(ctx).QueryContext(ctx, `DELETE FROM trace_deposits WHERE address = ? RETURNING `+depositColumns, strings.ToLower(addr.Hex()))
	if err != nil {
		return tracing.RegisteredDeposit{}, db.fail(ctx, err, op)
	}
	got, err := collectRows(ctx, db, rows, op, scanDeposit)
	if err != nil {
		return tracing.RegisteredDeposit{}, err
	}
	if len(got) == 0 {
		return tracing.RegisteredDeposit{}, bulwark.Errorf(bulwark.ENOTFOUND, "%s is not a registered deposit address", addr.Hex())
	}
	return got[0], nil
}

// Deposits returns the registered deposit addresses in the order added.
func (db *DB) Deposits(ctx context.Context) ([]tracing.RegisteredDeposit, error) {
	op := "read the deposit addresses"
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT `+depositColumns+` FROM trace_deposits ORDER BY id`)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	return collectRows(ctx, db, rows, op, scanDeposit)
}

func scanDeposit(s scanner) (tracing.RegisteredDeposit, error) {
	var (
		d          tracing.RegisteredDeposit
		addr, at   string
		thresholds sql.NullString
	)
	if err := s.Scan(&addr, &d.Label, &thresholds, &at, &d.AddedBy); err != nil {
		return d, err
	}
	bad := func(why string) error {
		return bulwark.Errorf(bulwark.EINTEGRITY, "deposit address %q is malformed in the store (%s; edited outside bulwark?)", addr, why)
	}
	if !common.IsHexAddress(addr) {
		return d, bad("not an address")
	}
	d.Address = common.HexToAddress(addr)
	var err error
	if d.AddedAt, err = parseTime(at); err != nil {
		return d, bad("bad time")
	}
	if thresholds.Valid {
		var m map[string]string
		if err := json.Unmarshal([]byte(thresholds.String), &m); err != nil {
			return d, bad("bad thresholds")
		}
		d.Thresholds = make(map[string]*uint256.Int, len(m))
		for k, v := range m {
			x, err := uint256.FromDecimal(v)
			if err != nil {
				return d, bad("bad threshold of " + k)
			}
			d.Thresholds[k] = x
		}
	}
	return d, nil
}

const traceAlertColumns = `a.id, a.time, a.code, a.severity, a.follow, a.message, a.alert, coalesce(a.retracts, 0), coalesce(a.retracted_by, 0), ` + deliveryColumns

// SaveTraceAlert stores a with its outbox message (kind tracing.AlertKind)
// in one transaction, unless an alert with its identity is stored. With a
// context from audit.Log.Do it joins the audit transaction. A retracted
// alert does not count: a chain that reorganises back to the block it
// named has the deposit alerted again; a retraction's identity includes
// the alert it retracts.
func (db *DB) SaveTraceAlert(ctx context.Context, a tracing.StoredAlert) (int64, bool, error) {
	if a.Code == "" || a.Follow == "" {
		return 0, false, bulwark.Invalid("code", "a trace alert needs a code and the follow that raised it")
	}
	body, err := json.Marshal(a.Alert)
	if err != nil {
		return 0, false, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode the alert")
	}
	var (
		id    int64
		fresh bool
	)
	deposit := strings.ToLower(a.Deposit.Hex())
	err = db.inTx(ctx, "store trace alert "+a.Code, func(ctx context.Context, q querier) error {
		err := q.QueryRowContext(ctx, `SELECT id FROM trace_alerts WHERE follow = ? AND code = ? AND chain = ? AND block_hash = ? AND tx_hash = ? AND position = ? AND deposit = ?
AND coalesce(retracts, 0) = ? AND retracted_by IS NULL`,
			a.Follow, a.Code, int64(a.Chain), a.BlockHash.Hex(), a.TxHash.Hex(), a.Position(), deposit, a.Retracts).Scan(&id)
		if err == nil {
			return nil
		}
		if err != sql.ErrNoRows {
			return err
		}
		var retracts any
		if a.Retracts != 0 {
			retracts = a.Retracts
			var open int
			if err := q.QueryRowContext(ctx, `SELECT count(*) FROM trace_alerts WHERE id = ? AND retracted_by IS NULL`, a.Retracts).Scan(&open); err != nil {
				return err
			}
			if open != 1 {
				return bulwark.Errorf(bulwark.ENOTFOUND, "no trace alert %d to retract (or it is retracted already)", a.Retracts)
			}
		}
		now := time.Now()
		if err := q.QueryRowContext(ctx, `INSERT INTO trace_alerts (time, code, severity, follow, chain, block, block_hash, tx_hash, position, deposit, message, alert, retracts)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			formatTime(now), a.Code, a.Severity, a.Follow, int64(a.Chain), int64(a.Block), a.BlockHash.Hex(), a.TxHash.Hex(), a.Position(), deposit,
			a.Message, string(body), retracts).Scan(&id); err != nil {
			return err
		}
		if a.Retracts != 0 {
			if _, err := q.ExecContext(ctx, `UPDATE trace_alerts SET retracted_by = ? WHERE id = ?`, id, a.Retracts); err != nil {
				return err
			}
		}
		fresh = true
		if _, err = enqueue(ctx, q, tracing.AlertKind, id, now); err != nil {
			return err
		}
		return addInboxItem(ctx, q, inboxEntry{kind: inbox.KindTrace, ref: refOf(id), at: now, severity: inbox.Normalize(a.Severity),
			subject: a.Deposit.Hex(), message: a.Message, evidence: inbox.TraceEvidence(id, a.Follow)})
	})
	if err != nil {
		return 0, false, err
	}
	return id, fresh, nil
}

// PruneTraceAlerts deletes the trace alerts stored before before, except
// those whose webhook delivery is pending, with their delivered outbox
// messages, and returns how many it deleted. An alert and its retraction
// are deleted together or not at all (a retraction is stored after the
// alert it retracts, so it is the later of the two).
func (db *DB) PruneTraceAlerts(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.inTx(ctx, "prune trace alerts", func(ctx context.Context, q querier) error {
		old := `SELECT a.id FROM trace_alerts a WHERE a.time < ?1 AND NOT EXISTS
(SELECT 1 FROM outbox o WHERE o.kind = '` + tracing.AlertKind + `' AND o.ref = a.id AND o.delivered_at IS NULL)`
		prunable := `SELECT p.id FROM trace_alerts p WHERE p.id IN (` + old + `)
AND (p.retracted_by IS NULL OR p.retracted_by IN (` + old + `)) AND (p.retracts IS NULL OR p.retracts IN (` + old + `))`
		cutoff := formatTime(before.UTC())
		if _, err := q.ExecContext(ctx, `DELETE FROM outbox WHERE kind = ?2 AND delivered_at IS NOT NULL AND ref IN (`+prunable+`)`, cutoff, tracing.AlertKind); err != nil {
			return err
		}
		if err := deleteInboxItems(ctx, q, inbox.KindTrace, prunable, cutoff); err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `DELETE FROM trace_alerts WHERE id IN (`+prunable+`)`, cutoff)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// TraceAlerts returns the stored trace alerts f selects, in id order.
func (db *DB) TraceAlerts(ctx context.Context, f tracing.AlertFilter) ([]tracing.StoredAlert, error) {
	if f.Limit < 1 {
		return nil, bulwark.Invalid("limit", "must be at least 1, got %d", f.Limit)
	}
	q := `SELECT ` + traceAlertColumns + ` FROM trace_alerts a` + deliveryJoin(tracing.AlertKind) + ` WHERE a.id > ?`
	args := []any{f.SinceID}
	if f.Follow != "" {
		q += ` AND a.follow = ?`
		args = append(args, f.Follow)
	}
	if f.Deposit != nil {
		q += ` AND a.deposit = ?`
		args = append(args, strings.ToLower(f.Deposit.Hex()))
	}
	q += ` ORDER BY a.id LIMIT ?`
	args = append(args, f.Limit)
	rows, err := db.reader(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, db.fail(ctx, err, "list trace alerts")
	}
	return collectRows(ctx, db, rows, "list trace alerts", scanTraceAlert)
}

func scanTraceAlert(s scanner) (tracing.StoredAlert, error) {
	var (
		a               tracing.StoredAlert
		at, body        string
		delivered       sql.NullString
		retracts, retBy int64
	)
	if err := s.Scan(&a.ID, &at, &a.Code, &a.Severity, &a.Follow, &a.Message, &body, &retracts, &retBy,
		&delivered, &a.Delivery.Attempts, &a.Delivery.LastError); err != nil {
		return a, err
	}
	a.Retracts, a.RetractedBy = retracts, retBy
	bad := func(err error) error {
		return bulwark.Wrap(err, bulwark.EINTEGRITY, fmt.Sprintf("trace alert %d is malformed in the store (edited outside bulwark?)", a.ID))
	}
	var err error
	if a.Time, err = parseTime(at); err != nil {
		return a, bad(err)
	}
	if a.Delivery.DeliveredAt, err = parseNullTime(delivered); err != nil {
		return a, bad(err)
	}
	if err := json.Unmarshal([]byte(body), &a.Alert); err != nil {
		return a, bad(err)
	}
	return a, nil
}

// FollowCursor returns where followed trace follow stands.
func (db *DB) FollowCursor(ctx context.Context, follow string) (tracing.FollowCursor, bool, error) {
	c := tracing.FollowCursor{Follow: follow}
	var (
		chain, block, from int64
		hash, at           string
	)
	err := db.reader(ctx).QueryRowContext(ctx, `SELECT chain, block, hash, from_block, updated_at FROM trace_follow_cursors WHERE follow = ?`, follow).
		Scan(&chain, &block, &hash, &from, &at)
	if err == sql.ErrNoRows {
		return c, false, nil
	}
	if err != nil {
		return c, false, db.fail(ctx, err, "read the cursor of "+follow)
	}
	c.Chain, c.Block, c.FromBlock, c.Hash = uint64(chain), uint64(block), uint64(from), common.HexToHash(hash)
	if c.UpdatedAt, err = parseTime(at); err != nil {
		return c, false, bulwark.Errorf(bulwark.EINTEGRITY, "the cursor of %s is malformed in the store (edited outside bulwark?)", follow)
	}
	return c, true, nil
}

// SaveFollowCursor stores c as its follow's cursor.
func (db *DB) SaveFollowCursor(ctx context.Context, c tracing.FollowCursor) error {
	if c.Follow == "" {
		return bulwark.Invalid("follow", "a follow cursor needs the follow's name")
	}
	_, err := db.writer(ctx).ExecContext(ctx, `INSERT INTO trace_follow_cursors (follow, chain, block, hash, from_block, updated_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (follow) DO UPDATE SET chain = excluded.chain, block = excluded.block, hash = excluded.hash, from_block = excluded.from_block, updated_at = excluded.updated_at`,
		c.Follow, int64(c.Chain), int64(c.Block), c.Hash.Hex(), int64(c.FromBlock), formatTime(time.Now()))
	return db.fail(ctx, err, "save the cursor of "+c.Follow)
}
