package linkage

import (
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/hiring/internal/synth"
)

// The 1,000,000-record fixtures are built once per test binary, and only
// by the benchmarks that need them.
var (
	synth1M = sync.OnceValues(func() ([]Record, []int32) { return synthRecords(1_000_000, 42) })
	index1M = sync.OnceValues(func() (*Index, error) {
		recs, _ := synth1M()
		return NewIndex(recs, Options{})
	})
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func maxRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}

// heapPeak samples the live heap every few milliseconds until stop is
// closed, and returns the largest sample.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// BenchmarkDedupe1M dedupes 1,000,000 synthetic records (~10%
// duplicates). It reports CPU seconds (user+system, all goroutines) per
// run, the peak in-use heap during the run, the process's peak RSS
// (which includes the generated input) and the F1 against the generator's
// truth.
func BenchmarkDedupe1M(b *testing.B) {
	recs, ent := synth1M()
	runtime.GC()
	b.ResetTimer()
	var found []Match
	var cpu time.Duration
	var peak uint64
	for range b.N {
		stop := make(chan struct{})
		peakc := heapPeak(stop)
		c0 := cpuTime()
		var err error
		found, err = Dedupe(recs, Options{})
		if err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
		close(stop)
		peak = max(peak, <-peakc)
	}
	b.StopTimer()
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(maxRSSMiB(), "maxrss-MiB")
	tp, fp := 0, 0
	for _, m := range found {
		var i, j int
		fmt.Sscan(m.A, &i)
		fmt.Sscan(m.B, &j)
		if ent[i] == ent[j] {
			tp++
		} else {
			fp++
		}
	}
	size := map[int32]int{}
	for _, e := range ent {
		size[e]++
	}
	truth := 0
	for _, n := range size {
		truth += n * (n - 1) / 2
	}
	p := prf{tp: tp, fp: fp, fn: truth - tp}
	b.ReportMetric(p.f1(), "F1")
	b.ReportMetric(float64(len(found)), "pairs")
}

// BenchmarkIndexQuery1M matches one applicant (a corrupted copy of a known
// person, or a new one) against an index of 1,000,000 records.
func BenchmarkIndexQuery1M(b *testing.B) {
	ix, err := index1M()
	if err != nil {
		b.Fatal(err)
	}
	g := synth.New(7)
	recs, _ := synth1M()
	var queries []Record
	for i := range 1000 {
		if i%2 == 0 {
			queries = append(queries, record(g.Person(), "q"))
			continue
		}
		r := recs[g.R.IntN(len(recs))]
		n := ParseName(r.Name)
		p := synth.Person{Given: n.Given, Family: n.Family, DOB: r.DOB, Address: r.Address, NationalID: r.NationalID}
		queries = append(queries, record(g.Corrupt(p), "q"))
	}
	b.ResetTimer()
	c0 := cpuTime()
	i := 0
	for b.Loop() {
		ix.Query(queries[i%len(queries)])
		i++
	}
	b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(i), "cpu-ns/op")
}
