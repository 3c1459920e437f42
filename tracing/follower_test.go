package tracing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/labels"
	"github.com/bulwark-sec/bulwark/tracing/thorchain"
)

const followChain = 31337

// scriptChain is a node whose blocks are scripted: block n holds the
// payments given for it on its branch. Reorg replaces the blocks from n
// up with another branch.
type scriptChain struct {
	mu       sync.Mutex
	payments map[uint64][][3]any // block -> {from, to, amount}
	branch   map[uint64]byte
	head     uint64
}

func newScriptChain() *scriptChain {
	return &scriptChain{payments: map[uint64][][3]any{}, branch: map[uint64]byte{}}
}

// mine appends a block with the given payments and returns its number.
func (c *scriptChain) mine(pays ...[3]any) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.head++
	c.payments[c.head] = pays
	return c.head
}

// reorg drops the blocks from n up and puts branch b's in their place.
func (c *scriptChain) reorg(n uint64, b byte, blocks ...[][3]any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := n; k <= c.head; k++ {
		delete(c.payments, k)
	}
	c.head = n - 1
	for _, pays := range blocks {
		c.head++
		c.payments[c.head], c.branch[c.head] = pays, b
	}
}

func (c *scriptChain) hash(n uint64) common.Hash {
	var h common.Hash
	h[0] = 0xc0
	// A block's hash depends on its branch and on every branch below.
	for k := uint64(1); k <= n; k++ {
		h[1] ^= c.branch[k] * byte(k)
		h[2] += c.branch[k]
	}
	for i := 0; i < 8; i++ {
		h[24+i] = byte(n >> (56 - 8*i))
	}
	return h
}

func (c *scriptChain) Head(context.Context) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.head, nil
}

func (c *scriptChain) header(n uint64) tracing.BlockHeader {
	return tracing.BlockHeader{Number: n, Hash: c.hash(n), Parent: c.hash(n - 1), Time: int64(1_700_000_000 + 12*n)}
}

func (c *scriptChain) Header(_ context.Context, n uint64) (tracing.BlockHeader, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.header(n), nil
}

func (c *scriptChain) Block(_ context.Context, n uint64) (tracing.NodeBlock, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := tracing.NodeBlock{Header: c.header(n)}
	for i, p := range c.payments[n] {
		t := tracing.Transfer{Chain: followChain, Block: n, TxIndex: uint32(i), TxHash: common.Hash{0x7a, c.branch[n], byte(n), byte(i)},
			Time: b.Header.Time, Kind: tracing.TopLevelCall, TraceAddress: []uint32{}, From: p[0].(common.Address), To: p[1].(common.Address),
			Asset: tracing.NativeAsset(followChain)}
		t.Amount.SetUint64(p[2].(uint64))
		b.Transfers = append(b.Transfers, t)
	}
	return b, nil
}

func pay(from, to common.Address, amount uint64) [3]any { return [3]any{from, to, amount} }

var (
	thief   = common.HexToAddress("0x00000000000000000000000000000000000bad01")
	hop1    = common.HexToAddress("0x0000000000000000000000000000000000000a01")
	hop2    = common.HexToAddress("0x0000000000000000000000000000000000000a02")
	deposit = common.HexToAddress("0x00000000000000000000000000000000000de901")
	clean   = common.HexToAddress("0x0000000000000000000000000000000000000c01")
)

type followerEnv struct {
	db    *sqlite.DB
	chain *scriptChain
	raise []tracing.StoredAlert
	mu    sync.Mutex
	fail  func(tracing.StoredAlert) error // called before each record
	// follow is the follow of the last follower made.
	follow tracing.Follow
	// req, when set, changes the followed request (bounds, labels).
	req func(*tracing.Request)
	// follows, when set, are the follows instead of the one follow.
	follows tracing.Follows
	// exits, when set, is the follower's exit finder.
	exits tracing.ExitFinder
	// watch, when set, is the follower's WatchExits.
	watch tracing.ExitWatcher
	// log, when set, is the follower's Logger.
	log *slog.Logger
}

// followsFunc is a Follows that asks a function.
type followsFunc func() []tracing.Follow

func (f followsFunc) Follows(context.Context) ([]tracing.Follow, error) { return f(), nil }

// hubLabels labels one address an exchange (a hub).
type hubLabels common.Address

func (h hubLabels) Labels(a common.Address) []tracing.Label {
	if a != common.Address(h) {
		return nil
	}
	return []tracing.Label{{Source: "user", Name: "Exchange hot wallet", Category: "exchange", Hub: true}}
}

