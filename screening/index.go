package screening

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-sec/bulwark/screening/chainaddr"
	"github.com/bulwark-sec/bulwark/screening/names"
)

// AddressAlgorithm names how addresses are matched; it is recorded with
// every decision so a decision can be replayed with the same rules.
const AddressAlgorithm = "addr/1"

// Index is an immutable, searchable snapshot of a set of list versions.
// Build one with [BuildIndex]; every method is safe for concurrent use.
type Index struct {
	built time.Time
	lists []ListInfo
	// official[i] is OfficialListID(lists[i].ID), asked for every decision.
	official []bool
	problems map[string][]Problem
	entities []Entity
	// digests[i] holds, once asked for (digest), the SHA-256 of
	// entities[i]'s canonical JSON: the version of that entity, which a
	// match and a disposition are tied to. Hashed on demand, so that a
	// command matching a few entities does not encode them all.
	digests []atomic.Pointer[string]
	byID    map[string]int32
	// addrs maps a chainaddr key to the entities listing it; fold maps the
	// case-folded text of listed addresses, so an address written in the
	// wrong letter case (an upper-cased base58 address fails its checksum)
	// is still caught.
	addrs     map[string][]addrRef
	fold      map[string][]addrRef
	addrCount int
	// listSources maps a list ID to where its version came from.
	listSources map[string]string
	// versions is Versions() made once, shared by the index's decisions
	// (never modified), and versionsJSON its JSON.
	versions     map[string]string
	versionsJSON []byte
	// The name index is built on first use (WarmNames builds it at once):
	// a command that screens only addresses never pays for it.
	records   []names.Record
	namesOnce sync.Once
	names     *names.Index
}

// addrRef is one listing of an address.
type addrRef struct {
	entity int32
	listed ListedAddress
	chain  string
}

// BuildIndex indexes lists. Listed addresses that do not parse for their
// currency are indexed by their exact text (so they still match an input
// written the same way) and reported as problems of their list, never
// dropped silently.
func BuildIndex(lists []*List, now time.Time) *Index {
	ix := &Index{
		built:    now.UTC(),
		problems: map[string][]Problem{},
		byID:     map[string]int32{},
		addrs:    map[string][]addrRef{},
		fold:     map[string][]addrRef{},
	}
	sorted := append([]*List(nil), lists...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Info.ID < sorted[j].Info.ID })
	total := 0
	for _, l := range sorted {
		total += len(l.Entities)
	}
	ix.entities = make([]Entity, 0, total)
	var records []names.Record
	ix.listSources = make(map[string]string, len(sorted))
	for _, l := range sorted {
		ix.lists = append(ix.lists, l.Info)
		ix.official = append(ix.official, OfficialListID(l.Info.ID))
		ix.listSources[l.Info.ID] = l.Info.Source
		probs := append([]Problem(nil), l.Problems...)
		for _, e := range l.Entities {
			if _, dup := ix.byID[e.ID]; dup {
				probs = append(probs, Problem{Place: "entity " + e.ID, Message: "listed twice; the first is kept"})
				continue
			}
			n := int32(len(ix.entities))
			ix.entities = append(ix.entities, e)
			ix.byID[e.ID] = n
			for _, la := range e.Addresses {
				ref := addrRef{entity: n, listed: la}
				p, err := chainaddr.Parse(la.Address, la.Currency)
				if errors.Is(err, chainaddr.ErrCurrencyMismatch) {
					// A valid address of another chain filed under the
					// wrong ticker (OFAC lists a TRON address as XBT):
					// index it for the chain it is.
					if q, err2 := chainaddr.Parse(la.Address, ""); err2 == nil {
						probs = append(probs, Problem{Place: "entity " + e.ID,
							Message: fmt.Sprintf("address %q is filed as %s but is a %s address; indexed as %s", la.Address, la.Currency, q.Chain, q.Chain)})
						p, err = q, nil
					}
				}
				if err != nil {
					probs = append(probs, Problem{Place: "entity " + e.ID,
						Message: fmt.Sprintf("address %q (%s) does not parse (%v); it matches only when written exactly so", la.Address, la.Currency, err)})
					p = chainaddr.Opaque(la.Currency, la.Address)
				}
				ref.chain = p.Chain
				ix.addrs[p.Key] = appendRef(ix.addrs[p.Key], ref)
				fk := chainaddr.FoldKey(la.Address)
				ix.fold[fk] = appendRef(ix.fold[fk], ref)
				ix.addrCount++
			}
			if e.Category == CategoryLabel {
				continue
			}
			rec := names.Record{ID: e.ID, Type: string(e.Type), DatesOfBirth: e.DatesOfBirth, Countries: e.Countries}
			if e.Name != "" {
				rec.Names = append(rec.Names, names.Name{Value: e.Name})
			}
			for _, a := range e.Aliases {
				rec.Names = append(rec.Names, names.Name{Value: a.Name, Weak: a.Weak})
			}
			for _, id := range e.IDs {
				rec.IDs = append(rec.IDs, id.Value)
			}
			if len(rec.Names) > 0 {
				records = append(records, rec)
			}
		}
		if len(probs) > 0 {
			ix.problems[l.Info.ID] = probs
		}
	}
	ix.records = records
	ix.digests = make([]atomic.Pointer[string], len(ix.entities))
	ix.versions = ix.Versions()
	ix.versionsJSON, _ = json.Marshal(ix.versions) // strings only: cannot fail
	return ix
}

