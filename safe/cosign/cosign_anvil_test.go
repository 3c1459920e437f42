package cosign_test

import (
	"context"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/screening"
)

// cosigner is the co-signer's key in these tests; humans are the Safe's
// other owners.
var (
	cosignerOwner = safetest.Cosigner()
	humans        = safetest.Humans()
)

// fixture is a Safe owned by two humans and the co-signer, threshold 3,
// with a co-signer service on the chain.
type fixture struct {
	chain *safetest.Chain
	d     *safetest.Deployment
	s     *safetest.CosignedSafe
	env   *env
	svc   *cosign.Service
}

func newFixture(t *testing.T, chain *safetest.Chain, d *safetest.Deployment) *fixture {
	t.Helper()
	s := d.NewCosignedSafe(t, cosignerOwner, 5)
	e := newEnv(t)
	return &fixture{chain: chain, d: d, s: s, env: e, svc: e.service(chain)}
}

func (e *env) service(chain *safetest.Chain) *cosign.Service {
	return &cosign.Service{Chain: chain.RPC, Simulator: chain.RPC, Signer: cosignerOwner.Signer(), Store: e.store,
		Audit: e.log, Verifications: e.db, Policy: policy.Policy{Screener: defaultScreener}}
}

func (f *fixture) cosign(t *testing.T, tx safe.Tx, mod ...func(*cosign.Request)) *cosign.Result {
	t.Helper()
	// Confirmed by a human owner, as the co-signer requires before it signs.
	req := cosign.Request{Tx: policy.ServiceTx{Safe: f.s.Address, Tx: tx, Confirmations: f.s.Confirmations(t, tx, humans[0])}, Requester: "alice", Actor: "cli:alice"}
	for _, m := range mod {
		m(&req)
	}
	r, err := f.svc.Cosign(context.Background(), req)
	if err != nil {
		t.Fatalf("Cosign: %v", err)
	}
	return r
}

func wantDecision(t *testing.T, r *cosign.Result, d cosign.Decision, deciding ...string) {
	t.Helper()
	if r.Decision != d {
		t.Fatalf("decision %s (verdict %s, deciding %v), want %s; findings %v", r.Decision, r.Verdict, r.Deciding, d, codesOf(r.Findings))
	}
	for _, c := range deciding {
		if !slices.Contains(r.Deciding, c) {
			t.Errorf("deciding %v, want %s among them (findings %v)", r.Deciding, c, codesOf(r.Findings))
		}
	}
	if (d == cosign.DecisionSigned) != (len(r.Signature) == 65) {
		t.Errorf("decision %s with a signature of %d bytes", d, len(r.Signature))
	}
}

