package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// TestSafeVerifyAPIOnChain: a server with a node (serve --rpc) reads the
// chain id and version from it, simulates, answers the simulation and
// audits the block and its summary; a request still cannot name a node.
func TestSafeVerifyAPIOnChain(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.1.1")
	s := d.NewSafe(t, 3, safetest.NewOwners(6)...)
	trojan := chain.DeployTrojan(t)
	tx := safetest.BybitTx(trojan, trojan, s.Nonce(t))
	e := newEnv(t, func(c *Config) {
		c.SafeOnChain = true
		c.SafeVerifier = func(ctx context.Context, req policy.VerifyRequest) (*policy.Verification, error) {
			return policy.VerifyOnChain(ctx, chain.RPC, req, policy.ChainOptions{Simulator: chain.RPC})
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
	for _, tc := range []struct{ query, extra, field, msg string }{
		{"", `,"chainId":1`, "chainId", "not the chain id of the node"},
		{"?chainId=1", "", "chainId", "not the chain id of the node"},
		{"?safeVersion=1.4.1", "", "safeVersion", "contradicts the chain"},
		{"", `,"rpc":"http://127.0.0.1:1"`, "rpc", "cannot choose the node"},
	} {
		rec := e.do("POST", "/api/v1/safe/verify"+tc.query, jsonHeaders("analyst"), strings.TrimSuffix(body, "}")+tc.extra+"}")
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("%s: status %d: %s", tc.field, rec.Code, rec.Body)
		}
		if d := decodeErrorBody(t, rec.Body.Bytes()); d.Field != tc.field || !strings.Contains(d.Message, tc.msg) {
			t.Errorf("%s: %+v", tc.field, d)
		}
	}
}

// TestSafeVerifyAPINodeDownHidesURL: when the server's node fails, the
// error an API caller sees names no part of the node's URL — not its host,
// nor a key in its user info, path or query.
func TestSafeVerifyAPINodeDownHidesURL(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	client, err := ethrpc.Dial("http://alice:s3cret@"+addr+"/v3/SECRETKEY?apikey=QUERYKEY", ethrpc.Options{MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	e := newEnv(t, func(c *Config) {
		c.SafeOnChain = true
		c.SafeVerifier = func(ctx context.Context, req policy.VerifyRequest) (*policy.Verification, error) {
			return policy.VerifyOnChain(ctx, client, req, policy.ChainOptions{Simulator: client})
		}
	})
	rec := e.do("POST", "/api/v1/safe/verify", jsonHeaders("analyst"), "{"+ethTx+"}")
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	d := decodeErrorBody(t, rec.Body.Bytes())
	if d.Code != "unavailable" || !strings.HasPrefix(d.Message, "the node is unreachable: connection refused") {
		t.Errorf("error %+v", d)
	}
	for _, s := range []string{"alice", "s3cret", "SECRETKEY", "QUERYKEY", "apikey", "/v3", addr, "127.0.0.1", "http"} {
		if strings.Contains(rec.Body.String(), s) {
			t.Errorf("the answer shows %q: %s", s, rec.Body)
		}
	}
}

func TestHideNodeURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"node at https://node.example/… is unreachable: connection refused (is it running? check --rpc)", "the node is unreachable: connection refused (is it running? check --rpc)"},
		{"node rate limit: node at http://[::1]:8545 refused eth_call: HTTP 429", "node rate limit: the node refused eth_call: HTTP 429"},
		{"the node at http://h:1/… cannot simulate with debug_traceCall", "the node cannot simulate with debug_traceCall"},
		{"block 5 not found on node at http://h:1", "block 5 not found on the node"},
		{"chainId: 1 is not the chain id of the node at rpc, which is on chain 5", "chainId: 1 is not the chain id of the node at rpc, which is on chain 5"},
		{"see https://x.example/key/abc for more", "see (URL not shown) for more"},
	} {
		err := hideNodeURL(bulwark.Errorf(bulwark.EUNAVAILABLE, "%s", tc.in))
		if bulwark.ErrorMessage(err) != tc.want || bulwark.ErrorCode(err) != bulwark.EUNAVAILABLE {
			t.Errorf("hideNodeURL(%q) = %q (%s), want %q", tc.in, bulwark.ErrorMessage(err), bulwark.ErrorCode(err), tc.want)
		}
	}
}