// nameIndex returns the name index, building it on first use.
func (ix *Index) nameIndex() *names.Index {
	ix.namesOnce.Do(func() {
		ix.names = names.Build(ix.records)
		ix.records = nil
	})
	return ix.names
}

// WarmNames builds the name index now, so the first name screening does
// not wait for it. A server calls it before swapping an index in.
func (ix *Index) WarmNames() { ix.nameIndex() }

// appendRef adds r unless the same entity already lists the same key (an
// address filed under two tickers).
func appendRef(refs []addrRef, r addrRef) []addrRef {
	for _, x := range refs {
		if x.entity == r.entity {
			return refs
		}
	}
	return append(refs, r)
}

// digest returns EntityDigest of entity n, hashing it on first use.
// Concurrent first uses hash the same entity to the same digest, so
// whichever store lands is the same.
func (ix *Index) digest(n int32) string {
	p := &ix.digests[n]
	if d := p.Load(); d != nil {
		return *d
	}
	d := EntityDigest(&ix.entities[n])
	p.Store(&d)
	return d
}

// EntityDigest is the hex SHA-256 of e's JSON encoding: it changes when
// anything the list says about the entity changes.
func EntityDigest(e *Entity) string {
	// Entity holds only strings and slices of them: Marshal cannot fail.
	b, _ := json.Marshal(e)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Lists returns the list versions in the index, ordered by ID.
func (ix *Index) Lists() []ListInfo { return append([]ListInfo(nil), ix.lists...) }

// Problems returns what the index reported about list id's entries.
func (ix *Index) Problems(id string) []Problem { return ix.problems[id] }

// Built is when the index was built.
func (ix *Index) Built() time.Time { return ix.built }

// Counts returns the number of entities and of listed addresses.
func (ix *Index) Counts() (entities, addresses int) { return len(ix.entities), ix.addrCount }

// Entity returns the entity with the given ID.
func (ix *Index) Entity(id string) (*Entity, bool) {
	n, ok := ix.byID[id]
	if !ok {
		return nil, false
	}
	return &ix.entities[n], true
}

// Versions maps each list ID to the SHA-256 of its version.
func (ix *Index) Versions() map[string]string {
	m := make(map[string]string, len(ix.lists))
	for _, l := range ix.lists {
		m[l.ID] = l.SHA256
	}
	return m
}

// sharedVersions returns the index's one copy of Versions, which callers
// must not modify, and its JSON.
func (ix *Index) sharedVersions() (map[string]string, []byte) {
	return ix.versions, ix.versionsJSON
}

// source is where the list says e comes from: the entity's own source, or
// else its list version's.
func (ix *Index) source(e *Entity) string {
	if e.Source != "" {
		return e.Source
	}
	return ix.listSources[e.List]
}
