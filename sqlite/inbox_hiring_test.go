package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// TestInboxHiringFlags: a screening that flags people puts one inbox item
// per person (their id, verdict, score and rules, not their name); the
// same verdict again raises nothing; forgetting a person deletes theirs.
func TestInboxHiringFlags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := &hiring.Service{Store: db, Audit: &audit.Log{Store: db}}
	a := hiring.Person{ID: "cand-1", FullName: "Zebulon Quixotefarnsworth", Emails: []string{"zebq@example.org"}, Phones: []string{"+13125550199"}, Country: "US"}
	b := hiring.Person{ID: "cand-2", FullName: "Ann Other", Emails: []string{"ann@example.net"}, Phones: []string{"+13125550199"}, Country: "US"}
	res, err := svc.Screen(ctx, "cli:hr", []hiring.Person{a, b}, hiring.Evidence{})
	if err != nil {
		t.Fatal(err)
	}
	flagged := 0
	for _, as := range res.Assessments {
		if as.Verdict != "clear" {
			flagged++
		}
	}
	if flagged == 0 {
		t.Fatalf("the shared phone flagged nobody: %+v", res.Assessments)
	}
	hiringItems := func() []inbox.Item {
		t.Helper()
		items, err := db.InboxItems(ctx, inbox.Filter{Kinds: []string{inbox.KindHiring}, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		return items
	}
	items := hiringItems()
	if len(items) != flagged {
		t.Fatalf("items %+v, want %d", items, flagged)
	}
	for _, it := range items {
		if (it.Subject != "cand-1" && it.Subject != "cand-2") || !strings.HasPrefix(it.Message, "hiring verdict ") ||
			strings.Contains(it.Message, "Zebulon") || it.Evidence != inbox.HiringEvidence(it.Subject) || it.Severity.Rank() < inbox.Medium.Rank() {
			t.Errorf("item %+v", it)
		}
	}
	if _, err := svc.Screen(ctx, "cli:hr", []hiring.Person{a, b}, hiring.Evidence{}); err != nil {
		t.Fatal(err)
	}
	if again := hiringItems(); len(again) != flagged {
		t.Errorf("the same verdicts again raised items: %+v", again)
	}
	if _, err := svc.Forget(ctx, "cand-1", "cli:dpo"); err != nil {
		t.Fatal(err)
	}
	for _, it := range hiringItems() {
		if it.Subject == "cand-1" {
			t.Errorf("a forgotten person's item remains: %+v", it)
		}
	}
}

// TestInboxRetention: pruning Safe alerts deletes their inbox items, and
// the escalation message of an escalated one; the items of the alerts
// kept stay.
func TestInboxRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	save := func() int64 {
		t.Helper()
		if _, err := db.SaveAlert(ctx, watch.Alert{Safe: "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", Code: policy.CodeGuardChange, Severity: policy.SeverityCritical, Message: "m"}); err != nil {
			t.Fatal(err)
		}
		items, err := db.InboxItems(ctx, inbox.Filter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		return items[0].ID
	}
	old := save()
	if ok, err := db.EscalateInboxItem(ctx, old, time.Now()); err != nil || !ok {
		t.Fatal(ok, err)
	}
	// Only delivered messages let an alert go: mark both delivered.
	msgs, err := db.Undelivered(ctx, outbox.Filter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if _, err := db.MarkDelivered(ctx, m.ID, 1, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	cut := time.Now()
	kept := save()
	n, err := db.PruneSafeAlerts(ctx, cut)
	if err != nil || n != 1 {
		t.Fatalf("PruneSafeAlerts = %d, %v", n, err)
	}
	if _, err := db.InboxItem(ctx, old); err == nil {
		t.Errorf("the pruned alert's item remains")
	}
	if _, err := db.InboxItem(ctx, kept); err != nil {
		t.Errorf("the kept alert's item: %v", err)
	}
	if _, err := db.MarkDelivered(ctx, msgs[len(msgs)-1].ID, 2, time.Now()); err == nil {
		t.Errorf("the escalation message of the pruned alert remains")
	}
}

// TestEscalationSurvivesRestart: the escalator escalates a critical alert
// past the threshold once; a new process on the same store (a restart)
// finds it escalated and writes no second message.
func TestEscalationSurvivesRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	later := time.Now().Add(time.Hour)
	pass := func(want int) {
		t.Helper()
		db, err := sqlite.Open(ctx, path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		esc := &inbox.Escalator{Store: db, Audit: &audit.Log{Store: db}, Threshold: 10 * time.Minute, Now: func() time.Time { return later }}
		if n, err := esc.Pass(ctx); err != nil || n != want {
			t.Fatalf("Pass = %d, %v; want %d", n, err, want)
		}
		msgs, err := db.Undelivered(ctx, outbox.Filter{Kinds: []string{inbox.EscalationKind}, Limit: 10})
		if err != nil || len(msgs) != 1 {
			t.Fatalf("escalation messages %+v, %v", msgs, err)
		}
	}
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveAlert(ctx, watch.Alert{Safe: "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", Code: policy.CodeMasterCopyChange, Severity: policy.SeverityCritical, Message: "singleton changed"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	pass(1)
	pass(0)
}
