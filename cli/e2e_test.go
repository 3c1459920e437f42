package cli

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // to tamper with the store as an attacker would

	"github.com/bulwark-sec/bulwark/internal/syncbuf"
	"github.com/bulwark-sec/bulwark/internal/testtree"
)

// binary is the bulwark binary built once for the e2e tests of this run.
var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	progress("start")
	code := m.Run()
	progress("done")
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	if imported.dir != "" {
		os.RemoveAll(imported.dir)
	}
	if small.root != "" {
		os.RemoveAll(small.root)
	}
	os.Exit(code)
}

// buildBinary compiles bulwark once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	testtree.Depends(t) // the binary is built from cmd/bulwark and what it imports
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short mode")
	}
	binary.once.Do(func() {
		progress("building the bulwark binary for the serve tests")
		defer progress("bulwark binary built")
		binary.dir, binary.err = os.MkdirTemp("", "bulwark-e2e-")
		if binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "bulwark")
		out, err := exec.Command("go", "build", "-o", binary.path, "../cmd/bulwark").CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// server is a running 'bulwark serve' process.
type server struct {
	cmd    *exec.Cmd
	url    string
	token  string // the bootstrap admin token, if this start printed one
	stderr *syncbuf.Buffer
	done   chan error
}

var (
	listeningRE = regexp.MustCompile(`msg="API listening" addr=(\S+)|"msg":"API listening","addr":"([^"]+)"`)
	tokenRE     = regexp.MustCompile(`bwk_[0-9a-f]{16}_[0-9a-f]{64}`)
)

func startServer(t *testing.T, bin, data string, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--data-dir", data}, extra...)
	if !slices.Contains(extra, "--addr") {
		// A flag may be given once: the default address only when extra
		// names none.
		args = append(args, "--addr", "127.0.0.1:0")
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "BULWARK_CONFIG=")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stderr: &syncbuf.Buffer{}, done: make(chan error, 1)}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			s.stderr.WriteString(line + "\n")
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				found <- m[1] + m[2] // text or JSON log
			}
		}
		s.done <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case addr := <-found:
		s.url = "http://" + addr
	case err := <-s.done:
		t.Fatalf("serve exited before listening: %v\n%s", err, s.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not start listening:\n%s", s.stderr)
	}
	// The first admin token: its stderr is a pipe, not a terminal, so the
	// secret is in a file of the data directory and the log says so.
	if strings.Contains(s.stderr.String(), "created the first admin token") {
		b, err := os.ReadFile(filepath.Join(data, "first-admin-token"))
		if err != nil {
			t.Fatalf("the log names a first admin token file: %v\n%s", err, s.stderr)
		}
		s.token = strings.TrimSpace(string(b))
	}
	return s
}

// stop sends SIGTERM and returns the exit code.
func (s *server) stop(t *testing.T) int {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop after SIGTERM:\n%s", s.stderr)
		return -1
	}
}

