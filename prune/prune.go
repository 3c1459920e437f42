// Package prune is a server's retention: a [Service] deletes, at start and
// every Interval, the records older than Keep, through one [Job] per kind
// of record (screening decisions, Safe alerts, …). A Job prunes with its
// audit entry; the Service logs what each pruned and retries a failure at
// the next run.
package prune

import (
	"context"
	"log/slog"
	"time"
)

// DefaultInterval is how often a Service prunes.
const DefaultInterval = time.Hour

// Job prunes one kind of record.
type Job struct {
	// Name is the records' name in the log ("screening decisions").
	Name string
	// Prune deletes the records stored before before. It returns the
	// attributes to log (key, value, …) when it deleted any, nil when
	// there was nothing to delete.
	Prune func(ctx context.Context, before time.Time) ([]any, error)
}

// Service runs the Jobs until its context ends.
type Service struct {
	// Keep is how long records are kept; 0 keeps them forever (Run does
	// nothing).
	Keep time.Duration
	// Interval is how often the Jobs run (0: DefaultInterval).
	Interval time.Duration
	Jobs     []Job
	Logger   *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Run prunes now and every Interval until ctx ends.
func (s *Service) Run(ctx context.Context) {
	if s.Keep <= 0 {
		return
	}
	every := s.Interval
	if every <= 0 {
		every = DefaultInterval
	}
	now := s.Now
	if now == nil {
		now = time.Now
	}
	log := s.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.runOnce(ctx, now().Add(-s.Keep), log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) runOnce(ctx context.Context, before time.Time, log *slog.Logger) {
	for _, j := range s.Jobs {
		attrs, err := j.Prune(ctx, before)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("retention: pruning "+j.Name+" failed; will retry", "err", err)
		case err == nil && attrs != nil:
			log.Info("retention: pruned "+j.Name, attrs...)
		}
	}
}
