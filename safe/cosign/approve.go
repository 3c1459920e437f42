package cosign

import (
	"context"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// ApproveRequest is one person's approval of a transaction held for dual
// control.
type ApproveRequest struct {
	// ChainID, Safe and SafeTxHash name the transaction. With Tx they may
	// be left zero; when given they must be Tx's.
	ChainID    *big.Int
	Safe       common.Address
	SafeTxHash common.Hash
	// Tx, when set, is verified again against the node and its verdict
	// decides; otherwise the verifications on record decide.
	Tx *policy.ServiceTx
	// Approver names the person: the CLI's --as, the API token's name.
	Approver string
	// TokenID is the id of the API token the approval comes through; the
	// approval then counts as "token:<TokenID>", whatever the token's
	// name, so one token approves a transaction once. Empty for the
	// command line, whose approval counts as "cli:<Approver>": a name
	// given on the command line never makes a token: identity.
	TokenID string
	// Note is the approver's reason (optional, at most 1000 bytes).
	Note string
	// Actor is who the audit log names; Approver when empty.
	Actor string
}

// ApproveResult is an approval as stored, with every approver so far.
type ApproveResult struct {
	Approval Approval
	// Verdict is the verdict the approval was given on (review).
	Verdict bulwark.Verdict
	// Approvers are the distinct approvers of the transaction, oldest
	// first, this one included, as identities ("token:<id>", "cli:<name>").
	Approvers []string
}

// ApprovalJSON is the answer of 'bulwark safe approve --json' and POST
// /api/v1/safe/approvals.
type ApprovalJSON struct {
	ChainID    string   `json:"chainId"`
	Safe       string   `json:"safe"`
	SafeTxHash string   `json:"safeTxHash"`
	Approver   string   `json:"approver"`
	Note       string   `json:"note,omitempty"`
	Approvers  []string `json:"approvers"`
	Required   int      `json:"required"`
	AuditSeq   int64    `json:"auditSeq"`
}

// JSON returns the JSON form of r.
func (r *ApproveResult) JSON() ApprovalJSON {
	a := r.Approval
	return ApprovalJSON{ChainID: decimal(a.ChainID), Safe: a.Safe.Hex(), SafeTxHash: a.SafeTxHash.Hex(), Approver: a.Approver,
		Note: a.Note, Approvers: r.Approvers, Required: RequiredApprovals, AuditSeq: a.AuditSeq}
}

// Approve records req.Approver's approval of a transaction whose verdict
// is review, in the same audit transaction as its entry (action
// safe.approve). It is refused (and the refusal audited) for a
// transaction never verified with its chain and Safe (ENOTFOUND), one
// whose verdict is not review or that a verification on record rejected
// (EINVALID: a reject is never approved, an ok needs no approval), and a
// second approval by the same approver (ECONFLICT).
func (s *Service) Approve(ctx context.Context, req ApproveRequest) (*ApproveResult, error) {
	if s.Store == nil || s.Audit == nil || s.Verifications == nil {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "approvals need the co-signer's store, the audit log and the verification records")
	}
	name, err := checkText("approver", "the name of the person approving", req.Approver, MaxApproverLen-len(SourceToken), true, false)
	if err != nil {
		return nil, err
	}
	approver := SourceCLI + name
	if req.TokenID != "" {
		id, err := checkText("token", "", req.TokenID, MaxApproverLen-len(SourceToken), true, false)
		if err != nil {
			return nil, err
		}
		approver = SourceToken + id
	}
	note, err := checkText("note", "", req.Note, MaxNoteLen, false, true)
	if err != nil {
		return nil, err
	}
	actor := req.Actor
	if actor == "" {
		actor = approver
	}
	named := func(d map[string]any) map[string]any { d["name"] = name; return d }
	var v *policy.Verification
	if req.Tx != nil {
		if err := s.check(); err != nil {
			return nil, err
		}
		vreq := policy.VerifyRequest{Tx: *req.Tx, ChainID: req.Tx.ChainID, Policy: s.Policy}
		if req.Tx.Version != nil {
			vreq.Version = *req.Tx.Version
		}
		if v, err = policy.VerifyOnChain(ctx, s.Chain, vreq, policy.ChainOptions{Simulator: s.Simulator}); err != nil {
			return nil, err
		}
		if err := sameTx(req, v); err != nil {
			return nil, err
		}
		req.ChainID, req.Safe, req.SafeTxHash = v.ChainID, v.Safe, v.Hashes.SafeTxHash
	}
	switch {
	case req.ChainID == nil || req.ChainID.Sign() <= 0:
		return nil, bulwark.Invalid("chainId", "required: the chain id of the Safe, e.g. 1 for Ethereum mainnet")
	case req.Safe == (common.Address{}):
		return nil, bulwark.Invalid("safe", "required: the Safe's address")
	case req.SafeTxHash == (common.Hash{}):
		return nil, bulwark.Invalid("safeTxHash", "required: the safeTxHash of the transaction to approve")
	}
	a := Approval{ChainID: req.ChainID, Safe: req.Safe, SafeTxHash: req.SafeTxHash, Approver: approver, Note: note}
	target := "safe:" + a.Safe.Hex() + "@" + a.SafeTxHash.Hex()
	refuse := func(err error) (*ApproveResult, error) {
		_, _ = s.Audit.Record(context.WithoutCancel(ctx), audit.Event{Actor: actor, Action: "safe.approve", Target: target,
			Details: named(approvalDetails(a, "refused", bulwark.ErrorCode(err)))})
		return nil, err
	}
	verdict, err := s.approvable(ctx, a, v)
	if err != nil {
		if bulwark.IsCode(err, bulwark.EINVALID) || bulwark.IsCode(err, bulwark.ENOTFOUND) {
			return refuse(err)
		}
		return nil, err
	}
	entry, err := s.Audit.Do(ctx, func(txctx context.Context) (audit.Event, error) {
		if v != nil {
			if err := policy.RecordInAudit(txctx, s.Verifications, v); err != nil {
				return audit.Event{}, err
			}
		}
		seq, _ := audit.PendingSeq(txctx)
		stored := a
		stored.AuditSeq = seq
		if err := s.Store.AddApproval(txctx, stored); err != nil {
			return audit.Event{}, err
		}
		d := named(approvalDetails(a, "approved", ""))
		d["verdict"] = verdict
		return audit.Event{Actor: actor, Action: "safe.approve", Target: target, Details: d}, nil
	})
	if err != nil {
		if bulwark.IsCode(err, bulwark.ECONFLICT) {
			return refuse(bulwark.Errorf(bulwark.ECONFLICT, "%s (%s) has already approved safeTxHash %s: dual control needs another person", approver, name, a.SafeTxHash.Hex()))
		}
		return nil, err
	}
	a.AuditSeq = entry.Seq
	all, err := s.Store.Approvals(ctx, a.ChainID, a.Safe, a.SafeTxHash)
	if err != nil {
		return nil, err
	}
	return &ApproveResult{Approval: a, Verdict: verdict, Approvers: approvers(all)}, nil
}

