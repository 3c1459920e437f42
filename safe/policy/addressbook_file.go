package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/tomlsafe"
)

// Limits of an address-book file.
const (
	// MaxAddressBookSize bounds the file, in bytes.
	MaxAddressBookSize = 4 << 20
	// MaxAddressBookEntries bounds its entries.
	MaxAddressBookEntries = 20000
	// MaxLabelLength bounds a label, in characters.
	MaxLabelLength = 100
	// MaxLimits bounds its [[limit]] tables.
	MaxLimits = 1000
)

// entryFields are the keys of an [[entry]] table.
var entryFields = []string{"address", "chain_id", "kinds", "label"}

// ReadAddressBookFile reads and validates the address-book file at path
// (TOML: [[entry]] and [[limit]] tables; docs/safe-reference.md describes
// it). Errors have code invalid
// and name the file, the entry and the field at fault.
func ReadAddressBookFile(path string) (*AddressBook, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, bulwark.Errorf(bulwark.EINVALID, "%s does not exist", path)
		}
		return nil, bulwark.Errorf(bulwark.EINVALID, "cannot read %s: %v", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxAddressBookSize+1))
	if err != nil {
		return nil, bulwark.Errorf(bulwark.EINVALID, "cannot read %s: %v", path, err)
	}
	return ParseAddressBook(path, data)
}

// ParseAddressBook parses an address-book file's content; source names it
// in errors and in the book (AddressBook.Source).
func ParseAddressBook(source string, data []byte) (*AddressBook, error) {
	fail := func(format string, args ...any) error {
		return bulwark.Errorf(bulwark.EINVALID, "%s: %s", source, fmt.Sprintf(format, args...))
	}
	if len(data) > MaxAddressBookSize {
		return nil, fail("larger than %d MiB", MaxAddressBookSize>>20)
	}
	if !utf8.Valid(data) {
		return nil, fail("not UTF-8 text")
	}
	raw := map[string]any{}
	if _, err := tomlsafe.Decode(string(data), &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fail("not valid TOML: line %d: %s", pe.Position.Line, pe.Message)
		}
		return nil, fail("not valid TOML: %v", err)
	}
	for k := range raw {
		if k != "entry" && k != "limit" {
			return nil, fail("unknown key %q: the file is a list of [[entry]] and [[limit]] tables", k)
		}
	}
	list, ok := raw["entry"].([]map[string]any)
	if raw["entry"] != nil && !ok {
		return nil, fail("entry: want a list of [[entry]] tables")
	}
	limits, ok := raw["limit"].([]map[string]any)
	if raw["limit"] != nil && !ok {
		return nil, fail("limit: want a list of [[limit]] tables")
	}
	b, err := buildBook(source, list, limits, tomlSyntax)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	b.Source, b.Digest = source, hex.EncodeToString(sum[:])
	return b, nil
}

