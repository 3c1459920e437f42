package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/hiring/intel"
	"github.com/bulwark-sec/bulwark/httpapi"
	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/queue"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/safetxservice"
	"github.com/bulwark-sec/bulwark/scan"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/labels"
	"github.com/bulwark-sec/bulwark/tracing/thorchain"
	"github.com/bulwark-sec/bulwark/webhook"
	"github.com/mattn/go-isatty"
)

// ServeSettings are the settings of 'bulwark serve', from its flags, the
// BULWARK_* variables and the config file's [serve] table, checked.
type ServeSettings struct {
	Addr, TLSCert, TLSKey string
	RateLimit             float64
	Burst                 int
	MaxBody               int64
	// ScanMaxBytes is the largest upload of POST /api/v1/scan.
	ScanMaxBytes   int64
	MetricsPublic  bool
	TrustedProxies []netip.Prefix
	// WebAuthn names the console's relying party for passkeys: from
	// --webauthn-rp-id and --webauthn-origin, else derived from Addr.
	WebAuthn        auth.WebAuthnConfig
	RequestTimeout  time.Duration
	ShutdownTimeout time.Duration
	// RPC is the node's URL ("": none): verification reads the chain and
	// the watch list is monitored.
	RPC string
	// AddressBook is the address book of --address-book (nil: none) that
	// POST /api/v1/safe/verify, the co-signer and the queue watch check
	// against.
	AddressBook *policy.AddressBook
	// AddressBookFile is the file of --address-book ("": none, the
	// store's book is in force).
	AddressBookFile string
	// LiveBook is the address book in force, set by serve's wiring at
	// start: AddressBook, or the store's, read once per decision.
	LiveBook *policy.LiveBook
	// EscalateAfter is how long a critical alert may stay unacknowledged
	// in the inbox before it is escalated through the outbox (0: never).
	EscalateAfter time.Duration
	// The Safe monitor (with RPC).
	WatchInterval   time.Duration
	WatchMaxCatchup uint64
	// SafeQueue is the Safe Transaction Service whose queues of the
	// watched Safes are watched ("": none; it needs RPC), every
	// SafeQueueInterval; SafeQueuePush pushes the co-signatures given.
	SafeQueue         string
	SafeQueueInterval time.Duration
	SafeQueuePush     bool
	// SafeQueueTimeout bounds the reading of one Safe's queue in a poll.
	SafeQueueTimeout time.Duration
	// ApprovalTTL is how long an approval for dual control counts
	// (--approval-ttl; cosign.CheckApprovalTTL's bounds).
	ApprovalTTL time.Duration
	// DualControl says which actions need a second person's approval
	// (--dual-control; approval.ParseConfig; default all).
	DualControl approval.Config
	// CoolingOff is how long a console account created or reset recently
	// approves nothing under dual control (--cooling-off; default
	// auth.DefaultCoolingOff; 0 turns it off).
	CoolingOff time.Duration
	// RegistryMaxAge is how old the built-in registry of Safe deployments
	// may be before the co-signer refuses (--registry-max-age; 0: no
	// limit).
	RegistryMaxAge time.Duration
	// TraceRPC is the node the trace follower follows ("": no follower):
	// the open cases' taint, alerting on registered deposit addresses.
	TraceRPC string
	// The lists' sources and refresh interval (0: never).
	ListsFrom    string
	ListsRefresh time.Duration
	// Decisions is how screening decisions are stored: sync, fsync or
	// async.
	Decisions string
	// Retention is how long decisions and alerts are kept (0: forever).
	Retention time.Duration
	// HireRetention is how long hiring people records not updated are
	// kept, with their evidence and assessments (0: forever).
	HireRetention time.Duration
	// MemoryLimit is the Go runtime's soft memory limit in bytes (0: none).
	MemoryLimit int64
}

