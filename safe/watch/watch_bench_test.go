package watch_test

import (
	"context"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
)

// BenchmarkWatchStep is a watcher's work per block for 1,000 Safes (clones
// of a 3-of-6 Safe 1.4.1 with a module) on a local Anvil node: the header,
// and every Safe's state read by block hash with the last block's states as
// hints, then diffed. Mining the block is not timed. One op is one block.
//
//	go test -run '^$' -bench BenchmarkWatchStep -benchtime 20x ./safe/
func BenchmarkWatchStep(b *testing.B) {
	const n = 1000
	chain := safetest.StartChain(b, anviltest.Silent())
	d := safetest.Deploy(b, chain, "1.4.1")
	s := d.NewSafe(b, 3, safetest.NewOwners(6)...)
	s.MustExec(b, s.EnableModuleTx(b, common.HexToAddress("0x000000000000000000000000000000000000d0d0")), safetest.EIP712)
	addrs := chain.CloneSafe(b, s.Address, n)
	ctx := context.Background()
	c, err := ethrpc.Dial(chain.URL(), ethrpc.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	for _, bc := range []struct {
		name string
		opt  watch.Options
	}{
		{"state", watch.Options{}},
		// Also the block's ExecutionSuccess logs of the 1,000 Safes (what
		// 'safe watch' and the serve monitor always do); the blocks are
		// empty, so no verification is looked up.
		{"state+executions", watch.Options{Executions: &watch.ExecutionCheck{Logs: c, Verified: noVerifications{}}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w, err := watch.New(ethrpc.WatchReader{Client: c}, addrs, bc.opt)
			if err != nil {
				b.Fatal(err)
			}
			if err := w.Start(ctx, chain.BlockNumber(b)); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				b.StopTimer()
				if err := chain.RPC.Call(ctx, nil, "evm_mine"); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				alerts, err := w.Step(ctx)
				if err != nil || len(alerts) != 0 {
					b.Fatalf("alerts %v, err %v", alerts, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/block")
		})
	}
}

// noVerifications is a verification lookup that knows of none.
type noVerifications struct{}

func (noVerifications) Verifications(context.Context, common.Hash) ([]policy.VerificationRecord, error) {
	return nil, nil
}
