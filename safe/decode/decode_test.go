package decode

import (
	"bytes"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
)

// Addresses the decoder tests use.
var (
	testSafe      = common.HexToAddress("0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4")
	otherSafe     = common.HexToAddress("0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1")
	alice         = common.HexToAddress("0x1F4EB0a903619ac168b19A82F1a6e2e426522211")
	bob           = common.HexToAddress("0x3Cc3A225769900e003E264dd4CB43E90896BC21A")
	usdc          = common.HexToAddress("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48")
	trojan        = common.HexToAddress("0x96221423681A6d52E184D440a8eFCEbB105C7242")
	backdoor      = common.HexToAddress("0xbDd077f651EBe7f7b3cE16fe5F2b025BE2969516")
	callOnly130   = common.HexToAddress("0x40A2aCCbd92BCA938b02010E17A5b8929b49130D")
	multiSend130  = common.HexToAddress("0xA238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761")
	callOnly141   = common.HexToAddress("0x9641d764fc13c8B624c04430C7356C1C7C8102e2")
	callOnly150   = common.HexToAddress("0xA83c336B20401Af773B6219BA5027174338D1836")
	signLib130    = common.HexToAddress("0xA65387F16B013cf2Af4605Ad8aA5ec25a2cbA3a2")
	migration141  = common.HexToAddress("0x526643F69b81B008F46d95CD5ced5eC0edFFDaC6")
	createCall130 = common.HexToAddress("0x7cbB62EaA69F79e6873cD1ecB2392971036cFAa4")
	handler130    = common.HexToAddress("0xf48f2B2d2a534e402487b3ee7C18c33Aec0Fe5e4")
)

// calldata packs a call with go-ethereum's ABI packer from a declaration
// such as "transfer(address to,uint256 amount)"; tuple values are Go
// structs whose fields follow the components in order.
func calldata(t testing.TB, decl string, args ...any) []byte {
	t.Helper()
	f, err := parseFunc(decl)
	if err != nil {
		t.Fatal(err)
	}
	inputs := gethArguments(t, f.params)
	m := abi.NewMethod(f.name, f.name, abi.Function, "nonpayable", false, false, inputs, nil)
	packed, err := inputs.Pack(args...)
	if err != nil {
		t.Fatalf("pack %s: %v", decl, err)
	}
	return append(append([]byte{}, m.ID...), packed...)
}

// call3 and call are Multicall3's tuples as go-ethereum packs them.
type call3 struct {
	F0 common.Address
	F1 bool
	F2 []byte
}

func safe130() *Decoder {
	return &Decoder{Safe: testSafe, Version: safe.Version{Major: 1, Minor: 3}, ChainID: big.NewInt(1)}
}

func decodeOK(t *testing.T, d *Decoder, to common.Address, value int64, data []byte, op safe.Operation) *DecodedCall {
	t.Helper()
	c, err := d.Decode(to, big.NewInt(value), data, op)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return c
}

// expect checks the fields of a decoded call that a test names.
type expect struct {
	kind      CallKind
	iface     string
	function  string
	selfCall  bool
	role      Role
	args      map[string]string // name → rendered value
	summary   []string          // substrings
	notes     []string          // substrings of some note
	noNotes   bool
	children  int
	childSays []string // substring of each child's summary, in order
}

