package ethrpc_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/cputime"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
	"github.com/bulwark-sec/bulwark/tracing"
)

// benchIngestChain mines blocks of txs transactions each on a real Anvil
// node (automine off, then evm_mine): payments between accounts and calls
// to a forwarder that pays on part of its value (an internal call) and
// fails to pay a reverting contract. It returns the first and last block.
func benchIngestChain(b *testing.B, ch *chain, blocks, txs int) (first, last uint64) {
	b.Helper()
	accts := anviltest.DefaultAccounts()
	x := common.HexToAddress("0x000000000000000000000000000000000000ab01")
	fwd := crypto.CreateAddress(accts[0], 1)
	ch.node.SendTransaction(b, map[string]any{"from": accts[0], "data": hexutil.Bytes(deployer(forwarderCode(x, ch.contract))), "gas": hexutil.Uint64(300000)})
	var ok any
	ch.node.Call(b, &ok, "evm_setAutomine", false)
	for range blocks {
		for i := range txs {
			from := accts[1+i%9]
			tx := map[string]any{"from": from, "to": accts[(i+3)%10], "value": (*hexutil.Big)(ether(1)), "gas": hexutil.Uint64(21000)}
			if i%2 == 1 {
				tx = map[string]any{"from": from, "to": fwd, "value": (*hexutil.Big)(ether(2)), "gas": hexutil.Uint64(200000)}
			}
			var h common.Hash
			ch.node.Call(b, &h, "eth_sendTransaction", tx)
		}
		ch.node.Call(b, &ok, "evm_mine")
	}
	n, err := ch.client.BlockNumber(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return n - uint64(blocks) + 1, n
}

// BenchmarkIngest reads the same blocks of a real Anvil node three ways,
// four blocks at a time: "raw", the node's answers only (block, receipts
// and trace_block per block in one batch request, as ethrpc.TraceSource
// asks for them, left undecoded); "source", those answers turned into
// transfers (ethrpc.TraceSource); "ingest", the whole tracing.Ingester
// storing them with the cursor in a fresh SQLite store.
// One op is the whole range; blocks/s and transfers/s are per second of
// wall time, bulwark-cpu-ms/block the test process's CPU time (the node's
// not included, nor opening the fresh store) per block,
// node-cpu-ms/block the Anvil process's (read from /proc, Linux only; in
// 10 ms ticks, so run enough ops) and bulwark/node-cpu the ratio of the
// two: below 1, a node with a core of its own is the bottleneck, not
// Bulwark. The figures and the ratios are in docs/benchmarks.md.
//
//	go test -run '^$' -bench BenchmarkIngest -benchtime 5x ./ethrpc/
func BenchmarkIngest(b *testing.B) {
	const blocks, txs, concurrency, batch = 40, 50, 4, 8
	ch := newChain(b, ethrpc.Options{}, anviltest.Silent())
	chainID, err := ch.client.ChainID(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	first, last := benchIngestChain(b, ch, blocks, txs)
	src := &ethrpc.TraceSource{Client: ch.client, Chain: chainID}
	ctx := context.Background()
	each := func(b *testing.B, f func(n uint64) int) int {
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			total int
			sem   = make(chan struct{}, concurrency)
		)
		for n := first; n <= last; n++ {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				k := f(n)
				<-sem
				mu.Lock()
				total += k
				mu.Unlock()
			}()
		}
		wg.Wait()
		return total
	}
	var cpu0, node0 float64
	start := func() {
		cpu0, _ = cputime.Seconds()
		node0, _ = ch.node.CPUSeconds()
	}
	report := func(b *testing.B, transfers int) {
		perBlock := func(s float64) float64 { return s * 1e3 / float64(blocks) / float64(b.N) }
		cpu1, ok := cputime.Seconds()
		node1, nodeOK := ch.node.CPUSeconds()
		if ok && cpu1 > cpu0 {
			b.ReportMetric(perBlock(cpu1-cpu0), "bulwark-cpu-ms/block")
		}
		if nodeOK && node1 > node0 {
			b.ReportMetric(perBlock(node1-node0), "node-cpu-ms/block")
			if ok && cpu1 > cpu0 {
				b.ReportMetric((cpu1-cpu0)/(node1-node0), "bulwark/node-cpu")
			}
		}
		b.ReportMetric(float64(blocks)*float64(b.N)/b.Elapsed().Seconds(), "blocks/s")
		if transfers > 0 {
			b.ReportMetric(float64(transfers)*float64(b.N)/b.Elapsed().Seconds(), "transfers/s")
		}
	}
	b.Run("raw", func(b *testing.B) {
		start()
		for b.Loop() {
			each(b, func(n uint64) int {
				var blk, rcpts, trs json.RawMessage
				batch := []ethrpc.BatchElem{
					{Method: "eth_getBlockByNumber", Args: []any{ethrpc.AtBlock(n), false}, Result: &blk},
					{Method: "eth_getBlockReceipts", Args: []any{ethrpc.AtBlock(n)}, Result: &rcpts},
					{Method: "trace_block", Args: []any{hexutil.Uint64(n)}, Result: &trs},
				}
				if err := ch.client.BatchCall(ctx, batch); err != nil {
					b.Error(err)
				}
				for _, e := range batch {
					if e.Error != nil {
						b.Error(e.Error)
					}
				}
				return 0
			})
		}
		report(b, 0)
	})
	var transfers int
	b.Run("source", func(b *testing.B) {
		start()
		for b.Loop() {
			transfers = each(b, func(n uint64) int {
				nb, err := src.Block(ctx, n)
				if err != nil {
					b.Error(err)
				}
				return len(nb.Transfers)
			})
		}
		report(b, transfers)
	})
	b.Run("ingest", func(b *testing.B) {
		start()
		var opening float64 // CPU spent opening the fresh stores, not counted
		n := 0
		for b.Loop() {
			b.StopTimer()
			c0, _ := cputime.Seconds()
			store := sqlitetest.Open(b, sqlite.Options{})
			c1, _ := cputime.Seconds()
			opening += c1 - c0
			b.StartTimer()
			res, err := (&tracing.Ingester{Store: store, Source: src, Chain: chainID, Start: first, Concurrency: concurrency, Batch: batch}).Run(ctx, last)
			if err != nil || res.Blocks != blocks {
				b.Fatalf("%+v, %v", res, err)
			}
			n = res.Transfers
		}
		cpu0 += opening
		report(b, n)
	})
}
