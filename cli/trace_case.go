package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/labels"
	"github.com/bulwark-sec/bulwark/tracing/report"
	"github.com/bulwark-sec/bulwark/tracing/thorchain"
)

// traceCaseCmd is 'bulwark trace case': investigations stored in the data
// directory, opened, followed and closed from here or the API.
func (m *Main) traceCaseCmd() *command {
	return &command{
		name:    "case",
		summary: "open, follow and close stored investigations (cases)",
		long: "A case is a stored investigation: seeds, chain, policy, bounds, your own labels and alert thresholds,\n" +
			"its latest results and the history of who changed what (each change audited). 'trace case run' traces\n" +
			"it over the transfers ingested into the data directory. These commands work directly on the data\n" +
			"directory, so they also work while 'bulwark serve' runs (the API's /api/v1/trace/cases routes).",
		subs: []*command{m.traceCaseOpenCmd(), m.traceCaseListCmd(), m.traceCaseShowCmd(), m.traceCaseRunCmd(),
			m.traceCaseResultsCmd(), m.traceCaseUpdateCmd(), m.traceCaseLabelCmd(), m.traceCaseNoteCmd(), m.traceCaseCloseCmd(), m.traceCaseReopenCmd()},
	}
}

// caseFlagNames maps the fields of the domain's errors to the flags and
// arguments of the case commands, so an error names what the user typed.
var caseFlagNames = map[string]string{
	"seeds": "--seed", "policy": "--policy", "direction": "--direction", "title": "--title", "chain": "--chain-id",
	"source": "--source", "thresholds": "--threshold", "bounds.maxHops": "--max-hops", "bounds.minValue": "--min-value", "bounds.hubDegree": "--hub-degree",
	"bounds.fromBlock": "--from-block", "bounds.toBlock": "--to-block", "bounds.fromTime": "--from-time",
	"bounds.toTime": "--to-time", "knownTokens": "--known-token", "address": "ADDR", "name": "NAME", "category": "--category",
}

// noteFlagNames are the flags and arguments of 'trace case note'.
var noteFlagNames = map[string]string{"address": "--address", "text": "TEXT"}

// caseFlagError renames the field of a domain error to its flag.
func caseFlagError(err error) error { return renameFields(err, caseFlagNames) }

// renameFields renames the field of a domain error to its flag in names.
func renameFields(err error, names map[string]string) error {
	var be *bulwark.Error
	if !errors.As(err, &be) || be.Code != bulwark.EINVALID {
		return err
	}
	flagName, ok := names[be.Field]
	if !ok {
		return err
	}
	c := *be
	c.Message = flagName + strings.TrimPrefix(be.Message, be.Field)
	// Another bound the message names ("8 is before bounds.fromBlock 9")
	// is the flag the user typed too.
	for field, name := range names {
		if strings.HasPrefix(field, "bounds.") {
			c.Message = strings.ReplaceAll(c.Message, " "+field+" ", " "+name+" ")
		}
	}
	c.Field = flagName
	return &c
}

// caseService returns the case service on the data directory's store.
func (m *Main) caseService(ctx context.Context) (*tracing.CaseService, error) {
	db, _, log, err := m.services(ctx)
	if err != nil {
		return nil, err
	}
	gate, err := m.dualControl(db, log)
	if err != nil {
		return nil, err
	}
	return &tracing.CaseService{Store: db, Audit: log, Ingest: db, Deposits: db, Digest: report.GraphSHA256, Dual: gate, Freeze: report.FreezeLines}, nil
}

// caseID reads the one positional argument ID of a case command.
func caseID(cmd string, args []string, more string) (int64, error) {
	if len(args) == 0 {
		return 0, bulwark.Invalid("ID", "give the case's id (see 'bulwark trace case list')")
	}
	if len(args) > 1 && more == "" {
		return 0, bulwark.Invalid("ID", "%s takes one case id, got %d arguments (flags start with --)", cmd, len(args))
	}
	return tracing.ParseCaseID("ID", args[0])
}

// caseArg reads the case id of a case command's arguments (caseID), then
// opens the case service: what the commands on one case start with.
func (m *Main) caseArg(ctx context.Context, cmd string, args []string, more string) (*tracing.CaseService, int64, error) {
	id, err := caseID(cmd, args, more)
	if err != nil {
		return nil, 0, err
	}
	svc, err := m.caseService(ctx)
	return svc, id, err
}

