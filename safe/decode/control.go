package decode

import (
	"encoding/hex"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/safe"
)

// ControlKind classifies a call that changes who controls a contract.
type ControlKind string

// Control kinds.
const (
	// ControlOwnership: transferOwnership, acceptOwnership, renounceOwnership.
	ControlOwnership ControlKind = "ownership"
	// ControlUpgrade: a proxy's implementation is replaced.
	ControlUpgrade ControlKind = "upgrade"
	// ControlAdmin: a proxy's or a Compound-style contract's admin changes.
	ControlAdmin ControlKind = "admin"
	// ControlRoleGrant: an AccessControl role is granted.
	ControlRoleGrant ControlKind = "role-grant"
	// ControlRoleRevoke: an AccessControl role is revoked or renounced.
	ControlRoleRevoke ControlKind = "role-revoke"
	// ControlRoleAdmin: the role that administers a role changes (Aave's
	// ACLManager setRoleAdmin).
	ControlRoleAdmin ControlKind = "role-admin"
	// ControlAddress: a contract a protocol trusts is replaced (Aave's
	// PoolAddressesProvider: price oracle, data provider, any id), or the
	// market's id changes.
	ControlAddress ControlKind = "protocol-address"
	// ControlDelay: a timelock's minimum delay changes.
	ControlDelay ControlKind = "timelock-delay"
)

// FacetCut is one cut of an EIP-2535 diamondCut.
type FacetCut struct {
	Facet common.Address
	// Action is "add", "replace", "remove", or "action N" for a value the
	// standard does not define (the diamond reverts).
	Action    string
	Selectors [][]byte
}

// ControlChange is what a call that changes control of a contract does.
type ControlChange struct {
	Kind ControlKind
	// Contract is the contract whose control changes: the call's target,
	// or the proxy a ProxyAdmin call names.
	Contract common.Address
	// Action says what happens, e.g. "transfer ownership".
	Action string
	// Holder is who (or what code) gets control: the new owner, admin,
	// implementation or role holder; nil when the call names nobody
	// (renounceOwnership; acceptOwnership, where the caller takes it).
	Holder *common.Address
	// HolderIs names Holder's part: "new owner", "new implementation", ….
	HolderIs string
	// Role names an AccessControl role: its name when Bulwark knows the
	// hash (DEFAULT_ADMIN_ROLE, MINTER_ROLE, …), else the 0x-hex hash.
	Role string
	// AdminRole is true for DEFAULT_ADMIN_ROLE, which administers every
	// other role.
	AdminRole bool
	// Accept is true when the caller (From) takes a pending ownership or
	// admin role; Renounce when the contract is left without one.
	Accept, Renounce bool
	// WithCall is true when the new implementation is also called
	// (upgradeToAndCall, upgradeAndCall, _setImplementation's data,
	// diamondCut's _init).
	WithCall bool
	// ID names the Aave PoolAddressesProvider id a setAddress or
	// setAddressAsProxy replaces ("PRICE_ORACLE", or 0x-hex).
	ID string
	// NewAdminRole is the role that will administer Role (setRoleAdmin).
	NewAdminRole string
	// NewDelay is a timelock's new minimum delay in seconds (ControlDelay).
	NewDelay *big.Int
	// MarketID is the new market id of setMarketId.
	MarketID *string
	// Facets are a diamondCut's cuts; Init the contract it then
	// DELEGATECALLs (nil for none).
	Facets []FacetCut
	Init   *common.Address
}

