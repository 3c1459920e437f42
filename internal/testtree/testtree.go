package testtree

import (
	"os"
	"testing"
)

// Env is the environment variable make test sets to the digest of the
// source tree.
const Env = "BULWARK_TEST_TREE"

// Depends records that tb depends on the whole source tree: go test's
// cache keeps tb's package result only while Env holds the same digest.
// It returns the digest ("" outside make test).
func Depends(tb testing.TB) string {
	tb.Helper()
	return os.Getenv(Env)
}
