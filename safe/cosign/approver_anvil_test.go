package cosign_test

import (
	"context"
	"encoding/json"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/cosign"
)

// TestCosignApproverIdentity: an approval counts under its source
// ("token:<id>" from the API, "cli:<name>" from the command line); a name
// given on the command line never makes a token identity, one token never
// approves twice under two names, an approval whose token was revoked or
// expired since does not count, nor one recorded without its source.
func TestCosignApproverIdentity(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	f := newFixture(t, chain, safetest.Deploy(t, chain, "1.4.1"))
	ctx := context.Background()
	f.svc.Tokens = fakeTokens{
		active: map[string]bool{"t-alice": true, "t-bob": true, "t-revoked": false, "t-alice2": true, "t-carol": true, "t-carol2": true},
		person: fakePersons,
	}
	token := chain.DeployERC20(t)
	type approval struct{ name, tokenID string }
	for i, tc := range []struct {
		name      string
		approvals []approval
		// stored are the identities recorded; legacy ones are written to
		// the store directly, as an older version recorded them.
		stored, legacy []string
		conflict       bool
		counted        []string
		// oneCLI is serve's setting: one command-line approval counts.
		oneCLI bool
	}{
		{"two tokens count", []approval{{"alice", "t-alice"}, {"bob", "t-bob"}}, []string{"token:t-alice", "token:t-bob"}, nil, false,
			[]string{"token:t-alice", "token:t-bob"}, false},
		{"--as never makes a token identity", []approval{{"token:t-alice", ""}, {"alice", "t-alice"}}, []string{"cli:token:t-alice", "token:t-alice"}, nil, false,
			[]string{"cli:token:t-alice", "token:t-alice"}, false},
		{"a CLI name is not a token's name", []approval{{"alice", ""}, {"alice", "t-alice"}}, []string{"cli:alice", "token:t-alice"}, nil, false,
			[]string{"cli:alice", "token:t-alice"}, false},
		{"one token under two names", []approval{{"alice", "t-alice"}, {"alicia", "t-alice"}}, []string{"token:t-alice"}, nil, true,
			[]string{"token:t-alice"}, false},
		{"a revoked or expired token does not count", []approval{{"alice", "t-alice"}, {"mallory", "t-revoked"}}, []string{"token:t-alice", "token:t-revoked"}, nil, false,
			[]string{"token:t-alice"}, false},
		{"a deleted token does not count", []approval{{"alice", "t-alice"}, {"ghost", "t-gone"}}, []string{"token:t-alice", "token:t-gone"}, nil, false,
			[]string{"token:t-alice"}, false},
		{"approvals without a source do not count", nil, nil, []string{"alice", "bob"}, false, []string{}, false},
		{"two tokens of one person count once", []approval{{"alice", "t-alice"}, {"alice-laptop", "t-alice2"}}, []string{"token:t-alice", "token:t-alice2"}, nil, false,
			[]string{"token:t-alice"}, false},
		{"tokens naming no person count per token", []approval{{"carol", "t-carol"}, {"carol-ci", "t-carol2"}}, []string{"token:t-carol", "token:t-carol2"}, nil, false,
			[]string{"token:t-carol", "token:t-carol2"}, false},
		{"serve counts one command-line approval", []approval{{"carol", ""}, {"dave", ""}, {"bob", "t-bob"}}, []string{"cli:carol", "cli:dave", "token:t-bob"}, nil, false,
			[]string{"cli:carol", "token:t-bob"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.svc.OneCLIApproval = tc.oneCLI
			data, err := safetest.TestContract(safetest.ERC20Name).Pack("mint", f.s.Address, big.NewInt(int64(1000+i)))
			if err != nil {
				t.Fatal(err)
			}
			tx := f.s.Tx(t, token, nil, data, safe.Call)
			held := f.cosign(t, tx)
			wantDecision(t, held, cosign.DecisionHeld, cosign.CodeNeedsApprovals)
			for _, who := range tc.legacy {
				if err := f.env.db.AddApproval(ctx, cosign.Approval{ChainID: chain.ChainID, Safe: f.s.Address, SafeTxHash: held.SafeTxHash, Approver: who, AuditSeq: held.AuditSeq,
					Digest: held.Verification.ApprovalDigest(), Expires: time.Now().Add(time.Hour)}); err != nil {
					t.Fatal(err)
				}
			}
			var conflict bool
			for _, a := range tc.approvals {
				_, err := f.svc.Approve(ctx, cosign.ApproveRequest{ChainID: chain.ChainID, Safe: f.s.Address, SafeTxHash: held.SafeTxHash, Approver: a.name, TokenID: a.tokenID})
				switch {
				case bulwark.IsCode(err, bulwark.ECONFLICT):
					conflict = true
				case err != nil:
					t.Fatalf("approve %+v: %v", a, err)
				}
			}
			if conflict != tc.conflict {
				t.Errorf("conflict %v, want %v", conflict, tc.conflict)
			}
			all, err := f.env.db.Approvals(ctx, chain.ChainID, f.s.Address, held.SafeTxHash)
			if err != nil {
				t.Fatal(err)
			}
			var stored []string
			for _, a := range all {
				if !slices.Contains(tc.legacy, a.Approver) {
					stored = append(stored, a.Approver)
				}
			}
			if !slices.Equal(stored, tc.stored) {
				t.Errorf("stored %v, want %v", stored, tc.stored)
			}
			r := f.cosign(t, tx, func(r *cosign.Request) { r.DryRun = true })
			if !slices.Equal(r.Approvals, tc.counted) {
				t.Errorf("counted %v, want %v", r.Approvals, tc.counted)
			}
			want := cosign.DecisionHeld
			if len(tc.counted) >= cosign.RequiredApprovals {
				want = cosign.DecisionSigned
			}
			if r.Decision != want {
				t.Errorf("decision %s, want %s (findings %v)", r.Decision, want, codesOf(r.Findings))
			}
			// An approval's audit entry names the token's person.
			for _, en := range f.env.entries(t, "safe.approve") {
				var d struct{ Approver, Person, Decision string }
				if err := json.Unmarshal(en.Details, &d); err != nil {
					t.Fatal(err)
				}
				if want := fakePersons[strings.TrimPrefix(d.Approver, cosign.SourceToken)]; d.Decision == "approved" && d.Person != strings.TrimSpace(want) {
					t.Errorf("audit entry %d of %s names person %q, want %q", en.Seq, d.Approver, d.Person, want)
				}
			}
		})
	}
}

