package names

import "math/bits"

// An upper bound of the name score, so that Search can skip the names
// that cannot reach a query's MinScore without aligning them.
//
// The score is M / (M + alpha·(C + conflict) + b·extra) with b ≥ beta. Give
// each token of a pair half the pair's weight: a token t of weight w in a
// pair of shaped similarity e adds w/2·e to M and w/2·(1 − e) to C.
// Since alpha ≥ 2·beta, alpha·min(la, lb) + b·|la − lb| ≥ beta·(la + lb),
// so an unaligned token of (leftover) weight w' adds at least beta·w' to
// the penalty; w' is w, or w·dupExtraFactor when the name has another
// token spelled the same. The score reaches tau only if
//
//	Σ_aligned w/2·(e − tau·(e + alpha·(1 − e))) − tau·beta·Σ_unaligned w' ≥ 0.
//
// Each term only grows with e, and e ≤ u_t, the largest similarity of any
// pair that can hold t (one token against one, a token against a joined
// span, an acronym against a run); so the score reaches tau only if the
// sum over tokens of the better of the two terms, with e = u_t, is ≥ 0.
// Nothing here depends on the order in which align picks its pairs.

// tokenSimBound is an upper bound of tokenSim(a, b) when that is at least
// minPairSim (pairs below it are never aligned), computed without the
// edit distance: the letters one key lacks and the difference of the
// keys' lengths bound it from below (see missingCost). A bound below
// minPairSim only says that the pair is never aligned.
func tokenSimBound(a, b *token) float64 {
	// Equal strings have equal masks: comparing those first saves most
	// string comparisons.
	if a.kind == kindLegal || b.kind == kindLegal || a.smask == b.smask && a.s == b.s || a.cjk && b.cjk ||
		a.kind == kindNumber || b.kind == kindNumber || a.kind == kindInitial || b.kind == kindInitial ||
		a.mask == b.mask && a.phon == b.phon {
		s, _ := tokenSim(a, b) // no edit distance on these paths
		return s
	}
	if a.abjad || b.abjad {
		return 1 // the skeleton comparison is not bounded here
	}
	// The letter and length bounds first: they cost a few instructions.
	best := editSimBound(a.phon, b.phon, a.mask, b.mask)
	if a.s != a.phon || b.s != b.phon {
		best = max(best, editSimBound(a.s, b.s, a.smask, b.smask))
	}
	if best < simKorean && a.kor != "" && b.kor != "" && korEqual(a, b) {
		best = simKorean
	}
	// oneEditSim is at most simOneEdit.
	if best < simOneEdit && oneEdit(a, b) {
		best = max(best, oneEditSim(a, b))
	}
	return best
}

// editSimBound bounds editSim(a, b) from above where editSim is at least
// minPairSim (there the edit distance is computed in full); below
// minPairSim it may return 0. ma and mb are letterMask(a) and
// letterMask(b).
func editSimBound(a, b string, ma, mb uint32) float64 {
	return shapeEditBound(int32(len(a)), int32(len(b)), ma, mb)
}

