package hiring

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

func TestBuildGraph(t *testing.T) {
	t.Parallel()
	people := []Person{
		{ID: "A-1", Emails: []string{"j.doe@gmail.com"}, Country: "US", Phones: []string{"(415) 555-2671"}, IPs: []string{"203.0.113.7"}, HomeAddress: "12 Main St., Apt 4"},
		{ID: "A-7", Emails: []string{"JDoe+jobs@googlemail.com"}, IPs: []string{"203.0.113.7", "192.168.1.10"}},
		{ID: "B-2", Phones: []string{"+1 415 555 2671"}, BankAccounts: []string{"GB82 WEST 1234 5698 7654 32"}},
		{ID: "C-3", BankAccounts: []string{"gb82west12345698765432"}, ShippingAddress: "12 main street unit 4", IPs: []string{"192.168.1.10"}},
		{ID: "D-4", GitHub: "https://github.com/OctoCat/", DeviceSerials: []string{"C02X-1234"}, Phones: []string{"555-0000"}, Country: "US"},
		{ID: "D-5", GitHub: "@octocat", NationalID: "536-22-1234", Emails: []string{"not an email"}},
		{ID: "E-6", DeviceSerials: []string{"c02x1234"}, NationalID: "536 22 1234"},
		{ID: "F-8", HomeAddress: "500 N. Oak Ave", IPs: []string{"198.51.100.9"}},
		{ID: "F-9", HomeAddress: "500 north oak avenue", IPs: []string{"198.51.100.9"}},
	}
	g, err := BuildGraph(people, LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Cluster{
		{
			IDs: []string{"A-1", "A-7", "B-2", "C-3"},
			Reasons: []string{
				"A-1 and A-7 share an e-mail address",
				"A-1 and B-2 share a phone number ending 2671",
				"B-2 and C-3 share a bank account ending 5432",
			},
			Links: []Link{
				{Kind: "email", IDs: []string{"A-1", "A-7"}, Value: "jdoe@gmail.com", Score: 1},
				{Kind: "phone", IDs: []string{"A-1", "B-2"}, Value: "+14155552671", Score: 1},
				{Kind: "bank_account", IDs: []string{"B-2", "C-3"}, Value: "GB82WEST12345698765432", Score: 1},
			},
		},
		{
			IDs: []string{"D-4", "D-5", "E-6"},
			Reasons: []string{
				"D-5 and E-6 share a national id",
				"D-4 and E-6 share a device serial ending 1234",
				"D-4 and D-5 share a GitHub handle",
			},
			Links: []Link{
				{Kind: "national_id", IDs: []string{"D-5", "E-6"}, Value: "536221234", Score: 1},
				{Kind: "device_serial", IDs: []string{"D-4", "E-6"}, Value: "C02X1234", Score: 1},
				{Kind: "github", IDs: []string{"D-4", "D-5"}, Value: "octocat", Score: 1},
			},
		},
	}
	if !reflect.DeepEqual(g.Clusters, want) {
		t.Errorf("clusters:\n got %+v\nwant %+v", g.Clusters, want)
	}
	wantShared := []SharedLink{
		{Link{Kind: "address", IDs: []string{"A-1", "C-3"}, Value: "12 main street unit 4", Score: 1}, "A-1 and C-3 share an address"},
		{Link{Kind: "address", IDs: []string{"F-8", "F-9"}, Value: "500 north oak avenue", Score: 1}, "F-8 and F-9 share an address"},
		{Link{Kind: "ip", IDs: []string{"F-8", "F-9"}, Value: "198.51.100.9", Score: 1}, "F-8 and F-9 share a network address"},
		{Link{Kind: "ip", IDs: []string{"A-1", "A-7"}, Value: "203.0.113.7", Score: 1}, "A-1 and A-7 share a network address"},
	}
	if !reflect.DeepEqual(g.Shared, wantShared) {
		t.Errorf("shared:\n got %+v\nwant %+v", g.Shared, wantShared)
	}
	wantRejected := []Rejected{
		{ID: "D-4", Kind: "phone", Value: "555-0000", Reason: "not a valid phone number in US"},
		{ID: "D-5", Kind: "email", Value: "not an email", Reason: "not an e-mail address"},
	}
	if !reflect.DeepEqual(g.Rejected, wantRejected) {
		t.Errorf("rejected:\n got %+v\nwant %+v", g.Rejected, wantRejected)
	}

	// The clusters do not depend on the order of the records.
	r := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		shuffled := slices.Clone(people)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		cs, err := LinkRecords(shuffled, LinkOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != len(want) {
			t.Fatalf("shuffled: %d clusters, want %d", len(cs), len(want))
		}
		for i := range cs {
			if !reflect.DeepEqual(cs[i].IDs, want[i].IDs) || !reflect.DeepEqual(cs[i].Links, want[i].Links) {
				t.Errorf("shuffled: cluster %d = %+v; want %+v", i, cs[i], want[i])
			}
		}
	}
}

func TestBuildGraphMaxShare(t *testing.T) {
	t.Parallel()
	var people []Person
	for _, id := range []string{"R-1", "R-2", "R-3", "R-4"} {
		people = append(people, Person{ID: id, Emails: []string{"jobs@recruiter.example"}})
	}
	people = append(people, Person{ID: "R-5", Emails: []string{"a@example.com"}}, Person{ID: "R-6", Emails: []string{"A@Example.com"}})
	g, err := BuildGraph(people, LinkOptions{MaxShare: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Clusters) != 1 || !slices.Equal(g.Clusters[0].IDs, []string{"R-5", "R-6"}) {
		t.Errorf("clusters = %+v; want only R-5, R-6", g.Clusters)
	}
	want := "R-1, R-2, R-3 and R-4 share an e-mail address; more than 3 records share it, so it does not make them one identity"
	if len(g.Shared) != 1 || g.Shared[0].Reason != want {
		t.Errorf("shared = %+v; want one: %s", g.Shared, want)
	}
}

func TestBuildGraphBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		people []Person
		want   string
	}{
		{"duplicate id", []Person{{ID: "A-1", Line: 2}, {ID: "B"}, {ID: "A-1", Line: 4}}, `id: "A-1" is the id of two records (on line 2 and on line 4)`},
		{"duplicate id without lines", []Person{{ID: "A-1"}, {ID: "A-1"}}, `id: "A-1" is the id of two records (number 1 and number 2)`},
		{"empty id", []Person{{ID: "A"}, {ID: " ", Line: 3}}, "id: the record on line 3 has no id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := BuildGraph(tt.people, LinkOptions{})
			if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v; want invalid: %s", err, tt.want)
			}
		})
	}
}

