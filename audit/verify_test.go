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

// refStore is a sliceStore that also keeps records referring to entries:
// refs are the sequence numbers they name.
type refStore struct {
	sliceStore
	refs   []int64
	called int
}

func (s *refStore) CheckAuditReferences(_ context.Context, head audit.Head) (*audit.Break, error) {
	s.called++
	if head.Seq == 0 && len(s.refs) > 0 {
		return &audit.Break{Seq: 1, Reason: "the audit log is empty, but records refer to it"}, nil
	}
	for _, r := range s.refs {
		if r > head.Seq {
			return &audit.Break{Seq: head.Seq + 1, Reason: fmt.Sprintf("a record names entry %d", r)}, nil
		}
	}
	return nil, nil
}

// TestVerifyCrossChecksReferences: a chain that checks out is still
// broken when the store's records disagree with it (entries deleted with
// the head); a broken chain is reported as such, without the cross-check.
func TestVerifyCrossChecksReferences(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := &refStore{sliceStore: sliceStore{head: audit.Head{Seq: 0, Hash: audit.GenesisHash}}}
	log := &audit.Log{Store: s}
	for i := range 3 {
		if _, err := log.Record(ctx, audit.Event{Actor: "t", Action: "x", Target: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	s.refs = []int64{2, 3}
	if rep, err := audit.Verify(ctx, s, nil); err != nil || !rep.Intact() || s.called != 1 {
		t.Fatalf("agreeing records: %+v, %v, checker called %d times", rep, err, s.called)
	}
	// Delete the last entry and move the head back, as a tamperer would.
	s.entries, s.head = s.entries[:2], audit.Head{Seq: 2, Hash: s.entries[1].Hash}
	if rep, err := audit.Verify(ctx, s, nil); err != nil || rep.Intact() || rep.Broken.Seq != 3 {
		t.Fatalf("a record beyond the head: %+v, %v", rep, err)
	}
	// Everything deleted: "0 entries" is not intact.
	s.entries, s.head = nil, audit.Head{Hash: audit.GenesisHash}
	if rep, err := audit.Verify(ctx, s, nil); err != nil || rep.Intact() || rep.Broken.Seq != 1 {
		t.Fatalf("emptied log: %+v, %v", rep, err)
	}
	// A chain broken on its own is reported without asking the store.
	s.called = 0
	s.head = audit.Head{Seq: 5, Hash: "x"}
	if rep, err := audit.Verify(ctx, s, nil); err != nil || rep.Intact() || s.called != 0 {
		t.Fatalf("broken chain: %+v, %v, checker called %d times", rep, err, s.called)
	}
}
