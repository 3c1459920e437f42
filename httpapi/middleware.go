package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
)

// RequestIDHeader carries the request id: a caller's own id is echoed back
// when it is 1-64 characters of letters, digits and . _ : -, otherwise the
// server makes one. The id appears in the access log, in error logs and in
// the audit entries a request writes.
const RequestIDHeader = "X-Request-Id"

// reqInfo is filled in as a request passes through the layers and read by
// the base middleware when it is done, for metrics and the access log.
type reqInfo struct {
	requestID string
	start     time.Time   // when the request arrived (base's clock read)
	route     string      // the registered pattern that served the request
	tokenID   string      // the authenticated token's public id
	token     *auth.Token // the authenticated and authorized token (see tokenOf)
	errCode   string      // the error code answered, if any
	// sw wraps the request's ResponseWriter, idHeader is the value of its
	// X-Request-Id header and ctx the request's context that carries the
	// info: they live here so that a request allocates one struct for all.
	sw       statusWriter
	idHeader [1]string
	ctx      infoCtx
	// idBuf holds a request id the server made, and lenBuf and lenHeader
	// the digits and value of a Content-Length header a handler sets
	// (setContentLength): the strings point into them, so that they cost
	// the request no allocation of their own. Neither is written again
	// once its string is made.
	idBuf     [2 * requestIDBytes]byte
	lenBuf    [20]byte
	lenHeader [1]string
}

// setContentLength sets w's Content-Length header to n, its value kept in
// info when there is one (see reqInfo.lenBuf).
func setContentLength(w http.ResponseWriter, info *reqInfo, n int) {
	if info == nil || info.lenHeader[0] != "" {
		w.Header()["Content-Length"] = []string{strconv.Itoa(n)} // canonical already
		return
	}
	b := strconv.AppendInt(info.lenBuf[:0], int64(n), 10)
	info.lenHeader[0] = unsafe.String(&b[0], len(b))
	w.Header()["Content-Length"] = info.lenHeader[:]
}

// infoCtx is a request's context: its parent's with the request's info
// (as context.WithValue with infoKey would, without an allocation of its
// own) and the handler deadline (as context.WithDeadline would). The
// deadline's timer and Done channel are only made once something asks for
// Done (a store query, a wait): a request that never waits (a screening
// answered from memory) does without them. end cancels it, as
// WithDeadline's cancel function would.
type infoCtx struct {
	context.Context // the parent
	info            *reqInfo
	deadline        time.Time

	mu    sync.Mutex
	ended bool
	// inner is context.WithDeadline(parent, deadline), made on demand.
	inner atomic.Pointer[deadlineCtx]
}

type deadlineCtx struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// init readies c for a request with the parent context and the deadline.
func (c *infoCtx) init(parent context.Context, info *reqInfo, deadline time.Time) {
	c.Context, c.info, c.deadline = parent, info, deadline
	if d, ok := parent.Deadline(); ok && d.Before(deadline) {
		c.deadline = d
	}
}

