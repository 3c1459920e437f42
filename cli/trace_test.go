package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/report"
)

// heistETL is a small ethereum-etl export written for these tests: the
// exploiter sends 100 ETH to A, which splits it between B (40 ETH, after B
// got 10 clean ETH) and C (60 ETH); B sends 30 ETH to D, C sends 10 ETH on
// to X; the exploiter also sends B 1,000,000 USDT base units.
var heistETL = filepath.Join("testdata", "trace", "heist")

const (
	heistExploiter = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
	heistD         = "0x4444444444444444444444444444444444444444"
)

// traceGraphJSON reads the graph JSON of 'bulwark trace --json'.
func traceGraphJSON(t *testing.T, stdout string) (tracing.Graph, map[string]any) {
	t.Helper()
	var g tracing.Graph
	if err := json.Unmarshal([]byte(stdout), &g); err != nil {
		t.Fatalf("stdout is not a graph: %v\n%s", err, stdout)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatal(err)
	}
	return g, raw
}

func TestTraceErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"BULWARK_DATA": filepath.Join(dir, "data")}
	bad := filepath.Join(dir, "bad")
	if err := os.MkdirAll(bad, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "transactions.csv"), []byte("hash,block_number,transaction_index,from_address,to_address,value,block_timestamp\n0x01,1,0,0x1,0x2,5,1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	aFile := filepath.Join(dir, "evidence")
	if err := os.WriteFile(aFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	badLabels := filepath.Join(dir, "labels.csv")
	if err := os.WriteFile(badLabels, []byte("address,name\n0x1234,typo\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	seed := "--seed=" + heistExploiter
	for _, c := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no seed", []string{"--etl", heistETL}, "--seed: required"},
		{"bad seed", []string{"--seed", "0x1234", "--etl", heistETL}, "--seed: \"0x1234\" is not an address"},
		{"seed repeated", []string{"--seed", heistExploiter + "," + heistExploiter, "--etl", heistETL}, "given twice"},
		{"empty seed item", []string{"--seed", heistExploiter + ",", "--etl", heistETL}, "--seed: empty item"},
		{"zero hash seed", []string{"--seed", "0x" + strings.Repeat("0", 64), "--etl", heistETL}, "--seed: the zero hash is not a transaction"},
		{"zero address seed", []string{"--seed", "0x0000000000000000000000000000000000000000", "--etl", heistETL}, "--seed: the zero address is not a seed (it stands for mints and burns)"},
		{"no source", []string{seed}, "--etl: required"},
		{"two sources", []string{seed, "--etl", heistETL, "--rpc", "http://127.0.0.1:1"}, "--rpc: give --etl DIR or --rpc URL, not both"},
		{"rpc without from", []string{seed, "--rpc", "http://127.0.0.1:1"}, "--from-block: required with --rpc"},
		{"rpc not http", []string{seed, "--rpc", "ftp://x", "--from-block", "1"}, "bulwark: --rpc: ftp://x has scheme \"ftp\""},
		{"blocks backwards", []string{seed, "--etl", heistETL, "--from-block", "9", "--to-block", "3"}, "--to-block: 3 is before --from-block 9"},
		{"blocks after the export", []string{seed, "--etl", heistETL, "--from-block", "105"}, "--from-block: block 105 is after the export's last block, 104 (its transfers are in blocks 100 to 104)"},
		{"blocks before the export", []string{seed, "--etl", heistETL, "--from-block", "1", "--to-block", "99"}, "--to-block: block 99 is before the export's first block, 100"},
		{"bad policy", []string{seed, "--etl", heistETL, "--policy", "fifo-ish"}, "--policy: unknown taint policy \"fifo-ish\""},
		{"bad direction", []string{seed, "--etl", heistETL, "--direction", "sideways"}, "--direction: unknown direction \"sideways\""},
		{"bad min value", []string{seed, "--etl", heistETL, "--min-value", "1.5"}, "--min-value: \"1.5\" is not a whole number"},
		{"bad time", []string{seed, "--etl", heistETL, "--from-time", "yesterday"}, "--from-time: \"yesterday\" is not a time"},
		{"bad format", []string{seed, "--etl", heistETL, "--format", "xml"}, "--format: unknown format \"xml\""},
		{"format and extension disagree", []string{seed, "--etl", heistETL, "--format", "csv", "--out", filepath.Join(dir, "g.dot")}, "--out: " + filepath.Join(dir, "g.dot") + " ends in .dot but --format is csv"},
		{"unknown extension", []string{seed, "--etl", heistETL, "--out", filepath.Join(dir, "g.txt")}, "--out: cannot tell the format"},
		{"format for a directory", []string{seed, "--etl", heistETL, "--format", "csv", "--out", dir + "/"}, "--format: --out " + dir + "/ is a directory"},
		{"out is a file", []string{seed, "--etl", heistETL, "--out", aFile}, "--out: " + aFile + " is a file, not a directory: give a directory for the evidence bundle"},
		{"out is a file, with /", []string{seed, "--etl", heistETL, "--out", aFile + "/"}, "--out: " + aFile + "/ is a file, not a directory"},
		{"out under a file", []string{seed, "--etl", heistETL, "--out", filepath.Join(aFile, "sub", "evidence")}, "--out: cannot create directory " + filepath.Join(aFile, "sub", "evidence") + ": " + aFile + " is a file"},
		{"out file in no directory", []string{seed, "--etl", heistETL, "--out", filepath.Join(dir, "none", "g.json")}, "--out: cannot write " + filepath.Join(dir, "none", "g.json") + ": the directory " + filepath.Join(dir, "none") + " does not exist"},
		{"missing export", []string{seed, "--etl", filepath.Join(dir, "nowhere")}, "--etl: cannot read " + filepath.Join(dir, "nowhere") + ": no such file or directory"},
		{"export is a file", []string{seed, "--etl", filepath.Join(heistETL, "transactions.csv")}, "is not a directory"},
		{"malformed export", []string{seed, "--etl", bad}, "--etl: " + filepath.Join(bad, "transactions.csv") + ": line 2"},
		{"chain 0", []string{seed, "--etl", heistETL, "--chain-id", "0"}, "--chain-id: chain id 0 is not a chain"},
		{"negative hop bound", []string{seed, "--etl", heistETL, "--max-hops", "-1"}, "--max-hops: -1 is out of range: give 1 to 1000 (0 for the default, 5)"},
		{"hop bound too high", []string{seed, "--etl", heistETL, "--max-hops", "1001"}, "--max-hops: 1001 is out of range: give 1 to 1000 (0 for the default, 5)"},
		{"hop bound not a number", []string{seed, "--etl", heistETL, "--max-hops", "abc"}, "--max-hops: invalid value \"abc\""},
		{"negative hub degree", []string{seed, "--etl", heistETL, "--hub-degree", "-1"}, "--hub-degree: -1 is negative"},
		{"bad known token", []string{seed, "--etl", heistETL, "--known-token", "0x12"}, "--known-token: \"0x12\" is not an address"},
		{"argument", []string{seed, "--etl", heistETL, "extra"}, "extra"},
		{"missing label file", []string{seed, "--etl", heistETL, "--labels", filepath.Join(dir, "nowhere.csv")}, "--labels: cannot read " + filepath.Join(dir, "nowhere.csv")},
		{"bad label file", []string{seed, "--etl", heistETL, "--labels", badLabels}, "--labels: " + badLabels + ": line 2: address \"0x1234\" is not an Ethereum address"},
		{"missing TagPacks", []string{seed, "--etl", heistETL, "--tagpacks", filepath.Join(dir, "nowhere")}, "--tagpacks: " + filepath.Join(dir, "nowhere") + " is not a directory"},
		{"missing THORChain file", []string{seed, "--etl", heistETL, "--thorchain", filepath.Join(dir, "nowhere.csv")}, "--thorchain: cannot read"},
	} {
		code, stdout, stderr := run(t, env, append([]string{"trace"}, c.args...)...)
		if code != 1 || stdout != "" || !strings.Contains(stderr, c.stderr) || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "bulwark: ") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 1 and one line with %q", c.name, code, stdout, stderr, c.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); err == nil {
		t.Error("a trace of an export created the data directory")
	}
}

// TestTraceETL: the heist export traced from the exploiter: a summary by
// default, the graph's JSON with --json (the contract's shape), one format
// on stdout or to a file, exit 0 without alerts.
func TestTraceETL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	args := []string{"trace", "--seed", heistExploiter, "--etl", heistETL, "--policy", "haircut"}

	code, stdout, stderr := run(t, env, args...)
	if code != 0 || !strings.Contains(stdout, "Trace forward from "+heistExploiter+", policy haircut") ||
		!strings.Contains(stdout, "0x4444444444444444444444444444444444444444  hop 3  24 ETH") ||
		!strings.Contains(stderr, "bulwark: read 7 transfers of 7 transactions from "+heistETL) || !strings.Contains(stderr, "gas fees of 7 transactions are unknown") {
		t.Fatalf("summary: exit %d\n%s\n%s", code, stdout, stderr)
	}

	code, stdout, stderr = run(t, env, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("--json: exit %d\n%s", code, stderr)
	}
	g, raw := traceGraphJSON(t, stdout)
	for _, k := range []string{"seeds", "policy", "nodes", "edges", "alerts"} {
		if raw[k] == nil {
			t.Errorf("--json lacks %q", k)
		}
	}
	if g.Policy != tracing.Haircut || g.Chain != 1 || len(g.Seeds) != 1 || g.Seeds[0] != heistExploiter {
		t.Errorf("graph %+v", g)
	}
	var d *tracing.Node
	for i := range g.Nodes {
		if strings.EqualFold(g.Nodes[i].Address.Hex(), heistD) {
			d = &g.Nodes[i]
		}
	}
	if d == nil || d.Taint["native:1"] != "24000000000000000000" {
		t.Fatalf("D is %+v, want 24 ETH tainted under haircut (30 of B's 40 tainted + 10 clean)", d)
	}

	code, stdout, _ = run(t, env, append(args, "--format", "csv")...)
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if code != 0 || err != nil || len(rows) != len(g.Edges)+1 || strings.Join(rows[0], ",") != strings.Join(report.CSVHeader, ",") {
		t.Fatalf("--format csv: exit %d, %v, %d rows for %d edges", code, err, len(rows), len(g.Edges))
	}

	gexf := filepath.Join(dir, "trace.gexf")
	code, stdout, stderr = run(t, env, append(args, "--out", gexf, "--json")...)
	var files struct {
		Out   string            `json:"out"`
		Files []report.FileHash `json:"files"`
		Edges int               `json:"edges"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &files) != nil || files.Out != gexf || len(files.Files) != 1 || files.Edges != len(g.Edges) {
		t.Fatalf("--out FILE --json: exit %d\n%s\n%s", code, stdout, stderr)
	}
	data, err := os.ReadFile(gexf)
	if err != nil || report.HashFile("trace.gexf", data).SHA256 != files.Files[0].SHA256 || !bytes.Contains(data, []byte(`<gexf xmlns="http://gexf.net/1.3"`)) ||
		!strings.Contains(stderr, files.Files[0].SHA256) {
		t.Fatalf("%s: %v, hash %s, stderr %s", gexf, err, files.Files[0].SHA256, stderr)
	}

	// Without screening labels and without a store, nothing is created.
	fresh := map[string]string{"BULWARK_DATA": filepath.Join(dir, "fresh")}
	if code, _, stderr := run(t, fresh, append(args, "--no-screening-labels")...); code != 0 {
		t.Fatalf("--no-screening-labels: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "fresh")); err == nil {
		t.Error("a trace of an export without screening labels created the data directory")
	}
}

// TestTraceBundleTwice: the same trace run twice into two directories
// gives byte-identical files, and the manifest's and SHA256SUMS's hashes
// are those of the files.
func TestTraceBundleTwice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	var outs [2]string
	for i := range outs {
		outs[i] = filepath.Join(dir, []string{"first", "second"}[i])
		code, stdout, stderr := run(t, env, "trace", "--seed", heistExploiter, "--etl", heistETL, "--policy", "fifo", "--max-hops", "4", "--out", outs[i])
		if code != 0 || !strings.Contains(stdout, "Trace forward") || !strings.Contains(stderr, "wrote 8 files to "+outs[i]) {
			t.Fatalf("run %d: exit %d\n%s\n%s", i+1, code, stdout, stderr)
		}
	}
	names := []string{report.GraphJSONFile, report.EdgesCSVFile, report.GraphGEXFFile, report.GraphDOTFile, report.SummaryMDFile,
		report.SummaryJSONFile, report.ManifestFile, report.ChecksumsFile}
	for _, name := range names {
		a, errA := os.ReadFile(filepath.Join(outs[0], name))
		b, errB := os.ReadFile(filepath.Join(outs[1], name))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs (%v, %v)", name, errA, errB)
		}
	}
	raw, err := os.ReadFile(filepath.Join(outs[0], report.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var m report.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.Format != report.ManifestFormat || m.Bulwark == "" || m.Inputs.Policy != tracing.FIFO || m.Inputs.Bounds.MaxHops != 4 ||
		m.Inputs.Source.Kind != "etl" || m.Inputs.Source.Location != heistETL || m.Inputs.Source.Transfers != 7 ||
		len(m.Inputs.Source.Files) != 2 || m.Inputs.Source.Files[0].Name != "transactions.csv" || len(m.Files) != 6 ||
		len(m.Inputs.Lists) == 0 || len(m.Inputs.Lists[0].SHA256) != 64 {
		t.Fatalf("manifest %s", raw)
	}
	export, err := os.ReadFile(filepath.Join(heistETL, "transactions.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Inputs.Source.Files[0] != report.HashFile("transactions.csv", export) {
		t.Errorf("the manifest's hash of transactions.csv is not the file's")
	}
	sums, err := os.ReadFile(filepath.Join(outs[0], report.ChecksumsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names[:len(names)-1] {
		data, err := os.ReadFile(filepath.Join(outs[0], name))
		if err != nil {
			t.Fatal(err)
		}
		h := report.HashFile(name, data)
		if !bytes.Contains(sums, []byte(h.SHA256+"  "+name+"\n")) {
			t.Errorf("SHA256SUMS does not hold %s's hash", name)
		}
		for _, f := range m.Files {
			if f.Name == name && f != h {
				t.Errorf("manifest has %+v, the file is %+v", f, h)
			}
		}
	}
}

// TestTraceSharedETL traces two mainnet blocks of ethereum-etl's own test
// export (../shared/data/trace/ethereum-etl: transactions.csv and
// blocks.csv of blocks 17,173,049-17,173,050) from a sender of 7.4 ETH to
// Uniswap's router, twice, with the same bytes.
func TestTraceSharedETL(t *testing.T) {
	t.Parallel()
	src := filepath.Join("..", "..", "shared", "data", "trace", "ethereum-etl", "test_export_blocks_job", "blocks_with_transactions_and_withdrawals")
	export := t.TempDir()
	for from, to := range map[string]string{"expected_transactions.csv": "transactions.csv", "expected_blocks.csv": "blocks.csv"} {
		data, err := os.ReadFile(filepath.Join(src, from))
		if os.IsNotExist(err) {
			t.Skipf("%s is absent: ethereum-etl's test resources live in the shared data folder next to the repository", filepath.Join(src, from))
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(export, to), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	var first string
	for i := range 2 {
		code, stdout, stderr := run(t, env, "trace", "--seed", "0x64a018b23b4d7a077dffa6723462bc722861c5ad", "--etl", export, "--json")
		if code != 0 || !strings.Contains(stderr, "read 135 transfers of 298 transactions") {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		g, _ := traceGraphJSON(t, stdout)
		router := "0xef1c6e67703c7bd7107eed8303fbe6ec2554bf6b"
		found := false
		for _, e := range g.Edges {
			if strings.EqualFold(e.To.Hex(), router) && e.Amount == "7400000000000000000" && e.Block == 17173049 &&
				e.TxHash.Hex() == "0xec7cc4df1ff542793053335700f18d59c3f870e1e4820a42d558c76db832bd14" {
				found = true
			}
		}
		if !found {
			t.Fatalf("no edge of 7.4 ETH to the router in %s", stdout)
		}
		if i == 0 {
			first = stdout
		} else if stdout != first {
			t.Error("the same trace gave different JSON")
		}
	}
}

// TestTraceRPC ingests blocks from a real node (Anvil) into the data
// directory's store, with progress on stderr, and traces them: the
// exploiter sends 10 ETH to A, A sends 4 ETH to B. A second run from the
// same block reads what is stored and writes the same bundle.
func TestTraceRPC(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	exploiter := anviltest.DefaultAccounts()[1]
	a := common.HexToAddress("0x00000000000000000000000000000000000a11ce")
	b := common.HexToAddress("0x0000000000000000000000000000000000000b0b")
	from := chain.BlockNumber(t) + 1
	first := chain.MustSend(t, ethrpc.CallMsg{From: exploiter, To: &a, Value: safetest.Ether(10)})
	chain.Impersonate(t, a)
	chain.MustSend(t, ethrpc.CallMsg{From: a, To: &b, Value: safetest.Ether(4)})
	to := chain.BlockNumber(t)
	if first.BlockNumber != from {
		t.Fatalf("the first transfer is in block %d, not %d", first.BlockNumber, from)
	}

	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	var outs [2]string
	for i := range outs {
		outs[i] = filepath.Join(t.TempDir(), "bundle")
		code, stdout, stderr := run(t, env, "trace", "--seed", exploiter.Hex(), "--rpc", chain.URL(), "--from-block", fmt.Sprint(from),
			"--to-block", fmt.Sprint(to), "--policy", "poison", "--out", outs[i], "--json")
		if code != 0 || !strings.Contains(stderr, fmt.Sprintf("bulwark: ingested block %d of %d-%d (100%%", to, from, to)) && i == 0 ||
			!strings.Contains(stderr, fmt.Sprintf("of blocks %d to %d from the store", from, to)) {
			t.Fatalf("run %d: exit %d\n%s\n%s", i+1, code, stdout, stderr)
		}
	}
	for _, name := range []string{report.GraphJSONFile, report.ManifestFile, report.ChecksumsFile, report.SummaryMDFile} {
		x, errX := os.ReadFile(filepath.Join(outs[0], name))
		y, errY := os.ReadFile(filepath.Join(outs[1], name))
		if errX != nil || errY != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between the ingesting run and the stored one (%v, %v)", name, errX, errY)
		}
	}
	raw, err := os.ReadFile(filepath.Join(outs[0], report.GraphJSONFile))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := traceGraphJSON(t, string(raw))
	var toB *tracing.Edge
	for i := range g.Edges {
		if g.Edges[i].To == b {
			toB = &g.Edges[i]
		}
	}
	if toB == nil || toB.Amount != "4000000000000000000" || toB.Taint != toB.Amount || toB.From != a {
		t.Fatalf("the edge to B is %+v, want 4 ETH wholly tainted from A", toB)
	}
	var m report.Manifest
	raw, err = os.ReadFile(filepath.Join(outs[0], report.ManifestFile))
	if err != nil || json.Unmarshal(raw, &m) != nil {
		t.Fatalf("manifest: %v\n%s", err, raw)
	}
	if s := m.Inputs.Source; s.Kind != "node" || s.FromBlock != from || s.ToBlock != to || s.Transfers == 0 || len(s.TransfersSHA256) != 64 ||
		strings.Contains(s.Location, "?") {
		t.Errorf("manifest source %+v", s)
	}
}

// TestTraceAlert: with D registered as a deposit address ('trace deposit
// add'), the heist's arrival at D raises an alert: exit 3, the alert in the
// summary and the JSON, and in the bundle a freeze request for D with the
// path from the exploiter through A and B, and D among the manifest's
// inputs. The user's label file names C a hub, so the trace stops there
// and X is not reached.
func TestTraceAlert(t *testing.T) {
	t.Parallel()
	data := smallDataDir(t)
	env := map[string]string{"BULWARK_DATA": data, "TEST_OS_USER": "alice"}
	if code, _, stderr := run(t, env, "trace", "deposit", "add", heistD, "--label", "hot wallet 7"); code != 0 {
		t.Fatalf("deposit add: exit %d\n%s", code, stderr)
	}
	dir := t.TempDir()
	labelFile := filepath.Join(dir, "labels.csv")
	if err := os.WriteFile(labelFile, []byte("address,name,category\n0x3333333333333333333333333333333333333333,OTC desk,exchange\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"trace", "--seed", heistExploiter, "--etl", heistETL, "--labels", labelFile}

	code, stdout, stderr := run(t, env, args...)
	if code != 3 || !strings.Contains(stdout, "ALERT  block 103  "+heistD+" (hot wallet 7) received 24 ETH tainted of 30 ETH") ||
		!strings.Contains(stdout, "OTC desk; stopped: hub") ||
		!strings.Contains(stdout, "2 freeze requests: write the evidence bundle with --out DIR") {
		t.Fatalf("exit %d, want 3\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, env, append(args, "--json")...)
	g, _ := traceGraphJSON(t, stdout)
	if code != 3 || len(g.Alerts) != 1 || !strings.EqualFold(g.Alerts[0].Deposit.Hex(), heistD) || g.Alerts[0].Taint != "24000000000000000000" {
		t.Fatalf("--json: exit %d, alerts %+v", code, g.Alerts)
	}
	for _, n := range g.Nodes {
		if n.Address == common.HexToAddress("0x5555555555555555555555555555555555555555") {
			t.Errorf("X was reached through C, a hub: %+v", n)
		}
	}

	// With the bundle written, the summary points into it rather than
	// asking for --out DIR again.
	out := filepath.Join(dir, "evidence")
	if code, stdout, stderr := run(t, env, append(args, "--out", out)...); code != 3 ||
		!strings.Contains(stdout, "2 freeze requests: each with its path from the seed in "+filepath.Join(out, "summary.md")) || strings.Contains(stdout, "with --out DIR") {
		t.Fatalf("--out: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var sum report.Summary
	raw, err := os.ReadFile(filepath.Join(out, report.SummaryJSONFile))
	if err != nil || json.Unmarshal(raw, &sum) != nil {
		t.Fatalf("summary.json: %v\n%s", err, raw)
	}
	// D (registered) first, then C (labelled as an exchange).
	if len(sum.FreezeRequests) != 2 || !strings.EqualFold(sum.FreezeRequests[0].Deposit.Hex(), heistD) || !sum.FreezeRequests[0].Registered {
		t.Fatalf("freeze requests %s", raw)
	}
	path := sum.FreezeRequests[0].Arrivals[0].Path
	if len(path) != 3 || path[0].TxHash != common.HexToHash("0x0101010101010101010101010101010101010101010101010101010101010101") ||
		path[2].TxHash != common.HexToHash("0x0505050505050505050505050505050505050505050505050505050505050505") || !sum.FreezeRequests[0].Arrivals[0].FromSeed {
		t.Fatalf("path %+v", path)
	}
	md, err := os.ReadFile(filepath.Join(out, report.SummaryMDFile))
	if err != nil || !bytes.Contains(md, []byte("https://etherscan.io/tx/0x0505050505050505050505050505050505050505050505050505050505050505")) {
		t.Fatalf("summary.md: %v\n%s", err, md)
	}
	var m report.Manifest
	raw, err = os.ReadFile(filepath.Join(out, report.ManifestFile))
	if err != nil || json.Unmarshal(raw, &m) != nil {
		t.Fatal(err)
	}
	// Each run is in the audit log, the bundle's graph.json hash with it.
	code, stdout, _ = run(t, env, "audit", "list", "--json")
	var entries []struct {
		Action  string         `json:"action"`
		Actor   string         `json:"actor"`
		Target  string         `json:"target"`
		Details map[string]any `json:"details"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &entries) != nil || len(entries) < 3 {
		t.Fatalf("audit list: exit %d\n%s", code, stdout)
	}
	last := entries[0] // newest first
	graphHash := ""
	for _, f := range m.Files {
		if f.Name == report.GraphJSONFile {
			graphHash = f.SHA256
		}
	}
	if last.Action != "trace.run" || last.Actor != "cli:alice@test-host" || last.Target != "trace:"+heistExploiter || last.Details["graphSha256"] != graphHash ||
		last.Details["alerts"] != float64(1) || last.Details["policy"] != "haircut" {
		t.Errorf("audit entry %+v, want trace.run with graphSha256 %s", last, graphHash)
	}
	labelData, _ := os.ReadFile(labelFile)
	if len(m.Inputs.Deposits) != 1 || m.Inputs.Deposits[0].Label != "hot wallet 7" || len(m.Inputs.Files) != 1 ||
		m.Inputs.Files[0] != report.HashFile("labels:"+labelFile, labelData) {
		t.Fatalf("manifest inputs %+v", m.Inputs)
	}
}

