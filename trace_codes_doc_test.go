package bulwark_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/bulwark-sec/bulwark/tracing"
)

// TestTraceCodesDocumented: every alert code the trace follower raises has
// a row in the tracing guide (docs/tracing.md), where users look up what to
// do about it, and in the reference's table (docs/tracing-reference.md).
func TestTraceCodesDocumented(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{"tracing.md", "tracing-reference.md"} {
		raw, err := os.ReadFile(filepath.Join("docs", doc))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{tracing.CodeDeposit, tracing.CodeRetracted} {
			if !regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(c) + "` \\|").Match(raw) {
				t.Errorf("docs/%s has no table row for the alert code %s", doc, c)
			}
		}
	}
}
