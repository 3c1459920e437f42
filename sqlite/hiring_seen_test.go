package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/hiring"
)

// TestHiringPurgeBySeen: a record imported again unchanged counts as seen
// for retention, so a current employee in every export is not purged;
// a record no import gave since the cutoff is.
func TestHiringPurgeBySeen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec := func(id string) hiring.Record {
		return hiring.Record{Person: hiring.Person{ID: id, FullName: "Person " + id}}
	}
	if _, err := db.SavePeople(ctx, []hiring.Record{rec("kept"), rec("gone")}, hiring.NoGeneration); err != nil {
		t.Fatal(err)
	}
	// Both were imported two years ago.
	old := formatTime(time.Now().AddDate(-2, 0, 0))
	if _, err := db.w.ExecContext(ctx, `UPDATE hire_people SET created_at = ?1, updated_at = ?1, seen_at = ?1`, old); err != nil {
		t.Fatal(err)
	}
	// "kept" is in today's export again, unchanged.
	if _, err := db.SavePeople(ctx, []hiring.Record{rec("kept")}, hiring.NoGeneration); err != nil {
		t.Fatal(err)
	}
	n, err := db.PurgePeople(ctx, time.Now().AddDate(-1, 0, 0))
	if err != nil || n != 1 {
		t.Fatalf("PurgePeople = %d, %v; want 1 (the person not imported for a year)", n, err)
	}
	if _, _, err := db.Person(ctx, "kept"); err != nil {
		t.Errorf("the person imported again unchanged was purged: %v", err)
	}
	if _, _, err := db.Person(ctx, "gone"); err == nil {
		t.Error("the person not imported for two years is still stored")
	}
}
