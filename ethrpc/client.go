package ethrpc

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// Defaults for zero Options fields.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxInFlight      = 16
	DefaultMaxBatchSize     = 100
	DefaultMaxRetries       = 3
	DefaultRetryBaseDelay   = 250 * time.Millisecond
	DefaultRetryMaxDelay    = 10 * time.Second
	DefaultMaxResponseBytes = 128 << 20
)

// Options tune a Client. The zero value of every field means its default.
type Options struct {
	// Timeout bounds each HTTP attempt: sending the request and reading the
	// whole response. A call that is retried may take longer in total; bound
	// that with the context. Default DefaultTimeout.
	Timeout time.Duration
	// MaxInFlight is the most HTTP requests the client has open at once,
	// across all goroutines and batch chunks. Default DefaultMaxInFlight.
	MaxInFlight int
	// MaxBatchSize is the most calls sent in one HTTP request; BatchCall
	// splits larger batches. Default DefaultMaxBatchSize.
	MaxBatchSize int
	// MaxRetries is how many times a transient failure is retried after the
	// first attempt. Default DefaultMaxRetries; a negative value disables
	// retries.
	MaxRetries int
	// RetryBaseDelay is the backoff before the first retry; it doubles for
	// each further retry, with jitter. Default DefaultRetryBaseDelay.
	RetryBaseDelay time.Duration
	// RetryMaxDelay caps the backoff and the Retry-After the client will
	// honour: a node asking for a longer wait gets no retry. Default
	// DefaultRetryMaxDelay.
	RetryMaxDelay time.Duration
	// MaxResponseBytes bounds the size of one response body (traces can be
	// large). Default DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// Header is added to every request, e.g. an Authorization header for a
	// hosted node. Its values are never logged.
	Header http.Header
	// HTTPClient, when set, is used instead of the client's own (whose
	// transport keeps MaxInFlight idle connections to the node).
	HTTPClient *http.Client
	// Logger receives a line for each retry, at Warn level. Default: no
	// logging.
	Logger *slog.Logger
	// DebugRetries logs the retry lines at Debug level instead: for a
	// one-shot command, whose final error already says how many attempts
	// failed, so that a user sees one error line, not the retries too.
	DebugRetries bool
}

// Stats counts what a Client did since it was made.
type Stats struct {
	// Requests is the number of HTTP requests sent, retries included.
	Requests uint64
	// Retries is the number of those requests that were retries.
	Retries uint64
}

// Client is a JSON-RPC client for one Ethereum node. It is safe for
// concurrent use. Make one with Dial.
type Client struct {
	url     string // as given, with credentials
	safeURL string // scheme://host[:port] only, for messages and logs
	opt     Options
	hc      *http.Client
	own     *http.Transport // nil when Options.HTTPClient was given
	log     *slog.Logger
	sem     chan struct{}

	nextID   atomic.Uint64
	requests atomic.Uint64
	retries  atomic.Uint64

	// bodies holds response buffers (*[]byte) for the exchanges whose
	// results are decoded, and then dropped, before the buffer is given
	// back (see bodies).
	bodies sync.Pool
}

// maxPooledBody is the largest response buffer kept for reuse.
const maxPooledBody = 8 << 20

// bodies are the response buffers of one exchange (its retries
// included), taken from the client's pool and given back together by
// release once nothing points into them: whatever was decoded from them
// must have been copied out (strings, byte slices), and the raw results
// dropped.
type bodies struct {
	c    *Client
	bufs []*[]byte
}

// get returns an empty buffer to read a response into.
func (b *bodies) get() []byte {
	if p, ok := b.c.bodies.Get().(*[]byte); ok {
		return (*p)[:0]
	}
	return nil
}

// keep records buf, read into, to be given back by release.
func (b *bodies) keep(buf []byte) {
	b.bufs = append(b.bufs, &buf)
}

// release gives the buffers back to the client's pool.
func (b *bodies) release() {
	for _, p := range b.bufs {
		if cap(*p) <= maxPooledBody {
			b.c.bodies.Put(p)
		}
	}
	b.bufs = nil
}

