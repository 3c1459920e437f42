package evidence

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Default limits of every reader of this package.
const (
	// DefaultMaxFileBytes bounds a file: 100 MiB.
	DefaultMaxFileBytes = 100 << 20
	// DefaultMaxRowBytes bounds one row: a CSV record (with its quoted
	// line breaks), a JSON line or one element of a JSON array: 1 MiB.
	DefaultMaxRowBytes = 1 << 20
	// DefaultMaxRows bounds the records of a file: 1,000,000. A record
	// takes a few hundred bytes of memory besides its text, so a file of
	// tiny rows could otherwise take many times its size.
	DefaultMaxRows = 1_000_000
)

// Limits bound what a reader accepts. A zero field takes its default.
type Limits struct {
	// MaxFileBytes is the largest file accepted, in bytes
	// (DefaultMaxFileBytes when 0). A reader that tells its size (an
	// *os.File, a *bytes.Reader, a *strings.Reader) is refused before
	// anything is read; any other is refused as soon as it goes past it.
	MaxFileBytes int64
	// MaxRowBytes is the largest row accepted, in bytes
	// (DefaultMaxRowBytes when 0).
	MaxRowBytes int
	// MaxRows is the most records a file may hold (DefaultMaxRows when
	// 0).
	MaxRows int
}

func (l Limits) withDefaults() Limits {
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	if l.MaxRowBytes <= 0 {
		l.MaxRowBytes = DefaultMaxRowBytes
	}
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultMaxRows
	}
	return l
}

// format is a file's layout, found from its first bytes.
type format int

const (
	formatCSV       format = iota // a header row, then records
	formatJSONLines               // one JSON object a line
	formatJSONArray               // one JSON array of objects
	formatEmpty                   // nothing but blanks
)

// input is a file being read: its name for messages, its limits, and a
// buffered reader positioned after any byte-order mark, in UTF-8.
type input struct {
	name   string
	lim    Limits
	br     *bufio.Reader
	format format
	// delim is the CSV delimiter found in the header (',', ';' or '\t').
	delim rune
	// header is a CSV file's header row, once read.
	header []string
	// countries caches what country.Parse made of the values seen.
	countries map[string]string
	// keyProbes counts the lookups of the JSON splitter's duplicate-key
	// check, so that a test can tell it stays linear in the keys of an
	// object.
	keyProbes int
	// skippedCols are the columns a mapping's ignore_unknown skipped, in
	// order of appearance, for ReadPeopleNotes.
	skippedCols []string
	// unusedCols are the people columns that held a value no check uses
	// (languages, source), which are read but not kept, for
	// ReadPeopleNotes.
	unusedCols []string
}

// errf returns the EINVALID error of a bad row: "NAME: line N: FIELD:
// message" (without "FIELD: " when field is empty; without the line when
// line is 0). Its Field is the file's name.
func errf(name string, line int, field, format string, args ...any) error {
	prefix := ""
	if line > 0 {
		prefix = "line " + strconv.Itoa(line) + ": "
	}
	if field != "" {
		prefix += field + ": "
	}
	return bulwark.Invalid(name, "%s%s", prefix, bulwark.Sprintf(format, args...))
}

func (in *input) errf(line int, field, format string, args ...any) error {
	return errf(in.name, line, field, format, args...)
}

// The fixes tooLarge names. The limits are fixed: a user cannot raise
// them, only split the file; a row that long is no record.
const (
	fixSplit = "split the file and give the parts one after the other (people stored by one run are checked with those of the next)"
	fixRow   = "no record is that long: look for an unclosed quote joining lines, or a cell holding a whole document"
)

