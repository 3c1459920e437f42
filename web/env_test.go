package web

import (
	"context"

	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/queue"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/tracing"
)

// Test data: a sanctioned address, the Safe of the Bybit theft and its
// transaction of 21 February 2025 as the Safe Transaction Service served it.
const (
	listedETH  = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"
	xssETH     = "0x1111111111111111111111111111111111111111"
	bybitSafe  = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
	bybitTxStr = `{"safe":"0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4","to":"0x96221423681A6d52E184D440a8eFCEbB105C7242","value":"0",` +
		`"data":"0xa9059cbb000000000000000000000000bdd077f651ebe7f7b3ce16fe5f2b025be29695160000000000000000000000000000000000000000000000000000000000000000",` +
		`"operation":1,"gasToken":"0x0000000000000000000000000000000000000000","safeTxGas":45746,"baseGas":0,"gasPrice":"0",` +
		`"refundReceiver":"0x0000000000000000000000000000000000000000","nonce":71,` +
		`"safeTxHash":"0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8"}`
	bybitSafeTxHash = "0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8"
)

// testLists are the screening lists of the test store: a sanctioned
// group, and an entity whose name is an injection attempt (imported from
// a list file, it must show as text).
func testLists() []*screening.List {
	pub := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return []*screening.List{
		{Info: screening.ListInfo{ID: "ofac-sdn", SHA256: strings.Repeat("a", 64), Published: pub}, Entities: []screening.Entity{
			{ID: "ofac-sdn:27307", List: "ofac-sdn", Type: screening.TypeOrganization, Category: screening.CategorySanctions, Confidence: screening.ConfidenceHigh,
				Name: "LAZARUS GROUP", Programs: []string{"DPRK3"}, Addresses: []screening.ListedAddress{{Currency: "ETH", Address: listedETH}}},
			{ID: "ofac-sdn:666", List: "ofac-sdn", Type: screening.TypeOrganization, Category: screening.CategorySanctions, Confidence: screening.ConfidenceHigh,
				Name: xssPayload, Programs: []string{"DPRK3"}, Addresses: []screening.ListedAddress{{Currency: "ETH", Address: xssETH}}},
		}},
	}
}

// env is a console over a real store with every service the pages show.
type env struct {
	c       *Console
	db      *sqlite.DB
	log     *audit.Log
	svc     Services
	caseID  int64
	emptyID int64
	close   func()
}

// newEnv opens a store in a temporary directory and fills it (see
// buildEnv); the store is closed when t ends.
func newEnv(t testing.TB, nodes int) *env {
	t.Helper()
	e, err := buildEnv(t.TempDir(), nodes)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.close)
	return e
}

// buildEnv opens a store in dir and fills it: lists, a watched Safe with
// a held transaction, a traced case of nodes addresses (one labelled with
// the injection name) and a case not run. close closes it.
func buildEnv(dir string, nodes int) (e *env, err error) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "bulwark.db"), sqlite.Options{})
	if err != nil {
		return nil, err
	}
	e = &env{db: db, log: &audit.Log{Store: db}}
	closers := []func(){func() { _ = db.Close() }}
	e.close = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	sc, err := screening.OpenService(ctx, screening.ServiceConfig{Store: db, Audit: e.log,
		Defaults: func() ([]*screening.List, error) { return testLists(), nil }})
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() { _ = sc.Close(ctx) })
	cases := &tracing.CaseService{Store: db, Audit: e.log, Ingest: db, Deposits: db}
	e.svc = Services{Audit: e.log, SafeVerify: func(_ context.Context, req policy.VerifyRequest) (*policy.Verification, error) {
		return policy.Verify(req)
	},
		SafeVerifications: db, SafeWatches: db, SafeAlerts: db, Screening: sc, ScreenStore: db, TraceCases: cases}
	if _, err := db.AddWatch(ctx, common.HexToAddress(bybitSafe), "user:1"); err != nil {
		return nil, err
	}
	if _, err := db.SaveAlert(ctx, watch.Alert{Safe: bybitSafe, Code: queue.CodeTxHeld, Severity: policy.SeverityHigh,
		Message: "held for review: " + xssPayload, SafeTxHash: bybitSafeTxHash}); err != nil {
		return nil, err
	}
	c, _, err := cases.Open(ctx, "user:1", tracing.CaseSpec{Title: "Bybit " + xssPayload, Seeds: []string{nodeAddr(0).Hex()}})
	if err != nil {
		return nil, err
	}
	g := testGraph(nodes)
	if _, err := db.SetCaseResults(ctx, c.ID, &tracing.CaseResults{Block: 100, Transfers: len(g.Edges), Summary: tracing.Summarize(g), Graph: g}, "user:1"); err != nil {
		return nil, err
	}
	e.caseID = c.ID
	empty, _, err := cases.Open(ctx, "user:1", tracing.CaseSpec{Title: "not run", Seeds: []string{nodeAddr(0).Hex()}})
	if err != nil {
		return nil, err
	}
	e.emptyID = empty.ID
	if e.c, err = New(Config{Sessions: testPrincipals, Version: "test", Services: e.svc}); err != nil {
		return nil, err
	}
	return e, nil
}

func nodeAddr(i int) common.Address { return common.BigToAddress(big.NewInt(int64(i) + 0x1000)) }

// testGraph is a trace of n addresses: a tree from one seed, three
// children each, a transfer per child; node 1 carries the injection name
// as a label, the last node is a deposit address that alerted, and node 2
// exits to Bitcoin.
func testGraph(n int) *tracing.Graph {
	g := &tracing.Graph{Chain: 1, Seeds: []string{nodeAddr(0).Hex()}, Policy: tracing.Haircut, Direction: "forward"}
	hops := make([]int, n)
	for i := range n {
		node := tracing.Node{Address: nodeAddr(i), Taint: map[string]string{"ETH": "1000"}, Labels: []tracing.Label{}}
		if i > 0 {
			parent := (i - 1) / 3
			hops[i] = hops[parent] + 1
			g.Edges = append(g.Edges, tracing.Edge{Chain: 1, TxHash: common.BigToHash(big.NewInt(int64(i))), Block: uint64(1000 + i),
				Time: 1740000000 + int64(i)*12, Kind: tracing.TopLevelCall, From: nodeAddr(parent), To: nodeAddr(i), Asset: "ETH", Amount: "1000", Taint: "1000", Policy: tracing.Haircut})
		}
		node.Hop = hops[i]
		if i == 1 {
			node.Labels = []tracing.Label{{Source: "user", Name: xssPayload, Category: "exchange"}}
		}
		g.Nodes = append(g.Nodes, node)
	}
	if n > 2 {
		g.Exits = []tracing.Exit{{TxHash: common.BigToHash(big.NewInt(2)), Block: 1002, Time: 1740000024, From: nodeAddr(2), Via: nodeAddr(2),
			Service: "thorchain", Asset: "ETH", Amount: "1000", Taint: "1000", Memo: "=:BTC.BTC:" + xssPayload, DestChain: "BTC", DestAddress: "bc1qexample"}}
		g.Alerts = []tracing.Alert{{Deposit: nodeAddr(n - 1), Label: "exchange " + xssPayload, TxHash: common.BigToHash(big.NewInt(int64(n - 1))),
			Block: uint64(1000 + n - 1), Time: 1740000000 + int64(n-1)*12, Asset: "ETH", Amount: "1000", Taint: "1000", Threshold: "1", Policy: tracing.Haircut}}
	}
	return g
}

// must fails t on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
