package hiring

import (
	"slices"
	"testing"
)

// TestSamePersonSuppression: the sharing rules are switched off only for
// records provably of one applicant, never by a fuzzy identity match or an
// equal name; the fuzzy matcher calls no records one person on names alone
// or despite family names or homes that disagree. The people are the
// review's reproductions: a cohort of one first name and one home (without
// birth dates, or with one birth date), four namesakes born years apart
// at four homes, and common names with nothing else known.
func TestSamePersonSuppression(t *testing.T) {
	t.Parallel()
	const (
		seattle = "98 Pine Ave, Seattle, WA 98101, US"
		iban    = "GB82WEST12345698765432"
		ranch   = "4120 Ranch Rd, Austin, TX 78701, US"
	)
	cohort := func(dob string, names ...string) []Person {
		var out []Person
		for k, n := range names {
			out = append(out, Person{ID: "F" + string(rune('A'+k)), FullName: n, DateOfBirth: dob, Country: "US", HomeAddress: seattle,
				Phones: []string{"+1 512 555 0177"}, BankAccounts: []string{iban}})
		}
		return out
	}
	wright := func(id, dob, phone, home string) Person {
		p := Person{ID: id, FullName: "Daniel Wright", DateOfBirth: dob, Country: "US", HomeAddress: home}
		if phone != "" {
			p.Phones = []string{phone}
		}
		return p
	}
	var wrightShip []Shipment
	var wrightPay []PayrollAccount
	for k, id := range []string{"V1", "V2", "V3", "V4"} {
		wrightShip = append(wrightShip, Shipment{DeviceSerial: "SV000000" + string(rune('1'+k)), Person: id, Address: ranch, ShippedAt: now.AddDate(0, -3, 0)})
		wrightPay = append(wrightPay, PayrollAccount{Person: id, Kind: "iban", Account: iban, Holder: "Daniel Wright"})
	}
	for _, tc := range []struct {
		name   string
		people []Person
		ev     Evidence
		// want are codes each listed person must have.
		want map[string][]string
		// apart are pairs that must not be linked as one person.
		apart [][2]string
	}{
		{name: "one first name, one home, no birth date",
			people: cohort("", "Kevin Brooks", "Kevin Turner", "Kevin Wright"),
			want: map[string][]string{"FA": {CodeSharedPayrollAccount, CodeSharedHomeAddress}, "FB": {CodeSharedPayrollAccount, CodeSharedHomeAddress},
				"FC": {CodeSharedPayrollAccount, CodeSharedHomeAddress}},
			apart: [][2]string{{"FA", "FB"}, {"FA", "FC"}, {"FB", "FC"}}},
		{name: "one first name, one home, one birth date",
			people: cohort("1991-01-01", "Kevin Brooks", "Kevin Turner"),
			// Two people at one home: the household's flags fold into one.
			want:  map[string][]string{"FA": {CodeSharedPayrollAccount}, "FB": {CodeSharedPayrollAccount}},
			apart: [][2]string{{"FA", "FB"}}},
		{name: "four namesakes born years apart at four homes",
			people: []Person{
				wright("V1", "1991-06-03", "+1 512 555 0111", "12 Oak St, Denver, CO 80203, US"),
				wright("V2", "1985-01-01", "+1 512 555 0111", seattle),
				wright("V3", "1979-12-12", "+1 512 555 0111", "5 Elm St, Boston, MA 02108, US"),
				wright("V4", "1970-02-02", "", "7 Ash St, Miami, FL 33101, US")},
			ev: Evidence{Shipments: wrightShip, Payroll: wrightPay},
			want: map[string][]string{
				"V1": {CodeSharedIdentifier, CodeSharedPayrollAccount, CodeSharedShippingAddress},
				"V2": {CodeSharedIdentifier, CodeSharedPayrollAccount, CodeSharedShippingAddress},
				"V3": {CodeSharedIdentifier, CodeSharedPayrollAccount, CodeSharedShippingAddress},
				"V4": {CodeSharedPayrollAccount, CodeSharedShippingAddress}}},
		{name: "names alike, homes in two cities, one phone",
			people: []Person{
				{ID: "Y1", FullName: "Mohammad Ali", DateOfBirth: "1990-01-01", Country: "US", Phones: []string{"+1 512 555 0131"}, HomeAddress: "12 Oak St, Denver, CO 80203, US"},
				{ID: "Y2", FullName: "Muhammad Ali", Country: "US", Phones: []string{"+1 512 555 0131"}, HomeAddress: seattle}},
			want:  map[string][]string{"Y1": {CodeSharedIdentifier}, "Y2": {CodeSharedIdentifier}},
			apart: [][2]string{{"Y1", "Y2"}}},
		{name: "a common name with nothing else known",
			people: []Person{
				{ID: "X1", FullName: "Mohammed Ali", DateOfBirth: "1990-01-01", Country: "GB"},
				{ID: "X2", FullName: "Mohammed Ali", Country: "GB"},
				{ID: "X4", FullName: "Mohammad Ali", DateOfBirth: "1990-01-01", Country: "GB"},
				{ID: "X5", FullName: "Muhammad Ali", Country: "GB"},
				{ID: "K1", FullName: "Pak Jin Hyok", Country: "US"},
				{ID: "K8", FullName: "Pak Jin Hyok", Country: "US"}},
			apart: [][2]string{{"X1", "X2"}, {"X2", "X5"}, {"X4", "X5"}, {"K1", "K8"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g, err := BuildGraph(tc.people, LinkOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, cl := range g.Clusters {
				for _, l := range cl.Links {
					if l.Kind != LinkKindIdentity {
						continue
					}
					for _, p := range tc.apart {
						if slices.Contains(l.IDs, p[0]) && slices.Contains(l.IDs, p[1]) {
							t.Errorf("%s and %s linked as one person: %s", p[0], p[1], l.Why)
						}
					}
				}
			}
			c := newChecker()
			r, err := c.RunGraph(t.Context(), tc.people, tc.ev, g)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range r.Assessments {
				for _, code := range tc.want[a.ID] {
					if !slices.ContainsFunc(a.Flags, func(f Flag) bool { return f.Rule == code }) {
						t.Errorf("%s: no %s; flags %v", a.ID, code, a.Flags)
					}
				}
			}
		})
	}
}
