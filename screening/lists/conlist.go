package lists

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/screening"
)

// UK list identity.
const (
	ukListName = "UK OFSI Consolidated List of Financial Sanctions Targets"
	// ConList files are digested under these fixed names, whatever the
	// file is called.
	conListXLSXName = "ConList.xlsx"
	conListCSVName  = "ConList.csv"
)

// UKAttribution is the attribution the Open Government Licence v3.0 asks
// for wherever the UK list, or a snapshot compiled from it, is shown.
const UKAttribution = "Contains public sector information licensed under the Open Government Licence v3.0 " +
	"(HM Treasury, Office of Financial Sanctions Implementation: Consolidated List of Financial Sanctions Targets)."

// Attribution returns the attribution a list's licence asks for, "" when
// it asks for none (the US government's lists are in the public domain).
func Attribution(listID string) string {
	if listID == screening.UKListID {
		return UKAttribution
	}
	return ""
}

// MaxConListRows bounds the name rows of one ConList. The April 2025 list
// has 18,798; a file with more than five times that many is not a ConList
// export (or something generated to exhaust memory) and is refused when
// the row after the limit is reached.
const MaxConListRows = 100_000

// conListColumns are the 36 ConList columns, in the order OFSI publishes
// them. Every one must be in the header (in any order, any case); other
// columns are ignored.
var conListColumns = []string{
	"Name 6", "Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Title",
	"Name Non-Latin Script", "Non-Latin Script Type", "Non-Latin Script Language",
	"DOB", "Town of Birth", "Country of Birth", "Nationality",
	"Passport Number", "Passport Details", "National Identification Number", "National Identification Details",
	"Position", "Address 1", "Address 2", "Address 3", "Address 4", "Address 5", "Address 6",
	"Post/Zip Code", "Country", "Other Information", "Group Type", "Alias Type", "Alias Quality",
	"Regime", "Listed On", "UK Sanctions List Date Designated", "Last Updated", "Group ID",
}

// Indexes into conListColumns.
const (
	ukName6 = iota
	ukName1
	ukName2
	ukName3
	ukName4
	ukName5
	ukTitle
	ukNonLatin
	ukNonLatinType
	ukNonLatinLang
	ukDOB
	ukTownOfBirth
	ukCountryOfBirth
	ukNationality
	ukPassport
	ukPassportDetails
	ukNationalID
	ukNationalIDDetails
	ukPosition
	ukAddress1
	ukAddress2
	ukAddress3
	ukAddress4
	ukAddress5
	ukAddress6
	ukPostCode
	ukCountry
	ukOtherInfo
	ukGroupType
	ukAliasType
	ukAliasQuality
	ukRegime
	ukListedOn
	ukDateDesignated
	ukLastUpdated
	ukGroupID
	ukColumns
)

// conList reads a ConList one row at a time, whatever the container
// (spreadsheet or CSV), into one entity per Group ID.
type conList struct {
	b    *builder
	name string // the fixed name the parser knows the file by
	// rows counts the rows seen, header included.
	rows     int
	dataRows int
	// col maps each of conListColumns to its index in a row; -1 before
	// the header is read.
	col    [ukColumns]int
	header bool
	width  int
	groups map[string]*ukGroup
	order  []*ukGroup
	cells  [ukColumns]string
	// serial: a date may be a spreadsheet's day number (a cell a
	// spreadsheet program stored as a date).
	serial bool
}

// ukGroup is one designation being assembled from its name rows.
type ukGroup struct {
	e       screening.Entity
	place   string
	primary bool
	listed  string
	updated string
	// remarks are the distinct remark lines, in the order first seen.
	remarks []string
	seen    map[string]bool
	// aliases maps an alias to its index in e.Aliases.
	aliases map[string]int
}

func newConList(name, format string) *conList {
	c := &conList{b: newBuilder(screening.UKListID, ukListName, format), name: name, groups: map[string]*ukGroup{}}
	for i := range c.col {
		c.col[i] = -1
	}
	return c
}

