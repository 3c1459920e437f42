package names

import (
	"slices"
	"strings"
)

// tokKind classifies a token; the kind sets its weight in the name score.
type tokKind uint8

const (
	kindWord     tokKind = iota // an ordinary name part
	kindParticle                // bin, ibn, al, el, de, van… (low weight)
	kindStop                    // the, of, and (org names; very low weight)
	kindLegal                   // a legal form: ltd, llc, jsc… (low weight, canonical class)
	kindNumber                  // digits
	kindInitial                 // a single letter
)

func (k tokKind) String() string {
	return [...]string{"word", "particle", "stopword", "legalForm", "number", "initial"}[k]
}

// Token weights: how much each kind counts in a name's mass.
const (
	weightWord     = 1.0
	weightParticle = 0.3
	weightStop     = 0.15
	weightLegal    = 0.4
	weightNumber   = 0.5
	weightInitial  = 0.5
)

// token is one normalised name part with its comparison keys.
type token struct {
	s     string  // normalised Latin form
	phon  string  // phonetic key (phoneticKey)
	kor   string  // romanised-Korean syllable key, "" when s is not Korean-like
	skel  string  // consonant skeleton of phon
	mask  uint32  // letters a–z present in phon (bit 26: any other rune)
	smask uint32  // letterMask(s)
	w     float64 // weight
	kind  tokKind
	abjad bool // transliterated from Arabic/Hebrew script (vowels unwritten)
	cyr   bool // transliterated from Cyrillic
	cjk   bool // one Hangul syllable or Han character
	han   bool // the Mandarin reading of a Han character
	paren bool // was inside parentheses
}

// titles are honorifics and ranks dropped from names.
var titles = setOf(`mr mrs ms miss mister dr doctor prof professor sir dame lord lady
	sheikh shaikh sheik shaykh cheikh shekh haji hajji hadji alhaji alhaj alhajji hajj
	mullah mulla mawlawi maulvi maulavi moulavi mawlavi maulana mawlana mufti ayatollah
	monsieur madame mme mlle herr frau senor senora sra excellency mv mt`)

// ranks are military ranks and offices. They are kept with a particle's
// low weight rather than dropped, because they also start company names
// (General Motors) and are surnames (Major).
var ranks = setOf(`general gen col colonel maj major capt captain lt lieutenant brig brigadier
	adm admiral marshal cmdr commander sgt sergeant president prasident praesident presidente`)

// particles are name particles and Arabic connectors, kept with low
// weight. Canonical spellings merge bin/ibn/ben and al/el.
var particles = map[string]string{
	"al": "al", "el": "al", "ul": "al", "bin": "bin", "ibn": "bin", "ben": "bin", "bint": "bin",
	"binti": "bin", "bte": "bin", "ould": "bin", "de": "de", "da": "da", "di": "di",
	"do": "do", "dos": "dos", "das": "das", "del": "del", "della": "della", "du": "du",
	"van": "van", "von": "von", "der": "der", "den": "den", "la": "la", "le": "le", "zu": "zu",
	"ter": "ter", "ten": "ten",
}

// stopwords carry almost no identity in org names.
var stopwords = setOf(`the of and for und et`)

