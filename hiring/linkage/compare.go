package linkage

import (
	"fmt"
	"math"
	"strings"
)

// Field levels reported in a [FieldScore].
const (
	LevelExact    = "exact"    // equal after normalisation
	LevelClose    = "close"    // a typo or two apart (Jaro-Winkler ≥ 0.92, one edit, day/month swapped)
	LevelSimilar  = "similar"  // alike but not clearly the same (Jaro-Winkler ≥ 0.85, address tokens half shared)
	LevelInitial  = "initial"  // one side is an initial the other starts with
	LevelPartial  = "partial"  // a partial date agreeing where both are known, or the same birth year only
	LevelDisagree = "disagree" // both known and different
	LevelMissing  = "missing"  // unknown on one side or both: no evidence either way
)

// FieldScore explains one field's part in a match: the field compared, the
// agreement level, the similarity in [0,1] and the weight (log2 of the
// likelihood ratio, Fellegi–Sunter style) it added to the total.
type FieldScore struct {
	Field  string  `json:"field"`
	Level  string  `json:"level"`
	Sim    float64 `json:"sim"`
	Weight float64 `json:"weight"`
}

// Field names in a [FieldScore].
const (
	FieldGiven   = "given_name"
	FieldFamily  = "family_name"
	FieldNames   = "names_swapped" // given and family names agree crosswise
	FieldDOB     = "date_of_birth"
	FieldAddress = "address"
	FieldID      = "national_id"
)

// Agreement weights in bits (log2 m/u). They are fixed, chosen once from
// how often each level occurs among true matches and among random pairs in
// typical person data; they are not fitted to any evaluation set. Exact
// name agreement is weighted by how common the name is among the indexed
// records (see stats.exact).
const (
	wGivenInitial, wGivenDisagree                                         = 1.5, -2.5
	wFamilyInitial, wFamilyDisagree                                       = 1.0, -3.5
	wCloseLess, wSimilarShare                                             = 2.0, 1.0 / 3
	wSwapPenalty                                                          = 1.0
	wDOBExact, wDOBClose, wDOBPartialMonth, wDOBPartialYear, wDOBSameYear = 9.0, 5.0, 4.0, 2.0, -1.0
	wDOBDisagree                                                          = -4.5
	wAddrMax, wAddrSimilar, wAddrWeak, wAddrDisagree                      = 6.0, 3.0, 0.5, -2.0
	wIDExact, wIDClose, wIDDisagree                                       = 10.0, 6.0, -4.0
	// mName is the chance that a true match's name part agrees exactly.
	mName = 0.9
	// uGivenMin and uFamilyMin bound how rare a name may be taken to be:
	// a name seen once among few records is not that rare in the
	// population.
	uGivenMin, uFamilyMin = 1.0 / 2000, 1.0 / 20000
	// Least exact-agreement weights, for the commonest names.
	wGivenFloor, wFamilyFloor = 2.0, 3.0
	// priorCount is how many pseudo-records of frequency uMin smooth the
	// observed name frequencies.
	priorCount = 1000
	// minPriorN is the least record count the prior assumes.
	minPriorN = 1000
)

// stats are the name frequencies among the indexed records, from which
// exact name agreement is weighted (agreeing on "smith" says less than on
// "sondergeld"), and the prior odds of a match.
type stats struct {
	given, family map[string]int32
	nGiven        int
	nFamily       int
	// prior is the evidence in bits a pair needs for even odds: log2 of
	// the number of records, as each record is expected to match about
	// one of them.
	prior float64
}

func newStats(feats []features) *stats {
	s := &stats{given: map[string]int32{}, family: map[string]int32{}}
	for i := range feats {
		f := &feats[i]
		if f.given != "" {
			s.given[f.given]++
			s.nGiven++
		}
		if f.family != "" {
			s.family[f.family]++
			s.nFamily++
		}
	}
	s.prior = math.Log2(float64(max(len(feats), minPriorN)))
	return s
}

