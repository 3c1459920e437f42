package hiring

import (
	"cmp"
	"hash/maphash"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/bulwark-sec/bulwark"
)

// Kinds of Link the identity graph makes (Link.Kind).
const (
	LinkKindEmail        = "email"
	LinkKindPhone        = "phone"
	LinkKindNationalID   = "national_id"
	LinkKindBankAccount  = "bank_account"
	LinkKindDeviceSerial = "device_serial"
	LinkKindGitHub       = "github"
	LinkKindAddress      = "address"
	LinkKindIP           = "ip"
	LinkKindIdentity     = "identity"
	LinkKindResume       = "resume"
)

// DefaultMaxShare is LinkOptions.MaxShare when it is zero.
const DefaultMaxShare = 50

// FuzzyLinker finds records that belong to one person without sharing an
// identifier: a fuzzy match of name, birth date and address (Kind
// "identity") or near-duplicate resume text (Kind "resume"). Each Link
// names two or more of people's IDs and carries its similarity in Score.
// hiring/linkage implements it; the identity graph takes it as an option
// because that package builds on this one.
type FuzzyLinker interface {
	Links(people []Person) ([]Link, error)
}

// LinkOptions configure the identity graph.
type LinkOptions struct {
	// Fuzzy are the sources of fuzzy links; each link they return merges
	// its records' clusters. Nil means DefaultFuzzy() (hiring/linkage's
	// identity matcher and resume near-duplicates).
	Fuzzy []FuzzyLinker
	// ExactOnly turns the fuzzy linkers off: only shared identifiers link.
	ExactOnly bool
	// MaxShare bounds how many records one strong identifier may merge. A
	// value more records share (a recruiter's phone typed into every
	// application, a company's shared mailbox, a test serial) says little
	// about identity and would chain unrelated clusters together: it is
	// reported in Graph.Shared instead. Zero means DefaultMaxShare.
	MaxShare int
}

// SharedLink is a link that does not merge identities, with its sentence.
type SharedLink struct {
	Link
	// Reason says, in one sentence, what the records share.
	Reason string `json:"reason"`
}

// Rejected is an identifier of a record that is not a usable identifier
// (an e-mail that is not an address, a phone number that cannot exist in
// its country): reported so a person can fix it, never linked on.
type Rejected struct {
	ID string `json:"id"`
	// Kind is the identifier's link kind (email, phone, …).
	Kind string `json:"kind"`
	// Value is the identifier as given (at most bulwark.MaxEcho
	// characters of it).
	Value string `json:"value"`
	// Reason says what is wrong with it.
	Reason string `json:"reason"`
}

// Graph is the identity graph of a set of people records.
type Graph struct {
	// Clusters are the sets of two or more records taken to be one
	// identity, with the links that merged them; ordered by their first
	// id, ids ordered within each.
	Clusters []Cluster `json:"clusters"`
	// Shared are the weaker links: records sharing a home or shipping
	// address or a public IP address, and strong identifiers shared by more
	// than MaxShare records. They annotate, they do not merge; the rules
	// read them (several hires at one address, a laptop farm's network).
	Shared []SharedLink `json:"shared,omitempty"`
	// Rejected are identifiers that did not normalise, in input order.
	Rejected []Rejected `json:"rejected,omitempty"`
}

// LinkRecords returns the identity clusters of people: [BuildGraph]'s Clusters.
func LinkRecords(people []Person, opts LinkOptions) ([]Cluster, error) {
	g, err := BuildGraph(people, opts)
	if err != nil {
		return nil, err
	}
	return g.Clusters, nil
}

