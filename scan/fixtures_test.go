package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/bulwark-sec/bulwark/internal/race"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func defaultScanner(t testing.TB, walk WalkFunc) *Scanner {
	t.Helper()
	s, err := NewScanner(Options{Walk: walk})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMaliciousFixtures scans each synthetic booby-trapped repository with
// the default rules and detectors: it
// must be blocked, with the rules named here among its findings, and its
// findings must equal the golden file.
func TestMaliciousFixtures(t *testing.T) {
	t.Parallel()
	s := defaultScanner(t, nil)
	for _, tc := range []struct {
		name string
		want []string // rule ids that must be found
	}{
		{"postinstall-loader", []string{"NPM-LIFECYCLE-SCRIPT", "JS-EVAL-REMOTE-RESPONSE", "JS-ENV-SENT-OUT", "JS-HEX-DECODER"}},
		{"symlink-autorun", []string{"SYMLINK-AUTORUN", "VSCODE-AUTORUN-TASK", "NPM-LIFECYCLE-SCRIPT"}},
		{"vscode-folderopen", []string{"VSCODE-AUTORUN-TASK", "VSCODE-SETTINGS-AUTOTASKS", "VSCODE-TASK-SHELL-FETCH"}},
		{"eval-axios-response", []string{"JS-EVAL-REMOTE-RESPONSE"}},
		{"env-exfil", []string{"JS-ENV-SENT-OUT", "JS-PROCESS-ENV-EXFIL", "VERCEL-IPCHECK-C2"}},
		{"base64-blob", []string{"JS-BASE64-URL"}},
		{"tailwind-whitespace", []string{"HIDDEN-AFTER-WHITESPACE", "CONFIG-APPENDED-CODE"}},
		{"bidi", []string{"UNICODE-BIDI"}},
		{"c2-ports", []string{"C2-PORT", "BEAVERTAIL-PATHS"}},
		{"chain-dead-drop", []string{"BLOCKCHAIN-DEAD-DROP-FETCH", "BLOCKCHAIN-RPC-ENDPOINT"}},
		{"python-setup", []string{"PY-SETUP-EXEC", "PY-SETUP-CMDCLASS"}},
		{"typosquat-lockfile", []string{"KNOWN-MALICIOUS-DEPENDENCY"}},
		{"autorun-targets", []string{"AUTORUN-TARGET-SUSPICIOUS", "NPM-LIFECYCLE-SCRIPT", "DEVCONTAINER-COMMAND", "VSCODE-AUTORUN-TASK", "SHELL-DOWNLOAD-EXEC"}},
		{"c2-variants", []string{"C2-PORT", "BLOCKCHAIN-DEAD-DROP-FETCH", "PY-ENV-SENT-OUT"}},
		{"install-triggers", []string{"NPM-LIFECYCLE-SCRIPT", "AUTORUN-TARGET-SUSPICIOUS", "JS-EXEC-FETCHED"}},
		{"vendored-loader", []string{"JS-EXEC-DECODED", "HIDDEN-AFTER-WHITESPACE"}},
		{"config-exec", []string{"NPMRC-EXEC-OPTION", "YARN-PATH-IN-TREE", "GYP-COMMAND-EXPANSION", "BUNFIG-PRELOAD", "NPMRC-REGISTRY-OVERRIDE", "VSCODE-SETTINGS-EXEC", "NPM-LOCAL-TOOL-SHADOW", "PRISMA-GENERATOR-COMMAND", "AUTORUN-TARGET-SUSPICIOUS"}},
		{"git-include", []string{"GIT-CONFIG-INCLUDE", "GIT-CONFIG-EXEC"}},
		{"python-lures", []string{"PY-SETUP-EXEC", "PY-AUTORUN-EXEC", "PY-INIT-EXEC", "PY-PTH-IMPORT", "PY-BUILD-BACKEND-IN-TREE", "PIP-INDEX-OVERRIDE"}},
		{"host-download", []string{"DEVCONTAINER-HOST-COMMAND", "AUTORUN-TARGET-SUSPICIOUS", "GIT-HOOK-DOWNLOAD-EXEC", "SHELL-DOWNLOAD-EXEC"}},
		{"exec-evasions", []string{"JS-EXEC-FETCHED", "JS-EXEC-DECODED", "JS-SINK-OBFUSCATED", "JS-ENV-EXFIL-FLOW", "PY-EXEC-REMOTE", "PY-EXEC-DECODED"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep, err := s.Scan(context.Background(), filepath.Join("testdata", "malicious", tc.name))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Findings {
				got = append(got, f.Rule)
			}
			for _, id := range tc.want {
				if !slices.Contains(got, id) {
					t.Errorf("rule %s not found; found %v", id, got)
				}
			}
			if rep.Verdict != bulwark.VerdictBlock || rep.Verdict.ExitCode() != bulwark.ExitBlock {
				t.Errorf("verdict %s, want block", rep.Verdict)
			}
			checkGolden(t, filepath.Join("testdata", "golden", tc.name+".json"), rep)
		})
	}
}

// checkGolden compares rep, as indented JSON, with the golden file.
func checkGolden(t *testing.T, path string, rep *Report) {
	t.Helper()
	got, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./scan -run %s -update to write it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("report differs from %s (go test ./scan -run %s -update rewrites it):\n%s", path, t.Name(), got)
	}
}

