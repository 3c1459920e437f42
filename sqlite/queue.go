package sqlite

import (
	"context"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/queue"
)

var (
	_ queue.Store     = (*DB)(nil)
	_ queue.HeldStore = (*DB)(nil)
)

// QueueDecided returns which of keys have a decision stored for safe.
func (db *DB) QueueDecided(ctx context.Context, safe common.Address, keys []common.Hash) (map[common.Hash]bool, error) {
	return db.queueKeys(ctx, safe, keys, "")
}

// QueueHeld returns which of keys have a decision held stored for safe.
func (db *DB) QueueHeld(ctx context.Context, safe common.Address, keys []common.Hash) (map[common.Hash]bool, error) {
	return db.queueKeys(ctx, safe, keys, string(cosign.DecisionHeld))
}

// queueKeys returns which of keys have a decision stored for safe; only
// decision when it is not "".
func (db *DB) queueKeys(ctx context.Context, safe common.Address, keys []common.Hash, decision string) (map[common.Hash]bool, error) {
	out := make(map[common.Hash]bool, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	op := "read the queue decisions of " + safe.Hex()
	// One query per chunk of keys, within SQLite's parameter limit.
	const chunk = 500
	for len(keys) > 0 {
		n := min(len(keys), chunk)
		args := make([]any, 0, n+1)
		args = append(args, safe.Hex())
		for _, k := range keys[:n] {
			args = append(args, strings.ToLower(k.Hex()))
		}
		q := `SELECT entry_key FROM safe_queue_decisions WHERE safe = ? AND entry_key IN (?` + strings.Repeat(",?", n-1) + `)`
		if decision != "" {
			q += ` AND decision = ?`
			args = append(args, decision)
		}
		rows, err := db.reader(ctx).QueryContext(ctx, q, args...)
		if err != nil {
			return nil, db.fail(ctx, err, op)
		}
		found, err := collectRows(ctx, db, rows, op, func(s scanner) (string, error) {
			var k string
			err := s.Scan(&k)
			return k, err
		})
		if err != nil {
			return nil, err
		}
		for _, k := range found {
			out[common.HexToHash(k)] = true
		}
		keys = keys[n:]
	}
	return out, nil
}

// SaveQueueRecord stores r, stamped with the current time. With a context
// from audit.Log.Do it joins the audit transaction.
func (db *DB) SaveQueueRecord(ctx context.Context, r queue.Record) error {
	switch {
	case r.Safe == (common.Address{}):
		return bulwark.Invalid("safe", "a queue decision needs the Safe's address")
	case r.Key == (common.Hash{}):
		return bulwark.Invalid("key", "a queue decision needs the entry's key")
	case r.Decision == "":
		return bulwark.Invalid("decision", "a queue decision needs the decision")
	case r.AuditSeq < 1:
		return bulwark.Invalid("auditSeq", "a queue decision needs its audit entry's sequence number, got %d", r.AuditSeq)
	}
	listed := ""
	if r.SafeTxHash != (common.Hash{}) {
		listed = strings.ToLower(r.SafeTxHash.Hex())
	}
	pushed := 0
	if r.Pushed {
		pushed = 1
	}
	_, err := db.writer(ctx).ExecContext(ctx, `INSERT INTO safe_queue_decisions (safe, entry_key, safe_tx_hash, nonce, decision, verdict, pushed, audit_seq, time)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.Safe.Hex(), strings.ToLower(r.Key.Hex()), listed, r.Nonce, string(r.Decision), string(r.Verdict), pushed, r.AuditSeq, formatTime(time.Now()))
	if constraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
		return bulwark.Errorf(bulwark.ECONFLICT, "the queue entry %s of Safe %s is decided already", r.Key.Hex(), r.Safe.Hex())
	}
	if err != nil {
		return db.fail(ctx, err, "record the queue decision of "+r.Safe.Hex()+" nonce "+r.Nonce)
	}
	return nil
}
