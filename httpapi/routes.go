package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
)

// Route patterns. They are the "route" label of the metrics and the access
// log, so a raw path (which may carry ids or secrets) never reaches either.
const (
	routeHealthz     = "GET /healthz"
	routeReadyz      = "GET /readyz"
	routeMetrics     = "GET /metrics"
	routeWhoami      = "GET /api/v1/whoami"
	routeTokenList   = "GET /api/v1/tokens"
	routeTokenCreate = "POST /api/v1/tokens"
	routeTokenRevoke = "DELETE /api/v1/tokens/{id}"
	routeAuditList   = "GET /api/v1/audit"
	routeAuditVerify = "GET /api/v1/audit/verify"
	routeAPIFallback = "/api/v1/"
	routeFallback    = "/"
)

// Audit paging limits.
const (
	defaultAuditLimit = 100
	maxAuditLimit     = 1000
)

func (s *Server) routes() {
	s.handle(routeHealthz, "", s.healthz)
	s.handle(routeReadyz, "", s.readyz)
	metricsPerm := auth.PermRead
	if s.cfg.MetricsPublic {
		metricsPerm = ""
	}
	metricsHandler := s.metrics.handler()
	s.handle(routeMetrics, metricsPerm, func(w http.ResponseWriter, r *http.Request) error {
		metricsHandler.ServeHTTP(w, r)
		return nil
	})

	s.handle(routeWhoami, auth.PermRead, s.whoami)
	s.handle(routeTokenList, auth.PermAdmin, s.listTokens)
	s.handleChange(routeTokenCreate, auth.PermAdmin, s.createToken)
	s.handleChange(routeTokenRevoke, auth.PermAdmin, s.revokeToken)
	s.handle(routeAuditList, auth.PermAdmin, s.listAudit)
	s.handle(routeAuditVerify, auth.PermAdmin, s.verifyAudit)
	s.safeRoutes()
	s.safeCosignRoutes()
	s.safeWatchRoutes()
	s.safeBookRoutes()
	s.outboxRoutes()
	s.inboxRoutes()
	s.traceRoutes()
	s.screenRoutes()
	s.traceCaseRoutes()
	s.scanRoutes()
	s.hireRoutes()
	s.userRoutes()
	s.approvalRoutes()

	// Unknown API routes answer only after authentication, so probing
	// without a token learns nothing about which routes exist.
	s.handle(routeAPIFallback, auth.PermRead, s.fallback())
	fallback := s.fallback()
	s.handle(routeFallback, "", func(w http.ResponseWriter, r *http.Request) error {
		// The console takes the clean paths no API route serves; the
		// API's own paths with another method, and unclean paths, get
		// the API's answer as without it.
		if s.cfg.Console != nil && path.Clean("/"+r.URL.Path) == r.URL.Path && len(s.methods(r, r.URL.Path)) == 0 {
			// The console's sign-in limits key on the client derived
			// through --trusted-proxy, as the API's rate limits do.
			s.cfg.Console.ServeHTTP(w, r.WithContext(auth.WithClientAddr(r.Context(), s.clientKeyOf(r))))
			return nil
		}
		return fallback(w, r)
	})
}

// handlerFunc is a route handler: it writes its own success response and
// returns an error for handle to answer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle registers h under pattern. With a permission, the request must
// carry a bearer token whose role holds it; the token is then available
// through tokenOf. A state-changing API route must go through
// handleChange instead, so that it is audited; handle refuses one.
func (s *Server) handle(pattern string, perm auth.Permission, h handlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		if strings.HasPrefix(path, "/api/") {
			panic("httpapi: register the state-changing route " + pattern + " with handleChange, so that it is audited")
		}
	}
	s.register(pattern, perm, h)
}

// register installs h under pattern behind authentication (see handle).
func (s *Server) register(pattern string, perm auth.Permission, h handlerFunc) {
	s.patterns = append(s.patterns, pattern)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info := infoFrom(r.Context()); info != nil {
			info.route = pattern
		}
		if perm != "" {
			tok, err := s.authenticate(w, r)
			if err == nil {
				err = auth.Authorize(tok, perm)
			}
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if info := infoFrom(r.Context()); info != nil {
				info.token = tok
			}
		}
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
	s.mux.Handle(pattern, handler)
	if method, p, _ := strings.Cut(pattern, " "); method != "" && p != "" && !strings.ContainsAny(p, "{") && !strings.HasSuffix(p, "/") {
		if s.exact == nil {
			s.exact = make(map[string][]exactRoute)
		}
		s.exact[p] = append(s.exact[p], exactRoute{method: method, pattern: pattern, h: handler})
	}
}

