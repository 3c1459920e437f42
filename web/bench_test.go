package web

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/cputime"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/queue"
	"github.com/bulwark-sec/bulwark/safe/watch"
)

// Benchmark sizes: the 10,000 alerts and 10,000-node case.
const (
	benchAlerts = 10000
	benchNodes  = 10000
)

var (
	benchOnce sync.Once
	bench     *env
	benchErr  error
)

// TestMain closes and removes the benchmarks' store after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if bench != nil {
		bench.close()
		_ = os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

var benchDir string

// benchEnv is a store with benchAlerts Safe alerts (every tenth a held
// transaction) and a case of benchNodes addresses, built once for every
// benchmark of the package.
func benchEnv(b *testing.B) *env {
	benchOnce.Do(func() {
		if benchDir, benchErr = os.MkdirTemp("", "bulwark-web-bench-"); benchErr != nil {
			return
		}
		if bench, benchErr = buildEnv(benchDir, benchNodes); benchErr != nil {
			return
		}
		ctx := context.Background()
		for i := 1; i < benchAlerts && benchErr == nil; i++ {
			code, sev := "SINGLETON_CHANGED", policy.SeverityCritical
			if i%10 == 0 {
				code, sev = queue.CodeTxHeld, policy.SeverityHigh
			}
			_, benchErr = bench.db.SaveAlert(ctx, watch.Alert{Safe: bybitSafe, Code: code, Severity: sev, Block: uint64(i), Message: "alert " + strconv.Itoa(i)})
		}
	})
	if benchErr != nil {
		b.Fatalf("building the benchmark store: %v", benchErr)
	}
	return bench
}

// BenchmarkPages renders each page server-side (the whole handler: session,
// store reads, template) over benchEnv's store. The budget is
// 100 ms a page. cpu-ms/op is the process's CPU time per page (the wall
// time of a loaded, shared machine overstates the cost). case-cold and
// case-graph-json-cold decode the case's graph from the store every time
// (the first view of a case's results); case and case-graph-json find it
// decoded.
func BenchmarkPages(b *testing.B) {
	e := benchEnv(b)
	caseURL := "/trace/cases/" + strconv.FormatInt(e.caseID, 10)
	for _, pg := range []struct {
		name, path, session string
		cold                bool
	}{
		{"overview", "/", "viewer", false},
		{"safe", "/safe", "analyst", false},
		{"screening", "/screening", "analyst", false},
		{"trace", "/trace", "viewer", false},
		{"case", caseURL, "analyst", false},
		{"case-cold", caseURL, "analyst", true},
		{"case-graph-json", caseURL + "/graph.json", "viewer", false},
		{"case-graph-json-cold", caseURL + "/graph.json", "viewer", true},
		{"audit", "/audit", "admin", false},
	} {
		b.Run(pg.name, func(b *testing.B) {
			rq := request{path: pg.path, session: pg.session}
			if w := do(b, e.c, rq); w.Code != http.StatusOK {
				b.Fatalf("%s: %d", pg.path, w.Code)
			}
			benchCPU(b, func() {
				if pg.cold {
					e.c.graphs.reset()
				}
				do(b, e.c, rq)
			})
		})
	}
}

// BenchmarkVerifyPage is the Safe page's verification of the Bybit
// transaction (offline verification, its audit entry, the page).
func BenchmarkVerifyPage(b *testing.B) {
	e := benchEnv(b)
	rq := request{method: "POST", path: "/safe/verify", session: "analyst", form: map[string][]string{"tx": {bybitTxStr}, "chainId": {"1"}, "safeVersion": {"1.1.1"}}}
	if w := do(b, e.c, rq); w.Code != http.StatusOK {
		b.Fatalf("%d %s", w.Code, w.Body.String())
	}
	benchCPU(b, func() { do(b, e.c, rq) })
}

// benchCPU runs op in b's loop and reports the CPU time per op.
func benchCPU(b *testing.B, op func()) {
	b.ReportAllocs()
	cpu0, ok0 := cputime.Seconds()
	for b.Loop() {
		op()
	}
	if cpu1, ok1 := cputime.Seconds(); ok0 && ok1 {
		b.ReportMetric((cpu1-cpu0)*1000/float64(b.N), "cpu-ms/op")
	}
}