var fakePersons = map[string]string{"t-alice": "Alice Smith", "t-alice2": " alice  SMITH", "t-bob": "Bob"}

// fakeTokens are API tokens by id: whether each is active, and its person.
type fakeTokens struct {
	active map[string]bool
	person map[string]string
}

func (f fakeTokens) TokenActive(_ context.Context, id string) (bool, error) {
	ok, known := f.active[id]
	if !known {
		return false, bulwark.Errorf(bulwark.ENOTFOUND, "no token %s", id)
	}
	return ok, nil
}

func (f fakeTokens) TokenPerson(_ context.Context, id string) (string, error) {
	if _, known := f.active[id]; !known {
		return "", bulwark.Errorf(bulwark.ENOTFOUND, "no token %s", id)
	}
	return strings.TrimSpace(f.person[id]), nil
}

// TestCosignRefusesSafeBeforeChainID: a Safe 1.1.1, whose EIP-712 domain
// has no chain id, is refused (COSIGNER_VERSION_UNSAFE), audited and
// never signed: its co-signature would replay on another chain.
func TestCosignRefusesSafeBeforeChainID(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	f := newFixture(t, chain, safetest.Deploy(t, chain, "1.1.1"))
	tx := f.s.TransferETHTx(t, common.HexToAddress("0x00000000000000000000000000000000000c0503"), safetest.Ether(1))
	r := f.cosign(t, tx)
	wantDecision(t, r, cosign.DecisionRefused, cosign.CodeVersionUnsafe)
	if r.AuditSeq == 0 || len(f.env.store.signatures()) != 0 {
		t.Errorf("audit entry %d, %d co-signatures stored", r.AuditSeq, len(f.env.store.signatures()))
	}
}
