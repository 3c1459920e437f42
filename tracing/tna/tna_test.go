package tna_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/etl"
	"github.com/bulwark-sec/bulwark/tracing/labels"
	"github.com/bulwark-sec/bulwark/tracing/tna"
	"github.com/ethereum/go-ethereum/common"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var root = common.HexToAddress("0x00000000000000000000000000000000000000a1")

// TestConvertGolden converts the small graph of testdata, from its CSV and
// from its GEXF, into the same transactions.csv.
func TestConvertGolden(t *testing.T) {
	t.Parallel()
	golden := filepath.Join("testdata", "transactions.golden.csv")
	for _, dir := range []string{"csv", "gexf"} {
		var out bytes.Buffer
		st, err := tna.Convert(os.DirFS(filepath.Join("testdata", dir)), &out, tna.Options{Roots: []common.Address{root}, Time: 1000})
		if err != nil {
			t.Fatal(err)
		}
		want := tna.Stats{Edges: 4, Nodes: 5, ZeroWeight: 1, Reached: 4, Blocks: 3}
		st.Source = ""
		if st != want {
			t.Errorf("%s: stats %+v, want %+v", dir, st, want)
		}
		if *update && dir == "csv" {
			if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		g, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), g) {
			t.Errorf("%s: output differs from %s (-update rewrites it):\n%s", dir, golden, out.String())
		}
	}
}

// TestConvertLoads loads the converted graph with etl.Load and traces it:
// the roots' edges come first, the unreached address's last.
func TestConvertLoads(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if _, err := tna.Convert(os.DirFS("testdata/csv"), &out, tna.Options{Roots: []common.Address{root}}); err != nil {
		t.Fatal(err)
	}
	ex, err := etl.Load(fstest.MapFS{etl.TransactionsFile: {Data: out.Bytes()}}, etl.Options{Chain: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Transfers) != 3 { // the zero-weight edge moves nothing
		t.Fatalf("%d transfers: %+v", len(ex.Transfers), ex.Transfers)
	}
	g, err := tracing.Trace(context.Background(), ex.Transfers, tracing.Request{Chain: 1, SeedAddresses: []common.Address{root}, Policy: tracing.Poison})
	if err != nil {
		t.Fatal(err)
	}
	hops := map[string]int{}
	for _, n := range g.Nodes {
		hops[strings.ToLower(n.Address.Hex())[40:]] = n.Hop
	}
	want := map[string]int{"a1": 0, "b1": 1, "c1": 2}
	if len(hops) != len(want) {
		t.Errorf("nodes %v, want %v", hops, want)
	}
	for a, h := range want {
		if got, ok := hops[a]; !ok || got != h {
			t.Errorf("0x…%s: hop %d (reached %v), want %d", a, got, ok, h)
		}
	}
}

func TestConvertBad(t *testing.T) {
	t.Parallel()
	const a, b = "0x00000000000000000000000000000000000000a1", "0x00000000000000000000000000000000000000b1"
	tests := []struct {
		name, file, data, want string
	}{
		{"empty", tna.EdgesCSV, "", "the file is empty"},
		{"no weight", tna.EdgesCSV, "source,target\n", "line 1: no weight column"},
		{"bad source", tna.EdgesCSV, "source,target,weight_raw\n" + a + "," + b + ",1\n0x12," + b + ",1\n", "line 3: source \"0x12\" is not an Ethereum address"},
		{"bad target", tna.EdgesCSV, "source,target,weight_raw\n" + a + ",x,1\n", "line 2: target \"x\""},
		{"bad weight", tna.EdgesCSV, "source,target,weight_raw\n" + a + "," + b + ",1.5\n", "line 2: weight \"1.5\" is not a whole number"},
		{"negative weight", tna.EdgesCSV, "source,target,weight_raw\n" + a + "," + b + ",-1\n", "weight \"-1\""},
		{"huge exponent", tna.EdgesCSV, "source,target,weight_raw\n" + a + "," + b + ",1e100000000\n", "weight \"1e100000000\""},
		{"past 2^256", tna.EdgesCSV, "source,target,weight_raw\n" + a + "," + b + ",1e79\n", "weight \"1e79\""},
		{"short row", tna.EdgesCSV, "source,target,weight_raw\n" + a + "," + b + "\n", "line 2: malformed CSV"},
		{"bad xml", tna.GraphGEXF, "<gexf><edges><edge source=\"" + a + "\"", "malformed XML"},
		{"no edges", tna.GraphGEXF, "<gexf></gexf>", "no <edge> element"},
		{"bad gexf edge", tna.GraphGEXF, "<gexf>\n<edges>\n<edge source=\"" + a + "\" target=\"n2\"/></edges></gexf>", "line 3 (edge 1): target \"n2\""},
		{"nothing", "other.txt", "x", "neither transaction_network_edges.csv nor transaction_network.gexf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tna.Convert(fstest.MapFS{tt.file: {Data: []byte(tt.data)}}, &bytes.Buffer{}, tna.Options{})
			if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want invalid with %q", err, tt.want)
			}
			if tt.file != "other.txt" && !strings.Contains(err.Error(), tt.file) {
				t.Errorf("error %q does not name %s", err, tt.file)
			}
		})
	}
}

