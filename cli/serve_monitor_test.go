package cli

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
)

// TestServeMonitor runs 'bulwark serve --rpc' against Anvil: a Safe 1.4.1
// added through POST /api/v1/safe/watches is picked up without a restart,
// its guard change (executed unverified) shows up in GET
// /api/v1/safe/alerts with the UNVERIFIED_EXECUTION of the same block, a
// contract that is not a Safe and an EOA that has sent transactions (no
// code, nonce above 0) get one SAFE_UNREADABLE each and do not stop the
// others, an address without code that has sent nothing is watched as a
// Safe not deployed yet (no alert), a removed Safe is no longer watched,
// and SIGTERM stops cleanly.
func TestServeMonitor(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(3)
	s := d.NewSafe(t, 2, owners...)
	m := startMonitor(t, bin, chain)
	api := m.srv.url + "/api/v1/safe"

	// The monitor restarts its Watcher when the list changes: wait until
	// it has taken the four listed addresses and watches the Safe and the
	// unused address (no code, nonce 0: not deployed yet), the contract
	// that is not a Safe and the EOA that deployed everything (no code,
	// nonce above 0) left out, before acting. An earlier start may have
	// seen fewer.
	unused, eoa, notSafe := owners[0].Address, chain.Sender, chain.DeployGuard(t)
	m.watch(2, s.Address.Hex(), notSafe.Hex(), unused.Hex(), eoa.Hex())
	unreadable := map[string]watch.StoredAlert{}
	for _, a := range m.alerts() {
		if a.Code == watch.CodeSafeUnreadable {
			unreadable[a.Safe] = a
		}
	}
	if _, ok := unreadable[notSafe.Hex()]; len(unreadable) != 2 || !ok {
		t.Fatalf("SAFE_UNREADABLE alerts %+v, want one for %s and one for %s", unreadable, notSafe.Hex(), eoa.Hex())
	}
	if a := unreadable[eoa.Hex()]; !strings.Contains(a.Message, eoa.Hex()+" is an externally owned account (it has sent ") {
		t.Errorf("the EOA's SAFE_UNREADABLE %+v, want it named an externally owned account with its transactions", a)
	}
	if log := m.srv.stderr.String(); !strings.Contains(log, "no code at the baseline; watching for the Safe's deployment") ||
		!strings.Contains(log, unused.Hex()) {
		t.Errorf("the unused address is not logged as not deployed:\n%s", m.srv.stderr)
	}

	// The guard's deployment block checked before the execution is mined:
	// Anvil may answer a read of the head block by hash with the state of
	// the block it is mining, so a monitor reading the deployment block
	// while the execution is mined would see the new guard one block early.
	// A node that follows EIP-1898 does not; the test must not depend on it.
	guard := chain.DeployGuard(t)
	m.waitForCursor("the monitor to check the guard's deployment block", chain.BlockNumber(t))
	e := s.MustExec(t, s.SetGuardTx(t, guard), safetest.EIP712)
	guardAlert, execAlert := m.waitForGuardChange("GUARD_CHANGE and UNVERIFIED_EXECUTION", s.Address.Hex())
	if guardAlert.Block != e.Block() || guardAlert.After != guard.Hex() || guardAlert.Severity != policy.SeverityHigh {
		t.Errorf("guard alert %+v, want block %d after %s", guardAlert, e.Block(), guard.Hex())
	}
	if execAlert.Block != e.Block() || execAlert.SafeTxHash != e.SafeTxHash.Hex() {
		t.Errorf("execution alert %+v, want block %d safeTxHash %s", execAlert, e.Block(), e.SafeTxHash.Hex())
	}
	if code, body := request(t, "GET", api+"/alerts?safe="+s.Address.Hex(), m.token, ""); code != http.StatusOK || strings.Contains(body, unused.Hex()) {
		t.Errorf("GET alerts?safe=: %d %s", code, body)
	}

	// Removed: the next change of the Safe raises nothing.
	if code, body := request(t, "DELETE", api+"/watches/"+s.Address.Hex(), m.token, ""); code != http.StatusOK {
		t.Fatalf("DELETE: %d %s", code, body)
	}
	for _, a := range []common.Address{unused, eoa, notSafe} {
		if code, body := request(t, "DELETE", api+"/watches/"+a.Hex(), m.token, ""); code != http.StatusOK {
			t.Fatalf("DELETE: %d %s", code, body)
		}
	}
	if code, body := request(t, "GET", api+"/watches", m.token, ""); code != http.StatusOK || !strings.Contains(body, `"watches":[]`) {
		t.Fatalf("GET watches: %d %s", code, body)
	}
	n := len(m.alerts())
	// The monitor has seen the empty list when it clears its cursor.
	m.waitFor("the monitor to see the empty list (its cursor cleared)", func() bool {
		_, _, ok := m.cursor()
		return !ok
	})
	// Another Safe watched, so that the monitor follows the chain again and
	// its cursor says which blocks it has checked: the removed Safe's
	// change, in a block it has checked, raised nothing.
	other := d.NewSafe(t, 2, owners...)
	if code, body := request(t, "POST", api+"/watches", m.token, `{"safe":"`+other.Address.Hex()+`"}`); code != http.StatusCreated {
		t.Fatalf("POST watches %s: %d %s", other.Address.Hex(), code, body)
	}
	changed := s.MustExec(t, s.ChangeThresholdTx(t, 3), safetest.EIP712)
	m.waitForCursor("the monitor to check the block of the removed Safe's change", changed.Block())
	if got := m.alerts(); len(got) != n {
		t.Errorf("alerts after the Safe was removed: %+v", got[n:])
	}

	m.stop()
}

