package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/browser"
)

// bybitLaundering is the first address of the FBI's Bybit laundering list
// (PSA I-022625-PSA), in the embedded fbi-dprk list: screening it blocks.
const bybitLaundering = "0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D"

// TestSanctionedAddressBlocksWithItsList: screening an address of the
// FBI's Bybit laundering list says BLOCK and names the list.
func TestSanctionedAddressBlocksWithItsList(t *testing.T) {
	t.Parallel()
	b, srv := start(t)
	p := signIn(t, b, srv, "sam", "analyst")
	p.Go("/screening")
	p.Fill("#address", bybitLaundering)
	p.ClickAndLoad(`[data-testid="screen-address-submit"]`)
	dec := `[data-testid="address-decision"]`
	p.WaitVisible(dec)
	if v := browser.Eval[string](p, `document.querySelector('[data-testid="address-decision"]').dataset.verdict`); v != "block" {
		t.Errorf("verdict %q, want block:\n%s", v, p.Text(dec))
	}
	if h := p.Text(dec + " h2"); !strings.Contains(strings.ToUpper(h), "BLOCK") {
		t.Errorf("the verdict heading reads %q, want it to say BLOCK", h)
	}
	lists := p.Text(dec + ` [data-testid="matches"]`)
	if !strings.Contains(lists, "fbi-dprk") {
		t.Errorf("the matches do not name the list fbi-dprk:\n%s", lists)
	}
	p.NoProblems()
}

// TestImportedListNamesStayInert: entities whose names are markup
// (imported from list files before the server started: an address file's
// "# name:" line and a CSV's label) are shown as text in a match and on
// the lists' pages: no dialog opens, no element is made from them, and the
// text reads as imported.
func TestImportedListNamesStayInert(t *testing.T) {
	t.Parallel()
	b, srv := start(t)
	p := signIn(t, b, srv, "xavier", "admin") // admin: the audit log too
	p.Go("/screening")
	for _, id := range []string{"xss-named", "xss-labelled"} {
		if lists := p.Text(`[data-testid="lists"]`); !strings.Contains(lists, id) {
			t.Errorf("the lists in force do not show %s:\n%s", id, lists)
		}
	}
	p.Fill("#address", xssAddress)
	p.ClickAndLoad(`[data-testid="screen-address-submit"]`)
	names := browser.Eval[[]string](p, `Array.from(document.querySelectorAll('[data-testid="address-decision"] [data-testid="entity-name"]'), e => e.textContent)`)
	for _, want := range []string{xssName, xssLabel} {
		if !slices.Contains(names, want) {
			t.Errorf("the matches' entity names %q do not show %q as text", names, want)
		}
	}
	p.Go("/screening/lists/xss-named")
	p.Go("/screening/lists/xss-labelled")
	p.Go("/audit")
	if n := p.Count(`main img, main script:not([src]), [onerror], [onmouseover]`); n != 0 {
		t.Errorf("%d elements were made from imported names", n)
	}
	if d := p.Dialogs(); len(d) != 0 {
		t.Fatalf("stored XSS ran: dialogs %q", d)
	}
	p.NoProblems()
}
