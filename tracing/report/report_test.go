package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/report"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// Addresses of the hand-built heist.
var (
	exploiter = common.HexToAddress("0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2")
	hopA      = common.HexToAddress("0x00000000000000000000000000000000000000a1")
	hopB      = common.HexToAddress("0x00000000000000000000000000000000000000b2")
	decoy     = common.HexToAddress("0x00000000000000000000000000000000000000d3")
	deposit   = common.HexToAddress("0x00000000000000000000000000000000000000e4")
	exchange  = common.HexToAddress("0x00000000000000000000000000000000000000f5")
	bridge    = common.HexToAddress("0x0000000000000000000000000000000000000b0b")
	outsider  = common.HexToAddress("0x0000000000000000000000000000000000000c0c")
	usdt      = common.HexToAddress("0xdAC17F958D2ee523a2206206994597C13D831ec7")
)

func tx(n byte) common.Hash { return common.BytesToHash([]byte{0xaa, n}) }
func u32(n uint32) *uint32  { return &n }

// heist is a small trace: the exploiter sends 10 ETH to A, which sends
// 4 ETH to B and 6 ETH to a bridge (an exit); B sends 3 ETH to a
// registered deposit address (an alert) and USDT to an exchange; a decoy
// sends clean ETH to B. Labels carry characters every format must escape.
func heist() *tracing.Graph {
	native, token := "native:1", "erc20:1:"+strings.ToLower(usdt.Hex())
	return &tracing.Graph{
		Chain: 1, Seeds: []string{strings.ToLower(exploiter.Hex())}, Policy: tracing.Haircut, Direction: tracing.Forward,
		Bounds: tracing.Bounds{MaxHops: 3, MinValue: "1000"},
		Nodes: []tracing.Node{
			{Address: exploiter, Hop: 0, Taint: map[string]string{}, Labels: []tracing.Label{{Source: "user", Name: "Bybit exploiter", Category: "hacker"}}},
			{Address: hopA, Hop: 1, Taint: map[string]string{}, Received: map[string]string{native: "10000000000000000000"}},
			{Address: bridge, Hop: 2, Stop: "exit", Labels: []tracing.Label{{Source: "tagpack:bridges.yaml", Name: `Bridge "Ω" <v2> & co`, Category: "bridge", Hub: true}}},
			{Address: hopB, Hop: 2, Taint: map[string]string{native: "500000000000000000"}, Received: map[string]string{native: "4000000000000000000"}},
			{Address: deposit, Hop: 3, Taint: map[string]string{native: "2500000000000000000"}, Labels: []tracing.Label{{Source: "user", Name: "hot | wallet \\ 7\nnext line", Category: "exchange"}}},
			{Address: exchange, Hop: 3, Stop: "hub", Taint: map[string]string{token: "1000000"}, Labels: []tracing.Label{{Source: "tagpack:exchanges.yaml", Name: "Binance", Category: "exchange", Hub: true}}},
		},
		Edges: []tracing.Edge{
			{Chain: 1, TxHash: tx(1), Block: 100, Time: 1740000000, Kind: tracing.TopLevelCall, TraceAddress: []uint32{}, From: exploiter, To: hopA,
				Asset: native, Amount: "10000000000000000000", Taint: "10000000000000000000", Policy: tracing.Haircut, Hop: 1},
			{Chain: 1, TxHash: tx(2), Block: 101, Time: 1740000012, Kind: tracing.TopLevelCall, TraceAddress: []uint32{}, From: decoy, To: hopB,
				Asset: native, Amount: "1000000000000000000", Taint: "0", Policy: tracing.Haircut, Hop: 2},
			{Chain: 1, TxHash: tx(3), Block: 102, Time: 1740000024, Kind: tracing.InternalCall, TraceAddress: []uint32{0, 2}, From: hopA, To: hopB,
				Asset: native, Amount: "4000000000000000000", Taint: "4000000000000000000", Policy: tracing.Haircut, Hop: 2},
			{Chain: 1, TxHash: tx(4), Block: 102, Time: 1740000024, Kind: tracing.TopLevelCall, TraceAddress: []uint32{}, From: hopA, To: bridge,
				Asset: native, Amount: "6000000000000000000", Taint: "6000000000000000000", Policy: tracing.Haircut, Hop: 2},
			{Chain: 1, TxHash: tx(5), Block: 103, Time: 1740000036, Kind: tracing.TopLevelCall, TraceAddress: []uint32{}, From: hopB, To: deposit,
				Asset: native, Amount: "3000000000000000000", Taint: "2500000000000000000", Policy: tracing.Haircut, Hop: 3},
			{Chain: 1, TxHash: tx(6), Block: 104, Time: 1740000048, Kind: tracing.TokenTransfer, LogIndex: u32(7), From: hopB, To: exchange,
				Asset: token, Amount: "1000000", Taint: "1000000", Policy: tracing.Haircut, Hop: 3},
			{Chain: 1, TxHash: tx(7), Block: 105, Time: 1740000060, Kind: tracing.TopLevelCall, TraceAddress: []uint32{}, From: deposit, To: outsider,
				Asset: native, Amount: "1", Taint: "0", Policy: tracing.Haircut, Hop: 4},
		},
		Exits: []tracing.Exit{{TxHash: tx(4), Block: 102, Time: 1740000024, From: hopA, Via: bridge, Service: "THORChain", Asset: native,
			Amount: "6000000000000000000", Taint: "6000000000000000000", Memo: "SWAP:BTC.BTC:bc1qexample", DestChain: "BTC", DestAddress: "bc1qexample"}},
		Alerts: []tracing.Alert{{Deposit: deposit, Label: "exchange-hot-7", TxHash: tx(5), Block: 103, Time: 1740000036, Asset: native,
			Amount: "3000000000000000000", Taint: "2500000000000000000", Threshold: "1", Policy: tracing.Haircut}},
	}
}