// Control returns the control change a decoded CALL makes, if it is one of
// the declarations in abis_control.go.
func Control(c *DecodedCall) (ControlChange, bool) {
	if c == nil || c.Kind != KindCall {
		return ControlChange{}, false
	}
	ch := ControlChange{Contract: c.To}
	holder := func(arg, is string) {
		if a, ok := ArgAddr(c, arg); ok {
			ch.Holder, ch.HolderIs = &a, is
		}
	}
	switch c.Signature {
	case "transferOwnership(address)":
		ch.Kind, ch.Action = ControlOwnership, "transfer ownership"
		holder("newOwner", "new owner")
		if ch.Holder != nil && *ch.Holder == (common.Address{}) {
			ch.Renounce = true
		}
	case "renounceOwnership()":
		ch.Kind, ch.Action, ch.Renounce = ControlOwnership, "renounce ownership (the contract is left without an owner, for good)", true
	case "acceptOwnership()":
		ch.Kind, ch.Action, ch.Accept = ControlOwnership, "accept a pending ownership", true
		ch.Holder, ch.HolderIs = &c.From, "new owner"
	case "setOwner(address)":
		ch.Kind, ch.Action = ControlOwnership, "set the owner"
		holder("newOwner", "new owner")
		if ch.Holder != nil && *ch.Holder == (common.Address{}) {
			ch.Renounce = true
		}
	case "nominateNewOwner(address)":
		ch.Kind, ch.Action = ControlOwnership, "nominate a new owner (it becomes the owner when it calls acceptOwnership)"
		holder("_owner", "new owner")
	case "upgradeTo(address)":
		ch.Kind, ch.Action = ControlUpgrade, "upgrade the proxy or beacon"
		holder("newImplementation", "new implementation")
	case "upgradeToAndCall(address,bytes)":
		ch.Kind, ch.Action, ch.WithCall = ControlUpgrade, "upgrade the proxy and call the new code", true
		holder("newImplementation", "new implementation")
	case "changeAdmin(address)":
		ch.Kind, ch.Action = ControlAdmin, "change the proxy's admin"
		holder("newAdmin", "new admin")
	case "changeProxyAdmin(address,address)":
		ch.Kind, ch.Action = ControlAdmin, "change the proxy's admin (through ProxyAdmin)"
		ch.Contract, _ = ArgAddr(c, "proxy")
		holder("newAdmin", "new admin")
	case "upgrade(address,address)":
		ch.Kind, ch.Action = ControlUpgrade, "upgrade the proxy (through ProxyAdmin)"
		ch.Contract, _ = ArgAddr(c, "proxy")
		holder("implementation", "new implementation")
	case "upgradeAndCall(address,address,bytes)":
		ch.Kind, ch.Action, ch.WithCall = ControlUpgrade, "upgrade the proxy and call the new code (through ProxyAdmin)", true
		ch.Contract, _ = ArgAddr(c, "proxy")
		holder("implementation", "new implementation")
	case "grantRole(bytes32,address)", "revokeRole(bytes32,address)", "renounceRole(bytes32,address)":
		role, _ := ArgBytes(c, "role")
		ch.Role, ch.AdminRole = RoleName(role)
		switch c.Function {
		case "grantRole":
			ch.Kind, ch.Action = ControlRoleGrant, "grant a role"
			holder("account", "role holder")
		case "revokeRole":
			ch.Kind, ch.Action = ControlRoleRevoke, "revoke a role"
			holder("account", "account losing the role")
		default:
			ch.Kind, ch.Action, ch.Renounce = ControlRoleRevoke, "renounce a role", true
			holder("account", "account giving up the role")
		}
	case "_setPendingAdmin(address)", "setPendingAdmin(address)":
		ch.Kind, ch.Action = ControlAdmin, "set the pending admin (it becomes admin when it accepts)"
		holder(c.Args[0].Name, "new admin")
	case "_acceptAdmin()", "acceptAdmin()":
		ch.Kind, ch.Action, ch.Accept = ControlAdmin, "accept a pending admin role", true
		ch.Holder, ch.HolderIs = &c.From, "new admin"
	case "_setPendingImplementation(address)":
		ch.Kind, ch.Action = ControlUpgrade, "set the pending implementation (it takes over when it accepts)"
		holder("newPendingImplementation", "new implementation")
	case "_setImplementation(address,bool,bytes)":
		ch.Kind, ch.Action, ch.WithCall = ControlUpgrade, "replace the delegator's implementation", true
		holder("implementation_", "new implementation")
	case "_become(address)":
		// Called on the new Comptroller implementation: it accepts the
		// Unitroller's pending implementation, so the code at the target
		// becomes the Unitroller's.
		ch.Kind, ch.Action, ch.Accept = ControlUpgrade, "make this contract the Unitroller's implementation (accepts the pending implementation)", true
		ch.Contract, _ = ArgAddr(c, "unitroller")
		impl := c.To
		ch.Holder, ch.HolderIs = &impl, "new implementation"
	case "setDelay(uint256)", "updateDelay(uint256)":
		ch.Kind, ch.Action = ControlDelay, "change the timelock's minimum delay"
		ch.NewDelay = ArgUint(c, c.Args[0].Name)
	case "setPoolImpl(address)":
		ch.Kind, ch.Action, ch.ID = ControlUpgrade, "upgrade the Aave market's Pool (through its PoolAddressesProvider)", "POOL"
		holder("newPoolImpl", "new implementation")
	case "setPoolConfiguratorImpl(address)":
		ch.Kind, ch.Action, ch.ID = ControlUpgrade, "upgrade the Aave market's PoolConfigurator (through its PoolAddressesProvider)", "POOL_CONFIGURATOR"
		holder("newPoolConfiguratorImpl", "new implementation")
	case "setAddressAsProxy(bytes32,address)":
		id, _ := ArgBytes(c, "id")
		ch.Kind, ch.Action, ch.ID = ControlUpgrade, "set the implementation behind the Aave market's proxy for an id (through its PoolAddressesProvider)", AaveID(id)
		holder("newImplementationAddress", "new implementation")
	case "setPriceOracle(address)":
		ch.Kind, ch.Action, ch.ID = ControlAddress, "replace the Aave market's price oracle", "PRICE_ORACLE"
		holder("newPriceOracle", "new price oracle")
	case "setPriceOracleSentinel(address)":
		ch.Kind, ch.Action, ch.ID = ControlAddress, "replace the Aave market's price oracle sentinel", "PRICE_ORACLE_SENTINEL"
		holder("newPriceOracleSentinel", "new price oracle sentinel")
	case "setPoolDataProvider(address)":
		ch.Kind, ch.Action, ch.ID = ControlAddress, "replace the Aave market's data provider", "DATA_PROVIDER"
		holder("newDataProvider", "new data provider")
	case "setAddress(bytes32,address)":
		id, _ := ArgBytes(c, "id")
		ch.Kind, ch.Action, ch.ID = ControlAddress, "replace the address the Aave market's PoolAddressesProvider holds for an id (no proxy: the contract itself)", AaveID(id)
		holder("newAddress", "new address")
	case "setMarketId(string)":
		a, _ := c.Arg("newMarketId")
		id, _ := a.Value.(string)
		ch.Kind, ch.Action, ch.MarketID = ControlAddress, "change the Aave market's id", &id
	case "setACLAdmin(address)":
		ch.Kind, ch.Action, ch.ID = ControlAdmin, "set the Aave market's ACL admin (it administers every role of the ACLManager)", "ACL_ADMIN"
		holder("newAclAdmin", "new admin")
	case "setACLManager(address)":
		ch.Kind, ch.Action, ch.ID = ControlAdmin, "replace the Aave market's ACLManager (it decides who holds every role)", "ACL_MANAGER"
		holder("newAclManager", "new ACL manager")
	case "setRoleAdmin(bytes32,bytes32)":
		role, _ := ArgBytes(c, "role")
		admin, _ := ArgBytes(c, "adminRole")
		ch.Kind, ch.Action = ControlRoleAdmin, "change which role administers a role"
		ch.Role, _ = RoleName(role)
		ch.NewAdminRole, _ = RoleName(admin)
	case "addPoolAdmin(address)", "addEmergencyAdmin(address)", "addRiskAdmin(address)", "addFlashBorrower(address)", "addBridge(address)", "addAssetListingAdmin(address)":
		ch.Kind, ch.Action, ch.Role = ControlRoleGrant, "grant a role (Aave ACLManager)", aaveRoles[c.Function[3:]]
		holder(c.Args[0].Name, "role holder")
	case "removePoolAdmin(address)", "removeEmergencyAdmin(address)", "removeRiskAdmin(address)", "removeFlashBorrower(address)", "removeBridge(address)", "removeAssetListingAdmin(address)":
		ch.Kind, ch.Action, ch.Role = ControlRoleRevoke, "revoke a role (Aave ACLManager)", aaveRoles[c.Function[6:]]
		holder(c.Args[0].Name, "account losing the role")
	case "diamondCut((address,uint8,bytes4[])[],address,bytes)":
		ch.Kind, ch.Action = ControlUpgrade, "cut the diamond's facets (EIP-2535)"
		ch.Facets = facetCuts(c)
		if init, ok := ArgAddr(c, "_init"); ok && init != (common.Address{}) {
			ch.Init, ch.WithCall = &init, true
		}
	default:
		return ControlChange{}, false
	}
	return ch, true
}

