package scan

import "testing"

// TestGitConfigLike: the files the tree keeps as possible include targets
// of a committed git config are those with a line git reads as a section
// header; source code and Markdown are not.
func TestGitConfigLike(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		data string
		want bool
	}{
		{"[core]\n\tfsmonitor = ./x.sh\n", true},
		{"  [core] fsmonitor = ./x.sh\n", true},
		{"[core]fsmonitor=./x.sh", true},
		{"# hooks\n[core] # the core\n", true},
		{"[includeIf \"gitdir:~/work/\"]\n\tpath = ../x\n", true},
		{"[alias \"a\\\"b\"]\n", true},
		{"[filter.lfs]\r\n\tclean = x\r\n", true},
		{"[user]\n\tname = x", true},
		{"[core] hooksPath\n", true},
		{"const [a, b] = useState(0)\n", false},
		{"[a] = f()\n", false},
		{"[foo].forEach(run)\n", false},
		{"[ref]: https://example.com\n", false},
		{"[1, 2, 3]\n", false},
		{"[core\n", false},
		{"[core \"unterminated]\n", false},
		{"", false},
	} {
		if got := gitConfigLike([]byte(tc.data)); got != tc.want {
			t.Errorf("gitConfigLike(%q) = %v, want %v", tc.data, got, tc.want)
		}
	}
}
