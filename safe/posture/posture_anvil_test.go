package posture_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe/decode"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/posture"
)

func auditOnChain(t *testing.T, c *safetest.Chain, addr common.Address) *posture.Report {
	t.Helper()
	r, err := posture.Audit(context.Background(), c.RPC, addr, onchain.LatestBlock)
	if err != nil {
		t.Fatalf("Audit(%s): %v", addr, err)
	}
	return r
}

// postureCheck requires the report's verdict and that its codes are
// exactly want (in any order), each with the given severity.
func postureCheck(t *testing.T, r *posture.Report, verdict bulwark.Verdict, want map[string]policy.Severity) {
	t.Helper()
	got := map[string]policy.Severity{}
	for _, f := range r.Findings {
		if f.Message == "" {
			t.Errorf("finding without message: %+v", f)
		}
		if s, ok := got[f.Code]; !ok || f.Severity.Rank() > s.Rank() {
			got[f.Code] = f.Severity
		}
	}
	if r.Verdict != verdict || len(got) != len(want) {
		t.Errorf("verdict %s, findings %v; want %s, %v\n%+v", r.Verdict, got, verdict, want, r.Findings)
		return
	}
	for code, sev := range want {
		if got[code] != sev {
			t.Errorf("%s: severity %q, want %q", code, got[code], sev)
		}
	}
}