// exactWeight is log2(m/u) for exact agreement on a name seen count times
// among n: u is the name's frequency, smoothed towards uMin by
// priorCount pseudo-records so that a few records do not make a name
// look common, and never below uMin.
func exactWeight(count int32, n int, uMin, floor float64) float64 {
	u := max(uMin, (float64(count)+priorCount*uMin)/float64(n+priorCount))
	return max(floor, math.Log2(mName/u))
}

// weigh sets f's exact-agreement weights. A lone token of unknown role is
// weighed as both.
func (s *stats) weigh(f *features) {
	g := f.given
	if !f.ordered {
		g = f.family
	}
	f.gw = exactWeight(s.given[g], s.nGiven, uGivenMin, wGivenFloor)
	f.fw = exactWeight(s.family[f.family], s.nFamily, uFamilyMin, wFamilyFloor)
}

// features is a record normalised once for comparison.
type features struct {
	given, family string
	ordered       bool
	dob           Date
	addr          []string
	id            string
	// gw and fw are the weights of exact agreement on the given and the
	// family name, from stats.weigh.
	gw, fw float64
}

func newFeatures(r Record) features {
	n := ParseName(r.Name)
	return features{
		given:   n.Given,
		family:  n.Family,
		ordered: n.Ordered,
		dob:     ParseDate(r.DOB),
		addr:    AddressTokens(r.Address),
		id:      NormalizeID(r.NationalID),
	}
}

type level struct {
	name string
	sim  float64
	w    float64
}

// nameLevel grades two name parts; exact is the weight of exact
// agreement, from which the weights of near agreement derive.
func nameLevel(a, b string, exact, initial, disagree float64) level {
	if a == "" || b == "" {
		return level{LevelMissing, 0, 0}
	}
	if a == b {
		return level{LevelExact, 1, exact}
	}
	if (len(a) == 1 || len(b) == 1) && a[0] == b[0] {
		return level{LevelInitial, 0.5, initial}
	}
	s := JaroWinkler(a, b)
	switch {
	case s >= 0.92:
		return level{LevelClose, s, max(exact-wCloseLess, exact*wSimilarShare)}
	case s >= 0.85:
		return level{LevelSimilar, s, exact * wSimilarShare}
	}
	return level{LevelDisagree, s, disagree}
}

// compareNames returns the name fields' levels: given and family straight,
// or crosswise when that agrees better (swapped columns), or for an
// unordered single token its best agreement with either part. It is
// symmetric in a and b.
func compareNames(a, b *features, out []FieldScore) ([]FieldScore, float64) {
	if !a.ordered || !b.ordered {
		if !a.ordered && b.ordered {
			a, b = b, a
		}
		// b is unordered: one token in b.family.
		if b.family == "" {
			return out, 0
		}
		best := nameLevel(a.family, b.family, min(a.fw, b.fw), wFamilyInitial, wFamilyDisagree)
		field := FieldFamily
		if a.ordered {
			if lg := nameLevel(a.given, b.family, min(a.gw, b.gw), wGivenInitial, wGivenDisagree); lg.w > best.w || best.name == LevelMissing {
				best, field = lg, FieldGiven
			}
		}
		if out != nil {
			out = append(out, FieldScore{field, best.name, best.sim, best.w})
		}
		return out, best.w
	}
	g := nameLevel(a.given, b.given, min(a.gw, b.gw), wGivenInitial, wGivenDisagree)
	f := nameLevel(a.family, b.family, min(a.fw, b.fw), wFamilyInitial, wFamilyDisagree)
	straight := g.w + f.w
	if g.name == LevelExact && f.name == LevelExact || a.given == "" || b.given == "" || a.family == "" || b.family == "" {
		// Nothing crosswise could agree better.
		if out != nil {
			out = append(out, FieldScore{FieldGiven, g.name, g.sim, g.w}, FieldScore{FieldFamily, f.name, f.sim, f.w})
		}
		return out, straight
	}
	const xInitial, xDisagree = (wGivenInitial + wFamilyInitial) / 2, (wGivenDisagree + wFamilyDisagree) / 2
	x := nameLevel(a.given, b.family, (min(a.gw, b.fw)+min(a.fw, b.gw))/2, xInitial, xDisagree)
	y := nameLevel(a.family, b.given, (min(a.fw, b.gw)+min(a.gw, b.fw))/2, xInitial, xDisagree)
	crossed := x.w + y.w - wSwapPenalty
	if crossed > straight && x.name != LevelMissing && y.name != LevelMissing {
		if out != nil {
			sim := (x.sim + y.sim) / 2
			lvl := LevelClose
			if x.name == LevelExact && y.name == LevelExact {
				lvl = LevelExact
			}
			out = append(out, FieldScore{FieldNames, lvl, sim, crossed})
		}
		return out, crossed
	}
	if out != nil {
		out = append(out, FieldScore{FieldGiven, g.name, g.sim, g.w}, FieldScore{FieldFamily, f.name, f.sim, f.w})
	}
	return out, straight
}