// sameTx checks the hash, chain and Safe a request gives beside its Tx.
func sameTx(req ApproveRequest, v *policy.Verification) error {
	switch {
	case req.SafeTxHash != (common.Hash{}) && req.SafeTxHash != v.Hashes.SafeTxHash:
		return bulwark.Invalid("safeTxHash", "%s is not the hash of the transaction given (%s)", req.SafeTxHash.Hex(), v.Hashes.SafeTxHash.Hex())
	case req.Safe != (common.Address{}) && req.Safe != v.Safe:
		return bulwark.Invalid("safe", "%s is not the transaction's Safe %s", req.Safe.Hex(), v.Safe.Hex())
	case req.ChainID != nil && req.ChainID.Cmp(v.ChainID) != 0:
		return bulwark.Invalid("chainId", "%s is not the node's chain %s", req.ChainID, v.ChainID)
	}
	return nil
}

// approvable returns the verdict an approval of a would be given on:
// review, from v when given (a fresh verification) and else from the
// latest verification on record; a reject on record, fresh or not,
// refuses.
func (s *Service) approvable(ctx context.Context, a Approval, v *policy.Verification) (bulwark.Verdict, error) {
	recs, err := s.Verifications.Verifications(ctx, a.SafeTxHash)
	if err != nil {
		return "", err
	}
	recs = slices.DeleteFunc(recs, func(r policy.VerificationRecord) bool {
		return r.Safe != a.Safe || r.ChainID == nil || r.ChainID.Cmp(a.ChainID) != 0
	})
	for _, r := range recs {
		if r.Verdict == bulwark.VerdictReject {
			return "", bulwark.Invalid("safeTxHash", "safeTxHash %s was rejected (audit entry %d): a rejected transaction is never approved", a.SafeTxHash.Hex(), r.AuditSeq)
		}
	}
	var verdict bulwark.Verdict
	switch {
	case v != nil:
		verdict = v.Verdict
	case len(recs) == 0:
		return "", bulwark.Errorf(bulwark.ENOTFOUND, "safeTxHash %s of Safe %s on chain %s was never verified: ask the co-signer for it first ('bulwark safe cosign', POST /api/v1/safe/cosign), which holds it for approval when its verdict is review",
			a.SafeTxHash.Hex(), a.Safe.Hex(), a.ChainID)
	default:
		verdict = recs[len(recs)-1].Verdict
	}
	switch verdict {
	case bulwark.VerdictReview:
		return verdict, nil
	case bulwark.VerdictReject:
		return "", bulwark.Invalid("safeTxHash", "safeTxHash %s verifies reject: a rejected transaction is never approved", a.SafeTxHash.Hex())
	}
	return "", bulwark.Invalid("safeTxHash", "safeTxHash %s verifies %s: only a transaction whose verdict is review is approved (an ok one is co-signed without approvals)", a.SafeTxHash.Hex(), verdict)
}

func approvalDetails(a Approval, decision, code string) map[string]any {
	d := map[string]any{"decision": decision, "chainId": decimal(a.ChainID), "safe": a.Safe.Hex(),
		"safeTxHash": a.SafeTxHash.Hex(), "approver": a.Approver, "note": a.Note}
	if code != "" {
		d["error"] = code
	}
	return d
}
