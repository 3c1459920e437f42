package sqlite

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// Deferred sync. A batch of appends all marked with audit.WithDeferredSync
// is committed with synchronous=NORMAL: SQLite writes it to the
// write-ahead log (in the operating system's page cache, so it survives
// the process being killed) without waiting for an fsync. The syncer then
// fsyncs the log file every WALSyncInterval while deferred commits are
// unsynced, and Close does a last sync, so a power loss can lose at most
// about one interval of them. fsync flushes a file's data whichever
// descriptor it is called on; SQLite takes no locks on the -wal file, so
// opening and closing it here cannot release one of SQLite's.

// startSyncer starts the WAL syncer; stopSyncer stops it.
func (db *DB) startSyncer() {
	db.syncerStop = make(chan struct{})
	db.syncerDone = make(chan struct{})
	go func() {
		defer close(db.syncerDone)
		t := time.NewTicker(db.walSyncEvery)
		defer t.Stop()
		for {
			select {
			case <-db.syncerStop:
				return
			case <-t.C:
				_ = db.syncWAL() // counted in walSyncFailures; retried next tick
				if j := db.activeJournal(); j != nil {
					if err := j.sync(); err != nil {
						db.walSyncFailures.Add(1)
					}
				}
			}
		}
	}()
}

// stopSyncer stops the syncer and syncs what it has not.
func (db *DB) stopSyncer() error {
	if db.syncerStop == nil {
		return nil
	}
	db.syncerStopOnce.Do(func() { close(db.syncerStop) })
	<-db.syncerDone
	return db.syncWAL()
}

// syncWAL fsyncs the write-ahead log if a deferred commit is not synced
// yet.
func (db *DB) syncWAL() error {
	db.walSyncMu.Lock()
	defer db.walSyncMu.Unlock()
	n := db.deferredCommits.Load()
	if n == db.syncedCommits.Load() {
		return nil
	}
	f, err := os.Open(db.path + "-wal")
	if errors.Is(err, fs.ErrNotExist) {
		// Checkpointed and removed: nothing is left in it to sync.
		db.syncedCommits.Store(n)
		return nil
	}
	if err == nil {
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		db.walSyncFailures.Add(1)
		return bulwark.Wrap(err, bulwark.EUNAVAILABLE, "cannot sync the write-ahead log of "+db.path)
	}
	db.syncedCommits.Store(n)
	db.walSyncs.Add(1)
	return nil
}

// activeJournal returns the decision journal, if this process holds it.
func (db *DB) activeJournal() *journal {
	db.journalMu.Lock()
	defer db.journalMu.Unlock()
	return db.journal
}

// flushJournal waits until the decisions the journal holds are stored,
// so that a read sees every decision answered before it. Inside the
// writer's transaction (a retention prune's, audit.Log.Do) it does not
// wait: the loader stores through that same writer, so it could not
// finish until the transaction ends. The decisions still pending there
// are stored after it, under later audit entries.
func (db *DB) flushJournal(ctx context.Context) error {
	if db.txFrom(ctx) != nil {
		return nil
	}
	if j := db.activeJournal(); j != nil {
		return j.flush(ctx)
	}
	return nil
}
