package hiring

import (
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// The normalisers below turn an identifier as a person or a system wrote it
// into the one form the identity graph compares, so that two spellings of
// the same e-mail, phone, account or handle link and two different ones do
// not. Each returns ok=false (never panics) for a value that is not a usable
// identifier; such a value is reported, not linked on.

// NormalizeEmail returns the canonical form of an e-mail address: trimmed,
// lower-case, with the address rules of the large providers applied so that
// the aliases one mailbox receives compare equal:
//
//   - Gmail (gmail.com, googlemail.com): dots in the local part are ignored
//     and "+tag" dropped; googlemail.com becomes gmail.com.
//   - Outlook, Hotmail, Live and MSN; iCloud (icloud.com, me.com, mac.com);
//     Fastmail; Proton (protonmail.com, protonmail.ch, proton.me, pm.me):
//     "+tag" dropped.
//   - Yahoo (yahoo.*, ymail.com, rocketmail.com): "-tag" dropped (Yahoo's
//     disposable addresses are base-keyword@yahoo.com).
//
// A leading "mailto:" and surrounding angle brackets are removed. ok is false
// for a syntactically invalid address (no single @, an empty or over-long
// part, a domain without a dot, characters an address cannot hold).
func NormalizeEmail(s string) (string, bool) {
	s = strings.TrimSpace(foldIdentifier(s))
	s = strings.TrimPrefix(strings.TrimSuffix(s, ">"), "<")
	if len(s) > 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 254 || !utf8.ValidString(s) {
		return "", false
	}
	at := strings.IndexByte(s, '@')
	if at <= 0 || at != strings.LastIndexByte(s, '@') {
		return "", false
	}
	local, domain := s[:at], strings.TrimSuffix(s[at+1:], ".")
	if !validLocal(local) || !validDomain(domain) {
		return "", false
	}
	switch p := emailProvider(domain); p {
	case "gmail":
		local = cutTag(local, '+')
		local = strings.ReplaceAll(local, ".", "")
		domain = "gmail.com"
	case "plus":
		local = cutTag(local, '+')
	case "yahoo":
		local = cutTag(local, '-')
	}
	if local == "" {
		return "", false
	}
	return local + "@" + domain, true
}

// cutTag drops what follows the first sep of a local part, unless sep
// starts it.
func cutTag(local string, sep byte) string {
	if i := strings.IndexByte(local, sep); i > 0 {
		return local[:i]
	}
	return local
}

// emailProvider names the alias rule a (lower-case) domain follows: "gmail",
// "plus" (drop +tag), "yahoo" (drop -tag) or "" (none).
func emailProvider(domain string) string {
	switch domain {
	case "gmail.com", "googlemail.com":
		return "gmail"
	case "icloud.com", "me.com", "mac.com",
		"fastmail.com", "fastmail.fm", "fastmail.net", "fastmail.org", "fastmail.to", "fastmail.us", "messagingengine.com",
		"protonmail.com", "protonmail.ch", "proton.me", "pm.me",
		"msn.com", "passport.com":
		return "plus"
	case "ymail.com", "rocketmail.com":
		return "yahoo"
	}
	first, rest, _ := strings.Cut(domain, ".")
	if !countrySuffix(rest) {
		return ""
	}
	switch first {
	case "outlook", "hotmail", "live", "windowslive":
		return "plus"
	case "yahoo":
		return "yahoo"
	}
	return ""
}

// countrySuffix reports whether rest looks like a public suffix a
// provider's national domain uses: "com", "fr", "co.uk", "com.au" (one or
// two labels of at most three letters).
func countrySuffix(rest string) bool {
	if rest == "" {
		return false
	}
	labels := strings.Split(rest, ".")
	if len(labels) > 2 {
		return false
	}
	for _, l := range labels {
		if len(l) < 2 || len(l) > 3 {
			return false
		}
	}
	return true
}

// validLocal checks the local part of an unquoted address (RFC 5322 dot-atom,
// with UTF-8 letters as RFC 6531 allows).
func validLocal(local string) bool {
	if local == "" || len(local) > 64 || local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for _, r := range local {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.':
		case strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r):
		case r >= 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)):
		default:
			return false
		}
	}
	return true
}

// validDomain checks a host name of two or more labels whose last label is
// not numeric.
func validDomain(domain string) bool {
	if len(domain) > 253 {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			case r >= 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)):
			default:
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	return strings.TrimFunc(tld, func(r rune) bool { return r >= '0' && r <= '9' }) != ""
}

// maxPhoneLen bounds what NormalizePhone hands to the parser: no written
// phone number with its punctuation and extension is longer.
const maxPhoneLen = 64

