package decode

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/bulwark-sec/bulwark/safe"
	"github.com/ethereum/go-ethereum/common"
)

// Role is what a known contract is for, from a Safe's point of view.
type Role string

// Roles of call targets.
const (
	RoleThisSafe           Role = "this-safe" // the Safe whose transaction it is
	RoleSingleton          Role = "singleton" // a Safe singleton (master copy), L1 or L2
	RoleMultiSend          Role = "multisend" // MultiSend: batches CALLs and DELEGATECALLs
	RoleMultiSendCallOnly  Role = "multisend-call-only"
	RoleSignMessageLib     Role = "sign-message-lib"
	RoleCreateCall         Role = "create-call"
	RoleMigration          Role = "migration"    // SafeMigration, SafeToL2Migration: rewrite the singleton
	RoleSetupHelper        Role = "setup-helper" // SafeToL2Setup: delegatecalled from setup
	RoleFallbackHandler    Role = "fallback-handler"
	RoleProxyFactory       Role = "proxy-factory"
	RoleSimulateTxAccessor Role = "simulate-tx-accessor"
	RoleMulticall3         Role = "multicall3"
	RoleUnknown            Role = "unknown"
)

// roleOf maps safe-deployments contract names to roles. The registry test
// requires every name in the pinned assets to have one.
var roleOf = map[string]Role{
	"GnosisSafe":                   RoleSingleton,
	"GnosisSafeL2":                 RoleSingleton,
	"Safe":                         RoleSingleton,
	"SafeL2":                       RoleSingleton,
	"MultiSend":                    RoleMultiSend,
	"MultiSendCallOnly":            RoleMultiSendCallOnly,
	"SignMessageLib":               RoleSignMessageLib,
	"CreateCall":                   RoleCreateCall,
	"SafeMigration":                RoleMigration,
	"SafeToL2Migration":            RoleMigration,
	"SafeToL2Setup":                RoleSetupHelper,
	"CompatibilityFallbackHandler": RoleFallbackHandler,
	"DefaultCallbackHandler":       RoleFallbackHandler,
	"ExtensibleFallbackHandler":    RoleFallbackHandler,
	"TokenCallbackHandler":         RoleFallbackHandler,
	"ProxyFactory":                 RoleProxyFactory,
	"GnosisSafeProxyFactory":       RoleProxyFactory,
	"SafeProxyFactory":             RoleProxyFactory,
	"SimulateTxAccessor":           RoleSimulateTxAccessor,
}

// Multicall3Address is Multicall3's address, the same on every chain it is
// deployed to (mds1/multicall, deployed from a pre-signed transaction). Its
// code hash is not pinned: Bulwark only names the role.
var Multicall3Address = common.HexToAddress("0xcA11bde05977b3631167028862bE2a173976CA11")

// Deployment types, as @safe-global/safe-deployments names them: canonical
// (the Safe Singleton Factory / deterministic deployment proxy address),
// eip155 (the EIP-155 replay-protected deployment of 1.3.0) and zksync.
const (
	DeploymentCanonical = "canonical"
	DeploymentEIP155    = "eip155"
	DeploymentZKsync    = "zksync"
)

// Deployment is one pinned deployment of a Safe contract: its
// safe-deployments contract name, version and deployment type, its address
// and the keccak256 of its runtime code.
type Deployment struct {
	Name     string
	Version  safe.Version
	Type     string
	Address  common.Address
	CodeHash common.Hash
	Role     Role
}

// String renders the deployment as e.g. "MultiSendCallOnly 1.4.1 (canonical)".
func (d Deployment) String() string {
	return fmt.Sprintf("%s %s (%s)", d.Name, d.Version.Core(), d.Type)
}

func (d Deployment) target(check CodeCheck) Target {
	return Target{Role: d.Role, Contract: d.Name, Version: d.Version.Core(), Deployment: d.Type, CodeHash: d.CodeHash, CodeCheck: check, ver: d.Version}
}

// CodeCheck says whether a target's code was compared with the pinned hash.
type CodeCheck string

// Code checks.
const (
	CodeUnchecked CodeCheck = "unchecked"  // known address; no code hash was supplied
	CodeMatch     CodeCheck = "match"      // the supplied code hash is the pinned one
	CodeMismatch  CodeCheck = "mismatch"   // a known address with other code: not trusted
	CodeNotPinned CodeCheck = "not-pinned" // a well-known address whose code Bulwark does not pin
)

// Target is what Bulwark knows about a call's target.
type Target struct {
	Role       Role
	Contract   string // safe-deployments contract name, or "Multicall3"
	Version    string
	Deployment string // canonical, eip155 or zksync
	CodeHash   common.Hash
	CodeCheck  CodeCheck
	ver        safe.Version
}

type jsonTarget struct {
	Role       Role      `json:"role"`
	Contract   string    `json:"contract,omitempty"`
	Version    string    `json:"version,omitempty"`
	Deployment string    `json:"deployment,omitempty"`
	CodeHash   string    `json:"codeHash,omitempty"`
	CodeCheck  CodeCheck `json:"codeCheck,omitempty"`
}