// tooLarge is the error of a file or row over its limit: option names
// the limit (MaxFileBytes, MaxRowBytes, MaxRows: fixed for a user, who can
// only split the file; the fix says how), or is the fix itself.
func tooLarge(name string, line int, what string, limit int64, option string) error {
	at := ""
	if line > 0 {
		at = "line " + strconv.Itoa(line) + ": "
	}
	fix := fixSplit
	switch option {
	case "MaxRowBytes":
		fix = fixRow
	case "MaxFileBytes", "MaxRows":
	default:
		fix, option = option, ""
	}
	if option != "" {
		option = " (" + option + ")"
	}
	e := bulwark.Errorf(bulwark.ETOOLARGE, "%s: %s%s is over the limit of %s%s: %s",
		name, at, what, sizeText(limit), option, fix)
	e.Field = name
	return e
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// capReader fails with ETOOLARGE once more than max bytes were read: the
// file size limit of every reader here.
type capReader struct {
	r    io.Reader
	left int64
	max  int64
	name string
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// Read one byte past the limit at most, to tell "exactly max"
		// from "more".
		var b [1]byte
		n, err := c.r.Read(b[:])
		if n > 0 {
			return 0, tooLarge(c.name, 0, "the file", c.max, "MaxFileBytes")
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// tooManyRecords is the error of the record at line past lim.MaxRows.
func tooManyRecords(name string, line int, lim Limits) error {
	e := bulwark.Errorf(bulwark.ETOOLARGE, "%s: line %d: more than %d records (MaxRows): %s", name, line, lim.MaxRows, fixSplit)
	e.Field = name
	return e
}

// recordGuard fails a read that makes one CSV record longer than max
// bytes, quoted line breaks included, as the record is read: encoding/csv
// would otherwise buffer a record of any size before its length could be
// checked. A '"' toggles the quoted state (an escaped quote toggles it
// twice); a line break outside quotes ends the record. The error is
// ETOOLARGE, naming the line the record starts on.
type recordGuard struct {
	r      io.Reader
	name   string
	max    int
	cur    int  // bytes of the current record so far
	line   int  // the current physical line, from 1
	start  int  // the line the current record starts on
	quoted bool // inside a quoted cell
}

func newRecordGuard(r io.Reader, name string, max int) *recordGuard {
	return &recordGuard{r: r, name: name, max: max, line: 1, start: 1}
}

func (g *recordGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for i, b := range p[:n] {
		switch b {
		case '"':
			g.quoted = !g.quoted
		case '\n':
			g.line++
			if !g.quoted {
				g.cur, g.start = 0, g.line
				continue
			}
		}
		g.cur++
		if g.cur > g.max {
			return i, tooLarge(g.name, g.start, "the row", int64(g.max), "MaxRowBytes")
		}
	}
	return n, err
}

// readErr turns an error of reading the file into the reader's error:
// over a limit, or unreadable.
func (in *input) readErr(err error) error { return readError(in.name, err) }

// readError passes a reader's own error (a limit) through and wraps
// anything else as a file that cannot be read.
func readError(name string, err error) error {
	var be *bulwark.Error
	if errors.As(err, &be) {
		return be
	}
	return bulwark.Wrap(err, bulwark.EINVALID, name+": cannot read the file: "+err.Error())
}

// textHead is how much of a file openText looks at first.
const textHead = 64 << 10

// openText opens r, a file called name, for every reader of this package:
// its size checked when it tells it and bounded by lim.MaxFileBytes as it
// is read, a UTF-8 byte-order mark skipped, UTF-16 with a byte-order mark
// decoded, and a NUL byte in its first 64 KiB refused (UTF-16 without a
// byte-order mark, or not text). It returns the reader and its first 64
// KiB (the whole file when shorter), not consumed. lim has its defaults.
func openText(r io.Reader, name string, lim Limits) (*bufio.Reader, []byte, error) {
	if size, ok := sizeOf(r); ok && size > lim.MaxFileBytes {
		return nil, nil, tooLarge(name, 0, "the file ("+strconv.FormatInt(size, 10)+" bytes)", lim.MaxFileBytes, "MaxFileBytes")
	}
	br := bufio.NewReaderSize(&capReader{r: r, left: lim.MaxFileBytes, max: lim.MaxFileBytes, name: name}, textHead)
	head, err := br.Peek(4)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, nil, readError(name, err)
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		// UTF-16 with a byte-order mark (Excel's "Unicode text"): decode.
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		br = bufio.NewReaderSize(transform.NewReader(br, dec), textHead)
	}
	head, err = br.Peek(textHead)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, nil, readError(name, err)
	}
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return nil, nil, errf(name, 1+bytes.Count(head[:i], []byte{'\n'}), "encoding",
			"a NUL byte: the file looks UTF-16 or UTF-32 encoded without a byte-order mark (or is not text); save it as UTF-8")
	}
	return br, head, nil
}

