package chainaddr

import "strings"

// b58Version describes one base58check version prefix: which chains use it,
// for what, and under which key namespace. Versions shared by several
// chains (0x00 by BTC, BCH and BSV; 0x1e by DOGE, XVG and DGB) have one
// entry, so the key is the same whichever chain a list filed them under.
type b58Version struct {
	ver     uint16 // the prefix, one or two bytes
	verLen  int
	hashLen int
	format  string // Parsed.Format
	ns      string // key namespace; the key is ns + ":" + hex(hash)
	primary chainID
	chains  chainSet
	testnet string // set for testnet prefixes: the chain's name
}

// b58Versions, from the chains' chainparams.cpp (PUBKEY_ADDRESS,
// SCRIPT_ADDRESS, SCRIPT_ADDRESS2) and TRON's and Zcash's protocol docs.
//
// Script-hash keys: Litecoin's 0x32 ("M…") and DigiByte's 0x3f ("S…") are
// aliases those chains accept for the Bitcoin-style 0x05 ("3…") addresses
// they still honour; since "3…" is written identically on BTC, BCH, BSV,
// LTC and DGB, all these share the "btc:p2sh" namespace so every spelling of
// one script hash meets one key.
var b58Versions = []b58Version{
	{ver: 0x00, verLen: 1, hashLen: 20, format: "p2pkh", ns: "btc:p2pkh", primary: cBTC, chains: setOf(cBTC, cBCH, cBSV)},
	{ver: 0x05, verLen: 1, hashLen: 20, format: "p2sh", ns: "btc:p2sh", primary: cBTC, chains: setOf(cBTC, cBCH, cBSV, cLTC, cDGB)},
	{ver: 0x30, verLen: 1, hashLen: 20, format: "p2pkh", ns: "ltc:p2pkh", primary: cLTC, chains: setOf(cLTC)},
	{ver: 0x32, verLen: 1, hashLen: 20, format: "p2sh", ns: "btc:p2sh", primary: cLTC, chains: setOf(cLTC)},
	{ver: 0x1e, verLen: 1, hashLen: 20, format: "p2pkh", ns: "doge:p2pkh", primary: cDOGE, chains: setOf(cDOGE, cXVG, cDGB)},
	{ver: 0x16, verLen: 1, hashLen: 20, format: "p2sh", ns: "doge:p2sh", primary: cDOGE, chains: setOf(cDOGE)},
	{ver: 0x21, verLen: 1, hashLen: 20, format: "p2sh", ns: "xvg:p2sh", primary: cXVG, chains: setOf(cXVG)},
	{ver: 0x3f, verLen: 1, hashLen: 20, format: "p2sh", ns: "btc:p2sh", primary: cDGB, chains: setOf(cDGB)},
	{ver: 0x4c, verLen: 1, hashLen: 20, format: "p2pkh", ns: "dash:p2pkh", primary: cDASH, chains: setOf(cDASH)},
	{ver: 0x10, verLen: 1, hashLen: 20, format: "p2sh", ns: "dash:p2sh", primary: cDASH, chains: setOf(cDASH)},
	{ver: 0x26, verLen: 1, hashLen: 20, format: "p2pkh", ns: "btg:p2pkh", primary: cBTG, chains: setOf(cBTG)},
	{ver: 0x17, verLen: 1, hashLen: 20, format: "p2sh", ns: "btg:p2sh", primary: cBTG, chains: setOf(cBTG)},
	{ver: 0x3c, verLen: 1, hashLen: 20, format: "p2pkh", ns: "kmd:p2pkh", primary: cKMD, chains: setOf(cKMD)},
	{ver: 0x55, verLen: 1, hashLen: 20, format: "p2sh", ns: "kmd:p2sh", primary: cKMD, chains: setOf(cKMD)},
	{ver: 0x41, verLen: 1, hashLen: 20, format: "base58check", ns: "tron", primary: cTRON, chains: setOf(cTRON)},
	{ver: 0x1cb8, verLen: 2, hashLen: 20, format: "p2pkh", ns: "zec:p2pkh", primary: cZEC, chains: setOf(cZEC)},
	{ver: 0x1cbd, verLen: 2, hashLen: 20, format: "p2sh", ns: "zec:p2sh", primary: cZEC, chains: setOf(cZEC)},
	{ver: 0x169a, verLen: 2, hashLen: 64, format: "zcash-sprout", ns: "zec:sprout", primary: cZEC, chains: setOf(cZEC)},

	// Testnets: recognised only to say so.
	{ver: 0x6f, verLen: 1, hashLen: 20, testnet: "Bitcoin (or a Bitcoin fork)"},
	{ver: 0xc4, verLen: 1, hashLen: 20, testnet: "Bitcoin (or a Bitcoin fork)"},
	{ver: 0x3a, verLen: 1, hashLen: 20, testnet: "Litecoin"},
	{ver: 0x71, verLen: 1, hashLen: 20, testnet: "Dogecoin"},
	{ver: 0x8c, verLen: 1, hashLen: 20, testnet: "Dash"},
	{ver: 0x13, verLen: 1, hashLen: 20, testnet: "Dash"},
	{ver: 0x1d25, verLen: 2, hashLen: 20, testnet: "Zcash"},
	{ver: 0x1cba, verLen: 2, hashLen: 20, testnet: "Zcash"},
	{ver: 0x16b6, verLen: 2, hashLen: 64, testnet: "Zcash"},
}

