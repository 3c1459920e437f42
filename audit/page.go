package audit

import (
	"context"

	"github.com/bulwark-sec/bulwark"
)

// Newest returns up to limit entries with Seq below before, newest first
// (before 0, or past the head: from the newest entry), and the value of
// before that gives the next, older page: 0 when entry 1 is in this one.
// It relies on the chain's invariant that entries are numbered 1 to the
// head without gaps (Verify reports a gap as a break); on a broken log it
// still returns only entries below before, newest first.
func Newest(ctx context.Context, s Store, before int64, limit int) ([]*Entry, int64, error) {
	if before < 0 {
		return nil, 0, bulwark.Invalid("before", "must not be negative, got %d", before)
	}
	if limit < 1 {
		return nil, 0, bulwark.Invalid("limit", "must be at least 1, got %d", limit)
	}
	head, err := s.AuditHead(ctx)
	if err != nil {
		return nil, 0, err
	}
	if before == 0 || before > head.Seq+1 {
		before = head.Seq + 1
	}
	after := max(before-1-int64(limit), 0)
	if before-1 <= after {
		return []*Entry{}, 0, nil
	}
	entries, err := s.AuditEntries(ctx, after, int(before-1-after))
	if err != nil {
		return nil, 0, err
	}
	out := make([]*Entry, 0, len(entries))
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].Seq < before {
			out = append(out, entries[i])
		}
	}
	var next int64
	if n := len(out); n > 0 && out[n-1].Seq > 1 {
		next = out[n-1].Seq
	}
	return out, next, nil
}
