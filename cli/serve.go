package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/httpapi"
	"github.com/bulwark-sec/bulwark/prune"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
	"github.com/mattn/go-isatty"
)

// serveFlags are the settings of 'bulwark serve'.
type serveFlags struct {
	addr            string
	tlsCert, tlsKey string
	rateLimit       float64
	burst           int
	maxBody         int64
	metricsPublic   bool
	trustedProxies  string
	requestTimeout  time.Duration
	shutdownTimeout time.Duration
	rpc             string
	// The webhook (screening alerts; with --rpc also the Safe monitor's).
	webhook, webhookSecretFile string
	// The Safe monitor (with --rpc).
	watchInterval   time.Duration
	watchMaxCatchup int64
	// Screening.
	lists              screeningSettings
	listsFrom          string
	listsRefresh       time.Duration
	decisions          string
	decisionsSyncEvery time.Duration
	retention          retention
	memoryLimit        byteSize
}

func (m *Main) serveCmd() *command {
	f := serveFlags{memoryLimit: DefaultMemoryLimit}
	return &command{
		name:         "serve",
		summary:      "run the API server on the embedded store",
		usage:        "bulwark serve [--addr 127.0.0.1:8080] [--tls-cert FILE --tls-key FILE] [flags]",
		configurable: true,
		long: "Serves /healthz and /readyz without a token, /metrics (Prometheus) and the JSON API under /api/v1\n" +
			"with 'Authorization: Bearer TOKEN'. On first start with an empty store it creates an admin token:\n" +
			"its secret is printed once to stderr when that is a terminal, else written to first-admin-token in\n" +
			"the data directory (mode 0600; the log names the file), never logged. A start that cannot listen\n" +
			"creates nothing. SIGINT or SIGTERM shuts down gracefully.\n" +
			"With --rpc it also watches, block by block, the Safes added with POST /api/v1/safe/watches, as\n" +
			"'bulwark safe watch' does: alerts are stored (GET /api/v1/safe/alerts) and logged.\n" +
			"With --webhook it POSTs, signed with HMAC-SHA256 (secret from --webhook-secret-file or\n" +
			"$BULWARK_WEBHOOK_SECRET), every stored alert not delivered yet — screening watch alerts\n" +
			"(\"type\": \"screening.alert\"), also those stored by 'bulwark lists update', and Safe alerts\n" +
			"(\"type\": \"safe.alert\") — at start and as each is stored, at least once, retried until accepted.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&f.addr, "addr", httpapi.DefaultAddr, "listen on `HOST:PORT` (loopback by default)")
			fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate `FILE` (PEM); with --tls-key serves HTTPS")
			fs.StringVar(&f.tlsKey, "tls-key", "", "TLS private key `FILE` (PEM)")
			fs.Float64Var(&f.rateLimit, "rate-limit", httpapi.DefaultRateLimit, "sustained requests per second per token (negative: no limit)")
			fs.IntVar(&f.burst, "burst", httpapi.DefaultBurst, "requests a token may send at once")
			fs.Int64Var(&f.maxBody, "max-body-bytes", httpapi.DefaultMaxBodyBytes, "largest request body in `BYTES`")
			fs.BoolVar(&f.metricsPublic, "metrics-public", false, "serve /metrics without a token")
			fs.StringVar(&f.trustedProxies, "trusted-proxy", "", "comma-separated `CIDR`s (or addresses) of reverse proxies whose X-Forwarded-For names the client address of the failed-authentication limit (default: none; X-Forwarded-For ignored)")
			fs.DurationVar(&f.requestTimeout, "request-timeout", httpapi.DefaultHandlerTimeout, "deadline for handling one request")
			fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", httpapi.DefaultShutdownTimeout, "how long in-flight requests may finish after SIGTERM")
			fs.StringVar(&f.rpc, "rpc", "", "JSON-RPC `URL` of a node: POST /api/v1/safe/verify then reads chain id, version and code from it and simulates, and the Safes on the watch list are monitored")
			fs.StringVar(&f.webhook, "webhook", "", "POST each screening watch alert (and with --rpc each monitor alert), signed with HMAC-SHA256, to this http(s) `URL`")
			fs.StringVar(&f.webhookSecretFile, "webhook-secret-file", "", "read the webhook's HMAC secret from `FILE` (else $BULWARK_WEBHOOK_SECRET)")
			fs.DurationVar(&f.watchInterval, "watch-interval", time.Second, "with --rpc, how often the monitor polls the node for a new block")
			f.lists.register(fs)
			fs.StringVar(&f.listsFrom, "lists-from", "", "comma-separated `DIR|FILE|URL`s the lists are refreshed from (default: the official OFAC and UN URLs)")
			fs.DurationVar(&f.listsRefresh, "lists-refresh", 24*time.Hour, "refresh the lists this often, and at start when one is stale (0: never; a failed refresh keeps the lists in force)")
			fs.StringVar(&f.decisions, "decisions", "sync", "how screening decisions are stored: sync (the answer waits until the decision is appended to the decision journal, batched with concurrent requests' decisions, which is stored in the database with audit entries in the background: it survives kill -9; the journal is synced to disk every --decisions-fsync-interval, so a power loss loses at most that much), fsync (as sync, and the answer also waits for the disk: it survives a power loss) or async (the answer, marked \"stored\": false, does not wait: a crash can lose it)")
			fs.DurationVar(&f.decisionsSyncEvery, "decisions-fsync-interval", 100*time.Millisecond, "with --decisions sync or async, sync decisions committed but not yet on disk this often (and at shutdown)")
			fs.Var(&f.memoryLimit, "memory-limit", "soft memory limit of the Go runtime in `BYTES` (384MiB, 2GiB; 0: none; GOMEMLIMIT wins when set): past it the collector works harder and returns memory to the system, so a burst of batch screenings does not leave the process at its peak")
			fs.Var(&f.retention, "retention", "keep screening decisions, the alerts they raised and Safe alerts for `AGE` (400d: 400 days; 0 keeps them forever): older ones are deleted every hour (not an alert still to be delivered), audited, and audit verify still checks the whole log")
			fs.Int64Var(&f.watchMaxCatchup, "watch-max-catchup", watch.DefaultMaxCatchup, "with --rpc, at most this many `BLOCKS` mined while the server was down are checked on restart (beyond: a WATCH_GAP alert)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("serve", args); err != nil {
				return 1, err
			}
			return 0, m.serve(ctx, f)
		},
	}
}

