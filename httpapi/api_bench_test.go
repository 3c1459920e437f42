package httpapi

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// The benchmarks serve requests in-process through Server.Handler (no
// sockets) over the in-memory fakes, so they measure the HTTP layer's own
// overhead: routing, middleware, metrics, authentication, JSON and the audit
// chain's hashing, not a real store. Rate limits are off; the logger
// discards (but is enabled at Info, so the access log line is built).

func benchEnv(b *testing.B) *env {
	e := newEnv(b, func(c *Config) {
		c.RateLimit = -1
		c.AuthFailureRate = -1
		c.Logger = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	return e
}

// benchWriter is a reusable http.ResponseWriter that keeps only the status,
// so the harness itself costs little next to the handler.
type benchWriter struct {
	h      http.Header
	status int
}

func (w *benchWriter) Header() http.Header { return w.h }
func (w *benchWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *benchWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(b), nil
}

// benchRequests serves newReq's requests from parallel goroutines. newReq
// builds a request from http.NewRequest (cheaper than httptest's, which
// parses a wire form); i numbers the requests.
func benchRequests(b *testing.B, e *env, newReq func(i int64) *http.Request, want int) {
	h := e.srv.Handler()
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := &benchWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			w.status = 0
			h.ServeHTTP(w, newReq(n.Add(1)))
			if w.status != want {
				b.Fatalf("status %d, want %d", w.status, want)
			}
		}
	})
}

func newBenchRequest(method, path, body string) *http.Request {
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

// BenchmarkHealthz: no authentication, the cheapest route.
func BenchmarkHealthz(b *testing.B) {
	e := benchEnv(b)
	benchRequests(b, e, func(int64) *http.Request {
		return newBenchRequest("GET", "/healthz", "")
	}, 200)
}

// BenchmarkWhoami: bearer authentication (token lookup, SHA-256, constant
// time compare) and a JSON answer.
func BenchmarkWhoami(b *testing.B) {
	e := benchEnv(b)
	auth := "Bearer " + e.secrets["viewer"]
	benchRequests(b, e, func(int64) *http.Request {
		r := newBenchRequest("GET", "/api/v1/whoami", "")
		r.Header.Set("Authorization", auth)
		return r
	}, 200)
}

// BenchmarkTokenCreate: a state-changing route: authentication, JSON body
// decoding, token generation (crypto/rand), the store write and the audit
// append (hash chain), then the answer.
func BenchmarkTokenCreate(b *testing.B) {
	e := benchEnv(b)
	auth := "Bearer " + e.secrets["admin"]
	benchRequests(b, e, func(i int64) *http.Request {
		r := newBenchRequest("POST", "/api/v1/tokens", fmt.Sprintf(`{"name":"bench-%d","role":"viewer","ttl":"1h"}`, i))
		r.Header.Set("Authorization", auth)
		r.Header.Set("Content-Type", "application/json")
		return r
	}, 201)
}
