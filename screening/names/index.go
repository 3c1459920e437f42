package names

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Record is one listed party as the name index sees it. It is independent
// of the list model: adapters build Records from screening.Entity or any
// other source.
type Record struct {
	// ID identifies the record in results (e.g. "ofac-sdn:36216").
	ID string
	// Type is person, organization, vessel, aircraft or unknown ("" is
	// unknown).
	Type string
	// Names are the record's names, primary first.
	Names []Name
	// DatesOfBirth are "YYYY-MM-DD", "YYYY-MM" or "YYYY".
	DatesOfBirth []string
	// Countries are ISO 3166-1 alpha-2 codes (nationality, citizenship,
	// address), any case.
	Countries []string
	// IDs are identity document or registration numbers. The name score does not
	// score them; they are kept for callers that show the record.
	IDs []string
}

// Name is one name of a record.
type Name struct {
	Value string
	// Weak marks an OFAC "weak AKA" or a UN "low quality" alias; a match
	// through it is lowered by [PenaltyWeakAlias].
	Weak bool
}

// Query is one name to screen.
type Query struct {
	Name string
	// Type is person, organization, vessel, aircraft or "" (unknown).
	Type string
	// DateOfBirth is "YYYY-MM-DD", "YYYY-MM", "YYYY" or "".
	DateOfBirth string
	// Country is an ISO 3166-1 alpha-2 code or "".
	Country string
	// Limit caps the matches returned; 0 means 10, at most 1000.
	Limit int
	// MinScore drops matches scoring below it; 0 returns the best Limit
	// matches whatever their score. Names that cannot reach it are not
	// scored, so a MinScore also makes the search cheaper.
	MinScore float64
}

// Match is one record found for a query.
type Match struct {
	RecordID string `json:"recordId"`
	// Score is in [0,1]; compare it with [ReviewThreshold].
	Score float64 `json:"score"`
	// MatchedName is the record's name that matched best, as listed.
	MatchedName string `json:"matchedName"`
	// Weak says MatchedName is a weak alias.
	Weak        bool        `json:"weak,omitempty"`
	Explanation Explanation `json:"explanation"`
}

// Feature contributions Search adds to the name score. Each appears in the
// Explanation when it applies.
const (
	// PenaltyWeakAlias lowers a match made through a weak alias.
	PenaltyWeakAlias = -0.10
	// BonusDOBExact: the query's full date of birth equals one of the
	// record's.
	BonusDOBExact = 0.10
	// BonusDOBMonth: same year and month (one side has no day, or days
	// differ).
	BonusDOBMonth = 0.06
	// BonusDOBYear: same year.
	BonusDOBYear = 0.04
	// PenaltyDOBNear: the years differ by one (a typo or a year-only
	// date).
	PenaltyDOBNear = -0.03
	// PenaltyDOBMismatch: every recorded year differs by more than one.
	PenaltyDOBMismatch = -0.20
	// BonusCountry: the query country is one of the record's countries.
	BonusCountry = 0.03
	// PenaltyCountry: the record has countries and the query's is not one.
	PenaltyCountry = -0.05
	// PenaltyType: the query and the record are of different known types
	// (a person against an organization, a vessel…).
	PenaltyType = -0.15
)

// Candidate generation bounds.
const (
	// candidatesK is how many names, ranked by shared blocking-key weight,
	// get the full scorer.
	candidatesK = 150
	// maxPosting skips blocking keys shared by more names than this
	// fraction of the index (e.g. "mohammed", "kim"); the pair keys still
	// find names made of frequent tokens.
	maxPostingFraction = 0.03
	minMaxPosting      = 300
	// postingBudget caps the postings one query reads.
	postingBudget = 60000
	// maxPairTokens: pair keys are made among this many leading words.
	maxPairTokens = 6
	defaultLimit  = 10
	maxLimit      = 1000
)

// Index is an immutable name index over records. It is safe for
// concurrent Search.
type Index struct {
	records []record
	names   []indexedName
	toks    []token // interned tokens
	shapes  []shape // shapeOf(&toks[i])
	keys    []uint64
	offs    []uint32
	posts   []int32
	// prefix[b] is the first index in keys of a key whose top bits (the
	// key shifted right by prefixShift) are b or more: a lookup searches
	// only the few keys of its bucket.
	prefix      []uint32
	prefixShift uint
	maxDF       int
	scratch     sync.Pool
}

type record struct {
	id        string
	typ       string
	dobs      []date
	countries []string
}

type indexedName struct {
	rec  int32
	weak bool
	// dups has bit i set when token i is spelled as another token of the
	// name (its leftover weight is discounted, see leftover).
	dups uint32
	raw  string
	norm string
	ids  []int32 // interned token ids: Index.toks[ids[i]] is token i
}

// Len returns the number of records and of names indexed.
func (ix *Index) Len() (records, names int) { return len(ix.records), len(ix.names) }

