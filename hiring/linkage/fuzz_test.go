package linkage

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"unicode"
)

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"Noah Watson", "Watson, Noah", "O'Neil, J. R.", "José María García-López", ",", "  ", "李 小龙", "a,b,c", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := ParseName(s)
		for _, p := range append([]string{n.Given, n.Family}, n.Middle...) {
			for _, r := range p {
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					t.Fatalf("ParseName(%q) part %q has %q", s, p, r)
				}
			}
		}
		if !n.Ordered && (n.Given != "" || len(n.Middle) > 0) {
			t.Fatalf("ParseName(%q) = %+v: unordered with a given name", s, n)
		}
		// Rendering the parsed name as "Family, Given" reads back the same parts.
		if n.Ordered && n.Family != "" && n.Given != "" {
			again := ParseName(n.Family + ", " + strings.Join(append([]string{n.Given}, n.Middle...), " "))
			if again.Given != n.Given || again.Family != n.Family {
				t.Fatalf("ParseName(%q) = %+v, reparsed %+v", s, n, again)
			}
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"1983-05-19", "19830519", "1983/5/9", "1983-05", "198305", "1983", "1983-13-40", "", "n/a", "9999-99-99", "1983-05-19-01", "  1983 05 19 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := ParseDate(s)
		if d.Year != 0 && (d.Year < 1000 || d.Year > 9999) || d.Month < 0 || d.Month > 12 || d.Day < 0 || d.Day > 31 {
			t.Fatalf("ParseDate(%q) = %+v out of range", s, d)
		}
		if d.Year == 0 && !d.IsZero() {
			t.Fatalf("ParseDate(%q) = %+v: month or day without a year", s, d)
		}
		if d.Month != 0 && d.Day != 0 {
			for _, layout := range []string{"%04d-%02d-%02d", "%04d%02d%02d"} {
				if back := ParseDate(fmt.Sprintf(layout, d.Year, d.Month, d.Day)); back != d {
					t.Fatalf("ParseDate(%q) = %+v, round trip %+v", s, d, back)
				}
			}
		}
		if c := compareDOB(d, d); d.Year != 0 && c.name == LevelDisagree {
			t.Fatalf("date %+v disagrees with itself", d)
		}
	})
}

func FuzzNormalizers(f *testing.F) {
	for _, s := range []string{"12 Rue de l'Église, 75004 Paris", "123-45-678", "", "\x00\xff", "ﬁ ǅ ß"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range AddressTokens(s) {
			if tok == "" || strings.ContainsFunc(tok, unicode.IsSpace) {
				t.Fatalf("AddressTokens(%q) token %q", s, tok)
			}
		}
		id := NormalizeID(s)
		if NormalizeID(id) != id {
			t.Fatalf("NormalizeID not idempotent on %q: %q then %q", s, id, NormalizeID(id))
		}
		if sx := Soundex(s); sx != "" && len(sx) != 4 {
			t.Fatalf("Soundex(%q) = %q", s, sx)
		}
	})
}

func FuzzCompare(f *testing.F) {
	f.Add("Noah Watson", "2008-03-23", "Bolton", "123", "Watson, Noah", "20080323", "Bolno", "124")
	f.Add("M. Neumann", "1915-11-11", "8 stanley st 4223", "", "Neumann", "1915", "", "5304218")
	f.Add("", "", "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, n1, d1, a1, i1, n2, d2, a2, i2 string) {
		x := testFeatures(Record{Name: n1, DOB: d1, Address: a1, NationalID: i1})
		y := testFeatures(Record{Name: n2, DOB: d2, Address: a2, NationalID: i2})
		wxy, fs := weight(&x, &y, 0, true)
		wyx, _ := weight(&y, &x, 0, true)
		if math.IsNaN(wxy) || math.Abs(wxy-wyx) > 1e-9 {
			t.Fatalf("weight not symmetric: %v vs %v (%s)", wxy, wyx, why(fs))
		}
		if s := scoreOf(wxy, 10); !(s >= 0 && s <= 1) {
			t.Fatalf("score %v", s)
		}
		if js := JaroWinkler(x.family, y.family); js < 0 || js > 1+1e-12 {
			t.Fatalf("JaroWinkler(%q, %q) = %v", x.family, y.family, js)
		}
		if s := addressSim(x.addr, y.addr); s > 1+1e-12 {
			t.Fatalf("addressSim %v", s)
		}
		if noFast, _ := weight(&x, &y, math.Inf(-1), false); noFast != wxy {
			t.Fatalf("weight without explain %v, with %v", noFast, wxy)
		}
	})
}

func FuzzTextShingles(f *testing.F) {
	// Short seeds: the fuzzer mutates and minimises long inputs slowly.
	f.Add("Led a team of six. Skills: Go, Kafka.", "Skills: Go, Kafka. Led a team of five.")
	f.Add("a. b. c", "")
	f.Add("\n\n\r•", "x")
	f.Fuzz(func(t *testing.T, a, b string) {
		ix, err := NewTextIndex(TextOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sa, sb := ix.shingles(a), ix.shingles(b)
		j := jaccard(sa, sb)
		if j < 0 || j > 1 || j != jaccard(sb, sa) {
			t.Fatalf("jaccard %v", j)
		}
		if len(sa) > 0 {
			if err := ix.Add("a", a); err != nil {
				t.Fatal(err)
			}
			if q := ix.Query(a); len(q) != 1 || q[0].Jaccard != 1 {
				t.Fatalf("a document does not find itself: %+v", q)
			}
		}
	})
}