func TestConvertDir(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	st, err := tna.ConvertDir("testdata/gexf", out, tna.Options{})
	if err != nil || st.Source != tna.GraphGEXF || st.Edges != 4 {
		t.Fatalf("%+v %v", st, err)
	}
	if _, err := os.Stat(filepath.Join(out, etl.TransactionsFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := tna.ConvertDir("testdata/gexf", "testdata/gexf/", tna.Options{}); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("writing into the dataset: %v", err)
	}
	for _, c := range []struct{ name, src, want string }{
		{"missing folder", "testdata/nowhere", "cannot read the dataset's folder testdata/nowhere: no such file or directory"},
		{"a file", "testdata/gexf/" + tna.GraphGEXF, "testdata/gexf/" + tna.GraphGEXF + " is not a folder"},
		{"no dataset", t.TempDir(), "neither transaction_network_edges.csv nor transaction_network.gexf is in the folder"},
	} {
		_, err := tna.ConvertDir(c.src, t.TempDir(), tna.Options{})
		if msg := bulwark.ErrorMessage(err); !bulwark.IsCode(err, bulwark.EINVALID) || !strings.HasPrefix(msg, c.want) {
			t.Errorf("%s: %q, want it to start with %q", c.name, msg, c.want)
		}
	}
}

// bybit converts the real graph of the shared data folder and loads it.
func bybit(tb testing.TB) []tracing.Transfer {
	tb.Helper()
	dir := shareddata.Path(tb, "trace", "bybit-incident-tna")
	var out bytes.Buffer
	st, err := tna.Convert(os.DirFS(dir), &out, tna.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if st.Edges != 14416 || st.Nodes != 11340 {
		tb.Fatalf("stats %+v: the published graph has 14,416 edges over 11,340 nodes", st)
	}
	ex, err := etl.Load(fstest.MapFS{etl.TransactionsFile: {Data: out.Bytes()}}, etl.Options{Chain: 1})
	if err != nil {
		tb.Fatal(err)
	}
	return ex.Transfers
}

// fbiAddresses reads the 51 Ethereum addresses of the FBI's PSA
// I-022625-PSA on the Bybit theft.
func fbiAddresses(tb testing.TB) []common.Address {
	tb.Helper()
	b, err := os.ReadFile(shareddata.Path(tb, "trace", "lazarus-addresses", "raw", "bybit_fbi_psa_I-022625-PSA_51.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	var out []common.Address
	for _, l := range strings.Fields(string(b)) {
		if !common.IsHexAddress(l) {
			tb.Fatalf("%q in the FBI list is not an address", l)
		}
		out = append(out, common.HexToAddress(l))
	}
	if len(out) != 51 {
		tb.Fatalf("%d FBI addresses, want 51", len(out))
	}
	return out
}

// TestBybitFBIWithinTwoHops traces the real Bybit laundering graph forward
// from the exploiter, two hops at most: every address of the FBI's list
// is reached.
func TestBybitFBIWithinTwoHops(t *testing.T) {
	t.Parallel()
	transfers := bybit(t)
	fbi := fbiAddresses(t)
	g, err := tracing.Trace(context.Background(), transfers, tracing.Request{Chain: 1, SeedAddresses: []common.Address{tna.Exploiter},
		Policy: tracing.Poison, Bounds: tracing.Bounds{MaxHops: 2}})
	if err != nil {
		t.Fatal(err)
	}
	hop := map[common.Address]int{}
	for _, n := range g.Nodes {
		hop[n.Address] = n.Hop
	}
	byHop := map[int]int{}
	for _, a := range fbi {
		h, ok := hop[a]
		if !ok || h > 2 {
			t.Errorf("FBI-listed %s not reached within 2 hops (reached %v, hop %d)", a.Hex(), ok, h)
			continue
		}
		byHop[h]++
	}
	t.Logf("%d nodes, %d edges; FBI addresses by hop: %v", len(g.Nodes), len(g.Edges), byHop)
}

// TestBybitLabelled traces the Bybit graph two hops with labels from a
// screening list of the FBI's addresses and the published TagPacks: every
// FBI address on the path shows as such; traced backward, the Bybit
// wallet the TagPacks label as an exchange stops the trace as a hub.
func TestBybitLabelled(t *testing.T) {
	t.Parallel()
	transfers := bybit(t)
	fbi := fbiAddresses(t)
	packs, _, err := labels.ReadTagPacks(os.DirFS(shareddata.Path(t, "trace", "graphsense-tagpacks")), ".")
	if err != nil {
		t.Fatal(err)
	}
	list := &screening.List{Info: screening.ListInfo{ID: "fbi-dprk", SHA256: "test"}}
	e := screening.Entity{ID: "fbi-dprk:I-022625-PSA", List: "fbi-dprk", SourceID: "I-022625-PSA", Category: screening.CategoryAttribution,
		Confidence: screening.ConfidenceHigh, Name: "TraderTraitor (Lazarus Group)", Programs: []string{"DPRK"}}
	for _, a := range fbi {
		e.Addresses = append(e.Addresses, screening.ListedAddress{Currency: "ETH", Address: a.Hex()})
	}
	list.Entities = []screening.Entity{e}
	ix := screening.BuildIndex([]*screening.List{list}, time.Unix(0, 0))
	labeler := labels.Combine(labels.NewScreening(func() *screening.Index { return ix }), packs)
	g, err := tracing.Trace(context.Background(), transfers, tracing.Request{Chain: 1, SeedAddresses: []common.Address{tna.Exploiter},
		Policy: tracing.Poison, Bounds: tracing.Bounds{MaxHops: 2}, Labeler: labeler})
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[common.Address]tracing.Node{}
	for _, n := range g.Nodes {
		nodes[n.Address] = n
	}
	hubs := 0
	for _, a := range fbi {
		n, ok := nodes[a]
		if !ok || n.Hop > 2 {
			t.Errorf("FBI-listed %s not reached within 2 hops with hubs as stops", a.Hex())
			continue
		}
		if len(n.Labels) == 0 || n.Labels[0].Source != "fbi-dprk" || n.Labels[0].Category != "attribution" {
			t.Errorf("FBI-listed %s: labels %+v", a.Hex(), n.Labels)
		}
	}
	// Backward: the stolen funds came from the Bybit wallet a TagPack
	// labels as an exchange, a hub the trace stops at.
	g, err = tracing.Trace(context.Background(), transfers, tracing.Request{Chain: 1, SeedAddresses: []common.Address{tna.Exploiter},
		Policy: tracing.Poison, Direction: tracing.Backward, Bounds: tracing.Bounds{MaxHops: 3}, Labeler: labeler})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range g.Nodes {
		if labels.IsHub(n.Labels) {
			hubs++
			if n.Stop != tracing.StopHub {
				t.Errorf("hub %s (%+v) does not stop the trace: stop %q", n.Address.Hex(), n.Labels, n.Stop)
			}
		}
	}
	if hubs == 0 {
		t.Error("no labelled hub backward from the exploiter: the TagPacks label the Bybit wallet it stole from")
	}
	t.Logf("backward: %d nodes, %d of them labelled hubs", len(g.Nodes), hubs)
}
