package lists

import (
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
)

// ParseBulwarkCSV parses Bulwark's own address list format (see the package
// documentation for the columns and an example) into the list
// "custom:<id>". id names the list: 1 to 64 letters, digits, '.', '_' or
// '-'.
//
// Rows sharing a label, category and confidence become one entity named by
// the label (a label used with several categories or confidences gives one
// entity each, "<label> [<category>/<confidence>]"); a row without a label
// is an entity of its own named by its address. A row's category and
// confidence are what its cells say, unknown when they are empty or the
// columns absent (never a made-up default: an unknown category or
// confidence needs review under the default policy). Rows with fewer or
// more cells than the header, no address, an unknown confidence or
// category, or an address that fails its format check are problems. A file
// without a header naming an address column is an error.
func ParseBulwarkCSV(id string, data []byte) (*screening.List, error) {
	if !validListName(id) {
		return nil, bulwark.Invalid("id", "list id %q must be 1 to 64 letters, digits, '.', '_' or '-'", shorten(id, 80))
	}
	name := id + ".csv"
	b := newBuilder("custom:"+id, "Custom list "+id, FormatBulwarkCSV)
	if err := parseBulwarkRows(b, name, data, screening.CategoryUnknown, screening.ConfidenceUnknown, ""); err != nil {
		return nil, err
	}
	return b.finish(Digest(map[string][]byte{name: data})), nil
}

// parseBulwarkRows adds the entities of one Bulwark CSV file, known as
// name, to b. Rows whose category or confidence cell is empty take cat and
// conf. prefix, when set, starts every entity's SourceID (a list made of
// several files).
func parseBulwarkRows(b *builder, name string, data []byte, defCat screening.Category, defConf screening.Confidence, prefix string) error {
	type group struct {
		label, suffix string
		e             screening.Entity
		sources       []string
		programs      []string
	}
	var groups []*group
	index := map[string]*group{}
	var cols map[string]int
	width := 0 // cells in the header
	_, err := csvRows(name, data, b.problem, func(line int, rec []string) error {
		if len(rec) > 0 && strings.HasPrefix(strings.TrimSpace(rec[0]), "#") {
			return nil
		}
		if cols == nil {
			cols, width = csvColumns(rec), len(rec)
			if _, ok := cols["address"]; !ok {
				return invalidFile(name, "line %d: the header must name an address column (columns: address, chain, label, source, confidence, category, program)", line)
			}
			if _, ok := cols["chain"]; !ok {
				if i, ok := cols["currency"]; ok {
					cols["chain"] = i
				}
			}
			if _, ok := cols["program"]; !ok {
				if i, ok := cols["programs"]; ok {
					cols["program"] = i
				}
			}
			return nil
		}
		place := placeLine(name, line)
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			return nil // a row of empty cells
		}
		if !rowWidth(b, place, rec, width) {
			return nil
		}
		addr := cell(rec, cols, "address")
		if addr == "" {
			b.problem(place, "no address; row skipped")
			return nil
		}
		la, ok := b.listedAddress(cell(rec, cols, "chain"), addr, place, "")
		if !ok {
			return nil
		}
		conf, ok := b.csvConfidence(rec, cols, place, defConf)
		if !ok {
			return nil
		}
		cat := defCat
		if v := cell(rec, cols, "category"); v != "" {
			c, ok := parseCategory(v)
			if !ok {
				b.problem(place, "category %q is not sanctions, attribution, seizure, label, internal or unknown; row skipped", shorten(v, 40))
				return nil
			}
			cat = c
		}
		label := clean(cell(rec, cols, "label"))
		key := label + "\x00" + string(cat) + "\x00" + string(conf)
		if label == "" {
			key = "\x00" + la.Address
		}
		g := index[key]
		if g == nil {
			g = &group{label: label, suffix: string(cat) + "/" + string(conf)}
			if label == "" {
				g.label = la.Address
			}
			g.e = screening.Entity{Name: g.label, Type: screening.TypeUnknown, Category: cat, Confidence: conf}
			index[key] = g
			groups = append(groups, g)
		}
		if s := cell(rec, cols, "source"); s != "" && !containsFold(g.sources, s) {
			g.sources = append(g.sources, s)
		}
		// Programs are separated by ';' or '|', or OFAC-style "A] [B".
		progs := strings.ReplaceAll(cell(rec, cols, "program"), "] [", ";")
		for _, p := range strings.FieldsFunc(progs, func(r rune) bool { return r == ';' || r == '|' }) {
			if p = clean(strings.Trim(p, "[] ")); p != "" && !containsFold(g.programs, p) {
				g.programs = append(g.programs, p)
			}
		}
		g.e.Addresses = append(g.e.Addresses, la)
		return nil
	})
	if err != nil {
		return err
	}
	if cols == nil {
		return invalidFile(name, "empty: the file needs a header line naming at least an address column")
	}
	ids := groupIDs(len(groups), func(i int) (string, string) { return groups[i].label, groups[i].suffix })
	for i, g := range groups {
		g.e.SourceID = prefix + ids[i]
		if len(g.sources) > 0 {
			g.e.Source = g.sources[0]
		}
		if len(g.sources) > 1 {
			g.e.Remarks = "Sources: " + strings.Join(g.sources, "; ")
		}
		g.e.Programs = g.programs
		b.add(name, g.e)
	}
	return nil
}

// validListName reports whether s is 1 to 64 letters, digits, '.', '_' or
// '-'.
func validListName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func parseCategory(s string) (screening.Category, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "sanctions", "sanction":
		return screening.CategorySanctions, true
	case "attribution":
		return screening.CategoryAttribution, true
	case "seizure":
		return screening.CategorySeizure, true
	case "label":
		return screening.CategoryLabel, true
	case "internal":
		return screening.CategoryInternal, true
	case "unknown":
		return screening.CategoryUnknown, true
	}
	return "", false
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
