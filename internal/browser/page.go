package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// DefaultTimeout bounds each step a Page waits for. Generous: the machine
// is shared, and a step that succeeds returns as soon as its signal comes.
const DefaultTimeout = 45 * time.Second

// quiet is how long the network must have had no request in flight for
// WaitIdle to call it idle (Puppeteer's networkidle0 waits 500 ms).
const quiet = 300 * time.Millisecond

// Page is one tab of the browser, in a browser context of its own (its
// own cookies and storage), for one test. Its methods fail the test when
// what they wait for does not come within Timeout.
type Page struct {
	t       testing.TB
	ctx     context.Context
	cancel  context.CancelFunc
	label   string
	base    string
	dir     string
	Timeout time.Duration

	mu       sync.Mutex
	shots    int
	inflight map[network.RequestID]string
	changed  chan struct{} // closed and replaced whenever inflight or dialogs change
	dialogs  []string
	problems []string
}

// NewPage opens a tab for tb in a new browser context; base is the
// server's URL that Go's paths are relative to; label names the tab's
// screenshots (one person of a scenario: "alice", "approver"). The tab
// closes when tb ends, after a screenshot if tb failed.
func (b *Browser) NewPage(tb testing.TB, base, label string) *Page {
	tb.Helper()
	dir, err := b.testDir(tb.Name())
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	p := &Page{t: tb, ctx: ctx, cancel: cancel, label: label, base: strings.TrimRight(base, "/"), dir: dir,
		Timeout: DefaultTimeout, inflight: map[network.RequestID]string{}, changed: make(chan struct{})}
	// Opens the tab, at the console's smallest desktop size.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(Viewport.Width), int64(Viewport.Height))); err != nil {
		cancel()
		tb.Fatalf("browser: opening a tab: %v", err)
	}
	if err := chromedp.Listen(ctx, p.observe); err != nil {
		cancel()
		tb.Fatal(err)
	}
	tb.Cleanup(cancel)
	tb.Cleanup(func() {
		if tb.Failed() {
			p.shot("failure")
		}
	})
	return p
}

// observe runs in the tab's event loop, for every event in order: it
// keeps the requests in flight, the dialogs (dismissed at once, from
// another goroutine: a dialog blocks the page) and the problems.
func (p *Page) observe(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		p.inflight[ev.RequestID] = ev.Request.URL
		p.bump()
	case *network.EventLoadingFinished:
		delete(p.inflight, ev.RequestID)
		p.bump()
	case *network.EventLoadingFailed:
		if _, ok := p.inflight[ev.RequestID]; ok {
			delete(p.inflight, ev.RequestID)
			p.bump()
		}
	case *page.EventJavascriptDialogOpening:
		p.dialogs = append(p.dialogs, string(ev.Type)+": "+ev.Message)
		p.bump()
		go func() {
			_, _ = chromedp.Call(p.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}()
	case *runtime.EventExceptionThrown:
		msg := ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			msg += " " + ev.ExceptionDetails.Exception.Description
		}
		p.problems = append(p.problems, "exception: "+msg)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			p.problems = append(p.problems, "console."+string(ev.Type)+": "+strings.Join(parts, " "))
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError && !ignoredLogEntry(ev.Entry) {
			p.problems = append(p.problems, fmt.Sprintf("browser log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	}
}

// ignoredLogEntry: the one error a page does not cause, the favicon the
// browser asks for by itself.
func ignoredLogEntry(e *log.Entry) bool {
	return e.Source == log.EntrySourceNetwork && strings.HasSuffix(e.URL, "/favicon.ico")
}

// bump tells the waiters that the requests in flight or the dialogs
// changed (p.mu held).
func (p *Page) bump() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// Resize sets the tab's viewport (a phone's width: 390×844), for the
// screenshots and layout checks that follow.
func (p *Page) Resize(width, height int) {
	p.t.Helper()
	p.Do(fmt.Sprintf("resizing to %dx%d", width, height), chromedp.EmulateViewport(int64(width), int64(height)))
}

// OnNewDocument has js run in every document the tab loads from now on,
// before the page's own scripts (a measurement's observers; DevTools
// scripts are not subject to the page's Content-Security-Policy).
func (p *Page) OnNewDocument(js string) {
	p.t.Helper()
	if _, err := chromedp.Call(p.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: js}); err != nil {
		p.t.Fatalf("browser (%s): adding a script to new documents: %v", p.label, err)
	}
}

// Context is the tab's chromedp context, for what Page has no method for.
func (p *Page) Context() context.Context { return p.ctx }

// URL returns base + path.
func (p *Page) URL(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return p.base + path
}

// Do runs actions within the page's timeout, failing the test (with what
// it was doing) on an error.
func (p *Page) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, p.Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("browser (%s): %s: %v", p.label, what, err)
	}
}

