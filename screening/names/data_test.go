package names_test

// Loaders for the public list files under the shared data folder. The UN
// list is read with screening/lists.ParseUNXML; the OFAC legacy CSV files
// (sdn.csv, alt.csv) with the minimal reader below, which keeps the recall
// gate independent of the OFAC parser's choices.

import (
	"encoding/csv"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/lists"
	"github.com/bulwark-sec/bulwark/screening/names"
)

// loadSDN reads an OFAC legacy sdn.csv (no header): ent_num, name, type
// ("individual", "vessel", "aircraft", "-0-" = organization), programs, …,
// remarks (last column; DOBs are read from it).
func loadSDN(t testing.TB, path string) []names.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var out []names.Record
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(row) < 3 || strings.TrimSpace(row[0]) == "" {
			continue
		}
		rec := names.Record{ID: strings.TrimSpace(row[0]), Type: sdnType(row[2]), Names: []names.Name{{Value: row[1]}}}
		if len(row) >= 12 {
			rec.DatesOfBirth = sdnDOBs(row[11])
		}
		out = append(out, rec)
	}
	return out
}

func sdnType(s string) string {
	switch strings.TrimSpace(s) {
	case "individual":
		return "person"
	case "vessel":
		return "vessel"
	case "aircraft":
		return "aircraft"
	}
	return "organization"
}

var (
	reDOB    = regexp.MustCompile(`DOB (?:circa )?(\d{1,2} )?([A-Z][a-z]{2} )?(\d{4})`)
	monthNum = map[string]string{"Jan": "01", "Feb": "02", "Mar": "03", "Apr": "04", "May": "05", "Jun": "06", "Jul": "07", "Aug": "08", "Sep": "09", "Oct": "10", "Nov": "11", "Dec": "12"}
)

func sdnDOBs(remarks string) []string {
	var out []string
	for _, m := range reDOB.FindAllStringSubmatch(remarks, -1) {
		d := m[3]
		if mon := monthNum[strings.TrimSpace(m[2])]; mon != "" {
			d += "-" + mon
			if day := strings.TrimSpace(m[1]); day != "" {
				if len(day) == 1 {
					day = "0" + day
				}
				d += "-" + day
			}
		}
		out = append(out, d)
	}
	return out
}

// loadAlt reads an OFAC legacy alt.csv: ent_num, alt_num, alt_type,
// alt_name, remarks.
func loadAlt(t testing.TB, path string) map[string][]names.Name {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	out := map[string][]names.Name{}
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(row) < 4 {
			continue
		}
		id := strings.TrimSpace(row[0])
		out[id] = append(out[id], names.Name{Value: row[3]})
	}
	return out
}

// unRecords parses the UN consolidated list with screening/lists and turns
// its entities into name records.
func loadUN(t testing.TB) []names.Record {
	t.Helper()
	p := shareddata.Path(t, "screen", "watchman", "UN_consolidated_2026-02-27.xml")
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := lists.ParseUNXML(f)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]names.Record, 0, len(l.Entities))
	for _, e := range l.Entities {
		out = append(out, fromEntity(e))
	}
	return out
}

// fromEntity adapts a list entity to the name index's record.
func fromEntity(e screening.Entity) names.Record {
	r := names.Record{ID: e.ID, Type: string(e.Type), Names: []names.Name{{Value: e.Name}}, DatesOfBirth: e.DatesOfBirth, Countries: e.Countries}
	for _, a := range e.Aliases {
		r.Names = append(r.Names, names.Name{Value: a.Name, Weak: a.Weak})
	}
	for _, id := range e.IDs {
		r.IDs = append(r.IDs, id.Value)
	}
	return r
}

var (
	countryOnce sync.Once
	countryMap  map[string]string
)

// countryCodes maps lower-case country names and ISO codes to upper-case
// ISO 3166-1 alpha-2 codes (testdata/countries.tsv).
func countryCodes(t testing.TB) map[string]string {
	countryOnce.Do(func() {
		data, err := os.ReadFile("testdata/countries.tsv")
		if err != nil {
			t.Fatal(err)
		}
		countryMap = map[string]string{}
		for _, line := range strings.Split(string(data), "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			code, nm, ok := strings.Cut(line, "\t")
			if !ok {
				continue
			}
			countryMap[strings.ToLower(nm)] = code
			countryMap[strings.ToLower(code)] = code
		}
		delete(countryMap, "na") // "na": not available in the UN list and the fixtures
	})
	return countryMap
}

// readCSV reads a CSV with a header into maps.
func readCSV(t testing.TB, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			if i < len(r) {
				m[h] = r[i]
			}
		}
		out = append(out, m)
	}
	return out
}