func newFollowerEnv(t *testing.T) *followerEnv {
	t.Helper()
	e := &followerEnv{db: sqlitetest.Open(t, sqlite.Options{}), chain: newScriptChain()}
	if _, err := e.db.AddDeposit(context.Background(), tracing.Deposit{Address: deposit, Label: "hot 7"}, "test"); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *followerEnv) follower(policy tracing.Policy, from uint64, th map[string]*uint256.Int) *tracing.Follower {
	rec := &tracing.Recorder{Store: e.db, Log: &audit.Log{Store: e.db}, Actor: "system:follower"}
	e.follow = tracing.Follow{ID: "watch:test", Request: tracing.Request{Chain: followChain, SeedAddresses: []common.Address{thief},
		Policy: policy, Bounds: tracing.Bounds{FromBlock: from}, Thresholds: th}}
	if e.req != nil {
		e.req(&e.follow.Request)
	}
	var follows tracing.Follows = tracing.StaticFollows{e.follow}
	if e.follows != nil {
		follows = e.follows
	}
	return tracing.NewFollower(tracing.FollowerConfig{Chain: followChain, Source: e.chain, Store: e.db, Batch: 3,
		Follows: follows, Exits: e.exits, WatchExits: e.watch, Logger: e.log,
		Record: func(ctx context.Context, a tracing.StoredAlert) (int64, bool, error) {
			if e.fail != nil {
				if err := e.fail(a); err != nil {
					return 0, false, err
				}
			}
			return rec.Record(ctx, a)
		},
		Raised: func(a tracing.StoredAlert) { e.mu.Lock(); e.raise = append(e.raise, a); e.mu.Unlock() }})
}

func step(t *testing.T, f *tracing.Follower, to uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := f.RunTo(ctx, to); err != nil {
		t.Fatalf("RunTo(%d): %v", to, err)
	}
}

func (e *followerEnv) alerts(t *testing.T) []tracing.StoredAlert {
	t.Helper()
	got, err := e.db.TraceAlerts(context.Background(), tracing.AlertFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func (e *followerEnv) cursor(t *testing.T) uint64 {
	t.Helper()
	c, ok, err := e.db.FollowCursor(context.Background(), e.follow.CursorKey())
	if err != nil || !ok {
		t.Fatalf("FollowCursor = %v, %v", ok, err)
	}
	return c.Block
}

// The heist in miniature: the thief's 10 ETH through two hops into the
// deposit address, clean value mixed in on the way.
func (e *followerEnv) heist() (depositBlock uint64) {
	e.chain.mine(pay(clean, hop1, 5))           // 1: clean money first
	e.chain.mine(pay(thief, hop1, 10))          // 2: stolen
	e.chain.mine(pay(hop1, hop2, 12))           // 3
	e.chain.mine(pay(clean, clean, 1))          // 4: unrelated
	return e.chain.mine(pay(hop2, deposit, 12)) // 5: the deposit
}

func TestFollowerAlertsInTheDepositBlock(t *testing.T) {
	t.Parallel()
	e := newFollowerEnv(t)
	at := e.heist()
	f := e.follower(tracing.Haircut, 1, nil)
	step(t, f, at)
	got := e.alerts(t)
	if len(got) != 1 {
		t.Fatalf("alerts = %+v", got)
	}
	a := got[0]
	// Haircut: hop1 held 5 clean + 10 tainted, sent 12: floor(12×10/15) = 8.
	if a.Code != tracing.CodeDeposit || a.Block != at || a.Deposit != deposit || a.Label != "hot 7" || a.Taint != "8" || a.Amount != "12" ||
		a.From != hop2 || a.TxHash != (common.Hash{0x7a, 0, byte(at), 0}) || a.BlockHash != e.chain.hash(at) || a.Follow != "watch:test" ||
		a.Severity != tracing.SeverityCritical || !strings.Contains(a.Message, fmt.Sprintf("in block %d", at)) {
		t.Errorf("alert = %+v", a)
	}
	msgs, err := e.db.Undelivered(context.Background(), outbox.Filter{Kinds: []string{tracing.AlertKind}, Limit: 10})
	if err != nil || len(msgs) != 1 || msgs[0].Ref != a.ID {
		t.Errorf("outbox = %+v, %v", msgs, err)
	}
	entries, _ := e.db.AuditEntries(context.Background(), 0, 100)
	if len(entries) != 1 || entries[0].Action != "trace.alert" || entries[0].Target != "deposit:"+deposit.Hex() || !strings.Contains(string(entries[0].Details), `"taint":"8"`) {
		t.Errorf("audit = %+v", entries)
	}
	// Nothing more happens in blocks without deposits: asserted once the
	// cursor has passed them.
	next := e.chain.mine(pay(hop2, clean, 1))
	e.chain.mine(pay(clean, deposit, 3)) // clean value into the deposit: no alert
	step(t, f, next+1)
	if c := e.cursor(t); c != next+1 {
		t.Fatalf("cursor = %d, want %d", c, next+1)
	}
	if got := e.alerts(t); len(got) != 1 || len(e.raise) != 1 {
		t.Errorf("alerts after quiet blocks = %+v (raised %d)", got, len(e.raise))
	}
}

func TestFollowerThresholds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		follow    map[string]*uint256.Int
		own       map[string]*uint256.Int
		wantAlert bool
	}{
		{"no threshold: any taint", nil, nil, true},
		{"trace threshold met", map[string]*uint256.Int{"native:31337": uint256.NewInt(8)}, nil, true},
		{"trace threshold missed", map[string]*uint256.Int{"native:31337": uint256.NewInt(9)}, nil, false},
		{"trace any-asset threshold missed", map[string]*uint256.Int{"": uint256.NewInt(9)}, nil, false},
		{"deposit's own wins", map[string]*uint256.Int{"native:31337": uint256.NewInt(9)}, map[string]*uint256.Int{"*": uint256.NewInt(2)}, true},
		{"deposit's own missed", nil, map[string]*uint256.Int{"native:31337": uint256.NewInt(100)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newFollowerEnv(t)
			if tc.own != nil {
				ctx := context.Background()
				if _, err := e.db.RemoveDeposit(ctx, deposit); err != nil {
					t.Fatal(err)
				}
				if _, err := e.db.AddDeposit(ctx, tracing.Deposit{Address: deposit, Thresholds: tc.own}, "test"); err != nil {
					t.Fatal(err)
				}
			}
			at := e.heist()
			step(t, e.follower(tracing.Haircut, 1, tc.follow), at)
			if got := e.alerts(t); (len(got) == 1) != tc.wantAlert {
				t.Errorf("alerts = %+v, want alert %v", got, tc.wantAlert)
			}
		})
	}
}