// mayReach reports whether the name score of q against the indexed name
// in can be tau or more (tau > 0). It tries bounds of increasing cost and
// stops at the first that rules the name out: token pairs bounded by
// tokenSimBound and joined spans and acronyms by their factors alone
// (mergeFactor, simAcronym) wherever appendMerges and appendAcronyms could
// try them; then the similarities (memoised, as align computes them) of
// the pairs whose bound is not below theta; then joined spans compared
// too.
// qdups is dupMask of the query's tokens.
func (ix *Index) mayReach(q *name, qdups uint32, in *indexedName, tau float64, sc *scratch) bool {
	nq, nc := len(q.toks), len(in.ids)
	if nq == 0 || nc == 0 {
		return false
	}
	// The state lives in the scratch: only what is read before it is
	// written is cleared.
	b := &sc.bound
	b.tau, b.nq, b.nc, b.spans = tau, nq, nc, b.spans[:0]
	clear(b.aq[:nq])
	clear(b.ac[:nc])
	qs := sc.queryShapes(q.toks)
	cs := &b.cs
	for i := range q.toks {
		b.qp[i] = &q.toks[i]
		b.wq[i] = qs.shapes[i].w
	}
	for j, id := range in.ids {
		b.cp[j] = &ix.toks[id]
		cs[j] = ix.shapes[id]
		b.wc[j] = cs[j].w
	}
	leftoverWeights(b.wq[:nq], qdups, b.lq[:nq])
	leftoverWeights(b.wc[:nc], in.dups, b.lc[:nc])
	b.spans = qs.mergeSpans(cs[:nc], b.spans)
	acronymBounds(qs.shapes[:nq], b.qp[:nq], cs[:nc], b.aq[:nq], b.ac[:nc])
	acronymBounds(cs[:nc], b.cp[:nc], qs.shapes[:nq], b.ac[:nc], b.aq[:nq])
	// Below theta a token's aligned term is below its leftover term
	// whatever its weight: the similarity there would seldom tighten the
	// bound, so the bound is kept instead of computing it.
	theta := tau * (alpha - 2*beta*dupExtraFactor) / (1 - tau + alpha*tau)
	// singles sets the single-token bounds; it reports whether a pair's
	// bound is at theta or more without its similarity (exact: whether it
	// computed one).
	singles := func(exact bool) (pending bool) {
		copy(b.uq[:nq], b.aq[:nq])
		copy(b.uc[:nc], b.ac[:nc])
		for j, id := range in.ids {
			row, mask := sc.boundMask(id, b.cp[j], &cs[j], q.toks, qs.shapes[:nq])
			for ; mask != 0; mask &= mask - 1 {
				i := bits.TrailingZeros32(mask)
				e := &row[i]
				var s float64
				if e.set {
					s = e.sim
				} else {
					s = e.ub
					if s >= theta {
						pending = true
						if exact {
							e.sim, e.kind = tokenSim(b.qp[i], b.cp[j])
							e.set = true
							s = e.sim
						}
					}
				}
				if s >= minPairSim {
					b.uq[i] = max(b.uq[i], s)
					b.uc[j] = max(b.uc[j], s)
				}
			}
		}
		return pending
	}
	factor := func(mergeSpan) float64 { return mergeFactor }
	pending := singles(false)
	if !b.reaches(factor) {
		return false
	}
	// With no similarity left to compute, the second pass would find the
	// same bounds.
	if pending {
		singles(true)
		if !b.reaches(factor) {
			return false
		}
	}
	// Joined spans compared, memoised for the query by the tokens
	// involved: the query's token and the candidate's interned tokens, or
	// the candidate's interned token and the query's span. A candidate's
	// span is joined only if the shapes leave its similarity at theta or
	// more.
	return b.reaches(func(m mergeSpan) float64 {
		var k mergeKey
		if m.querySpan {
			k = mergeKey{x: in.ids[m.x], ids: [3]int32{-1, int32(m.from), int32(m.to)}}
		} else {
			k = mergeKey{x: int32(m.x), ids: [3]int32{-1, -1, -1}}
			copy(k.ids[:], in.ids[m.from:m.to])
		}
		if s, ok := sc.merges[k]; ok {
			return s
		}
		var jt token
		var xt *token
		if m.querySpan {
			jt, xt = sc.queryJoin(q.toks, span{int(m.from), int(m.to)}), b.cp[m.x]
		} else {
			js := joinedShape(b.cp[:nc], int(m.from), int(m.to))
			if s := shapeBoundLoose(&qs.shapes[m.x], &js) * mergeFactor; s < theta {
				sc.merges[k] = s
				return s
			}
			jt, xt = sc.joinedIDs(k.ids, b.cp[m.from:m.to]), b.qp[m.x]
		}
		s := tokenSimBound(xt, &jt)
		if s*mergeFactor >= theta {
			s, _ = tokenSim(xt, &jt)
		}
		s *= mergeFactor
		sc.merges[k] = s
		return s
	})
}

// mergeKey identifies a joined-span comparison of one query: a query
// token (x) against a span of candidate tokens (their interned ids, -1
// after the last), or a candidate's interned token (x) against the
// query's span {-1, from, to}.
type mergeKey struct {
	x   int32
	ids [3]int32
}

// mergeSpan is a pair appendMerges could try: token x of one name against
// tokens [from, to) of the other, the query's when querySpan.
type mergeSpan struct {
	querySpan   bool
	x, from, to int8
}

