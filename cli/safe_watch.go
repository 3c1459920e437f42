package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/webhook"
)

// safeWatchFlags are the flags of 'bulwark safe watch'.
type safeWatchFlags struct {
	safes, rpc, from, to string
	interval             time.Duration
	unreachableAfter     time.Duration
	retryBase            time.Duration
	webhook, secretFile  string
}

func (m *Main) safeWatchCmd() *command {
	var f safeWatchFlags
	return &command{
		name:    "watch",
		summary: "alert on changes of a Safe's singleton, owners, modules, guard or handler, block by block",
		usage:   "bulwark safe watch --safe ADDR[,ADDR…] --rpc URL [--from-block N] [--to-block M] [--interval D] [--webhook URL --webhook-secret-file FILE] [--json]",
		long: "Follows the chain from block N (default: the head; the state at N-1 is the baseline) and reads every\n" +
			"watched Safe's state at each block, by block hash, from storage (not events: the Bybit DELEGATECALL\n" +
			"emitted none). An address without code at the baseline is a Safe not deployed yet: its state at the\n" +
			"block its code appears is its baseline (code that is not a Safe: SAFE_UNREADABLE) — unless it has\n" +
			"sent transactions (nonce above 0): an externally owned account, not a Safe. Prints one line\n" +
			"per alert (--json: one JSON object per line) and stores each with its audit entry, in one\n" +
			"transaction. With --webhook, each alert is also POSTed to URL, signed with\n" +
			"HMAC-SHA256 (secret from --webhook-secret-file or $BULWARK_WEBHOOK_SECRET; see docs/safe.md),\n" +
			"at least once, retried until accepted; what is undelivered at exit waits in the store.\n" +
			"With --to-block it stops after block M; otherwise on SIGINT/SIGTERM. The exit code follows\n" +
			"the worst alert: 3 critical, 2 high or medium, 0 none or info; 1 when it cannot start.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&f.safes, "safe", "", "the Safe `ADDR`esses to watch, comma-separated")
			fs.StringVar(&f.rpc, "rpc", "", "JSON-RPC `URL` of the node to follow")
			fs.StringVar(&f.from, "from-block", "", "first block `N` to check, at most the head + 1 (default: the head); the state at N-1 is the baseline")
			fs.StringVar(&f.to, "to-block", "", "stop after block `M` (default: never)")
			fs.DurationVar(&f.interval, "interval", time.Second, "poll the node for a new block every `DURATION`")
			fs.DurationVar(&f.unreachableAfter, "unreachable-after", 30*time.Second, "raise NODE_UNREACHABLE when the node has been failing for `DURATION`")
			fs.DurationVar(&f.retryBase, "retry-delay", 500*time.Millisecond, "first backoff (`DURATION`) after a node failure; doubles up to 15s")
			fs.StringVar(&f.webhook, "webhook", "", "POST each alert, signed with HMAC-SHA256, to this http(s) `URL`")
			fs.StringVar(&f.secretFile, "webhook-secret-file", "", "read the webhook's HMAC secret from `FILE` (else $BULWARK_WEBHOOK_SECRET)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("safe watch", args); err != nil {
				return bulwark.ExitError, err
			}
			return m.runSafeWatch(ctx, f)
		},
	}
}

// parseWatchBlock reads an optional block number flag; false when it is
// not given.
func parseWatchBlock(field, s string) (uint64, bool, error) {
	if strings.TrimSpace(s) == "" {
		return 0, false, nil
	}
	n, err := safe.ParseBlockNumber(field, s)
	return n, err == nil, err
}

// watchBlocks checks the --rpc, --from-block and --to-block of a command
// that follows a node (safe watch, trace watch): the URL given, the first
// block at least 1 (why0 says why block 0 is not) and the last not before
// it. hasFrom and hasTo say which blocks were given.
func watchBlocks(rpc, fromFlag, toFlag, why0 string) (from uint64, hasFrom bool, to uint64, hasTo bool, err error) {
	if err = required("--rpc", "the JSON-RPC URL of the node to follow, e.g. http://127.0.0.1:8545", rpc); err != nil {
		return
	}
	if from, hasFrom, err = parseWatchBlock("--from-block", fromFlag); err != nil {
		return
	}
	if to, hasTo, err = parseWatchBlock("--to-block", toFlag); err != nil {
		return
	}
	switch {
	case hasFrom && from == 0:
		err = bulwark.Invalid("--from-block", "must be at least 1: %s", why0)
	case hasFrom && hasTo && to < from:
		err = bulwark.Invalid("--to-block", "%d is before --from-block %d", to, from)
	}
	return
}

