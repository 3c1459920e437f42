package httpapi

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/internal/syncbuf"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

// openStore opens a fresh SQLite store in t.TempDir() (a copy of one
// migrated once per test binary), closed when t ends. The tests run over
// it rather than over fakes, so that what they check (rollback of a change
// whose audit entry fails, the hash chain, token lookups) is what the
// server does over its real store.
func openStore(t testing.TB) *sqlite.DB {
	t.Helper()
	return sqlitetest.Open(t, sqlite.Options{})
}

// Failure injection: each wrapper embeds the real store and overrides one
// method. A scenario installs one through its configure function, wrapping
// the store the Config already holds.

// panickyTokens is a token store whose TokenByID panics while panicking is
// set, to test recovery.
type panickyTokens struct {
	auth.TokenStore
	panicking atomic.Bool
}

func (p *panickyTokens) TokenByID(ctx context.Context, id string) (*auth.Token, error) {
	if p.panicking.Load() {
		panic("panickyTokens: simulated bug in the token store")
	}
	return p.TokenStore.TokenByID(ctx, id)
}

// failingAppend is an audit store whose appends fail after the change was
// made: it runs the real build inside the real transaction (so the change is
// written through the context bound to it), then fails with err as if the
// entry could not be written. The real store rolls back both.
type failingAppend struct {
	audit.Store
	err error
}

func (f failingAppend) AppendAudit(ctx context.Context, build func(context.Context, audit.Head) (*audit.Entry, error)) (*audit.Entry, error) {
	return f.Store.AppendAudit(ctx, func(ctx context.Context, head audit.Head) (*audit.Entry, error) {
		if _, err := build(ctx, head); err != nil {
			return nil, err
		}
		return nil, f.err
	})
}

// failAppends configures a server whose audit appends fail with err after
// the change was made (see failingAppend).
func failAppends(err error) func(*Config) {
	return func(c *Config) {
		c.Audit = &audit.Log{Store: failingAppend{Store: c.Audit.Store, err: err}, Now: c.Audit.Now}
	}
}

// slowAuditReads is an audit store whose AuditEntries waits for its context
// to end, like a store that does not answer.
type slowAuditReads struct {
	audit.Store
}

func (slowAuditReads) AuditEntries(ctx context.Context, _ int64, _ int) ([]*audit.Entry, error) {
	<-ctx.Done()
	return nil, ctx.Err()
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

// env is a Server over a fresh SQLite store with a set of tokens: "admin",
// "analyst", "viewer", plus "revoked" (a revoked admin token) and "expired"
// (an admin token past its TTL). None of the set-up writes audit entries.
// configure may wrap the stores the Config holds (see failAppends); auth
// and log stay over the real store, for set-up and checks.
type env struct {
	t       testing.TB
	srv     *Server
	db      *sqlite.DB
	auth    *auth.Service
	log     *audit.Log
	clock   *clock
	logs    *syncbuf.Buffer
	secrets map[string]string
	ids     map[string]string
}

func newEnv(t testing.TB, configure func(*Config)) *env {
	t.Helper()
	e := &env{
		t:       t,
		db:      openStore(t),
		clock:   &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		logs:    &syncbuf.Buffer{},
		secrets: map[string]string{},
		ids:     map[string]string{},
	}
	e.auth = &auth.Service{Store: e.db, Now: e.clock.Now}
	e.log = &audit.Log{Store: e.db, Now: e.clock.Now}
	ctx := context.Background()
	add := func(name string, role auth.Role, ttl time.Duration) {
		secret, tok, err := e.auth.Create(ctx, name, role, auth.CreateOptions{CreatedBy: "test", TTL: ttl})
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
	if _, err := e.auth.Revoke(ctx, e.ids["revoked"]); err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		// The access log written by the server, as serve wires it
		// (TestNoSecretsInLogs also checks it through the Logger).
		AccessLog: e.logs, AccessLogJSON: true,
		Auth:    e.auth,
		Audit:   e.log,
		Version: "test-1.0",
		// Every verdict is recorded, as serve wires it.
		SafeVerifications: e.db,
		SafeWatches:       e.db,
		TraceDeposits:     e.db,
		TraceAlerts:       e.db,
		SafeAlerts:        e.db,
		Outbox:            e.db,
		// Screening routes read this store; withScreening adds the service.
		ScreenStore: e.db,
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

// auditEntries returns every entry of the store's audit log.
func (e *env) auditEntries() []*audit.Entry {
	e.t.Helper()
	const page = 1000
	var all []*audit.Entry
	for {
		var after int64
		if len(all) > 0 {
			after = all[len(all)-1].Seq
		}
		entries, err := e.db.AuditEntries(context.Background(), after, page)
		if err != nil {
			e.t.Fatalf("read the audit log: %v", err)
		}
		all = append(all, entries...)
		if len(entries) < page {
			return all
		}
	}
}

// tamper runs query on the store's file through a connection of its own,
// as someone with write access to the file would.
func (e *env) tamper(query string, args ...any) {
	e.t.Helper()
	raw, err := sql.Open("sqlite", "file:"+e.db.Path()+"?_pragma=busy_timeout(5000)")
	if err != nil {
		e.t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(query, args...); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
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