// TestCosignAnvil: a Safe of two humans and the co-signer, threshold 3,
// on Safe 1.3.0 and 1.4.1. The Bybit trojan signed by both humans is
// refused and cannot execute with their two signatures; a plain transfer
// is co-signed and executes; a call of an unknown function is held until
// two people approve it, then co-signed and executed.
func TestCosignAnvil(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	for _, ver := range []string{"1.3.0", "1.4.1"} {
		t.Run(ver, func(t *testing.T) {
			f := newFixture(t, chain, safetest.Deploy(t, chain, ver))
			ctx := context.Background()

			t.Run("bybit", func(t *testing.T) {
				trojan, backdoor := chain.DeployTrojan(t), chain.DeployTrojan(t)
				tx := safetest.BybitTx(trojan, backdoor, f.s.Nonce(t))
				r := f.cosign(t, tx)
				wantDecision(t, r, cosign.DecisionRefused, policy.CodeUntrustedDelegateCall, policy.CodeSimulatedMasterCopyChange)
				if r.Verdict != bulwark.VerdictReject || r.AuditSeq == 0 {
					t.Errorf("verdict %s, audit entry %d", r.Verdict, r.AuditSeq)
				}
				if why := f.s.RevertReason(t, tx, f.s.Signatures(t, tx, nil)); !strings.Contains(why, "GS020") {
					t.Errorf("execTransaction with the two humans' signatures: %q, want a GS020 revert (signatures too short)", why)
				}
				if e := f.s.Exec(t, tx, f.s.Signatures(t, tx, nil)); e.Receipt.Status != 0 || e.Success {
					t.Fatal("the trojan executed with two of three signatures")
				}
				if st := f.s.State(t); st.MasterCopy != f.d.Singleton {
					t.Fatalf("slot 0 is %s", st.MasterCopy)
				}
				// A rejected transaction is never approved.
				_, err := f.svc.Approve(ctx, cosign.ApproveRequest{ChainID: chain.ChainID, Safe: f.s.Address, SafeTxHash: r.SafeTxHash, Approver: "bob"})
				if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(bulwark.ErrorMessage(err), "never approved") {
					t.Errorf("approving a rejected transaction: %v", err)
				}
			})

			t.Run("transfer", func(t *testing.T) {
				to := common.BigToAddress(big.NewInt(0xc0500 + int64(ver[2])))
				tx := f.s.TransferETHTx(t, to, safetest.Ether(1))
				dry := f.cosign(t, tx, func(r *cosign.Request) { r.DryRun = true })
				if dry.Decision != cosign.DecisionSigned || dry.Signature != nil || dry.AuditSeq == 0 || len(f.env.store.signatures()) != 0 {
					t.Fatalf("dry run: %+v, stored %d", dry, len(f.env.store.signatures()))
				}
				// The dry run is audited, with what it would decide.
				dries := f.env.entries(t, "safe.cosign")
				var dd struct {
					Decision, WouldDecide, Verdict string
					DryRun                         bool
					Deciding                       []string
				}
				if err := json.Unmarshal(dries[len(dries)-1].Details, &dd); err != nil || dd.Decision != "dry-run" || !dd.DryRun || dd.WouldDecide != "signed" || dd.Verdict != "ok" || dd.Deciding == nil {
					t.Fatalf("dry run audited as %s (%v)", dries[len(dries)-1].Details, err)
				}
				// The queue watch's look-ahead is not.
				if r := f.cosign(t, tx, func(r *cosign.Request) { r.DryRun, r.Unaudited = true, true }); r.AuditSeq != 0 || len(f.env.entries(t, "safe.cosign")) != len(dries) {
					t.Fatalf("an unaudited dry run was audited: %d", r.AuditSeq)
				}
				r := f.cosign(t, tx)
				wantDecision(t, r, cosign.DecisionSigned)
				if r.Verdict != bulwark.VerdictOK || len(r.Deciding) != 0 {
					t.Errorf("verdict %s, deciding %v", r.Verdict, r.Deciding)
				}
				raw := slices.Clone(r.Signature)
				raw[64] -= 27
				pub, err := crypto.SigToPub(r.SafeTxHash[:], raw)
				if err != nil || crypto.PubkeyToAddress(*pub) != cosignerOwner.Address || r.SafeTxHash != f.s.OnChainTxHash(t, tx) {
					t.Fatalf("signature does not recover to the co-signer over the Safe's hash: %v", err)
				}
				again := f.cosign(t, tx)
				if again.Decision != cosign.DecisionSigned || string(again.Signature) != string(r.Signature) {
					t.Errorf("asked again: %s %x", again.Decision, again.Signature)
				}
				if n := len(f.env.store.signatures()); n != 1 {
					t.Errorf("%d co-signatures stored", n)
				}
				if why := f.s.RevertReason(t, tx, f.s.Signatures(t, tx, nil)); !strings.Contains(why, "GS020") {
					t.Errorf("without the co-signature: %q", why)
				}
				f.s.Exec(t, tx, f.s.Signatures(t, tx, r.Signature)).RequireSuccess(t)
				if got := chain.Balance(t, to); got.Cmp(safetest.Ether(1)) != 0 {
					t.Errorf("recipient holds %s", got)
				}
				// Now the nonce is used.
				wantDecision(t, f.cosign(t, tx), cosign.DecisionRefused, cosign.CodeNonceUsed)
			})

			t.Run("review held then approved", func(t *testing.T) {
				token := chain.DeployERC20(t)
				data, err := safetest.TestContract(safetest.ERC20Name).Pack("mint", f.s.Address, big.NewInt(100))
				if err != nil {
					t.Fatal(err)
				}
				tx := f.s.Tx(t, token, nil, data, safe.Call)
				r := f.cosign(t, tx)
				wantDecision(t, r, cosign.DecisionHeld, policy.CodeUnknownTarget, cosign.CodeNeedsApprovals)
				req := cosign.ApproveRequest{ChainID: chain.ChainID, Safe: f.s.Address, SafeTxHash: r.SafeTxHash, Approver: "carol", Note: "minting test tokens, planned"}
				a, err := f.svc.Approve(ctx, req)
				if err != nil || !slices.Equal(a.Approvers, []string{"cli:carol"}) || a.Approval.AuditSeq == 0 {
					t.Fatalf("approve: %+v, %v", a, err)
				}
				if _, err := f.svc.Approve(ctx, req); !bulwark.IsCode(err, bulwark.ECONFLICT) {
					t.Fatalf("the same person twice: %v", err)
				}
				wantDecision(t, f.cosign(t, tx), cosign.DecisionHeld, cosign.CodeNeedsApprovals)
				req.Approver = "dave"
				if a, err = f.svc.Approve(ctx, req); err != nil || !slices.Equal(a.Approvers, []string{"cli:carol", "cli:dave"}) {
					t.Fatalf("second approval: %+v, %v", a, err)
				}
				r = f.cosign(t, tx)
				wantDecision(t, r, cosign.DecisionSigned, policy.CodeUnknownTarget)
				if !slices.Equal(r.Approvals, []string{"cli:carol", "cli:dave"}) || r.Verdict != bulwark.VerdictReview {
					t.Errorf("approvals %v, verdict %s", r.Approvals, r.Verdict)
				}
				f.s.Exec(t, tx, f.s.Signatures(t, tx, r.Signature)).RequireSuccess(t)
				if got := chain.ERC20Balance(t, token, f.s.Address); got.Int64() != 100 {
					t.Errorf("minted %s", got)
				}
				// Every decision and approval is audited, refusals included.
				var decisions []string
				for _, en := range f.env.entries(t, "safe.cosign") {
					var d struct{ Decision string }
					if err := json.Unmarshal(en.Details, &d); err != nil {
						t.Fatal(err)
					}
					decisions = append(decisions, d.Decision)
				}
				if want := []string{"refused", "dry-run", "signed", "signed", "refused", "held", "held", "signed"}; !slices.Equal(decisions, want) {
					t.Errorf("audited decisions %v, want %v", decisions, want)
				}
				if n := len(f.env.entries(t, "safe.approve")); n != 4 { // bybit refused, carol, carol refused, dave
					t.Errorf("%d safe.approve entries, want 4", n)
				}
			})
		})
	}
}

