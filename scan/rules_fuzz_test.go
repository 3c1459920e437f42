package scan

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
)

// FuzzParseRules: any bytes either load as rules or give a bulwark
// EINVALID or ETOOLARGE error, never a panic; loaded rules scan a file
// without panicking and with sanitised snippets.
func FuzzParseRules(f *testing.F) {
	f.Add([]byte("version: 1\nrules:\n  - id: A-B\n    type: regex\n    target: \"**/*.js\"\n    regex: 'eval\\('\n    severity: high\n    why: w\n"))
	f.Add([]byte("version: 1\nrules:\n  - id: J\n    type: json_regex\n    target: \"**/package.json\"\n    key: 'scripts\\.\\w+'\n    regex: curl\n    unless: safe\n    severity: low\n    why: w\n"))
	f.Add([]byte("version: 1\nrules:\n  - id: K\n    type: json_keys\n    target: [\"**/*.json\"]\n    keys: [a.*.b]\n    severity: info\n    why: w\n  - id: E\n    type: exists_except\n    target: \"**/.*\"\n    allow: [\".git*\"]\n    severity: low\n    why: w\n"))
	f.Add([]byte("version: 1\nrules:\n  - id: C\n    type: regex_count\n    target: \"{a,b}/**/[!x]?.js\"\n    regex: _0x\n    min_count: 2\n    severity: medium\n    why: w\n"))
	f.Add([]byte("version: 1\nrules: [{id: X, type: registry_metadata}]\n"))
	f.Add([]byte("&a [*a, *a]"))
	f.Add(DefaultRulesYAML())
	file := &File{Path: "a/b.js", Data: []byte("eval(x) _0x1234 _0x5678\n{\"a\": {\"c\": {\"b\": 1}}, \"scripts\": {\"x\": \"curl y\"}}\n\u202e\xff")}
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := ParseRules("f.yaml", data, nil)
		if err != nil {
			if c := bulwark.ErrorCode(err); c != bulwark.EINVALID && c != bulwark.ETOOLARGE {
				t.Fatalf("error code %q: %v", c, err)
			}
			return
		}
		s, err := NewScanner(Options{Rules: rs, Detectors: []Detector{}})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"a/b.js", "package.json", ".x/y.json"} {
			g := *file
			g.Path = p
			rep, err := s.ScanFiles(context.Background(), []*File{&g})
			if err != nil {
				t.Fatal(err)
			}
			for _, fd := range rep.Findings {
				if !utf8.ValidString(fd.Snippet) || strings.ContainsAny(fd.Snippet, "\x1b\u202e\n") {
					t.Fatalf("snippet not sanitised: %q", fd.Snippet)
				}
			}
		}
	})
}

// FuzzParseJSONC: the lenient JSON reader never panics, and its leaves'
// lines are within the document.
func FuzzParseJSONC(f *testing.F) {
	f.Add([]byte(`{"a": [1, 2, {"b": "c"},], // x
 /* y */ 'k': v, u: "\u0041\n"}`))
	f.Add([]byte(`{"version": "2.0.0", "tasks": [{"runOptions": {"runOn": "folderOpen"}}]}`))
	f.Add([]byte("\xef\xbb\xbf[[[[[[[[[[]]]]]]]]]]"))
	f.Add([]byte(`{"a": "unterminated`))
	f.Fuzz(func(t *testing.T, data []byte) {
		leaves, _ := parseJSONC(data)
		lines := 1 + strings.Count(string(data), "\n")
		for _, l := range leaves {
			if l.line < 1 || l.line > lines {
				t.Fatalf("leaf %v at line %d of %d", l.path, l.line, lines)
			}
		}
	})
}
