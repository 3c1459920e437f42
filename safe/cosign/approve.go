package cosign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
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
	// OSUser and Host are the operating-system user and host of a
	// command-line approval (empty through the API): two command-line
	// approvals from the same user on the same host count once.
	OSUser, Host string
	// Actor is who the audit log names; Approver when empty.
	Actor string
}

// ApproveResult is an approval as stored, with every approver so far.
type ApproveResult struct {
	Approval Approval
	// Verdict is the verdict the approval was given on (review).
	Verdict bulwark.Verdict
	// Approvers are the distinct approvers whose approvals count now for
	// what this one approved, oldest first, this one included, as
	// identities ("token:<id>", "cli:<name>").
	Approvers []string
	// Replaced is the audit entry of the approver's earlier approval that
	// this one replaced (it no longer counted: stale or expired); 0 when
	// none.
	Replaced int64
	// Person is the person the approval's API token belongs to ("" when
	// it names none, and on the command line).
	Person string
}

// ApprovalJSON is the answer of 'bulwark safe approve --json' and POST
// /api/v1/safe/approvals.
type ApprovalJSON struct {
	ChainID    string   `json:"chainId"`
	Safe       string   `json:"safe"`
	SafeTxHash string   `json:"safeTxHash"`
	Approver   string   `json:"approver"`
	Person     string   `json:"person,omitempty"`
	Note       string   `json:"note,omitempty"`
	Approvers  []string `json:"approvers"`
	Required   int      `json:"required"`
	AuditSeq   int64    `json:"auditSeq"`
	// Digest is what was approved (policy.Verification.ApprovalDigest);
	// Expires when the approval stops counting (RFC 3339 UTC).
	Digest  string `json:"digest"`
	Expires string `json:"expires"`
	OSUser  string `json:"osUser,omitempty"`
	Host    string `json:"host,omitempty"`
	// Replaced is the audit entry of the approver's earlier approval this
	// one replaced.
	Replaced int64 `json:"replaced,omitempty"`
}

// JSON returns the JSON form of r.
func (r *ApproveResult) JSON() ApprovalJSON {
	a := r.Approval
	return ApprovalJSON{ChainID: decimal(a.ChainID), Safe: a.Safe.Hex(), SafeTxHash: a.SafeTxHash.Hex(), Approver: a.Approver, Person: r.Person,
		Note: a.Note, Approvers: r.Approvers, Required: RequiredApprovals, AuditSeq: a.AuditSeq, Digest: a.Digest,
		Expires: a.Expires.UTC().Format(time.RFC3339), OSUser: a.OSUser, Host: a.Host, Replaced: r.Replaced}
}

// Bounds and default of the time an approval counts for
// (Service.ApprovalTTL; serve and the CLI's --approval-ttl).
const (
	DefaultApprovalTTL = 24 * time.Hour
	MinApprovalTTL     = time.Minute
	MaxApprovalTTL     = 30 * 24 * time.Hour
)

// CheckApprovalTTL returns an EINVALID error naming field unless d is
// from MinApprovalTTL to MaxApprovalTTL. 0 is refused, not taken for
// "never": an approval that never expires is a standing permission to
// co-sign, which dual control is there to prevent.
func CheckApprovalTTL(field string, d time.Duration) error {
	if d < MinApprovalTTL || d > MaxApprovalTTL {
		return bulwark.Invalid(field, "%s: an approval lasts from %s to %s (%dh); 0 is refused: an approval that never expires is a standing permission",
			d, MinApprovalTTL, humanDuration(MaxApprovalTTL), int64(MaxApprovalTTL/time.Hour))
	}
	return nil
}

// approvalTTL is the time an approval counts for: ApprovalTTL, or
// DefaultApprovalTTL when it is 0.
func (s *Service) approvalTTL() (time.Duration, error) {
	if s.ApprovalTTL == 0 {
		return DefaultApprovalTTL, nil
	}
	return s.ApprovalTTL, CheckApprovalTTL("approvalTtl", s.ApprovalTTL)
}

// identity returns the approver identity of a request ("cli:<name>", or
// "token:<id>" when tokenID is given) and the name checked.
func identity(approverName, tokenID string) (approver, name string, err error) {
	name, err = checkText("approver", "the name of the person approving", approverName, MaxApproverLen-len(SourceToken), true, false)
	if err != nil {
		return "", "", err
	}
	approver = SourceCLI + name
	if tokenID != "" {
		id, err := checkText("token", "", tokenID, MaxApproverLen-len(SourceToken), true, false)
		if err != nil {
			return "", "", err
		}
		approver = SourceToken + id
	}
	return approver, name, nil
}