func parseEntry(m map[string]any, syn bookSyntax) (AddressEntry, error) {
	var e AddressEntry
	if err := knownFields(m, syn.fields(entryFields)); err != nil {
		return e, err
	}
	a, ok := m["address"].(string)
	switch {
	case m["address"] == nil:
		return e, errors.New("address: required")
	case !ok:
		return e, errors.New("address: want a string such as \"0x…\" (40 hex digits)")
	}
	addr, err := parseBookAddress(a)
	if err != nil {
		return e, fmt.Errorf("address: %v", err)
	}
	e.Address = addr
	l, ok := m["label"].(string)
	switch {
	case m["label"] == nil:
		return e, errors.New("label: required: the name findings show for this address")
	case !ok:
		return e, errors.New("label: want a string")
	case strings.TrimSpace(l) == "":
		return e, errors.New("label: empty")
	case utf8.RuneCountInString(l) > MaxLabelLength:
		return e, fmt.Errorf("label: longer than %d characters", MaxLabelLength)
	case strings.IndexFunc(l, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return e, errors.New("label: contains a control or invisible character")
	}
	if err := labelShows(l); err != nil {
		return e, fmt.Errorf("label: %v", err)
	}
	e.Label = l
	ks, ok := m["kinds"].([]any)
	switch {
	case m["kinds"] == nil:
		return e, fmt.Errorf("kinds: required: one or more of %s", kindList())
	case !ok:
		return e, fmt.Errorf("kinds: want a list such as [\"spender\"] of %s", kindList())
	case len(ks) == 0:
		return e, fmt.Errorf("kinds: empty: give one or more of %s", kindList())
	}
	for _, k := range ks {
		s, ok := k.(string)
		if !ok || !slices.Contains(EntryKinds, EntryKind(s)) {
			return e, fmt.Errorf("kinds: %s is not a kind (kinds: %s)", quoteValue(k), kindList())
		}
		if slices.Contains(e.Kinds, EntryKind(s)) {
			return e, fmt.Errorf("kinds: %q is listed twice", s)
		}
		e.Kinds = append(e.Kinds, EntryKind(s))
	}
	id, err := parseChainID(m, syn)
	if err != nil {
		return e, err
	}
	e.ChainID = id
	return e, nil
}

// blankRunes are printable code points that show as blank space: a
// label made of them, or holding them, could pass for another.
var blankRunes = map[rune]string{
	'\u115F': "HANGUL CHOSEONG FILLER",
	'\u1160': "HANGUL JUNGSEONG FILLER",
	'\u2800': "BRAILLE PATTERN BLANK",
	'\u3164': "HANGUL FILLER",
	'\uFFA0': "HALFWIDTH HANGUL FILLER",
}

// labelShows refuses a label that would not show what it is: one with
// a code point that shows as blank, or that starts with a combining mark
// (which joins what is printed before it).
func labelShows(l string) error {
	for _, r := range l {
		if name, ok := blankRunes[r]; ok {
			return fmt.Errorf("contains U+%04X (%s), which shows as blank: write the label in visible characters", r, name)
		}
	}
	if r, _ := utf8.DecodeRuneInString(l); unicode.Is(unicode.M, r) {
		return fmt.Errorf("starts with the combining mark U+%04X, which joins what is shown before it: start it with a letter, digit or sign", r)
	}
	return nil
}

// labelKey is what two labels are compared by: case folded, runs of
// spaces as one, without spaces around.
func labelKey(l string) string {
	return strings.ToLower(strings.ToUpper(strings.Join(strings.Fields(l), " ")))
}

// sameLabel returns the index of an entry of es for another address
// whose label reads as e's (labelKey), or -1: findings name an address
// by its label, so two addresses must not share one.
func sameLabel(es []AddressEntry, e AddressEntry) int {
	k := labelKey(e.Label)
	return slices.IndexFunc(es, func(o AddressEntry) bool { return o.Address != e.Address && labelKey(o.Label) == k })
}

// bookSyntax is how a book's input names its fields: the TOML file's
// chain_id, the JSON document's chainId.
type bookSyntax struct{ chainKey string }

var (
	tomlSyntax = bookSyntax{chainKey: "chain_id"}
	jsonSyntax = bookSyntax{chainKey: "chainId"}
)

// fields returns the field names of a table (written as the TOML file
// writes them) as this syntax writes them.
func (syn bookSyntax) fields(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		if n == "chain_id" {
			n = syn.chainKey
		}
		out[i] = n
	}
	sort.Strings(out)
	return out
}

// knownFields refuses a key of m that is not one of fields, naming them.
func knownFields(m map[string]any, fields []string) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(fields, k) {
			return fmt.Errorf("unknown field %q (fields: %s)", k, strings.Join(fields, ", "))
		}
	}
	return nil
}

// parseChainID reads the optional chain id of an entry or limit: a
// positive integer (nil when absent: every chain).
func parseChainID(m map[string]any, syn bookSyntax) (*big.Int, error) {
	c, present := m[syn.chainKey]
	if !present {
		return nil, nil
	}
	n, ok := c.(int64)
	if !ok || n <= 0 {
		return nil, fmt.Errorf("%s: %s is not a chain id (a positive integer such as 1; leave it out for every chain)", syn.chainKey, quoteValue(c))
	}
	return big.NewInt(n), nil
}