// TestCosignRefusals: the co-signer refuses, audited and without signing,
// a Safe it does not own, a used nonce, a tampered safeTxHash, a Safe that
// changed between verification and signature, a second transaction for a
// nonce it co-signed, an unsimulated transaction and stale lists.
func TestCosignRefusals(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	to := common.HexToAddress("0x00000000000000000000000000000000000c0502")

	for _, tc := range []struct {
		name string
		// run asks for a co-signature of a plain transfer on f's Safe,
		// changing what it needs.
		run  func(t *testing.T, f *fixture) *cosign.Result
		want []string
		// signed is how many co-signatures run gives before the refusal.
		signed int
	}{
		{"not an owner", func(t *testing.T, f *fixture) *cosign.Result {
			other := d.NewSafe(t, 2, humans[0], humans[1], safetest.OwnerAt(2))
			other.FundETH(t, safetest.Ether(1))
			r, err := f.svc.Cosign(context.Background(), cosign.Request{Tx: policy.ServiceTx{Safe: other.Address, Tx: other.TransferETHTx(t, to, big.NewInt(1))}, Requester: "alice"})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}, []string{cosign.CodeCosignerNotOwner}, 0},
		{"used nonce", func(t *testing.T, f *fixture) *cosign.Result {
			first := f.s.TransferETHTx(t, to, big.NewInt(1))
			f.s.MustExec(t, first, safetest.EIP712, humans[0], humans[1], cosignerOwner)
			return f.cosign(t, f.s.Tx(t, to, big.NewInt(2), nil, safe.Call), func(r *cosign.Request) { r.Tx.Tx.Nonce = big.NewInt(0) })
		}, []string{cosign.CodeNonceUsed}, 0},
		{"tampered safeTxHash", func(t *testing.T, f *fixture) *cosign.Result {
			tx := f.s.TransferETHTx(t, to, big.NewInt(1))
			h := f.s.Hash(t, tx).SafeTxHash
			h[31] ^= 1
			return f.cosign(t, tx, func(r *cosign.Request) { r.Tx.SafeTxHash = &h })
		}, []string{policy.CodeHashMismatch}, 0},
		{"nonce moved before signing", func(t *testing.T, f *fixture) *cosign.Result {
			tx := f.s.TransferETHTx(t, to, big.NewInt(1))
			other := f.s.Tx(t, to, big.NewInt(3), nil, safe.Call)
			cosign.SetAfterVerify(f.svc, func(context.Context) {
				f.s.MustExec(t, other, safetest.EIP712, humans[0], humans[1], cosignerOwner)
			})
			return f.cosign(t, tx)
		}, []string{cosign.CodeStateChanged}, 0},
		{"owners changed before signing", func(t *testing.T, f *fixture) *cosign.Result {
			tx := f.s.TransferETHTx(t, to, big.NewInt(1))
			cosign.SetAfterVerify(f.svc, func(context.Context) {
				add := f.s.AddOwnerWithThresholdTx(t, safetest.OwnerAt(7).Address, 3)
				f.s.MustExec(t, add, safetest.EIP712, humans[0], humans[1], cosignerOwner)
			})
			return f.cosign(t, tx)
		}, []string{cosign.CodeStateChanged}, 0},
		{"node behind the verification", func(t *testing.T, f *fixture) *cosign.Result {
			tx := f.s.TransferETHTx(t, to, big.NewInt(1))
			lag := &laggingChain{ChainReader: f.svc.Chain}
			f.svc.Chain = lag
			cosign.SetAfterVerify(f.svc, func(context.Context) { lag.behind.Store(true) })
			r := f.cosign(t, tx)
			if fd := r.Findings[0]; fd.Code == cosign.CodeNodeBehind && fd.Fields["verifiedBlock"] == fd.Fields["block"] {
				t.Errorf("NODE_BEHIND names the same block twice: %+v", fd)
			}
			return r
		}, []string{cosign.CodeNodeBehind}, 0},
		{"same nonce, another transaction", func(t *testing.T, f *fixture) *cosign.Result {
			first := f.cosign(t, f.s.TransferETHTx(t, to, big.NewInt(1)))
			wantDecision(t, first, cosign.DecisionSigned)
			r := f.cosign(t, f.s.TransferETHTx(t, to, big.NewInt(2)))
			if !strings.Contains(r.Findings[0].Message, first.SafeTxHash.Hex()) {
				t.Errorf("the refusal does not name the earlier hash: %s", r.Findings[0].Message)
			}
			return r
		}, []string{cosign.CodeNonceAlreadyCosigned}, 1},
		{"not simulated", func(t *testing.T, f *fixture) *cosign.Result {
			f.svc.Simulator = failingSimulator{}
			return f.cosign(t, f.s.TransferETHTx(t, to, big.NewInt(1)))
		}, []string{cosign.CodeNotSimulated}, 0},
		{"nonce ahead, not simulated", func(t *testing.T, f *fixture) *cosign.Result {
			tx := f.s.TransferETHTx(t, to, big.NewInt(1))
			tx.Nonce = new(big.Int).Add(tx.Nonce, big.NewInt(1))
			return f.cosign(t, tx)
		}, []string{cosign.CodeNotSimulated}, 0},
		{"lists stale", func(t *testing.T, f *fixture) *cosign.Result {
			f.svc.MaxListAge = 7 * 24 * time.Hour
			f.svc.Sources = cosign.SourcesFunc(func(context.Context) ([]cosign.Source, error) {
				month := time.Now().Add(-30 * 24 * time.Hour)
				return []cosign.Source{{Name: "list us-ofac-sdn", Updated: month}, {Name: "list fbi-dprk"}, {Name: "list un", Updated: time.Now()},
					// A source's own maximum replaces the lists'.
					{Name: "registry fresh", Updated: month, MaxAge: 180 * 24 * time.Hour}, {Name: "registry old", Updated: month, MaxAge: 10 * 24 * time.Hour}}, nil
			})
			r := f.cosign(t, f.s.TransferETHTx(t, to, big.NewInt(1)))
			if got := staleSources(r); !slices.Equal(got, []string{"list us-ofac-sdn", "list fbi-dprk", "registry old"}) {
				t.Errorf("stale sources %v", got)
			}
			return r
		}, []string{cosign.CodeListsStale}, 0},
		{"registry stale, lists unlimited", func(t *testing.T, f *fixture) *cosign.Result {
			f.svc.MaxListAge = 0
			f.svc.Sources = cosign.SourcesFunc(func(context.Context) ([]cosign.Source, error) {
				return []cosign.Source{{Name: "list fbi-dprk"}, {Name: "registry old", Updated: time.Now().Add(-400 * 24 * time.Hour), MaxAge: 180 * 24 * time.Hour}}, nil
			})
			r := f.cosign(t, f.s.TransferETHTx(t, to, big.NewInt(1)))
			if got := staleSources(r); !slices.Equal(got, []string{"registry old"}) {
				t.Errorf("stale sources %v", got)
			}
			for _, fd := range r.Findings {
				if fd.Code == cosign.CodeListsStale && !strings.Contains(fd.Message, "--registry-max-age") {
					t.Errorf("the registry's refusal does not say how to lift it: %s", fd.Message)
				}
			}
			return r
		}, []string{cosign.CodeListsStale}, 0},
		{"no screening lists", func(t *testing.T, f *fixture) *cosign.Result {
			f.svc.Policy.Screener = nil
			return f.cosign(t, f.s.TransferETHTx(t, to, big.NewInt(1)))
		}, []string{cosign.CodeNotScreened}, 0},
		{"recipient on the FBI's Bybit list", func(t *testing.T, f *fixture) *cosign.Result {
			lazarus := fbiBybitAddress(t)
			r := f.cosign(t, f.s.TransferETHTx(t, lazarus, safetest.Ether(1)))
			var hit *policy.Finding
			for i, fd := range r.Findings {
				if fd.Code == policy.CodeAttributedAddress {
					hit = &r.Findings[i]
				}
			}
			if hit == nil || hit.Severity != policy.SeverityCritical || hit.Fields["list"] != "fbi-dprk" || hit.Fields["address"] != lazarus.Hex() ||
				!strings.Contains(hit.Message, "recipient of 1 ETH") {
				t.Fatalf("findings %+v: want ATTRIBUTED_ADDRESS (critical) on fbi-dprk naming the recipient", r.Findings)
			}
			return r
		}, []string{policy.CodeAttributedAddress}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, chain, d)
			before := len(f.env.store.signatures())
			r := tc.run(t, f)
			wantDecision(t, r, cosign.DecisionRefused, tc.want...)
			if r.Verdict != bulwark.VerdictReject || r.AuditSeq == 0 {
				t.Errorf("verdict %s, audit entry %d", r.Verdict, r.AuditSeq)
			}
			if after := len(f.env.store.signatures()); after != before+tc.signed {
				t.Errorf("%d co-signatures stored by a refusal", after-before-tc.signed)
			}
			last := f.env.entries(t, "safe.cosign")
			var details struct {
				Decision string
				Deciding []string
			}
			if err := json.Unmarshal(last[len(last)-1].Details, &details); err != nil {
				t.Fatal(err)
			}
			if details.Decision != "refused" || !slices.Contains(details.Deciding, tc.want[0]) {
				t.Errorf("audited %+v", details)
			}
		})
	}
}

