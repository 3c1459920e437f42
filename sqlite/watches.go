package sqlite

import (
	"context"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/watch"
	sqlite3 "modernc.org/sqlite/lib"
)

var _ watch.ListStore = (*DB)(nil)

// AddWatch puts addr on the serve monitor's watch list. With a context
// from audit.Log.Do it joins the audit transaction.
func (db *DB) AddWatch(ctx context.Context, addr common.Address, by string) (watch.WatchedSafe, error) {
	if addr == (common.Address{}) {
		return watch.WatchedSafe{}, bulwark.Invalid("safe", "required: the Safe's address")
	}
	w := watch.WatchedSafe{Safe: addr, AddedAt: time.Now().UTC(), AddedBy: by}
	_, err := db.writer(ctx).ExecContext(ctx, `INSERT INTO safe_watches (safe, added_at, added_by) VALUES (?, ?, ?)`,
		addr.Hex(), formatTime(w.AddedAt), by)
	if constraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
		return watch.WatchedSafe{}, bulwark.Errorf(bulwark.ECONFLICT, "Safe %s is already watched", addr.Hex())
	}
	if err != nil {
		return watch.WatchedSafe{}, db.fail(ctx, err, "add "+addr.Hex()+" to the watch list")
	}
	w.AddedAt, _ = parseTime(formatTime(w.AddedAt))
	return w, nil
}

// RemoveWatch takes addr off the watch list and returns what it was.
func (db *DB) RemoveWatch(ctx context.Context, addr common.Address) (watch.WatchedSafe, error) {
	op := "remove " + addr.Hex() + " from the watch list"
	rows, err := db.writer(ctx).QueryContext(ctx, `DELETE FROM safe_watches WHERE safe = ? RETURNING safe, added_at, added_by`, addr.Hex())
	if err != nil {
		return watch.WatchedSafe{}, db.fail(ctx, err, op)
	}
	ws, err := collectRows(ctx, db, rows, op, scanWatch)
	if err != nil {
		return watch.WatchedSafe{}, err
	}
	if len(ws) == 0 {
		return watch.WatchedSafe{}, bulwark.Errorf(bulwark.ENOTFOUND, "Safe %s is not watched", addr.Hex())
	}
	return ws[0], nil
}

// Watches returns the watch list in the order the Safes were added.
func (db *DB) Watches(ctx context.Context) ([]watch.WatchedSafe, error) {
	op := "read the watch list"
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT safe, added_at, added_by FROM safe_watches ORDER BY id`)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	return collectRows(ctx, db, rows, op, scanWatch)
}

// scanWatch reads one safe_watches row.
func scanWatch(s scanner) (watch.WatchedSafe, error) {
	var addr, at string
	var w watch.WatchedSafe
	if err := s.Scan(&addr, &at, &w.AddedBy); err != nil {
		return w, err
	}
	var err error
	if w.AddedAt, err = parseTime(at); err != nil || !common.IsHexAddress(addr) {
		return w, bulwark.Errorf(bulwark.EINTEGRITY, "watch list entry %q is malformed in the store (edited outside bulwark?)", addr)
	}
	w.Safe = common.HexToAddress(addr)
	return w, nil
}