// Dial checks rawURL and opt and returns a Client for the node at rawURL.
// It does not contact the node: the first call does. rawURL must be an
// http:// or https:// URL; anything else is an EINVALID error for the
// "rpc" field.
func Dial(rawURL string, opt Options) (*Client, error) {
	u, err := checkURL(rawURL)
	if err != nil {
		return nil, err
	}
	if err := normalize(&opt); err != nil {
		return nil, err
	}
	c := &Client{
		url:     u,
		safeURL: redactURL(u),
		opt:     opt,
		log:     opt.Logger,
		sem:     make(chan struct{}, opt.MaxInFlight),
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if opt.HTTPClient != nil {
		c.hc = opt.HTTPClient
	} else {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = opt.MaxInFlight * 2
		tr.MaxIdleConnsPerHost = opt.MaxInFlight
		c.own = tr
		c.hc = &http.Client{Transport: tr}
	}
	return c, nil
}

// checkURL validates a node URL and returns it trimmed.
func checkURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	const example = "e.g. http://127.0.0.1:8545"
	if raw == "" {
		return "", bulwark.Invalid("rpc", "no node URL given; set the node's JSON-RPC HTTP endpoint, %s", example)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "" && u.Opaque != "") || !strings.Contains(raw, "://") {
		// The parse error quotes the URL, which may hold a key: drop it.
		return "", bulwark.Invalid("rpc", "not a valid node URL; give the full JSON-RPC HTTP endpoint with http:// or https://, %s", example)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "ws", "wss":
		return "", bulwark.Invalid("rpc", "%s is a WebSocket endpoint, which is not supported; give the node's HTTP endpoint (http:// or https://)", redactURL(raw))
	default:
		return "", bulwark.Invalid("rpc", "%s has scheme %q; only http:// and https:// node URLs are supported, %s", redactURL(raw), clean(u.Scheme, 20), example)
	}
	if u.Hostname() == "" {
		return "", bulwark.Invalid("rpc", "the URL has no host name, %s", example)
	}
	return raw, nil
}

// normalize fills defaults and rejects nonsense.
func normalize(o *Options) error {
	switch {
	case o.Timeout < 0:
		return bulwark.Invalid("timeout", "must not be negative")
	case o.MaxInFlight < 0:
		return bulwark.Invalid("max_in_flight", "must not be negative")
	case o.MaxBatchSize < 0:
		return bulwark.Invalid("max_batch_size", "must not be negative")
	case o.RetryBaseDelay < 0 || o.RetryMaxDelay < 0:
		return bulwark.Invalid("retry_delay", "must not be negative")
	case o.MaxResponseBytes < 0:
		return bulwark.Invalid("max_response_bytes", "must not be negative")
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxInFlight == 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.MaxBatchSize == 0 {
		o.MaxBatchSize = DefaultMaxBatchSize
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = DefaultMaxRetries
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.RetryBaseDelay == 0 {
		o.RetryBaseDelay = DefaultRetryBaseDelay
	}
	if o.RetryMaxDelay == 0 {
		o.RetryMaxDelay = DefaultRetryMaxDelay
	}
	if o.RetryMaxDelay < o.RetryBaseDelay {
		o.RetryMaxDelay = o.RetryBaseDelay
	}
	if o.MaxResponseBytes == 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	return nil
}

// URL returns the node URL as it appears in messages and logs: scheme,
// host and port only, with "/…" when the URL has a path or query. User
// info, path and query are never shown: hosted nodes keep their API key
// there.
func (c *Client) URL() string { return c.safeURL }

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.requests.Load(), Retries: c.retries.Load()}
}

// Close releases idle connections. Calls after Close still work but open
// new connections.
func (c *Client) Close() {
	if c.own != nil {
		c.own.CloseIdleConnections()
	}
}

