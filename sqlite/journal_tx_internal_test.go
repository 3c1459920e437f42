package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
)

// TestJournalPruneWhilePending: a retention prune (screening.Service.Prune:
// FirstDecisionSeqSince and PruneDecisions inside the audit writer's
// transaction) that runs while the decision journal holds decisions not
// yet stored completes: the loader, which needs the writer to store them,
// is not waited for inside that transaction. The pending decisions are
// stored afterwards, with later audit entries, and kept.
func TestJournalPruneWhilePending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Closed at the end, not deferred: a hung writer would hang Close.
	log := &audit.Log{Store: db}
	j, err := db.DecisionJournal(ctx)
	if err != nil || j == nil {
		t.Fatalf("DecisionJournal: %v, %v", j, err)
	}

	// Hold the writer, so that what is appended now stays pending.
	entered, hold := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		_, err := log.Do(ctx, func(context.Context) (audit.Event, error) {
			close(entered)
			<-hold
			return audit.Event{Actor: "test", Action: "test.hold"}, nil
		})
		held <- err
	}()
	<-entered
	recs := journalRecs("p", 3)
	if err := j.Append(ctx, recs, false); err != nil {
		t.Fatal(err)
	}

	pruned := make(chan error, 1)
	go func() {
		_, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
			below, ok, err := db.FirstDecisionSeqSince(ctx, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
			if err != nil {
				return audit.Event{}, err
			}
			if !ok {
				below, _ = audit.PendingSeq(ctx)
			}
			if _, _, err := db.PruneDecisions(ctx, below); err != nil {
				return audit.Event{}, err
			}
			return audit.Event{Actor: "test", Action: "screen.prune", Details: map[string]any{"auditSeqBelow": below}}, nil
		})
		pruned <- err
	}()
	// The loader's and the prune's appends both wait for the writer.
	deadline := time.Now().Add(20 * time.Second)
	for db.Stats().Queued < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d calls queued after 20s, want 2", db.Stats().Queued)
		}
		time.Sleep(100 * time.Microsecond)
	}
	close(hold)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-pruned:
		if err != nil {
			t.Fatalf("prune with decisions pending in the journal: %v", err)
		}
	case <-time.After(60 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("a prune with decisions pending in the journal hangs the writer: inside its transaction it waits for the loader, which waits for the writer")
	}
	for _, r := range recs {
		if _, err := db.Decision(ctx, r.Decision.ID); err != nil {
			t.Errorf("decision %s after the prune: %v", r.Decision.ID, err)
		}
	}
	rep, err := audit.Verify(ctx, db, nil)
	if err != nil || !rep.Intact() {
		t.Fatalf("audit verify: %+v, %v", rep, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}
