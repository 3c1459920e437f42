package lists

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/screening"
)

var update = flag.Bool("update", false, "rewrite golden files")

// readShared reads a file of the shared data folder, skipping the test when
// the folder is absent.
func readShared(tb testing.TB, elem ...string) []byte {
	tb.Helper()
	data, err := os.ReadFile(shareddata.Path(tb, elem...))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func readTestdata(tb testing.TB, elem ...string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(append([]string{"testdata"}, elem...)...))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// golden compares l, as indented JSON, with testdata/golden/<name>.json;
// -update rewrites the file.
func golden(t *testing.T, name string, l *screening.List) {
	t.Helper()
	got, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(run go test -run %s -update after checking the change)", path, i+1, gl[i], wl[i], t.Name())
			}
		}
		t.Fatalf("%s differs in length: got %d lines, want %d (run -update after checking)", path, len(gl), len(wl))
	}
}

// checkList asserts what every parsed list must satisfy: counts that match
// the content, entity IDs "<list>:<sourceID>" unique, the fields every
// entity carries, and a well-formed digest.
func checkList(tb testing.TB, l *screening.List) {
	tb.Helper()
	if l == nil {
		tb.Fatal("nil list without an error")
	}
	if l.Info.Entities != len(l.Entities) {
		tb.Errorf("Info.Entities = %d, have %d entities", l.Info.Entities, len(l.Entities))
	}
	if l.Info.Problems != len(l.Problems) {
		tb.Errorf("Info.Problems = %d, have %d problems", l.Info.Problems, len(l.Problems))
	}
	addrs := 0
	seen := map[string]bool{}
	for _, e := range l.Entities {
		addrs += len(e.Addresses)
		if e.ID != l.Info.ID+":"+e.SourceID || e.List != l.Info.ID {
			tb.Errorf("entity %q of list %q has ID %q", e.SourceID, l.Info.ID, e.ID)
		}
		if seen[e.ID] {
			tb.Errorf("duplicate entity ID %q", e.ID)
		}
		seen[e.ID] = true
		if e.Type == "" || e.Category == "" || e.Confidence == "" {
			tb.Errorf("entity %q lacks type, category or confidence: %q %q %q", e.ID, e.Type, e.Category, e.Confidence)
		}
		if e.Name == "" && len(e.Addresses) == 0 && len(e.IDs) == 0 {
			tb.Errorf("entity %q has no name, address or identifier", e.ID)
		}
		for _, a := range e.Addresses {
			if a.Address == "" || strings.TrimSpace(a.Address) != a.Address {
				tb.Errorf("entity %q has address %q", e.ID, a.Address)
			}
		}
		for _, c := range e.Countries {
			if _, ok := isoCodes[c]; !ok {
				tb.Errorf("entity %q has country %q, not an ISO code", e.ID, c)
			}
		}
	}
	if l.Info.Addresses != addrs {
		tb.Errorf("Info.Addresses = %d, entities hold %d", l.Info.Addresses, addrs)
	}
	if b, err := hex.DecodeString(l.Info.SHA256); err != nil || len(b) != 32 {
		tb.Errorf("SHA256 %q is not a hex SHA-256", l.Info.SHA256)
	}
	for _, p := range l.Problems {
		if p.Place == "" || p.Message == "" {
			tb.Errorf("problem without place or message: %+v", p)
		}
	}
}

// wantInvalid asserts err is an invalid-input error naming field whose
// message contains every fragment.
func wantInvalid(t *testing.T, err error, field string, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want an invalid error naming %s", field)
	}
	if !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Fatalf("error %v has code %q, want invalid", err, bulwark.ErrorCode(err))
	}
	var be *bulwark.Error
	if !errors.As(err, &be) || be.Field != field {
		t.Errorf("error %v names field %q, want %q", err, be.Field, field)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err, f)
		}
	}
	// A file is named by the caller, which knows its path: the message
	// does not name one the parser may have made up ("un_consolidated.xml"
	// for the user's consolidated.xml).
	if strings.Contains(field, ".") && strings.Contains(err.Error(), field+":") {
		t.Errorf("error %q names the file %s itself; the caller puts the path first", err, field)
	}
}

// entity returns the entity with the given SourceID or fails.
func entity(tb testing.TB, l *screening.List, sourceID string) screening.Entity {
	tb.Helper()
	for _, e := range l.Entities {
		if e.SourceID == sourceID {
			return e
		}
	}
	tb.Fatalf("list %s has no entity %q", l.Info.ID, sourceID)
	return screening.Entity{}
}

// hasProblem reports whether a problem's place starts with place and its
// message contains fragment.
func hasProblem(l *screening.List, place, fragment string) bool {
	for _, p := range l.Problems {
		if strings.HasPrefix(p.Place, place) && strings.Contains(p.Message, fragment) {
			return true
		}
	}
	return false
}

func addressSet(e screening.Entity) map[string]bool {
	m := map[string]bool{}
	for _, a := range e.Addresses {
		m[a.Currency+" "+a.Address] = true
	}
	return m
}

func aliasNames(e screening.Entity, weak bool) []string {
	var out []string
	for _, a := range e.Aliases {
		if a.Weak == weak {
			out = append(out, a.Name)
		}
	}
	return out
}

// benchParse benchmarks parse, which reads size bytes, failing on an error.
func benchParse(b *testing.B, size int, parse func() error) {
	b.Helper()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		if err := parse(); err != nil {
			b.Fatal(err)
		}
	}
}
