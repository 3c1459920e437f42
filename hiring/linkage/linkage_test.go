package linkage

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// testFeatures normalises r and weighs it as an index of no other
// records would.
func testFeatures(r Record) features {
	f := newFeatures(r)
	(&stats{}).weigh(&f)
	return f
}

func TestParseName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Name
	}{
		{"", Name{}},
		{"  ,  ", Name{}},
		{"Noah Watson", Name{Given: "noah", Middle: []string{}, Family: "watson", Ordered: true}},
		{"Watson, Noah", Name{Given: "noah", Middle: []string{}, Family: "watson", Ordered: true}},
		{"Watson,", Name{Family: "watson", Ordered: true}},
		{", Noah", Name{Given: "noah", Middle: []string{}, Ordered: true}},
		{"Watson", Name{Family: "watson"}},
		{"José María García-López", Name{Given: "jose", Middle: []string{"maria"}, Family: "garcialopez", Ordered: true}},
		{"O'Neil, J. R.", Name{Given: "j", Middle: []string{"r"}, Family: "oneil", Ordered: true}},
		{"van der Berg, Anna", Name{Given: "anna", Middle: []string{}, Family: "vanderberg", Ordered: true}},
	}
	for _, tt := range tests {
		got := ParseName(tt.in)
		if got.Given != tt.want.Given || got.Family != tt.want.Family || got.Ordered != tt.want.Ordered ||
			!slices.Equal(got.Middle, tt.want.Middle) {
			t.Errorf("ParseName(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Date
	}{
		{"1983-05-19", Date{1983, 5, 19}},
		{"19830519", Date{1983, 5, 19}},
		{"1983/5/9", Date{1983, 5, 9}},
		{"1983-05", Date{1983, 5, 0}},
		{"198305", Date{1983, 5, 0}},
		{"1983", Date{1983, 0, 0}},
		{"1983-13-40", Date{1983, 0, 0}},
		{"19831340", Date{1983, 0, 0}},
		{"", Date{}},
		{"83-05-19", Date{}},
		{"n/a", Date{}},
		{"1983-05-19-01", Date{}},
		{"0000-01-01", Date{}},
	}
	for _, tt := range tests {
		if got := ParseDate(tt.in); got != tt.want {
			t.Errorf("ParseDate(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestNormalizers(t *testing.T) {
	t.Parallel()
	if got := AddressTokens("12 Rue de l'Église, 75004 Paris"); !slices.Equal(got, []string{"12", "rue", "de", "leglise", "75004", "paris"}) {
		t.Errorf("AddressTokens = %q", got)
	}
	if got := NormalizeID(" 123-45 678x"); got != "12345678X" {
		t.Errorf("NormalizeID = %q", got)
	}
	for in, want := range map[string]string{
		"robert": "R163", "rupert": "R163", "ashcraft": "A261", "tymczak": "T522",
		"pfister": "P236", "lee": "L000", "": "", "123": "",
	} {
		if got := Soundex(in); got != want {
			t.Errorf("Soundex(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJaroWinkler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want float64
	}{
		{"martha", "marhta", 0.9611},
		{"dwayne", "duane", 0.84},
		{"dixon", "dicksonx", 0.8133},
		{"abc", "abc", 1},
		{"", "", 0},
		{"abc", "", 0},
		{"abc", "xyz", 0},
	}
	for _, tt := range tests {
		got := JaroWinkler(tt.a, tt.b)
		if math.Abs(got-tt.want) > 0.001 {
			t.Errorf("JaroWinkler(%q, %q) = %.4f, want %.4f", tt.a, tt.b, got, tt.want)
		}
		if back := JaroWinkler(tt.b, tt.a); math.Abs(back-got) > 1e-12 {
			t.Errorf("JaroWinkler not symmetric on %q, %q", tt.a, tt.b)
		}
	}
	long := strings.Repeat("ab", 50)
	if got := JaroWinkler(long, long+"c"); got < 0.99 {
		t.Errorf("long strings: %v", got)
	}
}

func TestWithinOneEdit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{"5304218", "5304218", true},
		{"5304218", "5304318", true},  // substitution
		{"5304218", "530218", true},   // deletion
		{"5304218", "53042189", true}, // insertion
		{"5304218", "5302418", true},  // transposition
		{"5304218", "5403218", false},
		{"5304218", "53218", false},
		{"", "1", true},
		{"", "12", false},
	}
	for _, tt := range tests {
		if got := withinOneEdit(tt.a, tt.b); got != tt.want {
			t.Errorf("withinOneEdit(%q, %q) = %v", tt.a, tt.b, got)
		}
		if got := withinOneEdit(tt.b, tt.a); got != tt.want {
			t.Errorf("withinOneEdit(%q, %q) = %v", tt.b, tt.a, got)
		}
	}
}

func TestCompareDOB(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want string
	}{
		{"1983-05-19", "19830519", LevelExact},
		{"1983-05-09", "1983-09-05", LevelClose}, // day and month swapped
		{"1983-05-19", "1983-05-18", LevelClose}, // one digit
		{"1983-05-19", "1938-05-19", LevelClose}, // adjacent transposition
		{"1983-05-19", "1983-11-02", LevelPartial},
		{"1983-05-19", "1983-05", LevelPartial},
		{"1983", "1983-05-19", LevelPartial},
		{"1983-05-19", "1971-02-28", LevelDisagree},
		{"1983-05", "1984-05", LevelDisagree},
		{"", "1983-05-19", LevelMissing},
	}
	for _, tt := range tests {
		if got := compareDOB(ParseDate(tt.a), ParseDate(tt.b)); got.name != tt.want {
			t.Errorf("compareDOB(%q, %q) = %s, want %s", tt.a, tt.b, got.name, tt.want)
		}
	}
}

func TestScorePairs(t *testing.T) {
	t.Parallel()
	base := Record{ID: "a", Name: "Michaela Neumann", DOB: "1915-11-11", Address: "8 Stanley Street, Winston Hills 4223 NSW", NationalID: "5304218"}
	tests := []struct {
		name  string
		b     Record
		match bool
		field string // a field that must show in Why
	}{
		{"same", Record{Name: "Michaela Neumann", DOB: "19151111", Address: "8 stanley street winston hills 4223 nsw", NationalID: "5304218"}, true, "family_name exact"},
		{"swapped names", Record{Name: "Neumann Michaela", DOB: "1915-11-11", Address: "8 Stanley St, Winston Hills 4223"}, true, "names_swapped exact"},
		{"comma order", Record{Name: "Neumann, Michaela", DOB: "1915-11-11"}, true, "given_name exact"},
		{"initial and typo", Record{Name: "M. Neuman", DOB: "1915-11-11", NationalID: "5304213"}, true, "given_name initial"},
		{"id transposed", Record{Name: "Michaela Neumann", DOB: "1915-11-11", Address: "8 stanley street winston hills 4223", NationalID: "5340218"}, true, "national_id close"},
		{"lone token", Record{Name: "Neumann", DOB: "1915-11-11", Address: "8 stanley street winston hills 4223"}, true, "family_name exact"},
		{"different person same surname", Record{Name: "Courtney Neumann", DOB: "1961-12-14", Address: "12 Pinkerton Circuit Richlands 4560 VIC", NationalID: "4066625"}, false, ""},
		{"different person same dob", Record{Name: "Lachlan Berry", DOB: "1915-11-11", Address: "69 Giblin Street Bittern 4814"}, false, ""},
		{"nothing known", Record{}, false, ""},
	}
	ix, err := NewIndex([]Record{base}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.b.ID = "b"
			got := ix.Query(tt.b)
			if (len(got) == 1) != tt.match {
				fa, fb := testFeatures(base), testFeatures(tt.b)
				w, fs := weight(&fa, &fb, 0, true)
				t.Fatalf("Query matches %d, want match %v (score %.3f: %s)", len(got), tt.match, scoreOf(w, 10), why(fs))
			}
			if !tt.match {
				return
			}
			m := got[0]
			if m.A != "b" || m.B != "a" || m.Score < 0.5 || m.Score > 1 {
				t.Errorf("match %+v", m)
			}
			if !strings.Contains(m.Why, tt.field) {
				t.Errorf("Why %q lacks %q", m.Why, tt.field)
			}
		})
	}
}

func TestOptionsInvalid(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{{Threshold: 1}, {Threshold: -0.1}, {Threshold: math.NaN()}, {MaxBlock: 1}} {
		_, err := Dedupe(nil, o)
		if !bulwark.IsCode(err, bulwark.EINVALID) {
			t.Errorf("Dedupe(%+v) error %v, want invalid", o, err)
		}
		if _, err := LinkSets(nil, nil, o); err == nil {
			t.Errorf("LinkSets(%+v) accepted", o)
		}
	}
}

func TestDedupeAndLinkSets(t *testing.T) {
	t.Parallel()
	recs := []Record{
		{ID: "1", Name: "Amelia Alexander", DOB: "1983-05-19", Address: "Glasgow"},
		{ID: "2", Name: "Alexander, Amelia", DOB: "1983-05-19", Address: "Glaogw"},
		{ID: "3", Name: "Amelia Alexander", DOB: "1983-04-30", Address: "Glasgow"},
		{ID: "4", Name: "Oliver Connolly", DOB: "1972-03-08", Address: "Plymouth"},
		{ID: "5", Name: "Connolly", DOB: "1972-03-08", Address: "Plyohtu"},
		{ID: "6", Name: "Molly Bell", DOB: "2002-01-05", Address: "Peterborough"},
	}
	got, err := Dedupe(recs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	for _, m := range got {
		pairs = append(pairs, m.A+"-"+m.B)
	}
	want := []string{"1-2", "1-3", "2-3", "4-5"}
	if !slices.Equal(pairs, want) {
		t.Errorf("Dedupe pairs %v, want %v", pairs, want)
		for _, m := range got {
			t.Logf("%s-%s %.3f %s", m.A, m.B, m.Score, m.Why)
		}
	}
	links, err := LinkSets(recs[:3], recs[3:], Options{})
	if err != nil || len(links) != 0 {
		t.Errorf("LinkSets across different people: %v %v", links, err)
	}
	links, err = LinkSets(recs[3:4], recs[4:], Options{})
	if err != nil || len(links) != 1 || links[0].A != "4" || links[0].B != "5" {
		t.Errorf("LinkSets: %+v %v", links, err)
	}
}

func TestMaxBlockSkipsCommonKeys(t *testing.T) {
	t.Parallel()
	var recs []Record
	for i := range 10 {
		recs = append(recs, Record{ID: string(rune('a' + i)), Name: "John Smith", DOB: "1980-01-01"})
	}
	got, err := Dedupe(recs, Options{MaxBlock: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("blocks over MaxBlock compared: %d pairs", len(got))
	}
	got, _ = Dedupe(recs, Options{})
	if len(got) != 45 {
		t.Errorf("%d pairs, want 45", len(got))
	}
}
