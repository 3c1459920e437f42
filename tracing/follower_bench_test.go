//go:build unix

package tracing_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
	"github.com/bulwark-sec/bulwark/tracing"
)

// BenchmarkFollowerCatchUp measures what a follower does per transfer
// when it catches up over blocks already ingested (a new case, or the
// rebuild of a restart): read the stored transfers, feed them block by
// block to the follow's Tracer under haircut (the default bounds), check
// each traced arrival against the deposit registry, save the cursor
// every 1,000 blocks. The store holds 2,000 blocks of 50 payments
// among 1,000 addresses (100,000 transfers), one of them a registered
// deposit address credited about 100 times, below its threshold (an
// alert costs a synced transaction of its own). One op is one catch-up
// over all of it by a new follow; transfers/cpu-s counts the process's
// CPU time (the figure a shared machine does not blur).
func BenchmarkFollowerCatchUp(b *testing.B) {
	const blocks, perBlock, addrs = 2000, 50, 1000
	e := &followerEnv{chain: newScriptChain(), db: sqlitetest.Open(b, sqlite.Options{})}
	// The deposit address is credited often, under a threshold no payment
	// reaches: every credit is checked, no alert is stored.
	if _, err := e.db.AddDeposit(context.Background(), tracing.Deposit{Address: deposit,
		Thresholds: map[string]*uint256.Int{tracing.AnyAsset: uint256.NewInt(1_000_000)}}, "bench"); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	as := make([]common.Address, addrs)
	for i := range as {
		as[i][0], as[i][1], as[i][2] = byte(i>>8), byte(i), 0xbe
	}
	as[0], as[1] = thief, deposit
	for range blocks {
		pays := make([][3]any, perBlock)
		for j := range pays {
			pays[j] = pay(as[r.IntN(addrs)], as[r.IntN(addrs)], uint64(r.IntN(1000)+1))
		}
		e.chain.mine(pays...)
	}
	rec := &tracing.Recorder{Store: e.db, Log: &audit.Log{Store: e.db}, Actor: "bench"}
	follower := func(id string) *tracing.Follower {
		return tracing.NewFollower(tracing.FollowerConfig{Chain: followChain, Source: e.chain, Store: e.db, Batch: 64, Record: rec.Record,
			Follows: tracing.StaticFollows{{ID: id, Request: tracing.Request{Chain: followChain, SeedAddresses: []common.Address{thief},
				Policy: tracing.Haircut, Bounds: tracing.Bounds{FromBlock: 1}}}}})
	}
	ctx := context.Background()
	if err := follower("ingest").RunTo(ctx, blocks); err != nil { // ingests the blocks once
		b.Fatal(err)
	}
	cpu := func() float64 {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	}
	b.ResetTimer()
	i, cpu0 := 0, cpu()
	for b.Loop() {
		i++
		if err := follower(fmt.Sprint("bench:", i)).RunTo(ctx, blocks); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i*blocks*perBlock), "ns/transfer")
	b.ReportMetric(float64(i*blocks*perBlock)/b.Elapsed().Seconds(), "transfers/s")
	b.ReportMetric(float64(i*blocks*perBlock)/(cpu()-cpu0), "transfers/cpu-s")
}
