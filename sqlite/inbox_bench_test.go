package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/internal/cputime"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// BenchmarkInboxPage reads one page (50) of the alerts inbox holding 10,000
// and 100,000 Safe alerts (severities in turn, every seventh assigned):
// the newest page, a filtered page (critical, unassigned, open) and a page
// from the middle of the list through its cursor. A page is one index
// range scan, so the figures should not grow with the inbox.
func BenchmarkInboxPage(b *testing.B) {
	ctx := context.Background()
	sevs := []policy.Severity{policy.SeverityCritical, policy.SeverityHigh, policy.SeverityMedium, policy.SeverityLow, policy.SeverityInfo}
	for _, n := range []int{10_000, 100_000} {
		db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bulwark.db"), sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		_, err = (&audit.Log{Store: db}).Do(ctx, func(ctx context.Context) (audit.Event, error) {
			for i := range n {
				id, err := db.SaveAlert(ctx, watch.Alert{Block: uint64(i), Safe: "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4",
					Code: policy.CodeGuardChange, Severity: sevs[i%5], Message: fmt.Sprintf("guard changed (%d)", i)})
				if err != nil {
					return audit.Event{}, err
				}
				if i%7 == 0 {
					if _, err := db.AssignInboxItem(ctx, id, "alice", "bench", time.Now()); err != nil {
						return audit.Event{}, err
					}
				}
			}
			return audit.Event{Actor: "bench", Action: "bench.seed"}, nil
		})
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range []struct {
			name string
			f    inbox.Filter
		}{
			{"newest", inbox.Filter{Limit: 50}},
			{"critical-unassigned-open", inbox.Filter{Severities: []inbox.Severity{inbox.Critical}, Assignee: inbox.Unassigned, State: inbox.Open, Limit: 50}},
			{"middle", inbox.Filter{Before: int64(n / 2), Limit: 50}},
		} {
			b.Run(fmt.Sprintf("%d/%s", n, c.name), func(b *testing.B) {
				cpu0, ok := cputime.Seconds()
				for b.Loop() {
					items, err := db.InboxItems(ctx, c.f)
					if err != nil || len(items) != 50 {
						b.Fatalf("%d items, %v", len(items), err)
					}
				}
				if cpu1, ok1 := cputime.Seconds(); ok && ok1 {
					b.ReportMetric((cpu1-cpu0)*1e6/float64(b.N), "cpu-µs/op")
				}
			})
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