// randomChain mines n blocks of random payments among a few addresses,
// the thief and the deposit among them.
func randomChain(c *scriptChain, r *rand.Rand, n int) {
	addrs := []common.Address{thief, hop1, hop2, deposit, clean}
	for range n {
		var pays [][3]any
		for range r.IntN(4) {
			pays = append(pays, pay(addrs[r.IntN(len(addrs))], addrs[r.IntN(len(addrs))], uint64(r.IntN(20)+1)))
		}
		c.mine(pays...)
	}
}

// TestFollowerIncrementalMatchesScratch: a follower stepping block by
// block, one restarted halfway and one run over the whole range at once
// reach byte for byte the graph and alerts Trace gives for the whole
// range, under every policy, with a hub, a hop bound and a minimum value
// in play; their engines hold a consistent taint ledger.
func TestFollowerIncrementalMatchesScratch(t *testing.T) {
	t.Parallel()
	for _, p := range tracing.Policies() {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(7, uint64(p)))
			rules := func(req *tracing.Request) {
				req.Labeler = hubLabels(clean)
				req.Bounds.MaxHops = 3
				req.MinValue = uint256.NewInt(2)
			}
			inc, scratch := newFollowerEnv(t), newFollowerEnv(t)
			inc.req, scratch.req = rules, rules
			randomChain(scratch.chain, r, 40)
			// The same chain, mined block by block for the incremental run.
			f := inc.follower(p, 1, nil)
			for n := uint64(1); n <= 40; n++ {
				scratch.chain.mu.Lock()
				pays := scratch.chain.payments[n]
				scratch.chain.mu.Unlock()
				inc.chain.mine(pays...)
				if n == 20 {
					f = inc.follower(p, 1, nil) // a restart: rebuilt from the store and the cursor
				}
				step(t, f, n)
			}
			g := scratch.follower(p, 1, nil)
			step(t, g, 40)
			// The reference: Trace over every transfer, with the registry's
			// deposits.
			ctx := context.Background()
			ts, err := scratch.db.Transfers(ctx, tracing.TransferQuery{Chain: followChain, Source: "node", FromBlock: 1})
			if err != nil {
				t.Fatal(err)
			}
			regs, err := scratch.db.Deposits(ctx)
			if err != nil {
				t.Fatal(err)
			}
			req := scratch.follow.Request
			for _, d := range regs {
				req.Deposits = append(req.Deposits, d.Deposit)
			}
			want, err := tracing.Trace(ctx, ts, req)
			if err != nil {
				t.Fatal(err)
			}
			wantJSON, _ := json.Marshal(want)
			for name, fol := range map[string]*tracing.Follower{"incremental": f, "scratch": g} {
				got := fol.Engine("watch:test")
				if got == nil {
					t.Fatal("no engine")
				}
				if err := got.Check(); err != nil {
					t.Fatal(err)
				}
				gotJSON, _ := json.Marshal(fol.Graph("watch:test"))
				if !bytes.Equal(gotJSON, wantJSON) {
					t.Errorf("%s: the follower's graph\n%s\nTrace's\n%s", name, gotJSON, wantJSON)
				}
			}
			for _, env := range []*followerEnv{inc, scratch} {
				got := env.alerts(t)
				if len(got) != len(want.Alerts) {
					t.Fatalf("alerts %d, Trace's %d", len(got), len(want.Alerts))
				}
				for i := range got {
					w := want.Alerts[i]
					if got[i].Block != w.Block || got[i].Taint != w.Taint || got[i].TxHash != w.TxHash || got[i].Amount != w.Amount || got[i].Deposit != w.Deposit {
						t.Errorf("alert %d: %+v, Trace's %+v", i, got[i].Alert, w)
					}
				}
			}
		})
	}
}

