package linkage

import (
	"cmp"
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/hiring/internal/textfold"
)

// TextOptions tune a [TextIndex]. The zero value is the documented
// default.
type TextOptions struct {
	// Threshold is the least Jaccard similarity of two documents' shingle
	// sets for them to be near-duplicates, in (0,1]; 0 means 0.8.
	Threshold float64
	// Shingle is how many consecutive words make a shingle; 0 means 3.
	Shingle int
	// Hashes is the MinHash signature length; 0 means 128. The bands and
	// rows per band are derived from it so that a pair at Threshold is a
	// candidate with probability ≥ 0.99.
	Hashes int
}

// Text defaults.
const (
	DefaultTextThreshold = 0.8
	DefaultShingle       = 3
	DefaultHashes        = 128
)

// TextMatch is a pair of near-duplicate documents and their shingle
// Jaccard similarity. In Duplicates A was added before B; in Query A is
// empty (the query) and B the indexed document.
type TextMatch struct {
	A, B    string
	Jaccard float64
}

// TextIndex finds near-duplicate documents: MinHash signatures over word
// shingles, banded for locality-sensitive hashing, candidates verified by
// exact Jaccard similarity. It is safe for concurrent use.
type TextIndex struct {
	opt         TextOptions
	rows, bands int
	seed        maphash.Seed
	mix         []uint64 // one per hash function

	mu      sync.RWMutex
	ids     []string
	byID    map[string]int32
	sets    [][]uint64 // sorted shingle hashes per document
	buckets map[uint64][]int32
}

// NewTextIndex returns an empty index; it fails only on invalid options.
func NewTextIndex(opt TextOptions) (*TextIndex, error) {
	if opt.Threshold == 0 {
		opt.Threshold = DefaultTextThreshold
	}
	if !(opt.Threshold > 0 && opt.Threshold <= 1) {
		return nil, bulwark.Invalid("threshold", "text similarity threshold %v is outside (0,1]: give a Jaccard similarity such as 0.8", opt.Threshold)
	}
	if opt.Shingle == 0 {
		opt.Shingle = DefaultShingle
	}
	if opt.Shingle < 1 || opt.Shingle > 16 {
		return nil, bulwark.Invalid("shingle", "shingle size %d is outside 1..16: give a number of words such as 3", opt.Shingle)
	}
	if opt.Hashes == 0 {
		opt.Hashes = DefaultHashes
	}
	if opt.Hashes < 8 || opt.Hashes > 1024 {
		return nil, bulwark.Invalid("hashes", "MinHash length %d is outside 8..1024: give a number such as 128", opt.Hashes)
	}
	t := &TextIndex{opt: opt, seed: maphash.MakeSeed(), byID: map[string]int32{}, buckets: map[uint64][]int32{}}
	t.rows, t.bands = bandsFor(opt.Hashes, opt.Threshold)
	state := maphash.Comparable(t.seed, opt.Hashes)
	for range opt.Hashes {
		state = splitmix(state)
		t.mix = append(t.mix, state|1)
	}
	return t, nil
}

