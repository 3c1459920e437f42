package watch

import (
	"context"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/internal/fakechain"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// memMonitorStore is a MonitorStore in memory.
type memMonitorStore struct {
	mu      sync.Mutex
	watches []common.Address
	cursor  *MonitorCursor
}

func (s *memMonitorStore) Watches(context.Context) ([]WatchedSafe, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]WatchedSafe, len(s.watches))
	for i, a := range s.watches {
		out[i] = WatchedSafe{Safe: a}
	}
	return out, nil
}

func (s *memMonitorStore) setWatches(as ...common.Address) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watches = as
}

func (s *memMonitorStore) SaveCursor(_ context.Context, n uint64, h common.Hash) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursor = &MonitorCursor{Block: n, Hash: h, UpdatedAt: time.Now().UTC()}
	return nil
}

func (s *memMonitorStore) LoadCursor(context.Context) (MonitorCursor, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cursor == nil {
		return MonitorCursor{}, false, nil
	}
	return *s.cursor, true, nil
}

func (s *memMonitorStore) ClearCursor(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursor = nil
	return nil
}

func (s *memMonitorStore) cursorAt() (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cursor == nil {
		return 0, false
	}
	return s.cursor.Block, true
}

// runMonitor runs a Monitor of chain and store until the test ends; its
// alerts arrive on the channel returned.
func runMonitor(t *testing.T, chain *fakeWatchChain, store *memMonitorStore, maxCatchup uint64) (*Monitor, <-chan Alert, func()) {
	t.Helper()
	alerts := make(chan Alert, 100)
	mon := NewMonitor(MonitorConfig{Node: chain, Store: store, Options: Options{MaxReorgDepth: 8, Read: onchain.ReadOptions{Registry: fakechain.Registry(t)}},
		Record:   func(_ context.Context, a Alert) error { alerts <- a; return nil },
		Interval: time.Millisecond, ListPoll: 5 * time.Millisecond, MaxCatchup: maxCatchup})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); mon.Run(ctx) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return mon, alerts, stop
}

// nextAlert waits for the Monitor's next alert.
func nextAlert(t *testing.T, alerts <-chan Alert) Alert {
	t.Helper()
	select {
	case a := <-alerts:
		return a
	case <-time.After(30 * time.Second):
		t.Fatal("no alert")
		return Alert{}
	}
}

// waitCursor waits until the Monitor's cursor reaches block n.
func waitCursor(t *testing.T, store *memMonitorStore, n uint64) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		if c, ok := store.cursorAt(); ok && c >= n {
			return
		}
		if time.Now().After(deadline) {
			c, _ := store.cursorAt()
			t.Fatalf("cursor at %d, want %d", c, n)
		}
	}
}

func setThreshold(addr common.Address, n int64) func(*fakechain.Chain) {
	return func(s *fakechain.Chain) { s.Set(addr, onchain.SlotThreshold, common.BigToHash(big.NewInt(n))) }
}

// TestMonitorFollowsListAndResumes: a Safe added to the list is watched
// from the head once nudged; a change is alerted and the cursor follows;
// a Monitor started again after blocks were mined checks those blocks.
func TestMonitorFollowsListAndResumes(t *testing.T) {
	t.Parallel()
	g := fakechain.New()
	g.AddSafe(watchSafeA, fakechain.Owners(3), 2, nil)
	chain := newFakeWatchChain(g)
	chain.mine(nil)
	store := &memMonitorStore{}
	mon, alerts, stop := runMonitor(t, chain, store, 100)
	store.setWatches(watchSafeA)
	mon.Nudge()
	waitCursor(t, store, 1) // watching, from the head
	h := chain.mine(setThreshold(watchSafeA, 3))
	a := nextAlert(t, alerts)
	if a.Code != policy.CodeThresholdChange || a.Block != h.Number || a.Safe != watchSafeA.Hex() {
		t.Fatalf("alert %+v", a)
	}
	waitCursor(t, store, h.Number)
	stop()

	chain.mine(nil)
	h = chain.mine(setThreshold(watchSafeA, 1))
	chain.mine(nil)
	_, alerts, _ = runMonitor(t, chain, store, 100)
	a = nextAlert(t, alerts)
	if a.Code != policy.CodeThresholdChange || a.Block != h.Number || a.Before != "3" || a.After != "1" {
		t.Fatalf("alert after the restart %+v", a)
	}
	waitCursor(t, store, h.Number+1)
	select {
	case a := <-alerts:
		t.Fatalf("unexpected alert %+v", a)
	default:
	}
}

