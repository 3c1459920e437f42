package decode

import (
	"bytes"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
)

func TestPackUnpackMultiSend(t *testing.T) {
	txs := []MultiSendTx{
		{Operation: safe.Call, To: usdc, Value: big.NewInt(0), Data: common.FromHex("0xa9059cbb")},
		{Operation: safe.DelegateCall, To: callOnly130, Value: big.NewInt(12345), Data: nil},
		{Operation: safe.Call, To: bob, Value: new(big.Int).Set(safe.MaxUint256), Data: bytes.Repeat([]byte{7}, 100)},
	}
	batch := PackMultiSend(txs)
	if len(batch) != 3*85+4+100 {
		t.Fatalf("packed %d bytes", len(batch))
	}
	got, err := UnpackMultiSend(batch)
	if err != nil {
		t.Fatal(err)
	}
	offsets := []int{0, 89, 174}
	for i := range txs {
		if got[i].Operation != txs[i].Operation || got[i].To != txs[i].To || got[i].Value.Cmp(txs[i].Value) != 0 || !bytes.Equal(got[i].Data, txs[i].Data) || got[i].Offset != offsets[i] {
			t.Errorf("entry %d: %+v, packed %+v", i, got[i], txs[i])
		}
	}
	// The calldata wraps the batch as multiSend(bytes) with ABI padding.
	cd := MultiSendCalldata(txs)
	if want := calldata(t, "multiSend(bytes transactions)", batch); !bytes.Equal(cd, want) {
		t.Errorf("MultiSendCalldata differs from go-ethereum's packing")
	}
	if txs, err := UnpackMultiSend(nil); err != nil || len(txs) != 0 {
		t.Errorf("empty batch: %v %v", txs, err)
	}
}

// TestDecodeMultiSendRecursive: a MultiSend batch inside a MultiSend batch,
// with Safe self-calls, a token transfer and a Multicall3 batch inside.
func TestDecodeMultiSendRecursive(t *testing.T) {
	inner := MultiSendCalldata([]MultiSendTx{
		{Operation: safe.Call, To: testSafe, Data: calldata(t, "changeThreshold(uint256 _threshold)", big.NewInt(2))},
		{Operation: safe.Call, To: Multicall3Address, Data: calldata(t, "aggregate3((address target,bool allowFailure,bytes callData)[] calls)",
			[]call3{{usdc, false, calldata(t, "transfer(address to,uint256 amount)", alice, big.NewInt(3))}})},
	})
	outer := MultiSendCalldata([]MultiSendTx{
		{Operation: safe.Call, To: testSafe, Data: calldata(t, "addOwnerWithThreshold(address owner,uint256 _threshold)", bob, big.NewInt(1))},
		{Operation: safe.Call, To: usdc, Data: calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(1_000_000))},
		{Operation: safe.DelegateCall, To: callOnly130, Data: inner},
		{Operation: safe.Call, To: bob, Value: big.NewInt(10)},
	})
	c := decodeOK(t, safe130(), multiSend130, 0, outer, safe.DelegateCall)
	expect{kind: KindCall, iface: "MultiSend", function: "multiSend", role: RoleMultiSend, noNotes: true, children: 4,
		summary:   []string{"multiSend batch of 4 calls via " + multiSend130.Hex() + " (MultiSend 1.3.0)"},
		childSays: []string{"add owner " + bob.Hex(), "transfer 1000000", "multiSend batch of 2 calls", "send 10 wei to " + bob.Hex()}}.check(t, c)
	for i, k := range c.Calls {
		if k.From != testSafe {
			t.Errorf("entry %d from %s: a delegatecalled MultiSend's calls come from the Safe", i, k.From.Hex())
		}
	}
	if !c.Calls[0].SelfCall || c.Calls[1].SelfCall {
		t.Errorf("self-call flags %v %v", c.Calls[0].SelfCall, c.Calls[1].SelfCall)
	}
	nested := c.Calls[2]
	expect{kind: KindCall, iface: "MultiSendCallOnly", function: "multiSend", role: RoleMultiSendCallOnly, children: 2,
		childSays: []string{"set the threshold to 2", "aggregate3 batch of 1 call"}}.check(t, nested)
	if !nested.Calls[0].SelfCall || nested.Calls[0].Path != "0.2.0" {
		t.Errorf("nested self-call: %v path %s", nested.Calls[0].SelfCall, nested.Calls[0].Path)
	}
	deepest := nested.Calls[1].Calls[0]
	if deepest.Path != "0.2.1.0" || deepest.Function != "transfer" || deepest.From != Multicall3Address {
		t.Errorf("Multicall3 inner call: path %s function %s from %s", deepest.Path, deepest.Function, deepest.From.Hex())
	}
	n := 0
	c.Walk(func(*DecodedCall) bool { n++; return true })
	if n != 8 {
		t.Errorf("walked %d calls, want 8", n)
	}
}

