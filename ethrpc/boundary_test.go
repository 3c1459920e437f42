package ethrpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// fakeNode is an httptest server that answers JSON-RPC with a scripted
// handler and counts requests and the most requests in flight at once.
type fakeNode struct {
	*httptest.Server
	requests    atomic.Int64
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
}

// rpcReq is one request as the fake node reads it.
type rpcReq struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params []json.RawMessage
}

func newFakeNode(t *testing.T, h func(n int64, w http.ResponseWriter, body []byte)) *fakeNode {
	t.Helper()
	f := &fakeNode{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := f.requests.Add(1)
		cur := f.inFlight.Add(1)
		defer f.inFlight.Add(-1)
		for {
			m := f.maxInFlight.Load()
			if cur <= m || f.maxInFlight.CompareAndSwap(m, cur) {
				break
			}
		}
		body, _ := io.ReadAll(r.Body)
		h(n, w, body)
	}))
	t.Cleanup(f.Close)
	return f
}

// answer echoes each request in body with result(req), as a batch when the
// request was one.
func answer(w http.ResponseWriter, body []byte, result func(rpcReq) any) {
	w.Header().Set("Content-Type", "application/json")
	if bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) {
		var reqs []rpcReq
		_ = json.Unmarshal(body, &reqs)
		out := make([]map[string]any, len(reqs))
		for i, r := range reqs {
			out[i] = map[string]any{"jsonrpc": "2.0", "id": r.ID, "result": result(r)}
		}
		_ = json.NewEncoder(w).Encode(out)
		return
	}
	var r rpcReq
	_ = json.Unmarshal(body, &r)
	_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": r.ID, "result": result(r)})
}

func blockOne(rpcReq) any { return "0x1" }