// buildBook checks the entries and limits of a book, read from source as
// syn writes them, and builds it: the validation every way of giving a
// book (the file, the API, the command line) goes through. Errors have
// code invalid and name the source, the entry or limit, and the field.
func buildBook(source string, list, limits []map[string]any, syn bookSyntax) (*AddressBook, error) {
	fail := func(format string, args ...any) error {
		return bulwark.Errorf(bulwark.EINVALID, "%s: %s", source, fmt.Sprintf(format, args...))
	}
	if len(list) > MaxAddressBookEntries {
		return nil, fail("%d entries, more than the %d allowed", len(list), MaxAddressBookEntries)
	}
	entries := make([]AddressEntry, 0, len(list))
	labels := map[string]int{}
	for i, m := range list {
		e, err := parseEntry(m, syn)
		if err != nil {
			return nil, fail("entry %d%s: %v", i+1, entryName(m), err)
		}
		k := labelKey(e.Label)
		if j, ok := labels[k]; ok && entries[j].Address != e.Address {
			return nil, fail("entry %d%s: label: the same label as entry %d (%q, %s), ignoring case and spaces: give each address a label of its own", i+1, entryName(m), j+1, entries[j].Label, entries[j].Address.Hex())
		} else if !ok {
			labels[k] = i
		}
		entries = append(entries, e)
	}
	b, err := NewAddressBook(entries)
	if err != nil {
		return nil, fail("%v", err)
	}
	if len(limits) > MaxLimits {
		return nil, fail("%d limits, more than the %d allowed", len(limits), MaxLimits)
	}
	for i, m := range limits {
		l, err := parseLimit(fmt.Sprintf("limit %d of %s", i+1, source), m, syn)
		if err != nil {
			return nil, fail("limit %d: %v", i+1, err)
		}
		if j := sameLimit(b.limits, l); j >= 0 {
			return nil, fail("limit %d: the same Safe, asset, period and chain as limit %d: keep one", i+1, j+1)
		}
		b.limits = append(b.limits, l)
	}
	return b, nil
}

// sameLimit returns the index of the limit of ls for the same Safe,
// chain, asset and period as l, or -1.
func sameLimit(ls []Limit, l Limit) int {
	return slices.IndexFunc(ls, func(o Limit) bool {
		return o.Safe == l.Safe && sameChain(o.ChainID, l.ChainID) && o.Asset == l.Asset && o.Period == l.Period
	})
}

// entryName is ` ("label")` for an entry's error when its label is
// printable, else "".
func entryName(m map[string]any) string {
	if l, ok := m["label"].(string); ok && strings.TrimSpace(l) != "" && len(l) <= 4*MaxLabelLength && strings.IndexFunc(l, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return fmt.Sprintf(" (%q)", l)
	}
	return ""
}

// parseBookAddress accepts 0x and 40 hex digits: all lower case, all upper
// case, or mixed case with a valid EIP-55 checksum.
func parseBookAddress(s string) (common.Address, error) {
	if len(s) != 42 || !strings.HasPrefix(s, "0x") {
		return common.Address{}, fmt.Errorf("%s is not 0x and 40 hex digits", quoteValue(s))
	}
	b, err := hex.DecodeString(s[2:])
	if err != nil {
		return common.Address{}, fmt.Errorf("%s is not 0x and 40 hex digits", quoteValue(s))
	}
	a := common.BytesToAddress(b)
	body := s[2:]
	if body != strings.ToLower(body) && body != strings.ToUpper(body) && a.Hex() != s {
		return common.Address{}, fmt.Errorf("%s has a bad EIP-55 checksum (mixed case must be %s): a typo, or a tampered address", s, a.Hex())
	}
	if a == (common.Address{}) {
		return common.Address{}, errors.New("the zero address cannot be in the address book")
	}
	return a, nil
}

func kindList() string {
	ks := make([]string, len(EntryKinds))
	for i, k := range EntryKinds {
		ks[i] = string(k)
	}
	return strings.Join(ks, ", ")
}

// quoteValue renders a value from the file for an error, cut short.
func quoteValue(v any) string {
	s := fmt.Sprintf("%v", v)
	if _, ok := v.(string); ok {
		s = fmt.Sprintf("%q", v)
	}
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return s
}
