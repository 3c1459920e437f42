package ethrpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/thorchain"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// TestTransactionInputs fetches inputs in batches, and names a transaction
// the node does not know.
func TestTransactionInputs(t *testing.T) {
	t.Parallel()
	known := map[common.Hash]string{
		{1}: "0x1fece7b4",
		{2}: "0x",
		{3}: "0x44bc937b00",
	}
	node := newFakeNode(t, func(_ int64, w http.ResponseWriter, body []byte) {
		answer(w, body, func(r rpcReq) any {
			var h common.Hash
			_ = json.Unmarshal(r.Params[0], &h)
			in, ok := known[h]
			if !ok {
				return nil
			}
			if h == (common.Hash{3}) { // an old node's field name
				return map[string]any{"hash": h, "data": in}
			}
			return map[string]any{"hash": h, "input": in}
		})
	})
	c := dial(t, node.URL, ethrpc.Options{MaxBatchSize: 2})
	got, err := c.TransactionInputs(context.Background(), []common.Hash{{1}, {2}, {3}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[common.Hash][]byte{{1}: {0x1f, 0xec, 0xe7, 0xb4}, {2}: {}, {3}: {0x44, 0xbc, 0x93, 0x7b, 0}}
	if len(got) != len(want) {
		t.Fatalf("got %x", got)
	}
	for h, w := range want {
		if !bytes.Equal(got[h], w) {
			t.Errorf("%s: %x, want %x", h.Hex(), got[h], w)
		}
	}
	if node.requests.Load() != 2 {
		t.Errorf("%d requests for 3 hashes in batches of 2", node.requests.Load())
	}
	_, err = c.TransactionInputs(context.Background(), []common.Hash{{1}, {9}})
	if !bulwark.IsCode(err, bulwark.ENOTFOUND) || !strings.Contains(err.Error(), (common.Hash{9}).Hex()) {
		t.Errorf("unknown transaction: %v", err)
	}
	if got, err := c.TransactionInputs(context.Background(), nil); err != nil || len(got) != 0 {
		t.Errorf("no hashes: %v %v", got, err)
	}
}

// TestExitInputsEqualFiles: a THORChain deposit made through an aggregator
// contract (the transaction's input is the aggregator's, the router
// called inside it) gets its memo from the router's Deposit event on both
// ingestion paths: from a node's receipt (ExitInputs) and from an
// export's logs.csv (thorchain.ReadETL, without traces.csv). Both give the
// same exit, with the memo's destination.
func TestExitInputsEqualFiles(t *testing.T) {
	t.Parallel()
	const (
		memo = "=:b:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq:0/1/0:t:10"
		agg  = "0x00000000000000000000000000000000000a9900"
	)
	router := common.HexToAddress("0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146")
	vault := common.HexToAddress("0x00000000000000000000000000000000000000f1")
	mule := common.HexToAddress("0x00000000000000000000000000000000000000a2")
	tx := common.Hash{0xd0, 0x01}
	aggInput := "0x12345678" + strings.Repeat("00", 64)
	// The router's event: Deposit(to indexed, asset indexed, amount, memo).
	u256, _ := abi.NewType("uint256", "", nil)
	str, _ := abi.NewType("string", "", nil)
	data, err := abi.Arguments{{Type: u256}, {Type: str}}.Pack(big.NewInt(4), memo)
	if err != nil {
		t.Fatal(err)
	}
	topics := []common.Hash{thorchain.DepositTopic, common.BytesToHash(vault[:]), {}}
	eth := tracing.NativeAsset(1)
	transfers := []tracing.Transfer{
		{Chain: 1, Block: 7, TxHash: tx, Kind: tracing.TopLevelCall, From: mule, To: common.HexToAddress(agg), Asset: eth, TraceAddress: []uint32{}},
		{Chain: 1, Block: 7, TxHash: tx, Kind: tracing.InternalCall, From: common.HexToAddress(agg), To: router, Asset: eth, TraceAddress: []uint32{0}},
	}
	for i := range transfers {
		transfers[i].Amount.SetUint64(4)
	}

	node := newFakeNode(t, func(_ int64, w http.ResponseWriter, body []byte) {
		answer(w, body, func(r rpcReq) any {
			switch r.Method {
			case "eth_getTransactionByHash":
				return map[string]any{"hash": tx, "input": aggInput}
			case "eth_getTransactionReceipt":
				return map[string]any{"transactionHash": tx, "blockNumber": "0x7", "status": "0x1", "gasUsed": "0x1", "effectiveGasPrice": "0x1",
					"logs": []map[string]any{{"address": router, "topics": topics, "data": hexutil.Bytes(data), "logIndex": "0x0"}}}
			}
			return nil
		})
	})
	client := dial(t, node.URL, ethrpc.Options{})
	finder := &thorchain.Finder{Constants: thorchain.DefaultConstants(), Inputs: client, Chain: 1}
	fromNode, err := finder.ExitsFor(context.Background(), transfers)
	if err != nil {
		t.Fatal(err)
	}
	if n := client.Stats().Requests; n != 1 {
		t.Errorf("%d requests to the node: want the transaction and its receipt in one batch", n)
	}

	var topicCell []string
	for _, x := range topics {
		topicCell = append(topicCell, x.Hex())
	}
	fsys := fstest.MapFS{
		"transactions.csv": {Data: []byte("hash,to_address,input\n" + tx.Hex() + "," + agg + "," + aggInput + "\n")},
		"logs.csv": {Data: []byte("log_index,transaction_hash,address,data,topics\n0," + tx.Hex() + "," + strings.ToLower(router.Hex()) + "," +
			hexutil.Encode(data) + ",\"" + strings.Join(topicCell, ",") + "\"\n")},
	}
	d := thorchain.New(thorchain.DefaultConstants(), nil)
	inputs, err := thorchain.ReadETL(fsys, d)
	if err != nil {
		t.Fatal(err)
	}
	fromFiles, err := (&thorchain.Finder{Constants: thorchain.DefaultConstants(), Inputs: inputs}).ExitsFor(context.Background(), transfers)
	if err != nil {
		t.Fatal(err)
	}

	a, okA := fromNode.Exit(&transfers[1])
	b, okB := fromFiles.Exit(&transfers[1])
	if !okA || !okB || a != b {
		t.Fatalf("node %+v (%v), files %+v (%v): want the same exit", a, okA, b, okB)
	}
	if a.Memo != memo || a.DestChain != "BTC" || a.DestAddress != "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq" {
		t.Errorf("exit %+v: want the memo of the router's event and its destination", a)
	}
}
