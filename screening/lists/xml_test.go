package lists

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/screening"
)

func TestOFACXMLSample(t *testing.T) {
	data := readTestdata(t, "sdn_advanced_sample.xml")
	l, err := ParseOFACXML(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	if want := time.Date(2025, 2, 21, 0, 0, 0, 0, time.UTC); !l.Info.Published.Equal(want) {
		t.Errorf("Published %v, want %v", l.Info.Published, want)
	}
	if l.Info.SHA256 != Digest(map[string][]byte{"sdn_advanced.xml": data}) {
		t.Error("digest is not Digest(sdn_advanced.xml: content)")
	}
	park := entity(t, l, "24696")
	if park.Name != "PARK, Jin Hyok" || park.Type != screening.TypePerson {
		t.Errorf("PARK: %+v", park)
	}
	wantStrings(t, park.Programs, "DPRK2", "CYBER2")
	wantStrings(t, park.DatesOfBirth, "1984-08-15", "1983", "1984", "1985")
	wantStrings(t, park.Countries, "KP", "CN")
	wantStrings(t, park.Emails, "pjh.example@example.com")
	wantStrings(t, aliasNames(park, false), "박진혁", "PAK, Jin Hek")
	wantStrings(t, aliasNames(park, true), "Jin Hyok")
	if !slices.Equal(park.IDs, []screening.Identifier{{Type: "Passport", Value: "290333974", Country: "KP"}}) {
		t.Errorf("PARK IDs %+v", park.IDs)
	}
	if a := addressSet(park); !a["XBT 3LU8wRu4ZnXP4UM8Yo6kkTiGHM9BubgyiG"] || !a["ETH 0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D"] {
		t.Errorf("PARK addresses %+v", park.Addresses)
	}
	laz := entity(t, l, "27307")
	if laz.Type != screening.TypeOrganization || len(laz.Addresses) != 2 {
		t.Errorf("LAZARUS: %+v", laz)
	}
	wantStrings(t, aliasNames(laz, true), "HIDDEN COBRA", "APPLEWORM")
	ship := entity(t, l, "15036")
	if ship.Type != screening.TypeVessel || len(ship.IDs) != 1 || ship.IDs[0].Value != "IMO 8660313" {
		t.Errorf("vessel: %+v", ship)
	}
	if !hasProblem(l, "sdn_advanced.xml DistinctParty 27307", "rejected (an EVM address has 40 hex digits after 0x") ||
		!hasProblem(l, "sdn_advanced.xml DistinctParty 15036", `unknown country "Atlantis"`) || l.Info.Problems != 2 {
		t.Errorf("problems %+v", l.Problems)
	}
	golden(t, "ofac_xml", l)
}

func TestOFACXMLReaders(t *testing.T) {
	data := readTestdata(t, "sdn_advanced_sample.xml")
	want := Digest(map[string][]byte{"sdn_advanced.xml": data})
	// A reader that cannot tell its size is buffered; a file is streamed.
	l, err := ParseOFACXML(iotest.OneByteReader(bytes.NewReader(data)))
	if err != nil || l.Info.SHA256 != want {
		t.Fatalf("one-byte reader: %v, digest %s", err, l.Info.SHA256)
	}
	f, err := os.Open("testdata/sdn_advanced_sample.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err = ParseOFACXML(f)
	if err != nil || l.Info.SHA256 != want || l.Info.Entities != 3 {
		t.Fatalf("file: %v, %+v", err, l.Info)
	}
}

func TestOFACXMLMalformed(t *testing.T) {
	_, err := ParseOFACXML(strings.NewReader(`<CONSOLIDATED_LIST></CONSOLIDATED_LIST>`))
	wantInvalid(t, err, "sdn_advanced.xml", "<CONSOLIDATED_LIST>", "not OFAC's advanced XML")
	_, err = ParseOFACXML(strings.NewReader(``))
	wantInvalid(t, err, "sdn_advanced.xml", "no XML element")
	_, err = ParseOFACXML(strings.NewReader(`<Sanctions><DistinctParties><DistinctParty FixedRef="1"></Profile></DistinctParty></DistinctParties></Sanctions>`))
	wantInvalid(t, err, "sdn_advanced.xml", "line 1, column", "malformed XML")
}

func TestOFACXMLTruncatedPosition(t *testing.T) {
	data := readTestdata(t, "sdn_advanced_sample.xml")
	cut := bytes.Index(data, []byte("<Feature ID=\"40105\""))
	line := bytes.Count(data[:cut], []byte("\n")) + 1
	_, err := ParseOFACXML(bytes.NewReader(data[:cut]))
	// The error names the line where the file ends.
	wantInvalid(t, err, "sdn_advanced.xml", "truncated", "download it again", "line "+strconv.Itoa(line)+",")
}

func TestUNXMLSample(t *testing.T) {
	data := readTestdata(t, "un_sample.xml")
	l, err := ParseUNXML(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	if want := time.Date(2026, 2, 27, 0, 0, 9, 554e6, time.UTC); !l.Info.Published.Equal(want) {
		t.Errorf("Published %v, want %v", l.Info.Published, want)
	}
	paek := entity(t, l, "KPi.006")
	if paek.Name != "PAEK CHANG-HO" || paek.Type != screening.TypePerson || !slices.Equal(paek.Programs, []string{"DPRK"}) {
		t.Errorf("PAEK: %+v", paek)
	}
	wantStrings(t, paek.Countries, "KP")
	wantStrings(t, paek.DatesOfBirth, "1964-06-18")
	// The passport is listed three times, twice under French and Spanish
	// names; it is kept once.
	if !slices.Equal(paek.IDs, []screening.Identifier{{Type: "Passport", Value: "381420754"}}) {
		t.Errorf("PAEK IDs %+v", paek.IDs)
	}
	haq := entity(t, l, "TAi.144")
	if haq.Name != "SIRAJUDDIN JALLALOUDINE HAQQANI" {
		t.Errorf("name %q", haq.Name)
	}
	wantStrings(t, aliasNames(haq, false), "سراج الدين جلال الدين حقانى", "Siraj Haqqani", "Serajuddin Haqani", "Siraj Haqani", "Saraj Haqani")
	wantStrings(t, aliasNames(haq, true), "Khalifa")
	wantStrings(t, haq.DatesOfBirth, "1977", "1978")
	wantStrings(t, haq.Countries, "AF", "PK")
	komid := entity(t, l, "KPe.001")
	if komid.Type != screening.TypeOrganization || komid.Name != "KOREA MINING DEVELOPMENT TRADING CORPORATION" {
		t.Errorf("KOMID: %+v", komid)
	}
	wantStrings(t, aliasNames(komid, false), "CHANGGWANG SINYONG CORPORATION", "EXTERNAL TECHNOLOGY GENERAL CORPORATION", "DPRKN MINING DEVELOPMENT TRADING COOPERATION", "KOMID")
	golden(t, "un_xml", l)
}

// TestUNXMLConsolidated reads the list of 2026-02-27: grep counts 730
// <INDIVIDUAL> and 273 <ENTITY> elements, 155 of them on the DPRK list.
func TestUNXMLConsolidated(t *testing.T) {
	f, err := os.Open(shareddata.Path(t, "screen", "watchman", "UN_consolidated_2026-02-27.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := ParseUNXML(f)
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	people, orgs, dprk := 0, 0, 0
	for _, e := range l.Entities {
		switch e.Type {
		case screening.TypePerson:
			people++
		case screening.TypeOrganization:
			orgs++
		}
		if slices.Contains(e.Programs, "DPRK") {
			dprk++
		}
	}
	if people != 730 || orgs != 273 || dprk != 155 {
		t.Errorf("%d individuals, %d entities, %d DPRK; want 730, 273, 155", people, orgs, dprk)
	}
	if l.Info.Problems != 0 {
		t.Errorf("problems: %+v", l.Problems[:min(5, len(l.Problems))])
	}
	kim := entity(t, l, "KPi.066")
	if kim.Name != "KIM JONG SIK" {
		t.Errorf("KPi.066: %+v", kim)
	}
	wantStrings(t, kim.DatesOfBirth, "1967", "1968", "1969")
	wantStrings(t, kim.Countries, "KP")
	if !l.Info.Published.Equal(time.Date(2026, 2, 27, 0, 0, 9, 554e6, time.UTC)) {
		t.Errorf("Published %v", l.Info.Published)
	}
}

func TestUNXMLMalformed(t *testing.T) {
	data := readTestdata(t, "un_sample.xml")
	cut := bytes.Index(data, []byte("<ENTITY>")) + 40
	line := bytes.Count(data[:cut], []byte("\n")) + 1
	_, err := ParseUNXML(bytes.NewReader(data[:cut]))
	wantInvalid(t, err, "un_consolidated.xml", "truncated", "line "+strconv.Itoa(line))
	_, err = ParseUNXML(strings.NewReader(`<Sanctions/>`))
	wantInvalid(t, err, "un_consolidated.xml", "not the UN consolidated list")
	_, err = ParseUNXML(strings.NewReader(`<?xml version="1.0" encoding="EBCDIC"?><CONSOLIDATED_LIST/>`))
	wantInvalid(t, err, "un_consolidated.xml", "EBCDIC")
	l, err := ParseUNXML(strings.NewReader(`<?xml version="1.0" encoding="ISO-8859-1"?><CONSOLIDATED_LIST><ENTITIES><ENTITY><REFERENCE_NUMBER>X.1</REFERENCE_NUMBER><FIRST_NAME>CAF` + "\xc9" + `</FIRST_NAME></ENTITY><ENTITY><FIRST_NAME>NO REFERENCE</FIRST_NAME></ENTITY></ENTITIES></CONSOLIDATED_LIST>`))
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	if l.Entities[0].Name != "CAFÉ" || !hasProblem(l, "UN XML ENTITY", "without REFERENCE_NUMBER or DATAID") {
		t.Errorf("%+v", l)
	}
}

func BenchmarkParseUNXML(b *testing.B) {
	data := readShared(b, "screen", "watchman", "UN_consolidated_2026-02-27.xml")
	benchParse(b, len(data), func() error {
		_, err := ParseUNXML(bytes.NewReader(data))
		return err
	})
}

func BenchmarkParseOFACXML(b *testing.B) {
	data := readTestdata(b, "sdn_advanced_sample.xml")
	benchParse(b, len(data), func() error {
		_, err := ParseOFACXML(bytes.NewReader(data))
		return err
	})
}
