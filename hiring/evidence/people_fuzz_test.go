package evidence

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// addTestdata adds the files of testdata named by pattern as seeds.
func addTestdata(f *testing.F, pattern string) {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// checkReadError checks a reader's error on input from a fuzzer: none, or
// an invalid or too-large bulwark.Error that names the file first, with no
// records returned alongside it (all or nothing).
func checkReadError(t *testing.T, name string, n int, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var be *bulwark.Error
	if !errors.As(err, &be) || be.Message == "" {
		t.Fatalf("error %T %v is not a user-facing *bulwark.Error", err, err)
	}
	if be.Code != bulwark.EINVALID && be.Code != bulwark.ETOOLARGE {
		t.Errorf("code %s for bad input: %v", be.Code, err)
	}
	if !strings.HasPrefix(err.Error(), name+": ") {
		t.Errorf("error %q does not name the file first", err)
	}
	if n != 0 {
		t.Errorf("%d records returned with an error", n)
	}
}

var birthDate = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)

func FuzzReadPeople(f *testing.F) {
	addTestdata(f, "people.*")
	addTestdata(f, "greenhouse.csv")
	f.Add([]byte("id;full_name;emails\r\nA;Ann;\"a@x;b@y\"\r\n"))
	f.Add([]byte("id\tcountry\tdate_of_birth\nA\tKR\t03/04/1990\n"))
	f.Add([]byte("\ufeffid,full_name\nA,\"multi\nline\"\nA,dup\n"))
	f.Add([]byte("[{\"id\":\"A\",\"emails\":[\"a\",\"b\"]},\n{\"id\":2}]"))
	f.Add([]byte("\xff\xfei\x00d\x00\n\x00A\x00\n\x00"))
	f.Add([]byte("i\x00d\x00\n\x00"))
	// Shapes whose cost grows with the row: a wide object, a quoted cell
	// of many lines, an array of line breaks.
	f.Add(wideObject(2000))
	f.Add([]byte("id,resume_text\n1,\"" + strings.Repeat("a\n", 4000) + "\"\n"))
	f.Add([]byte("[" + strings.Repeat("\n", 4000) + `{"id":"A"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The default row limit (1 MiB), so that wide rows and long
		// quoted cells reach the code paths whose cost grows with them.
		people, err := ReadPeople(strings.NewReader(string(data)), "f.csv", PeopleOptions{})
		if err != nil {
			checkReadError(t, "f.csv", len(people), err)
			return
		}
		seen := map[string]bool{}
		for _, p := range people {
			if p.ID == "" || seen[p.ID] {
				t.Errorf("empty or repeated id %q", p.ID)
			}
			seen[p.ID] = true
			if p.DateOfBirth != "" && !birthDate.MatchString(p.DateOfBirth) {
				t.Errorf("date of birth %q", p.DateOfBirth)
			}
			if p.Country != "" && len(p.Country) != 2 {
				t.Errorf("country %q", p.Country)
			}
			if p.Line < 1 {
				t.Errorf("line %d", p.Line)
			}
		}
	})
}

func FuzzParseMapping(f *testing.F) {
	addTestdata(f, "*.toml")
	f.Add([]byte(`{"columns": {"Candidate ID": "id"}, "full_name": ["First", "Last"], "date_format": "DD.MM.YYYY"}`))
	f.Add([]byte("ignore_unknown = true\nignore = [\"a\"]\n[columns]\nb = \"emails\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMapping(data, "m.toml")
		if err != nil {
			var be *bulwark.Error
			if !errors.As(err, &be) || m != nil {
				t.Fatalf("ParseMapping: %T %v, %v", err, err, m)
			}
			return
		}
		// A mapping that parses reads a file without panicking.
		_, _ = ReadPeople(strings.NewReader("id,a,b\n1,x,y\n"), "f.csv", PeopleOptions{Mapping: m})
	})
}

// FuzzJSONObject checks the scanner of JSON objects against
// encoding/json: the same keys and values for every valid object.
func FuzzJSONObject(f *testing.F) {
	f.Add(`{"id":"A","emails":["a","b"],"n":1.5e3,"t":true,"z":null}`)
	f.Add(`{ "k\u0041" : "v\"w" , "e" : [ ] }`)
	f.Add(`{"a":{"b":[1,{"c":"]"}]}}`)
	f.Add(string(wideObject(2000)))
	f.Fuzz(func(t *testing.T, obj string) {
		var want map[string]any
		if !json.Valid([]byte(obj)) || json.Unmarshal([]byte(obj), &want) != nil {
			return
		}
		in := &input{name: "f.jsonl", lim: Limits{}.withDefaults(), format: formatJSONLines,
			br: bufio.NewReader(strings.NewReader(strings.ReplaceAll(obj, "\n", " ")))}
		got := map[string]any{}
		err := in.rows(nil, func(_ int, cols []string, cells []cell) error {
			for i, c := range cols {
				got[c] = cells[i]
			}
			return nil
		})
		if err != nil {
			// Only duplicate keys, nested values or a line that is not
			// one object are refused.
			if !strings.Contains(err.Error(), "given twice") && !strings.Contains(err.Error(), "object or array") &&
				!strings.Contains(err.Error(), "malformed JSON") && !strings.Contains(err.Error(), "invalid UTF-8") && !strings.Contains(err.Error(), "NUL") {
				t.Fatalf("%q: %v", obj, err)
			}
			return
		}
		if len(got) != len(want) {
			t.Fatalf("%q: keys %v, want %v", obj, got, want)
		}
		if in.keyProbes > len(got) {
			t.Fatalf("%d duplicate-key lookups for %d keys: want one a key", in.keyProbes, len(got))
		}
		for k, w := range want {
			c, ok := got[k].(cell)
			if !ok {
				t.Fatalf("%q: key %q missing", obj, k)
			}
			switch w := w.(type) {
			case string:
				if c.s != w || c.isList {
					t.Errorf("%q: %q = %+v, want %q", obj, k, c, w)
				}
			case nil:
				if c.s != "" || c.isList {
					t.Errorf("%q: %q = %+v, want empty", obj, k, c)
				}
			case float64, bool:
				var v any
				if c.isList || json.Unmarshal([]byte(c.s), &v) != nil || v != w {
					t.Errorf("%q: %q = %+v, want %v", obj, k, c, w)
				}
			case []any:
				var strs []string
				for _, it := range w {
					switch it := it.(type) {
					case string:
						if it != "" {
							strs = append(strs, it)
						}
					case nil:
					default:
						strs = nil
						c.list = nil
					}
				}
				if !c.isList || !slices.Equal(c.list, strs) {
					t.Errorf("%q: %q = %+v, want %v", obj, k, c, w)
				}
			}
		}
	})
}
