package decode

import (
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/safe"
)

// TestControlAndApprovalSelectors: the selectors of the control and
// approval declarations, as block explorers and 4byte list them, are
// keccak256 of the declared signatures.
func TestControlAndApprovalSelectors(t *testing.T) {
	t.Parallel()
	for sig, want := range map[string]string{
		"transferOwnership(address)": "0xf2fde38b", "renounceOwnership()": "0x715018a6", "acceptOwnership()": "0x79ba5097",
		"upgradeTo(address)": "0x3659cfe6", "upgradeToAndCall(address,bytes)": "0x4f1ef286", "changeAdmin(address)": "0x8f283970",
		"changeProxyAdmin(address,address)": "0x7eff275e", "upgrade(address,address)": "0x99a88ec4", "upgradeAndCall(address,address,bytes)": "0x9623609d",
		"grantRole(bytes32,address)": "0x2f2ff15d", "revokeRole(bytes32,address)": "0xd547741f", "renounceRole(bytes32,address)": "0x36568abe",
		"_setPendingAdmin(address)": "0xb71d1a0c", "_acceptAdmin()": "0xe9c714f2", "setPendingAdmin(address)": "0x4dd18bf5", "acceptAdmin()": "0x0e18b681",
		"approve(address,uint256)": "0x095ea7b3", "increaseAllowance(address,uint256)": "0x39509351", "setApprovalForAll(address,bool)": "0xa22cb465",
		"permit(address,address,uint256,uint256,uint8,bytes32,bytes32)":             "0xd505accf",
		"permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)":        "0x8fcbaf0c",
		"approve(address,address,uint160,uint48)":                                   "0x87517c45",
		"permit(address,((address,uint160,uint48,uint48),address,uint256),bytes)":   "0x2b67b570",
		"permit(address,((address,uint160,uint48,uint48)[],address,uint256),bytes)": "0x2a2d80d1",
		// Privileged calls of other protocols: two-step and alternative
		// ownership, Compound, timelocks, EIP-2535 and Aave v3.
		"_setPendingImplementation(address)": "0xe992a041", "_setImplementation(address,bool,bytes)": "0x555bcc40", "_become(address)": "0x1d504dc6",
		"setOwner(address)": "0x13af4035", "nominateNewOwner(address)": "0x1627540c",
		"setDelay(uint256)": "0xe177246e", "updateDelay(uint256)": "0x64d62353",
		"schedule(address,uint256,bytes,bytes32,bytes32,uint256)":            "0x01d5062a",
		"scheduleBatch(address[],uint256[],bytes[],bytes32,bytes32,uint256)": "0x8f2a0bb0",
		"execute(address,uint256,bytes,bytes32,bytes32)":                     "0x134008d3",
		"executeBatch(address[],uint256[],bytes[],bytes32,bytes32)":          "0xe38335e5",
		"cancel(bytes32)": "0xc4d252f5",
		"queueTransaction(address,uint256,string,bytes,uint256)":   "0x3a66f901",
		"executeTransaction(address,uint256,string,bytes,uint256)": "0x0825f38f",
		"cancelTransaction(address,uint256,string,bytes,uint256)":  "0x591fcdfe",
		"diamondCut((address,uint8,bytes4[])[],address,bytes)":     "0x1f931c1c",
		"setPoolImpl(address)": "0xa1564406", "setPoolConfiguratorImpl(address)": "0xe4ca28b7", "setPriceOracle(address)": "0x530e784f",
		"setPriceOracleSentinel(address)": "0x74944cec", "setPoolDataProvider(address)": "0xe44e9ed1",
		"setACLAdmin(address)": "0x76d84ffc", "setACLManager(address)": "0xed301ca9",
		"setAddress(bytes32,address)": "0xca446dd9", "setAddressAsProxy(bytes32,address)": "0x5dcc528c", "setMarketId(string)": "0xf67b1847",
		"setRoleAdmin(bytes32,bytes32)": "0x1e4e0091",
		"addPoolAdmin(address)":         "0x22650caf", "removePoolAdmin(address)": "0xf83695cb",
		"addEmergencyAdmin(address)": "0x179efb09", "removeEmergencyAdmin(address)": "0x7a9a93f4",
		"addRiskAdmin(address)": "0x5b9a94e4", "removeRiskAdmin(address)": "0x3c5a08e5",
		"addFlashBorrower(address)": "0x9ac9d80b", "removeFlashBorrower(address)": "0x253cf980",
		"addBridge(address)": "0x9712fdf8", "removeBridge(address)": "0x04df017d",
		"addAssetListingAdmin(address)": "0x9a2b96f7", "removeAssetListingAdmin(address)": "0xa21bce15",
	} {
		if got := fmt.Sprintf("%#x", crypto.Keccak256([]byte(sig))[:4]); got != want {
			t.Errorf("keccak256(%s)[:4] = %s, want %s", sig, got, want)
		}
		if d, _ := genericFns.lookup([4]byte(common.FromHex(want)), safe.Version{}); d == nil || d.fn.sig != sig {
			t.Errorf("%s: generic table has %v, want %s", want, d, sig)
		}
	}
}

