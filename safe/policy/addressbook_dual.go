package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
)

// Lowered returns the limit changes of d after which the policy holds
// less: limits removed, and limits whose amount was raised.
func (d BookDiff) Lowered() (removed []LimitDoc, raised []LimitChange) {
	removed = append(removed, d.LimitsRemoved...)
	for _, c := range d.LimitsChanged {
		before, ok1 := new(big.Int).SetString(c.Before.Amount, 10)
		after, ok2 := new(big.Int).SetString(c.After.Amount, 10)
		if !ok1 || !ok2 || after.Cmp(before) > 0 {
			raised = append(raised, c)
		}
	}
	return removed, raised
}

// BookChangeHold is the input of an address-book change held for dual
// control (approval.ThresholdLower): the book to store and the version
// it replaces.
type BookChangeHold struct {
	// Version is the stored version the change was asked against; the
	// approved change applies only to it.
	Version int64 `json:"version"`
	// Action is the audit action of the change (ActionBookSet, …).
	Action string `json:"action"`
	// Book is the book to store.
	Book json.RawMessage `json:"book"`
}

// Edit returns the change h holds: the whole book replaced, at h.Version.
func (h BookChangeHold) Edit() (BookEdit, *int64, error) {
	b, _, err := ParseBookDocJSON("book", h.Book)
	if err != nil {
		return nil, nil, err
	}
	v := h.Version
	return ReplaceBook(b), &v, nil
}

func limitText(l LimitDoc) string {
	chain := "every chain"
	if l.ChainID != nil {
		chain = fmt.Sprintf("chain %d", *l.ChainID)
	}
	return fmt.Sprintf("Safe %s on %s, %s: %s per %s", l.Safe, chain, l.Asset, l.Amount, l.Period)
}

// GuardBookChange asks gate before edit is applied to the stored book as
// actor when the change lowers a value limit (removes one, or raises its
// amount): it returns the gate's EPENDING error, and nil when the change
// lowers no limit, when gate is nil, or when ctx carries the grant of the
// approved change. Callers call it before the audited change
// (ChangeBook), which runs inside the audit transaction that the gate
// cannot join. An edit that fails is left to ChangeBook to report.
func GuardBookChange(ctx context.Context, gate approval.Gate, store BookStore, actor, action string, ifMatch *int64, edit BookEdit) error {
	if gate == nil {
		return nil
	}
	cur, err := store.StoredAddressBook(ctx)
	if err != nil {
		return err
	}
	if ifMatch != nil && *ifMatch != cur.Version {
		return nil // ChangeBook refuses it
	}
	next, err := edit(cur.Book)
	if err != nil {
		return nil
	}
	if next, err = storedBook(cur.Version+1, next.Entries(), next.Limits()); err != nil {
		return nil
	}
	removed, raised := DiffBooks(cur.Book, next).Lowered()
	if len(removed)+len(raised) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Lower the Safe value limits of the address book (version %d, sha256 %s): transfers over the old amounts are no longer held for review.\n", cur.Version, cur.Book.Digest)
	for _, l := range removed {
		fmt.Fprintf(&b, "- remove limit: %s\n", limitText(l))
	}
	for _, c := range raised {
		fmt.Fprintf(&b, "- raise limit: %s -> %s\n", limitText(c.Before), c.After.Amount)
	}
	fmt.Fprintf(&b, "New book: sha256 %s, %d entries, %d limits\n", next.Digest, len(next.Entries()), len(next.Limits()))
	raw, err := json.Marshal(next.Doc())
	if err != nil {
		return bulwark.Wrap(err, bulwark.EINTERNAL, "cannot keep the address book for its approval")
	}
	return gate.Check(ctx, approval.Hold{Action: approval.ThresholdLower, Subject: fmt.Sprintf("address-book:v%d", cur.Version),
		Summary: b.String(), Actor: actor, Payload: BookChangeHold{Version: cur.Version, Action: action, Book: raw}})
}
