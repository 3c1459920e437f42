package linkage

import (
	"cmp"
	"hash/maphash"
	"runtime"
	"slices"
	"sync"

	"github.com/bulwark-sec/bulwark"
)

// Record is one person as a source gives them.
type Record struct {
	// ID identifies the record in its source; matches name records by it.
	ID string
	// Name is the full name as given: "Given Middle Family", or
	// "Family, Given" (see [ParseName]).
	Name string
	// DOB is the date of birth: YYYY-MM-DD, YYYYMMDD or partial (see
	// [ParseDate]); empty when unknown.
	DOB string
	// Address is a postal address in free text; empty when unknown.
	Address string
	// NationalID is an optional national identifier (social security,
	// tax or passport number), compared allowing one typo.
	NationalID string
}

// Match is a pair of records judged to be the same person.
type Match struct {
	// A and B are the records' IDs: in LinkSets A is from the first set
	// and B from the second; in Dedupe A is the earlier record; in
	// Index.Query A is the query and B the known record.
	A, B string
	// Score is the match probability in [0,1]: the fields' weights in
	// bits (exact name agreement weighed by how common the name is among
	// the indexed records) against a prior of log2 of the number of
	// indexed records (at least 1,000), so 0.5 means the evidence
	// equals the prior. Pairs at or above Options.Threshold are returned.
	Score float64
	// Fields explains each field's part, and Why puts it in one line.
	Fields []FieldScore
	Why    string
}

// Options tune matching. The zero value is the documented default.
type Options struct {
	// Threshold is the least score a pair needs to match, in (0,1);
	// 0 means 0.5.
	Threshold float64
	// MaxBlock skips blocking keys shared by more records than this
	// (such keys are too common to tell people apart, and comparing all
	// their pairs would be quadratic); 0 means 100.
	MaxBlock int
	// Workers is how many goroutines LinkSets and Dedupe use; 0 means
	// GOMAXPROCS.
	Workers int
}

// Defaults.
const (
	DefaultThreshold = 0.5
	DefaultMaxBlock  = 100
)