// BuildGraph builds the identity graph of people.
//
// Records that share a strong identifier are merged into one cluster
// (union-find): an e-mail address, a phone number, a national id, a bank
// account or IBAN, a device serial or a GitHub handle, each compared in its
// normalised form (see NormalizeEmail and the other normalisers). Each of
// these names one person or one person's property: two records holding the
// same one are the same person, or people sharing an account or a laptop,
// which the checks treat alike. The links of opts.Fuzzy (same person by
// name, birth date and address; near-duplicate resume) merge too.
//
// Records that share a weaker identifier are only annotated (Graph.Shared):
// a home or shipping address, and a public IP address. An office, a
// carrier-grade NAT or a VPN exit puts many honest people behind one IP,
// and a shared flat or a relocation agent's address puts several people at
// one address; merging on them would make one identity of different
// people. Several hires at one address is a laptop-farm signal for the
// rules to weigh, not proof of one identity. Private, loopback and other
// non-public IP addresses link nothing.
//
// An identifier that does not normalise is reported in Graph.Rejected and
// not linked on. An empty or duplicated id is an EINVALID error naming the
// id and the records' lines. The result does not depend on the order of
// people, except for which record's spelling a reason quotes.
func BuildGraph(people []Person, opts LinkOptions) (*Graph, error) {
	if len(people) > maxRecords {
		return nil, bulwark.Errorf(bulwark.ETOOLARGE, "%d records to link; at most %d at once", len(people), maxRecords)
	}
	maxShare := opts.MaxShare
	if maxShare <= 0 {
		maxShare = DefaultMaxShare
	}
	byID, err := indexIDs(people)
	if err != nil {
		return nil, err
	}
	b := newBuilder(people)
	b.index()
	uf := newUnionFind(len(people))
	g := &Graph{Rejected: b.rejected}
	for _, gr := range b.groups {
		if gr.kind.strong() && len(gr.members) <= maxShare {
			for _, m := range gr.members[1:] {
				uf.union(gr.members[0], m)
			}
		}
	}
	linkers := opts.Fuzzy
	if linkers == nil {
		linkers = DefaultFuzzy()
	}
	if opts.ExactOnly {
		linkers = nil
	}
	var fuzzy []Link
	for _, f := range linkers {
		links, err := f.Links(people)
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			members, err := resolve(l, byID)
			if err != nil {
				return nil, err
			}
			for _, m := range members[1:] {
				uf.union(members[0], m)
			}
			l.IDs = sortedIDs(people, members)
			fuzzy = append(fuzzy, l)
		}
	}

	// Clusters: components of two or more records.
	clusterOf := make(map[int32]int, 64)
	for i := range people {
		r := uf.find(int32(i))
		if uf.size[r] < 2 {
			continue
		}
		c, ok := clusterOf[r]
		if !ok {
			c = len(g.Clusters)
			clusterOf[r] = c
			g.Clusters = append(g.Clusters, Cluster{})
		}
		g.Clusters[c].IDs = append(g.Clusters[c].IDs, people[i].ID)
	}
	type item struct {
		link   Link
		reason string
	}
	items := make([][]item, len(g.Clusters))
	for _, gr := range b.groups {
		l := Link{Kind: gr.kind.String(), IDs: sortedIDs(people, gr.members), Value: gr.value, Score: 1}
		if gr.kind.strong() && len(gr.members) <= maxShare {
			c := clusterOf[uf.find(gr.members[0])]
			items[c] = append(items[c], item{l, gr.reason(people, maxShare)})
			continue
		}
		g.Shared = append(g.Shared, SharedLink{Link: l, Reason: gr.reason(people, maxShare)})
	}
	for _, l := range fuzzy {
		c := clusterOf[uf.find(byID[l.IDs[0]])]
		items[c] = append(items[c], item{l, fuzzyReason(l)})
	}
	for c := range g.Clusters {
		cl := &g.Clusters[c]
		slices.Sort(cl.IDs)
		slices.SortFunc(items[c], func(a, b item) int { return compareLinks(a.link, b.link) })
		for _, it := range items[c] {
			cl.Links = append(cl.Links, it.link)
			cl.Reasons = append(cl.Reasons, it.reason)
		}
	}
	slices.SortFunc(g.Clusters, func(a, b Cluster) int { return strings.Compare(a.IDs[0], b.IDs[0]) })
	slices.SortFunc(g.Shared, func(a, b SharedLink) int { return compareLinks(a.Link, b.Link) })
	return g, nil
}

// maxRecords bounds one call: record indices are int32.
const maxRecords = 1 << 30

// indexIDs maps each id to its record, refusing empty and duplicated ids.
func indexIDs(people []Person) (map[string]int32, error) {
	byID := make(map[string]int32, len(people))
	for i := range people {
		p := &people[i]
		if strings.TrimSpace(p.ID) == "" {
			return nil, bulwark.Invalid("id", "the record %s has no id; give every record a unique id", recordPlace(i, p.Line))
		}
		if j, dup := byID[p.ID]; dup {
			return nil, bulwark.Invalid("id", "%q is the id of two records (%s and %s); ids must be unique within an import",
				p.ID, recordPlace(int(j), people[j].Line), recordPlace(i, p.Line))
		}
		byID[p.ID] = int32(i)
	}
	return byID, nil
}

// recordPlace names a record by its line when known, else its position.
func recordPlace(i, line int) string {
	if line > 0 {
		return "on line " + strconv.Itoa(line)
	}
	return "number " + strconv.Itoa(i+1)
}

