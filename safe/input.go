package safe

import (
	"encoding/hex"
	"math/big"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
)

// MaxUint256 is 2^256-1, the largest value of a uint256 field.
var MaxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// ParseAddress parses a 0x-prefixed 20-byte address. All-lower-case and
// all-upper-case hex are taken as they are; mixed case must pass the EIP-55
// checksum, because a mixed-case address that fails it is most likely a
// typo or a doctored copy. Errors name field (e.g. "--to").
func ParseAddress(field, s string) (common.Address, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return common.Address{}, bulwark.Invalid(field, "required: a 0x-prefixed address of 40 hex digits")
	}
	digits, ok := strings.CutPrefix(s, "0x")
	if !ok {
		return common.Address{}, bulwark.Invalid(field, "%s is not an address: it must start with 0x followed by 40 hex digits", Quote(s))
	}
	if i := nonHex(digits); i >= 0 {
		return common.Address{}, bulwark.Invalid(field, "%s is not an address: %s at position %d is not a hex digit", Quote(s), Quote(string(digits[i])), i+2)
	}
	if len(digits) != 2*common.AddressLength {
		return common.Address{}, bulwark.Invalid(field, "%s is not an address: it has %d hex digits, an address has 40", Quote(s), len(digits))
	}
	var a common.Address
	if _, err := hex.Decode(a[:], []byte(digits)); err != nil { // unreachable after nonHex
		return common.Address{}, bulwark.Invalid(field, "%s is not an address", Quote(s))
	}
	if hasLower(digits) && hasUpper(digits) && a.Hex()[2:] != digits {
		return common.Address{}, bulwark.Invalid(field, "mixed-case address fails its EIP-55 checksum; check for a typo or pass it all lower-case")
	}
	return a, nil
}

// ParseAddressList parses comma-separated addresses (several Safes to
// watch or audit), each as ParseAddress does. An empty item and an address
// given twice are refused: the output follows what was meant, never a
// silent dedupe. Errors name field.
func ParseAddressList(field, s string) ([]common.Address, error) {
	var out []common.Address
	seen := map[common.Address]bool{}
	for part := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(part) == "" {
			return nil, bulwark.Invalid(field, "empty address in %s", Quote(s))
		}
		a, err := ParseAddress(field, part)
		if err != nil {
			return nil, err
		}
		if seen[a] {
			return nil, bulwark.Invalid(field, "%s is listed twice; give each Safe once", a.Hex())
		}
		seen[a] = true
		out = append(out, a)
	}
	return out, nil
}

// ParseBlockNumber parses a block number: a decimal integer, 0 or more.
// Errors name field.
func ParseBlockNumber(field, s string) (uint64, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, bulwark.Invalid(field, "%s is not a block number (a decimal integer, 0 or more)", Quote(s))
	}
	return n, nil
}

// ParseHex parses 0x-prefixed hex bytes such as calldata or signatures.
// "0x" is empty data, which hashes differently from "0x00" (one zero byte).
// Errors name field (e.g. "--data").
func ParseHex(field, s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, bulwark.Invalid(field, "empty: give 0x-prefixed hex, or 0x for no bytes")
	}
	digits, ok := strings.CutPrefix(s, "0x")
	if !ok {
		return nil, bulwark.Invalid(field, "%s is not 0x-prefixed hex (write 0x for no bytes)", Quote(s))
	}
	if i := nonHex(digits); i >= 0 {
		return nil, bulwark.Invalid(field, "%s at position %d is not a hex digit", Quote(string(digits[i])), i+2)
	}
	if len(digits)%2 != 0 {
		return nil, bulwark.Invalid(field, "odd number of hex digits (%d): every byte is two digits", len(digits))
	}
	out := make([]byte, len(digits)/2)
	if _, err := hex.Decode(out, []byte(digits)); err != nil { // unreachable after the checks above
		return nil, bulwark.Invalid(field, "not hex")
	}
	return out, nil
}

