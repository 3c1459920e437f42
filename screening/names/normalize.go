package names

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/unicode/norm"
)

// Limits that bound the work on any input.
const (
	// MaxNameBytes is the longest name, in bytes, that is read; the rest is
	// ignored. [ValidQuery] rejects longer query names.
	MaxNameBytes = 1024
	// maxTokens caps the tokens kept from one name.
	maxTokens = 24
)

// word is a token as the scanner cuts it, before classification.
type word struct {
	s      string
	dotted bool // followed by '.' or '/' (an initial or part of "A.B.C.")
	abjad  bool // transliterated from Arabic or Hebrew script
	cyr    bool // transliterated from Cyrillic
	cjk    bool // one Hangul syllable or Han character
	han    bool // the Mandarin reading of a Han character
	paren  bool // inside parentheses
}

// tokenizer holds the scratch buffers of the normalisation pipeline so
// that names tokenized one after another (as Build does) reuse them
// instead of allocating per name. The zero value is ready to use; one
// tokenizer serves one goroutine.
type tokenizer struct {
	cur    wbuf
	words  []word
	words2 []word
	toks   [2][]token // the pipeline's stages alternate between the two
	segs   []legalSeg
	key    []byte
}

// tokenizers pools tokenizers for the one-off tokenize calls of queries.
var tokenizers = sync.Pool{New: func() any { return new(tokenizer) }}

// wbuf accumulates the bytes of the word being scanned; unlike a
// strings.Builder it keeps its buffer across words.
type wbuf struct{ b []byte }

func (w *wbuf) len() int             { return len(w.b) }
func (w *wbuf) writeByte(c byte)     { w.b = append(w.b, c) }
func (w *wbuf) writeRune(r rune)     { w.b = utf8.AppendRune(w.b, r) }
func (w *wbuf) writeString(s string) { w.b = append(w.b, s...) }
func (w *wbuf) reset()               { w.b = w.b[:0] }
func (w *wbuf) hasSuffix(s string) bool {
	return len(w.b) >= len(s) && string(w.b[len(w.b)-len(s):]) == s
}

