package linkage

import (
	"testing"

	"github.com/bulwark-sec/bulwark/hiring/internal/datasets"
)

// asRecords turns a dataset's records into linkage records ("Surname,
// Given" names) and each record's entity.
func asRecords(ds []datasets.Record) ([]Record, map[string]string) {
	recs := make([]Record, len(ds))
	for i, d := range ds {
		recs[i] = Record{ID: d.ID, Name: d.Surname + ", " + d.GivenName, DOB: d.DOB, Address: d.Address, NationalID: d.NationalID}
	}
	return recs, datasets.Truth(ds)
}

// readFEBRL reads a FEBRL CSV into records and each record's entity (the
// N of rec-N-org / rec-N-dup-M).
func readFEBRL(t *testing.T, name string) ([]Record, map[string]string) {
	t.Helper()
	return asRecords(datasets.FEBRL(t, name))
}

// readSplink reads splink's fake_1000 (cluster column = truth).
func readSplink(t *testing.T) ([]Record, map[string]string) {
	t.Helper()
	return asRecords(datasets.Splink(t))
}

type prf struct{ tp, fp, fn int }

func (p prf) precision() float64 { return float64(p.tp) / float64(max(1, p.tp+p.fp)) }
func (p prf) recall() float64    { return float64(p.tp) / float64(max(1, p.tp+p.fn)) }
func (p prf) f1() float64 {
	pr, rc := p.precision(), p.recall()
	if pr+rc == 0 {
		return 0
	}
	return 2 * pr * rc / (pr + rc)
}

// pairwise scores found pairs against the true pairs among recs (or
// between a and b when cross is set).
func pairwise(found []Match, truePairs map[[2]string]bool) prf {
	var p prf
	seen := map[[2]string]bool{}
	for _, m := range found {
		k := pairKey(m.A, m.B)
		if seen[k] {
			continue
		}
		seen[k] = true
		if truePairs[k] {
			p.tp++
		} else {
			p.fp++
		}
	}
	p.fn = len(truePairs) - p.tp
	return p
}

func pairKey(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// closure returns every pair within the connected components of the
// found pairs (the clusters an identity graph would form).
func closure(found []Match) []Match {
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		p, ok := parent[x]
		if !ok || p == x {
			parent[x] = x
			return x
		}
		r := find(p)
		parent[x] = r
		return r
	}
	for _, m := range found {
		parent[find(m.A)] = find(m.B)
	}
	groups := map[string][]string{}
	for x := range parent {
		groups[find(x)] = append(groups[find(x)], x)
	}
	var out []Match
	for _, g := range groups {
		for i := range g {
			for j := i + 1; j < len(g); j++ {
				out = append(out, Match{A: g[i], B: g[j]})
			}
		}
	}
	return out
}

func truthWithin(recs []Record, entity map[string]string) map[[2]string]bool {
	by := map[string][]string{}
	for _, r := range recs {
		by[entity[r.ID]] = append(by[entity[r.ID]], r.ID)
	}
	out := map[[2]string]bool{}
	for _, ids := range by {
		for i := range ids {
			for j := i + 1; j < len(ids); j++ {
				out[pairKey(ids[i], ids[j])] = true
			}
		}
	}
	return out
}

func truthAcross(a, b []Record, ea, eb map[string]string) map[[2]string]bool {
	by := map[string][]string{}
	for _, r := range b {
		by[eb[r.ID]] = append(by[eb[r.ID]], r.ID)
	}
	out := map[[2]string]bool{}
	for _, r := range a {
		for _, id := range by[ea[r.ID]] {
			out[pairKey(r.ID, id)] = true
		}
	}
	return out
}

func TestFEBRL4LinkF1(t *testing.T) {
	t.Parallel()
	a, ea := readFEBRL(t, "dataset4a.csv")
	b, eb := readFEBRL(t, "dataset4b.csv")
	found, err := LinkSets(a, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := pairwise(found, truthAcross(a, b, ea, eb))
	t.Logf("FEBRL dataset4a × dataset4b: %d pairs found, tp %d fp %d fn %d, precision %.4f recall %.4f F1 %.4f",
		len(found), p.tp, p.fp, p.fn, p.precision(), p.recall(), p.f1())
	if p.f1() < 0.95 {
		t.Errorf("FEBRL 4 pairwise F1 %.4f < 0.95", p.f1())
	}
}

func TestFEBRLDedupeFigures(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"dataset1.csv", "dataset2.csv", "dataset3.csv"} {
		recs, ent := readFEBRL(t, name)
		found, err := Dedupe(recs, Options{})
		if err != nil {
			t.Fatal(err)
		}
		p := pairwise(found, truthWithin(recs, ent))
		t.Logf("FEBRL %s dedupe: %d records, %d pairs found, tp %d fp %d fn %d, precision %.4f recall %.4f F1 %.4f",
			name, len(recs), len(found), p.tp, p.fp, p.fn, p.precision(), p.recall(), p.f1())
		c := pairwise(closure(found), truthWithin(recs, ent))
		t.Logf("FEBRL %s clusters (transitive closure): precision %.4f recall %.4f F1 %.4f", name, c.precision(), c.recall(), c.f1())
		if p.f1() < 0.98 {
			t.Errorf("FEBRL %s pairwise F1 %.4f < 0.98", name, p.f1())
		}
	}
}

func TestSplinkFake1000Figures(t *testing.T) {
	t.Parallel()
	recs, ent := readSplink(t)
	found, err := Dedupe(recs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := pairwise(found, truthWithin(recs, ent))
	t.Logf("splink fake_1000 dedupe: %d records, %d pairs found, tp %d fp %d fn %d, precision %.4f recall %.4f F1 %.4f",
		len(recs), len(found), p.tp, p.fp, p.fn, p.precision(), p.recall(), p.f1())
	c := pairwise(closure(found), truthWithin(recs, ent))
	t.Logf("splink fake_1000 clusters (transitive closure): precision %.4f recall %.4f F1 %.4f", c.precision(), c.recall(), c.f1())
	if p.precision() < 0.98 || c.f1() < 0.9 {
		t.Errorf("splink fake_1000: pairwise precision %.4f < 0.98 or cluster F1 %.4f < 0.9", p.precision(), c.f1())
	}
}
