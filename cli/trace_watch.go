package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/thorchain"
)

// traceWatchFlags are the flags of 'bulwark trace watch'.
type traceWatchFlags struct {
	seeds, rpc, from, to, policy, thresholds string
	interval                                 time.Duration
	webhook, secretFile                      string
	// The traversal's bounds and labels, as 'bulwark trace' reads them
	// (maxHops, minValue, throughHubs, hubDegree, knownTokens, labels,
	// tagpacks, noScreening).
	trace traceFlags
}

// withTraceWatch puts 'bulwark trace watch', the live follower in the
// foreground, under the trace command t.
func (m *Main) withTraceWatch(t *command) *command {
	t.subs = append(t.subs, m.traceWatchCmd())
	return t
}

func (m *Main) traceWatchCmd() *command {
	var f traceWatchFlags
	return &command{
		name:    "watch",
		summary: "follow the chain head from seed addresses and alert when their taint reaches a registered deposit address",
		usage: "bulwark trace watch --seed ADDR[,ADDR…] --rpc URL [--from-block N] [--to-block M] [--policy P] [--threshold AMOUNT|ASSET=AMOUNT,…]\n" +
			"       [--max-hops N] [--min-value V] [--through-hubs] [--hub-degree N] [--known-token ADDR[,…]]\n" +
			"       [--labels FILE] [--tagpacks DIR] [--no-screening-labels] [--thorchain FILE] [--webhook URL --webhook-secret-file FILE] [--json]",
		long: "Ingests the node's blocks into the data directory's store (resumable, reorgs rolled back) from block N\n" +
			"(default: the next block), traces the seeds' outgoing value forward under the taint policy (default\n" +
			"poison) by the rules of 'bulwark trace' (hubs are end points; hops, minimum value, labels as its flags),\n" +
			"and raises TRACE_DEPOSIT, in the block where it lands, when tainted value at\n" +
			"or above the threshold arrives at an address registered with 'bulwark trace deposit add'. Each alert\n" +
			"is printed (--json: one JSON object per line), stored with its audit entry and queued for the webhook\n" +
			"in one transaction; with --webhook it is POSTed (\"type\": \"trace.alert\"), at least once. Run again,\n" +
			"the same command resumes where it stopped without raising an alert twice. A reorg that drops an\n" +
			"alert's block retracts it (TRACE_ALERT_RETRACTED) and raises it again where the new chain has it.\n" +
			"With --to-block it stops after block M, otherwise on SIGINT/SIGTERM. Exit code: 3 when a\n" +
			"TRACE_DEPOSIT was raised, 0 when none; 1 when it cannot start or the node or store fails.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&f.seeds, "seed", "", "the seed `ADDR`esses (the thief's), comma-separated")
			fs.StringVar(&f.rpc, "rpc", "", "JSON-RPC `URL` of the node to follow (trace_block or debug_traceBlockByNumber needed)")
			fs.StringVar(&f.from, "from-block", "", "first block `N` whose transfers are applied (default: the block after the head)")
			fs.StringVar(&f.to, "to-block", "", "stop after block `M` (default: never)")
			fs.StringVar(&f.policy, "policy", "poison", "taint `POLICY`: poison, haircut, fifo, lifo, dirty-first or clean-first")
			fs.StringVar(&f.thresholds, "threshold", "", "alert `THRESHOLD` in base units: one amount for every asset, or ASSET=AMOUNT pairs (a deposit address's own wins)")
			fs.IntVar(&f.trace.maxHops, "max-hops", 0, "follow at most `N` transfers from a seed (default 5)")
			fs.StringVar(&f.trace.minValue, "min-value", "", "follow only transfers carrying at least `V` tainted base units (wei, token units)")
			fs.BoolVar(&f.trace.throughHubs, "through-hubs", false, "follow value through exchanges, routers, bridges and mixers, which are otherwise end points")
			hubFlags(fs, &f.trace)
			fs.StringVar(&f.trace.labels, "labels", "", "label addresses from your CSV `FILE` (address,name[,category][,hub]; docs/tracing-reference.md)")
			fs.StringVar(&f.trace.tagpacks, "tagpacks", "", "label addresses from the GraphSense TagPacks (*.yaml) in `DIR`")
			fs.BoolVar(&f.trace.noScreening, "no-screening-labels", false, "do not label addresses from the active screening lists")
			fs.StringVar(&f.trace.thorchain, "thorchain", "", "THORChain routers and vaults from the constants `FILE` (kind,chain,value,label), beside the public routers")
			fs.DurationVar(&f.interval, "interval", time.Second, "poll the node for new blocks every `DURATION`")
			fs.StringVar(&f.webhook, "webhook", "", "POST each alert, signed with HMAC-SHA256, to this http(s) `URL`")
			fs.StringVar(&f.secretFile, "webhook-secret-file", "", "read the webhook's HMAC secret from `FILE` (else $BULWARK_WEBHOOK_SECRET)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("trace watch", args); err != nil {
				return bulwark.ExitError, err
			}
			return m.runTraceWatch(ctx, f)
		},
	}
}

