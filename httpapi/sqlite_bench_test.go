package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/httpapi"
	"github.com/bulwark-sec/bulwark/internal/cputime"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// The API benchmarks serve requests in-process through Server.Handler (no
// sockets, no TLS) over the real SQLite store (sqlite.Open in b.TempDir():
// WAL, synchronous=FULL, one writer and a reader pool). So they measure what
// a request costs the server minus the socket: routing, every middleware,
// authentication with its token lookup on SQLite, and for the
// state-changing route the token write and its audit entry, one transaction
// committed with one fsync. (Earlier benchmarks over in-memory fakes were
// dropped: they duplicated these without a store.)
//
// Every benchmark has a "serial" case (one request at a time) and a
// "parallel" case (b.RunParallel, 8×GOMAXPROCS goroutines). Rate limits are
// off; the access log is written at Info, as serve writes it (JSON lines
// formatted by the server, Config.AccessLog), into a discarding writer.
// docs/benchmarks.md ("API, in-process") holds the figures and the command.

// sqliteBench is a server over a fresh SQLite store with an admin and a
// viewer token.
type sqliteBench struct {
	h      http.Handler
	db     *sqlite.DB
	admin  string // "Bearer <admin secret>"
	viewer string // "Bearer <viewer secret>"
}

func newSQLiteBench(b *testing.B, configure ...func(*httpapi.Config, *sqlite.DB)) *sqliteBench {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bulwark.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := db.Close(); err != nil {
			b.Error(err)
		}
	})
	svc := &auth.Service{Store: db}
	log := &audit.Log{Store: db}
	cfg := httpapi.Config{
		Logger:          slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})),
		AccessLog:       io.Discard, // written by the server, as serve wires it
		AccessLogJSON:   true,
		Auth:            svc,
		Audit:           log,
		Ready:           db.Ping,
		Version:         "bench",
		RateLimit:       -1,
		AuthFailureRate: -1,
	}
	for _, c := range configure {
		c(&cfg, db)
	}
	srv, err := httpapi.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	e := &sqliteBench{h: srv.Handler(), db: db}
	for _, t := range []struct {
		name string
		role auth.Role
		dst  *string
	}{{"admin", auth.RoleAdmin, &e.admin}, {"viewer", auth.RoleViewer, &e.viewer}} {
		secret, _, err := svc.Create(ctx, t.name, t.role, auth.CreateOptions{CreatedBy: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		*t.dst = "Bearer " + secret
	}
	// One authenticated request per token first: the first use of a token
	// writes its last-used time (then at most once a minute), which is not
	// the steady state being measured.
	for _, a := range []string{e.admin, e.viewer} {
		r := newReq("GET", "/api/v1/whoami", "")
		r.Header.Set("Authorization", a)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("warm-up whoami: status %d: %s", w.Code, w.Body)
		}
	}
	return e
}

func newReq(method, path, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, "http://bench"+path, rd)
	if err != nil {
		panic(err)
	}
	r.RemoteAddr = "192.0.2.1:1234"
	return r
}

// serve serves newReq's requests on e, first one at a time ("serial"), then
// from 8×GOMAXPROCS goroutines ("parallel"); i numbers the requests, uniquely
// across both cases.
func (e *sqliteBench) serve(b *testing.B, newReq func(i int64) *http.Request, want int) {
	b.Helper()
	var n atomic.Int64
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		cpu, _ := cputime.Seconds()
		for b.Loop() {
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, newReq(n.Add(1)))
			if w.Code != want {
				b.Fatalf("status %d, want %d: %s", w.Code, want, w.Body)
			}
		}
		e.drain(b)
		reportOps(b)
		reportCPU(b, cpu)
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(parallelism)
		cpu, _ := cputime.Seconds()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				w := httptest.NewRecorder()
				e.h.ServeHTTP(w, newReq(n.Add(1)))
				if w.Code != want {
					b.Errorf("status %d, want %d: %s", w.Code, want, w.Body)
					return
				}
			}
		})
		e.drain(b)
		reportOps(b)
		reportCPU(b, cpu)
	})
}

// parallelism × GOMAXPROCS goroutines serve the "parallel" cases: 16 on
// the 2-core machine, like concurrent clients (a request waiting for the
// writer's fsync leaves its core to the others).
const parallelism = 8

// drain waits, timed, until the decisions the requests left in the
// store's decision journal (if any) are stored: reading decisions waits
// for that.
func (e *sqliteBench) drain(b *testing.B) {
	if _, err := e.db.Decisions(context.Background(), screening.DecisionFilter{Limit: 1}); err != nil {
		b.Fatal(err)
	}
}

// reportCPU adds the process's CPU time (user and system) per request since
// start: on a shared machine a steadier figure than the wall clock, and it
// includes the work of background goroutines (the decision journal's
// loader) that the wall clock of a serial loop hides on a second core.
func reportCPU(b *testing.B, start float64) {
	now, _ := cputime.Seconds()
	b.ReportMetric((now-start)*1e6/float64(b.N), "cpu-µs/req")
}

// reportOps adds requests per second, the unit docs/benchmarks.md uses.
func reportOps(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkSQLiteHealthz: GET /healthz, no authentication and no store
// access: the floor the other two are compared with.
func BenchmarkSQLiteHealthz(b *testing.B) {
	e := newSQLiteBench(b)
	e.serve(b, func(int64) *http.Request {
		return newReq("GET", "/healthz", "")
	}, http.StatusOK)
}

// BenchmarkSQLiteWhoami: GET /api/v1/whoami with a bearer token: the token
// lookup on the SQLite reader pool, SHA-256 of the presented token, the
// constant-time compare, the permission check and a JSON answer.
func BenchmarkSQLiteWhoami(b *testing.B) {
	e := newSQLiteBench(b)
	e.serve(b, func(int64) *http.Request {
		r := newReq("GET", "/api/v1/whoami", "")
		r.Header.Set("Authorization", e.viewer)
		return r
	}, http.StatusOK)
}

// BenchmarkSQLiteWhoamiCached: GET /api/v1/whoami with serve's token
// cache (the store is read once): what every authenticated request costs
// the server besides its own work: routing, the middleware (request id,
// security headers, deadline, metrics, access log), authentication and a
// JSON answer.
func BenchmarkSQLiteWhoamiCached(b *testing.B) {
	e := newSQLiteBench(b, func(c *httpapi.Config, _ *sqlite.DB) { c.Auth.CacheTTL = time.Hour })
	e.serve(b, func(int64) *http.Request {
		r := newReq("GET", "/api/v1/whoami", "")
		r.Header.Set("Authorization", e.viewer)
		return r
	}, http.StatusOK)
}

// BenchmarkSQLiteTokenCreate: POST /api/v1/tokens, the audited
// state-changing route: authentication, JSON decoding and validation, then
// in one write transaction (audit.Log.Do) a new token (crypto/rand,
// SHA-256), its INSERT and the audit append (head read, entry insert, head
// update), committed with one fsync, and the 201 answer.
func BenchmarkSQLiteTokenCreate(b *testing.B) {
	e := newSQLiteBench(b)
	e.serve(b, func(i int64) *http.Request {
		r := newReq("POST", "/api/v1/tokens", fmt.Sprintf(`{"name":"bench-%d","role":"viewer","ttl":"1h"}`, i))
		r.Header.Set("Authorization", e.admin)
		r.Header.Set("Content-Type", "application/json")
		return r
	}, http.StatusCreated)
}
