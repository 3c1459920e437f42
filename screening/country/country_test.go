package country

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
	"golang.org/x/text/language"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, code, msg string
	}{
		{"", "", ""},
		{"  ", "", ""},
		{"KP", "KP", ""},
		{"kp", "KP", ""},
		{"PRK", "KP", ""},
		{"North Korea", "KP", ""},
		{"DPRK", "KP", ""},
		{"Korea, Democratic People's Republic of", "KP", ""},
		{"Democratic People’s Republic of Korea", "KP", ""},
		{"South Korea", "KR", ""},
		{"KOR", "KR", ""},
		{"Korea, Republic of", "KR", ""},
		{"GBR", "GB", ""},
		{"UK", "GB", ""},
		{"USA", "US", ""},
		{"NA", "NA", ""},
		{"XK", "XK", ""},
		{"Côte d'Ivoire", "CI", ""},
		{"Korea", "", `country: "Korea" is ambiguous: give KP (North Korea) or KR (South Korea)`},
		{"KOREA", "", `is ambiguous`},
		{"Congo", "", `is ambiguous: give CG (Republic of the Congo) or CD`},
		{"Virgin Islands", "", `is ambiguous`},
		{"ZZ", "", `"ZZ" is not an ISO 3166-1 alpha-2 code`},
		{"SUN", "", `"SUN" is not a country Bulwark knows`},
		{"ZZZ", "", `is not a country Bulwark knows`},
		{"undetermined", "", `names no current country`},
		{"408", "", `is not a country Bulwark knows`},
		{strings.Repeat("x", 101), "", `101 bytes is too long`},
	} {
		code, err := Parse("country", tc.in)
		if tc.msg == "" {
			if err != nil || code != tc.code {
				t.Errorf("Parse(%q) = %q, %v; want %q", tc.in, code, err, tc.code)
			}
			continue
		}
		if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(bulwark.ErrorMessage(err), tc.msg) {
			t.Errorf("Parse(%q) = %q, %v; want an error with %q", tc.in, code, err, tc.msg)
		}
	}
}

// Every country of the table is reachable by its alpha-3 code.
func TestParseEveryAlpha3(t *testing.T) {
	t.Parallel()
	for code := range isoCodes {
		r, err := language.ParseRegion(code)
		if err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		a3 := r.ISO3()
		if got, err := Parse("country", a3); err != nil || got != code {
			t.Errorf("Parse(%q) = %q, %v; want %s", a3, got, err, code)
		}
	}
}

// FuzzParse: Parse never panics, answers an ISO code of the table or an
// EINVALID error with a short valid UTF-8 message, and agrees with itself
// on its own answer.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"KP", "prk", "North Korea", "Korea", "Congo, Democratic Republic of the", "possibly Palestinian", "\xff", "NA", "408", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := Parse("country", s)
		if err != nil {
			msg := bulwark.ErrorMessage(err)
			if !bulwark.IsCode(err, bulwark.EINVALID) || len(msg) > 300 || !utf8.ValidString(msg) {
				t.Fatalf("Parse(%q): %v", s, err)
			}
			return
		}
		if code == "" {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("Parse(%q) = \"\" without an error", s)
			}
			return
		}
		if !IsISO(code) {
			t.Fatalf("Parse(%q) = %q, not a code of the table", s, code)
		}
		if again, err := Parse("country", code); err != nil || again != code {
			t.Fatalf("Parse(%q) = %q, but Parse(%q) = %q, %v", s, code, code, again, err)
		}
	})
}