// scan transliterates s into lower-case Latin words. Invalid UTF-8 bytes
// and U+FFFD are separators. The words are valid until the next call.
func (tz *tokenizer) scan(s string) []word {
	if len(s) > MaxNameBytes {
		s = s[:MaxNameBytes]
	}
	var (
		words = tz.words[:0]
		cur   = &tz.cur
		abjad bool
		cyr   bool
		lastH bool // the last letter written was he/ha
		paren int
	)
	cur.reset()
	flush := func() {
		if cur.len() > 0 {
			var w string
			if string(cur.b) == "allh" {
				w = "allah"
			} else if lastH && cur.len() > 1 {
				// A final he/ha is mostly a vowel letter (Moshe, Fatemeh).
				w = string(cur.b[:cur.len()-1])
			} else {
				w = string(cur.b)
			}
			if w != "" {
				words = append(words, word{s: w, abjad: abjad, cyr: cyr, paren: paren > 0})
			}
			cur.reset()
		}
		abjad, cyr, lastH = false, false, false
	}
	markDot := func() {
		if cur.len() > 0 {
			flush()
		}
		if n := len(words); n > 0 {
			words[n-1].dotted = true
		}
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		next := s[i+size:]
		i += size
		if r < 0x80 {
			switch {
			case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
				cur.writeByte(byte(r))
			case r >= 'A' && r <= 'Z':
				cur.writeByte(byte(r + 32))
			case r == '\'' || r == '`':
				if possessive(next) {
					i++ // drop "'s"
				}
			case r == '.' || r == '/':
				markDot()
			case r == '&' || r == '+':
				flush()
				words = append(words, word{s: "and", paren: paren > 0})
			case r == '(' || r == '[':
				flush()
				paren++
			case r == ')' || r == ']':
				flush()
				if paren > 0 {
					paren--
				}
			default:
				flush()
			}
			continue
		}
		if r == utf8.RuneError {
			flush()
			continue
		}
		switch scriptOf(r) {
		case scriptHangul:
			flush()
			var b strings.Builder
			writeHangulSyllable(&b, r, RevisedRomanization)
			words = append(words, word{s: b.String(), cjk: true, paren: paren > 0})
			continue
		case scriptHan:
			flush()
			if py := hanziSyllable(r); py != "" {
				words = append(words, word{s: py, cjk: true, han: true, paren: paren > 0})
			}
			continue
		case scriptCyrillic:
			lr := unicode.ToLower(r)
			if t, ok := cyrillic[lr]; ok {
				cur.writeString(t)
				cyr = true
				continue
			}
		case scriptArabic:
			if t, ok := arabic[r]; ok {
				if cur.len() == 0 {
					switch r {
					case 'و':
						t = "w"
					case 'ي', 'ی':
						t = "y"
					case 'ع':
						t = "a" // Ali, Abd, Omar: a vowel in Latin spellings
					}
				}
				cur.writeString(t)
				abjad = true
				lastH = r == 'ه' || r == 'ہ'
				continue
			}
			if r == 0x0640 || r >= 0x064B && r <= 0x065F || r == 0x0670 {
				continue // tatweel, harakat
			}
		case scriptHebrew:
			if t, ok := hebrew[r]; ok {
				if r == 'ו' && cur.len() > 0 {
					t = "o" // mid-word vav is mostly a vowel
				}
				cur.writeString(t)
				abjad = true
				lastH = r == 'ה'
				continue
			}
			if r >= 0x0591 && r <= 0x05C7 {
				continue // niqqud and cantillation
			}
		case scriptKana:
			if writeKana(cur, r) {
				continue
			}
			flush() // middle dot, prolonged sound mark and the like
			continue
		}
		if isApostrophe(r) {
			if possessive(next) {
				i++
			}
			continue
		}
		if r == 0x200C || r == 0x200D || r == 0x00AD {
			continue // zero-width (non-)joiner, soft hyphen: join
		}
		writeFolded(cur, r, &abjad)
		if cur.len() == 0 || !isWordRune(r) {
			flush()
		}
	}
	flush()
	tz.words = words
	return words
}

// writeFolded writes the NFKD-decomposed, mark-stripped, lower-cased form
// of r, or nothing when r is a separator.
func writeFolded(cur *wbuf, r rune, abjad *bool) {
	if d := norm.NFKD.PropertiesString(string(r)).Decomposition(); d != nil {
		for _, dr := range string(d) {
			writeFoldedRune(cur, dr, abjad)
		}
		return
	}
	writeFoldedRune(cur, r, abjad)
}

func writeFoldedRune(cur *wbuf, r rune, abjad *bool) {
	if r < 0x80 {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			cur.writeRune(r)
		case r >= 'A' && r <= 'Z':
			cur.writeRune(r + 32)
		}
		return
	}
	if t, ok := latinFold[r]; ok {
		cur.writeString(t)
		return
	}
	lr := unicode.ToLower(r)
	switch scriptOf(lr) {
	case scriptGreek:
		if t, ok := greek[lr]; ok {
			cur.writeString(t)
		}
		return
	case scriptCyrillic:
		if t, ok := cyrillic[lr]; ok {
			cur.writeString(t)
		}
		return
	case scriptArabic:
		if t, ok := arabic[lr]; ok {
			cur.writeString(t)
			*abjad = true
		}
		return
	case scriptArmenian:
		if t, ok := armenian[lr]; ok {
			cur.writeString(t)
		}
		return
	case scriptGeorgian:
		if t, ok := georgian[lr]; ok {
			cur.writeString(t)
		}
		return
	case scriptLatin:
		if unicode.Is(unicode.Mn, lr) {
			return
		}
	}
	if isCombiningDiacritic(lr) {
		return
	}
	if unicode.IsLetter(lr) || unicode.IsDigit(lr) || unicode.In(lr, unicode.Mn, unicode.Mc) {
		cur.writeRune(lr)
	}
}

