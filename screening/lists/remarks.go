package lists

import (
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/screening"
)

// ofacIDTypes are the identity-document and registration labels OFAC
// writes in remarks as "<label> <number> (<country>)". Longer labels are
// tried first (see ofacIDLabels).
var ofacIDTypes = []string{
	"Passport", "Diplomatic Passport", "Pasaporte", "National ID No.", "Personal ID Card",
	"Identification Number", "Tax ID No.", "Registration ID", "Registration Number",
	"Business Registration Number", "Business Registration Document #", "Company Number",
	"UK Company Number", "Commercial Registry Number", "Certificate of Incorporation Number",
	"Government Gazette Number", "Legal Entity Number", "Unified Social Credit Code (USCC)",
	"United Social Credit Code Certificate (USCCC)", "Economic Register Number (CBLS)",
	"Central Registration System Number", "Chamber of Commerce Number",
	"Istanbul Chamber of Comm. No.", "Dubai Chamber of Commerce Membership No.",
	"Trade License No.", "Enterprise Number", "Branch Unit Number", "Registered Charity No.",
	"D-U-N-S Number", "V.A.T. Number", "US FEIN", "SWIFT/BIC", "BIK (RU)", "MMSI",
	"Vessel Registration Identification", "Cedula No.", "C.U.R.P.", "CURP #", "R.F.C.", "RFC",
	"RFC #", "NIT #", "RUC #", "RIF #", "RTN", "C.U.I.", "C.U.I.T.", "C.U.I.P.", "LE Number",
	"D.N.I.", "C.R. No.", "Folio Mercantil No.", "Matricula Mercantil No",
	"Birth Certificate Number", "Driver's License No.", "Electoral Registry No.",
	"Credencial electoral", "I.F.E.", "Cartilla de Servicio Militar Nacional",
	"Public Security and Immigration No.", "Immigration No.", "Residency Number",
	"Citizen's Card Number", "Kenyan ID No.", "Turkish Identification Number",
	"Numero de Identidad", "Italian Fiscal Code", "SSN", "Travel Document Number",
	"Permit Number", "Chinese Commercial Code", "Stateless Person ID Card",
	"Refugee ID Card", "Afghan Tazkira", "Moroccan Personal ID No.", "Bosnian Personal ID No.",
	"Serial No.", "License", "Aircraft Construction Number (also called L/N or S/N or F/N)",
	"Aircraft Manufacturer's Serial Number (MSN)", "Aircraft Tail Number",
	"Previous Aircraft Tail Number", "Aircraft Mode S Transponder Code",
}

// ofacIDLabels is ofacIDTypes longest first, so "Passport" does not take
// "Passport No." and "Registration Number" does not take "Registration
// Number C..." wrongly. Built once, read only.
var ofacIDLabels = func() []string {
	l := slices.Clone(ofacIDTypes)
	slices.SortStableFunc(l, func(a, b string) int { return len(b) - len(a) })
	return l
}()

var phonePrefixes = []string{"Phone Number", "Telephone Number", "Telephone No.", "Telephone", "Phone"}

// parseOFACRemarks reads the features OFAC writes into an entity's remark,
// "; "-separated items such as "DOB 14 Jun 1978", "nationality Korea,
// North", "Passport 12345 (Korea, North)", "a.k.a. 'X'" and "alt. Digital
// Currency Address - ETH 0x…". placeAt names where the item at a byte
// offset came from. When truncated is set the last item was cut off; it is
// reported and not imported.
func parseOFACRemarks(b *builder, e *screening.Entity, text string, placeAt func(int) string, truncated bool) {
	if text == "" {
		return
	}
	type item struct {
		text   string
		offset int
	}
	var items []item
	start := 0
	for i := 0; i <= len(text); i++ {
		if i == len(text) || text[i] == ';' {
			raw := text[start:i]
			trimmed := strings.TrimSpace(raw)
			if trimmed != "" {
				items = append(items, item{trimmed, start + strings.Index(raw, trimmed)})
			}
			start = i + 1
		}
	}
	if len(items) == 0 {
		return
	}
	last := len(items) - 1
	if truncated {
		frag := items[last]
		b.problem(placeAt(frag.offset), "%s: the remark is cut off and has no continuation in sdn_comments.csv; the truncated item %q is not imported (add sdn_comments.csv from the same download)", entityRef(e, "entry"), shorten(frag.text, 80))
		items = items[:last]
	} else {
		items[last].text = strings.TrimSuffix(items[last].text, ".")
	}
	for _, it := range items {
		parseOFACItem(b, e, it.text, placeAt(it.offset))
	}
}

