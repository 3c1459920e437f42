package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/webhook"
)

const secret = "s3cr3t-hmac-key-never-shown"

var alert = watch.StoredAlert{ID: 7, Time: time.Date(2025, 2, 21, 14, 13, 35, 0, time.UTC), Alert: watch.Alert{
	Block: 21895238, BlockHash: "0x" + strings.Repeat("ab", 32), Safe: "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4",
	Code: policy.CodeMasterCopyChange, Severity: policy.SeverityCritical, Message: "singleton changed",
	Kind: onchain.ChangeSingleton, Before: "0x34CfAC646f301356fAa8B21e94227e3583Fe3F5F", After: "0xbDd077f651EBe7f7b3cE16fe5F2b025BE2969516"}}

// receiver answers with the statuses in order (the last one repeated)
// and keeps what it received.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	delay    time.Duration
	calls    int
	bodies   [][]byte
	headers  []http.Header
	verified []error
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := webhook.VerifyRequest(r, []byte(secret), webhook.DefaultMaxAge, 1<<20)
	rc.mu.Lock()
	i := min(rc.calls, len(rc.statuses)-1)
	rc.calls++
	rc.bodies = append(rc.bodies, body)
	rc.headers = append(rc.headers, r.Header.Clone())
	rc.verified = append(rc.verified, err)
	status, delay := rc.statuses[i], rc.delay
	rc.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
	}
	w.WriteHeader(status)
}

func newNotifier(t *testing.T, u string, logs io.Writer, opt webhook.Options) *webhook.Notifier {
	t.Helper()
	opt.URL, opt.Secret = u, []byte(secret)
	if opt.RetryBase == 0 {
		opt.RetryBase = time.Millisecond
	}
	if opt.RetryMax == 0 {
		opt.RetryMax = 5 * time.Millisecond
	}
	if logs != nil {
		opt.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	n, err := webhook.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// safeStore holds one stored Safe alert.
type safeStore struct{ a watch.StoredAlert }

func (s safeStore) SaveAlert(context.Context, watch.Alert) (int64, error) {
	return 0, errors.New("read only")
}
func (s safeStore) Alerts(_ context.Context, f watch.AlertFilter) ([]watch.StoredAlert, error) {
	if f.SinceID < s.a.ID {
		return []watch.StoredAlert{s.a}, nil
	}
	return []watch.StoredAlert{}, nil
}

// screenStore holds one stored screening alert.
type screenStore struct{ a screening.Alert }

func (s screenStore) ScreenAlerts(_ context.Context, sinceID int64, _ int) ([]screening.Alert, error) {
	if sinceID < s.a.ID {
		return []screening.Alert{s.a}, nil
	}
	return []screening.Alert{}, nil
}

func safeMessage(id int64) outbox.Message {
	return outbox.Message{ID: 1, Kind: watch.AlertKind, Ref: id}
}

// TestSenderAttempt: one POST per attempt, and what its failure tells the
// outbox: 429, 5xx, network errors and timeouts are transient (with the
// receiver's Retry-After), any other answer permanent.
func TestSenderAttempt(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		delay      time.Duration
		opt        webhook.Options
		permanent  bool
		wait       time.Duration
		errHas     string // "" for a delivery
	}{
		{"200", 200, "", 0, webhook.Options{}, false, 0, ""},
		{"204 is a success", 204, "", 0, webhook.Options{}, false, 0, ""},
		{"500 is transient", 500, "", 0, webhook.Options{}, false, 0, "HTTP 500"},
		{"429 with Retry-After", 429, "120", 0, webhook.Options{}, false, 120 * time.Second, "HTTP 429"},
		{"503 with a Retry-After date is ignored", 503, "Wed, 21 Oct 2015 07:28:00 GMT", 0, webhook.Options{}, false, 0, "HTTP 503"},
		{"400 is permanent", 400, "", 0, webhook.Options{}, true, 0, "HTTP 400"},
		{"401 is permanent", 401, "", 0, webhook.Options{}, true, 0, "HTTP 401"},
		{"redirect is not followed", 302, "", 0, webhook.Options{}, true, 0, "HTTP 302"},
		{"slow receiver times out", 200, "", 2 * time.Second, webhook.Options{Timeout: 50 * time.Millisecond}, false, 0, "no answer within 50ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, err := webhook.VerifyRequest(r, []byte(secret), webhook.DefaultMaxAge, 1<<20)
				if err != nil {
					http.Error(w, err.Error(), http.StatusUnauthorized)
					return
				}
				if tt.delay > 0 {
					select {
					case <-time.After(tt.delay):
					case <-r.Context().Done():
					}
				}
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			s := webhook.NewSender(newNotifier(t, srv.URL+"/hook", nil, tt.opt), map[string]webhook.Body{watch.AlertKind: webhook.SafeAlertBodies(safeStore{alert})})
			err := s.Send(context.Background(), safeMessage(alert.ID))
			if tt.errHas == "" {
				if err != nil {
					t.Fatalf("Send = %v", err)
				}
				return
			}
			var se *outbox.SendError
			if !errors.As(err, &se) || se.Permanent != tt.permanent || se.RetryAfter != tt.wait || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("Send = %#v, want permanent %v, retry after %v, error with %q", err, tt.permanent, tt.wait, tt.errHas)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "/hook") {
				t.Errorf("the error names more than the receiver's scheme and host: %v", err)
			}
		})
	}
	t.Run("unknown kind and missing alert are permanent", func(t *testing.T) {
		s := webhook.NewSender(newNotifier(t, "http://127.0.0.1:1", nil, webhook.Options{}), map[string]webhook.Body{watch.AlertKind: webhook.SafeAlertBodies(safeStore{alert})})
		for _, m := range []outbox.Message{{Kind: "trace.alert", Ref: 1}, safeMessage(alert.ID + 1)} {
			var se *outbox.SendError
			if err := s.Send(context.Background(), m); !errors.As(err, &se) || !se.Permanent {
				t.Errorf("Send(%s) = %v, want a permanent failure", m.Key(), err)
			}
		}
		if k := s.Kinds(); len(k) != 1 || k[0] != watch.AlertKind {
			t.Errorf("Kinds = %v", k)
		}
	})
}