// TestDecodeMultiSendVersions: how a batch's entries depend on the
// MultiSend deployment that runs them.
func TestDecodeMultiSendVersions(t *testing.T) {
	selfCall := calldata(t, "changeThreshold(uint256 _threshold)", big.NewInt(1))
	zeroTo := MultiSendCalldata([]MultiSendTx{{To: common.Address{}, Data: selfCall}})
	// 1.5.0 sends to = 0x0 to the account running the batch: the Safe.
	c := decodeOK(t, safe130(), callOnly150, 0, zeroTo, safe.DelegateCall)
	k := c.Calls[0]
	if k.To != testSafe || !k.SelfCall || !strings.Contains(strings.Join(k.Notes, " "), "replaces with the account running the batch") {
		t.Errorf("1.5.0 zero to: to %s selfCall %v notes %q", k.To.Hex(), k.SelfCall, k.Notes)
	}
	// Earlier versions call the zero address.
	c = decodeOK(t, safe130(), callOnly130, 0, zeroTo, safe.DelegateCall)
	if k := c.Calls[0]; k.To != (common.Address{}) || k.SelfCall {
		t.Errorf("1.3.0 zero to: to %s selfCall %v", k.To.Hex(), k.SelfCall)
	}
	// An unknown batch contract: literal, with the ambiguity spelled out.
	c = decodeOK(t, safe130(), trojan, 0, zeroTo, safe.DelegateCall)
	if k := c.Calls[0]; k.To != (common.Address{}) || !strings.Contains(strings.Join(k.Notes, " "), "MultiSend 1.5.0 sends such an entry") {
		t.Errorf("unknown batch zero to: %s %q", k.To.Hex(), k.Notes)
	}
	// MultiSendCallOnly refuses DELEGATECALL entries.
	c = decodeOK(t, safe130(), callOnly141, 0, MultiSendCalldata([]MultiSendTx{{Operation: safe.DelegateCall, To: trojan, Data: selfCall}}), safe.DelegateCall)
	if k := c.Calls[0]; !strings.Contains(strings.Join(k.Notes, " "), "MultiSendCallOnly reverts on a DELEGATECALL entry") || k.Operation != safe.DelegateCall {
		t.Errorf("call-only delegatecall entry: %q", k.Notes)
	}
	// MultiSend must be delegatecalled; a called MultiSendCallOnly sends
	// its calls itself.
	c = decodeOK(t, safe130(), multiSend130, 0, zeroTo, safe.Call)
	if !strings.Contains(strings.Join(c.Notes, " "), "MultiSend reverts unless it is delegatecalled") {
		t.Errorf("called MultiSend: %q", c.Notes)
	}
	c = decodeOK(t, safe130(), callOnly130, 0, MultiSendCalldata([]MultiSendTx{{To: testSafe, Data: selfCall}}), safe.Call)
	if k := c.Calls[0]; k.From != callOnly130 || k.SelfCall || !strings.Contains(strings.Join(k.Notes, " "), "only the Safe itself may call changeThreshold") {
		t.Errorf("called MultiSendCallOnly: from %s selfCall %v notes %q", k.From.Hex(), k.SelfCall, k.Notes)
	}
}