// Eval evaluates a JavaScript expression in the page (awaiting a promise)
// and decodes its value into T.
func Eval[T any](p *Page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, p.Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("browser (%s): evaluating %q: %v", p.label, expr, err)
	}
	return v
}

// Go opens path (relative to the server's URL, or a whole URL), waits for
// the page to load and the network to fall quiet, and saves a screenshot.
func (p *Page) Go(path string) {
	p.t.Helper()
	p.Do("opening "+path, chromedp.Navigate(p.URL(path)))
	p.WaitIdle()
	p.Shot(path)
}

// Status opens path and returns the HTTP status of the document.
func (p *Page) Status(path string) int64 {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, p.Timeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(p.URL(path)))
	if err != nil {
		p.t.Fatalf("browser (%s): opening %s: %v", p.label, path, err)
	}
	p.WaitIdle()
	return resp.Status
}

// WaitIdle waits until no request has been in flight for a while (the
// page's own fetches and htmx swaps included).
func (p *Page) WaitIdle() {
	p.t.Helper()
	deadline := time.After(p.Timeout)
	for {
		p.mu.Lock()
		n, changed := len(p.inflight), p.changed
		var pending []string
		for _, u := range p.inflight {
			pending = append(pending, u)
		}
		p.mu.Unlock()
		if n == 0 {
			select {
			case <-changed: // a request started: wait again
				continue
			case <-time.After(quiet):
				return
			case <-deadline:
				p.t.Fatalf("browser (%s): the network did not fall quiet", p.label)
			}
		}
		select {
		case <-changed:
		case <-deadline:
			p.t.Fatalf("browser (%s): requests still in flight after %v: %s", p.label, p.Timeout, strings.Join(pending, ", "))
		}
	}
}

// Click clicks the first element matching the CSS selector once it is
// visible.
func (p *Page) Click(sel string) {
	p.t.Helper()
	p.Do("clicking "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// ClickAndLoad clicks the element and waits for the page it leads to (a
// link or a form posted without htmx) to load, then for the network to
// fall quiet, and saves a screenshot named after the click.
func (p *Page) ClickAndLoad(sel string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, p.Timeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil,
		chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)))
	if err != nil {
		p.t.Fatalf("browser (%s): clicking %s and waiting for the next page: %v", p.label, sel, err)
	}
	p.WaitIdle()
	p.Shot("after " + sel)
}

// Load runs trigger (a key press, a script) and waits for the page it
// leads to to load, then for the network to fall quiet.
func (p *Page) Load(what string, trigger chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, p.Timeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, trigger)); err != nil {
		p.t.Fatalf("browser (%s): %s and waiting for the next page: %v", p.label, what, err)
	}
	p.WaitIdle()
}

// Fill types text into the field matching the CSS selector, replacing
// what it held.
func (p *Page) Fill(sel, text string) {
	p.t.Helper()
	p.Do("filling "+sel, chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%s).value = ""`, jsString(sel))),
		chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible))
}

// SetValue sets a field's value directly (for long texts: pasting a
// transaction's JSON), and fires its input and change events.
func (p *Page) SetValue(sel, value string) {
	p.t.Helper()
	p.Do("setting "+sel, chromedp.SetValue(chromedp.CSS(sel), value, chromedp.NodeVisible),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.querySelector(%s);
			e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); })()`, jsString(sel))))
}