// Build indexes records. Records without a usable name are kept (they
// cannot match by name). Build does not keep references to the slices in
// records.
//
// Build sizes what it keeps exactly and keeps its garbage low: names are
// tokenized with per-worker scratch buffers, tokens are interned, and the
// blocking keys are counted first, then written once into the postings
// array and sorted in place.
func Build(records []Record) *Index {
	ix := &Index{records: make([]record, len(records))}
	type job struct{ rec, name int32 }
	nj := 0
	for i := range records {
		r := &records[i]
		ix.records[i] = record{id: r.ID, typ: canonicalType(r.Type), countries: upperAll(r.Countries), dobs: parseDates(r.DatesOfBirth)}
		for _, n := range r.Names {
			if strings.TrimSpace(n.Value) != "" {
				nj++
			}
		}
	}
	jobs := make([]job, 0, nj)
	for i := range records {
		for k, n := range records[i].Names {
			if strings.TrimSpace(n.Value) != "" {
				jobs = append(jobs, job{int32(i), int32(k)})
			}
		}
	}
	nameOf := func(j job) *Name { return &records[j.rec].Names[j.name] }

	// Tokenize and intern in parallel. The interned ids are then
	// renumbered in the order of first occurrence (record order), which
	// keeps the index independent of scheduling.
	type prep struct {
		norm string
		ids  []int32 // ids in the intern table
	}
	prepared := make([]prep, len(jobs))
	workers := runtime.GOMAXPROCS(0)
	tab := newInternTable(len(jobs))
	parallel(workers, func(w int) {
		var tz tokenizer
		var toks tokenArena
		var ids idArena
		for k := w; k < len(jobs); k += workers {
			ts := tz.tokenize(nameOf(jobs[k]).Value)
			if len(ts) == 0 {
				continue
			}
			p := prep{norm: tz.norm(ts), ids: ids.alloc(len(ts))}
			for t := range ts {
				p.ids[t] = tab.intern(&ts[t], &toks)
			}
			prepared[k] = p
		}
	})

	nn, nt := 0, 0
	for k := range prepared {
		if n := len(prepared[k].ids); n > 0 {
			nn++
			nt += n
		}
	}
	ix.names = make([]indexedName, 0, nn)
	ids := make([]int32, nt)
	renum := tab.renumbering()
	ix.toks = make([]token, len(renum))
	next := int32(0)
	for k, j := range jobs {
		p := &prepared[k]
		if len(p.ids) == 0 {
			continue
		}
		nm := nameOf(j)
		in := indexedName{rec: j.rec, weak: nm.Weak, raw: nm.Value, norm: p.norm, ids: ids[:len(p.ids):len(p.ids)]}
		ids = ids[len(p.ids):]
		for t, id := range p.ids {
			r := &renum[tab.index(id)]
			if *r < 0 {
				*r = next
				ix.toks[next] = *tab.token(id)
				next++
			}
			in.ids[t] = *r
		}
		in.dups = dupMask(ix.toks, in.ids)
		ix.names = append(ix.names, in)
	}
	ix.shapes = make([]shape, len(ix.toks))
	for i := range ix.toks {
		ix.shapes[i] = shapeOf(&ix.toks[i])
	}

	// Blocking keys: counted per name, then written name by name (key and
	// name side by side) and sorted by key.
	nkeys := make([]uint32, nn+1)
	parallel(workers, func(w int) {
		var kb keyBuf
		for n := w; n < nn; n += workers {
			nkeys[n+1] = uint32(len(kb.nameKeys(ix, n)))
		}
	})
	for n := range nn {
		nkeys[n+1] += nkeys[n]
	}
	total := int(nkeys[nn])
	keys := make([]uint64, total)
	ix.posts = make([]int32, total)
	parallel(workers, func(w int) {
		var kb keyBuf
		for n := w; n < nn; n += workers {
			off, end := nkeys[n], nkeys[n+1]
			copy(keys[off:end], kb.nameKeys(ix, n))
			for i := off; i < end; i++ {
				ix.posts[i] = int32(n)
			}
		}
	})
	sortPostings(keys, ix.posts, workers)
	distinct := 0
	for i := range keys {
		if i == 0 || keys[i] != keys[i-1] {
			distinct++
		}
	}
	ix.keys = make([]uint64, 0, distinct)
	ix.offs = make([]uint32, 0, distinct+1)
	for i, k := range keys {
		if i == 0 || k != keys[i-1] {
			ix.keys = append(ix.keys, k)
			ix.offs = append(ix.offs, uint32(i))
		}
	}
	ix.offs = append(ix.offs, uint32(total))
	ix.buildPrefix()
	ix.maxDF = max(minMaxPosting, int(maxPostingFraction*float64(len(ix.names))))
	n := len(ix.names)
	ix.scratch.New = func() any { return newScratch(n) }
	return ix
}

// parallel runs f(0) … f(workers-1) concurrently and waits for them.
func parallel(workers int, f func(w int)) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { f(w) })
	}
	wg.Wait()
}

// internTable interns tokens concurrently: a token's string picks one of
// internShards shards, each a map under its own lock. An id is the
// token's index in its shard times internShards plus the shard.
type internTable struct {
	shards [internShards]internShard
	base   [internShards]int // set by renumbering
}

const internShards = 64

type internShard struct {
	mu   sync.Mutex
	ids  map[tokenKey]int32
	toks []*token
}

// newInternTable sizes the shards for the tokens of names names (about
// one distinct token for two names on the sanctions lists).
func newInternTable(names int) *internTable {
	tab := &internTable{}
	for i := range tab.shards {
		tab.shards[i].ids = make(map[tokenKey]int32, names/2/internShards)
	}
	return tab
}

// intern returns the id of t's key, storing a copy of t in arena the
// first time the key is seen. The fields a tokenKey leaves out (phon, kor,
// skel, mask) are functions of those it holds, so whichever occurrence is
// stored stands for all.
func (tab *internTable) intern(t *token, arena *tokenArena) int32 {
	shard := int32(hashAdd(uint64(fnvOffset), t.s) >> 32 % internShards)
	sh := &tab.shards[shard]
	tk := keyOf(t)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	id, ok := sh.ids[tk]
	if !ok {
		id = int32(len(sh.toks))*internShards + shard
		sh.ids[tk] = id
		sh.toks = append(sh.toks, arena.add(t))
	}
	return id
}

func (tab *internTable) token(id int32) *token {
	return tab.shards[id%internShards].toks[id/internShards]
}

// renumbering returns a slice of -1 with one entry per interned token;
// index maps an id to its entry.
func (tab *internTable) renumbering() []int32 {
	n := 0
	for i := range tab.shards {
		sh := &tab.shards[i]
		sh.ids = nil // no longer needed
		tab.base[i] = n
		n += len(sh.toks)
	}
	r := make([]int32, n)
	for i := range r {
		r[i] = -1
	}
	return r
}

