package scan

import (
	"context"
	"strings"
	"testing"
)

// rawDetector reports every file, leaving File empty or set raw.
type rawDetector struct{ setFile bool }

func (rawDetector) ID() string          { return "RAW" }
func (rawDetector) Applies(string) bool { return true }
func (d rawDetector) Detect(f *File) []Finding {
	x := Finding{Rule: "RAW-FINDING", Severity: SeverityLow, Line: 1, Snippet: "x"}
	if d.setFile {
		x.File = f.Path
	}
	return []Finding{x}
}

// TestFindingPathsAreSafe: every finding's File, whether from a rule of
// any type, a registered detector type or a detector, is the path escaped
// by SafePath: a crafted file name cannot put terminal escapes or line
// breaks into the report.
func TestFindingPathsAreSafe(t *testing.T) {
	t.Parallel()
	reg, err := NewRegistry(RuleType{Name: "raw", New: func(*Rule) (Detector, error) { return rawDetector{setFile: true}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ParseRules("t.yaml", []byte(`version: 1
rules:
  - id: T-REGEX
    target: "**"
    type: regex
    regex: 'eval'
    severity: high
    why: "test"
  - id: T-JSON
    target: "**/*.json"
    type: json_keys
    keys: ["scripts.postinstall"]
    severity: high
    why: "test"
  - id: T-EXISTS
    target: "**"
    type: exists
    severity: info
    why: "test"
  - id: T-EXCEPT
    target: "**/.*"
    type: exists_except
    allow: [".git"]
    severity: info
    why: "test"
  - id: T-RAW
    target: "**"
    type: raw
    severity: low
    why: "test"
`), reg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewScanner(Options{Rules: rs, Detectors: []Detector{rawDetector{}, rawDetector{setFile: true}}})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"a\x1b]8;;http://x\x07b\x1b[2J\r\nFAKE.js", ".ev\u202eil\n.json", `back\slash` + "\x9b31m.js"}
	var files []*File
	for _, n := range names {
		files = append(files, &File{Path: n, Data: []byte(`{"scripts": {"postinstall": "eval"}}`)})
	}
	rep, err := s.ScanFiles(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	safe := map[string]bool{}
	for _, n := range names {
		safe[SafePath(n)] = true
	}
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		seen[f.Rule] = true
		if !safe[f.File] {
			t.Errorf("%s: file %q is not a SafePath of a scanned name", f.Rule, f.File)
		}
		if strings.ContainsAny(f.File+f.Snippet, "\x1b\x07\r\n\u202e\u009b") {
			t.Errorf("%s: raw control character in %q / %q", f.Rule, f.File, f.Snippet)
		}
	}
	for _, id := range []string{"T-REGEX", "T-JSON", "T-EXISTS", "T-EXCEPT", "RAW-FINDING"} {
		if !seen[id] {
			t.Errorf("no %s finding", id)
		}
	}
}
