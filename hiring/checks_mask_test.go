package hiring

import (
	"strings"
	"testing"
)

// TestHolderMismatchMasked: PAYROLL_HOLDER_MISMATCH names the account by
// its kind and last four characters, and not the holder, who may be
// another person.
func TestHolderMismatchMasked(t *testing.T) {
	t.Parallel()
	people := []Person{{ID: "a", FullName: "Alice Able"}}
	ev := Evidence{Payroll: []PayrollAccount{{Person: "a", Kind: "bank", Account: "084009519 000555000111", Holder: "Daniel Wright"}}}
	r := runLinked(t, newChecker(), people, ev)
	found := false
	for _, f := range r.Assessments[0].Flags {
		if f.Rule != CodePayrollHolderMismatch {
			continue
		}
		found = true
		if want := "a salary account ending 0111"; !strings.Contains(f.Evidence, want) {
			t.Errorf("evidence %q does not say %q", f.Evidence, want)
		}
		for _, leak := range []string{"084009519", "000555000111", "Daniel", "Wright"} {
			if strings.Contains(f.Evidence, leak) {
				t.Errorf("evidence %q holds %q", f.Evidence, leak)
			}
		}
	}
	if !found {
		t.Fatalf("no %s: %+v", CodePayrollHolderMismatch, r.Assessments[0].Flags)
	}
}
