package lists

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/screening"
)

// Israel NBCTF list identity and the names its two tables are digested
// under.
const (
	ilListID      = "il-nbctf"
	ilListName    = "Israel NBCTF administrative seizure orders (digital currency)"
	ilWalletsName = "wallets.csv"
	ilReleaseName = "releases.csv"
)

// ilOrder matches a seizure order heading ("צ.ת 18/26", "צ.ת - 34/23",
// "צו תפיסה 79/21") and captures its number.
var ilOrder = regexp.MustCompile(`^(?:צ\.ת|צו תפיסה)\s*-?\s*(\d{1,4}\s*/\s*\d{2,4})`)

// ilForfeiture matches a forfeiture order ("צו חילוט (צח 14/26)").
var ilForfeiture = regexp.MustCompile(`צו חילוט\s*\(\s*צח\s*(\d{1,4}\s*/\s*\d{2,4})\s*\)`)

// ilNumber captures an order number anywhere in a release title.
var ilNumber = regexp.MustCompile(`(\d{1,4})\s*/\s*(\d{2,4})`)

// ilMemo matches a wallet cell naming an exchange deposit address and its
// memo tag: "rEb8TK3gBgk5auZkwc6sHnwrGVJH8DuaLh (Address tag 102334770)*".
var ilMemo = regexp.MustCompile(`^\s*(\S+)\s*\(\s*(?i:address\s+tag|memo|tag)\s*:?\s*([0-9A-Za-z]+)\s*\)\s*\*?\s*$`)

// ilCountries maps the Hebrew country names the list uses in identity
// cells to ISO codes.
var ilCountries = map[string]string{
	"אוסטריה": "AT", "פלסטיני": "PS", "פלסטינית": "PS", "פלסטין": "PS", "הרשות הפלסטינית": "PS",
	"לבנון": "LB", "לבנוני": "LB", "ירדן": "JO", "ירדני": "JO", "סוריה": "SY", "איראן": "IR",
	"טורקיה": "TR", "מצרים": "EG", "עיראק": "IQ", "ישראל": "IL", "ישראלי": "IL", "קטר": "QA",
	"תימן": "YE", "ערב הסעודית": "SA", "איחוד האמירויות": "AE", "גרמניה": "DE", "ברזיל": "BR",
	"הודו": "IN", "רוסיה": "RU", "סין": "CN", "בריטניה": "GB", "ארצות הברית": "US",
}

// ilAccount is the identifier type of the wallet column's numeric values:
// exchange account numbers and, for some orders, phone numbers.
const ilAccount = "Wallet ID / user"

// ilMemoAccount is the identifier type of an exchange deposit address
// listed with the memo tag that singles out one customer.
const ilMemoAccount = "Exchange deposit address and memo tag"

// ilOrderInfo is what the releases table says about one seizure order.
type ilOrderInfo struct {
	updated     time.Time
	expires     time.Time // zero when the order has no end date
	forfeiture  string    // forfeiture order number ("14/26"), if converted
	releaseLine int
}

// ParseILNBCTF parses the Israeli National Bureau for Counter Terror
// Financing's digital currency seizure list: wallets is the table of
// holders and wallets (Hebrew headers: full name, ID number, passport,
// date of birth, wallet ID / user, currency), releases the table of the
// order publications (type, last updated, validity of the order) and may
// be nil.
//
// In the wallets table a row naming an order ("צ.ת 18/26") starts that
// order's section. Each holder becomes an entity "il-nbctf:<order>/<ID,
// passport or name>" of type person; wallets listed with no holder become
// one entity per order "il-nbctf:<order>/wallets". Entities are
// CategorySeizure, ConfidenceHigh, with the order ("ASO 18/26") as program.
// The wallet column holds on-chain addresses, exchange account numbers and,
// for some orders, phone numbers: addresses become Addresses, purely
// numeric values identifiers of type "Wallet ID / user". Rows continuing a
// holder (an extra ID on the next row) are merged into it.
//
// The releases table is not a list of released wallets: it lists each
// order's publication, when it was last updated and until when it is valid
// — a date, or the forfeiture order that replaced it. With it, the list's
// publication date is the latest update, forfeiture orders are added as
// programs ("FO 14/26"), and the wallets of orders whose validity ended
// before that date (lapsed, so released) are excluded and reported.
//
// Spreadsheet-mangled ID numbers ("9.46108E+11"), unknown country names,
// addresses failing their format check and malformed rows are problems; a
// wallets table without rows is an error.
func ParseILNBCTF(wallets, releases []byte) (*screening.List, error) {
	b := newBuilder(ilListID, ilListName, FormatILNBCTF)
	files := map[string][]byte{ilWalletsName: wallets}
	orders := map[string]*ilOrderInfo{}
	if releases != nil {
		files[ilReleaseName] = releases
		if err := parseILReleases(b, releases, orders); err != nil {
			return nil, err
		}
	}
	if err := parseILWallets(b, wallets, orders); err != nil {
		return nil, err
	}
	return b.finish(Digest(files)), nil
}