// legalPhrases maps each legal-form class to its spellings (normalised
// Latin; matched through the phonetic key so transliteration variants of
// the Russian forms also match).
var legalPhrases = map[string][]string{
	"ltd":   {"ltd", "limited", "ltda", "limitada", "you xian gong si", "youxian gongsi"},
	"llc":   {"llc", "limited liability company", "limited liability co", "ooo", "obshchestvo s ogranichennoy otvetstvennostyu", "obshchestvo s ogranichennoi otvetstvennostiu", "too", "tovarishchestvo s ogranichennoy otvetstvennostyu"},
	"inc":   {"inc", "incorporated"},
	"corp":  {"corp", "corporation"},
	"co":    {"co", "company", "compania", "cia", "gong si", "gongsi"},
	"plc":   {"plc", "public limited company"},
	"jsc":   {"jsc", "ojsc", "cjsc", "pjsc", "oao", "zao", "pao", "ao", "jsco", "joint stock company", "open joint stock company", "closed joint stock company", "public joint stock company", "joint stock co", "aktsionernoe obshchestvo", "otkrytoe aktsionernoe obshchestvo", "zakrytoe aktsionernoe obshchestvo", "publichnoe aktsionernoe obshchestvo", "aktsionernoye obshchestvo", "otkrytoye aktsionernoye obshchestvo", "zakrytoye aktsionernoye obshchestvo", "publichnoye aktsionernoye obshchestvo"},
	"ano":   {"ano", "avtonomnaya nekommercheskaya organizatsiya"},
	"ag":    {"ag", "aktiengesellschaft"},
	"gmbh":  {"gmbh", "gesellschaft mit beschrankter haftung"},
	"kg":    {"kg", "kommanditgesellschaft"},
	"sa":    {"sa", "sociedad anonima", "societe anonyme", "sab", "saa", "sae"},
	"spa":   {"spa", "societa per azioni"},
	"srl":   {"srl", "societatea cu raspundere limitata", "societa a responsabilita limitata", "sociedad de responsabilidad limitada"},
	"sarl":  {"sarl", "societe a responsabilite limitee"},
	"sas":   {"sas", "societe par actions simplifiee"},
	"sl":    {"sl", "sociedad limitada"},
	"cv":    {"sa de cv", "cv"},
	"bv":    {"bv", "besloten vennootschap"},
	"nv":    {"nv", "naamloze vennootschap"},
	"ab":    {"ab", "aktiebolag"},
	"as":    {"as", "aktieselskab", "aksjeselskap", "asa"},
	"oy":    {"oy", "oyj", "osakeyhtio"},
	"spzoo": {"sp z oo", "spzoo", "spolka z ograniczona odpowiedzialnoscia"},
	"sro":   {"sro", "spol s r o"},
	"pty":   {"pty", "proprietary"},
	"pte":   {"pte", "private"},
	"bhd":   {"bhd", "sdn bhd", "berhad", "sendirian berhad"},
	"lp":    {"lp", "limited partnership"},
	"llp":   {"llp", "limited liability partnership"},
	"kk":    {"kk", "kabushiki kaisha", "kabushiki gaisha"},
	"fze":   {"fze", "fzco", "fzc", "fzllc", "fz llc", "dmcc"},
	"doo":   {"doo"},
	"ood":   {"ood", "eood", "ead"},
	"pt":    {"pt", "perseroan terbatas", "tbk"},
	"na":    {"na", "national association"},
	"se":    {"se", "societas europaea"},
	"kft":   {"kft", "zrt", "nyrt"},
	"est":   {"est", "establishment"},
}

// legalPhrase is one spelling of a legal form, as phonetic keys.
type legalPhrase struct {
	words    []string
	class    string
	spelling string
	first    string // the spelling's first word
}

// legalIndex maps the phonetic key of a phrase's first word to its
// phrases, longest first.
var legalIndex = func() map[string][]legalPhrase {
	m := map[string][]legalPhrase{}
	for class, spellings := range legalPhrases {
		for _, sp := range spellings {
			ws := strings.Fields(sp)
			for i, w := range ws {
				ws[i] = phoneticKey(w)
			}
			first, _, _ := strings.Cut(sp, " ")
			m[ws[0]] = append(m[ws[0]], legalPhrase{words: ws, class: class, spelling: sp, first: first})
		}
	}
	for k, ps := range m {
		for i := 1; i < len(ps); i++ { // insertion sort, longest first
			for j := i; j > 0 && (len(ps[j].words) > len(ps[j-1].words) || len(ps[j].words) == len(ps[j-1].words) && ps[j].class < ps[j-1].class); j-- {
				ps[j], ps[j-1] = ps[j-1], ps[j]
			}
		}
		m[k] = ps
	}
	return m
}()

