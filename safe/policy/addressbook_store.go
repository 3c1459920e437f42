package policy

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

// StoredBook is the address book kept in the store: its entries and
// limits (Book), its version (1 for the first book stored, one more at
// every change; 0 when none was ever stored, with an empty Book), who
// changed it last, when, and the audit entry of that change.
type StoredBook struct {
	Book      *AddressBook
	Version   int64
	ChangedBy string
	ChangedAt time.Time
	AuditSeq  int64
}

// BookAnswer is an address book as the API and 'bulwark safe address-book
// --json' answer it: the book with its version, digest and last change,
// where the book in force comes from (the API only), and for a change
// what changed and its audit entry.
type BookAnswer struct {
	Version   int64      `json:"version"`
	Digest    string     `json:"digest"`
	Source    string     `json:"source"`
	InForce   string     `json:"inForce,omitempty"`
	ChangedBy string     `json:"changedBy,omitempty"`
	ChangedAt *time.Time `json:"changedAt,omitempty"`
	BookDoc
	Changes   *BookDiff `json:"changes,omitempty"`
	Unchanged bool      `json:"unchanged,omitempty"`
	AuditSeq  int64     `json:"auditSeq,omitempty"`
}

// Answer returns b as a BookAnswer, without a change (no Changes,
// AuditSeq 0); ChangedAt is set once a book was stored.
func (b *StoredBook) Answer() BookAnswer {
	a := BookAnswer{Version: b.Version, Digest: b.Book.Digest, Source: b.Book.Source, ChangedBy: b.ChangedBy, BookDoc: b.Book.Doc()}
	if b.Version > 0 {
		at := b.ChangedAt
		a.ChangedAt = &at
	}
	return a
}

// StoredBookSource is the Source of the store's book at version v.
func StoredBookSource(v int64) string { return fmt.Sprintf("store (version %d)", v) }

// storedLimitSource names the limits of the store's book.
const storedLimitSource = "the stored address book"

// BookStore keeps the organisation's address book.
//
// A store adapter that also holds the audit log joins the write
// transaction that audit.Log.Do hands its change, so a change of the
// book and its audit entry commit together or not at all.
type BookStore interface {
	// StoredAddressBook returns the stored book, with its version,
	// digest (Book.Digest: its ContentDigest) and who changed it when;
	// version 0 and an empty book when none was ever stored. A stored
	// book that no longer has the digest it was stored with is
	// EINTERNAL.
	StoredAddressBook(ctx context.Context) (*StoredBook, error)
	// PutAddressBook replaces the stored book with b.Book as version
	// b.Version, which must be one more than the stored version, else
	// ECONFLICT and nothing changes. A record without book, changer, time
	// or audit entry, or whose Book.Digest is not its content's, is
	// EINVALID.
	PutAddressBook(ctx context.Context, b StoredBook) error
}

// Check checks a StoredBook before it is stored.
func (s StoredBook) Check() error {
	switch {
	case s.Book == nil:
		return bulwark.Invalid("book", "required")
	case s.Version < 1:
		return bulwark.Invalid("version", "must be 1 or more")
	case s.ChangedBy == "":
		return bulwark.Invalid("changedBy", "required: who changed the address book")
	case s.ChangedAt.IsZero():
		return bulwark.Invalid("changedAt", "required")
	case s.AuditSeq < 1:
		return bulwark.Invalid("auditSeq", "required: the audit entry of the change")
	case s.Book.Digest != s.Book.ContentDigest():
		return bulwark.Invalid("digest", "%q is not the digest of the book's content", s.Book.Digest)
	}
	return nil
}

// NewStoredBook rebuilds a stored book from its entries and limits (in
// canonical order, as Doc gives them) with the checks every book passes,
// for a store adapter reading it back. digest is the digest it was stored
// with: a book whose content no longer has it is EINTERNAL.
func NewStoredBook(version int64, entries []AddressEntry, limits []Limit, digest string) (*AddressBook, error) {
	b, err := storedBook(version, entries, limits)
	if err != nil {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "the stored address book (version %d) is not valid: %v", version, err)
	}
	if version > 0 && b.Digest != digest {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "the stored address book (version %d) has digest %s, not %s, the digest it was stored with: it was altered outside bulwark", version, b.Digest, digest)
	}
	return b, nil
}

