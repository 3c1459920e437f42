package scan

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what a report repeats.
const (
	// MaxFindingsPerRuleFile is how many findings of one rule in one file
	// a report lists; the last one listed counts the rest in More.
	MaxFindingsPerRuleFile = 3
	// MaxSnippetChars is how many characters of a line a snippet shows.
	MaxSnippetChars = 160
	// maxMatchesPerRuleFile bounds the matches of one regex in one file
	// that are looked at (the rest are counted no further).
	maxMatchesPerRuleFile = 10000
)

// fileState is what the engine computes once per file and shares among
// rules: line starts, the parsed JSON.
type fileState struct {
	f *File
	// base is the line of the file at which f.Data starts (File.Line):
	// more than 1 for a later window of a long file.
	base int
	// path is f.Path made safe to show (SafePath), for findings.
	path       string
	lineStarts []int // offsets of line starts, computed on first use
	json       []jsonLeaf
	jsonDone   bool
	// work counts the bytes the engine looked at in this file (literal
	// searches, lines indexed, regexes matched, snippets measured), for
	// tests that hold it linear in the file's size.
	work int
}

// Windows for matching regexes in long lines.
const (
	// longLine is the length past which a line is not matched whole.
	longLine = 1024
	// window is how far around an occurrence of a rule's literal a regex
	// is matched in a long line.
	window = 256
)

// candidates returns the byte ranges a regex rule is matched on, in
// order, not overlapping: each line (without its newline) that contains
// one of lits, or in a line longer than longLine (minified code) the
// window bytes around each occurrence; every line when lits is nil. Its
// work is linear in the file's size: lines are found from the line starts
// computed once per file, never by rescanning a line per occurrence.
func (fs *fileState) candidates(lits [][]byte) [][2]int {
	data := fs.f.Data
	var out [][2]int
	if lits == nil {
		fs.line(0)
		for n := 1; n <= len(fs.lineStarts); n++ {
			out = append(out, fs.lineRange(n))
		}
		return out
	}
	for _, l := range lits {
		for i := 0; i < len(data); {
			j := bytes.Index(data[i:], l)
			if j < 0 {
				fs.work += len(data) - i
				break
			}
			fs.work += j + len(l)
			ln := fs.lineRange(fs.line(i + j))
			if ln[1]-ln[0] <= longLine {
				out = append(out, ln)
				i = ln[1] + 1
				continue
			}
			w := [2]int{max(ln[0], i+j-window), min(ln[1], i+j+len(l)+window)}
			if n := len(out); n > 0 && w[0] <= out[n-1][1] {
				out[n-1][1] = max(out[n-1][1], w[1])
			} else {
				out = append(out, w)
			}
			i = i + j + len(l)
		}
	}
	if len(out) > 1 {
		sort.Slice(out, func(a, b int) bool { return out[a][0] < out[b][0] })
		merged := out[:1]
		for _, r := range out[1:] {
			last := &merged[len(merged)-1]
			if r[0] <= last[1] {
				last[1] = max(last[1], r[1])
				continue
			}
			merged = append(merged, r)
		}
		out = merged
	}
	return out
}

// newFileState returns the state of f.
func newFileState(f *File) *fileState {
	return &fileState{f: f, base: max(f.Line, 1), path: SafePath(f.Path)}
}

// fileLine returns the line of the file of line n (1-based) of f.Data.
func (fs *fileState) fileLine(n int) int {
	if n <= 0 {
		return n
	}
	return n + fs.base - 1
}

// lineRange returns the byte range of line n (1-based) without its
// newline.
func (fs *fileState) lineRange(n int) [2]int {
	start := fs.lineStarts[n-1]
	end := len(fs.f.Data)
	if n < len(fs.lineStarts) {
		end = fs.lineStarts[n] - 1
	}
	return [2]int{start, end}
}

