package evidence

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/tomlsafe"
)

// MaxMappingBytes bounds a column-mapping file.
const MaxMappingBytes = 1 << 20

// Mapping reads a people file of another layout, such as the candidate
// export of an applicant-tracking system (Greenhouse, Lever, Workable).
// ParseMapping reads it from a TOML or JSON file:
//
//	# Greenhouse candidate export
//	full_name = ["First Name", "Last Name"]   # joined with a space, in this order
//	date_format = "MM/DD/YYYY"                # how the file writes dates of birth
//	ignore = ["Job", "Stage", "Recruiter"]    # columns to skip
//	ignore_unknown = false                    # true: skip every column not named here
//
//	[columns]                                 # source column = Bulwark column
//	"Candidate ID" = "id"
//	"Email Address" = "emails"
//	"Other Email" = "emails"                  # several columns may fill a multi-valued field
//	"Phone Number" = "phones"
//	"Home Address" = "home_address"
//	"Location" = "country"
//	"Source" = "source"
//
// or the same as JSON: {"full_name": ["First Name", "Last Name"],
// "columns": {"Candidate ID": "id", …}}.
//
// Columns are compared as ReadPeople compares them (no case; blanks, "-"
// and "." as "_"). A column the mapping does not name is read as
// Bulwark's column of that name when there is one; any other is an
// error unless it is ignored. Every column the mapping reads (under
// columns or full_name) must be in the file, in the CSV header or in at
// least one JSON record: a renamed export column would otherwise drop a
// name part or every e-mail silently. Two entries for the same column are
// an error.
type Mapping struct {
	// Columns maps a source column to a Bulwark column (PeopleColumns).
	// Several source columns may map to a multi-valued column; their
	// values are all kept.
	Columns map[string]string `toml:"columns" json:"columns"`
	// FullName lists source columns joined, in this order and separated
	// by a space, into full_name (empty parts skipped).
	FullName []string `toml:"full_name" json:"full_name"`
	// Ignore lists source columns to skip.
	Ignore []string `toml:"ignore" json:"ignore"`
	// IgnoreUnknown skips every column that is neither mapped nor one of
	// Bulwark's.
	IgnoreUnknown bool `toml:"ignore_unknown" json:"ignore_unknown"`
	// DateFormat says the order of a date of birth's parts when the file
	// writes them with a separator, day or month first: "DD/MM/YYYY" or
	// "MM/DD/YYYY" (any separator: "DD.MM.YYYY" is the same). Empty:
	// ISO dates are read, and a day-first or month-first date only when
	// it can be read one way.
	DateFormat string `toml:"date_format" json:"date_format"`

	// What compile derives.
	compiled  bool
	columns   map[string]peopleField
	ignore    map[string]struct{}
	nameParts map[string]int
	// sources are the columns the mapping reads (columns and full_name
	// parts), by column key: their spelling in the mapping and what they
	// fill, for the error of a file without them. Sorted by key.
	sources []mappedSource
	order   dateOrder
}

// dateOrder is the order of a date's day and month.
type dateOrder int

const (
	orderUnknown dateOrder = iota
	orderDMY
	orderMDY
)

func (m *Mapping) dateFormat() dateOrder {
	if m == nil {
		return orderUnknown
	}
	return m.order
}

// ParseMapping reads a column mapping from a TOML file or, when its first
// non-blank character is "{", a JSON one; name names it in messages. An
// unknown setting, a Bulwark column that does not exist, a column both
// mapped and ignored or an unknown date format is an EINVALID error.
func ParseMapping(data []byte, name string) (*Mapping, error) {
	if len(data) > MaxMappingBytes {
		return nil, tooLarge(name, 0, "the mapping", MaxMappingBytes, "keep a mapping under 1 MiB")
	}
	var m Mapping
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			return nil, bulwark.Invalid(name, "%s: give a JSON object with columns, full_name, ignore, ignore_unknown and date_format", jsonMessage(err))
		}
	} else {
		md, err := tomlsafe.Decode(string(data), &m)
		if err != nil {
			return nil, bulwark.Invalid(name, "%v", err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			keys := make([]string, len(und))
			for i, k := range und {
				keys[i] = k.String()
			}
			return nil, bulwark.Invalid(name, "unknown setting%s %s: a mapping has columns, full_name, ignore, ignore_unknown and date_format",
				plural(len(keys)), quoteList(keys))
		}
	}
	if err := m.compile(name); err != nil {
		return nil, err
	}
	return &m, nil
}

