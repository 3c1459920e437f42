package scan

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// A small JavaScript lexer for the detectors that follow code rather than
// match text (JS-EXEC-FETCHED and its kin). It never fails: what it does
// not understand it passes over as punctuation. String literals and
// identifiers are decoded (\x41, \u0041, \u{41}), and constant string
// expressions are folded ('child_' + 'process', String.fromCharCode(101,
// 118, 97, 108), atob('ZXZhbA=='), ['ev','al'].join('')), so that a name
// spelled to dodge a search is seen as the name it is.

// jsTok is one token.
type jsTok struct {
	kind byte // 'i' identifier or keyword, 's' string, 'n' number, 'p' punctuation, 't' template text
	// text is the decoded identifier or string (at most maxJSString
	// bytes: longer strings are cut and long set), or the punctuation.
	text string
	off  int // byte offset of the token in the file
	// esc: the identifier or string was written with escapes; folded: the
	// string was computed from other constants (concatenation, char
	// codes, base64); decoded: it was decoded from base64 or hex.
	esc, folded, decoded, long bool
	// re: a slash after this ')' or '}' starts a regex literal (the ')'
	// closes an if/while/for/with head, the '}' a block).
	re bool
}

const maxJSString = 512

// jsRegexAfter are the keywords after which a slash starts a regex.
var jsRegexAfter = map[string]bool{
	"return": true, "typeof": true, "case": true, "do": true, "else": true, "in": true, "of": true, "new": true,
	"delete": true, "void": true, "throw": true, "yield": true, "await": true, "instanceof": true,
}

// jsPunct1 holds the one-byte punctuation tokens as strings.
var jsPunct1 = func() (t [128]string) {
	for c := range t {
		t[c] = string(rune(c))
	}
	return t
}()

// jsLexBufs recycles token slices and the identifier tables between files
// (the detector's allocations were ten times the source's size).
var jsLexBufs = sync.Pool{New: func() any { return &jsLexBuf{intern: map[string]string{}} }}

type jsLexBuf struct {
	toks   []jsTok
	intern map[string]string
	// nest is the stack of open brackets while lexing: '(' an expression
	// paren, 'c' the head of if/while/for/with, '[', '{' a block, 'o' an
	// object literal.
	nest []byte
	// snapNest is nest at the last slash (jsSnap).
	snapNest []byte
}

// jsSnap is the lexer's state at a slash.
type jsSnap struct {
	off, n, depth, tmpl int
}

// release returns b to the pool; its tokens must no longer be used.
func (b *jsLexBuf) release() {
	if cap(b.toks) > 1<<16 || len(b.intern) > 1<<12 {
		return
	}
	clear(b.toks)
	b.toks = b.toks[:0]
	clear(b.intern)
	jsLexBufs.Put(b)
}

