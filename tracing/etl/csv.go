package etl

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// table reads one CSV file by header name: required columns must be
// there, optional ones may be, any others are ignored.
type table struct {
	name string
	r    *csv.Reader
	rec  []string
	line int
	col  map[string]int
	// empty: the file has no header and no rows.
	empty bool
}

// maxLine bounds one CSV record, so a file without newlines or with an
// unterminated quote cannot take all memory. Input data can be long (a
// contract creation's init code); 8 MiB is far beyond the block gas limit.
const maxLine = 8 << 20

func newTable(name string, r io.Reader, required, optional []string) (*table, error) {
	t := &table{name: name, r: csv.NewReader(&limitedLines{r: r}), col: map[string]int{}}
	t.r.ReuseRecord = true
	header, err := t.r.Read()
	if err == io.EOF {
		// ethereum-etl writes the header with the first row: a file with
		// no rows is empty.
		t.rec = nil
		t.line = 0
		t.empty = true
		return t, nil
	}
	if err != nil {
		return nil, t.readErr(err)
	}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, dup := t.col[h]; dup && h != "" {
			return nil, bulwark.Invalid(name, "line 1: the column %q appears twice: keep one", h)
		}
		t.col[h] = i
	}
	var missing []string
	for _, c := range required {
		if _, ok := t.col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, bulwark.Invalid(name, "line 1: the header lacks the column(s) %s, so this is not an ethereum-etl or BigQuery crypto_ethereum %s export: export the table again with its standard columns (%s)",
			strings.Join(missing, ", "), strings.TrimSuffix(name, ".csv"), strings.Join(required, ","))
	}
	for k := range t.col {
		if !known(k, required, optional) {
			delete(t.col, k) // ignored: an export may carry more columns
		}
	}
	t.r.FieldsPerRecord = len(header)
	t.line = 1
	return t, nil
}

func known(c string, lists ...[]string) bool {
	for _, l := range lists {
		for _, x := range l {
			if x == c {
				return true
			}
		}
	}
	return false
}

// next reads the next row; false at the end of the file.
func (t *table) next() (bool, error) {
	if t.empty {
		return false, nil
	}
	rec, err := t.r.Read()
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, t.readErr(err)
	}
	t.rec = rec
	t.line, _ = t.r.FieldPos(0)
	return true, nil
}

func (t *table) readErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(pe.Err, csv.ErrFieldCount):
			return bulwark.Invalid(t.name, "line %d has a different number of fields from the header: the row is damaged or cut off; export the file again", pe.StartLine)
		case errors.Is(pe.Err, csv.ErrQuote), errors.Is(pe.Err, csv.ErrBareQuote):
			return bulwark.Invalid(t.name, "line %d: a quote is misplaced or never closed, so the file is damaged or truncated: export it again", pe.StartLine)
		}
		return bulwark.Invalid(t.name, "line %d: malformed CSV (%v): export the file again", pe.StartLine, pe.Err)
	}
	if errors.Is(err, errLongLine) {
		return bulwark.Invalid(t.name, "a line is longer than %d MiB, so this is not an ethereum-etl export (or a quote is never closed): check the file", maxLine>>20)
	}
	return bulwark.Wrap(err, bulwark.EINVALID, t.name+": cannot read the file: "+err.Error())
}

// has reports whether the file has the column.
func (t *table) has(c string) bool { _, ok := t.col[c]; return ok }

// str returns the column's value in this row ("" when the file lacks it).
func (t *table) str(c string) string {
	i, ok := t.col[c]
	if !ok {
		return ""
	}
	return t.rec[i]
}

func (t *table) bad(c, v, want string) error {
	return bulwark.Invalid(t.name, "line %d: %s %q is not %s: fix the row or export the file again", t.line, c, bulwark.Echo(v), want)
}

