package decode

import (
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/safe"
)

// Calls that hand over control of a contract: ownership (OpenZeppelin
// Ownable and Ownable2Step, Owned's setOwner, Synthetix's nominateNewOwner),
// proxy upgrades (ERC-1967 / UUPS, UpgradeableBeacon, the transparent proxy
// and its ProxyAdmin, EIP-2535 diamonds), AccessControl roles, the two-step
// admin handover of Compound-style contracts (the Comptroller's Unitroller,
// cTokens and the Timelock), and Aave v3's PoolAddressesProvider and
// ACLManager. The declarations are the
// contracts' own; a selector is only ever matched with its full signature,
// and every one is checked against keccak256 of its signature in the tests.
var controlFns = table("Ownable",
	fnDef{decl: "transferOwnership(address newOwner)", sum: sumControl},
	fnDef{decl: "renounceOwnership()", sum: sumControl},
	fnDef{decl: "acceptOwnership()", iface: "Ownable2Step", sum: sumControl},
	fnDef{decl: "upgradeTo(address newImplementation)", iface: "ERC-1967 proxy", sum: sumControl},
	fnDef{decl: "upgradeToAndCall(address newImplementation,bytes data)", iface: "ERC-1967 proxy", kids: upgradeCallKids, sum: sumControl},
	fnDef{decl: "changeAdmin(address newAdmin)", iface: "TransparentUpgradeableProxy", sum: sumControl},
	fnDef{decl: "changeProxyAdmin(address proxy,address newAdmin)", iface: "ProxyAdmin", sum: sumControl},
	fnDef{decl: "upgrade(address proxy,address implementation)", iface: "ProxyAdmin", sum: sumControl},
	fnDef{decl: "upgradeAndCall(address proxy,address implementation,bytes data)", iface: "ProxyAdmin", kids: upgradeCallKids, sum: sumControl},
	fnDef{decl: "grantRole(bytes32 role,address account)", iface: "AccessControl", sum: sumControl},
	fnDef{decl: "revokeRole(bytes32 role,address account)", iface: "AccessControl", sum: sumControl},
	fnDef{decl: "renounceRole(bytes32 role,address account)", iface: "AccessControl", sum: sumControl},
	fnDef{decl: "_setPendingAdmin(address newPendingAdmin)", iface: "Compound admin", sum: sumControl},
	fnDef{decl: "_acceptAdmin()", iface: "Compound admin", sum: sumControl},
	fnDef{decl: "_setPendingImplementation(address newPendingImplementation)", iface: "Compound Unitroller", sum: sumControl},
	fnDef{decl: "_setImplementation(address implementation_,bool allowResign,bytes becomeImplementationData)", iface: "Compound CErc20Delegator", sum: sumControl},
	fnDef{decl: "_become(address unitroller)", iface: "Compound Comptroller", sum: sumControl},
	fnDef{decl: "setPendingAdmin(address pendingAdmin_)", iface: "Compound Timelock", sum: sumControl},
	fnDef{decl: "acceptAdmin()", iface: "Compound Timelock", sum: sumControl},
	fnDef{decl: "setDelay(uint256 delay_)", iface: "Compound Timelock", sum: sumControl},
	fnDef{decl: "updateDelay(uint256 newDelay)", iface: "TimelockController", sum: sumControl},
	fnDef{decl: "setOwner(address newOwner)", iface: "Owned", sum: sumControl},
	fnDef{decl: "nominateNewOwner(address _owner)", iface: "Synthetix Owned", sum: sumControl},
	fnDef{decl: "diamondCut((address facetAddress,uint8 action,bytes4[] functionSelectors)[] _diamondCut,address _init,bytes _calldata)", iface: "EIP-2535 diamond", kids: diamondInitKids, sum: sumControl},
	fnDef{decl: "setPoolImpl(address newPoolImpl)", iface: "Aave PoolAddressesProvider", sum: sumControl},
	fnDef{decl: "setPoolConfiguratorImpl(address newPoolConfiguratorImpl)", iface: "Aave PoolAddressesProvider", sum: sumControl},
	fnDef{decl: "setPriceOracle(address newPriceOracle)", iface: "Aave PoolAddressesProvider", sum: sumControl},
	fnDef{decl: "setPriceOracleSentinel(address newPriceOracleSentinel)", iface: "Aave PoolAddressesProvider", sum: sumControl},
	fnDef{decl: "setPoolDataProvider(address newDataProvider)", iface: "Aave PoolAddressesProvider", sum: sumControl},
	fnDef{decl: "setACLAdmin(address newAclAdmin)", iface: "Aave PoolAddressesProvider", sum: sumControl},
	fnDef{decl: "setACLManager(address newAclManager)", iface: "Aave PoolAddressesProvider", sum: sumControl},
	fnDef{decl: "setAddress(bytes32 id,address newAddress)", iface: "Aave PoolAddressesProvider", sum: sumControl},
	fnDef{decl: "setAddressAsProxy(bytes32 id,address newImplementationAddress)", iface: "Aave PoolAddressesProvider", sum: sumControl},
	fnDef{decl: "setMarketId(string newMarketId)", iface: "Aave PoolAddressesProvider", sum: sumControl},
	fnDef{decl: "setRoleAdmin(bytes32 role,bytes32 adminRole)", iface: "Aave ACLManager", sum: sumControl},
	fnDef{decl: "addPoolAdmin(address admin)", iface: "Aave ACLManager", sum: sumControl},
	fnDef{decl: "removePoolAdmin(address admin)", iface: "Aave ACLManager", sum: sumControl},
	fnDef{decl: "addEmergencyAdmin(address admin)", iface: "Aave ACLManager", sum: sumControl},
	fnDef{decl: "removeEmergencyAdmin(address admin)", iface: "Aave ACLManager", sum: sumControl},
	fnDef{decl: "addRiskAdmin(address admin)", iface: "Aave ACLManager", sum: sumControl},
	fnDef{decl: "removeRiskAdmin(address admin)", iface: "Aave ACLManager", sum: sumControl},
	fnDef{decl: "addFlashBorrower(address borrower)", iface: "Aave ACLManager", sum: sumControl},
	fnDef{decl: "removeFlashBorrower(address borrower)", iface: "Aave ACLManager", sum: sumControl},
	fnDef{decl: "addBridge(address bridge)", iface: "Aave ACLManager", sum: sumControl},
	fnDef{decl: "removeBridge(address bridge)", iface: "Aave ACLManager", sum: sumControl},
	fnDef{decl: "addAssetListingAdmin(address admin)", iface: "Aave ACLManager", sum: sumControl},
	fnDef{decl: "removeAssetListingAdmin(address admin)", iface: "Aave ACLManager", sum: sumControl},
)

