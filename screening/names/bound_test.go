package names

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/race"
)

// propertyRuns scales the random property tests: the race detector,
// which finds nothing in these single-goroutine checks, makes them ten
// times slower.
func propertyRuns(n int) int {
	if race.Enabled {
		return n / 5
	}
	return n
}

// boundNames are names of many shapes: Korean, Arabic and Cyrillic
// transliterations, companies with legal forms, acronyms, joined and
// split words, numbers, initials and repeated words.
var boundNames = []string{
	"Kim Jong Un", "Kim Jongun", "KIM YONG CHOL", "Pak Jin Hyok", "Park Jin Hyeok", "Ri Song Hyok", "Choe Ryong-hae",
	"Korea Kwangson Banking Corp", "Korea Mining Development Trading Corporation", "Foreign Trade Bank of the DPRK",
	"Lazarus Group", "Chinpo Shipping Company", "Mohammed bin Salman", "Salman bin Mohammed", "Usama bin Ladin",
	"Abd al Hadi al Iraqi", "Sergey Sergey Shoigu", "People's Liberation Army", "PLA", "Siemens AG", "SiemensAG",
	"Star 18", "First Fund III", "J. R. Smith", "Open Joint Stock Company Rosoboronexport", "OOO Romashka",
	"Ким Чен Ын", "김정은", "محمد علي", "Ghali Iyad Ag", "Zarqun Abd al Hadi", "Holy Warriors Battalion", "Al Qaida",
	"Ghazi Hammud al Ubaidi", "Mehdi Ali Ghadeer", "Tian Fang Hong Kong Holding Ltd", "LLC Lada Auto Holding",
}

// typoed returns s with one random edit.
func typoed(r *rand.Rand, s string) string {
	b := []byte(s)
	if len(b) < 2 {
		return s
	}
	i := r.IntN(len(b) - 1)
	switch r.IntN(5) {
	case 0:
		return string(b[:i]) + string(b[i+1:])
	case 1:
		b[i], b[i+1] = b[i+1], b[i]
	case 2:
		b[i] = byte('a' + r.IntN(26))
	case 3:
		return string(b[:i]) + string(rune('a'+r.IntN(26))) + string(b[i:])
	default:
		return strings.Replace(s, " ", "", 1)
	}
	return string(b)
}

// TestMayReachBoundsTheScore: whenever a name scores tau or more against a
// query, mayReach says it may, for queries that are listed names, their
// typos and their joins, and every tau.
func TestMayReachBoundsTheScore(t *testing.T) {
	t.Parallel()
	var recs []Record
	for i, n := range boundNames {
		recs = append(recs, Record{ID: string(rune('A' + i)), Names: []Name{{Value: n}}})
	}
	ix := Build(recs)
	r := rand.New(rand.NewPCG(7, 7))
	var qs []string
	for _, n := range boundNames {
		qs = append(qs, n, typoed(r, n), typoed(r, typoed(r, n)), strings.ToLower(n)+" x")
	}
	for k := 0; k < 200; k++ {
		a, b := boundNames[r.IntN(len(boundNames))], boundNames[r.IntN(len(boundNames))]
		qs = append(qs, typoed(r, a+" "+b))
	}
	checked := 0
	for _, qs := range qs {
		checked += checkMayReach(t, ix, qs)
	}
	if checked == 0 {
		t.Fatal("no name reached any tau")
	}
}

// checkMayReach checks mayReach against the score of every indexed name
// for query s and returns how many (name, tau) pairs reached tau.
func checkMayReach(t *testing.T, ix *Index, s string) int {
	t.Helper()
	qn := prepare(s)
	if len(qn.toks) == 0 {
		return 0
	}
	reached := 0
	for n := range ix.names {
		in := &ix.names[n]
		sc := ix.scratch.Get().(*scratch)
		sc.ctoks = ix.nameToks(in, sc.ctoks[:0])
		cn := name{raw: in.raw, norm: in.norm, toks: sc.ctoks}
		al, _ := ix.scoreCached(&qn, &cn, in.ids, sc)
		score := al.score
		sc.reset()
		for _, tau := range []float64{0.05, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 1} {
			if score < tau {
				continue
			}
			reached++
			// a fresh memo, and one that the full score has filled
			if !ix.mayReach(&qn, dupMask(qn.toks, nil), in, tau, sc) {
				t.Fatalf("%q against %q scores %v, but mayReach(%v) rules it out", s, in.raw, score, tau)
			}
			sc.ctoks = ix.nameToks(in, sc.ctoks[:0])
			cn.toks = sc.ctoks
			ix.scoreCached(&qn, &cn, in.ids, sc)
			if !ix.mayReach(&qn, dupMask(qn.toks, nil), in, tau, sc) {
				t.Fatalf("%q against %q scores %v, but mayReach(%v) with a filled memo rules it out", s, in.raw, score, tau)
			}
			sc.reset()
		}
		ix.scratch.Put(sc)
	}
	return reached
}

