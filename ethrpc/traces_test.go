package ethrpc_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/etl"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// etlData holds ethereum-etl's test resources (../shared/data/trace/
// ethereum-etl from the module root): for the same mainnet blocks, the
// trace_block responses of a Parity node with the rows ethereum-etl's
// export_traces makes of them, and the debug_traceBlockByNumber
// callTracer responses of a geth node with the rows its
// extract_geth_traces makes of them.
var etlData = filepath.Join("..", "..", "shared", "data", "trace", "ethereum-etl")

func etlDir(t testing.TB, sub string) string {
	t.Helper()
	dir := filepath.Join(etlData, sub)
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		t.Skipf("%s is absent: ethereum-etl's test resources live in the shared data folder next to the module", dir)
	}
	return dir
}

// rpcResult returns the result member of a saved JSON-RPC response.
func rpcResult(t testing.TB, file string) []byte {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return resp.Result
}

func glob1(t testing.TB, pattern string) string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil || len(m) != 1 {
		t.Fatalf("%s: want one file, found %v (%v)", pattern, m, err)
	}
	return m[0]
}

// csvRows reads an ethereum-etl CSV into maps by header name.
func csvRows(t testing.TB, file string) []map[string]string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(recs) == 0 {
		return nil
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		rows = append(rows, m)
	}
	return rows
}

// etlRow renders a trace in ethereum-etl's columns: addresses in lower
// case, amounts in decimal, trace addresses comma-separated, status 1 or 0.
// What a source leaves unknown is empty (the contract of a failed create,
// the beneficiary and amount of an incomplete selfdestruct).
func etlRow(tr *tracing.Frame) map[string]string {
	m := map[string]string{
		"block_number":      strconv.FormatUint(tr.Block, 10),
		"transaction_index": strconv.FormatUint(uint64(tr.TxIndex), 10),
		"transaction_hash":  strings.ToLower(tr.TxHash.Hex()),
		"from_address":      strings.ToLower(tr.From.Hex()),
		"to_address":        strings.ToLower(tr.To.Hex()),
		"value":             tr.Value.Dec(),
		"trace_type":        tr.Type.String(),
		"call_type":         tr.CallType.String(),
		"error":             tr.Error,
		"status":            "1",
	}
	parts := make([]string, len(tr.TraceAddress))
	for i, n := range tr.TraceAddress {
		parts[i] = strconv.FormatUint(uint64(n), 10)
	}
	m["trace_address"] = strings.Join(parts, ",")
	if tr.Reverted || tr.Error != "" {
		m["status"] = "0"
	}
	if tr.Type == tracing.TraceReward {
		m["transaction_index"], m["transaction_hash"], m["from_address"] = "", "", ""
	}
	if tr.Type == tracing.TraceCreate && tr.Error != "" {
		m["to_address"] = ""
	}
	if tr.Incomplete {
		m["to_address"], m["value"] = "", ""
	}
	return m
}

// compared are the columns that say what moved: from, to, value, trace
// and call type, trace address, error and status, and where the row sits.
var compared = []string{"block_number", "transaction_hash", "transaction_index", "from_address", "to_address", "value", "trace_type", "call_type", "trace_address", "error", "status"}

// gethKnownDiffs lists where our rows from geth's callTracer differ, on
// purpose, from ethereum-etl's extract_geth_traces, keyed
// "directory/row/column", with the value we give and why. In both cases
// our row is the one trace_block (and ethereum-etl's export_traces) gives
// for the same frame.
var gethKnownDiffs = map[string]struct{ ours, why string }{
	"block_with_subtraces/1/to_address": {"0xc083e9947cf02b8ffc7d3090ae9aea72df98fd47",
		"a CALLCODE runs the code at 0x2739… in the caller's account, which keeps the value: trace_block names the caller as to, ethereum-etl's geth extractor the code's address"},
	"block_with_suicide/1/from_address": {"0x474faa5018639791952fae334e2911700ac7fe9b",
		"geth's frame names no from; the contract destroyed is the account the enclosing frame runs in, as trace_block's action.address says"},
}

// blockOf reads the block number from a saved response's file name
// (…debug_traceBlockByNumber_0xf4240_tracer_calltracer.json).
var blockOf = regexp.MustCompile(`_0x([0-9a-f]+)_`)

