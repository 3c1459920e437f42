package ethrpc_test

import (
	"context"
	"sync"
	"testing"

	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/ethereum/go-ethereum/common"
)

// BenchmarkBatch reads 100 storage slots of the test contract from a real
// Anvil node per iteration: as one batch, as 100 sequential calls, and as
// 100 calls spread over the client's in-flight limit. Compare ns/op; the
// figures are in docs/benchmarks.md.
//
//	go test -run '^$' -bench BenchmarkBatch -benchtime 200x ./ethrpc/
func BenchmarkBatch(b *testing.B) {
	const slots = 100
	ch := newChain(b, ethrpc.Options{MaxBatchSize: slots, MaxInFlight: 8}, anviltest.Silent())
	c := ch.client
	ctx := context.Background()

	b.Run("batch", func(b *testing.B) {
		results := make([]common.Hash, slots)
		batch := make([]ethrpc.BatchElem, slots)
		for b.Loop() {
			for i := range batch {
				batch[i] = ethrpc.BatchElem{Method: "eth_getStorageAt", Args: []any{ch.contract, slot(uint64(i)), ethrpc.Latest}, Result: &results[i]}
			}
			if err := c.BatchCall(ctx, batch); err != nil {
				b.Fatal(err)
			}
			for i := range batch {
				if batch[i].Error != nil {
					b.Fatal(batch[i].Error)
				}
			}
		}
		if results[1] != slot(0xbeef) {
			b.Fatalf("slot 1 = %s", results[1])
		}
	})

	b.Run("sequential", func(b *testing.B) {
		for b.Loop() {
			for i := range slots {
				if _, err := c.StorageAt(ctx, ch.contract, slot(uint64(i)), ethrpc.Latest); err != nil {
					b.Fatal(err)
				}
			}
		}
	})

	b.Run("parallel-8", func(b *testing.B) {
		for b.Loop() {
			var wg sync.WaitGroup
			errs := make([]error, slots)
			for i := range slots {
				wg.Go(func() {
					_, errs[i] = c.StorageAt(ctx, ch.contract, slot(uint64(i)), ethrpc.Latest)
				})
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
