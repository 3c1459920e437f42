package scan

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// hiddenSink matches code that evaluates or spawns.
var hiddenSink = regexp.MustCompile(`\b(eval|Function|execSync|exec|spawn|spawnSync|runInThisContext|_compile)\s*\(|child_process|\beval\b`)

// HiddenCodeDetector finds code a reviewer does not see:
//
//   - HIDDEN-AFTER-WHITESPACE: code after 150 or more columns of spaces,
//     tabs (to the next multiple of 8) or Unicode spaces such as U+00A0 on
//     one line, off-screen to the right (high when it looks like
//     code, medium otherwise; medium in vendored files unless it evaluates or spawns, low when what
//     follows is a comment);
//   - CONFIG-APPENDED-CODE: code after the exported object of a build
//     tool's config file (postcss, tailwind, eslint, next, vite, babel,
//     jest, …) ends: critical when it evaluates, decodes or spawns,
//     medium for ordinary code such as a helper function;
//   - CONFIG-LONG-LINE: a line of more than 500 characters in such a
//     config file (high when it looks like code).
type HiddenCodeDetector struct{}

// ID implements [Detector].
func (HiddenCodeDetector) ID() string { return "HIDDEN-CODE" }

// Applies implements [Detector].
func (HiddenCodeDetector) Applies(p string) bool { return isSource(p) }

const (
	minPadding     = 150
	maxConfigLine  = 500
	maxHiddenFinds = 20
)

var configPrefixes = []string{
	"postcss.config.", "tailwind.config.", "eslint.config.", ".eslintrc.", "next.config.", "vite.config.",
	"vitest.config.", "babel.config.", ".babelrc.", "jest.config.", "astro.config.", "webpack.config.",
	"svelte.config.", "nuxt.config.", "rollup.config.", "prettier.config.", ".prettierrc.", "craco.config.",
	"metro.config.", "remix.config.", "gatsby-config.", "playwright.config.", "commitlint.config.", "stylelint.config.",
	// web3 coding tests: the config every command of the tool loads.
	"hardhat.config.", "truffle-config.", "truffle.config.", "foundry.config.",
}

// isConfigFile says whether p is a JavaScript config file of a build
// tool, the files PolinRider appended its payload to.
func isConfigFile(p string) bool {
	b := base(p)
	switch ext(b) {
	case "js", "cjs", "mjs", "ts", "mts", "cts":
	default:
		return false
	}
	for _, pre := range configPrefixes {
		if strings.HasPrefix(b, pre) {
			return true
		}
	}
	return false
}

// Detect implements [Detector].
func (HiddenCodeDetector) Detect(f *File) []Finding {
	data := f.Data
	vendored := isVendored(f.Path)
	config := isConfigFile(f.Path)
	var out []Finding
	line := 0
	for off := 0; off < len(data) && len(out) < maxHiddenFinds; {
		line++
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += off
		}
		l := data[off:end]
		if len(l) > minPadding/tabWidth {
			if s, e, cols := paddingRun(l); e > s {
				rest := bytes.TrimSpace(l[e:])
				sev := SeverityMedium
				if looksLikeCode(rest) {
					sev = SeverityHigh
				}
				if isComment(rest) {
					sev = SeverityLow
				}
				if vendored && !hiddenSink.Match(rest) {
					// Bundles pad lines; code that runs something
					// stays high (node_modules/ or dist/ in an untrusted
					// repository is the sender's to choose).
					sev = capSeverity(sev, SeverityMedium)
				}
				shown := append(append([]byte(nil), bytes.TrimSpace(l[:s])...), []byte("⟨"+strconv.Itoa(cols)+" blanks⟩")...)
				shown = append(shown, rest...)
				out = append(out, Finding{
					Rule: "HIDDEN-AFTER-WHITESPACE", Severity: sev, File: f.Path, Line: line,
					Snippet:     safeText(string(shown), maxSnippet),
					Explanation: "After " + strconv.Itoa(cols) + " columns of blanks, off-screen to the right of the editor, this line carries more code. Padding a line pushes a loader out of view so a quick review of the file sees nothing wrong.",
					Source:      srcChainFlip + "; " + srcPolinRider,
				})
			}
		}
		if config && len(l) > maxConfigLine {
			sev := SeverityMedium
			if looksLikeCode(l) && (hasCodeSignal(l) || bytes.Contains(l, []byte("_0x")) || bytes.Contains(l, []byte(`\x`))) {
				sev = SeverityHigh
			}
			out = append(out, Finding{
				Rule: "CONFIG-LONG-LINE", Severity: sev, File: f.Path, Line: line,
				Snippet:     safeText(string(bytes.TrimSpace(l)), maxSnippet),
				Explanation: "A line of " + strconv.Itoa(len(l)) + " characters in a build tool's config file. Config files are short and hand-written; a very long line is typically an obfuscated payload appended to a config that the dev server or build runs on every start.",
				Source:      srcPolinRider,
			})
		}
		off = end + 1
	}
	if config {
		if fd, ok := appendedCode(f.Path, data); ok {
			out = append(out, fd)
		}
	}
	return out
}