// storedBook builds the store's book at version: its limits in
// canonical order and named by it, its source and digest the store's.
func storedBook(version int64, entries []AddressEntry, limits []Limit) (*AddressBook, error) {
	b, err := NewAddressBook(entries)
	if err != nil {
		return nil, err
	}
	for i, l := range canonicalLimits(limits) {
		// A period is stored in whole seconds: one with a fraction of a
		// second would not read back with the digest it was stored with.
		if l.Amount == nil || l.Amount.Sign() <= 0 || l.Period < MinLimitPeriod || l.Period > MaxLimitPeriod || l.Period%time.Second != 0 {
			return nil, fmt.Errorf("limit %d (%s) is out of bounds", i+1, l)
		}
		l.Name = fmt.Sprintf("limit %d of %s", i+1, storedLimitSource)
		b.limits = append(b.limits, l)
	}
	b.Source = StoredBookSource(version)
	b.Digest = b.ContentDigest()
	return b, nil
}

// EntryChange is an entry whose label or kinds changed.
type EntryChange struct {
	Before EntryDoc `json:"before"`
	After  EntryDoc `json:"after"`
}

// LimitChange is a limit whose amount changed.
type LimitChange struct {
	Before LimitDoc `json:"before"`
	After  LimitDoc `json:"after"`
}

// BookDiff is what changed from one book to another: entries (an address
// on a chain) added, removed or changed, limits (a Safe, chain, asset and
// period) added, removed or changed.
type BookDiff struct {
	Added         []EntryDoc    `json:"added"`
	Removed       []EntryDoc    `json:"removed"`
	Changed       []EntryChange `json:"changed"`
	LimitsAdded   []LimitDoc    `json:"limitsAdded"`
	LimitsRemoved []LimitDoc    `json:"limitsRemoved"`
	LimitsChanged []LimitChange `json:"limitsChanged"`
	// RecipientChecks are the chains where the change turns the check of
	// recipients (RECIPIENT_NOT_LISTED) on or off: it is on where the
	// book lists a recipient for that chain or for every chain.
	RecipientChecks []RecipientCheckChange `json:"recipientChecks"`
}

// RecipientCheckChange says that a change turns the check of recipients
// on or off: for one chain (ChainID), or for every chain the book has no
// recipient of its own for (ChainID nil).
type RecipientCheckChange struct {
	ChainID *int64 `json:"chainId,omitempty"`
	Checked bool   `json:"checked"`
	Detail  string `json:"detail"`
}

// recipientCheckChanges lists where the check of recipients turns on or
// off from old to next: every chain first, then by chain id.
func recipientCheckChanges(old, next *AddressBook) []RecipientCheckChange {
	out := []RecipientCheckChange{}
	add := func(id *big.Int, before, after bool) {
		if before == after {
			return
		}
		where := "on every chain without recipients of its own"
		if id != nil {
			where = "on chain " + id.String()
		}
		d := "recipients are now checked " + where + ": a payment to an address the book does not list as a recipient is RECIPIENT_NOT_LISTED"
		if !after {
			d = "recipients are NO LONGER checked " + where + ": the book lists no recipient there, so RECIPIENT_NOT_LISTED is off and a payment goes to any address"
		}
		out = append(out, RecipientCheckChange{ChainID: chainDoc(id), Checked: after, Detail: d})
	}
	add(nil, old.recipients(nil) > 0, next.recipients(nil) > 0)
	chains := map[string]*big.Int{}
	for _, b := range []*AddressBook{old, next} {
		for _, e := range b.Entries() {
			if e.ChainID != nil && e.Is(KindRecipient) {
				chains[e.ChainID.String()] = e.ChainID
			}
		}
	}
	ids := make([]*big.Int, 0, len(chains))
	for _, id := range chains {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b *big.Int) int { return a.Cmp(b) })
	for _, id := range ids {
		before, after := old.recipients(id) > 0, next.recipients(id) > 0
		if old.recipients(nil) > 0 != (next.recipients(nil) > 0) {
			// Told for every chain above; a chain is named only when
			// it goes another way than every chain.
			if after == (next.recipients(nil) > 0) {
				continue
			}
		}
		add(id, before, after)
	}
	return out
}

// Empty reports whether nothing changed.
func (d BookDiff) Empty() bool {
	return len(d.Added)+len(d.Removed)+len(d.Changed)+len(d.LimitsAdded)+len(d.LimitsRemoved)+len(d.LimitsChanged) == 0
}

