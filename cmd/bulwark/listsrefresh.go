package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/httpapi"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/lists"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

// tokenCacheTTL is how long serve keeps an API token read from the store
// (see auth.Service.CacheTTL).
const tokenCacheTTL = 2 * time.Second

// reloadEvery is how often serve looks for list changes made by another
// process ('bulwark lists update' on the same data directory).
const reloadEvery = 5 * time.Second

// listsRefresher keeps serve's lists current: it picks up imports made by
// the CLI, refreshes from the configured sources on a schedule, and
// reports staleness and failed refreshes to /readyz.
type listsRefresher struct {
	svc      *screening.Service
	from     string
	interval time.Duration
	log      *slog.Logger
	// reloaded, when set, is called after a reload picked up a change
	// another process made (serve then delivers the alerts that process
	// stored).
	reloaded func()

	// store, when set, is checked for list versions an earlier Bulwark
	// mislabelled (logged at start, reported by /readyz until repaired).
	store screening.ListStore

	mu      sync.Mutex
	lastErr error
	lastAt  time.Time
	// mislabelled is what the check found for the active versions
	// mislabelledFor names (id@sha256 of each, in order).
	mislabelled    []sources.Mislabelled
	mislabelledFor string
}

// findMislabelled returns the active list versions an earlier Bulwark
// mislabelled, checking the store again only when the active versions
// changed. l.mu must be held.
func (l *listsRefresher) findMislabelled(ctx context.Context) ([]sources.Mislabelled, error) {
	if l.store == nil {
		return nil, nil
	}
	active := l.svc.Screener().Index().Lists()
	var key strings.Builder
	for _, li := range active {
		key.WriteString(li.ID + "@" + li.SHA256 + " ")
	}
	if key.String() == l.mislabelledFor && l.mislabelledFor != "" {
		return l.mislabelled, nil
	}
	ms, err := sources.FindMislabelled(ctx, l.store, active)
	if err != nil {
		return nil, err
	}
	l.mislabelled, l.mislabelledFor = ms, key.String()
	return ms, nil
}

// warnMislabelled logs each mislabelled list once, at start.
func (l *listsRefresher) warnMislabelled(ctx context.Context) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ms, err := l.findMislabelled(ctx)
	if err != nil {
		l.log.Warn("the lists could not be checked for versions an earlier Bulwark mislabelled", "err", err.Error())
		return
	}
	for _, ml := range ms {
		fix := "bulwark lists remove " + ml.List.ID
		if ml.Restore != nil {
			fix = "bulwark lists repair"
		}
		l.log.Warn("list mislabelled by an earlier Bulwark; screening uses it until repaired", "list", ml.List.ID,
			"sha256", ml.List.SHA256, "reason", ml.Reason, "fix", fix, "reimport", ml.Reimport)
	}
}

func newListsRefresher(svc *screening.Service, from string, interval time.Duration, log *slog.Logger) *listsRefresher {
	return &listsRefresher{svc: svc, from: from, interval: interval, log: log}
}

// update refreshes now (POST /api/v1/lists/update and the schedule).
func (l *listsRefresher) update(ctx context.Context, actor string) (*screening.ImportReport, error) {
	rep, err := updateLists(ctx, l.svc, actor, l.from, lists.Own{}, false) // a schedule never forces a downgrade
	l.mu.Lock()
	l.lastErr, l.lastAt = err, time.Now()
	l.mu.Unlock()
	if err != nil {
		l.log.Warn("list refresh failed; the lists in force are kept", "err", err.Error())
		return nil, err
	}
	for _, c := range rep.Changed {
		l.log.Info("list updated", "list", c.ID, "entities", c.Entities, "addresses", c.Addresses, "problems", c.Problems, "sha256", c.SHA256)
	}
	l.logAlerts(rep.Alerts)
	return rep, nil
}

func (l *listsRefresher) logAlerts(alerts []screening.Alert) {
	for _, a := range alerts {
		l.log.Warn("screening watch matches a changed list", "watch", a.WatchID, "subject", a.Subject, "verdict", a.Verdict, "decision", a.DecisionID)
	}
}

// run reloads and refreshes until ctx ends.
func (l *listsRefresher) run(ctx context.Context) {
	if l.interval > 0 && len(l.svc.Screener().Stale()) > 0 {
		_, _ = l.update(ctx, "system:refresh")
	}
	reload := time.NewTicker(reloadEvery)
	defer reload.Stop()
	var refresh <-chan time.Time
	if l.interval > 0 {
		t := time.NewTicker(l.interval)
		defer t.Stop()
		refresh = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-reload.C:
			changed, alerts, err := l.svc.Reload(ctx)
			if err != nil && ctx.Err() == nil {
				l.log.Warn("reloading the lists failed", "err", err.Error())
			}
			if changed {
				l.log.Info("lists reloaded from the store")
			}
			l.logAlerts(alerts)
			if changed && l.reloaded != nil {
				l.reloaded()
			}
		case <-refresh:
			_, _ = l.update(ctx, "system:refresh")
		}
	}
}

// check is the "lists" readiness check: stale lists, a failed last
// refresh or a list an earlier Bulwark mislabelled make /readyz report
// "degraded".
func (l *listsRefresher) check(ctx context.Context) error {
	var parts []string
	for _, s := range l.svc.Screener().Stale() {
		parts = append(parts, fmt.Sprintf("%s is stale (%s old)", s.ID, humanAge(s.Age)))
	}
	l.mu.Lock()
	if l.lastErr != nil {
		// /readyz answers without a token: the reason (hosts, paths,
		// resolver addresses) stays in the server log.
		parts = append(parts, "the last refresh failed at "+l.lastAt.UTC().Format(time.RFC3339)+" (see the server log)")
	}
	if ms, err := l.findMislabelled(ctx); err != nil {
		parts = append(parts, "the check for mislabelled lists failed (see the server log)")
		l.log.Warn("the lists could not be checked for versions an earlier Bulwark mislabelled", "err", err.Error())
	} else if len(ms) > 0 {
		parts = append(parts, mislabelledSummary(ms))
	}
	l.mu.Unlock()
	if len(l.svc.Screener().Index().Lists()) == 0 {
		parts = append(parts, "no lists are loaded")
	}
	if len(parts) == 0 {
		return nil
	}
	return bulwark.Errorf(bulwark.EUNAVAILABLE, "%s", strings.Join(parts, "; "))
}

// decisionsCheck is the "decisions" readiness check: a server that cannot
// store its screening decisions must not take more (503).
func decisionsCheck(svc *screening.Service) httpapi.ReadyCheck {
	return func(context.Context) error {
		st := svc.RecorderStats()
		if st.Failed == 0 {
			return nil
		}
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "%d screening decisions could not be stored; see the server log", st.Failed)
	}
}
