package report

import (
	"strings"

	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/holiman/uint256"
)

// nativeSymbols names the native coin of the chains whose explorers
// Bulwark knows; any other chain's is "native".
var nativeSymbols = map[uint64]string{1: "ETH", 10: "ETH", 8453: "ETH", 42161: "ETH", 11155111: "ETH", 17000: "ETH"}

// explorers are the block explorers whose transaction pages are linked:
// base URL, the transaction's hash appended after "/tx/".
var explorers = map[uint64]string{
	1:        "https://etherscan.io",
	10:       "https://optimistic.etherscan.io",
	8453:     "https://basescan.org",
	42161:    "https://arbiscan.io",
	11155111: "https://sepolia.etherscan.io",
	17000:    "https://holesky.etherscan.io",
}

// ExplorerTx returns the page of transaction hash on chain's best-known
// block explorer, "" for a chain without one.
func ExplorerTx(chain uint64, hash string) string {
	base, ok := explorers[chain]
	if !ok {
		return ""
	}
	return base + "/tx/" + hash
}

// ExplorerAddress returns the page of address addr on chain's block
// explorer, "" for a chain without one.
func ExplorerAddress(chain uint64, addr string) string {
	base, ok := explorers[chain]
	if !ok {
		return ""
	}
	return base + "/address/" + addr
}

// HumanAmount writes amount (base units, decimal) of the asset with key
// asset for people: the native coin in whole coins with every digit kept
// ("1.5 ETH", "0.000000000000000001 ETH"), a token in its base units with
// its contract ("1000000 of erc20 0xdac1…1ec7"), since its decimals are not
// known here. An amount that is not a number is written as given.
func HumanAmount(asset, amount string) string {
	a, err := tracing.ParseAsset(asset)
	if err != nil {
		return amount + " " + asset
	}
	if a.Standard == tracing.Native {
		sym := nativeSymbols[a.Chain]
		if sym == "" {
			sym = "native"
		}
		return decimal(amount, 18) + " " + sym
	}
	c := strings.ToLower(a.Contract.Hex())
	short := c[:6] + "…" + c[len(c)-4:]
	switch a.Standard {
	case tracing.ERC721:
		return "erc721 " + short + " #" + a.TokenID.Dec()
	case tracing.ERC1155:
		return amount + " of erc1155 " + short + " #" + a.TokenID.Dec()
	}
	return amount + " of erc20 " + short
}

// decimal places the decimal point digits from the right of the base-unit
// amount s and drops trailing zeros: decimal("1500000000000000000", 18) =
// "1.5".
func decimal(s string, digits int) string {
	var v uint256.Int
	if err := v.SetFromDecimal(s); err != nil {
		return s
	}
	s = v.Dec()
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	whole, frac := s[:len(s)-digits], strings.TrimRight(s[len(s)-digits:], "0")
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}

// isZero reports whether the decimal amount s is zero (or empty).
func isZero(s string) bool { return strings.Trim(s, "0") == "" }

// add returns a + b, decimal strings; a string that is not a number counts
// as zero.
func add(a, b string) string {
	var x, y uint256.Int
	_ = x.SetFromDecimal(orZero(a))
	_ = y.SetFromDecimal(orZero(b))
	x.Add(&x, &y)
	return x.Dec()
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}