// aaveRoles name the ACLManager's roles by the suffix of their add/remove
// functions.
var aaveRoles = map[string]string{"PoolAdmin": "POOL_ADMIN", "EmergencyAdmin": "EMERGENCY_ADMIN", "RiskAdmin": "RISK_ADMIN",
	"FlashBorrower": "FLASH_BORROWER", "Bridge": "BRIDGE", "AssetListingAdmin": "ASSET_LISTING_ADMIN"}

// facetCuts reads diamondCut's FacetCut[].
func facetCuts(c *DecodedCall) []FacetCut {
	a, _ := c.Arg("_diamondCut")
	list, _ := a.Value.([]any)
	out := make([]FacetCut, 0, len(list))
	for _, e := range list {
		f, _ := e.([]Arg)
		if len(f) != 3 {
			continue
		}
		var cut FacetCut
		cut.Facet, _ = f[0].Address()
		switch n, _ := f[1].Uint(); {
		case n == nil:
		case n.Sign() == 0:
			cut.Action = "add"
		case n.Cmp(big.NewInt(1)) == 0:
			cut.Action = "replace"
		case n.Cmp(big.NewInt(2)) == 0:
			cut.Action = "remove"
		default:
			cut.Action = "action " + n.String()
		}
		sels, _ := f[2].Value.([]any)
		for _, s := range sels {
			if b, ok := s.([]byte); ok {
				cut.Selectors = append(cut.Selectors, b)
			}
		}
		out = append(out, cut)
	}
	return out
}

