package decode

import (
	"fmt"
	"math/big"

	"github.com/bulwark-sec/bulwark/safe"
)

// Calls that hand over control of a contract: ownership (OpenZeppelin
// Ownable and Ownable2Step), proxy upgrades (ERC-1967 / UUPS, the
// transparent proxy and its ProxyAdmin), AccessControl roles, and the
// two-step admin handover of Compound-style contracts (the Comptroller's
// Unitroller, cTokens and the Timelock). The declarations are the
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
	fnDef{decl: "setPendingAdmin(address pendingAdmin_)", iface: "Compound Timelock", sum: sumControl},
	fnDef{decl: "acceptAdmin()", iface: "Compound Timelock", sum: sumControl},
)

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
	return out
}
