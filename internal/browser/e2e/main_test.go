package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/browser"
	"github.com/bulwark-sec/bulwark/internal/testtree"
)

// binEnv names a bulwark binary to test instead of building one from the
// tree (a release build, say).
const binEnv = "BULWARK_BROWSER_BIN"

// chromium is the package's one browser.
var chromium browser.Shared

// console is the package's shared server: built, seeded (seed) and
// started by the first test that needs it, stopped after the last.
var console struct {
	once sync.Once
	dir  string
	srv  *browser.Server
	err  error
}

func TestMain(m *testing.M) {
	browser.Progress("internal/browser/e2e: start")
	code := m.Run()
	if console.srv != nil {
		if err := console.srv.Stop(); err != nil {
			browser.Progress("stopping bulwark serve: %v", err)
		}
	}
	if console.dir != "" {
		os.RemoveAll(console.dir)
	}
	chromium.Close()
	browser.Progress("internal/browser/e2e: done")
	os.Exit(code)
}

// start returns the browser and the shared server (skipping the test
// without Chromium, before anything is built).
func start(t testing.TB) (*browser.Browser, *browser.Server) {
	t.Helper()
	testtree.Depends(t) // the binary is built from cmd/bulwark and everything it imports
	if testing.Short() {
		t.Skip("builds and starts bulwark serve and Chromium; skipped in -short mode")
	}
	b := chromium.Get(t)
	console.once.Do(func() {
		console.dir, console.err = os.MkdirTemp("", "bulwark-browser-e2e-")
		if console.err != nil {
			return
		}
		bin := os.Getenv(binEnv)
		if bin == "" {
			browser.Progress("building the bulwark binary")
			if bin, console.err = browser.Build(console.dir); console.err != nil {
				return
			}
		}
		data := filepath.Join(console.dir, "data")
		browser.Progress("seeding the data directory: trace cases (4 and %d addresses), lists named with markup", bigCaseNodes)
		if console.err = seed(bin, data); console.err != nil {
			return
		}
		browser.Progress("starting bulwark serve")
		// The scenarios' people approve seconds after enrolling: no
		// cooling-off (docs/people.md#cooling-off).
		console.srv, console.err = browser.StartServer(bin, data, "--cooling-off", "0")
		if console.err == nil {
			browser.Progress("bulwark serve listening at %s", console.srv.URL)
		}
	})
	if console.err != nil {
		t.Fatal(console.err)
	}
	return b, console.srv
}

// The server answers the browser at http://localhost:PORT: the name
// WebAuthn needs (a relying party is a domain), mapped to the loopback
// address serve listens on.
func TestServerAnswersTheBrowserAtLocalhost(t *testing.T) {
	t.Parallel()
	b, srv := start(t)
	p := b.NewPage(t, srv.URL, "anyone")
	if st := p.Status("/healthz"); st != 200 {
		t.Fatalf("GET /healthz in the browser: %d", st)
	}
	if body := strings.TrimSpace(p.Body()); body != `{"status":"ok"}` {
		t.Fatalf("/healthz reads %q", body)
	}
	if srv.Token == "" {
		t.Fatalf("no first admin token in %s:\n%s", srv.DataDir, srv.Log())
	}
	p.NoProblems()
}
