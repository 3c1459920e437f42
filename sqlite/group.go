package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"runtime/debug"
	"sync/atomic"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

// Group commit. AppendAudit hands its request to one writer goroutine per
// DB (writeLoop). The loop takes the first request that waits, then every
// other request already queued, up to maxBatch, without waiting for more,
// and runs them in one IMMEDIATE transaction, each inside its own
// savepoint, committed once: one fsync for the batch. A batch forms only
// from requests that arrived while the previous one was being written, so
// a lone caller pays no added latency.

// maxBatch is the most appends one transaction holds.
const maxBatch = 256

// buildFunc is what AppendAudit calls to make the entry.
type buildFunc = func(ctx context.Context, head audit.Head) (*audit.Entry, error)

// Request states. A request is claimed by the writer just before its build
// runs, or abandoned by its caller whose context ended first; whichever
// comes first wins, so a build never runs for a caller that has returned.
const (
	reqPending int32 = iota
	reqClaimed
	reqAbandoned
)

// appendReq is one AppendAudit call waiting for the writer.
type appendReq struct {
	ctx   context.Context
	build buildFunc
	state atomic.Int32
	done  chan appendResult // buffered: the writer never waits for the caller
	// deferred: the caller marked it audit.WithDeferredSync.
	deferred bool

	entry *audit.Entry // set by the writer while the batch is open
}

type appendResult struct {
	entry *audit.Entry
	err   error
}

func (r *appendReq) claim() bool   { return r.state.CompareAndSwap(reqPending, reqClaimed) }
func (r *appendReq) abandon() bool { return r.state.CompareAndSwap(reqPending, reqAbandoned) }

func (r *appendReq) answer(e *audit.Entry, err error) { r.done <- appendResult{e, err} }

// Stats counts what the audit writer has done since Open.
type Stats struct {
	// Appends is how many audit entries were committed.
	Appends int64
	// Commits is how many write transactions committed them. Under
	// concurrent appends it is below Appends: that is group commit.
	Commits int64
	// Queued is how many AppendAudit calls are handed to the writer and
	// not yet taken into a batch (0 with NoGroupCommit).
	Queued int64
	// DeferredCommits is how many of Commits were committed without an
	// fsync (every append in them marked audit.WithDeferredSync).
	DeferredCommits int64
	// WALSyncs is how often the syncer flushed the write-ahead log to
	// cover deferred commits; WALSyncFailures how often that failed.
	WALSyncs, WALSyncFailures int64
	// Unsynced is how many deferred commits no WAL sync covers yet.
	Unsynced int64
	// JournalAppends is how many batches of screening decisions were
	// appended to the decision journal; JournalAppendsWithoutFsync how
	// many of them without an fsync each (covered by the syncer's);
	// JournalStored how many decisions its loader stored, in
	// JournalLoads transactions; JournalLoadFailures how many of those
	// failed (and were retried).
	JournalAppends, JournalAppendsWithoutFsync       int64
	JournalStored, JournalLoads, JournalLoadFailures int64
}

// Stats returns the audit writer's counters.
func (db *DB) Stats() Stats {
	synced := db.syncedCommits.Load()
	deferred := db.deferredCommits.Load()
	return Stats{Appends: db.appends.Load(), Commits: db.commits.Load(), Queued: int64(len(db.reqs)),
		DeferredCommits: deferred, WALSyncs: db.walSyncs.Load(), WALSyncFailures: db.walSyncFailures.Load(),
		Unsynced: deferred - synced, JournalAppends: db.journalAppends.Load(), JournalAppendsWithoutFsync: db.journalUnsyncedAppends.Load(),
		JournalStored: db.journalStored.Load(), JournalLoads: db.journalLoads.Load(), JournalLoadFailures: db.journalFailures.Load()}
}

// opAppend is what a failed append was doing, for error messages.
const opAppend = "append to the audit log"

// errClosed is what AppendAudit returns once Close has begun.
func errClosed() error {
	return bulwark.Errorf(bulwark.EUNAVAILABLE, "the store is closed (could not %s)", opAppend)
}

// startWriter starts the writer loop; Close stops it.
func (db *DB) startWriter() {
	db.reqs = make(chan *appendReq, maxBatch)
	db.stop = make(chan struct{})
	db.loopDone = make(chan struct{})
	go db.writeLoop()
}

