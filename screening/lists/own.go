package lists

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
)

// FormatAddressLines is a plain list of addresses, one per line. It says
// nothing of whose addresses they are or why they are listed, so [Detect]
// reports it but no official list is ever made of it: it is imported only
// as a user's own list ([ParseOwn]), under an ID and kind the user gives.
const FormatAddressLines = "address-lines"

// FormatOwn is the ListInfo.Format of a user's own list ([ParseOwn]).
const FormatOwn = "own"

// Own is a user's own list as the user declares it on import
// ('bulwark lists update --list ID --kind KIND [--confidence LEVEL]').
type Own struct {
	// ID is the list ID; [screening.CheckUserListID] must accept it (it is
	// never an official list's ID).
	ID string
	// Category is what the addresses are: sanctions, attribution or
	// internal.
	Category screening.Category
	// Confidence is how sure the user is; "" is unknown.
	Confidence screening.Confidence
}

// Check validates own, naming the flags the CLI takes them from.
func (own Own) Check() error {
	if err := screening.CheckUserListID("--list", own.ID); err != nil {
		return err
	}
	if _, err := screening.ParseListKind("--kind", string(own.Category)); err != nil {
		return err
	}
	if _, err := screening.ParseConfidence("--confidence", string(own.Confidence)); err != nil {
		return err
	}
	return nil
}

// ParseOwn makes the user's own list own from files (base name → content):
//
//   - a plain address list (one address per line; blank lines and '#'
//     comments skipped; comment lines "# name: …", "# source: …" and
//     "# confidence: high|medium|low" set the entity's name, source and
//     confidence) becomes one entity named after the list and the file;
//   - a Bulwark CSV (a header naming an address column) gives its rows'
//     entities as [ParseBulwarkCSV] does, rows without a category or
//     confidence cell taking the list's.
//
// Every entity has own's category, and own's confidence unless its file or
// row states one; a confidence stated nowhere is unknown. No program is
// made up: only a CSV's program column gives any. With several files, each
// CSV entity's SourceID starts with its file's name. A file without any
// address is an error naming it. ListInfo.SHA256 is the [Digest] of the
// files and of the declared category and confidence (as one more file
// named "\x00declared"), so the same files declared otherwise are a new
// version.
func ParseOwn(own Own, files map[string][]byte) (*screening.List, error) {
	if err := own.Check(); err != nil {
		return nil, err
	}
	conf, _ := screening.ParseConfidence("--confidence", string(own.Confidence))
	if len(files) == 0 {
		return nil, bulwark.Invalid("from", "no file to import as list %s", own.ID)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	b := newBuilder(own.ID, "Own list "+own.ID+" ("+string(own.Category)+")", FormatOwn)
	for _, name := range names {
		data := bytes.TrimPrefix(files[name], []byte("\xef\xbb\xbf"))
		base := path.Base(strings.ReplaceAll(name, "\\", "/"))
		prefix := ""
		if len(names) > 1 {
			prefix = slugID(strings.TrimSuffix(base, path.Ext(base))) + "/"
		}
		var err error
		if isAddressHeader(firstDataLine(data)) {
			err = parseBulwarkRows(b, base, data, own.Category, conf, prefix)
		} else {
			err = parseAddressLines(b, own, conf, base, data)
		}
		if err != nil {
			return nil, err
		}
	}
	// The version covers what the user declared as well as the files: the
	// same files under another kind or confidence are a new version.
	digested := make(map[string][]byte, len(files)+1)
	for n, d := range files {
		digested[n] = d
	}
	digested[declaredName] = []byte("category=" + string(own.Category) + "\nconfidence=" + string(conf) + "\n")
	return b.finish(Digest(digested)), nil
}

// declaredName is the name under which [ParseOwn] digests the user's
// declaration; a NUL byte keeps it apart from any file name.
const declaredName = "\x00declared"

// parseAddressLines adds the one entity of a plain address list to b.
func parseAddressLines(b *builder, own Own, conf screening.Confidence, base string, data []byte) error {
	e := screening.Entity{
		SourceID:   slugID(strings.TrimSuffix(base, path.Ext(base))),
		Type:       screening.TypeUnknown,
		Category:   own.Category,
		Confidence: conf,
		Name:       own.ID + ": " + base,
	}
	if e.SourceID == "" {
		e.SourceID = "addresses"
	}
	lineNo := 0
	for rest := data; len(rest) > 0; {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		lineNo++
		text := strings.TrimSpace(string(line))
		if strings.HasPrefix(text, "#") {
			key, value, ok := strings.Cut(strings.TrimSpace(text[1:]), ":")
			value = strings.TrimSpace(value)
			switch key = strings.ToLower(strings.TrimSpace(key)); {
			case !ok:
			case key == "name" && value != "":
				e.Name = value
			case key == "source" && value != "":
				e.Source = value
			case key == "confidence":
				if c, ok := parseConfidence(value); ok {
					e.Confidence = c
				} else {
					b.problem(placeLine(base, lineNo), "confidence %q is not high, medium, low or unknown; kept %s", shorten(value, 40), e.Confidence)
				}
			}
			continue
		}
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = strings.TrimSpace(text[:i])
		}
		if text == "" {
			continue
		}
		fields := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' })
		if len(fields) == 0 {
			continue
		}
		addr := fields[0]
		if len(fields) > 1 {
			b.problem(placeLine(base, lineNo), "more than an address on the line; only %q is read", shorten(addr, 80))
		}
		if la, ok := b.listedAddress("", addr, placeLine(base, lineNo), ""); ok {
			e.Addresses = append(e.Addresses, la)
		}
	}
	if len(e.Addresses) == 0 {
		return invalidFile(base, "no address found; the file should list one address per line")
	}
	// Files whose names slug alike ("a.txt", "a.list") keep an entity each.
	for id, n := e.SourceID, 2; b.entity(e.SourceID) != nil; n++ {
		e.SourceID = fmt.Sprintf("%s-%d", id, n)
	}
	b.add(base, e)
	return nil
}