// line returns the 1-based line of byte offset off.
func (fs *fileState) line(off int) int {
	if fs.lineStarts == nil {
		fs.lineStarts = make([]int, 1, 64)
		data := fs.f.Data
		fs.work += len(data)
		for i := 0; ; {
			j := bytes.IndexByte(data[i:], '\n')
			if j < 0 {
				break
			}
			i += j + 1
			fs.lineStarts = append(fs.lineStarts, i)
		}
	}
	return sort.SearchInts(fs.lineStarts, off+1)
}

// lineText returns line n (1-based) without its end of line.
func (fs *fileState) lineText(n int) []byte {
	r := fs.lineRange(n)
	return bytes.TrimSuffix(fs.f.Data[r[0]:r[1]], []byte("\r"))
}

func (fs *fileState) jsonLeaves() []jsonLeaf {
	if !fs.jsonDone {
		fs.jsonDone = true
		fs.json, _ = parseJSONC(fs.f.Data)
	}
	return fs.json
}

// finding returns a finding of rule r at byte range [start,end) of the
// file.
func (fs *fileState) finding(r *Rule, start, end int) Finding {
	n := fs.line(start)
	line := fs.lineText(n)
	off := start - fs.lineStarts[n-1]
	mlen := min(end, fs.lineStarts[n-1]+len(line)) - start
	fs.work += min(len(line), MaxSnippetChars*utf8.UTFMax+1)
	return Finding{
		Rule: r.ID, Severity: r.Severity, File: fs.path, Line: fs.fileLine(n),
		Snippet: snippet(line, off, max(mlen, 0)), Explanation: r.Why, Source: r.Source,
	}
}

// evalRule appends the findings of a pattern rule in the file.
func (fs *fileState) evalRule(r *Rule, out []Finding) []Finding {
	data := fs.f.Data
	switch r.Type {
	case TypeRegex:
		for _, ln := range fs.candidates(r.lits) {
			line := data[ln[0]:ln[1]]
			fs.work += len(line)
			ms := r.re.FindAllIndex(line, maxMatchesPerRuleFile)
			if r.unless != nil {
				// unless sees the matched text only: a comment or another
				// string on the same line cannot excuse a match.
				kept := ms[:0]
				for _, m := range ms {
					if !r.unless.Match(line[m[0]:m[1]]) {
						kept = append(kept, m)
					}
				}
				ms = kept
			}
			if len(ms) == 0 {
				continue
			}
			// One finding per line (or window), the other matches in it
			// counted in More.
			if n := len(out); n > 0 && out[n-1].Rule == r.ID && out[n-1].Line == fs.fileLine(fs.line(ln[0]+ms[0][0])) {
				out[n-1].More += len(ms)
				continue
			}
			f := fs.finding(r, ln[0]+ms[0][0], ln[0]+ms[0][1])
			f.More = len(ms) - 1
			out = append(out, f)
		}
	case TypeRegexCount:
		if !containsAny(data, r.lits) {
			return out
		}
		ms := r.re.FindAllIndex(data, maxMatchesPerRuleFile)
		if len(ms) >= r.MinCount {
			f := fs.finding(r, ms[0][0], ms[0][1])
			f.Snippet = fmt.Sprintf("%d matches, the first: %s", len(ms), f.Snippet)
			out = append(out, f)
		}
	case TypeJSONKeys:
		for _, l := range fs.jsonLeaves() {
			for _, k := range r.keyPaths {
				if pathMatch(k, l.path) {
					out = append(out, Finding{
						Rule: r.ID, Severity: r.Severity, File: fs.path, Line: fs.fileLine(l.line),
						Snippet: leafSnippet(l), Explanation: r.Why, Source: r.Source,
					})
					break
				}
			}
		}
	case TypeJSONRegex:
		for _, l := range fs.jsonLeaves() {
			if !l.isText || !r.keyRe.MatchString(strings.Join(l.path, ".")) {
				continue
			}
			if r.re.MatchString(l.value) && (r.unless == nil || !r.unless.MatchString(l.value)) {
				out = append(out, Finding{
					Rule: r.ID, Severity: r.Severity, File: fs.path, Line: fs.fileLine(l.line),
					Snippet: leafSnippet(l), Explanation: r.Why, Source: r.Source,
				})
			}
		}
	case TypeExists:
		out = append(out, Finding{
			Rule: r.ID, Severity: r.Severity, File: fs.path,
			Snippet: sanitize(fs.path, MaxSnippetChars), Explanation: r.Why, Source: r.Source,
		})
	}
	return out
}

