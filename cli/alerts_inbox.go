package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/inbox"
)

// inboxService is the alerts inbox on the data directory's store, with
// dual control on acknowledging a critical Safe alert as serve is
// configured (all actions gated by default).
func (m *Main) inboxService(ctx context.Context) (*inbox.Service, error) {
	db, _, log, err := m.services(ctx)
	if err != nil {
		return nil, err
	}
	gate, err := m.dualControl(db, log)
	if err != nil {
		return nil, err
	}
	return &inbox.Service{Store: db, Audit: log, Dual: gate}, nil
}

func alertIDArg(args []string) (int64, error) {
	if len(args) != 1 {
		return 0, bulwark.Invalid("ID", "give exactly one alert id (the ID column of 'bulwark alerts list')")
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id < 1 {
		return 0, bulwark.Invalid("ID", "an alert id is a positive whole number, not %q", args[0])
	}
	return id, nil
}

// renameField renames the field of a domain error to the flag that gave it.
func renameField(err error, flags map[string]string) error {
	if e, ok := err.(*bulwark.Error); ok {
		if f, ok := flags[e.Field]; ok {
			e.Field, e.Message = f, f+strings.TrimPrefix(e.Message, e.Field)
		}
	}
	return err
}

var severityMark = map[inbox.Severity]string{
	inbox.Critical: "!!! CRITICAL", inbox.High: "!! HIGH", inbox.Medium: "! MEDIUM", inbox.Low: "- LOW", inbox.Info: "  INFO",
}

func (m *Main) alertsListCmd() *command {
	var q inbox.Query
	return &command{
		name:    "list",
		summary: "the alerts inbox: every kind of alert, newest first, with filters",
		usage:   "bulwark alerts list [--kind K[,K…]] [--severity S[,S…]] [--state open|acknowledged|all] [--assignee NAME|none] [--cursor C] [--limit N] [--json]",
		long: "Lists the inbox: Safe alerts, screening watch alerts, trace alerts and hiring flags, on one severity\n" +
			"scale (critical, high, medium, low, info). A page holds --limit alerts (default 50); when there are\n" +
			"more, the cursor of the next page is printed to stderr (and is \"next\" in --json). Exit 0 when listed.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&q.Kind, "kind", "", "only these kinds: safe.alert, screening.alert, trace.alert, hiring.flag (comma-separated)")
			fs.StringVar(&q.Severity, "severity", "", "only these severities: critical, high, medium, low, info (comma-separated)")
			fs.StringVar(&q.State, "state", "open", "open, acknowledged or all")
			fs.StringVar(&q.Assignee, "assignee", "", "only the alerts assigned to `NAME` (none: to nobody)")
			fs.StringVar(&q.Cursor, "cursor", "", "the page after this cursor (printed after the previous page)")
			fs.IntVar(&q.Limit, "limit", inbox.DefaultLimit, fmt.Sprintf("at most `N` alerts (1-%d)", inbox.MaxLimit))
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("alerts list", args); err != nil {
				return 1, err
			}
			if q.Limit < 1 || q.Limit > inbox.MaxLimit {
				return 1, bulwark.Invalid("--limit", "between 1 and %d, got %d", inbox.MaxLimit, q.Limit)
			}
			f, err := q.Filter()
			if err != nil {
				return 1, renameField(err, map[string]string{"kind": "--kind", "severity": "--severity", "state": "--state",
					"assignee": "--assignee", "cursor": "--cursor", "limit": "--limit"})
			}
			svc, err := m.inboxService(ctx)
			if err != nil {
				return 1, err
			}
			page, err := svc.List(ctx, f)
			if err != nil {
				return 1, err
			}
			if m.g.json {
				return 0, m.printJSON(page)
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tKIND\tRAISED\tSUBJECT\tSTATE\tASSIGNEE\tMESSAGE")
			for _, it := range page.Items {
				state := string(it.State)
				if it.EscalatedAt != nil && it.State == inbox.Open {
					state += " (escalated)"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.ID, severityMark[it.Severity], it.Kind, it.Time.Format(time.RFC3339),
					tableCell(it.Subject), state, it.Assignee, tableCell(it.Message))
			}
			if err := tw.Flush(); err != nil {
				return 1, err
			}
			if len(page.Items) == 0 {
				fmt.Fprintln(m.Stderr, "no alerts match")
			}
			if page.Next != "" {
				fmt.Fprintf(m.Stderr, "more: bulwark alerts list … --cursor %s\n", page.Next)
			}
			return 0, nil
		},
	}
}

// tableCell keeps a value on its table row: line breaks and tabs become
// spaces, control characters are dropped.
func tableCell(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			return ' '
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}

func (m *Main) alertsAssignCmd() *command {
	var to string
	return &command{
		name:    "assign",
		summary: "assign an alert to a person (audited)",
		usage:   "bulwark alerts assign ID --to NAME [--json]   (--to '' unassigns)",
		long:    "Sets who works on an open alert; audited as alert.assign. Exit 0 when assigned.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&to, "to", "\x00", "the user `NAME` to assign it to ('' unassigns)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			id, err := alertIDArg(args)
			if err != nil {
				return 1, err
			}
			if to == "\x00" {
				return 1, bulwark.Invalid("--to", "required: the user name to assign the alert to, or '' to unassign")
			}
			if _, err := inbox.CheckAssignee("--to", to); err != nil {
				return 1, err
			}
			svc, err := m.inboxService(ctx)
			if err != nil {
				return 1, err
			}
			it, e, err := svc.Assign(ctx, m.cliActor(), id, to)
			if err != nil {
				return 1, err
			}
			if m.g.json {
				return 0, m.printJSON(map[string]any{"alert": it, "auditSeq": e.Seq})
			}
			who := it.Assignee
			if who == "" {
				who = "nobody"
			}
			fmt.Fprintf(m.Stdout, "alert %d assigned to %s (audit entry %d)\n", it.ID, who, e.Seq)
			return 0, nil
		},
	}
}

func (m *Main) alertsAckCmd() *command {
	var reason string
	return &command{
		name:    "ack",
		summary: "acknowledge (close) an alert, saying why (audited)",
		usage:   "bulwark alerts ack ID --reason TEXT [--json]",
		long: "Closes an open alert; --reason is required (what was checked, what was done) and is audited with\n" +
			"it (alert.ack). Acknowledging a critical Safe alert needs a second person's approval (dual\n" +
			"control): the first call records the request and exits 2 naming it; once approved in the console\n" +
			"the alert is acknowledged. Exit 0 acknowledged, 2 waiting for approval, 1 error.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&reason, "reason", "", "why the alert is closed (required, at most 1000 characters)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			id, err := alertIDArg(args)
			if err != nil {
				return 1, err
			}
			if _, err := inbox.CheckReason("--reason", reason); err != nil {
				return 1, err
			}
			svc, err := m.inboxService(ctx)
			if err != nil {
				return 1, err
			}
			it, e, err := svc.Acknowledge(ctx, m.cliActor(), id, reason)
			if err != nil {
				return 1, err
			}
			if m.g.json {
				return 0, m.printJSON(map[string]any{"alert": it, "auditSeq": e.Seq})
			}
			fmt.Fprintf(m.Stdout, "alert %d acknowledged (audit entry %d)\n", it.ID, e.Seq)
			return 0, nil
		},
	}
}
