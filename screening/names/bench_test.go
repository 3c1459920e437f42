package names_test

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/screening/names"
)

// The benchmark corpus: every record of the 2024-05-03 OFAC SDN list with
// the aliases of the December 2025 alt.csv that belong to them, plus the
// UN consolidated list (~16k records, ~40k names).

var (
	corpusOnce sync.Once
	corpus     []names.Record
)

func benchCorpus(tb testing.TB) []names.Record {
	tb.Helper()
	sdnPath := shareddata.Path(tb, "screen", "ofac_sdn_csv_2024-05-03", "sdn.csv")
	altPath := shareddata.Path(tb, "screen", "watchman", "ofac_2025-12-24_partial", "alt.csv")
	corpusOnce.Do(func() {
		recs := loadSDN(tb, sdnPath)
		alts := loadAlt(tb, altPath)
		for i := range recs {
			recs[i].Names = append(recs[i].Names, alts[recs[i].ID]...)
		}
		recs = append(recs, loadUN(tb)...)
		corpus = recs
	})
	return corpus
}

// benchQueries returns hit (listed names), typo and miss (yente negative
// people) queries, n of each, from a fixed seed.
func benchQueries(tb testing.TB, recs []names.Record, n int) (hits, typos, misses []names.Query) {
	rng := rand.New(rand.NewPCG(42, 42))
	var all []names.Name
	for _, r := range recs {
		all = append(all, r.Names...)
	}
	for _, k := range rng.Perm(len(all))[:n] {
		hits = append(hits, names.Query{Name: all[k].Value})
		typos = append(typos, names.Query{Name: typo(rng, all[k].Value)})
	}
	neg := fixture(tb, "candidate_generation_benchmark__negatives_global.csv")
	for _, k := range rng.Perm(len(neg))[:n] {
		misses = append(misses, fixtureQuery(tb, neg[k]))
	}
	return
}

func BenchmarkBuild(b *testing.B) {
	recs := benchCorpus(b)
	b.ReportAllocs()
	var ix *names.Index
	for b.Loop() {
		ix = names.Build(recs)
	}
	r, n := ix.Len()
	b.ReportMetric(float64(r), "records")
	b.ReportMetric(float64(n), "names")
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	keep := names.Build(recs)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	b.ReportMetric(float64(m1.HeapAlloc-m0.HeapAlloc)/(1<<20), "MB-retained")
	runtime.KeepAlive(keep)
}

var (
	benchIxOnce sync.Once
	benchIx     *names.Index
)

// benchIndex is the index over the benchmark corpus, built once and shared
// by the benchmarks and the corpus tests (Search does not modify it).
func benchIndex(tb testing.TB) *names.Index {
	recs := benchCorpus(tb)
	benchIxOnce.Do(func() { benchIx = names.Build(recs) })
	return benchIx
}

func benchSearch(b *testing.B, pick func(hits, typos, misses []names.Query) []names.Query) {
	ix := benchIndex(b)
	hits, typos, misses := benchQueries(b, corpus, 500)
	qs := pick(hits, typos, misses)
	b.ReportAllocs()
	i := 0
	cpu0 := processCPU()
	for b.Loop() {
		ix.Search(qs[i%len(qs)])
		i++
	}
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(i), "cpu-µs/op")
	}
}

func BenchmarkSearchHit(b *testing.B) {
	benchSearch(b, func(h, _, _ []names.Query) []names.Query { return h })
}

func BenchmarkSearchTypo(b *testing.B) {
	benchSearch(b, func(_, t, _ []names.Query) []names.Query { return t })
}

func BenchmarkSearchMiss(b *testing.B) {
	benchSearch(b, func(_, _, m []names.Query) []names.Query { return m })
}

// BenchmarkSearchReview runs the mixed query set (exact hits, typo hits,
// misses) as screening runs it: matches from ReviewThreshold up, at most
// 20.
func BenchmarkSearchReview(b *testing.B) {
	benchSearch(b, func(h, t, m []names.Query) []names.Query {
		var qs []names.Query
		for i := range h {
			for _, q := range []names.Query{h[i], t[i], m[i]} {
				q.MinScore, q.Limit = names.ReviewThreshold, 20
				qs = append(qs, q)
			}
		}
		return qs
	})
}

// BenchmarkSearchLatency runs a mixed query set (exact hits, typo hits,
// misses) and reports the mean, p50 and p99 latency of single queries and
// the throughput of all cores searching at once.
func BenchmarkSearchLatency(b *testing.B) {
	ix := benchIndex(b)
	hits, typos, misses := benchQueries(b, corpus, 500)
	var qs []names.Query
	for i := range hits {
		qs = append(qs, hits[i], typos[i], misses[i])
	}
	var durs []time.Duration
	i := 0
	for b.Loop() {
		t0 := time.Now()
		ix.Search(qs[i%len(qs)])
		durs = append(durs, time.Since(t0))
		i++
	}
	slices.Sort(durs)
	var sum time.Duration
	for _, d := range durs {
		sum += d
	}
	pct := func(p float64) float64 {
		return float64(durs[min(len(durs)-1, int(p*float64(len(durs))))].Microseconds())
	}
	b.ReportMetric(float64(sum.Microseconds())/float64(len(durs)), "mean-µs")
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")

	// Throughput with every core busy.
	workers := runtime.GOMAXPROCS(0)
	per := len(qs)
	t0 := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for k := 0; k < per; k++ {
				ix.Search(qs[(k+w*per/workers)%len(qs)])
			}
		}(w)
	}
	wg.Wait()
	b.ReportMetric(float64(workers*per)/time.Since(t0).Seconds(), "queries/s")
}
