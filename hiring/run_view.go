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
	// Changed are the people stored before, of the run or not, whose
	// verdict the run changed (RunResult.Changed).
	Changed []VerdictChange `json:"changed,omitempty"`
}

// ViewOf returns what res says about people (in their order). People res
// did not assess are left out.
func ViewOf(people []Person, res *RunResult) RunView {
	ids := IDs(people)
	byID := make(map[string]Assessment, len(res.Assessments))
	for _, a := range res.Assessments {
		byID[a.ID] = a
	}
	v := RunView{People: []Assessment{}, Clusters: ClustersHolding(ids, res.Clusters), Changed: res.Changed}
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
// when ids is nil), as they are shown: each link's value masked
// (MaskedLink); never nil.
func ClustersHolding(ids map[string]bool, clusters []Cluster) []Cluster {
	out := []Cluster{}
	for _, c := range clusters {
		if ids == nil || slices.ContainsFunc(c.IDs, func(id string) bool { return ids[id] }) {
			if c.Links != nil {
				links := make([]Link, len(c.Links))
				for i, l := range c.Links {
					links[i] = MaskedLink(l)
				}
				c.Links = links
			}
			out = append(out, c)
		}
	}
	return out
}

// MaskedLink is l as it is shown: a shared value is every linked record's
// identifier, so Value keeps at most its last four characters ("****0177"
// for a phone number, bank account, device serial or MFA device of eight
// or more) and is empty for the other kinds (e-mails, national ids,
// addresses, network addresses, GitHub handles), as the flags' evidence
// names it (the kind and at most the last four). A person's own evidence
// items hold the whole value.
func MaskedLink(l Link) Link {
	if l.Value == "" {
		return l
	}
	if t := sharedTail(l.Kind, l.Value); t != "" {
		l.Value = "****" + t
	} else {
		l.Value = ""
	}
	return l
}

// IDs returns the set of the people's ids.
func IDs(people []Person) map[string]bool {
	ids := make(map[string]bool, len(people))
	for _, p := range people {
		ids[p.ID] = true
	}
	return ids
}
