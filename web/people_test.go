package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
)

// TestConsolePeopleChangeWaits: with dual control on, creating a user,
// raising a role and resetting second factors from the users page each
// become an approval request (303 to its page), change nothing and show
// no enrolment secret; lowering a role is done at once.
func TestConsolePeopleChangeWaits(t *testing.T) {
	t.Parallel()
	e := newUserEnv(t)
	log := &audit.Log{Store: e.db}
	dual := &approval.Service{Store: e.db, Audit: log}
	c, err := New(Config{Sessions: UserSessions{Users: e.users}, Version: "test", Services: Services{Audit: log, Users: e.users, Approvals: dual}})
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	if _, _, err := e.users.CreateUser(context.Background(), "cli:test", "vera", auth.RoleAnalyst); err != nil {
		t.Fatal(err)
	}
	b, _, _ := e.enrolTOTP("root", auth.RoleAdmin, "localhost:8080")
	csrf := match(t, csrfInput, b.do("GET", "/users", nil, nil, nil).Body.String())
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/users", url.Values{"name": {"mallory"}, "role": {"admin"}}},
		{"/users/vera/role", url.Values{"role": {"admin"}}},
		{"/users/vera/reset-mfa", url.Values{}},
	} {
		tc.form.Set("csrf", csrf)
		w := b.do("POST", tc.path, tc.form, nil, nil)
		if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/approvals/") || strings.Contains(w.Body.String(), "bwe_") {
			t.Fatalf("POST %s: %d %s %s", tc.path, w.Code, w.Header().Get("Location"), w.Body)
		}
	}
	if _, err := e.users.User(context.Background(), "mallory"); err == nil {
		t.Fatal("mallory was created without approval")
	}
	if u := mustUser(t, e, "vera"); u.Role != auth.RoleAnalyst || u.EnrolHash == nil {
		t.Fatalf("vera changed without approval: %+v", u)
	}
	list, err := dual.List(context.Background(), approval.Pending, 10)
	if err != nil || len(list) != 3 {
		t.Fatalf("%d pending: %v", len(list), err)
	}
	w := b.do("POST", "/users/vera/role", url.Values{"role": {"viewer"}, "csrf": {csrf}}, nil, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/users" || mustUser(t, e, "vera").Role != auth.RoleViewer {
		t.Fatalf("lowering: %d %s", w.Code, w.Header().Get("Location"))
	}
}

// TestConsoleLoginLimitedPerDerivedClient: behind a trusted proxy every
// browser reaches the console from the proxy's address; the sign-in
// limits key on the client the API server derived (auth.WithClientAddr),
// so one client's failures do not lock out another.
func TestConsoleLoginLimitedPerDerivedClient(t *testing.T) {
	t.Parallel()
	e := newUserEnv(t)
	try := func(b *browser, name string) int {
		token := match(t, csrfInput, b.do("GET", "/login", nil, nil, nil).Body.String())
		return b.do("POST", "/login", url.Values{"csrf": {token}, "name": {name}, "password": {"wrong password!"}}, nil, nil).Code
	}
	attacker := e.browser("localhost:8080")
	attacker.client = "198.51.100.1"
	var code int
	for i := 0; i <= auth.DefaultSignInLimits.PerAddress; i++ {
		code = try(attacker, fmt.Sprintf("u%d", i))
	}
	if code != http.StatusTooManyRequests {
		t.Fatalf("the attacker's last try: %d", code)
	}
	other := e.browser("localhost:8080")
	other.client = "198.51.100.2"
	if code := try(other, "v1"); code != http.StatusUnauthorized {
		t.Fatalf("another client behind the same proxy: %d, want 401 (not limited)", code)
	}
}
