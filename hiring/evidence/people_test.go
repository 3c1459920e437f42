package evidence

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/hiring"
)

// readPeopleFile reads testdata/NAME with ReadPeople.
func readPeopleFile(t *testing.T, name string, opt PeopleOptions) []hiring.Person {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	people, err := ReadPeople(f, name, opt)
	if err != nil {
		t.Fatalf("ReadPeople(%s): %v", name, err)
	}
	return people
}

func TestReadPeopleExamples(t *testing.T) {
	t.Parallel()
	m, err := os.ReadFile(filepath.Join("testdata", "greenhouse.toml"))
	if err != nil {
		t.Fatal(err)
	}
	mapping, err := ParseMapping(m, "greenhouse.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file string
		opt  PeopleOptions
	}{
		{"people.csv", PeopleOptions{}},
		{"people.jsonl", PeopleOptions{}},
		{"greenhouse.csv", PeopleOptions{Mapping: mapping}},
	} {
		people := readPeopleFile(t, tc.file, tc.opt)
		type withLine struct {
			Line int `json:"line"`
			hiring.Person
		}
		out := make([]withLine, len(people))
		for i, p := range people {
			out[i] = withLine{p.Line, p}
		}
		golden(t, strings.TrimSuffix(tc.file, filepath.Ext(tc.file))+"."+strings.TrimPrefix(filepath.Ext(tc.file), ".")+".json", out)
	}
}