// row reads the next row; place names it ("row 12", "line 12"). Empty rows
// are skipped. It returns an error for anything that means the file is not
// a complete ConList: a first row that is not "Last Updated" and a date, a
// header lacking columns, a row whose cells do not line up with the header
// or whose Group ID or Group Type is not what ConList holds, or more rows
// than MaxConListRows.
func (c *conList) row(place string, rec []string) error {
	empty := true
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			empty = false
			break
		}
	}
	if empty {
		return nil
	}
	c.rows++
	switch {
	case c.rows == 1:
		return c.published(place, rec)
	case !c.header:
		return c.readHeader(place, rec)
	}
	c.dataRows++
	if c.dataRows > MaxConListRows {
		return invalidFile(c.name, "%s: more than %d name rows (the April 2025 ConList has about 19,000): not a ConList export; nothing imported", place, MaxConListRows)
	}
	if len(rec) > c.width {
		for _, v := range rec[c.width:] {
			if strings.TrimSpace(v) != "" {
				return invalidFile(c.name, "%s: %d cells where the header (row 2) has %d: the row does not line up with the header; nothing imported", place, len(rec), c.width)
			}
		}
	}
	for i, j := range c.col {
		c.cells[i] = ""
		if j < len(rec) {
			c.cells[i] = strings.TrimSpace(rec[j])
		}
	}
	return c.addRow(place)
}

// published reads the first row: "Last Updated" and the date of the list.
func (c *conList) published(place string, rec []string) error {
	var cells []string
	for _, v := range rec {
		if v = strings.TrimSpace(v); v != "" {
			cells = append(cells, v)
		}
	}
	if len(cells) != 2 || !strings.EqualFold(cells[0], "Last Updated") {
		return invalidFile(c.name, "%s: expected \"Last Updated\" and the list's date, as the first row of OFSI's ConList export, found %q: not a ConList export (or the first row was removed); nothing imported", place, shorten(strings.Join(cells, ", "), 80))
	}
	d, ok := c.date(cells[1])
	if !ok || len(d) != len("2006-01-02") {
		return invalidFile(c.name, "%s: the list's date %q is not a day (DD/MM/YYYY); nothing imported", place, shorten(cells[1], 40))
	}
	t, _ := time.Parse("2006-01-02", d)
	c.b.list.Info.Published = t
	return nil
}

// readHeader maps the columns of the header row.
func (c *conList) readHeader(place string, rec []string) error {
	cols := csvColumns(rec)
	var missing []string
	for i, name := range conListColumns {
		j, ok := cols[strings.ToLower(name)]
		if !ok {
			missing = append(missing, name)
			continue
		}
		c.col[i] = j
	}
	if len(missing) > 0 {
		found := 0
		for _, v := range rec {
			if strings.TrimSpace(v) != "" {
				found++
			}
		}
		return invalidFile(c.name, "%s: the header lacks %d of the 36 ConList columns (%s): not a complete ConList export (the header must follow the \"Last Updated\" row); nothing imported", place, len(missing), shorten(strings.Join(missing, ", "), 200))
	}
	c.header, c.width = true, len(rec)
	return nil
}

