package httpapi

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
	"github.com/bulwark-sec/bulwark/tracing"
)

// Defaults for the zero values of Config.
const (
	DefaultAddr              = "127.0.0.1:8080"
	DefaultMaxBodyBytes      = 1 << 20 // 1 MiB
	DefaultRateLimit         = 50      // requests per second per token
	DefaultBurst             = 100     // requests per token at once
	DefaultAuthFailureRate   = 0.1     // failed authentications per second per client address (6 a minute)
	DefaultAuthFailureBurst  = 10      // failed authentications per client address at once
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultHandlerTimeout    = 30 * time.Second
	DefaultShutdownTimeout   = 15 * time.Second
	DefaultReadyTimeout      = 2 * time.Second
	DefaultLimiterEntries    = 10000
)

// ReadyCheck is one readiness check: it returns nil when the dependency it
// watches can serve. The error's user-facing message (bulwark.ErrorMessage)
// is shown on the unauthenticated /readyz route, so a check should return a
// *bulwark.Error whose message carries no internals; anything else shows as
// "internal error" and is logged.
type ReadyCheck func(ctx context.Context) error

// Config configures a Server. Auth and Audit are required; every other zero
// value means the documented default.
type Config struct {
	// Addr is the TCP address ListenAndServe binds (DefaultAddr when empty).
	Addr string
	// TLSCertFile and TLSKeyFile, both or neither, are PEM files of the
	// server certificate (chain) and key. With them the server speaks TLS
	// 1.2 or later only.
	TLSCertFile string
	TLSKeyFile  string
	// Logger receives the access log, errors and warnings; nil discards.
	Logger *slog.Logger
	// AccessLog, when set, receives the access log lines instead of
	// Logger: the writer of Logger's handler, which must be a
	// slog.TextHandler (slog.JSONHandler with AccessLogJSON) with no
	// options but its level, and no attributes or groups added. The
	// server then writes each line itself, byte for byte as that handler
	// would, in one Write (which must not keep the slice); Logger's level
	// still decides which lines are written. It saves the handler's
	// generic formatting on every request.
	AccessLog     io.Writer
	AccessLogJSON bool

	// Auth checks API tokens and issues new ones.
	Auth *auth.Service
	// Audit records every state-changing API call.
	Audit *audit.Log
	// AuditStore is read for audit paging and verification; nil means
	// Audit.Store.
	AuditStore audit.Store

	// Ready, when set, is the readiness check reported as "ready" on
	// /readyz (typically the store's ping).
	Ready ReadyCheck
	// ReadyChecks are further named readiness checks (e.g. "lists" for list
	// staleness), reported under their names on /readyz.
	ReadyChecks map[string]ReadyCheck
	// DegradedChecks are checks whose failure /readyz reports (status
	// "degraded") while still answering 200: the server can serve, but an
	// operator should act (e.g. "lists": a screening list is stale).
	DegradedChecks map[string]ReadyCheck
	// ReadyTimeout bounds each readiness check (DefaultReadyTimeout).
	ReadyTimeout time.Duration

	// Version is the server's version, shown to authenticated callers on
	// /api/v1/whoami and in the bulwark_build_info metric.
	Version string

	// MaxBodyBytes caps a request body (DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// RateLimit is the sustained number of requests per second allowed per
	// token (DefaultRateLimit); negative disables per-token limiting.
	RateLimit float64
	// Burst is how many requests a token may send at once (DefaultBurst).
	Burst int
	// AuthFailureRate is the sustained number of failed authentications per
	// second allowed per client address (DefaultAuthFailureRate); once a
	// client address has spent AuthFailureBurst failures, its further
	// failures are answered 429 instead of 401 until its budget refills.
	// A token that verifies is never refused for its address's failures.
	// Negative disables.
	AuthFailureRate float64
	// AuthFailureBurst is how many failed authentications a client address
	// may make at once (DefaultAuthFailureBurst).
	AuthFailureBurst int
	// TrustedProxies are the reverse proxies (CIDR prefixes) whose
	// X-Forwarded-For is believed when they are a connection's peer: the
	// client address of the failed-authentication limit is then the
	// right-most X-Forwarded-For hop that is not a trusted proxy. Empty (the
	// default): X-Forwarded-For is ignored and the peer is the client.
	TrustedProxies []netip.Prefix
	// LimiterEntries bounds each limiter table (per token, per client
	// address); the least recently used entry is dropped when it is full
	// (DefaultLimiterEntries).
	LimiterEntries int

	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout are
	// passed to http.Server (see the Default* constants).
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// HandlerTimeout is the deadline put on each request's context
	// (DefaultHandlerTimeout); work that runs past it fails with ETIMEOUT.
	HandlerTimeout time.Duration
	// ShutdownTimeout is how long Serve waits for in-flight requests once its
	// context is cancelled before it closes the remaining connections
	// (DefaultShutdownTimeout).
	ShutdownTimeout time.Duration

	// MetricsPublic serves /metrics without a token. By default /metrics
	// needs a token with the read permission.
	MetricsPublic bool

	// SafeVerifier answers POST /api/v1/safe/verify (OfflineSafeVerifier
	// verifies without a node); nil makes the route answer 503.
	SafeVerifier SafeVerifier
	// SafeOnChain says SafeVerifier reads the Safe from a node (serve
	// --rpc): chainId and safeVersion are then optional in a request.
	SafeOnChain bool
	// SafeAddressBook is the organisation's address book that POST
	// /api/v1/safe/verify checks against (nil: none).
	SafeAddressBook *policy.AddressBook
	// SafeScreener screens the addresses a transaction of POST
	// /api/v1/safe/verify names against the screening lists (nil: not
	// screened, SCREENING_NOT_CHECKED).
	SafeScreener policy.AddressScreener
	// SafeLiveBook, when set, holds the address book in force for POST
	// /api/v1/safe/verify instead of SafeAddressBook (each verification
	// reads it once); a change made through /api/v1/safe/address-book is
	// put in it once committed.
	SafeLiveBook *policy.LiveBook
	// SafeBooks keeps the address book managed through
	// /api/v1/safe/address-book (nil: those routes answer 503).
	SafeBooks policy.BookStore
	// SafeBookFile, when set, names the address-book file of serve
	// --address-book, the book in force (SafeAddressBook): GET shows it,
	// and changes through the API are refused (409) naming the flag.
	SafeBookFile string
	// SafeVerifications, when set, receives a record of every verdict of
	// POST /api/v1/safe/verify, in the transaction of its audit entry, so
	// that a watcher can tell a transaction Bulwark verified from one it
	// never saw. It must be an adapter of the audit log's store.
	SafeVerifications policy.VerificationStore
	// Cosigner answers POST /api/v1/safe/cosign and POST
	// /api/v1/safe/approvals (serve with --rpc and a co-signer key); nil
	// makes those routes answer 503.
	Cosigner *cosign.Service
	// SafeWatches is the serve monitor's watch list (POST/GET/DELETE
	// /api/v1/safe/watches) and SafeAlerts the alerts it stored (GET
	// /api/v1/safe/alerts); nil makes those routes answer 503. Both must
	// be adapters of the audit log's store. SafeWatchesChanged, when set,
	// is called after a change of the list has committed, so that the
	// monitor picks it up at once.
	SafeWatches        watch.ListStore
	SafeAlerts         watch.AlertStore
	SafeWatchesChanged func()
	// Outbox lists the alerts of every kind not delivered to the webhook
	// yet (GET /api/v1/alerts/pending); nil makes the route answer 503.
	Outbox outbox.Store
	// TraceDeposits is the deposit-address registry (POST/GET/DELETE
	// /api/v1/trace/deposits) and TraceAlerts the alerts the trace
	// follower stored (GET /api/v1/trace/alerts); nil makes those routes
	// answer 503. Both must be adapters of the audit log's store.
	TraceDeposits tracing.DepositStore
	TraceAlerts   tracing.AlertStore

	// Screening answers the screening and list routes; ScreenStore is read
	// for decisions, dispositions, watches, alerts and list history. nil
	// makes those routes answer 503.
	// Approvals is dual control: the approval requests' routes, and the
	// gate of the address book's changes that lower a value limit; nil
	// answers 503 on the routes and changes the book at once.
	Approvals   *approval.Service
	Screening   *screening.Service
	ScreenStore screening.Stores
	// Mislabelled returns the active list versions an earlier Bulwark
	// mislabelled, which GET /api/v1/lists marks as 'bulwark lists' does
	// (sources.Refresher.Mislabelled, which caches the answer); nil checks
	// ScreenStore with sources.FindMislabelled on every request.
	Mislabelled func(ctx context.Context) ([]sources.Mislabelled, error)
	// ListsUpdate refreshes the lists (POST /api/v1/lists/update); nil
	// makes the route answer 503.
	ListsUpdate ListsUpdater

	// TraceCases answers the /api/v1/trace/cases routes; nil makes them
	// answer 503. Its store must be an adapter of the audit log's store.
	TraceCases *tracing.CaseService

	// Scanner answers POST /api/v1/scan (a *scan.Scanner); nil makes the
	// route answer 503. ScanMaxBytes caps an upload
	// (DefaultScanMaxBytes); a larger one is refused with 413.
	Scanner      RepoScanner
	ScanMaxBytes int64

	// Console, when set, serves every path outside /api/v1, /healthz,
	// /readyz and /metrics (the web console); it sets its own
	// Content-Type and security headers over the API's. Without it those
	// paths answer the API's JSON 404.
	Console http.Handler

	// Inbox is the alerts inbox of /api/v1/alerts; nil makes those
	// routes answer 503.
	Inbox *inbox.Service

	// Users answers the /api/v1/users routes (console users: create,
	// list, disable, role, second-factor reset, sessions); nil makes them
	// answer 503. Its store must be an adapter of the audit log's store.
	Users *auth.Users

	// Hiring returns the hiring service of the /api/v1/hire routes acting
	// for a request's caller; nil makes them answer 503.
	Hiring HiringService
	// HireMaxBodyBytes caps the body of POST /api/v1/hire/screen and
	// /link, which carry whole evidence files (0: the larger of
	// MaxBodyBytes and DefaultHireMaxBodyBytes).
	HireMaxBodyBytes int64
}

