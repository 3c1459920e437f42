package ethrpc_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/safe/watch"
)

// TestWatchReaderBlockHeader: the watcher's header is the node's block,
// asked for by number; a block the node does not have is ENOTFOUND (the
// watcher waits for it, the monitor takes it as a reorg).
func TestWatchReaderBlockHeader(t *testing.T) {
	t.Parallel()
	hash := common.HexToHash("0x11")
	parent := common.HexToHash("0x22")
	f := newFakeNode(t, func(n int64, w http.ResponseWriter, body []byte) {
		answer(w, body, func(r rpcReq) any {
			if r.Method != "eth_getBlockByNumber" || len(r.Params) == 0 {
				t.Errorf("method %s %s", r.Method, r.Params)
				return nil
			}
			switch strings.Trim(string(r.Params[0]), `"`) {
			case "0x7":
				return map[string]any{"number": "0x7", "hash": hash, "parentHash": parent, "timestamp": "0x1",
					"miner": common.Address{}, "stateRoot": common.Hash{}, "gasLimit": "0x1", "gasUsed": "0x0", "transactions": []string{}}
			default:
				return nil
			}
		})
	})
	var r watch.Reader = ethrpc.WatchReader{Client: dial(t, f.URL, fast(0))}
	h, err := r.BlockHeader(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	if want := (watch.BlockHeader{Number: 7, Hash: hash, ParentHash: parent}); h != want {
		t.Fatalf("header = %+v, want %+v", h, want)
	}
	if _, err := r.BlockHeader(context.Background(), 8); !bulwark.IsCode(err, bulwark.ENOTFOUND) {
		t.Fatalf("missing block: err = %v, want ENOTFOUND", err)
	}
}
