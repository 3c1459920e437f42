package ethrpc

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestDecodeResponse(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantResult string
		wantCode   int
		wantErr    error
	}{
		{"result", `{"jsonrpc":"2.0","id":7,"result":"0x1"}`, `"0x1"`, 0, nil},
		{"null result", `{"jsonrpc":"2.0","id":7,"result":null}`, `null`, 0, nil},
		{"quoted id", `{"jsonrpc":"2.0","id":"7","result":true}`, `true`, 0, nil},
		{"whitespace", " \n{\"id\":7,\"result\":1}\n ", `1`, 0, nil},
		{"error", `{"jsonrpc":"2.0","id":7,"error":{"code":3,"message":"execution reverted","data":"0x01"}}`, "", 3, nil},
		{"error with null id", `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}`, "", -32700, nil},
		{"error wins over result", `{"id":7,"result":"0x1","error":{"code":1,"message":"x"}}`, "", 1, nil},
		{"empty", ``, "", 0, errEmptyBody},
		{"html", `<html>`, "", 0, errNotJSON},
		{"array", `[]`, "", 0, errNotObject},
		{"string", `"hi"`, "", 0, errNotObject},
		{"truncated", `{"id":7,"result":"0x`, "", 0, errNotJSON},
		{"neither", `{"id":7}`, "", 0, errNoResult},
		{"null error and no result", `{"id":7,"error":null}`, "", 0, errNoResult},
		{"other id", `{"id":8,"result":"0x1"}`, "", 0, errIDMismatch},
		{"negative id", `{"id":-7,"result":"0x1"}`, "", 0, errIDMismatch},
		{"error of the wrong shape", `{"id":7,"error":"boom"}`, "", 0, errNotJSON},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := decodeResponse([]byte(tc.body), 7)
			if err != tc.wantErr {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if tc.wantCode != 0 {
				if r.Error == nil || r.Error.Code != tc.wantCode || r.Result != nil {
					t.Fatalf("response = %+v, want error code %d", r, tc.wantCode)
				}
				return
			}
			if r.Error != nil || string(r.Result) != tc.wantResult {
				t.Fatalf("result = %s (error %+v), want %s", r.Result, r.Error, tc.wantResult)
			}
		})
	}
}

