package watch_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
)

// followed is a Watcher running Follow in the background against a real
// node, with the alerts it emitted and the last block it processed.
type followed struct {
	mu     sync.Mutex
	alerts []watch.Alert
	last   atomic.Uint64 // FollowOptions.Progress: the last block processed
	cancel context.CancelFunc
	done   chan error
}

// follow starts a Watcher of s at the chain's head (every execution
// unverified: noVerifications) and follows it with short polls and
// backoff, NODE_UNREACHABLE after unreachableAfter. It is stopped when the
// test ends (or by stop).
func follow(t *testing.T, chain *safetest.Chain, s *safetest.Safe, unreachableAfter time.Duration) *followed {
	t.Helper()
	w, err := watch.New(ethrpc.WatchReader{Client: chain.RPC}, []common.Address{s.Address},
		watch.Options{Executions: &watch.ExecutionCheck{Logs: chain.RPC, Verified: noVerifications{}}})
	if err != nil {
		t.Fatal(err)
	}
	base := chain.BlockNumber(t)
	if err := w.Start(context.Background(), base); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &followed{cancel: cancel, done: make(chan error, 1)}
	f.last.Store(base)
	go func() {
		f.done <- w.Follow(ctx, watch.FollowOptions{PollInterval: 10 * time.Millisecond, UnreachableAfter: unreachableAfter,
			RetryBase: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond,
			Emit: func(a watch.Alert) error {
				f.mu.Lock()
				f.alerts = append(f.alerts, a)
				f.mu.Unlock()
				return nil
			},
			Progress: func(block, _ uint64) { f.last.Store(block) }})
	}()
	t.Cleanup(func() { f.stop(t) })
	return f
}

// snapshot returns the alerts emitted so far.
func (f *followed) snapshot() []watch.Alert {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.alerts)
}

