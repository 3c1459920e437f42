package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/bulwark-sec/bulwark"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// freshSchema is what every migration gives together: the tables, indexes
// and triggers, and the rows the migrations insert. A new store gets it in
// one transaction instead of replaying each migration, whose ALTER TABLEs
// each re-read the whole schema. TestFreshSchema holds it equal to the
// migrations' result and rewrites it with -update after a migration is
// added.
//
//go:embed schema.sql
var freshSchema string

// migration is one embedded schema change.
type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// loadMigrations returns the embedded migrations in version order. The
// versions must run 1, 2, 3… without gaps or duplicates; a mistake here is
// a build error that the tests catch.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, n := range names {
		m := migrationName.FindStringSubmatch(path.Base(n))
		if m == nil {
			return nil, fmt.Errorf("migration file %s is not named NNNN_name.sql", n)
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: m[2], sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %04d_%s: want version %d (versions must run 1, 2, 3… without gaps)", m.version, m.name, i+1)
		}
	}
	return out, nil
}

// LatestSchemaVersion returns the schema version this binary brings: the
// version of its last embedded migration.
func LatestSchemaVersion() int {
	ms, err := loadMigrations(migrationFS)
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrate brings the schema up to date on the writer connection.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		return bulwark.Wrap(err, bulwark.EINTERNAL, "this binary's store migrations are broken: "+err.Error())
	}
	known := ms[len(ms)-1].version

	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
) STRICT`); err != nil {
		return db.openErr(err)
	}
	var current sql.NullInt64
	if err := db.w.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&current); err != nil {
		return db.openErr(err)
	}
	if int(current.Int64) > known {
		return bulwark.Errorf(bulwark.ECONFLICT, "cannot open store at %s: its schema version %d is newer than this binary knows (%d) — run a newer bulwark, or restore a backup made by this version", db.path, current.Int64, known)
	}
	if current.Int64 == 0 && !db.stepwise {
		created, err := db.createFresh(ctx, ms)
		if err != nil || created {
			return err
		}
	}
	for _, m := range ms {
		if m.version <= int(current.Int64) {
			continue
		}
		if err := db.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// apply runs one migration and records it in the same transaction. It
// checks again, inside the write lock, that no other process applied it
// meanwhile.
func (db *DB) apply(ctx context.Context, m migration) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return db.openErr(err)
	}
	defer func() { _ = tx.Rollback() }()
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&done); err != nil {
		return db.openErr(err)
	}
	if done > 0 {
		return nil
	}
	fail := func(err error) error {
		return db.migrationErr(fmt.Sprintf("store migration %04d_%s", m.version, m.name), err)
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fail(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, formatTime(time.Now())); err != nil {
		return fail(err)
	}
	if _, err := tx.ExecContext(ctx, `PRAGMA application_id = `+strconv.Itoa(applicationID)); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return nil
}

// createFresh gives a new, empty store its whole schema at once
// (freshSchema) and records every migration as applied, in one
// transaction. It reports false and changes nothing when the store is not
// empty after all — another process created it meanwhile, or it holds
// tables without any recorded migration — and the migrations then run one
// by one, each checking again whether it is already applied.
func (db *DB) createFresh(ctx context.Context, ms []migration) (bool, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return false, db.openErr(err)
	}
	defer func() { _ = tx.Rollback() }()
	var others, applied int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name <> 'schema_migrations'`).Scan(&others); err != nil {
		return false, db.openErr(err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&applied); err != nil {
		return false, db.openErr(err)
	}
	if others > 0 || applied > 0 {
		return false, nil
	}
	fail := func(err error) (bool, error) {
		return false, db.migrationErr(fmt.Sprintf("the schema of store migrations 0001–%04d", ms[len(ms)-1].version), err)
	}
	if _, err := tx.ExecContext(ctx, freshSchema); err != nil {
		return fail(err)
	}
	now := formatTime(time.Now())
	for _, m := range ms {
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, now); err != nil {
			return fail(err)
		}
	}
	if _, err := tx.ExecContext(ctx, `PRAGMA application_id = `+strconv.Itoa(applicationID)); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return true, nil
}

// migrationErr explains why what (a migration, or the fresh schema) could
// not be applied: a bug in it is an internal error, while a locked,
// read-only or full store is the store's problem.
func (db *DB) migrationErr(what string, err error) error {
	var se *msqlite.Error
	if errors.As(err, &se) && se.Code()&0xff != sqlite3.SQLITE_ERROR && se.Code()&0xff != sqlite3.SQLITE_CONSTRAINT {
		return db.openErr(err) // locked, read-only, disk full…: not a bug in the migration
	}
	return bulwark.Wrap(err, bulwark.EINTERNAL, fmt.Sprintf("cannot apply %s to %s: %v", what, db.path, err))
}

// checkOwner refuses a SQLite database that belongs to another program:
// one marked with another application id, or an unmarked one that already
// holds tables but no schema_migrations.
func (db *DB) checkOwner(ctx context.Context) error {
	var id int64
	if err := db.w.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&id); err != nil {
		return db.openErr(err)
	}
	if id == applicationID {
		return nil
	}
	if id != 0 {
		return bulwark.Errorf(bulwark.EINVALID, "cannot open store at %s: it is a SQLite database of another application (application id %#x) — choose another --data-dir directory", db.path, id)
	}
	var tables, ours int
	if err := db.w.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE name = 'schema_migrations') FROM sqlite_schema WHERE type = 'table'`).Scan(&tables, &ours); err != nil {
		return db.openErr(err)
	}
	if tables > 0 && ours == 0 {
		return bulwark.Errorf(bulwark.EINVALID, "cannot open store at %s: it is a SQLite database of another application — choose another --data-dir directory", db.path)
	}
	return nil
}