func (m *Main) runTraceWatch(ctx context.Context, f traceWatchFlags) (int, error) {
	restore, err := m.lockStderr()
	if err != nil {
		return bulwark.ExitError, err
	}
	defer restore()
	if err := required("--seed", "the seed addresses whose outgoing value is tainted (comma-separated)", f.seeds); err != nil {
		return bulwark.ExitError, err
	}
	seeds, err := safe.ParseAddressList("--seed", f.seeds)
	if err != nil {
		return bulwark.ExitError, err
	}
	for _, a := range seeds {
		if err := nonZeroSeed(a); err != nil {
			return bulwark.ExitError, err
		}
	}
	from, hasFrom, to, hasTo, err := watchBlocks(f.rpc, f.from, f.to, "block 0, the genesis, has no transfers")
	if err != nil {
		return bulwark.ExitError, err
	}
	policy, err := tracing.ParsePolicy(f.policy)
	if err != nil {
		return bulwark.ExitError, flagged("--policy", err)
	}
	th, err := tracing.ParseThresholds(f.thresholds)
	if err != nil {
		return bulwark.ExitError, flagged("--threshold", err)
	}
	thresholds, err := tracing.AmountThresholds(th)
	if err != nil {
		return bulwark.ExitError, flagged("--threshold", err)
	}
	consts, _, err := exitConstants("--thorchain", f.trace.thorchain)
	if err != nil {
		return bulwark.ExitError, err
	}
	if f.interval <= 0 {
		return bulwark.ExitError, bulwark.Invalid("--interval", "must be positive")
	}
	if f.trace.maxHops < 0 || f.trace.maxHops > tracing.MaxMaxHops {
		return bulwark.ExitError, bulwark.Invalid("--max-hops", "%d is out of range: give 1 to %d (0 for the default, %d)", f.trace.maxHops, tracing.MaxMaxHops, tracing.DefaultMaxHops)
	}
	var minValue *uint256.Int
	if s := strings.TrimSpace(f.trace.minValue); s != "" {
		v, err := tracing.ParseAmount("--min-value", s)
		if err != nil {
			return bulwark.ExitError, err
		}
		minValue = v
	}
	knownTokens, err := parseHubFlags(f.trace)
	if err != nil {
		return bulwark.ExitError, err
	}
	notifier, err := m.webhookNotifier(f.webhook, f.secretFile)
	if err != nil {
		return bulwark.ExitError, err
	}
	client, err := ethrpc.Dial(f.rpc, ethrpc.Options{Logger: m.logger})
	if err != nil {
		return bulwark.ExitError, rpcFlagError(err)
	}
	defer client.Close()
	chain, err := client.ChainID(ctx)
	if err != nil {
		return bulwark.ExitError, rpcFlagError(err)
	}
	head, err := client.BlockNumber(ctx)
	if err != nil {
		return bulwark.ExitError, rpcFlagError(err)
	}
	if !hasFrom {
		from = head + 1
	}
	if hasTo && to < from {
		return bulwark.ExitError, bulwark.Invalid("--to-block", "%d is before the first block to follow, %d (the block after the head)", to, from)
	}
	db, _, log, err := m.services(ctx)
	if err != nil {
		return bulwark.ExitError, err
	}
	if regs, err := db.Deposits(ctx); err != nil {
		return bulwark.ExitError, err
	} else if len(regs) == 0 {
		fmt.Fprintln(m.Stderr, "bulwark: warning: no deposit addresses are registered, so no alert can be raised; add them with 'bulwark trace deposit add ADDR'")
	}
	labeler, _, _, err := m.traceLabels(ctx, f.trace)
	defer m.closeTraceScreening()
	if err != nil {
		return bulwark.ExitError, err
	}
	req := tracing.Request{Chain: chain, SeedAddresses: seeds, Policy: policy, Direction: tracing.Forward, MinValue: minValue,
		Bounds:     tracing.Bounds{FromBlock: from, MaxHops: f.trace.maxHops, ThroughHubs: f.trace.throughHubs, HubDegree: f.trace.hubDegree},
		Thresholds: thresholds, Labeler: labeler, KnownTokens: knownTokens}
	if err := req.Validate(); err != nil {
		return bulwark.ExitError, err
	}
	id := tracing.WatchID(req)
	deliver := m.startAlertDelivery(ctx, db, notifier, tracing.AlertKind)
	defer deliver.Stop()
	rec := &tracing.Recorder{Store: db, Log: log, Actor: m.cliActor(), Stored: deliver.Wake}

	var (
		mu      sync.Mutex
		raised  int
		encoder = json.NewEncoder(m.Stdout)
	)
	fol := tracing.NewFollower(tracing.FollowerConfig{Chain: chain, Source: &ethrpc.TraceSource{Client: client, Chain: chain}, Store: db,
		Follows: tracing.StaticFollows{{ID: id, Request: req}}, Record: rec.Record, Logger: m.logger, Interval: f.interval,
		Exits: &thorchain.Finder{Constants: consts, Inputs: client, Chain: chain},
		Raised: func(a tracing.StoredAlert) {
			mu.Lock()
			defer mu.Unlock()
			if a.Code == tracing.CodeDeposit {
				raised++
			}
			if m.g.json {
				// The store gave the alert its time: print it as stored
				// (GET /api/v1/trace/alerts shows the same object).
				if stored, err := db.TraceAlerts(context.WithoutCancel(ctx), tracing.AlertFilter{SinceID: a.ID - 1, Limit: 1}); err == nil && len(stored) == 1 && stored[0].ID == a.ID {
					a = stored[0]
				}
				_ = encoder.Encode(a)
				return
			}
			fmt.Fprintf(m.Stdout, "%s block %d: %s\n", a.Code, a.Block, a.Message)
		}})
	fmt.Fprintf(m.Stderr, "bulwark: following %d seed(s) on %s (chain %d) from block %d under %s as %s\n",
		len(seeds), client.URL(), chain, from, policy, id)
	if hasTo {
		err = fol.RunTo(ctx, to)
	} else {
		fol.Run(ctx)
	}
	if st := deliver.Drain(ctx); st.Pending > 0 {
		fmt.Fprintf(m.Stderr, "bulwark: webhook: %d alert(s) not delivered yet; they stay queued in the store and go out with the next 'bulwark serve --webhook' or 'bulwark trace watch --webhook' ('bulwark alerts pending' lists them)\n", st.Pending)
	}
	if err != nil && ctx.Err() == nil {
		return bulwark.ExitError, err
	}
	follow := tracing.Follow{ID: id, Request: req}
	if c, ok, _ := db.FollowCursor(context.WithoutCancel(ctx), follow.CursorKey()); ok {
		fmt.Fprintf(m.Stderr, "bulwark: stopped after block %d\n", c.Block)
	}
	mu.Lock()
	defer mu.Unlock()
	if raised > 0 {
		return bulwark.ExitBlock, nil
	}
	return bulwark.ExitOK, nil
}

// flagged names flag in err when it is an *bulwark.Error naming another
// field.
func flagged(flag string, err error) error {
	if e, ok := err.(*bulwark.Error); ok && e.Field != flag {
		if e.Field != "" && len(e.Message) > len(e.Field) && e.Message[:len(e.Field)] == e.Field {
			e.Message = flag + e.Message[len(e.Field):]
		} else {
			e.Message = flag + ": " + e.Message
		}
		e.Field = flag
	}
	return err
}
