package cosign_test

import (
	"context"
	"encoding/json"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// clock is a settable time for the co-signer.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// asideReasons returns the set-aside approvals as "approver:reason".
func asideReasons(r *cosign.Result) []string {
	var out []string
	for _, a := range r.SetAside {
		out = append(out, a.Approver+":"+a.Reason)
	}
	return out
}

// TestApprovalRules: an approval counts only for what was approved (its
// digest), while it has not expired (cut short when the TTL is lowered),
// until its approver withdraws it, once per OS user and host, and only on
// a verification simulated against a node; what is set aside is named,
// with why, in the NEEDS_APPROVALS finding and the decision's audit entry.
// Each case holds a mint of the test token (review: an unknown function
// of an unknown contract), then approves, changes something and asks the
// co-signer again.
func TestApprovalRules(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	f := newFixture(t, chain, safetest.Deploy(t, chain, "1.4.1"))
	ctx := context.Background()
	clk := &clock{t: time.Now()}
	f.svc.Now = clk.now
	token := chain.DeployERC20(t)
	approve := func(t *testing.T, h common.Hash, who string, mod ...func(*cosign.ApproveRequest)) (*cosign.ApproveResult, error) {
		t.Helper()
		req := cosign.ApproveRequest{ChainID: chain.ChainID, Safe: f.s.Address, SafeTxHash: h, Approver: who}
		for _, m := range mod {
			m(&req)
		}
		return f.svc.Approve(ctx, req)
	}
	mustApprove := func(t *testing.T, h common.Hash, who string, mod ...func(*cosign.ApproveRequest)) *cosign.ApproveResult {
		t.Helper()
		a, err := approve(t, h, who, mod...)
		if err != nil {
			t.Fatalf("approve as %s: %v", who, err)
		}
		return a
	}
	osUser := func(user, host string) func(*cosign.ApproveRequest) {
		return func(r *cosign.ApproveRequest) { r.OSUser, r.Host = user, host }
	}
	for i, tc := range []struct {
		name string
		// run approves the held transaction and changes what it needs;
		// it returns a function that restores the fixture, or nil.
		run func(t *testing.T, tx safe.Tx, held *cosign.Result) func()
		// counted and aside are what a dry run of the co-signer counts
		// and sets aside ("approver:reason") afterwards; detail is in
		// the NEEDS_APPROVALS finding when held.
		counted, aside []string
		detail         string
	}{
		{"two approvals count", func(t *testing.T, _ safe.Tx, held *cosign.Result) func() {
			mustApprove(t, held.SafeTxHash, "carol")
			mustApprove(t, held.SafeTxHash, "dave")
			return nil
		}, []string{"cli:carol", "cli:dave"}, nil, ""},
		{"the address book changed", func(t *testing.T, _ safe.Tx, held *cosign.Result) func() {
			mustApprove(t, held.SafeTxHash, "carol")
			mustApprove(t, held.SafeTxHash, "dave")
			book, err := policy.NewAddressBook([]policy.AddressEntry{{Address: common.HexToAddress("0x00000000000000000000000000000000000b0011"),
				Label: "payroll", Kinds: []policy.EntryKind{policy.KindRecipient}}})
			if err != nil {
				t.Fatal(err)
			}
			f.svc.Policy.AddressBook = book
			return func() { f.svc.Policy.AddressBook = nil }
		}, []string{}, []string{"cli:carol:stale", "cli:dave:stale"}, "the address book changed since"},
		{"the Safe's state changed", func(t *testing.T, _ safe.Tx, held *cosign.Result) func() {
			mustApprove(t, held.SafeTxHash, "carol")
			mustApprove(t, held.SafeTxHash, "dave")
			setStorage(t, chain, f.s.Address, onchain.SlotThreshold, common.BigToHash(big.NewInt(2)))
			return func() { setStorage(t, chain, f.s.Address, onchain.SlotThreshold, common.BigToHash(big.NewInt(3))) }
		}, []string{}, []string{"cli:carol:stale", "cli:dave:stale"}, "the Safe's state changed since"},
		{"expired", func(t *testing.T, _ safe.Tx, held *cosign.Result) func() {
			// carol approved 23 hours ago (by the co-signer's clock), dave
			// now; an hour later carol's has expired.
			clk.add(-23 * time.Hour)
			mustApprove(t, held.SafeTxHash, "carol")
			clk.add(23 * time.Hour)
			mustApprove(t, held.SafeTxHash, "dave")
			clk.add(time.Hour + time.Second)
			return nil
		}, []string{"cli:dave"}, []string{"cli:carol:expired"}, "expired at"},
		{"the TTL lowered", func(t *testing.T, _ safe.Tx, held *cosign.Result) func() {
			mustApprove(t, held.SafeTxHash, "carol")
			mustApprove(t, held.SafeTxHash, "dave")
			// The store stamps its own time: the approvals were stored
			// now, whatever the co-signer's clock says.
			f.svc.ApprovalTTL = time.Minute
			clk.t = time.Now().Add(2 * time.Minute)
			return func() { f.svc.ApprovalTTL = 0 }
		}, []string{}, []string{"cli:carol:expired", "cli:dave:expired"}, "approvals last 1m0s"},
		{"withdrawn", func(t *testing.T, _ safe.Tx, held *cosign.Result) func() {
			mustApprove(t, held.SafeTxHash, "carol")
			mustApprove(t, held.SafeTxHash, "dave")
			w, err := f.svc.Withdraw(ctx, cosign.WithdrawRequest{ChainID: chain.ChainID, Safe: f.s.Address, SafeTxHash: held.SafeTxHash, Approver: "dave", Note: "second thoughts"})
			if err != nil || w.Approval.Approver != "cli:dave" || w.Approval.Withdrawn == nil || w.AuditSeq == 0 {
				t.Fatalf("Withdraw = %+v, %v", w, err)
			}
			_, err = f.svc.Withdraw(ctx, cosign.WithdrawRequest{ChainID: chain.ChainID, Safe: f.s.Address, SafeTxHash: held.SafeTxHash, Approver: "dave"})
			if !bulwark.IsCode(err, bulwark.ENOTFOUND) {
				t.Errorf("withdrawing twice: %v, want ENOTFOUND", err)
			}
			_, err = f.svc.Withdraw(ctx, cosign.WithdrawRequest{ChainID: chain.ChainID, Safe: f.s.Address, SafeTxHash: held.SafeTxHash, Approver: "erin"})
			if !bulwark.IsCode(err, bulwark.ENOTFOUND) {
				t.Errorf("withdrawing someone else's: %v, want ENOTFOUND", err)
			}
			return nil
		}, []string{"cli:carol"}, []string{"cli:dave:withdrawn"}, "withdrawn by the approver"},
		{"one OS user under two names", func(t *testing.T, _ safe.Tx, held *cosign.Result) func() {
			mustApprove(t, held.SafeTxHash, "carol", osUser("ops", "vault-1"))
			mustApprove(t, held.SafeTxHash, "dave", osUser("ops", "vault-1"))
			return nil
		}, []string{"cli:carol"}, []string{"cli:dave:same-os-user"}, "given by OS user ops@vault-1, as cli:carol was"},
		{"two OS users", func(t *testing.T, _ safe.Tx, held *cosign.Result) func() {
			mustApprove(t, held.SafeTxHash, "carol", osUser("carol", "vault-1"))
			mustApprove(t, held.SafeTxHash, "dave", osUser("dave", "vault-1"))
			return nil
		}, []string{"cli:carol", "cli:dave"}, nil, ""},
		{"re-approved after a change", func(t *testing.T, tx safe.Tx, held *cosign.Result) func() {
			mustApprove(t, held.SafeTxHash, "carol")
			mustApprove(t, held.SafeTxHash, "dave")
			setStorage(t, chain, f.s.Address, onchain.SlotThreshold, common.BigToHash(big.NewInt(2)))
			// carol reviews again and approves with --tx; her earlier
			// approval is replaced. dave's stays stale.
			st := policy.ServiceTx{Safe: f.s.Address, Tx: tx}
			a := mustApprove(t, common.Hash{}, "carol", func(r *cosign.ApproveRequest) { r.Tx = &st; r.SafeTxHash = held.SafeTxHash })
			if a.Replaced == 0 || !slices.Equal(a.Approvers, []string{"cli:carol"}) {
				t.Errorf("re-approval: replaced %d, approvers %v", a.Replaced, a.Approvers)
			}
			if _, err := approve(t, held.SafeTxHash, "carol"); !bulwark.IsCode(err, bulwark.ECONFLICT) {
				t.Errorf("carol a third time: %v, want ECONFLICT", err)
			}
			return func() { setStorage(t, chain, f.s.Address, onchain.SlotThreshold, common.BigToHash(big.NewInt(3))) }
		}, []string{"cli:carol"}, []string{"cli:dave:stale"}, "the Safe's state changed since"},
	} {
		t.Run(tc.name, func(t *testing.T) { // sequential: one Safe, one clock
			clk.t = time.Now()
			data, err := safetest.TestContract(safetest.ERC20Name).Pack("mint", f.s.Address, big.NewInt(int64(5000+i)))
			if err != nil {
				t.Fatal(err)
			}
			tx := f.s.Tx(t, token, nil, data, safe.Call)
			held := f.cosign(t, tx)
			wantDecision(t, held, cosign.DecisionHeld, cosign.CodeNeedsApprovals)
			if restore := tc.run(t, tx, held); restore != nil {
				t.Cleanup(restore)
			}
			// Signed only as a dry run: every case uses the Safe's next
			// nonce, which one co-signature would take.
			signs := len(tc.counted) >= cosign.RequiredApprovals
			r := f.cosign(t, tx, func(r *cosign.Request) { r.DryRun = signs })
			if !slices.Equal(r.Approvals, tc.counted) {
				t.Errorf("counted %v, want %v", r.Approvals, tc.counted)
			}
			if got := asideReasons(r); !slices.Equal(got, tc.aside) {
				t.Errorf("set aside %v, want %v", got, tc.aside)
			}
			if signs {
				if r.Decision != cosign.DecisionSigned || len(r.SetAside) != 0 {
					t.Errorf("dry run: %s, set aside %v, want signed", r.Decision, r.SetAside)
				}
				return
			}
			wantDecision(t, r, cosign.DecisionHeld, cosign.CodeNeedsApprovals)
			i := slices.IndexFunc(r.Findings, func(f policy.Finding) bool { return f.Code == cosign.CodeNeedsApprovals })
			fd := r.Findings[i]
			if !strings.Contains(fd.Message, tc.detail) || !strings.Contains(fd.Fields["setAside"], tc.detail) {
				t.Errorf("NEEDS_APPROVALS %q (setAside %q), want it to say %q", fd.Message, fd.Fields["setAside"], tc.detail)
			}
			// The decision's audit entry records what was set aside.
			var d struct{ SetAside []cosign.SetAside }
			if err := json.Unmarshal(auditEntry(t, f.env, r.AuditSeq).Details, &d); err != nil || len(d.SetAside) != len(tc.aside) {
				t.Errorf("audit entry %d: setAside %+v (%v), want %d", r.AuditSeq, d.SetAside, err, len(tc.aside))
			}
		})
	}
}

// TestApprovalNeedsSimulation: an approval by safeTxHash rests on the
// latest verification on record; when that one was offline, or the node
// did not simulate, the approval is refused naming --rpc, and audited.
func TestApprovalNeedsSimulation(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	f := newFixture(t, chain, safetest.Deploy(t, chain, "1.4.1"))
	ctx := context.Background()
	token := chain.DeployERC20(t)
	data, err := safetest.TestContract(safetest.ERC20Name).Pack("mint", f.s.Address, big.NewInt(7))
	if err != nil {
		t.Fatal(err)
	}
	tx := f.s.Tx(t, token, nil, data, safe.Call)
	held := f.cosign(t, tx)
	wantDecision(t, held, cosign.DecisionHeld)
	// 'safe verify' without a node records its (offline) verdict.
	v, err := policy.Verify(policy.VerifyRequest{Tx: policy.ServiceTx{Safe: f.s.Address, Tx: tx}, ChainID: chain.ChainID, Version: f.d.Version})
	if err != nil {
		t.Fatal(err)
	}
	if v.Verdict != bulwark.VerdictReview || v.Hashes.SafeTxHash != held.SafeTxHash {
		t.Fatalf("offline verdict %s of %s", v.Verdict, v.Hashes.SafeTxHash.Hex())
	}
	if _, err := f.env.log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
		return audit.Event{Actor: "cli:alice", Action: "safe.verify", Target: v.AuditTarget(), Details: v.AuditDetails()}, policy.RecordInAudit(txctx, f.env.db, v)
	}); err != nil {
		t.Fatal(err)
	}
	req := cosign.ApproveRequest{ChainID: chain.ChainID, Safe: f.s.Address, SafeTxHash: held.SafeTxHash, Approver: "carol"}
	_, err = f.svc.Approve(ctx, req)
	if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(bulwark.ErrorMessage(err), "--rpc") || !strings.Contains(bulwark.ErrorMessage(err), "not simulated") {
		t.Fatalf("approval of an offline verification: %v, want EINVALID naming --rpc", err)
	}
	refused := f.env.entries(t, "safe.approve")
	if len(refused) != 1 || !strings.Contains(string(refused[0].Details), `"decision":"refused"`) {
		t.Fatalf("audit: %+v, want one refused safe.approve", refused)
	}
	// With the transaction, verified on the node: accepted.
	st := policy.ServiceTx{Safe: f.s.Address, Tx: tx}
	req.Tx = &st
	if _, err := f.svc.Approve(ctx, req); err != nil {
		t.Fatalf("approval with --tx on the node: %v", err)
	}
	// A node that does not simulate: refused.
	noSim := f.env.service(chain)
	noSim.Simulator = failingSimulator{}
	req.Approver = "dave"
	_, err = noSim.Approve(ctx, req)
	if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(bulwark.ErrorMessage(err), "--rpc") {
		t.Fatalf("approval on a node that does not simulate: %v", err)
	}
}

