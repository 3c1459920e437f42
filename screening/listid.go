package screening

import (
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// UKListID is the ID of HM Treasury's OFSI Consolidated List of financial
// sanctions targets (ConList); its entries are keyed by Group ID.
const UKListID = "uk-ofsi"

// officialPrefixes are the first parts of list IDs reserved for lists
// built from official publications, whatever follows them ("ofac-sdn",
// "un-consolidated", "fbi-dprk", "il-nbctf", "tagpack:…").
var officialPrefixes = []string{
	"ofac", "sdn", "un", "fbi", "ic3", "nbctf", "il", "eu", "uk", "ofsi", "hmt", "bis", "dpl",
	"opensanctions", "tagpack",
}

// importerPrefixes are the first parts of list IDs the importer gives the
// user's Bulwark CSV files ("custom:<file>") and keeps for itself.
var importerPrefixes = []string{"custom", "bulwark"}

// OfficialListID reports whether id names, or is reserved for, a list
// Bulwark builds from an official publication: an ID whose first part (up
// to the first '-', '_', '.' or ':') is one of ofac, sdn, un, fbi, ic3,
// nbctf, il, eu, uk, ofsi, hmt, bis, dpl, opensanctions or tagpack, or that
// starts with ofac, fbi, ic3 or nbctf ("ofacextra"). Letter case does not
// matter. A user's own list never takes such an ID (see [CheckUserListID]),
// and such a list may shrink less in one update (see [OfficialShrinkPercent]).
func OfficialListID(id string) bool {
	low, first := firstPart(id)
	for _, p := range officialPrefixes {
		if first == p {
			return true
		}
	}
	for _, p := range []string{"ofac", "fbi", "ic3", "nbctf"} {
		if strings.HasPrefix(low, p) {
			return true
		}
	}
	return false
}

// ReservedListID reports whether a user's own list may not take id: an
// official list's ID ([OfficialListID]) or one the importer names itself
// (first part custom or bulwark: "custom:<file>" is a Bulwark CSV file's
// list).
func ReservedListID(id string) bool {
	if OfficialListID(id) {
		return true
	}
	_, first := firstPart(id)
	for _, p := range importerPrefixes {
		if first == p {
			return true
		}
	}
	return false
}

// firstPart returns id lower-cased and its part up to the first '-', '_',
// '.' or ':'.
func firstPart(id string) (low, first string) {
	low = strings.ToLower(strings.TrimSpace(id))
	first = low
	if i := strings.IndexAny(low, "-_.:"); i >= 0 {
		first = low[:i]
	}
	return low, first
}

// CheckUserListID checks the ID a user gives their own list (field names
// the flag or field it came from): 1 to 64 lower-case letters, digits, '-',
// '_' or '.', starting with a letter or digit, and not an ID reserved for
// an official list or the importer ([ReservedListID]).
func CheckUserListID(field, id string) error {
	if id == "" {
		return bulwark.Invalid(field, "required: the ID of your list, e.g. my-watchlist")
	}
	ok := len(id) <= 64
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '-' || c == '_' || c == '.')
	}
	if !ok {
		return bulwark.Invalid(field, "list ID %q: use 1 to 64 lower-case letters, digits, '-', '_' or '.', starting with a letter or digit (e.g. my-watchlist)", shortID(id))
	}
	if OfficialListID(id) {
		return bulwark.Invalid(field, "list ID %q is reserved for an official list (ofac-*, un-*, fbi-*, nbctf, il-*, eu-*, uk-*, …), which only its own published format can update; give your list another ID, e.g. my-%s", id, strings.TrimLeft(strings.ToLower(id), "-_."))
	}
	if ReservedListID(id) {
		return bulwark.Invalid(field, "list ID %q is reserved (custom:* names Bulwark CSV files' lists, bulwark* is Bulwark's own); give your list another ID, e.g. my-%s", id, strings.TrimLeft(strings.ToLower(id), "-_."))
	}
	return nil
}

// ParseListKind reads the kind of a user's own list (field names the flag):
// sanctions, attribution or internal.
func ParseListKind(field, s string) (Category, error) {
	switch c := Category(strings.ToLower(strings.TrimSpace(s))); c {
	case CategorySanctions, CategoryAttribution, CategoryInternal:
		return c, nil
	case "":
		return "", bulwark.Invalid(field, "required: sanctions, attribution or internal (what the list's addresses are)")
	}
	return "", bulwark.Invalid(field, "%q: want sanctions (a government designation), attribution (addresses attributed to a threat actor) or internal (your own reasons)", shortID(s))
}

// ParseConfidence reads a confidence level (field names the flag or
// column): high, medium, low or unknown, any case; "" is unknown.
func ParseConfidence(field, s string) (Confidence, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "high":
		return ConfidenceHigh, nil
	case "medium":
		return ConfidenceMedium, nil
	case "low":
		return ConfidenceLow, nil
	case "", "unknown":
		return ConfidenceUnknown, nil
	}
	return "", bulwark.Invalid(field, "%q: want high, medium, low or unknown", shortID(s))
}

// shortID bounds user input echoed in a message.
func shortID(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
