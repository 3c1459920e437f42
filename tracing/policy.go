package tracing

import (
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// Policy decides how much of a transfer out of a holding that mixes
// tainted and clean value is tainted. Definitions (docs/design/tracing.md
// has worked examples):
//
//   - Poison: once a holding receives any taint, all its value is tainted,
//     now and later (clean value arriving afterwards included); every
//     transfer out of it is wholly tainted.
//   - Haircut: a transfer out carries the holding's tainted share:
//     floor(amount × tainted ÷ balance), the remainder staying with the
//     holding (see Engine).
//   - FIFO: the holding is a queue of lots in arrival order; a transfer out
//     takes the oldest lots first (Clayton's Case).
//   - LIFO: a stack of lots; a transfer out takes the newest lots first.
//   - DirtyFirst (seniority): tainted value leaves first: min(amount,
//     tainted).
//   - CleanFirst (reversed seniority): clean value leaves first; taint
//     leaves only once the clean balance is spent.
type Policy uint8

// The policies.
const (
	Poison Policy = iota + 1
	Haircut
	FIFO
	LIFO
	DirtyFirst
	CleanFirst
)

var policyNames = [...]string{Poison: "poison", Haircut: "haircut", FIFO: "fifo", LIFO: "lifo", DirtyFirst: "dirty-first", CleanFirst: "clean-first"}

// Policies returns every policy in a fixed order.
func Policies() []Policy { return []Policy{Poison, Haircut, FIFO, LIFO, DirtyFirst, CleanFirst} }

// String returns the policy's name: poison, haircut, fifo, lifo,
// dirty-first or clean-first.
func (p Policy) String() string {
	if p >= Poison && int(p) < len(policyNames) {
		return policyNames[p]
	}
	return "policy(" + strconv.Itoa(int(p)) + ")"
}

// ParsePolicy reads a policy's name as written by Policy.String.
func ParsePolicy(s string) (Policy, error) {
	for _, p := range Policies() {
		if strings.EqualFold(p.String(), strings.TrimSpace(s)) {
			return p, nil
		}
	}
	return 0, bulwark.Invalid("policy", "unknown taint policy %q: use one of %s", s, strings.Join(policyNames[Poison:], ", "))
}

// lots reports whether the policy keeps ordered lots per holding.
func (p Policy) lots() bool { return p == FIFO || p == LIFO }
