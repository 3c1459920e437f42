package hiring

import "slices"

// RunView is what a run says about some of the people it assessed (those
// of the file or request that started it): their assessments in their
// order (Flags never nil), the clusters holding one of them, and the
// identifiers of theirs that were rejected. The command line and the API
// print it alike.
type RunView struct {
	People   []Assessment `json:"people"`
	Clusters []Cluster    `json:"clusters"`
	Rejected []Rejected   `json:"rejected,omitempty"`
}

// ViewOf returns what res says about people (in their order). People res
// did not assess are left out.
func ViewOf(people []Person, res *RunResult) RunView {
	ids := IDs(people)
	byID := make(map[string]Assessment, len(res.Assessments))
	for _, a := range res.Assessments {
		byID[a.ID] = a
	}
	v := RunView{People: []Assessment{}, Clusters: ClustersHolding(ids, res.Clusters)}
	for _, r := range res.Rejected {
		if ids[r.ID] {
			v.Rejected = append(v.Rejected, r)
		}
	}
	for _, p := range people {
		if a, ok := byID[p.ID]; ok {
			if a.Flags == nil {
				a.Flags = []Flag{}
			}
			v.People = append(v.People, a)
		}
	}
	return v
}

// ClustersHolding returns the clusters that hold one of ids (all of them
// when ids is nil); never nil.
func ClustersHolding(ids map[string]bool, clusters []Cluster) []Cluster {
	out := []Cluster{}
	for _, c := range clusters {
		if ids == nil || slices.ContainsFunc(c.IDs, func(id string) bool { return ids[id] }) {
			out = append(out, c)
		}
	}
	return out
}

// IDs returns the set of the people's ids.
func IDs(people []Person) map[string]bool {
	ids := make(map[string]bool, len(people))
	for _, p := range people {
		ids[p.ID] = true
	}
	return ids
}