// stopWriter asks the loop to stop after the batch it is writing and waits
// for it. Requests still queued are answered by their callers, who see
// loopDone closed.
func (db *DB) stopWriter() {
	if db.stop == nil {
		return
	}
	db.stopOnce.Do(func() { close(db.stop) })
	<-db.loopDone
}

// appendGrouped queues the request for the writer loop and waits for its
// answer (see AppendAudit for how ctx is honoured).
func (db *DB) appendGrouped(ctx context.Context, build buildFunc) (*audit.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, db.fail(ctx, err, opAppend)
	}
	select {
	case <-db.stop:
		return nil, errClosed()
	default:
	}
	r := &appendReq{ctx: ctx, build: build, done: make(chan appendResult, 1), deferred: audit.DeferredSync(ctx)}
	select {
	case db.reqs <- r:
	case <-ctx.Done():
		return nil, db.fail(ctx, ctx.Err(), opAppend)
	case <-db.stop:
		return nil, errClosed()
	}
	select {
	case res := <-r.done:
		return res.entry, res.err
	case <-ctx.Done():
		if r.abandon() {
			// The writer has not started build and never will.
			return nil, db.fail(ctx, ctx.Err(), opAppend)
		}
		// build has started: the outcome is on its way, and the caller
		// must learn it (the entry may be committed).
		res := <-r.done
		return res.entry, res.err
	case <-db.loopDone:
		// The loop answers every request it takes before it ends, so an
		// answer missing now means the request was never taken.
		select {
		case res := <-r.done:
			return res.entry, res.err
		default:
			return nil, errClosed()
		}
	}
}

// writeLoop is the single writer of audit entries.
func (db *DB) writeLoop() {
	defer close(db.loopDone)
	batch := make([]*appendReq, 0, maxBatch)
	for {
		// Stop before taking more work once Close has asked, even when
		// requests are queued: their callers get "store closed".
		select {
		case <-db.stop:
			return
		default:
		}
		var first *appendReq
		select {
		case <-db.stop:
			return
		case first = <-db.reqs:
		}
		batch = append(batch[:0], first)
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-db.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		for rest := batch; len(rest) > 0; {
			rest = db.writeBatch(rest)
		}
		clear(batch) // drop references to finished requests
	}
}

