package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestUserCommands(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": t.TempDir(), "TEST_OS_USER": "root"}

	code, stdout, stderr := run(t, env, "user", "create", "--name", "alice", "--role", "analyst", "--json")
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, stderr)
	}
	var created struct {
		Secret string
		User   struct{ ID, Name, Role string }
	}
	if err := json.Unmarshal([]byte(stdout), &created); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.Secret, "bwe_") || len(created.Secret) != 68 || created.User.Name != "alice" || created.User.Role != "analyst" {
		t.Fatalf("created %+v", created)
	}
	code, stdout, stderr = run(t, env, "user", "create", "--name", "bob", "--role", "viewer")
	if code != 0 || !strings.HasPrefix(stdout, "bwe_") || strings.Count(stdout, "\n") != 1 || !strings.Contains(stderr, "shown once") || !strings.Contains(stderr, "/enrol") {
		t.Fatalf("human create: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	bobSecret := strings.TrimSpace(stdout)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "create", "--name", "alice", "--role", "viewer"}, "already exists"},
		{[]string{"user", "create", "--name", "Alice Smith", "--role", "viewer"}, "--name"},
		{[]string{"user", "create", "--name", "carol", "--role", "root"}, "--role"},
		{[]string{"user", "create", "--role", "viewer"}, "--name"},
		{[]string{"user", "disable"}, "NAME"},
		{[]string{"user", "disable", "nobody"}, "no user"},
		{[]string{"user", "reset-mfa", "nobody"}, "no user"},
	} {
		if code, _, stderr := run(t, env, tc.args...); code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d: %s", tc.args, code, stderr)
		}
	}

	code, stdout, _ = run(t, env, "user", "list")
	if code != 0 || !strings.Contains(stdout, "alice") || !strings.Contains(stdout, "enrolling") || !strings.Contains(stdout, "STATUS") {
		t.Fatalf("list: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run(t, env, "user", "list", "--json")
	var list []struct{ Name, Role, Status string }
	if code != 0 || json.Unmarshal([]byte(stdout), &list) != nil || len(list) != 2 || list[1].Name != "bob" {
		t.Fatalf("list --json: exit %d\n%s", code, stdout)
	}
	if strings.Contains(stdout, created.Secret) || strings.Contains(stdout, bobSecret) || strings.Contains(stdout, "Hash") {
		t.Fatal("user list shows a secret")
	}

	code, stdout, _ = run(t, env, "user", "disable", "bob")
	if code != 0 || !strings.Contains(stdout, "Disabled user bob") {
		t.Fatalf("disable: exit %d: %s", code, stdout)
	}
	code, stdout, _ = run(t, env, "user", "disable", "bob")
	if code != 0 || !strings.Contains(stdout, "nothing changed") {
		t.Fatalf("disable again: exit %d: %s", code, stdout)
	}
	code, stdout, stderr = run(t, env, "user", "reset-mfa", "alice")
	if code != 0 || !strings.HasPrefix(stdout, "bwe_") || strings.TrimSpace(stdout) == created.Secret {
		t.Fatalf("reset-mfa: exit %d: %s %s", code, stdout, stderr)
	}
	resetSecret := strings.TrimSpace(stdout)

	code, stdout, _ = run(t, env, "audit", "list", "--json")
	if code != 0 {
		t.Fatalf("audit list: exit %d", code)
	}
	var entries []struct{ Actor, Action, Target string }
	if err := json.Unmarshal([]byte(stdout), &entries); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Action+" "+e.Target)
		if e.Actor != "cli:root@test-host" {
			t.Errorf("actor %s", e.Actor)
		}
	}
	want := "user.reset-mfa user:alice,user.disable user:bob,user.create user:bob,user.create user:alice"
	if strings.Join(got, ",") != want {
		t.Fatalf("audit = %v\nwant %s", got, want)
	}
	for _, s := range []string{created.Secret, bobSecret, resetSecret, strings.TrimPrefix(resetSecret, "bwe_")} {
		if strings.Contains(stdout, s) {
			t.Fatal("the audit log holds an enrolment secret")
		}
	}
}