// jsLex tokenizes src, keeping at most maxToks tokens, into a buffer of
// the pool (release it when done).
func jsLex(src []byte, maxToks int) *jsLexBuf {
	buf := jsLexBufs.Get().(*jsLexBuf)
	out := buf.toks[:0]
	intern := buf.intern
	// tmpl holds, for each template literal whose ${ expression is being
	// read, the brace depth at which the expression ends.
	var tmpl []int
	depth := 0
	nest := buf.nest[:0]
	// rescan is what is left of the budget for re-reading the text of an
	// unterminated string as code (at most twice the source).
	rescan := 2*len(src) + 64
	// snap is the lexer's state at the last slash read as a division or a
	// regex (off < 0: none): when a string opened after it does not end
	// on its line, the slash was misread and the line is read again from
	// it with the other reading (flip).
	snap := jsSnap{off: -1}
	flip := -1
	i := 0
	for i < len(src) && len(out) < maxToks {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
			continue
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			e := bytes.Index(src[i+2:], []byte("*/"))
			if e < 0 {
				i = len(src)
			} else {
				i += e + 4
			}
			continue
		case c == '\'' || c == '"':
			t, n, closed := jsString(src, i)
			if !closed && n < len(src) && snap.off >= 0 && n-snap.off <= rescan && bytes.IndexByte(src[snap.off:i], '\n') < 0 && len(tmpl) == snap.tmpl {
				rescan -= n - snap.off
				out, depth, i, flip = out[:snap.n], snap.depth, snap.off, snap.off
				nest = append(nest[:0], buf.snapNest...)
				snap.off = -1
				continue
			}
			if !closed && n-i <= rescan {
				// A string that does not end on its line is not valid
				// JavaScript: the lexer is out of step (a slash taken for
				// a division, a quote inside a regex). Resynchronise: the
				// quote is punctuation and what follows is read as code,
				// so one misreading cannot hide the rest of the line.
				rescan -= n - i
				break
			}
			out = append(out, t)
			i = n
			continue
		case c == '`':
			n := jsTemplate(src, i+1, &out)
			if n < 0 { // ${: an expression inside the template
				tmpl = append(tmpl, depth)
				depth++
				i = -n
				continue
			}
			i = n
			continue
		case c == '}' && len(tmpl) > 0 && depth-1 == tmpl[len(tmpl)-1]:
			tmpl = tmpl[:len(tmpl)-1]
			depth--
			n := jsTemplate(src, i+1, &out)
			if n < 0 {
				tmpl = append(tmpl, depth)
				depth++
				i = -n
				continue
			}
			i = n
			continue
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			s := i
			for i < len(src) && (isIdentByte(src[i]) || src[i] == '.') {
				i++
			}
			out = append(out, jsTok{kind: 'n', text: string(src[s:i]), off: s})
			continue
		case isIdentStart(src, i):
			if t, n := jsIdent(src, i, intern); n > i {
				out = append(out, t)
				i = n
				continue
			}
		case c == '/' && i != flip && len(nest) < 1<<10:
			snap = jsSnap{off: i, n: len(out), depth: depth, tmpl: len(tmpl)}
			buf.snapNest = append(buf.snapNest[:0], nest...)
		}
		if c == '/' && jsRegexAllowed(out) != (i == flip) && (i+1 >= len(src) || src[i+1] != '/' && src[i+1] != '*') {
			if n, ok := jsSkipRegex(src, i); ok {
				out = append(out, jsTok{kind: 's', text: "", off: i}) // a regex: a value, its text unused
				i = n
				continue
			}
		}
		// Punctuation.
		s := i
		switch {
		case c == '=' && i+1 < len(src) && src[i+1] == '>':
			i += 2
		case (c == '=' || c == '!') && i+1 < len(src) && src[i+1] == '=':
			i += 2
			if i < len(src) && src[i] == '=' {
				i++
			}
		case c == '.' && i+2 < len(src) && src[i+1] == '.' && src[i+2] == '.':
			i += 3
		case c == '?' && i+1 < len(src) && src[i+1] == '.' && !(i+2 < len(src) && src[i+2] >= '0' && src[i+2] <= '9'):
			i += 2
		case strings.IndexByte("+-*%&|^<>", c) >= 0 && i+1 < len(src) && src[i+1] == '=':
			i += 2
		case (c == '&' || c == '|' || c == '?' || c == '+' || c == '-') && i+1 < len(src) && src[i+1] == c:
			i += 2
		default:
			_, size := utf8.DecodeRune(src[i:])
			i += size
		}
		var p string
		if i == s+1 && c < 0x80 {
			p = jsPunct1[c] // no allocation, no hashing for the common case
		} else if p = intern[string(src[s:i])]; p == "" {
			p = string(src[s:i])
			intern[p] = p
		}
		re := false
		switch p {
		case "(":
			depth++
			nest = append(nest, jsParenKind(out))
		case "[":
			depth++
			nest = append(nest, '[')
		case "{":
			depth++
			nest = append(nest, jsBraceKind(out, nest))
		case "}", ")", "]":
			depth--
			if len(nest) > 0 {
				top := nest[len(nest)-1]
				nest = nest[:len(nest)-1]
				re = p == ")" && top == 'c' || p == "}" && top == '{'
			}
		}
		out = append(out, jsTok{kind: 'p', text: p, off: s, re: re})
	}
	buf.toks = out
	if cap(nest) <= 1<<12 {
		buf.nest = nest[:0]
	}
	if cap(buf.snapNest) > 1<<12 {
		buf.snapNest = nil
	}
	return buf
}