// compareDOB grades two dates of birth: exact; close (one digit wrong, two
// adjacent digits transposed, or day and month swapped; a year wrong in
// its decade counts only as the last two digits swapped, see
// generationApart); partial (agreeing
// where both are known, or only the year agreeing); else disagree.
func compareDOB(a, b Date) level {
	if a.Year == 0 || b.Year == 0 {
		return level{LevelMissing, 0, 0}
	}
	if a.Month != 0 && a.Day != 0 && b.Month != 0 && b.Day != 0 {
		if a == b {
			return level{LevelExact, 1, wDOBExact}
		}
		if a.Year == b.Year && a.Month == b.Day && a.Day == b.Month {
			return level{LevelClose, 0.9, wDOBClose}
		}
		da, db := dateDigits(a), dateDigits(b)
		if hamming1OrTransposed(da, db) && !generationApart(a.Year, b.Year) {
			return level{LevelClose, 0.8, wDOBClose}
		}
		if a.Year == b.Year {
			return level{LevelPartial, 0.3, wDOBSameYear}
		}
		return level{LevelDisagree, 0, wDOBDisagree}
	}
	if a.Year != b.Year {
		return level{LevelDisagree, 0, wDOBDisagree}
	}
	if a.Month != 0 && b.Month != 0 {
		if a.Month != b.Month {
			return level{LevelPartial, 0.3, wDOBSameYear}
		}
		return level{LevelPartial, 0.7, wDOBPartialMonth}
	}
	return level{LevelPartial, 0.5, wDOBPartialYear}
}

// generationApart reports whether two years differ in more than a typo of
// the last digit or a swap of the last two: 1960 and 1990 differ in one
// digit, but are a father's and a son's, not one person's.
func generationApart(a, b int) bool {
	if a/10 == b/10 {
		return false
	}
	swapped := a/100 == b/100 && a%10 == (b/10)%10 && (a/10)%10 == b%10
	return !swapped
}

func dateDigits(d Date) [8]byte {
	var out [8]byte
	v := d.Year*10000 + d.Month*100 + d.Day
	for i := 7; i >= 0; i-- {
		out[i] = byte('0' + v%10)
		v /= 10
	}
	return out
}

func hamming1OrTransposed(a, b [8]byte) bool {
	first, diffs := -1, 0
	for i := range a {
		if a[i] != b[i] {
			if first < 0 {
				first = i
			}
			diffs++
		}
	}
	if diffs == 1 {
		return true
	}
	return diffs == 2 && first < 7 && a[first] == b[first+1] && a[first+1] == b[first]
}