// Call calls method with params and decodes the result into result, which
// must be a pointer or nil (to discard it). A JSON null result leaves
// result unchanged. Errors are *bulwark.Error; an error the node returned
// wraps an *RPCError.
func (c *Client) Call(ctx context.Context, result any, method string, params ...any) error {
	if method == "" {
		return bulwark.Invalid("method", "no JSON-RPC method given")
	}
	id := c.nextID.Add(1)
	body, err := encodeRequest(nil, id, method, params)
	if err != nil {
		return bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode the parameters of "+method)
	}
	idem := idempotent(method)
	for attempt := 0; ; attempt++ {
		data, f := c.post(ctx, body, method, idem, attempt > 0, nil)
		if f == nil {
			resp, err := decodeResponse(data, id)
			if err != nil {
				return c.malformed(method, err)
			}
			if resp.Error == nil {
				return c.decodeResult(method, resp.Result, result)
			}
			rerr := c.rpcError(method, resp.Error)
			if !rerr.Err.(*RPCError).RateLimited() {
				return rerr
			}
			f = &failure{err: rerr, retry: true}
		}
		if !f.retry || attempt >= c.opt.MaxRetries || !c.backoff(ctx, method, attempt, f) {
			return f.final(attempt + 1)
		}
	}
}

// BatchElem is one call in a batch. After BatchCall returns, Error is set
// when that call failed, and Result (a pointer, or nil) holds its result
// otherwise.
type BatchElem struct {
	Method string
	Args   []any
	Result any
	Error  error

	// decode, when not nil, reads the result as it is checked (see
	// decodeBatchResponse); Result is filled in as well.
	decode func([]byte) bool
}

// BatchCall sends the calls in b as JSON-RPC batches of at most
// Options.MaxBatchSize calls, chunks running concurrently within
// Options.MaxInFlight. Each element's outcome is in its Error and Result.
// BatchCall itself returns an error only when a whole chunk could not be
// exchanged with the node (unreachable, timeout, malformed body …); the
// elements of that chunk then carry the same error, while other chunks are
// filled in as usual. Elements the node rate-limited are retried on their
// own.
func (c *Client) BatchCall(ctx context.Context, b []BatchElem) error {
	return c.batchCall(ctx, b, nil)
}

