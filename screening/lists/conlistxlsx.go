package lists

import (
	"archive/zip"
	"bytes"
	"os"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/bulwark-sec/bulwark/screening"
)

// Bounds on a spreadsheet, checked from its zip directory before anything
// is decompressed (archive/zip refuses to inflate an entry past the size
// its directory states, so the check holds even for lying headers). The
// April 2025 ConList is 2.2 MB holding 17 MB of XML (a ratio of about 8).
const (
	maxXLSXEntries = 1000
	// maxXLSXPart bounds one part (a worksheet, the shared strings).
	maxXLSXPart = 256 << 20
	// maxXLSXTotal bounds all parts together.
	maxXLSXTotal = 512 << 20
	// maxXLSXRatio bounds how much a part larger than xlsxRatioFrom may
	// inflate: spreadsheet XML deflates 5 to 30 times; a zip bomb 1,000.
	maxXLSXRatio  = 100
	xlsxRatioFrom = 1 << 20
	// xlsxStreamFrom is the size from which excelize streams a worksheet
	// from a temporary file instead of holding its XML in memory.
	xlsxStreamFrom = 16 << 20
)

// checkXLSX checks data is a zip whose entries stay within the bounds
// above, before any is decompressed.
func checkXLSX(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return invalidFile(conListXLSXName, "not a readable .xlsx spreadsheet (the zip container is corrupt or truncated: %v); download it again; nothing imported", err)
	}
	if len(zr.File) > maxXLSXEntries {
		return invalidFile(conListXLSXName, "the spreadsheet holds %d parts, more than %d: not a ConList export; nothing imported", len(zr.File), maxXLSXEntries)
	}
	var total uint64
	workbook := false
	for _, f := range zr.File {
		size := f.UncompressedSize64
		total += size
		switch {
		case size > maxXLSXPart:
			return invalidFile(conListXLSXName, "part %s inflates to %d MB, more than the %d MB a part may: not a ConList export (a zip bomb?); nothing imported", shorten(f.Name, 60), size>>20, maxXLSXPart>>20)
		case total > maxXLSXTotal:
			return invalidFile(conListXLSXName, "the spreadsheet inflates to more than %d MB: not a ConList export (a zip bomb?); nothing imported", maxXLSXTotal>>20)
		case size > xlsxRatioFrom && (f.CompressedSize64 == 0 || size/f.CompressedSize64 > maxXLSXRatio):
			return invalidFile(conListXLSXName, "part %s inflates %d bytes to %d, more than %d times: a zip bomb, not a spreadsheet; nothing imported", shorten(f.Name, 60), f.CompressedSize64, size, maxXLSXRatio)
		}
		if strings.EqualFold(f.Name, "xl/workbook.xml") {
			workbook = true
		}
	}
	if !workbook {
		return invalidFile(conListXLSXName, "a zip file without xl/workbook.xml: not an .xlsx spreadsheet; nothing imported")
	}
	return nil
}

