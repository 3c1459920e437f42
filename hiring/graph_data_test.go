package hiring

import (
	"testing"

	"github.com/bulwark-sec/bulwark/hiring/internal/datasets"
)

// TestGraphSplinkFake links splink's synthetic "fake_1000" people (a
// thousand records of some 250 people, with typos in names, dates, cities
// and e-mails) on their e-mail addresses alone (ExactOnly): records with
// the same normalised e-mail must share a cluster, and the pairwise
// precision and recall against the dataset's ground truth are logged.
// Recall is low by design: a typo in an e-mail or a missing one is the
// fuzzy matcher's job. The same figures with the default fuzzy linkers
// (name, birth date, city as the address) are logged after.
func TestGraphSplinkFake(t *testing.T) {
	t.Parallel()
	ds := datasets.Splink(t)
	people := make([]Person, len(ds))
	for i, d := range ds {
		people[i] = Person{ID: d.ID, FullName: d.FullName(), DateOfBirth: d.DOB, HomeAddress: d.Address}
		if d.Email != "" {
			people[i].Emails = []string{d.Email}
		}
	}
	truth := datasets.Truth(ds)
	g, err := BuildGraph(people, LinkOptions{ExactOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	clusterOf := clusterIndex(g.Clusters)
	byEmail := map[string]string{}
	for _, p := range people {
		for _, e := range p.Emails {
			v, ok := NormalizeEmail(e)
			if !ok {
				continue
			}
			if first, seen := byEmail[v]; seen && (clusterOf[first] == 0 || clusterOf[first] != clusterOf[p.ID]) {
				t.Errorf("%s and %s share e-mail %s but are not in one cluster", first, p.ID, v)
			} else if !seen {
				byEmail[v] = p.ID
			}
		}
	}

	precision, recall, linked, actual, correct := pairwise(people, truth, clusterOf)
	t.Logf("splink fake_1000, e-mail only: %d records, %d clusters, %d rejected e-mails; pairs: %d linked, %d true, %d correct; precision %.3f, recall %.3f",
		len(people), len(g.Clusters), len(g.Rejected), linked, actual, correct, precision, recall)
	if precision < 0.99 {
		t.Errorf("precision %.3f of links on shared e-mails; want ≥ 0.99", precision)
	}

	g, err = BuildGraph(people, LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fp, fr, linked, _, correct := pairwise(people, truth, clusterIndex(g.Clusters))
	t.Logf("splink fake_1000, e-mail and the default fuzzy linkers: %d clusters; pairs: %d linked, %d correct; precision %.3f, recall %.3f, F1 %.3f",
		len(g.Clusters), linked, correct, fp, fr, 2*fp*fr/(fp+fr))
	if fr <= recall {
		t.Errorf("recall with the fuzzy linkers %.3f, not above e-mail alone (%.3f)", fr, recall)
	}
}

// clusterIndex maps each clustered id to its cluster's number (from 1).
func clusterIndex(cs []Cluster) map[string]int {
	m := map[string]int{}
	for c, cl := range cs {
		for _, id := range cl.IDs {
			m[id] = c + 1
		}
	}
	return m
}

// pairwise compares the pairs of records put in one cluster with the pairs
// of the truth.
func pairwise(people []Person, truth map[string]string, clusterOf map[string]int) (precision, recall float64, predicted, actual, tp int) {
	for i := range people {
		for j := i + 1; j < len(people); j++ {
			a, b := people[i].ID, people[j].ID
			same := truth[a] == truth[b]
			linked := clusterOf[a] != 0 && clusterOf[a] == clusterOf[b]
			if same {
				actual++
			}
			if linked {
				predicted++
				if same {
					tp++
				}
			}
		}
	}
	return float64(tp) / float64(max(predicted, 1)), float64(tp) / float64(max(actual, 1)), predicted, actual, tp
}