// linkerFunc adapts a function to FuzzyLinker.
type linkerFunc func([]Person) ([]Link, error)

func (f linkerFunc) Links(people []Person) ([]Link, error) { return f(people) }

func TestBuildGraphFuzzy(t *testing.T) {
	t.Parallel()
	people := []Person{
		{ID: "P-1", FullName: "Jon Doe", Emails: []string{"jon@example.com"}},
		{ID: "P-2", FullName: "John Doe"},
		{ID: "P-3", FullName: "Ann Lee", Emails: []string{"jon@example.com"}},
		{ID: "P-4", FullName: "Bo Kim"},
		{ID: "P-5", FullName: "Bo Kim"},
	}
	identity := linkerFunc(func([]Person) ([]Link, error) {
		return []Link{{Kind: LinkKindIdentity, IDs: []string{"P-2", "P-1"}, Score: 0.934}}, nil
	})
	resume := linkerFunc(func([]Person) ([]Link, error) {
		return []Link{{Kind: LinkKindResume, IDs: []string{"P-5", "P-4"}, Score: 0.9}}, nil
	})
	cs, err := LinkRecords(people, LinkOptions{Fuzzy: []FuzzyLinker{identity, resume}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Cluster{
		{
			IDs: []string{"P-1", "P-2", "P-3"},
			Reasons: []string{
				"P-1 and P-3 share an e-mail address",
				"P-1 and P-2 match as one person by name, birth date and address (score 0.93)",
			},
			Links: []Link{
				{Kind: "email", IDs: []string{"P-1", "P-3"}, Value: "jon@example.com", Score: 1},
				{Kind: "identity", IDs: []string{"P-1", "P-2"}, Score: 0.934},
			},
		},
		{
			IDs:     []string{"P-4", "P-5"},
			Reasons: []string{"P-4 and P-5 have near-duplicate resume text (similarity 0.90)"},
			Links:   []Link{{Kind: "resume", IDs: []string{"P-4", "P-5"}, Score: 0.9}},
		},
	}
	if !reflect.DeepEqual(cs, want) {
		t.Errorf("clusters:\n got %+v\nwant %+v", cs, want)
	}

	failing := linkerFunc(func([]Person) ([]Link, error) { return nil, errors.New("boom") })
	if _, err := LinkRecords(people, LinkOptions{Fuzzy: []FuzzyLinker{failing}}); err == nil || err.Error() != "boom" {
		t.Errorf("a linker's error: got %v", err)
	}
	unknown := linkerFunc(func([]Person) ([]Link, error) {
		return []Link{{Kind: LinkKindIdentity, IDs: []string{"P-1", "Q-9"}}}, nil
	})
	if _, err := LinkRecords(people, LinkOptions{Fuzzy: []FuzzyLinker{unknown}}); err == nil || !strings.Contains(err.Error(), `"Q-9"`) {
		t.Errorf("a link to an unknown record: got %v", err)
	}
}

func TestJoinIDs(t *testing.T) {
	t.Parallel()
	ids := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}
	tests := []struct {
		n    int
		want string
	}{
		{1, "a"},
		{2, "a and b"},
		{3, "a, b and c"},
		{10, "a, b, c, d, e, f, g, h, i and j"},
		{12, "a, b, c, d, e, f, g, h, i, j and 2 more records"},
	}
	for _, tt := range tests {
		if got := joinIDs(ids[:tt.n]); got != tt.want {
			t.Errorf("joinIDs(%d) = %q; want %q", tt.n, got, tt.want)
		}
	}
}