// serveFlags are the flags of 'bulwark serve' as parsed.
type serveFlags struct {
	addr            string
	tlsCert, tlsKey string
	rateLimit       float64
	burst           int
	maxBody         int64
	metricsPublic   bool
	trustedProxies  string
	webauthnRPID    string
	webauthnOrigin  string
	requestTimeout  time.Duration
	shutdownTimeout time.Duration
	rpc             string
	addressBook     string
	traceRPC        string
	// The trace labels beyond the screening lists' (--trace-labels,
	// --trace-tagpacks).
	traceLabels, traceTagpacks string
	// The THORChain constants file of the exit finder (--trace-thorchain).
	traceThorchain string
	// The webhook (screening alerts; with --rpc also the Safe monitor's).
	webhook, webhookSecretFile string
	// The inbox's escalation.
	escalateAfter time.Duration
	// The Safe monitor (with --rpc).
	watchInterval   time.Duration
	watchMaxCatchup int64
	// The queue watch (with --rpc).
	safeQueue         string
	safeQueueInterval time.Duration
	safeQueuePush     bool
	safeQueueTimeout  time.Duration
	approvalTTL       time.Duration
	coolingOff        time.Duration
	dualControl       string
	registryMaxAge    time.Duration
	// Screening.
	lists              screeningSettings
	listsFrom          string
	listsRefresh       time.Duration
	decisions          string
	decisionsSyncEvery time.Duration
	retention          retention
	hireRetention      retention
	// Hiring: the reference data and the remote-access tools IT sanctions.
	hireIntel, hireAllowTools string
	memoryLimit               byteSize
	// The co-signer's key.
	cosignerKeystore, cosignerPassFile string
	// POST /api/v1/scan: rule files, indicators, the upload limit.
	scanRules    fileList
	scanIOCs     string
	scanMaxBytes int64
}