// Approve records req.Approver's approval of a transaction whose verdict
// is review, in the same audit transaction as its entry (action
// safe.approve). The approval records what was approved (the approval
// digest of the verification it rests on) and expires after the
// ApprovalTTL. It is refused (and the refusal audited) for a transaction
// never verified with its chain and Safe (ENOTFOUND), one whose verdict is
// not review or that a verification on record rejected (EINVALID: a
// reject is never approved, an ok needs no approval), one whose
// verification was not simulated against a node (EINVALID, naming rpc),
// and a second approval by the same approver while the first still counts
// (ECONFLICT). An approver whose earlier approval no longer counts (the
// transaction verifies differently now, or it expired) approves again:
// the earlier one is marked replaced.
func (s *Service) Approve(ctx context.Context, req ApproveRequest) (*ApproveResult, error) {
	if s.Store == nil || s.Audit == nil || s.Verifications == nil {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "approvals need the co-signer's store, the audit log and the verification records")
	}
	ttl, err := s.approvalTTL()
	if err != nil {
		return nil, err
	}
	// An invalid request is audited as refused, under the actor the
	// caller vouches for (the token, the CLI user), or the name given.
	actor := req.Actor
	refuseInput := func(err error) (*ApproveResult, error) { return nil, s.refuseInput(ctx, "safe.approve", actor, err) }
	approver, name, err := identity(req.Approver, req.TokenID)
	if actor == "" {
		actor = approver
		if err != nil {
			actor = SourceCLI + "(invalid name)"
		}
	}
	if err != nil {
		return refuseInput(err)
	}
	note, err := checkText("note", "", req.Note, MaxNoteLen, false, true)
	if err != nil {
		return refuseInput(err)
	}
	osUser, err := checkText("osUser", "", req.OSUser, MaxApproverLen, false, false)
	if err != nil {
		return refuseInput(err)
	}
	host, err := checkText("host", "", req.Host, MaxApproverLen, false, false)
	if err != nil {
		return refuseInput(err)
	}
	// The person a token belongs to, as the token store says (never as
	// the request says): the audit entry names the person approving.
	var person string
	if req.TokenID != "" && s.Tokens != nil {
		if person, err = s.tokenPerson(ctx, req.TokenID); err != nil {
			return nil, err
		}
	}
	named := func(d map[string]any) map[string]any {
		d["name"] = name
		if person != "" {
			d["person"] = person
		}
		return d
	}
	var v *policy.Verification
	if req.Tx != nil {
		if err := s.check(); err != nil {
			return nil, err
		}
		if v, err = s.verify(ctx, *req.Tx); err != nil {
			return refuseInput(err)
		}
		if err := sameTx(req, v); err != nil {
			return refuseInput(err)
		}
		req.ChainID, req.Safe, req.SafeTxHash = v.ChainID, v.Safe, v.Hashes.SafeTxHash
	}
	switch {
	case req.ChainID == nil || req.ChainID.Sign() <= 0:
		return refuseInput(bulwark.Invalid("chainId", "required: the chain id of the Safe, e.g. 1 for Ethereum mainnet"))
	case req.Safe == (common.Address{}):
		return refuseInput(bulwark.Invalid("safe", "required: the Safe's address"))
	case req.SafeTxHash == (common.Hash{}):
		return refuseInput(bulwark.Invalid("safeTxHash", "required: the safeTxHash of the transaction to approve"))
	}
	a := Approval{ChainID: req.ChainID, Safe: req.Safe, SafeTxHash: req.SafeTxHash, Approver: approver, Note: note, OSUser: osUser, Host: host}
	target := "safe:" + a.Safe.Hex() + "@" + a.SafeTxHash.Hex()
	refuse := func(err error) (*ApproveResult, error) {
		_, _ = s.Audit.Record(context.WithoutCancel(ctx), audit.Event{Actor: actor, Action: "safe.approve", Target: target,
			Details: named(refusalDetails(a, err))})
		return nil, err
	}
	verdict, digest, err := s.approvable(ctx, a, v)
	if err != nil {
		if bulwark.IsCode(err, bulwark.EINVALID) || bulwark.IsCode(err, bulwark.ENOTFOUND) {
			return refuse(err)
		}
		return nil, err
	}
	a.Digest = digest
	if s.Dual != nil {
		h, err := approveHold(req, a, verdict, name, person, actor)
		if err != nil {
			return nil, err
		}
		if err := s.Dual.Check(ctx, h); err != nil {
			return nil, err
		}
	}
	now := s.now()
	a.Expires = now.Add(ttl).UTC()
	var replaced int64
	entry, err := s.Audit.Do(ctx, func(txctx context.Context) (audit.Event, error) {
		if v != nil {
			if err := policy.RecordInAudit(txctx, s.Verifications, v); err != nil {
				return audit.Event{}, err
			}
		}
		seq, _ := audit.PendingSeq(txctx)
		all, err := s.Store.Approvals(txctx, a.ChainID, a.Safe, a.SafeTxHash)
		if err != nil {
			return audit.Event{}, err
		}
		for _, p := range all {
			if p.Approver != approver || p.Withdrawn != nil {
				continue
			}
			if p.Digest == a.Digest && now.Before(s.expiry(p, ttl)) {
				return audit.Event{}, bulwark.Errorf(bulwark.ECONFLICT, "%s (%s) has already approved safeTxHash %s (audit entry %d, until %s): dual control needs another person",
					approver, name, a.SafeTxHash.Hex(), p.AuditSeq, s.expiry(p, ttl).UTC().Format(time.RFC3339))
			}
			if _, err := s.Store.WithdrawApproval(txctx, a.ChainID, a.Safe, a.SafeTxHash, approver, Withdrawal{Reason: WithdrawnReplaced, AuditSeq: seq}); err != nil {
				return audit.Event{}, err
			}
			replaced = p.AuditSeq
		}
		stored := a
		stored.AuditSeq = seq
		if err := s.Store.AddApproval(txctx, stored); err != nil {
			return audit.Event{}, err
		}
		d := named(approvalDetails(a, "approved", ""))
		d["verdict"] = verdict
		if id := approval.GrantedRequest(txctx); id != "" {
			d["approvalRequest"] = id
		}
		if replaced != 0 {
			d["replaced"] = replaced
		}
		return audit.Event{Actor: actor, Action: "safe.approve", Target: target, Details: d}, nil
	})
	if err != nil {
		if bulwark.IsCode(err, bulwark.ECONFLICT) {
			if !strings.Contains(bulwark.ErrorMessage(err), "dual control") {
				err = bulwark.Errorf(bulwark.ECONFLICT, "%s (%s) has already approved safeTxHash %s: dual control needs another person", approver, name, a.SafeTxHash.Hex())
			}
			return refuse(err)
		}
		return nil, err
	}
	a.AuditSeq = entry.Seq
	all, err := s.Store.Approvals(ctx, a.ChainID, a.Safe, a.SafeTxHash)
	if err != nil {
		return nil, err
	}
	counted, _, err := s.countApprovals(ctx, all, a.Digest, now)
	if err != nil {
		return nil, err
	}
	return &ApproveResult{Approval: a, Verdict: verdict, Approvers: approvers(counted), Replaced: replaced, Person: person}, nil
}

