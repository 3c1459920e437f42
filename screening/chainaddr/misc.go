package chainaddr

import (
	"crypto/sha512"
	"encoding/base32"
	"strconv"

	"github.com/ethereum/go-ethereum/crypto/blake2b"
)

// decodeXRP decodes a classic XRP Ledger address: Ripple-alphabet
// base58check of version 0x00 and a 20-byte account ID ("r…").
func decodeXRP(s string) (decoded, *failure) {
	var buf [40]byte
	b, bad, ok := base58Decode(s, rippleDigits, buf[:])
	if !ok {
		if bad >= 0 {
			return decoded{}, weak("character %s at position %d is not in the Ripple base58 alphabet", quoteByte(s[bad]), bad+1)
		}
		return decoded{}, weak("it is not Ripple base58")
	}
	if len(b) != 25 || b[0] != 0x00 {
		return decoded{}, weak("it is not a classic XRP address (25 bytes, version 0)")
	}
	if !checksumOK(b) {
		return decoded{}, strong("its XRP checksum does not match, so a character is wrong, missing or in the wrong case; copy it again")
	}
	return decoded{format: "ripple-base58", key: hexKey("xrp", b[1:21]), addr: s, primary: cXRP, chains: setOf(cXRP)}, nil
}

// decodeXRPX decodes an XRP X-address (XLS-5d): Ripple-alphabet
// base58check of the mainnet prefix 0x05 0x44, the account ID, a flag byte
// and an 8-byte destination tag. It keys on the account ID, as the classic
// address does: the tag names a customer of that account, not another
// account.
func decodeXRPX(s string) (decoded, *failure) {
	var buf [40]byte
	b, _, ok := base58Decode(s, rippleDigits, buf[:])
	if !ok || len(b) != 35 {
		return decoded{}, weak("it is not an XRP X-address")
	}
	if !checksumOK(b) {
		return decoded{}, strong("its XRP X-address checksum does not match; copy it again")
	}
	switch {
	case b[0] == 0x04 && b[1] == 0x93:
		return decoded{}, strong("it is an XRP testnet X-address; Bulwark screens mainnet addresses only")
	case b[0] != 0x05 || b[1] != 0x44:
		return decoded{}, strong("it is not an XRP mainnet X-address")
	case b[22] > 1:
		return decoded{}, strong("its X-address flag byte %d is not 0 or 1", b[22])
	}
	return decoded{format: "xrp-x", key: hexKey("xrp", b[2:22]), addr: s, primary: cXRP, chains: setOf(cXRP)}, nil
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// upperBase32 copies s upper-cased into out if every character is in the
// RFC 4648 base32 alphabet of either case.
func upperBase32(s string, out []byte) ([]byte, bool) {
	if len(s) > len(out) {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= '2' && c <= '7':
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		default:
			return nil, false
		}
		out[i] = c
	}
	return out[:len(s)], true
}

