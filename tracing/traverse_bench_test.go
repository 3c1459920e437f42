package tracing

import (
	"context"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/internal/cputime"
)

// peelStream returns about n transfers of a heist laundered through peel
// chains, the way stolen funds are: the seed splits the loot into chains
// tranches (hop 1); then, one block per step, each chain's holder sends
// all but a peel on to a fresh address and the peel to one of 1,000
// exchange deposit addresses. Before each step of each chain come noise
// payments among 100,000 other addresses, untouched by the heist.
func peelStream(n, chains, noise int) ([]Transfer, common.Address) {
	r := rand.New(rand.NewPCG(3, 4))
	addr := func(kind, i uint64) common.Address {
		var a common.Address
		for b := range 8 {
			a[4+b] = byte(kind >> (8 * b))
			a[12+b] = byte(i >> (8 * b))
		}
		a[0] = 0x5e
		return a
	}
	seed := addr(1, 0)
	out := make([]Transfer, 0, n)
	var block uint64
	var txi uint32
	emit := func(from, to common.Address, amount uint64) {
		t := Transfer{Chain: 1, Block: block, TxIndex: txi, Time: int64(1_700_000_000 + block*12), Kind: TopLevelCall, From: from, To: to, Asset: eth}
		t.TxHash[0], t.TxHash[1] = byte(txi), byte(txi>>8)
		for b := range 8 {
			t.TxHash[8+b] = byte(block >> (8 * b))
		}
		t.Amount.SetUint64(amount)
		out = append(out, t)
		txi++
	}
	holders := make([]common.Address, chains)
	balances := make([]uint64, chains)
	for c := range holders {
		holders[c], balances[c] = addr(2, uint64(c)), 1<<50
		emit(seed, holders[c], balances[c])
	}
	fresh := uint64(chains)
	for len(out) < n {
		block++
		txi = 0
		for c := range holders {
			for i := 0; i < noise && len(out) < n; i++ {
				emit(addr(3, r.Uint64N(100_000)), addr(3, r.Uint64N(100_000)), 1+r.Uint64N(1<<40))
			}
			if len(out)+2 > n {
				break
			}
			peel := balances[c] / 64
			next := addr(2, fresh)
			fresh++
			emit(holders[c], addr(4, r.Uint64N(1000)), peel)
			emit(holders[c], next, balances[c]-peel)
			holders[c], balances[c] = next, balances[c]-peel
		}
	}
	return out, seed
}

// BenchmarkTrace measures the traversal: one op is one Trace of a stream
// of 1,000,000 transfers (peelStream: 1,000 peel chains, 500 steps
// long), hop bound MaxMaxHops, haircut, on one goroutine, the graph
// written. "all tainted" has every transfer in the chains (about 1M
// edges, each to an address not seen before); "10% tainted" mixes 50
// steps of the chains (about 100,000 edges) with nine times as many
// payments that the heist does not touch. updates/s is transfers per second of wall
// time, updates/cpu-s per second of the process's CPU time; B/edge is the
// heap the graph holds per edge (after a collection).
func BenchmarkTrace(b *testing.B) {
	for _, c := range []struct {
		name  string
		noise int
	}{{"all tainted", 0}, {"10% tainted", 18}} {
		b.Run(c.name, func(b *testing.B) {
			stream, seed := peelStream(1_000_000, 1000, c.noise)
			req := Request{Chain: 1, Policy: Haircut, SeedAddresses: []common.Address{seed}, Bounds: Bounds{MaxHops: MaxMaxHops}}
			var g *Graph
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			b.ReportAllocs()
			cpu0, cpuOK := cputime.Seconds()
			b.ResetTimer()
			for range b.N {
				g = nil
				var err error
				if g, err = Trace(context.Background(), stream, req); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			updates := float64(b.N) * float64(len(stream))
			b.ReportMetric(updates/b.Elapsed().Seconds(), "updates/s")
			if cpu1, ok := cputime.Seconds(); cpuOK && ok && cpu1 > cpu0 {
				b.ReportMetric(updates/(cpu1-cpu0), "updates/cpu-s")
			}
			var after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(len(g.Edges)), "edges")
			if len(g.Edges) > 0 && after.HeapAlloc > before.HeapAlloc {
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(g.Edges)), "B/edge")
			}
			runtime.KeepAlive(g)
			runtime.KeepAlive(stream) // freed, it would be counted off the graph's heap
		})
	}
}

// BenchmarkTraceEngineAlone applies the streams of BenchmarkTrace with a
// bare Engine (no traversal, no graph): the floor the traversal's cost
// is measured against on the same machine.
func BenchmarkTraceEngineAlone(b *testing.B) {
	for _, c := range []struct {
		name  string
		noise int
	}{{"all tainted", 0}, {"10% tainted", 18}} {
		b.Run(c.name, func(b *testing.B) {
			stream, seed := peelStream(1_000_000, 1000, c.noise)
			b.ReportAllocs()
			cpu0, cpuOK := cputime.Seconds()
			b.ResetTimer()
			for range b.N {
				e, err := NewEngine(Haircut)
				if err != nil {
					b.Fatal(err)
				}
				e.SeedAddress(seed)
				for i := range stream {
					if _, err := e.Apply(&stream[i]); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			updates := float64(b.N) * float64(len(stream))
			b.ReportMetric(updates/b.Elapsed().Seconds(), "updates/s")
			if cpu1, ok := cputime.Seconds(); cpuOK && ok && cpu1 > cpu0 {
				b.ReportMetric(updates/(cpu1-cpu0), "updates/cpu-s")
			}
		})
	}
}
