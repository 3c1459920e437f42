package hiring

import (
	"slices"
	"strings"
	"testing"
)

func TestDefaultFuzzy(t *testing.T) {
	t.Parallel()
	resume := "Senior full stack engineer with ten years of experience building scalable web applications in Go, React and PostgreSQL for fintech and healthcare clients across North America"
	people := []Person{
		{ID: "H-1", FullName: "Jonathan Smith", DateOfBirth: "1990-04-12", HomeAddress: "12 Main St, Springfield"},
		{ID: "H-2", FullName: "Smith, Jonathon", DateOfBirth: "1990-04-21", HomeAddress: "12 Main Street Springfield"},
		{ID: "H-3", FullName: "Maria Garcia", DateOfBirth: "1985-01-30", ResumeText: resume},
		{ID: "H-4", FullName: "Kevin Park", DateOfBirth: "1979-11-02", ResumeText: resume + " and Europe"},
		{ID: "H-5", FullName: "Aisha Bello", DateOfBirth: "1993-07-07", ResumeText: "Data analyst, SQL and Python"},
	}
	cs, err := LinkRecords(people, LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || !slices.Equal(cs[0].IDs, []string{"H-1", "H-2"}) || !slices.Equal(cs[1].IDs, []string{"H-3", "H-4"}) {
		t.Fatalf("clusters = %+v; want H-1 with H-2 (identity), H-3 with H-4 (resume)", cs)
	}
	if l := cs[0].Links[0]; l.Kind != LinkKindIdentity || l.Why == "" || !strings.HasPrefix(cs[0].Reasons[0], "H-1 and H-2 match as one person (score ") {
		t.Errorf("identity link %+v, reason %q", l, cs[0].Reasons[0])
	}
	if l := cs[1].Links[0]; l.Kind != LinkKindResume || l.Score < 0.8 || !strings.HasPrefix(cs[1].Reasons[0], "H-3 and H-4 have near-duplicate resume text (similarity 0.") {
		t.Errorf("resume link %+v, reason %q", l, cs[1].Reasons[0])
	}
	exact, err := LinkRecords(people, LinkOptions{ExactOnly: true})
	if err != nil || len(exact) != 0 {
		t.Errorf("ExactOnly: %+v, %v; want no clusters", exact, err)
	}
}

// TestFuzzyFatherAndSon: a generational suffix or a date of birth a
// generation apart keeps two records apart; a typo in the last digit of
// the year does not.
func TestFuzzyFatherAndSon(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, a, b, dobA, dobB string
		linked                 bool
	}{
		{"suffix and 30 years", "John Miller", "John Miller Jr", "1960-07-09", "1990-07-09", false},
		{"30 years, one digit", "John Miller", "John Miller", "1960-07-09", "1990-07-09", false},
		{"suffix, same date", "John Miller Sr", "John Miller Jr", "1960-07-09", "1960-07-09", false},
		{"typo in the year's last digit", "John Miller", "John Miller", "1960-07-09", "1961-07-09", true},
		{"same person, same suffix", "John Miller Jr", "John Miller Jr.", "1990-07-09", "1990-07-09", true},
	} {
		people := []Person{
			{ID: "f", FullName: tc.a, DateOfBirth: tc.dobA, HomeAddress: "5 High St, Leeds"},
			{ID: "s", FullName: tc.b, DateOfBirth: tc.dobB, HomeAddress: "5 High Street, Leeds"},
		}
		links, err := IdentityLinker{}.Links(people)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(links) == 1; got != tc.linked {
			t.Errorf("%s: linked %v, want %v: %+v", tc.name, got, tc.linked, links)
		}
	}
}
