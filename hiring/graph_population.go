package hiring

import (
	"hash/maphash"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/hiring/linkage"
)

// Population is a set of known people records indexed once for screening
// one new person at a time against all of them: the identity graph's index
// of every normalised identifier, hiring/linkage's identity index (name,
// birth date, address, national id) and the resume MinHash index. Matching
// one person costs what the blocks and buckets it falls in hold, not what
// the population holds, so a service keeps one Population of its stored
// people and calls Match for each applicant (rebuilding it, or building a
// new one beside it, when the stored people change). Match is safe for
// concurrent use; the Population keeps people and they must not change.
type Population struct {
	people []Person
	// added are the people of Add: record len(people)+k is added[k].
	added    []Person
	byID     map[string]int32
	b        *builder
	maxShare int
	identity *linkage.Index
	resumes  *linkage.TextIndex
}

// NewPopulation indexes people with the options of BuildGraph: MaxShare,
// ExactOnly, and the fuzzy linkers' options, which must be IdentityLinker
// and ResumeLinker values (nil Fuzzy: both with their defaults); another
// FuzzyLinker cannot match one record at a time and is an EINVALID error.
// An empty or duplicated id is an EINVALID error as in BuildGraph.
func NewPopulation(people []Person, opts LinkOptions) (*Population, error) {
	if len(people) > maxRecords {
		return nil, bulwark.Errorf(bulwark.ETOOLARGE, "%d records to index; at most %d at once", len(people), maxRecords)
	}
	byID, err := indexIDs(people)
	if err != nil {
		return nil, err
	}
	pop := &Population{people: people, byID: byID, maxShare: opts.MaxShare}
	if pop.maxShare <= 0 {
		pop.maxShare = DefaultMaxShare
	}
	pop.b = newBuilder(people)
	pop.b.index()
	pop.b.rejected = nil // a screening reports the applicant's own, not the population's
	linkers := opts.Fuzzy
	if linkers == nil {
		linkers = DefaultFuzzy()
	}
	if opts.ExactOnly {
		linkers = nil
	}
	for _, f := range linkers {
		switch l := f.(type) {
		case IdentityLinker:
			recs := make([]linkage.Record, 0, len(people))
			for i := range people {
				if r, ok := identityRecord(&people[i]); ok {
					recs = append(recs, r)
				}
			}
			ix, err := linkage.NewIndex(recs, l.Options)
			if err != nil {
				return nil, err
			}
			pop.identity = ix
		case ResumeLinker:
			ix, err := newResumeIndex(people, l.Options)
			if err != nil {
				return nil, err
			}
			pop.resumes = ix
		default:
			return nil, bulwark.Invalid("fuzzy", "a population matches one record at a time with IdentityLinker and ResumeLinker only; %T cannot: leave it out or link the whole set with BuildGraph", f)
		}
	}
	return pop, nil
}

// Len is the number of people indexed.
func (pop *Population) Len() int { return len(pop.people) + len(pop.added) }

// person returns record r.
func (pop *Population) person(r int32) *Person {
	if int(r) < len(pop.people) {
		return &pop.people[r]
	}
	return &pop.added[int(r)-len(pop.people)]
}

// Add indexes one more known person, whose id must be new (an empty id
// or one indexed already is an EINVALID error): a service screening
// applicants one at a time adds each once stored, so that the next is
// matched against them too. The identity matcher weighs names with the
// frequencies of the people given to NewPopulation (see linkage.Index.Add).
// Add must not run concurrently with Match or another Add.
func (pop *Population) Add(p Person) error {
	if strings.TrimSpace(p.ID) == "" {
		return bulwark.Invalid("id", "the record %s has no id; give every record a unique id", recordPlace(pop.Len(), p.Line))
	}
	if _, dup := pop.byID[p.ID]; dup {
		return bulwark.Invalid("id", "%q is indexed already; a population adds new people only", p.ID)
	}
	rec := int32(pop.Len())
	pop.added = append(pop.added, p)
	pop.byID[p.ID] = rec
	pop.b.more = pop.added
	var h maphash.Hash
	h.SetSeed(pop.b.seed)
	for _, id := range identsOf(&p, numKinds, nil, nil) {
		pop.b.add(&h, rec, id)
	}
	if pop.identity != nil {
		if r, ok := identityRecord(&p); ok {
			pop.identity.Add(r)
		}
	}
	if pop.resumes != nil && strings.TrimSpace(p.ResumeText) != "" {
		_ = pop.resumes.Add(p.ID, p.ResumeText) // refused only when it has no words: nothing to compare
	}
	return nil
}