func inputs() report.Inputs {
	return report.Inputs{Source: report.Source{Kind: "etl", Location: "exports/heist", Files: []report.FileHash{report.HashFile("transactions.csv", []byte("x"))},
		Transfers: 7, TransfersSHA256: report.TransfersDigest(nil)}}
}

func bundle(t *testing.T, g *tracing.Graph) []report.File {
	t.Helper()
	files, _, err := report.Bundle(g, inputs(), "v0.0.0-test")
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestGolden: every file of the heist's bundle equals its golden file
// (go test ./tracing/report -run TestGolden -update rewrites them), and
// Write in each format gives the bundle's file.
func TestGolden(t *testing.T) {
	t.Parallel()
	files := bundle(t, heist())
	names := []string{}
	for _, f := range files {
		names = append(names, f.Name)
		path := filepath.Join("testdata", "golden", f.Name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to write it)", err)
		}
		if !bytes.Equal(f.Data, want) {
			t.Errorf("%s differs from %s (run with -update if the change is intended):\n%s", f.Name, path, f.Data)
		}
	}
	if got := strings.Join(names, " "); got != "graph.json edges.csv graph.gexf graph.dot summary.md summary.json manifest.json SHA256SUMS" {
		t.Errorf("bundle files %s", got)
	}
	byName := map[string][]byte{}
	for _, f := range files {
		byName[f.Name] = f.Data
	}
	for _, c := range []struct {
		f    report.Format
		file string
	}{{report.JSON, "graph.json"}, {report.CSV, "edges.csv"}, {report.GEXF, "graph.gexf"}, {report.DOT, "graph.dot"}} {
		var buf bytes.Buffer
		if err := report.Write(&buf, c.f, heist()); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), byName[c.file]) {
			t.Errorf("Write(%s) differs from the bundle's %s", c.f, c.file)
		}
	}
}

