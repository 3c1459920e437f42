package intel

import (
	"strings"

	"github.com/bulwark-sec/bulwark/hiring"
)

// maxPattern bounds a path or name pattern read from data, in bytes, and
// maxStars the wildcards in it: matching is then linear in the text times a
// small constant, whatever the data holds.
const (
	maxPattern = 512
	maxStars   = 8
)

// globMatch reports whether text matches pattern, both already folded by
// fold. '*' matches any run of characters, separators included (LOLRMM's
// `C:\*\kitty.exe` means anywhere under C:); every other byte matches
// itself. It is the classic greedy matcher that backtracks only to the last
// star, so it runs in O(len(text)·len(pattern)) at worst and allocates
// nothing; no regular expression is compiled from data.
func globMatch(pattern, text string) bool {
	p, t := 0, 0
	star, mark := -1, 0
	for t < len(text) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, t
			p++
		case p < len(pattern) && pattern[p] == text[t]:
			p++
			t++
		case star >= 0:
			p = star + 1
			mark++
			t = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// fold lower-cases s (ASCII and Unicode) and turns '/' into '\' so that
// Windows and POSIX paths compare alike. It returns s itself, without
// allocating, when nothing changes.
func fold(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '/' || ('A' <= c && c <= 'Z') || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if !ascii {
		// Full-width and other compatibility forms ("ＡｎｙＤｅｓｋ") as
		// the letters they stand for, invisible characters out.
		if f := hiring.FoldIdentifier(s); f != s {
			return fold(f)
		}
		return strings.ReplaceAll(strings.ToLower(s), "/", `\`)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '/':
			c = '\\'
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// needle is the longest run of pattern without a wildcard: a text that
// does not contain it cannot match, which strings.Contains tells faster
// than the matcher.
func needle(pattern string) string {
	best := ""
	for _, part := range strings.Split(pattern, "*") {
		if len(part) > len(best) {
			best = part
		}
	}
	return best
}

// baseName is the last element of a folded path.
func baseName(p string) string {
	if i := strings.LastIndexByte(p, '\\'); i >= 0 {
		return p[i+1:]
	}
	return p
}
