package evidence

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/screening/country"
)

// PeopleOptions are ReadPeople's options.
type PeopleOptions struct {
	Limits
	// Mapping, when not nil, reads a layout other than Bulwark's own (an
	// applicant-tracking system's export): see Mapping.
	Mapping *Mapping
}

// A people field is one field of hiring.Person that a column fills.
type peopleField int

const (
	fID peopleField = iota
	fFullName
	fDateOfBirth
	fNationalID
	fEmails
	fPhones
	fHomeAddress
	fShippingAddress
	fCountry
	fBankAccounts
	fDeviceSerials
	fIPs
	fGitHub
	fResumeText
	fRole
	fTimeZone
	fLanguages
	fReferredBy
	fSource
	numPeopleFields
)

// PeopleColumns are the columns of a people file, in Bulwark's order.
// A column's name is compared without case, with blanks, "-" and "." read
// as "_" ("Full Name" is full_name).
var PeopleColumns = [...]string{
	fID: "id", fFullName: "full_name", fDateOfBirth: "date_of_birth",
	fNationalID: "national_id", fEmails: "emails", fPhones: "phones",
	fHomeAddress: "home_address", fShippingAddress: "shipping_address",
	fCountry: "country", fBankAccounts: "bank_accounts",
	fDeviceSerials: "device_serials", fIPs: "ips", fGitHub: "github",
	fResumeText: "resume_text", fRole: "role", fTimeZone: "time_zone",
	fLanguages: "languages", fReferredBy: "referred_by", fSource: "source",
}

// multiValued tells the fields whose cells hold several values (";"
// between them in a CSV cell, or a JSON array).
func (f peopleField) multiValued() bool {
	switch f {
	case fEmails, fPhones, fBankAccounts, fDeviceSerials, fIPs, fLanguages:
		return true
	}
	return false
}

// peopleAliases are other names Bulwark reads for its columns.
var peopleAliases = map[string]peopleField{
	"email": fEmails, "phone": fPhones, "bank_account": fBankAccounts,
	"device_serial": fDeviceSerials, "ip": fIPs, "language": fLanguages,
	"name": fFullName, "dob": fDateOfBirth, "birth_date": fDateOfBirth,
	"timezone": fTimeZone, "github_handle": fGitHub, "resume": fResumeText,
}

// peopleFieldOf returns the field a normalised column key names.
func peopleFieldOf(key string) (peopleField, bool) {
	for i, c := range PeopleColumns {
		if c == key {
			return peopleField(i), true
		}
	}
	f, ok := peopleAliases[key]
	return f, ok
}

// source is where a field's value comes from in a row: the cells at
// these indexes, in order.
type peopleLayout struct {
	// cells[f] are the row's cells that fill field f, in order.
	cells [numPeopleFields][]int
	// names are the file's column names, for messages.
	names []string
}

