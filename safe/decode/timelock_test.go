package decode

import (
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/safe"
)

var (
	timelock = common.HexToAddress("0x6d903f6003cca6255D85CcA4D3B5E5146dC33925")
	provider = common.HexToAddress("0x2f39d218133AFaB8F2B819B1066c7E434Ad94E9e")
	diamond  = common.HexToAddress("0xC1E088fC1323b20BCBee9bd1B9fC9546db5624C5")
)

// aaveID is an Aave PoolAddressesProvider id: ASCII right-padded to 32
// bytes, as Solidity's bytes32 'PRICE_ORACLE'.
func aaveID(s string) [32]byte {
	var b [32]byte
	copy(b[:], s)
	return b
}

// facetCut is diamondCut's FacetCut as go-ethereum packs it.
type facetCut struct {
	F0 common.Address
	F1 uint8
	F2 [][4]byte
}

// TestDecodeControlMore: the privileged calls of two-step ownership,
// Compound, timelocks, Aave v3 and EIP-2535, packed by go-ethereum, decode
// to a control change naming what changes hands.
func TestDecodeControlMore(t *testing.T) {
	t.Parallel()
	unitroller := common.HexToAddress("0x3d9819210A31b4961b30EF54bE2aeD79B9c9Cd3B")
	poolAdmin := crypto.Keccak256Hash([]byte("POOL_ADMIN"))
	riskAdmin := crypto.Keccak256Hash([]byte("RISK_ADMIN"))
	for _, tc := range []struct {
		name     string
		to       common.Address
		data     []byte
		kind     ControlKind
		contract common.Address
		holder   *common.Address
		check    func(ControlChange) bool
		summary  string
	}{
		{"setOwner", protocol0, calldata(t, "setOwner(address newOwner)", trojan), ControlOwnership, protocol0, &trojan, nil, "set the owner"},
		{"setOwner zero renounces", protocol0, calldata(t, "setOwner(address newOwner)", common.Address{}), ControlOwnership, protocol0, &common.Address{}, func(c ControlChange) bool { return c.Renounce }, "set the owner"},
		{"Synthetix nominateNewOwner", protocol0, calldata(t, "nominateNewOwner(address _owner)", trojan), ControlOwnership, protocol0, &trojan, nil, "nominate a new owner"},
		{"Compound _become", protocol0, calldata(t, "_become(address unitroller)", unitroller), ControlUpgrade, unitroller, &protocol0, func(c ControlChange) bool { return c.Accept }, "Unitroller's implementation"},
		{"beacon upgradeTo", protocol0, calldata(t, "upgradeTo(address newImplementation)", trojan), ControlUpgrade, protocol0, &trojan, nil, "proxy or beacon"},
		{"TimelockController updateDelay", timelock, calldata(t, "updateDelay(uint256 newDelay)", big.NewInt(60)), ControlDelay, timelock, nil, func(c ControlChange) bool { return c.NewDelay.Int64() == 60 }, "new delay 60 seconds"},
		{"Compound setDelay", timelock, calldata(t, "setDelay(uint256 delay_)", big.NewInt(7200)), ControlDelay, timelock, nil, func(c ControlChange) bool { return c.NewDelay.Int64() == 7200 }, "new delay 7200 seconds"},
		{"Aave setPoolImpl", provider, calldata(t, "setPoolImpl(address newPoolImpl)", trojan), ControlUpgrade, provider, &trojan, func(c ControlChange) bool { return c.ID == "POOL" }, "upgrade the Aave market's Pool"},
		{"Aave setPoolConfiguratorImpl", provider, calldata(t, "setPoolConfiguratorImpl(address newPoolConfiguratorImpl)", trojan), ControlUpgrade, provider, &trojan, func(c ControlChange) bool { return c.ID == "POOL_CONFIGURATOR" }, "PoolConfigurator"},
		{"Aave setPriceOracle", provider, calldata(t, "setPriceOracle(address newPriceOracle)", trojan), ControlAddress, provider, &trojan, func(c ControlChange) bool { return c.ID == "PRICE_ORACLE" }, "new price oracle " + trojan.Hex()},
		{"Aave setACLAdmin", provider, calldata(t, "setACLAdmin(address newAclAdmin)", trojan), ControlAdmin, provider, &trojan, func(c ControlChange) bool { return c.ID == "ACL_ADMIN" }, "ACL admin"},
		{"Aave setACLManager", provider, calldata(t, "setACLManager(address newAclManager)", trojan), ControlAdmin, provider, &trojan, func(c ControlChange) bool { return c.ID == "ACL_MANAGER" }, "new ACL manager"},
		{"Aave setAddress", provider, calldata(t, "setAddress(bytes32 id,address newAddress)", aaveID("PRICE_ORACLE_SENTINEL"), trojan), ControlAddress, provider, &trojan, func(c ControlChange) bool { return c.ID == "PRICE_ORACLE_SENTINEL" }, "(id PRICE_ORACLE_SENTINEL)"},
		{"Aave setAddress, hashed id", provider, calldata(t, "setAddress(bytes32 id,address newAddress)", [32]byte(crypto.Keccak256Hash([]byte("X"))), trojan), ControlAddress, provider, &trojan, func(c ControlChange) bool { return strings.HasPrefix(c.ID, "0x") && len(c.ID) == 66 }, "id 0x"},
		{"Aave setAddressAsProxy", provider, calldata(t, "setAddressAsProxy(bytes32 id,address newImplementationAddress)", aaveID("POOL"), trojan), ControlUpgrade, provider, &trojan, func(c ControlChange) bool { return c.ID == "POOL" }, "new implementation " + trojan.Hex()},
		{"Aave setMarketId", provider, calldata(t, "setMarketId(string newMarketId)", "Evil\nMarket"), ControlAddress, provider, nil, func(c ControlChange) bool { return c.MarketID != nil && *c.MarketID == "Evil\nMarket" }, `new market id "Evil\nMarket"`},
		{"Aave addPoolAdmin", provider, calldata(t, "addPoolAdmin(address admin)", trojan), ControlRoleGrant, provider, &trojan, func(c ControlChange) bool { return c.Role == "POOL_ADMIN" }, "(role POOL_ADMIN)"},
		{"Aave addEmergencyAdmin", provider, calldata(t, "addEmergencyAdmin(address admin)", trojan), ControlRoleGrant, provider, &trojan, func(c ControlChange) bool { return c.Role == "EMERGENCY_ADMIN" }, "role holder"},
		{"Aave addRiskAdmin", provider, calldata(t, "addRiskAdmin(address admin)", trojan), ControlRoleGrant, provider, &trojan, func(c ControlChange) bool { return c.Role == "RISK_ADMIN" }, "role holder"},
		{"Aave addFlashBorrower", provider, calldata(t, "addFlashBorrower(address borrower)", trojan), ControlRoleGrant, provider, &trojan, func(c ControlChange) bool { return c.Role == "FLASH_BORROWER" }, "role holder"},
		{"Aave addBridge", provider, calldata(t, "addBridge(address bridge)", trojan), ControlRoleGrant, provider, &trojan, func(c ControlChange) bool { return c.Role == "BRIDGE" }, "role holder"},
		{"Aave addAssetListingAdmin", provider, calldata(t, "addAssetListingAdmin(address admin)", trojan), ControlRoleGrant, provider, &trojan, func(c ControlChange) bool { return c.Role == "ASSET_LISTING_ADMIN" }, "role holder"},
		{"Aave removeRiskAdmin", provider, calldata(t, "removeRiskAdmin(address admin)", bob), ControlRoleRevoke, provider, &bob, func(c ControlChange) bool { return c.Role == "RISK_ADMIN" }, "revoke a role"},
		{"Aave setRoleAdmin", provider, calldata(t, "setRoleAdmin(bytes32 role,bytes32 adminRole)", [32]byte(poolAdmin), [32]byte(riskAdmin)), ControlRoleAdmin, provider, nil, func(c ControlChange) bool { return c.Role == "POOL_ADMIN" && c.NewAdminRole == "RISK_ADMIN" }, "its new admin role RISK_ADMIN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := decodeOK(t, safe130(), tc.to, 0, tc.data, safe.Call)
			ch, ok := Control(c)
			if !ok {
				t.Fatalf("not a control change: %s %s (%s)", c.Kind, c.Signature, c.Summary)
			}
			if ch.Kind != tc.kind || ch.Contract != tc.contract || tc.check != nil && !tc.check(ch) {
				t.Errorf("got %+v", ch)
			}
			if (ch.Holder == nil) != (tc.holder == nil) || ch.Holder != nil && *ch.Holder != *tc.holder {
				t.Errorf("holder %v, want %v", ch.Holder, tc.holder)
			}
			if !strings.Contains(c.Summary, tc.summary) {
				t.Errorf("summary %q lacks %q", c.Summary, tc.summary)
			}
		})
	}
}

