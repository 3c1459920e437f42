// Package csvfile holds what tracing's small CSV readers (the user's
// label file, THORChain constants, the Bybit graph's edges) share: a
// header's columns by name, a row's cells by column, and read errors that
// name the file and the line.
package csvfile

import (
	"encoding/csv"
	"errors"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// Columns maps the names of a header's columns (lower case, surrounding
// space and a leading byte-order mark dropped) to their index. dup is the
// first name given twice ("" when none); the map keeps its first column.
func Columns(header []string) (col map[string]int, dup string) {
	col = make(map[string]int, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, seen := col[h]; seen {
			if dup == "" {
				dup = h
			}
			continue
		}
		col[h] = i
	}
	return col, dup
}

// Cell returns the trimmed cell of column c in rec, "" when the header
// has no such column or the row is short.
func Cell(rec []string, col map[string]int, c string) string {
	if i, ok := col[c]; ok && i < len(rec) {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

// Error turns an error of csv.Reader.Read on the file name into an
// EINVALID error: a malformed row names its line and ends with fix (what
// the user should do, e.g. "check quotes and commas").
func Error(name string, err error, fix string) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return bulwark.Invalid(name, "line %d: malformed CSV (%v): %s", pe.StartLine, pe.Err, fix)
	}
	return bulwark.Wrap(err, bulwark.EINVALID, name+": cannot read the file: "+err.Error())
}
