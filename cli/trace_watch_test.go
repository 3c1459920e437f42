package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/tracing"
)

// traceHeist sends ETH from the seed through two hops into the deposit
// address, then clean ETH into it, one transaction (and block) each, and
// returns the first and last blocks and the deposit's block and tx.
func traceHeist(t *testing.T, node *anviltest.Node, deposit common.Address) (first, last, depositBlock uint64, depositTx common.Hash) {
	t.Helper()
	accts := anviltest.DefaultAccounts()
	eth := func(n int64) *hexutil.Big { return (*hexutil.Big)(new(big.Int).Mul(big.NewInt(n), big.NewInt(1e18))) }
	var head hexutil.Uint64
	node.Call(t, &head, "eth_blockNumber")
	first = uint64(head) + 1
	node.SendTransaction(t, map[string]any{"from": accts[1], "to": accts[2], "value": eth(50)}) // the theft's first hop
	node.SendTransaction(t, map[string]any{"from": accts[2], "to": accts[3], "value": eth(40)}) // second hop
	depositTx = node.SendTransaction(t, map[string]any{"from": accts[3], "to": deposit, "value": eth(30)})
	node.SendTransaction(t, map[string]any{"from": accts[5], "to": deposit, "value": eth(2)}) // clean: no alert
	var receipt struct{ BlockNumber hexutil.Uint64 }
	node.Call(t, &receipt, "eth_getTransactionReceipt", depositTx)
	node.Call(t, &head, "eth_blockNumber")
	return first, uint64(head), uint64(receipt.BlockNumber), depositTx
}

var traceDeposit = common.HexToAddress("0x00000000000000000000000000000000000De901")