// nameBound is the state of mayReach: the tokens of both names, their
// leftover weights, the joined spans that could pair them, the acronym
// bounds and the bounds of their single-token pairs.
type nameBound struct {
	tau    float64
	nq, nc int
	qp, cp [maxTokens]*token
	cs     [maxTokens]shape   // the candidate's
	wq, wc [maxTokens]float64 // token weights
	lq, lc [maxTokens]float64 // leftoverWeight
	aq, ac [maxTokens]float64 // simAcronym where an acronym could pair the token
	uq, uc [maxTokens]float64
	// ruq, ruc are the bounds reaches raises by joined spans.
	ruq, ruc [maxTokens]float64
	spans    []mergeSpan
}

// reaches adds to the single-token bounds those of the joined spans
// (merged gives a span's similarity) and tells whether the sum of the
// bound is not negative.
func (b *nameBound) reaches(merged func(mergeSpan) float64) bool {
	nq, nc := b.nq, b.nc
	uq, uc := b.ruq[:nq], b.ruc[:nc]
	copy(uq, b.uq[:nq])
	copy(uc, b.uc[:nc])
	for _, m := range b.spans {
		ux, uy := uc[:nc], uq[:nq]
		if !m.querySpan {
			ux, uy = uq[:nq], uc[:nc]
		}
		if !raises(ux[m.x:m.x+1], mergeFactor) && !raises(uy[m.from:m.to], mergeFactor) {
			continue // no similarity of the pair could raise a bound
		}
		s := merged(m)
		if s < minPairSim {
			continue
		}
		ux[m.x] = max(ux[m.x], s)
		for k := m.from; k < m.to; k++ {
			uy[k] = max(uy[k], s)
		}
	}
	// The extra-token factor b is beta·max(1, minMatchedForCheapExtras/M)
	// and M is at most mq + mc: with gamma = min(that factor, alpha/2),
	// the penalty is at least gamma·(la + lb) + (alpha − 2·gamma)·min(la, lb),
	// and la, lb are at least the leftover weights of the tokens that have
	// no possible partner (fq, fc).
	mq, fq := boundTerms(b.wq[:nq], uq[:nq], b.lq[:nq])
	mc, fc := boundTerms(b.wc[:nc], uc[:nc], b.lc[:nc])
	if mq+mc == 0 {
		return false
	}
	tau := b.tau
	gamma := min(beta*max(1, minMatchedForCheapExtras/(mq+mc)), alpha/2)
	sum := tokenTerms(b.wq[:nq], uq[:nq], b.lq[:nq], tau, gamma) + tokenTerms(b.wc[:nc], uc[:nc], b.lc[:nc], tau, gamma)
	sum -= tau * (alpha - 2*gamma) * min(fq, fc)
	return sum >= -boundSlack
}

// boundSlack absorbs the rounding of the bound's sum: a score of exactly
// tau gives a sum of 0 give or take an ulp or two.
const boundSlack = 1e-9

// boundTerms returns the most a name's tokens can add to M (their weight
// halves times their bounds) and the leftover weight (lw) of the tokens
// that have no possible partner.
func boundTerms(ws, u, lw []float64) (m, forced float64) {
	for i, w := range ws {
		if u[i] > 0 {
			m += w / 2 * u[i]
		} else {
			forced += lw[i]
		}
	}
	return m, forced
}

// leftoverWeights sets lw[i] to the least weight token i can add to its
// name's leftover when unaligned (see leftover): its weight, or less when
// another token of the name is spelled the same (bit i of dups).
func leftoverWeights(ws []float64, dups uint32, lw []float64) {
	for i, w := range ws {
		lw[i] = w
		if dups&(1<<i) != 0 {
			lw[i] = w * dupExtraFactor
		}
	}
}

// tokenTerms sums, over the tokens of one name, the better of a token's
// two terms in the bound (aligned with similarity u, or left over at
// gamma per unit of leftover weight lw).
func tokenTerms(ws, u, lw []float64, tau, gamma float64) float64 {
	sum := 0.0
	for i, w := range ws {
		v := -tau * gamma * lw[i]
		if e := u[i]; e > 0 {
			v = max(v, w/2*(e-tau*(e+alpha*(1-e))))
		}
		sum += v
	}
	return sum
}

