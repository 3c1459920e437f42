package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/inbox"
)

// TestInboxPlans: every filter of the inbox is answered from an index,
// in id order, without a temporary sort (what keeps a page's cost flat
// as the inbox grows).
func TestInboxPlans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range []inbox.Filter{
		{Limit: 50},
		{Before: 100, Limit: 50},
		{State: inbox.Open, Limit: 50},
		{Severities: []inbox.Severity{inbox.Critical, inbox.High}, Limit: 50},
		{Kinds: []string{inbox.KindSafe}, Assignee: inbox.Unassigned, State: inbox.Open, Limit: 50},
		{Kinds: []string{inbox.KindSafe, inbox.KindTrace}, Severities: []inbox.Severity{inbox.Critical}, Before: 9, Limit: 50},
		{Assignee: "alice", Before: 7, Limit: 50},
	} {
		q, args := inboxQuery(f)
		rows, err := db.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		p := strings.Join(plan, "; ")
		if strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%+v: plan %s", f, p)
		}
	}
	// Escalation reads the partial index of the due items, in time order
	// (the query DueEscalations runs for critical).
	rows, err := db.r.QueryContext(ctx, "EXPLAIN QUERY PLAN SELECT id FROM inbox_items INDEXED BY inbox_items_due WHERE rank = 4 AND state = 'open' AND escalated_at IS NULL AND time <= ? ORDER BY time, id LIMIT 10", "x")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, parent, notused int
		var detail string
		_ = rows.Scan(&id, &parent, &notused, &detail)
		if !strings.Contains(detail, "inbox_items_due") {
			t.Errorf("escalation plan: %s", detail)
		}
	}
}
