package lists

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/screening"
)

// UN list identity.
const (
	unListID   = "un-consolidated"
	unListName = "United Nations Security Council Consolidated List"
	unXMLName  = "un_consolidated.xml"
)

type (
	unAlias struct {
		Quality     string `xml:"QUALITY"`
		Name        string `xml:"ALIAS_NAME"`
		DateOfBirth string `xml:"DATE_OF_BIRTH"`
	}
	unCountry struct {
		Country string `xml:"COUNTRY"`
	}
	unRecord struct {
		DataID      string   `xml:"DATAID"`
		Reference   string   `xml:"REFERENCE_NUMBER"`
		First       string   `xml:"FIRST_NAME"`
		Second      string   `xml:"SECOND_NAME"`
		Third       string   `xml:"THIRD_NAME"`
		Fourth      string   `xml:"FOURTH_NAME"`
		Original    string   `xml:"NAME_ORIGINAL_SCRIPT"`
		ListType    string   `xml:"UN_LIST_TYPE"`
		Comments    string   `xml:"COMMENTS1"`
		Nationality []string `xml:"NATIONALITY>VALUE"`
		// Individuals and entities name their repeated children apart.
		IndividualAliases []unAlias   `xml:"INDIVIDUAL_ALIAS"`
		EntityAliases     []unAlias   `xml:"ENTITY_ALIAS"`
		IndividualAddress []unCountry `xml:"INDIVIDUAL_ADDRESS"`
		EntityAddress     []unCountry `xml:"ENTITY_ADDRESS"`
		Births            []struct {
			Type     string `xml:"TYPE_OF_DATE"`
			Date     string `xml:"DATE"`
			Year     string `xml:"YEAR"`
			FromYear string `xml:"FROM_YEAR"`
			ToYear   string `xml:"TO_YEAR"`
		} `xml:"INDIVIDUAL_DATE_OF_BIRTH"`
		Documents []struct {
			Type    string `xml:"TYPE_OF_DOCUMENT"`
			Type2   string `xml:"TYPE_OF_DOCUMENT2"`
			Number  string `xml:"NUMBER"`
			Issuing string `xml:"ISSUING_COUNTRY"`
			Country string `xml:"COUNTRY_OF_ISSUE"`
		} `xml:"INDIVIDUAL_DOCUMENT"`
	}
)

