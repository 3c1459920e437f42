package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/queue"
	"github.com/bulwark-sec/bulwark/safetxservice/servicetest"
)

type queueOut struct {
	Safe, Service, Verdict string
	Truncated, NotChecked  bool
	Transactions           []struct {
		Nonce, ListedSafeTxHash, SafeTxHash, Verdict, Error string
		Confirmations, ConfirmationsRequired                int
		Findings                                            []struct{ Code, Severity string }
		AuditSeq                                            int64
		NotChecked                                          []string
	}
}

// TestSafeQueueRPC runs 'bulwark safe queue' against a fake Safe
// Transaction Service and a Safe on Anvil: the Bybit trojan signed by
// two owners is rejected, a plain transfer at the same nonce is ok, an
// owner addition needs review and an entry that does not read is listed
// as review with why; the exit code is the worst verdict and every verdict
// is audited.
func TestSafeQueueRPC(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(3)
	s := d.NewSafe(t, 3, owners...)
	s.FundETH(t, safetest.Ether(10))
	trojan, backdoor := chain.DeployTrojan(t), chain.DeployTrojan(t)
	nonce := s.Nonce(t)
	svc := servicetest.New()
	defer svc.Close()
	malformed := json.RawMessage(`{"safe": "` + s.Address.Hex() + `", "to": "0x3f5CE5FBFe3E9af3971dD833D26bA9b5C936f0bE", "value": "1.5e18", "operation": 0, "nonce": ` + nonce.String() + `, "isExecuted": false}`)
	svc.SetQueue(s.Address,
		s.ServiceTx(t, safetest.BybitTx(trojan, backdoor, nonce), owners[0], owners[1]),
		s.ServiceTx(t, s.TransferETHTx(t, common.HexToAddress("0x00000000000000000000000000000000000b0b01"), safetest.Ether(1))),
		s.ServiceTx(t, s.AddOwnerWithThresholdTx(t, safetest.OwnerAt(41).Address, 3)),
		malformed)
	env := map[string]string{"BULWARK_DATA": t.TempDir(), "TEST_OS_USER": "alice"}
	code, stdout, stderr := run(t, env, "safe", "queue", "--service", svc.URL, "--safe", s.Address.Hex(), "--rpc", chain.URL(), "--json")
	var out queueOut
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("exit %d, stderr %q: %v\n%s", code, stderr, err, stdout)
	}
	if code != 3 || out.Verdict != "reject" || out.Safe != s.Address.Hex() || len(out.Transactions) != 4 {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
	has := func(i int, c string) bool {
		for _, f := range out.Transactions[i].Findings {
			if f.Code == c {
				return true
			}
		}
		return false
	}
	tx := out.Transactions
	if tx[0].Verdict != "reject" || !has(0, policy.CodeUntrustedDelegateCall) || tx[0].Confirmations != 2 || tx[0].SafeTxHash != tx[0].ListedSafeTxHash || tx[0].AuditSeq == 0 {
		t.Errorf("the trojan: %+v", tx[0])
	}
	if tx[1].Verdict != "ok" || len(tx[1].Findings) != 0 || tx[1].Nonce != nonce.String() || tx[1].NotChecked == nil || len(tx[1].NotChecked) != 0 || out.NotChecked {
		t.Errorf("the transfer: %+v", tx[1])
	}
	if tx[2].Verdict != "review" || !has(2, policy.CodeOwnerChange) {
		t.Errorf("the owner addition: %+v", tx[2])
	}
	if tx[3].Verdict != "review" || !strings.Contains(tx[3].Error, `results[3].value: "1.5e18" is not a whole number`) || tx[3].SafeTxHash != "" {
		t.Errorf("the malformed entry: %+v", tx[3])
	}

	// The text says it too; verdicts are audited as 'safe verify' audits
	// them.
	code, stdout, _ = run(t, env, "safe", "queue", "--service", svc.URL, "--safe", s.Address.Hex(), "--rpc", chain.URL())
	for _, want := range []string{"4 pending transactions", "REJECT", "UNTRUSTED_DELEGATECALL", "not verified: results[3].value", "Worst verdict: REJECT (exit 3)"} {
		if code != 3 || !strings.Contains(stdout, want) {
			t.Errorf("text: exit %d, no %q:\n%s", code, want, stdout)
		}
	}
	code, stdout, _ = run(t, env, "audit", "list", "--json", "--limit", "100")
	if code != 0 || strings.Count(stdout, `"action": "safe.verify"`) != 6 {
		t.Errorf("audit: %d safe.verify entries, want 6 (3 verified transactions, twice)", strings.Count(stdout, `"action": "safe.verify"`))
	}

	// Only the transfer: exit 0.
	svc.SetQueue(s.Address, s.ServiceTx(t, s.TransferETHTx(t, common.HexToAddress("0x00000000000000000000000000000000000b0b01"), safetest.Ether(1))))
	if code, stdout, _ := run(t, env, "safe", "queue", "--service", svc.URL, "--safe", s.Address.Hex(), "--rpc", chain.URL()); code != 0 || !strings.Contains(stdout, "Worst verdict: OK (exit 0)") {
		t.Errorf("only a transfer: exit %d\n%s", code, stdout)
	}
}