// DiffBooks returns what changed from old to next (either may be nil:
// empty), in Doc order.
func DiffBooks(old, next *AddressBook) BookDiff {
	d := BookDiff{Added: []EntryDoc{}, Removed: []EntryDoc{}, Changed: []EntryChange{},
		LimitsAdded: []LimitDoc{}, LimitsRemoved: []LimitDoc{}, LimitsChanged: []LimitChange{},
		RecipientChecks: recipientCheckChanges(old, next)}
	entryKey := func(e AddressEntry) string { return e.Address.Hex() + chainText(e.ChainID) }
	was := map[string]AddressEntry{}
	for _, e := range old.Entries() {
		was[entryKey(e)] = e
	}
	now := map[string]bool{}
	for _, e := range next.Entries() {
		k := entryKey(e)
		now[k] = true
		o, ok := was[k]
		switch {
		case !ok:
			d.Added = append(d.Added, DocOf(e))
		case o.Label != e.Label || !slices.Equal(o.Kinds, e.Kinds):
			d.Changed = append(d.Changed, EntryChange{Before: DocOf(o), After: DocOf(e)})
		}
	}
	for _, e := range old.Entries() {
		if !now[entryKey(e)] {
			d.Removed = append(d.Removed, DocOf(e))
		}
	}
	oldLimits, nextLimits := canonicalLimits(old.Limits()), canonicalLimits(next.Limits())
	for _, l := range nextLimits {
		switch i := sameLimit(oldLimits, l); {
		case i < 0:
			d.LimitsAdded = append(d.LimitsAdded, LimitDocOf(l))
		case oldLimits[i].Amount.Cmp(l.Amount) != 0:
			d.LimitsChanged = append(d.LimitsChanged, LimitChange{Before: LimitDocOf(oldLimits[i]), After: LimitDocOf(l)})
		}
	}
	for _, l := range oldLimits {
		if sameLimit(nextLimits, l) < 0 {
			d.LimitsRemoved = append(d.LimitsRemoved, LimitDocOf(l))
		}
	}
	return d
}

// The audit actions of the changes of the stored book: the whole book
// replaced, an entry added, entries removed.
const (
	ActionBookSet    = "safe.addressbook.set"
	ActionBookAdd    = "safe.addressbook.add"
	ActionBookRemove = "safe.addressbook.remove"
)

// BookActions lists them.
var BookActions = []string{ActionBookSet, ActionBookAdd, ActionBookRemove}

// ErrBookUnchanged, from ChangeBook, says the change leaves the book as
// it is: nothing is stored (no new version) and, under audit.Log.Do,
// nothing is audited (it wraps audit.ErrUnchanged).
var ErrBookUnchanged = fmt.Errorf("the address book already has this content: %w", audit.ErrUnchanged)

// BookEdit is one change of the stored book: the next book, given the
// current one.
type BookEdit func(cur *AddressBook) (*AddressBook, error)

// ReplaceBook replaces the whole book with next (checked already, by
// ParseAddressBookData or ParseAddressBookJSON).
func ReplaceBook(next *AddressBook) BookEdit {
	return func(*AddressBook) (*AddressBook, error) { return next, nil }
}

// AddEntry adds e. An entry for the same address and chain (or both for
// every chain) is ECONFLICT: remove it first, or replace the whole book.
func AddEntry(e AddressEntry) BookEdit {
	return func(cur *AddressBook) (*AddressBook, error) {
		for _, o := range cur.Entries() {
			if o.Address == e.Address && sameChain(o.ChainID, e.ChainID) {
				return nil, bulwark.Errorf(bulwark.ECONFLICT, "address %s is already in the address book as %s%s: remove it first, or replace the whole book", e.Address.Hex(), o, chainText(o.ChainID))
			}
		}
		if j := sameLabel(cur.Entries(), e); j >= 0 {
			o := cur.Entries()[j]
			return nil, bulwark.Errorf(bulwark.EINVALID, "label %q reads as %q, the label of %s, ignoring case and spaces: give each address a label of its own", e.Label, o.Label, o.Address.Hex())
		}
		if cur.Len() >= MaxAddressBookEntries {
			return nil, bulwark.Errorf(bulwark.EINVALID, "the address book holds %d entries, the most allowed", cur.Len())
		}
		return withEntries(cur, append(cur.Entries(), e))
	}
}

// RemoveEntry removes the entries of address a: the one for chain
// chainID, or with chainID nil every entry of a (for every chain and
// per chain). Nothing to remove is ENOTFOUND.
func RemoveEntry(a common.Address, chainID *big.Int) BookEdit {
	return func(cur *AddressBook) (*AddressBook, error) {
		es := cur.Entries()
		kept := slices.DeleteFunc(slices.Clone(es), func(e AddressEntry) bool {
			return e.Address == a && (chainID == nil || e.ChainID != nil && e.ChainID.Cmp(chainID) == 0)
		})
		if len(kept) == len(es) {
			where := ""
			if chainID != nil {
				where = " on chain " + chainID.String()
			}
			return nil, bulwark.Errorf(bulwark.ENOTFOUND, "address %s has no entry%s in the address book", a.Hex(), where)
		}
		return withEntries(cur, kept)
	}
}

// withEntries is cur with entries es and cur's limits.
func withEntries(cur *AddressBook, es []AddressEntry) (*AddressBook, error) {
	b, err := NewAddressBook(es)
	if err != nil {
		return nil, bulwark.Errorf(bulwark.EINVALID, "%v", err)
	}
	b.limits = cur.Limits()
	return b, nil
}

