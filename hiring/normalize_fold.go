package hiring

import "github.com/bulwark-sec/bulwark/hiring/internal/textfold"

// foldIdentifier is the first step of every identifier normaliser: the
// default-ignorable code points (zero-width spaces and joiners, the word
// joiner, the byte-order mark, the soft hyphen, bidirectional controls,
// variation selectors: invisible, so "pete\u200Br@example.com" reads as
// peter@example.com) are removed, and the rest is taken to NFKC, so that
// full-width and other compatibility forms ("５２１３７８８４６",
// "ＰＦ３ＫＱ９ＺＹ") compare as the ASCII they stand for. ASCII is
// returned as it is.
func foldIdentifier(s string) string { return textfold.Identifier(s) }

// defaultIgnorable reports whether r is a Default_Ignorable_Code_Point of
// Unicode: it is not shown, and text comparison ignores it.
func defaultIgnorable(r rune) bool { return textfold.DefaultIgnorable(r) }

// FoldIdentifier returns s without default-ignorable code points and in
// NFKC form, as every identifier normaliser reads it first (ASCII
// unchanged): for other packages comparing names an applicant or an
// endpoint wrote (software names, publishers).
func FoldIdentifier(s string) string { return foldIdentifier(s) }