// layout resolves a row's column names to fields: Bulwark's columns (and
// their aliases), then the mapping's. An unknown column is an error
// unless the mapping ignores it; a single-valued field given by two
// columns (other than full_name's parts) is an error.
func (in *input) peopleLayout(line int, cols []string, m *Mapping) (*peopleLayout, error) {
	l := &peopleLayout{names: cols}
	var unknown []string
	type part struct{ order, cell int }
	var nameParts []part
	for i, c := range cols {
		key := columnKey(c)
		if m != nil {
			if _, ok := m.ignore[key]; ok {
				continue
			}
			if o, ok := m.nameParts[key]; ok {
				nameParts = append(nameParts, part{o, i})
				continue
			}
			if f, ok := m.columns[key]; ok {
				l.cells[f] = append(l.cells[f], i)
				continue
			}
		}
		if f, ok := peopleFieldOf(key); ok {
			l.cells[f] = append(l.cells[f], i)
			continue
		}
		if m != nil && m.IgnoreUnknown {
			if len(in.skippedCols) <= maxSkippedCols && !slices.Contains(in.skippedCols, c) {
				in.skippedCols = append(in.skippedCols, c)
			}
			continue
		}
		unknown = append(unknown, columnLabel(c, i))
	}
	if len(unknown) > 0 {
		fix := "rename them, drop them, or give a column mapping that maps or ignores them"
		if m != nil {
			fix = "map them under [columns] or list them under ignore in the mapping"
		}
		return nil, in.errf(line, "", "unknown column%s %s: the known columns are %s; %s",
			plural(len(unknown)), quoteList(unknown), strings.Join(PeopleColumns[:], ", "), fix)
	}
	for f, idx := range l.cells {
		if len(idx) > 1 && !peopleField(f).multiValued() {
			return nil, in.errf(line, "", "columns %q and %q both give %s: keep one, or map one of them elsewhere",
				cols[idx[0]], cols[idx[1]], PeopleColumns[f])
		}
	}
	if len(nameParts) > 0 {
		if idx := l.cells[fFullName]; len(idx) > 0 {
			return nil, in.errf(line, "", "column %q gives full_name, and so do the mapping's full_name parts: keep one", cols[idx[0]])
		}
		// The mapping's full_name parts, in the mapping's order.
		for o := 0; o < len(m.FullName); o++ {
			for _, p := range nameParts {
				if p.order == o {
					l.cells[fFullName] = append(l.cells[fFullName], p.cell)
				}
			}
		}
	}
	if len(l.cells[fID]) == 0 {
		return nil, in.errf(line, "", "no id column: every record needs an id (its id in the source system); the known columns are %s",
			strings.Join(PeopleColumns[:], ", "))
	}
	return l, nil
}

// ReadPeople reads people records from r, a file called name (for
// messages), in CSV or JSON.
//
// CSV: a header row naming the columns, then one row per person (RFC
// 4180 quoting; a UTF-8 byte-order mark is skipped; UTF-16 with a
// byte-order mark is decoded; the delimiter, ",", ";" or tab, is the one
// the header row uses most). JSON: one object a line (JSON lines), or one
// array of objects; a multi-valued field may be an array of strings.
//
// The columns are PeopleColumns: id, full_name, date_of_birth,
// national_id, emails, phones, home_address, shipping_address, country,
// bank_accounts, device_serials, ips, github, resume_text, role,
// time_zone, languages, referred_by and source; only id is required.
// emails, phones, bank_accounts, device_serials, ips and languages hold
// several values separated by ";". Values are kept as given (trimmed),
// except:
//
//   - date_of_birth becomes YYYY-MM-DD (or YYYY-MM, YYYY when only those
//     are given): ISO dates, YYYYMMDD and YYYY/MM/DD are read as such; a
//     day-first or month-first date (03/04/1990, 03.04.1990) only when it
//     can be read one way (25/04/1990) or the mapping's date_format says
//     which;
//   - country becomes its ISO 3166-1 alpha-2 code (from alpha-2, alpha-3
//     or an English name);
//   - role is applicant, contractor or employee (any case; empty means
//     applicant).
//
// A file with anything wrong is refused whole, with an EINVALID error
// naming the file, the line and the column: a row with the wrong number
// of cells, an unknown column (unless the mapping ignores it), invalid
// UTF-8 or UTF-16 without a byte-order mark, a record without an id, an
// id given twice (naming both lines), a bad date of birth, IP address,
// country or role. Errors never repeat a value of a data row: they name
// the line and column (and which value of a list). A file or row over opt's limits is an ETOOLARGE error.
func ReadPeople(r io.Reader, name string, opt PeopleOptions) ([]hiring.Person, error) {
	out, _, err := ReadPeopleNotes(r, name, opt)
	return out, err
}

// maxSkippedCols bounds the column names a notice lists.
const maxSkippedCols = 20

