package prune_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/syncbuf"
	"github.com/bulwark-sec/bulwark/prune"
)

// TestServiceRunsJobs: every Job runs at start with the cutoff Keep before
// now, what one pruned is logged under its name, a failure is logged and
// retried at the next run, and nothing pruned logs nothing.
func TestServiceRunsJobs(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	var logs syncbuf.Buffer
	calls := make(chan string, 100)
	fails := 1
	s := &prune.Service{Keep: 48 * time.Hour, Interval: time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Now: func() time.Time { return now },
		Jobs: []prune.Job{
			{Name: "things", Prune: func(_ context.Context, before time.Time) ([]any, error) {
				if !before.Equal(now.Add(-48 * time.Hour)) {
					t.Errorf("cutoff %s", before)
				}
				calls <- "things"
				if fails > 0 {
					fails--
					return nil, errors.New("store is locked")
				}
				return []any{"things", 3}, nil
			}},
			{Name: "nothing", Prune: func(context.Context, time.Time) ([]any, error) { calls <- "nothing"; return nil, nil }},
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	var seen []string
	for len(seen) < 4 {
		select {
		case c := <-calls:
			seen = append(seen, c)
		case <-time.After(30 * time.Second):
			t.Fatalf("jobs run: %v", seen)
		}
	}
	cancel()
	<-done
	if strings.Join(seen[:4], ",") != "things,nothing,things,nothing" {
		t.Errorf("order %v", seen)
	}
	out := logs.String()
	for _, want := range []string{`msg="retention: pruning things failed; will retry" err="store is locked"`, `msg="retention: pruned things" things=3`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "pruned nothing") || strings.Contains(out, "pruning nothing") {
		t.Errorf("a job that pruned nothing is logged:\n%s", out)
	}
}

// TestServiceKeepForever: Keep 0 runs no Job and returns.
func TestServiceKeepForever(t *testing.T) {
	t.Parallel()
	s := &prune.Service{Jobs: []prune.Job{{Name: "x", Prune: func(context.Context, time.Time) ([]any, error) {
		t.Error("a job ran with Keep 0")
		return nil, nil
	}}}}
	s.Run(context.Background()) // returns at once: the test would time out otherwise
}
