package cosign

import (
	"math/big"

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
	// Actor is who the audit log names ("cli:alice", "token:ID");
	// Requester when empty.
	Actor string
	// DryRun decides without signing or storing a co-signature: the
	// answer says which rules would decide. A dry run is audited
	// (decision "dry-run") unless Unaudited.
	DryRun bool
	// Unaudited leaves a dry run out of the audit log: only for a
	// component's internal look-ahead (the queue watch asks before it
	// decides, at every poll), never for a person's request.
	Unaudited bool
}

// Result is the co-signer's answer.
type Result struct {
	Decision Decision
	// Verdict is over every finding, the co-signer's included: a refusal
	// is reject. PolicyVerdict is the verification's own.
	Verdict       bulwark.Verdict
	PolicyVerdict bulwark.Verdict
	// Findings are the verification's and the co-signer's, most severe
	// first.
	Findings []policy.Finding
	// Deciding are the codes of the findings that decide: those at the
	// most severe rank present, and NEEDS_APPROVALS when held; empty for
	// an ok verdict.
	Deciding   []string
	SafeTxHash common.Hash
	Safe       common.Address
	ChainID    *big.Int
	Nonce      *big.Int
	// Cosigner is the co-signer's address.
	Cosigner common.Address
	DryRun   bool
	// Signature is r‖s‖v, 65 bytes; nil unless Decision is DecisionSigned.
	Signature []byte
	// Approvals are the distinct approvers counted for a review verdict.
	Approvals []string
	// ConfirmedBy is the human owner whose signature of the safeTxHash the
	// request carries (zero when none counted, or none was needed).
	ConfirmedBy common.Address
	// Skipped are the checks a dry run did not apply, each with what a
	// real request would have found (NO_OWNER_CONFIRMATION).
	Skipped []string
	// SetAside are the approvals of the transaction that do not count,
	// with why (withdrawn, stale, expired, …); empty unless the verdict
	// is review.
	SetAside []SetAside
	// AuditSeq is the sequence number of the decision's audit entry (0
	// for an unaudited dry run).
	AuditSeq int64
	// Verification is what the node showed (decoded calls, simulation),
	// for a caller that prints it.
	Verification *policy.Verification
}

// ResultJSON is the answer of 'bulwark safe cosign --json' and POST
// /api/v1/safe/cosign: hashes lower-case hex, addresses EIP-55, integers
// decimal strings; signature (0x + 65 bytes r‖s‖v) only when signed.
type ResultJSON struct {
	Verdict       bulwark.Verdict  `json:"verdict"`
	Findings      []policy.Finding `json:"findings"`
	SafeTxHash    string           `json:"safeTxHash"`
	Signature     string           `json:"signature,omitempty"`
	Decision      Decision         `json:"decision"`
	Deciding      []string         `json:"deciding"`
	PolicyVerdict bulwark.Verdict  `json:"policyVerdict"`
	Approvals     []string         `json:"approvals"`
	SetAside      []SetAside       `json:"setAside,omitempty"`
	Safe          string           `json:"safe"`
	ChainID       string           `json:"chainId"`
	Nonce         string           `json:"nonce"`
	Cosigner      string           `json:"cosigner"`
	ConfirmedBy   string           `json:"confirmedBy,omitempty"`
	DryRun        bool             `json:"dryRun,omitempty"`
	Skipped       []string         `json:"skipped,omitempty"`
	AuditSeq      int64            `json:"auditSeq,omitempty"`
}

// JSON returns the JSON form of r.
func (r *Result) JSON() ResultJSON {
	out := ResultJSON{Verdict: r.Verdict, Findings: r.Findings, SafeTxHash: r.SafeTxHash.Hex(), Decision: r.Decision,
		Deciding: r.Deciding, PolicyVerdict: r.PolicyVerdict, Approvals: r.Approvals, SetAside: r.SetAside, Safe: r.Safe.Hex(),
		ChainID: decimal(r.ChainID), Nonce: decimal(r.Nonce), Cosigner: r.Cosigner.Hex(), DryRun: r.DryRun, Skipped: r.Skipped, AuditSeq: r.AuditSeq}
	if r.ConfirmedBy != (common.Address{}) {
		out.ConfirmedBy = r.ConfirmedBy.Hex()
	}
	if len(r.Signature) > 0 {
		out.Signature = "0x" + common.Bytes2Hex(r.Signature)
	}
	if out.Findings == nil {
		out.Findings = []policy.Finding{}
	}
	if out.Deciding == nil {
		out.Deciding = []string{}
	}
	if out.Approvals == nil {
		out.Approvals = []string{}
	}
	return out
}

// ExitCode is the CLI's exit code for a decision: 0 signed, 2 held, 3
// refused.
func (d Decision) ExitCode() int {
	switch d {
	case DecisionSigned:
		return bulwark.ExitOK
	case DecisionHeld:
		return bulwark.ExitReview
	}
	return bulwark.ExitBlock
}
