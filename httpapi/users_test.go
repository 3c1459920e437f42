package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/auth"
)

// withUsers gives e's server the user service on e's store.
func withUsers(t *testing.T, e *env) {
	e.srv.cfg.Users = &auth.Users{Store: e.db, Log: e.log, Now: e.clock.Now}
}

// withAlice adds user alice (analyst) to e.
func withAlice(t *testing.T, e *env) {
	withUsers(t, e)
	if _, _, err := e.srv.cfg.Users.CreateUser(context.Background(), "cli:test", "alice", auth.RoleAnalyst); err != nil {
		t.Fatal(err)
	}
}

// lastAudit returns the newest audit entry's actor, action and target.
func lastAudit(t *testing.T, e *env) string {
	t.Helper()
	es := e.auditEntries()
	if len(es) == 0 {
		return ""
	}
	last := es[len(es)-1]
	return last.Actor + " " + last.Action + " " + last.Target
}

func TestUserRoutes(t *testing.T) {
	t.Parallel()
	audited := func(want string) func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
		return func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
			if got := lastAudit(t, e); got != e.expand(want) {
				t.Errorf("last audit entry %q, want %q", got, e.expand(want))
			}
		}
	}
	unchangedBy := func(seq int) func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
		return func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
			if n := len(e.auditEntries()); n != seq {
				t.Errorf("%d audit entries, want %d: a refused request changed the log", n, seq)
			}
			if u, err := e.db.UserByName(context.Background(), "alice"); err != nil || u.Role != auth.RoleAnalyst || u.DisabledAt != nil {
				t.Errorf("alice changed: %+v %v", u, err)
			}
		}
	}
	runScenarios(t, []scenario{
		{name: "not configured", method: "GET", path: "/api/v1/users", headers: bearerFor("admin"),
			wantStatus: http.StatusServiceUnavailable, wantCode: "unavailable"},
		{name: "no token", setup: withAlice, method: "GET", path: "/api/v1/users",
			wantStatus: http.StatusUnauthorized},
		{name: "viewer lists", setup: withAlice, method: "GET", path: "/api/v1/users", headers: bearerFor("viewer"),
			wantStatus: http.StatusForbidden, wantCode: "forbidden"},
		{name: "analyst creates", setup: withAlice, method: "POST", path: "/api/v1/users", headers: jsonHeaders("analyst"),
			body: `{"name":"mallory","role":"admin"}`, wantStatus: http.StatusForbidden, wantCode: "forbidden", after: unchangedBy(1)},
		{name: "analyst disables", setup: withAlice, method: "POST", path: "/api/v1/users/alice/disable", headers: bearerFor("analyst"),
			wantStatus: http.StatusForbidden, after: unchangedBy(1)},
		{name: "analyst raises a role", setup: withAlice, method: "PUT", path: "/api/v1/users/alice/role", headers: jsonHeaders("analyst"),
			body: `{"role":"admin"}`, wantStatus: http.StatusForbidden, after: unchangedBy(1)},
		{name: "admin creates", setup: withUsers, method: "POST", path: "/api/v1/users", headers: jsonHeaders("admin"),
			body: `{"name":"bob","role":"viewer"}`, wantStatus: http.StatusCreated, wantBody: []string{`"secret":"bwe_`, `"name":"bob"`, `"role":"viewer"`},
			notBody: []string{"Hash"}, after: audited("token:{admin.id} user.create user:bob")},
		{name: "admin creates a duplicate", setup: withAlice, method: "POST", path: "/api/v1/users", headers: jsonHeaders("admin"),
			body: `{"name":"alice","role":"viewer"}`, wantStatus: http.StatusConflict, wantCode: "conflict", after: unchangedBy(1)},
		{name: "bad role", setup: withUsers, method: "POST", path: "/api/v1/users", headers: jsonHeaders("admin"),
			body: `{"name":"bob","role":"root"}`, wantStatus: http.StatusBadRequest, wantField: "role"},
		{name: "bad name", setup: withUsers, method: "POST", path: "/api/v1/users", headers: jsonHeaders("admin"),
			body: `{"name":"<script>","role":"viewer"}`, wantStatus: http.StatusBadRequest, wantField: "name"},
		{name: "unknown field", setup: withUsers, method: "POST", path: "/api/v1/users", headers: jsonHeaders("admin"),
			body: `{"name":"bob","role":"viewer","password":"x"}`, wantStatus: http.StatusBadRequest},
		{name: "admin lists", setup: withAlice, method: "GET", path: "/api/v1/users", headers: bearerFor("admin"),
			wantStatus: http.StatusOK, wantBody: []string{`"name":"alice"`, `"status":"enrolling"`}, notBody: []string{"bwe_", "Hash"}},
		{name: "admin reads one", setup: withAlice, method: "GET", path: "/api/v1/users/alice", headers: bearerFor("admin"),
			wantStatus: http.StatusOK, wantBody: []string{`"name":"alice"`}},
		{name: "unknown user", setup: withAlice, method: "GET", path: "/api/v1/users/nobody", headers: bearerFor("admin"),
			wantStatus: http.StatusNotFound},
		{name: "admin disables", setup: withAlice, method: "POST", path: "/api/v1/users/alice/disable", headers: bearerFor("admin"),
			wantStatus: http.StatusOK, wantBody: []string{`"changed":true`, `"disabledAt"`}, after: audited("token:{admin.id} user.disable user:alice")},
		{name: "admin changes a role", setup: withAlice, method: "PUT", path: "/api/v1/users/alice/role", headers: jsonHeaders("admin"),
			body: `{"role":"viewer"}`, wantStatus: http.StatusOK, wantBody: []string{`"role":"viewer"`},
			after: func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
				es := e.auditEntries()
				if d := string(es[len(es)-1].Details); es[len(es)-1].Action != "user.role" || !strings.Contains(d, `"from":"analyst"`) || !strings.Contains(d, `"to":"viewer"`) {
					t.Errorf("role change audited as %s %s", es[len(es)-1].Action, d)
				}
			}},
		{name: "same role", setup: withAlice, method: "PUT", path: "/api/v1/users/alice/role", headers: jsonHeaders("admin"),
			body: `{"role":"analyst"}`, wantStatus: http.StatusOK, wantBody: []string{`"changed":false`}, after: unchangedBy(1)},
		{name: "admin resets MFA", setup: withAlice, method: "POST", path: "/api/v1/users/alice/reset-mfa", headers: bearerFor("admin"),
			wantStatus: http.StatusOK, wantBody: []string{`"secret":"bwe_`}, after: audited("token:{admin.id} user.reset-mfa user:alice")},
		{name: "sessions", setup: withAlice, method: "GET", path: "/api/v1/users/alice/sessions", headers: bearerFor("admin"),
			wantStatus: http.StatusOK, wantBody: []string{`[]`}},
		{name: "revoke sessions", setup: withAlice, method: "DELETE", path: "/api/v1/users/alice/sessions", headers: bearerFor("admin"),
			wantStatus: http.StatusOK, wantBody: []string{`"revoked":0`}, after: audited("token:{admin.id} session.revoke user:alice")},
	})
}

// TestUserSecretNotLogged: the enrolment secret is in the response only.
func TestUserSecretNotLogged(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	withUsers(t, e)
	rec := e.do("POST", "/api/v1/users", jsonHeaders("admin"), `{"name":"bob","role":"viewer"}`)
	var out struct{ Secret string }
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || !strings.HasPrefix(out.Secret, "bwe_") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if strings.Contains(e.logs.String(), out.Secret) || strings.Contains(e.logs.String(), out.Secret[4:]) {
		t.Fatal("the enrolment secret was logged")
	}
	for _, en := range e.auditEntries() {
		if strings.Contains(string(en.Details), out.Secret[4:]) {
			t.Fatal("the enrolment secret is in the audit log")
		}
	}
}
