package sqlite

import (
	"context"
	"crypto/sha256"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/screening"
)

// BenchmarkJournalTryAppend appends one decision with an 850-byte body
// (and its ID) per op, as the server's requests do in the default mode (TryAppend, the
// WAL syncer syncing every 100 ms, 16 MiB segments), from 4 goroutines
// that each also hash the body 10 times between appends (standing for the
// rest of a request's work, so that appends come at about a server's
// rate). It reports the append's latency quantiles and the time spent in
// appends of 1 ms or more per op (stall-ns/op: all 4 goroutines wait on
// the journal's lock while one append waits for the disk).
func BenchmarkJournalTryAppend(b *testing.B) {
	for _, mapped := range []bool{true, false} {
		name := "pwrite"
		if mapped {
			name = "mapped"
		}
		b.Run(name, func(b *testing.B) { benchJournalTryAppend(b, mapped) })
	}
}

func benchJournalTryAppend(b *testing.B, mapped bool) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "bulwark.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	jr, err := db.DecisionJournal(ctx)
	if err != nil || jr == nil {
		b.Fatalf("DecisionJournal = %v, %v", jr, err)
	}
	dj := jr.(screening.DirectJournal)
	if !mapped {
		db.journal.mu.Lock()
		db.journal.unmap()
		db.journal.unmapped = true
		db.journal.mu.Unlock()
	}
	const workers = 4
	body := make([]byte, 850)
	lat := make([][]time.Duration, workers)
	var wg sync.WaitGroup
	per := b.N/workers + 1
	b.ResetTimer()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := make([]time.Duration, 0, per)
			for i := range per {
				// A decision of its own (the loader refuses an ID twice).
				n := w*per + i
				at := time.Date(2026, 1, 2, 3, 4, 5, n, time.UTC)
				d := &screening.Decision{ID: testDecisionID(at, "bench", n), Time: at,
					Kind: "address", Use: screening.UseDeposit, Subject: "bench", Actor: "token:x", Verdict: "clear"}
				r := screening.Recorded{Decision: d, Body: append([]byte(d.ID), body...)}
				for range 10 {
					sha256.Sum256(r.Body)
				}
				t := time.Now()
				if ok, err := dj.TryAppend([]screening.Recorded{r}); !ok || err != nil {
					if err := jr.Append(ctx, []screening.Recorded{r}, false); err != nil {
						b.Error(err)
						return
					}
				}
				l = append(l, time.Since(t))
			}
			lat[w] = l
		}()
	}
	wg.Wait()
	b.StopTimer()
	var all []time.Duration
	var stall time.Duration
	for _, l := range lat {
		all = append(all, l...)
		for _, d := range l {
			if d >= time.Millisecond {
				stall += d
			}
		}
	}
	sort.Slice(all, func(a, c int) bool { return all[a] < all[c] })
	q := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Nanoseconds()) }
	b.ReportMetric(q(0.999), "p99.9-ns")
	b.ReportMetric(q(1), "max-ns")
	b.ReportMetric(float64(stall.Nanoseconds())/float64(len(all)), "stall-ns/op")
	db.journal.mu.Lock()
	b.ReportMetric(float64(db.journal.seg-1), "rotations")
	db.journal.mu.Unlock()
}
