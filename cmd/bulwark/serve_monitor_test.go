package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe"
)

// TestServeMonitor runs 'bulwark serve --rpc' against Anvil: a Safe 1.4.1
// added through POST /api/v1/safe/watches is picked up without a restart,
// its guard change (executed unverified) shows up in GET
// /api/v1/safe/alerts with the UNVERIFIED_EXECUTION of the same block, an
// address that is not a Safe gets one SAFE_UNREADABLE and does not stop the
// others, a removed Safe is no longer watched, and SIGTERM stops cleanly.
func TestServeMonitor(t *testing.T) {
	bin := buildBinary(t)
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(3)
	s := d.NewSafe(t, 2, owners...)
	srv := startServer(t, bin, t.TempDir(), "--rpc", chain.URL(), "--watch-interval", "50ms")
	if srv.token == "" {
		t.Fatalf("no admin token printed:\n%s", srv.stderr)
	}
	api := srv.url + "/api/v1/safe"

	alerts := func() []safe.StoredAlert { return monitorAlerts(t, srv, srv.token) }
	waitFor := func(what string, ok func() bool) { waitForMonitor(t, srv, srv.token, what, ok) }

	eoa := owners[0].Address
	for _, addr := range []string{s.Address.Hex(), eoa.Hex()} {
		if code, body := request(t, "POST", api+"/watches", srv.token, `{"safe":"`+addr+`"}`); code != http.StatusCreated {
			t.Fatalf("POST watches %s: %d %s", addr, code, body)
		}
	}
	// The monitor restarts from the head when the list changes: wait until
	// it has taken both listed addresses and watches the Safe alone (the EOA
	// left out) before acting. An earlier start may have seen only the Safe.
	waitFor("the monitor to watch the Safe", func() bool {
		return strings.Contains(srv.stderr.String(), `safe monitor: watching" safes=1 listed=2`)
	})
	var unreadable []safe.StoredAlert
	for _, a := range alerts() {
		if a.Code == safe.CodeSafeUnreadable {
			unreadable = append(unreadable, a)
		}
	}
	if len(unreadable) != 1 || unreadable[0].Safe != eoa.Hex() {
		t.Fatalf("SAFE_UNREADABLE alerts %+v, want one for %s", unreadable, eoa.Hex())
	}

	guard := chain.DeployGuard(t)
	e := s.MustExec(t, s.SetGuardTx(t, guard), safetest.EIP712)
	var guardAlert, execAlert *safe.StoredAlert
	waitFor("GUARD_CHANGE and UNVERIFIED_EXECUTION", func() bool {
		for _, a := range alerts() {
			switch {
			case a.Code == safe.CodeGuardChange && a.Safe == s.Address.Hex():
				guardAlert = &a
			case a.Code == safe.CodeUnverifiedExecution && a.Safe == s.Address.Hex():
				execAlert = &a
			}
		}
		return guardAlert != nil && execAlert != nil
	})
	if guardAlert.Block != e.Block() || guardAlert.After != guard.Hex() || guardAlert.Severity != safe.SeverityHigh {
		t.Errorf("guard alert %+v, want block %d after %s", guardAlert, e.Block(), guard.Hex())
	}
	if execAlert.Block != e.Block() || execAlert.SafeTxHash != e.SafeTxHash.Hex() {
		t.Errorf("execution alert %+v, want block %d safeTxHash %s", execAlert, e.Block(), e.SafeTxHash.Hex())
	}
	if code, body := request(t, "GET", api+"/alerts?safe="+s.Address.Hex(), srv.token, ""); code != http.StatusOK || strings.Contains(body, eoa.Hex()) {
		t.Errorf("GET alerts?safe=: %d %s", code, body)
	}

	// Removed: the next change of the Safe raises nothing.
	if code, body := request(t, "DELETE", api+"/watches/"+s.Address.Hex(), srv.token, ""); code != http.StatusOK {
		t.Fatalf("DELETE: %d %s", code, body)
	}
	if code, body := request(t, "DELETE", api+"/watches/"+eoa.Hex(), srv.token, ""); code != http.StatusOK {
		t.Fatalf("DELETE: %d %s", code, body)
	}
	if code, body := request(t, "GET", api+"/watches", srv.token, ""); code != http.StatusOK || !strings.Contains(body, `"watches":[]`) {
		t.Fatalf("GET watches: %d %s", code, body)
	}
	n := len(alerts())
	time.Sleep(300 * time.Millisecond) // let the monitor see the empty list
	s.MustExec(t, s.ChangeThresholdTx(t, 3), safetest.EIP712)
	time.Sleep(500 * time.Millisecond)
	if got := alerts(); len(got) != n {
		t.Errorf("alerts after the Safe was removed: %+v", got[n:])
	}

	if code := srv.stop(t); code != 0 {
		t.Errorf("exit %d after SIGTERM\n%s", code, srv.stderr)
	}
}

