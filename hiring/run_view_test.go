package hiring

import (
	"reflect"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// TestViewOf: the given people's assessments in their order (flags never
// nil, people not assessed left out), the clusters holding one of them
// and their rejected identifiers only.
func TestViewOf(t *testing.T) {
	t.Parallel()
	res := &RunResult{
		Assessments: []Assessment{{ID: "old", Verdict: bulwark.VerdictReview, Flags: []Flag{{Rule: "R"}}}, {ID: "b", Verdict: bulwark.VerdictClear}, {ID: "a", Verdict: bulwark.VerdictBlock, Flags: []Flag{{Rule: "S"}}}},
		Clusters:    []Cluster{{IDs: []string{"old", "x"}}, {IDs: []string{"a", "old"}}},
		Rejected:    []Rejected{{ID: "old", Kind: "phone"}, {ID: "b", Kind: "email"}},
	}
	v := ViewOf([]Person{{ID: "a"}, {ID: "b"}, {ID: "unassessed"}}, res)
	want := RunView{
		People:   []Assessment{{ID: "a", Verdict: bulwark.VerdictBlock, Flags: []Flag{{Rule: "S"}}}, {ID: "b", Verdict: bulwark.VerdictClear, Flags: []Flag{}}},
		Clusters: []Cluster{{IDs: []string{"a", "old"}}},
		Rejected: []Rejected{{ID: "b", Kind: "email"}},
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("ViewOf = %+v\nwant %+v", v, want)
	}
	if got := ViewOf(nil, &RunResult{}); got.People == nil || got.Clusters == nil {
		t.Errorf("ViewOf(nothing) = %#v: want empty, not nil, people and clusters", got)
	}
	if got := ClustersHolding(nil, res.Clusters); len(got) != 2 {
		t.Errorf("ClustersHolding(nil) = %v, want all", got)
	}
}

// TestClustersHoldingMasks holds that a cluster as shown names a shared
// value by its kind and at most its last four characters.
func TestClustersHoldingMasks(t *testing.T) {
	t.Parallel()
	cs := []Cluster{{IDs: []string{"a", "b"}, Links: []Link{
		{Kind: LinkKindPhone, IDs: []string{"a", "b"}, Value: "+15125550177", Score: 1},
		{Kind: LinkKindNationalID, IDs: []string{"a", "b"}, Value: "521378846", Score: 1},
		{Kind: LinkKindBankAccount, IDs: []string{"a", "b"}, Value: "GB82WEST12345698765432", Score: 1},
		{Kind: "identity", IDs: []string{"a", "b"}, Score: 0.9},
	}}}
	got := ClustersHolding(nil, cs)[0].Links
	want := []string{"****0177", "", "****5432", ""}
	for i, l := range got {
		if l.Value != want[i] {
			t.Errorf("%s: value %q, want %q", l.Kind, l.Value, want[i])
		}
	}
	if cs[0].Links[0].Value != "+15125550177" {
		t.Error("ClustersHolding changed the run's clusters")
	}
}