// TestCosignNeedsOwnerConfirmation: whoever can ask for a co-signature
// cannot have a transaction of their own (a 1-wei transfer at the Safe's
// next nonce) signed, which would lock that nonce for the organisation's
// (NONCE_ALREADY_COSIGNED): without a valid signature of the recomputed
// safeTxHash by an owner other than the co-signer it is held
// (NO_OWNER_CONFIRMATION), audited, nothing stored, approvals do not
// stand in for it; a dry run says it would be; with a human owner's
// confirmation (the service's confirmations or packed signatures,
// EIP-712 or eth_sign) it is signed.
func TestCosignNeedsOwnerConfirmation(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	to := common.HexToAddress("0x00000000000000000000000000000000000c0503")
	stranger := safetest.OwnerAt(9)
	sigOf := func(t *testing.T, f *fixture, tx safe.Tx, o *safetest.Owner, kind safetest.SigKind) []byte {
		s, err := o.Sign(f.s.Hash(t, tx), kind)
		if err != nil {
			t.Fatal(err)
		}
		return s.Bytes[:]
	}
	for _, tc := range []struct {
		name   string
		confs  func(t *testing.T, f *fixture, tx safe.Tx) []policy.Confirmation
		signed bool
	}{
		{"none", func(*testing.T, *fixture, safe.Tx) []policy.Confirmation { return nil }, false},
		{"the co-signer's own", func(t *testing.T, f *fixture, tx safe.Tx) []policy.Confirmation {
			return f.s.Confirmations(t, tx, cosignerOwner)
		}, false},
		{"a stranger's", func(t *testing.T, f *fixture, tx safe.Tx) []policy.Confirmation {
			return f.s.Confirmations(t, tx, stranger)
		}, false},
		{"a stranger's signature claimed as an owner's", func(t *testing.T, f *fixture, tx safe.Tx) []policy.Confirmation {
			return []policy.Confirmation{{Owner: humans[0].Address, Signature: sigOf(t, f, tx, stranger, safetest.EIP712)}}
		}, false},
		{"an owner's signature of another transaction", func(t *testing.T, f *fixture, tx safe.Tx) []policy.Confirmation {
			other := f.s.TransferETHTx(t, to, big.NewInt(2))
			return f.s.Confirmations(t, other, humans[0])
		}, false},
		{"an approved hash", func(t *testing.T, f *fixture, tx safe.Tx) []policy.Confirmation {
			return []policy.Confirmation{{Owner: humans[0].Address, Signature: sigOf(t, f, tx, humans[0], safetest.ApprovedHash)}}
		}, false},
		{"an owner's EIP-712 confirmation", func(t *testing.T, f *fixture, tx safe.Tx) []policy.Confirmation {
			return f.s.Confirmations(t, tx, humans[1])
		}, true},
		{"an owner's eth_sign signature in signatures", func(t *testing.T, f *fixture, tx safe.Tx) []policy.Confirmation {
			return []policy.Confirmation{{Signature: sigOf(t, f, tx, stranger, safetest.EIP712)}, {Signature: sigOf(t, f, tx, humans[1], safetest.EthSign)}}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, chain, d)
			tx := f.s.TransferETHTx(t, to, big.NewInt(1))
			confs := tc.confs(t, f, tx)
			with := func(dry bool) func(*cosign.Request) {
				return func(r *cosign.Request) { r.Tx.Confirmations, r.DryRun = confs, dry }
			}
			dry := f.cosign(t, tx, with(true))
			if dry.Decision != cosign.DecisionSigned || (len(dry.Skipped) == 1) == tc.signed {
				t.Fatalf("dry run: %s, skipped %q", dry.Decision, dry.Skipped)
			}
			r := f.cosign(t, tx, with(false))
			if tc.signed {
				wantDecision(t, r, cosign.DecisionSigned)
				if r.ConfirmedBy != humans[1].Address {
					t.Errorf("confirmed by %s, want %s", r.ConfirmedBy.Hex(), humans[1].Address.Hex())
				}
				return
			}
			wantDecision(t, r, cosign.DecisionHeld, cosign.CodeNoOwnerConfirmation)
			if r.Verdict != bulwark.VerdictReview || r.Decision.ExitCode() != bulwark.ExitReview || r.AuditSeq == 0 || len(f.env.store.signatures()) != 0 {
				t.Fatalf("verdict %s, audit entry %d, %d co-signatures stored", r.Verdict, r.AuditSeq, len(f.env.store.signatures()))
			}
			if msg := r.Findings[0].Message; !strings.Contains(msg, r.SafeTxHash.Hex()) || !strings.Contains(msg, "confirmations") || !strings.Contains(msg, "signatures") {
				t.Errorf("the refusal does not say what to add: %s", msg)
			}
			// An ok transaction is not approved, so approvals cannot
			// stand in for the owner's confirmation.
			if _, err := f.svc.Approve(context.Background(), cosign.ApproveRequest{ChainID: chain.ChainID, Safe: f.s.Address, SafeTxHash: r.SafeTxHash, Approver: "bob"}); !bulwark.IsCode(err, bulwark.EINVALID) {
				t.Errorf("approving an unconfirmed ok transaction: %v", err)
			}
			// The organisation's own transaction for that nonce, confirmed
			// by an owner, is still co-signed.
			own := f.s.TransferETHTx(t, to, safetest.Ether(1))
			wantDecision(t, f.cosign(t, own), cosign.DecisionSigned)
		})
	}
}

