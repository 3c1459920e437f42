package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// BenchmarkRecordDecisions screens one unlisted address per call through
// screening.Service over a fresh store and records the decision, sync (the
// call returns once the decision and its audit entry are committed,
// batched with the concurrent callers' decisions) or async (the call
// returns once queued). The timed interval ends when every decision is
// committed (Service.Close drains the queue), so both modes report the
// rate at which decisions become durable. Callers: 1, and b.RunParallel
// with SetParallelism(4), (16) and (64) goroutines per GOMAXPROCS.
func BenchmarkRecordDecisions(b *testing.B) {
	for _, par := range []int{0, 4, 16, 64} {
		for _, mode := range []string{"sync", "async"} {
			name := fmt.Sprintf("callers%d/%s", max(par*2, 1), mode)
			b.Run(name, func(b *testing.B) {
				ctx := context.Background()
				db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bulwark.db"), sqlite.Options{})
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				svc, err := screening.OpenService(ctx, screening.ServiceConfig{Store: db, Audit: &audit.Log{Store: db},
					Recorder: screening.RecorderOptions{Async: mode == "async"}})
				if err != nil {
					b.Fatal(err)
				}
				var n atomic.Int64
				screen := func() {
					q := []screening.AddressQuery{{Address: fmt.Sprintf("0x%040x", n.Add(1)*7919)}}
					if _, err := svc.ScreenAddresses(ctx, "bench", screening.UseDeposit, "", q); err != nil {
						b.Error(err)
					}
				}
				before := db.Stats()
				b.ResetTimer()
				if par == 0 {
					for range b.N {
						screen()
					}
				} else {
					b.SetParallelism(par)
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							screen()
						}
					})
				}
				if err := svc.Close(ctx); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				st := svc.RecorderStats()
				b.ReportMetric(float64(st.Recorded)/b.Elapsed().Seconds(), "decisions/s")
				b.ReportMetric(float64(st.Recorded)/float64(max(db.Stats().Commits-before.Commits, 1)), "decisions/commit")
			})
		}
	}
}

// BenchmarkStoreDecisionBatch stores batches of 1,024 address decisions
// (bodies of 700 bytes, as a single unlisted address's, and their audit
// lines) with one audit entry each, as the decision journal's loader
// does, each batch committed with an fsync; ns/op is per decision, and
// cpu-ns/decision the process's CPU time per decision.
func BenchmarkStoreDecisionBatch(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bulwark.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	log := &audit.Log{Store: db}
	const batch = 1024
	body := []byte(`{"packed":1,"decisionId":"dec_x","lists":{` + strings.Repeat(`"ofac-sdn":"4dc41ff1d79a8794c6fbca545e00c44e18b6a526ad1146a825914733a2d9f114",`, 7) + `"x":"y"},"results":[{"i":"0xad5825d4dfba8f480709a8a7f2bda0c905d688c8"}]}`)
	// The audit line the service encodes as it records a decision.
	item := []byte(`{"actor":"token:8118973288fbd67d","bodySha256":"` + strings.Repeat("ab", 32) + `","id":"dec_x","kind":"address","use":"deposit","verdict":"clear"}`)
	recs := make([]screening.Recorded, batch)
	n := 0
	cpu0 := processCPU(b)
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		for j := range recs {
			n++
			now := time.Now()
			recs[j] = screening.Recorded{Decision: &screening.Decision{ID: screening.NewDecisionID(now), Time: now, Kind: "address",
				Use: screening.UseDeposit, Actor: "token:8118973288fbd67d", Verdict: bulwark.VerdictClear}, Body: body, Item: item}
		}
		if err := screening.StoreDecisions(ctx, db, log, recs, false); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/decision")
	// CPU time is steadier than wall time on a shared machine.
	b.ReportMetric(float64((processCPU(b)-cpu0).Nanoseconds())/float64(n), "cpu-ns/decision")
}
