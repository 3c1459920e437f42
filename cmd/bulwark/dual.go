package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/tracing"
)

// dualExecutors are what carries out each action under dual control once
// a second person approves it: the domain service's own method, called
// again with the approved request's grant (which lets it through the
// gate when what it would do is still what was approved).
type dualExecutors struct {
	dual      *approval.Service
	screening *screening.Service
	cases     *tracing.CaseService
	cosigner  *cosign.Service // nil without a co-signer
	alerts    *inbox.Service
	db        *sqlite.DB
	alog      *audit.Log
	book      *policy.LiveBook
}

func decodePayload(r *approval.Request, v any) error {
	if err := json.Unmarshal(r.Payload, v); err != nil {
		return bulwark.Wrap(err, bulwark.EINTERNAL, "approval request "+r.ID+": its stored input does not read back")
	}
	return nil
}

// register registers every executor with e.dual.
func (e *dualExecutors) register() {
	e.dual.Handle(approval.FalsePositive, func(ctx context.Context, r *approval.Request) (string, error) {
		var h screening.DispositionHold
		if err := decodePayload(r, &h); err != nil {
			return "", err
		}
		d, err := e.screening.ApplyDisposition(ctx, r.Requester, h.Disposition, h.Address, h.Chain, h.Name)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("false positive #%d recorded for entity %s", d.ID, d.EntityID), nil
	})
	e.dual.Handle(approval.AlertAck, e.alerts.AckExecutor())
	e.dual.Handle(approval.CaseClose, func(ctx context.Context, r *approval.Request) (string, error) {
		var h tracing.CloseHold
		if err := decodePayload(r, &h); err != nil {
			return "", err
		}
		c, entry, err := e.cases.Close(ctx, r.Requester, h.ID)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("case %d (%s) closed, audit entry %d", c.ID, c.Title, entry.Seq), nil
	})
	e.dual.Handle(approval.SafeApprove, func(ctx context.Context, r *approval.Request) (string, error) {
		if e.cosigner == nil {
			return "", bulwark.Errorf(bulwark.EUNAVAILABLE, "the co-signer is not configured on this server (a key and --rpc)")
		}
		var h cosign.ApproveHold
		if err := decodePayload(r, &h); err != nil {
			return "", err
		}
		req, err := h.Request()
		if err != nil {
			return "", err
		}
		res, err := e.cosigner.Approve(ctx, req)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("approval by %s recorded (audit entry %d); approvals counting: %s of %d", res.Approval.Approver, res.Approval.AuditSeq,
			strings.Join(res.Approvers, ", "), cosign.RequiredApprovals), nil
	})
	e.dual.Handle(approval.ThresholdLower, func(ctx context.Context, r *approval.Request) (string, error) {
		if strings.HasPrefix(r.Subject, "trace-case:") {
			var h tracing.ThresholdsHold
			if err := decodePayload(r, &h); err != nil {
				return "", err
			}
			_, entry, err := e.cases.Update(ctx, r.Requester, h.ID, h.Update)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("case %d thresholds changed, audit entry %d", h.ID, entry.Seq), nil
		}
		var h policy.BookChangeHold
		if err := decodePayload(r, &h); err != nil {
			return "", err
		}
		edit, version, err := h.Edit()
		if err != nil {
			return "", err
		}
		// Asked again with the grant: passes only when the change is
		// still the one approved, against the same version.
		if err := policy.GuardBookChange(ctx, e.dual, e.db, r.Requester, h.Action, version, edit); err != nil {
			return "", err
		}
		var c *policy.BookChange
		entry, err := e.alog.Do(ctx, func(ctx context.Context) (audit.Event, error) {
			var err error
			if c, err = policy.ChangeBook(ctx, e.db, r.Requester, version, edit); err != nil {
				return audit.Event{}, err
			}
			d := c.Details()
			d["approvalRequest"] = r.ID
			return audit.Event{Actor: r.Requester, Action: h.Action, Target: c.Target(), Details: d}, nil
		})
		if err != nil {
			return "", err
		}
		if entry == nil {
			return "address book unchanged", nil
		}
		if e.book != nil {
			e.book.Advance(c.After.Version, c.After.Book)
		}
		return fmt.Sprintf("address book version %d stored (sha256 %s), audit entry %d", c.After.Version, c.After.Book.Digest, entry.Seq), nil
	})
}

// passkeys are the people's passkeys as dual control uses them.
type passkeys interface {
	AssertionOptions(ctx context.Context, userID string, challenge []byte) ([]byte, error)
	VerifyAssertion(ctx context.Context, userID string, challenge, assertion []byte) ([]byte, error)
}

// useForApprovals makes dual control's approvals WebAuthn assertions of
// users' passkeys (auth.Users): serve calls it with the users service.
func useForApprovals(dual *approval.Service, users passkeys) {
	dual.Options = users.AssertionOptions
	dual.Verifier = approval.VerifierFunc(func(ctx context.Context, user string, challenge, assertion []byte) error {
		_, err := users.VerifyAssertion(ctx, user, challenge, assertion)
		return err
	})
}
