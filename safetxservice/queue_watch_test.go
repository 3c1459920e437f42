package safetxservice_test

import (
	"context"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/queue"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/safetxservice"
	"github.com/bulwark-sec/bulwark/safetxservice/servicetest"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

// countingCosigner counts the requests (dry runs included) by nonce.
type countingCosigner struct {
	queue.Cosigner
	mu      sync.Mutex
	byNonce map[int64]int
}

func (c *countingCosigner) Cosign(ctx context.Context, req cosign.Request) (*cosign.Result, error) {
	c.mu.Lock()
	if c.byNonce == nil {
		c.byNonce = map[int64]int{}
	}
	c.byNonce[req.Tx.Tx.Nonce.Int64()]++
	c.mu.Unlock()
	return c.Cosigner.Cosign(ctx, req)
}

// take returns the counts since the last take.
func (c *countingCosigner) take() map[int64]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.byNonce
	c.byNonce = nil
	if out == nil {
		out = map[int64]int{}
	}
	return out
}

func alertsOf(t *testing.T, db *sqlite.DB, code string) []watch.StoredAlert {
	t.Helper()
	as, err := db.Alerts(context.Background(), watch.AlertFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []watch.StoredAlert
	for _, a := range as {
		if a.Code == code {
			out = append(out, a)
		}
	}
	return out
}

// TestQueueWatchAnvil runs the queue watch against the fake service (at
// the HTTP boundary) and Anvil, verifying only, on Safes 1.4.1 of three
// owners.
func TestQueueWatchAnvil(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(3)
	to := common.HexToAddress("0x00000000000000000000000000000000000b0b07")
	setup := func(t *testing.T) (*safetest.Safe, *servicetest.Service, *safetxservice.Client, *sqlite.DB) {
		s := d.NewSafe(t, 3, owners...)
		s.FundETH(t, safetest.Ether(5))
		svc := servicetest.New()
		t.Cleanup(svc.Close)
		client, err := safetxservice.New("--safe-queue", svc.URL, safetxservice.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s, svc, client, sqlitetest.Open(t, sqlite.Options{})
	}

	// A waiting entry (its nonce ahead of the Safe's) is checked again
	// only when the Safe's nonce or the block changed, and no more than
	// MaxWaitingChecks of a Safe's in a poll, those checked longest ago
	// first; one that has become the next is checked whatever the bound.
	t.Run("waiting entries cached", func(t *testing.T) {
		s, svc, client, db := setup(t)
		first := s.TransferETHTx(t, to, safetest.Ether(1))
		n := first.Nonce.Int64()
		second, third := first, first
		second.Nonce, third.Nonce = big.NewInt(n+1), big.NewInt(n+2)
		second.Value, third.Value = safetest.Ether(2), safetest.Ether(3) // distinct hashes
		svc.SetQueue(s.Address, s.ServiceTx(t, first), s.ServiceTx(t, second), s.ServiceTx(t, third))
		log := &audit.Log{Store: db}
		cos := &countingCosigner{Cosigner: &queue.VerifyOnly{Node: chain.RPC, Simulator: chain.RPC, Log: log, Store: db}}
		w := queue.NewWatcher(queue.Config{Source: client, Watches: addrList{s.Address}, Store: db, Alerts: db, Log: log,
			Cosigner: cos, Chain: chain.RPC, MaxWaitingChecks: 1})
		poll := func(step string, want queue.PollStats, calls map[int64]int) {
			t.Helper()
			st, err := w.Poll(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want.Safes, want.Entries = 1, 3
			if st != want {
				t.Errorf("%s: poll %+v, want %+v", step, st, want)
			}
			if got := cos.take(); !mapsEqual(got, calls) {
				t.Errorf("%s: checks by nonce %v, want %v", step, got, calls)
			}
		}
		poll("first sight", queue.PollStats{New: 3, Verified: 1, Waiting: 2}, map[int64]int{n: 2, n + 1: 1, n + 2: 1})
		poll("nothing changed", queue.PollStats{New: 2, Waiting: 2, WaitingCached: 2}, map[int64]int{})
		chain.FundETH(t, to, safetest.Ether(1)) // a new block, the same Safe nonce
		poll("a new block", queue.PollStats{New: 2, Waiting: 2, WaitingCached: 1}, map[int64]int{n + 1: 1})
		poll("the other one's turn", queue.PollStats{New: 2, Waiting: 2, WaitingCached: 1}, map[int64]int{n + 2: 1})
		poll("both checked at this block", queue.PollStats{New: 2, Waiting: 2, WaitingCached: 2}, map[int64]int{})
		s.MustExec(t, first, safetest.EIP712)
		poll("the first executed", queue.PollStats{New: 2, Verified: 1, Waiting: 1}, map[int64]int{n + 1: 2, n + 2: 1})
		if as, err := db.Alerts(context.Background(), watch.AlertFilter{Limit: 10}); err != nil || len(as) != 0 {
			t.Errorf("alerts %+v, %v", as, err)
		}
	})

	// QUEUE_TX_UNCHECKED is raised once per entry, and a restarted watch
	// does not raise it again: it is recorded with the queue's decisions.
	t.Run("unchecked survives a restart", func(t *testing.T) {
		s, svc, client, db := setup(t)
		tx := s.TransferETHTx(t, to, safetest.Ether(1))
		svc.SetQueue(s.Address, s.ServiceTx(t, tx))
		down, err := ethrpc.Dial("http://127.0.0.1:1", ethrpc.Options{MaxRetries: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(down.Close)
		log := &audit.Log{Store: db}
		watcher := func(node *ethrpc.Client) *queue.Watcher {
			return queue.NewWatcher(queue.Config{Source: client, Watches: addrList{s.Address}, Store: db, Alerts: db, Log: log,
				Cosigner: &queue.VerifyOnly{Node: node, Simulator: node, Log: log, Store: db}})
		}
		for i, w := range []*queue.Watcher{watcher(down), watcher(down), watcher(down)} {
			for range 2 {
				if st, err := w.Poll(context.Background()); err != nil || st.Unchecked != 1 || st.New != 1 {
					t.Fatalf("watch %d: %+v, %v", i, st, err)
				}
			}
		}
		as := alertsOf(t, db, queue.CodeTxUnchecked)
		if len(as) != 1 || as[0].SafeTxHash != s.OnChainTxHash(t, tx).Hex() || !strings.Contains(as[0].Message, "could not be checked") {
			t.Fatalf("QUEUE_TX_UNCHECKED alerts %+v, want one over three watches", as)
		}
		entries, err := db.AuditEntries(context.Background(), 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var unchecked int
		for _, e := range entries {
			var d struct{ Decision, Code string }
			if e.Action == queue.AuditAction && json.Unmarshal(e.Details, &d) == nil && d.Decision == string(queue.DecisionUnchecked) && d.Code == queue.CodeTxUnchecked {
				unchecked++
			}
		}
		if unchecked != 1 {
			t.Errorf("%d audit entries of the unchecked alert, want 1", unchecked)
		}
		// The node back: decided once, and not alerted again.
		w := watcher(chain.RPC)
		if st, err := w.Poll(context.Background()); err != nil || st.Verified != 1 || st.Unchecked != 0 {
			t.Fatalf("the node back: %+v, %v", st, err)
		}
		if st, err := w.Poll(context.Background()); err != nil || st.New != 0 {
			t.Fatalf("decided again: %+v, %v", st, err)
		}
		if as := alertsOf(t, db, queue.CodeTxUnchecked); len(as) != 1 {
			t.Errorf("%d QUEUE_TX_UNCHECKED alerts", len(as))
		}
	})

	// A service that does not answer within the list deadline (serve's
	// --safe-queue-timeout) is QUEUE_UNREADABLE naming the deadline; the
	// poll does not wait for it.
	t.Run("list deadline", func(t *testing.T) {
		s, svc, client, db := setup(t)
		svc.FailWith(func(r *http.Request) int {
			<-r.Context().Done() // answers once the watch has given up
			return http.StatusServiceUnavailable
		})
		log := &audit.Log{Store: db}
		w := queue.NewWatcher(queue.Config{Source: client, Watches: addrList{s.Address}, Store: db, Alerts: db, Log: log,
			Cosigner: &queue.VerifyOnly{Node: chain.RPC, Simulator: chain.RPC, Log: log, Store: db}, ListTimeout: 50 * time.Millisecond})
		st, err := w.Poll(context.Background())
		if err != nil || st.Unreadable != 1 {
			t.Fatalf("poll %+v, %v", st, err)
		}
		as := alertsOf(t, db, queue.CodeUnreadable)
		if len(as) != 1 || as[0].Safe != s.Address.Hex() || !strings.Contains(as[0].Message, "not read within 50ms") {
			t.Fatalf("QUEUE_UNREADABLE alerts %+v, want one naming the deadline", as)
		}
	})
}

func mapsEqual(a, b map[int64]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