// index numbers ids densely: shard by shard, in order of insertion.
func (tab *internTable) index(id int32) int {
	return tab.base[id%internShards] + int(id/internShards)
}

// tokenArena stores tokens in chunks (no slice copied on growth).
type tokenArena struct{ chunk []token }

func (a *tokenArena) add(t *token) *token {
	if len(a.chunk) == cap(a.chunk) {
		a.chunk = make([]token, 0, 256)
	}
	a.chunk = append(a.chunk, *t)
	return &a.chunk[len(a.chunk)-1]
}

// idArena hands out token-id slices from shared chunks.
type idArena struct{ chunk []int32 }

func (a *idArena) alloc(n int) []int32 {
	if cap(a.chunk)-len(a.chunk) < n {
		a.chunk = make([]int32, 0, max(4096, n))
	}
	m := len(a.chunk)
	a.chunk = a.chunk[:m+n]
	return a.chunk[m : m+n : m+n]
}

// keyBuf is a worker's scratch space for the blocking keys of names.
type keyBuf struct {
	toks []token
	keys []uint64
}

// nameKeys returns the distinct blocking keys of indexed name n, sorted;
// they are valid until the next call.
func (kb *keyBuf) nameKeys(ix *Index, n int) []uint64 {
	kb.toks = ix.nameToks(&ix.names[n], kb.toks[:0])
	kb.keys = indexKeys(kb.toks, kb.keys[:0])
	slices.Sort(kb.keys)
	kb.keys = slices.Compact(kb.keys)
	return kb.keys
}

// nameToks appends the tokens of an indexed name to buf.
func (ix *Index) nameToks(in *indexedName, buf []token) []token {
	for _, id := range in.ids {
		buf = append(buf, ix.toks[id])
	}
	return buf
}

// tokenKey identifies an interned token.
type tokenKey struct {
	s     string
	kind  tokKind
	w     float64
	abjad bool
	cyr   bool
	cjk   bool
	han   bool
	paren bool
}

func keyOf(t *token) tokenKey {
	return tokenKey{s: t.s, kind: t.kind, w: t.w, abjad: t.abjad, cyr: t.cyr, cjk: t.cjk, han: t.han, paren: t.paren}
}

// sortPostings sorts keys in place, moving posts along, and the posts of
// equal keys in increasing order: an in-place MSD radix sort (American
// flag sort, a byte a pass) whose top-level buckets are sorted in
// parallel.
func sortPostings(keys []uint64, posts []int32, workers int) {
	if len(keys) <= insertionSortMax {
		insertionSortPostings(keys, posts)
		return
	}
	b := flagPartition(keys, posts, 56)
	parallel(workers, func(w int) {
		for d := w; d < 256; d += workers {
			sortPostingsFrom(keys[b[d]:b[d+1]], posts[b[d]:b[d+1]], 48)
		}
	})
}

const insertionSortMax = 32

func sortPostingsFrom(keys []uint64, posts []int32, shift int) {
	switch {
	case len(keys) <= insertionSortMax:
		insertionSortPostings(keys, posts)
		return
	case shift < 0: // every byte read: the keys are equal
		slices.Sort(posts)
		return
	}
	b := flagPartition(keys, posts, uint(shift))
	for d := range 256 {
		if b[d+1]-b[d] > 1 {
			sortPostingsFrom(keys[b[d]:b[d+1]], posts[b[d]:b[d+1]], shift-8)
		}
	}
}

// flagPartition permutes keys (and posts) in place into 256 buckets by the
// key byte at shift and returns the bucket bounds.
func flagPartition(keys []uint64, posts []int32, shift uint) (bounds [257]int) {
	var count, next [256]int
	for _, k := range keys {
		count[byte(k>>shift)]++
	}
	pos := 0
	for d := range 256 {
		bounds[d], next[d] = pos, pos
		pos += count[d]
	}
	bounds[256] = pos
	for d := range 256 {
		for end := bounds[d+1]; next[d] < end; next[d]++ {
			i := next[d]
			k, p := keys[i], posts[i]
			for e := int(byte(k >> shift)); e != d; e = int(byte(k >> shift)) {
				j := next[e]
				next[e]++
				keys[j], k = k, keys[j]
				posts[j], p = p, posts[j]
			}
			keys[i], posts[i] = k, p
		}
	}
	return bounds
}

func insertionSortPostings(keys []uint64, posts []int32) {
	for i := 1; i < len(keys); i++ {
		k, p := keys[i], posts[i]
		j := i
		for ; j > 0 && (keys[j-1] > k || keys[j-1] == k && posts[j-1] > p); j-- {
			keys[j], posts[j] = keys[j-1], posts[j-1]
		}
		keys[j], posts[j] = k, p
	}
}

// postingRange returns the bounds of key's postings in ix.posts (equal
// when no name holds key).
func (ix *Index) postingRange(key uint64) (lo, hi uint32) {
	b := key >> ix.prefixShift
	from, to := ix.prefix[b], ix.prefix[b+1]
	i, ok := slices.BinarySearch(ix.keys[from:to], key)
	if !ok {
		return 0, 0
	}
	i += int(from)
	return ix.offs[i], ix.offs[i+1]
}

// buildPrefix fills ix.prefix with about one bucket per keysPerBucket keys
// (keys are hashes, so buckets fill evenly).
func (ix *Index) buildPrefix() {
	bits := uint(1)
	for bits < maxPrefixBits && len(ix.keys)>>bits > keysPerBucket {
		bits++
	}
	ix.prefixShift = 64 - bits
	ix.prefix = make([]uint32, 1<<bits+1)
	b := 0
	for i, k := range ix.keys {
		for ; b <= int(k>>ix.prefixShift); b++ {
			ix.prefix[b] = uint32(i)
		}
	}
	for ; b < len(ix.prefix); b++ {
		ix.prefix[b] = uint32(len(ix.keys))
	}
}

