package names_test

import (
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/race"
	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/screening/names"
)

// The recall gates: an index over every record of the 2024-05-03 OFAC SDN
// list must return the listed entry in its top 10 for ≥ 99% of sampled
// exact names and ≥ 97% of the same names with one random typo.

const (
	recallSample = 1200
	recallSeed   = 20240503
)

var (
	sdnOnce    sync.Once
	sdnRecords []names.Record
	sdnIndex   *names.Index
)

func sdn2024(t testing.TB) ([]names.Record, *names.Index) {
	t.Helper()
	p := shareddata.Path(t, "screen", "ofac_sdn_csv_2024-05-03", "sdn.csv")
	sdnOnce.Do(func() {
		sdnRecords = loadSDN(t, p)
		sdnIndex = names.Build(sdnRecords)
	})
	return sdnRecords, sdnIndex
}

// typo applies one random edit to a letter of s: insert, delete,
// substitute or transpose.
func typo(rng *rand.Rand, s string) string {
	b := []byte(s)
	var letters []int
	for i, c := range b {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
			letters = append(letters, i)
		}
	}
	if len(letters) < 2 {
		return s
	}
	i := letters[rng.IntN(len(letters))]
	c := byte('A' + rng.IntN(26))
	if b[i] >= 'a' {
		c += 'a' - 'A'
	}
	switch rng.IntN(4) {
	case 0: // insert
		return string(b[:i]) + string(c) + string(b[i:])
	case 1: // delete
		return string(b[:i]) + string(b[i+1:])
	case 2: // substitute (by a different letter)
		for c == b[i] || c == b[i]+32 || c == b[i]-32 {
			c = byte('A' + rng.IntN(26))
			if b[i] >= 'a' {
				c += 'a' - 'A'
			}
		}
		b[i] = c
		return string(b)
	default: // transpose with the next letter
		if i+1 < len(b) && b[i+1] != ' ' && b[i] != b[i+1] {
			b[i], b[i+1] = b[i+1], b[i]
			return string(b)
		}
		return string(b[:i]) + string(b[i+1:])
	}
}

func inTop(ms []names.Match, id string, k int) bool {
	for i, m := range ms {
		if i >= k {
			break
		}
		if m.RecordID == id {
			return true
		}
	}
	return false
}

func TestCorpusRecallOFAC(t *testing.T) {
	race.Corpus(t)
	t.Parallel()
	recs, ix := sdn2024(t)
	rng := rand.New(rand.NewPCG(recallSeed, 1))
	n := recallSample
	if testing.Short() {
		n = 300
	}
	perm := rng.Perm(len(recs))[:n]
	var exact, typoHits, persons, orgs int
	var missExact, missTypo []string
	for _, k := range perm {
		r := recs[k]
		if r.Type == "person" {
			persons++
		} else {
			orgs++
		}
		nm := r.Names[0].Value
		if inTop(ix.Search(names.Query{Name: nm, Limit: 10}), r.ID, 10) {
			exact++
		} else {
			missExact = append(missExact, nm)
		}
		ty := typo(rng, nm)
		if inTop(ix.Search(names.Query{Name: ty, Limit: 10}), r.ID, 10) {
			typoHits++
		} else {
			missTypo = append(missTypo, nm+" → "+ty)
		}
	}
	re, rt := float64(exact)/float64(n), float64(typoHits)/float64(n)
	t.Logf("OFAC SDN 2024-05-03: %d records indexed; %d sampled (%d persons, %d others): recall@10 exact %.4f, one typo %.4f", len(recs), n, persons, orgs, re, rt)
	if len(missExact) > 0 {
		t.Logf("exact misses: %s", strings.Join(missExact[:min(20, len(missExact))], " | "))
	}
	if len(missTypo) > 0 {
		t.Logf("typo misses: %s", strings.Join(missTypo[:min(40, len(missTypo))], " | "))
	}
	if re < 0.99 {
		t.Errorf("recall@10 exact %.4f < 0.99", re)
	}
	if rt < 0.97 {
		t.Errorf("recall@10 with one typo %.4f < 0.97", rt)
	}
}

// TestCorpusRecallOFACAliases indexes the July 2021 SDN list with its aliases
// (alt.csv) and queries sampled aliases, exact and with one typo.
func TestCorpusRecallOFACAliases(t *testing.T) {
	race.Corpus(t)
	t.Parallel()
	recs := loadSDN(t, shareddata.Path(t, "screen", "watchman", "ofac_2021-07-07_bench", "sdn.csv"))
	alts := loadAlt(t, shareddata.Path(t, "screen", "watchman", "ofac_2021-07-07_bench", "alt.csv"))
	type q struct{ id, name string }
	var qs []q
	for i := range recs {
		for _, a := range alts[recs[i].ID] {
			recs[i].Names = append(recs[i].Names, a)
			qs = append(qs, q{recs[i].ID, a.Value})
		}
	}
	ix := names.Build(recs)
	rng := rand.New(rand.NewPCG(recallSeed, 2))
	n := 1000
	if testing.Short() {
		n = 200
	}
	var exact, typoHits int
	var missExact, missTypo []string
	for _, k := range rng.Perm(len(qs))[:n] {
		if inTop(ix.Search(names.Query{Name: qs[k].name}), qs[k].id, 10) {
			exact++
		} else {
			missExact = append(missExact, qs[k].name)
		}
		ty := typo(rng, qs[k].name)
		if inTop(ix.Search(names.Query{Name: ty}), qs[k].id, 10) {
			typoHits++
		} else {
			missTypo = append(missTypo, qs[k].name+" → "+ty)
		}
	}
	re, rt := float64(exact)/float64(n), float64(typoHits)/float64(n)
	_, names := ix.Len()
	t.Logf("OFAC SDN 2021-07-07 with aliases: %d records, %d names; %d aliases sampled: recall@10 exact %.4f, one typo %.4f", len(recs), names, n, re, rt)
	if len(missExact) > 0 {
		t.Logf("exact misses: %s", strings.Join(missExact[:min(20, len(missExact))], " | "))
	}
	if len(missTypo) > 0 {
		t.Logf("typo misses: %s", strings.Join(missTypo[:min(30, len(missTypo))], " | "))
	}
	if re < 0.99 {
		t.Errorf("alias recall@10 exact %.4f < 0.99", re)
	}
	if rt < 0.97 {
		t.Errorf("alias recall@10 with one typo %.4f < 0.97", rt)
	}
}