// NormalizePhone returns a phone number in E.164 form (+14155550123), as
// libphonenumber (github.com/nyaruka/phonenumbers) parses and validates it.
// A number written without its country code is read in country, the
// person's ISO 3166-1 alpha-2 country of residence (empty: only numbers
// with a "+" or international prefix parse). ok is false for a number that
// does not parse or that the numbering plan says cannot exist; an extension
// is dropped. North American numbers written the common ways take a fast
// path that gives the library's answer without its parser (see
// normalize_phone.go).
func NormalizePhone(s, country string) (e164 string, ok bool) {
	s = strings.TrimSpace(foldIdentifier(s))
	if s == "" || len(s) > maxPhoneLen || !utf8.ValidString(s) {
		return "", false
	}
	region := strings.ToUpper(strings.TrimSpace(country))
	if len(region) != 2 {
		region = "ZZ"
	}
	digits := phoneDigits(s)
	if n := nanpTable(); n != nil {
		if e164, ok, handled := n.fastPhone(digits, region); handled {
			return e164, ok
		}
	}
	return libraryPhone(digits, region)
}

// libraryPhone is NormalizePhone by libphonenumber's parser and validation
// (s as phoneDigits leaves it, region upper case or "ZZ").
func libraryPhone(s, region string) (e164 string, ok bool) {
	defer func() {
		// The parser is a port of Java code; never let an input it trips
		// on take the process down.
		if recover() != nil {
			e164, ok = "", false
		}
	}()
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		return "", false
	}
	// A number valid in the person's own country is valid; asking that
	// first spares the search through every region of a shared country
	// code (the 25 of +1), the costliest step.
	if !(region != "ZZ" && int(num.GetCountryCode()) == phonenumbers.GetCountryCodeForRegion(region) &&
		phonenumbers.IsValidNumberForRegion(num, region)) && !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}

// phoneDigits returns s without the punctuation of a written number
// ("(415) 555-2671" → "4155552671") when digits, an optional leading "+"
// and such punctuation are all it holds, else s unchanged: the parser
// ignores the punctuation too, but finds the number faster without it.
// Letters (an extension, a vanity number) leave s to the parser.
func phoneDigits(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '+' && len(b) == 0:
			b = append(b, c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		default:
			return s
		}
	}
	return string(b)
}

// NormalizeIP parses an IPv4 or IPv6 address (net/netip), drops an IPv6
// zone and turns an IPv4-mapped IPv6 address (::ffff:192.0.2.1) into the
// IPv4 address. ok is false for anything else.
func NormalizeIP(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(foldIdentifier(s))
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// linkableIP reports whether an address says something about where a person
// is: a global unicast address, not a private, loopback, link-local,
// multicast or unspecified one (every home router hands out 192.168.1.10).
func linkableIP(a netip.Addr) bool {
	return a.IsGlobalUnicast() && !a.IsPrivate()
}

// NormalizeGitHub returns a GitHub handle in lower case, from a handle as
// written ("@Octo-Cat") or a profile URL ("https://github.com/octo-cat/",
// "github.com/octo-cat?tab=repositories"). ok is false unless the handle
// follows GitHub's rules: 1 to 39 letters, digits and single hyphens, not
// starting or ending with a hyphen.
func NormalizeGitHub(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(foldIdentifier(s)))
	for _, p := range []string{"https://", "http://"} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.TrimPrefix(s, "www.")
	if rest, ok := strings.CutPrefix(s, "github.com/"); ok {
		s = rest
		if i := strings.IndexAny(s, "/?#"); i >= 0 {
			s = s[:i]
		}
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "@"), "/")
	if s == "" || len(s) > 39 || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return "", false
		}
	}
	return s, true
}

// compact upper-cases s and removes the separators people write inside
// numbers and serials (spaces, hyphens, dots, slashes, colons, underscores).
// ok is false when anything other than letters and digits is left, or
// nothing is.
func compact(s string) (string, bool) {
	s = foldIdentifier(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r == ' ' || r == '-' || r == '.' || r == '/' || r == ':' || r == '_' || r == '\t' || r == '\u00a0':
		default:
			return "", false
		}
	}
	if b.Len() == 0 {
		return "", false
	}
	return b.String(), true
}

// placeholder reports whether a compacted value is a filler rather than an
// identifier: one character repeated ("000000000", "XXXX"), or a firmware
// or form default ("TOBEFILLEDBYOEM", "NA", "NONE").
func placeholder(v string) bool {
	if strings.Count(v, v[:1]) == len(v) {
		return true
	}
	switch v {
	case "NA", "NONE", "NULL", "UNKNOWN", "TBD", "TBA", "DEFAULTSTRING", "TOBEFILLEDBYOEM",
		"SYSTEMSERIALNUMBER", "CHASSISSERIALNUMBER", "NOTAPPLICABLE", "NOTSPECIFIED",
		"0123456789", "123456789", "1234567890", "123456", "12345678":
		return true
	}
	return false
}

