package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// driverName is the database/sql name modernc.org/sqlite registers.
const driverName = "sqlite"

// Defaults for Options.
const (
	// DefaultReaders is the size of the reader pool when Options.Readers is 0.
	DefaultReaders = 4
	// DefaultBusyTimeout is how long a statement waits for a lock held by
	// another process when Options.BusyTimeout is 0.
	DefaultBusyTimeout = 5 * time.Second
	// DefaultWALSyncInterval is Options.WALSyncInterval when 0.
	DefaultWALSyncInterval = 100 * time.Millisecond
)

// applicationID marks a SQLite file as a Bulwark store ("BWRK"), so that a
// database belonging to another program is refused rather than altered.
const applicationID = 0x4257524B

// Options are the optional settings of Open. The zero value is ready to use.
type Options struct {
	// Readers is how many connections the reader pool may hold; 0 means
	// DefaultReaders.
	Readers int
	// BusyTimeout is how long a statement waits for a lock held by another
	// process before it fails with EUNAVAILABLE; 0 means DefaultBusyTimeout.
	BusyTimeout time.Duration
	// NoGroupCommit turns group commit off: every AppendAudit is then its
	// own write transaction with its own fsync, run on the caller's
	// goroutine, as before group commit. It is for benchmarks and
	// debugging only; it caps audited throughput at about one append per
	// fsync.
	NoGroupCommit bool
	// WALSyncInterval bounds how long an append marked with
	// audit.WithDeferredSync may stay unsynced: such a batch is committed
	// to the write-ahead log without an fsync (synchronous=NORMAL), and a
	// background syncer flushes the log this often when something is
	// unsynced, and at Close. 0 means DefaultWALSyncInterval. Every other
	// write (and every append with NoGroupCommit) is synced as it commits
	// (synchronous=FULL).
	WALSyncInterval time.Duration
	// Logger receives the store's warnings (a list cache that does not
	// match the store, listcache.go); nil discards them.
	Logger *slog.Logger

	// stepwise makes a new store run every migration one by one instead
	// of taking freshSchema; set only by the tests that compare the two.
	stepwise bool
}

// DB is an open store. It implements auth.TokenStore and audit.Store and is
// safe for concurrent use.
type DB struct {
	path     string
	stepwise bool    // Options.stepwise
	w        *sql.DB // the single writer connection
	r        *sql.DB // query_only readers

	tokenByID    *sql.Stmt
	auditHead    *sql.Stmt
	auditEntries *sql.Stmt
	// The reads of Transfers (traceingest.go).
	transfersOfAddress, transfersInRange *sql.Stmt

	// Prepared once on the writer connection for the audit writer, which
	// runs them in its transactions with Tx.StmtContext.
	wAuditHead, wAuditInsert, wAuditMoveHead *sql.Stmt
	wSavepoint, wRollbackTo, wRelease        *sql.Stmt
	wMark, wReleaseMark                      *sql.Stmt
	wSaveDecision                            *sql.Stmt

	// The audit writer (group.go); nil channels with NoGroupCommit.
	noGroupCommit bool
	reqs          chan *appendReq // AppendAudit calls for the writer loop
	stop          chan struct{}   // closed by Close: the loop is to end
	stopOnce      sync.Once
	loopDone      chan struct{} // closed by the loop as it ends

	appends, commits atomic.Int64 // see Stats

	// The WAL syncer (walsync.go).
	walSyncEvery    time.Duration
	deferredCommits atomic.Int64 // batches committed without an fsync
	syncedCommits   atomic.Int64 // deferredCommits covered by the last WAL sync
	walSyncs        atomic.Int64
	walSyncFailures atomic.Int64
	walSyncMu       sync.Mutex // one WAL sync at a time
	syncerStop      chan struct{}
	syncerDone      chan struct{}
	syncerStopOnce  sync.Once

	// The decision journal (journal.go), once DecisionJournal is called.
	journalMu sync.Mutex

	// Ids of trace streams and assets (traceingest.go).
	traceIDs traceIDs
	// The INSERTs of ingestion, prepared on the writer once (traceingest.go).
	ingestMu        sync.Mutex
	ingestTransfers []*sql.Stmt // by transferChunks; nil until prepared
	ingestAddresses []*sql.Stmt // by addressChunks; nil until prepared
	// journalSegmentBytes, when set (by tests) before DecisionJournal, is
	// the size of the journal's segments.
	journalSegmentBytes int64
	journal             *journal
	// log receives the store's warnings (Options.Logger).
	log *slog.Logger
	// listCacheWarned is set once a list cache not matching the store
	// was logged (listcache.go).
	listCacheWarned atomic.Bool
	// afterBatchID, when set (by tests), runs between batchedDecision's
	// read of a decision's batch id and its read of the batch.
	afterBatchID func()
	// lastBatches are the batch rows saveDecisionBatch wrote last.
	lastBatches recentBatches
	// Counters for Stats.
	journalAppends, journalUnsyncedAppends       atomic.Int64
	journalStored, journalLoads, journalFailures atomic.Int64

	gen tokenGen // the token generation shared with other processes (tokens.go)
}

