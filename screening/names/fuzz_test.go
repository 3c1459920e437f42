package names

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzNormalize: any input, valid UTF-8 or not, normalises without
// panicking to valid UTF-8 tokens separated by single spaces, and can be
// searched.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Kim Jong-un", "PUTIN, Vladimir", "ООО \"Ромашка\"", "김정은", "金正恩", "محمد بن سلمان", "A.B.C. Co., Ltd.", "\xff\xfe", "Ch'oe", "forty four", "ii iii", "ا", "ـ", "ゃ"} {
		f.Add(s)
	}
	ix := testIndex()
	f.Fuzz(func(t *testing.T, s string) {
		out := Normalize(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Normalize(%q) = %q: invalid UTF-8", s, out)
		}
		if strings.HasPrefix(out, " ") || strings.HasSuffix(out, " ") || strings.Contains(out, "  ") {
			t.Fatalf("Normalize(%q) = %q: bad spacing", s, out)
		}
		if n := len(strings.Fields(out)); n > maxTokens {
			t.Fatalf("Normalize(%q) has %d tokens", s, n)
		}
		for _, m := range ix.Search(Query{Name: s, DateOfBirth: s, Country: s, Type: s}) {
			if m.Score < 0 || m.Score > 1 || math.IsNaN(m.Score) {
				t.Fatalf("Search(%q) score %v", s, m.Score)
			}
		}
		_ = ValidQuery(Query{Name: s, DateOfBirth: s, Country: s, Type: s})
	})
}

// FuzzCompare: scores are in [0,1], symmetric, and a name matches itself
// fully.
func FuzzCompare(f *testing.F) {
	seeds := [][2]string{
		{"Kim Jong Un", "Gim Jeong-eun"}, {"SiemensAG", "Siemens AG"}, {"PLA", "People's Liberation Army"},
		{"Osama bin Laden", "Usama bin Ladin"}, {"", "x"}, {"\xff", "\xfe"}, {"a b c", "abc"}, {"Ltd", "Limited"},
		{"محمد علي", "Mohamed Ali"}, {"习近平", "Xi Jinping"}, {"Ким Чен Ын", "Kim Jong Un"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, ex := Compare(a, b, "")
		ba, _ := Compare(b, a, "")
		if math.IsNaN(ab) || ab < 0 || ab > 1 {
			t.Fatalf("Compare(%q, %q) = %v", a, b, ab)
		}
		if math.Abs(ab-ba) > 1e-9 {
			t.Fatalf("Compare(%q, %q) = %v, reversed %v", a, b, ab, ba)
		}
		if ex.Score != ab || ex.AlgorithmVersion != AlgorithmVersion {
			t.Fatalf("explanation score %v != %v", ex.Score, ab)
		}
		if Normalize(a) != "" {
			if s, _ := Compare(a, a, ""); s != 1 {
				t.Fatalf("Compare(%q, itself) = %v", a, s)
			}
		}
	})
}