// TestServeMonitorResume checks the monitor's cursor on Anvil: a guard
// change executed (unverified) while 'bulwark serve' was stopped is alerted
// when it starts again on the same store, and with --watch-max-catchup 0 a
// change made while it was down is not checked but named in a WATCH_GAP.
func TestServeMonitorResume(t *testing.T) {
	bin := buildBinary(t)
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(3)
	s := d.NewSafe(t, 2, owners...)
	data := t.TempDir()
	srv := startServer(t, bin, data, "--rpc", chain.URL(), "--watch-interval", "50ms")
	token := srv.token
	if token == "" {
		t.Fatalf("no admin token printed:\n%s", srv.stderr)
	}
	// srv changes at each restart; the helpers read the current one.
	alerts := func() []safe.StoredAlert { return monitorAlerts(t, srv, token) }
	waitFor := func(what string, ok func() bool) { waitForMonitor(t, srv, token, what, ok) }
	stop := func() {
		t.Helper()
		if code := srv.stop(t); code != 0 {
			t.Fatalf("exit %d after SIGTERM\n%s", code, srv.stderr)
		}
	}
	if code, body := request(t, "POST", srv.url+"/api/v1/safe/watches", token, `{"safe":"`+s.Address.Hex()+`"}`); code != http.StatusCreated {
		t.Fatalf("POST watches: %d %s", code, body)
	}
	waitFor("the monitor to watch the Safe", func() bool {
		return strings.Contains(srv.stderr.String(), `safe monitor: watching" safes=1 listed=1`)
	})
	stop()

	// Down: the guard is changed, unverified.
	guard := chain.DeployGuard(t)
	e := s.MustExec(t, s.SetGuardTx(t, guard), safetest.EIP712)
	chain.DeployGuard(t) // one more block after it

	srv = startServer(t, bin, data, "--rpc", chain.URL(), "--watch-interval", "50ms")
	var guardAlert, execAlert *safe.StoredAlert
	waitFor("GUARD_CHANGE and UNVERIFIED_EXECUTION of the block mined while down", func() bool {
		for _, a := range alerts() {
			switch {
			case a.Code == safe.CodeGuardChange && a.Safe == s.Address.Hex():
				guardAlert = &a
			case a.Code == safe.CodeUnverifiedExecution && a.Safe == s.Address.Hex():
				execAlert = &a
			}
		}
		return guardAlert != nil && execAlert != nil
	})
	if guardAlert.Block != e.Block() || guardAlert.After != guard.Hex() {
		t.Errorf("guard alert %+v, want block %d after %s", guardAlert, e.Block(), guard.Hex())
	}
	if execAlert.Block != e.Block() || execAlert.SafeTxHash != e.SafeTxHash.Hex() {
		t.Errorf("execution alert %+v, want block %d safeTxHash %s", execAlert, e.Block(), e.SafeTxHash.Hex())
	}
	if !strings.Contains(srv.stderr.String(), "safe monitor: resuming after a restart") {
		t.Errorf("no resume logged:\n%s", srv.stderr)
	}
	time.Sleep(300 * time.Millisecond) // let it reach the head
	stop()

	// Down again, beyond --watch-max-catchup 0: not checked, but named.
	x := s.MustExec(t, s.ChangeThresholdTx(t, 3), safetest.EIP712)
	srv = startServer(t, bin, data, "--rpc", chain.URL(), "--watch-interval", "50ms", "--watch-max-catchup", "0")
	var gap *safe.StoredAlert
	waitFor("WATCH_GAP", func() bool {
		for _, a := range alerts() {
			if a.Code == safe.CodeWatchGap {
				gap = &a
			}
		}
		return gap != nil
	})
	if gap.Severity != safe.SeverityHigh || !strings.Contains(gap.Message, fmt.Sprintf("–%d were NOT checked", x.Block())) {
		t.Errorf("WATCH_GAP %+v, want high naming the blocks up to %d", gap, x.Block())
	}
	time.Sleep(300 * time.Millisecond)
	for _, a := range alerts() {
		if a.Code == safe.CodeThresholdChange {
			t.Errorf("the skipped block was checked: %+v", a)
		}
	}
	stop()
}

