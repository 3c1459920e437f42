package browser

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromium is the package's one browser.
var chromium Shared

func TestMain(m *testing.M) {
	Progress("internal/browser: start")
	code := m.Run()
	chromium.Close()
	Progress("internal/browser: done")
	os.Exit(code)
}

// site serves testdata/site under a strict Content-Security-Policy
// (live-xss.html without one, so that its script runs), and /echo, which
// answers "hello NAME" after a moment: the page's fetch is in flight
// meanwhile.
func site(t *testing.T) *httptest.Server {
	t.Helper()
	files := http.FileServer(http.Dir("testdata/site"))
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(400 * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		w.Write([]byte("hello " + r.URL.Query().Get("name")))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/live-xss.html" {
			w.Header().Set("Content-Security-Policy", "default-src 'self'")
		}
		files.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	// The browser opens it as localhost (a WebAuthn relying party is a
	// domain), which the browser maps to 127.0.0.1.
	srv.URL = strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	return srv
}

func TestPageFillsClicksAndWaitsForTheNetwork(t *testing.T) {
	t.Parallel()
	b := chromium.Get(t)
	p := b.NewPage(t, site(t).URL, "user")
	p.Go("/index.html")
	if got := p.Text("h1"); got != "Harness check" {
		t.Fatalf("h1 = %q", got)
	}
	p.Fill("#name", "Ada")
	p.Click("#go")
	// WaitIdle returns only once /echo answered: the text is there
	// without waiting on it.
	p.WaitIdle()
	if got := Eval[string](p, `document.getElementById("out").textContent`); got != "hello Ada" {
		t.Fatalf("after WaitIdle the answer is %q, want %q: WaitIdle returned with the request in flight", got, "hello Ada")
	}
	p.Fill("#name", "Grace")
	p.Click("#go")
	if got := p.WaitText("#out", "hello Grace"); got != "hello Grace" {
		t.Fatalf("WaitText = %q", got)
	}
	if got := p.Text("#inert"); got != "<img src=x onerror=alert(1)>" {
		t.Fatalf("the escaped markup reads %q", got)
	}
	shot := p.Shot("answered")
	b2, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b2, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("%s is not a PNG", shot)
	}
	if dir, _ := ArtifactsDir(); !strings.HasPrefix(shot, dir) || filepath.Base(filepath.Dir(shot)) != "TestPageFillsClicksAndWaitsForTheNetwork" {
		t.Fatalf("screenshot saved as %s, want it under %s/<test name>", shot, dir)
	}
	p.NoProblems()
}

// The detectors the scenarios rely on can fail: a live XSS opens a dialog
// (recorded, and dismissed so that the page goes on), and an inline script
// under the strict CSP is reported as a problem.
func TestPageRecordsDialogsAndCSPViolations(t *testing.T) {
	t.Parallel()
	b := chromium.Get(t)
	srv := site(t)
	p := b.NewPage(t, srv.URL, "attacker")
	p.Go("/live-xss.html")
	if d := p.WaitDialogs(1); len(d) != 1 || d[0] != "alert: 1" {
		t.Fatalf("dialogs = %q, want the one alert the live markup opens", d)
	}
	if p.Text("#name") != "" {
		t.Fatalf("the live markup left text: %q", p.Text("#name"))
	}

	q := b.NewPage(t, srv.URL, "csp")
	q.Go("/inline.html")
	if got := q.Text("#p"); got != "text" {
		t.Fatalf("the inline script ran under the CSP: %q", got)
	}
	found := false
	for _, pr := range q.Problems() {
		if strings.Contains(pr, "Content Security Policy") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no CSP violation among the problems: %q", q.Problems())
	}
}

func TestVirtualAuthenticatorCreatesAndAssertsAPasskey(t *testing.T) {
	t.Parallel()
	b := chromium.Get(t)
	p := b.NewPage(t, site(t).URL, "alice")
	auth := p.AddAuthenticator()
	p.Go("/webauthn.html")
	p.Click("#create")
	if got := p.WaitText("#out", "created"); got != "created public-key internal" {
		t.Fatalf("create: %q", got)
	}
	creds := auth.Credentials()
	if len(creds) != 1 || !creds[0].IsResidentCredential || creds[0].RpID != "localhost" || string(creds[0].UserHandle) != "alice" {
		t.Fatalf("credentials = %+v, want one resident credential of alice for localhost", creds)
	}
	p.Click("#get")
	if got := p.WaitText("#out", "asserted"); got != "asserted uv=yes user=alice" {
		t.Fatalf("get: %q", got)
	}
	p.Shot("asserted")

	// User verification refused: the ceremony fails as it would for a
	// person whose fingerprint does not match.
	auth.SetUserVerified(false)
	p.Click("#get")
	p.WaitText("#out", "get failed")
	p.NoProblems()
}

// CPUTime counts the renderer's work: a fixed amount of computation in
// the page (about 0.15 CPU-s on this machine's Xeon, whatever share of a core it
// gets: CPU time, not the wall time the machine's load stretches) adds to it.
func TestCPUTimeCountsTheRenderer(t *testing.T) {
	t.Parallel()
	b := chromium.Get(t)
	p := b.NewPage(t, site(t).URL, "spin")
	p.Go("/index.html")
	before, err := b.CPUTime()
	if err != nil {
		t.Fatal(err)
	}
	Eval[float64](p, `(() => { let x = 0; for (let i = 0; i < 3e7; i++) { x += Math.sqrt(i); } return x; })()`)
	after, err := b.CPUTime()
	if err != nil {
		t.Fatal(err)
	}
	d := after - before
	t.Logf("the computation added %v of Chromium CPU time", d)
	if d < 50*time.Millisecond {
		t.Fatalf("3e7 square roots added only %v of Chromium CPU time", d)
	}
}
