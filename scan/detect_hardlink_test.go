package scan

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestTarHardLinkOutside: a tar hard link to an absolute path or out of
// the archive is reported as a link is (SYMLINK-SENSITIVE-TARGET for
// credentials, SYMLINK-OUTSIDE-TREE otherwise); one to another member
// stays a note of what was not read.
func TestTarHardLinkOutside(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(h *tar.Header, data string) {
		t.Helper()
		h.Size = int64(len(data))
		if h.Typeflag == tar.TypeLink {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(data)); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(&tar.Header{Name: "package/package.json", Typeflag: tar.TypeReg, Mode: 0o644}, `{"name":"x"}`)
	add(&tar.Header{Name: "package/key", Typeflag: tar.TypeLink, Linkname: "/home/dev/.ssh/id_ed25519"}, "")
	add(&tar.Header{Name: "package/lib/up", Typeflag: tar.TypeLink, Linkname: "../../outside.txt"}, "")
	add(&tar.Header{Name: "package/copy.json", Typeflag: tar.TypeLink, Linkname: "package/package.json"}, "")
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "x.tar")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := NewScanner(Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Scan(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range rep.Findings {
		got[f.File] = f.Rule + " " + string(f.Severity) + " " + f.Snippet
	}
	for file, want := range map[string]string{
		"package/key":    "SYMLINK-SENSITIVE-TARGET high package/key -> /home/dev/.ssh/id_ed25519",
		"package/lib/up": "SYMLINK-OUTSIDE-TREE medium package/lib/up -> ../../../../outside.txt",
	} {
		if got[file] != want {
			t.Errorf("%s: %q, want %q", file, got[file], want)
		}
	}
	// A hard link inside the archive to package.json, a file npm reads
	// by itself: reported as such (its content is that member's).
	if x := got["package/copy.json"]; x != "SYMLINK-AUTORUN high package/copy.json -> ../package/package.json" {
		t.Errorf("a hard link inside the archive: %q", x)
	}
}
