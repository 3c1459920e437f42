package labels

import (
	"encoding/csv"
	"io"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/internal/csvfile"
	"github.com/ethereum/go-ethereum/common"
)

// UserSource is the Source of the labels read from a user's label file.
const UserSource = "user"

// userColumns are the columns of a user label file; address and name are
// required, category and hub optional.
var userColumns = []string{"address", "name", "category", "hub"}

// maxUserField bounds one cell of a user label file.
const maxUserField = 1024

// ReadUser reads a user's label file: CSV with a header naming the columns
// address, name, category and hub, in any order (address and name
// required, the others optional; no other column allowed). Lines starting
// with '#' and blank lines are skipped. Each row labels one Ethereum
// address (0x and 40 hex digits, any letter case) with a name, an optional
// category (a GraphSense concept such as exchange, mixing_service,
// defi_bridge, or bridge, dex, router, mixer) and an optional hub cell
// (true/false, yes/no, 1/0): empty means a hub when the category is one
// of the hub categories ([HubCategory]). The labels' Source is "user".
//
// name is the file's name for errors: a bad header or row is an EINVALID
// error naming the file, the line and the fix.
func ReadUser(name string, r io.Reader) (*Set, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, bulwark.Invalid(name, "the file is empty: a label file starts with the header address,name,category,hub")
	}
	if err != nil {
		return nil, csvfile.Error(name, err, "check quotes and commas")
	}
	col, dup := csvfile.Columns(header)
	for _, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(userColumns, h) {
			return nil, bulwark.Invalid(name, "line 1: unknown column %q: a label file has the columns address,name,category,hub", h)
		}
	}
	if dup != "" {
		return nil, bulwark.Invalid(name, "line 1: column %q is named twice", dup)
	}
	for _, c := range []string{"address", "name"} {
		if _, ok := col[c]; !ok {
			return nil, bulwark.Invalid(name, "line 1: the header has no %s column: a label file has the columns address,name,category,hub", c)
		}
	}
	cell := func(rec []string, c string) string { return csvfile.Cell(rec, col, c) }
	set := NewSet()
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return set, nil
		}
		if err != nil {
			return nil, csvfile.Error(name, err, "check quotes and commas")
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return nil, bulwark.Invalid(name, "line %d has %d fields, the header %d: give every row address,name,category,hub (empty cells allowed)", line, len(rec), len(header))
		}
		for _, v := range rec {
			if len(v) > maxUserField {
				return nil, bulwark.Invalid(name, "line %d: a cell is longer than %d characters", line, maxUserField)
			}
		}
		a := cell(rec, "address")
		if !tracing.IsHexAddress(a) {
			return nil, bulwark.Invalid(name, "line %d: address %q is not an Ethereum address (0x and 40 hex digits)", line, bulwark.Echo(a))
		}
		l := tracing.Label{Source: UserSource, Name: cell(rec, "name"), Category: strings.ToLower(cell(rec, "category"))}
		if l.Name == "" {
			return nil, bulwark.Invalid(name, "line %d: the name of %s is empty: say who the address belongs to", line, a)
		}
		switch h := strings.ToLower(cell(rec, "hub")); h {
		case "":
			l.Hub = HubCategory(l.Category)
		case "true", "yes", "1", "y":
			l.Hub = true
		case "false", "no", "0", "n":
		default:
			return nil, bulwark.Invalid(name, "line %d: hub %q is not true or false (or empty, to decide by the category)", line, bulwark.Echo(h))
		}
		set.Add(common.HexToAddress(a), l)
	}
}
