// Package chainaddr parses and validates cryptocurrency addresses and maps
// each to a canonical lookup key, so that address screening can be an exact
// hash lookup.
//
// # Keys
//
// A key names the account, not the spelling: letter case, legacy or newer
// encodings of the same hash, and the EVM chain an address was filed under
// all collapse to one key. Distinct chains keep distinct keys even when
// their bytes coincide (a TRON account's 20 bytes equal an EVM address's,
// yet "tron:…" never meets "evm:…").
//
//	format                         key
//	EVM (0x + 40 hex)              evm:<40 lower hex>               every EVM ticker
//	base58check p2pkh / p2sh       <ns>:p2pkh:<hash160> / <ns>:p2sh:<hash160>
//	segwit (BIP-173/350)           <ns>:wit<v>:<program hex>        ns: btc, ltc, btg, dgb
//	CashAddr P2PKH / P2SH          btc:p2pkh:… / btc:p2sh:…         = legacy BCH form
//	TRON (T…, or 41+hex w/ hint)   tron:<20-byte hex>
//	Zcash t1 / t3 / zc / zs        zec:p2pkh / zec:p2sh / zec:sprout / zec:sapling
//	Monero (standard, sub, integ.) xmr:<spend key + view key hex>   integrated meets standard
//	XRP (r… and X-address)         xrp:<account ID hex>             the X-address tag is dropped
//	Solana                         sol:<32-byte hex>
//	Stellar (G…, muxed M…)         xlm:<ed25519 key hex>
//	Algorand, Siacoin              algo:<key hex>, sc:<unlock hash hex>
//	Lisk (legacy 123…L)            lsk:<decimal>                    fewer than 12 digits: hint needed
//	BNB Beacon (bnb1…)             bnb:<20-byte hex>
//	unsupported currency           raw:<TICKER>:<as written>        from Opaque
//
// Base58check namespaces follow the version byte, not the ticker: a version
// byte shared by several chains yields one key whichever chain a list filed
// the address under. 0x00 ("1…") is btc:p2pkh for BTC, BCH and BSV; 0x05
// ("3…") is btc:p2sh for BTC, BCH, BSV and also LTC and DGB, which accept
// it; and because Litecoin's 0x32 ("M…") and DigiByte's 0x3f are the same
// script hashes re-spelt, they key as btc:p2sh too. 0x1e ("D…") is
// doge:p2pkh for DOGE, XVG and DGB. Without a hint the first chain of the
// group is reported (BTC, DOGE), with a hint the hinted one.
//
// # Supported chains
//
//	chain  tickers (hints)                 formats
//	EVM    ETH ETC ARB BSC MATIC POL AVAX  0x + 40 hex: EIP-55 if mixed case
//	       OP BASE FTM … (see Tickers)
//	BTC    BTC XBT                         p2pkh 0x00, p2sh 0x05, bc1 segwit v0 (bech32), v1+ (bech32m)
//	BCH    BCH                             legacy 0x00/0x05, CashAddr (prefix optional; token-aware types too)
//	BSV    BSV                             legacy 0x00/0x05
//	LTC    LTC                             0x30 (L), 0x32 (M), 0x05 (3), ltc1 segwit
//	DOGE   DOGE                            0x1e (D), 0x16 (9/A)
//	DASH   DASH                            0x4c (X), 0x10 (7)
//	BTG    BTG                             0x26 (G), 0x17 (A), btg1 segwit
//	XVG    XVG                             0x1e (D), 0x21 (E)
//	DGB    DGB                             0x1e (D), 0x3f (S), 0x05 (3), dgb1 segwit
//	KMD    KMD                             0x3c (R), 0x55 (b)
//	ZEC    ZEC                             t1 0x1cb8, t3 0x1cbd, zc 0x169a (Sprout), zs1 (Sapling, 43 bytes)
//	TRON   TRX TRON                        base58check 0x41 (T…); hex 41… with a hint
//	XMR    XMR                             Monero base58, network 0x12 / 0x2a / 0x13, Keccak checksum
//	XRP    XRP                             Ripple base58 r…, X-addresses
//	SOL    SOL                             base58 of 32 bytes (no checksum)
//	XLM    XLM                             StrKey G… and muxed M…
//	ALGO   ALGO                            base32 key + SHA-512/256 checksum
//	SC     SC                              76 hex digits (BLAKE2b checksum)
//	LSK    LSK                             legacy numeric …L
//	BNB    BNB                             bnb1 Bech32 (Beacon Chain), 0x… (BNB Smart Chain, as EVM)
//
// USDT may be EVM, TRON, Omni (Bitcoin) or Solana; USDC EVM, TRON or Solana.
// Testnet addresses are recognised and rejected: Bulwark screens mainnet.
// An EVM address's Format is "eip55" when it was written in checksummed
// mixed case and "hex" when in one case; its Address is always EIP-55.
//
// Keys drop what names a customer of an account rather than an account: the
// destination tag of an XRP X-address, the payment ID of a Monero integrated
// address, the ID of a Stellar muxed account. So a listed account matches
// however it is paid; the flip side is that a listed exchange deposit
// address of that kind matches the exchange's whole account.
//
// # Errors and fallbacks
//
// Every error is a *bulwark.Error (EINVALID, field "address") whose message
// says what is wrong and how to fix it. Two causes can be told apart with
// errors.Is: [ErrUnsupportedCurrency] (the hint names no supported chain:
// index the address with [Opaque], which matches it exactly as written) and
// [ErrCurrencyMismatch] (the address is valid, but for another chain than
// the hint: lists carry such slips, and a loader may parse it again without
// the hint). [FoldKey] gives a chain-independent, case-insensitive key as a
// last resort for addresses that do not parse, such as an upper-cased
// base58 address whose checksum then fails.
package chainaddr