// caseChangeJSON is the JSON of a change: the case and its audit entry,
// as the API answers.
type caseChangeJSON struct {
	Case     *tracing.Case `json:"case"`
	AuditSeq int64         `json:"auditSeq"`
}

func (m *Main) traceCaseOpenCmd() *command {
	var (
		seeds, policy, direction, title, threshold, minValue, source string
		fromTime, toTime, knownTokens                                string
		chain, fromBlock, toBlock                                    uint64
		maxHops, hubDegree                                           int
		throughHubs                                                  bool
	)
	return &command{
		name:    "open",
		summary: "open a case",
		usage: "bulwark trace case open --seed ADDR|TX[,…] [--title T] [--chain-id N] [--source node|trace:N] [--policy P]\n" +
			"       [--direction forward|backward] [--max-hops N] [--min-value V] [--from-block N] [--to-block M]\n" +
			"       [--from-time T] [--to-time T] [--through-hubs] [--hub-degree N] [--known-token ADDR[,…]]\n" +
			"       [--threshold AMOUNT|ASSET=AMOUNT,…] [--json]",
		long: "Stores a new open case and prints its id (only once it is committed). Amounts are whole base units\n" +
			"(wei); a threshold is one amount for every asset or ASSET=AMOUNT pairs (native:1=…, erc20:1:0x…=…, *=…).",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&seeds, "seed", "", "seed `ADDR|TX`: addresses (0x + 40 hex) or transaction hashes (0x + 64 hex), comma-separated")
			fs.StringVar(&title, "title", "", "the case's `TITLE`")
			fs.Uint64Var(&chain, "chain-id", 1, "the chain `ID` (EIP-155)")
			fs.StringVar(&source, "source", tracing.DefaultCaseSource, "the ingested transfers to trace over: `node` (serve's follower) or trace:N ('bulwark trace --rpc --from-block N')")
			fs.StringVar(&policy, "policy", "haircut", "taint `POLICY`: poison, haircut, fifo, lifo, dirty-first or clean-first")
			fs.StringVar(&direction, "direction", "forward", "`forward` (where did it go) or backward (where did it come from)")
			fs.IntVar(&maxHops, "max-hops", 0, "follow at most `N` hops from a seed (0: the default)")
			fs.StringVar(&minValue, "min-value", "", "follow only transfers carrying at least `V` tainted base units")
			fs.Uint64Var(&fromBlock, "from-block", 0, "first block `N` to trace")
			fs.Uint64Var(&toBlock, "to-block", 0, "last block `M` to trace (default: the last block ingested)")
			fs.StringVar(&fromTime, "from-time", "", "ignore transfers before `TIME` (RFC 3339, e.g. 2025-02-21T14:00:00Z, or Unix seconds)")
			fs.StringVar(&toTime, "to-time", "", "ignore transfers after `TIME` (RFC 3339 or Unix seconds)")
			fs.BoolVar(&throughHubs, "through-hubs", false, "follow value through exchanges, bridges, mixers and other hubs")
			fs.IntVar(&hubDegree, "hub-degree", 0, "treat an address with at least `N` distinct counterparties as a hub (0: none)")
			fs.StringVar(&threshold, "threshold", "", "alert `THRESHOLD`: AMOUNT for every asset, or ASSET=AMOUNT,…")
			fs.StringVar(&knownTokens, "known-token", "", "the genuine token contracts `ADDR[,ADDR…]`: a transfer of another token out of an address that did not act in its transaction is ignored as spoofed (address poisoning)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("trace case open", args); err != nil {
				return 1, err
			}
			if strings.TrimSpace(seeds) == "" {
				return 1, bulwark.Invalid("--seed", "required: give the seed addresses or transaction hashes, comma-separated")
			}
			th, err := tracing.ParseThresholds(threshold)
			if err != nil {
				return 1, caseFlagError(err)
			}
			from, err := parseTraceTime("--from-time", fromTime)
			if err != nil {
				return 1, err
			}
			to, err := parseTraceTime("--to-time", toTime)
			if err != nil {
				return 1, err
			}
			spec := tracing.CaseSpec{Title: title, Chain: chain, Source: source, Seeds: strings.Split(seeds, ","), Policy: policy, Direction: direction,
				Bounds: tracing.Bounds{MaxHops: maxHops, MinValue: minValue, FromBlock: fromBlock, ToBlock: toBlock, FromTime: from, ToTime: to,
					ThroughHubs: throughHubs, HubDegree: hubDegree},
				Thresholds: th}
			if strings.TrimSpace(knownTokens) != "" {
				spec.KnownTokens = strings.Split(knownTokens, ",")
			}
			if _, err := tracing.NewCase(spec); err != nil {
				return 1, caseFlagError(err)
			}
			svc, err := m.caseService(ctx)
			if err != nil {
				return 1, err
			}
			c, e, err := svc.Open(ctx, m.cliActor(), spec)
			if err != nil {
				return 1, caseFlagError(err)
			}
			if m.g.json {
				return 0, m.printJSON(caseChangeJSON{c, e.Seq})
			}
			fmt.Fprintf(m.Stdout, "Opened case %d%s: %s from %s on chain %d (%s).\n", c.ID, titled(c.Title), c.Direction, plural(len(c.Seeds), "seed", "seeds"), c.Chain, c.Policy)
			fmt.Fprintf(m.Stderr, "Run it with 'bulwark trace case run %d' once the blocks are ingested.\n", c.ID)
			return 0, nil
		},
	}
}

