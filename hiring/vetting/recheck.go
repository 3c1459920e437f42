package vetting

import (
	"context"
	"log/slog"

	"github.com/bulwark-sec/bulwark/hiring"
)

// Rechecker re-checks every stored person when told that something they
// were checked against changed (the screening lists in force): Nudge
// asks for a re-check and returns at once; Run does them, one at a time,
// nudges that arrive meanwhile coalesced into one more. It is the serve
// command's background service.
type Rechecker struct {
	// Recheck re-checks every stored person (Config.Recheck) with reason.
	Recheck func(ctx context.Context, actor, reason string) (*hiring.RunResult, error)
	// Actor is recorded with the runs ("system:recheck" when empty).
	Actor string
	// Logger receives a line per run (nil discards).
	Logger *slog.Logger
	// Done, when set, is told of each run's outcome (nil result: nobody
	// stored); tests wait on it.
	Done func(*hiring.RunResult, error)

	wake chan string
}

// NewRechecker returns a Rechecker calling recheck.
func NewRechecker(recheck func(ctx context.Context, actor, reason string) (*hiring.RunResult, error), log *slog.Logger) *Rechecker {
	return &Rechecker{Recheck: recheck, Logger: log, wake: make(chan string, 1)}
}

// Nudge asks for a re-check for reason; it never blocks (a re-check
// already asked for covers this one).
func (r *Rechecker) Nudge(reason string) {
	select {
	case r.wake <- reason:
	default:
	}
}

// Run re-checks on every nudge until ctx ends.
func (r *Rechecker) Run(ctx context.Context) {
	actor := r.Actor
	if actor == "" {
		actor = "system:recheck"
	}
	for {
		select {
		case <-ctx.Done():
			return
		case reason := <-r.wake:
			res, err := r.Recheck(ctx, actor, reason)
			r.log(res, err, reason)
			if r.Done != nil {
				r.Done(res, err)
			}
		}
	}
}

func (r *Rechecker) log(res *hiring.RunResult, err error, reason string) {
	if r.Logger == nil {
		return
	}
	switch {
	case err != nil:
		r.Logger.Error("hiring re-check failed", "reason", reason, "err", err)
	case res == nil:
		r.Logger.Debug("hiring re-check: nobody stored", "reason", reason)
	default:
		// Counts only: no identifier goes to the log.
		r.Logger.Info("hiring re-check", "reason", reason, "run", res.Run.ID, "people", len(res.Assessments),
			"block", res.Run.Verdicts["block"], "review", res.Run.Verdicts["review"], "auditSeq", res.Run.AuditSeq)
	}
}
