package screening

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening/chainaddr"
	"github.com/bulwark-sec/bulwark/screening/country"
)

// Limits on what a screening request carries. The CLI and the API check
// requests with the functions of this file (the service checks them again),
// so both accept and refuse the same input. Errors name the JSON field
// ("subject", "dob"); the CLI shows them under its flag names.
const (
	// MaxSubjectBytes bounds the caller's reference stored with a decision.
	MaxSubjectBytes = 200
	// MaxNoteBytes bounds an analyst's note on a disposition.
	MaxNoteBytes = 2000
	// MaxAddressBytes bounds one screened address: no supported address
	// is longer.
	MaxAddressBytes = chainaddr.MaxInputLen
	// MaxChainBytes bounds a chain or currency hint ("ETH/ARB/OP").
	MaxChainBytes = 64
	// MaxNameLimit is the most matches a name screening may ask for.
	MaxNameLimit = 100
)

// CheckText checks a free-text field: valid UTF-8, at most max bytes, no
// control characters (a line break in a reference would forge lines in a
// text log or a CSV export).
func CheckText(field, s string, max int) error {
	switch {
	case !utf8.ValidString(s):
		return bulwark.Invalid(field, "not valid UTF-8; send text of at most %d bytes, UTF-8 encoded", max)
	case len(s) > max:
		return bulwark.Invalid(field, "%d bytes is above the limit of %d bytes; shorten it", len(s), max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && (field != "note" || (r != '\n' && r != '\t')) {
			return bulwark.Invalid(field, "contains the control character %U; send printable text", r)
		}
	}
	return nil
}

// CheckSubject checks the caller's reference for a screening: at most
// MaxSubjectBytes bytes of printable UTF-8.
func CheckSubject(field, s string) error { return CheckText(field, s, MaxSubjectBytes) }

// ParseDOB checks a date of birth: YYYY, YYYY-MM or YYYY-MM-DD naming a
// real calendar date from 1800 on and not after now. Surrounding space is
// dropped; "" is no date.
func ParseDOB(field, s string, now time.Time) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	const want = "give YYYY, YYYY-MM or YYYY-MM-DD with a real date (1984, 1984-08, 1984-08-15)"
	var layout string
	switch len(s) {
	case 4:
		layout = "2006"
	case 7:
		layout = "2006-01"
	case 10:
		layout = "2006-01-02"
	default:
		return "", bulwark.Invalid(field, "%q is not a date of birth: %s", s, want)
	}
	t, err := time.Parse(layout, s)
	if err != nil || t.Year() < 1800 {
		return "", bulwark.Invalid(field, "%q is not a date of birth: %s", s, want)
	}
	if t.After(now) {
		return "", bulwark.Invalid(field, "%q is in the future: %s", s, want)
	}
	return s, nil
}

// ParseCountry reads a country given with a screening: an ISO 3166-1
// alpha-2 or alpha-3 code or an English name, returned as alpha-2 ("North
// Korea", "DPRK", "PRK" → "KP"). An ambiguous name ("Korea"), a name of no
// country, or an unknown one is an EINVALID error saying what to give.
func ParseCountry(field, s string) (string, error) { return country.Parse(field, s) }

// ParseType checks the type of a screened name: person, organization or
// "" for either.
func ParseType(field, s string) (string, error) {
	switch t := strings.ToLower(strings.TrimSpace(s)); t {
	case "", string(TypePerson), string(TypeOrganization):
		return t, nil
	}
	return "", bulwark.Invalid(field, "%q is not person or organization (leave it out for either)", s)
}

// CheckNameQuery checks a name screening request and returns it
// normalised: the name (required, at most MaxNameBytes), type, date of
// birth (see ParseDOB), country (see ParseCountry; names and alpha-3 codes
// become alpha-2), limit (0 for the default, at most MaxNameLimit) and the
// subject (see CheckSubject).
func CheckNameQuery(q NameQuery, subject string, now time.Time) (NameQuery, error) {
	if err := validName(q.Name); err != nil {
		return q, err
	}
	var err error
	if q.Type, err = ParseType("type", q.Type); err != nil {
		return q, err
	}
	if q.DateOfBirth, err = ParseDOB("dob", q.DateOfBirth, now); err != nil {
		return q, err
	}
	if q.Country, err = ParseCountry("country", q.Country); err != nil {
		return q, err
	}
	if q.Limit < 0 || q.Limit > MaxNameLimit {
		return q, bulwark.Invalid("limit", "%d is not between 1 and %d (leave it out for 10)", q.Limit, MaxNameLimit)
	}
	return q, CheckSubject("subject", subject)
}

// CheckAddressQuery checks one address of a screening request for size:
// the address at most MaxAddressBytes, its chain hint at most
// MaxChainBytes. Whether it is a valid address is the screening's answer,
// not an error of the request.
func CheckAddressQuery(q AddressQuery) error {
	if len(q.Address) > MaxAddressBytes {
		return bulwark.Invalid("address", "%d bytes; no supported address is longer than %d bytes: send only the address", len(q.Address), MaxAddressBytes)
	}
	if len(q.Chain) > MaxChainBytes {
		return bulwark.Invalid("chain", "%d bytes; give a ticker such as ETH, XBT or TRX (at most %d bytes)", len(q.Chain), MaxChainBytes)
	}
	if !utf8.ValidString(q.Chain) {
		return bulwark.Invalid("chain", "not valid UTF-8; give a ticker such as ETH, XBT or TRX")
	}
	return nil
}

// CheckAddressQueries checks a batch (see CheckAddressQuery) and the
// subject. An error about one address of a batch of several names it as
// "addresses[i].address" or "addresses[i].chain" (counting from 0).
func CheckAddressQueries(qs []AddressQuery, subject string) error {
	for i, q := range qs {
		if err := CheckAddressQuery(q); err != nil {
			if len(qs) == 1 {
				return err
			}
			return indexed(err, "addresses", i)
		}
	}
	return CheckSubject("subject", subject)
}

// indexed renames the field of err, an error about item i of list, to
// "list[i].field".
func indexed(err error, list string, i int) error {
	be, ok := err.(*bulwark.Error)
	if !ok {
		return err
	}
	field := list + "[" + strconv.Itoa(i) + "]." + be.Field
	return &bulwark.Error{Code: be.Code, Field: field, Err: be.Err,
		Message: field + strings.TrimPrefix(be.Message, be.Field)}
}
