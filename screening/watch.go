package screening

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening/chainaddr"
)

// NewWatch validates a watch request and fills its key: the address key of
// an address (so the same address written differently is one watch) or the
// name key of a name.
func NewWatch(w Watch) (Watch, error) {
	if _, err := ParseUse("use", string(w.Use), string(UseOnboarding)); err != nil {
		return w, err
	}
	if w.Use == "" {
		w.Use = UseOnboarding
		if w.Kind == KindAddress {
			w.Use = UseWithdrawal
		}
	}
	if err := CheckSubject("subject", w.Subject); err != nil {
		return w, err
	}
	switch w.Kind {
	case KindAddress:
		if w.Name != "" || w.DOB != "" || w.Country != "" || w.Type != "" {
			return w, bulwark.Invalid("name", "an address watch takes address and chain only")
		}
		if err := CheckAddressQuery(AddressQuery{Address: w.Address, Chain: w.Chain}); err != nil {
			return w, err
		}
		p, err := chainaddr.Parse(w.Address, w.Chain)
		if err != nil {
			return w, err
		}
		w.Address, w.Key = p.Address, p.Key
	case KindName:
		if w.Address != "" || w.Chain != "" {
			return w, bulwark.Invalid("address", "a name watch takes name, type, dob and country only")
		}
		q, err := CheckNameQuery(NameQuery{Name: w.Name, Type: w.Type, DateOfBirth: w.DOB, Country: w.Country}, w.Subject, time.Now())
		if err != nil {
			return w, err
		}
		w.Type, w.DOB, w.Country = q.Type, q.DateOfBirth, q.Country
		w.Key = NameKey(w.Name)
	default:
		return w, bulwark.Invalid("kind", "%q is not address or name", w.Kind)
	}
	return w, nil
}

// ChangedEntities returns the entities of next that prev does not hold in
// the same version: new entities and entities whose listing changed.
func ChangedEntities(prev, next *Index) []Entity {
	var out []Entity
	for i := range next.entities {
		e := &next.entities[i]
		if prev != nil {
			if n, ok := prev.byID[e.ID]; ok && prev.digest(n) == next.digest(int32(i)) {
				continue
			}
		}
		out = append(out, *e)
	}
	return out
}

// deltaIndex indexes only the changed entities of next, under next's list
// versions.
func deltaIndex(prev, next *Index) *Index {
	changed := ChangedEntities(prev, next)
	byList := map[string]*List{}
	var lists []*List
	for _, info := range next.lists {
		l := &List{Info: info}
		byList[info.ID] = l
		lists = append(lists, l)
	}
	for _, e := range changed {
		if l := byList[e.List]; l != nil {
			l.Entities = append(l.Entities, e)
		}
	}
	return BuildIndex(lists, next.built)
}

// WatchHit is a watch that matches new or changed entries of a list.
type WatchHit struct {
	Watch Watch `json:"watch"`
	// Address or Name holds the screening against the changed entries.
	Address *AddressDecision `json:"address,omitempty"`
	Name    *NameDecision    `json:"name,omitempty"`
}

// Verdict is the hit's verdict.
func (h WatchHit) Verdict() bulwark.Verdict {
	if h.Address != nil {
		return h.Address.Verdict
	}
	return h.Name.Verdict
}

// DecisionOf returns the hit's decision.
func (h WatchHit) DecisionOf() *Decision {
	if h.Address != nil {
		return &h.Address.Decision
	}
	return &h.Name.Decision
}

// AlertKey identifies what the hit alerts: the watch and each listing it
// matched (list, list version, entity and entity digest). Two processes
// that re-screen the same list change get the same key.
func (h WatchHit) AlertKey() string {
	d := h.DecisionOf()
	var parts []string
	add := func(list, id, digest string) {
		parts = append(parts, strings.Join([]string{list, d.Lists[list], id, digest}, "\x1f"))
	}
	if h.Address != nil {
		for _, r := range h.Address.Results {
			for _, m := range r.Matches {
				add(m.List, m.EntityID, m.EntityDigest)
			}
		}
	} else {
		for _, m := range h.Name.Matches {
			add(m.List, m.EntityID, m.EntityDigest)
		}
	}
	sort.Strings(parts)
	sum := sha256.Sum256([]byte(fmt.Sprintf("watch %d\x1e%s", h.Watch.ID, strings.Join(parts, "\x1e"))))
	return hex.EncodeToString(sum[:])
}

// Rescreen screens watches against the entries of next that are new or
// changed since prev (nil prev: all of next) and returns the watches that
// now need review or a block. Entries unchanged since prev were screened
// when they were first listed, so they raise nothing again.
func (s *Screener) Rescreen(prev, next *Index, watches []Watch) []WatchHit {
	if len(watches) == 0 {
		return nil
	}
	delta := deltaIndex(prev, next)
	if len(delta.entities) == 0 {
		return nil
	}
	sub := &Screener{cfg: s.cfg, policy: s.policy}
	sub.idx.Store(delta)
	sub.disp.Store(s.disp.Load())
	var hits []WatchHit
	for _, w := range watches {
		var h WatchHit
		switch w.Kind {
		case KindAddress:
			d, err := sub.ScreenAddresses(w.Use, w.Subject, []AddressQuery{{Address: w.Address, Chain: w.Chain}})
			if err != nil || len(d.Results[0].Matches) == 0 {
				continue
			}
			d.Lists, d.Stale = next.Versions(), s.stale(next, d.Time)
			h = WatchHit{Watch: w, Address: d}
		case KindName:
			d, err := sub.ScreenName(w.Use, w.Subject, NameQuery{Name: w.Name, Type: w.Type, DateOfBirth: w.DOB, Country: w.Country})
			if err != nil || len(d.Matches) == 0 {
				continue
			}
			d.Lists, d.Stale = next.Versions(), s.stale(next, d.Time)
			h = WatchHit{Watch: w, Name: d}
		default:
			continue
		}
		if h.Verdict().Rank() >= 1 {
			hits = append(hits, h)
		}
	}
	return hits
}
