package policy

import (
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

// Fallback handlers of safe-deployments 1.37.63.
var (
	extensibleHandler150 = common.HexToAddress("0x85a8ca358D388530ad0fB95D0cb89Dd44Fc242c3")
	compatHandler130     = common.HexToAddress("0xf48f2B2d2a534e402487b3ee7C18c33Aec0Fe5e4")
)

// permit2Domain is Permit2's EIP-712 domain separator on chain:
// keccak256(abi.encode(typeHash, keccak256("Permit2"), chainId, Permit2)),
// packed with go-ethereum's ABI encoder.
func permit2Domain(t testing.TB, chain int64) [32]byte {
	t.Helper()
	var args abi.Arguments
	for _, typ := range []string{"bytes32", "bytes32", "uint256", "address"} {
		at, err := abi.NewType(typ, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, abi.Argument{Type: at})
	}
	enc, err := args.Pack(crypto.Keccak256Hash([]byte("EIP712Domain(string name,uint256 chainId,address verifyingContract)")),
		crypto.Keccak256Hash([]byte("Permit2")), big.NewInt(chain), permit2)
	if err != nil {
		t.Fatal(err)
	}
	return crypto.Keccak256Hash(enc)
}

// method is an ExtensibleFallbackHandler method word (MarshalLib): the
// contract in the low 20 bytes, the selector above it, 0x01 in the top
// byte unless static.
func method(static bool, sel [4]byte, h common.Address) [32]byte {
	var w [32]byte
	if !static {
		w[0] = 1
	}
	copy(w[7:11], sel[:])
	copy(w[12:], h[:])
	return w
}

// TestHandlerSettings: an ExtensibleFallbackHandler settings call the Safe
// makes directly to the handler contract, with its own address appended
// (which the handler's onlySelf check takes as the caller), changes the
// Safe's own handler settings: FALLBACK_HANDLER_CHANGE (high) naming the
// method and the contract it trusts, whoever the target, as the self-call
// is; bytes after the arguments of a call to a handler contract are
// TRAILING_CALLDATA (medium).
func TestHandlerSettings(t *testing.T) {
	t.Parallel()
	book := testBook(t)
	tx := func(to common.Address, op safe.Operation, data []byte) ServiceTx {
		return ServiceTx{Safe: testSafe, Tx: safe.Tx{To: to, Operation: op, Data: data, Nonce: big.NewInt(4)}}
	}
	asSafe := func(data []byte) []byte { return append(data, testSafe.Bytes()...) }
	permit2Dom := permit2Domain(t, 1)
	setVerifier := calldata(t, "setDomainVerifier(bytes32 domainSeparator,address newVerifier)", permit2Dom, trojan)
	isValid := [4]byte(safe.Selector("isValidSignature(bytes32,bytes)"))
	setMethod := calldata(t, "setSafeMethod(bytes4 selector,bytes32 newMethod)", isValid, method(false, [4]byte{}, trojan))
	batchAdd := calldata(t, "addSupportedInterfaceBatch(bytes4 _interfaceId,bytes32[] handlerWithSelectors)", [4]byte{0xde, 0xad, 0xbe, 0xef},
		[][32]byte{method(true, [4]byte{1, 2, 3, 4}, trojan), method(false, [4]byte{5, 6, 7, 8}, router)})
	batchRemove := calldata(t, "removeSupportedInterfaceBatch(bytes4 _interfaceId,bytes4[] selectors)", [4]byte{0xde, 0xad, 0xbe, 0xef}, [][4]byte{{1, 2, 3, 4}})
	received := calldata(t, "onERC721Received(address operator,address from,uint256 tokenId,bytes data)", bob, bob, big.NewInt(1), []byte{})
	transfer := calldata(t, "transfer(address to,uint256 amount)", usdt, big.NewInt(1))
	type want struct {
		code string
		sev  Severity
		path string
		says []string
	}
	for _, tc := range []struct {
		name    string
		st      ServiceTx
		verdict bulwark.Verdict
		want    []want
		not     []string
	}{
		{"setDomainVerifier for Permit2 on the handler, Safe appended", tx(extensibleHandler150, safe.Call, asSafe(setVerifier)), bulwark.VerdictReview,
			[]want{
				{CodeFallbackHandlerChange, SeverityHigh, "0", []string{"setDomainVerifier", "makes " + trojan.Hex() + " (NOT in the address book) the EIP-1271 verifier", "(Permit2 " + permit2.Hex() + " on chain 1)",
					"direct CALL to the handler contract " + extensibleHandler150.Hex() + " (ExtensibleFallbackHandler 1.5.0)", "the data ends with " + testSafe.Hex()}},
				{CodeTrailingCalldata, SeverityMedium, "0", []string{"20 bytes follow the arguments of setDomainVerifier", "acts for " + testSafe.Hex()}},
			}, nil},
		{"setDomainVerifier in a MultiSendCallOnly batch", tx(callOnly141, safe.DelegateCall, decode.MultiSendCalldata([]decode.MultiSendTx{
			{To: usdc, Data: transfer}, {To: extensibleHandler150, Data: asSafe(setVerifier)}})), bulwark.VerdictReview,
			[]want{{CodeFallbackHandlerChange, SeverityHigh, "0.1", []string{trojan.Hex()}}, {CodeTrailingCalldata, SeverityMedium, "0.1", nil}}, nil},
		{"setSafeMethod routes isValidSignature to an attacker", tx(extensibleHandler150, safe.Call, asSafe(setMethod)), bulwark.VerdictReview,
			[]want{{CodeFallbackHandlerChange, SeverityHigh, "0", []string{"routes calls of selector 0x1626ba7e on " + testSafe.Hex() + " to " + trojan.Hex(), "called with CALL"}}}, nil},
		{"addSupportedInterfaceBatch names every contract", tx(extensibleHandler150, safe.Call, asSafe(batchAdd)), bulwark.VerdictReview,
			[]want{{CodeFallbackHandlerChange, SeverityHigh, "0", []string{"declares interface 0xdeadbeef", "0x01020304 to " + trojan.Hex() + " (NOT in the address book; called with STATICCALL)",
				"0x05060708 to " + router.Hex() + ` (in the address book as "1inch router v5"`}}}, nil},
		{"removeSupportedInterfaceBatch", tx(extensibleHandler150, safe.Call, asSafe(batchRemove)), bulwark.VerdictReview,
			[]want{{CodeFallbackHandlerChange, SeverityHigh, "0", []string{"stops declaring interface 0xdeadbeef"}}, {CodeTrailingCalldata, SeverityMedium, "0", nil}}, nil},
		{"without the Safe appended the handler reverts, still named", tx(extensibleHandler150, safe.Call, setVerifier), bulwark.VerdictReview,
			[]want{{CodeFallbackHandlerChange, SeverityHigh, "0", []string{"no caller appended"}}}, []string{CodeTrailingCalldata}},
		{"the same function on an unknown contract", tx(bob, safe.Call, asSafe(setVerifier)), bulwark.VerdictReview,
			[]want{{CodeFallbackHandlerChange, SeverityHigh, "0", []string{"direct CALL to the handler contract " + bob.Hex() + " from"}}, {CodeTrailingCalldata, SeverityMedium, "0", nil}}, nil},
		{"the self-call names the verifier", tx(testSafe, safe.Call, setVerifier), bulwark.VerdictReview,
			[]want{{CodeFallbackHandlerChange, SeverityHigh, "0", []string{"through the Safe " + testSafe.Hex(), "makes " + trojan.Hex()}}}, []string{CodeSelfCall, CodeTrailingCalldata}},
		{"trailing bytes on a handler callback", tx(compatHandler130, safe.Call, asSafe(received)), bulwark.VerdictReview,
			[]want{{CodeTrailingCalldata, SeverityMedium, "0", []string{"on the fallback handler contract " + compatHandler130.Hex()}}}, []string{CodeFallbackHandlerChange}},
		{"trailing bytes on a token stay a note", tx(usdc, safe.Call, asSafe(transfer)), bulwark.VerdictOK,
			nil, []string{CodeTrailingCalldata, CodeFallbackHandlerChange}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := verify(t, tc.st, "1.4.1", Policy{AddressBook: book, TrustAddressOnly: true})
			if v.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s; findings %v", v.Verdict, tc.verdict, codes(v.Findings))
			}
			for _, w := range tc.want {
				f, ok := findingAt(v, w.code, w.path)
				if !ok {
					t.Fatalf("no %s at %s: %v", w.code, w.path, codes(v.Findings))
				}
				if f.Severity != w.sev {
					t.Errorf("%s is %s, want %s", w.code, f.Severity, w.sev)
				}
				for _, s := range w.says {
					if !strings.Contains(f.Message, s) {
						t.Errorf("%s: message %q lacks %q", w.code, f.Message, s)
					}
				}
			}
			for _, code := range tc.not {
				if has(v, code, "", "") {
					t.Errorf("unexpected %s: %v", code, codes(v.Findings))
				}
			}
		})
	}
}
