package main

import (
	"context"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/cli"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/hiring/vetting"
	"github.com/bulwark-sec/bulwark/httpapi"
	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/prune"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/posture"
	"github.com/bulwark-sec/bulwark/safe/queue"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/safetxservice"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/labels"
	"github.com/bulwark-sec/bulwark/tracing/report"
	"github.com/bulwark-sec/bulwark/tracing/thorchain"
	"github.com/bulwark-sec/bulwark/web"
)

// tokenCacheTTL is how long serve keeps an API token read from the store
// (see auth.Service.CacheTTL).
const tokenCacheTTL = 2 * time.Second

// serve builds the server from the checked settings of 'bulwark serve' and
// runs it until ctx ends: flags → store → services → server. A new
// background service is built from the store and the settings and is one
// more entry in the list runServices starts.
func serve(ctx context.Context, s *cli.Serving) error {
	verifier, onChain, err := safeVerifier(s.RPC, s.Logger())
	if err != nil {
		return err
	}
	// Bind before anything is created: a start that cannot listen leaves
	// no store and no first admin token behind.
	ln, err := s.Listen()
	if err != nil {
		return err
	}
	defer ln.Close() // Serve closes it too; this covers the failed starts
	stopLog, err := s.BufferLog()
	if err != nil {
		return err
	}
	defer stopLog() // registered first, runs last: every line is written
	log := s.Logger()
	setMemoryLimit(s.MemoryLimit, log)
	if s.Cosigner != nil && s.RPC == "" {
		log.Warn("co-signer key loaded but no --rpc: the co-signer never signs an offline verdict, so POST /api/v1/safe/cosign answers 503", "address", s.Cosigner.Address().Hex())
	}

	// The store.
	db, err := s.OpenStore(ctx)
	if err != nil {
		return err
	}
	tokens := &auth.Service{Store: db, CacheTTL: tokenCacheTTL}
	// The address book in force, read once per decision by the
	// co-signer, the queue watch and the API (servePolicy).
	book, followBook, bookInForce, err := addressBookInForce(ctx, s, db, log)
	if err != nil {
		return err
	}
	s.LiveBook = book
	unannounce, err := s.AnnounceAddressBook()
	if err != nil {
		return err
	}
	defer unannounce()
	alog := &audit.Log{Store: db}
	// Dual control: the actions of s.DualControl wait for a second
	// person's approval (a WebAuthn assertion through the console).
	dual := &approval.Service{Store: db, Audit: alog, Config: s.DualControl}

	// The services. Every stored alert goes to the webhook from the
	// outbox: those left undelivered at start, and each new one as soon as
	// it commits.
	notifier, err := s.Webhook()
	if err != nil {
		return err
	}
	deliver := s.AlertDelivery(ctx, db, notifier, watch.AlertKind, screening.AlertKind, tracing.AlertKind, inbox.EscalationKind)
	defer deliver.Stop()
	// The alerts inbox. Dual control of acknowledging a critical Safe
	// alert waits for a second person (dual, built above).
	alerts := &inbox.Service{Store: db, Audit: alog, Dual: dual}
	// Decisions go to the store's decision journal (one write per batch,
	// stored in the database in the background), unless another process
	// holds it: then they are committed to the database directly.
	journal, err := db.DecisionJournal(ctx)
	if err != nil {
		return err
	}
	// The hiring assessments are re-checked whenever new lists go into
	// service (hireCfg is set once the screening service is open).
	var hireCfg vetting.Config
	rechecker := vetting.NewRechecker(func(ctx context.Context, actor, reason string) (*hiring.RunResult, error) {
		return hireCfg.Recheck(ctx, actor, reason)
	}, log)
	svc, err := s.Screening(ctx, func(c *screening.ServiceConfig) {
		c.OnAlert = func(screening.Alert) { deliver.Wake() }
		c.OnListsChanged = func() { rechecker.Nudge("screening lists changed") }
		c.Recorder.SyncEachCommit = s.Decisions == "fsync"
		c.Recorder.Journal = journal
		c.Dual = dual
	})
	if err != nil {
		return err
	}
	// Every Safe transaction verified or co-signed has the addresses it
	// names screened against the lists in service at the time.
	screener := policy.IndexScreener(svc.Screener().Index)
	started := false // a start that fails says so in its one error line
	defer func() {
		// Every queued decision is stored before the server exits.
		cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := svc.Close(cctx); err != nil {
			log.Error("screening decisions not stored at shutdown", "err", err)
		}
		if err := db.CloseJournal(); err != nil {
			log.Error("screening decisions not stored at shutdown", "err", err)
		}
		if started { // the store syncs the commits left unsynced as it closes
			st := db.Stats()
			log.Info("store: writes at shutdown", "commits", st.Commits, "commitsWithoutFsync", st.DeferredCommits,
				"walSyncs", st.WALSyncs, "walSyncFailures", st.WALSyncFailures, "unsynced", st.Unsynced,
				"journalAppends", st.JournalAppends, "journalAppendsWithoutFsync", st.JournalAppendsWithoutFsync,
				"journalStored", st.JournalStored, "journalLoads", st.JournalLoads, "journalLoadFailures", st.JournalLoadFailures)
		}
	}()
	lists := sources.NewRefresher(sources.RefresherConfig{Service: svc, From: s.ListsFrom, Interval: s.ListsRefresh, Logger: log,
		Store: db, Reloaded: deliver.Wake})
	lists.WarnMislabelled(ctx)
	retention := &prune.Service{Keep: s.Retention, Jobs: retentionJobs(svc, db, alog, "system:retention"), Logger: log}
	// The stored people of hire screening stay indexed for the server's
	// lifetime, so that screening an applicant checks their neighbourhood
	// only; built now in the background (a screening before it is done
	// waits for it).
	hireIndex := hiring.NewScreenIndex()
	hireCfg = vetting.Config{Store: db, Audit: alog, Screening: svc, Lists: func() map[string]string { return svc.Screener().Index().Versions() },
		Intel: s.HireIntel, AllowTools: s.HireAllowTools, Index: hireIndex}
	go func() {
		t0 := time.Now()
		err := hireIndex.Warm(ctx, db)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("hiring: stored people not indexed at start (the first screening indexes them)", "err", err)
		case err == nil && hireIndex.Len() > 0:
			log.Info("hiring: stored people indexed for screening", "people", hireIndex.Len(), "took", time.Since(t0).Round(time.Millisecond))
		}
	}()
	// People records of hire screening have their own retention.
	hireRetention := &prune.Service{Keep: s.HireRetention, Jobs: hireRetentionJobs(&hiring.Service{Store: db, Audit: alog, Index: hireIndex}, "system:retention"), Logger: log}
	var mon *watch.Monitor
	var safePosture func(context.Context, []common.Address) ([]*posture.Report, error)
	if s.RPC != "" {
		client, err := ethrpc.Dial(s.RPC, ethrpc.Options{Logger: log})
		if err != nil {
			return bulwark.Wrap(err, bulwark.ErrorCode(err), "--rpc: "+bulwark.ErrorMessage(err))
		}
		defer client.Close()
		// The console's posture audit of the watched Safes ('bulwark safe
		// audit' without the approvals scan).
		safePosture = func(ctx context.Context, safes []common.Address) ([]*posture.Report, error) {
			return posture.AuditMany(ctx, client, safes, onchain.LatestBlock, posture.AuditOptions{SkipApprovals: true})
		}
		mon = watch.NewMonitor(watch.MonitorConfig{Node: ethrpc.WatchReader{Client: client}, Store: db,
			Options: watch.CheckingExecutions(client, db),
			Record:  (&watch.Recorder{Store: db, Log: alog, Actor: "system:monitor", Node: client.URL(), Stored: deliver.Wake}).Record,
			Logger:  log, Interval: s.WatchInterval, MaxCatchup: s.WatchMaxCatchup})
	}
	// The co-signer: with a node and a key.
	var cosigner *cosign.Service
	if key, err := s.CosignerKey(ctx); err != nil {
		return err
	} else if key != nil && s.RPC != "" {
		client, err := ethrpc.Dial(s.RPC, ethrpc.Options{Timeout: 20 * time.Second, MaxRetries: 1, Logger: log})
		if err != nil {
			return bulwark.Wrap(err, bulwark.ErrorCode(err), "--rpc: "+bulwark.ErrorMessage(err))
		}
		defer client.Close()
		sources, maxAge := s.CosignSources(svc)
		cosigner = newCosigner(s, key, client, db, alog, sources, maxAge, screener)
		cosigner.Dual = dual
		log.Info("co-signer ready", "address", key.Address().Hex())
	}
	queueWatch, closeQueue, err := safeQueueWatch(s, cosigner, db, alog, deliver.Wake, log, screener)
	if err != nil {
		return err
	}
	defer closeQueue()

	// Trace labels: the active screening lists', then those of
	// --trace-labels and --trace-tagpacks (after a case's own).
	var traceLabeler tracing.Labeler = labels.NewScreening(svc.Screener().Index)
	if s.TraceLabels != nil {
		traceLabeler = labels.Combine(traceLabeler, s.TraceLabels)
	}
	follower, exits, closeTrace, err := traceFollower(ctx, s.TraceRPC, s.WatchInterval, db, alog, deliver.Wake, traceLabeler, s.TraceExits, labels.CaseExits(svc), log)
	if err != nil {
		return err
	}
	defer closeTrace()

	// The server.
	degraded := map[string]httpapi.ReadyCheck{"lists": lists.Check}
	if notifier != nil {
		degraded["webhook"] = deliveryCheck(deliver.Service())
	}
	accessLog, accessLogJSON := s.AccessLog()
	var safePending func(context.Context, common.Address) (queue.Listing, error)
	if s.SafeQueue != "" {
		txs, err := safetxservice.New("--safe-queue", s.SafeQueue, safetxservice.Options{})
		if err != nil {
			return err
		}
		safePending = txs.Pending
	}
	traceCases := &tracing.CaseService{Store: db, Audit: alog, Ingest: db, Deposits: db,
		Labeler: traceLabeler, Exits: exits, WatchExits: labels.CaseExits(svc), Digest: report.GraphSHA256,
		Dual: dual, Freeze: report.FreezeLines}
	(&dualExecutors{dual: dual, screening: svc, cases: traceCases, cosigner: cosigner, alerts: alerts, db: db, alog: alog, book: book}).register()
	users, err := consoleUsers(s, ln.Addr(), db, alog, log)
	if err != nil {
		return err
	}
	if users.WebAuthn != nil {
		// An approval is an assertion of one of the approver's passkeys.
		useForApprovals(dual, users)
	}
	// Creating a user, raising a role and resetting second factors
	// through the API or the console wait for a second person; an
	// account new or reset within the cooling-off approves nothing.
	dual.Handle(approval.PeopleChange, (&approval.People{Users: users, Dual: dual}).Execute)
	if s.CoolingOff > 0 {
		users.CoolingOff = s.CoolingOff
		dual.MayApprovePerson = func(ctx context.Context, p approval.Principal) error { return users.MayApprove(ctx, p.User) }
	}
	console, err := web.New(web.Config{Sessions: web.UserSessions{Users: users}, Logger: log, Version: s.Version(), Services: web.Services{
		Audit: alog, SafeVerify: verifier, SafeOnChain: onChain, SafePosture: safePosture, SafePending: safePending, SafeVerifications: db, SafeWatches: db, SafeAlerts: db,
		SafePolicy: policy.Policy{AddressBook: s.AddressBook, Live: book, Screener: screener},
		Screening:  svc, ScreenStore: db, TraceCases: traceCases, Users: users, Inbox: alerts, Approvals: dual,
	}})
	if err != nil {
		return err
	}
	srv, err := httpapi.New(httpapi.Config{
		Addr: s.Addr, TLSCertFile: s.TLSCert, TLSKeyFile: s.TLSKey, Console: console,
		Logger: log, AccessLog: accessLog, AccessLogJSON: accessLogJSON, Auth: tokens, Audit: alog, Ready: db.Ping, Version: s.Version(),
		MaxBodyBytes: s.MaxBody, RateLimit: s.RateLimit, Burst: s.Burst, Scanner: s.Scanner, ScanMaxBytes: s.ScanMaxBytes,
		HandlerTimeout: s.RequestTimeout, ShutdownTimeout: s.ShutdownTimeout,
		MetricsPublic: s.MetricsPublic, TrustedProxies: s.TrustedProxies,
		SafeVerifier: verifier, SafeOnChain: onChain, Cosigner: cosigner, SafeAddressBook: s.AddressBook, SafeScreener: screener,
		SafeLiveBook: book, SafeBooks: db, SafeBookFile: s.AddressBookFile,
		SafeVerifications: db, SafeWatches: db, SafeAlerts: db, Outbox: db, TraceDeposits: db, TraceAlerts: db,
		SafeWatchesChanged: func() {
			if mon != nil {
				mon.Nudge()
			}
		},
		Screening: svc, ScreenStore: db, Mislabelled: lists.Mislabelled, ListsUpdate: lists.Update,
		Hiring:     hireCfg.Service,
		Inbox:      alerts,
		TraceCases: traceCases, Approvals: dual,
		Users:          users,
		ReadyChecks:    map[string]httpapi.ReadyCheck{"decisions": decisionsCheck(svc, db.DecisionJournalErr)},
		DegradedChecks: degraded,
	})
	if err != nil {
		return err
	}
	// The token is kept only if its secret could be handed over.
	if err := s.FirstToken(ctx, tokens, alog); err != nil {
		return err
	}
	started = true
	log.Info("starting", "url", s.URL(ln), "data", db.Path(), "version", s.Version())
	bookInForce()
	// The background services run until the server stops (SIGINT/SIGTERM,
	// or Serve fails).
	// Ended console sessions are kept EndedSessionRetention, then deleted.
	sessionRetention := &prune.Service{Keep: auth.EndedSessionRetention, Logger: log, Jobs: []prune.Job{{Name: "ended console sessions",
		Prune: func(ctx context.Context, before time.Time) ([]any, error) {
			n, seq, err := users.PruneSessions(ctx, "system:retention", before)
			if err != nil || n == 0 {
				return nil, err
			}
			return []any{"sessions", n, "before", before.UTC(), "auditSeq", seq}, nil
		}}}}
	services := []func(context.Context){lists.Run, retention.Run, hireRetention.Run, rechecker.Run, sessionRetention.Run}
	if mon != nil {
		services = append(services, mon.Run)
	}
	if queueWatch != nil {
		services = append(services, queueWatch.Run)
	}
	if follower != nil {
		services = append(services, follower.Run)
	}
	if followBook != nil {
		services = append(services, followBook)
	}
	if s.EscalateAfter > 0 {
		services = append(services, (&inbox.Escalator{Store: db, Audit: alog, Threshold: s.EscalateAfter, Stored: deliver.Wake, Logger: log}).Run)
	}
	defer runServices(ctx, services...)()
	return srv.Serve(ctx, ln) // logs "API listening" with the bound address, and the shutdown
}