func (e expect) check(t *testing.T, c *DecodedCall) {
	t.Helper()
	if c.Kind != e.kind || c.Interface != e.iface || c.Function != e.function || c.SelfCall != e.selfCall {
		t.Errorf("kind %s interface %q function %q selfCall %v, want %s %q %q %v (error %q)", c.Kind, c.Interface, c.Function, c.SelfCall, e.kind, e.iface, e.function, e.selfCall, c.Error)
	}
	if e.role != "" && c.Target.Role != e.role {
		t.Errorf("target role %s, want %s", c.Target.Role, e.role)
	}
	for name, want := range e.args {
		a, ok := c.Arg(name)
		if !ok {
			t.Errorf("no argument %s", name)
			continue
		}
		if got := rendered(a.Value); got != want {
			t.Errorf("argument %s = %s, want %s", name, got, want)
		}
	}
	for _, s := range e.summary {
		if !strings.Contains(c.Summary, s) {
			t.Errorf("summary %q lacks %q", c.Summary, s)
		}
	}
	for _, s := range e.notes {
		if !strings.Contains(strings.Join(c.Notes, "\n"), s) {
			t.Errorf("notes %q lack %q", c.Notes, s)
		}
	}
	if e.noNotes && len(c.Notes) > 0 {
		t.Errorf("unexpected notes %q", c.Notes)
	}
	if len(c.Calls) != e.children {
		t.Errorf("%d child calls, want %d", len(c.Calls), e.children)
	}
	for i, s := range e.childSays {
		if i < len(c.Calls) && !strings.Contains(c.Calls[i].Summary, s) {
			t.Errorf("child %d summary %q lacks %q", i, c.Calls[i].Summary, s)
		}
	}
}