// withTraceCase puts 'bulwark trace case' under the trace command t.
func (m *Main) withTraceCase(t *command) *command {
	t.subs = append(t.subs, m.traceCaseCmd())
	return t
}

func titled(t string) string {
	if t == "" {
		return ""
	}
	return " (" + t + ")"
}

// defaultCaseLimit is how many cases 'trace case list' shows by default.
const defaultCaseLimit = 50

func (m *Main) traceCaseListCmd() *command {
	var (
		status string
		limit  int
		before int64
	)
	return &command{
		name:    "list",
		summary: "list cases, newest first",
		usage:   "bulwark trace case list [--status open|closed] [--limit N] [--before ID] [--json]",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&status, "status", "", "only cases of `STATUS` open or closed")
			fs.IntVar(&limit, "limit", defaultCaseLimit, "show at most `N` cases")
			fs.Int64Var(&before, "before", 0, "show the cases older than case `ID` (the next page)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("trace case list", args); err != nil {
				return 1, err
			}
			if limit < 1 || limit > 1000 {
				return 1, bulwark.Invalid("--limit", "must be from 1 to 1000, not %d", limit)
			}
			if before < 0 {
				return 1, bulwark.Invalid("--before", "must be a case id, not %d", before)
			}
			svc, err := m.caseService(ctx)
			if err != nil {
				return 1, err
			}
			cases, err := svc.List(ctx, tracing.CaseFilter{Status: tracing.CaseStatus(status), Limit: limit + 1, Before: before})
			if err != nil {
				if bulwark.ErrorCode(err) == bulwark.EINVALID {
					return 1, bulwark.Invalid("--status", "unknown status %q: use open or closed", status)
				}
				return 1, err
			}
			var next *int64
			if len(cases) > limit {
				cases = cases[:limit]
				n := cases[limit-1].ID
				next = &n
			}
			if m.g.json {
				return 0, m.printJSON(struct {
					Cases []*tracing.Case `json:"cases"`
					Next  *int64          `json:"next"`
				}{cases, next})
			}
			if len(cases) == 0 {
				fmt.Fprintln(m.Stdout, "No cases. Open one with 'bulwark trace case open --seed ADDR'.")
				return 0, nil
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATUS\tCHAIN\tPOLICY\tSEEDS\tPROGRESS\tFOUND\tOPENED\tTITLE")
			for _, c := range cases {
				progress, found := "not run", "-"
				if r := c.Results; r != nil {
					progress = "block " + strconv.FormatUint(r.Block, 10)
					if c.Stale() {
						progress += " (stale)"
					}
					found = fmt.Sprintf("%d addr, %s", r.Summary.Nodes, plural(r.Summary.Alerts, "alert", "alerts"))
				}
				fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Status, c.Chain, c.Policy, seedsShort(c.Seeds), progress, found,
					c.CreatedAt.Format(time.RFC3339), c.Title)
			}
			if err := tw.Flush(); err != nil {
				return 1, err
			}
			if next != nil {
				fmt.Fprintf(m.Stderr, "More cases: 'bulwark trace case list --before %d'.\n", *next)
			}
			return 0, nil
		},
	}
}

