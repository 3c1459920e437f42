package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/keystore"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// Main is the program: it holds its streams and environment instead of
// reaching for globals, so tests run it in-process.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// LookupEnv reads the environment; tests replace it.
	LookupEnv func(string) (string, bool)
	// Version overrides the build's version string.
	Version string
	// Serve builds and runs the server of 'bulwark serve' from what the
	// command hands it; cmd/bulwark wires it.
	Serve func(ctx context.Context, s *Serving) error

	g            globals
	logger       *slog.Logger
	configTables map[string]bool
	db           *sqlite.DB
	// walSyncInterval is the store's sqlite.Options.WALSyncInterval (serve
	// --decisions-fsync-interval; 0: the default).
	walSyncInterval time.Duration
	// mislabelWarned is set once the warning about lists an earlier
	// Bulwark mislabelled was given (or is left to the command).
	mislabelWarned bool
	// staleWarned is set once the warning about stale lists was given.
	staleWarned bool
	// traceScreening is the screening service 'bulwark trace' labels
	// addresses from, closed when the trace is written.
	traceScreening *screening.Service
	// osUser returns the OS user and host of a command-line approval
	// (osIdentity when nil); tests replace it.
	osUser func() (user, host string, err error)
	// readBuildInfo reads the build's stamp (debug.ReadBuildInfo when
	// nil); tests replace it.
	readBuildInfo func() (*debug.BuildInfo, bool)
	// defaultLists returns the lists a new data directory starts with
	// (sources.Embedded when nil); tests replace it by a copy of lists
	// decoded once.
	defaultLists func() ([]*screening.List, error)
	// testCosigner, when set, is the co-signer's key of 'safe cosign'
	// instead of the keystore's; tests set it.
	testCosigner cosign.Signer
	// cosignerParams, when set, is the scrypt cost of the co-signer's key
	// files instead of keystore.Standard; tests set a lighter one.
	cosignerParams *keystore.Params
	// keyWritten, set by tests, runs once a co-signer key file is written
	// and before its completion is audited: where a kill -9 would leave a
	// file with only its "started" entry.
	keyWritten func(path string)
	// scanProgressEvery is how often 'scan repo' writes a progress line
	// on a large tree (0: every 2 seconds); tests shorten it.
	scanProgressEvery time.Duration
}

// NewMain returns a Main wired to the process's streams and environment;
// version is the build's (set at link time; "" when none was), serve
// builds and runs the server.
func NewMain(version string, serve func(context.Context, *Serving) error) *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, LookupEnv: os.LookupEnv, Version: version, Serve: serve}
}

// Run runs the command named by args and returns the process exit code.
// Errors are printed to Stderr as one line.
func (m *Main) Run(ctx context.Context, args []string) int {
	root := m.root()
	m.configTables = map[string]bool{}
	for _, c := range root.subs {
		if c.configurable {
			m.configTables[c.name] = true
		}
	}
	code, err := m.dispatch(ctx, root, args)
	if err != nil {
		m.printPending(err)
		m.printError(err)
		return bulwark.ErrorExitCode(err)
	}
	return code
}

// Close releases what Run opened.
func (m *Main) Close() error {
	if m.db != nil {
		err := m.db.Close()
		m.db = nil
		return err
	}
	return nil
}

// printPending prints, for an action now waiting for a second person's
// approval, the request and the summary the approver will see, exactly:
// on stdout, as JSON with --json ({"approval": {…}}).
func (m *Main) printPending(err error) {
	r := approval.PendingRequest(err)
	if r == nil || !bulwark.IsCode(err, bulwark.EPENDING) {
		return
	}
	if m.g.json {
		_ = m.printJSON(map[string]any{"approval": r})
		return
	}
	fmt.Fprintf(m.Stdout, "Held for dual control: request %s waits for a second person until %s.\nWhat they will approve (sha256 %s):\n%s",
		r.ID, r.Expires.UTC().Format(time.RFC3339), r.SummaryDigest, r.Summary)
}