// isCombiningDiacritic reports whether r is in one of the generic
// combining-diacritics blocks that NFKD splits off Latin, Greek and
// Cyrillic letters.
func isCombiningDiacritic(r rune) bool {
	return r >= 0x0300 && r <= 0x036F || r >= 0x1AB0 && r <= 0x1AFF || r >= 0x1DC0 && r <= 0x1DFF ||
		r >= 0x20D0 && r <= 0x20FF || r >= 0xFE20 && r <= 0xFE2F
}

// isWordRune reports whether r continues a word (letters, digits and the
// combining marks of scripts kept as they are).
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc)
}

// latinFold holds letters that NFKD does not decompose.
var latinFold = map[rune]string{
	'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ø': "o", 'Ø': "o",
	'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d", 'þ': "th", 'Þ': "th",
	'ı': "i", 'ŋ': "ng", 'Ŋ': "ng", 'ħ': "h", 'Ħ': "h", 'ŧ': "t", 'Ŧ': "t", 'ĸ': "k",
	'ſ': "s", 'ɨ': "i", 'ə': "e", 'Ə': "e", 'ɔ': "o", 'ɛ': "e", 'ƒ': "f",
}

func isApostrophe(r rune) bool {
	switch r {
	case '\u2018', '\u2019', '\u201B', '\u02BC', '\u02BB', '\u02BF', '\u02BE', '\u00B4', '\u2032', '\u02B9', '\uFF07':
		return true
	}
	return false
}

// possessive reports whether rest starts with "s" ending a word.
func possessive(rest string) bool {
	if len(rest) == 0 || rest[0] != 's' && rest[0] != 'S' {
		return false
	}
	if len(rest) == 1 {
		return true
	}
	r, _ := utf8.DecodeRuneInString(rest[1:])
	return !isWordRune(r)
}

// writeKana writes the Hepburn reading of a kana and reports whether r was
// a kana letter.
func writeKana(cur *wbuf, r rune) bool {
	switch r {
	case 'ゃ', 'ャ', 'ゅ', 'ュ', 'ょ', 'ョ':
		if cur.hasSuffix("i") {
			cur.b = cur.b[:cur.len()-1]
			if cur.hasSuffix("sh") || cur.hasSuffix("ch") || cur.hasSuffix("j") {
				cur.writeString(kanaSmallAfterSibilant[r])
				return true
			}
		}
		cur.writeString(kanaSmall[r])
		return true
	case 'っ', 'ッ', 'ー':
		return true
	}
	if t, ok := kana[r]; ok {
		cur.writeString(t)
		return true
	}
	return false
}

// kanaSmall and kanaSmallAfterSibilant read the small ya/yu/yo kana, after
// most syllables and after sh, ch, j (sha, not shya).
var (
	kanaSmall              = map[rune]string{'ゃ': "ya", 'ャ': "ya", 'ゅ': "yu", 'ュ': "yu", 'ょ': "yo", 'ョ': "yo"}
	kanaSmallAfterSibilant = map[rune]string{'ゃ': "a", 'ャ': "a", 'ゅ': "u", 'ュ': "u", 'ょ': "o", 'ョ': "o"}
)

// hanziSyllable returns the toneless pinyin of a Han character (its first
// reading), or "" when go-pinyin's table has none.
func hanziSyllable(r rune) string {
	v, ok := pinyin.PinyinDict[int(r)]
	if !ok {
		return ""
	}
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	var b strings.Builder
	for _, c := range norm.NFD.String(v) {
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteRune(c)
		case c == 'ü':
			b.WriteByte('u')
		}
	}
	return b.String()
}

// Normalize returns the canonical form of a name as the matcher sees it:
// transliterated to Latin, diacritics stripped, case folded, punctuation
// turned to spaces, honorifics dropped and legal forms, particles and
// number words canonicalised, tokens joined by single spaces. It never
// panics; invalid UTF-8 bytes act as spaces.
func Normalize(name string) string {
	tz := tokenizers.Get().(*tokenizer)
	defer tokenizers.Put(tz)
	return tz.norm(tz.tokenize(name))
}

