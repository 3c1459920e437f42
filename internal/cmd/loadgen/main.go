// Command loadgen measures an HTTP server on this machine: a fixed number of
// workers, each on one keep-alive connection, send requests back to back
// for a bounded time and record every latency in a histogram. It is for
// benchmarking only (scripts/loadtest.sh drives it) and sends traffic to
// loopback addresses only.
//
//	loadgen -url http://127.0.0.1:8080/api/v1/whoami -bearer-env TOKEN [-workers 4] [-duration 10s]
//	loadgen -url http://127.0.0.1:8080/api/v1/screen/address -bearer-env TOKEN -bodies FILE
//	loadgen -serve-bare 127.0.0.1:18470
//
// With -bodies, each line of FILE is one request body (JSON), POSTed in
// turn across the workers. -serve-bare runs the floor to compare with: a
// bare net/http server answering every request with a constant JSON body,
// until SIGINT or SIGTERM.
//
// Each worker writes a request, reads the whole response (http.ReadResponse
// on a buffered reader of its own connection: no client goroutines) and
// sends the next one; latency is from the first byte written to the last
// byte of the body read. Requests of the warm-up are sent but not counted.
// The output is one line of text, or of JSON with -json.
//
// With -client nethttp the workers send through Go's standard net/http
// client instead (one shared http.Client whose Transport opens at most
// -workers keep-alive connections), as a typical Go client would; it
// costs the client more CPU per request, which on a machine shared with the
// server lowers every figure.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/bits"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

type options struct {
	url       string
	method    string
	headers   headerList
	bearerEnv string
	body      string
	bodies    string
	workers   int
	duration  time.Duration
	warmup    time.Duration
	json      bool
	label     string
	serveBare string
	// answerHeaders are extra headers of -serve-bare's answer.
	answerHeaders headerList
	cpuProf       string
	serverPID     int
	client        string
}

type headerList []string

func (h *headerList) String() string     { return strings.Join(*h, ", ") }
func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }

func run(args []string, stdout io.Writer) error {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.StringVar(&o.url, "url", "", "`URL` to load (http, loopback host only)")
	fs.StringVar(&o.method, "method", "", "request method (default GET, or POST with -body/-bodies)")
	fs.Var(&o.headers, "header", "extra request `header` \"Name: value\" (repeatable)")
	fs.StringVar(&o.bearerEnv, "bearer-env", "", "send 'Authorization: Bearer $`VAR`' (the token stays off the command line)")
	fs.StringVar(&o.body, "body", "", "request `body` (JSON)")
	fs.StringVar(&o.bodies, "bodies", "", "`FILE` of request bodies, one per line, sent in turn")
	fs.IntVar(&o.workers, "workers", 4, "concurrent workers, one keep-alive connection each")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to measure")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "how long to send before measuring")
	fs.BoolVar(&o.json, "json", false, "print the result as one line of JSON")
	fs.StringVar(&o.label, "label", "", "name of the run, echoed in the output")
	fs.IntVar(&o.serverPID, "server-pid", 0, "also report the CPU time this server `PID` used per request over the measured window (Linux /proc)")
	fs.StringVar(&o.client, "client", "raw", "how requests are sent: raw (requests written on each worker's own connection, responses read with http.ReadResponse) or nethttp (Go's standard http.Client, keep-alive)")
	fs.StringVar(&o.serveBare, "serve-bare", "", "instead of loading, serve a constant JSON answer on loopback `HOST:PORT` until SIGINT/SIGTERM")
	fs.Var(&o.answerHeaders, "answer-header", "with -serve-bare, an extra `header` \"Name: value\" of every answer (repeatable), to measure what a header costs the server and the client")
	fs.StringVar(&o.cpuProf, "cpuprofile", "", "write a CPU profile of the load generator over the whole run (warm-up included) to `FILE`, for go tool pprof")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if len(o.answerHeaders) > 0 && o.serveBare == "" {
		return errors.New("-answer-header: only with -serve-bare")
	}
	if o.serveBare != "" {
		extra, err := parseHeaders(o.answerHeaders, "-answer-header")
		if err != nil {
			return err
		}
		return serveBare(o.serveBare, extra)
	}
	if o.workers < 1 || o.workers > 256 {
		return fmt.Errorf("-workers: want 1 to 256, got %d", o.workers)
	}
	if o.duration <= 0 || o.duration > 10*time.Minute || o.warmup < 0 {
		return errors.New("-duration: want more than 0 and at most 10m; -warmup: not negative")
	}
	if o.client != "raw" && o.client != "nethttp" {
		return fmt.Errorf("-client: want raw or nethttp, got %q", o.client)
	}
	reqs, addr, err := buildRequests(o)
	if err != nil {
		return err
	}
	var client *stdClient
	if o.client == "nethttp" {
		if client, err = newStdClient(addr, reqs, o.workers); err != nil {
			return err
		}
	}
	var cpu func() (time.Duration, error)
	if o.serverPID > 0 {
		cpu = func() (time.Duration, error) { return processCPU(o.serverPID) }
		if _, err := cpu(); err != nil {
			return fmt.Errorf("-server-pid: %w", err)
		}
	}
	if o.cpuProf != "" {
		f, err := os.Create(o.cpuProf)
		if err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
	}
	res, err := load(context.Background(), addr, reqs, client, o.workers, o.warmup, o.duration, cpu)
	if o.cpuProf != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	res.Label = o.label
	res.Client = o.client
	res.Workers = o.workers
	if o.json {
		return json.NewEncoder(stdout).Encode(res)
	}
	_, err = fmt.Fprintln(stdout, res.String())
	return err
}