// BookChange is a change of the stored book: the book before and after,
// and what changed.
type BookChange struct {
	Before, After *StoredBook
	Diff          BookDiff
}

// Details are the audit details of the change: the versions and
// digests before and after, and what changed.
func (c *BookChange) Details() map[string]any {
	return map[string]any{
		"version": c.After.Version, "digest": c.After.Book.Digest,
		"previousVersion": c.Before.Version, "previousDigest": c.Before.Book.Digest,
		"entries": c.After.Book.Len(), "limits": len(c.After.Book.Limits()),
		"added": c.Diff.Added, "removed": c.Diff.Removed, "changed": c.Diff.Changed,
		"limitsAdded": c.Diff.LimitsAdded, "limitsRemoved": c.Diff.LimitsRemoved, "limitsChanged": c.Diff.LimitsChanged,
		"recipientChecks": c.Diff.RecipientChecks,
	}
}

// Target is the audit target of the change.
func (c *BookChange) Target() string {
	return fmt.Sprintf("address-book:v%d", c.After.Version)
}

// ChangeBook applies edit to the stored book as actor and stores the
// result as the next version. Call it inside audit.Log.Do (the change
// and its entry then commit together; the stored book names the entry):
// outside it, it is EINTERNAL. With ifMatch set, a stored version other
// than *ifMatch is ECONFLICT (someone changed the book since it was
// read). A result with the same content as the stored book is
// ErrBookUnchanged.
func ChangeBook(ctx context.Context, store BookStore, actor string, ifMatch *int64, edit BookEdit) (*BookChange, error) {
	seq, ok := audit.PendingSeq(ctx)
	if !ok {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "the address book is changed only inside an audited change")
	}
	cur, err := store.StoredAddressBook(ctx)
	if err != nil {
		return nil, err
	}
	if ifMatch != nil && *ifMatch != cur.Version {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "the address book is at version %d, not %d: someone changed it since you read it; read it again and retry", cur.Version, *ifMatch)
	}
	next, err := edit(cur.Book)
	if err != nil {
		return nil, err
	}
	if next, err = storedBook(cur.Version+1, next.Entries(), next.Limits()); err != nil {
		return nil, bulwark.Errorf(bulwark.EINVALID, "%v", err)
	}
	diff := DiffBooks(cur.Book, next)
	if diff.Empty() {
		return &BookChange{Before: cur, After: cur, Diff: diff}, ErrBookUnchanged
	}
	after := &StoredBook{Book: next, Version: cur.Version + 1, ChangedBy: actor, ChangedAt: time.Now().UTC(), AuditSeq: seq}
	if err := store.PutAddressBook(ctx, *after); err != nil {
		return nil, err
	}
	return &BookChange{Before: cur, After: after, Diff: diff}, nil
}

// LiveBook holds the address book in force where it can change while
// Bulwark runs (the store's book under serve): each decision reads the
// book once (Policy.Snapshot) and keeps it to the end, so a change takes
// effect at the next decision, never in the middle of one. A book of the
// store only moves forward (Advance): a reader that read an older version
// before a newer one was put in force cannot put it back. The zero
// LiveBook holds no book.
type LiveBook struct {
	p atomic.Pointer[liveBook]
}

type liveBook struct {
	book    *AddressBook
	version int64
}

// Load returns the book in force (nil: none).
func (l *LiveBook) Load() *AddressBook {
	if c := l.p.Load(); c != nil {
		return c.book
	}
	return nil
}

// Version returns the store's version of the book in force (0: none, or
// a book not from the store).
func (l *LiveBook) Version() int64 {
	if c := l.p.Load(); c != nil {
		return c.version
	}
	return 0
}

// Store makes b the book in force, whatever was in force (a book not
// from the store: the file of serve --address-book).
func (l *LiveBook) Store(b *AddressBook) { l.p.Store(&liveBook{book: b}) }

// Advance makes b, the store's book at version, the book in force when
// version is newer than the book in force's, and reports whether it did:
// an older or the same version leaves the book in force as it is.
func (l *LiveBook) Advance(version int64, b *AddressBook) bool {
	next := &liveBook{book: b, version: version}
	for {
		cur := l.p.Load()
		if cur != nil && cur.version >= version {
			return false
		}
		if l.p.CompareAndSwap(cur, next) {
			return true
		}
	}
}

// Snapshot returns p with the book in force now: with p.Live set, its
// book as AddressBook (and Live cleared); otherwise p as it is. The
// screener is pinned to the lists in force now too (PinScreener).
func (p Policy) Snapshot() Policy {
	if p.Live != nil {
		p.AddressBook, p.Live = p.Live.Load(), nil
	}
	p.Screener = PinScreener(p.Screener)
	return p
}
