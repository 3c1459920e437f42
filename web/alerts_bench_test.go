package web

import (
	"net/http"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/cputime"
)

// BenchmarkAlertsPage renders /alerts server-side over an inbox of 10,000
// alerts (Safe alerts of every severity, every fifth a screening BLOCK):
// the first page, a filtered page and a page deep in the list. cpu-ms/op
// is the process CPU time per page (the server's side of one request).
func BenchmarkAlertsPage(b *testing.B) {
	e := inboxEnv(b, 10_000)
	for _, c := range []struct{ name, path string }{
		{"first", "/alerts"},
		{"filtered", "/alerts?kind=safe.alert&severity=critical&assignee=none"},
		{"deep", "/alerts?state=all&cursor=b200"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0, ok := cputime.Seconds()
			for b.Loop() {
				if w := do(b, e.c, request{path: c.path, session: "analyst"}); w.Code != http.StatusOK {
					b.Fatalf("%s: %d", c.path, w.Code)
				}
			}
			// CPU time per page, the figure a loaded machine does not
			// inflate (wall time does).
			if cpu1, ok1 := cputime.Seconds(); ok && ok1 {
				b.ReportMetric((cpu1-cpu0)*1000/float64(b.N), "cpu-ms/op")
			}
		})
	}
}