// TestFollowerHubStops: taint that reaches a labelled hub (an exchange's
// hot wallet) stops there: a deposit the hub funds afterwards raises no
// alert, as Trace reports none; without the label it would.
func TestFollowerHubStops(t *testing.T) {
	t.Parallel()
	for _, p := range tracing.Policies() {
		for _, labelled := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/hub=%v", p, labelled), func(t *testing.T) {
				t.Parallel()
				e := newFollowerEnv(t)
				if labelled {
					e.req = func(r *tracing.Request) { r.Labeler = hubLabels(hop1) }
				}
				e.chain.mine(pay(thief, hop1, 10))  // 1: into the exchange
				e.chain.mine(pay(clean, hop1, 10))  // 2
				e.chain.mine(pay(hop1, deposit, 9)) // 3: a withdrawal into a deposit address
				step(t, e.follower(p, 1, nil), 3)
				got := e.alerts(t)
				ctx := context.Background()
				ts, err := e.db.Transfers(ctx, tracing.TransferQuery{Chain: followChain, Source: "node", FromBlock: 1})
				if err != nil {
					t.Fatal(err)
				}
				req := e.follow.Request
				req.Deposits = []tracing.Deposit{{Address: deposit, Label: "hot 7"}}
				g, err := tracing.Trace(ctx, ts, req)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(g.Alerts) {
					t.Fatalf("follower alerts %+v, Trace's %+v", got, g.Alerts)
				}
				if labelled && len(got) != 0 {
					t.Errorf("an alert on a deposit funded from the hub: %+v", got)
				}
				// Without the label the withdrawal is tainted under the
				// policies that do not send the clean 10 first: poison,
				// haircut and dirty-first.
				if tainted := p == tracing.Poison || p == tracing.Haircut || p == tracing.DirtyFirst; !labelled && tainted && len(got) != 1 {
					t.Errorf("no alert without the hub label: %+v", got)
				}
			})
		}
	}
}

// TestFollowerResumesWithoutDuplicates: a follower that stored an alert
// and stopped before saving its cursor (the store failed next) raises it
// once when it starts again.
func TestFollowerResumesWithoutDuplicates(t *testing.T) {
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
	ctx := context.Background()
	if err := e.follower(tracing.Poison, 1, nil).RunTo(ctx, 2); !errors.Is(err, boom) {
		t.Fatalf("first run = %v, want the store failure", err)
	}
	if got := e.alerts(t); len(got) != 1 {
		t.Fatalf("after the failure: %+v", got)
	}
	e.fail = nil
	step(t, e.follower(tracing.Poison, 1, nil), 2)
	got := e.alerts(t)
	if len(got) != 2 || got[0].Amount != "4" || got[1].Amount != "3" || e.cursor(t) != 2 {
		t.Fatalf("after the restart: %+v", got)
	}
	entries, _ := e.db.AuditEntries(ctx, 0, 100)
	if len(entries) != 2 {
		t.Errorf("audit entries = %d, want one per alert", len(entries))
	}
	// Started again over the same blocks: nothing new.
	step(t, e.follower(tracing.Poison, 1, nil), 2)
	if got := e.alerts(t); len(got) != 2 {
		t.Errorf("a third start raised again: %+v", got)
	}
}

// TestFollowerReorg: an alert whose block a reorg drops is retracted; the
// deposit, landing again in a later block of the new chain, raises a new
// alert naming that block; one that does not land again only retracts.
func TestFollowerReorg(t *testing.T) {
	t.Parallel()
	for _, again := range []bool{true, false} {
		t.Run(fmt.Sprint("deposit again ", again), func(t *testing.T) {
			t.Parallel()
			e := newFollowerEnv(t)
			e.chain.mine(pay(thief, hop1, 10))         // 1
			e.chain.mine(pay(clean, clean, 1))         // 2
			at := e.chain.mine(pay(hop1, deposit, 10)) // 3
			e.chain.mine(pay(clean, clean, 2))         // 4
			f := e.follower(tracing.Poison, 1, nil)
			step(t, f, 4)
			first := e.alerts(t)
			if len(first) != 1 || first[0].Block != at {
				t.Fatalf("before the reorg: %+v", first)
			}
			blocks := [][][3]any{{pay(clean, clean, 3)}, {pay(clean, clean, 4)}, {pay(clean, clean, 5)}}
			if again {
				blocks[1] = [][3]any{pay(hop1, deposit, 10)}
			}
			e.chain.reorg(3, 1, blocks...)
			step(t, f, 5)
			got := e.alerts(t)
			want := 2
			if again {
				want = 3
			}
			if len(got) != want {
				t.Fatalf("after the reorg: %+v", got)
			}
			r := got[1]
			if r.Code != tracing.CodeRetracted || r.Retracts != first[0].ID || got[0].RetractedBy != r.ID || r.Block != at {
				t.Errorf("retraction = %+v; retracted = %+v", r, got[0])
			}
			if again && (got[2].Code != tracing.CodeDeposit || got[2].Block != 4 || got[2].BlockHash != e.chain.hash(4)) {
				t.Errorf("new alert = %+v", got[2])
			}
			if e.cursor(t) != 5 {
				t.Errorf("cursor = %d", e.cursor(t))
			}
		})
	}
}

// mutableFollows is a follow list a test changes between steps.
type mutableFollows struct {
	mu sync.Mutex
	fs []tracing.Follow
}

func (m *mutableFollows) Follows(context.Context) ([]tracing.Follow, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]tracing.Follow(nil), m.fs...), nil
}

