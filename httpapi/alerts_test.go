package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// withInbox serves the inbox on the test store, with dual control on
// critical Safe alerts when dual is set.
func withInbox(dual bool) func(*Config) {
	return func(c *Config) {
		db := c.SafeAlerts.(*sqlite.DB)
		c.Inbox = &inbox.Service{Store: db, Audit: c.Audit}
		if dual {
			c.Inbox.Dual = &approval.Service{Store: db, Audit: c.Audit}
		}
	}
}

// saveInboxAlerts stores, in this order: 1 a critical Safe alert, 2 a
// high Safe alert, 3 a screening BLOCK.
func saveInboxAlerts(t *testing.T, e *env) {
	ctx := context.Background()
	for _, sev := range []policy.Severity{policy.SeverityCritical, policy.SeverityHigh} {
		if _, err := e.db.SaveAlert(ctx, watch.Alert{Block: 1, Safe: watchA, Code: policy.CodeGuardChange, Severity: sev, Message: "guard <changed>"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.db.SaveScreenAlert(ctx, screening.Alert{WatchID: 1, Subject: "customer-9", Kind: "address", Verdict: bulwark.VerdictBlock,
		DecisionID: "d1", Body: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
}

func inboxItemIs(id int64, check func(inbox.Item) bool) func(*testing.T, *env, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
		t.Helper()
		it, err := e.db.InboxItem(context.Background(), id)
		if err != nil || !check(it) {
			t.Errorf("alert %d = %+v, %v", id, it, err)
		}
	}
}

func TestAlertsInboxAPI(t *testing.T) {
	t.Parallel()
	on := withInbox(false)
	runScenarios(t, []scenario{
		{name: "list newest first, paged", configure: on, setup: saveInboxAlerts, method: "GET", path: "/api/v1/alerts?limit=2", headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`"items":[{"id":3,"kind":"screening.alert"`, `"severity":"critical"`, `"next":"b2"`,
				`"evidence":"/api/v1/screen/decisions/d1"`, `"subject":"customer-9"`}},
		{name: "second page", configure: on, setup: saveInboxAlerts, method: "GET", path: "/api/v1/alerts?limit=2&cursor=b2", headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`"items":[{"id":1,"kind":"safe.alert"`}, notBody: []string{`"next"`, `"id":2,`}},
		{name: "filters", configure: on, setup: saveInboxAlerts, method: "GET", path: "/api/v1/alerts?kind=safe.alert&severity=critical,HIGH&state=open&assignee=none", headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`"id":2,`, `"id":1,`, `"message":"guard \u003cchanged\u003e"`}, notBody: []string{`"id":3,`}},
		{name: "unknown severity", configure: on, method: "GET", path: "/api/v1/alerts?severity=urgent", headers: bearerFor("viewer"),
			wantStatus: http.StatusBadRequest, wantCode: bulwark.EINVALID, wantField: "severity", wantMsg: []string{"critical, high"}},
		{name: "bad cursor", configure: on, method: "GET", path: "/api/v1/alerts?cursor=12", headers: bearerFor("viewer"),
			wantStatus: http.StatusBadRequest, wantCode: bulwark.EINVALID, wantField: "cursor"},
		{name: "limit too large", configure: on, method: "GET", path: "/api/v1/alerts?limit=501", headers: bearerFor("viewer"),
			wantStatus: http.StatusBadRequest, wantField: "limit"},
		{name: "unknown parameter", configure: on, method: "GET", path: "/api/v1/alerts?sort=asc", headers: bearerFor("viewer"),
			wantStatus: http.StatusBadRequest, wantCode: bulwark.EINVALID},
		{name: "repeated parameter", configure: on, method: "GET", path: "/api/v1/alerts?kind=safe.alert&kind=trace.alert", headers: bearerFor("viewer"),
			wantStatus: http.StatusBadRequest, wantField: "kind"},
		{name: "no token", configure: on, method: "GET", path: "/api/v1/alerts", wantStatus: http.StatusUnauthorized},
		{name: "not configured", method: "GET", path: "/api/v1/alerts", headers: bearerFor("viewer"),
			wantStatus: http.StatusServiceUnavailable, wantCode: bulwark.EUNAVAILABLE},
		{name: "get", configure: on, setup: saveInboxAlerts, method: "GET", path: "/api/v1/alerts/2", headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`"alert":{"id":2,`, `"evidence":"/api/v1/safe/alerts?since=1\u0026limit=1"`}},
		{name: "get missing", configure: on, method: "GET", path: "/api/v1/alerts/99", headers: bearerFor("viewer"),
			wantStatus: http.StatusNotFound, wantCode: bulwark.ENOTFOUND},
		{name: "get bad id", configure: on, method: "GET", path: "/api/v1/alerts/x", headers: bearerFor("viewer"),
			wantStatus: http.StatusBadRequest, wantField: "id"},

		{name: "assign", configure: on, setup: saveInboxAlerts, method: "POST", path: "/api/v1/alerts/2/assign", headers: jsonHeaders("analyst"),
			body: `{"assignee":"alice"}`, wantStatus: http.StatusOK, wantBody: []string{`"assignee":"alice"`, `"auditSeq"`},
			after: both(changeAudited(inbox.ActionAssign, "alert:2", `"assignee":"alice"`), inboxItemIs(2, func(it inbox.Item) bool { return it.Assignee == "alice" }))},
		{name: "assign as viewer", configure: on, setup: saveInboxAlerts, method: "POST", path: "/api/v1/alerts/2/assign", headers: jsonHeaders("viewer"),
			body: `{"assignee":"alice"}`, wantStatus: http.StatusForbidden, wantCode: bulwark.EFORBIDDEN,
			after: both(noAuditWith("alert."), inboxItemIs(2, func(it inbox.Item) bool { return it.Assignee == "" }))},
		{name: "assign a bad name", configure: on, setup: saveInboxAlerts, method: "POST", path: "/api/v1/alerts/2/assign", headers: jsonHeaders("analyst"),
			body: `{"assignee":"<img src=x onerror=alert(1)>"}`, wantStatus: http.StatusBadRequest, wantField: "assignee", after: noAuditWith("alert.")},
		{name: "assign without assignee", configure: on, setup: saveInboxAlerts, method: "POST", path: "/api/v1/alerts/2/assign", headers: jsonHeaders("analyst"),
			body: `{}`, wantStatus: http.StatusBadRequest, wantField: "assignee"},
		{name: "assign missing", configure: on, method: "POST", path: "/api/v1/alerts/9/assign", headers: jsonHeaders("analyst"),
			body: `{"assignee":"alice"}`, wantStatus: http.StatusNotFound, after: noAuditWith("alert.")},

		{name: "ack", configure: on, setup: saveInboxAlerts, method: "POST", path: "/api/v1/alerts/2/ack", headers: jsonHeaders("analyst"),
			body: `{"reason":"  our own guard upgrade, ticket 12  "}`, wantStatus: http.StatusOK,
			wantBody: []string{`"state":"acknowledged"`, `"ackReason":"our own guard upgrade, ticket 12"`},
			after: both(changeAudited(inbox.ActionAck, "alert:2", `"reason":"our own guard upgrade, ticket 12"`),
				inboxItemIs(2, func(it inbox.Item) bool { return it.State == inbox.Acknowledged && it.AckedBy != "" }))},
		{name: "ack without a reason", configure: on, setup: saveInboxAlerts, method: "POST", path: "/api/v1/alerts/2/ack", headers: jsonHeaders("analyst"),
			body: `{"reason":"   "}`, wantStatus: http.StatusBadRequest, wantCode: bulwark.EINVALID, wantField: "reason",
			after: both(noAuditWith("alert."), inboxItemIs(2, func(it inbox.Item) bool { return it.State == inbox.Open }))},
		{name: "ack as viewer", configure: on, setup: saveInboxAlerts, method: "POST", path: "/api/v1/alerts/2/ack", headers: jsonHeaders("viewer"),
			body: `{"reason":"x"}`, wantStatus: http.StatusForbidden, after: inboxItemIs(2, func(it inbox.Item) bool { return it.State == inbox.Open })},
		{name: "ack twice", configure: on, setup: func(t *testing.T, e *env) {
			saveInboxAlerts(t, e)
			if _, err := e.db.AckInboxItem(context.Background(), 2, "token:x", "first", e.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}, method: "POST", path: "/api/v1/alerts/2/ack", headers: jsonHeaders("analyst"),
			body: `{"reason":"again"}`, wantStatus: http.StatusConflict, wantCode: bulwark.ECONFLICT, after: noAuditWith("alert.")},
		{name: "ack critical Safe alert by a token naming no person is refused", configure: withInbox(true), setup: saveInboxAlerts, method: "POST",
			path: "/api/v1/alerts/1/ack", headers: jsonHeaders("analyst"), body: `{"reason":"our upgrade"}`,
			wantStatus: http.StatusForbidden, wantCode: bulwark.EFORBIDDEN, wantMsg: []string{"--person"}},
		{name: "ack critical screening alert needs no second person", configure: withInbox(true), setup: saveInboxAlerts, method: "POST",
			path: "/api/v1/alerts/3/ack", headers: jsonHeaders("analyst"), body: `{"reason":"customer offboarded"}`, wantStatus: http.StatusOK},
	})
}

// TestAlertAckDualControl: an analyst's acknowledgement of a critical
// Safe alert waits (202); a second person approves with a WebAuthn
// assertion; the alert is then acknowledged in the requester's name, for
// their reason, audited as under dual control.
func TestAlertAckDualControl(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var alerts *inbox.Service
	var dual *approval.Service
	e := newEnv(t, func(c *Config) {
		withInbox(true)(c)
		alerts = c.Inbox
		dual = c.Inbox.Dual.(*approval.Service)
		dual.Verifier = approval.VerifierFunc(func(context.Context, string, []byte, []byte) error { return nil })
		dual.Handle(approval.AlertAck, alerts.AckExecutor())
	})
	saveInboxAlerts(t, e)
	// The requester's token names its person: one that does not may not ask.
	secret, ana, err := e.auth.Create(ctx, "ana-token", auth.RoleAnalyst, auth.CreateOptions{Person: "ana"})
	if err != nil {
		t.Fatal(err)
	}
	rec := e.do("POST", "/api/v1/alerts/1/ack", map[string]string{"Authorization": "Bearer " + secret, "Content-Type": "application/json"}, `{"reason":"our own upgrade, ticket 9"}`)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("ack: %d %s", rec.Code, rec.Body)
	}
	rs, err := e.db.ApprovalRequests(ctx, approval.Filter{State: approval.Pending, Limit: 10})
	if err != nil || len(rs) != 1 {
		t.Fatalf("requests %+v, %v", rs, err)
	}
	r := rs[0]
	if !strings.Contains(r.Summary, `Reason: "our own upgrade, ticket 9"`) || !strings.Contains(r.Summary, "critical Safe alert 1") {
		t.Errorf("summary %q", r.Summary)
	}
	approver := approval.Principal{Actor: "user:7", Person: "bob", Role: auth.RoleAnalyst, User: "bob"}
	if _, _, err := dual.Challenge(ctx, r.ID, approver); err != nil {
		t.Fatal(err)
	}
	if _, err := dual.Approve(ctx, r.ID, approver, []byte(`{"id":"x"}`)); err != nil {
		t.Fatal(err)
	}
	it, err := e.db.InboxItem(ctx, 1)
	if err != nil || it.State != inbox.Acknowledged || it.AckedBy != "token:"+ana.ID || it.AckReason != "our own upgrade, ticket 9" {
		t.Fatalf("after approval: %+v, %v", it, err)
	}
	found := false
	for _, en := range e.auditEntries() {
		if en.Action == inbox.ActionAck && en.Target == "alert:1" {
			found = strings.Contains(string(en.Details), `"dualControl":true`)
		}
	}
	if !found {
		t.Errorf("no alert.ack entry under dual control")
	}
}