func (m *Main) serve(ctx context.Context, f serveFlags) error {
	if _, port, err := net.SplitHostPort(f.addr); err != nil {
		return bulwark.Invalid("--addr", "want HOST:PORT such as 127.0.0.1:8080, got %q", f.addr)
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return bulwark.Invalid("--addr", "want HOST:PORT with a port number from 0 to 65535 (0: any free port), got %q", f.addr)
	}
	if f.maxBody <= 0 {
		return bulwark.Invalid("--max-body-bytes", "must be positive, got %d", f.maxBody)
	}
	if f.burst < 1 {
		return bulwark.Invalid("--burst", "must be at least 1, got %d", f.burst)
	}
	if f.requestTimeout <= 0 || f.shutdownTimeout <= 0 {
		return bulwark.Invalid("--request-timeout", "timeouts must be positive")
	}
	if f.watchInterval <= 0 {
		return bulwark.Invalid("--watch-interval", "must be positive")
	}
	if f.watchMaxCatchup < 0 {
		return bulwark.Invalid("--watch-max-catchup", "must not be negative, got %d", f.watchMaxCatchup)
	}
	if f.decisions != "async" && f.decisions != "sync" && f.decisions != "fsync" {
		return bulwark.Invalid("--decisions", "want sync, fsync or async, got %q", f.decisions)
	}
	if f.decisionsSyncEvery <= 0 {
		return bulwark.Invalid("--decisions-fsync-interval", "must be positive, got %s", f.decisionsSyncEvery)
	}
	m.walSyncInterval = f.decisionsSyncEvery
	if f.listsRefresh < 0 || f.lists.maxAge < 0 {
		return bulwark.Invalid("--lists-refresh", "durations must not be negative")
	}
	proxies, err := httpapi.ParseTrustedProxies("--trusted-proxy", f.trustedProxies)
	if err != nil {
		return err
	}
	verifier, onChain, err := m.safeVerifier(f.rpc)
	if err != nil {
		return err
	}
	// Bind before anything is created: a start that cannot listen leaves
	// no store and no first admin token behind, and the next start that
	// can listen hands the operator that token.
	ln, err := listen(f.addr)
	if err != nil {
		return err
	}
	defer ln.Close() // Serve closes it too; this covers the failed starts
	// The access log writes a line per request: buffer stderr, written out
	// every logFlushEvery, so that a line costs no system call of its own.
	// Registered first, this runs last: every line serve logs is written.
	stderr, logger := m.Stderr, m.logger
	logBuf := newBufferedWriter(stderr, logFlushEvery)
	m.Stderr = logBuf
	if err := m.setupLogging(); err != nil {
		logBuf.Close()
		m.Stderr = stderr
		return err
	}
	defer func() {
		logBuf.Close()
		m.Stderr, m.logger = stderr, logger
	}()
	setMemoryLimit(f.memoryLimit, m.logger)
	db, tokens, log, err := m.services(ctx)
	if err != nil {
		return err
	}
	tokens.CacheTTL = tokenCacheTTL
	if f.rpc != "" || f.webhook != "" {
		// Deliveries and the monitor report from their own goroutines.
		restore, err := m.lockStderr()
		if err != nil {
			return err
		}
		defer restore()
	}
	notifier, err := m.webhookNotifier(f.webhook, f.webhookSecretFile)
	if err != nil {
		return err
	}
	// Every alert stored goes to the webhook from the outbox: those left
	// undelivered (by 'bulwark lists update', 'bulwark safe watch', or
	// before a restart) at start, and each new one as soon as it commits.
	deliver := m.startAlertDelivery(ctx, db, notifier, watch.AlertKind, screening.AlertKind)
	defer deliver.Stop()
	m.mislabelWarned = true // logged by the lists refresher instead
	// Decisions go to the store's decision journal (one write per batch,
	// stored in the database in the background), unless another process
	// holds it: then they are committed to the database directly.
	journal, err := db.DecisionJournal(ctx)
	if err != nil {
		return err
	}
	svc, err := m.screeningService(ctx, f.lists, f.decisions == "async", false,
		withOnAlert(func(screening.Alert) { deliver.Wake() }),
		func(c *screening.ServiceConfig) {
			c.Recorder.SyncEachCommit = f.decisions == "fsync"
			c.Recorder.Journal = journal
		})
	if err != nil {
		return err
	}
	started := false // a start that fails says so in its one error line
	defer func() {
		if err := closeService(svc); err != nil {
			m.logger.Error("screening decisions not stored at shutdown", "err", err)
		}
		if err := db.CloseJournal(); err != nil {
			m.logger.Error("screening decisions not stored at shutdown", "err", err)
		}
		if !started {
			return
		}
		// The store syncs the commits left unsynced as it closes.
		st := db.Stats()
		m.logger.Info("store: writes at shutdown", "commits", st.Commits, "commitsWithoutFsync", st.DeferredCommits,
			"walSyncs", st.WALSyncs, "walSyncFailures", st.WALSyncFailures, "unsynced", st.Unsynced,
			"journalAppends", st.JournalAppends, "journalAppendsWithoutFsync", st.JournalAppendsWithoutFsync,
			"journalStored", st.JournalStored, "journalLoads", st.JournalLoads, "journalLoadFailures", st.JournalLoadFailures)
	}()
	lists := sources.NewRefresher(sources.RefresherConfig{Service: svc, From: f.listsFrom, Interval: f.listsRefresh, Logger: m.logger,
		Store: db, Reloaded: deliver.Wake})
	lists.WarnMislabelled(ctx)
	var mon *watch.Monitor
	if f.rpc != "" {
		client, err := ethrpc.Dial(f.rpc, ethrpc.Options{Logger: m.logger})
		if err != nil {
			return bulwark.Wrap(err, bulwark.ErrorCode(err), "--rpc: "+bulwark.ErrorMessage(err))
		}
		defer client.Close()
		mon = watch.NewMonitor(watch.MonitorConfig{Node: ethrpc.WatchReader{Client: client}, Store: db, Options: watchOptions(client, db),
			Record: (&watch.Recorder{Store: db, Log: log, Actor: "system:monitor", Node: client.URL(), Stored: deliver.Wake}).Record,
			Logger: m.logger, Interval: f.watchInterval, MaxCatchup: uint64(f.watchMaxCatchup)})
	}
	ver := m.buildVersion().Version
	degraded := map[string]httpapi.ReadyCheck{"lists": lists.Check}
	if notifier != nil {
		degraded["webhook"] = deliveryCheck(deliver.Service())
	}
	srv, err := httpapi.New(httpapi.Config{
		Addr:              f.addr,
		TLSCertFile:       f.tlsCert,
		TLSKeyFile:        f.tlsKey,
		Logger:            m.logger,
		Auth:              tokens,
		Audit:             log,
		Ready:             db.Ping,
		Version:           ver,
		MaxBodyBytes:      f.maxBody,
		RateLimit:         f.rateLimit,
		Burst:             f.burst,
		HandlerTimeout:    f.requestTimeout,
		ShutdownTimeout:   f.shutdownTimeout,
		MetricsPublic:     f.metricsPublic,
		TrustedProxies:    proxies,
		SafeVerifier:      verifier,
		SafeOnChain:       onChain,
		SafeVerifications: db,
		SafeWatches:       db,
		SafeAlerts:        db,
		Outbox:            db,
		SafeWatchesChanged: func() {
			if mon != nil {
				mon.Nudge()
			}
		},
		Screening:      svc,
		ScreenStore:    db,
		Mislabelled:    lists.Mislabelled,
		ListsUpdate:    lists.Update,
		ReadyChecks:    map[string]httpapi.ReadyCheck{"decisions": decisionsCheck(svc)},
		DegradedChecks: degraded,
	})
	if err != nil {
		return err
	}

	// The terminal check and the block go to the real stderr, not the log's
	// buffer. The token is kept only if its secret could be handed over.
	if err := m.bootstrapFirstToken(ctx, tokens, log, stderr, filepath.Dir(db.Path())); err != nil {
		return err
	}

	scheme := "http"
	if f.tlsCert != "" {
		scheme = "https"
	}
	// httpapi.Serve warns when it serves a non-loopback address without TLS.
	started = true
	m.logger.Info("starting", "url", scheme+"://"+ln.Addr().String(), "data", db.Path(), "version", ver)
	// The background services run until the server stops (SIGINT/SIGTERM,
	// or Serve fails). A new one is one more entry.
	services := []func(context.Context){
		lists.Run,
		(&prune.Service{Keep: time.Duration(f.retention), Jobs: retentionJobs(svc, db, log, "system:retention"), Logger: m.logger}).Run,
	}
	if mon != nil {
		services = append(services, mon.Run)
	}
	defer runServices(ctx, services...)()
	return srv.Serve(ctx, ln) // logs "API listening" with the bound address, and the shutdown
}

