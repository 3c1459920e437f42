package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/bulwark-sec/bulwark/internal/browser"
)

// tabTo presses Tab until the focused element matches the CSS selector
// (at most 20 times), as a person without a mouse moves through a page.
func tabTo(t testing.TB, p *browser.Page, sel string) {
	t.Helper()
	for range 20 {
		if browser.Eval[bool](p, `document.activeElement !== null && document.activeElement.matches(`+"`"+sel+"`"+`)`) {
			return
		}
		p.Do("pressing Tab", chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("20 presses of Tab did not reach %s (focus on %s)", sel, browser.Eval[string](p, `document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : "nothing"`))
}

// TestSignInWithTheKeyboardAlone: a person who enrolled a passkey signs
// in without a mouse: Tab to the name, type it, Tab to the password, type
// it, Enter; on the second-factor page Tab to the passkey button and
// press Enter.
func TestSignInWithTheKeyboardAlone(t *testing.T) {
	t.Parallel()
	b, srv := start(t)
	p := signIn(t, b, srv, "kim", "viewer")
	signOut(t, p)
	p.Go("/login")
	tabTo(t, p, "#name")
	p.Do("typing the name", chromedp.KeyEvent("kim"))
	tabTo(t, p, "#password")
	p.Do("typing the password", chromedp.KeyEvent(password))
	p.Load("pressing Enter", chromedp.KeyEvent(kb.Enter))
	p.WaitVisible(`[data-testid="login-passkey"]`)
	tabTo(t, p, `[data-testid="login-passkey"]`)
	p.Load("pressing Enter on the passkey button", chromedp.KeyEvent(kb.Enter))
	signedInAs(t, p, "kim")
	p.Shot("signed in with the keyboard")
	p.NoProblems()
}
