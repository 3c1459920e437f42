package hiring

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// NormalizeAddress returns the comparable form of a postal address: accents
// and compatibility forms folded (NFKD, combining marks removed, Unicode
// case folding, so "Straße" and "STRASSE", "Café" and "cafe" agree),
// punctuation removed, runs of spaces collapsed, and the usual abbreviations
// written one way: street types (st → street, rd → road, ave → avenue, blvd,
// dr, ln, ct, pl, hwy, pkwy, …), unit designators (apt, apartment, unit,
// flat, "#" → unit; ste → suite; fl → floor), directions (n → north, ne →
// northeast, …), "p.o. box" → "po box", a ZIP+4 cut to its ZIP, and a
// trailing "USA", "United States (of America)", "UK" or "United Kingdom"
// dropped.
// "12 Main St., Apt 4" and "12 main street unit 4" both become
// "12 main street unit 4". An address with nothing left (only punctuation)
// normalises to "".
//
// Abbreviations are read word by word, so "St" is always "street" (also in
// "St. John's Road"); both sides of a comparison go through the same rule,
// which is all the identity graph needs.
func NormalizeAddress(s string) string {
	if s == "" {
		return ""
	}
	folded := fold(s)
	var words []string
	var w strings.Builder
	flush := func() {
		if w.Len() > 0 {
			words = append(words, w.String())
			w.Reset()
		}
	}
	// Punctuation, apostrophes included ("l'église" → "l eglise"), ends
	// a word.
	for _, r := range folded {
		switch {
		case r == '#':
			flush()
			words = append(words, "unit")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			w.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	out := words[:0]
	for i := 0; i < len(words); i++ {
		word := words[i]
		if word == "po" || word == "p" && i+1 < len(words) && words[i+1] == "o" {
			if word == "p" {
				i++
			}
			out = append(out, "po")
			if i+1 < len(words) && words[i+1] == "box" {
				out = append(out, "box")
				i++
			}
			continue
		}
		if full, ok := addressAbbrev[word]; ok {
			word = full
		}
		// A ZIP+4 ("62704-1234") compares as its five-digit ZIP.
		if len(word) == 4 && len(out) > 0 && len(out[len(out)-1]) == 5 && allDigits(word) && allDigits(out[len(out)-1]) {
			continue
		}
		// "unit unit 4" (from "Apt #4") says it once.
		if word == "unit" && len(out) > 0 && out[len(out)-1] == "unit" {
			continue
		}
		out = append(out, word)
	}
	return strings.Join(dropCountry(out), " ")
}

// trailingCountries are country names an address may end with or not,
// word by word, last word first.
var trailingCountries = [][]string{
	{"america", "of", "states", "united"},
	{"states", "united"},
	{"kingdom", "united"},
	{"usa"}, {"us"}, {"uk"},
}

// dropCountry removes trailing country names ("USA", "United States of
// America", "UK", "United Kingdom") from an address of more than that.
func dropCountry(words []string) []string {
	for {
		n := len(words)
		for _, c := range trailingCountries {
			if len(words) > len(c) && endsWith(words, c) {
				words = words[:len(words)-len(c)]
				break
			}
		}
		if len(words) == n {
			return words
		}
	}
}

// endsWith reports whether words end with rev read backwards.
func endsWith(words, rev []string) bool {
	for k, w := range rev {
		if words[len(words)-1-k] != w {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// fold applies NFKD, removes combining marks and case-folds s; pure ASCII
// only needs lower-casing.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	d := norm.NFKD.String(s)
	d = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, d)
	// Fold, then lower: folding takes Cherokee to upper case.
	return strings.ToLower(cases.Fold().String(d))
}

// addressAbbrev maps the abbreviations and variants of address words to the
// one word NormalizeAddress writes.
var addressAbbrev = map[string]string{
	// street types (USPS Publication 28, Canada Post, Royal Mail usage)
	"st": "street", "str": "street", "strt": "street",
	"rd":  "road",
	"ave": "avenue", "av": "avenue", "avn": "avenue", "aven": "avenue", "avenu": "avenue",
	"blvd": "boulevard", "boul": "boulevard", "blv": "boulevard",
	"dr": "drive", "drv": "drive", "driv": "drive",
	"ln": "lane",
	"ct": "court", "crt": "court",
	"pl": "place",
	"sq": "square", "sqr": "square",
	"hwy": "highway", "hway": "highway",
	"pkwy": "parkway", "pky": "parkway", "parkwy": "parkway",
	"cir": "circle", "circ": "circle",
	"ter": "terrace", "terr": "terrace",
	"trl":  "trail",
	"cres": "crescent", "cr": "crescent",
	"expy": "expressway", "fwy": "freeway",
	"mt": "mount", "ft": "fort",
	"cv": "cove", "pt": "point", "plz": "plaza", "aly": "alley",
	// units
	"apt": "unit", "apartment": "unit", "appt": "unit", "unit": "unit", "flat": "unit", "no": "unit",
	"ste": "suite", "fl": "floor", "flr": "floor", "rm": "room", "bldg": "building",
	// directions
	"n": "north", "s": "south", "e": "east", "w": "west",
	"ne": "northeast", "nw": "northwest", "se": "southeast", "sw": "southwest",
	"nth": "north", "sth": "south",
}
