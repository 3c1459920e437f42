package names

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Edit costs of the weighted optimal-string-alignment distance used for
// token similarity. Transliteration moves vowels far more than consonants,
// so vowel edits are cheap; an 'h' comes and goes (Mohamed/Mohammed are
// already one key, but Rohani/Rouhani, Shi/Si are not).
const (
	costVowelSub    = 0.4
	costNearSub     = 0.7 // voiced/voiceless pairs: k/g, t/d, p/b, v/f
	costSub         = 1.0
	costVowelIndel  = 0.6
	costHIndel      = 0.5
	costIndel       = 1.0
	costTranspose   = 0.6
	editSensitivity = 1.4 // similarity = 1 - editSensitivity*distance/length
)

// Similarities assigned by kind of evidence.
const (
	simPhonetic = 0.95 // same phonetic key
	simKorean   = 0.92 // same romanised-Korean syllable key
	simInitial  = 0.8  // an initial against a name starting with it
	simAcronym  = 0.85 // "PLA" against "People's Liberation Army"
	simAbjadMax = 0.9  // ceiling for an abjad skeleton match
	mergeFactor = 0.98 // a joined/split alignment ranks just below a plain one
	// simOneEdit is the least similarity of two words one keystroke apart
	// (a letter deleted, inserted, replaced or two swapped) when the longer
	// has four letters or more, simOneEdit3 when it has three. The edit
	// distance alone sinks short words (Kang/Karg 0.65, Nam/Ham 0.53) and
	// keeps a one-word name with a typo (Patriot/Panriot 0.8) below the
	// review threshold, although a slip of the finger is as likely in a
	// short word as in a long one.
	simOneEdit  = 0.86
	simOneEdit3 = 0.8
	// simLegalTypo is the similarity of a legal form and a word one
	// keystroke from one of its spellings ("Liited", "Ltdv", "Cmpany"), or
	// of two legal forms of different classes that close (LLC/LLP).
	simLegalTypo = 0.8
)

func nearPair(a, b rune) bool {
	if a > b {
		a, b = b, a
	}
	switch {
	case a == 'g' && b == 'k', a == 'd' && b == 't', a == 'b' && b == 'p', a == 'f' && b == 'v':
		return true
	}
	return false
}

func isVowelRune(r rune) bool { return r < 0x80 && isVowel(byte(r)) }

func subCost(a, b rune) float64 {
	switch {
	case a == b:
		return 0
	case isVowelRune(a) && isVowelRune(b):
		return costVowelSub
	case nearPair(a, b):
		return costNearSub
	}
	return costSub
}

func indelCost(r rune) float64 {
	switch {
	case isVowelRune(r):
		return costVowelIndel
	case r == 'h':
		return costHIndel
	}
	return costIndel
}

// maxEditLen bounds the strings the edit distance looks at.
const maxEditLen = 48

// Cost tables for ASCII, precomputed (read-only).
var (
	asciiSub   [128][128]float64
	asciiIndel [128]float64
)

