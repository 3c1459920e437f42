package linkage

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Name is a person's name split into parts after normalisation: lower
// case, accents removed, punctuation dropped.
type Name struct {
	// Given is the first given name (or an initial); empty when unknown.
	Given string
	// Middle holds further given names.
	Middle []string
	// Family is the family name; empty when unknown.
	Family string
	// Ordered reports whether the parts' roles are known: false for a
	// single token without a comma, which may be either a given or a
	// family name and is held in Family.
	Ordered bool
}

// ParseName splits a full name as given. "Family, Given Middle" (a comma)
// puts the family name first; otherwise the last token is the family name
// and the first the given name. A lone token without a comma is ambiguous
// (Ordered false). Parts are folded: lower case, accents stripped,
// characters other than letters and digits removed (so "O'Neil" is
// "oneil"); hyphenated parts are joined. ParseName never fails: an empty
// or unreadable name gives the zero Name.
func ParseName(s string) Name {
	family, given, comma := strings.Cut(s, ",")
	if comma {
		ft := nameTokens(family)
		gt := nameTokens(given)
		n := Name{Ordered: true}
		if len(ft) > 0 {
			n.Family = strings.Join(ft, "")
		}
		if len(gt) > 0 {
			n.Given = gt[0]
			n.Middle = gt[1:]
		}
		if n.Family == "" && n.Given == "" {
			return Name{}
		}
		return n
	}
	t := nameTokens(s)
	switch len(t) {
	case 0:
		return Name{}
	case 1:
		return Name{Family: t[0]}
	default:
		return Name{Given: t[0], Middle: t[1 : len(t)-1], Family: t[len(t)-1], Ordered: true}
	}
}

// fold lower-cases s, strips accents and maps every rune other than a
// letter or digit to a space (apostrophes and hyphens are removed so that
// "o'neil" and "oneil" agree).
func fold(s string) string {
	s = norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == '\'' || r == '’' || r == '-' || r == '.':
			if r == '.' {
				b.WriteByte(' ')
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func nameTokens(s string) []string {
	return strings.Fields(fold(s))
}

// Date is a possibly partial date of birth; a zero component is unknown.
type Date struct {
	Year, Month, Day int
}

// IsZero reports whether nothing of the date is known.
func (d Date) IsZero() bool { return d.Year == 0 && d.Month == 0 && d.Day == 0 }

// ParseDate reads a date of birth as sources give it: YYYY-MM-DD,
// YYYY/MM/DD, YYYYMMDD, YYYY-MM, YYYYMM or YYYY (a partial date leaves the
// rest zero). Components out of range are dropped (month 13 is unknown),
// as is anything unreadable: ParseDate never fails, it returns what it
// could read. Day and month stay as written even when they look swapped;
// the comparator tolerates swaps.
func ParseDate(s string) Date {
	s = strings.TrimSpace(s)
	var parts []string
	if strings.ContainsAny(s, "-/. ") {
		parts = strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '/' || r == '.' || r == ' ' })
	} else {
		switch len(s) {
		case 8:
			parts = []string{s[:4], s[4:6], s[6:]}
		case 6:
			parts = []string{s[:4], s[4:]}
		case 4:
			parts = []string{s}
		}
	}
	var d Date
	if len(parts) == 0 || len(parts) > 3 {
		return d
	}
	y, ok := atoi(parts[0])
	if !ok || len(parts[0]) != 4 || y < 1000 {
		return d
	}
	d.Year = y
	if len(parts) > 1 {
		if m, ok := atoi(parts[1]); ok && len(parts[1]) <= 2 && m >= 1 && m <= 12 {
			d.Month = m
		}
	}
	if len(parts) > 2 {
		if dd, ok := atoi(parts[2]); ok && len(parts[2]) <= 2 && dd >= 1 && dd <= 31 {
			d.Day = dd
		}
	}
	return d
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// AddressTokens folds a free-text address into its word tokens (lower
// case, accents stripped, punctuation dropped), in order. Numbers are kept
// as tokens: house numbers and postcodes are the most telling parts of an
// address.
func AddressTokens(s string) []string {
	return strings.Fields(fold(s))
}

// NormalizeID keeps the letters and digits of a national identifier, upper
// case ("123-45 678" and "12345678" agree).
func NormalizeID(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// Soundex is the American Soundex code of a folded word (a letter and
// three digits), or "" when the word has no ASCII letter to start with.
func Soundex(s string) string {
	codes := [26]byte{'0', '1', '2', '3', '0', '1', '2', '0', '0', '2', '2', '4', '5', '5', '0', '1', '2', '6', '2', '3', '0', '1', '0', '2', '0', '2'}
	var out [4]byte
	n := 0
	var last byte
	for i := 0; i < len(s) && n < 4; i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c < 'a' || c > 'z' {
			continue
		}
		code := codes[c-'a']
		if n == 0 {
			out[0] = c - 'a' + 'A'
			n = 1
			last = code
			continue
		}
		if c == 'h' || c == 'w' {
			continue
		}
		if code == '0' {
			last = 0
			continue
		}
		if code != last {
			out[n] = code
			n++
		}
		last = code
	}
	if n == 0 {
		return ""
	}
	for n < 4 {
		out[n] = '0'
		n++
	}
	return string(out[:])
}
