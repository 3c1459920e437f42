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
	"github.com/bulwark-sec/bulwark/safe/onchain"
)

// Contracts of the governance tests: an OpenZeppelin TimelockController and
// an Aave v3 PoolAddressesProvider (neither in the test address book), and
// a diamond.
var (
	ozTimelock  = common.HexToAddress("0x6d903f6003cca6255D85CcA4D3B5E5146dC33925")
	aaveProvide = common.HexToAddress("0x2f39d218133AFaB8F2B819B1066c7E434Ad94E9e")
	diamond     = common.HexToAddress("0xC1E088fC1323b20BCBee9bd1B9fC9546db5624C5")
)

func aaveID(s string) [32]byte {
	var b [32]byte
	copy(b[:], s)
	return b
}

// diamondCutData packs diamondCut with go-ethereum's ABI packer.
func diamondCutData(t testing.TB, facet common.Address, action uint8, sels [][4]byte, init common.Address, data []byte) []byte {
	t.Helper()
	cuts, err := abi.NewType("tuple[]", "", []abi.ArgumentMarshaling{{Name: "facetAddress", Type: "address"}, {Name: "action", Type: "uint8"}, {Name: "functionSelectors", Type: "bytes4[]"}})
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := abi.NewType("address", "", nil)
	bytesT, _ := abi.NewType("bytes", "", nil)
	args := abi.Arguments{{Type: cuts}, {Type: addr}, {Type: bytesT}}
	type cut struct {
		FacetAddress      common.Address
		Action            uint8
		FunctionSelectors [][4]byte
	}
	packed, err := args.Pack([]cut{{facet, action, sels}}, init, data)
	if err != nil {
		t.Fatal(err)
	}
	return append(crypto.Keccak256([]byte("diamondCut((address,uint8,bytes4[])[],address,bytes)"))[:4], packed...)
}

