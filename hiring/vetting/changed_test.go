package vetting_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/hiring/vetting"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

// TestRunReportsVerdictChanges: a screen run that changes the verdict of
// a person stored before (the review's split quick start: an employee in
// review goes to block when a second file brings a person sharing their
// MFA device and salary account) says so in its result, old → new with
// the new flags' codes; a person new to the store, or whose verdict stays,
// is not listed.
func TestRunReportsVerdictChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := sqlitetest.Open(t, sqlite.Options{})
	cfg := vetting.Config{Store: db, Audit: &audit.Log{Store: db}}
	hs, err := cfg.Service(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	const iban = "GB82WEST12345698765432"
	a := hiring.Person{ID: "A-1", FullName: "Daniel Wright", Country: "US", Phones: []string{"+1 512 555 0177"}}
	b := hiring.Person{ID: "B-1", FullName: "Kevin Brooks", Country: "US", Phones: []string{"+1 512 555 0177"}}
	c := hiring.Person{ID: "C-1", FullName: "Ana Lima", Country: "US"}
	pay := func(who string) hiring.Evidence {
		return hiring.Evidence{Payroll: []hiring.PayrollAccount{{Person: who, Kind: "iban", Account: iban, Holder: "Someone Else"}}}
	}
	for _, step := range []struct {
		name    string
		people  []hiring.Person
		ev      hiring.Evidence
		changed []hiring.VerdictChange
	}{
		{name: "A alone", people: []hiring.Person{a, c}, ev: pay("A-1")},
		{name: "B shares A's phone and account", people: []hiring.Person{b}, ev: pay("B-1"),
			changed: []hiring.VerdictChange{{ID: "A-1", From: bulwark.VerdictReview, To: bulwark.VerdictBlock,
				Rules: []string{hiring.CodeSharedIdentifier, hiring.CodeSharedPayrollAccount, hiring.CodePayrollHolderMismatch}}}},
		{name: "the same again: nothing changes", people: []hiring.Person{b}, ev: pay("B-1")},
	} {
		res, err := hs.Screen(ctx, "test", step.people, step.ev)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if !reflect.DeepEqual(res.Changed, step.changed) {
			t.Errorf("%s: changed = %+v, want %+v", step.name, res.Changed, step.changed)
		}
	}
}

// TestIncrementalScreenSamePerson: the screening of new applicants against
// the index of the stored people links people as the full graph does: a
// cohort of one first name and one home without birth dates is three
// people sharing a salary account, not one person (the review's
// reproduction, through the incremental path the command line takes).
func TestIncrementalScreenSamePerson(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := sqlitetest.Open(t, sqlite.Options{})
	cfg := vetting.Config{Store: db, Audit: &audit.Log{Store: db}, Index: hiring.NewScreenIndex()}
	hs, err := cfg.Service(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	var people []hiring.Person
	for k, n := range []string{"Kevin Brooks", "Kevin Turner", "Kevin Wright"} {
		people = append(people, hiring.Person{ID: "F" + string(rune('A'+k)), FullName: n, Country: "US", HomeAddress: "98 Pine Ave, Seattle, WA 98101, US",
			Phones: []string{"+1 512 555 0177"}, BankAccounts: []string{"GB82WEST12345698765432"}})
	}
	res, err := hs.Screen(ctx, "test", people, hiring.Evidence{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Assessments {
		var codes []string
		for _, f := range a.Flags {
			codes = append(codes, f.Rule)
		}
		if !slices.Contains(codes, hiring.CodeSharedPayrollAccount) || slices.Contains(codes, hiring.CodeDuplicateIdentitySeats) {
			t.Errorf("%s: flags %v, want SHARED_PAYROLL_ACCOUNT and no DUPLICATE_IDENTITY_SEATS", a.ID, codes)
		}
	}
	for _, c := range res.Clusters {
		for _, l := range c.Links {
			if l.Kind == hiring.LinkKindIdentity {
				t.Errorf("linked as one person: %v %s", l.IDs, l.Why)
			}
		}
	}
}
