package evidence

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
)

// lineError is an EINVALID error naming the file, line and field, as
// errf writes it: "okta.jsonl: line 12: client.ipAddress: "x" is not an
// IP address".
func lineError(name string, line int, field, format string, args ...any) error {
	return errf(name, line, field, format, args...)
}

// fileError is an EINVALID error about a whole file.
func fileError(name, format string, args ...any) *bulwark.Error {
	return bulwark.Errorf(bulwark.EINVALID, "%s: "+format, append([]any{name}, args...)...)
}

// openEvidence opens r as openText does and returns the first byte that
// is not white space (0 for an empty file).
func openEvidence(r io.Reader, name string, lim Limits) (*bufio.Reader, byte, error) {
	br, head, err := openText(r, name, lim)
	if err != nil {
		return nil, 0, err
	}
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 {
		return br, t[0], nil
	}
	if len(head) == textHead {
		return nil, 0, fileError(name, "starts with more than 64 KiB of white space")
	}
	return br, 0, nil
}

// lineCounter counts the lines of what a JSON decoder reads, so that a
// record's byte offset can be turned into its line. Queries go forward
// only. It marks line breaks in a bitset, one bit per byte read and not
// yet passed by a query: the decoder reads a whole top-level array before
// the first query, and a slice of offsets would hold 8 bytes per line
// break of it.
type lineCounter struct {
	r    io.Reader
	off  int64    // bytes read
	base int64    // the offset of bits[0]'s bit 0, a multiple of 64
	bits []uint64 // line breaks at offsets base, base+1, …, off-1
	q    int64    // the last query's offset
	line int      // line breaks before q
}

func (lc *lineCounter) Read(p []byte) (int, error) {
	n, err := lc.r.Read(p)
	if words := int((lc.off + int64(n) - lc.base + 63) / 64); words > len(lc.bits) {
		lc.bits = slices.Grow(lc.bits, words-len(lc.bits))[:words]
	}
	for i := 0; i < n; {
		j := bytes.IndexByte(p[i:n], '\n')
		if j < 0 {
			break
		}
		o := lc.off + int64(i+j) - lc.base
		lc.bits[o/64] |= 1 << (o % 64)
		i += j + 1
	}
	lc.off += int64(n)
	return n, err
}

// held is the bytes the counter holds for offsets not yet queried.
func (lc *lineCounter) held() int { return 8 * cap(lc.bits) }

// lineAt returns the 1-based line of offset off.
func (lc *lineCounter) lineAt(off int64) int {
	if off > lc.off {
		off = lc.off
	}
	for lc.q < off {
		w := (lc.q - lc.base) / 64
		bit := (lc.q - lc.base) % 64
		end := min(off-lc.base, (w+1)*64) // exclusive, within word w
		word := lc.bits[w] >> bit
		if width := end - (w*64 + bit); width < 64 {
			word &= 1<<width - 1
		}
		lc.line += bits.OnesCount64(word)
		lc.q = lc.base + end
	}
	// Drop the words wholly before the query; copy the rest down once
	// half the slice is dead, so the memory held follows the read-ahead.
	if dead := int((lc.q - lc.base) / 64); dead > 0 && dead >= len(lc.bits)/2 {
		n := copy(lc.bits, lc.bits[dead:])
		clear(lc.bits[n:])
		lc.bits = lc.bits[:n]
		lc.base += int64(dead) * 64
	}
	return lc.line + 1
}

// jsonRecord is one record of a JSON evidence file: its line and bytes.
type jsonRecord struct {
	line int
	raw  []byte
}

// rowGuard counts a file's records against Limits.MaxRows and bounds each
// record's size by Limits.MaxRowBytes.
type rowGuard struct {
	name string
	lim  Limits
	n    int
}

func (g *rowGuard) check(line, size int) error {
	if size > g.lim.MaxRowBytes {
		return tooLarge(g.name, line, "the record", int64(g.lim.MaxRowBytes), "MaxRowBytes")
	}
	if g.n++; g.n > g.lim.MaxRows {
		return tooManyRecords(g.name, line, g.lim)
	}
	return nil
}