// writeBatch runs the requests of batch in one transaction, each in its own
// savepoint, and commits once. It answers every request it reaches. If the
// transaction itself breaks (SQLite rolled it back under a failing
// statement), it fails what the transaction held and returns the requests
// it did not reach, for a fresh transaction.
func (db *DB) writeBatch(batch []*appendReq) (rest []*appendReq) {
	// No cancellation here: a statement interrupted inside a transaction
	// can make SQLite roll back the whole transaction, batch-mates and all.
	ctx := context.Background()
	var (
		conn *sql.Conn
		tx   *sql.Tx
		ok   []*appendReq // appended, waiting for the commit
	)
	// The batch's commit waits for an fsync unless every append in it
	// may defer its sync (walsync.go).
	deferred := true
	for _, r := range batch {
		deferred = deferred && r.deferred
	}
	relaxed := false // the connection runs with synchronous=NORMAL
	defer func() {
		if conn == nil {
			return
		}
		if relaxed {
			// Every other write on the connection syncs as it commits.
			if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = FULL`); err != nil {
				// Do not hand a connection that would not sync to
				// anyone else: database/sql discards it.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}
		_ = conn.Close()
	}()
	for i, r := range batch {
		if tx == nil && r.state.Load() == reqPending && r.ctx.Err() == nil {
			// Begin before claiming: while BEGIN waits for a lock another
			// process holds, the callers may still give up.
			var err error
			if conn, err = db.w.Conn(ctx); err == nil && deferred {
				// The synchronous setting cannot change inside a
				// transaction: set it before BEGIN.
				if _, err = conn.ExecContext(ctx, `PRAGMA synchronous = NORMAL`); err == nil {
					relaxed = true
				}
			}
			if err == nil {
				tx, err = conn.BeginTx(ctx, nil)
			}
			if err != nil {
				// Locked by another process past the busy timeout, closed,
				// disk trouble: the next request would fare no better.
				err = db.fail(ctx, err, opAppend)
				for _, o := range batch[i:] {
					if o.claim() {
						o.answer(nil, err)
					}
				}
				return nil
			}
		}
		if !r.claim() {
			continue // the caller gave up before its turn
		}
		if err := r.ctx.Err(); err != nil {
			r.answer(nil, db.fail(r.ctx, err, opAppend))
			continue
		}
		e, broken, err := db.appendSavepoint(ctx, tx, r)
		if broken {
			_ = tx.Rollback()
			_, _ = conn.ExecContext(ctx, `ROLLBACK`) // in case SQLite kept a transaction open
			r.answer(nil, err)
			lost := bulwark.Wrap(err, bulwark.EUNAVAILABLE, "cannot append to the audit log: the write transaction failed; nothing was stored")
			for _, o := range ok {
				o.answer(nil, lost)
			}
			return batch[i+1:]
		}
		if err != nil {
			r.answer(nil, err)
			continue
		}
		r.entry = e
		ok = append(ok, r)
	}
	if tx == nil {
		return nil
	}
	if len(ok) == 0 {
		_ = tx.Rollback()
		return nil
	}
	if err := tx.Commit(); err != nil {
		// A failed COMMIT (SQLITE_BUSY, a deferred constraint) can leave
		// the transaction open. The driver rolls it back; make sure anyway
		// before the connection serves anyone else: nothing of the batch
		// may be stored.
		_, _ = conn.ExecContext(ctx, `ROLLBACK`)
		err = db.fail(ctx, err, "commit the audit entries")
		for _, o := range ok {
			o.answer(nil, err)
		}
		return nil
	}
	db.commits.Add(1)
	if relaxed {
		db.deferredCommits.Add(1)
	}
	db.appends.Add(int64(len(ok)))
	for _, o := range ok {
		o.answer(o.entry, nil)
		o.entry = nil
	}
	return nil
}

// appendSavepoint runs one request inside a savepoint of tx: head read
// inside the transaction, build, check, insert. On failure it rolls back to
// the savepoint, so only this request's writes vanish. broken reports that
// the transaction is no longer the one the batch built (SQLite rolled it
// back under a failing statement, or build ended it): it must be abandoned.
func (db *DB) appendSavepoint(ctx context.Context, tx *sql.Tx, r *appendReq) (e *audit.Entry, broken bool, err error) {
	if _, err := tx.StmtContext(ctx, db.wSavepoint).ExecContext(ctx); err != nil {
		return nil, true, db.fail(ctx, err, opAppend)
	}
	// A nested savepoint marks the transaction while build runs. Had build
	// ended it (say, SQLite rolled it back under a disk-full error that
	// build ignored), the entry would be written outside any transaction,
	// with a seq that counts batch-mates no longer there, and the chain
	// would break. Releasing the mark fails in that case, before the entry
	// is written.
	if _, err := tx.StmtContext(ctx, db.wMark).ExecContext(ctx); err != nil {
		return nil, true, db.fail(ctx, err, opAppend)
	}
	ended := false
	checkMark := func() error {
		if _, err := tx.StmtContext(ctx, db.wReleaseMark).ExecContext(ctx); err != nil {
			ended = true
			return bulwark.Wrap(err, bulwark.EUNAVAILABLE, "cannot append to the audit log: the write transaction ended while the change was being made; nothing was stored")
		}
		return nil
	}
	// build sees the caller's values (token, request id) but not its
	// cancellation: see writeBatch.
	bctx := db.withTx(context.WithoutCancel(r.ctx), tx)
	e, err = db.appendInTx(ctx, tx, bctx, recovered(r.build), checkMark)
	if err != nil {
		if ended {
			return nil, true, err
		}
		if _, rerr := tx.StmtContext(ctx, db.wRollbackTo).ExecContext(ctx); rerr != nil {
			return nil, true, err
		}
		if _, rerr := tx.StmtContext(ctx, db.wRelease).ExecContext(ctx); rerr != nil {
			return nil, true, err
		}
		return nil, false, err
	}
	if _, err := tx.StmtContext(ctx, db.wRelease).ExecContext(ctx); err != nil {
		return nil, true, db.fail(ctx, err, opAppend)
	}
	return e, false, nil
}

// recovered turns a panic in build into an EINTERNAL error for its caller,
// so that one bad build neither kills the writer nor fails its batch.
func recovered(build buildFunc) buildFunc {
	return func(ctx context.Context, head audit.Head) (e *audit.Entry, err error) {
		defer func() {
			if v := recover(); v != nil {
				e, err = nil, bulwark.Wrap(fmt.Errorf("panic in audit build: %v\n%s", v, debug.Stack()),
					bulwark.EINTERNAL, "internal error while recording the change; nothing was stored")
			}
		}()
		return build(ctx, head)
	}
}