// TestDeterministic: the same graph gives the same bytes, run after run
// (maps are iterated in a new order each time), and the manifest's hashes
// and SHA256SUMS are those of the files.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	first := bundle(t, heist())
	for range 20 {
		again := bundle(t, heist())
		for i := range first {
			if !bytes.Equal(first[i].Data, again[i].Data) {
				t.Fatalf("%s differs between two runs", first[i].Name)
			}
		}
	}
	var m report.Manifest
	if err := json.Unmarshal(first[6].Data, &m); err != nil {
		t.Fatal(err)
	}
	if m.Format != report.ManifestFormat || m.Bulwark != "v0.0.0-test" || len(m.Files) != 6 || m.Inputs.Policy != tracing.Haircut ||
		m.Inputs.Bounds.MaxHops != 3 || m.Inputs.Seeds[0] != strings.ToLower(exploiter.Hex()) || m.Inputs.Source.Location != "exports/heist" {
		t.Fatalf("manifest %+v", m)
	}
	sums := string(first[7].Data)
	for i, fh := range m.Files {
		if want := report.HashFile(first[i].Name, first[i].Data); fh != want {
			t.Errorf("manifest has %+v, the file is %+v", fh, want)
		}
		if !strings.Contains(sums, fh.SHA256+"  "+fh.Name+"\n") {
			t.Errorf("SHA256SUMS lacks %s", fh.Name)
		}
	}
	if mh := report.HashFile(report.ManifestFile, first[6].Data); !strings.Contains(sums, mh.SHA256+"  manifest.json\n") {
		t.Errorf("SHA256SUMS lacks the manifest's hash")
	}
}

// TestJSONShape: the JSON has the command-line contract's shape, lists
// and maps present when empty.
func TestJSONShape(t *testing.T) {
	t.Parallel()
	for _, g := range []*tracing.Graph{heist(), {Chain: 1, Policy: tracing.Poison, Nodes: []tracing.Node{{Address: hopA}}}} {
		var buf bytes.Buffer
		if err := report.WriteJSON(&buf, g); err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"seeds", "policy", "nodes", "edges", "alerts", "exits"} {
			if doc[k] == nil {
				t.Errorf("no %q (or null) in %s", k, buf.Bytes())
			}
		}
		node := doc["nodes"].([]any)[0].(map[string]any)
		for _, k := range []string{"address", "hop", "taint", "labels"} {
			if node[k] == nil {
				t.Errorf("node lacks %q: %v", k, node)
			}
		}
		var back tracing.Graph
		if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Fatalf("the JSON does not read back as a graph: %v", err)
		}
		if len(back.Edges) != len(g.Edges) || len(back.Nodes) != len(g.Nodes) {
			t.Errorf("read back %d nodes, %d edges", len(back.Nodes), len(back.Edges))
		}
	}
}

// TestCSV: one row per edge, the columns of the header, the log index or
// trace address where the kind has one.
func TestCSV(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, heist()); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(heist().Edges) || strings.Join(rows[0], ",") != strings.Join(report.CSVHeader, ",") {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	internal, token := rows[3], rows[6]
	if internal[col["trace_address"]] != "0,2" || internal[col["log_index"]] != "" || internal[col["kind"]] != "internal-call" {
		t.Errorf("internal call row %v", internal)
	}
	if token[col["log_index"]] != "7" || token[col["trace_address"]] != "" || token[col["time_utc"]] != "2025-02-19T21:20:48Z" {
		t.Errorf("token row %v", token)
	}
	if rows[5][col["taint"]] != "2500000000000000000" || rows[5][col["policy"]] != "haircut" || rows[5][col["hop"]] != "3" {
		t.Errorf("deposit row %v", rows[5])
	}
}

// gexfFile is what TestGEXF reads back.
type gexfFile struct {
	XMLName xml.Name `xml:"gexf"`
	Version string   `xml:"version,attr"`
	Graph   struct {
		Attributes []struct {
			Class string `xml:"class,attr"`
			Attrs []struct {
				ID string `xml:"id,attr"`
			} `xml:"attribute"`
		} `xml:"attributes"`
		Nodes []struct {
			ID     string `xml:"id,attr"`
			Label  string `xml:"label,attr"`
			Values []struct {
				For   string `xml:"for,attr"`
				Value string `xml:"value,attr"`
			} `xml:"attvalues>attvalue"`
		} `xml:"nodes>node"`
		Edges []struct {
			ID     string `xml:"id,attr"`
			Source string `xml:"source,attr"`
			Target string `xml:"target,attr"`
			Values []struct {
				For   string `xml:"for,attr"`
				Value string `xml:"value,attr"`
			} `xml:"attvalues>attvalue"`
		} `xml:"edges>edge"`
	} `xml:"graph"`
}