// eachJSON calls fn with every record of a JSON file: the elements of a
// top-level array, each top-level object (JSON lines, or objects one after
// another), and the elements of the "value" array of a Microsoft Graph
// page ({"@odata.context": …, "value": […]}). Several top-level arrays or
// pages may follow each other. Every record must be valid UTF-8.
func eachJSON(br *bufio.Reader, name string, lim Limits, fn func(rec jsonRecord) error) error {
	g := &rowGuard{name: name, lim: lim}
	inner := fn
	fn = func(rec jsonRecord) error {
		if err := g.check(rec.line, len(rec.raw)); err != nil {
			return err
		}
		return inner(rec)
	}
	// top handles one top-level value; only the first object may be a
	// Graph page (then every object is one).
	graph, first := false, true
	top := func(raw []byte, line int) error {
		switch raw[0] {
		case '[':
			first = false
			return eachElement(raw, name, line, "", fn)
		case '{':
			if first {
				graph, first = isGraphPage(raw), false
			}
			if graph {
				return eachElement(raw, name, line, "value", fn)
			}
			if err := checkUTF8(raw, name, line); err != nil {
				return err
			}
			return fn(jsonRecord{line: line, raw: raw})
		}
		return lineError(name, line, "record", "is %s, not a JSON object or array of objects", jsonKind(raw[0]))
	}
	// JSON lines, each object on a line of its own, are split at the line
	// breaks: the decoder below would scan each record once more to find
	// its end.
	line1, err := readLine(br, name, lim, 1)
	if err != nil {
		return err
	}
	if t := bytes.TrimSpace(line1); len(t) > 0 && t[0] == '{' && t[len(t)-1] == '}' && json.Valid(t) {
		if err := top(t, 1); err != nil {
			return err
		}
		return eachLine(br, name, lim, top)
	}
	lc := &lineCounter{r: io.MultiReader(bytes.NewReader(bytes.Clone(line1)), br)}
	dec := json.NewDecoder(lc)
	var raw json.RawMessage
	for {
		err := dec.Decode(&raw)
		if err == io.EOF {
			if first {
				return fileError(name, "has no JSON records")
			}
			return nil
		}
		if err != nil {
			return jsonSyntaxError(name, err, func(off int64) int { return lc.lineAt(off) })
		}
		if err := top(raw, lc.lineAt(dec.InputOffset()-int64(len(raw)))); err != nil {
			return err
		}
	}
}

// readLine returns the next line (with its line break; empty at the end
// of the file), valid until the next read. A line longer than
// MaxRowBytes is refused.
func readLine(br *bufio.Reader, name string, lim Limits, line int) ([]byte, error) {
	b, err := br.ReadSlice('\n')
	if err == nil || err == io.EOF {
		return b, nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		return nil, readError(name, err)
	}
	long := bytes.Clone(b)
	for {
		b, err = br.ReadSlice('\n')
		long = append(long, b...)
		if len(long) > lim.MaxRowBytes {
			return nil, tooLarge(name, line, "the line", int64(lim.MaxRowBytes), "MaxRowBytes")
		}
		switch {
		case err == nil || err == io.EOF:
			return long, nil
		case !errors.Is(err, bufio.ErrBufferFull):
			return nil, readError(name, err)
		}
	}
}

// eachLine hands top every non-blank line after the first, as JSON
// lines; a line that is not one JSON value is a syntax error on it.
func eachLine(br *bufio.Reader, name string, lim Limits, top func(raw []byte, line int) error) error {
	for line := 2; ; line++ {
		b, err := readLine(br, name, lim, line)
		if err != nil {
			return err
		}
		if len(b) == 0 {
			return nil
		}
		t := bytes.TrimSpace(b)
		if len(t) == 0 {
			continue
		}
		if t[0] != '{' && t[0] != '[' {
			if !json.Valid(t) {
				return jsonLineError(name, line, t)
			}
		} else if t[len(t)-1] != t[0]+2 || (t[0] == '[' && !json.Valid(t)) {
			// '{'+2 is '}', '['+2 is ']'. An object is checked by the
			// record's decoding; an array here, for its elements' lines.
			return jsonLineError(name, line, t)
		}
		if err := top(t, line); err != nil {
			return err
		}
	}
}

