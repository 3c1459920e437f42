package scan

import "testing"

// TestWindowsAlias: names Windows turns into .vscode/tasks.json or
// package.json are high; other aliases medium; ordinary names nothing.
func TestWindowsAlias(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path string
		want Severity // "" for no finding
	}{
		{".vscode./tasks.json", SeverityHigh},
		{".vscode /tasks.json", SeverityHigh},
		{".vscode/tasks.json.", SeverityHigh},
		{".vscode/tasks.json::$DATA", SeverityHigh},
		{"package.json:s:$DATA", SeverityHigh}, // a named stream of the file
		{"package.json::$data", SeverityHigh},
		{"x.zip!/package/package.json..", SeverityHigh},
		{"VSCODE~1/tasks.json", SeverityHigh},
		{"PACKAG~1.JSO", SeverityHigh},
		{"docs/notes.", SeverityMedium},
		{"src/ABCDEF~2.JS", SeverityMedium},
		{".vscode/tasks.json", ""},
		{"src/x.js.~1~", ""}, // an editor's numbered backup
		{"a/../b.js", ""},
		{"lib/file~", ""},
	} {
		x, ok := windowsAlias(&File{Path: tc.path})
		if got := Severity(""); ok {
			got = x.Severity
			if got != tc.want {
				t.Errorf("%q: %s (%s), want %q", tc.path, got, x.Snippet, tc.want)
			}
		} else if tc.want != "" {
			t.Errorf("%q: no finding, want %s", tc.path, tc.want)
		}
	}
}