// TestTraceFormatsAgainstEthereumETL is the paired oracle: for every block
// directory, (a) each format's rows equal ethereum-etl's expected rows in
// the columns that say what moved (for geth, but for gethKnownDiffs), and
// (b) the two formats give the same transfers.
func TestTraceFormatsAgainstEthereumETL(t *testing.T) {
	t.Parallel()
	parityRoot := etlDir(t, "test_export_traces_job")
	gethRoot := etlDir(t, "test_extract_geth_traces_job")
	entries, err := os.ReadDir(parityRoot)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, e := range entries {
		name := e.Name()
		seen++
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			parity, err := ethrpc.ParseTraceBlock(rpcResult(t, glob1(t, filepath.Join(parityRoot, name, "web3_response.trace_block_*.json"))))
			if err != nil {
				t.Fatalf("trace_block: %v", err)
			}
			compareRows(t, name, "trace_block", parity, csvRows(t, filepath.Join(parityRoot, name, "expected_traces.csv")), nil)

			// The block's transaction hashes, as eth_getBlockByNumber
			// would list them (geth's responses of this age carry none).
			hashes := []common.Hash{}
			for _, tr := range parity {
				if tr.Type != tracing.TraceReward && int(tr.TxIndex) == len(hashes) {
					hashes = append(hashes, tr.TxHash)
				}
			}
			gfile := glob1(t, filepath.Join(gethRoot, name, "web3_response.debug_traceBlockByNumber_*.json"))
			block, err := strconv.ParseUint(blockOf.FindStringSubmatch(filepath.Base(gfile))[1], 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			geth, err := ethrpc.ParseGethCallTraces(rpcResult(t, gfile), block, hashes)
			if err != nil {
				t.Fatalf("callTracer: %v", err)
			}
			compareRows(t, name, "callTracer", geth, csvRows(t, filepath.Join(gethRoot, name, "expected_traces.csv")), gethKnownDiffs)

			// (b) the same transfers. geth's SELFDESTRUCT frames of this
			// age give no beneficiary or amount: the transfer is refused
			// with an error saying so, never guessed.
			pt, perr := transfers(parity)
			if perr != nil {
				t.Fatalf("trace_block transfers: %v", perr)
			}
			gt, gerr := transfers(geth)
			if name == "block_with_suicide" {
				if !bulwark.IsCode(gerr, bulwark.EINVALID) || !strings.Contains(gerr.Error(), "selfdestruct's beneficiary and amount are missing") {
					t.Fatalf("an incomplete selfdestruct: got %v, want an invalid error saying its beneficiary and amount are missing", gerr)
				}
				if len(pt) != 1 || pt[0].Kind != tracing.SelfDestruct || pt[0].Amount.Dec() != "50000000000000000" {
					t.Fatalf("trace_block transfers = %+v, want the one selfdestruct of 0.05 ETH", pt)
				}
				return
			}
			if gerr != nil {
				t.Fatalf("callTracer transfers: %v", gerr)
			}
			if len(pt) == 0 && name != "block_without_transactions" && name != "block_with_create" {
				t.Fatalf("no transfers from %s: the comparison would prove nothing", name)
			}
			if !slices.EqualFunc(pt, gt, sameTransfer) {
				t.Fatalf("the formats disagree:\ntrace_block %+v\ncallTracer  %+v", pt, gt)
			}
		})
	}
	if seen < 5 {
		t.Fatalf("found %d block directories in %s, want 5", seen, parityRoot)
	}
}

func transfers(trs []tracing.Frame) ([]tracing.Transfer, error) {
	out := []tracing.Transfer{}
	for i := range trs {
		tf, ok, err := trs[i].Transfer(1, 0)
		if err != nil {
			return out, err
		}
		if ok {
			if err := tf.Validate(); err != nil {
				return out, err
			}
			out = append(out, tf)
		}
	}
	return out, nil
}

func sameTransfer(a, b tracing.Transfer) bool {
	return a.Chain == b.Chain && a.Block == b.Block && a.TxIndex == b.TxIndex && a.TxHash == b.TxHash && a.Time == b.Time &&
		a.Kind == b.Kind && a.LogIndex == b.LogIndex && slices.Equal(a.TraceAddress, b.TraceAddress) &&
		a.From == b.From && a.To == b.To && a.Asset == b.Asset && a.Amount.Eq(&b.Amount)
}

