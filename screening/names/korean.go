package names

import "strings"

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
	// best[i]: fewest syllables covering s[i:]; key[i] the key of that parse.
	const inf = 1 << 30
	var best [maxKorToken + 1]int
	var key [maxKorToken + 1]string
	for i := range best {
		best[i] = inf
	}
	best[n] = 0
	for i := n - 1; i >= 0; i-- {
		for sp, k := range korSpecial {
			if strings.HasPrefix(s[i:], sp) && best[i+len(sp)] != inf && best[i+len(sp)]+1 < best[i] {
				best[i], key[i] = best[i+len(sp)]+1, k+key[i+len(sp)]
			}
		}
		for il := 0; il <= 3 && i+il <= n; il++ {
			ini, ok := korInitials[s[i:i+il]]
			if !ok {
				continue
			}
			for vl := 1; vl <= 3 && i+il+vl <= n; vl++ {
				vow, ok := korVowels[s[i+il:i+il+vl]]
				if !ok {
					continue
				}
				for fl := 0; fl <= 2 && i+il+vl+fl <= n; fl++ {
					fin, ok := korFinals[s[i+il+vl:i+il+vl+fl]]
					if !ok {
						continue
					}
					end := i + il + vl + fl
					if best[end] == inf || best[end]+1 > best[i] {
						continue
					}
					k := ini + vow + fin + key[end]
					if best[end]+1 < best[i] || k < key[i] {
						best[i], key[i] = best[end]+1, k
					}
				}
			}
		}
	}
	if best[0] > maxKorSyllables {
		return ""
	}
	k := key[0]
	// Initial law: a leading R is dropped before I/Y and read N elsewhere.
	if strings.HasPrefix(k, "R") {
		if len(k) > 1 && (k[1] == 'I' || k[1] == 'Y') {
			k = k[1:]
		} else {
			k = "N" + k[1:]
		}
	} else if strings.HasPrefix(k, "NI") || strings.HasPrefix(k, "NY") {
		k = k[1:]
	}
	return k
}