const (
	keysPerBucket = 4
	maxPrefixBits = 22
)

// Blocking key spaces.
const (
	keyExact byte = iota + 1 // phonetic key of a token or of joined adjacent tokens
	keyDel                   // phonetic key with one letter deleted
	keyKor                   // romanised-Korean key
	keySkel                  // consonant skeleton
	keyPair                  // unordered pair of tokens of one name
)

// Blocking key weights (times the key's IDF).
const (
	wKeyExact   = 1.0
	wKeyDel     = 0.6
	wKeyKor     = 0.9
	wKeySkel    = 0.5
	wKeyPair    = 0.8
	minDelLen   = 3
	maxDelLen   = 16
	maxJoinLen  = 16
	maxTripleLn = 12
	// delDFDivisor: deletion keys are skipped from maxDF/delDFDivisor
	// postings.
	delDFDivisor = 4
)

// FNV-1a over the key space byte and the key's bytes.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashStart(space byte) uint64 { return (fnvOffset ^ uint64(space)) * fnvPrime }

func hashAdd[S string | []byte](h uint64, s S) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashKey(space byte, s string) uint64 { return hashAdd(hashStart(space), s) }

// hashDel hashes s without its byte at skip.
func hashDel(s string, skip int) uint64 { return hashSkip(keyDel, s, skip) }

