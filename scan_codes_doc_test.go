package bulwark_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/scan"
)

// TestScanCodesDocumented: every rule id the repository scanner can
// report, those of the built-in rule file and those the Go detectors set,
// has a row in a table of the scanner's guide (docs/scanning.md), where a
// developer looks up what was attempted and what to do.
func TestScanCodesDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("docs", "scanning.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	row := regexp.MustCompile("(?m)^\\| `([A-Z0-9][A-Z0-9_-]*)`")
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		rows[m[1]] = true
	}
	reg, err := scan.DetectorRegistry(scan.DetectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := scan.DefaultRules(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules.Rules {
		if !rows[r.ID] {
			t.Errorf("docs/scanning.md has no table row for the built-in rule %s (%s)", r.ID, r.Severity)
		}
	}
	for _, id := range detectorRuleIDs(t) {
		if !rows[id] {
			t.Errorf("docs/scanning.md has no table row for the detector finding %s", id)
		}
	}
}

// detectorRuleIDs returns the rule ids the Go detectors and the scanner
// itself give their findings, read from their source (scan/*.go): the
// string literals set as a Finding's Rule, assigned to a variable named
// rule or given to a constant named Rule… (RuleScanIncomplete).
func detectorRuleIDs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("scan", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	lit := regexp.MustCompile(`(?:\bRule:\s*|\brule(?:, sev)? :?= |\bRule[A-Z][A-Za-z]*\s+= )"([A-Z0-9][A-Z0-9-]+)"`)
	seen := map[string]bool{}
	var ids []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(src), -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				ids = append(ids, m[1])
			}
		}
	}
	// A floor, so that a change of how the detectors name their rules
	// fails here instead of checking nothing.
	if len(ids) < 12 {
		t.Fatalf("found only %d detector rule ids in scan/*.go (%v): update detectorRuleIDs", len(ids), ids)
	}
	return ids
}
