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
	// IDs are identity document or registration numbers. names/1 does not
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
	// matches whatever their score.
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
	keys    []uint64
	offs    []uint32
	posts   []int32
	maxDF   int
	scratch sync.Pool
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
	raw  string
	norm string
	ids  []int32 // interned token ids (keys of the similarity cache)
	toks []token // the tokens themselves, sharing strings with Index.toks
}

// Len returns the number of records and of names indexed.
func (ix *Index) Len() (records, names int) { return len(ix.records), len(ix.names) }

// Build indexes records. Records without a usable name are kept (they
// cannot match by name). Build does not keep references to the slices in
// records.
func Build(records []Record) *Index {
	ix := &Index{records: make([]record, len(records))}
	type job struct {
		rec  int
		name Name
	}
	var jobs []job
	for i, r := range records {
		ix.records[i] = record{id: r.ID, typ: canonicalType(r.Type), countries: upperAll(r.Countries)}
		for _, d := range r.DatesOfBirth {
			if dt, ok := parseDate(d); ok {
				ix.records[i].dobs = append(ix.records[i].dobs, dt)
			}
		}
		for _, n := range r.Names {
			if strings.TrimSpace(n.Value) != "" {
				jobs = append(jobs, job{i, n})
			}
		}
	}
	prepared := make([]name, len(jobs))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for k := w; k < len(jobs); k += workers {
				prepared[k] = prepare(jobs[k].name.Value)
			}
		}(w)
	}
	wg.Wait()

	intern := map[tokenKey]int32{}
	for k, j := range jobs {
		p := &prepared[k]
		if len(p.toks) == 0 {
			continue
		}
		in := indexedName{rec: int32(j.rec), weak: j.name.Weak, raw: j.name.Value, norm: p.norm, ids: make([]int32, len(p.toks)), toks: make([]token, len(p.toks))}
		for t := range p.toks {
			tk := keyOf(&p.toks[t])
			id, ok := intern[tk]
			if !ok {
				id = int32(len(ix.toks))
				intern[tk] = id
				ix.toks = append(ix.toks, p.toks[t])
			}
			in.ids[t] = id
			in.toks[t] = ix.toks[id]
		}
		ix.names = append(ix.names, in)
	}

	// Blocking keys, generated in parallel, then grouped by key.
	parts := make([][]keyPost, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			parts[w] = make([]keyPost, 0, 48*len(ix.names)/workers) // ~40 keys a name
			var buf []uint64
			for n := w; n < len(ix.names); n += workers {
				buf = indexKeys(ix.names[n].toks, buf[:0])
				slices.Sort(buf)
				buf = slices.Compact(buf)
				for _, k := range buf {
					parts[w] = append(parts[w], keyPost{k, int32(n)})
				}
			}
		}(w)
	}
	wg.Wait()
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	all := make([]keyPost, 0, total)
	for _, p := range parts {
		all = append(all, p...)
	}
	parts = nil
	radixSort(all)
	ix.posts = make([]int32, len(all))
	distinct := 0
	for i := range all {
		if i == 0 || all[i].key != all[i-1].key {
			distinct++
		}
	}
	ix.keys = make([]uint64, 0, distinct)
	ix.offs = make([]uint32, 0, distinct+1)
	for i, kp := range all {
		ix.posts[i] = kp.name
		if i == 0 || kp.key != all[i-1].key {
			ix.keys = append(ix.keys, kp.key)
			ix.offs = append(ix.offs, uint32(i))
		}
	}
	ix.offs = append(ix.offs, uint32(len(all)))
	ix.maxDF = max(minMaxPosting, int(maxPostingFraction*float64(len(ix.names))))
	n := len(ix.names)
	ix.scratch.New = func() any { return newScratch(n) }
	return ix
}

// tokenKey identifies an interned token.
type tokenKey struct {
	s     string
	kind  tokKind
	w     float64
	abjad bool
	cyr   bool
	cjk   bool
	paren bool
}

func keyOf(t *token) tokenKey {
	return tokenKey{s: t.s, kind: t.kind, w: t.w, abjad: t.abjad, cyr: t.cyr, cjk: t.cjk, paren: t.paren}
}

type keyPost struct {
	key  uint64
	name int32
}