// TestReadPeopleLayouts reads one record in every layout ReadPeople takes.
func TestReadPeopleLayouts(t *testing.T) {
	t.Parallel()
	want := hiring.Person{ID: "A1", FullName: "Ann Lee", DateOfBirth: "1990-04-25", Emails: []string{"a@x.example", "b@y.example"},
		Country: "KR", Role: hiring.RoleEmployee, Line: 2}
	for name, in := range map[string]string{
		"comma.csv":     "id,full_name,date_of_birth,emails,country,role\nA1,Ann Lee,1990-04-25,a@x.example;b@y.example,KOR,Employee\n",
		"semicolon.csv": "id;full_name;date_of_birth;emails;country;role\r\nA1;Ann Lee;25/04/1990;\"a@x.example;b@y.example\";South Korea;employee\r\n",
		"tab.tsv":       "id\tFull Name\tDate of Birth\temails\tcountry\trole\nA1\tAnn Lee\t19900425\t a@x.example ; b@y.example ;\tkr\temployee\n",
		"bom.csv":       "\ufeffid,full_name,dob,email,country,role\nA1, Ann Lee ,1990/04/25,a@x.example;b@y.example,KR,employee\n",
		"utf16.csv":     utf16LE("\ufeffid,full_name,date_of_birth,emails,country,role\r\nA1,Ann Lee,04/25/1990,a@x.example;b@y.example,KR,employee\r\n"),
		"lines.jsonl":   "\n" + `{"id":"A1","full_name":"Ann Lee","date_of_birth":"1990-04-25","emails":["a@x.example","b@y.example"],"country":"KR","role":"employee"}` + "\n",
		"array.json":    "[\n" + `{"id":"A1","full_name":"Ann Lee","date_of_birth":"1990-04-25T00:00:00Z","emails":"a@x.example;b@y.example","country":"KR","role":"employee","national_id":null}` + "\n]",
	} {
		people, err := ReadPeople(strings.NewReader(in), name, PeopleOptions{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(people) != 1 || !samePerson(people[0], want) {
			t.Errorf("%s: got %+v, want %+v", name, people, want)
		}
	}
}

func samePerson(a, b hiring.Person) bool {
	return a.ID == b.ID && a.FullName == b.FullName && a.DateOfBirth == b.DateOfBirth &&
		strings.Join(a.Emails, "|") == strings.Join(b.Emails, "|") && a.Country == b.Country && a.Role == b.Role && a.Line == b.Line
}

// utf16LE encodes s as UTF-16 little-endian (s is ASCII or has a BOM).
func utf16LE(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		b.WriteByte(byte(r))
		b.WriteByte(byte(r >> 8))
	}
	return b.String()
}

// TestReadPeopleBadInput: every kind of bad input is refused whole, with
// an error naming the file, the line and (where there is one) the column.
func TestReadPeopleBadInput(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("y", 70)
	for _, tc := range []struct {
		name, in string
		mapping  *Mapping
		want     []string
	}{
		{"count.csv", "id,full_name\nA,Ann\nB,Bob,extra\n", nil, []string{"count.csv: line 3: 3 cells where the header has 2"}},
		{"short.csv", "id,full_name,emails\nA,Ann\n", nil, []string{"short.csv: line 2: 2 cells where the header has 3"}},
		{"unknown.csv", "id,full_name,Favourite Colour,Stage\nA,Ann,red,x\n", nil,
			[]string{"unknown.csv: line 1: unknown columns \"Favourite Colour\", \"Stage\"", "the known columns are id, full_name,", "column mapping"}},
		{"unknown.jsonl", `{"id":"A"}` + "\n" + `{"id":"B","colour":"red"}` + "\n", nil, []string{"unknown.jsonl: line 2: unknown column \"colour\""}},
		{"unmapped.csv", "Candidate ID,Stage\n1,x\n", &Mapping{Columns: map[string]string{"Candidate ID": "id"}}, []string{"line 1: unknown column \"Stage\"", "list them under ignore"}},
		{"unnamed.csv", "id,full_name,\nA,Ann,\n", nil, []string{"unnamed.csv: line 1: unknown column \"column 3 (no name)\""}},
		{"noid.csv", "full_name\nAnn\n", nil, []string{"noid.csv: line 1: no id column"}},
		{"missing.csv", "id,full_name\nA,Ann\n ,Bob\n", nil, []string{"missing.csv: line 3: id: missing"}},
		{"missing.jsonl", `{"id":"A"}` + "\n" + `{"full_name":"Bob"}` + "\n", nil, []string{"missing.jsonl: line 2: no id column"}},
		{"dup.csv", "id,full_name\nA,Ann\nB,Bob\n\"A\",Anne\n", nil, []string{"dup.csv: line 4: id: is also the id of line 2"}},
		{"dupcol.csv", "id,full_name,name\nA,Ann,Anne\n", nil, []string{"dupcol.csv: line 1: columns \"full_name\" and \"name\" both give full_name"}},
		{"utf8.csv", "id,full_name\nA,Ann\nB,Bj\xf6rn\n", nil, []string{"utf8.csv: line 3: column 2 (full_name): invalid UTF-8: save the file as UTF-8"}},
		{"utf8.jsonl", `{"id":"A"}` + "\n" + "{\"id\":\"B\",\"full_name\":\"Bj\xf6rn\"}\n", nil, []string{"utf8.jsonl: line 2: invalid UTF-8"}},
		{"utf8.json", "[\n" + `{"id":"A"},` + "\n" + "{\"id\":\"B\",\"full_name\":\"Bj\xf6rn\"}]", nil, []string{"utf8.json: line 3: invalid UTF-8"}},
		{"utf16.csv", utf16LE("id,full_name\r\nA,Ann\r\n"), nil, []string{"utf16.csv: line 1: encoding: a NUL byte: the file looks UTF-16 or UTF-32 encoded without a byte-order mark"}},
		{"nul.jsonl", `{"id":"A"}` + "\n" + "{\"id\":\"B\x00\"}\n", nil, []string{"nul.jsonl: line 2: encoding: a NUL byte"}},
		{"quote.csv", "id,full_name\nA,\"Ann\nB,Bob\n", nil, []string{"quote.csv: line 2: malformed CSV", "check the quotes"}},
		{"json.jsonl", `{"id":"A"}` + "\n" + `{"id":"B",}` + "\n", nil, []string{"json.jsonl: line 2: malformed JSON"}},
		{"notobj.jsonl", `{"id":"A"}` + "\n" + `{"id":"B"}` + "\n" + `{"id":{"x":1}}` + "\n", nil, []string{"notobj.jsonl: line 3: id: a JSON object or array where a string is expected"}},
		{"array.json", "[\n" + `{"id":"A"},` + "\n" + `"B"` + "\n]", nil, []string{"array.json: line 3: a JSON string where an object is expected"}},
		{"trailing.json", `[{"id":"A"}] {"id":"B"}`, nil, []string{"trailing.json: line 1: text after the JSON array"}},
		{"twice.jsonl", `{"id":"A","full_name":"Ann","id":"B"}`, nil, []string{"twice.jsonl: line 1: id: given twice in one object"}},
		{"nested.jsonl", `{"id":"A","emails":[["a"]]}`, nil, []string{"nested.jsonl: line 1: emails: an array item: a JSON object or array"}},
		{"list.jsonl", `{"id":"A","full_name":["Ann","Lee"]}`, nil, []string{"list.jsonl: line 1: full_name: a list where one value is expected"}},
		{"ambiguous.csv", "id,date_of_birth\nA,25/04/1990\nB,03/04/1990\n", nil,
			[]string{"ambiguous.csv: line 3: date_of_birth: the date can be read day first or month first", "date_format = \"DD/MM/YYYY\""}},
		{"baddate.csv", "id,date_of_birth\nA,1990-02-30\n", nil, []string{"baddate.csv: line 2: date_of_birth: a day that does not exist in its month"}},
		{"twodigit.csv", "id,date_of_birth\nA,03/04/90\n", nil, []string{"line 2: date_of_birth: a two-digit year"}},
		{"country.csv", "id,country\nA,Korea\n", nil, []string{"country.csv: line 2: country: is ambiguous"}},
		{"country2.csv", "id,country\nA,Atlantis\n", nil, []string{"country2.csv: line 2: country: is not a country"}},
		{"role.csv", "id,role\nA,intern\n", nil, []string{"role.csv: line 2: role: is not a role"}},
		{"commaemails.csv", "id,emails\nA,\"a@x.com, Ann Lee\"\n", nil, []string{"commaemails.csv: line 2: emails: value 1 holds \",\", \"|\" or \" / \" but its parts are not all e-mail addresses: separate several e-mail addresses with \";\""}},
		{"barphones.csv", "id,phones,country\nA,+1 512 555 0101 | ext 5,US\n", nil, []string{"barphones.csv: line 2: phones: value 1 holds", "not all phone numbers"}},
		{"esc.csv", "id,full_name\nC1,\"Ann\x1b]0;x\x07\"\n", nil, []string{"esc.csv: line 2: column 2 (full_name): a control character (U+001B) at character 4: remove it"}},
		{"escid.csv", "id,full_name\n\"A\x1b[31m2\",Ann\n", nil, []string{"escid.csv: line 2: column 1 (id): a control character (U+001B) at character 2"}},
		{"c1.csv", "id,full_name\nA,Ann\u009b2J\n", nil, []string{"c1.csv: line 2: column 2 (full_name): a control character (U+009B) at character 4"}},
		{"bidi.csv", "id,full_name\nA,Ann\u202eeeL\n", nil, []string{"bidi.csv: line 2: column 2 (full_name): a control character (U+202E)"}},
		{"esc.jsonl", `{"id":"A","full_name":"Ann\u001b[2J"}`, nil, []string{"esc.jsonl: line 1: full_name: a control character (U+001B) at character 4"}},
		{"esclist.jsonl", `{"id":"A","emails":["a@x.com","b\u0007@x.com"]}`, nil, []string{"esclist.jsonl: line 1: emails: a control character (U+0007)"}},
		{"dotdot.csv", "id,full_name\nA,Ann\n..,Dot\n", nil, []string{"dotdot.csv: line 3: id: an id of \"..\" cannot name the person in a URL"}},
		{"dot.jsonl", `{"id":"."}`, nil, []string{"dot.jsonl: line 1: id: an id of \".\""}},
		{"slash.csv", "id,full_name\nA/1,Ann\n", nil, []string{"slash.csv: line 2: id: an id holding \"/\""}},
		{"empty.csv", "", nil, []string{"empty.csv: the file is empty"}},
		{"blank.csv", " \n\n", nil, []string{"blank.csv: the file is empty"}},
		{"long.csv", "id,full_name\nA," + long + "\n", nil, []string{"long.csv: line 2: the row is over the limit"}},
	} {
		people, err := ReadPeople(strings.NewReader(tc.in), tc.name, PeopleOptions{Mapping: tc.mapping, Limits: Limits{MaxRowBytes: 64}})
		if people != nil {
			t.Errorf("%s: a partial result of %d records with the error", tc.name, len(people))
		}
		code := bulwark.EINVALID
		if strings.Contains(tc.want[0], "over the limit") {
			code = bulwark.ETOOLARGE
		}
		t.Run(tc.name, func(t *testing.T) { wantErr(t, err, code, tc.want...) })
	}
}

// TestReadPeopleOtherSeparators: e-mails and phones joined by ",", "|" or
// " / " in one cell are read as several values when every part reads.
func TestReadPeopleOtherSeparators(t *testing.T) {
	t.Parallel()
	in := "id,full_name,emails,phones,country\n" +
		"M1,Mo One,\"mo@x.com, shared@x.com\",\"+1 512 555 0101, +1 512 555 0102\",US\n" +
		"M3,Ma Three,x@x.com | shared3@x.com; z@x.com,+1 512 555 0103 / +1 512 555 0104,US\n" +
		"M5,Mi Five,one@x.com,(512) 555-0105,US\n"
	people, err := ReadPeople(strings.NewReader(in), "m.csv", PeopleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2][]string{
		{{"mo@x.com", "shared@x.com"}, {"+1 512 555 0101", "+1 512 555 0102"}},
		{{"x@x.com", "shared3@x.com", "z@x.com"}, {"+1 512 555 0103", "+1 512 555 0104"}},
		{{"one@x.com"}, {"(512) 555-0105"}},
	}
	for i, p := range people {
		if !slices.Equal(p.Emails, want[i][0]) || !slices.Equal(p.Phones, want[i][1]) {
			t.Errorf("%s: emails %q phones %q, want %q %q", p.ID, p.Emails, p.Phones, want[i][0], want[i][1])
		}
	}
}

func TestParseBirthDate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		order dateOrder
		want  string // the date, or a part of the error
	}{
		{"1990-04-03", orderUnknown, "1990-04-03"},
		{"1990-4-3", orderUnknown, "1990-04-03"},
		{"1990/04/03", orderUnknown, "1990-04-03"},
		{"1990-04-03T12:00:00Z", orderUnknown, "1990-04-03"},
		{"19900403", orderUnknown, "1990-04-03"},
		{"1990-04", orderUnknown, "1990-04"},
		{"1990", orderUnknown, "1990"},
		{"25/04/1990", orderUnknown, "1990-04-25"},
		{"04/25/1990", orderUnknown, "1990-04-25"},
		{"25.04.1990", orderUnknown, "1990-04-25"},
		{"04/04/1990", orderUnknown, "1990-04-04"},
		{"03/04/1990", orderUnknown, "can be read day first or month first"},
		{"03/04/1990", orderDMY, "1990-04-03"},
		{"03/04/1990", orderMDY, "1990-03-04"},
		{"25/04/1990", orderMDY, "a month that does not exist"},
		{"13/13/1990", orderUnknown, "a month that does not exist"},
		{"1990-13-01", orderUnknown, "a month that does not exist"},
		{"2000-02-29", orderUnknown, "2000-02-29"},
		{"1900-02-29", orderUnknown, "a day that does not exist in its month"},
		{"1850-01-01", orderUnknown, "a year out of the range 1900-2100"},
		{"0/04/1990", orderDMY, "a day that does not exist"},
		{"+1990", orderUnknown, "not a date"},
		{"April 3, 1990", orderUnknown, "not a date"},
		{"", orderUnknown, "not a date"},
	} {
		got, err := parseBirthDate(tc.in, tc.order)
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("parseBirthDate(%q, %d) = %q, want %q", tc.in, tc.order, got, tc.want)
		}
	}
}