// norm joins the tokens' forms by single spaces.
func (tz *tokenizer) norm(toks []token) string {
	switch len(toks) {
	case 0:
		return ""
	case 1:
		return toks[0].s
	}
	b := tz.key[:0]
	for i := range toks {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, toks[i].s...)
	}
	tz.key = b
	return string(b)
}

// tokenize runs the whole normalisation pipeline on one name.
func tokenize(name string) []token {
	tz := tokenizers.Get().(*tokenizer)
	defer tokenizers.Put(tz)
	return slices.Clone(tz.tokenize(name))
}

// tokenize runs the whole normalisation pipeline on one name. The tokens
// are valid until the next call.
func (tz *tokenizer) tokenize(name string) []token {
	words := tz.scan(name)
	words = tz.joinInitialisms(words)
	toks, spare := tz.toks[0][:0], tz.toks[1][:0]
	for _, w := range words {
		s := deLeet(w.s)
		if n, ok := ordinal(s); ok {
			s = n
		} else if n, ok := roman(s); ok && len(toks) > 0 && len(words) >= 3 {
			s = n
		}
		toks = append(toks, token{s: s, abjad: w.abjad, cyr: w.cyr, cjk: w.cjk, han: w.han, paren: w.paren})
	}
	toks = numberWords(toks)
	untruncateLegal(toks)
	toks, spare = splitArticles(toks, spare)
	for i := range toks {
		toks[i].phon = tz.phoneticKey(toks[i].s)
	}
	toks, spare = tz.legalForms(toks, spare)
	toks, spare = classify(toks, spare)
	tz.toks[0], tz.toks[1] = toks, spare
	if len(toks) > maxTokens {
		toks = toks[:maxTokens]
	}
	for i := range toks {
		t := &toks[i]
		if t.phon == "" {
			t.phon = tz.phoneticKey(t.s)
		}
		switch {
		case t.han:
			// A pinyin reading is not a romanised Korean syllable: the
			// Korean equivalences (li ~ ri ~ i, yu ~ nyo) do not apply.
			t.kor = ""
		case t.cyr:
			t.kor = koreanKey(cyrillicKorean(t.s))
		default:
			t.kor = koreanKey(t.s)
		}
		t.skel = skeleton(t.phon)
		t.mask = letterMask(t.phon)
		t.smask = letterMask(t.s)
	}
	return toks
}

// joinInitialisms joins runs of dotted single letters ("a.b.c." → "abc",
// "L.L.C." → "llc", "J.-C." → "jc").
func (tz *tokenizer) joinInitialisms(ws []word) []word {
	dotted := false
	for _, w := range ws {
		dotted = dotted || w.dotted
	}
	if !dotted {
		return ws
	}
	out := tz.words2[:0]
	defer func() { tz.words2 = out }()
	for i := 0; i < len(ws); {
		j := i
		for j < len(ws) && utf8.RuneCountInString(ws[j].s) == 1 && (ws[j].dotted || j > i && ws[j-1].dotted) {
			j++
			if !ws[j-1].dotted {
				break
			}
		}
		if j-i >= 2 {
			var b strings.Builder
			for k := i; k < j; k++ {
				b.WriteString(ws[k].s)
			}
			out = append(out, word{s: b.String(), paren: ws[i].paren})
			i = j
			continue
		}
		out = append(out, ws[i])
		i++
	}
	return out
}

// deLeet maps digits used as letters ("Ig0r Sech1n") when a token mixes
// mostly letters with a few digits.
func deLeet(s string) string {
	letters, digits := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'a' && c <= 'z':
			letters++
		}
	}
	if digits == 0 || letters < 2 || digits*2 > letters {
		return s
	}
	if _, ok := ordinal(s); ok {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if m, ok := leet[c]; ok {
			b[i] = m
		}
	}
	return string(b)
}

