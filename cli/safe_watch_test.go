package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/internal/syncbuf"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/webhook"
)

// runWatch runs 'bulwark safe watch' in-process through the command
// function itself (the command is wired into 'safe' separately).
func runWatch(t *testing.T, ctx context.Context, data string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runWatchEnv(t, ctx, data, nil, args...)
}

// runWatchEnv is runWatch with more environment variables.
func runWatchEnv(t *testing.T, ctx context.Context, data string, extra map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runWatchTo(t, ctx, data, &syncbuf.Buffer{}, extra, args...)
}

// runWatchTo is runWatchEnv writing its standard error to errb, which the
// test may read while the command runs.
func runWatchTo(t *testing.T, ctx context.Context, data string, errb *syncbuf.Buffer, extra map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out bytes.Buffer
	env := map[string]string{"BULWARK_DATA": data, "TEST_OS_USER": "alice"}
	for k, v := range extra {
		env[k] = v
	}
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: errb,
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	m.configTables = map[string]bool{}
	root := &command{name: "bulwark", subs: []*command{{name: "safe", subs: []*command{m.safeWatchCmd()}}}}
	code, err := m.dispatch(ctx, root, append([]string{"safe", "watch"}, args...))
	if err != nil {
		m.printError(err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return code, out.String(), errb.String()
}

type watchAlertJSON struct {
	Block      uint64
	BlockHash  string
	Safe       string
	Code       string
	Severity   string
	Message    string
	Kind       string
	Before     string
	After      string
	SafeTxHash string
	TxHash     string
}

func parseAlertLines(t *testing.T, stdout string) []watchAlertJSON {
	t.Helper()
	var out []watchAlertJSON
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if line == "" {
			continue
		}
		var a watchAlertJSON
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("alert line %q: %v", line, err)
		}
		out = append(out, a)
	}
	return out
}

// auditAlerts returns the safe.watch.alert entries of the data directory.
func auditAlerts(t *testing.T, data string) []map[string]any {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(data, "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	entries, err := db.AuditEntries(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range entries {
		if e.Action != "safe.watch.alert" {
			continue
		}
		var d map[string]any
		if err := json.Unmarshal(e.Details, &d); err != nil {
			t.Fatal(err)
		}
		d["target"] = e.Target
		out = append(out, d)
	}
	return out
}