// traceFollower returns the trace follower of 'serve --trace-rpc': the
// open forward cases of the node's chain followed from its head, with
// their own labels ahead of labeler's (the active screening lists' and
// --trace-labels', as the API's case runs), their alerts recorded with their audit entries and
// outbox messages, the destinations of their exits put on the cases'
// screening lists through watch (nil without a node); the exit finder of the follower
// and of the API's case runs (consts' routers and vaults, the memos read from the
// node when there is one); and what closes its node client.
func traceFollower(ctx context.Context, rpc string, interval time.Duration, db *sqlite.DB, alog *audit.Log, stored func(), labeler tracing.Labeler, consts thorchain.Constants, watch tracing.ExitWatcher, log *slog.Logger) (*tracing.Follower, tracing.ExitFinder, func(), error) {
	exits := &thorchain.Finder{Constants: consts}
	if rpc == "" {
		return nil, exits, func() {}, nil
	}
	client, err := ethrpc.Dial(rpc, ethrpc.Options{Logger: log})
	if err != nil {
		return nil, nil, nil, bulwark.Wrap(err, bulwark.ErrorCode(err), "--trace-rpc: "+strings.TrimPrefix(bulwark.ErrorMessage(err), "rpc: "))
	}
	chain, err := client.ChainID(ctx)
	if err != nil {
		client.Close()
		return nil, nil, nil, bulwark.Wrap(err, bulwark.ErrorCode(err), "--trace-rpc: cannot read the node's chain id: "+bulwark.ErrorMessage(err))
	}
	exits.Inputs, exits.Chain = client, chain
	return tracing.NewFollower(tracing.FollowerConfig{Chain: chain, Source: &ethrpc.TraceSource{Client: client, Chain: chain}, Store: db,
		Follows: tracing.CaseFollows{Cases: db, Chain: chain, Labeler: labeler},
		Record:  (&tracing.Recorder{Store: db, Log: alog, Actor: "system:follower", Stored: stored}).Record,
		Logger:  log, Interval: interval, Exits: exits, WatchExits: watch, Actor: "system:follower"}), exits, func() { client.Close() }, nil
}