// TestPolicyGovernanceCalls: the privileged calls of timelocks, two-step
// ownership, Compound, Aave v3 and EIP-2535 diamonds are high (review) and
// name the new owner, implementation, admin or contract with its address
// book entry; a timelock operation is TIMELOCK_OPERATION and the calls it
// schedules are checked as calls from the timelock.
func TestPolicyGovernanceCalls(t *testing.T) {
	t.Parallel()
	book := testBook(t)
	call := func(to common.Address, data []byte) ServiceTx {
		return ServiceTx{Safe: testSafe, Tx: safe.Tx{To: to, Data: data, Nonce: big.NewInt(3)}}
	}
	upgrade := calldata(t, "upgradeTo(address newImplementation)", trojan)
	handover := calldata(t, "transferOwnership(address newOwner)", trojan)
	schedule := func(target common.Address, data []byte) []byte {
		return calldata(t, "schedule(address target,uint256 value,bytes data,bytes32 predecessor,bytes32 salt,uint256 delay)", target, big.NewInt(0), data, [32]byte{}, [32]byte{}, big.NewInt(172800))
	}
	poolAdmin := [32]byte(crypto.Keccak256Hash([]byte("POOL_ADMIN")))
	for _, tc := range []struct {
		name   string
		st     ServiceTx
		code   string
		sev    Severity
		path   string
		says   []string
		fields map[string]string
	}{
		{"timelock schedule", call(ozTimelock, schedule(lendingPool, upgrade)), CodeTimelockOperation, SeverityMedium, "0",
			[]string{"schedules 1 call through TimelockController " + ozTimelock.Hex(), "after a delay of 172800 seconds", "0.0 (upgrade the proxy or beacon on " + lendingPool.Hex()}, map[string]string{"action": "schedule", "calls": "1", "delay": "172800"}},
		{"scheduled upgrade is itself privileged", call(ozTimelock, schedule(lendingPool, upgrade)), CodeProxyUpgrade, SeverityHigh, "0.0",
			[]string{"the code of " + lendingPool.Hex() + ` ("Lending pool (proxy)")`, "replaced by the code at " + trojan.Hex() + " (NOT in the address book)"}, map[string]string{"newImplementation": trojan.Hex(), "addressBook": "not listed"}},
		{"scheduled transferOwnership", call(ozTimelock, schedule(lendingPool, handover)), CodeOwnershipTransfer, SeverityHigh, "0.0",
			[]string{"transfers ownership of " + lendingPool.Hex()}, map[string]string{"newOwner": trojan.Hex()}},
		{"scheduleBatch with a shorter delay", call(ozTimelock, calldata(t, "scheduleBatch(address[] targets,uint256[] values,bytes[] payloads,bytes32 predecessor,bytes32 salt,uint256 delay)",
			[]common.Address{ozTimelock}, []*big.Int{big.NewInt(0)}, [][]byte{calldata(t, "updateDelay(uint256 newDelay)", big.NewInt(0))}, [32]byte{}, [32]byte{}, big.NewInt(172800))),
			CodeTimelockDelayChange, SeverityHigh, "0.0", []string{"sets the minimum delay of timelock " + ozTimelock.Hex() + " to 0 seconds", "not checked"}, map[string]string{"newDelay": "0", "currentDelay": "not checked"}},
		{"execute", call(ozTimelock, calldata(t, "execute(address target,uint256 value,bytes payload,bytes32 predecessor,bytes32 salt)", lendingPool, big.NewInt(0), handover, [32]byte{}, [32]byte{})),
			CodeTimelockOperation, SeverityMedium, "0", []string{"executes 1 call"}, map[string]string{"action": "execute"}},
		{"executeBatch runs the handover", call(ozTimelock, calldata(t, "executeBatch(address[] targets,uint256[] values,bytes[] payloads,bytes32 predecessor,bytes32 salt)",
			[]common.Address{lendingPool}, []*big.Int{big.NewInt(0)}, [][]byte{handover}, [32]byte{}, [32]byte{})),
			CodeOwnershipTransfer, SeverityHigh, "0.0", []string{trojan.Hex() + " (NOT in the address book)"}, nil},
		{"cancel", call(ozTimelock, calldata(t, "cancel(bytes32 id)", [32]byte{1})), CodeTimelockOperation, SeverityMedium, "0", []string{"cancels operation 0x01", "pending security fix"}, map[string]string{"action": "cancel"}},
		{"Compound cancelTransaction", call(timelock, calldata(t, "cancelTransaction(address target,uint256 value,string signature,bytes data,uint256 eta)",
			lendingPool, big.NewInt(0), "_setPendingAdmin(address)", common.LeftPadBytes(trojan.Bytes(), 32), big.NewInt(1900000000))),
			CodeTimelockOperation, SeverityMedium, "0", []string{"cancels the queued transaction"}, map[string]string{"action": "cancel", "target": lendingPool.Hex()}},
		{"Compound queueTransaction", call(timelock, calldata(t, "queueTransaction(address target,uint256 value,string signature,bytes data,uint256 eta)",
			lendingPool, big.NewInt(0), "_setPendingAdmin(address)", common.LeftPadBytes(trojan.Bytes(), 32), big.NewInt(1900000000))),
			CodeTimelockOperation, SeverityMedium, "0", []string{`Compound Timelock ` + timelock.Hex() + ` ("Protocol timelock")`, "from eta 1900000000"}, map[string]string{"eta": "1900000000"}},
		{"Compound queued _setPendingAdmin", call(timelock, calldata(t, "queueTransaction(address target,uint256 value,string signature,bytes data,uint256 eta)",
			lendingPool, big.NewInt(0), "_setPendingAdmin(address)", common.LeftPadBytes(trojan.Bytes(), 32), big.NewInt(1900000000))),
			CodeAdminChange, SeverityHigh, "0.0", []string{"the new admin is " + trojan.Hex()}, map[string]string{"newAdmin": trojan.Hex()}},
		{"Compound executeTransaction", call(timelock, calldata(t, "executeTransaction(address target,uint256 value,string signature,bytes data,uint256 eta)",
			lendingPool, big.NewInt(0), "", upgrade, big.NewInt(1))), CodeProxyUpgrade, SeverityHigh, "0.0", nil, nil},
		{"beacon upgradeTo", call(bob, upgrade), CodeProxyUpgrade, SeverityHigh, "0",
			[]string{"if " + bob.Hex() + " is an UpgradeableBeacon, every beacon proxy that points at it runs the new code at once"}, map[string]string{"newImplementation": trojan.Hex()}},
		{"setOwner", call(lendingPool, calldata(t, "setOwner(address newOwner)", trojan)), CodeOwnershipTransfer, SeverityHigh, "0",
			[]string{"transfers ownership of " + lendingPool.Hex() + ` ("Lending pool (proxy)") to ` + trojan.Hex() + " (NOT in the address book)"}, map[string]string{"newOwner": trojan.Hex(), "addressBook": "not listed"}},
		{"setOwner(0) renounces", call(lendingPool, calldata(t, "setOwner(address newOwner)", common.Address{})), CodeOwnershipTransfer, SeverityHigh, "0", []string{"without an owner for good"}, nil},
		{"Synthetix nominateNewOwner", call(lendingPool, calldata(t, "nominateNewOwner(address _owner)", trojan)), CodeOwnershipTransfer, SeverityHigh, "0",
			[]string{"nominates " + trojan.Hex() + " (NOT in the address book) as the new owner", "acceptOwnership"}, map[string]string{"newOwner": trojan.Hex()}},
		{"Compound _become", call(trojan, calldata(t, "_become(address unitroller)", lendingPool)), CodeProxyUpgrade, SeverityHigh, "0",
			[]string{"the code of " + lendingPool.Hex(), "replaced by the code at " + trojan.Hex()}, map[string]string{"newImplementation": trojan.Hex()}},
		{"Compound _setImplementation", call(lendingPool, calldata(t, "_setImplementation(address implementation_,bool allowResign,bytes becomeImplementationData)", trojan, false, []byte{})),
			CodeProxyUpgrade, SeverityHigh, "0", []string{trojan.Hex()}, nil},
		{"ProxyAdmin changeProxyAdmin", call(bob, calldata(t, "changeProxyAdmin(address proxy,address newAdmin)", lendingPool, trojan)), CodeAdminChange, SeverityHigh, "0",
			[]string{"the new admin is " + trojan.Hex()}, map[string]string{"contract": lendingPool.Hex()}},
		{"Aave setPoolImpl", call(aaveProvide, calldata(t, "setPoolImpl(address newPoolImpl)", trojan)), CodeProxyUpgrade, SeverityHigh, "0",
			[]string{"the Aave market's POOL proxy held by PoolAddressesProvider " + aaveProvide.Hex(), trojan.Hex() + " (NOT in the address book)"}, map[string]string{"id": "POOL", "newImplementation": trojan.Hex()}},
		{"Aave setPoolConfiguratorImpl", call(aaveProvide, calldata(t, "setPoolConfiguratorImpl(address newPoolConfiguratorImpl)", trojan)), CodeProxyUpgrade, SeverityHigh, "0",
			[]string{"POOL_CONFIGURATOR proxy"}, map[string]string{"id": "POOL_CONFIGURATOR"}},
		{"Aave setAddressAsProxy", call(aaveProvide, calldata(t, "setAddressAsProxy(bytes32 id,address newImplementationAddress)", aaveID("POOL"), trojan)), CodeProxyUpgrade, SeverityHigh, "0",
			[]string{"POOL proxy"}, map[string]string{"id": "POOL"}},
		{"Aave setPriceOracle", call(aaveProvide, calldata(t, "setPriceOracle(address newPriceOracle)", trojan)), CodeProtocolAddressChange, SeverityHigh, "0",
			[]string{"the new price oracle for PRICE_ORACLE is " + trojan.Hex() + " (NOT in the address book)", "misprice"}, map[string]string{"id": "PRICE_ORACLE", "newAddress": trojan.Hex(), "addressBook": "not listed"}},
		{"Aave setAddress", call(aaveProvide, calldata(t, "setAddress(bytes32 id,address newAddress)", aaveID("ACL_MANAGER"), bob)), CodeProtocolAddressChange, SeverityHigh, "0",
			[]string{"for ACL_MANAGER is " + bob.Hex() + ` (in the address book as "Bob (OTC desk)"`}, map[string]string{"id": "ACL_MANAGER", "addressBook": "Bob (OTC desk) (" + bob.Hex() + ")"}},
		{"Aave setMarketId", call(aaveProvide, calldata(t, "setMarketId(string newMarketId)", "Aave\x1b[2J")), CodeProtocolAddressChange, SeverityMedium, "0",
			[]string{`the market id becomes "Aave\x1b[2J"`}, map[string]string{"marketId": "Aave\x1b[2J"}},
		{"Aave setACLAdmin", call(aaveProvide, calldata(t, "setACLAdmin(address newAclAdmin)", trojan)), CodeAdminChange, SeverityHigh, "0",
			[]string{"the new admin becomes " + trojan.Hex()}, map[string]string{"id": "ACL_ADMIN", "newAdmin": trojan.Hex()}},
		{"Aave setACLManager", call(aaveProvide, calldata(t, "setACLManager(address newAclManager)", trojan)), CodeAdminChange, SeverityHigh, "0",
			[]string{"the new ACL manager becomes " + trojan.Hex()}, map[string]string{"id": "ACL_MANAGER"}},
		{"Aave addPoolAdmin", call(aaveProvide, calldata(t, "addPoolAdmin(address admin)", trojan)), CodeRoleGrant, SeverityHigh, "0",
			[]string{"grants role POOL_ADMIN on " + aaveProvide.Hex() + " to " + trojan.Hex()}, map[string]string{"role": "POOL_ADMIN", "account": trojan.Hex()}},
		{"Aave addEmergencyAdmin", call(aaveProvide, calldata(t, "addEmergencyAdmin(address admin)", trojan)), CodeRoleGrant, SeverityHigh, "0", []string{"EMERGENCY_ADMIN"}, nil},
		{"Aave addRiskAdmin", call(aaveProvide, calldata(t, "addRiskAdmin(address admin)", trojan)), CodeRoleGrant, SeverityHigh, "0", []string{"RISK_ADMIN"}, nil},
		{"Aave removePoolAdmin", call(aaveProvide, calldata(t, "removePoolAdmin(address admin)", bob)), CodeRoleRevoke, SeverityMedium, "0", []string{"POOL_ADMIN"}, nil},
		{"Aave setRoleAdmin", call(aaveProvide, calldata(t, "setRoleAdmin(bytes32 role,bytes32 adminRole)", poolAdmin, [32]byte{1})), CodeRoleGrant, SeverityHigh, "0",
			[]string{"becomes the admin role of POOL_ADMIN"}, map[string]string{"role": "POOL_ADMIN"}},
		{"diamondCut", call(diamond, diamondCutData(t, trojan, 0, [][4]byte{{0xa9, 0x05, 0x9c, 0xbb}}, bob, handover)), CodeProxyUpgrade, SeverityHigh, "0",
			[]string{"add " + trojan.Hex() + " for 0xa9059cbb (NOT in the address book)", "DELEGATECALLs " + bob.Hex()}, map[string]string{"facet0": trojan.Hex(), "facet0Action": "add", "facet0AddressBook": "not listed", "init": bob.Hex()}},
		{"diamondCut init runs on the diamond", call(diamond, diamondCutData(t, trojan, 1, [][4]byte{{1, 2, 3, 4}}, bob, handover)), CodeUntrustedDelegateCall, SeverityHigh, "0.0",
			[]string{"DELEGATECALL to " + bob.Hex()}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := verify(t, tc.st, "1.3.0", Policy{AddressBook: book})
			want := bulwark.VerdictReview
			if v.Verdict != want {
				t.Errorf("verdict %s, want %s; findings %v", v.Verdict, want, v.Codes())
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
			for k, want := range tc.fields {
				if f.Fields[k] != want {
					t.Errorf("field %s = %q, want %q", k, f.Fields[k], want)
				}
			}
			if has(v, CodeUnknownTarget, SeverityMedium, "") {
				t.Errorf("a recognised call left UNKNOWN_TARGET: %v", v.Codes())
			}
		})
	}
}