// longLegalWords are single-word legal forms long enough to be recognised
// with one typo ("Aktiengeselschaft").
var longLegalWords = func() []legalPhrase {
	var out []legalPhrase
	for class, spellings := range legalPhrases {
		for _, sp := range spellings {
			if !strings.Contains(sp, " ") && len(sp) >= 7 {
				out = append(out, legalPhrase{words: []string{phoneticKey(sp)}, class: class})
			}
		}
	}
	return out
}()

// longLegalPhrases are the legal-form phrases of several words whose first
// word has six letters or more: a typo in that word ("Limted Liability
// Company") still finds them, since the words after it must match too.
var longLegalPhrases = func() []legalPhrase {
	var out []legalPhrase
	for _, ps := range legalIndex {
		for _, p := range ps {
			if len(p.words) > 1 && len(p.words[0]) >= 6 {
				out = append(out, p)
			}
		}
	}
	slices.SortFunc(out, func(a, b legalPhrase) int {
		if len(a.words) != len(b.words) {
			return len(b.words) - len(a.words)
		}
		return strings.Compare(a.spelling, b.spelling)
	})
	return out
}()

// fuzzyLegalPhrases returns the long phrases whose first word is one edit
// from t (its spelling or its phonetic key), longest first.
func fuzzyLegalPhrases(t *token) []legalPhrase {
	var out []legalPhrase
	near := func(a, b string) bool {
		return len(a)-len(b) <= 1 && len(b)-len(a) <= 1 && levenshteinAtMost1(a, b)
	}
	for _, p := range longLegalPhrases {
		if near(t.phon, p.words[0]) || near(t.s, p.first) {
			out = append(out, p)
		}
	}
	return out
}

// unambiguousLegal are short legal forms that are not also common name
// parts; other short forms ("co", "sa", "as", "na", "ao"…) count as legal
// forms only at the start of a name or in its trailing run of legal forms.
var unambiguousLegal = setOf(`ltd llc inc plc jsc ojsc cjsc pjsc ooo oao zao pao gmbh srl sarl bv nv llp lp pty pte bhd fze fzco sro spzoo`)

// leadingLegal are the classes whose short forms lead a name (OOO, AO,
// ANO, PT).
var leadingLegal = setOf(`llc jsc ano pt`)

// legalSeg is a run of tokens that legalForms keeps (class "") or replaces
// by a legal-form token.
type legalSeg struct {
	from, to  int
	class     string
	ambiguous bool
}