func dial(t *testing.T, url string, opt ethrpc.Options) *ethrpc.Client {
	t.Helper()
	c, err := ethrpc.Dial(url, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// fast are options with tiny backoffs so retry tests run quickly.
func fast(retries int) ethrpc.Options {
	return ethrpc.Options{MaxRetries: retries, RetryBaseDelay: time.Millisecond, RetryMaxDelay: 5 * time.Millisecond, Timeout: 5 * time.Second}
}

func TestRetryAfterThenSuccess(t *testing.T) {
	f := newFakeNode(t, func(n int64, w http.ResponseWriter, body []byte) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		answer(w, body, blockOne)
	})
	opt := fast(3)
	opt.RetryMaxDelay = 2 * time.Second
	c := dial(t, f.URL, opt)
	start := time.Now()
	n, err := c.BlockNumber(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("BlockNumber = %d, %v", n, err)
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Fatalf("retried after %v; Retry-After asked for 1s", el)
	}
	if st := c.Stats(); st.Requests != 2 || st.Retries != 1 {
		t.Fatalf("stats = %+v, want 2 requests, 1 retry", st)
	}
}

func TestRetryAfterLongerThanAllowed(t *testing.T) {
	f := newFakeNode(t, func(n int64, w http.ResponseWriter, body []byte) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c := dial(t, f.URL, fast(3))
	_, err := c.BlockNumber(context.Background())
	if !bulwark.IsCode(err, bulwark.EUNAVAILABLE) || !strings.HasPrefix(err.Error(), "node rate limit: ") || !strings.Contains(err.Error(), "asked to wait 2m0s") {
		t.Fatalf("err = %v", err)
	}
	if got := f.requests.Load(); got != 1 {
		t.Fatalf("%d requests, want 1 (no retry when the wait is too long)", got)
	}
}

func TestGivesUp(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		rpcError  string // JSON error object to send with 200 instead
		method    string
		retries   int
		wantReqs  int64
		wantCode  string
		wantStart string
		wantEnd   string
	}{
		{"503 forever", 503, "", "eth_blockNumber", 2, 3, bulwark.EUNAVAILABLE,
			"node at URL is unavailable: HTTP 503 Service Unavailable", "(gave up after 3 attempts)"},
		{"429 forever", 429, "", "eth_blockNumber", 4, 5, bulwark.EUNAVAILABLE,
			"node rate limit: node at URL refused eth_blockNumber: HTTP 429 Too Many Requests", "(gave up after 5 attempts)"},
		{"502 retried for reads", 502, "", "eth_blockNumber", 1, 2, bulwark.EUNAVAILABLE,
			"node at URL is unavailable: HTTP 502 Bad Gateway", "(gave up after 2 attempts)"},
		{"502 not retried for sends", 502, "", "eth_sendRawTransaction", 3, 1, bulwark.EUNAVAILABLE,
			"node at URL is unavailable: HTTP 502 Bad Gateway", "Bad Gateway"},
		{"500 not retried", 500, "", "eth_blockNumber", 3, 1, bulwark.EUNAVAILABLE,
			"node at URL answered eth_blockNumber with HTTP 500 Internal Server Error", "Error"},
		{"401 not retried", 401, "", "eth_blockNumber", 3, 1, bulwark.EUNAVAILABLE,
			"node at URL refused the request: HTTP 401 Unauthorized (check the credentials in --rpc)", "--rpc)"},
		{"-32005 limit exceeded", 200, `{"code":-32005,"message":"limit exceeded"}`, "eth_blockNumber", 2, 3, bulwark.EUNAVAILABLE,
			"node rate limit: node at URL refused eth_blockNumber: limit exceeded (code -32005)", "(gave up after 3 attempts)"},
		{"rate limit message", 200, `{"code":-32000,"message":"Your app has exceeded its compute units per second capacity: rate limit"}`, "eth_blockNumber", 1, 2, bulwark.EUNAVAILABLE,
			"node rate limit: ", "(gave up after 2 attempts)"},
		{"-32005 too many results is final", 200, `{"code":-32005,"message":"query returned more than 10000 results"}`, "eth_getLogs", 3, 1, bulwark.EINVALID,
			"node at URL rejected eth_getLogs: query returned more than 10000 results (code -32005)", "(code -32005)"},
		{"revert is never retried", 200, `{"code":-32000,"message":"execution reverted","data":"0x08c379a0"}`, "eth_call", 3, 1, bulwark.EINVALID,
			"eth_call: execution reverted", "reverted"},
		{"invalid params", 200, `{"code":-32602,"message":"invalid argument 0: hex string has length 3"}`, "eth_getBalance", 3, 1, bulwark.EINVALID,
			"node at URL rejected eth_getBalance: invalid argument 0", "(code -32602)"},
		{"missing trie node", 200, `{"code":-32000,"message":"missing trie node abc (path )"}`, "eth_getBalance", 3, 1, bulwark.ENOTFOUND,
			"node at URL cannot answer eth_getBalance: missing trie node", "old state)"},
		{"method not found", 200, `{"code":-32601,"message":"the method debug_traceCall does not exist/is not available"}`, "debug_traceCall", 3, 1, bulwark.EUNAVAILABLE,
			"node at URL does not support debug_traceCall", "enabled on the node?)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeNode(t, func(n int64, w http.ResponseWriter, body []byte) {
				if tc.rpcError != "" {
					var r rpcReq
					_ = json.Unmarshal(body, &r)
					fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":%s}`, r.ID, tc.rpcError)
					return
				}
				http.Error(w, "nope", tc.status)
			})
			c := dial(t, f.URL, fast(tc.retries))
			err := c.Call(context.Background(), nil, tc.method)
			msg := bulwark.ErrorMessage(err)
			start := strings.ReplaceAll(tc.wantStart, "URL", f.URL)
			if got := bulwark.ErrorCode(err); got != tc.wantCode || !strings.HasPrefix(msg, start) || !strings.HasSuffix(msg, tc.wantEnd) {
				t.Fatalf("err = [%s] %s\nwant [%s] %s … %s", bulwark.ErrorCode(err), msg, tc.wantCode, start, tc.wantEnd)
			}
			if got := f.requests.Load(); got != tc.wantReqs {
				t.Fatalf("%d requests, want %d", got, tc.wantReqs)
			}
			if tc.rpcError != "" {
				var rerr *ethrpc.RPCError
				if !errors.As(err, &rerr) || rerr.Method != tc.method {
					t.Fatalf("error does not wrap an *RPCError for %s: %#v", tc.method, err)
				}
			}
		})
	}
}

