package lists

import (
	"bufio"
	"bytes"
	"path"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
)

// FBI list identity; callers importing several address lists rename them
// with [SetListID].
const (
	fbiListID   = "fbi-dprk"
	fbiListName = "FBI/IC3 DPRK-attributed addresses"
)

// fbiActors maps words in an attribution to the actor tags recorded as
// programs, in the order they are named.
var fbiActors = []struct{ word, tag string }{
	{"dprk", "DPRK"},
	{"north korea", "DPRK"},
	{"lazarus", "Lazarus Group"},
	{"tradertraitor", "TraderTraitor"},
	{"apt38", "APT38"},
	{"bluenoroff", "BlueNoroff"},
	{"andariel", "Andariel"},
	{"kimsuky", "Kimsuky"},
}

// ParseFBIAddresses parses a DPRK address list in one of two shapes,
// told apart by a header line that names an "address" column:
//
//   - Text: one address per line, as the FBI and IC3 publish them. Blank
//     lines and '#' comments are skipped. Comment lines "# name: …",
//     "# source: …" and "# confidence: high|medium|low" set the entity's
//     name, source and confidence. The whole file becomes one entity
//     "fbi-dprk:<file base name>" with source as its Source.
//   - CSV with a header naming chain, address, incident, attribution,
//     primary_source, corroboration, validation and confidence (any order,
//     any case; only address is required). Rows are grouped into one entity
//     per incident, attribution, confidence and primary source, named after
//     the actors the attribution names and the incident, e.g. "DPRK /
//     TraderTraitor (Bybit theft 2025-02-21 (laundering addresses))". A
//     chain cell naming several chains ("ETH/BSC/POLYGON") lists the address
//     once per chain. primary_source is the entity's Source (source when
//     empty); attribution, corroboration and validation go to Remarks.
//
// Entities are CategoryAttribution, ConfidenceHigh unless the list says
// otherwise, with programs "DPRK" and the actor tags the attribution names
// (Lazarus Group, TraderTraitor, APT38, …). The list ID is "fbi-dprk";
// rename it with [SetListID]. Addresses failing their format check, CSV
// rows with fewer or more cells than the header and rows with an unknown
// confidence are problems; a file without any address is an error.
func ParseFBIAddresses(name string, data []byte, source string) (*screening.List, error) {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	if base == "." || base == "/" || base == "" {
		return nil, bulwark.Invalid("name", "give the file name of the address list")
	}
	b := newBuilder(fbiListID, fbiListName, FormatFBI)
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if header := firstDataLine(data); isAddressHeader(header) {
		if err := parseFBICSV(b, base, data, source); err != nil {
			return nil, err
		}
	} else if err := parseFBIText(b, base, data, source); err != nil {
		return nil, err
	}
	return b.finish(Digest(map[string][]byte{base: data})), nil
}

// firstDataLine returns the first line that is neither blank nor a '#'
// comment.
func firstDataLine(data []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			return line
		}
	}
	return ""
}

// isAddressHeader reports whether line is a CSV header with an address
// column.
func isAddressHeader(line string) bool {
	if !strings.Contains(line, ",") {
		return false
	}
	for _, f := range strings.Split(line, ",") {
		if strings.EqualFold(strings.Trim(strings.TrimSpace(f), `"`), "address") {
			return true
		}
	}
	return false
}

func parseFBIText(b *builder, base string, data []byte, source string) error {
	e := screening.Entity{
		SourceID:   strings.TrimSuffix(base, path.Ext(base)),
		Type:       screening.TypeOrganization,
		Category:   screening.CategoryAttribution,
		Confidence: screening.ConfidenceHigh,
		Programs:   []string{"DPRK"},
		Source:     source,
	}
	e.Name = "DPRK-attributed addresses (" + e.SourceID + ")"
	lineNo := 0
	for rest := data; len(rest) > 0; {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		lineNo++
		text := strings.TrimSpace(string(line))
		if strings.HasPrefix(text, "#") {
			key, value, ok := strings.Cut(strings.TrimSpace(text[1:]), ":")
			value = strings.TrimSpace(value)
			switch key = strings.ToLower(strings.TrimSpace(key)); {
			case !ok:
			case key == "name" && value != "":
				e.Name = value
			case key == "source" && value != "":
				e.Source = value
			case key == "confidence":
				if c, ok := parseConfidence(value); ok {
					e.Confidence = c
				} else {
					b.problem(placeLine(base, lineNo), "confidence %q is not high, medium or low; kept %s", shorten(value, 40), e.Confidence)
				}
			}
			continue
		}
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = strings.TrimSpace(text[:i])
		}
		if text == "" {
			continue
		}
		fields := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' })
		if len(fields) == 0 {
			continue
		}
		addr := fields[0]
		if len(fields) > 1 {
			b.problem(placeLine(base, lineNo), "more than an address on the line; only %q is read", shorten(addr, 80))
		}
		if la, ok := b.listedAddress("", addr, placeLine(base, lineNo), ""); ok {
			e.Addresses = append(e.Addresses, la)
		}
	}
	if len(e.Addresses) == 0 {
		return invalidFile(base, "no address found; the file should list one address per line")
	}
	b.add(base, e)
	return nil
}

