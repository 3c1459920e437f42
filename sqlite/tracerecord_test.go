package sqlite_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
)

// TestTransfersMalformedRecord: a stored transfer whose record was cut
// short outside bulwark is read as an EINTEGRITY error naming its block
// and the record's field, not as a transfer.
func TestTransfersMalformedRecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openStore(t)
	const chain = 31337
	h := tracing.BlockHeader{Number: 7, Hash: common.Hash{0xbb, 7}, Parent: common.Hash{0xbb, 6}, Time: 1_700_000_084}
	tr := tracing.Transfer{Chain: chain, Block: 7, TxHash: common.Hash{0x7a, 7}, Time: h.Time, Kind: tracing.TopLevelCall,
		TraceAddress: []uint32{}, From: common.Address{0xa1}, To: common.Address{0xa2}, Asset: tracing.NativeAsset(chain)}
	tr.Amount.SetUint64(700)
	if err := db.PutBlocks(ctx, chain, "node", []tracing.BlockHeader{h}, []tracing.Transfer{tr}); err != nil {
		t.Fatal(err)
	}
	q := tracing.TransferQuery{Chain: chain, Source: "node"}
	if ts, err := db.Transfers(ctx, q); err != nil || len(ts) != 1 {
		t.Fatalf("Transfers before = %d, %v", len(ts), err)
	}
	mustExec(t, rawDB(t, db.Path()), `UPDATE trace_transfers SET records = substr(records, 1, 10)`)
	ts, err := db.Transfers(ctx, q)
	if bulwark.ErrorCode(err) != bulwark.EINTEGRITY || !strings.Contains(err.Error(), "block 7") || !strings.Contains(err.Error(), "its length") {
		t.Fatalf("Transfers after = %d, %v; want EINTEGRITY naming block 7 and the length", len(ts), err)
	}
}