// WaitVisible waits until an element matching the CSS selector is
// visible.
func (p *Page) WaitVisible(sel string) {
	p.t.Helper()
	p.Do("waiting for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// WaitGone waits until no element matches the CSS selector.
func (p *Page) WaitGone(sel string) {
	p.t.Helper()
	p.Do("waiting for "+sel+" to go", chromedp.WaitNotPresent(chromedp.CSS(sel)))
}

// Text returns the visible text (innerText) of the first element
// matching the CSS selector, once it is visible.
func (p *Page) Text(sel string) string {
	p.t.Helper()
	p.WaitVisible(sel)
	return Eval[string](p, fmt.Sprintf(`document.querySelector(%s).innerText`, jsString(sel)))
}

// WaitText waits until the visible text of an element matching the CSS
// selector contains want (it watches the page's changes), and returns that
// text.
func (p *Page) WaitText(sel, want string) string {
	p.t.Helper()
	expr := fmt.Sprintf(`(() => { for (const e of document.querySelectorAll(%s)) { if (e.innerText.includes(%s)) return e.innerText; } return null; })()`,
		jsString(sel), jsString(want))
	ctx, cancel := context.WithTimeout(p.ctx, p.Timeout)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Poll[string](expr, chromedp.WithPollingTimeout(0)))
	if err != nil {
		got := Eval[string](p, fmt.Sprintf(`Array.from(document.querySelectorAll(%s), e => e.innerText).join(" | ")`, jsString(sel)))
		p.t.Fatalf("browser (%s): waiting for %q in %s: %v; the text there: %q", p.label, want, sel, err, got)
	}
	return text
}

// WaitFor waits until the JavaScript expression is truthy (evaluated at
// each animation frame).
func (p *Page) WaitFor(what, expr string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, p.Timeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(0))); err != nil {
		p.t.Fatalf("browser (%s): waiting for %s (%s): %v", p.label, what, expr, err)
	}
}

// Count returns how many elements match the CSS selector now.
func (p *Page) Count(sel string) int {
	p.t.Helper()
	return Eval[int](p, fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(sel)))
}

// Location returns the page's URL.
func (p *Page) Location() string {
	p.t.Helper()
	return Eval[string](p, `location.href`)
}

// Body returns the page's visible text.
func (p *Page) Body() string {
	p.t.Helper()
	return Eval[string](p, `document.body ? document.body.innerText : ""`)
}

// Dialogs returns the JavaScript dialogs (alert, confirm, prompt) the page
// opened so far, each as "type: message".
func (p *Page) Dialogs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.dialogs...)
}

// WaitDialogs waits until the page has opened n dialogs, and returns
// them.
func (p *Page) WaitDialogs(n int) []string {
	p.t.Helper()
	deadline := time.After(p.Timeout)
	for {
		p.mu.Lock()
		got, changed := append([]string(nil), p.dialogs...), p.changed
		p.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-changed:
		case <-deadline:
			p.t.Fatalf("browser (%s): waiting for %d dialogs, saw %q", p.label, n, got)
		}
	}
}

// Problems returns the uncaught exceptions, console errors and browser-log
// errors (a Content Security Policy violation, a resource that failed to
// load) seen so far.
func (p *Page) Problems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.problems...)
}

// ForgetProblems drops the problems seen so far: after a step whose
// refusal the test expects (a wrong code answered 401 is a resource that
// failed to load).
func (p *Page) ForgetProblems() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.problems = nil
}

// NoProblems fails the test if the page opened a dialog or reported a
// problem.
func (p *Page) NoProblems() {
	p.t.Helper()
	if d := p.Dialogs(); len(d) > 0 {
		p.t.Errorf("browser (%s): the page opened dialogs: %q", p.label, d)
	}
	if pr := p.Problems(); len(pr) > 0 {
		p.t.Errorf("browser (%s): the page reported problems:\n  %s", p.label, strings.Join(pr, "\n  "))
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Shot saves a screenshot of the whole page as
// <artifacts>/<test>/<NN>-<label>-<name>.png and returns its path.
func (p *Page) Shot(name string) string {
	p.t.Helper()
	path, err := p.shot(name)
	if err != nil {
		p.t.Fatalf("browser (%s): screenshot %s: %v", p.label, name, err)
	}
	return path
}

// ShotElement saves a screenshot of the first element matching the CSS
// selector, named as Shot names them, and returns its path.
func (p *Page) ShotElement(sel, name string) string {
	p.t.Helper()
	path, err := p.save(name, chromedp.Screenshot(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("browser (%s): screenshot of %s: %v", p.label, sel, err)
	}
	return path
}

func (p *Page) shot(name string) (string, error) {
	return p.save(name, chromedp.FullScreenshot(100))
}

func (p *Page) save(name string, take chromedp.Action[[]byte]) (string, error) {
	p.mu.Lock()
	p.shots++
	n := p.shots
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(p.ctx, p.Timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, take)
	if err != nil {
		return "", err
	}
	file := fmt.Sprintf("%02d-%s-%s.png", n, p.label, strings.Trim(unsafeName.ReplaceAllString(name, "_"), "_"))
	path := filepath.Join(p.dir, file)
	return path, os.WriteFile(path, png, 0o644)
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals; JSON is JavaScript
	return string(b)
}
