package safetxservice_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/queue"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/safetxservice"
	"github.com/bulwark-sec/bulwark/safetxservice/servicetest"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

// TestQueueWithCosignerAnvil runs the queue watch end to end with the
// policy co-signer: a Safe 1.4.1 owned by two humans and the co-signer,
// threshold 3, on Anvil; its queue, at the fake service, holds the Bybit
// trojan confirmed by both humans and a plain transfer at the same nonce.
// One poll refuses the trojan (QUEUE_TX_REFUSED, critical, nothing
// pushed: the humans' two signatures cannot execute it) and co-signs the
// transfer, pushing the co-signature to the service, where it completes
// the signatures that execute it.
func TestQueueWithCosignerAnvil(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	cosigner := safetest.Cosigner()
	s := d.NewCosignedSafe(t, cosigner, 5)
	humans := s.Humans
	trojanAddr, backdoor := chain.DeployTrojan(t), chain.DeployTrojan(t)
	trojan := safetest.BybitTx(trojanAddr, backdoor, s.Nonce(t))
	transfer := s.TransferETHTx(t, common.HexToAddress("0x00000000000000000000000000000000000b0b01"), safetest.Ether(1))

	svc := servicetest.New()
	defer svc.Close()
	svc.SetQueue(s.Address, s.ServiceTx(t, trojan, humans...), s.ServiceTx(t, transfer, humans...))
	client, err := safetxservice.New("--safe-queue", svc.URL, safetxservice.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db := sqlitetest.Open(t, sqlite.Options{})
	log := &audit.Log{Store: db}
	store, ok := any(db).(cosign.Store)
	if !ok {
		t.Fatal("the SQLite store keeps no co-signatures")
	}
	lists, err := sources.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ix := screening.BuildIndex(lists, time.Now())
	w := queue.NewWatcher(queue.Config{Source: client, Push: client, Watches: addrList{s.Address}, Store: db, Alerts: db, Log: log,
		Cosigner: &cosign.Service{Chain: chain.RPC, Simulator: chain.RPC, Signer: cosigner.Signer(), Store: store, Audit: log, Verifications: db,
			Policy: policy.Policy{Screener: policy.IndexScreener(func() *screening.Index { return ix })}}})
	st, err := w.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := (queue.PollStats{Safes: 1, Entries: 2, New: 2, Signed: 1, Refused: 1, Pushed: 1}); st != want {
		t.Fatalf("poll %+v, want %+v", st, want)
	}
	as, err := db.Alerts(context.Background(), watch.AlertFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	trojanHash, transferHash := s.OnChainTxHash(t, trojan), s.OnChainTxHash(t, transfer)
	if len(as) != 1 || as[0].Code != queue.CodeTxRefused || as[0].Severity != policy.SeverityCritical || as[0].SafeTxHash != trojanHash.Hex() ||
		!strings.Contains(as[0].Message, "2 of 3 confirmations collected") {
		t.Fatalf("alerts %+v, want the trojan's QUEUE_TX_REFUSED", as)
	}
	pushed := svc.Confirmations()
	if len(pushed) != 1 || pushed[0].SafeTxHash != transferHash.Hex() {
		t.Fatalf("confirmations pushed %+v, want one of the transfer %s", pushed, transferHash.Hex())
	}
	coSig := common.FromHex(pushed[0].Signature)
	if len(coSig) != 65 {
		t.Fatalf("pushed signature %s", pushed[0].Signature)
	}

	// The humans' signatures alone do not execute the trojan; with the
	// pushed co-signature they execute the transfer.
	if why := s.RevertReason(t, trojan, s.Signatures(t, trojan, nil)); why == "" {
		t.Error("the trojan executes with the humans' two signatures")
	}
	if why := s.RevertReason(t, transfer, s.Signatures(t, transfer, coSig)); why != "" {
		t.Errorf("the transfer with the pushed co-signature: %s", why)
	}

	// Nothing is decided again.
	if st, err := w.Poll(context.Background()); err != nil || st.New != 0 || len(svc.Confirmations()) != 1 {
		t.Errorf("second poll %+v, %v; %d confirmations", st, err, len(svc.Confirmations()))
	}
}

// TestQueueScreeningAnvil: a queued 1 ETH transfer to an address of the
// FBI's Bybit PSA (on the default lists' fbi-dprk), confirmed by both
// humans, is refused by the co-signer at the first poll and alerted
// QUEUE_TX_REFUSED (critical) naming ATTRIBUTED_ADDRESS; nothing is
// signed or pushed, and the humans' signatures cannot execute it.
func TestQueueScreeningAnvil(t *testing.T) {
	t.Parallel()
	lazarus := common.HexToAddress("0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D")
	lists, err := sources.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ix := screening.BuildIndex(lists, time.Now())
	screener := policy.IndexScreener(func() *screening.Index { return ix })
	if hits := screener.Lookup(nil, lazarus); len(hits) == 0 || hits[0].List != "fbi-dprk" {
		t.Fatalf("%s is not on the default lists' fbi-dprk: %+v", lazarus.Hex(), hits)
	}
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	cosigner := safetest.Cosigner()
	s := d.NewCosignedSafe(t, cosigner, 5)
	tx := s.TransferETHTx(t, lazarus, safetest.Ether(1))
	svc := servicetest.New()
	defer svc.Close()
	svc.SetQueue(s.Address, s.ServiceTx(t, tx, s.Humans...))
	client, err := safetxservice.New("--safe-queue", svc.URL, safetxservice.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db := sqlitetest.Open(t, sqlite.Options{})
	log := &audit.Log{Store: db}
	w := queue.NewWatcher(queue.Config{Source: client, Push: client, Watches: addrList{s.Address}, Store: db, Alerts: db, Log: log,
		Cosigner: &cosign.Service{Chain: chain.RPC, Simulator: chain.RPC, Signer: cosigner.Signer(), Store: any(db).(cosign.Store), Audit: log,
			Verifications: db, Policy: policy.Policy{Screener: screener}}})
	st, err := w.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := (queue.PollStats{Safes: 1, Entries: 1, New: 1, Refused: 1}); st != want {
		t.Fatalf("poll %+v, want %+v", st, want)
	}
	as, err := db.Alerts(context.Background(), watch.AlertFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 || as[0].Code != queue.CodeTxRefused || as[0].Severity != policy.SeverityCritical ||
		as[0].SafeTxHash != s.OnChainTxHash(t, tx).Hex() || !strings.Contains(as[0].Message, policy.CodeAttributedAddress) {
		t.Fatalf("alerts %+v, want QUEUE_TX_REFUSED naming ATTRIBUTED_ADDRESS", as)
	}
	if n := len(svc.Confirmations()); n != 0 {
		t.Errorf("%d confirmations pushed", n)
	}
	if why := s.RevertReason(t, tx, s.Signatures(t, tx, nil)); why == "" {
		t.Error("the transfer executes with the humans' two signatures")
	}
}

// stopDuringSimulation is the node's simulator, except that its first
// simulation stops the watch (cancels the poll) while it runs, as serve
// stopping under load does, and fails as the node client then fails.
type stopDuringSimulation struct {
	policy.Simulator
	stop    context.CancelFunc
	stopped bool
}

func (s *stopDuringSimulation) SimulateCall(ctx context.Context, call policy.SimCall) (*policy.SimTrace, error) {
	if !s.stopped {
		s.stopped = true
		s.stop()
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return s.Simulator.SimulateCall(ctx, call)
}

// TestQueueStopDuringSimulation: a watch stopped while a transaction is
// being simulated records no decision on it (a simulation that did not
// run is no verdict: it was once recorded as held, SIMULATION_UNAVAILABLE,
// and never checked again), and the next poll decides it: a plain
// transfer, verified ok, raises nothing.
func TestQueueStopDuringSimulation(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(3)
	s := d.NewSafe(t, 3, owners...)
	s.FundETH(t, safetest.Ether(2))
	transfer := s.TransferETHTx(t, common.HexToAddress("0x00000000000000000000000000000000000b0b02"), safetest.Ether(1))
	svc := servicetest.New()
	defer svc.Close()
	svc.SetQueue(s.Address, s.ServiceTx(t, transfer))
	client, err := safetxservice.New("--safe-queue", svc.URL, safetxservice.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db := sqlitetest.Open(t, sqlite.Options{})
	log := &audit.Log{Store: db}
	pollCtx, stop := context.WithCancel(context.Background())
	sim := &stopDuringSimulation{Simulator: chain.RPC, stop: stop}
	w := queue.NewWatcher(queue.Config{Source: client, Watches: addrList{s.Address}, Store: db, Alerts: db, Log: log,
		Cosigner: &queue.VerifyOnly{Node: chain.RPC, Simulator: sim, Log: log, Store: db}})
	if _, err := w.Poll(pollCtx); err != nil {
		t.Fatal(err)
	}
	if !sim.stopped {
		t.Fatal("the poll did not simulate")
	}
	as, err := db.Alerts(context.Background(), watch.AlertFilter{Limit: 10})
	if err != nil || len(as) != 0 {
		t.Fatalf("alerts after a stop during the simulation: %+v, %v", as, err)
	}
	st, err := w.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := (queue.PollStats{Safes: 1, Entries: 1, New: 1, Verified: 1}); st != want {
		t.Fatalf("the poll after the stop: %+v, want %+v", st, want)
	}
	if as, err := db.Alerts(context.Background(), watch.AlertFilter{Limit: 10}); err != nil || len(as) != 0 {
		t.Errorf("alerts: %+v, %v", as, err)
	}
}