// lookupB58 finds the version entry matching the decoded payload (version
// and hash, checksum removed).
func lookupB58(p []byte) *b58Version {
	for i := range b58Versions {
		v := &b58Versions[i]
		if len(p) != v.verLen+v.hashLen {
			continue
		}
		if v.verLen == 1 && uint16(p[0]) == v.ver ||
			v.verLen == 2 && uint16(p[0])<<8|uint16(p[1]) == v.ver {
			return v
		}
	}
	return nil
}

// decodeBase58Check decodes a Bitcoin-alphabet base58check address
// (Bitcoin and its forks, Zcash t- and zc-addresses, TRON) or a Solana
// address (32 bytes, no checksum).
func decodeBase58Check(s string) (decoded, *failure) {
	var buf [96]byte
	b, bad, ok := base58Decode(s, btcDigits, buf[:])
	if !ok {
		if bad >= 0 {
			if lo, _ := caseOf(s); !lo {
				return decoded{}, weak("character %s at position %d is not in the base58 alphabet (which has no 0, O, I or l); base58 addresses are case-sensitive, so use the address exactly as it was written, not upper-cased", quoteByte(s[bad]), bad+1)
			}
			return decoded{}, weak("character %s at position %d is not in the base58 alphabet (which has no 0, O, I or l)", quoteByte(s[bad]), bad+1)
		}
		return decoded{}, weak("it is not a base58 address of any supported length")
	}
	if len(b) == 32 {
		return decoded{
			format: "sol-base58", key: hexKey("sol", b), addr: s,
			primary: cSOL, chains: setOf(cSOL),
		}, nil
	}
	if len(b) < 5 {
		return decoded{}, weak("it is too short for a base58check address")
	}
	body := b[:len(b)-4]
	v := lookupB58(body)
	if !checksumOK(b) {
		if v != nil {
			return decoded{}, strong("its base58check checksum does not match, so a character is wrong, missing or in the wrong case; copy it again")
		}
		return decoded{}, weak("its base58check checksum does not match")
	}
	if v == nil {
		if len(body) == 21 {
			return decoded{}, strong("its version byte 0x%02x is not one of a supported chain's", body[0])
		}
		return decoded{}, strong("it is a valid base58check string but %d bytes long, which is no supported address", len(body))
	}
	if v.testnet != "" {
		return decoded{}, strong("it is a %s testnet address; Bulwark screens mainnet addresses only", v.testnet)
	}
	return decoded{
		format: v.format, key: hexKey(v.ns, body[v.verLen:]), addr: s,
		primary: v.primary, chains: v.chains,
	}, nil
}

// segwitHRPs maps the Bech32 prefixes of segregated-witness addresses to
// their chain and key namespace.
var segwitHRPs = []struct {
	hrp     string
	ns      string
	chain   chainID
	testnet string
}{
	{hrp: "bc", ns: "btc", chain: cBTC},
	{hrp: "ltc", ns: "ltc", chain: cLTC},
	{hrp: "btg", ns: "btg", chain: cBTG},
	{hrp: "dgb", ns: "dgb", chain: cDGB},
	{hrp: "tb", testnet: "Bitcoin"},
	{hrp: "bcrt", testnet: "Bitcoin regtest"},
	{hrp: "tltc", testnet: "Litecoin"},
	{hrp: "tbtg", testnet: "Bitcoin Gold"},
	{hrp: "dgbt", testnet: "DigiByte"},
}