// ukDigits reports whether s is a run of ASCII digits.
func ukDigits(s string) bool {
	if s == "" || len(s) > 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func ukType(s string) (screening.EntityType, bool) {
	switch strings.ToLower(s) {
	case "individual":
		return screening.TypePerson, true
	case "entity":
		return screening.TypeOrganization, true
	case "ship":
		return screening.TypeVessel, true
	}
	return "", false
}

// imoNumber finds a ship's IMO number in Other Information.
var imoNumber = regexp.MustCompile(`(?i)\(IMO (?:number|no\.?)\)\s*:\s*(\d{7})\b`)

// numbered splits "(1) Germany. (2) Morocco" into its items; a value
// without numbers is one item.
var numberedItem = regexp.MustCompile(`\(\d{1,2}\)\s*`)

func numbered(s string) []string {
	if !strings.HasPrefix(s, "(") || !numberedItem.MatchString(s) {
		return []string{s}
	}
	var out []string
	for _, p := range numberedItem.Split(s, -1) {
		if p = strings.Trim(strings.TrimSpace(p), ".;, "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (c *conList) addRow(place string) error {
	v := &c.cells
	gid := v[ukGroupID]
	if !ukDigits(gid) {
		return invalidFile(c.name, "%s: Group ID %q is not a number: the row does not line up with the header (shifted or missing cells?); nothing imported", place, shorten(gid, 40))
	}
	typ, ok := ukType(v[ukGroupType])
	if !ok {
		return invalidFile(c.name, "%s: Group Type %q is not Individual, Entity or Ship: the row does not line up with the header (shifted or missing cells?); nothing imported", place, shorten(v[ukGroupType], 40))
	}
	g := c.groups[gid]
	if g == nil {
		g = &ukGroup{place: place, seen: map[string]bool{}}
		g.e = screening.Entity{SourceID: gid, Type: typ, Category: screening.CategorySanctions, Confidence: screening.ConfidenceHigh}
		c.groups[gid] = g
		c.order = append(c.order, g)
	} else if g.e.Type != typ {
		c.problem(g, place, "Group Type %s where an earlier row says %s; the first is kept", v[ukGroupType], g.e.Type)
	}
	e := &g.e

	// The name: given names (Name 1 to 5), then the surname (Name 6).
	name := joinNonEmpty(" ", v[ukName1], v[ukName2], v[ukName3], v[ukName4], v[ukName5], v[ukName6])
	weak := strings.HasPrefix(strings.ToLower(v[ukAliasQuality]), "low")
	switch at := strings.ToLower(v[ukAliasType]); {
	case name == "":
	case at == "primary name" && !g.primary:
		g.primary = true
		if e.Name != "" {
			// A row seen before the primary one named the entity.
			g.alias(e.Name, false)
		}
		e.Name = name
	case e.Name == "" && !weak:
		e.Name = name
	default:
		g.alias(name, weak)
	}
	if nl := v[ukNonLatin]; nl != "" {
		g.alias(nl, weak)
	}
	if dob := v[ukDOB]; dob != "" {
		if d, ok := c.date(dob); ok {
			if g.first("dob", d) {
				e.DatesOfBirth = append(e.DatesOfBirth, d)
			}
		} else {
			c.problem(g, place, "date of birth %q not understood; not recorded", shorten(dob, 40))
		}
	}
	if n := v[ukNationality]; n != "" {
		for _, item := range numbered(n) {
			c.country(g, item, place, "nationality")
		}
	}
	if n := v[ukCountry]; n != "" {
		c.country(g, n, place, "address country")
	}
	c.documents(g, place, "Passport", v[ukPassport], v[ukPassportDetails])
	c.documents(g, place, "National Identification Number", v[ukNationalID], v[ukNationalIDDetails])
	if r := v[ukRegime]; r != "" && g.first("regime", r) {
		e.Programs = append(e.Programs, r)
	}
	if other := v[ukOtherInfo]; other != "" {
		if m := imoNumber.FindStringSubmatch(other); m != nil && g.first("imo", m[1]) {
			e.IDs = append(e.IDs, screening.Identifier{Type: "Vessel Registration Identification", Value: "IMO " + m[1]})
		}
		g.remark(other)
	}
	if p := v[ukPosition]; p != "" {
		g.remark("Position: " + p)
	}
	if a := joinNonEmpty(", ", v[ukAddress1], v[ukAddress2], v[ukAddress3], v[ukAddress4], v[ukAddress5], v[ukAddress6], v[ukPostCode], v[ukCountry]); a != "" {
		g.remark("Address: " + a)
	}
	if b := joinNonEmpty(", ", v[ukTownOfBirth], v[ukCountryOfBirth]); b != "" {
		g.remark("Born in " + b)
	}
	if t := v[ukTitle]; t != "" {
		g.remark("Title: " + t)
	}
	for _, d := range []struct {
		col  int
		into *string
		late bool
	}{{ukListedOn, &g.listed, false}, {ukLastUpdated, &g.updated, true}} {
		s := v[d.col]
		if s == "" {
			continue
		}
		day, ok := c.date(s)
		if !ok || len(day) != len("2006-01-02") {
			c.problem(g, place, "%s %q is not a day (DD/MM/YYYY); not recorded", conListColumns[d.col], shorten(s, 40))
			continue
		}
		if *d.into == "" || (d.late && day > *d.into) || (!d.late && day < *d.into) {
			*d.into = day
		}
	}
	if s := v[ukDateDesignated]; s != "" {
		if day, ok := c.date(s); ok {
			g.remark("UK Sanctions List date designated: " + day)
		}
	}
	return nil
}

// documents adds the numbered identity documents of a row.
func (c *conList) documents(g *ukGroup, place, typ, numbers, details string) {
	e := &g.e
	if numbers == "" {
		return
	}
	nums, dets := numbered(numbers), numbered(details)
	for i, n := range nums {
		id := screening.Identifier{Type: typ, Value: n}
		if len(nums) == len(dets) || (len(nums) == 1 && details != "") {
			d := dets[min(i, len(dets)-1)]
			// "Tunisia number. Issued on …", "North Korea diplomatic",
			// "Syria": the longest run of leading words naming a country.
			head := d
			if k := strings.IndexAny(head, ".,;("); k >= 0 {
				head = head[:k]
			}
			words := strings.Fields(head)
			for k := min(len(words), 4); k > 0; k-- {
				if code, ok := CountryCode(strings.Join(words[:k], " ")); ok && code != "" {
					id.Country = code
					break
				}
			}
		}
		if g.first("id", id.Type+"\x00"+id.Value+"\x00"+id.Country) {
			e.IDs = append(e.IDs, id)
		}
	}
}

// problem reports a problem of group g at place, once per group: the rows
// of a designation repeat its details, and so would its problems.
func (c *conList) problem(g *ukGroup, place, format string, args ...any) {
	msg := "Group ID " + g.e.SourceID + ": " + fmt.Sprintf(format, args...)
	if !g.seen["\x00"+msg] {
		g.seen["\x00"+msg] = true
		c.b.problem(place, "%s", msg)
	}
}

// ukCountryNames are the ways ConList names countries that the country
// table does not read.
var ukCountryNames = map[string]string{
	"congo (democratic republic)":      "CD",
	"occupied palestinian territories": "PS",
}

// country adds the ISO code of a ConList country to g's entity: a name the
// country table reads, one of ukCountryNames, or a name followed by a
// remark in brackets ("Iraq (previous address)"); "Germany. Russia" and
// "Estonia, Russia" are two. Anything else is a problem.
func (c *conList) country(g *ukGroup, name, place, what string) {
	code, ok := CountryCode(name)
	if !ok {
		code, ok = ukCountryNames[strings.ToLower(name)]
	}
	if !ok {
		if i := strings.Index(name, " ("); i > 0 {
			code, ok = CountryCode(name[:i])
		}
	}
	if !ok {
		if parts := strings.FieldsFunc(name, func(r rune) bool { return r == '.' || r == ',' || r == ';' }); len(parts) > 1 {
			var codes []string
			for _, p := range parts {
				if pc, pok := CountryCode(strings.TrimSpace(p)); pok && pc != "" {
					codes = append(codes, pc)
				}
			}
			if len(codes) == len(parts) {
				for _, pc := range codes {
					if g.first("country", pc) {
						g.e.Countries = append(g.e.Countries, pc)
					}
				}
				return
			}
		}
		c.problem(g, place, "%s %q is not a known country; not recorded", what, shorten(name, 60))
		return
	}
	if code != "" && g.first("country", code) {
		g.e.Countries = append(g.e.Countries, code)
	}
}

// first reports whether value of the given kind is new to the group: the
// rows of a designation repeat its details once per name variant, which
// are kept once as they come rather than piled up for tidy to remove.
func (g *ukGroup) first(kind, value string) bool {
	k := kind + "\x00" + value
	if g.seen[k] {
		return false
	}
	g.seen[k] = true
	return true
}

// alias adds an alias once; a name seen weak and then strong is strong.
func (g *ukGroup) alias(name string, weak bool) {
	name = clean(name)
	if name == "" {
		return
	}
	if i, ok := g.aliases[name]; ok {
		g.e.Aliases[i].Weak = g.e.Aliases[i].Weak && weak
		return
	}
	if g.aliases == nil {
		g.aliases = map[string]int{}
	}
	g.aliases[name] = len(g.e.Aliases)
	g.e.Aliases = append(g.e.Aliases, screening.Alias{Name: name, Weak: weak})
}

// remark records a distinct remark line of the group.
func (g *ukGroup) remark(s string) {
	if g.first("remark", s) {
		g.remarks = append(g.remarks, s)
	}
}

// finish checks the file held a header and rows, and returns the list.
func (c *conList) finish(digest string) (*screening.List, error) {
	switch {
	case c.rows == 0:
		return nil, invalidFile(c.name, "the sheet is empty: not a ConList export; nothing imported")
	case !c.header:
		return nil, invalidFile(c.name, "no header row after \"Last Updated\": not a complete ConList export; nothing imported")
	case c.dataRows == 0:
		return nil, invalidFile(c.name, "the header has no name rows under it: an empty ConList; nothing imported")
	}
	for _, g := range c.order {
		g.e.Listed, g.e.Updated = g.listed, g.updated
		g.e.Remarks = strings.Join(g.remarks, "; ")
		c.b.add(g.place, g.e)
	}
	return c.b.finish(digest), nil
}

// date reads a date cell: [ukDate], or in a spreadsheet a day number
// counted from 1899-12-30 (how spreadsheet programs store a date cell).
func (c *conList) date(s string) (string, bool) {
	if d, ok := ukDate(s); ok {
		return d, true
	}
	if !c.serial {
		return "", false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 1 || f > 120000 {
		return "", false
	}
	return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(f)).Format("2006-01-02"), true
}

// ukDate reads a ConList date: "DD/MM/YYYY" where an unknown day or month
// is 00 ("00/00/1962" is 1962, "00/05/1962" May 1962), "MM/YYYY" or
// "YYYY". It returns "YYYY-MM-DD", "YYYY-MM" or "YYYY".
func ukDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	parts := strings.Split(s, "/")
	for _, p := range parts {
		if !ukDigits(p) {
			return "", false
		}
	}
	var day, month, year string
	switch len(parts) {
	case 3:
		day, month, year = parts[0], parts[1], parts[2]
	case 2:
		month, year = parts[0], parts[1]
	case 1:
		year = parts[0]
	default:
		return "", false
	}
	y, err := strconv.Atoi(year)
	if err != nil || len(year) != 4 || y < 1800 || y > 2200 {
		return "", false
	}
	m, _ := strconv.Atoi("0" + month)
	d, _ := strconv.Atoi("0" + day)
	switch {
	case m == 0 && d != 0, m > 12, len(month) > 2, len(day) > 2:
		return "", false
	case m == 0:
		return year, true
	case d == 0:
		return year + "-" + twoDigits(m), true
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return "", false // 31/02
	}
	return t.Format("2006-01-02"), true
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// ParseUKConListCSV parses OFSI's ConList as CSV: the same rows as the
// spreadsheet ([ParseUKConList]), "Last Updated" and the date first, then
// the header. A row with cells beyond the header's is an error naming its
// line, like every row whose Group ID or Group Type is not what ConList
// holds (the columns are shifted). The digest is taken under the name
// "ConList.csv".
func ParseUKConListCSV(data []byte) (*screening.List, error) {
	c := newConList(conListCSVName, FormatUKConListCSV)
	if _, err := csvRows(conListCSVName, bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), c.b.problem, func(line int, rec []string) error {
		return c.row(placeLine(conListCSVName, line), rec)
	}); err != nil {
		return nil, err
	}
	// A malformed CSV row cannot be trusted to be one designation's name:
	// the import is refused rather than a designation silently lost.
	for _, p := range c.b.list.Problems {
		if strings.HasPrefix(p.Message, "malformed CSV") {
			return nil, invalidFile(conListCSVName, "%s: %s; nothing imported", p.Place, strings.TrimSuffix(p.Message, "; skipped"))
		}
	}
	return c.finish(Digest(map[string][]byte{conListCSVName: data}))
}
