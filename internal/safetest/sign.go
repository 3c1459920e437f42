package safetest

import (
	"bytes"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/safe"
)

// Owner is a Safe owner: an address and, for an externally owned account
// the harness signs for, its private key (nil for a contract owner, such as
// a parent Safe).
type Owner struct {
	Address common.Address
	Key     *ecdsa.PrivateKey
}

// OwnerAt returns the i-th deterministic test owner: its key is
// keccak256("bulwark/safetest owner " + i), the same on every run and
// distinct from Anvil's funded accounts (owners need no ETH: an Anvil
// account submits their transactions).
func OwnerAt(i int) *Owner {
	seed := []byte("bulwark/safetest owner " + strconv.Itoa(i))
	for {
		key, err := crypto.ToECDSA(crypto.Keccak256(seed))
		if err == nil {
			return &Owner{Address: crypto.PubkeyToAddress(key.PublicKey), Key: key}
		}
		// Not a valid secp256k1 scalar (probability ~2^-128): rehash.
		seed = crypto.Keccak256(seed)
	}
}

// NewOwners returns OwnerAt(0) … OwnerAt(n-1).
func NewOwners(n int) []*Owner {
	out := make([]*Owner, n)
	for i := range out {
		out[i] = OwnerAt(i)
	}
	return out
}

// Addresses returns the owners' addresses in order.
func Addresses(owners []*Owner) []common.Address {
	out := make([]common.Address, len(owners))
	for i, o := range owners {
		out[i] = o.Address
	}
	return out
}

// SigKind is how an owner signs a Safe transaction.
type SigKind int

const (
	// EIP712 signs the safeTxHash itself (eth_signTypedData): v is 27 or 28.
	EIP712 SigKind = iota
	// EthSign signs the EIP-191 personal-sign hash of the safeTxHash
	// (eth_sign / personal_sign, as Bybit's signers did): the Safe sees
	// v + 4, i.e. 31 or 32.
	EthSign
	// ApprovedHash is the pre-validated signature {r: owner, s: 0, v: 1}:
	// valid when the owner submits the transaction itself or has called
	// approveHash(safeTxHash) beforehand. It needs no key.
	ApprovedHash
)

// String names the kind.
func (k SigKind) String() string {
	switch k {
	case EIP712:
		return "eip712"
	case EthSign:
		return "eth_sign"
	case ApprovedHash:
		return "approved_hash"
	}
	return "SigKind(" + strconv.Itoa(int(k)) + ")"
}

// Signature is one owner's 65-byte signature in the Safe's format
// (r ‖ s ‖ v).
type Signature struct {
	Signer common.Address
	Bytes  [65]byte
}

// Sign makes o's signature of kind over the transaction with hashes h.
func (o *Owner) Sign(h safe.TxHashes, kind SigKind) (Signature, error) {
	sig := Signature{Signer: o.Address}
	switch kind {
	case EIP712, EthSign:
		if o.Key == nil {
			return sig, fmt.Errorf("safetest: owner %s has no key to sign with", o.Address)
		}
		digest := h.SafeTxHash
		if kind == EthSign {
			digest = h.EthSignHash
		}
		raw, err := crypto.Sign(digest[:], o.Key)
		if err != nil {
			return sig, fmt.Errorf("safetest: sign as %s: %w", o.Address, err)
		}
		copy(sig.Bytes[:64], raw[:64])
		sig.Bytes[64] = raw[64] + 27
		if kind == EthSign {
			sig.Bytes[64] += 4
		}
	case ApprovedHash:
		copy(sig.Bytes[12:32], o.Address[:])
		sig.Bytes[64] = 1
	default:
		return sig, fmt.Errorf("safetest: unknown signature kind %d", kind)
	}
	return sig, nil
}

// PackSignatures concatenates sigs sorted by signer address, ascending, as
// the Safe's checkSignatures requires. Two signatures by one signer are an
// error.
func PackSignatures(sigs ...Signature) ([]byte, error) {
	sorted := slices.Clone(sigs)
	slices.SortFunc(sorted, func(a, b Signature) int { return bytes.Compare(a.Signer[:], b.Signer[:]) })
	out := make([]byte, 0, 65*len(sorted))
	for i, s := range sorted {
		if i > 0 && s.Signer == sorted[i-1].Signer {
			return nil, fmt.Errorf("safetest: two signatures by %s", s.Signer)
		}
		out = append(out, s.Bytes[:]...)
	}
	return out, nil
}

// SignTx signs the transaction with hashes h as each of signers, with one
// kind for all, and returns the packed signature bytes for execTransaction.
func SignTx(h safe.TxHashes, kind SigKind, signers ...*Owner) ([]byte, error) {
	if len(signers) == 0 {
		return nil, errors.New("safetest: no signers")
	}
	sigs := make([]Signature, len(signers))
	for i, o := range signers {
		s, err := o.Sign(h, kind)
		if err != nil {
			return nil, err
		}
		sigs[i] = s
	}
	return PackSignatures(sigs...)
}
