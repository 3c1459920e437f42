package hiring

import (
	"slices"
	"strings"
	"testing"
)

// TestJointAccount: a salary account declared joint clears only two
// people of one household; three or more people, or two at different
// homes, paid to one account raise SHARED_PAYROLL_ACCOUNT however the
// holder is written, and the evidence says the holder names several of
// the people it pays. The review's reproduction: three people at three
// homes paid into one IBAN whose holder names all three.
func TestJointAccount(t *testing.T) {
	t.Parallel()
	const iban = "GB82WEST12345698765432"
	homes := map[string]string{"J1": "12 Oak St, Denver, CO 80203, US", "J2": "98 Pine Ave, Seattle, WA 98101, US", "J3": "5 Elm St, Boston, MA 02108, US"}
	names := map[string]string{"J1": "Jon Able", "J2": "Kai Baker", "J3": "Lou Cole"}
	people := func(oneHome bool, ids ...string) []Person {
		var out []Person
		for _, id := range ids {
			home := homes[id]
			if oneHome {
				home = homes["J1"]
			}
			out = append(out, Person{ID: id, FullName: names[id], Country: "US", HomeAddress: home})
		}
		return out
	}
	pay := func(holder string, ids ...string) Evidence {
		var ev Evidence
		for _, id := range ids {
			ev.Payroll = append(ev.Payroll, PayrollAccount{Person: id, Kind: "iban", Account: iban, Holder: holder})
		}
		return ev
	}
	for _, tc := range []struct {
		name   string
		people []Person
		ev     Evidence
		shared bool
		note   bool
	}{
		{name: "three homes, holder names all three (and)", people: people(false, "J1", "J2", "J3"),
			ev: pay("Jon Able and Kai Baker and Lou Cole", "J1", "J2", "J3"), shared: true, note: true},
		{name: "three homes, holder names all three (;)", people: people(false, "J1", "J2", "J3"),
			ev: pay("Jon Able; Kai Baker; Lou Cole", "J1", "J2", "J3"), shared: true, note: true},
		{name: "two homes, holder names both", people: people(false, "J1", "J2"),
			ev: pay("Jon Able & Kai Baker", "J1", "J2"), shared: true, note: true},
		{name: "one home, three people, holder names all three", people: people(true, "J1", "J2", "J3"),
			ev: pay("Jon Able and Kai Baker and Lou Cole", "J1", "J2", "J3"), shared: true, note: true},
		{name: "one home, two people, a joint account of both", people: people(true, "J1", "J2"),
			ev: pay("Jon Able and Kai Baker", "J1", "J2")},
		{name: "one home, two people, holder names one", people: people(true, "J1", "J2"),
			ev: pay("Jon Able", "J1", "J2"), shared: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, r := run(t, newChecker(), tc.people, tc.ev, nil)
			for _, p := range tc.people {
				if has := slices.Contains(got[p.ID], CodeSharedPayrollAccount); has != tc.shared {
					t.Errorf("%s: SHARED_PAYROLL_ACCOUNT %v, want %v (flags %v)", p.ID, has, tc.shared, got[p.ID])
				}
			}
			for _, a := range r.Assessments {
				for _, f := range a.Flags {
					if f.Rule == CodeSharedPayrollAccount && strings.Contains(f.Evidence, "declared a joint account") != tc.note {
						t.Errorf("%s: evidence %q, want the joint-account note %v", a.ID, f.Evidence, tc.note)
					}
				}
			}
		})
	}
}
