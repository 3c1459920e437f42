package tracing

import (
	"context"
	"fmt"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// TestWatchExitsWarnedBounded: the destinations a failing WatchExits was
// logged for are kept to at most maxWarnedDests, however many fail, and
// those listed once it works are dropped.
func TestWatchExitsWarnedBounded(t *testing.T) {
	t.Parallel()
	failing := true
	f := NewFollower(FollowerConfig{WatchExits: func(context.Context, string, int64, []Exit) error {
		if failing {
			return bulwark.Errorf(bulwark.EUNAVAILABLE, "the store is down")
		}
		return nil
	}})
	fl := &Follow{ID: "case:7"}
	for round := range 3 {
		st := &followState{}
		for i := range maxWarnedDests * 2 / 3 {
			st.unwatched = append(st.unwatched, Exit{DestChain: "BTC", DestAddress: fmt.Sprintf("bc1q%d-%d", round, i)})
		}
		f.watchExits(context.Background(), fl, st)
		if len(st.unwatched) != maxWarnedDests*2/3 {
			t.Fatalf("round %d: %d exits kept after a failure, want all %d", round, len(st.unwatched), maxWarnedDests*2/3)
		}
		if n := len(f.warnedDests); n == 0 || n > maxWarnedDests {
			t.Fatalf("round %d: %d destinations remembered, want 1 to %d", round, n, maxWarnedDests)
		}
	}
	st := &followState{unwatched: []Exit{{DestChain: "BTC", DestAddress: "bc1q2-0"}}}
	failing = false
	f.watchExits(context.Background(), fl, st)
	if f.warnedDests[warnedDest(fl.ID, Exit{DestChain: "BTC", DestAddress: "bc1q2-0"})] || st.unwatched != nil {
		t.Fatalf("a destination listed is still remembered (%v) or kept (%v)", f.warnedDests[warnedDest(fl.ID, Exit{DestChain: "BTC", DestAddress: "bc1q2-0"})], st.unwatched)
	}
}
