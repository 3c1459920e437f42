package hiring

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

// ScreenIndex keeps the stored people indexed in memory so that a
// Service screens new applicants against them without reading the whole
// store or linking everyone again: each applicant is matched against the
// index (Population), and the identity graph and the rules run over the
// applicant's neighbourhood only (the stored people it shares an
// identifier, an address or a fuzzy identity or resume match with, their
// whole identity clusters, and the people whose evidence names one of
// its device serials, bank accounts or shipping building). The assessment
// so computed is the one a full run gives the applicant: the
// neighbourhood holds everything the rules read about them; the rules
// run over its records with their evidence. One difference stays: the
// fuzzy identity matcher weighs names by their frequency among the people
// indexed when the index was built, where a full run counts everyone
// stored then (one record more or less among many moves no match that
// is not on the threshold).
//
// The index is built from one snapshot on first use (or by Warm) and
// kept current by the screenings that use it; any other write of people
// or evidence (an import, a full run, a forget, a purge, another
// process) moves the store's version (Store.Version) and the next
// screening builds it again. A process keeps one ScreenIndex for its
// lifetime and hands it to every Service it makes (Service.Index); it is
// safe for concurrent use (screenings through it take turns).
type ScreenIndex struct {
	// MaxNeighbourhood bounds the stored people one incremental
	// screening checks; a larger neighbourhood (an identifier thousands
	// of records share) runs in full. Zero means
	// DefaultMaxNeighbourhood.
	MaxNeighbourhood int

	mu sync.Mutex
	st *indexState
}

// DefaultMaxNeighbourhood is ScreenIndex.MaxNeighbourhood when it is zero.
const DefaultMaxNeighbourhood = 5000

// maxIncremental is the most people one screening screens incrementally;
// a larger import runs in full.
const maxIncremental = 1000

// indexState is a ScreenIndex built at one version of the store. Records
// are numbered as the Population numbers them: the snapshot's people
// (oldest first), then those added by incremental screenings, each batch
// in id order (as the store orders people created together).
type indexState struct {
	version    int64
	generation int64
	pop        *Population
	stored     int // people stored, added ones included
	salts      [][]byte
	// evidence is each record's stored evidence (records with some).
	evidence map[int32]Evidence
	// evKeys maps an evidence key ("s" device serial, "p" payroll
	// account, "b" shipping building) to the records whose evidence (or
	// record, for shipping addresses) holds it.
	evKeys map[string][]int32
	// altIDs maps matchKey of the ids that are not in that form already
	// to their records (ids are mostly in it: then byID answers).
	altIDs map[string][]int32
	// referrers maps matchKey(ReferredBy) to the records naming it.
	referrers map[string][]int32
}

// NewScreenIndex returns an empty index, built on first use.
func NewScreenIndex() *ScreenIndex { return &ScreenIndex{} }

// Warm builds the index from store now, unless it is current: a server
// calls it at start so that the first screening is fast too.
func (ix *ScreenIndex) Warm(ctx context.Context, store Store) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	_, err := ix.current(ctx, store)
	return err
}

// drop forgets the index (built again on next use): after people were
// forgotten, so that their records do not stay in memory.
func (ix *ScreenIndex) drop() {
	if ix == nil {
		return
	}
	ix.mu.Lock()
	ix.st = nil
	ix.mu.Unlock()
}

// Len returns how many stored people the index holds (0 before it is built).
func (ix *ScreenIndex) Len() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.st == nil {
		return 0
	}
	return ix.st.stored
}

// current returns the state at the store's version, building it when it
// is missing or older. The caller holds mu.
func (ix *ScreenIndex) current(ctx context.Context, store Store) (*indexState, error) {
	v, err := store.Version(ctx)
	if err != nil {
		return nil, err
	}
	if ix.st != nil && ix.st.version == v {
		return ix.st, nil
	}
	ix.st = nil
	snap, err := store.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	st, err := buildIndexState(snap)
	if err != nil {
		return nil, err
	}
	ix.st = st
	return st, nil
}