func (m *Main) serveCmd() *command {
	f := serveFlags{memoryLimit: DefaultMemoryLimit, hireRetention: retention(DefaultHireRetention)}
	return &command{
		name:         "serve",
		summary:      "run the API server on the embedded store",
		usage:        "bulwark serve [--addr 127.0.0.1:8080] [--tls-cert FILE --tls-key FILE] [flags]",
		configurable: true,
		long: "Serves /healthz and /readyz without a token, /metrics (Prometheus) and the JSON API under /api/v1\n" +
			"with 'Authorization: Bearer TOKEN', and the web console at / (docs/console.md). On first start with an empty store it creates an admin token:\n" +
			"its secret is printed once to stderr when that is a terminal, else written to first-admin-token in\n" +
			"the data directory (mode 0600; the log names the file), never logged. A start that cannot listen\n" +
			"creates nothing. SIGINT or SIGTERM shuts down gracefully.\n" +
			"With --rpc it also watches, block by block, the Safes added with POST /api/v1/safe/watches, as\n" +
			"'bulwark safe watch' does: alerts are stored (GET /api/v1/safe/alerts) and logged. With --safe-queue\n" +
			"also their queues at that Safe Transaction Service: each new pending transaction is verified\n" +
			"against the node, and those held or refused are alerted before anyone executes them.\n" +
			"With --webhook it POSTs, signed with HMAC-SHA256 (secret from --webhook-secret-file or\n" +
			"$BULWARK_WEBHOOK_SECRET), every stored alert not delivered yet — screening watch alerts\n" +
			"(\"type\": \"screening.alert\"), also those stored by 'bulwark lists update', and Safe alerts\n" +
			"(\"type\": \"safe.alert\"), trace alerts (\"type\": \"trace.alert\") — at start and as each is stored, at\n" +
			"least once, retried until accepted.\n" +
			"With --trace-rpc it follows that node's head for the open forward cases (bulwark trace case) and\n" +
			"raises TRACE_DEPOSIT when their taint reaches an address registered with 'bulwark trace deposit add'.\n" +
			"The co-signer's key ('bulwark safe cosigner init') is loaded from --cosigner-keystore, else from\n" +
			"cosigner/keystore.json in the data directory when it exists, with the passphrase of\n" +
			"--cosigner-passphrase-file or $" + envCosignerPassphrase + "; a keystore that cannot be opened stops the start.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&f.addr, "addr", httpapi.DefaultAddr, "listen on `HOST:PORT` (loopback by default)")
			fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate `FILE` (PEM); with --tls-key serves HTTPS")
			fs.StringVar(&f.tlsKey, "tls-key", "", "TLS private key `FILE` (PEM)")
			fs.Float64Var(&f.rateLimit, "rate-limit", httpapi.DefaultRateLimit, "sustained requests per second per token (negative: no limit)")
			fs.IntVar(&f.burst, "burst", httpapi.DefaultBurst, "requests a token may send at once")
			fs.Int64Var(&f.maxBody, "max-body-bytes", httpapi.DefaultMaxBodyBytes, "largest request body in `BYTES`")
			fs.Var(&f.scanRules, "scan-rules", "a rule `FILE` POST /api/v1/scan adds to the built-in rules, as 'scan repo --rules' (repeatable)")
			fs.StringVar(&f.scanIOCs, "scan-iocs", "", "an indicator CSV `FILE` POST /api/v1/scan adds, as 'scan repo --iocs'")
			fs.Int64Var(&f.scanMaxBytes, "scan-max-bytes", httpapi.DefaultScanMaxBytes, "largest upload of POST /api/v1/scan in `BYTES` (413 beyond)")
			fs.BoolVar(&f.metricsPublic, "metrics-public", false, "serve /metrics without a token")
			fs.StringVar(&f.webauthnRPID, "webauthn-rp-id", "", "the console's passkey relying party `DOMAIN` (default: localhost for a loopback --addr, else its host)")
			fs.StringVar(&f.webauthnOrigin, "webauthn-origin", "", "comma-separated `ORIGIN`s the console is reached at, e.g. https://console.example.com (default: from --addr)")
			fs.StringVar(&f.trustedProxies, "trusted-proxy", "", "comma-separated `CIDR`s (or addresses) of reverse proxies whose X-Forwarded-For names the client address of the failed-authentication limit (default: none; X-Forwarded-For ignored)")
			fs.DurationVar(&f.requestTimeout, "request-timeout", httpapi.DefaultHandlerTimeout, "deadline for handling one request")
			fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", httpapi.DefaultShutdownTimeout, "how long in-flight requests may finish after SIGTERM")
			fs.StringVar(&f.rpc, "rpc", "", "JSON-RPC `URL` of a node: POST /api/v1/safe/verify then reads chain id, version and code from it and simulates, and the Safes on the watch list are monitored")
			fs.StringVar(&f.addressBook, "address-book", "", "the organisation's address book `FILE` (TOML) that POST /api/v1/safe/verify, the co-signer and the queue watch check against, read at start (see docs/safe-reference.md); without it, the book stored in the data directory, changed through the API or 'bulwark safe address-book' while serve runs")
			fs.StringVar(&f.traceRPC, "trace-rpc", "", "JSON-RPC `URL` of a node (trace_block or debug_traceBlockByNumber): the trace follower follows its head for the open cases and alerts when their taint reaches a registered deposit address (see docs/tracing.md)")
			fs.StringVar(&f.traceLabels, "trace-labels", "", "label addresses for the trace follower and the API's case runs from your CSV `FILE` (address,name[,category][,hub]), after the cases' own labels and the screening lists'")
			fs.StringVar(&f.traceTagpacks, "trace-tagpacks", "", "label addresses for the trace follower and the API's case runs from the GraphSense TagPacks (*.yaml) in `DIR`")
			fs.StringVar(&f.traceThorchain, "trace-thorchain", "", "THORChain routers and vaults for the trace follower's and the API's case runs' exits from the constants `FILE` (kind,chain,value,label), beside the public routers")
			fs.StringVar(&f.webhook, "webhook", "", "POST each screening watch alert (and with --rpc each monitor alert), signed with HMAC-SHA256, to this http(s) `URL`")
			fs.StringVar(&f.webhookSecretFile, "webhook-secret-file", "", "read the webhook's HMAC secret from `FILE` (else $BULWARK_WEBHOOK_SECRET)")
			fs.DurationVar(&f.escalateAfter, "escalate-after", inbox.DefaultThreshold, "escalate a critical alert still unacknowledged in the inbox this long after it was raised, once, through the webhook outbox (0: never)")
			fs.DurationVar(&f.watchInterval, "watch-interval", time.Second, "with --rpc, how often the monitor polls the node for a new block")
			fs.StringVar(&f.safeQueue, "safe-queue", "", "with --rpc, read the pending transactions of the watched Safes from the Safe Transaction Service at this base `URL` every --safe-queue-interval, verify each new one against the node, and alert on those held or refused (see docs/safe.md, Watching the queue)")
			fs.DurationVar(&f.safeQueueInterval, "safe-queue-interval", queue.DefaultInterval, "with --safe-queue, how often every watched queue is read")
			fs.DurationVar(&f.safeQueueTimeout, "safe-queue-timeout", queue.DefaultListTimeout, "with --safe-queue, how long the reading of one Safe's queue may take (all its pages); a queue not read by then is QUEUE_UNREADABLE for that poll")
			fs.BoolVar(&f.safeQueuePush, "safe-queue-push", false, "with --safe-queue and a co-signer, post each co-signature given to the service as the co-signer's confirmation")
			registerApprovalTTL(fs, &f.approvalTTL)
			fs.DurationVar(&f.coolingOff, "cooling-off", auth.DefaultCoolingOff, "a console account created, or whose second factors were reset, less than this `DURATION` ago approves nothing under dual control (0: off, for tests and demos)")
			fs.StringVar(&f.dualControl, "dual-control", "all", "the actions held until a second person approves them with a WebAuthn assertion (see docs/dual-control.md): all, none, or a comma-separated `LIST` of safe.approve, screen.false-positive, alert.ack-critical, policy.lower-threshold, trace.case.close-unsent-freeze, people.change")
			registerRegistryMaxAge(fs, &f.registryMaxAge)
			f.lists.register(fs)
			fs.StringVar(&f.listsFrom, "lists-from", "", "comma-separated `DIR|FILE|URL`s the lists are refreshed from (default: the official OFAC and UN URLs)")
			fs.DurationVar(&f.listsRefresh, "lists-refresh", 24*time.Hour, "refresh the lists this often, and at start when one is stale (0: never; a failed refresh keeps the lists in force)")
			fs.StringVar(&f.decisions, "decisions", "sync", "how screening decisions are stored: sync (the answer waits until the decision is appended to the decision journal, batched with concurrent requests' decisions, which is stored in the database with audit entries in the background: it survives kill -9; the journal is synced to disk every --decisions-fsync-interval, so a power loss loses at most that much), fsync (as sync, and the answer also waits for the disk: it survives a power loss) or async (the answer, marked \"stored\": false, does not wait: a crash can lose it)")
			fs.DurationVar(&f.decisionsSyncEvery, "decisions-fsync-interval", 100*time.Millisecond, "with --decisions sync or async, sync decisions committed but not yet on disk this often (and at shutdown)")
			fs.Var(&f.memoryLimit, "memory-limit", "soft memory limit of the Go runtime in `BYTES` (384MiB, 2GiB; 0: none; GOMEMLIMIT wins when set): past it the collector works harder and returns memory to the system, so a burst of batch screenings does not leave the process at its peak")
			fs.Var(&f.retention, "retention", "keep screening decisions, the alerts they raised and Safe alerts for `AGE` (400d: 400 days; 0 keeps them forever): older ones are deleted every hour (not an alert still to be delivered), audited, and audit verify still checks the whole log")
			fs.StringVar(&f.hireIntel, "hire-intel", "", "reference-data `DIR` of the hiring checks, holding netintel/, rmm/ and ipkvm/ (default: the built-in facts); read at start")
			fs.StringVar(&f.hireAllowTools, "hire-allow-tools", "", "remote-access `PRODUCTS` IT sanctions, comma-separated (e.g. TeamViewer,Microsoft Quick Assist): the hiring checks do not flag them")
			fs.Var(&f.hireRetention, "hire-retention", "keep the people records of hire screening for `AGE` after their last import (365d: 365 days; 0 keeps them forever): older ones are forgotten every hour with their evidence and assessments, audited (hire.purge), and audit verify still checks the whole log")
			fs.StringVar(&f.cosignerKeystore, "cosigner-keystore", "", "the co-signer's keystore `FILE` (default: cosigner/keystore.json in the data directory when it exists; none: no co-signer)")
			fs.StringVar(&f.cosignerPassFile, "cosigner-passphrase-file", "", "read the co-signer keystore's passphrase from `FILE` (not readable by other users; default: $"+envCosignerPassphrase+")")
			fs.Int64Var(&f.watchMaxCatchup, "watch-max-catchup", watch.DefaultMaxCatchup, "with --rpc, at most this many `BLOCKS` mined while the server was down are checked on restart (beyond: a WATCH_GAP alert)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("serve", args); err != nil {
				return 1, err
			}
			sv, err := m.serving(f)
			if err != nil {
				return 1, err
			}
			if m.Serve == nil {
				return 1, bulwark.Errorf(bulwark.EINTERNAL, "this program has no server")
			}
			return 0, m.Serve(ctx, sv)
		},
	}
}

