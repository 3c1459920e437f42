package hiring

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// foldIdentifier is the first step of every identifier normaliser: the
// default-ignorable code points (zero-width spaces and joiners, the word
// joiner, the byte-order mark, the soft hyphen, bidirectional controls,
// variation selectors: invisible, so "pete\u200Br@example.com" reads as
// peter@example.com) are removed, and the rest is taken to NFKC, so that
// full-width and other compatibility forms ("５２１３７８８４６",
// "ＰＦ３ＫＱ９ＺＹ") compare as the ASCII they stand for. ASCII is
// returned as it is.
func foldIdentifier(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii || !utf8.ValidString(s) {
		return s
	}
	s = strings.Map(func(r rune) rune {
		if defaultIgnorable(r) {
			return -1
		}
		return r
	}, s)
	return norm.NFKC.String(s)
}

// defaultIgnorable reports whether r is a Default_Ignorable_Code_Point of
// Unicode (DerivedCoreProperties.txt): it is not shown, and text
// comparison ignores it.
func defaultIgnorable(r rune) bool {
	switch {
	case r < 0xAD:
		return false
	case r == 0xAD, r == 0x34F, r == 0x61C, r == 0x115F, r == 0x1160, r == 0x17B4, r == 0x17B5,
		r >= 0x180B && r <= 0x180F, r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E,
		r >= 0x2060 && r <= 0x206F, r == 0x3164, r >= 0xFE00 && r <= 0xFE0F, r == 0xFEFF, r == 0xFFA0,
		r >= 0xFFF0 && r <= 0xFFF8, r >= 0x1BCA0 && r <= 0x1BCA3, r >= 0x1D173 && r <= 0x1D17A,
		r >= 0xE0000 && r <= 0xE0FFF:
		return true
	}
	return false
}

// FoldIdentifier returns s without default-ignorable code points and in
// NFKC form, as every identifier normaliser reads it first (ASCII
// unchanged): for other packages comparing names an applicant or an
// endpoint wrote (software names, publishers).
func FoldIdentifier(s string) string { return foldIdentifier(s) }
