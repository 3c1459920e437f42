package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/watch"
)

var _ watch.MonitorCursorStore = (*DB)(nil)

// SaveCursor upserts the serve monitor's single cursor row. With a context
// from audit.Log.Do it joins that transaction.
func (db *DB) SaveCursor(ctx context.Context, n uint64, h common.Hash) error {
	if n > math.MaxInt64 {
		return bulwark.Invalid("block", "%d is out of range", n)
	}
	_, err := db.writer(ctx).ExecContext(ctx, `INSERT INTO safe_monitor_cursor (id, block, hash, updated_at) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET block = excluded.block, hash = excluded.hash, updated_at = excluded.updated_at`,
		int64(n), h.Hex(), formatTime(time.Now().UTC()))
	if err != nil {
		return db.fail(ctx, err, "save the monitor cursor")
	}
	return nil
}

// LoadCursor reads the serve monitor's cursor.
func (db *DB) LoadCursor(ctx context.Context) (watch.MonitorCursor, bool, error) {
	var (
		block    int64
		hash, at string
		c        watch.MonitorCursor
	)
	err := db.reader(ctx).QueryRowContext(ctx, `SELECT block, hash, updated_at FROM safe_monitor_cursor WHERE id = 1`).Scan(&block, &hash, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return watch.MonitorCursor{}, false, nil
	}
	if err != nil {
		return watch.MonitorCursor{}, false, db.fail(ctx, err, "read the monitor cursor")
	}
	t, terr := parseTime(at)
	b, herr := hexHash(hash)
	if terr != nil || herr != nil || block < 0 {
		return watch.MonitorCursor{}, false, bulwark.Errorf(bulwark.EINTEGRITY, "the monitor cursor (block %d, hash %q) is malformed in the store (edited outside bulwark?)", block, hash)
	}
	c.Block, c.Hash, c.UpdatedAt = uint64(block), b, t
	return c, true, nil
}

// ClearCursor deletes the serve monitor's cursor.
func (db *DB) ClearCursor(ctx context.Context) error {
	if _, err := db.writer(ctx).ExecContext(ctx, `DELETE FROM safe_monitor_cursor`); err != nil {
		return db.fail(ctx, err, "clear the monitor cursor")
	}
	return nil
}

func hexHash(s string) (common.Hash, error) {
	if len(s) != 66 || s[:2] != "0x" {
		return common.Hash{}, errors.New("not a 32-byte hex hash")
	}
	for _, r := range s[2:] {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F') {
			return common.Hash{}, errors.New("not a 32-byte hex hash")
		}
	}
	return common.HexToHash(s), nil
}
