package names

import (
	"slices"
	"strings"
)

// Romanised Korean: a token such as "kyonghui", "jong", "choe" or "park"
// is segmented into syllables, each spelled initial + vowel + final, and
// every spelling is mapped to a canonical phonetic class. McCune–Reischauer
// (with breves and apostrophes already folded), Revised Romanisation and
// the common spellings of names (Park, Lee, Choi, Chung, Oh, Ahn, Sohn,
// Moon, Yoo…) of one syllable share one key:
//
//	initials  g k kk kh → K · d t tt → T · b p pp → P · j ch tch ts → C ·
//	          s ss sh → S · r l rh → R (dropped at the start of a token
//	          before i/y, N before other vowels: Ri = Lee = Yi = I,
//	          Roh = Noh) · n → N · m → M · h → H
//	vowels    a → A · ae e ai → E · eo o u eu oo ou → O · yeo yo yu yoo →
//	          YO · i ee yi ui eui → I · wa → WA · wae oe we oi → WE ·
//	          wo weo → WO · wi → WI · ya → YA · yae ye → YE
//	finals    k g → K · n → N · ng → NK · t d → T · l r → L · m → M · p b → P
//
// A syllable-final "ng" is keyed N+K so that keys do not depend on where a
// joined given name is cut: "jong un", "jongun" and "jon gun" give the same
// key. Merging o/u/eo/eu follows the spellings in use (정 is Jeong, Jong,
// Chong, Jung and Chung), at the cost of also merging 종 and 중.

var korInitials = map[string]string{
	"": "", "g": "K", "k": "K", "kk": "K", "gg": "K", "kh": "K",
	"n": "N", "d": "T", "t": "T", "tt": "T", "dd": "T", "th": "T",
	"r": "R", "l": "R", "rh": "R", "m": "M", "b": "P", "p": "P", "pp": "P", "bb": "P", "ph": "P",
	"s": "S", "ss": "S", "sh": "S", "j": "C", "ch": "C", "jj": "C", "tch": "C", "ts": "C", "tj": "C", "h": "H",
}

var korVowels = map[string]string{
	"a": "A", "ah": "A",
	"ae": "E", "e": "E", "ai": "E", "eh": "E", "ay": "E",
	"ya": "YA", "yah": "YA", "yae": "YE", "ye": "YE",
	"eo": "O", "o": "O", "u": "O", "eu": "O", "oo": "O", "ou": "O", "oh": "O", "uh": "O", "eoh": "O", "woo": "O", "wu": "O",
	"yeo": "YO", "yo": "YO", "yu": "YO", "yoo": "YO", "you": "YO", "yeu": "YO", "yoh": "YO",
	"i": "I", "ee": "I", "yi": "I", "ui": "I", "eui": "I",
	"wa": "WA", "oa": "WA", "wae": "WE", "oe": "WE", "we": "WE", "oi": "WE", "oei": "WE",
	"wo": "WO", "weo": "WO", "uo": "WO", "wi": "WI", "wee": "WI",
}

var korFinals = map[string]string{
	"": "", "k": "K", "g": "K", "ck": "K", "n": "N", "ng": "NK", "t": "T", "d": "T",
	"l": "L", "r": "L", "m": "M", "p": "P", "b": "P",
}

// korSpecial holds whole-syllable spellings outside the grammar above.
var korSpecial = map[string]string{"park": "PAK", "bark": "PAK"}

const (
	maxKorSyllables = 4
	maxKorToken     = 18
)

// korTable is a read-only lookup of one of the maps above by a spelling
// of at most three letters, without hashing: the spelling is read as a
// base-27 number.
type korTable struct {
	idx  [27 * 27 * 27]uint8 // 1 + index in vals, 0 when absent
	vals []string
}

func newKorTable(m map[string]string) *korTable {
	t := &korTable{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if len(k) > 3 {
			panic("names: Korean spelling longer than 3 letters: " + k)
		}
		t.vals = append(t.vals, m[k])
		t.idx[korCode(k)] = uint8(len(t.vals))
	}
	return t
}

// korCode numbers a spelling of at most three letters a–z.
func korCode(s string) int {
	c := 0
	for i := 0; i < len(s); i++ {
		c = c*27 + int(s[i]-'a'+1)
	}
	return c
}