// protocol0 is a protocol contract the Safe controls.
var protocol0 = common.HexToAddress("0x2032b9A8e9F7e76768CA9271003d3e43E1616B1F")

// TestDecodeTimelock: the calls a timelock operation schedules or runs are
// decoded as calls from the timelock, so the handover inside is read as
// one; Compound's signature string is turned into the selector.
func TestDecodeTimelock(t *testing.T) {
	t.Parallel()
	impl := common.HexToAddress("0x40A2aCCbd92BCA938b02010E17A5b8929b49130D")
	upgrade := calldata(t, "upgradeTo(address newImplementation)", impl)
	handover := calldata(t, "transferOwnership(address newOwner)", trojan)
	shorter := calldata(t, "updateDelay(uint256 newDelay)", big.NewInt(0))
	type inner struct {
		to     common.Address
		sig    string
		holder common.Address
	}
	for _, tc := range []struct {
		name     string
		data     []byte
		action   TimelockAction
		compound bool
		inner    []inner
		summary  string
		notes    string
	}{
		{"schedule upgrade", calldata(t, "schedule(address target,uint256 value,bytes data,bytes32 predecessor,bytes32 salt,uint256 delay)", protocol0, big.NewInt(0), upgrade, [32]byte{}, [32]byte{1}, big.NewInt(172800)),
			TimelockSchedule, false, []inner{{protocol0, "upgradeTo(address)", impl}}, "schedule 1 call on TimelockController " + timelock.Hex() + ": to " + protocol0.Hex() + ", after a delay of 172800 seconds", "scheduling is what commits to it"},
		{"scheduleBatch", calldata(t, "scheduleBatch(address[] targets,uint256[] values,bytes[] payloads,bytes32 predecessor,bytes32 salt,uint256 delay)",
			[]common.Address{protocol0, timelock}, []*big.Int{big.NewInt(0), big.NewInt(0)}, [][]byte{handover, shorter}, [32]byte{}, [32]byte{}, big.NewInt(60)),
			TimelockSchedule, false, []inner{{protocol0, "transferOwnership(address)", trojan}, {timelock, "updateDelay(uint256)", common.Address{}}}, "schedule 2 calls", "delay of 60 seconds"},
		{"execute", calldata(t, "execute(address target,uint256 value,bytes payload,bytes32 predecessor,bytes32 salt)", protocol0, big.NewInt(0), handover, [32]byte{}, [32]byte{}),
			TimelockExecute, false, []inner{{protocol0, "transferOwnership(address)", trojan}}, "execute 1 call", "run now by timelock"},
		{"executeBatch", calldata(t, "executeBatch(address[] targets,uint256[] values,bytes[] payloads,bytes32 predecessor,bytes32 salt)",
			[]common.Address{protocol0}, []*big.Int{big.NewInt(5)}, [][]byte{upgrade}, [32]byte{}, [32]byte{}),
			TimelockExecute, false, []inner{{protocol0, "upgradeTo(address)", impl}}, "execute 1 call", "run now"},
		{"Compound queueTransaction with signature", calldata(t, "queueTransaction(address target,uint256 value,string signature,bytes data,uint256 eta)",
			protocol0, big.NewInt(0), "transferOwnership(address)", common.LeftPadBytes(trojan.Bytes(), 32), big.NewInt(1900000000)),
			TimelockSchedule, true, []inner{{protocol0, "transferOwnership(address)", trojan}}, "schedule 1 call on Compound Timelock", `selector of the signature "transferOwnership(address)" (0xf2fde38b)`},
		{"Compound executeTransaction without signature", calldata(t, "executeTransaction(address target,uint256 value,string signature,bytes data,uint256 eta)",
			protocol0, big.NewInt(0), "", upgrade, big.NewInt(1900000000)),
			TimelockExecute, true, []inner{{protocol0, "upgradeTo(address)", impl}}, "eta 1900000000", "run now"},
		{"cancel", calldata(t, "cancel(bytes32 id)", [32]byte{0xab}), TimelockCancel, false, nil, "cancel the pending operation 0xab", ""},
		{"Compound cancelTransaction", calldata(t, "cancelTransaction(address target,uint256 value,string signature,bytes data,uint256 eta)",
			protocol0, big.NewInt(0), "", upgrade, big.NewInt(1)), TimelockCancel, true, nil, "cancel a queued transaction to " + protocol0.Hex(), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := decodeOK(t, safe130(), timelock, 0, tc.data, safe.Call)
			op, ok := Timelock(c)
			if !ok || op.Action != tc.action || op.Compound != tc.compound || op.Timelock != timelock {
				t.Fatalf("timelock op %+v (%v) of %s", op, ok, c.Signature)
			}
			if !strings.Contains(c.Summary, tc.summary) {
				t.Errorf("summary %q lacks %q", c.Summary, tc.summary)
			}
			if len(c.Calls) != len(tc.inner) {
				t.Fatalf("%d inner calls, want %d", len(c.Calls), len(tc.inner))
			}
			for i, w := range tc.inner {
				k := c.Calls[i]
				if k.From != timelock || k.To != w.to || k.Operation != safe.Call || k.Signature != w.sig {
					t.Errorf("inner %d: %s from %s to %s op %d, want %s from the timelock to %s", i, k.Signature, k.From.Hex(), k.To.Hex(), k.Operation, w.sig, w.to.Hex())
				}
				if !strings.Contains(strings.Join(k.Notes, "\n"), tc.notes) {
					t.Errorf("inner %d notes %q lack %q", i, k.Notes, tc.notes)
				}
				ch, ok := Control(k)
				if !ok {
					t.Errorf("inner %d (%s) is not a control change", i, k.Signature)
				} else if w.holder != (common.Address{}) && (ch.Holder == nil || *ch.Holder != w.holder) {
					t.Errorf("inner %d: holder %v, want %s", i, ch.Holder, w.holder.Hex())
				}
			}
		})
	}
	// A batch whose arrays differ in length reverts in the timelock: the
	// call is malformed, not guessed at.
	bad := calldata(t, "scheduleBatch(address[] targets,uint256[] values,bytes[] payloads,bytes32 predecessor,bytes32 salt,uint256 delay)",
		[]common.Address{protocol0, protocol0}, []*big.Int{big.NewInt(0)}, [][]byte{handover, handover}, [32]byte{}, [32]byte{}, big.NewInt(60))
	c, err := safe130().Decode(timelock, nil, bad, safe.Call)
	if err == nil || c.Kind != KindMalformed || !strings.Contains(c.Error, "differ in length") {
		t.Errorf("length mismatch: kind %s, error %q, %v", c.Kind, c.Error, err)
	}
}