// TestFollowerFollowChanged: a follow whose seeds change is computed
// afresh from its first block, so a deposit the new seed's value made
// before the change is alerted, in its block; a follow removed is
// dropped.
func TestFollowerFollowChanged(t *testing.T) {
	t.Parallel()
	e := newFollowerEnv(t)
	e.chain.mine(pay(thief, hop1, 10))         // 1
	at := e.chain.mine(pay(clean, deposit, 5)) // 2: clean under the first seeds
	list := &mutableFollows{fs: []tracing.Follow{{ID: "case:1", Request: tracing.Request{Chain: followChain, SeedAddresses: []common.Address{thief},
		Policy: tracing.Poison, Bounds: tracing.Bounds{FromBlock: 1}}}}}
	rec := &tracing.Recorder{Store: e.db, Log: &audit.Log{Store: e.db}, Actor: "system:follower"}
	f := tracing.NewFollower(tracing.FollowerConfig{Chain: followChain, Source: e.chain, Store: e.db, Follows: list, Record: rec.Record})
	step(t, f, 2)
	if got := e.alerts(t); len(got) != 0 {
		t.Fatalf("alerts before the change: %+v", got)
	}
	list.mu.Lock()
	list.fs[0].Request.SeedAddresses = []common.Address{clean}
	list.mu.Unlock()
	e.chain.mine() // 3
	step(t, f, 3)
	got := e.alerts(t)
	if len(got) != 1 || got[0].Block != at || got[0].Follow != "case:1" {
		t.Fatalf("alerts after the change: %+v", got)
	}
	list.mu.Lock()
	list.fs = nil
	list.mu.Unlock()
	if _, err := f.Step(context.Background(), 0); err != nil || f.Engine("case:1") != nil {
		t.Errorf("a removed follow is still followed: %v", err)
	}
}

