package lists

import (
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/screening"
)

// OFAC list identity.
const (
	ofacListID   = "ofac-sdn"
	ofacListName = "OFAC Specially Designated Nationals and Blocked Persons List"
)

// The legacy OFAC CSV files, by the name ParseOFACCSV expects.
const (
	ofacSDN      = "sdn.csv"
	ofacAdd      = "add.csv"
	ofacAlt      = "alt.csv"
	ofacComments = "sdn_comments.csv"
)

// ofacRemarksLimit is the width of sdn.csv's Remarks field: a remark that
// long was cut, and the rest is in sdn_comments.csv.
const ofacRemarksLimit = 1000

// ofacColumns is how many columns each legacy file has.
var ofacColumns = map[string]int{ofacSDN: 12, ofacAdd: 6, ofacAlt: 5, ofacComments: 2}

// ParseOFACCSV parses OFAC's legacy CSV set. files maps file names to their
// content: "sdn.csv" is required, "add.csv", "alt.csv" and
// "sdn_comments.csv" are optional (names are matched without case and
// directory). Other names are an error.
//
// Every sdn.csv row becomes an entity "ofac-sdn:<ent_num>". Remarks cut at
// sdn.csv's 1000-character field limit are joined with their continuation
// in sdn_comments.csv before dates of birth, nationalities, identity
// documents, e-mail addresses, phone numbers, websites, weak a.k.a.s and
// digital currency addresses are read from them. alt.csv adds aliases and
// add.csv address countries.
//
// Rows that cannot be used are reported as problems, not imported: a
// malformed row, a row with the wrong number of columns, an alt, add or
// comment row whose ent_num is not in sdn.csv, an unknown country name, an
// address that fails its format check, and the last item of a remark that
// was cut off with no continuation (a truncated fragment). A file that is
// truncated inside a quoted field or holds no rows is an error
// (*bulwark.Error with code invalid, Field naming the file).
func ParseOFACCSV(files map[string][]byte) (*screening.List, error) {
	byName := make(map[string][]byte, len(files))
	for name, data := range files {
		base := strings.ToLower(path.Base(strings.ReplaceAll(name, "\\", "/")))
		if _, known := ofacColumns[base]; !known {
			return nil, invalidFile(name, "not a file of OFAC's legacy CSV set; pass sdn.csv and optionally add.csv, alt.csv and sdn_comments.csv")
		}
		if _, dup := byName[base]; dup {
			return nil, invalidFile(name, "given twice; pass each of sdn.csv, add.csv, alt.csv and sdn_comments.csv once")
		}
		byName[base] = data
	}
	sdnData, ok := byName[ofacSDN]
	if !ok {
		return nil, invalidFile(ofacSDN, "sdn.csv is missing: the OFAC CSV set needs it (add.csv, alt.csv and sdn_comments.csv are optional)")
	}

	b := newBuilder(ofacListID, ofacListName, FormatOFACCSV)
	// Per entity: where its sdn.csv row is and its raw remark.
	type ofacRow struct {
		line    int
		remarks string
		// continued holds sdn_comments.csv text to append, contLine its line.
		continued string
		contLine  int
		mismatch  bool
	}
	rows := map[string]*ofacRow{}

	if err := readOFACFile(b, ofacSDN, sdnData, func(line int, f []string) {
		entNum := f[0]
		e := screening.Entity{
			SourceID:   entNum,
			Type:       ofacType(f[2]),
			Category:   screening.CategorySanctions,
			Confidence: screening.ConfidenceHigh,
			Name:       f[1],
			Programs:   splitOFACPrograms(f[3]),
		}
		if f[5] != "" {
			e.IDs = append(e.IDs, screening.Identifier{Type: "Call Sign", Value: f[5]})
		}
		if f[9] != "" {
			b.addCountry(&e, f[9], placeLine(ofacSDN, line), "vessel flag")
		}
		if b.add(placeLine(ofacSDN, line), e) >= 0 {
			rows[entNum] = &ofacRow{line: line, remarks: f[11]}
		}
	}); err != nil {
		return nil, err
	}

	if data, ok := byName[ofacComments]; ok {
		// Comments of entries sdn.csv does not hold (designated after it was
		// published): kept aside, so their digital currency addresses are not
		// lost.
		orphans := map[string]*ofacRow{}
		var orphanOrder []string
		if err := readOFACFile(b, ofacComments, data, func(line int, f []string) {
			r := rows[f[0]]
			if r == nil {
				o := orphans[f[0]]
				if o == nil {
					o = &ofacRow{line: line, contLine: line}
					orphans[f[0]] = o
					orphanOrder = append(orphanOrder, f[0])
				}
				o.continued += f[1]
				return
			}
			if r.contLine == 0 {
				r.contLine = line
				r.mismatch = len(r.remarks) < ofacRemarksLimit && strings.HasSuffix(r.remarks, ".")
			}
			r.continued += f[1]
		}); err != nil {
			return nil, err
		}
		for _, entNum := range orphanOrder {
			o := orphans[entNum]
			place := placeLine(ofacComments, o.contLine)
			if !strings.Contains(o.continued, "Digital Currency Address") {
				b.problem(place, "ent_num %s is not in sdn.csv; comment ignored (are both files from the same publication?)", entNum)
				continue
			}
			// A sanctioned address must not be dropped because its entry's
			// name is missing: import it under a placeholder, named by the
			// aliases alt.csv may hold.
			e := screening.Entity{SourceID: entNum, Type: screening.TypeUnknown, Category: screening.CategorySanctions,
				Confidence: screening.ConfidenceHigh, Name: "OFAC SDN entry " + entNum + " (name not in this sdn.csv)"}
			if b.add(place, e) >= 0 {
				rows[entNum] = o
				b.problem(place, "ent_num %s is not in sdn.csv but its comment names digital currency addresses; imported under a placeholder name (use sdn.csv of the same publication for the name)", entNum)
			}
		}
	}

	if data, ok := byName[ofacAlt]; ok {
		if err := readOFACFile(b, ofacAlt, data, func(line int, f []string) {
			e := b.entity(f[0])
			if e == nil {
				b.problem(placeLine(ofacAlt, line), "ent_num %s is not in sdn.csv; alias %q ignored", f[0], f[3])
				return
			}
			e.Aliases = append(e.Aliases, screening.Alias{Name: f[3]})
		}); err != nil {
			return nil, err
		}
	}

	if data, ok := byName[ofacAdd]; ok {
		if err := readOFACFile(b, ofacAdd, data, func(line int, f []string) {
			e := b.entity(f[0])
			if e == nil {
				b.problem(placeLine(ofacAdd, line), "ent_num %s is not in sdn.csv; address ignored", f[0])
				return
			}
			b.addCountry(e, f[4], placeLine(ofacAdd, line), "address country")
		}); err != nil {
			return nil, err
		}
	}

	for i := range b.list.Entities {
		e := &b.list.Entities[i]
		r := rows[e.SourceID]
		text := r.remarks
		truncated := len(text) >= ofacRemarksLimit && !strings.HasSuffix(text, ".")
		// Items that start at or after split come from sdn_comments.csv.
		split := len(text)
		if r.continued != "" {
			cont := r.continued
			if r.mismatch {
				// sdn.csv's remark is complete, so this continuation belongs
				// to another publication's longer remark. Its first item is
				// a fragment; the items after it are whole.
				head, rest, found := strings.Cut(cont, ";")
				b.problem(placeLine(ofacComments, r.contLine), "ent_num %s: sdn.csv's remark is complete (%d characters, ends with a full stop), so this continuation comes from another publication; its leading fragment %q is not imported; use sdn.csv and sdn_comments.csv from the same download", e.SourceID, len(r.remarks), shorten(head, 60))
				if rest = strings.TrimSpace(rest); found && rest != "" {
					text = strings.TrimSuffix(text, ".") + "; "
					split = len(text)
					text += rest
				}
			} else {
				text += cont
			}
			truncated = !strings.HasSuffix(text, ".")
		}
		e.Remarks = text
		sdnPlace, contPlace := placeLine(ofacSDN, r.line), placeLine(ofacComments, r.contLine)
		placeAt := func(offset int) string {
			if offset >= split {
				return contPlace
			}
			return sdnPlace
		}
		parseOFACRemarks(b, e, text, placeAt, truncated)
	}
	return b.finish(Digest(byName)), nil
}