func parseOFACItem(b *builder, e *screening.Entity, it, place string) {
	if len(it) > 5 && strings.EqualFold(it[:5], "alt. ") {
		it = strings.TrimSpace(it[5:])
	}
	if rest, ok := cutPrefixFold(it, "Digital Currency Address"); ok {
		parseOFACAddress(b, e, strings.TrimLeft(rest, " -"), place)
		return
	}
	if rest, ok := strings.CutPrefix(it, "DOB "); ok {
		dates, ok := parseOFACDates(rest)
		if !ok {
			b.problem(place, "%s: date of birth %q not understood; not recorded", entityRef(e, "entry"), shorten(rest, 60))
			return
		}
		e.DatesOfBirth = append(e.DatesOfBirth, dates...)
		return
	}
	for _, p := range []string{"nationality ", "citizen ", "Nationality of Registration "} {
		if rest, ok := strings.CutPrefix(it, p); ok {
			b.addCountry(e, rest, place, strings.TrimSpace(p))
			return
		}
	}
	if rest, ok := strings.CutPrefix(it, "Email Address "); ok {
		e.Emails = append(e.Emails, trimItem(rest))
		return
	}
	for _, p := range phonePrefixes {
		if rest, ok := strings.CutPrefix(it, p); ok && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, ":")) {
			e.Phones = append(e.Phones, trimItem(strings.TrimPrefix(strings.TrimSpace(rest), ":")))
			return
		}
	}
	if rest, ok := strings.CutPrefix(it, "Website "); ok {
		e.IDs = append(e.IDs, screening.Identifier{Type: "Website", Value: trimItem(rest)})
		return
	}
	for _, p := range []string{"a.k.a. ", "f.k.a. ", "n.k.a. "} {
		if rest, ok := strings.CutPrefix(it, p); ok {
			e.Aliases = append(e.Aliases, screening.Alias{Name: unquote(rest), Weak: true})
			return
		}
	}
	for _, label := range ofacIDLabels {
		rest, ok := strings.CutPrefix(it, label)
		if !ok || (rest != "" && rest[0] != ' ' && rest[0] != ':') {
			continue
		}
		value, country := splitIDValue(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ":")))
		if value == "" {
			return
		}
		id := screening.Identifier{Type: label, Value: value}
		// The parentheses usually name the issuing country but sometimes a
		// city or registry ("Matricula Mercantil No 57622 (Uraba)"): a
		// name the country table does not know is left out silently.
		if code, ok := CountryCode(country); ok {
			id.Country = code
		}
		e.IDs = append(e.IDs, id)
		return
	}
}

// parseOFACAddress reads "XBT 1A1z…" (ticker, space, address).
func parseOFACAddress(b *builder, e *screening.Entity, s, place string) {
	fields := strings.Fields(s)
	if len(fields) != 2 {
		b.problem(place, "%s: digital currency address item %q is not \"<ticker> <address>\"; not imported", entityRef(e, "entry"), shorten(s, 80))
		return
	}
	if la, ok := b.listedAddress(fields[0], strings.TrimRight(fields[1], "."), place, entityRef(e, "entry")); ok {
		e.Addresses = append(e.Addresses, la)
	}
}

// trimItem trims the spaces and the full stop that may end a remark item.
func trimItem(s string) string {
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "."))
}

