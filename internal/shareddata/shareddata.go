// Package shareddata locates the project's shared public data folder for
// tests: ../shared/data next to the module root. Tests that need a dataset
// call [Path] and are skipped with a message naming the missing file when
// the folder is absent (a bare clone), never failed.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the shared data folder (<module root>/../shared/data) and
// whether it exists. It walks up from the working directory to the
// directory holding go.mod.
func Root() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
	root := filepath.Join(dir, "..", "shared", "data")
	if st, err := os.Stat(root); err != nil || !st.IsDir() {
		return root, false
	}
	return root, true
}

// Path returns the path of a file or folder under the shared data folder
// (elements joined with filepath.Join) and skips the test when it does not
// exist.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	root, _ := Root()
	p := filepath.Join(append([]string{root}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("%s is absent: this test reads public data from the shared data folder next to the module (../shared/data); skipping", p)
	}
	return p
}