// jsonLineError is the syntax error of a JSON line.
func jsonLineError(name string, line int, t []byte) error {
	var v any
	err := json.Unmarshal(t, &v)
	if err == nil {
		err = errors.New("not one JSON value")
	}
	return lineError(name, line, "JSON", "%v: each line of a JSON lines file holds one JSON object", err)
}

// isGraphPage reports whether an object is a page of a Microsoft Graph
// collection: an object with a "value" array and no fields of a record.
func isGraphPage(raw []byte) bool {
	if !bytes.Contains(raw, []byte(`"value"`)) {
		return false
	}
	var page struct {
		Value json.RawMessage `json:"value"`
	}
	if json.Unmarshal(raw, &page) != nil {
		return false
	}
	v := bytes.TrimLeft(page.Value, " \t\r\n")
	return len(v) > 0 && v[0] == '['
}

// eachElement calls fn with the elements of the array raw (key == "") or
// of the array under key in the object raw; line is raw's first line.
func eachElement(raw []byte, name string, line int, key string, fn func(rec jsonRecord) error) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var prev int64
	lineAt := func(off int64) int {
		line += bytes.Count(raw[prev:off], []byte{'\n'})
		prev = off
		return line
	}
	if key != "" {
		if _, err := dec.Token(); err != nil { // {
			return jsonSyntaxError(name, err, lineAt)
		}
		for {
			t, err := dec.Token()
			if err != nil {
				return jsonSyntaxError(name, err, lineAt)
			}
			if k, ok := t.(string); ok && k == key {
				break
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return jsonSyntaxError(name, err, lineAt)
			}
		}
	}
	if _, err := dec.Token(); err != nil { // [
		return jsonSyntaxError(name, err, lineAt)
	}
	var el json.RawMessage
	for dec.More() {
		if err := dec.Decode(&el); err != nil {
			return jsonSyntaxError(name, err, lineAt)
		}
		l := lineAt(dec.InputOffset() - int64(len(el)))
		if el[0] != '{' {
			return lineError(name, l, "record", "is %s, not a JSON object", jsonKind(el[0]))
		}
		if err := checkUTF8(el, name, l); err != nil {
			return err
		}
		if err := fn(jsonRecord{line: l, raw: el}); err != nil {
			return err
		}
	}
	return nil
}

func jsonKind(b byte) string {
	switch b {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// jsonSyntaxError turns a decoder error into one naming the line.
func jsonSyntaxError(name string, err error, lineAt func(int64) int) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return lineError(name, lineAt(se.Offset), "JSON", "%v: fix the JSON (a file holds a JSON array, JSON lines or a Microsoft Graph page)", se)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fileError(name, "ends in the middle of a JSON value: the file is cut short")
	}
	return readError(name, err)
}

// unmarshalRecord decodes a record into v, naming the field of a type
// error.
func unmarshalRecord(rec jsonRecord, name string, v any) error {
	if err := json.Unmarshal(rec.raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			line := rec.line + bytes.Count(rec.raw[:min(max(te.Offset, 0), int64(len(rec.raw)))], []byte{'\n'})
			return lineError(name, line, te.Field, "is a JSON %s, want %s", te.Value, typeName(te.Type.String()))
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return lineError(name, rec.line, "JSON", "%v: each line of a JSON lines file holds one JSON object", se)
		}
		return lineError(name, rec.line, "record", "%v", err)
	}
	return nil
}

func typeName(t string) string {
	switch {
	case strings.HasPrefix(t, "uint"), strings.HasPrefix(t, "int"):
		return "a whole number"
	case t == "string":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	}
	return "an object"
}

// checkUTF8 refuses bytes that are not UTF-8, naming the line.
func checkUTF8(b []byte, name string, line int) error {
	if utf8.Valid(b) {
		return nil
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return lineError(name, line+bytes.Count(b[:i], []byte{'\n'}), "encoding", "byte 0x%02x is not UTF-8: save the file as UTF-8", b[i])
		}
		i += size
	}
	return nil
}

// csvTable reads a CSV file with a header row: every row must have the
// header's number of columns and be valid UTF-8.
type csvTable struct {
	name  string
	guard *rowGuard
	r     *csv.Reader
	col   map[string]int
	head  []string
	// dups are the header cells that repeat an earlier column's name;
	// col holds the first.
	dups []string
}