// compile checks m and derives its lookups; ReadPeople calls it on a
// Mapping built in code.
func (m *Mapping) compile(name string) error {
	if m.compiled {
		return nil
	}
	m.columns = make(map[string]peopleField, len(m.Columns))
	m.ignore = make(map[string]struct{}, len(m.Ignore))
	m.nameParts = make(map[string]int, len(m.FullName))
	for _, src := range m.Ignore {
		m.ignore[columnKey(src)] = struct{}{}
	}
	for i, src := range m.FullName {
		k := columnKey(src)
		if _, ok := m.ignore[k]; ok {
			return bulwark.Invalid(name, "full_name: column %q is also ignored: drop it from one of them", src)
		}
		if _, ok := m.nameParts[k]; ok {
			return bulwark.Invalid(name, "full_name: column %q is named twice", src)
		}
		m.nameParts[k] = i
	}
	srcs := make([]string, 0, len(m.Columns))
	for src := range m.Columns {
		srcs = append(srcs, src)
	}
	slices.Sort(srcs) // one error for the same mapping, whatever the map's order
	byKey := make(map[string]string, len(m.Columns))
	for _, src := range srcs {
		dst := m.Columns[src]
		k := columnKey(src)
		if other, dup := byKey[k]; dup {
			return bulwark.Invalid(name, "columns: %q and %q are the same column (compared without case, blanks, \"-\" and \".\"): give it once", other, src)
		}
		byKey[k] = src
		f, ok := peopleFieldOf(columnKey(dst))
		if !ok {
			return bulwark.Invalid(name, "columns: %q maps to %q, which is not a Bulwark column: give one of %s",
				src, dst, strings.Join(PeopleColumns[:], ", "))
		}
		if _, ok := m.ignore[k]; ok {
			return bulwark.Invalid(name, "columns: %q is both mapped and ignored: drop it from one of them", src)
		}
		if _, ok := m.nameParts[k]; ok {
			return bulwark.Invalid(name, "columns: %q is both mapped and a part of full_name: drop it from one of them", src)
		}
		m.columns[k] = f
		m.sources = append(m.sources, mappedSource{key: k, name: src, fills: PeopleColumns[f]})
	}
	for i, src := range m.FullName {
		m.sources = append(m.sources, mappedSource{key: columnKey(src), name: src, fills: "full_name part " + strconv.Itoa(i+1)})
	}
	slices.SortFunc(m.sources, func(a, b mappedSource) int { return strings.Compare(a.key, b.key) })
	letters := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return unicode.ToUpper(r)
		}
		return -1
	}, m.DateFormat)
	switch letters {
	case "", "YYYYMMDD":
		m.order = orderUnknown
	case "DDMMYYYY":
		m.order = orderDMY
	case "MMDDYYYY":
		m.order = orderMDY
	default:
		return bulwark.Invalid(name, "date_format: %q is not a date format Bulwark reads: give DD/MM/YYYY or MM/DD/YYYY (any separator), or leave it out for ISO dates", m.DateFormat)
	}
	m.compiled = true
	return nil
}