// jsParenKind says what a '(' after toks opens: 'c' the head of
// if/while/for/with (a slash after its ')' starts a regex), else '('.
func jsParenKind(toks []jsTok) byte {
	n := len(toks)
	if n == 0 || toks[n-1].kind != 'i' || n >= 2 && at(toks, n-2, ".") {
		return '('
	}
	switch toks[n-1].text {
	case "if", "while", "for", "with":
		return 'c'
	}
	return '('
}

// jsBraceKind guesses what a '{' after toks opens: '{' a block (a slash
// after its '}' starts a regex) or 'o' an object literal. It is a block
// at the start, after a statement's end, ')' (a function, if or loop
// body), '=>', else/do/try/finally, a class or function name, and after a
// label or case's ':' in a block; an object literal where an expression
// is expected.
func jsBraceKind(toks []jsTok, nest []byte) byte {
	n := len(toks)
	if n == 0 {
		return '{'
	}
	t := toks[n-1]
	switch t.kind {
	case 'p':
		switch t.text {
		case ";", "{", "}", ")", "=>":
			return '{'
		case ":":
			if len(nest) == 0 || nest[len(nest)-1] == '{' {
				return '{' // a label or case in a block
			}
		}
		return 'o'
	case 'i':
		if jsRegexAfter[t.text] && t.text != "else" && t.text != "do" {
			return 'o' // return {…}, typeof {…}
		}
		return '{'
	}
	return 'o'
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$'
}

func isIdentStart(src []byte, i int) bool {
	c := src[i]
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$' {
		return true
	}
	if c == '\\' && i+1 < len(src) && src[i+1] == 'u' {
		return true
	}
	if c >= 0x80 {
		r, _ := utf8.DecodeRune(src[i:])
		return unicode.IsLetter(r)
	}
	return false
}

// jsIdent reads an identifier at i, decoding \u escapes.
func jsIdent(src []byte, i int, intern map[string]string) (jsTok, int) {
	t := jsTok{kind: 'i', off: i}
	// Fast path: plain ASCII, interned.
	e := i
	for e < len(src) && isIdentByte(src[e]) {
		e++
	}
	if e-i <= maxJSString && (e == len(src) || src[e] != '\\' && src[e] < 0x80) {
		// The name aliases the source: tokens live only while the file is
		// analysed (jsFlowChunk) and every text kept in a finding is
		// copied (safeText, concatenation), so nothing retains f.Data.
		t.text = unsafe.String(&src[i], e-i)
		return t, e
	}
	var b strings.Builder
	for i < len(src) {
		c := src[i]
		if isIdentByte(c) {
			b.WriteByte(c)
			i++
			continue
		}
		if c == '\\' && i+1 < len(src) && src[i+1] == 'u' {
			r, n, ok := jsUnicodeEscape(src, i+2)
			if !ok {
				break
			}
			b.WriteRune(r)
			t.esc = true
			i = n
			continue
		}
		if c >= 0x80 {
			r, size := utf8.DecodeRune(src[i:])
			if unicode.IsLetter(r) || unicode.IsDigit(r) || r == 0x200c || r == 0x200d {
				b.WriteString(string(src[i : i+size]))
				i += size
				continue
			}
		}
		break
	}
	t.text = b.String()
	if len(t.text) > maxJSString {
		t.text, t.long = t.text[:maxJSString], true
	}
	return t, i
}

