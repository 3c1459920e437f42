package httpapi

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/internal/syncbuf"
	"github.com/bulwark-sec/bulwark/sqlite"
)

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

// envTokens is the store every env starts from. The tests run over a real
// SQLite store rather than over fakes, so that what they check (rollback
// of a change whose audit entry fails, the hash chain, token lookups) is
// what the server does over its real store. It is an empty store holding
// the env's token set, made once per test binary (creating and revoking
// the tokens cost as much as the rest of a short scenario under the race
// detector). Every env opens a copy of its file; the tokens (secrets,
// IDs, times) are the same in every copy, each env's store its own.
var envTokens struct {
	once    sync.Once
	file    []byte
	now     time.Time
	secrets map[string]string
	ids     map[string]string
	err     error
}

// tokenStore returns the file of the token store and the clock, secrets
// and IDs that go with it.
func tokenStore() ([]byte, time.Time, map[string]string, map[string]string, error) {
	t := &envTokens
	t.once.Do(func() {
		t.err = func() error {
			dir, err := os.MkdirTemp("", "bulwark-httpapi-tokens-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			path := filepath.Join(dir, "bulwark.db")
			ctx := context.Background()
			db, err := sqlite.Open(ctx, path, sqlite.Options{})
			if err != nil {
				return err
			}
			c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
			svc := &auth.Service{Store: db, Now: c.Now}
			t.secrets, t.ids = map[string]string{}, map[string]string{}
			add := func(name string, role auth.Role, ttl time.Duration) error {
				secret, tok, err := svc.Create(ctx, name, role, auth.CreateOptions{CreatedBy: "test", TTL: ttl})
				if err != nil {
					return fmt.Errorf("create token %s: %w", name, err)
				}
				t.secrets[name], t.ids[name] = secret, tok.ID
				return nil
			}
			err = add("expired", auth.RoleAdmin, time.Hour)
			c.Advance(2 * time.Hour)
			for _, tok := range []struct {
				name string
				role auth.Role
			}{{"admin", auth.RoleAdmin}, {"analyst", auth.RoleAnalyst}, {"viewer", auth.RoleViewer}, {"revoked", auth.RoleAdmin}} {
				if err == nil {
					err = add(tok.name, tok.role, 0)
				}
			}
			if err == nil {
				_, err = svc.Revoke(ctx, t.ids["revoked"])
			}
			if cerr := db.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			// Closing the last connection checkpoints the WAL into the
			// file: the file alone is the store.
			if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
				return fmt.Errorf("the token store's WAL was not checkpointed on close (%d bytes left)", fi.Size())
			}
			t.now = c.Now()
			t.file, err = os.ReadFile(path)
			return err
		}()
	})
	return t.file, t.now, t.secrets, t.ids, t.err
}

func newEnv(t testing.TB, configure func(*Config)) *env {
	t.Helper()
	file, now, secrets, ids, err := tokenStore()
	if err != nil {
		t.Fatalf("making the token store: %v", err)
	}
	path := filepath.Join(t.TempDir(), "bulwark.db")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("open store %s: %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close store %s: %v", path, err)
		}
	})
	e := &env{
		t:       t,
		db:      db,
		clock:   &clock{t: now},
		logs:    &syncbuf.Buffer{},
		secrets: maps.Clone(secrets),
		ids:     maps.Clone(ids),
	}
	e.auth = &auth.Service{Store: e.db, Now: e.clock.Now}
	e.log = &audit.Log{Store: e.db, Now: e.clock.Now}
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
