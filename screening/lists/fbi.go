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
// programs, in the order they are named. Every actor here is a DPRK
// operation, so naming one also records the program "DPRK".
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

// fbiColumns are the columns that make a CSV the DPRK attribution table
// ([Detect] routes a CSV naming all of them to [ParseFBIAddresses]).
var fbiColumns = []string{"address", "incident", "attribution", "primary_source"}

// ParseFBIAddresses parses the DPRK attribution table: a CSV with a header
// naming chain, address, incident, attribution, primary_source,
// corroboration, validation and confidence (any order, any case; only
// address is required here, but [Detect] recognises the table by address,
// incident, attribution and primary_source). Rows are grouped into one
// entity per incident, attribution, confidence and primary source, named
// after the actors the attribution names and the incident, e.g. "DPRK /
// TraderTraitor (Bybit theft 2025-02-21 (laundering addresses))". A chain
// cell naming several chains ("ETH/BSC/POLYGON") lists the address once
// per chain. primary_source is the entity's Source (source when empty);
// attribution, corroboration and validation go to Remarks.
//
// Everything an entity says comes from its rows: CategoryAttribution (the
// table attributes addresses, it designates nothing); the confidence the
// row states, unknown when the cell is empty; programs "DPRK" and the actor
// tags the attribution names (Lazarus Group, TraderTraitor, APT38, …), none
// when it names no known actor. The list ID is "fbi-dprk"; rename it with
// [SetListID]. Addresses failing their format check, CSV rows with fewer or
// more cells than the header and rows with an unknown confidence are
// problems; a file without a header naming an address column, or without
// rows, is an error. A plain address list (one address per line) says
// nothing of whose addresses they are and is not this table: it is a
// user's own list ([ParseOwn]).
func ParseFBIAddresses(name string, data []byte, source string) (*screening.List, error) {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	if base == "." || base == "/" || base == "" {
		return nil, bulwark.Invalid("name", "give the file name of the address list")
	}
	b := newBuilder(fbiListID, fbiListName, FormatFBI)
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if header := firstDataLine(data); !isAddressHeader(header) {
		return nil, invalidFile(base, "no CSV header naming an address column: not the DPRK attribution table (chain,address,incident,attribution,primary_source,…,confidence); a plain list of addresses is imported as your own list")
	}
	if err := parseFBICSV(b, base, data, source); err != nil {
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
		conf, ok := b.csvConfidence(rec, cols, place, screening.ConfidenceUnknown)
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
			g.e.Programs = actorPrograms(tags)
			switch {
			case len(tags) > 0 && incident != "":
				g.e.Name = strings.Join(tags, " / ") + " (" + incident + ")"
			case incident != "":
				g.e.Name = incident
			case attribution != "":
				g.e.Name = attribution
			default:
				g.e.Name = "Attributed addresses (attribution not stated)"
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

// actorTags returns the actor tags an attribution names, without repeats,
// in the order of fbiActors; nil when it names none.
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

// actorPrograms returns the programs of an entity whose attribution names
// tags: "DPRK" first, then the other tags; none when tags is empty.
func actorPrograms(tags []string) []string {
	if len(tags) == 0 {
		return nil
	}
	out := []string{"DPRK"}
	for _, t := range tags {
		if t != "DPRK" {
			out = append(out, t)
		}
	}
	return out
}
