package sources_test

import (
	"os/exec"
	"testing"
)

// goRun returns a command running a Go main package with go run.
func goRun(t *testing.T, pkg string, args ...string) *exec.Cmd {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go run; skipped in -short mode")
	}
	return exec.Command("go", append([]string{"run", pkg}, args...)...)
}
