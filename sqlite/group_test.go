package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
	"github.com/bulwark-sec/bulwark/storetest"
)

// Group commit tests. None of them asserts a duration: where a test needs
// calls to share a batch, it holds the writer with a build that waits, and
// waits until Stats says the other calls are queued behind it.

// sealedEntry returns a valid entry that extends head.
func sealedEntry(head audit.Head, action string) *audit.Entry {
	e := &audit.Entry{Seq: head.Seq + 1, Time: time.Now(), Actor: "test", Action: action, PrevHash: head.Hash}
	e.Hash = e.ComputeHash()
	return e
}

// holdWriter starts an append whose build waits for release, and returns
// once that build is running: the writer is busy and later calls queue.
// wait returns the held append's result.
func holdWriter(t *testing.T, db *sqlite.DB) (release func(), wait func() (*audit.Entry, error)) {
	t.Helper()
	started, rel := make(chan struct{}), make(chan struct{})
	type result struct {
		e   *audit.Entry
		err error
	}
	done := make(chan result, 1)
	go func() {
		e, err := db.AppendAudit(context.Background(), func(_ context.Context, h audit.Head) (*audit.Entry, error) {
			close(started)
			<-rel
			return sealedEntry(h, "hold"), nil
		})
		done <- result{e, err}
	}()
	<-started
	var once sync.Once
	release = func() { once.Do(func() { close(rel) }) }
	t.Cleanup(release) // never leave the writer held if the test fails
	return release, func() (*audit.Entry, error) { r := <-done; return r.e, r.err }
}

// waitQueued waits until n calls are queued for the writer.
func waitQueued(t *testing.T, db *sqlite.DB, n int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second) // a hang guard, not a timing assertion
	for db.Stats().Queued < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d calls queued after 20s, want %d", db.Stats().Queued, n)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

type appendResult struct {
	e   *audit.Entry
	err error
}

// goAppend runs f in a goroutine and returns where its result arrives.
func goAppend(f func() (*audit.Entry, error)) <-chan appendResult {
	ch := make(chan appendResult, 1)
	go func() {
		e, err := f()
		ch <- appendResult{e, err}
	}()
	return ch
}

func assertChain(t *testing.T, db *sqlite.DB, entries int64) {
	t.Helper()
	rep, err := audit.Verify(context.Background(), db, nil)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !rep.Intact() {
		t.Fatalf("chain broken at %d: %s", rep.Broken.Seq, rep.Broken.Reason)
	}
	if rep.Entries != entries || rep.Head.Seq != entries {
		t.Fatalf("Verify read %d entries up to head %d, want %d", rep.Entries, rep.Head.Seq, entries)
	}
}

// TestGroupCommitChain: many goroutines appending at once get distinct,
// gap-free seqs and leave one intact chain, with and without group commit.
func TestGroupCommitChain(t *testing.T) {
	for _, noGroup := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoGroupCommit=%v", noGroup), func(t *testing.T) {
			ctx := context.Background()
			db, err := sqlite.Open(ctx, sqlitetest.NewFile(t), sqlite.Options{NoGroupCommit: noGroup})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			log := &audit.Log{Store: db}
			const workers, each = 32, 40
			storetest.RecordConcurrently(t, log, workers, each, "test.group")
			assertChain(t, db, workers*each)
			st := db.Stats()
			if st.Appends != workers*each || st.Commits < 1 || st.Commits > st.Appends || st.Queued != 0 {
				t.Errorf("Stats = %+v after %d appends", st, workers*each)
			}
			if noGroup && st.Commits != st.Appends {
				t.Errorf("without group commit, Stats = %+v: want one commit per append", st)
			}
			t.Logf("%d appends in %d commits", st.Appends, st.Commits)
		})
	}
}

// TestGroupCommitBatchesForm: 64 appends at once, 63 of them queued while
// the first is being written, take two commits.
func TestGroupCommitBatchesForm(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	log := &audit.Log{Store: db}
	release, wait := holdWriter(t, db)
	const others = 63
	results := make([]<-chan appendResult, others)
	for i := range others {
		results[i] = goAppend(func() (*audit.Entry, error) {
			return log.Record(ctx, audit.Event{Actor: "test", Action: "test.batch", Details: map[string]int{"i": i}})
		})
	}
	waitQueued(t, db, others)
	release()
	if e, err := wait(); err != nil || e.Seq != 1 {
		t.Fatalf("held append = %v, %v", e, err)
	}
	for _, ch := range results {
		if r := <-ch; r.err != nil {
			t.Fatalf("Record: %v", r.err)
		}
	}
	st := db.Stats()
	if st.Appends != others+1 || st.Commits != 2 {
		t.Errorf("Stats = %+v, want %d appends in 2 commits", st, others+1)
	}
	if st.Commits >= st.Appends {
		t.Errorf("no batch formed: %d commits for %d appends", st.Commits, st.Appends)
	}
	assertChain(t, db, others+1)
}