func (m *Main) printError(err error) {
	msg := bulwark.ErrorMessage(err)
	if bulwark.ErrorCode(err) == bulwark.EINTERNAL {
		if m.logger != nil {
			m.logger.Debug("internal error", "err", err)
		}
		msg = "internal error (run again with --log-level debug for details)"
	}
	fmt.Fprintf(m.Stderr, "bulwark: %s\n", msg)
}

func (m *Main) lookupEnv(name string) (string, bool) {
	if m.LookupEnv == nil {
		return "", false
	}
	return m.LookupEnv(name)
}

func (m *Main) setupLogging() error {
	var level slog.Level
	switch strings.ToLower(m.g.logLevel) {
	case "debug":
		level = slog.LevelDebug
	case "info", "":
		level = slog.LevelInfo
	case "warn", "warning":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		return bulwark.Invalid("--log-level", "unknown level %q: use debug, info, warn or error", m.g.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch m.g.logFormat {
	case "text", "":
		m.logger = slog.New(slog.NewTextHandler(m.Stderr, opts))
	case "json":
		m.logger = slog.New(slog.NewJSONHandler(m.Stderr, opts))
	default:
		return bulwark.Invalid("--log-format", "unknown format %q: use text or json", m.g.logFormat)
	}
	return nil
}

// dataDir returns the data directory in force: --data-dir, $BULWARK_DATA
// (applied to the flag before this is called), or ~/.local/share/bulwark,
// as the shared command-line contract says. $XDG_DATA_HOME is not
// followed; a store found in $XDG_DATA_HOME/bulwark (where earlier
// versions put it) while the default directory has none is an error
// saying how to keep using it, never a silent start on an empty store.
func (m *Main) dataDir() (string, error) {
	if m.g.dataDir != "" {
		return filepath.Abs(m.g.dataDir)
	}
	home, ok := m.lookupEnv("HOME")
	if !ok || home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", bulwark.Invalid("--data-dir", "no home directory to put the default data directory in: give --data-dir DIR or set BULWARK_DATA")
		}
	}
	dir := filepath.Join(home, ".local", "share", "bulwark")
	if x, ok := m.lookupEnv("XDG_DATA_HOME"); ok && x != "" {
		old := filepath.Join(x, "bulwark")
		if old != dir && exists(filepath.Join(old, "bulwark.db")) && !exists(filepath.Join(dir, "bulwark.db")) {
			return "", bulwark.Invalid("--data-dir", "the default data directory is %s, which holds no store, but %s ($XDG_DATA_HOME/bulwark) does: "+
				"give --data-dir %s or set BULWARK_DATA=%s to keep using it, or move it to %s", dir, old, old, old, dir)
		}
	}
	return dir, nil
}

// exists reports whether path names an existing file.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// openStore creates the data directory if needed and opens the store in it.
func (m *Main) openStore(ctx context.Context) (*sqlite.DB, error) {
	if m.db != nil {
		return m.db, nil
	}
	dir, err := m.dataDir()
	if err != nil {
		return nil, err
	}
	if err := ensureWritableDir(dir); err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "bulwark.db"), sqlite.Options{WALSyncInterval: m.walSyncInterval, Logger: m.logger})
	if err != nil {
		return nil, err
	}
	m.db = db
	return db, nil
}

// ensureWritableDir creates dir (mode 0700) and checks that files can be
// created in it, so that a bad --data-dir fails with one clear line saying
// what is wrong with which path.
func ensureWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return dataDirProblem(dir, "create", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return dataDirProblem(dir, "use", err)
	}
	if !fi.IsDir() {
		return notADirectory(dir, dir, fi)
	}
	f, err := os.CreateTemp(dir, ".write-probe-*")
	if err != nil {
		return dataDirProblem(dir, "write in", err)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return nil
}

