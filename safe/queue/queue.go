package queue

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
)

// Queue alert codes. They are stable: scripts and the audit log key on
// them. docs/safe.md ("Watching the queue") explains each.
const (
	// CodeTxRefused: a pending transaction the co-signer refused (critical
	// when the verdict is reject, high when a check the co-signer makes
	// before signing failed).
	CodeTxRefused = "QUEUE_TX_REFUSED"
	// CodeTxHeld: a pending transaction whose verdict is review: held until
	// people check it (two approvals with the co-signer).
	CodeTxHeld = "QUEUE_TX_HELD"
	// CodeTxMalformed: an entry of the queue that cannot be read as a Safe
	// transaction.
	CodeTxMalformed = "QUEUE_TX_MALFORMED"
	// CodeTxUnchecked: a pending transaction that could not be checked (the
	// node or the co-signer failed); it is tried again at every poll.
	CodeTxUnchecked = "QUEUE_TX_UNCHECKED"
	// CodePushFailed: a co-signature that could not be pushed to the
	// service.
	CodePushFailed = "QUEUE_PUSH_FAILED"
	// CodeUnreadable: the service did not list the pending transactions
	// of one or more watched Safes.
	CodeUnreadable = "QUEUE_UNREADABLE"
	// CodeTruncated: a Safe's queue is longer than is read; the
	// transactions past the bound are not checked.
	CodeTruncated = "QUEUE_TRUNCATED"
)

// Codes lists every code a Watcher raises.
var Codes = []string{CodeTxRefused, CodeTxHeld, CodeTxMalformed, CodeTxUnchecked, CodePushFailed, CodeUnreadable, CodeTruncated}

// DecisionVerified is the decision of a co-signer that only verifies
// ([VerifyOnly]) on a transaction whose verdict is ok: nothing to hold,
// nothing signed.
const DecisionVerified cosign.Decision = "verified"

// DecisionMalformed is what is recorded of an entry that could not be
// read as a Safe transaction.
const DecisionMalformed cosign.Decision = "malformed"

// Requester names the queue watch in a co-signer's requests.
const Requester = "queue"

// Cosigner decides on one Safe transaction: cosign.Service, or
// [VerifyOnly] when no co-signer is configured.
type Cosigner interface {
	Cosign(ctx context.Context, req cosign.Request) (*cosign.Result, error)
}

// Entry is one pending transaction as the service lists it.
type Entry struct {
	// Tx is the transaction; nil when the entry could not be read (Err
	// says why).
	Tx *policy.ServiceTx
	// Err is why the entry could not be read: a *bulwark.Error naming the
	// field ("results[3].value"). Nil when Tx is set.
	Err error
	// SafeTxHash is the hash the service lists the entry under, and takes
	// confirmations for; zero when it gave none that reads. A claim:
	// verification recomputes it.
	SafeTxHash common.Hash
	// Nonce is the entry's nonce as listed, when it reads (nil otherwise).
	Nonce *big.Int
	// Confirmations are the owners whose confirmations the service lists;
	// ConfirmationsRequired is the threshold it reports (0: not given).
	Confirmations         []common.Address
	ConfirmationsRequired int
	// Signatures are the confirmations' signatures as listed, one per
	// Confirmations entry (nil where none reads as 65 bytes): claims, which
	// [OwnerConfirmed] checks.
	Signatures [][]byte
}

// OwnerConfirmed returns a human owner whose listed confirmation is a
// valid signature of safeTxHash (recomputed, never the listed one), as
// the co-signer decides it ([cosign.OwnerConfirmation]).
func (e Entry) OwnerConfirmed(safeTxHash common.Hash, owners []common.Address, cosigner common.Address) (common.Address, bool) {
	return cosign.OwnerConfirmation(safeTxHash, owners, cosigner, e.ConfirmationList())
}

// ConfirmationList is the entry's listed confirmations as the co-signer
// reads them from a request.
func (e Entry) ConfirmationList() []policy.Confirmation {
	out := make([]policy.Confirmation, 0, len(e.Confirmations))
	for i, o := range e.Confirmations {
		c := policy.Confirmation{Owner: o}
		if i < len(e.Signatures) && len(e.Signatures[i]) == 65 {
			c.Signature = slices.Clone(e.Signatures[i])
		}
		out = append(out, c)
	}
	return out
}

