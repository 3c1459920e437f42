package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/screening"
)

// inboxEnv is newEnv's console with the alerts inbox (dual control on
// acknowledging a critical Safe alert), and n more alerts stored in one
// transaction: Safe alerts of every severity in turn, every fifth a
// screening BLOCK.
func inboxEnv(t testing.TB, n int) *env {
	t.Helper()
	e := newEnv(t, 3)
	e.svc.Inbox = &inbox.Service{Store: e.db, Audit: e.log, Dual: &approval.Service{Store: e.db, Audit: e.log}}
	sevs := []policy.Severity{policy.SeverityCritical, policy.SeverityHigh, policy.SeverityMedium, policy.SeverityLow, policy.SeverityInfo}
	ctx := context.Background()
	if n > 0 {
		_, err := e.log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
			for i := range n {
				if i%5 == 4 {
					if _, err := e.db.SaveScreenAlert(ctx, screening.Alert{WatchID: int64(i), Subject: fmt.Sprintf("customer-%d", i), Kind: "address",
						Verdict: bulwark.VerdictBlock, DecisionID: fmt.Sprintf("d%d", i), Body: json.RawMessage(`{}`)}); err != nil {
						return audit.Event{}, err
					}
					continue
				}
				if _, err := e.db.SaveAlert(ctx, watch.Alert{Block: uint64(i), Safe: bybitSafe, Code: policy.CodeGuardChange, Severity: sevs[i%5],
					Message: fmt.Sprintf("guard changed (%d)", i)}); err != nil {
					return audit.Event{}, err
				}
			}
			return audit.Event{Actor: "test", Action: "test.seed"}, nil
		})
		must(t, err)
	}
	var err error
	e.c, err = New(Config{Sessions: testPrincipals, Version: "test", Services: e.svc})
	must(t, err)
	return e
}

func TestAlertsPage(t *testing.T) {
	t.Parallel()
	e := inboxEnv(t, 0) // alert 1: the held transaction, high, its message the injection name
	w := do(t, e.c, request{path: "/alerts", session: "viewer"})
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, `data-testid="alerts"`) || !strings.Contains(body, `data-severity="high"`) ||
		!strings.Contains(body, `sev-icon`) || !strings.Contains(body, `href="/safe"`) {
		t.Fatalf("viewer: %d\n%s", w.Code, body)
	}
	checkHeaders(t, w)
	if strings.Contains(body, xssPayload) || !strings.Contains(body, "held for review: &lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("the alert's message is not inert:\n%s", body)
	}
	if strings.Contains(body, `action="/alerts/1/ack"`) {
		t.Errorf("a viewer is offered the acknowledgement form")
	}
	w = do(t, e.c, request{path: "/alerts", session: "analyst"})
	if body = w.Body.String(); !strings.Contains(body, `action="/alerts/1/ack"`) || !strings.Contains(body, `name="csrf" value="csrf-analyst"`) ||
		!strings.Contains(body, `<textarea id="ack-1" name="reason" required`) {
		t.Fatalf("analyst: no forms\n%s", body)
	}
	if w = do(t, e.c, request{path: "/alerts?severity=critical", session: "viewer"}); !strings.Contains(w.Body.String(), `data-testid="no-alerts"`) {
		t.Errorf("severity filter: %s", w.Body.String())
	}
	if w = do(t, e.c, request{path: "/alerts?severity=urgent", session: "viewer"}); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "unknown severity") {
		t.Errorf("bad filter: %d %s", w.Code, w.Body.String())
	}
	if w = do(t, e.c, request{path: "/alerts"}); w.Code != http.StatusSeeOther {
		t.Errorf("signed out: %d", w.Code)
	}
}

func TestAlertsForms(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := inboxEnv(t, 5) // 2..6: critical, high, medium, low Safe alerts, a screening BLOCK
	state := func(id int64) inbox.Item {
		it, err := e.db.InboxItem(ctx, id)
		must(t, err)
		return it
	}
	post := func(session, path string, form url.Values, noCSRF bool) int {
		return do(t, e.c, request{method: http.MethodPost, path: path, session: session, form: form, noCSRF: noCSRF}).Code
	}
	if c := post("analyst", "/alerts/3/ack", url.Values{"reason": {"x"}}, true); c != http.StatusForbidden || state(3).State != inbox.Open {
		t.Errorf("without CSRF: %d, %+v", c, state(3))
	}
	if c := post("viewer", "/alerts/3/ack", url.Values{"reason": {"x"}}, false); c != http.StatusForbidden || state(3).State != inbox.Open {
		t.Errorf("viewer: %d", c)
	}
	if c := post("analyst", "/alerts/3/ack", url.Values{"reason": {"  "}}, false); c != http.StatusBadRequest || state(3).State != inbox.Open {
		t.Errorf("no reason: %d", c)
	}
	w := do(t, e.c, request{method: http.MethodPost, path: "/alerts/3/ack", session: "analyst", form: url.Values{"reason": {"our guard upgrade"}, "back": {"/alerts?state=all"}}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/alerts?state=all#alert-3" {
		t.Fatalf("ack: %d %v", w.Code, w.Header())
	}
	if it := state(3); it.State != inbox.Acknowledged || it.AckReason != "our guard upgrade" || it.AckedBy != "user:2" {
		t.Errorf("acknowledged: %+v", it)
	}
	w = do(t, e.c, request{method: http.MethodPost, path: "/alerts/4/assign", session: "analyst", form: url.Values{"assignee": {"bob"}, "back": {"https://evil.example/"}}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/alerts#alert-4" || state(4).Assignee != "bob" {
		t.Errorf("assign: %d %v %+v", w.Code, w.Header(), state(4))
	}
	// A critical Safe alert waits for a second person: to the request.
	w = do(t, e.c, request{method: http.MethodPost, path: "/alerts/2/ack", session: "analyst", form: url.Values{"reason": {"ours"}}})
	if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/approvals/") || state(2).State != inbox.Open {
		t.Errorf("critical ack: %d %q %+v", w.Code, loc, state(2))
	}
	// The screening BLOCK is critical but not about a Safe: closed at once.
	if c := post("analyst", "/alerts/6/ack", url.Values{"reason": {"offboarded"}}, false); c != http.StatusSeeOther || state(6).State != inbox.Acknowledged {
		t.Errorf("screening ack: %d", c)
	}
	body := do(t, e.c, request{path: "/alerts?state=all", session: "viewer"}).Body.String()
	if !strings.Contains(body, "<q>our guard upgrade</q>") || !strings.Contains(body, `href="/screening/decisions/d4"`) {
		t.Errorf("state=all page:\n%s", body)
	}
}

func TestAlertsPaging(t *testing.T) {
	t.Parallel()
	e := inboxEnv(t, 120)
	w := do(t, e.c, request{path: "/alerts?kind=safe.alert", session: "viewer"})
	body := w.Body.String()
	if n := strings.Count(body, `data-testid="alert-row"`); n != inbox.DefaultLimit {
		t.Fatalf("rows = %d", n)
	}
	if !strings.Contains(body, `href="/alerts?cursor=`) || !strings.Contains(body, "kind=safe.alert") || strings.Contains(body, "screening.alert</td>") {
		t.Errorf("next page link:\n%s", body)
	}
}
