package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// storeBefore makes a store file holding every migration before the one
// named migration, as a release before it left it, for a migration test
// to fill with old rows through exec and then open. It returns the file's
// path, the raw connection (the test closes it before opening the store)
// and exec, which fails the test on an error.
func storeBefore(t *testing.T, migration string) (path string, raw *sql.DB, exec func(q string, args ...any)) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "bulwark.db")
	raw, err := sql.Open(driverName, dsn(path, nil))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	exec = func(q string, args ...any) {
		t.Helper()
		if _, err := raw.ExecContext(context.Background(), q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`)
	found := false
	for _, m := range ms {
		if m.name == migration {
			found = true
			break
		}
		exec(m.sql)
		exec(`INSERT INTO schema_migrations VALUES (?, ?, ?)`, m.version, m.name, formatTime(time.Now()))
	}
	if !found {
		t.Fatalf("no %s migration", migration)
	}
	exec(`PRAGMA application_id = ` + strconv.Itoa(applicationID))
	return path, raw, exec
}