func rendered(v any) string {
	switch x := jsonValue(v, hexCache{}).(type) {
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	return "?"
}

// TestDecodeSafeSelfCalls: every owner, threshold, module, guard, handler
// and singleton change a Safe makes by calling itself.
func TestDecodeSafeSelfCalls(t *testing.T) {
	zero := common.Address{}
	for _, tc := range []struct {
		name    string
		version string
		data    []byte
		want    expect
	}{
		{"addOwnerWithThreshold", "1.3.0", calldata(t, "addOwnerWithThreshold(address owner,uint256 _threshold)", alice, big.NewInt(2)),
			expect{kind: KindCall, iface: "Safe", function: "addOwnerWithThreshold", selfCall: true, role: RoleThisSafe, noNotes: true,
				args: map[string]string{"owner": alice.Hex(), "_threshold": "2"}, summary: []string{"add owner " + alice.Hex(), "threshold to 2"}}},
		{"removeOwner", "1.3.0", calldata(t, "removeOwner(address prevOwner,address owner,uint256 _threshold)", common.HexToAddress("0x1"), bob, big.NewInt(1)),
			expect{kind: KindCall, iface: "Safe", function: "removeOwner", selfCall: true, args: map[string]string{"owner": bob.Hex(), "prevOwner": "0x0000000000000000000000000000000000000001"}, summary: []string{"remove owner " + bob.Hex()}}},
		{"swapOwner", "1.4.1", calldata(t, "swapOwner(address prevOwner,address oldOwner,address newOwner)", alice, bob, trojan),
			expect{kind: KindCall, iface: "Safe", function: "swapOwner", selfCall: true, summary: []string{"replace owner " + bob.Hex() + " with " + trojan.Hex()}}},
		{"changeThreshold", "1.1.1", calldata(t, "changeThreshold(uint256 _threshold)", big.NewInt(1)),
			expect{kind: KindCall, iface: "Safe", function: "changeThreshold", selfCall: true, summary: []string{"set the threshold to 1"}}},
		{"enableModule", "1.5.0", calldata(t, "enableModule(address module)", trojan),
			expect{kind: KindCall, iface: "Safe", function: "enableModule", selfCall: true, summary: []string{"enable module " + trojan.Hex(), "without owner signatures"}}},
		{"disableModule", "1.0.0", calldata(t, "disableModule(address prevModule,address module)", common.HexToAddress("0x1"), trojan),
			expect{kind: KindCall, iface: "Safe", function: "disableModule", selfCall: true, summary: []string{"disable module " + trojan.Hex()}}},
		{"setGuard", "1.3.0", calldata(t, "setGuard(address guard)", trojan),
			expect{kind: KindCall, iface: "Safe", function: "setGuard", selfCall: true, summary: []string{"set the transaction guard to " + trojan.Hex()}}},
		{"setGuard removes", "1.4.1", calldata(t, "setGuard(address guard)", zero),
			expect{kind: KindCall, iface: "Safe", function: "setGuard", selfCall: true, summary: []string{"remove the transaction guard"}}},
		{"setGuard before 1.3.0", "1.2.0", calldata(t, "setGuard(address guard)", trojan),
			expect{kind: KindCall, iface: "Safe", function: "setGuard", selfCall: true, notes: []string{"setGuard is not a function of Safe 1.2.0", "fallback handler"}}},
		{"setModuleGuard", "1.5.0", calldata(t, "setModuleGuard(address moduleGuard)", trojan),
			expect{kind: KindCall, iface: "Safe", function: "setModuleGuard", selfCall: true, noNotes: true, summary: []string{"module guard to " + trojan.Hex()}}},
		{"setModuleGuard on 1.4.1", "1.4.1", calldata(t, "setModuleGuard(address moduleGuard)", trojan),
			expect{kind: KindCall, iface: "Safe", function: "setModuleGuard", selfCall: true, notes: []string{"not a function of Safe 1.4.1"}}},
		{"setFallbackHandler known", "1.3.0", calldata(t, "setFallbackHandler(address handler)", handler130),
			expect{kind: KindCall, iface: "Safe", function: "setFallbackHandler", selfCall: true, summary: []string{"(CompatibilityFallbackHandler 1.3.0)"}}},
		{"changeMasterCopy", "1.1.1", calldata(t, "changeMasterCopy(address _masterCopy)", backdoor),
			expect{kind: KindCall, iface: "Safe", function: "changeMasterCopy", selfCall: true, noNotes: true, summary: []string{"replace the Safe's singleton", backdoor.Hex()}}},
		{"changeMasterCopy after 1.2.0", "1.3.0", calldata(t, "changeMasterCopy(address _masterCopy)", backdoor),
			expect{kind: KindCall, iface: "Safe", function: "changeMasterCopy", selfCall: true, notes: []string{"changeMasterCopy is not a function of Safe 1.3.0"}}},
		{"signMessage on the Safe", "1.1.1", calldata(t, "signMessage(bytes _data)", []byte("hello")),
			expect{kind: KindCall, iface: "Safe", function: "signMessage", selfCall: true, summary: []string{"5-byte message as signed by " + testSafe.Hex(), "safeMessageHash 0x"}}},
		{"setup delegatecalls", "1.3.0", calldata(t, "setup(address[] _owners,uint256 _threshold,address to,bytes data,address fallbackHandler,address paymentToken,uint256 payment,address paymentReceiver)",
			[]common.Address{alice, bob}, big.NewInt(2), callOnly130, calldata(t, "multiSend(bytes transactions)", []byte{}), handler130, zero, big.NewInt(0), zero),
			expect{kind: KindCall, iface: "Safe", function: "setup", selfCall: true, children: 1, summary: []string{"2 owners and threshold 2", "already set up"}, childSays: []string{"multiSend batch of 0 calls"}}},
		{"setup with one owner", "1.3.0", calldata(t, "setup(address[] _owners,uint256 _threshold,address to,bytes data,address fallbackHandler,address paymentToken,uint256 payment,address paymentReceiver)",
			[]common.Address{alice}, big.NewInt(1), zero, []byte{}, handler130, zero, big.NewInt(0), zero),
			expect{kind: KindCall, iface: "Safe", function: "setup", selfCall: true, summary: []string{"set up a Safe with 1 owner and threshold 1"}}},
		{"approveHash", "1.3.0", calldata(t, "approveHash(bytes32 hashToApprove)", common.HexToHash("0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8")),
			expect{kind: KindCall, iface: "Safe", function: "approveHash", selfCall: true, summary: []string{"approves Safe transaction hash 0xb3476d06"}}},
		{"view function", "1.3.0", calldata(t, "getOwners()"),
			expect{kind: KindCall, iface: "Safe", function: "getOwners", selfCall: true}},
		{"fallback handler function", "1.5.0", calldata(t, "setSafeMethod(bytes4 selector,bytes32 newMethod)", [4]byte{0xa9, 0x05, 0x9c, 0xbb}, common.HexToHash("0x01")),
			expect{kind: KindCall, iface: "ExtensibleFallbackHandler", function: "setSafeMethod", selfCall: true, notes: []string{"not a Safe function", "decoded as ExtensibleFallbackHandler.setSafeMethod"}, summary: []string{"route calls of selector 0xa9059cbb"}}},
		{"unknown on the Safe", "1.3.0", common.FromHex("0xdeadbeef"),
			expect{kind: KindUnknown, selfCall: true, notes: []string{"not a function of the Safe: Safe 1.3.0 passes the call to its fallback handler"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &Decoder{Safe: testSafe, Version: mustVersion(t, tc.version), ChainID: big.NewInt(1)}
			c := decodeOK(t, d, testSafe, 0, tc.data, safe.Call)
			tc.want.check(t, c)
		})
	}
}

// TestDecodeSignMessageHash: the SafeMessage hash in signMessage's summary
// is the Safe's own (Domain.HashSafeMessage), for SignMessageLib by
// DELEGATECALL.
func TestDecodeSignMessageHash(t *testing.T) {
	msg := common.FromHex("0xcb8bbe7bf8f8a1f3f57658e450d07d4422356ac042d96a87ba425b19e67a78a1")
	h, err := safe.Domain{ChainID: big.NewInt(1), Safe: testSafe, Version: safe.Version{Major: 1, Minor: 3}}.HashSafeMessage(msg)
	if err != nil {
		t.Fatal(err)
	}
	c := decodeOK(t, safe130(), signLib130, 0, calldata(t, "signMessage(bytes _data)", msg), safe.DelegateCall)
	expect{kind: KindCall, iface: "SignMessageLib", function: "signMessage", role: RoleSignMessageLib, noNotes: true,
		summary: []string{"signed by " + testSafe.Hex(), "safeMessageHash " + h.SafeMessageHash.Hex()}}.check(t, c)
	if strings.HasPrefix(c.Summary, "DELEGATECALL") {
		t.Errorf("a delegatecall to SignMessageLib is its intended use: %s", c.Summary)
	}
	// Without a chain id a 1.3.0 domain is unknown: no hash, no guess.
	c = decodeOK(t, &Decoder{Safe: testSafe, Version: safe.Version{Major: 1, Minor: 3}}, signLib130, 0, calldata(t, "signMessage(bytes _data)", msg), safe.DelegateCall)
	if strings.Contains(c.Summary, "safeMessageHash") {
		t.Errorf("hash without a chain id: %s", c.Summary)
	}
}

// TestDecodeBybit: Bybit's nonce 71 decodes as what its calldata says, an
// ERC-20 transfer, sent by DELEGATECALL to a target Bulwark does not know.
func TestDecodeBybit(t *testing.T) {
	data := common.FromHex("0xa9059cbb000000000000000000000000bdd077f651ebe7f7b3ce16fe5f2b025be29695160000000000000000000000000000000000000000000000000000000000000000")
	d := &Decoder{Safe: testSafe, Version: mustVersion(t, "1.1.1")}
	c, err := d.DecodeTx(safe.Tx{To: trojan, Data: data, Operation: safe.DelegateCall, SafeTxGas: big.NewInt(45746), Nonce: big.NewInt(71)})
	if err != nil {
		t.Fatal(err)
	}
	expect{kind: KindCall, iface: "ERC-20", function: "transfer", role: RoleUnknown,
		args:    map[string]string{"to": backdoor.Hex(), "amount": "0"},
		summary: []string{"DELEGATECALL, not a call: transfer 0 base units of token " + trojan.Hex() + " to " + backdoor.Hex()},
		notes:   []string{"runs on " + testSafe.Hex() + "'s own storage", "slot 0"}}.check(t, c)
	if c.Operation != safe.DelegateCall || c.Selector != "0xa9059cbb" || c.Signature != "transfer(address,uint256)" || c.From != testSafe {
		t.Errorf("operation %s selector %s signature %s from %s", c.Operation, c.Selector, c.Signature, c.From.Hex())
	}
}

// TestDecodeTokens: ERC-20, ERC-721, ERC-1155 and Permit2 calls.
func TestDecodeTokens(t *testing.T) {
	maxUint := new(big.Int).Set(safe.MaxUint256)
	for _, tc := range []struct {
		name string
		data []byte
		want expect
	}{
		{"transfer", calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(1_000_000)),
			expect{kind: KindCall, iface: "ERC-20", function: "transfer", noNotes: true, summary: []string{"transfer 1000000 base units of token " + usdc.Hex() + " to " + bob.Hex()}}},
		{"approve unlimited", calldata(t, "approve(address spender,uint256 amount)", trojan, maxUint),
			expect{kind: KindCall, iface: "ERC-20/ERC-721", function: "approve", args: map[string]string{"amountOrTokenId": safe.MaxUint256.String()}, summary: []string{"allow " + trojan.Hex() + " to spend an unlimited amount"}}},
		{"transferFrom", calldata(t, "transferFrom(address from,address to,uint256 value)", alice, bob, big.NewInt(7)),
			expect{kind: KindCall, iface: "ERC-20/ERC-721", function: "transferFrom", summary: []string{"move 7", "from " + alice.Hex() + " to " + bob.Hex()}}},
		{"increaseAllowance", calldata(t, "increaseAllowance(address spender,uint256 addedValue)", bob, big.NewInt(5)),
			expect{kind: KindCall, iface: "ERC-20", function: "increaseAllowance", summary: []string{"raise the allowance of " + bob.Hex()}}},
		{"ERC-721 safeTransferFrom", calldata(t, "safeTransferFrom(address from,address to,uint256 tokenId)", testSafe, bob, big.NewInt(42)),
			expect{kind: KindCall, iface: "ERC-721", function: "safeTransferFrom", summary: []string{"transfer NFT #42"}}},
		{"setApprovalForAll", calldata(t, "setApprovalForAll(address operator,bool approved)", trojan, true),
			expect{kind: KindCall, iface: "ERC-721/ERC-1155", function: "setApprovalForAll", args: map[string]string{"approved": "true"}, summary: []string{"allow operator " + trojan.Hex() + " to move EVERY token"}}},
		{"setApprovalForAll revoke", calldata(t, "setApprovalForAll(address operator,bool approved)", trojan, false),
			expect{kind: KindCall, iface: "ERC-721/ERC-1155", function: "setApprovalForAll", summary: []string{"revoke operator"}}},
		{"ERC-1155 safeTransferFrom", calldata(t, "safeTransferFrom(address from,address to,uint256 id,uint256 amount,bytes data)", testSafe, bob, big.NewInt(3), big.NewInt(10), []byte{}),
			expect{kind: KindCall, iface: "ERC-1155", function: "safeTransferFrom", summary: []string{"transfer 10 of token id 3"}}},
		{"ERC-1155 batch", calldata(t, "safeBatchTransferFrom(address from,address to,uint256[] ids,uint256[] amounts,bytes data)", testSafe, bob, []*big.Int{big.NewInt(1), big.NewInt(2)}, []*big.Int{big.NewInt(5), big.NewInt(6)}, []byte{1}),
			expect{kind: KindCall, iface: "ERC-1155", function: "safeBatchTransferFrom", args: map[string]string{}, summary: []string{"transfer 2 token ids"}}},
		{"Permit2 approve", calldata(t, "approve(address token,address spender,uint160 amount,uint48 expiration)", usdc, trojan, new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 160), big.NewInt(1)), big.NewInt(1900000000)),
			expect{kind: KindCall, iface: "Permit2", function: "approve", summary: []string{"unlimited amount (2^160-1) of token " + usdc.Hex() + " through Permit2"}}},
		{"unknown selector", common.FromHex("0xdd43a79f000000000000000000000000f46c6d6e62f59d9222f3812874211df07cf7b318"),
			expect{kind: KindUnknown, summary: []string{"unknown function 0xdd43a79f on " + usdc.Hex()}}},
		{"short data", []byte{1, 2, 3},
			expect{kind: KindUnknown, notes: []string{"shorter than 4 bytes"}}},
		{"no data", nil,
			expect{kind: KindEmpty, summary: []string{"send 5 wei to " + usdc.Hex()}}},
		{"trailing bytes", append(calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(1)), 0xff),
			expect{kind: KindCall, iface: "ERC-20", function: "transfer", notes: []string{"1 bytes after the arguments"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := decodeOK(t, safe130(), usdc, 5, tc.data, safe.Call)
			tc.want.check(t, c)
		})
	}
}

