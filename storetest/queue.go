package storetest

import (
	"context"
	"errors"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/queue"
)

// QueueAuditStore is an adapter that holds the queue watch's decisions and
// the audit log.
type QueueAuditStore interface {
	queue.Store
	audit.Store
}

// QueueStore runs the conformance suite for queue.Store on an adapter that
// also holds the audit log: decided keys by Safe, a key decided twice,
// bad records, many keys at once, and a record written inside
// audit.Log.Do committing or rolling back with its entry. open must
// return a fresh, empty store closed when t ends.
func QueueStore(t *testing.T, open func(t *testing.T) QueueAuditStore) {
	t.Helper()
	ctx := context.Background()
	a, b := common.HexToAddress(safeA), common.HexToAddress(safeB)
	k1, k2 := common.HexToHash("0x11"), common.HexToHash("0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8")
	rec := func(safe common.Address, key common.Hash, seq int64) queue.Record {
		return queue.Record{Safe: safe, Key: key, SafeTxHash: k2, Nonce: "7", Decision: cosign.DecisionHeld, Verdict: bulwark.VerdictReview, AuditSeq: seq}
	}

	t.Run("DecidedBySafe", func(t *testing.T) {
		s := open(t)
		if got, err := s.QueueDecided(ctx, a, []common.Hash{k1, k2}); err != nil || len(got) != 0 {
			t.Fatalf("empty store: QueueDecided = %v, %v", got, err)
		}
		if err := s.SaveQueueRecord(ctx, rec(a, k1, 1)); err != nil {
			t.Fatal(err)
		}
		malformed := queue.Record{Safe: b, Key: k2, Decision: queue.DecisionMalformed, AuditSeq: 2}
		if err := s.SaveQueueRecord(ctx, malformed); err != nil {
			t.Fatalf("a malformed entry's record (no hash, nonce or verdict): %v", err)
		}
		for _, tt := range []struct {
			safe common.Address
			want map[common.Hash]bool
		}{
			{a, map[common.Hash]bool{k1: true}},
			{b, map[common.Hash]bool{k2: true}},
		} {
			got, err := s.QueueDecided(ctx, tt.safe, []common.Hash{k1, k2})
			if err != nil || len(got) != len(tt.want) || got[k1] != tt.want[k1] || got[k2] != tt.want[k2] {
				t.Errorf("QueueDecided(%s) = %v, %v; want %v", tt.safe.Hex(), got, err, tt.want)
			}
		}
		if got, err := s.QueueDecided(ctx, a, nil); err != nil || got == nil || len(got) != 0 {
			t.Errorf("no keys: QueueDecided = %#v, %v", got, err)
		}
	})

	t.Run("DecidedTwice", func(t *testing.T) {
		s := open(t)
		if err := s.SaveQueueRecord(ctx, rec(a, k1, 1)); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveQueueRecord(ctx, rec(a, k1, 2)); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Fatalf("the same key again: %v, want ECONFLICT", err)
		}
		if err := s.SaveQueueRecord(ctx, rec(b, k1, 3)); err != nil {
			t.Fatalf("the same key of another Safe: %v", err)
		}
	})

	t.Run("ManyKeys", func(t *testing.T) {
		s := open(t)
		var keys []common.Hash
		for i := range 1200 {
			k := common.BigToHash(big.NewInt(int64(i + 1)))
			keys = append(keys, k)
			if i%3 == 0 {
				if err := s.SaveQueueRecord(ctx, rec(a, k, int64(i+1))); err != nil {
					t.Fatal(err)
				}
			}
		}
		got, err := s.QueueDecided(ctx, a, keys)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 400 {
			t.Fatalf("QueueDecided over %d keys found %d, want 400", len(keys), len(got))
		}
		for i, k := range keys {
			if got[k] != (i%3 == 0) {
				t.Fatalf("key %d: decided %v", i, got[k])
			}
		}
	})

	t.Run("BadRecord", func(t *testing.T) {
		s := open(t)
		for name, mut := range map[string]func(*queue.Record){
			"no safe":     func(r *queue.Record) { r.Safe = common.Address{} },
			"no key":      func(r *queue.Record) { r.Key = common.Hash{} },
			"no decision": func(r *queue.Record) { r.Decision = "" },
			"no seq":      func(r *queue.Record) { r.AuditSeq = 0 },
		} {
			r := rec(a, k1, 1)
			mut(&r)
			if err := s.SaveQueueRecord(ctx, r); bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Errorf("%s: SaveQueueRecord = %v, want EINVALID", name, err)
			}
		}
		if got, _ := s.QueueDecided(ctx, a, []common.Hash{k1}); len(got) != 0 {
			t.Errorf("a bad record was stored: %v", got)
		}
	})

	t.Run("RecordedWithItsAuditEntry", func(t *testing.T) {
		s := open(t)
		log := &audit.Log{Store: s}
		boom := errors.New("boom")
		for _, tt := range []struct {
			name string
			key  common.Hash
			fail error
			kept bool
		}{
			{"change fails after the record", k1, boom, false},
			{"both succeed", k2, nil, true},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
					seq, _ := audit.PendingSeq(txctx)
					if err := s.SaveQueueRecord(txctx, rec(a, tt.key, seq)); err != nil {
						return audit.Event{}, err
					}
					if inside, err := s.QueueDecided(txctx, a, []common.Hash{tt.key}); err != nil || !inside[tt.key] {
						t.Errorf("inside the transaction: %v, %v", inside, err)
					}
					return audit.Event{Actor: "test", Action: queue.AuditAction, Target: "safe:" + safeA}, tt.fail
				})
				if (err == nil) != tt.kept {
					t.Fatalf("Do = %v", err)
				}
				got, _ := s.QueueDecided(ctx, a, []common.Hash{tt.key})
				if got[tt.key] != tt.kept {
					t.Fatalf("record kept = %v, want %v", got[tt.key], tt.kept)
				}
			})
		}
	})
}
