package hiring

import (
	"encoding/csv"
	"os"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/shareddata"
)

// TestGraphSplinkFake links splink's synthetic "fake_1000" people (a
// thousand records of some 250 people, with typos in names, dates, cities
// and e-mails) on their e-mail addresses alone: records with the same
// normalised e-mail must share a cluster, and the pairwise precision and
// recall against the dataset's ground truth are logged. Recall is low by
// design: a typo in an e-mail or a missing one is a fuzzy matcher's job.
func TestGraphSplinkFake(t *testing.T) {
	t.Parallel()
	path := shareddata.Path(t, "hire", "datasets", "splink_fake_1000.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for _, name := range []string{"unique_id", "first_name", "surname", "email", "cluster"} {
		if _, ok := col[name]; !ok {
			t.Fatalf("%s: no column %q", path, name)
		}
	}
	var people []Person
	truth := map[string]string{}
	for _, r := range rows[1:] {
		p := Person{
			ID:       r[col["unique_id"]],
			FullName: strings.TrimSpace(r[col["first_name"]] + " " + r[col["surname"]]),
		}
		if e := r[col["email"]]; e != "" {
			p.Emails = []string{e}
		}
		people = append(people, p)
		truth[p.ID] = r[col["cluster"]]
	}
	g, err := BuildGraph(people, LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	clusterOf := map[string]int{}
	for c, cl := range g.Clusters {
		for _, id := range cl.IDs {
			clusterOf[id] = c + 1
		}
	}
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

	// Pairwise precision and recall of the clusters against the truth.
	var tp, predicted, actual int
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
	precision := float64(tp) / float64(max(predicted, 1))
	recall := float64(tp) / float64(max(actual, 1))
	t.Logf("splink fake_1000, e-mail only: %d records, %d clusters, %d rejected e-mails; pairs: %d linked, %d true, %d correct; precision %.3f, recall %.3f",
		len(people), len(g.Clusters), len(g.Rejected), predicted, actual, tp, precision, recall)
	if precision < 0.99 {
		t.Errorf("precision %.3f of links on shared e-mails; want ≥ 0.99", precision)
	}
}
