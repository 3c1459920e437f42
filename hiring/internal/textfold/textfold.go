// Package textfold holds the Unicode folding the hiring checks share
// before comparing text an applicant wrote: removing the default-ignorable
// code points (invisible: zero-width spaces and joiners, the word joiner,
// the byte-order mark, the soft hyphen) and mapping the common confusables
// (Cyrillic and Greek letters that look like Latin ones) to Latin.
package textfold

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// DefaultIgnorable reports whether r is a Default_Ignorable_Code_Point of
// Unicode (DerivedCoreProperties.txt): it is not shown, and text
// comparison ignores it.
func DefaultIgnorable(r rune) bool {
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

// confusables maps Cyrillic and Greek letters that look like a Latin
// letter to it: the common entries of Unicode TR39's confusables table
// (its skeleton) for these scripts, both cases.
var confusables = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'һ': 'h', 'і': 'i', 'ј': 'j', 'к': 'k', 'ӏ': 'l',
	'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'ԛ': 'q', 'ѕ': 's', 'т': 't', 'у': 'y', 'ԝ': 'w', 'х': 'x',
	'ё': 'e', 'ї': 'i', 'ү': 'y', 'ɡ': 'g',
	'А': 'A', 'В': 'B', 'С': 'C', 'Е': 'E', 'Н': 'H', 'І': 'I', 'Ј': 'J', 'К': 'K', 'М': 'M', 'О': 'O',
	'Р': 'P', 'Ѕ': 'S', 'Т': 'T', 'Х': 'X', 'У': 'Y', 'Ү': 'Y', 'Ԛ': 'Q', 'Ԝ': 'W', 'Ӏ': 'I',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u',
	'χ': 'x', 'γ': 'y',
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O',
	'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
}

// Identifier returns s without default-ignorable code points and in NFKC
// form (full-width letters and digits as ASCII); ASCII and invalid UTF-8
// are returned as they are.
func Identifier(s string) string {
	if isASCII(s) || !utf8.ValidString(s) {
		return s
	}
	return norm.NFKC.String(strings.Map(func(r rune) rune {
		if DefaultIgnorable(r) {
			return -1
		}
		return r
	}, s))
}

// Skeleton is Identifier with the common confusables mapped to the Latin
// letters they look like: "rеsumе" with Cyrillic е reads as "resume".
// For comparing free text (resumes), not for showing it.
func Skeleton(s string) string {
	if isASCII(s) || !utf8.ValidString(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if l, ok := confusables[r]; ok {
			return l
		}
		return r
	}, Identifier(s))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