// leafSnippet shows a JSON value as key: value.
func leafSnippet(l jsonLeaf) string {
	key := strings.Join(l.path, ".")
	if !l.isText {
		return sanitize(key, MaxSnippetChars)
	}
	return sanitize(key+": "+strconv.Quote(l.value), MaxSnippetChars)
}

// snippet cuts line to MaxSnippetChars characters around the match at
// byte offset off of length n, and sanitises it.
func snippet(line []byte, off, n int) string {
	if len(line) <= MaxSnippetChars || len(line) <= MaxSnippetChars*utf8.UTFMax && utf8.RuneCount(line) <= MaxSnippetChars {
		return sanitize(string(line), MaxSnippetChars)
	}
	// A window starting a little before the match.
	start := max(0, off-40)
	for start > 0 && !utf8.RuneStart(line[start]) {
		start--
	}
	end := min(len(line), start+40+n+MaxSnippetChars*4)
	s := sanitize(string(line[start:end]), MaxSnippetChars)
	if start > 0 {
		s = "…" + s
	}
	return s
}

// sanitize escapes what could fool a terminal or a reader: control
// characters, bidirectional controls, invisible and format characters,
// variation selectors, tag characters and bytes that are not UTF-8. Tabs
// become a space, and a run of 16 or more spaces (code pushed off-screen)
// is shown as "[N spaces]". It keeps at most n characters, ending with …
// when cut.
func sanitize(s string, n int) string {
	var b strings.Builder
	count := 0
	for i := 0; i < len(s); {
		if count >= n {
			b.WriteString("…")
			break
		}
		if s[i] == ' ' || s[i] == '\t' {
			j := i
			for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				j++
			}
			if j-i >= 16 {
				fmt.Fprintf(&b, "[%d spaces]", j-i)
				count += 12
				i = j
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteByte(' ')
		case suspiciousRune(r):
			if r > 0xFFFF {
				fmt.Fprintf(&b, `\U%08X`, r)
			} else {
				fmt.Fprintf(&b, `\u%04X`, r)
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
		count++
	}
	return b.String()
}

// suspiciousRune reports characters a snippet must not show raw.
func suspiciousRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7F, r >= 0x80 && r <= 0x9F:
		return true
	case r == 0x00AD, r == 0x034F, r == 0x061C, r == 0x115F, r == 0x1160,
		r == 0x17B4, r == 0x17B5, r == 0x180E, r == 0x3164, r == 0xFFA0, r == 0xFEFF:
		return true
	case r >= 0x200B && r <= 0x200F, r >= 0x2028 && r <= 0x202E, r >= 0x2060 && r <= 0x206F:
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0000 && r <= 0xE0FFF:
		return true
	case r >= 0xFFF9 && r <= 0xFFFB:
		return true
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co)
}

// capFindings sorts one file's findings by rule and line and keeps at most
// MaxFindingsPerRuleFile per rule, the last kept counting the rest in
// More.
func capFindings(fs []Finding) []Finding {
	if len(fs) <= 1 {
		return fs
	}
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Rule != fs[j].Rule {
			return fs[i].Rule < fs[j].Rule
		}
		return fs[i].Line < fs[j].Line
	})
	out := make([]Finding, 0, len(fs))
	for i := 0; i < len(fs); {
		j := i
		for j < len(fs) && fs[j].Rule == fs[i].Rule {
			j++
		}
		group := fs[i:j]
		kept := 0
		for k := range group {
			if k > 0 && group[k].Line == group[k-1].Line && group[k].Snippet == group[k-1].Snippet {
				// The same finding twice counts once.
				continue
			}
			if kept < MaxFindingsPerRuleFile {
				out = append(out, group[k])
				kept++
				continue
			}
			out[len(out)-1].More += 1 + group[k].More
		}
		i = j
	}
	return out
}
