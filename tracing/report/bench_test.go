package report_test

import (
	"encoding/binary"
	"strconv"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/cputime"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/report"
	"github.com/ethereum/go-ethereum/common"
)

// benchGraph is a forward trace of nodes addresses and edges transfers:
// a fan-out from one seed, each address paying the next ones, every tenth
// labelled, every hundredth a registered deposit address that alerted.
func benchGraph(nodes, edges int) *tracing.Graph {
	addr := func(i int) common.Address {
		var a common.Address
		binary.BigEndian.PutUint64(a[12:], uint64(i+1))
		return a
	}
	g := &tracing.Graph{Chain: 1, Seeds: []string{"0x0000000000000000000000000000000000000001"}, Policy: tracing.Haircut,
		Direction: tracing.Forward, Bounds: tracing.Bounds{MaxHops: 1000}}
	for i := range nodes {
		n := tracing.Node{Address: addr(i), Hop: i / 100, Taint: map[string]string{"native:1": strconv.Itoa(1000 + i)}}
		if i%10 == 0 {
			n.Labels = []tracing.Label{{Source: "tagpack:exchanges", Name: "Exchange " + strconv.Itoa(i), Category: "exchange", Hub: true}}
		}
		g.Nodes = append(g.Nodes, n)
	}
	for i := range edges {
		from, to := (i/2)%nodes, (i+1)%nodes
		if to <= from {
			to = from + 1
		}
		if to >= nodes {
			from, to = 0, 1+i%(nodes-1)
		}
		var h common.Hash
		binary.BigEndian.PutUint64(h[24:], uint64(i+1))
		e := tracing.Edge{Chain: 1, TxHash: h, Block: uint64(21895238 + i/50), Time: int64(1740147215 + 12*(i/50)), Kind: tracing.TopLevelCall,
			TraceAddress: []uint32{}, From: addr(from), To: addr(to), Asset: "native:1", Amount: "1000000000000000000", Taint: "500000000000000000",
			Policy: tracing.Haircut, Hop: to / 100}
		g.Edges = append(g.Edges, e)
		if to%100 == 0 {
			g.Alerts = append(g.Alerts, tracing.Alert{Deposit: e.To, TxHash: h, Block: e.Block, Time: e.Time, Asset: e.Asset, Amount: e.Amount,
				Taint: e.Taint, Threshold: "1", Policy: tracing.Haircut})
		}
	}
	return g
}

// BenchmarkBundle writes the whole evidence bundle (every format, the
// summary with its freeze requests and paths, the manifest) of a graph of
// 10,000 addresses and 15,000 transfers, about the Bybit graph's size.
// cpu-ms/op is the process's CPU time per op.
func BenchmarkBundle(b *testing.B) {
	g := benchGraph(10000, 15000)
	in := report.Inputs{Source: report.Source{Kind: "etl", Location: "bench"}}
	b.ReportAllocs()
	cpu0, cpuOK := cputime.Seconds()
	size := 0
	for b.Loop() {
		files, _, err := report.Bundle(g, in, "bench")
		if err != nil {
			b.Fatal(err)
		}
		size = 0
		for _, f := range files {
			size += len(f.Data)
		}
	}
	if cpu1, ok := cputime.Seconds(); cpuOK && ok && cpu1 > cpu0 {
		b.ReportMetric((cpu1-cpu0)*1000/float64(b.N), "cpu-ms/op")
	}
	b.ReportMetric(float64(size)/1e6, "MB-written/op")
}