// fbiBybitAddress is the first address of the FBI's Bybit PSA
// (I-022625-PSA) in the project's shared data, which must be on the
// fbi-dprk list of the default lists compiled into Bulwark.
func fbiBybitAddress(t *testing.T) common.Address {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "data", "screen", "dprk", "fbi_I-022625-PSA_bybit_eth_addresses.txt")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Skipf("the FBI's Bybit address list is not in the shared data (%v): cannot test the refusal of a transfer to one", err)
	}
	first, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	a := common.HexToAddress(strings.TrimSpace(first))
	ix, err := defaultIndex()
	if err != nil {
		t.Fatal(err)
	}
	hits := policy.IndexScreener(func() *screening.Index { return ix }).Lookup(big.NewInt(1), a)
	if !slices.ContainsFunc(hits, func(h policy.ScreeningHit) bool { return h.List == "fbi-dprk" && h.Confidence == "high" }) {
		t.Fatalf("%s, the first address of %s, is not on the default lists' fbi-dprk at high confidence: %+v", a.Hex(), p, hits)
	}
	return a
}

// laggingChain is a node that, once behind is set, reports a latest
// block one below the real one: a pool of nodes whose next answer comes
// from one that has not caught up.
type laggingChain struct {
	onchain.ChainReader
	behind atomic.Bool
}

