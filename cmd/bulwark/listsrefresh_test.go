package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// TestListsCheckKeepsInternalsOut: /readyz answers without a token, so the
// lists check says a refresh failed and when, never the failure's details.
func TestListsCheckKeepsInternalsOut(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc, err := screening.OpenService(ctx, screening.ServiceConfig{Store: db, Audit: &audit.Log{Store: db}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close(ctx)
	l := newListsRefresher(svc, "", 0, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := l.check(ctx); err == nil || !strings.Contains(err.Error(), "no lists are loaded") {
		t.Errorf("check with no lists: %v", err)
	}
	l.lastErr = bulwark.Errorf(bulwark.EUNAVAILABLE, "fetch https://lists.internal.example/key-abc123/SDN.CSV: dial tcp: lookup on 10.1.2.3:53: no such host")
	l.lastAt = time.Now()
	msg := bulwark.ErrorMessage(l.check(ctx))
	if !strings.Contains(msg, "the last refresh failed at") || !strings.Contains(msg, "server log") {
		t.Errorf("check after a failed refresh: %q", msg)
	}
	for _, leak := range []string{"lists.internal.example", "key-abc123", "10.1.2.3"} {
		if strings.Contains(msg, leak) {
			t.Errorf("the unauthenticated check shows %q: %q", leak, msg)
		}
	}
}
