package tna_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"testing/fstest"

	"github.com/bulwark-sec/bulwark/internal/cputime"
	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/etl"
	"github.com/bulwark-sec/bulwark/tracing/tna"
	"github.com/ethereum/go-ethereum/common"
)

// BenchmarkBybit traces the whole Bybit laundering graph (14,416 edges
// over 11,340 addresses, from the shared data folder) forward from the
// exploiter under the poison policy:
//
//   - trace: tracing.Trace over the converted graph's transfers, with no
//     practical hop bound (MaxMaxHops): every address the exploiter
//     reaches;
//   - trace-2-hops: the same, two hops at most (the FBI-list test);
//   - convert-load-trace: from the dataset's file to the graph: the
//     conversion, etl.Load of the transactions.csv it writes, and the
//     whole trace.
//
// cpu-ms/op is the process's CPU time per op (one core of one's own on a
// shared machine); ns/op is wall time.
func BenchmarkBybit(b *testing.B) {
	dir := shareddata.Path(b, "trace", "bybit-incident-tna")
	transfers := bybit(b)
	req := func(hops int) tracing.Request {
		return tracing.Request{Chain: 1, SeedAddresses: []common.Address{tna.Exploiter}, Policy: tracing.Poison, Bounds: tracing.Bounds{MaxHops: hops}}
	}
	run := func(b *testing.B, op func() (*tracing.Graph, error)) {
		b.ReportAllocs()
		nodes := 0
		cpu0, cpuOK := cputime.Seconds()
		for b.Loop() {
			g, err := op()
			if err != nil {
				b.Fatal(err)
			}
			nodes = len(g.Nodes)
		}
		b.ReportMetric(float64(nodes), "nodes")
		if cpu1, ok := cputime.Seconds(); cpuOK && ok && cpu1 > cpu0 {
			b.ReportMetric((cpu1-cpu0)*1000/float64(b.N), "cpu-ms/op")
		}
	}
	b.Run("trace", func(b *testing.B) {
		run(b, func() (*tracing.Graph, error) {
			return tracing.Trace(context.Background(), transfers, req(tracing.MaxMaxHops))
		})
	})
	b.Run("trace-2-hops", func(b *testing.B) {
		run(b, func() (*tracing.Graph, error) { return tracing.Trace(context.Background(), transfers, req(2)) })
	})
	b.Run("convert-load-trace", func(b *testing.B) {
		run(b, func() (*tracing.Graph, error) {
			var out bytes.Buffer
			if _, err := tna.Convert(os.DirFS(dir), &out, tna.Options{}); err != nil {
				return nil, err
			}
			ex, err := etl.Load(fstest.MapFS{etl.TransactionsFile: {Data: out.Bytes()}}, etl.Options{Chain: 1})
			if err != nil {
				return nil, err
			}
			return tracing.Trace(context.Background(), ex.Transfers, req(tracing.MaxMaxHops))
		})
	})
}