// publishedExecTransaction is the execTransaction calldata of the
// pcaversaccio/safe-tx-hashes-util README (Safe 0x5EA1…C332 nonce 6, a
// MultiSendCallOnly 1.4.1 batch), as in TestPublishedExecTransaction.
func publishedExecTransaction(t testing.TB) []byte {
	return common.FromHex("0x6a7612020000000000000000000000009641d764fc13c8b624c04430c7356c1c7c8102e200000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000140000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000030000000000000000000000000000000000000000000000000000000000000001848d80ff0a0000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000000013200cfbfac74c26f8647cbdb8c5caf80bb5b32e4313400000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000044dd43a79f000000000000000000000000f46c6d6e62f59d9222f3812874211df07cf7b318000000000000000000000000000000000000000000000000000000000000000100a0b86991c6218b36c1d19d4a2e9eb0ce3606eb4800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000044a9059cbb0000000000000000000000001fe27a73cd9f0b3c53b6e936d0b4f9b2f8ca3367000000000000000000000000000000000000000000000000000000002faf0800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000004101427eae1606844b055aabb63778fc9e523e48b25dff5dbd1db76752c68f338a14ef6bb18733969e9db45e96d89fab546609f9404e1f779d15248203d7c7c5a91b00000000000000000000000000000000000000000000000000000000000000")
}

var pcaversaccioSafe = common.HexToAddress("0x5EA1d9A6dDC3A0329378a327746D71A2019eC332")

// TestDecodePublishedMultiSend: the published example decodes to its two
// calls — an unknown function (no 4byte guess) and a USDC transfer of
// 800 USDC (800000000 base units) — whether given as the Safe transaction
// or as the execTransaction a relayer sends.
func TestDecodePublishedMultiSend(t *testing.T) {
	exec := publishedExecTransaction(t)
	d := &Decoder{Safe: pcaversaccioSafe, Version: mustVersion(t, "1.4.1"), ChainID: big.NewInt(1)}
	top, err := (&Decoder{}).Decode(pcaversaccioSafe, nil, exec, safe.Call)
	if err != nil {
		t.Fatal(err)
	}
	expect{kind: KindCall, iface: "Safe", function: "execTransaction", children: 1}.check(t, top)
	inner, _ := ArgBytes(top, "data")
	c := decodeOK(t, d, callOnly141, 0, inner, safe.DelegateCall)
	expect{kind: KindCall, iface: "MultiSendCallOnly", function: "multiSend", role: RoleMultiSendCallOnly, noNotes: true, children: 2}.check(t, c)
	expect{kind: KindUnknown, summary: []string{"unknown function 0xdd43a79f on 0xCFbFaC74C26F8647cBDb8c5caf80BB5b32E43134"}}.check(t, c.Calls[0])
	expect{kind: KindCall, iface: "ERC-20", function: "transfer", args: map[string]string{"to": "0x1FE27A73Cd9f0b3C53b6E936D0b4F9B2f8ca3367", "amount": "800000000"}}.check(t, c.Calls[1])
	// Through the relayer's execTransaction the tree is one level deeper
	// and the same.
	viaExec := top.Calls[0]
	if len(viaExec.Calls) != 2 || viaExec.Calls[1].Summary != c.Calls[1].Summary || viaExec.Calls[1].From != pcaversaccioSafe {
		t.Errorf("via execTransaction: %+v", viaExec)
	}
}

// invalidData asserts err is an invalid error on the data field whose
// message holds every want.
func invalidData(t *testing.T, err error, want ...string) {
	t.Helper()
	var e *bulwark.Error
	if !errors.As(err, &e) || e.Code != bulwark.EINVALID || e.Field != "data" || !strings.HasPrefix(e.Message, "data: ") {
		t.Fatalf("error %v is not invalid on data", err)
	}
	for _, w := range want {
		if !strings.Contains(e.Message, w) {
			t.Errorf("error %q lacks %q", e.Message, w)
		}
	}
	if len(e.Message) > 600 {
		t.Errorf("error message of %d bytes", len(e.Message))
	}
}

