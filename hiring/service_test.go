package hiring

import (
	"context"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

// The service's runs against a store are checked by storetest.HiringStore
// (run on SQLite by the sqlite package's tests); here what needs none.

func TestServiceRefusesNoID(t *testing.T) {
	t.Parallel()
	s := &Service{Audit: &audit.Log{}}
	if _, err := s.Forget(context.Background(), "", "test"); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("Forget(\"\") = %v, want EINVALID", err)
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	stored := []Person{{ID: "a", FullName: "A"}, {ID: "b", FullName: "B"}}
	got := merge(stored, []Person{{ID: "b", FullName: "B2"}, {ID: "c"}})
	if len(got) != 3 || got[1].FullName != "B2" || got[2].ID != "c" || stored[1].FullName != "B" {
		t.Errorf("merge = %+v (stored %+v)", got, stored)
	}
}

func TestFlagged(t *testing.T) {
	t.Parallel()
	key := make([]byte, KeySize)
	as := []Assessment{
		{ID: "a", Verdict: bulwark.VerdictClear},
		{ID: "b", Verdict: bulwark.VerdictReview, Score: 40, Flags: []Flag{{Rule: "X"}, {Rule: "X"}, {Rule: "Y"}}},
	}
	fp := func(id string) string { return Fingerprint(key, id) }
	got := flagged(fp, as)
	if len(got) != 1 || got[0].Person != Fingerprint(key, "b") || len(got[0].Rules) != 2 || got[0].Score != 40 {
		t.Errorf("flagged = %+v", got)
	}
}

// refusingScreener refuses the name of one person as the screening
// service does a birth date in the future, quoting it.
type refusingScreener struct{ refuse string }

func (s refusingScreener) ScreenPersonName(_ context.Context, _, name, dob, _ string) (NameHit, error) {
	if name == s.refuse {
		return NameHit{}, bulwark.Invalid("dob", "%q is in the future", dob)
	}
	return NameHit{Verdict: string(bulwark.VerdictClear)}, nil
}

func (refusingScreener) ScreenPayrollAddress(context.Context, string, string, string) (AddressHit, error) {
	return AddressHit{Verdict: string(bulwark.VerdictClear)}, nil
}

func TestRefusedNameIsThatPersonsOutcome(t *testing.T) {
	t.Parallel()
	people := []Person{{ID: "a", FullName: "Ann Typo", DateOfBirth: "2062-01-01"}, {ID: "b", FullName: "Bob Fine", DateOfBirth: "1990-01-01"}}
	as, err := (&Checker{Screener: refusingScreener{refuse: "Ann Typo"}}).CheckGraph(context.Background(), people, Evidence{}, nil)
	if err != nil {
		t.Fatalf("one refused record failed the run: %v", err)
	}
	if len(as[0].Flags) != 1 || as[0].Flags[0].Rule != CodeNameNotScreened || as[0].Verdict == bulwark.VerdictClear {
		t.Errorf("refused record: %+v, want NAME_NOT_SCREENED and not clear", as[0])
	}
	if strings.Contains(as[0].Flags[0].Evidence, "2062") || strings.Contains(as[0].Flags[0].Evidence, "Ann") {
		t.Errorf("the flag quotes the record: %q", as[0].Flags[0].Evidence)
	}
	if as[1].Verdict != bulwark.VerdictClear || len(as[1].Flags) != 0 {
		t.Errorf("the other record: %+v", as[1])
	}
}