func (c *laggingChain) BlockNumber(ctx context.Context) (uint64, error) {
	n, err := c.ChainReader.BlockNumber(ctx)
	if err == nil && c.behind.Load() && n > 0 {
		n--
	}
	return n, err
}

// failingSimulator is a node that answers that it cannot simulate.
type failingSimulator struct{}

func (failingSimulator) SimulateCall(context.Context, policy.SimCall) (*policy.SimTrace, error) {
	return nil, bulwark.Wrap(policy.ErrCannotSimulate, bulwark.EUNAVAILABLE, "debug_traceCall is not available on this node")
}

// TestCosignRaceForNonce: two transactions for one nonce asked at once —
// the second is decided while the first is signed and stored. The store's
// answer inside the signature's transaction refuses the second, naming
// the first; only one co-signature exists.
func TestCosignRaceForNonce(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	f := newFixture(t, chain, safetest.Deploy(t, chain, "1.4.1"))
	to := common.BigToAddress(big.NewInt(0xace))
	first, second := f.s.TransferETHTx(t, to, big.NewInt(1)), f.s.TransferETHTx(t, to, big.NewInt(2))
	var won *cosign.Result
	once := false
	cosign.SetAfterVerify(f.svc, func(context.Context) {
		if once {
			return
		}
		once = true
		won = f.cosign(t, first) // runs to the end while the second waits here
	})
	lost := f.cosign(t, second)
	wantDecision(t, won, cosign.DecisionSigned)
	wantDecision(t, lost, cosign.DecisionRefused, cosign.CodeNonceAlreadyCosigned)
	if n := len(f.env.store.signatures()); n != 1 {
		t.Errorf("%d co-signatures stored", n)
	}
	if !strings.Contains(lost.Findings[0].Message, won.SafeTxHash.Hex()) {
		t.Errorf("refusal %q does not name %s", lost.Findings[0].Message, won.SafeTxHash.Hex())
	}
}

