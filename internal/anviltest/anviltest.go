// Package anviltest starts a real Anvil node (Foundry's local Ethereum node)
// for tests that need a chain: one node per test, bound to a free loopback
// port, deterministic accounts and chain id, stopped when the test ends.
//
// The binary is taken from $BULWARK_ANVIL, else from
// <module root>/.tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil,
// where scripts/install-test-deps.sh puts it. When it is missing the test
// is skipped, or fails when the CI environment variable is set, so that CI
// never passes by skipping every chain test.
//
// A node started WithState keeps its chain across Stop and Restart (Anvil's
// --state file), so a test can take a node down and bring the same chain
// back, as a real node restarts; without it Restart starts a new chain.
//
// The package talks to the node with a few lines of plain JSON-RPC so that
// it depends on no Bulwark adapter and any package's tests can use it.
package anviltest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/internal/cputime"
)

// EnvBinary names the environment variable that overrides the path of the
// anvil binary.
const EnvBinary = "BULWARK_ANVIL"

// DefaultChainID is the chain id a node gets unless WithChainID says
// otherwise (Anvil's own default).
const DefaultChainID = 31337

// DefaultBalanceEther is the balance, in ether, of each funded account.
const DefaultBalanceEther = 10000

// GenesisTimestamp is the genesis block's timestamp (2023-11-14 22:13:20
// UTC), fixed so that the genesis block, and its hash, are the same on
// every run. Later blocks follow it by the wall-clock time elapsed.
const GenesisTimestamp = 1700000000

// installHint is the instruction given when the binary is missing.
const installHint = "run scripts/install-test-deps.sh"

// relBinary is where scripts/install-test-deps.sh installs anvil, relative
// to the module root.
const relBinary = ".tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"

// startTimeout bounds how long Start waits for the node to answer.
const startTimeout = 30 * time.Second

// stopTimeout bounds how long Stop waits for the node to exit after
// SIGTERM before it kills it; stateStopTimeout is the same for a node
// WithState, which writes its state file as it exits (killing it would
// lose the chain).
const (
	stopTimeout      = 5 * time.Second
	stateStopTimeout = 30 * time.Second
)

