package auth_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

// newService returns an auth.Service on a real SQLite store with a clock
// the test controls.
func newService(t testing.TB) (*auth.Service, *sqlite.DB, *time.Time) {
	t.Helper()
	db := sqlitetest.Open(t, sqlite.Options{})
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	return &auth.Service{Store: db, Now: func() time.Time { return now }}, db, &now
}

func TestCreateAndAuthenticate(t *testing.T) {
	ctx := context.Background()
	svc, db, now := newService(t)

	plain, tok, err := svc.Create(ctx, "ci", auth.RoleAnalyst, auth.CreateOptions{CreatedBy: "test", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain, "bwk_"+tok.ID+"_") || len(plain) != len("bwk_")+16+1+64 {
		t.Fatalf("token %q has the wrong form", plain)
	}
	stored, err := db.TokenByID(ctx, tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored.Hash, auth.HashToken(plain)) || bytes.Contains(stored.Hash, []byte(plain)) {
		t.Fatal("the store must hold the token's hash and nothing else")
	}

	got, err := svc.Authenticate(ctx, plain)
	if err != nil || got.ID != tok.ID || got.Role != auth.RoleAnalyst {
		t.Fatalf("Authenticate = %+v, %v", got, err)
	}

	secret := plain[len(plain)-64:]
	bad := []struct{ name, token string }{
		{"empty", ""},
		{"no prefix", strings.TrimPrefix(plain, "bwk_")},
		{"wrong secret", wrongSecret(plain)},
		{"short secret", plain[:len(plain)-2]},
		{"unknown id", "bwk_0000000000000000_" + secret},
		{"upper-case id", "bwk_" + strings.ToUpper(tok.ID) + "_" + secret},
		{"bearer included", "Bearer " + plain},
		{"trailing space", plain + " "},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			_, err := svc.Authenticate(ctx, b.token)
			if bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
				t.Fatalf("Authenticate(%q) = %v, want unauthorized", b.token, err)
			}
		})
	}

	// Expiry.
	*now = now.Add(2 * time.Hour)
	if _, err := svc.Authenticate(ctx, plain); bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
		t.Fatalf("expired token: %v", err)
	}
}

func TestRevokeTakesEffectAtOnce(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	plain, tok, err := svc.Create(ctx, "ops", auth.RoleAdmin, auth.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, plain); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Revoke(ctx, tok.ID)
	if err != nil || r.RevokedAt == nil {
		t.Fatalf("Revoke = %+v, %v", r, err)
	}
	if _, err := svc.Authenticate(ctx, plain); bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
		t.Fatalf("revoked token authenticated: %v", err)
	}
	if _, err := svc.Revoke(ctx, "0123456789abcdef"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
		t.Fatalf("revoking an unknown id: %v", err)
	}
	if _, err := svc.Revoke(ctx, "nope"); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Fatalf("revoking a malformed id: %v", err)
	}
}