// compareRows holds rows to ethereum-etl's expected rows, column by
// column; a column empty in the expected file (ethereum-etl's geth
// extractor leaves hashes and status out) is not compared.
func compareRows(t *testing.T, dir, format string, got []tracing.Frame, want []map[string]string, known map[string]struct{ ours, why string }) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, ethereum-etl expects %d", format, len(got), len(want))
	}
	for i := range got {
		g := etlRow(&got[i])
		for _, col := range compared {
			w, ok := want[i][col]
			if !ok {
				t.Fatalf("%s: the expected file has no column %s", format, col)
			}
			if w == "" && (col == "transaction_hash" || col == "status") && format == "callTracer" {
				continue
			}
			key := dir + "/" + strconv.Itoa(i) + "/" + col
			if k, ok := known[key]; ok {
				if g[col] != k.ours {
					t.Errorf("%s row %d %s = %q, want %q (ethereum-etl has %q: %s)", format, i, col, g[col], k.ours, w, k.why)
				}
				continue
			}
			if col == "error" && format == "callTracer" {
				// geth writes "out of gas", Parity "Out of gas".
				w = strings.ToLower(w)
			}
			if g[col] != w {
				t.Errorf("%s row %d %s = %q, ethereum-etl expects %q", format, i, col, g[col], w)
			}
		}
	}
}

