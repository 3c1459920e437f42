package names

import (
	"math"
	"slices"
	"strings"
)

// Scoring parameters of the name score (see doc.go):
//
//	score = M / (M + alpha·(C + conflict) + beta·extra)
//
// M is the similarity-weighted mass of the aligned token pairs, C the mass
// they miss (weight × (1 − similarity)), conflict the weight of unaligned
// tokens that face unaligned tokens on the other side (different names in
// the same slot), and extra the weight of the tokens only one name has (a
// middle name, a patronymic, a legal form).
const (
	alpha = 1.5
	beta  = 0.25
	// minMatchedForCheapExtras: with less matched mass than this, the
	// extra-token penalty beta is scaled up by minMatchedForCheapExtras/M.
	minMatchedForCheapExtras = 2.0
	// dupExtraFactor discounts an extra token that repeats an aligned one
	// ("Sergey Sergey Shoigu").
	dupExtraFactor = 0.3
	// crossedPatronymicFactor scales a pair that sits on different sides of
	// "bin"/"ibn"/"ben" in two names that both have one.
	crossedPatronymicFactor = 0.5
	// goodSim: a token with a single partner this similar is not tried in
	// joined/split or acronym alignments.
	goodSim = 0.9
	// kneeHi and kneeLo shape pair similarities (shapeSim).
	kneeHi = 0.7
	kneeLo = 0.4
	// minPairSim is the least similarity for a pair to be aligned at all.
	minPairSim = 0.4
)

// name is a normalised name ready for comparison.
type name struct {
	raw  string
	norm string
	toks []token
}

func prepare(s string) name {
	tz := tokenizers.Get().(*tokenizer)
	defer tokenizers.Put(tz)
	toks := tz.tokenize(s)
	return name{raw: s, norm: tz.norm(toks), toks: slices.Clone(toks)}
}

// span is a run of adjacent tokens [from, to).
type span struct{ from, to int }

func (s span) len() int { return s.to - s.from }

// pair is one aligned unit: a span of a against a span of b.
type pair struct {
	a, b span
	sim  float64
	w    float64
	kind matchKind
}

// alignment is the result of aligning two names.
type alignment struct {
	pairs    []pair
	unA, unB []int // unaligned token indexes
	m, c     float64
	conflict float64
	extra    float64
	score    float64
}

// alignBuf holds reusable slices for align. The alignment align returns
// shares them: it is valid until the next call with the same buffer.
type alignBuf struct {
	cands, pairs []pair
	unA, unB     []int
	// joins, when not nil, caches joined tokens by joinKey (Search sets
	// it for one query: the same spans recur across candidates).
	joins map[string]token
	key   []byte
}

