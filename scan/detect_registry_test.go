package scan_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/scan"
)

// TestDraftDependencyRules: the draft rule file's dependency_list and
// similarity rules load with the detectors' registry and find a known
// malicious package and a typosquat through a Scanner.
func TestDraftDependencyRules(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(shareddata.Path(t, "hire", "scanner", "repo_scan_rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var draft struct {
		Version int              `yaml:"version"`
		Rules   []map[string]any `yaml:"rules"`
	}
	if err := yaml.Unmarshal(raw, &draft); err != nil {
		t.Fatal(err)
	}
	var picked []map[string]any
	for _, r := range draft.Rules {
		if r["type"] == scan.TypeDependencyList || r["type"] == scan.TypeSimilarity {
			picked = append(picked, r)
		}
	}
	if len(picked) != 2 {
		t.Fatalf("the draft has %d dependency_list/similarity rules, want 2", len(picked))
	}
	src, err := yaml.Marshal(map[string]any{"version": 1, "rules": picked})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := scan.DetectorRegistry(scan.DetectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := scan.ParseRules("draft-deps.yaml", src, reg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := scan.NewScanner(scan.Options{Rules: rs, Detectors: []scan.Detector{}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.ScanFiles(context.Background(), []*scan.File{
		{Path: "package.json", Data: []byte("{\n  \"dependencies\": {\n    \"react-plaid-sdk\": \"1.0.0\",\n    \"lodahs\": \"4.17.21\",\n    \"express\": \"4.18.2\"\n  }\n}\n")},
		{Path: "yarn.lock", Data: []byte("lodahs@^4:\n  version \"4.0.0\"\n")}, // the draft's similarity rule targets package.json only
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, f := range rep.Findings {
		got[f.Rule+" "+f.File]++
	}
	want := map[string]int{"KNOWN-MALICIOUS-DEPENDENCY package.json": 1, "TYPOSQUAT-DEPENDENCY package.json": 1}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d findings, want %d (all: %v)", k, got[k], n, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("findings %v, want %v", got, want)
	}
	if string(rep.Verdict) != "block" {
		t.Errorf("verdict %s, want block", rep.Verdict)
	}
}

// TestDetectorTypesInUserRules: a user's rule applies a detector to its
// own targets only.
func TestDetectorTypesInUserRules(t *testing.T) {
	t.Parallel()
	reg, err := scan.DetectorRegistry(scan.DetectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src := "version: 1\nrules:\n  - id: MY-BLOBS\n    type: encoded_blob\n    target: \"src/**\"\n    severity: high\n    why: encoded payloads in our sources\n"
	rs, err := scan.ParseRules("mine.yaml", []byte(src), reg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := scan.NewScanner(scan.Options{Rules: rs, Detectors: []scan.Detector{}})
	if err != nil {
		t.Fatal(err)
	}
	blob := []byte("const u = atob('aHR0cDovLzIxNi4yNTAuMjUxLjE4NzoxMjI0L2FwaS9jaGVja1N0YXR1cw==');\n")
	rep, err := s.ScanFiles(context.Background(), []*scan.File{{Path: "src/a.js", Data: blob}, {Path: "lib/a.js", Data: blob}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 || rep.Findings[0].File != "src/a.js" || rep.Findings[0].Rule != "ENCODED-BLOB" || !strings.Contains(rep.Findings[0].Decoded, "216.250.251.187") {
		t.Errorf("findings %+v", rep.Findings)
	}
	for _, typ := range []string{"registry_metadata"} {
		if _, err := scan.ParseRules("x.yaml", []byte("version: 1\nrules:\n  - id: X\n    type: "+typ+"\n    target: \"**\"\n    severity: low\n    why: x\n"), reg); err == nil {
			t.Errorf("type %s accepted", typ)
		}
	}
}
