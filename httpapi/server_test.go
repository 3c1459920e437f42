package httpapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// serve starts e.srv on a loopback listener and returns its base URL and a
// function that cancels the context and waits for Serve to return.
func serve(t *testing.T, e *env, scheme string) (string, func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, ln) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("Serve did not return after cancel")
			return nil
		}
	}
	t.Cleanup(func() { cancel() })
	return scheme + "://" + ln.Addr().String(), stop
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{})
	release := make(chan struct{})
	e := newEnv(t, func(c *Config) {
		c.ShutdownTimeout = 5 * time.Second
		c.ReadyTimeout = time.Minute
		c.Ready = func(ctx context.Context) error {
			close(entered)
			<-release // a slow request in flight
			return nil
		}
	})
	base, stop := serve(t, e, "http")

	type result struct {
		status int
		body   string
		err    error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		res <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-entered
	if a := e.srv.Addr(); a == nil || base != "http://"+a.String() {
		t.Fatalf("Addr() = %v, served at %s", a, base)
	}

	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	// Serve must wait for the in-flight request.
	select {
	case err := <-stopped:
		t.Fatalf("Serve returned (%v) with a request in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	// New connections are refused once shutdown has begun.
	client := &http.Client{Timeout: 2 * time.Second}
	if resp, err := client.Get(base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Error("a new request was served during shutdown")
	}
	close(release)
	r := <-res
	if r.err != nil || r.status != 200 || !strings.Contains(r.body, `"status":"ready"`) {
		t.Fatalf("in-flight request: %+v", r)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "API stopped") {
		t.Error("no stop log line")
	}
}

func TestShutdownTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	entered := make(chan struct{})
	e := newEnv(t, func(c *Config) {
		c.ShutdownTimeout = 100 * time.Millisecond
		c.ReadyTimeout = time.Minute
		c.Ready = func(ctx context.Context) error {
			close(entered)
			<-release
			return nil
		}
	})
	base, stop := serve(t, e, "http")
	go func() {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	err := stop()
	if err == nil || !strings.Contains(err.Error(), "did not finish within 100ms") {
		t.Fatalf("Serve: %v, want a shutdown timeout error", err)
	}
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and returns the
// file paths and a pool that trusts it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "bulwark test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestTLS(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := selfSigned(t)
	e := newEnv(t, func(c *Config) { c.TLSCertFile, c.TLSKeyFile = certFile, keyFile })
	base, stop := serve(t, e, "https")

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool},
		ForceAttemptHTTP2: true,
	}}
	req, _ := http.NewRequest("GET", base+"/api/v1/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+e.secrets["viewer"])
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"role":"viewer"`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("TLS state %+v", resp.TLS)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS header over TLS")
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("protocol %s, want HTTP/2", resp.Proto)
	}

	// TLS 1.1 is refused.
	old := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11},
	}}
	if resp, err := old.Get(base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Error("a TLS 1.1 client was served")
	}
	// Plain HTTP on the TLS port is not served.
	if resp, err := http.Get(strings.Replace(base, "https://", "http://", 1) + "/healthz"); err == nil {
		if resp.StatusCode == 200 {
			t.Error("plain HTTP served on the TLS port")
		}
		resp.Body.Close()
	}
	if strings.Contains(e.logs.String(), "without TLS") {
		t.Error("warned about missing TLS on a TLS server")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestInsecureWarning(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Skipf("cannot listen on all interfaces: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, ln) }()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(e.logs.String(), "API listening") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.logs.String(), "without TLS on a non-loopback address") {
		t.Errorf("no warning: %s", e.logs.String())
	}

	// And none on loopback.
	e2 := newEnv(t, nil)
	_, stop := serve(t, e2, "http")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(e2.logs.String(), "without TLS") {
		t.Error("warned on loopback")
	}
}

func TestListenAndServe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Addr = "127.0.0.1:0" })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.ListenAndServe(ctx) }()
	var addr net.Addr
	for deadline := time.Now().Add(5 * time.Second); addr == nil && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		addr = e.srv.Addr()
	}
	if addr == nil {
		t.Fatal("no address")
	}
	resp, err := http.Get(fmt.Sprintf("http://%s/healthz", addr))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// A port in use is an error, not a hang.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	e2 := newEnv(t, func(c *Config) { c.Addr = busy.Addr().String() })
	if err := e2.srv.ListenAndServe(context.Background()); err == nil || !strings.Contains(err.Error(), "cannot listen") {
		t.Fatalf("ListenAndServe on a busy port: %v", err)
	}
}

func TestLoopbackAddr(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:80": true, "[::1]:8080": true, "127.1.2.3:1": true,
		"::1": true, "LOCALHOST": true,
		"0.0.0.0:8080": false, ":8080": false, "[::]:8080": false, "192.168.1.5:8080": false,
		"example.com:443": false, "": false,
	} {
		if got := LoopbackAddr(addr); got != want {
			t.Errorf("LoopbackAddr(%q) = %t, want %t", addr, got, want)
		}
	}
}

func TestClientKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"192.0.2.1:1234":         "192.0.2.1",
		"[2001:db8::1]:443":      "2001:db8::/64",
		"[2001:db8::ffff:1]:443": "2001:db8::/64",
		"[2001:db8:0:1::1]:443":  "2001:db8:0:1::/64",
		"[::ffff:192.0.2.1]:80":  "192.0.2.1",
		"[fe80::1%eth0]:80":      "fe80::/64",
		"not an address":         "not an address",
	} {
		s := &Server{}
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = in
		if got := s.clientKeyOf(r); got != want {
			t.Errorf("clientKeyOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClientAddr(t *testing.T) {
	t.Parallel()
	proxies, err := ParseTrustedProxies("trusted-proxy", "10.0.0.0/8, 192.0.2.7,fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		remote  string
		xff     []string
		proxies []netip.Prefix
		want    string
	}{
		{"no proxies: peer", "198.51.100.1:1", []string{"203.0.113.1"}, nil, "198.51.100.1"},
		{"untrusted peer: XFF ignored", "198.51.100.1:1", []string{"203.0.113.1"}, proxies, "198.51.100.1"},
		{"trusted peer, one hop", "10.0.0.1:1", []string{"203.0.113.1"}, proxies, "203.0.113.1"},
		{"trusted peer, no XFF", "10.0.0.1:1", nil, proxies, "10.0.0.1"},
		{"right-most untrusted hop wins over spoofed left hops", "10.0.0.1:1", []string{"1.1.1.1, 203.0.113.1, 10.9.9.9"}, proxies, "203.0.113.1"},
		{"several header lines, read from the last", "10.0.0.1:1", []string{"1.1.1.1", "203.0.113.1", "192.0.2.7"}, proxies, "203.0.113.1"},
		{"every hop trusted: the left-most", "10.0.0.1:1", []string{"10.3.3.3, 192.0.2.7"}, proxies, "10.3.3.3"},
		{"malformed hop: the last trusted one", "10.0.0.1:1", []string{"203.0.113.1, garbage, 10.2.2.2"}, proxies, "10.2.2.2"},
		{"malformed right-most hop: the peer", "10.0.0.1:1", []string{"203.0.113.1, unknown"}, proxies, "10.0.0.1"},
		{"hop with port", "10.0.0.1:1", []string{"203.0.113.1:5555"}, proxies, "203.0.113.1"},
		{"IPv6 hop with brackets and port", "[fd00::1]:443", []string{"[2001:db8::5]:443"}, proxies, "2001:db8::5"},
		{"IPv6 hop bare", "[fd00::1]:443", []string{"2001:db8::5"}, proxies, "2001:db8::5"},
		{"mapped IPv4 peer", "[::ffff:10.0.0.1]:1", []string{"203.0.113.1"}, proxies, "203.0.113.1"},
		{"empty elements skipped", "10.0.0.1:1", []string{"203.0.113.1,, ,"}, proxies, "203.0.113.1"},
	} {
		got, ok := clientAddr(c.remote, c.xff, c.proxies)
		if !ok || got.String() != c.want {
			t.Errorf("%s: clientAddr = %v, %t; want %s", c.name, got, ok, c.want)
		}
	}
}

func TestParseTrustedProxies(t *testing.T) {
	t.Parallel()
	got, err := ParseTrustedProxies("--trusted-proxy", " 10.1.2.3/8 ,192.0.2.7, ::1, fd00::/8, ::ffff:172.16.0.0/108,")
	if err != nil {
		t.Fatal(err)
	}
	want := "[10.0.0.0/8 192.0.2.7/32 ::1/128 fd00::/8 172.16.0.0/12]"
	if fmt.Sprint(got) != want {
		t.Errorf("got %v, want %s", got, want)
	}
	if got, err := ParseTrustedProxies("--trusted-proxy", ""); err != nil || len(got) != 0 {
		t.Errorf("empty: %v, %v", got, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0.1:80", "fe80::1%eth0", "10.0.0.0/8,nope", strings.Repeat("1", 1000)} {
		_, err := ParseTrustedProxies("--trusted-proxy", bad)
		if !bulwark.IsCode(err, bulwark.EINVALID) {
			t.Errorf("%q: err %v, want invalid", bad, err)
			continue
		}
		if msg := bulwark.ErrorMessage(err); !strings.Contains(msg, "--trusted-proxy") || len(msg) > 200 {
			t.Errorf("%q: message %q", bad, msg)
		}
	}
}

// FuzzClientAddr checks that any X-Forwarded-For and proxy list yields the
// peer or an address written in the header, and never panics.
func FuzzClientAddr(f *testing.F) {
	f.Add("10.0.0.1:1", "1.1.1.1, 203.0.113.1, 10.9.9.9", "10.0.0.0/8")
	f.Add("[fd00::1]:443", "[2001:db8::5]:443,,", "fd00::/8,::1")
	f.Add("198.51.100.1:1", "garbage", "")
	f.Fuzz(func(t *testing.T, remote, xff, proxyList string) {
		proxies, err := ParseTrustedProxies("trusted-proxy", proxyList)
		if err != nil {
			return
		}
		got, ok := clientAddr(remote, []string{xff}, proxies)
		peer, peerOK := parseHost(remote)
		if ok != peerOK {
			t.Fatalf("ok %t for remote %q", ok, remote)
		}
		if !ok {
			return
		}
		if got != peer {
			// An address other than the peer must be a hop of the header
			// (possibly in another spelling, e.g. unmapped).
			found := false
			for _, hop := range strings.Split(xff, ",") {
				if a, ok := parseHost(strings.TrimSpace(hop)); ok && a == got {
					found = true
				}
			}
			if !found {
				t.Fatalf("clientAddr(%q, %q) = %v: neither the peer nor a hop", remote, xff, got)
			}
		}
		if got != peer && !trusted(peer, proxies) {
			t.Fatalf("X-Forwarded-For read from an untrusted peer %v", peer)
		}
	})
}

func TestLimiterTableIsBounded(t *testing.T) {
	t.Parallel()
	lt := newLimiterTable(1, 1, 3)
	now := time.Now()
	for _, k := range []string{"a", "b", "c"} {
		if d := lt.take(k, now); d != 0 {
			t.Fatalf("%s: first request limited", k)
		}
	}
	if d := lt.take("a", now); d == 0 {
		t.Fatal("a: second request not limited")
	}
	// "a" was used last; adding "d" evicts "b", the least recently used.
	lt.take("d", now)
	if lt.len() != 3 {
		t.Fatalf("table holds %d", lt.len())
	}
	if lt.get("b", false) != nil || lt.get("a", false) == nil {
		t.Error("wrong entry evicted")
	}
	if d := lt.take("a", now); d <= 0 || d > time.Second {
		t.Errorf("take(a) = %v", d)
	}
	if got := retryAfter(1500 * time.Millisecond); got != 2 {
		t.Errorf("retryAfter(1.5s) = %d", got)
	}
	if got := retryAfter(0); got != 1 {
		t.Errorf("retryAfter(0) = %d", got)
	}
}

// TestRequestContextLazyDeadline: the handler deadline holds whether or
// not anything asked for Done first (the context makes its timer only
// then): Err, Done and context.Cause say the deadline passed, a context
// derived in the handler is done with it, and once the request is over
// its context is cancelled, made or not.
func TestRequestContextLazyDeadline(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.HandlerTimeout = time.Nanosecond })
	type seen struct{ err, errAgain, cause, derived error }
	got := make(chan seen, 1)
	var kept []context.Context
	h := e.srv.base(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var s seen
		s.err = ctx.Err() // no Done asked for yet: the deadline has passed all the same
		<-ctx.Done()
		s.errAgain = ctx.Err()
		s.cause = context.Cause(ctx)
		d, cancel := context.WithCancel(ctx)
		defer cancel()
		<-d.Done()
		s.derived = d.Err()
		got <- s
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
	s := <-got
	for name, err := range map[string]error{"Err": s.err, "Err after Done": s.errAgain, "Cause": s.cause, "derived Err": s.derived} {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s = %v, want the deadline exceeded", name, err)
		}
	}

	e = newEnv(t, func(c *Config) { c.HandlerTimeout = time.Hour })
	for _, askDone := range []bool{false, true} {
		h = e.srv.base(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if err := ctx.Err(); err != nil {
				t.Errorf("Err during the request = %v", err)
			}
			if askDone {
				select {
				case <-ctx.Done():
					t.Errorf("done during the request")
				default:
				}
			}
			kept = append(kept, ctx)
		}))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
		ctx := kept[len(kept)-1]
		if err := ctx.Err(); !errors.Is(err, context.Canceled) {
			t.Errorf("Done asked for: %v: Err after the request = %v, want canceled", askDone, err)
		}
		<-ctx.Done()
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) < 30*time.Minute {
			t.Errorf("Deadline = %v, %v; want about an hour from now", dl, ok)
		}
	}
}

// TestRequestContext: the context a handler gets carries the request's
// info and the handler deadline, and is cancelled when the client's is.
func TestRequestContext(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.HandlerTimeout = time.Hour })
	type seen struct {
		info     *reqInfo
		deadline bool
		err      error
	}
	got := make(chan seen, 1)
	h := e.srv.base(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, ok := r.Context().Deadline()
		<-r.Context().Done()
		got <- seen{infoFrom(r.Context()), ok, r.Context().Err()}
	}))
	ctx, cancel := context.WithCancel(context.Background())
	r := httptest.NewRequest("GET", "/x", nil).WithContext(ctx)
	r.Header.Set(RequestIDHeader, "req-ctx-1")
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(httptest.NewRecorder(), r)
	}()
	cancel()
	s := <-got
	<-done
	if s.info == nil || s.info.requestID != "req-ctx-1" || !s.deadline || !errors.Is(s.err, context.Canceled) {
		t.Fatalf("handler saw info %+v, deadline %v, err %v", s.info, s.deadline, s.err)
	}
}

// TestConsoleMount: with a console, the paths outside the API go to it;
// the API's own paths, with any method, and unclean paths answer as
// without it.
func TestConsoleMount(t *testing.T) {
	t.Parallel()
	console := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("console " + r.Method + " " + r.URL.Path))
	})
	e := newEnv(t, func(c *Config) { c.Console = console })
	for _, tc := range []struct {
		method, path string
		status       int
		console      bool
	}{
		{"GET", "/", http.StatusOK, true},
		{"GET", "/safe", http.StatusOK, true},
		{"POST", "/login", http.StatusOK, true},
		{"GET", "/healthz", http.StatusOK, false},
		{"POST", "/healthz", http.StatusMethodNotAllowed, false},
		{"GET", "/api/v1/nothing", http.StatusUnauthorized, false},
		{"GET", "/safe//x", http.StatusNotFound, false},
	} {
		w := e.do(tc.method, tc.path, nil, "")
		if w.Code != tc.status || strings.HasPrefix(w.Body.String(), "console ") != tc.console {
			t.Errorf("%s %s: status %d body %q; want %d, console %v", tc.method, tc.path, w.Code, w.Body.String(), tc.status, tc.console)
		}
	}
}

// TestAnswerHeaders: a JSON answer carries exactly the headers that
// protect it (type, nosniff, no-store, a deny-all Content-Security-Policy
// that also refuses framing), its request id and its length, whatever
// its status: every further header costs the server and the client CPU
// on every answer.
func TestAnswerHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	want := []string{"Cache-Control", "Content-Length", "Content-Security-Policy", "Content-Type", "X-Content-Type-Options", RequestIDHeader}
	for _, c := range []struct {
		name    string
		method  string
		path    string
		headers map[string]string
		status  int
		extra   []string
	}{
		{"authenticated", "GET", "/api/v1/whoami", bearerFor("viewer"), http.StatusOK, nil},
		{"not found", "GET", "/api/v1/whoami", map[string]string{"Authorization": "Bearer bwk_0000000000000000_" + strings.Repeat("0", 64)},
			http.StatusUnauthorized, []string{"Www-Authenticate"}},
		{"health", "GET", "/healthz", nil, http.StatusOK, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := e.do(c.method, c.path, c.headers, "")
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			var got []string
			for k := range rec.Header() {
				got = append(got, k)
			}
			sort.Strings(got)
			w := append(slices.Clone(want), c.extra...)
			sort.Strings(w)
			if !slices.Equal(got, w) {
				t.Errorf("headers %v, want %v", got, w)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy %q does not refuse framing", csp)
			}
		})
	}
}
