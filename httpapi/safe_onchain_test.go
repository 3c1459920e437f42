package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe"
)

// TestSafeVerifyAPIOnChain: a server with a node (serve --rpc) reads the
// chain id and version from it, simulates, answers the simulation and
// audits the block and its summary; a request still cannot name a node.
func TestSafeVerifyAPIOnChain(t *testing.T) {
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.1.1")
	s := d.NewSafe(t, 3, safetest.NewOwners(6)...)
	trojan := chain.DeployTrojan(t)
	tx := safetest.BybitTx(trojan, trojan, s.Nonce(t))
	e := newEnv(t, func(c *Config) {
		c.SafeOnChain = true
		c.SafeVerifier = func(ctx context.Context, req safe.VerifyRequest) (*safe.Verification, error) {
			return safe.VerifyOnChain(ctx, chain.RPC, req, safe.ChainOptions{Simulator: chain.RPC})
		}
	})
	body := fmt.Sprintf(`{"safe":%q,"to":%q,"value":"0","data":"0x%x","operation":1,"safeTxGas":%d,"nonce":%s}`,
		s.Address.Hex(), trojan.Hex(), tx.Data, safetest.BybitSafeTxGas, tx.Nonce)

	rec := e.do("POST", "/api/v1/safe/verify", jsonHeaders("analyst"), body)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	verdictIs("reject", "UNTRUSTED_DELEGATECALL", "SIMULATED_MASTERCOPY_CHANGE")(t, e, rec)
	var out struct {
		ChainID, SafeVersion string
		Chain                struct{ Block string }
		Simulation           struct{ Status string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.ChainID != "31337" || out.SafeVersion != "1.1.1" || out.Chain.Block == "" || out.Simulation.Status != "success" {
		t.Errorf("%s", rec.Body)
	}
	var details string
	for _, en := range e.auditEntries() {
		if en.Action == "safe.verify" {
			details = string(en.Details)
		}
	}
	if !strings.Contains(details, `"block":`+out.Chain.Block) || !strings.Contains(details, `"!singleton"`) || !strings.Contains(details, `"simulation":{`) {
		t.Errorf("audit details %s", details)
	}

	// A wrong chain id is refused, naming it; a request never picks the node.
	for _, tc := range []struct{ extra, field, msg string }{
		{`,"chainId":1`, "chainId", "not the chain id of the node"},
		{`,"rpc":"http://127.0.0.1:1"`, "rpc", "cannot choose the node"},
	} {
		rec := e.do("POST", "/api/v1/safe/verify", jsonHeaders("analyst"), strings.TrimSuffix(body, "}")+tc.extra+"}")
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("%s: status %d: %s", tc.field, rec.Code, rec.Body)
		}
		if d := decodeErrorBody(t, rec.Body.Bytes()); d.Field != tc.field || !strings.Contains(d.Message, tc.msg) {
			t.Errorf("%s: %+v", tc.field, d)
		}
	}
}
