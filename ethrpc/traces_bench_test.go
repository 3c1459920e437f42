package ethrpc_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/cputime"
	"github.com/bulwark-sec/bulwark/tracing"
)

// benchCallTracerBlock returns a callTracer response for a block of txs
// transactions, each a call tree of 1 + fanout + fanout² frames (every
// frame a CALL with value, one subtree in ten reverted, one frame in
// eight a STATICCALL), about as deep and wide as a DEX aggregator's
// swaps; and the number of frames.
func benchCallTracerBlock(txs, fanout int) ([]byte, int) {
	r := rand.New(rand.NewPCG(3, 3))
	addr := func() string { return fmt.Sprintf("0x%040x", r.Uint64()) }
	frames := 0
	var frame func(depth int) map[string]any
	frame = func(depth int) map[string]any {
		frames++
		f := map[string]any{"type": "CALL", "from": addr(), "to": addr(), "value": fmt.Sprintf("0x%x", r.Uint64()>>8),
			"gas": "0x5208", "gasUsed": "0x5208", "input": "0x", "output": "0x"}
		switch r.IntN(80) {
		case 0, 1, 2, 3, 4, 5, 6, 7:
			f["error"] = "execution reverted"
		case 8, 9, 10, 11, 12, 13, 14, 15, 16, 17:
			f["type"] = "STATICCALL"
			delete(f, "value")
		}
		if depth < 2 {
			var calls []map[string]any
			for range fanout {
				calls = append(calls, frame(depth+1))
			}
			f["calls"] = calls
		}
		return f
	}
	var out []map[string]any
	for i := range txs {
		out = append(out, map[string]any{"txHash": fmt.Sprintf("0x%064x", i+1), "result": frame(0)})
	}
	b, _ := json.Marshal(out)
	return b, frames
}

// BenchmarkTraceNormaliser measures both formats on the same block (200
// transactions of 13 frames): one op is one block parsed into rows and
// turned into transfers. frames/cpu-s and transfers/cpu-s are per second
// of the process's CPU time (the figure for one core of one's own on a
// shared machine), transfers/s per second of wall time.
func BenchmarkTraceNormaliser(b *testing.B) {
	geth, frames := benchCallTracerBlock(200, 3)
	rows, err := ethrpc.ParseGethCallTraces(geth, 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	parity := gethAsTraceBlock(rows)
	for _, f := range []struct {
		name  string
		body  []byte
		parse func([]byte) ([]tracing.Frame, error)
	}{
		{"trace_block", parity, ethrpc.ParseTraceBlock},
		{"callTracer", geth, func(b []byte) ([]tracing.Frame, error) { return ethrpc.ParseGethCallTraces(b, 1, nil) }},
	} {
		b.Run(f.name, func(b *testing.B) {
			b.SetBytes(int64(len(f.body)))
			b.ReportAllocs()
			n := 0
			cpu0, cpuOK := cputime.Seconds()
			for b.Loop() {
				trs, err := f.parse(f.body)
				if err != nil {
					b.Fatal(err)
				}
				n = 0
				for i := range trs {
					if _, ok, err := trs[i].Transfer(1, 0); err != nil {
						b.Fatal(err)
					} else if ok {
						n++
					}
				}
			}
			if cpu1, ok := cputime.Seconds(); cpuOK && ok && cpu1 > cpu0 {
				b.ReportMetric(float64(frames)*float64(b.N)/(cpu1-cpu0), "frames/cpu-s")
				b.ReportMetric(float64(n)*float64(b.N)/(cpu1-cpu0), "transfers/cpu-s")
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "transfers/s")
		})
	}
}
