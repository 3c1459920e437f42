package policy

import (
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"
)

// EntryKind says what an address-book entry is to the organisation.
type EntryKind string

// Entry kinds.
const (
	// KindOwnContract is a contract the organisation deployed or runs (its
	// protocol's contracts, its own Safes, timelocks, proxy admins).
	KindOwnContract EntryKind = "own-contract"
	// KindCounterparty is an organisation it deals with (an exchange, an
	// OTC desk, a market maker).
	KindCounterparty EntryKind = "counterparty"
	// KindSpender is a contract allowed to receive token allowances (a DEX
	// router, Permit2, a lending pool).
	KindSpender EntryKind = "spender"
	// KindRecipient is an address allowed to receive funds.
	KindRecipient EntryKind = "recipient"
)

// EntryKinds lists the kinds an entry may have.
var EntryKinds = []EntryKind{KindOwnContract, KindCounterparty, KindSpender, KindRecipient}

// AddressEntry is one address the organisation knows.
type AddressEntry struct {
	Address common.Address
	// ChainID limits the entry to one chain; nil means every chain.
	ChainID *big.Int
	Label   string
	// Kinds are sorted and distinct.
	Kinds []EntryKind
}

// Is reports whether the entry has kind k.
func (e AddressEntry) Is(k EntryKind) bool { return slices.Contains(e.Kinds, k) }

// String renders the entry as a finding names it: "Label" (kinds).
func (e AddressEntry) String() string {
	ks := make([]string, len(e.Kinds))
	for i, k := range e.Kinds {
		ks[i] = string(k)
	}
	return fmt.Sprintf("%q (%s)", e.Label, strings.Join(ks, ", "))
}

// AddressBook is an organisation's list of the addresses it knows: its own
// contracts, counterparties, allowed spenders and recipients, with labels.
// Under a [Policy] it names call targets (ADDRESS_BOOK_TARGET instead of
// UNKNOWN_TARGET), lets approvals to listed spenders through as info, and
// says of every new owner, implementation, admin, role holder or spender
// whether it is in the book. A lookup does not depend on the order the
// entries were written in. The zero AddressBook and a nil one are empty.
type AddressBook struct {
	// byAddr holds each address's entries: at most one for every chain
	// (ChainID nil) and one per chain id.
	byAddr map[common.Address][]AddressEntry
	n      int
	// recipientsAll counts the entries of kind recipient for every chain,
	// recipientsOn those for one chain, by chain id.
	recipientsAll int
	recipientsOn  map[string]int
	// limits are the file's [[limit]] tables, in file order.
	limits []Limit
	// Source names where the book was read from (a file name); Digest is
	// the SHA-256 of its content, recorded with every verdict.
	Source string
	Digest string
}

// NewAddressBook builds a book from entries. Two entries for the same
// address and chain (or both for every chain) are an error naming both.
func NewAddressBook(entries []AddressEntry) (*AddressBook, error) {
	b := &AddressBook{byAddr: map[common.Address][]AddressEntry{}}
	for i, e := range entries {
		for _, o := range b.byAddr[e.Address] {
			if sameChain(o.ChainID, e.ChainID) {
				return nil, fmt.Errorf("entry %d (%q): address %s is already listed as %q%s", i+1, e.Label, e.Address.Hex(), o.Label, chainText(e.ChainID))
			}
		}
		e.Kinds = slices.Clone(e.Kinds)
		slices.Sort(e.Kinds)
		e.Kinds = slices.Compact(e.Kinds)
		b.byAddr[e.Address] = append(b.byAddr[e.Address], e)
		b.n++
		switch {
		case !e.Is(KindRecipient):
		case e.ChainID == nil:
			b.recipientsAll++
		default:
			if b.recipientsOn == nil {
				b.recipientsOn = map[string]int{}
			}
			b.recipientsOn[e.ChainID.String()]++
		}
	}
	return b, nil
}

func sameChain(a, b *big.Int) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Cmp(b) == 0
}

func chainText(id *big.Int) string {
	if id == nil {
		return " for every chain"
	}
	return " on chain " + id.String()
}

// Len is the number of entries.
func (b *AddressBook) Len() int {
	if b == nil {
		return 0
	}
	return b.n
}

// Lookup returns the entry for a on chain chainID: the entry for that
// chain if there is one, else the entry for every chain. With chainID nil
// (chain unknown) only an entry for every chain matches.
func (b *AddressBook) Lookup(chainID *big.Int, a common.Address) (AddressEntry, bool) {
	if b == nil {
		return AddressEntry{}, false
	}
	var any *AddressEntry
	for i, e := range b.byAddr[a] {
		switch {
		case e.ChainID == nil:
			any = &b.byAddr[a][i]
		case chainID != nil && e.ChainID.Cmp(chainID) == 0:
			return e, true
		}
	}
	if any != nil {
		return *any, true
	}
	return AddressEntry{}, false
}

// Entries returns the entries ordered by address, then chain (every chain
// first).
func (b *AddressBook) Entries() []AddressEntry {
	if b == nil {
		return nil
	}
	var out []AddressEntry
	for _, es := range b.byAddr {
		out = append(out, es...)
	}
	slices.SortFunc(out, func(x, y AddressEntry) int {
		if c := x.Address.Cmp(y.Address); c != 0 {
			return c
		}
		switch {
		case x.ChainID == nil:
			return -1
		case y.ChainID == nil:
			return 1
		}
		return x.ChainID.Cmp(y.ChainID)
	})
	return out
}

// Limits returns the value limits read with the book (the file's [[limit]]
// tables), in file order.
func (b *AddressBook) Limits() []Limit {
	if b == nil {
		return nil
	}
	return slices.Clone(b.limits)
}