// paddingRun finds the first run of blanks minPadding or more display
// columns wide (tabs to the next multiple of tabWidth) followed
// by something other than a blank in l.
func paddingRun(l []byte) (int, int, int) {
	for i := 0; i < len(l); {
		n := blankLen(l[i:])
		if n == 0 {
			i++
			continue
		}
		j, cols := i, 0
		for j < len(l) {
			k := blankLen(l[j:])
			if k == 0 {
				break
			}
			if l[j] == '\t' && i > 0 {
				// Off to the right of code a tab is a tab stop; at the
				// start of a line it is one level of indentation (deep
				// indentation is not hiding anything).
				cols += tabWidth - cols%tabWidth
			} else if k == 3 && l[j] == 0xe3 && l[j+1] == 0x80 && l[j+2] == 0x80 {
				cols += 2 // U+3000 IDEOGRAPHIC SPACE is two columns wide
			} else {
				cols++
			}
			j += k
		}
		if cols >= minPadding && j < len(l) && l[j] != '\r' {
			return i, j, cols
		}
		i = j
	}
	return 0, 0, 0
}

// tabWidth is the display width of a tab stop, as editors default.
const tabWidth = 8

// blankLen returns the length in bytes of the blank at the start of b (a
// space, a tab, or any Unicode space separator such as U+00A0 or
// U+3000), 0 when b does not start with one.
func blankLen(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	switch b[0] {
	case ' ', '\t':
		return 1
	}
	if b[0] < 0x80 {
		return 0
	}
	r, n := utf8.DecodeRune(b)
	if unicode.Is(unicode.Zs, r) {
		return n
	}
	return 0
}

func isComment(b []byte) bool {
	return bytes.HasPrefix(b, []byte("//")) || bytes.HasPrefix(b, []byte("/*")) || bytes.HasPrefix(b, []byte("*")) ||
		bytes.HasPrefix(b, []byte("#")) || bytes.HasPrefix(b, []byte("<!--"))
}

// looksLikeCode wants statement punctuation or a call in b.
func looksLikeCode(b []byte) bool {
	return bytes.ContainsAny(b, ";(=") && !isComment(b) || hasCodeSignal(b)
}

// appendedCode finds code after the end of the config's export
// (module.exports = …, export default …).
func appendedCode(p string, data []byte) (Finding, bool) {
	end := exportEnd(data)
	if end < 0 {
		return Finding{}, false
	}
	rest := data[end:]
	start := firstCode(rest)
	if start < 0 {
		return Finding{}, false
	}
	tail := rest[start:]
	sev := SeverityMedium
	const after = " A config file normally ends with its export; code after it runs every time the tool loads the config (dev server, build, editor plugin) and is where PolinRider appended its obfuscated loader."
	why := "Code follows the end of the exported config object." + after
	if hasCodeSignal(tail) && (bytes.Contains(tail, []byte("eval(")) || bytes.Contains(tail, []byte("Function(")) ||
		bytes.Contains(tail, []byte("child_process")) || bytes.Contains(tail, []byte("_0x")) || bytes.Contains(tail, []byte(`\x`)) ||
		bytes.Contains(tail, []byte("fromCharCode")) || bytes.Contains(tail, []byte("atob(")) || bytes.Contains(tail, []byte("Buffer.from("))) ||
		bytes.Contains(tail, []byte("_0x")) || bytes.Contains(tail, []byte("fromCharCode")) {
		sev = SeverityCritical
		why = "Code that evaluates, decodes or spawns follows the end of the exported config object." + after
	}
	return Finding{
		Rule: "CONFIG-APPENDED-CODE", Severity: sev, File: p, Line: lineAt(data, end+start),
		Snippet:     safeText(string(tail[:min(len(tail), 400)]), maxSnippet),
		Explanation: why,
		Source:      srcPolinRider,
	}, true
}