// serving checks the flags of 'bulwark serve' and returns what the
// program's wiring (Main.Serve) builds the server from.
func (m *Main) serving(f serveFlags) (*Serving, error) {
	if _, port, err := net.SplitHostPort(f.addr); err != nil {
		return nil, bulwark.Invalid("--addr", "want HOST:PORT such as 127.0.0.1:8080, got %q", f.addr)
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return nil, bulwark.Invalid("--addr", "want HOST:PORT with a port number from 0 to 65535 (0: any free port), got %q", f.addr)
	}
	if f.maxBody <= 0 {
		return nil, bulwark.Invalid("--max-body-bytes", "must be positive, got %d", f.maxBody)
	}
	if f.scanMaxBytes <= 0 {
		return nil, bulwark.Invalid("--scan-max-bytes", "must be positive, got %d", f.scanMaxBytes)
	}
	scanner, err := newScanner(scanSettings{rules: f.scanRules, iocs: f.scanIOCs, limits: scan.DefaultLimits()}, "scan-", nil)
	if err != nil {
		return nil, err
	}
	if f.burst < 1 {
		return nil, bulwark.Invalid("--burst", "must be at least 1, got %d", f.burst)
	}
	if f.requestTimeout <= 0 || f.shutdownTimeout <= 0 {
		return nil, bulwark.Invalid("--request-timeout", "timeouts must be positive")
	}
	if f.watchInterval <= 0 {
		return nil, bulwark.Invalid("--watch-interval", "must be positive")
	}
	if f.escalateAfter < 0 {
		return nil, bulwark.Invalid("--escalate-after", "must not be negative (0 never escalates), got %s", f.escalateAfter)
	}
	if f.watchMaxCatchup < 0 {
		return nil, bulwark.Invalid("--watch-max-catchup", "must not be negative, got %d", f.watchMaxCatchup)
	}
	if f.safeQueue != "" {
		if f.rpc == "" {
			return nil, bulwark.Invalid("--safe-queue", "needs --rpc URL: the queued transactions are verified against the Safes' state on a node")
		}
		if _, err := safetxservice.New("--safe-queue", f.safeQueue, safetxservice.Options{}); err != nil {
			return nil, err
		}
	}
	if f.safeQueueInterval <= 0 {
		return nil, bulwark.Invalid("--safe-queue-interval", "must be positive, got %s", f.safeQueueInterval)
	}
	if f.safeQueueTimeout <= 0 {
		return nil, bulwark.Invalid("--safe-queue-timeout", "must be positive, got %s: it bounds the reading of one Safe's queue (all its pages) in a poll", f.safeQueueTimeout)
	}
	if err := cosign.CheckApprovalTTL("--approval-ttl", f.approvalTTL); err != nil {
		return nil, err
	}
	if f.coolingOff < 0 {
		return nil, bulwark.Invalid("--cooling-off", "%s is negative: give a duration such as %s, or 0 to turn the cooling-off off", f.coolingOff, auth.DefaultCoolingOff)
	}
	dual, err := approval.ParseConfig("--dual-control", f.dualControl)
	if err != nil {
		return nil, err
	}
	if f.registryMaxAge < 0 {
		return nil, bulwark.Invalid("--registry-max-age", "must not be negative, got %s (0: no limit)", f.registryMaxAge)
	}
	if f.safeQueuePush && f.safeQueue == "" {
		return nil, bulwark.Invalid("--safe-queue-push", "needs --safe-queue URL: the service to push the co-signatures to")
	}
	if f.decisions != "async" && f.decisions != "sync" && f.decisions != "fsync" {
		return nil, bulwark.Invalid("--decisions", "want sync, fsync or async, got %q", f.decisions)
	}
	if f.decisionsSyncEvery <= 0 {
		return nil, bulwark.Invalid("--decisions-fsync-interval", "must be positive, got %s", f.decisionsSyncEvery)
	}
	m.walSyncInterval = f.decisionsSyncEvery
	if f.listsRefresh < 0 || f.lists.maxAge < 0 {
		return nil, bulwark.Invalid("--lists-refresh", "durations must not be negative")
	}
	proxies, err := httpapi.ParseTrustedProxies("--trusted-proxy", f.trustedProxies)
	if err != nil {
		return nil, err
	}
	webAuthn, err := webAuthnConfig(f.addr, f.webauthnRPID, f.webauthnOrigin)
	if err != nil {
		return nil, err
	}
	traceLabels, err := m.serveTraceLabels(f)
	if err != nil {
		return nil, err
	}
	traceExits, _, err := exitConstants("--trace-thorchain", f.traceThorchain)
	if err != nil {
		return nil, err
	}
	book, err := readAddressBook("--address-book", f.addressBook)
	if err != nil {
		return nil, err
	}
	hireIntel := intel.Builtin()
	if f.hireIntel != "" {
		if hireIntel, err = intel.Load(f.hireIntel); err != nil {
			return nil, asHireIntelFlag(err)
		}
	}
	var allowTools []string
	for _, t := range strings.Split(f.hireAllowTools, ",") {
		if t = strings.TrimSpace(t); t != "" {
			allowTools = append(allowTools, t)
		}
	}
	var signer cosign.Signer
	if s, err := m.serveCosigner(f.cosignerKeystore, f.cosignerPassFile); err != nil {
		return nil, err
	} else if s != nil {
		signer = s
	}
	return &Serving{m: m, Cosigner: signer, lists: f.lists, webhook: f.webhook, webhookSecretFile: f.webhookSecretFile, TraceLabels: traceLabels, TraceExits: traceExits, Scanner: scanner, HireIntel: hireIntel, HireAllowTools: allowTools, ServeSettings: ServeSettings{
		Addr: f.addr, TLSCert: f.tlsCert, TLSKey: f.tlsKey, RateLimit: f.rateLimit, Burst: f.burst, MaxBody: f.maxBody, ScanMaxBytes: f.scanMaxBytes,
		MetricsPublic: f.metricsPublic, TrustedProxies: proxies, WebAuthn: webAuthn, RequestTimeout: f.requestTimeout, ShutdownTimeout: f.shutdownTimeout,
		RPC: f.rpc, AddressBook: book, AddressBookFile: f.addressBook, TraceRPC: f.traceRPC, EscalateAfter: f.escalateAfter, WatchInterval: f.watchInterval, WatchMaxCatchup: uint64(f.watchMaxCatchup),
		SafeQueue: f.safeQueue, SafeQueueInterval: f.safeQueueInterval, SafeQueuePush: f.safeQueuePush, SafeQueueTimeout: f.safeQueueTimeout, ApprovalTTL: f.approvalTTL, DualControl: dual, CoolingOff: f.coolingOff,
		RegistryMaxAge: f.registryMaxAge, ListsFrom: f.listsFrom, ListsRefresh: f.listsRefresh, Decisions: f.decisions,
		Retention: time.Duration(f.retention), HireRetention: time.Duration(f.hireRetention), MemoryLimit: int64(f.memoryLimit),
	}}, nil
}

