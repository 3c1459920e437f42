package cosign

import (
	"slices"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/safe/policy"
)

// OwnerConfirmation returns a human owner who confirmed the transaction
// whose safeTxHash is safeTxHash (recomputed, never a claimed one): the
// first of confs whose signature recovers over it to one of owners that
// is not the co-signer, and, for a confirmation naming its owner, to that
// owner. Only EOA signatures count (v 27 or 28, and eth_sign's 31 or 32);
// approved hashes and contract signatures are not read, so such a
// confirmation counts as none. The co-signer and the queue watch both
// decide with it.
func OwnerConfirmation(safeTxHash common.Hash, owners []common.Address, cosigner common.Address, confs []policy.Confirmation) (common.Address, bool) {
	for _, c := range confs {
		if len(c.Signature) != 65 || c.Owner != (common.Address{}) && (c.Owner == cosigner || !slices.Contains(owners, c.Owner)) {
			continue
		}
		sig := slices.Clone(c.Signature)
		digest := safeTxHash.Bytes()
		switch sig[64] {
		case 27, 28:
			sig[64] -= 27
		case 31, 32:
			sig[64] -= 31
			digest = crypto.Keccak256([]byte("\x19Ethereum Signed Message:\n32"), safeTxHash.Bytes())
		default:
			continue
		}
		pub, err := crypto.SigToPub(digest, sig)
		if err != nil {
			continue
		}
		signer := crypto.PubkeyToAddress(*pub)
		if c.Owner != (common.Address{}) && signer != c.Owner || signer == cosigner || !slices.Contains(owners, signer) {
			continue
		}
		return signer, true
	}
	return common.Address{}, false
}