// unquote returns the text between the first and the last single quote of
// s, or s trimmed when it is not quoted.
func unquote(s string) string {
	s = strings.TrimSpace(s)
	i, j := strings.IndexByte(s, '\''), strings.LastIndexByte(s, '\'')
	if i == 0 && j > i {
		return s[i+1 : j]
	}
	return strings.Trim(s, "'")
}

// splitIDValue splits "T14553558 (Iran) issued 28 Oct 2008 expires 29 Oct
// 2013" into the number and the country in parentheses.
func splitIDValue(s string) (value, country string) {
	for _, w := range []string{" issued ", " expires ", " Issue Date "} {
		if i := strings.Index(s, w); i >= 0 {
			s = s[:i]
		}
	}
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "."))
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndex(s, " ("); i >= 0 {
			return strings.TrimSpace(s[:i]), s[i+2 : len(s)-1]
		}
	}
	return s, ""
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

var monthNames = map[string]int{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

// maxDOBRange caps how many years a date-of-birth range expands to.
const maxDOBRange = 30

// parseOFACDates reads OFAC's date-of-birth forms: "14 Jun 1978",
// "Jun 1978", "1978", "circa 1960", "1964 to 1966", "01 Jan 1961 to 31 Dec
// 1962", "circa 1979-1982". Ranges expand to their years.
func parseOFACDates(s string) ([]string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimPrefix(s, "circa"))
	if a, z, ok := strings.Cut(s, " to "); ok {
		return dateRange(a, z)
	}
	if len(s) == 9 && s[4] == '-' {
		return dateRange(s[:4], s[5:])
	}
	d, _, ok := parseOFACDate(s)
	if !ok {
		return nil, false
	}
	return []string{d}, true
}

func dateRange(a, z string) ([]string, bool) {
	from, y1, ok1 := parseOFACDate(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(a), "circa")))
	to, y2, ok2 := parseOFACDate(strings.TrimSpace(z))
	if !ok1 || !ok2 || y2 < y1 || y2-y1 > maxDOBRange {
		return nil, false
	}
	if from == to {
		return []string{from}, true
	}
	return expandYears(y1, y2), true
}

func expandYears(y1, y2 int) []string {
	out := make([]string, 0, y2-y1+1)
	for y := y1; y <= y2; y++ {
		out = append(out, strconv.Itoa(y))
	}
	return out
}

// parseOFACDate reads "14 Jun 1978", "Jun 1978" or "1978" into ISO form.
func parseOFACDate(s string) (iso string, year int, ok bool) {
	f := strings.Fields(s)
	switch len(f) {
	case 1:
		y, ok := parseYear(f[0])
		if !ok {
			return "", 0, false
		}
		return strconv.Itoa(y), y, true
	case 2:
		m, okm := monthNames[strings.ToLower(f[0])]
		y, oky := parseYear(f[1])
		if !okm || !oky {
			return "", 0, false
		}
		return isoDate(y, m, 0), y, true
	case 3:
		d, err := strconv.Atoi(f[0])
		m, okm := monthNames[strings.ToLower(f[1])]
		y, oky := parseYear(f[2])
		if err != nil || !okm || !oky || d < 1 || d > daysIn(y, m) {
			return "", 0, false
		}
		return isoDate(y, m, d), y, true
	}
	return "", 0, false
}

func parseYear(s string) (int, bool) {
	if len(s) != 4 {
		return 0, false
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < 1000 {
		return 0, false
	}
	return y, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// isoDate formats a date as "YYYY-MM-DD", or "YYYY-MM" when d is 0.
func isoDate(y, m, d int) string {
	var sb strings.Builder
	sb.WriteString(strconv.Itoa(y))
	sb.WriteByte('-')
	if m < 10 {
		sb.WriteByte('0')
	}
	sb.WriteString(strconv.Itoa(m))
	if d > 0 {
		sb.WriteByte('-')
		if d < 10 {
			sb.WriteByte('0')
		}
		sb.WriteString(strconv.Itoa(d))
	}
	return sb.String()
}
