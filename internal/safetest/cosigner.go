package safetest

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// CosignerIndex is the OwnerAt index of the co-signer's key in the
// co-signer's tests; Humans are OwnerAt(0) and OwnerAt(1).
const CosignerIndex = 50

// Cosigner returns the co-signer's test key, OwnerAt(CosignerIndex).
func Cosigner() *Owner { return OwnerAt(CosignerIndex) }

// Humans returns the two human owners of a co-signed Safe, OwnerAt(0) and
// OwnerAt(1).
func Humans() []*Owner { return []*Owner{OwnerAt(0), OwnerAt(1)} }

// KeySigner signs hashes with a key held in memory, as the co-signer's
// Signer does (cosign.Signer: Address and SignHash, r‖s‖v with v 27 or
// 28).
type KeySigner struct{ Key *ecdsa.PrivateKey }

// Address is the key's address.
func (k KeySigner) Address() common.Address { return crypto.PubkeyToAddress(k.Key.PublicKey) }

// SignHash signs h itself (no prefix): v is 27 or 28.
func (k KeySigner) SignHash(h common.Hash) ([]byte, error) {
	sig, err := crypto.Sign(h[:], k.Key)
	if err != nil {
		return nil, err
	}
	sig[64] += 27
	return sig, nil
}

// Signer returns o's key as a KeySigner (o must have a key).
func (o *Owner) Signer() KeySigner { return KeySigner{Key: o.Key} }

// CosignedSafe is a Safe set up for the co-signer: Humans and the
// co-signer's address as owners, threshold 3, so that no signature of the
// humans executes without the co-signer's.
type CosignedSafe struct {
	*Safe
	Humans []*Owner
	// Cosigner is the co-signer's owner: its Key is nil when the key is
	// elsewhere (a keystore the test cannot read).
	Cosigner *Owner
}

// NewCosignedSafe creates a Safe owned by Humans() and cosigner (its
// address only is needed), threshold 3, and funds it with ether ETH.
func (d *Deployment) NewCosignedSafe(t testing.TB, cosigner *Owner, ether int64) *CosignedSafe {
	t.Helper()
	humans := Humans()
	s := d.NewSafe(t, 3, humans[0], humans[1], cosigner)
	if ether > 0 {
		s.FundETH(t, Ether(ether))
	}
	return &CosignedSafe{Safe: s, Humans: humans, Cosigner: cosigner}
}

// HumanSignatures are the humans' EIP-712 signatures of tx.
func (c *CosignedSafe) HumanSignatures(t testing.TB, tx safe.Tx) []Signature {
	t.Helper()
	h := c.Hash(t, tx)
	out := make([]Signature, len(c.Humans))
	for i, o := range c.Humans {
		sig, err := o.Sign(h, EIP712)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = sig
	}
	return out
}

// Signatures packs the humans' signatures of tx with cosignature, the
// co-signer's 65 bytes (none when nil), sorted by owner as execTransaction
// wants them.
func (c *CosignedSafe) Signatures(t testing.TB, tx safe.Tx, cosignature []byte) []byte {
	t.Helper()
	sigs := c.HumanSignatures(t, tx)
	if cosignature != nil {
		sigs = append(sigs, SignatureBy(t, c.Cosigner.Address, cosignature))
	}
	packed, err := PackSignatures(sigs...)
	if err != nil {
		t.Fatal(err)
	}
	return packed
}

// SignatureBy is 65 signature bytes (e.g. a co-signature) as signer's
// Signature; another length fails t.
func SignatureBy(t testing.TB, signer common.Address, sig []byte) Signature {
	t.Helper()
	if len(sig) != 65 {
		t.Fatalf("safetest: a signature by %s of %d bytes, want 65", signer, len(sig))
	}
	s := Signature{Signer: signer}
	copy(s.Bytes[:], sig)
	return s
}