// runServices runs each of services in its own goroutine until ctx ends or
// the returned stop is called; stop returns when all have returned.
func runServices(ctx context.Context, services ...func(context.Context)) (stop func()) {
	sctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, run := range services {
		wg.Go(func() { run(sctx) })
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

// safeVerifier returns the verifier of POST /api/v1/safe/verify: offline
// without a node, policy.VerifyOnChain (with simulation) against the node at
// rpc otherwise. The node is not contacted until the first request.
func (m *Main) safeVerifier(rpc string) (httpapi.SafeVerifier, bool, error) {
	if rpc == "" {
		return httpapi.OfflineSafeVerifier, false, nil
	}
	client, err := ethrpc.Dial(rpc, ethrpc.Options{Timeout: 20 * time.Second, MaxRetries: 1, Logger: m.logger})
	if err != nil {
		return nil, false, bulwark.Wrap(err, bulwark.ErrorCode(err), "--rpc: "+bulwark.ErrorMessage(err))
	}
	return func(ctx context.Context, req policy.VerifyRequest) (*policy.Verification, error) {
		return policy.VerifyOnChain(ctx, client, req, policy.ChainOptions{Simulator: client})
	}, true, nil
}

// listen binds addr for serve, turning the usual failures into an error
// that names --addr and the fix.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	reason := err.Error()
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		reason = fmt.Sprintf("cannot resolve the host %s: give --addr an IP address of this machine or a name it resolves, such as 127.0.0.1:8080", dnsErr.Name)
	case errors.Is(err, syscall.EADDRINUSE):
		reason = "the address is already in use (another bulwark serve, or another program, listens there): stop it, or give --addr a free HOST:PORT"
	case errors.Is(err, syscall.EACCES):
		reason = "permission denied (ports below 1024 need privileges): give --addr a port of 1024 or above"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		reason = "no network interface of this machine has that address: give --addr one of its addresses, such as 127.0.0.1:8080"
	}
	return nil, bulwark.Invalid("--addr", "cannot listen on %s: %s", addr, reason)
}

