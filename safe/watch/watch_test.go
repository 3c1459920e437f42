package watch

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/internal/fakechain"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// fakeWatchChain is a Reader over blocks, each with its own
// fakeStateChain, on a canonical chain that can be reorganised.
type fakeWatchChain struct {
	mu     sync.Mutex
	canon  []common.Hash // canon[n] is block n's hash
	blocks map[common.Hash]*fakeBlock
	seed   int
	down   bool // every call fails as a node that cannot be reached
	// mining is the state of the block the node is mining (see
	// startMining), committed as the next canonical block once
	// commitAfter more BlockNumber calls have answered the old head.
	mining      *fakechain.Chain
	commitAfter int
	// latestBatches counts the batches read at the latest block.
	latestBatches int
}

type fakeBlock struct {
	hdr BlockHeader
	st  *fakechain.Chain
}

var errFakeDown = bulwark.Errorf(bulwark.EUNAVAILABLE, "node at fake is unreachable")

func newFakeWatchChain(genesis *fakechain.Chain) *fakeWatchChain {
	f := &fakeWatchChain{blocks: map[common.Hash]*fakeBlock{}}
	f.push(genesis)
	return f
}

// push appends a block holding st to the canonical chain.
func (f *fakeWatchChain) push(st *fakechain.Chain) BlockHeader {
	f.seed++
	h := BlockHeader{Number: uint64(len(f.canon)), Hash: crypto.Keccak256Hash(fmt.Appendf(nil, "block %d", f.seed))}
	if len(f.canon) > 0 {
		h.ParentHash = f.canon[len(f.canon)-1]
	}
	f.canon = append(f.canon, h.Hash)
	f.blocks[h.Hash] = &fakeBlock{hdr: h, st: st}
	return h
}

// mine appends a block whose state is the tip's after change.
func (f *fakeWatchChain) mine(change func(s *fakechain.Chain)) BlockHeader {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := cloneFake(f.blocks[f.canon[len(f.canon)-1]].st)
	if change != nil {
		change(st)
	}
	return f.push(st)
}

// drop removes the last n canonical blocks (they stay readable by hash,
// as a node keeps an orphaned block for a while).
func (f *fakeWatchChain) drop(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.canon = f.canon[:len(f.canon)-n]
}

// startMining makes the node mine a block holding the tip's state after
// change and, as Anvil does while it mines, answer the reads of its head
// block, by hash or at latest, with the new block's state until it commits
// it: on the BlockNumber call after commitAfter more calls (which still
// answer the old head). The new block's state holds its parent's hash in
// the EIP-2935 history contract, as a Prague node's does.
func (f *fakeWatchChain) startMining(change func(s *fakechain.Chain), commitAfter int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tip := f.blocks[f.canon[len(f.canon)-1]]
	st := cloneFake(tip.st)
	change(st)
	if st.Accounts[historyStorage] == nil {
		st.Accounts[historyStorage] = &fakechain.Account{Code: []byte("history")}
	}
	st.Set(historyStorage, common.BigToHash(new(big.Int).SetUint64(tip.hdr.Number%historyServeWindow)), tip.hdr.Hash)
	f.mining, f.commitAfter = st, commitAfter
}

func (f *fakeWatchChain) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

func cloneFake(s *fakechain.Chain) *fakechain.Chain {
	c := fakechain.New()
	c.ID = s.ID
	for a, acct := range s.Accounts {
		cp := *acct
		cp.Storage = maps.Clone(acct.Storage)
		if acct.Balance != nil {
			cp.Balance = new(big.Int).Set(acct.Balance)
		}
		c.Accounts[a] = &cp
	}
	return c
}

func (f *fakeWatchChain) ChainID(context.Context) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return 0, errFakeDown
	}
	return 10, nil
}

func (f *fakeWatchChain) BlockNumber(context.Context) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return 0, errFakeDown
	}
	if f.mining != nil {
		if f.commitAfter == 0 {
			f.push(f.mining)
			f.mining = nil
		} else {
			f.commitAfter--
		}
	}
	return uint64(len(f.canon) - 1), nil
}

