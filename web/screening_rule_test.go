package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/screening"
)

// TestFalsePositiveForm: the decision page offers an analyst a ruling
// form per match (a viewer none); posting it asks through Dispose, is held
// for dual control and redirects to the approval request, which the
// queue lists; a viewer's post is refused 403 and asks nothing.
func TestFalsePositiveForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 3)
	ctx := context.Background()
	dual := &approval.Service{Store: e.db, Audit: e.log}
	sc, err := screening.OpenService(ctx, screening.ServiceConfig{Store: e.db, Audit: e.log, Dual: dual,
		Defaults: func() ([]*screening.List, error) { return testLists(), nil }})
	must(t, err)
	t.Cleanup(func() { _ = sc.Close(ctx) })
	e.svc.Screening, e.svc.Approvals = sc, dual
	e.c = newTestConsole(t, e.svc)
	d, err := sc.ScreenName(ctx, "user:2", screening.UseOnboarding, "customer-7", screening.NameQuery{Name: "Lazarus Groupe"})
	must(t, err)
	page := "/screening/decisions/" + d.ID

	if body := do(t, e.c, request{path: page, session: "viewer"}).Body.String(); strings.Contains(body, "false-positive-form") {
		t.Error("a viewer is offered the false-positive form")
	}
	w := do(t, e.c, request{path: page, session: "analyst"})
	if body := w.Body.String(); !strings.Contains(body, `data-testid="false-positive-form" data-entity="ofac-sdn:27307"`) ||
		!strings.Contains(body, `action="`+page+`/false-positive"`) || !strings.Contains(body, `name="csrf" value="csrf-analyst"`) {
		t.Fatalf("the analyst's decision page has no false-positive form with its CSRF field:\n%s", body)
	}
	form := url.Values{"entity": {"ofac-sdn:27307"}, "reason": {"our own hot wallet"}}
	if w := do(t, e.c, request{method: http.MethodPost, path: page + "/false-positive", session: "viewer", form: form}); w.Code != http.StatusForbidden {
		t.Errorf("viewer's ruling: %d, want 403", w.Code)
	}
	if w := do(t, e.c, request{method: http.MethodPost, path: page + "/false-positive", session: "analyst", form: form, noCSRF: true}); w.Code != http.StatusForbidden {
		t.Errorf("ruling without the CSRF token: %d, want 403", w.Code)
	}
	if rs, _ := dual.List(ctx, approval.Pending, 10); len(rs) != 0 {
		t.Fatalf("refused posts asked for approval: %d requests", len(rs))
	}
	bad := url.Values{"entity": {"ofac-sdn:666"}, "reason": {"x"}}
	if w := do(t, e.c, request{method: http.MethodPost, path: page + "/false-positive", session: "analyst", form: bad}); w.Code != http.StatusBadRequest {
		t.Errorf("a ruling of an entity the decision did not match: %d, want 400", w.Code)
	}
	w = do(t, e.c, request{method: http.MethodPost, path: page + "/false-positive", session: "analyst", form: form})
	rs, err := dual.List(ctx, approval.Pending, 10)
	must(t, err)
	if len(rs) != 1 || rs[0].Action != approval.FalsePositive || rs[0].Requester != "user:2" || !strings.Contains(rs[0].Summary, "our own hot wallet") {
		t.Fatalf("pending requests after the ruling: %+v", rs)
	}
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/approvals/"+rs[0].ID {
		t.Fatalf("ruling answered %d Location %q, want 303 to /approvals/%s", w.Code, w.Header().Get("Location"), rs[0].ID)
	}
	if body := do(t, e.c, request{path: "/approvals", session: "admin"}).Body.String(); !strings.Contains(body, rs[0].ID) {
		t.Errorf("/approvals does not list request %s", rs[0].ID)
	}
}