func init() {
	for a := 0; a < 128; a++ {
		asciiIndel[a] = indelCost(rune(a))
		for b := 0; b < 128; b++ {
			asciiSub[a][b] = subCost(rune(a), rune(b))
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// editDistanceASCII is editDistance for ASCII strings. It may stop early
// and return a value above limit once the distance must exceed limit.
func editDistanceASCII(a, b string, limit float64) float64 {
	if len(a) > maxEditLen {
		a = a[:maxEditLen]
	}
	if len(b) > maxEditLen {
		b = b[:maxEditLen]
	}
	// Rows as long as b needs: zeroing the full-length rows cost as much
	// as the DP of two short words.
	if len(b) < smallEditLen {
		var rows [3][smallEditLen]float64
		return editDP(a, b, limit, rows[0][:], rows[1][:], rows[2][:])
	}
	var rows [3][maxEditLen + 1]float64
	return editDP(a, b, limit, rows[0][:], rows[1][:], rows[2][:])
}

// smallEditLen is the row length of the edit distance of short words.
const smallEditLen = 16

// editDP is editDistanceASCII's dynamic programme over three rows of
// len(b)+1 cells or more; a and b are ASCII and at most maxEditLen long.
func editDP(a, b string, limit float64, prev2, prev, cur []float64) float64 {
	prev2, prev, cur = prev2[:len(b)+1], prev[:len(b)+1], cur[:len(b)+1]
	for j := 1; j <= len(b); j++ {
		prev[j] = prev[j-1] + asciiIndel[b[j-1]]
	}
	prevMin := 0.0
	for i := 1; i <= len(a); i++ {
		ai := a[i-1]
		subRow := &asciiSub[ai]
		delA := asciiIndel[ai]
		cur[0] = prev[0] + delA
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			bj := b[j-1]
			v := prev[j-1] + subRow[bj]
			if d := prev[j] + delA; d < v {
				v = d
			}
			if d := cur[j-1] + asciiIndel[bj]; d < v {
				v = d
			}
			if i > 1 && j > 1 && ai == b[j-2] && a[i-2] == bj && ai != bj {
				if d := prev2[j-2] + costTranspose; d < v {
					v = d
				}
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		// Every later cell grows from this row or, by a transposition,
		// from the previous one.
		if rowMin > limit && prevMin+costTranspose > limit {
			return min(rowMin, prevMin+costTranspose)
		}
		prevMin = rowMin
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// editDistance is the weighted optimal-string-alignment distance between a
// and b (runes), each truncated to maxEditLen runes. It is symmetric.
func editDistance(a, b string) float64 {
	return editDistanceLimit(a, b, math.Inf(1))
}

// editDistanceLimit is editDistance that may stop early with any value
// above limit.
func editDistanceLimit(a, b string, limit float64) float64 {
	if isASCII(a) && isASCII(b) {
		return editDistanceASCII(a, b, limit)
	}
	var abuf, bbuf [maxEditLen]rune
	ar := toRunes(a, abuf[:0])
	br := toRunes(b, bbuf[:0])
	if len(ar) == 0 {
		d := 0.0
		for _, r := range br {
			d += indelCost(r)
		}
		return d
	}
	if len(br) == 0 {
		d := 0.0
		for _, r := range ar {
			d += indelCost(r)
		}
		return d
	}
	// three rows of the DP matrix
	var rows [3][maxEditLen + 1]float64
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	prev[0] = 0
	for j := 1; j <= len(br); j++ {
		prev[j] = prev[j-1] + indelCost(br[j-1])
	}
	for i := 1; i <= len(ar); i++ {
		cur[0] = prev[0] + indelCost(ar[i-1])
		for j := 1; j <= len(br); j++ {
			v := prev[j-1] + subCost(ar[i-1], br[j-1])
			if d := prev[j] + indelCost(ar[i-1]); d < v {
				v = d
			}
			if d := cur[j-1] + indelCost(br[j-1]); d < v {
				v = d
			}
			if i > 1 && j > 1 && ar[i-1] == br[j-2] && ar[i-2] == br[j-1] && ar[i-1] != br[j-1] {
				if d := prev2[j-2] + costTranspose; d < v {
					v = d
				}
			}
			cur[j] = v
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(br)]
}

func toRunes(s string, buf []rune) []rune {
	for i := 0; i < len(s) && len(buf) < maxEditLen; {
		c := s[i]
		if c < utf8.RuneSelf {
			buf = append(buf, rune(c))
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		buf = append(buf, r)
		i += n
	}
	return buf
}

// editSim turns the edit distance of two strings into a similarity in
// [0,1]: 1 - 2·distance/length, so one cheap edit in a long name costs
// little and two real edits in a short one sink it.
func editSim(a, b string) float64 {
	la, lb := utf8.RuneCountInString(a), utf8.RuneCountInString(b)
	l := la
	if lb > l {
		l = lb
	}
	if l == 0 {
		return 0
	}
	if l > maxEditLen {
		l = maxEditLen
	}
	// Cheap bound: the length difference alone costs at least
	// min(indel cost) per rune.
	diff := la - lb
	if diff < 0 {
		diff = -diff
	}
	if 1-editSensitivity*float64(diff)*costHIndel/float64(l) <= 0 {
		return 0
	}
	// Similarities below minPairSim are not used: stop the DP early.
	limit := (1 - minPairSim) * float64(l) / editSensitivity
	s := 1 - editSensitivity*editDistanceLimit(a, b, limit)/float64(l)
	if s < 0 {
		return 0
	}
	return s
}

// matchKind names the evidence for a token pair in an [Explanation].
type matchKind uint8

const (
	matchNone matchKind = iota
	matchExact
	matchPhonetic
	matchKorean
	matchSkeleton
	matchFuzzy
	matchInitial
	matchAcronym
	matchLegal
)

func (k matchKind) String() string {
	return [...]string{"none", "exact", "phonetic", "korean", "skeleton", "fuzzy", "initial", "acronym", "legalForm"}[k]
}

// letterMask sets bit c-'a' for each letter of s, bit 26 for any other
// rune.
func letterMask[S string | []byte](s S) uint32 {
	var m uint32
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			m |= 1 << (c - 'a')
		} else {
			m |= 1 << 26
		}
	}
	return m
}

const (
	vowelMask = 1 | 1<<('e'-'a') | 1<<('i'-'a') | 1<<('o'-'a') | 1<<('u'-'a')
	hMask     = 1 << ('h' - 'a')
	otherMask = 1 << 26
)

// missingCost is a lower bound on the edit cost of producing the letters
// of mask a that b lacks: each needs at least one substitution or
// deletion.
func missingCost(a, b uint32) float64 {
	if a&otherMask != 0 {
		return 0 // runes outside a–z: no bound
	}
	miss := a &^ b
	v := bits.OnesCount32(miss & vowelMask)
	h := bits.OnesCount32(miss & hMask)
	c := bits.OnesCount32(miss) - v - h
	return float64(v)*costVowelSub + float64(h)*costHIndel + float64(c)*min(costNearSub, costIndel)
}

// tokenSim compares two tokens. It is symmetric.
func tokenSim(a, b *token) (float64, matchKind) {
	if a.kind == kindLegal || b.kind == kindLegal {
		if a.kind == kindLegal && b.kind == kindLegal && a.s == b.s {
			return 1, matchLegal
		}
		if legalTypo(a, b) {
			return simLegalTypo, matchLegal
		}
		return 0, matchNone
	}
	if a.s == b.s {
		return 1, matchExact
	}
	if a.cjk && b.cjk {
		// Two Hangul syllables or two Han readings that differ are
		// different name parts, however close their romanisations.
		return 0, matchNone
	}
	if a.kind == kindNumber || b.kind == kindNumber {
		if numberWordTypo(a, b) {
			return simOneEdit, matchFuzzy
		}
		return 0, matchNone
	}
	if a.kind == kindInitial || b.kind == kindInitial {
		if korEqual(a, b) { // Korean surname I (이) against Ri/Lee/Yi
			return simKorean, matchKorean
		}
		if a.kind == kindInitial && b.kind == kindInitial {
			return 0, matchNone
		}
		if a.s[0] == b.s[0] {
			return simInitial, matchInitial
		}
		return 0, matchNone
	}
	if a.phon == b.phon {
		return simPhonetic, matchPhonetic
	}
	best, kind := 0.0, matchNone
	if korEqual(a, b) {
		best, kind = simKorean, matchKorean
	}
	// The letters one key lacks bound the edit distance from below: skip
	// the DP when even that bound leaves the pair below minPairSim.
	l := max(len(a.phon), len(b.phon))
	if lb := max(missingCost(a.mask, b.mask), missingCost(b.mask, a.mask)); 1-editSensitivity*lb/float64(l) >= minPairSim || a.abjad || b.abjad {
		if s := editSim(a.phon, b.phon); s > best {
			best, kind = s, matchFuzzy
		}
		// The phonetic key can magnify a typo ("innocnet": c before n
		// reads k); the spelling itself then says more.
		if best >= minPairSim && best < goodSim && (a.s != a.phon || b.s != b.phon) {
			if s := editSim(a.s, b.s); s > best {
				best, kind = s, matchFuzzy
			}
		}
	}
	if best < simOneEdit && oneEdit(a, b) {
		if s := oneEditSim(a, b); s > best {
			best, kind = s, matchFuzzy
		}
	}
	if (a.abjad || b.abjad) && a.skel != "" && b.skel != "" {
		la, lb := utf8.RuneCountInString(a.skel), utf8.RuneCountInString(b.skel)
		l := max(la, lb, 3)
		// A skeleton of one or two consonants says little.
		ceil := min(simAbjadMax, 0.5+0.15*float64(min(la, lb)))
		s := ceil * (1 - editSensitivity*editDistance(a.skel, b.skel)/float64(l))
		if s > best {
			best, kind = s, matchSkeleton
		}
	}
	return best, kind
}

// korEqual reports whether two tokens read as the same romanised Korean
// syllables. A Cyrillic spelling does not tell the finals n and ng apart
// (Чен is 정), so against one NK and N are the same.
func korEqual(a, b *token) bool {
	if a.kor == "" || b.kor == "" {
		return false
	}
	if a.kor == b.kor {
		return true
	}
	if a.cyr != b.cyr {
		return strings.ReplaceAll(a.kor, "NK", "N") == strings.ReplaceAll(b.kor, "NK", "N")
	}
	return false
}

// oneEdit reports whether two words, one of three letters or more and
// the other of two or more, are one keystroke apart in their spelling or
// in their phonetic keys (Yog/Yong, Karg/Kang, Hcoe/Choe, Rij/Rim).
func oneEdit(a, b *token) bool {
	if a.kind != kindWord || b.kind != kindWord || a.abjad || b.abjad {
		return false
	}
	la, lb := len(a.s), len(b.s)
	if max(la, lb) < 3 || min(la, lb) < 2 {
		return false
	}
	sOK := la-lb <= 1 && lb-la <= 1
	pOK := len(a.phon)-len(b.phon) <= 1 && len(b.phon)-len(a.phon) <= 1 && bits.OnesCount32(a.mask^b.mask) <= 2
	if !sOK && !pOK || !isASCII(a.s) || !isASCII(b.s) {
		return false
	}
	return sOK && levenshteinAtMost1(a.s, b.s) || pOK && levenshteinAtMost1(a.phon, b.phon)
}

// oneEditSim is the similarity floor of two words one edit apart.
func oneEditSim(a, b *token) float64 {
	if max(len(a.s), len(b.s)) <= 3 {
		return simOneEdit3
	}
	return simOneEdit
}

// legalTypo reports whether a legal-form token and the other token are
// one keystroke apart: a word spelled as one of the class's one-word
// spellings (a "Co" not recognised because a typo follows it) or one edit
// from one, the longer of the two having three letters or more (Td/Ltd,
// and Nam against a trailing Na read as a legal form), or a legal form of
// a class with a spelling of three letters or more one edit from one of
// the other's.
func legalTypo(a, b *token) bool {
	if b.kind == kindLegal {
		a, b = b, a
	}
	if b.kind == kindLegal {
		return legalNear[[2]string{a.s, b.s}]
	}
	if b.kind != kindWord && b.kind != kindParticle || !isASCII(b.s) {
		return false
	}
	bp := b.phon
	if bp == "" { // particles keep no key
		bp = b.s
	}
	for _, sp := range legalWords[a.s] {
		if b.s == sp.s || min(len(b.s), len(sp.s)) >= 2 && max(len(b.s), len(sp.s)) >= 3 && (levenshteinAtMost1(b.s, sp.s) || levenshteinAtMost1(bp, sp.phon)) {
			return true
		}
	}
	return false
}

// legalWord is a one-word spelling of a legal form.
type legalWord struct{ s, phon string }

// legalWords lists, per legal-form class, its one-word spellings;
// legalNear the pairs of classes with spellings of three letters or more
// one edit apart.
var legalWords, legalNear = func() (map[string][]legalWord, map[[2]string]bool) {
	words := map[string][]legalWord{}
	for class, spellings := range legalPhrases {
		for _, sp := range spellings {
			if !strings.Contains(sp, " ") {
				words[class] = append(words[class], legalWord{sp, phoneticKey(sp)})
			}
		}
	}
	near := map[[2]string]bool{}
	for c1, w1 := range words {
		for c2, w2 := range words {
			if c1 == c2 {
				continue
			}
			for _, x := range w1 {
				for _, y := range w2 {
					if len(x.s) >= 3 && len(y.s) >= 3 && levenshteinAtMost1(x.s, y.s) {
						near[[2]string{c1, c2}] = true
					}
				}
			}
		}
	}
	return words, near
}()

// numberWordTypo reports whether one token is a number and the other a
// word one edit from a spelling of it: "First" is read 1, so its typo
// "Fiist" is a word that must still meet it.
func numberWordTypo(a, b *token) bool {
	if b.kind == kindNumber {
		a, b = b, a
	}
	if a.kind != kindNumber || b.kind != kindWord || len(b.s) < 3 {
		return false
	}
	for _, w := range numberSpellings[a.s] {
		if levenshteinAtMost1(b.s, w) {
			return true
		}
	}
	return false
}

// numberSpellings lists the number and ordinal words read as each number.
var numberSpellings = func() map[string][]string {
	m := map[string][]string{}
	for _, words := range []map[string]int{cardinalWords, ordinalWords} {
		for w, n := range words {
			k := strconv.Itoa(n)
			m[k] = append(m[k], w)
		}
	}
	return m
}()
