package chainaddr

import (
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/race"
)

// genCase is one generated address with the key and chain Parse must give.
type genCase struct {
	addr, hint, key, chain string
}

// b58Expect is the key namespace and the chains (first = reported without
// a hint) of each mainnet base58check version, written out here apart from
// the package's table.
var b58Expect = []struct {
	ver    uint16
	hash   int
	ns     string
	chains []string // hint tickers; the first one's chain is the unhinted one
	names  []string // Parsed.Chain for each hint
}{
	{0x00, 20, "btc:p2pkh", []string{"BTC", "XBT", "BCH", "BSV", "USDT"}, []string{"BTC", "BTC", "BCH", "BSV", "BTC"}},
	{0x05, 20, "btc:p2sh", []string{"BTC", "BCH", "BSV", "LTC", "DGB", "OMNI"}, []string{"BTC", "BCH", "BSV", "LTC", "DGB", "BTC"}},
	{0x30, 20, "ltc:p2pkh", []string{"LTC"}, []string{"LTC"}},
	{0x32, 20, "btc:p2sh", []string{"LTC"}, []string{"LTC"}},
	{0x1e, 20, "doge:p2pkh", []string{"DOGE", "XVG", "DGB"}, []string{"DOGE", "XVG", "DGB"}},
	{0x16, 20, "doge:p2sh", []string{"DOGE"}, []string{"DOGE"}},
	{0x21, 20, "xvg:p2sh", []string{"XVG"}, []string{"XVG"}},
	{0x3f, 20, "btc:p2sh", []string{"DGB"}, []string{"DGB"}},
	{0x4c, 20, "dash:p2pkh", []string{"DASH"}, []string{"DASH"}},
	{0x10, 20, "dash:p2sh", []string{"DASH"}, []string{"DASH"}},
	{0x26, 20, "btg:p2pkh", []string{"BTG"}, []string{"BTG"}},
	{0x17, 20, "btg:p2sh", []string{"BTG"}, []string{"BTG"}},
	{0x3c, 20, "kmd:p2pkh", []string{"KMD"}, []string{"KMD"}},
	{0x55, 20, "kmd:p2sh", []string{"KMD"}, []string{"KMD"}},
	{0x41, 20, "tron", []string{"TRX", "USDT", "USDC", "TRON"}, []string{"TRON", "TRON", "TRON", "TRON"}},
	{0x1cb8, 20, "zec:p2pkh", []string{"ZEC"}, []string{"ZEC"}},
	{0x1cbd, 20, "zec:p2sh", []string{"ZEC"}, []string{"ZEC"}},
	{0x169a, 64, "zec:sprout", []string{"ZEC"}, []string{"ZEC"}},
}

var evmHints = []string{"", "ETH", "ETC", "ARB", "BSC", "MATIC", "POL", "AVAX", "OP", "BASE", "USDT", "USDC", "BNB", "eth"}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	// Leading zero bytes exercise base58's '1' prefix.
	if n > 0 && r.IntN(16) == 0 {
		b[0] = 0
		if n > 1 && r.IntN(2) == 0 {
			b[1] = 0
		}
	}
	return b
}

func pickHint(r *rand.Rand, hints, names []string) (hint, chain string) {
	i := r.IntN(len(hints) + 1)
	if i == len(hints) {
		return "", names[0]
	}
	return hints[i], names[i]
}

