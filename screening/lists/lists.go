package lists

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"github.com/bulwark-sec/bulwark/approval"
	"hash"
	"io"
	"io/fs"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
)

// invalidFile returns an invalid-input error about the file the parser
// knows as name: Field is name, and the message says where and what is
// wrong without naming a file, since name may not be the file the user
// gave (a parser reading one stream digests it under a fixed name). The
// caller, which knows the file's path or URL, puts that before the message
// (screening/sources does).
func invalidFile(name, format string, args ...any) *bulwark.Error {
	return &bulwark.Error{Code: bulwark.EINVALID, Field: name, Message: fmt.Sprintf(format, args...)}
}

// Digest returns the hex SHA-256 of a list's source files as
// [screening.ListInfo].SHA256 defines it: the files sorted by name, each
// hashed as its name, a NUL byte, its length as an 8-byte big-endian
// unsigned integer, then its content. The same files always give the same
// digest whatever the map order, and no two different sets of files can be
// framed alike.
func Digest(files map[string][]byte) string {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, name := range names {
		writeDigestHeader(h, name, uint64(len(files[name])))
		h.Write(files[name])
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeDigestHeader(h hash.Hash, name string, size uint64) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], size)
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(n[:])
}

// digestReader hashes one file read from r under the given name the way
// [Digest] would hash map[name]content. The length comes before the content
// in the digest, so when r does not tell its size up front (a *bytes.Reader,
// *strings.Reader, *bytes.Buffer or a regular *os.File do) the content is
// buffered in memory first. sum reports an error when fewer or more bytes
// than announced were read.
func digestReader(name string, r io.Reader) (body io.Reader, sum func() (string, error), err error) {
	size, ok := sizeOf(r)
	if !ok {
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, nil, invalidFile(name, "cannot read the file: %v", err)
		}
		return bytes.NewReader(data), func() (string, error) {
			return Digest(map[string][]byte{name: data}), nil
		}, nil
	}
	h := sha256.New()
	writeDigestHeader(h, name, uint64(size))
	c := &countingReader{r: io.TeeReader(r, h)}
	return c, func() (string, error) {
		// Drain what the parser did not need so the digest covers the file.
		if _, err := io.Copy(io.Discard, c); err != nil {
			return "", invalidFile(name, "cannot read the file: %v", err)
		}
		if c.n != size {
			return "", invalidFile(name, "the file changed while it was read (%d bytes announced, %d read); import it again", size, c.n)
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// sizeOf returns how many bytes r has left when r can tell without being
// read.
func sizeOf(r io.Reader) (int64, bool) {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len()), true
	case interface {
		Stat() (fs.FileInfo, error)
		io.Seeker
	}:
		st, err := v.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return 0, false
		}
		pos, err := v.Seek(0, io.SeekCurrent)
		if err != nil || pos > st.Size() {
			return 0, false
		}
		return st.Size() - pos, true
	}
	return 0, false
}

// SetListID renames a parsed list: it sets Info.ID and rewrites every
// entity's List and ID ("<list>:<sourceID>"). Use it to import, say, a second
// FBI address list under its own ID.
func SetListID(l *screening.List, id string) {
	l.Info.ID = id
	for i := range l.Entities {
		e := &l.Entities[i]
		e.List = id
		e.ID = id + ":" + e.SourceID
	}
}

// builder collects one list's entities and problems and fills ListInfo.
type builder struct {
	list screening.List
	// byID maps an entity's SourceID to its index in list.Entities.
	byID map[string]int
}

func newBuilder(id, name, format string) *builder {
	return &builder{
		list: screening.List{Info: screening.ListInfo{ID: id, Name: name, Format: format}},
		byID: make(map[string]int),
	}
}

// problem records a problem at place ("sdn.csv line 12").
func (b *builder) problem(place, format string, args ...any) {
	b.list.Problems = append(b.list.Problems, screening.Problem{Place: place, Message: fmt.Sprintf(format, args...)})
}

// add appends e under its SourceID and returns its index. A SourceID seen
// before is reported at place and the entity is dropped (index -1).
func (b *builder) add(place string, e screening.Entity) int {
	if _, dup := b.byID[e.SourceID]; dup {
		b.problem(place, "entry %q appears again; only the first is imported", e.SourceID)
		return -1
	}
	e.List = b.list.Info.ID
	e.ID = b.list.Info.ID + ":" + e.SourceID
	b.byID[e.SourceID] = len(b.list.Entities)
	b.list.Entities = append(b.list.Entities, e)
	return len(b.list.Entities) - 1
}

// entity returns the entity with the given SourceID, or nil.
func (b *builder) entity(sourceID string) *screening.Entity {
	if i, ok := b.byID[sourceID]; ok {
		return &b.list.Entities[i]
	}
	return nil
}

// finish tidies every entity, drops entities left without a name and
// without addresses, fills the counts and the digest, and returns the list.
func (b *builder) finish(digest string) *screening.List {
	l := &b.list
	kept := l.Entities[:0]
	for _, e := range l.Entities {
		tidy(&e)
		if e.Name == "" && len(e.Addresses) == 0 && len(e.IDs) == 0 {
			b.problem(e.ID, "entry has no name, address or identifier; not imported")
			continue
		}
		kept = append(kept, e)
	}
	// Clear the tail so dropped entities do not linger in the backing array.
	clear(l.Entities[len(kept):])
	l.Entities = kept
	if l.Entities == nil {
		l.Entities = []screening.Entity{}
	}
	l.Info.SHA256 = digest
	l.Info.Entities = len(l.Entities)
	l.Info.Addresses = 0
	for _, e := range l.Entities {
		l.Info.Addresses += len(e.Addresses)
	}
	l.Info.Problems = len(l.Problems)
	return l
}

