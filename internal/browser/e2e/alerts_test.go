package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/browser"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// TestAlertsInbox: an analyst opens the inbox holding a critical Safe
// alert (its message markup from a chain), a high one and a screening
// BLOCK; sees each severity as a word; acknowledges the high one with a
// reason and it leaves the open list; asking to acknowledge the critical
// Safe alert leads to its approval request instead, and it stays open. At
// a phone's width the page does not scroll sideways (the table scrolls
// inside its own frame).
func TestAlertsInbox(t *testing.T) {
	t.Parallel()
	b, shared := start(t)
	data := t.TempDir()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(data, "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []watch.Alert{
		{Safe: "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", Code: policy.CodeMasterCopyChange, Severity: policy.SeverityCritical, Message: "singleton changed to " + xssName},
		{Safe: "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", Code: policy.CodeGuardChange, Severity: policy.SeverityHigh, Message: "guard changed"},
	} {
		if _, err := db.SaveAlert(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.SaveScreenAlert(ctx, screening.Alert{WatchID: 1, Subject: "customer-42", Kind: "address", Verdict: bulwark.VerdictBlock,
		DecisionID: "d1", Body: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	srv, err := browser.StartServer(shared.Bin, data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })

	p := signIn(t, b, srv, "ana", "analyst")
	p.Go("/alerts")
	p.WaitVisible(`[data-testid="alerts"]`)
	if n := p.Count(`[data-testid="alert-row"]`); n != 3 {
		t.Fatalf("%d rows, want 3:\n%s", n, p.Text("main"))
	}
	sevs := browser.Eval[[]string](p, `Array.from(document.querySelectorAll('[data-testid="alert-row"]'), r => r.querySelector('.sev').innerText.trim())`)
	if strings.Join(sevs, ",") != "critical,high,critical" {
		t.Errorf("severities as shown: %q", sevs)
	}
	if d := p.Dialogs(); len(d) != 0 || !strings.Contains(p.Text("#alert-1"), xssName) {
		t.Errorf("the markup in an alert's message ran or was not shown as text: dialogs %q, row %q", d, p.Text("#alert-1"))
	}
	p.Shot("alerts inbox")

	// Acknowledge the high alert with a reason.
	p.Click(`#alert-2 details summary`)
	p.Fill(`#ack-2`, "our own guard, change ticket 7")
	p.ClickAndLoad(`#alert-2 form[action="/alerts/2/ack"] button`)
	p.WaitVisible(`[data-testid="alerts"]`)
	if n := p.Count(`#alert-2`); n != 0 {
		t.Errorf("the acknowledged alert is still in the open list")
	}
	// The critical Safe alert needs a second person.
	p.Click(`#alert-1 details summary`)
	p.Fill(`#ack-1`, "our upgrade")
	p.ClickAndLoad(`#alert-1 form[action="/alerts/1/ack"] button`)
	if loc := p.Location(); !strings.Contains(loc, "/approvals/") {
		t.Errorf("acknowledging the critical Safe alert went to %s, want its approval request", loc)
	}
	p.Shot("critical alert waits for a second person")
	// The approval pages are the dual-control console's; until they are
	// served the request's page answers 404, which is not this test's.
	p.ForgetProblems()

	p.Go("/alerts?state=all")
	if st := browser.Eval[string](p, `document.querySelector('#alert-1').dataset.state`); st != "open" {
		t.Errorf("the critical Safe alert is %q before a second person approved", st)
	}
	p.Resize(390, 844)
	p.WaitFor("the phone-width layout", `document.documentElement.clientWidth === 390`)
	if w := browser.Eval[int](p, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("at 390 px wide the page is %d px wide (scrolls sideways)", w)
	}
	p.Shot("alerts inbox at phone width")
	p.NoProblems()
}