func (t Target) jsonTarget() jsonTarget {
	out := jsonTarget{Role: t.Role, Contract: t.Contract, Version: t.Version, Deployment: t.Deployment, CodeCheck: t.CodeCheck}
	if t.CodeHash != (common.Hash{}) {
		out.CodeHash = t.CodeHash.Hex()
	}
	return out
}

// MarshalJSON encodes the target, leaving out what is not known.
func (t Target) MarshalJSON() ([]byte, error) { return json.Marshal(t.jsonTarget()) }

// Registry indexes deployments by address and by code hash.
type Registry struct {
	all    []Deployment
	byAddr map[common.Address][]Deployment
	byHash map[common.Hash][]Deployment
}

// NewRegistry indexes ds. Every deployment needs a known version, a name
// with a role, an address and a code hash.
func NewRegistry(ds []Deployment) (*Registry, error) {
	r := &Registry{byAddr: map[common.Address][]Deployment{}, byHash: map[common.Hash][]Deployment{}}
	for i, d := range ds {
		if d.Role == "" {
			d.Role = roleOf[d.Name]
		}
		switch {
		case d.Role == "":
			return nil, fmt.Errorf("deployment %d: contract name %q has no role", i, d.Name)
		case !d.Version.Known():
			return nil, fmt.Errorf("deployment %d (%s): unknown version %s", i, d.Name, d.Version)
		case d.Address == (common.Address{}) || d.CodeHash == (common.Hash{}):
			return nil, fmt.Errorf("deployment %d (%s %s): address and code hash are required", i, d.Name, d.Version)
		}
		r.all = append(r.all, d)
		r.byAddr[d.Address] = append(r.byAddr[d.Address], d)
		r.byHash[d.CodeHash] = append(r.byHash[d.CodeHash], d)
	}
	return r, nil
}

var known = sync.OnceValue(func() *Registry {
	r, err := NewRegistry(deploymentTable)
	if err != nil {
		panic("safe: the built-in deployment table is invalid: " + err.Error()) // caught by TestRegistryTable
	}
	return r
})

// KnownDeployments returns the registry of the Safe deployments Bulwark
// pins (registry_table.go): every contract of @safe-global/safe-deployments
// 1.37.63 from 1.0.0 to 1.5.0, canonical, eip155 and zksync deployments.
func KnownDeployments() *Registry { return known() }

// All returns every deployment, in table order.
func (r *Registry) All() []Deployment { return append([]Deployment(nil), r.all...) }

// ByAddress returns the deployments at addr (on any chain: a canonical
// address is the same everywhere the contract is deployed), or none.
func (r *Registry) ByAddress(addr common.Address) []Deployment { return r.byAddr[addr] }

// ByCodeHash returns the deployments whose runtime code hashes to h. Several
// deployments share a hash when their code is the same at different
// addresses (1.3.0 canonical and eip155).
func (r *Registry) ByCodeHash(h common.Hash) []Deployment { return r.byHash[h] }

// Lookup returns the deployment at addr whose pinned code hash is codeHash:
// the address alone can be claimed by other code on a chain where the
// canonical deployment never happened (or on zkSync, where addresses are
// derived differently), so a match needs both.
func (r *Registry) Lookup(addr common.Address, codeHash common.Hash) (Deployment, bool) {
	for _, d := range r.byAddr[addr] {
		if d.CodeHash == codeHash {
			return d, true
		}
	}
	return Deployment{}, false
}

// TrustOptions widen the DELEGATECALL allowlist.
type TrustOptions struct {
	// AllowMultiSend trusts MultiSend (which can itself DELEGATECALL
	// anything) as a DELEGATECALL target. Off by default: MultiSendCallOnly
	// does the same batching without nested DELEGATECALLs.
	AllowMultiSend bool
}

// trustedNames are the libraries a Safe may DELEGATECALL by default: the
// list the Safe Transaction Service trusts (TRUSTED_FOR_DELEGATE_CALL in
// setup_safe_contracts.py): MultiSendCallOnly, SignMessageLib and
// SafeMigration.
var trustedNames = map[string]bool{"MultiSendCallOnly": true, "SignMessageLib": true, "SafeMigration": true}

// TrustedDelegateCallTarget returns the deployment at addr if it is on the
// pinned DELEGATECALL allowlist and codeHash is its pinned code hash.
func (r *Registry) TrustedDelegateCallTarget(addr common.Address, codeHash common.Hash, opts TrustOptions) (Deployment, bool) {
	d, ok := r.Lookup(addr, codeHash)
	if !ok || !(trustedNames[d.Name] || opts.AllowMultiSend && d.Name == "MultiSend") {
		return Deployment{}, false
	}
	return d, true
}

// IsTrustedDelegateCallTarget reports whether a Safe may DELEGATECALL addr
// whose runtime code hashes to codeHash: a pinned MultiSendCallOnly,
// SignMessageLib or SafeMigration deployment, matched by address and code
// hash. MultiSend is trusted only with [TrustOptions.AllowMultiSend].
func IsTrustedDelegateCallTarget(addr common.Address, codeHash common.Hash) bool {
	_, ok := KnownDeployments().TrustedDelegateCallTarget(addr, codeHash, TrustOptions{})
	return ok
}
