package names

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
func (ix *Index) mayReach(q *name, in *indexedName, tau float64, sc *scratch) bool {
	nq, nc := len(q.toks), len(in.ids)
	if nq == 0 || nc == 0 {
		return false
	}
	b := nameBound{q: q, tau: tau, nq: nq, nc: nc}
	for i := range q.toks {
		b.qp[i] = &q.toks[i]
	}
	for j, id := range in.ids {
		b.cp[j] = &ix.toks[id]
	}
	// Below theta a token's aligned term is below its leftover term
	// whatever its weight: the similarity there would seldom tighten the
	// bound, so the bound is kept instead of computing it.
	theta := tau * (alpha - 2*beta*dupExtraFactor) / (1 - tau + alpha*tau)
	singles := func(exact bool) {
		b.uq, b.uc = [maxTokens]float64{}, [maxTokens]float64{}
		for j, id := range in.ids {
			for i := range nq {
				e := sc.entry(id, i, nq)
				var s float64
				if e.set {
					s = e.sim
				} else {
					if !e.ubSet {
						e.ub, e.ubSet = tokenSimBound(b.qp[i], b.cp[j]), true
					}
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
	factor := func(*token, []token, int, int) float64 { return mergeFactor }
	singles(false)
	if !b.reaches(factor, nil) {
		return false
	}
	singles(true)
	if !b.reaches(factor, nil) {
		return false
	}
	// joined spans need the candidate's tokens side by side
	sc.ctoks = ix.nameToks(in, sc.ctoks[:0])
	return b.reaches(func(x *token, y []token, from, to int) float64 {
		jt := sc.al.joined(y, span{from, to})
		s := tokenSimBound(x, &jt)
		if s*mergeFactor >= theta {
			s, _ = tokenSim(x, &jt)
		}
		return s * mergeFactor
	}, sc.ctoks)
}

// nameBound is the state of mayReach: the tokens of both names and the
// bounds of their single-token pairs.
type nameBound struct {
	q      *name
	tau    float64
	nq, nc int
	qp, cp [maxTokens]*token
	uq, uc [maxTokens]float64
}

// reaches adds to the single-token bounds those of joined spans (merged
// gives the similarity of token x against tokens [from, to) of y; ctoks
// are the candidate's tokens) and of acronyms, and tells whether the sum
// of the bound is not negative.
func (b *nameBound) reaches(merged func(x *token, y []token, from, to int) float64, ctoks []token) bool {
	nq, nc := b.nq, b.nc
	uq, uc := b.uq, b.uc
	qp, cp := b.qp[:nq], b.cp[:nc]
	mergeBounds(qp, cp, uq[:nq], uc[:nc], func(i, from, to int) float64 { return merged(qp[i], ctoks, from, to) })
	mergeBounds(cp, qp, uc[:nc], uq[:nq], func(j, from, to int) float64 { return merged(cp[j], b.q.toks, from, to) })
	acronymBounds(qp, cp, uq[:nq], uc[:nc])
	acronymBounds(cp, qp, uc[:nc], uq[:nq])
	// The extra-token factor b is beta·max(1, minMatchedForCheapExtras/M)
	// and M is at most mq + mc: with gamma = min(that factor, alpha/2),
	// the penalty is at least gamma·(la + lb) + (alpha − 2·gamma)·min(la, lb),
	// and la, lb are at least the leftover weights of the tokens that have
	// no possible partner (fq, fc).
	mq, fq := boundTerms(qp, uq[:nq])
	mc, fc := boundTerms(cp, uc[:nc])
	if mq+mc == 0 {
		return false
	}
	tau := b.tau
	gamma := min(beta*max(1, minMatchedForCheapExtras/(mq+mc)), alpha/2)
	sum := tokenTerms(qp, uq[:nq], tau, gamma) + tokenTerms(cp, uc[:nc], tau, gamma)
	sum -= tau * (alpha - 2*gamma) * min(fq, fc)
	return sum >= -boundSlack
}

// boundSlack absorbs the rounding of the bound's sum: a score of exactly
// tau gives a sum of 0 give or take an ulp or two.
const boundSlack = 1e-9

// boundTerms returns the most a name's tokens can add to M (their weight
// halves times their bounds) and the leftover weight of the tokens that
// have no possible partner.
func boundTerms(toks []*token, u []float64) (m, forced float64) {
	for i, t := range toks {
		if u[i] > 0 {
			m += t.w / 2 * u[i]
		} else {
			forced += leftoverWeight(toks, i)
		}
	}
	return m, forced
}

// leftoverWeight is the least weight token i can add to its name's
// leftover when unaligned (see leftover).
func leftoverWeight(toks []*token, i int) float64 {
	for j, o := range toks {
		if j != i && o.s == toks[i].s {
			return toks[i].w * dupExtraFactor
		}
	}
	return toks[i].w
}

// tokenTerms sums, over the tokens of one name, the better of a token's
// two terms in the bound (aligned with similarity u, or left over at
// gamma per unit of weight).
func tokenTerms(toks []*token, u []float64, tau, gamma float64) float64 {
	sum := 0.0
	for i, t := range toks {
		v := -tau * gamma * leftoverWeight(toks, i)
		if e := u[i]; e > 0 {
			v = max(v, t.w/2*(e-tau*(e+alpha*(1-e))))
		}
		sum += v
	}
	return sum
}

// mergeBounds raises the bounds of the tokens appendMerges(x, y) could pair
// (token i of x against tokens [from, to) of y) to sim(i, from, to) when
// that is at least minPairSim. It follows appendMerges' loops without its
// goodX and goodY conditions, which only leave pairs out.
func mergeBounds(x, y []*token, ux, uy []float64, sim func(i, from, to int) float64) {
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
				s := sim(i, j, k+1)
				if s < minPairSim {
					continue
				}
				ux[i] = max(ux[i], s)
				for m := j; m <= k; m++ {
					uy[m] = max(uy[m], s)
				}
			}
		}
	}
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