// resolve maps a fuzzy link's ids to records.
func resolve(l Link, byID map[string]int32) ([]int32, error) {
	if len(l.IDs) < 2 {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "a %s link names %d records; a link names two or more", l.Kind, len(l.IDs))
	}
	members := make([]int32, 0, len(l.IDs))
	for _, id := range l.IDs {
		m, ok := byID[id]
		if !ok {
			return nil, bulwark.Errorf(bulwark.EINTERNAL, "a %s link names %q, which is not among the records linked", l.Kind, id)
		}
		members = append(members, m)
	}
	return members, nil
}

// sortedIDs returns the ids of records in sorted order.
func sortedIDs(people []Person, records []int32) []string {
	ids := make([]string, len(records))
	for i, r := range records {
		ids[i] = people[r].ID
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// compareLinks orders links by kind (strong identifiers first, in the order
// of the kind constants), then value, then ids.
func compareLinks(a, b Link) int {
	return cmp.Or(
		cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)),
		strings.Compare(a.Kind, b.Kind),
		strings.Compare(a.Value, b.Value),
		slices.Compare(a.IDs, b.IDs),
	)
}

func kindRank(kind string) int {
	for k := range numKinds {
		if k.String() == kind {
			return int(k)
		}
	}
	switch kind {
	case LinkKindIdentity:
		return int(numKinds)
	case LinkKindResume:
		return int(numKinds) + 1
	}
	return int(numKinds) + 2
}

// idKind is a kind of identifier the graph indexes.
type idKind uint8

const (
	kEmail idKind = iota
	kPhone
	kNationalID
	kBankAccount
	kDeviceSerial
	kGitHub
	kAddress
	kIP
	numKinds
)

func (k idKind) String() string {
	return [...]string{LinkKindEmail, LinkKindPhone, LinkKindNationalID, LinkKindBankAccount,
		LinkKindDeviceSerial, LinkKindGitHub, LinkKindAddress, LinkKindIP}[k]
}

// strong reports whether records sharing an identifier of kind k merge.
func (k idKind) strong() bool { return k < kAddress }

// ident is one normalised identifier of a record.
type ident struct {
	kind  idKind
	value string
	raw   string
	note  string // e.g. "fails the IBAN check"
}

// identsOf normalises p's identifiers of kind only (numKinds: all), each
// (kind, value) once, appending to buf. reject, when not nil, receives each
// identifier that does not normalise.
func identsOf(p *Person, only idKind, buf []ident, reject func(kind idKind, raw, reason string)) []ident {
	start := len(buf)
	want := func(k idKind) bool { return only == numKinds || only == k }
	add := func(id ident) {
		for _, o := range buf[start:] {
			if o.kind == id.kind && o.value == id.value {
				return
			}
		}
		buf = append(buf, id)
	}
	bad := func(k idKind, raw, reason string) {
		if reject != nil {
			reject(k, raw, reason)
		}
	}
	for _, e := range p.Emails {
		if !want(kEmail) || strings.TrimSpace(e) == "" {
			continue
		}
		if v, ok := NormalizeEmail(e); ok {
			add(ident{kind: kEmail, value: v, raw: e})
		} else {
			bad(kEmail, e, "not an e-mail address")
		}
	}
	for _, ph := range p.Phones {
		if !want(kPhone) || strings.TrimSpace(ph) == "" {
			continue
		}
		if v, ok := NormalizePhone(ph, p.Country); ok {
			add(ident{kind: kPhone, value: v, raw: ph})
		} else if p.Country == "" {
			bad(kPhone, ph, "not a valid phone number (no country to read it in: give it with its +country code)")
		} else {
			bad(kPhone, ph, "not a valid phone number in "+strings.ToUpper(p.Country))
		}
	}
	if want(kNationalID) && strings.TrimSpace(p.NationalID) != "" {
		if v, ok := NormalizeNationalID(p.NationalID); ok {
			add(ident{kind: kNationalID, value: v, raw: p.NationalID})
		} else {
			bad(kNationalID, p.NationalID, "not a national id number (a placeholder, too short or with stray characters)")
		}
	}
	for _, a := range p.BankAccounts {
		if !want(kBankAccount) || strings.TrimSpace(a) == "" {
			continue
		}
		acc, ok := NormalizeBankAccount(a)
		if !ok {
			bad(kBankAccount, a, "not an account number (a placeholder, too short or with stray characters)")
			continue
		}
		id := ident{kind: kBankAccount, value: acc.Value, raw: a}
		if acc.IBAN && !acc.Valid {
			id.note = "an IBAN that fails the ISO 13616 check"
		}
		add(id)
	}
	for _, s := range p.DeviceSerials {
		if !want(kDeviceSerial) || strings.TrimSpace(s) == "" {
			continue
		}
		if v, ok := NormalizeSerial(s); ok {
			add(ident{kind: kDeviceSerial, value: v, raw: s})
		} else {
			bad(kDeviceSerial, s, "not a device serial (a firmware placeholder, too short or with stray characters)")
		}
	}
	if want(kGitHub) && strings.TrimSpace(p.GitHub) != "" {
		if v, ok := NormalizeGitHub(p.GitHub); ok {
			add(ident{kind: kGitHub, value: v, raw: p.GitHub})
		} else {
			bad(kGitHub, p.GitHub, "not a GitHub handle (1–39 letters, digits and single hyphens)")
		}
	}
	for _, a := range [...]string{p.HomeAddress, p.ShippingAddress} {
		if !want(kAddress) {
			break
		}
		if v := NormalizeAddress(a); v != "" {
			add(ident{kind: kAddress, value: v, raw: a})
		}
	}
	for _, s := range p.IPs {
		if !want(kIP) || strings.TrimSpace(s) == "" {
			continue
		}
		a, ok := NormalizeIP(s)
		if !ok {
			bad(kIP, s, "not an IP address")
			continue
		}
		if linkableIP(a) {
			add(ident{kind: kIP, value: a.String(), raw: s})
		}
	}
	return buf
}