// Serving is what 'bulwark serve' hands the program's wiring (Main.Serve):
// the checked settings, and the command line's part of a server: its
// listener and log, the data directory's store, the webhook of its flags,
// the screening service with the list settings, and the handing over of
// the first admin token.
type Serving struct {
	ServeSettings
	// TraceLabels are the labels of --trace-labels and --trace-tagpacks
	// (nil for none): the trace follower and the API's case runs label
	// with them after the cases' own and the screening lists'.
	TraceLabels tracing.Labeler
	// TraceExits are the THORChain routers and vaults of the follower's
	// and the API's case runs' exit finder: the public routers and those
	// of --trace-thorchain.
	TraceExits thorchain.Constants
	// Scanner answers POST /api/v1/scan: the built-in rules with those of
	// --scan-rules, the indicators of --scan-iocs.
	Scanner *scan.Scanner
	// HireIntel is the reference data of the hiring checks (--hire-intel,
	// else the built-in facts); HireAllowTools the remote-access products
	// of --hire-allow-tools.
	HireIntel      *intel.Intel
	HireAllowTools []string
	// Cosigner is the co-signer's key of --cosigner-keystore (or the data
	// directory's keystore), decrypted at start; nil when there is none.
	Cosigner                   cosign.Signer
	m                          *Main
	lists                      screeningSettings
	webhook, webhookSecretFile string
	stderr                     io.Writer // the process's, before BufferLog
}