// bandsFor picks the most rows per band (fewest spurious candidates) for
// which a pair at similarity t still shares a band with probability
// ≥ 0.99.
func bandsFor(n int, t float64) (rows, bands int) {
	rows, bands = 1, n
	for r := 1; r <= n; r++ {
		b := n / r
		if 1-math.Pow(1-math.Pow(t, float64(r)), float64(b)) >= 0.99 {
			rows, bands = r, b
		}
	}
	return rows, bands
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// shingles returns the document's word shingles as sorted, distinct
// hashes. The text is taken to its skeleton (textfold.Skeleton: without
// invisible characters, in NFKC form, look-alike Cyrillic and Greek
// letters as Latin), cut into segments at line breaks and sentence ends
// (so that reordering sections or sentences changes few shingles), each
// segment folded (lower case, accents and punctuation removed) and split
// into words, and every run of Shingle words within a segment hashed; a
// segment shorter than that is one shingle of all its words.
func (t *TextIndex) shingles(text string) []uint64 {
	var out []uint64
	var h maphash.Hash
	h.SetSeed(t.seed)
	// Invisible characters, compatibility forms and look-alike letters
	// (Cyrillic е for Latin e) are how a reused resume is disguised.
	text = textfold.Skeleton(text)
	for _, seg := range strings.FieldsFunc(text, isSegmentEnd) {
		words := strings.Fields(fold(seg))
		if len(words) == 0 {
			continue
		}
		k := min(t.opt.Shingle, len(words))
		for i := 0; i+k <= len(words); i++ {
			h.Reset()
			for _, w := range words[i : i+k] {
				h.WriteString(w)
				h.WriteByte(' ')
			}
			out = append(out, h.Sum64())
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func isSegmentEnd(r rune) bool {
	switch r {
	case '\n', '\r', '.', '!', '?', ';', '•', '·', '\u2028', '\u2029':
		return true
	}
	return false
}

func (t *TextIndex) bandKeys(set []uint64) []uint64 {
	sig := make([]uint64, len(t.mix))
	for i := range sig {
		sig[i] = math.MaxUint64
	}
	for _, s := range set {
		for i, m := range t.mix {
			if v := splitmix(s ^ m); v < sig[i] {
				sig[i] = v
			}
		}
	}
	keys := make([]uint64, t.bands)
	for b := range t.bands {
		x := uint64(b) * 0x9e3779b97f4a7c15
		for _, v := range sig[b*t.rows : (b+1)*t.rows] {
			x = splitmix(x ^ v)
		}
		keys[b] = x
	}
	return keys
}

// Jaccard returns |a∩b| / |a∪b| of two sorted, distinct sets (0 when both
// are empty).
func jaccard(a, b []uint64) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	i, j, inter := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// Add indexes a document under id. An empty id, an id already added or a
// text without words is an error.
func (t *TextIndex) Add(id, text string) error {
	if id == "" {
		return bulwark.Invalid("id", "a document needs an id")
	}
	set := t.shingles(text)
	if len(set) == 0 {
		return bulwark.Invalid("text", "document %q has no words to compare", id)
	}
	keys := t.bandKeys(set)
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, dup := t.byID[id]; dup {
		return bulwark.Invalid("id", "document %q was already added: give each document its own id", id)
	}
	n := int32(len(t.ids))
	t.ids = append(t.ids, id)
	t.byID[id] = n
	t.sets = append(t.sets, set)
	for _, k := range keys {
		t.buckets[k] = append(t.buckets[k], n)
	}
	return nil
}

// Len is the number of documents added.
func (t *TextIndex) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.ids)
}

// Query returns the indexed documents whose Jaccard similarity with text
// reaches the threshold, most similar first (ties by id).
func (t *TextIndex) Query(text string) []TextMatch {
	set := t.shingles(text)
	if len(set) == 0 {
		return nil
	}
	keys := t.bandKeys(set)
	t.mu.RLock()
	defer t.mu.RUnlock()
	var cands []int32
	for _, k := range keys {
		cands = append(cands, t.buckets[k]...)
	}
	slices.Sort(cands)
	cands = slices.Compact(cands)
	var out []TextMatch
	for _, c := range cands {
		if j := jaccard(set, t.sets[c]); j >= t.opt.Threshold {
			out = append(out, TextMatch{B: t.ids[c], Jaccard: j})
		}
	}
	slices.SortFunc(out, func(a, b TextMatch) int {
		if c := cmp.Compare(b.Jaccard, a.Jaccard); c != 0 {
			return c
		}
		return cmp.Compare(a.B, b.B)
	})
	return out
}

// Duplicates returns every pair of indexed documents whose Jaccard
// similarity reaches the threshold, in the order they were added.
func (t *TextIndex) Duplicates() []TextMatch {
	t.mu.RLock()
	defer t.mu.RUnlock()
	seen := map[[2]int32]bool{}
	for _, docs := range t.buckets {
		for i := range docs {
			for j := i + 1; j < len(docs); j++ {
				seen[[2]int32{docs[i], docs[j]}] = true
			}
		}
	}
	pairs := make([][2]int32, 0, len(seen))
	for p := range seen {
		pairs = append(pairs, p)
	}
	slices.SortFunc(pairs, func(a, b [2]int32) int {
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(a[1], b[1])
	})
	var out []TextMatch
	for _, p := range pairs {
		if j := jaccard(t.sets[p[0]], t.sets[p[1]]); j >= t.opt.Threshold {
			out = append(out, TextMatch{A: t.ids[p[0]], B: t.ids[p[1]], Jaccard: j})
		}
	}
	return out
}
