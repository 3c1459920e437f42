package policy_test

import (
	"context"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

func verifyOnChain(t *testing.T, s *safetest.Safe, tx safe.Tx) *policy.Verification {
	t.Helper()
	v, err := policy.VerifyOnChain(context.Background(), s.Chain().RPC, policy.VerifyRequest{Tx: policy.ServiceTx{Safe: s.Address, Tx: tx}},
		policy.ChainOptions{Simulator: s.Chain().RPC})
	if err != nil {
		t.Fatalf("VerifyOnChain: %v", err)
	}
	return v
}

func changeKinds(s *policy.Simulation) (explained, unexplained []onchain.ChangeKind) {
	for _, c := range s.Changes {
		if c.Explained {
			explained = append(explained, c.Kind)
		} else {
			unexplained = append(unexplained, c.Kind)
		}
	}
	return
}

// TestVerifyOnChainAnvil verifies and simulates transactions on Safes of
// every version the harness deploys: Bybit's, a plain transfer, an owner
// addition, a guard and a module change, and a transaction that fails.
func TestVerifyOnChainAnvil(t *testing.T) {
	chain := safetest.StartChain(t, anviltest.Silent())
	for _, ver := range []string{"1.1.1", "1.3.0", "1.4.1"} {
		t.Run(ver, func(t *testing.T) {
			d := safetest.Deploy(t, chain, ver)
			owners := safetest.NewOwners(6)
			s := d.NewSafe(t, 3, owners...)
			s.FundETH(t, safetest.Ether(5))
			token := chain.DeployERC20(t)
			s.FundERC20(t, token, big.NewInt(1000))

			t.Run("bybit", func(t *testing.T) {
				trojan, backdoor := chain.DeployTrojan(t), chain.DeployTrojan(t)
				v := verifyOnChain(t, s, safetest.BybitTx(trojan, backdoor, s.Nonce(t)))
				codes := v.Codes()
				if v.Verdict != "reject" || !slices.Contains(codes, policy.CodeUntrustedDelegateCall) || !slices.Contains(codes, policy.CodeSimulatedMasterCopyChange) {
					t.Fatalf("verdict %s, codes %v", v.Verdict, codes)
				}
				if !v.ContractHashMatches() || v.Chain.VersionSource != "node" || v.Version.Core() != ver {
					t.Errorf("chain check %+v, version %s", v.Chain, v.Version)
				}
				_, un := changeKinds(v.Simulation)
				if v.Simulation.Status != "success" || !slices.Contains(un, onchain.ChangeSingleton) || v.Simulation.After.Singleton != backdoor {
					t.Errorf("simulation %+v", v.Simulation)
				}
			})
			t.Run("eth transfer", func(t *testing.T) {
				to := common.HexToAddress("0x00000000000000000000000000000000000b0b01")
				v, err := policy.VerifyOnChain(context.Background(), s.Chain().RPC, policy.VerifyRequest{Tx: policy.ServiceTx{Safe: s.Address, Tx: s.TransferETHTx(t, to, safetest.Ether(1))},
					Policy: policy.Policy{Screener: policy.TestdataScreener(t)}}, policy.ChainOptions{Simulator: s.Chain().RPC})
				if err != nil {
					t.Fatal(err)
				}
				if v.Verdict != "ok" || len(v.Findings) != 0 {
					t.Fatalf("verdict %s, findings %+v", v.Verdict, v.Findings)
				}
				if !v.Simulated() || !v.JSON().Simulated {
					t.Error("a simulated verification does not say so")
				}
				// Without a simulator the verdict says what was not checked,
				// and needs review as when the node cannot simulate.
				ns, err := policy.VerifyOnChain(context.Background(), s.Chain().RPC, policy.VerifyRequest{Tx: policy.ServiceTx{Safe: s.Address, Tx: s.TransferETHTx(t, to, safetest.Ether(1))},
					Policy: policy.Policy{Screener: policy.TestdataScreener(t)}}, policy.ChainOptions{})
				if err != nil || !slices.Equal(ns.Codes(), []string{policy.CodeSimulationUnavailable}) || ns.Findings[0].Severity != policy.SeverityMedium ||
					!strings.Contains(ns.Findings[0].Message, "no simulation was asked for") || ns.Verdict != "review" || ns.Simulated() {
					t.Fatalf("without a simulator: %v, verdict %s, findings %+v", err, ns.Verdict, ns.Findings)
				}
				ex, un := changeKinds(v.Simulation)
				if len(un) != 0 || !slices.Equal(ex, []onchain.ChangeKind{onchain.ChangeNonce, onchain.ChangeBalance}) ||
					v.Simulation.ETHLeaving.Cmp(safetest.Ether(1)) != 0 || len(v.Simulation.OtherStorage) != 0 {
					t.Errorf("simulation %+v", v.Simulation)
				}
			})
			t.Run("erc20 transfer", func(t *testing.T) {
				to := common.HexToAddress("0x00000000000000000000000000000000000b0b02")
				v := verifyOnChain(t, s, s.ERC20TransferTx(t, token, to, big.NewInt(400)))
				tt := v.Simulation.TokenTransfers
				if len(tt) != 1 || tt[0].Token != token || tt[0].To != to || tt[0].Amount.Int64() != 400 {
					t.Errorf("token transfers %+v (logs available %v)", tt, v.Simulation.LogsAvailable)
				}
			})
			t.Run("add owner", func(t *testing.T) {
				newOwner := safetest.OwnerAt(40).Address
				v := verifyOnChain(t, s, s.AddOwnerWithThresholdTx(t, newOwner, 4))
				ex, un := changeKinds(v.Simulation)
				if v.Verdict != "review" || len(un) != 0 || !slices.Contains(ex, onchain.ChangeOwnerAdded) || !slices.Contains(ex, onchain.ChangeThreshold) {
					t.Errorf("verdict %s, codes %v, simulation %+v", v.Verdict, v.Codes(), v.Simulation.Changes)
				}
			})
			t.Run("fails", func(t *testing.T) {
				// More ETH than the Safe holds: the inner call fails.
				v := verifyOnChain(t, s, s.TransferETHTx(t, common.HexToAddress("0x00000000000000000000000000000000000b0b03"), safetest.Ether(500)))
				if !slices.Contains(v.Codes(), policy.CodeSimulationFailed) || v.Verdict != "review" {
					t.Errorf("verdict %s, codes %v, simulation %s %s", v.Verdict, v.Codes(), v.Simulation.Status, v.Simulation.Reason)
				}
			})
			if ver != "1.1.1" {
				t.Run("set guard", func(t *testing.T) {
					v := verifyOnChain(t, s, s.SetGuardTx(t, chain.DeployGuard(t)))
					ex, un := changeKinds(v.Simulation)
					if len(un) != 0 || !slices.Contains(ex, onchain.ChangeGuard) {
						t.Errorf("codes %v, changes %+v", v.Codes(), v.Simulation.Changes)
					}
				})
			}
		})
	}
}

// TestVerifyOnChainNeverGuesses: a chain id or version the node
// contradicts is an error naming the field; a Safe whose singleton was
// replaced has no version the node can establish, so one must be given,
// and is then UNKNOWN_SINGLETON.
func TestVerifyOnChainNeverGuesses(t *testing.T) {
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.1.1")
	owners := safetest.NewOwners(3)
	s := d.NewSafe(t, 2, owners...)
	tx := s.TransferETHTx(t, owners[0].Address, new(big.Int))
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		chainID int64
		version string
		want    string
	}{
		{"chain id", 5, "", "--chain-id: 5 is not the chain id of the node at --rpc, which is on chain 31337"},
		{"version", 0, "1.3.0", "--safe-version: 1.3.0 contradicts the chain"},
	} {
		req := policy.VerifyRequest{Tx: policy.ServiceTx{Safe: s.Address, Tx: tx}}
		if tc.chainID != 0 {
			req.ChainID = big.NewInt(tc.chainID)
		}
		if tc.version != "" {
			req.Version = mustVersion(t, tc.version)
		}
		_, err := policy.VerifyOnChain(ctx, chain.RPC, req, policy.ChainOptions{Fields: policy.CLIChainFields})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}

	// Hijack the Safe (Bybit), then verify the next transaction.
	trojan := chain.DeployTrojan(t)
	s.MustExec(t, safetest.BybitTx(trojan, trojan, s.Nonce(t)), safetest.EIP712, owners[:2]...)
	req := policy.VerifyRequest{Tx: policy.ServiceTx{Safe: s.Address, Tx: tx}}
	if _, err := policy.VerifyOnChain(ctx, chain.RPC, req, policy.ChainOptions{}); err == nil || !strings.Contains(err.Error(), "cannot establish the version") {
		t.Fatalf("hijacked Safe without a version: %v", err)
	}
	req.Version = mustVersion(t, "1.1.1")
	v, err := policy.VerifyOnChain(ctx, chain.RPC, req, policy.ChainOptions{Simulator: chain.RPC})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(v.Codes(), policy.CodeUnknownSingleton) || v.Chain.VersionSource != "given" || v.Verdict == "ok" {
		t.Errorf("verdict %s, codes %v, %+v", v.Verdict, v.Codes(), v.Chain)
	}
}

