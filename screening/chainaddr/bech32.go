package chainaddr

import (
	"errors"

	"github.com/btcsuite/btcd/btcutil/bech32"
)

// Bech32 (BIP-173), Bech32m (BIP-350) and CashAddr share one 32-symbol
// alphabet; their checksums differ.
const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// bech32Rev maps an ASCII byte of either case to its 5-bit value, or -1.
var bech32Rev = func() (r [256]int8) {
	for i := range r {
		r[i] = -1
	}
	for i := 0; i < len(bech32Charset); i++ {
		c := bech32Charset[i]
		r[c] = int8(i)
		if c >= 'a' && c <= 'z' {
			r[c-'a'+'A'] = int8(i)
		}
	}
	return r
}()

// Checksum variants.
const (
	variantBech32  = 1
	variantBech32m = 2
)

// bech32MaxLen is BIP-173's limit on the whole string.
const bech32MaxLen = 90

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// caseOf reports whether s has lower-case letters, upper-case letters, or
// both.
func caseOf(s string) (lower, upper bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= 'A' && c <= 'Z':
			upper = true
		}
	}
	return lower, upper
}

// bech32Decode checks the Bech32 or Bech32m string s (BIP-173, BIP-350,
// with btcutil's decoder) and returns its human-readable part (lower case)
// and its 5-bit data values without the checksum. reason is "" on success
// and otherwise says what is wrong, for the user.
func bech32Decode(s string) (hrp string, data []byte, variant int, reason string) {
	if len(s) > bech32MaxLen {
		return "", nil, 0, "it is longer than the 90 characters Bech32 allows"
	}
	hrp, data, v, err := bech32.DecodeGeneric(s)
	if err != nil {
		var (
			badChar  bech32.ErrNonCharsetChar
			badPrint bech32.ErrInvalidCharacter
			sep      bech32.ErrInvalidSeparatorIndex
			checksum bech32.ErrInvalidChecksum
		)
		switch {
		case errors.As(err, new(bech32.ErrMixedCase)):
			return "", nil, 0, "it mixes upper and lower case, which Bech32 forbids; write it all in one case"
		case errors.As(err, &badChar):
			return "", nil, 0, "character " + quoteByte(byte(badChar)) + " is not in the Bech32 alphabet (which has no 1, b, i or o after the separator)"
		case errors.As(err, &badPrint):
			return "", nil, 0, "it holds a character outside printable ASCII"
		case errors.As(err, &sep):
			return "", nil, 0, "it has no human-readable prefix and data part around the separator '1'"
		case errors.As(err, &checksum):
			return "", nil, 0, "its Bech32 checksum does not match, so a character is wrong or missing; copy it again"
		}
		return "", nil, 0, "it is not a Bech32 string (" + err.Error() + ")"
	}
	switch v {
	case bech32.Version0:
		variant = variantBech32
	case bech32.VersionM:
		variant = variantBech32m
	default:
		return "", nil, 0, "its Bech32 checksum does not match, so a character is wrong or missing; copy it again"
	}
	return hrp, data, variant, ""
}

// convertBits regroups from-bit values into to-bit values, appending to
// out. With pad, a final partial group is zero-padded (encoding); without
// it, up to from-1 zero padding bits are allowed and dropped (decoding), as
// BIP-173 and CashAddr require.
func convertBits(in []byte, from, to uint, pad bool, out []byte) ([]byte, bool) {
	b, err := bech32.ConvertBits(in, uint8(from), uint8(to), pad)
	if err != nil {
		return nil, false
	}
	return append(out, b...), true
}

// CashAddr (Bitcoin Cash): a prefix, ':', and a payload whose last eight
// symbols are a 40-bit BCH-code checksum over the prefix and the payload.
func cashPolymod(chk uint64, v byte) uint64 {
	c0 := byte(chk >> 35)
	chk = (chk&0x07ffffffff)<<5 ^ uint64(v)
	if c0&0x01 != 0 {
		chk ^= 0x98f2bc8e61
	}
	if c0&0x02 != 0 {
		chk ^= 0x79b76d99e2
	}
	if c0&0x04 != 0 {
		chk ^= 0xf33e5fb3c4
	}
	if c0&0x08 != 0 {
		chk ^= 0xae2eabe2a8
	}
	if c0&0x10 != 0 {
		chk ^= 0x1e4f43e470
	}
	return chk
}

// cashDecode checks the CashAddr payload (the part after ':') against
// prefix (lower case) and returns the version byte and hash, written into
// out. reason is "" on success.
func cashDecode(prefix, payload string, out []byte) (version byte, hash []byte, reason string) {
	if len(payload) < 8+2 {
		return 0, nil, "its CashAddr payload is too short"
	}
	chk := uint64(1)
	for i := 0; i < len(prefix); i++ {
		chk = cashPolymod(chk, prefix[i]&31)
	}
	chk = cashPolymod(chk, 0)
	var five [112]byte
	if len(payload) > len(five) {
		return 0, nil, "its CashAddr payload is too long"
	}
	for i := 0; i < len(payload); i++ {
		v := bech32Rev[payload[i]]
		if v < 0 {
			return 0, nil, "character " + quoteByte(payload[i]) + " is not in the CashAddr alphabet (which has no 1, b, i or o)"
		}
		five[i] = byte(v)
		chk = cashPolymod(chk, byte(v))
	}
	if chk^1 != 0 {
		return 0, nil, "its CashAddr checksum does not match, so a character is wrong or missing; copy it again"
	}
	b, ok := convertBits(five[:len(payload)-8], 5, 8, false, out[:0])
	if !ok || len(b) < 1 {
		return 0, nil, "its CashAddr payload has invalid padding"
	}
	version = b[0]
	if version&0x80 != 0 {
		return 0, nil, "its CashAddr version byte has the reserved bit set"
	}
	sizes := [8]int{20, 24, 28, 32, 40, 48, 56, 64}
	if want := sizes[version&7]; len(b)-1 != want {
		return 0, nil, "its CashAddr hash is " + itoa(len(b)-1) + " bytes but its version byte says " + itoa(want)
	}
	return version, b[1:], ""
}