// TestFollowerRunCatchesUpInChunks: Run, ingesting at most Chunk blocks
// per step, catches up over a long gap and alerts in the deposit's
// block; it stops when its context ends.
func TestFollowerRunCatchesUpInChunks(t *testing.T) {
	t.Parallel()
	e := newFollowerEnv(t)
	at := e.heist()
	for range 7 {
		e.chain.mine(pay(clean, clean, 1))
	}
	head, _ := e.chain.Head(context.Background())
	rec := &tracing.Recorder{Store: e.db, Log: &audit.Log{Store: e.db}, Actor: "system:follower"}
	e.follow = tracing.Follow{ID: "case:7", Request: tracing.Request{Chain: followChain, SeedAddresses: []common.Address{thief}, Policy: tracing.Poison,
		Bounds: tracing.Bounds{FromBlock: 1}}}
	reached := make(chan struct{})
	f := tracing.NewFollower(tracing.FollowerConfig{Chain: followChain, Source: e.chain, Store: e.db, Chunk: 2, Interval: time.Hour,
		Follows: tracing.StaticFollows{e.follow}, Record: rec.Record})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Run(ctx)
	}()
	// The interval is an hour: only steps taken at once while behind can
	// reach the head.
	go func() {
		for ctx.Err() == nil {
			if c, ok, _ := e.db.FollowCursor(context.Background(), e.follow.CursorKey()); ok && c.Block == head {
				close(reached)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	select {
	case <-reached:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not reach the head")
	}
	cancel()
	<-done
	if got := e.alerts(t); len(got) != 1 || got[0].Block != at {
		t.Errorf("alerts = %+v", got)
	}
}

// TestCaseFollows: the open forward cases of the chain over the node's
// transfers are followed, oldest first, with their seeds, policy, first
// block, thresholds and labels (the case's own, then the Labeler's); closed, backward, other-chain and other-source
// cases are not.
func TestCaseFollows(t *testing.T) {
	t.Parallel()
	db := sqlitetest.Open(t, sqlite.Options{})
	ctx := context.Background()
	open := func(spec tracing.CaseSpec) int64 {
		t.Helper()
		c, err := tracing.NewCase(spec)
		if err != nil {
			t.Fatal(err)
		}
		c.CreatedBy = "test"
		got, err := db.CreateCase(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		return got.ID
	}
	seed := []string{thief.Hex()}
	a := open(tracing.CaseSpec{Chain: followChain, Seeds: seed, Policy: "fifo", Bounds: tracing.Bounds{FromBlock: 7}, Thresholds: map[string]string{"*": "5"}})
	open(tracing.CaseSpec{Chain: followChain, Seeds: seed, Direction: "backward"})
	open(tracing.CaseSpec{Chain: 1, Seeds: seed})
	open(tracing.CaseSpec{Chain: followChain, Seeds: seed, Source: "trace:3"})
	closed := open(tracing.CaseSpec{Chain: followChain, Seeds: seed})
	if _, _, err := db.UpdateCase(ctx, closed, tracing.CaseUpdate{Status: ptr(tracing.CaseClosed)}, "test"); err != nil {
		t.Fatal(err)
	}
	b := open(tracing.CaseSpec{Chain: followChain, Seeds: seed})
	fs, err := tracing.CaseFollows{Cases: db, Chain: followChain, Labeler: hubLabels(hop1)}.Follows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 || fs[0].ID != fmt.Sprintf("case:%d", a) || fs[1].ID != fmt.Sprintf("case:%d", b) {
		t.Fatalf("follows = %+v", fs)
	}
	r := fs[0].Request
	if r.Policy != tracing.FIFO || r.Bounds.FromBlock != 7 || len(r.SeedAddresses) != 1 || r.SeedAddresses[0] != thief ||
		r.Thresholds[""] == nil || r.Thresholds[""].Uint64() != 5 || r.Labeler == nil || len(r.Labeler.Labels(hop1)) != 1 {
		t.Errorf("request = %+v", r)
	}
}

func ptr[T any](v T) *T { return &v }

// TestFollowerLabelAddedLater: a label given after the follow started (a
// case labelled meanwhile: the follows name a new labeler) applies to the
// addresses reached from the next step on: the taint stops at the newly
// labelled hub.
func TestFollowerLabelAddedLater(t *testing.T) {
	t.Parallel()
	e := newFollowerEnv(t)
	var labeler tracing.Labeler
	e.follower(tracing.Poison, 1, nil) // sets e.follow
	base := e.follow
	e.follows = followsFunc(func() []tracing.Follow {
		fl := base
		fl.Request.Labeler = labeler
		return []tracing.Follow{fl}
	})
	f := e.follower(tracing.Poison, 1, nil)
	e.chain.mine(pay(thief, hop1, 10)) // 1
	step(t, f, 1)
	labeler = hubLabels(hop2)
	e.chain.mine(pay(hop1, hop2, 10))   // 2: into the hub, labelled now
	e.chain.mine(pay(hop2, deposit, 9)) // 3
	step(t, f, 3)
	if got := e.alerts(t); len(got) != 0 {
		t.Errorf("alerts past the hub: %+v", got)
	}
	if n := nodeOf(f.Graph("watch:test"), hop2); n == nil || n.Stop != tracing.StopHub {
		t.Errorf("hop2: %+v", n)
	}
}

func nodeOf(g *tracing.Graph, a common.Address) *tracing.Node {
	for i := range g.Nodes {
		if g.Nodes[i].Address == a {
			return &g.Nodes[i]
		}
	}
	return nil
}

// routerDeposit is the input of a THORChain router call
// deposit(router, ETH, 10, "=:b:dest"): a swap to dest on Bitcoin.
func routerDeposit(t *testing.T, router common.Address, dest string) []byte {
	t.Helper()
	call, err := abi.JSON(strings.NewReader(`[{"type":"function","name":"deposit","inputs":[{"name":"vault","type":"address"},{"name":"asset","type":"address"},{"name":"amount","type":"uint256"},{"name":"memo","type":"string"}]}]`))
	if err != nil {
		t.Fatal(err)
	}
	input, err := call.Pack("deposit", router, common.Address{}, big.NewInt(10), "=:b:"+dest)
	if err != nil {
		t.Fatal(err)
	}
	return input
}

// routerFinder finds the exits into router, a THORChain router, with the
// transactions' inputs.
func routerFinder(router common.Address, inputs thorchain.Inputs) *thorchain.Finder {
	return &thorchain.Finder{Constants: thorchain.Constants{Routers: map[common.Address]string{router: "THORChain router"}}, Inputs: inputs}
}

// screening opens a screening service over e's store, closed at the end
// of the test.
func (e *followerEnv) screening(t *testing.T) *screening.Service {
	t.Helper()
	ctx := context.Background()
	svc, err := screening.OpenService(ctx, screening.ServiceConfig{Store: e.db, Audit: &audit.Log{Store: e.db}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(ctx) })
	return svc
}

// TestFollowerExits: the follower detects cross-chain exits through its
// ExitFinder, as one-shot traces and case runs do: the stolen value paid
// into a THORChain router is an exit, with the memo read for its
// transaction, and is not followed on, so the router's later payment
// into a deposit address raises no alert; without the finder it does.
func TestFollowerExits(t *testing.T) {
	t.Parallel()
	const dest = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
	router := common.HexToAddress("0x0000000000000000000000000000000000007070")
	input := routerDeposit(t, router, dest)
	for _, withExits := range []bool{true, false} {
		t.Run(fmt.Sprintf("exits=%v", withExits), func(t *testing.T) {
			t.Parallel()
			e := newFollowerEnv(t)
			e.chain.mine(pay(thief, hop1, 10))        // 1
			at := e.chain.mine(pay(hop1, router, 10)) // 2: into THORChain
			last := e.chain.mine(pay(router, deposit, 10))
			if withExits {
				e.exits = routerFinder(router, thorchain.Inputs{{0x7a, 0, byte(at), 0}: input})
			}
			f := e.follower(tracing.Haircut, 1, nil)
			step(t, f, last)
			if c := e.cursor(t); c != last {
				t.Fatalf("cursor = %d, want %d", c, last)
			}
			got := e.alerts(t)
			g := f.Graph(e.follow.ID)
			if !withExits {
				if len(got) != 1 || len(g.Exits) != 0 {
					t.Fatalf("without exits: alerts %+v, exits %+v; want the deposit alerted", got, g.Exits)
				}
				return
			}
			if len(got) != 0 {
				t.Errorf("alerts %+v: the value was followed past the router", got)
			}
			if len(g.Exits) != 1 || g.Exits[0].Via != router || g.Exits[0].DestAddress != dest || g.Exits[0].Block != at || g.Exits[0].Taint != "10" {
				t.Fatalf("exits %+v, want the deposit into the router with its destination", g.Exits)
			}
			if n := nodeOf(g, router); n == nil || n.Stop != tracing.StopExit {
				t.Errorf("router node %+v, want stop exit", n)
			}
		})
	}
}

// TestFollowerWatchesCaseExits: the follow of a case that meets a
// THORChain deposit whose memo names a destination puts the destination
// on the case's screening list (labels.CaseExits, as case runs do), so
// screening it afterwards hits case-7-exits; later blocks without exits
// import nothing more, and a watch follow (no case) leaves the lists alone.
func TestFollowerWatchesCaseExits(t *testing.T) {
	t.Parallel()
	const dest = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
	router := common.HexToAddress("0x0000000000000000000000000000000000007070")
	input := routerDeposit(t, router, dest)
	for _, follow := range []string{"case:7", "watch:test"} {
		t.Run(follow, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newFollowerEnv(t)
			svc := e.screening(t)
			screen := func() *screening.AddressDecision {
				t.Helper()
				d, err := svc.ScreenAddresses(ctx, "test", screening.UseDeposit, "", []screening.AddressQuery{{Address: dest, Chain: "BTC"}})
				if err != nil {
					t.Fatal(err)
				}
				return d
			}
			if d := screen(); len(d.Results[0].Matches) != 0 {
				t.Fatalf("before the follow: matches %+v", d.Results[0].Matches)
			}
			var calls []string
			watch := labels.CaseExits(svc)
			e.watch = func(ctx context.Context, actor string, id int64, exits []tracing.Exit) error {
				calls = append(calls, fmt.Sprintf("%s %d %d", actor, id, len(exits)))
				return watch(ctx, actor, id, exits)
			}
			e.chain.mine(pay(thief, hop1, 10))        // 1
			at := e.chain.mine(pay(hop1, router, 10)) // 2: into THORChain
			last := e.chain.mine(pay(router, deposit, 10))
			e.exits = routerFinder(router, thorchain.Inputs{{0x7a, 0, byte(at), 0}: input})
			e.follows = tracing.StaticFollows{{ID: follow, Request: tracing.Request{Chain: followChain, SeedAddresses: []common.Address{thief},
				Policy: tracing.Haircut, Bounds: tracing.Bounds{FromBlock: 1}}}}
			f := e.follower(tracing.Haircut, 1, nil)
			step(t, f, last)
			if g := f.Graph(follow); len(g.Exits) != 1 || g.Exits[0].DestAddress != dest {
				t.Fatalf("exits %+v, want the deposit into the router", g.Exits)
			}
			d := screen()
			if follow != "case:7" {
				if len(calls) != 0 || len(d.Results[0].Matches) != 0 {
					t.Errorf("a watch follow: WatchExits calls %q, matches %+v; want none", calls, d.Results[0].Matches)
				}
				return
			}
			if len(calls) != 1 || calls[0] != "system:follower 7 1" {
				t.Errorf("WatchExits calls %q, want one for case 7 as system:follower", calls)
			}
			if d.Verdict != bulwark.VerdictBlock || len(d.Results[0].Matches) != 1 || d.Results[0].Matches[0].List != "case-7-exits" {
				t.Fatalf("screening the destination: verdict %s, matches %+v; want a hit on case-7-exits", d.Verdict, d.Results[0].Matches)
			}
			// Later blocks without exits put nothing more on the list.
			more := e.chain.mine(pay(clean, clean, 1))
			step(t, f, more)
			if len(calls) != 1 {
				t.Errorf("WatchExits calls %q after a block without exits, want still one", calls)
			}
		})
	}
}

// TestFollowerWatchExitsRetried: when the case's list cannot be imported
// the follow goes on (its cursor passes the exit) and the import is
// retried at the next step; exits the process could not list before it
// stopped are listed by the next one, which replays them.
func TestFollowerWatchExitsRetried(t *testing.T) {
	t.Parallel()
	const dest = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
	router := common.HexToAddress("0x0000000000000000000000000000000000007070")
	input := routerDeposit(t, router, dest)
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("restart=%v", restart), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newFollowerEnv(t)
			svc := e.screening(t)
			listed := func() bool {
				t.Helper()
				d, err := svc.ScreenAddresses(ctx, "test", screening.UseDeposit, "", []screening.AddressQuery{{Address: dest, Chain: "BTC"}})
				if err != nil {
					t.Fatal(err)
				}
				return len(d.Results[0].Matches) == 1 && d.Results[0].Matches[0].List == "case-7-exits"
			}
			failing := true
			watch := labels.CaseExits(svc)
			e.watch = func(ctx context.Context, actor string, id int64, exits []tracing.Exit) error {
				if failing {
					return bulwark.Errorf(bulwark.EUNAVAILABLE, "the store is down")
				}
				return watch(ctx, actor, id, exits)
			}
			e.chain.mine(pay(thief, hop1, 10))        // 1
			at := e.chain.mine(pay(hop1, router, 10)) // 2: into THORChain
			last := e.chain.mine(pay(router, deposit, 10))
			e.exits = routerFinder(router, thorchain.Inputs{{0x7a, 0, byte(at), 0}: input})
			e.follows = tracing.StaticFollows{{ID: "case:7", Request: tracing.Request{Chain: followChain, SeedAddresses: []common.Address{thief},
				Policy: tracing.Haircut, Bounds: tracing.Bounds{FromBlock: 1}}}}
			f := e.follower(tracing.Haircut, 1, nil)
			e.follow = e.follows.(tracing.StaticFollows)[0]
			step(t, f, last)
			if c := e.cursor(t); c != last || listed() {
				t.Fatalf("with the import failing: cursor %d (want %d), listed %v (want not)", c, last, listed())
			}
			failing = false
			if restart {
				f = e.follower(tracing.Haircut, 1, nil)
				step(t, f, last)
			} else {
				more := e.chain.mine(pay(clean, clean, 1))
				step(t, f, more)
			}
			if !listed() {
				t.Errorf("the destination is not on case-7-exits after the import works again")
			}
		})
	}
}

