package lists

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/screening"
)

// ofacXMLName is the file name the OFAC advanced XML is digested under.
const ofacXMLName = "sdn_advanced.xml"

// The parts of OFAC's advanced ("enhanced") XML the parser reads. Element
// names are matched without their namespace.
type (
	xRefSets struct {
		Sets []struct {
			Values []xRefValue `xml:",any"`
		} `xml:",any"`
	}
	xRefValue struct {
		XMLName xml.Name
		Attrs   []xml.Attr `xml:",any,attr"`
		Text    string     `xml:",chardata"`
	}
	xDate struct {
		Year  string `xml:"Year"`
		Month string `xml:"Month"`
		Day   string `xml:"Day"`
	}
	xLocation struct {
		ID        string `xml:"ID,attr"`
		Countries []struct {
			CountryID string `xml:"CountryID,attr"`
		} `xml:"LocationCountry"`
	}
	xIDRegDoc struct {
		TypeID     string `xml:"IDRegDocTypeID,attr"`
		IdentityID string `xml:"IdentityID,attr"`
		CountryID  string `xml:"IssuedBy-CountryID,attr"`
		Number     string `xml:"IDRegistrationNo"`
	}
	xParty struct {
		FixedRef string     `xml:"FixedRef,attr"`
		Comment  string     `xml:"Comment"`
		Profiles []xProfile `xml:"Profile"`
	}
	xProfile struct {
		ID         string      `xml:"ID,attr"`
		SubTypeID  string      `xml:"PartySubTypeID,attr"`
		Identities []xIdentity `xml:"Identity"`
		Features   []xFeature  `xml:"Feature"`
	}
	xIdentity struct {
		ID      string   `xml:"ID,attr"`
		Primary string   `xml:"Primary,attr"`
		Aliases []xAlias `xml:"Alias"`
		Groups  []struct {
			ID     string `xml:"ID,attr"`
			TypeID string `xml:"NamePartTypeID,attr"`
		} `xml:"NamePartGroups>MasterNamePartGroup>NamePartGroup"`
	}
	xAlias struct {
		TypeID     string `xml:"AliasTypeID,attr"`
		Primary    string `xml:"Primary,attr"`
		LowQuality string `xml:"LowQuality,attr"`
		Names      []struct {
			Parts []struct {
				GroupID string `xml:"NamePartGroupID,attr"`
				Value   string `xml:",chardata"`
			} `xml:"DocumentedNamePart>NamePartValue"`
		} `xml:"DocumentedName"`
	}
	xFeature struct {
		TypeID   string `xml:"FeatureTypeID,attr"`
		Versions []struct {
			Details []struct {
				ReferenceID string `xml:"DetailReferenceID,attr"`
				Text        string `xml:",chardata"`
			} `xml:"VersionDetail"`
			Periods []struct {
				StartFrom xDate `xml:"Start>From"`
				StartTo   xDate `xml:"Start>To"`
				EndFrom   xDate `xml:"End>From"`
				EndTo     xDate `xml:"End>To"`
			} `xml:"DatePeriod"`
			Locations []struct {
				ID string `xml:"LocationID,attr"`
			} `xml:"VersionLocation"`
		} `xml:"FeatureVersion"`
	}
	xEntry struct {
		ProfileID string `xml:"ProfileID,attr"`
		Measures  []struct {
			TypeID  string `xml:"SanctionsTypeID,attr"`
			Comment string `xml:"Comment"`
		} `xml:"SanctionsMeasure"`
	}
)

// ofacRefs holds the reference value sets: kind ("Country", "FeatureType",
// ...) → ID → value.
type ofacRefs map[string]map[string]xRefValue

func (r ofacRefs) text(kind, id string) string {
	return strings.TrimSpace(r[kind][id].Text)
}