// TestTraceInputFileErrors: a label file, TagPack folder or THORChain
// constants file that cannot be read is one error naming the flag, the file
// and the line.
func TestTraceInputFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"BULWARK_DATA": filepath.Join(dir, "data")}
	aFile := filepath.Join(dir, "evidence")
	if err := os.WriteFile(aFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	badLabels := filepath.Join(dir, "labels.csv")
	badConsts := filepath.Join(dir, "thorchain.csv")
	for name, body := range map[string]string{badLabels: "address,name\n0x1234,Nobody\n", badConsts: "kind,chain,value,label\nrouter,ETH,0x12,bad\n"} {
		if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	seed := []string{"trace", "--seed", heistExploiter, "--etl", heistETL, "--no-screening-labels"}
	for _, c := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"--labels", filepath.Join(dir, "none.csv")}, "--labels: cannot read " + filepath.Join(dir, "none.csv")},
		{[]string{"--labels", badLabels}, "--labels: " + badLabels + ": line 2"},
		{[]string{"--tagpacks", badLabels}, "--tagpacks: " + badLabels + " is not a directory"},
		{[]string{"--thorchain", badConsts}, "--thorchain: " + badConsts + ": line 2"},
	} {
		code, stdout, stderr := run(t, env, append(seed, c.args...)...)
		if code != 1 || stdout != "" || !strings.Contains(stderr, c.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", c.args, code, stderr, c.stderr)
		}
	}
}

