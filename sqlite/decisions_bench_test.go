package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
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
// (one unlisted address each, with bodies and audit lines as the
// screening service encodes them, made before the timer starts) with one
// audit entry each, as the decision journal's loader does, each batch
// committed with an fsync; ns/op is per decision, and cpu-ns/decision the
// process's CPU time per decision.
func BenchmarkStoreDecisionBatch(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bulwark.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	log := &audit.Log{Store: db}
	const batch = 1024
	lists := map[string]string{}
	for _, id := range []string{"ofac-sdn", "ofac-cons", "un-sc", "fbi-dprk", "il-nbctf", "eu-fsf", "uk-hmt"} {
		lists[id] = "4dc41ff1d79a8794c6fbca545e00c44e18b6a526ad1146a825914733a2d9f114"
	}
	all := make([]screening.Recorded, (b.N+batch-1)/batch*batch)
	start := time.Now()
	for i := range all {
		at := start.Add(time.Duration(i) * time.Microsecond)
		d := screening.Decision{ID: screening.NewDecisionID(at), Time: at.UTC(), Kind: screening.KindAddress, Use: screening.UseDeposit,
			Actor: "token:8118973288fbd67d", Verdict: bulwark.VerdictClear, Lists: lists, Algorithm: "addr/1", Policy: "p1"}
		addr := fmt.Sprintf("0x%040x", i)
		body, err := screening.EncodeDecision(&screening.AddressDecision{Decision: d, Results: []screening.AddressResult{{Input: addr,
			Address: addr, Chain: "evm", Format: "hex", Verdict: bulwark.VerdictClear, Matches: []screening.AddressMatch{}, DecisionID: d.ID}}})
		if err != nil {
			b.Fatal(err)
		}
		all[i] = screening.Recorded{Decision: &d, Body: body}
		all[i].Item = all[i].AuditItem() // as the service encodes it with the answer
	}
	n := 0
	cpu0 := processCPU(b)
	b.ResetTimer()
	for ; n < b.N; n += batch {
		if err := screening.StoreDecisions(ctx, db, log, all[n:n+batch], false); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/decision")
	// CPU time is steadier than wall time on a shared machine.
	b.ReportMetric(float64((processCPU(b)-cpu0).Nanoseconds())/float64(n), "cpu-ns/decision")
}