// seedsShort is the first seed and how many more there are.
func seedsShort(seeds []string) string {
	if len(seeds) == 0 {
		return "-"
	}
	if len(seeds) == 1 {
		return seeds[0]
	}
	return fmt.Sprintf("%s +%d", seeds[0], len(seeds)-1)
}

func (m *Main) traceCaseShowCmd() *command {
	return &command{
		name:    "show",
		summary: "show a case: its definition, progress, results summary, labels, notes and history",
		usage:   "bulwark trace case show ID [--json]",
		long:    "--json prints the case with its history and its results' summary; the graph is 'trace case results ID'.",
		run: func(ctx context.Context, args []string) (int, error) {
			svc, id, err := m.caseArg(ctx, "trace case show", args, "")
			if err != nil {
				return 1, err
			}
			c, err := svc.Get(ctx, id)
			if err != nil {
				return 1, err
			}
			if c.Results != nil {
				c.Results.Graph = nil
			}
			if m.g.json {
				return 0, m.printJSON(c)
			}
			return 0, writeCase(m.Stdout, c)
		},
	}
}

// writeCase prints a case for a person.
func writeCase(w io.Writer, c *tracing.Case) error {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("Case %d%s: %s\n", c.ID, titled(c.Title), c.Status)
	p("  Chain %d, source %s, %s, policy %s\n", c.Chain, c.Source, c.Direction, c.Policy)
	p("  Seeds: %s\n", strings.Join(c.Seeds, ", "))
	p("  Bounds: %s\n", boundsText(c.Bounds))
	if len(c.Thresholds) > 0 {
		keys := make([]string, 0, len(c.Thresholds))
		for k := range c.Thresholds {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			keys[i] = k + "=" + c.Thresholds[k]
		}
		p("  Alert thresholds: %s\n", strings.Join(keys, ", "))
	} else {
		p("  Alert thresholds: none (any taint alerts)\n")
	}
	if len(c.KnownTokens) > 0 {
		p("  Known tokens: %s\n", strings.Join(c.KnownTokens, ", "))
	}
	p("  Opened %s by %s", c.CreatedAt.Format(time.RFC3339), c.CreatedBy)
	if c.ClosedAt != nil {
		p("; closed %s by %s", c.ClosedAt.Format(time.RFC3339), c.ClosedBy)
	}
	p("\n")
	if r := c.Results; r != nil {
		p("Progress: traced to block %d (%s read), computed %s", r.Block, plural(r.Transfers, "transfer", "transfers"), r.ComputedAt.Format(time.RFC3339))
		if c.Stale() {
			p("; the case changed since: run it again")
		}
		p("\n")
		s := r.Summary
		p("Results: %s, %s, %s, %s; up to %s from a seed\n", plural(s.Nodes, "address", "addresses"), plural(s.Edges, "transfer", "transfers"),
			plural(s.Exits, "cross-chain exit", "cross-chain exits"), plural(s.Alerts, "alert", "alerts"), plural(s.MaxHop, "hop", "hops"))
	} else {
		p("Progress: not run yet ('bulwark trace case run %d')\n", c.ID)
	}
	if len(c.Labels) > 0 {
		p("Labels:\n")
		for _, l := range c.Labels {
			extra := ""
			if l.Category != "" {
				extra += " [" + l.Category + "]"
			}
			if l.Hub {
				extra += " (hub)"
			}
			p("  %s  %s%s\n", l.Address.Hex(), l.Name, extra)
		}
	}
	if len(c.Notes) > 0 {
		p("Notes:\n")
		for _, n := range c.Notes {
			p("  %s  %s  on %s:\n", n.At.Format(time.RFC3339), n.Author, n.Subject())
			for _, line := range strings.Split(n.Text, "\n") {
				p("    %s\n", line)
			}
		}
	}
	if len(c.History) > 0 {
		p("History:\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, ev := range c.History {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", ev.At.Format(time.RFC3339), ev.Actor, ev.Action, string(ev.Details))
		}
		return tw.Flush()
	}
	return nil
}