// exactRoute is a route whose pattern is a method and a literal path (no
// wildcard, no trailing slash): the mux would serve a request of that
// method on that path with it, whatever else is registered, so route
// serves it without the mux's lookup.
type exactRoute struct {
	method, pattern string
	h               http.Handler
}

// exactRoute returns the exact route of r, or nil when r must go through
// the mux: a path that is not literally a route's (escaped, or to be
// cleaned or redirected), a method of no exact route on it (HEAD included,
// which the mux serves with GET routes), CONNECT.
func (s *Server) exactRoute(r *http.Request) *exactRoute {
	if r.URL.RawPath != "" || r.Method == http.MethodConnect {
		return nil
	}
	routes := s.exact[r.URL.Path]
	for i := range routes {
		if routes[i].method == r.Method {
			return &routes[i]
		}
	}
	return nil
}

// change is a state-changing request, checked and ready to apply.
type change struct {
	// action names the audit event ("token.create").
	action string
	// apply makes the change with ctx bound to the audit transaction and
	// returns the audit target and details; handleChange adds the actor
	// ("token:<id>") and the request id. It must use the stores only with
	// that ctx, so that the change and its entry commit together.
	apply func(ctx context.Context) (target string, details map[string]any, err error)
	// status and body are the response; body receives the audit entry.
	status int
	body   func(e *audit.Entry) any
	// committed, when set, runs once the change and its entry have
	// committed (before the response is written).
	committed func()
	// unchanged, when set, is the 200 body for a request that asked for
	// what is already so: apply returned an error wrapping errUnchanged,
	// and nothing was written or audited.
	unchanged func() any
}

// errUnchanged ends a change that finds nothing to do (see
// change.unchanged): the transaction rolls back, no entry is appended.
var errUnchanged = errors.New("nothing to change")

// changeFunc is a state-changing handler. It reads and checks the request
// and returns the change to make; it must not write the response (w is for
// http.MaxBytesReader and headers). Reading the body happens here, outside
// the transaction, so a slow client never holds the store's writer.
type changeFunc func(w http.ResponseWriter, r *http.Request, tok *auth.Token) (*change, error)