// TestDecodeDiamondCut: diamondCut names each facet cut and decodes the
// init call as a DELEGATECALL from the diamond.
func TestDecodeDiamondCut(t *testing.T) {
	t.Parallel()
	facetA := common.HexToAddress("0x000000000000000000000000000000000000fa0A")
	facetB := common.HexToAddress("0x000000000000000000000000000000000000fa0B")
	init := common.HexToAddress("0x00000000000000000000000000000000000001a1")
	initData := calldata(t, "transferOwnership(address newOwner)", trojan)
	cuts := []facetCut{
		{facetA, 0, [][4]byte{{0xa9, 0x05, 0x9c, 0xbb}, {0x09, 0x5e, 0xa7, 0xb3}}},
		{facetB, 1, [][4]byte{{0xf2, 0xfd, 0xe3, 0x8b}}},
		{common.Address{}, 2, [][4]byte{{1, 2, 3, 4}}},
	}
	decl := "diamondCut((address facetAddress,uint8 action,bytes4[] functionSelectors)[] _diamondCut,address _init,bytes _calldata)"
	c := decodeOK(t, safe130(), diamond, 0, calldata(t, decl, cuts, init, initData), safe.Call)
	ch, ok := Control(c)
	if !ok || ch.Kind != ControlUpgrade || !ch.WithCall || ch.Init == nil || *ch.Init != init || len(ch.Facets) != 3 {
		t.Fatalf("control %+v (%v)", ch, ok)
	}
	for i, want := range []struct {
		facet  common.Address
		action string
		n      int
	}{{facetA, "add", 2}, {facetB, "replace", 1}, {common.Address{}, "remove", 1}} {
		if f := ch.Facets[i]; f.Facet != want.facet || f.Action != want.action || len(f.Selectors) != want.n {
			t.Errorf("facet %d: %+v, want %+v", i, f, want)
		}
	}
	for _, s := range []string{"add facet " + facetA.Hex() + " (2 selectors)", "replace facet " + facetB.Hex(), "then DELEGATECALL " + init.Hex()} {
		if !strings.Contains(c.Summary, s) {
			t.Errorf("summary %q lacks %q", c.Summary, s)
		}
	}
	if len(c.Calls) != 1 {
		t.Fatalf("%d inner calls, want the init call", len(c.Calls))
	}
	k := c.Calls[0]
	if k.Operation != safe.DelegateCall || k.From != diamond || k.To != init || k.Signature != "transferOwnership(address)" {
		t.Errorf("init call %s from %s to %s op %d", k.Signature, k.From.Hex(), k.To.Hex(), k.Operation)
	}
	// No init: nothing runs; _calldata without _init reverts, which is said.
	c = decodeOK(t, safe130(), diamond, 0, calldata(t, decl, cuts[:1], common.Address{}, []byte{1}), safe.Call)
	if len(c.Calls) != 0 || !strings.Contains(strings.Join(c.Notes, "\n"), "the diamond reverts") {
		t.Errorf("zero init: %d calls, notes %q", len(c.Calls), c.Notes)
	}
	if ch, _ := Control(c); ch.Init != nil || ch.WithCall {
		t.Errorf("zero init read as a call: %+v", ch)
	}
}

// TestAaveID: Aave's ASCII ids are named; other bytes are hex.
func TestAaveID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"POOL": "POOL", "ACL_ADMIN": "ACL_ADMIN", "": "0x" + strings.Repeat("00", 32), "A B": "0x4120420000000000000000000000000000000000000000000000000000000000"} {
		id := aaveID(in)
		if got := AaveID(id[:]); got != want {
			t.Errorf("AaveID(%q) = %s, want %s", in, got, want)
		}
	}
}