func buildIndexState(snap *Snapshot) (*indexState, error) {
	people := snap.Persons()
	st := &indexState{version: snap.Version, generation: snap.Generation, stored: len(people),
		salts: make([][]byte, len(people)), evidence: map[int32]Evidence{}, evKeys: map[string][]int32{},
		altIDs: map[string][]int32{}, referrers: map[string][]int32{}}
	for i := range snap.People {
		st.salts[i] = snap.People[i].Salt
	}
	snap.People = nil // the people are in people now: let the snapshot's copy go
	pop, err := NewPopulation(people, LinkOptions{})
	if err != nil {
		return nil, err
	}
	st.pop = pop
	if snap.Evidence.Count() > 0 {
		// Each item goes to the one person it names, as the rules resolve
		// it; an item several people claim is used for nobody by the rules
		// (the store files it with the first) and left out here.
		ev := &snap.Evidence
		m := newMatcher(people, ev.Shipments)
		per := map[int32]*Evidence{}
		to := func(r match) *Evidence {
			i, ok := r.unique()
			if !ok {
				return nil
			}
			if per[i] == nil {
				per[i] = &Evidence{}
			}
			return per[i]
		}
		for k := range ev.SignIns {
			if e := to(m.signIn(&ev.SignIns[k])); e != nil {
				e.SignIns = append(e.SignIns, ev.SignIns[k])
			}
		}
		for k := range ev.Devices {
			if e := to(m.device(&ev.Devices[k])); e != nil {
				e.Devices = append(e.Devices, ev.Devices[k])
			}
		}
		for k := range ev.Shipments {
			if e := to(m.shipment(&ev.Shipments[k])); e != nil {
				e.Shipments = append(e.Shipments, ev.Shipments[k])
			}
		}
		for k := range ev.Payroll {
			if e := to(m.payroll(&ev.Payroll[k])); e != nil {
				e.Payroll = append(e.Payroll, ev.Payroll[k])
			}
		}
		for k := range ev.GitHub {
			if e := to(m.gitHub(&ev.GitHub[k])); e != nil {
				e.GitHub = append(e.GitHub, ev.GitHub[k])
			}
		}
		for r, e := range per {
			st.evidence[r] = *e
			st.indexEvidence(r, e)
		}
	}
	for i := range people {
		st.indexRecord(int32(i), &people[i])
	}
	return st, nil
}

// indexRecord indexes what of record r the incremental screening looks
// up besides the Population: its shipping building, a referral, an id
// not in its matchKey form.
func (st *indexState) indexRecord(r int32, p *Person) {
	if b := shippingBuilding(p.ShippingAddress); b != "" {
		st.evKeys["b"+b] = append(st.evKeys["b"+b], r)
	}
	if ref := strings.TrimSpace(p.ReferredBy); ref != "" {
		k := matchKey(ref)
		st.referrers[k] = append(st.referrers[k], r)
	}
	if k := matchKey(p.ID); k != p.ID {
		st.altIDs[k] = append(st.altIDs[k], r)
	}
}

// indexEvidence indexes the keys of record r's evidence that another
// person's record can share: device serials, payroll accounts, shipping
// buildings.
func (st *indexState) indexEvidence(r int32, ev *Evidence) {
	add := func(k string) {
		if len(k) > 1 && !slices.Contains(st.evKeys[k], r) {
			st.evKeys[k] = append(st.evKeys[k], r)
		}
	}
	for _, s := range ev.Shipments {
		add("s" + serialKey(s.DeviceSerial))
		add("b" + shippingBuilding(s.Address))
	}
	for _, d := range ev.Devices {
		add("s" + serialKey(d.Serial))
	}
	for _, a := range ev.Payroll {
		add("p" + payrollKey(a.Kind, a.Account))
	}
}

// shippingBuilding is the building of a shipping address as the shipping
// rule groups them ("" for none).
func shippingBuilding(addr string) string {
	k := NormalizeAddress(addr)
	if k == "" {
		return ""
	}
	return buildingAddress(k)
}

// errIndexMoved ends an incremental screening whose store changed after
// the neighbourhood was read: the screening runs in full.
var errIndexMoved = errors.New("the stored people changed during the screening")