// permitDetails and permitSingle are Permit2's structs as go-ethereum
// packs them.
type permitDetails struct {
	F0 common.Address
	F1 *big.Int
	F2 *big.Int
	F3 *big.Int
}

type permitSingle struct {
	F0 permitDetails
	F1 common.Address
	F2 *big.Int
}

type permitBatch struct {
	F0 []permitDetails
	F1 common.Address
	F2 *big.Int
}

// TestDecodeControl: calls that hand over a contract, packed by
// go-ethereum, decode to the control change with the new holder named.
func TestDecodeControl(t *testing.T) {
	t.Parallel()
	protocol := common.HexToAddress("0x2032b9A8e9F7e76768CA9271003d3e43E1616B1F")
	proxy := common.HexToAddress("0xd50Cf00b6e600Dd036Ba8eF475677d816d6c4281")
	minter := crypto.Keccak256Hash([]byte("MINTER_ROLE"))
	for _, tc := range []struct {
		name     string
		data     []byte
		kind     ControlKind
		contract common.Address
		holder   *common.Address
		role     string
		accept   bool
		renounce bool
		withCall bool
		summary  string
	}{
		{"transferOwnership", calldata(t, "transferOwnership(address newOwner)", trojan), ControlOwnership, protocol, &trojan, "", false, false, false, "transfer ownership on " + protocol.Hex() + "; new owner " + trojan.Hex()},
		{"transferOwnership to zero", calldata(t, "transferOwnership(address newOwner)", common.Address{}), ControlOwnership, protocol, &common.Address{}, "", false, true, false, "transfer ownership"},
		{"renounceOwnership", calldata(t, "renounceOwnership()"), ControlOwnership, protocol, nil, "", false, true, false, "renounce ownership"},
		{"acceptOwnership", calldata(t, "acceptOwnership()"), ControlOwnership, protocol, &testSafe, "", true, false, false, "accept a pending ownership"},
		{"upgradeTo", calldata(t, "upgradeTo(address newImplementation)", trojan), ControlUpgrade, protocol, &trojan, "", false, false, false, "upgrade the proxy or beacon on " + protocol.Hex() + "; new implementation " + trojan.Hex()},
		{"upgradeToAndCall", calldata(t, "upgradeToAndCall(address newImplementation,bytes data)", trojan, []byte{1, 2, 3, 4}), ControlUpgrade, protocol, &trojan, "", false, false, true, "and call the new code"},
		{"changeAdmin", calldata(t, "changeAdmin(address newAdmin)", trojan), ControlAdmin, protocol, &trojan, "", false, false, false, "new admin " + trojan.Hex()},
		{"ProxyAdmin changeProxyAdmin", calldata(t, "changeProxyAdmin(address proxy,address newAdmin)", proxy, trojan), ControlAdmin, proxy, &trojan, "", false, false, false, "on " + proxy.Hex()},
		{"ProxyAdmin upgrade", calldata(t, "upgrade(address proxy,address implementation)", proxy, trojan), ControlUpgrade, proxy, &trojan, "", false, false, false, "through ProxyAdmin"},
		{"ProxyAdmin upgradeAndCall", calldata(t, "upgradeAndCall(address proxy,address implementation,bytes data)", proxy, trojan, []byte{}), ControlUpgrade, proxy, &trojan, "", false, false, true, "through ProxyAdmin"},
		{"grantRole admin", calldata(t, "grantRole(bytes32 role,address account)", [32]byte{}, trojan), ControlRoleGrant, protocol, &trojan, "DEFAULT_ADMIN_ROLE", false, false, false, "(role DEFAULT_ADMIN_ROLE)"},
		{"grantRole minter", calldata(t, "grantRole(bytes32 role,address account)", [32]byte(minter), trojan), ControlRoleGrant, protocol, &trojan, "MINTER_ROLE", false, false, false, "role holder " + trojan.Hex()},
		{"grantRole unnamed", calldata(t, "grantRole(bytes32 role,address account)", [32]byte{1}, trojan), ControlRoleGrant, protocol, &trojan, "0x01" + fmt.Sprintf("%062x", 0), false, false, false, "grant a role"},
		{"revokeRole", calldata(t, "revokeRole(bytes32 role,address account)", [32]byte(minter), bob), ControlRoleRevoke, protocol, &bob, "MINTER_ROLE", false, false, false, "revoke a role"},
		{"renounceRole", calldata(t, "renounceRole(bytes32 role,address account)", [32]byte{}, testSafe), ControlRoleRevoke, protocol, &testSafe, "DEFAULT_ADMIN_ROLE", false, true, false, "renounce a role"},
		{"Compound _setPendingAdmin", calldata(t, "_setPendingAdmin(address newPendingAdmin)", trojan), ControlAdmin, protocol, &trojan, "", false, false, false, "pending admin"},
		{"Compound _acceptAdmin", calldata(t, "_acceptAdmin()"), ControlAdmin, protocol, &testSafe, "", true, false, false, "accept a pending admin"},
		{"Compound _setPendingImplementation", calldata(t, "_setPendingImplementation(address newPendingImplementation)", trojan), ControlUpgrade, protocol, &trojan, "", false, false, false, "pending implementation"},
		{"Compound _setImplementation", calldata(t, "_setImplementation(address implementation_,bool allowResign,bytes becomeImplementationData)", trojan, true, []byte{}), ControlUpgrade, protocol, &trojan, "", false, false, true, "delegator"},
		{"Timelock setPendingAdmin", calldata(t, "setPendingAdmin(address pendingAdmin_)", trojan), ControlAdmin, protocol, &trojan, "", false, false, false, "pending admin"},
		{"Timelock acceptAdmin", calldata(t, "acceptAdmin()"), ControlAdmin, protocol, &testSafe, "", true, false, false, "accept"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := decodeOK(t, safe130(), protocol, 0, tc.data, safe.Call)
			ch, ok := Control(c)
			if !ok {
				t.Fatalf("not a control change: %s %s (%s)", c.Kind, c.Signature, c.Summary)
			}
			if ch.Kind != tc.kind || ch.Contract != tc.contract || ch.Role != tc.role || ch.Accept != tc.accept || ch.Renounce != tc.renounce || ch.WithCall != tc.withCall {
				t.Errorf("got %+v", ch)
			}
			if (ch.Holder == nil) != (tc.holder == nil) || ch.Holder != nil && *ch.Holder != *tc.holder {
				t.Errorf("holder %v, want %v", ch.Holder, tc.holder)
			}
			if !strings.Contains(c.Summary, tc.summary) {
				t.Errorf("summary %q lacks %q", c.Summary, tc.summary)
			}
			if len(Approvals(c)) != 0 {
				t.Error("a control change read as an approval")
			}
		})
	}
	transfer := decodeOK(t, safe130(), usdc, 0, calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(1)), safe.Call)
	if _, ok := Control(transfer); ok {
		t.Error("transfer read as a control change")
	}
}

