package chainaddr

import (
	"sync"

	"github.com/ethereum/go-ethereum/crypto"
)

// keccakScratch is a pooled Keccak-256 state with its input and output
// buffers, so checksumming an address allocates nothing.
type keccakScratch struct {
	h   crypto.KeccakState
	in  [40]byte
	out [32]byte
}

var keccakPool = sync.Pool{New: func() any {
	return &keccakScratch{h: crypto.NewKeccakState()}
}}

// hexVal maps an ASCII byte to its hex value, or -1.
var hexVal = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = int8(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = int8(c - 'a' + 10)
		t[c-'a'+'A'] = int8(c - 'a' + 10)
	}
	return t
}()

// hexLower maps a hex digit to its lower-case form and anything else to 0;
// hexCase is 1 for a lower-case letter, 2 for an upper-case one.
var hexLower, hexCase = func() (l, c [256]byte) {
	for i := '0'; i <= '9'; i++ {
		l[i] = byte(i)
	}
	for i := 'a'; i <= 'f'; i++ {
		l[i], c[i] = byte(i), 1
		l[i-'a'+'A'], c[i-'a'+'A'] = byte(i), 2
	}
	return l, c
}()

// decodeEVM decodes 40 hex digits h (the address without "0x"). Digits all
// in one case are accepted as they are; mixed case must be the EIP-55
// checksum. The key is "evm:" and the lower-case digits; the display form
// is EIP-55. bare marks digits written without 0x (accepted with a hint).
func decodeEVM(h string, bare bool) (decoded, *failure) {
	if len(h) != 40 {
		return decoded{}, strong("an EVM address has 40 hex digits after 0x; this one has %d", len(h))
	}
	// One allocation holds both strings: "evm:<lower hex>0x<EIP-55 hex>".
	var buf [4 + 40 + 2 + 40]byte
	buf[0], buf[1], buf[2], buf[3] = 'e', 'v', 'm', ':'
	low := buf[4:44]
	var cases byte
	for i := 0; i < 40; i++ {
		c := h[i]
		l := hexLower[c]
		if l == 0 {
			return decoded{}, strong("character %s at position %d is not a hex digit", quoteByte(c), i+3)
		}
		low[i] = l
		cases |= hexCase[c]
	}
	ks := keccakPool.Get().(*keccakScratch)
	copy(ks.in[:], low)
	ks.h.Reset()
	ks.h.Write(ks.in[:])
	ks.h.Read(ks.out[:])
	sum := ks.out
	keccakPool.Put(ks)
	buf[44], buf[45] = '0', 'x'
	cs := buf[46:86]
	for j := 0; j < 20; j++ {
		b := sum[j]
		c0, c1 := low[2*j], low[2*j+1]
		if c0 >= 'a' && b >= 0x80 {
			c0 -= 'a' - 'A'
		}
		if c1 >= 'a' && b&0x08 != 0 {
			c1 -= 'a' - 'A'
		}
		cs[2*j], cs[2*j+1] = c0, c1
	}
	format := "hex"
	if cases == 3 {
		if h != string(cs) {
			for i := 0; i < 40; i++ {
				if h[i] != cs[i] {
					return decoded{}, strong("it fails the EIP-55 checksum (its %s at position %d should be %s); write it all in lower case to skip the check, or copy it again", quoteByte(h[i]), i+3, quoteByte(cs[i]))
				}
			}
		}
		if !bare {
			format = "eip55"
		}
	}
	str := string(buf[:])
	return decoded{format: format, key: str[:44], addr: str[44:], primary: cEVM, chains: setOf(cEVM), hintOnly: bare}, nil
}
