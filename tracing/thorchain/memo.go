package thorchain

import (
	"strings"
	"unicode/utf8"
)

// Memo is what a THORChain memo says about where value goes.
type Memo struct {
	// Raw is the memo as sent.
	Raw string
	// Action is the memo's function, normalised: "swap", "loan-open",
	// "add", "withdraw", or the first field lower-cased for others.
	Action string
	// Asset is the target asset as written, short codes expanded ("b" is
	// BTC.BTC, "BTC" is BTC.BTC).
	Asset string
	// Chain is the chain the value leaves to: the target asset's chain
	// for a layer-1 asset, THOR for a synthetic (BTC/BTC), trade (BTC~BTC)
	// or secured (BTC-BTC) asset held on THORChain itself; "" when the
	// memo names no asset.
	Chain string
	// Dest is the destination address (or THORName) as written, without
	// a refund address that follows it after '/'; "" when the memo names
	// none.
	Dest string
}

// shortCodes are THORChain's one- and two-letter asset codes.
var shortCodes = map[string]string{
	"r": "THOR.RUNE", "b": "BTC.BTC", "e": "ETH.ETH", "n": "BNB.BNB", "g": "GAIA.ATOM",
	"d": "DOGE.DOGE", "l": "LTC.LTC", "c": "BCH.BCH", "a": "AVAX.AVAX", "s": "BSC.BNB",
	"f": "BASE.ETH", "tr": "TRON.TRX", "x": "XRP.XRP", "o": "SOL.SOL",
}

// actions maps memo functions (and their short forms) to Memo.Action;
// those that name a destination are swap and loan-open.
var actions = map[string]string{
	"swap": "swap", "s": "swap", "=": "swap",
	"$+": "loan-open", "loan+": "loan-open",
	"add": "add", "a": "add", "+": "add",
	"withdraw": "withdraw", "wd": "withdraw", "-": "withdraw",
}

// ParseMemo reads a THORChain memo: "SWAP:ASSET:DEST[:LIMIT…]" and its
// short forms "=:ASSET:DEST…" and "s:ASSET:DEST…", and loan opens
// "$+:ASSET:DEST…". ASSET is CHAIN.SYMBOL (CHAIN/SYMBOL synthetic,
// CHAIN~SYMBOL trade, CHAIN-SYMBOL secured), a bare gas-asset chain
// ("BTC") or a short code ("b"); DEST may be followed by "/REFUND". It
// reports false for text that is not a memo of a known function.
func ParseMemo(s string) (Memo, bool) {
	s = strings.TrimSpace(strings.TrimRight(s, "\x00"))
	if s == "" || len(s) > 1024 || !utf8.ValidString(s) {
		return Memo{}, false
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return Memo{}, false
		}
	}
	parts := strings.Split(s, ":")
	action, ok := actions[strings.ToLower(parts[0])]
	if !ok || len(parts) < 2 {
		return Memo{}, false
	}
	m := Memo{Raw: s, Action: action}
	if action != "swap" && action != "loan-open" {
		return m, true
	}
	asset := strings.TrimSpace(parts[1])
	if full, ok := shortCodes[strings.ToLower(asset)]; ok {
		asset = full
	}
	if asset == "" {
		return Memo{}, false
	}
	chain, sep := asset, byte(0)
	if i := strings.IndexAny(asset, "./~-"); i >= 0 {
		chain, sep = asset[:i], asset[i]
	} else {
		asset = strings.ToUpper(asset) + "." + strings.ToUpper(asset)
	}
	chain = strings.ToUpper(chain)
	if chain == "" || !isChain(chain) {
		return Memo{}, false
	}
	switch sep {
	case '/', '~', '-':
		chain = "THOR"
	}
	m.Asset, m.Chain = asset, chain
	if len(parts) > 2 {
		dest := strings.TrimSpace(parts[2])
		if i := strings.IndexByte(dest, '/'); i >= 0 {
			dest = dest[:i]
		}
		m.Dest = dest
	}
	return m, true
}

// isChain reports whether s looks like a THORChain chain name: 2 to 8
// upper-case letters or digits.
func isChain(s string) bool {
	if len(s) < 2 || len(s) > 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