func TestDecodeBatchResponse(t *testing.T) {
	ids := []uint64{10, 11, 12}
	tests := []struct {
		name      string
		body      string
		want      []string // result or "err:CODE" or "" for missing
		wantWhole int
		wantErr   error
	}{
		{"in order", `[{"id":10,"result":1},{"id":11,"result":2},{"id":12,"result":3}]`, []string{"1", "2", "3"}, 0, nil},
		{"reversed", `[{"id":12,"result":3},{"id":11,"result":2},{"id":10,"result":1}]`, []string{"1", "2", "3"}, 0, nil},
		{"one error", `[{"id":10,"result":1},{"id":11,"error":{"code":-32005,"message":"limit"}},{"id":12,"result":3}]`, []string{"1", "err:-32005", "3"}, 0, nil},
		{"missing, duplicate, junk", `[{"id":10,"result":1},{"id":10,"result":9},5,null,{"id":99,"result":0},{"id":12}]`, []string{"1", "", ""}, 0, nil},
		{"empty array", `[]`, []string{"", "", ""}, 0, nil},
		{"whole-batch error", `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch too large"}}`, nil, -32600, nil},
		{"single result", `{"id":10,"result":1}`, nil, 0, errNotArray},
		{"number", `42`, nil, 0, errNotArray},
		{"garbage", `[{`, nil, 0, errNotJSON},
		{"empty", "  ", nil, 0, errEmptyBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, whole, err := decodeBatchResponse([]byte(tc.body), ids, nil)
			if err != tc.wantErr {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantWhole != 0 {
				if whole == nil || whole.Code != tc.wantWhole {
					t.Fatalf("whole = %+v, want code %d", whole, tc.wantWhole)
				}
				return
			}
			if whole != nil {
				t.Fatalf("unexpected whole-batch error %+v", whole)
			}
			if tc.want == nil {
				return
			}
			got := make([]string, len(out))
			for i, r := range out {
				switch {
				case r == nil:
				case r.Error != nil:
					got[i] = fmt.Sprintf("err:%d", r.Error.Code)
				default:
					got[i] = string(r.Result)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDecodeBatchResponseReadsResults: the results are read as the body
// is checked, each read once, and a body with invalid JSON anywhere, in
// a result read or not, is refused as a whole.
func TestDecodeBatchResponseReadsResults(t *testing.T) {
	t.Parallel()
	ids := []uint64{10, 11, 12}
	tests := []struct {
		name    string
		body    string
		reads   string // what each id's reader read, "-" for nothing
		wantErr error
	}{
		{"read", `[{"id":10,"result":{"a":[1]}},{"id":11,"result":2},{"id":12,"result":{}}]`, `{"a":[1]} - {}`, nil},
		{"error element not read", `[{"id":10,"error":{"code":1,"message":"m"},"result":{}}]`, `- - -`, nil},
		{"first of duplicates", `[{"id":10,"result":{"n":1}},{"id":10,"result":{"n":2}}]`, `{"n":1} - -`, nil},
		{"spaces", ` [ { "id" : 10 , "result" : { } } ] `, `{ } - -`, nil},
		{"invalid in a result read", `[{"id":10,"result":{"a":01}}]`, `- - -`, errNotJSON},
		{"bad escape in a result read", `[{"id":10,"result":{"a":"\x"}}]`, `- - -`, errNotJSON},
		{"invalid in a result not read", `[{"id":10,"result":{}},{"id":11,"result":1.}]`, `{} - -`, errNotJSON},
		{"invalid in an error element's result", `[{"id":10,"error":{"code":1,"message":"m"},"result":[}]`, `- - -`, errNotJSON},
		{"invalid in a duplicate's result", `[{"id":10,"result":{}},{"id":10,"result":"\u12g4"}]`, `{} - -`, errNotJSON},
		{"invalid in an unknown id's result", `[{"id":99,"result":[1,]}]`, `- - -`, errNotJSON},
		{"unbalanced result", `[{"id":10,"result":{"a":[1}]`, `- - -`, errNotJSON},
		{"invalid in another member", `[{"id":10,"jsonrpc":tru,"result":{}}]`, `- - -`, errNotJSON},
		{"trailing garbage", `[{"id":10,"result":{}}] x`, `- - -`, errNotJSON},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reads := []string{"-", "-", "-"}
			decode := make([]func([]byte) bool, len(ids))
			for i := range decode {
				decode[i] = func(raw []byte) bool {
					// Reads objects, as a checking reader: invalid JSON
					// is not read.
					if end, ok := skipValue(raw, 0); !ok || end != len(raw) || raw[0] != '{' {
						return false
					}
					if reads[i] != "-" {
						t.Fatalf("id %d read twice", ids[i])
					}
					reads[i] = string(raw)
					return true
				}
			}
			_, _, err := decodeBatchResponse([]byte(tc.body), ids, decode)
			if err != tc.wantErr {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == nil && strings.Join(reads, " ") != tc.reads {
				t.Fatalf("read %q, want %q", strings.Join(reads, " "), tc.reads)
			}
		})
	}
}

func TestEncodeRequest(t *testing.T) {
	for _, tc := range []struct {
		method string
		params []any
		want   string
	}{
		{"eth_blockNumber", nil, `{"jsonrpc":"2.0","id":5,"method":"eth_blockNumber","params":[]}`},
		{"eth_getBalance", []any{"0x01", "latest"}, `{"jsonrpc":"2.0","id":5,"method":"eth_getBalance","params":["0x01","latest"]}`},
		{`we"ird`, []any{1}, `{"jsonrpc":"2.0","id":5,"method":"we\"ird","params":[1]}`},
	} {
		got, err := encodeRequest(nil, 5, tc.method, tc.params)
		if err != nil || string(got) != tc.want || !json.Valid(got) {
			t.Errorf("encodeRequest(%s) = %s, %v; want %s", tc.method, got, err, tc.want)
		}
	}
	if _, err := encodeRequest(nil, 1, "x", []any{make(chan int)}); err == nil {
		t.Error("encoding a channel succeeded")
	}
}

func TestRedactURL(t *testing.T) {
	// Only scheme://host[:port] is ever shown: a key can hide in the user
	// info, any path segment (short or not) or the query.
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:8545", "http://127.0.0.1:8545"},
		{"http://localhost:8545/", "http://localhost:8545"},
		{"HTTPS://Node.Example", "https://Node.Example"},
		{"https://user:pass@node.example:8545/rpc", "https://node.example:8545/…"},
		{"https://user@node.example:8545", "https://node.example:8545"},
		{"https://mainnet.infura.io/v3/9aa3d95b3bc440fa88ea12eaa4456161", "https://mainnet.infura.io/…"},
		{"https://eth-mainnet.g.alchemy.com/v2/AbCdEf123456_-ghIJKlmnop", "https://eth-mainnet.g.alchemy.com/…"},
		{"https://node.example/v3/SECRETKEY", "https://node.example/…"},
		{"https://node.example/?apikey=abc&chain=1", "https://node.example/…"},
		{"https://node.example?apikey=abc", "https://node.example/…"},
		{"https://node.example/ethereum-mainnet-archive/", "https://node.example/…"},
		{"https://x.quiknode.pro/0123456789abcdef0123456789abcdef01234567/", "https://x.quiknode.pro/…"},
		{"http://[::1]:8545/key", "http://[::1]:8545/…"},
		{"http://node.example/#frag", "http://node.example"},
		{"http://[::1", "(unparseable URL)"},
		{"node.example:8545", "(unparseable URL)"},
	}
	for _, tc := range tests {
		if got := redactURL(tc.in); got != tc.want {
			t.Errorf("redactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{" 10 ", 10 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"999999999", 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"soon", 0},
	}
	for _, tc := range tests {
		if got := retryAfter(tc.in, now); got != tc.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestRPCErrorClassification(t *testing.T) {
	tests := []struct {
		code      int
		msg       string
		data      string
		reverted  bool
		limited   bool
		revData   string
		revReason string
	}{
		{3, "execution reverted: boom", `"0x08c379a0000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000036261640000000000000000000000000000000000000000000000000000000000"`, true, false, "08c379a0", "bad"},
		{-32000, "execution reverted", `"0x4e487b710000000000000000000000000000000000000000000000000000000000000011"`, true, false, "4e487b71", "arithmetic underflow or overflow"},
		{-32000, "VM Exception while processing transaction: revert", `{"data":"0xdeadbeef","message":"x"}`, true, false, "deadbeef", ""},
		{-32015, "reverted", `{"message":"no data"}`, true, false, "", ""},
		{-32005, "limit exceeded", ``, false, true, "", ""},
		{-32005, "query returned more than 10000 results", ``, false, false, "", ""},
		{-32000, "Too Many Requests", ``, false, true, "", ""},
		{429, "Your app has exceeded its compute units per second capacity", ``, false, true, "", ""},
		{-32000, "header not found", ``, false, false, "", ""},
		{-32000, "execution reverted: rate limit exceeded", ``, true, false, "", ""},
		{-32602, "invalid argument", `"not hex"`, false, false, "", ""},
	}
	for _, tc := range tests {
		e := &RPCError{Method: "eth_call", Code: tc.code, Message: tc.msg}
		if tc.data != "" {
			e.Data = json.RawMessage(tc.data)
		}
		if e.Reverted() != tc.reverted || e.RateLimited() != tc.limited {
			t.Errorf("%d %q: Reverted=%v RateLimited=%v, want %v %v", tc.code, tc.msg, e.Reverted(), e.RateLimited(), tc.reverted, tc.limited)
		}
		if got := fmt.Sprintf("%x", e.RevertData()); !strings.HasPrefix(got, tc.revData) || (tc.revData == "" && got != "") {
			t.Errorf("%q: RevertData = %s, want prefix %q", tc.msg, got, tc.revData)
		}
		if got := e.RevertReason(); got != tc.revReason {
			t.Errorf("%q: RevertReason = %q, want %q", tc.msg, got, tc.revReason)
		}
	}
}

func TestNodeMessagesAreCleaned(t *testing.T) {
	c, err := Dial("http://127.0.0.1:1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 1000)
	e := c.rpcError("eth_call", &jsonError{Code: -32000, Message: "bad\x1b[31m\nthing " + long})
	if strings.ContainsAny(e.Message, "\x1b\n") || len(e.Message) > 450 || !strings.Contains(e.Message, "bad [31m thing") {
		t.Fatalf("message not cleaned: %q", e.Message)
	}
}

func TestIdempotent(t *testing.T) {
	for m, want := range map[string]bool{
		"eth_call": true, "eth_getStorageAt": true, "debug_traceCall": true,
		"eth_sendRawTransaction": false, "eth_sendTransaction": false, "evm_mine": false, "anvil_setCode": false,
	} {
		if idempotent(m) != want {
			t.Errorf("idempotent(%s) = %v", m, !want)
		}
	}
}

// FuzzDecodeResponse feeds arbitrary bodies to both response decoders. They
// must never panic, must answer every batch slot, and must keep results
// and errors exclusive.
func FuzzDecodeResponse(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"result":"0x1"}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted","data":"0x08c379a0"}}`,
		`[{"jsonrpc":"2.0","id":1,"result":null},{"jsonrpc":"2.0","id":2,"error":{"code":-32005,"message":"limit exceeded"}}]`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch too large"}}`,
		`[{"id":"2","result":{}},7,null,[],{"id":1}]`,
		``, `[`, `{"id":1e400,"result":1}`, "\xff\xfe",
	} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, body []byte, n uint8) {
		if r, err := decodeResponse(body, 1); err == nil {
			if (r.Error == nil) == (r.Result == nil) {
				t.Fatalf("result %q and error %+v not exclusive", r.Result, r.Error)
			}
		} else if r != nil {
			t.Fatal("response and error both returned")
		}
		ids := make([]uint64, n%16)
		for i := range ids {
			ids[i] = uint64(i + 1)
		}
		out, whole, err := decodeBatchResponse(body, ids, nil)
		switch {
		case err != nil:
			if out != nil || whole != nil {
				t.Fatal("results returned with an error")
			}
		case whole != nil:
			if out != nil {
				t.Fatal("element results returned with a whole-batch error")
			}
		default:
			if len(out) != len(ids) {
				t.Fatalf("%d results for %d ids", len(out), len(ids))
			}
			for _, r := range out {
				if r != nil && (r.Error == nil) == (r.Result == nil) {
					t.Fatalf("element result %q and error %+v not exclusive", r.Result, r.Error)
				}
			}
		}
		// What a user would see of a node error must stay printable.
		if err == nil && whole != nil {
			e := (&Client{safeURL: "http://node"}).rpcError("m", whole)
			if !utf8Printable(e.Message) {
				t.Fatalf("unprintable message %q", e.Message)
			}
		}
	})
}

func utf8Printable(s string) bool {
	for _, r := range s {
		if r == '\uFFFD' || (r < 0x20 && r != ' ') || r == 0x7f {
			return false
		}
	}
	return true
}
