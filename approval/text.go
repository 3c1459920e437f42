package approval

import (
	"fmt"
	"strconv"
	"strings"
)

// Bidi reports whether r is a Unicode bidirectional control (U+061C,
// U+200E, U+200F, U+202A–U+202E, U+2066–U+2069): characters that reorder
// how the text around them is displayed, so a name carrying one can make
// a summary line read as something else.
func Bidi(r rune) bool {
	switch {
	case r == '\u061c', r == '\u200e', r == '\u200f':
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// Neutralize returns s with every bidirectional control replaced by its
// visible escape ("\u202E"): displayed, the text reads in the order it is
// stored. Lines are kept. Check applies it to every summary.
func Neutralize(s string) string {
	if !strings.ContainsFunc(s, Bidi) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if Bidi(r) {
			fmt.Fprintf(&b, `\u%04X`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Quote renders free text (a requester's note, a reason) as one field of
// a summary: double-quoted with Go escapes, so a newline is "\n" and never
// starts a line that could pass for one of the summary's own fields, and
// control and bidirectional characters are escaped.
func Quote(s string) string { return strconv.Quote(s) }