// boundsText describes bounds for a person.
func boundsText(b tracing.Bounds) string {
	var parts []string
	if b.MaxHops == 0 {
		parts = append(parts, fmt.Sprintf("at most %s (the default)", plural(tracing.DefaultMaxHops, "hop", "hops")))
	} else {
		parts = append(parts, "at most "+plural(b.MaxHops, "hop", "hops"))
	}
	if b.MinValue != "" {
		parts = append(parts, "min value "+b.MinValue)
	}
	switch {
	case b.FromBlock != 0 && b.ToBlock != 0:
		parts = append(parts, fmt.Sprintf("blocks %d to %d", b.FromBlock, b.ToBlock))
	case b.FromBlock != 0:
		parts = append(parts, fmt.Sprintf("from block %d", b.FromBlock))
	case b.ToBlock != 0:
		parts = append(parts, fmt.Sprintf("to block %d", b.ToBlock))
	}
	if b.FromTime != 0 {
		parts = append(parts, "from "+time.Unix(b.FromTime, 0).UTC().Format(time.RFC3339))
	}
	if b.ToTime != 0 {
		parts = append(parts, "to "+time.Unix(b.ToTime, 0).UTC().Format(time.RFC3339))
	}
	if b.ThroughHubs {
		parts = append(parts, "through hubs")
	}
	return strings.Join(parts, ", ")
}

func (m *Main) traceCaseRunCmd() *command {
	var f traceFlags
	return &command{
		name:    "run",
		summary: "trace a case over the transfers ingested and store the results",
		usage:   "bulwark trace case run ID [--labels FILE] [--tagpacks DIR] [--no-screening-labels] [--rpc URL] [--thorchain FILE] [--json]",
		long: "Traces the case over the transfers ingested into the data directory for its chain and source, up to its\n" +
			"last block or the last block ingested, with the case's labels ahead of the active screening lists' listings,\n" +
			"a label file's and TagPacks' (as 'bulwark trace' reads them),\n" +
			"alerting on the deposit addresses registered ('bulwark trace deposit'), and stores the results (audited).\n" +
			"Transfers into THORChain's routers (and those of --thorchain FILE) are cross-chain exits; with --rpc their\n" +
			"memos (the destination) are read from that node.\n" +
			"Exit codes: 0 done, no alert; 3 tainted value reached a registered deposit address above its threshold; 1 error.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&f.labels, "labels", "", "label addresses from your CSV `FILE` (address,name,category,hub)")
			fs.StringVar(&f.tagpacks, "tagpacks", "", "label addresses from the GraphSense TagPacks (*.yaml) in `DIR`")
			fs.BoolVar(&f.noScreening, "no-screening-labels", false, "do not label addresses from the active screening lists")
			fs.StringVar(&f.rpc, "rpc", "", "read the memos of THORChain deposits (their destinations) from the node at `URL`")
			fs.StringVar(&f.thorchain, "thorchain", "", "THORChain routers and vaults from the constants `FILE` (kind,chain,value,label), beside the public routers")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			svc, id, err := m.caseArg(ctx, "trace case run", args, "")
			if err != nil {
				return 1, err
			}
			consts, _, err := exitConstants("--thorchain", f.thorchain)
			if err != nil {
				return 1, err
			}
			// Runs record the transfers into THORChain's routers (the
			// public ones and --thorchain's) as exits, their memos read
			// from the node of --rpc when given.
			finder := &thorchain.Finder{Constants: consts}
			if f.rpc != "" {
				client, err := ethrpc.Dial(f.rpc, ethrpc.Options{Logger: m.logger})
				if err != nil {
					return 1, rpcFlagError(err)
				}
				defer client.Close()
				chain, err := client.ChainID(ctx)
				if err != nil {
					return 1, rpcFlagError(err)
				}
				finder.Inputs, finder.Chain = client, chain
			}
			svc.Exits = finder
			// The active screening lists label the addresses reached (an
			// OFAC- or FBI-listed address on the path shows as such), then
			// the label file and the TagPacks given.
			labeler, _, _, err := m.traceLabels(ctx, f)
			defer m.closeTraceScreening()
			if err != nil {
				return 1, err
			}
			svc.Labeler = labeler
			if scr := m.traceScreening; scr != nil {
				// The exits' destinations go on the case's screening list
				// (labels.CaseExits), and the user is told when it grew.
				svc.WatchExits = func(ctx context.Context, actor string, id int64, exits []tracing.Exit) error {
					rep, err := labels.WatchExits(ctx, scr, actor, tracing.CaseExitList(id), exits)
					if err == nil && len(rep.Changed) > 0 {
						l := rep.Changed[0]
						fmt.Fprintf(m.Stderr, "bulwark: the exits' destinations are on the screening list %s (%s; audit entry %d): screening now flags them\n",
							l.ID, plural(l.Addresses, "address", "addresses"), rep.AuditSeq)
					}
					return err
				}
			}
			c, e, err := svc.Run(ctx, m.cliActor(), id)
			if err != nil {
				return 1, err
			}
			code := bulwark.ExitOK
			if c.Results.Summary.Alerts > 0 {
				code = bulwark.ExitBlock
			}
			if m.g.json {
				c.Results.Graph = nil
				return code, m.printJSON(caseChangeJSON{c, e.Seq})
			}
			s := c.Results.Summary
			fmt.Fprintf(m.Stdout, "Case %d traced to block %d: %s, %s, %s, %s.\n", c.ID, c.Results.Block, plural(s.Nodes, "address", "addresses"),
				plural(s.Edges, "transfer", "transfers"), plural(s.Exits, "cross-chain exit", "cross-chain exits"), plural(s.Alerts, "alert", "alerts"))
			return code, nil
		},
	}
}