// safeQueueWatch returns the queue watch of 'serve --safe-queue' (nil
// without it): the Safes on the watch list have their pending transactions
// read from the Safe Transaction Service every --safe-queue-interval and
// handed to queueCosigner, their alerts recorded with their audit entries
// and outbox messages; and what closes its node client.
func safeQueueWatch(s *cli.Serving, cosigner *cosign.Service, db *sqlite.DB, alog *audit.Log, stored func(), log *slog.Logger, screener policy.AddressScreener) (*queue.Watcher, func(), error) {
	if s.SafeQueue == "" {
		return nil, func() {}, nil
	}
	svc, err := safetxservice.New("--safe-queue", s.SafeQueue, safetxservice.Options{})
	if err != nil {
		return nil, nil, err
	}
	client, err := ethrpc.Dial(s.RPC, ethrpc.Options{Timeout: 20 * time.Second, MaxRetries: 1, Logger: log})
	if err != nil {
		return nil, nil, bulwark.Wrap(err, bulwark.ErrorCode(err), "--rpc: "+bulwark.ErrorMessage(err))
	}
	decider, signs := queueCosigner(cosigner, client, db, alog, servePolicy(s, screener))
	var push queue.Pusher
	switch {
	case s.SafeQueuePush && signs:
		push = svc
	case s.SafeQueuePush:
		log.Warn("--safe-queue-push: no co-signer is configured, so no co-signature is given and nothing is pushed; the queue is verified and alerted on only")
	}
	log.Info("safe queue watch", "service", svc.URL(), "interval", s.SafeQueueInterval, "timeout", s.SafeQueueTimeout, "cosigner", signs, "push", push != nil)
	return queue.NewWatcher(queue.Config{Source: svc, Cosigner: decider, Push: push, Watches: db, Store: db, Alerts: db, Log: alog,
		Actor: "system:queue", Stored: stored, Logger: log, Interval: s.SafeQueueInterval, ListTimeout: s.SafeQueueTimeout, Chain: client}), client.Close, nil
}