// ApproveHold is the input of an approval held for dual control
// (approval.SafeApprove): the request as given, its transaction (when
// given) as JSON, so that the approved approval verifies it again.
type ApproveHold struct {
	ChainID    string          `json:"chainId"`
	Safe       common.Address  `json:"safe"`
	SafeTxHash common.Hash     `json:"safeTxHash"`
	Tx         json.RawMessage `json:"tx,omitempty"`
	Approver   string          `json:"approver"`
	TokenID    string          `json:"tokenId,omitempty"`
	Note       string          `json:"note,omitempty"`
	OSUser     string          `json:"osUser,omitempty"`
	Host       string          `json:"host,omitempty"`
	Actor      string          `json:"actor,omitempty"`
}

// Request returns the approval request h holds.
func (h ApproveHold) Request() (ApproveRequest, error) {
	chain, ok := new(big.Int).SetString(h.ChainID, 10)
	if !ok {
		return ApproveRequest{}, bulwark.Invalid("chainId", "%q is not a chain id", h.ChainID)
	}
	req := ApproveRequest{ChainID: chain, Safe: h.Safe, SafeTxHash: h.SafeTxHash, Approver: h.Approver, TokenID: h.TokenID,
		Note: h.Note, OSUser: h.OSUser, Host: h.Host, Actor: h.Actor}
	if len(h.Tx) > 0 {
		tx, err := policy.ReadServiceTx(h.Tx)
		if err != nil {
			return ApproveRequest{}, err
		}
		req.Tx = tx
	}
	return req, nil
}

