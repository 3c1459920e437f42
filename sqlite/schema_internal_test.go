package sqlite

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite schema.sql from the migrations")

// TestFreshSchema holds schema.sql, the schema a new store gets in one
// step, equal to what running every migration one by one gives: the same
// tables, indexes and triggers, statement for statement, the same rows,
// the same schema_migrations versions and the same application id. After
// adding a migration, rewrite schema.sql with
//
//	go test ./sqlite -run TestFreshSchema -update
func TestFreshSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	open := func(stepwise bool) *DB {
		db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{stepwise: stepwise})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	migrated := open(true)
	want := dumpSchema(t, migrated.w)
	if *update {
		if err := os.WriteFile("schema.sql", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if freshSchema != want {
		t.Fatalf("schema.sql differs from what the migrations give; after adding a migration run\n\tgo test ./sqlite -run TestFreshSchema -update\nmigrations give:\n%s", want)
	}
	fresh := open(false)
	if got := dumpSchema(t, fresh.w); got != want {
		t.Errorf("a new store's schema differs from what the migrations give:\n%s\nwant:\n%s", got, want)
	}
	for _, db := range []*DB{migrated, fresh} {
		if v, err := db.SchemaVersion(ctx); err != nil || v != LatestSchemaVersion() {
			t.Errorf("SchemaVersion = %d, %v; want %d", v, err, LatestSchemaVersion())
		}
	}
	versions := func(db *DB) string {
		return queryText(t, db.w, `SELECT group_concat(version || ' ' || name, ', ') FROM (SELECT version, name FROM schema_migrations ORDER BY version)`)
	}
	if got, want := versions(fresh), versions(migrated); got != want {
		t.Errorf("schema_migrations of a new store: %s; the migrations record %s", got, want)
	}
	if got, want := queryText(t, fresh.w, `PRAGMA application_id`), queryText(t, migrated.w, `PRAGMA application_id`); got != want || got != fmt.Sprint(applicationID) {
		t.Errorf("application_id: new store %s, migrated %s, want %d", got, want, applicationID)
	}
}

// TestFreshSchemaOnlyForEmptyStores: a store that holds tables but no
// recorded migration (one that an old binary began to create, say) is not
// given the fresh schema on top: the migrations run one by one and fail
// on the table already there, changing nothing.
func TestFreshSchemaOnlyForEmptyStores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	raw, err := sql.Open(driverName, dsn(path, nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`,
		`CREATE TABLE tokens (id TEXT PRIMARY KEY) STRICT`,
	} {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	db, err := Open(ctx, path, Options{})
	if err == nil {
		db.Close()
		t.Fatal("Open gave a store holding its own tokens table the fresh schema")
	}
	if !strings.Contains(err.Error(), "0001_tokens_audit") {
		t.Errorf("Open = %v, want the first migration's failure", err)
	}
}

func queryText(t *testing.T, db *sql.DB, query string) string {
	t.Helper()
	var s sql.NullString
	if err := db.QueryRow(query).Scan(&s); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return s.String
}

// dumpSchema writes out a store's schema as statements that recreate it:
// tables, then indexes, views and triggers, each in the order they were
// created, then the rows in the tables (schema_migrations apart), as
// INSERT statements.
func dumpSchema(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("-- The schema a new store gets: what every migration in migrations/ gives\n")
	b.WriteString("-- together. Generated; rewrite it with\n")
	b.WriteString("--   go test ./sqlite -run TestFreshSchema -update\n")
	rows, err := db.Query(`SELECT type, name, sql FROM sqlite_schema
WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> 'schema_migrations'
ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var typ, name, stmt string
		if err := rows.Scan(&typ, &name, &stmt); err != nil {
			t.Fatal(err)
		}
		if typ == "table" {
			tables = append(tables, name)
		}
		fmt.Fprintf(&b, "\n%s;\n", stmt)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	for _, table := range tables {
		cols, err := db.Query(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
		if err != nil {
			t.Fatal(err)
		}
		var quoted []string
		for cols.Next() {
			var c string
			if err := cols.Scan(&c); err != nil {
				t.Fatal(err)
			}
			quoted = append(quoted, fmt.Sprintf(`quote("%s")`, strings.ReplaceAll(c, `"`, `""`)))
		}
		cols.Close()
		q := fmt.Sprintf(`SELECT 'INSERT INTO "%[1]s" VALUES (' || %[2]s || ');' FROM "%[1]s" ORDER BY rowid`,
			strings.ReplaceAll(table, `"`, `""`), strings.Join(quoted, ` || ', ' || `))
		data, err := db.Query(q)
		if err != nil {
			// A WITHOUT ROWID table has no rowid to order by.
			data, err = db.Query(strings.TrimSuffix(q, " ORDER BY rowid"))
			if err != nil {
				t.Fatal(err)
			}
		}
		for data.Next() {
			var stmt string
			if err := data.Scan(&stmt); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "\n%s\n", stmt)
		}
		data.Close()
	}
	return b.String()
}