// screenIncremental screens people (new, without evidence) against the
// index: ok false when the incremental path does not apply (the caller
// runs in full).
func (s *Service) screenIncremental(ctx context.Context, key []byte, check GraphCheckFunc, actor string, people []Person) (res *RunResult, ok bool, err error) {
	ix := s.Index
	ix.mu.Lock()
	defer ix.mu.Unlock()
	st, err := ix.current(ctx, s.Store)
	if err != nil {
		return nil, false, err
	}
	// What the index cannot answer runs in full: a person stored already
	// (their old record is indexed), a referral to a stored person (the
	// rules read the referrer's every flag).
	for i := range people {
		p := &people[i]
		if _, stored := st.pop.byID[p.ID]; stored || len(st.altIDs[matchKey(p.ID)]) > 0 {
			return nil, false, nil
		}
		if ref := strings.TrimSpace(p.ReferredBy); ref != "" && st.resolves(ref) {
			return nil, false, nil
		}
		// An id that is a stored person's e-mail, an e-mail that is a
		// stored person's id: evidence naming it would change hands, which
		// the index does not follow.
		if strings.IndexByte(p.ID, '@') >= 0 && st.resolves(p.ID) {
			return nil, false, nil
		}
		for _, e := range p.Emails {
			if k := matchKey(e); len(st.altIDs[k]) > 0 {
				return nil, false, nil
			} else if _, ok := st.pop.byID[k]; ok {
				return nil, false, nil
			}
		}
	}
	// From here the population holds the new people: any way out but a
	// commit drops the index (built again on next use).
	defer func() {
		if !ok || err != nil {
			ix.st = nil
		}
	}()
	first := int32(st.pop.Len())
	byID := slices.Clone(people)
	slices.SortFunc(byID, func(a, b Person) int { return strings.Compare(a.ID, b.ID) })
	for _, p := range byID {
		if err := st.pop.Add(p); err != nil {
			return nil, false, nil
		}
	}
	nb, ok := st.neighbourhood(people, first, ix.maxNeighbourhood())
	if !ok {
		return nil, false, nil
	}
	// The records in the order a full run has them: the stored people
	// oldest first, then the new ones as given.
	all := make([]Person, 0, len(nb.stored)+len(people))
	var ev Evidence
	for _, r := range nb.stored {
		all = append(all, *st.pop.person(r))
		if e, ok := st.evidence[r]; ok {
			ev.Append(e)
		}
	}
	all = append(all, people...)
	g, err := BuildGraph(all, LinkOptions{Fuzzy: []FuzzyLinker{fixedLinks(nb.fuzzy)}})
	if err != nil {
		return nil, false, err
	}
	isNew := make(map[string]bool, len(people))
	for _, p := range people {
		isNew[p.ID] = true
	}
	if !st.consistent(g, isNew) {
		return nil, false, nil
	}
	salts := make(map[string][]byte, len(people))
	records := make([]Record, len(people))
	for i, p := range people {
		records[i] = Record{Person: p, Salt: NewSalt()}
		salts[p.ID] = records[i].Salt
	}
	fp := func(id string) string {
		salt, ok := salts[id]
		if !ok {
			if r, found := st.pop.byID[id]; found && int(r) < len(st.salts) {
				salt = st.salts[r]
			} else {
				salt = NewSalt()
			}
		}
		return PersonFingerprint(key, salt, id)
	}
	as, err := check(WithSubjects(ctx, fp), all, ev, g)
	if err != nil {
		return nil, false, err
	}
	if len(as) != len(all) {
		return nil, false, bulwark.Errorf(bulwark.EINTERNAL, "the rules returned %d assessments for %d people", len(as), len(all))
	}
	as = as[len(nb.stored):]
	// The stored people whose assessment the new people change: those
	// linked to them and those whose referral names one of them.
	var stale []string
	for _, r := range nb.stored {
		stale = append(stale, st.pop.person(r).ID)
	}
	for _, p := range people {
		for _, r := range st.referrers[matchKey(p.ID)] {
			stale = append(stale, st.pop.person(r).ID)
		}
		for _, e := range p.Emails {
			for _, r := range st.referrers[matchKey(e)] {
				stale = append(stale, st.pop.person(r).ID)
			}
		}
	}
	slices.Sort(stale)
	stale = slices.Compact(stale)

	res = &RunResult{Assessments: as, Clusters: []Cluster{}}
	for _, c := range g.Clusters {
		if slices.ContainsFunc(c.IDs, func(id string) bool { return isNew[id] }) {
			res.Clusters = append(res.Clusters, c)
		}
	}
	for _, l := range g.Shared {
		if slices.ContainsFunc(l.IDs, func(id string) bool { return isNew[id] }) {
			res.Shared = append(res.Shared, l)
		}
	}
	for _, r := range g.Rejected {
		if isNew[r.ID] {
			res.Rejected = append(res.Rejected, r)
		}
	}
	inputs := Inputs{Rules: s.Rules, People: len(all), Evidence: ev.Count()}
	if s.Lists != nil {
		inputs.Lists = s.Lists()
	}
	run := &Run{Kind: RunScreen, Actor: actor, Imported: len(people), Clusters: len(res.Clusters),
		Verdicts: map[bulwark.Verdict]int{}, Inputs: inputs}
	for _, a := range as {
		run.Verdicts[a.Verdict]++
	}
	digest, err := assessmentsDigest(as)
	if err != nil {
		return nil, false, err
	}
	var version int64
	e, err := s.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		if v, err := s.Store.Version(ctx); err != nil {
			return audit.Event{}, err
		} else if v != st.version {
			return audit.Event{}, errIndexMoved
		}
		counts, err := s.Store.SavePeople(ctx, records, st.generation)
		if err != nil {
			return audit.Event{}, err
		}
		marked, err := s.Store.MarkStale(ctx, stale)
		if err != nil {
			return audit.Event{}, err
		}
		if res.Run, err = s.Store.SaveRun(ctx, run, as, st.generation); err != nil {
			return audit.Event{}, err
		}
		if version, err = s.Store.Version(ctx); err != nil {
			return audit.Event{}, err
		}
		details := map[string]any{"run": res.Run.ID, "people": len(all), "clusters": len(res.Clusters), "verdicts": run.Verdicts,
			"inputs": inputs, "assessmentsSha256": digest, "flagged": flagged(fp, as),
			"import":      importDetails(&ImportReport{ImportCounts: counts}, len(records)),
			"incremental": map[string]any{"stored": st.stored, "neighbourhood": len(nb.stored), "markedStale": marked}}
		return audit.Event{Actor: actor, Action: "hire." + RunScreen, Target: RunTarget(res.Run.ID), Details: details}, nil
	})
	if errors.Is(err, errIndexMoved) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	res.Run.AuditSeq = e.Seq
	// The index now holds the new people as stored: current at the
	// version the run left.
	st.version = version
	st.stored += len(people)
	for _, p := range byID {
		st.salts = append(st.salts, salts[p.ID])
		r := st.pop.byID[p.ID]
		st.indexRecord(r, st.pop.person(r))
	}
	return res, true, nil
}