func TestMalformedResponses(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"not JSON", 200, `<html>bad gateway</html>`, "the body is not JSON"},
		{"truncated", 200, `{"jsonrpc":"2.0","id":1,"result":"0x`, "the body is not JSON"},
		{"empty", 200, ``, "the body is empty"},
		{"array for a single call", 200, `[{"jsonrpc":"2.0","id":1,"result":"0x1"}]`, "expected a JSON object"},
		{"no result or error", 200, `{"jsonrpc":"2.0","id":1}`, "neither a result nor an error"},
		{"other id", 200, `{"jsonrpc":"2.0","id":999,"result":"0x1"}`, "id mismatch"},
		{"result of the wrong type", 200, `{"jsonrpc":"2.0","id":1,"result":{"a":1}}`, "malformed result for eth_blockNumber"},
		{"result not hex", 200, `{"jsonrpc":"2.0","id":1,"result":"12"}`, "malformed result for eth_blockNumber"},
		{"400 with non-JSON body", 400, `bad request`, "answered eth_blockNumber with HTTP 400 Bad Request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeNode(t, func(n int64, w http.ResponseWriter, body []byte) {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			c := dial(t, f.URL, fast(3))
			_, err := c.BlockNumber(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if tc.status == 200 && !bulwark.IsCode(err, bulwark.EINVALID) {
				t.Fatalf("code = %s, want invalid", bulwark.ErrorCode(err))
			}
			for _, leak := range []string{"hexutil", "json:", "Go value", "Go struct"} {
				if strings.Contains(err.Error(), leak) {
					t.Fatalf("message leaks internals (%q): %v", leak, err)
				}
			}
			if got := f.requests.Load(); got != 1 {
				t.Fatalf("malformed response was retried: %d requests", got)
			}
		})
	}
}

func TestJSONRPCErrorWithHTTPStatus(t *testing.T) {
	// Some providers send JSON-RPC errors with a 4xx or 500 status.
	f := newFakeNode(t, func(n int64, w http.ResponseWriter, body []byte) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted: nope","data":"0xdeadbeef"}}`)
	})
	c := dial(t, f.URL, fast(3))
	_, err := c.CallContract(context.Background(), ethrpc.CallMsg{}, ethrpc.Latest, nil)
	var rerr *ethrpc.RPCError
	if !errors.As(err, &rerr) || !rerr.Reverted() || !bytes.Equal(rerr.RevertData(), []byte{0xde, 0xad, 0xbe, 0xef}) {
		t.Fatalf("err = %v", err)
	}
}

// stall keeps a handler busy until the client goes away or the test ends.
func stall(r *http.Request, stop <-chan struct{}) {
	_, _ = io.Copy(io.Discard, r.Body) // so that the server notices a closed connection
	select {
	case <-r.Context().Done():
	case <-stop:
	}
}

// stallingServer never answers.
func stallingServer(t *testing.T) *httptest.Server {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stall(r, stop) }))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })
	return srv
}