func parseGEXF(t testing.TB, data []byte) *gexfFile {
	t.Helper()
	var f gexfFile
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	if err := d.Decode(&f); err != nil {
		t.Fatalf("the GEXF is not XML: %v\n%s", err, data)
	}
	if f.XMLName.Space != "http://gexf.net/1.3" || f.Version != "1.3" {
		t.Fatalf("namespace %q version %q", f.XMLName.Space, f.Version)
	}
	declared := map[string]map[string]bool{}
	for _, a := range f.Graph.Attributes {
		declared[a.Class] = map[string]bool{}
		for _, at := range a.Attrs {
			declared[a.Class][at.ID] = true
		}
	}
	ids := map[string]bool{}
	for _, n := range f.Graph.Nodes {
		if ids[n.ID] {
			t.Errorf("node %s twice", n.ID)
		}
		ids[n.ID] = true
		for _, v := range n.Values {
			if !declared["node"][v.For] {
				t.Errorf("node %s: value for undeclared attribute %q", n.ID, v.For)
			}
		}
	}
	edgeIDs := map[string]bool{}
	for _, e := range f.Graph.Edges {
		if !ids[e.Source] || !ids[e.Target] || edgeIDs[e.ID] {
			t.Errorf("edge %s: %s -> %s names a missing node, or its id repeats", e.ID, e.Source, e.Target)
		}
		edgeIDs[e.ID] = true
		for _, v := range e.Values {
			if !declared["edge"][v.For] {
				t.Errorf("edge %s: value for undeclared attribute %q", e.ID, v.For)
			}
		}
	}
	return &f
}

// TestGEXF: the GEXF parses as XML in GEXF 1.3's namespace, has a node
// per address (the edge end missing from the nodes added) and an edge per
// transfer with its attributes, and keeps labels as written.
func TestGEXF(t *testing.T) {
	t.Parallel()
	g := heist()
	var buf bytes.Buffer
	if err := report.WriteGEXF(&buf, g); err != nil {
		t.Fatal(err)
	}
	f := parseGEXF(t, buf.Bytes())
	if len(f.Graph.Nodes) != len(g.Nodes)+2 || len(f.Graph.Edges) != len(g.Edges) { // the decoy and the outsider added
		t.Fatalf("%d nodes, %d edges; want %d, %d", len(f.Graph.Nodes), len(f.Graph.Edges), len(g.Nodes)+2, len(g.Edges))
	}
	var bridgeLabel string
	for _, n := range f.Graph.Nodes {
		if n.ID == strings.ToLower(bridge.Hex()) {
			bridgeLabel = n.Label
		}
	}
	if !strings.Contains(bridgeLabel, `Bridge "Ω" <v2> & co`) {
		t.Errorf("bridge label %q", bridgeLabel)
	}
	e := f.Graph.Edges[5]
	got := map[string]string{}
	for _, v := range e.Values {
		got[v.For] = v.Value
	}
	if got["txHash"] != tx(6).Hex() || got["logIndex"] != "7" || got["amount"] != "1000000" || got["kind"] != "token" || got["hop"] != "3" {
		t.Errorf("token edge attributes %v", got)
	}
}

// checkDOT checks that a DOT file's quoted strings all end on their line
// and its braces and brackets balance outside them: what a label that
// escaped its quotes would break.
func checkDOT(t testing.TB, data []byte) {
	t.Helper()
	s := string(data)
	if !strings.HasPrefix(s, "digraph trace {\n") || !strings.HasSuffix(s, "}\n") {
		t.Fatalf("not a digraph:\n%s", s)
	}
	depth := map[rune]int{}
	for ln, line := range strings.Split(s, "\n") {
		in := false
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch {
			case in && c == '\\':
				i++
				if i == len(line) {
					t.Fatalf("line %d ends in a lone backslash: %s", ln+1, line)
				}
			case c == '"':
				in = !in
			case !in && strings.IndexByte("{}[]", c) >= 0:
				depth[map[byte]rune{'{': '{', '}': '{', '[': '[', ']': '['}[c]] += map[bool]int{true: 1, false: -1}[c == '{' || c == '[']
			}
		}
		if in {
			t.Fatalf("line %d leaves a string open: %s", ln+1, line)
		}
	}
	if depth['{'] != 0 || depth['['] != 0 {
		t.Fatalf("braces or brackets do not balance: %v", depth)
	}
}