// TestCosignErrorAudited: a request the co-signer cannot decide (the node
// fails) is an error, and audited as decision "error" naming no secret.
func TestCosignErrorAudited(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	f := newFixture(t, chain, safetest.Deploy(t, chain, "1.4.1"))
	f.svc.Chain = failingChain{f.svc.Chain}
	_, err := f.svc.Cosign(context.Background(), cosign.Request{Tx: policy.ServiceTx{Safe: f.s.Address, Tx: f.s.TransferETHTx(t, to0, big.NewInt(1))}, Requester: "alice"})
	if !bulwark.IsCode(err, bulwark.EUNAVAILABLE) {
		t.Fatalf("err %v", err)
	}
	entries := f.env.entries(t, "safe.cosign")
	if len(entries) != 1 || !strings.Contains(string(entries[0].Details), `"decision":"error"`) || !strings.Contains(string(entries[0].Details), `"error":"unavailable"`) ||
		!strings.Contains(string(entries[0].Details), `"reason":"node unreachable"`) {
		t.Fatalf("audited %d entries: %v", len(entries), entries)
	}
	// A request refused before it is decided is audited with why.
	for _, req := range []cosign.Request{{Tx: policy.ServiceTx{Safe: f.s.Address}, Requester: " "}, {Tx: policy.ServiceTx{Safe: f.s.Address}, Requester: "al\x00ice", Actor: "token:abc"}} {
		if _, err := f.svc.Cosign(context.Background(), req); !bulwark.IsCode(err, bulwark.EINVALID) {
			t.Fatalf("requester %q: %v", req.Requester, err)
		}
	}
	if _, err := f.svc.Approve(context.Background(), cosign.ApproveRequest{Safe: f.s.Address, SafeTxHash: common.HexToHash("0x01"), Approver: "bob", Actor: "cli:bob"}); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Fatalf("approval without a chain id: %v", err)
	}
	refused := append(f.env.entries(t, "safe.cosign")[1:], f.env.entries(t, "safe.approve")...)
	for i, want := range []string{`"field":"requester"`, `"field":"requester"`, `"field":"chainId"`} {
		if i >= len(refused) || !strings.Contains(string(refused[i].Details), want) || !strings.Contains(string(refused[i].Details), `"decision":"refused"`) ||
			!strings.Contains(string(refused[i].Details), `"reason":"`) {
			t.Fatalf("refused requests audited as %d entries, want %s in entry %d: %v", len(refused), want, i, refused)
		}
	}
	if refused[1].Actor != "token:abc" || refused[2].Actor != "cli:bob" {
		t.Errorf("refusals audited under %s and %s", refused[1].Actor, refused[2].Actor)
	}
	// A dry run that fails is recorded as one; the queue watch's
	// look-ahead is not.
	if _, err := f.svc.Cosign(context.Background(), cosign.Request{Tx: policy.ServiceTx{Safe: f.s.Address, Tx: f.s.TransferETHTx(t, to0, big.NewInt(1))}, Requester: "alice", DryRun: true}); err == nil {
		t.Fatal("no error")
	}
	if _, err := f.svc.Cosign(context.Background(), cosign.Request{Tx: policy.ServiceTx{Safe: f.s.Address, Tx: f.s.TransferETHTx(t, to0, big.NewInt(1))}, Requester: "queue", DryRun: true, Unaudited: true}); err == nil {
		t.Fatal("no error")
	}
	entries = f.env.entries(t, "safe.cosign")
	if len(entries) != 4 || !strings.Contains(string(entries[3].Details), `"dryRun":true`) || !strings.Contains(string(entries[3].Details), `"decision":"error"`) {
		t.Errorf("%d entries after two dry runs: %v", len(entries), entries)
	}
}

var to0 = common.BigToAddress(big.NewInt(0xe0))

// failingChain is a node whose block number cannot be read.
type failingChain struct{ onchain.ChainReader }

func (failingChain) BlockNumber(context.Context) (uint64, error) {
	return 0, bulwark.Errorf(bulwark.EUNAVAILABLE, "node unreachable")
}

