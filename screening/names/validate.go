package names

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
)

// ValidQuery checks a query before it is screened: a name that is valid
// UTF-8, at most MaxNameBytes long and has at least one letter or digit;
// a date of birth as YYYY-MM-DD, YYYY-MM or YYYY; a two-letter country
// code; a known type; a limit between 0 and 1000; a minimum score in
// [0,1]. Search itself never fails: it reads invalid bytes as separators.
func ValidQuery(q Query) error {
	switch {
	case !utf8.ValidString(q.Name):
		return bulwark.Invalid("name", "is not valid UTF-8")
	case len(q.Name) > MaxNameBytes:
		return bulwark.Invalid("name", "is %d bytes long; at most %d are allowed", len(q.Name), MaxNameBytes)
	case strings.TrimSpace(q.Name) == "" || len(tokenize(q.Name)) == 0:
		return bulwark.Invalid("name", "has no letters or digits")
	}
	if q.DateOfBirth != "" {
		if _, ok := parseDate(q.DateOfBirth); !ok {
			return bulwark.Invalid("dateOfBirth", "%q is not YYYY-MM-DD, YYYY-MM or YYYY", q.DateOfBirth)
		}
	}
	if c := strings.TrimSpace(q.Country); c != "" {
		if len(c) != 2 || !isASCIILetters(c) {
			return bulwark.Invalid("country", "%q is not an ISO 3166-1 alpha-2 code", q.Country)
		}
	}
	if q.Type != "" && canonicalType(q.Type) == "" && !strings.EqualFold(q.Type, "unknown") {
		return bulwark.Invalid("type", "%q is not person, organization, vessel, aircraft or unknown", q.Type)
	}
	if q.Limit < 0 || q.Limit > maxLimit {
		return bulwark.Invalid("limit", "%d is not between 0 and %d", q.Limit, maxLimit)
	}
	if q.MinScore < 0 || q.MinScore > 1 || math.IsNaN(q.MinScore) {
		return bulwark.Invalid("minScore", "%v is not between 0 and 1", q.MinScore)
	}
	return nil
}

func isASCIILetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