// firstTokenFile is the file in the data directory that holds the first
// admin token's secret when standard error is not a terminal.
const firstTokenFile = "first-admin-token"

// bootstrapFirstToken creates the first admin token when the store has
// never held a token, and hands the operator its secret, never through the
// log: on a terminal, as a block on standard error; otherwise (a log
// collector, a container, a pipe: where the log stream is kept) in a file
// of the data directory readable by this user only, whose path the log
// names. The file is written before the token is committed: a secret that
// cannot be handed over leaves no token behind, so the next start creates
// one again.
func (m *Main) bootstrapFirstToken(ctx context.Context, tokens *auth.Service, log *audit.Log, stderr io.Writer, dataDir string) error {
	f, terminal := stderr.(*os.File)
	terminal = terminal && isatty.IsTerminal(f.Fd())
	path := filepath.Join(dataDir, firstTokenFile)
	written := false
	plain, t, err := bootstrap(ctx, tokens, log, func(plain string) error {
		if terminal {
			return nil
		}
		if err := writeSecretFile(dataDir, firstTokenFile, plain); err != nil {
			return bulwark.Wrap(err, bulwark.EUNAVAILABLE, fmt.Sprintf("cannot write the first admin token to %s: %s (or create one with 'bulwark token create' before starting serve)", path, pathErr(err)))
		}
		written = true
		return nil
	})
	if err != nil {
		if written {
			_ = os.Remove(path) // the token it holds was not kept
		}
		return err
	}
	if plain == "" {
		return nil
	}
	if terminal {
		fmt.Fprintf(stderr, "\nCreated the first admin token (id %s). It is shown once and only its hash is stored;\n"+
			"keep it in a password manager. Create others with 'bulwark token create'.\n\n    %s\n\n", t.ID, plain)
		return nil
	}
	m.logger.Warn("created the first admin token; its secret is in a file readable by this user only: keep it in a password manager, then delete the file",
		"id", t.ID, "file", path)
	return nil
}

