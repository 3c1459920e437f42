package inbox

import (
	"context"
	"log/slog"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
)

// Escalator defaults.
const (
	DefaultThreshold = 15 * time.Minute
	DefaultEvery     = 30 * time.Second
	escalateBatch    = 100
)

// Escalator escalates the critical items still unacknowledged Threshold
// after they were raised, each once, through the outbox (see the package
// doc). Run it with Run; Pass makes one pass.
type Escalator struct {
	Store Store
	Audit *audit.Log
	// Threshold is how long a critical item may stay unacknowledged
	// (DefaultThreshold when 0).
	Threshold time.Duration
	// Every is how often the store is looked at (DefaultEvery when 0).
	Every time.Duration
	// Stored, when set, is called after a pass that escalated something
	// (the outbox's Wake).
	Stored func()
	// Now returns the current time; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

func (e *Escalator) threshold() time.Duration {
	if e.Threshold > 0 {
		return e.Threshold
	}
	return DefaultThreshold
}

// Pass escalates every item due now and returns how many it escalated.
func (e *Escalator) Pass(ctx context.Context) (int, error) {
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	n := 0
	defer func() {
		if n > 0 && e.Stored != nil {
			e.Stored()
		}
	}()
	for {
		at := now().UTC()
		due, err := e.Store.DueEscalations(ctx, Critical, at.Add(-e.threshold()), escalateBatch)
		if err != nil {
			return n, err
		}
		for _, it := range due {
			ent, err := e.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
				ok, err := e.Store.EscalateInboxItem(ctx, it.ID, at)
				if err != nil {
					return audit.Event{}, err
				}
				if !ok {
					return audit.Event{}, audit.ErrUnchanged
				}
				return audit.Event{Actor: "system:escalation", Action: ActionEscalate, Target: target(it),
					Details: map[string]any{"kind": it.Kind, "ref": it.Ref, "severity": it.Severity,
						"raisedAt": it.Time, "threshold": e.threshold().String()}}, nil
			})
			if err != nil {
				return n, err
			}
			if ent != nil {
				n++
			}
		}
		if len(due) < escalateBatch {
			return n, nil
		}
	}
}

// Run escalates until ctx ends, one pass every Every; a failed pass is
// logged and tried again at the next.
func (e *Escalator) Run(ctx context.Context) {
	every := e.Every
	if every <= 0 {
		every = DefaultEvery
	}
	log := e.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := e.Pass(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Error("alerts: escalation pass failed", "err", err.Error())
		} else if n > 0 {
			log.Warn("alerts: critical alerts escalated (unacknowledged past the threshold)", "count", n, "threshold", e.threshold())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
