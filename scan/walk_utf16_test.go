package scan

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// utf16Of encodes s as UTF-16 with a byte order mark.
func utf16Of(s string, order binary.AppendByteOrder) []byte {
	b := order.AppendUint16(nil, 0xFEFF)
	for _, u := range utf16.Encode([]rune(s)) {
		b = order.AppendUint16(b, u)
	}
	return b
}

// TestScanUTF16: a .vscode/tasks.json in UTF-16 LE and a package.json in
// UTF-16 BE, each with a byte order mark, are read as text: their
// autorun findings are reported at the right lines.
func TestScanUTF16(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	task := "{ \"version\": \"2.0.0\",\n  \"tasks\": [ { \"label\": \"install\", \"type\": \"shell\", \"command\": \"node scripts/dev.js\",\n    \"runOptions\": { \"runOn\": \"folderOpen\" } } ] }\n"
	pkg := "{ \"name\": \"x\",\n  \"scripts\": { \"postinstall\": \"node scripts/dev.js\" } }\n"
	for name, data := range map[string][]byte{
		".vscode/tasks.json": utf16Of(task, binary.LittleEndian),
		"package.json":       utf16Of(pkg, binary.BigEndian),
		"scripts/dev.js":     []byte("console.log('x')\n"),
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := defaultScanner(t, nil).Scan(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.Rule+" "+f.File)
	}
	for _, want := range []string{"VSCODE-AUTORUN-TASK .vscode/tasks.json", "NPM-LIFECYCLE-SCRIPT package.json"} {
		if !slices.Contains(got, want) {
			t.Errorf("%q not found in %q", want, got)
		}
	}
}

func TestDecodeUTF16(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []byte
		want string
		ok   bool
	}{
		{utf16Of("a\nb€😀", binary.LittleEndian), "a\nb€😀", true},
		{utf16Of("a\nb€😀", binary.BigEndian), "a\nb€😀", true},
		{append(utf16Of("ab", binary.LittleEndian), 'x'), "ab", true}, // odd byte dropped
		{[]byte{0xFF, 0xFE, 0x00, 0xD8}, "\uFFFD", true},              // lone surrogate
		{[]byte{0xFF, 0xFE, 0, 0, 'a', 0, 0, 0}, "", false},           // UTF-32 LE
		{[]byte("{\"a\":1}"), "", false},
		{[]byte{0xEF, 0xBB, 0xBF, 'a'}, "", false}, // UTF-8 BOM: read as it is
	} {
		got, ok := decodeUTF16(tc.in)
		if ok != tc.ok || string(got) != tc.want {
			t.Errorf("decodeUTF16(%x) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzDecodeUTF16(f *testing.F) {
	f.Add(utf16Of("{\"tasks\":[]}", binary.LittleEndian))
	f.Add(utf16Of("x\r\ny", binary.BigEndian))
	f.Add([]byte{0xFF, 0xFE, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		out, ok := decodeUTF16(data)
		if !ok {
			return
		}
		if !utf8.Valid(out) {
			t.Fatalf("invalid UTF-8 from %x", data)
		}
		if len(out) > 2*len(data) {
			t.Fatalf("%d bytes from %d", len(out), len(data))
		}
	})
}