// DefaultAccounts returns the addresses of the ten accounts Anvil funds and
// unlocks, derived from its default mnemonic ("test test … junk"). They are
// the same on every run.
func DefaultAccounts() []common.Address {
	return []common.Address{
		common.HexToAddress("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
		common.HexToAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
		common.HexToAddress("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"),
		common.HexToAddress("0x90F79bf6EB2c4f870365E785982E1f101E93b906"),
		common.HexToAddress("0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"),
		common.HexToAddress("0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"),
		common.HexToAddress("0x976EA74026E726554dB657fA54763abd0C3a0aa9"),
		common.HexToAddress("0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"),
		common.HexToAddress("0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"),
		common.HexToAddress("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"),
	}
}

// Option changes how Start runs the node.
type Option func(*config)

type config struct {
	chainID uint64
	args    []string
	silent  bool
	state   bool
}

// WithChainID sets the node's chain id (default DefaultChainID).
func WithChainID(id uint64) Option { return func(c *config) { c.chainID = id } }

// Silent runs the node with --silent: no banner and no line per request.
// Benchmarks use it so that logging does not weigh on the figures; by
// default the output is kept in a buffer and shown when the test fails.
func Silent() Option { return func(c *config) { c.silent = true } }

// WithArgs appends extra command-line arguments for anvil, e.g.
// "--block-time", "1". Host, port and chain id are set by Start.
func WithArgs(args ...string) Option {
	return func(c *config) { c.args = append(c.args, args...) }
}

// WithState keeps the node's chain in a state file in a temporary directory
// of the test (anvil --state FILE --preserve-historical-states), so that
// Restart brings back the same chain on the same port: the same blocks and
// block hashes, accounts, code and storage, the state at earlier blocks
// still readable (as on an archive node), and new blocks mined on top of
// the last one. Anvil writes the file as it exits on SIGTERM (Stop), and
// Restart fails the test unless the node comes back with the block that
// was its head when it stopped.
func WithState() Option { return func(c *config) { c.state = true } }

// Node is a running (or stopped) Anvil process owned by one test.
type Node struct {
	// URL is the node's JSON-RPC endpoint, http://127.0.0.1:PORT. It stays
	// the same across Stop and Restart.
	URL string

	t    testing.TB
	bin  string
	args []string
	port int

	// stateFile is the --state file of a node WithState, else "".
	stateFile string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	logs *syncBuffer
	// stoppedHead is the head block when a node WithState was last
	// stopped (nil if it could not be read), checked by Restart.
	stoppedHead *blockID
}

// blockID names a block by number and hash.
type blockID struct {
	Number string      `json:"number"`
	Hash   common.Hash `json:"hash"`
}

// Start starts an Anvil node for t and stops it when t ends. It fails t when
// the node does not come up; it skips t (or fails it when $CI is set) when
// the anvil binary is not installed.
func Start(t testing.TB, opts ...Option) *Node {
	t.Helper()
	cfg := config{chainID: DefaultChainID}
	for _, o := range opts {
		o(&cfg)
	}
	bin, err := findBinary()
	if err != nil {
		msg := fmt.Sprintf("anvil not available (%v): %s", err, installHint)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}

	n := &Node{t: t, bin: bin, logs: &syncBuffer{}}
	if cfg.state {
		n.stateFile = filepath.Join(t.TempDir(), "anvil-state.json")
	}
	// A port picked by listening on :0 can be taken by someone else before
	// anvil binds it; try a few times.
	var lastErr error
	for range 5 {
		port, err := freePort()
		if err != nil {
			t.Fatalf("anviltest: no free loopback port: %v", err)
		}
		n.port = port
		n.URL = "http://127.0.0.1:" + strconv.Itoa(port)
		n.args = append([]string{
			"--host", "127.0.0.1",
			"--port", strconv.Itoa(port),
			"--chain-id", strconv.FormatUint(cfg.chainID, 10),
			"--accounts", "10",
			"--balance", strconv.Itoa(DefaultBalanceEther),
			"--timestamp", strconv.Itoa(GenesisTimestamp),
		}, cfg.args...)
		if cfg.silent {
			n.args = append(n.args, "--silent")
		}
		if n.stateFile != "" {
			n.args = append(n.args, "--state", n.stateFile, "--preserve-historical-states")
		}
		if lastErr = n.start(); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("anviltest: %v\n%s", lastErr, n.logs.String())
	}
	t.Cleanup(func() {
		n.Stop()
		if t.Failed() {
			t.Logf("anvil output:\n%s", n.logs.tail(4096))
		}
	})
	return n
}

// Stop stops the node and waits for it to exit (a node WithState writes its
// state file as it exits). Calls to a stopped node are refused by the
// operating system, as for a node that crashed. Stop is safe to call more
// than once.
func (n *Node) Stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.stopLocked()
}

func (n *Node) stopLocked() {
	if n.cmd == nil {
		return
	}
	timeout := stopTimeout
	if n.stateFile != "" {
		timeout = stateStopTimeout
		n.stoppedHead = nil
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var head blockID
		if err := rawCall(ctx, n.URL, &head, "eth_getBlockByNumber", "latest", false); err == nil && head.Number != "" {
			n.stoppedHead = &head
		}
		cancel()
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(timeout):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
	n.cmd = nil
}

// Restart starts the node again on the same port with the same arguments,
// stopping it first if it runs. Without WithState the chain starts again
// from genesis; WithState, it continues where it stopped (the test fails
// if the node does not come back with the block that was its head).
func (n *Node) Restart() {
	n.t.Helper()
	n.mu.Lock()
	n.stopLocked()
	head := n.stoppedHead
	n.mu.Unlock()
	if n.stateFile != "" {
		if fi, err := os.Stat(n.stateFile); err != nil || fi.Size() == 0 {
			n.t.Fatalf("anviltest: restart: anvil left no state in %s (%v)\n%s", n.stateFile, err, n.logs.tail(4096))
		}
	}
	var err error
	// The port was just freed; binding it again may briefly fail.
	for range 5 {
		if err = n.start(); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		n.t.Fatalf("anviltest: restart: %v\n%s", err, n.logs.tail(4096))
	}
	if head != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var got *blockID
		if err := rawCall(ctx, n.URL, &got, "eth_getBlockByNumber", head.Number, false); err != nil || got == nil || got.Hash != head.Hash {
			n.t.Fatalf("anviltest: restart: the node did not come back with the same chain: block %s was %s, now %+v (%v)\n%s",
				head.Number, head.Hash, got, err, n.logs.tail(4096))
		}
	}
}

