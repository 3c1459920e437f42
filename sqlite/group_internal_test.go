package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
)

// TestCloseWithPendingAppends: Close lets the batch being written finish,
// answers the calls still queued with EUNAVAILABLE without running their
// builds, and ends the writer loop.
func TestCloseWithPendingAppends(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	entry := func(h audit.Head) *audit.Entry {
		e := &audit.Entry{Seq: h.Seq + 1, Time: time.Now(), Action: "x", PrevHash: h.Hash}
		e.Hash = e.ComputeHash()
		return e
	}
	type result struct {
		e   *audit.Entry
		err error
	}
	started, release := make(chan struct{}), make(chan struct{})
	held := make(chan result, 1)
	go func() {
		e, err := db.AppendAudit(ctx, func(_ context.Context, h audit.Head) (*audit.Entry, error) {
			close(started)
			<-release
			return entry(h), nil
		})
		held <- result{e, err}
	}()
	<-started
	const pending = 5
	ran := make(chan int, pending)
	results := make(chan result, pending)
	for i := range pending {
		go func() {
			e, err := db.AppendAudit(ctx, func(_ context.Context, h audit.Head) (*audit.Entry, error) {
				ran <- i
				return entry(h), nil
			})
			results <- result{e, err}
		}()
	}
	for len(db.reqs) < pending {
		time.Sleep(100 * time.Microsecond)
	}
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	<-db.stop // Close has asked the loop to stop; the held batch is still open
	close(release)
	if r := <-held; r.err != nil || r.e.Seq != 1 {
		t.Fatalf("the append being written when Close was called = %v, %v", r.e, r.err)
	}
	for range pending {
		r := <-results
		if !bulwark.IsCode(r.err, bulwark.EUNAVAILABLE) || !strings.Contains(r.err.Error(), "store is closed") {
			t.Errorf("queued append = %v, %v (code %q), want store closed", r.e, r.err, bulwark.ErrorCode(r.err))
		}
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case <-db.loopDone:
	default:
		t.Fatal("Close returned before the writer loop ended")
	}
	select {
	case i := <-ran:
		t.Errorf("build of queued append %d ran after Close", i)
	default:
	}
	if _, err := db.AppendAudit(ctx, func(_ context.Context, h audit.Head) (*audit.Entry, error) { return entry(h), nil }); !bulwark.IsCode(err, bulwark.EUNAVAILABLE) {
		t.Errorf("AppendAudit after Close = %v", err)
	}

	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := audit.Verify(ctx, db, nil)
	if err != nil || !rep.Intact() || rep.Head.Seq != 1 {
		t.Fatalf("after reopening: Verify = %+v, %v; want the one committed entry", rep, err)
	}
}

// batchOf holds the writer with one append, queues calls one by one (so
// that they run in this order, in one batch), releases the writer and
// returns the results of the queued calls. The held append must succeed.
func batchOf(t *testing.T, db *DB, calls ...func() (*audit.Entry, error)) []error {
	t.Helper()
	ctx := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		_, err := db.AppendAudit(ctx, func(_ context.Context, h audit.Head) (*audit.Entry, error) {
			close(started)
			<-release
			e := &audit.Entry{Seq: h.Seq + 1, Time: time.Now(), Action: "hold", PrevHash: h.Hash}
			e.Hash = e.ComputeHash()
			return e, nil
		})
		held <- err
	}()
	<-started
	errs := make([]chan error, len(calls))
	for i, call := range calls {
		errs[i] = make(chan error, 1)
		go func() {
			_, err := call()
			errs[i] <- err
		}()
		for len(db.reqs) < i+1 {
			time.Sleep(100 * time.Microsecond)
		}
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatalf("held append: %v", err)
	}
	out := make([]error, len(calls))
	for i := range calls {
		out[i] = <-errs[i]
	}
	return out
}

// tokenNames returns the names of the stored tokens, comma-separated.
func tokenNames(t *testing.T, db *DB) string {
	t.Helper()
	list, err := db.ListTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tok := range list {
		names = append(names, tok.Name)
	}
	return strings.Join(names, ",")
}

