package evidence

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/race"
)

// update rewrites the golden files under testdata/golden (go test
// ./hiring/evidence -update); every test of the package comparing with a
// golden file uses it through golden.
var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// golden compares got, indented JSON of v, with testdata/golden/NAME, or
// rewrites the file under -update.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./hiring/evidence -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update after checking the change):\n%s", path, got)
	}
}

// wantErr checks that err is a bulwark error of code whose message holds
// every part.
func wantErr(t *testing.T, err error, code string, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s error with %q", code, parts)
	}
	var be *bulwark.Error
	if !errors.As(err, &be) {
		t.Fatalf("error %T %v is not a *bulwark.Error", err, err)
	}
	if be.Code != code {
		t.Errorf("code %s, want %s (%v)", be.Code, code, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err, p)
		}
	}
}

func TestSniffDelimiter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line string
		want rune
	}{
		{"id,full_name,emails", ','},
		{"id;full_name;emails", ';'},
		{"id\tfull_name\temails", '\t'},
		{`id,"a;b;c",x`, ','},
		{`"id;x"`, ','},
		{"", ','},
	} {
		if got := sniffDelimiter([]byte(tc.line)); got != tc.want {
			t.Errorf("sniffDelimiter(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestColumnKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Full Name":       "full_name",
		" full_name ":     "full_name",
		"Date-of-Birth":   "date_of_birth",
		"E-mail  address": "e_mail_address",
		"__id":            "id",
		"":                "",
	} {
		if got := columnKey(in); got != want {
			t.Errorf("columnKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in     string
		dateOK bool
		want   string // RFC 3339, or the error's text
		err    bool
	}{
		{"2025-03-04T09:15:00Z", false, "2025-03-04T09:15:00Z", false},
		{"2025-03-04T18:15:00+09:00", false, "2025-03-04T18:15:00+09:00", false},
		{"2025-03-04 18:15:00.5+09:00", false, "2025-03-04T18:15:00.5+09:00", false},
		// As the sign-in readers take it (ISO 8601 basic offset).
		{"2025-03-04T18:15:00+0900", false, "2025-03-04T18:15:00+09:00", false},
		{"2025-03-04", true, "2025-03-04T00:00:00Z", false},
		{"2025-03-04", false, "a date where a time is needed", true},
		{"2025-02-30", true, "not a date", true},
		{"2025-03-04T09:15:00", false, "has no time zone: add Z", true},
		{"2025-03-04 09:15", true, "has no time zone: add Z", true},
		{"yesterday", true, "not a time", true},
	} {
		got, err := parseStamp(tc.in, tc.dateOK)
		if tc.err {
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("parseStamp(%q) = %v, %v; want error with %q", tc.in, got, err, tc.want)
			}
			continue
		}
		if err != nil || got.Format(time.RFC3339Nano) != tc.want {
			t.Errorf("parseStamp(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

// sized is a reader that tells its size and fails the test when read.
type sized struct {
	t    *testing.T
	size int64
}

func (s sized) Size() int64 { return s.size }
func (s sized) Read([]byte) (int, error) {
	s.t.Error("a file over the limit was read")
	return 0, io.EOF
}

// endless is a reader of a CSV file of people that never ends, counting
// its bytes.
type endless struct {
	buf []byte
	i   int
	n   int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n == 0 && len(e.buf) == 0 {
		e.buf = append(e.buf, "id,full_name\n"...)
	}
	for len(e.buf) < len(p) {
		e.buf = append(e.buf, "P"+itoa(e.i)+",x\n"...)
		e.i++
	}
	n := copy(p, e.buf)
	e.buf = e.buf[:copy(e.buf, e.buf[n:])]
	e.n += int64(n)
	return n, nil
}

func TestFileLimit(t *testing.T) {
	t.Parallel()
	// A reader that tells its size is refused before a byte is read.
	_, err := ReadPeople(sized{t, DefaultMaxFileBytes + 1}, "big.csv", PeopleOptions{})
	wantErr(t, err, bulwark.ETOOLARGE, "big.csv", "104857601 bytes", "over the limit of 100 MiB", "MaxFileBytes")
	// Exactly at the limit is not refused for its size.
	_, err = ReadPeople(strings.NewReader("id\nA\n"), "ok.csv", PeopleOptions{Limits: Limits{MaxFileBytes: 5}})
	if err != nil {
		t.Errorf("a file of exactly MaxFileBytes: %v", err)
	}
	// Any other reader is refused as soon as it passes the limit.
	for _, max := range []int64{100, 1 << 20} {
		e := &endless{}
		_, err = ReadPeople(e, "stream.csv", PeopleOptions{Limits: Limits{MaxFileBytes: max}})
		wantErr(t, err, bulwark.ETOOLARGE, "stream.csv: the file is over the limit of "+sizeText(max))
		if e.n > max+64<<10+1 {
			t.Errorf("read %d bytes of a stream with a limit of %d", e.n, max)
		}
	}
}

// TestCorpusDefaultFileLimit streams 100 MiB: a corpus-wide run, skipped
// under the race detector and with -short.
func TestCorpusDefaultFileLimit(t *testing.T) {
	race.Corpus(t)
	if testing.Short() {
		t.Skip("reads 100 MiB")
	}
	t.Parallel()
	// A stream past 100 MiB (rows of 900 KiB, within the row limit) is
	// refused when it passes the limit: read once, kept once.
	pr, pw := io.Pipe()
	go func() {
		text := strings.Repeat("resume text ", 900<<10/12)
		if _, err := io.WriteString(pw, "id,resume_text\n"); err != nil {
			return
		}
		for i := 0; ; i++ {
			if _, err := io.WriteString(pw, "P"+itoa(i)+","+text+"\n"); err != nil {
				return
			}
		}
	}()
	_, err := ReadPeople(pr, "huge.csv", PeopleOptions{})
	pr.CloseWithError(io.ErrClosedPipe)
	wantErr(t, err, bulwark.ETOOLARGE, "huge.csv: the file is over the limit of 100 MiB")
}

func TestRowLimit(t *testing.T) {
	t.Parallel()
	lim := Limits{MaxRowBytes: 64, MaxRows: 2}
	long := strings.Repeat("x", 65)
	for _, tc := range []struct{ name, in, want string }{
		{"long.csv", "id,resume_text\nA," + long + "\n", "long.csv: line 2: the row is over the limit of 64 bytes"},
		{"quoted.csv", "id,resume_text\nA,\"" + strings.Repeat("x\n", 40) + "\"\n", "quoted.csv: line 2: the row is over the limit of 64 bytes"},
		{"long.jsonl", `{"id":"A"}` + "\n" + `{"id":"B","resume_text":"` + long + `"}`, "long.jsonl: line 2: the row is over the limit of 64 bytes"},
		{"long.json", `[{"id":"A"},` + "\n" + `{"id":"B","resume_text":"` + long + `"}]`, "long.json: line 2: the array element is over the limit of 64 bytes"},
		{"rows.csv", "id\nA\nB\nC\n", "rows.csv: line 4: more than 2 records"},
		{"rows.jsonl", `{"id":"A"}` + "\n" + `{"id":"B"}` + "\n\n" + `{"id":"C"}`, "rows.jsonl: line 4: more than 2 records"},
	} {
		_, err := ReadPeople(strings.NewReader(tc.in), tc.name, PeopleOptions{Limits: lim})
		wantErr(t, err, bulwark.ETOOLARGE, tc.want)
	}
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}

func TestCollector(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 64, 65, collectorChunk, collectorChunk + 1, 3*collectorChunk + 17} {
		var c collector[int]
		for i := range n {
			c.add(i)
		}
		got := c.all()
		if len(got) != n || (n == 0) != (got == nil) {
			t.Fatalf("%d added, %d returned (nil %v)", n, len(got), got == nil)
		}
		for i, v := range got {
			if v != i {
				t.Fatalf("n=%d: [%d] = %d", n, i, v)
			}
		}
	}
}

// wideObject is one JSON line of an object with an id and n more keys.
func wideObject(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"id":"x0"`)
	for i := range n {
		b.WriteString(`,"` + strconv.FormatInt(int64(i), 16) + `":1`)
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// TestWideObjectLinear: the duplicate-key check of the JSON splitter does
// a bounded number of comparisons per key, so an object of 100,000 keys
// (a 1 MiB row) costs linear time, not 5·10⁹ string comparisons.
func TestWideObjectLinear(t *testing.T) {
	t.Parallel()
	const keys = 100_000
	in, err := openInput(bytes.NewReader(wideObject(keys)), "p.jsonl", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := in.rows(nil, func(_ int, cols []string, _ []cell) error { n = len(cols); return nil }); err != nil {
		t.Fatal(err)
	}
	if n != keys+1 {
		t.Fatalf("%d columns, want %d", n, keys+1)
	}
	if in.keyProbes > 2*(keys+1) {
		t.Errorf("%d key comparisons for %d keys, want at most 2 a key", in.keyProbes, keys+1)
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestQuotedRecordLimit: MaxRowBytes bounds a CSV record with its quoted
// line breaks while it is read, in every CSV reader: a quoted cell of 8
// MiB of short lines is refused after reading about MaxRowBytes, not
// after encoding/csv has buffered all of it (4-5 times the file in the
// reviewer's run).
func TestQuotedRecordLimit(t *testing.T) {
	t.Parallel()
	const max = 64 << 10
	lim := Limits{MaxRowBytes: max}
	cell := `"` + strings.Repeat("aaaaaaa\n", 1<<20) + `"` + "\n"
	for _, tc := range []struct {
		name, head string
		read       func(r io.Reader) error
	}{
		{"people", "id,resume_text\n1,", func(r io.Reader) error {
			_, err := ReadPeople(r, "f.csv", PeopleOptions{Limits: lim})
			return err
		}},
		{"sign-ins", "user,time,ip,user_agent\na@example.com,2026-03-02T09:00:00Z,192.0.2.1,", func(r io.Reader) error {
			_, err := ReadSignInsLimits(r, "f.csv", lim)
			return err
		}},
		{"inventory", "serial,hostname,user,item_type,name\nS1,h,u,software,", func(r io.Reader) error {
			_, err := ReadInventoryLimits(r, "f.csv", lim)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cr := &countingReader{r: strings.NewReader(tc.head + cell)}
			err := tc.read(cr)
			wantErr(t, err, bulwark.ETOOLARGE, "f.csv: line 2: ", "MaxRowBytes")
			if cr.n > 2*max+128<<10 {
				t.Errorf("read %d bytes before refusing a record over %d bytes", cr.n, max)
			}
		})
	}
}
