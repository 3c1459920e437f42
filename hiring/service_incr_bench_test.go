package hiring_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/hiring"
)

// BenchmarkServiceScreenOneAgainst1M screens one applicant at a time
// through hiring.Service.Screen with a ScreenIndex, on the SQLite store
// holding 1,000,000 people (SynthApplicants, imported before the timer):
// half the applicants are damaged copies of stored people (another
// e-mail, a typo in the name, the resume changed), half new people
// (each with an address and resume of their own). Each
// operation is a whole screening: matching, the graph and the rules over
// the neighbourhood, the applicant and the run stored and audited in one
// transaction. cpu-ns/op is the process's CPU time per screening; the
// first screening, which reads the store and builds the index (what a
// one-shot command pays, and a server once at start), is reported beside
// (cold-s, cold-cpu-s), with the heap the index keeps live (index-heap-MiB:
// the live heap after the first screening less before it) and the peak
// resident set.
//
//	go test -run '^$' -bench BenchmarkServiceScreenOneAgainst1M -benchtime 2000x ./hiring/
func BenchmarkServiceScreenOneAgainst1M(b *testing.B) {
	benchScreenOne(b, 1_000_000)
}

// BenchmarkServiceScreenOneAgainst10k is the same against 10,000 people.
func BenchmarkServiceScreenOneAgainst10k(b *testing.B) {
	benchScreenOne(b, 10_000)
}

func benchScreenOne(b *testing.B, n int) {
	ctx := context.Background()
	people := hiring.SynthApplicants(n + 1)
	known, fresh := people[:n], people[n]
	db := openHiringStore(b)
	ix := hiring.NewScreenIndex()
	svc := incrService(db, ix)
	t0 := time.Now()
	if _, err := svc.Import(ctx, "bench", known, hiring.Evidence{}); err != nil {
		b.Fatal(err)
	}
	b.Logf("imported %d people in %s", n, time.Since(t0).Round(time.Millisecond))
	r := rand.New(rand.NewPCG(9, 9))
	queries := make([]hiring.Person, 0, 4096)
	next := 0
	query := func() hiring.Person {
		i := next
		next++
		if i%2 == 0 {
			q := fresh
			q.ID = fmt.Sprintf("new-%d", i)
			q.FullName = fmt.Sprintf("Applicant %d Newcomer", i)
			q.Emails = []string{fmt.Sprintf("applicant%d@example.net", i)}
			q.Phones, q.BankAccounts, q.DeviceSerials, q.GitHub, q.NationalID = nil, nil, nil, "", ""
			// Each new applicant lives elsewhere and has a resume of their
			// own (applicants sharing one would be one growing cluster).
			q.HomeAddress = fmt.Sprintf("%d Newcomer Road, Springfield IL 62704", i)
			if q.ResumeText != "" {
				q.ResumeText = fmt.Sprintf("Applicant %d writes: ", i) + strings.Repeat(fmt.Sprintf("item%d ", i), 30)
			}
			return q
		}
		q := known[r.IntN(len(known))]
		q.ID = fmt.Sprintf("again-%d", i)
		q.Emails = []string{fmt.Sprintf("someone%d@example.net", i)}
		if nm := []rune(q.FullName); len(nm) > 3 {
			nm[2] = 'x'
			q.FullName = string(nm)
		}
		if q.ResumeText != "" {
			q.ResumeText = "Curriculum " + q.ResumeText
		}
		return q
	}
	runtime.GC()
	live0 := liveHeap()
	c0, w0 := hiring.CPUTime(), time.Now()
	if _, err := svc.Screen(ctx, "bench", []hiring.Person{query()}, hiring.Evidence{}); err != nil {
		b.Fatal(err)
	}
	cold, coldCPU := time.Since(w0), hiring.CPUTime()-c0
	runtime.GC()
	index := int64(liveHeap()) - int64(live0)
	if ix.Len() != n+1 {
		b.Fatalf("index holds %d people, want %d", ix.Len(), n+1)
	}
	for range cap(queries) {
		queries = append(queries, query())
	}
	b.ReportAllocs()
	b.ResetTimer()
	c1, t1 := hiring.CPUTime(), time.Now()
	i, checked := 0, 0
	for b.Loop() {
		if i == len(queries) {
			b.Fatalf("more than %d iterations: give -benchtime", len(queries))
		}
		res, err := svc.Screen(ctx, "bench", []hiring.Person{queries[i]}, hiring.Evidence{})
		if err != nil {
			b.Fatal(err)
		}
		checked += res.Run.Inputs.People
		i++
	}
	wall := time.Since(t1)
	b.ReportMetric(float64((hiring.CPUTime()-c1).Nanoseconds())/float64(i), "cpu-ns/op")
	b.ReportMetric(float64(wall.Nanoseconds())/float64(i), "wall-ns/op")
	b.ReportMetric(float64(checked)/float64(i), "people-checked/op")
	b.ReportMetric(cold.Seconds(), "cold-s")
	b.ReportMetric(coldCPU.Seconds(), "cold-cpu-s")
	b.ReportMetric(float64(index)/(1<<20), "index-heap-MiB")
	if hwm := hiring.VMHWM(); hwm > 0 {
		b.ReportMetric(float64(hwm)/(1<<10), "peak-rss-MiB")
	}
}

// liveHeap is the heap the last garbage collection found live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
