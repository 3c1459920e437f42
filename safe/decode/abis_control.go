package decode

import (
	"fmt"
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
	fnDef{decl: "upgradeToAndCall(address newImplementation,bytes data)", iface: "ERC-1967 proxy", sum: sumControl},
	fnDef{decl: "changeAdmin(address newAdmin)", iface: "TransparentUpgradeableProxy", sum: sumControl},
	fnDef{decl: "changeProxyAdmin(address proxy,address newAdmin)", iface: "ProxyAdmin", sum: sumControl},
	fnDef{decl: "upgrade(address proxy,address implementation)", iface: "ProxyAdmin", sum: sumControl},
	fnDef{decl: "upgradeAndCall(address proxy,address implementation,bytes data)", iface: "ProxyAdmin", sum: sumControl},
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