// diamondInitKids is the call diamondCut makes once the facets are cut: the
// diamond DELEGATECALLs _init with _calldata, so that code runs on the
// diamond's own storage. A zero _init runs nothing (and with _calldata the
// diamond reverts).
func diamondInitKids(s *decodeState, c *DecodedCall, exec account) ([]child, error) {
	init, _ := ArgAddr(c, "_init")
	data, _ := ArgBytes(c, "_calldata")
	if init == (common.Address{}) {
		if len(data) > 0 {
			c.Notes = append(c.Notes, "_init is the zero address but _calldata is not empty: the diamond reverts")
		}
		return nil, nil
	}
	return []child{{from: exec, op: safe.DelegateCall, to: init, value: new(big.Int), data: data,
		notes: []string{fmt.Sprintf("DELEGATECALLed by the diamond %s once the facets are cut: this code runs on the diamond's own storage", exec.addr.Hex())}}}, nil
}

// upgradeCallKids is the call an upgrade-and-call makes once the new code
// is in place: the proxy runs data in the new implementation's code
// (DELEGATECALL from the proxy to it), so data acts as a call to the proxy
// with msg.sender the caller of upgradeToAndCall (the Safe), or the
// ProxyAdmin for ProxyAdmin.upgradeAndCall, which calls
// proxy.upgradeToAndCall itself. Empty data runs nothing.
func upgradeCallKids(s *decodeState, c *DecodedCall, exec account) ([]child, error) {
	data, _ := ArgBytes(c, "data")
	if len(data) == 0 {
		return nil, nil
	}
	value := c.Value
	if value == nil {
		value = new(big.Int)
	}
	impl, _ := ArgAddr(c, "newImplementation")
	k := child{op: safe.Call, value: value, data: data}
	if c.Function == "upgradeAndCall" {
		impl, _ = ArgAddr(c, "implementation")
		k.to, _ = ArgAddr(c, "proxy")
		k.from = exec
		k.notes = []string{fmt.Sprintf("run by the proxy in the code of the new implementation %s once ProxyAdmin %s has upgraded it: msg.sender is the ProxyAdmin", impl.Hex(), exec.addr.Hex())}
	} else {
		k.to = exec.addr
		k.from = s.accountAt(c.From)
		k.notes = []string{fmt.Sprintf("run by the proxy in the code of the new implementation %s right after the upgrade: msg.sender is %s, the caller of upgradeToAndCall", impl.Hex(), c.From.Hex())}
	}
	return []child{k}, nil
}

func sumControl(s *decodeState, c *DecodedCall) string {
	ch, ok := Control(c)
	if !ok {
		return s.defaultSummary(c)
	}
	out := fmt.Sprintf("%s on %s", ch.Action, s.label(ch.Contract))
	if ch.Holder != nil {
		out += fmt.Sprintf("; %s %s", ch.HolderIs, s.label(*ch.Holder))
	}
	if ch.Role != "" {
		out += " (role " + ch.Role + ")"
	}
	if ch.ID != "" {
		out += " (id " + ch.ID + ")"
	}
	if ch.NewAdminRole != "" {
		out += "; its new admin role " + ch.NewAdminRole
	}
	if ch.NewDelay != nil {
		out += fmt.Sprintf("; new delay %s seconds", ch.NewDelay)
	}
	if ch.MarketID != nil {
		out += "; new market id " + safe.Quote(*ch.MarketID)
	}
	for _, f := range ch.Facets {
		out += fmt.Sprintf("; %s facet %s (%s)", f.Action, s.label(f.Facet), plural(len(f.Selectors), "selector"))
	}
	if ch.Init != nil {
		out += "; then DELEGATECALL " + s.label(*ch.Init)
	}
	return out
}