// crc16XModem is the checksum of Stellar's StrKey.
func crc16XModem(b []byte) uint16 {
	crc := uint16(0)
	for _, c := range b {
		crc ^= uint16(c) << 8
		for i := 0; i < 8; i++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// decodeXLM decodes a Stellar account ID ("G…", 56 characters) or muxed
// account ("M…", 69 characters): StrKey base32 of a version byte, the
// 32-byte Ed25519 key (and for muxed an 8-byte ID) and a CRC16-XModem. Both
// key on the Ed25519 key.
func decodeXLM(s string) (decoded, *failure) {
	var up [69]byte
	u, ok := upperBase32(s, up[:])
	if !ok || (len(u) != 56 && len(u) != 69) {
		return decoded{}, weak("it is not a Stellar StrKey")
	}
	var raw [44]byte
	n, err := b32.Decode(raw[:], u)
	if err != nil || (n != 35 && n != 43) {
		return decoded{}, weak("it is not a Stellar StrKey")
	}
	b := raw[:n]
	body := b[:n-2]
	if crc16XModem(body) != uint16(b[n-2])|uint16(b[n-1])<<8 {
		return decoded{}, strong("its Stellar checksum does not match, so a character is wrong or missing; copy it again")
	}
	format := "strkey"
	switch {
	case n == 35 && body[0] == 6<<3:
	case n == 43 && body[0] == 12<<3:
		format = "strkey-muxed"
	default:
		return decoded{}, strong("it is a Stellar key of another kind (version byte 0x%02x), not an account address", body[0])
	}
	return decoded{format: format, key: hexKey("xlm", body[1:33]), addr: string(u), primary: cXLM, chains: setOf(cXLM)}, nil
}

// decodeAlgo decodes an Algorand address: 58 base32 characters of a 32-byte
// public key and the last 4 bytes of its SHA-512/256.
func decodeAlgo(s string) (decoded, *failure) {
	var up [58]byte
	u, ok := upperBase32(s, up[:])
	if !ok || len(u) != 58 {
		return decoded{}, weak("it is not an Algorand address")
	}
	// 58 characters carry 290 bits: 36 bytes and 2 padding bits, which
	// must be zero for the spelling to be canonical.
	if bech := b32Val(u[57]); bech&3 != 0 {
		return decoded{}, weak("it is not an Algorand address")
	}
	var raw [37]byte
	n, err := b32.Decode(raw[:], u)
	if err != nil || n != 36 {
		return decoded{}, weak("it is not an Algorand address")
	}
	sum := sha512.Sum512_256(raw[:32])
	if sum[28] != raw[32] || sum[29] != raw[33] || sum[30] != raw[34] || sum[31] != raw[35] {
		return decoded{}, strong("its Algorand checksum does not match, so a character is wrong or missing; copy it again")
	}
	return decoded{format: "algo-base32", key: hexKey("algo", raw[:32]), addr: string(u), primary: cALGO, chains: setOf(cALGO)}, nil
}

func b32Val(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c - 'A'
	}
	return c - '2' + 26
}

// decodeSia decodes a Siacoin address: 76 hex digits of a 32-byte unlock
// hash and the first 6 bytes of its BLAKE2b-256.
func decodeSia(s string) (decoded, *failure) {
	var b [38]byte
	for i := 0; i < 38; i++ {
		b[i] = byte(hexVal[s[2*i]])<<4 | byte(hexVal[s[2*i+1]])
	}
	sum := blake2b.Sum256(b[:32])
	for i := 0; i < 6; i++ {
		if sum[i] != b[32+i] {
			return decoded{}, strong("its Siacoin checksum does not match, so a digit is wrong or missing; copy it again")
		}
	}
	return decoded{format: "hex", key: hexKey("sc", b[:32]), addr: lowerString(s), primary: cSC, chains: setOf(cSC)}, nil
}

// isLisk reports whether s has the shape of a legacy Lisk address: up to 20
// decimal digits and an L.
func isLisk(s string) bool {
	if len(s) < 2 || len(s) > 21 || (s[len(s)-1] != 'L' && s[len(s)-1] != 'l') {
		return false
	}
	for i := 0; i < len(s)-1; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// decodeLisk decodes a legacy Lisk address: a 64-bit account number and an
// L. It has no checksum; the number must fit in 64 bits.
func decodeLisk(s string) (decoded, *failure) {
	n, err := strconv.ParseUint(s[:len(s)-1], 10, 64)
	if err != nil {
		return decoded{}, strong("its account number does not fit in 64 bits")
	}
	num := strconv.FormatUint(n, 10)
	// Account numbers are 64-bit hashes, so nearly all have 15 or more
	// digits; a short number and an L is more likely something else and
	// is taken as Lisk only with the hint.
	return decoded{format: "lisk-legacy", key: "lsk:" + num, addr: num + "L", primary: cLSK, chains: setOf(cLSK), hintOnly: len(num) < 12}, nil
}

// decodeTronHex decodes TRON's hex form: 41 and the 20-byte account.
func decodeTronHex(s string) (decoded, *failure) {
	var b [20]byte
	for i := 0; i < 20; i++ {
		b[i] = byte(hexVal[s[2+2*i]])<<4 | byte(hexVal[s[3+2*i]])
	}
	return decoded{format: "hex", key: hexKey("tron", b[:]), addr: lowerString(s), primary: cTRON, chains: setOf(cTRON), hintOnly: true}, nil
}
