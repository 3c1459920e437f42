package e2e

import (
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/browser"
)

// TestFalsePositiveRulingWaitsForASecondPerson: ruling a screening match
// a false positive clears money, so it waits for a second person's
// passkey. An analyst screens an address that an own list names (a match
// for review); the ruling is asked for; the match stays for review while
// the request is pending on /approvals; a second analyst reads there
// exactly what was asked, approves with the passkey, and the match is
// then shown as ruled.
//
// The analyst asks on the decision page, so the requester is a person
// who cannot approve her own request.
func TestFalsePositiveRulingWaitsForASecondPerson(t *testing.T) {
	t.Parallel()
	b, srv := start(t)
	fran := signIn(t, b, srv, "fran", "analyst")
	screen := func(p *browser.Page) {
		p.Go("/screening")
		p.Fill("#address", xssAddress)
		p.ClickAndLoad(`[data-testid="screen-address-submit"]`)
		p.WaitVisible(`[data-testid="address-decision"]`)
	}
	// The own list "xss-named" names the address with confidence unknown:
	// a match for review.
	matchRow := `[data-testid="address-decision"] [data-testid="matches"] tr[data-entity]`
	named := `Array.from(document.querySelectorAll('` + matchRow + `')).find(r => r.cells[0].innerText.trim() === "xss-named")`
	screen(fran)
	entity := browser.Eval[string](fran, named+`.dataset.entity`)
	decision := browser.Eval[string](fran, `document.querySelector('[data-testid="address-decision"] a[href^="/screening/decisions/"]').innerText.trim()`)
	if row := browser.Eval[string](fran, named+`.innerText`); !strings.Contains(strings.ToLower(row), "review") {
		t.Fatalf("the xss-named match is not for review: %q", row)
	}

	// The ruling is asked for on the decision's page: the form redirects
	// to the request, pending a second person, and the requester is not
	// offered the approval ceremony.
	fran.Go("/screening/decisions/" + decision)
	form := `form[data-testid="false-positive-form"][data-entity="` + entity + `"]`
	fran.Fill(form+` textarea[name="reason"]`, "our own test wallet")
	fran.ClickAndLoad(form + ` [data-testid="false-positive-submit"]`)
	loc := fran.Location()
	k := strings.Index(loc, "/approvals/")
	if k < 0 {
		t.Fatalf("asking for the ruling opened %s, want /approvals/{id}", loc)
	}
	id := loc[k+len("/approvals/"):]
	if got := browser.Eval[string](fran, `document.querySelector('[data-testid="approval"]').dataset.state`); got != "pending" {
		t.Fatalf("the request's state is %q, want pending", got)
	}
	if n := fran.Count("#approve-passkey"); n != 0 {
		t.Fatalf("the requester is offered the approval ceremony")
	}

	// Pending: the match is still for review, not ruled.
	screen(fran)
	if row := browser.Eval[string](fran, named+`.innerText`); strings.Contains(row, "ruled") {
		t.Fatalf("the match is ruled before anyone approved: %q", row)
	}

	// The second person finds it on /approvals and reads what was asked.
	gus := signIn(t, b, srv, "gus", "analyst")
	gus.Go("/approvals")
	row := `[data-testid="approval-row"][data-action="screen.false-positive"][data-state="pending"]`
	gus.WaitVisible(row)
	gus.ClickAndLoad(row + ` [data-testid="approval-link"]`)
	if got := browser.Eval[string](gus, `document.querySelector('[data-testid="approval"]').dataset.state`); got != "pending" {
		t.Fatalf("the request's state is %q, want pending", got)
	}
	if !strings.Contains(gus.Location(), "/approvals/"+id) {
		t.Fatalf("the queue's link opened %s, want the request %s", gus.Location(), id)
	}
	summary := gus.Text(`[data-testid="approval-summary"]`)
	// The summary names the address and the entity, whose name (markup
	// from the list file) reads as text here too.
	if !strings.Contains(strings.ToLower(summary), strings.ToLower(xssAddress)) || !strings.Contains(summary, xssName) {
		t.Errorf("the summary does not name the address %s and the entity %q as text:\n%s", xssAddress, xssName, summary)
	}
	gus.Shot("the ruling waits")

	// Approved with the passkey: the ruling is made, once.
	// (webauthn.js opens the next page once the server took the assertion.)
	gus.ClickAndLoad("#approve-passkey")
	gus.Go("/approvals/" + id)
	if got := browser.Eval[string](gus, `document.querySelector('[data-testid="approval"]').dataset.state`); got != "executed" {
		t.Fatalf("after the passkey the request is %q:\n%s", got, gus.Text(`[data-testid="approval"]`))
	}
	if out := gus.Text(`[data-testid="approval-outcome"]`); !strings.Contains(out, "false positive") {
		t.Errorf("the outcome reads %q", out)
	}
	gus.Shot("approved")
	screen(fran)
	if row := browser.Eval[string](fran, named+`.innerText`); !strings.Contains(row, "ruled") {
		t.Errorf("after the approval the match is not shown as ruled: %q", row)
	}
	fran.NoProblems()
	gus.NoProblems()
}
