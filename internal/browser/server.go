package browser

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/bulwark-sec/bulwark/internal/syncbuf"
)

// Build compiles the bulwark binary (cmd/bulwark, with the go command on
// the PATH and the caller's GOFLAGS) into dir and returns its path. A test
// that calls it depends on the whole tree: call testtree.Depends too.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "bulwark")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/bulwark-sec/bulwark/cmd/bulwark").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/bulwark: %v\n%s", err, out)
	}
	return bin, nil
}

// Server is a running 'bulwark serve' on a loopback port with a data
// directory of its own.
type Server struct {
	// URL is the console's address as the browser opens it:
	// http://localhost:PORT (WebAuthn needs a host name, not an IP).
	URL string
	// Addr is the address serve listens on (127.0.0.1:PORT).
	Addr string
	// DataDir is the server's data directory.
	DataDir string
	// Token is the first admin API token (written to DataDir at the first
	// start).
	Token string
	// Bin is the bulwark binary, for the commands a test runs beside the
	// server (Run).
	Bin string

	cmd    *exec.Cmd
	stderr *syncbuf.Buffer
	done   chan error
}

var listeningRE = regexp.MustCompile(`msg="API listening" addr=(\S+)|"msg":"API listening","addr":"([^"]+)"`)

// StartServer runs `bin serve --data-dir dataDir --addr 127.0.0.1:PORT
// --lists-refresh 0 args…` on a free port and returns once it listens
// (the address is read from its log). The port is chosen here rather than
// left to serve (:0): the console's default WebAuthn origin is
// http://localhost:PORT from --addr. The lists are never refreshed from
// the internet (a test server reaches nothing outside this machine)
// unless args say otherwise, and the environment's BULWARK_CONFIG is
// cleared, so that no config file of the machine is read.
func StartServer(bin, dataDir string, args ...string) (*Server, error) {
	var err error
	for range 5 { // another process may take the free port first
		var port int
		if port, err = freePort(); err != nil {
			return nil, err
		}
		var s *Server
		s, err = startServer(bin, dataDir, fmt.Sprintf("127.0.0.1:%d", port), args)
		if err == nil {
			return s, nil
		}
		if !strings.Contains(err.Error(), "address already in use") {
			return nil, err
		}
	}
	return nil, err
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func startServer(bin, dataDir, addr string, args []string) (*Server, error) {
	base := []string{"serve", "--data-dir", dataDir, "--addr", addr}
	if !slices.ContainsFunc(args, func(a string) bool { return a == "--lists-refresh" || strings.HasPrefix(a, "--lists-refresh=") }) {
		base = append(base, "--lists-refresh", "0")
	}
	cmd := exec.Command(bin, append(base, args...)...)
	cmd.Env = append(os.Environ(), "BULWARK_CONFIG=")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{Bin: bin, DataDir: dataDir, cmd: cmd, stderr: &syncbuf.Buffer{}, done: make(chan error, 1)}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			s.stderr.WriteString(line + "\n")
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1] + m[2]:
				default:
				}
			}
		}
		s.done <- cmd.Wait()
	}()
	select {
	case addr := <-found:
		s.Addr = addr
	case err := <-s.done:
		return nil, fmt.Errorf("bulwark serve exited before listening: %v\n%s", err, s.stderr)
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("bulwark serve did not listen within a minute:\n%s", s.stderr)
	}
	_, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("bulwark serve: listening address %q: %v", s.Addr, err)
	}
	s.URL = "http://localhost:" + port
	if b, err := os.ReadFile(filepath.Join(dataDir, "first-admin-token")); err == nil {
		s.Token = strings.TrimSpace(string(b))
	}
	return s, nil
}

// Log returns what the server wrote to stderr so far.
func (s *Server) Log() string { return s.stderr.String() }

// Stop sends SIGTERM and waits for the server to exit (killing it after
// 30 s).
func (s *Server) Stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case err := <-s.done:
		return err
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		return fmt.Errorf("bulwark serve did not stop within 30 s of SIGTERM:\n%s", s.stderr)
	}
}

// Run runs the bulwark binary with args (a command beside the server:
// `user create …`, `lists update …`), with stdin as its standard input,
// on the server's data directory (see Command).
func (s *Server) Run(stdin string, args ...string) (code int, stdout, stderr string, err error) {
	return Command(s.Bin, s.DataDir, stdin, args...)
}

// Command runs the bulwark binary bin with args on the data directory
// dataDir ($BULWARK_DATA, unless args name another), with stdin as its
// standard input and no config file, and returns its exit code, standard
// output and standard error; err is set only when it could not run.
func Command(bin, dataDir, stdin string, args ...string) (code int, stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "BULWARK_CONFIG=", "BULWARK_DATA="+dataDir)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String(), errb.String(), nil
	}
	return 0, out.String(), errb.String(), err
}