func TestLastUsedIsThrottled(t *testing.T) {
	ctx := context.Background()
	svc, db, now := newService(t)
	plain, tok, err := svc.Create(ctx, "x", auth.RoleViewer, auth.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first := *now
	if _, err := svc.Authenticate(ctx, plain); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(10 * time.Second)
	if _, err := svc.Authenticate(ctx, plain); err != nil {
		t.Fatal(err)
	}
	got, _ := db.TokenByID(ctx, tok.ID)
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(first) {
		t.Fatalf("last used = %v, want %v (one write a minute at most)", got.LastUsedAt, first)
	}
	*now = now.Add(time.Minute)
	if _, err := svc.Authenticate(ctx, plain); err != nil {
		t.Fatal(err)
	}
	got, _ = db.TokenByID(ctx, tok.ID)
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(*now) {
		t.Fatalf("last used = %v, want %v", got.LastUsedAt, *now)
	}
}

func TestBootstrapOnlyOnAnEmptyStore(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	plain, tok, err := svc.Bootstrap(ctx)
	if err != nil || plain == "" || tok.Role != auth.RoleAdmin {
		t.Fatalf("first Bootstrap = %q, %+v, %v", plain, tok, err)
	}
	if _, err := svc.Revoke(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	again, _, err := svc.Bootstrap(ctx)
	if err != nil || again != "" {
		t.Fatalf("Bootstrap on a store that has had tokens = %q, %v; want nothing", again, err)
	}
}

func TestCreateValidates(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	tests := []struct {
		name, tokName string
		role          auth.Role
		ttl           time.Duration
		field         string
		person        string
	}{
		{"person too long", "ok", auth.RoleViewer, 0, "person", strings.Repeat("é", 51)},
		{"person with a newline", "ok", auth.RoleViewer, 0, "person", "alice\nbob"},
		{"person not UTF-8", "ok", auth.RoleViewer, 0, "person", "al\xffice"},
		{"empty name", "", auth.RoleViewer, 0, "name", ""},
		{"name with space", "a b", auth.RoleViewer, 0, "name", ""},
		{"name too long", strings.Repeat("a", 65), auth.RoleViewer, 0, "name", ""},
		{"unknown role", "ok", auth.Role("root"), 0, "role", ""},
		{"negative ttl", "ok", auth.RoleViewer, -time.Second, "ttl", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := svc.Create(ctx, tt.tokName, tt.role, auth.CreateOptions{TTL: tt.ttl, Person: tt.person})
			var e *bulwark.Error
			if !errors.As(err, &e) || e.Code != bulwark.EINVALID || e.Field != tt.field {
				t.Fatalf("Create = %v, want invalid %s", err, tt.field)
			}
		})
	}
	if _, tok, err := svc.Create(ctx, "dup", auth.RoleViewer, auth.CreateOptions{Person: "  Alice Smith "}); err != nil || tok.Person != "Alice Smith" ||
		tok.AuditDetails()["person"] != "Alice Smith" || auth.PersonKey(tok.Person) != auth.PersonKey("alice   SMITH") {
		t.Fatalf("token with a person: %+v, %v", tok, err)
	}
	if _, _, err := svc.Create(ctx, "dup", auth.RoleViewer, auth.CreateOptions{}); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
		t.Fatalf("duplicate name: %v", err)
	}
}

func TestRolePermissions(t *testing.T) {
	want := map[auth.Role]map[auth.Permission]bool{
		auth.RoleAdmin:   {auth.PermRead: true, auth.PermAnalyze: true, auth.PermAdmin: true},
		auth.RoleAnalyst: {auth.PermRead: true, auth.PermAnalyze: true, auth.PermAdmin: false},
		auth.RoleViewer:  {auth.PermRead: true, auth.PermAnalyze: false, auth.PermAdmin: false},
		auth.Role("x"):   {auth.PermRead: false, auth.PermAnalyze: false, auth.PermAdmin: false},
	}
	for role, perms := range want {
		for p, ok := range perms {
			if role.Allows(p) != ok {
				t.Errorf("%s allows %s = %v, want %v", role, p, !ok, ok)
			}
			err := auth.Authorize(&auth.Token{Role: role}, p)
			if (err == nil) != ok || (err != nil && bulwark.ErrorCode(err) != bulwark.EFORBIDDEN) {
				t.Errorf("Authorize(%s, %s) = %v", role, p, err)
			}
		}
	}
	if err := auth.Authorize(nil, auth.PermRead); bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
		t.Errorf("Authorize(nil) = %v", err)
	}
	for _, s := range []string{"admin", " Analyst ", "VIEWER"} {
		if _, err := auth.ParseRole(s); err != nil {
			t.Errorf("ParseRole(%q) = %v", s, err)
		}
	}
	if _, err := auth.ParseRole("owner"); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("ParseRole(owner) = %v", err)
	}
}

// FuzzAuthenticate: no presented string panics, and only the issued token
// authenticates.
func FuzzAuthenticate(f *testing.F) {
	svc, _, _ := newService(f)
	ctx := context.Background()
	plain, _, err := svc.Create(ctx, "fuzz", auth.RoleViewer, auth.CreateOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("")
	f.Add("bwk_")
	f.Add("bwk_0123456789abcdef_")
	f.Add("bwk_0123456789abcdef_" + strings.Repeat("a", 64))
	f.Add("bwk_0123456789abcdef_" + strings.Repeat("a", 64) + "_x")
	f.Add("Bearer bwk_x")
	f.Add("bwk_\x00\xff_" + strings.Repeat("0", 64))
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := svc.Authenticate(ctx, s)
		if s == plain {
			if err != nil {
				t.Fatalf("the issued token failed: %v", err)
			}
			return
		}
		if err == nil || tok != nil || bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
			t.Fatalf("Authenticate(%q) = %v, %v", s, tok, err)
		}
	})
}

