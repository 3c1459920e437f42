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
// edit distance: the letters one key lacks bound it from below (see
// missingCost).
func tokenSimBound(a, b *token) float64 {
	if a.kind == kindLegal || b.kind == kindLegal || a.s == b.s || a.cjk && b.cjk ||
		a.kind == kindNumber || b.kind == kindNumber || a.kind == kindInitial || b.kind == kindInitial ||
		a.phon == b.phon {
		s, _ := tokenSim(a, b) // no edit distance on these paths
		return s
	}
	if a.abjad || b.abjad {
		return 1 // the skeleton comparison is not bounded here
	}
	best := 0.0
	if korEqual(a, b) {
		best = simKorean
	}
	if oneEdit(a, b) {
		best = max(best, oneEditSim(a, b))
	}
	best = max(best, editSimBound(a.phon, b.phon, a.mask, b.mask))
	if a.s != a.phon || b.s != b.phon {
		best = max(best, editSimBound(a.s, b.s, letterMask(a.s), letterMask(b.s)))
	}
	return best
}

// editSimBound bounds editSim(a, b) from above where editSim is at least
// minPairSim (there the edit distance is computed in full). ma and mb are
// letterMask(a) and letterMask(b).
func editSimBound(a, b string, ma, mb uint32) float64 {
	l := max(len(a), len(b))
	switch {
	case l == 0:
		return 0
	case l > maxEditLen:
		return 1 // editSim reads truncated strings
	}
	// Non-ASCII strings have the mask's other bit: missingCost is 0 and l
	// counts bytes, not fewer than editSim's runes.
	lb := max(missingCost(ma, mb), missingCost(mb, ma))
	return 1 - editSensitivity*lb/float64(l)
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
	b := nameBound{tau: tau, nq: nq, nc: nc, spans: sc.spans[:0]}
	defer func() { sc.spans = b.spans[:0] }()
	for i := range q.toks {
		b.qp[i] = &q.toks[i]
	}
	for j, id := range in.ids {
		b.cp[j] = &ix.toks[id]
	}
	leftoverWeights(b.qp[:nq], qdups, b.lq[:nq])
	leftoverWeights(b.cp[:nc], in.dups, b.lc[:nc])
	b.spans = mergeSpans(b.qp[:nq], b.cp[:nc], false, b.spans)
	b.spans = mergeSpans(b.cp[:nc], b.qp[:nq], true, b.spans)
	acronymBounds(b.qp[:nq], b.cp[:nc], b.aq[:nq], b.ac[:nc])
	acronymBounds(b.cp[:nc], b.qp[:nq], b.ac[:nc], b.aq[:nq])
	// Below theta a token's aligned term is below its leftover term
	// whatever its weight: the similarity there would seldom tighten the
	// bound, so the bound is kept instead of computing it.
	theta := tau * (alpha - 2*beta*dupExtraFactor) / (1 - tau + alpha*tau)
	singles := func(exact bool) {
		b.uq, b.uc = b.aq, b.ac
		for j, id := range in.ids {
			row, mask := sc.boundMask(id, b.cp[j], q.toks)
			for ; mask != 0; mask &= mask - 1 {
				i := bits.TrailingZeros32(mask)
				e := &row[i]
				var s float64
				if e.set {
					s = e.sim
				} else {
					s = e.ub
					if exact && s >= theta {
						e.sim, e.kind = tokenSim(b.qp[i], b.cp[j])
						e.set = true
						s = e.sim
					}
				}
				if s >= minPairSim {
					b.uq[i] = max(b.uq[i], s)
					b.uc[j] = max(b.uc[j], s)
				}
			}
		}
	}
	factor := func(mergeSpan) float64 { return mergeFactor }
	singles(false)
	if !b.reaches(factor) {
		return false
	}
	singles(true)
	if !b.reaches(factor) {
		return false
	}
	// Joined spans compared, memoised for the query by the tokens
	// involved: the query's token and the candidate's interned tokens, or
	// the candidate's interned token and the query's span.
	var ctoks []token
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
			if ctoks == nil {
				ctoks = ix.nameToks(in, sc.ctoks[:0])
				sc.ctoks = ctoks
			}
			jt, xt = sc.al.joined(ctoks, span{int(m.from), int(m.to)}), b.qp[m.x]
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
	lq, lc [maxTokens]float64 // leftoverWeight
	aq, ac [maxTokens]float64 // simAcronym where an acronym could pair the token
	uq, uc [maxTokens]float64
	spans  []mergeSpan
}