// openInput opens r as openText does and finds the layout: JSON lines
// when the first non-blank byte is "{", a JSON array when it is "[", CSV
// otherwise (with its delimiter found from the header line).
func openInput(r io.Reader, name string, lim Limits) (*input, error) {
	lim = lim.withDefaults()
	in := &input{name: name, lim: lim}
	br, head, err := openText(r, name, lim)
	if err != nil {
		return nil, err
	}
	in.br = br
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		in.format = formatEmpty
	case trimmed[0] == '{':
		in.format = formatJSONLines
	case trimmed[0] == '[':
		in.format = formatJSONArray
	default:
		in.format = formatCSV
		first := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			first = head[:i]
		}
		in.delim = sniffDelimiter(first)
	}
	return in, nil
}

// sizeOf returns r's size when r tells it.
func sizeOf(r io.Reader) (int64, bool) {
	switch v := r.(type) {
	case interface{ Size() int64 }:
		return v.Size(), true
	case interface{ Stat() (fs.FileInfo, error) }:
		if st, err := v.Stat(); err == nil && st.Mode().IsRegular() {
			return st.Size(), true
		}
	}
	return 0, false
}

// sniffDelimiter returns the delimiter a CSV header line uses: the most
// frequent of ',', ';' and tab outside quotes; ',' on a tie or when none.
func sniffDelimiter(line []byte) rune {
	var comma, semi, tab int
	quoted := false
	for _, b := range line {
		switch b {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				comma++
			}
		case ';':
			if !quoted {
				semi++
			}
		case '\t':
			if !quoted {
				tab++
			}
		}
	}
	switch {
	case tab > comma && tab > semi:
		return '\t'
	case semi > comma:
		return ';'
	}
	return ','
}

// csvRows reads a CSV file (RFC 4180, the delimiter openInput found): it
// calls header with the header row, then row with each record and the
// line it starts on. Every record must have the header's number of cells,
// every cell must be UTF-8 without NUL bytes, and a record must fit
// MaxRowBytes. rec is reused between calls.
func (in *input) csvRows(header func(cols []string) error, row func(line int, rec []string) error) error {
	cr := csv.NewReader(newRecordGuard(in.br, in.name, in.lim.MaxRowBytes))
	cr.Comma = in.delim
	cr.ReuseRecord = true
	first := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			if first {
				return in.errf(0, "", "the file is empty: give a header row and one row per record")
			}
			return nil
		}
		if err != nil {
			return in.csvErr(err, len(rec))
		}
		line, _ := cr.FieldPos(0)
		size := 0
		for i, c := range rec {
			size += len(c)
			if !utf8.ValidString(c) {
				return in.errf(line, in.colName(first, i), "invalid UTF-8: save the file as UTF-8")
			}
		}
		if size > in.lim.MaxRowBytes {
			return tooLarge(in.name, line, "the row", int64(in.lim.MaxRowBytes), "MaxRowBytes")
		}
		if first {
			first = false
			in.header = append([]string(nil), rec...)
			cr.FieldsPerRecord = len(rec)
			if err := header(in.header); err != nil {
				return err
			}
			continue
		}
		if err := row(line, rec); err != nil {
			return err
		}
	}
}

func (in *input) colName(header bool, i int) string {
	if header || i >= len(in.header) {
		return "column " + strconv.Itoa(i+1)
	}
	return "column " + strconv.Itoa(i+1) + " (" + strings.TrimSpace(in.header[i]) + ")"
}

// csvErr turns an error of csv.Reader into the reader's error.
// cells is the number of cells of the record read with err.
func (in *input) csvErr(err error, cells int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return in.errf(pe.StartLine, "", "%d cells where the header has %d: every row needs one cell per column (quote cells holding %q)",
				cells, len(in.header), string(in.delim))
		}
		if pe.Err != nil && !errors.Is(pe.Err, csv.ErrQuote) && !errors.Is(pe.Err, csv.ErrBareQuote) {
			return in.readErr(pe.Err)
		}
		return in.errf(pe.StartLine, "", "malformed CSV (%v): check the quotes (a quote inside a quoted cell is written twice)", pe.Err)
	}
	return in.readErr(err)
}