func (o Options) resolve() (Options, error) {
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	if !(o.Threshold > 0 && o.Threshold < 1) {
		return o, bulwark.Invalid("threshold", "linkage threshold %v is outside (0,1): give a score such as 0.5", o.Threshold)
	}
	if o.MaxBlock == 0 {
		o.MaxBlock = DefaultMaxBlock
	}
	if o.MaxBlock < 2 {
		return o, bulwark.Invalid("max_block", "linkage max block %d is too small: give at least 2, or 0 for %d", o.MaxBlock, DefaultMaxBlock)
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o, nil
}

// blocking keys -------------------------------------------------------------

type keyer struct{ seed maphash.Seed }

func (k keyer) sum(parts ...string) uint64 {
	var h maphash.Hash
	h.SetSeed(k.seed)
	for _, p := range parts {
		h.WriteString(p)
		h.WriteByte(0)
	}
	return h.Sum64()
}

// keys appends f's blocking keys to dst. Records that are one person
// share at least one key despite a typo in any one field, swapped given
// and family names, or a missing field:
//   - each name part's Soundex with the birth year;
//   - the full birth date with each name part's initial;
//   - the national identifier;
//   - the address's longest number (a postcode or house number) with each
//     name part's initial;
//   - the two name parts' Soundex codes, in sorted order.
func (k keyer) keys(f *features, dst []uint64) []uint64 {
	var year, dob string
	if f.dob.Year != 0 {
		d := dateDigits(f.dob)
		year = string(d[:4])
		if f.dob.Month != 0 && f.dob.Day != 0 {
			dob = string(d[:])
		}
	}
	parts := [2]string{f.given, f.family}
	var sx [2]string
	for i, p := range parts {
		if p == "" {
			continue
		}
		sx[i] = Soundex(p)
		if year != "" && sx[i] != "" && len(p) > 1 {
			dst = append(dst, k.sum("sy", sx[i], year))
		}
		if dob != "" {
			dst = append(dst, k.sum("di", dob, p[:1]))
		}
	}
	if f.id != "" {
		dst = append(dst, k.sum("id", f.id))
	}
	num := ""
	for _, t := range f.addr {
		if isDigits(t) && len(t) > len(num) {
			num = t
		}
	}
	if num != "" {
		for _, p := range parts {
			if p != "" {
				dst = append(dst, k.sum("ni", num, p[:1]))
			}
		}
	}
	if sx[0] != "" && sx[1] != "" && len(parts[0]) > 1 {
		a, b := sx[0], sx[1]
		if a > b {
			a, b = b, a
		}
		dst = append(dst, k.sum("ss", a, b))
	}
	slices.Sort(dst)
	return slices.Compact(dst)
}

type posting struct {
	key uint64
	rec int32
}

// Index holds known records for matching new ones. Build it once with
// [NewIndex]; Query is safe for concurrent use.
type Index struct {
	opt      Options
	cut      float64
	stats    *stats
	keyer    keyer
	ids      []string
	feats    []features
	postings []posting // sorted by key, then record
	// added are the records of Add: record len(ids)+k is added[k], its
	// keys in more.
	added []addedRecord
	more  map[uint64][]int32
}

// addedRecord is a record given to Add.
type addedRecord struct {
	id    string
	feats features
}

// Add indexes one more record for Query, weighed with the name
// frequencies and prior of the records the index was built with (they
// are not computed again: over a large index one record moves them by
// nothing that matters; build a new index to refresh them). Dedupe
// compares the records given to NewIndex only. Add must not run
// concurrently with Query or another Add.
func (ix *Index) Add(r Record) {
	if ix.more == nil {
		ix.more = map[uint64][]int32{}
	}
	rec := int32(len(ix.ids) + len(ix.added))
	ix.added = append(ix.added, addedRecord{id: r.ID, feats: ix.features(r)})
	for _, k := range ix.keyer.keys(&ix.added[len(ix.added)-1].feats, nil) {
		ix.more[k] = append(ix.more[k], rec)
	}
}

// feat returns record j's features and id.
func (ix *Index) feat(j int32) (*features, string) {
	if int(j) < len(ix.ids) {
		return &ix.feats[j], ix.ids[j]
	}
	a := &ix.added[int(j)-len(ix.ids)]
	return &a.feats, a.id
}

// NewIndex normalises the records and builds their blocking index. It
// fails only on invalid options.
func NewIndex(recs []Record, opt Options) (*Index, error) {
	opt, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	ix := &Index{opt: opt, keyer: keyer{maphash.MakeSeed()}}
	ix.ids = make([]string, len(recs))
	ix.feats = make([]features, len(recs))
	chunks := splitRange(len(recs), opt.Workers)
	parts := make([][]posting, len(chunks))
	var wg sync.WaitGroup
	for c, ch := range chunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var keys []uint64
			ps := make([]posting, 0, (ch[1]-ch[0])*8)
			for i := ch[0]; i < ch[1]; i++ {
				ix.ids[i] = recs[i].ID
				ix.feats[i] = newFeatures(recs[i])
				keys = ix.keyer.keys(&ix.feats[i], keys[:0])
				for _, k := range keys {
					ps = append(ps, posting{k, int32(i)})
				}
			}
			parts[c] = ps
		}()
	}
	wg.Wait()
	ix.stats = newStats(ix.feats)
	ix.cut = bitsOf(opt.Threshold, ix.stats.prior)
	for _, ch := range chunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := ch[0]; i < ch[1]; i++ {
				ix.stats.weigh(&ix.feats[i])
			}
		}()
	}
	wg.Wait()
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	ix.postings = make([]posting, 0, n)
	for i := range parts {
		ix.postings = append(ix.postings, parts[i]...)
		parts[i] = nil
	}
	slices.SortFunc(ix.postings, func(a, b posting) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.rec, b.rec)
	})
	return ix, nil
}

// features normalises a record to compare with the indexed ones.
func (ix *Index) features(r Record) features {
	f := newFeatures(r)
	ix.stats.weigh(&f)
	return f
}

