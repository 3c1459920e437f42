package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/webhook"
)

// startAlertDelivery starts delivering, in the background, the alerts of
// kinds (watch.AlertKind, screening.AlertKind, tracing.AlertKind, inbox.EscalationKind) stored in db to the
// webhook: those left by an earlier process at once, each new one when
// Wake is called. Every stored alert has its outbox message (the store
// writes it with the alert); with a nil notifier it returns nil, which
// delivers nothing, and the alerts wait for a process with a webhook.
func (m *Main) startAlertDelivery(ctx context.Context, db *sqlite.DB, n *webhook.Notifier, kinds ...string) *outbox.Background {
	if n == nil {
		return nil
	}
	bodies := map[string]webhook.Body{}
	for _, k := range kinds {
		switch k {
		case watch.AlertKind:
			bodies[k] = webhook.SafeAlertBodies(db)
		case screening.AlertKind:
			bodies[k] = webhook.ScreeningAlertBodies(db)
		case tracing.AlertKind:
			bodies[k] = webhook.TraceAlertBodies(db)
		case inbox.EscalationKind:
			bodies[k] = webhook.EscalationBodies(db)
		}
	}
	sender := webhook.NewSender(n, bodies)
	return outbox.Start(ctx, outbox.New(db, sender, outbox.Options{Kinds: sender.Kinds(), Grace: webhookGrace, Logger: m.logger.With("url", sender.URL())}))
}

func (m *Main) alertsCmd() *command {
	return &command{
		name:    "alerts",
		summary: "the alerts inbox (list, assign, acknowledge) and the webhook delivery of stored alerts",
		subs:    []*command{m.alertsListCmd(), m.alertsAssignCmd(), m.alertsAckCmd(), m.alertsPendingCmd()},
	}
}

func (m *Main) alertsPendingCmd() *command {
	var (
		after int64
		limit int
	)
	return &command{
		name:    "pending",
		summary: "list the alerts not delivered to the webhook yet, oldest first",
		usage:   "bulwark alerts pending [--after ID] [--limit N] [--json]",
		long: "Every stored alert (Safe watch and monitor, screening watches, trace deposits) has an outbox message,\n" +
			"written with it, that 'bulwark serve --webhook' (or 'bulwark safe watch --webhook' for Safe alerts,\n" +
			"'bulwark trace watch --webhook' for trace alerts)\n" +
			"delivers, retrying with backoff until the receiver accepts it. This lists those not delivered\n" +
			"yet: kind and alert id (the payload's \"type\" and \"id\"), attempts, next attempt, last error.",
		setup: func(fs *flag.FlagSet) {
			fs.Int64Var(&after, "after", 0, "start after outbox message `ID`")
			fs.IntVar(&limit, "limit", 100, "at most `N` messages (1-10000)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("alerts pending", args); err != nil {
				return 1, err
			}
			if limit < 1 || limit > 10000 {
				return 1, bulwark.Invalid("--limit", "must be between 1 and 10000, got %d", limit)
			}
			if after < 0 {
				return 1, bulwark.Invalid("--after", "must not be negative")
			}
			db, err := m.openStore(ctx)
			if err != nil {
				return 1, err
			}
			msgs, err := db.Undelivered(ctx, outbox.Filter{AfterID: after, Limit: limit})
			if err != nil {
				return 1, err
			}
			if m.g.json {
				return 0, m.printJSON(msgs)
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tKIND\tALERT\tCREATED\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
			for _, o := range msgs {
				fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%d\t%s\t%s\n", o.ID, o.Kind, o.Ref, o.CreatedAt.Format(time.RFC3339),
					o.Attempts, o.NextAttemptAt.Format(time.RFC3339), o.LastError)
			}
			return 0, tw.Flush()
		},
	}
}