// TestDOT: every node and edge is there and labels with quotes,
// backslashes and newlines are escaped.
func TestDOT(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := report.WriteDOT(&buf, heist()); err != nil {
		t.Fatal(err)
	}
	checkDOT(t, buf.Bytes())
	s := buf.String()
	if n := strings.Count(s, " -> "); n != len(heist().Edges) {
		t.Errorf("%d edges", n)
	}
	for _, want := range []string{`Bridge \"Ω\" <v2> & co`, `hot | wallet \\ 7 next line`, `label="3 ETH\ntainted 2.5 ETH\nblock 103`} {
		if !strings.Contains(s, want) {
			t.Errorf("DOT lacks %s:\n%s", want, s)
		}
	}
}

// TestFreezeRequests: one request per deposit address that received
// taint, the registered one first; the path goes back to the seed through
// the tainted transfers, not the decoy's clean one.
func TestFreezeRequests(t *testing.T) {
	t.Parallel()
	s := report.Summarize(heist())
	if len(s.FreezeRequests) != 2 || s.FreezeRequests[0].Deposit != deposit || !s.FreezeRequests[0].Registered ||
		s.FreezeRequests[1].Deposit != exchange || s.FreezeRequests[1].Registered {
		t.Fatalf("freeze requests %+v", s.FreezeRequests)
	}
	fr := s.FreezeRequests[0]
	if fr.Label != "exchange-hot-7" || len(fr.Received) != 1 || fr.Received[0].Taint != "2500000000000000000" || fr.Received[0].Transfers != 1 ||
		fr.Received[0].First.TimeUTC != "2025-02-19T21:20:36Z" || fr.Explorer != "https://etherscan.io/address/"+deposit.Hex() {
		t.Fatalf("request %+v", fr)
	}
	a := fr.Arrivals[0]
	if !a.FromSeed || len(a.Path) != 3 || a.Path[0].TxHash != tx(1) || a.Path[1].TxHash != tx(3) || a.Path[2].TxHash != tx(5) ||
		a.Path[2].Explorer != "https://etherscan.io/tx/"+tx(5).Hex() {
		t.Fatalf("path %+v", a.Path)
	}
	if p := s.FreezeRequests[1].Arrivals[0].Path; len(p) != 3 || p[1].TxHash != tx(3) {
		t.Fatalf("exchange path %+v", p)
	}
}

