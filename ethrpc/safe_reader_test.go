package ethrpc_test

import (
	"bytes"
	"context"
	"math/big"
	"net/http"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/safe/onchain"
)

func TestBlockRefOf(t *testing.T) {
	h := common.HexToHash("0xabc")
	for _, tc := range []struct {
		in   onchain.BlockID
		want ethrpc.BlockRef
	}{
		{onchain.LatestBlock, ethrpc.Latest},
		{onchain.AtBlockNumber(0), "0x0"},
		{onchain.AtBlockNumber(21895238), "0x14e1846"},
		{onchain.AtBlockHash(h), ethrpc.AtHash(h)},
	} {
		if got := ethrpc.BlockRefOf(tc.in); got != tc.want {
			t.Errorf("BlockRefOf(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestAnvilBatchRead reads code, storage, a balance, calls (one that
// reverts) and nonces in one batch, at the latest block, by number and by
// hash, split into requests of two calls.
func TestAnvilBatchRead(t *testing.T) {
	ch := newChain(t, ethrpc.Options{MaxBatchSize: 2}, anviltest.Silent())
	c := ch.client
	deployer, holder := anviltest.DefaultAccounts()[0], anviltest.DefaultAccounts()[1]
	reads := func() []onchain.Read {
		return []onchain.Read{
			{Kind: onchain.ReadCode, Addr: ch.contract},
			{Kind: onchain.ReadStorage, Addr: ch.contract, Slot: slot(1)},
			{Kind: onchain.ReadStorage, Addr: ch.contract, Slot: slot(7)},
			{Kind: onchain.ReadBalance, Addr: holder},
			{Kind: onchain.ReadCall, Addr: ch.contract, Data: slot(0).Bytes()},
			{Kind: onchain.ReadCall, Addr: ch.contract},
			{Kind: onchain.ReadNonce, Addr: deployer}, // sent the deployment in block 1
			{Kind: onchain.ReadNonce, Addr: holder},   // sent nothing
			{Kind: onchain.ReadKind(99), Addr: ch.contract},
		}
	}
	h, err := c.HeaderByNumber(ctx(t), ethrpc.AtBlock(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range []onchain.BlockID{onchain.LatestBlock, onchain.AtBlockNumber(1), onchain.AtBlockHash(h.Hash)} {
		t.Run(block.String(), func(t *testing.T) {
			rs := reads()
			req0 := c.Stats().Requests
			if err := c.BatchRead(ctx(t), block, rs); err != nil {
				t.Fatal(err)
			}
			if n := c.Stats().Requests - req0; n != 4 { // eight calls, two per request
				t.Errorf("%d requests, want 4", n)
			}
			for i, r := range rs[:8] {
				if r.Err != nil {
					t.Fatalf("read %d (%s): %v", i, r.Kind, r.Err)
				}
			}
			if !bytes.Equal(rs[0].Out, runtimeCode(t)) {
				t.Errorf("code %x", rs[0].Out)
			}
			if common.BytesToHash(rs[1].Out) != slot(0xbeef) || len(rs[1].Out) != 32 {
				t.Errorf("slot 1 = %x", rs[1].Out)
			}
			if !bytes.Equal(rs[2].Out, make([]byte, 32)) {
				t.Errorf("empty slot = %x, want 32 zero bytes", rs[2].Out)
			}
			if len(rs[3].Out) != 32 || common.BytesToHash(rs[3].Out).Big().Sign() <= 0 {
				t.Errorf("balance %x", rs[3].Out)
			}
			if common.BytesToHash(rs[4].Out) != slot(0x2a) || rs[4].Reverted {
				t.Errorf("call = %x reverted %v", rs[4].Out, rs[4].Reverted)
			}
			if !rs[5].Reverted || !bytes.Equal(rs[5].Out, revertBoom()) {
				t.Errorf("reverting call: reverted %v data %x", rs[5].Reverted, rs[5].Out)
			}
			if len(rs[6].Out) != 32 || common.BytesToHash(rs[6].Out) != slot(1) {
				t.Errorf("deployer's nonce %x, want 1", rs[6].Out)
			}
			if !bytes.Equal(rs[7].Out, make([]byte, 32)) {
				t.Errorf("holder's nonce %x, want 32 zero bytes", rs[7].Out)
			}
			if !bulwark.IsCode(rs[8].Err, bulwark.EINTERNAL) || rs[8].Out != nil {
				t.Errorf("unknown kind: %v", rs[8].Err)
			}
		})
	}

	// Before the contract existed (genesis) there is no code and no
	// storage, and the deployer had sent nothing.
	rs := append(reads()[:2], reads()[6])
	if err := c.BatchRead(ctx(t), onchain.AtBlockNumber(0), rs); err != nil || len(rs[0].Out) != 0 || common.BytesToHash(rs[1].Out) != (common.Hash{}) ||
		rs[2].Err != nil || !bytes.Equal(rs[2].Out, make([]byte, 32)) {
		t.Errorf("at genesis: %v code %x slot %x nonce %x (%v)", err, rs[0].Out, rs[1].Out, rs[2].Out, rs[2].Err)
	}
	// A block the node does not have is a per-read error.
	rs = reads()[:1]
	if err := c.BatchRead(ctx(t), onchain.AtBlockHash(common.HexToHash("0x1234")), rs); err != nil || rs[0].Err == nil {
		t.Errorf("unknown block: %v, read error %v", err, rs[0].Err)
	}
	// An empty batch sends nothing.
	req0 := c.Stats().Requests
	if err := c.BatchRead(ctx(t), onchain.LatestBlock, nil); err != nil || c.Stats().Requests != req0 {
		t.Errorf("empty batch: %v", err)
	}
}

func TestBatchReadNodeDown(t *testing.T) {
	f := newFakeNode(t, func(_ int64, w http.ResponseWriter, _ []byte) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	c := dial(t, f.URL, fast(-1))
	rs := []onchain.Read{{Kind: onchain.ReadCode, Addr: common.HexToAddress("0x01")}, {Kind: onchain.ReadBalance, Addr: common.HexToAddress("0x02")}}
	err := c.BatchRead(context.Background(), onchain.LatestBlock, rs)
	if !bulwark.IsCode(err, bulwark.EUNAVAILABLE) || !bulwark.IsCode(rs[0].Err, bulwark.EUNAVAILABLE) || !bulwark.IsCode(rs[1].Err, bulwark.EUNAVAILABLE) {
		t.Errorf("err %v, reads %v / %v", err, rs[0].Err, rs[1].Err)
	}
	// Through the safe package it is the one error of the call.
	if _, err := onchain.ReadStates(context.Background(), c, []common.Address{common.HexToAddress("0x5afe")}, onchain.AtBlockNumber(1)); !bulwark.IsCode(err, bulwark.EUNAVAILABLE) {
		t.Errorf("ReadStates: %v", err)
	}
}

func TestBatchReadMalformed(t *testing.T) {
	f := newFakeNode(t, func(_ int64, w http.ResponseWriter, body []byte) {
		answer(w, body, func(r rpcReq) any {
			switch r.Method {
			case "eth_getStorageAt":
				return "0x" + string(bytes.Repeat([]byte("ab"), 33)) // 33 bytes
			case "eth_getBalance":
				return "0x1"
			case "eth_getTransactionCount":
				if len(r.Params) > 0 && bytes.Contains(r.Params[0], []byte("0x0000000000000000000000000000000000000002")) {
					return "0x10000000000000000" // 2^64: not a uint64
				}
				return "0x5"
			}
			return "0x"
		})
	})
	c := dial(t, f.URL, fast(-1))
	rs := []onchain.Read{{Kind: onchain.ReadStorage}, {Kind: onchain.ReadBalance}, {Kind: onchain.ReadCode}, {Kind: onchain.ReadNonce},
		{Kind: onchain.ReadNonce, Addr: common.HexToAddress("0x02")}}
	if err := c.BatchRead(context.Background(), onchain.LatestBlock, rs); err != nil {
		t.Fatal(err)
	}
	if !bulwark.IsCode(rs[0].Err, bulwark.EINVALID) || rs[0].Out != nil {
		t.Errorf("33-byte storage word: %v %x", rs[0].Err, rs[0].Out)
	}
	if rs[1].Err != nil || common.BytesToHash(rs[1].Out) != common.BigToHash(common.Big1) || len(rs[1].Out) != 32 {
		t.Errorf("balance %x %v", rs[1].Out, rs[1].Err)
	}
	if rs[2].Err != nil || len(rs[2].Out) != 0 {
		t.Errorf("code %x %v", rs[2].Out, rs[2].Err)
	}
	if rs[3].Err != nil || common.BytesToHash(rs[3].Out) != common.BigToHash(big.NewInt(5)) || len(rs[3].Out) != 32 {
		t.Errorf("nonce %x %v", rs[3].Out, rs[3].Err)
	}
	if !bulwark.IsCode(rs[4].Err, bulwark.EINVALID) || rs[4].Out != nil {
		t.Errorf("nonce of 2^64: %v %x", rs[4].Err, rs[4].Out)
	}
}