// loopbackHost checks that host (no port) is a loopback address or
// "localhost".
func loopbackHost(host string) error {
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address: loadgen only loads this machine (127.0.0.1, ::1, localhost)", host)
	}
	return nil
}

// buildRequests renders every request to send, as bytes, and returns the
// address to dial.
func buildRequests(o options) ([][]byte, string, error) {
	u, err := url.Parse(o.url)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, "", fmt.Errorf("-url: want http://127.0.0.1:PORT/PATH, got %q", o.url)
	}
	if err := loopbackHost(u.Hostname()); err != nil {
		return nil, "", fmt.Errorf("-url: %w", err)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	var bodies []string
	switch {
	case o.body != "" && o.bodies != "":
		return nil, "", errors.New("give -body or -bodies, not both")
	case o.body != "":
		bodies = []string{o.body}
	case o.bodies != "":
		data, err := os.ReadFile(o.bodies)
		if err != nil {
			return nil, "", fmt.Errorf("-bodies: %w", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				bodies = append(bodies, line)
			}
		}
		if len(bodies) == 0 {
			return nil, "", fmt.Errorf("-bodies: %s holds no body", o.bodies)
		}
	default:
		bodies = []string{""}
	}
	method := o.method
	if method == "" {
		method = http.MethodGet
		if o.body != "" || o.bodies != "" {
			method = http.MethodPost
		}
	}
	var head bytes.Buffer
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: bulwark-loadgen\r\n", method, u.RequestURI(), u.Host)
	if o.bearerEnv != "" {
		tok := os.Getenv(o.bearerEnv)
		if tok == "" {
			return nil, "", fmt.Errorf("-bearer-env: $%s is empty", o.bearerEnv)
		}
		fmt.Fprintf(&head, "Authorization: Bearer %s\r\n", tok)
	}
	for _, h := range o.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" || strings.ContainsAny(h, "\r\n") {
			return nil, "", fmt.Errorf("-header: want \"Name: value\", got %q", h)
		}
		fmt.Fprintf(&head, "%s: %s\r\n", strings.TrimSpace(name), strings.TrimSpace(value))
	}
	reqs := make([][]byte, len(bodies))
	for i, b := range bodies {
		var r bytes.Buffer
		r.Write(head.Bytes())
		if b != "" || method == http.MethodPost {
			fmt.Fprintf(&r, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(b))
		}
		r.WriteString("\r\n")
		r.WriteString(b)
		reqs[i] = r.Bytes()
	}
	return reqs, addr, nil
}