// TestPolicyTimelockDelayProbe: with the timelock's current delay read
// from a node, a shorter delay is high and a longer one low.
func TestPolicyTimelockDelayProbe(t *testing.T) {
	t.Parallel()
	st := ServiceTx{Safe: testSafe, Tx: safe.Tx{To: ozTimelock, Nonce: big.NewInt(1),
		Data: calldata(t, "schedule(address target,uint256 value,bytes data,bytes32 predecessor,bytes32 salt,uint256 delay)", ozTimelock, big.NewInt(0),
			calldata(t, "updateDelay(uint256 newDelay)", big.NewInt(3600)), [32]byte{}, [32]byte{}, big.NewInt(86400))}}
	for _, tc := range []struct {
		name    string
		current *big.Int
		sev     Severity
		says    string
	}{
		{"shorter", big.NewInt(86400), SeverityHigh, "shortens the minimum delay of timelock " + ozTimelock.Hex() + " from 86400 to 3600 seconds (read at block 7)"},
		{"longer", big.NewInt(60), SeverityLow, "not shorter than the current 60 (read at block 7)"},
		{"equal", big.NewInt(3600), SeverityLow, "not shorter"},
		{"no answer", nil, SeverityHigh, "the timelock did not answer its current delay at block 7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pr := &Probes{Block: 7, MinDelays: map[common.Address]*big.Int{}}
			if tc.current != nil {
				pr.MinDelays[ozTimelock] = tc.current
			}
			v, err := Verify(VerifyRequest{Tx: st, ChainID: big.NewInt(1), Version: mustVersion(t, "1.3.0"), Probes: pr})
			if err != nil {
				t.Fatal(err)
			}
			f, ok := findingAt(v, CodeTimelockDelayChange, "0.0")
			if !ok || f.Severity != tc.sev || !strings.Contains(f.Message, tc.says) {
				t.Errorf("finding %+v (%v), want %s saying %q", f, ok, tc.sev, tc.says)
			}
		})
	}
}