// reaches adds to the single-token bounds those of the joined spans
// (merged gives a span's similarity) and tells whether the sum of the
// bound is not negative.
func (b *nameBound) reaches(merged func(mergeSpan) float64) bool {
	nq, nc := b.nq, b.nc
	uq, uc := b.uq, b.uc
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
	mq, fq := boundTerms(b.qp[:nq], uq[:nq], b.lq[:nq])
	mc, fc := boundTerms(b.cp[:nc], uc[:nc], b.lc[:nc])
	if mq+mc == 0 {
		return false
	}
	tau := b.tau
	gamma := min(beta*max(1, minMatchedForCheapExtras/(mq+mc)), alpha/2)
	sum := tokenTerms(b.qp[:nq], uq[:nq], b.lq[:nq], tau, gamma) + tokenTerms(b.cp[:nc], uc[:nc], b.lc[:nc], tau, gamma)
	sum -= tau * (alpha - 2*gamma) * min(fq, fc)
	return sum >= -boundSlack
}

// boundSlack absorbs the rounding of the bound's sum: a score of exactly
// tau gives a sum of 0 give or take an ulp or two.
const boundSlack = 1e-9

// boundTerms returns the most a name's tokens can add to M (their weight
// halves times their bounds) and the leftover weight (lw) of the tokens
// that have no possible partner.
func boundTerms(toks []*token, u, lw []float64) (m, forced float64) {
	for i, t := range toks {
		if u[i] > 0 {
			m += t.w / 2 * u[i]
		} else {
			forced += lw[i]
		}
	}
	return m, forced
}

// leftoverWeights sets lw[i] to the least weight token i can add to its
// name's leftover when unaligned (see leftover): its weight, or less when
// another token of the name is spelled the same (bit i of dups).
func leftoverWeights(toks []*token, dups uint32, lw []float64) {
	for i, t := range toks {
		lw[i] = t.w
		if dups&(1<<i) != 0 {
			lw[i] = t.w * dupExtraFactor
		}
	}
}

// tokenTerms sums, over the tokens of one name, the better of a token's
// two terms in the bound (aligned with similarity u, or left over at
// gamma per unit of leftover weight lw).
func tokenTerms(toks []*token, u, lw []float64, tau, gamma float64) float64 {
	sum := 0.0
	for i, t := range toks {
		v := -tau * gamma * lw[i]
		if e := u[i]; e > 0 {
			v = max(v, t.w/2*(e-tau*(e+alpha*(1-e))))
		}
		sum += v
	}
	return sum
}

// mergeSpans appends the pairs appendMerges(x, y) could try (one token of
// x against 2–3 adjacent tokens of y; querySpan says y is the query). It
// follows appendMerges' loops without its goodX and goodY conditions,
// which only leave pairs out.
func mergeSpans(x, y []*token, querySpan bool, out []mergeSpan) []mergeSpan {
	for i, xt := range x {
		if xt.kind != kindWord || len(xt.s) < 3 {
			continue
		}
		lx := len(xt.s)
		for j := range y {
			firstOK := y[j].phon != "" && y[j].phon[0] == xt.phon[0]
			total := 0
			for k := j; k < len(y) && k < j+3; k++ {
				if !mergeable(y[k]) && !(k > j && y[k].kind == kindLegal) {
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
				if !firstOK && (y[k].phon == "" || y[k].phon[len(y[k].phon)-1] != xt.phon[len(xt.phon)-1]) {
					continue
				}
				out = append(out, mergeSpan{querySpan, int8(i), int8(j), int8(k + 1)})
			}
		}
	}
	return out
}

// acronymBounds raises the bounds of the tokens appendAcronyms(x, y) could
// pair to simAcronym, without its goodness conditions.
func acronymBounds(x, y []*token, ux, uy []float64) {
	for i, t := range x {
		if t.kind != kindWord || len(t.s) < 2 || len(t.s) > 6 || !isLetters(t.s) {
			continue
		}
		n := len(t.s)
		for j := 0; j+n <= len(y); j++ {
			ok := true
			for k := 0; k < n; k++ {
				yt := y[j+k]
				if yt.kind != kindWord || len(yt.s) < 2 || yt.s[0] != t.s[k] {
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
