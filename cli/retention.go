package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/tracing"
)

// retention is a flag value: how long screening decisions and alerts are
// kept, in days ("400d") or as a Go duration ("9600h"); 0 keeps them
// forever.
type retention time.Duration

func (r *retention) String() string {
	d := time.Duration(*r)
	if d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}

func (r *retention) Set(s string) error {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseInt(n, 10, 32)
		if err != nil || days < 0 || days > 100_000 { // time.Duration ends at 292 years
			return fmt.Errorf("want a number of days such as 400d, or 0 to keep everything, got %q", s)
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d < 0 {
			return fmt.Errorf("want a number of days such as 400d, or 0 to keep everything, got %q", s)
		}
	}
	if d != 0 && d < 24*time.Hour {
		return fmt.Errorf("at least 1d (or 0 to keep everything), got %q", s)
	}
	*r = retention(d)
	return nil
}

var _ flag.Value = (*retention)(nil)

// DefaultHireRetention is serve's --hire-retention: the people records of
// hire screening not updated for a year are forgotten.
const DefaultHireRetention = 365 * 24 * time.Hour

func (m *Main) screenPruneCmd() *command {
	var keep retention
	return &command{
		name:    "prune",
		summary: "delete screening decisions (and the alerts they raised), Safe alerts and trace alerts older than --older-than, audited",
		usage:   "bulwark screen prune --older-than 400d [--json]",
		long: "Deletes the decisions recorded before now minus --older-than, with the screening alerts they\n" +
			"raised, and the Safe and trace alerts stored before it (an alert whose webhook delivery is pending\n" +
			"is kept, with its decision or its retraction). Their audit entries stay; a screen.prune entry records\n" +
			"the range of decisions deleted (safe.alerts.prune the Safe alerts, trace.alerts.prune the trace\n" +
			"alerts), so 'bulwark audit verify' still checks the whole log. 'bulwark serve --retention 400d'\n" +
			"does the same every hour.",
		setup: func(fs *flag.FlagSet) {
			fs.Var(&keep, "older-than", "delete decisions older than `AGE` (400d: 400 days)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("screen prune", args); err != nil {
				return bulwark.ExitError, err
			}
			if keep == 0 {
				return bulwark.ExitError, bulwark.Invalid("--older-than", "required: how old a decision must be to be deleted, e.g. 400d")
			}
			svc, err := m.screeningService(ctx, screeningSettings{}, false, true)
			if err != nil {
				return bulwark.ExitError, err
			}
			defer closeService(svc)
			rep, err := svc.Prune(ctx, m.cliActor(), time.Now().Add(-time.Duration(keep)))
			if err != nil {
				return bulwark.ExitError, err
			}
			db, _, alog, err := m.services(ctx)
			if err != nil {
				return bulwark.ExitError, err
			}
			safeAlerts, safeSeq, err := watch.PruneAlerts(ctx, db, alog, m.cliActor(), rep.Before)
			if err != nil {
				return bulwark.ExitError, err
			}
			traceAlerts, traceSeq, err := tracing.PruneAlerts(ctx, db, alog, m.cliActor(), rep.Before)
			if err != nil {
				return bulwark.ExitError, err
			}
			if m.g.json {
				return bulwark.ExitOK, m.printJSON(struct {
					*screening.PruneReport
					SafeAlerts          int64 `json:"safeAlerts"`
					SafeAlertsAuditSeq  int64 `json:"safeAlertsAuditSeq,omitempty"`
					TraceAlerts         int64 `json:"traceAlerts"`
					TraceAlertsAuditSeq int64 `json:"traceAlertsAuditSeq,omitempty"`
				}{rep, safeAlerts, safeSeq, traceAlerts, traceSeq})
			}
			if rep.AuditSeq == 0 && safeSeq == 0 && traceSeq == 0 {
				fmt.Fprintf(m.Stdout, "nothing to prune: no decision or alert recorded before %s\n", rep.Before.Format(time.RFC3339))
				return bulwark.ExitOK, nil
			}
			if rep.AuditSeq != 0 {
				fmt.Fprintf(m.Stdout, "pruned %s and %s recorded before %s (audit entry %d)\n",
					plural(int(rep.Decisions), "decision", "decisions"), plural(int(rep.Alerts), "screening alert", "screening alerts"), rep.Before.Format(time.RFC3339), rep.AuditSeq)
			}
			if safeSeq != 0 {
				fmt.Fprintf(m.Stdout, "pruned %s stored before %s (audit entry %d)\n", plural(int(safeAlerts), "Safe alert", "Safe alerts"), rep.Before.Format(time.RFC3339), safeSeq)
			}
			if traceSeq != 0 {
				fmt.Fprintf(m.Stdout, "pruned %s stored before %s (audit entry %d)\n", plural(int(traceAlerts), "trace alert", "trace alerts"), rep.Before.Format(time.RFC3339), traceSeq)
			}
			return bulwark.ExitOK, nil
		},
	}
}

// byteSize is a flag value: a size in bytes, with an optional KiB, MiB or
// GiB suffix; 0 means none.
type byteSize int64

func (b *byteSize) String() string {
	switch n := int64(*b); {
	case n != 0 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n != 0 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	default:
		return strconv.FormatInt(n, 10)
	}
}

func (b *byteSize) Set(s string) error {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return fmt.Errorf("want a size such as 384MiB or 2GiB (0: none), got %q", s)
	}
	*b = byteSize(n * mult)
	return nil
}

// DefaultMemoryLimit is serve's --memory-limit.
const DefaultMemoryLimit = 384 << 20