// TestTraceHelp: 'bulwark trace --help' lists the subcommands and, for
// the trace itself, its usage and flags; the top-level help lists trace
// as a command.
func TestTraceHelp(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": filepath.Join(t.TempDir(), "data")}
	code, stdout, _ := run(t, env, "trace", "--help")
	for _, want := range []string{"Commands:\n", "  deposit ", "Without a command: bulwark trace --seed ADDR|TX", "Flags (without a command):", "--out FILE|DIR", "--policy POLICY"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("trace --help: exit %d, lacks %q:\n%s", code, want, stdout)
		}
	}
	if code, stdout, _ = run(t, env, "--help"); code != 0 || !strings.Contains(stdout, "  trace ") {
		t.Errorf("--help lacks trace:\n%s", stdout)
	}
}

// TestTraceHubDegreeAndKnownTokens: --hub-degree makes an address with
// that many counterparties a hub (labelled "degree", an end point) and
// is written in the graph's bounds; --known-token is accepted.
func TestTraceHubDegreeAndKnownTokens(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	code, stdout, stderr := run(t, env, "trace", "--seed", heistExploiter, "--etl", heistETL, "--hub-degree", "2",
		"--known-token", "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", "--json")
	if code != 0 && code != 3 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	g, _ := traceGraphJSON(t, stdout)
	if g.Bounds.HubDegree != 2 {
		t.Errorf("bounds %+v", g.Bounds)
	}
	degree := 0
	for _, n := range g.Nodes {
		for _, l := range n.Labels {
			if l.Source == "degree" && l.Hub {
				degree++
				if n.Hop > 0 && n.Stop != tracing.StopHub { // a seed is traced from all the same
					t.Errorf("%s: stop %q, want hub", n.Address.Hex(), n.Stop)
				}
			}
		}
	}
	if degree == 0 {
		t.Errorf("no address is a hub by degree: %s", stdout)
	}
}
