package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/internal/passkeytest"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

const approvalsOrigin = "http://localhost:8080"

// approvalsEnv is a console with dual control over a real store, console
// users with passkeys (a software authenticator), and an executor that
// counts what it carries out.
type approvalsEnv struct {
	h        http.Handler
	dual     *approval.Service
	sessions fakeSessions
	keys     map[string]*passkeytest.Authenticator
	ran      atomic.Int32
}

func newApprovalsEnv(t *testing.T) *approvalsEnv {
	t.Helper()
	ctx := context.Background()
	db := sqlitetest.Open(t, sqlite.Options{})
	alog := &audit.Log{Store: db}
	wa, err := auth.NewWebAuthn(auth.WebAuthnConfig{RPID: "localhost", Origins: []string{approvalsOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	users := &auth.Users{Store: db, Log: alog, WebAuthn: wa, Params: auth.PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	e := &approvalsEnv{sessions: fakeSessions{}, keys: map[string]*passkeytest.Authenticator{}}
	e.dual = &approval.Service{Store: db, Audit: alog, Options: users.AssertionOptions,
		Verifier: approval.VerifierFunc(func(ctx context.Context, user string, ch, a []byte) error {
			_, err := users.VerifyAssertion(ctx, user, ch, a)
			return err
		})}
	e.dual.Handle(approval.FalsePositive, func(ctx context.Context, r *approval.Request) (string, error) {
		if err := e.dual.Check(ctx, approval.Hold{Action: r.Action, Subject: r.Subject, Summary: r.Summary}); err != nil {
			return "", err
		}
		e.ran.Add(1)
		return "ruled", nil
	})
	for _, u := range []struct {
		name string
		role auth.Role
	}{{"ana", auth.RoleAnalyst}, {"bob", auth.RoleAnalyst}, {"vic", auth.RoleViewer}} {
		secret, _, err := users.CreateUser(ctx, "cli:test", u.name, u.role)
		if err != nil {
			t.Fatal(err)
		}
		si, err := users.Enrol(ctx, secret, "correct horse battery staple", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		opts, err := users.BeginPasskeyRegistration(ctx, si.Session, si.User)
		if err != nil {
			t.Fatal(err)
		}
		key, err := passkeytest.New()
		if err != nil {
			t.Fatal(err)
		}
		resp, err := key.Register(opts, approvalsOrigin, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := users.FinishPasskeyRegistration(ctx, si.Session, si.User, resp); err != nil {
			t.Fatal(err)
		}
		e.keys[u.name] = key
		e.sessions[u.name] = &Principal{Actor: "user:" + u.name, Name: u.name, Person: u.name, User: si.User.ID, Role: u.role, CSRF: "csrf-" + u.name}
	}
	c, err := New(Config{Sessions: e.sessions, Version: "test", Services: Services{Approvals: e.dual}})
	if err != nil {
		t.Fatal(err)
	}
	e.h = c
	return e
}

// ask has ana ask for a false-positive ruling whose summary carries an
// injection attempt from a list.
func (e *approvalsEnv) ask(t *testing.T, subject string) *approval.Request {
	t.Helper()
	p := e.sessions["ana"]
	ctx := approval.WithPrincipal(context.Background(), approval.Principal{Actor: p.Actor, Person: p.Person, Role: p.Role, User: p.User})
	err := e.dual.Check(ctx, approval.Hold{Action: approval.FalsePositive, Subject: subject,
		Summary: "Rule a screening match a false positive.\nEntity:       " + xssPayload + " (ofac-sdn:1)\n", Actor: p.Actor})
	r := approval.PendingRequest(err)
	if r == nil {
		t.Fatalf("ask: %v", err)
	}
	return r
}

// send sends a request as session who; body is a form (csrf added) or,
// with jsonBody, raw JSON with the CSRF header.
func (e *approvalsEnv) send(t *testing.T, who, method, path string, form url.Values, jsonBody []byte) *httptest.ResponseRecorder {
	t.Helper()
	var r *http.Request
	switch {
	case jsonBody != nil || (method == http.MethodPost && form == nil):
		r = httptest.NewRequest(method, path, strings.NewReader(string(jsonBody)))
		r.Header.Set("Content-Type", "application/json")
		if p := e.sessions[who]; p != nil {
			r.Header.Set(CSRFHeader, p.CSRF)
		}
	case method == http.MethodPost:
		if p := e.sessions[who]; p != nil {
			form.Set(CSRFField, p.CSRF)
		}
		r = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		r = httptest.NewRequest(method, path, nil)
	}
	r.AddCookie(&http.Cookie{Name: "session", Value: who})
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func TestApprovalPages(t *testing.T) {
	t.Parallel()
	e := newApprovalsEnv(t)
	req := e.ask(t, "screen:decision:1")
	other := e.ask(t, "screen:decision:2")

	w := e.send(t, "bob", "GET", "/approvals", nil, nil)
	checkHeaders(t, w)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `href="/approvals/`+req.ID+`"`) || strings.Count(w.Body.String(), `data-testid="approval-row"`) != 2 {
		t.Fatalf("queue: %d\n%s", w.Code, w.Body)
	}
	if w := e.send(t, "vic", "GET", "/approvals", nil, nil); w.Code != http.StatusForbidden {
		t.Errorf("viewer's queue: %d", w.Code)
	}
	// The approver sees exactly what the requester saw, inert.
	w = e.send(t, "bob", "GET", "/approvals/"+req.ID, nil, nil)
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt; (ofac-sdn:1)") || strings.Contains(body, xssPayload) ||
		!strings.Contains(body, req.SummaryDigest) || !strings.Contains(body, `data-options="/approvals/`+req.ID+`/options"`) {
		t.Fatalf("request page: %d\n%s", w.Code, body)
	}
	// The requester is not offered the ceremony, and cannot get a
	// challenge.
	w = e.send(t, "ana", "GET", "/approvals/"+req.ID, nil, nil)
	if strings.Contains(w.Body.String(), "approve-passkey") || !strings.Contains(w.Body.String(), "second, different person") {
		t.Errorf("requester's page offers approval:\n%s", w.Body)
	}
	if w := e.send(t, "ana", "POST", "/approvals/"+req.ID+"/options", nil, nil); w.Code != http.StatusForbidden {
		t.Errorf("requester's challenge: %d %s", w.Code, w.Body)
	}
	// No CSRF token: refused before anything.
	r := httptest.NewRequest("POST", "/approvals/"+req.ID+"/options", nil)
	r.AddCookie(&http.Cookie{Name: "session", Value: "bob"})
	nw := httptest.NewRecorder()
	e.h.ServeHTTP(nw, r)
	if nw.Code != http.StatusForbidden {
		t.Errorf("no CSRF: %d", nw.Code)
	}

	// Bob's ceremony: options, his passkey, the assertion; the action
	// runs once.
	w = e.send(t, "bob", "POST", "/approvals/"+req.ID+"/options", nil, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("options: %d %s", w.Code, w.Body)
	}
	assertion, err := e.keys["bob"].Assert(w.Body.Bytes(), approvalsOrigin, "")
	if err != nil {
		t.Fatal(err)
	}
	w = e.send(t, "bob", "POST", "/approvals/"+req.ID+"/approve", nil, assertion)
	var next struct{ Next string }
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &next) != nil || next.Next != "/approvals/"+req.ID {
		t.Fatalf("approve: %d %s", w.Code, w.Body)
	}
	w = e.send(t, "bob", "POST", "/approvals/"+req.ID+"/approve", nil, assertion)
	var ce struct{ Code string }
	if w.Code != http.StatusConflict || json.Unmarshal(w.Body.Bytes(), &ce) != nil || ce.Code != bulwark.ECONFLICT {
		t.Errorf("replayed assertion: %d %s", w.Code, w.Body)
	}
	if n := e.ran.Load(); n != 1 {
		t.Fatalf("the action ran %d times, want 1", n)
	}
	w = e.send(t, "bob", "GET", "/approvals/"+req.ID, nil, nil)
	if !strings.Contains(w.Body.String(), `data-state="executed"`) || !strings.Contains(w.Body.String(), "ruled") {
		t.Errorf("after approval:\n%s", w.Body)
	}

	// Refusing needs a reason; ana withdraws nothing decided.
	if w := e.send(t, "bob", "POST", "/approvals/"+other.ID+"/reject", url.Values{"reason": {" "}}, nil); w.Code != http.StatusBadRequest {
		t.Errorf("refusal without a reason: %d", w.Code)
	}
	if w := e.send(t, "bob", "POST", "/approvals/"+other.ID+"/reject", url.Values{"reason": {"not the same person"}}, nil); w.Code != http.StatusSeeOther {
		t.Fatalf("refuse: %d %s", w.Code, w.Body)
	}
	if w := e.send(t, "ana", "POST", "/approvals/"+other.ID+"/cancel", url.Values{}, nil); w.Code != http.StatusConflict {
		t.Errorf("withdraw a refused request: %d", w.Code)
	}
	if n := e.ran.Load(); n != 1 {
		t.Fatalf("the action ran %d times after a refusal", n)
	}
}