// TestSignatureFormat checks the documented recipe independently of Verify.
func TestSignatureFormat(t *testing.T) {
	rc := &receiver{statuses: []int{200}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	now := time.Unix(1740147215, 0)
	n := newNotifier(t, srv.URL, nil, webhook.Options{Now: func() time.Time { return now }})
	if d := n.Send(context.Background(), []byte(`{"type":"safe.alert","id":7}`)); d.DeliveredAt == nil {
		t.Fatalf("not delivered: %+v", d)
	}
	h := rc.headers[0]
	if h.Get(webhook.HeaderTimestamp) != "1740147215" {
		t.Fatalf("timestamp %q", h.Get(webhook.HeaderTimestamp))
	}
	want := webhook.Sign([]byte(secret), 1740147215, rc.bodies[0])
	if got := h.Get(webhook.HeaderSignature); got != want || !strings.HasPrefix(got, "sha256=") || len(got) != len("sha256=")+64 {
		t.Fatalf("signature %q, want %q", got, want)
	}
	// A fixed vector, computed independently: HMAC-SHA256("key", "1.{}").
	if got := webhook.Sign([]byte("key"), 1, []byte("{}")); got != "sha256=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224" {
		t.Errorf("Sign(key, 1, {}) = %s", got)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"id":1}`)
	now := time.Unix(1740147215, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := webhook.Sign([]byte(secret), now.Unix(), body)
	tests := []struct {
		name    string
		secret  string
		sig, ts string
		body    []byte
		now     time.Time
		want    error
	}{
		{"valid", secret, sig, ts, body, now, nil},
		{"valid within max age", secret, sig, ts, body, now.Add(4 * time.Minute), nil},
		{"other secret", "other", sig, ts, body, now, webhook.ErrBadSignature},
		{"body changed", secret, sig, ts, []byte(`{"id":2}`), now, webhook.ErrBadSignature},
		{"timestamp changed", secret, sig, strconv.FormatInt(now.Unix()+1, 10), body, now, webhook.ErrBadSignature},
		{"no prefix", secret, strings.TrimPrefix(sig, "sha256="), ts, body, now, webhook.ErrBadSignature},
		{"empty signature", secret, "", ts, body, now, webhook.ErrBadSignature},
		{"old timestamp", secret, sig, ts, body, now.Add(6 * time.Minute), webhook.ErrStale},
		{"future timestamp", secret, sig, ts, body, now.Add(-6 * time.Minute), webhook.ErrStale},
		{"missing timestamp", secret, sig, "", body, now, webhook.ErrBadTimestamp},
		{"malformed timestamp", secret, sig, "12a", body, now, webhook.ErrBadTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := webhook.Verify([]byte(tt.secret), tt.sig, tt.ts, tt.body, tt.now, webhook.DefaultMaxAge); !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		url, secret string
		ok          bool
		insecure    bool
	}{
		{"https://hooks.example.com/bulwark", secret, true, false},
		{"http://127.0.0.1:9000/x", secret, true, false},
		{"http://[::1]:9000/x", secret, true, false},
		{"http://localhost/x", secret, true, false},
		{"http://hooks.example.com/x", secret, true, true},
		{"http://10.0.0.5/x", secret, true, true},
		{"ftp://hooks.example.com/x", secret, false, false},
		{"hooks.example.com/x", secret, false, false},
		{"https://", secret, false, false},
		{"https://hooks.example.com/x", "", false, false},
	}
	for _, tt := range tests {
		n, err := webhook.New(webhook.Options{URL: tt.url, Secret: []byte(tt.secret)})
		if (err == nil) != tt.ok {
			t.Errorf("New(%q) = %v", tt.url, err)
			continue
		}
		if err != nil {
			if bulwark.ErrorCode(err) != bulwark.EINVALID || strings.Contains(err.Error(), secret) {
				t.Errorf("New(%q) error %v", tt.url, err)
			}
			continue
		}
		if n.Insecure() != tt.insecure {
			t.Errorf("%s: Insecure = %v", tt.url, n.Insecure())
		}
	}
}

// TestNoSecretsInErrors: network failures name the URL as scheme://host
// only (a Slack-style webhook keeps its secret in the path), and never the
// HMAC secret.
func TestNoSecretsInErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u, _ := url.Parse(srv.URL)
	srv.Close() // connection refused from now on
	var logs bytes.Buffer
	n := newNotifier(t, "http://user:hunter2@"+u.Host+"/hooks/T000/SECRETPATH?token=qtoken", &logs, webhook.Options{MaxAttempts: 2})
	d := n.Send(context.Background(), []byte(`{}`))
	if d.DeliveredAt != nil || d.Attempts != 2 || d.LastError == "" {
		t.Fatalf("delivery %+v", d)
	}
	for _, leak := range []string{secret, "hunter2", "qtoken", "user:", "SECRETPATH", "T000"} {
		if strings.Contains(d.LastError, leak) || strings.Contains(logs.String(), leak) {
			t.Errorf("%q leaked: error %q, logs %q", leak, d.LastError, logs.String())
		}
	}
	if !strings.Contains(d.LastError, u.Host+"/…") || n.URL() != "http://"+u.Host+"/…" {
		t.Errorf("error %q and URL %q should name the redacted URL", d.LastError, n.URL())
	}
}

// TestSendStopsWithContext: a cancelled context ends the retries.
func TestSendStopsWithContext(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(503)
	}))
	defer srv.Close()
	n := newNotifier(t, srv.URL, nil, webhook.Options{MaxAttempts: 100, RetryBase: time.Hour, RetryMax: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for calls.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	d := n.Send(ctx, []byte(`{}`))
	// The cancel races with reading the 503, so the last error is either the
	// 503 or the cancellation; what matters is that no retry followed.
	if d.DeliveredAt != nil || d.Attempts != 1 || calls.Load() != 1 ||
		!(strings.Contains(d.LastError, "503") || strings.Contains(d.LastError, "context canceled")) {
		t.Fatalf("delivery %+v after %d calls", d, calls.Load())
	}
}

// TestSend: any body is posted byte for byte, signed over exactly those
// bytes, retried on 5xx; the log lines carry the caller's
// attributes and never the secret.
func TestSend(t *testing.T) {
	rc := &receiver{statuses: []int{503, 200}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	var logs bytes.Buffer
	n := newNotifier(t, srv.URL+"/hook", &logs, webhook.Options{})
	body := []byte(`{"type":"custom.event", "x": [1, 2]}` + "\n")
	d := n.Send(context.Background(), body, "event", "e-1")
	if d.DeliveredAt == nil || d.Attempts != 2 || d.LastError != "" {
		t.Fatalf("delivery %+v, want delivered after 2 attempts", d)
	}
	rc.mu.Lock()
	if rc.calls != 2 {
		t.Fatalf("receiver saw %d POSTs", rc.calls)
	}
	for i := range rc.calls {
		if rc.verified[i] != nil || !bytes.Equal(rc.bodies[i], body) {
			t.Errorf("POST %d: %v, body %q", i+1, rc.verified[i], rc.bodies[i])
		}
		if ct := rc.headers[i].Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
	}
	rc.statuses, rc.calls = []int{410}, 0
	rc.mu.Unlock()
	if !strings.Contains(logs.String(), "event=e-1") || !strings.Contains(logs.String(), "HTTP 503") || strings.Contains(logs.String(), secret) {
		t.Errorf("logs %q", logs.String())
	}

	// A permanent failure: one attempt, the reason recorded.
	d = n.Send(context.Background(), body)
	if d.DeliveredAt != nil || d.Attempts != 1 || !strings.Contains(d.LastError, "HTTP 410") {
		t.Errorf("delivery %+v, want one failed attempt naming HTTP 410", d)
	}
}

// TestPayloadTypes: every body names its type, so that one receiver can
// route Safe and screening alerts; a screening alert carries its decision
// ("result") as stored and not its delivery state.
func TestPayloadTypes(t *testing.T) {
	rc := &receiver{statuses: []int{200}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	n := newNotifier(t, srv.URL, nil, webhook.Options{})
	at := time.Date(2026, 3, 1, 9, 0, 0, 5, time.FixedZone("CET", 3600))
	delivered := at.Add(time.Hour)
	sa := screening.Alert{ID: 12, Time: at, WatchID: 4, Subject: "customer-42", Kind: screening.KindName, Verdict: bulwark.VerdictBlock,
		DecisionID: "dec_0123456789ab0123456789ab", Body: json.RawMessage(`{"decisionId":"dec_0123456789ab0123456789ab","matches":[{"entityId":"ofac-sdn:99001","score":1}]}`),
		Key: "k", Delivery: screening.AlertDelivery{DeliveredAt: &delivered, Attempts: 3, LastError: "earlier failure"}}
	sender := webhook.NewSender(n, map[string]webhook.Body{
		watch.AlertKind:     webhook.SafeAlertBodies(safeStore{alert}),
		screening.AlertKind: webhook.ScreeningAlertBodies(screenStore{sa}),
	})
	for _, m := range []outbox.Message{safeMessage(alert.ID), {Kind: screening.AlertKind, Ref: sa.ID}} {
		if err := sender.Send(context.Background(), m); err != nil {
			t.Fatalf("Send(%s) = %v", m.Key(), err)
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bodies) != 2 || rc.verified[0] != nil || rc.verified[1] != nil {
		t.Fatalf("received %d bodies, verified %v", len(rc.bodies), rc.verified)
	}

	var safeBody map[string]json.RawMessage
	if err := json.Unmarshal(rc.bodies[0], &safeBody); err != nil || string(safeBody["type"]) != `"safe.alert"` || string(safeBody["id"]) != "7" {
		t.Errorf("Safe alert body %s: %v", rc.bodies[0], err)
	}
	var p webhook.Payload
	if err := json.Unmarshal(rc.bodies[0], &p); err != nil || p.Type != webhook.TypeSafeAlert || p.Alert != alert.Alert {
		t.Errorf("Safe payload %+v: %v", p, err)
	}

	var got struct {
		Type  string                     `json:"type"`
		ID    int64                      `json:"id"`
		Time  time.Time                  `json:"time"`
		Alert map[string]json.RawMessage `json:"alert"`
	}
	if err := json.Unmarshal(rc.bodies[1], &got); err != nil {
		t.Fatalf("screening body %s: %v", rc.bodies[1], err)
	}
	if webhook.TypeScreeningAlert != "screening.alert" || webhook.TypeSafeAlert != "safe.alert" {
		t.Errorf("types %q, %q", webhook.TypeScreeningAlert, webhook.TypeSafeAlert)
	}
	if got.Type != webhook.TypeScreeningAlert || got.ID != 12 || !got.Time.Equal(at) || got.Time.Location() != time.UTC {
		t.Errorf("screening payload %+v", got)
	}
	if string(got.Alert["watchId"]) != "4" || string(got.Alert["id"]) != "12" || string(got.Alert["verdict"]) != `"block"` ||
		string(got.Alert["subject"]) != `"customer-42"` || string(got.Alert["decisionId"]) != `"dec_0123456789ab0123456789ab"` {
		t.Errorf("screening alert %s", rc.bodies[1])
	}
	if string(got.Alert["result"]) != string(sa.Body) {
		t.Errorf("result %s, want the stored decision %s", got.Alert["result"], sa.Body)
	}
	for _, k := range []string{"delivery", "key", "Key"} {
		if _, ok := got.Alert[k]; ok {
			t.Errorf("the posted alert holds %q: %s", k, rc.bodies[1])
		}
	}
	if !strings.HasPrefix(string(rc.bodies[1]), `{"type":"screening.alert",`) || !strings.HasPrefix(string(rc.bodies[0]), `{"type":"safe.alert",`) {
		t.Errorf("type is not the first key: %s / %s", rc.bodies[0], rc.bodies[1])
	}
	// Go receivers decode it with ScreeningPayload.
	var sp webhook.ScreeningPayload
	if err := json.Unmarshal(rc.bodies[1], &sp); err != nil || sp.Alert.WatchID != 4 || sp.Alert.Delivery != nil || sp.Alert.Alert.Delivery != (screening.AlertDelivery{}) {
		t.Errorf("ScreeningPayload %+v: %v", sp, err)
	}
}

// traceStore holds one stored trace alert.
type traceStore struct{ a tracing.StoredAlert }

func (s traceStore) TraceAlerts(_ context.Context, f tracing.AlertFilter) ([]tracing.StoredAlert, error) {
	if f.SinceID < s.a.ID {
		return []tracing.StoredAlert{s.a}, nil
	}
	return []tracing.StoredAlert{}, nil
}

// TestTracePayload: a trace alert is posted as "trace.alert" with its id,
// its transfer and taint, and without its delivery state; an id that is
// not stored is a permanent failure.
func TestTracePayload(t *testing.T) {
	rc := &receiver{statuses: []int{200}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	at := time.Date(2026, 12, 7, 3, 10, 0, 5, time.FixedZone("CET", 3600))
	li := uint32(4)
	a := tracing.StoredAlert{ID: 12, Time: at, Code: tracing.CodeDeposit, Severity: tracing.SeverityCritical, Follow: "case:3", Message: "tainted",
		Alert: tracing.Alert{Deposit: common.Address{0xde}, Label: "hot", TxHash: common.Hash{0x7a}, Block: 99, Asset: "erc20:1:0xdac17f958d2ee523a2206206994597c13d831ec7",
			Amount: "10", Taint: "7", Threshold: "5", Policy: tracing.Haircut, Chain: 1, BlockHash: common.Hash{0xbb}, Kind: tracing.TokenTransfer, LogIndex: &li},
		Delivery: tracing.AlertDelivery{Attempts: 2, LastError: "earlier"}}
	sender := webhook.NewSender(newNotifier(t, srv.URL, nil, webhook.Options{}), map[string]webhook.Body{tracing.AlertKind: webhook.TraceAlertBodies(traceStore{a})})
	if err := sender.Send(context.Background(), outbox.Message{Kind: tracing.AlertKind, Ref: 12}); err != nil {
		t.Fatal(err)
	}
	var se *outbox.SendError
	if err := sender.Send(context.Background(), outbox.Message{Kind: tracing.AlertKind, Ref: 13}); !errors.As(err, &se) || !se.Permanent {
		t.Errorf("unknown alert: %v, want a permanent failure", err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bodies) != 1 {
		t.Fatalf("received %d bodies", len(rc.bodies))
	}
	var got struct {
		Type  string                     `json:"type"`
		ID    int64                      `json:"id"`
		Time  time.Time                  `json:"time"`
		Alert map[string]json.RawMessage `json:"alert"`
	}
	if err := json.Unmarshal(rc.bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != "trace.alert" || got.ID != 12 || got.Time.Location() != time.UTC || !got.Time.Equal(at) {
		t.Errorf("payload %s", rc.bodies[0])
	}
	for k, want := range map[string]string{"code": `"TRACE_DEPOSIT"`, "follow": `"case:3"`, "block": "99", "taint": `"7"`, "logIndex": "4",
		"policy": `"haircut"`, "kind": `"token"`, "asset": `"erc20:1:0xdac17f958d2ee523a2206206994597c13d831ec7"`} {
		if string(got.Alert[k]) != want {
			t.Errorf("alert[%s] = %s, want %s", k, got.Alert[k], want)
		}
	}
	if _, ok := got.Alert["delivery"]; ok {
		t.Errorf("the posted alert holds its delivery: %s", rc.bodies[0])
	}
	var p webhook.TracePayload
	if err := json.Unmarshal(rc.bodies[0], &p); err != nil || p.Alert.Taint != "7" || p.Alert.Deposit != a.Deposit {
		t.Errorf("TracePayload %+v: %v", p, err)
	}
}

// inboxStore holds one inbox item.
type inboxStore struct{ it inbox.Item }

func (s inboxStore) InboxItem(_ context.Context, id int64) (inbox.Item, error) {
	if id != s.it.ID {
		return inbox.Item{}, bulwark.Errorf(bulwark.ENOTFOUND, "no alert %d", id)
	}
	return s.it, nil
}

// TestEscalationPayload: an escalation is posted as "alert.escalation"
// with the inbox item's id, the time it was escalated and the item; an
// item that is gone is a permanent failure.
func TestEscalationPayload(t *testing.T) {
	rc := &receiver{statuses: []int{200}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	raised := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	escalated := raised.Add(20 * time.Minute)
	it := inbox.Item{ID: 5, Kind: inbox.KindSafe, Ref: "9", Time: raised, Severity: inbox.Critical, Subject: "0xabc", Message: "singleton changed",
		Evidence: inbox.SafeEvidence(9), State: inbox.Open, EscalatedAt: &escalated}
	sender := webhook.NewSender(newNotifier(t, srv.URL, nil, webhook.Options{}), map[string]webhook.Body{inbox.EscalationKind: webhook.EscalationBodies(inboxStore{it})})
	if err := sender.Send(context.Background(), outbox.Message{Kind: inbox.EscalationKind, Ref: 5}); err != nil {
		t.Fatal(err)
	}
	var se *outbox.SendError
	if err := sender.Send(context.Background(), outbox.Message{Kind: inbox.EscalationKind, Ref: 6}); !errors.As(err, &se) || !se.Permanent {
		t.Errorf("missing item: %v, want a permanent failure", err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bodies) != 1 {
		t.Fatalf("received %d bodies", len(rc.bodies))
	}
	var got webhook.EscalationPayload
	if err := json.Unmarshal(rc.bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != "alert.escalation" || got.ID != 5 || !got.Time.Equal(escalated) || got.Alert.Kind != inbox.KindSafe || got.Alert.Severity != inbox.Critical ||
		got.Alert.Evidence != "/api/v1/safe/alerts?since=8&limit=1" {
		t.Errorf("payload %s", rc.bodies[0])
	}
}
