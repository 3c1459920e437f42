package tracing

import (
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/internal/cputime"
)

// benchStream returns n transfers among addrs addresses: 70 % native
// (calls, internal calls, gas tips, base fee burns), 30 % ERC-20 transfers
// of 20 tokens; amounts uniform below 2^64 base units, so that a debit is
// often larger than the balance seen (the unseen-balance path of a stream
// that starts mid-history). The first 100 addresses are seeds.
func benchStream(n, addrs int) ([]Transfer, []common.Address) {
	r := rand.New(rand.NewPCG(7, 7))
	as := make([]common.Address, addrs)
	for i := range as {
		fill(r, as[i][:])
	}
	tokens := make([]Asset, 20)
	for i := range tokens {
		var c common.Address
		fill(r, c[:])
		tokens[i] = TokenAsset(1, c)
	}
	kinds := []Kind{TopLevelCall, TopLevelCall, TopLevelCall, InternalCall, InternalCall, GasTip, BaseFeeBurn}
	out := make([]Transfer, n)
	for i := range out {
		t := &out[i]
		*t = Transfer{Chain: 1, Block: uint64(i / 200), TxIndex: uint32(i % 200), From: as[r.IntN(addrs)], To: as[r.IntN(addrs)]}
		fill(r, t.TxHash[:])
		if k := r.IntN(10); k < 7 {
			t.Kind, t.Asset = kinds[k], NativeAsset(1)
		} else {
			t.Kind, t.Asset, t.LogIndex = TokenTransfer, tokens[r.IntN(len(tokens))], uint32(i%200)
		}
		t.Amount.SetUint64(r.Uint64())
	}
	return out, as[:100]
}

// BenchmarkTaint measures taint propagation: one op is one transfer
// applied (a debit and a credit, or a burn), over a stream of 65,536
// transfers among 50,000 addresses replayed in a loop, one engine per
// policy on one goroutine. updates/s is transfers applied per second of
// wall time; updates/cpu-s per second of the process's CPU time (user and
// system), which on a shared machine is the figure for one core of one's
// own (the loop allocates nothing, so the garbage collector adds little).
func BenchmarkTaint(b *testing.B) {
	stream, seeds := benchStream(1<<16, 50_000)
	for _, p := range Policies() {
		b.Run(p.String(), func(b *testing.B) {
			e, err := NewEngine(p)
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range seeds {
				e.SeedAddress(s)
			}
			// One pass first, so that the holdings exist: the figure is
			// the steady state of a long stream.
			for i := range stream {
				if _, err := e.Apply(&stream[i]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			cpu0, cpuOK := cputime.Seconds()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := e.Apply(&stream[i&(len(stream)-1)]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
			if cpu1, ok := cputime.Seconds(); cpuOK && ok && cpu1 > cpu0 {
				b.ReportMetric(float64(b.N)/(cpu1-cpu0), "updates/cpu-s")
			}
			if err := e.Check(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

func fill(r *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(r.Uint32())
	}
}
