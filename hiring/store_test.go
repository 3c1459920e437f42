package hiring

import (
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

func TestCheckRecords(t *testing.T) {
	t.Parallel()
	rec := func(ps ...Person) []Record {
		out := make([]Record, len(ps))
		for i, p := range ps {
			out[i].Person = p
		}
		return out
	}
	tests := []struct {
		name    string
		records []Record
		code    string
		want    string // in the message
	}{
		{"ok", rec(Person{ID: "a"}, Person{ID: "b", Role: RoleEmployee}), "", ""},
		{"empty", nil, "", ""},
		{"no id", rec(Person{ID: "a"}, Person{Line: 3}), bulwark.EINVALID, "line 3.id"},
		{"no id, no line", rec(Person{}), bulwark.EINVALID, "people[0].id"},
		{"duplicate", rec(Person{ID: "secret", Line: 2}, Person{ID: "secret", Line: 9}), bulwark.EINVALID, "line 9"},
		{"bad role", rec(Person{ID: "a", Role: "ceo"}), bulwark.EINVALID, "unknown role"},
		{"long id", rec(Person{ID: strings.Repeat("x", MaxIDLen+1)}), bulwark.EINVALID, "at most"},
		{"id ..", rec(Person{ID: "..", Line: 4}), bulwark.EINVALID, `line 4.id: an id of ".." cannot name the person in a URL`},
		{"id .", rec(Person{ID: "."}), bulwark.EINVALID, `people[0].id: an id of "."`},
		{"id with /", rec(Person{ID: "a/b", Line: 2}), bulwark.EINVALID, `line 2.id: an id holding "/"`},
		{"id with ESC", rec(Person{ID: "a\x1b[31m", Line: 2}), bulwark.EINVALID, "line 2.id: an id holding a control character"},
		{"id with dots", rec(Person{ID: "a..b"}, Person{ID: "..."}), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckRecords(tt.records)
			if bulwark.ErrorCode(err) != tt.code || (tt.code != "" && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("CheckRecords = %v, want %q with %q", err, tt.code, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("the error names an id: %v", err)
			}
		})
	}
}

func TestAttachEvidence(t *testing.T) {
	t.Parallel()
	people := []Person{
		{ID: "p-1", Emails: []string{"Ann@X.test"}, DeviceSerials: []string{"SN-1001"}, GitHub: "annl"},
		{ID: "p-2", Emails: []string{"bob@x.test"}},
	}
	ev := Evidence{
		SignIns:   []SignIn{{User: " ann@x.test"}, {User: "p-2"}, {User: "eve@x.test"}, {User: ""}},
		Devices:   []Device{{Serial: "sn-1001"}, {Serial: "SN-1009", User: "bob@x.test"}, {Serial: "SN-1008"}},
		Shipments: []Shipment{{Person: "p-1"}, {DeviceSerial: "SN-1001"}, {Person: "zed"}},
		Payroll:   []PayrollAccount{{Person: "BOB@x.test"}},
		GitHub:    []GitHubProfile{{Login: "AnnL"}, {Login: "other"}},
	}
	got, rest := AttachEvidence(people, ev)
	p1, p2 := got["p-1"], got["p-2"]
	if p1.Count() != 5 || len(p1.SignIns) != 1 || len(p1.Devices) != 1 || len(p1.Shipments) != 2 || len(p1.GitHub) != 1 {
		t.Errorf("p-1 got %+v", p1)
	}
	if p2.Count() != 3 || len(p2.SignIns) != 1 || len(p2.Devices) != 1 || len(p2.Payroll) != 1 {
		t.Errorf("p-2 got %+v", p2)
	}
	if rest.Count() != 5 || len(rest.SignIns) != 2 || len(rest.Devices) != 1 || len(rest.Shipments) != 1 || len(rest.GitHub) != 1 {
		t.Errorf("unattached %+v", rest)
	}
	var all Evidence
	all.Append(p1)
	all.Append(p2)
	all.Append(rest)
	if all.Count() != ev.Count() {
		t.Errorf("%d items after attaching, %d before", all.Count(), ev.Count())
	}
}

func TestAssessmentScrub(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		flags    []Flag
		id, nm   string
		changed  bool
		related  [][]string
		evidence []string
	}{
		{"related and text", []Flag{{Related: []string{"p-1", "p-2"}, Evidence: "shares a phone with p-1 (Ann Lee) and p-2"}}, "p-1", "Ann Lee", true,
			[][]string{{"p-2"}}, []string{"shares a phone with [forgotten] ([forgotten]) and p-2"}},
		{"only related", []Flag{{Related: []string{"p-1"}, Evidence: "x"}}, "p-1", "", true, [][]string{nil}, []string{"x"}},
		{"unrelated", []Flag{{Related: []string{"p-2"}, Evidence: "x"}}, "p-1", "Ann Lee", false, [][]string{{"p-2"}}, []string{"x"}},
		{"short name left", []Flag{{Evidence: "Li met Al"}}, "p-9", "Al", false, [][]string{nil}, []string{"Li met Al"}},
		{"no flags", nil, "p-1", "Ann", false, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := Assessment{ID: "p-0", Flags: tt.flags}
			if got := a.Scrub(tt.id, tt.nm); got != tt.changed {
				t.Errorf("Scrub = %v, want %v", got, tt.changed)
			}
			for i, f := range a.Flags {
				if !slices.Equal(f.Related, tt.related[i]) || f.Evidence != tt.evidence[i] {
					t.Errorf("flag %d = %+v, want related %v, evidence %q", i, f, tt.related[i], tt.evidence[i])
				}
			}
		})
	}
}
