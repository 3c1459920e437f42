package ethrpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// TestReadBody: the body is read whole whatever size the response
// declares (right, too small, too large, unknown), in small reads too, and
// no more than the limit.
func TestReadBody(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("0123456789", 300)
	for _, hint := range []int64{-1, 0, 1, 2999, 3000, 3001, 1 << 20} {
		for _, half := range []bool{false, true} {
			var r io.Reader = strings.NewReader(body)
			if half {
				r = iotest.HalfReader(r)
			}
			got, err := readBody(nil, r, hint, 1<<20)
			if err != nil || string(got) != body {
				t.Fatalf("hint %d: read %d bytes, %v", hint, len(got), err)
			}
		}
		got, err := readBody(nil, strings.NewReader(body), hint, 1001)
		if err != nil || len(got) != 1001 || !bytes.Equal(got, []byte(body[:1001])) {
			t.Fatalf("hint %d, limit 1001: read %d bytes, %v", hint, len(got), err)
		}
	}
	boom := errors.New("boom")
	if _, err := readBody(nil, iotest.ErrReader(boom), 10, 100); !errors.Is(err, boom) {
		t.Fatalf("a read error gives %v", err)
	}
}

// TestAppendParams: the parameters a block read sends are encoded as
// json.Marshal encodes them, and anything else is left to it.
func TestAppendParams(t *testing.T) {
	t.Parallel()
	for _, params := range [][]any{
		{}, {true, false}, {hexutil.Uint64(0), hexutil.Uint64(1), hexutil.Uint64(0xabcdef), hexutil.Uint64(math.MaxUint64)},
		{AtBlock(0), AtBlock(17_000_000), Latest, BlockRef(""), "eth_getBlockByNumber", ""},
		{"a\"b"}, {"a\\b"}, {"<x>&"}, {"é"}, {"\x7f"}, {"\n"}, {AtHash(common.Hash{1})}, {1}, {nil}, {map[string]any{"tracer": "callTracer"}},
	} {
		want, err := json.Marshal(params)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendParams(nil, params)
		if ok && string(got) != string(want) {
			t.Errorf("%#v: %s, json.Marshal %s", params, got, want)
		}
		req, err := encodeRequest(nil, 7, "eth_x", params)
		if err != nil || !strings.HasSuffix(string(req), `"params":`+string(want)+`}`) {
			t.Errorf("%#v: request %s, %v", params, req, err)
		}
	}
	for _, m := range []string{"eth_call", "a\"b", "<", "é", ""} {
		want, _ := json.Marshal(m)
		req, err := encodeRequest(nil, 1, m, nil)
		if err != nil || string(req) != `{"jsonrpc":"2.0","id":1,"method":`+string(want)+`,"params":[]}` {
			t.Errorf("method %q: %s, %v", m, req, err)
		}
	}
}