// serveTraceLabels reads --trace-labels and --trace-tagpacks as 'bulwark
// trace' reads --labels and --tagpacks.
func (m *Main) serveTraceLabels(f serveFlags) (tracing.Labeler, error) {
	var sources []tracing.Labeler
	for _, src := range []struct {
		flag string
		tf   traceFlags
	}{
		{"--trace-labels", traceFlags{labels: f.traceLabels, noScreening: true}},
		{"--trace-tagpacks", traceFlags{tagpacks: f.traceTagpacks, noScreening: true}},
	} {
		if src.tf.labels == "" && src.tf.tagpacks == "" {
			continue
		}
		l, _, _, err := m.traceLabels(context.Background(), src.tf)
		if err != nil {
			return nil, flagged(src.flag, err)
		}
		sources = append(sources, l)
	}
	if len(sources) == 0 {
		return nil, nil
	}
	return labels.Combine(sources...), nil
}

// Logger is the server's logger.
func (s *Serving) Logger() *slog.Logger { return s.m.logger }

// AccessLog is the writer of Logger's handler and whether it writes JSON
// (--log-format json), for httpapi.Config's AccessLog and AccessLogJSON:
// the API server then writes its access lines to it itself, as Logger's
// handler would.
func (s *Serving) AccessLog() (w io.Writer, json bool) { return s.m.Stderr, s.m.g.logFormat == "json" }

