package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
)

// appendSeen appends one entry with ctx and returns the synchronous
// setting its transaction ran with (1: NORMAL, 2: FULL).
func appendSeen(t *testing.T, db *DB, ctx context.Context) int {
	t.Helper()
	var level int
	_, err := db.AppendAudit(ctx, func(ctx context.Context, h audit.Head) (*audit.Entry, error) {
		if err := db.txFrom(ctx).QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&level); err != nil {
			return nil, err
		}
		e := &audit.Entry{Seq: h.Seq + 1, Time: time.Now(), Action: "x", PrevHash: h.Hash}
		e.Hash = e.ComputeHash()
		return e, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return level
}

func writerSynchronous(t *testing.T, db *DB) int {
	t.Helper()
	var level int
	if err := db.w.QueryRow(`PRAGMA synchronous`).Scan(&level); err != nil {
		t.Fatal(err)
	}
	return level
}

// TestDeferredSync: an append marked audit.WithDeferredSync commits with
// synchronous=NORMAL, the writer connection is back to FULL afterwards,
// an unmarked append commits with FULL, and Close syncs the write-ahead log
// the syncer has not synced yet.
func TestDeferredSync(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{WALSyncInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if got := appendSeen(t, db, ctx); got != 2 {
		t.Errorf("unmarked append ran with synchronous=%d, want 2 (FULL)", got)
	}
	if got := appendSeen(t, db, audit.WithDeferredSync(ctx)); got != 1 {
		t.Errorf("deferred append ran with synchronous=%d, want 1 (NORMAL)", got)
	}
	if got := writerSynchronous(t, db); got != 2 {
		t.Errorf("after a deferred append the writer runs with synchronous=%d, want 2 (FULL)", got)
	}
	st := db.Stats()
	if st.Commits != 2 || st.DeferredCommits != 1 || st.Unsynced != 1 || st.WALSyncs != 0 {
		t.Errorf("stats before Close = %+v, want 2 commits, 1 deferred and unsynced, no WAL sync", st)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if st := db.Stats(); st.WALSyncs != 1 || st.Unsynced != 0 || st.WALSyncFailures != 0 {
		t.Errorf("stats after Close = %+v, want the deferred commit synced by one WAL sync", st)
	}
}

// TestWALSyncer: the syncer flushes deferred commits on its own.
func TestWALSyncer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{WALSyncInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	appendSeen(t, db, audit.WithDeferredSync(ctx))
	deadline := time.Now().Add(30 * time.Second)
	for db.Stats().Unsynced != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the syncer did not sync the deferred commit: %+v", db.Stats())
		}
		time.Sleep(time.Millisecond)
	}
	if st := db.Stats(); st.WALSyncs < 1 || st.WALSyncFailures != 0 {
		t.Errorf("stats = %+v, want a WAL sync and no failure", st)
	}
}
