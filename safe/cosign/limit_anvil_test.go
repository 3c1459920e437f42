package cosign_test

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// TestCosignValueLimit: with a limit of 1.5 ETH a day on the Safe, a
// first transfer of 1 ETH is co-signed (the limit checked against what the
// co-signer let the Safe send that day: nothing), and a second of 1 ETH,
// which with the first crosses the limit, is held for dual control; two
// approvals release it.
func TestCosignValueLimit(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	f := newFixture(t, chain, safetest.Deploy(t, chain, "1.4.1"))
	limit := policy.Limit{Name: "limit 1 of book.toml", Safe: f.s.Address, Asset: policy.ETH,
		Amount: new(big.Int).Div(safetest.Ether(3), big.NewInt(2)), Period: 24 * time.Hour}
	f.svc.Policy.Limits = []policy.Limit{limit}
	to := common.BigToAddress(big.NewInt(0x11a11))
	limitFinding := func(t *testing.T, r *cosign.Result) policy.Finding {
		t.Helper()
		for _, fd := range r.Findings {
			if fd.Code == policy.CodeValueLimit || fd.Code == policy.CodeValueLimitUnchecked {
				return fd
			}
		}
		t.Fatalf("no limit finding among %v", codesOf(r.Findings))
		return policy.Finding{}
	}

	first := f.s.TransferETHTx(t, to, safetest.Ether(1))
	r := f.cosign(t, first)
	wantDecision(t, r, cosign.DecisionSigned)
	if fd := limitFinding(t, r); fd.Code != policy.CodeValueLimit || fd.Severity != policy.SeverityInfo || fd.Fields["alreadySent"] != "0" {
		t.Fatalf("first transfer: %s %s %v", fd.Code, fd.Severity, fd.Fields)
	}
	// Asked again, the first is not counted against itself.
	wantDecision(t, f.cosign(t, first), cosign.DecisionSigned)
	f.s.Exec(t, first, f.s.Signatures(t, first, r.Signature)).RequireSuccess(t)

	second := f.s.TransferETHTx(t, to, safetest.Ether(1))
	r = f.cosign(t, second)
	wantDecision(t, r, cosign.DecisionHeld, policy.CodeValueLimit, cosign.CodeNeedsApprovals)
	fd := limitFinding(t, r)
	if fd.Severity != policy.SeverityHigh || fd.Fields["alreadySent"] != safetest.Ether(1).String() ||
		fd.Fields["thisTransaction"] != safetest.Ether(1).String() || fd.Fields["limit"] != limit.Name || fd.Fields["period"] != "1d" {
		t.Fatalf("second transfer: %s %s %v", fd.Code, fd.Severity, fd.Fields)
	}
	ctx := context.Background()
	for _, who := range []string{"carol", "dave"} {
		if _, err := f.svc.Approve(ctx, cosign.ApproveRequest{ChainID: chain.ChainID, Safe: f.s.Address, SafeTxHash: r.SafeTxHash, Approver: who, Note: "planned payout"}); err != nil {
			t.Fatalf("approval by %s: %v", who, err)
		}
	}
	r = f.cosign(t, second)
	wantDecision(t, r, cosign.DecisionSigned, policy.CodeValueLimit)
	f.s.Exec(t, second, f.s.Signatures(t, second, r.Signature)).RequireSuccess(t)
	if got := chain.Balance(t, to); got.Cmp(safetest.Ether(2)) != 0 {
		t.Errorf("recipient holds %s", got)
	}
}