func (r ofacRefs) attr(kind, id, name string) string {
	for _, a := range r[kind][id].Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// ofacXMLFeatureIDs are the feature types kept as identifiers, with the
// identifier type they are recorded under.
var ofacXMLFeatureIDs = map[string]string{
	"SWIFT/BIC":                                   "SWIFT/BIC",
	"MMSI":                                        "MMSI",
	"Vessel Registration Identification":          "Vessel Registration Identification",
	"Vessel Call Sign":                            "Call Sign",
	"Aircraft Tail Number":                        "Aircraft Tail Number",
	"Previous Aircraft Tail Number":               "Previous Aircraft Tail Number",
	"Aircraft Mode S Transponder Code":            "Aircraft Mode S Transponder Code",
	"Aircraft Manufacturer's Serial Number (MSN)": "Aircraft Manufacturer's Serial Number (MSN)",
	"Aircraft Construction Number (also called L/N or S/N or F/N)": "Aircraft Construction Number (also called L/N or S/N or F/N)",
	"Website": "Website",
}

// ofacXMLParty is a converted party waiting for locations, documents and
// programs, which the file may give after it.
type ofacXMLParty struct {
	index      int
	profileID  string
	identities []string
	locations  []string // nationality, citizenship, address and flag locations
}

// ParseOFACXML parses OFAC's advanced XML (SDN_ADVANCED.XML, or the
// consolidated list in the same schema) from r, streaming: one
// DistinctParty is decoded at a time. Each party becomes an entity
// "ofac-sdn:<FixedRef>" — the same ent_num the CSV files use — with its
// primary name, aliases (LowQuality ones weak), type, birth dates,
// nationality, citizenship and address countries, identity documents,
// e-mail addresses, phone numbers, websites, vessel and aircraft
// identifiers and digital currency addresses ("Digital Currency Address -
// <ticker>" features); SanctionsEntries give the programs and DateOfIssue
// the publication date.
//
// The digest is taken over the content under the name "sdn_advanced.xml".
// Malformed or truncated XML is an error naming the line and column; unknown
// countries and addresses that fail their format check are problems.
func ParseOFACXML(r io.Reader) (*screening.List, error) {
	body, sum, err := digestReader(ofacXMLName, r)
	if err != nil {
		return nil, err
	}
	b := newBuilder(ofacListID, ofacListName, FormatOFACXML)
	d := newXMLDecoder(body)
	refs := ofacRefs{}
	haveRefs := false
	locations := map[string][]string{} // location ID → country IDs
	docs := map[string][]xIDRegDoc{}   // identity ID → documents
	var entries []xEntry
	var parties []ofacXMLParty
	var deferred []*xParty
	if _, err := xmlRoot(d, ofacXMLName, "Sanctions", "OFAC's advanced XML", "OFAC's advanced XML (SDN_ADVANCED.XML)"); err != nil {
		return nil, err
	}
	err = xmlElements(d, ofacXMLName, func(se xml.StartElement) error {
		var derr error
		switch se.Name.Local {
		case "DateOfIssue":
			var dt xDate
			if derr = d.DecodeElement(&dt, &se); derr == nil {
				y, m, day := atoiOr0(dt.Year), atoiOr0(dt.Month), atoiOr0(dt.Day)
				if y > 0 && m >= 1 && m <= 12 && day >= 1 && day <= daysIn(y, m) {
					b.list.Info.Published = time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC)
				}
			}
		case "ReferenceValueSets":
			var sets xRefSets
			if derr = d.DecodeElement(&sets, &se); derr == nil {
				for _, set := range sets.Sets {
					for _, v := range set.Values {
						kind := v.XMLName.Local
						if refs[kind] == nil {
							refs[kind] = map[string]xRefValue{}
						}
						for _, a := range v.Attrs {
							if a.Name.Local == "ID" {
								refs[kind][a.Value] = v
							}
						}
					}
				}
				haveRefs = true
			}
		case "Location":
			var loc xLocation
			if derr = d.DecodeElement(&loc, &se); derr == nil {
				for _, c := range loc.Countries {
					locations[loc.ID] = append(locations[loc.ID], c.CountryID)
				}
			}
		case "IDRegDocument":
			var doc xIDRegDoc
			if derr = d.DecodeElement(&doc, &se); derr == nil {
				docs[doc.IdentityID] = append(docs[doc.IdentityID], doc)
			}
		case "DistinctParty":
			p := new(xParty)
			if derr = d.DecodeElement(p, &se); derr == nil {
				if haveRefs {
					if cp, ok := convertOFACParty(b, refs, p); ok {
						parties = append(parties, cp)
					}
				} else {
					deferred = append(deferred, p)
				}
			}
		case "SanctionsEntry":
			var en xEntry
			if derr = d.DecodeElement(&en, &se); derr == nil {
				entries = append(entries, en)
			}
		case "ProfileRelationships", "SanctionsEntryLinks":
			derr = d.Skip()
		}
		return derr
	})
	if err != nil {
		return nil, err
	}
	for _, p := range deferred {
		if cp, ok := convertOFACParty(b, refs, p); ok {
			parties = append(parties, cp)
		}
	}

	programs := map[string][]string{}
	for _, en := range entries {
		for _, m := range en.Measures {
			kind := refs.text("SanctionsType", m.TypeID)
			if c := strings.TrimSpace(m.Comment); c != "" && (kind == "Program" || kind == "") {
				programs[en.ProfileID] = append(programs[en.ProfileID], c)
			}
		}
	}
	for _, p := range parties {
		e := &b.list.Entities[p.index]
		place := ofacXMLName + " DistinctParty " + e.SourceID
		e.Programs = append(e.Programs, programs[p.profileID]...)
		for _, locID := range p.locations {
			for _, cid := range locations[locID] {
				b.addOFACXMLCountry(e, refs, cid, place)
			}
		}
		for _, idID := range p.identities {
			for _, doc := range docs[idID] {
				id := screening.Identifier{Type: refs.text("IDRegDocType", doc.TypeID), Value: doc.Number}
				if id.Type == "" {
					id.Type = "Document"
				}
				if doc.CountryID != "" {
					id.Country = ofacXMLCountry(refs, doc.CountryID)
				}
				e.IDs = append(e.IDs, id)
			}
		}
	}
	digest, err := sum()
	if err != nil {
		return nil, err
	}
	return b.finish(digest), nil
}

