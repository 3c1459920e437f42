package scan

import (
	"archive/tar"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// fuzzLimits keep a fuzzed walk small.
func fuzzLimits() Limits {
	return Limits{MaxFileBytes: 64 << 10, MaxTotalBytes: 1 << 20, MaxFiles: 100, MaxDepth: 2, MaxRatio: 100}
}

// fuzzWalk walks data stored as name and checks what any walk promises:
// no panic, a bulwark error or none, safe paths, limits kept.
// p is rewritten by every input: a fuzz worker runs its inputs one at a
// time.
func fuzzWalk(t *testing.T, p string, data []byte) {
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	lim := fuzzLimits()
	st, err := Walk(context.Background(), p, lim, func(f *File) error {
		for _, part := range strings.Split(f.Path, "!/") {
			if !fs.ValidPath(part) || part == "." {
				t.Fatalf("unsafe path %q", f.Path)
			}
		}
		if int64(len(f.Data)) > lim.MaxFileBytes {
			t.Fatalf("%q: %d bytes, over the file limit", f.Path, len(f.Data))
		}
		if f.Mode&fs.ModeSymlink != 0 && len(f.Data) != 0 {
			t.Fatalf("%q: a link with data", f.Path)
		}
		return nil
	})
	if err != nil && bulwark.ErrorCode(err) == "" {
		t.Fatalf("not a bulwark error: %v", err)
	}
	if st.Bytes > lim.MaxTotalBytes || st.Files > lim.MaxFiles {
		t.Fatalf("limits exceeded: %+v", st)
	}
}

// FuzzWalkZip walks arbitrary bytes as a zip file.
func FuzzWalkZip(f *testing.F) {
	inner := zipOf(f, ent{name: "x.js", body: "eval(atob('Y29uc29sZS5sb2coMSk='))"})
	f.Add(zipOf(f, ent{name: "package.json", body: `{"scripts":{"postinstall":"node i.js"}}`}, ent{name: "dir/", mode: fs.ModeDir | 0o755}))
	f.Add(zipOf(f, ent{name: `..\..\evil.js`, body: "x"}, ent{name: "C:/a", body: "a"}, ent{name: "lnk", mode: fs.ModeSymlink | 0o777, link: "/etc/passwd"}))
	f.Add(zipOf(f, ent{name: "in.zip", body: string(inner)}, ent{name: "in.tgz", body: string(gz(f, tarOf(f, ent{name: "a", body: "a"})))}))
	f.Add(lyingZip(f, "small", 10, 4096))
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	p := filepath.Join(f.TempDir(), "f.zip")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, p, data) })
}

// FuzzWalkTar walks arbitrary bytes as a tar file (a gzip signature makes
// it a tgz).
func FuzzWalkTar(f *testing.F) {
	f.Add(tarOf(f, ent{name: "package/package.json", body: "{}"}, ent{name: "package/", typ: tar.TypeDir}))
	f.Add(tarOf(f, ent{name: "../x", body: "x"}, ent{name: "/abs", body: "x"}, ent{name: "l", typ: tar.TypeSymlink, link: "../../etc"},
		ent{name: "h", typ: tar.TypeLink, link: "l"}, ent{name: "d", typ: tar.TypeBlock}))
	f.Add(gz(f, tarOf(f, ent{name: "a.js", body: "a"}, ent{name: "z.zip", body: string(zipOf(f, ent{name: "b", body: "b"}))})))
	t := tarOf(f, ent{name: "a.js", body: strings.Repeat("a", 2000)})
	f.Add(t[:700])
	p := filepath.Join(f.TempDir(), "f.tar")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, p, data) })
}