// legalForms replaces legal-form phrases by one token holding the class.
// It returns the tokens and the unused one of toks and out.
func (tz *tokenizer) legalForms(toks, out []token) (res, spare []token) {
	type seg = legalSeg
	segs := tz.segs[:0]
	defer func() { tz.segs = segs[:0] }()
	for i := 0; i < len(toks); {
		matched := false
		phrases, fuzzy := legalIndex[toks[i].phon], false
		if phrases == nil && len(toks[i].phon) >= 5 && i+1 < len(toks) {
			phrases, fuzzy = fuzzyLegalPhrases(&toks[i]), true
		}
		for _, p := range phrases {
			if i+len(p.words) > len(toks) {
				continue
			}
			ok := true
			for k, w := range p.words {
				if k == 0 && fuzzy {
					continue // one edit away, checked by fuzzyLegalPhrases
				}
				if tp := toks[i+k].phon; tp != w && (len(w) < 6 || !levenshteinAtMost1(tp, w)) {
					ok = false
					break
				}
			}
			// Short spellings must match exactly: "Ko" is a surname, "Co"
			// a legal form, "LP" is not "LLP".
			if ok && len(p.words) == 1 && len(toks[i].s) <= 4 && toks[i].s != p.spelling {
				ok = false
			}
			if ok {
				amb := len(p.words) == 1 && len(toks[i].s) <= 3 && !unambiguousLegal[toks[i].s]
				segs = append(segs, seg{i, i + len(p.words), p.class, amb})
				i += len(p.words)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		if len(toks[i].phon) >= 8 {
			for _, p := range longLegalWords {
				if p.words[0][0] == toks[i].phon[0] && levenshteinAtMost1(toks[i].phon, p.words[0]) {
					segs = append(segs, seg{i, i + 1, p.class, false})
					matched = true
					break
				}
			}
		}
		if !matched {
			segs = append(segs, seg{i, i + 1, "", false})
		}
		i++
	}
	if len(segs) < 2 {
		return toks, out // a name that is only a legal form keeps its words
	}
	anyLegal := false
	for _, sg := range segs {
		anyLegal = anyLegal || sg.class != ""
	}
	if !anyLegal {
		return toks, out
	}
	trailing := true
	for k := len(segs) - 1; k >= 0; k-- {
		sg := &segs[k]
		if sg.class == "" {
			trailing = false
			continue
		}
		if sg.ambiguous && !trailing && !(k == 0 && leadingLegal[sg.class]) {
			sg.class = ""
		}
	}
	out = out[:0]
	for _, sg := range segs {
		if sg.class == "" {
			out = append(out, toks[sg.from:sg.to]...)
			continue
		}
		out = append(out, token{s: sg.class, phon: sg.class, kind: kindLegal, paren: toks[sg.from].paren})
	}
	return out, toks
}

// classify drops titles and sets each token's kind and weight. It writes
// the tokens to out (which must not share toks' array) and returns them
// and toks.
func classify(toks, out []token) (res, spare []token) {
	out = out[:0]
	for i, t := range toks {
		switch {
		case t.kind == kindLegal:
			t.w = weightLegal
			// A legal form alone ("Company") is the name itself.
		case titles[t.s]:
			continue
		case particles[t.s] != "" && (i > 0 || t.s == "al" || t.s == "el") && len(toks) > 1:
			t.s = particles[t.s]
			t.phon = ""
			t.kind, t.w = kindParticle, weightParticle
		case ranks[t.s] && len(toks) > 1:
			t.kind, t.w = kindParticle, weightParticle
		case stopwords[t.s] && len(toks) > 1:
			t.kind, t.w = kindStop, weightStop
		case isDigits(t.s):
			t.kind, t.w = kindNumber, weightNumber
		case len([]rune(t.s)) == 1:
			t.kind, t.w = kindInitial, weightInitial
		default:
			t.kind, t.w = kindWord, weightWord
		}
		out = append(out, t)
	}
	if len(out) == 0 && len(toks) > 0 { // only titles: keep them as words
		for _, t := range toks {
			t.kind, t.w = kindWord, weightWord
			out = append(out, t)
		}
	}
	// A name made only of low-weight tokens is weighed as words.
	allLow := true
	for _, t := range out {
		if t.kind == kindWord || t.kind == kindNumber || t.kind == kindInitial {
			allLow = false
			break
		}
	}
	if allLow {
		for i := range out {
			out[i].w = weightWord
		}
	}
	return out, toks
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(s) {
		m[f] = true
	}
	return m
}

func isVowel(c byte) bool {
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'
}

// phoneticKey folds spelling variants of romanised names into one form:
// ph→f, ck/q→k, c→s before e/i/y and k elsewhere, sch→sh, kh→h, gh→g,
// th→t, dh→d, dzh/dj/zh→j, tz→ts, x→ks, w→v, z→s, y→i, final j after a
// vowel→i (Sergej), ou/oo→u, ee→i, final h after a vowel dropped, doubled
// letters single. Non-ASCII runes (scripts kept as they are) pass through.
func phoneticKey(s string) string {
	var buf [64]byte
	return keyString(appendPhonetic(buf[:0], s), s)
}

// phoneticKey is the package function with the tokenizer's buffer.
func (tz *tokenizer) phoneticKey(s string) string {
	tz.key = appendPhonetic(tz.key[:0], s)
	return keyString(tz.key, s)
}

// keyString returns b as a string, s itself when they are equal.
func keyString(b []byte, s string) string {
	if string(b) == s {
		return s
	}
	return string(b)
}

// appendPhonetic writes the phonetic key of s (see phoneticKey) to b,
// which must be empty, and returns it.
func appendPhonetic[S string | []byte](b []byte, s S) []byte {
	n := len(s)
	at := func(i int) byte {
		if i >= 0 && i < n {
			return s[i]
		}
		return 0
	}
	for i := 0; i < n; i++ {
		c := s[i]
		nx := at(i + 1)
		switch c {
		case 'c':
			switch {
			case nx == 'h':
				b = append(b, 'c', 'h')
				i++
			case nx == 'k':
				b = append(b, 'k')
				i++
			case nx == 'z':
				b = append(b, 'c', 'h')
				i++
			case nx == 'e' || nx == 'i' || nx == 'y':
				b = append(b, 's')
			default:
				b = append(b, 'k')
			}
		case 's':
			switch {
			case nx == 'c' && at(i+2) == 'h':
				b = append(b, 's', 'h')
				i += 2
			case nx == 'z':
				b = append(b, 's', 'h')
				i++
			default:
				b = append(b, 's')
			}
		case 'p':
			if nx == 'h' {
				b = append(b, 'f')
				i++
			} else {
				b = append(b, 'p')
			}
		case 'k':
			if nx == 'h' {
				b = append(b, 'h')
				i++
			} else {
				b = append(b, 'k')
			}
		case 'g':
			if nx == 'h' {
				i++
			}
			b = append(b, 'g')
		case 't':
			switch {
			case nx == 'h':
				b = append(b, 't')
				i++
			case nx == 'c' && at(i+2) == 'h':
				b = append(b, 'c', 'h')
				i += 2
			case nx == 'z':
				b = append(b, 't', 's')
				i++
			default:
				b = append(b, 't')
			}
		case 'd':
			switch {
			case nx == 'h':
				b = append(b, 'd')
				i++
			case nx == 'z' && at(i+2) == 'h':
				b = append(b, 'j')
				i += 2
			case nx == 'j':
				b = append(b, 'j')
				i++
			default:
				b = append(b, 'd')
			}
		case 'z':
			if nx == 'h' {
				b = append(b, 'j')
				i++
			} else {
				b = append(b, 's')
			}
		case 'q':
			b = append(b, 'k')
		case 'x':
			if i == 0 {
				b = append(b, 's') // pinyin Xi, Spanish Ximena
			} else {
				b = append(b, 'k', 's')
			}
		case 'w':
			b = append(b, 'v')
		case 'y':
			b = append(b, 'i')
		case 'j':
			if i == n-1 && i > 0 && isVowel(s[i-1]) {
				b = append(b, 'i')
			} else {
				b = append(b, 'j')
			}
		case 'o':
			if nx == 'u' || nx == 'o' {
				b = append(b, 'u')
				i++
			} else {
				b = append(b, 'o')
			}
		case 'e':
			if nx == 'e' {
				b = append(b, 'i')
				i++
			} else {
				b = append(b, 'e')
			}
		case 'h':
			if i == n-1 && i > 0 && len(b) > 0 && isVowel(b[len(b)-1]) {
				continue
			}
			b = append(b, 'h')
		default:
			b = append(b, c)
		}
	}
	// collapse doubled letters
	out := b[:0]
	for i := 0; i < len(b); i++ {
		if i > 0 && b[i] == b[i-1] && b[i] < 0x80 {
			continue
		}
		out = append(out, b[i])
	}
	return out
}

// skeleton is a phonetic key without its vowels, with p→b and v→f (Arabic
// has neither p nor v): what an abjad (Arabic, Hebrew) spelling and a
// Latin spelling of one name share.
func skeleton(phon string) string {
	var buf [64]byte
	b := buf[:0]
	for i := 0; i < len(phon); i++ {
		c := phon[i]
		switch c {
		case 'a', 'e', 'i', 'o', 'u':
			continue
		case 'p':
			c = 'b'
		case 'v':
			c = 'f'
		}
		if len(b) > 0 && b[len(b)-1] == c {
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

// levenshteinAtMost1 reports whether a and b are at most one insertion,
// deletion, substitution or transposition of adjacent letters apart.
func levenshteinAtMost1(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		if i == len(a) || a[i+1:] == b[i+1:] {
			return true
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	}
	return a[i:] == b[i+1:]
}
