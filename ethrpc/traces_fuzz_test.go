package ethrpc_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/tracing"
)

// checkTraces holds normalised rows to what every consumer relies on:
// rows of a transaction in pre-order (each frame's parent before it, its
// trace address one longer), reverted set on everything under a failed
// frame, and Transfer either refusing an incomplete selfdestruct or giving
// a valid native transfer, never one from a failed or reverted frame.
func checkTraces(t *testing.T, trs []tracing.Frame) {
	t.Helper()
	type key struct {
		block uint64
		tx    uint32
		path  string
	}
	pathKey := func(tr *tracing.Frame, n int) key {
		b, _ := json.Marshal(tr.TraceAddress[:n])
		return key{tr.Block, tr.TxIndex, string(b)}
	}
	seen := map[key]*tracing.Frame{}
	for i := range trs {
		tr := &trs[i]
		if tr.Type == tracing.TraceReward {
			continue
		}
		if tr.TraceAddress == nil {
			t.Fatalf("row %d: nil trace address (want [] for a transaction's own frame)", i)
		}
		if n := len(tr.TraceAddress); n > 0 {
			if parent, ok := seen[pathKey(tr, n-1)]; ok && (parent.Error != "" || parent.Reverted) && !tr.Reverted {
				t.Fatalf("row %d %v: under a failed frame but not marked reverted", i, tr.TraceAddress)
			}
		}
		seen[pathKey(tr, len(tr.TraceAddress))] = tr
		tf, ok, err := tr.Transfer(1, 0)
		switch {
		case err != nil:
			if !tr.Incomplete || !bulwark.IsCode(err, bulwark.EINVALID) {
				t.Fatalf("row %d: Transfer: %v", i, err)
			}
		case ok:
			if tr.Error != "" || tr.Reverted || tf.Amount.IsZero() {
				t.Fatalf("row %d: a transfer from a failed, reverted or empty frame: %+v", i, tr)
			}
			if err := tf.Validate(); err != nil {
				t.Fatalf("row %d: %+v: %v", i, tf, err)
			}
		}
	}
}

// gethAsTraceBlock writes rows that came from geth's callTracer as the
// trace_block response a Parity-style node would give for them.
func gethAsTraceBlock(trs []tracing.Frame) []byte {
	out := make([]map[string]any, 0, len(trs))
	for i := range trs {
		tr := &trs[i]
		m := map[string]any{"blockNumber": tr.Block, "traceAddress": tr.TraceAddress, "transactionHash": tr.TxHash.Hex(),
			"transactionPosition": tr.TxIndex, "type": tr.Type.String()}
		value := "0x" + tr.Value.Hex()[2:]
		switch tr.Type {
		case tracing.TraceCall:
			m["action"] = map[string]any{"callType": tr.CallType.String(), "from": tr.From.Hex(), "to": tr.To.Hex(), "value": value}
		case tracing.TraceCreate:
			m["action"] = map[string]any{"from": tr.From.Hex(), "value": value}
			if tr.Error == "" {
				m["result"] = map[string]any{"address": tr.To.Hex()}
			}
		case tracing.TraceSuicide:
			m["action"] = map[string]any{"address": tr.From.Hex(), "refundAddress": tr.To.Hex(), "balance": value}
		}
		if tr.Error != "" {
			m["error"] = tr.Error
		}
		out = append(out, m)
	}
	b, _ := json.Marshal(out)
	return b
}

// FuzzTraceNormaliser feeds any bytes to both parsers. Neither may panic;
// an error is an invalid error; rows pass checkTraces; and rows from a
// callTracer response, written back as trace_block frames, parse to the
// same rows and transfers (the two formats are normalised alike). Its
// seed corpus is in testdata/fuzz/FuzzTraceNormaliser.
func FuzzTraceNormaliser(f *testing.F) {
	for _, file := range []string{"nested_trace_block.json", "nested_calltracer.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "traces", file))
		if err != nil {
			f.Fatal(err)
		}
		var resp struct {
			Result json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal(raw, &resp); err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(resp.Result))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if trs, err := ethrpc.ParseTraceBlock(data); err != nil {
			if !bulwark.IsCode(err, bulwark.EINVALID) {
				t.Fatalf("trace_block: %v", err)
			}
		} else {
			checkTraces(t, trs)
		}
		geth, err := ethrpc.ParseGethCallTraces(data, 9, nil)
		if err != nil {
			if !bulwark.IsCode(err, bulwark.EINVALID) {
				t.Fatalf("callTracer: %v", err)
			}
			return
		}
		checkTraces(t, geth)
		for _, tr := range geth {
			if tr.Incomplete {
				return // trace_block always gives a selfdestruct's beneficiary and balance
			}
		}
		parity, err := ethrpc.ParseTraceBlock(gethAsTraceBlock(geth))
		if err != nil {
			t.Fatalf("callTracer rows written as trace_block: %v", err)
		}
		if !slices.EqualFunc(parity, geth, func(a, b tracing.Frame) bool {
			return a.Block == b.Block && a.TxIndex == b.TxIndex && a.TxHash == b.TxHash && a.Type == b.Type && a.CallType == b.CallType &&
				a.From == b.From && a.To == b.To && a.Value == b.Value && slices.Equal(a.TraceAddress, b.TraceAddress) &&
				a.Error == b.Error && a.Reverted == b.Reverted
		}) {
			t.Fatalf("the formats disagree:\ncallTracer  %+v\ntrace_block %+v", geth, parity)
		}
	})
}
