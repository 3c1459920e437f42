package ethrpc

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// slowDecodeOne is decodeOne as encoding/json alone does it: the fast
// path must agree with it.
func slowDecodeOne(raw []byte) (*response, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, errNotObject
	}
	var r response
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, errNotJSON
	}
	if r.Error == nil && r.Result == nil {
		return nil, errNoResult
	}
	if r.Error != nil {
		r.Result = nil
	}
	return &r, nil
}

// slowBatchElements is how decodeBatchResponse split a batch body with
// encoding/json: the one-pass split must agree with it.
func slowBatchElements(body []byte) ([]*response, bool) {
	var elems []json.RawMessage
	if json.Unmarshal(body, &elems) != nil {
		return nil, false
	}
	out := make([]*response, 0, len(elems))
	for _, e := range elems {
		r, err := slowDecodeOne(e)
		if err != nil {
			r = nil
		}
		out = append(out, r)
	}
	return out, true
}

// badValues are invalid JSON values, and invalidSkipped puts each where a
// reader skips a member (the %s of shape) and after a valid body
// (trailing garbage): the readers that check as they go must refuse them
// all, as encoding/json does. An invalid UTF-8 byte in a string is valid
// JSON to encoding/json, and so to them.
var badValues = []string{
	`"\x"`, `"\u12g4"`, `"\u12"`, `"\`, "\"a\x01b\"", `"abc`, `01`, `1.`, `.5`, `-`, `+1`, `1e`, `1e+`, `0x10`, `NaN`, `tru`, `nul`, `True`,
	`[1,]`, `[1 2]`, `[`, `]`, `{"a":1,}`, `{"a"}`, `{1:2}`, `{"a":[}]`, `[{"a":1]}`, `{"a":1}}`, `[1]]`, `{,}`, `[,1]`,
	`{"\q":1}`, `["a\u00"]`, "\"\xff\"", "[\"\xc3\",{\"\xff\":\"\xed\xa0\x80\"}]",
}

func invalidSkipped(shape string) [][]byte {
	var out [][]byte
	for _, v := range badValues {
		out = append(out, []byte(strings.Replace(shape, "%s", v, 1)))
	}
	valid := strings.Replace(shape, "%s", "null", 1)
	for _, tail := range []string{` x`, `,`, `]`, `}`, `{}`, ` 1`, `"`, "\x00"} {
		out = append(out, []byte(valid+tail))
	}
	return out
}

func TestSkipValue(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		`0`, `-0`, `-12.5e+3`, `1E9`, `"a\"\\\/\b\f\n\r\t\u00e9"`, `true`, `false`, `null`, `[]`, `{}`, ` [ 1 , { "a" : [ ] } ] `,
		`{"a":{"b":{"c":[1,2,{"d":null}]}}}`, "\"\xff\"",
		// invalid
		``, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `"\x"`, `"\u12g4"`, "\"\x01\"", `"abc`, `[1,]`, `{"a":1,}`, `{"a"}`, `{1:2}`, `[1 2]`,
		`tru`, `nul`, `[`, `]`, `{"a":1}}`, `[1]]`, `{,}`, `[,1]`,
	} {
		end, ok := skipValue([]byte(s), 0)
		if ok {
			ok = skipSpace([]byte(s), end) == len(s)
		}
		if want := json.Valid([]byte(s)); ok != want {
			t.Errorf("skipValue(%q) valid = %v, json.Valid %v", s, ok, want)
		}
	}
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if _, ok := skipValue([]byte(deep), 0); ok {
		t.Error("nesting deeper than encoding/json allows accepted")
	}
}