func (f *fakeWatchChain) BlockHeader(_ context.Context, n uint64) (BlockHeader, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return BlockHeader{}, errFakeDown
	}
	if n >= uint64(len(f.canon)) {
		return BlockHeader{}, bulwark.Errorf(bulwark.ENOTFOUND, "block %d not found", n)
	}
	return f.blocks[f.canon[n]].hdr, nil
}

func (f *fakeWatchChain) BatchRead(ctx context.Context, block onchain.BlockID, reads []onchain.Read) error {
	f.mu.Lock()
	down := f.down
	h, byHash := block.Hash()
	b := f.blocks[h]
	tip := f.blocks[f.canon[len(f.canon)-1]]
	mining := f.mining
	if block.IsLatest() {
		f.latestBatches++
	}
	f.mu.Unlock()
	if down {
		return errFakeDown
	}
	switch {
	case mining != nil && (block.IsLatest() || b == tip):
		return mining.BatchRead(ctx, block, reads)
	case block.IsLatest():
		return cloneFake(tip.st).BatchRead(ctx, block, reads) // not counted as a read of the tip's block
	}
	if !byHash || b == nil {
		return bulwark.Errorf(bulwark.EINTERNAL, "fake: read at %s, want a known block hash", block)
	}
	return b.st.BatchRead(ctx, block, reads)
}

var (
	watchSafeA = common.HexToAddress("0x000000000000000000000000000000000005afea")
	watchSafeB = common.HexToAddress("0x000000000000000000000000000000000005afeb")
)

