package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
	"github.com/bulwark-sec/bulwark/storetest"
	"github.com/bulwark-sec/bulwark/tracing"
)

// openStore opens a fresh store in a temporary directory (a copy of one
// migrated once per test binary: tests about creating and migrating a
// store use openAt) and closes it when the test ends.
func openStore(t testing.TB) *sqlite.DB {
	t.Helper()
	return openAt(t, sqlitetest.NewFile(t))
}

func openAt(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// rawDB opens a plain database/sql handle on path, the way an operator
// with the sqlite3 command would reach the file.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = raw.Close() })
	return raw
}

func mustExec(t testing.TB, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func TestConformance(t *testing.T) {
	storetest.TokenStore(t, func(t *testing.T) auth.TokenStore { return openStore(t) })
	storetest.UserStore(t, func(t *testing.T) auth.UserStore { return openStore(t) })
	storetest.AuditStore(t, func(t *testing.T) audit.Store { return openStore(t) })
	storetest.Atomic(t, func(t *testing.T) storetest.Store { return openStore(t) })
	storetest.AlertStore(t, func(t *testing.T) storetest.AlertAuditStore { return openStore(t) })
	storetest.Outbox(t, func(t *testing.T) storetest.OutboxAuditStore { return openStore(t) })
	storetest.VerificationStore(t, func(t *testing.T) storetest.VerificationAuditStore { return openStore(t) })
	storetest.QueueStore(t, func(t *testing.T) storetest.QueueAuditStore { return openStore(t) })
	storetest.WatchListStore(t, func(t *testing.T) storetest.WatchListAuditStore { return openStore(t) })
	storetest.MonitorCursorStore(t, func(t *testing.T) watch.MonitorCursorStore { return openStore(t) })
	storetest.ScreeningStore(t, func(t *testing.T) storetest.ScreeningAuditStore { return openStore(t) })
	storetest.IngestStore(t, func(t *testing.T) tracing.IngestStore { return openStore(t) })
	storetest.CaseStore(t, func(t *testing.T) storetest.CaseAuditStore { return openStore(t) })
	storetest.DepositStore(t, func(t *testing.T) storetest.DepositAuditStore { return openStore(t) })
	storetest.TraceAlertStore(t, func(t *testing.T) storetest.TraceAlertAuditStore { return openStore(t) })
	storetest.BookStore(t, func(t *testing.T) storetest.BookAuditStore { return openStore(t) })
	storetest.ApprovalStore(t, func(t *testing.T) storetest.ApprovalAuditStore { return openStore(t) })
	storetest.Inbox(t, func(t *testing.T) storetest.InboxAuditStore { return openStore(t) })
	storetest.HiringStore(t, func(t *testing.T) (storetest.HiringAuditStore, func() storetest.HiringAuditStore) {
		path := sqlitetest.NewFile(t)
		db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() }) // Close is idempotent
		return db, func() storetest.HiringAuditStore {
			if err := db.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return openAt(t, path)
		}
	})
}

// TestTokenTimesExact checks what the suite leaves to adapters that can:
// token times read back to the nanosecond.
func TestTokenTimesExact(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	created := time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.FixedZone("", 3600))
	exp := created.Add(time.Hour + 1)
	tok := &auth.Token{ID: "00000000000000aa", Name: "n", Role: auth.RoleViewer, Hash: []byte{1}, CreatedAt: created, ExpiresAt: &exp}
	if err := db.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	got, err := db.TokenByID(ctx, tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.CreatedAt != created.UTC() || *got.ExpiresAt != exp.UTC() {
		t.Errorf("times = %v, %v; want %v, %v", got.CreatedAt, *got.ExpiresAt, created.UTC(), exp.UTC())
	}
}