// made returns the deadline context, made now if not yet.
func (c *infoCtx) made() context.Context {
	if in := c.inner.Load(); in != nil {
		return in.ctx
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if in := c.inner.Load(); in != nil {
		return in.ctx
	}
	ctx, cancel := context.WithDeadline(c.Context, c.deadline)
	if c.ended {
		cancel()
	}
	c.inner.Store(&deadlineCtx{ctx: ctx, cancel: cancel})
	return ctx
}

// end cancels c (the request is over).
func (c *infoCtx) end() {
	c.mu.Lock()
	c.ended = true
	in := c.inner.Load()
	c.mu.Unlock()
	if in != nil {
		in.cancel()
	}
}

// Deadline returns the handler deadline (or the parent's, if earlier).
func (c *infoCtx) Deadline() (time.Time, bool) { return c.deadline, true }

// Done returns a channel closed once the deadline passes, the parent is
// done or the request ends.
func (c *infoCtx) Done() <-chan struct{} { return c.made().Done() }

// Err is nil until the context is done, then why.
func (c *infoCtx) Err() error {
	if in := c.inner.Load(); in != nil {
		return in.ctx.Err()
	}
	c.mu.Lock()
	ended := c.ended
	c.mu.Unlock()
	if !ended && c.Context.Err() == nil && time.Now().Before(c.deadline) {
		return nil
	}
	// Done now: from here on the deadline context says why, the same
	// every time.
	return c.made().Err()
}

// Value returns the info for infoKey; else the deadline context's value
// once made (so that context.Cause and derived contexts see it), and for
// the package context's own keys (pointers) it is made; else the parent's.
func (c *infoCtx) Value(key any) any {
	if key == (infoKey{}) {
		return c.info
	}
	if in := c.inner.Load(); in != nil {
		return in.ctx.Value(key)
	}
	if _, internal := key.(*int); internal {
		return c.made().Value(key)
	}
	return c.Context.Value(key)
}

type infoKey struct{}

func infoFrom(ctx context.Context) *reqInfo {
	i, _ := ctx.Value(infoKey{}).(*reqInfo)
	return i
}

// tokenOf returns the token that authenticated r and holds its route's
// permission, or nil on a route without one. The route's handler reads it
// here rather than from the context (auth.FromContext), which would cost
// each request a copy of the request to carry it.
func tokenOf(r *http.Request) *auth.Token {
	if info := infoFrom(r.Context()); info != nil {
		return info.token
	}
	return nil
}

// statusWriter records the status and body size a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// securityHeaders are set on every response. The keys are in canonical
// form and the value slices are shared by every response, which is safe
// because nothing modifies a header value in place (Set and Add replace or
// grow the slice); it saves an allocation per header per request.
//
// They are the ones that protect a JSON answer: its type, no sniffing it
// as something else, no caching it, and a Content-Security-Policy that
// lets it load nothing and be framed by nothing (frame-ancestors 'none',
// which current browsers honour and which takes precedence over
// X-Frame-Options where both are sent). Referrer-Policy and
// X-Frame-Options are not sent: a JSON answer is never a document whose
// links or subresources send a Referer, and framing is already refused,
// while every header costs the server and the client CPU on every answer
// (docs/benchmarks.md). Pages that are documents (the web console) set
// their own.
var securityHeaders = [...]struct {
	key   string
	value []string
}{
	{"Content-Type", []string{"application/json; charset=utf-8"}},
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"Cache-Control", []string{"no-store"}},
	{"Content-Security-Policy", []string{"default-src 'none'; frame-ancestors 'none'"}},
}

var hstsValue = []string{"max-age=63072000"}

