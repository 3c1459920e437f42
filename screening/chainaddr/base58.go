package chainaddr

import "crypto/sha256"

// Base58 alphabets: Bitcoin's (also TRON, Solana, Zcash t-addresses and the
// Bitcoin forks) and Ripple's (the same 58 symbols in another order).
const (
	btcAlphabet    = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	rippleAlphabet = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
)

// alphabet maps an ASCII byte to its digit value, or -1.
type alphabet [256]int8

func newAlphabet(chars string) *alphabet {
	var a alphabet
	for i := range a {
		a[i] = -1
	}
	for i := 0; i < len(chars); i++ {
		a[chars[i]] = int8(i)
	}
	return &a
}

var (
	btcDigits    = newAlphabet(btcAlphabet)
	rippleDigits = newAlphabet(rippleAlphabet)
)

// maxBase58 is the longest base58 string decoded here (a 70-byte Sprout
// z-address is 95 characters; 110 leaves room).
const maxBase58 = 110

// base58Decode decodes s with alphabet a into out and returns the decoded
// bytes (a prefix of out). bad is the index of the first character outside
// the alphabet, or -1; ok is false when s is empty, too long, holds a bad
// character or decodes to more than len(out) bytes. It works on 32-bit
// limbs, so decoding a 34-character address is a few hundred operations and
// allocates nothing.
func base58Decode(s string, a *alphabet, out []byte) (dec []byte, bad int, ok bool) {
	if len(s) == 0 || len(s) > maxBase58 {
		return nil, -1, false
	}
	zeros := 0
	for zeros < len(s) && a[s[zeros]] == 0 {
		zeros++
	}
	// limbs holds the big-endian number in base 2^32, least significant
	// limb last. 110 base58 digits fit in 81 bytes = 21 limbs.
	var limbs [21]uint32
	n := 0 // limbs in use, counted from the end
	for i := zeros; i < len(s); i++ {
		d := a[s[i]]
		if d < 0 {
			return nil, i, false
		}
		carry := uint64(d)
		for j := len(limbs) - 1; j >= len(limbs)-n; j-- {
			t := uint64(limbs[j])*58 + carry
			limbs[j] = uint32(t)
			carry = t >> 32
		}
		if carry != 0 {
			if n == len(limbs) {
				return nil, -1, false
			}
			n++
			limbs[len(limbs)-n] = uint32(carry)
		}
	}
	// Serialise the limbs to big-endian bytes without leading zeros.
	var buf [21 * 4]byte
	for j := 0; j < len(limbs); j++ {
		v := limbs[j]
		buf[4*j] = byte(v >> 24)
		buf[4*j+1] = byte(v >> 16)
		buf[4*j+2] = byte(v >> 8)
		buf[4*j+3] = byte(v)
	}
	start := len(buf) - 4*n
	for start < len(buf) && buf[start] == 0 {
		start++
	}
	size := zeros + len(buf) - start
	if size > len(out) {
		return nil, -1, false
	}
	for i := 0; i < zeros; i++ {
		out[i] = 0
	}
	copy(out[zeros:], buf[start:])
	return out[:size], -1, true
}

// checksumOK reports whether the last four bytes of b are the first four of
// SHA-256(SHA-256(rest)), the Bitcoin base58check checksum that XRP and TRON
// share.
func checksumOK(b []byte) bool {
	if len(b) < 5 {
		return false
	}
	body := b[:len(b)-4]
	h1 := sha256.Sum256(body)
	h2 := sha256.Sum256(h1[:])
	c := b[len(b)-4:]
	return h2[0] == c[0] && h2[1] == c[1] && h2[2] == c[2] && h2[3] == c[3]
}