// moduleRoot returns the directory holding go.mod.
func moduleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// ownSignatures says whether the file at path, relative to the module
// root, holds Bulwark's own scanner signatures or their test inputs, which
// spell out on purpose what the scanner looks for: the fixtures and golden
// reports under scan/testdata and the command's and API's testdata/scan
// (malicious on purpose), the built-in rule file, the dead-drop hosts
// table of the IOC detector (detect_ioc.go) and the scanner's tests (scan,
// cli/scan*_test.go, httpapi/scan*_test.go) and fuzz seeds, which quote
// the indicators they check. docs/scan-rules.md tells users to expect findings there.
func ownSignatures(path string) bool {
	dir, base := "", path
	if i := strings.LastIndex(path, "/"); i >= 0 {
		dir, base = path[:i], path[i+1:]
	}
	switch {
	case strings.HasPrefix(path, "scan/testdata/"), strings.Contains(path, "/testdata/scan/"):
		return true // fixtures of the scanner and of its command and API
	case path == "scan/defaultrules.yaml", path == "scan/detect_ioc.go":
		return true
	case dir == "scan" && strings.HasSuffix(base, "_test.go"):
		return true
	case (dir == "cli" || dir == "httpapi") && strings.HasPrefix(base, "scan") && strings.HasSuffix(base, "_test.go"):
		return true
	}
	return false
}

// TestCorpusOwnTreeClean scans this repository with the default rules and
// detectors, through Walk and Scanner.Scan: no high or critical finding
// outside the scanner's own signatures (ownSignatures), the git-ignored
// tools folder and git's own files.
func TestCorpusOwnTreeClean(t *testing.T) {
	t.Parallel()
	race.Corpus(t)
	root := moduleRoot(t)
	walk := func(ctx context.Context, path string, l Limits, fn func(*File) error) (WalkStats, error) {
		return Walk(ctx, path, l, func(f *File) error {
			if ownSignatures(f.Path) || strings.HasPrefix(f.Path, ".tools/") || strings.HasPrefix(f.Path, ".git/") {
				return nil
			}
			return fn(f)
		})
	}
	s, err := NewScanner(Options{Walk: walk})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Scan(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if severityRank(f.Severity) >= severityRank(SeverityHigh) {
			t.Errorf("%s %s at %s:%d: %s", f.Severity, f.Rule, f.File, f.Line, f.Snippet)
		}
	}
	t.Logf("%d files, %d bytes, %d findings, verdict %s", rep.Files, rep.Bytes, len(rep.Findings), rep.Verdict)
}

// cleanPackages are the popular npm packages scripts/install-test-deps.sh
// installs (with --ignore-scripts) into .tools/scan-clean.
var cleanPackages = []string{"express", "lodash", "axios", "react", "react-dom", "typescript", "eslint", "webpack", "next"}

// cleanModules returns .tools/scan-clean/node_modules, skipping the test
// when it is absent (failing it when $CI is set).
func cleanModules(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(moduleRoot(t), ".tools", "scan-clean", "node_modules")
	if _, err := os.Stat(filepath.Join(dir, "next", "package.json")); err != nil {
		msg := fmt.Sprintf("%s is missing: run scripts/install-test-deps.sh (it installs %s with npm --ignore-scripts)", dir, strings.Join(cleanPackages, ", "))
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

// TestCorpusCleanPackages scans each popular package: no high or critical
// finding; the lower-severity findings per package are the golden file
// testdata/golden/clean-packages.txt (the table in docs/benchmarks.md).
func TestCorpusCleanPackages(t *testing.T) {
	t.Parallel()
	race.Corpus(t)
	dir := cleanModules(t)
	s := defaultScanner(t, nil)
	var table strings.Builder
	table.WriteString("package\tfiles\tbytes\tverdict\tcritical\thigh\tmedium\tlow\tinfo\tby rule\n")
	for _, name := range cleanPackages {
		rep, err := s.Scan(context.Background(), filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		count := map[Severity]int{}
		byRule := map[string]int{}
		for _, f := range rep.Findings {
			count[f.Severity] += 1 + f.More
			byRule[f.Rule] += 1 + f.More
			if severityRank(f.Severity) >= severityRank(SeverityHigh) {
				t.Errorf("%s: %s %s at %s:%d: %s", name, f.Severity, f.Rule, f.File, f.Line, f.Snippet)
			}
		}
		var rules []string
		for r, n := range byRule {
			rules = append(rules, fmt.Sprintf("%s %d", r, n))
		}
		slices.Sort(rules)
		fmt.Fprintf(&table, "%s\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", name, rep.Files, rep.Bytes, rep.Verdict,
			count[SeverityCritical], count[SeverityHigh], count[SeverityMedium], count[SeverityLow], count[SeverityInfo], strings.Join(rules, ", "))
	}
	t.Logf("\n%s", table.String())
	path := filepath.Join("testdata", "golden", "clean-packages.tsv")
	if *update {
		if err := os.WriteFile(path, []byte(table.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != table.String() {
		t.Errorf("findings per package differ from %s (the versions installed changed, or the rules did; -update rewrites it):\n%s", path, table.String())
	}
}

// TestCorpusCleanProjectInstalled scans the clean packages as a developer
// has them: one project with its node_modules (installed dependencies'
// own scripts included). No high or critical finding: npm never runs an
// installed dependency's prepare or prepublish.
func TestCorpusCleanProjectInstalled(t *testing.T) {
	t.Parallel()
	race.Corpus(t)
	dir := filepath.Dir(cleanModules(t))
	rep, err := defaultScanner(t, nil).Scan(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if severityRank(f.Severity) >= severityRank(SeverityHigh) {
			t.Errorf("%s %s at %s:%d: %s", f.Severity, f.Rule, f.File, f.Line, f.Snippet)
		}
	}
	if rep.Verdict == bulwark.VerdictBlock {
		t.Errorf("verdict %s", rep.Verdict)
	}
}
