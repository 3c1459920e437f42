package ethrpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/ethereum/go-ethereum/common"
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
