package onchain_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe/onchain"
)

// BenchmarkReadStates reads the state of 1,000 Safes (clones of a 3-of-6
// Safe 1.4.1 with a module, made with anvil_setCode/anvil_setStorageAt) at
// one block from a local Anvil node per iteration, through the ethrpc
// client: cold (every owner list walked, one round trip per link) and
// hinted (the previous block's states as hints: what a watcher does each
// block), at the client's default batch size of 100 calls per HTTP request
// and at 1,000. One op is 1,000 Safes; requests/op counts HTTP requests.
//
//	go test -run '^$' -bench BenchmarkReadStates -benchtime 20x ./safe/
func BenchmarkReadStates(b *testing.B) {
	const n = 1000
	chain := safetest.StartChain(b, anviltest.Silent())
	d := safetest.Deploy(b, chain, "1.4.1")
	owners := safetest.NewOwners(6)
	s := d.NewSafe(b, 3, owners...)
	s.MustExec(b, s.EnableModuleTx(b, common.HexToAddress("0x000000000000000000000000000000000000d0d0")), safetest.EIP712)
	addrs := chain.CloneSafe(b, s.Address, n)
	ctx := context.Background()

	for _, size := range []int{ethrpc.DefaultMaxBatchSize, 1000} {
		c, err := ethrpc.Dial(chain.URL(), ethrpc.Options{MaxBatchSize: size})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(c.Close)
		block := onchain.AtBlockNumber(chain.BlockNumber(b))
		first, err := onchain.ReadStates(ctx, c, addrs, block)
		if err != nil {
			b.Fatal(err)
		}
		prev := make(map[common.Address]*onchain.State, n)
		for _, st := range first {
			prev[st.Address] = st
		}
		for _, mode := range []struct {
			name string
			opt  onchain.ReadOptions
		}{
			{"cold", onchain.ReadOptions{}},
			{"hinted", onchain.ReadOptions{Previous: prev}},
		} {
			b.Run(fmt.Sprintf("%s/batch=%d", mode.name, size), func(b *testing.B) {
				r := &countingReader{ChainReader: c}
				req0 := c.Stats().Requests
				for b.Loop() {
					states, err := onchain.ReadStatesWith(ctx, r, addrs, block, mode.opt)
					if err != nil {
						b.Fatal(err)
					}
					if len(states) != n || len(states[n-1].Owners) != 6 || len(states[n-1].Modules) != 1 {
						b.Fatalf("state %+v", states[n-1])
					}
				}
				ops := float64(b.N)
				b.ReportMetric(float64(c.Stats().Requests-req0)/ops, "requests/op")
				b.ReportMetric(float64(r.batches.Load())/ops, "roundtrips/op")
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/ops, "ms/1000safes")
			})
		}
	}
}