func newWatchFixture(t *testing.T) (*fakeWatchChain, *Watcher) {
	t.Helper()
	g := fakechain.New()
	g.AddSafe(watchSafeA, fakechain.Owners(3), 2, nil)
	g.AddSafe(watchSafeB, fakechain.Owners(2), 1, nil)
	chain := newFakeWatchChain(g)
	w, err := New(chain, []common.Address{watchSafeA, watchSafeB}, Options{MaxReorgDepth: 8, Read: onchain.ReadOptions{Registry: fakechain.Registry(t)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	return chain, w
}

func codesOf(alerts []Alert) []string {
	var out []string
	for _, a := range alerts {
		out = append(out, a.Code)
	}
	return out
}

func step(t *testing.T, w *Watcher) []Alert {
	t.Helper()
	alerts, err := w.Step(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return alerts
}

func TestWatcherAlerts(t *testing.T) {
	chain, w := newWatchFixture(t)
	other := common.HexToAddress("0x00000000000000000000000000000000000bad00")
	for _, tc := range []struct {
		name   string
		change func(s *fakechain.Chain)
		want   []string
		sev    policy.Severity
	}{
		{"nonce and balance only", func(s *fakechain.Chain) {
			s.Set(watchSafeA, onchain.SlotNonce, common.BigToHash(big.NewInt(43)))
			s.Accounts[watchSafeA].Balance = big.NewInt(1)
		}, nil, ""},
		{"singleton (Bybit)", func(s *fakechain.Chain) {
			s.Set(watchSafeA, onchain.SlotSingleton, fakechain.SlotWord(other))
			s.Accounts[other] = &fakechain.Account{Code: []byte("trojan")}
		}, []string{policy.CodeMasterCopyChange}, policy.SeverityCritical},
		{"guard", func(s *fakechain.Chain) { s.Set(watchSafeB, onchain.SlotGuard, fakechain.SlotWord(other)) }, []string{policy.CodeGuardChange}, policy.SeverityHigh},
		{"module guard", func(s *fakechain.Chain) { s.Set(watchSafeB, onchain.SlotModuleGuard, fakechain.SlotWord(other)) }, []string{CodeModuleGuardChange}, policy.SeverityHigh},
		{"fallback handler", func(s *fakechain.Chain) {
			s.Set(watchSafeB, onchain.SlotFallbackHandler, fakechain.SlotWord(other))
		}, []string{policy.CodeFallbackHandlerChange}, policy.SeverityHigh},
		{"module", func(s *fakechain.Chain) { s.SetList(watchSafeB, onchain.SlotModules, []common.Address{other}) }, []string{policy.CodeModuleChange}, policy.SeverityHigh},
		{"owner added and threshold", func(s *fakechain.Chain) {
			s.SetList(watchSafeB, onchain.SlotOwners, append(fakechain.Owners(2), other))
			s.Set(watchSafeB, onchain.SlotOwnerCount, common.BigToHash(big.NewInt(3)))
			s.Set(watchSafeB, onchain.SlotThreshold, common.BigToHash(big.NewInt(2)))
		}, []string{policy.CodeOwnerChange, policy.CodeThresholdChange}, policy.SeverityHigh},
		{"owner list loop", func(s *fakechain.Chain) {
			os := fakechain.Owners(3)
			s.Set(watchSafeB, onchain.MappingSlot(other, onchain.SlotOwners), fakechain.SlotWord(os[0]))
		}, []string{policy.CodeListCorrupt}, policy.SeverityCritical},
		{"code removed", func(s *fakechain.Chain) { s.Accounts[watchSafeA].Code = nil }, []string{CodeSafeUnreadable}, policy.SeverityHigh},
		{"still removed: no second alert", func(s *fakechain.Chain) {}, nil, ""},
		{"back, with another guard", func(s *fakechain.Chain) {
			s.Accounts[watchSafeA].Code = fakechain.ProxyCode
			s.Set(watchSafeA, onchain.SlotGuard, fakechain.SlotWord(other))
		}, []string{policy.CodeGuardChange}, policy.SeverityHigh},
	} {
		h := chain.mine(tc.change)
		alerts := step(t, w)
		if !slices.Equal(codesOf(alerts), tc.want) {
			t.Errorf("%s: codes %v, want %v (%v)", tc.name, codesOf(alerts), tc.want, alerts)
			continue
		}
		for _, a := range alerts {
			if a.Block != h.Number || a.BlockHash != h.Hash.Hex() || a.Message == "" || a.Safe == "" {
				t.Errorf("%s: alert %+v", tc.name, a)
			}
		}
		if len(alerts) > 0 && WorstVerdict(alerts).ExitCode() != map[policy.Severity]int{policy.SeverityCritical: 3, policy.SeverityHigh: 2}[tc.sev] {
			t.Errorf("%s: verdict %s", tc.name, WorstVerdict(alerts))
		}
		if w.Last() != h {
			t.Errorf("%s: last %+v, want %+v", tc.name, w.Last(), h)
		}
	}
	if WorstVerdict(nil).ExitCode() != 0 || WorstVerdict([]Alert{{Severity: policy.SeverityInfo}}).ExitCode() != 0 {
		t.Error("info alerts must exit 0")
	}
}

func TestWatcherStartNotSafe(t *testing.T) {
	g := fakechain.New()
	g.Accounts[watchSafeA] = &fakechain.Account{Code: []byte("some other contract")}
	chain := newFakeWatchChain(g)
	w, err := New(chain, []common.Address{watchSafeA, watchSafeB}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A has code that is not a Safe: an error naming it alone (B, without
	// code, is a Safe not deployed yet).
	err = w.Start(context.Background(), 0)
	if !errors.Is(err, onchain.ErrNotSafe) || bulwark.ErrorCode(err) != bulwark.EINVALID || errors.Is(err, onchain.ErrNoCode) ||
		!strings.Contains(err.Error(), "baseline block 0: 1 Safe(s) could not be read; "+watchSafeA.Hex()) {
		t.Fatalf("Start = %v", err)
	}
	// A has no code but has sent transactions: an externally owned
	// account (a wrong address), not a Safe not deployed yet.
	g.Accounts[watchSafeA] = &fakechain.Account{Nonce: 2, Balance: big.NewInt(1)}
	w, err = New(newFakeWatchChain(g), []common.Address{watchSafeA, watchSafeB}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Start(context.Background(), 0)
	if !errors.Is(err, onchain.ErrNotSafe) || bulwark.ErrorCode(err) != bulwark.EINVALID || errors.Is(err, onchain.ErrNoCode) || !errors.Is(err, onchain.ErrEOA) ||
		!strings.Contains(err.Error(), "baseline block 0: 1 Safe(s) could not be read; "+watchSafeA.Hex()+" is an externally owned account (it has sent 2 transactions), not a Safe") {
		t.Fatalf("Start with an EOA = %v", err)
	}
	if _, err := New(chain, []common.Address{watchSafeA, watchSafeA}, Options{}); err == nil {
		t.Error("duplicate Safe accepted")
	}
	if _, err := New(chain, nil, Options{}); err == nil {
		t.Error("no Safe accepted")
	}
}

// TestWatcherNotDeployed watches A, which has no code at the baseline
// (a Safe not deployed yet), next to B: A's deployment is no alert and
// its state there is its baseline; a reorg dropping the deployment makes
// it not deployed again, and its redeployment on the new branch is the
// baseline its changes are diffed with. C gets code that is not a Safe:
// one SAFE_UNREADABLE, at that block.
func TestWatcherNotDeployed(t *testing.T) {
	watchC := common.HexToAddress("0x000000000000000000000000000000000005afec")
	g := fakechain.New()
	g.AddSafe(watchSafeB, fakechain.Owners(2), 1, nil)
	chain := newFakeWatchChain(g)
	w, err := New(chain, []common.Address{watchSafeA, watchSafeB, watchC}, Options{MaxReorgDepth: 8, Read: onchain.ReadOptions{Registry: fakechain.Registry(t)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(context.Background(), 0); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if nd := w.NotDeployed(); !slices.Equal(nd, []common.Address{watchSafeA, watchC}) || w.State(watchSafeA) != nil || w.State(watchSafeB) == nil {
		t.Fatalf("NotDeployed %v, state of A %v", nd, w.State(watchSafeA))
	}
	threshold := func(n int64) func(s *fakechain.Chain) {
		return func(s *fakechain.Chain) {
			s.Set(watchSafeA, onchain.SlotThreshold, common.BigToHash(big.NewInt(n)))
		}
	}
	expect := func(what string, want []string, block uint64) {
		t.Helper()
		alerts := step(t, w)
		if !slices.Equal(codesOf(alerts), want) {
			t.Fatalf("%s: %v, want %v", what, alerts, want)
		}
		for _, a := range alerts {
			if a.Block != block {
				t.Fatalf("%s: alert %+v, want block %d", what, a, block)
			}
		}
	}
	chain.mine(nil)
	expect("block 1, nothing deployed", nil, 1)
	chain.mine(func(s *fakechain.Chain) { s.AddSafe(watchSafeA, fakechain.Owners(3), 2, nil) })
	expect("block 2, A deployed", nil, 2)
	if nd := w.NotDeployed(); !slices.Equal(nd, []common.Address{watchC}) || w.State(watchSafeA).Threshold.Int64() != 2 {
		t.Fatalf("after the deployment: NotDeployed %v, A %+v", nd, w.State(watchSafeA))
	}
	chain.mine(threshold(3))
	expect("block 3, A's threshold", []string{policy.CodeThresholdChange}, 3)

	// Blocks 2 and 3 are replaced: A is deployed at block 3 with
	// threshold 1, changed to 2 at block 4.
	chain.drop(2)
	chain.mine(nil)
	chain.mine(func(s *fakechain.Chain) { s.AddSafe(watchSafeA, fakechain.Owners(3), 1, nil) })
	chain.mine(threshold(2))
	expect("the reorg", []string{CodeChainReorg}, 4)
	if nd := w.NotDeployed(); !slices.Equal(nd, []common.Address{watchSafeA, watchC}) || w.State(watchSafeA) != nil {
		t.Fatalf("after the reorg: NotDeployed %v, A %+v", nd, w.State(watchSafeA))
	}
	expect("block 2', nothing deployed", nil, 2)
	expect("block 3', A deployed again", nil, 3)
	alerts := step(t, w)
	if len(alerts) != 1 || alerts[0].Code != policy.CodeThresholdChange || alerts[0].Before != "1" || alerts[0].After != "2" || alerts[0].Block != 4 {
		t.Fatalf("block 4': %+v, want THRESHOLD_CHANGE 1 → 2", alerts)
	}

	chain.mine(func(s *fakechain.Chain) {
		s.Accounts[watchC] = &fakechain.Account{Code: []byte("not a Safe")}
	})
	alerts = step(t, w)
	if len(alerts) != 1 || alerts[0].Code != CodeSafeUnreadable || alerts[0].Severity != policy.SeverityHigh || alerts[0].Safe != watchC.Hex() || alerts[0].Block != 5 ||
		!strings.Contains(alerts[0].Message, "got at block 5 is not a Safe") {
		t.Fatalf("block 5, C gets code: %+v", alerts)
	}
	chain.mine(nil)
	expect("block 6: no second alert", nil, 6)
	if nd := w.NotDeployed(); len(nd) != 0 {
		t.Fatalf("NotDeployed %v at the end", nd)
	}
}

// TestWatcherNotDeployedEOA watches B, a Safe, and D, an address without
// code and with nonce 0 at the baseline (not deployed yet). D's nonce is
// read with its code, in the one round trip of a block; B's never is. When
// D sends a transaction it is an externally owned account: one
// SAFE_UNREADABLE at that block; a reorg dropping that block makes D not
// deployed again.
func TestWatcherNotDeployedEOA(t *testing.T) {
	watchD := common.HexToAddress("0x000000000000000000000000000000000005afed")
	g := fakechain.New()
	g.AddSafe(watchSafeB, fakechain.Owners(2), 1, nil)
	chain := newFakeWatchChain(g)
	w, err := New(chain, []common.Address{watchSafeB, watchD}, Options{MaxReorgDepth: 8, Read: onchain.ReadOptions{Registry: fakechain.Registry(t)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(context.Background(), 0); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if nd := w.NotDeployed(); !slices.Equal(nd, []common.Address{watchD}) {
		t.Fatalf("NotDeployed %v", nd)
	}
	st := func(h BlockHeader) *fakechain.Chain { return chain.blocks[h.Hash].st }
	h := chain.mine(nil)
	if alerts := step(t, w); len(alerts) != 0 {
		t.Fatalf("block 1: %v", alerts)
	}
	if b := st(h); b.Batches != 1 || b.Nonces != 1 {
		t.Errorf("block 1: %d round trips and %d nonce reads, want 1 and 1 (D's)", b.Batches, b.Nonces)
	}
	chain.mine(func(s *fakechain.Chain) { s.Accounts[watchD] = &fakechain.Account{Nonce: 1} })
	alerts := step(t, w)
	if len(alerts) != 1 || alerts[0].Code != CodeSafeUnreadable || alerts[0].Safe != watchD.Hex() || alerts[0].Block != 2 ||
		!strings.Contains(alerts[0].Message, "sent a transaction by block 2, without code") ||
		!strings.Contains(alerts[0].Message, "externally owned account (it has sent 1 transaction)") {
		t.Fatalf("block 2, D sends a transaction: %+v", alerts)
	}
	if nd := w.NotDeployed(); len(nd) != 0 {
		t.Fatalf("NotDeployed %v after D's transaction", nd)
	}
	h = chain.mine(nil)
	if alerts := step(t, w); len(alerts) != 0 {
		t.Fatalf("block 3: no second alert, got %v", alerts)
	}
	if b := st(h); b.Batches != 1 || b.Nonces != 1 {
		t.Errorf("block 3: %d round trips and %d nonce reads, want 1 and 1", b.Batches, b.Nonces)
	}
	// Blocks 2 and 3 are replaced by empty ones: D is not deployed again.
	chain.drop(2)
	chain.mine(nil)
	chain.mine(nil)
	chain.mine(nil)
	if alerts := step(t, w); !slices.Equal(codesOf(alerts), []string{CodeChainReorg}) {
		t.Fatalf("the reorg: %v", alerts)
	}
	if nd := w.NotDeployed(); !slices.Equal(nd, []common.Address{watchD}) {
		t.Fatalf("after the reorg: NotDeployed %v", nd)
	}
	for range 3 {
		if alerts := step(t, w); len(alerts) != 0 {
			t.Fatalf("after the reorg: %v", alerts)
		}
	}
}

// TestWatcherNoNonceForSafes: watching deployed Safes reads no nonce.
func TestWatcherNoNonceForSafes(t *testing.T) {
	chain, w := newWatchFixture(t)
	if n := chain.blocks[chain.canon[0]].st.Nonces; n != 0 {
		t.Errorf("Start: %d nonce reads", n)
	}
	h := chain.mine(nil)
	step(t, w)
	if b := chain.blocks[h.Hash].st; b.Nonces != 0 || b.Batches != 1 {
		t.Errorf("%d nonce reads in %d round trips, want none in 1", b.Nonces, b.Batches)
	}
}

// TestWatcherNodeMiningNextBlock: a node that, while it mines block 2,
// answers the reads of its head, block 1, with block 2's state (Anvil
// serves its head block's state from its live database, which the block
// being mined has already written) must not make the Watcher report block
// 2's change at block 1. The EIP-2935 history contract at latest already
// holds block 1's hash then: the Watcher waits for the head to pass block
// 1 and reads it again.
func TestWatcherNodeMiningNextBlock(t *testing.T) {
	chain, w := newWatchFixture(t)
	h1 := chain.mine(nil)
	chain.startMining(func(s *fakechain.Chain) { s.Set(watchSafeA, onchain.SlotThreshold, common.BigToHash(big.NewInt(3))) }, 2)
	if alerts := step(t, w); len(alerts) != 0 || w.Last() != h1 {
		t.Fatalf("block 1: alerts %v (the change is block 2's), last block %d", codesOf(alerts), w.Last().Number)
	}
	alerts := step(t, w)
	if len(alerts) != 1 || alerts[0].Code != policy.CodeThresholdChange || alerts[0].Block != 2 || alerts[0].BlockHash != chain.canon[2].Hex() {
		t.Fatalf("block 2: alerts %+v, want THRESHOLD_CHANGE at block 2 %s", alerts, chain.canon[2].Hex())
	}
}

// TestWatcherReorg processes a guard change at block 2, then sees blocks 2
// and 3 replaced by a branch where the change is a module at block 3: the
// reorg is reported, the branch's alert follows, and nothing is reported
// twice.
func TestWatcherReorg(t *testing.T) {
	chain, w := newWatchFixture(t)
	other := common.HexToAddress("0x0000000000000000000000000000000000000bad")
	chain.mine(nil)
	chain.mine(func(s *fakechain.Chain) { s.Set(watchSafeA, onchain.SlotGuard, fakechain.SlotWord(other)) })
	chain.mine(nil)
	var got []string
	for range 3 {
		got = append(got, codesOf(step(t, w))...)
	}
	if !slices.Equal(got, []string{policy.CodeGuardChange}) {
		t.Fatalf("before the reorg: %v", got)
	}
	chain.drop(2)
	chain.mine(nil)
	b3 := chain.mine(func(s *fakechain.Chain) { s.SetList(watchSafeA, onchain.SlotModules, []common.Address{other}) })
	chain.mine(nil)

	alerts := step(t, w)
	if len(alerts) != 1 || alerts[0].Code != CodeChainReorg || alerts[0].Severity != policy.SeverityInfo || w.Last().Number != 1 {
		t.Fatalf("reorg step: %+v, last %d", alerts, w.Last().Number)
	}
	got = nil
	var blocks []uint64
	for w.Last().Number < 4 {
		for _, a := range step(t, w) {
			got, blocks = append(got, a.Code), append(blocks, a.Block)
		}
	}
	// The guard set on the dropped branch is gone on the canonical one:
	// the baseline was re-read at the common ancestor, so it is not
	// reported (it was never there); the module is.
	if !slices.Equal(got, []string{policy.CodeModuleChange}) || blocks[0] != b3.Number {
		t.Fatalf("after the reorg: %v at %v", got, blocks)
	}

	// A shorter chain: the head drops below the last block processed.
	chain.drop(2)
	chain.mine(nil)
	alerts, err := w.CheckHead(context.Background(), 3)
	if err != nil || len(alerts) != 1 || alerts[0].Code != CodeChainReorg || w.Last().Number != 2 {
		t.Fatalf("CheckHead: %v, %+v, last %d", err, alerts, w.Last().Number)
	}
	// The module was enabled on the dropped blocks only: nothing to say.
	if alerts := step(t, w); len(alerts) != 0 {
		t.Fatalf("block 3 of the short chain: %v", alerts)
	}
	// Deeper than MaxReorgDepth (8): carry on comparing with the last
	// states.
	for range 10 {
		chain.mine(nil)
		step(t, w)
	}
	chain.drop(10)
	for range 12 {
		chain.mine(nil)
	}
	chain.mine(func(s *fakechain.Chain) {
		s.Set(watchSafeB, onchain.SlotThreshold, common.BigToHash(big.NewInt(2)))
	})
	ctx := context.Background()
	var all []string
	for {
		head, _ := chain.BlockNumber(ctx)
		if w.Last().Number >= head {
			break
		}
		alerts, err := w.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, codesOf(alerts)...)
	}
	if !slices.Contains(all, CodeReorgTooDeep) || !slices.Contains(all, policy.CodeThresholdChange) {
		t.Fatalf("deep reorg: %v", all)
	}
}

// TestWatcherFollow runs Follow through a node outage: NODE_UNREACHABLE
// once, NODE_RECOVERED when it answers, no block skipped, stop at ToBlock.
func TestWatcherFollow(t *testing.T) {
	chain, w := newWatchFixture(t)
	other := common.HexToAddress("0x0000000000000000000000000000000000000bad")
	chain.mine(nil)
	chain.mine(func(s *fakechain.Chain) {
		s.Set(watchSafeA, onchain.SlotThreshold, common.BigToHash(big.NewInt(3)))
	})

	var mu sync.Mutex
	var alerts []Alert
	seen := make(chan string, 16)
	done := make(chan error, 1)
	go func() {
		done <- w.Follow(context.Background(), FollowOptions{ToBlock: 5, HasTo: true, PollInterval: time.Millisecond,
			UnreachableAfter: 50 * time.Millisecond, RetryBase: time.Millisecond, RetryMax: 5 * time.Millisecond,
			Emit: func(a Alert) error {
				mu.Lock()
				alerts = append(alerts, a)
				mu.Unlock()
				seen <- a.Code
				return nil
			}})
	}()
	wait := func(code string) {
		t.Helper()
		select {
		case c := <-seen:
			if c != code {
				t.Fatalf("alert %s, want %s", c, code)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s alert", code)
		}
	}
	wait(policy.CodeThresholdChange)
	chain.setDown(true)
	wait(CodeNodeUnreachable)
	chain.mine(func(s *fakechain.Chain) { s.Set(watchSafeB, onchain.SlotGuard, fakechain.SlotWord(other)) }) // block 3, while down
	time.Sleep(30 * time.Millisecond)
	chain.setDown(false)
	wait(policy.CodeGuardChange)
	wait(CodeNodeRecovered)
	chain.mine(nil)
	chain.mine(nil)
	chain.mine(func(s *fakechain.Chain) { s.Set(watchSafeB, onchain.SlotGuard, common.Hash{}) }) // block 6: past ToBlock
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Follow did not stop at ToBlock")
	}
	mu.Lock()
	defer mu.Unlock()
	if got := codesOf(alerts); !slices.Equal(got, []string{policy.CodeThresholdChange, CodeNodeUnreachable, policy.CodeGuardChange, CodeNodeRecovered}) || w.Last().Number != 5 {
		t.Fatalf("alerts %v, last %d", got, w.Last().Number)
	}
	if alerts[2].Block != 3 || WorstVerdict(alerts).ExitCode() != 2 {
		t.Errorf("guard at block %d, verdict %s", alerts[2].Block, WorstVerdict(alerts))
	}

	// ctx ends: Follow returns nil.
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if err := w.Follow(ctx, FollowOptions{PollInterval: time.Millisecond, Emit: func(Alert) error { return nil }}); err != nil {
		t.Fatal(err)
	}
}

// TestWatcherOneRoundTripPerBlock checks that an unchanged block costs one
// batch of state reads (hints) plus the header, and one read at latest
// (the history contract) only while it may be the node's head.
func TestWatcherOneRoundTripPerBlock(t *testing.T) {
	chain, w := newWatchFixture(t)
	h := chain.mine(nil)
	st := chain.blocks[h.Hash].st
	latest := chain.latestBatches
	step(t, w)
	if st.Batches != 1 || chain.latestBatches != latest+1 {
		t.Errorf("%d round trips for an unchanged block and %d at latest, want 1 and 1", st.Batches, chain.latestBatches-latest)
	}
	// Caught up from a head known to be above it: no read at latest.
	h = chain.mine(nil)
	chain.mine(nil)
	st = chain.blocks[h.Hash].st
	latest = chain.latestBatches
	if _, err := w.catchUp(context.Background(), FollowOptions{ToBlock: h.Number, HasTo: true}, func([]Alert) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if st.Batches != 1 || chain.latestBatches != latest {
		t.Errorf("below the head: %d round trips and %d at latest, want 1 and none", st.Batches, chain.latestBatches-latest)
	}
}

// TestChangeAlertsCounts: the owner counts in alert messages are singular
// for one owner.
func TestChangeAlertsCounts(t *testing.T) {
	t.Parallel()
	owners := func(n int) []common.Address {
		out := make([]common.Address, n)
		for i := range out {
			out[i] = common.BigToAddress(big.NewInt(int64(i + 1)))
		}
		return out
	}
	state := func(n, count, threshold int64) *onchain.State {
		return &onchain.State{Owners: owners(int(n)), OwnersStatus: onchain.ListOK, OwnerCount: big.NewInt(count), Threshold: big.NewInt(threshold)}
	}
	for _, tc := range []struct {
		name          string
		before, after *onchain.State
		code, want    string
	}{
		{"threshold, one owner", state(1, 1, 2), state(1, 1, 1), policy.CodeThresholdChange, "threshold changed 2 → 1 (of 1 owner)"},
		{"threshold, two owners", state(2, 2, 1), state(2, 2, 2), policy.CodeThresholdChange, "threshold changed 1 → 2 (of 2 owners)"},
		{"ownerCount, one entry", state(1, 1, 1), state(1, 2, 1), policy.CodeListCorrupt, "out of step with the owner list (1 entry)"},
		{"ownerCount, two entries", state(2, 2, 1), state(2, 3, 1), policy.CodeListCorrupt, "out of step with the owner list (2 entries)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			as := ChangeAlerts(BlockHeader{Number: 7}, tc.before, tc.after)
			if len(as) != 1 || as[0].Code != tc.code || !strings.Contains(as[0].Message, tc.want) {
				t.Fatalf("alerts %+v, want one %s saying %q", as, tc.code, tc.want)
			}
		})
	}
}