// firstCode returns the offset of the first byte in b that is not blank,
// a semicolon or a comment, or -1.
func firstCode(b []byte) int {
	for i := 0; i < len(b); {
		switch {
		case b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r' || b[i] == ';':
			i++
		case bytes.HasPrefix(b[i:], []byte("//")):
			e := bytes.IndexByte(b[i:], '\n')
			if e < 0 {
				return -1
			}
			i += e
		case bytes.HasPrefix(b[i:], []byte("/*")):
			e := bytes.Index(b[i+2:], []byte("*/"))
			if e < 0 {
				return -1
			}
			i += e + 4
		default:
			return i
		}
	}
	return -1
}

// exportEnd returns the offset just past the last top-level export
// statement (module.exports = …, export default …), or -1 when there is
// none. It tokenises just enough JavaScript to skip strings, template
// literals, comments and regular expressions.
func exportEnd(data []byte) int {
	last := -1
	depth := 0
	lastSig := byte(0)
	for i := 0; i < len(data); {
		c := data[i]
		switch {
		case c == '/' && i+1 < len(data) && data[i+1] == '/':
			e := bytes.IndexByte(data[i:], '\n')
			if e < 0 {
				return last
			}
			i += e
			continue
		case c == '/' && i+1 < len(data) && data[i+1] == '*':
			e := bytes.Index(data[i+2:], []byte("*/"))
			if e < 0 {
				return last
			}
			i += e + 4
			continue
		case c == '"' || c == '\'' || c == '`':
			i = skipString(data, i)
			lastSig = c
			continue
		case c == '/' && (lastSig == 0 || bytes.IndexByte([]byte("(,=:[!&|?{};+-*%<>~^"), lastSig) >= 0):
			i = skipRegex(data, i)
			lastSig = '/'
			continue
		case c == '{' || c == '(' || c == '[':
			depth++
		case c == '}' || c == ')' || c == ']':
			if depth > 0 {
				depth--
			}
		}
		if depth == 0 && (c == 'm' || c == 'e') && (i == 0 || !isWordByte(data[i-1])) {
			var n int
			if bytes.HasPrefix(data[i:], []byte("module.exports")) {
				n = len("module.exports")
			} else if bytes.HasPrefix(data[i:], []byte("export default")) {
				n = len("export default")
			}
			if n > 0 {
				if e := statementEnd(data, i+n); e > 0 {
					last = e
					i = e
					lastSig = ';'
					continue
				}
			}
		}
		if c > ' ' {
			lastSig = c
		}
		i++
	}
	return last
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// statementEnd finds where the expression starting at i ends: brackets
// balanced, then the first newline or semicolon at depth 0 that is not
// followed by a continuation (., ?, (, operator).
func statementEnd(data []byte, i int) int {
	depth := 0
	lastSig := byte('=')
	for i < len(data) {
		c := data[i]
		switch {
		case c == '/' && i+1 < len(data) && data[i+1] == '/':
			e := bytes.IndexByte(data[i:], '\n')
			if e < 0 {
				return len(data)
			}
			i += e
			continue
		case c == '/' && i+1 < len(data) && data[i+1] == '*':
			e := bytes.Index(data[i+2:], []byte("*/"))
			if e < 0 {
				return len(data)
			}
			i += e + 4
			continue
		case c == '"' || c == '\'' || c == '`':
			i = skipString(data, i)
			lastSig = c
			continue
		case c == '/' && bytes.IndexByte([]byte("(,=:[!&|?{};"), lastSig) >= 0:
			i = skipRegex(data, i)
			lastSig = '/'
			continue
		case c == '{' || c == '(' || c == '[':
			depth++
		case c == '}' || c == ')' || c == ']':
			depth--
			if depth < 0 {
				return i
			}
		case depth == 0 && c == ';':
			return i + 1
		case depth == 0 && c == '\n':
			if bytes.IndexByte([]byte("=,(.?:+-*&|{[<>"), lastSig) < 0 {
				j := i + 1
				for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\r' || data[j] == '\n') {
					j++
				}
				if j >= len(data) || bytes.IndexByte([]byte(".?:+-*&|)]},"), data[j]) < 0 {
					return i + 1
				}
			}
		}
		if c > ' ' {
			lastSig = c
		}
		i++
	}
	return len(data)
}

// skipString returns the offset past the string literal starting at i.
func skipString(data []byte, i int) int {
	q := data[i]
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case q:
			return j + 1
		case '\n':
			if q != '`' {
				return j
			}
		}
	}
	return len(data)
}

// skipRegex returns the offset past the regular expression literal at i
// (or past the slash when it is not one).
func skipRegex(data []byte, i int) int {
	class := false
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '[':
			class = true
		case ']':
			class = false
		case '/':
			if !class {
				return j + 1
			}
		case '\n':
			return i + 1
		}
	}
	return i + 1
}