// waitFor polls until ok holds for the alerts emitted so far, failing the
// test after a generous timeout (never a duration the test relies on).
func (f *followed) waitFor(t *testing.T, what string, ok func([]watch.Alert) bool) []watch.Alert {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := f.snapshot()
		if ok(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; alerts so far:\n%s", what, alertLines(got))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop ends Follow and waits for it; Follow returns nil when its context
// ends.
func (f *followed) stop(t *testing.T) {
	t.Helper()
	f.cancel()
	select {
	case err, ok := <-f.done:
		if ok && err != nil {
			t.Errorf("Follow: %v", err)
		}
		if ok {
			close(f.done)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Follow did not return after its context ended")
	}
}

func alertLines(as []watch.Alert) string {
	var b strings.Builder
	for _, a := range as {
		fmt.Fprintf(&b, "  %s (hash %s)\n", a, a.BlockHash)
	}
	return b.String()
}

// hasAlert reports whether as holds an alert with code at block (any block
// when block is 0).
func hasAlert(as []watch.Alert, code string, block uint64) bool {
	return slices.ContainsFunc(as, func(a watch.Alert) bool { return a.Code == code && (block == 0 || a.Block == block) })
}

func countAlerts(as []watch.Alert, code string) int {
	n := 0
	for _, a := range as {
		if a.Code == code {
			n++
		}
	}
	return n
}

func alertCodes(as []watch.Alert) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Code
	}
	return out
}

// blockHash returns the hash of block n on the node's canonical chain.
func blockHash(t *testing.T, chain *safetest.Chain, n uint64) string {
	t.Helper()
	h, err := ethrpc.WatchReader{Client: chain.RPC}.BlockHeader(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return h.Hash.Hex()
}

// TestWatchAnvilNodeRestart follows a Safe 1.4.1 on a real Anvil node that
// is stopped and started again with the same chain (anviltest.WithState):
// while it is down Follow retries and raises NODE_UNREACHABLE once; when it
// is back, NODE_RECOVERED, and an owner addition executed after the restart
// is alerted at its block. The alerts of the block before the outage are
// not repeated, and the restarted node is not mistaken for a reorg.
func TestWatchAnvilNodeRestart(t *testing.T) {
	chain := safetest.StartChain(t, anviltest.WithState(), anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(4)
	s := d.NewSafe(t, 2, owners[:3]...)
	f := follow(t, chain, s, 300*time.Millisecond)

	e1 := s.MustExec(t, s.ChangeThresholdTx(t, 3), safetest.EIP712)
	f.waitFor(t, "THRESHOLD_CHANGE and UNVERIFIED_EXECUTION before the outage", func(as []watch.Alert) bool {
		return hasAlert(as, policy.CodeThresholdChange, e1.Block()) && hasAlert(as, watch.CodeUnverifiedExecution, e1.Block())
	})

	chain.Node.Stop()
	f.waitFor(t, "NODE_UNREACHABLE", func(as []watch.Alert) bool { return hasAlert(as, watch.CodeNodeUnreachable, 0) })
	chain.Node.Restart() // fails the test unless the chain is the same

	// Three signatures: the threshold is 3 now.
	e2 := s.MustExec(t, s.AddOwnerWithThresholdTx(t, owners[3].Address, 3), safetest.EIP712, owners[:3]...)
	if e2.Block() != e1.Block()+1 {
		t.Fatalf("the restarted node mined block %d, want %d on top of the chain it stopped with", e2.Block(), e1.Block()+1)
	}
	f.waitFor(t, "NODE_RECOVERED and the owner addition after the restart", func(as []watch.Alert) bool {
		return hasAlert(as, watch.CodeNodeRecovered, 0) && hasAlert(as, policy.CodeOwnerChange, e2.Block()) && hasAlert(as, watch.CodeUnverifiedExecution, e2.Block())
	})
	f.stop(t)
	got := f.snapshot() // everything, after Follow returned

	// In order: the block before the outage, the outage; then the
	// recovery and the block after it in either order (the recovery is
	// raised once a catch-up succeeds, which may already include e2).
	if c := alertCodes(got); len(c) != 6 || !slices.Equal(c[:3], []string{policy.CodeThresholdChange, watch.CodeUnverifiedExecution, watch.CodeNodeUnreachable}) {
		t.Fatalf("alerts:\n%s", alertLines(got))
	}
	rest := alertCodes(got[3:])
	slices.Sort(rest)
	if want := []string{watch.CodeNodeRecovered, policy.CodeOwnerChange, watch.CodeUnverifiedExecution}; !slices.Equal(rest, want) {
		t.Fatalf("after the restart %v, want %v:\n%s", rest, want, alertLines(got))
	}
	for _, a := range got {
		switch a.Code {
		case policy.CodeThresholdChange:
			if a.Block != e1.Block() || a.Before != "2" || a.After != "3" || a.BlockHash != e1.Receipt.BlockHash.Hex() {
				t.Errorf("threshold alert %+v", a)
			}
		case watch.CodeNodeUnreachable:
			if a.Block != e1.Block()+1 || a.Severity != policy.SeverityHigh || !strings.Contains(a.Message, fmt.Sprintf("blocks from %d are not being checked", e1.Block()+1)) {
				t.Errorf("unreachable alert %+v", a)
			}
		case watch.CodeNodeRecovered:
			if a.Severity != policy.SeverityInfo || !strings.Contains(a.Message, "none skipped") {
				t.Errorf("recovered alert %+v", a)
			}
		case policy.CodeOwnerChange:
			if a.Block != e2.Block() || a.After != owners[3].Address.Hex() || a.BlockHash != e2.Receipt.BlockHash.Hex() {
				t.Errorf("owner alert %+v", a)
			}
		case watch.CodeUnverifiedExecution:
			e := e1
			if a.Block == e2.Block() {
				e = e2
			}
			if a.Block != e.Block() || a.SafeTxHash != e.SafeTxHash.Hex() || a.TxHash != e.Receipt.TxHash.Hex() {
				t.Errorf("execution alert %+v, want %s at block %d", a, e.SafeTxHash.Hex(), e.Block())
			}
		}
	}
}

// TestWatchAnvilReorg reorganises a real Anvil chain under a Watcher:
//
//   - anvil_reorg replaces the block that executed changeThreshold(3) with
//     one that executes a competing transaction of the same nonce,
//     addOwnerWithThreshold(owner, 2): CHAIN_REORG naming the common
//     ancestor, then OWNER_CHANGE at the new block and no threshold alert —
//     the Safe was re-read at the ancestor, not diffed with the dropped
//     branch's threshold of 3;
//   - evm_revert drops a threshold change and the chain grows again with
//     empty blocks: a second CHAIN_REORG and nothing else.
func TestWatchAnvilReorg(t *testing.T) {
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(4)
	s := d.NewSafe(t, 2, owners[:3]...)
	ctx := context.Background()
	f := follow(t, chain, s, time.Minute)
	base := chain.BlockNumber(t)

	// Signed now, at the nonce changeThreshold is about to use.
	competing := s.AddOwnerWithThresholdTx(t, owners[3].Address, 2)
	competingData, err := safe.ExecTransactionCalldata(competing, s.Sign(t, competing, safetest.EIP712))
	if err != nil {
		t.Fatal(err)
	}
	e1 := s.MustExec(t, s.ChangeThresholdTx(t, 3), safetest.EIP712)
	if err := chain.RPC.Call(ctx, nil, "evm_mine"); err != nil {
		t.Fatal(err)
	}
	dropped := blockHash(t, chain, e1.Block())
	f.waitFor(t, "THRESHOLD_CHANGE on the first branch", func(as []watch.Alert) bool {
		return hasAlert(as, policy.CodeThresholdChange, e1.Block()) && f.last.Load() == e1.Block()+1
	})

	// The last two blocks are replaced by two others, the first executing
	// the competing transaction; then the new branch grows by one.
	pair := []any{map[string]any{"from": chain.Sender, "to": s.Address, "data": hexutil.Bytes(competingData),
		"gas": hexutil.Uint64(safetest.DefaultExecGas)}, 0}
	if err := chain.RPC.Call(ctx, nil, "anvil_reorg", 2, []any{pair}); err != nil {
		t.Fatalf("anvil_reorg: %v", err)
	}
	if err := chain.RPC.Call(ctx, nil, "evm_mine"); err != nil {
		t.Fatal(err)
	}
	st := s.State(t)
	if st.Threshold.Int64() != 2 || !slices.Contains(st.Owners, owners[3].Address) || blockHash(t, chain, e1.Block()) == dropped {
		t.Fatalf("the reorg did not replace block %d with the competing transaction: %+v", e1.Block(), st)
	}
	got := f.waitFor(t, "CHAIN_REORG and the new branch's OWNER_CHANGE", func(as []watch.Alert) bool {
		return hasAlert(as, policy.CodeOwnerChange, e1.Block()) && f.last.Load() == e1.Block()+2
	})
	want := []string{policy.CodeThresholdChange, watch.CodeUnverifiedExecution, watch.CodeChainReorg, policy.CodeOwnerChange, watch.CodeUnverifiedExecution}
	if !slices.Equal(alertCodes(got), want) {
		t.Fatalf("alerts %v, want %v:\n%s", alertCodes(got), want, alertLines(got))
	}
	reorg, owner, exec := got[2], got[3], got[4]
	if !strings.Contains(reorg.Message, fmt.Sprintf("common ancestor %d (%s)", base, blockHash(t, chain, base))) ||
		!strings.Contains(reorg.Message, fmt.Sprintf("blocks %d–%d processed before", e1.Block(), e1.Block()+1)) || reorg.Severity != policy.SeverityInfo {
		t.Errorf("reorg alert %+v", reorg)
	}
	newHash := blockHash(t, chain, e1.Block())
	if owner.After != owners[3].Address.Hex() || owner.BlockHash != newHash || got[0].BlockHash != dropped {
		t.Errorf("owner alert %+v on %s; threshold alert on %s, dropped %s", owner, newHash, got[0].BlockHash, dropped)
	}
	if exec.Block != e1.Block() || exec.SafeTxHash != s.Hash(t, competing).SafeTxHash.Hex() {
		t.Errorf("execution alert %+v, want the competing transaction's", exec)
	}

	// A threshold change dropped by evm_revert; the chain grows again
	// with empty blocks past the height the watcher reached.
	var snap hexutil.Big
	if err := chain.RPC.Call(ctx, &snap, "evm_snapshot"); err != nil {
		t.Fatal(err)
	}
	forked := chain.BlockNumber(t)
	e3 := s.MustExec(t, s.ChangeThresholdTx(t, 3), safetest.EIP712)
	f.waitFor(t, "THRESHOLD_CHANGE before the revert", func(as []watch.Alert) bool {
		return hasAlert(as, policy.CodeThresholdChange, e3.Block()) && f.last.Load() == e3.Block()
	})
	var reverted bool
	if err := chain.RPC.Call(ctx, &reverted, "evm_revert", &snap); err != nil || !reverted {
		t.Fatalf("evm_revert: %v, %v", reverted, err)
	}
	for range 2 {
		if err := chain.RPC.Call(ctx, nil, "evm_mine"); err != nil {
			t.Fatal(err)
		}
	}
	f.waitFor(t, "the second CHAIN_REORG and the new branch", func(as []watch.Alert) bool {
		return countAlerts(as, watch.CodeChainReorg) == 2 && f.last.Load() == e3.Block()+1
	})
	f.stop(t)
	got = f.snapshot()
	want = append(want, policy.CodeThresholdChange, watch.CodeUnverifiedExecution, watch.CodeChainReorg)
	if !slices.Equal(alertCodes(got), want) {
		t.Fatalf("alerts %v, want %v (no threshold change back from the dropped branch):\n%s", alertCodes(got), want, alertLines(got))
	}
	if r := got[len(got)-1]; !strings.Contains(r.Message, fmt.Sprintf("common ancestor %d", forked)) || r.Block != e3.Block()+1 {
		t.Errorf("second reorg alert %+v, want the ancestor %d", r, forked)
	}
}

// TestWatchAnvilNotDeployed starts a Watcher at block N (as 'safe watch
// --from-block N+1' does) on three addresses without code there: a Safe
// 1.4.1 created at N+3, then executing changeThreshold(3); a guard (code
// that is not a Safe) deployed later; an address that never gets code.
// The Safe's creation and setup raise nothing and its state at its
// deployment block is its baseline: the threshold change is alerted at its
// block, 2 → 3. The guard is one SAFE_UNREADABLE at its deployment block.
// The empty address stays not deployed, without an alert.
func TestWatchAnvilNotDeployed(t *testing.T) {
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(3)
	ctx := context.Background()
	base := chain.BlockNumber(t)
	if err := chain.RPC.Call(ctx, nil, "anvil_mine", hexutil.Uint64(2)); err != nil {
		t.Fatal(err)
	}
	s := d.NewSafe(t, 2, owners...)
	created := chain.BlockNumber(t)
	if err := chain.RPC.Call(ctx, nil, "evm_mine"); err != nil {
		t.Fatal(err)
	}
	e := s.MustExec(t, s.ChangeThresholdTx(t, 3), safetest.EIP712)
	guard := chain.DeployGuard(t)
	guardAt := chain.BlockNumber(t)
	if err := chain.RPC.Call(ctx, nil, "evm_mine"); err != nil {
		t.Fatal(err)
	}
	empty := common.HexToAddress("0x00000000000000000000000000000000DeaDBeef")
	head := chain.BlockNumber(t)
	if created != base+3 || e.Block() != created+2 || guardAt != e.Block()+1 {
		t.Fatalf("blocks: base %d, created %d, threshold %d, guard %d", base, created, e.Block(), guardAt)
	}

	node := ethrpc.WatchReader{Client: chain.RPC}
	w, err := watch.New(node, []common.Address{s.Address, guard, empty},
		watch.Options{Executions: &watch.ExecutionCheck{Logs: chain.RPC, Verified: noVerifications{}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(ctx, base); err != nil {
		t.Fatalf("Start at block %d, before any of them has code: %v", base, err)
	}
	if nd := w.NotDeployed(); !slices.Equal(nd, []common.Address{s.Address, guard, empty}) {
		t.Fatalf("NotDeployed after Start: %v", nd)
	}
	var alerts []watch.Alert
	notDeployed := map[uint64][]common.Address{} // after each block
	err = w.Follow(ctx, watch.FollowOptions{ToBlock: head, HasTo: true, PollInterval: 10 * time.Millisecond,
		Emit:     func(a watch.Alert) error { alerts = append(alerts, a); return nil },
		Progress: func(block, _ uint64) { notDeployed[block] = w.NotDeployed() }})
	if err != nil {
		t.Fatal(err)
	}
	if w.Last().Number != head {
		t.Fatalf("last block %d, want %d", w.Last().Number, head)
	}
	want := []string{policy.CodeThresholdChange, watch.CodeUnverifiedExecution, watch.CodeSafeUnreadable}
	if !slices.Equal(alertCodes(alerts), want) {
		t.Fatalf("alerts %v, want %v:\n%s", alertCodes(alerts), want, alertLines(alerts))
	}
	threshold, exec, unreadable := alerts[0], alerts[1], alerts[2]
	if threshold.Block != e.Block() || threshold.Safe != s.Address.Hex() || threshold.Before != "2" || threshold.After != "3" ||
		threshold.BlockHash != e.Receipt.BlockHash.Hex() {
		t.Errorf("threshold alert %+v, want 2 → 3 at block %d", threshold, e.Block())
	}
	if exec.Block != e.Block() || exec.SafeTxHash != e.SafeTxHash.Hex() {
		t.Errorf("execution alert %+v, want %s at block %d", exec, e.SafeTxHash.Hex(), e.Block())
	}
	if unreadable.Block != guardAt || unreadable.Safe != guard.Hex() || unreadable.Severity != policy.SeverityHigh ||
		unreadable.BlockHash != blockHash(t, chain, guardAt) || !strings.Contains(unreadable.Message, fmt.Sprintf("got at block %d is not a Safe", guardAt)) {
		t.Errorf("unreadable alert %+v, want the guard at block %d", unreadable, guardAt)
	}
	for _, c := range []struct {
		block uint64
		want  []common.Address
	}{
		{created - 1, []common.Address{s.Address, guard, empty}},
		{created, []common.Address{guard, empty}},
		{guardAt - 1, []common.Address{guard, empty}},
		{guardAt, []common.Address{empty}},
		{head, []common.Address{empty}},
	} {
		if got := notDeployed[c.block]; !slices.Equal(got, c.want) {
			t.Errorf("NotDeployed after block %d: %v, want %v", c.block, got, c.want)
		}
	}
	if st := w.State(s.Address); st == nil || st.Threshold.Int64() != 3 || len(st.Owners) != 3 {
		t.Errorf("the Safe's last state: %+v", st)
	}

	// Started once it has code, the guard is refused as a non-Safe, as
	// before; the Safe and the empty address are not.
	w2, err := watch.New(node, []common.Address{s.Address, guard, empty}, watch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w2.Start(ctx, head); !errors.Is(err, onchain.ErrNotSafe) || !strings.Contains(err.Error(), "1 Safe(s) could not be read; "+guard.Hex()) {
		t.Errorf("Start at the head with the guard: %v", err)
	}
}

// TestWatchAnvilEOA watches externally owned accounts, which have no code
// either: one that has sent two transactions is refused at Start (not a
// Safe, its nonce named), but watched as not deployed from a block before
// it sent any; a fresh funded account (nonce 0) is not deployed, until it
// sends a transaction: one SAFE_UNREADABLE at that block.
func TestWatchAnvilEOA(t *testing.T) {
	chain := safetest.StartChain(t, anviltest.Silent())
	ctx := context.Background()
	accts := anviltest.DefaultAccounts()
	eoa, fresh := accts[1], accts[2]
	before := chain.BlockNumber(t)
	for range 2 {
		chain.MustSend(t, ethrpc.CallMsg{From: eoa, To: &accts[3], Value: big.NewInt(1)})
	}
	base := chain.BlockNumber(t)
	node := ethrpc.WatchReader{Client: chain.RPC}

	w, err := watch.New(node, []common.Address{eoa, fresh}, watch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Start(ctx, base)
	if !errors.Is(err, onchain.ErrNotSafe) || !strings.Contains(err.Error(), "1 Safe(s) could not be read; "+eoa.Hex()+" is an externally owned account (it has sent 2 transactions), not a Safe") {
		t.Fatalf("Start at block %d with an EOA that sent 2 transactions: %v", base, err)
	}
	// Before its transactions it is an address that may still become a
	// Safe: the nonce is read at the block asked for.
	w, err = watch.New(node, []common.Address{eoa}, watch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(ctx, before); err != nil || !slices.Equal(w.NotDeployed(), []common.Address{eoa}) {
		t.Fatalf("Start at block %d, before the EOA's transactions: %v, NotDeployed %v", before, err, w.NotDeployed())
	}

	w, err = watch.New(node, []common.Address{fresh}, watch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(ctx, base); err != nil || !slices.Equal(w.NotDeployed(), []common.Address{fresh}) {
		t.Fatalf("Start with a fresh account: %v, NotDeployed %v", err, w.NotDeployed())
	}
	if err := chain.RPC.Call(ctx, nil, "evm_mine"); err != nil {
		t.Fatal(err)
	}
	sent := chain.MustSend(t, ethrpc.CallMsg{From: fresh, To: &accts[3], Value: big.NewInt(1)}).BlockNumber
	if err := chain.RPC.Call(ctx, nil, "evm_mine"); err != nil {
		t.Fatal(err)
	}
	head := chain.BlockNumber(t)
	var alerts []watch.Alert
	err = w.Follow(ctx, watch.FollowOptions{ToBlock: head, HasTo: true, PollInterval: 10 * time.Millisecond,
		Emit: func(a watch.Alert) error { alerts = append(alerts, a); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].Code != watch.CodeSafeUnreadable || alerts[0].Block != sent || alerts[0].Safe != fresh.Hex() ||
		!strings.Contains(alerts[0].Message, "is an externally owned account (it has sent 1 transaction)") {
		t.Fatalf("alerts, want one SAFE_UNREADABLE at block %d:\n%s", sent, alertLines(alerts))
	}
	if nd := w.NotDeployed(); len(nd) != 0 {
		t.Errorf("NotDeployed at the end: %v", nd)
	}
}

// TestWatchAnvilHeadWhileMining follows a Safe on a real Anvil node, polling
// every millisecond, while threshold changes are executed back to back, so
// that the watcher often reads its head block while Anvil mines the next
// one. Anvil then answers the reads of its head block from its live state,
// which the block being mined has already changed: every change must still
// be alerted at the block of its execTransaction, as its ExecutionSuccess
// is, never at the block before.
func TestWatchAnvilHeadWhileMining(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.3.0")
	s := d.NewSafe(t, 2, safetest.NewOwners(3)...)
	w, err := watch.New(ethrpc.WatchReader{Client: chain.RPC}, []common.Address{s.Address},
		watch.Options{Executions: &watch.ExecutionCheck{Logs: chain.RPC, Verified: noVerifications{}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(context.Background(), chain.BlockNumber(t)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &followed{cancel: cancel, done: make(chan error, 1)}
	go func() {
		f.done <- w.Follow(ctx, watch.FollowOptions{PollInterval: time.Millisecond, RetryBase: time.Millisecond, RetryMax: 10 * time.Millisecond,
			Emit: func(a watch.Alert) error {
				f.mu.Lock()
				f.alerts = append(f.alerts, a)
				f.mu.Unlock()
				return nil
			}})
	}()
	t.Cleanup(func() { f.stop(t) })

	const n = 30
	var want []string
	threshold := 2
	for range n {
		threshold = 5 - threshold // 2 ↔ 3
		e := s.MustExec(t, s.ChangeThresholdTx(t, threshold), safetest.EIP712, s.Owners...)
		want = append(want, fmt.Sprintf("block %d %s → %d", e.Block(), policy.CodeThresholdChange, threshold),
			fmt.Sprintf("block %d %s %s", e.Block(), watch.CodeUnverifiedExecution, e.SafeTxHash.Hex()))
	}
	f.waitFor(t, "every execution", func(as []watch.Alert) bool { return countAlerts(as, watch.CodeUnverifiedExecution) == n })
	f.stop(t)
	var got []string
	for _, a := range f.snapshot() {
		switch a.Code {
		case policy.CodeThresholdChange:
			got = append(got, fmt.Sprintf("block %d %s → %s", a.Block, a.Code, a.After))
		case watch.CodeUnverifiedExecution:
			got = append(got, fmt.Sprintf("block %d %s %s", a.Block, a.Code, a.SafeTxHash))
		default:
			got = append(got, a.String())
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("alerts:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
