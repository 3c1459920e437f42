package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/screening"
)

// TestJournalRecoveryAfterPrune: decisions stored from the decision
// journal and then deleted by retention are not stored again when a
// process killed before the journal's segment was removed (the segment
// appended to is removed only once the journal moves to the next one) is
// followed by the next: the recovery neither resurrects them nor audits
// them a second time.
func TestJournalRecoveryAfterPrune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	j, err := db.DecisionJournal(ctx)
	if err != nil || j == nil {
		t.Fatalf("DecisionJournal: %v, %v", j, err)
	}
	recs := journalRecs("old", 3) // recorded 2026-01-02
	if err := j.Append(ctx, recs, false); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Decision(ctx, recs[0].Decision.ID); err != nil {
		t.Fatal(err)
	}
	seg := path + "-decisions.000001"
	left, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}

	log := &audit.Log{Store: db}
	svc, err := screening.OpenService(ctx, screening.ServiceConfig{Store: db, Audit: log})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := svc.Prune(ctx, "test", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || rep.Decisions != 3 {
		t.Fatalf("Prune = %+v, %v; want 3 decisions deleted", rep, err)
	}
	if err := svc.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Killed instead: the segment is still there.
	if err := os.WriteFile(seg, left, 0o600); err != nil {
		t.Fatal(err)
	}

	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, r := range recs {
		if d, err := db.Decision(ctx, r.Decision.ID); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("decision %s, pruned, after the recovery: %+v, %v; want not found", r.Decision.ID, d, err)
		}
	}
	entries, err := db.AuditEntries(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		for _, e := range entries {
			t.Logf("audit entry %d: %s %s", e.Seq, e.Action, e.Target)
		}
		t.Errorf("%d audit entries after the recovery, want 2 (the decisions, the prune)", len(entries))
	}
	if m, _ := filepath.Glob(path + "-decisions.0*"); len(m) != 0 {
		t.Errorf("segments left after recovery: %v", m)
	}
	v, err := audit.Verify(ctx, db, nil)
	if err != nil || !v.Intact() {
		t.Fatalf("audit verify: %+v, %v", v, err)
	}
}
