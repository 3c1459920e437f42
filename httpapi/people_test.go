package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/auth"
)

// newPeopleEnv is a dual-control server whose user routes are served, with
// what serve registers for people changes (the executor, the cooling-off),
// and admins ann and bob enrolled by the command line (the bootstrap: no
// second person exists yet) past their cooling-off.
func newPeopleEnv(t *testing.T) *dualEnv {
	t.Helper()
	d := newDualEnv(t)
	d.srv.cfg.Users = d.users
	d.dual.Handle(approval.PeopleChange, (&approval.People{Users: d.users, Dual: d.dual}).Execute)
	d.dual.MayApprovePerson = func(ctx context.Context, p approval.Principal) error { return d.users.MayApprove(ctx, p.User) }
	d.namedAdmin(t)
	d.enrol(t, "ann", auth.RoleAdmin)
	d.enrol(t, "bob", auth.RoleAdmin)
	d.clock.Advance(auth.DefaultCoolingOff + time.Hour)
	return d
}

// namedAdmin makes the env's "admin" token one that names its person
// (adam): a token naming no person may not ask for a held action.
func (d *dualEnv) namedAdmin(t *testing.T) {
	t.Helper()
	secret, tok, err := d.auth.Create(context.Background(), "admin-adam", auth.RoleAdmin, auth.CreateOptions{Person: "adam"})
	if err != nil {
		t.Fatal(err)
	}
	d.env.secrets["admin"], d.env.ids["admin"] = secret, tok.ID
}

