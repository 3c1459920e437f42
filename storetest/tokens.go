package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
)

// TokenTimePrecision is how close a token time must read back to what was
// stored. PostgreSQL's timestamptz keeps microseconds; an adapter that can
// keep nanoseconds should test that on its own.
const TokenTimePrecision = time.Microsecond

// base is an arbitrary instant with a nanosecond part, in a zone other than
// UTC, so that a store which drops either is caught.
var base = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.FixedZone("UTC+5:30", 5*3600+1800))

// newToken returns a valid token numbered i, created i seconds after base.
func newToken(i int) *auth.Token {
	sum := sha256.Sum256([]byte(fmt.Sprintf("bwk_secret_%d", i)))
	return &auth.Token{
		ID:        fmt.Sprintf("%016x", 0xb0a0000000000000+uint64(i)),
		Name:      fmt.Sprintf("token-%d", i),
		Role:      auth.RoleAnalyst,
		Hash:      sum[:],
		CreatedAt: base.Add(time.Duration(i) * time.Second),
		CreatedBy: "cli",
	}
}

func ptr(t time.Time) *time.Time { return &t }

// TokenStore runs the conformance suite for auth.TokenStore. open must
// return a fresh, empty store for each call and close it when t ends.
func TokenStore(t *testing.T, open func(t *testing.T) auth.TokenStore) {
	t.Helper()
	ctx := context.Background()

	t.Run("CreateAndRead", func(t *testing.T) {
		s := open(t)
		full := newToken(1)
		full.Role = auth.RoleAdmin
		full.Hash = append([]byte{0, 0xff, 0}, full.Hash[3:]...) // NULs and high bytes survive
		full.CreatedBy = "token:00000000000000aa"
		full.Person = "Ana María O'Neil"
		full.ExpiresAt = ptr(base.Add(90 * 24 * time.Hour))
		full.LastUsedAt = ptr(base.Add(time.Hour + 1))
		full.RevokedAt = ptr(base.Add(2*time.Hour + 999))
		bare := newToken(2)
		bare.Role = auth.RoleViewer
		bare.CreatedBy = ""
		for _, tok := range []*auth.Token{full, bare} {
			if err := s.CreateToken(ctx, tok); err != nil {
				t.Fatalf("CreateToken(%s): %v", tok.Name, err)
			}
		}
		for _, want := range []*auth.Token{full, bare} {
			got, err := s.TokenByID(ctx, want.ID)
			if err != nil {
				t.Fatalf("TokenByID(%s): %v", want.ID, err)
			}
			assertToken(t, got, want)
		}
	})

	t.Run("MissingID", func(t *testing.T) {
		s := open(t)
		if err := s.CreateToken(ctx, newToken(1)); err != nil {
			t.Fatal(err)
		}
		missing := newToken(2).ID
		cases := []struct {
			name string
			call func() error
		}{
			{"TokenByID", func() error { _, err := s.TokenByID(ctx, missing); return err }},
			{"TokenByIDEmpty", func() error { _, err := s.TokenByID(ctx, ""); return err }},
			{"RevokeToken", func() error { return s.RevokeToken(ctx, missing, base) }},
			{"TouchToken", func() error { return s.TouchToken(ctx, missing, base) }},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if err := c.call(); !bulwark.IsCode(err, bulwark.ENOTFOUND) {
					t.Fatalf("got %v (code %q), want code %q", err, bulwark.ErrorCode(err), bulwark.ENOTFOUND)
				}
			})
		}
		assertCount(t, s, 1)
	})

	t.Run("Duplicates", func(t *testing.T) {
		cases := []struct {
			name     string
			dup      func(orig *auth.Token) *auth.Token
			inErrMsg string
		}{
			{"SameID", func(orig *auth.Token) *auth.Token {
				d := newToken(2)
				d.ID = orig.ID
				return d
			}, "already exists"},
			{"SameName", func(orig *auth.Token) *auth.Token {
				d := newToken(2)
				d.Name = orig.Name
				return d
			}, "a token named token-1 already exists"},
			{"SameNameRevoked", func(orig *auth.Token) *auth.Token {
				d := newToken(2)
				d.Name = orig.Name
				return d
			}, "token-1"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s := open(t)
				orig := newToken(1)
				if err := s.CreateToken(ctx, orig); err != nil {
					t.Fatal(err)
				}
				if c.name == "SameNameRevoked" {
					if err := s.RevokeToken(ctx, orig.ID, base); err != nil {
						t.Fatal(err)
					}
					orig.RevokedAt = ptr(base)
				}
				err := s.CreateToken(ctx, c.dup(orig))
				if !bulwark.IsCode(err, bulwark.ECONFLICT) {
					t.Fatalf("got %v (code %q), want code %q", err, bulwark.ErrorCode(err), bulwark.ECONFLICT)
				}
				if msg := bulwark.ErrorMessage(err); !strings.Contains(msg, c.inErrMsg) {
					t.Errorf("message %q does not contain %q", msg, c.inErrMsg)
				}
				assertCount(t, s, 1)
				got, err := s.TokenByID(ctx, orig.ID)
				if err != nil {
					t.Fatal(err)
				}
				assertToken(t, got, orig)
			})
		}
	})

	t.Run("ListOldestFirst", func(t *testing.T) {
		s := open(t)
		got, err := s.ListTokens(ctx)
		if err != nil {
			t.Fatalf("ListTokens on an empty store: %v", err)
		}
		if len(got) != 0 {
			t.Fatalf("empty store lists %d tokens", len(got))
		}
		// Stored out of order; one crosses a second boundary by nanoseconds
		// so that a store sorting by text without fixed-width fractions
		// would get it wrong.
		order := []int{3, 1, 4, 0, 2, 5}
		created := map[string]*auth.Token{}
		for _, i := range order {
			tok := newToken(i)
			if i == 4 {
				tok.CreatedAt = newToken(3).CreatedAt.Truncate(time.Second).Add(time.Second) // whole second
			}
			if i == 0 {
				// The oldest, but in a zone whose wall clock is ahead of all
				// the others: a store keeping local text sorts it last.
				tok.CreatedAt = base.Add(-time.Hour).In(time.FixedZone("UTC+12", 12*3600))
			}
			if i == 5 {
				tok.CreatedAt = newToken(3).CreatedAt.Truncate(time.Second).Add(time.Second + 5*time.Millisecond)
			}
			if err := s.CreateToken(ctx, tok); err != nil {
				t.Fatal(err)
			}
			created[tok.ID] = tok
		}
		if err := s.RevokeToken(ctx, newToken(1).ID, base); err != nil {
			t.Fatal(err)
		}
		created[newToken(1).ID].RevokedAt = ptr(base)
		got, err = s.ListTokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Oldest first: 0 (an hour before base), 1, 2, 3, 4 (whole second after 3), 5.
		wantOrder := []string{newToken(0).ID, newToken(1).ID, newToken(2).ID, newToken(3).ID, newToken(4).ID, newToken(5).ID}
		if len(got) != len(wantOrder) {
			t.Fatalf("listed %d tokens, want %d (revoked ones included)", len(got), len(wantOrder))
		}
		for i, g := range got {
			if g.ID != wantOrder[i] {
				var ids []string
				for _, g := range got {
					ids = append(ids, g.Name+"@"+g.CreatedAt.Format(time.RFC3339Nano))
				}
				t.Fatalf("list order %v, want ids %v", ids, wantOrder)
			}
		}
		for i, g := range got {
			assertToken(t, g, created[wantOrder[i]]) // revoked one with RevokedAt
		}
	})

	t.Run("Revoke", func(t *testing.T) {
		s := open(t)
		tok := newToken(1)
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		first := base.Add(time.Hour + 7)
		if err := s.RevokeToken(ctx, tok.ID, first); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeToken(ctx, tok.ID, first.Add(time.Hour)); err != nil {
			t.Fatalf("revoking a revoked token: %v", err)
		}
		got, err := s.TokenByID(ctx, tok.ID)
		if err != nil {
			t.Fatal(err)
		}
		tok.RevokedAt = &first
		assertToken(t, got, tok)
		if got.Active(first.Add(-time.Hour)) {
			t.Errorf("revoked token is active")
		}
	})

	t.Run("Touch", func(t *testing.T) {
		s := open(t)
		tok := newToken(1)
		tok.ExpiresAt = ptr(base.Add(time.Hour))
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		for _, at := range []time.Time{base.Add(time.Minute + 1), base.Add(2*time.Minute + 2)} {
			if err := s.TouchToken(ctx, tok.ID, at); err != nil {
				t.Fatal(err)
			}
			got, err := s.TokenByID(ctx, tok.ID)
			if err != nil {
				t.Fatal(err)
			}
			tok.LastUsedAt = ptr(at)
			assertToken(t, got, tok)
		}
	})

	t.Run("Count", func(t *testing.T) {
		s := open(t)
		assertCount(t, s, 0)
		for i := 1; i <= 3; i++ {
			if err := s.CreateToken(ctx, newToken(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RevokeToken(ctx, newToken(2).ID, base); err != nil {
			t.Fatal(err)
		}
		assertCount(t, s, 3)
	})

	t.Run("ReturnsCopies", func(t *testing.T) {
		s := open(t)
		tok := newToken(1)
		tok.ExpiresAt = ptr(base.Add(time.Hour))
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		want := *tok
		want.Hash = bytes.Clone(tok.Hash)
		// Changing what was passed in or handed out must not reach the store.
		tok.Hash[0] ^= 0xff
		tok.Name = "changed"
		got, err := s.TokenByID(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		got.Hash[0] ^= 0xff
		*got.ExpiresAt = base
		list, err := s.ListTokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		list[0].Hash[1] ^= 0xff
		again, err := s.TokenByID(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertToken(t, again, &want)
	})

	t.Run("ConcurrentSameName", func(t *testing.T) {
		s := open(t)
		const n = 16
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				tok := newToken(i + 1)
				tok.Name = "contested"
				errs[i] = s.CreateToken(ctx, tok)
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !bulwark.IsCode(err, bulwark.ECONFLICT):
				t.Errorf("got %v (code %q), want nil or %q", err, bulwark.ErrorCode(err), bulwark.ECONFLICT)
			}
		}
		if ok != 1 {
			t.Errorf("%d concurrent creates of one name succeeded, want exactly 1", ok)
		}
		assertCount(t, s, 1)
	})

	t.Run("ConcurrentMixed", func(t *testing.T) {
		s := open(t)
		const n = 24
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				tok := newToken(i + 1)
				if err := s.CreateToken(ctx, tok); err != nil {
					t.Errorf("CreateToken: %v", err)
					return
				}
				if err := s.TouchToken(ctx, tok.ID, base.Add(time.Hour)); err != nil {
					t.Errorf("TouchToken: %v", err)
				}
				if _, err := s.TokenByID(ctx, tok.ID); err != nil {
					t.Errorf("TokenByID: %v", err)
				}
				if _, err := s.ListTokens(ctx); err != nil {
					t.Errorf("ListTokens: %v", err)
				}
			})
		}
		wg.Wait()
		assertCount(t, s, n)
	})

	t.Run("WithService", func(t *testing.T) {
		s := open(t)
		now := base.UTC()
		svc := &auth.Service{Store: s, Now: func() time.Time { return now }}
		plain, admin, err := svc.Bootstrap(ctx)
		if err != nil || plain == "" {
			t.Fatalf("Bootstrap = %q, %v", plain, err)
		}
		if again, _, err := svc.Bootstrap(ctx); err != nil || again != "" {
			t.Fatalf("second Bootstrap = %q, %v; want no new token", again, err)
		}
		got, err := svc.Authenticate(ctx, plain)
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		if got.ID != admin.ID || got.Role != auth.RoleAdmin {
			t.Fatalf("authenticated as %+v", got)
		}
		stored, err := s.TokenByID(ctx, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.LastUsedAt == nil || !stored.LastUsedAt.Equal(now) {
			t.Errorf("LastUsedAt = %v, want %v", stored.LastUsedAt, now)
		}
		if _, _, err := svc.Create(ctx, "admin", auth.RoleViewer, auth.CreateOptions{}); !bulwark.IsCode(err, bulwark.ECONFLICT) {
			t.Errorf("Create with a taken name: %v, want %q", err, bulwark.ECONFLICT)
		}
		if _, err := svc.Revoke(ctx, admin.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Authenticate(ctx, plain); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
			t.Errorf("revoked token authenticates: %v", err)
		}
		if _, err := svc.Revoke(ctx, newToken(9).ID); !bulwark.IsCode(err, bulwark.ENOTFOUND) {
			t.Errorf("revoking a missing token: %v, want %q", err, bulwark.ENOTFOUND)
		}
	})
}

