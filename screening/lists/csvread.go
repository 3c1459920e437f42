package lists

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/screening"
)

// csvRows reads data as CSV and calls row for every record with the line it
// starts on. Rows the CSV grammar rejects (a bare or stray quote) are
// reported through problem and skipped; a quoted field still open at the
// end of the file means the file is truncated and is an error naming the
// line it starts on. A UTF-8 byte order mark and the DOS end-of-file
// character (0x1A) that OFAC's files end with are ignored, and so are blank
// lines. It returns how many rows it passed to row.
func csvRows(name string, data []byte, problem func(place, format string, args ...any), row func(line int, rec []string) error) (int, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	rows := 0
	// One row of lookahead, used after a quote error to tell a truncated
	// file from a bad row.
	var (
		pending     []string
		pendingErr  error
		pendingLine int
		havePending bool
	)
	read := func() ([]string, int, error) {
		if havePending {
			havePending = false
			return pending, pendingLine, pendingErr
		}
		rec, err := r.Read()
		line := 0
		if err == nil {
			line, _ = r.FieldPos(0)
		}
		return rec, line, err
	}
	for {
		rec, line, err := read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return rows, invalidFile(name, "cannot read the file: %v", err)
			}
			if errors.Is(pe.Err, csv.ErrQuote) {
				// An open quote that runs to the end of the file is a
				// truncated file, not a bad row.
				next, err2 := r.Read()
				if err2 == io.EOF {
					return rows, invalidFile(name, "line %d: a quoted field is still open at the end of the file, so the file is truncated; download it again", pe.StartLine)
				}
				pending, pendingErr, havePending = slices.Clone(next), err2, true
				if err2 == nil {
					pendingLine, _ = r.FieldPos(0)
				}
			}
			problem(placeLines(name, pe.StartLine, pe.Line), "malformed CSV (%v); skipped", pe.Err)
			continue
		}
		if len(rec) == 1 && strings.Trim(rec[0], "\x1a \t\r") == "" {
			continue
		}
		if err := row(line, rec); err != nil {
			return rows, err
		}
		rows++
	}
}

func placeLines(name string, from, to int) string {
	if to <= from {
		return placeLine(name, from)
	}
	return name + " lines " + strconv.Itoa(from) + "-" + strconv.Itoa(to)
}

func placeLine(name string, line int) string {
	return name + " line " + strconv.Itoa(line)
}

// rowWidth reports whether rec has as many cells as the header, width;
// when not, it reports the row at place, to be skipped: a cell too few or
// too many shifts the columns, so no cell can be trusted.
func rowWidth(b *builder, place string, rec []string, width int) bool {
	if len(rec) == width {
		return true
	}
	b.problem(place, "%d cells where the header has %d; row skipped", len(rec), width)
	return false
}

// csvColumns maps lower-cased header names to their column index.
func csvColumns(header []string) map[string]int {
	cols := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := cols[h]; !dup && h != "" {
			cols[h] = i
		}
	}
	return cols
}

// cell returns the trimmed value of the named column, "" when absent.
func cell(rec []string, cols map[string]int, name string) string {
	if i, ok := cols[name]; ok && i < len(rec) {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

// csvConfidence reads a row's confidence column: def when it is empty or
// absent (pass [screening.ConfidenceUnknown] when nothing else states it:
// never a made-up level). Any other value that [parseConfidence] does not
// read is reported at place and ok is false: the row is to be skipped.
func (b *builder) csvConfidence(rec []string, cols map[string]int, place string, def screening.Confidence) (conf screening.Confidence, ok bool) {
	v := cell(rec, cols, "confidence")
	if v == "" {
		return def, true
	}
	if conf, ok = parseConfidence(v); !ok {
		b.problem(place, "confidence %q is not high, medium, low or unknown; row skipped", shorten(v, 40))
	}
	return conf, ok
}