// Result is what one load run measured.
type Result struct {
	Label    string         `json:"label,omitempty"`
	Client   string         `json:"client"`
	Workers  int            `json:"workers"`
	Requests int64          `json:"requests"`
	Seconds  float64        `json:"seconds"`
	RPS      float64        `json:"rps"`
	P50ms    float64        `json:"p50_ms"`
	P90ms    float64        `json:"p90_ms"`
	P99ms    float64        `json:"p99_ms"`
	MaxMs    float64        `json:"max_ms"`
	Statuses map[string]int `json:"statuses"`
	Errors   int64          `json:"errors"`
	// ServerCPUus is the server's CPU time (user + system) per request in
	// microseconds over the measured window, with -server-pid.
	ServerCPUus float64 `json:"server_cpu_us,omitempty"`
	// ClientCPUus is the load generator's own CPU time per request, and
	// IdlePct and SoftirqPct the machine's idle (iowait included) and
	// softirq shares of its CPU time, over the measured window (Linux
	// /proc; omitted elsewhere): what the server's share leaves out.
	ClientCPUus float64 `json:"client_cpu_us,omitempty"`
	IdlePct     float64 `json:"idle_pct"`
	SoftirqPct  float64 `json:"softirq_pct"`
}

func (r Result) String() string {
	var st []string
	for k, v := range r.Statuses {
		st = append(st, fmt.Sprintf("%s×%d", k, v))
	}
	sort.Strings(st)
	label := r.Label
	if label != "" {
		label += ": "
	}
	cpu := ""
	if r.ServerCPUus > 0 {
		cpu = fmt.Sprintf("; server CPU %.1f µs/request", r.ServerCPUus)
	}
	if r.ClientCPUus > 0 {
		cpu += fmt.Sprintf("; client CPU %.1f µs/request; machine idle %.0f %%, softirq %.0f %%", r.ClientCPUus, r.IdlePct, r.SoftirqPct)
	}
	return fmt.Sprintf("%s%d requests in %.1fs with %d workers: %.0f req/s, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms; statuses %s; errors %d%s",
		label, r.Requests, r.Seconds, r.Workers, r.RPS, r.P50ms, r.P90ms, r.P99ms, r.MaxMs, strings.Join(st, " "), r.Errors, cpu)
}

// cpuTicks are the machine's CPU times from /proc/stat, in USER_HZ ticks.
type cpuTicks struct{ total, idle, softirq int64 }

// machineCPU reads the "cpu" line of /proc/stat: user nice system idle
// iowait irq softirq steal (guest time is within user).
func machineCPU() (cpuTicks, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTicks{}, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return cpuTicks{}, errors.New("/proc/stat: unexpected format")
	}
	var v [8]int64
	var t cpuTicks
	for i := range v {
		if v[i], err = strconv.ParseInt(f[i+1], 10, 64); err != nil {
			return cpuTicks{}, errors.New("/proc/stat: unexpected format")
		}
		t.total += v[i]
	}
	t.idle, t.softirq = v[3]+v[4], v[6]
	return t, nil
}

// processCPU returns the user + system CPU time process pid has used,
// from /proc/PID/stat (in USER_HZ ticks, 100 a second on Linux).
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count from the ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	// f[0] is field 3 (state): utime and stime are fields 14 and 15.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

// stdClient sends the requests through Go's standard http.Client.
type stdClient struct {
	c    *http.Client
	reqs []stdRequest
}

type stdRequest struct {
	method, url string
	header      http.Header
	body        []byte
}

// newStdClient parses the rendered requests back into what http.Client
// sends.
func newStdClient(addr string, raw [][]byte, workers int) (*stdClient, error) {
	c := &stdClient{c: &http.Client{
		Transport: &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers, DisableCompression: true},
		Timeout:   30 * time.Second,
	}}
	for _, b := range raw {
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(b)))
		if err != nil {
			return nil, fmt.Errorf("render request: %w", err)
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, fmt.Errorf("render request: %w", err)
		}
		r.Header.Del("Content-Length") // set by the client from the body
		c.reqs = append(c.reqs, stdRequest{r.Method, "http://" + addr + r.RequestURI, r.Header, body})
	}
	return c, nil
}