// hashSkip is hashKey(space, s) with s's byte at skip left out.
func hashSkip(space byte, s string, skip int) uint64 {
	h := hashStart(space)
	for i := 0; i < len(s); i++ {
		if i == skip {
			continue
		}
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// hashPair hashes the unordered pair as a, 0, b with a ≤ b.
func hashPair(a, b string) uint64 {
	if b < a {
		a, b = b, a
	}
	h := hashAdd(hashStart(keyPair), a)
	h *= fnvPrime // ^= 0
	return hashAdd(h, b)
}

// hashKor hashes a Korean key with every NK read N (relaxKor).
func hashKor[S string | []byte](k S) uint64 {
	h := hashStart(keyKor)
	for i := 0; i < len(k); i++ {
		h ^= uint64(k[i])
		h *= fnvPrime
		if k[i] == 'N' && i+1 < len(k) && k[i+1] == 'K' {
			i++
		}
	}
	return h
}

// blockable reports whether a token gets blocking keys of its own.
// Numbers of one or two digits do too (a vessel's "Star 18" is found by
// its number when a typo hides its word); keys too frequent to help are
// skipped at search time.
func blockable(t *token) bool {
	return t.kind == kindWord || t.kind == kindNumber
}

// spellings returns the forms of a token that get exact and deletion
// keys: its phonetic key and, when it differs, its spelling. The phonetic
// key folds spelling variants, but it can turn one typo into two edits
// ("diision" collapses to "dision", "offica" reads k where "office" reads
// s); one of the two forms keeps the typo one edit from the listed word.
func spellings(t *token) ([2]string, int) {
	if t.s != t.phon && t.kind == kindWord {
		return [2]string{t.phon, t.s}, 2
	}
	return [2]string{t.phon}, 1
}

// indexKeys appends the blocking keys of an indexed name.
func indexKeys(toks []token, out []uint64) []uint64 {
	for i := range toks {
		t := &toks[i]
		if !blockable(t) {
			continue
		}
		forms, nf := spellings(t)
		for _, f := range forms[:nf] {
			out = append(out, hashKey(keyExact, f))
			if l := len(f); l >= minDelLen && l <= maxDelLen {
				for d := 0; d < l; d++ {
					out = append(out, hashDel(f, d))
				}
			}
		}
		if t.kor != "" {
			out = append(out, hashKor(t.kor))
		}
		if len(t.skel) >= 2 {
			out = append(out, hashKey(keySkel, t.skel))
		}
	}
	out = appendJoinKeys(toks, out)
	out = appendPairKeys(toks, out)
	return out
}

// appendJoinKeys adds the phonetic keys of adjacent tokens joined (2, and
// 3 when short), so "Kim Jong Un" is found by "Kim Jongun" and the
// reverse.
func appendJoinKeys(toks []token, out []uint64) []uint64 {
	var jb [maxJoinLen]byte
	var pb [2 * maxJoinLen]byte
	joinKey := func(ts []token) uint64 {
		j := jb[:0]
		for k := range ts {
			j = append(j, ts[k].s...)
		}
		return hashAdd(hashStart(keyExact), appendPhonetic(pb[:0], j))
	}
	for i := 0; i+1 < len(toks); i++ {
		if !mergeable(&toks[i]) || !mergeable(&toks[i+1]) {
			continue
		}
		l2 := len(toks[i].s) + len(toks[i+1].s)
		if l2 <= maxJoinLen {
			out = append(out, joinKey(toks[i:i+2]))
		}
		if i+2 < len(toks) && mergeable(&toks[i+2]) && l2+len(toks[i+2].s) <= maxTripleLn {
			out = append(out, joinKey(toks[i:i+3]))
		}
	}
	return out
}

// appendPairKeys adds a key per unordered pair of the leading words.
func appendPairKeys(toks []token, out []uint64) []uint64 {
	var ws [maxPairTokens]string
	n := 0
	for i := range toks {
		if toks[i].kind == kindWord && n < maxPairTokens {
			ws[n] = toks[i].phon
			n++
		}
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if ws[i] != ws[j] {
				out = append(out, hashPair(ws[i], ws[j]))
			}
		}
	}
	return out
}

// scratch is per-search working memory, pooled.
type scratch struct {
	// accs[n] is name n's accumulated blocking weight, the weight of
	// its best key in the current group and that group (-1: none yet),
	// side by side so that a posting touches one cache line.
	accs    []accum
	touched []int32
	// memo caches token similarities for one query: the entries of
	// interned token t are memo[slot*nq:][:nq], one per query token, where
	// slots maps t to its slot once t is met (memoToks lists the tokens
	// met).
	memo     []simEntry
	slot     slotTable
	memoToks []int32
	// boundMasks[slot] is boundMask's mask, when boundMasked[slot].
	boundMasks  []uint32
	boundMasked []bool
	al          alignBuf
	probes      []probe
	cands       []uint64
	lookups     []lookup
	keys        []uint64
	merges      map[mergeKey]float64 // mayReach's joined-span similarities
	cjoins      map[[3]int32]token   // joinedIDs
	bound       nameBound            // mayReach's state
	// qjoins[from][to-from-2] is the query's span joined, when qjoined
	// says so.
	qjoins  [maxTokens][2]token
	qjoined [maxTokens][2]bool
	// qshapes is the query's queryShapes, when qshaped.
	qshapes queryShapes
	qshaped bool
	slots   map[int32]int
	ctoks   []token // the tokens of the candidate being scored
}

type simEntry struct {
	sim   float64
	ub    float64 // tokenSimBound, when ubSet
	kind  matchKind
	set   bool
	ubSet bool
}

// accum is a name's blocking-key accumulator (see scratch.accs).
type accum struct {
	acc, best float32
	group     int32
}

// slotTable maps the interned tokens a query meets (a few hundred) to
// their memo slots: a small open-addressing table that stays in cache,
// where an array over every interned token would miss it at each token.
// keys[i] is a token id + 1 (0: empty); the table is at most half full.
type slotTable struct {
	keys, slots []int32
	n           int
}

func (st *slotTable) pos(t int32) int {
	return int(uint32(t) * 0x9E3779B1 >> 8 & uint32(len(st.keys)-1))
}

// get returns t's slot, -1 when t has none.
func (st *slotTable) get(t int32) int32 {
	if len(st.keys) == 0 {
		return -1
	}
	for i := st.pos(t); ; i = (i + 1) & (len(st.keys) - 1) {
		switch st.keys[i] {
		case t + 1:
			return st.slots[i]
		case 0:
			return -1
		}
	}
}

// put gives t (which has none) slot sl.
func (st *slotTable) put(t, sl int32) {
	if 2*(st.n+1) > len(st.keys) {
		old, olds := st.keys, st.slots
		size := max(256, 2*len(old))
		st.keys, st.slots, st.n = make([]int32, size), make([]int32, size), 0
		for i, k := range old {
			if k != 0 {
				st.put(k-1, olds[i])
			}
		}
	}
	i := st.pos(t)
	for st.keys[i] != 0 {
		i = (i + 1) & (len(st.keys) - 1)
	}
	st.keys[i], st.slots[i] = t+1, sl
	st.n++
}

// clear empties the table; ts are the tokens it holds.
func (st *slotTable) clear(ts []int32) {
	if len(ts) > len(st.keys)/8 {
		clear(st.keys)
	} else {
		for _, t := range ts {
			i := st.pos(t)
			for st.keys[i] != t+1 {
				i = (i + 1) & (len(st.keys) - 1)
			}
			st.keys[i] = 0
		}
	}
	st.n = 0
}

// entry returns the memo entry of interned token t against query token i
// (of nq).
func (s *scratch) entry(t int32, i, nq int) *simEntry {
	sl := s.slot.get(t)
	if sl < 0 {
		sl = s.newSlot(t, nq)
	}
	return &s.memo[int(sl)*nq+i]
}

// newSlot gives interned token t its memo entries.
func (s *scratch) newSlot(t int32, nq int) int32 {
	sl := int32(len(s.memo) / nq)
	s.slot.put(t, sl)
	s.memoToks = append(s.memoToks, t)
	s.memo = append(s.memo, make([]simEntry, nq)...)
	s.boundMasks = append(s.boundMasks, 0)
	s.boundMasked = append(s.boundMasked, false)
	return sl
}

// boundMask returns the memo entries of interned token t (tok, of shape
// tsh) against the query's tokens (of shapes qsh), each with its
// tokenSimBound (computed from their shapes where they tell), and a mask of the query
// tokens whose bound is at least minPairSim (a superset of those whose
// similarity is).
func (s *scratch) boundMask(t int32, tok *token, tsh *shape, q []token, qsh []shape) ([]simEntry, uint32) {
	nq := len(q)
	sl := s.slot.get(t)
	if sl < 0 {
		sl = s.newSlot(t, nq)
	}
	row := s.memo[int(sl)*nq:][:nq]
	if !s.boundMasked[sl] {
		var m uint32
		for i := range row {
			e := &row[i]
			if !e.ubSet {
				e.ub, e.ubSet = shapeBound(&qsh[i], tsh, &q[i], tok), true
			}
			if e.ub >= minPairSim {
				m |= 1 << i
			}
		}
		s.boundMasks[sl], s.boundMasked[sl] = m, true
	}
	return row, s.boundMasks[sl]
}

func newScratch(names int) *scratch {
	s := &scratch{accs: make([]accum, names), slots: map[int32]int{}, merges: map[mergeKey]float64{}, cjoins: map[[3]int32]token{}}
	s.al.joins = map[string]token{}
	for i := range s.accs {
		s.accs[i].group = -1
	}
	return s
}

func (s *scratch) reset() {
	for _, n := range s.touched {
		s.accs[n] = accum{group: -1}
	}
	s.touched = s.touched[:0]
	s.slot.clear(s.memoToks)
	s.memoToks = s.memoToks[:0]
	s.boundMasks, s.boundMasked = s.boundMasks[:0], s.boundMasked[:0]
	clear(s.al.joins)
	s.memo = s.memo[:0]
	clear(s.slots)
	clear(s.merges)
	clear(s.cjoins)
	s.qjoined = [maxTokens][2]bool{}
	s.qshaped = false
}

// probe is a lookup with its posting count and bounds.
type probe struct {
	lookup
	df     int
	lo, hi uint32
}

// lookup is one blocking-key probe of a query.
type lookup struct {
	group int32
	key   uint64
	w     float32
}

// queryLookups lists the probes of a query, grouped so that a name
// collects at most one key's weight per group.
// It appends to out and uses buf for the joined and pair keys.
func queryLookups(toks []token, out []lookup, buf []uint64) ([]lookup, []uint64) {
	g := int32(0)
	for i := range toks {
		t := &toks[i]
		if !blockable(t) {
			continue
		}
		forms, nf := spellings(t)
		for k, f := range forms[:nf] {
			w := float32(wKeyExact)
			if k > 0 {
				w = wKeyDel // the spelling is not a variant-folded key
			}
			out = append(out, lookup{g, hashKey(keyExact, f), w})
			if l := len(f); l >= minDelLen-1 && l <= maxDelLen {
				out = append(out, lookup{g, hashDel(f, -1), wKeyDel}) // query = index token minus one letter
				if l >= minDelLen {
					for d := 0; d < l; d++ {
						out = append(out, lookup{g, hashSkip(keyExact, f, d), wKeyDel}) // one letter too many
						out = append(out, lookup{g, hashDel(f, d), wKeyDel})            // one letter substituted or swapped
					}
				}
			}
		}
		if t.kor != "" {
			out = append(out, lookup{g, hashKor(t.kor), wKeyKor})
		}
		if len(t.skel) >= 2 {
			out = append(out, lookup{g, hashKey(keySkel, t.skel), wKeySkel})
		}
		g++
	}
	// joins: each join is its own group
	buf = appendJoinKeys(toks, buf[:0])
	for _, k := range buf {
		out = append(out, lookup{g, k, wKeyExact})
		g++
	}
	buf = appendPairKeys(toks, buf[:0])
	for _, k := range buf {
		out = append(out, lookup{g, k, wKeyPair})
		g++
	}
	return out, buf
}

// Search returns the records whose names best match q, best first. Its
// work is bounded: at most a fixed number of postings is read and at most
// candidatesK names are scored, whatever the query.
func (ix *Index) Search(q Query) []Match {
	if ix == nil || len(ix.names) == 0 {
		return nil
	}
	qn := prepare(q.Name)
	if len(qn.toks) == 0 {
		return nil
	}
	sc := ix.scratch.Get().(*scratch)
	defer func() {
		sc.reset()
		ix.scratch.Put(sc)
	}()

	cands := ix.candidates(qn.toks, sc)
	var qdups uint32
	if q.MinScore > 0 {
		qdups = dupMask(qn.toks, nil)
	}

	// Score candidates, keep the best name per record.
	type best struct {
		rec   int32
		name  int32
		name0 float64 // name score, weak penalty included
		raw   float64 // with every feature, unclamped (ranks equal scores)
		score float64 // raw clamped to [0,1]
	}
	qdob, hasDOB := parseDate(q.DateOfBirth)
	qtype := canonicalType(q.Type)
	qcountry := strings.ToUpper(strings.TrimSpace(q.Country))
	results := make([]best, 0, 32)
	for _, n := range cands {
		in := &ix.names[n]
		if q.MinScore > 0 {
			// Skip a name whose score cannot reach MinScore once its
			// record's features are added: first by bounds without edit
			// distances, then with them. The margin covers the rounding
			// of the final score.
			tau := q.MinScore - ix.records[in.rec].features(qdob, hasDOB, qcountry, qtype) - 1e-6
			if in.weak {
				tau -= PenaltyWeakAlias
			}
			if tau > 0 && !ix.mayReach(&qn, qdups, in, tau, sc) {
				continue
			}
		}
		sc.ctoks = ix.nameToks(in, sc.ctoks[:0])
		cn := name{raw: in.raw, norm: in.norm, toks: sc.ctoks}
		al, _ := ix.scoreCached(&qn, &cn, in.ids, sc)
		if al.score <= 0 {
			continue
		}
		s := al.score
		if in.weak {
			s += PenaltyWeakAlias
		}
		k, ok := sc.slots[in.rec]
		if !ok {
			sc.slots[in.rec] = len(results)
			results = append(results, best{rec: in.rec, name: n, name0: s})
			continue
		}
		b := &results[k]
		if s > b.name0 || s == b.name0 && n < b.name {
			b.name, b.name0 = n, s
		}
	}
	// Features: cheap, computed for every record before ranking.
	for k := range results {
		b := &results[k]
		score := b.name0
		r := &ix.records[b.rec]
		if hasDOB && len(r.dobs) > 0 {
			score += dobScore(qdob, r.dobs)
		}
		if qcountry != "" && len(r.countries) > 0 {
			score += countryScore(qcountry, r.countries)
		}
		if qtype != "" && r.typ != "" && qtype != r.typ {
			score += PenaltyType
		}
		b.raw = score
		b.score = round(math.Max(0, math.Min(1, score)))
	}
	slices.SortFunc(results, func(a, b best) int {
		switch {
		case a.score != b.score:
			return cmpDesc(a.score, b.score)
		case a.raw != b.raw:
			return cmpDesc(a.raw, b.raw)
		}
		return strings.Compare(ix.records[a.rec].id, ix.records[b.rec].id)
	})
	limit := q.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	out := make([]Match, 0, min(limit, len(results)))
	for _, b := range results {
		if len(out) == limit || b.score < q.MinScore {
			break
		}
		in := &ix.names[b.name]
		r := &ix.records[b.rec]
		sc.ctoks = ix.nameToks(in, sc.ctoks[:0])
		cn := name{raw: in.raw, norm: in.norm, toks: sc.ctoks}
		al, sw := ix.scoreCached(&qn, &cn, in.ids, sc) // again, to explain
		ex := explain(&qn, &cn, al, sw)
		ex.MatchedName = in.raw
		if in.weak {
			ex.Features = append(ex.Features, Feature{Name: "weakAlias", Contribution: PenaltyWeakAlias, Detail: "matched a weak alias"})
		}
		if hasDOB && len(r.dobs) > 0 {
			c, d := dobFeature(qdob, r.dobs)
			ex.Features = append(ex.Features, Feature{Name: "dateOfBirth", Contribution: c, Detail: d})
		}
		if qcountry != "" && len(r.countries) > 0 {
			c, d := countryFeature(qcountry, r.countries)
			ex.Features = append(ex.Features, Feature{Name: "country", Contribution: c, Detail: d})
		}
		if qtype != "" && r.typ != "" && qtype != r.typ {
			ex.Features = append(ex.Features, Feature{Name: "type", Contribution: PenaltyType, Detail: qtype + " ≠ " + r.typ})
		}
		ex.Score = b.score
		out = append(out, Match{RecordID: r.id, Score: b.score, MatchedName: in.raw, Weak: in.weak, Explanation: ex})
	}
	return out
}

// candidates returns up to candidatesK names ranked by the IDF-weighted
// blocking keys they share with the query.
func (ix *Index) candidates(qt []token, sc *scratch) []int32 {
	lks, keys := queryLookups(qt, sc.lookups[:0], sc.keys[:0])
	sc.lookups, sc.keys = lks[:0], keys[:0]
	probes := sc.probes[:0]
	defer func() { sc.probes = probes[:0] }()
	for _, l := range lks {
		limit := ix.maxDF
		if l.w == wKeyDel {
			// A deletion key of a short word ("am" of Nam) is held by many
			// names and tells little; the word's other keys and the
			// name's other words find the name.
			limit = ix.maxDF / delDFDivisor
		}
		lo, hi := ix.postingRange(l.key)
		if df := int(hi - lo); df > 0 && df <= limit {
			probes = append(probes, probe{l, df, lo, hi})
		}
	}
	slices.SortFunc(probes, func(a, b probe) int { return a.df - b.df })
	n := float64(len(ix.names))
	read := 0
	for _, p := range probes {
		if read+p.df > postingBudget {
			break
		}
		read += p.df
		v := p.w * float32(math.Log(1+n/float64(p.df)))
		for _, nm := range ix.posts[p.lo:p.hi] {
			a := &sc.accs[nm]
			if a.group != p.group {
				if a.group == -1 && a.acc == 0 {
					sc.touched = append(sc.touched, nm)
				}
				a.group = p.group
				a.best = 0
			}
			if v > a.best {
				a.acc += v - a.best
				a.best = v
			}
		}
	}
	// Top K by accumulated weight (ties: lower name index first). The
	// weights are positive, so their bits order as they do: a key with the
	// weight's bits inverted above the name index sorts best first.
	cand := sc.cands[:0]
	for _, nm := range sc.touched {
		cand = append(cand, uint64(^math.Float32bits(sc.accs[nm].acc))<<32|uint64(uint32(nm)))
	}
	sc.cands = cand[:0]
	k := min(candidatesK, len(cand))
	selectSmallest(cand, k)
	slices.Sort(cand[:k])
	top := make([]int32, k)
	for i, c := range cand[:k] {
		top[i] = int32(uint32(c))
	}
	return top
}

// scoreCached scores the query against an indexed name, caching token
// similarities by interned token id for the query's lifetime. The
// alignment shares sc.al's slices.
func (ix *Index) scoreCached(q, c *name, ids []int32, sc *scratch) (alignment, bool) {
	swapped := c.norm < q.norm || c.norm == q.norm && c.raw < q.raw
	if len(q.toks) == 0 || len(c.toks) == 0 {
		return alignment{}, swapped
	}
	nq := len(q.toks)
	simQC := func(i, j int) (float64, matchKind) {
		e := sc.entry(ids[j], i, nq)
		if !e.set {
			e.sim, e.kind = tokenSim(&q.toks[i], &c.toks[j])
			e.set = true
		}
		return e.sim, e.kind
	}
	if swapped {
		return align(c.toks, q.toks, func(i, j int) (float64, matchKind) { return simQC(j, i) }, &sc.al), true
	}
	return align(q.toks, c.toks, simQC, &sc.al), false
}

// date is a possibly partial date (month and day 0 when unknown).
type date struct{ y, m, d int }

func parseDate(s string) (date, bool) {
	s = strings.TrimSpace(s)
	var dt date
	num := func(p string, lo, hi int) (int, bool) {
		if p == "" || len(p) > 4 {
			return 0, false
		}
		n := 0
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return 0, false
			}
			n = n*10 + int(p[i]-'0')
		}
		return n, n >= lo && n <= hi
	}
	var buf [3]string
	parts := buf[:0]
	for rest := s; ; {
		if len(parts) == 3 {
			return dt, false
		}
		p, after, found := strings.Cut(rest, "-")
		parts = append(parts, p)
		if !found {
			break
		}
		rest = after
	}
	if len(parts[0]) != 4 {
		return dt, false
	}
	var ok bool
	if dt.y, ok = num(parts[0], 1000, 2999); !ok {
		return dt, false
	}
	if len(parts) > 1 {
		if dt.m, ok = num(parts[1], 1, 12); !ok || len(parts[1]) != 2 {
			return dt, false
		}
	}
	if len(parts) > 2 {
		if dt.d, ok = num(parts[2], 1, 31); !ok || len(parts[2]) != 2 {
			return dt, false
		}
	}
	return dt, true
}