// batchCall is BatchCall reading a batch sent in one request into
// buffers of bufs, when not nil: the raw results (json.RawMessage) point
// into them until bufs.release.
func (c *Client) batchCall(ctx context.Context, b []BatchElem, bufs *bodies) error {
	if len(b) == 0 {
		return nil
	}
	size := c.opt.MaxBatchSize
	chunks := (len(b) + size - 1) / size
	if chunks == 1 {
		return c.sendChunk(ctx, b, bufs)
	}
	errs := make([]error, chunks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(chunks, c.opt.MaxInFlight) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= chunks {
					return
				}
				errs[i] = c.sendChunk(ctx, b[i*size:min((i+1)*size, len(b))], nil)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// sendChunk exchanges one batch request (retrying as needed) and fills in
// the elements, reading the responses into buffers of bufs when not nil.
func (c *Client) sendChunk(ctx context.Context, elems []BatchElem, bufs *bodies) error {
	reqs := make([][]byte, len(elems))
	ids := make([]uint64, len(elems))
	pending := make([]int, 0, len(elems))
	idem := true
	for i := range elems {
		e := &elems[i]
		e.Error = nil
		if e.Method == "" {
			e.Error = bulwark.Invalid("method", "no JSON-RPC method given")
			continue
		}
		ids[i] = c.nextID.Add(1)
		req, err := encodeRequest(nil, ids[i], e.Method, e.Args)
		if err != nil {
			e.Error = bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode the parameters of "+e.Method)
			continue
		}
		reqs[i] = req
		pending = append(pending, i)
		idem = idem && idempotent(e.Method)
	}

	label := fmt.Sprintf("a batch of %d calls", len(pending))
	var body []byte
	for attempt := 0; len(pending) > 0; attempt++ {
		body = body[:0]
		body = append(body, '[')
		pids := make([]uint64, len(pending))
		var decs []func([]byte) bool
		for k, i := range pending {
			if elems[i].decode != nil {
				if decs == nil {
					decs = make([]func([]byte) bool, len(pending))
				}
				decs[k] = elems[i].decode
			}
			if k > 0 {
				body = append(body, ',')
			}
			body = append(body, reqs[i]...)
			pids[k] = ids[i]
		}
		body = append(body, ']')

		data, f := c.post(ctx, body, label, idem, attempt > 0, bufs)
		whole := true // f concerns the whole chunk, not single elements
		if f == nil {
			resps, batchErr, err := decodeBatchResponse(data, pids, decs)
			switch {
			case err != nil:
				f = &failure{err: c.malformed(label, err)}
			case batchErr != nil:
				rerr := c.rpcError(label, batchErr)
				f = &failure{err: rerr, retry: rerr.Err.(*RPCError).RateLimited()}
			default:
				var again []int
				for k, i := range pending {
					e := &elems[i]
					r := resps[k]
					switch {
					case r == nil:
						e.Error = c.malformed(e.Method, errMissingInBatch)
					case r.Error != nil:
						rerr := c.rpcError(e.Method, r.Error)
						e.Error = rerr
						if rerr.Err.(*RPCError).RateLimited() {
							again = append(again, i)
							f = &failure{err: rerr, retry: true}
							whole = false
						}
					default:
						e.Error = c.decodeResult(e.Method, r.Result, e.Result)
					}
				}
				pending = again
				if len(pending) == 0 {
					return nil
				}
				label = fmt.Sprintf("a batch of %d calls", len(pending))
			}
		}
		if !f.retry || attempt >= c.opt.MaxRetries || !c.backoff(ctx, label, attempt, f) {
			err := f.final(attempt + 1)
			for _, i := range pending {
				elems[i].Error = err
			}
			if whole {
				return err
			}
			return nil
		}
	}
	return nil
}

// failure is one failed attempt: the error a user sees if the client gives
// up now, and whether another attempt may succeed.
type failure struct {
	err   *bulwark.Error
	retry bool
	after time.Duration // the node's Retry-After, 0 if none
}

// final returns the error to hand back after attempts attempts.
func (f *failure) final(attempts int) *bulwark.Error {
	if attempts <= 1 {
		return f.err
	}
	e := *f.err
	e.Message = fmt.Sprintf("%s (gave up after %d attempts)", e.Message, attempts)
	return &e
}

// backoff waits before retry number attempt+1 and reports whether the
// caller should go on. It gives up at once when the node asks for a longer
// wait than RetryMaxDelay or the context would end before the wait does.
func (c *Client) backoff(ctx context.Context, label string, attempt int, f *failure) bool {
	if f.after > c.opt.RetryMaxDelay {
		f.err.Message += fmt.Sprintf(" (node asked to wait %v, more than the %v allowed)", f.after, c.opt.RetryMaxDelay)
		return false
	}
	d := c.opt.RetryBaseDelay << min(attempt, 30)
	if d <= 0 || d > c.opt.RetryMaxDelay {
		d = c.opt.RetryMaxDelay
	}
	// Equal jitter: half fixed, half random, so that clients that failed
	// together do not retry together.
	d = d/2 + rand.N(d/2+1)
	d = max(d, f.after)
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return false
	}
	level := slog.LevelWarn
	if c.opt.DebugRetries {
		level = slog.LevelDebug
	}
	c.log.LogAttrs(ctx, level, "ethrpc: retrying",
		slog.String("node", c.safeURL),
		slog.String("call", label),
		slog.Int("attempt", attempt+2),
		slog.Duration("delay", d),
		slog.String("reason", f.err.Message))
	return bulwark.Sleep(ctx, d)
}

// post sends one HTTP request within the in-flight limit and the attempt
// timeout and returns the response body, or a classified failure. The
// body is read into a buffer of bufs when bufs is not nil.
func (c *Client) post(ctx context.Context, body []byte, label string, idem, retry bool, bufs *bodies) ([]byte, *failure) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, c.contextFailure(ctx, label)
	}
	defer func() { <-c.sem }()

	actx, cancel := context.WithTimeout(ctx, c.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, &failure{err: bulwark.Wrap(err, bulwark.EINTERNAL, "cannot build a request for node at "+c.safeURL)}
	}
	for k, vs := range c.opt.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	c.requests.Add(1)
	if retry {
		c.retries.Add(1)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.transportFailure(ctx, err, label, idem)
	}
	defer resp.Body.Close()
	var buf []byte
	if bufs != nil {
		buf = bufs.get()
	}
	data, err := readBody(buf, resp.Body, resp.ContentLength, c.opt.MaxResponseBytes+1)
	if bufs != nil {
		bufs.keep(data)
	}
	if err != nil {
		return nil, c.transportFailure(ctx, err, label, idem)
	}
	if int64(len(data)) > c.opt.MaxResponseBytes {
		return nil, &failure{err: bulwark.Errorf(bulwark.ETOOLARGE,
			"node at %s sent more than %d bytes in answer to %s; raise the response limit or ask for less", c.safeURL, c.opt.MaxResponseBytes, label)}
	}
	if resp.StatusCode/100 == 2 {
		return data, nil
	}
	f := c.statusFailure(resp, data, label, idem)
	if f == nil {
		return data, nil
	}
	return nil, f
}