// TestDecodeLibraries: SignMessageLib, SafeMigration, CreateCall and
// Multicall3, by address, with their roles and child calls.
func TestDecodeLibraries(t *testing.T) {
	transfer := calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(9))
	for _, tc := range []struct {
		name string
		to   common.Address
		op   safe.Operation
		data []byte
		want expect
	}{
		{"SafeMigration", migration141, safe.DelegateCall, calldata(t, "migrateL2WithFallbackHandler()"),
			expect{kind: KindCall, iface: "SafeMigration", function: "migrateL2WithFallbackHandler", role: RoleMigration, noNotes: true, summary: []string{"SafeL2 singleton and its fallback handler pinned in SafeMigration 1.4.1", "slot 0"}}},
		{"SafeMigration called", migration141, safe.Call, calldata(t, "migrateSingleton()"),
			expect{kind: KindCall, iface: "SafeMigration", function: "migrateSingleton", role: RoleMigration, notes: []string{"only works when delegatecalled"}}},
		{"CreateCall", createCall130, safe.DelegateCall, calldata(t, "performCreate2(uint256 value,bytes deploymentData,bytes32 salt)", big.NewInt(0), []byte{0x60, 0x00}, common.Hash{1}),
			expect{kind: KindCall, iface: "CreateCall", function: "performCreate2", role: RoleCreateCall, summary: []string{"deploy a contract from 2 bytes of init code"}}},
		{"not a function of the library", callOnly141, safe.DelegateCall, transfer,
			expect{kind: KindUnknown, role: RoleMultiSendCallOnly, notes: []string{"not a function of MultiSendCallOnly 1.4.1"}}},
		{"Multicall3 aggregate3", Multicall3Address, safe.Call, calldata(t, "aggregate3((address target,bool allowFailure,bytes callData)[] calls)",
			[]call3{{usdc, false, transfer}, {usdc, true, calldata(t, "approve(address spender,uint256 amount)", trojan, big.NewInt(1))}}),
			expect{kind: KindCall, iface: "Multicall3", function: "aggregate3", role: RoleMulticall3, children: 2,
				summary: []string{"aggregate3 batch of 2 calls via " + Multicall3Address.Hex() + " (Multicall3)"}, childSays: []string{"transfer 9 base units", "allow " + trojan.Hex()}}},
		{"Multicall3 tryAggregate", Multicall3Address, safe.Call, calldata(t, "tryAggregate(bool requireSuccess,(address target,bytes callData)[] calls)", true,
			[]struct {
				F0 common.Address
				F1 []byte
			}{{usdc, transfer}}),
			expect{kind: KindCall, iface: "Multicall3", function: "tryAggregate", children: 1}},
		{"multicall-shaped call to an unknown contract", trojan, safe.Call, calldata(t, "aggregate((address target,bytes callData)[] calls)", []struct {
			F0 common.Address
			F1 []byte
		}{{usdc, transfer}}),
			expect{kind: KindCall, iface: "Multicall3", function: "aggregate", role: RoleUnknown, children: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := decodeOK(t, safe130(), tc.to, 0, tc.data, tc.op)
			tc.want.check(t, c)
		})
	}
	// Multicall3's calls come from Multicall3 when it is called, from the
	// Safe when it is delegatecalled.
	data := calldata(t, "aggregate3((address target,bool allowFailure,bytes callData)[] calls)", []call3{{testSafe, false, calldata(t, "changeThreshold(uint256 _threshold)", big.NewInt(1))}})
	called := decodeOK(t, safe130(), Multicall3Address, 0, data, safe.Call)
	if k := called.Calls[0]; k.From != Multicall3Address || k.SelfCall || !strings.Contains(strings.Join(k.Notes, " "), "only the Safe itself may call changeThreshold") {
		t.Errorf("called Multicall3: child from %s selfCall %v notes %q", k.From.Hex(), k.SelfCall, k.Notes)
	}
	delegated := decodeOK(t, safe130(), Multicall3Address, 0, data, safe.DelegateCall)
	if k := delegated.Calls[0]; k.From != testSafe || !k.SelfCall {
		t.Errorf("delegatecalled Multicall3: child from %s selfCall %v", k.From.Hex(), k.SelfCall)
	}
}

