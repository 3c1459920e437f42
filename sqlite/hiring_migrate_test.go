package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/hiring"
)

// TestHiringListsMigration opens a store whose people were assessed
// before hiring_lists: each assessment gets its person's creation time,
// so that the people of a verdict list in their creation order, and a
// person never screened lists without a verdict.
func TestHiringListsMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path, raw, exec := storeBefore(t, "hiring_lists")
	exec(`INSERT INTO hire_runs (kind, actor, reason, at, imported, clusters, verdicts, inputs) VALUES ('screen', 'cli:hr', '', '2026-01-01T00:00:00.000000000Z', 3, 0, '{}', '{}')`)
	for i, p := range []struct{ id, created, verdict string }{{"a", "2026-01-03", "review"}, {"z", "2026-01-01", "review"}, {"b", "2026-01-02", "clear"}, {"d", "2026-01-04", ""}} {
		at := p.created + "T00:00:00.000000000Z"
		exec(`INSERT INTO hire_people (id, role, record, created_at, updated_at, salt) VALUES (?, 'applicant', ?, ?, ?, randomblob(16))`, p.id, `{"id":"`+p.id+`"}`, at, at)
		if p.verdict != "" {
			exec(`INSERT INTO hire_assessments (person_id, run_id, verdict, score, flags, computed_at) VALUES (?, 1, ?, ?, '[{"rule":"SHARED_IDENTIFIER"}]', ?)`, p.id, p.verdict, i, at)
		}
	}
	raw.Close()

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids := func(q hiring.PeopleQuery) string {
		t.Helper()
		page, err := db.ListPeople(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range page.People {
			out = append(out, p.ID+":"+string(p.Verdict))
		}
		return strings.Join(out, " ")
	}
	if got := ids(hiring.PeopleQuery{}); got != "z:review b:clear a:review d:" {
		t.Errorf("everyone: %s", got)
	}
	if got := ids(hiring.PeopleQuery{Verdict: bulwark.VerdictReview}); got != "z:review a:review" {
		t.Errorf("review: %s, want z then a (their creation order)", got)
	}
}
