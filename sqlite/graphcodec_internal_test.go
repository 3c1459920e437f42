package sqlite

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/cputime"
	"github.com/bulwark-sec/bulwark/tracing"
)

// fullGraph returns a graph with every field of every part set, and the
// nil and empty forms of lists and maps side by side.
func fullGraph() *tracing.Graph {
	u := func(v uint32) *uint32 { return &v }
	a := func(b byte) common.Address { return common.Address{19: b} }
	h := func(b byte) common.Hash { return common.Hash{31: b} }
	return &tracing.Graph{
		Chain: 1, Seeds: []string{a(1).Hex(), h(9).Hex()}, Policy: tracing.LIFO, Direction: tracing.Backward,
		Bounds: tracing.Bounds{MaxHops: 7, MinValue: "5", FromBlock: 10, ToBlock: 20, FromTime: -1, ToTime: 99, ThroughHubs: true, HubDegree: 1000},
		Nodes: []tracing.Node{
			{Address: a(1), Hop: 0, Taint: map[string]string{"native:1": "7", "erc20:1:0xdead": "3"}, Received: map[string]string{}, Labels: []tracing.Label{}},
			{Address: a(2), Hop: 1, Labels: []tracing.Label{{Source: "user", Name: "Binance <deposit>", Category: "exchange", Abuse: "x", Hub: true}, {Source: "ofac-sdn", Name: "Lazarus"}}, Stop: "hub"},
			{Address: a(3), Hop: 2, Taint: map[string]string{}, Received: map[string]string{"native:1": "1"}},
		},
		Edges: []tracing.Edge{
			{Chain: 1, TxHash: h(1), Block: 11, Time: 1_700_000_000, Kind: tracing.TokenTransfer, LogIndex: u(0), ItemIndex: u(4), TraceAddress: []uint32{},
				From: a(1), To: a(2), Asset: "native:1", Amount: "10", Taint: "3", Policy: tracing.LIFO, Hop: 1},
			{Chain: 1, TxHash: h(2), Block: 12, Time: 1_700_000_001, Kind: tracing.InternalCall, TraceAddress: []uint32{0, 4294967295},
				From: a(2), To: a(3), Asset: "native:1", Amount: "1", Taint: "1", Policy: tracing.LIFO, Hop: 2},
		},
		Exits: []tracing.Exit{{TxHash: h(3), Block: 13, Time: 5, From: a(3), Via: a(4), Service: "THORChain", Asset: "native:1", Amount: "1", Taint: "1",
			Memo: "SWAP:BTC.BTC:bc1q", DestChain: "BTC", DestAddress: "bc1q"}},
		Alerts: []tracing.Alert{
			{Deposit: a(2), Label: "Binance", TxHash: h(1), Block: 11, Time: 6, Asset: "native:1", Amount: "10", Taint: "3", Threshold: "1", Policy: tracing.LIFO,
				Chain: 1, BlockHash: h(7), From: a(1), Kind: tracing.TokenTransfer, LogIndex: u(2), ItemIndex: u(0), TraceAddress: []uint32{1}},
			{Deposit: a(3), TxHash: h(2), Asset: "native:1", Amount: "1", Taint: "1", Threshold: "1", Policy: tracing.LIFO},
		},
	}
}

// TestPackedGraphFields fails when a field is added to a part of the graph,
// until packGraph and unpackGraph carry it and the count here is updated.
func TestPackedGraphFields(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		v    any
		want int
	}{{tracing.Graph{}, 9}, {tracing.Bounds{}, 8}, {tracing.Node{}, 6}, {tracing.Label{}, 5}, {tracing.Edge{}, 15}, {tracing.Exit{}, 12}, {tracing.Alert{}, 17}} {
		if n := reflect.TypeOf(c.v).NumField(); n != c.want {
			t.Errorf("%T has %d fields, the packed form %d: carry the new ones in sqlite/graphcodec.go", c.v, n, c.want)
		}
	}
}

func TestPackedGraphRoundTrip(t *testing.T) {
	t.Parallel()
	for name, g := range map[string]*tracing.Graph{"full": fullGraph(), "empty": {}, "emptyLists": {Seeds: []string{}, Nodes: []tracing.Node{}, Edges: []tracing.Edge{}}} {
		b := packGraph(g)
		got, err := unpackGraph(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, g) {
			t.Errorf("%s: round trip\n got %+v\nwant %+v", name, got, g)
		}
		if b2 := packGraph(got); string(b2) != string(b) {
			t.Errorf("%s: packing is not stable", name)
		}
		for i := range b { // every truncation is refused, never a panic
			if _, err := unpackGraph(b[:i]); err == nil {
				t.Fatalf("%s: %d of %d bytes accepted", name, i, len(b))
			}
		}
		if _, err := unpackGraph(append(b, 0)); err == nil {
			t.Errorf("%s: trailing byte accepted", name)
		}
	}
	bad := packGraph(&tracing.Graph{Policy: 200})
	if _, err := unpackGraph(bad); err == nil {
		t.Error("unknown policy accepted")
	}
}