// TestDecodeNestedSafe: execTransaction on another Safe (a parent Safe
// executing a child Safe's transaction) decodes the inner transaction as
// that Safe's, with its self-calls.
func TestDecodeNestedSafe(t *testing.T) {
	inner := calldata(t, "addOwnerWithThreshold(address owner,uint256 _threshold)", trojan, big.NewInt(1))
	data := calldata(t, "execTransaction(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,bytes signatures)",
		otherSafe, big.NewInt(0), inner, uint8(0), big.NewInt(0), big.NewInt(0), big.NewInt(0), common.Address{}, common.Address{}, make([]byte, 65))
	c := decodeOK(t, safe130(), otherSafe, 0, data, safe.Call)
	expect{kind: KindCall, iface: "Safe", function: "execTransaction", role: RoleUnknown, children: 1,
		summary: []string{"execute a transaction of Safe " + otherSafe.Hex(), "CALL " + otherSafe.Hex()}}.check(t, c)
	k := c.Calls[0]
	expect{kind: KindCall, iface: "Safe", function: "addOwnerWithThreshold", selfCall: true, summary: []string{"add owner " + trojan.Hex()}}.check(t, k)
	if k.From != otherSafe || k.Path != "0.0" {
		t.Errorf("inner call from %s path %s", k.From.Hex(), k.Path)
	}
	// The same call without knowing the Safe: nothing is a self-call of the
	// reviewed Safe, the nested one still is.
	c = decodeOK(t, &Decoder{}, otherSafe, 0, data, safe.Call)
	if !c.Calls[0].SelfCall || c.SelfCall {
		t.Errorf("zero Decoder: selfCall %v / %v", c.SelfCall, c.Calls[0].SelfCall)
	}
}