// TestDecodeUpgradeAndCallData: the data of upgradeToAndCall and of
// ProxyAdmin's upgradeAndCall decodes as a call to the proxy, from the Safe
// (upgradeToAndCall) or from the ProxyAdmin (upgradeAndCall), so that a
// handover inside it is read as one; empty data runs nothing.
func TestDecodeUpgradeAndCallData(t *testing.T) {
	t.Parallel()
	proxy := common.HexToAddress("0xd50Cf00b6e600Dd036Ba8eF475677d816d6c4281")
	proxyAdmin := common.HexToAddress("0x2032b9A8e9F7e76768CA9271003d3e43E1616B1F")
	impl := common.HexToAddress("0x40A2aCCbd92BCA938b02010E17A5b8929b49130D")
	handover := calldata(t, "transferOwnership(address newOwner)", trojan)
	for _, tc := range []struct {
		name string
		to   common.Address
		data []byte
		from common.Address // of the inner call; zero for none
	}{
		{"upgradeToAndCall", proxy, calldata(t, "upgradeToAndCall(address newImplementation,bytes data)", impl, handover), testSafe},
		{"ProxyAdmin upgradeAndCall", proxyAdmin, calldata(t, "upgradeAndCall(address proxy,address implementation,bytes data)", proxy, impl, handover), proxyAdmin},
		{"upgradeToAndCall, empty data", proxy, calldata(t, "upgradeToAndCall(address newImplementation,bytes data)", impl, []byte{}), common.Address{}},
		{"ProxyAdmin upgradeAndCall, empty data", proxyAdmin, calldata(t, "upgradeAndCall(address proxy,address implementation,bytes data)", proxy, impl, []byte{}), common.Address{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := decodeOK(t, safe130(), tc.to, 0, tc.data, safe.Call)
			if tc.from == (common.Address{}) {
				if len(c.Calls) != 0 {
					t.Fatalf("empty data decoded as %d calls", len(c.Calls))
				}
				return
			}
			if len(c.Calls) != 1 {
				t.Fatalf("%d inner calls, want 1 (%s)", len(c.Calls), c.Summary)
			}
			k := c.Calls[0]
			if k.From != tc.from || k.To != proxy || k.Operation != safe.Call || k.Path != "0.0" {
				t.Errorf("inner call from %s to %s op %d path %s, want from %s to the proxy by CALL at 0.0", k.From.Hex(), k.To.Hex(), k.Operation, k.Path, tc.from.Hex())
			}
			ch, ok := Control(k)
			if !ok || ch.Kind != ControlOwnership || ch.Contract != proxy || ch.Holder == nil || *ch.Holder != trojan {
				t.Errorf("inner call %s (%s) is not the handover to %s: %+v", k.Signature, k.Summary, trojan.Hex(), ch)
			}
		})
	}
}