// decodeBech32Addr decodes every Bech32 address kind: segwit (BIP-173 and
// BIP-350), Zcash Sapling and BNB Beacon Chain.
func decodeBech32Addr(s string) (decoded, *failure) {
	hrp, data, variant, reason := bech32Decode(s)
	if reason != "" {
		return decoded{}, strong("%s", reason)
	}
	var eight [64]byte
	switch {
	case strings.EqualFold(hrp, "zs"):
		if variant != variantBech32 {
			return decoded{}, strong("a Sapling address must use the Bech32 checksum, not Bech32m")
		}
		b, ok := convertBits(data, 5, 8, false, eight[:0])
		if !ok || len(b) != 43 {
			return decoded{}, strong("a Sapling address carries 43 bytes; this one does not")
		}
		return decoded{format: "zcash-sapling", key: hexKey("zec:sapling", b), addr: lowerString(s), primary: cZEC, chains: setOf(cZEC)}, nil
	case strings.EqualFold(hrp, "ztestsapling"):
		return decoded{}, strong("it is a Zcash testnet address; Bulwark screens mainnet addresses only")
	case strings.EqualFold(hrp, "bnb"):
		if variant != variantBech32 {
			return decoded{}, strong("a BNB Beacon Chain address uses the Bech32 checksum, not Bech32m")
		}
		b, ok := convertBits(data, 5, 8, false, eight[:0])
		if !ok || len(b) != 20 {
			return decoded{}, strong("a BNB Beacon Chain address carries 20 bytes; this one does not")
		}
		return decoded{format: "bech32", key: hexKey("bnb", b), addr: lowerString(s), primary: cBNB, chains: setOf(cBNB)}, nil
	}
	for _, h := range segwitHRPs {
		if !strings.EqualFold(hrp, h.hrp) {
			continue
		}
		if h.testnet != "" {
			return decoded{}, strong("it is a %s testnet address; Bulwark screens mainnet addresses only", h.testnet)
		}
		if len(data) < 1 {
			return decoded{}, strong("it has no witness version")
		}
		wv := data[0]
		if wv > 16 {
			return decoded{}, strong("its witness version %d is above 16", wv)
		}
		prog, ok := convertBits(data[1:], 5, 8, false, eight[:0])
		if !ok {
			return decoded{}, strong("its witness program has invalid padding")
		}
		if len(prog) < 2 || len(prog) > 40 {
			return decoded{}, strong("its witness program is %d bytes; BIP-141 allows 2 to 40", len(prog))
		}
		format := "bech32"
		if wv == 0 {
			if len(prog) != 20 && len(prog) != 32 {
				return decoded{}, strong("a version-0 witness program is 20 or 32 bytes; this one is %d", len(prog))
			}
			if variant != variantBech32 {
				return decoded{}, strong("a version-0 segwit address must use the Bech32 checksum (BIP-173), but this one uses Bech32m")
			}
		} else {
			if variant != variantBech32m {
				return decoded{}, strong("a version-%d segwit address must use the Bech32m checksum (BIP-350), but this one uses Bech32", wv)
			}
			format = "bech32m"
		}
		return decoded{format: format, key: hexKey(h.ns+":wit"+itoa(int(wv)), prog), addr: lowerString(s), primary: h.chain, chains: setOf(h.chain)}, nil
	}
	return decoded{}, weak("its Bech32 prefix %q is not a supported chain's", lowerString(hrp))
}

// cashPrefixes are the CashAddr prefixes recognised.
var cashPrefixes = []struct{ prefix, testnet string }{
	{prefix: "bitcoincash"},
	{prefix: "bchtest", testnet: "Bitcoin Cash"},
	{prefix: "bchreg", testnet: "Bitcoin Cash regtest"},
}

// decodeCashAddr decodes a CashAddr address. prefix is the lower-case
// prefix, given or assumed ("bitcoincash" when the address has none);
// payload is the part after ':'. P2PKH and P2SH with 20-byte hashes key as
// the legacy base58 forms do ("btc:p2pkh", "btc:p2sh"), so both spellings of
// one BCH address meet; CashTokens-aware types key as their plain twins.
func decodeCashAddr(s, prefix, payload string) (decoded, *failure) {
	for _, p := range cashPrefixes {
		if p.prefix == prefix && p.testnet != "" {
			return decoded{}, strong("it is a %s testnet address; Bulwark screens mainnet addresses only", p.testnet)
		}
	}
	if prefix != "bitcoincash" {
		return decoded{}, weak("its prefix %q is not a supported CashAddr prefix", prefix)
	}
	if lo, up := caseOf(payload); lo && up {
		return decoded{}, strong("it mixes upper and lower case, which CashAddr forbids; write it all in one case")
	}
	var buf [80]byte
	version, hash, reason := cashDecode(prefix, payload, buf[:])
	if reason != "" {
		return decoded{}, strong("%s", reason)
	}
	var ns string
	switch version >> 3 {
	case 0, 2: // P2PKH; 2 is P2PKH that may hold CashTokens
		ns = "btc:p2pkh"
		if len(hash) != 20 {
			ns = "bch:p2pkh" + itoa(len(hash)*8)
		}
	case 1, 3: // P2SH; 3 is P2SH that may hold CashTokens
		ns = "btc:p2sh"
		if len(hash) != 20 {
			ns = "bch:p2sh" + itoa(len(hash)*8)
		}
	default:
		return decoded{}, strong("its CashAddr type %d is not a known address type", version>>3)
	}
	return decoded{
		format: "cashaddr", key: hexKey(ns, hash),
		addr:    "bitcoincash:" + lowerString(payload),
		primary: cBCH, chains: setOf(cBCH),
	}, nil
}
