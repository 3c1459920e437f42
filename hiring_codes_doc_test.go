package bulwark_test

import (
	"cmp"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/bulwark-sec/bulwark/hiring"
)

// TestDocsHiringCodes: every flag code the hiring rules raise has a row in
// the hiring guide (docs/hiring.md), with its indicator and severity, where
// users look up what to do about it; docs/hiring-rules.md holds the weights
// (hiring's TestRulesDocumented).
func TestDocsHiringCodes(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("docs", "hiring.md"))
	if err != nil {
		t.Fatal(err)
	}
	rules := hiring.Rules()
	if len(rules) < 20 {
		t.Fatalf("only %d rules", len(rules))
	}
	known := map[string]bool{}
	for _, r := range rules {
		known[r.Code] = true
	}
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z][A-Z_]+)` \\|").FindAllSubmatch(raw, -1) {
		if !known[string(m[1])] {
			t.Errorf("docs/hiring.md has a row for %s, which no rule raises any more", m[1])
		}
	}
	for _, r := range rules {
		row := "(?m)^\\| `" + regexp.QuoteMeta(r.Code) + "` \\| " + regexp.QuoteMeta(cmp.Or(r.Indicator, "lists")) + " \\| " + string(r.Severity) + " \\| [^|]+ \\| [^|]+ \\|$"
		if !regexp.MustCompile(row).Match(raw) {
			t.Errorf("docs/hiring.md has no row for %s (%s, %s) with what it sees and what to do", r.Code, cmp.Or(r.Indicator, "lists"), r.Severity)
		}
	}
}