// TestDecodeApprovals: every way of giving an allowance, packed by
// go-ethereum, with the unlimited threshold at 2^128 (2^96 for Permit2).
func TestDecodeApprovals(t *testing.T) {
	t.Parallel()
	permit2 := common.HexToAddress("0x000000000022D473030F116dDEE9F6B43aC78BA3")
	max160 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 160), big.NewInt(1))
	two128 := new(big.Int).Lsh(big.NewInt(1), 128)
	below128 := new(big.Int).Sub(two128, big.NewInt(1))
	two96 := new(big.Int).Lsh(big.NewInt(1), 96)
	below96 := new(big.Int).Sub(two96, big.NewInt(1))
	sig := make([]byte, 65)
	type want struct {
		via       ApprovalVia
		token     common.Address
		owner     common.Address
		spender   common.Address
		amount    string // "" for none
		unlimited bool
		revoke    bool
	}
	for _, tc := range []struct {
		name string
		to   common.Address
		data []byte
		want []want
	}{
		{"approve unlimited", usdt, calldata(t, "approve(address spender,uint256 amount)", trojan, safe.MaxUint256), []want{{ViaApprove, usdt, testSafe, trojan, safe.MaxUint256.String(), true, false}}},
		{"approve 2^128", usdt, calldata(t, "approve(address spender,uint256 amount)", trojan, two128), []want{{ViaApprove, usdt, testSafe, trojan, two128.String(), true, false}}},
		{"approve below 2^128", usdt, calldata(t, "approve(address spender,uint256 amount)", trojan, below128), []want{{ViaApprove, usdt, testSafe, trojan, below128.String(), false, false}}},
		{"approve zero is no revoke (ERC-721 token #0)", usdt, calldata(t, "approve(address spender,uint256 amount)", trojan, big.NewInt(0)), []want{{ViaApprove, usdt, testSafe, trojan, "0", false, false}}},
		{"approve to the zero address revokes", usdt, calldata(t, "approve(address spender,uint256 amount)", common.Address{}, big.NewInt(7)), []want{{ViaApprove, usdt, testSafe, common.Address{}, "7", false, true}}},
		{"increaseAllowance", usdc, calldata(t, "increaseAllowance(address spender,uint256 addedValue)", bob, big.NewInt(5)), []want{{ViaIncreaseAllowance, usdc, testSafe, bob, "5", false, false}}},
		{"increaseAllowance zero is no revoke", usdc, calldata(t, "increaseAllowance(address spender,uint256 addedValue)", bob, big.NewInt(0)), []want{{ViaIncreaseAllowance, usdc, testSafe, bob, "0", false, false}}},
		{"EIP-2612 permit", usdc, calldata(t, "permit(address owner,address spender,uint256 value,uint256 deadline,uint8 v,bytes32 r,bytes32 s)", alice, trojan, safe.MaxUint256, big.NewInt(1), uint8(27), [32]byte{}, [32]byte{}), []want{{ViaPermit, usdc, alice, trojan, safe.MaxUint256.String(), true, false}}},
		{"DAI permit", usdc, calldata(t, "permit(address holder,address spender,uint256 nonce,uint256 expiry,bool allowed,uint8 v,bytes32 r,bytes32 s)", alice, trojan, big.NewInt(0), big.NewInt(0), true, uint8(27), [32]byte{}, [32]byte{}), []want{{ViaDAIPermit, usdc, alice, trojan, safe.MaxUint256.String(), true, false}}},
		{"DAI permit revoke", usdc, calldata(t, "permit(address holder,address spender,uint256 nonce,uint256 expiry,bool allowed,uint8 v,bytes32 r,bytes32 s)", alice, trojan, big.NewInt(0), big.NewInt(0), false, uint8(27), [32]byte{}, [32]byte{}), []want{{ViaDAIPermit, usdc, alice, trojan, "0", false, true}}},
		{"Permit2 approve max", permit2, calldata(t, "approve(address token,address spender,uint160 amount,uint48 expiration)", usdt, trojan, max160, big.NewInt(1900000000)), []want{{ViaPermit2Approve, usdt, testSafe, trojan, max160.String(), true, false}}},
		{"Permit2 approve 2^96", permit2, calldata(t, "approve(address token,address spender,uint160 amount,uint48 expiration)", usdt, trojan, two96, big.NewInt(1)), []want{{ViaPermit2Approve, usdt, testSafe, trojan, two96.String(), true, false}}},
		{"Permit2 approve below 2^96", permit2, calldata(t, "approve(address token,address spender,uint160 amount,uint48 expiration)", usdt, trojan, below96, big.NewInt(1)), []want{{ViaPermit2Approve, usdt, testSafe, trojan, below96.String(), false, false}}},
		{"Permit2 approve small", permit2, calldata(t, "approve(address token,address spender,uint160 amount,uint48 expiration)", usdt, bob, big.NewInt(10), big.NewInt(1)), []want{{ViaPermit2Approve, usdt, testSafe, bob, "10", false, false}}},
		{"Permit2 permit single", permit2, calldata(t, "permit(address owner,((address token,uint160 amount,uint48 expiration,uint48 nonce) details,address spender,uint256 sigDeadline) permitSingle,bytes signature)",
			alice, permitSingle{permitDetails{usdt, max160, big.NewInt(1), big.NewInt(0)}, trojan, big.NewInt(1)}, sig), []want{{ViaPermit2Permit, usdt, alice, trojan, max160.String(), true, false}}},
		{"Permit2 permit batch", permit2, calldata(t, "permit(address owner,((address token,uint160 amount,uint48 expiration,uint48 nonce)[] details,address spender,uint256 sigDeadline) permitBatch,bytes signature)",
			alice, permitBatch{[]permitDetails{{usdt, max160, big.NewInt(1), big.NewInt(0)}, {usdc, big.NewInt(3), big.NewInt(1), big.NewInt(0)}}, bob, big.NewInt(1)}, sig),
			[]want{{ViaPermit2Permit, usdt, alice, bob, max160.String(), true, false}, {ViaPermit2Permit, usdc, alice, bob, "3", false, false}}},
		{"setApprovalForAll", usdc, calldata(t, "setApprovalForAll(address operator,bool approved)", trojan, true), []want{{ViaApprovalForAll, usdc, testSafe, trojan, "", true, false}}},
		{"setApprovalForAll revoke", usdc, calldata(t, "setApprovalForAll(address operator,bool approved)", trojan, false), []want{{ViaApprovalForAll, usdc, testSafe, trojan, "", false, true}}},
		{"transfer is none", usdc, calldata(t, "transfer(address to,uint256 amount)", trojan, safe.MaxUint256), nil},
		{"decreaseAllowance is none", usdc, calldata(t, "decreaseAllowance(address spender,uint256 subtractedValue)", trojan, safe.MaxUint256), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := decodeOK(t, safe130(), tc.to, 0, tc.data, safe.Call)
			got := Approvals(c)
			if len(got) != len(tc.want) {
				t.Fatalf("%d approvals %+v, want %d (%s)", len(got), got, len(tc.want), c.Summary)
			}
			for i, w := range tc.want {
				g := got[i]
				amt := ""
				if g.Amount != nil {
					amt = g.Amount.String()
				}
				if g.Via != w.via || g.Token != w.token || g.Owner != w.owner || g.Spender != w.spender || amt != w.amount || g.Unlimited != w.unlimited || g.Revoke != w.revoke {
					t.Errorf("approval %d: %+v (amount %s), want %+v", i, g, amt, w)
				}
			}
		})
	}
}
