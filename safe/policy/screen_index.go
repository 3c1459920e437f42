package policy

import (
	"encoding/hex"
	"math/big"
	"sync"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/screening"
)

// IndexScreener screens addresses against the screening index that index
// returns when a verification starts (a server swaps in new list
// versions; a verification keeps the index it started with). index may
// return nil: no lists.
func IndexScreener(index func() *screening.Index) AddressScreener {
	return &indexScreener{index: index}
}

type indexScreener struct {
	index func() *screening.Index
}

func (s *indexScreener) Snapshot() AddressScreener {
	ix := s.index()
	if ix == nil {
		return nil
	}
	return newIndexSnapshot(ix)
}

func (s *indexScreener) Lists() []ScreeningList {
	if p := s.Snapshot(); p != nil {
		return p.Lists()
	}
	return nil
}

func (s *indexScreener) Lookup(chainID *big.Int, a common.Address) []ScreeningHit {
	if p := s.Snapshot(); p != nil {
		return p.Lookup(chainID, a)
	}
	return nil
}

// indexSnapshot screens against one index.
type indexSnapshot struct {
	ix       *screening.Index
	versions map[string]string
	rules    *screening.Rules
}

// lookupRules grade a match for the screening package only; the policy
// grades it itself from its category and confidence.
var lookupRules = sync.OnceValue(func() *screening.Rules {
	r := screening.DefaultPolicy()[screening.UseWithdrawal]
	return &r
})

func newIndexSnapshot(ix *screening.Index) indexSnapshot {
	return indexSnapshot{ix: ix, versions: ix.Versions(), rules: lookupRules()}
}

func (s indexSnapshot) Lists() []ScreeningList {
	ls := s.ix.Lists()
	out := make([]ScreeningList, len(ls))
	for i, l := range ls {
		out[i] = ScreeningList{ID: l.ID, Version: l.SHA256}
	}
	return out
}

// Lookup looks a up as an EVM address: the index matches it whatever the
// EVM chain a list filed it under (ETH, BSC, ARB, USDT …).
func (s indexSnapshot) Lookup(_ *big.Int, a common.Address) []ScreeningHit {
	// Lower-case hex: the index matches any letter case, and a.Hex()
	// would hash the address for its EIP-55 checksum.
	res := s.ix.LookupAddress(screening.AddressQuery{Address: "0x" + hex.EncodeToString(a[:]), Chain: "ETH"}, s.rules)
	if len(res.Matches) == 0 {
		return nil
	}
	out := make([]ScreeningHit, 0, len(res.Matches))
	for _, m := range res.Matches {
		out = append(out, ScreeningHit{List: m.List, ListVersion: s.versions[m.List], EntityID: m.EntityID, Entity: m.Name,
			Programs: m.Programs, Category: string(m.Category), Confidence: string(m.Confidence)})
	}
	return out
}