// do sends request i and reads the whole response.
func (c *stdClient) do(ctx context.Context, i uint64) (int, error) {
	p := c.reqs[i%uint64(len(c.reqs))]
	var body io.Reader
	if p.body != nil {
		body = bytes.NewReader(p.body)
	}
	req, err := http.NewRequestWithContext(ctx, p.method, p.url, body)
	if err != nil {
		return 0, err
	}
	req.Header = p.header.Clone()
	resp, err := c.c.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

// load runs workers against addr for warmup+d and returns what was
// measured after the warm-up: on a connection of their own each, or
// through client when it is not nil. cpu, when set, reads the server's CPU
// time.
func load(ctx context.Context, addr string, reqs [][]byte, client *stdClient, workers int, warmup, d time.Duration, cpu func() (time.Duration, error)) (Result, error) {
	var (
		next     atomic.Uint64
		counting atomic.Bool
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	type tally struct {
		h        histogram
		statuses map[int]int
		errs     int64
		err      error
	}
	tallies := make([]*tally, workers)
	for i := range tallies {
		tallies[i] = &tally{statuses: map[int]int{}}
	}
	if client != nil {
		for i := 0; i < workers; i++ {
			wg.Add(1)
			go func(t *tally) {
				defer wg.Done()
				for !stop.Load() {
					start := time.Now()
					status, err := client.do(ctx, next.Add(1))
					elapsed := time.Since(start)
					if counting.Load() && !stop.Load() {
						if err != nil {
							t.errs++
						} else {
							t.h.add(elapsed.Nanoseconds())
							t.statuses[status]++
						}
					}
				}
			}(tallies[i])
		}
	}
	// Connect every worker before the clock starts.
	conns := make([]net.Conn, workers)
	if client != nil {
		conns = nil
	}
	var dialer net.Dialer
	for i := range conns {
		c, err := dialer.DialContext(ctx, "tcp", addr)
		if err != nil {
			for _, c := range conns[:i] {
				c.Close()
			}
			return Result{}, fmt.Errorf("cannot connect to %s: %w", addr, err)
		}
		conns[i] = c
	}
	for i := range conns {
		wg.Add(1)
		go func(t *tally, conn net.Conn) {
			defer wg.Done()
			br := bufio.NewReaderSize(conn, 64<<10)
			defer func() { conn.Close() }()
			for !stop.Load() {
				req := reqs[next.Add(1)%uint64(len(reqs))]
				start := time.Now()
				status, keep, err := roundTrip(conn, br, req)
				elapsed := time.Since(start)
				if counting.Load() && !stop.Load() {
					if err != nil {
						t.errs++
					} else {
						t.h.add(elapsed.Nanoseconds())
						t.statuses[status]++
					}
				}
				if err != nil || !keep {
					conn.Close()
					if stop.Load() {
						return
					}
					c, derr := dialer.DialContext(ctx, "tcp", addr)
					if derr != nil {
						t.err = derr
						return
					}
					conn = c
					br.Reset(conn)
				}
			}
		}(tallies[i], conns[i])
	}
	time.Sleep(warmup)
	var cpu0, cpu1 time.Duration
	var cpuErr error
	if cpu != nil {
		cpu0, cpuErr = cpu()
	}
	self0, selfErr := processCPU(os.Getpid())
	mach0, machErr := machineCPU()
	counting.Store(true)
	start := time.Now()
	time.Sleep(d)
	stop.Store(true)
	elapsed := time.Since(start)
	if cpu != nil && cpuErr == nil {
		cpu1, cpuErr = cpu()
	}
	self1, selfErr1 := processCPU(os.Getpid())
	mach1, machErr1 := machineCPU()
	// A worker waits at most for its request's 30 s deadline.
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		return Result{}, errors.New("a request did not finish within 30 s of the end of the run")
	}
	var all histogram
	res := Result{Statuses: map[string]int{}, Seconds: elapsed.Seconds()}
	for _, t := range tallies {
		if t.err != nil {
			return Result{}, fmt.Errorf("cannot reconnect to %s: %w", addr, t.err)
		}
		all.merge(&t.h)
		res.Errors += t.errs
		for s, n := range t.statuses {
			res.Statuses[strconv.Itoa(s)] += n
		}
	}
	res.Requests = all.n
	res.RPS = float64(all.n) / elapsed.Seconds()
	if cpu != nil {
		if cpuErr != nil {
			return Result{}, fmt.Errorf("server CPU time: %w", cpuErr)
		}
		if all.n > 0 {
			res.ServerCPUus = float64((cpu1 - cpu0).Microseconds()) / float64(all.n)
		}
	}
	if selfErr == nil && selfErr1 == nil && all.n > 0 {
		res.ClientCPUus = float64((self1 - self0).Microseconds()) / float64(all.n)
	}
	if machErr == nil && machErr1 == nil && mach1.total > mach0.total {
		total := float64(mach1.total - mach0.total)
		res.IdlePct = 100 * float64(mach1.idle-mach0.idle) / total
		res.SoftirqPct = 100 * float64(mach1.softirq-mach0.softirq) / total
	}
	ms := func(ns int64) float64 { return float64(ns) / 1e6 }
	res.P50ms, res.P90ms, res.P99ms, res.MaxMs = ms(all.quantile(0.50)), ms(all.quantile(0.90)), ms(all.quantile(0.99)), ms(all.max)
	return res, nil
}

// roundTrip writes one request and reads its whole response; keep says
// whether the connection may carry the next one.
func roundTrip(conn net.Conn, br *bufio.Reader, req []byte) (status int, keep bool, err error) {
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		return 0, false, err
	}
	if _, err := conn.Write(req); err != nil {
		return 0, false, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, false, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, false, err
	}
	return resp.StatusCode, !resp.Close, nil
}

