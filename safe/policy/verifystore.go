package policy

import (
	"context"
	"math/big"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/ethereum/go-ethereum/common"
)

// VerificationRecord is what is kept of one verdict so that a watcher can
// tell, when a transaction is executed, whether Bulwark verified it first
// and with which verdict.
type VerificationRecord struct {
	SafeTxHash common.Hash
	Safe       common.Address
	ChainID    *big.Int
	Verdict    bulwark.Verdict
	// AuditSeq is the sequence number of the verdict's audit entry
	// (action safe.verify).
	AuditSeq int64
	// Simulated is true when the verification ran against a node and
	// simulated the transaction ([Verification.Simulated]); false for an
	// offline one, and for a record stored before it was kept.
	Simulated bool
	// ApprovalDigest is the verification's [Verification.ApprovalDigest]:
	// what a person approving the transaction on this record approves; ""
	// offline, and for a record stored before it was kept.
	ApprovalDigest string
	// Time is when the record was stored (UTC); the store stamps it.
	Time time.Time
}

// Record returns the record of v whose audit entry is auditSeq.
func (v *Verification) Record(auditSeq int64) VerificationRecord {
	r := VerificationRecord{SafeTxHash: v.Hashes.SafeTxHash, Safe: v.Safe, ChainID: v.ChainID, Verdict: v.Verdict, AuditSeq: auditSeq,
		Simulated: v.Simulated()}
	if r.Simulated {
		r.ApprovalDigest = v.ApprovalDigest()
	}
	return r
}

// VerificationLookup answers which verdicts were reached on a safeTxHash.
type VerificationLookup interface {
	// Verifications returns the records of safeTxHash, oldest first; an
	// empty slice when it was never verified.
	Verifications(ctx context.Context, safeTxHash common.Hash) ([]VerificationRecord, error)
}

// VerificationStore keeps a record of every verdict (CLI `safe verify` and
// POST /api/v1/safe/verify).
//
// A store adapter that also holds the audit log joins the write
// transaction that audit.Log.Do hands its change, so a record and its
// verdict's audit entry commit together or not at all.
type VerificationStore interface {
	VerificationLookup
	// RecordVerification stores r (Time is stamped by the store). A record
	// without a safeTxHash, Safe, chain id, verdict or audit entry is
	// EINVALID.
	RecordVerification(ctx context.Context, r VerificationRecord) error
}

// RecordInAudit stores the record of v in the audit transaction ctx is
// bound to (inside audit.Log.Do), naming the entry being written, so that a
// watcher knows the transaction was verified, and how. 'bulwark safe
// verify' and POST /api/v1/safe/verify record every verdict with it.
func RecordInAudit(ctx context.Context, store VerificationStore, v *Verification) error {
	seq, ok := audit.PendingSeq(ctx)
	if !ok {
		return bulwark.Errorf(bulwark.EINTERNAL, "a Safe verification recorded outside an audit transaction")
	}
	return store.RecordVerification(ctx, v.Record(seq))
}

// AuditedJSON is a verification's JSON with the sequence number of its
// audit entry: the answer of POST /api/v1/safe/verify and the output of
// 'bulwark safe verify --json'.
type AuditedJSON struct {
	VerificationJSON
	AuditSeq int64 `json:"auditSeq"`
}

// AuditedJSON returns the JSON of v recorded by audit entry auditSeq.
func (v *Verification) AuditedJSON(auditSeq int64) AuditedJSON {
	return AuditedJSON{VerificationJSON: v.JSON(), AuditSeq: auditSeq}
}
