package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
)

// BookDoc is an address book as the API and the command line exchange it
// in JSON: its entries (ordered by address, then chain, every chain
// first) and its value limits (ordered by Safe, chain, asset, period).
type BookDoc struct {
	Entries []EntryDoc `json:"entries"`
	Limits  []LimitDoc `json:"limits"`
}

// EntryDoc is an address-book entry in JSON: the file's [[entry]] with
// chainId for chain_id.
type EntryDoc struct {
	Address string   `json:"address"`
	ChainID *int64   `json:"chainId,omitempty"`
	Label   string   `json:"label"`
	Kinds   []string `json:"kinds"`
}

// LimitDoc is a value limit in JSON: the file's [[limit]] with chainId
// for chain_id.
type LimitDoc struct {
	Safe    string `json:"safe"`
	ChainID *int64 `json:"chainId,omitempty"`
	Asset   string `json:"asset"`
	Amount  string `json:"amount"`
	Period  string `json:"period"`
}

// bookDocReadOnly are the keys a book's JSON may carry besides entries
// and limits: what GET answers about the stored book, so that its answer
// can be edited and sent back as it is. All are ignored on input but
// version, which a change takes as its If-Match version.
var bookDocReadOnly = []string{"version", "digest", "changedBy", "changedAt", "auditSeq", "source", "inForce"}

func chainDoc(id *big.Int) *int64 {
	if id == nil {
		return nil
	}
	n := id.Int64()
	return &n
}

// DocOf returns e as JSON writes it.
func DocOf(e AddressEntry) EntryDoc {
	ks := make([]string, len(e.Kinds))
	for i, k := range e.Kinds {
		ks[i] = string(k)
	}
	return EntryDoc{Address: e.Address.Hex(), ChainID: chainDoc(e.ChainID), Label: e.Label, Kinds: ks}
}

// LimitDocOf returns l as JSON writes it.
func LimitDocOf(l Limit) LimitDoc {
	return LimitDoc{Safe: l.Safe.Hex(), ChainID: chainDoc(l.ChainID), Asset: AssetText(l.Asset), Amount: l.Amount.String(), Period: PeriodText(l.Period)}
}

// canonicalLimits returns ls ordered by Safe, chain (every chain first),
// asset and period: what identifies a limit, so the order is total.
func canonicalLimits(ls []Limit) []Limit {
	out := slices.Clone(ls)
	slices.SortStableFunc(out, func(a, b Limit) int {
		if c := a.Safe.Cmp(b.Safe); c != 0 {
			return c
		}
		if c := cmpChain(a.ChainID, b.ChainID); c != 0 {
			return c
		}
		if c := a.Asset.Cmp(b.Asset); c != 0 {
			return c
		}
		return int(a.Period - b.Period)
	})
	return out
}

func cmpChain(a, b *big.Int) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Cmp(b)
}

// Doc returns the book as JSON writes it: the entries in Entries order,
// the limits in canonical order. A nil book is empty.
func (b *AddressBook) Doc() BookDoc {
	d := BookDoc{Entries: []EntryDoc{}, Limits: []LimitDoc{}}
	for _, e := range b.Entries() {
		d.Entries = append(d.Entries, DocOf(e))
	}
	for _, l := range canonicalLimits(b.Limits()) {
		d.Limits = append(d.Limits, LimitDocOf(l))
	}
	return d
}

