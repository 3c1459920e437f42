package e2e

import (
	"testing"

	"github.com/bulwark-sec/bulwark/internal/browser"
)

// TestEveryPageLoadsCleanlyAtDesktopAndPhoneWidth: an admin opens every
// page of the navigation at 1280×800 and at a phone's 390×844: no script
// error, no Content-Security-Policy violation, no resource that fails to
// load, and no page wider than the phone's screen.
func TestEveryPageLoadsCleanlyAtDesktopAndPhoneWidth(t *testing.T) {
	t.Parallel()
	b, srv := start(t)
	p := signIn(t, b, srv, "ada", "admin")
	p.Go("/")
	paths := browser.Eval[[]string](p, `Array.from(document.querySelectorAll('[data-testid="nav"] a'), a => a.getAttribute("href"))`)
	if len(paths) < 6 {
		t.Fatalf("the navigation has %d pages: %q", len(paths), paths)
	}
	for _, size := range []struct{ w, h int }{{1280, 800}, {390, 844}} {
		p.Resize(size.w, size.h)
		for _, path := range paths {
			p.Go(path)
			if w := browser.Eval[int](p, `document.documentElement.scrollWidth`); w > size.w {
				t.Errorf("%s at %d px wide is %d px wide (scrolls sideways)", path, size.w, w)
			}
		}
	}
	p.NoProblems()
}