func TestParseMapping(t *testing.T) {
	t.Parallel()
	good := []string{
		"[columns]\n\"Candidate ID\" = \"id\"\n",
		`{"columns": {"Candidate ID": "id"}, "full_name": ["First", "Last"], "date_format": "DD.MM.YYYY"}`,
		"date_format = \"MM/DD/YYYY\"\nignore_unknown = true\n",
	}
	for _, in := range good {
		if _, err := ParseMapping([]byte(in), "m"); err != nil {
			t.Errorf("ParseMapping(%q): %v", in, err)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"[columns]\n\"Candidate ID\" = \"candidate\"\n", "m: columns: \"Candidate ID\" maps to \"candidate\", which is not a Bulwark column"},
		{"colums = {}\n", "m: unknown setting \"colums\""},
		{`{"colums": {}}`, "m: unknown field \"colums\""},
		{"date_format = \"YY-MM-DD\"\n", "m: date_format: \"YY-MM-DD\" is not a date format"},
		{"ignore = [\"Stage\"]\n[columns]\nStage = \"source\"\n", "m: columns: \"Stage\" is both mapped and ignored"},
		{"full_name = [\"First\", \"first\"]\n", "m: full_name: column \"first\" is named twice"},
		{"[[[", "m: "},
	} {
		_, err := ParseMapping([]byte(tc.in), "m")
		wantErr(t, err, bulwark.EINVALID, tc.want)
	}
}

