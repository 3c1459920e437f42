package safe

import (
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// MessageHashes are the hashes of an off-chain Safe message.
type MessageHashes struct {
	// DomainHash is the Safe's domain separator (a Ledger's "Domain hash").
	DomainHash common.Hash
	// MessageHash is the SafeMessage struct hash
	// keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(message))) (a
	// Ledger's "Message hash").
	MessageHash common.Hash
	// SafeMessageHash is keccak256(0x19 ‖ 0x01 ‖ DomainHash ‖ MessageHash):
	// what the owners sign and the Safe's fallback handler (or, up to 1.2.0,
	// the Safe itself) checks in isValidSignature.
	SafeMessageHash common.Hash
}

// HashSafeMessage computes the hashes of SafeMessage{message} in domain d.
// For the EIP-1271 isValidSignature(bytes32 hash, …) path that dApps and
// Safe{Wallet} use, message is the 32-byte hash being approved: the EIP-191
// hash of a text (see [EIP191Hash]) or the EIP-712 hash of typed data (see
// [TypedData.Hash]).
func (d Domain) HashSafeMessage(message []byte) (MessageHashes, error) {
	domain, err := d.Separator()
	if err != nil {
		return MessageHashes{}, err
	}
	var enc [64]byte
	copy(enc[:], SafeMessageTypeHash[:])
	copy(enc[32:], crypto.Keccak256(message))
	structHash := crypto.Keccak256Hash(enc[:])
	return MessageHashes{
		DomainHash:      domain,
		MessageHash:     structHash,
		SafeMessageHash: TypedHash(domain, structHash),
	}, nil
}