// TestServeMonitorResume checks the monitor's cursor on Anvil: a guard
// change executed (unverified) while 'bulwark serve' was stopped is alerted
// when it starts again on the same store, and with --watch-max-catchup 0 a
// change made while it was down is not checked but named in a WATCH_GAP.
func TestServeMonitorResume(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(3)
	s := d.NewSafe(t, 2, owners...)
	m := startMonitor(t, bin, chain)
	m.watch(1, s.Address.Hex())
	m.stop()

	// Down: the guard is changed, unverified.
	guard := chain.DeployGuard(t)
	e := s.MustExec(t, s.SetGuardTx(t, guard), safetest.EIP712)
	chain.DeployGuard(t) // one more block after it

	m.restart()
	guardAlert, execAlert := m.waitForGuardChange("GUARD_CHANGE and UNVERIFIED_EXECUTION of the block mined while down", s.Address.Hex())
	if guardAlert.Block != e.Block() || guardAlert.After != guard.Hex() {
		t.Errorf("guard alert %+v, want block %d after %s", guardAlert, e.Block(), guard.Hex())
	}
	if execAlert.Block != e.Block() || execAlert.SafeTxHash != e.SafeTxHash.Hex() {
		t.Errorf("execution alert %+v, want block %d safeTxHash %s", execAlert, e.Block(), e.SafeTxHash.Hex())
	}
	// serve writes its log out every logFlushEvery: wait for the line.
	m.waitFor("the resume to be logged", func() bool {
		return strings.Contains(m.srv.stderr.String(), "safe monitor: resuming after a restart")
	})
	m.waitForCursor("the monitor to reach the head", chain.BlockNumber(t))
	m.stop()

	// Down again, beyond --watch-max-catchup 0: not checked, but named.
	x := s.MustExec(t, s.ChangeThresholdTx(t, 3), safetest.EIP712)
	m.restart("--watch-max-catchup", "0")
	var gap *watch.StoredAlert
	m.waitFor("WATCH_GAP", func() bool {
		for _, a := range m.alerts() {
			if a.Code == watch.CodeWatchGap {
				gap = &a
			}
		}
		return gap != nil
	})
	if gap.Severity != policy.SeverityHigh || !strings.Contains(gap.Message, fmt.Sprintf("–%d were NOT checked", x.Block())) {
		t.Errorf("WATCH_GAP %+v, want high naming the blocks up to %d", gap, x.Block())
	}
	m.settle()
	for _, a := range m.alerts() {
		if a.Code == policy.CodeThresholdChange {
			t.Errorf("the skipped block was checked: %+v", a)
		}
	}
	m.stop()
}