// TestDecodeCodeHashes: a known address whose code hash was read matches
// or loses its role.
func TestDecodeCodeHashes(t *testing.T) {
	batch := MultiSendCalldata([]MultiSendTx{{To: usdc, Data: calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(1))}})
	pinned := KnownDeployments().ByAddress(callOnly141)[0].CodeHash
	d := safe130()
	d.CodeHashes = map[common.Address]common.Hash{callOnly141: pinned}
	c := decodeOK(t, d, callOnly141, 0, batch, safe.DelegateCall)
	if c.Target.CodeCheck != CodeMatch || c.Target.Role != RoleMultiSendCallOnly || len(c.Notes) != 0 {
		t.Errorf("matching hash: %+v %q", c.Target, c.Notes)
	}
	d.CodeHashes[callOnly141] = common.Hash{0xba, 0xd}
	c = decodeOK(t, d, callOnly141, 0, batch, safe.DelegateCall)
	expect{kind: KindCall, iface: "MultiSend", function: "multiSend", role: RoleUnknown, children: 1,
		notes: []string{"the address is MultiSendCallOnly 1.4.1's (canonical), but its code hash 0xba0d", "not a known MultiSend deployment"}}.check(t, c)
	if c.Target.CodeCheck != CodeMismatch || !strings.HasPrefix(c.Summary, "DELEGATECALL, not a call") {
		t.Errorf("mismatch: %+v %s", c.Target, c.Summary)
	}
}

