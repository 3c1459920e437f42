package policy_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// holdRecorder is a gate that holds everything and keeps what it was
// asked.
type holdRecorder struct{ holds []approval.Hold }

func (g *holdRecorder) Check(_ context.Context, h approval.Hold) error {
	g.holds = append(g.holds, h)
	return bulwark.Errorf(bulwark.EPENDING, "held")
}

// memBook is a stored book in memory.
type memBook struct{ cur *policy.StoredBook }

func (m *memBook) StoredAddressBook(context.Context) (*policy.StoredBook, error) { return m.cur, nil }
func (m *memBook) PutAddressBook(_ context.Context, b policy.StoredBook) error {
	m.cur = &b
	return nil
}

func bookWithLimits(t *testing.T, limits string) *policy.AddressBook {
	t.Helper()
	b, err := policy.ParseAddressBookData("book.toml", []byte(limits))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const dualSafe = "0x579ce717A40B768B8d108425ebFA1B003be37c4b"

func limitTOML(amount string) string {
	return "[[limit]]\nsafe = \"" + dualSafe + "\"\nasset = \"ETH\"\namount = \"" + amount + "\"\nperiod = \"24h\"\n"
}

func TestGuardBookChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	limits := bookWithLimits(t, limitTOML("100")).Limits()
	first, err := policy.NewStoredBook(0, nil, limits, "")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := policy.NewStoredBook(3, nil, limits, first.Digest)
	if err != nil {
		t.Fatal(err)
	}
	store := &memBook{cur: &policy.StoredBook{Book: stored, Version: 3}}
	entry := "[[entry]]\naddress = \"" + common.HexToAddress("0x01").Hex() + "\"\nlabel = \"payroll\"\nkinds = [\"recipient\"]\n"
	tests := []struct {
		name, next string
		held       bool
		want       string
	}{
		{"same limit", limitTOML("100"), false, ""},
		{"limit lowered: holds more", limitTOML("50"), false, ""},
		{"an entry added", limitTOML("100") + entry, false, ""},
		{"limit raised", limitTOML("101"), true, "- raise limit: Safe " + dualSafe + " on every chain, ETH: 100 per 1d -> 101"},
		{"limit removed", entry, true, "- remove limit: Safe " + dualSafe},
	}
	for _, tt := range tests {
		g := &holdRecorder{}
		err := policy.GuardBookChange(ctx, g, store, "token:a", policy.ActionBookSet, nil, policy.ReplaceBook(bookWithLimits(t, tt.next)))
		if tt.held != bulwark.IsCode(err, bulwark.EPENDING) || len(g.holds) != map[bool]int{true: 1, false: 0}[tt.held] {
			t.Errorf("%s: %v, %d holds", tt.name, err, len(g.holds))
			continue
		}
		if !tt.held {
			continue
		}
		h := g.holds[0]
		if h.Action != approval.ThresholdLower || h.Subject != "address-book:v3" || !strings.Contains(h.Summary, tt.want) {
			t.Errorf("%s: hold %s %s\n%s", tt.name, h.Action, h.Subject, h.Summary)
		}
		// The payload is the change to run once approved, at version 3.
		p, ok := h.Payload.(policy.BookChangeHold)
		if !ok || p.Version != 3 || p.Action != policy.ActionBookSet {
			t.Fatalf("%s: payload %#v", tt.name, h.Payload)
		}
		edit, v, err := p.Edit()
		if err != nil || *v != 3 {
			t.Fatalf("%s: Edit: %v", tt.name, err)
		}
		got, err := edit(stored)
		if err != nil || got.Len() != bookWithLimits(t, tt.next).Len() || len(got.Limits()) != len(bookWithLimits(t, tt.next).Limits()) {
			t.Errorf("%s: the held change does not give the book asked: %v", tt.name, err)
		}
	}
	// Without a gate, or against another version (ChangeBook refuses it),
	// nothing is asked.
	if err := policy.GuardBookChange(ctx, nil, store, "token:a", policy.ActionBookSet, nil, policy.ReplaceBook(bookWithLimits(t, entry))); err != nil {
		t.Errorf("no gate: %v", err)
	}
	old := int64(2)
	g := &holdRecorder{}
	if err := policy.GuardBookChange(ctx, g, store, "token:a", policy.ActionBookSet, &old, policy.ReplaceBook(bookWithLimits(t, entry))); err != nil || len(g.holds) != 0 {
		t.Errorf("another version: %v, %d holds", err, len(g.holds))
	}
}