// ParseUNXML parses the UN Security Council Consolidated List XML
// (CONSOLIDATED_LIST with INDIVIDUALS and ENTITIES) from r, streaming one
// INDIVIDUAL or ENTITY at a time. Each becomes an entity
// "un-consolidated:<REFERENCE_NUMBER>" (DATAID when the reference is
// missing):
//
//   - individuals: Name is FIRST_NAME to FOURTH_NAME joined with spaces;
//     NAME_ORIGINAL_SCRIPT becomes an alias; INDIVIDUAL_ALIAS entries of
//     QUALITY "Low" are weak aliases, "Good" and "a.k.a." strong ones;
//     dates of birth come from DATE, YEAR or FROM_YEAR..TO_YEAR (expanded)
//     and alias DATE_OF_BIRTH; NATIONALITY and address countries become
//     ISO codes; INDIVIDUAL_DOCUMENT entries identifiers.
//   - entities: Name is FIRST_NAME, ENTITY_ALIAS entries aliases.
//
// UN_LIST_TYPE is the program (e.g. "DPRK"), COMMENTS1 the remark, and the
// root's dateGenerated the publication date. The digest is taken under the
// name "un_consolidated.xml". Malformed or truncated XML is an error naming
// the line and column.
func ParseUNXML(r io.Reader) (*screening.List, error) {
	body, sum, err := digestReader(unXMLName, r)
	if err != nil {
		return nil, err
	}
	b := newBuilder(unListID, unListName, FormatUNXML)
	d := newXMLDecoder(body)
	root, err := xmlRoot(d, unXMLName, "CONSOLIDATED_LIST", "the UN consolidated list XML", "the UN consolidated list XML")
	if err != nil {
		return nil, err
	}
	for _, a := range root.Attr {
		if a.Name.Local == "dateGenerated" {
			if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(a.Value)); err == nil {
				b.list.Info.Published = t.UTC()
			}
		}
	}
	err = xmlElements(d, unXMLName, func(se xml.StartElement) error {
		switch se.Name.Local {
		case "INDIVIDUAL", "ENTITY":
			var rec unRecord
			if err := d.DecodeElement(&rec, &se); err != nil {
				return err
			}
			addUNRecord(b, &rec, se.Name.Local == "INDIVIDUAL")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	digest, err := sum()
	if err != nil {
		return nil, err
	}
	return b.finish(digest), nil
}

func addUNRecord(b *builder, rec *unRecord, individual bool) {
	id := clean(rec.Reference)
	if id == "" {
		id = clean(rec.DataID)
	}
	kind := "ENTITY"
	if individual {
		kind = "INDIVIDUAL"
	}
	place := "UN XML " + kind + " " + shorten(id, 40)
	if id == "" {
		b.problem(place, "record without REFERENCE_NUMBER or DATAID; not imported")
		return
	}
	e := screening.Entity{
		SourceID:   id,
		Type:       screening.TypeOrganization,
		Category:   screening.CategorySanctions,
		Confidence: screening.ConfidenceHigh,
		Remarks:    rec.Comments,
	}
	if lt := clean(rec.ListType); lt != "" {
		e.Programs = []string{lt}
	}
	aliases, addresses := rec.EntityAliases, rec.EntityAddress
	if individual {
		e.Type = screening.TypePerson
		aliases, addresses = rec.IndividualAliases, rec.IndividualAddress
		e.Name = joinNonEmpty(" ", rec.First, rec.Second, rec.Third, rec.Fourth)
	} else {
		e.Name = rec.First
	}
	if o := clean(rec.Original); o != "" {
		e.Aliases = append(e.Aliases, screening.Alias{Name: o})
	}
	for _, a := range aliases {
		name := strings.Trim(clean(a.Name), `"`)
		if name == "" {
			continue
		}
		e.Aliases = append(e.Aliases, screening.Alias{Name: name, Weak: strings.EqualFold(clean(a.Quality), "Low")})
		if dob := clean(a.DateOfBirth); dob != "" {
			if d, ok := unDate(dob); ok {
				e.DatesOfBirth = append(e.DatesOfBirth, d)
			}
		}
	}
	for _, dob := range rec.Births {
		switch {
		case clean(dob.Date) != "":
			if d, ok := unDate(clean(dob.Date)); ok {
				e.DatesOfBirth = append(e.DatesOfBirth, d)
			} else {
				b.problem(place, "date of birth %q not understood; not recorded", shorten(clean(dob.Date), 40))
			}
		case clean(dob.Year) != "":
			if y, ok := parseYear(clean(dob.Year)); ok {
				e.DatesOfBirth = append(e.DatesOfBirth, strconv.Itoa(y))
			} else {
				b.problem(place, "year of birth %q not understood; not recorded", shorten(clean(dob.Year), 40))
			}
		case clean(dob.FromYear) != "" || clean(dob.ToYear) != "":
			y1, ok1 := parseYear(clean(dob.FromYear))
			y2, ok2 := parseYear(clean(dob.ToYear))
			if !ok1 || !ok2 || y2 < y1 || y2-y1 > maxDOBRange {
				b.problem(place, "birth years %q to %q not understood; not recorded", shorten(clean(dob.FromYear), 20), shorten(clean(dob.ToYear), 20))
				continue
			}
			e.DatesOfBirth = append(e.DatesOfBirth, expandYears(y1, y2)...)
		}
	}
	for _, n := range rec.Nationality {
		b.addCountry(&e, clean(n), place, "nationality")
	}
	for _, a := range addresses {
		b.addCountry(&e, clean(a.Country), place, "address country")
	}
	for _, doc := range rec.Documents {
		num := clean(doc.Number)
		if num == "" {
			continue
		}
		typ := joinNonEmpty(" / ", unDocType(doc.Type), clean(doc.Type2))
		if typ == "" {
			typ = "Document"
		}
		id := screening.Identifier{Type: typ, Value: num}
		country := clean(doc.Issuing)
		if country == "" {
			country = clean(doc.Country)
		}
		if country != "" {
			if code, ok := CountryCode(country); ok {
				id.Country = code
			} else {
				b.problem(place, "unknown country %q of document %s; recorded without a country", shorten(country, 60), shorten(num, 40))
			}
		}
		e.IDs = append(e.IDs, id)
	}
	b.add(place, e)
}

// unDate reads "YYYY-MM-DD" (a time or zone after it is ignored) or "YYYY".
func unDate(s string) (string, bool) {
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		if t, err := time.Parse("2006-01-02", s[:10]); err == nil {
			return t.Format("2006-01-02"), true
		}
		return "", false
	}
	if y, ok := parseYear(s); ok {
		return strconv.Itoa(y), true
	}
	return "", false
}

// joinNonEmpty joins the cleaned non-empty parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = clean(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// unDocType names a document type in English: the list sometimes repeats a
// passport under its French and Spanish names.
func unDocType(s string) string {
	s = clean(s)
	switch strings.ToLower(s) {
	case "numéro de passeport", "número de pasaporte", "passeport", "pasaporte":
		return "Passport"
	case "numéro d'identification nationale", "número de identificación nacional":
		return "National Identification Number"
	}
	return s
}