// shape is what mergeSpans, acronymBounds and quickReject read of a
// token, packed so that the loops over every pair of tokens of two names
// stay in a few cache lines.
type shape struct {
	w           float64
	n, pn       int32  // len(s), len(phon)
	mask, smask uint32 // letterMask(phon), letterMask(s)
	kor         uint32 // hashKor(kor), when shapeKor
	first, last byte   // the first and last bytes of phon, 0 when phon is ""
	s0          byte   // s[0], 0 when s is ""
	flags       uint8
}

const (
	shapeWord      = 1 << iota // kind is kindWord
	shapeMergeable             // mergeable
	shapeLegal                 // kind is kindLegal
	shapeAcronym               // a word of 2–6 letters a–z: appendAcronyms may spell it
	// shapeSpecial: tokenSimBound compares the token without bounds (a
	// legal form, a number, an initial, a CJK syllable, an abjad
	// transliteration).
	shapeSpecial
	shapeKor    // kor is not ""
	shapeSIsKey // s is phon
)

func shapeOf(t *token) shape {
	sh := shape{w: t.w, n: int32(len(t.s)), pn: int32(len(t.phon)), mask: t.mask, smask: t.smask}
	if t.phon != "" {
		sh.first, sh.last = t.phon[0], t.phon[len(t.phon)-1]
	}
	if t.s != "" {
		sh.s0 = t.s[0]
	}
	if t.kind == kindWord {
		sh.flags |= shapeWord
		if len(t.s) >= 2 && len(t.s) <= 6 && isLetters(t.s) {
			sh.flags |= shapeAcronym
		}
	}
	if mergeable(t) {
		sh.flags |= shapeMergeable
	}
	if t.kind == kindLegal {
		sh.flags |= shapeLegal
	}
	if t.kind == kindLegal || t.kind == kindNumber || t.kind == kindInitial || t.cjk || t.abjad {
		sh.flags |= shapeSpecial
	}
	if t.kor != "" {
		sh.flags |= shapeKor
		sh.kor = uint32(hashKor(t.kor))
	}
	if t.s == t.phon {
		sh.flags |= shapeSIsKey
	}
	return sh
}

// quickReject reports, from their shapes alone, that tokenSimBound of two
// tokens is below minPairSim: neither is compared without bounds, their
// spellings and keys differ, both letter-and-length bounds are below
// minPairSim, they cannot share a Korean key (korEqual keys hash the same
// with NK read N) and they are not one edit apart (one edit changes the
// length by one at most and adds and removes a letter at most). It
// follows tokenSimBound; false says nothing.
func quickReject(a, b *shape) bool {
	f := a.flags | b.flags
	switch {
	case f&shapeSpecial != 0, // compared in full, or not bounded
		a.n == b.n && a.smask == b.smask, a.pn == b.pn && a.mask == b.mask, // possibly equal
		a.flags&b.flags&shapeKor != 0 && a.kor == b.kor: // possibly korEqual
		return false
	}
	if mayBeOneEdit(a, b) {
		return false
	}
	if !editBoundBelow(a.pn, b.pn, a.mask, b.mask) {
		return false
	}
	return a.flags&b.flags&shapeSIsKey != 0 || editBoundBelow(a.n, b.n, a.smask, b.smask)
}

// shapeBound is tokenSimBound(a, b) for tokens of shapes sa and sb,
// reading the tokens only where the shapes cannot tell (a pair compared in
// full, a shared Korean key hash, a possible single edit): most pairs of a
// query's and a candidate's tokens are bounded from the shapes alone.
func shapeBound(sa, sb *shape, a, b *token) float64 {
	if (sa.flags|sb.flags)&shapeSpecial != 0 || sa.n == sb.n && sa.smask == sb.smask || sa.pn == sb.pn && sa.mask == sb.mask {
		return tokenSimBound(a, b)
	}
	// The spellings differ, and so do the keys.
	best := shapeEditBound(sa.pn, sb.pn, sa.mask, sb.mask)
	if sa.flags&sb.flags&shapeSIsKey == 0 {
		best = max(best, shapeEditBound(sa.n, sb.n, sa.smask, sb.smask))
	}
	if best < simKorean && sa.flags&sb.flags&shapeKor != 0 && sa.kor == sb.kor && korEqual(a, b) {
		best = simKorean
	}
	if best < simOneEdit && mayBeOneEdit(sa, sb) && oneEdit(a, b) {
		best = max(best, oneEditSim(a, b))
	}
	return best
}