func (m *Main) traceCaseResultsCmd() *command {
	var format string
	return &command{
		name:    "results",
		summary: "print a case's latest results (the graph)",
		usage:   "bulwark trace case results ID [--format json|csv|gexf|dot]",
		long: "Prints the graph of the case's latest run: JSON (nodes, edges, exits, alerts; what a graph view draws)\n" +
			"by default, or CSV, GEXF or DOT.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&format, "format", "json", "output `FORMAT`: json, csv, gexf or dot")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			id, err := caseID("trace case results", args, "")
			if err != nil {
				return 1, err
			}
			f, err := report.ParseFormat(format)
			if err != nil {
				return 1, bulwark.Invalid("--format", "unknown format %q: use json, csv, gexf or dot", format)
			}
			svc, err := m.caseService(ctx)
			if err != nil {
				return 1, err
			}
			c, err := svc.Get(ctx, id)
			if err != nil {
				return 1, err
			}
			if c.Results == nil || c.Results.Graph == nil {
				return 1, bulwark.Errorf(bulwark.ENOTFOUND, "case %d has no results yet: run it with 'bulwark trace case run %d'", id, id)
			}
			return 0, report.Write(m.Stdout, f, c.Results.Graph)
		},
	}
}

func (m *Main) traceCaseLabelCmd() *command {
	var (
		hub, remove bool
		category    string
	)
	return &command{
		name:    "label",
		summary: "label an address in a case (or remove its label)",
		usage:   "bulwark trace case label ID ADDR NAME [--hub] [--category C] [--json]\n       bulwark trace case label ID ADDR --remove [--json]",
		long: "A label says what an address is, in this case's traces (source \"user\"); it replaces the address's\n" +
			"earlier label. --hub makes the trace stop there (an exchange, a bridge, a service) unless the case\n" +
			"goes through hubs.",
		setup: func(fs *flag.FlagSet) {
			fs.BoolVar(&hub, "hub", false, "the address is a hub: do not trace through it")
			fs.StringVar(&category, "category", "", "the `CATEGORY` (exchange, bridge, mixing_service, …)")
			fs.BoolVar(&remove, "remove", false, "remove the address's label")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			id, err := caseID("trace case label", args, "more")
			if err != nil {
				return 1, err
			}
			want := 3
			if remove {
				want = 2
			}
			if len(args) < 2 {
				return 1, bulwark.Invalid("ADDR", "give the address to label after the case id")
			}
			if len(args) != want {
				if remove {
					return 1, bulwark.Invalid("NAME", "--remove takes the case id and the address only")
				}
				if len(args) == 2 {
					return 1, bulwark.Invalid("NAME", "give the label's name after the address (quote it if it has spaces), or --remove")
				}
				return 1, bulwark.Invalid("NAME", "give one name after the address: quote it if it has spaces (got %d arguments)", len(args))
			}
			addr, err := tracing.ParseAddress("ADDR", args[1])
			if err != nil {
				return 1, err
			}
			u := tracing.CaseUpdate{Unlabel: &addr}
			if !remove {
				l, err := tracing.CheckLabel(tracing.CaseLabel{Address: addr, Name: args[2], Category: category, Hub: hub})
				if err != nil {
					return 1, caseFlagError(err)
				}
				u = tracing.CaseUpdate{Label: &l}
			} else if hub || category != "" {
				return 1, bulwark.Invalid("--remove", "goes without --hub and --category")
			}
			svc, err := m.caseService(ctx)
			if err != nil {
				return 1, err
			}
			c, e, err := svc.Update(ctx, m.cliActor(), id, u)
			if err != nil {
				return 1, caseFlagError(err)
			}
			if m.g.json {
				return 0, m.printJSON(caseChangeJSON{c, e.Seq})
			}
			if remove {
				fmt.Fprintf(m.Stdout, "Removed the label of %s from case %d.\n", addr.Hex(), id)
			} else {
				fmt.Fprintf(m.Stdout, "Labelled %s %q in case %d.\n", addr.Hex(), u.Label.Name, id)
			}
			return 0, nil
		},
	}
}