// TestServeMonitorNodeRestart: the node behind 'bulwark serve --rpc' is
// stopped and started again with the same chain (anviltest.WithState)
// while the monitor follows a Safe. The monitor retries, keeps its Watcher
// and alerts an owner addition executed after the restart at its block;
// the threshold change of the block before the outage is not alerted
// again, and the restarted node is not taken for a reorg or a gap.
func TestServeMonitorNodeRestart(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	chain := safetest.StartChain(t, anviltest.WithState(), anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(4)
	s := d.NewSafe(t, 2, owners[:3]...)
	m := startMonitor(t, bin, chain)
	find := func(code string, block uint64) *watch.StoredAlert {
		for _, a := range m.alerts() {
			if a.Code == code && a.Block == block && a.Safe == s.Address.Hex() {
				return &a
			}
		}
		return nil
	}
	m.watch(1, s.Address.Hex())

	e1 := s.MustExec(t, s.ChangeThresholdTx(t, 3), safetest.EIP712)
	m.waitFor("THRESHOLD_CHANGE before the outage", func() bool {
		return find(policy.CodeThresholdChange, e1.Block()) != nil && find(watch.CodeUnverifiedExecution, e1.Block()) != nil
	})

	chain.Node.Stop()
	m.waitFor("the monitor to see the node fail", func() bool {
		return strings.Contains(m.srv.stderr.String(), "safe monitor: node failed; retrying")
	})
	chain.Node.Restart() // fails the test unless the chain is the same

	e2 := s.MustExec(t, s.AddOwnerWithThresholdTx(t, owners[3].Address, 3), safetest.EIP712, owners[:3]...)
	m.waitFor("OWNER_CHANGE after the restart", func() bool {
		return find(policy.CodeOwnerChange, e2.Block()) != nil && find(watch.CodeUnverifiedExecution, e2.Block()) != nil
	})
	if a := find(policy.CodeOwnerChange, e2.Block()); a.After != owners[3].Address.Hex() || a.BlockHash != e2.Receipt.BlockHash.Hex() {
		t.Errorf("owner alert %+v, want %s in block %s", a, owners[3].Address.Hex(), e2.Receipt.BlockHash.Hex())
	}
	// Each block alerted once; no reorg or gap (NODE_UNREACHABLE and
	// NODE_RECOVERED depend on how long the outage lasted: not checked).
	m.settle() // a repeat would have shown by then
	seen := map[string]int{}
	for _, a := range m.alerts() {
		switch a.Code {
		case watch.CodeNodeUnreachable, watch.CodeNodeRecovered:
			continue
		}
		seen[fmt.Sprintf("%s@%d", a.Code, a.Block)]++
	}
	want := map[string]int{
		fmt.Sprintf("%s@%d", policy.CodeThresholdChange, e1.Block()): 1, fmt.Sprintf("%s@%d", watch.CodeUnverifiedExecution, e1.Block()): 1,
		fmt.Sprintf("%s@%d", policy.CodeOwnerChange, e2.Block()): 1, fmt.Sprintf("%s@%d", watch.CodeUnverifiedExecution, e2.Block()): 1,
	}
	if !maps.Equal(seen, want) {
		t.Errorf("alerts %v, want %v\n%s", seen, want, m.srv.stderr)
	}
	m.stop()
}

// monitorServer runs 'bulwark serve --rpc URL --watch-interval 50ms' on one
// data folder, across restarts. Its helpers act on the current server, with
// the admin token the first start printed.
type monitorServer struct {
	t     *testing.T
	bin   string
	chain *safetest.Chain
	data  string
	srv   *server // the current start; replaced by restart
	token string
}

// startMonitor starts serve on a new data folder (with the small lists of
// smallDataDir: the monitor does not need the whole ones), failing the
// test unless it printed an admin token.
func startMonitor(t *testing.T, bin string, chain *safetest.Chain) *monitorServer {
	t.Helper()
	m := &monitorServer{t: t, bin: bin, chain: chain, data: smallDataDir(t)}
	m.restart()
	if m.srv.token == "" {
		t.Fatalf("no admin token printed:\n%s", m.srv.stderr)
	}
	m.token = m.srv.token
	return m
}

// restart starts serve again on the same data folder, with the extra flags
// after the usual ones.
func (m *monitorServer) restart(extra ...string) {
	m.t.Helper()
	args := append([]string{"--rpc", m.chain.URL(), "--watch-interval", "50ms"}, extra...)
	m.srv = startServer(m.t, m.bin, m.data, args...)
}

// stop sends SIGTERM to the current server and fails the test unless it
// exits 0.
func (m *monitorServer) stop() {
	m.t.Helper()
	if code := m.srv.stop(m.t); code != 0 {
		m.t.Fatalf("exit %d after SIGTERM\n%s", code, m.srv.stderr)
	}
}

// alerts returns every alert the current server has stored.
func (m *monitorServer) alerts() []watch.StoredAlert {
	m.t.Helper()
	return monitorAlerts(m.t, m.srv, m.token)
}

// waitFor polls ok until it holds (see waitForMonitor).
func (m *monitorServer) waitFor(what string, ok func() bool) {
	m.t.Helper()
	waitForMonitor(m.t, m.srv, m.token, what, ok)
}

// watch adds addrs through POST /api/v1/safe/watches and waits until the
// monitor has taken them all and watches safes of them.
func (m *monitorServer) watch(safes int, addrs ...string) {
	m.t.Helper()
	for _, addr := range addrs {
		if code, body := request(m.t, "POST", m.srv.url+"/api/v1/safe/watches", m.token, `{"safe":"`+addr+`"}`); code != http.StatusCreated {
			m.t.Fatalf("POST watches %s: %d %s", addr, code, body)
		}
	}
	watching := fmt.Sprintf(`safe monitor: watching" safes=%d listed=%d`, safes, len(addrs))
	m.waitFor("the monitor to watch the Safe", func() bool {
		return strings.Contains(m.srv.stderr.String(), watching)
	})
}

// waitForGuardChange waits for a GUARD_CHANGE and an UNVERIFIED_EXECUTION
// of addr, and returns the last of each.
func (m *monitorServer) waitForGuardChange(what, addr string) (guardAlert, execAlert *watch.StoredAlert) {
	m.t.Helper()
	m.waitFor(what, func() bool {
		for _, a := range m.alerts() {
			switch {
			case a.Code == policy.CodeGuardChange && a.Safe == addr:
				guardAlert = &a
			case a.Code == watch.CodeUnverifiedExecution && a.Safe == addr:
				execAlert = &a
			}
		}
		return guardAlert != nil && execAlert != nil
	})
	return guardAlert, execAlert
}

// cursor returns the monitor's cursor (see monitorCursor).
func (m *monitorServer) cursor() (uint64, common.Hash, bool) {
	m.t.Helper()
	return monitorCursor(m.t, m.data)
}

// waitForCursor waits until the monitor's cursor is at block n or later:
// every block up to n has been checked and its alerts stored (the cursor
// is saved after them).
func (m *monitorServer) waitForCursor(what string, n uint64) {
	m.t.Helper()
	m.waitFor(what, func() bool {
		c, _, ok := m.cursor()
		return ok && c >= n
	})
}

// settle mines an empty block and waits until the monitor has checked it,
// so that whatever the blocks before it raise is stored: the positive
// signal before asserting that nothing (more) was raised.
func (m *monitorServer) settle() {
	m.t.Helper()
	if err := m.chain.RPC.Call(context.Background(), nil, "evm_mine"); err != nil {
		m.t.Fatal(err)
	}
	m.waitForCursor("the monitor to check an empty block mined after the others", m.chain.BlockNumber(m.t))
}

// monitorAlerts returns every alert the server has stored.
func monitorAlerts(t *testing.T, srv *server, token string) []watch.StoredAlert {
	t.Helper()
	code, body := request(t, "GET", srv.url+"/api/v1/safe/alerts?limit=1000", token, "")
	if code != http.StatusOK {
		t.Fatalf("GET alerts: %d %s", code, body)
	}
	var p struct{ Alerts []watch.StoredAlert }
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	return p.Alerts
}

// waitForMonitor polls ok until it holds, failing after 20 s with the
// server's alerts and log.
func waitForMonitor(t *testing.T, srv *server, token, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s\nalerts %+v\nstderr:\n%s", what, monitorAlerts(t, srv, token), srv.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeMonitorReorgWhileDown: the chain reorganises past the block
// 'bulwark serve' last processed while it is stopped. Before the stop the
// monitor alerted a guard change (block X, executed unverified) and
// processed the empty block after it (its cursor); then anvil_reorg
// replaces both with a branch whose block X executes a competing
// changeThreshold(3) of the same nonce, signed by the owners. On the
// restart the monitor raises one CHAIN_REORG naming the dropped cursor
// block, then THRESHOLD_CHANGE and UNVERIFIED_EXECUTION of the new block X
// exactly once; nothing comes back from the dropped branch (no second
// GUARD_CHANGE, no guard change back to none: the Safe was re-read on the
// new chain), and no gap or unreadable Safe is reported.
//
// The Safe is younger than the watch.DefaultMaxReorgDepth (64) blocks the monitor goes
// back on a reorg while down: it has no code at the resume baseline, is
// watched as not deployed yet, and its state at its creation block is its
// baseline — its creation is no alert, the new branch's change is.
func TestServeMonitorReorgWhileDown(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(3)
	s := d.NewSafe(t, 2, owners...)
	created := chain.BlockNumber(t)
	ctx := context.Background()
	guard := chain.DeployGuard(t)

	// Signed now, at the nonce the guard change is about to use.
	competing := s.ChangeThresholdTx(t, 3)
	competingData, err := safe.ExecTransactionCalldata(competing, s.Sign(t, competing, safetest.EIP712))
	if err != nil {
		t.Fatal(err)
	}

	m := startMonitor(t, bin, chain)
	m.watch(1, s.Address.Hex())

	// The branch that will be dropped: the guard change in block X, an
	// empty block X+1, both processed (the cursor is at X+1).
	e := s.MustExec(t, s.SetGuardTx(t, guard), safetest.EIP712)
	x := e.Block()
	if err := chain.RPC.Call(ctx, nil, "evm_mine"); err != nil {
		t.Fatal(err)
	}
	droppedX, droppedCursor := headerAt(t, chain, x).Hash, headerAt(t, chain, x+1).Hash
	m.waitFor("the monitor to process the dropped branch", func() bool {
		n, h, ok := monitorCursor(t, m.data)
		return ok && n == x+1 && h == droppedCursor
	})
	before := byID(m.alerts()) // what was stored while the old branch was canonical
	m.stop()
	if countCode(before, policy.CodeGuardChange) != 1 || countCode(before, watch.CodeUnverifiedExecution) != 1 {
		t.Fatalf("alerts before the reorg %+v, want the guard change and its execution", before)
	}

	// Down: X and X+1 are replaced by a branch whose X executes the
	// competing threshold change; it grows by one more block.
	pair := []any{map[string]any{"from": chain.Sender, "to": s.Address, "data": hexutil.Bytes(competingData),
		"gas": hexutil.Uint64(safetest.DefaultExecGas)}, 0}
	if err := chain.RPC.Call(ctx, nil, "anvil_reorg", 2, []any{pair}); err != nil {
		t.Fatalf("anvil_reorg: %v", err)
	}
	if err := chain.RPC.Call(ctx, nil, "evm_mine"); err != nil {
		t.Fatal(err)
	}
	newX := headerAt(t, chain, x).Hash
	if st := s.State(t); st.Threshold.Int64() != 3 || st.Guard != (common.Address{}) || newX == droppedX || headerAt(t, chain, x+1).Hash == droppedCursor {
		t.Fatalf("the reorg did not replace blocks %d–%d with the threshold change: %+v", x, x+1, st)
	}
	head := chain.BlockNumber(t)
	if x+1 >= created+watch.DefaultMaxReorgDepth {
		t.Fatalf("the Safe (block %d) is not younger than %d blocks at the cursor %d", created, watch.DefaultMaxReorgDepth, x+1)
	}

	m.restart()
	m.waitFor("THRESHOLD_CHANGE of the new branch, and the cursor at the head", func() bool {
		n, h, ok := monitorCursor(t, m.data)
		return countCode(m.alerts(), policy.CodeThresholdChange) > 0 && ok && n == head && h == headerAt(t, chain, head).Hash
	})
	m.settle() // a repeat would have shown by then
	all := byID(m.alerts())
	if code := m.srv.stop(t); code != 0 {
		t.Errorf("exit %d after SIGTERM\n%s", code, m.srv.stderr)
	}
	after := all[len(before):]
	var codes []string
	for _, a := range after {
		codes = append(codes, a.Code)
	}
	// The reorg first, then the new block X's two alerts (in the order the
	// Watcher emits them: state changes, then executions).
	want := []string{watch.CodeChainReorg, policy.CodeThresholdChange, watch.CodeUnverifiedExecution}
	if !slices.Equal(codes, want) {
		t.Fatalf("alerts after the restart %v, want %v\n%+v\nstderr:\n%s", codes, want, after, m.srv.stderr)
	}
	// Resumed before the Safe's creation: watched as not deployed yet.
	from := (x + 1) - min(x+1, watch.DefaultMaxReorgDepth)
	for _, want := range []string{fmt.Sprintf(`"safe monitor: resuming after a restart" cursor=%d fromBlock=%d`, x+1, from+1),
		fmt.Sprintf(`watching for the Safe's deployment (its state then is its baseline)" safe=%s block=%d`, s.Address.Hex(), from)} {
		if !strings.Contains(m.srv.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, m.srv.stderr)
		}
	}
	reorg, threshold, exec := after[0], after[1], after[2]
	if reorg.Block != x+1 || reorg.BlockHash != droppedCursor.Hex() || reorg.Severity != policy.SeverityInfo ||
		!strings.Contains(reorg.Message, fmt.Sprintf("block %d (%s), the last it processed, is no longer canonical (it is now %s)", x+1, droppedCursor.Hex(), headerAt(t, chain, x+1).Hash.Hex())) {
		t.Errorf("reorg alert %+v, want block %d (%s) named", reorg, x+1, droppedCursor.Hex())
	}
	if threshold.Block != x || threshold.BlockHash != newX.Hex() || threshold.Before != "2" || threshold.After != "3" || threshold.Safe != s.Address.Hex() {
		t.Errorf("threshold alert %+v, want 2 → 3 at block %d (%s)", threshold, x, newX.Hex())
	}
	if exec.Block != x || exec.BlockHash != newX.Hex() || exec.SafeTxHash != s.Hash(t, competing).SafeTxHash.Hex() {
		t.Errorf("execution alert %+v, want the competing transaction's in block %d (%s)", exec, x, newX.Hex())
	}
	// The dropped branch's alerts are the ones stored before the stop,
	// unchanged and on the dropped block.
	for _, a := range all {
		if a.Code == policy.CodeGuardChange && (a.BlockHash != droppedX.Hex() || a.After != guard.Hex()) {
			t.Errorf("guard alert %+v, want only the one of the dropped block %s", a, droppedX.Hex())
		}
	}
}

// TestServeMonitorPrunedCatchup: 'bulwark serve' restarts after more
// blocks than the node keeps state for (anvil --prune-history 5), so the
// block of its cursor can no longer be read. The monitor must neither
// crash, loop, nor take the Safe for a non-Safe: it raises one WATCH_GAP
// naming the blocks it could not check (a threshold change executed while
// it was down is among them, and is not alerted) and then watches from the
// head, where an owner addition is alerted at its block.
func TestServeMonitorPrunedCatchup(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	chain := safetest.StartChain(t, anviltest.Silent(), anviltest.WithArgs("--prune-history", "5"))
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(4)
	s := d.NewSafe(t, 2, owners[:3]...)
	ctx := context.Background()

	m := startMonitor(t, bin, chain)
	m.watch(1, s.Address.Hex())
	head := chain.BlockNumber(t)
	m.waitFor("the cursor at the head", func() bool {
		n, _, ok := monitorCursor(t, m.data)
		return ok && n == head
	})
	m.stop()
	cursor, _, _ := monitorCursor(t, m.data)

	// Down: a threshold change, then enough blocks that the node no longer
	// has the state of the cursor block.
	x := s.MustExec(t, s.ChangeThresholdTx(t, 3), safetest.EIP712)
	if err := chain.RPC.Call(ctx, nil, "anvil_mine", hexutil.Uint64(20)); err != nil {
		t.Fatal(err)
	}
	if _, err := chain.RPC.StorageAt(ctx, s.Address, common.Hash{}, ethrpc.AtBlock(cursor)); err == nil {
		t.Fatalf("the node still serves the state of block %d: the test needs it pruned", cursor)
	}
	gapEnd := chain.BlockNumber(t) // the monitor goes on from the head it sees then, or later

	m.restart()
	var gap *watch.StoredAlert
	m.waitFor("WATCH_GAP and the monitor watching from the head", func() bool {
		gap = nil
		for _, a := range m.alerts() {
			if a.Code == watch.CodeWatchGap {
				gap = &a
			}
		}
		return gap != nil && strings.Count(m.srv.stderr.String(), `safe monitor: watching" safes=1 listed=1`) > 0
	})
	if gap.Severity != policy.SeverityHigh || gap.Block != cursor+1 ||
		!strings.Contains(gap.Message, fmt.Sprintf("blocks %d–", cursor+1)) || !strings.Contains(gap.Message, "were NOT checked") ||
		!strings.Contains(gap.Message, fmt.Sprintf("could not start at block %d", cursor)) {
		t.Errorf("WATCH_GAP %+v, want high naming blocks from %d", gap, cursor+1)
	}
	var end uint64
	if _, err := fmt.Sscanf(gap.Message[strings.Index(gap.Message, "–")+len("–"):], "%d", &end); err != nil || end < gapEnd || end < x.Block() {
		t.Errorf("WATCH_GAP %q: the gap ends at %d (%v), want at least %d (the head after the outage)", gap.Message, end, err, gapEnd)
	}

	// Normal operation from the head: a change now is alerted at its block.
	e := s.MustExec(t, s.AddOwnerWithThresholdTx(t, owners[3].Address, 3), safetest.EIP712, owners[:3]...)
	m.waitFor("OWNER_CHANGE after the gap", func() bool {
		for _, a := range m.alerts() {
			if a.Code == policy.CodeOwnerChange && a.Block == e.Block() {
				return true
			}
		}
		return false
	})
	m.settle() // a repeat would have shown by then
	seen := map[string]int{}
	for _, a := range m.alerts() {
		seen[a.Code]++
		if a.Code == policy.CodeOwnerChange && (a.After != owners[3].Address.Hex() || a.BlockHash != e.Receipt.BlockHash.Hex()) {
			t.Errorf("owner alert %+v, want %s in block %s", a, owners[3].Address.Hex(), e.Receipt.BlockHash.Hex())
		}
	}
	// One gap; the Safe still watched (no SAFE_UNREADABLE); the threshold
	// change inside the gap not alerted; the owner addition once.
	want := map[string]int{watch.CodeWatchGap: 1, policy.CodeOwnerChange: 1, watch.CodeUnverifiedExecution: 1}
	if !maps.Equal(seen, want) {
		t.Errorf("alerts %v, want %v\nstderr:\n%s", seen, want, m.srv.stderr)
	}
	m.stop()
}

// headerAt returns block n of the node's canonical chain.
func headerAt(t *testing.T, chain *safetest.Chain, n uint64) watch.BlockHeader {
	t.Helper()
	h, err := ethrpc.WatchReader{Client: chain.RPC}.BlockHeader(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// monitorCursor reads the serve monitor's cursor from the store in data,
// as another reader of the file while the server may be writing it.
func monitorCursor(t *testing.T, data string) (uint64, common.Hash, bool) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "bulwark.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var (
		n    uint64
		hash string
	)
	switch err := db.QueryRowContext(context.Background(), `SELECT block, hash FROM safe_monitor_cursor WHERE id = 1`).Scan(&n, &hash); {
	case errors.Is(err, sql.ErrNoRows):
		return 0, common.Hash{}, false
	case err != nil:
		t.Fatalf("read the monitor cursor: %v", err)
	}
	return n, common.HexToHash(hash), true
}

// byID sorts stored alerts in the order they were saved.
func byID(as []watch.StoredAlert) []watch.StoredAlert {
	slices.SortFunc(as, func(a, b watch.StoredAlert) int { return cmp.Compare(a.ID, b.ID) })
	return as
}

func countCode(as []watch.StoredAlert, code string) int {
	n := 0
	for _, a := range as {
		if a.Code == code {
			n++
		}
	}
	return n
}