func parseILReleases(b *builder, data []byte, orders map[string]*ilOrderInfo) error {
	n, err := csvRows(ilReleaseName, data, b.problem, func(line int, rec []string) error {
		if line == 1 && strings.Contains(rec[0], "סוג") {
			return nil // header
		}
		if len(rec) != 3 {
			b.problem(placeLine(ilReleaseName, line), "%d columns where the releases table has 3 (type, last updated, validity); row skipped", len(rec))
			return nil
		}
		title, updated, validity := clean(rec[0]), clean(rec[1]), clean(rec[2])
		m := ilNumber.FindStringSubmatch(title)
		if m == nil {
			b.problem(placeLine(ilReleaseName, line), "no order number in %q; row skipped", shorten(title, 60))
			return nil
		}
		num := m[1] + "/" + m[2]
		o := orders[num]
		if o == nil {
			o = &ilOrderInfo{releaseLine: line}
			orders[num] = o
		}
		if t, ok := ilDate(updated); ok {
			if t.After(o.updated) {
				o.updated = t
			}
			if t.After(b.list.Info.Published) {
				b.list.Info.Published = t
			}
		} else if updated != "" && updated != "-" {
			b.problem(placeLine(ilReleaseName, line), "update date %q not understood", shorten(updated, 40))
		}
		// Annexes and amendments say "-"; only the order's own row dates it.
		if f := ilForfeiture.FindStringSubmatch(validity); f != nil {
			o.forfeiture = strings.ReplaceAll(f[1], " ", "")
		} else if t, ok := ilDate(validity); ok {
			o.expires = t
		} else if validity != "" && validity != "-" {
			b.problem(placeLine(ilReleaseName, line), "validity %q is neither a date nor a forfeiture order", shorten(validity, 60))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return invalidFile(ilReleaseName, "no rows; expected the NBCTF releases table (type, last updated, validity)")
	}
	return nil
}

// ilDate reads "01.07.2026", "3.12.2024", "26/07/2003" (day first).
func ilDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '/' || r == '-' })
	if len(parts) != 3 {
		return time.Time{}, false
	}
	d, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	y, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
}