// TestSafeQueueTextNotChecked: an ok queue whose verifications left
// something unchecked never reads as a plain OK.
func TestSafeQueueTextNotChecked(t *testing.T) {
	t.Parallel()
	q := &queueJSON{Safe: "0x1", Service: "http://svc", Verdict: bulwark.VerdictOK, NotChecked: true, Transactions: []queueTxJSON{
		{Nonce: "7", SafeTxHash: "0xab", Verdict: bulwark.VerdictOK, Findings: []policy.Finding{}, NotChecked: []string{policy.NotCheckedValueLimitHistory}},
	}}
	var b strings.Builder
	writeQueueText(&b, q)
	for _, want := range []string{"NOT checked: " + policy.NotCheckedText(policy.NotCheckedValueLimitHistory), "Worst verdict: OK, NOT FULLY CHECKED (exit 0)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "Worst verdict: OK (exit 0)") {
		t.Errorf("reads as a plain OK:\n%s", b.String())
	}
}

// TestSafeQueueErrors: missing flags, a bad service URL and a service
// that fails are errors naming the flag, exit 1.
func TestSafeQueueErrors(t *testing.T) {
	t.Parallel()
	svc := servicetest.New()
	t.Cleanup(svc.Close) // after the parallel subtests
	svc.FailWith(func(*http.Request) int { return http.StatusBadGateway })
	const addr = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no service", []string{"--safe", addr, "--rpc", "http://127.0.0.1:1"}, "bulwark: --service: required"},
		{"no safe", []string{"--service", svc.URL, "--rpc", "http://127.0.0.1:1"}, "bulwark: --safe: required"},
		{"no rpc", []string{"--service", svc.URL, "--safe", addr}, "bulwark: --rpc: required"},
		{"bad safe", []string{"--service", svc.URL, "--safe", "0x1234", "--rpc", "http://127.0.0.1:1"}, "bulwark: --safe: "},
		{"bad service", []string{"--service", "ftp://x", "--safe", addr, "--rpc", "http://127.0.0.1:1"}, "bulwark: --service: want the http(s) base URL"},
		{"service failing", []string{"--service", svc.URL, "--safe", addr, "--rpc", "http://127.0.0.1:1"}, "bulwark: --service: the queue of Safe " + addr + ": the Safe Transaction Service at " + svc.URL + " answered 502 Bad Gateway"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, map[string]string{"BULWARK_DATA": t.TempDir()}, append([]string{"safe", "queue"}, tt.args...)...)
			if code != 1 || stdout != "" || !strings.HasPrefix(strings.TrimSpace(stderr), tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, tt.want)
			}
		})
	}
}

// TestServeSafeQueueFlags: --safe-queue needs --rpc and an http(s) URL;
// --safe-queue-push needs --safe-queue; the interval and the timeout
// must be positive durations.
func TestServeSafeQueueFlags(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no rpc", []string{"--safe-queue", "https://safe-transaction-mainnet.safe.global"}, "bulwark: --safe-queue: needs --rpc URL"},
		{"bad url", []string{"--rpc", "http://127.0.0.1:1", "--safe-queue", "safe-transaction-mainnet.safe.global"}, "bulwark: --safe-queue: want the http(s) base URL"},
		{"push alone", []string{"--safe-queue-push"}, "bulwark: --safe-queue-push: needs --safe-queue URL"},
		{"zero interval", []string{"--safe-queue-interval", "0s"}, "bulwark: --safe-queue-interval: must be positive"},
		{"zero timeout", []string{"--safe-queue-timeout", "0s"}, "bulwark: --safe-queue-timeout: must be positive, got 0s"},
		{"negative timeout", []string{"--safe-queue-timeout", "-1s"}, "bulwark: --safe-queue-timeout: must be positive, got -1s"},
		{"timeout not a duration", []string{"--safe-queue-timeout", "2"}, "bulwark: --safe-queue-timeout: invalid value \"2\": want a duration such as 30s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := run(t, map[string]string{"BULWARK_DATA": t.TempDir()}, append([]string{"serve"}, tt.args...)...)
			if code != 1 || !strings.HasPrefix(strings.TrimSpace(stderr), tt.want) {
				t.Errorf("exit %d, stderr %q; want %q", code, stderr, tt.want)
			}
		})
	}
}