// approveHold is what dual control holds of approval a: its subject (the
// chain, Safe and safeTxHash), the summary the approver is shown and the
// request to run again once approved.
func approveHold(req ApproveRequest, a Approval, verdict bulwark.Verdict, name, person, actor string) (approval.Hold, error) {
	h := ApproveHold{ChainID: decimal(a.ChainID), Safe: a.Safe, SafeTxHash: a.SafeTxHash, Approver: req.Approver, TokenID: req.TokenID,
		Note: a.Note, OSUser: a.OSUser, Host: a.Host, Actor: req.Actor}
	if req.Tx != nil {
		raw, err := json.Marshal(req.Tx)
		if err != nil {
			return approval.Hold{}, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot keep the transaction for its approval")
		}
		h.Tx = raw
	}
	var b strings.Builder
	b.WriteString("Approve a Safe transaction the co-signer holds for review (one of the two approvals by different people it needs to co-sign).\n")
	line := func(k, v string) { fmt.Fprintf(&b, "%-16s %s\n", k+":", v) }
	line("Chain", decimal(a.ChainID))
	line("Safe", a.Safe.Hex())
	line("safeTxHash", a.SafeTxHash.Hex())
	line("Verdict", string(verdict))
	line("Approval digest", a.Digest+" (the transaction, policy, address book, Safe state, findings and lists approved)")
	who := a.Approver + " (" + name + ")"
	if person != "" {
		who += ", person " + person
	}
	line("Approval by", who)
	if a.OSUser != "" || a.Host != "" {
		line("Command line", a.OSUser+"@"+a.Host)
	}
	if a.Note != "" {
		line("Note", approval.Quote(a.Note))
	}
	return approval.Hold{Action: approval.SafeApprove, Subject: "safe:" + decimal(a.ChainID) + ":" + a.Safe.Hex() + ":" + a.SafeTxHash.Hex(),
		Summary: b.String(), Payload: h, Actor: actor}, nil
}

// WithdrawRequest withdraws one person's own approval.
type WithdrawRequest struct {
	ChainID    *big.Int
	Safe       common.Address
	SafeTxHash common.Hash
	// Approver and TokenID name the approver as for ApproveRequest: one
	// withdraws only one's own approval.
	Approver, TokenID string
	// Note is why (optional, at most MaxNoteLen bytes).
	Note string
	// Actor is who the audit log names; the approver when empty.
	Actor string
}

// WithdrawResult is a withdrawn approval.
type WithdrawResult struct {
	// Approval is the approval withdrawn, Withdrawn set.
	Approval Approval
	// AuditSeq is the withdrawal's audit entry.
	AuditSeq int64
}

// WithdrawJSON is the answer of 'bulwark safe approve --withdraw --json'
// and of the API's withdrawal.
type WithdrawJSON struct {
	ChainID    string `json:"chainId"`
	Safe       string `json:"safe"`
	SafeTxHash string `json:"safeTxHash"`
	Approver   string `json:"approver"`
	// Approved is the audit entry of the approval withdrawn; AuditSeq the
	// withdrawal's.
	Approved int64 `json:"approved"`
	AuditSeq int64 `json:"auditSeq"`
}

// JSON returns the JSON form of r.
func (r *WithdrawResult) JSON() WithdrawJSON {
	a := r.Approval
	return WithdrawJSON{ChainID: decimal(a.ChainID), Safe: a.Safe.Hex(), SafeTxHash: a.SafeTxHash.Hex(), Approver: a.Approver,
		Approved: a.AuditSeq, AuditSeq: r.AuditSeq}
}

