package chainaddr

// Encoders for the tests, written apart from the decoders (math/big for
// base58, go-ethereum's common.Address for EIP-55) so that a round trip
// through both checks each against the other.

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"github.com/btcsuite/btcd/btcutil/bech32"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/crypto/blake2b"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func base58Encode(b []byte, alpha string) string {
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod := new(big.Int)
	for n.Sign() > 0 {
		n.DivMod(n, big.NewInt(58), mod)
		out = append(out, alpha[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, alpha[0])
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

func withChecksum(b []byte) []byte {
	h1 := sha256.Sum256(b)
	h2 := sha256.Sum256(h1[:])
	return append(append([]byte{}, b...), h2[:4]...)
}

// b58check encodes a one- or two-byte version (values above 0xff are two
// bytes) and payload in Bitcoin's base58check.
func b58check(ver uint16, payload []byte) string {
	var v []byte
	if ver > 0xff {
		v = []byte{byte(ver >> 8), byte(ver)}
	} else {
		v = []byte{byte(ver)}
	}
	return base58Encode(withChecksum(append(v, payload...)), btcAlphabet)
}

func rippleCheck(b []byte) string { return base58Encode(withChecksum(b), rippleAlphabet) }

func to5(b []byte) []byte {
	out, ok := convertBits(b, 8, 5, true, nil)
	if !ok {
		panic("convertBits")
	}
	return out
}

// bech32Encode encodes with btcutil's encoder (the decoder under test
// wraps btcutil's decoder; the encoder is its independent half).
func bech32Encode(hrp string, data []byte, variant int) string {
	enc := bech32.Encode
	if variant == variantBech32m {
		enc = bech32.EncodeM
	}
	s, err := enc(hrp, data)
	if err != nil {
		panic(err)
	}
	return s
}

func segwitEncode(hrp string, version int, prog []byte) string {
	variant := variantBech32
	if version > 0 {
		variant = variantBech32m
	}
	return bech32Encode(hrp, append([]byte{byte(version)}, to5(prog)...), variant)
}

// cashEncode encodes a CashAddr with prefix, type and hash, without the
// prefix when bare.
func cashEncode(prefix string, typ int, hash []byte, bare bool) string {
	sizes := map[int]byte{20: 0, 24: 1, 28: 2, 32: 3, 40: 4, 48: 5, 56: 6, 64: 7}
	payload := to5(append([]byte{byte(typ<<3) | sizes[len(hash)]}, hash...))
	chk := uint64(1)
	for i := 0; i < len(prefix); i++ {
		chk = cashPolymod(chk, prefix[i]&31)
	}
	chk = cashPolymod(chk, 0)
	for _, d := range payload {
		chk = cashPolymod(chk, d)
	}
	for i := 0; i < 8; i++ {
		chk = cashPolymod(chk, 0)
	}
	chk ^= 1
	var sb strings.Builder
	if !bare {
		sb.WriteString(prefix + ":")
	}
	for _, d := range payload {
		sb.WriteByte(bech32Charset[d])
	}
	for i := 0; i < 8; i++ {
		sb.WriteByte(bech32Charset[(chk>>(5*(7-i)))&31])
	}
	return sb.String()
}

func moneroEncode(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i += 8 {
		blk := b[i:min(len(b), i+8)]
		s := base58Encode(blk, btcAlphabet)
		// Monero pads each block to its fixed width with the zero digit.
		// base58Encode already emits one '1' per leading zero byte, so
		// strip those and pad from the numeric value instead.
		s = strings.TrimLeft(s, "1")
		for len(s) < moneroBlockChars[len(blk)] {
			s = "1" + s
		}
		sb.WriteString(s)
	}
	return sb.String()
}

func moneroAddr(net byte, body []byte) string {
	b := append([]byte{net}, body...)
	sum := crypto.Keccak256(b)
	return moneroEncode(append(b, sum[:4]...))
}

func eip55(b []byte) string { return common.BytesToAddress(b).Hex() }

func stellarEncode(version byte, body []byte) string {
	b := append([]byte{version}, body...)
	c := crc16XModem(b)
	b = append(b, byte(c), byte(c>>8))
	return b32.EncodeToString(b)
}

func algoEncode(key []byte) string {
	sum := sha512.Sum512_256(key)
	return b32.EncodeToString(append(append([]byte{}, key...), sum[28:]...))
}

func siaEncode(h []byte) string {
	sum := blake2b.Sum256(h)
	return hex.EncodeToString(append(append([]byte{}, h...), sum[:6]...))
}
