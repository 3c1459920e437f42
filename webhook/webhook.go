package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/tracing"
)

// Header names.
const (
	HeaderSignature = "X-Bulwark-Signature"
	HeaderTimestamp = "X-Bulwark-Timestamp"
)

// Defaults of Options.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 5
	DefaultRetryBase   = time.Second
	DefaultRetryMax    = 30 * time.Second
	// DefaultMaxAge is the timestamp tolerance receivers should give Verify.
	DefaultMaxAge = 5 * time.Minute
)

// Options configure a Notifier.
type Options struct {
	// URL is the receiver, http or https.
	URL string
	// Secret is the HMAC key; it must not be empty.
	Secret []byte
	// Timeout bounds each attempt; default DefaultTimeout.
	Timeout time.Duration
	// MaxAttempts bounds the POSTs per alert; default DefaultMaxAttempts.
	MaxAttempts int
	// RetryBase and RetryMax bound the backoff between attempts (doubling
	// from RetryBase); defaults DefaultRetryBase and DefaultRetryMax.
	RetryBase, RetryMax time.Duration
	// Client sends the requests; nil means a client that does not follow
	// redirects (a redirect is a permanent failure).
	Client *http.Client
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger, when set, is told of each failed attempt (never the secret).
	Logger *slog.Logger
}

// Notifier posts signed alerts (or any JSON body, Send) to one URL. It is safe for concurrent use.
// Its errors and log lines name the URL as URL() returns it.
type Notifier struct {
	opt      Options
	u        *url.URL
	redacted string
}

// New checks opt and returns a Notifier.
func New(opt Options) (*Notifier, error) {
	u, err := ParseURL(opt.URL)
	if err != nil {
		return nil, err
	}
	if len(opt.Secret) == 0 {
		return nil, bulwark.Invalid("webhook secret", "is empty: give a secret shared with the receiver")
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = DefaultMaxAttempts
	}
	if opt.RetryBase <= 0 {
		opt.RetryBase = DefaultRetryBase
	}
	if opt.RetryMax <= 0 {
		opt.RetryMax = DefaultRetryMax
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Client == nil {
		opt.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	opt.Secret = bytes.Clone(opt.Secret)
	return &Notifier{opt: opt, u: u, redacted: redact(u)}, nil
}

// redact returns u as scheme://host[:port], with "/…" when it had a path
// or query: user-info, path and query may all carry credentials (Slack-style
// webhooks keep their secret in the path).
func redact(u *url.URL) string {
	r := url.URL{Scheme: u.Scheme, Host: u.Host}
	s := r.String()
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		s += "/…"
	}
	return s
}

// ParseURL checks a webhook URL: http or https, with a host.
func ParseURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, bulwark.Invalid("--webhook", "want an http:// or https:// URL with a host")
	}
	return u, nil
}

// Insecure reports whether u would carry alerts in clear text over a
// network: http to a host that is not loopback.
func Insecure(u *url.URL) bool {
	if u.Scheme != "http" {
		return false
	}
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") {
		return false
	}
	ip := net.ParseIP(h)
	return ip == nil || !ip.IsLoopback()
}

// URL returns the receiver's URL as scheme://host[:port] (see redact).
func (n *Notifier) URL() string { return n.redacted }

// Insecure reports whether the Notifier posts in clear text over a network.
func (n *Notifier) Insecure() bool { return Insecure(n.u) }

// Payload types: the "type" of every body, so that one receiver can route
// the alerts of several sources.
const (
	TypeSafeAlert      = watch.AlertKind
	TypeScreeningAlert = screening.AlertKind
	TypeTraceAlert     = tracing.AlertKind
)

// TracePayload is the JSON body of a trace alert (TraceAlertBodies): a
// TRACE_DEPOSIT or a TRACE_ALERT_RETRACTED.
type TracePayload struct {
	// Type is TypeTraceAlert.
	Type string `json:"type"`
	// ID is the stored alert's id: with Type, the alert's stable identity
	// for receivers to deduplicate on.
	ID    int64          `json:"id"`
	Time  time.Time      `json:"time"`
	Alert TraceAlertBody `json:"alert"`
}

// TraceAlertBody is a tracing.StoredAlert as posted: without its delivery
// state.
type TraceAlertBody struct {
	tracing.StoredAlert
	// Delivery hides the alert's own; it is always nil.
	Delivery *struct{} `json:"delivery,omitempty"`
}

// NewTracePayload returns the payload of a stored trace alert.
func NewTracePayload(a tracing.StoredAlert) TracePayload {
	a.Time, a.Delivery = a.Time.UTC(), tracing.AlertDelivery{}
	return TracePayload{Type: TypeTraceAlert, ID: a.ID, Time: a.Time, Alert: TraceAlertBody{StoredAlert: a}}
}

// Payload is the JSON body of a Safe alert (SafeAlertBodies).
type Payload struct {
	// Type is TypeSafeAlert.
	Type string `json:"type"`
	// ID is the stored alert's id: with Type, the alert's stable identity
	// for receivers to deduplicate on.
	ID    int64       `json:"id"`
	Time  time.Time   `json:"time"`
	Alert watch.Alert `json:"alert"`
}

// ScreeningPayload is the JSON body of a screening watch alert
// (ScreeningAlertBodies).
type ScreeningPayload struct {
	// Type is TypeScreeningAlert.
	Type string `json:"type"`
	// ID is the stored alert's id: with Type, the alert's stable identity
	// for receivers to deduplicate on.
	ID    int64              `json:"id"`
	Time  time.Time          `json:"time"`
	Alert ScreeningAlertBody `json:"alert"`
}