// jsUnicodeEscape decodes the XXXX or {X…} after \u at i.
func jsUnicodeEscape(src []byte, i int) (rune, int, bool) {
	if i < len(src) && src[i] == '{' {
		e := i + 1
		for e < len(src) && e-i < 10 && src[e] != '}' {
			e++
		}
		if e >= len(src) || src[e] != '}' {
			return 0, i, false
		}
		v, err := strconv.ParseUint(string(src[i+1:e]), 16, 32)
		if err != nil || v > unicode.MaxRune {
			return 0, i, false
		}
		return rune(v), e + 1, true
	}
	if i+4 > len(src) {
		return 0, i, false
	}
	v, err := strconv.ParseUint(string(src[i:i+4]), 16, 32)
	if err != nil {
		return 0, i, false
	}
	return rune(v), i + 4, true
}

// jsString reads the string literal at i (quote included), decoding its
// escapes; it ends at the closing quote (closed) or at an unescaped
// newline or the end of src.
func jsString(src []byte, i int) (jsTok, int, bool) {
	q := src[i]
	t := jsTok{kind: 's', off: i}
	var b strings.Builder
	closed := false
	i++
	for i < len(src) {
		c := src[i]
		if c == q {
			i++
			closed = true
			break
		}
		if c == '\n' {
			break
		}
		if c == '\\' && i+1 < len(src) {
			t.esc = true
			r, n := jsEscape(src, i+1)
			if b.Len() < maxJSString && r >= 0 {
				b.WriteRune(r)
			}
			i = n
			continue
		}
		if b.Len() < maxJSString {
			b.WriteByte(c)
		} else {
			t.long = true
		}
		i++
	}
	t.text = b.String()
	return t, i, closed
}

// jsEscape decodes the escape after a backslash at i; -1 for a line
// continuation.
func jsEscape(src []byte, i int) (rune, int) {
	c := src[i]
	switch c {
	case 'n':
		return '\n', i + 1
	case 't':
		return '\t', i + 1
	case 'r':
		return '\r', i + 1
	case 'b':
		return '\b', i + 1
	case 'f':
		return '\f', i + 1
	case 'v':
		return '\v', i + 1
	case '0':
		return 0, i + 1
	case '\n':
		return -1, i + 1
	case '\r':
		if i+1 < len(src) && src[i+1] == '\n' {
			return -1, i + 2
		}
		return -1, i + 1
	case 'x':
		if i+3 <= len(src) {
			if v, err := strconv.ParseUint(string(src[i+1:i+3]), 16, 8); err == nil {
				return rune(v), i + 3
			}
		}
		return 'x', i + 1
	case 'u':
		if r, n, ok := jsUnicodeEscape(src, i+1); ok {
			return r, n
		}
		return 'u', i + 1
	}
	r, size := utf8.DecodeRune(src[i:])
	return r, i + size
}

// jsTemplate reads template text from i (after ` or the } closing an
// expression) to the closing backquote, appending a template token; it
// returns the offset after the backquote, or minus the offset after "${"
// when an expression starts.
func jsTemplate(src []byte, i int, out *[]jsTok) int {
	t := jsTok{kind: 't', off: i}
	var b strings.Builder
	for i < len(src) {
		c := src[i]
		switch {
		case c == '`':
			t.text = b.String()
			*out = append(*out, t)
			return i + 1
		case c == '$' && i+1 < len(src) && src[i+1] == '{':
			t.text = b.String()
			*out = append(*out, t)
			return -(i + 2)
		case c == '\\' && i+1 < len(src):
			t.esc = true
			r, n := jsEscape(src, i+1)
			if b.Len() < maxJSString && r >= 0 {
				b.WriteRune(r)
			}
			i = n
			continue
		}
		if b.Len() < maxJSString {
			b.WriteByte(c)
		}
		i++
	}
	t.text = b.String()
	*out = append(*out, t)
	return len(src)
}

