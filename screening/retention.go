package screening

import (
	"context"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

// PruneReport says what Prune deleted.
type PruneReport struct {
	// Before is the retention cutoff: decisions recorded before it were
	// deleted.
	Before time.Time `json:"before"`
	// AuditSeqBelow: the decisions deleted are exactly those whose audit
	// entry comes before this one (their entries stay in the log).
	AuditSeqBelow int64 `json:"auditSeqBelow"`
	Decisions     int64 `json:"decisions"`
	Alerts        int64 `json:"alerts"`
	// AuditSeq is the prune's own audit entry (0 when nothing was
	// deleted: no entry is written then).
	AuditSeq int64 `json:"auditSeq,omitempty"`
}

// Prune deletes the decisions recorded before before, with the alerts they
// raised (an alert whose webhook delivery is pending is kept, with its
// decision), in one audited change. The audit entries of the deleted
// decisions stay: the prune's entry (action screen.prune) records the
// range, by audit sequence number, whose decisions were deleted, so that
// audit verify does not report them missing. The range is a prefix of the
// log: the decisions deleted are those whose entry comes before the entry
// of the oldest decision kept.
func (s *Service) Prune(ctx context.Context, actor string, before time.Time) (*PruneReport, error) {
	if before.IsZero() {
		return nil, bulwark.Invalid("before", "a retention cutoff is required")
	}
	rep := &PruneReport{Before: before.UTC()}
	e, err := s.cfg.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		seq, _ := audit.PendingSeq(ctx)
		below, ok, err := s.cfg.Store.FirstDecisionSeqSince(ctx, before)
		if err != nil {
			return audit.Event{}, err
		}
		if !ok {
			below = seq // every decision is older than the cutoff
		}
		rep.AuditSeqBelow = below
		if rep.Decisions, rep.Alerts, err = s.cfg.Store.PruneDecisions(ctx, below); err != nil {
			return audit.Event{}, err
		}
		if rep.Decisions == 0 && rep.Alerts == 0 {
			return audit.Event{}, audit.ErrUnchanged
		}
		return audit.Event{Actor: actor, Action: "screen.prune", Target: "decisions before " + rep.Before.Format(time.RFC3339),
			Details: map[string]any{"before": rep.Before, "auditSeqBelow": below, "decisions": rep.Decisions, "alerts": rep.Alerts}}, nil
	})
	if err != nil {
		return nil, err
	}
	if e == nil { // nothing deleted: no entry
		return rep, nil
	}
	rep.AuditSeq = e.Seq
	return rep, nil
}