func TestTimeouts(t *testing.T) {
	tests := []struct {
		name    string
		handler func(w http.ResponseWriter, r *http.Request, stop <-chan struct{})
	}{
		{"no headers", func(w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
			stall(r, stop)
		}},
		{"headers then a stalled body", func(w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			io.WriteString(w, `{"jsonrpc":"2.0",`)
			w.(http.Flusher).Flush()
			stall(r, stop)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var requests atomic.Int64
			stop := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				tc.handler(w, r, stop)
			}))
			t.Cleanup(srv.Close)
			t.Cleanup(func() { close(stop) }) // runs first: frees the handlers
			opt := fast(1)
			opt.Timeout = 100 * time.Millisecond
			c := dial(t, srv.URL, opt)
			start := time.Now()
			_, err := c.BlockNumber(context.Background())
			if !bulwark.IsCode(err, bulwark.ETIMEOUT) {
				t.Fatalf("err = [%s] %v, want timeout", bulwark.ErrorCode(err), err)
			}
			want := fmt.Sprintf("node at %s did not answer eth_blockNumber within 100ms (gave up after 2 attempts)", srv.URL)
			if err.Error() != want {
				t.Fatalf("message = %q\nwant      %q", err, want)
			}
			if el := time.Since(start); el > 2*time.Second {
				t.Fatalf("took %v", el)
			}
			if requests.Load() != 2 {
				t.Fatalf("%d requests, want 2", requests.Load())
			}
		})
	}

	t.Run("caller deadline", func(t *testing.T) {
		srv := stallingServer(t)
		c := dial(t, srv.URL, fast(3))
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := c.BlockNumber(ctx)
		if !bulwark.IsCode(err, bulwark.ETIMEOUT) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "ran out of time") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("caller cancels", func(t *testing.T) {
		srv := stallingServer(t)
		c := dial(t, srv.URL, fast(3))
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		_, err := c.BlockNumber(ctx)
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "was cancelled") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestConcurrencyLimit(t *testing.T) {
	f := newFakeNode(t, func(n int64, w http.ResponseWriter, body []byte) {
		time.Sleep(20 * time.Millisecond)
		answer(w, body, func(r rpcReq) any {
			if r.Method == "eth_getStorageAt" {
				return "0x" + strings.Repeat("0", 64)
			}
			return "0x1"
		})
	})
	const limit = 3
	c := dial(t, f.URL, ethrpc.Options{MaxInFlight: limit, MaxBatchSize: 10})

	t.Run("calls", func(t *testing.T) {
		f.maxInFlight.Store(0)
		var wg sync.WaitGroup
		errs := make(chan error, 30)
		for range 30 {
			wg.Go(func() {
				if _, err := c.BlockNumber(context.Background()); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if got := f.maxInFlight.Load(); got != limit {
			t.Fatalf("max in flight = %d, want %d", got, limit)
		}
	})

	t.Run("batch chunks", func(t *testing.T) {
		f.maxInFlight.Store(0)
		before := f.requests.Load()
		batch := make([]ethrpc.BatchElem, 205)
		for i := range batch {
			batch[i] = ethrpc.BatchElem{Method: "eth_getStorageAt", Args: []any{"0x01", "0x0", "latest"}, Result: new(hexutil.Bytes)}
		}
		if err := c.BatchCall(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
		for i, e := range batch {
			if e.Error != nil || len(*e.Result.(*hexutil.Bytes)) != 32 {
				t.Fatalf("element %d: %v", i, e.Error)
			}
		}
		if got := f.requests.Load() - before; got != 21 {
			t.Fatalf("%d requests for 205 calls in chunks of 10, want 21", got)
		}
		if got := f.maxInFlight.Load(); got != limit {
			t.Fatalf("max in flight = %d, want %d", got, limit)
		}
	})
}

func TestBatchBoundaries(t *testing.T) {
	t.Run("rate-limited elements are retried alone", func(t *testing.T) {
		var sizes []int
		var mu sync.Mutex
		f := newFakeNode(t, func(n int64, w http.ResponseWriter, body []byte) {
			var reqs []rpcReq
			_ = json.Unmarshal(body, &reqs)
			mu.Lock()
			sizes = append(sizes, len(reqs))
			mu.Unlock()
			out := make([]string, len(reqs))
			for i, r := range reqs {
				// The first request: every other element is rate-limited.
				if n == 1 && i%2 == 1 {
					out[i] = fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"error":{"code":-32005,"message":"rate limit exceeded"}}`, r.ID)
				} else {
					out[i] = fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":"0x%x"}`, r.ID, i)
				}
			}
			// Answer out of order: ids, not positions, pair them up.
			for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
				out[i], out[j] = out[j], out[i]
			}
			io.WriteString(w, "["+strings.Join(out, ",")+"]")
		})
		c := dial(t, f.URL, fast(3))
		batch := make([]ethrpc.BatchElem, 6)
		for i := range batch {
			batch[i] = ethrpc.BatchElem{Method: "eth_blockNumber", Result: new(hexutil.Uint64)}
		}
		if err := c.BatchCall(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
		for i, e := range batch {
			if e.Error != nil {
				t.Fatalf("element %d: %v", i, e.Error)
			}
		}
		if fmt.Sprint(sizes) != "[6 3]" {
			t.Fatalf("request sizes = %v, want [6 3]", sizes)
		}
		if got := *batch[0].Result.(*hexutil.Uint64); got != 0 {
			t.Fatalf("element 0 = %d, want 0", got)
		}
	})

	t.Run("rate-limited elements give up alone", func(t *testing.T) {
		f := newFakeNode(t, func(n int64, w http.ResponseWriter, body []byte) {
			var reqs []rpcReq
			_ = json.Unmarshal(body, &reqs)
			out := make([]string, len(reqs))
			for i, r := range reqs {
				if r.Method == "eth_getLogs" {
					out[i] = fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"error":{"code":-32005,"message":"limit exceeded"}}`, r.ID)
				} else {
					out[i] = fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":"0x1"}`, r.ID)
				}
			}
			io.WriteString(w, "["+strings.Join(out, ",")+"]")
		})
		c := dial(t, f.URL, fast(2))
		batch := []ethrpc.BatchElem{{Method: "eth_blockNumber", Result: new(hexutil.Uint64)}, {Method: "eth_getLogs"}}
		if err := c.BatchCall(context.Background(), batch); err != nil {
			t.Fatalf("BatchCall = %v; element failures are per element", err)
		}
		if batch[0].Error != nil || !strings.HasSuffix(bulwark.ErrorMessage(batch[1].Error), "(gave up after 3 attempts)") {
			t.Fatalf("elements: %v / %v", batch[0].Error, batch[1].Error)
		}
	})

	tests := []struct {
		name     string
		body     string
		wantCode string
		want     string
	}{
		{"one error object for the whole batch", `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch too large"}}`,
			bulwark.EINVALID, "rejected a batch: batch too large (lower the maximum batch size)"},
		{"object without error", `{"jsonrpc":"2.0","id":1,"result":"0x1"}`, bulwark.EINVALID, "expected a JSON array for a batch"},
		{"not JSON", `oops`, bulwark.EINVALID, "the body is not JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeNode(t, func(n int64, w http.ResponseWriter, body []byte) { io.WriteString(w, tc.body) })
			c := dial(t, f.URL, fast(3))
			batch := []ethrpc.BatchElem{{Method: "eth_blockNumber"}, {Method: "eth_chainId"}}
			err := c.BatchCall(context.Background(), batch)
			if !bulwark.IsCode(err, tc.wantCode) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = [%s] %v, want [%s] %q", bulwark.ErrorCode(err), err, tc.wantCode, tc.want)
			}
			for i, e := range batch {
				if e.Error == nil {
					t.Fatalf("element %d has no error", i)
				}
			}
		})
	}

	t.Run("missing and duplicate answers", func(t *testing.T) {
		f := newFakeNode(t, func(n int64, w http.ResponseWriter, body []byte) {
			var reqs []rpcReq
			_ = json.Unmarshal(body, &reqs)
			// Answer the first request twice, the second never, the third
			// with garbage.
			fmt.Fprintf(w, `[{"jsonrpc":"2.0","id":%s,"result":"0x1"},{"jsonrpc":"2.0","id":%s,"result":"0x2"},7,{"id":%s}]`,
				reqs[0].ID, reqs[0].ID, reqs[2].ID)
		})
		c := dial(t, f.URL, fast(3))
		batch := make([]ethrpc.BatchElem, 3)
		for i := range batch {
			batch[i] = ethrpc.BatchElem{Method: "eth_blockNumber", Result: new(hexutil.Uint64)}
		}
		if err := c.BatchCall(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
		if batch[0].Error != nil || *batch[0].Result.(*hexutil.Uint64) != 1 {
			t.Fatalf("element 0: %v %v", batch[0].Error, *batch[0].Result.(*hexutil.Uint64))
		}
		for _, i := range []int{1, 2} {
			if !bulwark.IsCode(batch[i].Error, bulwark.EINVALID) || !strings.Contains(batch[i].Error.Error(), "no answer for this call") {
				t.Fatalf("element %d: %v", i, batch[i].Error)
			}
		}
	})
}

func TestDialValidation(t *testing.T) {
	tests := []struct {
		url  string
		ok   bool
		want string
	}{
		{"http://127.0.0.1:8545", true, ""},
		{"https://mainnet.example.org/v3/0123456789abcdef0123", true, ""},
		{"  http://localhost:8545/  ", true, ""},
		{"", false, "rpc: no node URL given"},
		{"localhost:8545", false, "rpc: not a valid node URL"},
		{"127.0.0.1:8545", false, "rpc: not a valid node URL"},
		{"ws://127.0.0.1:8546", false, "rpc: ws://127.0.0.1:8546 is a WebSocket endpoint"},
		{"wss://user:hunter2@node.example/ws/SECRETKEY", false, "rpc: wss://node.example/… is a WebSocket endpoint"},
		{"ftp://node.example", false, `rpc: ftp://node.example has scheme "ftp"; only http:// and https://`},
		{"http://", false, "rpc: the URL has no host name"},
		{"http://:8545", false, "rpc: the URL has no host name"},
		{"http://[::1", false, "rpc: not a valid node URL"},
		{"/var/run/geth.ipc", false, "rpc: not a valid node URL"},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			c, err := ethrpc.Dial(tc.url, ethrpc.Options{})
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				c.Close()
				return
			}
			var be *bulwark.Error
			if !errors.As(err, &be) || be.Code != bulwark.EINVALID || be.Field != "rpc" || !strings.HasPrefix(be.Message, tc.want) {
				t.Fatalf("err = %#v\nwant EINVALID for rpc starting %q", err, tc.want)
			}
			if strings.Contains(be.Message, "hunter2") || strings.Contains(be.Message, "SECRETKEY") {
				t.Fatalf("message leaks a credential: %s", be.Message)
			}
		})
	}

	for _, opt := range []ethrpc.Options{{Timeout: -1}, {MaxInFlight: -1}, {MaxBatchSize: -2}, {RetryBaseDelay: -1}, {MaxResponseBytes: -1}} {
		if _, err := ethrpc.Dial("http://127.0.0.1:1", opt); !bulwark.IsCode(err, bulwark.EINVALID) {
			t.Errorf("Dial with %+v: err = %v, want invalid", opt, err)
		}
	}
}

