package tracing_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/etl"
	"github.com/ethereum/go-ethereum/common"
)

// etlData holds ethereum-etl's test resources (../shared/data/trace/
// ethereum-etl from the module root).
var etlData = filepath.Join("..", "..", "shared", "data", "trace", "ethereum-etl")

func sharedFile(t *testing.T, parts ...string) []byte {
	t.Helper()
	file := filepath.Join(append([]string{etlData}, parts...)...)
	b, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		t.Skipf("%s is absent: ethereum-etl's test resources live in the shared data folder next to the module", file)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonToCSV writes ethereum-etl's JSON lines as its CSV export of the
// given columns (numbers kept exact).
func jsonToCSV(t *testing.T, b []byte, cols []string, rename map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(cols)
	for line := range bytes.SplitSeq(bytes.TrimSpace(b), []byte("\n")) {
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		rec := make([]string, len(cols))
		for i, c := range cols {
			src := c
			if r, ok := rename[c]; ok {
				src = r
			}
			switch v := m[src].(type) {
			case nil:
			case json.Number:
				rec[i] = v.String()
			case string:
				rec[i] = v
			}
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

// TestTraceEthereumETL traces two mainnet blocks (17,173,049 and
// 17,173,050, ethereum-etl's export with receipts and token transfers)
// forward and backward from an MEV searcher's contract under every
// policy: taint conserved, every edge a transfer of the export, the pool
// it first sends WETH to reached at hop 1 forward, the searcher's
// account that pays it at hop 1 backward, and the same JSON twice.
func TestTraceEthereumETL(t *testing.T) {
	t.Parallel()
	const stream = "test_stream/blocks_17173049_17173050"
	txs := sharedFile(t, stream, "expected_transactions.json")
	fsys := fstest.MapFS{
		"transactions.csv": {Data: sharedFile(t, "test_export_blocks_job", "blocks_with_transactions_and_withdrawals", "expected_transactions.csv")},
		"blocks.csv":       {Data: sharedFile(t, "test_export_blocks_job", "blocks_with_transactions_and_withdrawals", "expected_blocks.csv")},
		"receipts.csv": {Data: jsonToCSV(t, txs, []string{"transaction_hash", "transaction_index", "block_number", "gas_used", "contract_address", "status", "effective_gas_price"},
			map[string]string{"transaction_hash": "hash", "gas_used": "receipt_gas_used", "contract_address": "receipt_contract_address", "status": "receipt_status", "effective_gas_price": "receipt_effective_gas_price"})},
		"token_transfers.csv": {Data: jsonToCSV(t, sharedFile(t, stream, "expected_token_transfers.json"),
			[]string{"token_address", "from_address", "to_address", "value", "transaction_hash", "log_index", "block_number"}, nil)},
	}
	ex, err := etl.Load(fsys, etl.Options{Chain: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Transfers) < 500 {
		t.Fatalf("only %d transfers", len(ex.Transfers))
	}
	searcher := common.HexToAddress("0xae2fc483527b8ef99eb5d9b44875f005ba1fae13")
	bot := common.HexToAddress("0x6b75d8af000000e20b7a7ddf000ba900b4009a80")
	pool := common.HexToAddress("0x7054b0f980a7eb5b3a6b3446f3c947d80162775c")
	inExport := map[string]bool{}
	for _, tr := range ex.Transfers {
		inExport[tr.TxHash.Hex()+tr.From.Hex()+tr.To.Hex()+tr.Amount.Dec()] = true
	}
	for _, dir := range []tracing.Direction{tracing.Forward, tracing.Backward} {
		for _, p := range tracing.Policies() {
			req := tracing.Request{Chain: 1, Policy: p, Direction: dir, SeedAddresses: []common.Address{bot}}
			g, e, err := tracing.TraceWithEngine(context.Background(), ex.Transfers, req)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Check(); err != nil {
				t.Fatalf("%s %s: %v", dir, p, err)
			}
			if len(g.Edges) == 0 {
				t.Fatalf("%s %s: no edges", dir, p)
			}
			for _, ed := range g.Edges {
				if !inExport[ed.TxHash.Hex()+ed.From.Hex()+ed.To.Hex()+ed.Amount] {
					t.Fatalf("%s %s: edge %+v is no transfer of the export", dir, p, ed)
				}
			}
			want := pool
			if dir == tracing.Backward {
				want = searcher
			}
			found := false
			for _, n := range g.Nodes {
				found = found || n.Address == want && n.Hop == 1
			}
			if !found {
				t.Errorf("%s %s: %s is not at hop 1", dir, p, want.Hex())
			}
			g2, _ := tracing.Trace(context.Background(), ex.Transfers, req)
			j1, _ := json.Marshal(g)
			j2, _ := json.Marshal(g2)
			if !bytes.Equal(j1, j2) {
				t.Errorf("%s %s: two runs differ", dir, p)
			}
			t.Logf("%s %s: %d nodes, %d edges", dir, p, len(g.Nodes), len(g.Edges))
		}
	}
}
