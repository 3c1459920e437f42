package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe/cosign"
)

// CosignAuditStore is an adapter that holds the co-signer's records and
// the audit log.
type CosignAuditStore interface {
	cosign.Store
	audit.Store
}

// CosignStore runs the conformance suite for cosign.Store on an adapter
// that also holds the audit log: round trips (outflows included, and
// co-signatures read back by time with SignaturesSince), at most one co-signature per
// chain id, Safe and nonce (also when several goroutines save one at the
// same time: exactly one wins and the others get it back), one standing
// approval per approver and transaction (withdrawn ones kept and read
// back), bad records refused with EINVALID and
// nothing stored, and records written inside audit.Log.Do committing or
// rolling back with their entry. open must return a fresh, empty store
// closed when t ends.
func CosignStore(t *testing.T, open func(t *testing.T) CosignAuditStore) {
	t.Helper()
	ctx := context.Background()
	hashA := common.HexToHash("0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8")
	hashB := common.HexToHash("0x01")
	signer := common.HexToAddress("0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF")
	sig := func(fill byte) []byte {
		s := bytes.Repeat([]byte{fill}, cosign.SignatureLen)
		s[64] = 27 + fill%2
		return s
	}
	rec := func(chain int64, safe string, nonce int64, h common.Hash, seq int64) cosign.SignatureRecord {
		return cosign.SignatureRecord{ChainID: big.NewInt(chain), Safe: common.HexToAddress(safe), Nonce: big.NewInt(nonce),
			SafeTxHash: h, Signer: signer, Signature: sig(byte(seq)), Verdict: bulwark.VerdictOK, AuditSeq: seq}
	}
	sameSig := func(got *cosign.SignatureRecord, want cosign.SignatureRecord) bool {
		return got != nil && got.ChainID.Cmp(want.ChainID) == 0 && got.Safe == want.Safe && got.Nonce.Cmp(want.Nonce) == 0 &&
			got.SafeTxHash == want.SafeTxHash && got.Signer == want.Signer && bytes.Equal(got.Signature, want.Signature) &&
			got.Verdict == want.Verdict && got.AuditSeq == want.AuditSeq
	}
	expires := time.Date(2031, 5, 6, 7, 8, 9, 123456789, time.UTC)
	approval := func(chain int64, safe string, h common.Hash, who, note string, seq int64) cosign.Approval {
		return cosign.Approval{ChainID: big.NewInt(chain), Safe: common.HexToAddress(safe), SafeTxHash: h, Approver: who, Note: note, AuditSeq: seq,
			Digest: "tx=" + strings.Repeat("ab", 32) + ";book=" + who, Expires: expires}
	}
	sameApproval := func(got, want cosign.Approval) bool {
		return got.ChainID.Cmp(want.ChainID) == 0 && got.Safe == want.Safe && got.SafeTxHash == want.SafeTxHash &&
			got.Approver == want.Approver && got.Note == want.Note && got.AuditSeq == want.AuditSeq &&
			got.Digest == want.Digest && got.OSUser == want.OSUser && got.Host == want.Host && got.Expires.Equal(want.Expires) &&
			(got.Withdrawn == nil) == (want.Withdrawn == nil)
	}
	stamped := func(t *testing.T, at, before time.Time) {
		t.Helper()
		if at.Location() != time.UTC || at.Before(before) || at.After(time.Now().Add(time.Second)) {
			t.Errorf("time %v, want UTC between %v and now", at, before)
		}
	}

	t.Run("SignatureRoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		before := time.Now().Add(-time.Second)
		want := []cosign.SignatureRecord{
			rec(1, safeA, 0, hashA, 1),
			rec(1, safeA, 1, hashB, 2),
			rec(1, safeB, 0, hashA, 3),
			rec(11155111, safeA, 0, hashA, 4),
		}
		want[1].Verdict = bulwark.VerdictReview
		want[3].Nonce = new(big.Int).Lsh(big.NewInt(1), 255) // a uint256 nonce beyond int64
		for _, r := range want {
			prior, err := s.SaveSignature(ctx, r)
			if err != nil || prior != nil {
				t.Fatalf("SaveSignature(%s nonce %s) = %+v, %v; want nil, nil", r.Safe.Hex(), r.Nonce, prior, err)
			}
		}
		for _, r := range want {
			got, err := s.Signature(ctx, r.ChainID, r.Safe, r.Nonce)
			if err != nil || !sameSig(got, r) {
				t.Fatalf("Signature(%s, %s, %s) = %+v, %v; want %+v", r.ChainID, r.Safe.Hex(), r.Nonce, got, err, r)
			}
			stamped(t, got.Time, before)
		}
		for _, k := range []struct {
			chain int64
			safe  string
			nonce int64
		}{{1, safeA, 2}, {5, safeA, 0}, {1, "0x03", 0}} {
			got, err := s.Signature(ctx, big.NewInt(k.chain), common.HexToAddress(k.safe), big.NewInt(k.nonce))
			if bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
				t.Errorf("Signature(%d, %s, %d) = %+v, %v; want ENOTFOUND", k.chain, k.safe, k.nonce, got, err)
			}
		}
	})

	t.Run("SignaturesSinceWithOutflows", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		token := common.HexToAddress("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48")
		before := time.Now().Add(-time.Second)
		withOut := rec(1, safeA, 0, hashA, 1)
		withOut.Outflows = map[common.Address]*big.Int{{}: new(big.Int).Lsh(big.NewInt(1), 200), token: big.NewInt(7)}
		none := rec(1, safeA, 1, hashB, 2)
		none.Outflows = map[common.Address]*big.Int{}
		unknown := rec(1, safeA, 2, hashA, 3) // Outflows nil: not known
		for _, r := range []cosign.SignatureRecord{withOut, none, unknown, rec(1, safeB, 0, hashA, 4), rec(5, safeA, 0, hashA, 5)} {
			if prior, err := s.SaveSignature(ctx, r); err != nil || prior != nil {
				t.Fatalf("SaveSignature = %+v, %v", prior, err)
			}
		}
		got, err := s.SignaturesSince(ctx, big.NewInt(1), common.HexToAddress(safeA), before)
		if err != nil || len(got) != 3 {
			t.Fatalf("SignaturesSince = %d records, %v; want 3", len(got), err)
		}
		for i, want := range []cosign.SignatureRecord{withOut, none, unknown} {
			if !sameSig(&got[i], want) {
				t.Errorf("record %d: %+v, want %+v", i, got[i], want)
			}
			if (got[i].Outflows == nil) != (want.Outflows == nil) || len(got[i].Outflows) != len(want.Outflows) {
				t.Errorf("record %d: outflows %v, want %v", i, got[i].Outflows, want.Outflows)
			}
			for a, n := range want.Outflows {
				if got[i].Outflows[a] == nil || got[i].Outflows[a].Cmp(n) != 0 {
					t.Errorf("record %d: outflow of %s %v, want %v", i, a.Hex(), got[i].Outflows[a], n)
				}
			}
		}
		later, err := s.SignaturesSince(ctx, big.NewInt(1), common.HexToAddress(safeA), time.Now().Add(time.Hour))
		if err != nil || later == nil || len(later) != 0 {
			t.Errorf("SignaturesSince(an hour from now) = %v, %v; want an empty slice", later, err)
		}
	})

	t.Run("SignatureAtMostOncePerNonce", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		first := rec(1, safeA, 7, hashA, 1)
		if prior, err := s.SaveSignature(ctx, first); err != nil || prior != nil {
			t.Fatalf("SaveSignature = %+v, %v", prior, err)
		}
		for _, tt := range []struct {
			name string
			mut  func(*cosign.SignatureRecord)
		}{
			{"another safeTxHash", func(r *cosign.SignatureRecord) { r.SafeTxHash = hashB }},
			{"the same safeTxHash again", func(*cosign.SignatureRecord) {}},
			{"another signer", func(r *cosign.SignatureRecord) { r.Signer = common.HexToAddress("0x04") }},
		} {
			r := rec(1, safeA, 7, hashA, 2)
			tt.mut(&r)
			prior, err := s.SaveSignature(ctx, r)
			if err != nil || !sameSig(prior, first) {
				t.Errorf("%s: SaveSignature = %+v, %v; want the first record back", tt.name, prior, err)
			}
		}
		if got, err := s.Signature(ctx, big.NewInt(1), common.HexToAddress(safeA), big.NewInt(7)); err != nil || !sameSig(got, first) {
			t.Errorf("Signature = %+v, %v; want the first record, unchanged", got, err)
		}
	})

	t.Run("SignatureConcurrent", func(t *testing.T) {
		t.Parallel()
		for _, inAudit := range []bool{false, true} {
			t.Run(fmt.Sprintf("inAudit=%v", inAudit), func(t *testing.T) {
				s := open(t)
				log := &audit.Log{Store: s}
				const workers = 8
				start := make(chan struct{})
				type outcome struct {
					mine  common.Hash
					prior *cosign.SignatureRecord
					err   error
				}
				out := make(chan outcome, workers)
				var wg sync.WaitGroup
				for w := range workers {
					wg.Go(func() {
						h := common.BigToHash(big.NewInt(int64(w + 1)))
						<-start
						save := func(ctx context.Context, seq int64) (*cosign.SignatureRecord, error) {
							return s.SaveSignature(ctx, rec(1, safeA, 42, h, seq))
						}
						var o outcome
						o.mine = h
						if !inAudit {
							o.prior, o.err = save(ctx, int64(w+1))
						} else {
							_, o.err = log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
								seq, _ := audit.PendingSeq(txctx)
								var err error
								o.prior, err = save(txctx, seq)
								return audit.Event{Actor: fmt.Sprintf("worker-%d", w), Action: "safe.cosign", Target: "safe:" + safeA}, err
							})
						}
						out <- o
					})
				}
				close(start)
				wg.Wait()
				close(out)
				var winners []common.Hash
				var priors []*cosign.SignatureRecord
				for o := range out {
					switch {
					case o.err != nil:
						t.Errorf("SaveSignature: %v", o.err)
					case o.prior == nil:
						winners = append(winners, o.mine)
					default:
						priors = append(priors, o.prior)
					}
				}
				if len(winners) != 1 {
					t.Fatalf("%d calls stored their co-signature for one nonce, want exactly 1", len(winners))
				}
				stored, err := s.Signature(ctx, big.NewInt(1), common.HexToAddress(safeA), big.NewInt(42))
				if err != nil || stored.SafeTxHash != winners[0] {
					t.Fatalf("Signature = %+v, %v; want the winner's %s", stored, err, winners[0].Hex())
				}
				for _, p := range priors {
					if !sameSig(p, *stored) {
						t.Errorf("a losing call got %+v back, want the stored %+v", p, stored)
					}
				}
			})
		}
	})

	t.Run("BadSignature", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for name, mut := range map[string]func(*cosign.SignatureRecord){
			"no chain":          func(r *cosign.SignatureRecord) { r.ChainID = nil },
			"chain 0":           func(r *cosign.SignatureRecord) { r.ChainID = big.NewInt(0) },
			"no safe":           func(r *cosign.SignatureRecord) { r.Safe = common.Address{} },
			"no nonce":          func(r *cosign.SignatureRecord) { r.Nonce = nil },
			"negative nonce":    func(r *cosign.SignatureRecord) { r.Nonce = big.NewInt(-1) },
			"no hash":           func(r *cosign.SignatureRecord) { r.SafeTxHash = common.Hash{} },
			"no signer":         func(r *cosign.SignatureRecord) { r.Signer = common.Address{} },
			"no signature":      func(r *cosign.SignatureRecord) { r.Signature = nil },
			"short signature":   func(r *cosign.SignatureRecord) { r.Signature = r.Signature[:64] },
			"v 0":               func(r *cosign.SignatureRecord) { r.Signature[64] = 0 },
			"no verdict":        func(r *cosign.SignatureRecord) { r.Verdict = "" },
			"verdict reject":    func(r *cosign.SignatureRecord) { r.Verdict = bulwark.VerdictReject },
			"no audit entry":    func(r *cosign.SignatureRecord) { r.AuditSeq = 0 },
			"negative auditSeq": func(r *cosign.SignatureRecord) { r.AuditSeq = -1 },
		} {
			r := rec(1, safeA, 0, hashA, 1)
			mut(&r)
			if prior, err := s.SaveSignature(ctx, r); bulwark.ErrorCode(err) != bulwark.EINVALID || prior != nil {
				t.Errorf("%s: SaveSignature = %+v, %v; want EINVALID", name, prior, err)
			}
		}
		if got, err := s.Signature(ctx, big.NewInt(1), common.HexToAddress(safeA), big.NewInt(0)); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("a bad record was stored: %+v, %v", got, err)
		}
	})

	t.Run("Approvals", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		before := time.Now().Add(-time.Second)
		want := []cosign.Approval{
			approval(1, safeA, hashA, "alice", "checked the recipient with the treasury team by phone", 1),
			approval(1, safeA, hashB, "alice", "", 2),
			func() cosign.Approval {
				a := approval(1, safeA, hashA, "bob", "Ünïcödé ok\nsecond line", 3)
				a.OSUser, a.Host = "bob", "vault-1.example"
				return a
			}(),
			approval(5, safeA, hashA, "alice", "", 4),
			approval(1, safeB, hashA, "alice", "", 5),
		}
		for _, a := range want {
			if err := s.AddApproval(ctx, a); err != nil {
				t.Fatalf("AddApproval(%+v): %v", a, err)
			}
		}
		got, err := s.Approvals(ctx, big.NewInt(1), common.HexToAddress(safeA), hashA)
		if err != nil || len(got) != 2 || !sameApproval(got[0], want[0]) || !sameApproval(got[1], want[2]) {
			t.Fatalf("Approvals = %+v, %v; want alice's then bob's", got, err)
		}
		for _, g := range got {
			stamped(t, g.Time, before)
		}
		for _, k := range []cosign.Approval{want[1], want[3], want[4]} {
			if got, err := s.Approvals(ctx, k.ChainID, k.Safe, k.SafeTxHash); err != nil || len(got) != 1 || !sameApproval(got[0], k) {
				t.Errorf("Approvals(%s, %s, %s) = %+v, %v; want %+v", k.ChainID, k.Safe.Hex(), k.SafeTxHash.Hex(), got, err, k)
			}
		}
		got, err = s.Approvals(ctx, big.NewInt(1), common.HexToAddress(safeA), common.HexToHash("0x02"))
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("Approvals(unknown) = %#v, %v; want an empty slice", got, err)
		}
		again := approval(1, safeA, hashA, "alice", "a second time", 6)
		if err := s.AddApproval(ctx, again); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Errorf("the same approver again: AddApproval = %v, want ECONFLICT", err)
		}
		if got, _ := s.Approvals(ctx, big.NewInt(1), common.HexToAddress(safeA), hashA); len(got) != 2 {
			t.Errorf("after the conflict: %d approvals, want 2", len(got))
		}
	})

	t.Run("WithdrawApproval", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		before := time.Now().Add(-time.Second)
		alice := approval(1, safeA, hashA, "cli:alice", "", 1)
		bob := approval(1, safeA, hashA, "cli:bob", "", 2)
		for _, a := range []cosign.Approval{alice, bob} {
			if err := s.AddApproval(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.WithdrawApproval(ctx, big.NewInt(1), common.HexToAddress(safeA), hashA, "cli:carol", cosign.Withdrawal{Reason: cosign.WithdrawnByApprover, AuditSeq: 3}); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("withdrawing an approval never given: %v, want ENOTFOUND", err)
		}
		for name, w := range map[string]cosign.Withdrawal{
			"no reason":      {AuditSeq: 3},
			"unknown reason": {Reason: "forgotten", AuditSeq: 3},
			"no audit entry": {Reason: cosign.WithdrawnByApprover},
		} {
			if _, err := s.WithdrawApproval(ctx, big.NewInt(1), common.HexToAddress(safeA), hashA, "cli:alice", w); bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Errorf("%s: WithdrawApproval = %v, want EINVALID", name, err)
			}
		}
		got, err := s.WithdrawApproval(ctx, big.NewInt(1), common.HexToAddress(safeA), hashA, "cli:alice", cosign.Withdrawal{Reason: cosign.WithdrawnByApprover, AuditSeq: 3})
		if err != nil || got.Approver != alice.Approver || got.AuditSeq != alice.AuditSeq || got.Digest != alice.Digest || got.Withdrawn == nil || got.Withdrawn.AuditSeq != 3 || got.Withdrawn.Reason != cosign.WithdrawnByApprover {
			t.Fatalf("WithdrawApproval = %+v, %v", got, err)
		}
		stamped(t, got.Withdrawn.Time, before)
		if _, err := s.WithdrawApproval(ctx, big.NewInt(1), common.HexToAddress(safeA), hashA, "cli:alice", cosign.Withdrawal{Reason: cosign.WithdrawnByApprover, AuditSeq: 4}); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("withdrawing twice: %v, want ENOTFOUND", err)
		}
		// Withdrawn, alice approves again; bob's standing approval still
		// conflicts, and is replaced.
		again := approval(1, safeA, hashA, "cli:alice", "again", 5)
		if err := s.AddApproval(ctx, again); err != nil {
			t.Fatalf("approving again after a withdrawal: %v", err)
		}
		if err := s.AddApproval(ctx, approval(1, safeA, hashA, "cli:bob", "", 6)); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Errorf("bob again while his approval stands: %v, want ECONFLICT", err)
		}
		if _, err := s.WithdrawApproval(ctx, big.NewInt(1), common.HexToAddress(safeA), hashA, "cli:bob", cosign.Withdrawal{Reason: cosign.WithdrawnReplaced, AuditSeq: 7}); err != nil {
			t.Fatal(err)
		}
		all, err := s.Approvals(ctx, big.NewInt(1), common.HexToAddress(safeA), hashA)
		if err != nil || len(all) != 3 {
			t.Fatalf("Approvals = %+v, %v; want 3, withdrawn ones included", all, err)
		}
		for i, want := range []struct {
			seq    int64
			reason string
		}{{1, cosign.WithdrawnByApprover}, {2, cosign.WithdrawnReplaced}, {5, ""}} {
			a := all[i]
			switch {
			case a.AuditSeq != want.seq:
				t.Errorf("approval %d: audit entry %d, want %d", i, a.AuditSeq, want.seq)
			case want.reason == "" && a.Withdrawn != nil:
				t.Errorf("approval %d: withdrawn %+v, want standing", i, a.Withdrawn)
			case want.reason != "" && (a.Withdrawn == nil || a.Withdrawn.Reason != want.reason):
				t.Errorf("approval %d: withdrawn %+v, want %s", i, a.Withdrawn, want.reason)
			}
		}
	})

	t.Run("BadApproval", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for name, mut := range map[string]func(*cosign.Approval){
			"no chain":            func(a *cosign.Approval) { a.ChainID = nil },
			"chain 0":             func(a *cosign.Approval) { a.ChainID = big.NewInt(0) },
			"no safe":             func(a *cosign.Approval) { a.Safe = common.Address{} },
			"no hash":             func(a *cosign.Approval) { a.SafeTxHash = common.Hash{} },
			"no approver":         func(a *cosign.Approval) { a.Approver = "" },
			"blank approver":      func(a *cosign.Approval) { a.Approver = " \t" },
			"long approver":       func(a *cosign.Approval) { a.Approver = strings.Repeat("a", cosign.MaxApproverLen+1) },
			"control in approver": func(a *cosign.Approval) { a.Approver = "ali\x1bce" },
			"long note":           func(a *cosign.Approval) { a.Note = strings.Repeat("é", cosign.MaxNoteLen/2+1) },
			"invalid UTF-8 note":  func(a *cosign.Approval) { a.Note = "\xff\xfe" },
			"control in note":     func(a *cosign.Approval) { a.Note = "ok\x00" },
			"no audit entry":      func(a *cosign.Approval) { a.AuditSeq = 0 },
			"no digest":           func(a *cosign.Approval) { a.Digest = "" },
			"long digest":         func(a *cosign.Approval) { a.Digest = strings.Repeat("d", cosign.MaxDigestLen+1) },
			"no expiry":           func(a *cosign.Approval) { a.Expires = time.Time{} },
			"control in OS user":  func(a *cosign.Approval) { a.OSUser = "bob\n" },
			"long host":           func(a *cosign.Approval) { a.Host = strings.Repeat("h", cosign.MaxApproverLen+1) },
		} {
			a := approval(1, safeA, hashA, "alice", "fine", 1)
			mut(&a)
			if err := s.AddApproval(ctx, a); bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Errorf("%s: AddApproval = %v, want EINVALID", name, err)
			}
		}
		longest := approval(1, safeA, hashA, strings.Repeat("a", cosign.MaxApproverLen), strings.Repeat("n", cosign.MaxNoteLen), 1)
		longest.Digest = strings.Repeat("d", cosign.MaxDigestLen)
		longest.OSUser, longest.Host = strings.Repeat("u", cosign.MaxApproverLen), strings.Repeat("h", cosign.MaxApproverLen)
		if err := s.AddApproval(ctx, longest); err != nil {
			t.Errorf("an approval at the bounds: %v", err)
		}
		if got, _ := s.Approvals(ctx, big.NewInt(1), common.HexToAddress(safeA), hashA); len(got) != 1 || !sameApproval(got[0], longest) {
			t.Errorf("stored %+v, want only the one at the bounds", got)
		}
	})

	t.Run("WithTheirAuditEntry", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		log := &audit.Log{Store: s}
		boom := errors.New("boom")
		for i, tt := range []struct {
			name string
			fail error
			kept bool
		}{
			{"change fails after the records", boom, false},
			{"all succeed", nil, true},
		} {
			t.Run(tt.name, func(t *testing.T) {
				nonce := big.NewInt(int64(100 + i))
				hash := common.BigToHash(nonce)
				n0, _ := s.Approvals(ctx, big.NewInt(1), common.HexToAddress(safeA), hash)
				var seq int64
				e, err := log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
					seq, _ = audit.PendingSeq(txctx)
					r := rec(1, safeA, nonce.Int64(), hash, seq)
					if prior, err := s.SaveSignature(txctx, r); err != nil || prior != nil {
						return audit.Event{}, fmt.Errorf("SaveSignature = %+v, %v", prior, err)
					}
					// A second save in the same transaction sees the first.
					if prior, err := s.SaveSignature(txctx, rec(1, safeA, nonce.Int64(), hashB, seq)); err != nil || !sameSig(prior, r) {
						t.Errorf("inside the transaction: SaveSignature = %+v, %v; want the first back", prior, err)
					}
					if err := s.AddApproval(txctx, approval(1, safeA, hash, "carol", "", seq)); err != nil {
						return audit.Event{}, err
					}
					if inside, err := s.Approvals(txctx, big.NewInt(1), common.HexToAddress(safeA), hash); err != nil || len(inside) != len(n0)+1 {
						t.Errorf("inside the transaction: %v, %v", inside, err)
					}
					return audit.Event{Actor: "test", Action: "safe.cosign", Target: "safe:" + safeA}, tt.fail
				})
				if (err == nil) != tt.kept {
					t.Fatalf("Do = %v", err)
				}
				got, err := s.Signature(ctx, big.NewInt(1), common.HexToAddress(safeA), nonce)
				if kept := err == nil; kept != tt.kept {
					t.Fatalf("co-signature kept = %v (%v), want %v", kept, err, tt.kept)
				}
				if !tt.kept && bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
					t.Errorf("Signature after the rollback: %v, want ENOTFOUND", err)
				}
				n1, _ := s.Approvals(ctx, big.NewInt(1), common.HexToAddress(safeA), hash)
				if kept := len(n1) == len(n0)+1; kept != tt.kept {
					t.Fatalf("approval kept = %v, want %v", kept, tt.kept)
				}
				if tt.kept && (got.AuditSeq != e.Seq || n1[len(n1)-1].AuditSeq != e.Seq || seq != e.Seq) {
					t.Errorf("records name audit entries %d and %d (pending %d), the entry is %d", got.AuditSeq, n1[len(n1)-1].AuditSeq, seq, e.Seq)
				}
			})
		}
	})
}
