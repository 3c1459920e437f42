package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
)

// fuzzTargets are the call targets FuzzDecode picks from: the Safe itself,
// batch contracts of each kind, Multicall3, a library and an unknown
// contract.
var fuzzTargets = []common.Address{testSafe, callOnly150, multiSend130, callOnly130, Multicall3Address, signLib130, trojan, otherSafe}

// decodeSeeds are FuzzDecode's seeds (also committed as the corpus in
// testdata/fuzz/FuzzDecode).
func decodeSeeds(t testing.TB) map[string][]byte {
	transfer := calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(1))
	nested := MultiSendCalldata([]MultiSendTx{
		{To: testSafe, Data: calldata(t, "addOwnerWithThreshold(address owner,uint256 _threshold)", alice, big.NewInt(2))},
		{Operation: safe.DelegateCall, To: callOnly130, Data: MultiSendCalldata([]MultiSendTx{{To: usdc, Data: transfer}})},
	})
	truncated := MultiSendCalldata([]MultiSendTx{{To: usdc, Data: transfer}})
	return map[string][]byte{
		"bybit":     common.FromHex("0xa9059cbb000000000000000000000000bdd077f651ebe7f7b3ce16fe5f2b025be29695160000000000000000000000000000000000000000000000000000000000000000"),
		"nested":    nested,
		"truncated": truncated[:len(truncated)-40],
		"multicall": calldata(t, "aggregate3((address target,bool allowFailure,bytes callData)[] calls)", []call3{{usdc, true, transfer}}),
		"exec": calldata(t, "execTransaction(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,bytes signatures)",
			callOnly130, big.NewInt(0), nested, uint8(1), big.NewInt(0), big.NewInt(0), big.NewInt(0), common.Address{}, common.Address{}, []byte{}),
		"setup": calldata(t, "setup(address[] _owners,uint256 _threshold,address to,bytes data,address fallbackHandler,address paymentToken,uint256 payment,address paymentReceiver)",
			[]common.Address{alice}, big.NewInt(1), callOnly130, nested, handler130, common.Address{}, big.NewInt(0), common.Address{}),
		"hugelen": append(common.FromHex("0x8d80ff0a"), append(common.LeftPadBytes([]byte{0x20}, 32), bytes.Repeat([]byte{0xff}, 32)...)...),
		"short":   {0x8d, 0x80},
		"timelock-batch": calldata(t, "scheduleBatch(address[] targets,uint256[] values,bytes[] payloads,bytes32 predecessor,bytes32 salt,uint256 delay)",
			[]common.Address{usdc, trojan}, []*big.Int{big.NewInt(0), big.NewInt(1)}, [][]byte{transfer, calldata(t, "upgradeTo(address newImplementation)", bob)}, [32]byte{}, [32]byte{}, big.NewInt(60)),
		"compound-queue": calldata(t, "queueTransaction(address target,uint256 value,string signature,bytes data,uint256 eta)",
			trojan, big.NewInt(0), "transferOwnership(address)", common.LeftPadBytes(bob.Bytes(), 32), big.NewInt(1)),
		"diamond-cut": calldata(t, "diamondCut((address facetAddress,uint8 action,bytes4[] functionSelectors)[] _diamondCut,address _init,bytes _calldata)",
			[]facetCut{{bob, 0, [][4]byte{{1, 2, 3, 4}}}}, alice, transfer),
		"aave-market-id": calldata(t, "setMarketId(string newMarketId)", "Aave Ethereum Market"),
	}
}