// TestDecodeMalformedBatches: truncated and malformed batches are clear
// errors naming the entry and its byte offsets, and the entries before
// the fault are still decoded.
func TestDecodeMalformedBatches(t *testing.T) {
	good := PackMultiSend([]MultiSendTx{{To: usdc, Data: calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(1))}}) // 85+68 = 153 bytes
	withBatch := func(batch []byte) []byte { return calldata(t, "multiSend(bytes transactions)", batch) }
	huge := append(append([]byte{}, good...), PackMultiSend([]MultiSendTx{{To: usdc}})...)
	copy(huge[153+53:153+85], bytes.Repeat([]byte{0xff}, 32))
	badOp := append(append([]byte{}, good...), PackMultiSend([]MultiSendTx{{Operation: 2, To: usdc}})...)
	for _, tc := range []struct {
		name     string
		batch    []byte
		want     []string
		complete int // entries decoded before the fault
	}{
		{"truncated header", good[:50], []string{"data: MultiSend batch entry 0 at batch byte 0 (calldata byte 68)", "truncated", "only 50 remain"}, 0},
		{"second entry truncated", append(append([]byte{}, good...), good[:84]...), []string{"entry 1 at batch byte 153 (calldata byte 221)", "only 84 remain"}, 1},
		{"data cut short", good[:152], []string{"entry 0 at batch byte 0", "data length 68 (at batch byte 53) runs past the end of the batch: 67 bytes remain"}, 0},
		{"huge data length", huge, []string{"entry 1 at batch byte 153", "data length 0xffffffff", "runs past the end"}, 1},
		{"operation 2", badOp, []string{"entry 1 at batch byte 153", "operation 2 is neither 0 (CALL) nor 1 (DELEGATECALL)"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := safe130().Decode(callOnly141, nil, withBatch(tc.batch), safe.DelegateCall)
			invalidData(t, err, tc.want...)
			if c == nil || c.Kind != KindMalformed || c.Error == "" || len(c.Calls) != tc.complete {
				t.Fatalf("tree: %+v", c)
			}
			if _, err := UnpackMultiSend(tc.batch); err == nil || !strings.HasPrefix(err.Error(), "transactions: MultiSend batch entry") {
				t.Errorf("UnpackMultiSend: %v", err)
			}
		})
	}
	// An ABI-level fault: the bytes length runs past the calldata.
	cd := withBatch(good)
	cd[4+63] = 0xff
	_, err := safe130().Decode(callOnly141, nil, cd, safe.DelegateCall)
	invalidData(t, err, "data: multiSend(bytes): arguments do not decode: transactions: at byte 36: length 255 is beyond the end of the calldata (228 bytes)")
	// A malformed call deep in the tree is named by its path.
	inner := MultiSendCalldata([]MultiSendTx{{To: usdc, Data: calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(1))[:40]}})
	_, err = safe130().Decode(callOnly141, nil, MultiSendCalldata([]MultiSendTx{{To: bob}, {Operation: safe.DelegateCall, To: callOnly130, Data: inner}}), safe.DelegateCall)
	invalidData(t, err, "data: call 0.1.0: transfer(address,uint256): arguments do not decode: amount: at byte 36: truncated")
}

// TestDecodeLimits: nesting deeper than MaxDepth and more calls than
// MaxCalls stop decoding with an error; the tree above stays.
func TestDecodeLimits(t *testing.T) {
	data := calldata(t, "changeThreshold(uint256 _threshold)", big.NewInt(1))
	to := testSafe
	for i := 0; i < 12; i++ {
		data = MultiSendCalldata([]MultiSendTx{{Operation: safe.DelegateCall, To: multiSend130, Data: data}})
		to = multiSend130
	}
	c, err := safe130().Decode(to, nil, data, safe.DelegateCall)
	invalidData(t, err, "call 0.0.0.0.0.0.0.0.0: calls nested more than 8 levels deep")
	depth := 0
	for k := c; len(k.Calls) > 0; k = k.Calls[0] {
		depth++
	}
	if depth != 8 {
		t.Errorf("decoded %d levels", depth)
	}
	if _, err := (&Decoder{Safe: testSafe, MaxDepth: 20}).Decode(to, nil, data, safe.DelegateCall); err != nil {
		t.Errorf("MaxDepth 20: %v", err)
	}

	many := make([]MultiSendTx, 5)
	for i := range many {
		many[i] = MultiSendTx{To: bob, Value: big.NewInt(int64(i))}
	}
	_, err = (&Decoder{Safe: testSafe, MaxCalls: 3}).Decode(callOnly130, nil, MultiSendCalldata(many), safe.DelegateCall)
	invalidData(t, err, "call 0.2: more than 3 calls in one transaction")
}