func (ix *ScreenIndex) maxNeighbourhood() int {
	if ix.MaxNeighbourhood > 0 {
		return ix.MaxNeighbourhood
	}
	return DefaultMaxNeighbourhood
}

// resolves reports whether a referral to ref names a stored person (as
// the rules resolve it: matchKey of an id or e-mail).
func (st *indexState) resolves(ref string) bool {
	k := matchKey(ref)
	if _, ok := st.pop.byID[k]; ok {
		return true
	}
	if _, ok := st.pop.byID[ref]; ok {
		return true
	}
	if len(st.altIDs[k]) > 0 {
		return true
	}
	if strings.IndexByte(ref, '@') >= 0 {
		// An e-mail the graph does not normalise: no index answers.
		e, ok := NormalizeEmail(ref)
		return !ok || st.pop.holderCount(LinkKindEmail, e) > 0
	}
	return false
}

// neighbourhood is what an incremental screening checks.
type neighbourhood struct {
	// stored are the stored records, ascending.
	stored []int32
	// fuzzy are the identity and resume links among them and the new
	// people, each pair once.
	fuzzy []Link
}

// neighbourhood collects the stored records the rules read about people
// (the new records from first on): the identity clusters they join
// (followed link by link through the population), the records sharing an
// address, a public IP or a widely shared identifier with them, and the
// records whose evidence names a device serial, bank account or shipping
// building of theirs. ok is false when it exceeds max records.
func (st *indexState) neighbourhood(people []Person, first int32, max int) (neighbourhood, bool) {
	in := map[int32]bool{}       // stored records in the neighbourhood
	followed := map[int32]bool{} // those whose links are followed
	var queue []int32
	fuzzy := map[[3]string]Link{}
	add := func(id string, follow bool) {
		r, ok := st.pop.byID[id]
		if !ok || r >= first {
			return // a new person: in already
		}
		in[r] = true
		if follow && !followed[r] {
			followed[r] = true
			queue = append(queue, r)
		}
	}
	note := func(l Link) {
		a, b := l.IDs[0], l.IDs[1]
		if a > b {
			a, b = b, a
		}
		k := [3]string{l.Kind, a, b}
		if _, ok := fuzzy[k]; !ok {
			fuzzy[k] = l
		}
	}
	take := func(links []Link, shared bool) {
		for _, l := range links {
			switch l.Kind {
			case LinkKindIdentity, LinkKindResume:
				note(l)
				add(l.IDs[1], true)
			case LinkKindAddress, LinkKindIP:
				if shared {
					for _, id := range l.IDs[1:] {
						add(id, false)
					}
				}
			default:
				for _, id := range l.IDs[1:] {
					add(id, true)
				}
			}
		}
	}
	for i := range people {
		p := &people[i]
		links, wide, _ := st.pop.match(p, true)
		take(links, true)
		for _, l := range wide {
			if len(l.IDs) > max {
				return neighbourhood{}, false
			}
			for _, id := range l.IDs[1:] {
				add(id, false)
			}
		}
		var keys []string
		for _, s := range p.DeviceSerials {
			keys = append(keys, "s"+serialKey(s))
		}
		for _, a := range p.BankAccounts {
			keys = append(keys, "p"+payrollKey("", a))
		}
		keys = append(keys, "b"+shippingBuilding(p.ShippingAddress))
		for _, k := range keys {
			if len(k) < 2 {
				continue
			}
			for _, r := range st.evKeys[k] {
				add(st.pop.person(r).ID, false)
			}
		}
	}
	for len(queue) > 0 {
		if len(in) > max {
			return neighbourhood{}, false
		}
		r := queue[0]
		queue = queue[1:]
		links, _, _ := st.pop.match(st.pop.person(r), false)
		take(links, false)
	}
	nb := neighbourhood{}
	for r := range in {
		nb.stored = append(nb.stored, r)
	}
	if len(nb.stored) > max {
		return neighbourhood{}, false
	}
	slices.Sort(nb.stored)
	for _, l := range fuzzy {
		nb.fuzzy = append(nb.fuzzy, l)
	}
	slices.SortFunc(nb.fuzzy, compareLinks)
	return nb, true
}