// ScreeningAlertBody is a screening.Alert as posted: without its delivery
// state, which the receiver's answer is about to change. Its "result" holds
// the decision that raised it, as stored.
type ScreeningAlertBody struct {
	screening.Alert
	// Delivery hides the alert's own; it is always nil.
	Delivery *struct{} `json:"delivery,omitempty"`
}

// NewScreeningPayload returns the payload of a stored screening alert.
func NewScreeningPayload(a screening.Alert) ScreeningPayload {
	a.Time, a.Delivery = a.Time.UTC(), screening.AlertDelivery{}
	return ScreeningPayload{Type: TypeScreeningAlert, ID: a.ID, Time: a.Time, Alert: ScreeningAlertBody{Alert: a}}
}

// Delivery is where the delivery of one POST stands (the state a store
// records on the alert).
type Delivery = watch.AlertDelivery

// Sign returns the X-Bulwark-Signature value of body sent at Unix time ts:
// "sha256=" and the hex HMAC-SHA256 of ts, ".", body.
func Sign(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verification errors.
var (
	ErrBadSignature = errors.New("webhook: signature does not match")
	ErrBadTimestamp = errors.New("webhook: missing or malformed timestamp")
	ErrStale        = errors.New("webhook: timestamp too far from now (replayed, or clocks disagree)")
	ErrTooLarge     = errors.New("webhook: body too large")
)

// Verify checks a received request, for receivers written in Go: signature
// and timestamp are the X-Bulwark-Signature and X-Bulwark-Timestamp
// headers, body the raw body. A timestamp more than maxAge away from now
// (either way) is ErrStale; the signature is compared in constant time.
func Verify(secret []byte, signature, timestamp string, body []byte, now time.Time, maxAge time.Duration) error {
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil || ts <= 0 {
		return ErrBadTimestamp
	}
	if d := now.Sub(time.Unix(ts, 0)); d > maxAge || d < -maxAge {
		return ErrStale
	}
	want := Sign(secret, ts, body)
	if !hmac.Equal([]byte(want), []byte(strings.TrimSpace(signature))) {
		return ErrBadSignature
	}
	return nil
}

// VerifyRequest reads r's body (at most maxBody bytes) and checks it with
// Verify against the current time. It returns the body, to be decoded only
// when the error is nil.
func VerifyRequest(r *http.Request, secret []byte, maxAge time.Duration, maxBody int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > maxBody {
		return nil, ErrTooLarge
	}
	return body, Verify(secret, r.Header.Get(HeaderSignature), r.Header.Get(HeaderTimestamp), body, time.Now(), maxAge)
}

// Send posts body (JSON, sent as is and signed) to the receiver, retrying
// transient failures, and returns the delivery state to record:
// DeliveredAt set on a 2xx answer, Attempts the POSTs made, LastError why
// the last one failed. It gives up early when ctx ends. logAttrs (key,
// value pairs naming what is sent) are added to its log lines.
func (n *Notifier) Send(ctx context.Context, body []byte, logAttrs ...any) Delivery {
	var d Delivery
	for {
		d.Attempts++
		retry, wait, err := n.post(ctx, body)
		if err == nil {
			at := n.opt.Now().UTC()
			d.DeliveredAt, d.LastError = &at, ""
			return d
		}
		d.LastError = err.Error()
		if !retry || d.Attempts >= n.opt.MaxAttempts || ctx.Err() != nil {
			if n.opt.Logger != nil {
				n.opt.Logger.Warn("webhook delivery failed", append(append([]any{"url", n.redacted}, logAttrs...), "attempts", d.Attempts, "err", d.LastError)...)
			}
			return d
		}
		if wait <= 0 {
			wait = n.opt.RetryBase << min(d.Attempts-1, 20)
		}
		wait = min(wait, n.opt.RetryMax)
		if n.opt.Logger != nil {
			n.opt.Logger.Info("webhook delivery failed; retrying", append(append([]any{"url", n.redacted}, logAttrs...), "attempt", d.Attempts, "wait", wait, "err", d.LastError)...)
		}
		if !bulwark.Sleep(ctx, wait) {
			return d
		}
	}
}

// post makes one attempt. It reports whether a failure is worth retrying
// and, for a 429 or 5xx with Retry-After in seconds, how long the receiver
// asked to wait.
func (n *Notifier) post(ctx context.Context, body []byte) (retry bool, wait time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, n.opt.Timeout)
	defer cancel()
	ts := n.opt.Now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.u.String(), bytes.NewReader(body))
	if err != nil {
		return false, 0, fmt.Errorf("POST %s: cannot build the request", n.redacted)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "bulwark-webhook/1")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(n.opt.Secret, ts, body))
	resp, err := n.opt.Client.Do(req)
	if err != nil {
		cause := err
		var ue *url.Error
		if errors.As(err, &ue) {
			cause = ue.Err // a url.Error repeats the URL, user-info included
		}
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(cause) {
			return true, 0, fmt.Errorf("POST %s: no answer within %s", n.redacted, n.opt.Timeout)
		}
		return true, 0, fmt.Errorf("POST %s: %v", n.redacted, cause)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, 0, nil
	}
	err = fmt.Errorf("POST %s: HTTP %s", n.redacted, resp.Status)
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s > 0 {
			wait = time.Duration(min(s, 86400)) * time.Second
		}
		return true, wait, err
	}
	return false, 0, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