// readBody reads at most limit bytes of r, into buf (empty, reused when
// it has room enough) or else one buffer of the size the response
// declares (hint, -1 when unknown) when it is within limit, rather than
// growing one as io.ReadAll does: a block's traces or receipts are
// hundreds of kilobytes.
func readBody(buf []byte, r io.Reader, hint, limit int64) ([]byte, error) {
	size := int64(512)
	if hint >= 0 && hint < limit {
		size = hint + 1 // room to read the end of the body into
	}
	if int64(cap(buf)) < size {
		buf = make([]byte, 0, size)
	}
	buf = buf[:0]
	r = io.LimitReader(r, limit)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// isRPCBody reports whether data is a JSON-RPC response or batch response.
// Some providers send JSON-RPC errors with a 4xx or 500 status.
func isRPCBody(data []byte) bool {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return false
	}
	switch data[0] {
	case '{':
		_, err := decodeOne(data)
		return err == nil
	case '[':
		var elems []json.RawMessage
		if json.Unmarshal(data, &elems) != nil || len(elems) == 0 {
			return false
		}
		_, err := decodeOne(elems[0])
		return err == nil
	}
	return false
}

// statusFailure classifies a non-2xx HTTP response. It returns nil when the
// body is a JSON-RPC answer after all (some providers send JSON-RPC errors
// with a 4xx or 500 status): the caller reads it as usual.
func (c *Client) statusFailure(resp *http.Response, data []byte, label string, idem bool) *failure {
	status := strings.TrimSpace(resp.Status)
	if status == "" {
		status = strconv.Itoa(resp.StatusCode)
	}
	after := retryAfter(resp.Header.Get("Retry-After"), time.Now())
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return &failure{
			err:   bulwark.Errorf(bulwark.EUNAVAILABLE, "node rate limit: node at %s refused %s: HTTP %s", c.safeURL, label, status),
			retry: true, after: after,
		}
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		// 502 and 504 may come after the node did the work.
		retry := idem || resp.StatusCode == http.StatusServiceUnavailable
		return &failure{
			err:   bulwark.Errorf(bulwark.EUNAVAILABLE, "node at %s is unavailable: HTTP %s", c.safeURL, status),
			retry: retry, after: after,
		}
	case http.StatusUnauthorized, http.StatusForbidden:
		return &failure{err: bulwark.Errorf(bulwark.EUNAVAILABLE,
			"node at %s refused the request: HTTP %s (check the credentials in --rpc)", c.safeURL, status)}
	case http.StatusRequestEntityTooLarge:
		return &failure{err: bulwark.Errorf(bulwark.ETOOLARGE,
			"node at %s refused %s as too large: HTTP %s (lower the maximum batch size)", c.safeURL, label, status)}
	}
	if isRPCBody(data) {
		return nil
	}
	return &failure{err: bulwark.Errorf(bulwark.EUNAVAILABLE, "node at %s answered %s with HTTP %s", c.safeURL, label, status)}
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		if s > 86400 {
			s = 86400
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// transportFailure classifies an error from sending the request or reading
// the response.
func (c *Client) transportFailure(ctx context.Context, err error, label string, idem bool) *failure {
	// url.Error quotes the URL, credentials and all: keep the cause for
	// logs but without them.
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = c.safeURL
	}
	if ctx.Err() != nil {
		f := c.contextFailure(ctx, label)
		f.err.Err = err
		return f
	}
	unreachable := func(what, hint string) *bulwark.Error {
		return bulwark.Wrap(err, bulwark.EUNAVAILABLE, fmt.Sprintf("node at %s is unreachable: %s (%s)", c.safeURL, what, hint))
	}
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recErr tls.RecordHeaderError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return &failure{
			err:   bulwark.Wrap(err, bulwark.ETIMEOUT, fmt.Sprintf("node at %s did not answer %s within %v", c.safeURL, label, c.opt.Timeout)),
			retry: idem,
		}
	case errors.Is(err, syscall.ECONNREFUSED):
		// Nothing was sent: always safe to retry.
		return &failure{err: unreachable("connection refused", "is it running? check --rpc"), retry: true}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return &failure{err: unreachable("connection reset", "check the node and any proxy in front of it"), retry: idem}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &failure{err: unreachable("connection closed before the answer was complete", "check the node and any proxy in front of it"), retry: idem}
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return &failure{err: unreachable("no route to host", "check --rpc and the network"), retry: true}
	case errors.As(err, &dnsErr):
		return &failure{err: unreachable("cannot resolve host "+clean(dnsErr.Name, 100), "check --rpc"), retry: dnsErr.IsTemporary || dnsErr.IsTimeout}
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		return &failure{err: unreachable("its TLS certificate is not trusted", "check the certificate or the host name in --rpc")}
	case errors.As(err, &recErr):
		return &failure{err: unreachable("it does not speak TLS", "use http:// instead of https:// in --rpc?")}
	}
	return &failure{err: unreachable("the request failed", "check --rpc")}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// contextFailure reports the caller's context ending; never retried.