// readOFACFile reads one legacy OFAC file: no header, "-0-" for empty, a
// fixed number of columns, ent_num first. A header row some mirrors add is
// skipped. Rows are reported with the cleaned fields.
func readOFACFile(b *builder, name string, data []byte, row func(line int, f []string)) error {
	want := ofacColumns[name]
	fields := make([]string, want)
	n, err := csvRows(name, data, b.problem, func(line int, rec []string) error {
		if len(rec) != want {
			b.problem(placeLine(name, line), "%d columns where %s has %d; row skipped", len(rec), name, want)
			return nil
		}
		for i, f := range rec {
			switch {
			case strings.TrimSpace(f) == "-0-":
				f = ""
			case i == want-1 && (name == ofacSDN || name == ofacComments):
				// A remark cut at the field limit may end, and its
				// continuation begin, with a meaningful space.
			default:
				f = strings.TrimSpace(f)
			}
			fields[i] = f
		}
		if _, err := strconv.ParseUint(fields[0], 10, 32); err != nil {
			if line == 1 && strings.EqualFold(strings.ReplaceAll(fields[0], "_", ""), "entnum") {
				return nil // a header row
			}
			b.problem(placeLine(name, line), "ent_num %q is not a number; row skipped", shorten(fields[0], 40))
			return nil
		}
		row(line, fields)
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return invalidFile(name, "no rows; is this OFAC's legacy %s (no header, %d columns)?", name, want)
	}
	return nil
}

func ofacType(s string) screening.EntityType {
	switch strings.ToLower(s) {
	case "individual":
		return screening.TypePerson
	case "vessel":
		return screening.TypeVessel
	case "aircraft":
		return screening.TypeAircraft
	case "", "entity":
		return screening.TypeOrganization
	}
	return screening.TypeUnknown
}

// splitOFACPrograms splits "DPRK3] [CYBER2" into its programs.
func splitOFACPrograms(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "] [") {
		p = strings.Trim(p, "[] ")
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// addCountry adds the ISO code of a country name to e, reporting names the
// table does not know.
func (b *builder) addCountry(e *screening.Entity, name, place, what string) {
	name = strings.TrimSpace(name)
	if name == "" {
		return
	}
	code, ok := CountryCode(name)
	if !ok {
		b.problem(place, "%s: %s %q is not a known country; not recorded", entityRef(e, "entry"), what, shorten(name, 60))
		return
	}
	if code != "" {
		e.Countries = append(e.Countries, code)
	}
}

// entityRef names an entity in a problem message: "entry 36", or what
// when the entity has no SourceID yet.
func entityRef(e *screening.Entity, what string) string {
	if e.SourceID == "" {
		return what
	}
	return "entry " + e.SourceID
}

// shorten cuts s to at most n bytes on a rune boundary, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