// TestCaseReadsJSONResults: results stored as JSON before they were packed
// read as they were stored; a malformed packed graph is EINTEGRITY.
func TestCaseReadsJSONResults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := tracing.NewCase(tracing.CaseSpec{Seeds: []string{common.Address{19: 1}.Hex()}})
	if err != nil {
		t.Fatal(err)
	}
	c.CreatedBy = "cli:test"
	if c, err = db.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	g := fullGraph()
	if _, err := db.SetCaseResults(ctx, c.ID, &tracing.CaseResults{Block: 13, Graph: g, Summary: tracing.Summarize(g)}, "cli:test"); err != nil {
		t.Fatal(err)
	}
	got, err := db.Case(ctx, c.ID)
	if err != nil || !reflect.DeepEqual(got.Results.Graph, g) {
		t.Fatalf("packed: %v, %+v", err, got)
	}
	legacy, _ := json.Marshal(g)
	if _, err := db.w.ExecContext(ctx, `UPDATE trace_case_results SET graph = ?, packed = NULL`, string(legacy)); err != nil {
		t.Fatal(err)
	}
	var want tracing.Graph
	if err := json.Unmarshal(legacy, &want); err != nil {
		t.Fatal(err)
	}
	if got, err = db.Case(ctx, c.ID); err != nil || !reflect.DeepEqual(got.Results.Graph, &want) {
		t.Fatalf("JSON: %v, %+v", err, got)
	}
	if _, err := db.w.ExecContext(ctx, `UPDATE trace_case_results SET packed = x'42574701ff'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Case(ctx, c.ID); !bulwark.IsCode(err, bulwark.EINTEGRITY) {
		t.Fatalf("malformed packed graph: %v", err)
	}
}

// FuzzPackedGraph: any bytes are refused or unpack to a graph that packs
// and unpacks to itself; never a panic.
func FuzzPackedGraph(f *testing.F) {
	f.Add(packGraph(fullGraph()))
	f.Add(packGraph(&tracing.Graph{}))
	f.Add([]byte(graphMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := unpackGraph(b)
		if err != nil {
			return
		}
		again, err := unpackGraph(packGraph(g))
		if err != nil || !reflect.DeepEqual(again, g) {
			t.Fatalf("repacked graph: %v", err)
		}
	})
}

// BenchmarkCaseRead reads a case whose results are a graph of 10,000
// addresses and 9,999 transfers (each address labelled, holding taint in
// one asset), its results stored packed or, as before migration 0039, as
// JSON. cpu-ms/op is the process's CPU per read.
func BenchmarkCaseRead(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "bulwark.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	seed := common.Address{19: 1}
	c, err := tracing.NewCase(tracing.CaseSpec{Seeds: []string{seed.Hex()}})
	if err != nil {
		b.Fatal(err)
	}
	c.CreatedBy = "bench"
	if c, err = db.CreateCase(ctx, c); err != nil {
		b.Fatal(err)
	}
	g := &tracing.Graph{Chain: 1, Seeds: []string{seed.Hex()}, Policy: tracing.Haircut, Direction: tracing.Forward}
	for i := range 10000 {
		a := common.Address{0: 0xaa, 16: byte(i >> 16), 17: byte(i >> 8), 18: byte(i), 19: 2}
		if i == 0 {
			a = seed
		}
		g.Nodes = append(g.Nodes, tracing.Node{Address: a, Hop: min(i, 1), Taint: map[string]string{"native:1": "123456789012345678"},
			Labels: []tracing.Label{{Source: "user", Name: "recipient", Category: "exchange"}}})
		if i > 0 {
			g.Edges = append(g.Edges, tracing.Edge{Chain: 1, TxHash: common.Hash{0: byte(i >> 8), 1: byte(i)}, Block: uint64(100 + i), Time: 1_740_000_000 + int64(i),
				Kind: tracing.TopLevelCall, TraceAddress: []uint32{}, From: seed, To: a, Asset: "native:1", Amount: "123456789012345678", Taint: "123456789012345678",
				Policy: tracing.Haircut, Hop: 1})
		}
	}
	if _, err := db.SetCaseResults(ctx, c.ID, &tracing.CaseResults{Block: 10100, Graph: g, Summary: tracing.Summarize(g)}, "bench"); err != nil {
		b.Fatal(err)
	}
	legacy, _ := json.Marshal(g)
	for _, form := range []string{"packed", "json"} {
		if form == "json" {
			if _, err := db.w.ExecContext(ctx, `UPDATE trace_case_results SET graph = ?, packed = NULL`, string(legacy)); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(form, func(b *testing.B) {
			b.ReportAllocs()
			cpu0, ok0 := cputime.Seconds()
			for b.Loop() {
				got, err := db.Case(ctx, c.ID)
				if err != nil || len(got.Results.Graph.Nodes) != 10000 {
					b.Fatal(err)
				}
			}
			if cpu1, ok1 := cputime.Seconds(); ok0 && ok1 {
				b.ReportMetric((cpu1-cpu0)*1000/float64(b.N), "cpu-ms/op")
			}
		})
	}
}