// TestDecodeRejectsInputs: the operation and value are checked like the
// hashing inputs.
func TestDecodeRejectsInputs(t *testing.T) {
	d := &Decoder{Safe: testSafe, Version: mustVersion(t, "1.3.0")}
	for name, f := range map[string]func() error{
		"CREATE on 1.3.0": func() error { _, err := d.Decode(usdc, nil, nil, safe.Create); return err },
		"operation 3":     func() error { _, err := (&Decoder{}).Decode(usdc, nil, nil, safe.Operation(3)); return err },
		"negative value":  func() error { _, err := d.Decode(usdc, big.NewInt(-1), nil, safe.Call); return err },
	} {
		err := f()
		var e *bulwark.Error
		if !errors.As(err, &e) || e.Code != bulwark.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	c, err := (&Decoder{Safe: testSafe, Version: mustVersion(t, "0.1.0")}).Decode(usdc, nil, []byte{0x60}, safe.Create)
	if err != nil || c.Kind != KindCreate || !strings.Contains(strings.Join(c.Notes, " "), "1.0.0 ABI") {
		t.Errorf("CREATE on 0.1.0: %v %v %q", c, err, c.Notes)
	}
}

// TestTrailingBytes: the bytes after a call's arguments — after the last
// value read, bytes padded to 32, dynamic arguments included — are
// Trailing and noted; a call whose encoding ends where its data ends has
// none.
func TestTrailingBytes(t *testing.T) {
	t.Parallel()
	safeAddr := testSafe
	handler := common.HexToAddress("0x85a8ca358D388530ad0fB95D0cb89Dd44Fc242c3")
	batch := calldata(t, "addSupportedInterfaceBatch(bytes4 _interfaceId,bytes32[] handlerWithSelectors)", [4]byte{1, 2, 3, 4}, [][32]byte{{1}, {2}})
	verifier := calldata(t, "setDomainVerifier(bytes32 domainSeparator,address newVerifier)", [32]byte{9}, safeAddr)
	sign := calldata(t, "signMessage(bytes _data)", []byte("hello"))
	for _, tc := range []struct {
		name     string
		to       common.Address
		data     []byte
		trailing []byte
	}{
		{"static arguments and an address appended", handler, append(slices.Clone(verifier), safeAddr.Bytes()...), safeAddr.Bytes()},
		{"dynamic arguments and an address appended", handler, append(slices.Clone(batch), safeAddr.Bytes()...), safeAddr.Bytes()},
		{"dynamic arguments, nothing appended", handler, batch, nil},
		{"bytes padded to 32, then one byte", safeAddr, append(slices.Clone(sign), 0xff), []byte{0xff}},
		{"bytes padded to 32", safeAddr, sign, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := (&Decoder{}).Decode(tc.to, nil, tc.data, safe.Call)
			if err != nil || c.Kind != KindCall {
				t.Fatalf("%v, kind %s", err, c.Kind)
			}
			if !bytes.Equal(c.Trailing, tc.trailing) {
				t.Fatalf("trailing %x, want %x", c.Trailing, tc.trailing)
			}
			noted := slices.ContainsFunc(c.Notes, func(n string) bool { return strings.Contains(n, "bytes after the arguments") })
			if noted != (len(tc.trailing) > 0) {
				t.Errorf("noted %v, notes %v", noted, c.Notes)
			}
		})
	}
}