// Match returns the links between p and the known people: one per
// identifier p shares with known records (strong identifiers, addresses
// and public IP addresses, as BuildGraph links them; a value more than
// MaxShare known records hold is left out, as it merges nothing in the
// graph), one per known record the identity matcher takes for the same
// person, and one per known record with a near-duplicate resume. Each
// link's IDs are p's id first, then the known records' ids, sorted; links
// are in the graph's order (strong identifiers first). A known record with
// p's own id (p screened again) is not linked to p. Identifiers of p that
// do not normalise are returned as Rejected.
func (pop *Population) Match(p Person) ([]Link, []Rejected) {
	links, _, rejected := pop.match(&p, false)
	return links, rejected
}

// match is Match; with wide, the identifiers of p more than MaxShare
// known records hold are returned too, as links of their own (wide), with
// every holder.
func (pop *Population) match(pp *Person, wide bool) (links, wideLinks []Link, rejected []Rejected) {
	p := *pp
	ids := identsOf(&p, numKinds, nil, func(k idKind, raw, reason string) {
		rejected = append(rejected, Rejected{ID: p.ID, Kind: k.String(), Value: bulwark.Echo(raw), Reason: reason})
	})
	var h maphash.Hash
	h.SetSeed(pop.b.seed)
	for _, id := range ids {
		holders := pop.b.holders(&h, id)
		if len(holders) > pop.maxShare && !wide {
			continue
		}
		known := make([]string, 0, len(holders))
		for _, r := range holders {
			if q := pop.person(r); q.ID != p.ID {
				known = append(known, q.ID)
			}
		}
		if len(known) == 0 {
			continue
		}
		slices.Sort(known)
		l := Link{Kind: id.kind.String(), IDs: append([]string{p.ID}, known...), Value: id.value, Score: 1}
		if len(holders) > pop.maxShare {
			wideLinks = append(wideLinks, l)
		} else {
			links = append(links, l)
		}
	}
	if pop.identity != nil {
		if r, ok := identityRecord(&p); ok {
			suffix := generation(p.FullName)
			for _, m := range pop.identity.Query(r) {
				// As IdentityLinker: a generational suffix or a birth date
				// that disagree keep the records apart, and so does a match
				// on names alone or despite family names, homes or
				// national ids that disagree (corroborated).
				if m.B == p.ID || dobDisagrees(m.Fields) || !corroborated(m.Fields) {
					continue
				}
				if j, ok := pop.byID[m.B]; ok && generation(pop.person(j).FullName) != suffix {
					continue
				}
				links = append(links, Link{Kind: LinkKindIdentity, IDs: []string{p.ID, m.B}, Score: m.Score, Why: m.Why})
			}
		}
	}
	if pop.resumes != nil && strings.TrimSpace(p.ResumeText) != "" {
		for _, m := range pop.resumes.Query(p.ResumeText) {
			if m.B != p.ID {
				links = append(links, Link{Kind: LinkKindResume, IDs: []string{p.ID, m.B}, Score: m.Jaccard})
			}
		}
	}
	slices.SortFunc(links, compareLinks)
	return links, wideLinks, rejected
}

// holderCount returns how many known records hold the identifier of kind
// (a Link.Kind of an identifier) and normalised value; -1 for a kind that
// is no identifier.
func (pop *Population) holderCount(kind, value string) int {
	for k := range numKinds {
		if k.String() == kind {
			var h maphash.Hash
			h.SetSeed(pop.b.seed)
			return len(pop.b.holders(&h, ident{kind: k, value: value}))
		}
	}
	return -1
}

// holders returns the records holding identifier id, in input order.
func (b *builder) holders(h *maphash.Hash, id ident) []int32 {
	key := string(rune(id.kind)) + id.value
	if gi, ok := b.groupOf[key]; ok {
		return b.groups[gi].members
	}
	h.Reset()
	h.WriteByte(byte(id.kind))
	h.WriteString(id.value)
	f, seen := b.first[h.Sum64()]
	if !seen {
		return nil
	}
	if _, same := b.holds(f, id); same {
		return []int32{f}
	}
	// The hash is another value's: this one, if held, is in exact.
	if f, ok := b.exact[key]; ok {
		return []int32{f}
	}
	return nil
}
