package hiring

import (
	"context"
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
