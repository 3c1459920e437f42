package ethrpc_test

import (
	"math/big"
	"slices"
	"testing"

	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
)

// deployer wraps runtime code in init code that returns it:
// PUSH1 len DUP1 PUSH1 11 PUSH1 0 CODECOPY PUSH1 0 RETURN.
func deployer(runtime []byte) []byte {
	init := []byte{0x60, byte(len(runtime)), 0x80, 0x60, 0x0b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3}
	return append(init, runtime...)
}

// forwarderCode calls the identity precompile without value, then a with
// half the value it receives, then b with a quarter, ignoring whether the
// calls succeed (the rest stays with it):
//
//	PUSH1 0 ×5; PUSH1 4; GAS; CALL; POP
//	PUSH1 0 ×4; PUSH1 2; CALLVALUE; DIV; PUSH20 a; GAS; CALL; POP
//	PUSH1 0 ×4; PUSH1 4; CALLVALUE; DIV; PUSH20 b; GAS; CALL; POP; STOP
func forwarderCode(a, b common.Address) []byte {
	// First a call without value to the identity precompile (0x04), which
	// trace_block leaves out and callTracer shows.
	code := []byte{0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0x04, 0x5a, 0xf1, 0x50}
	for _, c := range []struct {
		to  common.Address
		div byte
	}{{a, 2}, {b, 4}} {
		code = append(code, 0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x60, c.div, 0x34, 0x04, 0x73)
		code = append(code, c.to.Bytes()...)
		code = append(code, 0x5a, 0xf1, 0x50)
	}
	return append(code, 0x00)
}

// destructorCode selfdestructs to beneficiary: PUSH20 beneficiary SELFDESTRUCT.
func destructorCode(beneficiary common.Address) []byte {
	return append(append([]byte{0x73}, beneficiary.Bytes()...), 0xff)
}

// TestAnvilTraceFormatsAgree runs internal transfers on a real node
// (Anvil answers both trace_block and debug_traceBlockByNumber with
// callTracer): a forwarder calling a precompile without value (which
// Anvil shows in both formats, Erigon and Reth in neither: it is pruned),
// paying on half its value and failing to pay a quarter to a contract that
// reverts, a contract that selfdestructs to a
// beneficiary, a contract creation with value, and a transaction that
// reverts. Both formats give the same transfers, exactly those expected,
// and the balances they imply for every account that pays no gas equal
// eth_getBalance.
func TestAnvilTraceFormatsAgree(t *testing.T) {
	t.Parallel()
	ch := newChain(t, ethrpc.Options{})
	accts := anviltest.DefaultAccounts()
	deployerAcct, payer := accts[0], accts[1]
	x := common.HexToAddress("0x000000000000000000000000000000000000aa01")
	y := common.HexToAddress("0x000000000000000000000000000000000000aa02")
	reverter := ch.contract // reverts when called without data
	fwd := crypto.CreateAddress(deployerAcct, 1)
	ch.node.SendTransaction(t, map[string]any{"from": deployerAcct, "data": hexutil.Bytes(deployer(forwarderCode(x, reverter))), "gas": hexutil.Uint64(300000)})
	destructor := crypto.CreateAddress(deployerAcct, 2)
	ch.node.SendTransaction(t, map[string]any{"from": deployerAcct, "data": hexutil.Bytes(deployer(destructorCode(y))), "gas": hexutil.Uint64(300000)})
	created := crypto.CreateAddress(payer, 2) // the payer's third transaction

	c := ch.client
	start, err := c.BlockNumber(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	watched := []common.Address{x, y, fwd, destructor, created, reverter}
	before := map[common.Address]*big.Int{}
	for _, a := range watched {
		if before[a], err = c.BalanceAt(ctx(t), a, ethrpc.AtBlock(start)); err != nil {
			t.Fatal(err)
		}
	}
	txs := []map[string]any{
		{"from": payer, "to": fwd, "value": (*hexutil.Big)(ether(8)), "gas": hexutil.Uint64(200000)},
		{"from": payer, "to": destructor, "value": (*hexutil.Big)(ether(1)), "gas": hexutil.Uint64(200000)},
		{"from": payer, "data": hexutil.Bytes{0x60, 0x00, 0x60, 0x00, 0xf3}, "value": (*hexutil.Big)(ether(3)), "gas": hexutil.Uint64(200000)},
		{"from": payer, "to": reverter, "value": (*hexutil.Big)(ether(1)), "gas": hexutil.Uint64(200000)},
	}
	var hashes []common.Hash
	for _, tx := range txs {
		hashes = append(hashes, ch.node.SendTransaction(t, tx))
	}
	end, err := c.BlockNumber(ctx(t))
	if err != nil {
		t.Fatal(err)
	}

	var got []tracing.Transfer
	for n := start + 1; n <= end; n++ {
		parity, err := c.TraceBlock(ctx(t), n)
		if err != nil {
			t.Fatal(err)
		}
		geth, err := c.TraceBlockCallTracer(ctx(t), n, nil)
		if err != nil {
			t.Fatal(err)
		}
		pt, err := transfers(parity)
		if err != nil {
			t.Fatal(err)
		}
		gt, err := transfers(geth)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(pt, gt, sameTransfer) {
			t.Fatalf("block %d: the formats disagree:\ntrace_block %+v\ncallTracer  %+v", n, pt, gt)
		}
		got = append(got, pt...)
	}

	want := []struct {
		tx       int
		kind     tracing.Kind
		path     []uint32
		from, to common.Address
		eth      int64
	}{
		{0, tracing.TopLevelCall, []uint32{}, payer, fwd, 8},
		{0, tracing.InternalCall, []uint32{0}, fwd, x, 4}, // the 2 ether to the reverting contract stays with the forwarder
		{1, tracing.TopLevelCall, []uint32{}, payer, destructor, 1},
		{1, tracing.SelfDestruct, []uint32{0}, destructor, y, 1},
		{2, tracing.Create, []uint32{}, payer, created, 3},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d transfers %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.TxHash != hashes[w.tx] || g.Kind != w.kind || !slices.Equal(g.TraceAddress, w.path) || g.From != w.from || g.To != w.to || g.Amount.ToBig().Cmp(ether(w.eth)) != 0 {
			t.Errorf("transfer %d = %s %v %s→%s %s in %s, want %s %v %s→%s %d ether in %s", i, g.Kind, g.TraceAddress, g.From.Hex(), g.To.Hex(), g.Amount.Dec(), g.TxHash.Hex(),
				w.kind, w.path, w.from.Hex(), w.to.Hex(), w.eth, hashes[w.tx].Hex())
		}
	}

	// Balances implied by the transfers equal the node's for every
	// account that pays no gas.
	for _, a := range watched {
		implied := new(big.Int).Set(before[a])
		for _, tf := range got {
			if tf.To == a {
				implied.Add(implied, tf.Amount.ToBig())
			}
			if tf.From == a {
				implied.Sub(implied, tf.Amount.ToBig())
			}
		}
		node, err := c.BalanceAt(ctx(t), a, ethrpc.AtBlock(end))
		if err != nil {
			t.Fatal(err)
		}
		if node.Cmp(implied) != 0 {
			t.Errorf("%s: the transfers imply %s wei, the node says %s", a.Hex(), implied, node)
		}
	}
}
