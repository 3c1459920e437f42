package cosign

import (
	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/ethereum/go-ethereum/common"
)

// Decision is what the co-signer did with a request.
type Decision string

const (
	// DecisionSigned: the transaction verified ok (or review with the
	// approvals dual control requires) and was co-signed.
	DecisionSigned Decision = "signed"
	// DecisionHeld: the verdict is review and the transaction waits for
	// approvals from two different people.
	DecisionHeld Decision = "held"
	// DecisionRefused: nothing was signed (verdict reject, or a check the
	// co-signer makes before signing failed; the findings say which).
	DecisionRefused Decision = "refused"
)

// Request asks the co-signer to co-sign one Safe transaction.
type Request struct {
	// Tx is the transaction as the Safe Transaction Service gives it;
	// untrusted input.
	Tx policy.ServiceTx
	// Requester names who asked (token or user name, or "queue").
	Requester string
	// DryRun decides without signing or storing a co-signature: the
	// answer says which rules would decide.
	DryRun bool
}

// Result is the co-signer's answer.
type Result struct {
	Decision   Decision
	Verdict    bulwark.Verdict
	Findings   []policy.Finding
	SafeTxHash common.Hash
	// Signature is r‖s‖v, 65 bytes; nil unless Decision is DecisionSigned.
	Signature []byte
	// Approvals are the distinct approvers counted for a review verdict.
	Approvals []string
	// AuditSeq is the sequence number of the decision's audit entry (0 on
	// a dry run, which is not recorded).
	AuditSeq int64
}
