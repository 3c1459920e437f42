// Package labels holds the address labels a trace shows and stops at: a
// [Set] of labels per address, the table of categories that make an
// address a hub ([HubCategory]), a [Combine]d labeler over several sources
// in a fixed order, the user's own label file ([ReadUser]), GraphSense
// TagPacks ([ReadTagPacks]; package tagpack reads the format) and a
// labeler over the active screening lists ([Screening]).
package labels

import (
	"slices"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/ethereum/go-ethereum/common"
)

// hubCategories are the categories whose addresses a trace does not
// traverse through by default: services whose outgoing value belongs to
// many owners, so taint following it would spread to every customer. The
// names are GraphSense concepts (concepts.yaml) plus a few plain words a
// user's label file may use (bridge, dex, router, mixer). docs/tracing-reference.md
// shows this table; keep them in step.
var hubCategories = map[string]string{
	"exchange":          "a centralised exchange (hot, cold or reserve wallet)",
	"wallet_service":    "a custodial wallet service",
	"hot_wallet":        "a service's hot wallet",
	"deposit_wallet":    "a service's deposit address",
	"escrow_wallet":     "an escrow service's wallet",
	"mixing_service":    "a mixer (Tornado Cash, Blender.io, Sinbad)",
	"mixing":            "mixing activity",
	"coinjoin":          "a coinjoin coordinator",
	"defi":              "a DeFi protocol contract",
	"defi_dex":          "a decentralised exchange (router, aggregator)",
	"defi_dex_pair":     "a DEX pool or pair",
	"defi_bridge":       "a cross-chain bridge",
	"defi_lending":      "a lending pool",
	"defi_derivatives":  "a derivatives protocol",
	"defi_staking":      "a staking contract",
	"defi_custody":      "a DeFi custody contract",
	"payment_processor": "a payment processor",
	"gambling":          "a gambling service",
	"market":            "a (darknet) market",
	"mining_service":    "a mining pool",
	"atm":               "a cryptocurrency ATM operator",
	"bridge":            "a cross-chain bridge (user label)",
	"dex":               "a decentralised exchange (user label)",
	"router":            "a swap or bridge router (user label)",
	"mixer":             "a mixer (user label)",
}

// HubCategory reports whether addresses of category (a GraphSense concept
// or one of the plain words bridge, dex, router, mixer; case and
// surrounding space ignored) are hubs.
func HubCategory(category string) bool {
	_, ok := hubCategories[strings.ToLower(strings.TrimSpace(category))]
	return ok
}

// HubCategories returns the hub categories, sorted, each with what it
// covers.
func HubCategories() [][2]string {
	out := make([][2]string, 0, len(hubCategories))
	for c, what := range hubCategories {
		out = append(out, [2]string{c, what})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// Set holds labels per address. The zero Set is not usable: make one with
// [NewSet]. A Set is not safe for concurrent Add; Labels may be called
// concurrently once it is built.
type Set struct {
	m map[common.Address][]tracing.Label
}

// NewSet returns an empty Set.
func NewSet() *Set { return &Set{m: map[common.Address][]tracing.Label{}} }

// Add labels addr with l, unless it already carries the same label.
func (s *Set) Add(addr common.Address, l tracing.Label) {
	cur := s.m[addr]
	if slices.Contains(cur, l) {
		return
	}
	s.m[addr] = append(cur, l)
}

// Merge adds every label of o to s, o's addresses in order.
func (s *Set) Merge(o *Set) {
	for _, a := range o.Addresses() {
		for _, l := range o.m[a] {
			s.Add(a, l)
		}
	}
}

// Labels returns addr's labels in the order they were added (nil when
// none). The slice is shared: do not modify it.
func (s *Set) Labels(addr common.Address) []tracing.Label {
	if s == nil {
		return nil
	}
	return s.m[addr]
}

// Len returns the number of labelled addresses.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.m)
}

// Addresses returns the labelled addresses, sorted.
func (s *Set) Addresses() []common.Address {
	out := make([]common.Address, 0, len(s.m))
	for a := range s.m {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b common.Address) int { return a.Cmp(b) })
	return out
}

// Combine returns a labeler answering the labels of every source in the
// order given (nil sources skipped), a label that an earlier source gave
// in the same words not repeated. Put the sources in the order their
// labels should show: typically the screening lists, then the user's
// labels, then TagPacks.
func Combine(sources ...tracing.Labeler) tracing.Labeler {
	var c combined
	for _, s := range sources {
		if s == nil {
			continue
		}
		if set, ok := s.(*Set); ok && set == nil {
			continue
		}
		c = append(c, s)
	}
	return c
}

type combined []tracing.Labeler

func (c combined) Labels(addr common.Address) []tracing.Label {
	var out []tracing.Label
	for i, s := range c {
		ls := s.Labels(addr)
		if i == 0 || len(out) == 0 {
			out = append(out, ls...)
			continue
		}
		for _, l := range ls {
			if !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	return out
}

// IsHub reports whether any of labels marks a hub.
func IsHub(labels []tracing.Label) bool {
	for _, l := range labels {
		if l.Hub {
			return true
		}
	}
	return false
}