func (d date) String() string {
	var b strings.Builder
	b.WriteString(pad(d.y, 4))
	if d.m > 0 {
		b.WriteString("-" + pad(d.m, 2))
		if d.d > 0 {
			b.WriteString("-" + pad(d.d, 2))
		}
	}
	return b.String()
}

func pad(n, w int) string {
	s := make([]byte, w)
	for i := w - 1; i >= 0; i-- {
		s[i] = byte('0' + n%10)
		n /= 10
	}
	return string(s)
}

// features is the sum of the record's feature contributions for a
// query (date of birth, country, type; not the weak-alias penalty).
func (r *record) features(qdob date, hasDOB bool, qcountry, qtype string) float64 {
	f := 0.0
	if hasDOB && len(r.dobs) > 0 {
		f += dobScore(qdob, r.dobs)
	}
	if qcountry != "" && len(r.countries) > 0 {
		f += countryScore(qcountry, r.countries)
	}
	if qtype != "" && r.typ != "" && qtype != r.typ {
		f += PenaltyType
	}
	return f
}

// dobContribution is the contribution of a recorded date of birth d for
// the query's q.
func dobContribution(q, d date) float64 {
	switch {
	case d.y == q.y && d.m != 0 && d.m == q.m && d.d != 0 && d.d == q.d:
		return BonusDOBExact
	case d.y == q.y && d.m != 0 && d.m == q.m:
		return BonusDOBMonth
	case d.y == q.y:
		return BonusDOBYear
	case d.y == q.y+1 || d.y == q.y-1:
		return PenaltyDOBNear
	}
	return PenaltyDOBMismatch
}

