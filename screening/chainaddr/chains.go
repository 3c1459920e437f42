package chainaddr

import (
	"sort"
	"strings"
)

// chainID names a chain (or chain family, for EVM) that an address can be
// recognised as.
type chainID uint8

const (
	cEVM chainID = iota
	cBTC
	cBCH
	cBSV
	cLTC
	cDOGE
	cDASH
	cBTG
	cXVG
	cDGB
	cKMD
	cZEC
	cTRON
	cXMR
	cXRP
	cSOL
	cXLM
	cALGO
	cSC
	cLSK
	cBNB
	numChains
)

// chainNames are the values of [Parsed.Chain].
var chainNames = [numChains]string{
	cEVM: "EVM", cBTC: "BTC", cBCH: "BCH", cBSV: "BSV", cLTC: "LTC",
	cDOGE: "DOGE", cDASH: "DASH", cBTG: "BTG", cXVG: "XVG", cDGB: "DGB",
	cKMD: "KMD", cZEC: "ZEC", cTRON: "TRON", cXMR: "XMR", cXRP: "XRP",
	cSOL: "SOL", cXLM: "XLM", cALGO: "ALGO", cSC: "SC", cLSK: "LSK",
	cBNB: "BNB",
}

// chainSet is a set of chains; bit i stands for chainID i.
type chainSet uint32

func setOf(cs ...chainID) chainSet {
	var s chainSet
	for _, c := range cs {
		s |= 1 << c
	}
	return s
}

func (s chainSet) has(c chainID) bool { return s&(1<<c) != 0 }

// allChains is the set used without a hint.
const allChains = chainSet(1<<numChains - 1)

// evmTickers are the tickers whose addresses are plain 20-byte EVM accounts:
// one key serves them all, so an address listed under ETH matches the same
// account on Arbitrum, BSC, Polygon and the rest.
var evmTickers = []string{
	"ETH", "ETHEREUM", "ERC20", "ETC", "ARB", "ARBITRUM", "BSC", "BEP20",
	"MATIC", "POL", "POLYGON", "AVAX", "AVAXC", "OP", "OPTIMISM", "BASE",
	"FTM", "FANTOM", "GNO", "XDAI", "CELO", "LINEA", "ZKSYNC", "SCROLL",
	"BLAST", "MNT", "MANTLE", "DAI", "BUSD", "WETH", "EVM",
}

// tickers maps an upper-case ticker (as lists and users write them) to the
// chains whose addresses it may carry.
var tickers = func() map[string]chainSet {
	m := map[string]chainSet{
		"BTC": setOf(cBTC), "XBT": setOf(cBTC), "BITCOIN": setOf(cBTC),
		"OMNI": setOf(cBTC),
		"BCH":  setOf(cBCH), "BCHN": setOf(cBCH), "BITCOINCASH": setOf(cBCH),
		"BSV": setOf(cBSV),
		"LTC": setOf(cLTC), "LITECOIN": setOf(cLTC),
		"DOGE": setOf(cDOGE), "XDG": setOf(cDOGE), "DOGECOIN": setOf(cDOGE),
		"DASH": setOf(cDASH),
		"BTG":  setOf(cBTG),
		"XVG":  setOf(cXVG), "VERGE": setOf(cXVG),
		"DGB": setOf(cDGB), "DIGIBYTE": setOf(cDGB),
		"KMD": setOf(cKMD), "KOMODO": setOf(cKMD),
		"ZEC": setOf(cZEC), "ZCASH": setOf(cZEC),
		"TRX": setOf(cTRON), "TRON": setOf(cTRON), "TRC20": setOf(cTRON),
		"XMR": setOf(cXMR), "MONERO": setOf(cXMR),
		"XRP": setOf(cXRP), "RIPPLE": setOf(cXRP),
		"SOL": setOf(cSOL), "SOLANA": setOf(cSOL), "SPL": setOf(cSOL),
		"XLM": setOf(cXLM), "STELLAR": setOf(cXLM),
		"ALGO": setOf(cALGO), "ALGORAND": setOf(cALGO),
		"SC": setOf(cSC), "SIA": setOf(cSC),
		"LSK": setOf(cLSK), "LISK": setOf(cLSK),
		// BNB: BNB Beacon Chain (bnb1…) or BNB Smart Chain (0x…).
		"BNB": setOf(cBNB, cEVM),
		// Multi-chain stablecoins: ERC-20 and other EVM chains, TRC-20,
		// Omni on Bitcoin (USDT) and SPL on Solana.
		"USDT": setOf(cEVM, cTRON, cBTC, cSOL),
		"USDC": setOf(cEVM, cTRON, cSOL),
	}
	for _, t := range evmTickers {
		m[t] = setOf(cEVM)
	}
	return m
}()

// Tickers lists, sorted, the currency tickers [Parse] accepts as hints.
// Several may name one chain (XBT and BTC; TRX and TRON), and every EVM
// ticker shares the EVM keys.
func Tickers() []string {
	out := make([]string, 0, len(tickers))
	for t := range tickers {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// upperASCII upper-cases ASCII letters, returning s itself when it has none
// in lower case.
func upperASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			return strings.ToUpper(s)
		}
	}
	return s
}
