package scan

import (
	"context"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// TestScanIncompleteFinding: what the walk did not read (an archive
// nested too deep, a zip bomb member, a limit reached) becomes one
// SCAN-INCOMPLETE finding that makes the verdict review, counts what was
// not read and names the first paths escaped; a tree read whole has none.
func TestScanIncompleteFinding(t *testing.T) {
	t.Parallel()
	inner := zipOf(t, ent{name: "payload.js", body: "eval(atob(x))\n"})
	lim := Limits{MaxFileBytes: 1 << 20, MaxTotalBytes: 64 << 20, MaxFiles: 1000, MaxDepth: 1, MaxRatio: 100}
	cases := []struct {
		name  string
		path  string
		lim   Limits
		count string // "" when no finding is wanted
		names []string
	}{
		{"clean", write(t, "clean.zip", zipOf(t, ent{name: "index.js", body: "console.log(1)\n"})), lim, "", nil},
		{"too deep", write(t, "deep.zip", zipOf(t,
			ent{name: "a/one\x1b[31m.zip", body: string(inner)},
			ent{name: "b/two.zip", body: string(inner)},
			ent{name: "c/three.zip", body: string(inner)},
			ent{name: "d/four.zip", body: string(inner)},
		)), Limits{MaxFileBytes: 1 << 20, MaxTotalBytes: 64 << 20, MaxFiles: 1000, MaxDepth: 0, MaxRatio: 100},
			"4 parts not read", []string{`a/one\x1b[31m.zip (archive-too-deep)`, "b/two.zip (archive-too-deep)", "c/three.zip", "and 1 more"}},
		{"file limit", write(t, "many.zip", zipOf(t, ent{name: "a.js", body: "1"}, ent{name: "b.js", body: "2"}, ent{name: "c.js", body: "3"})),
			Limits{MaxFileBytes: 1 << 20, MaxTotalBytes: 64 << 20, MaxFiles: 2, MaxDepth: 1, MaxRatio: 100}, "not read", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rs, err := ParseRules("t.yaml", []byte("version: 1\nrules: []\n"), nil)
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewScanner(Options{Rules: rs, Detectors: []Detector{}, Limits: c.lim})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.Scan(context.Background(), c.path)
			if err != nil {
				t.Fatal(err)
			}
			var got []Finding
			for _, f := range rep.Findings {
				if f.Rule == RuleScanIncomplete {
					got = append(got, f)
				}
			}
			if c.count == "" {
				if len(got) != 0 || rep.Verdict != bulwark.VerdictClear {
					t.Fatalf("a tree read whole: %+v, verdict %s", got, rep.Verdict)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("want one %s finding, got %+v (skipped %q)", RuleScanIncomplete, got, rep.Skipped)
			}
			f := got[0]
			if f.Severity != SeverityMedium || rep.Verdict != bulwark.VerdictReview || rep.Counts[SeverityMedium] != 1 {
				t.Errorf("severity %s, verdict %s, counts %v: want medium and review", f.Severity, rep.Verdict, rep.Counts)
			}
			if !strings.Contains(f.Snippet, c.count) {
				t.Errorf("snippet %q does not say %q", f.Snippet, c.count)
			}
			for _, n := range c.names {
				if !strings.Contains(f.Snippet, n) {
					t.Errorf("snippet %q does not name %q", f.Snippet, n)
				}
			}
			for _, s := range []string{f.File, f.Snippet} {
				if strings.ContainsAny(s, "\x1b\n\r") {
					t.Errorf("raw control character in %q", s)
				}
			}
			if f.Explanation == "" {
				t.Error("no explanation")
			}
		})
	}
}
