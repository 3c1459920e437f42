package screening

import (
	"encoding/binary"
	"errors"
	"unicode/utf8"
)

// The compact binary form of a list version's entities and problems: what
// a store may keep beside its gzip-compressed JSON (EncodeListContent) as
// a cache, because it decodes many times faster (no decompression, no
// reflection, and every string a slice of one copy of the input).
//
// Layout: uvarint counts and lengths, each string as its length and bytes.
// A header gives the entity count (plus one; zero for nil) and the totals
// of the slices of every entity together, so that the decoder allocates
// one backing array per kind of slice. Then each entity's fields in the
// order of the Entity type, each slice as its length and elements; then
// the problems.

// ListBinaryVersion is the version of the binary form: a store keying a
// cache by it rebuilds the cache when it changes. It changes whenever
// Entity, Alias, Identifier, ListedAddress or Problem gains a field.
const ListBinaryVersion = 2

// listBinaryTotals are the header's totals.
type listBinaryTotals struct {
	aliases, strs, ids, addrs int
}

// AppendListBinary appends the binary form of l's entities and problems
// to dst. DecodeListBinary turns it back into the same entities and
// problems.
func AppendListBinary(dst []byte, l *List) []byte {
	var t listBinaryTotals
	for i := range l.Entities {
		e := &l.Entities[i]
		t.aliases += len(e.Aliases)
		t.strs += len(e.Programs) + len(e.Countries) + len(e.DatesOfBirth) + len(e.Emails) + len(e.Phones)
		t.ids += len(e.IDs)
		t.addrs += len(e.Addresses)
	}
	n := 0
	if l.Entities != nil {
		n = len(l.Entities) + 1
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	for _, v := range []int{t.aliases, t.strs, t.ids, t.addrs} {
		dst = binary.AppendUvarint(dst, uint64(v))
	}
	str := func(s string) {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	strs := func(ss []string) {
		dst = binary.AppendUvarint(dst, uint64(len(ss)))
		for _, s := range ss {
			str(s)
		}
	}
	for i := range l.Entities {
		e := &l.Entities[i]
		str(e.ID)
		str(e.List)
		str(e.SourceID)
		str(string(e.Type))
		str(string(e.Category))
		str(string(e.Confidence))
		str(e.Name)
		dst = binary.AppendUvarint(dst, uint64(len(e.Aliases)))
		for _, a := range e.Aliases {
			str(a.Name)
			if a.Weak {
				dst = append(dst, 1)
			} else {
				dst = append(dst, 0)
			}
		}
		strs(e.Programs)
		strs(e.Countries)
		strs(e.DatesOfBirth)
		dst = binary.AppendUvarint(dst, uint64(len(e.IDs)))
		for _, id := range e.IDs {
			str(id.Type)
			str(id.Value)
			str(id.Country)
		}
		strs(e.Emails)
		strs(e.Phones)
		dst = binary.AppendUvarint(dst, uint64(len(e.Addresses)))
		for _, a := range e.Addresses {
			str(a.Currency)
			str(a.Address)
		}
		str(e.Remarks)
		str(e.Source)
		str(e.Listed)
		str(e.Updated)
	}
	dst = binary.AppendUvarint(dst, uint64(len(l.Problems)))
	for _, p := range l.Problems {
		str(p.Place)
		str(p.Message)
	}
	return dst
}

// errListBinary is what DecodeListBinary returns for input that is not
// the binary form of a list: truncated, with trailing bytes or with counts
// beyond its totals.
var errListBinary = errors.New("malformed binary list")

// listBinaryDecoder reads the binary form from s, one copy of the input
// that every decoded string is a slice of.
type listBinaryDecoder struct {
	s   string
	off int
	err error
}

func (d *listBinaryDecoder) uvarint() int {
	if d.err != nil {
		return 0
	}
	var v uint64
	var shift uint
	for i := 0; ; i++ {
		if d.off >= len(d.s) || i == binary.MaxVarintLen64 {
			d.err = errListBinary
			return 0
		}
		b := d.s[d.off]
		d.off++
		if b < 0x80 {
			v |= uint64(b) << shift
			break
		}
		v |= uint64(b&0x7f) << shift
		shift += 7
	}
	// No count or length can exceed the input's length.
	if v > uint64(len(d.s)) {
		d.err = errListBinary
		return 0
	}
	return int(v)
}

func (d *listBinaryDecoder) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > len(d.s)-d.off {
		d.err = errListBinary
		return ""
	}
	s := d.s[d.off : d.off+n]
	d.off += n
	return s
}

func (d *listBinaryDecoder) bool() bool {
	if d.err != nil {
		return false
	}
	if d.off >= len(d.s) || d.s[d.off] > 1 {
		d.err = errListBinary
		return false
	}
	d.off++
	return d.s[d.off-1] == 1
}

// take returns the next n elements of backing (nil for none), capacity
// limited to them so that appending to one entity's slice never writes
// over the next entity's.
func take[T any](d *listBinaryDecoder, backing *[]T) []T {
	n := d.uvarint()
	if d.err != nil || n == 0 {
		return nil
	}
	if n > len(*backing) {
		d.err = errListBinary
		return nil
	}
	s := (*backing)[:n:n]
	*backing = (*backing)[n:]
	return s
}

func (d *listBinaryDecoder) strs(backing *[]string) []string {
	ss := take(d, backing)
	for i := range ss {
		ss[i] = d.str()
	}
	return ss
}

// DecodeListBinary fills l's entities and problems from data made by
// AppendListBinary. Malformed data is an error, never a panic.
func DecodeListBinary(l *List, data []byte) error {
	d := &listBinaryDecoder{s: string(data)}
	n := d.uvarint()
	var t listBinaryTotals
	t.aliases, t.strs, t.ids, t.addrs = d.uvarint(), d.uvarint(), d.uvarint(), d.uvarint()
	if d.err != nil {
		return d.err
	}
	// Every entity takes at least 19 bytes and every element of its
	// slices at least one, so the totals are bounded by the input's
	// length before anything is allocated.
	if n > 0 && (n-1)*19 > len(d.s) || t.aliases+t.strs+t.ids+t.addrs > len(d.s) {
		return errListBinary
	}
	var entities []Entity
	if n > 0 {
		entities = make([]Entity, n-1)
	}
	aliases := make([]Alias, t.aliases)
	strs := make([]string, t.strs)
	ids := make([]Identifier, t.ids)
	addrs := make([]ListedAddress, t.addrs)
	for i := range entities {
		e := &entities[i]
		e.ID = d.str()
		e.List = d.str()
		e.SourceID = d.str()
		e.Type = EntityType(d.str())
		e.Category = Category(d.str())
		e.Confidence = Confidence(d.str())
		e.Name = d.str()
		e.Aliases = take(d, &aliases)
		for j := range e.Aliases {
			e.Aliases[j] = Alias{Name: d.str(), Weak: d.bool()}
		}
		e.Programs = d.strs(&strs)
		e.Countries = d.strs(&strs)
		e.DatesOfBirth = d.strs(&strs)
		e.IDs = take(d, &ids)
		for j := range e.IDs {
			e.IDs[j] = Identifier{Type: d.str(), Value: d.str(), Country: d.str()}
		}
		e.Emails = d.strs(&strs)
		e.Phones = d.strs(&strs)
		e.Addresses = take(d, &addrs)
		for j := range e.Addresses {
			e.Addresses[j] = ListedAddress{Currency: d.str(), Address: d.str()}
		}
		e.Remarks = d.str()
		e.Source = d.str()
		e.Listed = d.str()
		e.Updated = d.str()
		if d.err != nil {
			return d.err
		}
	}
	var problems []Problem
	if np := d.uvarint(); np > 0 && d.err == nil {
		if np*2 > len(d.s)-d.off {
			return errListBinary
		}
		problems = make([]Problem, np)
		for i := range problems {
			problems[i] = Problem{Place: d.str(), Message: d.str()}
		}
	}
	if d.err != nil {
		return d.err
	}
	if d.off != len(d.s) || len(aliases)+len(strs)+len(ids)+len(addrs) > 0 {
		return errListBinary
	}
	l.Entities, l.Problems = entities, problems
	return nil
}

// ListJSONExact reports whether the JSON of l's entities and problems
// (EncodeListContent) decodes to exactly them, so that l's binary form is
// also that of its stored content: true unless a string is not valid
// UTF-8 (which JSON replaces by U+FFFD).
func ListJSONExact(l *List) bool {
	ok := func(ss ...string) bool {
		for _, s := range ss {
			if !utf8.ValidString(s) {
				return false
			}
		}
		return true
	}
	for i := range l.Entities {
		e := &l.Entities[i]
		if !ok(e.ID, e.List, e.SourceID, string(e.Type), string(e.Category), string(e.Confidence), e.Name, e.Remarks, e.Source, e.Listed, e.Updated) ||
			!ok(e.Programs...) || !ok(e.Countries...) || !ok(e.DatesOfBirth...) || !ok(e.Emails...) || !ok(e.Phones...) {
			return false
		}
		for _, a := range e.Aliases {
			if !ok(a.Name) {
				return false
			}
		}
		for _, id := range e.IDs {
			if !ok(id.Type, id.Value, id.Country) {
				return false
			}
		}
		for _, a := range e.Addresses {
			if !ok(a.Currency, a.Address) {
				return false
			}
		}
	}
	for _, p := range l.Problems {
		if !ok(p.Place, p.Message) {
			return false
		}
	}
	return true
}