// consistent reports whether the neighbourhood's graph g links the new
// people (isNew) as the whole store's would: every identifier a link of
// theirs names is held by exactly the records the link names (none left
// out of the neighbourhood), and every identifier that merges records in
// g is held by no more than MaxShare records in the whole store (so the
// merge is one the whole graph makes too).
func (st *indexState) consistent(g *Graph, isNew map[string]bool) bool {
	hasNew := func(ids []string) bool { return slices.ContainsFunc(ids, func(id string) bool { return isNew[id] }) }
	for _, c := range g.Clusters {
		withNew := hasNew(c.IDs)
		for _, l := range c.Links {
			n := st.pop.holderCount(l.Kind, l.Value)
			if n < 0 {
				continue // a fuzzy link: the population's own
			}
			if n > st.pop.maxShare || (withNew && n != len(l.IDs)) {
				return false
			}
		}
	}
	for _, l := range g.Shared {
		if hasNew(l.IDs) {
			if n := st.pop.holderCount(l.Kind, l.Value); n >= 0 && n != len(l.IDs) {
				return false
			}
		}
	}
	return true
}

// fixedLinks is a FuzzyLinker of links found already: those among the
// people given.
type fixedLinks []Link

func (f fixedLinks) Links(people []Person) ([]Link, error) {
	have := make(map[string]bool, len(people))
	for i := range people {
		have[people[i].ID] = true
	}
	var out []Link
	for _, l := range f {
		if have[l.IDs[0]] && have[l.IDs[1]] {
			out = append(out, Link{Kind: l.Kind, IDs: slices.Clone(l.IDs), Score: l.Score, Why: l.Why})
		}
	}
	return out, nil
}