// Version is the build's version as 'bulwark version' prints it: the
// version, then the commit, its time and "modified" when the build
// recorded them ("dev (commit 3434ef666896 2026-12-06T22:45:49Z)").
func (s *Serving) Version() string { return s.m.buildVersion().String() }

// Listen binds the address of --addr; its errors name the flag and the
// fix.
func (s *Serving) Listen() (net.Listener, error) { return listen(s.Addr) }

// URL is the server's address on ln: http://HOST:PORT, https with TLS.
func (s *Serving) URL(ln net.Listener) string {
	if s.TLSCert != "" {
		return "https://" + ln.Addr().String()
	}
	return "http://" + ln.Addr().String()
}

// BufferLog has the log written out every logFlushEvery instead of line
// by line (the access log writes a line per request: a line then costs no
// system call of its own), from any goroutine. stop writes out what is
// left and puts the log back.
func (s *Serving) BufferLog() (stop func(), err error) {
	m := s.m
	stderr, logger := m.Stderr, m.logger
	logBuf := newBufferedWriter(stderr, logFlushEvery)
	m.Stderr = logBuf
	if err := m.setupLogging(); err != nil {
		logBuf.Close()
		m.Stderr = stderr
		return nil, err
	}
	s.stderr = stderr
	return func() {
		logBuf.Close()
		m.Stderr, m.logger = stderr, logger
	}, nil
}

