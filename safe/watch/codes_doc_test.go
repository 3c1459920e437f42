package watch

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestCodesDocumented: every alert code has a row in a table of the Safe
// guide (docs/safe.md), where users look up what to do about it.
func TestCodesDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "safe.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Codes {
		row := regexp.MustCompile("(?m)^\\| (`[A-Z_]+`, )*`" + c + "`")
		if !row.Match(doc) {
			t.Errorf("docs/safe.md has no table row for %s", c)
		}
	}
}
