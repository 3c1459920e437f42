package decode

import (
	"encoding/json"
	"math/big"
	"testing"

	"github.com/bulwark-sec/bulwark/safe"
	"github.com/ethereum/go-ethereum/common"
)

// benchBatch is a MultiSendCallOnly 1.4.1 batch of 20 calls: ERC-20
// transfers and approvals, Safe self-calls (owners, threshold, guard,
// fallback handler, modules), an ERC-721 approval for all, a Multicall3
// batch and plain ETH transfers.
func benchBatch(b testing.TB) []byte {
	var txs []MultiSendTx
	for i := 0; i < 6; i++ {
		txs = append(txs, MultiSendTx{To: usdc, Data: calldata(b, "transfer(address to,uint256 amount)", bob, big.NewInt(int64(1000+i)))})
	}
	txs = append(txs,
		MultiSendTx{To: usdc, Data: calldata(b, "approve(address spender,uint256 amount)", trojan, new(big.Int).Set(safe.MaxUint256))},
		MultiSendTx{To: usdc, Data: calldata(b, "transferFrom(address from,address to,uint256 value)", alice, bob, big.NewInt(5))},
		MultiSendTx{To: pcaversaccioSafe, Data: calldata(b, "addOwnerWithThreshold(address owner,uint256 _threshold)", alice, big.NewInt(2))},
		MultiSendTx{To: pcaversaccioSafe, Data: calldata(b, "removeOwner(address prevOwner,address owner,uint256 _threshold)", common.HexToAddress("0x1"), bob, big.NewInt(2))},
		MultiSendTx{To: pcaversaccioSafe, Data: calldata(b, "swapOwner(address prevOwner,address oldOwner,address newOwner)", common.HexToAddress("0x1"), alice, bob)},
		MultiSendTx{To: pcaversaccioSafe, Data: calldata(b, "changeThreshold(uint256 _threshold)", big.NewInt(3))},
		MultiSendTx{To: pcaversaccioSafe, Data: calldata(b, "setGuard(address guard)", trojan)},
		MultiSendTx{To: pcaversaccioSafe, Data: calldata(b, "setFallbackHandler(address handler)", handler130)},
		MultiSendTx{To: pcaversaccioSafe, Data: calldata(b, "enableModule(address module)", trojan)},
		MultiSendTx{To: trojan, Data: calldata(b, "setApprovalForAll(address operator,bool approved)", trojan, true)},
		MultiSendTx{To: Multicall3Address, Data: calldata(b, "aggregate3((address target,bool allowFailure,bytes callData)[] calls)",
			[]call3{{usdc, false, calldata(b, "transfer(address to,uint256 amount)", bob, big.NewInt(1))}})},
		MultiSendTx{To: bob, Value: big.NewInt(1e18)},
		MultiSendTx{To: alice, Value: big.NewInt(2e18)},
		MultiSendTx{To: usdc, Data: common.FromHex("0xdeadbeef")},
	)
	if len(txs) != 20 {
		b.Fatalf("%d calls", len(txs))
	}
	return MultiSendCalldata(txs)
}

// BenchmarkDecode decodes a 20-call MultiSendCallOnly batch with ERC-20
// calls and Safe self-calls (issue 3's budget for hash + decode + policy of
// one transaction is 1 ms).
func BenchmarkDecode(b *testing.B) {
	data := benchBatch(b)
	d := &Decoder{Safe: pcaversaccioSafe, Version: safe.Version{Major: 1, Minor: 4, Patch: 1}, ChainID: big.NewInt(1)}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := d.Decode(callOnly141, nil, data, safe.DelegateCall)
		if err != nil || len(c.Calls) != 20 {
			b.Fatalf("%v %d", err, len(c.Calls))
		}
	}
}

// BenchmarkHashAndDecode adds the Safe transaction hashes and the JSON
// encoding of the tree: what `safe verify` will do before its policy runs.
func BenchmarkHashAndDecode(b *testing.B) {
	data := benchBatch(b)
	d := &Decoder{Safe: pcaversaccioSafe, Version: safe.Version{Major: 1, Minor: 4, Patch: 1}, ChainID: big.NewInt(1)}
	dom := safe.Domain{ChainID: big.NewInt(1), Safe: pcaversaccioSafe, Version: d.Version}
	tx := safe.Tx{To: callOnly141, Data: data, Operation: safe.DelegateCall, Nonce: big.NewInt(6)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dom.HashTx(tx); err != nil {
			b.Fatal(err)
		}
		c, err := d.DecodeTx(tx)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(c); err != nil {
			b.Fatal(err)
		}
	}
}