// TestGroupCommitFailureInBatch: a call that fails in the middle of a batch
// loses only its own change and entry; the calls before and after it in the
// same transaction commit, and the writer goes on serving.
func TestGroupCommitFailureInBatch(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name   string
		change func(ctx context.Context, log *audit.Log) (audit.Event, error)
		check  func(err error) bool
	}{
		{"ChangeFails", func(context.Context, *audit.Log) (audit.Event, error) {
			return audit.Event{}, boom
		}, func(err error) bool { return errors.Is(err, boom) }},
		{"ChangePanics", func(context.Context, *audit.Log) (audit.Event, error) {
			panic("change went wrong")
		}, func(err error) bool {
			return bulwark.IsCode(err, bulwark.EINTERNAL) && strings.Contains(fmt.Sprintf("%+v", errors.Unwrap(err)), "change went wrong")
		}},
		{"EventInvalid", func(context.Context, *audit.Log) (audit.Event, error) {
			return audit.Event{Actor: "test"}, nil // no action
		}, func(err error) bool { return bulwark.IsCode(err, bulwark.EINVALID) }},
		{"NestedAppend", func(ctx context.Context, log *audit.Log) (audit.Event, error) {
			_, err := log.Record(ctx, audit.Event{Action: "inner"})
			return audit.Event{Action: "outer"}, err
		}, func(err error) bool { return bulwark.IsCode(err, bulwark.EINTERNAL) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			db := openStore(t)
			log := &audit.Log{Store: db}
			tokens := &auth.Service{Store: db}
			do := func(name string, fail bool) <-chan appendResult {
				return goAppend(func() (*audit.Entry, error) {
					return log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
						if _, _, err := tokens.Create(txctx, name, auth.RoleViewer, auth.CreateOptions{}); err != nil {
							return audit.Event{}, err
						}
						if fail {
							return c.change(txctx, log)
						}
						return audit.Event{Actor: "test", Action: "token.create", Target: name}, nil
					})
				})
			}
			release, wait := holdWriter(t, db)
			// Queued one by one, so that the batch runs them in this order.
			a := do("a", false)
			waitQueued(t, db, 1)
			b := do("b", true)
			waitQueued(t, db, 2)
			cc := do("c", false)
			waitQueued(t, db, 3)
			release()
			if _, err := wait(); err != nil {
				t.Fatal(err)
			}
			ra, rb, rc := <-a, <-b, <-cc
			if ra.err != nil || rc.err != nil {
				t.Fatalf("batch-mates failed: %v, %v", ra.err, rc.err)
			}
			if rb.err == nil || rb.e != nil || !c.check(rb.err) {
				t.Fatalf("failing call = %v, %v (code %q)", rb.e, rb.err, bulwark.ErrorCode(rb.err))
			}
			// b's entry vanished, so c follows a directly.
			if ra.e.Seq != 2 || rc.e.Seq != 3 || rc.e.PrevHash != ra.e.Hash {
				t.Errorf("seqs a=%d c=%d, want 2 and 3 with c linked to a", ra.e.Seq, rc.e.Seq)
			}
			list, err := db.ListTokens(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tok := range list {
				names = append(names, tok.Name)
			}
			if got := strings.Join(names, ","); got != "a,c" {
				t.Errorf("tokens = %s, want a,c (b rolled back with its entry)", got)
			}
			if st := db.Stats(); st.Commits != 2 || st.Appends != 3 {
				t.Errorf("Stats = %+v, want 3 appends in 2 commits", st)
			}
			assertChain(t, db, 3)
			// The writer goes on serving, alone and in batches.
			if e, err := log.Record(ctx, audit.Event{Actor: "test", Action: "after"}); err != nil || e.Seq != 4 {
				t.Fatalf("Record after the failure = %v, %v", e, err)
			}
			if _, err := log.Do(ctx, func(txctx context.Context) (audit.Event, error) { return c.change(txctx, log) }); !c.check(err) {
				t.Fatalf("failing call alone = %v", err)
			}
			assertChain(t, db, 4)
		})
	}
}

type ctxKey struct{}

