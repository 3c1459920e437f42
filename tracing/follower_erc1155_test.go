package tracing_test

import (
	"context"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/tracing"
)

// batchChain is a scriptChain whose blocks also hold, at a given block,
// an ERC-1155 TransferBatch of ids 1 and 2 (one transfer per item, at log
// index 0).
type batchChain struct {
	*scriptChain
	batches map[uint64][2]common.Address // block -> from, to
}

var multiToken = common.HexToAddress("0x0000000000000000000000000000000000001155")

func (c *batchChain) Block(ctx context.Context, n uint64) (tracing.NodeBlock, error) {
	b, err := c.scriptChain.Block(ctx, n)
	if ft, ok := c.batches[n]; ok && err == nil {
		for item, id := range []uint64{1, 2} {
			t := tracing.Transfer{Chain: followChain, Block: n, TxIndex: 9, TxHash: common.Hash{0x11, 0x55, byte(n)}, Time: b.Header.Time,
				Kind: tracing.TokenTransfer, LogIndex: 0, ItemIndex: uint32(item), From: ft[0], To: ft[1],
				Asset: tracing.MultiTokenAsset(followChain, multiToken, uint256.NewInt(id))}
			t.Amount.SetUint64(10 * id)
			b.Transfers = append(b.Transfers, t)
		}
	}
	return b, err
}

// TestFollowerMultiTokenBatch: the two items of one TransferBatch into a
// deposit address are two alerts, stored apart (their positions log:0.0
// and log:0.1), each naming its item.
func TestFollowerMultiTokenBatch(t *testing.T) {
	t.Parallel()
	e := newFollowerEnv(t)
	c := &batchChain{scriptChain: e.chain, batches: map[uint64][2]common.Address{}}
	c.batches[c.mine()] = [2]common.Address{{}, thief} // minted to the thief
	at := c.mine()
	c.batches[at] = [2]common.Address{thief, deposit}
	rec := &tracing.Recorder{Store: e.db, Log: &audit.Log{Store: e.db}, Actor: "system:follower"}
	f := tracing.NewFollower(tracing.FollowerConfig{Chain: followChain, Source: c, Store: e.db, Batch: 3,
		Follows: tracing.StaticFollows{{ID: "watch:test", Request: tracing.Request{Chain: followChain, SeedAddresses: []common.Address{thief},
			Policy: tracing.Haircut, Bounds: tracing.Bounds{FromBlock: 1}}}},
		Record: rec.Record})
	step(t, f, at)
	got := e.alerts(t)
	if len(got) != 2 {
		t.Fatalf("alerts = %+v, want one per item", got)
	}
	for i, a := range got {
		want := tracing.MultiTokenAsset(followChain, multiToken, uint256.NewInt(uint64(i+1))).String()
		if a.Block != at || a.Asset != want || a.LogIndex == nil || *a.LogIndex != 0 || a.ItemIndex == nil || *a.ItemIndex != uint32(i) ||
			a.Position() != "log:0."+string(rune('0'+i)) || a.Taint != a.Amount {
			t.Errorf("alert %d = %+v (position %s), want item %d of %s wholly tainted", i, a, a.Position(), i, want)
		}
	}
}
