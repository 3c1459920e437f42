package chainaddr

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
)

// MaxInputLen is the longest input, in bytes, that [Parse] looks at; no
// supported address comes near it.
const MaxInputLen = 256

// ErrUnsupportedCurrency is the cause (see errors.Is) of the error [Parse]
// returns for a hint it has no rules for. The caller then matches the
// address as written, keyed by [Opaque].
var ErrUnsupportedCurrency = errors.New("unsupported currency")

// ErrCurrencyMismatch is the cause of the error [Parse] returns for a valid
// address of another chain than the hint names (a TRON address filed under
// XBT). Lists do carry such slips; a list loader may then call Parse
// without the hint to index the address under the chain it belongs to.
var ErrCurrencyMismatch = errors.New("address of another currency")

// Parsed is a validated address.
type Parsed struct {
	// Input is the address as given, with surrounding white space trimmed.
	Input string
	// Address is the display form: EIP-55 checksummed for EVM, lower case
	// for Bech32 and CashAddr (with the "bitcoincash:" prefix), upper case
	// for base32 (Stellar, Algorand), and as written for base58.
	Address string
	// Chain is the chain or family the address was recognised as: "EVM",
	// "BTC", "BCH", "BSV", "LTC", "DOGE", "DASH", "BTG", "XVG", "DGB",
	// "KMD", "ZEC", "TRON", "XMR", "XRP", "SOL", "XLM", "ALGO", "SC", "LSK"
	// or "BNB" ([Opaque] sets the ticker instead).
	Chain string
	// Format is the encoding recognised: "eip55" or "hex" (EVM), "p2pkh",
	// "p2sh", "bech32", "bech32m", "cashaddr", "base58check" (TRON),
	// "zcash-sapling", "zcash-sprout", "monero-base58", "ripple-base58",
	// "xrp-x", "sol-base58", "strkey", "strkey-muxed", "algo-base32",
	// "lisk-legacy", or "opaque" from [Opaque].
	Format string
	// Key is the canonical lookup key: every spelling of the same account
	// on the same chain (letter case, legacy or CashAddr form, Monero
	// integrated or standard, an EVM address on any EVM chain) has the same
	// key. See the package documentation for the key of each format.
	Key string
}

// Parse validates input as a cryptocurrency address and returns its
// canonical key.
//
// hint is an optional currency ticker as users and lists write it (ETH,
// USDT, XBT, TRX, …; see [Tickers]); several may be joined with '/' or ','
// ("ETH/ARB/OP"), and the address must then fit one of them (unknown
// tickers among known ones are ignored). Without a hint
// the chain is detected from the address alone. A hint the address does
// not fit gives an error saying so and what the address looks like instead
// (its cause is [ErrCurrencyMismatch] when the address is valid for another
// chain); an unknown hint gives an error whose cause is
// [ErrUnsupportedCurrency].
//
// Every error is a *bulwark.Error with code EINVALID and field "address".
// Parse never panics, and allocates little: parsing an EVM address makes
// one allocation.
func Parse(input, hint string) (Parsed, error) {
	if len(input) > MaxInputLen {
		return Parsed{}, bulwark.Invalid("address", "the address is %d bytes long; no supported address is longer than %d, so check that only the address was pasted", len(input), MaxInputLen)
	}
	s := strings.TrimSpace(input)
	if s == "" {
		return Parsed{}, bulwark.Invalid("address", "the address is empty; paste the address to screen")
	}
	set, ticker, err := hintSet(hint)
	if err != nil {
		return Parsed{}, err
	}
	if f := checkChars(s); f != nil {
		return Parsed{}, invalid(s, ticker, f.msg)
	}
	d, f := decode(s)
	if f != nil {
		return Parsed{}, invalid(s, ticker, f.msg)
	}
	if ticker == "" {
		if d.hintOnly {
			return Parsed{}, bulwark.Invalid("address", "%s looks like %s; give its currency (for example %s) to have it checked", show(s), describe(d), hintExample(d))
		}
		return d.parsed(s, d.primary), nil
	}
	c, ok := pick(d, set)
	if !ok {
		e := bulwark.Invalid("address", "%s is not a valid %s address; it looks like %s. Check the currency, or that the right address was copied", show(s), ticker, describe(d))
		e.Err = ErrCurrencyMismatch
		return Parsed{}, e
	}
	return d.parsed(s, c), nil
}