// TestServeMonitorNodeRestart: the node behind 'bulwark serve --rpc' is
// stopped and started again with the same chain (anviltest.WithState)
// while the monitor follows a Safe. The monitor retries, keeps its Watcher
// and alerts an owner addition executed after the restart at its block;
// the threshold change of the block before the outage is not alerted
// again, and the restarted node is not taken for a reorg or a gap.
func TestServeMonitorNodeRestart(t *testing.T) {
	bin := buildBinary(t)
	chain := safetest.StartChain(t, anviltest.WithState(), anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(4)
	s := d.NewSafe(t, 2, owners[:3]...)
	srv := startServer(t, bin, t.TempDir(), "--rpc", chain.URL(), "--watch-interval", "50ms")
	if srv.token == "" {
		t.Fatalf("no admin token printed:\n%s", srv.stderr)
	}
	alerts := func() []safe.StoredAlert { return monitorAlerts(t, srv, srv.token) }
	waitFor := func(what string, ok func() bool) { waitForMonitor(t, srv, srv.token, what, ok) }
	find := func(code string, block uint64) *safe.StoredAlert {
		for _, a := range alerts() {
			if a.Code == code && a.Block == block && a.Safe == s.Address.Hex() {
				return &a
			}
		}
		return nil
	}
	if code, body := request(t, "POST", srv.url+"/api/v1/safe/watches", srv.token, `{"safe":"`+s.Address.Hex()+`"}`); code != http.StatusCreated {
		t.Fatalf("POST watches: %d %s", code, body)
	}
	waitFor("the monitor to watch the Safe", func() bool {
		return strings.Contains(srv.stderr.String(), `safe monitor: watching" safes=1 listed=1`)
	})

	e1 := s.MustExec(t, s.ChangeThresholdTx(t, 3), safetest.EIP712)
	waitFor("THRESHOLD_CHANGE before the outage", func() bool {
		return find(safe.CodeThresholdChange, e1.Block()) != nil && find(safe.CodeUnverifiedExecution, e1.Block()) != nil
	})

	chain.Node.Stop()
	waitFor("the monitor to see the node fail", func() bool {
		return strings.Contains(srv.stderr.String(), "safe monitor: node failed; retrying")
	})
	chain.Node.Restart() // fails the test unless the chain is the same

	e2 := s.MustExec(t, s.AddOwnerWithThresholdTx(t, owners[3].Address, 3), safetest.EIP712, owners[:3]...)
	waitFor("OWNER_CHANGE after the restart", func() bool {
		return find(safe.CodeOwnerChange, e2.Block()) != nil && find(safe.CodeUnverifiedExecution, e2.Block()) != nil
	})
	if a := find(safe.CodeOwnerChange, e2.Block()); a.After != owners[3].Address.Hex() || a.BlockHash != e2.Receipt.BlockHash.Hex() {
		t.Errorf("owner alert %+v, want %s in block %s", a, owners[3].Address.Hex(), e2.Receipt.BlockHash.Hex())
	}
	// Each block alerted once; no reorg or gap (NODE_UNREACHABLE and
	// NODE_RECOVERED depend on how long the outage lasted: not checked).
	time.Sleep(300 * time.Millisecond) // a few more polls, for a repeat to show
	seen := map[string]int{}
	for _, a := range alerts() {
		switch a.Code {
		case safe.CodeNodeUnreachable, safe.CodeNodeRecovered:
			continue
		}
		seen[fmt.Sprintf("%s@%d", a.Code, a.Block)]++
	}
	want := map[string]int{
		fmt.Sprintf("%s@%d", safe.CodeThresholdChange, e1.Block()): 1, fmt.Sprintf("%s@%d", safe.CodeUnverifiedExecution, e1.Block()): 1,
		fmt.Sprintf("%s@%d", safe.CodeOwnerChange, e2.Block()): 1, fmt.Sprintf("%s@%d", safe.CodeUnverifiedExecution, e2.Block()): 1,
	}
	if !maps.Equal(seen, want) {
		t.Errorf("alerts %v, want %v\n%s", seen, want, srv.stderr)
	}
	if code := srv.stop(t); code != 0 {
		t.Errorf("exit %d after SIGTERM\n%s", code, srv.stderr)
	}
}

// monitorAlerts returns every alert the server has stored.
func monitorAlerts(t *testing.T, srv *server, token string) []safe.StoredAlert {
	t.Helper()
	code, body := request(t, "GET", srv.url+"/api/v1/safe/alerts?limit=1000", token, "")
	if code != http.StatusOK {
		t.Fatalf("GET alerts: %d %s", code, body)
	}
	var p struct{ Alerts []safe.StoredAlert }
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
