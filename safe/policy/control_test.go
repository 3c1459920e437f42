package policy

import (
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

// Addresses of the control and approval tests: a protocol's contracts
// (listed in testdata/verify/addressbook.toml), USDT on Ethereum mainnet,
// Permit2 and a listed spender.
var (
	lendingPool = common.HexToAddress("0xF4B1486DD74D07706052A33d31d7c0AAFD0659E1")
	timelock    = common.HexToAddress("0x2032b9A8e9F7e76768CA9271003d3e43E1616B1F")
	usdt        = common.HexToAddress("0xdAC17F958D2ee523a2206206994597C13D831ec7")
	permit2     = common.HexToAddress("0x000000000022D473030F116dDEE9F6B43aC78BA3")
	router      = common.HexToAddress("0x1111111254EEB25477B68fb85Ed929f73A960582")
)

func testBook(t testing.TB) *AddressBook {
	t.Helper()
	b, err := ReadAddressBookFile(filepath.Join("testdata", "verify", "addressbook.toml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// finding returns v's first finding with code at path.
func findingAt(v *Verification, code, path string) (Finding, bool) {
	for _, f := range v.Findings {
		if f.Code == code && f.Path == path {
			return f, true
		}
	}
	return Finding{}, false
}

// TestPolicyControlAndApprovals: calls that hand over control of a
// contract are high (the Safe accepting control, or revoking a role other
// than the admin role, medium) and name the new holder and whether the
// address book lists it; allowances are medium to a spender the book does
// not allow, high when unlimited, info to an allowed spender or when
// revoked; setApprovalForAll(true) to an unknown operator is high.
func TestPolicyControlAndApprovals(t *testing.T) {
	t.Parallel()
	book := testBook(t)
	max160 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 160), big.NewInt(1))
	minter := [32]byte(crypto.Keccak256Hash([]byte("MINTER_ROLE")))
	tx := func(to common.Address, op safe.Operation, data []byte) ServiceTx {
		return ServiceTx{Safe: testSafe, Tx: safe.Tx{To: to, Operation: op, Data: data, Nonce: big.NewInt(9)}}
	}
	call := func(to common.Address, data []byte) ServiceTx { return tx(to, safe.Call, data) }
	batch := func(txs ...decode.MultiSendTx) ServiceTx {
		return tx(callOnly130, safe.DelegateCall, decode.MultiSendCalldata(txs))
	}
	approve := func(spender common.Address, n *big.Int) []byte {
		return calldata(t, "approve(address spender,uint256 amount)", spender, n)
	}
	for _, tc := range []struct {
		name    string
		st      ServiceTx
		book    *AddressBook
		code    string
		sev     Severity
		path    string
		says    []string // substrings of the message
		verdict bulwark.Verdict
	}{
		{"transferOwnership to an unknown address", call(lendingPool, calldata(t, "transferOwnership(address newOwner)", trojan)), nil,
			CodeOwnershipTransfer, SeverityHigh, "0", []string{"transfers ownership of " + lendingPool.Hex() + " to " + trojan.Hex(), "no address book was given", "Radiant"}, bulwark.VerdictReview},
		{"transferOwnership, book loaded", call(lendingPool, calldata(t, "transferOwnership(address newOwner)", trojan)), book,
			CodeOwnershipTransfer, SeverityHigh, "0", []string{`of ` + lendingPool.Hex() + ` ("Lending pool (proxy)")`, trojan.Hex() + " (NOT in the address book)"}, bulwark.VerdictReview},
		{"transferOwnership to the listed timelock", call(lendingPool, calldata(t, "transferOwnership(address newOwner)", timelock)), book,
			CodeOwnershipTransfer, SeverityHigh, "0", []string{`in the address book as "Protocol timelock" (own-contract)`}, bulwark.VerdictReview},
		{"renounceOwnership", call(lendingPool, calldata(t, "renounceOwnership()")), nil,
			CodeOwnershipTransfer, SeverityHigh, "0", []string{"without an owner for good"}, bulwark.VerdictReview},
		{"acceptOwnership", call(lendingPool, calldata(t, "acceptOwnership()")), nil,
			CodeOwnershipTransfer, SeverityMedium, "0", []string{"the account " + testSafe.Hex() + " accepts the pending ownership"}, bulwark.VerdictReview},
		{"upgradeTo", call(lendingPool, calldata(t, "upgradeTo(address newImplementation)", trojan)), book,
			CodeProxyUpgrade, SeverityHigh, "0", []string{"replaced by the code at " + trojan.Hex() + " (NOT in the address book)"}, bulwark.VerdictReview},
		{"upgradeToAndCall", call(lendingPool, calldata(t, "upgradeToAndCall(address newImplementation,bytes data)", trojan, []byte{1})), nil,
			CodeProxyUpgrade, SeverityHigh, "0", []string{"runs data Bulwark cannot decode on the proxy"}, bulwark.VerdictReview},
		{"upgradeToAndCall with empty data", call(lendingPool, calldata(t, "upgradeToAndCall(address newImplementation,bytes data)", trojan, []byte{})), nil,
			CodeProxyUpgrade, SeverityHigh, "0", []string{"the data is empty"}, bulwark.VerdictReview},
		{"upgradeToAndCall names the inner call", call(lendingPool, calldata(t, "upgradeToAndCall(address newImplementation,bytes data)", timelock,
			calldata(t, "transferOwnership(address newOwner)", trojan))), book,
			CodeProxyUpgrade, SeverityHigh, "0", []string{"runs transferOwnership(address) on the proxy", "msg.sender " + testSafe.Hex()}, bulwark.VerdictReview},
		{"upgradeToAndCall to a listed implementation hides no handover", call(lendingPool, calldata(t, "upgradeToAndCall(address newImplementation,bytes data)", timelock,
			calldata(t, "transferOwnership(address newOwner)", trojan))), book,
			CodeOwnershipTransfer, SeverityHigh, "0.0", []string{"transfers ownership of " + lendingPool.Hex() + ` ("Lending pool (proxy)") to ` + trojan.Hex() + " (NOT in the address book)"}, bulwark.VerdictReview},
		{"upgradeToAndCall hides no role grant", call(lendingPool, calldata(t, "upgradeToAndCall(address newImplementation,bytes data)", timelock,
			calldata(t, "grantRole(bytes32 role,address account)", [32]byte{}, trojan))), book,
			CodeRoleGrant, SeverityHigh, "0.0", []string{"grants role DEFAULT_ADMIN_ROLE on " + lendingPool.Hex()}, bulwark.VerdictReview},
		{"ProxyAdmin upgradeAndCall hides no approval", call(bob, calldata(t, "upgradeAndCall(address proxy,address implementation,bytes data)", lendingPool, timelock,
			approve(trojan, safe.MaxUint256))), book,
			CodeTokenApproval, SeverityHigh, "0.0", []string{"owner " + bob.Hex() + " allows spender " + trojan.Hex()}, bulwark.VerdictReview},
		{"ProxyAdmin upgradeAndCall names the inner call", call(bob, calldata(t, "upgradeAndCall(address proxy,address implementation,bytes data)", lendingPool, timelock,
			calldata(t, "transferOwnership(address newOwner)", trojan))), book,
			CodeProxyUpgrade, SeverityHigh, "0", []string{"runs transferOwnership(address) on the proxy", "msg.sender " + bob.Hex()}, bulwark.VerdictReview},
		{"ProxyAdmin upgrade names the proxy", call(bob, calldata(t, "upgrade(address proxy,address implementation)", lendingPool, trojan)), book,
			CodeProxyUpgrade, SeverityHigh, "0", []string{"the code of " + lendingPool.Hex() + ` ("Lending pool (proxy)")`}, bulwark.VerdictReview},
		{"changeAdmin", call(lendingPool, calldata(t, "changeAdmin(address newAdmin)", trojan)), nil,
			CodeAdminChange, SeverityHigh, "0", []string{"the new admin is " + trojan.Hex()}, bulwark.VerdictReview},
		{"Compound _setPendingAdmin", call(lendingPool, calldata(t, "_setPendingAdmin(address newPendingAdmin)", trojan)), nil,
			CodeAdminChange, SeverityHigh, "0", []string{"pending admin", trojan.Hex()}, bulwark.VerdictReview},
		{"Timelock acceptAdmin", call(timelock, calldata(t, "acceptAdmin()")), nil,
			CodeAdminChange, SeverityMedium, "0", []string{"accepts the pending admin role"}, bulwark.VerdictReview},
		{"grantRole DEFAULT_ADMIN_ROLE", call(lendingPool, calldata(t, "grantRole(bytes32 role,address account)", [32]byte{}, trojan)), nil,
			CodeRoleGrant, SeverityHigh, "0", []string{"grants role DEFAULT_ADMIN_ROLE", "grant itself any"}, bulwark.VerdictReview},
		{"grantRole MINTER_ROLE", call(lendingPool, calldata(t, "grantRole(bytes32 role,address account)", minter, trojan)), nil,
			CodeRoleGrant, SeverityHigh, "0", []string{"grants role MINTER_ROLE on " + lendingPool.Hex() + " to " + trojan.Hex()}, bulwark.VerdictReview},
		{"revokeRole MINTER_ROLE", call(lendingPool, calldata(t, "revokeRole(bytes32 role,address account)", minter, bob)), nil,
			CodeRoleRevoke, SeverityMedium, "0", []string{"revoke a role MINTER_ROLE"}, bulwark.VerdictReview},
		{"renounceRole DEFAULT_ADMIN_ROLE", call(lendingPool, calldata(t, "renounceRole(bytes32 role,address account)", [32]byte{}, testSafe)), nil,
			CodeRoleRevoke, SeverityHigh, "0", []string{"nobody can grant or revoke roles"}, bulwark.VerdictReview},
		{"Radiant-style batch", batch(
			decode.MultiSendTx{To: lendingPool, Data: calldata(t, "transferOwnership(address newOwner)", trojan)},
			decode.MultiSendTx{To: lendingPool, Data: calldata(t, "upgradeToAndCall(address newImplementation,bytes data)", trojan, []byte{})}), nil,
			CodeProxyUpgrade, SeverityHigh, "0.1", []string{trojan.Hex()}, bulwark.VerdictReview},
		{"control data by DELEGATECALL is not read as a control change", tx(trojan, safe.DelegateCall, calldata(t, "transferOwnership(address newOwner)", trojan)), nil,
			CodeUntrustedDelegateCall, SeverityCritical, "0", nil, bulwark.VerdictReject},

		{"unlimited USDT approve to an unknown spender", call(usdt, approve(trojan, safe.MaxUint256)), nil,
			CodeTokenApproval, SeverityHigh, "0", []string{"owner " + testSafe.Hex() + " allows spender " + trojan.Hex(), "2^256-1 base units — unlimited if the token is ERC-20; if it is an ERC-721 collection, this approves token #" + safe.MaxUint256.String() + " instead of token " + usdt.Hex(), "drainers"}, bulwark.VerdictReview},
		{"unlimited USDT approve, book loaded", call(usdt, approve(trojan, safe.MaxUint256)), book,
			CodeTokenApproval, SeverityHigh, "0", []string{"(NOT in the address book)", usdt.Hex() + ` ("USDT")`}, bulwark.VerdictReview},
		{"2^128 is unlimited", call(usdt, approve(trojan, new(big.Int).Lsh(big.NewInt(1), 128))), nil,
			CodeTokenApproval, SeverityHigh, "0", []string{"unlimited if the token is ERC-20"}, bulwark.VerdictReview},
		{"limited approve to an unknown spender", call(usdt, approve(trojan, big.NewInt(1_000_000))), book,
			CodeTokenApproval, SeverityMedium, "0", []string{"1000000 base units"}, bulwark.VerdictReview},
		{"unlimited approve to an allowed spender", call(usdt, approve(router, safe.MaxUint256)), book,
			CodeTokenApproval, SeverityInfo, "0", []string{`an allowed spender in the address book as "1inch router v5" (spender)`}, bulwark.VerdictOK},
		{"approve to a listed counterparty that is no spender", call(usdt, approve(bob, big.NewInt(5))), book,
			CodeTokenApproval, SeverityMedium, "0", []string{`in the address book as "Bob (OTC desk)" (counterparty, recipient), but not as an allowed spender`}, bulwark.VerdictReview},
		{"approve 0 to an unknown spender may approve ERC-721 token #0", call(usdt, approve(trojan, big.NewInt(0))), book,
			CodeTokenApproval, SeverityMedium, "0", []string{"a revoke if the token is ERC-20", "approves token #0", "NOT in the address book"}, bulwark.VerdictReview},
		{"approve 0 without a book", call(usdt, approve(trojan, big.NewInt(0))), nil,
			CodeTokenApproval, SeverityMedium, "0", []string{"approves token #0"}, bulwark.VerdictReview},
		{"approve 0 to a listed spender", call(usdt, approve(router, big.NewInt(0))), book,
			CodeTokenApproval, SeverityInfo, "0", []string{"a revoke if the token is ERC-20", "1inch router v5"}, bulwark.VerdictOK},
		{"approve(0x0, id) revokes", call(usdt, approve(common.Address{}, big.NewInt(7))), nil,
			CodeTokenApproval, SeverityInfo, "0", []string{"clears token #7's approval"}, bulwark.VerdictOK},
		{"Permit2 approve 0 revokes", call(permit2, calldata(t, "approve(address token,address spender,uint160 amount,uint48 expiration)", usdt, trojan, big.NewInt(0), big.NewInt(1))), nil,
			CodeTokenApproval, SeverityInfo, "0", []string{"revokes the allowance"}, bulwark.VerdictOK},
		{"increaseAllowance", call(usdc, calldata(t, "increaseAllowance(address spender,uint256 addedValue)", trojan, big.NewInt(5))), nil,
			CodeTokenApproval, SeverityMedium, "0", []string{"by increaseAllowance"}, bulwark.VerdictReview},
		{"EIP-2612 permit names its signer", call(usdc, calldata(t, "permit(address owner,address spender,uint256 value,uint256 deadline,uint8 v,bytes32 r,bytes32 s)",
			alice, trojan, safe.MaxUint256, big.NewInt(1), uint8(27), [32]byte{}, [32]byte{})), nil,
			CodeTokenApproval, SeverityHigh, "0", []string{"owner " + alice.Hex() + " allows", "signed by the owner " + alice.Hex()}, bulwark.VerdictReview},
		{"Permit2 approve max", call(permit2, calldata(t, "approve(address token,address spender,uint160 amount,uint48 expiration)", usdt, trojan, max160, big.NewInt(1900000000))), nil,
			CodeTokenApproval, SeverityHigh, "0", []string{"2^160-1", "through " + permit2.Hex() + ", until 1900000000"}, bulwark.VerdictReview},
		{"Permit2 approve to an allowed spender", call(permit2, calldata(t, "approve(address token,address spender,uint160 amount,uint48 expiration)", usdt, router, max160, big.NewInt(1))), book,
			CodeTokenApproval, SeverityInfo, "0", []string{"1inch"}, bulwark.VerdictOK},
		{"setApprovalForAll to an unknown operator", call(usdc, calldata(t, "setApprovalForAll(address operator,bool approved)", trojan, true)), book,
			CodeApprovalForAll, SeverityHigh, "0", []string{"to move every token of collection"}, bulwark.VerdictReview},
		{"setApprovalForAll to an allowed spender", call(usdc, calldata(t, "setApprovalForAll(address operator,bool approved)", router, true)), book,
			CodeApprovalForAll, SeverityInfo, "0", nil, bulwark.VerdictOK},
		{"setApprovalForAll(false)", call(usdc, calldata(t, "setApprovalForAll(address operator,bool approved)", trojan, false)), nil,
			CodeApprovalForAll, SeverityInfo, "0", []string{"revokes"}, bulwark.VerdictOK},
		{"unlimited approve inside a batch", batch(
			decode.MultiSendTx{To: usdt, Data: approve(trojan, safe.MaxUint256)},
			decode.MultiSendTx{To: router, Data: calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(1))}), book,
			CodeTokenApproval, SeverityHigh, "0.0", nil, bulwark.VerdictReview},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := Policy{AddressBook: tc.book, TrustAddressOnly: true}
			v := verify(t, tc.st, "1.3.0", p)
			if v.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s; findings %+v", v.Verdict, tc.verdict, v.Findings)
			}
			f, ok := findingAt(v, tc.code, tc.path)
			if !ok {
				t.Fatalf("no %s at %q; findings %+v", tc.code, tc.path, v.Findings)
			}
			if f.Severity != tc.sev {
				t.Errorf("%s is %s, want %s: %s", tc.code, f.Severity, tc.sev, f.Message)
			}
			for _, s := range tc.says {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message %q lacks %q", f.Message, s)
				}
			}
		})
	}
}