// BenchmarkVerifyWithSimulation: verify Bybit's transaction against a
// local Anvil node, with code hashes, getTransactionHash and simulation.
func BenchmarkVerifyWithSimulation(b *testing.B) {
	chain := safetest.StartChain(b, anviltest.Silent())
	d := safetest.Deploy(b, chain, "1.1.1")
	s := d.NewSafe(b, 3, safetest.NewOwners(6)...)
	s.FundETH(b, safetest.Ether(5))
	trojan := chain.DeployTrojan(b)
	req := policy.VerifyRequest{Tx: policy.ServiceTx{Safe: s.Address, Tx: safetest.BybitTx(trojan, trojan, s.Nonce(b))}}
	ctx := context.Background()
	for b.Loop() {
		v, err := policy.VerifyOnChain(ctx, chain.RPC, req, policy.ChainOptions{Simulator: chain.RPC})
		if err != nil || v.Verdict != "reject" {
			b.Fatal(err)
		}
	}
}

func mustVersion(t testing.TB, s string) safe.Version {
	t.Helper()
	v, err := safe.ParseVersion("version", s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// failingSim is a Simulator whose every call fails with err.
type failingSim struct{ err error }

func (f failingSim) SimulateCall(context.Context, policy.SimCall) (*policy.SimTrace, error) {
	return nil, f.err
}

// TestVerifyOnChainSimulationErrors: a node that answers that it cannot
// simulate gives a verdict without a simulation (SIMULATION_UNAVAILABLE,
// review); a simulation that did not happen this time (the node did not
// answer in time, could not be reached, the request was cancelled) gives
// no verdict at all but the error, to be asked again: a passing failure
// of a loaded node never becomes a held or refused transaction.
func TestVerifyOnChainSimulationErrors(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(2)
	s := d.NewSafe(t, 2, owners...)
	req := policy.VerifyRequest{Tx: policy.ServiceTx{Safe: s.Address, Tx: s.TransferETHTx(t, owners[0].Address, new(big.Int))}}
	refused := bulwark.Wrap(errors.Join(policy.ErrCannotSimulate, errors.New("debug_traceCall: method not found (code -32601)")), bulwark.EUNAVAILABLE,
		"the node cannot simulate with debug_traceCall and the prestateTracer: method not found")
	for _, tc := range []struct {
		name     string
		err      error
		wantCode string // the error's code; "" for a verdict
	}{
		{"the node cannot simulate", refused, ""},
		{"timeout", bulwark.Errorf(bulwark.ETIMEOUT, "node at http://127.0.0.1:1 did not answer batch within 20s"), bulwark.ETIMEOUT},
		{"unreachable", bulwark.Errorf(bulwark.EUNAVAILABLE, "node at http://127.0.0.1:1 is unreachable: connection reset"), bulwark.EUNAVAILABLE},
		{"cancelled", context.Canceled, bulwark.EINTERNAL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := policy.VerifyOnChain(context.Background(), chain.RPC, req, policy.ChainOptions{Simulator: failingSim{tc.err}})
			if tc.wantCode != "" {
				if v != nil || err == nil || !strings.Contains(bulwark.ErrorMessage(err), "cannot simulate the transaction at block") {
					t.Fatalf("verification %v, error %v; want no verdict and the error", v, err)
				}
				if tc.wantCode != bulwark.EINTERNAL && bulwark.ErrorCode(err) != tc.wantCode {
					t.Errorf("error code %s, want %s", bulwark.ErrorCode(err), tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.Simulation.Status != "unavailable" || !slices.Contains(v.Codes(), policy.CodeSimulationUnavailable) || v.Verdict != bulwark.VerdictReview {
				t.Errorf("simulation %s, verdict %s, codes %v", v.Simulation.Status, v.Verdict, v.Codes())
			}
		})
	}
}
