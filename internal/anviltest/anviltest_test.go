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