// Withdraw withdraws req's approver's standing approval of a transaction,
// in the same audit transaction as its entry (action
// safe.approve.withdraw): it no longer counts, and the co-signer holds the
// transaction again until another approval is given. An approver without
// a standing approval of the transaction is ENOTFOUND; the refusal is
// audited too.
func (s *Service) Withdraw(ctx context.Context, req WithdrawRequest) (*WithdrawResult, error) {
	if s.Store == nil || s.Audit == nil {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "withdrawals need the co-signer's store and the audit log")
	}
	actor := req.Actor
	refuseInput := func(err error) (*WithdrawResult, error) {
		return nil, s.refuseInput(ctx, "safe.approve.withdraw", actor, err)
	}
	approver, name, err := identity(req.Approver, req.TokenID)
	if actor == "" {
		actor = approver
		if err != nil {
			actor = SourceCLI + "(invalid name)"
		}
	}
	if err != nil {
		return refuseInput(err)
	}
	note, err := checkText("note", "", req.Note, MaxNoteLen, false, true)
	if err != nil {
		return refuseInput(err)
	}
	switch {
	case req.ChainID == nil || req.ChainID.Sign() <= 0:
		return refuseInput(bulwark.Invalid("chainId", "required: the chain id of the Safe, e.g. 1 for Ethereum mainnet"))
	case req.Safe == (common.Address{}):
		return refuseInput(bulwark.Invalid("safe", "required: the Safe's address"))
	case req.SafeTxHash == (common.Hash{}):
		return refuseInput(bulwark.Invalid("safeTxHash", "required: the safeTxHash of the approved transaction"))
	}
	target := "safe:" + req.Safe.Hex() + "@" + req.SafeTxHash.Hex()
	details := func(decision string) map[string]any {
		return map[string]any{"decision": decision, "chainId": decimal(req.ChainID), "safe": req.Safe.Hex(),
			"safeTxHash": req.SafeTxHash.Hex(), "approver": approver, "name": name, "note": note}
	}
	var out Approval
	entry, err := s.Audit.Do(ctx, func(txctx context.Context) (audit.Event, error) {
		seq, _ := audit.PendingSeq(txctx)
		a, err := s.Store.WithdrawApproval(txctx, req.ChainID, req.Safe, req.SafeTxHash, approver, Withdrawal{Reason: WithdrawnByApprover, AuditSeq: seq})
		if err != nil {
			return audit.Event{}, err
		}
		out = *a
		d := details("withdrawn")
		d["approved"] = a.AuditSeq
		return audit.Event{Actor: actor, Action: "safe.approve.withdraw", Target: target, Details: d}, nil
	})
	if err != nil {
		if bulwark.IsCode(err, bulwark.ENOTFOUND) {
			err = bulwark.Errorf(bulwark.ENOTFOUND, "%s (%s) has no standing approval of safeTxHash %s of Safe %s on chain %s to withdraw",
				approver, name, req.SafeTxHash.Hex(), req.Safe.Hex(), req.ChainID)
			d := details("refused")
			d["error"], d["reason"] = bulwark.ENOTFOUND, AuditReason(err)
			_, _ = s.Audit.Record(context.WithoutCancel(ctx), audit.Event{Actor: actor, Action: "safe.approve.withdraw", Target: target, Details: d})
		}
		return nil, err
	}
	return &WithdrawResult{Approval: out, AuditSeq: entry.Seq}, nil
}

// RecordBadRequest audits a request to the co-signer (action
// "safe.cosign", "safe.approve" or "safe.approve.withdraw") refused before
// it named a transaction: a body that does not parse, a field of the
// wrong form. The details say what was refused and why, never the body.
func (s *Service) RecordBadRequest(ctx context.Context, action, actor string, details map[string]any, cause error) {
	if s.Audit == nil {
		return
	}
	d := map[string]any{"decision": "refused", "error": bulwark.ErrorCode(cause), "reason": AuditReason(cause)}
	var be *bulwark.Error
	if errors.As(cause, &be) && be.Field != "" {
		d["field"] = be.Field
	}
	for k, v := range details {
		d[k] = v
	}
	_, _ = s.Audit.Record(context.WithoutCancel(ctx), audit.Event{Actor: actor, Action: action, Target: "safe:request", Details: d})
}

// refuseInput audits err, when it is the request's fault (invalid, too
// large), as a request of action refused before it was decided, and
// returns it; another error (the node, the store) is returned as it is.
func (s *Service) refuseInput(ctx context.Context, action, actor string, err error) error {
	if bulwark.IsCode(err, bulwark.EINVALID) || bulwark.IsCode(err, bulwark.ETOOLARGE) {
		s.RecordBadRequest(ctx, action, actor, nil, err)
	}
	return err
}

// MaxAuditReason bounds the error message an audited refusal keeps, in
// bytes.
const MaxAuditReason = 500

// urlInText finds URLs in an error message.
var urlInText = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^\s"'<>]*[^\s"'<>.,;:)]`)