// TestPaths: paths through a graph whose order and shape are awkward: a
// cycle, value that arrived only after it left, and a seed transaction.
func TestPaths(t *testing.T) {
	t.Parallel()
	e := func(n byte, from, to common.Address, taint string) tracing.Edge {
		return tracing.Edge{Chain: 1, TxHash: tx(n), Block: uint64(n), From: from, To: to, Asset: "native:1", Amount: "10", Taint: taint, Policy: tracing.Poison}
	}
	reg := []tracing.Alert{{Deposit: deposit, TxHash: tx(9)}}
	for _, c := range []struct {
		name     string
		g        tracing.Graph
		want     []byte // tx numbers of the path
		fromSeed bool
	}{
		{"cycle", tracing.Graph{Seeds: []string{exploiter.Hex()}, Edges: []tracing.Edge{
			e(1, hopA, hopB, "10"), e(2, hopB, hopA, "10"), e(9, hopA, deposit, "10")}, Alerts: reg}, []byte{2, 9}, false},
		{"arrived later", tracing.Graph{Seeds: []string{exploiter.Hex()}, Edges: []tracing.Edge{
			e(1, hopA, deposit, "10"), e(2, exploiter, hopA, "10")}, Alerts: reg}, []byte{1}, false},
		{"seed transaction", tracing.Graph{Seeds: []string{tx(1).Hex()}, Edges: []tracing.Edge{
			e(1, hopA, hopB, "10"), e(9, hopB, deposit, "10")}, Alerts: reg}, []byte{1, 9}, true},
		{"custodial label", tracing.Graph{Seeds: []string{exploiter.Hex()}, Nodes: []tracing.Node{{Address: deposit, Hop: 1,
			Labels: []tracing.Label{{Source: "tagpack:x", Name: "X hot wallet", Category: "Hot_Wallet"}}}}, Edges: []tracing.Edge{
			e(1, exploiter, deposit, "10")}}, []byte{1}, true},
		{"clean arrival skipped", tracing.Graph{Seeds: []string{exploiter.Hex()}, Edges: []tracing.Edge{
			e(1, exploiter, hopA, "10"), e(2, decoy, hopA, "0"), e(9, hopA, deposit, "10")}, Alerts: reg}, []byte{1, 9}, true},
	} {
		s := report.Summarize(&c.g)
		if len(s.FreezeRequests) != 1 {
			t.Errorf("%s: %d requests", c.name, len(s.FreezeRequests))
			continue
		}
		a := s.FreezeRequests[0].Arrivals[0]
		var got []byte
		for _, st := range a.Path {
			got = append(got, st.TxHash[31])
		}
		if !bytes.Equal(got, c.want) || a.FromSeed != c.fromSeed {
			t.Errorf("%s: path %v from seed %v, want %v %v", c.name, got, a.FromSeed, c.want, c.fromSeed)
		}
	}
}

// TestTransfersDigest: equal transfers, equal digest; any field changed,
// another.
func TestTransfersDigest(t *testing.T) {
	t.Parallel()
	base := []tracing.Transfer{{Chain: 1, Block: 5, TxIndex: 2, TxHash: tx(1), Time: 9, Kind: tracing.InternalCall, TraceAddress: []uint32{0, 1},
		From: hopA, To: hopB, Asset: tracing.NativeAsset(1)}}
	base[0].Amount.SetUint64(10)
	d := report.TransfersDigest(base)
	same := []tracing.Transfer{base[0]}
	if report.TransfersDigest(same) != d {
		t.Fatal("equal transfers, different digests")
	}
	changed := []tracing.Transfer{base[0]}
	changed[0].TraceAddress = []uint32{0, 2}
	if report.TransfersDigest(changed) == d {
		t.Error("another trace address, same digest")
	}
	changed[0] = base[0]
	changed[0].Amount.SetUint64(11)
	if report.TransfersDigest(changed) == d {
		t.Error("another amount, same digest")
	}
	if report.TransfersDigest(nil) != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Error("no transfers: not the digest of nothing")
	}
}

func TestHumanAmount(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ asset, amount, want string }{
		{"native:1", "1500000000000000000", "1.5 ETH"},
		{"native:1", "1", "0.000000000000000001 ETH"},
		{"native:1", "0", "0 ETH"},
		{"native:1", "2000000000000000000000", "2000 ETH"},
		{"native:56", "1000000000000000000", "1 native"},
		{"erc20:1:0xdac17f958d2ee523a2206206994597c13d831ec7", "1000000", "1000000 of erc20 0xdac1…1ec7"},
		{"erc721:1:0xdac17f958d2ee523a2206206994597c13d831ec7:42", "1", "erc721 0xdac1…1ec7 #42"},
		{"bogus", "5", "5 bogus"},
	} {
		if got := report.HumanAmount(c.asset, c.amount); got != c.want {
			t.Errorf("HumanAmount(%s, %s) = %q, want %q", c.asset, c.amount, got, c.want)
		}
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	for _, f := range report.Formats() {
		if got, err := report.ParseFormat(string(f)); err != nil || got != f {
			t.Errorf("ParseFormat(%s) = %v, %v", f, got, err)
		}
		if got, ok := report.FormatOf("out/trace" + strings.ToUpper(f.Ext())); !ok || got != f {
			t.Errorf("FormatOf(%s) = %v, %v", f.Ext(), got, ok)
		}
	}
	if _, err := report.ParseFormat("xml"); err == nil || !strings.Contains(err.Error(), "json, csv, gexf or dot") {
		t.Errorf("ParseFormat(xml): %v", err)
	}
	if _, ok := report.FormatOf("trace.txt"); ok {
		t.Error("FormatOf(trace.txt) found a format")
	}
}

