package sources_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/internal/syncbuf"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/lists"
	"github.com/bulwark-sec/bulwark/screening/sources"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

// sampleList is a Bulwark CSV the refresh tests import.
const sampleList = "../lists/testdata/bulwark_sample.csv"

// openStore opens a store in a fresh directory; path is its file, for a
// second process's view of it.
func openStore(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openScreening opens a screening service on db with no default lists.
func openScreening(t *testing.T, db *sqlite.DB) *screening.Service {
	t.Helper()
	svc, err := screening.OpenService(context.Background(), screening.ServiceConfig{Store: db, Audit: &audit.Log{Store: db},
		Defaults: func() ([]*screening.List, error) { return nil, nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(context.Background()) })
	return svc
}

// hasList reports whether svc has a list in force whose ID starts with prefix.
func hasList(svc *screening.Service, prefix string) bool {
	for _, li := range svc.Screener().Index().Lists() {
		if strings.HasPrefix(li.ID, prefix) {
			return true
		}
	}
	return false
}

// TestRefresherCheckKeepsInternalsOut: /readyz answers without a token, so
// the lists check says a refresh failed and when, never the failure's
// details (the URL's path and host stay in the server log).
func TestRefresherCheckKeepsInternalsOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := openScreening(t, openStore(t, sqlitetest.NewFile(t)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusBadGateway)
	}))
	defer srv.Close()
	var logs syncbuf.Buffer
	r := sources.NewRefresher(sources.RefresherConfig{Service: svc, From: srv.URL + "/key-abc123/SDN.CSV",
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err := r.Check(ctx); err == nil || !strings.Contains(err.Error(), "no lists are loaded") || strings.Contains(err.Error(), "refresh failed") {
		t.Errorf("check with no lists: %v", err)
	}
	_, err := r.Update(ctx, "test")
	if err == nil || !strings.Contains(err.Error(), "key-abc123") {
		t.Fatalf("update from a failing server: %v", err)
	}
	if !strings.Contains(logs.String(), "list refresh failed") || !strings.Contains(logs.String(), "key-abc123") {
		t.Errorf("the server log does not say why the refresh failed:\n%s", logs.String())
	}
	err = r.Check(ctx)
	if !bulwark.IsCode(err, bulwark.EUNAVAILABLE) {
		t.Fatalf("check after a failed refresh: %v", err)
	}
	msg := bulwark.ErrorMessage(err)
	if !strings.Contains(msg, "the last refresh failed at") || !strings.Contains(msg, "server log") {
		t.Errorf("check after a failed refresh: %q", msg)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, leak := range []string{"key-abc123", host, "502"} {
		if strings.Contains(msg, leak) {
			t.Errorf("the unauthenticated check shows %q: %q", leak, msg)
		}
	}
}

// TestRefresherRefreshesOnSchedule: with an interval, Run imports the
// lists from From, and the check then passes.
func TestRefresherRefreshesOnSchedule(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	svc := openScreening(t, openStore(t, sqlitetest.NewFile(t)))
	var logs syncbuf.Buffer
	r := sources.NewRefresher(sources.RefresherConfig{Service: svc, From: sampleList, Interval: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	// The list is in force before Update logs it: wait for both.
	for deadline := time.Now().Add(30 * time.Second); !hasList(svc, "custom:") || !strings.Contains(logs.String(), "list updated"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no list imported and logged on schedule (imported: %t); log:\n%s", hasList(svc, "custom:"), logs.String())
		}
	}
	if err := r.Check(ctx); err != nil {
		t.Errorf("check after a successful refresh: %v", err)
	}
}

// TestRefresherReloadsOtherProcessImports: an import made through another
// store handle on the same database (another process: 'bulwark lists
// update') is picked up by Run without a refresh of its own, and Reloaded
// is called.
func TestRefresherReloadsOtherProcessImports(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	path := sqlitetest.NewFile(t)
	svc := openScreening(t, openStore(t, path))
	reloaded := make(chan struct{}, 1)
	r := sources.NewRefresher(sources.RefresherConfig{Service: svc, ReloadEvery: 10 * time.Millisecond,
		Reloaded: func() {
			select {
			case reloaded <- struct{}{}:
			default:
			}
		}})
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	defer func() { cancel(); <-done }()

	other := openScreening(t, openStore(t, path))
	rep, err := sources.Update(ctx, other, "cli", sampleList, lists.Own{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Changed) != 1 {
		t.Fatalf("import changed %d lists, want 1", len(rep.Changed))
	}
	select {
	case <-reloaded:
	case <-time.After(30 * time.Second):
		t.Fatal("the other process's import was not reloaded")
	}
	if !hasList(svc, rep.Changed[0].ID) {
		t.Fatalf("lists in force after the reload: %+v", svc.Screener().Index().Lists())
	}
}

// TestUpdateOwnNeedsFrom: importing one's own list names --from when no
// file is given, before anything is read.
func TestUpdateOwnNeedsFrom(t *testing.T) {
	t.Parallel()
	svc := openScreening(t, openStore(t, sqlitetest.NewFile(t)))
	_, err := sources.Update(context.Background(), svc, "cli", " ", lists.Own{ID: "watch", Category: screening.CategoryInternal}, false)
	if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), "--from") {
		t.Fatalf("err = %v", err)
	}
	_, err = sources.Update(context.Background(), svc, "cli", filepath.Join(t.TempDir(), "missing"), lists.Own{}, false)
	if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), "--from") || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("missing path: err = %v", err)
	}
}