// FuzzMayReach: mayReach never rules out a name that reaches tau.
func FuzzMayReach(f *testing.F) {
	for _, s := range []string{"Kim Jong Unn", "Lazarus Grop", "PLA", "Siemens A G", "Ghaly Yiad Ag", "Mohammed bin Salmam", "Star 81", "محمد", "Ким Чен Ин"} {
		f.Add(s)
	}
	var recs []Record
	for i, n := range boundNames {
		recs = append(recs, Record{ID: string(rune('A' + i)), Names: []Name{{Value: n}}})
	}
	ix := Build(recs)
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 200 {
			return
		}
		checkMayReach(t, ix, s)
	})
}

// randomName makes a name of 1–6 parts of many shapes: Korean, Arabic and
// Russian-like syllables, joined words, legal forms, particles, numbers,
// initials, acronyms, Cyrillic, Hangul and Arabic script.
func randomName(r *rand.Rand) string {
	syl := []string{"kim", "jong", "un", "yong", "chol", "pak", "jin", "hyok", "ri", "song", "choe", "ryong", "hae", "kang",
		"mo", "ham", "med", "ali", "has", "san", "ab", "dul", "lah", "ser", "gei", "vla", "di", "mir", "ko", "rea", "min",
		"ing", "tra", "ding", "ban", "king", "ship", "ping", "sta", "ar", "li", "ma", "ra", "shch", "ts", "kh", "gh", "th"}
	words := []string{"ltd", "limited", "co", "company", "corp", "corporation", "llc", "jsc", "ooo", "inc", "group", "trading",
		"al", "bin", "de", "van", "the", "of", "18", "iii", "2", "j.", "a", "pla", "komid", "ким", "чен", "김", "정은", "محمد", "علي"}
	n := 1 + r.IntN(6)
	parts := make([]string, n)
	for i := range parts {
		if r.IntN(4) == 0 {
			parts[i] = words[r.IntN(len(words))]
			continue
		}
		var b strings.Builder
		for k := 1 + r.IntN(3); k > 0; k-- {
			b.WriteString(syl[r.IntN(len(syl))])
		}
		parts[i] = b.String()
	}
	return strings.Join(parts, " ")
}

// TestMayReachBoundsRandomNames: mayReach is an upper bound for random
// names of many shapes against their own typos, joins and splits and
// against each other, at every tau.
func TestMayReachBoundsRandomNames(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(2026, 12))
	var recs []Record
	var listed []string
	for i := range 120 {
		n := randomName(r)
		listed = append(listed, n)
		recs = append(recs, Record{ID: string(rune('A' + i)), Names: []Name{{Value: n}}})
	}
	ix := Build(recs)
	checked := 0
	for range propertyRuns(150) {
		n := listed[r.IntN(len(listed))]
		for _, q := range []string{typoed(r, n), typoed(r, typoed(r, n)), strings.Replace(n, " ", "", 1), randomName(r)} {
			checked += checkMayReach(t, ix, q)
		}
	}
	if checked == 0 {
		t.Fatal("no name reached any tau")
	}
}

// TestTokenBounds: over every pair of tokens of random names and their
// typos, tokenSimBound bounds tokenSim wherever that reaches minPairSim,
// shapeBound equals it, shapeBoundLoose is not below it and quickReject
// never rules such a pair out, for
// single tokens and for joined spans, and joinedShape is the shape of the
// joined token.
func TestTokenBounds(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 8))
	var toks []token
	var spans []token
	// Pairs at the edge of the letter and length bounds: letters h and
	// vowels come and go at their least cost.
	edge := []string{"ahhh a", "bahhhh ba", "aaaa a", "oooo o", "shah sha", "ehhe e", "hahaha aaa", "tatata tt", "dddd d", "kgkg gk"}
	for k := range propertyRuns(80) + len(edge) {
		n := randomName(r)
		if k < len(edge) {
			n = edge[k]
		}
		for _, s := range []string{n, typoed(r, n), typoed(r, typoed(r, n))} {
			ts := prepare(s).toks
			toks = append(toks, ts...)
			ptrs := make([]*token, len(ts))
			for i := range ts {
				ptrs[i] = &ts[i]
			}
			for from := range ts {
				for to := from + 2; to <= len(ts) && to <= from+3; to++ {
					jt := joined(ts, span{from, to})
					if got, want := joinedShape(ptrs, from, to), shapeOf(&jt); got != want {
						t.Fatalf("joinedShape(%q [%d,%d)) = %+v, want %+v", s, from, to, got, want)
					}
					spans = append(spans, jt)
				}
			}
		}
	}
	all := append(toks[:len(toks):len(toks)], spans...)
	reached := 0
	for i := range toks {
		a := &toks[i]
		sa := shapeOf(a)
		for j := range all {
			b := &all[j]
			sb := shapeOf(b)
			ub := tokenSimBound(a, b)
			if got := shapeBound(&sa, &sb, a, b); got != ub {
				t.Fatalf("shapeBound(%q, %q) = %v, tokenSimBound %v", a.s, b.s, got, ub)
			}
			if got := shapeBoundLoose(&sa, &sb); got < ub {
				t.Fatalf("shapeBoundLoose(%q, %q) = %v < tokenSimBound %v", a.s, b.s, got, ub)
			}
			s, _ := tokenSim(a, b)
			if s < minPairSim {
				continue
			}
			reached++
			if ub := tokenSimBound(a, b); ub < s {
				t.Fatalf("tokenSimBound(%q, %q) = %v < tokenSim %v", a.s, b.s, ub, s)
			}
			if quickReject(&sa, &sb) || quickReject(&sb, &sa) {
				t.Fatalf("quickReject(%q, %q), but tokenSim is %v", a.s, b.s, s)
			}
		}
	}
	if reached < 1000 {
		t.Fatalf("only %d pairs reached minPairSim", reached)
	}
}