// joined is joined(toks, s), cached in buf.joins when buf has one.
func (buf *alignBuf) joined(toks []token, s span) token {
	if buf.joins == nil {
		return joined(toks, s)
	}
	// The key holds everything joined reads: each part's spelling,
	// Korean key and abjad flag, and the first part's Cyrillic flag.
	k := buf.key[:0]
	for i := s.from; i < s.to; i++ {
		t := &toks[i]
		k = append(k, t.s...)
		k = append(k, 0)
		k = append(k, t.kor...)
		k = append(k, 0, boolByte(t.abjad))
	}
	k = append(k, boolByte(toks[s.from].cyr))
	buf.key = k
	if t, ok := buf.joins[string(k)]; ok {
		return t
	}
	t := joined(toks, s)
	buf.joins[string(k)] = t
	return t
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// simFn compares token i of a with token j of b.
type simFn func(i, j int) (float64, matchKind)

func spanWeight(toks []token, s span) float64 {
	w := 0.0
	for k := s.from; k < s.to; k++ {
		w += toks[k].w
	}
	return w
}

// joined builds the token standing for the concatenation of a span.
func joined(toks []token, s span) token {
	var b strings.Builder
	abjad := false
	kor := ""
	korOK := true
	for k := s.from; k < s.to; k++ {
		b.WriteString(toks[k].s)
		abjad = abjad || toks[k].abjad
		if toks[k].kor == "" {
			korOK = false
		}
		kor += toks[k].kor
	}
	t := token{s: b.String(), kind: kindWord, w: 1, abjad: abjad, cyr: toks[s.from].cyr}
	t.phon = phoneticKey(t.s)
	t.skel = skeleton(t.phon)
	t.mask = letterMask(t.phon)
	t.smask = letterMask(t.s)
	if korOK {
		t.kor = kor
	}
	return t
}

// mergeable reports whether a token may take part in a joined/split span.
func mergeable(t *token) bool {
	return t.kind == kindWord || t.kind == kindParticle || t.kind == kindInitial
}

// align aligns the tokens of a and b and scores the alignment. sim gives
// single-token similarities (possibly cached).
func align(a, b []token, sim simFn, buf *alignBuf) alignment {
	if buf == nil {
		buf = &alignBuf{}
	}
	cands := buf.cands[:0]
	defer func() { buf.cands = cands[:0] }()
	var goodA, goodB [maxTokens]bool
	for i := range a {
		for j := range b {
			s, k := sim(i, j)
			if s >= minPairSim {
				cands = append(cands, pair{a: span{i, i + 1}, b: span{j, j + 1}, sim: s, kind: k})
			}
			if s >= goodSim {
				goodA[i], goodB[j] = true, true
			}
		}
	}
	if sa, sb := binSegments(a), binSegments(b); sa != nil && sb != nil {
		// "Salman bin Muhammad" is not "Muhammad bin Salman": a token on
		// the other side of the patronymic connector is a different person.
		for k := range cands {
			if sa[cands[k].a.from] != sb[cands[k].b.from] {
				cands[k].sim *= crossedPatronymicFactor
			}
		}
	}
	// Joined/split and acronym alignments are only tried for tokens that
	// found no good single partner.
	cands = appendMerges(cands, a, b, goodA[:], goodB[:], false, buf)
	cands = appendMerges(cands, b, a, goodB[:], goodA[:], true, buf)
	cands = appendAcronyms(cands, a, b, goodA[:], goodB[:], false)
	cands = appendAcronyms(cands, b, a, goodB[:], goodA[:], true)
	for i := range cands {
		c := &cands[i]
		c.w = (spanWeight(a, c.a) + spanWeight(b, c.b)) / 2
	}
	slices.SortFunc(cands, func(x, y pair) int {
		switch {
		case x.sim != y.sim:
			return cmpDesc(x.sim, y.sim)
		case x.w != y.w:
			return cmpDesc(x.w, y.w)
		case x.a.from != y.a.from:
			return x.a.from - y.a.from
		case x.b.from != y.b.from:
			return x.b.from - y.b.from
		case x.a.to != y.a.to:
			return x.a.to - y.a.to
		}
		return x.b.to - y.b.to
	})
	var usedA, usedB [maxTokens]bool
	al := alignment{pairs: buf.pairs[:0], unA: buf.unA[:0], unB: buf.unB[:0]}
	defer func() { buf.pairs, buf.unA, buf.unB = al.pairs[:0], al.unA[:0], al.unB[:0] }()
	for _, c := range cands {
		if anyUsed(usedA[:], c.a) || anyUsed(usedB[:], c.b) {
			continue
		}
		markUsed(usedA[:], c.a)
		markUsed(usedB[:], c.b)
		al.pairs = append(al.pairs, c)
		e := shapeSim(c.sim)
		al.m += c.w * e
		al.c += c.w * (1 - e)
	}
	la := leftover(a, usedA[:], &al.unA)
	lb := leftover(b, usedB[:], &al.unB)
	al.conflict = math.Min(la, lb)
	al.extra = math.Abs(la - lb)
	if al.m > 0 {
		// Extra tokens are cheap only once enough is matched: below two
		// matched words their penalty grows (a one-word name inside a
		// longer one is weak evidence).
		b := beta * max(1, minMatchedForCheapExtras/al.m)
		al.score = al.m / (al.m + alpha*(al.c+al.conflict) + b*al.extra)
	}
	return al
}

func cmpDesc(x, y float64) int {
	if x > y {
		return -1
	}
	return 1
}

func anyUsed(used []bool, s span) bool {
	for k := s.from; k < s.to; k++ {
		if used[k] {
			return true
		}
	}
	return false
}

func markUsed(used []bool, s span) {
	for k := s.from; k < s.to; k++ {
		used[k] = true
	}
}

// leftover sums the weight of unaligned tokens; a token repeating an
// aligned token of the same name weighs less.
func leftover(toks []token, used []bool, un *[]int) float64 {
	w := 0.0
	for i := range toks {
		if used[i] {
			continue
		}
		*un = append(*un, i)
		tw := toks[i].w
		for j := range toks {
			if j != i && used[j] && toks[j].s == toks[i].s {
				tw *= dupExtraFactor
				break
			}
		}
		w += tw
	}
	return w
}

// appendMerges adds candidates pairing one token of x with the
// concatenation of 2–3 adjacent tokens of y ("Jongun" ~ "Jong Un",
// "SiemensAG" ~ "Siemens AG"). swapped says x is the b side.
func appendMerges(cands []pair, x, y []token, goodX, goodY []bool, swapped bool, buf *alignBuf) []pair {
	for i := range x {
		if x[i].kind != kindWord || len(x[i].s) < 3 || goodX[i] {
			continue
		}
		lx := len(x[i].s)
		for j := range y {
			// A joined name starts like its first part or ends like its last:
			// checking those letters avoids building hopeless joins.
			firstOK := y[j].phon != "" && y[j].phon[0] == x[i].phon[0]
			total := 0
			for k := j; k < len(y) && k < j+3; k++ {
				if goodY[k] || !mergeable(&y[k]) && !(k > j && y[k].kind == kindLegal) {
					break
				}
				total += len(y[k].s)
				if k == j {
					continue
				}
				if total > lx+3 || total < lx-3 {
					if total > lx+3 {
						break
					}
					continue
				}
				if !firstOK && (y[k].phon == "" || y[k].phon[len(y[k].phon)-1] != x[i].phon[len(x[i].phon)-1]) {
					continue
				}
				sp := span{j, k + 1}
				jt := buf.joined(y, sp)
				s, kind := tokenSim(&x[i], &jt)
				s *= mergeFactor
				if s < minPairSim {
					continue
				}
				p := pair{a: span{i, i + 1}, b: sp, sim: s, kind: kind}
				if swapped {
					p.a, p.b = p.b, p.a
				}
				cands = append(cands, p)
			}
		}
	}
	return cands
}

// appendAcronyms adds candidates pairing a short all-letter token of x
// with the run of y tokens whose initials spell it.
func appendAcronyms(cands []pair, x, y []token, goodX, goodY []bool, swapped bool) []pair {
	for i := range x {
		t := &x[i]
		if t.kind != kindWord || len(t.s) < 2 || len(t.s) > 6 || !isLetters(t.s) || goodX[i] {
			continue
		}
		n := len(t.s)
		for j := 0; j+n <= len(y); j++ {
			ok := true
			for k := 0; k < n; k++ {
				yt := &y[j+k]
				if goodY[j+k] || yt.kind != kindWord || len(yt.s) < 2 || yt.s[0] != t.s[k] {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			p := pair{a: span{i, i + 1}, b: span{j, j + n}, sim: simAcronym, kind: matchAcronym}
			if swapped {
				p.a, p.b = p.b, p.a
			}
			cands = append(cands, p)
		}
	}
	return cands
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// scoreNames compares two prepared names symmetrically: the pair is put in
// a canonical order first, so Compare(a, b) == Compare(b, a) exactly.
// swapped reports whether the alignment's a side is y.
func scoreNames(x, y *name) (al alignment, swapped bool) {
	a, b := x, y
	if b.norm < a.norm || b.norm == a.norm && b.raw < a.raw {
		a, b = b, a
		swapped = true
	}
	if len(a.toks) == 0 || len(b.toks) == 0 {
		return alignment{}, swapped
	}
	at, bt := a.toks, b.toks
	al = align(at, bt, func(i, j int) (float64, matchKind) { return tokenSim(&at[i], &bt[j]) }, nil)
	return al, swapped
}

// binSegments numbers the tokens of a name by how many patronymic
// connectors (bin, ibn, ben, bint) with name parts on both sides precede
// them; nil when the name has none.
func binSegments(toks []token) []int {
	var seg []int
	n := 0
	for i := range toks {
		if toks[i].kind == kindParticle && toks[i].s == "bin" && i > 0 && i < len(toks)-1 {
			if seg == nil {
				seg = make([]int, len(toks))
			}
			n++
		}
		if seg != nil {
			seg[i] = n
		}
	}
	return seg
}

// shapeSim keeps similarities from kneeHi up (typos, variants) and fades
// those below it to 0 at kneeLo: a half-similar token is a different name,
// not half the same one.
func shapeSim(s float64) float64 {
	if s >= kneeHi {
		return s
	}
	if s <= kneeLo {
		return 0
	}
	return s * (s - kneeLo) / (kneeHi - kneeLo)
}
