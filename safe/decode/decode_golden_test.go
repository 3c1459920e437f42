package decode

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulwark-sec/bulwark/safe"
	"github.com/ethereum/go-ethereum/common"
)

// radiantPool stands for a protocol's own contract (Radiant's lending
// pool on Arbitrum); usdt is Tether's USDT on Ethereum mainnet.
var (
	radiantPool = common.HexToAddress("0xF4B1486DD74D07706052A33d31d7c0AAFD0659E1")
	usdt        = common.HexToAddress("0xdAC17F958D2ee523a2206206994597C13D831ec7")
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/decode")

// goldenDecode is what a golden file holds: the decoder's inputs, the
// decoded tree and the error, if any.
type goldenDecode struct {
	Safe      string       `json:"safe"`
	Version   string       `json:"safeVersion"`
	ChainID   string       `json:"chainId,omitempty"`
	To        string       `json:"to"`
	Operation uint8        `json:"operation"`
	Error     string       `json:"error,omitempty"`
	Call      *DecodedCall `json:"call"`
}

// TestDecodeGolden decodes representative transactions and compares the
// JSON with testdata/decode/*.json (go test -run TestDecodeGolden -update
// rewrites them; review the diff).
func TestDecodeGolden(t *testing.T) {
	transfer := calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(250_000_000))
	for _, tc := range []struct {
		name    string
		d       *Decoder
		to      common.Address
		op      safe.Operation
		data    []byte
		wantErr bool
	}{
		{"bybit-nonce71", &Decoder{Safe: testSafe, Version: mustVersion(t, "1.1.1")}, trojan, safe.DelegateCall,
			common.FromHex("0xa9059cbb000000000000000000000000bdd077f651ebe7f7b3ce16fe5f2b025be29695160000000000000000000000000000000000000000000000000000000000000000"), false},
		{"pcaversaccio-0x5ea1-nonce6", &Decoder{Safe: pcaversaccioSafe, Version: mustVersion(t, "1.4.1"), ChainID: big.NewInt(1)}, callOnly141, safe.DelegateCall,
			func() []byte {
				top, _ := (&Decoder{}).Decode(pcaversaccioSafe, nil, publishedExecTransaction(t), safe.Call)
				data, _ := ArgBytes(top, "data")
				return data
			}(), false},
		{"owner-takeover-batch", safe130(), multiSend130, safe.DelegateCall, MultiSendCalldata([]MultiSendTx{
			{To: testSafe, Data: calldata(t, "addOwnerWithThreshold(address owner,uint256 _threshold)", trojan, big.NewInt(1))},
			{To: testSafe, Data: calldata(t, "setGuard(address guard)", common.Address{})},
			{To: usdc, Data: transfer},
			{Operation: safe.DelegateCall, To: callOnly130, Data: MultiSendCalldata([]MultiSendTx{
				{To: testSafe, Data: calldata(t, "enableModule(address module)", trojan)},
				{To: Multicall3Address, Data: calldata(t, "aggregate3((address target,bool allowFailure,bytes callData)[] calls)",
					[]call3{{usdc, true, calldata(t, "approve(address spender,uint256 amount)", trojan, new(big.Int).Set(safe.MaxUint256))}})},
			})},
		}), false},
		{"radiant-style-handover", safe130(), callOnly130, safe.DelegateCall, MultiSendCalldata([]MultiSendTx{
			{To: radiantPool, Data: calldata(t, "transferOwnership(address newOwner)", trojan)},
			{To: radiantPool, Data: calldata(t, "upgradeToAndCall(address newImplementation,bytes data)", trojan, calldata(t, "initialize(address owner)", trojan))},
		}), false},
		{"usdt-unlimited-approve", safe130(), usdt, safe.Call, calldata(t, "approve(address spender,uint256 amount)", trojan, new(big.Int).Set(safe.MaxUint256)), false},
		{"sign-message-lib", safe130(), signLib130, safe.DelegateCall, calldata(t, "signMessage(bytes _data)", common.FromHex("0xcb8bbe7bf8f8a1f3f57658e450d07d4422356ac042d96a87ba425b19e67a78a1")), false},
		{"truncated-batch", safe130(), callOnly141, safe.DelegateCall, calldata(t, "multiSend(bytes transactions)",
			append(PackMultiSend([]MultiSendTx{{To: usdc, Data: transfer}}), PackMultiSend([]MultiSendTx{{To: usdc, Data: transfer}})[:100]...)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.d.Decode(tc.to, nil, tc.data, tc.op)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			g := goldenDecode{Safe: tc.d.Safe.Hex(), Version: tc.d.Version.String(), To: tc.to.Hex(), Operation: uint8(tc.op), Call: c}
			if tc.d.ChainID != nil {
				g.ChainID = tc.d.ChainID.String()
			}
			if err != nil {
				g.Error = err.Error()
			}
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			file := filepath.Join("testdata", "decode", tc.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the decoded JSON (run with -update and review the diff):\n%s", file, got)
			}
		})
	}
}