// TestMultiTokenEdges: two ERC-1155 transfers of one TransferBatch event
// (same transaction and log) stay apart in every format by their item
// index, and in the transfers' digest.
func TestMultiTokenEdges(t *testing.T) {
	t.Parallel()
	c := strings.ToLower(usdt.Hex())
	g := &tracing.Graph{Chain: 1, Seeds: []string{strings.ToLower(exploiter.Hex())}, Policy: tracing.Haircut, Direction: tracing.Forward,
		Nodes: []tracing.Node{{Address: exploiter, Taint: map[string]string{}}, {Address: deposit, Hop: 1, Taint: map[string]string{"erc1155:1:" + c + ":7": "5"}}},
		Edges: []tracing.Edge{
			{Chain: 1, TxHash: tx(9), Block: 200, Time: 1740000000, Kind: tracing.TokenTransfer, LogIndex: u32(3), ItemIndex: u32(0), From: exploiter, To: deposit,
				Asset: "erc1155:1:" + c + ":7", Amount: "5", Taint: "5", Policy: tracing.Haircut, Hop: 1},
			{Chain: 1, TxHash: tx(9), Block: 200, Time: 1740000000, Kind: tracing.TokenTransfer, LogIndex: u32(3), ItemIndex: u32(1), From: exploiter, To: deposit,
				Asset: "erc1155:1:" + c + ":8", Amount: "2", Taint: "2", Policy: tracing.Haircut, Hop: 1},
		},
		Alerts: []tracing.Alert{{Deposit: deposit, TxHash: tx(9), Block: 200, Time: 1740000000, Asset: "erc1155:1:" + c + ":8", Amount: "2", Taint: "2",
			Threshold: "1", Policy: tracing.Haircut, Kind: tracing.TokenTransfer, LogIndex: u32(3), ItemIndex: u32(1)}},
	}
	var csvOut bytes.Buffer
	if err := report.WriteCSV(&csvOut, g); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&csvOut).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if len(rows) != 3 || rows[1][col["log_index"]] != "3" || rows[1][col["item_index"]] != "0" || rows[2][col["item_index"]] != "1" {
		t.Errorf("CSV %v", rows)
	}
	var gexf bytes.Buffer
	if err := report.WriteGEXF(&gexf, g); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(gexf.String(), `<attvalue for="itemIndex" value="0">`) || !strings.Contains(gexf.String(), `<attvalue for="itemIndex" value="1">`) {
		t.Errorf("GEXF lacks the item indices:\n%s", gexf.String())
	}
	var dot bytes.Buffer
	if err := report.WriteDOT(&dot, g); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dot.String(), tx(9).Hex()+` log 3 item 0"`) || !strings.Contains(dot.String(), tx(9).Hex()+` log 3 item 1"`) {
		t.Errorf("DOT tooltips do not tell the items apart:\n%s", dot.String())
	}
	var md bytes.Buffer
	if err := report.WriteSummaryMarkdown(&md, report.Summarize(g)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "token, log 3 item 1") {
		t.Errorf("the summary does not place the step by its item:\n%s", md.String())
	}
	mk := func(item uint32) tracing.Transfer {
		return tracing.Transfer{Chain: 1, Block: 200, TxHash: tx(9), Kind: tracing.TokenTransfer, LogIndex: 3, ItemIndex: item, From: exploiter, To: deposit,
			Asset: tracing.MultiTokenAsset(1, usdt, uint256.NewInt(7))}
	}
	if report.TransfersDigest([]tracing.Transfer{mk(0)}) == report.TransfersDigest([]tracing.Transfer{mk(1)}) {
		t.Error("two items of one batch give the same digest")
	}
}
