package tracing

import (
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// Standard is the kind of an asset.
type Standard uint8

// Asset standards.
const (
	Native  Standard = iota + 1 // the chain's coin (ETH on Ethereum), in wei
	ERC20                       // a fungible token, by contract
	ERC721                      // one non-fungible token, by contract and token id
	ERC1155                     // one token id of a multi-token contract
)

var standardNames = [...]string{Native: "native", ERC20: "erc20", ERC721: "erc721", ERC1155: "erc1155"}

// String returns the standard's name as used in asset keys: native, erc20,
// erc721 or erc1155.
func (s Standard) String() string {
	if s >= Native && int(s) < len(standardNames) {
		return standardNames[s]
	}
	return "standard(" + strconv.Itoa(int(s)) + ")"
}

// Asset identifies what a transfer moves. It is comparable and can be a
// map key. Contract is zero for the native coin; TokenID is set for
// ERC-721 and ERC-1155 only, so each NFT and each multi-token id is an
// asset of its own.
type Asset struct {
	Chain    uint64
	Standard Standard
	Contract common.Address
	TokenID  uint256.Int
}

// NativeAsset returns the native coin of chain (ETH on chain 1).
func NativeAsset(chain uint64) Asset { return Asset{Chain: chain, Standard: Native} }

// TokenAsset returns the ERC-20 token at contract on chain.
func TokenAsset(chain uint64, contract common.Address) Asset {
	return Asset{Chain: chain, Standard: ERC20, Contract: contract}
}

// NFTAsset returns token id of the ERC-721 contract on chain.
func NFTAsset(chain uint64, contract common.Address, id *uint256.Int) Asset {
	return Asset{Chain: chain, Standard: ERC721, Contract: contract, TokenID: *id}
}

// MultiTokenAsset returns token id of the ERC-1155 contract on chain.
func MultiTokenAsset(chain uint64, contract common.Address, id *uint256.Int) Asset {
	return Asset{Chain: chain, Standard: ERC1155, Contract: contract, TokenID: *id}
}

// String returns the asset's key: "native:CHAIN", "erc20:CHAIN:CONTRACT",
// "erc721:CHAIN:CONTRACT:ID" or "erc1155:CHAIN:CONTRACT:ID", contract in
// lower-case hex and id in decimal. ParseAsset reads it back.
func (a Asset) String() string {
	var b strings.Builder
	b.WriteString(a.Standard.String())
	b.WriteByte(':')
	b.WriteString(strconv.FormatUint(a.Chain, 10))
	if a.Standard == Native {
		return b.String()
	}
	b.WriteByte(':')
	b.WriteString(strings.ToLower(a.Contract.Hex()))
	if a.Standard == ERC721 || a.Standard == ERC1155 {
		b.WriteByte(':')
		b.WriteString(a.TokenID.Dec())
	}
	return b.String()
}

// Validate reports an asset that cannot occur: an unknown standard, a
// native coin with a contract or id, a token without a contract, an
// ERC-20 with a token id, or chain 0.
func (a Asset) Validate() error {
	switch {
	case a.Chain == 0:
		return bulwark.Invalid("asset.chain", "chain id 0 is not a chain: give the chain's EIP-155 id (1 for Ethereum mainnet)")
	case a.Standard < Native || a.Standard > ERC1155:
		return bulwark.Invalid("asset.standard", "unknown asset standard %d: use native, erc20, erc721 or erc1155", int(a.Standard))
	case a.Standard == Native && (a.Contract != common.Address{} || !a.TokenID.IsZero()):
		return bulwark.Invalid("asset.contract", "the native coin has no contract or token id: leave them empty")
	case a.Standard != Native && a.Contract == common.Address{}:
		return bulwark.Invalid("asset.contract", "a %s asset needs its token contract's address", a.Standard)
	case a.Standard == ERC20 && !a.TokenID.IsZero():
		return bulwark.Invalid("asset.token_id", "an erc20 asset has no token id: use erc721 or erc1155 for token ids")
	}
	return nil
}

// ParseAsset reads an asset key as written by Asset.String.
func ParseAsset(s string) (Asset, error) {
	parts := strings.Split(s, ":")
	fail := func(format string, args ...any) (Asset, error) {
		return Asset{}, bulwark.Invalid("asset", "%q: "+format, append([]any{s}, args...)...)
	}
	var a Asset
	switch parts[0] {
	case "native":
		a.Standard = Native
	case "erc20":
		a.Standard = ERC20
	case "erc721":
		a.Standard = ERC721
	case "erc1155":
		a.Standard = ERC1155
	default:
		return fail("unknown standard %q: write native:CHAIN, erc20:CHAIN:CONTRACT, erc721:CHAIN:CONTRACT:ID or erc1155:CHAIN:CONTRACT:ID", parts[0])
	}
	want := map[Standard]int{Native: 2, ERC20: 3, ERC721: 4, ERC1155: 4}[a.Standard]
	if len(parts) != want {
		return fail("a %s asset has %d colon-separated parts, not %d", a.Standard, want, len(parts))
	}
	chain, err := strconv.ParseUint(parts[1], 10, 64)
	if err != nil {
		return fail("the chain id %q is not a decimal number", parts[1])
	}
	a.Chain = chain
	if want >= 3 {
		if !common.IsHexAddress(parts[2]) || !strings.HasPrefix(parts[2], "0x") {
			return fail("the contract %q is not a 0x-prefixed 20-byte hex address", parts[2])
		}
		a.Contract = common.HexToAddress(parts[2])
	}
	if want == 4 {
		if err := a.TokenID.SetFromDecimal(parts[3]); err != nil {
			return fail("the token id %q is not a decimal number below 2^256", parts[3])
		}
	}
	if err := a.Validate(); err != nil {
		return Asset{}, err
	}
	return a, nil
}

// WrappedNatives maps a chain id to its wrapped native token contract
// (WETH9 and its equivalents), whose Deposit and Withdrawal events are the
// wrap and unwrap transfers.
type WrappedNatives map[uint64]common.Address

// DefaultWrappedNatives returns the wrapped native tokens Bulwark knows:
// WETH9 on Ethereum mainnet, the OP Stack predeploy on OP Mainnet and Base,
// and WETH on Arbitrum One. Add a chain's (or a test network's) own by
// setting its entry.
func DefaultWrappedNatives() WrappedNatives {
	return WrappedNatives{
		1:     common.HexToAddress("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"),
		10:    common.HexToAddress("0x4200000000000000000000000000000000000006"),
		8453:  common.HexToAddress("0x4200000000000000000000000000000000000006"),
		42161: common.HexToAddress("0x82aF49447D8a07e3bd95BD0d56f35241523fBab1"),
	}
}

// Asset returns the wrapped native token of chain as an ERC-20 asset.
func (w WrappedNatives) Asset(chain uint64) (Asset, bool) {
	c, ok := w[chain]
	if !ok {
		return Asset{}, false
	}
	return TokenAsset(chain, c), true
}

// Is reports whether a is the wrapped native token of its chain.
func (w WrappedNatives) Is(a Asset) bool {
	c, ok := w[a.Chain]
	return ok && a.Standard == ERC20 && a.Contract == c
}