// Len is the number of records indexed.
func (ix *Index) Len() int { return len(ix.ids) + len(ix.added) }

func splitRange(n, parts int) [][2]int {
	if parts < 1 {
		parts = 1
	}
	var out [][2]int
	step := (n + parts - 1) / parts
	if step == 0 {
		step = 1
	}
	for lo := 0; lo < n; lo += step {
		out = append(out, [2]int{lo, min(n, lo+step)})
	}
	return out
}

// block returns the records sharing key, or nil when there are more than
// MaxBlock of them.
func (ix *Index) block(key uint64) []posting {
	lo, _ := slices.BinarySearchFunc(ix.postings, key, func(p posting, k uint64) int { return cmp.Compare(p.key, k) })
	hi := lo
	for hi < len(ix.postings) && ix.postings[hi].key == key {
		hi++
		if hi-lo > ix.opt.MaxBlock {
			return nil
		}
	}
	return ix.postings[lo:hi]
}

// scratch is per-goroutine working memory.
type scratch struct {
	keys  []uint64
	cands []int32
}

// candidates returns the records sharing a usable key with f, sorted and
// without repeats; only those above `after` when after ≥ 0.
func (ix *Index) candidates(f *features, after int32, s *scratch) []int32 {
	s.keys = ix.keyer.keys(f, s.keys[:0])
	s.cands = s.cands[:0]
	for _, k := range s.keys {
		block, more := ix.block(k), ix.more[k]
		if len(more) > 0 && (len(block)+len(more) > ix.opt.MaxBlock || (block == nil && ix.overfull(k))) {
			continue
		}
		for _, p := range block {
			if p.rec > after {
				s.cands = append(s.cands, p.rec)
			}
		}
		for _, r := range more {
			if r > after {
				s.cands = append(s.cands, r)
			}
		}
	}
	slices.Sort(s.cands)
	return slices.Compact(s.cands)
}

// overfull reports whether more than MaxBlock records of NewIndex share
// key (block returns nil for those and for keys none of them hold).
func (ix *Index) overfull(key uint64) bool {
	lo, _ := slices.BinarySearchFunc(ix.postings, key, func(p posting, k uint64) int { return cmp.Compare(p.key, k) })
	return lo < len(ix.postings) && ix.postings[lo].key == key
}

func (ix *Index) match(a *features, aID string, j int32) (Match, bool) {
	b, bID := ix.feat(j)
	w, _ := weight(a, b, ix.cut, false)
	if w < ix.cut {
		return Match{}, false
	}
	w, fs := weight(a, b, ix.cut, true)
	return Match{A: aID, B: bID, Score: scoreOf(w, ix.stats.prior), Fields: fs, Why: why(fs)}, true
}

// Query returns the known records matching r, best first (ties by ID);
// a record that is itself indexed matches its own entry. It compares r
// only with records sharing a blocking key, so its cost grows with the
// size of those blocks (at most MaxBlock each), not with the index. The
// score's prior is the index's size: the more known records, the more
// evidence a match needs.
func (ix *Index) Query(r Record) []Match {
	f := ix.features(r)
	var s scratch
	var out []Match
	for _, j := range ix.candidates(&f, -1, &s) {
		if m, ok := ix.match(&f, r.ID, j); ok {
			out = append(out, m)
		}
	}
	sortMatches(out, true)
	return out
}

func sortMatches(ms []Match, byScore bool) {
	slices.SortFunc(ms, func(a, b Match) int {
		if byScore {
			if c := cmp.Compare(b.Score, a.Score); c != 0 {
				return c
			}
		}
		if c := cmp.Compare(a.A, b.A); c != 0 {
			return c
		}
		return cmp.Compare(a.B, b.B)
	})
}

// Dedupe finds the pairs of records within recs that are the same person,
// each pair once, sorted by A then B. Transitive closure is left to the
// caller (a pair list is what an identity graph's edges need).
func Dedupe(recs []Record, opt Options) ([]Match, error) {
	ix, err := NewIndex(recs, opt)
	if err != nil {
		return nil, err
	}
	return ix.Dedupe(), nil
}

