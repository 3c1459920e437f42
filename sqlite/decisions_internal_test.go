package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/screening"
)

// TestSaveDecisionsBatch: a batch of more than one statement's rows is
// stored whole, each decision readable with its audit entry; a batch with
// one taken ID in its second statement is refused naming that ID, and
// none of it is stored.
func TestSaveDecisionsBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log := &audit.Log{Store: db}
	first := journalRecs("a", 2*decisionRows+5)
	if err := screening.StoreDecisions(ctx, db, log, first, false); err != nil {
		t.Fatal(err)
	}
	for _, r := range first {
		d, err := db.Decision(ctx, r.Decision.ID)
		if err != nil || d.Subject != r.Decision.Subject || d.AuditSeq != 1 {
			t.Fatalf("decision %s: %+v, %v", r.Decision.ID, d, err)
		}
	}

	second := journalRecs("b", 2*decisionRows+5)
	taken := first[3].Decision.ID
	second[decisionRows+7] = first[3]
	err = screening.StoreDecisions(ctx, db, log, second, false)
	if bulwark.ErrorCode(err) != bulwark.ECONFLICT || !strings.Contains(err.Error(), taken) {
		t.Fatalf("batch with %s taken: %v, want a conflict naming it", taken, err)
	}
	for _, r := range second {
		if r.Decision.ID == taken {
			continue
		}
		if _, err := db.Decision(ctx, r.Decision.ID); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Fatalf("decision %s of the refused batch: %v, want not stored", r.Decision.ID, err)
		}
	}
	rep, err := audit.Verify(ctx, db, nil)
	if err != nil || !rep.Intact() || rep.Entries != 1 {
		t.Fatalf("audit verify: %+v, %v; want intact with 1 entry", rep, err)
	}
}
