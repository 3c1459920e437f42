package storetest

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// VerificationAuditStore is an adapter that holds verification records and
// the audit log.
type VerificationAuditStore interface {
	policy.VerificationStore
	audit.Store
}

// VerificationStore runs the conformance suite for policy.VerificationStore
// on an adapter that also holds the audit log: round trips in order, an
// unknown hash, bad records, and a record written inside audit.Log.Do
// committing or rolling back with its entry (and naming it through
// audit.PendingSeq). open must return a fresh, empty store closed when t
// ends.
func VerificationStore(t *testing.T, open func(t *testing.T) VerificationAuditStore) {
	t.Helper()
	ctx := context.Background()
	hashA := common.HexToHash("0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8")
	hashB := common.HexToHash("0x01")
	rec := func(h common.Hash, addr string, chain int64, v bulwark.Verdict, seq int64) policy.VerificationRecord {
		return policy.VerificationRecord{SafeTxHash: h, Safe: common.HexToAddress(addr), ChainID: big.NewInt(chain), Verdict: v, AuditSeq: seq}
	}
	same := func(got, want policy.VerificationRecord) bool {
		return got.SafeTxHash == want.SafeTxHash && got.Safe == want.Safe && got.ChainID.Cmp(want.ChainID) == 0 &&
			got.Verdict == want.Verdict && got.AuditSeq == want.AuditSeq && got.Simulated == want.Simulated && got.ApprovalDigest == want.ApprovalDigest
	}

	t.Run("RecordAndRead", func(t *testing.T) {
		s := open(t)
		before := time.Now().Add(-time.Second)
		want := []policy.VerificationRecord{
			rec(hashA, safeA, 1, bulwark.VerdictReject, 1),
			rec(hashB, safeB, 11155111, bulwark.VerdictOK, 2),
			rec(hashA, safeA, 1, bulwark.VerdictOK, 3),
		}
		// Simulated on a node, with what an approval of it approves.
		want[2].Simulated, want[2].ApprovalDigest = true, "tx=01;state=02"
		for _, r := range want {
			if err := s.RecordVerification(ctx, r); err != nil {
				t.Fatalf("RecordVerification: %v", err)
			}
		}
		got, err := s.Verifications(ctx, hashA)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || !same(got[0], want[0]) || !same(got[1], want[2]) {
			t.Fatalf("Verifications(A) = %+v, want %+v and %+v in order", got, want[0], want[2])
		}
		for _, g := range got {
			if g.Time.Location() != time.UTC || g.Time.Before(before) || g.Time.After(time.Now().Add(time.Second)) {
				t.Errorf("time %v", g.Time)
			}
		}
		if got, err := s.Verifications(ctx, hashB); err != nil || len(got) != 1 || !same(got[0], want[1]) {
			t.Fatalf("Verifications(B) = %+v, %v", got, err)
		}
		got, err = s.Verifications(ctx, common.HexToHash("0x02"))
		if err != nil || got == nil || len(got) != 0 {
			t.Fatalf("Verifications(unknown) = %#v, %v; want an empty slice", got, err)
		}
	})

	t.Run("BadRecord", func(t *testing.T) {
		s := open(t)
		good := rec(hashA, safeA, 1, bulwark.VerdictOK, 1)
		for name, mut := range map[string]func(*policy.VerificationRecord){
			"no hash":    func(r *policy.VerificationRecord) { r.SafeTxHash = common.Hash{} },
			"no safe":    func(r *policy.VerificationRecord) { r.Safe = common.Address{} },
			"no chain":   func(r *policy.VerificationRecord) { r.ChainID = nil },
			"chain 0":    func(r *policy.VerificationRecord) { r.ChainID = big.NewInt(0) },
			"no verdict": func(r *policy.VerificationRecord) { r.Verdict = "" },
			"no seq":     func(r *policy.VerificationRecord) { r.AuditSeq = 0 },
			"long digest": func(r *policy.VerificationRecord) {
				r.Simulated, r.ApprovalDigest = true, strings.Repeat("d", 513)
			},
		} {
			r := good
			mut(&r)
			if err := s.RecordVerification(ctx, r); bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Errorf("%s: RecordVerification = %v, want EINVALID", name, err)
			}
		}
		if got, _ := s.Verifications(ctx, hashA); len(got) != 0 {
			t.Errorf("bad records stored: %+v", got)
		}
	})

	t.Run("RecordedWithItsAuditEntry", func(t *testing.T) {
		s := open(t)
		log := &audit.Log{Store: s}
		boom := errors.New("boom")
		for _, tt := range []struct {
			name string
			fail error
			kept bool
		}{
			{"change fails after the record", boom, false},
			{"both succeed", nil, true},
		} {
			t.Run(tt.name, func(t *testing.T) {
				n0, _ := s.Verifications(ctx, hashA)
				var seq int64
				e, err := log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
					seq, _ = audit.PendingSeq(txctx)
					if err := s.RecordVerification(txctx, rec(hashA, safeA, 1, bulwark.VerdictReview, seq)); err != nil {
						return audit.Event{}, err
					}
					if inside, err := s.Verifications(txctx, hashA); err != nil || len(inside) != len(n0)+1 {
						t.Errorf("inside the transaction: %v, %v", inside, err)
					}
					return audit.Event{Actor: "test", Action: "safe.verify", Target: "safe:" + safeA}, tt.fail
				})
				if (err == nil) != tt.kept {
					t.Fatalf("Do = %v", err)
				}
				n1, _ := s.Verifications(ctx, hashA)
				if got := len(n1) == len(n0)+1; got != tt.kept {
					t.Fatalf("record kept = %v, want %v", got, tt.kept)
				}
				if tt.kept && (n1[len(n1)-1].AuditSeq != e.Seq || seq != e.Seq) {
					t.Errorf("record names audit entry %d (pending %d), the entry is %d", n1[len(n1)-1].AuditSeq, seq, e.Seq)
				}
			})
		}
	})
}
