package sqlite_test

import (
	"context"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/thorchain"
)

// TestCaseServiceRun runs a case through tracing.CaseService on SQLite:
// the run reads the transfers ingested for the case's chain and source up
// to its last block, hands the tracer the case's request, and stores the
// results with a history event and an audit entry; the audit log then
// verifies with its references.
func TestCaseServiceRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openStore(t)
	seed := common.HexToAddress("0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2")
	hop := common.HexToAddress("0x00000000000000000000000000000000000000c1")
	const chain = 31337
	var blocks []tracing.BlockHeader
	var transfers []tracing.Transfer
	for n := uint64(1); n <= 5; n++ {
		h := tracing.BlockHeader{Number: n, Hash: common.Hash{0xbb, byte(n)}, Parent: common.Hash{0xbb, byte(n - 1)}, Time: int64(1_700_000_000 + n*12)}
		blocks = append(blocks, h)
		tr := tracing.Transfer{Chain: chain, Block: n, TxHash: common.Hash{0x7a, byte(n)}, Time: h.Time, Kind: tracing.TopLevelCall,
			TraceAddress: []uint32{}, From: seed, To: hop, Asset: tracing.NativeAsset(chain)}
		tr.Amount.SetUint64(n * 100)
		transfers = append(transfers, tr)
	}
	if err := db.PutBlocks(ctx, chain, "node", blocks, transfers); err != nil {
		t.Fatal(err)
	}

	var gotReq tracing.Request
	var gotN int
	svc := &tracing.CaseService{Store: db, Audit: &audit.Log{Store: db}, Ingest: db,
		Trace: func(_ context.Context, trs []tracing.Transfer, req tracing.Request) (*tracing.Graph, error) {
			gotReq, gotN = req, len(trs)
			g := &tracing.Graph{Chain: req.Chain, Policy: req.Policy, Direction: req.Direction, Bounds: req.Bounds,
				Nodes: []tracing.Node{{Address: seed}, {Address: hop, Hop: 1}}}
			for _, tr := range trs {
				g.Edges = append(g.Edges, tracing.Edge{Chain: chain, Kind: tr.Kind, TxHash: tr.TxHash, Block: tr.Block, From: tr.From, To: tr.To, Asset: tr.Asset.String(), Amount: tr.Amount.Dec(), Taint: tr.Amount.Dec(), Policy: req.Policy, Hop: 1})
			}
			return g, nil
		}}

	if _, _, err := svc.Open(ctx, "cli:alice", tracing.CaseSpec{Chain: chain, Seeds: []string{"0x1234"}}); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Fatalf("Open(bad seed) = %v, want EINVALID", err)
	}
	c, _, err := svc.Open(ctx, "cli:alice", tracing.CaseSpec{Chain: chain, Seeds: []string{seed.Hex()}, Policy: "lifo", Bounds: tracing.Bounds{FromBlock: 2, ToBlock: 4}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Label(ctx, "cli:bob", c.ID, tracing.CaseLabel{Address: hop, Name: "peel hop", Hub: true}); err != nil {
		t.Fatal(err)
	}
	ran, _, err := svc.Run(ctx, "cli:bob", c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gotN != 3 || gotReq.Policy != tracing.LIFO || len(gotReq.SeedAddresses) != 1 || gotReq.Labeler == nil || len(gotReq.Labeler.Labels(hop)) != 1 {
		t.Errorf("tracer got %d transfers and %+v, want blocks 2 to 4 and the case's request", gotN, gotReq)
	}
	if ran.Results == nil || ran.Results.Block != 4 || ran.Results.Transfers != 3 || ran.Results.Summary.Edges != 3 || ran.Stale() {
		t.Errorf("run = %+v", ran.Results)
	}

	// Without an upper bound, the run goes to the last block ingested.
	b := tracing.Bounds{FromBlock: 2}
	if _, _, err := svc.Update(ctx, "cli:bob", c.ID, tracing.CaseUpdate{Bounds: &b}); err != nil {
		t.Fatal(err)
	}
	if got, _ := svc.Get(ctx, c.ID); got == nil || !got.Stale() {
		t.Errorf("a case changed after its run is not stale: %+v", got)
	}
	if ran, _, err = svc.Run(ctx, "cli:bob", c.ID); err != nil || ran.Results.Block != 5 || gotN != 4 {
		t.Errorf("run to the cursor = %+v, %v (%d transfers)", ran, err, gotN)
	}

	other, _, err := svc.Open(ctx, "cli:alice", tracing.CaseSpec{Chain: 5, Seeds: []string{seed.Hex()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Run(ctx, "cli:alice", other.ID); bulwark.ErrorCode(err) != bulwark.ENOTFOUND || !strings.Contains(err.Error(), "nothing is ingested for chain 5") {
		t.Errorf("Run(nothing ingested) = %v", err)
	}
	if _, _, err := svc.Close(ctx, "cli:alice", c.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Run(ctx, "cli:alice", c.ID); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
		t.Errorf("Run(closed) = %v, want ECONFLICT", err)
	}
	if _, err := svc.List(ctx, tracing.CaseFilter{Limit: 10, Status: "archived"}); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("List(bad status) = %v, want EINVALID", err)
	}

	got, err := svc.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range got.History {
		actions = append(actions, ev.Actor+" "+ev.Action)
		e, err := db.AuditEntries(ctx, ev.AuditSeq-1, 1)
		if err != nil || len(e) != 1 || e[0].Action != "trace.case."+ev.Action || e[0].Actor != ev.Actor || e[0].Target != tracing.CaseTarget(c.ID) {
			t.Errorf("event %+v: audit entry %+v, %v", ev, e, err)
		}
	}
	want := "cli:alice open,cli:bob label,cli:bob run,cli:bob update,cli:bob run,cli:alice close"
	if strings.Join(actions, ",") != want {
		t.Errorf("history = %q, want %q", strings.Join(actions, ","), want)
	}
	rep, err := audit.Verify(ctx, db, nil)
	if err != nil || !rep.Intact() {
		t.Errorf("audit verify = %+v, %v", rep, err)
	}
}

// TestCaseRunExits: a case run detects cross-chain exits through its
// service's ExitFinder, as a one-shot trace does: the value the mule paid
// into THORChain's router is an exit with the memo's destination (read
// through the finder for the transaction), is not followed to the vault,
// and the stored results' graph and summary carry it; its destination
// is handed to the service's WatchExits for the case's screening list.
func TestCaseRunExits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openStore(t)
	const (
		chain = 1
		dest  = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
	)
	seed := common.HexToAddress("0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2")
	mule := common.HexToAddress("0x00000000000000000000000000000000000000a2")
	router := common.HexToAddress("0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146")
	vault := common.HexToAddress("0x00000000000000000000000000000000000000f1")
	deposit := common.Hash{0x7a, 2}
	var blocks []tracing.BlockHeader
	var transfers []tracing.Transfer
	add := func(n uint64, kind tracing.Kind, from, to common.Address, trace ...uint32) {
		tr := tracing.Transfer{Chain: chain, Block: n, TxHash: common.Hash{0x7a, byte(n)}, Time: int64(1_700_000_000 + n*12), Kind: kind,
			TraceAddress: append([]uint32{}, trace...), From: from, To: to, Asset: tracing.NativeAsset(chain)}
		tr.Amount.SetUint64(100)
		transfers = append(transfers, tr)
	}
	for n := uint64(1); n <= 2; n++ {
		blocks = append(blocks, tracing.BlockHeader{Number: n, Hash: common.Hash{0xbb, byte(n)}, Parent: common.Hash{0xbb, byte(n - 1)}, Time: int64(1_700_000_000 + n*12)})
	}
	add(1, tracing.TopLevelCall, seed, mule)
	add(2, tracing.TopLevelCall, mule, router)
	add(2, tracing.InternalCall, router, vault, 0)
	if err := db.PutBlocks(ctx, chain, "node", blocks, transfers); err != nil {
		t.Fatal(err)
	}
	input, err := abi.JSON(strings.NewReader(`[{"type":"function","name":"deposit","inputs":[{"name":"vault","type":"address"},{"name":"asset","type":"address"},{"name":"amount","type":"uint256"},{"name":"memo","type":"string"}]}]`))
	if err != nil {
		t.Fatal(err)
	}
	call, err := input.Pack("deposit", vault, common.Address{}, big.NewInt(100), "=:b:"+dest)
	if err != nil {
		t.Fatal(err)
	}
	var watched []string
	svc := &tracing.CaseService{Store: db, Audit: &audit.Log{Store: db}, Ingest: db,
		Exits: &thorchain.Finder{Constants: thorchain.DefaultConstants(), Inputs: thorchain.Inputs{deposit: call}},
		WatchExits: func(_ context.Context, actor string, id int64, exits []tracing.Exit) error {
			for _, x := range exits {
				watched = append(watched, actor+" "+tracing.CaseExitList(id)+" "+x.DestAddress)
			}
			return nil
		}}
	c, _, err := svc.Open(ctx, "cli:alice", tracing.CaseSpec{Chain: chain, Seeds: []string{seed.Hex()}})
	if err != nil {
		t.Fatal(err)
	}
	ran, _, err := svc.Run(ctx, "cli:alice", c.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.Get(ctx, ran.ID)
	if err != nil {
		t.Fatal(err)
	}
	g := got.Results.Graph
	if got.Results.Summary.Exits != 1 || len(g.Exits) != 1 {
		t.Fatalf("results: summary %+v, exits %+v; want the deposit into the router", got.Results.Summary, g.Exits)
	}
	if x := g.Exits[0]; x.Via != router || x.TxHash != deposit || x.DestChain != "BTC" || x.DestAddress != dest || x.Taint != "100" {
		t.Errorf("exit %+v", x)
	}
	if want := "cli:alice case-" + strconv.FormatInt(c.ID, 10) + "-exits " + dest; len(watched) != 1 || watched[0] != want {
		t.Errorf("watch list: %q, want [%q]", watched, want)
	}
	for _, n := range g.Nodes {
		if n.Address == vault {
			t.Errorf("the run followed the value past the router to the vault: %+v", n)
		}
		if n.Address == router && n.Stop != tracing.StopExit {
			t.Errorf("router node %+v: want stop exit", n)
		}
	}
}