func (m *Main) traceCaseNoteCmd() *command {
	var address string
	return &command{
		name:    "note",
		summary: "add a note to a case, on one of its addresses or on the case",
		usage:   "bulwark trace case note ID TEXT [--address ADDR] [--json]",
		long: "A note records what you found, in your name and with the time, oldest first; notes are never\n" +
			"rewritten (a correction is a new note). They are shown by 'trace case show' and exported with the\n" +
			"case's evidence. TEXT is 1 to 2000 characters (quote it); line breaks are kept.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&address, "address", "", "the `ADDR` the note is about (default: the case)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			id, err := caseID("trace case note", args, "more")
			if err != nil {
				return 1, err
			}
			if len(args) != 2 {
				return 1, bulwark.Invalid("TEXT", "give the note's text after the case id, quoted (got %d arguments)", len(args))
			}
			n, err := tracing.ParseNote(address, args[1])
			if err != nil {
				return 1, renameFields(err, noteFlagNames)
			}
			svc, err := m.caseService(ctx)
			if err != nil {
				return 1, err
			}
			c, e, err := svc.Update(ctx, m.cliActor(), id, tracing.CaseUpdate{Note: &n})
			if err != nil {
				return 1, caseFlagError(err)
			}
			if m.g.json {
				return 0, m.printJSON(caseChangeJSON{c, e.Seq})
			}
			fmt.Fprintf(m.Stdout, "Noted on %s in case %d.\n", n.Subject(), id)
			return 0, nil
		},
	}
}

func (m *Main) traceCaseCloseCmd() *command {
	return m.traceCaseStatusCmd("close", "close a case: keep it and its results as they are", tracing.CaseClosed, "Closed")
}

func (m *Main) traceCaseReopenCmd() *command {
	return m.traceCaseStatusCmd("reopen", "reopen a closed case", tracing.CaseOpen, "Reopened")
}

func (m *Main) traceCaseStatusCmd(name, summary string, st tracing.CaseStatus, done string) *command {
	return &command{
		name:    name,
		summary: summary,
		usage:   "bulwark trace case " + name + " ID [--json]",
		run: func(ctx context.Context, args []string) (int, error) {
			svc, id, err := m.caseArg(ctx, "trace case "+name, args, "")
			if err != nil {
				return 1, err
			}
			c, e, err := svc.Update(ctx, m.cliActor(), id, tracing.CaseUpdate{Status: &st})
			if err != nil {
				return 1, err
			}
			if m.g.json {
				return 0, m.printJSON(caseChangeJSON{c, e.Seq})
			}
			fmt.Fprintf(m.Stdout, "%s case %d%s.\n", done, c.ID, titled(c.Title))
			return 0, nil
		},
	}
}