func atoiOr0(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// ofacXMLCountry returns the ISO code of a CountryValues entry: its ISO2
// attribute, else its name looked up, else "".
func ofacXMLCountry(refs ofacRefs, id string) string {
	if iso := strings.ToUpper(strings.TrimSpace(refs.attr("Country", id, "ISO2"))); len(iso) == 2 {
		if _, known := isoCodes[iso]; known {
			return iso
		}
	}
	code, _ := CountryCode(refs.text("Country", id))
	return code
}

func (b *builder) addOFACXMLCountry(e *screening.Entity, refs ofacRefs, countryID, place string) {
	if code := ofacXMLCountry(refs, countryID); code != "" {
		e.Countries = append(e.Countries, code)
		return
	}
	name := refs.text("Country", countryID)
	if _, ok := CountryCode(name); ok && name != "" {
		return // known, names no current country
	}
	b.problem(place, "unknown country %q (CountryID %s) not recorded", shorten(name, 60), shorten(countryID, 20))
}

// convertOFACParty turns one DistinctParty into an entity and remembers the
// references to resolve once the whole file is read.
func convertOFACParty(b *builder, refs ofacRefs, p *xParty) (ofacXMLParty, bool) {
	if len(p.Profiles) == 0 {
		b.problem(ofacXMLName+" DistinctParty "+shorten(p.FixedRef, 20), "no Profile; not imported")
		return ofacXMLParty{}, false
	}
	prof := p.Profiles[0]
	id := strings.TrimSpace(p.FixedRef)
	if id == "" {
		id = strings.TrimSpace(prof.ID)
	}
	place := ofacXMLName + " DistinctParty " + shorten(id, 20)
	if id == "" {
		b.problem(place, "party without FixedRef or Profile ID; not imported")
		return ofacXMLParty{}, false
	}
	e := screening.Entity{
		SourceID:   id,
		Type:       ofacXMLType(refs, prof.SubTypeID),
		Category:   screening.CategorySanctions,
		Confidence: screening.ConfidenceHigh,
		Remarks:    p.Comment,
	}
	cp := ofacXMLParty{profileID: prof.ID}
	for _, ident := range prof.Identities {
		cp.identities = append(cp.identities, ident.ID)
		groups := map[string]string{}
		for _, g := range ident.Groups {
			groups[g.ID] = refs.text("NamePartType", g.TypeID)
		}
		for _, a := range ident.Aliases {
			weak := a.LowQuality == "true"
			for i, dn := range a.Names {
				name := composeOFACName(groups, dn.Parts)
				if name == "" {
					continue
				}
				if e.Name == "" && a.Primary == "true" && ident.Primary != "false" && i == 0 {
					e.Name = name
					continue
				}
				e.Aliases = append(e.Aliases, screening.Alias{Name: name, Weak: weak})
			}
		}
	}
	for _, f := range prof.Features {
		kind := refs.text("FeatureType", f.TypeID)
		for _, v := range f.Versions {
			var text, refText string
			for _, det := range v.Details {
				if t := strings.TrimSpace(det.Text); t != "" && text == "" {
					text = t
				}
				if det.ReferenceID != "" && refText == "" {
					refText = refs.text("DetailReference", det.ReferenceID)
				}
			}
			switch {
			case strings.HasPrefix(kind, "Digital Currency Address"):
				cur := strings.ToUpper(strings.TrimSpace(strings.TrimLeft(strings.TrimPrefix(kind, "Digital Currency Address"), " -")))
				if text == "" {
					continue
				}
				if la, ok := b.listedAddress(cur, text, place, ""); ok {
					e.Addresses = append(e.Addresses, la)
				}
			case kind == "Birthdate":
				for _, per := range v.Periods {
					dates, ok := periodDates(per.StartFrom, per.StartTo, per.EndFrom, per.EndTo)
					if !ok {
						b.problem(place, "birth date period not understood; not recorded")
						continue
					}
					e.DatesOfBirth = append(e.DatesOfBirth, dates...)
				}
			case kind == "Nationality Country", kind == "Citizenship Country", kind == "Location", kind == "Vessel Flag", kind == "Nationality of Registration":
				for _, l := range v.Locations {
					cp.locations = append(cp.locations, l.ID)
				}
				if refText != "" {
					b.addCountry(&e, refText, place, kind)
				}
			case kind == "Email Address":
				e.Emails = append(e.Emails, text)
			case kind == "Phone Number":
				e.Phones = append(e.Phones, text)
			default:
				if t, ok := ofacXMLFeatureIDs[kind]; ok && text != "" {
					e.IDs = append(e.IDs, screening.Identifier{Type: t, Value: text})
				}
			}
		}
	}
	cp.index = b.add(place, e)
	return cp, cp.index >= 0
}

// composeOFACName joins a documented name's parts: "Last, First Middle"
// when there is a last name and given names, as OFAC's CSV spells people,
// else the parts in document order.
func composeOFACName(groups map[string]string, parts []struct {
	GroupID string `xml:"NamePartGroupID,attr"`
	Value   string `xml:",chardata"`
}) string {
	var last, given, other []string
	for _, p := range parts {
		v := strings.TrimSpace(p.Value)
		if v == "" {
			continue
		}
		switch groups[p.GroupID] {
		case "Last Name", "Maiden Name":
			last = append(last, v)
		case "First Name", "Middle Name", "Patronymic", "Matronymic":
			given = append(given, v)
		default:
			other = append(other, v)
		}
	}
	switch {
	case len(last) > 0 && len(given) > 0:
		return strings.Join(last, " ") + ", " + strings.Join(append(given, other...), " ")
	case len(last) > 0:
		return strings.Join(append(last, other...), " ")
	}
	return strings.Join(append(given, other...), " ")
}

func ofacXMLType(refs ofacRefs, subTypeID string) screening.EntityType {
	switch refs.text("PartySubType", subTypeID) {
	case "Vessel":
		return screening.TypeVessel
	case "Aircraft":
		return screening.TypeAircraft
	}
	switch refs.text("PartyType", refs.attr("PartySubType", subTypeID, "PartyTypeID")) {
	case "Individual":
		return screening.TypePerson
	case "Entity":
		return screening.TypeOrganization
	case "Vessel":
		return screening.TypeVessel
	case "Aircraft":
		return screening.TypeAircraft
	}
	return screening.TypeUnknown
}

// periodDates turns an OFAC DatePeriod into birth dates: a day, a month
// ("YYYY-MM") or a year when the period spans exactly that, else every year
// of the range.
func periodDates(startFrom, startTo, endFrom, endTo xDate) ([]string, bool) {
	start := startFrom
	if start.Year == "" {
		start = startTo
	}
	end := endTo
	if end.Year == "" {
		end = endFrom
	}
	if end.Year == "" {
		end = start
	}
	y1, y2 := atoiOr0(start.Year), atoiOr0(end.Year)
	if y1 < 1000 || y2 < y1 || y2-y1 > maxDOBRange {
		return nil, false
	}
	m1, d1, m2, d2 := atoiOr0(start.Month), atoiOr0(start.Day), atoiOr0(end.Month), atoiOr0(end.Day)
	validDay := func(y, m, d int) bool { return m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m) }
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2 && validDay(y1, m1, d1):
		return []string{isoDate(y1, m1, d1)}, true
	case y1 == y2 && m1 == m2 && m1 >= 1 && m1 <= 12 && d1 <= 1 && (d2 == 0 || d2 == daysIn(y2, m2)):
		return []string{isoDate(y1, m1, 0)}, true
	case y1 == y2:
		return []string{strconv.Itoa(y1)}, true
	}
	return expandYears(y1, y2), true
}