func parseFBICSV(b *builder, base string, data []byte, source string) error {
	type group struct {
		incident, attribution, primary string
		e                              screening.Entity
		remarks                        []string
	}
	var groups []*group
	index := map[string]*group{}
	var cols map[string]int
	width := 0 // cells in the header
	_, err := csvRows(base, data, b.problem, func(line int, rec []string) error {
		// A comment line (# …) may stand anywhere, before the header too.
		if len(rec) > 0 && strings.HasPrefix(strings.TrimSpace(rec[0]), "#") {
			return nil
		}
		if cols == nil {
			cols, width = csvColumns(rec), len(rec)
			return nil
		}
		place := placeLine(base, line)
		if !rowWidth(b, place, rec, width) {
			return nil
		}
		addr := cell(rec, cols, "address")
		if addr == "" {
			b.problem(place, "no address; row skipped")
			return nil
		}
		conf, ok := b.csvConfidence(rec, cols, place)
		if !ok {
			return nil
		}
		var chains []string
		for _, c := range strings.FieldsFunc(cell(rec, cols, "chain"), func(r rune) bool { return r == '/' || r == ',' || r == ';' || r == ' ' }) {
			chains = append(chains, strings.ToUpper(c))
		}
		check := ""
		if len(chains) > 0 {
			check = chains[0]
		}
		la, ok := b.listedAddress(check, addr, place, "")
		if !ok {
			return nil
		}
		addr = la.Address
		incident, attribution := cell(rec, cols, "incident"), cell(rec, cols, "attribution")
		primary := cell(rec, cols, "primary_source")
		if primary == "" {
			primary = source
		}
		key := strings.Join([]string{incident, attribution, string(conf), primary}, "\x00")
		g := index[key]
		if g == nil {
			g = &group{incident: incident, attribution: attribution, primary: primary}
			g.e = screening.Entity{
				Type:       screening.TypeOrganization,
				Category:   screening.CategoryAttribution,
				Confidence: conf,
				Source:     primary,
			}
			tags := actorTags(attribution)
			g.e.Programs = append([]string{"DPRK"}, tags...)
			switch {
			case len(tags) > 0 && incident != "":
				g.e.Name = strings.Join(tags, " / ") + " (" + incident + ")"
			case incident != "":
				g.e.Name = incident
			case attribution != "":
				g.e.Name = attribution
			default:
				g.e.Name = "DPRK-attributed addresses"
			}
			if attribution != "" {
				g.remarks = append(g.remarks, "Attribution: "+attribution)
			}
			index[key] = g
			groups = append(groups, g)
		}
		for _, k := range []string{"corroboration", "validation"} {
			if v := cell(rec, cols, k); v != "" {
				note := strings.ToUpper(k[:1]) + k[1:] + ": " + v
				if !slices.Contains(g.remarks, note) {
					g.remarks = append(g.remarks, note)
				}
			}
		}
		if len(chains) == 0 {
			g.e.Addresses = append(g.e.Addresses, screening.ListedAddress{Address: addr})
		}
		for _, c := range chains {
			g.e.Addresses = append(g.e.Addresses, screening.ListedAddress{Currency: c, Address: addr})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if cols == nil {
		return invalidFile(base, "no rows; the CSV needs a header naming an address column")
	}
	ids := groupIDs(len(groups), func(i int) (string, string) {
		label := groups[i].incident
		if label == "" {
			label = "unnamed"
		}
		return label, string(groups[i].e.Confidence)
	})
	for i, g := range groups {
		g.e.SourceID = ids[i]
		g.e.Remarks = strings.Join(g.remarks, ". ")
		b.add(base, g.e)
	}
	return nil
}

// actorTags returns the actor tags an attribution names, without repeats.
func actorTags(attribution string) []string {
	low := strings.ToLower(attribution)
	var tags []string
	for _, a := range fbiActors {
		if strings.Contains(low, a.word) && !slices.Contains(tags, a.tag) {
			tags = append(tags, a.tag)
		}
	}
	return tags
}
