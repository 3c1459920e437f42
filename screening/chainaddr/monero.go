package chainaddr

import (
	"math/bits"
	"sync"

	"github.com/ethereum/go-ethereum/crypto"
)

// Monero's base58 encodes 8-byte blocks as 11 characters each; a final
// partial block of n bytes takes moneroBlockChars[n] characters.
var moneroBlockChars = [9]int{0, 2, 3, 5, 6, 7, 9, 10, 11}

// moneroBlockBytes inverts moneroBlockChars: characters -> bytes, or -1.
var moneroBlockBytes = func() (t [12]int) {
	for i := range t {
		t[i] = -1
	}
	for n, c := range moneroBlockChars {
		t[c] = n
	}
	return t
}()

// Monero network bytes (one-byte varints): mainnet only is accepted.
var moneroNets = map[byte]struct {
	kind    string
	testnet bool
}{
	0x12: {kind: "standard"},
	0x13: {kind: "integrated"},
	0x2a: {kind: "subaddress"},
	0x35: {testnet: true}, 0x36: {testnet: true}, 0x3f: {testnet: true}, // testnet
	0x18: {testnet: true}, 0x19: {testnet: true}, 0x24: {testnet: true}, // stagenet
}

// moneroDecode decodes Monero base58 into out.
func moneroDecode(s string, out []byte) ([]byte, bool) {
	full := len(s) / 11
	last := moneroBlockBytes[len(s)%11]
	if last < 0 {
		return nil, false
	}
	n := full*8 + last
	if n > len(out) {
		return nil, false
	}
	for blk := 0; blk*11 < len(s); blk++ {
		chunk := s[blk*11 : min(len(s), blk*11+11)]
		size := 8
		if len(chunk) < 11 {
			size = last
		}
		var v uint64
		for i := 0; i < len(chunk); i++ {
			d := btcDigits[chunk[i]]
			if d < 0 {
				return nil, false
			}
			hi, lo := bits.Mul64(v, 58)
			if hi != 0 {
				return nil, false
			}
			var carry uint64
			v, carry = bits.Add64(lo, uint64(d), 0)
			if carry != 0 {
				return nil, false
			}
		}
		if size < 8 && v>>(8*uint(size)) != 0 {
			return nil, false
		}
		dst := out[blk*8 : blk*8+size]
		for i := size - 1; i >= 0; i-- {
			dst[i] = byte(v)
			v >>= 8
		}
	}
	return out[:n], true
}

var moneroHashPool = sync.Pool{New: func() any { return crypto.NewKeccakState() }}

// decodeMonero decodes a Monero standard (95 characters), subaddress (95)
// or integrated (106) address: network byte, public spend key, public view
// key, for integrated a payment ID, and a 4-byte Keccak-256 checksum. The
// key is the spend and view keys, so an integrated address meets the
// standard address it extends.
func decodeMonero(s string) (decoded, *failure) {
	var buf [80]byte
	b, ok := moneroDecode(s, buf[:])
	if !ok {
		return decoded{}, weak("it is not valid Monero base58")
	}
	if len(b) != 69 && len(b) != 77 {
		return decoded{}, weak("it decodes to %d bytes, which is no Monero address", len(b))
	}
	body := b[:len(b)-4]
	h := moneroHashPool.Get().(crypto.KeccakState)
	h.Reset()
	h.Write(body)
	var sum [32]byte
	h.Read(sum[:])
	moneroHashPool.Put(h)
	c := b[len(b)-4:]
	if sum[0] != c[0] || sum[1] != c[1] || sum[2] != c[2] || sum[3] != c[3] {
		return decoded{}, strong("its Monero checksum does not match, so a character is wrong or missing; copy it again")
	}
	net, known := moneroNets[body[0]]
	switch {
	case !known:
		return decoded{}, strong("its network byte 0x%02x is not a Monero mainnet address type", body[0])
	case net.testnet:
		return decoded{}, strong("it is a Monero testnet or stagenet address; Bulwark screens mainnet addresses only")
	case net.kind == "integrated" && len(body) != 73, net.kind != "integrated" && len(body) != 65:
		return decoded{}, strong("its length does not fit a Monero %s address", net.kind)
	}
	return decoded{format: "monero-base58", key: hexKey("xmr", body[1:65]), addr: s, primary: cXMR, chains: setOf(cXMR)}, nil
}