// FuzzCompoundTimelock: whatever signature string and data a Compound
// Timelock call carries, the inner call it decodes to is the timelock's
// own rule: selector(signature) ‖ data, or data when the signature is
// empty, from the timelock to the target.
func FuzzCompoundTimelock(f *testing.F) {
	for _, s := range compoundTimelockSeeds() {
		f.Add(s.sig, s.data, s.queue)
	}
	f.Fuzz(func(t *testing.T, sig string, data []byte, queue bool) {
		decl := "executeTransaction(address target,uint256 value,string signature,bytes data,uint256 eta)"
		if queue {
			decl = "queueTransaction(address target,uint256 value,string signature,bytes data,uint256 eta)"
		}
		c, err := (&Decoder{Safe: testSafe}).Decode(trojan, nil, calldata(t, decl, alice, big.NewInt(1), sig, data, big.NewInt(2)), safe.Call)
		if c == nil || c.Kind != KindCall {
			t.Fatalf("%v: %v", c, err)
		}
		want := data
		if sig != "" {
			want = append(append([]byte{}, crypto.Keccak256([]byte(sig))[:4]...), data...)
		}
		if len(c.Calls) != 1 {
			t.Fatalf("%d inner calls", len(c.Calls))
		}
		k := c.Calls[0]
		if !bytes.Equal(k.Data, want) || k.From != trojan || k.To != alice || k.Value.Int64() != 1 {
			t.Fatalf("inner call %x from %s to %s value %s, want %x from the timelock to %s", k.Data, k.From.Hex(), k.To.Hex(), k.Value, want, alice.Hex())
		}
		if op, ok := Timelock(c); !ok || op.Calls != 1 || op.ETA.Int64() != 2 {
			t.Fatalf("timelock op %+v", op)
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzDecode: any calldata, operation, target and Safe version decodes
// without panicking; failures are invalid errors on the data field; the
// JSON of the tree stays proportional to the input.
func FuzzDecode(f *testing.F) {
	for _, data := range decodeSeeds(f) {
		f.Add(data, uint8(1), uint8(2), uint8(5))
	}
	f.Fuzz(func(t *testing.T, data []byte, op, target, version uint8) {
		d := &Decoder{Safe: testSafe, Version: releasedVersions[int(version)%len(releasedVersions)], ChainID: big.NewInt(1)}
		if version%7 == 6 {
			d.Version = safe.Version{} // unknown
		}
		c, err := d.Decode(fuzzTargets[int(target)%len(fuzzTargets)], nil, data, safe.Operation(op%3))
		if err != nil {
			var e *bulwark.Error
			if !errors.As(err, &e) || e.Code != bulwark.EINVALID || e.Field == "" || len(e.Message) > 2000 {
				t.Fatalf("error %#v", err)
			}
			if c == nil {
				if e.Field != "operation" {
					t.Fatalf("no tree for a data error: %v", err)
				}
				return
			}
			if e.Field != "data" {
				t.Fatalf("error on field %s with a tree", e.Field)
			}
		}
		out, jerr := json.Marshal(c)
		if jerr != nil {
			t.Fatal(jerr)
		}
		if limit := 300*len(data) + 8<<20; len(out) > limit {
			t.Fatalf("JSON of %d bytes for %d bytes of data", len(out), len(data))
		}
		errs := 0
		c.Walk(func(k *DecodedCall) bool {
			if k.Error != "" {
				errs++
			}
			if k.Kind == "" || k.Summary == "" {
				t.Fatalf("call %s without kind or summary", k.Path)
			}
			if len(k.Trailing) > 0 && (k.Kind != KindCall || len(k.Trailing) > len(k.Data)-4 || !bytes.HasSuffix(k.Data, k.Trailing)) {
				t.Fatalf("call %s: trailing %x is not the end of its %d bytes of data after the selector", k.Path, k.Trailing, len(k.Data))
			}
			return true
		})
		if (errs > 0) != (err != nil) {
			t.Fatalf("%d calls with errors, Decode error %v", errs, err)
		}
	})
}

// FuzzMultiSend: UnpackMultiSend never panics; what it accepts packs back
// to the same bytes; the decoder agrees with it.
func FuzzMultiSend(f *testing.F) {
	for _, b := range multiSendSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, batch []byte) {
		txs, err := UnpackMultiSend(batch)
		if err != nil {
			var e *bulwark.Error
			if !errors.As(err, &e) || e.Code != bulwark.EINVALID || e.Field != "transactions" || !strings.Contains(e.Message, "at batch byte ") {
				t.Fatalf("error %v", err)
			}
		} else if !bytes.Equal(PackMultiSend(txs), batch) {
			t.Fatalf("%x unpacks to %d entries that pack differently", batch, len(txs))
		}
		for i := 1; i < len(txs); i++ {
			if txs[i].Offset <= txs[i-1].Offset {
				t.Fatalf("offsets not increasing")
			}
		}
		c, derr := (&Decoder{Safe: testSafe, Version: safe.Version{Major: 1, Minor: 4, Patch: 1}, MaxCalls: 1 << 20}).Decode(callOnly141, nil, multiSendCalldataRaw(batch), safe.DelegateCall)
		if c == nil || len(c.Calls) != len(txs) {
			t.Fatalf("decoder made %v calls of %d entries (%v)", c, len(txs), derr)
		}
		if err != nil && derr == nil {
			t.Fatalf("decoder accepted a batch UnpackMultiSend refuses: %v", err)
		}
	})
}

// multiSendCalldataRaw wraps a packed batch as multiSend(bytes) calldata.
func multiSendCalldataRaw(batch []byte) []byte {
	out := make([]byte, 4+64+safe.PaddedLen(len(batch)))
	copy(out, MultiSendSelector[:])
	out[4+31] = 0x20
	big.NewInt(int64(len(batch))).FillBytes(out[4+32 : 4+64])
	copy(out[4+64:], batch)
	return out
}

func multiSendSeeds() map[string][]byte {
	one := PackMultiSend([]MultiSendTx{{To: usdc, Value: big.NewInt(1), Data: []byte{0xa9, 0x05, 0x9c, 0xbb}}})
	huge := PackMultiSend([]MultiSendTx{{To: usdc}})
	copy(huge[53:85], bytes.Repeat([]byte{0xff}, 32))
	return map[string][]byte{
		"empty":     {},
		"one":       one,
		"two":       append(append([]byte{}, one...), one...),
		"truncated": one[:60],
		"shortdata": one[:len(one)-1],
		"op2":       append([]byte{2}, one[1:]...),
		"hugelen":   huge,
	}
}

// TestFuzzSeedCorpora keeps the committed corpora in testdata/fuzz in step
// with the seeds (go test -run TestFuzzSeedCorpora -update writes them).
func TestFuzzSeedCorpora(t *testing.T) {
	write := func(target, name, body string) {
		file := filepath.Join("testdata", "fuzz", target, "seed-"+name)
		content := "go test fuzz v1\n" + body
		if *update {
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(file)
		if err != nil || string(got) != content {
			t.Errorf("%s is missing or stale (run with -update): %v", file, err)
		}
	}
	for name, data := range decodeSeeds(t) {
		write("FuzzDecode", name, fmt.Sprintf("[]byte(%q)\nbyte('\\x01')\nbyte('\\x02')\nbyte('\\x05')\n", data))
	}
	for name, data := range multiSendSeeds() {
		write("FuzzMultiSend", name, fmt.Sprintf("[]byte(%q)\n", data))
	}
	for name, seed := range compoundTimelockSeeds() {
		write("FuzzCompoundTimelock", name, fmt.Sprintf("string(%q)\n[]byte(%q)\nbool(%v)\n", seed.sig, seed.data, seed.queue))
	}
}

type compoundTimelockSeed struct {
	sig   string
	data  []byte
	queue bool
}

func compoundTimelockSeeds() map[string]compoundTimelockSeed {
	return map[string]compoundTimelockSeed{
		"signature":    {"transferOwnership(address)", common.LeftPadBytes(bob.Bytes(), 32), true},
		"no-signature": {"", []byte{0xf2, 0xfd, 0xe3, 0x8b}, false},
		"binary":       {"\x00\xff", []byte{}, true},
	}
}
