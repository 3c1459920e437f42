package tracing_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/tracing"
)

// TestFollowerReorgBack: a chain that reorganises away from the block of
// an alert and then back to it (the same block hash again) has the
// deposit alerted again, open, after the first alert's retraction; and a
// third reorg away retracts that second alert too.
func TestFollowerReorgBack(t *testing.T) {
	t.Parallel()
	e := newFollowerEnv(t)
	e.chain.mine(pay(thief, hop1, 10))         // 1
	e.chain.mine(pay(clean, clean, 1))         // 2
	at := e.chain.mine(pay(hop1, deposit, 10)) // 3
	e.chain.mine(pay(clean, clean, 2))         // 4
	hashA := e.chain.hash(at)
	f := e.follower(tracing.Poison, 1, nil)
	step(t, f, 4)

	away := [][][3]any{{pay(clean, clean, 3)}, {pay(clean, clean, 4)}, {pay(clean, clean, 5)}}
	// Each reorg ends higher than the last, so that the node's head moves
	// and the ingester sees it.
	back := [][][3]any{{pay(hop1, deposit, 10)}, {pay(clean, clean, 2)}, {pay(clean, clean, 6)}, {pay(clean, clean, 7)}}
	awayAgain := append(away, [][3]any{pay(clean, clean, 8)}, [][3]any{pay(clean, clean, 9)})
	open := func() (deposits []tracing.StoredAlert) {
		for _, a := range e.alerts(t) {
			if a.Code == tracing.CodeDeposit && a.RetractedBy == 0 {
				deposits = append(deposits, a)
			}
		}
		return deposits
	}

	e.chain.reorg(3, 1, away...)
	step(t, f, 5)
	if o := open(); len(o) != 0 {
		t.Fatalf("after the reorg away: open deposit alerts %+v", o)
	}

	e.chain.reorg(3, 0, back...)
	if e.chain.hash(at) != hashA {
		t.Fatal("the chain did not come back to the first block 3")
	}
	step(t, f, 6)
	o := open()
	if len(o) != 1 || o[0].Block != at || o[0].BlockHash != hashA {
		t.Fatalf("after the reorg back: open deposit alerts %+v, want one in block %d %s (all: %+v)", o, at, hashA.Hex(), e.alerts(t))
	}

	e.chain.reorg(3, 1, awayAgain...)
	step(t, f, 7)
	if o := open(); len(o) != 0 {
		t.Fatalf("after the second reorg away: open deposit alerts %+v", o)
	}
}

// TestFollowerRetriesWithoutFeedingTwice: a step that fails while raising
// the alerts of a block (the store failed) and is retried by the same
// follower, as Run does, raises each alert of that block once, with the
// taint it has when the block is applied once.
func TestFollowerRetriesWithoutFeedingTwice(t *testing.T) {
	t.Parallel()
	e := newFollowerEnv(t)
	e.chain.mine(pay(thief, hop1, 10))                         // 1
	e.chain.mine(pay(hop1, deposit, 4), pay(hop1, deposit, 3)) // 2: two deposits in one block
	boom := errors.New("store went away")
	n := 0
	e.fail = func(tracing.StoredAlert) error {
		if n++; n == 2 {
			return boom
		}
		return nil
	}
	f := e.follower(tracing.Poison, 1, nil)
	if err := f.RunTo(context.Background(), 2); !errors.Is(err, boom) {
		t.Fatalf("first step = %v, want the store failure", err)
	}
	step(t, f, 2) // the retry
	got := e.alerts(t)
	if len(got) != 2 || got[0].Amount != "4" || got[0].Taint != "4" || got[1].Amount != "3" || got[1].Taint != "3" {
		t.Fatalf("after the retry: %+v, want the deposits of 4 and 3, wholly tainted", got)
	}
}

// TestFollowerOneFollowFailing: a follow that fails at every step (its
// request cannot be traced block by block) holds neither the other
// follows nor their alerts back, and the step's error names it.
func TestFollowerOneFollowFailing(t *testing.T) {
	t.Parallel()
	e := newFollowerEnv(t)
	e.chain.mine(pay(thief, hop1, 10))   // 1
	e.chain.mine(pay(hop1, deposit, 10)) // 2
	good := tracing.Follow{ID: "watch:good", Request: tracing.Request{Chain: followChain, SeedAddresses: []common.Address{thief},
		Policy: tracing.Poison, Bounds: tracing.Bounds{FromBlock: 1}}}
	bad := good
	bad.ID, bad.Request.Policy = "watch:bad", tracing.Policy(99)
	e.follows = tracing.StaticFollows{bad, good}
	f := e.follower(tracing.Poison, 1, nil)
	err := f.RunTo(context.Background(), 2)
	if err == nil || !strings.Contains(err.Error(), "watch:bad") {
		t.Fatalf("step = %v, want the failure of watch:bad", err)
	}
	got := e.alerts(t)
	if len(got) != 1 || got[0].Follow != "watch:good" || got[0].Block != 2 {
		t.Fatalf("alerts: %+v, want watch:good's deposit in block 2", got)
	}
}

// logRecords is a slog handler that hands each record to a channel.
type logRecords chan slog.Record

