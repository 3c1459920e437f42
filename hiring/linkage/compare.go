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
// typical person data; they are not fitted to any evaluation set.
const (
	wGivenExact, wGivenClose, wGivenSimilar, wGivenInitial, wGivenDisagree      = 6.0, 4.5, 2.0, 1.5, -2.5
	wFamilyExact, wFamilyClose, wFamilySimilar, wFamilyInitial, wFamilyDisagree = 8.0, 6.0, 2.5, 1.0, -3.5
	wSwapPenalty                                                                = 1.0
	wDOBExact, wDOBClose, wDOBPartialMonth, wDOBPartialYear, wDOBSameYear       = 9.0, 5.0, 4.0, 2.0, -1.0
	wDOBDisagree                                                                = -4.5
	wAddrMax, wAddrSimilar, wAddrWeak, wAddrDisagree                            = 6.0, 3.0, 0.5, -2.0
	wIDExact, wIDClose, wIDDisagree                                             = 10.0, 6.0, -4.0
	// priorBits converts a total weight into a score: Score =
	// 1/(1+2^-(W-priorBits)), so a pair scores 0.5 when its evidence is
	// priorBits in favour of a match.
	priorBits = 10.0
)

// features is a record normalised once for comparison.
type features struct {
	given, family string
	ordered       bool
	dob           Date
	addr          []string
	id            string
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

func nameLevel(a, b string, exact, close, similar, initial, disagree float64) level {
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
		return level{LevelClose, s, close}
	case s >= 0.85:
		return level{LevelSimilar, s, similar}
	}
	return level{LevelDisagree, s, disagree}
}

func givenLevel(a, b string) level {
	return nameLevel(a, b, wGivenExact, wGivenClose, wGivenSimilar, wGivenInitial, wGivenDisagree)
}

func familyLevel(a, b string) level {
	return nameLevel(a, b, wFamilyExact, wFamilyClose, wFamilySimilar, wFamilyInitial, wFamilyDisagree)
}

// compareNames returns the name fields' levels: given and family straight,
// or crosswise when that agrees better (swapped columns), or for an
// unordered single token its best agreement with either part.
func compareNames(a, b *features, out []FieldScore) ([]FieldScore, float64) {
	if !a.ordered || !b.ordered {
		if !a.ordered && b.ordered {
			a, b = b, a
		}
		// b is unordered: one token in b.family.
		if b.family == "" {
			return out, 0
		}
		var best level
		var field string
		if a.ordered {
			lf, lg := familyLevel(a.family, b.family), givenLevel(a.given, b.family)
			best, field = lf, FieldFamily
			if lg.w > lf.w {
				best, field = lg, FieldGiven
			}
		} else {
			best, field = familyLevel(a.family, b.family), FieldFamily
		}
		if out != nil {
			out = append(out, FieldScore{field, best.name, best.sim, best.w})
		}
		return out, best.w
	}
	g, f := givenLevel(a.given, b.given), familyLevel(a.family, b.family)
	straight := g.w + f.w
	xg, xf := givenLevel(a.given, b.family), familyLevel(a.family, b.given)
	crossed := xg.w + xf.w - wSwapPenalty
	if crossed > straight && xg.name != LevelMissing && xf.name != LevelMissing {
		if out != nil {
			sim := (xg.sim + xf.sim) / 2
			lvl := LevelClose
			if xg.name == LevelExact && xf.name == LevelExact {
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
// adjacent digits transposed, or day and month swapped); partial (agreeing
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
		if hamming1OrTransposed(da, db) {
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
// early once the address, the last field, could not lift the total over
// cut.
func weight(a, b *features, cut float64, explain bool) (float64, []FieldScore) {
	var out []FieldScore
	if explain {
		out = make([]FieldScore, 0, 6)
	}
	out, w := compareNames(a, b, out)
	d := compareDOB(a.dob, b.dob)
	w += d.w
	id := compareID(a.id, b.id)
	w += id.w
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

// scoreOf maps a total weight in bits to a score in [0,1].
func scoreOf(w float64) float64 {
	return 1 / (1 + math.Exp2(-(w - priorBits)))
}

// bitsOf is scoreOf's inverse: the weight a score corresponds to.
func bitsOf(score float64) float64 {
	if score <= 0 {
		return math.Inf(-1)
	}
	if score >= 1 {
		return math.Inf(1)
	}
	return priorBits - math.Log2(1/score-1)
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
