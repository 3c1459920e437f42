// Package sqlite is Bulwark's embedded store: it keeps API tokens and the
// hash-chained audit log in one SQLite file, through the pure-Go driver
// modernc.org/sqlite (no cgo, so the binary stays static; see
// docs/benchmarks.md for why this driver over ncruces/go-sqlite3).
//
// # Connections
//
// A DB holds two database/sql pools on the same file. The writer pool has
// exactly one connection, so every write in the process is serialised
// without lock contention, and its transactions begin IMMEDIATE, so a
// second process (say, the CLI next to a running server) waits for the
// write lock instead of failing half-way through a transaction. The reader
// pool has a few connections opened with query_only, so nothing that reads
// can write by mistake; in WAL mode readers never block the writer and the
// writer never blocks readers.
//
// Every connection sets busy_timeout and foreign_keys=ON. The writer sets
// journal_mode=WAL and synchronous=FULL. FULL, rather than the NORMAL that
// WAL usually gets away with, makes SQLite fsync the write-ahead log on
// every commit: a committed audit entry is evidence, and it must survive a
// power cut or kernel crash, not just a killed process. It costs about one
// fsync per commit (see docs/benchmarks.md), which group commit shares
// among concurrent appends.
//
// # Group commit
//
// AppendAudit does not write on the caller's goroutine. Each DB has one
// writer goroutine, started by Open and stopped by Close, that takes the
// first queued append and every other append already waiting (up to 256),
// and runs them in one IMMEDIATE transaction: for each, a savepoint, the
// head as it stands in the transaction, build with a context bound to the
// transaction, the checks, the entry and the head. A failing append rolls
// back to its savepoint and gets its error alone; the others commit
// together, with one fsync, and only then hear of their success. The
// writer never waits for more appends to arrive: batches form only from
// appends that queued while the previous batch was being written, so a
// lone caller pays nothing extra, and audited throughput grows with the
// number of concurrent callers instead of being capped at one commit per
// fsync. (*DB).Stats counts appends and commits; Options.NoGroupCommit
// restores one transaction per append, for benchmarks and debugging.
//
// # Schema
//
// Migrations live in migrations/NNNN_name.sql, are embedded in the binary
// and run in order when the store is opened, each in its own transaction
// together with its row in schema_migrations. A new, empty store instead
// gets schema.sql, what all the migrations give together, in one
// transaction that records every migration as applied: one pass over the
// final tables rather than every ALTER TABLE re-reading the whole schema.
// A test holds schema.sql equal to the migrations' result; after adding a
// migration, rewrite it with `go test ./sqlite -run TestFreshSchema
// -update`. A store whose schema is newer than this binary knows is
// refused rather than used.
//
// Times are stored as RFC 3339 text in UTC with all nine fractional digits
// (2006-01-02T15:04:05.000000000Z): the audit hash covers the time to the
// nanosecond, so it has to read back exactly, and the fixed width keeps
// text order equal to time order. Audit details are stored as text, byte
// for byte as they were hashed.
//
// The audit_log table deliberately has no triggers that forbid UPDATE or
// DELETE: someone with write access to the file can always remove them, so
// they would give a false sense of safety. Tampering is detected instead,
// by audit.Verify.
//
// # Files
//
// Open creates the store file with mode 0600 (it holds token hashes and
// audit evidence); SQLite gives the -wal and -shm files next to it the
// same mode. Next to them, the -tokens file (mode 0600, eight bytes mapped
// into memory by every process using the store) holds the token generation
// that makes a revocation reach other processes' token caches at once (see
// DB.TokenGeneration); it holds no secret and may be deleted while no
// process runs. The file is marked with a Bulwark application_id, and a SQLite
// database of another program is refused rather than changed. While a
// process has the store open, the newest commits may live only in the -wal
// file: back up with the sqlite3 command's .backup (or VACUUM INTO), never
// by copying the .db file alone.
//
// # Errors
//
// Every method returns *bulwark.Error values (AppendAudit passes the error
// of its build function through unchanged, and turns a panic in it into
// EINTERNAL): ENOTFOUND for a missing token,
// ECONFLICT for a duplicate token id or name and for a store whose schema
// is newer than this binary, EINVALID for a path that is not a Bulwark
// store, EUNAVAILABLE when the file cannot be opened or written or is
// locked, ETIMEOUT when a context deadline passes, EINTEGRITY when stored
// data cannot even be read back (a malformed audit time, a damaged file)
// or an append collides with an entry beyond the recorded head, and
// EINTERNAL for anything else.
package sqlite