// Dedupe returns the matching pairs among the indexed records themselves,
// each pair once (A the earlier record), sorted by A then B.
//
// It walks the blocks in key order and compares each pair of a block
// unless the two records share a usable key earlier in that order (where
// the pair was already compared), so no pair is compared twice and no set
// of compared pairs is kept.
func (ix *Index) Dedupe() []Match {
	runs := ix.usableRuns()
	off, keys := ix.recordKeys(runs)
	results := make([][]Match, ix.opt.Workers)
	var next int
	var mu sync.Mutex
	const batch = 4096
	var wg sync.WaitGroup
	for w := range ix.opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				lo := next
				next += batch
				mu.Unlock()
				if lo >= len(runs) {
					return
				}
				for _, r := range runs[lo:min(len(runs), lo+batch)] {
					block := ix.postings[r[0]:r[1]]
					k := block[0].key
					for x, p := range block {
						kp := keys[off[p.rec]:off[p.rec+1]]
						f := &ix.feats[p.rec]
						for _, q := range block[x+1:] {
							if firstShared(kp, keys[off[q.rec]:off[q.rec+1]]) != k {
								continue
							}
							if m, ok := ix.match(f, ix.ids[p.rec], q.rec); ok {
								results[w] = append(results[w], m)
							}
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	var out []Match
	for _, r := range results {
		out = append(out, r...)
	}
	sortMatches(out, false)
	return out
}

// usableRuns returns the [start, end) ranges of postings sharing a key
// that at least two and at most MaxBlock records share.
func (ix *Index) usableRuns() [][2]int32 {
	var runs [][2]int32
	ps := ix.postings
	for lo := 0; lo < len(ps); {
		hi := lo + 1
		for hi < len(ps) && ps[hi].key == ps[lo].key {
			hi++
		}
		if n := hi - lo; n >= 2 && n <= ix.opt.MaxBlock {
			runs = append(runs, [2]int32{int32(lo), int32(hi)})
		}
		lo = hi
	}
	return runs
}

// recordKeys lists each record's usable keys, ascending: record i's are
// keys[off[i]:off[i+1]].
func (ix *Index) recordKeys(runs [][2]int32) (off []int32, keys []uint64) {
	off = make([]int32, len(ix.feats)+1)
	for _, r := range runs {
		for _, p := range ix.postings[r[0]:r[1]] {
			off[p.rec+1]++
		}
	}
	for i := 1; i < len(off); i++ {
		off[i] += off[i-1]
	}
	keys = make([]uint64, off[len(off)-1])
	fill := slices.Clone(off[:len(off)-1])
	for _, r := range runs {
		for _, p := range ix.postings[r[0]:r[1]] {
			keys[fill[p.rec]] = p.key
			fill[p.rec]++
		}
	}
	return off, keys
}

// firstShared returns the least key in both ascending lists (which the
// caller knows share one).
func firstShared(a, b []uint64) uint64 {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			return a[i]
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return 0
}

// LinkSets finds the pairs (a record of a, a record of b) that are the
// same person, sorted by A then B. Records within one set are not
// compared with each other.
func LinkSets(a, b []Record, opt Options) ([]Match, error) {
	ix, err := NewIndex(b, opt)
	if err != nil {
		return nil, err
	}
	results := make([][]Match, ix.opt.Workers)
	var wg sync.WaitGroup
	for c, ch := range splitRange(len(a), ix.opt.Workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s scratch
			for i := ch[0]; i < ch[1]; i++ {
				f := ix.features(a[i])
				for _, j := range ix.candidates(&f, -1, &s) {
					if m, ok := ix.match(&f, a[i].ID, j); ok {
						results[c] = append(results[c], m)
					}
				}
			}
		}()
	}
	wg.Wait()
	var out []Match
	for _, r := range results {
		out = append(out, r...)
	}
	sortMatches(out, false)
	return out, nil
}
