package sources_test

import (
	"os"
	"os/exec"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/testtree"
)

// goRun returns a command running a Go main package with go run. The
// program is built without cgo (the commands it runs are pure Go): make
// test runs this package's tests in its race lane, where cgo is on for
// -race, and a build with cgo would compile again, C included, what its
// non-race lane (without cgo) has compiled already.
func goRun(t *testing.T, pkg string, args ...string) *exec.Cmd {
	t.Helper()
	testtree.Depends(t) // go run compiles pkg from the tree
	if testing.Short() {
		t.Skip("runs go run; skipped in -short mode")
	}
	cmd := exec.Command("go", append([]string{"run", pkg}, args...)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	return cmd
}
