package lists

import (
	"errors"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/chainaddr"
)

// checkAddress reports whether addr is a plausible digital currency address
// for the ticker a list filed it under. It keeps the fragments that
// truncation and bad joins leave behind out of an import, not every address
// Bulwark cannot parse:
//
//   - an address screening/chainaddr parses under the ticker, or parses as
//     another chain's valid address (a list filing a TRON address under
//     XBT), is accepted;
//   - for a ticker chainaddr knows, anything else is rejected with
//     chainaddr's reason;
//   - for a ticker it does not know, the address must be 20 to 130 letters,
//     digits and ":_-." (or an EOS-style account name for EOS, WAX, Telos),
//     and is later matched as written.
func checkAddress(currency, addr string) error {
	if addr == "" {
		return errors.New("empty address")
	}
	if len(addr) > 130 {
		return errors.New("longer than any address format")
	}
	for i := 0; i < len(addr); i++ {
		c := addr[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == ':' || c == '_' || c == '-' || c == '.') {
			return errors.New("contains characters no address format uses")
		}
	}
	_, err := chainaddr.Parse(addr, currency)
	switch {
	case err == nil, errors.Is(err, chainaddr.ErrCurrencyMismatch):
		return nil
	case !errors.Is(err, chainaddr.ErrUnsupportedCurrency):
		// chainaddr's message repeats the address first: keep the reason.
		msg := bulwark.ErrorMessage(err)
		if _, reason, ok := strings.Cut(msg, "; "); ok {
			msg = reason
		}
		return errors.New(msg)
	}
	if nameAccounts[currency] && isEOSName(addr) {
		return nil
	}
	if len(addr) < 20 {
		return errors.New("shorter than any address format")
	}
	return nil
}

// nameAccounts are the chains whose accounts are names of up to 12
// characters a–z, 1–5 and '.'.
var nameAccounts = map[string]bool{"EOS": true, "WAX": true, "WAXP": true, "TLOS": true}

func isEOSName(s string) bool {
	if s == "" || len(s) > 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '1' && c <= '5' || c == '.') {
			return false
		}
	}
	return true
}

// homoglyphs maps Cyrillic, Greek, Armenian and small-capital letters that
// look like Latin ones to those Latin letters. Lists copied from web pages
// sometimes carry them inside addresses (the Israeli NBCTF list does).
var homoglyphs = map[rune]rune{
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C',
	'Т': 'T', 'У': 'Y', 'Х': 'X', 'Ѕ': 'S', 'І': 'I', 'Ј': 'J', 'Ԍ': 'G', 'Ү': 'Y', 'Ԝ': 'W',
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i',
	'ј': 'j', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'һ': 'h',
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N',
	'Ο': 'O', 'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X', 'Ϲ': 'C', 'ο': 'o', 'ϳ': 'j',
	'հ': 'h', 'ո': 'n', 'ս': 'u', 'Ս': 'U', 'օ': 'o',
	'ᴄ': 'c', 'ᴑ': 'o', 'ᴠ': 'v', 'ᴡ': 'w', 'ᴢ': 'z',
}

// foldHomoglyphs replaces look-alike letters in s by their Latin forms and
// reports whether it changed anything.
func foldHomoglyphs(s string) (string, bool) {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s, false
	}
	var sb strings.Builder
	changed := false
	for _, r := range s {
		if l, ok := homoglyphs[r]; ok {
			r, changed = l, true
		}
		sb.WriteRune(r)
	}
	return sb.String(), changed
}

// listedAddress checks one address a list names and returns it ready to
// import. Look-alike letters are folded to Latin (and the fold reported);
// an address that fails checkAddress is reported and refused. who names
// the entity in problem messages ("" for none).
func (b *builder) listedAddress(currency, raw, place, who string) (screening.ListedAddress, bool) {
	currency = strings.ToUpper(strings.TrimSpace(currency))
	addr := strings.TrimSpace(raw)
	if who != "" {
		who += ": "
	}
	folded, changed := foldHomoglyphs(addr)
	if err := checkAddress(currency, folded); err != nil {
		what := "address"
		if currency != "" {
			what = currency + " address"
		}
		b.problem(place, "%s%s %q rejected (%v); not imported", who, what, shorten(addr, 100), err)
		return screening.ListedAddress{}, false
	}
	if changed {
		b.problem(place, "%saddress %q contains look-alike non-Latin letters; imported as %q", who, shorten(addr, 100), folded)
	}
	return screening.ListedAddress{Currency: currency, Address: folded}, true
}