// histogram counts latencies in nanoseconds in log-linear buckets: exact
// below 128 ns, then 64 buckets per power of two (at most 1.6 % wide). A
// quantile is reported as its bucket's upper bound.
type histogram struct {
	counts [64 * 64]int64
	n      int64
	max    int64
}

func bucketOf(v int64) int {
	if v < 128 {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	e := bits.Len64(uint64(v)) - 7
	return e*64 + int(v>>e)
}

// bucketMax is the largest value of bucket i.
func bucketMax(i int) int64 {
	if i < 128 {
		return int64(i)
	}
	e := i/64 - 1
	m := int64(i - e*64)
	return (m+1)<<e - 1
}

func (h *histogram) add(v int64) {
	h.counts[bucketOf(v)]++
	h.n++
	if v > h.max {
		h.max = v
	}
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	if o.max > h.max {
		h.max = o.max
	}
}

// quantile returns the upper bound of the bucket holding the q-quantile,
// never above the largest value seen.
func (h *histogram) quantile(q float64) int64 {
	if h.n == 0 {
		return 0
	}
	rank := int64(q*float64(h.n) + 0.5)
	if rank < 1 {
		rank = 1
	}
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(bucketMax(i), h.max)
		}
	}
	return h.max
}

// bareBody is the constant answer of -serve-bare.
var bareBody = []byte("{\"ok\":true}\n")

// parseHeaders reads "Name: value" headers given with flag.
func parseHeaders(list headerList, flag string) (http.Header, error) {
	h := http.Header{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || strings.ContainsAny(k, " \t\r\n") || strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("%s: want \"Name: value\", got %q", flag, kv)
		}
		h.Add(k, v)
	}
	return h, nil
}

// serveBare serves the constant answer on addr, with the extra headers,
// until SIGINT or SIGTERM.
func serveBare(addr string, extra http.Header) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-serve-bare: want HOST:PORT, got %q", addr)
	}
	if err := loopbackHost(host); err != nil {
		return fmt.Errorf("-serve-bare: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stderr, "loadgen: bare server on http://%s\n", ln.Addr())
	return bareServe(ctx, ln, extra)
}

// bareServe serves the constant answer, with the extra headers, on ln
// until ctx is cancelled.
func bareServe(ctx context.Context, ln net.Listener, extra http.Header) error {
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			h := w.Header()
			for k, v := range extra {
				h[k] = v // shared: nothing changes a value in place
			}
			h.Set("Content-Type", "application/json")
			h.Set("Content-Length", strconv.Itoa(len(bareBody)))
			_, _ = w.Write(bareBody)
		}),
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
