package scan

import (
	"archive/tar"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
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

// TestCaseCollisionsAndLinks: paths a case-insensitive file system makes
// one file, and symbolic links to credentials, browser profiles, wallets,
// system folders or out of the tree, are reported (never followed); a
// link inside the tree and distinct names are not.
func TestCaseCollisionsAndLinks(t *testing.T) {
	t.Parallel()
	tgz := write(t, "take-home.tgz", gz(t, tarOf(t,
		ent{name: "package/package.json", body: `{"name": "a"}`},
		ent{name: "package/Package.json", body: `{"name": "a", "scripts": {"postinstall": "node x.js"}}`},
		ent{name: "package/.vscode/tasks.json", body: `{}`},
		ent{name: "package/.VSCode/tasks.json", body: `{}`},
		ent{name: "package/src/Util.js", body: "1"},
		ent{name: "package/src/util.JS", body: "2"},
		ent{name: "package/src/a.js", body: "1"},
		ent{name: "package/src/b.js", body: "1"},
		ent{name: "package/keys", typ: tar.TypeSymlink, link: "../../../../.ssh"},
		ent{name: "package/passwd", typ: tar.TypeSymlink, link: "/etc/passwd"},
		ent{name: "package/aws", typ: tar.TypeSymlink, link: "~/.aws/credentials"},
		ent{name: "package/chrome", typ: tar.TypeSymlink, link: "/Users/dev/Library/Application Support/Google/Chrome/Default"},
		ent{name: "package/wallet", typ: tar.TypeSymlink, link: `C:\Users\dev\AppData\Roaming\Exodus\exodus.wallet`},
		ent{name: "package/tmp", typ: tar.TypeSymlink, link: "/tmp/build"},
		ent{name: "package/up", typ: tar.TypeSymlink, link: "../../sibling"},
		ent{name: "package/lib/index.js", typ: tar.TypeSymlink, link: "../src/a.js"},
		ent{name: "package/wallet.json", typ: tar.TypeSymlink, link: "src/wallet.json"},
	)))
	rs, err := ParseRules("t.yaml", []byte("version: 1\nrules: []\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewScanner(Options{Rules: rs, Detectors: []Detector{}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Scan(context.Background(), tgz)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range rep.Findings {
		got[f.File] = f.Rule + " " + string(f.Severity)
		if f.Explanation == "" || f.Snippet == "" {
			t.Errorf("%s %s: no snippet or explanation", f.Rule, f.File)
		}
	}
	want := map[string]string{
		"package/Package.json":       RulePathCaseCollision + " high",
		"package/.VSCode/tasks.json": RulePathCaseCollision + " high",
		"package/src/util.JS":        RulePathCaseCollision + " medium",
		"package/keys":               RuleSymlinkSensitive + " high",
		"package/passwd":             RuleSymlinkSensitive + " high",
		"package/aws":                RuleSymlinkSensitive + " high",
		"package/chrome":             RuleSymlinkSensitive + " high",
		"package/wallet":             RuleSymlinkSensitive + " high",
		"package/tmp":                RuleSymlinkOutside + " medium",
		"package/up":                 RuleSymlinkOutside + " medium",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("findings\n got %v\nwant %v", got, want)
	}
	if rep.Verdict != bulwark.VerdictBlock {
		t.Errorf("verdict %s, want block", rep.Verdict)
	}
}