func (h logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (h logRecords) Handle(_ context.Context, r slog.Record) error {
	select {
	case h <- r:
	default:
	}
	return nil
}
func (h logRecords) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h logRecords) WithGroup(string) slog.Handler      { return h }

// TestFollowerRunLogsWhichFollowFailed: Run's warning of a failed step
// names the follow that failed and why.
func TestFollowerRunLogsWhichFollowFailed(t *testing.T) {
	t.Parallel()
	e := newFollowerEnv(t)
	e.chain.mine(pay(thief, hop1, 10)) // 1
	bad := tracing.Follow{ID: "watch:bad", Request: tracing.Request{Chain: followChain, SeedAddresses: []common.Address{thief},
		Policy: tracing.Policy(99), Bounds: tracing.Bounds{FromBlock: 1}}}
	logs := make(logRecords, 64)
	f := tracing.NewFollower(tracing.FollowerConfig{Chain: followChain, Source: e.chain, Store: e.db, Follows: tracing.StaticFollows{bad},
		Record: func(context.Context, tracing.StoredAlert) (int64, bool, error) { return 0, false, nil }, Logger: slog.New(logs)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for r := range logs {
		if r.Level != slog.LevelWarn {
			continue
		}
		var msg string
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "err" {
				msg = a.Value.String()
			}
			return true
		})
		if !strings.Contains(msg, "watch:bad") || !strings.Contains(msg, "unknown taint policy") {
			t.Fatalf("Run's warning: %s err=%q; want the follow and the reason", r.Message, msg)
		}
		return
	}
}

// flakyExits is an ExitFinder that finds no exit and fails its call
// number failAt (from 1); it counts its calls.
type flakyExits struct {
	mu            sync.Mutex
	calls, failAt int
}

type noExits struct{}

func (noExits) Exit(*tracing.Transfer) (tracing.Exit, bool) { return tracing.Exit{}, false }

func (f *flakyExits) ExitsFor(context.Context, []tracing.Transfer) (tracing.ExitDetector, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls++; f.calls == f.failAt {
		return nil, errors.New("node went away")
	}
	return noExits{}, nil
}

// TestFollowerRetryKeepsTheTracer: a step that fails before the follow's
// Tracer is fed (the node failed while the exits were read) is retried
// from where the follow stands, without replaying the follow from its
// first block (which reads every block's exits from the node again).
func TestFollowerRetryKeepsTheTracer(t *testing.T) {
	t.Parallel()
	e := newFollowerEnv(t)
	finder := &flakyExits{failAt: 2}
	e.exits = finder
	e.chain.mine(pay(thief, hop1, 10)) // 1
	f := e.follower(tracing.Poison, 1, nil)
	step(t, f, 1)
	e.chain.mine(pay(hop1, deposit, 10)) // 2
	if err := f.RunTo(context.Background(), 2); err == nil || !strings.Contains(err.Error(), "node went away") {
		t.Fatalf("step = %v, want the node's failure", err)
	}
	step(t, f, 2)
	if got := e.alerts(t); len(got) != 1 || got[0].Block != 2 {
		t.Fatalf("alerts %+v, want the deposit in block 2", got)
	}
	finder.mu.Lock()
	defer finder.mu.Unlock()
	if finder.calls != 3 {
		t.Errorf("the exits were read %d times, want 3 (block 1, block 2 failing, block 2 again)", finder.calls)
	}
}

// TestFollowerReorgAfterRetention: a reorg above a block whose alert
// retention has deleted (delivered, then pruned) does not raise that
// alert again: the follow's recomputation raises only the alerts of the
// blocks the reorg replaced.
func TestFollowerReorgAfterRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newFollowerEnv(t)
	e.chain.mine(pay(thief, hop1, 10))  // 1
	e.chain.mine(pay(hop1, deposit, 5)) // 2: alerted, later pruned
	e.chain.mine(pay(clean, clean, 1))  // 3
	e.chain.mine(pay(clean, clean, 2))  // 4
	f := e.follower(tracing.Poison, 1, nil)
	step(t, f, 4)
	if got := e.alerts(t); len(got) != 1 || got[0].Block != 2 {
		t.Fatalf("before the prune: %+v", got)
	}
	raw, err := sql.Open("sqlite", "file:"+e.db.Path()+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE outbox SET delivered_at = '2026-01-01T00:00:00.000000000Z' WHERE kind = ?`, tracing.AlertKind); err != nil {
		t.Fatal(err)
	}
	if n, err := e.db.PruneTraceAlerts(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("PruneTraceAlerts = %d, %v; want 1", n, err)
	}
	e.mu.Lock()
	e.raise = nil
	e.mu.Unlock()

	// A reorg of blocks 4 and up, with another deposit in the new block 5.
	e.chain.reorg(4, 1, [][3]any{pay(clean, clean, 3)}, [][3]any{pay(hop1, deposit, 5)})
	step(t, f, 5)
	got := e.alerts(t)
	if len(got) != 1 || got[0].Block != 5 {
		t.Fatalf("after the reorg: %+v, want the new deposit in block 5 alone", got)
	}
}