func (m *Main) traceCaseUpdateCmd() *command {
	var title, maxHops, minValue, fromBlock, toBlock, fromTime, toTime, throughHubs, threshold optFlag
	return &command{
		name:    "update",
		summary: "change an open case's title, bounds or thresholds",
		usage: "bulwark trace case update ID [--title T] [--max-hops N] [--min-value V] [--from-block N] [--to-block M]\n" +
			"       [--from-time T] [--to-time T] [--through-hubs true|false] [--threshold AMOUNT|ASSET=AMOUNT,…|none] [--json]",
		long: "Changes what the flags given name and keeps the rest; '' (an empty value) clears a bound, --threshold none\n" +
			"removes the thresholds. The next run uses the new definition ('trace case show' says the results are stale).",
		setup: func(fs *flag.FlagSet) {
			fs.Var(&title, "title", "the new `TITLE`")
			fs.Var(&maxHops, "max-hops", "follow at most `N` hops (0: the default)")
			fs.Var(&minValue, "min-value", "follow only transfers carrying at least `V` tainted base units")
			fs.Var(&fromBlock, "from-block", "first block `N` to trace")
			fs.Var(&toBlock, "to-block", "last block `M` to trace (0: the last block ingested)")
			fs.Var(&fromTime, "from-time", "ignore transfers before `TIME` (RFC 3339 or Unix seconds)")
			fs.Var(&toTime, "to-time", "ignore transfers after `TIME` (RFC 3339 or Unix seconds)")
			fs.Var(&throughHubs, "through-hubs", "`true` to follow value through hubs, false not to")
			fs.Var(&threshold, "threshold", "alert `THRESHOLD`s: AMOUNT, ASSET=AMOUNT,…, or none")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			svc, id, err := m.caseArg(ctx, "trace case update", args, "")
			if err != nil {
				return 1, err
			}
			c, err := svc.Get(ctx, id)
			if err != nil {
				return 1, err
			}
			var u tracing.CaseUpdate
			if title.set {
				u.Title = &title.v
			}
			b, bounds := c.Bounds, false
			uintFlag := func(name string, f optFlag, dst *uint64) error {
				if !f.set {
					return nil
				}
				bounds = true
				v := f.v
				if v == "" {
					*dst = 0
					return nil
				}
				n, err := strconv.ParseUint(v, 10, 64)
				if err != nil {
					return bulwark.Invalid(name, "%q is not a block number", v)
				}
				*dst = n
				return nil
			}
			if err := uintFlag("--from-block", fromBlock, &b.FromBlock); err != nil {
				return 1, err
			}
			if err := uintFlag("--to-block", toBlock, &b.ToBlock); err != nil {
				return 1, err
			}
			if maxHops.set {
				bounds = true
				n, err := strconv.Atoi(maxHops.v)
				if maxHops.v != "" && err != nil {
					return 1, bulwark.Invalid("--max-hops", "%q is not a whole number", maxHops.v)
				}
				b.MaxHops = n
			}
			if minValue.set {
				bounds, b.MinValue = true, minValue.v
			}
			for _, tf := range []struct {
				name string
				f    optFlag
				dst  *int64
			}{{"--from-time", fromTime, &b.FromTime}, {"--to-time", toTime, &b.ToTime}} {
				if !tf.f.set {
					continue
				}
				bounds = true
				if *tf.dst, err = parseTraceTime(tf.name, tf.f.v); err != nil {
					return 1, err
				}
			}
			if throughHubs.set {
				bounds = true
				if b.ThroughHubs, err = strconv.ParseBool(throughHubs.v); err != nil {
					return 1, bulwark.Invalid("--through-hubs", "%q: give true or false", throughHubs.v)
				}
			}
			if bounds {
				u.Bounds = &b
			}
			if threshold.set {
				th := map[string]string{}
				if threshold.v != "none" {
					if th, err = tracing.ParseThresholds(threshold.v); err != nil {
						return 1, caseFlagError(err)
					}
				}
				u.Thresholds = &th
			}
			if u.Title == nil && u.Bounds == nil && u.Thresholds == nil {
				return 1, bulwark.Invalid("update", "nothing to change: give --title, a bound (--max-hops, --min-value, --from-block, …) or --threshold")
			}
			c, e, err := svc.Update(ctx, m.cliActor(), id, u)
			if err != nil {
				return 1, caseFlagError(err)
			}
			if m.g.json {
				return 0, m.printJSON(caseChangeJSON{c, e.Seq})
			}
			fmt.Fprintf(m.Stdout, "Updated case %d%s: %s.\n", c.ID, titled(c.Title), boundsText(c.Bounds))
			return 0, nil
		},
	}
}

// optFlag is a string flag that knows whether it was given, so that an
// empty value can mean "clear it".
type optFlag struct {
	v   string
	set bool
}

func (o *optFlag) String() string {
	if o == nil {
		return ""
	}
	return o.v
}

func (o *optFlag) Set(s string) error {
	o.v, o.set = s, true
	return nil
}
