package scan

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCleanPackagesTableInDocs: the table of findings on clean packages in
// docs/scanning.md says what the golden file of TestCorpusCleanPackages
// holds (files, verdict, medium, low, info, by rule), so the guide cannot
// drift from what the scanner reports on those packages.
func TestCleanPackagesTableInDocs(t *testing.T) {
	t.Parallel()
	golden, err := os.ReadFile(filepath.Join("testdata", "golden", "clean-packages.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	var order []string
	for i, line := range strings.Split(strings.TrimSpace(string(golden)), "\n") {
		c := strings.Split(line, "\t")
		if i == 0 || len(c) != 10 {
			continue
		}
		files, err := strconv.Atoi(c[1])
		if err != nil {
			t.Fatalf("golden line %d: files %q", i+1, c[1])
		}
		rules := c[9]
		if rules == "" {
			rules = "—"
		}
		want[c[0]] = strings.Join([]string{c[0], thousands(files), c[3], c[6], c[7], c[8], rules}, " | ")
		order = append(order, c[0])
	}
	docs, err := os.ReadFile(filepath.Join("..", "docs", "scanning.md"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(string(docs), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "| ") || !strings.HasSuffix(line, " |") {
			continue
		}
		row := strings.TrimSuffix(strings.TrimPrefix(line, "| "), " |")
		name, _, _ := strings.Cut(row, " | ")
		if _, ok := want[name]; ok {
			got[name] = row
		}
	}
	for _, name := range order {
		if got[name] != want[name] {
			t.Errorf("docs/scanning.md's row for %s:\n  %s\nthe golden file says:\n  %s", name, got[name], want[name])
		}
	}
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
