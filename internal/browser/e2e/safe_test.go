package e2e

import (
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/browser"
	"github.com/bulwark-sec/bulwark/internal/safetest"
)

// TestBybitTransactionIsRejectedWithTheSingletonChange: an analyst pastes
// the Bybit attack (a delegatecall to a trojan whose transfer() rewrites
// the Safe's singleton) as the Safe Transaction Service lists it, on a
// Safe deployed on Anvil; the server simulates it on the node and the
// page says REJECT, with the singleton change as an alarm in words and in
// the state diff.
func TestBybitTransactionIsRejectedWithTheSingletonChange(t *testing.T) {
	t.Parallel()
	b, shared := start(t)
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.3.0")
	s := d.NewSafe(t, 1, safetest.OwnerAt(0))
	trojan := chain.DeployTrojan(t)
	tx := safetest.BybitTx(trojan, trojan, s.Nonce(t))
	serviceJSON := string(s.ServiceTx(t, tx))

	// A server of its own, reading the Safe from the node.
	srv := startServer(t, shared.Bin, "--rpc", chain.URL())
	p := signIn(t, b, srv, "ana", "analyst")
	p.Go("/safe")
	p.SetValue("#tx", serviceJSON)
	p.ClickAndLoad(`[data-testid="verify-submit"]`)

	result := `[data-testid="verify-result"]`
	p.WaitVisible(result)
	if v := browser.Eval[string](p, `document.querySelector('[data-testid="verify-result"]').dataset.verdict`); v != "reject" {
		t.Errorf("verdict %q, want reject:\n%s", v, p.Text(result))
	}
	if h := p.Text(result + " h2"); !strings.Contains(strings.ToUpper(h), "REJECT") {
		t.Errorf("the verdict heading reads %q, want it to say REJECT", h)
	}
	// The alarms in words: the simulated singleton change names the
	// trojan it installs.
	p.WaitVisible(`[data-testid="singleton-alarm"]`)
	alarms := browser.Eval[map[string]string](p, `Object.fromEntries(Array.from(document.querySelectorAll('[data-testid="singleton-alarm"]'), e => [e.dataset.code, e.innerText]))`)
	if a := alarms["SIMULATED_MASTERCOPY_CHANGE"]; !strings.Contains(strings.ToLower(a), strings.ToLower(trojan.Hex())) || !strings.Contains(a, "do not sign") {
		t.Errorf("alarms %q: want SIMULATED_MASTERCOPY_CHANGE naming the trojan %s, saying do not sign", alarms, trojan.Hex())
	}
	if n := p.Count(`[data-testid="state-diff"] [data-alarm="singleton"]`); n == 0 {
		t.Errorf("the state diff shows no singleton change:\n%s", p.Text(result))
	}
	if got := p.Text(`[data-testid="safeTxHash"]`); !strings.EqualFold(got, s.OnChainTxHash(t, tx).Hex()) {
		t.Errorf("safeTxHash shown %q, want the Safe's own %s", got, s.OnChainTxHash(t, tx).Hex())
	}
	p.Shot("bybit rejected")
	// At a phone's width the verdict reads without scrolling sideways:
	// long addresses and hashes wrap.
	p.Resize(390, 844)
	p.WaitFor("the phone-width layout", `document.documentElement.clientWidth === 390`)
	if w := browser.Eval[int](p, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("at 390 px wide the page is %d px wide (scrolls sideways)", w)
	}
	p.Shot("bybit rejected at phone width")
	p.NoProblems()
}

// startServer starts another server of bin for t alone, with a fresh data
// directory and args (a node's --rpc), stopped when t ends.
func startServer(t testing.TB, bin string, args ...string) *browser.Server {
	t.Helper()
	srv, err := browser.StartServer(bin, t.TempDir(), args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("stopping bulwark serve: %v", err)
		}
		if t.Failed() {
			t.Logf("bulwark serve's log:\n%s", srv.Log())
		}
	})
	return srv
}
