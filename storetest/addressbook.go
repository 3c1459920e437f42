package storetest

import (
	"context"
	"errors"
	"math/big"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// BookAuditStore is an adapter that holds the address book and the audit
// log.
type BookAuditStore interface {
	policy.BookStore
	audit.Store
}

// bookTOML is the book of the suite: entries for every chain and for one
// chain, several kinds, limits on ETH and a token.
const bookTOML = `
[[entry]]
address = "0x3Cc3A225769900e003E264dd4CB43E90896BC21A"
label = "Bob (OTC desk)"
kinds = ["recipient", "counterparty"]

[[entry]]
address = "0x3Cc3A225769900e003E264dd4CB43E90896BC21A"
label = "Bob on Sepolia"
kinds = ["recipient"]
chain_id = 11155111

[[entry]]
address = "0x1111111254EEB25477B68fb85Ed929f73A960582"
label = "1inch router v5 — «swap»"
kinds = ["spender"]

[[limit]]
safe = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
asset = "ETH"
amount = "100000000000000000000"
period = "24h"

[[limit]]
safe = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
chain_id = 1
asset = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
amount = "115792089237316195423570985008687907853269984665640564039457584007913129639935"
period = "7d"
`

// BookStore runs the conformance suite for policy.BookStore on an adapter
// that also holds the audit log: an empty store has version 0 and an
// empty book; a book changed with policy.ChangeBook inside audit.Log.Do
// reads back with the same content, digest, version, changer, time and
// audit entry; versions follow each other, a stale If-Match version and
// a version that does not follow are ECONFLICT (also when several
// goroutines change the book from the same version: exactly one wins),
// with nothing stored; a change that fails rolls back with its entry;
// an unchanged book is not stored again; bad records are EINVALID. open
// must return a fresh, empty store closed when t ends.
func BookStore(t *testing.T, open func(t *testing.T) BookAuditStore) {
	t.Helper()
	ctx := context.Background()
	book, err := policy.ParseAddressBookData("suite.toml", []byte(bookTOML))
	if err != nil {
		t.Fatal(err)
	}
	change := func(t *testing.T, s BookAuditStore, actor string, ifMatch *int64, edit policy.BookEdit) (*policy.BookChange, *audit.Entry, error) {
		t.Helper()
		var c *policy.BookChange
		e, err := (&audit.Log{Store: s}).Do(ctx, func(ctx context.Context) (audit.Event, error) {
			var err error
			if c, err = policy.ChangeBook(ctx, s, actor, ifMatch, edit); err != nil {
				return audit.Event{}, err
			}
			return audit.Event{Actor: actor, Action: policy.ActionBookSet, Target: c.Target(), Details: c.Details()}, nil
		})
		return c, e, err
	}
	current := func(t *testing.T, s BookAuditStore) *policy.StoredBook {
		t.Helper()
		b, err := s.StoredAddressBook(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	head := func(t *testing.T, s BookAuditStore) int64 {
		t.Helper()
		h, err := s.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return h.Seq
	}
	v := func(n int64) *int64 { return &n }

	t.Run("BookEmpty", func(t *testing.T) {
		t.Parallel()
		b := current(t, open(t))
		if b.Version != 0 || b.Book == nil || b.Book.Len() != 0 || len(b.Book.Limits()) != 0 {
			t.Fatalf("empty store: version %d, book %+v", b.Version, b.Book)
		}
	})

	t.Run("BookRoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		before := time.Now().Add(-time.Second)
		c, e, err := change(t, s, "cli:alice", v(0), policy.ReplaceBook(book))
		if err != nil {
			t.Fatal(err)
		}
		got := current(t, s)
		if got.Version != 1 || got.ChangedBy != "cli:alice" || got.AuditSeq != e.Seq || c.After.Version != 1 {
			t.Fatalf("stored version %d by %q entry %d; want 1 by cli:alice entry %d", got.Version, got.ChangedBy, got.AuditSeq, e.Seq)
		}
		if got.ChangedAt.Location() != time.UTC || got.ChangedAt.Before(before) || got.ChangedAt.After(time.Now().Add(time.Second)) {
			t.Errorf("changedAt %v", got.ChangedAt)
		}
		if got.Book.Digest != book.Digest || !reflect.DeepEqual(got.Book.Doc(), book.Doc()) {
			t.Fatalf("read back %s %+v\nwant %s %+v", got.Book.Digest, got.Book.Doc(), book.Digest, book.Doc())
		}
		if e, ok := got.Book.Lookup(big.NewInt(11155111), common.HexToAddress("0x3Cc3A225769900e003E264dd4CB43E90896BC21A")); !ok || e.Label != "Bob on Sepolia" {
			t.Errorf("lookup on Sepolia: %+v %v", e, ok)
		}
		if ls := got.Book.Limits(); len(ls) != 2 || ls[0].Name == "" || ls[1].Amount.Cmp(book.Limits()[1].Amount) != 0 {
			t.Errorf("limits %+v", ls)
		}
		if got.Book.Source != policy.StoredBookSource(1) {
			t.Errorf("source %q", got.Book.Source)
		}
	})

	t.Run("BookVersionsAndConflicts", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if _, _, err := change(t, s, "cli:alice", nil, policy.ReplaceBook(book)); err != nil {
			t.Fatal(err)
		}
		seq := head(t, s)
		extra := policy.AddressEntry{Address: common.HexToAddress(safeB), Label: "Treasury 2", Kinds: []policy.EntryKind{policy.KindOwnContract}}
		for _, tc := range []struct {
			name    string
			ifMatch *int64
			edit    policy.BookEdit
			code    string
		}{
			{"stale If-Match", v(0), policy.AddEntry(extra), bulwark.ECONFLICT},
			{"entry already listed", v(1), policy.AddEntry(policy.AddressEntry{Address: common.HexToAddress("0x3Cc3A225769900e003E264dd4CB43E90896BC21A"), Label: "x", Kinds: []policy.EntryKind{policy.KindRecipient}}), bulwark.ECONFLICT},
			{"nothing to remove", nil, policy.RemoveEntry(common.HexToAddress(safeA), nil), bulwark.ENOTFOUND},
			{"no entry on that chain", nil, policy.RemoveEntry(common.HexToAddress("0x1111111254EEB25477B68fb85Ed929f73A960582"), big.NewInt(1)), bulwark.ENOTFOUND},
		} {
			if _, _, err := change(t, s, "cli:bob", tc.ifMatch, tc.edit); bulwark.ErrorCode(err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			}
		}
		if got := current(t, s); got.Version != 1 || head(t, s) != seq {
			t.Fatalf("after refused changes: version %d, audit head %d; want 1, %d", got.Version, head(t, s), seq)
		}
		c, _, err := change(t, s, "cli:bob", v(1), policy.AddEntry(extra))
		if err != nil || c.After.Version != 2 || len(c.Diff.Added) != 1 || c.Diff.Added[0].Address != extra.Address.Hex() {
			t.Fatalf("add: %+v, %v", c, err)
		}
		c, _, err = change(t, s, "cli:bob", nil, policy.RemoveEntry(common.HexToAddress("0x3Cc3A225769900e003E264dd4CB43E90896BC21A"), big.NewInt(11155111)))
		if err != nil || c.After.Version != 3 || len(c.Diff.Removed) != 1 || c.Diff.Removed[0].Label != "Bob on Sepolia" {
			t.Fatalf("remove: %+v, %v", c, err)
		}
		got := current(t, s)
		if got.Version != 3 || got.Book.Len() != 3 || got.ChangedBy != "cli:bob" || got.Book.Digest != got.Book.ContentDigest() {
			t.Fatalf("version %d, %d entries, by %q", got.Version, got.Book.Len(), got.ChangedBy)
		}
		// The same content again: no new version, no entry.
		seq = head(t, s)
		if _, e, err := change(t, s, "cli:bob", nil, policy.ReplaceBook(got.Book)); err != nil || e != nil || head(t, s) != seq || current(t, s).Version != 3 {
			t.Fatalf("unchanged: entry %v, %v; version %d", e, err, current(t, s).Version)
		}
		// A version that does not follow the stored one.
		b := *got
		b.Version, b.AuditSeq, b.ChangedAt = 3, 99, time.Now()
		if err := s.PutAddressBook(ctx, b); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Errorf("PutAddressBook of version 3 over 3: %v, want conflict", err)
		}
	})

	t.Run("BookRollsBackWithEntry", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		boom := errors.New("boom")
		_, err := (&audit.Log{Store: s}).Do(ctx, func(ctx context.Context) (audit.Event, error) {
			if _, err := policy.ChangeBook(ctx, s, "cli:alice", nil, policy.ReplaceBook(book)); err != nil {
				return audit.Event{}, err
			}
			return audit.Event{}, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Do = %v", err)
		}
		if got := current(t, s); got.Version != 0 || got.Book.Len() != 0 || head(t, s) != 0 {
			t.Fatalf("after rollback: version %d, %d entries, audit head %d", got.Version, got.Book.Len(), head(t, s))
		}
		if _, err := policy.ChangeBook(ctx, s, "cli:alice", nil, policy.ReplaceBook(book)); bulwark.ErrorCode(err) != bulwark.EINTERNAL {
			t.Errorf("ChangeBook outside an audited change: %v, want internal", err)
		}
	})

	t.Run("BookInvalid", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		good := policy.StoredBook{Book: book, Version: 1, ChangedBy: "cli:alice", ChangedAt: time.Now(), AuditSeq: 1}
		tampered, err := policy.ParseAddressBookData("t.toml", []byte(bookTOML))
		if err != nil {
			t.Fatal(err)
		}
		tampered.Digest = book.Digest[:63] + "0"
		if tampered.Digest == book.Digest {
			tampered.Digest = book.Digest[:63] + "1"
		}
		for name, mut := range map[string]func(*policy.StoredBook){
			"no book":    func(b *policy.StoredBook) { b.Book = nil },
			"version 0":  func(b *policy.StoredBook) { b.Version = 0 },
			"no changer": func(b *policy.StoredBook) { b.ChangedBy = "" },
			"no time":    func(b *policy.StoredBook) { b.ChangedAt = time.Time{} },
			"no entry":   func(b *policy.StoredBook) { b.AuditSeq = 0 },
			"wrong hash": func(b *policy.StoredBook) { b.Book = tampered },
		} {
			b := good
			mut(&b)
			if err := s.PutAddressBook(ctx, b); bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		if got := current(t, s); got.Version != 0 {
			t.Fatalf("a refused book was stored: version %d", got.Version)
		}
	})

	t.Run("BookConcurrentChanges", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		const workers = 6
		var wg sync.WaitGroup
		errs := make([]error, workers)
		for i := range workers {
			wg.Go(func() {
				e := policy.AddressEntry{Address: common.BigToAddress(big.NewInt(int64(1000 + i))), Label: "worker", Kinds: []policy.EntryKind{policy.KindRecipient}}
				_, _, errs[i] = change(t, s, "cli:w", v(0), policy.AddEntry(e))
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case bulwark.ErrorCode(err) != bulwark.ECONFLICT:
				t.Errorf("change: %v, want nil or conflict", err)
			}
		}
		if got := current(t, s); won != 1 || got.Version != 1 || got.Book.Len() != 1 || head(t, s) != 1 {
			t.Fatalf("%d won; version %d, %d entries, audit head %d; want 1, 1, 1, 1", won, got.Version, got.Book.Len(), head(t, s))
		}
	})
}