// generators make one random valid address each, covering every format.
var generators = []func(r *rand.Rand) genCase{
	func(r *rand.Rand) genCase { // EVM, in all three spellings
		b := randBytes(r, 20)
		h := hex.EncodeToString(b)
		var a string
		switch r.IntN(3) {
		case 0:
			a = "0x" + h
		case 1:
			a = "0x" + strings.ToUpper(h)
		default:
			a = eip55(b)
		}
		return genCase{a, evmHints[r.IntN(len(evmHints))], "evm:" + h, "EVM"}
	},
	func(r *rand.Rand) genCase { // base58check, every version
		v := b58Expect[r.IntN(len(b58Expect))]
		b := randBytes(r, v.hash)
		hint, chain := pickHint(r, v.chains, v.names)
		if hint == "" {
			chain = v.names[0]
		}
		return genCase{b58check(v.ver, b), hint, v.ns + ":" + hex.EncodeToString(b), chain}
	},
	func(r *rand.Rand) genCase { // segwit v0..v16
		hrps := []struct{ hrp, ns, chain string }{{"bc", "btc", "BTC"}, {"ltc", "ltc", "LTC"}, {"btg", "btg", "BTG"}, {"dgb", "dgb", "DGB"}}
		h := hrps[r.IntN(len(hrps))]
		v := r.IntN(17)
		n := 2 + r.IntN(39)
		if v == 0 {
			n = []int{20, 32}[r.IntN(2)]
		}
		prog := randBytes(r, n)
		a := segwitEncode(h.hrp, v, prog)
		if r.IntN(3) == 0 {
			a = strings.ToUpper(a)
		}
		hint := ""
		if r.IntN(2) == 0 {
			hint = h.chain
		}
		return genCase{a, hint, h.ns + ":wit" + strconv.Itoa(v) + ":" + hex.EncodeToString(prog), h.chain}
	},
	func(r *rand.Rand) genCase { // CashAddr, with and without prefix, every type
		typ := r.IntN(4)
		size := 20
		if r.IntN(4) == 0 {
			size = []int{24, 28, 32, 40, 48, 56, 64}[r.IntN(7)]
		}
		h := randBytes(r, size)
		bare := (size == 20 || size == 32) && r.IntN(2) == 0
		a := cashEncode("bitcoincash", typ, h, bare)
		if r.IntN(3) == 0 {
			a = strings.ToUpper(a)
		}
		kind := []string{"p2pkh", "p2sh"}[typ%2]
		ns := "btc:" + kind
		if size != 20 {
			ns = "bch:" + kind + strconv.Itoa(size*8)
		}
		hint := ""
		if r.IntN(2) == 0 {
			hint = "BCH"
		}
		return genCase{a, hint, ns + ":" + hex.EncodeToString(h), "BCH"}
	},
	func(r *rand.Rand) genCase { // Monero standard, subaddress, integrated
		keys := randBytes(r, 64)
		net := []byte{0x12, 0x2a, 0x13}[r.IntN(3)]
		body := keys
		if net == 0x13 {
			body = append(append([]byte{}, keys...), randBytes(r, 8)...)
		}
		return genCase{moneroAddr(net, body), []string{"", "XMR"}[r.IntN(2)], "xmr:" + hex.EncodeToString(keys), "XMR"}
	},
	func(r *rand.Rand) genCase { // XRP classic and X-address
		acct := randBytes(r, 20)
		a := rippleCheck(append([]byte{0}, acct...))
		if r.IntN(2) == 0 {
			x := append([]byte{0x05, 0x44}, acct...)
			if r.IntN(2) == 0 {
				x = append(x, 0, 0, 0, 0, 0, 0, 0, 0, 0)
			} else {
				t := r.Uint32()
				x = append(x, 1, byte(t), byte(t>>8), byte(t>>16), byte(t>>24), 0, 0, 0, 0)
			}
			a = rippleCheck(x)
		}
		return genCase{a, []string{"", "XRP"}[r.IntN(2)], "xrp:" + hex.EncodeToString(acct), "XRP"}
	},
	func(r *rand.Rand) genCase { // Solana
		b := randBytes(r, 32)
		return genCase{base58Encode(b, btcAlphabet), []string{"", "SOL", "USDT", "USDC"}[r.IntN(4)], "sol:" + hex.EncodeToString(b), "SOL"}
	},
	func(r *rand.Rand) genCase { // Stellar G and muxed M
		k := randBytes(r, 32)
		a := stellarEncode(6<<3, k)
		if r.IntN(3) == 0 {
			a = stellarEncode(12<<3, append(append([]byte{}, k...), randBytes(r, 8)...))
		}
		return genCase{a, []string{"", "XLM"}[r.IntN(2)], "xlm:" + hex.EncodeToString(k), "XLM"}
	},
	func(r *rand.Rand) genCase { // Algorand
		k := randBytes(r, 32)
		return genCase{algoEncode(k), []string{"", "ALGO"}[r.IntN(2)], "algo:" + hex.EncodeToString(k), "ALGO"}
	},
	func(r *rand.Rand) genCase { // Siacoin
		h := randBytes(r, 32)
		return genCase{siaEncode(h), []string{"", "SC"}[r.IntN(2)], "sc:" + hex.EncodeToString(h), "SC"}
	},
	func(r *rand.Rand) genCase { // Zcash Sapling
		b := randBytes(r, 43)
		return genCase{bech32Encode("zs", to5(b), variantBech32), []string{"", "ZEC"}[r.IntN(2)], "zec:sapling:" + hex.EncodeToString(b), "ZEC"}
	},
	func(r *rand.Rand) genCase { // BNB Beacon Chain
		b := randBytes(r, 20)
		return genCase{bech32Encode("bnb", to5(b), variantBech32), []string{"", "BNB"}[r.IntN(2)], "bnb:" + hex.EncodeToString(b), "BNB"}
	},
	func(r *rand.Rand) genCase { // Lisk legacy
		n := r.Uint64() >> r.IntN(64)
		s := strconv.FormatUint(n, 10)
		hint := []string{"", "LSK"}[r.IntN(2)]
		if len(s) < 12 {
			hint = "LSK" // short numbers are Lisk only with the hint
		}
		return genCase{s + "L", hint, "lsk:" + s, "LSK"}
	},
	func(r *rand.Rand) genCase { // TRON hex form (hint required)
		b := randBytes(r, 20)
		return genCase{"41" + hex.EncodeToString(b), "TRX", "tron:" + hex.EncodeToString(b), "TRON"}
	},
}

// TestCorpusRoundTrip100k generates 100,000 random valid addresses across every
// format and checks each parses to the expected key and chain, and that its
// display form parses to the same key.
func TestCorpusRoundTrip100k(t *testing.T) {
	race.Corpus(t)
	t.Parallel()
	const n = 100_000
	r := rand.New(rand.NewPCG(20240921, 55))
	fails := 0
	for i := 0; i < n && fails < 20; i++ {
		c := generators[i%len(generators)](r)
		p, err := Parse(c.addr, c.hint)
		if err != nil {
			t.Errorf("#%d Parse(%q, %q): %v", i, c.addr, c.hint, err)
			fails++
			continue
		}
		if p.Key != c.key || p.Chain != c.chain {
			t.Errorf("#%d Parse(%q, %q) = %s %s, want %s %s", i, c.addr, c.hint, p.Chain, p.Key, c.chain, c.key)
			fails++
			continue
		}
		if q, err := Parse(p.Address, c.hint); err != nil || q.Key != p.Key {
			t.Errorf("#%d Parse(Address %q) = %q, %v; want %q", i, p.Address, q.Key, err, p.Key)
			fails++
		}
	}
}