// AuditReason is err's message as an audited refusal keeps it: a URL
// reduced to its scheme and host (a node's URL may carry an API key in
// its path, query or user part), cut to MaxAuditReason bytes on a
// character boundary.
func AuditReason(err error) string {
	msg := urlInText.ReplaceAllStringFunc(bulwark.ErrorMessage(err), func(u string) string {
		if p, perr := url.Parse(u); perr == nil && p.Host != "" {
			return p.Scheme + "://" + p.Host + "/…"
		}
		return "<url>"
	})
	if len(msg) <= MaxAuditReason {
		return msg
	}
	cut := MaxAuditReason
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
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

// approvable returns the verdict an approval of a would be given on
// (review) and the approval digest it approves: from v when given (a
// fresh verification) and else from the latest verification on record; a
// reject on record, fresh or not, refuses, and so does a verification
// that was not simulated against a node.
func (s *Service) approvable(ctx context.Context, a Approval, v *policy.Verification) (bulwark.Verdict, string, error) {
	recs, err := s.Verifications.Verifications(ctx, a.SafeTxHash)
	if err != nil {
		return "", "", err
	}
	recs = slices.DeleteFunc(recs, func(r policy.VerificationRecord) bool {
		return r.Safe != a.Safe || r.ChainID == nil || r.ChainID.Cmp(a.ChainID) != 0
	})
	for _, r := range recs {
		if r.Verdict == bulwark.VerdictReject {
			return "", "", bulwark.Invalid("safeTxHash", "safeTxHash %s was rejected (audit entry %d): a rejected transaction is never approved", a.SafeTxHash.Hex(), r.AuditSeq)
		}
	}
	var verdict bulwark.Verdict
	var digest string
	var simulated bool
	var from string
	switch {
	case v != nil:
		verdict, simulated, digest, from = v.Verdict, v.Simulated(), v.ApprovalDigest(), "the verification on the node"
	case len(recs) == 0:
		return "", "", bulwark.Errorf(bulwark.ENOTFOUND, "safeTxHash %s of Safe %s on chain %s was never verified: ask the co-signer for it first ('bulwark safe cosign', POST /api/v1/safe/cosign), which holds it for approval when its verdict is review",
			a.SafeTxHash.Hex(), a.Safe.Hex(), a.ChainID)
	default:
		r := recs[len(recs)-1]
		verdict, simulated, digest, from = r.Verdict, r.Simulated, r.ApprovalDigest, fmt.Sprintf("the latest verification on record (audit entry %d)", r.AuditSeq)
	}
	switch verdict {
	case bulwark.VerdictReview:
	case bulwark.VerdictReject:
		return "", "", bulwark.Invalid("safeTxHash", "safeTxHash %s verifies reject: a rejected transaction is never approved", a.SafeTxHash.Hex())
	default:
		return "", "", bulwark.Invalid("safeTxHash", "safeTxHash %s verifies %s: only a transaction whose verdict is review is approved (an ok one is co-signed without approvals)", a.SafeTxHash.Hex(), verdict)
	}
	if !simulated || digest == "" {
		return "", "", bulwark.Invalid("rpc", "%s of safeTxHash %s was not simulated against a node (an offline 'safe verify', or a node without debug_traceCall): an approval rests only on a simulated verification; approve with --tx FILE --rpc URL, or ask the co-signer first ('bulwark safe cosign --rpc URL', POST /api/v1/safe/cosign)",
			from, a.SafeTxHash.Hex())
	}
	return verdict, digest, nil
}

func approvalDetails(a Approval, decision, code string) map[string]any {
	d := map[string]any{"decision": decision, "chainId": decimal(a.ChainID), "safe": a.Safe.Hex(),
		"safeTxHash": a.SafeTxHash.Hex(), "approver": a.Approver, "note": a.Note}
	if a.OSUser != "" || a.Host != "" {
		d["osUser"], d["host"] = a.OSUser, a.Host
	}
	if a.Digest != "" {
		d["digest"] = a.Digest
	}
	if !a.Expires.IsZero() {
		d["expires"] = a.Expires.UTC().Format(time.RFC3339)
	}
	if code != "" {
		d["error"] = code
	}
	return d
}

// refusalDetails are approvalDetails of a refused approval, with why.
func refusalDetails(a Approval, err error) map[string]any {
	d := approvalDetails(a, "refused", bulwark.ErrorCode(err))
	d["reason"] = AuditReason(err)
	return d
}
