package policy

import (
	"math/big"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
)

// Given is a chain id or Safe version given beside the transaction JSON:
// a command-line flag or a URL query parameter.
type Given struct {
	// Field names it in errors: "--chain-id", "chainId".
	Field string
	// As shows how it was written, before its value: "--chain-id ",
	// "?chainId=".
	As string
	// Text is the value as given; empty when not given.
	Text string
}

// Settled is a verification's chain id and Safe version as the caller gave
// them, each with the field it came from (for the errors of
// [VerifyOnChain]).
type Settled struct {
	ChainID *big.Int     // nil when nobody gave it
	Version safe.Version // zero when nobody gave it
	// ChainIDField and VersionField name where each came from.
	ChainIDField, VersionField string
}

// SettleDomain decides the chain id and Safe version for verifying st. The
// Safe Transaction Service's JSON carries neither, so each comes from the
// caller (chainID, version: a flag or query parameter), else from st's own
// chainId and safeVersion keys (see [ServiceTx]); when both give one they
// must be the same, or the error names both. jsonName says where st came
// from in errors: "the --tx file", "the body". Neither is ever guessed: a
// value nobody gave stays nil or zero, for the caller to read from a node
// or refuse (see [MissingChainID] and [MissingVersion]).
func SettleDomain(st *ServiceTx, jsonName string, chainID, version Given) (Settled, error) {
	d := Settled{ChainIDField: chainID.Field, VersionField: version.Field}
	if chainID.Text != "" {
		n, err := safe.ParseChainID(chainID.Field, chainID.Text)
		if err != nil {
			return Settled{}, err
		}
		if st.ChainID != nil && st.ChainID.Cmp(n) != 0 {
			return Settled{}, bulwark.Invalid(chainID.Field, "%s%s disagrees with %s's chainId %s: leave one out, or make them agree",
				chainID.As, n, jsonName, st.ChainID)
		}
		d.ChainID = n
	} else if st.ChainID != nil {
		d.ChainID, d.ChainIDField = new(big.Int).Set(st.ChainID), "chainId"
	}
	if version.Text != "" {
		v, err := safe.ParseVersion(version.Field, version.Text)
		if err != nil {
			return Settled{}, err
		}
		if st.Version != nil && *st.Version != v {
			return Settled{}, bulwark.Invalid(version.Field, "%s%s disagrees with %s's safeVersion %s: leave one out, or make them agree",
				version.As, v, jsonName, st.Version)
		}
		d.Version = v
	} else if st.Version != nil {
		d.Version, d.VersionField = *st.Version, "safeVersion"
	}
	return d, nil
}

// MissingChainID is the error for a chain id nobody gave when no node can
// tell it: how says how to give it ("give it with --chain-id N").
func MissingChainID(field, how string) error {
	return bulwark.Invalid(field, "required: the chain's EIP-155 id, e.g. 1 for Ethereum mainnet; the Safe Transaction Service's JSON does not carry it: %s; it is never guessed", how)
}

// MissingVersion is the error for a Safe version nobody gave when no node
// can tell it: how says how to give it.
func MissingVersion(field, how string) error {
	return bulwark.Invalid(field, "required: the Safe's version as its VERSION() returns it, e.g. 1.3.0; the Safe Transaction Service's transaction JSON does not carry it (GET /api/v1/safes/{address}/ on the service shows it as version): %s; it is never guessed", how)
}
