package scan

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

func TestDefaultRulesLoad(t *testing.T) {
	t.Parallel()
	rs, err := DefaultRules(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Rules) < 25 {
		t.Fatalf("%d default rules, want at least 25", len(rs.Rules))
	}
	for _, r := range rs.Rules {
		if r.Why == "" || r.Source == "" {
			t.Errorf("rule %s: why or source empty", r.ID)
		}
	}
}

func TestParseRulesErrors(t *testing.T) {
	t.Parallel()
	const head = "version: 1\nrules:\n"
	rule := func(extra string) string {
		return head + "  - id: X-RULE\n    target: \"**/*.js\"\n    severity: high\n    why: because\n" + extra
	}
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"no version", "rules: []\n", "version: missing"},
		{"bad version", "version: 2\nrules: []\n", "version: want 1"},
		{"unknown top key", "version: 1\nrules: []\nextra: 1\n", `t.yaml:3: unknown key "extra"`},
		{"unknown rule key", rule("    type: regex\n    regex: abc\n    regexp: x\n"), `t.yaml:9: rule X-RULE: regexp: unknown key for type regex`},
		{"bad regex", rule("    type: regex\n    regex: 'a(b'\n"), "rule X-RULE: regex: not an RE2 regex"},
		{"backreference", rule("    type: regex\n    regex: '(a)\\1'\n"), "rule X-RULE: regex: not an RE2 regex"},
		{"huge regex", rule("    type: regex\n    regex: '(((a{100}){100}){100})'\n"), "rule X-RULE: regex:"},
		{"empty match", rule("    type: regex\n    regex: 'a*'\n"), "matches the empty string"},
		{"missing why", head + "  - id: X-RULE\n    type: exists\n    target: a\n    severity: low\n", "rule X-RULE: why: missing"},
		{"bad severity", head + "  - id: X-RULE\n    type: exists\n    target: a\n    severity: severe\n    why: w\n", `rule X-RULE: severity: "severe" is not a severity`},
		{"bad id", head + "  - id: lower\n    type: exists\n", `id "lower"`},
		{"duplicate id", rule("    type: exists\n") + "  - id: X-RULE\n    target: a\n    severity: low\n    why: w\n    type: exists\n", "t.yaml:8: rule X-RULE: id already used at line 3"},
		{"network type", rule("    type: registry_metadata\n"), "needs package registry lookups"},
		{"unknown type", rule("    type: yara\n"), `unknown type "yara"`},
		{"bad glob", head + "  - id: X-RULE\n    type: exists\n    target: \"{a,b\"\n    severity: low\n    why: w\n", "rule X-RULE: target: glob"},
		{"absolute glob", head + "  - id: X-RULE\n    type: exists\n    target: /etc/passwd\n    severity: low\n    why: w\n", "relative"},
		{"min_count", rule("    type: regex_count\n    regex: a\n    min_count: 0\n"), "min_count: want a whole number"},
		{"not yaml", "version: [1\n", "not valid YAML"},
		{"key twice", rule("    type: exists\n    type: regex\n"), `key "type" given twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseRules("t.yaml", []byte(tc.yaml), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) || bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Fatalf("err = %v (code %s), want EINVALID containing %q", err, bulwark.ErrorCode(err), tc.want)
			}
		})
	}
}

// fakeDetector reports every file it is given, for the registry tests.
type fakeDetector struct{ r *Rule }

func (d fakeDetector) ID() string               { return "FAKE" }
func (d fakeDetector) Applies(path string) bool { return true }
func (d fakeDetector) Detect(f *File) []Finding {
	return []Finding{{Line: 1, Snippet: "list=" + d.r.Params["list"].(string)}}
}

func TestRegistryRoutesTypes(t *testing.T) {
	t.Parallel()
	reg, err := NewRegistry(RuleType{Name: "dependency_list", Params: []string{"list"}, New: func(r *Rule) (Detector, error) {
		if _, ok := r.Params["list"].(string); !ok {
			return nil, bulwark.Invalid("list", "want a string")
		}
		return fakeDetector{r}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(RuleType{Name: "regex", New: func(*Rule) (Detector, error) { return nil, nil }}); err == nil {
		t.Error("registering a built-in type succeeded")
	}
	if err := reg.Register(RuleType{Name: "registry_metadata", New: func(*Rule) (Detector, error) { return nil, nil }}); err == nil {
		t.Error("registering a network type succeeded")
	}
	src := "version: 1\nrules:\n  - id: DEP-X\n    type: dependency_list\n    target: \"**/package.json\"\n    list: npm\n    severity: critical\n    why: a bad package\n"
	rs, err := ParseRules("u.yaml", []byte(src), reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseRules("u.yaml", []byte(strings.Replace(src, "list: npm", "lists: npm", 1)), reg); err == nil || !strings.Contains(err.Error(), "lists: unknown key for type dependency_list (accepted: id, type, target, exclude, severity, why, source, list)") {
		t.Errorf("unknown param: %v", err)
	}
	if _, err := ParseRules("u.yaml", []byte(strings.Replace(src, "list: npm", "list: [1]", 1)), reg); err == nil || !strings.Contains(err.Error(), "u.yaml:3: rule DEP-X: list: want a string") {
		t.Errorf("New's error: %v", err)
	}
	s, err := NewScanner(Options{Rules: rs, Detectors: []Detector{}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.ScanFiles(context.Background(), []*File{{Path: "a/package.json", Data: []byte("{}")}, {Path: "a/index.js"}})
	if err != nil {
		t.Fatal(err)
	}
	want := Finding{Rule: "DEP-X", Severity: SeverityCritical, File: "a/package.json", Line: 1, Snippet: "list=npm", Explanation: "a bad package"}
	if len(rep.Findings) != 1 || rep.Findings[0] != want || rep.Verdict != bulwark.VerdictBlock {
		t.Fatalf("findings %+v verdict %s, want [%+v] block", rep.Findings, rep.Verdict, want)
	}
}

func TestMergeOverridesByID(t *testing.T) {
	t.Parallel()
	user := "version: 1\nrules:\n  - id: VSCODE-AUTORUN-TASK\n    type: exists\n    target: \"**/.vscode/tasks.json\"\n    severity: low\n    why: mine\n  - id: MY-RULE\n    type: exists\n    target: x\n    severity: info\n    why: mine\n"
	rs, err := LoadRules("user.yaml", []byte(user), nil)
	if err != nil {
		t.Fatal(err)
	}
	def, _ := DefaultRules(nil)
	if len(rs.Rules) != len(def.Rules)+1 {
		t.Fatalf("%d rules, want %d", len(rs.Rules), len(def.Rules)+1)
	}
	for i, r := range def.Rules {
		if r.ID == "VSCODE-AUTORUN-TASK" && (rs.Rules[i].Severity != SeverityLow || rs.Rules[i].File != "user.yaml") {
			t.Errorf("override not in place: %+v", rs.Rules[i])
		}
	}
	if last := rs.Rules[len(rs.Rules)-1]; last.ID != "MY-RULE" {
		t.Errorf("last rule %s, want MY-RULE", last.ID)
	}
}

// TestDefaultRulesDocPointers: the documents the built-in rule file's
// comments point to exist.
func TestDefaultRulesDocPointers(t *testing.T) {
	t.Parallel()
	root := moduleRoot(t)
	refs := regexp.MustCompile(`docs/[a-z0-9-]+\.md`).FindAllString(string(DefaultRulesYAML()), -1)
	if len(refs) == 0 {
		t.Fatal("defaultrules.yaml points to no document (its header names the format's)")
	}
	for _, ref := range refs {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(ref))); err != nil {
			t.Errorf("defaultrules.yaml points to %s: %v", ref, err)
		}
	}
}
