package scan

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scanDir scans dir with rules (a YAML list), no detectors, and lim.
func scanDir(t *testing.T, rules string, dets []Detector, lim Limits, dir string) *Report {
	t.Helper()
	rs, err := ParseRules("t.yaml", []byte("version: 1\nrules:\n"+rules), nil)
	if err != nil {
		t.Fatal(err)
	}
	if dets == nil {
		dets = []Detector{}
	}
	s, err := NewScanner(Options{Rules: rs, Detectors: dets, Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Scan(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// writeFiles writes name→content under a new temporary folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestScanCountsFilesOnce: a file handed over in several windows counts
// once in Files, and its bytes once in Bytes (the windows' overlap is not
// counted twice).
func TestScanCountsFilesOnce(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("// "+strings.Repeat("x", 60)+"\n", (1<<20)/64) // 1 MiB
	dir := writeFiles(t, map[string]string{"long.js": long, "small.js": "let a = 1\n"})
	lim := Limits{MaxFileBytes: 64 << 10, MaxTotalBytes: 64 << 20, MaxFiles: 100, MaxDepth: 3, MaxRatio: 100}
	rep := scanDir(t, "  []", nil, lim, dir)
	if rep.Files != 2 {
		t.Errorf("Files = %d, want 2 (one per file, not per window)", rep.Files)
	}
	if want := int64(len(long) + len("let a = 1\n")); rep.Bytes != want {
		t.Errorf("Bytes = %d, want %d", rep.Bytes, want)
	}
}

// TestRuleLinesInLaterWindows: a rule's match in a later window of a file
// longer than the 4 MiB window is reported at its line in the file, and a
// match in the overlap of two windows is reported once.
func TestRuleLinesInLaterWindows(t *testing.T) {
	t.Parallel()
	const lineLen = 64
	pad := "// " + strings.Repeat("x", lineLen-4) + "\n"
	hit := "eval(fetched)" + strings.Repeat(" ", lineLen-len("eval(fetched)")-1) + "\n"
	lines := make([]string, 0, (5<<20)/lineLen)
	// Line numbers (1-based) of the hits: one in the overlap of the first
	// two windows (the second starts 4 KiB before the first ends), one
	// well inside the second window.
	inOverlap := (DefaultMaxFileBytes-2<<10)/lineLen + 1
	later := (4<<20+512<<10)/lineLen + 1
	for n := 1; n <= (5<<20)/lineLen; n++ {
		if n == inOverlap || n == later {
			lines = append(lines, hit)
			continue
		}
		lines = append(lines, pad)
	}
	dir := writeFiles(t, map[string]string{"server.js": strings.Join(lines, "")})
	rep := scanDir(t, `  - id: T-EVAL
    target: "**/*.js"
    type: regex
    regex: 'eval\(fetched\)'
    severity: high
    why: "test"
`, nil, Limits{}, dir)
	var got []int
	for _, f := range rep.Findings {
		if f.Rule == "T-EVAL" {
			got = append(got, f.Line)
		}
	}
	if len(got) != 2 || got[0] != inOverlap || got[1] != later {
		t.Errorf("T-EVAL at lines %v, want [%d %d]", got, inOverlap, later)
	}
	if rep.Counts[SeverityHigh] != 2 {
		t.Errorf("counts %v, want 2 high", rep.Counts)
	}
}

// TestWholeFileRulesOnceOnFirstWindow: rules that read the whole document
// (json_keys, json_regex, exists, exists_except, regex_count) run once
// per file, on its first window, not once per window; a JSON file cut to
// the window says so (SCAN-INCOMPLETE names it: its rules saw only the
// start).
func TestWholeFileRulesOnceOnFirstWindow(t *testing.T) {
	t.Parallel()
	// A package.json of 256 KiB (four 64 KiB windows): the script is in
	// the first window, a long description follows.
	pkg := `{"scripts": {"postinstall": "node x.js"}, "description": "` + strings.Repeat("a", 256<<10) + `"}` + "\n"
	js := strings.Repeat("var _0x1a2b = 1;\n", (256<<10)/17)
	dir := writeFiles(t, map[string]string{"package.json": pkg, ".hidden/tool.js": js})
	lim := Limits{MaxFileBytes: 64 << 10, MaxTotalBytes: 64 << 20, MaxFiles: 100, MaxDepth: 3, MaxRatio: 100}
	rep := scanDir(t, `  - id: T-JSON-REGEX
    target: "**/package.json"
    type: json_regex
    key: 'scripts\.postinstall'
    regex: '.'
    severity: low
    why: "test"
  - id: T-JSON-KEYS
    target: "**/package.json"
    type: json_keys
    keys: ["scripts.postinstall"]
    severity: low
    why: "test"
  - id: T-EXISTS
    target: "**/package.json"
    type: exists
    severity: info
    why: "test"
  - id: T-EXCEPT
    target: "**/.*/**"
    type: exists_except
    allow: [".git"]
    severity: info
    why: "test"
  - id: T-COUNT
    target: "**/*.js"
    type: regex_count
    regex: '_0x[0-9a-f]{4}'
    min_count: 10
    severity: low
    why: "test"
`, nil, lim, dir)
	n := map[string]int{}
	var incomplete []Finding
	for _, f := range rep.Findings {
		n[f.Rule] += 1 + f.More
		if f.Rule == RuleScanIncomplete {
			incomplete = append(incomplete, f)
		}
	}
	for _, id := range []string{"T-JSON-REGEX", "T-JSON-KEYS", "T-EXISTS", "T-EXCEPT", "T-COUNT"} {
		if n[id] != 1 {
			t.Errorf("%s reported %d times, want once (findings %v)", id, n[id], n)
		}
	}
	if len(incomplete) != 1 || !strings.Contains(incomplete[0].Snippet, "package.json") {
		t.Fatalf("want a %s finding naming package.json, whose JSON rules saw only its start; got %+v", RuleScanIncomplete, incomplete)
	}
	if strings.Contains(incomplete[0].Snippet, "tool.js") {
		t.Errorf("tool.js has no whole-document rule and was read whole: %q", incomplete[0].Snippet)
	}
}