// tidy cleans an entity's strings and removes duplicates, keeping the first
// occurrence of each value in list order.
func tidy(e *screening.Entity) {
	e.Name = clean(e.Name)
	e.Remarks = clean(e.Remarks)
	e.Source = clean(e.Source)
	if e.Type == "" {
		e.Type = screening.TypeUnknown
	}
	if e.Name == "" {
		// A list that names only addresses: fall back to the first alias.
		for _, a := range e.Aliases {
			if n := clean(a.Name); n != "" {
				e.Name = n
				break
			}
		}
	}
	seenName := map[string]bool{strings.ToLower(e.Name): true}
	aliases := e.Aliases[:0]
	for _, a := range e.Aliases {
		a.Name = clean(a.Name)
		k := strings.ToLower(a.Name)
		if a.Name == "" || seenName[k] {
			continue
		}
		seenName[k] = true
		aliases = append(aliases, a)
	}
	e.Aliases = nilIfEmpty(aliases)
	e.Programs = uniqStrings(e.Programs, false)
	e.Countries = uniqStrings(e.Countries, false)
	e.DatesOfBirth = uniqStrings(e.DatesOfBirth, false)
	e.Emails = uniqStrings(e.Emails, true)
	e.Phones = uniqStrings(e.Phones, false)
	ids := e.IDs[:0]
	seenID := map[screening.Identifier]bool{}
	for _, id := range e.IDs {
		id.Type, id.Value = clean(id.Type), clean(id.Value)
		if id.Value == "" || seenID[id] {
			continue
		}
		seenID[id] = true
		ids = append(ids, id)
	}
	e.IDs = nilIfEmpty(ids)
	addrs := e.Addresses[:0]
	seenAddr := map[screening.ListedAddress]bool{}
	for _, a := range e.Addresses {
		if a.Address == "" || seenAddr[a] {
			continue
		}
		seenAddr[a] = true
		addrs = append(addrs, a)
	}
	e.Addresses = nilIfEmpty(addrs)
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// uniqStrings cleans the values, drops empty ones and duplicates (compared
// case-insensitively when fold is set).
func uniqStrings(in []string, fold bool) []string {
	out := in[:0]
	seen := make(map[string]bool, len(in))
	for _, s := range in {
		s = clean(s)
		k := s
		if fold {
			k = strings.ToLower(s)
		}
		if s == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	return nilIfEmpty(out)
}

// clean makes s valid UTF-8 (bytes that are not are read as Windows-1252,
// the legacy encoding of government CSV exports), drops control and
// zero-width characters and collapses runs of white space to one space.
func clean(s string) string {
	if !utf8.ValidString(s) {
		if d, err := charmap.Windows1252.NewDecoder().String(s); err == nil {
			s = d
		} else {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
	}
	simple := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c < 0x20 || c == 0x7f || (c == ' ' && (i == 0 || i == len(s)-1 || s[i+1] == ' ')) {
			simple = false
			break
		}
	}
	if simple {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = sb.Len() > 0
			continue
		case r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u200e' || r == '\u200f' || r == '\ufeff' || approval.Bidi(r):
			continue
		case unicode.IsControl(r):
			continue
		}
		if space {
			sb.WriteByte(' ')
			space = false
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// parseConfidence reads high, medium, low or unknown (any case; "med"
// too).
func parseConfidence(s string) (screening.Confidence, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "unknown":
		return screening.ConfidenceUnknown, true
	case "high", "h":
		return screening.ConfidenceHigh, true
	case "medium", "med", "m":
		return screening.ConfidenceMedium, true
	case "low", "l":
		return screening.ConfidenceLow, true
	}
	return "", false
}

// confidenceRank orders confidence levels, higher is surer.
func confidenceRank(c screening.Confidence) int {
	switch c {
	case screening.ConfidenceHigh:
		return 3
	case screening.ConfidenceMedium:
		return 2
	case screening.ConfidenceLow:
		return 1
	}
	return 0
}

// categoryRank orders categories by how strongly a hit acts: a sanctions
// designation over an attribution over a seizure over a label.
func categoryRank(c screening.Category) int {
	switch c {
	case screening.CategorySanctions:
		return 4
	case screening.CategoryAttribution:
		return 3
	case screening.CategorySeizure:
		return 2
	case screening.CategoryLabel:
		return 1
	}
	return 0
}

// groupIDs gives each of n groups, whose label and distinguishing suffix
// key returns, a SourceID: the label alone when no other group shares it,
// else the label with the suffix.
func groupIDs(n int, key func(i int) (label, suffix string)) []string {
	labels := make([]string, n)
	suffixes := make([]string, n)
	count := map[string]int{}
	for i := range n {
		labels[i], suffixes[i] = key(i)
		count[labels[i]]++
	}
	ids := make([]string, n)
	used := map[string]int{}
	for i, l := range labels {
		id := slugID(l)
		if count[l] > 1 {
			id += "-" + slugID(suffixes[i])
		}
		used[id]++
		if used[id] > 1 {
			id = fmt.Sprintf("%s-%d", id, used[id])
		}
		ids[i] = id
	}
	return ids
}

// slugID makes an entity ID part from a label: lower-case letters and
// digits, other runs turned into '-', at most 64 bytes, so IDs read well
// in URLs and on a command line.
func slugID(label string) string {
	var sb strings.Builder
	dash := false
	for _, r := range strings.ToLower(label) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			sb.WriteRune(r)
			dash = false
		} else if !dash && sb.Len() > 0 {
			sb.WriteByte('-')
			dash = true
		}
		if sb.Len() >= 64 {
			break
		}
	}
	id := strings.TrimRight(sb.String(), "-")
	if id == "" {
		return "unnamed"
	}
	return id
}