// OpenStore opens the store in the data directory, creating both if
// needed.
func (s *Serving) OpenStore(ctx context.Context) (*sqlite.DB, error) { return s.m.openStore(ctx) }

// Webhook is the webhook of --webhook with its secret (nil without one).
func (s *Serving) Webhook() (*webhook.Notifier, error) {
	return s.m.webhookNotifier(s.webhook, s.webhookSecretFile)
}

// AlertDelivery starts delivering the alerts of kinds stored in db to n,
// as 'bulwark safe watch --webhook' does (nil without a webhook).
func (s *Serving) AlertDelivery(ctx context.Context, db *sqlite.DB, n *webhook.Notifier, kinds ...string) *outbox.Background {
	return s.m.startAlertDelivery(ctx, db, n, kinds...)
}

// Screening opens the screening service with the list settings of the
// flags, importing the embedded lists into an empty store; opts adjust its
// configuration. The lists refresher, not the service, warns of lists an
// earlier Bulwark mislabelled.
func (s *Serving) Screening(ctx context.Context, opts ...func(*screening.ServiceConfig)) (*screening.Service, error) {
	s.m.mislabelWarned = true
	return s.m.screeningService(ctx, s.lists, s.Decisions == "async", false, opts...)
}

// CosignSources are what the co-signer of POST /api/v1/safe/cosign checks
// the age of, and the lists' maximum age (--lists-max-age; 0: none): the
// official lists of svc's index and the build's registry of Safe
// deployments, which has its own maximum (--registry-max-age).
func (s *Serving) CosignSources(svc *screening.Service) (cosign.Sources, time.Duration) {
	return cosign.ScreeningSources(svc.Screener().Index, s.m.registrySource(s.RegistryMaxAge)), s.lists.maxAge
}

// CosignerKey is the co-signer's key serve signs with, nil when none is
// configured (POST /api/v1/safe/cosign and /approvals then answer 503).
func (s *Serving) CosignerKey(context.Context) (cosign.Signer, error) { return s.Cosigner, nil }

// FirstToken creates the first admin token when the store has never held
// one and hands its secret to the operator, never through the log (see
// bootstrapFirstToken).
func (s *Serving) FirstToken(ctx context.Context, tokens *auth.Service, log *audit.Log) error {
	stderr := s.stderr
	if stderr == nil {
		stderr = s.m.Stderr
	}
	return s.m.bootstrapFirstToken(ctx, tokens, log, stderr, filepath.Dir(s.m.db.Path()))
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

// webAuthnConfig is the console's passkey relying party: the flags', else
// derived from the serve address; checked by building it. An address
// passkeys cannot be derived from (an IP address that is not loopback)
// without the flags gives the zero config: serve runs with authenticator
// apps only and says so.
func webAuthnConfig(addr, rpID, origins string) (auth.WebAuthnConfig, error) {
	cfg := auth.WebAuthnConfig{RPID: strings.TrimSpace(rpID)}
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.Origins = append(cfg.Origins, o)
		}
	}
	if cfg.RPID == "" || len(cfg.Origins) == 0 {
		def, err := auth.DefaultWebAuthnConfig(addr)
		if err != nil {
			if cfg.RPID != "" || len(cfg.Origins) != 0 {
				return auth.WebAuthnConfig{}, bulwark.Invalid("--webauthn-rp-id", "give both --webauthn-rp-id and --webauthn-origin for --addr %s", addr)
			}
			return auth.WebAuthnConfig{}, nil
		}
		if cfg.RPID == "" {
			cfg.RPID = def.RPID
		}
		if len(cfg.Origins) == 0 {
			cfg.Origins = def.Origins
		}
	}
	if _, err := auth.NewWebAuthn(cfg); err != nil {
		return auth.WebAuthnConfig{}, bulwark.Invalid("--webauthn-origin", "%s", bulwark.ErrorMessage(err))
	}
	return cfg, nil
}
