package hiring

import (
	"strings"
	"unicode"
	"unicode/utf8"

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
// trailing "USA", "United States (of America)", "UK", "United Kingdom" or
// "Canada" dropped, and a US state's or Canadian province's name written
// as its postal code where it stands before the ZIP or postal code or at
// the end ("Illinois 62704" → "il 62704").
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
	// The words are cut from one copy of their letters and digits (one
	// allocation, not one a word): spans[k] is word k's [start, end) in
	// buf, or {-1, -1} for the "unit" a '#' stands for.
	buf := make([]byte, 0, len(folded))
	var spanBuf [16][2]int
	spans := spanBuf[:0]
	start := -1
	flush := func() {
		if start >= 0 && len(buf) > start {
			spans = append(spans, [2]int{start, len(buf)})
		}
		start = -1
	}
	// Punctuation, apostrophes included ("l'église" → "l eglise"), ends
	// a word.
	for _, r := range folded {
		switch {
		case r == '#':
			flush()
			spans = append(spans, [2]int{-1, -1})
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'),
			r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)),
			r < utf8.RuneSelf && r >= 'A' && r <= 'Z':
			if start < 0 {
				start = len(buf)
			}
			buf = utf8.AppendRune(buf, r)
		default:
			flush()
		}
	}
	flush()
	letters := string(buf)
	words := make([]string, len(spans))
	for k, sp := range spans {
		if sp[0] < 0 {
			words[k] = "unit"
		} else {
			words[k] = letters[sp[0]:sp[1]]
		}
	}
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
	return strings.Join(regionCodes(dropCountry(out)), " ")
}

// regions maps the names of US states and territories and Canadian
// provinces and territories, as words, to their postal codes, so that
// "Springfield, Illinois 62704" and "Springfield, IL 62704" agree.
var regions = map[string]string{
	"alabama": "al", "alaska": "ak", "arizona": "az", "arkansas": "ar", "california": "ca", "colorado": "co",
	"connecticut": "ct", "delaware": "de", "florida": "fl", "georgia": "ga", "hawaii": "hi", "idaho": "id",
	"illinois": "il", "indiana": "in", "iowa": "ia", "kansas": "ks", "kentucky": "ky", "louisiana": "la",
	"maine": "me", "maryland": "md", "massachusetts": "ma", "michigan": "mi", "minnesota": "mn",
	"mississippi": "ms", "missouri": "mo", "montana": "mt", "nebraska": "ne", "nevada": "nv",
	"new hampshire": "nh", "new jersey": "nj", "new mexico": "nm", "new york": "ny", "north carolina": "nc",
	"north dakota": "nd", "ohio": "oh", "oklahoma": "ok", "oregon": "or", "pennsylvania": "pa",
	"rhode island": "ri", "south carolina": "sc", "south dakota": "sd", "tennessee": "tn", "texas": "tx",
	"utah": "ut", "vermont": "vt", "virginia": "va", "washington": "wa", "west virginia": "wv",
	"wisconsin": "wi", "wyoming": "wy", "district of columbia": "dc", "puerto rico": "pr", "guam": "gu",
	"alberta": "ab", "british columbia": "bc", "manitoba": "mb", "new brunswick": "nb",
	"newfoundland and labrador": "nl", "nova scotia": "ns", "ontario": "on", "prince edward island": "pe",
	"quebec": "qc", "saskatchewan": "sk", "northwest territories": "nt", "nunavut": "nu", "yukon": "yt",
}

// regionAbbrev undoes addressAbbrev for the state codes that are also
// street or unit abbreviations, where they stand as the region.
var regionAbbrev = map[string]string{"floor": "fl", "court": "ct", "mount": "mt", "northeast": "ne"}

// regionCodes writes a state or province name as its postal code where an
// address gives the region: before a ZIP or a Canadian postal code, or at
// the end. Elsewhere ("12 Washington Street") the words stay.
func regionCodes(words []string) []string {
	out := make([]string, 0, len(words))
	var nameBuf [64]byte
	name := nameBuf[:0] // words[i:i+n] joined by spaces, looked up without a copy
	for i := 0; i < len(words); i++ {
		done := false
		for n := min(4, len(words)-i); n >= 1 && !done; n-- {
			var code string
			var ok bool
			if n == 1 {
				code, ok = regions[words[i]]
				if !ok {
					// The street-word expansions of FL, CT, MT and NE.
					code, ok = regionAbbrev[words[i]]
				}
			} else {
				name = append(name[:0], words[i]...)
				for _, w := range words[i+1 : i+n] {
					name = append(append(name, ' '), w...)
				}
				code, ok = regions[string(name)]
			}
			if !ok || i == 0 {
				continue
			}
			if next := i + n; next == len(words) || postalWord(words[next]) {
				out = append(out, code)
				i += n - 1
				done = true
			}
		}
		if !done {
			out = append(out, words[i])
		}
	}
	return out
}

// postalWord reports whether w is a US ZIP or the first half of a Canadian
// postal code (letter, digit, letter, or the whole code run together).
func postalWord(w string) bool {
	if len(w) == 5 && allDigits(w) {
		return true
	}
	if len(w) == 3 || len(w) == 6 {
		return w[0] >= 'a' && w[0] <= 'z' && w[1] >= '0' && w[1] <= '9' && w[2] >= 'a' && w[2] <= 'z'
	}
	return false
}

// buildingAddress is a normalised address (NormalizeAddress) without its
// unit, suite, floor or room ("1 farm road unit 2 austin tx 78701" →
// "1 farm road austin tx 78701"): the building several hires' laptops go
// to, whatever flat each one names. A unit written in parts ("Apt 4-B":
// "unit 4 b") goes whole; a unit before the house number ("Flat 3, 12
// Main St": "unit 3 12 main street") goes too; but "No. 12 Main St"
// ("unit 12 main street": no number follows) is a house number and stays.
func buildingAddress(norm string) string {
	w := strings.Fields(norm)
	out := w[:0:0]
	for i := 0; i < len(w); i++ {
		switch w[i] {
		case "unit", "suite", "floor", "room":
			if w[i] == "unit" && i == 0 && i+2 < len(w) && !hasDigit(w[i+2]) {
				break // "no 12 main street": the house number
			}
			if i+1 < len(w) {
				i++
			}
			for i+1 < len(w) && len(w[i+1]) == 1 && w[i+1][0] >= 'a' && w[i+1][0] <= 'z' {
				i++ // "4 b"
			}
			continue
		}
		out = append(out, w[i])
	}
	return strings.Join(out, " ")
}

// trailingCountries are country names an address may end with or not,
// word by word, last word first.
var trailingCountries = [][]string{
	{"america", "of", "states", "united"},
	{"states", "united"},
	{"kingdom", "united"},
	{"usa"}, {"us"}, {"uk"}, {"canada"},
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
		if unicode.Is(unicode.Mn, r) || defaultIgnorable(r) {
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