// addressSim is a soft Dice coefficient of two token lists: a token counts
// as shared when an unused token of the other list equals it or, for words
// of four letters or more, is within Jaro-Winkler 0.9 of it (counting the
// similarity); numbers must be equal or one edit apart when five digits or
// longer.
func addressSim(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return -1
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	var usedArr [32]bool
	var used []bool
	if len(b) <= len(usedArr) {
		used = usedArr[:len(b)]
	} else {
		used = make([]bool, len(b))
	}
	shared := 0.0
	var pending [32]int
	np := 0
	for i, t := range a {
		hit := false
		for j, u := range b {
			if !used[j] && t == u {
				used[j], hit = true, true
				break
			}
		}
		if hit {
			shared++
		} else if np < len(pending) {
			pending[np] = i
			np++
		}
	}
	for _, i := range pending[:np] {
		t := a[i]
		num := isDigits(t)
		bestJ, best := -1, 0.0
		for j, u := range b {
			if used[j] {
				continue
			}
			if num || isDigits(u) {
				if num && isDigits(u) && len(t) >= 5 && withinOneEdit(t, u) && best < 0.8 {
					bestJ, best = j, 0.8
				}
				continue
			}
			if len(t) < 4 || len(u) < 4 {
				continue
			}
			if s := JaroWinkler(t, u); s >= 0.9 && s > best {
				bestJ, best = j, s
			}
		}
		if bestJ >= 0 {
			used[bestJ] = true
			shared += best
		}
	}
	return 2 * shared / float64(len(a)+len(b))
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func compareAddress(a, b []string) level {
	s := addressSim(a, b)
	if s < 0 {
		return level{LevelMissing, 0, 0}
	}
	// A one-word address (a town) says less than a full street address.
	n := min(len(a), len(b))
	top := math.Min(wAddrMax, 1.5+1.5*float64(n))
	switch {
	case s >= 0.85:
		return level{LevelExact, s, top}
	case s >= 0.6:
		return level{LevelSimilar, s, math.Min(wAddrSimilar, top)}
	case s >= 0.4:
		return level{LevelPartial, s, wAddrWeak}
	}
	return level{LevelDisagree, s, wAddrDisagree}
}

func compareID(a, b string) level {
	if a == "" || b == "" {
		return level{LevelMissing, 0, 0}
	}
	if a == b {
		return level{LevelExact, 1, wIDExact}
	}
	if withinOneEdit(a, b) {
		return level{LevelClose, 0.8, wIDClose}
	}
	return level{LevelDisagree, 0, wIDDisagree}
}

// weight returns the total evidence for a and b being one person, in
// bits, and with explain the per-field scores. Without explain it stops
// early, returning a total below cut, once the fields left could not lift
// the total over cut.
func weight(a, b *features, cut float64, explain bool) (float64, []FieldScore) {
	d := compareDOB(a.dob, b.dob)
	id := compareID(a.id, b.id)
	w := d.w + id.w
	if !explain && w+max(a.gw, b.gw)+max(a.fw, b.fw)+wAddrMax < cut {
		// Even agreeing names and addresses could not make it a match.
		return w + wGivenDisagree + wFamilyDisagree, nil
	}
	var out []FieldScore
	if explain {
		out = make([]FieldScore, 0, 6)
	}
	out, nw := compareNames(a, b, out)
	w += nw
	if explain {
		out = append(out, FieldScore{FieldDOB, d.name, d.sim, d.w}, FieldScore{FieldID, id.name, id.sim, id.w})
	} else if w+wAddrMax < cut {
		return w, nil
	}
	ad := compareAddress(a.addr, b.addr)
	w += ad.w
	if explain {
		out = append(out, FieldScore{FieldAddress, ad.name, ad.sim, ad.w})
	}
	return w, out
}

// scoreOf maps a total weight in bits to a score in [0,1] given the prior
// (the weight of even odds).
func scoreOf(w, prior float64) float64 {
	return 1 / (1 + math.Exp2(-(w - prior)))
}

// bitsOf is scoreOf's inverse: the weight a score corresponds to.
func bitsOf(score, prior float64) float64 {
	if score <= 0 {
		return math.Inf(-1)
	}
	if score >= 1 {
		return math.Inf(1)
	}
	return prior - math.Log2(1/score-1)
}

// why renders per-field scores as one line, e.g. "family_name exact,
// given_name close 0.93, date_of_birth close, national_id missing".
func why(fs []FieldScore) string {
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Field)
		b.WriteByte(' ')
		b.WriteString(f.Level)
		if f.Level != LevelExact && f.Level != LevelMissing && f.Sim > 0 {
			fmt.Fprintf(&b, " %.2f", f.Sim)
		}
	}
	return b.String()
}