// TestPolicyApproveERC165: with the token's ERC-165 answer, approve is
// read as ERC-721, or as ERC-20 when ERC-165 does not say ERC-721 and the
// token answers decimals() (the ERC-20 shape); an early collection that
// does neither (CryptoKitties) keeps both readings, so approve(spender, 0)
// to an unlisted spender is medium; without the probes the finding says
// it was not checked.
func TestPolicyApproveERC165(t *testing.T) {
	t.Parallel()
	approve := func(spender common.Address, n *big.Int) ServiceTx {
		return ServiceTx{Safe: testSafe, Tx: safe.Tx{To: usdt, Nonce: big.NewInt(1), Data: calldata(t, "approve(address spender,uint256 amount)", spender, n)}}
	}
	for _, tc := range []struct {
		name    string
		st      ServiceTx
		kind    TokenKind // "" offline
		dec     int       // decimals(): -1 not answered (not the ERC-20 shape), -2 not asked
		sev     Severity
		says    []string
		not     string
		verdict bulwark.Verdict
	}{
		{"unlimited, not checked", approve(trojan, safe.MaxUint256), "", -2, SeverityHigh, []string{"unlimited if the token is ERC-20", "was not checked: ERC-165 is asked only with a node"}, "", bulwark.VerdictReview},
		{"unlimited ERC-20 (no ERC-165)", approve(trojan, safe.MaxUint256), TokenNoERC165, 6, SeverityHigh, []string{"an unlimited amount (2^256-1)", "reverted or gave no bool at block 9", "decimals() answered 6"}, "ERC-721 collection, this approves", bulwark.VerdictReview},
		{"unlimited ERC-20 (ERC-165 false)", approve(trojan, safe.MaxUint256), TokenNotERC721, 18, SeverityHigh, []string{"an unlimited amount", "answered false at block 9"}, "", bulwark.VerdictReview},
		{"unlimited, no ERC-165 and no decimals", approve(trojan, safe.MaxUint256), TokenNoERC165, -1, SeverityHigh, []string{"unlimited if the token is ERC-20", "decimals() gave no answer", "CryptoKitties"}, "", bulwark.VerdictReview},
		{"huge id on an ERC-721", approve(trojan, safe.MaxUint256), TokenERC721, -2, SeverityMedium, []string{"approves token #" + safe.MaxUint256.String() + " of collection", "answered true at block 9"}, "unlimited", bulwark.VerdictReview},
		{"approve 0 on an ERC-20 revokes", approve(trojan, big.NewInt(0)), TokenNoERC165, 6, SeverityInfo, []string{"revokes the allowance of spender " + trojan.Hex(), "decimals() answered 6"}, "", bulwark.VerdictOK},
		{"approve 0, ERC-165 false, no decimals: maybe an early NFT", approve(trojan, big.NewInt(0)), TokenNotERC721, -1, SeverityMedium, []string{"approves token #0", "answered false at block 9, but decimals() gave no answer"}, "", bulwark.VerdictReview},
		{"approve 0, no ERC-165, no decimals (CryptoKitties)", approve(trojan, big.NewInt(0)), TokenNoERC165, -1, SeverityMedium, []string{"approves token #0", "CryptoKitties"}, "", bulwark.VerdictReview},
		{"approve 0, no ERC-165, decimals not asked", approve(trojan, big.NewInt(0)), TokenNoERC165, -2, SeverityMedium, []string{"approves token #0", "decimals() was not asked"}, "", bulwark.VerdictReview},
		{"approve 0 not checked", approve(trojan, big.NewInt(0)), "", -2, SeverityMedium, []string{"approves token #0", "not checked"}, "", bulwark.VerdictReview},
		{"approve 0 on an ERC-721 approves token #0", approve(trojan, big.NewInt(0)), TokenERC721, -2, SeverityMedium, []string{"approves token #0 of collection"}, "", bulwark.VerdictReview},
		{"approve(0x0, id) on an ERC-721 clears", approve(common.Address{}, big.NewInt(5)), TokenERC721, -2, SeverityInfo, []string{"clears token #5's approval"}, "", bulwark.VerdictOK},
		{"approve to an allowed spender on an ERC-721", approve(router, big.NewInt(5)), TokenERC721, -2, SeverityInfo, []string{"approves token #5", "1inch router v5"}, "", bulwark.VerdictOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := VerifyRequest{Tx: tc.st, ChainID: big.NewInt(1), Version: mustVersion(t, "1.3.0"), Policy: Policy{AddressBook: testBook(t)}}
			if tc.kind != "" {
				req.Probes = &Probes{Block: 9, Tokens: map[common.Address]TokenKind{usdt: tc.kind}, Decimals: map[common.Address]uint8{}, NoDecimals: map[common.Address]bool{}}
				switch {
				case tc.dec >= 0:
					req.Probes.Decimals[usdt] = uint8(tc.dec)
				case tc.dec == -1:
					req.Probes.NoDecimals[usdt] = true
				}
			}
			v, err := Verify(req)
			if err != nil {
				t.Fatal(err)
			}
			f, ok := findingAt(v, CodeTokenApproval, "0")
			if !ok {
				t.Fatalf("no TOKEN_APPROVAL: %v", v.Codes())
			}
			if f.Severity != tc.sev || v.Verdict != tc.verdict {
				t.Errorf("%s, verdict %s; want %s, %s: %s", f.Severity, v.Verdict, tc.sev, tc.verdict, f.Message)
			}
			for _, s := range tc.says {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message %q lacks %q", f.Message, s)
				}
			}
			if tc.not != "" && strings.Contains(f.Message, tc.not) {
				t.Errorf("message %q has %q", f.Message, tc.not)
			}
			want := string(tc.kind)
			if want == "" {
				want = "not checked"
			}
			if f.Fields["erc165"] != want {
				t.Errorf("erc165 field %q, want %q", f.Fields["erc165"], want)
			}
		})
	}
}