var leet = map[byte]byte{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g'}

// ordinal turns "1st", "22nd", "first", "third"… into digits.
func ordinal(s string) (string, bool) {
	if n, ok := ordinalWords[s]; ok {
		return strconv.Itoa(n), true
	}
	if len(s) >= 3 {
		suf := s[len(s)-2:]
		if suf == "st" || suf == "nd" || suf == "rd" || suf == "th" {
			if _, err := strconv.Atoi(s[:len(s)-2]); err == nil {
				return s[:len(s)-2], true
			}
		}
	}
	return "", false
}

var ordinalWords = map[string]int{
	"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
	"eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
}

var cardinalWords = map[string]int{
	"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
	"fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
	"nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
	"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}

// numberWords turns number words into digits, joining "forty four" and
// "forty 4" into 44.
func numberWords(toks []token) []token {
	out := toks[:0]
	for i := 0; i < len(toks); i++ {
		n, ok := cardinalWords[toks[i].s]
		if !ok {
			out = append(out, toks[i])
			continue
		}
		if n >= 20 && n%10 == 0 && i+1 < len(toks) {
			if u, ok := unitValue(toks[i+1].s); ok {
				n += u
				i++
			}
		}
		t := toks[i]
		t.s = strconv.Itoa(n)
		out = append(out, t)
	}
	return out
}

func unitValue(s string) (int, bool) {
	if n, ok := cardinalWords[s]; ok && n >= 1 && n <= 9 {
		return n, true
	}
	if len(s) == 1 && s[0] >= '1' && s[0] <= '9' {
		return int(s[0] - '0'), true
	}
	return 0, false
}

// splitArticles splits the Arabic article off transliterated words
// ("alsudani" from السوداني → "al sudani"); Latin "al-" is already split by
// the hyphen. It returns the tokens and the unused one of toks and out.
func splitArticles(toks, out []token) (res, spare []token) {
	n := 0
	for _, t := range toks {
		if t.abjad && strings.HasPrefix(t.s, "al") && len(t.s) >= 5 && t.s != "allah" {
			n++
		}
	}
	if n == 0 {
		return toks, out
	}
	out = out[:0]
	for _, t := range toks {
		if t.abjad && strings.HasPrefix(t.s, "al") && len(t.s) >= 5 && t.s != "allah" {
			a := t
			a.s = "al"
			b := t
			b.s = t.s[2:]
			out = append(out, a, b)
			continue
		}
		out = append(out, t)
	}
	return out, toks
}

// romanNumerals are the numerals of two or more letters read as numbers
// in names after the first token ("Fund III"); "xi" is left alone (Xi is
// a surname).
var romanNumerals = map[string]int{
	"ii": 2, "iii": 3, "iv": 4, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "xii": 12,
	"xiii": 13, "xiv": 14, "xv": 15, "xvi": 16, "xvii": 17, "xviii": 18, "xix": 19, "xx": 20,
}

func roman(s string) (string, bool) {
	if n, ok := romanNumerals[s]; ok {
		return strconv.Itoa(n), true
	}
	return "", false
}

// legalStems are legal-form words a field limit may cut ("JOINT STOCK
// COMPAN").
var legalStems = []string{"company", "corporation", "incorporated", "limited", "aktiengesellschaft", "gesellschaft", "obshchestvo", "otvetstvennostyu"}

// untruncateLegal completes a truncated legal-form word at the end of a
// name.
func untruncateLegal(toks []token) {
	if len(toks) < 2 {
		return
	}
	t := &toks[len(toks)-1]
	if len(t.s) < 4 {
		return
	}
	for _, w := range legalStems {
		if len(t.s) < len(w) && strings.HasPrefix(w, t.s) {
			t.s = w
			return
		}
	}
}

// cyrillicKorean respells a Cyrillic-transliterated token the way the
// Russian (Kontsevich) transcription of Korean means it, for the Korean
// key: е stands for 어 (eo) and ы for 으 (eu): Чен Ын → "cheon eun".
func cyrillicKorean(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 'e' && (i == 0 || s[i-1] != 'y'):
			b.WriteString("eo")
		case c == 'y' && (i+1 == len(s) || !isVowel(s[i+1])):
			b.WriteString("eu")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
