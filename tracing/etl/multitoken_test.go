package etl_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/etl"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// multiTokenExport is two transactions and a logs.csv with ERC-1155
// events of contract 0x…1155: a TransferSingle minting 30 of id 7 to A
// (tx 1, log 0); in tx 2 a TransferBatch from A to B of id 7 twice (10
// and 5, log 1), a TransferBatch with one id and two values (log 2) and a
// TransferSingle with three topics (log 3), both malformed.
func multiTokenExport() fstest.MapFS {
	w := func(x uint64) string { return common.BigToHash(new(uint256.Int).SetUint64(x).ToBig()).Hex()[2:] }
	a, b := "0x00000000000000000000000000000000000000a1", "0x00000000000000000000000000000000000000b2"
	pad := func(addr string) string { return "0x000000000000000000000000" + addr[2:] }
	single, batch := tracing.TransferSingleTopic.Hex(), tracing.TransferBatchTopic.Hex()
	tx1, tx2 := "0x"+strings.Repeat("01", 32), "0x"+strings.Repeat("02", 32)
	const contract = "0x0000000000000000000000000000000000001155"
	row := func(idx int, tx string, topics []string, data string) string {
		return strings.Join([]string{string(rune('0' + idx)), tx, contract, "0x" + data, `"` + strings.Join(topics, ",") + `"`}, ",") + "\n"
	}
	logs := "log_index,transaction_hash,address,data,topics\n" +
		row(0, tx1, []string{single, pad(a), pad("0x0000000000000000000000000000000000000000"), pad(a)}, w(7)+w(30)) +
		row(1, tx2, []string{batch, pad(a), pad(a), pad(b)}, w(64)+w(160)+w(2)+w(7)+w(7)+w(2)+w(10)+w(5)) +
		row(2, tx2, []string{batch, pad(a), pad(a), pad(b)}, w(64)+w(128)+w(1)+w(7)+w(2)+w(10)+w(5)) +
		row(3, tx2, []string{single, pad(a), pad(b)}, w(7)+w(1))
	txs := "hash,block_number,transaction_index,from_address,to_address,value,block_timestamp\n" +
		tx1 + ",100,0," + a + "," + contract + ",0,1600000000\n" +
		tx2 + ",101,0," + a + "," + contract + ",0,1600000012\n"
	return fstest.MapFS{etl.TransactionsFile: {Data: []byte(txs)}, etl.LogsFile: {Data: []byte(logs)}}
}

// TestMultiTokenFromLogs: ERC-1155 transfers come from logs.csv, one per
// item with its item index; malformed events are counted and the first
// named, not fatal; balances recomputed from the transfers are what the
// events say.
func TestMultiTokenFromLogs(t *testing.T) {
	t.Parallel()
	ex, err := etl.Load(multiTokenExport(), etl.Options{Chain: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ex.MultiTokenSkipped != 2 || !strings.Contains(ex.MultiTokenWhy, "logs.csv line 4") || !strings.Contains(ex.MultiTokenWhy, "1 ids but 2 values") {
		t.Fatalf("skipped %d (%q), want 2, the first at line 4 for its lengths", ex.MultiTokenSkipped, ex.MultiTokenWhy)
	}
	a, b := common.HexToAddress("0xa1"), common.HexToAddress("0xb2")
	id7 := tracing.MultiTokenAsset(1, common.HexToAddress("0x1155"), uint256.NewInt(7))
	type pos struct{ log, item uint32 }
	var got []pos
	l := tracing.NewLedger()
	for i := range ex.Transfers {
		tf := &ex.Transfers[i]
		if tf.Kind != tracing.TokenTransfer || tf.Asset != id7 {
			t.Fatalf("transfer %d: %+v", i, tf)
		}
		got = append(got, pos{tf.LogIndex, tf.ItemIndex})
		if err := l.Apply(tf); err != nil {
			t.Fatal(err)
		}
	}
	if want := []pos{{0, 0}, {1, 0}, {1, 1}}; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("transfers at %v, want %v", got, want)
	}
	if ba, bb := l.Balance(tracing.Holding{Address: a, Asset: id7}), l.Balance(tracing.Holding{Address: b, Asset: id7}); ba.Uint64() != 15 || bb.Uint64() != 15 {
		t.Errorf("balances of id 7: A %s, B %s, want 15 and 15", ba.Dec(), bb.Dec())
	}
}