// shapeEditBound is editSimBound for strings of lengths la and lb and
// letter masks ma and mb.
func shapeEditBound(la, lb int32, ma, mb uint32) float64 {
	l := max(la, lb)
	switch {
	case l == 0:
		return 0
	case l > maxEditLen:
		return 1 // editSim reads truncated strings
	}
	// Non-ASCII strings have the mask's other bit: missingCost is 0 and l
	// counts bytes, not fewer than editSim's runes.
	cost := max(missingCost(ma, mb), missingCost(mb, ma))
	if (ma|mb)&otherMask == 0 {
		// Letters a–z only, one byte each: every letter of the length
		// difference is deleted at costHIndel or more.
		cost = max(cost, costHIndel*float64(max(la-lb, lb-la)))
	}
	// Clearly below minPairSim (the margin is far above rounding): no
	// division.
	if editSensitivity*cost > (1-minPairSim)*float64(l)+1e-9 {
		return 0
	}
	return 1 - editSensitivity*cost/float64(l)
}

// shapeBoundLoose is at least tokenSimBound(a, b) for tokens of shapes sa
// and sb, from the shapes alone: a Korean key or a single edit the shapes
// allow is taken to be there.
func shapeBoundLoose(sa, sb *shape) float64 {
	if (sa.flags|sb.flags)&shapeSpecial != 0 || sa.n == sb.n && sa.smask == sb.smask || sa.pn == sb.pn && sa.mask == sb.mask {
		return 1
	}
	best := shapeEditBound(sa.pn, sb.pn, sa.mask, sb.mask)
	if sa.flags&sb.flags&shapeSIsKey == 0 {
		best = max(best, shapeEditBound(sa.n, sb.n, sa.smask, sb.smask))
	}
	if sa.flags&sb.flags&shapeKor != 0 && sa.kor == sb.kor {
		best = max(best, simKorean)
	}
	if mayBeOneEdit(sa, sb) {
		best = max(best, simOneEdit)
	}
	return best
}

// mayBeOneEdit is false when oneEdit of tokens of shapes a and b is: one
// edit changes a length by one at most and adds and removes a letter at
// most.
func mayBeOneEdit(a, b *shape) bool {
	return a.flags&b.flags&shapeWord != 0 && max(a.n, b.n) >= 3 && min(a.n, b.n) >= 2 &&
		(a.n-b.n <= 1 && b.n-a.n <= 1 && bits.OnesCount32(a.smask^b.smask) <= 2 ||
			a.pn-b.pn <= 1 && b.pn-a.pn <= 1 && bits.OnesCount32(a.mask^b.mask) <= 2)
}

// editBoundBelow reports whether editSimBound of two strings of lengths
// la and lb and letter masks ma and mb is below minPairSim, in exact
// arithmetic: costs in tenths (costVowelSub 4, costHIndel 5, costNearSub
// 7), and 1 − 1.4·cost/l < 0.4 when 7·cost > 30·l.
func editBoundBelow(la, lb int32, ma, mb uint32) bool {
	l := max(la, lb)
	if l == 0 {
		return true
	}
	if l > maxEditLen {
		return false
	}
	lc := max(missingTenths(ma, mb), missingTenths(mb, ma))
	if (ma|mb)&otherMask == 0 {
		lc = max(lc, 5*max(la-lb, lb-la))
	}
	return 7*lc > 30*l
}

// missingTenths is missingCost in tenths.
func missingTenths(a, b uint32) int32 {
	if a&otherMask != 0 {
		return 0
	}
	miss := a &^ b
	v := bits.OnesCount32(miss & vowelMask)
	h := bits.OnesCount32(miss & hMask)
	c := bits.OnesCount32(miss) - v - h
	return int32(4*v + 5*h + 7*c)
}

