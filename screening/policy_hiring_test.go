package screening_test

import (
	"slices"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/names"
)

// TestPolicyHiringNameNeedsDOB: under the hiring use a name match blocks
// only when the date of birth corroborates it; the same name alone (no
// birth date given, or another one) needs review at most, and the
// decision says why. Onboarding is unchanged, and a policy file can turn
// the requirement off.
func TestPolicyHiringNameNeedsDOB(t *testing.T) {
	t.Parallel()
	off, err := screening.ParsePolicy([]byte(`{"hiring": {"nameBlockNeedsDOB": false}}`), "policy.json")
	if err != nil {
		t.Fatal(err)
	}
	if !screening.DefaultPolicy()[screening.UseHiring].NameBlockNeedsDOB || screening.DefaultPolicy()[screening.UseOnboarding].NameBlockNeedsDOB {
		t.Error("the default policy needs a birth date for a hiring block only")
	}
	for _, tc := range []struct {
		name     string
		policy   screening.Policy
		use      screening.Use
		q        screening.NameQuery
		verdict  bulwark.Verdict
		whyNoBlk bool
	}{
		{name: "hiring, name alone", use: screening.UseHiring, q: screening.NameQuery{Name: "Kim Jong Un"}, verdict: bulwark.VerdictReview, whyNoBlk: true},
		{name: "hiring, name and country alone", use: screening.UseHiring, q: screening.NameQuery{Name: "Kim Jong Un", Country: "KP"}, verdict: bulwark.VerdictReview, whyNoBlk: true},
		{name: "hiring, birth date agrees", use: screening.UseHiring, q: screening.NameQuery{Name: "Kim Jong-un", DateOfBirth: "1984-01-08"}, verdict: bulwark.VerdictBlock},
		{name: "onboarding, name alone", use: screening.UseOnboarding, q: screening.NameQuery{Name: "Kim Jong Un"}, verdict: bulwark.VerdictBlock},
		{name: "hiring, requirement off by policy", policy: off, use: screening.UseHiring, q: screening.NameQuery{Name: "Kim Jong Un"}, verdict: bulwark.VerdictBlock},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newScreener(t, screening.Config{Policy: tc.policy})
			d, err := s.ScreenName(tc.use, "", tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if d.Verdict != tc.verdict {
				t.Errorf("verdict = %s, want %s: %+v", d.Verdict, tc.verdict, d.Matches)
			}
			if len(d.Matches) == 0 || d.Matches[0].EntityID != "ofac-sdn:20157" {
				t.Fatalf("matches = %+v, want ofac-sdn:20157 first", d.Matches)
			}
			why := slices.ContainsFunc(d.Matches[0].Explanation.Features, func(f names.Feature) bool { return f.Name == "corroboration" })
			if why != tc.whyNoBlk {
				t.Errorf("corroboration note %v, want %v: %+v", why, tc.whyNoBlk, d.Matches[0].Explanation.Features)
			}
		})
	}
}