// Server is Bulwark's JSON API over HTTP. Build one with New; it holds no
// global state, so several can run in one process (tests do).
type Server struct {
	cfg      Config
	log      *slog.Logger
	auth     *auth.Service
	audit    *audit.Log
	store    audit.Store
	tlsCfg   *tls.Config
	metrics  *metrics
	tokenLim *limiterTable // nil when disabled
	failLim  *limiterTable // nil when disabled
	mux      *http.ServeMux
	// accessBufs recycles the buffers access lines are formatted in
	// (*[]byte).
	accessBufs sync.Pool
	patterns   []string                // every route's pattern, in registration order
	exact      map[string][]exactRoute // by path: the routes the mux need not look up
	handler    http.Handler

	mu   sync.Mutex
	addr net.Addr
}

// New checks cfg, fills in defaults and returns a Server. It loads the TLS
// certificate now, so a bad path or key fails here rather than at the first
// connection.
func New(cfg Config) (*Server, error) {
	if cfg.Auth == nil || cfg.Auth.Store == nil {
		return nil, bulwark.Invalid("auth", "httpapi needs an auth.Service with a token store")
	}
	if cfg.Audit == nil || cfg.Audit.Store == nil {
		return nil, bulwark.Invalid("audit", "httpapi needs an audit.Log with a store")
	}
	if cfg.AuditStore == nil {
		cfg.AuditStore = cfg.Audit.Store
	}
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return nil, bulwark.Invalid("tls", "give both a TLS certificate file and a key file, or neither")
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.ScanMaxBytes < 0 {
		return nil, bulwark.Invalid("scan-max-bytes", "must not be negative")
	}
	if cfg.MaxBodyBytes < 0 {
		return nil, bulwark.Invalid("max-body-bytes", "must not be negative")
	}
	if cfg.Burst < 0 || cfg.AuthFailureBurst < 0 || cfg.LimiterEntries < 0 {
		return nil, bulwark.Invalid("burst", "bursts and limiter sizes must not be negative")
	}
	setDefault(&cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&cfg.ScanMaxBytes, DefaultScanMaxBytes)
	setDefault(&cfg.RateLimit, DefaultRateLimit)
	setDefault(&cfg.Burst, DefaultBurst)
	setDefault(&cfg.AuthFailureRate, DefaultAuthFailureRate)
	setDefault(&cfg.AuthFailureBurst, DefaultAuthFailureBurst)
	setDefault(&cfg.LimiterEntries, DefaultLimiterEntries)
	setDefault(&cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDefault(&cfg.ReadTimeout, DefaultReadTimeout)
	setDefault(&cfg.WriteTimeout, DefaultWriteTimeout)
	setDefault(&cfg.IdleTimeout, DefaultIdleTimeout)
	setDefault(&cfg.HandlerTimeout, DefaultHandlerTimeout)
	setDefault(&cfg.ShutdownTimeout, DefaultShutdownTimeout)
	setDefault(&cfg.ReadyTimeout, DefaultReadyTimeout)
	for name, check := range cfg.ReadyChecks {
		if name == "" || name == "ready" || check == nil {
			return nil, bulwark.Invalid("ready-checks", "readiness check %q needs a name other than \"ready\" and a function", name)
		}
	}

	s := &Server{
		cfg:   cfg,
		log:   cfg.Logger,
		auth:  cfg.Auth,
		audit: cfg.Audit,
		store: cfg.AuditStore,
		mux:   http.NewServeMux(),
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return nil, bulwark.Errorf(bulwark.EINVALID, "cannot load the TLS certificate %s and key %s: %w", cfg.TLSCertFile, cfg.TLSKeyFile, err)
		}
		s.tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	if cfg.RateLimit > 0 {
		s.tokenLim = newLimiterTable(cfg.RateLimit, cfg.Burst, cfg.LimiterEntries)
	}
	if cfg.AuthFailureRate > 0 {
		s.failLim = newLimiterTable(cfg.AuthFailureRate, cfg.AuthFailureBurst, cfg.LimiterEntries)
	}
	m, err := newMetrics(cfg.Version)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	if cfg.Outbox != nil {
		if err := m.reg.Register(newOutboxCollector(cfg.Outbox)); err != nil {
			return nil, err
		}
	}
	s.routes()
	s.handler = s.base(http.HandlerFunc(s.route))
	return s, nil
}

func setDefault[T int | int64 | float64 | time.Duration](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

// Handler returns the API as an http.Handler, with every middleware
// (request id, security headers, panic recovery, metrics, access log)
// applied. Tests serve it with httptest.
func (s *Server) Handler() http.Handler { return s.handler }

// Registry returns the server's own Prometheus registry (served on
// /metrics), so the caller can register more collectors, e.g. list
// staleness gauges.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.reg }

// Addr returns the address of the listener being served, or nil before
// Serve has started.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// ListenAndServe binds Config.Addr and serves until ctx is cancelled; see
// Serve.
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "cannot listen on %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves the API on ln (with TLS when configured) until ctx is
// cancelled, then shuts down gracefully: it stops accepting connections,
// lets in-flight requests finish for up to ShutdownTimeout, closes what is
// left and returns. It returns nil after a clean shutdown. Serve closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	s.addr = ln.Addr()
	s.mu.Unlock()
	if s.tlsCfg == nil && !LoopbackAddr(ln.Addr().String()) {
		s.log.Warn("serving the API without TLS on a non-loopback address: tokens cross the network in clear text; set a TLS certificate and key or put a TLS proxy in front", "addr", ln.Addr().String())
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if s.tlsCfg != nil {
		srv.TLSConfig = s.tlsCfg.Clone()
	}
	scheme := "http"
	if s.tlsCfg != nil {
		scheme = "https"
	}
	s.log.Info("API listening", "addr", ln.Addr().String(), "scheme", scheme)

	errc := make(chan error, 1)
	go func() {
		if s.tlsCfg != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "API server stopped: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("API shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		_ = srv.Close()
		err = bulwark.Errorf(bulwark.ETIMEOUT, "API shutdown: in-flight requests did not finish within %s and were cut off: %w", s.cfg.ShutdownTimeout, err)
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = bulwark.Errorf(bulwark.EUNAVAILABLE, "API server stopped: %w", serr)
	}
	s.log.Info("API stopped")
	return err
}

// LoopbackAddr reports whether addr ("host:port" or a bare host) names only
// the loopback interface: "localhost", 127.0.0.0/8 or ::1. An empty host
// (every interface) is not loopback. The caller uses it to warn about
// serving tokens without TLS.
func LoopbackAddr(addr string) bool {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if i := strings.IndexByte(host, '%'); i >= 0 {
		host = host[:i]
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
