package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/sqlite"
)

func TestAlertsInboxCLI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data := t.TempDir()
	env := map[string]string{"BULWARK_DATA": data, "TEST_OS_USER": "alice"}
	db, err := sqlite.Open(ctx, filepath.Join(data, "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const safeA = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
	for _, sev := range []policy.Severity{policy.SeverityCritical, policy.SeverityHigh, policy.SeverityMedium} {
		if _, err := db.SaveAlert(ctx, watch.Alert{Block: 1, Safe: safeA, Code: policy.CodeGuardChange, Severity: sev, Message: "guard changed\non two lines"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := run(t, env, "alerts", "list", "--limit", "2")
	if code != 0 || !strings.Contains(stdout, "ID  SEVERITY") || !strings.Contains(stdout, "! MEDIUM") || !strings.Contains(stdout, "!! HIGH") ||
		strings.Contains(stdout, "CRITICAL") || !strings.Contains(stdout, "guard changed on two lines") || !strings.Contains(stderr, "--cursor b2") {
		t.Fatalf("list: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, env, "alerts", "list", "--severity", "critical", "--json")
	var page inbox.Page
	if err := json.Unmarshal([]byte(stdout), &page); code != 0 || err != nil || len(page.Items) != 1 || page.Items[0].ID != 1 || page.Items[0].Severity != inbox.Critical {
		t.Fatalf("list --json: exit %d, %v\n%s%s", code, err, stdout, stderr)
	}

	if code, stdout, stderr = run(t, env, "alerts", "assign", "2", "--to", "bob"); code != 0 || !strings.Contains(stdout, "alert 2 assigned to bob") {
		t.Fatalf("assign: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ = run(t, env, "alerts", "list", "--assignee", "bob", "--json"); code != 0 || !strings.Contains(stdout, `"assignee": "bob"`) || strings.Count(stdout, `"id":`) != 1 {
		t.Fatalf("list --assignee bob:\n%s", stdout)
	}
	if code, stdout, stderr = run(t, env, "alerts", "ack", "2", "--reason", "our own guard, change ticket 7", "--json"); code != 0 ||
		!strings.Contains(stdout, `"state": "acknowledged"`) || !strings.Contains(stdout, `"ackedBy": "cli:alice@test-host"`) {
		t.Fatalf("ack: exit %d\n%s%s", code, stdout, stderr)
	}
	// A critical Safe alert waits for a second person: exit 2, still open.
	if code, stdout, stderr = run(t, env, "alerts", "ack", "1", "--reason", "ours"); code != 2 || !strings.Contains(stderr, "second person") {
		t.Fatalf("ack critical: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ = run(t, env, "alerts", "list", "--state", "open", "--json"); code != 0 || !strings.Contains(stdout, `"id": 1,`) || strings.Contains(stdout, `"id": 2,`) {
		t.Fatalf("open after acks:\n%s", stdout)
	}
	code, stdout, _ = run(t, env, "audit", "verify")
	if code != 0 {
		t.Fatalf("audit verify: exit %d\n%s", code, stdout)
	}

	bad := []struct {
		args []string
		msg  string
	}{
		{[]string{"alerts", "ack", "3"}, "--reason: required"},
		{[]string{"alerts", "ack", "3", "--reason", " "}, "--reason: required"},
		{[]string{"alerts", "ack", "2", "--reason", "again"}, "acknowledged"},
		{[]string{"alerts", "ack", "99", "--reason", "x"}, "no alert 99"},
		{[]string{"alerts", "ack", "x", "--reason", "x"}, "ID: an alert id"},
		{[]string{"alerts", "assign", "3"}, "--to: required"},
		{[]string{"alerts", "assign", "3", "--to", "a b"}, "--to: "},
		{[]string{"alerts", "list", "--severity", "urgent"}, "--severity: unknown severity"},
		{[]string{"alerts", "list", "--state", "closed"}, "--state: unknown state"},
		{[]string{"alerts", "list", "--kind", "email"}, "--kind: unknown kind"},
		{[]string{"alerts", "list", "--limit", "0"}, "--limit: "},
		{[]string{"alerts", "list", "--cursor", "7"}, "--cursor: "},
	}
	for _, c := range bad {
		code, _, stderr := run(t, env, c.args...)
		if code != 1 || !strings.Contains(stderr, c.msg) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", c.args, code, stderr, c.msg)
		}
	}
}
