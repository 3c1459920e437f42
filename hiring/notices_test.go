package hiring_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/hiring/evidence"
)

// TestScreenNoticesUnmatchedEvidence: evidence that matches no person is
// said, per kind and naming its source, with a warning when it is most of
// the kind; a run whose evidence all matches says nothing of it.
func TestScreenNoticesUnmatchedEvidence(t *testing.T) {
	t.Parallel()
	peopleCSV, err := os.ReadFile("../testdata/hire/people.csv")
	if err != nil {
		t.Fatal(err)
	}
	signins, err := os.ReadFile("../testdata/hire/signins.csv")
	if err != nil {
		t.Fatal(err)
	}
	// The cohort signs in with corporate addresses the people records do
	// not give, as an identity provider's log has them.
	corp := strings.NewReplacer("daniel.wright.dev@example.net", "dwright@corp.example",
		"kevin.brooks.eng@example.org", "kbrooks@corp.example", "alex.turner.sw@example.com", "aturner@corp.example").Replace(string(signins))
	oneOff := strings.Replace(string(signins), "daniel.wright.dev@example.net", "nobody@corp.example", 1)
	for _, tc := range []struct {
		name, signins string
		want          []string // substrings of one notice each
		none          string   // no notice holds it
	}{
		{"corporate logins", corp, []string{hiring.WarningPrefix + "15 of 25 sign-ins (signins.csv) match no person (by the user: a person's id or e-mail)", "emails column"}, ""},
		{"one unmatched", oneOff, []string{"1 of 25 sign-ins (signins.csv) matches no person"}, hiring.WarningPrefix},
		{"all matched", string(signins), nil, "match no person"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			people, err := evidence.ReadPeople(strings.NewReader(string(peopleCSV)), "people.csv", evidence.PeopleOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ins, _, err := evidence.ReadSignInsNotes(strings.NewReader(tc.signins), "signins.csv", evidence.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			svc := incrService(openHiringStore(t), nil)
			res, err := svc.Screen(context.Background(), "test", people, hiring.Evidence{SignIns: ins})
			if err != nil {
				t.Fatal(err)
			}
			notes := res.Notices(hiring.EvidenceSources{SignIns: []string{"signins.csv"}})
			all := strings.Join(notes, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("notices lack %q:\n%s", w, all)
				}
			}
			if tc.none != "" && strings.Contains(all, tc.none) {
				t.Errorf("notices hold %q:\n%s", tc.none, all)
			}
		})
	}
}

// TestRunNotices: the sentences of a run's counts and skipped checks.
func TestRunNotices(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		res  hiring.RunResult
		src  hiring.EvidenceSources
		want []string
	}{
		{"nothing", hiring.RunResult{Given: hiring.Unmatched{SignIns: 3}}, hiring.EvidenceSources{}, nil},
		{"devices by serial", hiring.RunResult{Given: hiring.Unmatched{Devices: 4}, Unattached: hiring.Unmatched{Devices: 1}},
			hiring.EvidenceSources{Devices: []string{"a.json", "b.csv"}},
			[]string{"1 of 4 devices (a.json, b.csv) matches no person (by the user (a person's id or e-mail) or the serial) and is used by no rule: add the device serials (device_serials column) or the login e-mail (emails column) to the people records, or map the column"}},
		{"most payroll", hiring.RunResult{Given: hiring.Unmatched{Payroll: 3}, Unattached: hiring.Unmatched{Payroll: 2}},
			hiring.EvidenceSources{Payroll: []string{"payroll"}},
			[]string{hiring.WarningPrefix + "2 of 3 payroll accounts (payroll) match no person (by the person: id or e-mail) and are used by no rule, more than half of them: the verdicts do not rest on this evidence: give the person's id or e-mail in the person column"}},
		{"single github", hiring.RunResult{Given: hiring.Unmatched{GitHub: 1}, Unattached: hiring.Unmatched{GitHub: 1}},
			hiring.EvidenceSources{},
			[]string{hiring.WarningPrefix + "1 of 1 GitHub profile matches no person (by the GitHub login) and is used by no rule, more than half of them: the verdicts do not rest on this evidence: add the GitHub login or profile URL to the people records (github column)"}},
		{"ambiguous, referrals, skipped", hiring.RunResult{Unmatched: hiring.Unmatched{SignIns: 2, Referrals: 1},
			Skipped: []string{"names and payroll crypto addresses not screened (no screener)"}}, hiring.EvidenceSources{},
			[]string{"2 sign-ins match several people (an e-mail or serial several records give) and are used by no rule: fix the records",
				"1 referred_by value names no person (by id or e-mail): REFERRED_BY_FLAGGED not checked for it (give the referrer's id as the people records have it)",
				"check skipped: names and payroll crypto addresses not screened (no screener)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.res.Notices(tc.src)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// TestViewNoticesRejected: identifiers that could not be read are told,
// counted per person, so that a clear verdict is not taken to cover them.
func TestViewNoticesRejected(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		rej  []hiring.Rejected
		want string
	}{
		{"none", nil, ""},
		{"one", []hiring.Rejected{{ID: "A", Kind: "email"}}, "1 identifier of 1 person could not be read"},
		{"three of two", []hiring.Rejected{{ID: "A", Kind: "email"}, {ID: "A", Kind: "phone"}, {ID: "B", Kind: "national_id"}},
			"3 identifiers of 2 people could not be read (listed as not read) and link nobody: their verdicts do not cover them"},
	} {
		v := hiring.RunView{Rejected: tc.rej}
		got := strings.Join(v.Notices(), "\n")
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestScreenNoticesReferrals: a referred_by naming no person is told,
// on the full run and on the index's incremental one.
func TestScreenNoticesReferrals(t *testing.T) {
	t.Parallel()
	people := []hiring.Person{
		{ID: "R1", FullName: "Rob Ref", Emails: []string{"rob.ref@x.com"}, Country: "US"},
		{ID: "R2", FullName: "Roz Two", Country: "US", ReferredBy: "R1"},
		{ID: "R3", FullName: "Ron Three", Country: "US", ReferredBy: "Rob.Ref+jobs@x.com"},
		{ID: "R4", FullName: "Ray Four", Country: "US", ReferredBy: "Rob Ref"},
		{ID: "R5", FullName: "Rae Five", Country: "US", ReferredBy: "rob.ref@x.com"},
	}
	for _, tc := range []struct {
		name  string
		index bool
	}{{"full", false}, {"incremental", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var ix *hiring.ScreenIndex
			if tc.index {
				ix = hiring.NewScreenIndex()
			}
			res, err := incrService(openHiringStore(t), ix).Screen(context.Background(), "test", people, hiring.Evidence{})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(res.Notices(hiring.EvidenceSources{}), "\n")
			if want := "2 referred_by values name no person (by id or e-mail)"; !strings.Contains(got, want) {
				t.Errorf("notices %q, want %q", got, want)
			}
		})
	}
}