// TestAppendCancellation: a caller's context is honoured until its build
// starts; after that the caller waits for and gets the outcome.
func TestAppendCancellation(t *testing.T) {
	bg := context.Background()

	t.Run("AlreadyDone", func(t *testing.T) {
		db := openStore(t)
		for _, c := range []struct {
			code string
			ctx  func() context.Context
		}{
			{bulwark.EUNAVAILABLE, func() context.Context {
				ctx, cancel := context.WithCancel(bg)
				cancel()
				return ctx
			}},
			{bulwark.ETIMEOUT, func() context.Context {
				ctx, cancel := context.WithDeadline(bg, time.Now().Add(-time.Second))
				t.Cleanup(cancel)
				return ctx
			}},
		} {
			ran := false
			_, err := db.AppendAudit(c.ctx(), func(_ context.Context, h audit.Head) (*audit.Entry, error) {
				ran = true
				return sealedEntry(h, "x"), nil
			})
			if !bulwark.IsCode(err, c.code) || ran {
				t.Errorf("AppendAudit = %v (code %q), build ran: %v; want code %q and no build", err, bulwark.ErrorCode(err), ran, c.code)
			}
		}
		assertChain(t, db, 0)
	})

	t.Run("WhileQueued", func(t *testing.T) {
		for _, c := range []struct {
			name string
			code string
			ctx  func() (context.Context, context.CancelFunc)
			// cancel: the test cancels once the call is queued; otherwise
			// the deadline passes while the writer is held (it is
			// released only after the call has returned).
			cancel bool
		}{
			{"Cancel", bulwark.EUNAVAILABLE, func() (context.Context, context.CancelFunc) { return context.WithCancel(bg) }, true},
			{"Deadline", bulwark.ETIMEOUT, func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(bg, 20*time.Millisecond)
			}, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				db := openStore(t)
				release, wait := holdWriter(t, db)
				ctx, cancel := c.ctx()
				defer cancel()
				ran := make(chan struct{}, 1)
				res := goAppend(func() (*audit.Entry, error) {
					return db.AppendAudit(ctx, func(_ context.Context, h audit.Head) (*audit.Entry, error) {
						ran <- struct{}{}
						return sealedEntry(h, "queued"), nil
					})
				})
				if c.cancel {
					waitQueued(t, db, 1)
					cancel()
				}
				r := <-res // returns while the writer is still held
				if !bulwark.IsCode(r.err, c.code) || r.e != nil {
					t.Fatalf("AppendAudit = %v, %v (code %q), want code %q", r.e, r.err, bulwark.ErrorCode(r.err), c.code)
				}
				release()
				if _, err := wait(); err != nil {
					t.Fatal(err)
				}
				// The writer skips the abandoned call: the next one follows
				// the held one directly.
				if e, err := (&audit.Log{Store: db}).Record(bg, audit.Event{Action: "next"}); err != nil || e.Seq != 2 {
					t.Fatalf("next Record = %v, %v", e, err)
				}
				select {
				case <-ran:
					t.Error("build of a call that gave up ran")
				default:
				}
				assertChain(t, db, 2)
			})
		}
	})

	t.Run("WhileAnotherProcessHoldsTheLock", func(t *testing.T) {
		// The writer waits for the lock (up to a busy timeout far longer
		// than the caller's deadline) before it claims any call, so the
		// caller can still give up.
		path := filepath.Join(t.TempDir(), "bulwark.db")
		db, err := sqlite.Open(bg, path, sqlite.Options{BusyTimeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		conn, err := rawDB(t, path).Conn(bg)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(bg, `BEGIN IMMEDIATE`); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(bg, 50*time.Millisecond)
		defer cancel()
		ran := false
		_, err = db.AppendAudit(ctx, func(_ context.Context, h audit.Head) (*audit.Entry, error) {
			ran = true
			return sealedEntry(h, "locked"), nil
		})
		if !bulwark.IsCode(err, bulwark.ETIMEOUT) {
			t.Fatalf("AppendAudit while locked = %v (code %q), want %q", err, bulwark.ErrorCode(err), bulwark.ETIMEOUT)
		}
		if _, err := conn.ExecContext(bg, `ROLLBACK`); err != nil {
			t.Fatal(err)
		}
		if e, err := (&audit.Log{Store: db}).Record(bg, audit.Event{Action: "free"}); err != nil || e.Seq != 1 {
			t.Fatalf("Record after the lock is released = %v, %v", e, err)
		}
		if ran {
			t.Error("build of a call that gave up ran")
		}
		assertChain(t, db, 1)
	})

	t.Run("InBatchBeforeItsTurn", func(t *testing.T) {
		db := openStore(t)
		release, wait := holdWriter(t, db)
		aStarted, aRelease := make(chan struct{}), make(chan struct{})
		a := goAppend(func() (*audit.Entry, error) {
			return db.AppendAudit(bg, func(_ context.Context, h audit.Head) (*audit.Entry, error) {
				close(aStarted)
				<-aRelease
				return sealedEntry(h, "a"), nil
			})
		})
		waitQueued(t, db, 1)
		ctx, cancel := context.WithCancel(bg)
		defer cancel()
		bRan := make(chan struct{}, 1)
		b := goAppend(func() (*audit.Entry, error) {
			return db.AppendAudit(ctx, func(_ context.Context, h audit.Head) (*audit.Entry, error) {
				bRan <- struct{}{}
				return sealedEntry(h, "b"), nil
			})
		})
		waitQueued(t, db, 2)
		release() // a and b now form the next batch; a's build runs first
		<-aStarted
		cancel()
		if r := <-b; !bulwark.IsCode(r.err, bulwark.EUNAVAILABLE) {
			t.Fatalf("cancelled call = %v, %v", r.e, r.err)
		}
		close(aRelease)
		if _, err := wait(); err != nil {
			t.Fatal(err)
		}
		if r := <-a; r.err != nil || r.e.Seq != 2 {
			t.Fatalf("batch-mate = %v, %v", r.e, r.err)
		}
		select {
		case <-bRan:
			t.Error("build of a call that gave up ran")
		default:
		}
		assertChain(t, db, 2)
	})

	t.Run("WhileBuildRuns", func(t *testing.T) {
		db := openStore(t)
		ctx, cancel := context.WithCancel(context.WithValue(bg, ctxKey{}, "request-42"))
		defer cancel()
		started, rel := make(chan struct{}), make(chan struct{})
		var (
			value  any
			ctxErr error
		)
		res := goAppend(func() (*audit.Entry, error) {
			return db.AppendAudit(ctx, func(txctx context.Context, h audit.Head) (*audit.Entry, error) {
				close(started)
				<-rel
				value, ctxErr = txctx.Value(ctxKey{}), txctx.Err()
				// The change made with txctx still joins the transaction.
				if err := db.CreateToken(txctx, &auth.Token{ID: "00000000000000aa", Name: "late", Role: auth.RoleViewer,
					Hash: []byte{1}, CreatedAt: time.Now()}); err != nil {
					return nil, err
				}
				return sealedEntry(h, "token.create"), nil
			})
		})
		<-started
		cancel() // the caller gives up while its build runs
		close(rel)
		r := <-res
		if r.err != nil || r.e == nil || r.e.Seq != 1 {
			t.Fatalf("AppendAudit = %v, %v; want the committed entry despite the cancellation", r.e, r.err)
		}
		if value != "request-42" || ctxErr != nil {
			t.Errorf("build's context: value %v, err %v; want the caller's value and no cancellation", value, ctxErr)
		}
		if _, err := db.TokenByID(bg, "00000000000000aa"); err != nil {
			t.Errorf("change of the committed call: %v", err)
		}
		assertChain(t, db, 1)
	})
}

// TestCloseStopsWriter: Close ends the writer goroutine of every store,
// and AppendAudit after Close fails with EUNAVAILABLE.
func TestCloseStopsWriter(t *testing.T) {
	ctx := context.Background()
	writers := func() int {
		var b strings.Builder
		if err := pprof.Lookup("goroutine").WriteTo(&b, 1); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, block := range strings.Split(b.String(), "\n\n") {
			if strings.Contains(block, "sqlite.(*DB).writeLoop") {
				var count int
				if _, err := fmt.Sscanf(block, "%d @", &count); err == nil {
					n += count
				}
			}
		}
		return n
	}
	before := writers()
	var dbs []*sqlite.DB
	for range 3 {
		db, err := sqlite.Open(ctx, sqlitetest.NewFile(t), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		dbs = append(dbs, db)
		if _, err := (&audit.Log{Store: db}).Record(ctx, audit.Event{Action: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if got := writers(); got != before+3 {
		t.Fatalf("%d writer goroutines with 3 stores open, want %d", got, before+3)
	}
	for _, db := range dbs {
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		_, err := (&audit.Log{Store: db}).Record(ctx, audit.Event{Action: "late"})
		if !bulwark.IsCode(err, bulwark.EUNAVAILABLE) || !strings.Contains(err.Error(), "closed") {
			t.Errorf("Record after Close = %v (code %q), want a store-closed error", err, bulwark.ErrorCode(err))
		}
	}
	// Close has waited for each loop to finish; its goroutine may take a
	// moment longer to be gone.
	for deadline := time.Now().Add(10 * time.Second); writers() != before; {
		if time.Now().After(deadline) {
			t.Fatalf("%d writer goroutines left after Close, want %d", writers(), before)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// TestConformanceNoGroupCommit runs the conformance suite on the path
// without group commit too: the benchmarks compare against it.
func TestConformanceNoGroupCommit(t *testing.T) {
	open := func(t *testing.T) *sqlite.DB { return sqlitetest.Open(t, sqlite.Options{NoGroupCommit: true}) }
	storetest.AuditStore(t, func(t *testing.T) audit.Store { return open(t) })
	storetest.Atomic(t, func(t *testing.T) storetest.Store { return open(t) })
}
