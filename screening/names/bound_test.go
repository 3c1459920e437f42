package names

import (
	"math/rand/v2"
	"strings"
	"testing"
)

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