// ParseUint256 parses a non-negative integer that fits a uint256, written in
// decimal ("1000") or 0x-hex ("0x3e8"). Errors name field (e.g. "--value").
func ParseUint256(field, s string) (*big.Int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, bulwark.Invalid(field, "empty: give a non-negative integer in decimal or 0x-hex")
	}
	if s[0] == '-' {
		return nil, bulwark.Invalid(field, "%s is negative: a uint256 is 0 or more", Quote(s))
	}
	base, digits, maxDigits := 10, s, 78 // 2^256-1 has 78 decimal digits
	if rest, ok := strings.CutPrefix(s, "0x"); ok {
		base, digits, maxDigits = 16, rest, 64
		if digits == "" {
			return nil, bulwark.Invalid(field, "%s has no digits after 0x", Quote(s))
		}
		if i := nonHex(digits); i >= 0 {
			return nil, bulwark.Invalid(field, "%s is not a number: %s is not a hex digit", Quote(s), Quote(string(digits[i])))
		}
	} else {
		for i := 0; i < len(digits); i++ {
			if digits[i] < '0' || digits[i] > '9' {
				return nil, bulwark.Invalid(field, "%s is not a whole number in decimal or 0x-hex", Quote(s))
			}
		}
	}
	if len(strings.TrimLeft(digits, "0")) > maxDigits {
		return nil, bulwark.Invalid(field, "%s is larger than 2^256-1, the uint256 maximum", Quote(s))
	}
	n, ok := new(big.Int).SetString(digits, base)
	if !ok {
		return nil, bulwark.Invalid(field, "%s is not a number", Quote(s))
	}
	if n.Cmp(MaxUint256) > 0 {
		return nil, bulwark.Invalid(field, "%s is larger than 2^256-1, the uint256 maximum", Quote(s))
	}
	return n, nil
}

// ParseChainID parses an EIP-155 chain id: a uint256 of at least 1.
func ParseChainID(field, s string) (*big.Int, error) {
	n, err := ParseUint256(field, s)
	if err != nil {
		return nil, err
	}
	if n.Sign() == 0 {
		return nil, bulwark.Invalid(field, "chain id 0 is not a chain: give the network's chain id, e.g. 1 for Ethereum mainnet")
	}
	return n, nil
}

// ParseOperation parses a Safe operation number for version v: 0 (CALL) and
// 1 (DELEGATECALL) everywhere, 2 (CREATE) only before 1.0.0.
func ParseOperation(field, s string, v Version) (Operation, error) {
	s = strings.TrimSpace(s)
	var op Operation
	switch s {
	case "0":
		op = Call
	case "1":
		op = DelegateCall
	case "2":
		op = Create
	default:
		return 0, bulwark.Invalid(field, "%s is not an operation: use 0 (CALL) or 1 (DELEGATECALL)%s", Quote(s), createHint(v))
	}
	if err := CheckOperation(field, op, v); err != nil {
		return 0, err
	}
	return op, nil
}

func CheckOperation(field string, op Operation, v Version) error {
	if op > v.MaxOperation() {
		if op == Create {
			return bulwark.Invalid(field, "operation 2 (CREATE) exists only before Safe 1.0.0; Safe %s executes 0 (CALL) or 1 (DELEGATECALL)", v)
		}
		return bulwark.Invalid(field, "operation %d does not exist: use 0 (CALL) or 1 (DELEGATECALL)%s", op, createHint(v))
	}
	return nil
}

func createHint(v Version) string {
	if v.Known() && v.UsesDataGas() {
		return " or 2 (CREATE)"
	}
	return ""
}

// nonHex returns the index of the first byte of s that is not a hex digit,
// or -1.
func nonHex(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return i
		}
	}
	return -1
}

func hasLower(s string) bool { return strings.ContainsAny(s, "abcdef") }
func hasUpper(s string) bool { return strings.ContainsAny(s, "ABCDEF") }
