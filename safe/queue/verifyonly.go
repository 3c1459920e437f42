package queue

import (
	"context"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// VerifyOnly is the Cosigner of a queue watch without a co-signer key: it
// verifies each transaction against the node, with simulation, as 'safe
// verify --rpc' does, and never signs. Its decisions: ok is
// [DecisionVerified], review is held, reject is refused; so bad queued
// transactions are still alerted before anyone executes them.
type VerifyOnly struct {
	Node onchain.ChainReader
	// Simulator runs execTransaction against the Safe's state; nil skips
	// the simulation.
	Simulator policy.Simulator
	Policy    policy.Policy
	// Log and Store, when both are set, record every verdict as 'safe
	// verify' does (action safe.verify), so the Safe watcher knows an
	// executed transaction was verified, and how.
	Log   *audit.Log
	Store policy.VerificationStore
	// Actor is the verdicts' audit actor ("system:queue").
	Actor string
}

// Verify verifies req's transaction against the node and records the
// verdict (see VerifyOnly); a dry run records nothing.
func (v *VerifyOnly) Verify(ctx context.Context, req cosign.Request) (*policy.Verification, int64, error) {
	vr := policy.VerifyRequest{Tx: req.Tx, ChainID: req.Tx.ChainID, Policy: v.Policy}
	if req.Tx.Version != nil {
		vr.Version = *req.Tx.Version
	}
	ver, err := policy.VerifyOnChain(ctx, v.Node, vr, policy.ChainOptions{Simulator: v.Simulator})
	if err != nil {
		return nil, 0, err
	}
	if v.Log == nil || v.Store == nil || req.DryRun {
		return ver, 0, nil
	}
	actor := v.Actor
	if actor == "" {
		actor = "system:queue"
	}
	entry, err := v.Log.Do(context.WithoutCancel(ctx), func(txctx context.Context) (audit.Event, error) {
		d := ver.AuditDetails()
		d["requester"] = req.Requester
		return audit.Event{Actor: actor, Action: "safe.verify", Target: ver.AuditTarget(), Details: d},
			policy.RecordInAudit(txctx, v.Store, ver)
	})
	if err != nil {
		return nil, 0, err
	}
	return ver, entry.Seq, nil
}

// Cosign implements Cosigner: it verifies and never signs.
func (v *VerifyOnly) Cosign(ctx context.Context, req cosign.Request) (*cosign.Result, error) {
	ver, seq, err := v.Verify(ctx, req)
	if err != nil {
		return nil, err
	}
	return VerifiedResult(ver, seq), nil
}

// VerifiedResult is the Result of a co-signer that does not sign on
// verification ver (audit entry seq).
func VerifiedResult(ver *policy.Verification, seq int64) *cosign.Result {
	res := &cosign.Result{Verdict: ver.Verdict, PolicyVerdict: ver.Verdict, Findings: ver.Findings, SafeTxHash: ver.Hashes.SafeTxHash, AuditSeq: seq,
		Safe: ver.Safe, ChainID: ver.ChainID, Nonce: ver.Tx.Nonce, Verification: ver}
	switch ver.Verdict {
	case bulwark.VerdictOK:
		res.Decision = DecisionVerified
	case bulwark.VerdictReview:
		res.Decision = cosign.DecisionHeld
	default:
		res.Decision = cosign.DecisionRefused
	}
	return res
}