// TestAddressBookNamesTargets: a call to a listed target is named
// (ADDRESS_BOOK_TARGET, info) instead of UNKNOWN_TARGET; a function Bulwark
// cannot decode on it still needs review (UNKNOWN_FUNCTION); an entry for
// one chain does not name the address on another.
func TestAddressBookNamesTargets(t *testing.T) {
	t.Parallel()
	book := testBook(t)
	transfer := calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(1))
	for _, tc := range []struct {
		name    string
		to      common.Address
		data    []byte
		chain   int64
		book    *AddressBook
		want    []string
		not     []string
		verdict bulwark.Verdict
	}{
		{"token transfer on a listed token", usdt, calldata(t, "transfer(address to,uint256 amount)", usdt, big.NewInt(1)), 1, book, []string{CodeAddressBookTarget}, []string{CodeUnknownTarget, CodeAddressBookAllChains}, bulwark.VerdictOK},
		// Bob is a recipient for every chain: the payment goes through
		// the book only on that entry, which is said (medium).
		{"token transfer to a recipient listed for every chain", usdt, transfer, 1, book, []string{CodeAddressBookTarget, CodeAddressBookAllChains}, []string{CodeUnknownTarget, CodeRecipientNotListed}, bulwark.VerdictReview},
		{"the same without a book", usdt, transfer, 1, nil, []string{CodeUnknownTarget}, []string{CodeAddressBookTarget}, bulwark.VerdictOK},
		// The 1 wei sent to USDT, which the book lists on chain 1 only, is
		// a payment to an address the book does not list on chain 10.
		{"chain-specific entry on another chain", usdt, transfer, 10, book, []string{CodeUnknownTarget, CodeRecipientNotListed}, []string{CodeAddressBookTarget}, bulwark.VerdictReview},
		{"entry for every chain", lendingPool, transfer, 10, book, []string{CodeAddressBookTarget, CodeAddressBookAllChains}, []string{CodeUnknownTarget, CodeRecipientNotListed}, bulwark.VerdictReview},
		{"unknown function on a listed target", lendingPool, common.FromHex("0xdeadbeef"), 1, book, []string{CodeAddressBookTarget, CodeUnknownFunction}, []string{CodeUnknownTarget}, bulwark.VerdictReview},
		{"ETH to a recipient listed for every chain", bob, nil, 1, book, []string{CodeAddressBookTarget, CodeAddressBookAllChains}, nil, bulwark.VerdictReview},
		{"ETH to a counterparty listed on this chain", usdt, nil, 1, book, []string{CodeAddressBookTarget}, []string{CodeAddressBookAllChains}, bulwark.VerdictOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := ServiceTx{Safe: testSafe, Tx: safe.Tx{To: tc.to, Data: tc.data, Value: big.NewInt(1), Nonce: big.NewInt(1)}}
			v, err := Verify(VerifyRequest{Tx: st, ChainID: big.NewInt(tc.chain), Version: mustVersion(t, "1.3.0"), Policy: Policy{AddressBook: tc.book}})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.want {
				if !has(v, c, "", "0") {
					t.Errorf("no %s: %v", c, v.Codes())
				}
			}
			for _, c := range tc.not {
				if has(v, c, "", "") {
					t.Errorf("unexpected %s: %v", c, v.Codes())
				}
			}
			if v.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s", v.Verdict, tc.verdict)
			}
			if f, ok := findingAt(v, CodeAddressBookTarget, "0"); ok {
				every := strings.Contains(f.Message, "for every chain (no chain_id)") && f.Fields["chainId"] == "every"
				if want := tc.to != usdt; every != want {
					t.Errorf("an entry for every chain said %v, want %v: %s %v", every, want, f.Message, f.Fields)
				}
			}
		})
	}
}
