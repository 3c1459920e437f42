package cosign_test

import (
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/cputime"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// BenchmarkCosign measures one co-sign decision against a local Anvil, a
// Safe 1.4.1 of two humans and the co-signer: verification with the
// node's reads, simulation (debug_traceCall and eth_call), the co-signer's
// checks and the re-read of the Safe's state before signing.
//
//   - transfer: a plain ETH transfer, decided "signed" as a dry run
//     (nothing signed or stored but the dry run's audit entry: every
//     iteration takes the whole path);
//   - bybit: the Bybit trojan, refused and audited (one audit entry per
//     decision, in a SQLite store).
//
// It reports wall time per decision (ns/op), Bulwark's CPU per decision
// (cpu-ms/op) and Anvil's (anvil-cpu-ms/op).
func BenchmarkCosign(b *testing.B) {
	chain := safetest.StartChain(b, anviltest.Silent())
	d := safetest.Deploy(b, chain, "1.4.1")
	s := d.NewCosignedSafe(b, cosignerOwner, 5)
	trojan := chain.DeployTrojan(b)
	e := newEnv(b)
	svc := e.service(chain)
	for _, bc := range []struct {
		name string
		req  cosign.Request
		want cosign.Decision
	}{
		{"transfer", cosign.Request{Tx: policy.ServiceTx{Safe: s.Address, Tx: s.TransferETHTx(b, common.BigToAddress(big.NewInt(0xbe)), big.NewInt(1))},
			Requester: "bench", DryRun: true}, cosign.DecisionSigned},
		{"bybit", cosign.Request{Tx: policy.ServiceTx{Safe: s.Address, Tx: safetest.BybitTx(trojan, trojan, s.Nonce(b))}, Requester: "bench"}, cosign.DecisionRefused},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			cpu0, ok := cputime.Seconds()
			node0, nodeOK := chain.Node.CPUSeconds()
			n := 0
			for b.Loop() {
				r, err := svc.Cosign(ctx, bc.req)
				if err != nil || r.Decision != bc.want {
					b.Fatalf("%v %+v", err, r)
				}
				n++
			}
			if cpu1, ok1 := cputime.Seconds(); ok && ok1 {
				b.ReportMetric((cpu1-cpu0)*1e3/float64(n), "cpu-ms/op")
			}
			if node1, ok1 := chain.Node.CPUSeconds(); nodeOK && ok1 {
				b.ReportMetric((node1-node0)*1e3/float64(n), "anvil-cpu-ms/op")
			}
		})
	}
}