// writeSecretFile replaces dir/name with content and a newline, readable
// by this user only, atomically.
func writeSecretFile(dir, name, content string) error {
	tmp, err := os.CreateTemp(dir, name+".*") // mode 0600
	if err != nil {
		return err
	}
	_, err = tmp.WriteString(content + "\n")
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}

// errNothingToDo ends an audited change that turned out to change nothing:
// the transaction rolls back and nothing is written.
var errNothingToDo = errors.New("nothing to do")

// bootstrap creates the first admin token, audited in the same transaction,
// when the store has never held a token; otherwise it returns "". keep runs
// inside the transaction with the new secret: if it fails, the token is not
// created.
func bootstrap(ctx context.Context, tokens *auth.Service, log *audit.Log, keep func(plain string) error) (string, *auth.Token, error) {
	var (
		plain string
		t     *auth.Token
	)
	_, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var err error
		plain, t, err = tokens.Bootstrap(ctx)
		if err == nil && plain == "" {
			err = errNothingToDo
		}
		if err == nil {
			err = keep(plain)
		}
		if err != nil {
			return audit.Event{}, err
		}
		ev := tokenEvent("system", "token.create", t)
		ev.Details = map[string]any{"name": t.Name, "role": t.Role, "bootstrap": true}
		return ev, nil
	})
	if errors.Is(err, errNothingToDo) {
		return "", nil, nil
	}
	return plain, t, err
}

// tokenCacheTTL is how long serve keeps an API token read from the store
// (see auth.Service.CacheTTL).
const tokenCacheTTL = 2 * time.Second

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
