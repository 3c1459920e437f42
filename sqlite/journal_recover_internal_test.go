package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// TestJournalRecoveryCorruptRecord: a record damaged in place in the
// middle of a segment (its checksum fails, the record after it reads
// back) costs only its own decisions: the decisions after it are stored,
// and the segment is kept beside the store as .corrupt instead of
// removed. A record cut short at the end still just ends the segment.
func TestJournalRecoveryCorruptRecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	a, b, c := journalRecs("a", 2), journalRecs("b", 2), journalRecs("c", 2)
	seg := appendJournalRecord(nil, a, 1)
	at := len(seg)
	seg = appendJournalRecord(seg, b, 1)
	seg[at+20] ^= 0xff // a byte of b's payload
	seg = appendJournalRecord(seg, c, 1)
	torn := appendJournalRecord(nil, journalRecs("torn", 1), 1)
	seg = append(seg, torn[:len(torn)-5]...)
	seg = append(seg, make([]byte, 4096)...)
	if err := os.WriteFile(path+"-decisions.000001", seg, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range append(a, c...) {
		if _, err := db.Decision(ctx, r.Decision.ID); err != nil {
			t.Errorf("decision %s after recovery: %v", r.Decision.ID, err)
		}
	}
	for _, r := range append(b, journalRecs("torn", 1)...) {
		if _, err := db.Decision(ctx, r.Decision.ID); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("decision %s, unreadable: %v, want not found", r.Decision.ID, err)
		}
	}
	if _, err := os.Stat(path + "-decisions.000001.corrupt"); err != nil {
		t.Errorf("the damaged segment is not kept: %v", err)
	}
	if _, err := os.Stat(path + "-decisions.000001"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the damaged segment is still a segment: %v", err)
	}
	if rep, err := audit.Verify(ctx, db, nil); err != nil || !rep.Intact() {
		t.Fatalf("audit verify: %+v, %v", rep, err)
	}

	// Damaged again, in a segment of the same number (numbering starts
	// over once none is left): the first one kept stays.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+"-decisions.000001", seg, 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if m, _ := filepath.Glob(path + "-decisions.000001.corrupt*"); len(m) != 2 {
		t.Errorf("damaged segments kept after a second recovery: %v, want 2", m)
	}
}

// TestJournalErrorsSayWhy: an append that cannot start the journal's next
// segment fails saying why (here: the name is taken by a directory; a
// full disk says "no space left on device" the same way), not only what
// it could not do.
func TestJournalErrorsSayWhy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.journalSegmentBytes = 4096
	j, err := db.DecisionJournal(ctx)
	if err != nil || j == nil {
		t.Fatalf("DecisionJournal: %v, %v", j, err)
	}
	if err := os.MkdirAll(filepath.Join(path+"-decisions.000003", "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	var failed error
	for i := 0; i < 100 && failed == nil; i++ {
		failed = j.Append(ctx, journalRecs(fmt.Sprintf("r%d-", i), 8), false)
	}
	if failed == nil {
		t.Fatal("100 appends of 8 decisions fit in one 4 KiB segment")
	}
	if msg := bulwark.ErrorMessage(failed); !strings.Contains(msg, "decisions.000003") || !strings.Contains(msg, "directory") {
		t.Fatalf("append = %q, want the segment and why it could not be created", msg)
	}
}