// lockStderr serialises writes to m.Stderr (webhook deliveries and the
// serve monitor report from their own goroutines) and rebuilds the logger
// on it; restore puts both back.
func (m *Main) lockStderr() (restore func(), err error) {
	stderr, logger := m.Stderr, m.logger
	m.Stderr = &lockedWriter{w: stderr}
	if err := m.setupLogging(); err != nil {
		m.Stderr = stderr
		return nil, err
	}
	return func() { m.Stderr, m.logger = stderr, logger }, nil
}

func (m *Main) runSafeWatch(ctx context.Context, f safeWatchFlags) (int, error) {
	restore, err := m.lockStderr()
	if err != nil {
		return bulwark.ExitError, err
	}
	defer restore()

	if err := required("--safe", "the address of at least one Safe to watch (comma-separated for several)", f.safes); err != nil {
		return bulwark.ExitError, err
	}
	addrs, err := safe.ParseAddressList("--safe", f.safes)
	if err != nil {
		return bulwark.ExitError, err
	}
	from, hasFrom, to, hasTo, err := watchBlocks(f.rpc, f.from, f.to, "block 0 has no earlier state to compare with")
	if err != nil {
		return bulwark.ExitError, err
	}
	if f.interval <= 0 {
		return bulwark.ExitError, bulwark.Invalid("--interval", "must be positive")
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
	db, _, log, err := m.services(ctx)
	if err != nil {
		return bulwark.ExitError, err
	}

	node := ethrpc.WatchReader{Client: client}
	head, err := client.BlockNumber(ctx)
	if err != nil {
		return bulwark.ExitError, rpcFlagError(err)
	}
	switch {
	case !hasFrom:
		from = max(head, 1) // nothing to compare block 0 with: wait for block 1
	case from-1 > head:
		// The baseline, block N-1, must exist; block N itself may be the
		// next one and is waited for.
		return bulwark.ExitError, bulwark.Invalid("--from-block", "block %d is beyond the node's head %d: the baseline, block %d, does not exist yet; give at most %d, or leave --from-block out to start at the head",
			from, head, from-1, head+1)
	}
	if hasTo && to < from {
		return bulwark.ExitError, bulwark.Invalid("--to-block", "%d is before the first block to check, %d (the head)", to, from)
	}
	w, err := watch.New(node, addrs, watch.CheckingExecutions(client, db))
	if err != nil {
		return bulwark.ExitError, err
	}
	if err := w.Start(ctx, from-1); err != nil {
		if errors.Is(err, onchain.ErrNotSafe) {
			return bulwark.ExitError, bulwark.Wrap(err, bulwark.EINVALID, "--safe: "+bulwark.ErrorMessage(err))
		}
		return bulwark.ExitError, err
	}
	fmt.Fprintf(m.Stderr, "bulwark: watching %d Safe(s) on %s from block %d (baseline: block %d)\n", len(addrs), client.URL(), from, from-1)
	for _, a := range w.NotDeployed() {
		fmt.Fprintf(m.Stderr, "bulwark: %s has no code at block %d: watching for the Safe's deployment (its state then is its baseline)\n", a.Hex(), from-1)
	}
	deliver := m.startAlertDelivery(ctx, db, notifier, watch.AlertKind)
	defer deliver.Stop()
	rec := &watch.Recorder{Store: db, Log: log, Actor: m.cliActor(), Node: client.URL(), Stored: deliver.Wake}

	var (
		mu     sync.Mutex
		alerts []watch.Alert
	)
	enc := json.NewEncoder(m.Stdout)
	emit := func(a watch.Alert) error {
		mu.Lock()
		alerts = append(alerts, a)
		mu.Unlock()
		if m.g.json {
			if err := enc.Encode(a); err != nil {
				return bulwark.Wrap(err, bulwark.EINTERNAL, "cannot write an alert")
			}
		} else {
			fmt.Fprintln(m.Stdout, a.String())
		}
		return rec.Record(ctx, a)
	}
	progress := newWatchProgress(m, from)
	err = w.Follow(ctx, watch.FollowOptions{
		ToBlock: to, HasTo: hasTo, PollInterval: f.interval,
		UnreachableAfter: f.unreachableAfter, RetryBase: f.retryBase,
		Emit: emit, Progress: progress.report,
		Retry: func(err error, attempt int, wait time.Duration) {
			if m.logger != nil {
				m.logger.Warn("node failed; retrying", "attempt", attempt, "wait", wait, "err", bulwark.ErrorMessage(err))
			}
		},
	})
	progress.done(w.Last().Number)
	if st := deliver.Drain(ctx); st.Pending > 0 {
		fmt.Fprintf(m.Stderr, "bulwark: webhook: %d alert(s) not delivered yet; they stay queued in the store and go out with the next 'bulwark serve --webhook' or 'bulwark safe watch --webhook' ('bulwark alerts pending' lists them)\n", st.Pending)
	}
	if err != nil {
		return bulwark.ExitError, err
	}
	mu.Lock()
	defer mu.Unlock()
	return watch.WorstVerdict(alerts).ExitCode(), nil
}

// watchProgress prints catch-up progress on stderr, at most once a second,
// while the watcher is behind the head.
type watchProgress struct {
	m      *Main
	from   uint64
	last   time.Time
	shown  bool
	caught bool
}

func newWatchProgress(m *Main, from uint64) *watchProgress {
	return &watchProgress{m: m, from: from, last: time.Now()}
}

func (p *watchProgress) report(block, head uint64) {
	if block >= head {
		if p.shown && !p.caught {
			fmt.Fprintf(p.m.Stderr, "bulwark: caught up at block %d; following the head\n", block)
		}
		p.caught = true
		return
	}
	p.caught = false
	if time.Since(p.last) < time.Second {
		return
	}
	p.last, p.shown = time.Now(), true
	fmt.Fprintf(p.m.Stderr, "bulwark: catching up: block %d of %d (%d checked)\n", block, head, block-p.from+1)
}

func (p *watchProgress) done(last uint64) {
	fmt.Fprintf(p.m.Stderr, "bulwark: stopped after block %d\n", last)
}

// envWebhookSecret holds the webhook secret when no --webhook-secret-file
// is given. There is no flag for the secret itself: a flag's value shows in
// ps.
const envWebhookSecret = "BULWARK_WEBHOOK_SECRET"

// webhookGrace is how long a webhook delivery may go on once the command
// is told to stop (SIGINT/SIGTERM); what is left is delivered by the next
// process with a webhook.
const webhookGrace = 10 * time.Second

// webhookNotifier builds the webhook notifier of --webhook URL and
// --webhook-secret-file (nil without a URL). Its errors never carry the
// secret.
func (m *Main) webhookNotifier(hookURL, secretFile string) (*webhook.Notifier, error) {
	f := struct{ webhook, secretFile string }{hookURL, secretFile}
	if f.webhook == "" {
		if f.secretFile != "" {
			return nil, bulwark.Invalid("--webhook-secret-file", "given without --webhook URL")
		}
		return nil, nil
	}
	u, err := webhook.ParseURL(f.webhook)
	if err != nil {
		return nil, err
	}
	var secret []byte
	switch {
	case f.secretFile != "":
		b, err := os.ReadFile(f.secretFile)
		if err != nil {
			return nil, bulwark.Invalid("--webhook-secret-file", "cannot read %s: %s", f.secretFile, pathErr(err))
		}
		secret = []byte(strings.TrimSpace(string(b)))
		if len(secret) == 0 {
			return nil, bulwark.Invalid("--webhook-secret-file", "%s is empty: put the secret shared with the receiver in it", f.secretFile)
		}
	default:
		v, _ := m.lookupEnv(envWebhookSecret)
		secret = []byte(strings.TrimSpace(v))
		if len(secret) == 0 {
			return nil, bulwark.Invalid("--webhook-secret-file", "required with --webhook: a file holding the HMAC secret shared with the receiver (or set $%s)", envWebhookSecret)
		}
	}
	if webhook.Insecure(u) {
		fmt.Fprintf(m.Stderr, "bulwark: warning: --webhook %s is plain http to a host that is not loopback: alerts travel unencrypted (they stay signed); use https\n", u.Host)
	}
	return webhook.New(webhook.Options{URL: f.webhook, Secret: secret})
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
