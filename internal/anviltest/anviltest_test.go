package anviltest

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestStartStopRestart(t *testing.T) {
	n := Start(t, WithChainID(4242))
	var id string
	n.Call(t, &id, "eth_chainId")
	if id != "0x1092" {
		t.Fatalf("eth_chainId = %s, want 0x1092", id)
	}
	var accounts []string
	n.Call(t, &accounts, "eth_accounts")
	want := DefaultAccounts()
	if len(accounts) != len(want) {
		t.Fatalf("got %d accounts, want %d", len(accounts), len(want))
	}
	for i, a := range accounts {
		if !strings.EqualFold(a, want[i].Hex()) {
			t.Errorf("account %d = %s, want %s", i, a, want[i].Hex())
		}
	}

	url := n.URL
	n.Stop()
	n.Stop() // idempotent
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rawCall(ctx, n.URL, nil, "eth_chainId"); err == nil {
		t.Fatal("call to a stopped node succeeded")
	}

	n.Restart()
	if n.URL != url {
		t.Fatalf("URL changed across restart: %s -> %s", url, n.URL)
	}
	n.Call(t, &id, "eth_chainId")
	if id != "0x1092" {
		t.Fatalf("after restart eth_chainId = %s, want 0x1092", id)
	}
}

func TestTwoNodesDistinctPortsSameGenesis(t *testing.T) {
	a := Start(t, Silent())
	b := Start(t, Silent())
	if a.URL == b.URL {
		t.Fatalf("two nodes share %s", a.URL)
	}
	type block struct {
		Hash      string `json:"hash"`
		Timestamp string `json:"timestamp"`
	}
	var ga, gb block
	a.Call(t, &ga, "eth_getBlockByNumber", "0x0", false)
	b.Call(t, &gb, "eth_getBlockByNumber", "0x0", false)
	if ga.Hash == "" || ga != gb || ga.Timestamp != "0x6553f100" {
		t.Fatalf("genesis blocks differ or have the wrong time: %+v / %+v", ga, gb)
	}

	accts := DefaultAccounts()
	h := a.SendTransaction(t, map[string]any{"from": accts[0], "to": accts[1], "value": "0x1"})
	var receipt struct {
		Status string `json:"status"`
	}
	a.Call(t, &receipt, "eth_getTransactionReceipt", h)
	if receipt.Status != "0x1" {
		t.Fatalf("transfer receipt status = %q", receipt.Status)
	}
}

// fakeTB records Skip and Fatal instead of ending the real test.
type fakeTB struct {
	testing.TB
	skipped, fatal string
}

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Skip(args ...any)                  { f.skipped = strings.TrimSpace(sprint(args)); runtime.Goexit() }
func (f *fakeTB) Fatal(args ...any)                 { f.fatal = strings.TrimSpace(sprint(args)); runtime.Goexit() }
func (f *fakeTB) Fatalf(format string, args ...any) { f.fatal = format; runtime.Goexit() }

func sprint(args []any) string {
	var b strings.Builder
	for _, a := range args {
		if s, ok := a.(string); ok {
			b.WriteString(s)
		}
	}
	return b.String()
}

func TestMissingBinary(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ci       string
		wantSkip bool
	}{
		{"local run skips", "", true},
		{"CI fails", "true", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvBinary, "/nonexistent/anvil")
			t.Setenv("CI", tc.ci)
			if tc.ci == "" {
				os.Unsetenv("CI")
			}
			f := &fakeTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				Start(f)
			}()
			<-done
			got := f.fatal
			if tc.wantSkip {
				got = f.skipped
			}
			if !strings.Contains(got, "run scripts/install-test-deps.sh") {
				t.Fatalf("skip=%q fatal=%q; want the install hint in the %s", f.skipped, f.fatal, map[bool]string{true: "skip", false: "fatal"}[tc.wantSkip])
			}
		})
	}
}

// TestRestartWithState: a node WithState comes back on the same port with
// the same chain — blocks, hashes, balances, the state at an earlier block
// — and mines on top of the block it stopped at; a plain restart starts a
// new chain.
func TestRestartWithState(t *testing.T) {
	n := Start(t, WithState(), Silent())
	accts := DefaultAccounts()
	n.SendTransaction(t, map[string]any{"from": accts[0], "to": accts[1], "value": "0x2a"})
	n.Call(t, nil, "evm_mine")
	type block struct {
		Number     string `json:"number"`
		Hash       string `json:"hash"`
		ParentHash string `json:"parentHash"`
	}
	var head, first block
	n.Call(t, &head, "eth_getBlockByNumber", "latest", false)
	n.Call(t, &first, "eth_getBlockByNumber", "0x1", false)
	if head.Number != "0x2" {
		t.Fatalf("head %+v, want block 2", head)
	}
	var before string
	n.Call(t, &before, "eth_getBalance", accts[1], "latest")

	url := n.URL
	n.Stop()
	n.Restart()
	if n.URL != url {
		t.Fatalf("URL changed across restart: %s -> %s", url, n.URL)
	}
	var head2, first2 block
	n.Call(t, &head2, "eth_getBlockByNumber", "latest", false)
	n.Call(t, &first2, "eth_getBlockByNumber", "0x1", false)
	if head2 != head || first2 != first {
		t.Fatalf("after restart head %+v block 1 %+v, want %+v %+v", head2, first2, head, first)
	}
	var after, atGenesis string
	n.Call(t, &after, "eth_getBalance", accts[1], "latest")
	n.Call(t, &atGenesis, "eth_getBalance", accts[1], map[string]any{"blockHash": first.ParentHash})
	if after != before || atGenesis != "0x21e19e0c9bab2400000" {
		t.Fatalf("balance after restart %s (before %s), at genesis %s", after, before, atGenesis)
	}
	n.Call(t, nil, "evm_mine")
	var next block
	n.Call(t, &next, "eth_getBlockByNumber", "latest", false)
	if next.Number != "0x3" || next.ParentHash != head.Hash {
		t.Fatalf("block mined after restart %+v, want block 3 on %s", next, head.Hash)
	}

	// Restart without Stop first: the same.
	n.Restart()
	var head3 block
	n.Call(t, &head3, "eth_getBlockByNumber", "latest", false)
	if head3 != next {
		t.Fatalf("after a second restart head %+v, want %+v", head3, next)
	}

	// Without WithState, a restart starts a new chain.
	m := Start(t, Silent())
	m.Call(t, nil, "evm_mine")
	m.Restart()
	var num string
	m.Call(t, &num, "eth_blockNumber")
	if num != "0x0" {
		t.Fatalf("plain restart: block number %s, want 0x0", num)
	}
}