// queryShapes is what mergeSpans reads of a query, indexed for the
// candidates' tokens: the shapes of its tokens, the tokens that can be
// joined against (words of 3 letters or more: x) by the first and last
// byte of their phonetic keys and by length, and the query's own spans of
// 2–3 tokens that a candidate's word can be joined against, indexed the
// same way.
type queryShapes struct {
	shapes [maxTokens]shape
	n      int // the query's tokens
	// x: bit i is query token i.
	xFirst, xLast [256]uint32
	xLen          [shapeLens]uint32 // tokens of length within 3 of the index
	// spans: bit s is spans[s].
	spans         []qspan
	sFirst, sLast [256]uint64
	sLen          [shapeLens]uint64 // spans of total length within 3 of the index
}

// shapeLens is how many lengths queryShapes indexes; longer ones are
// looked up token by token.
const shapeLens = 128

// qspan is a span of the query's tokens [from, to) that a candidate's word
// could be joined against: its total length and the first and last bytes
// of its first and last tokens' phonetic keys.
type qspan struct {
	from, to    int8
	first, last byte
	n           int32
	joined      shape // of the span's tokens joined
}

// queryShapes returns the query's shapes, built once per search.
func (s *scratch) queryShapes(toks []token) *queryShapes {
	qs := &s.qshapes
	if s.qshaped {
		return qs
	}
	s.qshaped = true
	qs.xFirst, qs.xLast, qs.xLen = [256]uint32{}, [256]uint32{}, [shapeLens]uint32{}
	qs.sFirst, qs.sLast, qs.sLen = [256]uint64{}, [256]uint64{}, [shapeLens]uint64{}
	qs.spans = qs.spans[:0]
	qs.n = len(toks)
	y := qs.shapes[:len(toks)]
	var tp [maxTokens]*token
	for i := range toks {
		y[i] = shapeOf(&toks[i])
		tp[i] = &toks[i]
	}
	for i := range y {
		x := &y[i]
		if x.flags&shapeWord == 0 || x.n < 3 {
			continue
		}
		bit := uint32(1) << i
		if x.first != 0 {
			qs.xFirst[x.first] |= bit
		}
		if x.last != 0 {
			qs.xLast[x.last] |= bit
		}
		for t := max(0, x.n-3); t <= x.n+3 && t < shapeLens; t++ {
			qs.xLen[t] |= bit
		}
	}
	for j := range y {
		if y[j].flags&shapeMergeable == 0 {
			continue
		}
		total := y[j].n
		for k := j + 1; k < len(y) && k < j+3; k++ {
			if y[k].flags&(shapeMergeable|shapeLegal) == 0 {
				break
			}
			total += y[k].n
			bit := uint64(1) << len(qs.spans)
			qs.spans = append(qs.spans, qspan{from: int8(j), to: int8(k + 1), first: y[j].first, last: y[k].last, n: total,
				joined: joinedShape(tp[:len(toks)], j, k+1)})
			if y[j].first != 0 {
				qs.sFirst[y[j].first] |= bit
			}
			if y[k].last != 0 {
				qs.sLast[y[k].last] |= bit
			}
			for t := max(0, total-3); t <= total+3 && t < shapeLens; t++ {
				qs.sLen[t] |= bit
			}
		}
	}
	return qs
}

// xLenMask is the query's words whose length is within 3 of n.
func (qs *queryShapes) xLenMask(n int32) uint32 {
	if n < shapeLens {
		return qs.xLen[n]
	}
	var m uint32
	for i := range qs.shapes[:qs.n] {
		if x := &qs.shapes[i]; x.flags&shapeWord != 0 && x.n >= 3 && x.n-n <= 3 && n-x.n <= 3 {
			m |= 1 << i
		}
	}
	return m
}

// sLenMask is the query's spans whose total length is within 3 of n.
func (qs *queryShapes) sLenMask(n int32) uint64 {
	if n < shapeLens {
		return qs.sLen[n]
	}
	var m uint64
	for s, sp := range qs.spans {
		if sp.n-n <= 3 && n-sp.n <= 3 {
			m |= 1 << s
		}
	}
	return m
}

