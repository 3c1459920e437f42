package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
)

// fbiBybitAddress is the first address of the FBI's Bybit PSA
// (I-022625-PSA) in the project's shared data; the test is skipped
// without it.
func fbiBybitAddress(t *testing.T) common.Address {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "data", "screen", "dprk", "fbi_I-022625-PSA_bybit_eth_addresses.txt")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Skipf("the FBI's Bybit address list is not in the shared data (%v): cannot test the refusal of a transfer to one", err)
	}
	first, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if !common.IsHexAddress(strings.TrimSpace(first)) {
		t.Fatalf("%s starts with %q, not an address", p, first)
	}
	return common.HexToAddress(strings.TrimSpace(first))
}

// TestSafeCosignRefusesFBIAddress: on a Safe of two humans and the
// co-signer (threshold 3) on Anvil, with a new data directory (which
// starts with the default lists), 'bulwark safe cosign' refuses a 1 ETH
// transfer to an address of the FBI's Bybit PSA (exit 3, ATTRIBUTED_ADDRESS
// naming the recipient, the list and its version; nothing signed), the
// humans' two signatures cannot execute it, 'safe verify --rpc' rejects it
// too, and both audit entries record the list versions screened against.
func TestSafeCosignRefusesFBIAddress(t *testing.T) {
	t.Parallel()
	lazarus := fbiBybitAddress(t)
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	cosigner := safetest.Cosigner()
	s := d.NewCosignedSafe(t, cosigner, 2)
	env := map[string]string{"BULWARK_DATA": t.TempDir(), "TEST_OS_USER": "alice"}
	tx := s.TransferETHTx(t, lazarus, safetest.Ether(1))
	file := writeServiceTx(t, s.Safe, tx)

	code, stdout, stderr := runCosigner(t, env, cosigner.Key, "safe", "cosign", "--tx", file, "--rpc", chain.URL(), "--lists-max-age", "0", "--json")
	type finding struct {
		Code, Severity, Message string
		Fields                  map[string]string
	}
	var out struct {
		cosignOut
		Findings []finding
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || code != 3 {
		t.Fatalf("exit %d (want 3), stderr %q, %v\n%s", code, stderr, err, stdout)
	}
	if out.Decision != "refused" || out.Signature != "" || !slices.Contains(out.Deciding, "ATTRIBUTED_ADDRESS") {
		t.Fatalf("cosign: %+v", out.cosignOut)
	}
	i := slices.IndexFunc(out.Findings, func(f finding) bool { return f.Code == "ATTRIBUTED_ADDRESS" })
	f := out.Findings[i]
	if f.Severity != "critical" || f.Fields["list"] != "fbi-dprk" || f.Fields["address"] != lazarus.Hex() || len(f.Fields["listVersion"]) != 64 ||
		!strings.Contains(f.Message, "recipient of 1 ETH") || !strings.Contains(f.Message, lazarus.Hex()) {
		t.Errorf("finding %+v", f)
	}
	if r := s.RevertReason(t, tx, s.Signatures(t, tx, nil)); !strings.Contains(r, "GS020") {
		t.Errorf("the humans' two signatures: %q, want a GS020 revert (signatures too short)", r)
	}

	code, stdout, _ = run(t, env, "safe", "verify", "--tx", file, "--rpc", chain.URL())
	if code != 3 || !strings.Contains(stdout, "ATTRIBUTED_ADDRESS") || !strings.Contains(stdout, "Addresses screened against fbi-dprk ") {
		t.Errorf("safe verify --rpc: exit %d\n%s", code, stdout)
	}

	code, stdout, _ = run(t, env, "audit", "list", "--json")
	var entries []struct {
		Action  string
		Details struct {
			Screening struct {
				Checked bool
				Lists   []struct{ ID, SHA256 string }
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &entries); code != 0 || err != nil {
		t.Fatalf("audit list: exit %d, %v", code, err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if e.Action != "safe.cosign" && e.Action != "safe.verify" {
			continue
		}
		ok := e.Details.Screening.Checked && slices.ContainsFunc(e.Details.Screening.Lists, func(l struct{ ID, SHA256 string }) bool {
			return l.ID == "fbi-dprk" && l.SHA256 == f.Fields["listVersion"]
		})
		if !ok {
			t.Errorf("%s entry's screening %+v, want fbi-dprk %s", e.Action, e.Details.Screening, f.Fields["listVersion"])
		}
		seen[e.Action] = true
	}
	if !seen["safe.cosign"] || !seen["safe.verify"] {
		t.Errorf("audit actions %v", seen)
	}
}