// ReadPeopleNotes is ReadPeople that also returns notices of what it
// skipped: the columns the mapping's ignore_unknown left unread (their
// names, from the header or the JSON keys; columns the mapping lists in
// ignore are not mentioned). Notices never hold a value of a data row;
// nil when there is nothing to say. With an error there are neither
// records nor notices.
func ReadPeopleNotes(r io.Reader, name string, opt PeopleOptions) ([]hiring.Person, []string, error) {
	ps, in, err := readPeople(r, name, opt)
	if err != nil {
		return nil, nil, err
	}
	var notes []string
	if k := len(in.skippedCols); k > 0 {
		list := in.skippedCols[:min(k, maxSkippedCols)]
		labels := make([]string, len(list))
		for i, c := range list {
			switch {
			case strings.TrimSpace(c) == "":
				labels[i] = "a column without a name"
			case valueLike(c):
				labels[i] = "a column whose name looks like a value (not shown; is the header line missing?)"
			default:
				labels[i] = strconv.Quote(bulwark.Echo(c))
			}
		}
		more := ""
		if k > maxSkippedCols {
			more = " and more"
		}
		notes = append(notes, "the mapping's ignore_unknown left "+pick(k, "a column", "columns")+" unread: "+strings.Join(labels, ", ")+more+
			"; map "+pick(k, "it", "those")+" holding identifiers (a second e-mail or phone, a bank account) in the mapping's columns, or list "+pick(k, "it", "them")+" in ignore")
	}
	if len(in.unusedCols) > 0 {
		notes = append(notes, pick(len(in.unusedCols), "the column ", "the columns ")+strings.Join(in.unusedCols, " and ")+
			" not read: no check uses "+pick(len(in.unusedCols), "it", "them")+", so "+pick(len(in.unusedCols), "it is", "they are")+
			" not stored (leave "+pick(len(in.unusedCols), "it", "them")+" out of the export, or list "+pick(len(in.unusedCols), "it", "them")+" in the mapping's ignore)")
	}
	return ps, notes, nil
}

// unused notes that column f held a value no check uses (ReadPeopleNotes
// says so once per column).
func (in *input) unused(f peopleField) {
	name := PeopleColumns[f]
	if !slices.Contains(in.unusedCols, name) {
		in.unusedCols = append(in.unusedCols, name)
	}
}

