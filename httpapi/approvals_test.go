package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/internal/passkeytest"
	"github.com/bulwark-sec/bulwark/screening"
)

const approvalOrigin = "http://localhost:8080"

// dualEnv is a server whose false-positive rulings are under dual control,
// with console users who approve with passkeys (a software
// authenticator): what the console's session guard puts in a request's
// context (approval.WithPrincipal) is set by as.
type dualEnv struct {
	*env
	dual  *approval.Service
	users *auth.Users
	keys  map[string]*passkeytest.Authenticator
	ids   map[string]string // user name → user id
	roles map[string]auth.Role
}

func newDualEnv(t *testing.T) *dualEnv {
	t.Helper()
	d := &dualEnv{keys: map[string]*passkeytest.Authenticator{}, ids: map[string]string{}, roles: map[string]auth.Role{}}
	d.env = newEnv(t, func(c *Config) {
		d.dual = &approval.Service{Store: c.ScreenStore.(approval.Store), Audit: c.Audit}
		svc, err := screening.OpenService(context.Background(), screening.ServiceConfig{
			Store: c.ScreenStore, Audit: c.Audit, Dual: d.dual,
			Defaults: func() ([]*screening.List, error) { return testLists(), nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		c.Screening, c.Approvals = svc, d.dual
		// What serve registers: the ruling, made again with the grant.
		d.dual.Handle(approval.FalsePositive, func(ctx context.Context, r *approval.Request) (string, error) {
			var h screening.DispositionHold
			if err := json.Unmarshal(r.Payload, &h); err != nil {
				return "", err
			}
			got, err := svc.ApplyDisposition(ctx, r.Requester, h.Disposition, h.Address, h.Chain, h.Name)
			return fmt.Sprintf("false positive #%d", got.ID), err
		})
	})
	wa, err := auth.NewWebAuthn(auth.WebAuthnConfig{RPID: "localhost", Origins: []string{approvalOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	d.users = &auth.Users{Store: d.db, Log: d.log, Now: d.clock.Now, WebAuthn: wa,
		Params: auth.PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	d.dual.Now = d.clock.Now
	d.dual.Options = d.users.AssertionOptions
	d.dual.Verifier = approval.VerifierFunc(func(ctx context.Context, user string, ch, a []byte) error {
		_, err := d.users.VerifyAssertion(ctx, user, ch, a)
		return err
	})
	return d
}

// enrol creates console user name with role and a passkey.
func (d *dualEnv) enrol(t *testing.T, name string, role auth.Role) {
	t.Helper()
	ctx := context.Background()
	secret, _, err := d.users.CreateUser(ctx, "cli:test", name, role)
	if err != nil {
		t.Fatal(err)
	}
	d.roles[name] = role
	d.enrolSecret(t, name, secret)
}

// enrolSecret enrols user name with enrolment secret: a password and a
// passkey.
func (d *dualEnv) enrolSecret(t *testing.T, name, secret string) {
	t.Helper()
	ctx := context.Background()
	si, err := d.users.Enrol(ctx, secret, "correct horse battery staple", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	opts, err := d.users.BeginPasskeyRegistration(ctx, si.Session, si.User)
	if err != nil {
		t.Fatal(err)
	}
	key, err := passkeytest.New()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := key.Register(opts, approvalOrigin, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.users.FinishPasskeyRegistration(ctx, si.Session, si.User, resp); err != nil {
		t.Fatal(err)
	}
	d.keys[name], d.ids[name] = key, si.User.ID
}

// as sends a request as console user name (role) with the bearer token
// tok for the route's permission; user "" sends it with the token alone.
func (d *dualEnv) as(user string, role auth.Role, tok, method, path, body string) *httptest.ResponseRecorder {
	d.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = "192.0.2.10:40000"
	req.Header.Set("Authorization", "Bearer "+d.secrets[tok])
	req.Header.Set("Content-Type", "application/json")
	if user != "" {
		req = req.WithContext(approval.WithPrincipal(req.Context(), approval.Principal{Actor: "user:" + user, Person: user, Role: role, User: d.ids[user]}))
	}
	rec := httptest.NewRecorder()
	d.srv.Handler().ServeHTTP(rec, req)
	return rec
}

// assertion runs the ceremony's first half as user: a challenge for
// request id, signed by user's passkey.
func (d *dualEnv) assertion(t *testing.T, user, id string) string {
	t.Helper()
	rec := d.as(user, d.roles[user], "analyst", "POST", "/api/v1/approvals/"+id+"/challenge", "")
	mustStatus(t, rec, http.StatusOK)
	var out struct{ Options json.RawMessage }
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Options) == 0 {
		t.Fatalf("challenge answer %s: %v", rec.Body, err)
	}
	a, err := d.keys[user].Assert(out.Options, approvalOrigin, "")
	if err != nil {
		t.Fatal(err)
	}
	return string(a)
}

func approveBodyOf(assertion string) string { return `{"assertion":` + assertion + `}` }

func (d *dualEnv) count(action string) int {
	n := 0
	for _, e := range d.auditEntries() {
		if e.Action == action {
			n++
		}
	}
	return n
}

// askFalsePositive screens seizedTRX and asks to rule its match a false
// positive (for subject when given); it returns the pending request.
func (d *dualEnv) askFalsePositive(t *testing.T, tok, subject string) approvalJSON {
	t.Helper()
	rec := d.do("POST", "/api/v1/screen/address", jsonHeaders("analyst"), `{"address":"`+seizedTRX+`"}`)
	var dec struct {
		DecisionID string
		Results    []struct{ Matches []struct{ EntityID string } }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &dec); err != nil || len(dec.Results) == 0 || len(dec.Results[0].Matches) == 0 {
		t.Fatalf("screen: %s", rec.Body)
	}
	body := fmt.Sprintf(`{"address":%q,"entityId":%q,"disposition":"false_positive","note":"our cold wallet","subject":%q}`, seizedTRX, dec.Results[0].Matches[0].EntityID, subject)
	rec = d.do("POST", "/api/v1/screen/dispositions", jsonHeaders(tok), body)
	mustStatus(t, rec, http.StatusAccepted)
	var out struct {
		Error    ErrorDetail
		Approval approvalJSON
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Error.Code != bulwark.EPENDING || out.Approval.Request == nil {
		t.Fatalf("held ruling: %s", rec.Body)
	}
	if loc := rec.Header().Get("Location"); loc != "/api/v1/approvals/"+out.Approval.ID {
		t.Errorf("Location %q", loc)
	}
	return out.Approval
}

func TestDualControlAPI(t *testing.T) {
	t.Parallel()
	d := newDualEnv(t)
	ctx := context.Background()
	// ana asks through a token that names her as its person.
	secret, _, err := d.auth.Create(ctx, "ana-token", auth.RoleAnalyst, auth.CreateOptions{Person: "ana"})
	if err != nil {
		t.Fatal(err)
	}
	d.secrets["ana-token"] = secret
	for _, u := range []struct {
		name string
		role auth.Role
	}{{"ana", auth.RoleAnalyst}, {"bob", auth.RoleAnalyst}, {"vera", auth.RoleViewer}} {
		d.enrol(t, u.name, u.role)
	}

	req := d.askFalsePositive(t, "ana-token", "")
	if !strings.Contains(req.Summary, "Address:      "+seizedTRX) || !strings.Contains(req.Summary, `Note:         "our cold wallet"`) ||
		req.Requester != "token:"+strings.Split(secret, "_")[1] || req.RequesterPerson != "ana" {
		t.Fatalf("request %+v", req.Request)
	}
	if n := d.count("screen.disposition"); n != 0 {
		t.Fatalf("the held ruling was recorded (%d entries)", n)
	}
	// Asked again: the same request.
	if again := d.askFalsePositive(t, "ana-token", ""); again.ID != req.ID {
		t.Errorf("asked again: request %s, want %s", again.ID, req.ID)
	}

	// The queue and the request, with the exact summary.
	rec := d.do("GET", "/api/v1/approvals", bearerFor("analyst"), "")
	mustStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"id":"`+req.ID+`"`) {
		t.Errorf("queue: %s", rec.Body)
	}
	rec = d.do("GET", "/api/v1/approvals/"+req.ID, bearerFor("analyst"), "")
	var shown struct{ Approval approvalJSON }
	if err := json.Unmarshal(rec.Body.Bytes(), &shown); err != nil || shown.Approval.Summary != req.Summary || shown.Approval.SummaryDigest != approval.Digest(req.Summary) {
		t.Fatalf("show: %s", rec.Body)
	}
	mustStatus(t, d.do("GET", "/api/v1/approvals/"+req.ID, bearerFor("viewer"), ""), http.StatusForbidden)
	mustStatus(t, d.do("GET", "/api/v1/approvals/nope", bearerFor("analyst"), ""), http.StatusBadRequest)

	refusedBefore := d.count("approval.approve")
	// Refused, each with nothing changed.
	for _, tc := range []struct {
		name   string
		rec    *httptest.ResponseRecorder
		status int
	}{
		{"an API token, no signed-in person", d.as("", "", "admin", "POST", "/api/v1/approvals/"+req.ID+"/challenge", ""), http.StatusForbidden},
		{"the same person as a console user", d.as("ana", auth.RoleAnalyst, "analyst", "POST", "/api/v1/approvals/"+req.ID+"/challenge", ""), http.StatusForbidden},
		{"a viewer (route)", d.as("vera", auth.RoleViewer, "viewer", "POST", "/api/v1/approvals/"+req.ID+"/challenge", ""), http.StatusForbidden},
		{"a viewer (role)", d.as("vera", auth.RoleViewer, "analyst", "POST", "/api/v1/approvals/"+req.ID+"/challenge", ""), http.StatusForbidden},
		{"no challenge issued", d.as("bob", auth.RoleAnalyst, "analyst", "POST", "/api/v1/approvals/"+req.ID+"/approve", `{"assertion":{"id":"x"}}`), http.StatusUnauthorized},
	} {
		if tc.rec.Code != tc.status {
			t.Errorf("%s: %d, want %d: %s", tc.name, tc.rec.Code, tc.status, tc.rec.Body)
		}
	}
	// The route's refusal (viewer token) happens before the service: the
	// other four are audited.
	if got := d.count("approval.approve") - refusedBefore; got != 4 {
		t.Errorf("%d refusals audited, want 4", got)
	}

	// An assertion bound to another request (another subject) does not
	// approve this one.
	other := d.askFalsePositive(t, "ana-token", "customer-2")
	if other.ID == req.ID || other.Subject == req.Subject {
		t.Fatalf("second request %s on %s", other.ID, other.Subject)
	}
	forOther := d.assertion(t, "bob", other.ID)
	_ = d.assertion(t, "bob", req.ID)
	rec = d.as("bob", auth.RoleAnalyst, "analyst", "POST", "/api/v1/approvals/"+req.ID+"/approve", approveBodyOf(forOther))
	mustStatus(t, rec, http.StatusUnauthorized)
	// A challenge is tried once: after a failed try on the other request,
	// the assertion made over its challenge is a replay and is refused.
	rec = d.as("bob", auth.RoleAnalyst, "analyst", "POST", "/api/v1/approvals/"+other.ID+"/approve", `{"assertion":{"id":"forged"}}`)
	mustStatus(t, rec, http.StatusUnauthorized)
	rec = d.as("bob", auth.RoleAnalyst, "analyst", "POST", "/api/v1/approvals/"+other.ID+"/approve", approveBodyOf(forOther))
	mustStatus(t, rec, http.StatusUnauthorized)
	if n := d.count("screen.disposition"); n != 0 {
		t.Fatalf("refused approvals recorded %d rulings", n)
	}

	// Bob approves: the ruling is made once.
	good := d.assertion(t, "bob", req.ID)
	rec = d.as("bob", auth.RoleAnalyst, "analyst", "POST", "/api/v1/approvals/"+req.ID+"/approve", approveBodyOf(good))
	mustStatus(t, rec, http.StatusOK)
	var done struct{ Approval approvalJSON }
	if err := json.Unmarshal(rec.Body.Bytes(), &done); err != nil || done.Approval.State != approval.Executed || done.Approval.DecidedBy != "user:bob" {
		t.Fatalf("approve: %s", rec.Body)
	}
	// The same assertion again: refused, the ruling not made twice.
	rec = d.as("bob", auth.RoleAnalyst, "analyst", "POST", "/api/v1/approvals/"+req.ID+"/approve", approveBodyOf(good))
	mustStatus(t, rec, http.StatusConflict)
	if n := d.count("screen.disposition"); n != 1 {
		t.Fatalf("%d rulings recorded, want exactly 1", n)
	}
	if n := d.count("approval.execute"); n != 1 {
		t.Errorf("%d executions audited, want 1", n)
	}
	rec = d.do("POST", "/api/v1/screen/address", jsonHeaders("analyst"), `{"address":"`+seizedTRX+`"}`)
	if !strings.Contains(rec.Body.String(), `"verdict":"clear"`) || !strings.Contains(rec.Body.String(), `"suppressed"`) {
		t.Errorf("after the approved ruling: %s", rec.Body)
	}

	// The other request: rejected by bob with a reason; ana cancels
	// nothing decided.
	rec = d.as("bob", auth.RoleAnalyst, "analyst", "POST", "/api/v1/approvals/"+other.ID+"/reject", `{"reason":"not our customer"}`)
	mustStatus(t, rec, http.StatusOK)
	rec = d.as("", "", "ana-token", "POST", "/api/v1/approvals/"+other.ID+"/cancel", "")
	mustStatus(t, rec, http.StatusConflict)
	rec = d.do("GET", "/api/v1/approvals?state=all", bearerFor("analyst"), "")
	if !strings.Contains(rec.Body.String(), `"state":"rejected"`) || !strings.Contains(rec.Body.String(), `"state":"executed"`) {
		t.Errorf("all requests: %s", rec.Body)
	}
	mustStatus(t, d.do("GET", "/api/v1/approvals?state=later", bearerFor("analyst"), ""), http.StatusBadRequest)
}

func TestTrueAndUngatedRulingsAreImmediate(t *testing.T) {
	t.Parallel()
	d := newDualEnv(t)
	rec := d.do("POST", "/api/v1/screen/address", jsonHeaders("analyst"), `{"address":"`+seizedTRX+`"}`)
	var dec struct {
		Results []struct{ Matches []struct{ EntityID string } }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &dec); err != nil || len(dec.Results) == 0 || len(dec.Results[0].Matches) == 0 {
		t.Fatalf("screen: %s", rec.Body)
	}
	body := fmt.Sprintf(`{"address":%q,"entityId":%q,"disposition":"true_positive"}`, seizedTRX, dec.Results[0].Matches[0].EntityID)
	mustStatus(t, d.do("POST", "/api/v1/screen/dispositions", jsonHeaders("analyst"), body), http.StatusCreated)
	d.dual.Config = approval.Config{Off: []approval.Action{approval.FalsePositive}}
	body = strings.Replace(body, "true_positive", "false_positive", 1)
	mustStatus(t, d.do("POST", "/api/v1/screen/dispositions", jsonHeaders("analyst"), body), http.StatusCreated)
}