// dataDirProblem explains why the data directory dir could not be created,
// used or written in (doing), from err: what is in the way and how to fix
// it, rather than the system call's bare reason.
func dataDirProblem(dir, doing string, err error) error {
	const fix = "give --data-dir (or BULWARK_DATA) a directory you can write in"
	if p, fi := deepestExisting(dir); fi != nil && !fi.IsDir() {
		return notADirectory(dir, p, fi)
	}
	if fi, lerr := os.Lstat(dir); lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
		if target, rerr := os.Readlink(dir); rerr == nil {
			if _, serr := os.Stat(dir); errors.Is(serr, os.ErrNotExist) {
				return bulwark.Invalid("--data-dir", "%s is a symbolic link to %s, which does not exist; create that directory or %s", dir, target, fix)
			}
		}
	}
	where := dir
	var pe *os.PathError
	if errors.As(err, &pe) && pe.Path != "" && !strings.HasPrefix(filepath.Base(pe.Path), ".write-probe-") {
		where = pe.Path
	}
	switch {
	case errors.Is(err, os.ErrPermission):
		if where != dir {
			return bulwark.Invalid("--data-dir", "cannot %s data directory %s: permission denied on %s; %s, or change that directory's permissions", doing, dir, where, fix)
		}
		return bulwark.Invalid("--data-dir", "cannot %s data directory %s: permission denied; %s, or change its permissions", doing, dir, fix)
	case errors.Is(err, syscall.EROFS):
		return bulwark.Invalid("--data-dir", "cannot %s data directory %s: the file system is read-only; %s on a writable file system", doing, dir, fix)
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return bulwark.Invalid("--data-dir", "cannot %s data directory %s: no space left on the device (or over quota); free some space, or %s on another device", doing, dir, fix)
	case errors.Is(err, syscall.ENAMETOOLONG):
		return bulwark.Invalid("--data-dir", "cannot %s data directory %s: the path is too long; %s with a shorter path", doing, bulwark.Echo(dir), fix)
	case errors.Is(err, syscall.ELOOP):
		return bulwark.Invalid("--data-dir", "cannot %s data directory %s: too many levels of symbolic links (a loop?); %s", doing, dir, fix)
	}
	return bulwark.Invalid("--data-dir", "cannot %s data directory %s: %s; %s", doing, dir, pathErr(err), fix)
}

// deepestExisting returns the longest prefix of dir (dir itself, else its
// parent, …) that exists, with its file info (symbolic links followed), or
// a nil info when none can be looked at.
func deepestExisting(dir string) (string, os.FileInfo) {
	for p := filepath.Clean(dir); ; {
		fi, err := os.Stat(p)
		if err == nil {
			return p, fi
		}
		if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			return "", nil
		}
		parent := filepath.Dir(p)
		if parent == p {
			return "", nil
		}
		p = parent
	}
}

// notADirectory is the error for a data directory dir that cannot be one
// because path (dir or one of its parents), described by fi, is not a
// directory.
func notADirectory(dir, path string, fi os.FileInfo) error {
	what := "a file"
	switch t := fi.Mode().Type(); {
	case t&os.ModeDevice != 0:
		what = "a device"
	case t&os.ModeNamedPipe != 0:
		what = "a named pipe"
	case t&os.ModeSocket != 0:
		what = "a socket"
	case t != 0:
		what = "a special file"
	}
	if path == dir {
		return bulwark.Invalid("--data-dir", "%s is %s, not a directory; give --data-dir a directory", dir, what)
	}
	return bulwark.Invalid("--data-dir", "%s is %s, not a directory, so %s cannot be created under it; give --data-dir a directory", path, what, dir)
}

// plural returns n followed by one or many, as n requires ("1 match",
// "0 matches").
func plural(n int, one, many string) string { return bulwark.Plural(n, one, many) }

// pathErr returns the bare reason of a filesystem error ("permission
// denied", "not a directory") without repeating the path.
func pathErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// cliActor names the person running a CLI command in the audit log:
// "cli:USER@HOST", the operating-system user by the process's user id
// (not $USER, which the caller sets as they like) and the host, as
// command-line approvals record them; "cli" when they cannot be read.
func (m *Main) cliActor() string {
	u, host, err := m.osIdentity()
	if err != nil || u == "" {
		return "cli"
	}
	return "cli:" + u + "@" + host
}