// TestMonitorResumeAlerts: on a restart, a gap larger than MaxCatchup is a
// WATCH_GAP naming the blocks skipped, and a cursor block no longer
// canonical is a CHAIN_REORG; the Monitor goes on watching.
func TestMonitorResumeAlerts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		cursor     func(chain *fakeWatchChain) MonitorCursor
		maxCatchup uint64
		want       string
		message    string
	}{
		{name: "gap", maxCatchup: 3, want: CodeWatchGap, message: "blocks 3–7 were NOT checked",
			cursor: func(chain *fakeWatchChain) MonitorCursor {
				h, _ := chain.BlockHeader(context.Background(), 2)
				return MonitorCursor{Block: 2, Hash: h.Hash}
			}},
		{name: "reorg", maxCatchup: 100, want: CodeChainReorg, message: "block 5 (",
			cursor: func(*fakeWatchChain) MonitorCursor {
				return MonitorCursor{Block: 5, Hash: common.HexToHash("0xdead")}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := fakechain.New()
			g.AddSafe(watchSafeA, fakechain.Owners(3), 2, nil)
			chain := newFakeWatchChain(g)
			for range 10 {
				chain.mine(nil)
			}
			c := tc.cursor(chain)
			store := &memMonitorStore{watches: []common.Address{watchSafeA}, cursor: &c}
			_, alerts, _ := runMonitor(t, chain, store, tc.maxCatchup)
			a := nextAlert(t, alerts)
			if a.Code != tc.want || !strings.Contains(a.Message, tc.message) {
				t.Fatalf("alert %+v, want %s with %q", a, tc.want, tc.message)
			}
			waitCursor(t, store, 10)
			h := chain.mine(setThreshold(watchSafeA, 1))
			if a := nextAlert(t, alerts); a.Code != policy.CodeThresholdChange || a.Block != h.Number {
				t.Fatalf("alert after resuming %+v", a)
			}
		})
	}
}

// TestMonitorLeavesOutWhatIsNotASafe: a listed contract that is not a Safe
// is alerted once (SAFE_UNREADABLE) and left out; the Safes beside it are
// watched.
func TestMonitorLeavesOutWhatIsNotASafe(t *testing.T) {
	t.Parallel()
	g := fakechain.New()
	g.AddSafe(watchSafeA, fakechain.Owners(3), 2, nil)
	g.Accounts[watchSafeB] = &fakechain.Account{Code: []byte("some other contract")}
	chain := newFakeWatchChain(g)
	chain.mine(nil)
	store := &memMonitorStore{watches: []common.Address{watchSafeB, watchSafeA}}
	_, alerts, _ := runMonitor(t, chain, store, 100)
	a := nextAlert(t, alerts)
	if a.Code != CodeSafeUnreadable || a.Safe != watchSafeB.Hex() || !strings.Contains(a.Message, "left out until the watch list changes") {
		t.Fatalf("alert %+v", a)
	}
	waitCursor(t, store, 1)
	for range 3 {
		chain.mine(nil)
	}
	h := chain.mine(setThreshold(watchSafeA, 1))
	if a := nextAlert(t, alerts); a.Code != policy.CodeThresholdChange || a.Safe != watchSafeA.Hex() || a.Block != h.Number {
		t.Fatalf("alert %+v, want the Safe's threshold change (and no second SAFE_UNREADABLE)", a)
	}
}

// TestMonitorRetriesRecord: an alert the store refuses is not lost: the
// Watcher stops at that block and, started again, raises it again.
func TestMonitorRetriesRecord(t *testing.T) {
	t.Parallel()
	g := fakechain.New()
	g.AddSafe(watchSafeA, fakechain.Owners(3), 2, nil)
	chain := newFakeWatchChain(g)
	chain.mine(nil)
	store := &memMonitorStore{watches: []common.Address{watchSafeA}}
	var mu sync.Mutex
	failures := 1
	got := make(chan Alert, 10)
	mon := NewMonitor(MonitorConfig{Node: chain, Store: store, Options: Options{Read: onchain.ReadOptions{Registry: fakechain.Registry(t)}},
		Record: func(_ context.Context, a Alert) error {
			mu.Lock()
			defer mu.Unlock()
			if failures > 0 {
				failures--
				return bulwark.Errorf(bulwark.EUNAVAILABLE, "store is down")
			}
			got <- a
			return nil
		},
		Interval: time.Millisecond, ListPoll: 5 * time.Millisecond, MaxCatchup: 100})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); mon.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitCursor(t, store, 1)
	h := chain.mine(setThreshold(watchSafeA, 1))
	a := nextAlert(t, got)
	if a.Code != policy.CodeThresholdChange || a.Block != h.Number {
		t.Fatalf("alert %+v", a)
	}
	mu.Lock()
	defer mu.Unlock()
	if failures != 0 {
		t.Fatalf("the refused record was not tried (%d failures left)", failures)
	}
}
