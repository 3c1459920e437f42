package scan

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// ent is one entry of an archive built by a test.
type ent struct {
	name string
	body string
	// typ is a tar type flag (0: regular); for zips, mode carries the kind.
	typ  byte
	link string
	mode fs.FileMode
}

// tarOf builds a tar archive.
func tarOf(t testing.TB, ents ...ent) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range ents {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Linkname: e.link, Mode: 0o644, Format: tar.FormatPAX}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zipOf builds a zip archive (deflated members).
func zipOf(t testing.TB, ents ...ent) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range ents {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		f, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		body := e.body
		if mode&fs.ModeSymlink != 0 {
			body = e.link
		}
		if _, err := f.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gz compresses b with gzip.
func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// lyingZip builds a zip whose one member declares claim bytes but
// deflates to real bytes of zeros: a bomb that lies about its size.
func lyingZip(t testing.TB, name string, claim, real int) []byte {
	t.Helper()
	var def bytes.Buffer
	fw, _ := flate.NewWriter(&def, flate.BestCompression)
	zeros := make([]byte, real)
	fw.Write(zeros)
	fw.Close()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate,
		CompressedSize64: uint64(def.Len()), UncompressedSize64: uint64(claim),
		CRC32: crc32.ChecksumIEEE(zeros[:claim])}
	w, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(def.Bytes())
	zw.Close()
	return b.Bytes()
}

// write puts data in a new file named name and returns its path.
func write(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// seen is what a walk handed to fn.
type seen struct {
	paths []string
	files map[string]File // Data copied
}

// walkAll walks path, keeping a copy of every file's first window.
func walkAll(t testing.TB, path string, lim Limits) (seen, WalkStats, error) {
	t.Helper()
	s := seen{files: map[string]File{}}
	st, err := Walk(context.Background(), path, lim, func(f *File) error {
		if f.Offset > 0 {
			return nil // a later window of a long file: keep the head
		}
		c := *f
		c.Data = bytes.Clone(f.Data)
		s.paths = append(s.paths, f.Path)
		s.files[f.Path] = c
		return nil
	})
	return s, st, err
}

// randomText returns n bytes of letters that do not compress.
func randomText(n int) string {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = 'a' + byte(x%26)
	}
	return string(b)
}