func (t *korTable) get(s string) (string, bool) {
	if i := t.idx[korCode(s)]; i != 0 {
		return t.vals[i-1], true
	}
	return "", false
}

var (
	korIniTable = newKorTable(korInitials)
	korVowTable = newKorTable(korVowels)
	korFinTable = newKorTable(korFinals)
	// korSpecials is korSpecial as a list (no two spellings share a first
	// letter, so the order does not matter).
	korSpecials = func() [][2]string {
		var out [][2]string
		for sp, k := range korSpecial {
			out = append(out, [2]string{sp, k})
		}
		slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
		return out
	}()
)

// korParse is the dynamic programme of koreanKey: the key of s[i:] is the
// syllable key piece[i] followed by the key of s[next[i]:], so keys are
// compared and built without concatenating strings.
type korParse struct {
	n     int
	best  [maxKorToken + 1]int
	piece [maxKorToken + 1][3]string
	next  [maxKorToken + 1]int
}

// appendKey appends the key of s[i:].
func (p *korParse) appendKey(b []byte, i int) []byte {
	for i != p.n {
		b = append(b, p.piece[i][0]...)
		b = append(b, p.piece[i][1]...)
		b = append(b, p.piece[i][2]...)
		i = p.next[i]
	}
	return b
}

// less reports whether the key piece + key(end) sorts before key(i).
func (p *korParse) less(piece [3]string, end, i int) bool {
	var x, y [96]byte
	a := append(append(append(x[:0], piece[0]...), piece[1]...), piece[2]...)
	a = p.appendKey(a, end)
	b := p.appendKey(y[:0], i)
	return string(a) < string(b)
}

// koreanKey returns the canonical key of a romanised Korean token, or ""
// when the token cannot be read as at most four Korean syllables.
func koreanKey(s string) string {
	n := len(s)
	if n == 0 || n > maxKorToken {
		return ""
	}
	for i := 0; i < n; i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return ""
		}
	}
	// best[i]: fewest syllables covering s[i:]; piece[i] and next[i] the
	// first syllable and the rest of that parse.
	const inf = 1 << 30
	var p korParse
	p.n = n
	best := &p.best
	for i := range best {
		best[i] = inf
	}
	best[n] = 0
	for i := n - 1; i >= 0; i-- {
		for _, sp := range korSpecials {
			if strings.HasPrefix(s[i:], sp[0]) && best[i+len(sp[0])] != inf && best[i+len(sp[0])]+1 < best[i] {
				best[i], p.piece[i], p.next[i] = best[i+len(sp[0])]+1, [3]string{sp[1]}, i+len(sp[0])
			}
		}
		for il := 0; il <= 3 && i+il <= n; il++ {
			ini, ok := korIniTable.get(s[i : i+il])
			if !ok {
				continue
			}
			for vl := 1; vl <= 3 && i+il+vl <= n; vl++ {
				vow, ok := korVowTable.get(s[i+il : i+il+vl])
				if !ok {
					continue
				}
				for fl := 0; fl <= 2 && i+il+vl+fl <= n; fl++ {
					fin, ok := korFinTable.get(s[i+il+vl : i+il+vl+fl])
					if !ok {
						continue
					}
					end := i + il + vl + fl
					if best[end] == inf || best[end]+1 > best[i] {
						continue
					}
					piece := [3]string{ini, vow, fin}
					if best[end]+1 < best[i] || p.less(piece, end, i) {
						best[i], p.piece[i], p.next[i] = best[end]+1, piece, end
					}
				}
			}
		}
	}
	if best[0] > maxKorSyllables {
		return ""
	}
	var buf [96]byte
	k := p.appendKey(buf[:0], 0)
	// Initial law: a leading R is dropped before I/Y and read N elsewhere.
	if len(k) > 0 && k[0] == 'R' {
		if len(k) > 1 && (k[1] == 'I' || k[1] == 'Y') {
			k = k[1:]
		} else {
			k[0] = 'N'
		}
	} else if len(k) > 1 && k[0] == 'N' && (k[1] == 'I' || k[1] == 'Y') {
		k = k[1:]
	}
	return string(k)
}