func TestCredentialsNeverShown(t *testing.T) {
	// A port nobody listens on: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	// The path key is short and all capitals: no pattern spots it as a
	// key, so only dropping the whole path keeps it out.
	secrets := []string{"alice", "s3cret", "SECRETKEY", "QUERYKEY42", "/v3", "apikey"}
	raw := "http://alice:s3cret@" + addr + "/v3/SECRETKEY?apikey=QUERYKEY42"
	var logs bytes.Buffer
	opt := fast(1)
	opt.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opt.Header = http.Header{"Authorization": {"Bearer hdr-secret"}}
	c := dial(t, raw, opt)
	_, err = c.BlockNumber(context.Background())
	if !bulwark.IsCode(err, bulwark.EUNAVAILABLE) {
		t.Fatalf("err = %v", err)
	}
	want := "node at http://" + addr + "/… is unreachable: connection refused"
	if !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("message = %q\nwant prefix %q", err, want)
	}
	if c.URL() != "http://"+addr+"/…" {
		t.Fatalf("URL() = %s", c.URL())
	}
	// Every text a log line or a debugging human may see: the message, the
	// whole cause chain, and the retry log.
	texts := []string{err.Error(), fmt.Sprintf("%+v", err), logs.String()}
	for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
		texts = append(texts, e.Error())
	}
	if !strings.Contains(logs.String(), "ethrpc: retrying") {
		t.Fatalf("no retry was logged: %q", logs.String())
	}
	for _, text := range texts {
		for _, s := range append(secrets, "hdr-secret") {
			if strings.Contains(text, s) {
				t.Fatalf("%q leaks %q", text, s)
			}
		}
	}
}