// mergeSpansAlign lists the pairs appendMerges(x, y) could try, following
// its loops with no good tokens (what mergeSpans must find).
func mergeSpansAlign(x, y []token, querySpan bool) []mergeSpan {
	var out []mergeSpan
	for i := range x {
		if x[i].kind != kindWord || len(x[i].s) < 3 {
			continue
		}
		lx := len(x[i].s)
		for j := range y {
			firstOK := y[j].phon != "" && y[j].phon[0] == x[i].phon[0]
			total := 0
			for k := j; k < len(y) && k < j+3; k++ {
				if !mergeable(&y[k]) && !(k > j && y[k].kind == kindLegal) {
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
				out = append(out, mergeSpan{querySpan, int8(i), int8(j), int8(k + 1)})
			}
		}
	}
	return out
}

// TestMergeSpans: mergeSpans finds every joined-span pair appendMerges
// could try between random names, leaving out only pairs whose
// similarity is below minPairSim.
func TestMergeSpans(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(9, 9))
	found := 0
	for range 3000 {
		a := randomName(r)
		b := a
		switch r.IntN(3) {
		case 0:
			b = strings.Replace(a, " ", "", 1)
		case 1:
			b = typoed(r, a)
		default:
			b = randomName(r)
		}
		q, c := prepare(b).toks, prepare(a).toks
		if len(q) == 0 || len(c) == 0 {
			continue
		}
		var sc scratch
		qs := sc.queryShapes(q)
		cs := make([]shape, len(c))
		for i := range c {
			cs[i] = shapeOf(&c[i])
		}
		got := map[mergeSpan]bool{}
		for _, m := range qs.mergeSpans(cs, nil) {
			if got[m] {
				t.Fatalf("%q against %q: %+v twice", b, a, m)
			}
			got[m] = true
		}
		want := append(mergeSpansAlign(q, c, false), mergeSpansAlign(c, q, true)...)
		for _, m := range want {
			if got[m] {
				delete(got, m)
				found++
				continue
			}
			xs, ys := q, c
			if m.querySpan {
				xs, ys = c, q
			}
			x, y := &xs[m.x], joined(ys, span{int(m.from), int(m.to)})
			if s, _ := tokenSim(x, &y); s*mergeFactor >= minPairSim {
				t.Fatalf("query %q, candidate %q: mergeSpans misses %+v (similarity %v)", b, a, m, s)
			}
		}
		if len(got) > 0 {
			t.Fatalf("query %q, candidate %q: mergeSpans adds %v", b, a, got)
		}
	}
	if found < 500 {
		t.Fatalf("only %d spans found", found)
	}
}

// TestEditBoundBelow: editBoundBelow and editSimBound never rule out a
// pair of strings whose editSim reaches minPairSim, over random strings of
// few letters (vowels, h and near pairs, whose edits cost least) and of
// other runes.
func TestEditBoundBelow(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 4))
	alphabets := []string{"aeh", "aehkgt", "aeiouhkgdtbpfvxyz", "ahé1-"}
	reached := 0
	for range 200000 {
		abc := []rune(alphabets[r.IntN(len(alphabets))])
		word := func() string {
			b := make([]rune, 1+r.IntN(9))
			for i := range b {
				b[i] = abc[r.IntN(len(abc))]
			}
			return string(b)
		}
		a, b := word(), word()
		s := editSim(a, b)
		if s < minPairSim {
			continue
		}
		reached++
		ma, mb := letterMask(a), letterMask(b)
		if editBoundBelow(int32(len(a)), int32(len(b)), ma, mb) {
			t.Fatalf("editBoundBelow(%q, %q), but editSim is %v", a, b, s)
		}
		if ub := editSimBound(a, b, ma, mb); ub < s {
			t.Fatalf("editSimBound(%q, %q) = %v < editSim %v", a, b, ub, s)
		}
	}
	if reached < 10000 {
		t.Fatalf("only %d pairs reached minPairSim", reached)
	}
}
