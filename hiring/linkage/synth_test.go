package linkage

import (
	"fmt"
	"testing"

	"github.com/bulwark-sec/bulwark/hiring/internal/synth"
)

// Synthetic people for the benchmarks and the synthetic quality test come
// from hiring/internal/synth.

// record is p as a linkage record.
func record(p synth.Person, id string) Record {
	name := p.Given + " " + p.Family
	if p.Given == "" {
		name = p.Family + ","
	}
	return Record{ID: id, Name: name, DOB: p.DOB, Address: p.Address, NationalID: p.NationalID}
}

// synthRecords returns n records, ~10% duplicates of earlier ones, and
// each record's person.
func synthRecords(n int, seed uint64) ([]Record, []int32) {
	people, entity := synth.People(n, seed)
	recs := make([]Record, len(people))
	for i, p := range people {
		recs[i] = record(p, fmt.Sprint(i))
	}
	return recs, entity
}

func TestSyntheticQuality(t *testing.T) {
	t.Parallel()
	recs, ent := synthRecords(50_000, 1)
	entity := map[string]string{}
	for i, r := range recs {
		entity[r.ID] = fmt.Sprint(ent[i])
	}
	found, err := Dedupe(recs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := pairwise(found, truthWithin(recs, entity))
	t.Logf("synthetic 50,000 dedupe: %d pairs found, tp %d fp %d fn %d, precision %.4f recall %.4f F1 %.4f",
		len(found), p.tp, p.fp, p.fn, p.precision(), p.recall(), p.f1())
	if p.f1() < 0.9 {
		t.Errorf("synthetic F1 %.4f < 0.9", p.f1())
	}
}
