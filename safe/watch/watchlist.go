package watch

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// WatchedSafe is one Safe on the watch list of the serve monitor.
type WatchedSafe struct {
	Safe common.Address `json:"-"`
	// AddedAt is when it was added (UTC); AddedBy who added it (the audit
	// actor, "token:<id>").
	AddedAt time.Time `json:"addedAt"`
	AddedBy string    `json:"addedBy"`
}

// MarshalJSON writes {"safe" (EIP-55), "addedAt", "addedBy"}.
func (w WatchedSafe) MarshalJSON() ([]byte, error) {
	type plain WatchedSafe
	return json.Marshal(struct {
		Safe string `json:"safe"`
		plain
	}{w.Safe.Hex(), plain(w)})
}

// ListStore keeps the Safes the serve monitor watches
// (POST/GET/DELETE /api/v1/safe/watches).
//
// A store adapter that also holds the audit log joins the write
// transaction that audit.Log.Do hands its change, so a change of the list
// and its audit entry commit together or not at all.
type ListStore interface {
	// AddWatch adds addr (the store stamps the time); ECONFLICT when it is
	// already on the list.
	AddWatch(ctx context.Context, addr common.Address, by string) (WatchedSafe, error)
	// RemoveWatch removes addr; ENOTFOUND when it is not on the list.
	RemoveWatch(ctx context.Context, addr common.Address) (WatchedSafe, error)
	// Watches returns the list in the order the Safes were added.
	Watches(ctx context.Context) ([]WatchedSafe, error)
}

// MonitorCursor is where the serve monitor stands: the last block it
// processed completely (its alerts recorded), by number and hash.
type MonitorCursor struct {
	Block uint64
	Hash  common.Hash
	// UpdatedAt is when it was saved (UTC).
	UpdatedAt time.Time
}

// MonitorCursorStore keeps the serve monitor's cursor, one per store, so a
// restarted monitor resumes after the last block it processed instead of
// from the head.
type MonitorCursorStore interface {
	// SaveCursor replaces the cursor with block n of hash h (the store
	// stamps the time).
	SaveCursor(ctx context.Context, n uint64, h common.Hash) error
	// LoadCursor returns the cursor; false when none was saved (or it was
	// cleared).
	LoadCursor(ctx context.Context) (MonitorCursor, bool, error)
	// ClearCursor removes the cursor (nothing watched: there is no gap to
	// catch up on); no error when there is none.
	ClearCursor(ctx context.Context) error
}
