package sqlite_test

import (
	"context"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
	"github.com/bulwark-sec/bulwark/tracing"
)

// BenchmarkPutBlocks stores 40 blocks of 175 transfers each (top-level
// and internal calls, token transfers and fees among 200 addresses and 4
// assets), 8 blocks per PutBlocks, into a fresh store: the store's side of
// ingestion without a node. cpu-us/transfer is the process's CPU time per
// transfer.
//
//	go test -run '^$' -bench BenchmarkPutBlocks ./sqlite/
func BenchmarkPutBlocks(b *testing.B) {
	const chain, blocks, perBlock, batch = 31337, 40, 175, 8
	var (
		headers   []tracing.BlockHeader
		transfers [][]tracing.Transfer
		assets    = []tracing.Asset{tracing.NativeAsset(chain), tracing.TokenAsset(chain, common.Address{0x70, 1}), tracing.TokenAsset(chain, common.Address{0x70, 2}), tracing.TokenAsset(chain, common.Address{0x70, 3})}
	)
	addr := func(i int) common.Address { return common.Address{0xad, byte(i >> 8), byte(i), 19: byte(i * 7)} }
	for n := range blocks {
		h := tracing.BlockHeader{Number: uint64(100 + n), Hash: common.Hash{0xbb, byte(n + 1)}, Parent: common.Hash{0xbb, byte(n)}, Time: int64(1_700_000_000 + 12*n)}
		headers = append(headers, h)
		var ts []tracing.Transfer
		for i := range perBlock {
			t := tracing.Transfer{Chain: chain, Block: h.Number, TxIndex: uint32(i / 4), TxHash: common.Hash{0x7a, byte(n), byte(i / 4)}, Time: h.Time,
				From: addr((n*perBlock + i*31) % 200), To: addr((n*perBlock + i*17 + 5) % 200), Asset: assets[0]}
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
		transfers = append(transfers, ts)
	}
	ctx := context.Background()
	var cpu float64
	for b.Loop() {
		b.StopTimer()
		store := sqlitetest.Open(b, sqlite.Options{})
		c0 := processCPU(b)
		b.StartTimer()
		for i := 0; i < blocks; i += batch {
			var ts []tracing.Transfer
			for _, t := range transfers[i : i+batch] {
				ts = append(ts, t...)
			}
			if err := store.PutBlocks(ctx, chain, "node", headers[i:i+batch], ts); err != nil {
				b.Fatal(err)
			}
		}
		cpu += float64(processCPU(b) - c0)
	}
	b.ReportMetric(cpu/1e3/float64(b.N*blocks*perBlock), "cpu-us/transfer")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*blocks*perBlock), "us/transfer")
}