// servePolicy is the rule set of serve's co-signer and queue watch: the
// strict default with the address book in force (s.LiveBook, read once
// per decision; s.AddressBook when there is none), screening the
// addresses against the lists of the screening service (screener).
func servePolicy(s *cli.Serving, screener policy.AddressScreener) policy.Policy {
	return policy.Policy{AddressBook: s.AddressBook, Live: s.LiveBook, Screener: screener}
}

// bookPollInterval is how often serve looks for a change of the stored
// address book made outside it ('bulwark safe address-book' on the same
// data directory); changes through the API take effect at once.
const bookPollInterval = 2 * time.Second

// addressBookInForce returns the address book in force for serve: the file
// of --address-book, which nothing changes while serve runs; otherwise the
// store's (none until one is stored), with the service that follows
// changes made to it outside the API (nil for the file), and what logs
// which book is in force once serve starts.
func addressBookInForce(ctx context.Context, s *cli.Serving, db *sqlite.DB, log *slog.Logger) (*policy.LiveBook, func(context.Context), func(), error) {
	live := &policy.LiveBook{}
	if s.AddressBook != nil {
		live.Store(s.AddressBook)
		return live, nil, func() {
			log.Info("address book in force: the file of --address-book; changes through the API are refused",
				"file", s.AddressBookFile, "sha256", s.AddressBook.Digest, "entries", s.AddressBook.Len())
		}, nil
	}
	stored, err := db.StoredAddressBook(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if stored.Version > 0 {
		live.Advance(stored.Version, stored.Book)
	}
	logged := func() {
		log.Info("address book in force: the store's", "version", stored.Version, "sha256", stored.Book.Digest, "entries", stored.Book.Len())
	}
	last := stored.Version
	follow := func(ctx context.Context) {
		t := time.NewTicker(bookPollInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			v, err := db.AddressBookVersion(ctx)
			if err != nil || v == last {
				if err != nil && ctx.Err() == nil {
					log.Warn("address book: cannot read the store's version; the book in force is unchanged", "err", err)
				}
				continue
			}
			b, err := db.StoredAddressBook(ctx)
			if err != nil {
				if ctx.Err() == nil {
					log.Error("address book: cannot read the changed book from the store; the book in force is unchanged", "err", err)
				}
				continue
			}
			last = b.Version
			if !live.Advance(b.Version, b.Book) {
				continue // a change through the API put it (or a newer one) in force already
			}
			log.Info("address book changed", "version", b.Version, "sha256", b.Book.Digest, "entries", b.Book.Len(), "changedBy", b.ChangedBy)
		}
	}
	return live, follow, logged, nil
}

// newCosigner is serve's co-signer: key, the node, the store's
// co-signatures, approvals and verification records, the lists' ages
// the address book of --address-book and the screening lists (screener).
func newCosigner(s *cli.Serving, key cosign.Signer, node *ethrpc.Client, db *sqlite.DB, alog *audit.Log, sources cosign.Sources, maxAge time.Duration, screener policy.AddressScreener) *cosign.Service {
	return &cosign.Service{Chain: node, Simulator: node, Signer: key, Store: db, Audit: alog, Verifications: db,
		Tokens: cosign.AuthTokens(db, nil), Sources: sources, MaxListAge: maxAge, Policy: servePolicy(s, screener), ApprovalTTL: s.ApprovalTTL,
		// The command line on serve's data directory is one operator.
		OneCLIApproval: true}
}

// queueCosigner is what the queue watch hands each new pending
// transaction to, and whether it signs: serve's co-signer when serve has a
// key (cosigner not nil), else a verifier that never signs
// (queue.VerifyOnly: a full verification against the node, with
// simulation, each verdict recorded as 'safe verify' records it), so that
// bad queued transactions are still alerted before anyone executes them.
// The verifier applies p (serve's address book); the co-signer has its
// own.
func queueCosigner(cosigner *cosign.Service, node *ethrpc.Client, db *sqlite.DB, alog *audit.Log, p policy.Policy) (queue.Cosigner, bool) {
	if cosigner != nil {
		return cosigner, true
	}
	return &queue.VerifyOnly{Node: node, Simulator: node, Log: alog, Store: db, Actor: "system:queue", Policy: p}, false
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
func safeVerifier(rpc string, log *slog.Logger) (httpapi.SafeVerifier, bool, error) {
	if rpc == "" {
		return httpapi.OfflineSafeVerifier, false, nil
	}
	client, err := ethrpc.Dial(rpc, ethrpc.Options{Timeout: 20 * time.Second, MaxRetries: 1, Logger: log})
	if err != nil {
		return nil, false, bulwark.Wrap(err, bulwark.ErrorCode(err), "--rpc: "+bulwark.ErrorMessage(err))
	}
	return func(ctx context.Context, req policy.VerifyRequest) (*policy.Verification, error) {
		return policy.VerifyOnChain(ctx, client, req, policy.ChainOptions{Simulator: client})
	}, true, nil
}

// retentionJobs are serve's --retention: the screening decisions and
// alerts, the Safe alerts and the trace alerts, pruned as actor.
func retentionJobs(svc *screening.Service, db *sqlite.DB, alog *audit.Log, actor string) []prune.Job {
	return []prune.Job{
		{Name: "screening decisions", Prune: func(ctx context.Context, before time.Time) ([]any, error) {
			rep, err := svc.Prune(ctx, actor, before)
			if err != nil || rep.AuditSeq == 0 {
				return nil, err
			}
			return []any{"decisions", rep.Decisions, "alerts", rep.Alerts, "before", rep.Before, "auditSeq", rep.AuditSeq}, nil
		}},
		{Name: "Safe alerts", Prune: func(ctx context.Context, before time.Time) ([]any, error) {
			n, seq, err := watch.PruneAlerts(ctx, db, alog, actor, before)
			if err != nil || n == 0 {
				return nil, err
			}
			return []any{"alerts", n, "before", before.UTC(), "auditSeq", seq}, nil
		}},
		{Name: "trace alerts", Prune: func(ctx context.Context, before time.Time) ([]any, error) {
			n, seq, err := tracing.PruneAlerts(ctx, db, alog, actor, before)
			if err != nil || n == 0 {
				return nil, err
			}
			return []any{"alerts", n, "before", before.UTC(), "auditSeq", seq}, nil
		}},
	}
}

// hireRetentionJobs is the retention of 'serve --hire-retention': the
// people records not updated since the cutoff are forgotten, with their
// evidence and assessments (hiring.Service.PurgeBefore).
func hireRetentionJobs(svc *hiring.Service, actor string) []prune.Job {
	return []prune.Job{{Name: "hiring people records", Prune: func(ctx context.Context, before time.Time) ([]any, error) {
		n, seq, err := svc.PurgeBefore(ctx, before, actor)
		if err != nil || n == 0 {
			return nil, err
		}
		return []any{"people", n, "before", before.UTC(), "auditSeq", seq}, nil
	}}}
}

// decisionsCheck is the "decisions" readiness check: a server that cannot
// store its screening decisions must not take more (503).
func decisionsCheck(svc *screening.Service, journalErr func() error) httpapi.ReadyCheck {
	return func(context.Context) error {
		if err := journalErr(); err != nil {
			return err
		}
		st := svc.RecorderStats()
		if st.Failed == 0 {
			return nil
		}
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "%d screening decisions could not be stored; see the server log", st.Failed)
	}
}

// deliveryCheck is the degraded readiness check of 'serve --webhook': it
// fails while an alert has failed delivery attempts (the receiver's
// address stays in the log and the outbox).
func deliveryCheck(svc *outbox.Service) httpapi.ReadyCheck {
	return func(ctx context.Context) error {
		st, err := svc.Stats(ctx)
		if err != nil {
			return err
		}
		if st.Retrying > 0 {
			return bulwark.Errorf(bulwark.EUNAVAILABLE, "%d alert(s) not delivered to the webhook after failed attempts (oldest stored %s); 'bulwark alerts pending' lists them",
				st.Retrying, st.OldestAt.Format(time.RFC3339))
		}
		return nil
	}
}

// setMemoryLimit makes limit the Go runtime's soft memory limit, unless
// GOMEMLIMIT is set (it wins) or limit is 0. The collector then works
// harder as the heap nears the limit and returns freed memory to the
// system promptly, so a burst of large batch screenings does not leave the
// process holding its peak. It is soft: allocations never fail because of
// it. Under a limit, and unless GOGC is set, the collector also runs less
// often while the heap is far below it (GOGC 400 instead of 100: the heap
// may grow to five times the live data, never past the limit), which
// spends less of a busy server's CPU on collection.
func setMemoryLimit(limit int64, log *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" || limit == 0 {
		return
	}
	debug.SetMemoryLimit(limit)
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercentUnderLimit)
	}
	log.Debug("memory limit set", "bytes", limit)
}