// FoldKey returns a case-insensitive key for input: "fold:" and the trimmed
// input in lower case. It is a fallback index, so that an address written
// in the wrong letter case (an upper-cased base58 address, whose checksum
// then fails to parse) still meets a listed address. Its prefix does not
// depend on the chain.
func FoldKey(input string) string {
	return "fold:" + strings.ToLower(strings.TrimSpace(input))
}

// Opaque returns the fallback result for an address whose currency [Parse]
// does not support: Key is "raw:<TICKER>:<address as written>" (ticker
// upper-cased, both trimmed), so it matches only the identical string
// listed under the same ticker. Format is "opaque".
func Opaque(ticker, address string) Parsed {
	t := upperASCII(strings.TrimSpace(ticker))
	a := strings.TrimSpace(address)
	return Parsed{Input: a, Address: a, Chain: t, Format: "opaque", Key: "raw:" + t + ":" + a}
}

// decoded is what a decoder found: the key and display form do not depend
// on the chain, only on the encoding; chains says which chains may carry
// it, primary which one to name without a hint.
type decoded struct {
	format  string
	key     string
	addr    string
	primary chainID
	chains  chainSet
	// hintOnly marks spellings accepted only with a hint (40 hex digits
	// without 0x; TRON's 41… hex form; a short Lisk number).
	hintOnly bool
}

func (d decoded) parsed(input string, c chainID) Parsed {
	return Parsed{Input: input, Address: d.addr, Chain: chainNames[c], Format: d.format, Key: d.key}
}

// pick chooses the chain to report for d under a hint: the primary chain if
// the hint names it, else the first chain both share.
func pick(d decoded, set chainSet) (chainID, bool) {
	if set.has(d.primary) {
		return d.primary, true
	}
	both := d.chains & set
	for c := chainID(0); c < numChains; c++ {
		if both.has(c) {
			return c, true
		}
	}
	return 0, false
}

// describe says what d is, for error messages: "a TRON address
// (base58check)".
func describe(d decoded) string {
	name := chainNames[d.primary]
	if d.primary == cEVM {
		name = "an EVM"
	} else {
		name = "a " + name
	}
	return name + " address (" + d.format + ")"
}

func hintExample(d decoded) string {
	if d.primary == cEVM {
		return "ETH"
	}
	if d.primary == cTRON {
		return "TRX"
	}
	return chainNames[d.primary]
}

// maxHintLen bounds the hint: the longest joined list of tickers a list
// writes ("ETH/ARB/OP/POLYGON") is far shorter.
const maxHintLen = 64

// hintSet resolves a hint to the chains it allows; tickers it does not know
// in a joined hint are ignored as long as one is known. ticker is the hint
// upper-cased for messages, "" when there is none.
func hintSet(hint string) (set chainSet, ticker string, err error) {
	hint = strings.TrimSpace(hint)
	if hint == "" {
		return allChains, "", nil
	}
	if len(hint) > maxHintLen {
		e := bulwark.Invalid("address", "the currency is %d bytes long; give a ticker such as ETH, XBT or USDT", len(hint))
		e.Err = ErrUnsupportedCurrency
		return 0, "", e
	}
	ticker = upperASCII(hint)
	unknown := ""
	rest := ticker
	for rest != "" {
		part := rest
		rest = ""
		for i := 0; i < len(part); i++ {
			if part[i] == '/' || part[i] == ',' {
				part, rest = part[:i], part[i+1:]
				break
			}
		}
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		cs, ok := tickers[part]
		if !ok {
			if unknown == "" {
				unknown = part
			}
			continue
		}
		set |= cs
	}
	if set == 0 {
		if unknown == "" {
			return allChains, "", nil // only separators
		}
		e := bulwark.Invalid("address", "currency %q is not supported for address validation (supported: %s); the address can only be matched exactly as written", unknown, supportedSummary)
		e.Err = ErrUnsupportedCurrency
		return 0, "", e
	}
	return set, ticker, nil
}

var supportedSummary = func() string {
	var b strings.Builder
	for c := cBTC; c < numChains; c++ {
		b.WriteString(chainNames[c])
		if c == cTRON {
			b.WriteString(" (TRX)")
		}
		b.WriteString(", ")
	}
	b.WriteString("XBT, USDT, USDC, and EVM chains such as ETH, ETC, ARB, BSC, MATIC, AVAX, OP and BASE")
	return b.String()
}()

