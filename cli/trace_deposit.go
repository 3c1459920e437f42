package cli

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/tracing"
)

// traceDepositCmd is 'bulwark trace deposit': the registry of the
// exchange's deposit addresses that the follower alerts on.
func (m *Main) traceDepositCmd() *command {
	return &command{
		name:    "deposit",
		summary: "register your deposit addresses: tainted value arriving at one raises an alert",
		long: "The live follower ('bulwark trace watch', 'bulwark serve --trace-rpc') raises a TRACE_DEPOSIT alert\n" +
			"when tainted value at or above the threshold arrives at a registered address, in the block where\n" +
			"it lands. Every change is audited (trace.deposit.add, trace.deposit.remove).",
		subs: []*command{m.traceDepositAddCmd(), m.traceDepositListCmd(), m.traceDepositRemoveCmd()},
	}
}

func (m *Main) traceDepositAddCmd() *command {
	var label, thresholds string
	return &command{
		name:    "add",
		summary: "register a deposit address",
		usage:   "bulwark trace deposit add ADDR [--label TEXT] [--threshold AMOUNT | ASSET=AMOUNT[,…]] [--json]",
		long: "--threshold gives the address's own alert thresholds in the asset's base unit: one amount for every\n" +
			"asset, or per asset key (native:1=1000000000000000000 is 1 ETH on chain 1;\n" +
			"erc20:1:0xdac17f958d2ee523a2206206994597c13d831ec7=5000000000 is 5,000 USDT; *=AMOUNT for the others).\n" +
			"Where one applies it wins over the followed trace's threshold; without any, any taint alerts. To\n" +
			"change a label or threshold, remove the address and add it again.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&label, "label", "", "what the address is (\"hot wallet deposit 7\"), at most 200 characters")
			fs.StringVar(&thresholds, "threshold", "", "alert thresholds in base units: `AMOUNT` for every asset, or comma-separated ASSET=AMOUNT")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if len(args) != 1 {
				return 1, bulwark.Invalid("ADDR", "give exactly one deposit address (0x and 40 hex digits)")
			}
			addr, err := safe.ParseAddress("ADDR", args[0])
			if err != nil {
				return 1, err
			}
			d := tracing.Deposit{Address: addr, Label: label}
			th, err := tracing.ParseThresholds(thresholds)
			if err == nil {
				d.Thresholds, err = tracing.AmountThresholds(th)
			}
			if err == nil {
				err = d.Validate()
			}
			if err != nil {
				if e, ok := err.(*bulwark.Error); ok && (e.Field == "label" || e.Field == "thresholds" || e.Field == "address") {
					flag := map[string]string{"label": "--label", "thresholds": "--threshold", "address": "ADDR"}[e.Field]
					e.Field, e.Message = flag, flag+strings.TrimPrefix(e.Message, e.Field)
				}
				return 1, err
			}
			db, _, log, err := m.services(ctx)
			if err != nil {
				return 1, err
			}
			var got tracing.RegisteredDeposit
			entry, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
				var err error
				if got, err = db.AddDeposit(ctx, d, m.cliActor()); err != nil {
					return audit.Event{}, err
				}
				return audit.Event{Actor: m.cliActor(), Action: "trace.deposit.add", Target: "deposit:" + addr.Hex(), Details: tracing.DepositAuditDetails(d)}, nil
			})
			if err != nil {
				return 1, err
			}
			if m.g.json {
				return 0, m.printJSON(map[string]any{"deposit": got, "auditSeq": entry.Seq})
			}
			fmt.Fprintf(m.Stdout, "Registered deposit address %s%s (audit entry %d).\n", addr.Hex(), labelSuffix(got.Label), entry.Seq)
			return 0, nil
		},
	}
}

func labelSuffix(label string) string {
	if label == "" {
		return ""
	}
	return " (" + label + ")"
}

func (m *Main) traceDepositListCmd() *command {
	return &command{
		name:    "list",
		summary: "list the registered deposit addresses, in the order added",
		usage:   "bulwark trace deposit list [--json]",
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("trace deposit list", args); err != nil {
				return 1, err
			}
			db, err := m.openStore(ctx)
			if err != nil {
				return 1, err
			}
			list, err := db.Deposits(ctx)
			if err != nil {
				return 1, err
			}
			if m.g.json {
				return 0, m.printJSON(list)
			}
			if len(list) == 0 {
				fmt.Fprintln(m.Stdout, "No deposit addresses registered; add one with 'bulwark trace deposit add ADDR --label TEXT'.")
				return 0, nil
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ADDRESS\tLABEL\tTHRESHOLDS\tADDED\tBY")
			for _, d := range list {
				var th []string
				for _, k := range slices.Sorted(maps.Keys(d.Thresholds)) {
					th = append(th, k+"="+d.Thresholds[k].Dec())
				}
				ths := strings.Join(th, ",")
				if ths == "" {
					ths = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Address.Hex(), d.Label, ths, d.AddedAt.Format(time.RFC3339), d.AddedBy)
			}
			return 0, tw.Flush()
		},
	}
}

func (m *Main) traceDepositRemoveCmd() *command {
	return &command{
		name:    "remove",
		summary: "unregister a deposit address",
		usage:   "bulwark trace deposit remove ADDR [--json]",
		run: func(ctx context.Context, args []string) (int, error) {
			if len(args) != 1 {
				return 1, bulwark.Invalid("ADDR", "give exactly one deposit address (see 'bulwark trace deposit list')")
			}
			addr, err := safe.ParseAddress("ADDR", args[0])
			if err != nil {
				return 1, err
			}
			db, _, log, err := m.services(ctx)
			if err != nil {
				return 1, err
			}
			var got tracing.RegisteredDeposit
			entry, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
				var err error
				if got, err = db.RemoveDeposit(ctx, addr); err != nil {
					return audit.Event{}, err
				}
				return audit.Event{Actor: m.cliActor(), Action: "trace.deposit.remove", Target: "deposit:" + addr.Hex(), Details: tracing.DepositAuditDetails(got.Deposit)}, nil
			})
			if err != nil {
				return 1, err
			}
			if m.g.json {
				return 0, m.printJSON(map[string]any{"deposit": got, "auditSeq": entry.Seq})
			}
			fmt.Fprintf(m.Stdout, "Removed deposit address %s%s (audit entry %d).\n", addr.Hex(), labelSuffix(got.Label), entry.Seq)
			return 0, nil
		},
	}
}
