package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/httpapi"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// withScreening wires screening over the embedded default lists, with the
// token cache serve uses and decisions recorded async or sync, committed to
// the database by the recorder.
func withScreening(b *testing.B, async bool) func(*httpapi.Config, *sqlite.DB) {
	return withScreeningMode(b, map[bool]string{true: "async", false: "sync"}[async])
}

// withScreeningMode is withScreening for mode "async" or "sync" (the
// recorder commits to the database), or "journal": sync through the store's
// decision journal, as serve records them by default (the answer waits
// for the journal append; the journal's loader stores the decisions in the
// background, and the timed loop ends once it has stored them all).
func withScreeningMode(b *testing.B, mode string) func(*httpapi.Config, *sqlite.DB) {
	return func(c *httpapi.Config, db *sqlite.DB) {
		c.Auth.CacheTTL = 2 * time.Second
		opts := screening.RecorderOptions{Async: mode == "async"}
		if mode == "journal" {
			j, err := db.DecisionJournal(context.Background())
			if err != nil || j == nil {
				b.Fatalf("decision journal: %v", err)
			}
			opts.Journal = j
		}
		svc, err := screening.OpenService(context.Background(), screening.ServiceConfig{
			Store: db, Audit: c.Audit, Defaults: sources.Embedded, Recorder: opts,
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = svc.Close(context.Background()) })
		c.Screening, c.ScreenStore = svc, db
	}
}

// BenchmarkScreenAddressHTTP: POST /api/v1/screen/address with one
// unlisted EVM address (one in 1,000 listed): authentication (cached
// token), JSON decoding, the lookup, the decision's JSON answer, and its
// recording (the decision row and its audit entry), async (batched by the
// recorder's workers and the store's group commit), sync (the answer
// waits for the commit) or journal (the answer waits for the decision
// journal's append, as serve's default; the timed loop includes storing
// the journal in the database). cpu-µs/req is the process's CPU time per
// request.
func BenchmarkScreenAddressHTTP(b *testing.B) {
	for _, mode := range []string{"async", "sync", "journal"} {
		b.Run(mode, func(b *testing.B) {
			e := newSQLiteBench(b, withScreeningMode(b, mode))
			e.serve(b, func(i int64) *http.Request {
				addr := fmt.Sprintf("0x%040x", i*7919)
				if i%1000 == 0 {
					addr = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"
				}
				r := newReq("POST", "/api/v1/screen/address", `{"address":"`+addr+`"}`)
				r.Header.Set("Authorization", e.admin)
				r.Header.Set("Content-Type", "application/json")
				return r
			}, http.StatusOK)
		})
	}
}

// loadtestNames are the one-typo names of scripts/loadtest.sh (and of
// screening's BenchmarkScreenName/loadtest).
var loadtestNames = []string{"KOREA KWANGSON BANKNG CORP", "KIM YOGN CHOL", "Lazarus Grop", "KOREA MINING DEVELOPMENT TRDING CORPORATION", "CHONG CHON GNAG",
	"FOREIGN TRADE BANK OF THE DEMOCRATIC PEOPLE'S REPUBLC OF KOREA", "PAK JIN HYEOK", "KOREA RYONBONG GENERAL CORPORATON"}

// BenchmarkScreenNameHTTP: POST /api/v1/screen/name with the eight
// one-typo names of scripts/loadtest.sh in turn, decisions recorded async
// or through the decision journal (serve's default; the timed loop
// includes storing the journal in the database). cpu-µs/req is the
// process's CPU time per request: compare with screening's
// BenchmarkScreenName/loadtest, the name search alone.
func BenchmarkScreenNameHTTP(b *testing.B) {
	for _, mode := range []string{"async", "journal"} {
		b.Run(mode, func(b *testing.B) {
			e := newSQLiteBench(b, withScreeningMode(b, mode))
			e.serve(b, func(i int64) *http.Request {
				r := newReq("POST", "/api/v1/screen/name", `{"name":"`+loadtestNames[i%int64(len(loadtestNames))]+`"}`)
				r.Header.Set("Authorization", e.admin)
				r.Header.Set("Content-Type", "application/json")
				return r
			}, http.StatusOK)
		})
	}
}

// BenchmarkScreenAddressHTTPLatency serves the address screening from 4
// goroutines (async recording) and reports the 50th and 99th percentile
// of the in-process latency: the server's own tail, without a load
// generator sharing the cores.
func BenchmarkScreenAddressHTTPLatency(b *testing.B) {
	e := newSQLiteBench(b, withScreening(b, true))
	var mu sync.Mutex
	var all []time.Duration
	var n atomic.Int64
	b.SetParallelism(2)
	b.RunParallel(func(pb *testing.PB) {
		var lat []time.Duration
		for pb.Next() {
			i := n.Add(1)
			r := newReq("POST", "/api/v1/screen/address", fmt.Sprintf(`{"address":"0x%040x"}`, i*7919))
			r.Header.Set("Authorization", e.admin)
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			start := time.Now()
			e.h.ServeHTTP(w, r)
			lat = append(lat, time.Since(start))
			if w.Code != http.StatusOK {
				b.Errorf("status %d", w.Code)
				return
			}
		}
		mu.Lock()
		all = append(all, lat...)
		mu.Unlock()
	})
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	reportOps(b)
}