func parseILWallets(b *builder, data []byte, orders map[string]*ilOrderInfo) error {
	order := ""
	// last is the holder entity a continuation row adds to.
	last := ""
	// excluded counts rows dropped per lapsed order.
	excluded := map[string]int{}
	n, err := csvRows(ilWalletsName, data, b.problem, func(line int, rec []string) error {
		place := placeLine(ilWalletsName, line)
		for i := range rec {
			rec[i] = clean(rec[i])
			if rec[i] == "-" {
				rec[i] = ""
			}
		}
		if line == 1 && strings.Contains(rec[0], "שם") {
			return nil // header
		}
		if m := ilOrder.FindStringSubmatch(rec[0]); m != nil && strings.Join(rec[1:], "") == "" {
			order = strings.Join(strings.Fields(strings.ReplaceAll(m[1], "/", " / ")), "")
			last = ""
			return nil
		}
		if strings.Join(rec, "") == "" {
			return nil
		}
		if len(rec) != 6 {
			b.problem(place, "%d columns where the wallets table has 6; row skipped", len(rec))
			return nil
		}
		if order == "" {
			b.problem(place, "row before any seizure order heading; skipped")
			return nil
		}
		if o := orders[order]; o != nil && !o.expires.IsZero() && !b.list.Info.Published.IsZero() && o.expires.Before(b.list.Info.Published) {
			excluded[order]++
			return nil
		}
		name, idCell, passport, dob, wallet, currency := rec[0], rec[1], rec[2], rec[3], rec[4], strings.ToUpper(rec[5])
		var ids []screening.Identifier
		if idCell != "" {
			if id, ok := ilIdentifier(b, place, idCell, "National ID No."); ok {
				ids = append(ids, id)
			}
		}
		if passport != "" {
			if id, ok := ilIdentifier(b, place, passport, "Passport"); ok {
				ids = append(ids, id)
			}
		}
		var addrs []screening.ListedAddress
		if m := ilMemo.FindStringSubmatch(wallet); m != nil {
			// A shared exchange deposit address told apart by a memo tag:
			// the address itself belongs to the exchange and must not be
			// screened as seized.
			addr := strings.TrimSpace(m[1])
			ids = append(ids, screening.Identifier{Type: ilMemoAccount, Value: addr + " tag " + m[2]})
			b.problem(place, "wallet %q is an exchange deposit address with memo tag %s: recorded as an identifier, not as an address, so that other users of the exchange do not match", shorten(addr, 80), m[2])
			wallet = ""
		}
		for _, tok := range strings.FieldsFunc(wallet, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '*' }) {
			if isDigits(strings.TrimPrefix(tok, "+")) {
				ids = append(ids, screening.Identifier{Type: ilAccount, Value: tok})
				continue
			}
			if la, ok := b.listedAddress(currency, tok, place, ""); ok {
				addrs = append(addrs, la)
			}
		}
		var dates []string
		if dob != "" {
			if t, ok := ilDate(dob); ok {
				dates = append(dates, t.Format("2006-01-02"))
			} else {
				b.problem(place, "date of birth %q not understood; not recorded", shorten(dob, 40))
			}
		}
		programs := []string{"ASO " + order}
		if o := orders[order]; o != nil && o.forfeiture != "" {
			programs = append(programs, "FO "+o.forfeiture)
		}

		docs := 0 // identity documents, as opposed to wallet accounts
		accounts := 0
		for _, id := range ids {
			if id.Type == ilAccount || id.Type == ilMemoAccount {
				accounts++
			} else {
				docs++
			}
		}
		var e *screening.Entity
		switch {
		case name == "" && len(dates) == 0 && len(addrs) == 0 && accounts == 0 && docs > 0 && last != "":
			// A continuation row: more identity documents of the holder
			// above.
			e = b.entity(last)
		case name == "" && docs == 0 && len(dates) == 0:
			// Wallets the order lists without a holder.
			sid := order + "/wallets"
			if e = b.entity(sid); e == nil {
				i := b.add(place, screening.Entity{
					SourceID: sid, Name: "Wallets seized under ASO " + order, Type: screening.TypeUnknown,
					Category: screening.CategorySeizure, Confidence: screening.ConfidenceHigh,
					Programs: programs,
					Remarks:  "Wallets and accounts listed by Israel's administrative seizure order ASO " + order + " without a named holder.",
				})
				e = &b.list.Entities[i]
			}
			last = ""
		default:
			key := name
			for _, id := range ids {
				if id.Type != ilAccount && id.Type != ilMemoAccount {
					key = id.Value
					break
				}
			}
			sid := order + "/" + key
			if e = b.entity(sid); e == nil {
				i := b.add(place, screening.Entity{
					SourceID: sid, Name: name, Type: screening.TypePerson,
					Category: screening.CategorySeizure, Confidence: screening.ConfidenceHigh,
					Programs: programs,
				})
				e = &b.list.Entities[i]
			}
			last = sid
		}
		e.IDs = append(e.IDs, ids...)
		e.Addresses = append(e.Addresses, addrs...)
		e.DatesOfBirth = append(e.DatesOfBirth, dates...)
		for _, id := range ids {
			if id.Country != "" {
				e.Countries = append(e.Countries, id.Country)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return invalidFile(ilWalletsName, "no rows; expected the NBCTF wallets table")
	}
	for _, num := range sortedKeys(excluded) {
		o := orders[num]
		b.problem(placeLine(ilReleaseName, o.releaseLine), "ASO %s lapsed on %s, before the list's last update (%s): released, so its wallet rows (%d) are not imported", num, o.expires.Format("2006-01-02"), b.list.Info.Published.Format("2006-01-02"), excluded[num])
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ilIdentifier reads an identity cell: a bare number ("802262089"), or a
// labelled one with its country ("מס' דרכון (לבנון): 2326067"; דרכון is a
// passport, תושב a residency number).
func ilIdentifier(b *builder, place, cell, defaultType string) (screening.Identifier, bool) {
	id := screening.Identifier{Type: defaultType, Value: cell}
	if label, value, ok := strings.Cut(cell, ":"); ok {
		id.Value = strings.TrimSpace(value)
		switch {
		case strings.Contains(label, "דרכון"):
			id.Type = "Passport"
		case strings.Contains(label, "תושב"):
			id.Type = "Residency Number"
		default:
			id.Type = "National ID No."
		}
		if i, j := strings.IndexByte(label, '('), strings.LastIndexByte(label, ')'); i >= 0 && j > i {
			country := strings.TrimSpace(label[i+1 : j])
			if code, ok := ilCountries[country]; ok {
				id.Country = code
			} else if code, ok := CountryCode(country); ok && code != "" {
				id.Country = code
			} else {
				b.problem(place, "unknown country %q of identifier %s; recorded without a country", shorten(country, 40), shorten(id.Value, 40))
			}
		}
	}
	if strings.ContainsAny(id.Value, "Ee") && strings.Contains(id.Value, "+") {
		if _, err := strconv.ParseFloat(id.Value, 64); err == nil {
			b.problem(place, "identifier %q was mangled by a spreadsheet (scientific notation); not recorded", shorten(id.Value, 40))
			return id, false
		}
	}
	return id, id.Value != ""
}