var (
	_ auth.TokenStore = (*DB)(nil)
	_ audit.Store     = (*DB)(nil)
)

// Open opens the store at path, creating the file (mode 0600) if it is
// absent, and brings its schema up to date. It fails with a clear
// *bulwark.Error when the file cannot be opened or written, is not a
// Bulwark store, or has a schema newer than this binary knows.
func Open(ctx context.Context, path string, opt Options) (*DB, error) {
	if opt.Readers < 0 {
		return nil, bulwark.Invalid("readers", "must not be negative")
	}
	if opt.BusyTimeout < 0 {
		return nil, bulwark.Invalid("busy timeout", "must not be negative")
	}
	if opt.Readers == 0 {
		opt.Readers = DefaultReaders
	}
	if opt.BusyTimeout == 0 {
		opt.BusyTimeout = DefaultBusyTimeout
	}
	if opt.WALSyncInterval < 0 {
		return nil, bulwark.Invalid("WAL sync interval", "must not be negative")
	}
	if opt.WALSyncInterval == 0 {
		opt.WALSyncInterval = DefaultWALSyncInterval
	}
	abs, err := checkPath(path)
	if err != nil {
		return nil, err
	}
	db := &DB{path: abs, noGroupCommit: opt.NoGroupCommit, walSyncEvery: opt.WALSyncInterval, stepwise: opt.stepwise, log: opt.Logger}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	if err := db.open(ctx, opt); err != nil {
		_ = db.Close()
		return nil, err
	}
	if !db.noGroupCommit {
		db.startWriter()
		db.startSyncer()
	}
	if err := db.recoverJournal(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) open(ctx context.Context, opt Options) error {
	busy := strconv.FormatInt(opt.BusyTimeout.Milliseconds(), 10)

	w, err := sql.Open(driverName, dsn(db.path, url.Values{
		"_pragma": {
			"busy_timeout(" + busy + ")",
			"foreign_keys(1)",
			"synchronous(FULL)",
			// The audit writer's savepoints journal the pages they change:
			// in memory, not in a temporary file (a seventh of the
			// decision loader's CPU went to writing that file).
			"temp_store(MEMORY)",
			// Deleted content is overwritten, not left in free pages
			// and cells: a forgotten person's record is gone from the
			// file, not merely unreachable (hiring.Store.ForgetPerson).
			"secure_delete(1)",
		},
		"_txlock": {"immediate"},
	}))
	if err != nil {
		return db.openErr(err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	db.w = w

	// Look before touching: journal_mode=WAL is written into the file, so
	// it is set only once the file is known to be a Bulwark store or new.
	// It persists, so connections opened later start in WAL mode.
	if err := db.checkOwner(ctx); err != nil {
		return err
	}
	if err := db.probeWrite(ctx, busy); err != nil {
		return err
	}
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return db.openErr(err)
	}
	if !strings.EqualFold(mode, "wal") {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "cannot open store at %s: its file system does not support write-ahead logging (journal mode stays %q) — choose a --data-dir directory on a local disk", db.path, mode)
	}
	if err := db.migrate(ctx); err != nil {
		return err
	}

	r, err := sql.Open(driverName, dsn(db.path, url.Values{
		"_pragma": {
			"busy_timeout(" + busy + ")",
			"foreign_keys(1)",
			"query_only(1)",
		},
	}))
	if err != nil {
		return db.openErr(err)
	}
	r.SetMaxOpenConns(opt.Readers)
	r.SetMaxIdleConns(opt.Readers)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	db.r = r
	if err := r.PingContext(ctx); err != nil {
		return db.openErr(err)
	}

	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&db.tokenByID, sqlTokenByID},
		{&db.transfersOfAddress, sqlTransfersOfAddress},
		{&db.transfersInRange, sqlTransfersInRange},
		{&db.auditHead, sqlAuditHead},
		{&db.auditEntries, sqlAuditEntries},
	} {
		if *p.stmt, err = r.PrepareContext(ctx, p.sql); err != nil {
			return db.openErr(err)
		}
	}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&db.wAuditHead, sqlAuditHead},
		{&db.wAuditInsert, sqlAuditInsert},
		{&db.wAuditMoveHead, sqlAuditMoveHead},
		{&db.wSavepoint, `SAVEPOINT audit_append`},
		{&db.wRollbackTo, `ROLLBACK TO audit_append`},
		{&db.wRelease, `RELEASE audit_append`},
		{&db.wMark, `SAVEPOINT audit_build`},
		{&db.wReleaseMark, `RELEASE audit_build`},
		{&db.wSaveDecision, sqlSaveDecision},
	} {
		if *p.stmt, err = w.PrepareContext(ctx, p.sql); err != nil {
			return db.openErr(err)
		}
	}
	return nil
}