// pendingPeople reads a 202 approval_pending answer.
func pendingPeople(t *testing.T, rec *httptest.ResponseRecorder) approvalJSON {
	t.Helper()
	mustStatus(t, rec, http.StatusAccepted)
	if strings.Contains(rec.Body.String(), "bwe_") {
		t.Fatalf("the pending answer carries an enrolment secret: %s", rec.Body)
	}
	var out struct {
		Error    ErrorDetail
		Approval approvalJSON
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Error.Code != bulwark.EPENDING || out.Approval.Request == nil || out.Approval.Action != approval.PeopleChange {
		t.Fatalf("held change: %s", rec.Body)
	}
	return out.Approval
}

// approveAs approves request id as user with their passkey.
func (d *dualEnv) approveAs(t *testing.T, user, id string) *httptest.ResponseRecorder {
	t.Helper()
	return d.as(user, auth.RoleAdmin, "admin", "POST", "/api/v1/approvals/"+id+"/approve", approveBodyOf(d.assertion(t, user, id)))
}

func (d *dualEnv) userNamed(t *testing.T, name string) []*auth.UserInfo {
	t.Helper()
	list, err := d.users.ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []*auth.UserInfo
	for _, u := range list {
		if u.Name == name {
			out = append(out, u)
		}
	}
	return out
}

func TestPeopleChangeCreateUser(t *testing.T) {
	t.Parallel()
	d := newPeopleEnv(t)
	// An admin token asks: 202, no secret, no user.
	req := pendingPeople(t, d.do("POST", "/api/v1/users", jsonHeaders("admin"), `{"name":"mallory","role":"admin"}`))
	if got := d.userNamed(t, "mallory"); len(got) != 0 {
		t.Fatalf("the user exists before approval: %+v", got)
	}
	if !strings.Contains(req.Summary, "create a console user") || !strings.Contains(req.Summary, "mallory") || strings.Contains(req.Summary, "bwe_") {
		t.Fatalf("summary %q", req.Summary)
	}
	// The token cannot collect a secret before approval.
	mustStatus(t, d.do("POST", "/api/v1/approvals/"+req.ID+"/enrolment", jsonHeaders("admin"), ""), http.StatusConflict)

	// A console admin asks: the same person cannot approve it.
	own := pendingPeople(t, d.as("ann", auth.RoleAdmin, "admin", "POST", "/api/v1/users", `{"name":"carol","role":"admin"}`))
	rec := d.as("ann", auth.RoleAdmin, "admin", "POST", "/api/v1/approvals/"+own.ID+"/challenge", "")
	mustStatus(t, rec, http.StatusForbidden)
	// bob approves with his passkey: carol exists once; only ann gets the secret.
	mustStatus(t, d.approveAs(t, "bob", own.ID), http.StatusOK)
	if got := d.userNamed(t, "carol"); len(got) != 1 || got[0].Role != auth.RoleAdmin {
		t.Fatalf("carol: %+v", got)
	}
	mustStatus(t, d.as("bob", auth.RoleAdmin, "admin", "POST", "/api/v1/approvals/"+own.ID+"/enrolment", ""), http.StatusForbidden)
	mustStatus(t, d.do("POST", "/api/v1/approvals/"+own.ID+"/enrolment", jsonHeaders("admin"), ""), http.StatusForbidden)
	rec = d.as("ann", auth.RoleAdmin, "admin", "POST", "/api/v1/approvals/"+own.ID+"/enrolment", "")
	mustStatus(t, rec, http.StatusOK)
	var got enrolmentResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || !strings.HasPrefix(got.Secret, "bwe_") || got.User.Name != "carol" {
		t.Fatalf("enrolment %s: %v", rec.Body, err)
	}
	// Approving again creates nothing more.
	mustStatus(t, d.as("bob", auth.RoleAdmin, "admin", "POST", "/api/v1/approvals/"+own.ID+"/challenge", ""), http.StatusConflict)
	if n := len(d.userNamed(t, "carol")); n != 1 {
		t.Fatalf("%d users carol", n)
	}

	// The secret works once collected, and is in no request, outcome,
	// audit entry or log line.
	d.enrolSecret(t, "carol", got.Secret)
	stored, err := d.dual.Get(context.Background(), own.ID)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(stored)
	entries, _ := json.Marshal(d.auditEntries())
	for what, text := range map[string]string{"request": string(js), "audit": string(entries), "log": d.logs.String()} {
		if strings.Contains(text, got.Secret) || strings.Contains(text, "bwe_") {
			t.Errorf("the enrolment secret is in the %s", what)
		}
	}
	// carol is new: she approves nothing during the cooling-off.
	req2 := pendingPeople(t, d.do("POST", "/api/v1/users", jsonHeaders("admin"), `{"name":"dave","role":"viewer"}`))
	rec = d.as("carol", auth.RoleAdmin, "admin", "POST", "/api/v1/approvals/"+req2.ID+"/challenge", "")
	mustStatus(t, rec, http.StatusForbidden)
	if !strings.Contains(rec.Body.String(), "cooling-off") {
		t.Errorf("refusal %s", rec.Body)
	}
}

func TestPeopleChangeRoleAndReset(t *testing.T) {
	t.Parallel()
	d := newPeopleEnv(t)
	d.enrol(t, "vera", auth.RoleViewer)
	// Raising a role waits; lowering does not.
	req := pendingPeople(t, d.do("PUT", "/api/v1/users/vera/role", jsonHeaders("admin"), `{"role":"admin"}`))
	if u := d.userNamed(t, "vera"); u[0].Role != auth.RoleViewer {
		t.Fatalf("raised before approval: %s", u[0].Role)
	}
	if !strings.Contains(req.Summary, "viewer -> admin") {
		t.Errorf("summary %q", req.Summary)
	}
	mustStatus(t, d.approveAs(t, "ann", req.ID), http.StatusOK)
	if u := d.userNamed(t, "vera"); len(u) != 1 || u[0].Role != auth.RoleAdmin {
		t.Fatalf("vera after approval: %+v", u)
	}
	mustStatus(t, d.do("PUT", "/api/v1/users/vera/role", jsonHeaders("admin"), `{"role":"viewer"}`), http.StatusOK)

	// A reset waits; bob keeps his passkey until ann approves.
	req = pendingPeople(t, d.do("POST", "/api/v1/users/bob/reset-mfa", jsonHeaders("admin"), ""))
	if u := d.userNamed(t, "bob"); u[0].Passkeys != 1 {
		t.Fatalf("reset before approval: %+v", u[0])
	}
	mustStatus(t, d.approveAs(t, "ann", req.ID), http.StatusOK)
	if u := d.userNamed(t, "bob"); u[0].Passkeys != 0 {
		t.Fatalf("not reset after approval: %+v", u[0])
	}
	rec := d.do("POST", "/api/v1/approvals/"+req.ID+"/enrolment", jsonHeaders("admin"), "")
	mustStatus(t, rec, http.StatusOK)
	var got enrolmentResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || !strings.HasPrefix(got.Secret, "bwe_") {
		t.Fatalf("enrolment %s", rec.Body)
	}
	// Re-enrolled bob approves nothing during the cooling-off.
	d.enrolSecret(t, "bob", got.Secret)
	mustStatus(t, d.as("bob", auth.RoleAdmin, "admin", "POST", "/api/v1/approvals/"+
		pendingPeople(t, d.do("PUT", "/api/v1/users/vera/role", jsonHeaders("admin"), `{"role":"analyst"}`)).ID+"/challenge", ""), http.StatusForbidden)
	// Once he holds a factor, no secret is given again.
	mustStatus(t, d.do("POST", "/api/v1/approvals/"+req.ID+"/enrolment", jsonHeaders("admin"), ""), http.StatusConflict)
	// Past the cooling-off he may approve.
	d.clock.Advance(auth.DefaultCoolingOff)
	req = pendingPeople(t, d.do("PUT", "/api/v1/users/vera/role", jsonHeaders("admin"), `{"role":"analyst"}`))
	mustStatus(t, d.approveAs(t, "bob", req.ID), http.StatusOK)

	// A viewer or analyst token is refused outright.
	for _, tok := range []string{"viewer", "analyst"} {
		mustStatus(t, d.do("POST", "/api/v1/users", jsonHeaders(tok), `{"name":"eve","role":"admin"}`), http.StatusForbidden)
		mustStatus(t, d.do("POST", "/api/v1/users/vera/reset-mfa", jsonHeaders(tok), ""), http.StatusForbidden)
	}
}

// TestPeopleChangeBootstrap: with nobody holding a passkey, a creation
// through the API waits for a second person who does not exist; the first
// users come from the command line on the server host (auth.Users
// directly, which is what 'bulwark user create' calls), audited.
func TestPeopleChangeBootstrap(t *testing.T) {
	t.Parallel()
	d := newDualEnv(t)
	d.srv.cfg.Users = d.users
	d.dual.Handle(approval.PeopleChange, (&approval.People{Users: d.users, Dual: d.dual}).Execute)
	// A token that names no person may not even ask.
	mustStatus(t, d.do("POST", "/api/v1/users", jsonHeaders("admin"), `{"name":"first","role":"admin"}`), http.StatusForbidden)
	d.namedAdmin(t)
	req := pendingPeople(t, d.do("POST", "/api/v1/users", jsonHeaders("admin"), `{"name":"first","role":"admin"}`))
	if n := len(d.userNamed(t, "first")); n != 0 {
		t.Fatalf("%d users", n)
	}
	// No console user exists to approve it: a token may not.
	mustStatus(t, d.do("POST", "/api/v1/approvals/"+req.ID+"/challenge", jsonHeaders("admin"), ""), http.StatusForbidden)
	secret, u, err := d.users.CreateUser(context.Background(), "cli:root", "first", auth.RoleAdmin)
	if err != nil || !strings.HasPrefix(secret, "bwe_") || u.Name != "first" {
		t.Fatalf("command-line creation: %v", err)
	}
	if got := lastAudit(t, d.env); got != "cli:root user.create user:first" {
		t.Errorf("audited %q", got)
	}
}