// dobScore is dobFeature's contribution without its detail.
func dobScore(q date, dobs []date) float64 {
	best := math.Inf(-1)
	for _, d := range dobs {
		best = max(best, dobContribution(q, d))
	}
	return best
}

// dobFeature compares the query's date of birth with a record's and returns
// the best (largest) contribution.
func dobFeature(q date, dobs []date) (float64, string) {
	bestC, bestD := math.Inf(-1), ""
	for _, d := range dobs {
		c := dobContribution(q, d)
		if c > bestC {
			rel := " ≠ "
			if c > 0 {
				rel = " ~ "
			}
			bestC, bestD = c, q.String()+rel+d.String()
		}
	}
	return bestC, bestD
}

// countryScore is countryFeature's contribution without its detail.
func countryScore(q string, cs []string) float64 {
	for _, c := range cs {
		if c == q {
			return BonusCountry
		}
	}
	return PenaltyCountry
}

func countryFeature(q string, cs []string) (float64, string) {
	for _, c := range cs {
		if c == q {
			return BonusCountry, q + " listed"
		}
	}
	return PenaltyCountry, q + " not in " + strings.Join(cs, ",")
}

func canonicalType(t string) string {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "person", "individual":
		return "person"
	case "organization", "organisation", "entity", "company":
		return "organization"
	case "vessel":
		return "vessel"
	case "aircraft":
		return "aircraft"
	}
	return ""
}