// probeWrite makes sure the store can be written now rather than at the
// first append: SQLite quietly opens a write-protected file read-only. It
// rewrites user_version with its own value and rolls back. It does not wait
// for a lock: if another process is writing, the file is writable (SQLite
// reports a read-only file before it tries to lock), and a read-only
// command should not wait for that writer.
func (db *DB) probeWrite(ctx context.Context, busyTimeout string) error {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return db.openErr(err)
	}
	defer func() { _ = conn.Close() }()
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 0`); err != nil {
		return db.openErr(err)
	}
	defer func() { _, _ = conn.ExecContext(context.Background(), `PRAGMA busy_timeout = `+busyTimeout) }()
	tx, err := conn.BeginTx(ctx, nil)
	if err == nil {
		defer func() { _ = tx.Rollback() }()
		var v int64
		if err = tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err == nil {
			_, err = tx.ExecContext(ctx, `PRAGMA user_version = `+strconv.FormatInt(v, 10))
		}
	}
	var se *msqlite.Error
	if err != nil && !(errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY) {
		return db.openErr(err)
	}
	return nil
}

// Path returns the absolute path of the store file.
func (db *DB) Path() string { return db.path }

// Close stops the audit writer, after the batch it is writing, and closes
// both pools. AppendAudit calls still queued fail with EUNAVAILABLE. It is
// safe to call more than once.
func (db *DB) Close() error {
	errs := []error{db.CloseJournal()}
	db.stopWriter()
	errs = append(errs, db.stopSyncer())
	for _, s := range []*sql.Stmt{db.tokenByID, db.transfersOfAddress, db.transfersInRange, db.auditHead, db.auditEntries,
		db.wAuditHead, db.wAuditInsert, db.wAuditMoveHead, db.wSavepoint, db.wRollbackTo, db.wRelease, db.wMark, db.wReleaseMark, db.wSaveDecision} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	db.ingestMu.Lock()
	for _, s := range append(db.ingestTransfers, db.ingestAddresses...) {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	db.ingestTransfers, db.ingestAddresses = nil, nil
	db.ingestMu.Unlock()
	// Readers first, so that the writer is the last connection and SQLite
	// checkpoints the write-ahead log into the main file as it closes.
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	if db.w != nil {
		errs = append(errs, db.w.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return bulwark.Wrap(err, bulwark.EINTERNAL, "cannot close store at "+db.path)
	}
	return nil
}

// Ping checks that the store can be read and that the writer connection is
// alive; it is what /readyz asks.
func (db *DB) Ping(ctx context.Context) error {
	var v sql.NullInt64
	if err := db.r.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return db.fail(ctx, err, "check the store")
	}
	if err := db.w.PingContext(ctx); err != nil {
		return db.fail(ctx, err, "check the store")
	}
	return nil
}

// SchemaVersion returns the version of the last migration applied to the
// store (0 for none).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	if err := db.r.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, db.fail(ctx, err, "read the schema version")
	}
	return int(v.Int64), nil
}

// checkPath validates path, returns it absolute, and creates the file with
// mode 0600 when it does not exist yet, so that the store (which holds
// token hashes and audit evidence) is not world-readable. SQLite gives its
// -wal and -shm files the same mode.
//
// An existing file is never opened here: closing any descriptor of a file
// drops the POSIX locks SQLite holds on it for the whole process.
func checkPath(path string) (string, error) {
	if path == "" {
		return "", bulwark.Invalid("path", "the store needs a file path — set the --data-dir directory")
	}
	if path == ":memory:" || strings.HasPrefix(path, "file:") {
		return "", bulwark.Invalid("path", "%q is not a file path: the store needs a file in the --data-dir directory", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", bulwark.Wrap(err, bulwark.EINVALID, fmt.Sprintf("cannot open store at %s: %v", path, err))
	}
	fi, err := os.Stat(abs)
	switch {
	case err == nil && fi.IsDir():
		return "", bulwark.Errorf(bulwark.EINVALID, "cannot open store at %s: it is a directory — give the path of a file inside the --data-dir directory", abs)
	case err == nil && !fi.Mode().IsRegular():
		return "", bulwark.Errorf(bulwark.EINVALID, "cannot open store at %s: it is not a regular file", abs)
	case err == nil:
		return abs, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", pathErr(abs, err)
	}
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return abs, nil // created meanwhile by someone else; SQLite copes
		}
		return "", pathErr(abs, err)
	}
	if err := f.Close(); err != nil {
		return "", pathErr(abs, err)
	}
	return abs, nil
}

// pathErr turns a file-system error about the store file into the message
// an operator needs.
func pathErr(path string, err error) error {
	reason, advice := err.Error(), "choose a writable --data-dir directory"
	var pe *fs.PathError
	if errors.As(err, &pe) {
		reason = pe.Err.Error()
	}
	switch {
	case errors.Is(err, syscall.ENOTDIR):
		reason = "a parent of it is not a directory"
		for dir := filepath.Dir(path); dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
			if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
				reason = dir + " is a file, not a directory"
				break
			}
		}
	case errors.Is(err, fs.ErrNotExist):
		reason = "directory " + filepath.Dir(path) + " does not exist"
		advice = "create it, or choose another --data-dir directory"
	}
	return bulwark.Wrap(err, bulwark.EUNAVAILABLE, fmt.Sprintf("cannot open store at %s: %s — %s", path, reason, advice))
}

// openErr turns an error met while opening the store into a clear message.
func (db *DB) openErr(err error) error {
	var be *bulwark.Error
	if errors.As(err, &be) {
		return err
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB:
			return bulwark.Wrap(err, bulwark.EINVALID, fmt.Sprintf("cannot open store at %s: the file is not a SQLite database — choose another --data-dir directory or move the file away", db.path))
		case sqlite3.SQLITE_CORRUPT:
			return bulwark.Wrap(err, bulwark.EINTEGRITY, fmt.Sprintf("cannot open store at %s: the database file is damaged — restore it from a backup", db.path))
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR:
			return bulwark.Wrap(err, bulwark.EUNAVAILABLE, fmt.Sprintf("cannot open store at %s: %s — choose a writable --data-dir directory", db.path, accessReason(db.path)))
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return bulwark.Wrap(err, bulwark.EUNAVAILABLE, fmt.Sprintf("cannot open store at %s: it is locked by another process — try again, or stop the other process", db.path))
		}
	}
	return bulwark.Wrap(err, bulwark.EUNAVAILABLE, fmt.Sprintf("cannot open store at %s", db.path))
}

// dsn builds a modernc.org/sqlite data source name: a SQLite URI filename,
// in which '%', '?' and '#' of the path must be escaped, and the driver's
// parameters.
func dsn(path string, params url.Values) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(path))
	return "file:" + esc + "?" + params.Encode()
}

// fail turns an error met while serving a call into a *bulwark.Error. op
// says what was being done ("read token abc").
func (db *DB) fail(ctx context.Context, err error, op string) error {
	if err == nil {
		return nil
	}
	var be *bulwark.Error
	if errors.As(err, &be) {
		return err
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return bulwark.Wrap(err, bulwark.ETIMEOUT, "the store did not answer in time (could not "+op+")")
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return bulwark.Wrap(err, bulwark.EUNAVAILABLE, "the request was cancelled (could not "+op+")")
	case errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "sql: database is closed") || strings.Contains(err.Error(), "sql: statement is closed"):
		return bulwark.Wrap(err, bulwark.EUNAVAILABLE, "the store is closed (could not "+op+")")
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return bulwark.Wrap(err, bulwark.EUNAVAILABLE, fmt.Sprintf("the store at %s is locked by another process (could not %s) — try again", db.path, op))
		case sqlite3.SQLITE_FULL:
			return bulwark.Wrap(err, bulwark.EUNAVAILABLE, fmt.Sprintf("the disk holding the store at %s is full (could not %s)", db.path, op))
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR:
			return bulwark.Wrap(err, bulwark.EUNAVAILABLE, fmt.Sprintf("cannot write the store at %s (could not %s): %s", db.path, op, accessReason(db.path)))
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return bulwark.Wrap(err, bulwark.EINTEGRITY, fmt.Sprintf("the store at %s is damaged (could not %s) — restore it from a backup", db.path, op))
		}
	}
	return bulwark.Wrap(err, bulwark.EINTERNAL, "store error: could not "+op)
}

// constraint reports whether err is a SQLite constraint violation with the
// given extended code.
func constraint(err error, code int) bool {
	var se *msqlite.Error
	return errors.As(err, &se) && se.Code() == code
}

// timeLayout is RFC 3339 with all nine fractional digits, so stored times
// sort as text and read back to the nanosecond.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// nullTime formats an optional time for a nullable column.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}

// parseNullTime reads an optional time from a nullable column.
func parseNullTime(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}
