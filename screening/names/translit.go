package names

import (
	"strings"
	"unicode"
)

// Script transliteration into lower-case basic Latin. Each table is a
// read-only package-level value; the functions here allocate only the
// output builder.

// hangul jamo readings, indexed as in Unicode's syllable composition
// (initial*588 + medial*28 + final).
var (
	hangulInitRR = [19]string{"g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"}
	hangulInitMR = [19]string{"k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "ch", "tch", "ch'", "k'", "t'", "p'", "h"}
	hangulVowRR  = [21]string{"a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"}
	hangulVowMR  = [21]string{"a", "ae", "ya", "yae", "ŏ", "e", "yŏ", "ye", "o", "wa", "wae", "oe", "yo", "u", "wŏ", "we", "wi", "yu", "ŭ", "ŭi", "i"}
	hangulFinRR  = [28]string{"", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"}
)

// RomanizationStyle selects a Korean romanisation for [RomanizeHangul].
type RomanizationStyle int

// Korean romanisation systems.
const (
	// RevisedRomanization is South Korea's official system (2000): 김정은 →
	// "gim jeong eun".
	RevisedRomanization RomanizationStyle = iota
	// McCuneReischauer is the system North Korean names on sanctions lists
	// mostly follow: 김정은 → "kim chŏng ŭn" (breves and apostrophes kept;
	// [Normalize] folds them away).
	McCuneReischauer
)

// RomanizeHangul transliterates the Hangul syllables of s, one
// space-separated Latin syllable per Hangul syllable, decomposing each
// syllable into its jamo algorithmically. ㅅ before i reads "sh" in
// McCune–Reischauer. Other characters are copied unchanged.
func RomanizeHangul(s string, style RomanizationStyle) string {
	var b strings.Builder
	prevHangul := false
	for _, r := range s {
		if !isHangulSyllable(r) {
			b.WriteRune(r)
			prevHangul = false
			continue
		}
		if prevHangul {
			b.WriteByte(' ')
		}
		writeHangulSyllable(&b, r, style)
		prevHangul = true
	}
	return b.String()
}

func isHangulSyllable(r rune) bool { return r >= 0xAC00 && r <= 0xD7A3 }

func writeHangulSyllable(b *strings.Builder, r rune, style RomanizationStyle) {
	idx := int(r - 0xAC00)
	l, v, t := idx/588, (idx%588)/28, idx%28
	if style == McCuneReischauer {
		init := hangulInitMR[l]
		if l == 9 && (v == 20 || v == 16) { // ㅅ before ㅣ/ㅟ
			init = "sh"
		}
		b.WriteString(init)
		b.WriteString(hangulVowMR[v])
	} else {
		b.WriteString(hangulInitRR[l])
		b.WriteString(hangulVowRR[v])
	}
	b.WriteString(hangulFinRR[t])
}

// cyrillic maps Russian, Ukrainian, Belarusian, Serbian, Macedonian,
// Bulgarian, Kazakh and Mongolian Cyrillic letters (lower case) to a
// BGN/PCGN-like Latin reading. Matching later folds the common variants
// (ya/ia, kh/h, zh/j, ts/tz, y/i) through the phonetic key.
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "yo",
	'ж': "zh", 'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m",
	'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u",
	'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
	'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
	// Ukrainian, Belarusian
	'і': "i", 'ї': "yi", 'є': "ye", 'ґ': "g", 'ў': "u",
	// Serbian, Macedonian
	'ђ': "dj", 'ј': "j", 'љ': "lj", 'њ': "nj", 'ћ': "c", 'џ': "dz", 'ѓ': "gj", 'ќ': "kj", 'ѕ': "dz",
	// Kazakh, Mongolian, Tatar, Bashkir
	'ә': "a", 'ғ': "g", 'қ': "k", 'ң': "ng", 'ө': "o", 'ұ': "u", 'ү': "u", 'һ': "h", 'ҳ': "h", 'ҷ': "j", 'ӣ': "i", 'ӯ': "u",
}

// greek maps Greek letters (lower case, accents already stripped) to Latin
// (ELOT 743-like). Digraphs are handled in transliterateGreek.
var greek = map[rune]string{
	'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i",
	'θ': "th", 'ι': "i", 'κ': "k", 'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x",
	'ο': "o", 'π': "p", 'ρ': "r", 'σ': "s", 'ς': "s", 'τ': "t", 'υ': "y",
	'φ': "f", 'χ': "ch", 'ψ': "ps", 'ω': "o",
}

// armenian maps Armenian letters (lower case) to Latin (BGN/PCGN-like).
var armenian = map[rune]string{
	'ա': "a", 'բ': "b", 'գ': "g", 'դ': "d", 'ե': "e", 'զ': "z", 'է': "e",
	'ը': "y", 'թ': "t", 'ժ': "zh", 'ի': "i", 'լ': "l", 'խ': "kh", 'ծ': "ts",
	'կ': "k", 'հ': "h", 'ձ': "dz", 'ղ': "gh", 'ճ': "ch", 'մ': "m", 'յ': "y",
	'ն': "n", 'շ': "sh", 'ո': "o", 'չ': "ch", 'պ': "p", 'ջ': "j", 'ռ': "r",
	'ս': "s", 'վ': "v", 'տ': "t", 'ր': "r", 'ց': "ts", 'ւ': "v", 'փ': "p",
	'ք': "k", 'և': "ev", 'օ': "o", 'ֆ': "f",
}

// georgian maps Georgian Mkhedruli letters to Latin (national system).
var georgian = map[rune]string{
	'ა': "a", 'ბ': "b", 'გ': "g", 'დ': "d", 'ე': "e", 'ვ': "v", 'ზ': "z",
	'თ': "t", 'ი': "i", 'კ': "k", 'ლ': "l", 'მ': "m", 'ნ': "n", 'ო': "o",
	'პ': "p", 'ჟ': "zh", 'რ': "r", 'ს': "s", 'ტ': "t", 'უ': "u", 'ფ': "p",
	'ქ': "k", 'ღ': "gh", 'ყ': "q", 'შ': "sh", 'ჩ': "ch", 'ც': "ts", 'ძ': "dz",
	'წ': "ts", 'ჭ': "ch", 'ხ': "kh", 'ჯ': "j", 'ჰ': "h",
}

// arabic maps Arabic, Persian and Urdu letters to a basic Latin
// consonantal reading. Short vowels are not written in the script, so the
// result is compared with Latin names through their consonant skeletons;
// alif, waw and ya give the long vowels a, u and i (or w and y at the start
// of a word).
var arabic = map[rune]string{
	'ا': "a", 'أ': "a", 'إ': "i", 'آ': "a", 'ٱ': "a", 'ء': "", 'ؤ': "", 'ئ': "",
	'ب': "b", 'ت': "t", 'ث': "th", 'ج': "j", 'ح': "h", 'خ': "kh", 'د': "d",
	'ذ': "dh", 'ر': "r", 'ز': "z", 'س': "s", 'ش': "sh", 'ص': "s", 'ض': "d",
	'ط': "t", 'ظ': "z", 'ع': "", 'غ': "gh", 'ف': "f", 'ق': "q", 'ك': "k",
	'ل': "l", 'م': "m", 'ن': "n", 'ه': "h", 'ة': "a", 'و': "u", 'ي': "i",
	'ى': "a",
	// Persian, Urdu, Pashto
	'پ': "p", 'چ': "ch", 'ژ': "zh", 'گ': "g", 'ک': "k", 'ی': "i", 'ٹ': "t",
	'ڈ': "d", 'ڑ': "r", 'ں': "n", 'ھ': "h", 'ے': "e", 'ہ': "h", 'ۃ': "a",
	'ې': "e", 'ۍ': "i", 'ټ': "t", 'ډ': "d", 'ړ': "r", 'ږ': "zh", 'ښ': "sh", 'ګ': "g", 'ڼ': "n",
}

// hebrew maps Hebrew letters to a basic consonantal Latin reading.
var hebrew = map[rune]string{
	'א': "", 'ב': "b", 'ג': "g", 'ד': "d", 'ה': "h", 'ו': "v", 'ז': "z",
	'ח': "kh", 'ט': "t", 'י': "y", 'כ': "k", 'ך': "kh", 'ל': "l", 'מ': "m",
	'ם': "m", 'נ': "n", 'ן': "n", 'ס': "s", 'ע': "", 'פ': "p", 'ף': "f",
	'צ': "ts", 'ץ': "ts", 'ק': "k", 'ר': "r", 'ש': "sh", 'ת': "t",
}

// kana maps Hiragana and Katakana (Hepburn). Small ya/yu/yo and small tsu
// are handled in transliterateKana.
var kana = func() map[rune]string {
	rows := []string{
		"あa いi うu えe おo かka きki くku けke こko さsa しshi すsu せse そso",
		"たta ちchi つtsu てte とto なna にni ぬnu ねne のno はha ひhi ふfu へhe ほho",
		"まma みmi むmu めme もmo やya ゆyu よyo らra りri るru れre ろro わwa ゐi ゑe をo んn",
		"がga ぎgi ぐgu げge ごgo ざza じji ずzu ぜze ぞzo だda ぢji づzu でde どdo",
		"ばba びbi ぶbu べbe ぼbo ぱpa ぴpi ぷpu ぺpe ぽpo ゔvu ぁa ぃi ぅu ぇe ぉo",
	}
	m := map[rune]string{}
	for _, row := range rows {
		for _, cell := range strings.Fields(row) {
			r := []rune(cell)
			m[r[0]] = string(r[1:])
			m[r[0]+0x60] = string(r[1:]) // the Katakana twin
		}
	}
	m['ヴ'] = "vu"
	return m
}()

// scriptOf classifies a rune for transliteration.
type script uint8

const (
	scriptOther script = iota
	scriptLatin
	scriptCyrillic
	scriptGreek
	scriptArmenian
	scriptGeorgian
	scriptArabic
	scriptHebrew
	scriptKana
	scriptHangul
	scriptHan
)

func scriptOf(r rune) script {
	switch {
	case r < 0x80:
		return scriptLatin
	case r >= 0x0400 && r <= 0x052F:
		return scriptCyrillic
	case r >= 0x0370 && r <= 0x03FF || r >= 0x1F00 && r <= 0x1FFF:
		return scriptGreek
	case r >= 0x0530 && r <= 0x058F:
		return scriptArmenian
	case r >= 0x10A0 && r <= 0x10FF:
		return scriptGeorgian
	case r >= 0x0600 && r <= 0x06FF || r >= 0x0750 && r <= 0x077F || r >= 0xFB50 && r <= 0xFDFF || r >= 0xFE70 && r <= 0xFEFF:
		return scriptArabic
	case r >= 0x0590 && r <= 0x05FF:
		return scriptHebrew
	case r >= 0x3040 && r <= 0x30FF:
		return scriptKana
	case isHangulSyllable(r):
		return scriptHangul
	case unicode.Is(unicode.Han, r):
		return scriptHan
	case r < 0x0250 || r >= 0x1E00 && r <= 0x1EFF:
		return scriptLatin
	}
	return scriptOther
}