// TestAuditOnAnvil audits Safes on a real node: a legacy 1.1.1 Safe, a
// healthy 1.4.1 Safe, one with a module, a guard, threshold 1, a nested
// Safe as owner, a pending approval, and the Bybit Safe after the replay.
func TestAuditOnAnvil(t *testing.T) {
	chain := safetest.StartChain(t, anviltest.Silent())
	owners := safetest.NewOwners(6)
	d111 := safetest.Deploy(t, chain, "1.1.1")
	d141 := safetest.Deploy(t, chain, "1.4.1")

	t.Run("1.1.1 legacy", func(t *testing.T) {
		s := d111.NewSafe(t, 3, owners...)
		r := auditOnChain(t, chain, s.Address)
		// The harness's DefaultCallbackHandler is the pinned code at
		// another address: known by code.
		postureCheck(t, r, bulwark.VerdictReview, map[string]policy.Severity{posture.CodeLegacyVersion: policy.SeverityHigh})
		if r.Version != "1.1.1" || r.Handler == nil || r.Handler.Role != decode.RoleFallbackHandler || !r.Approvals.Checked {
			t.Errorf("version %q handler %+v approvals %+v", r.Version, r.Handler, r.Approvals)
		}
	})

	t.Run("1.4.1 3-of-6 no guard", func(t *testing.T) {
		s := d141.NewSafe(t, 3, owners...)
		r := auditOnChain(t, chain, s.Address)
		postureCheck(t, r, bulwark.VerdictOK, map[string]policy.Severity{posture.CodeNoGuard: policy.SeverityInfo})
		if len(r.Owners) != 6 || r.Owners[0].Kind != posture.AccountEOA {
			t.Errorf("owners %+v", r.Owners)
		}

		// A guard replaces NO_GUARD with GUARD_SET (review: confirm it).
		s.MustExec(t, s.SetGuardTx(t, chain.DeployGuard(t)), safetest.EIP712, owners[:3]...)
		r = auditOnChain(t, chain, s.Address)
		postureCheck(t, r, bulwark.VerdictReview, map[string]policy.Severity{posture.CodeGuardSet: policy.SeverityMedium})
	})

	t.Run("module enabled", func(t *testing.T) {
		s := d141.NewSafe(t, 3, owners...)
		module := common.HexToAddress("0x000000000000000000000000000000000000d0d0")
		s.MustExec(t, s.EnableModuleTx(t, module), safetest.EIP712, owners[:3]...)
		r := auditOnChain(t, chain, s.Address)
		postureCheck(t, r, bulwark.VerdictReview, map[string]policy.Severity{posture.CodeModulesEnabled: policy.SeverityHigh, posture.CodeNoGuard: policy.SeverityInfo})
		if len(r.Modules) != 1 || r.Modules[0].Address != module || !strings.Contains(r.Findings[0].Message, module.Hex()) {
			t.Errorf("modules %+v findings %+v", r.Modules, r.Findings)
		}
	})

	t.Run("threshold 1 of 3", func(t *testing.T) {
		s := d141.NewSafe(t, 1, owners[:3]...)
		r := auditOnChain(t, chain, s.Address)
		postureCheck(t, r, bulwark.VerdictReview, map[string]policy.Severity{posture.CodeThresholdRisk: policy.SeverityHigh, posture.CodeNoGuard: policy.SeverityInfo})
	})

	t.Run("nested Safe and contract owners", func(t *testing.T) {
		parent := d141.NewSafe(t, 2, owners[:3]...)
		token := chain.DeployERC20(t)
		child := d141.NewSafe(t, 2, &safetest.Owner{Address: parent.Address}, &safetest.Owner{Address: token}, owners[3])
		r := auditOnChain(t, chain, child.Address)
		postureCheck(t, r, bulwark.VerdictReview, map[string]policy.Severity{posture.CodeOwnerIsContract: policy.SeverityMedium, posture.CodeNoGuard: policy.SeverityInfo})
		var nested, other bool
		for _, f := range r.Findings {
			switch {
			case f.Code == posture.CodeOwnerIsContract && f.Severity == policy.SeverityInfo:
				nested = strings.Contains(f.Message, parent.Address.Hex()) && strings.Contains(f.Message, "audit it too")
			case f.Code == posture.CodeOwnerIsContract:
				other = strings.Contains(f.Message, token.Hex())
			}
		}
		if !nested || !other || r.Owners[0].Kind != posture.AccountSafe || r.Owners[1].Kind != posture.AccountContract {
			t.Errorf("nested %v other %v owners %+v", nested, other, r.Owners)
		}
	})

	t.Run("pending approval", func(t *testing.T) {
		s := d141.NewSafe(t, 3, owners...)
		tx := s.TransferETHTx(t, owners[5].Address, safetest.Ether(1))
		h := s.Hash(t, tx).SafeTxHash
		s.ApproveHash(t, owners[1].Address, h)
		r := auditOnChain(t, chain, s.Address)
		postureCheck(t, r, bulwark.VerdictReview, map[string]policy.Severity{posture.CodeApprovedHashesPending: policy.SeverityMedium, posture.CodeNoGuard: policy.SeverityInfo})
		if p := r.Approvals.Pending; len(p) != 1 || p[0].Hash != h || p[0].Owner != owners[1].Address || !p[0].OwnerNow {
			t.Errorf("pending %+v", p)
		}
		// Once executed, the approval is spent.
		s.FundETH(t, safetest.Ether(2))
		s.MustExec(t, tx, safetest.EIP712, owners[1:4]...)
		r = auditOnChain(t, chain, s.Address)
		postureCheck(t, r, bulwark.VerdictOK, map[string]policy.Severity{posture.CodeNoGuard: policy.SeverityInfo})
		if r.Approvals.Events != 1 {
			t.Errorf("approvals %+v", r.Approvals)
		}
	})

	t.Run("bybit after the replay", func(t *testing.T) {
		s := d111.NewSafe(t, 3, owners...)
		s.FundETH(t, safetest.Ether(10))
		trojan, backdoor := chain.DeployTrojan(t), chain.DeployTrojan(t)
		tx := safetest.BybitTx(trojan, backdoor, s.Nonce(t))
		s.Exec(t, tx, s.Sign(t, tx, safetest.EthSign, owners[4], owners[0], owners[2])).RequireSuccess(t)
		r := auditOnChain(t, chain, s.Address)
		postureCheck(t, r, bulwark.VerdictReject, map[string]policy.Severity{policy.CodeUnknownSingleton: policy.SeverityCritical})
		if r.Findings[0].Code != policy.CodeUnknownSingleton || !strings.Contains(r.Findings[0].Message, backdoor.Hex()) ||
			r.Version != "" || !strings.Contains(r.VersionError, "VERSION() reverted") || r.State.ProxyVersion != "1.1.1" {
			t.Errorf("report %+v", r)
		}
	})

	t.Run("several Safes in one batch", func(t *testing.T) {
		a, b := d141.NewSafe(t, 3, owners...), d111.NewSafe(t, 2, owners[:2]...)
		reps, err := posture.AuditMany(context.Background(), chain.RPC, []common.Address{a.Address, b.Address}, onchain.LatestBlock, posture.AuditOptions{})
		if err != nil || len(reps) != 2 || reps[0].Block != reps[1].Block {
			t.Fatalf("AuditMany: %v %v", reps, err)
		}
		if !slices.Contains(reps[1].Codes(), posture.CodeLegacyVersion) || !slices.Contains(reps[1].Codes(), posture.CodeThresholdRisk) {
			t.Errorf("1.1.1 2-of-2: %v", reps[1].Codes())
		}
	})
}
