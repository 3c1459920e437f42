package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/bulwark-sec/bulwark"
)

// TestPragmas checks the settings each pool really runs with.
func TestPragmas(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{Readers: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	pragma := func(pool *sql.DB, name string) string {
		t.Helper()
		var v string
		if err := pool.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		return v
	}
	cases := []struct {
		pool *sql.DB
		name string
		want string
	}{
		{db.w, "journal_mode", "wal"},
		{db.w, "synchronous", "2"}, // FULL
		{db.w, "temp_store", "2"},  // MEMORY: savepoint journals stay off disk
		{db.w, "foreign_keys", "1"},
		{db.w, "busy_timeout", "5000"},
		{db.w, "query_only", "0"},
		{db.r, "journal_mode", "wal"},
		{db.r, "foreign_keys", "1"},
		{db.r, "busy_timeout", "5000"},
		{db.r, "query_only", "1"},
	}
	for _, c := range cases {
		pool := "writer"
		if c.pool == db.r {
			pool = "reader"
		}
		if got := pragma(c.pool, c.name); got != c.want {
			t.Errorf("%s: PRAGMA %s = %s, want %s", pool, c.name, got, c.want)
		}
	}
	if n := db.w.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer pool allows %d connections, want 1", n)
	}
	if n := db.r.Stats().MaxOpenConnections; n != 3 {
		t.Errorf("reader pool allows %d connections, want 3", n)
	}
	if _, err := db.r.ExecContext(ctx, `DELETE FROM audit_log`); err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Errorf("a reader could write: %v", err)
	}
}

func TestLoadMigrations(t *testing.T) {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatalf("embedded migrations: %v", err)
	}
	if len(ms) == 0 || ms[0].version != 1 || ms[0].name != "tokens_audit" || LatestSchemaVersion() != len(ms) {
		t.Fatalf("embedded migrations = %+v", ms)
	}
	sql := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	cases := []struct {
		name    string
		files   fstest.MapFS
		want    []int
		wantErr string
	}{
		{"InOrder", fstest.MapFS{
			"migrations/0002_b.sql":  sql("b"),
			"migrations/0010_j.sql":  sql("j"),
			"migrations/0001_a.sql":  sql("a"),
			"migrations/notes.txt":   sql("ignored"),
			"migrations/0003_c.sql":  sql("c"),
			"migrations/0004_d.sql":  sql("d"),
			"migrations/0005_e.sql":  sql("e"),
			"migrations/0006_f.sql":  sql("f"),
			"migrations/0007_g.sql":  sql("g"),
			"migrations/0008_h.sql":  sql("h"),
			"migrations/0009_i.sql":  sql("i"),
			"migrations/0011_k.sql":  sql("k"),
			"migrations/0012_l2.sql": sql("l"),
		}, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, ""},
		{"Gap", fstest.MapFS{"migrations/0001_a.sql": sql("a"), "migrations/0003_c.sql": sql("c")}, nil, "without gaps"},
		{"Duplicate", fstest.MapFS{"migrations/0001_a.sql": sql("a"), "migrations/0001_b.sql": sql("b")}, nil, "without gaps"},
		{"BadName", fstest.MapFS{"migrations/1_a.sql": sql("a")}, nil, "NNNN_name.sql"},
		{"StartsAtTwo", fstest.MapFS{"migrations/0002_a.sql": sql("a")}, nil, "want version 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ms, err := loadMigrations(c.files)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, m := range ms {
				got = append(got, m.version)
			}
			if len(got) != len(c.want) {
				t.Fatalf("versions = %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("versions = %v, want %v", got, c.want)
				}
			}
		})
	}
}

// TestMigrationFailureRollsBack: a migration that fails half-way leaves
// neither its changes nor its schema_migrations row behind.
func TestMigrationFailureRollsBack(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	next := LatestSchemaVersion() + 1
	bad := migration{version: next, name: "broken", sql: `CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);`}
	err = db.apply(ctx, bad)
	if !bulwark.IsCode(err, bulwark.EINTERNAL) || !strings.Contains(err.Error(), fmt.Sprintf("%04d_broken", next)) {
		t.Fatalf("apply = %v", err)
	}
	var n int
	if err := db.w.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'half'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("table from the failed migration exists: %d, %v", n, err)
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v != next-1 {
		t.Errorf("SchemaVersion = %d, %v; want %d", v, err, next-1)
	}
}