func TestHugeResponse(t *testing.T) {
	f := newFakeNode(t, func(n int64, w http.ResponseWriter, body []byte) {
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":1,"result":"0x%s"}`, strings.Repeat("ab", 4096))
	})
	c := dial(t, f.URL, ethrpc.Options{MaxResponseBytes: 1024})
	_, err := c.CodeAt(context.Background(), [20]byte{}, ethrpc.Latest)
	if !bulwark.IsCode(err, bulwark.ETOOLARGE) || !strings.Contains(err.Error(), "more than 1024 bytes") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseBlockRef(t *testing.T) {
	hash := "0x" + strings.Repeat("ab", 32)
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "latest", true},
		{"LATEST", "latest", true},
		{"finalized", "finalized", true},
		{"17", "0x11", true},
		{"0x11", "0x11", true},
		{hash, hash, true},
		{"0x" + strings.Repeat("ab", 31), "", false}, // 31 bytes: neither a number nor a hash
		{"-1", "", false},
		{"0xzz", "", false},
		{"yesterday", "", false},
	}
	for _, tc := range tests {
		got, err := ethrpc.ParseBlockRef(tc.in)
		if tc.ok != (err == nil) || (tc.ok && got.String() != tc.want) {
			t.Errorf("ParseBlockRef(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil {
			var be *bulwark.Error
			if !errors.As(err, &be) || be.Field != "block" {
				t.Errorf("ParseBlockRef(%q) error %v does not name the block field", tc.in, err)
			}
		}
	}
}