// Key identifies the entry among the queue's entries of safe, by content:
// the transaction as read, with the hash the service claims for it (or,
// for an entry that cannot be read, the claimed hash, nonce and why it
// cannot be read). An entry whose content changes under the same claimed
// hash is a new entry.
func (e Entry) Key(safe common.Address) common.Hash {
	if e.Tx != nil {
		b, err := e.Tx.MarshalJSON()
		if err == nil {
			return crypto.Keccak256Hash([]byte("bulwark-queue-tx/1"), safe.Bytes(), b)
		}
	}
	nonce := ""
	if e.Nonce != nil {
		nonce = e.Nonce.String()
	}
	why := ""
	if e.Err != nil {
		why = bulwark.ErrorMessage(e.Err)
	}
	return crypto.Keccak256Hash([]byte("bulwark-queue-malformed/1"), safe.Bytes(), e.SafeTxHash.Bytes(), []byte(nonce), []byte{0}, []byte(why))
}

// Listing is a Safe's queue as read.
type Listing struct {
	Entries []Entry
	// Truncated reports a queue longer than the source reads: the entries
	// with the lowest nonces (the next to execute) were read.
	Truncated bool
}

// Source lists the pending transactions of a Safe (a Safe Transaction
// Service).
type Source interface {
	// Pending returns the pending transactions of safe, lowest nonce
	// first. An error means the listing could not be read at all (the
	// service unreachable, an answer that is not a listing); an entry that
	// cannot be read is an Entry with Err.
	Pending(ctx context.Context, safe common.Address) (Listing, error)
}

// Pusher hands a co-signature to the service, as an owner's confirmation
// of safeTxHash.
type Pusher interface {
	Confirm(ctx context.Context, safeTxHash common.Hash, signature []byte) error
}

// Watchlist gives the Safes whose queues are watched (watch.ListStore's
// Watches: the Safes the serve monitor watches).
type Watchlist interface {
	Watches(ctx context.Context) ([]watch.WatchedSafe, error)
}

// Record is what is kept of one decided queue entry.
type Record struct {
	Safe common.Address
	// Key is the entry's [Entry.Key].
	Key common.Hash
	// SafeTxHash is the hash the service listed (zero when none read).
	SafeTxHash common.Hash
	// Nonce is the listed nonce in decimal ("" when none read).
	Nonce string
	// Decision is the co-signer's decision, [DecisionVerified] or
	// [DecisionMalformed].
	Decision cosign.Decision
	// Verdict is the verification's verdict ("" for a malformed entry).
	Verdict bulwark.Verdict
	// Pushed reports a co-signature the service accepted.
	Pushed bool
	// AuditSeq is the sequence number of the decision's audit entry
	// (action safe.queue.decision).
	AuditSeq int64
	// Time is when it was stored (UTC); the store stamps it.
	Time time.Time
}

// Store keeps the decided queue entries.
//
// A store adapter that also holds the audit log joins the write
// transaction that audit.Log.Do hands its change, so a record, its alert
// and its audit entry commit together or not at all.
type Store interface {
	// QueueDecided returns which of keys have a record for safe.
	QueueDecided(ctx context.Context, safe common.Address, keys []common.Hash) (map[common.Hash]bool, error)
	// SaveQueueRecord stores r (the store stamps the time). A record of
	// the same Safe and key stored already is ECONFLICT and stores
	// nothing; one without Safe, key, decision or audit entry is EINVALID.
	SaveQueueRecord(ctx context.Context, r Record) error
}

// nonceText renders a listed nonce, "?" when none was read.
func nonceText(n *big.Int) string {
	if n == nil {
		return "?"
	}
	return n.String()
}

// describe names an entry in an alert: its nonce, listed hash and
// confirmations.
func (e Entry) describe() string {
	s := "nonce " + nonceText(e.Nonce)
	if e.SafeTxHash != (common.Hash{}) {
		s += ", safeTxHash " + e.SafeTxHash.Hex()
	}
	if e.ConfirmationsRequired > 0 || len(e.Confirmations) > 0 {
		s += fmt.Sprintf(", %d of %d confirmations collected", len(e.Confirmations), e.ConfirmationsRequired)
	}
	return s
}