// countingStore counts the token reads that reach the store.
type countingStore struct {
	auth.TokenStore
	reads int
}

func (c *countingStore) TokenByID(ctx context.Context, id string) (*auth.Token, error) {
	c.reads++
	return c.TokenStore.TokenByID(ctx, id)
}

func TestTokenCache(t *testing.T) {
	ctx := context.Background()
	svc, db, now := newService(t)
	plain, tok, err := svc.Create(ctx, "api", auth.RoleAnalyst, auth.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cs := &countingStore{TokenStore: db}
	svc.Store, svc.CacheTTL = cs, 2*time.Second
	for range 5 {
		if _, err := svc.Authenticate(ctx, plain); err != nil {
			t.Fatal(err)
		}
	}
	if cs.reads != 1 {
		t.Errorf("5 requests within the TTL read the store %d times, want 1", cs.reads)
	}
	// The secret is still checked on every request.
	if _, err := svc.Authenticate(ctx, wrongSecret(plain)); bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
		t.Errorf("a wrong secret for a cached id: %v", err)
	}
	// Past the TTL the store is read again: a revocation made by another
	// process (straight in the store here) takes effect.
	if err := db.RevokeToken(ctx, tok.ID, *now); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, plain); err != nil {
		t.Errorf("within the TTL the cached token still serves: %v", err)
	}
	*now = now.Add(3 * time.Second)
	if _, err := svc.Authenticate(ctx, plain); bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
		t.Errorf("after the TTL a token revoked elsewhere authenticated: %v", err)
	}
	// A revocation through the service takes effect at once.
	plain2, tok2, _ := svc.Create(ctx, "api2", auth.RoleAnalyst, auth.CreateOptions{})
	if _, err := svc.Authenticate(ctx, plain2); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Revoke(ctx, tok2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, plain2); bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
		t.Errorf("a token revoked through the service still authenticated: %v", err)
	}
}

// wrongSecret returns plain with its last hex digit changed, never to
// itself (a "0" replaced by "0" would be the right secret one time in 16).
func wrongSecret(plain string) string {
	last := "0"
	if strings.HasSuffix(plain, "0") {
		last = "1"
	}
	return plain[:len(plain)-1] + last
}

// BenchmarkAuthenticateCached: a request's authentication with serve's
// token cache: the token's form, the cache, SHA-256 of the presented token
// and the constant-time compare.
func BenchmarkAuthenticateCached(b *testing.B) {
	ctx := context.Background()
	svc, _, _ := newService(b)
	svc.CacheTTL = time.Hour
	plain, _, err := svc.Create(ctx, "bench", auth.RoleAnalyst, auth.CreateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, plain); err != nil { // first use: touch and cache
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Authenticate(ctx, plain); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAuthenticateAt: a service on the system clock checks expiry at the
// time the caller gives (the request's arrival); the zero time reads the
// clock.
func TestAuthenticateAt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := &auth.Service{Store: sqlitetest.Open(t, sqlite.Options{})}
	plain, tok, err := svc.Create(ctx, "ci", auth.RoleViewer, auth.CreateOptions{CreatedBy: "test", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, c := range []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"the clock", time.Time{}, true},
		{"now", now, true},
		{"before expiry", now.Add(59 * time.Minute), true},
		{"after expiry", now.Add(2 * time.Hour), false},
	} {
		got, err := svc.AuthenticateAt(ctx, plain, c.at)
		if c.ok != (err == nil) || (err == nil && got.ID != tok.ID) {
			t.Errorf("%s: AuthenticateAt = %+v, %v; want ok %v", c.name, got, err, c.ok)
		}
		if !c.ok && bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
			t.Errorf("%s: %v, want unauthorized", c.name, err)
		}
	}
}
