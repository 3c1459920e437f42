package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Viewport is the window size pages are shown at unless a test asks for
// another: the console's smallest desktop size.
var Viewport = struct{ Width, Height int }{1280, 800}

// Browser is one headless Chromium, shared by the tests of a package: each
// test opens its own Page in a browser context of its own.
type Browser struct {
	ctx         context.Context // the browser's first tab; pages are its children
	cancel      context.CancelFunc
	allocCancel context.CancelFunc
	artifacts   string

	mu      sync.Mutex
	cleaned map[string]bool // test directories under artifacts emptied in this run
}

// Options are what Launch needs.
type Options struct {
	// Exec is the Chromium executable (Require finds it).
	Exec string
	// Artifacts is where screenshots go (ArtifactsDir when empty).
	Artifacts string
}

// Launch starts a headless Chromium. Close ends it.
func Launch(o Options) (*Browser, error) {
	if o.Exec == "" {
		return nil, errors.New("browser: no Chromium executable given")
	}
	if o.Artifacts == "" {
		dir, err := ArtifactsDir()
		if err != nil {
			return nil, err
		}
		o.Artifacts = dir
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(o.Exec),
		chromedp.WindowSize(Viewport.Width, Viewport.Height),
		chromedp.DisableGPU,
		// Chromium's sandbox needs user namespaces, which containers and
		// root (CI runs as root) do not give it.
		chromedp.NoSandbox,
		// The console is reached as http://localhost:PORT (WebAuthn takes
		// a domain, not an IP address, as the relying party): localhost
		// is the IPv4 loopback the server listens on, whatever the
		// resolver says.
		chromedp.Flag("host-resolver-rules", "MAP localhost 127.0.0.1"),
		chromedp.Flag("lang", "en-GB"),
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// The first Do starts the browser, whose life is bound to the context
	// it is given: ctx, never one with a timeout (the exec allocator gives
	// up by itself when Chromium does not answer).
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		allocCancel()
		return nil, fmt.Errorf("browser: starting %s: %w", o.Exec, err)
	}
	return &Browser{ctx: ctx, cancel: cancel, allocCancel: allocCancel, artifacts: o.Artifacts, cleaned: map[string]bool{}}, nil
}

// Close ends the browser.
func (b *Browser) Close() {
	if b == nil {
		return
	}
	b.cancel()
	b.allocCancel()
}

// Shared launches one browser for a package's tests on first use; the
// package's TestMain calls Close after m.Run.
type Shared struct {
	once, skipped sync.Once
	b             *Browser
	err           error
}

// Get returns the package's browser, launching it on the first call
// (Require: skipped, or failed under CI=true, without Chromium; the first
// skip is also said as a Progress line, which make test shows).
func (s *Shared) Get(tb testing.TB) *Browser {
	tb.Helper()
	if Chromium() == "" && os.Getenv("CI") != "true" {
		s.skipped.Do(func() { Progress("%s", Skipped) })
	}
	exec := Require(tb)
	s.once.Do(func() {
		Progress("launching %s", exec)
		s.b, s.err = Launch(Options{Exec: exec})
		if s.err == nil {
			Progress("browser up")
		}
	})
	if s.err != nil {
		tb.Fatal(s.err)
	}
	return s.b
}

// Close ends the browser if one was launched.
func (s *Shared) Close() {
	s.b.Close()
}

// started is when the package's tests began, for Progress.
var started = time.Now()

// Progress prints a line "browser tests +12.3s: …" to stderr: make test
// shows these lines as they come, so that the browser tests' cost is seen.
func Progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "browser tests +%.1fs: "+format+"\n", append([]any{time.Since(started).Seconds()}, args...)...)
}

// ArtifactsDir is where screenshots are saved: $BULWARK_BROWSER_ARTIFACTS,
// else .test-artifacts/browser/ at the module root (git-ignored).
func ArtifactsDir() (string, error) {
	if d := os.Getenv("BULWARK_BROWSER_ARTIFACTS"); d != "" {
		return d, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, ".test-artifacts", "browser"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("browser: no go.mod above the working directory; set BULWARK_BROWSER_ARTIFACTS")
		}
		dir = parent
	}
}

// testDir returns the screenshot directory of a test, emptied the first
// time a page of that test asks for it in this run.
func (b *Browser) testDir(name string) (string, error) {
	clean := strings.NewReplacer("/", "__", " ", "_", ":", "_").Replace(name)
	dir := filepath.Join(b.artifacts, clean)
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.cleaned[dir] {
		if err := os.RemoveAll(dir); err != nil {
			return "", err
		}
		b.cleaned[dir] = true
	}
	return dir, os.MkdirAll(dir, 0o755)
}
