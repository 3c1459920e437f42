package lists

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/cputime"
	"github.com/bulwark-sec/bulwark/screening"
)

// ukRow makes a ConList row from column names to values.
func ukRow(cells map[string]string) []string {
	row := make([]string, len(conListColumns))
	for k, v := range cells {
		i := slices.Index(conListColumns, k)
		if i < 0 {
			panic("no ConList column " + k)
		}
		row[i] = v
	}
	return row
}

const ukDPRK = "Democratic People's Republic of Korea"

// ukSample is a small ConList: a DPRK person with aliases of both
// qualities, a Hangul name and a partial date of birth; a ship with its IMO
// number; an entity whose primary name comes after an alias.
func ukSample() [][]string {
	person := map[string]string{"Name 1": "YONG BOK", "Name 6": "KIM", "Group Type": "Individual", "Regime": ukDPRK,
		"DOB": "00/00/1962", "Nationality": "(1) North Korea (2) Russia", "Passport Number": "(1) 836110034 (2) 745220480",
		"Passport Details": "(1) North Korea number (2) North Korea diplomatic", "Listed On": "17/12/2024", "Last Updated": "18/12/2024",
		"UK Sanctions List Date Designated": "16/12/2024", "Group ID": "16816", "Position": "Lieutenant General",
		"Address 6": "Pyongyang", "Country": "North Korea"}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	ship := map[string]string{"Name 6": "SAM JONG 2", "Group Type": "Ship", "Regime": ukDPRK, "Listed On": "03/04/2018",
		"Last Updated": "31/12/2020", "Group ID": "13651",
		"Other Information": "(UK Sanctions List Ref):DPR0100. (IMO number):7408873 (Current owners):Korea Samjong Shipping"}
	entity := map[string]string{"Name 6": "KOREA MINING DEVELOPMENT TRADING CORPORATION", "Group Type": "Entity", "Regime": ukDPRK,
		"Listed On": "23/04/2009", "Last Updated": "31/12/2020", "Group ID": "11000", "Address 6": "Pyongyang", "Country": "North Korea"}
	return [][]string{
		{"Last Updated", "14/04/2025"},
		conListColumns,
		ukRow(with(entity, "Name 6", "KOMID", "Alias Type", "AKA")),
		ukRow(with(person, "Alias Type", "AKA", "Alias Quality", "Good quality", "Name 1", "YOUNG BOK")),
		ukRow(with(person, "Alias Type", "Primary name", "Name Non-Latin Script", "김영복", "Non-Latin Script Type", "Hangul")),
		ukRow(with(person, "Alias Type", "AKA", "Alias Quality", "Low quality", "Name 1", "YB", "DOB", "05/06/1962")),
		ukRow(with(ship, "Alias Type", "Primary name")),
		ukRow(with(ship, "Name 6", "BIMA", "Alias Type", "AKA")),
		ukRow(with(entity, "Alias Type", "Primary name", "Last Updated", "01/02/2021")),
	}
}

