package bulwark_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

var (
	fence    = regexp.MustCompile("(?s)```.*?```")
	mdLink   = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	heading  = regexp.MustCompile(`(?m)^#{1,6} (.*)$`)
	linkText = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	scheme   = regexp.MustCompile(`^[a-z]+:`)
)

// TestDocsLinks: every relative link of README.md and docs/ names a file
// that exists and, for a Markdown file, an anchor one of its headings makes
// (GitHub's rule: lower case, punctuation dropped, spaces as hyphens).
func TestDocsLinks(t *testing.T) {
	t.Parallel()
	files := []string{"README.md"}
	err := filepath.WalkDir("docs", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	// The anchors of each target file, read once: a file is the target of
	// many links, and reading its headings (the code fences removed) costs
	// about a second of CPU per hundred links under the race detector.
	anchorsOf := map[string]map[string]bool{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllStringSubmatch(fence.ReplaceAllString(string(raw), ""), -1) {
			link := m[1]
			if scheme.MatchString(link) {
				continue
			}
			path, anchor, _ := strings.Cut(link, "#")
			target := f
			if path != "" {
				target = filepath.Join(filepath.Dir(f), path)
			}
			checked++
			if _, err := os.Stat(target); err != nil {
				t.Errorf("%s: link %s: no file %s", f, link, target)
				continue
			}
			if anchor == "" || !strings.HasSuffix(target, ".md") {
				continue
			}
			anchors, ok := anchorsOf[target]
			if !ok {
				if anchors, err = headingAnchors(target); err != nil {
					t.Fatal(err)
				}
				anchorsOf[target] = anchors
			}
			if !anchors[anchor] {
				t.Errorf("%s: link %s: %s has no heading with anchor #%s", f, link, target, anchor)
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d relative links checked: the pattern no longer finds them", checked)
	}
}

func headingAnchors(path string) (map[string]bool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	seen := map[string]int{}
	for _, m := range heading.FindAllStringSubmatch(fence.ReplaceAllString(string(raw), ""), -1) {
		text := strings.ToLower(strings.TrimSpace(linkText.ReplaceAllString(m[1], "$1")))
		var b strings.Builder
		for _, r := range text {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteRune('-')
			}
		}
		slug := b.String()
		if n := seen[slug]; n > 0 {
			out[fmt.Sprintf("%s-%d", slug, n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out, nil
}

func TestHeadingAnchors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "x.md")
	doc := "# Safe: guide\n## `safe audit --json`\n## Decision recording (`--decisions`)\n## Notes\n## Notes\n```\n# not a heading\n```\n"
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := headingAnchors(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"safe-guide", "safe-audit---json", "decision-recording---decisions", "notes", "notes-1"} {
		if !got[want] {
			t.Errorf("no anchor %q in %v", want, got)
		}
	}
	if got["not-a-heading"] || len(got) != 5 {
		t.Errorf("anchors %v, want exactly 5", got)
	}
}