func (t *table) addr(c string, optional bool) (common.Address, bool, error) {
	v := t.str(c)
	if v == "" {
		if optional {
			return common.Address{}, false, nil
		}
		return common.Address{}, false, t.bad(c, v, "an address (it is required)")
	}
	if !tracing.IsHexAddress(v) {
		return common.Address{}, false, t.bad(c, v, "a 0x-prefixed 20-byte hex address")
	}
	return common.HexToAddress(v), true, nil
}

func (t *table) hash(c string) (common.Hash, error) {
	v := t.str(c)
	if len(v) != 66 || v[0] != '0' || v[1] != 'x' {
		return common.Hash{}, t.bad(c, v, "a 0x-prefixed 32-byte hex hash")
	}
	for i := 2; i < len(v); i++ {
		if !isHex(v[i]) {
			return common.Hash{}, t.bad(c, v, "a 0x-prefixed 32-byte hex hash")
		}
	}
	return common.HexToHash(v), nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func (t *table) uint(c string, bits int) (uint64, error) {
	v := t.str(c)
	n, err := strconv.ParseUint(v, 10, bits)
	if err != nil {
		return 0, t.bad(c, v, "a decimal number below 2^"+strconv.Itoa(bits))
	}
	return n, nil
}

// optUint reads an optional unsigned column; false when empty or absent.
func (t *table) optUint(c string, bits int) (uint64, bool, error) {
	if t.str(c) == "" {
		return 0, false, nil
	}
	n, err := t.uint(c, bits)
	return n, err == nil, err
}

// amount reads a decimal amount below 2^256 (BigQuery may write a NUMERIC
// as "12.0" or "1.2E+21"; whole numbers only are accepted).
func (t *table) amount(dst *uint256.Int, c string, optional bool) (bool, error) {
	v := t.str(c)
	if v == "" {
		if optional {
			dst.Clear()
			return false, nil
		}
		return false, t.bad(c, v, "a decimal amount (it is required)")
	}
	if len(v) > 1 && v[0] == '0' || dst.SetFromDecimal(v) != nil {
		if w, ok := wholeNumber(v); ok && dst.SetFromDecimal(w) == nil {
			return true, nil
		}
		return false, t.bad(c, v, "a whole decimal amount below 2^256")
	}
	return true, nil
}

// wholeNumber rewrites "12.000" and "1.2E+3" as plain whole numbers.
func wholeNumber(v string) (string, bool) {
	mant, exp := v, 0
	if i := strings.IndexAny(v, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(v[i+1:], "+"))
		if err != nil || e < 0 || e > 80 {
			return "", false
		}
		mant, exp = v[:i], e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" || strings.Trim(intPart, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return "", false
	}
	if len(frac) > exp {
		if strings.Trim(frac[exp:], "0") != "" {
			return "", false // a fraction of a base unit
		}
		frac = frac[:exp]
	}
	digits := intPart + frac + strings.Repeat("0", exp-len(frac))
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		digits = "0"
	}
	return digits, true
}

// timestamp reads Unix seconds (ethereum-etl) or a BigQuery TIMESTAMP
// ("2023-05-02 12:19:59 UTC", RFC 3339 also accepted).
func (t *table) timestamp(c string) (int64, error) {
	v := t.str(c)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05 MST", "2006-01-02 15:04:05.999999 MST", "2006-01-02 15:04:05", time.RFC3339Nano} {
		if tm, err := time.Parse(layout, v); err == nil {
			return tm.Unix(), nil
		}
	}
	return 0, t.bad(c, v, "a timestamp (Unix seconds, or 2006-01-02 15:04:05 UTC)")
}

// errLongLine is returned by limitedLines for a line over maxLine.
var errLongLine = errors.New("line too long")

// limitedLines passes bytes through and fails once maxLine bytes have gone
// by without a newline.
type limitedLines struct {
	r   io.Reader
	run int
}

func (l *limitedLines) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	// A run within one read is at most the read's size; across reads it
	// is what follows the last newline, added up.
	if i := bytes.LastIndexByte(p[:n], '\n'); i >= 0 {
		l.run = n - i - 1
	} else {
		l.run += n
	}
	if l.run > maxLine {
		return 0, errLongLine
	}
	return n, err
}