// TestRetryLogLevel: retries are logged at Warn, or at Debug with
// DebugRetries (one-shot commands), so that an Info-level user sees only
// the final error.
func TestRetryLogLevel(t *testing.T) {
	f := newFakeNode(t, func(n int64, w http.ResponseWriter, body []byte) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	})
	for _, tc := range []struct {
		debug bool
		want  string
	}{{false, "level=WARN msg=\"ethrpc: retrying\""}, {true, "level=DEBUG msg=\"ethrpc: retrying\""}} {
		var logs bytes.Buffer
		opt := fast(2)
		opt.DebugRetries = tc.debug
		opt.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c := dial(t, f.URL, opt)
		if _, err := c.BlockNumber(context.Background()); !strings.Contains(fmt.Sprint(err), "gave up after 3 attempts") {
			t.Fatalf("DebugRetries %v: err = %v", tc.debug, err)
		}
		if got := strings.Count(logs.String(), tc.want); got != 2 {
			t.Errorf("DebugRetries %v: %d lines %q, want 2:\n%s", tc.debug, got, tc.want, logs.String())
		}
	}
}

// TestBlockNotFoundIsDecimal: a missing block is named as users write
// block numbers, not in the hex of the wire.
func TestBlockNotFoundIsDecimal(t *testing.T) {
	f := newFakeNode(t, func(n int64, w http.ResponseWriter, body []byte) {
		answer(w, body, func(rpcReq) any { return nil })
	})
	c := dial(t, f.URL, fast(0))
	_, err := c.HeaderByNumber(context.Background(), ethrpc.AtBlock(998))
	if !bulwark.IsCode(err, bulwark.ENOTFOUND) || !strings.HasPrefix(err.Error(), "block 998 not found on node at http://127.0.0.1:") {
		t.Fatalf("err = %v", err)
	}
}