// NormalizeSerial returns a device serial number upper-case with its
// separators removed ("c02x-1234.ab" → "C02X1234AB"). ok is false for an
// empty value, one with other punctuation, or a firmware placeholder
// ("To be filled by O.E.M.", "Default string", "0000000") that many devices
// share.
func NormalizeSerial(s string) (string, bool) {
	v, ok := compact(s)
	if !ok {
		v, ok = compact(strings.Map(func(r rune) rune {
			if unicode.IsPunct(r) {
				return -1
			}
			return r
		}, foldIdentifier(s)))
	}
	if !ok || len(v) < 4 || placeholder(v) {
		return "", false
	}
	return v, true
}

// NormalizeNationalID returns a national identity number upper-case with
// its separators removed ("123-45-6789" → "123456789"). ok is false for an
// empty value, one with other punctuation, fewer than four characters or a
// placeholder ("000-00-0000", "N/A").
func NormalizeNationalID(s string) (string, bool) {
	v, ok := compact(s)
	if !ok || len(v) < 4 || placeholder(v) {
		return "", false
	}
	return v, true
}

// Account is a normalised bank account number.
type Account struct {
	// Value is the number upper-case with spaces and hyphens removed.
	Value string `json:"value"`
	// IBAN is true when the number has the form of an IBAN: two letters
	// (a country code) and two check digits, then letters and digits.
	IBAN bool `json:"iban,omitempty"`
	// Valid is false for an IBAN whose ISO 13616 mod-97 check fails or
	// whose length is not its country's. Other account numbers have no
	// general check and are always Valid.
	Valid bool `json:"valid"`
}

// NormalizeBankAccount normalises a bank account number or IBAN: spaces,
// hyphens, dots and slashes out, upper-case, an "IBAN" prefix dropped. An
// IBAN is checked by the ISO 13616 mod-97 rule and, for the countries of
// the SWIFT IBAN registry, its length; an invalid IBAN still normalises
// (two records sharing the same mistyped IBAN still share it) and is
// marked not Valid. ok is false for an empty value or one holding other
// characters.
func NormalizeBankAccount(s string) (Account, bool) {
	v, ok := compact(s)
	if !ok || len(v) < 4 || placeholder(v) {
		return Account{}, false
	}
	if rest, ok := strings.CutPrefix(v, "IBAN"); ok && looksIBAN(rest) {
		v = rest
	}
	if !looksIBAN(v) {
		return Account{Value: v, Valid: true}, true
	}
	return Account{Value: v, IBAN: true, Valid: ValidIBAN(v)}, true
}

// looksIBAN reports whether v (compacted) has an IBAN's form: two letters,
// two digits and at least one more character, at most 34 in all.
func looksIBAN(v string) bool {
	return len(v) >= 5 && len(v) <= 34 &&
		v[0] >= 'A' && v[0] <= 'Z' && v[1] >= 'A' && v[1] <= 'Z' &&
		v[2] >= '0' && v[2] <= '9' && v[3] >= '0' && v[3] <= '9'
}

// ValidIBAN reports whether v, a compacted upper-case IBAN, passes the
// ISO 13616 mod-97 check and has its country's length (where the SWIFT
// registry gives one; other country codes are held to 15–34 characters).
func ValidIBAN(v string) bool {
	if !looksIBAN(v) {
		return false
	}
	if n, ok := ibanLength[v[:2]]; ok {
		if len(v) != n {
			return false
		}
	} else if len(v) < 15 {
		return false
	}
	rem := 0
	for i := range len(v) {
		c := v[(i+4)%len(v)]
		switch {
		case c >= '0' && c <= '9':
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			rem = (rem*100 + int(c-'A'+10)) % 97
		default:
			return false
		}
	}
	return rem == 1
}

// ibanLength is each country's IBAN length, from the SWIFT IBAN registry.
var ibanLength = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
	"BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
	"EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
	"GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
	"IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
	"LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
	"NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
	"RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
	"SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// normalizeCrypto returns a crypto address in the form two spellings of one
// address share: trimmed; an EVM address (0x and 40 hex digits, whose mixed
// case is only a checksum) and a bech32 address (bc1…, tb1…, ltc1…, which
// is case-insensitive) in lower case; any other address (base58, whose case
// is part of the address) as given. "" for an empty value.
func normalizeCrypto(s string) string {
	s = strings.TrimSpace(s)
	l := strings.ToLower(s)
	switch {
	case len(l) == 42 && strings.HasPrefix(l, "0x") && isHex(l[2:]):
		return l
	case strings.HasPrefix(l, "bc1") || strings.HasPrefix(l, "tb1") || strings.HasPrefix(l, "ltc1"):
		return l
	}
	return s
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
