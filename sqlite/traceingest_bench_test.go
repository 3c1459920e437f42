package sqlite_test

import (
	"context"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
	"github.com/bulwark-sec/bulwark/tracing"
)

const benchChain, benchBlocks, benchPerBlock, benchAddrs = 31337, 40, 175, 200

// benchTransfers returns benchBlocks blocks of benchPerBlock transfers each
// (top-level and internal calls, token transfers and fees among
// benchAddrs addresses and 4 assets) in tracing.Compare order, as a source
// gives them, and the assets.
func benchTransfers() ([]tracing.BlockHeader, [][]tracing.Transfer, []tracing.Asset) {
	var (
		headers   []tracing.BlockHeader
		transfers [][]tracing.Transfer
		assets    = []tracing.Asset{tracing.NativeAsset(benchChain), tracing.TokenAsset(benchChain, common.Address{0x70, 1}), tracing.TokenAsset(benchChain, common.Address{0x70, 2}), tracing.TokenAsset(benchChain, common.Address{0x70, 3})}
	)
	for n := range benchBlocks {
		h := tracing.BlockHeader{Number: uint64(100 + n), Hash: common.Hash{0xbb, byte(n + 1)}, Parent: common.Hash{0xbb, byte(n)}, Time: int64(1_700_000_000 + 12*n)}
		headers = append(headers, h)
		var ts []tracing.Transfer
		for i := range benchPerBlock {
			t := tracing.Transfer{Chain: benchChain, Block: h.Number, TxIndex: uint32(i / 4), TxHash: common.Hash{0x7a, byte(n), byte(i / 4)}, Time: h.Time,
				From: benchAddr((n*benchPerBlock + i*31) % benchAddrs), To: benchAddr((n*benchPerBlock + i*17 + 5) % benchAddrs), Asset: assets[0]}
			t.Amount.SetUint64(uint64(1e18) + uint64(i))
			switch i % 4 {
			case 0:
				t.Kind, t.TraceAddress = tracing.TopLevelCall, []uint32{}
			case 1:
				t.Kind, t.TraceAddress = tracing.InternalCall, []uint32{0}
			case 2:
				t.Kind, t.LogIndex, t.Asset = tracing.TokenTransfer, uint32(i), assets[1+i%3]
			case 3:
				t.Kind = tracing.GasTip
			}
			ts = append(ts, t)
		}
		// In the order a source gives them.
		slices.SortStableFunc(ts, func(a, b tracing.Transfer) int { return tracing.Compare(&a, &b) })
		transfers = append(transfers, ts)
	}
	return headers, transfers, assets
}

func benchAddr(i int) common.Address {
	return common.Address{0xad, byte(i >> 8), byte(i), 19: byte(i * 7)}
}

// BenchmarkPutBlocks stores 40 blocks of 175 transfers each (top-level
// and internal calls, token transfers and fees among 200 addresses and 4
// assets, in the order a source gives them), 8 blocks per PutBlocks, into
// a fresh store: the store's side of ingestion without a node. cpu-us/transfer is the process's CPU time per
// transfer.
//
//	go test -run '^$' -bench BenchmarkPutBlocks ./sqlite/
func BenchmarkPutBlocks(b *testing.B) {
	const batch = 8
	headers, transfers, _ := benchTransfers()
	ctx := context.Background()
	var cpu float64
	for b.Loop() {
		b.StopTimer()
		store := sqlitetest.Open(b, sqlite.Options{})
		c0 := processCPU(b)
		b.StartTimer()
		for i := 0; i < benchBlocks; i += batch {
			var ts []tracing.Transfer
			for _, t := range transfers[i : i+batch] {
				ts = append(ts, t...)
			}
			if err := store.PutBlocks(ctx, benchChain, "node", headers[i:i+batch], ts); err != nil {
				b.Fatal(err)
			}
		}
		cpu += float64(processCPU(b) - c0)
	}
	b.ReportMetric(cpu/1e3/float64(b.N*benchBlocks*benchPerBlock), "cpu-us/transfer")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*benchBlocks*benchPerBlock), "us/transfer")
}

// BenchmarkTransfers reads back the blocks BenchmarkPutBlocks stores:
// Address, the transfers from or to each of the 200 addresses (through
// the address index; 61 per address on average); Asset, the transfers of
// each of the 3 tokens (a filter of the block range). cpu-us/query and
// cpu-us/transfer are the process's CPU time per query and per transfer
// read.
//
//	go test -run '^$' -bench BenchmarkTransfers ./sqlite/
func BenchmarkTransfers(b *testing.B) {
	headers, transfers, assets := benchTransfers()
	ctx := context.Background()
	store := sqlitetest.Open(b, sqlite.Options{})
	var all []tracing.Transfer
	for _, ts := range transfers {
		all = append(all, ts...)
	}
	if err := store.PutBlocks(ctx, benchChain, "node", headers, all); err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, queries []tracing.TransferQuery) {
		var cpu float64
		read := 0
		for b.Loop() {
			c0 := processCPU(b)
			for _, q := range queries {
				ts, err := store.Transfers(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				read += len(ts)
			}
			cpu += float64(processCPU(b) - c0)
		}
		b.ReportMetric(cpu/1e3/float64(b.N*len(queries)), "cpu-us/query")
		b.ReportMetric(cpu/1e3/float64(read), "cpu-us/transfer")
	}
	b.Run("Address", func(b *testing.B) {
		var qs []tracing.TransferQuery
		for i := range benchAddrs {
			a := benchAddr(i)
			qs = append(qs, tracing.TransferQuery{Chain: benchChain, Source: "node", Address: &a})
		}
		run(b, qs)
	})
	b.Run("Asset", func(b *testing.B) {
		var qs []tracing.TransferQuery
		for i := range assets[1:] {
			qs = append(qs, tracing.TransferQuery{Chain: benchChain, Source: "node", Asset: &assets[1+i]})
		}
		run(b, qs)
	})
}
