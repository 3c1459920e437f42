package browser

import (
	"os"
	"os/exec"
	"testing"
)

// ChromiumEnv names the environment variable that overrides where the
// Chromium executable is.
const ChromiumEnv = "BULWARK_CHROMIUM"

// missing says that there is no Chromium and how to get one and run the
// browser tests.
const missing = "Chromium not found (/usr/bin/chromium, chromium on the PATH, or $" + ChromiumEnv + "): " +
	"install Debian's chromium (`sudo apt-get install chromium`, or `make test-deps` as root), " +
	"then run `make test` or `go test ./internal/browser/...`"

// Chromium returns the path of the Chromium executable: $BULWARK_CHROMIUM
// when set, else /usr/bin/chromium, else chromium or chromium-browser on
// the PATH; "" when there is none.
func Chromium() string {
	if p := os.Getenv(ChromiumEnv); p != "" {
		if isExecutable(p) {
			return p
		}
		return ""
	}
	if isExecutable("/usr/bin/chromium") {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// Require returns the Chromium executable. Without one the test is
// skipped with a line saying how to run it, except under CI=true, where a
// missing browser fails the test: CI must run the browser tests.
func Require(tb testing.TB) string {
	tb.Helper()
	p := Chromium()
	if p != "" {
		return p
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal("CI=true: the browser tests must run, but " + missing +
			" (scripts/install-test-deps.sh installs it when run as root)")
	}
	tb.Skip(Skipped)
	return ""
}

// Skipped is the line a browser test skipped for want of Chromium gives.
const Skipped = "browser tests skipped: " + missing
