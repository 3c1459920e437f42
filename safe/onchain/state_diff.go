package onchain

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
)

// ChangeKind names what changed between two states of a Safe.
type ChangeKind string

// Kinds of state changes, in the order DiffStates reports them: the ones
// that hand over control of the Safe first.
const (
	ChangeSingleton       ChangeKind = "singleton"        // slot 0: the code the proxy runs (Bybit)
	ChangeSingletonCode   ChangeKind = "singleton_code"   // same singleton address, other code
	ChangeProxyCode       ChangeKind = "proxy_code"       // the proxy's own code
	ChangeGuard           ChangeKind = "guard"            // transaction guard
	ChangeFallbackHandler ChangeKind = "fallback_handler" // fallback handler
	ChangeModuleGuard     ChangeKind = "module_guard"     // module guard (1.5.0)
	ChangeModuleEnabled   ChangeKind = "module_enabled"
	ChangeModuleDisabled  ChangeKind = "module_disabled"
	ChangeModuleList      ChangeKind = "module_list" // the module list's status (truncated, loop, broken)
	ChangeOwnerAdded      ChangeKind = "owner_added"
	ChangeOwnerRemoved    ChangeKind = "owner_removed"
	ChangeOwnerList       ChangeKind = "owner_list"  // the owner list's status (truncated, loop, broken)
	ChangeOwnerCount      ChangeKind = "owner_count" // ownerCount moved out of (or back into) step with the owner list
	ChangeThreshold       ChangeKind = "threshold"
	ChangeNonce           ChangeKind = "nonce"
	ChangeBalance         ChangeKind = "balance" // ETH, wei
)

// Change is one difference between two states of a Safe. Before and After
// are the values as text: EIP-55 addresses (zero address for none), decimal
// integers (wei for the balance), hashes, or list statuses ("" for a
// well-formed list). An added owner or module has only After, a removed
// one only Before.
type Change struct {
	Kind   ChangeKind `json:"kind"`
	Before string     `json:"before,omitempty"`
	After  string     `json:"after,omitempty"`
}

// String renders the change, e.g. "singleton 0xAb…→0xCd…".
func (c Change) String() string {
	switch {
	case c.Before == "":
		return string(c.Kind) + " " + c.After
	case c.After == "":
		return string(c.Kind) + " " + c.Before
	}
	return string(c.Kind) + " " + c.Before + " → " + c.After
}

// DiffStates returns what changed from before to after, two states of the
// same Safe (e.g. at consecutive blocks for a watcher, or before and after
// a simulated transaction): singleton (address and code), proxy code,
// guard, fallback handler, module guard, modules enabled and disabled,
// owners added and removed, threshold, nonce and balance, plus list-status
// and owner-count anomalies that only a tampered storage shows. A reordered
// owner or module list with the same members is not a change. It returns
// nil when nothing changed or either state is nil.
func DiffStates(before, after *State) []Change {
	if before == nil || after == nil {
		return nil
	}
	var out []Change
	addr := func(kind ChangeKind, b, a common.Address) {
		if b != a {
			out = append(out, Change{Kind: kind, Before: b.Hex(), After: a.Hex()})
		}
	}
	hash := func(kind ChangeKind, b, a common.Hash) {
		if b != a {
			out = append(out, Change{Kind: kind, Before: b.Hex(), After: a.Hex()})
		}
	}
	num := func(kind ChangeKind, b, a *big.Int) {
		if IntOrZero(b).Cmp(IntOrZero(a)) != 0 {
			out = append(out, Change{Kind: kind, Before: IntOrZero(b).String(), After: IntOrZero(a).String()})
		}
	}
	status := func(kind ChangeKind, b, a ListStatus) {
		if b != a {
			out = append(out, Change{Kind: kind, Before: string(b), After: string(a)})
		}
	}

	addr(ChangeSingleton, before.Singleton, after.Singleton)
	if before.Singleton == after.Singleton {
		hash(ChangeSingletonCode, before.SingletonCodeHash, after.SingletonCodeHash)
	}
	hash(ChangeProxyCode, before.ProxyCodeHash, after.ProxyCodeHash)
	addr(ChangeGuard, before.Guard, after.Guard)
	addr(ChangeFallbackHandler, before.FallbackHandler, after.FallbackHandler)
	addr(ChangeModuleGuard, before.ModuleGuard, after.ModuleGuard)
	out = appendMembership(out, ChangeModuleEnabled, ChangeModuleDisabled, before.Modules, after.Modules)
	status(ChangeModuleList, before.ModulesStatus, after.ModulesStatus)
	out = appendMembership(out, ChangeOwnerAdded, ChangeOwnerRemoved, before.Owners, after.Owners)
	status(ChangeOwnerList, before.OwnersStatus, after.OwnersStatus)
	// ownerCount is reported only when it moves out of (or back into) step
	// with the list: an ordinary add or remove moves both.
	if IntOrZero(before.OwnerCount).Cmp(IntOrZero(after.OwnerCount)) != 0 && (!countMatches(before) || !countMatches(after)) {
		num(ChangeOwnerCount, before.OwnerCount, after.OwnerCount)
	}
	num(ChangeThreshold, before.Threshold, after.Threshold)
	num(ChangeNonce, before.Nonce, after.Nonce)
	num(ChangeBalance, before.Balance, after.Balance)
	return out
}

// appendMembership appends an added change for each member of after not in
// before (in after's order) and a removed change for each member of before
// not in after (in before's order), removals first.
func appendMembership(out []Change, added, removed ChangeKind, before, after []common.Address) []Change {
	in := func(list []common.Address) map[common.Address]bool {
		m := make(map[common.Address]bool, len(list))
		for _, a := range list {
			m[a] = true
		}
		return m
	}
	b, a := in(before), in(after)
	for _, x := range before {
		if !a[x] {
			out = append(out, Change{Kind: removed, Before: x.Hex()})
		}
	}
	for _, x := range after {
		if !b[x] {
			out = append(out, Change{Kind: added, After: x.Hex()})
		}
	}
	return out
}

// countMatches reports whether s's ownerCount is the length of its
// well-formed owner list.
func countMatches(s *State) bool {
	n := IntOrZero(s.OwnerCount)
	return s.OwnersStatus == ListOK && n.IsInt64() && n.Int64() == int64(len(s.Owners))
}

func IntOrZero(n *big.Int) *big.Int {
	if n == nil {
		return new(big.Int)
	}
	return n
}
