package watch_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// TestRecorderAndPrune: Record stores an alert with its audit entry (the
// node's URL as the target of a chain alert) and wakes the delivery;
// PruneAlerts deletes the delivered alerts before the cutoff with one
// audit entry, and writes none when there is nothing left to delete.
func TestRecorderAndPrune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log := &audit.Log{Store: db}
	woken := 0
	rec := &watch.Recorder{Store: db, Log: log, Actor: "system:monitor", Node: "http://127.0.0.1:8545", Stored: func() { woken++ }}
	for _, a := range []watch.Alert{
		{Block: 7, Safe: "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", Code: policy.CodeThresholdChange, Severity: policy.SeverityHigh, Message: "threshold", Before: "2", After: "1"},
		{Block: 8, Code: watch.CodeChainReorg, Severity: policy.SeverityInfo, Message: "reorg"},
	} {
		if err := rec.Record(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := db.AuditEntries(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, e := range entries {
		if e.Action == "safe.watch.alert" {
			targets = append(targets, e.Target)
			if e.Actor != "system:monitor" || !strings.Contains(string(e.Details), `"alertId":`) || !strings.Contains(string(e.Details), `"code":`) {
				t.Errorf("entry %+v", e)
			}
		}
	}
	if woken != 2 || len(targets) != 2 || targets[0] != "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4" || targets[1] != "http://127.0.0.1:8545" {
		t.Fatalf("woken %d, targets %v", woken, targets)
	}

	// Pending delivery: kept.
	if n, seq, err := watch.PruneAlerts(ctx, db, log, "system:retention", time.Now().Add(time.Hour)); err != nil || n != 0 || seq != 0 {
		t.Fatalf("prune of undelivered alerts = %d, %d, %v", n, seq, err)
	}
	ms, err := db.Undelivered(ctx, outbox.Filter{Limit: 10})
	if err != nil || len(ms) != 2 {
		t.Fatalf("undelivered %v, %v", ms, err)
	}
	for _, m := range ms {
		if _, err := db.MarkDelivered(ctx, m.ID, 1, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	n, seq, err := watch.PruneAlerts(ctx, db, log, "system:retention", time.Now().Add(time.Hour))
	if err != nil || n != 2 || seq == 0 {
		t.Fatalf("prune = %d, %d, %v", n, seq, err)
	}
	last, err := db.AuditEntries(ctx, seq-1, 10)
	if err != nil || len(last) != 1 || last[0].Action != "safe.alerts.prune" || last[0].Actor != "system:retention" {
		t.Fatalf("prune entry %+v, %v", last, err)
	}
	if n, seq, err := watch.PruneAlerts(ctx, db, log, "system:retention", time.Now().Add(time.Hour)); err != nil || n != 0 || seq != 0 {
		t.Fatalf("second prune = %d, %d, %v", n, seq, err)
	}
}