// refuseDuplicates refuses a header that has one of cols (normalised
// names) twice; nil cols refuses any repeated column.
func (t *csvTable) refuseDuplicates(cols []string) error {
	for _, h := range t.dups {
		if cols == nil || slices.Contains(cols, normHeader(h)) {
			return lineError(t.name, 1, "header", "column %q appears twice: keep one", h)
		}
	}
	return nil
}

// newCSVTable reads the header. Column names are compared in lower case
// with surrounding and repeated spaces dropped.
func newCSVTable(br *bufio.Reader, name string, lim Limits) (*csvTable, error) {
	r := csv.NewReader(newRecordGuard(br, name, lim.MaxRowBytes))
	r.ReuseRecord = true
	// The delimiter is found from the header line, as ReadPeople does: a
	// spreadsheet saved in a locale with a decimal comma writes ";".
	if head, _ := br.Peek(64 << 10); len(head) > 0 {
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			head = head[:i]
		}
		r.Comma = sniffDelimiter(head)
	}
	head, err := r.Read()
	if err != nil {
		return nil, csvError(name, err)
	}
	t := &csvTable{name: name, guard: &rowGuard{name: name, lim: lim}, r: r, col: make(map[string]int, len(head))}
	for i, h := range head {
		if err := checkUTF8([]byte(h), name, 1); err != nil {
			return nil, err
		}
		k := normHeader(h)
		if _, dup := t.col[k]; dup && k != "" {
			// Entra's portal CSV has "Incoming token type" twice: a
			// repeated column is refused only by the readers that read
			// it (refuseDuplicates, useColumnKeys).
			t.dups = append(t.dups, h)
			t.head = append(t.head, k)
			continue
		}
		t.col[k] = i
		t.head = append(t.head, k)
	}
	return t, nil
}

func normHeader(h string) string {
	return strings.ToLower(strings.Join(strings.Fields(h), " "))
}

// has reports whether the header has every column.
func (t *csvTable) has(cols ...string) bool {
	for _, c := range cols {
		if _, ok := t.col[c]; !ok {
			return false
		}
	}
	return true
}

// next returns the next row and its line; io.EOF at the end.
func (t *csvTable) next() ([]string, int, error) {
	rec, err := t.r.Read()
	if err != nil {
		if err == io.EOF {
			return nil, 0, err
		}
		return nil, 0, csvError(t.name, err)
	}
	line, _ := t.r.FieldPos(0)
	size := 0
	for i, f := range rec {
		if !utf8.ValidString(f) {
			return nil, 0, checkUTF8([]byte(f), t.name, line)
		}
		if err := checkControls(f); err != nil {
			col := "column " + strconv.Itoa(i+1)
			if i < len(t.head) {
				col += " (" + strings.TrimSpace(t.head[i]) + ")"
			}
			return nil, 0, lineError(t.name, line, col, "%s", err.Error())
		}
		size += len(f) + 1
	}
	if err := t.guard.check(line, size); err != nil {
		return nil, 0, err
	}
	return rec, line, nil
}

