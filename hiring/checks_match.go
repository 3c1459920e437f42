package hiring

import (
	"slices"
	"strings"
	"unicode"

	"github.com/bulwark-sec/bulwark/hiring/linkage"
	"golang.org/x/text/unicode/norm"
)

// The comparisons the rules make of names, addresses and accounts. They
// are deliberately simple and exact after normalisation; the fuzzy linkage
// of records is the identity graph's job, and sanctions matching the
// screening service's.

// matchKey is how evidence names a person (an id or an e-mail): an e-mail
// as NormalizeEmail has it (lower case, a provider's dot and tag aliases
// folded), anything else trimmed and lower-cased.
func matchKey(s string) string {
	if strings.IndexByte(s, '@') >= 0 {
		if e, ok := NormalizeEmail(s); ok {
			return e
		}
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// githubKey normalises a GitHub handle or profile URL to the lower-case
// login.
func githubKey(s string) string {
	s = matchKey(s)
	for _, p := range []string{"https://", "http://", "www.", "github.com/"} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.TrimPrefix(s, "@")
	s, _, _ = strings.Cut(s, "/")
	return s
}

// accountKey normalises a bank account, IBAN or crypto address: spaces,
// dashes and dots removed, lower case.
func accountKey(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch r {
		case ' ', '-', '.', '\t':
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// serialKey normalises a device serial: trimmed, upper case.
func serialKey(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// foldTokens lower-cases s, strips diacritics and splits it into words of
// letters and digits.
func foldTokens(s string) []string {
	s = norm.NFD.String(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case r == '#':
			b.WriteString(" # ")
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Fields(b.String())
}

// nameTokens are the words of a personal name, sorted.
func nameTokens(s string) []string {
	t := foldTokens(s)
	slices.Sort(t)
	return t
}

// sameName reports whether two personal names can be the same person's:
// the shorter name's words each match a distinct word of the longer one
// exactly, as an initial, or with a Jaro-Winkler similarity of at least
// 0.93 between words of five letters or more (a typo: "Jonathan" and
// "Jonathon", not "Maria" and "Mario"), in any order. "Jon A. Smith" and "Smith, John" are the same
// name; "John Smith" and "Jane Smith" are not. A name missing on either
// side counts as the same (nothing says they differ).
func sameName(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	used := make([]bool, len(b))
	full := 0 // words of a matched by a whole word, not an initial
	for _, w := range a {
		found := false
		for pass := 0; pass < 3 && !found; pass++ {
			for j, v := range b {
				if used[j] {
					continue
				}
				var ok bool
				switch pass {
				case 0:
					ok = w == v
				case 1:
					ok = len(w) >= 5 && len(v) >= 5 && !hasDigit(w) && !hasDigit(v) && linkage.JaroWinkler(w, v) >= 0.93
				case 2:
					ok = (len(w) == 1 && strings.HasPrefix(v, w)) || (len(v) == 1 && strings.HasPrefix(w, v))
				}
				if ok {
					used[j] = true
					found = true
					if pass < 2 {
						full++
					}
					break
				}
			}
		}
		if !found {
			return false
		}
	}
	// A one-word name matches only a one-word name or a surname-only record
	// in full; "J" alone matches nothing.
	return full >= 1
}

// addressWords maps the common spellings of postal-address words to one.
var addressWords = map[string]string{
	"street": "st", "str": "st", "avenue": "ave", "av": "ave", "road": "rd", "drive": "dr",
	"boulevard": "blvd", "lane": "ln", "court": "ct", "place": "pl", "terrace": "ter",
	"highway": "hwy", "parkway": "pkwy", "circle": "cir", "square": "sq", "suite": "unit",
	"ste": "unit", "apartment": "unit", "apt": "unit", "#": "unit", "no": "unit", "flat": "unit",
	"north": "n", "south": "s", "east": "e", "west": "w", "northeast": "ne", "northwest": "nw",
	"southeast": "se", "southwest": "sw", "floor": "fl", "building": "bldg", "mount": "mt",
	"saint": "st", "fort": "ft",
}

// addressTail are words a postal address may end with or not (the
// country).
var addressTail = map[string]bool{"usa": true, "us": true, "america": true, "united": true, "states": true, "of": true, "uk": true, "kingdom": true}

// addressKey normalises a postal address for comparison: diacritics and
// punctuation dropped, common words abbreviated one way ("Street" → "st",
// "Apt"/"#"/"Suite" → "unit"), a ZIP+4 cut to its five digits and a
// trailing country name dropped. Two addresses are the same when their
// keys are equal; no geocoding.
func addressKey(s string) string {
	t := foldTokens(s)
	for i, w := range t {
		if a, ok := addressWords[w]; ok {
			t[i] = a
		}
	}
	// "62704 1234" (a ZIP+4 split at its dash) → "62704".
	out := t[:0]
	for i, w := range t {
		if i > 0 && len(w) == 4 && isDigits(w) && len(t[i-1]) == 5 && isDigits(t[i-1]) {
			continue
		}
		out = append(out, w)
	}
	for len(out) > 0 && addressTail[out[len(out)-1]] {
		out = out[:len(out)-1]
	}
	// "unit unit 4" from "Apt #4".
	dedup := out[:0]
	for i, w := range out {
		if i > 0 && w == "unit" && out[i-1] == "unit" {
			continue
		}
		dedup = append(dedup, w)
	}
	return strings.Join(dedup, " ")
}

func hasDigit(s string) bool {
	return strings.ContainsAny(s, "0123456789")
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
