package scan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// TestCapKeepsSevereFindings: past MaxFindings harmless findings, a
// critical one found last is still in the report, the verdict counts
// every finding, and the report says it was capped.
func TestCapKeepsSevereFindings(t *testing.T) {
	t.Parallel()
	const rules = `  - id: NOISE
    target: "**/*.txt"
    type: exists
    severity: info
    why: noise
  - id: MEH
    target: "**/*.md"
    type: exists
    severity: medium
    why: meh
  - id: BAD
    target: "**/*.js"
    type: regex
    regex: 'eval\(r\.data\)'
    severity: critical
    why: bad
`
	var files []*File
	for i := range MaxFindings + 1 {
		files = append(files, &File{Path: fmt.Sprintf("a/%05d.txt", i)})
	}
	files = append(files, &File{Path: "b/x.md"}, &File{Path: "z/loader.js", Data: []byte("get(u).then(r=>eval(r.data))\n")})
	rep := scanMem(t, rules, files...)
	if rep.Verdict != bulwark.VerdictBlock {
		t.Errorf("verdict %s, want block", rep.Verdict)
	}
	if len(rep.Findings) != MaxFindings || !rep.Capped {
		t.Errorf("%d findings, capped %v; want %d, capped", len(rep.Findings), rep.Capped, MaxFindings)
	}
	var sawBad, sawMeh bool
	for _, f := range rep.Findings {
		sawBad = sawBad || f.Rule == "BAD"
		sawMeh = sawMeh || f.Rule == "MEH"
	}
	if !sawBad || !sawMeh {
		t.Errorf("critical kept %v, medium kept %v; want both", sawBad, sawMeh)
	}
	want := map[Severity]int{SeverityInfo: MaxFindings + 1, SeverityMedium: 1, SeverityCritical: 1}
	for sev, n := range want {
		if rep.Counts[sev] != n {
			t.Errorf("counts %v, want %v", rep.Counts, want)
			break
		}
	}
	if len(rep.Skipped) == 0 || !strings.Contains(rep.Skipped[len(rep.Skipped)-1], "3 findings past 10000 were left out") {
		t.Errorf("skipped %q", rep.Skipped)
	}
}

// TestCapKeepsEveryHighFinding: high and critical findings are never
// dropped, even past MaxFindings.
func TestCapKeepsEveryHighFinding(t *testing.T) {
	t.Parallel()
	rules := "  - id: HI\n    target: \"**/*.js\"\n    type: exists\n    severity: high\n    why: hi\n  - id: LO\n    target: \"**/*.txt\"\n    type: exists\n    severity: low\n    why: lo\n"
	var files []*File
	for i := range 10 {
		files = append(files, &File{Path: fmt.Sprintf("t%d.txt", i)})
	}
	for i := range MaxFindings + 5 {
		files = append(files, &File{Path: fmt.Sprintf("h%05d.js", i)})
	}
	rep := scanMem(t, rules, files...)
	if len(rep.Findings) != MaxFindings+5 || !rep.Capped || rep.Counts[SeverityLow] != 10 {
		t.Errorf("%d findings, capped %v, counts %v", len(rep.Findings), rep.Capped, rep.Counts)
	}
	for _, f := range rep.Findings {
		if f.Rule != "HI" {
			t.Fatalf("kept %+v", f)
		}
	}
}

// TestDefaultScannerRunsDetectors: NewScanner(Options{}), what the command
// line and the API build, runs the Go detectors besides the rules, and a
// dependency's source is reported once (by the detector), not also by a
// rule at another severity.
func TestDefaultScannerRunsDetectors(t *testing.T) {
	t.Parallel()
	s, err := NewScanner(Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.ScanFiles(t.Context(), []*File{{Path: "package.json", Data: []byte(`{
  "dependencies": {
    "react-plaid-sdk": "1.0.0",
    "a": "git+https://example.com/a.git",
    "b": "http://45.61.136.10/b.tgz"
  }
}
`)}})
	if err != nil {
		t.Fatal(err)
	}
	perLine := map[int][]string{}
	for _, f := range rep.Findings {
		perLine[f.Line] = append(perLine[f.Line], f.Rule+" "+string(f.Severity))
	}
	want := map[int][]string{
		3: {"KNOWN-MALICIOUS-DEPENDENCY critical"},
		4: {"DEP-URL-SOURCE medium"},
		5: {"DEP-RAW-IP-SOURCE high"},
	}
	if fmt.Sprint(perLine) != fmt.Sprint(want) {
		t.Errorf("findings by line %v, want %v", perLine, want)
	}
	if rep.Verdict != bulwark.VerdictBlock {
		t.Errorf("verdict %s", rep.Verdict)
	}
}