// jsRegexAllowed says whether a slash after toks starts a regex literal.
func jsRegexAllowed(toks []jsTok) bool {
	if len(toks) == 0 {
		return true
	}
	t := toks[len(toks)-1]
	switch t.kind {
	case 'p':
		if t.text == ")" || t.text == "}" {
			return t.re
		}
		return t.text != "]"
	case 'i':
		return jsRegexAfter[t.text]
	}
	return false
}

// jsSkipRegex skips the regex literal at i; false when it does not end on
// its line.
func jsSkipRegex(src []byte, i int) (int, bool) {
	class := false
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '[':
			class = true
		case ']':
			class = false
		case '\n':
			return i, false
		case '/':
			if !class {
				j++
				for j < len(src) && isIdentByte(src[j]) {
					j++
				}
				return j, true
			}
		}
	}
	return i, false
}

// jsFold folds constant string expressions in toks, in place: a + b of
// strings, String.fromCharCode(numbers), atob('base64'),
// Buffer.from('…', 'base64' or 'hex').toString(), [strings].join(”),
// 'x'.split(”).reverse().join(”).
func jsFold(toks []jsTok) []jsTok {

	out := toks[:0] // in place: out never passes the token being read
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		// String.fromCharCode(n, n, …)
		if t.kind == 'i' && t.text == "String" && at(toks, i+1, ".") && i+3 < len(toks) && toks[i+2].text == "fromCharCode" && at(toks, i+3, "(") {
			if s, n, ok := foldCharCodes(toks, i+4); ok {
				out = append(out, jsTok{kind: 's', text: s, off: t.off, folded: true})
				i = n
				continue
			}
		}
		// atob('…')
		if t.kind == 'i' && t.text == "atob" && at(toks, i+1, "(") && i+3 < len(toks) && toks[i+2].kind == 's' && at(toks, i+3, ")") {
			if s, ok := decodeConst(toks[i+2].text, "base64"); ok {
				out = append(out, jsTok{kind: 's', text: s, off: t.off, folded: true, decoded: true})
				i += 3
				continue
			}
		}
		// Buffer.from('…', 'base64').toString(…)
		if t.kind == 'i' && t.text == "Buffer" && at(toks, i+1, ".") && i+7 < len(toks) && toks[i+2].text == "from" && at(toks, i+3, "(") &&
			toks[i+4].kind == 's' && at(toks, i+5, ",") && toks[i+6].kind == 's' && at(toks, i+7, ")") {
			if s, ok := decodeConst(toks[i+4].text, toks[i+6].text); ok {
				n := i + 7
				if at(toks, n+1, ".") && n+3 < len(toks) && toks[n+2].text == "toString" && at(toks, n+3, "(") {
					for n += 4; n < len(toks) && toks[n].text != ")"; n++ {
					}
				}
				out = append(out, jsTok{kind: 's', text: s, off: t.off, folded: true, decoded: true})
				i = n
				continue
			}
		}
		// ['a', 'b'].join('')
		if t.kind == 'p' && t.text == "[" {
			if s, n, ok := foldJoin(toks, i); ok {
				out = append(out, jsTok{kind: 's', text: s, off: t.off, folded: true})
				i = n
				continue
			}
		}
		// 'abc'.split('').reverse().join('')
		if t.kind == 's' && i+14 < len(toks) && at(toks, i+1, ".") && toks[i+2].text == "split" && at(toks, i+3, "(") && toks[i+4].kind == 's' && toks[i+4].text == "" &&
			at(toks, i+5, ")") && at(toks, i+6, ".") && toks[i+7].text == "reverse" && at(toks, i+8, "(") && at(toks, i+9, ")") &&
			at(toks, i+10, ".") && toks[i+11].text == "join" && at(toks, i+12, "(") && toks[i+13].kind == 's' && toks[i+13].text == "" && at(toks, i+14, ")") {
			r := []rune(t.text)
			for a, b := 0, len(r)-1; a < b; a, b = a+1, b-1 {
				r[a], r[b] = r[b], r[a]
			}
			out = append(out, jsTok{kind: 's', text: string(r), off: t.off, folded: true})
			i += 14
			continue
		}
		// 'a' + 'b': fold into the previous string.
		if t.kind == 's' && len(out) >= 2 && out[len(out)-1].kind == 'p' && out[len(out)-1].text == "+" && out[len(out)-2].kind == 's' &&
			!(i+1 < len(toks) && (toks[i+1].text == "." || toks[i+1].text == "[")) && !(len(out) >= 3 && precedesTighter(out[len(out)-3])) {
			prev := &out[len(out)-2]
			if len(prev.text)+len(t.text) <= maxJSString {
				prev.text += t.text
			}
			prev.folded = true
			prev.esc = prev.esc || t.esc
			prev.decoded = prev.decoded || t.decoded
			out = out[:len(out)-1]
			continue
		}
		out = append(out, t)
	}
	return out
}

