package scan

import (
	"bytes"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// UnicodeDetector finds Trojan Source characters in source files:
// bidirectional controls (UNICODE-BIDI, high; low in JSON, where
// translations may use them), invisible characters (UNICODE-INVISIBLE:
// zero-width spaces and joiners, word joiner, a byte order mark past the
// start; medium, high for a Hangul filler used as an identifier or a run
// of variation selectors carrying data). A zero-width joiner inside an
// emoji sequence, a non-joiner between letters of scripts that need it
// and a single variation selector after an emoji are left alone.
type UnicodeDetector struct{}

// ID implements [Detector].
func (UnicodeDetector) ID() string { return "UNICODE" }

// Applies implements [Detector]: source and JSON files.
func (UnicodeDetector) Applies(p string) bool {
	return isSource(p) || ext(p) == "json" && !isLockfile(p)
}

var unicodeNames = map[rune]string{
	0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING", 0x202C: "POP DIRECTIONAL FORMATTING",
	0x202D: "LEFT-TO-RIGHT OVERRIDE", 0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x2066: "LEFT-TO-RIGHT ISOLATE",
	0x2067: "RIGHT-TO-LEFT ISOLATE", 0x2068: "FIRST STRONG ISOLATE", 0x2069: "POP DIRECTIONAL ISOLATE",
	0x200B: "ZERO WIDTH SPACE", 0x200C: "ZERO WIDTH NON-JOINER", 0x200D: "ZERO WIDTH JOINER",
	0x2060: "WORD JOINER", 0xFEFF: "ZERO WIDTH NO-BREAK SPACE (BOM)", 0x3164: "HANGUL FILLER",
	0x115F: "HANGUL CHOSEONG FILLER", 0x1160: "HANGUL JUNGSEONG FILLER", 0xFFA0: "HALFWIDTH HANGUL FILLER",
	0x180E: "MONGOLIAN VOWEL SEPARATOR",
}

func isBidi(r rune) bool { return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 }

func isInvisible(r rune) bool {
	return r >= 0x200B && r <= 0x200D || r == 0x2060 || r == 0xFEFF || r == 0x3164 || r == 0x115F ||
		r == 0x1160 || r == 0xFFA0 || r == 0x180E || isVariationSelector(r) || r >= 0xE0000 && r <= 0xE007F
}

func isVariationSelector(r rune) bool {
	return r >= 0xFE00 && r <= 0xFE0F || r >= 0xE0100 && r <= 0xE01EF
}

func isHangulFiller(r rune) bool { return r == 0x3164 || r == 0x115F || r == 0x1160 || r == 0xFFA0 }

func isEmojiish(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF || r >= 0x2300 && r <= 0x23FF ||
		r == 0xFE0F || r == 0x20E3 || r >= 0x2B00 && r <= 0x2BFF || r == 0x00A9 || r == 0x00AE || r == 0x2640 || r == 0x2642 ||
		r >= 0xE0020 && r <= 0xE007F
}

func needsJoiner(r rune) bool {
	return unicode.In(r, unicode.Arabic, unicode.Devanagari, unicode.Bengali, unicode.Gurmukhi, unicode.Gujarati,
		unicode.Oriya, unicode.Tamil, unicode.Telugu, unicode.Kannada, unicode.Malayalam, unicode.Sinhala, unicode.Syriac,
		unicode.Hebrew, unicode.Thaana, unicode.Khmer, unicode.Myanmar, unicode.Mongolian)
}

const maxUnicodeFinds = 30

// Detect implements [Detector].
func (UnicodeDetector) Detect(f *File) []Finding {
	data := f.Data
	json := ext(f.Path) == "json"
	vendored := isVendored(f.Path)
	var out []Finding
	li := lineIndex{data: data}
	seen := map[[2]int]bool{} // (line, rune) reported once
	prev := rune(0)
	for i := 0; i < len(data) && len(out) < maxUnicodeFinds; {
		c := data[i]
		if c < 0x80 {
			prev = rune(c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if !isBidi(r) && !isInvisible(r) {
			prev = r
			i += size
			continue
		}
		next, nsize := utf8.DecodeRune(data[min(len(data), i+size):])
		_ = nsize
		rule, sev := "UNICODE-INVISIBLE", SeverityMedium
		why := ""
		name := unicodeNames[r]
		switch {
		case isBidi(r):
			rule, sev = "UNICODE-BIDI", SeverityHigh
			why = "Bidirectional control characters reorder how code is displayed, so what a reviewer reads differs from what the compiler runs (Trojan Source): a comment can hide a statement, a string can swallow a condition."
			if json {
				sev = SeverityLow
			}
		case r == 0xFEFF && i == 0:
			prev = r
			i += size
			continue
		case r == 0x200D && (isEmojiish(prev) || isEmojiish(next)):
			prev = r
			i += size
			continue
		case (r == 0x200C || r == 0x200D) && (needsJoiner(prev) || needsJoiner(next)):
			prev = r
			i += size
			continue
		case isVariationSelector(r) || r >= 0xE0000 && r <= 0xE007F:
			// A single selector after an emoji or CJK character is
			// ordinary; a run of them encodes data invisibly.
			j, n := i, 0
			for j < len(data) {
				r2, s2 := utf8.DecodeRune(data[j:])
				if !isVariationSelector(r2) && !(r2 >= 0xE0000 && r2 <= 0xE007F) {
					break
				}
				j += s2
				n++
			}
			if n < 8 {
				i = j
				prev = r
				continue
			}
			name = fmt.Sprintf("a run of %d variation selectors or tag characters", n)
			rule, sev = "UNICODE-INVISIBLE", SeverityHigh
			why = "Invisible variation selectors or tag characters can carry a whole payload that editors do not show and a decoder turns back into code (the GlassWorm extensions hid their loader this way)."
			size = j - i
		case isHangulFiller(r):
			if unicode.Is(unicode.Hangul, prev) && prev != 0x3164 || unicode.Is(unicode.Hangul, next) && next != 0x3164 && !isHangulFiller(next) {
				prev = r
				i += size
				continue
			}
			sev = SeverityHigh
			why = "A Hangul filler renders as nothing but counts as a letter, so it can name an invisible variable or parameter: code that looks harmless passes a hidden value to an exec or eval."
		default:
			why = "An invisible character inside code makes two identifiers that look the same different, or hides text from a reviewer; source files rarely need one."
			if json || isUnicodeSpace(prev) || isUnicodeSpace(next) || inComment(data, i) {
				// a translation, a list of whitespace characters (a trim
				// polyfill) or prose in a comment
				sev = SeverityLow
			}
		}
		if vendored {
			sev = capSeverity(sev, SeverityMedium)
		}
		line := li.line(i)
		if !seen[[2]int{line, int(r)}] {
			seen[[2]int{line, int(r)}] = true
			if name == "" {
				name = "an invisible character"
			}
			label := name
			if rule == "UNICODE-BIDI" || isHangulFiller(r) || unicodeNames[r] != "" && r != 0xFE0F {
				label = fmt.Sprintf("U+%04X %s", r, name)
			}
			out = append(out, Finding{
				Rule: rule, Severity: sev, File: f.Path, Line: line,
				Snippet:     safeText(windowText(data, i, i+size), maxSnippet),
				Explanation: "Contains " + label + ". " + why,
				Source:      srcTrojanSource,
			})
		}
		prev = r
		i += size
	}
	return out
}

// isUnicodeSpace says whether r is a non-ASCII space character, the
// neighbours of invisible characters in whitespace lists.
func isUnicodeSpace(r rune) bool {
	return r == 0xA0 || r == 0x1680 || r >= 0x2000 && r <= 0x200A || r == 0x2028 || r == 0x2029 || r == 0x202F ||
		r == 0x205F || r == 0x3000
}

// inComment says whether the line holding off starts as a comment (//,
// /*, *, #) before off.
func inComment(data []byte, off int) bool {
	s := bytes.LastIndexByte(data[:off], '\n') + 1
	t := bytes.TrimLeft(data[s:off], " \t")
	return bytes.HasPrefix(t, []byte("//")) || bytes.HasPrefix(t, []byte("/*")) || bytes.HasPrefix(t, []byte("*")) || bytes.HasPrefix(t, []byte("#"))
}
