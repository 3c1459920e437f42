package etl_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/etl"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// etlData holds ethereum-etl's test resources (../shared/data/trace/
// ethereum-etl from the module root).
var etlData = filepath.Join("..", "..", "..", "shared", "data", "trace", "ethereum-etl")

func readShared(t testing.TB, parts ...string) []byte {
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

// jsonLines reads ethereum-etl's JSON-lines output, numbers kept exact.
func jsonLines(t testing.TB, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range bytes.SplitSeq(bytes.TrimSpace(b), []byte("\n")) {
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// str renders a JSON-lines value as ethereum-etl writes it in CSV: null
// empty, numbers in decimal.
func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case json.Number:
		return v.String()
	case string:
		return v
	}
	panic("unexpected JSON value")
}

func num(t testing.TB, v any) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(str(v), 10)
	if !ok {
		t.Fatalf("%v is not a number", v)
	}
	return n
}

// toCSV writes rows as CSV with the given columns, taken from the JSON
// lines by name (what ethereum-etl's CSV exporter does).
func toCSV(t testing.TB, cols []string, rows []map[string]any, render func(col string, v any) string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(cols)
	for _, r := range rows {
		rec := make([]string, len(cols))
		for i, c := range cols {
			if render != nil {
				rec[i] = render(c, r[c])
			} else {
				rec[i] = str(r[c])
			}
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

const stream = "test_stream/blocks_17173049_17173050"

// streamFixture is blocks 17,173,049 and 17,173,050 of mainnet: 298
// transactions (with their receipts), 291 token transfers, the blocks.
type streamFixture struct {
	txs, tokens, blocks, logs []map[string]any
	txsCSV, blocksCSV         []byte
}

func loadStream(t testing.TB) *streamFixture {
	return &streamFixture{
		txs:       jsonLines(t, readShared(t, stream, "expected_transactions.json")),
		tokens:    jsonLines(t, readShared(t, stream, "expected_token_transfers.json")),
		blocks:    jsonLines(t, readShared(t, stream, "expected_blocks.json")),
		logs:      jsonLines(t, readShared(t, stream, "expected_logs.json")),
		txsCSV:    readShared(t, "test_export_blocks_job", "blocks_with_transactions_and_withdrawals", "expected_transactions.csv"),
		blocksCSV: readShared(t, "test_export_blocks_job", "blocks_with_transactions_and_withdrawals", "expected_blocks.csv"),
	}
}

func (f *streamFixture) receiptsCSV(t testing.TB) []byte {
	// receipts.csv as ethereum-etl export_receipts_and_logs writes it,
	// with a column the reader does not know (ignored).
	rows := make([]map[string]any, len(f.txs))
	for i, tx := range f.txs {
		rows[i] = map[string]any{"transaction_hash": tx["hash"], "transaction_index": tx["transaction_index"], "block_hash": tx["block_hash"],
			"block_number": tx["block_number"], "cumulative_gas_used": tx["receipt_cumulative_gas_used"], "gas_used": tx["receipt_gas_used"],
			"contract_address": tx["receipt_contract_address"], "root": tx["receipt_root"], "status": tx["receipt_status"],
			"effective_gas_price": tx["receipt_effective_gas_price"], "l1_fee": nil}
	}
	return toCSV(t, []string{"transaction_hash", "transaction_index", "block_hash", "block_number", "cumulative_gas_used", "gas_used", "contract_address", "root", "status", "effective_gas_price", "l1_fee"}, rows, nil)
}

func (f *streamFixture) logsCSV(t testing.TB) []byte {
	return toCSV(t, []string{"log_index", "transaction_hash", "transaction_index", "block_hash", "block_number", "address", "data", "topics"}, f.logs,
		func(col string, v any) string {
			if col == "topics" {
				var parts []string
				for _, x := range v.([]any) {
					parts = append(parts, x.(string))
				}
				return strings.Join(parts, ",")
			}
			return str(v)
		})
}

func (f *streamFixture) tokensCSV(t testing.TB) []byte {
	return toCSV(t, []string{"token_address", "from_address", "to_address", "value", "transaction_hash", "log_index", "block_number"}, f.tokens, nil)
}

// TestExportWithoutReceipts: ethereum-etl's transactions.csv and
// blocks.csv alone (test_export_blocks_job) give each transaction's own
// value as the JSON export of the same blocks (test_stream) has it, and
// report every fee unknown and every outcome unverified.
func TestExportWithoutReceipts(t *testing.T) {
	t.Parallel()
	f := loadStream(t)
	ex, err := etl.Load(fstest.MapFS{"transactions.csv": {Data: f.txsCSV}, "blocks.csv": {Data: f.blocksCSV}}, etl.Options{Chain: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Transactions != 298 || ex.FeesUnknown != 298 || !strings.Contains(ex.FeesWhy, "no receipts.csv") {
		t.Fatalf("transactions %d, fees unknown %d (%q): want 298, 298 for want of receipts.csv", ex.Transactions, ex.FeesUnknown, ex.FeesWhy)
	}
	withValue := 0
	byHash := map[common.Hash]tracing.Transfer{}
	for _, tf := range ex.Transfers {
		byHash[tf.TxHash] = tf
	}
	for _, tx := range f.txs {
		v := num(t, tx["value"])
		tf, ok := byHash[common.HexToHash(str(tx["hash"]))]
		if v.Sign() == 0 {
			if ok {
				t.Errorf("%s moved nothing but gave %+v", tx["hash"], tf)
			}
			continue
		}
		withValue++
		if !ok || tf.Amount.ToBig().Cmp(v) != 0 || tf.From != common.HexToAddress(str(tx["from_address"])) ||
			tf.To != common.HexToAddress(str(tx["to_address"])) || tf.Time != num(t, tx["block_timestamp"]).Int64() ||
			uint64(tf.TxIndex) != num(t, tx["transaction_index"]).Uint64() || tf.Kind != tracing.TopLevelCall {
			t.Errorf("%s: got %+v (found %v), want %s wei from %s to %s", tx["hash"], tf, ok, v, tx["from_address"], tx["to_address"])
		}
	}
	if withValue != 135 || len(ex.Transfers) != withValue || ex.StatusUnknown != withValue {
		t.Fatalf("%d transfers, %d unverified; the JSON has %d transactions with value (want 135)", len(ex.Transfers), ex.StatusUnknown, withValue)
	}
}

// TestExportWithReceiptsAndTokens: with receipts.csv and token_transfers
// (written from the JSON export of the same blocks), every fee is known:
// per transaction the base fee burned is gas used × the block's base fee,
// the tip goes to the block's miner, and together they are gas used ×
// effective gas price; failed transactions move no value but pay their
// fee; every token transfer is there, equal to the Transfer event it came
// from (test_stream's logs). The same export in BigQuery's layout
// (receipt columns in transactions.csv, TIMESTAMP strings) reads the same.
func TestExportWithReceiptsAndTokens(t *testing.T) {
	t.Parallel()
	f := loadStream(t)
	etlFS := fstest.MapFS{"transactions.csv": {Data: f.txsCSV}, "blocks.csv": {Data: f.blocksCSV},
		"receipts.csv": {Data: f.receiptsCSV(t)}, "token_transfers.csv": {Data: f.tokensCSV(t)}}
	bqTxs := toCSV(t, []string{"hash", "nonce", "transaction_index", "from_address", "to_address", "value", "gas", "gas_price", "input",
		"receipt_cumulative_gas_used", "receipt_gas_used", "receipt_contract_address", "receipt_root", "receipt_status", "block_timestamp",
		"block_number", "block_hash", "max_fee_per_gas", "max_priority_fee_per_gas", "transaction_type", "receipt_effective_gas_price"}, f.txs,
		func(col string, v any) string {
			if col == "block_timestamp" {
				return time.Unix(num(t, v).Int64(), 0).UTC().Format("2006-01-02 15:04:05 UTC")
			}
			return str(v)
		})
	bqFS := fstest.MapFS{"transactions.csv": {Data: bqTxs}, "blocks.csv": {Data: f.blocksCSV}, "token_transfers.csv": {Data: f.tokensCSV(t)}}

	withLogs := fstest.MapFS{"logs.csv": {Data: f.logsCSV(t)}}
	for k, v := range etlFS {
		withLogs[k] = v
	}
	var first []tracing.Transfer
	for _, layout := range []struct {
		name string
		fs   fstest.MapFS
		logs bool
	}{{"ethereum-etl", etlFS, false}, {"bigquery", bqFS, false}, {"ethereum-etl with logs", withLogs, true}} {
		ex, err := etl.Load(layout.fs, etl.Options{Chain: 1})
		if err != nil {
			t.Fatalf("%s: %v", layout.name, err)
		}
		if ex.FeesUnknown != 0 || ex.StatusUnknown != 0 || ex.CreatesUnknown != 0 {
			t.Fatalf("%s: fees unknown %d (%s), status unknown %d, creates unknown %d: want none", layout.name, ex.FeesUnknown, ex.FeesWhy, ex.StatusUnknown, ex.CreatesUnknown)
		}
		if want := map[bool]int{false: 291, true: 0}[layout.logs]; ex.TokensUnverified != want {
			t.Fatalf("%s: %d token transfers unverified, want %d", layout.name, ex.TokensUnverified, want)
		}
		checkStream(t, layout.name, f, ex.Transfers, layout.logs)
		switch {
		case layout.logs:
		case first == nil:
			first = ex.Transfers
		case len(first) != len(ex.Transfers):
			t.Fatalf("bigquery layout gave %d transfers, ethereum-etl's %d", len(ex.Transfers), len(first))
		default:
			for i := range first {
				a, b := first[i], ex.Transfers[i]
				if tracing.Compare(&a, &b) != 0 || a.From != b.From || a.To != b.To || a.Amount != b.Amount || a.Asset != b.Asset || a.Time != b.Time {
					t.Fatalf("transfer %d: ethereum-etl layout %+v, bigquery %+v", i, a, b)
				}
			}
		}
	}
}

func checkStream(t *testing.T, layout string, f *streamFixture, got []tracing.Transfer, logs bool) {
	t.Helper()
	type block struct {
		miner   common.Address
		baseFee *big.Int
	}
	blocks := map[uint64]block{}
	for _, b := range f.blocks {
		blocks[num(t, b["number"]).Uint64()] = block{common.HexToAddress(str(b["miner"])), num(t, b["base_fee_per_gas"])}
	}
	type perTx struct{ burn, tip, value *big.Int }
	seen := map[common.Hash]*perTx{}
	tokens := map[[2]any]tracing.Transfer{}
	wraps := map[[2]any]tracing.Transfer{}
	for i := range got {
		tf := &got[i]
		if err := tf.Validate(); err != nil {
			t.Fatalf("%s: %+v: %v", layout, tf, err)
		}
		if i > 0 && tracing.Compare(&got[i-1], tf) > 0 {
			t.Fatalf("%s: transfers out of order at %d", layout, i)
		}
		p := seen[tf.TxHash]
		if p == nil {
			p = &perTx{new(big.Int), new(big.Int), new(big.Int)}
			seen[tf.TxHash] = p
		}
		switch tf.Kind {
		case tracing.BaseFeeBurn:
			p.burn.Add(p.burn, tf.Amount.ToBig())
		case tracing.GasTip:
			if tf.To != blocks[tf.Block].miner {
				t.Errorf("%s: tip of %s goes to %s, not the miner %s", layout, tf.TxHash.Hex(), tf.To.Hex(), blocks[tf.Block].miner.Hex())
			}
			p.tip.Add(p.tip, tf.Amount.ToBig())
		case tracing.TopLevelCall:
			p.value.Add(p.value, tf.Amount.ToBig())
		case tracing.TokenTransfer:
			tokens[[2]any{tf.TxHash, tf.LogIndex}] = *tf
		case tracing.Wrap, tracing.Unwrap:
			wraps[[2]any{tf.TxHash, tf.LogIndex}] = *tf
		default:
			t.Errorf("%s: unexpected %s transfer %+v", layout, tf.Kind, tf)
		}
	}
	failed := 0
	for _, tx := range f.txs {
		h := common.HexToHash(str(tx["hash"]))
		p := seen[h]
		if p == nil {
			t.Fatalf("%s: no transfer of %s (every transaction pays a fee)", layout, h.Hex())
		}
		gas := num(t, tx["receipt_gas_used"])
		b := blocks[num(t, tx["block_number"]).Uint64()]
		if want := new(big.Int).Mul(gas, b.baseFee); p.burn.Cmp(want) != 0 {
			t.Errorf("%s: %s burned %s, want gas used × base fee = %s", layout, h.Hex(), p.burn, want)
		}
		fee := new(big.Int).Mul(gas, num(t, tx["receipt_effective_gas_price"]))
		if total := new(big.Int).Add(p.burn, p.tip); total.Cmp(fee) != 0 {
			t.Errorf("%s: %s paid %s in fees, want gas used × effective price = %s", layout, h.Hex(), total, fee)
		}
		want := num(t, tx["value"])
		if str(tx["receipt_status"]) == "0" {
			failed++
			want = new(big.Int)
		}
		if p.value.Cmp(want) != 0 {
			t.Errorf("%s: %s moved %s, want %s (status %s)", layout, h.Hex(), p.value, want, str(tx["receipt_status"]))
		}
	}
	if failed != 9 {
		t.Fatalf("%d failed transactions, want the 9 the JSON export has", failed)
	}
	// Token transfers against the Transfer events they were extracted
	// from: topic 1 and 2 are from and to, the data (ERC-20) or topic 3
	// (ERC-721) the value. Without logs.csv an ERC-721 transfer cannot be
	// told from an ERC-20 one: it reads as an ERC-20 amount equal to the
	// token id. WETH's Deposit and Withdrawal events are wraps and unwraps
	// when logs.csv is there.
	const transferTopic = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
	const depositTopic = "0xe1fffcc4923d04b559f4d29a8bfc6cda04eb5b0d3c460751c2402c5c5cc9109c"
	const withdrawalTopic = "0x7fcf532c15f0a6db0bd6d0e038bea71d30d808c7d98cb3bf7268a95bf5081b65"
	weth := common.HexToAddress("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2")
	n, nfts, nWraps, multi := 0, 0, 0, 0
	for _, l := range f.logs {
		topics, _ := l["topics"].([]any)
		key := [2]any{common.HexToHash(str(l["transaction_hash"])), uint32(num(t, l["log_index"]).Uint64())}
		addr := common.HexToAddress(str(l["address"]))
		if len(topics) == 2 && addr == weth && (topics[0] == depositTopic || topics[0] == withdrawalTopic) {
			nWraps++
			w, ok := wraps[key]
			who := common.HexToAddress(topics[1].(string))
			amount := new(big.Int).SetBytes(common.FromHex(str(l["data"])))
			switch {
			case !logs:
				if ok {
					t.Errorf("%s: a wrap without logs.csv: %+v", layout, w)
				}
			case !ok || w.Amount.ToBig().Cmp(amount) != 0 ||
				topics[0] == depositTopic && (w.Kind != tracing.Wrap || w.To != who || w.From != weth) ||
				topics[0] == withdrawalTopic && (w.Kind != tracing.Unwrap || w.From != who || w.To != weth):
				t.Errorf("%s: log %v (%s of %s by %s): got %+v (found %v)", layout, key, topics[0], amount, who.Hex(), w, ok)
			}
			continue
		}
		if len(topics) == 4 && (topics[0] == tracing.TransferSingleTopic.Hex() || topics[0] == tracing.TransferBatchTopic.Hex()) {
			// ERC-1155 (mainnet has one TransferSingle here: a mint):
			// read from logs.csv only.
			multi++
			tf, ok := tokens[key]
			data := common.FromHex(str(l["data"]))
			switch {
			case !logs:
				if ok {
					t.Errorf("%s: an ERC-1155 transfer without logs.csv: %+v", layout, tf)
				}
			case topics[0] != tracing.TransferSingleTopic.Hex() || len(data) != 64:
				t.Errorf("%s: log %v: a TransferBatch or a malformed TransferSingle; the check expects the mint", layout, key)
			case !ok || tf.Asset != tracing.MultiTokenAsset(1, addr, new(uint256.Int).SetBytes(data[:32])) || tf.ItemIndex != 0 ||
				tf.From != common.HexToAddress(topics[2].(string)) || tf.To != common.HexToAddress(topics[3].(string)) ||
				tf.Amount.ToBig().Cmp(new(big.Int).SetBytes(data[32:])) != 0:
				t.Errorf("%s: log %v: got %+v (found %v)", layout, key, tf, ok)
			}
			continue
		}
		if len(topics) < 3 || topics[0] != transferTopic {
			continue
		}
		n++
		tf, ok := tokens[key]
		value := common.FromHex(str(l["data"]))
		asset := tracing.TokenAsset(1, addr)
		if len(topics) == 4 {
			value = common.FromHex(topics[3].(string))
			if logs {
				nfts++
				id := new(uint256.Int).SetBytes(value)
				asset, value = tracing.NFTAsset(1, addr, id), []byte{1}
			}
		}
		if !ok || tf.Asset != asset || tf.From != common.HexToAddress(topics[1].(string)) ||
			tf.To != common.HexToAddress(topics[2].(string)) || tf.Amount.ToBig().Cmp(new(big.Int).SetBytes(value)) != 0 {
			t.Errorf("%s: log %v: got %+v (found %v)", layout, key, tf, ok)
		}
	}
	wantTokens := n
	if logs {
		wantTokens += multi // the ERC-1155 mint is a token transfer too
	}
	if n != 291 || len(tokens) != wantTokens || logs && nfts != 9 || multi != 1 {
		t.Fatalf("%s: %d token transfers for %d Transfer events (%d ERC-721) and %d ERC-1155 events, want 291 (9) and 1", layout, len(tokens), n, nfts, multi)
	}
	if nWraps != 61 || logs && len(wraps) != 61 {
		t.Fatalf("%s: %d wraps and unwraps for %d WETH Deposit and Withdrawal events, want 61", layout, len(wraps), nWraps)
	}
}

// TestTokenTransfersAgainstLogs: test_export_token_transfers_job's
// expected CSV read row by row equals the Transfer events of the
// eth_getFilterLogs response it was made from.
func TestTokenTransfersAgainstLogs(t *testing.T) {
	t.Parallel()
	dir := "test_export_token_transfers_job/block_with_transfers"
	csvData := readShared(t, dir, "expected_token_transfers.csv")
	var resp struct {
		Result []struct {
			Address, Data, TransactionHash, LogIndex, BlockNumber string
			Topics                                                []string
		}
	}
	if err := json.Unmarshal(readShared(t, dir, "web3_response.eth_getFilterLogs_0x0.json"), &resp); err != nil {
		t.Fatal(err)
	}
	var got []etl.TokenTransfer
	if err := etl.ReadTokenTransfers("token_transfers.csv", bytes.NewReader(csvData), func(_ int, tt *etl.TokenTransfer) error {
		got = append(got, *tt)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(resp.Result) || len(got) == 0 {
		t.Fatalf("%d rows for %d logs", len(got), len(resp.Result))
	}
	for i, l := range resp.Result {
		g := got[i]
		if g.Token != common.HexToAddress(l.Address) || g.From != common.HexToAddress(l.Topics[1]) || g.To != common.HexToAddress(l.Topics[2]) ||
			g.Value.ToBig().Cmp(new(big.Int).SetBytes(common.FromHex(l.Data))) != 0 || g.TxHash != common.HexToHash(l.TransactionHash) ||
			uint64(g.LogIndex) != hexNum(t, l.LogIndex) || g.Block != hexNum(t, l.BlockNumber) {
			t.Errorf("row %d: %+v, log %+v", i, g, l)
		}
	}
}

func hexNum(t testing.TB, s string) uint64 {
	n, ok := new(big.Int).SetString(strings.TrimPrefix(s, "0x"), 16)
	if !ok {
		t.Fatalf("%q is not hex", s)
	}
	return n.Uint64()
}

// TestExportWithTraces: a hand-made export with traces.csv (a transfer
// through a contract, a failed transaction that still pays its fee, a
// reverted subcall, a pre-London block whose fee all goes to the miner).
func TestExportWithTraces(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{}
	for _, n := range []string{"transactions.csv", "traces.csv", "receipts.csv", "blocks.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", "export", n))
		if err != nil {
			t.Fatal(err)
		}
		fsys[n] = &fstest.MapFile{Data: b}
	}
	ex, err := etl.Load(fsys, etl.Options{Chain: 1})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tf := range ex.Transfers {
		got = append(got, strings.Join([]string{tf.Kind.String(), tf.TxHash.Hex()[:4], strings.ToLower(tf.From.Hex()[:4]), strings.ToLower(tf.To.Hex()[:4]),
			tf.Amount.Dec(), traceAddr(tf.TraceAddress)}, " "))
	}
	want := []string{
		"gas-tip 0x01 0xa1 0xfe 21000 ",        // pre-London: the whole fee to the miner
		"call 0x01 0xa1 0xb2 1000 []",          // the transaction's value
		"internal-call 0x01 0xb2 0xc3 600 [0]", // forwarded; the reverted [1] and [1 0] are not
		"base-fee-burn 0x02 0xa1 0x00 20000 ",  // London: 10,000 gas × base fee 2 burned
		"gas-tip 0x02 0xa1 0xfe 10000 ",        // 10,000 gas × (3 − 2) to the miner
		"base-fee-burn 0x03 0xa1 0x00 10000 ",  // the failed transaction pays its fee
		"gas-tip 0x03 0xa1 0xfe 5000 ",         // but moves nothing
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ex.FeesUnknown != 0 || ex.StatusUnknown != 0 {
		t.Fatalf("fees unknown %d, status unknown %d: want none", ex.FeesUnknown, ex.StatusUnknown)
	}
}

func traceAddr(p []uint32) string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, n := range p {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(big.NewInt(int64(n)).String())
	}
	b.WriteByte(']')
	return b.String()
}

// TestBadInput: every problem is an invalid error naming the file, the
// line and what to do; extra columns are ignored.
func TestBadInput(t *testing.T) {
	t.Parallel()
	h1 := "0x" + strings.Repeat("01", 32)
	a := "0x" + strings.Repeat("a1", 20)
	head := "hash,block_number,transaction_index,from_address,to_address,value,block_timestamp\n"
	row := func(fields ...string) string { return strings.Join(fields, ",") + "\n" }
	good := row(h1, "5", "0", a, a, "7", "1700000000")
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no transactions", map[string]string{"token_transfers.csv": ""}, "transactions.csv: the export has no transactions.csv"},
		{"a JSON export", map[string]string{"transactions.json": "{}\n"}, "transactions.csv: the export has no transactions.csv but a transactions.json: this reads the CSV export; write it with ethereum-etl export_blocks_and_transactions --transactions-output transactions.csv"},
		{"missing column", map[string]string{"transactions.csv": "hash,block_number,from_address,to_address,value\n"}, "transactions.csv: line 1: the header lacks the column(s) transaction_index, block_timestamp"},
		{"duplicate column", map[string]string{"transactions.csv": "hash,hash\n"}, `line 1: the column "hash" appears twice`},
		{"short row", map[string]string{"transactions.csv": head + good + row(h1, "5")}, "transactions.csv: line 3 has a different number of fields from the header"},
		{"open quote", map[string]string{"transactions.csv": head + good + `"` + h1 + ",5\n"}, "transactions.csv: line 3: a quote is misplaced or never closed"},
		{"bad value", map[string]string{"transactions.csv": head + row(h1, "5", "0", a, a, "-7", "1700000000")}, `transactions.csv: line 2: value "-7" is not a whole decimal amount below 2^256`},
		{"fractional value", map[string]string{"transactions.csv": head + row(h1, "5", "0", a, a, "7.5", "1700000000")}, `value "7.5" is not a whole decimal amount`},
		{"huge value", map[string]string{"transactions.csv": head + row(h1, "5", "0", a, a, "1"+strings.Repeat("0", 78), "1700000000")}, "below 2^256"},
		{"bad address", map[string]string{"transactions.csv": head + row(h1, "5", "0", "0x12", a, "7", "1700000000")}, `transactions.csv: line 2: from_address "0x12" is not a 0x-prefixed 20-byte hex address`},
		{"bad hash", map[string]string{"transactions.csv": head + row("0x12", "5", "0", a, a, "7", "1700000000")}, `line 2: hash "0x12" is not a 0x-prefixed 32-byte hex hash`},
		{"bad time", map[string]string{"transactions.csv": head + row(h1, "5", "0", a, a, "7", "yesterday")}, `line 2: block_timestamp "yesterday" is not a timestamp`},
		{"duplicate tx", map[string]string{"transactions.csv": head + good + good}, "appears twice"},
		{"unknown tx in tokens", map[string]string{"transactions.csv": head + good,
			"token_transfers.csv": "token_address,from_address,to_address,value,transaction_hash,log_index,block_number\n" + row(a, a, a, "1", "0x"+strings.Repeat("02", 32), "0", "5")},
			"token_transfers.csv: line 2: a transfer of 0x0202"},
		{"token transfer without its log", map[string]string{"transactions.csv": head + good,
			"token_transfers.csv": "token_address,from_address,to_address,value,transaction_hash,log_index,block_number\n" + row(a, a, a, "1", h1, "3", "5"),
			"logs.csv":            "log_index,transaction_hash,address,data,topics\n"},
			"token_transfers.csv: line 2: the transfer at log 3 of 0x0101"},
		{"bad topics", map[string]string{"transactions.csv": head + good,
			"logs.csv": "log_index,transaction_hash,address,data,topics\n" + row("0", h1, a, "0x", `"0x12,0x34"`)},
			`logs.csv: line 2: topics "0x12,0x34" is not a comma-separated list`},
		{"bad data", map[string]string{"transactions.csv": head + good,
			"logs.csv": "log_index,transaction_hash,address,data,topics\n" + row("0", h1, a, "0xabc", "")},
			`logs.csv: line 2: data "0xabc" is not 0x-prefixed hex bytes`},
		{"damaged deposit", map[string]string{"transactions.csv": head + good,
			"logs.csv": "log_index,transaction_hash,address,data,topics\n" + row("0", h1, "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", "0x01",
				"0xe1fffcc4923d04b559f4d29a8bfc6cda04eb5b0d3c460751c2402c5c5cc9109c")},
			"logs.csv: line 2: a Deposit event of the wrapped native token has 1 topics and 1 data bytes"},
		{"bad trace type", map[string]string{"transactions.csv": head + good,
			"traces.csv": "block_number,transaction_hash,transaction_index,from_address,to_address,value,trace_type,call_type,trace_address,error\n" + row("5", h1, "0", a, a, "7", "jump", "", "", "")},
			`traces.csv: line 2: trace_type "jump" is not call, create, suicide or reward`},
		{"bad trace address", map[string]string{"transactions.csv": head + good,
			"traces.csv": "block_number,transaction_hash,transaction_index,from_address,to_address,value,trace_type,call_type,trace_address,error\n" + row("5", h1, "0", a, a, "7", "call", "call", `"0,x"`, "")},
			`traces.csv: line 2: trace_address "0,x" is not a comma-separated list`},
		{"trace out of place", map[string]string{"transactions.csv": head + good,
			"traces.csv": "block_number,transaction_hash,transaction_index,from_address,to_address,value,trace_type,call_type,trace_address,error\n" + row("6", h1, "0", a, a, "7", "call", "call", "", "")},
			"places it at block 6 position 0"},
		{"untraced transaction", map[string]string{"transactions.csv": head + good,
			"traces.csv": "block_number,transaction_hash,transaction_index,from_address,to_address,value,trace_type,call_type,trace_address,error\n" + row("5", h1, "0", a, a, "7", "call", "call", "0", "")},
			"traces.csv: transaction 0x0101010101010101010101010101010101010101010101010101010101010101 (block 5 position 0) has no trace"},
		{"receipt status", map[string]string{"transactions.csv": head + good, "receipts.csv": "transaction_hash,gas_used,status\n" + row(h1, "21000", "2")},
			`receipts.csv: line 2: status "2" is not 1, 0 or empty`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fsys := fstest.MapFS{}
			for n, d := range c.files {
				fsys[n] = &fstest.MapFile{Data: []byte(d)}
			}
			_, err := etl.Load(fsys, etl.Options{Chain: 1})
			if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an invalid error containing %q", err, c.want)
			}
		})
	}

	// An empty file is no rows: ethereum-etl writes the header with the
	// first row.
	ex, err := etl.Load(fstest.MapFS{"transactions.csv": {Data: nil}, "traces.csv": {Data: nil}}, etl.Options{Chain: 1})
	if err != nil || ex.Transactions != 0 || len(ex.Transfers) != 0 {
		t.Fatalf("empty files: %+v, %v", ex, err)
	}

	// Extra columns, in any order, are ignored.
	ex, err = etl.Load(fstest.MapFS{"transactions.csv": {Data: []byte("zzz,value,block_timestamp,hash,to_address,from_address,transaction_index,block_number,input\n" +
		row("?", "7", "1700000000", h1, a, a, "0", "5", "0xdead"))}}, etl.Options{Chain: 1})
	if err != nil || len(ex.Transfers) != 1 || ex.Transfers[0].Amount.Uint64() != 7 {
		t.Fatalf("extra columns: %+v, %v", ex, err)
	}
}