// group is one identifier value two or more records share.
type group struct {
	kind    idKind
	value   string
	raw     string // as the first record gave it
	note    string
	members []int32 // in input order
}

// reason is the group's sentence.
func (g *group) reason(people []Person, maxShare int) string {
	var b strings.Builder
	b.WriteString(joinIDs(sortedIDs(people, g.members)))
	// The value is each record's identifier: the sentence names its kind
	// and at most its last four characters, as flags do (sharedValue).
	b.WriteString(" share ")
	if g.kind == kAddress {
		b.WriteString("an address") // a home or shipping address
	} else {
		b.WriteString(sharedValue(g.kind.String(), g.value))
	}
	if g.note != "" {
		b.WriteString(", ")
		b.WriteString(g.note)
	}
	if g.kind.strong() && len(g.members) > maxShare {
		b.WriteString("; more than ")
		b.WriteString(strconv.Itoa(maxShare))
		b.WriteString(" records share it, so it does not make them one identity")
	}
	return b.String()
}

// fuzzyReason is the sentence of a fuzzy link.
func fuzzyReason(l Link) string {
	score := strconv.FormatFloat(l.Score, 'f', 2, 64)
	switch l.Kind {
	case LinkKindIdentity:
		if l.Why != "" {
			return joinIDs(l.IDs) + " match as one person (score " + score + ": " + l.Why + ")"
		}
		return joinIDs(l.IDs) + " match as one person by name, birth date and address (score " + score + ")"
	case LinkKindResume:
		return joinIDs(l.IDs) + " have near-duplicate resume text (similarity " + score + ")"
	}
	return joinIDs(l.IDs) + " are linked by " + l.Kind + " (score " + score + ")"
}

// maxNamed is how many ids a reason names before "and N more".
const maxNamed = 10

// joinIDs writes "A", "A and B", "A, B and C", or the first maxNamed ids
// and "N more".
func joinIDs(ids []string) string {
	switch {
	case len(ids) == 1:
		return ids[0]
	case len(ids) > maxNamed:
		return strings.Join(ids[:maxNamed], ", ") + " and " + strconv.Itoa(len(ids)-maxNamed) + " more records"
	}
	return strings.Join(ids[:len(ids)-1], ", ") + " and " + ids[len(ids)-1]
}

// builder indexes the identifiers of people.
type builder struct {
	people []Person
	// more are records added after people (Population.Add): record
	// len(people)+k is more[k].
	more []Person
	seed maphash.Seed
	// first maps a hash of (kind, value) to the first record holding it.
	first map[uint64]int32
	// exact holds the (kind, value) pairs whose hash collided with another
	// pair's, keyed by kind byte + value.
	exact map[string]int32
	// groupOf maps kind byte + value to its group, for shared values only.
	groupOf  map[string]int32
	groups   []*group
	rejected []Rejected
}