func TestReadPeopleMapping(t *testing.T) {
	t.Parallel()
	m := &Mapping{
		Columns:  map[string]string{"Candidate ID": "id", "Email Address": "emails", "Work Email": "emails"},
		FullName: []string{"First Name", "Middle Name", "Last Name"},
		Ignore:   []string{"Stage"},
	}
	in := "Last Name,Stage,First Name,Candidate ID,Email Address,Work Email,Middle Name,Country\n" +
		"Lee,Offer,Ann,7,ann@x.example,ann@work.example,,Canada\n"
	people, err := ReadPeople(strings.NewReader(in), "ats.csv", PeopleOptions{Mapping: m})
	if err != nil {
		t.Fatal(err)
	}
	p := people[0]
	if p.ID != "7" || p.FullName != "Ann Lee" || strings.Join(p.Emails, " ") != "ann@x.example ann@work.example" || p.Country != "CA" {
		t.Errorf("got %+v", p)
	}
	if m.compiled {
		t.Error("ReadPeople changed the caller's Mapping")
	}
	// ignore_unknown skips what is neither mapped nor Bulwark's.
	m2 := &Mapping{Columns: map[string]string{"Candidate ID": "id"}, IgnoreUnknown: true}
	if _, err := ReadPeople(strings.NewReader("Candidate ID,Stage,Whatever\n1,a,b\n"), "ats.csv", PeopleOptions{Mapping: m2}); err != nil {
		t.Error(err)
	}
	// A bad mapping built in code is refused naming it.
	_, err = ReadPeople(strings.NewReader("id\n1\n"), "ats.csv", PeopleOptions{Mapping: &Mapping{Columns: map[string]string{"x": "nope"}}})
	wantErr(t, err, bulwark.EINVALID, "ats.csv (column mapping): columns: \"x\" maps to \"nope\"")
}