// cell returns the trimmed cell of column c ("" when absent).
func (t *csvTable) cell(rec []string, c string) string {
	if i, ok := t.col[c]; ok && i < len(rec) {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

// unknown returns the first header column not in known ("" when none).
// useColumnKeys compares the header's columns as ReadPeople does
// (columnKey: no case; blanks, "-" and "." as "_"), for the formats whose
// columns are Bulwark's own.
func (t *csvTable) useColumnKeys() error {
	col := make(map[string]int, len(t.head))
	for i, h := range t.head {
		k := columnKey(h)
		if _, dup := col[k]; dup && k != "" {
			return lineError(t.name, 1, "header", "column %q appears twice (compared without case, blanks, \"-\" and \".\"): keep one", h)
		}
		col[k] = i
		t.head[i] = k
	}
	t.col = col
	return nil
}

func (t *csvTable) unknown(known []string) string {
	for _, h := range t.head {
		found := false
		for _, k := range known {
			if h == k {
				found = true
				break
			}
		}
		if !found {
			return h
		}
	}
	return ""
}

func csvError(name string, err error) error {
	var be *bulwark.Error
	if errors.As(err, &be) {
		return be // over a limit
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return lineError(name, pe.StartLine, "columns", "the row has a different number of columns than the header: quote cells that contain commas")
		}
		return lineError(name, pe.StartLine, "CSV", "%v: check the quotes", pe.Err)
	}
	return readError(name, err)
}

// parseTime reads a time, for every reader here: RFC 3339 with a zone
// ("2026-03-02T09:15:00Z", "…+09:00", or "…+0900"; a space may stand for
// the T). A time without a zone is refused, saying to add one, unless
// utc is set (a column documented as UTC, such as Entra's "Date (UTC)").
// Errors never repeat the value.
func parseTime(s string, utc bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, bulwark.Errorf(bulwark.EINVALID, "is empty: give the time as RFC 3339, e.g. 2026-03-02T09:15:00Z")
	}
	t := s
	if len(t) > 10 && t[10] == ' ' {
		t = t[:10] + "T" + t[11:]
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		if ts, err := time.Parse(layout, t); err == nil {
			return ts, nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
		if ts, err := time.Parse(layout, t); err == nil {
			if utc {
				return ts.UTC(), nil
			}
			return time.Time{}, errNoZone
		}
	}
	return time.Time{}, errNotTime
}

// errNotTime is parseTime's error of a value in no form it reads: it
// names the forms read (export them so), since other common forms (a
// month-first "3/2/2026 9:23:00 AM", epoch seconds, a zone name) are
// ambiguous or need a zone database guess.
var errNotTime = bulwark.Errorf(bulwark.EINVALID, "is not an RFC 3339 time with its zone, the form read: "+
	"2026-03-02T09:15:00Z or 2026-03-02T18:15:00+09:00 (also with a space for the T, +0900 or fractions of a second); "+
	"month-first dates, epoch seconds and zone names such as UTC are not read: export the times in ISO 8601")

// errNoZone is parseTime's error of a time without a zone.
var errNoZone = bulwark.Errorf(bulwark.EINVALID, "has no time zone: add Z (UTC) or the offset it was taken in (2026-03-02T09:15:00Z, 2026-03-02T18:15:00+09:00)")

// parseIP reads an IPv4 or IPv6 address (an IPv4-mapped IPv6 address is
// unmapped, a zone dropped). Empty gives the zero Addr.
func parseIP(s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return netip.Addr{}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, bulwark.Errorf(bulwark.EINVALID, "is not an IP address (192.0.2.1 or 2001:db8::1)")
	}
	return a.Unmap().WithZone(""), nil
}

// parseASN reads an autonomous system number: 13335 or AS13335.
func parseASN(s string) (uint32, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	t := s
	if len(t) > 2 && (t[:2] == "AS" || t[:2] == "as") {
		t = t[2:]
	}
	n, err := strconv.ParseUint(t, 10, 32)
	if err != nil {
		return 0, bulwark.Errorf(bulwark.EINVALID, "is not an autonomous system number (13335 or AS13335)")
	}
	return uint32(n), nil
}

// parseBool reads true/false, yes/no, 1/0, success/failure.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1", "success", "succeeded":
		return true, nil
	case "false", "no", "n", "0", "failure", "failed":
		return false, nil
	}
	return false, bulwark.Errorf(bulwark.EINVALID, "is not true or false")
}

// msg returns the message of an error made by parseTime, parseIP and
// the like.
func msg(err error) string { return bulwark.ErrorMessage(err) }

// countryMessage is the message of country.Parse's error without the
// value (which starts it, quoted, after any field prefix): errors repeat
// no value of a data row, and a cell in the wrong column may hold
// anything.
func countryMessage(err error) string {
	m := msg(err)
	if i := strings.IndexByte(m, '"'); i >= 0 {
		if q, qerr := strconv.QuotedPrefix(m[i:]); qerr == nil {
			m = strings.TrimSpace(m[i+len(q):])
		}
	}
	if !strings.HasPrefix(m, "is ") {
		return "is not a country Bulwark knows: give an ISO 3166-1 code (KP, PRK) or an English country name (North Korea)"
	}
	return m
}