// parseDates returns the dates of ss that parse, nil when none does.
func parseDates(ss []string) []date {
	n := 0
	for _, s := range ss {
		if _, ok := parseDate(s); ok {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]date, 0, n)
	for _, s := range ss {
		if dt, ok := parseDate(s); ok {
			out = append(out, dt)
		}
	}
	return out
}

func upperAll(ss []string) []string {
	n := 0
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for _, s := range ss {
		if s = strings.ToUpper(strings.TrimSpace(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// selectSmallest reorders s so that its k smallest elements (distinct
// values) come first, in any order: a quickselect with a median-of-three
// pivot.
func selectSmallest(s []uint64, k int) {
	lo, hi := 0, len(s)
	if k <= 0 || k >= hi {
		return
	}
	for hi-lo > 16 {
		m := lo + (hi-lo)/2
		a, b, c := s[lo], s[m], s[hi-1]
		p := max(min(a, b), min(max(a, b), c))
		i, j := lo, hi-1
		for i <= j {
			for s[i] < p {
				i++
			}
			for s[j] > p {
				j--
			}
			if i <= j {
				s[i], s[j] = s[j], s[i]
				i++
				j--
			}
		}
		// s[lo:j+1] ≤ p ≤ s[i:hi], and what lies between equals p
		switch {
		case k == j+1:
			return
		case k <= j:
			hi = j + 1
		case k >= i:
			lo = i
		default:
			return
		}
	}
	slices.Sort(s[lo:hi])
}

// queryJoin is joined(toks, sp) for the query's tokens and a span of 2 or 3,
// built once per search.
func (s *scratch) queryJoin(toks []token, sp span) token {
	k := sp.len() - 2
	if !s.qjoined[sp.from][k] {
		s.qjoins[sp.from][k] = joined(toks, sp)
		s.qjoined[sp.from][k] = true
	}
	return s.qjoins[sp.from][k]
}

// joinedIDs is joined of the tokens toks (2 or 3), whose interned ids are
// ids (-1 after the last), built once per search.
func (s *scratch) joinedIDs(ids [3]int32, toks []*token) token {
	if t, ok := s.cjoins[ids]; ok {
		return t
	}
	var parts [3]token
	for i, t := range toks {
		parts[i] = *t
	}
	t := joined(parts[:len(toks)], span{0, len(toks)})
	s.cjoins[ids] = t
	return t
}

// dupMask sets bit i when token i is spelled as another token of the
// name: toks are the name's tokens, or with ids the interned tokens
// toks[ids[i]]. Names have at most maxTokens (< 32) tokens.
func dupMask(toks []token, ids []int32) uint32 {
	n := len(toks)
	tok := func(i int) *token { return &toks[i] }
	if ids != nil {
		n = len(ids)
		tok = func(i int) *token { return &toks[ids[i]] }
	}
	var m uint32
	for i := range n {
		for j := range n {
			if j != i && tok(j).s == tok(i).s {
				m |= 1 << i
				break
			}
		}
	}
	return m
}