func (c *Client) contextFailure(ctx context.Context, label string) *failure {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &failure{err: bulwark.Wrap(ctx.Err(), bulwark.ETIMEOUT,
			fmt.Sprintf("%s to node at %s ran out of time", label, c.safeURL))}
	}
	return &failure{err: bulwark.Wrap(ctx.Err(), bulwark.EUNAVAILABLE,
		fmt.Sprintf("%s to node at %s was cancelled", label, c.safeURL))}
}

// malformed reports a response body the client cannot use.
func (c *Client) malformed(label string, err error) *bulwark.Error {
	return bulwark.Wrap(err, bulwark.EINVALID, fmt.Sprintf("node at %s sent a malformed response to %s: %v", c.safeURL, label, err))
}

// decodeResult unmarshals a result into dst (nil discards it).
func (c *Client) decodeResult(method string, raw json.RawMessage, dst any) error {
	if dst == nil {
		return nil
	}
	if p, ok := dst.(*json.RawMessage); ok {
		// Checked when the response was read: kept as it came, not
		// validated and copied again.
		*p = raw
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		// json's message names Go types: keep it for logs only.
		return bulwark.Wrap(err, bulwark.EINVALID, fmt.Sprintf("node at %s sent a malformed result for %s", c.safeURL, method))
	}
	return nil
}

// idempotent reports whether repeating method after a failure that may
// have reached the node is harmless. Sending transactions and changing a
// development node's state are not.
func idempotent(method string) bool {
	for _, p := range []string{"eth_send", "personal_", "evm_", "anvil_", "hardhat_", "miner_", "admin_"} {
		if strings.HasPrefix(method, p) {
			return false
		}
	}
	return true
}