// jsonRows reads JSON lines (one object a line; blank lines skipped) or
// one JSON array of objects, calling row with each object's bytes and its
// line (for an array, the line its element starts on).
func (in *input) jsonRows(row func(line int, data []byte) error) error {
	if in.format == formatJSONArray {
		return in.jsonArray(row)
	}
	line := 0
	var buf []byte
	for {
		line++
		buf = buf[:0]
		var err error
		for {
			var chunk []byte
			chunk, err = in.br.ReadSlice('\n')
			if len(buf)+len(chunk) > in.lim.MaxRowBytes+2 { // "\r\n"
				return tooLarge(in.name, line, "the row", int64(in.lim.MaxRowBytes), "MaxRowBytes")
			}
			buf = append(buf, chunk...)
			if err != bufio.ErrBufferFull {
				break
			}
		}
		if err != nil && err != io.EOF {
			return in.readErr(err)
		}
		data := bytes.TrimSpace(buf)
		if len(data) > 0 {
			if err := in.checkText(line, data); err != nil {
				return err
			}
			if err := row(line, data); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// checkText refuses invalid UTF-8 and NUL bytes in a row.
func (in *input) checkText(line int, data []byte) error {
	if bytes.IndexByte(data, 0) >= 0 {
		return in.errf(line, "encoding", "a NUL byte: the file looks UTF-16 or UTF-32 encoded without a byte-order mark (or is not text); save it as UTF-8")
	}
	if !utf8.Valid(data) {
		return in.errf(line, "", "invalid UTF-8: save the file as UTF-8")
	}
	return nil
}

// jsonArray reads the file whole (it is within MaxFileBytes) and calls
// row with each element of its one array.
func (in *input) jsonArray(row func(line int, data []byte) error) error {
	data, err := io.ReadAll(in.br)
	if err != nil {
		return in.readErr(err)
	}
	if !utf8.Valid(data) {
		bad := 0
		for rest := data; len(rest) > 0; {
			r, size := utf8.DecodeRune(rest)
			if r == utf8.RuneError && size == 1 {
				break
			}
			rest = rest[size:]
			bad += size
		}
		return in.errf(1+bytes.Count(data[:bad], []byte("\n")), "", "invalid UTF-8: save the file as UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	lines, at := 1, 0 // lines before offset at
	lineAt := func(off int) int {
		off = min(off, len(data))
		if off > at {
			lines += bytes.Count(data[at:off], []byte("\n"))
			at = off
		}
		return lines
	}
	if _, err := dec.Token(); err != nil {
		return in.jsonErr(lineAt(int(dec.InputOffset())), err)
	}
	for dec.More() {
		start := int(dec.InputOffset())
		// The element starts after the comma and blanks that follow start.
		for start < len(data) && strings.IndexByte(" \t\r\n,", data[start]) >= 0 {
			start++
		}
		line := lineAt(start)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return in.jsonErr(line, err)
		}
		if len(raw) > in.lim.MaxRowBytes {
			return tooLarge(in.name, line, "the array element", int64(in.lim.MaxRowBytes), "MaxRowBytes")
		}
		if err := row(line, raw); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return in.jsonErr(lineAt(int(dec.InputOffset())), err)
	}
	if rest := bytes.TrimSpace(data[dec.InputOffset():]); len(rest) > 0 {
		return in.errf(lineAt(int(dec.InputOffset())), "", "text after the JSON array: give one array, or one object a line (JSON lines)")
	}
	return nil
}

// jsonErr is the error of JSON that does not parse.
func (in *input) jsonErr(line int, err error) error {
	return in.errf(line, "", "malformed JSON (%s): give one JSON object a line, or one array of objects", jsonMessage(err))
}

// jsonMessage is encoding/json's error text without its package prefix.
func jsonMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "json: ")
}

// A cell is one value of a row: a string, or a list (a JSON array).
type cell struct {
	s      string
	list   []string
	isList bool
}

// checkControls refuses a cell holding a control character.
func (c *cell) checkControls() error {
	if err := checkControls(c.s); err != nil {
		return err
	}
	for _, v := range c.list {
		if err := checkControls(v); err != nil {
			return err
		}
	}
	return nil
}

// checkControls refuses text holding a control character: C0 other than
// tab, line feed and carriage return, DEL, C1, or a bidirectional
// formatting control (Unicode's Bidi_Control: embeddings, overrides,
// isolates and marks). Names and identifiers are printed to terminals and
// pages, where such characters can recolour, rewrite or reorder what is
// shown. Every reader's cells go through it (the error names the
// character's position in the cell).
func checkControls(s string) error {
	n := 0
	for _, r := range s {
		n++
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r >= 0x7f && r <= 0x9f || bidiControl(r) {
			return errors.New("a control character (U+" + strings.ToUpper(strconv.FormatInt(int64(r)|0x10000, 16)[1:]) + ") at character " +
				strconv.Itoa(n) + ": remove it (a control character can change what a terminal or page shows)")
		}
	}
	return nil
}

// bidiControl reports whether r has Unicode's Bidi_Control property.
func bidiControl(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// rows reads a file of flat records, CSV or JSON, as rows of cells by
// column name: it calls fn once per record with its line, the column
// names (as the file spells them: for CSV the header, the same slice for
// every row; for JSON the object's keys, in their order, reused between
// calls) and the cells in the same order. JSON values may be strings,
// numbers, booleans, null (an empty cell) or arrays of those (a
// multi-valued cell); a key given twice in one object is an error. JSON
// objects are split by a scanner of their own after json.Valid: a few
// times faster than decoding them into maps, and every value is a part
// of one string per line.
//
// header, when not nil, is called with a CSV file's header row (line 1)
// before any row.
func (in *input) rows(header func(cols []string) error, fn func(line int, cols []string, cells []cell) error) error {
	n := 0
	count := func(line int) error {
		if n++; n > in.lim.MaxRows {
			return tooManyRecords(in.name, line, in.lim)
		}
		return nil
	}
	switch in.format {
	case formatEmpty:
		return in.errf(0, "", "the file is empty: give a header row and one row per record, or one JSON object a line")
	case formatCSV:
		var cols []string
		var cells []cell
		return in.csvRows(func(h []string) error {
			cols = make([]string, len(h))
			for i, c := range h {
				cols[i] = strings.TrimSpace(c)
			}
			cells = make([]cell, len(h))
			if header != nil {
				return header(cols)
			}
			return nil
		}, func(line int, rec []string) error {
			if err := count(line); err != nil {
				return err
			}
			for i, c := range rec {
				if err := checkControls(c); err != nil {
					return in.errf(line, in.colName(false, i), "%s", err.Error())
				}
				cells[i] = cell{s: c}
			}
			return fn(line, cols, cells)
		})
	}
	var cols []string
	var cells []cell
	keys := map[string]string{}   // the keys seen, so a line's keys take no memory of their own
	seen := map[string]struct{}{} // the keys of the current object
	return in.jsonRows(func(line int, data []byte) error {
		if err := count(line); err != nil {
			return err
		}
		if !json.Valid(data) {
			var v any
			return in.jsonErr(line, json.Unmarshal(data, &v))
		}
		if data[0] != '{' {
			return in.errf(line, "", "a JSON %s where an object is expected: give one object per record", valueKind(data[0]))
		}
		// One string holds the line's values; cells are parts of it.
		text := string(data)
		cols, cells = cols[:0], cells[:0]
		if len(seen) > 256 {
			// clear costs the map's capacity: a wide object must not
			// make every later line pay for it.
			seen = map[string]struct{}{}
		} else {
			clear(seen)
		}
		for i := skipSpace(text, 1); i < len(text) && text[i] == '"'; {
			end := skipString(text, i)
			key, ok := keys[text[i+1:end-1]]
			if !ok {
				raw := strings.Clone(text[i+1 : end-1])
				key = raw
				if strings.IndexByte(key, '\\') >= 0 {
					key = unquote(text[i:end])
				}
				if len(keys) < 10000 {
					keys[raw] = key
				}
			}
			i = skipSpace(text, end)
			i = skipSpace(text, i+1) // ':'
			end = skipValue(text, i)
			c, err := jsonCell(text[i:end])
			if err == nil {
				err = c.checkControls()
			}
			if err != nil {
				return in.errf(line, key, "%s", err.Error())
			}
			// A set, cleared per object: scanning cols would make an
			// object of k keys cost k²/2 comparisons.
			in.keyProbes++
			if _, dup := seen[key]; dup {
				return in.errf(line, key, "given twice in one object: give it once")
			}
			seen[key] = struct{}{}
			cols = append(cols, key)
			cells = append(cells, c)
			i = skipSpace(text, end)
			if i < len(text) && text[i] == ',' {
				i = skipSpace(text, i+1)
			}
		}
		return fn(line, cols, cells)
	})
}

// unquote returns the JSON string q (valid JSON) unescaped.
func unquote(q string) string {
	var s string
	_ = json.Unmarshal([]byte(q), &s)
	return s
}

// valueKind names the kind of JSON value that starts with b.
func valueKind(b byte) string {
	switch b {
	case '"':
		return "string"
	case '[':
		return "array"
	case '{':
		return "object"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// skipSpace returns the index of the first non-blank byte of s at or
// after i.
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return i
}

// skipString returns the index after the string that starts at s[i]
// (a quote) in valid JSON.
func skipString(s string, i int) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(s)
}

// skipValue returns the index after the value that starts at s[i] in
// valid JSON.
func skipValue(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '"':
		return skipString(s, i)
	case '{', '[':
		depth := 0
		for ; i < len(s); i++ {
			switch s[i] {
			case '"':
				i = skipString(s, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(s) && strings.IndexByte(",}] \t\r\n", s[i]) < 0 {
		i++
	}
	return i
}

// jsonCell reads one JSON value (valid JSON) as a cell: a string, number
// or boolean as written, null as empty, an array of those as a list.
func jsonCell(v string) (cell, error) {
	if v == "" || v[0] != '[' {
		s, err := scalarCell(v)
		return cell{s: s}, err
	}
	c := cell{isList: true}
	for i := skipSpace(v, 1); i < len(v) && v[i] != ']'; {
		end := skipValue(v, i)
		s, err := scalarCell(v[i:end])
		if err != nil {
			return cell{}, errors.New("an array item: " + err.Error())
		}
		if s != "" {
			c.list = append(c.list, s)
		}
		i = skipSpace(v, end)
		if i < len(v) && v[i] == ',' {
			i = skipSpace(v, i+1)
		}
	}
	return c, nil
}

// scalarCell reads a JSON string, number, boolean or null (valid JSON).
func scalarCell(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	switch v[0] {
	case '"':
		if strings.IndexByte(v, '\\') < 0 {
			return v[1 : len(v)-1], nil
		}
		var s string
		err := json.Unmarshal([]byte(v), &s)
		return s, err
	case 'n':
		return "", nil
	case '{', '[':
		return "", errors.New("a JSON object or array where a string is expected: give a string (or an array of strings)")
	}
	// A number or a boolean, as written.
	return v, nil
}

// one returns c as a single value: a list of more than one value is an
// error.
func (c cell) one() (string, bool) {
	if !c.isList {
		return strings.TrimSpace(c.s), true
	}
	switch len(c.list) {
	case 0:
		return "", true
	case 1:
		return strings.TrimSpace(c.list[0]), true
	}
	return "", false
}

// values returns c's values: a list's items, or a string's values
// separated by ";"; each trimmed, empty ones dropped.
func (c cell) values(dst []string) []string {
	if c.isList {
		for _, v := range c.list {
			if v = strings.TrimSpace(v); v != "" {
				dst = append(dst, v)
			}
		}
		return dst
	}
	s := c.s
	for s != "" {
		v := s
		if i := strings.IndexByte(s, ';'); i >= 0 {
			v, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if v = strings.TrimSpace(v); v != "" {
			dst = append(dst, v)
		}
	}
	return dst
}

// columnKey is how a column name is compared: lower case, surrounding
// blanks dropped, runs of blanks, "-" and "." inside it as one "_".
func columnKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	var b strings.Builder
	sep := false
	for _, r := range s {
		switch r {
		case ' ', '\t', '-', '.', '_':
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('_')
		}
		sep = false
		b.WriteRune(r)
	}
	return b.String()
}

// errorf is fmt.Errorf shortening quoted input as bulwark.Sprintf does.
func errorf(format string, args ...any) error {
	return errors.New(bulwark.Sprintf(format, args...))
}

// parseStamp reads a timestamp as parseTime does, or when dateOK a date
// YYYY-MM-DD, read as midnight UTC.
func parseStamp(s string, dateOK bool) (time.Time, error) {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		if !dateOK {
			return time.Time{}, errorf("is a date where a time is needed: give an RFC 3339 time with its zone (2025-03-04T09:15:00Z)")
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return time.Time{}, errorf("is not a date: give YYYY-MM-DD or an RFC 3339 time with its zone (2025-03-04T09:15:00Z)")
		}
		return t, nil
	}
	t, err := parseTime(s, false)
	if err != nil && !errors.Is(err, errNoZone) {
		want := "an RFC 3339 time with its zone (2025-03-04T09:15:00Z)"
		if dateOK {
			want += " or a date (2025-03-04)"
		}
		return time.Time{}, errorf("is not a time: give %s", want)
	}
	return t, err
}

// columnsOf maps a row's columns to known: idx[k] is the cell of known[k],
// -1 when the row has no such column. A column not in known (compared by
// columnKey) or given twice is an error naming the known ones.
func (in *input) columnsOf(line int, cols, known []string) ([]int, error) {
	idx := make([]int, len(known))
	for k := range idx {
		idx[k] = -1
	}
	var unknown []string
	for i, c := range cols {
		key := columnKey(c)
		k := slices.Index(known, key)
		switch {
		case k < 0:
			unknown = append(unknown, columnLabel(c, i))
		case idx[k] >= 0:
			return nil, in.errf(line, "", "columns %q and %q both give %s: keep one", cols[idx[k]], c, known[k])
		default:
			idx[k] = i
		}
	}
	if len(unknown) > 0 {
		return nil, in.errf(line, "", "unknown column%s %s: the known columns are %s; rename or drop them",
			plural(len(unknown)), quoteList(unknown), strings.Join(known, ", "))
	}
	return idx, nil
}

// readFixed reads a file of flat records whose columns are known (CSV or
// JSON, as rows reads them): fn gets each record's line and its values,
// vals[k] the trimmed value of known[k] ("" when absent or empty). A
// column outside known, or a list where one value is expected, is an
// error.
func (in *input) readFixed(known []string, fn func(line int, vals []string) error) error {
	var idx []int
	var last []string
	vals := make([]string, len(known))
	return in.rows(func(cols []string) error {
		var err error
		idx, err = in.columnsOf(1, cols, known)
		return err
	}, func(line int, cols []string, cells []cell) error {
		if in.format != formatCSV && (idx == nil || !slices.Equal(cols, last)) {
			var err error
			if idx, err = in.columnsOf(line, cols, known); err != nil {
				return err
			}
			last = append(last[:0], cols...)
		}
		for k, i := range idx {
			vals[k] = ""
			if i < 0 {
				continue
			}
			v, ok := cells[i].one()
			if !ok {
				return in.errf(line, known[k], "a list where one value is expected")
			}
			vals[k] = v
		}
		return fn(line, vals)
	})
}

// columnLabel names column i (from 0), called c, in a list of unknown
// columns: c itself, or "column N (no name)" when c is blank, as a
// trailing delimiter in a header makes it.
func columnLabel(c string, i int) string {
	if strings.TrimSpace(c) == "" {
		return "column " + strconv.Itoa(i+1) + " (no name)"
	}
	return c
}

// plural is "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// quoteList quotes each of s, shortened (bulwark.Echo), joined by ", ".
func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = strconv.Quote(bulwark.Echo(v))
	}
	return strings.Join(q, ", ")
}

// collector gathers a reader's records in chunks, so that a large file
// is not copied again and again as one slice grows: all returns them in
// one slice of the exact length (nil when there are none).
type collector[T any] struct {
	chunks [][]T
	n      int
}

const collectorChunk = 4096

func (c *collector[T]) add(v T) {
	if len(c.chunks) == 0 || len(c.chunks[len(c.chunks)-1]) == collectorChunk {
		c.chunks = append(c.chunks, make([]T, 0, min(collectorChunk, 64<<len(c.chunks))))
	}
	last := &c.chunks[len(c.chunks)-1]
	if len(*last) == cap(*last) {
		// The first chunks start small (64, 128, … records) for small files.
		grown := make([]T, len(*last), min(collectorChunk, 2*cap(*last)))
		copy(grown, *last)
		*last = grown
	}
	*last = append(*last, v)
	c.n++
}

func (c *collector[T]) all() []T {
	if c.n == 0 {
		return nil
	}
	if len(c.chunks) == 1 {
		return c.chunks[0]
	}
	out := make([]T, 0, c.n)
	for _, ch := range c.chunks {
		out = append(out, ch...)
	}
	return out
}