// TestCosignDualControlAnvil: the other signing attacks end to end, on a
// Safe of two humans and the co-signer (threshold 3), Safe 1.3.0 and
// 1.4.1. A Radiant-style handover of a protocol contract the Safe owns
// (upgradeToAndCall, then transferOwnership to an address nobody listed)
// and an unlimited ERC-20 approve to an unknown spender are each held for
// dual control; one person approving twice does not release them; after
// two different people approve, each is co-signed and executes with the
// humans' signatures, and the chain shows it (implementation, owner,
// allowance).
func TestCosignDualControlAnvil(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	proxyABI, tokenABI := safetest.TestContract(safetest.OwnedProxyName), safetest.TestContract(safetest.ERC20Name)
	pack := func(t *testing.T, a *safetest.Artifact, method string, args ...any) []byte {
		t.Helper()
		data, err := a.Pack(method, args...)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for _, ver := range []string{"1.3.0", "1.4.1"} {
		t.Run(ver, func(t *testing.T) { // sequential: one chain, one sender
			f := newFixture(t, chain, safetest.Deploy(t, chain, ver))
			ctx := context.Background()
			protocol := chain.DeployOwnedProxy(t, f.s.Address)
			token := chain.DeployERC20(t)
			impl := chain.DeployERC20(t) // any contract will do as the new implementation
			attacker := common.HexToAddress("0x00000000000000000000000000000000000a7701")

			for _, tc := range []struct {
				name string
				to   common.Address
				data []byte
				// codes the held decision names
				codes []string
				// after checks the chain once the transaction executed.
				after func(t *testing.T)
			}{
				{"upgradeToAndCall", protocol, pack(t, proxyABI, "upgradeToAndCall", impl, []byte{}), []string{policy.CodeProxyUpgrade},
					func(t *testing.T) {
						if got := chain.Call(t, proxyABI, protocol, "implementation")[0].(common.Address); got != impl {
							t.Errorf("implementation %s, want %s", got.Hex(), impl.Hex())
						}
					}},
				{"transferOwnership", protocol, pack(t, proxyABI, "transferOwnership", attacker), []string{policy.CodeOwnershipTransfer},
					func(t *testing.T) {
						if got := chain.Call(t, proxyABI, protocol, "owner")[0].(common.Address); got != attacker {
							t.Errorf("owner %s, want %s", got.Hex(), attacker.Hex())
						}
					}},
				{"unlimited approve to an unknown spender", token, pack(t, tokenABI, "approve", attacker, safe.MaxUint256), []string{policy.CodeTokenApproval},
					func(t *testing.T) {
						if got := chain.Call(t, tokenABI, token, "allowance", f.s.Address, attacker)[0].(*big.Int); got.Cmp(safe.MaxUint256) != 0 {
							t.Errorf("allowance %s, want 2^256-1", got)
						}
					}},
			} {
				// Sequential: each uses the Safe's next nonce.
				t.Run(tc.name, func(t *testing.T) {
					tx := f.s.Tx(t, tc.to, nil, tc.data, safe.Call)
					r := f.cosign(t, tx)
					wantDecision(t, r, cosign.DecisionHeld, append(tc.codes, cosign.CodeNeedsApprovals)...)
					if r.PolicyVerdict != bulwark.VerdictReview || r.Verification.Simulation == nil || r.Verification.Simulation.Status != "success" {
						t.Fatalf("policy verdict %s, simulation %+v", r.PolicyVerdict, r.Verification.Simulation)
					}
					for _, fd := range r.Findings {
						if slices.Contains(tc.codes, fd.Code) && (fd.Severity != policy.SeverityHigh || !strings.Contains(fd.Message, attacker.Hex()) && tc.name != "upgradeToAndCall") {
							t.Errorf("%s: %s %q", fd.Code, fd.Severity, fd.Message)
						}
					}
					if why := f.s.RevertReason(t, tx, f.s.Signatures(t, tx, nil)); !strings.Contains(why, "GS020") {
						t.Errorf("with the humans' signatures only: %q, want GS020", why)
					}

					// The same person twice does not release it.
					req := cosign.ApproveRequest{ChainID: chain.ChainID, Safe: f.s.Address, SafeTxHash: r.SafeTxHash, Approver: "carol", Note: "checked with the protocol team"}
					if _, err := f.svc.Approve(ctx, req); err != nil {
						t.Fatal(err)
					}
					if _, err := f.svc.Approve(ctx, req); !bulwark.IsCode(err, bulwark.ECONFLICT) {
						t.Fatalf("carol again: %v", err)
					}
					again := f.cosign(t, tx)
					wantDecision(t, again, cosign.DecisionHeld, cosign.CodeNeedsApprovals)
					if !slices.Equal(again.Approvals, []string{"cli:carol"}) {
						t.Errorf("approvals %v after carol twice", again.Approvals)
					}

					req.Approver = "dave"
					if _, err := f.svc.Approve(ctx, req); err != nil {
						t.Fatal(err)
					}
					// Two approvals given, the address book changes before
					// the co-signer is asked: what carol and dave approved
					// is not what verifies now, so both are set aside and
					// the transaction is held until they approve again.
					book, err := policy.NewAddressBook([]policy.AddressEntry{{Address: common.HexToAddress("0x00000000000000000000000000000000000b0012"),
						Label: "payroll " + tc.name, Kinds: []policy.EntryKind{policy.KindRecipient}}})
					if err != nil {
						t.Fatal(err)
					}
					f.svc.Policy.AddressBook = book
					defer func() { f.svc.Policy.AddressBook = nil }()
					stale := f.cosign(t, tx)
					wantDecision(t, stale, cosign.DecisionHeld, cosign.CodeNeedsApprovals)
					if len(stale.Approvals) != 0 || len(stale.SetAside) != 2 || stale.SetAside[0].Reason != cosign.AsideStale ||
						!strings.Contains(stale.SetAside[1].Detail, "the address book") {
						t.Fatalf("after the address book changed: approvals %v, set aside %+v", stale.Approvals, stale.SetAside)
					}
					if why := f.s.RevertReason(t, tx, f.s.Signatures(t, tx, nil)); !strings.Contains(why, "GS020") {
						t.Errorf("still not executable with the humans' signatures: %q", why)
					}
					for _, who := range []string{"carol", "dave"} {
						req.Approver = who
						a, err := f.svc.Approve(ctx, req)
						if err != nil || a.Replaced == 0 {
							t.Fatalf("%s approves again: %+v, %v", who, a, err)
						}
					}
					signed := f.cosign(t, tx)
					wantDecision(t, signed, cosign.DecisionSigned, tc.codes...)
					if !slices.Equal(signed.Approvals, []string{"cli:carol", "cli:dave"}) {
						t.Errorf("approvals %v", signed.Approvals)
					}
					f.s.Exec(t, tx, f.s.Signatures(t, tx, signed.Signature)).RequireSuccess(t)
					tc.after(t)
				})
			}
		})
	}
}

// staleSources names the sources r's LISTS_STALE findings refuse for.
func staleSources(r *cosign.Result) []string {
	var out []string
	for _, fd := range r.Findings {
		if fd.Code == cosign.CodeListsStale {
			out = append(out, fd.Fields["source"])
		}
	}
	return out
}