// TestTraceWatchAnvil: 'bulwark trace watch' on a real node alerts in the
// block where the tainted deposit lands (exit 3), not for clean value into
// the same address (asserted once the cursor reached the last block), and
// run again resumes without raising it twice (exit 0).
func TestTraceWatchAnvil(t *testing.T) {
	t.Parallel()
	node := anviltest.Start(t, anviltest.Silent())
	env := map[string]string{"BULWARK_DATA": t.TempDir(), "TEST_OS_USER": "alice"}
	if code, _, stderr := run(t, env, "trace", "deposit", "add", traceDeposit.Hex(), "--label", "hot 7", "--threshold", "native:31337=1000000000000000000"); code != 0 {
		t.Fatalf("deposit add: %s", stderr)
	}
	first, last, at, tx := traceHeist(t, node, traceDeposit)
	seed := anviltest.DefaultAccounts()[1].Hex()
	args := []string{"trace", "watch", "--seed", seed, "--rpc", node.URL, "--from-block", fmt.Sprint(first), "--to-block", fmt.Sprint(last), "--interval", "50ms", "--json"}
	code, stdout, stderr := run(t, env, args...)
	if code != 3 {
		t.Fatalf("exit %d, want 3\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, fmt.Sprintf("stopped after block %d", last)) {
		t.Fatalf("the follow did not reach block %d:\n%s", last, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 1 {
		t.Fatalf("want exactly one alert line (the clean deposit raises none), got:\n%s", stdout)
	}
	var a tracing.StoredAlert
	if err := json.Unmarshal([]byte(lines[0]), &a); err != nil {
		t.Fatal(err)
	}
	if a.Code != tracing.CodeDeposit || a.Block != at || a.TxHash != tx || a.Deposit != traceDeposit || a.Label != "hot 7" ||
		a.Taint != "30000000000000000000" || a.Policy != tracing.Poison || a.From != anviltest.DefaultAccounts()[3] || a.ID == 0 || a.Time.IsZero() {
		t.Errorf("alert = %s", lines[0])
	}
	code, stdout, stderr = run(t, env, args...)
	if code != 0 || strings.TrimSpace(stdout) != "" || !strings.Contains(stderr, fmt.Sprintf("stopped after block %d", last)) {
		t.Fatalf("second run: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, env, "audit", "list", "--json")
	if code != 0 || strings.Count(stdout, `"trace.alert"`) != 1 {
		t.Errorf("audit entries:\n%s", stdout)
	}
}

// TestTraceWatchKilledBeforeDelivery kills (SIGKILL) 'bulwark trace
// watch --webhook' once its alert is committed and its POST is in flight
// to a receiver that does not answer, then runs it again: it resumes from
// its cursor without raising the alert again, and the alert is accepted
// by the receiver exactly once.
func TestTraceWatchKilledBeforeDelivery(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	node := anviltest.Start(t, anviltest.Silent())
	data := t.TempDir()
	hook := newCrashReceiver(t)
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(outboxHelperSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "--data-dir", data, "trace", "deposit", "add", traceDeposit.Hex()).CombinedOutput(); err != nil {
		t.Fatalf("deposit add: %v\n%s", err, out)
	}
	first, last, at, _ := traceHeist(t, node, traceDeposit)
	args := []string{"--data-dir", data, "trace", "watch", "--seed", anviltest.DefaultAccounts()[1].Hex(), "--rpc", node.URL,
		"--from-block", fmt.Sprint(first), "--to-block", fmt.Sprint(last), "--interval", "50ms", "--json",
		"--webhook", hook.URL + "/hook", "--webhook-secret-file", secretFile}
	child := exec.Command(bin, args...)
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	child.Stderr = &stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || !strings.Contains(sc.Text(), `"TRACE_DEPOSIT"`) {
		child.Process.Kill()
		child.Wait()
		t.Fatalf("no alert printed: %q\n%s", sc.Text(), stderr.String())
	}
	var key string
	select {
	case key = <-hook.got: // committed, and its POST is held by the receiver
	case <-time.After(60 * time.Second):
		child.Process.Kill()
		child.Wait()
		t.Fatalf("no POST\n%s", stderr.String())
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()

	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(data, "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := db.TraceAlerts(ctx, tracing.AlertFilter{Limit: 10})
	if err != nil || len(alerts) != 1 || alerts[0].Block != at || key != fmt.Sprintf("trace.alert:%d", alerts[0].ID) {
		t.Fatalf("after the kill: %+v, %v (POST %s)", alerts, err, key)
	}
	if st, _ := db.OutboxStats(ctx, nil); st.Pending != 1 {
		t.Fatalf("after the kill: outbox %+v, want the alert pending", st)
	}
	db.Close()

	hook.open()
	out, err := exec.Command(bin, args...).Output()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Fatalf("second run: %v, stdout %q (want exit 0 and no alert raised again)", err, out)
	}
	received, accepted, bad := hook.counts()
	if len(bad) > 0 || accepted[key] != 1 || len(accepted) != 1 || received[key] != 2 {
		t.Errorf("received %v, accepted %v, bad %v; want the alert accepted once (received twice: the held POST, then the delivery)", received, accepted, bad)
	}
}

// TestServeTraceFollower: 'serve --trace-rpc' (with --trace-labels)
// follows an open case and stores the alert of its tainted deposit, in the deposit's block, as
// GET /api/v1/trace/alerts shows.
func TestServeTraceFollower(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	node := anviltest.Start(t, anviltest.Silent())
	data := t.TempDir()
	var head hexutil.Uint64
	node.Call(t, &head, "eth_blockNumber")
	for _, args := range [][]string{
		{"trace", "deposit", "add", traceDeposit.Hex(), "--label", "hot 7"},
		{"trace", "case", "open", "--seed", anviltest.DefaultAccounts()[1].Hex(), "--chain-id", "31337", "--policy", "poison", "--from-block", fmt.Sprint(uint64(head) + 1)},
	} {
		if out, err := exec.Command(bin, append([]string{"--data-dir", data}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	// A label file read at start (its exchange is not on the heist's path).
	labelFile := filepath.Join(t.TempDir(), "labels.csv")
	if err := os.WriteFile(labelFile, []byte("address,name,category\n"+anviltest.DefaultAccounts()[5].Hex()+",Exchange,exchange\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, bin, data, "--lists-refresh", "0", "--trace-rpc", node.URL, "--watch-interval", "100ms", "--trace-labels", labelFile)
	_, _, at, tx := traceHeist(t, node, traceDeposit)
	deadline := time.Now().Add(60 * time.Second)
	for {
		var page struct{ Alerts []tracing.StoredAlert }
		code, body := request(t, "GET", s.url+"/api/v1/trace/alerts", s.token, "")
		if err := json.Unmarshal([]byte(body), &page); code != 200 || err != nil {
			t.Fatalf("GET /api/v1/trace/alerts: %d %s", code, body)
		}
		if len(page.Alerts) > 0 {
			a := page.Alerts[0]
			if len(page.Alerts) != 1 || a.Block != at || a.TxHash != tx || a.Follow != "case:1" || a.Code != tracing.CodeDeposit {
				t.Fatalf("alerts = %+v", page.Alerts)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no alert after 60s\n%s", s.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve exit %d\n%s", code, s.stderr)
	}
}

// TestTraceWatchTraversalRules: 'bulwark trace watch' follows by the
// rules of 'bulwark trace': the same heist raises no alert when its first
// hop is labelled an exchange (a hub, an end point) or when the deposit
// is beyond --max-hops, and raises it with neither; bad flags are named.
func TestTraceWatchTraversalRules(t *testing.T) {
	t.Parallel()
	node := anviltest.Start(t, anviltest.Silent())
	dir := t.TempDir()
	labelFile := filepath.Join(dir, "labels.csv")
	hub := anviltest.DefaultAccounts()[2]
	if err := os.WriteFile(labelFile, []byte("address,name,category\n"+hub.Hex()+",Exchange hot wallet,exchange\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	first, last, at, _ := traceHeist(t, node, traceDeposit)
	seed := anviltest.DefaultAccounts()[1].Hex()
	for _, c := range []struct {
		name  string
		extra []string
		code  int
	}{
		{"hub", []string{"--labels", labelFile}, 0},
		{"beyond the hop bound", []string{"--max-hops", "2"}, 0},
		{"within the hop bound", []string{"--max-hops", "3", "--min-value", "1", "--hub-degree", "100"}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"BULWARK_DATA": filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")), "TEST_OS_USER": "alice"}
			if code, _, stderr := run(t, env, "trace", "deposit", "add", traceDeposit.Hex()); code != 0 {
				t.Fatalf("deposit add: %s", stderr)
			}
			args := append([]string{"trace", "watch", "--seed", seed, "--rpc", node.URL, "--from-block", fmt.Sprint(first), "--to-block", fmt.Sprint(last),
				"--interval", "50ms", "--json"}, c.extra...)
			code, stdout, stderr := run(t, env, args...)
			if code != c.code || !strings.Contains(stderr, fmt.Sprintf("stopped after block %d", last)) {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, stdout, stderr)
			}
			if c.code == 3 && !strings.Contains(stdout, fmt.Sprintf(`"block":%d`, at)) {
				t.Errorf("alert not in block %d: %s", at, stdout)
			}
			if c.code == 0 && strings.TrimSpace(stdout) != "" {
				t.Errorf("alerts: %s", stdout)
			}
		})
	}
	env := map[string]string{"BULWARK_DATA": filepath.Join(dir, "bad")}
	for _, c := range []struct{ flag, value, want string }{
		{"--hub-degree", "-1", "--hub-degree: -1 is negative"},
		{"--known-token", "0x12", "--known-token: \"0x12\" is not an address"},
		{"--max-hops", "-1", "--max-hops: -1 is out of range"},
		{"--min-value", "1.5", "--min-value: \"1.5\" is not an amount"},
	} {
		code, _, stderr := run(t, env, "trace", "watch", "--seed", seed, "--rpc", node.URL, c.flag, c.value)
		if code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s %s: exit %d, stderr %q; want %q", c.flag, c.value, code, stderr, c.want)
		}
	}
	if code, _, stderr := run(t, env, "trace", "watch", "--seed", seed, "--rpc", "ftp://x"); code != 1 || !strings.HasPrefix(stderr, "bulwark: --rpc: ftp://x has scheme \"ftp\"") {
		t.Errorf("--rpc ftp://x: exit %d, stderr %q; want the flag named once", code, stderr)
	}
	if code, _, stderr := run(t, env, "trace", "watch", "--seed", "0x0000000000000000000000000000000000000000", "--rpc", node.URL); code != 1 ||
		stderr != "bulwark: --seed: the zero address is not a seed (it stands for mints and burns)\n" {
		t.Errorf("zero address seed: exit %d, stderr %q", code, stderr)
	}
}