func invalid(s, ticker, reason string) error {
	if ticker == "" {
		return bulwark.Invalid("address", "%s is not a valid address; %s", show(s), reason)
	}
	return bulwark.Invalid("address", "%s is not a valid %s address; %s", show(s), ticker, reason)
}

// show abbreviates a long input for messages.
func show(s string) string {
	if len(s) <= 64 {
		return s
	}
	return s[:24] + "…" + s[len(s)-8:]
}

// checkChars rejects characters no address uses: non-ASCII (often a
// look-alike letter), control characters and inner spaces.
func checkChars(s string) *failure {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, _ := utf8.DecodeRuneInString(s[i:])
			pos := utf8.RuneCountInString(s[:i]) + 1
			return strong("character %q at position %d is not ASCII; addresses are plain ASCII, so retype it (look-alike letters from another alphabet, such as Cyrillic, are a common cause)", r, pos)
		}
		if c <= ' ' || c == 0x7f {
			return strong("it contains a space or control character at position %d; paste the address alone", i+1)
		}
	}
	return nil
}

// isBech32HRP reports whether hrp is a Bech32 prefix some decoder handles.
func isBech32HRP(hrp string) bool {
	switch lowerString(hrp) {
	case "bc", "ltc", "btg", "dgb", "zs", "bnb", "tb", "bcrt", "tltc", "tbtg", "dgbt", "ztestsapling":
		return true
	}
	return false
}

// decode recognises s by its shape and decodes it. Shapes are tried from
// the most to the least specific; the first success wins, and when all
// fail the first strong failure (or else the first weak one) is the
// reason given.
func decode(s string) (decoded, *failure) {
	// EVM: 0x and 40 hex digits.
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return decodeEVM(s[2:], false)
	}
	// CashAddr with its prefix.
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return decodeCashAddr(s, lowerString(s[:i]), s[i+1:])
	}
	if isHexString(s) {
		switch {
		case len(s) == 40:
			return decodeEVM(s, true)
		case len(s) == 42 && s[0] == '4' && s[1] == '1':
			return decodeTronHex(s)
		case len(s) == 64:
			return decoded{}, strong("it is 64 hex digits, which is a transaction hash or a key, not an address")
		case len(s) == 76:
			return decodeSia(s)
		}
	}
	if isLisk(s) {
		return decodeLisk(s)
	}
	var first *failure
	note := func(f *failure) {
		if first == nil || f.strong && !first.strong {
			first = f
		}
	}
	if sep := strings.LastIndexByte(s, '1'); sep > 0 && isBech32HRP(s[:sep]) {
		d, f := decodeBech32Addr(s)
		if f == nil {
			return d, nil
		}
		note(f)
	}
	if (len(s) == 42 || len(s) == 61) && strings.IndexByte("qprzQPRZ", s[0]) >= 0 && isBech32Charset(s) {
		d, f := decodeCashAddr(s, "bitcoincash", s)
		if f == nil {
			return d, nil
		}
		note(f)
	}
	if len(s) == 95 || len(s) == 106 {
		d, f := decodeMonero(s)
		if f == nil {
			return d, nil
		}
		note(f)
	}
	if s[0] == 'r' && len(s) >= 25 && len(s) <= 35 {
		d, f := decodeXRP(s)
		if f == nil {
			return d, nil
		}
		note(f)
	}
	if s[0] == 'X' && len(s) == 47 {
		d, f := decodeXRPX(s)
		if f == nil {
			return d, nil
		}
		note(f)
	}
	if (len(s) == 56 && (s[0] == 'G' || s[0] == 'g')) || (len(s) == 69 && (s[0] == 'M' || s[0] == 'm')) {
		d, f := decodeXLM(s)
		if f == nil {
			return d, nil
		}
		note(f)
	}
	if len(s) == 58 {
		d, f := decodeAlgo(s)
		if f == nil {
			return d, nil
		}
		note(f)
	}
	d, f := decodeBase58Check(s)
	if f == nil {
		return d, nil
	}
	note(f)
	if !first.strong {
		return decoded{}, weak("it does not look like an address of any supported chain (%s)", first.msg)
	}
	return decoded{}, first
}