// createAndRecord returns a call that creates a token named name and
// records it, running more (if not nil) inside the transaction after the
// token is made.
func createAndRecord(db *DB, name string, more func(txctx context.Context) error) func() (*audit.Entry, error) {
	log, tokens := &audit.Log{Store: db}, &auth.Service{Store: db}
	return func() (*audit.Entry, error) {
		return log.Do(context.Background(), func(txctx context.Context) (audit.Event, error) {
			if _, _, err := tokens.Create(txctx, name, auth.RoleViewer, auth.CreateOptions{}); err != nil {
				return audit.Event{}, err
			}
			if more != nil {
				if err := more(txctx); err != nil {
					return audit.Event{}, err
				}
			}
			return audit.Event{Actor: "test", Action: "token.create", Target: name}, nil
		})
	}
}

func verifyChain(t *testing.T, db *DB, entries int64) {
	t.Helper()
	rep, err := audit.Verify(context.Background(), db, nil)
	if err != nil || !rep.Intact() || rep.Entries != entries || rep.Head.Seq != entries {
		t.Fatalf("Verify = %+v, %v; want an intact chain of %d", rep, err, entries)
	}
}

// TestBatchTransactionEnds: when the batch's transaction ends under a call
// (SQLite rolls it back under a failing statement; here build runs
// ROLLBACK itself), the calls it held fail, nothing of them is stored, no
// entry is written outside the transaction, and the calls after it run in
// a fresh transaction.
func TestBatchTransactionEnds(t *testing.T) {
	boom := errors.New("boom")
	for _, c := range []struct {
		name string
		ret  error // what build returns after ending the transaction
	}{
		{"BuildIgnoresIt", nil},
		{"BuildFails", boom},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			errs := batchOf(t, db,
				createAndRecord(db, "a", nil),
				createAndRecord(db, "b", func(txctx context.Context) error {
					if _, err := db.txFrom(txctx).ExecContext(txctx, `ROLLBACK`); err != nil {
						t.Errorf("ROLLBACK: %v", err)
					}
					return c.ret
				}),
				createAndRecord(db, "c", nil),
			)
			if !bulwark.IsCode(errs[0], bulwark.EUNAVAILABLE) || !strings.Contains(errs[0].Error(), "nothing was stored") {
				t.Errorf("a, rolled back with the transaction: %v (code %q)", errs[0], bulwark.ErrorCode(errs[0]))
			}
			if c.ret != nil && !errors.Is(errs[1], c.ret) || c.ret == nil && !bulwark.IsCode(errs[1], bulwark.EUNAVAILABLE) {
				t.Errorf("b, which ended the transaction: %v (code %q)", errs[1], bulwark.ErrorCode(errs[1]))
			}
			if errs[2] != nil {
				t.Errorf("c, after the end: %v", errs[2])
			}
			if got := tokenNames(t, db); got != "c" {
				t.Errorf("tokens = %q, want c", got)
			}
			verifyChain(t, db, 2) // the held append and c
			if st := db.Stats(); st.Commits != 2 || st.Appends != 2 {
				t.Errorf("Stats = %+v", st)
			}
		})
	}
}

// TestBatchCommitFails: when COMMIT fails (here a deferred foreign key
// that one call's change breaks, checked only at COMMIT), every call of
// the batch gets the error, nothing of the batch is stored, and the writer
// goes on with a clean connection.
func TestBatchCommitFails(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE fk_parent (id INTEGER PRIMARY KEY);
CREATE TABLE fk_child (p INTEGER REFERENCES fk_parent (id) DEFERRABLE INITIALLY DEFERRED)`); err != nil {
		t.Fatal(err)
	}
	errs := batchOf(t, db,
		createAndRecord(db, "a", nil),
		createAndRecord(db, "b", func(txctx context.Context) error {
			_, err := db.txFrom(txctx).ExecContext(txctx, `INSERT INTO fk_child (p) VALUES (42)`)
			return err
		}),
		createAndRecord(db, "c", nil),
	)
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "commit") {
			t.Errorf("call %d of the batch = %v, want the commit error", i, err)
		}
	}
	if got := tokenNames(t, db); got != "" {
		t.Errorf("tokens = %q after a failed commit, want none", got)
	}
	verifyChain(t, db, 1)
	if st := db.Stats(); st.Commits != 1 || st.Appends != 1 {
		t.Errorf("Stats = %+v", st)
	}
	if _, err := createAndRecord(db, "d", nil)(); err != nil {
		t.Fatalf("append after the failed commit: %v", err)
	}
	if got := tokenNames(t, db); got != "d" {
		t.Errorf("tokens = %q, want d", got)
	}
	verifyChain(t, db, 2)
}
