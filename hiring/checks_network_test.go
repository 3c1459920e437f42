package hiring

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestSharedSmallNetwork: three people signing in for 26 days from three
// addresses of one small network share it (SHARED_NETWORK at its lower
// weight); one address shared weighs in full; carrier-grade NAT space and
// different networks share nothing.
func TestSharedSmallNetwork(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		ips        [3]string
		wantWeight int // 0: no flag
		wantText   string
	}{
		{"one IPv4 /29", [3]string{"203.0.113.1", "203.0.113.2", "203.0.113.3"}, sharedSmallNetWeight, "same small network"},
		{"three /64 of one /56", [3]string{"2001:db8:1:1::5", "2001:db8:1:2::5", "2001:db8:1:3::5"}, sharedSmallNetWeight, "same small network"},
		{"one address", [3]string{"203.0.113.1", "203.0.113.1", "203.0.113.1"}, 25, "same network address"},
		{"one /64", [3]string{"2001:db8:1:1::5", "2001:db8:1:1::6", "2001:db8:1:1::7"}, 25, "same network address"},
		{"carrier-grade NAT", [3]string{"100.64.0.1", "100.64.0.2", "100.64.0.3"}, 0, ""},
		{"different /29", [3]string{"203.0.113.1", "203.0.113.9", "203.0.113.17"}, 0, ""},
		{"different /56", [3]string{"2001:db8:1:100::5", "2001:db8:1:200::5", "2001:db8:1:300::5"}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var people []Person
			var ev Evidence
			for k, name := range []string{"Ann Able", "Ben Baker", "Cy Cole"} {
				p := person(string(rune('A'+k)), name, func(p *Person) { p.Country = "US" })
				people = append(people, p)
				for d := range 26 {
					ev.SignIns = append(ev.SignIns, signIn(p.Emails[0], time.Date(2026, 3, 1+d, 15, 0, 0, 0, time.UTC), tc.ips[k], "US"))
				}
			}
			r, err := newChecker().Run(context.Background(), people, ev, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range r.Assessments {
				var got *Flag
				for k := range a.Flags {
					if a.Flags[k].Rule == CodeSharedNetwork {
						got = &a.Flags[k]
					}
				}
				switch {
				case got == nil && tc.wantWeight != 0:
					t.Errorf("%s: no SHARED_NETWORK: %+v", a.ID, a.Flags)
				case got != nil && tc.wantWeight == 0:
					t.Errorf("%s: %+v", a.ID, *got)
				case got != nil && (got.Weight != tc.wantWeight || !strings.Contains(got.Evidence, tc.wantText) || len(got.Related) != 2):
					t.Errorf("%s: weight %d, %q, related %v; want %d, …%q…", a.ID, got.Weight, got.Evidence, got.Related, tc.wantWeight, tc.wantText)
				}
			}
		})
	}
}
