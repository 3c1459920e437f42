package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
)

// A revocation made through one handle on the store (the CLI) reaches a
// token cache kept over another handle (serve) on its next request, not
// after the cache's lifetime: the handles share the token generation.
func TestRevocationReachesAnotherHandleAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	serveDB, cliDB := openAt(t, path), openAt(t, path)
	serve := &auth.Service{Store: serveDB, CacheTTL: time.Hour}
	cli := &auth.Service{Store: cliDB}
	plain, tok, err := cli.Create(ctx, "bot", auth.RoleAnalyst, auth.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := serve.Authenticate(ctx, plain); err != nil {
		t.Fatal(err)
	}
	before := serveDB.TokenGeneration()
	log := &audit.Log{Store: cliDB}
	if _, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		_, err := cli.Revoke(ctx, tok.ID)
		return audit.Event{Actor: "cli:test", Action: "token.revoke", Target: "token:" + tok.ID}, err
	}); err != nil {
		t.Fatal(err)
	}
	cli.Forget(tok.ID) // after the commit, as 'bulwark token revoke' does
	if serveDB.TokenGeneration() == before {
		t.Fatal("the other handle did not see the generation change")
	}
	if _, err := serve.Authenticate(ctx, plain); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("the cached token still authenticates after a revocation elsewhere: %v", err)
	}
	// Revoking again changes nothing and says so.
	again, err := cli.Revoke(ctx, tok.ID)
	if !errors.Is(err, auth.ErrAlreadyRevoked) || !bulwark.IsCode(err, bulwark.ECONFLICT) || again == nil || again.RevokedAt == nil {
		t.Fatalf("second revoke = %+v, %v", again, err)
	}
}

// Without changes, cached tokens are served from the cache: the generation
// does not move on reads or touches.
func TestTokenGenerationStillOnReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openStore(t)
	svc := &auth.Service{Store: db, CacheTTL: time.Hour}
	plain, _, err := svc.Create(ctx, "bot", auth.RoleViewer, auth.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g := db.TokenGeneration()
	for i := 0; i < 3; i++ {
		if _, err := svc.Authenticate(ctx, plain); err != nil {
			t.Fatal(err)
		}
	}
	if db.TokenGeneration() != g {
		t.Error("authenticating moved the token generation")
	}
}

// BenchmarkAuthenticateCached measures a cached authentication with the
// shared token generation check ("shared") against the same store with the
// check hidden ("ttl-only"): the check is one atomic load.
func BenchmarkAuthenticateCached(b *testing.B) {
	ctx := context.Background()
	db := openStore(b)
	runs := 0
	for _, bc := range []struct {
		name  string
		store auth.TokenStore
	}{{"shared", db}, {"ttl-only", struct{ auth.TokenStore }{db}}} {
		b.Run(bc.name, func(b *testing.B) {
			svc := &auth.Service{Store: bc.store, CacheTTL: time.Hour}
			runs++
			plain, _, err := svc.Create(ctx, "bench-"+bc.name+"-"+strconv.Itoa(runs), auth.RoleViewer, auth.CreateOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Authenticate(ctx, plain); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