// TestApprovalTTLBounds: the TTL is from a minute to 30 days; 0 means the
// default in the service, and is refused as a setting.
func TestApprovalTTLBounds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ttl time.Duration
		ok  bool
	}{
		{0, false}, {-time.Hour, false}, {time.Second, false}, {time.Minute, true}, {24 * time.Hour, true},
		{cosign.MaxApprovalTTL, true}, {cosign.MaxApprovalTTL + time.Second, false},
	} {
		err := cosign.CheckApprovalTTL("--approval-ttl", tc.ttl)
		if (err == nil) != tc.ok {
			t.Errorf("CheckApprovalTTL(%s) = %v, want ok %v", tc.ttl, err, tc.ok)
		}
		if err != nil && (!bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), "--approval-ttl")) {
			t.Errorf("CheckApprovalTTL(%s) = %v, want EINVALID naming the flag", tc.ttl, err)
		}
	}
	e := newEnv(t)
	svc := &cosign.Service{Store: e.store, Audit: e.log, Verifications: e.db, ApprovalTTL: time.Second}
	if _, err := svc.Approve(context.Background(), cosign.ApproveRequest{ChainID: big.NewInt(1), Safe: common.Address{1}, SafeTxHash: common.Hash{1}, Approver: "carol"}); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("a service with a TTL of 1s: %v, want EINVALID", err)
	}
}

func setStorage(t testing.TB, c *safetest.Chain, addr common.Address, slot, value common.Hash) {
	t.Helper()
	if err := c.RPC.Call(context.Background(), nil, "anvil_setStorageAt", addr, slot, value); err != nil {
		t.Fatalf("anvil_setStorageAt: %v", err)
	}
}

// auditEntry returns the audit entry seq.
func auditEntry(t testing.TB, e *env, seq int64) *audit.Entry {
	t.Helper()
	all, err := e.db.AuditEntries(context.Background(), seq-1, 1)
	if err != nil || len(all) != 1 || all[0].Seq != seq {
		t.Fatalf("audit entry %d: %v, %v", seq, all, err)
	}
	return all[0]
}