func (m *Main) services(ctx context.Context) (*sqlite.DB, *auth.Service, *audit.Log, error) {
	db, err := m.openStore(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	return db, &auth.Service{Store: db}, &audit.Log{Store: db}, nil
}

func (m *Main) printJSON(v any) error {
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// buildInfo is what a binary knows about the source it was built from.
type buildInfo struct {
	// Version is a release version (ldflags or a tagged module), else "dev".
	Version string
	// Commit, CommitTime and Modified come from the version control
	// stamp; empty or false when the build recorded none.
	Commit     string
	CommitTime string
	Modified   bool
}

// pseudoVersion matches the version the go command derives from a commit
// that is no release (v0.0.0-20261206224549-3434ef666896, optionally with
// +dirty): not a version a user can look up, so it is reported as "dev"
// with its commit, as a build without the stamp is.
var pseudoVersion = regexp.MustCompile(`[-.]\d{14}-[0-9a-f]{12}(\+dirty)?$`)

// buildVersion returns the version: the one set at link time, else a
// tagged module version, else "dev"; the commit, its time and whether the
// tree was modified come from the build's version control stamp when
// there is one, so `go build` and a stamped `go run` report the same.
func (m *Main) buildVersion() buildInfo {
	read := m.readBuildInfo
	if read == nil {
		read = debug.ReadBuildInfo
	}
	bi, _ := read()
	return versionOf(m.Version, bi)
}

func versionOf(linked string, bi *debug.BuildInfo) buildInfo {
	info := buildInfo{Version: linked}
	if bi == nil {
		bi = &debug.BuildInfo{}
	}
	if v := bi.Main.Version; info.Version == "" && v != "" && v != "(devel)" && !pseudoVersion.MatchString(v) {
		info.Version = v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Commit = s.Value
		case "vcs.time":
			info.CommitTime = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	return info
}

// String is the version line's middle: "dev (commit 3434ef666896
// 2026-12-06T22:45:49Z, modified)".
func (b buildInfo) String() string {
	s := b.Version
	if b.Commit == "" {
		return s
	}
	s += fmt.Sprintf(" (commit %.12s", b.Commit)
	if b.CommitTime != "" {
		s += " " + b.CommitTime
	}
	if b.Modified {
		s += ", modified"
	}
	return s + ")"
}

func (m *Main) versionCmd() *command {
	return &command{
		name:    "version",
		summary: "print Bulwark's version",
		usage:   "bulwark version [--json]",
		run: func(ctx context.Context, args []string) (int, error) {
			if len(args) > 0 {
				return bulwark.ExitError, bulwark.Invalid("version", "takes no arguments, got %q", args[0])
			}
			b := m.buildVersion()
			if m.g.json {
				return 0, m.printJSON(map[string]any{"version": b.Version, "commit": b.Commit, "commitTime": b.CommitTime, "modified": b.Modified,
					"go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH})
			}
			fmt.Fprintf(m.Stdout, "bulwark %s %s %s/%s\n", b, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return 0, nil
		},
	}
}

// root builds the command tree.
func (m *Main) root() *command {
	return &command{
		name: "bulwark",
		long: "Bulwark defends crypto exchanges, custodians and employers against North Korean state operations:\n" +
			"infiltration, blind signing, laundering and cash-out.",
		subs: []*command{
			m.serveCmd(),
			m.tokenCmd(),
			m.userCmd(),
			m.auditCmd(),
			m.versionCmd(),
			m.safeCmd(),
			m.screenCmd(),
			m.listsCmd(),
			m.alertsCmd(),
			m.withTraceWatch(m.withTraceDeposits(m.withTraceCase(m.traceCmd()))),
			m.hireCmd(),
			m.scanCmd(),
		},
	}
}

func formatTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