// TestSafeWatchBybit replays the Bybit theft on a Safe 1.1.1 (3 of 6),
// verified first with 'safe verify' (reject) and executed anyway, and
// watches from the block before it through the attack block: exactly one
// MASTERCOPY_CHANGE and one EXECUTED_REJECTED, critical, at the attack
// block; exit 3; stored with their audit entries; delivered to a webhook
// with a valid signature.
func TestSafeWatchBybit(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.1.1")
	owners := safetest.NewOwners(6)
	s := d.NewSafe(t, 3, owners...)
	s.FundETH(t, safetest.Ether(10))
	trojan, backdoor := chain.DeployTrojan(t), chain.DeployTrojan(t)
	tx := safetest.BybitTx(trojan, backdoor, s.Nonce(t))
	data := t.TempDir()
	if code, stdout, stderr := run(t, map[string]string{"BULWARK_DATA": data, "TEST_OS_USER": "alice"},
		"safe", "verify", "--tx", writeServiceTx(t, s, tx), "--rpc", chain.URL()); code != 3 {
		t.Fatalf("verify: exit %d, want 3\n%s\n%s", code, stdout, stderr)
	}
	e := s.Exec(t, tx, s.Sign(t, tx, safetest.EthSign, owners[4], owners[0], owners[2]))
	e.RequireSuccess(t)
	attack := e.Block()

	const secret = "bybit-webhook-secret-0123456789"
	hook := newHookReceiver(t, secret)
	secretFile := filepath.Join(t.TempDir(), "webhook.secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runWatch(t, context.Background(), data, "--safe", s.Address.Hex(), "--rpc", chain.URL(),
		"--from-block", fmt.Sprint(attack-1), "--to-block", fmt.Sprint(attack), "--json",
		"--webhook", hook.URL+"/bulwark", "--webhook-secret-file", secretFile)
	if code != 3 {
		t.Fatalf("exit %d, want 3\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	alerts := parseAlertLines(t, stdout)
	if len(alerts) != 2 {
		t.Fatalf("alerts %+v, want two", alerts)
	}
	a := alerts[0]
	if x := alerts[1]; x.Code != "EXECUTED_REJECTED" || x.Severity != "critical" || x.Block != attack || x.Safe != s.Address.Hex() ||
		x.SafeTxHash != e.SafeTxHash.Hex() || x.TxHash != e.Receipt.TxHash.Hex() || !strings.Contains(x.Message, "rejected") {
		t.Errorf("execution alert %+v", x)
	}
	if a.Code != "MASTERCOPY_CHANGE" || a.Severity != "critical" || a.Block != attack || a.Safe != s.Address.Hex() ||
		a.Before != d.Singleton.Hex() || a.After != backdoor.Hex() || a.BlockHash == "" || !strings.Contains(a.Message, backdoor.Hex()) {
		t.Errorf("alert %+v", a)
	}
	logged := auditAlerts(t, data)
	if len(logged) != 2 || logged[1]["code"] != "EXECUTED_REJECTED" || logged[1]["safeTxHash"] != e.SafeTxHash.Hex() || logged[0]["code"] != "MASTERCOPY_CHANGE" || logged[0]["severity"] != "critical" ||
		logged[0]["target"] != s.Address.Hex() || logged[0]["blockHash"] != a.BlockHash || logged[0]["block"] != float64(attack) {
		t.Errorf("audit %+v", logged)
	}
	if strings.Contains(stdout+stderr, secret) {
		t.Errorf("the webhook secret was printed: %s %s", stdout, stderr)
	}

	// Stored, with the id its audit entry names (known only inside the
	// transaction that saved it), and delivered once.
	stored := storedAlerts(t, data)
	if len(stored) != 2 || stored[1].Code != "EXECUTED_REJECTED" || stored[1].SafeTxHash != e.SafeTxHash.Hex() || stored[1].TxHash != alerts[1].TxHash {
		t.Fatalf("stored alerts %+v, want two", stored)
	}
	st := stored[0]
	if st.Code != "MASTERCOPY_CHANGE" || st.Severity != policy.SeverityCritical || st.Block != attack || st.Safe != s.Address.Hex() ||
		st.BlockHash != a.BlockHash || st.Before != a.Before || st.After != a.After || st.Message != a.Message {
		t.Errorf("stored %+v, printed %+v", st, a)
	}
	if logged[0]["alertId"] != float64(st.ID) {
		t.Errorf("audit entry names alert %v, stored id %d", logged[0]["alertId"], st.ID)
	}
	if st.Delivery.DeliveredAt == nil || st.Delivery.Attempts != 1 || st.Delivery.LastError != "" {
		t.Errorf("delivery %+v", st.Delivery)
	}
	got := hook.received(t)
	if len(got) != 2 || got[0].err != nil || got[0].path != "/bulwark" {
		t.Fatalf("webhook received %+v", got)
	}
	var p webhook.Payload
	if err := json.Unmarshal(got[0].body, &p); err != nil {
		t.Fatal(err)
	}
	if p.ID != st.ID || p.Alert != st.Alert || !p.Time.Equal(st.Time) {
		t.Errorf("webhook payload %+v, stored %+v", p, st)
	}

	// Human output: one line per alert with block, Safe, severity, code.
	// A store that never saw the verification: the execution is unverified.
	code, stdout, _ = runWatch(t, context.Background(), t.TempDir(), "--safe", s.Address.Hex(), "--rpc", chain.URL(),
		"--from-block", fmt.Sprint(attack), "--to-block", fmt.Sprint(attack))
	want := fmt.Sprintf("block %d %s CRITICAL MASTERCOPY_CHANGE: ", attack, s.Address.Hex())
	want2 := fmt.Sprintf("block %d %s HIGH UNVERIFIED_EXECUTION: Safe transaction %s ", attack, s.Address.Hex(), e.SafeTxHash.Hex())
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); code != 3 || len(lines) != 2 || !strings.HasPrefix(lines[0], want) || !strings.HasPrefix(lines[1], want2) {
		t.Errorf("exit %d, stdout %q, want lines starting %q and %q", code, stdout, want, want2)
	}
}

// TestSafeWatchGuardModule verifies setGuard, enableModule and a plain ETH
// transfer on a Safe 1.4.1 with 'safe verify', executes them, and watches:
// GUARD_CHANGE and MODULE_CHANGE at their blocks, nothing for the transfer,
// and no execution alert (each was verified first, ok or review). Watched
// with a store that holds no verification, each execution is
// UNVERIFIED_EXECUTION at its block.
func TestSafeWatchGuardModule(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(6)
	s := d.NewSafe(t, 3, owners...)
	s.FundETH(t, safetest.Ether(5))
	guard := chain.DeployGuard(t)
	module := common.HexToAddress("0x000000000000000000000000000000000000d0d0")
	data := t.TempDir()
	verifyExec := func(tx safe.Tx, wantExit int) *safetest.Execution {
		t.Helper()
		// 1.4.1's guard and module are not pinned deployments: without
		// --rpc the verdict is review for the first two, ok for the last.
		if code, stdout, stderr := run(t, map[string]string{"BULWARK_DATA": data, "TEST_OS_USER": "alice"},
			"safe", "verify", "--tx", writeServiceTx(t, s, tx), "--chain-id", "31337", "--safe-version", "1.4.1"); code != wantExit {
			t.Fatalf("verify: exit %d, want %d\n%s\n%s", code, wantExit, stdout, stderr)
		}
		return s.MustExec(t, tx, safetest.EIP712)
	}
	eg := verifyExec(s.SetGuardTx(t, guard), 2)
	em := verifyExec(s.EnableModuleTx(t, module), 2)
	et := verifyExec(s.TransferETHTx(t, owners[0].Address, big.NewInt(12345)), 0)

	code, stdout, stderr := runWatch(t, context.Background(), data, "--safe", s.Address.Hex(), "--rpc", chain.URL(),
		"--from-block", fmt.Sprint(eg.Block()), "--to-block", fmt.Sprint(et.Block()), "--json")
	if code != 2 {
		t.Fatalf("exit %d, want 2\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	alerts := parseAlertLines(t, stdout)
	if len(alerts) != 2 || alerts[0].Code != "GUARD_CHANGE" || alerts[0].Block != eg.Block() || alerts[0].After != guard.Hex() ||
		alerts[1].Code != "MODULE_CHANGE" || alerts[1].Block != em.Block() || alerts[1].After != module.Hex() || alerts[1].Severity != "high" {
		t.Fatalf("alerts %+v", alerts)
	}

	// The plain transfer alone: nonce and balance change, no alert, exit 0.
	// The node's URL carries a key (as a hosted node's does; a proxy drops
	// it): only its scheme, host and port are shown.
	node, shown := keyedNode(t, chain.URL())
	code, stdout, stderr = runWatch(t, context.Background(), data, "--safe", s.Address.Hex(), "--rpc", node,
		"--from-block", fmt.Sprint(et.Block()), "--to-block", fmt.Sprint(et.Block()), "--json")
	if code != 0 || strings.TrimSpace(stdout) != "" {
		t.Fatalf("transfer: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "bulwark: watching 1 Safe(s) on "+shown+" from block") {
		t.Errorf("stderr %q does not name the node as %s", stderr, shown)
	}
	noNodeSecrets(t, stdout+stderr)

	// The same blocks watched with a store that never saw the verdicts:
	// every execution is unverified, at its block.
	code, stdout, stderr = runWatch(t, context.Background(), t.TempDir(), "--safe", s.Address.Hex(), "--rpc", chain.URL(),
		"--from-block", fmt.Sprint(eg.Block()), "--to-block", fmt.Sprint(et.Block()), "--json")
	var unverified []watchAlertJSON
	for _, a := range parseAlertLines(t, stdout) {
		if a.Code == "UNVERIFIED_EXECUTION" {
			unverified = append(unverified, a)
		}
	}
	if code != 2 || len(unverified) != 3 {
		t.Fatalf("unverified: exit %d, alerts %s, stderr %s", code, stdout, stderr)
	}
	for i, e := range []*safetest.Execution{eg, em, et} {
		if u := unverified[i]; u.Block != e.Block() || u.SafeTxHash != e.SafeTxHash.Hex() || u.TxHash != e.Receipt.TxHash.Hex() || u.Severity != "high" {
			t.Errorf("unverified %d: %+v, want block %d safeTxHash %s", i, u, e.Block(), e.SafeTxHash.Hex())
		}
	}
}

// TestSafeWatchFollowsHead watches from the head without --to-block, sees a
// threshold change mined later, and stops on cancellation (SIGINT) with the
// worst alert's exit code.
func TestSafeWatchFollowsHead(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.3.0")
	owners := safetest.NewOwners(3)
	s := d.NewSafe(t, 2, owners...)
	// The Safe must exist at the baseline, the block before the head.
	if err := chain.RPC.Call(context.Background(), nil, "evm_mine"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	data := t.TempDir()
	errb := &syncbuf.Buffer{}
	go func() {
		code, stdout, stderr := runWatchTo(t, ctx, data, errb, nil, "--safe", s.Address.Hex(), "--rpc", chain.URL(), "--interval", "20ms", "--json")
		done <- result{code, stdout, stderr}
	}()
	// It says so once it has taken the head as baseline.
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(errb.String(), "bulwark: watching 1 Safe(s)"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("watch did not start:\n%s", errb)
		}
	}
	e := s.MustExec(t, s.ChangeThresholdTx(t, 3), safetest.EIP712)
	deadline := time.Now().Add(10 * time.Second)
	for len(auditAlertsIfAny(data)) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("watch did not stop on cancellation")
	}
	alerts := parseAlertLines(t, r.stdout)
	if r.code != 2 || len(alerts) != 2 || alerts[0].Code != "THRESHOLD_CHANGE" || alerts[0].Block != e.Block() || alerts[0].Before != "2" || alerts[0].After != "3" ||
		alerts[1].Code != "UNVERIFIED_EXECUTION" || alerts[1].Block != e.Block() || alerts[1].SafeTxHash != e.SafeTxHash.Hex() {
		t.Fatalf("exit %d, alerts %+v, stderr %s", r.code, alerts, r.stderr)
	}
}

// storedAlerts returns the alerts stored in the data directory.
func storedAlerts(t *testing.T, data string) []watch.StoredAlert {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(data, "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out, err := db.Alerts(context.Background(), watch.AlertFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// hookReceiver is a webhook receiver that verifies each POST as the docs
// tell receivers to.
type hookReceiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []hookRequest
}

type hookRequest struct {
	path string
	body []byte
	err  error
}

func newHookReceiver(t *testing.T, secret string) *hookReceiver {
	h := &hookReceiver{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := webhook.VerifyRequest(r, []byte(secret), webhook.DefaultMaxAge, 1<<20)
		h.mu.Lock()
		h.reqs = append(h.reqs, hookRequest{r.URL.Path, body, err})
		h.mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
		}
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) received(*testing.T) []hookRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookRequest(nil), h.reqs...)
}

// auditAlertsIfAny counts the alerts recorded so far, 0 while the store is
// not there yet.
func auditAlertsIfAny(data string) []struct{} {
	db, err := sqlite.Open(context.Background(), filepath.Join(data, "bulwark.db"), sqlite.Options{})
	if err != nil {
		return nil
	}
	defer db.Close()
	entries, err := db.AuditEntries(context.Background(), 0, 100)
	if err != nil {
		return nil
	}
	var out []struct{}
	for _, e := range entries {
		if e.Action == "safe.watch.alert" {
			out = append(out, struct{}{})
		}
	}
	return out
}

// TestSafeWatchFromBeforeDeployment watches with --from-block a Safe
// created after the baseline: it is watched as not deployed yet (a note on
// stderr, no alert), its creation is no alert, and its threshold change
// after that is alerted at its block.
func TestSafeWatchFromBeforeDeployment(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	before := chain.BlockNumber(t)
	s := d.NewSafe(t, 2, safetest.NewOwners(3)...)
	e := s.MustExec(t, s.ChangeThresholdTx(t, 3), safetest.EIP712)
	code, stdout, stderr := runWatch(t, context.Background(), t.TempDir(), "--safe", s.Address.Hex(), "--rpc", chain.URL(),
		"--from-block", fmt.Sprint(before+1), "--to-block", fmt.Sprint(e.Block()), "--json")
	if code != 2 {
		t.Fatalf("exit %d, want 2\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	alerts := parseAlertLines(t, stdout)
	if len(alerts) != 2 || alerts[0].Code != "THRESHOLD_CHANGE" || alerts[0].Block != e.Block() || alerts[0].Before != "2" || alerts[0].After != "3" ||
		alerts[1].Code != "UNVERIFIED_EXECUTION" || alerts[1].Block != e.Block() {
		t.Fatalf("alerts %+v, want the threshold change 2 → 3 and its execution at block %d", alerts, e.Block())
	}
	if note := fmt.Sprintf("bulwark: %s has no code at block %d: watching for the Safe's deployment", s.Address.Hex(), before); !strings.Contains(stderr, note) {
		t.Errorf("stderr %q lacks %q", stderr, note)
	}
}

func TestSafeWatchErrors(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	eoa := chain.Sender.Hex()
	// Code that is not a Safe (an address without code that has sent no
	// transaction is a Safe not deployed yet: watched, see
	// TestSafeWatchFromBeforeDeployment).
	notSafe := chain.DeployGuard(t).Hex()
	head := chain.BlockNumber(t)
	var sent hexutil.Uint64 // the EOA's nonce: it deployed the guard
	if err := chain.RPC.Call(context.Background(), &sent, "eth_getTransactionCount", chain.Sender, "latest"); err != nil || sent == 0 {
		t.Fatalf("nonce of %s: %d, %v", eoa, sent, err)
	}
	for _, tc := range []struct {
		args  []string
		field string
	}{
		{[]string{"--rpc", chain.URL()}, "--safe"},
		{[]string{"--safe", "0x12", "--rpc", chain.URL()}, "--safe"},
		{[]string{"--safe", eoa + "," + eoa, "--rpc", chain.URL()}, "--safe"},
		{[]string{"--safe", eoa}, "--rpc"},
		{[]string{"--safe", eoa, "--rpc", chain.URL(), "--from-block", "x"}, "--from-block"},
		{[]string{"--safe", eoa, "--rpc", chain.URL(), "--from-block", "0"}, "--from-block"},
		{[]string{"--safe", eoa, "--rpc", chain.URL(), "--from-block", "5", "--to-block", "4"}, "--to-block"},
		{[]string{"--safe", eoa + "," + notSafe, "--rpc", chain.URL(), "--from-block", fmt.Sprint(head + 1), "--to-block", fmt.Sprint(head + 1)},
			fmt.Sprintf("--safe: baseline block %d: 2 Safe(s) could not be read; %s is an externally owned account (it has sent %d transaction", head, eoa, sent)},
		{[]string{"--safe", notSafe, "--rpc", chain.URL(), "--from-block", fmt.Sprint(head + 1), "--to-block", fmt.Sprint(head + 1)},
			fmt.Sprintf("--safe: baseline block %d: 1 Safe(s) could not be read; %s is a contract but not a Safe proxy", head, notSafe)},
		{[]string{"--safe", eoa, "--rpc", "http://127.0.0.1:1", "--from-block", "1"}, "--rpc: node at http://127.0.0.1:1 is unreachable"},
		{[]string{"--safe", eoa, "--rpc", "ftp://x"}, "bulwark: --rpc: ftp://x has scheme \"ftp\""},
		{[]string{"--safe", eoa, "--rpc", chain.URL(), "--from-block", "998"}, fmt.Sprintf("bulwark: --from-block: block 998 is beyond the node's head %d: the baseline, block 997, does not exist yet; give at most %d", head, head+1)},
		{[]string{"--safe", eoa, "--rpc", chain.URL(), "--webhook", "ftp://example.com/x", "--webhook-secret-file", "/dev/null"}, "--webhook"},
		{[]string{"--safe", eoa, "--rpc", chain.URL(), "--webhook", "https://example.com/x"}, "--webhook-secret-file"},
		{[]string{"--safe", eoa, "--rpc", chain.URL(), "--webhook", "https://example.com/x", "--webhook-secret-file", "/dev/null"}, "is empty"},
		{[]string{"--safe", eoa, "--rpc", chain.URL(), "--webhook", "https://example.com/x", "--webhook-secret-file", "/nonexistent/secret"}, "--webhook-secret-file"},
		{[]string{"--safe", eoa, "--rpc", chain.URL(), "--webhook-secret-file", "/dev/null"}, "without --webhook"},
	} {
		code, stdout, stderr := runWatch(t, context.Background(), t.TempDir(), tc.args...)
		// The last line is the error (retries of an unreachable node are
		// logged before it).
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		last := lines[len(lines)-1]
		if code != 1 || stdout != "" || !strings.HasPrefix(last, "bulwark: ") || !strings.Contains(last, tc.field) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", tc.args, code, stdout, stderr)
		}
	}
	// An EOA that has sent transactions (no code, nonce above 0) is not a
	// Safe: one line naming --safe and its transactions.
	code, stdout, stderr := runWatch(t, context.Background(), t.TempDir(), "--safe", eoa, "--rpc", chain.URL(),
		"--from-block", fmt.Sprint(head+1), "--to-block", fmt.Sprint(head+1))
	txs := "transactions"
	if sent == 1 {
		txs = "transaction"
	}
	want := fmt.Sprintf("bulwark: --safe: baseline block %d: 1 Safe(s) could not be read; %s is an externally owned account (it has sent %d %s), not a Safe\n",
		head, eoa, sent, txs)
	if code != 1 || stdout != "" || stderr != want {
		t.Errorf("--safe EOA: exit %d, stdout %q, stderr %q, want %q", code, stdout, stderr, want)
	}
	// The secret from the environment; plain http to a remote host warns.
	// (The watch then fails on the contract that is not a Safe: no webhook
	// is called.)
	const secret = "env-secret-never-printed"
	code, stdout, stderr = runWatchEnv(t, context.Background(), t.TempDir(), map[string]string{"BULWARK_WEBHOOK_SECRET": secret},
		"--safe", notSafe, "--rpc", chain.URL(), "--from-block", fmt.Sprint(head+1), "--to-block", fmt.Sprint(head+1), "--webhook", "http://hooks.example.com/x")
	if code != 1 || !strings.Contains(stderr, "warning: --webhook hooks.example.com is plain http") || !strings.Contains(stderr, "not a Safe") ||
		strings.Contains(stdout+stderr, secret) {
		t.Errorf("env secret: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// keyedNode is a proxy to the node at target whose URL carries a key in its
// user info, path and query, which the proxy drops. It returns that URL and
// the node as Bulwark shows it.
func keyedNode(t *testing.T, target string) (rawURL, shown string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.URL.Path, r.Out.URL.RawPath, r.Out.URL.RawQuery = "/", "", ""
		r.Out.Header.Del("Authorization")
	}})
	t.Cleanup(proxy.Close)
	host := strings.TrimPrefix(proxy.URL, "http://")
	return "http://alice:s3cret@" + host + "/v3/SECRETKEY?apikey=QUERYKEY", "http://" + host + "/…"
}
