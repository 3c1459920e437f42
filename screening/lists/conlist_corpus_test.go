package lists

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/race"
)

// bigConList writes a spreadsheet laid out as OFSI's (shared strings, one
// worksheet "Data", stored uncompressed so the zip-bomb check does not
// stop it first) whose worksheet holds rows well-formed name rows, with
// 1,000 Group IDs, each row about 1 KB of XML.
func bigConList(t testing.TB, rows int) (data []byte, sheetBytes int64) {
	t.Helper()
	strs := append([]string{"Last Updated", "14/04/2025"}, conListColumns...)
	values := map[int]string{ukName6: "TEST NAME", ukName1: "GIVEN", ukName2: "SECOND", ukGroupType: "Individual",
		ukAliasType: "AKA", ukAliasQuality: "Good quality", ukRegime: ukDPRK, ukListedOn: "01/01/2020",
		ukLastUpdated: "02/01/2020", ukDateDesignated: "01/01/2020", ukNationality: "North Korea", ukCountry: "North Korea",
		ukDOB: "00/00/1962", ukTownOfBirth: "Pyongyang", ukCountryOfBirth: "North Korea", ukPosition: "Officer",
		ukAddress1: "Street", ukAddress2: "District", ukAddress6: "Pyongyang", ukOtherInfo: "(UK Sanctions List Ref):DPR0000.",
		ukTitle: "Mr", ukPassport: "123", ukPassportDetails: "North Korea number", ukNationalID: "456",
		ukNationalIDDetails: "card", ukPostCode: "000", ukAddress3: "Area", ukAddress4: "Block", ukAddress5: "City", ukName3: "THIRD", ukName4: "FOURTH", ukNonLatinLang: "Korean"}
	idx := map[int]int{}
	for col := range ukColumns {
		if v, ok := values[col]; ok {
			idx[col] = len(strs)
			strs = append(strs, v)
		}
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	part := func(name string) *countingWriter {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		return &countingWriter{w: w}
	}
	fmt.Fprint(part("[Content_Types].xml").w, `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`)
	fmt.Fprint(part("_rels/.rels").w, `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	fmt.Fprint(part("xl/workbook.xml").w, `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	fmt.Fprint(part("xl/_rels/workbook.xml.rels").w, `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)
	ss := part("xl/sharedStrings.xml").w
	fmt.Fprintf(ss, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(strs), len(strs))
	for _, s := range strs {
		fmt.Fprintf(ss, "<si><t>%s</t></si>", html.EscapeString(s))
	}
	fmt.Fprint(ss, "</sst>")
	sheet := part("xl/worksheets/sheet1.xml")
	w := sheet
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	cell := func(col, row int, body string) {
		name, _ := excelize.CoordinatesToCellName(col+1, row)
		fmt.Fprintf(w, `<c r="%s"%s</c>`, name, body)
	}
	fmt.Fprint(w, `<row r="1">`)
	cell(0, 1, ` t="s"><v>0</v>`)
	cell(1, 1, ` t="s"><v>1</v>`)
	fmt.Fprint(w, `</row><row r="2">`)
	for i := range conListColumns {
		cell(i, 2, ` t="s"><v>`+strconv.Itoa(2+i)+`</v>`)
	}
	fmt.Fprint(w, "</row>")
	for r := 3; r < rows+3; r++ {
		fmt.Fprintf(w, `<row r="%d">`, r)
		for col := range ukColumns {
			if col == ukGroupID {
				cell(col, r, `><v>`+strconv.Itoa(10000+r%1000)+`</v>`)
			} else if i, ok := idx[col]; ok {
				cell(col, r, ` t="s"><v>`+strconv.Itoa(i)+`</v>`)
			}
		}
		fmt.Fprint(w, "</row>")
	}
	fmt.Fprint(w, "</sheetData></worksheet>")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), sheet.n
}

type countingWriter struct {
	w interface{ Write([]byte) (int, error) }
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// peakHeap runs f and returns how far the heap rose above where it stood
// before, sampled every 5 ms. The collector runs at GOGC=25 in the
// meantime, so that garbage awaiting collection (which GOGC=100 lets grow
// as large as everything live, the input included) stays small and the
// figure is close to what f holds.
func peakHeap(f func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	before := read()
	peak := before
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				peak = max(peak, read())
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	peak = max(peak, read())
	return peak - before
}

// TestCorpusConList100MBSheet: a worksheet of over 100 MB (more name rows
// than MaxConListRows) is refused with an error naming the row past the
// limit, and reading it keeps memory bounded: it is streamed row by row,
// never held whole.
func TestCorpusConList100MBSheet(t *testing.T) {
	race.Corpus(t)
	data, sheet := bigConList(t, MaxConListRows+10)
	if sheet < 100<<20 {
		t.Fatalf("the generated worksheet is %d MB; the test needs 100", sheet>>20)
	}
	var err error
	rose := peakHeap(func() { _, err = ParseUKConList(data) })
	want := fmt.Sprintf("row %d: more than %d name rows", MaxConListRows+3, MaxConListRows)
	if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "nothing imported") {
		t.Fatalf("error %v; want one saying %q", err, want)
	}
	t.Logf("worksheet %d MB, file %d MB: the live heap rose by at most %d MB while parsing", sheet>>20, len(data)>>20, rose>>20)
	// The worksheet alone is over 100 MB; the parser holds a row, the
	// shared strings and the 1,000 designations.
	if rose > 48<<20 {
		t.Errorf("the live heap rose by %d MB reading a %d MB worksheet; want under 48 MB", rose>>20, sheet>>20)
	}
}
