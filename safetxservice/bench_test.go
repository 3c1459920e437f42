package safetxservice_test

import (
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/internal/cputime"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/queue"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/safetxservice"
	"github.com/bulwark-sec/bulwark/safetxservice/servicetest"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

// instantCosigner decides at once: every tenth nonce held (an alert),
// the others verified ok.
type instantCosigner struct{}

func (instantCosigner) Cosign(_ context.Context, req cosign.Request) (*cosign.Result, error) {
	res := &cosign.Result{Decision: queue.DecisionVerified, Verdict: bulwark.VerdictOK, SafeTxHash: common.BigToHash(req.Tx.Tx.Nonce)}
	if new(big.Int).Mod(req.Tx.Tx.Nonce, big.NewInt(10)).Sign() == 0 {
		res.Decision, res.Verdict = cosign.DecisionHeld, bulwark.VerdictReview
	}
	return res, nil
}

type addrList []common.Address

func (l addrList) Watches(context.Context) ([]watch.WatchedSafe, error) {
	out := make([]watch.WatchedSafe, len(l))
	for i, a := range l {
		out[i] = watch.WatchedSafe{Safe: a}
	}
	return out, nil
}

// BenchmarkQueuePoll1000 is one poll of the queue watch over 1,000 Safes
// with two pending transactions each, against the fake service over HTTP
// on loopback, with the SQLite store and audit log: "steady" when every
// entry was decided before (what most polls do), "new" when every entry
// is new (each decided by an instant co-signer and recorded with its
// audit entry; one in ten held, so alerted). It reports the wall time and
// the CPU time of the process (service, client, watcher and store
// together) per poll.
func BenchmarkQueuePoll1000(b *testing.B) {
	const safes = 1000
	svc := servicetest.New()
	defer svc.Close()
	client, err := safetxservice.New("--safe-queue", svc.URL, safetxservice.Options{})
	if err != nil {
		b.Fatal(err)
	}
	list := make(addrList, safes)
	for i := range list {
		list[i] = common.BigToAddress(big.NewInt(int64(0x5afe0000 + i)))
	}
	round := 0
	fill := func() {
		round++
		for _, a := range list {
			svc.SetQueue(a, entry(a, 2*round), entry(a, 2*round+1))
		}
	}
	newWatcher := func(db *sqlite.DB) *queue.Watcher {
		return queue.NewWatcher(queue.Config{Source: client, Cosigner: instantCosigner{}, Watches: list, Store: db, Alerts: db,
			Log: &audit.Log{Store: db}})
	}
	run := func(b *testing.B, fresh bool) {
		db := sqlitetest.Open(b, sqlite.Options{})
		w := newWatcher(db)
		fill()
		if st, err := w.Poll(context.Background()); err != nil || st.New != 2*safes || st.Unreadable != 0 {
			b.Fatalf("first poll %+v, %v", st, err)
		}
		var cpu float64
		cpuOK := true
		b.ResetTimer()
		for range b.N {
			if fresh {
				b.StopTimer()
				fill()
				b.StartTimer()
			}
			c0, ok0 := cputime.Seconds()
			st, err := w.Poll(context.Background())
			c1, ok1 := cputime.Seconds()
			cpu, cpuOK = cpu+c1-c0, cpuOK && ok0 && ok1
			if err != nil || st.Entries != 2*safes || st.Unreadable != 0 || (fresh && st.New != 2*safes) || (!fresh && st.New != 0) {
				b.Fatalf("poll %+v, %v", st, err)
			}
		}
		b.StopTimer()
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "wall-s/poll")
		if cpuOK {
			b.ReportMetric(cpu/float64(b.N), "cpu-s/poll")
		}
	}
	b.Run("steady", func(b *testing.B) { run(b, false) })
	b.Run("new", func(b *testing.B) { run(b, true) })
}