// TestStoredForm pins the on-disk form that operators and the acceptance
// test see with the sqlite3 command.
func TestStoredForm(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	log := &audit.Log{Store: db, Now: func() time.Time {
		return time.Date(2025, 1, 2, 3, 4, 5, 600_000_000, time.FixedZone("", -3600))
	}}
	if _, err := log.Record(ctx, audit.Event{Actor: "cli", Action: "a", Details: map[string]string{"k": "<v>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := log.Record(ctx, audit.Event{Actor: "cli", Action: "b"}); err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, db.Path())
	rows, err := raw.Query(`SELECT time, details, typeof(details) FROM audit_log ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := [][3]any{
		{"2025-01-02T04:04:05.600000000Z", `{"k":"\u003cv\u003e"}`, "text"},
		{"2025-01-02T04:04:05.600000000Z", nil, "null"},
	}
	for i := 0; rows.Next(); i++ {
		var tm, typ string
		var details sql.NullString
		if err := rows.Scan(&tm, &details, &typ); err != nil {
			t.Fatal(err)
		}
		var d any
		if details.Valid {
			d = details.String
		}
		if got := [3]any{tm, d, typ}; got != want[i] {
			t.Errorf("row %d = %q, want %q", i+1, got, want[i])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	type row struct {
		version int
		name    string
		applied string
	}
	readRows := func() []row {
		t.Helper()
		raw := rawDB(t, path)
		defer raw.Close()
		rows, err := raw.Query(`SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.version, &r.name, &r.applied); err != nil {
				t.Fatal(err)
			}
			if _, err := time.Parse(time.RFC3339Nano, r.applied); err != nil {
				t.Errorf("applied_at %q: %v", r.applied, err)
			}
			out = append(out, r)
		}
		return out
	}

	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if latest := sqlite.LatestSchemaVersion(); v != latest || latest < 1 {
		t.Fatalf("SchemaVersion = %d, LatestSchemaVersion = %d", v, latest)
	}
	if err := db.CreateToken(ctx, &auth.Token{ID: "00000000000000aa", Name: "keep", Role: auth.RoleAdmin, Hash: []byte{1}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	first := readRows()
	if len(first) != sqlite.LatestSchemaVersion() || first[0].version != 1 || first[0].name != "tokens_audit" {
		t.Fatalf("schema_migrations = %+v", first)
	}

	for range 3 { // reopening applies nothing again and keeps the data
		db := openAt(t, path)
		if n, err := db.CountTokens(ctx); err != nil || n != 1 {
			t.Fatalf("CountTokens after reopen = %d, %v", n, err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if again := readRows(); len(again) != len(first) || again[0] != first[0] {
		t.Errorf("schema_migrations changed on reopen: %+v, was %+v", again, first)
	}

	raw := rawDB(t, path)
	var appID int64
	if err := raw.QueryRow(`PRAGMA application_id`).Scan(&appID); err != nil || appID != 0x4257524B {
		t.Errorf("application_id = %#x, %v", appID, err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	db := openAt(t, path)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, path)
	future := sqlite.LatestSchemaVersion() + 7
	mustExec(t, raw, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from_the_future', '2030-01-01T00:00:00.000000000Z')`, future)
	_ = raw.Close()
	before := readFile(t, path)

	_, err := sqlite.Open(ctx, path, sqlite.Options{})
	if !bulwark.IsCode(err, bulwark.ECONFLICT) {
		t.Fatalf("Open = %v (code %q), want %q", err, bulwark.ErrorCode(err), bulwark.ECONFLICT)
	}
	msg := bulwark.ErrorMessage(err)
	for _, want := range []string{path, "newer than this binary", "version " + strconv.Itoa(future)} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not contain %q", msg, want)
		}
	}
	if !bytes.Equal(readFile(t, path), before) {
		t.Errorf("refusing the store changed the file")
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, bytes.Repeat([]byte("These are my notes, not a database.\n"), 200), 0o600); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	func() {
		raw := rawDB(t, foreign)
		defer raw.Close()
		mustExec(t, raw, `CREATE TABLE songs (title TEXT)`)
	}()
	otherApp := filepath.Join(dir, "other-app.db")
	func() {
		raw := rawDB(t, otherApp)
		defer raw.Close()
		mustExec(t, raw, `PRAGMA application_id = 1234`)
	}()

	cases := []struct {
		name      string
		path      string
		code      string
		inMessage []string
	}{
		{"Empty", "", bulwark.EINVALID, []string{"--data-dir"}},
		{"Memory", ":memory:", bulwark.EINVALID, []string{"not a file path"}},
		{"URI", "file:x.db?mode=memory", bulwark.EINVALID, []string{"not a file path"}},
		{"ParentIsAFile", filepath.Join(regular, "bulwark.db"), bulwark.EUNAVAILABLE,
			[]string{"cannot open store at " + filepath.Join(regular, "bulwark.db") + ": " + regular + " is a file, not a directory — choose a writable --data-dir directory"}},
		{"MissingDirectory", filepath.Join(dir, "nope", "bulwark.db"), bulwark.EUNAVAILABLE,
			[]string{"cannot open store at", "directory " + filepath.Join(dir, "nope") + " does not exist — create it"}},
		{"Directory", dir, bulwark.EINVALID, []string{"cannot open store at " + dir, "is a directory"}},
		{"NotSQLite", notDB, bulwark.EINVALID, []string{"cannot open store at " + notDB, "not a SQLite database"}},
		{"ShortNotSQLite", short, bulwark.EINVALID, []string{"not a SQLite database"}},
		{"OtherApplicationTables", foreign, bulwark.EINVALID, []string{"another application"}},
		{"OtherApplicationID", otherApp, bulwark.EINVALID, []string{"another application"}},
		{"DevNull", os.DevNull, bulwark.EINVALID, []string{"not a regular file"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before []byte
			if fi, err := os.Stat(c.path); err == nil && fi.Mode().IsRegular() {
				before = readFile(t, c.path)
			}
			db, err := sqlite.Open(context.Background(), c.path, sqlite.Options{})
			if err == nil {
				_ = db.Close()
				t.Fatalf("Open succeeded, want %q", c.code)
			}
			if got := bulwark.ErrorCode(err); got != c.code {
				t.Errorf("code = %q, want %q (%v)", got, c.code, err)
			}
			msg := bulwark.ErrorMessage(err)
			t.Logf("%s: %s", bulwark.ErrorCode(err), msg)
			for _, want := range c.inMessage {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not contain %q", msg, want)
				}
			}
			if before != nil && !bytes.Equal(readFile(t, c.path), before) {
				t.Errorf("Open changed the file it refused")
			}
		})
	}
}

func TestOpenNotWritable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores file modes; TestOpenErrors covers what fails for root")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
	path := filepath.Join(dir, "bulwark.db")
	_, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if !bulwark.IsCode(err, bulwark.EUNAVAILABLE) {
		t.Fatalf("Open = %v, want %q", err, bulwark.EUNAVAILABLE)
	}
	want := "cannot open store at " + path + ": permission denied — choose a writable --data-dir directory"
	if msg := bulwark.ErrorMessage(err); msg != want {
		t.Errorf("message = %q, want %q", msg, want)
	}
}

func TestOpenCreates(t *testing.T) {
	// Characters that mean something in a SQLite URI must not confuse it.
	dir := filepath.Join(t.TempDir(), "odd ?#% dir")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "store?.db")
	db := openAt(t, path)
	if db.Path() != path {
		t.Errorf("Path = %q, want %q", db.Path(), path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("store file not created where asked: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("store file mode = %o, want 600", perm)
	}
	if err := db.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if _, err := db.AuditHead(context.Background()); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "store?.db") {
			t.Errorf("unexpected file %q next to the store", e.Name())
		}
		if fi, err := e.Info(); err == nil && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %o, want 600", e.Name(), fi.Mode().Perm())
		}
	}
	if len(entries) < 3 {
		t.Errorf("want the store and its -wal and -shm files, found %d files", len(entries))
	}

	// A relative path is made absolute.
	t.Chdir(dir)
	rel := openAt(t, "relative.db")
	if rel.Path() != filepath.Join(dir, "relative.db") {
		t.Errorf("Path = %q", rel.Path())
	}
}

func TestOptionsInvalid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bulwark.db")
	for _, opt := range []sqlite.Options{{Readers: -1}, {BusyTimeout: -time.Second}} {
		if _, err := sqlite.Open(context.Background(), path, opt); !bulwark.IsCode(err, bulwark.EINVALID) {
			t.Errorf("Open(%+v) = %v, want %q", opt, err, bulwark.EINVALID)
		}
	}
}

// TestLockedByAnotherProcess holds the write lock on a second connection,
// as another bulwark process or the sqlite3 command would.
func TestLockedByAnotherProcess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	if err := openAt(t, path).Close(); err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, path)
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}

	// Opening does not wait for the other writer: read-only commands work.
	start := time.Now()
	db, err := sqlite.Open(ctx, path, sqlite.Options{BusyTimeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("Open while another process writes: %v", err)
	}
	defer db.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Open waited %v for the other writer", d)
	}
	db.Close()
	db, err = sqlite.Open(ctx, path, sqlite.Options{BusyTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	start = time.Now()
	_, err = (&audit.Log{Store: db}).Record(ctx, audit.Event{Actor: "cli", Action: "blocked"})
	if !bulwark.IsCode(err, bulwark.EUNAVAILABLE) || !strings.Contains(bulwark.ErrorMessage(err), "locked by another process") {
		t.Fatalf("Record while locked = %v (code %q)", err, bulwark.ErrorCode(err))
	}
	if d := time.Since(start); d < 90*time.Millisecond || d > 3*time.Second {
		t.Errorf("gave up after %v, want about the 100ms busy timeout", d)
	}
	// Readers are not blocked by a writer in WAL mode.
	if _, err := db.AuditHead(ctx); err != nil {
		t.Errorf("AuditHead while locked: %v", err)
	}
	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	if _, err := (&audit.Log{Store: db}).Record(ctx, audit.Event{Actor: "cli", Action: "free"}); err != nil {
		t.Errorf("Record after the lock is released: %v", err)
	}
}

// TestContextDeadline waits for the single writer connection with a short
// deadline while another append holds it.
func TestContextDeadline(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	if err := db.CreateToken(ctx, &auth.Token{ID: "00000000000000aa", Name: "n", Role: auth.RoleViewer, Hash: []byte{1}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := db.AppendAudit(ctx, func(context.Context, audit.Head) (*audit.Entry, error) {
			close(holding)
			<-release
			return nil, errors.New("never mind")
		})
		done <- err
	}()
	<-holding
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err := db.TouchToken(short, "00000000000000aa", time.Now())
	if !bulwark.IsCode(err, bulwark.ETIMEOUT) {
		t.Errorf("TouchToken with a passed deadline = %v (code %q), want %q", err, bulwark.ErrorCode(err), bulwark.ETIMEOUT)
	}
	// Reads do not wait for the writer.
	if _, err := db.TokenByID(ctx, "00000000000000aa"); err != nil {
		t.Errorf("TokenByID while the writer is busy: %v", err)
	}
	close(release)
	if err := <-done; err == nil || err.Error() != "never mind" {
		t.Errorf("AppendAudit = %v", err)
	}
}

func TestClosed(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := db.Ping(ctx); !bulwark.IsCode(err, bulwark.EUNAVAILABLE) {
		t.Errorf("Ping after Close = %v, want %q", err, bulwark.EUNAVAILABLE)
	}
	if _, err := db.TokenByID(ctx, "00000000000000aa"); !bulwark.IsCode(err, bulwark.EUNAVAILABLE) {
		t.Errorf("TokenByID after Close = %v, want %q", err, bulwark.EUNAVAILABLE)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenReadOnly(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores file modes")
	}
	cases := []struct {
		name   string
		modify func(t *testing.T, dir, path string)
		want   string
	}{
		{"FileReadOnly", func(t *testing.T, dir, path string) {
			if err := os.Chmod(path, 0o400); err != nil {
				t.Fatal(err)
			}
		}, "the file is not writable (permission denied)"},
		{"DirectoryReadOnly", func(t *testing.T, dir, path string) {
			if err := os.Chmod(dir, 0o500); err != nil {
				t.Fatal(err)
			}
		}, "its directory is not writable (permission denied)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
			path := filepath.Join(dir, "bulwark.db")
			if err := openAt(t, path).Close(); err != nil {
				t.Fatal(err)
			}
			c.modify(t, dir, path)
			db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
			if err == nil {
				_ = db.Close()
				t.Fatal("Open succeeded")
			}
			t.Logf("%s: %s", bulwark.ErrorCode(err), bulwark.ErrorMessage(err))
			want := "cannot open store at " + path + ": " + c.want + " — choose a writable --data-dir directory"
			if !bulwark.IsCode(err, bulwark.EUNAVAILABLE) || bulwark.ErrorMessage(err) != want {
				t.Errorf("Open = %q (code %q), want %q", bulwark.ErrorMessage(err), bulwark.ErrorCode(err), want)
			}
		})
	}
}

// TestCosignConformance runs the co-signer's store suite (beside
// TestConformance, so that -run Cosign selects it).
func TestCosignConformance(t *testing.T) {
	storetest.CosignStore(t, func(t *testing.T) storetest.CosignAuditStore { return openStore(t) })
}