// radixSort sorts by key (LSD, 16 bits a pass).
func radixSort(a []keyPost) {
	if len(a) < 2 {
		return
	}
	tmp := make([]keyPost, len(a))
	src, dst := a, tmp
	for shift := uint(0); shift < 64; shift += 16 {
		var count [1 << 16]int
		for _, v := range src {
			count[(v.key>>shift)&0xFFFF]++
		}
		pos := 0
		for i := range count {
			c := count[i]
			count[i] = pos
			pos += c
		}
		for _, v := range src {
			b := (v.key >> shift) & 0xFFFF
			dst[count[b]] = v
			count[b]++
		}
		src, dst = dst, src
	}
	// four passes: the result is back in a
}

// postings returns the names holding key.
func (ix *Index) postings(key uint64) []int32 {
	i, ok := slices.BinarySearch(ix.keys, key)
	if !ok {
		return nil
	}
	return ix.posts[ix.offs[i]:ix.offs[i+1]]
}

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
	minDelLen   = 4
	maxDelLen   = 16
	maxJoinLen  = 16
	maxTripleLn = 12
)

func hashKey(space byte, s string) uint64 {
	h := uint64(14695981039346656037)
	h ^= uint64(space)
	h *= 1099511628211
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// hashDel hashes s without its byte at skip.
func hashDel(s string, skip int) uint64 {
	h := uint64(14695981039346656037)
	h ^= uint64(keyDel)
	h *= 1099511628211
	for i := 0; i < len(s); i++ {
		if i == skip {
			continue
		}
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func hashPair(a, b string) uint64 {
	if b < a {
		a, b = b, a
	}
	return hashKey(keyPair, a+"\x00"+b)
}

// blockable reports whether a token gets blocking keys of its own.
func blockable(t *token) bool {
	return t.kind == kindWord || t.kind == kindNumber && len(t.s) >= 3
}

// indexKeys appends the blocking keys of an indexed name.
func indexKeys(toks []token, out []uint64) []uint64 {
	for i := range toks {
		t := &toks[i]
		if !blockable(t) {
			continue
		}
		out = append(out, hashKey(keyExact, t.phon))
		if l := len(t.phon); l >= minDelLen && l <= maxDelLen {
			for d := 0; d < l; d++ {
				out = append(out, hashDel(t.phon, d))
			}
		}
		if t.kor != "" {
			out = append(out, hashKey(keyKor, relaxKor(t.kor)))
		}
		if len(t.skel) >= 2 {
			out = append(out, hashKey(keySkel, t.skel))
		}
	}
	out = appendJoinKeys(toks, out)
	out = appendPairKeys(toks, out)
	return out
}

func relaxKor(k string) string {
	if strings.Contains(k, "NK") {
		return strings.ReplaceAll(k, "NK", "N")
	}
	return k
}

// appendJoinKeys adds the phonetic keys of adjacent tokens joined (2, and
// 3 when short), so "Kim Jong Un" is found by "Kim Jongun" and the
// reverse.
func appendJoinKeys(toks []token, out []uint64) []uint64 {
	for i := 0; i+1 < len(toks); i++ {
		if !mergeable(&toks[i]) || !mergeable(&toks[i+1]) {
			continue
		}
		j2 := toks[i].s + toks[i+1].s
		if len(j2) <= maxJoinLen {
			out = append(out, hashKey(keyExact, phoneticKey(j2)))
		}
		if i+2 < len(toks) && mergeable(&toks[i+2]) {
			j3 := j2 + toks[i+2].s
			if len(j3) <= maxTripleLn {
				out = append(out, hashKey(keyExact, phoneticKey(j3)))
			}
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
	acc     []float32
	best    []float32
	group   []int32
	touched []int32
	memo    map[uint64]simEntry
	al      alignBuf
	probes  []probe
	cands   []int32
	slots   map[int32]int
}

type simEntry struct {
	sim  float64
	kind matchKind
}

func newScratch(n int) *scratch {
	s := &scratch{acc: make([]float32, n), best: make([]float32, n), group: make([]int32, n), memo: map[uint64]simEntry{}, slots: map[int32]int{}}
	for i := range s.group {
		s.group[i] = -1
	}
	return s
}

func (s *scratch) reset() {
	for _, n := range s.touched {
		s.acc[n] = 0
		s.best[n] = 0
		s.group[n] = -1
	}
	s.touched = s.touched[:0]
	clear(s.memo)
	clear(s.slots)
}

// probe is a lookup with its posting count.
type probe struct {
	lookup
	df int
}

// lookup is one blocking-key probe of a query.
type lookup struct {
	group int32
	key   uint64
	w     float32
}

// queryLookups lists the probes of a query, grouped so that a name
// collects at most one key's weight per group.
func queryLookups(toks []token) []lookup {
	var out []lookup
	g := int32(0)
	var buf []uint64
	for i := range toks {
		t := &toks[i]
		if !blockable(t) {
			continue
		}
		out = append(out, lookup{g, hashKey(keyExact, t.phon), wKeyExact})
		if l := len(t.phon); l >= minDelLen-1 && l <= maxDelLen {
			out = append(out, lookup{g, hashDel(t.phon, -1), wKeyDel}) // query = index token minus one letter
			if l >= minDelLen {
				for d := 0; d < l; d++ {
					out = append(out, lookup{g, hashKey(keyExact, t.phon[:d]+t.phon[d+1:]), wKeyDel}) // one letter too many
					out = append(out, lookup{g, hashDel(t.phon, d), wKeyDel})                         // one letter substituted or swapped
				}
			}
		}
		if t.kor != "" {
			out = append(out, lookup{g, hashKey(keyKor, relaxKor(t.kor)), wKeyKor})
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
	return out
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
		cn := name{raw: in.raw, norm: in.norm, toks: in.toks}
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
		r := &ix.records[b.rec]
		score := b.name0
		if hasDOB && len(r.dobs) > 0 {
			c, _ := dobFeature(qdob, r.dobs)
			score += c
		}
		if qcountry != "" && len(r.countries) > 0 {
			c, _ := countryFeature(qcountry, r.countries)
			score += c
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
		cn := name{raw: in.raw, norm: in.norm, toks: in.toks}
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
	lks := queryLookups(qt)
	probes := sc.probes[:0]
	defer func() { sc.probes = probes[:0] }()
	for _, l := range lks {
		if df := len(ix.postings(l.key)); df > 0 && df <= ix.maxDF {
			probes = append(probes, probe{l, df})
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
		for _, nm := range ix.postings(p.key) {
			if sc.group[nm] != p.group {
				if sc.group[nm] == -1 && sc.acc[nm] == 0 {
					sc.touched = append(sc.touched, nm)
				}
				sc.group[nm] = p.group
				sc.best[nm] = 0
			}
			if v > sc.best[nm] {
				sc.acc[nm] += v - sc.best[nm]
				sc.best[nm] = v
			}
		}
	}
	// top K by accumulated weight (ties: lower name index first)
	top := make([]int32, 0, min(candidatesK, len(sc.touched)))
	cand := append(sc.cands[:0], sc.touched...)
	defer func() { sc.cands = cand[:0] }()
	slices.SortFunc(cand, func(a, b int32) int {
		if sc.acc[a] != sc.acc[b] {
			if sc.acc[a] > sc.acc[b] {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
	for _, c := range cand {
		if len(top) == candidatesK {
			break
		}
		top = append(top, c)
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
	simQC := func(i, j int) (float64, matchKind) {
		k := uint64(i)<<32 | uint64(uint32(ids[j]))
		if e, ok := sc.memo[k]; ok {
			return e.sim, e.kind
		}
		s, kind := tokenSim(&q.toks[i], &c.toks[j])
		sc.memo[k] = simEntry{s, kind}
		return s, kind
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
	parts := strings.Split(s, "-")
	if len(parts) == 0 || len(parts) > 3 || len(parts[0]) != 4 {
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

// dobFeature compares the query's date of birth with a record's and returns
// the best (largest) contribution.
func dobFeature(q date, dobs []date) (float64, string) {
	bestC, bestD := math.Inf(-1), ""
	for _, d := range dobs {
		var c float64
		switch {
		case d.y == q.y && d.m != 0 && d.m == q.m && d.d != 0 && d.d == q.d:
			c = BonusDOBExact
		case d.y == q.y && d.m != 0 && d.m == q.m:
			c = BonusDOBMonth
		case d.y == q.y:
			c = BonusDOBYear
		case d.y == q.y+1 || d.y == q.y-1:
			c = PenaltyDOBNear
		default:
			c = PenaltyDOBMismatch
		}
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

func upperAll(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.ToUpper(strings.TrimSpace(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}
