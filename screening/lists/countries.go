package lists

import "github.com/bulwark-sec/bulwark/screening/country"

// CountryCode maps a country name as sanctions lists spell it to its
// ISO 3166-1 alpha-2 code; see country.Code.
func CountryCode(name string) (code string, ok bool) { return country.Code(name) }

// isoCodes holds every ISO code of the country table.
var isoCodes = country.Codes()