// ukXLSX writes rows to the worksheet "Data" of a new spreadsheet.
func ukXLSX(t testing.TB, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Data"); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, v := range r {
			cells[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Data", cell, &cells); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func ukCSV(t testing.TB, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestUKConList(t *testing.T) {
	t.Parallel()
	rows := ukSample()
	for _, tc := range []struct {
		name, format string
		parse        func() (*screening.List, error)
	}{
		{"xlsx", FormatUKConListXLSX, func() (*screening.List, error) { return ParseUKConList(ukXLSX(t, rows)) }},
		{"csv", FormatUKConListCSV, func() (*screening.List, error) { return ParseUKConListCSV(ukCSV(t, rows)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, err := tc.parse()
			if err != nil {
				t.Fatal(err)
			}
			checkList(t, l)
			if l.Info.ID != "uk-ofsi" || l.Info.Format != tc.format || l.Info.Published.Format("2006-01-02") != "2025-04-14" || l.Info.Entities != 3 || l.Info.Problems != 0 {
				t.Fatalf("info %+v, problems %v", l.Info, l.Problems)
			}
			byID := map[string]screening.Entity{}
			for _, e := range l.Entities {
				byID[e.SourceID] = e
			}
			p := byID["16816"]
			wantAliases := []screening.Alias{{Name: "YOUNG BOK KIM"}, {Name: "김영복"}, {Name: "YB KIM", Weak: true}}
			if p.ID != "uk-ofsi:16816" || p.Name != "YONG BOK KIM" || p.Type != screening.TypePerson || !slices.Equal(p.Aliases, wantAliases) {
				t.Errorf("person %q %s %+v", p.Name, p.Type, p.Aliases)
			}
			if !slices.Equal(p.DatesOfBirth, []string{"1962", "1962-06-05"}) || !slices.Equal(p.Countries, []string{"KP", "RU"}) ||
				!slices.Equal(p.Programs, []string{ukDPRK}) || p.Listed != "2024-12-17" || p.Updated != "2024-12-18" {
				t.Errorf("person %v %v %v %s %s", p.DatesOfBirth, p.Countries, p.Programs, p.Listed, p.Updated)
			}
			wantIDs := []screening.Identifier{{Type: "Passport", Value: "836110034", Country: "KP"}, {Type: "Passport", Value: "745220480", Country: "KP"}}
			if !slices.Equal(p.IDs, wantIDs) {
				t.Errorf("person documents %+v", p.IDs)
			}
			for _, want := range []string{"Position: Lieutenant General", "Address: Pyongyang, North Korea", "UK Sanctions List date designated: 2024-12-16"} {
				if !strings.Contains(p.Remarks, want) {
					t.Errorf("remarks %q lack %q", p.Remarks, want)
				}
			}
			s := byID["13651"]
			if s.Type != screening.TypeVessel || s.Name != "SAM JONG 2" || !slices.Equal(s.IDs, []screening.Identifier{{Type: "Vessel Registration Identification", Value: "IMO 7408873"}}) {
				t.Errorf("ship %+v", s)
			}
			o := byID["11000"]
			if o.Type != screening.TypeOrganization || o.Name != "KOREA MINING DEVELOPMENT TRADING CORPORATION" || !slices.Equal(o.Aliases, []screening.Alias{{Name: "KOMID"}}) ||
				o.Listed != "2009-04-23" || o.Updated != "2021-02-01" {
				t.Errorf("entity %+v", o)
			}
		})
	}
}

func TestUKDate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"00/00/1962": "1962", "00/05/1962": "1962-05", "12/05/1962": "1962-05-12", "1962": "1962", "05/1962": "1962-05",
		"31/02/1962": "", "05/00/1962": "", "1/1/62": "", "": "", "13/13/2000": "", "x": "", "00/00/0000": "",
	} {
		got, ok := ukDate(in)
		if got != want || ok != (want != "") {
			t.Errorf("ukDate(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestDetectUKConList(t *testing.T) {
	t.Parallel()
	rows := ukSample()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"anything.xlsx", ukXLSX(t, rows), FormatUKConListXLSX},
		{"list.bin", ukXLSX(t, rows), FormatUKConListXLSX},
		{"uk.csv", ukCSV(t, rows), FormatUKConListCSV},
		{"uk.txt", ukCSV(t, rows[1:]), FormatUKConListCSV},
	} {
		if got, ok := Detect(tc.name, head(tc.data)); !ok || got != tc.want {
			t.Errorf("Detect(%s) = %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
}

func head(b []byte) []byte { return b[:min(len(b), 4096)] }

// zipOf makes a zip of the given parts (name, content), deflated unless
// store is set.
func zipOf(t testing.TB, store bool, parts ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(parts); i += 2 {
		h := &zip.FileHeader{Name: parts[i], Method: zip.Deflate}
		if store {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(parts[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestUKConListBadInput: every file that is not a complete ConList is
// refused whole, with an error naming the row or the problem.
func TestUKConListBadInput(t *testing.T) {
	t.Parallel()
	good := ukSample()
	mod := func(f func(rows [][]string) [][]string) [][]string {
		rows := make([][]string, len(good))
		for i, r := range good {
			rows[i] = slices.Clone(r)
		}
		return f(rows)
	}
	missing := mod(func(rows [][]string) [][]string {
		for i := range rows[1:] {
			rows[i+1] = slices.Delete(rows[i+1], 31, 32) // Regime
		}
		return rows
	})
	// The header moved one cell to the right of its data.
	shifted := mod(func(rows [][]string) [][]string {
		rows[1] = append([]string{""}, rows[1]...)
		return rows
	})
	// One data row with a cell missing in the middle.
	shortRow := mod(func(rows [][]string) [][]string {
		rows[4] = slices.Delete(rows[4], 10, 11)
		return rows
	})
	noDate := mod(func(rows [][]string) [][]string { return rows[1:] })
	headerOnly := mod(func(rows [][]string) [][]string { return rows[:2] })
	valid := ukXLSX(t, good)
	bomb := zipOf(t, false, "[Content_Types].xml", "<Types/>", "xl/workbook.xml", "<workbook/>",
		"xl/worksheets/sheet1.xml", "<worksheet><sheetData>"+strings.Repeat(" ", 50<<20)+"</sheetData></worksheet>")
	cases := []struct {
		name string
		xlsx []byte
		csv  []byte
		want string
	}{
		{name: "missing column", xlsx: ukXLSX(t, missing), csv: ukCSV(t, missing), want: "row 2: the header lacks 1 of the 36 ConList columns (Regime)"},
		{name: "shifted header", xlsx: ukXLSX(t, shifted), csv: ukCSV(t, shifted), want: "row 3: Group ID \"\" is not a number: the row does not line up with the header"},
		{name: "row missing a cell", xlsx: ukXLSX(t, shortRow), csv: ukCSV(t, shortRow), want: "5: Group ID \"\" is not a number"},
		{name: "no Last Updated row", xlsx: ukXLSX(t, noDate), csv: ukCSV(t, noDate), want: "1: expected \"Last Updated\" and the list's date"},
		{name: "header only", xlsx: ukXLSX(t, headerOnly), csv: ukCSV(t, headerOnly), want: "the header has no name rows under it"},
		{name: "empty sheet", xlsx: ukXLSX(t, nil), csv: []byte{}, want: "is empty: not a ConList export"},
		{name: "corrupt zip", xlsx: valid[:len(valid)/2], want: "the zip container is corrupt or truncated"},
		{name: "corrupt part", xlsx: corruptPart(t, valid), want: "corrupt"},
		{name: "zip bomb", xlsx: bomb, want: "a zip bomb, not a spreadsheet"},
		{name: "not a spreadsheet", xlsx: zipOf(t, false, "a.txt", "hello"), want: "without xl/workbook.xml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			check := func(what string, l *screening.List, err error) {
				t.Helper()
				if err == nil || l != nil {
					t.Fatalf("%s: list %v, error %v; want an error and no list", what, l != nil, err)
				}
				if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "nothing imported") {
					t.Errorf("%s: error %q, want one of code invalid saying %q and nothing imported", what, err, tc.want)
				}
			}
			l, err := ParseUKConList(tc.xlsx)
			check("xlsx", l, err)
			if tc.csv != nil {
				l, err := ParseUKConListCSV(tc.csv)
				if tc.name == "empty sheet" {
					tc.want = "the sheet is empty"
				}
				tc.want = strings.Replace(tc.want, "row ", "line ", 1)
				check("csv", l, err)
			}
		})
	}
}

// corruptPart flips bytes inside the deflated worksheet of a valid
// spreadsheet, keeping the zip directory intact.
func corruptPart(t *testing.T, valid []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(valid), int64(len(valid)))
	if err != nil {
		t.Fatal(err)
	}
	out := slices.Clone(valid)
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			off, err := f.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			for i := off + 10; i < off+int64(f.CompressedSize64)-4; i += 7 {
				out[i] ^= 0x5a
			}
			return out
		}
	}
	t.Fatal("no worksheet")
	return nil
}

// BenchmarkParseUKConList parses the whole ConList of 2025-04-14 (4,688
// designations, 18,798 name rows); cpu-ms/op is the process's CPU time
// (user and system) per parse, which a shared machine's load does not
// inflate as it does the wall time.
func BenchmarkParseUKConList(b *testing.B) {
	data := readShared(b, "screen", "uk", "ConList_2025-04-14.xlsx")
	cpu0, ok := cputime.Seconds()
	benchParse(b, len(data), func() error {
		_, err := ParseUKConList(data)
		return err
	})
	if cpu1, ok1 := cputime.Seconds(); ok && ok1 && b.N > 0 {
		b.ReportMetric((cpu1-cpu0)*1000/float64(b.N), "cpu-ms/op")
	}
}