// TestReadProbes: the node's answers to supportsInterface and
// getMinDelay are read strictly: only a 32-byte 1 is ERC-721 and a 32-byte 0
// not; a revert or any other answer is no ERC-165; an error leaves the
// question unanswered (never an ERC-20 or ERC-721 guess, never a failed
// verification).
func TestReadProbes(t *testing.T) {
	t.Parallel()
	word := func(n int64) []byte { return common.LeftPadBytes(big.NewInt(n).Bytes(), 32) }
	a := func(n byte) common.Address { return common.BytesToAddress([]byte{n}) }
	qs := []probeRead{{a(1), probeERC165}, {a(2), probeERC165}, {a(3), probeERC165}, {a(4), probeERC165}, {a(5), probeERC165}, {a(6), probeERC165},
		{a(7), probeDelay}, {a(8), probeDelay}, {a(9), probeDelay}, {a(1), probeDecimals}, {a(2), probeDecimals}, {a(3), probeDecimals}, {a(4), probeDecimals}}
	reads := []onchain.Read{
		{Out: word(1)}, {Out: word(0)}, {Reverted: true, Out: word(1)}, {Out: word(2)}, {Out: []byte{1}},
		{Err: bulwark.Errorf(bulwark.EUNAVAILABLE, "out of gas")},
		{Out: word(3600)}, {Out: []byte{1, 2}}, {Err: bulwark.Errorf(bulwark.EUNAVAILABLE, "invalid opcode")},
		{Out: word(18)}, {Out: word(256)}, {Reverted: true, Out: word(6)}, {Out: []byte{6}},
	}
	p := readProbes(5, reads, qs)
	want := map[common.Address]TokenKind{a(1): TokenERC721, a(2): TokenNotERC721, a(3): TokenNoERC165, a(4): TokenNoERC165, a(5): TokenNoERC165}
	if len(p.Tokens) != len(want) {
		t.Errorf("tokens %v, want %v", p.Tokens, want)
	}
	for k, w := range want {
		if p.Tokens[k] != w {
			t.Errorf("%s: %s, want %s", k.Hex(), p.Tokens[k], w)
		}
	}
	if len(p.Decimals) != 1 || p.Decimals[a(1)] != 18 || len(p.NoDecimals) != 3 || !p.NoDecimals[a(2)] || !p.NoDecimals[a(3)] || !p.NoDecimals[a(4)] {
		t.Errorf("decimals %v, none %v: only a 32-byte word up to 255 is the ERC-20 shape", p.Decimals, p.NoDecimals)
	}
	if len(p.MinDelays) != 1 || p.MinDelays[a(7)].Int64() != 3600 {
		t.Errorf("delays %v", p.MinDelays)
	}
	if p.Failed[a(6)] != "out of gas" || p.Failed[a(9)] != "invalid opcode" || len(p.Failed) != 2 {
		t.Errorf("failed %v", p.Failed)
	}
	// A failed question is said, and approve stays ambiguous.
	st := ServiceTx{Safe: testSafe, Tx: safe.Tx{To: a(6), Nonce: big.NewInt(1), Data: calldata(t, "approve(address spender,uint256 amount)", trojan, big.NewInt(0))}}
	v, err := Verify(VerifyRequest{Tx: st, ChainID: big.NewInt(1), Version: mustVersion(t, "1.3.0"), Probes: p})
	if err != nil {
		t.Fatal(err)
	}
	f, ok := findingAt(v, CodeTokenApproval, "0")
	if !ok || f.Severity != SeverityMedium || f.Fields["erc165"] != "not checked" || !strings.Contains(f.Message, `the node failed supportsInterface(0x80ac58cd) at block 5 ("out of gas")`) {
		t.Errorf("finding %+v", f)
	}
}
