package scan

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// mkTree writes files (path → content; content "->target" makes a
// symbolic link) under a temporary directory and returns it.
func mkTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, body := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if target, ok := strings.CutPrefix(body, "->"); ok {
			err = os.Symlink(target, full)
		} else {
			err = os.WriteFile(full, []byte(body), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestWalkDirLinks: a link to a folder inside the tree is walked under
// the link's name (VS Code reads .vscode/tasks.json through .vscode ->
// editor), once per chain of links, never out of the tree, and a link
// loop ends.
func TestWalkDirLinks(t *testing.T) {
	t.Parallel()
	outside := mkTree(t, map[string]string{"secret.js": "outside"})
	root := mkTree(t, map[string]string{
		"editor/tasks.json": `{"tasks":[]}`,
		".vscode":           "->editor",
		"a/loop":            "->..",
		"a/self":            "->.",
		"x/y":               "->../z",
		"z/x":               "->../x",
		"z/f.js":            "z",
		"out":               "->" + outside,
		"out2":              "->../" + filepath.Base(outside),
	})
	s, st, err := walkAll(t, root, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if got := string(s.files[".vscode/tasks.json"].Data); got != `{"tasks":[]}` {
		t.Errorf(".vscode/tasks.json = %q; paths %q", got, s.paths)
	}
	if l := s.files[".vscode"]; l.Link != "editor" || l.Data != nil {
		t.Errorf(".vscode link = %+v", l)
	}
	for _, p := range s.paths {
		if strings.Contains(p, "secret") || strings.HasPrefix(p, "out/") || strings.HasPrefix(p, "out2/") {
			t.Errorf("read outside the tree: %q", p)
		}
		if strings.Count(p, "/") > 6 {
			t.Errorf("link loop walked: %q", p)
		}
	}
	// x/y -> z is walked (z/f.js under x/y), z/x -> x is walked, and
	// the chain stops where it would enter a folder already in it.
	for _, want := range []string{"x/y/f.js", "z/x/y", "x/y/x"} {
		if !slices.Contains(s.paths, want) {
			t.Errorf("%q not walked; paths %q", want, s.paths)
		}
	}
	if st.Incomplete {
		t.Errorf("incomplete: %q", st.Skipped)
	}
}

// TestWalkDirLinksBounded: links to a folder holding links to it (a
// fan-out) are followed a bounded number of times.
func TestWalkDirLinksBounded(t *testing.T) {
	t.Parallel()
	files := map[string]string{"d/f.js": "x"}
	for i := range 20 {
		files[bulwark.Sprintf("d/l%d", i)] = "->../e"
		files[bulwark.Sprintf("e/l%d", i)] = "->../d"
	}
	root := mkTree(t, files)
	s, st, err := walkAll(t, root, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.paths) > 41*(maxDirLinks+2) {
		t.Errorf("%d files handed over", len(s.paths))
	}
	if !st.Incomplete || !slices.ContainsFunc(st.Unread, func(u Unread) bool { return u.Reason == UnreadLinkLimit }) {
		t.Errorf("the link limit is not listed as unread: %+v", st.Unread)
	}
}

// TestWalkFIFO: a named pipe, and a link to one named package.json, are
// never opened (opening a pipe blocks until a writer comes): the walk
// returns, listing both as unread. The test is bounded by Walk's own
// return.
func TestWalkFIFO(t *testing.T) {
	t.Parallel()
	root := mkTree(t, map[string]string{"package.json": "->pipe", "index.js": "ok"})
	if err := syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	s, st, err := walkAll(t, root, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.paths, []string{"index.js", "package.json"}) || s.files["package.json"].Data != nil {
		t.Errorf("paths = %q", s.paths)
	}
	var got []string
	for _, u := range st.Unread {
		if u.Reason == UnreadNotRegular {
			got = append(got, u.Path)
		}
	}
	if !slices.Equal(got, []string{"package.json", "pipe"}) || !st.Incomplete {
		t.Errorf("unread = %+v", st.Unread)
	}
	// The scanner: a verdict, not a hang; never clear.
	rep, err := defaultScanner(t, nil).Scan(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict == bulwark.VerdictClear {
		t.Errorf("verdict clear with a pipe unread")
	}
}

// TestOpenRegular: a pipe opened directly (as if swapped in after the
// listing) is refused without blocking.
func TestOpenRegular(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pipe := filepath.Join(dir, "p")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if f, err := openRegular(pipe); err == nil {
		f.Close()
		t.Fatal("a pipe was opened")
	}
	var st WalkStats
	w := &walker{ctx: context.Background(), lim: DefaultLimits(), fn: func(*File) error { return nil }, notes: map[string]bool{}}
	if err := w.dirFile(pipe, "p"); err != nil {
		t.Fatal(err)
	}
	st = w.st
	if len(st.Unread) != 1 || st.Unread[0].Reason != UnreadNotRegular {
		t.Errorf("unread = %+v", st.Unread)
	}
}