// precedesTighter says whether t binds its right operand tighter than +
// (so 'a' in t 'a' + 'b' is not the left side of the +).
func precedesTighter(t jsTok) bool {
	if t.kind != 'p' {
		return false
	}
	switch t.text {
	case "*", "/", "%", ".", "-", "!", "~", "typeof":
		return true
	}
	return false
}

// at says whether toks[i] is the punctuation p.
func at(toks []jsTok, i int, p string) bool {
	return i >= 0 && i < len(toks) && toks[i].kind == 'p' && toks[i].text == p
}

func foldCharCodes(toks []jsTok, i int) (string, int, bool) {
	var b strings.Builder
	for ; i < len(toks) && b.Len() < maxJSString; i++ {
		t := toks[i]
		switch {
		case t.kind == 'n':
			v, err := strconv.ParseInt(t.text, 0, 32)
			if err != nil || v < 0 || v > unicode.MaxRune {
				return "", 0, false
			}
			b.WriteRune(rune(v))
		case t.kind == 'p' && t.text == ",":
		case t.kind == 'p' && t.text == ")":
			return b.String(), i, b.Len() > 0
		default:
			return "", 0, false
		}
	}
	return "", 0, false
}

func foldJoin(toks []jsTok, i int) (string, int, bool) {
	var parts []string
	j := i + 1
	for ; j < len(toks) && len(parts) < 64; j++ {
		t := toks[j]
		if t.kind == 's' {
			parts = append(parts, t.text)
			j++
			if at(toks, j, ",") {
				continue
			}
			if at(toks, j, "]") {
				break
			}
			return "", 0, false
		}
		return "", 0, false
	}
	if !at(toks, j, "]") || len(parts) < 2 || !(at(toks, j+1, ".") && j+5 < len(toks) && toks[j+2].text == "join" && at(toks, j+3, "(")) {
		return "", 0, false
	}
	sep := ""
	k := j + 4
	if toks[k].kind == 's' {
		sep = toks[k].text
		k++
	}
	if !at(toks, k, ")") {
		return "", 0, false
	}
	s := strings.Join(parts, sep)
	if len(s) > maxJSString {
		s = s[:maxJSString]
	}
	return s, k, true
}

// decodeConst decodes a short base64 or hex constant into printable
// text.
func decodeConst(s, enc string) (string, bool) {
	var b []byte
	var err error
	switch enc {
	case "base64", "base64url":
		s = strings.TrimRight(s, "=")
		b, err = base64.RawStdEncoding.DecodeString(s)
		if err != nil {
			b, err = base64.RawURLEncoding.DecodeString(s)
		}
	case "hex":
		b, err = hex.DecodeString(s)
	default:
		return "", false
	}
	if err != nil || len(b) == 0 || !utf8.Valid(b) {
		return "", false
	}
	for _, r := range string(b) {
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' {
			return "", false
		}
	}
	return string(b), true
}