func TestReadPeopleHeaderOnly(t *testing.T) {
	t.Parallel()
	people, err := ReadPeople(strings.NewReader("id,full_name\n"), "h.csv", PeopleOptions{})
	if err != nil || len(people) != 0 {
		t.Errorf("a header-only file: %v, %v", people, err)
	}
}

func TestReadPeopleJSONValues(t *testing.T) {
	t.Parallel()
	in := `{ "i\u0064" : "A\u0031" , "full_name":"Ann \"Jo\" Lee","emails":[ "a@x.example" , null, "b\\y" ],"github":12,` +
		`"source":true,"national_id":null,"ips":[],"phones":"+1 555;+2 555"}`
	people, err := ReadPeople(strings.NewReader(in), "v.jsonl", PeopleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := people[0]
	if p.ID != "A1" || p.FullName != `Ann "Jo" Lee` || strings.Join(p.Emails, "|") != `a@x.example|b\y` || p.GitHub != "12" ||
		p.Source != "" || p.NationalID != "" || p.IPs != nil || len(p.Phones) != 2 {
		t.Errorf("got %+v", p)
	}
}

// TestBirthDateNotEchoed: an error about a date of birth names the line
// and column, not the date.
func TestBirthDateNotEchoed(t *testing.T) {
	t.Parallel()
	for _, dob := range []string{"03/04/1990", "1990-02-30", "03/04/90", "1850-01-01", "April 1990"} {
		_, err := ReadPeople(strings.NewReader("id,date_of_birth\nA,"+dob+"\n"), "d.csv", PeopleOptions{})
		wantErr(t, err, bulwark.EINVALID, "d.csv: line 2: date_of_birth: ")
		if err != nil && strings.Contains(err.Error(), dob) {
			t.Errorf("the error repeats the date of birth: %v", err)
		}
	}
}

func TestReadPeopleUTF16BigEndian(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for _, r := range "\ufeffid,full_name\nA,Zo\u00eb\n" {
		b.WriteByte(byte(r >> 8))
		b.WriteByte(byte(r))
	}
	people, err := ReadPeople(strings.NewReader(b.String()), "be.csv", PeopleOptions{})
	if err != nil || len(people) != 1 || people[0].FullName != "Zo\u00eb" {
		t.Errorf("got %+v, %v", people, err)
	}
}

// TestMappingColumnsMustExist: a mapping that names a column the file
// lacks is an error, with or without ignore_unknown: otherwise a renamed
// export column (Surname for Last Name) silently drops a name part, or
// every e-mail, and the linker matches on less than it should. Two
// mapping entries for the same column (compared as columns are) are an
// error too.
func TestMappingColumnsMustExist(t *testing.T) {
	t.Parallel()
	mapping := func(s string) *Mapping {
		m, err := ParseMapping([]byte(s), "m.toml")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	greenhouse := "Candidate ID,First Name,Last Name,Email Address,Phone Number\n1,Kim,Lee,k@example.com,+1 312 555 0100\n"
	m := mapping("full_name = [\"First Name\", \"Surname\"]\nignore_unknown = true\n[columns]\n\"Candidate ID\" = \"id\"\n\"E-mail Address\" = \"emails\"\n")
	_, err := ReadPeople(strings.NewReader(greenhouse), "p.csv", PeopleOptions{Mapping: m})
	wantErr(t, err, bulwark.EINVALID, "p.csv: line 1: ", "\"E-mail Address\" (emails)", "is not in the file")
	_, err = ReadPeople(strings.NewReader("Candidate ID,First Name,Last Name,E-mail Address\n1,Kim,Lee,k@example.com\n"), "p.csv", PeopleOptions{Mapping: m})
	wantErr(t, err, bulwark.EINVALID, "p.csv: line 1: ", "\"Surname\" (full_name part 2)", "is not in the file")
	// JSON: a mapped column in no record at all.
	_, err = ReadPeople(strings.NewReader(`{"Candidate ID":"1","First Name":"Kim","Surname":"Lee"}`+"\n"), "p.jsonl", PeopleOptions{Mapping: m})
	wantErr(t, err, bulwark.EINVALID, "p.jsonl: ", "\"E-mail Address\"", "is in no record")
	// Both present: read.
	ps, err := ReadPeople(strings.NewReader("Candidate ID,First Name,Surname,E-mail Address\n1,Kim,Lee,k@example.com\n"), "p.csv", PeopleOptions{Mapping: m})
	if err != nil || len(ps) != 1 || ps[0].FullName != "Kim Lee" {
		t.Errorf("ReadPeople = %+v, %v", ps, err)
	}
	_, err = ParseMapping([]byte("[columns]\n\"Home-Address\" = \"home_address\"\n\"home address\" = \"shipping_address\"\n"), "m.toml")
	wantErr(t, err, bulwark.EINVALID, "m.toml: columns: ", "are the same column")
}

// TestReadPeopleUnusedColumns: languages and source, which no check uses,
// are read but not kept, and a notice says so.
func TestReadPeopleUnusedColumns(t *testing.T) {
	t.Parallel()
	in := "id,full_name,languages,source,resume_text\nRS1,Res One,ko;en,LinkedIn,Senior engineer\nRS2,Res Two,,,\n"
	people, notes, err := ReadPeopleNotes(strings.NewReader(in), "res.csv", PeopleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p := people[0]; p.Languages != nil || p.Source != "" || p.ResumeText != "Senior engineer" {
		t.Errorf("kept: %+v", p)
	}
	want := "the columns languages and source not read: no check uses them, so they are not stored"
	if len(notes) != 1 || !strings.HasPrefix(notes[0], want) {
		t.Errorf("notes %q, want one starting %q", notes, want)
	}
	if strings.Contains(strings.Join(notes, " "), "LinkedIn") {
		t.Errorf("a notice holds a value: %q", notes)
	}
}