func readPeople(r io.Reader, name string, opt PeopleOptions) ([]hiring.Person, *input, error) {
	in, err := openInput(r, name, opt.Limits)
	if err != nil {
		return nil, nil, err
	}
	in.countries = map[string]string{}
	m := opt.Mapping
	if m != nil && !m.compiled {
		c := *m
		if err := c.compile(name + " (column mapping)"); err != nil {
			return nil, nil, err
		}
		m = &c
	}
	var (
		out      collector[hiring.Person]
		layout   *peopleLayout
		lastCols []string
		seen     = map[string]int{}
	)
	present := map[string]bool{} // the column keys of the file, for the mapping's check
	setLayout := func(line int, cols []string) error {
		l, err := in.peopleLayout(line, cols, m)
		if err != nil {
			return err
		}
		if m != nil && len(present) < len(m.sources) {
			for _, c := range cols {
				if k := columnKey(c); m.sourceKey(k) {
					present[k] = true
				}
			}
			if in.format == formatCSV {
				if err := m.missingSource(in, present, cols); err != nil {
					return err
				}
			}
		}
		layout = l
		lastCols = append(lastCols[:0], cols...)
		return nil
	}
	err = in.rows(func(cols []string) error { return setLayout(1, cols) }, func(line int, cols []string, cells []cell) error {
		if in.format != formatCSV && (layout == nil || !slices.Equal(cols, lastCols)) {
			if err := setLayout(line, cols); err != nil {
				return err
			}
		}
		p, err := in.person(line, layout, cells, m)
		if err != nil {
			return err
		}
		if first, dup := seen[p.ID]; dup {
			return in.errf(line, "id", "is also the id of line %d: every record needs its own id", first)
		}
		seen[p.ID] = line
		out.add(p)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if m != nil && in.format != formatCSV {
		if err := m.missingSource(in, present, nil); err != nil {
			return nil, nil, err
		}
	}
	return out.all(), in, nil
}

// person builds one record from a row's cells.
func (in *input) person(line int, l *peopleLayout, cells []cell, m *Mapping) (hiring.Person, error) {
	p := hiring.Person{Line: line}
	for fi, idx := range l.cells {
		if len(idx) == 0 {
			continue
		}
		f := peopleField(fi)
		col := PeopleColumns[f]
		if f.multiValued() {
			var vals []string
			for _, i := range idx {
				vals = cells[i].values(vals)
			}
			switch f {
			case fEmails:
				p.Emails = vals
			case fPhones:
				p.Phones = vals
			case fBankAccounts:
				p.BankAccounts = vals
			case fDeviceSerials:
				p.DeviceSerials = vals
			case fIPs:
				for i, v := range vals {
					if _, err := parseIP(v); err != nil {
						return p, in.errf(line, col, "value %d %s: give IP addresses separated by \";\"", i+1, msg(err))
					}
				}
				p.IPs = vals
			case fLanguages:
				in.unused(f) // declared languages: no check uses them, not kept
			}
			continue
		}
		var v string
		for _, i := range idx {
			s, ok := cells[i].one()
			if !ok {
				return p, in.errf(line, l.names[i], "a list where one value is expected: give one %s", col)
			}
			if s == "" {
				continue
			}
			if v != "" {
				v += " "
			}
			v += s
		}
		if v == "" {
			continue
		}
		switch f {
		case fID:
			if msg := hiring.CheckID(v); msg != "" {
				return p, in.errf(line, col, "%s", msg)
			}
			p.ID = v
		case fFullName:
			p.FullName = v
		case fDateOfBirth:
			dob, err := parseBirthDate(v, m.dateFormat())
			if err != nil {
				return p, in.errf(line, col, "%s", err.Error())
			}
			p.DateOfBirth = dob
		case fNationalID:
			p.NationalID = v
		case fHomeAddress:
			p.HomeAddress = v
		case fShippingAddress:
			p.ShippingAddress = v
		case fCountry:
			c, ok := in.countries[v]
			if !ok {
				var err error
				if c, err = country.Parse("", v); err != nil {
					return p, in.errf(line, col, "%s", countryMessage(err))
				}
				if len(in.countries) < 1000 {
					in.countries[v] = c
				}
			}
			p.Country = c
		case fGitHub:
			p.GitHub = v
		case fResumeText:
			p.ResumeText = v
		case fRole:
			switch r := hiring.Role(strings.ToLower(v)); r {
			case hiring.RoleApplicant, hiring.RoleContractor, hiring.RoleEmployee:
				p.Role = r
			default:
				return p, in.errf(line, col, "is not a role: give applicant, contractor or employee (empty: applicant)")
			}
		case fTimeZone:
			p.TimeZone = v
		case fReferredBy:
			p.ReferredBy = v
		case fSource:
			in.unused(f) // where the application came from: no check uses it, not kept
		}
	}
	if p.ID == "" {
		return p, in.errf(line, "id", "missing: every record needs an id (its id in the source system)")
	}
	var err error
	if p.Emails, err = in.splitOthers(line, PeopleColumns[fEmails], "e-mail addresses", p.Emails, func(v string) bool {
		_, ok := hiring.NormalizeEmail(v)
		return ok
	}); err != nil {
		return p, err
	}
	if p.Phones, err = in.splitOthers(line, PeopleColumns[fPhones], "phone numbers", p.Phones, func(v string) bool {
		_, ok := hiring.NormalizePhone(v, p.Country)
		return ok
	}); err != nil {
		return p, err
	}
	return p, nil
}

// splitOthers splits the values of a multi-valued identifier column that
// hold ",", "|" or " / " (exports join several e-mails or phones so) at them,
// when every part then reads as the identifier (valid); a value holding
// them whose parts do not all read is refused, naming the column and the
// fix, rather than dropped as unreadable later.
func (in *input) splitOthers(line int, col, what string, vals []string, valid func(string) bool) ([]string, error) {
	for i := 0; i < len(vals); i++ {
		v := vals[i]
		if !strings.ContainsAny(v, ",|") && !strings.Contains(v, " / ") {
			continue
		}
		parts := strings.FieldsFunc(strings.ReplaceAll(v, " / ", "|"), func(r rune) bool { return r == ',' || r == '|' })
		var keep []string
		for _, part := range parts {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			if !valid(part) {
				return nil, in.errf(line, col, "value %d holds \",\", \"|\" or \" / \" but its parts are not all %s: separate several %s with \";\"", i+1, what, what)
			}
			keep = append(keep, part)
		}
		vals = slices.Concat(vals[:i:i], keep, vals[i+1:])
		i += len(keep) - 1
	}
	return vals, nil
}