// AaveID names a PoolAddressesProvider id: Aave's ids are short ASCII
// names right-padded with zeros (bytes32 'PRICE_ORACLE'); anything else is
// shown as 0x-hex.
func AaveID(id []byte) string {
	end := len(id)
	for end > 0 && id[end-1] == 0 {
		end--
	}
	ok := end > 0
	for _, b := range id[:end] {
		if !(b == '_' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9') {
			ok = false
		}
	}
	if ok {
		return string(id[:end])
	}
	return "0x" + hex.EncodeToString(id)
}

// knownRoles are AccessControl role names whose hash Bulwark recognises.
var knownRoles = func() map[common.Hash]string {
	m := map[common.Hash]string{{}: "DEFAULT_ADMIN_ROLE"}
	for _, n := range []string{"ADMIN_ROLE", "MINTER_ROLE", "BURNER_ROLE", "PAUSER_ROLE", "UPGRADER_ROLE", "OPERATOR_ROLE",
		"GOVERNOR_ROLE", "GUARDIAN_ROLE", "MANAGER_ROLE", "EXECUTOR_ROLE", "PROPOSER_ROLE", "CANCELLER_ROLE",
		"TIMELOCK_ADMIN_ROLE", "EMERGENCY_ROLE", "KEEPER_ROLE", "ORACLE_ROLE", "POOL_ADMIN", "EMERGENCY_ADMIN", "RISK_ADMIN",
		"FLASH_BORROWER", "BRIDGE", "ASSET_LISTING_ADMIN"} {
		m[crypto.Keccak256Hash([]byte(n))] = n
	}
	return m
}()

// RoleName names an AccessControl role hash: its name when Bulwark knows
// it, else its 0x-hex; admin is true for DEFAULT_ADMIN_ROLE (zero).
func RoleName(role []byte) (name string, admin bool) {
	h := common.BytesToHash(role)
	if n, ok := knownRoles[h]; ok {
		return n, h == common.Hash{}
	}
	return "0x" + hex.EncodeToString(role), false
}

// ApprovalVia names how an allowance is given.
type ApprovalVia string

// Approval kinds.
const (
	ViaApprove           ApprovalVia = "approve"
	ViaIncreaseAllowance ApprovalVia = "increaseAllowance"
	ViaPermit            ApprovalVia = "EIP-2612 permit"
	ViaDAIPermit         ApprovalVia = "DAI permit"
	ViaPermit2Approve    ApprovalVia = "Permit2 approve"
	ViaPermit2Permit     ApprovalVia = "Permit2 permit"
	ViaApprovalForAll    ApprovalVia = "setApprovalForAll"
)

// Approval is one allowance a call gives: Spender may move Owner's Token.
type Approval struct {
	Via ApprovalVia
	// Token is the token (or NFT collection) the allowance is on: the
	// call's target, or the token a Permit2 call names (then Via is
	// through the Permit2 contract at the call's target).
	Token   common.Address
	Owner   common.Address
	Spender common.Address
	// Amount is the allowance in base units (the amount added, for
	// increaseAllowance); nil for setApprovalForAll, which covers every
	// token of the collection.
	Amount *big.Int
	// Unlimited is true for an amount of at least 2^128 (2^96 for Permit2's
	// uint160) — more than any token's supply in base units —, for a DAI permit
	// with allowed=true, and for setApprovalForAll(true).
	Unlimited bool
	// Revoke is true when the call removes the allowance: amount 0 (but
	// see MaybeERC721), a DAI permit with allowed=false,
	// setApprovalForAll(false), approve(0x0, id).
	Revoke bool
	// MaybeERC721 is true for approve(address,uint256), which ERC-20 and
	// ERC-721 share: on an ERC-721 collection the amount is a token id, so
	// approve(spender, 0) approves token #0 rather than revoking, and a
	// huge amount approves one token rather than an unlimited allowance.
	// approve(0x0, n) is a revoke either way (ERC-721 clears the token's
	// approval; an ERC-20 approve to the zero address changes nothing).
	MaybeERC721 bool
	// Expiration is the Permit2 allowance's expiry (Unix time); nil
	// otherwise.
	Expiration *big.Int
}