// handleChange registers a state-changing route. The change and its audit
// entry are written in one transaction (audit.Log.Do), and only then is the
// response written: the log holds every change that was made, even across a
// crash, and a caller never gets a success (or a new token's secret) for a
// change the log does not hold. If anything fails, nothing is kept.
func (s *Server) handleChange(pattern string, perm auth.Permission, h changeFunc) {
	s.register(pattern, perm, func(w http.ResponseWriter, r *http.Request) error {
		tok := tokenOf(r)
		c, err := h(w, r, tok)
		if err != nil {
			return err
		}
		entry, err := s.audit.Do(r.Context(), func(ctx context.Context) (audit.Event, error) {
			target, details, err := c.apply(ctx)
			if err != nil {
				return audit.Event{}, err
			}
			if details == nil {
				details = map[string]any{}
			}
			if info := infoFrom(r.Context()); info != nil {
				details["requestId"] = info.requestID
			}
			return audit.Event{Actor: tok.Actor(), Action: c.action, Target: target, Details: details}, nil
		})
		if c.unchanged != nil && errors.Is(err, errUnchanged) {
			s.writeJSON(w, r, http.StatusOK, c.unchanged())
			return nil
		}
		if err != nil {
			return err
		}
		if c.committed != nil {
			c.committed()
		}
		s.writeJSON(w, r, c.status, c.body(entry))
		return nil
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	s.writeJSON(w, r, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyResponse is the body of /readyz.
type readyResponse struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	checks := make(map[string]ReadyCheck, len(s.cfg.ReadyChecks)+1)
	for name, c := range s.cfg.ReadyChecks {
		checks[name] = c
	}
	if s.cfg.Ready != nil {
		checks["ready"] = s.cfg.Ready
	}
	for name, c := range s.cfg.DegradedChecks {
		checks[name] = c
	}
	resp := readyResponse{Status: "ready"}
	status := http.StatusOK
	if len(checks) > 0 {
		resp.Checks = s.runChecks(r.Context(), checks)
		for name, v := range resp.Checks {
			if v == "ok" {
				continue
			}
			if _, soft := s.cfg.DegradedChecks[name]; soft {
				if resp.Status == "ready" {
					resp.Status = "degraded"
				}
				continue
			}
			resp.Status, status = "not_ready", http.StatusServiceUnavailable
		}
	}
	s.writeJSON(w, r, status, resp)
	return nil
}

// runChecks runs the readiness checks at once, each under ReadyTimeout, and
// returns "ok" or the check's user-facing message for each. A check that
// panics or overruns its time fails; it never takes the server down.
func (s *Server) runChecks(ctx context.Context, checks map[string]ReadyCheck) map[string]string {
	out := make(map[string]string, len(checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, check := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, s.cfg.ReadyTimeout)
			defer cancel()
			done := make(chan error, 1)
			go func() {
				defer func() {
					if p := recover(); p != nil {
						s.log.Error("readiness check panicked", "check", name, "panic", p, "stack", string(debug.Stack()))
						done <- bulwark.Errorf(bulwark.EINTERNAL, "internal error")
					}
				}()
				done <- check(cctx)
			}()
			var err error
			select {
			case err = <-done:
			case <-cctx.Done():
				err = bulwark.Errorf(bulwark.ETIMEOUT, "check did not answer within %s", s.cfg.ReadyTimeout)
			}
			msg := "ok"
			if err != nil {
				err = contextError(err)
				if _, soft := s.cfg.DegradedChecks[name]; soft {
					// Polled by probes every few seconds: the condition
					// itself is logged where it arises.
					s.log.Debug("degraded", "check", name, "err", err.Error())
				} else {
					s.log.Warn("not ready", "check", name, "err", err.Error())
				}
				msg = bulwark.ErrorMessage(err)
			}
			mu.Lock()
			out[name] = msg
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// whoamiResponse describes the calling token.
type whoamiResponse struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	Role          auth.Role         `json:"role"`
	Permissions   []auth.Permission `json:"permissions"`
	ExpiresAt     *time.Time        `json:"expiresAt,omitempty"`
	ServerVersion string            `json:"serverVersion,omitempty"`
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) error {
	tok := tokenOf(r)
	resp := whoamiResponse{ID: tok.ID, Name: tok.Name, Role: tok.Role, ExpiresAt: tok.ExpiresAt, ServerVersion: s.cfg.Version}
	for _, p := range []auth.Permission{auth.PermRead, auth.PermAnalyze, auth.PermAdmin} {
		if tok.Role.Allows(p) {
			resp.Permissions = append(resp.Permissions, p)
		}
	}
	s.writeJSON(w, r, http.StatusOK, resp)
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	toks, err := s.auth.List(r.Context())
	if err != nil {
		return err
	}
	if toks == nil {
		toks = []*auth.Token{}
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"tokens": toks})
	return nil
}

// createTokenRequest is the body of POST /api/v1/tokens.
type createTokenRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
	// TTL is a duration such as "720h", "90m" or "30d"; empty means the
	// token does not expire.
	TTL string `json:"ttl"`
	// Person names the person the token belongs to (optional): dual
	// control counts one approval per person.
	Person string `json:"person"`
}

// createTokenResponse carries a new token's secret, shown this once.
type createTokenResponse struct {
	Secret   string      `json:"secret"`
	Token    *auth.Token `json:"token"`
	AuditSeq int64       `json:"auditSeq"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, caller *auth.Token) (*change, error) {
	var req createTokenRequest
	if err := decodeJSON(w, r, &req, s.cfg.MaxBodyBytes); err != nil {
		return nil, err
	}
	if err := auth.ValidateName(req.Name); err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Role) == "" {
		return nil, badInput("role", "role: is required: use admin, analyst or viewer")
	}
	role, err := auth.ParseRole(req.Role)
	if err != nil {
		return nil, err
	}
	ttl, err := parseTTL(req.TTL)
	if err != nil {
		return nil, err
	}
	if _, err := auth.ValidatePerson(req.Person); err != nil {
		return nil, err
	}
	var (
		secret string
		tok    *auth.Token
	)
	return &change{
		action: "token.create",
		apply: func(ctx context.Context) (string, map[string]any, error) {
			var err error
			secret, tok, err = s.auth.Create(ctx, req.Name, role, auth.CreateOptions{CreatedBy: "token:" + caller.ID, TTL: ttl, Person: req.Person})
			if err != nil {
				return "", nil, err
			}
			return tok.AuditTarget(), tok.AuditDetails(), nil
		},
		status: http.StatusCreated,
		body: func(e *audit.Entry) any {
			return createTokenResponse{Secret: secret, Token: tok, AuditSeq: e.Seq}
		},
	}, nil
}

func (s *Server) revokeToken(_ http.ResponseWriter, r *http.Request, _ *auth.Token) (*change, error) {
	id := r.PathValue("id")
	if err := auth.ValidateID(id); err != nil {
		return nil, err
	}
	var tok *auth.Token
	return &change{
		action: "token.revoke",
		apply: func(ctx context.Context) (string, map[string]any, error) {
			var err error
			tok, err = s.auth.Revoke(ctx, id)
			if errors.Is(err, auth.ErrAlreadyRevoked) {
				return "", nil, fmt.Errorf("%w: %w", errUnchanged, err)
			}
			if err != nil {
				return "", nil, err
			}
			return tok.AuditTarget(), map[string]any{"name": tok.Name, "role": tok.Role}, nil
		},
		status: http.StatusOK,
		body: func(e *audit.Entry) any {
			return map[string]any{"token": tok, "auditSeq": e.Seq}
		},
		// Revoking a revoked token is idempotent: 200, the token with its
		// first revocation time, no second audit entry.
		unchanged: func() any {
			return map[string]any{"token": tok, "alreadyRevoked": true}
		},
		// A request that read the token while the revocation was not yet
		// committed may have cached it: drop it again.
		committed: func() { s.auth.Forget(id) },
	}, nil
}

// parseTTL reads a token lifetime: a Go duration ("720h", "90m") or a whole
// number of days ("30d"). Empty means no expiry.
func parseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	bad := badInput("ttl", "ttl: %q is not a duration: use e.g. \"90m\", \"720h\" or \"30d\", or leave it out for a token that does not expire", s)
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n > 100*365 {
			return 0, bad
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d <= 0 {
		return 0, badInput("ttl", "ttl: must be positive; leave it out for a token that does not expire")
	}
	return d, nil
}

// auditPage is the body of GET /api/v1/audit.
type auditPage struct {
	Entries []*audit.Entry `json:"entries"`
	// Next is the "after" value of the next page (order=oldest) or its
	// "before" value (order=newest), or null on the last page.
	Next *int64 `json:"next"`
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "after", "before", "limit", "order"); err != nil {
		return err
	}
	after, err := intParam(q, "after", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	before, err := intParam(q, "before", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	limit, err := intParam(q, "limit", defaultAuditLimit, 1, maxAuditLimit)
	if err != nil {
		return err
	}
	if len(q["order"]) > 1 {
		return badInput("order", "order: give it once")
	}
	switch q.Get("order") {
	case "", "oldest":
		if q.Has("before") {
			return badInput("before", "before: goes with order=newest (order=oldest pages with after)")
		}
	case "newest":
		if q.Has("after") {
			return badInput("after", "after: goes with order=oldest (order=newest pages with before)")
		}
		entries, next, err := audit.Newest(r.Context(), s.store, before, int(limit))
		if err != nil {
			return err
		}
		page := auditPage{Entries: entries}
		if next != 0 {
			page.Next = &next
		}
		s.writeJSON(w, r, http.StatusOK, page)
		return nil
	default:
		return badInput("order", "order: want oldest or newest")
	}
	entries, err := s.store.AuditEntries(r.Context(), after, int(limit)+1)
	if err != nil {
		return err
	}
	page := auditPage{Entries: entries}
	if len(entries) > int(limit) {
		page.Entries = entries[:limit]
		next := page.Entries[limit-1].Seq
		page.Next = &next
	}
	if page.Entries == nil {
		page.Entries = []*audit.Entry{}
	}
	s.writeJSON(w, r, http.StatusOK, page)
	return nil
}

// verifyResponse is the body of GET /api/v1/audit/verify: the audit.Report
// with its verdict spelled out.
type verifyResponse struct {
	*audit.Report
	Intact  bool            `json:"intact"`
	Verdict bulwark.Verdict `json:"verdict"`
}

func (s *Server) verifyAudit(w http.ResponseWriter, r *http.Request) error {
	rep, err := audit.Verify(r.Context(), s.store, nil)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, verifyResponse{Report: rep, Intact: rep.Intact(), Verdict: rep.Verdict()})
	return nil
}

// onlyParams rejects query parameters other than the known ones, so a typo
// ("?aftr=5") is not silently ignored.
func onlyParams(q url.Values, known ...string) error {
	for k := range q {
		ok := false
		for _, n := range known {
			ok = ok || k == n
		}
		if !ok && len(known) == 0 {
			return badInput(bulwark.Echo(k), "unknown query parameter %q: this route takes none", k)
		}
		if !ok {
			return badInput(bulwark.Echo(k), "unknown query parameter %q (known: %s)", k, strings.Join(known, ", "))
		}
	}
	return nil
}

// intParam reads an integer query parameter in [min, max], def when absent.
func intParam(q url.Values, name string, def, min, max int64) (int64, error) {
	vs, ok := q[name]
	if !ok {
		return def, nil
	}
	if len(vs) != 1 {
		return 0, badInput(name, "%s: give it once", name)
	}
	n, err := strconv.ParseInt(vs[0], 10, 64)
	if err != nil || n < min || n > max {
		return 0, badInput(name, "%s: must be a whole number from %d to %d, not %q", name, min, max, vs[0])
	}
	return n, nil
}

// route serves a request through the mux, except that a path the mux
// would redirect (a repeated slash, a "." or ".." segment, or /api/v1 for
// /api/v1/) goes to the fallback of its part of the tree: every route
// answers a path that is not its own in the same way, with an error body
// that names the route's own path (see fallback), and under /api/v1 only
// after authentication.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if e := s.exactRoute(r); e != nil {
		r.Pattern = e.pattern // as the mux sets it
		e.h.ServeHTTP(w, r)
		return
	}
	p := r.URL.Path
	if r.Method == http.MethodConnect || p == "" || p == cleanPath(p) && p != "/api/v1" {
		s.mux.ServeHTTP(w, r)
		return
	}
	target := routeFallback
	if c := path.Clean(p); c == "/api/v1" || strings.HasPrefix(c, routeAPIFallback) {
		target = routeAPIFallback
	}
	h, _ := s.mux.Handler(&http.Request{Method: http.MethodGet, Host: r.Host, URL: &url.URL{Path: target}})
	h.ServeHTTP(w, r)
}

// cleanPath is the path http.ServeMux serves p under (it redirects p when
// they differ): "." and ".." segments and repeated slashes removed, a
// trailing slash kept.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

// fallback answers a request no route matched: 405 with an Allow header
// when the path exists under another method; else 404, naming the route
// when the path is a route's own written with a trailing slash, a repeated
// slash or a dot segment.
func (s *Server) fallback() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if canon := path.Clean("/" + r.URL.Path); canon != r.URL.Path {
			allowed := s.methods(r, canon)
			if len(allowed) == 0 {
				return bulwark.Errorf(bulwark.ENOTFOUND, "no such route")
			}
			route := canon + " (" + strings.Join(allowed, ", ") + ")"
			if slices.Contains(allowed, r.Method) {
				route = r.Method + " " + canon
			}
			why := "paths take no repeated slash or dot segment"
			if strings.TrimRight(r.URL.Path, "/") == canon {
				why = "paths take no trailing slash"
			}
			return bulwark.Errorf(bulwark.ENOTFOUND, "no such route: %s; the route is %s", why, route)
		}
		allowed := s.methods(r, r.URL.Path)
		if len(allowed) == 0 {
			return bulwark.Errorf(bulwark.ENOTFOUND, "no such route")
		}
		list := strings.Join(allowed, ", ")
		w.Header().Set("Allow", list)
		return bulwark.Errorf(bulwark.EMETHOD, "method %s is not allowed here: use %s", methodLabel(r.Method), list)
	}
}

// methods returns the methods, sorted, of the routes that serve the path p
// (r's host), fallbacks aside.
func (s *Server) methods(r *http.Request, p string) []string {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := &http.Request{Method: m, Host: r.Host, URL: &url.URL{Path: p}}
		if _, pat := s.mux.Handler(probe); pat != "" && pat != routeAPIFallback && pat != routeFallback {
			allowed = append(allowed, m)
		}
	}
	sort.Strings(allowed)
	return allowed
}