// RevertReason is the error execTransaction(tx, signatures) fails with in
// an eth_call from the chain's sender at the latest block (e.g.
// "execution reverted: GS020"), or "" when it would not revert.
func (s *Safe) RevertReason(t testing.TB, tx safe.Tx, signatures []byte) string {
	t.Helper()
	data, err := safe.ExecTransactionCalldata(tx, signatures)
	if err != nil {
		t.Fatalf("safetest: execTransaction calldata: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	c := s.Chain()
	if _, err = c.RPC.CallContract(ctx, ethrpc.CallMsg{From: c.Sender, To: &s.Address, Data: data}, ethrpc.Latest, nil); err != nil {
		return err.Error()
	}
	return ""
}

// PrevOwner returns the owner before owner in the Safe's owner list (the
// Sentinel for the first), as removeOwner and swapOwner take it; t fails
// when owner is not an owner.
func (s *Safe) PrevOwner(t testing.TB, owner common.Address) common.Address {
	t.Helper()
	prev := Sentinel
	for _, o := range s.State(t).Owners {
		if o == owner {
			return prev
		}
		prev = o
	}
	t.Fatalf("safetest: %s is not an owner of %s", owner, s.Address)
	return common.Address{}
}

// SwapOwnerTx returns swapOwner(prevOwner, oldOwner, newOwner), prevOwner read from
// the Safe's owner list: how an owner key is rotated.
func (s *Safe) SwapOwnerTx(t testing.TB, oldOwner, newOwner common.Address) safe.Tx {
	t.Helper()
	return s.SelfCallTx(t, "swapOwner", s.PrevOwner(t, oldOwner), oldOwner, newOwner)
}

// ServiceTx is tx of the Safe as a Safe Transaction Service lists it
// (GET /api/v1/safes/{address}/multisig-transactions/): pending, the
// safeTxHash from the Safe's own getTransactionHash, proposed by the
// first owner, with each of confirmed's EIP-712 signature as an EOA
// confirmation and confirmationsRequired the Safe's threshold.
func (s *Safe) ServiceTx(t testing.TB, tx safe.Tx, confirmed ...*Owner) json.RawMessage {
	t.Helper()
	confirmations := []map[string]any{}
	for _, o := range confirmed {
		sig, err := o.Sign(s.Hash(t, tx), EIP712)
		if err != nil {
			t.Fatal(err)
		}
		confirmations = append(confirmations, map[string]any{"owner": o.Address.Hex(), "signature": "0x" + common.Bytes2Hex(sig.Bytes[:]),
			"signatureType": "EOA", "submissionDate": "2026-02-21T14:13:35Z"})
	}
	b, err := json.Marshal(map[string]any{
		"safe": s.Address.Hex(), "to": tx.To.Hex(), "value": orZero(tx.Value).String(), "data": "0x" + common.Bytes2Hex(tx.Data),
		"operation": int(tx.Operation), "safeTxGas": orZero(tx.SafeTxGas).String(), "baseGas": orZero(tx.BaseGas).String(),
		"gasPrice": orZero(tx.GasPrice).String(), "gasToken": tx.GasToken.Hex(), "refundReceiver": tx.RefundReceiver.Hex(),
		"nonce": orZero(tx.Nonce).String(), "safeTxHash": s.OnChainTxHash(t, tx).Hex(), "isExecuted": false,
		"confirmationsRequired": s.Threshold, "confirmations": confirmations,
		"dataDecoded": nil, "proposer": s.Owners[0].Address.Hex(), "executor": nil, "origin": "{}",
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Confirmations are owners' EIP-712 signatures of tx as a request to the
// co-signer carries them (the service's confirmations): the human owner's
// confirmation the co-signer requires before it signs.
func (s *Safe) Confirmations(t testing.TB, tx safe.Tx, owners ...*Owner) []policy.Confirmation {
	t.Helper()
	out := make([]policy.Confirmation, len(owners))
	for i, o := range owners {
		sig, err := o.Sign(s.Hash(t, tx), EIP712)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = policy.Confirmation{Owner: o.Address, Signature: slices.Clone(sig.Bytes[:])}
	}
	return out
}