// ContentDigest is the SHA-256 (hex) of the book's content in canonical
// form (Doc as compact JSON): two books with the same entries and limits,
// in whatever order they were written, have the same content digest. It
// is the digest of a book kept in the store.
func (b *AddressBook) ContentDigest() string {
	data, err := json.Marshal(b.Doc())
	if err != nil { // a BookDoc always encodes
		panic(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ParseAddressBookJSON parses a book sent as JSON ({"entries": […],
// "limits": […]}, keys as EntryDoc and LimitDoc write them) with the
// checks of the file (ParseAddressBook): what the file refuses, this
// refuses, with the same messages (chainId for chain_id); a key given
// twice in an object is refused, as TOML refuses it. The keys GET adds
// about the stored book (version, digest, changedBy, changedAt, auditSeq,
// source, inForce) are ignored; ParseBookDocJSON gives the version.
// source names the input in errors; the book's Source is source and its
// Digest its ContentDigest.
func ParseAddressBookJSON(source string, data []byte) (*AddressBook, error) {
	b, _, err := ParseBookDocJSON(source, data)
	return b, err
}

// ParseBookDocJSON parses a book as ParseAddressBookJSON does and also
// returns its version key (nil when absent or null): the version of the
// stored book a GET answer edited and sent back was read at, which a
// change takes as its If-Match version (BookIfMatch).
func ParseBookDocJSON(source string, data []byte) (*AddressBook, *int64, error) {
	return parseBookJSON(source, data)
}

// BookIfMatch returns the version a change expects the stored book to
// be at: given (If-Match, --if-version) or the body's version key (nil:
// none); both, when they differ, are EINVALID.
func BookIfMatch(given, body *int64, givenName string) (*int64, error) {
	switch {
	case given == nil:
		return body, nil
	case body != nil && *body != *given:
		return nil, bulwark.Invalid(givenName, "%s says version %d, the book's \"version\" says %d: send one, or the same in both", givenName, *given, *body)
	}
	return given, nil
}

func parseBookJSON(source string, data []byte) (*AddressBook, *int64, error) {
	fail := func(format string, args ...any) error {
		return bulwark.Errorf(bulwark.EINVALID, "%s: %s", source, fmt.Sprintf(format, args...))
	}
	if len(data) > MaxAddressBookSize {
		return nil, nil, fail("larger than %d MiB", MaxAddressBookSize>>20)
	}
	if !utf8.Valid(data) {
		return nil, nil, fail("not UTF-8 text")
	}
	raw, err := decodeJSONObject(data)
	if err != nil {
		return nil, nil, fail("%v", err)
	}
	for _, k := range sortedKeys(raw) {
		if k != "entries" && k != "limits" && !slices.Contains(bookDocReadOnly, k) {
			return nil, nil, fail("unknown key %q: the book is {\"entries\": […], \"limits\": […]}", k)
		}
	}
	list, err := objectList(raw, "entries")
	if err != nil {
		return nil, nil, fail("%v", err)
	}
	limits, err := objectList(raw, "limits")
	if err != nil {
		return nil, nil, fail("%v", err)
	}
	var version *int64
	switch v := raw["version"].(type) {
	case nil:
	case int64:
		if v < 0 {
			return nil, nil, fail("version: %d is not a version (0, 1, 2 …, as GET answers it)", v)
		}
		version = &v
	default:
		return nil, nil, fail("version: %s is not a version (0, 1, 2 …, as GET answers it)", quoteValue(v))
	}
	b, err := buildBook(source, list, limits, jsonSyntax)
	if err != nil {
		return nil, nil, err
	}
	b.Source, b.Digest = source, b.ContentDigest()
	return b, version, nil
}

// ParseEntryJSON parses one entry sent as JSON (an EntryDoc) with the
// checks of the file's entries; source names it in errors.
func ParseEntryJSON(source string, data []byte) (AddressEntry, error) {
	fail := func(format string, args ...any) error {
		return bulwark.Errorf(bulwark.EINVALID, "%s: %s", source, fmt.Sprintf(format, args...))
	}
	if !utf8.Valid(data) {
		return AddressEntry{}, fail("not UTF-8 text")
	}
	m, err := decodeJSONObject(data)
	if err != nil {
		return AddressEntry{}, fail("%v", err)
	}
	e, err := parseEntry(m, jsonSyntax)
	if err != nil {
		return AddressEntry{}, fail("entry%s: %v", entryName(m), err)
	}
	slices.Sort(e.Kinds)
	return e, nil
}

// decodeJSONObject decodes one JSON object, numbers that are integers as
// int64 (as TOML gives them), others as their text.
func decodeJSONObject(data []byte) (map[string]any, error) {
	if err := duplicateKey(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("not valid JSON: more than one value")
	}
	m, ok := normalizeJSON(v).(map[string]any)
	if !ok {
		return nil, errors.New("want a JSON object")
	}
	return m, nil
}

// duplicateKey refuses a key given twice in one object (encoding/json
// keeps the last, so a reviewer reading the first would be misled).
// Input that is not valid JSON is left to the decoder to refuse.
func duplicateKey(data []byte) error {
	type frame struct {
		keys      map[string]bool // nil: an array
		expectKey bool
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if top != nil && top.keys != nil {
					top.expectKey = true // after this value, a key
				}
				f := &frame{}
				if d == '{' {
					f.keys, f.expectKey = map[string]bool{}, true
				}
				stack = append(stack, f)
			default:
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			}
			continue
		}
		if top == nil || top.keys == nil {
			continue
		}
		if !top.expectKey {
			top.expectKey = true
			continue
		}
		k, _ := tok.(string)
		if top.keys[k] {
			return fmt.Errorf("not valid JSON: key %q given twice in one object: give each key once", k)
		}
		top.keys[k], top.expectKey = true, false
	}
}

func normalizeJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		return x.String()
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeJSON(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeJSON(e)
		}
	}
	return v
}

// objectList returns raw[key] as a list of objects (nil when absent or
// null).
func objectList(raw map[string]any, key string) ([]map[string]any, error) {
	v := raw[key]
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a list of objects", key)
	}
	out := make([]map[string]any, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s[%d]: want an object, not %s", key, i, quoteValue(e))
		}
		out[i] = m
	}
	return out, nil
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ParseAddressBookData parses a book given as TOML (the file's format)
// or as JSON (a BookDoc): JSON when its first non-blank character is
// "{". The book's Digest is its ContentDigest either way, so the same
// content gives the same digest whichever format it came in.
func ParseAddressBookData(source string, data []byte) (*AddressBook, error) {
	if strings.HasPrefix(strings.TrimSpace(string(data)), "{") {
		return ParseAddressBookJSON(source, data)
	}
	return ParseAddressBookTOML(source, data)
}

// ParseAddressBookTOML parses a book given as TOML only (a body sent as
// application/toml): ParseAddressBook with the ContentDigest as Digest.
func ParseAddressBookTOML(source string, data []byte) (*AddressBook, error) {
	b, err := ParseAddressBook(source, data)
	if err != nil {
		return nil, err
	}
	b.Digest = b.ContentDigest()
	return b, nil
}

// TOML writes the book in the file's format (ParseAddressBook reads it
// back to the same content): the entries, then the limits, in Doc order.
func (b *AddressBook) TOML() []byte {
	var w bytes.Buffer
	d := b.Doc()
	q := func(s string) string { v, _ := json.Marshal(s); return string(v) }
	for _, e := range d.Entries {
		ks := make([]string, len(e.Kinds))
		for i, k := range e.Kinds {
			ks[i] = q(k)
		}
		fmt.Fprintf(&w, "[[entry]]\naddress = %s\nlabel = %s\nkinds = [%s]\n", q(e.Address), q(e.Label), strings.Join(ks, ", "))
		if e.ChainID != nil {
			fmt.Fprintf(&w, "chain_id = %d\n", *e.ChainID)
		}
		w.WriteString("\n")
	}
	for _, l := range d.Limits {
		fmt.Fprintf(&w, "[[limit]]\nsafe = %s\nasset = %s\namount = %s\nperiod = %s\n", q(l.Safe), q(l.Asset), q(l.Amount), q(l.Period))
		if l.ChainID != nil {
			fmt.Fprintf(&w, "chain_id = %d\n", *l.ChainID)
		}
		w.WriteString("\n")
	}
	return w.Bytes()
}
