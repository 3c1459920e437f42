package chainaddr

import (
	"fmt"
	"strconv"
)

// failure is why a decoder rejected a string. A strong failure means the
// string clearly has that decoder's shape (a Bech32 prefix, a matching
// version byte) so its reason is the one to show; a weak one only says the
// shape did not fit.
type failure struct {
	msg    string
	strong bool
}

func strong(format string, args ...any) *failure {
	return &failure{msg: fmt.Sprintf(format, args...), strong: true}
}

func weak(format string, args ...any) *failure {
	return &failure{msg: fmt.Sprintf(format, args...)}
}

const hexDigits = "0123456789abcdef"

// hexKey returns ns + ":" + lower-case hex of b in one allocation.
func hexKey(ns string, b []byte) string {
	var buf [160]byte
	out := buf[:0]
	if len(ns)+1+2*len(b) > len(buf) {
		out = make([]byte, 0, len(ns)+1+2*len(b))
	}
	out = append(out, ns...)
	out = append(out, ':')
	for _, c := range b {
		out = append(out, hexDigits[c>>4], hexDigits[c&15])
	}
	return string(out)
}

// lowerString lower-cases ASCII letters, returning s itself when it has no
// upper-case letter.
func lowerString(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lowerASCII(b[j])
			}
			return string(b)
		}
	}
	return s
}

func itoa(i int) string { return strconv.Itoa(i) }

func quoteByte(c byte) string {
	if c < 0x80 {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		if hexVal[s[i]] < 0 {
			return false
		}
	}
	return true
}

// isBech32Charset reports whether every character of s is in the Bech32
// alphabet (either case).
func isBech32Charset(s string) bool {
	for i := 0; i < len(s); i++ {
		if bech32Rev[s[i]] < 0 {
			return false
		}
	}
	return true
}