var (
	// half256 and half160 are where an allowance counts as
	// unlimited: 2^128 for a uint256 amount, 2^96 for Permit2's uint160.
	half256 = new(big.Int).Lsh(big.NewInt(1), 128)
	half160 = new(big.Int).Lsh(big.NewInt(1), 96)
)

// Approvals returns the allowances a decoded CALL gives (several for a
// Permit2 batch permit), none if it is not an approval.
func Approvals(c *DecodedCall) []Approval {
	if c == nil || c.Kind != KindCall {
		return nil
	}
	addr := func(name string) common.Address { a, _ := ArgAddr(c, name); return a }
	amt := func(a Approval, n *big.Int, half *big.Int) Approval {
		a.Amount, a.Unlimited, a.Revoke = n, n.Cmp(half) >= 0, n.Sign() == 0
		return a
	}
	switch c.Signature {
	case "approve(address,uint256)":
		a := amt(Approval{Via: ViaApprove, Token: c.To, Owner: c.From, Spender: addr("spender"), MaybeERC721: true}, ArgUint(c, "amountOrTokenId"), half256)
		a.Revoke = a.Spender == (common.Address{})
		return []Approval{a}
	case "increaseAllowance(address,uint256)":
		a := amt(Approval{Via: ViaIncreaseAllowance, Token: c.To, Owner: c.From, Spender: addr("spender")}, ArgUint(c, "addedValue"), half256)
		a.Revoke = false
		return []Approval{a}
	case "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)":
		return []Approval{amt(Approval{Via: ViaPermit, Token: c.To, Owner: addr("owner"), Spender: addr("spender")}, ArgUint(c, "value"), half256)}
	case "permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)":
		a := Approval{Via: ViaDAIPermit, Token: c.To, Owner: addr("holder"), Spender: addr("spender")}
		if v, _ := c.Arg("allowed"); v.Value == true {
			a.Amount, a.Unlimited = new(big.Int).Set(safe.MaxUint256), true
		} else {
			a.Amount, a.Revoke = new(big.Int), true
		}
		return []Approval{a}
	case "approve(address,address,uint160,uint48)":
		a := amt(Approval{Via: ViaPermit2Approve, Token: addr("token"), Owner: c.From, Spender: addr("spender")}, ArgUint(c, "amount"), half160)
		a.Expiration = ArgUint(c, "expiration")
		return []Approval{a}
	case "setApprovalForAll(address,bool)":
		v, _ := c.Arg("approved")
		on := v.Value == true
		return []Approval{{Via: ViaApprovalForAll, Token: c.To, Owner: c.From, Spender: addr("operator"), Unlimited: on, Revoke: !on}}
	case "permit(address,((address,uint160,uint48,uint48),address,uint256),bytes)":
		p, _ := c.Arg("permitSingle")
		fields, _ := p.Value.([]Arg)
		if len(fields) != 3 {
			return nil
		}
		spender, _ := fields[1].Address()
		details, _ := fields[0].Value.([]Arg)
		if a, ok := permit2Details(details, addr("owner"), spender); ok {
			return []Approval{a}
		}
	case "permit(address,((address,uint160,uint48,uint48)[],address,uint256),bytes)":
		p, _ := c.Arg("permitBatch")
		fields, _ := p.Value.([]Arg)
		if len(fields) != 3 {
			return nil
		}
		spender, _ := fields[1].Address()
		list, _ := fields[0].Value.([]any)
		var out []Approval
		for _, e := range list {
			details, _ := e.([]Arg)
			if a, ok := permit2Details(details, addr("owner"), spender); ok {
				out = append(out, a)
			}
		}
		return out
	}
	return nil
}

// permit2Details reads Permit2's PermitDetails (token, amount, expiration,
// nonce).
func permit2Details(d []Arg, owner, spender common.Address) (Approval, bool) {
	if len(d) != 4 {
		return Approval{}, false
	}
	token, _ := d[0].Address()
	n, ok1 := d[1].Uint()
	exp, ok2 := d[2].Uint()
	if !ok1 || !ok2 {
		return Approval{}, false
	}
	return Approval{Via: ViaPermit2Permit, Token: token, Owner: owner, Spender: spender, Amount: n,
		Unlimited: n.Cmp(half160) >= 0, Revoke: n.Sign() == 0, Expiration: exp}, true
}