// parseBirthDate reads a date of birth as YYYY-MM-DD (or YYYY-MM, YYYY).
// Its errors do not repeat the date (a personal datum): the caller names
// the line and column.
// It reads ISO dates (a time after them dropped), YYYYMMDD, YYYY/MM/DD
// and, in the order order gives or when only one reading is possible,
// DD/MM/YYYY and MM/DD/YYYY with "/", "." or "-".
func parseBirthDate(s string, order dateOrder) (string, error) {
	const fix = "give YYYY-MM-DD"
	if isISODate(s) {
		return s, nil
	}
	v := s
	if len(v) > 10 && (v[10] == 'T' || v[10] == ' ') && v[4] == '-' {
		v = v[:10]
	}
	parts := strings.FieldsFunc(v, func(r rune) bool { return r == '-' || r == '/' || r == '.' })
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || p[0] == '+' || p[0] == '-' {
			return "", errorf("not a date: %s", fix)
		}
		nums[i] = n
	}
	var y, mo, d int
	switch {
	case len(parts) == 1 && len(parts[0]) == 8:
		y, mo, d = nums[0]/10000, nums[0]/100%100, nums[0]%100
	case len(parts) == 1 && len(parts[0]) == 4:
		return checkDate(nums[0], 0, 0)
	case len(parts) == 2 && len(parts[0]) == 4 && len(parts[1]) <= 2:
		return checkDate(nums[0], nums[1], 0)
	case len(parts) == 3 && len(parts[0]) == 4 && len(parts[1]) <= 2 && len(parts[2]) <= 2:
		y, mo, d = nums[0], nums[1], nums[2]
	case len(parts) == 3 && len(parts[2]) == 4 && len(parts[0]) <= 2 && len(parts[1]) <= 2:
		a, b := nums[0], nums[1]
		y = nums[2]
		switch {
		case order == orderDMY:
			d, mo = a, b
		case order == orderMDY:
			mo, d = a, b
		case a > 12 && b <= 12:
			d, mo = a, b
		case b > 12 && a <= 12:
			mo, d = a, b
		case a == b:
			d, mo = a, b
		case a <= 12 && b <= 12:
			return "", errorf("the date can be read day first or month first: set date_format = \"DD/MM/YYYY\" or \"MM/DD/YYYY\" in the column mapping, or %s", fix)
		default:
			return "", errorf("not a date: %s", fix)
		}
	case len(parts) == 3 && len(parts[2]) == 2:
		return "", errorf("a two-digit year: give the year in four digits (YYYY-MM-DD)")
	default:
		return "", errorf("not a date: %s", fix)
	}
	if mo == 0 {
		return "", errorf("a month that does not exist: give YYYY-MM-DD")
	}
	if d == 0 {
		return "", errorf("a day that does not exist: give YYYY-MM-DD")
	}
	return checkDate(y, mo, d)
}

// checkDate formats a date of birth (mo and d 0 when not given) after
// checking it is a calendar date between 1900 and 2100.
func checkDate(y, mo, d int) (string, error) {
	if y < 1900 || y > 2100 {
		return "", errorf("a year out of the range 1900-2100 of a year of birth: give YYYY-MM-DD")
	}
	out := strconv.Itoa(y)
	if mo == 0 {
		return out, nil
	}
	if mo < 1 || mo > 12 {
		return "", errorf("a month that does not exist: give YYYY-MM-DD")
	}
	out += "-" + pad2(mo)
	if d == 0 {
		return out, nil
	}
	if t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC); d < 1 || t.Day() != d {
		return "", errorf("a day that does not exist in its month: give YYYY-MM-DD")
	}
	return out + "-" + pad2(d), nil
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// isISODate reports whether s is a YYYY-MM-DD date of birth as
// parseBirthDate would return it.
func isISODate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	n := 0
	for i := 0; i < 10; i++ {
		if i == 4 || i == 7 {
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	y, mo, d := n/10000, n/100%100, n%100
	if y < 1900 || y > 2100 || mo < 1 || mo > 12 || d < 1 {
		return false
	}
	return d <= 28 || time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC).Day() == d
}

// mappedSource is a column a mapping reads.
type mappedSource struct {
	key, name, fills string
}

// missingSource is the error of a mapping column the file lacks: in a
// CSV header (line 1) or in every JSON record.
func (m *Mapping) missingSource(in *input, present map[string]bool, cols []string) error {
	for _, s := range m.sources {
		if present[s.key] {
			continue
		}
		if in.format == formatCSV {
			return in.errf(1, "", "the mapping's column %q (%s) is not in the file: its columns are %s; fix the mapping's column name",
				s.name, s.fills, quoteList(cols))
		}
		return in.errf(0, "", "the mapping's column %q (%s) is in no record of the file: fix the mapping's column name", s.name, s.fills)
	}
	return nil
}

// sourceKey reports whether the column key k is one the mapping reads.
func (m *Mapping) sourceKey(k string) bool {
	_, ok := slices.BinarySearchFunc(m.sources, k, func(s mappedSource, k string) int { return strings.Compare(s.key, k) })
	return ok
}
