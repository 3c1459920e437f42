package scan

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

func scanMem(t *testing.T, rules string, files ...*File) *Report {
	t.Helper()
	rs, err := ParseRules("t.yaml", []byte("version: 1\nrules:\n"+rules), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewScanner(Options{Rules: rs, Detectors: []Detector{}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.ScanFiles(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestRegexLinesCapAndOrder(t *testing.T) {
	t.Parallel()
	rules := `  - id: EVIL
    type: regex
    target: "**/*.{js,ts}"
    exclude: "vendor/**"
    regex: 'evil\(\d\)'
    unless: '\(9\)'
    severity: medium
    why: w
`
	var b strings.Builder
	b.WriteString("ok\n")
	for i := range 6 {
		b.WriteString("x = evil(" + string(rune('0'+i)) + ")\n")
	}
	b.WriteString("evil(9) // harmless\n")
	rep := scanMem(t, rules,
		&File{Path: "src/b.ts", Data: []byte(b.String())},
		&File{Path: "src/a.js", Data: []byte("evil(1)")},
		&File{Path: "vendor/c.js", Data: []byte("evil(1)")},
		&File{Path: "src/d.py", Data: []byte("evil(1)")},
	)
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.File+":"+itoa(f.Line)+" "+f.Snippet+" +"+itoa(f.More))
	}
	want := []string{"src/a.js:1 evil(1) +0", "src/b.ts:2 x = evil(0) +0", "src/b.ts:3 x = evil(1) +0", "src/b.ts:4 x = evil(2) +3"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rep.Verdict != bulwark.VerdictReview || rep.Files != 4 {
		t.Fatalf("verdict %s files %d", rep.Verdict, rep.Files)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestJSONCKeysAndRegex(t *testing.T) {
	t.Parallel()
	rules := `  - id: TASK
    type: json_regex
    target: "**/.vscode/tasks.json"
    key: 'tasks\.\d+\.runOptions\.runOn'
    regex: '^folderOpen$'
    severity: critical
    why: w
  - id: LIFE
    type: json_keys
    target: "**/package.json"
    keys: ["scripts.postinstall", "bin.*"]
    severity: high
    why: w
`
	tasks := `// VS Code tasks, with comments
{
  "version": "2.0.0",
  /* block
     comment */
  "tasks": [
    {
      'label': "build",
      runOptions: { "runOn": "folderOpen", },
    },
  ],
}
`
	pkg := `{"name": "x", "scripts": {"test": "jest", "postinstall": "node setup.js"}, "bin": {"x": "cli.js"}}`
	rep := scanMem(t, rules, &File{Path: ".vscode/tasks.json", Data: []byte(tasks)}, &File{Path: "package.json", Data: []byte(pkg)})
	want := []string{
		`.vscode/tasks.json:9 TASK tasks.0.runOptions.runOn: "folderOpen"`,
		`package.json:1 LIFE bin.x: "cli.js"`,
		`package.json:1 LIFE scripts.postinstall: "node setup.js"`,
	}
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.File+":"+itoa(f.Line)+" "+f.Rule+" "+f.Snippet)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rep.Verdict != bulwark.VerdictBlock {
		t.Fatalf("verdict %s", rep.Verdict)
	}
}

func TestSanitize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a\tb", "a b"},
		{"esc\x1b[31mred", `esc\u001B[31mred`},
		{"bidi\u202eevil\u2066", `bidi\u202Eevil\u2066`},
		{"zw\u200bsp\ufeff", `zw\u200Bsp\uFEFF`},
		{"tag\U000E0041", `tag\U000E0041`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"emoji ✓ é", "emoji ✓ é"},
		{"a;" + strings.Repeat(" ", 300) + "eval(x)", "a;[300 spaces]eval(x)"},
		{strings.Repeat("x", 200), strings.Repeat("x", 160) + "…"},
	} {
		if got := sanitize(tc.in, MaxSnippetChars); got != tc.want {
			t.Errorf("sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestGlob(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		glob, path string
		want       bool
	}{
		{"**/package.json", "package.json", true},
		{"**/package.json", "a/b/package.json", true},
		{"**/package.json", "a.zip!/package/package.json", true},
		{"**/package.json", "a/package.json5", false},
		{"**/*.{js,ts}", "src/x.ts", true},
		{"**/*.{js,ts}", "src/x.tsx", false},
		{"**/.vscode/*.json", "p/.vscode/tasks.json", true},
		{"**/.vscode/*.json", "p/.vscode/x/tasks.json", false},
		{"**/node_modules/**", "node_modules/a/b.js", true},
		{"**/node_modules/**", "src/node_modules_x/b.js", false},
		{"src/**/*.js", "src/a.js", true},
		{"src/**/*.js", "src/a/b/c.js", true},
		{"**/.husky/_/**", ".husky/_/husky.sh", true},
		{"**/postcss.config.*", "web/postcss.config.mjs", true},
		{"**/file[0-9].txt", "file7.txt", true},
		{"**/file[!0-9].txt", "file7.txt", false},
	} {
		g, err := compileGlob(tc.glob)
		if err != nil {
			t.Fatal(err)
		}
		if got := g.match(tc.path); got != tc.want {
			t.Errorf("%s ~ %s = %v, want %v", tc.glob, tc.path, got, tc.want)
		}
	}
}

func TestRequiredLiterals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ re, want string }{
		{`abc`, "abc"},
		{`:(1224|2245)\b`, ":1224|:2245"},
		{`(spawn|exec)\(\s*x`, "spawn(|exec("},
		{`a*b`, "b"},
		{`\w+`, ""},
		{`(?i)abc`, ""},
		{`\S {150,}\S`, strings.Repeat(" ", 149)},
	} {
		var got []string
		for _, l := range requiredLiterals(tc.re) {
			got = append(got, string(l))
		}
		if strings.Join(got, "|") != tc.want {
			t.Errorf("requiredLiterals(%q) = %q, want %q", tc.re, got, tc.want)
		}
	}
}

func TestExistsExcept(t *testing.T) {
	t.Parallel()
	rules := `  - id: HIDDEN
    type: exists_except
    target: ["**/.*", "**/.*/**"]
    allow: [".gitignore", ".github", ".eslintrc*"]
    severity: info
    why: w
`
	rep := scanMem(t, rules,
		&File{Path: ".gitignore"}, &File{Path: ".github/workflows/ci.yml"}, &File{Path: "src/.eslintrc.json"},
		&File{Path: ".n2/payload.py"}, &File{Path: ".n2/other.py"}, &File{Path: "lib/.npl"}, &File{Path: "src/index.js"},
		&File{Path: ".github/.secret"},
	)
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.File+" "+f.Snippet)
	}
	want := []string{".n2 .n2/", "lib/.npl lib/.npl"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestEngineWorkLinearOnLongLines: the engine's work on a 512 KiB
// single-line file (what a zip member carries for a few kB) made of the
// rules' literals repeated is a bounded number of passes over the file per
// rule (linear in its size), not a pass over the line per occurrence (some
// 9,000 occurrences here: a quadratic engine would make thousands of
// passes). The bound counts bytes, not time, so the size only needs to be
// well above the passes allowed; the full 4 MiB window costs eight times
// the CPU (half a minute under the race detector) and proves no more.
func TestEngineWorkLinearOnLongLines(t *testing.T) {
	t.Parallel()
	rs, err := DefaultRules(nil)
	if err != nil {
		t.Fatal(err)
	}
	unit := "x http://45.61.136.10:1224/c :1224 eval(r.data) process.env "
	const size = 512 << 10
	fs := &fileState{f: &File{Path: "src/a.js", Data: []byte(strings.Repeat(unit, size/len(unit)+1)[:size])}}
	var out []Finding
	rules := 0
	for _, r := range rs.Rules {
		if r.Type == TypeRegex || r.Type == TypeRegexCount {
			out = fs.evalRule(r, out)
			rules++
		}
	}
	if len(out) == 0 {
		t.Fatal("no findings: the input does not exercise the rules")
	}
	if passes := fs.work / size; passes > 6*rules {
		t.Errorf("work %d bytes on %d bytes: %d passes over the file for %d rules, want at most %d", fs.work, size, passes, rules, 6*rules)
	}
	t.Logf("work %d bytes on %d bytes (%d rules, %d findings)", fs.work, size, rules, len(out))
}

// cancelType is a rule type whose detector cancels the scan's context.
func cancelType(cancel context.CancelFunc) RuleType {
	return RuleType{Name: "cancel", New: func(*Rule) (Detector, error) { return cancelDetector{cancel}, nil }}
}

type cancelDetector struct{ cancel context.CancelFunc }

func (cancelDetector) ID() string               { return "CANCEL" }
func (cancelDetector) Applies(string) bool      { return true }
func (d cancelDetector) Detect(*File) []Finding { d.cancel(); return nil }

// TestScanStopsWithinAFile: a scan whose context is cancelled while a file
// is being scanned stops before the file's next rule and returns the
// context's error.
func TestScanStopsWithinAFile(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	reg, err := NewRegistry(cancelType(cancel))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ParseRules("t.yaml", []byte("version: 1\nrules:\n  - id: A-CANCEL\n    type: cancel\n    target: \"**\"\n    severity: low\n    why: x\n  - id: B-ANY\n    type: exists\n    target: \"**\"\n    severity: low\n    why: x\n"), reg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewScanner(Options{Rules: rs, Detectors: []Detector{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ScanFiles(ctx, []*File{{Path: "a.js"}}); err != context.Canceled {
		t.Errorf("err %v, want context.Canceled", err)
	}
}