// base wraps every request: request id, security headers, handler deadline,
// panic recovery, metrics and the access log.
func (s *Server) base(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqInfo{start: start}
		info.requestID = requestID(&info.idBuf, r.Header.Get(RequestIDHeader))
		info.idHeader[0] = info.requestID
		h := w.Header()
		h[RequestIDHeader] = info.idHeader[:]
		for _, kv := range securityHeaders {
			h[kv.key] = kv.value
		}
		if r.TLS != nil {
			h["Strict-Transport-Security"] = hstsValue
		}

		info.ctx.init(r.Context(), info, start.Add(s.cfg.HandlerTimeout)) // no second clock read
		ctx := context.Context(&info.ctx)
		defer info.ctx.end()
		r = r.WithContext(ctx)
		sw := &info.sw
		sw.ResponseWriter = w
		s.metrics.inFlight.Inc()
		defer func() {
			p := recover()
			answered := false // whether the panic got a JSON 500
			if p != nil && p != http.ErrAbortHandler {
				s.log.ErrorContext(ctx, "panic serving request", "panic", p, "route", info.route,
					"request_id", info.requestID, "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.writeError(sw, r, bulwark.Errorf(bulwark.EINTERNAL, "internal error"))
					answered = true
				}
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			s.metrics.inFlight.Dec()
			end := time.Now()
			s.finish(ctx, r, info, sw, end, end.Sub(start))
			if p != nil && !answered {
				// The response had begun before the panic (or the handler
				// asked to abort): drop the connection so the client cannot
				// take a cut-off body for a whole one.
				panic(http.ErrAbortHandler)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// finish records metrics and writes the access log line (time end, the
// request having taken d). It logs the
// route pattern, never the raw path or query (which may carry secrets), and
// the token id, never the token.
func (s *Server) finish(ctx context.Context, r *http.Request, info *reqInfo, sw *statusWriter, end time.Time, d time.Duration) {
	route := info.route
	if route == "" {
		route = "unrouted"
	}
	s.metrics.observe(route, r.Method, sw.status, d)
	level := slog.LevelInfo
	switch route {
	case routeHealthz, routeReadyz, routeMetrics:
		if sw.status < 400 {
			level = slog.LevelDebug // probes and scrapes would drown the log
		}
	}
	if !s.log.Enabled(ctx, level) {
		return
	}
	// The record goes straight to the handler (or the line to AccessLog):
	// Logger.LogAttrs would also walk the stack for the caller's source
	// line on every request, which an access line has no use for.
	s.writeAccessLine(ctx, &accessLine{
		time: end, level: level, method: methodLabel(r.Method), route: route, status: sw.status,
		duration: d, bytes: sw.bytes, requestID: info.requestID, token: info.tokenID, code: info.errCode,
	})
}

// requestIDBytes is the number of random bytes of a request id the server
// makes (written as twice as many hex digits).
const requestIDBytes = 12

// requestID returns the caller's id when it is safe to echo and log, else a
// new random one, written into buf (which the returned string then points
// into: buf must not change afterwards).
func requestID(buf *[2 * requestIDBytes]byte, given string) string {
	if n := len(given); n > 0 && n <= 64 {
		ok := true
		for i := 0; i < n; i++ {
			c := given[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
				ok = false
				break
			}
		}
		if ok {
			return given
		}
	}
	var b [requestIDBytes]byte
	_, _ = rand.Read(b[:])
	hex.Encode(buf[:], b[:])
	return unsafe.String(&buf[0], len(buf))
}

// authenticate checks the request's bearer token and returns its record.
// A token that verifies is let through whatever its client address did
// before: the failed-authentication budget of the client address (see
// Config.AuthFailureRate) is consulted only when the presented token fails,
// and a failure beyond it is answered 429 instead of 401. A good token then
// spends one request of its own rate limit.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*auth.Token, error) {
	presented, err := bearer(r.Header.Values("Authorization"))
	if err != nil {
		return nil, err
	}
	var start time.Time // the request's arrival: no clock read of its own
	if info := infoFrom(r.Context()); info != nil {
		start = info.start
	}
	tok, err := s.auth.AuthenticateAt(r.Context(), presented, start)
	if err != nil {
		if bulwark.IsCode(err, bulwark.EUNAUTHORIZED) && s.failLim != nil {
			if d := s.failLim.take(s.clientKeyOf(r), time.Now()); d > 0 {
				return nil, s.limited(w, d, "too many failed authentications from this address")
			}
		}
		return nil, err
	}
	if info := infoFrom(r.Context()); info != nil {
		info.tokenID = tok.ID
	}
	if s.tokenLim != nil {
		if d := s.tokenLim.take(tok.ID, time.Now()); d > 0 {
			return nil, s.limited(w, d, "too many requests for this token")
		}
	}
	return tok, nil
}

// limited sets Retry-After and returns the ERATELIMITED error.
func (s *Server) limited(w http.ResponseWriter, d time.Duration, what string) error {
	secs := retryAfter(d)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	return bulwark.Errorf(bulwark.ERATELIMITED, "%s: retry after %d seconds", what, secs)
}

// bearer extracts the token from the Authorization header values.
func bearer(values []string) (string, error) {
	switch len(values) {
	case 0:
		return "", bulwark.Errorf(bulwark.EUNAUTHORIZED, "missing Authorization header: send 'Authorization: Bearer TOKEN' with a token from 'bulwark token create'")
	case 1:
	default:
		return "", bulwark.Errorf(bulwark.EUNAUTHORIZED, "send exactly one Authorization header: 'Authorization: Bearer TOKEN'")
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(values[0]), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", bulwark.Errorf(bulwark.EUNAUTHORIZED, "malformed Authorization header: want 'Authorization: Bearer TOKEN'")
	}
	return token, nil
}