func assertCount(t *testing.T, s auth.TokenStore, want int) {
	t.Helper()
	n, err := s.CountTokens(context.Background())
	if err != nil {
		t.Fatalf("CountTokens: %v", err)
	}
	if n != want {
		t.Fatalf("CountTokens = %d, want %d", n, want)
	}
}

// assertToken compares every field; times to TokenTimePrecision, in UTC.
func assertToken(t *testing.T, got, want *auth.Token) {
	t.Helper()
	if got.ID != want.ID || got.Name != want.Name || got.Role != want.Role || got.CreatedBy != want.CreatedBy || got.Person != want.Person {
		t.Errorf("token = {%q %q %q by %q person %q}, want {%q %q %q by %q person %q}",
			got.ID, got.Name, got.Role, got.CreatedBy, got.Person, want.ID, want.Name, want.Role, want.CreatedBy, want.Person)
	}
	if !bytes.Equal(got.Hash, want.Hash) {
		t.Errorf("hash = %x, want %x", got.Hash, want.Hash)
	}
	assertTime(t, "CreatedAt", &got.CreatedAt, &want.CreatedAt)
	assertTime(t, "ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	assertTime(t, "LastUsedAt", got.LastUsedAt, want.LastUsedAt)
	assertTime(t, "RevokedAt", got.RevokedAt, want.RevokedAt)
}

func assertTime(t *testing.T, field string, got, want *time.Time) {
	t.Helper()
	switch {
	case got == nil && want == nil:
		return
	case got == nil || want == nil:
		t.Errorf("%s = %v, want %v", field, got, want)
		return
	}
	if d := got.Sub(*want); d <= -TokenTimePrecision || d >= TokenTimePrecision {
		t.Errorf("%s = %s, want %s", field, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
	if got.Location() != time.UTC {
		t.Errorf("%s comes back in zone %s, want UTC", field, got.Location())
	}
}