// TestServeSafeQueueTimeout: --safe-queue-timeout (or its environment
// variable) is what serve hands its queue watch; 2m by default.
func TestServeSafeQueueTimeout(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want time.Duration
	}{
		{"default", nil, nil, queue.DefaultListTimeout},
		{"flag", []string{"--safe-queue-timeout", "5s"}, nil, 5 * time.Second},
		{"environment", nil, map[string]string{"BULWARK_SAFE_QUEUE_TIMEOUT": "750ms"}, 750 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"BULWARK_DATA": t.TempDir()}
			for k, v := range tt.env {
				env[k] = v
			}
			var got time.Duration
			var errb bytes.Buffer
			m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &errb, defaultLists: embeddedLists,
				LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
				Serve:     func(_ context.Context, s *Serving) error { got = s.SafeQueueTimeout; return nil }}
			code := m.Run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...))
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			if code != 0 || got != tt.want {
				t.Errorf("exit %d, timeout %s, want %s; stderr %q", code, got, tt.want, errb.String())
			}
		})
	}
}

// TestServeSafeQueue runs 'bulwark serve --rpc --safe-queue' against
// Anvil and a fake Safe Transaction Service, without a co-signer: the
// Bybit trojan proposed to a watched Safe is alerted QUEUE_TX_REFUSED
// (critical) before anyone executes it, through GET /api/v1/safe/alerts;
// a plain transfer raises nothing; after a restart on the same store the
// trojan is not alerted again, and an owner addition proposed then is
// QUEUE_TX_HELD.
func TestServeSafeQueue(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(3)
	s := d.NewSafe(t, 3, owners...)
	s.FundETH(t, safetest.Ether(10))
	trojan, backdoor := chain.DeployTrojan(t), chain.DeployTrojan(t)
	svc := servicetest.New()
	defer svc.Close()
	bybit := s.ServiceTx(t, safetest.BybitTx(trojan, backdoor, s.Nonce(t)), owners[0], owners[1])
	transfer := s.ServiceTx(t, s.TransferETHTx(t, common.HexToAddress("0x00000000000000000000000000000000000b0b01"), safetest.Ether(1)))
	svc.SetQueue(s.Address, bybit, transfer)

	m := &monitorServer{t: t, bin: bin, chain: chain, data: smallDataDir(t)}
	queueFlags := []string{"--safe-queue", svc.URL, "--safe-queue-interval", "100ms"}
	m.restart(queueFlags...)
	m.token = m.srv.token
	if code, body := request(t, "POST", m.srv.url+"/api/v1/safe/watches", m.token, `{"safe":"`+s.Address.Hex()+`"}`); code != http.StatusCreated {
		t.Fatalf("POST watches: %d %s", code, body)
	}
	byCode := func(code string) []string {
		var out []string
		for _, a := range m.alerts() {
			if a.Code == code && a.Safe == s.Address.Hex() {
				out = append(out, string(a.Severity)+" "+a.SafeTxHash+" "+a.Message)
			}
		}
		return out
	}
	m.waitFor("QUEUE_TX_REFUSED of the trojan", func() bool { return len(byCode(queue.CodeTxRefused)) > 0 })
	refused := byCode(queue.CodeTxRefused)
	var listed struct{ SafeTxHash string }
	_ = json.Unmarshal(bybit, &listed)
	if len(refused) != 1 || !strings.HasPrefix(refused[0], "critical "+listed.SafeTxHash) || !strings.Contains(refused[0], "2 of 3 confirmations collected") ||
		!strings.Contains(refused[0], "UNTRUSTED_DELEGATECALL") {
		t.Fatalf("refused alerts %q", refused)
	}
	m.stop()

	added := s.ServiceTx(t, s.AddOwnerWithThresholdTx(t, safetest.OwnerAt(41).Address, 3))
	svc.SetQueue(s.Address, bybit, transfer, added)
	m.restart(queueFlags...)
	m.waitFor("QUEUE_TX_HELD of the owner addition", func() bool { return len(byCode(queue.CodeTxHeld)) > 0 })
	if got := byCode(queue.CodeTxRefused); len(got) != 1 {
		t.Errorf("the trojan alerted again after the restart: %q", got)
	}
	if held := byCode(queue.CodeTxHeld); len(held) != 1 || !strings.HasPrefix(held[0], "high ") || !strings.Contains(held[0], policy.CodeOwnerChange) {
		t.Errorf("held alerts %q", held)
	}
	for _, a := range m.alerts() {
		if a.Code != queue.CodeTxRefused && a.Code != queue.CodeTxHeld && strings.HasPrefix(a.Code, "QUEUE_") {
			t.Errorf("unexpected alert %+v", a)
		}
	}
	m.stop()
}
