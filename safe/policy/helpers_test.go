package policy

import (
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

// sharedSafeData is the project's shared data folder for Safe, next to the
// module (../shared/data/safe from the module root).
var sharedSafeData = filepath.Join("..", "..", "..", "shared", "data", "safe")

// Addresses the policy tests use (the decoder tests' own).
var (
	testSafe      = common.HexToAddress("0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4")
	otherSafe     = common.HexToAddress("0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1")
	alice         = common.HexToAddress("0x1F4EB0a903619ac168b19A82F1a6e2e426522211")
	bob           = common.HexToAddress("0x3Cc3A225769900e003E264dd4CB43E90896BC21A")
	usdc          = common.HexToAddress("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48")
	trojan        = common.HexToAddress("0x96221423681A6d52E184D440a8eFCEbB105C7242")
	callOnly130   = common.HexToAddress("0x40A2aCCbd92BCA938b02010E17A5b8929b49130D")
	multiSend130  = common.HexToAddress("0xA238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761")
	callOnly141   = common.HexToAddress("0x9641d764fc13c8B624c04430C7356C1C7C8102e2")
	signLib130    = common.HexToAddress("0xA65387F16B013cf2Af4605Ad8aA5ec25a2cbA3a2")
	createCall130 = common.HexToAddress("0x7cbB62EaA69F79e6873cD1ecB2392971036cFAa4")
)

func safe130() *decode.Decoder {
	return &decode.Decoder{Safe: testSafe, Version: safe.Version{Major: 1, Minor: 3}, ChainID: big.NewInt(1)}
}

func mustVersion(t testing.TB, s string) safe.Version {
	t.Helper()
	v, err := safe.ParseVersion("version", s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// calldata packs a call with go-ethereum's ABI packer from a declaration
// of elementary types such as "transfer(address to,uint256 amount)".
func calldata(t testing.TB, decl string, args ...any) []byte {
	t.Helper()
	name, params, ok := strings.Cut(strings.TrimSuffix(decl, ")"), "(")
	if !ok {
		t.Fatalf("declaration %q: want name(type name,...)", decl)
	}
	var inputs abi.Arguments
	for p := range strings.SplitSeq(params, ",") {
		if strings.TrimSpace(p) == "" {
			continue
		}
		typ, _, _ := strings.Cut(strings.TrimSpace(p), " ")
		at, err := abi.NewType(typ, "", nil)
		if err != nil {
			t.Fatalf("declaration %q: %v", decl, err)
		}
		inputs = append(inputs, abi.Argument{Type: at})
	}
	m := abi.NewMethod(name, name, abi.Function, "nonpayable", false, false, inputs, nil)
	packed, err := inputs.Pack(args...)
	if err != nil {
		t.Fatalf("pack %s: %v", decl, err)
	}
	return append(append([]byte{}, m.ID...), packed...)
}