// mergeSpans appends the pairs appendMerges could try between the query
// and a candidate whose tokens have shapes cs: a query word against 2–3
// adjacent tokens of the candidate and a candidate's word against 2–3 of
// the query's. It finds what appendMerges' loops would, without their
// goodX and goodY conditions (which only leave pairs out): the spans'
// first tokens mergeable and the others mergeable or legal forms, a total
// length within 3 of the word's, and the span's phonetic key starting or
// ending as the word's (a joined name starts like its first part or ends
// like its last). A candidate's word is then paired with a query span only
// if quickReject does not rule it out against the joined span's shape
// (computed once per query): a similarity below minPairSim never aligns
// the pair.
func (qs *queryShapes) mergeSpans(cs []shape, out []mergeSpan) []mergeSpan {
	// query words against the candidate's spans
	for j := range cs {
		if cs[j].flags&shapeMergeable == 0 {
			continue
		}
		total := cs[j].n
		first := qs.xFirst[cs[j].first]
		for k := j + 1; k < len(cs) && k < j+3; k++ {
			if cs[k].flags&(shapeMergeable|shapeLegal) == 0 {
				break
			}
			total += cs[k].n
			for m := qs.xLenMask(total) & (first | qs.xLast[cs[k].last]); m != 0; m &= m - 1 {
				out = append(out, mergeSpan{false, int8(bits.TrailingZeros32(m)), int8(j), int8(k + 1)})
			}
		}
	}
	// the candidate's words against the query's spans
	if len(qs.spans) == 0 {
		return out
	}
	for i := range cs {
		x := &cs[i]
		if x.flags&shapeWord == 0 || x.n < 3 {
			continue
		}
		for m := qs.sLenMask(x.n) & (qs.sFirst[x.first] | qs.sLast[x.last]); m != 0; m &= m - 1 {
			sp := &qs.spans[bits.TrailingZeros64(m)]
			if !quickReject(x, &sp.joined) {
				out = append(out, mergeSpan{true, int8(i), sp.from, sp.to})
			}
		}
	}
	return out
}

// joinedShape is shapeOf(&t) for t = joined(toks, span{from, to}) (of the
// tokens themselves, not pointers), computed without building t.
func joinedShape(toks []*token, from, to int) shape {
	var sbuf, kbuf [64]byte
	var pbuf [128]byte
	s, kor := sbuf[:0], kbuf[:0]
	korOK, abjad := true, false
	var smask uint32
	for k := from; k < to; k++ {
		t := toks[k]
		s = append(s, t.s...)
		smask |= t.smask
		abjad = abjad || t.abjad
		korOK = korOK && t.kor != ""
		kor = append(kor, t.kor...)
	}
	phon := appendPhonetic(pbuf[:0], s)
	sh := shape{w: 1, n: int32(len(s)), pn: int32(len(phon)), mask: letterMask(phon), smask: smask,
		flags: shapeWord | shapeMergeable}
	if len(phon) > 0 {
		sh.first, sh.last = phon[0], phon[len(phon)-1]
	}
	if len(s) > 0 {
		sh.s0 = s[0]
	}
	if len(s) >= 2 && len(s) <= 6 && isLetters(string(s)) {
		sh.flags |= shapeAcronym
	}
	if abjad {
		sh.flags |= shapeSpecial
	}
	if korOK {
		sh.flags |= shapeKor
		sh.kor = uint32(hashKor(kor))
	}
	if string(s) == string(phon) {
		sh.flags |= shapeSIsKey
	}
	return sh
}

// acronymBounds raises the bounds of the tokens appendAcronyms(x, y) could
// pair to simAcronym, without its goodness conditions; xs and ys are the
// tokens' shapes.
func acronymBounds(xs []shape, x []*token, ys []shape, ux, uy []float64) {
	for i := range xs {
		if xs[i].flags&shapeAcronym == 0 {
			continue
		}
		t := x[i]
		n := len(t.s)
		for j := 0; j+n <= len(ys); j++ {
			ok := true
			for k := 0; k < n; k++ {
				yt := &ys[j+k]
				if yt.flags&shapeWord == 0 || yt.n < 2 || yt.s0 != t.s[k] {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			ux[i] = max(ux[i], simAcronym)
			for m := j; m < j+n; m++ {
				uy[m] = max(uy[m], simAcronym)
			}
		}
	}
}

// raises reports whether s is above any of the bounds u.
func raises(u []float64, s float64) bool {
	for _, v := range u {
		if s > v {
			return true
		}
	}
	return false
}
