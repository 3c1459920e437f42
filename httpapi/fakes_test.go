package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
)

// memTokens is an in-memory auth.TokenStore for the HTTP tests. The real
// store (sqlite) has its own tests; this fake follows the interface's
// contract: ENOTFOUND for a missing id, ECONFLICT for a duplicate id or name.
type memTokens struct {
	mu      sync.Mutex
	byID    map[string]*auth.Token
	byName  map[string]bool
	order   []string
	panicky bool // TokenByID panics, to test recovery
}

func newMemTokens() *memTokens {
	return &memTokens{byID: map[string]*auth.Token{}, byName: map[string]bool{}}
}

func cloneToken(t *auth.Token) *auth.Token {
	c := *t
	c.Hash = append([]byte(nil), t.Hash...)
	for _, p := range []**time.Time{&c.ExpiresAt, &c.LastUsedAt, &c.RevokedAt} {
		if *p != nil {
			v := **p
			*p = &v
		}
	}
	return &c
}

func (m *memTokens) CreateToken(_ context.Context, t *auth.Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[t.ID]; ok {
		return bulwark.Errorf(bulwark.ECONFLICT, "token id %s exists", t.ID)
	}
	if m.byName[t.Name] {
		return bulwark.Errorf(bulwark.ECONFLICT, "a token named %q exists", t.Name)
	}
	m.byID[t.ID] = cloneToken(t)
	m.byName[t.Name] = true
	m.order = append(m.order, t.ID)
	return nil
}

func (m *memTokens) TokenByID(_ context.Context, id string) (*auth.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.panicky {
		panic("memTokens: simulated bug in the token store")
	}
	t, ok := m.byID[id]
	if !ok {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no token %s", id)
	}
	return cloneToken(t), nil
}

func (m *memTokens) ListTokens(context.Context) ([]*auth.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*auth.Token, 0, len(m.order))
	for _, id := range m.order {
		out = append(out, cloneToken(m.byID[id]))
	}
	return out, nil
}

func (m *memTokens) RevokeToken(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.byID[id]
	if !ok {
		return bulwark.Errorf(bulwark.ENOTFOUND, "no token %s", id)
	}
	if t.RevokedAt == nil {
		t.RevokedAt = &at
	}
	return nil
}

func (m *memTokens) TouchToken(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.byID[id]; ok {
		t.LastUsedAt = &at
	}
	return nil
}

func (m *memTokens) CountTokens(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byID), nil
}

func (m *memTokens) setPanicky(v bool) {
	m.mu.Lock()
	m.panicky = v
	m.mu.Unlock()
}

// memAudit is an in-memory audit.Store that serialises appends as the
// contract asks. failAppend makes every append fail.
type memAudit struct {
	mu         sync.Mutex
	entries    []*audit.Entry
	head       audit.Head
	failAppend error
	// slowReads makes AuditEntries wait for its context to end.
	slowReads bool
}

func newMemAudit() *memAudit { return &memAudit{head: audit.Head{Hash: audit.GenesisHash}} }

func (m *memAudit) AppendAudit(_ context.Context, build func(audit.Head) (*audit.Entry, error)) (*audit.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failAppend != nil {
		return nil, m.failAppend
	}
	e, err := build(m.head)
	if err != nil {
		return nil, err
	}
	c := *e
	m.entries = append(m.entries, &c)
	m.head = audit.Head{Seq: e.Seq, Hash: e.Hash}
	return e, nil
}

func (m *memAudit) AuditEntries(ctx context.Context, after int64, limit int) ([]*audit.Entry, error) {
	m.mu.Lock()
	slow := m.slowReads
	m.mu.Unlock()
	if slow {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*audit.Entry
	for _, e := range m.entries {
		if e.Seq > after && len(out) < limit {
			c := *e
			out = append(out, &c)
		}
	}
	return out, nil
}

func (m *memAudit) AuditHead(context.Context) (audit.Head, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.head, nil
}

func (m *memAudit) all() []*audit.Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*audit.Entry(nil), m.entries...)
}

func (m *memAudit) setFail(err error) {
	m.mu.Lock()
	m.failAppend = err
	m.mu.Unlock()
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a Server over the fakes with a set of tokens: "admin", "analyst",
// "viewer", plus "revoked" (a revoked admin token) and "expired" (an admin
// token past its TTL). None of the set-up writes audit entries.
type env struct {
	t       testing.TB
	srv     *Server
	tokens  *memTokens
	audit   *memAudit
	log     *audit.Log
	clock   *clock
	logs    *syncBuffer
	secrets map[string]string
	ids     map[string]string
}

func newEnv(t testing.TB, configure func(*Config)) *env {
	t.Helper()
	e := &env{
		t:       t,
		tokens:  newMemTokens(),
		audit:   newMemAudit(),
		clock:   &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		logs:    &syncBuffer{},
		secrets: map[string]string{},
		ids:     map[string]string{},
	}
	svc := &auth.Service{Store: e.tokens, Now: e.clock.Now}
	e.log = &audit.Log{Store: e.audit, Now: e.clock.Now}
	ctx := context.Background()
	add := func(name string, role auth.Role, ttl time.Duration) {
		secret, tok, err := svc.Create(ctx, name, role, auth.CreateOptions{CreatedBy: "test", TTL: ttl})
		if err != nil {
			t.Fatalf("create token %s: %v", name, err)
		}
		e.secrets[name], e.ids[name] = secret, tok.ID
	}
	add("expired", auth.RoleAdmin, time.Hour)
	e.clock.Advance(2 * time.Hour)
	add("admin", auth.RoleAdmin, 0)
	add("analyst", auth.RoleAnalyst, 0)
	add("viewer", auth.RoleViewer, 0)
	add("revoked", auth.RoleAdmin, 0)
	if _, err := svc.Revoke(ctx, e.ids["revoked"]); err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Logger:  slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Auth:    svc,
		Audit:   e.log,
		Version: "test-1.0",
	}
	if configure != nil {
		configure(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.srv = srv
	return e
}

// expand replaces {name} with the secret of token name and {name.id} with
// its id.
func (e *env) expand(s string) string {
	for name, secret := range e.secrets {
		s = strings.ReplaceAll(s, "{"+name+".id}", e.ids[name])
		s = strings.ReplaceAll(s, "{"+name+"}", secret)
	}
	return s
}

// do serves one request through the full handler.
func (e *env) do(method, path string, headers map[string]string, body string) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(e.expand(body))
	}
	req := httptest.NewRequest(method, e.expand(path), rd)
	req.RemoteAddr = "192.0.2.10:40000"
	for k, v := range headers {
		if k == "RemoteAddr" {
			req.RemoteAddr = v
			continue
		}
		req.Header.Set(k, e.expand(v))
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	return rec
}

// bearerFor returns the Authorization header of token name.
func bearerFor(name string) map[string]string {
	return map[string]string{"Authorization": "Bearer {" + name + "}"}
}

// jsonHeaders is bearerFor plus a JSON Content-Type.
func jsonHeaders(name string) map[string]string {
	h := bearerFor(name)
	h["Content-Type"] = "application/json"
	return h
}

// decodeError reads an error body.
func decodeErrorBody(t testing.TB, body []byte) ErrorDetail {
	t.Helper()
	var eb ErrorBody
	if err := json.Unmarshal(body, &eb); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, body)
	}
	return eb.Error
}

// mustStatus fails unless rec has the given status.
func mustStatus(t testing.TB, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status %d, want %d; body %s", rec.Code, want, rec.Body.String())
	}
}