// ParseUKConList parses HM Treasury's OFSI Consolidated List of Financial
// Sanctions Targets (ConList) as OFSI exports it in .xlsx: one worksheet,
// "Data" (the first sheet when none has that name), whose first row is
// "Last Updated" and the list's date (the version's publication date), the
// second the 36 ConList columns (any order), then one row per name
// variant. The worksheet is read one row at a time (excelize's streaming
// reader; a worksheet over 16 MB is read from a temporary file), after the
// zip directory has been checked against a zip bomb: a part over 256 MB, or
// over 1 MB and inflating more than 100 times, or 512 MB in all, is refused
// before anything is decompressed.
//
// Rows sharing a Group ID make one entity "uk-ofsi:<Group ID>":
//
//   - the name is Name 1 to 5 then Name 6 (the surname), joined with
//     spaces; the row whose Alias Type is "Primary name" gives the primary
//     name, the other rows ("Primary name variation", "AKA", "FKA") aliases,
//     weak when their Alias Quality is "Low quality" (as OFAC's weak AKAs);
//     Name Non-Latin Script (Hangul, Cyrillic, Chinese…) is an alias too,
//     which screening transliterates;
//   - Group Type Individual, Entity or Ship is the type (person,
//     organization, vessel);
//   - DOB gives the dates of birth, partial ones as ConList writes them
//     ("00/00/1962" is 1962, "00/05/1962" May 1962);
//   - Nationality (numbered "(1) … (2) …" items too) and the address
//     Country give the countries; Passport Number and National
//     Identification Number the documents (numbered items each one, with
//     the country their details start with); a ship's "(IMO number)" in
//     Other Information its IMO number;
//   - Regime is the programme; Listed On (earliest) and Last Updated
//     (latest) the designation's dates (Entity.Listed, Entity.Updated);
//   - Other Information, Position, the addresses, the place of birth, the
//     title and the UK Sanctions List designation date make the remarks.
//
// Anything that means the file is not a complete ConList is an error and
// nothing is imported: a corrupt zip, a zip bomb, an empty sheet, a first
// row without "Last Updated", a header lacking any of the 36 columns, a row
// whose Group ID is not a number or whose Group Type is not Individual,
// Entity or Ship (its cells do not line up with the header), more than
// MaxConListRows rows. The error names the row. Smaller faults (a date or
// country not understood) are problems. The digest is taken under the name
// "ConList.xlsx".
func ParseUKConList(data []byte) (l *screening.List, err error) {
	defer func() {
		// The spreadsheet library is not ours: a panic inside it on a
		// malformed part is a corrupt file, not a crash.
		if r := recover(); r != nil {
			l, err = nil, invalidFile(conListXLSXName, "not a readable .xlsx spreadsheet (%v): the file is corrupt; download it again; nothing imported", r)
		}
	}()
	if err := checkXLSX(data); err != nil {
		return nil, err
	}
	f, err := openXLSX(data)
	if err != nil {
		return nil, invalidFile(conListXLSXName, "not a readable .xlsx spreadsheet (%v): the file is corrupt or truncated; download it again; nothing imported", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, invalidFile(conListXLSXName, "the spreadsheet has no worksheet: not a ConList export; nothing imported")
	}
	sheet := sheets[0]
	for _, s := range sheets {
		if strings.EqualFold(s, "Data") {
			sheet = s
		}
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, invalidFile(conListXLSXName, "cannot read worksheet %q (%v): the file is corrupt; download it again; nothing imported", shorten(sheet, 40), err)
	}
	defer rows.Close()
	c := newConList(conListXLSXName, FormatUKConListXLSX)
	c.serial = true
	n := 0
	for rows.Next() {
		n++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, invalidFile(conListXLSXName, "row %d of worksheet %q cannot be read (%v): the file is corrupt; download it again; nothing imported", n, shorten(sheet, 40), err)
		}
		if err := c.row("row "+strconv.Itoa(n), cells); err != nil {
			return nil, err
		}
	}
	if err := rows.Error(); err != nil {
		return nil, invalidFile(conListXLSXName, "worksheet %q after row %d cannot be read (%v): the file is corrupt; download it again; nothing imported", shorten(sheet, 40), n, err)
	}
	if c.rows == 0 {
		return nil, invalidFile(conListXLSXName, "worksheet %q is empty: not a ConList export; nothing imported", shorten(sheet, 40))
	}
	return c.finish(Digest(map[string][]byte{conListXLSXName: data}))
}

// openXLSX opens the spreadsheet. A large one is opened from a temporary
// copy on disk (removed when the spreadsheet is opened), which excelize
// reads in place, rather than from memory, which it would copy whole.
func openXLSX(data []byte) (*excelize.File, error) {
	opts := excelize.Options{UnzipSizeLimit: maxXLSXTotal, UnzipXMLSizeLimit: xlsxStreamFrom}
	if len(data) <= xlsxStreamFrom {
		return excelize.OpenReader(bytes.NewReader(data), opts)
	}
	tmp, err := os.CreateTemp("", "bulwark-conlist-*.xlsx")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return excelize.OpenFile(tmp.Name(), opts)
}
