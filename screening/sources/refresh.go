package sources

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/lists"
)

// ReloadEvery is how often a Refresher looks for list changes made by
// another process ('bulwark lists update' on the same data directory).
const ReloadEvery = 5 * time.Second

// Gather reads list files from a comma-separated mix of directories, files
// and http(s) URLs (the official URLs when from is empty). Errors name
// --from, the setting that holds from in both the CLI and serve.
func Gather(ctx context.Context, from string) ([]File, error) {
	var specs []string
	for _, s := range strings.Split(from, ",") {
		if s = strings.TrimSpace(s); s != "" {
			specs = append(specs, s)
		}
	}
	if len(specs) == 0 {
		specs = DefaultURLs()
	}
	var files []File
	var urls []string
	for _, s := range specs {
		if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
			urls = append(urls, s)
			continue
		}
		st, err := os.Stat(s)
		if err != nil {
			return nil, bulwark.Invalid("--from", "%s: %s (give a directory, a file or an http(s) URL)", s, pathErr(err))
		}
		if st.IsDir() {
			fs, err := ReadDir(s)
			if err != nil {
				return nil, err
			}
			files = append(files, fs...)
			continue
		}
		f, err := ReadFile(s)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	if len(urls) > 0 {
		fs, err := Fetch(ctx, nil, urls)
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	return files, nil
}

// pathErr is err without the path an *os.PathError repeats.
func pathErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Update gathers, parses and imports lists into svc: all or nothing. With
// own.ID set, every file given makes the user's own list own. force
// accepts a downgrade (see screening.ImportOptions).
func Update(ctx context.Context, svc *screening.Service, actor, from string, own lists.Own, force bool) (*screening.ImportReport, error) {
	if own != (lists.Own{}) {
		if err := own.Check(); err != nil {
			return nil, err
		}
		if strings.TrimSpace(from) == "" {
			return nil, bulwark.Invalid("--from", "required with --list: the files or directory holding your list")
		}
	}
	files, err := Gather(ctx, from)
	if err != nil {
		return nil, err
	}
	var ls []*screening.List
	if own.ID != "" {
		l, err := ParseOwn(files, own, time.Now())
		if err != nil {
			return nil, err
		}
		ls = []*screening.List{l}
	} else if ls, err = Parse(files, time.Now()); err != nil {
		return nil, err
	}
	source := from
	if source == "" {
		source = strings.Join(DefaultURLs(), ",")
	}
	return svc.ImportWith(ctx, actor, source, ls, screening.ImportOptions{Force: force})
}

// RefresherConfig configures a Refresher.
type RefresherConfig struct {
	// Service holds the lists in force.
	Service *screening.Service
	// From is where a refresh reads the lists: comma-separated
	// directories, files and URLs ("": the official URLs).
	From string
	// Interval is how often the lists are refreshed from From, and they
	// are refreshed at start when one is stale; 0: never.
	Interval time.Duration
	// Logger receives the refreshes, reloads and their failures.
	Logger *slog.Logger
	// Store, when set, is checked for list versions an earlier Bulwark
	// mislabelled (logged by WarnMislabelled, reported by Check until
	// repaired).
	Store screening.ListStore
	// Reloaded, when set, is called after a reload picked up a change
	// another process made (a server then delivers the alerts that
	// process stored).
	Reloaded func()
	// ReloadEvery overrides ReloadEvery (tests).
	ReloadEvery time.Duration
}

// Refresher keeps a server's lists current: it picks up imports made by
// other processes, refreshes from the configured sources on a schedule,
// and reports staleness and failed refreshes to a readiness check.
type Refresher struct {
	c RefresherConfig

	mu      sync.Mutex
	lastErr error
	lastAt  time.Time
	// mislabelled is what the check found for the active versions
	// mislabelledFor names (id@sha256 of each, in order).
	mislabelled    []Mislabelled
	mislabelledFor string
}

// NewRefresher returns the Refresher of c; it does nothing until Run.
func NewRefresher(c RefresherConfig) *Refresher {
	if c.ReloadEvery <= 0 {
		c.ReloadEvery = ReloadEvery
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return &Refresher{c: c}
}

// findMislabelled returns the active list versions an earlier Bulwark
// mislabelled, checking the store again only when the active versions
// changed. r.mu must be held.
func (r *Refresher) findMislabelled(ctx context.Context) ([]Mislabelled, error) {
	if r.c.Store == nil {
		return nil, nil
	}
	active := r.c.Service.Screener().Index().Lists()
	var key strings.Builder
	for _, li := range active {
		key.WriteString(li.ID + "@" + li.SHA256 + " ")
	}
	if key.String() == r.mislabelledFor && r.mislabelledFor != "" {
		return r.mislabelled, nil
	}
	ms, err := FindMislabelled(ctx, r.c.Store, active)
	if err != nil {
		return nil, err
	}
	r.mislabelled, r.mislabelledFor = ms, key.String()
	return ms, nil
}

// Mislabelled returns the active list versions an earlier Bulwark
// mislabelled (FindMislabelled, as 'bulwark lists' and Check use it),
// checking the store again only when the active versions changed.
func (r *Refresher) Mislabelled(ctx context.Context) ([]Mislabelled, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.findMislabelled(ctx)
}

// WarnMislabelled logs each mislabelled list once (a server calls it at
// start).
func (r *Refresher) WarnMislabelled(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ms, err := r.findMislabelled(ctx)
	if err != nil {
		r.c.Logger.Warn("the lists could not be checked for versions an earlier Bulwark mislabelled", "err", err.Error())
		return
	}
	for _, ml := range ms {
		fix := "bulwark lists remove " + ml.List.ID
		if ml.Restore != nil {
			fix = "bulwark lists repair"
		}
		r.c.Logger.Warn("list mislabelled by an earlier Bulwark; screening uses it until repaired", "list", ml.List.ID,
			"sha256", ml.List.SHA256, "reason", ml.Reason, "fix", fix, "reimport", ml.Reimport)
	}
}

// Update refreshes now from From (POST /api/v1/lists/update and the
// schedule); a schedule never forces a downgrade.
func (r *Refresher) Update(ctx context.Context, actor string) (*screening.ImportReport, error) {
	rep, err := Update(ctx, r.c.Service, actor, r.c.From, lists.Own{}, false)
	r.mu.Lock()
	r.lastErr, r.lastAt = err, time.Now()
	r.mu.Unlock()
	if err != nil {
		r.c.Logger.Warn("list refresh failed; the lists in force are kept", "err", err.Error())
		return nil, err
	}
	for _, c := range rep.Changed {
		r.c.Logger.Info("list updated", "list", c.ID, "entities", c.Entities, "addresses", c.Addresses, "problems", c.Problems, "sha256", c.SHA256)
	}
	r.logAlerts(rep.Alerts)
	return rep, nil
}

func (r *Refresher) logAlerts(alerts []screening.Alert) {
	for _, a := range alerts {
		r.c.Logger.Warn("screening watch matches a changed list", "watch", a.WatchID, "subject", a.Subject, "verdict", a.Verdict, "decision", a.DecisionID)
	}
}

// Run reloads and refreshes until ctx ends.
func (r *Refresher) Run(ctx context.Context) {
	if r.c.Interval > 0 && len(r.c.Service.Screener().Stale()) > 0 {
		_, _ = r.Update(ctx, "system:refresh")
	}
	reload := time.NewTicker(r.c.ReloadEvery)
	defer reload.Stop()
	var refresh <-chan time.Time
	if r.c.Interval > 0 {
		t := time.NewTicker(r.c.Interval)
		defer t.Stop()
		refresh = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-reload.C:
			changed, alerts, err := r.c.Service.Reload(ctx)
			if err != nil && ctx.Err() == nil {
				r.c.Logger.Warn("reloading the lists failed", "err", err.Error())
			}
			if changed {
				r.c.Logger.Info("lists reloaded from the store")
			}
			r.logAlerts(alerts)
			if changed && r.c.Reloaded != nil {
				r.c.Reloaded()
			}
		case <-refresh:
			_, _ = r.Update(ctx, "system:refresh")
		}
	}
}

// Check is the "lists" readiness check: stale lists, a failed last
// refresh, a list an earlier Bulwark mislabelled or no lists at all make
// it fail with EUNAVAILABLE (a server's /readyz reports "degraded"). Its
// message is shown without a token: it names lists, never hosts or paths.
func (r *Refresher) Check(ctx context.Context) error {
	var parts []string
	for _, s := range r.c.Service.Screener().Stale() {
		parts = append(parts, fmt.Sprintf("%s is stale (%s old)", s.ID, humanAge(s.Age)))
	}
	r.mu.Lock()
	if r.lastErr != nil {
		// The reason (hosts, paths, resolver addresses) stays in the
		// server log.
		parts = append(parts, "the last refresh failed at "+r.lastAt.UTC().Format(time.RFC3339)+" (see the server log)")
	}
	if ms, err := r.findMislabelled(ctx); err != nil {
		parts = append(parts, "the check for mislabelled lists failed (see the server log)")
		r.c.Logger.Warn("the lists could not be checked for versions an earlier Bulwark mislabelled", "err", err.Error())
	} else if len(ms) > 0 {
		parts = append(parts, mislabelledSummary(ms))
	}
	r.mu.Unlock()
	if len(r.c.Service.Screener().Index().Lists()) == 0 {
		parts = append(parts, "no lists are loaded")
	}
	if len(parts) == 0 {
		return nil
	}
	return bulwark.Errorf(bulwark.EUNAVAILABLE, "%s", strings.Join(parts, "; "))
}

// humanAge renders an age in days or hours.
func humanAge(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	return d.Round(time.Minute).String()
}

// mislabelledSummary is the short reason Check gives.
func mislabelledSummary(ms []Mislabelled) string {
	var parts []string
	for _, ml := range ms {
		parts = append(parts, ml.List.ID)
	}
	return strings.Join(parts, ", ") + " mislabelled by an earlier import (a file that attributes nothing to the DPRK labelled DPRK-attributed); run 'bulwark lists repair'"
}
