package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	var h histogram
	vals := make([]int64, 100000)
	for i := range vals {
		// Latencies from 1 µs to about 50 ms, log-uniform.
		vals[i] = int64(float64(int64(1000)<<r.IntN(16)) * (1 + r.Float64()))
		h.add(vals[i])
	}
	sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := vals[int(q*float64(len(vals)))-1]
		got := h.quantile(q)
		if got < exact || float64(got) > float64(exact)*1.032 {
			t.Errorf("q%.3f = %d, exact %d: outside the bucket width", q, got, exact)
		}
	}
	if h.quantile(1) != vals[len(vals)-1] || h.max != vals[len(vals)-1] {
		t.Errorf("max %d, quantile(1) %d, want %d", h.max, h.quantile(1), vals[len(vals)-1])
	}
	for v := int64(0); v < 1<<20; v += 7 {
		if b := bucketOf(v); bucketMax(b) < v || (b > 0 && bucketMax(b-1) >= v) {
			t.Fatalf("value %d in bucket %d [.., %d]", v, b, bucketMax(b))
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"http://192.0.2.1:80/", "http://example.com/", "https://127.0.0.1/", "http://10.0.0.1:8080/x"} {
		if _, _, err := buildRequests(options{url: u}); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:80/", "http://localhost:8080/x?y=1", "http://[::1]:9/"} {
		if _, _, err := buildRequests(options{url: u}); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	if err := run([]string{"-serve-bare", "192.0.2.1:80"}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("serve-bare on a public address: %v", err)
	}
}

func TestLoadCountsEveryAnswer(t *testing.T) { // not parallel: t.Setenv
	t.Setenv("LOADGEN_TEST_TOKEN", "s3cret")
	dir := t.TempDir()
	file := filepath.Join(dir, "bodies")
	if err := os.WriteFile(file, []byte("{\"a\":\"x\"}\n\n{\"a\":\"y\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"raw", "nethttp"} {
		t.Run(mode, func(t *testing.T) { loadCountsEveryAnswer(t, mode, file) })
	}
}

func loadCountsEveryAnswer(t *testing.T, mode, file string) {
	var got, conns atomic.Int64
	var (
		mu     sync.Mutex
		bodies = map[string]bool{}
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			w.WriteHeader(401)
			return
		}
		var v map[string]string
		if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
			w.WriteHeader(400)
			return
		}
		mu.Lock()
		bodies[v["a"]] = true
		mu.Unlock()
		got.Add(1)
		w.Write([]byte(`{"ok":true}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	o := options{url: srv.URL + "/screen", bearerEnv: "LOADGEN_TEST_TOKEN", bodies: file}
	reqs, addr, err := buildRequests(o)
	if err != nil {
		t.Fatal(err)
	}
	var client *stdClient
	if mode == "nethttp" {
		if client, err = newStdClient(addr, reqs, 3); err != nil {
			t.Fatal(err)
		}
	}
	self := func() (time.Duration, error) { return processCPU(os.Getpid()) }
	res, err := load(context.Background(), addr, reqs, client, 3, 20*time.Millisecond, 200*time.Millisecond, self)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Statuses["200"] != int(res.Requests) || res.Errors != 0 {
		t.Fatalf("result %+v", res)
	}
	if res.Requests > got.Load() {
		t.Errorf("counted %d, server answered %d", res.Requests, got.Load())
	}
	if n := conns.Load(); n > 3 {
		t.Errorf("%d connections for 3 workers: keep-alive not used", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if !bodies["x"] || !bodies["y"] {
		t.Error("not every body was sent")
	}
	if res.ServerCPUus <= 0 || res.ClientCPUus <= 0 {
		t.Errorf("no CPU time per request measured for the (in-process) server or the client: %+v", res)
	}
	if res.IdlePct < 0 || res.SoftirqPct < 0 || res.IdlePct+res.SoftirqPct > 100 {
		t.Errorf("machine shares %+v", res)
	}
	if res.P50ms <= 0 || res.P99ms < res.P50ms || res.MaxMs < res.P99ms {
		t.Errorf("quantiles %+v", res)
	}
	if mode != "raw" {
		return
	}
	// A server that closes every connection is followed by reconnecting.
	closing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.WriteHeader(204)
	}))
	defer closing.Close()
	reqs, addr, _ = buildRequests(options{url: closing.URL})
	res, err = load(context.Background(), addr, reqs, nil, 2, 0, 100*time.Millisecond, nil)
	if err != nil || res.Statuses["204"] < 2 {
		t.Fatalf("closing server: %+v, %v", res, err)
	}
}

func TestBareServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	extra, err := parseHeaders(headerList{"X-Frame-Options: DENY", "Referrer-Policy:no-referrer"}, "-answer-header")
	if err != nil {
		t.Fatal(err)
	}
	go func() { errc <- bareServe(ctx, ln, extra) }()
	reqs, addr, err := buildRequests(options{url: "http://" + ln.Addr().String() + "/anything", body: `{"x":1}`})
	if err != nil {
		t.Fatal(err)
	}
	res, err := load(context.Background(), addr, reqs, nil, 2, 0, 50*time.Millisecond, nil)
	if err != nil || res.Requests == 0 || res.Statuses["200"] != int(res.Requests) {
		t.Fatalf("bare server: %+v, %v", res, err)
	}
	// The answer carries the extra headers (-answer-header).
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("answer headers %v, want the extra ones", resp.Header)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("bareServe: %v", err)
	}
}

// TestAnswerHeaderFlag: -answer-header takes "Name: value" and only goes
// with -serve-bare.
func TestAnswerHeaderFlag(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-url", "http://127.0.0.1:1/", "-answer-header", "X-A: b"}, "only with -serve-bare"},
		{[]string{"-serve-bare", "127.0.0.1:0", "-answer-header", "no colon"}, `want "Name: value"`},
		{[]string{"-serve-bare", "127.0.0.1:0", "-answer-header", "Bad Name: v"}, `want "Name: value"`},
		{[]string{"-serve-bare", "127.0.0.1:0", "-answer-header", ": v"}, `want "Name: value"`},
	} {
		err := run(c.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one saying %q", c.args, err, c.want)
		}
	}
}

// TestCPUProfile: -cpuprofile writes the load generator's CPU profile (a
// gzipped profile.proto, as go tool pprof reads) after a run.
func TestCPUProfile(t *testing.T) { // not parallel: one CPU profile per process
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "loadgen.pprof")
	var out bytes.Buffer
	if err := run([]string{"-url", srv.URL, "-workers", "2", "-warmup", "0", "-duration", "100ms", "-json", "-cpuprofile", file}, &out); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		t.Errorf("%s: not a gzipped profile (%d bytes)", file, len(data))
	}
	if !strings.Contains(out.String(), `"requests":`) {
		t.Errorf("no result: %q", out.String())
	}
	if err := run([]string{"-url", srv.URL, "-cpuprofile", filepath.Join(file, "no", "such")}, &out); err == nil || !strings.Contains(err.Error(), "-cpuprofile") {
		t.Errorf("an unwritable profile: %v", err)
	}
}