// CPUSeconds returns the CPU time (user and system, all threads) the
// running node process has used, and whether it could be read (not when
// the node is stopped, nor outside Linux): benchmarks compare the node's
// work with Bulwark's.
func (n *Node) CPUSeconds() (float64, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return 0, false
	}
	return cputime.OfProcess(n.cmd.Process.Pid)
}

// Logs returns what the node has written to stdout and stderr so far.
func (n *Node) Logs() string { return n.logs.String() }

// start runs the process and waits until it answers eth_chainId.
func (n *Node) start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	cmd := exec.Command(n.bin, n.args...)
	cmd.Stdout = n.logs
	cmd.Stderr = n.logs
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	// Keep the node in its own process group so a Ctrl-C to `go test` is
	// not delivered twice, and the node is ours to stop.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", n.bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	n.cmd, n.done = cmd, done

	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		var id string
		err := rawCall(ctx, n.URL, &id, "eth_chainId")
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			n.cmd = nil
			return fmt.Errorf("anvil exited before answering on %s", n.URL)
		default:
		}
		if time.Now().After(deadline) {
			n.stopLocked()
			return fmt.Errorf("anvil did not answer eth_chainId on %s within %v: %v", n.URL, startTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Call makes one JSON-RPC call to the node for test setup (anvil_setCode,
// eth_sendTransaction, evm_mine …) and fails t on any error. result may be
// nil when the answer does not matter.
func (n *Node) Call(t testing.TB, result any, method string, params ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := rawCall(ctx, n.URL, result, method, params...); err != nil {
		t.Fatalf("anviltest: %s: %v", method, err)
	}
}

// SendTransaction sends tx (a transaction object for eth_sendTransaction
// from one of DefaultAccounts, which Anvil keeps unlocked) and waits until
// it is mined: Anvil answers eth_sendTransaction before the block exists.
// It returns the transaction hash and fails t on any error or after 10s.
func (n *Node) SendTransaction(t testing.TB, tx any) common.Hash {
	t.Helper()
	var h common.Hash
	n.Call(t, &h, "eth_sendTransaction", tx)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var receipt json.RawMessage
		n.Call(t, &receipt, "eth_getTransactionReceipt", h)
		if len(receipt) > 0 && string(receipt) != "null" {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("anviltest: transaction %s not mined after 10s", h)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rawCall is a minimal JSON-RPC client for setup and readiness checks.
func rawCall(ctx context.Context, url string, result any, method string, params ...any) error {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %s: %s", resp.Status, bytes.TrimSpace(data))
	}
	var msg struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int             `json:"code"`
			Message string          `json:"message"`
			Data    json.RawMessage `json:"data"`
		} `json:"error"`
	}
	if err := json.Unmarshal(data, &msg); err != nil {
		return fmt.Errorf("decode response %q: %w", data, err)
	}
	if msg.Error != nil {
		return fmt.Errorf("JSON-RPC error %d: %s (data %s)", msg.Error.Code, msg.Error.Message, msg.Error.Data)
	}
	if result == nil {
		return nil
	}
	return json.Unmarshal(msg.Result, result)
}

// findBinary locates the anvil binary.
func findBinary() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		if err := executable(p); err != nil {
			return "", fmt.Errorf("$%s=%s: %w", EnvBinary, p, err)
		}
		return p, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, relBinary)
	if err := executable(p); err != nil {
		return "", err
	}
	return p, nil
}

func executable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}

// moduleRoot walks up from the working directory (a package directory under
// `go test`) to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer collects the node's output; the process writes to it from
// exec's copying goroutines while the test may read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// maxLog bounds the kept output; older output is dropped.
const maxLog = 1 << 20

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len()+len(p) > maxLog {
		keep := b.buf.Bytes()[b.buf.Len()/2:]
		rest := append([]byte(nil), keep...)
		b.buf.Reset()
		b.buf.Write(rest)
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) tail(n int) string {
	s := b.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}
