package audit_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
)

// sliceStore is an in-memory audit.Store; afterHead, when set, runs once
// right after AuditHead returns, to stage what happens between Verify's
// reads.
type sliceStore struct {
	mu        sync.Mutex
	entries   []*audit.Entry
	head      audit.Head
	afterHead func()
}

func (s *sliceStore) AppendAudit(ctx context.Context, build func(context.Context, audit.Head) (*audit.Entry, error)) (*audit.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := build(ctx, s.head)
	if err != nil {
		return nil, err
	}
	s.entries = append(s.entries, e)
	s.head = audit.Head{Seq: e.Seq, Hash: e.Hash}
	return e, nil
}

func (s *sliceStore) AuditEntries(_ context.Context, after int64, limit int) ([]*audit.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*audit.Entry
	for _, e := range s.entries {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *sliceStore) AuditHead(context.Context) (audit.Head, error) {
	s.mu.Lock()
	h := s.head
	f := s.afterHead
	s.afterHead = nil
	s.mu.Unlock()
	if f != nil {
		f()
	}
	return h, nil
}

// TestVerifyDuringAppends: entries appended after Verify has read the head
// are not "added outside the log". Verify used to report exactly that for
// a live store, a false critical verdict.
func TestVerifyDuringAppends(t *testing.T) {
	ctx := context.Background()
	for _, before := range []int{0, 5, 1000, 1003} { // empty, one page, a page boundary, two pages
		t.Run(fmt.Sprintf("before=%d", before), func(t *testing.T) {
			s := &sliceStore{head: audit.Head{Seq: 0, Hash: audit.GenesisHash}}
			log := &audit.Log{Store: s, Now: func() time.Time { return time.Unix(1700000000, 1).UTC() }}
			for range before {
				if _, err := log.Record(ctx, audit.Event{Action: "before"}); err != nil {
					t.Fatal(err)
				}
			}
			s.afterHead = func() {
				for range 3 {
					if _, err := log.Record(ctx, audit.Event{Action: "during"}); err != nil {
						t.Error(err)
					}
				}
			}
			rep, err := audit.Verify(ctx, s, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Intact() {
				t.Fatalf("Verify with %d entries and 3 appended meanwhile = broken at %d: %s", before, rep.Broken.Seq, rep.Broken.Reason)
			}
			if rep.Entries != int64(before) || rep.Head.Seq != int64(before) {
				t.Errorf("Verify checked %d entries up to head %d, want %d", rep.Entries, rep.Head.Seq, before)
			}
		})
	}
}

// TestVerifyForgedBeyondHead: an entry beyond the head that no append
// accounts for is still caught, also when it is correctly linked and hashed.
func TestVerifyForgedBeyondHead(t *testing.T) {
	ctx := context.Background()
	s := &sliceStore{head: audit.Head{Seq: 0, Hash: audit.GenesisHash}}
	log := &audit.Log{Store: s}
	for range 4 {
		if _, err := log.Record(ctx, audit.Event{Action: "real"}); err != nil {
			t.Fatal(err)
		}
	}
	last := s.entries[len(s.entries)-1]
	forged := &audit.Entry{Seq: 5, Time: time.Now().UTC(), Action: "forged", PrevHash: last.Hash}
	forged.Hash = forged.ComputeHash()
	s.entries = append(s.entries, forged) // the head is not moved
	rep, err := audit.Verify(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Intact() || rep.Broken.Seq != 5 || !strings.Contains(rep.Broken.Reason, "added outside the log") {
		t.Fatalf("Verify = %+v, want broken at 5, added outside the log", rep.Broken)
	}
}