// TestNestedRevertsBothFormats holds both formats, on the same
// hand-written transaction pair, to the same rows and transfers: values
// under a reverted frame and under a failed transaction are dropped,
// delegate and static calls and CALLCODE move nothing, a CREATE2 and a
// selfdestruct under it move value, and the block reward is not a
// transfer.
func TestNestedRevertsBothFormats(t *testing.T) {
	t.Parallel()
	parity, err := ethrpc.ParseTraceBlock(rpcResult(t, filepath.Join("testdata", "traces", "nested_trace_block.json")))
	if err != nil {
		t.Fatal(err)
	}
	geth, err := ethrpc.ParseGethCallTraces(rpcResult(t, filepath.Join("testdata", "traces", "nested_calltracer.json")), 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(parity) != len(geth)+1 {
		t.Fatalf("trace_block gave %d rows, callTracer %d: want the same frames plus the reward", len(parity), len(geth))
	}
	for i := range geth {
		p, g := etlRow(&parity[i]), etlRow(&geth[i])
		for _, col := range compared {
			if col == "error" {
				continue // each node words its errors its own way
			}
			if p[col] != g[col] {
				t.Errorf("row %d %s: trace_block %q, callTracer %q", i, col, p[col], g[col])
			}
		}
	}
	pt, err := transfers(parity)
	if err != nil {
		t.Fatal(err)
	}
	gt, err := transfers(geth)
	if err != nil {
		t.Fatal(err)
	}
	addr := func(b byte) common.Address { return common.BytesToAddress(slices.Repeat([]byte{b}, 20)) }
	t0 := common.BytesToHash(slices.Repeat([]byte{1}, 32))
	want := []struct {
		kind     tracing.Kind
		path     []uint32
		from, to byte
		amount   uint64
	}{
		{tracing.TopLevelCall, []uint32{}, 0xa1, 0xb2, 5},
		{tracing.InternalCall, []uint32{0}, 0xb2, 0xc3, 2},
		{tracing.InternalCall, []uint32{0, 0}, 0xc3, 0xd4, 1},
		{tracing.Create, []uint32{3}, 0xb2, 0x29, 4},
		{tracing.SelfDestruct, []uint32{3, 0}, 0x29, 0x3a, 4},
	}
	var wt []tracing.Transfer
	for _, w := range want {
		wt = append(wt, tracing.Transfer{Chain: 1, Block: 7, TxHash: t0, Kind: w.kind, TraceAddress: w.path,
			From: addr(w.from), To: addr(w.to), Asset: tracing.NativeAsset(1), Amount: *uint256.NewInt(w.amount)})
	}
	if !slices.EqualFunc(pt, wt, sameTransfer) {
		t.Errorf("trace_block transfers\n got %+v\nwant %+v", pt, wt)
	}
	if !slices.EqualFunc(gt, wt, sameTransfer) {
		t.Errorf("callTracer transfers\n got %+v\nwant %+v", gt, wt)
	}
}

// TestTraceBadInput: what a node should never send is an invalid error
// naming where it is and what was wrong, never a panic or a silent row.
func TestTraceBadInput(t *testing.T) {
	t.Parallel()
	h := "0x" + strings.Repeat("01", 32)
	a := "0x" + strings.Repeat("a1", 20)
	frame := func(action, extra string) string {
		return `[{"action":` + action + `,"blockNumber":9,"traceAddress":[0,1],"transactionHash":"` + h + `","transactionPosition":2,"type":"call"` + extra + `}]`
	}
	hashes := []common.Hash{common.HexToHash(h)}
	cases := []struct {
		name, body string
		geth       bool
		hashes     []common.Hash
		want       string
	}{
		{"not JSON", `[{`, false, nil, "not valid JSON"},
		{"not an array", `{"a":1}`, false, nil, "not an array of trace_block frames"},
		{"no block number", `[{"type":"call","action":{}}]`, false, nil, "has no blockNumber"},
		{"unknown type", `[{"type":"vote","blockNumber":9,"action":{}}]`, false, nil, `has type "vote"`},
		{"bad call type", frame(`{"callType":"jump","from":"`+a+`","to":"`+a+`","value":"0x1"}`, ""), false, nil, `block 9 transaction 2 trace [0 1]: call type "jump"`},
		{"bad from", frame(`{"callType":"call","from":"0x12","to":"`+a+`","value":"0x1"}`, ""), false, nil, `from "0x12" is not a 0x-prefixed 20-byte hex address`},
		{"bad value", frame(`{"callType":"call","from":"`+a+`","to":"`+a+`","value":"12"}`, ""), false, nil, `value "12" is not a hex quantity`},
		{"value over 2^256", frame(`{"callType":"call","from":"`+a+`","to":"`+a+`","value":"0x1`+strings.Repeat("0", 64)+`"}`, ""), false, nil, "below 2^256"},
		{"no tx position", `[{"type":"call","blockNumber":9,"action":{}}]`, false, nil, "has no transactionPosition"},
		{"create without contract", `[{"action":{"from":"` + a + `","value":"0x1"},"blockNumber":9,"traceAddress":[],"transactionHash":"` + h + `","transactionPosition":0,"type":"create","result":null}]`, false, nil, "names no contract"},
		{"geth not array", `{}`, true, hashes, "not an array of callTracer results"},
		{"geth count", `[]`, true, hashes, "block 9 has 1 transactions but the node traced 0"},
		{"geth no hashes", `[{"result":{"type":"CALL","from":"` + a + `","to":"` + a + `"}}]`, true, nil, "give no transaction hashes"},
		{"geth out of step", `[{"txHash":"0x` + strings.Repeat("02", 32) + `","result":{"type":"CALL","from":"` + a + `","to":"` + a + `"}}]`, true, hashes, "the node is out of step"},
		{"geth tracer error", `[{"error":"tracer timed out"}]`, true, hashes, "could not trace it: tracer timed out"},
		{"geth no result", `[{}]`, true, hashes, "has no result"},
		{"geth frame type", `[{"result":{"type":"JUMP"}}]`, true, hashes, `block 9 transaction 0 trace []: frame type "JUMP"`},
		{"geth no to", `[{"result":{"type":"CALL","from":"` + a + `","calls":[{"type":"CALL","from":"` + a + `"}]}}]`, true, hashes, "frame has no to"},
		{"geth bad nested value", `[{"result":{"type":"CALL","from":"` + a + `","to":"` + a + `","calls":[{"type":"CALL","from":"` + a + `","to":"` + a + `","value":"0xzz"}]}}]`, true, hashes, `trace [0]: value "0xzz"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var err error
			if c.geth {
				_, err = ethrpc.ParseGethCallTraces([]byte(c.body), 9, c.hashes)
			} else {
				_, err = ethrpc.ParseTraceBlock([]byte(c.body))
			}
			if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an invalid error containing %q", err, c.want)
			}
		})
	}
}

// TestTraceLeadingZeros: some nodes pad quantities ("0x00"); they read as
// the number they are.
func TestTraceLeadingZeros(t *testing.T) {
	t.Parallel()
	a := "0x" + strings.Repeat("a1", 20)
	body := `[{"txHash":"0x` + strings.Repeat("01", 32) + `","result":{"type":"CALL","from":"` + a + `","to":"` + a + `","value":"0x000a","calls":[{"type":"CALL","from":"` + a + `","to":"` + a + `","value":"0x00"}]}}]`
	trs, err := ethrpc.ParseGethCallTraces([]byte(body), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(trs) != 2 || trs[0].Value.Uint64() != 10 || !trs[1].Value.IsZero() {
		t.Fatalf("got %+v, want values 10 and 0", trs)
	}
}

// TestTraceBlockEqualsTracesCSV: the etl reader, reading ethereum-etl's
// expected traces.csv, gives the same rows as the normaliser gives from
// the trace_block response they were made from (rewards included; an
// empty file, as ethereum-etl writes for a block without transactions, is
// no rows), so a
// node and an export of it feed the same transfers.
func TestTraceBlockEqualsTracesCSV(t *testing.T) {
	t.Parallel()
	root := etlDir(t, "test_export_traces_job")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			node, err := ethrpc.ParseTraceBlock(rpcResult(t, glob1(t, filepath.Join(root, name, "web3_response.trace_block_*.json"))))
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(filepath.Join(root, name, "expected_traces.csv"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var file []tracing.Frame
			err = etl.ReadTraces("traces.csv", f, func(_ int, tr *tracing.Frame) error {
				c := *tr
				c.TraceAddress = slices.Clone(tr.TraceAddress)
				file = append(file, c)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(file) != len(node) {
				t.Fatalf("traces.csv %d rows, trace_block %d", len(file), len(node))
			}
			for i := range node {
				n, f := etlRow(&node[i]), etlRow(&file[i])
				for _, col := range compared {
					if n[col] != f[col] {
						t.Errorf("row %d %s: trace_block %q, traces.csv %q", i, col, n[col], f[col])
					}
				}
			}
		})
	}
}

// TestClientTracesBadNode: a node that answers for another block, sends a
// malformed trace or knows no such block gets an error naming the node
// and the block.
func TestClientTracesBadNode(t *testing.T) {
	t.Parallel()
	a := "0x" + strings.Repeat("a1", 20)
	h := "0x" + strings.Repeat("01", 32)
	frame := func(block int, value string) any {
		return []any{map[string]any{"action": map[string]any{"callType": "call", "from": a, "to": a, "value": value},
			"blockNumber": block, "traceAddress": []any{}, "transactionHash": h, "transactionPosition": 0, "type": "call"}}
	}
	cases := []struct {
		name   string
		result any
		geth   bool
		code   string
		want   string
	}{
		{"other block", frame(8, "0x1"), false, bulwark.EINVALID, "answered trace_block for block 9 with a trace of block 8: the node is out of step"},
		{"malformed", frame(9, "1"), false, bulwark.EINVALID, `sent a malformed trace_block result for block 9: trace: block 9 transaction 0 trace []: value "1" is not a hex quantity`},
		{"no block", nil, false, bulwark.ENOTFOUND, "block 9 not found on node at"},
		{"geth no block", nil, true, bulwark.ENOTFOUND, "block 9 not found on node at"},
		{"geth malformed", []any{map[string]any{"txHash": h, "result": map[string]any{"type": "JUMP"}}}, true, bulwark.EINVALID, `sent a malformed debug_traceBlockByNumber result for block 9`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			node := newFakeNode(t, func(_ int64, w http.ResponseWriter, body []byte) {
				answer(w, body, func(rpcReq) any { return c.result })
			})
			cl := dial(t, node.URL, fast(0))
			var err error
			if c.geth {
				_, err = cl.TraceBlockCallTracer(context.Background(), 9, nil)
			} else {
				_, err = cl.TraceBlock(context.Background(), 9)
			}
			if !bulwark.IsCode(err, c.code) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %s containing %q", err, c.code, c.want)
			}
		})
	}
	// And a good answer comes back normalised.
	node := newFakeNode(t, func(_ int64, w http.ResponseWriter, body []byte) {
		answer(w, body, func(rpcReq) any { return frame(9, "0x5") })
	})
	trs, err := dial(t, node.URL, fast(0)).TraceBlock(context.Background(), 9)
	if err != nil || len(trs) != 1 || trs[0].Value.Uint64() != 5 {
		t.Fatalf("got %+v, %v", trs, err)
	}
}

// TestTraceBlockStreamOracle: the trace_block response of ethereum-etl's
// stream test (block 2,112,234: a token contract's creation and the block
// reward) normalises to the rows of its expected traces (JSON lines).
func TestTraceBlockStreamOracle(t *testing.T) {
	t.Parallel()
	dir := etlDir(t, filepath.Join("test_stream", "blocks_2112234_2112234"))
	rows, err := ethrpc.ParseTraceBlock(rpcResult(t, filepath.Join(dir, "web3_response.trace_block_0x203aea.json")))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "expected_traces.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want []map[string]string
	for line := range strings.SplitSeq(strings.TrimSpace(string(raw)), "\n") {
		var m map[string]any
		d := json.NewDecoder(strings.NewReader(line))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		w := map[string]string{}
		for _, col := range compared {
			switch v := m[col].(type) {
			case nil:
				w[col] = ""
			case json.Number:
				w[col] = v.String()
			case string:
				w[col] = v
			case []any:
				parts := make([]string, len(v))
				for i, x := range v {
					parts[i] = x.(json.Number).String()
				}
				w[col] = strings.Join(parts, ",")
			default:
				t.Fatalf("column %s: unexpected %T", col, v)
			}
		}
		want = append(want, w)
	}
	if len(want) != 2 {
		t.Fatalf("%d expected rows, want 2", len(want))
	}
	compareRows(t, "blocks_2112234_2112234", "trace_block", rows, want, nil)
}