func newBuilder(people []Person) *builder {
	n := 0
	for i := range people {
		p := &people[i]
		n += len(p.Emails) + len(p.Phones) + len(p.BankAccounts) + len(p.DeviceSerials) + len(p.IPs)
		for _, v := range [...]string{p.NationalID, p.GitHub, p.HomeAddress, p.ShippingAddress} {
			if v != "" {
				n++
			}
		}
	}
	return &builder{
		people:  people,
		seed:    maphash.MakeSeed(),
		first:   make(map[uint64]int32, n),
		exact:   map[string]int32{},
		groupOf: map[string]int32{},
	}
}

// batchSize is how many records are normalised at once (in parallel)
// before their identifiers are indexed (in order).
const batchSize = 4096

// index normalises every record's identifiers, on every core, and indexes
// them in input order.
func (b *builder) index() {
	workers := max(1, runtime.GOMAXPROCS(0))
	type result struct {
		ids      []ident
		rejected []Rejected
	}
	batch := make([]result, batchSize)
	var h maphash.Hash
	h.SetSeed(b.seed)
	for start := 0; start < len(b.people); start += batchSize {
		end := min(start+batchSize, len(b.people))
		var wg sync.WaitGroup
		chunk := (end - start + workers - 1) / workers
		for w := range workers {
			lo, hi := start+w*chunk, min(start+(w+1)*chunk, end)
			if lo >= hi {
				break
			}
			wg.Go(func() {
				for i := lo; i < hi; i++ {
					r := &batch[i-start]
					p := &b.people[i]
					r.rejected = r.rejected[:0]
					r.ids = identsOf(p, numKinds, r.ids[:0], func(k idKind, raw, reason string) {
						r.rejected = append(r.rejected, Rejected{ID: p.ID, Kind: k.String(), Value: bulwark.Echo(raw), Reason: reason})
					})
				}
			})
		}
		wg.Wait()
		for i := start; i < end; i++ {
			r := &batch[i-start]
			b.rejected = append(b.rejected, r.rejected...)
			for _, id := range r.ids {
				b.add(&h, int32(i), id)
			}
		}
	}
}

// add indexes one identifier of record rec.
func (b *builder) add(h *maphash.Hash, rec int32, id ident) {
	h.Reset()
	h.WriteByte(byte(id.kind))
	h.WriteString(id.value)
	sum := h.Sum64()
	f, seen := b.first[sum]
	if !seen {
		b.first[sum] = rec
		return
	}
	if f == rec {
		return
	}
	// The hash was seen: the same value, or (rarely) a collision. Check
	// against the first record's own identifiers.
	first, same := b.holds(f, id)
	if !same {
		key := string(rune(id.kind)) + id.value
		f2, ok := b.exact[key]
		if !ok {
			b.exact[key] = rec
			return
		}
		f = f2
		first, _ = b.holds(f, id)
	}
	key := string(rune(id.kind)) + id.value
	gi, ok := b.groupOf[key]
	if !ok {
		gi = int32(len(b.groups))
		b.groupOf[key] = gi
		b.groups = append(b.groups, &group{kind: id.kind, value: id.value, raw: first.raw, note: cmp.Or(first.note, id.note), members: []int32{f}})
	}
	gr := b.groups[gi]
	if gr.members[len(gr.members)-1] != rec {
		gr.members = append(gr.members, rec)
	}
}

// holds returns record rec's identifier equal to id, if it has one.
func (b *builder) holds(rec int32, id ident) (ident, bool) {
	p := b.more
	if int(rec) < len(b.people) {
		p = b.people[rec : rec+1]
	} else {
		p = p[int(rec)-len(b.people):]
	}
	for _, o := range identsOf(&p[0], id.kind, nil, nil) {
		if o.kind == id.kind && o.value == id.value {
			return o, true
		}
	}
	return ident{}, false
}

// unionFind is a disjoint-set forest over record indices, with union by
// size and path halving.
type unionFind struct {
	parent []int32
	size   []int32
}

func newUnionFind(n int) *unionFind {
	u := &unionFind{parent: make([]int32, n), size: make([]int32, n)}
	for i := range u.parent {
		u.parent[i] = int32(i)
		u.size[i] = 1
	}
	return u
}

func (u *unionFind) find(x int32) int32 {
	for u.parent[x] != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = u.parent[x]
	}
	return x
}

func (u *unionFind) union(a, b int32) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return
	}
	if u.size[ra] < u.size[rb] {
		ra, rb = rb, ra
	}
	u.parent[rb] = ra
	u.size[ra] += u.size[rb]
}