// countingFinder counts the ranges it is asked for.
type countingFinder struct {
	tracing.ExitFinder
	mu    sync.Mutex
	calls int
}

func (c *countingFinder) ExitsFor(ctx context.Context, ts []tracing.Transfer) (tracing.ExitDetector, error) {
	c.mu.Lock()
	c.calls++
	c.mu.Unlock()
	return c.ExitFinder.ExitsFor(ctx, ts)
}

// TestFollowerExitsReadOncePerRange: follows that apply the same blocks in
// a step share one read of their exits' inputs.
func TestFollowerExitsReadOncePerRange(t *testing.T) {
	t.Parallel()
	e := newFollowerEnv(t)
	e.chain.mine(pay(thief, hop1, 10))
	last := e.chain.mine(pay(hop1, hop2, 10))
	finder := &countingFinder{ExitFinder: &thorchain.Finder{Constants: thorchain.DefaultConstants()}}
	e.exits = finder
	req := tracing.Request{Chain: followChain, SeedAddresses: []common.Address{thief}, Policy: tracing.Haircut, Bounds: tracing.Bounds{FromBlock: 1}}
	other := req
	other.Policy = tracing.FIFO
	e.follows = tracing.StaticFollows{{ID: "case:1", Request: req}, {ID: "case:2", Request: other}}
	step(t, e.follower(tracing.Haircut, 1, nil), last)
	if finder.calls != 1 {
		t.Errorf("%d reads of the exits for two follows of the same blocks, want 1", finder.calls)
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestFollowerWatchExitsWarnsOnce: an exit destination the case's list
// import always fails over is logged as a warning once, naming it, not at
// every step that retries it; a new destination failing too is warned
// about once, naming it alone.
func TestFollowerWatchExitsWarnsOnce(t *testing.T) {
	t.Parallel()
	const bad, bad2 = "bc1-not-an-address", "bc1-not-one-either"
	router := common.HexToAddress("0x0000000000000000000000000000000000007070")
	memo := func(dest string) []byte { return routerDeposit(t, router, dest) }
	e := newFollowerEnv(t)
	var logs lockedBuffer
	e.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	calls := 0
	e.watch = func(ctx context.Context, actor string, id int64, exits []tracing.Exit) error {
		calls++
		for _, x := range exits {
			if strings.HasPrefix(x.DestAddress, "bc1-not") {
				return bulwark.Invalid("address", "%q is not a BTC address", x.DestAddress)
			}
		}
		return nil
	}
	e.chain.mine(pay(thief, hop1, 10))       // 1
	at := e.chain.mine(pay(hop1, router, 5)) // 2: into THORChain
	last := e.chain.mine(pay(router, deposit, 10))
	inputs := thorchain.Inputs{{0x7a, 0, byte(at), 0}: memo(bad)}
	e.exits = routerFinder(router, inputs)
	e.follows = tracing.StaticFollows{{ID: "case:7", Request: tracing.Request{Chain: followChain, SeedAddresses: []common.Address{thief},
		Policy: tracing.Haircut, Bounds: tracing.Bounds{FromBlock: 1}}}}
	f := e.follower(tracing.Haircut, 1, nil)
	warnings := func() []string {
		var out []string
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, "level=WARN") && strings.Contains(line, "could not be put on the case's screening list") {
				out = append(out, line)
			}
		}
		return out
	}
	step(t, f, last)
	for range 3 {
		step(t, f, e.chain.mine(pay(clean, clean, 1)))
	}
	if w := warnings(); len(w) != 1 || !strings.Contains(w[0], `newDestinations="[BTC `+bad+`]"`) || calls != 4 {
		t.Fatalf("after 4 steps failing over %s: %d calls, warnings:\n%s\nwant 4 calls and one warning naming it", bad, calls, strings.Join(w, "\n"))
	}
	if !strings.Contains(logs.String(), "level=DEBUG") {
		t.Errorf("the retries are not logged at debug level:\n%s", logs.String())
	}
	// Another destination failing: warned about once, alone.
	at2 := e.chain.mine(pay(hop1, router, 5))
	inputs[common.Hash{0x7a, 0, byte(at2), 0}] = memo(bad2)
	step(t, f, at2)
	step(t, f, e.chain.mine(pay(clean, clean, 1)))
	w := warnings()
	if len(w) != 2 || !strings.Contains(w[1], `newDestinations="[BTC `+bad2+`]"`) || calls != 6 {
		t.Fatalf("after 2 more steps, the second failing over %s too: %d calls, warnings:\n%s\nwant 6 calls and a second warning naming it alone", bad2, calls, strings.Join(w, "\n"))
	}
}
