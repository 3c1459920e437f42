package cli

import (
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe"
)

// writeServiceTx writes tx of Safe s as a Safe Transaction Service JSON.
func writeServiceTx(t *testing.T, s *safetest.Safe, tx safe.Tx) string {
	t.Helper()
	n := func(x *big.Int) string {
		if x == nil {
			return "0"
		}
		return x.String()
	}
	doc := map[string]any{
		"safe": s.Address.Hex(), "to": tx.To.Hex(), "value": n(tx.Value), "data": "0x" + common.Bytes2Hex(tx.Data),
		"operation": int(tx.Operation), "safeTxGas": n(tx.SafeTxGas), "baseGas": n(tx.BaseGas), "gasPrice": n(tx.GasPrice),
		"gasToken": tx.GasToken.Hex(), "refundReceiver": tx.RefundReceiver.Hex(), "nonce": n(tx.Nonce),
	}
	b, _ := json.Marshal(doc)
	p := filepath.Join(t.TempDir(), "tx.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type rpcVerifyOut struct {
	SafeTxHash, Verdict, ChainID, SafeVersion string
	Findings                                  []struct{ Code, Severity string }
	Chain                                     struct {
		Block, VersionSource, ChainIDSource, ContractSafeTxHash string
		SafeTxHashMatchesContract                               bool
	}
	Simulation *struct {
		Status, EthLeaving string
		Changes            []struct {
			Kind      string
			Explained bool
		}
		Unexplained int
	}
}

func (o *rpcVerifyOut) has(code string) bool {
	for _, f := range o.Findings {
		if f.Code == code {
			return true
		}
	}
	return false
}

// TestSafeVerifyRPC runs 'bulwark safe verify --rpc' against Safes on a
// real Anvil node: the Bybit replay is rejected with a simulated slot-0
// change, a plain transfer is ok with only nonce and ETH moving, an owner
// addition needs review with its owner change explained, the chain id and
// version are read from the node, and a node that is down is an error
// naming --rpc.
func TestSafeVerifyRPC(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	for _, ver := range []string{"1.1.1", "1.3.0", "1.4.1"} {
		t.Run(ver, func(t *testing.T) {
			d := safetest.Deploy(t, chain, ver)
			owners := safetest.NewOwners(6)
			s := d.NewSafe(t, 3, owners...)
			s.FundETH(t, safetest.Ether(10))
			env := map[string]string{"BULWARK_DATA": t.TempDir(), "TEST_OS_USER": "alice"}
			verify := func(t *testing.T, tx safe.Tx, extra ...string) (int, rpcVerifyOut, string) {
				t.Helper()
				args := append([]string{"safe", "verify", "--tx", writeServiceTx(t, s, tx), "--rpc", chain.URL(), "--json"}, extra...)
				code, stdout, stderr := run(t, env, args...)
				var out rpcVerifyOut
				if err := json.Unmarshal([]byte(stdout), &out); err != nil {
					t.Fatalf("exit %d, stderr %q: %v\n%s", code, stderr, err, stdout)
				}
				return code, out, stdout
			}

			t.Run("bybit", func(t *testing.T) {
				trojan, backdoor := chain.DeployTrojan(t), chain.DeployTrojan(t)
				code, out, raw := verify(t, safetest.BybitTx(trojan, backdoor, s.Nonce(t)), "--chain-id", "31337", "--safe-version", ver)
				if code != 3 || out.Verdict != "reject" || !out.has("UNTRUSTED_DELEGATECALL") || !out.has("SIMULATED_MASTERCOPY_CHANGE") ||
					out.Simulation == nil || out.Simulation.Unexplained == 0 || out.Chain.ChainIDSource != "given+node" {
					t.Fatalf("exit %d\n%s", code, raw)
				}
				// The text output says it too.
				code, stdout, _ := run(t, env, "safe", "verify", "--tx", writeServiceTx(t, s, safetest.BybitTx(trojan, backdoor, s.Nonce(t))), "--rpc", chain.URL())
				if code != 3 || !strings.Contains(stdout, "singleton 0x") || !strings.Contains(stdout, "NOT EXPLAINED") || !strings.Contains(stdout, "SIMULATED_MASTERCOPY_CHANGE") {
					t.Errorf("text: exit %d\n%s", code, stdout)
				}
			})
			t.Run("eth transfer", func(t *testing.T) {
				code, out, raw := verify(t, s.TransferETHTx(t, common.HexToAddress("0x00000000000000000000000000000000000b0b01"), safetest.Ether(1)))
				var kinds []string
				for _, c := range out.Simulation.Changes {
					kinds = append(kinds, c.Kind)
				}
				if code != 0 || out.Verdict != "ok" || len(out.Findings) != 0 || out.Simulation.Status != "success" ||
					strings.Join(kinds, ",") != "nonce,balance" || out.Simulation.EthLeaving != safetest.Ether(1).String() {
					t.Fatalf("exit %d, kinds %v\n%s", code, kinds, raw)
				}
			})
			t.Run("add owner", func(t *testing.T) {
				code, out, raw := verify(t, s.AddOwnerWithThresholdTx(t, safetest.OwnerAt(41).Address, 3))
				added := false
				for _, c := range out.Simulation.Changes {
					added = added || (c.Kind == "owner_added" && c.Explained)
				}
				if code != 2 || out.Verdict != "review" || !out.has("OWNER_CHANGE") || !added || out.Simulation.Unexplained != 0 {
					t.Fatalf("exit %d\n%s", code, raw)
				}
			})
			t.Run("reads chain id and version", func(t *testing.T) {
				tx := s.TransferETHTx(t, owners[0].Address, big.NewInt(1))
				code, out, raw := verify(t, tx)
				onChain := s.OnChainTxHash(t, tx)
				if code != 0 || out.ChainID != "31337" || out.SafeVersion != ver || out.Chain.VersionSource != "node" || out.Chain.ChainIDSource != "node" ||
					out.SafeTxHash != onChain.Hex() || out.Chain.ContractSafeTxHash != onChain.Hex() || !out.Chain.SafeTxHashMatchesContract {
					t.Fatalf("exit %d, contract %s\n%s", code, onChain.Hex(), raw)
				}
			})
			t.Run("disagreeing flags", func(t *testing.T) {
				tx := writeServiceTx(t, s, s.TransferETHTx(t, owners[0].Address, big.NewInt(1)))
				for _, tc := range []struct{ flag, value, want string }{
					{"--chain-id", "1", "--chain-id: 1 is not the chain id of the node at --rpc"},
					{"--safe-version", "1.5.0", "--safe-version: 1.5.0 contradicts the chain"},
				} {
					code, stdout, stderr := run(t, env, "safe", "verify", "--tx", tx, "--rpc", chain.URL(), tc.flag, tc.value)
					if code != 1 || stdout != "" || !strings.Contains(stderr, tc.want) {
						t.Errorf("%s %s: exit %d, stderr %q", tc.flag, tc.value, code, stderr)
					}
				}
				// The file's own chainId is checked against the node too,
				// and the error says it is the file's.
				withKey := filepath.Join(t.TempDir(), "tx.json")
				addKeys(t, tx, withKey, map[string]any{"chainId": 1})
				code, stdout, stderr := run(t, env, "safe", "verify", "--tx", withKey, "--rpc", chain.URL())
				if code != 1 || stdout != "" || !strings.Contains(stderr, "bulwark: --tx: "+withKey+": chainId: 1 is not the chain id of the node at --rpc") {
					t.Errorf("file's chainId: exit %d, stderr %q", code, stderr)
				}
			})
		})
	}

	t.Run("node down", func(t *testing.T) {
		env := map[string]string{"BULWARK_DATA": t.TempDir()}
		code, stdout, stderr := run(t, env, "safe", "verify", "--tx", verifyFile("eth-transfer"), "--rpc", "http://127.0.0.1:1")
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		last := lines[len(lines)-1] // a retry warning may come before
		if code != 1 || stdout != "" || !strings.HasPrefix(last, "bulwark: --rpc: node at http://127.0.0.1:1 is unreachable") {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
	})
	t.Run("not a Safe", func(t *testing.T) {
		env := map[string]string{"BULWARK_DATA": t.TempDir()}
		code, _, stderr := run(t, env, "safe", "verify", "--tx", verifyFile("eth-transfer"), "--rpc", chain.URL())
		if code != 1 || !strings.Contains(stderr, "--tx: ") || !strings.Contains(stderr, "not a Safe") && !strings.Contains(stderr, "no code") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
}

// writeConfirmedTx writes tx as the Safe Transaction Service lists it,
// confirmed by the first human owner (safetest.Humans): the owner's
// confirmation the co-signer requires before it signs.
func writeConfirmedTx(t *testing.T, s *safetest.Safe, tx safe.Tx) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tx.json")
	if err := os.WriteFile(p, s.ServiceTx(t, tx, safetest.Humans()[0]), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