func TestDecodeOneAgrees(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"result":{"a":[1,2]}}`,
		`{"ID":1,"Result":null}`,
		`{"id":1,"result":1,"result":2}`,
		`{"id":1,"error":{"code":-1,"message":"x"},"error":{"data":"0x"}}`,
		`{"id":1,"re\u0073ult":3}`,
		`{"id":1,"reſult":3}`,
		`{"id":1,"error":null,"result":"0x"}`,
		`{"id":1,"error":5}`,
		`{"id":1,"result":[1,}`,
		`{"id":1}`,
		` {"id" : 1 , "result" : "x" } `,
	} {
		got, gerr := decodeOne([]byte(s))
		want, werr := slowDecodeOne([]byte(s))
		if gerr != werr || !reflect.DeepEqual(got, want) {
			t.Errorf("decodeOne(%s) = %+v, %v; encoding/json gives %+v, %v", s, got, gerr, want, werr)
		}
	}
}

// FuzzScan holds the one-pass reader to encoding/json: the same bodies
// are valid, and a response decodes to the same members.
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"result":"0x1"}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted","data":"0x08c379a0"}}`,
		`{"id":1,"result":[{"a":-1.5e3,"b":[true,false,null]}]}`,
		`{"id":1,"result":"\u00e9\n"}`, `[1,2]`, `{"ID":2,"RESULT":{}}`, `01`, `{"a":1,}`,
		// Long strings, read eight bytes at a time: a quote, an escape and
		// a control byte at different offsets of a word.
		`{"id":1,"result":"0x0123456789abcdef0123456789abcdef\"0123456789abcdef\\0123456\"0123"}`,
		"{\"id\":1,\"result\":\"0x0123456789abcdef0123456\x01789abcdef\"}",
		`{"id":1,"result":["0123456","01234567","012345678","0123456789abcde\u0041f"]}`,
		// Batch bodies.
		`[{"jsonrpc":"2.0","id":2,"result":{"a":[1,"x"]}},{"id":"1","result":"0x1"},{"id":3,"error":{"code":-32601,"message":"no"}}]`,
		` [ {"id":1,"result":null} , 7 , {"id":1,"result":2} , {"Id":2,"RESULT":"\u0041"}, {"id":3} ] `, `[{"id":1,"result":1},]`, `[]`,
		`[{"id":1,"result":[]},{"id":2,"result":{}},{"id":3,"result":[{"blockNumber":1}]}]`,
	} {
		f.Add([]byte(s))
	}
	// Invalid JSON where the batch split does not check (a result, read
	// or checked later) and where it checks as it reads.
	for _, shape := range []string{
		`[{"jsonrpc":"2.0","id":1,"result":%s}]`, `[{"id":2,"result":{"number":"0x1","x":%s}}]`,
		`[{"id":3,"result":[{"blockNumber":1,"y":%s}]}]`, `[{"id":1,"result":[{"logs":[],"z":[%s]}]}]`,
		`[{"id":1,"error":{"code":1,"message":"m"},"result":%s}]`, `[{"id":9,"result":%s}]`, `[{"id":1,"result":1},{"id":1,"result":%s}]`,
		`[{"id":1,"jsonrpc":%s,"result":"0x1"}]`, `[{"id":%s,"result":"0x1"}]`, `[{"id":1,"result":"0x1","error":%s}]`, `[{"id":1,"result":"0x1"},%s]`,
	} {
		for _, b := range invalidSkipped(shape) {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		end, ok := skipValue(body, 0)
		if ok {
			ok = skipSpace(body, end) == len(body)
		}
		if want := json.Valid(body); ok != want {
			t.Fatalf("valid = %v, json.Valid %v", ok, want)
		}
		if ok {
			// Valid JSON is skipped to the same end without checking.
			if vend := skipValidValue(body, skipSpace(body, 0)); vend != end {
				t.Fatalf("skipValidValue ends at %d, skipValue at %d", vend, end)
			}
		}
		got, gerr := decodeOne(body)
		want, werr := slowDecodeOne(body)
		if gerr != werr || !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeOne = %+v, %v; encoding/json gives %+v, %v", got, gerr, want, werr)
		}
		if ok {
			// A batch's elements, checked as the body is split, are
			// read without checking them again.
			vgot, verr := scanner{valid: true}.response(body)
			if verr != gerr || !reflect.DeepEqual(vgot, got) {
				t.Fatalf("read without checking: %+v, %v; checking: %+v, %v", vgot, verr, got, gerr)
			}
		}
		// A batch body: the elements with ids 1 to 3, as encoding/json
		// splits and decodes them.
		if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '[' {
			ids := []uint64{1, 2, 3}
			out, _, err := decodeBatchResponse(body, ids, nil)
			elems, wok := slowBatchElements(trimmed)
			if (err == nil) != wok {
				t.Fatalf("batch split: %v; encoding/json splits: %v", err, wok)
			}
			if wok {
				want := make([]*response, len(ids))
				for _, r := range elems {
					if r == nil {
						continue
					}
					if id, ok := parseID(r.ID); ok && id >= 1 && id <= 3 && want[id-1] == nil {
						want[id-1] = r
					}
				}
				if !reflect.DeepEqual(out, want) {
					t.Fatalf("batch elements %+v; encoding/json gives %+v", out, want)
				}
			}
			// The results read as the body is checked, by the readers
			// that check as they go: the same body is refused, the same
			// elements found, and only valid results read.
			var (
				rrs  []*rpcReceipt
				rb   rpcBlock
				wire []parityTrace
			)
			read := func(r func([]byte) bool) func([]byte) bool {
				return func(raw []byte) bool {
					ok := r(raw)
					if ok && !json.Valid(raw) {
						t.Fatalf("read the invalid result %q", raw)
					}
					return ok
				}
			}
			decode := []func([]byte) bool{
				read(func(raw []byte) (ok bool) { rrs, ok = scanner{}.receipts(raw); return ok }),
				read(func(raw []byte) bool { return scanner{}.block(raw, &rb) }),
				read(func(raw []byte) (ok bool) { wire, ok = scanner{}.parityTraces(raw); return ok }),
			}
			dout, _, derr := decodeBatchResponse(body, ids, decode)
			if derr != err || !reflect.DeepEqual(dout, out) {
				t.Fatalf("reading the results: %+v, %v; checking them: %+v, %v", dout, derr, out, err)
			}
			_, _ = rrs, wire
		}
	})
}

