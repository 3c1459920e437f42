package evidence

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
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

// checkReadErr checks what every reader promises of an error: a
// *bulwark.Error naming the file, and no partial result.
func checkReadErr(t *testing.T, err error, n int) {
	t.Helper()
	var be *bulwark.Error
	if !errors.As(err, &be) {
		t.Fatalf("error %T %v is not a *bulwark.Error", err, err)
	}
	if be.Code != bulwark.EINVALID && be.Code != bulwark.ETOOLARGE {
		t.Errorf("code %s for bad input: %v", be.Code, err)
	}
	if !strings.HasPrefix(err.Error(), "f.csv: ") {
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
	f.Fuzz(func(t *testing.T, data []byte) {
		people, err := ReadPeople(strings.NewReader(string(data)), "f.csv", PeopleOptions{Limits: Limits{MaxRowBytes: 4 << 10, MaxRows: 1000}})
		if err != nil {
			checkReadErr(t, err, len(people))
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