// gcPercentUnderLimit is the GOGC setMemoryLimit sets.
const gcPercentUnderLimit = 400

// consoleUsers is the console's sign-in service: passkeys for the relying
// party of --webauthn-rp-id/--webauthn-origin (or the serve address), else
// authenticator apps only. bound is the listener's address: an origin
// derived from --addr with port 0 (any free port) takes the port bound.
func consoleUsers(s *cli.Serving, bound net.Addr, db *sqlite.DB, alog *audit.Log, log *slog.Logger) (*auth.Users, error) {
	users := &auth.Users{Store: db, Log: alog}
	if s.WebAuthn.RPID == "" {
		log.Warn("passkeys are off: the console's address is an IP address; set --webauthn-rp-id and --webauthn-origin to the name it is reached at", "addr", s.Addr)
		return users, nil
	}
	wa, err := auth.NewWebAuthn(boundOrigins(s.WebAuthn, bound))
	if err != nil {
		return nil, err
	}
	users.WebAuthn = wa
	return users, nil
}

// boundOrigins replaces port 0 in cfg's origins (an --addr of HOST:0) by
// the port of bound.
func boundOrigins(cfg auth.WebAuthnConfig, bound net.Addr) auth.WebAuthnConfig {
	tcp, ok := bound.(*net.TCPAddr)
	if !ok {
		return cfg
	}
	out := auth.WebAuthnConfig{RPID: cfg.RPID}
	for _, o := range cfg.Origins {
		if rest, ok := strings.CutSuffix(o, ":0"); ok {
			o = rest + ":" + strconv.Itoa(tcp.Port)
		}
		out.Origins = append(out.Origins, o)
	}
	return out
}