// FuzzParityFast holds the one-pass trace_block reader to encoding/json:
// whatever it accepts, encoding/json decodes without error to the same
// frames. Its seeds are the trace_block answers in testdata/traces.
func FuzzParityFast(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "traces", "*trace_block*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no trace_block answers in testdata/traces: %v", err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var resp struct {
			Result json.RawMessage `json:"result"`
		}
		if json.Unmarshal(raw, &resp) == nil && len(resp.Result) > 0 {
			f.Add([]byte(resp.Result))
		}
	}
	f.Add([]byte(`[{"Type":"call","TYPE":"create"}]`))
	f.Add([]byte(`[{"blockNumber":1e3,"traceAddress":[0,4294967296]}]`))
	f.Add([]byte(`[{"action":{"from":"\u0030x"},"result":null,"transactionHash":null},{}]`))
	for _, shape := range []string{
		`[{"blockNumber":1,"x":%s}]`, `[{"action":{"from":"0x1","input":%s}}]`, `[{"result":{"gasUsed":%s,"address":"0x2"}}]`,
		`[{"type":"call"},%s]`, `[{"subtraces":0,"y":[1,{"z":%s}]}]`,
	} {
		for _, b := range invalidSkipped(shape) {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// What it reads is valid JSON: the client reads a batch's
		// trace_block result with it instead of checking it first.
		if _, ok := fastParityTraces(data); ok && !json.Valid(data) {
			t.Fatalf("read %q, which is not valid JSON", data)
		}
		if json.Valid(data) {
			// On valid JSON, reading without checking gives the same.
			got, ok := fastParityTraces(data)
			vgot, vok := scanner{valid: true}.parityTraces(data)
			if ok != vok || !reflect.DeepEqual(got, vgot) {
				t.Fatalf("read without checking: %+v, %v; checking: %+v, %v", vgot, vok, got, ok)
			}
		}
		got, ok := fastParityTraces(data)
		if !ok {
			return
		}
		var want []parityTrace
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("fast reader accepted what encoding/json refuses: %v", err)
		}
		if len(got) != len(want) || len(got) > 0 && !reflect.DeepEqual(got, want) {
			t.Fatalf("fast reader gives %+v, encoding/json %+v", got, want)
		}
	})
}

// TestSpecialByte: the word test finds every byte a string reader must
// stop at, in every position, among bytes it must not stop at.
func TestSpecialByte(t *testing.T) {
	t.Parallel()
	special := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 }
	for _, fill := range []byte{'a', '0', 0x20, 0x21, 0x5d, 0x7f, 0x80, 0xff} {
		for pos := range 8 {
			for c := range 256 {
				var w [8]byte
				for k := range w {
					w[k] = fill
				}
				w[pos] = byte(c)
				want := special(byte(c)) || special(fill)
				if got := specialByte(binary.LittleEndian.Uint64(w[:])); got != want {
					t.Fatalf("specialByte(% x) = %v, want %v", w, got, want)
				}
			}
		}
	}
}