func request(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func runBin(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "BULWARK_CONFIG=")
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String(), errb.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// TestServeEndToEnd is the "done when", run as a new user would:
// serve answers /healthz, /api/v1 needs the printed admin token, the token
// survives a restart, SIGTERM stops cleanly, and editing an audit row by hand
// makes 'bulwark audit verify' exit 3 naming it.
func TestServeEndToEnd(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")

	s := startServer(t, bin, data)
	if s.token == "" {
		t.Fatalf("first start created no admin token:\n%s", s.stderr)
	}
	// The secret never enters the log stream; its file is the owner's.
	if tokenRE.MatchString(s.stderr.String()) {
		t.Fatalf("the server log shows the first admin token:\n%s", s.stderr)
	}
	if fi, err := os.Stat(filepath.Join(data, "first-admin-token")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("first-admin-token: %v %v, want mode 0600", fi, err)
	}
	if code, body := request(t, "GET", s.url+"/healthz", "", ""); code != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("healthz: %d %s", code, body)
	}
	if code, _ := request(t, "GET", s.url+"/readyz", "", ""); code != 200 {
		t.Fatalf("readyz: %d", code)
	}
	if code, body := request(t, "GET", s.url+"/api/v1/whoami", "", ""); code != 401 || !strings.Contains(body, `"code":"unauthorized"`) {
		t.Fatalf("whoami without token: %d %s", code, body)
	}
	if code, body := request(t, "GET", s.url+"/api/v1/whoami", s.token, ""); code != 200 || !strings.Contains(body, `"role":"admin"`) {
		t.Fatalf("whoami with the admin token: %d %s", code, body)
	}
	code, body := request(t, "POST", s.url+"/api/v1/tokens", s.token, `{"name":"viewer-1","role":"viewer"}`)
	if code != 201 {
		t.Fatalf("create token: %d %s", code, body)
	}
	var created struct {
		Token string `json:"secret"`
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil || created.Token == "" {
		t.Fatalf("create token body: %v %s", err, body)
	}
	if code, _ := request(t, "GET", s.url+"/api/v1/audit", created.Token, ""); code != 403 {
		t.Fatalf("viewer reading the audit log: %d, want 403", code)
	}
	if code, body := request(t, "POST", s.url+"/api/v1/tokens", s.token, `{"name":`); code != 400 || !strings.Contains(body, "JSON") {
		t.Fatalf("malformed JSON: %d %s", code, body)
	}
	if code, body := request(t, "GET", s.url+"/metrics", s.token, ""); code != 200 || !strings.Contains(body, "bulwark_http_request_duration_seconds") {
		t.Fatalf("metrics: %d %.200s", code, body)
	}
	if strings.Contains(s.stderr.String(), created.Token) {
		t.Fatal("the server log shows a token it issued over the API")
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve exited %d after SIGTERM:\n%s", code, s.stderr)
	}

	// A restart keeps the tokens and prints no new one.
	s = startServer(t, bin, data)
	if s.token != "" {
		t.Fatalf("second start printed another admin token")
	}
	if code, _ := request(t, "GET", s.url+"/api/v1/whoami", created.Token, ""); code != 200 {
		t.Fatalf("token issued before the restart: %d", code)
	}
	s.stop(t)

	code, stdout, stderr := runBin(t, bin, "audit", "verify", "--data-dir", data)
	if code != 0 || !strings.Contains(stdout, "intact: 3 entries") {
		t.Fatalf("verify before tampering: exit %d\n%s%s", code, stdout, stderr)
	}

	// Tamper with entry 2 by hand, as someone with access to the file would.
	db, err := sql.Open("sqlite", filepath.Join(data, "bulwark.db"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.ExecContext(context.Background(), `UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("tampered with %d rows", n)
	}
	db.Close()

	code, stdout, stderr = runBin(t, bin, "audit", "verify", "--data-dir", data)
	if code != 3 || !strings.Contains(stdout, "BROKEN at entry 2") {
		t.Fatalf("verify after tampering: exit %d, want 3 naming entry 2\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = runBin(t, bin, "audit", "verify", "--data-dir", data, "--json")
	if code != 3 || !strings.Contains(stdout, `"seq": 2`) || !strings.Contains(stdout, `"verdict": "critical"`) {
		t.Fatalf("verify --json after tampering: exit %d\n%s", code, stdout)
	}
}

func TestServeBadInput(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	data := t.TempDir()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	badPacks := t.TempDir()
	if err := os.WriteFile(filepath.Join(badPacks, "bad.yaml"), []byte("title: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"bad addr", []string{"serve", "--addr", "nonsense"}, "--addr: want HOST:PORT"},
		{"port out of range", []string{"serve", "--addr", "127.0.0.1:99999"}, `--addr: want HOST:PORT with a port number from 0 to 65535 (0: any free port), got "127.0.0.1:99999"`},
		{"port not a number", []string{"serve", "--addr", "127.0.0.1:http"}, "--addr: want HOST:PORT with a port number"},
		{"host that does not resolve", []string{"serve", "--addr", "nohost.invalid:8080"}, "--addr: cannot listen on nohost.invalid:8080: cannot resolve the host nohost.invalid: give --addr an IP address"},
		{"unknown flag", []string{"serve", "--port", "80"}, "bulwark: --port: no such flag for bulwark serve"},
		{"tls cert without key", []string{"serve", "--tls-cert", "x.pem"}, "tls"},
		{"missing tls files", []string{"serve", "--tls-cert", "x.pem", "--tls-key", "y.pem"}, "cannot load the TLS certificate"},
		{"bad body limit", []string{"serve", "--max-body-bytes", "0"}, "--max-body-bytes"},
		{"data dir is a file", []string{"serve", "--data-dir", file, "--addr", "127.0.0.1:0"}, "--data-dir: " + file + " is a file, not a directory; give --data-dir a directory"},
		{"missing trace labels", []string{"serve", "--trace-labels", filepath.Join(data, "none.csv")}, "--trace-labels: cannot read " + filepath.Join(data, "none.csv")},
		{"trace tagpacks not a directory", []string{"serve", "--trace-tagpacks", file}, "--trace-tagpacks: " + file + " is not a directory"},
		{"trace node not http", []string{"serve", "--trace-rpc", "ftp://x"}, "bulwark: --trace-rpc: ftp://x has scheme \"ftp\""},
		{"bad trace labels", []string{"serve", "--trace-labels", file}, "bulwark: --trace-labels: " + file + ": the file is empty"},
		{"bad trace TagPacks", []string{"serve", "--trace-tagpacks", badPacks}, "bulwark: --trace-tagpacks: bad.yaml: line 1: no tags list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if !slices.Contains(args, "--data-dir") {
				args = append(args, "--data-dir", data)
			}
			code, _, stderr := runBin(t, bin, args...)
			if code != 1 || !strings.Contains(stderr, tt.stderr) || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d, stderr %q; want 1 and one line containing %q", code, stderr, tt.stderr)
			}
		})
	}

	// The port is taken: a clear line, exit 1.
	s := startServer(t, bin, filepath.Join(t.TempDir(), "d"))
	addr := strings.TrimPrefix(s.url, "http://")
	code, _, stderr := runBin(t, bin, "serve", "--addr", addr, "--data-dir", data)
	if code != 1 || !strings.Contains(stderr, "already in use") {
		t.Fatalf("second server on %s: exit %d, %q", addr, code, stderr)
	}
	s.stop(t)
}

// TestServeFailedStartCreatesNoToken: a start that cannot listen, or
// cannot hand over the first admin token's secret, fails with one clear
// line and creates no token, so the next start that succeeds creates the
// first admin token and hands it over.
func TestServeFailedStartCreatesNoToken(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() }) // after the parallel subtests
	taken := ln.Addr().String()

	noToken := func(t *testing.T, data string) {
		t.Helper()
		if _, err := os.Stat(filepath.Join(data, "first-admin-token")); err == nil {
			t.Fatal("a failed start wrote a first admin token file")
		}
		code, stdout, stderr := runBin(t, bin, "token", "list", "--json", "--data-dir", data)
		if code != 0 || strings.TrimSpace(stdout) != "[]" {
			t.Fatalf("token list after a failed start: exit %d, %s%s; want no token", code, stdout, stderr)
		}
	}

	t.Run("address in use", func(t *testing.T) {
		t.Parallel()
		data := filepath.Join(t.TempDir(), "data")
		code, stdout, stderr := runBin(t, bin, "serve", "--data-dir", data, "--addr", taken, "--lists-refresh", "0")
		if code != 1 || strings.Count(stderr, "\n") != 1 || stdout != "" {
			t.Fatalf("serve on a taken port: exit %d, stdout %q, stderr %q; want 1 and one line", code, stdout, stderr)
		}
		for _, want := range []string{"bulwark: --addr: cannot listen on " + taken, "already in use", "give --addr a free HOST:PORT"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr %q lacks %q", stderr, want)
			}
		}
		if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a start that could not listen created the data directory: %v", err)
		}
		noToken(t, data)
		s := startServer(t, bin, data, "--lists-refresh", "0")
		if s.token == "" {
			t.Fatalf("the first start that listens created no admin token:\n%s", s.stderr)
		}
		if code, body := request(t, "GET", s.url+"/api/v1/whoami", s.token, ""); code != 200 || !strings.Contains(body, `"role":"admin"`) {
			t.Fatalf("whoami with the first admin token: %d %s", code, body)
		}
		s.stop(t)
	})

	t.Run("token file cannot be written", func(t *testing.T) {
		t.Parallel()
		data := filepath.Join(t.TempDir(), "data")
		// A directory where the file goes: the secret cannot be written.
		blocker := filepath.Join(data, "first-admin-token")
		if err := os.MkdirAll(filepath.Join(blocker, "x"), 0o700); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runBin(t, bin, "serve", "--data-dir", data, "--addr", "127.0.0.1:0", "--lists-refresh", "0")
		if code != 1 || !strings.Contains(stderr, "cannot write the first admin token") {
			t.Fatalf("serve that cannot write the token: exit %d, stderr %q", code, stderr)
		}
		if err := os.RemoveAll(blocker); err != nil {
			t.Fatal(err)
		}
		noToken(t, data)
		s := startServer(t, bin, data, "--lists-refresh", "0")
		if s.token == "" {
			t.Fatalf("the first start that can write the token created none:\n%s", s.stderr)
		}
		s.stop(t)
	})
}

// TestServeWarnsWithoutTLS: binding beyond loopback without TLS is allowed
// but warned about. Nothing is sent to the non-loopback address.
func TestServeWarnsWithoutTLS(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	s := startServer(t, bin, t.TempDir(), "--addr", "0.0.0.0:0")
	if !strings.Contains(s.stderr.String(), "without TLS") {
		t.Fatalf("no warning for a non-loopback address without TLS:\n%s", s.stderr)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	s = startServer(t, bin, t.TempDir())
	if strings.Contains(s.stderr.String(), "without TLS") {
		t.Fatalf("warned on loopback:\n%s", s.stderr)
	}
	s.stop(t)
}

// With JSON logs every line of serve's stderr is a JSON object and none
// holds the first admin token; a revocation made with the CLI while serve
// runs refuses the token on serve's very next request (no cache delay);
// revoking it again through the API changes nothing and audits nothing.
func TestServeJSONLogsAndCLIRevocation(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	s := startServer(t, bin, data, "--log-format", "json")
	if s.token == "" {
		t.Fatalf("no first admin token:\n%s", s.stderr)
	}
	code, body := request(t, "POST", s.url+"/api/v1/tokens", s.token, `{"name":"bot","role":"viewer"}`)
	var created struct {
		Secret string `json:"secret"`
		Token  struct{ ID string }
	}
	if err := json.Unmarshal([]byte(body), &created); code != 201 || err != nil {
		t.Fatalf("create: %d %s", code, body)
	}
	for i := 0; i < 3; i++ { // now cached by serve
		if code, body := request(t, "GET", s.url+"/api/v1/whoami", created.Secret, ""); code != 200 {
			t.Fatalf("whoami: %d %s", code, body)
		}
	}
	if code, out, errOut := runBin(t, bin, "token", "revoke", created.Token.ID, "--data-dir", data); code != 0 || !strings.Contains(out, "Revoked") {
		t.Fatalf("CLI revoke: %d %s %s", code, out, errOut)
	}
	if code, body := request(t, "GET", s.url+"/api/v1/whoami", created.Secret, ""); code != 401 {
		t.Fatalf("whoami right after the CLI revoked the token: %d %s", code, body)
	}
	code, body = request(t, "DELETE", s.url+"/api/v1/tokens/"+created.Token.ID, s.token, "")
	if code != 200 || !strings.Contains(body, `"alreadyRevoked":true`) {
		t.Fatalf("second revoke: %d %s", code, body)
	}
	s.stop(t)
	for _, line := range strings.Split(strings.TrimSpace(s.stderr.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("a stderr line that is not JSON: %q", line)
		}
	}
	if tokenRE.MatchString(s.stderr.String()) {
		t.Errorf("the log holds a token secret:\n%s", s.stderr)
	}
	// The access lines, which the server writes itself, as JSON too.
	if want := `"level":"INFO","msg":"http request","method":"GET","route":"GET /api/v1/whoami","status":200,`; !strings.Contains(s.stderr.String(), want) ||
		!strings.Contains(s.stderr.String(), `"token":"`+created.Token.ID+`"}`) {
		t.Errorf("the log lacks the whoami access lines (%s, the token id):\n%s", want, s.stderr)
	}
	_, out, _ := runBin(t, bin, "audit", "list", "--json", "--data-dir", data)
	if n := strings.Count(out, `"token.revoke"`); n != 1 {
		t.Errorf("%d token.revoke entries, want 1:\n%s", n, out)
	}
}
