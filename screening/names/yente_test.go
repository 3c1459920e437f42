package names_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/race"
	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/screening/names"
)

// The yente fixtures gate: with the UN consolidated list indexed, ≥ 98% of
// the candidate-generation positives (UN names, as listed and "treated"
// with typos, reordering, dropped characters and DOB slips) must find
// their entity at or above names.ReviewThreshold, and ≤ 0.5% of the negatives
// (random realistic people) may produce any match at or above it.

var (
	unOnce    sync.Once
	unRecords []names.Record
	unIndex   *names.Index
)

func unIndexed(t testing.TB) ([]names.Record, *names.Index) {
	t.Helper()
	unOnce.Do(func() {
		unRecords = loadUN(t)
		unIndex = names.Build(unRecords)
	})
	if unIndex == nil {
		t.Skip("UN list not loaded")
	}
	return unRecords, unIndex
}

func fixture(t testing.TB, name string) []map[string]string {
	return readCSV(t, shareddata.Path(t, "screen", "opensanctions_yente_fixtures", name))
}

// fixtureQuery turns a fixture row into a query.
func fixtureQuery(t testing.TB, row map[string]string) names.Query {
	return names.Query{
		Name:        row["full_name"],
		DateOfBirth: row["date_of_birth"],
		Country:     countryCodes(t)[strings.ToLower(strings.TrimSpace(row["nationality"]))],
		Limit:       10,
	}
}

// resolveUN finds the UN records a positive stands for: those with a name
// equal, once normalised, to the untreated fixture name; several are
// narrowed by the date of birth's year.
func resolveUN(recs []names.Record, byNorm map[string][]int, row map[string]string) []string {
	ids := byNorm[names.Normalize(row["full_name"])]
	if len(ids) > 1 {
		var narrowed []int
		year := row["date_of_birth"]
		if len(year) >= 4 {
			year = year[:4]
		}
		for _, i := range ids {
			for _, d := range recs[i].DatesOfBirth {
				if strings.HasPrefix(d, year) {
					narrowed = append(narrowed, i)
					break
				}
			}
		}
		if len(narrowed) > 0 {
			ids = narrowed
		}
	}
	var out []string
	for _, i := range ids {
		out = append(out, recs[i].ID)
	}
	return out
}

func TestCorpusYentePositives(t *testing.T) {
	race.Corpus(t)
	t.Parallel()
	recs, ix := unIndexed(t)
	byNorm := map[string][]int{}
	for i, r := range recs {
		seen := map[string]bool{}
		for _, n := range r.Names {
			k := names.Normalize(n.Value)
			if !seen[k] {
				seen[k] = true
				byNorm[k] = append(byNorm[k], i)
			}
		}
	}
	untreated := fixture(t, "candidate_generation_benchmark__positives_un_untreated.csv")
	treated := fixture(t, "candidate_generation_benchmark__positives_un_treated.csv")
	if len(untreated) != len(treated) {
		t.Fatalf("fixtures differ in length: %d untreated, %d treated", len(untreated), len(treated))
	}
	for _, set := range []struct {
		name string
		rows []map[string]string
	}{{"untreated", untreated}, {"treated", treated}} {
		found, top1, unresolved := 0, 0, 0
		var misses []string
		for i, row := range set.rows {
			want := resolveUN(recs, byNorm, untreated[i])
			if len(want) == 0 {
				unresolved++
				misses = append(misses, "unresolved "+untreated[i]["full_name"])
				continue
			}
			// MinScore at the threshold returns exactly the matches at or
			// above it (TestCorpusMinScoreSkipsExactly); a miss is searched
			// again without it below, for the score it got.
			q := fixtureQuery(t, row)
			q.MinScore = names.ReviewThreshold
			ms := ix.Search(q)
			ok := false
			for k, m := range ms {
				if m.Score < names.ReviewThreshold {
					break
				}
				for _, w := range want {
					if m.RecordID == w {
						ok = true
						if k == 0 {
							top1++
						}
					}
				}
			}
			if ok {
				found++
				continue
			}
			best := "none"
			q.MinScore = 0
			for _, m := range ix.Search(q) {
				for _, w := range want {
					if m.RecordID == w {
						best = fmt.Sprintf("%.3f via %q %v", m.Score, m.MatchedName, m.Explanation.Features)
					}
				}
			}
			misses = append(misses, fmt.Sprintf("%q dob=%s nat=%s → %s", row["full_name"], row["date_of_birth"], row["nationality"], best))
		}
		n := len(set.rows)
		rate := float64(found) / float64(n)
		t.Logf("UN positives %s: %d/%d = %.4f found at ≥ %.2f (%d as top match, %d unresolvable)", set.name, found, n, rate, names.ReviewThreshold, top1, unresolved)
		if len(misses) > 0 {
			t.Logf("%s misses:\n  %s", set.name, strings.Join(misses, "\n  "))
		}
		if rate < 0.98 {
			t.Errorf("%s positives: %.4f < 0.98", set.name, rate)
		}
	}
}

// negativeRate screens rows in parallel and returns the share with any
// match at or above names.ReviewThreshold, with examples.
func negativeRate(t testing.TB, ix *names.Index, rows []map[string]string) (float64, []string) {
	workers := runtime.GOMAXPROCS(0)
	hits := make([][]string, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(rows); i += workers {
				// MinScore lets Search skip the names that cannot reach
				// the threshold, as screening does; the matches at or
				// above it are the same (TestCorpusMinScoreSkipsExactly).
				q := fixtureQuery(t, rows[i])
				q.MinScore = names.ReviewThreshold
				ms := ix.Search(q)
				if len(ms) > 0 && ms[0].Score >= names.ReviewThreshold {
					hits[w] = append(hits[w], fmt.Sprintf("%q (%s, %s) ~ %q %.3f %v", rows[i]["full_name"], rows[i]["date_of_birth"], rows[i]["nationality"], ms[0].MatchedName, ms[0].Score, ms[0].Explanation.Features))
				}
			}
		}(w)
	}
	wg.Wait()
	var all []string
	for _, h := range hits {
		all = append(all, h...)
	}
	return float64(len(all)) / float64(len(rows)), all
}

// negativeSample is how many rows of each 50,000-row negatives file are
// screened under -short; otherwise all are.
const negativeSample = 2000

func TestCorpusYenteNegatives(t *testing.T) {
	race.Corpus(t)
	t.Parallel()
	_, ix := unIndexed(t)
	for _, f := range []string{
		"candidate_generation_benchmark__negatives_global.csv",
		"candidate_generation_benchmark__negatives_us.csv",
		"validation_report__negatives_global.csv",
		"validation_report__negatives_us.csv",
	} {
		rows := fixture(t, f)
		n := len(rows)
		if (testing.Short()) && n > negativeSample {
			rng := rand.New(rand.NewPCG(7, uint64(n)))
			perm := rng.Perm(n)[:negativeSample]
			picked := make([]map[string]string, len(perm))
			for i, k := range perm {
				picked[i] = rows[k]
			}
			rows = picked
		}
		rate, hits := negativeRate(t, ix, rows)
		t.Logf("%s: %d of %d screened, %d (%.4f%%) with a match ≥ %.2f", f, len(rows), n, len(hits), 100*rate, names.ReviewThreshold)
		if len(hits) > 0 {
			t.Logf("  %s", strings.Join(hits[:min(15, len(hits))], "\n  "))
		}
		if rate > 0.005 {
			t.Errorf("%s: false-positive rate %.4f > 0.005", f, rate)
		}
	}
}
