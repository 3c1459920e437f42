package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/scan"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// scanSettings are the rule, indicator and limit flags of 'bulwark scan
// repo', also taken by 'bulwark serve' for POST /api/v1/scan.
type scanSettings struct {
	rules  fileList
	iocs   string
	limits scan.Limits
}

// register declares the flags; prefix ("" or "scan-") goes before each
// name.
func (s *scanSettings) register(fs *flag.FlagSet, prefix string) {
	fs.Var(&s.rules, prefix+"rules", "a rule `FILE` (YAML, docs/scanning.md) added to the built-in rules; a rule with a built-in rule's id replaces it (repeatable)")
	fs.StringVar(&s.iocs, prefix+"iocs", "", "an indicator CSV `FILE` (type,value,port,context,family_or_campaign,confidence,source_id,source_ref) added to the built-in indicators")
	d := scan.DefaultLimits()
	fs.Int64Var(&s.limits.MaxFileBytes, prefix+"max-file-bytes", d.MaxFileBytes, "read at most `BYTES` of one file (the rest is reported as not read)")
	fs.Int64Var(&s.limits.MaxTotalBytes, prefix+"max-total-bytes", d.MaxTotalBytes, "read at most `BYTES` in all, archives decompressed (past it the verdict is at least review)")
	fs.IntVar(&s.limits.MaxFiles, prefix+"max-files", d.MaxFiles, "read at most `N` files (past it the verdict is at least review)")
	fs.IntVar(&s.limits.MaxDepth, prefix+"max-depth", d.MaxDepth, "open archives nested `N` levels deep inside the tree (0: do not open them)")
	fs.Int64Var(&s.limits.MaxRatio, prefix+"max-ratio", d.MaxRatio, "skip an archive member that decompresses more than `N` times its compressed size (a zip bomb)")
}

// fileList is a flag given once per file (--rules A --rules B).
type fileList []string

func (l *fileList) String() string     { return strings.Join(*l, ",") }
func (l *fileList) Set(v string) error { *l = append(*l, v); return nil }

// Repeatable lets the flag be given several times, each adding a file.
func (l *fileList) Repeatable() bool { return true }

// newScanner builds the scanner: the built-in rules, each rule file of
// st added in order, the built-in indicators with st's, the Go detectors,
// and st's limits; walk reads the tree (nil: scan.Walk). flag prefixes the
// flags' names in errors.
func newScanner(st scanSettings, prefix string, walk scan.WalkFunc) (*scan.Scanner, error) {
	if st.limits.MaxFileBytes <= 0 || st.limits.MaxTotalBytes <= 0 || st.limits.MaxFiles <= 0 || st.limits.MaxRatio <= 0 || st.limits.MaxDepth < 0 {
		return nil, bulwark.Invalid("--"+prefix+"max-*", "the scan limits must be positive (--%smax-depth may be 0)", prefix)
	}
	opt := scan.DetectOptions{}
	if st.iocs != "" {
		f, err := os.Open(st.iocs)
		if err != nil {
			return nil, bulwark.Invalid("--"+prefix+"iocs", "%s: %s", st.iocs, pathErr(err))
		}
		defer f.Close()
		if opt.IOCs, err = scan.LoadIOCs(f, st.iocs); err != nil {
			return nil, err
		}
	}
	reg, err := scan.DetectorRegistry(opt)
	if err != nil {
		return nil, err
	}
	rules, err := scan.DefaultRules(reg)
	if err != nil {
		return nil, err
	}
	for _, file := range st.rules {
		fi, err := os.Stat(file)
		if err == nil && fi.IsDir() {
			return nil, bulwark.Invalid("--"+prefix+"rules", "%s is a directory; give a YAML rule file", file)
		}
		if err == nil && fi.Size() > scan.MaxRuleFileBytes {
			return nil, bulwark.Errorf(bulwark.EINVALID, "--%srules: %s: a rule file holds at most %d bytes, this one %d", prefix, file, scan.MaxRuleFileBytes, fi.Size())
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, bulwark.Invalid("--"+prefix+"rules", "%s: %s", file, pathErr(err))
		}
		user, err := scan.ParseRules(file, data, reg)
		if err != nil {
			return nil, err
		}
		rules = rules.Merge(user)
	}
	return scan.NewScanner(scan.Options{Rules: rules, Detectors: scan.Detectors(opt), Limits: st.limits, Walk: walk})
}

func (m *Main) scanCmd() *command {
	return &command{
		name:    "scan",
		summary: "statically scan an untrusted repository or package (a \"coding test\") for malware traps",
		subs:    []*command{m.scanRepoCmd()},
	}
}

func (m *Main) scanRepoCmd() *command {
	var st scanSettings
	return &command{
		name:    "repo",
		summary: "scan a directory, tarball or zip; exit 3 block, 2 review, 0 clear",
		usage:   "bulwark scan repo PATH|TARBALL|ZIP [--rules FILE]... [--iocs FILE] [--max-file-bytes N] [--json]",
		long: "Reads every file of the tree or archive and reports install-time and open-time execution (npm\n" +
			"lifecycle scripts, VS Code tasks, devcontainers, git hooks), loaders of fetched code, environment\n" +
			"exfiltration, encoded and hidden payloads, Trojan Source Unicode, known indicators and malicious or\n" +
			"typosquatted dependencies. Nothing it reads is executed, installed, extracted or fetched.\n" +
			"Rule ids and what to do about each: docs/scanning.md.",
		setup: func(fs *flag.FlagSet) { st.register(fs, "") },
		run: func(ctx context.Context, args []string) (int, error) {
			if len(args) != 1 {
				return bulwark.ExitError, usageError([]string{"bulwark", "scan", "repo"}, "give one directory, tarball (.tgz, .tar) or zip to scan, got %d arguments", len(args))
			}
			return m.scanRepo(ctx, args[0], st)
		},
	}
}

// scanRepo scans path and prints the report; the exit code is the
// verdict's.
func (m *Main) scanRepo(ctx context.Context, path string, st scanSettings) (int, error) {
	p := &scanProgress{w: m.Stderr, every: m.scanProgressEvery}
	if p.every == 0 {
		p.every = 2 * time.Second
	}
	s, err := newScanner(st, "", p.walk)
	if err != nil {
		return bulwark.ExitError, err
	}
	// The audit record is a side effect, never a precondition: a store
	// that cannot be opened (corrupt, locked, of a newer version) or
	// written leaves the scan and its exit code as they are, with a
	// warning on stderr.
	db, err := m.scanStore(ctx)
	if err != nil {
		fmt.Fprintf(m.Stderr, "bulwark: warning: the scan will not be recorded in the audit log: %s\n", termSafe(err.Error(), 500))
		db = nil
	}
	rep, err := s.Scan(ctx, path)
	p.done()
	if err != nil {
		return bulwark.ExitError, err
	}
	if db != nil {
		if err := m.auditScan(ctx, db, path, rep); err != nil {
			fmt.Fprintf(m.Stderr, "bulwark: warning: the scan could not be recorded in the audit log: %s\n", termSafe(err.Error(), 500))
		}
	}
	if m.g.json {
		if err := m.printJSON(rep); err != nil {
			return bulwark.ExitError, err
		}
		return rep.Verdict.ExitCode(), nil
	}
	writeScanReport(m.Stdout, path, rep)
	return rep.Verdict.ExitCode(), nil
}

// scanStore returns the store 'scan repo' records its verdict in, as
// POST /api/v1/scan does: the data directory's when one is in use
// (--data-dir, $BULWARK_DATA or the configuration name one, or the
// default directory holds a store), nil otherwise: a scan needs no data
// directory and creates none.
func (m *Main) scanStore(ctx context.Context) (*sqlite.DB, error) {
	if m.db == nil && m.g.dataDir == "" {
		dir, err := m.dataDir()
		if err != nil || !exists(filepath.Join(dir, "bulwark.db")) {
			return nil, nil
		}
	}
	return m.openStore(ctx)
}

// auditScan records the scan of path in the audit log (action scan.repo,
// as the API's): who, what was scanned (a file by its SHA-256, a
// directory by its absolute path), the verdict, the ids of the rules that
// fired (never the snippets, which carry the scanned content) and counts.
func (m *Main) auditScan(ctx context.Context, db *sqlite.DB, path string, rep *scan.Report) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	target := "dir:" + abs
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		sum, err := fileSHA256(path)
		if err != nil {
			return bulwark.Invalid("path", "%s: cannot be read again to record its SHA-256 in the audit log: %s", path, pathErr(err))
		}
		target = "sha256:" + sum
	}
	details := map[string]any{"verdict": rep.Verdict, "rules": rep.RuleIDs(), "findings": len(rep.Findings), "counts": rep.Counts,
		"files": rep.Files, "bytes": rep.Bytes, "path": abs}
	if rep.Incomplete {
		details["incomplete"] = true
	}
	e, err := (&audit.Log{Store: db}).Record(ctx, audit.Event{Actor: m.cliActor(), Action: "scan.repo", Target: target, Details: details})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "bulwark: recorded as audit entry %d (scan.repo, %s)\n", e.Seq, termSafe(target, 300))
	return nil
}

// fileSHA256 returns the hex SHA-256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// scanProgress writes a line to w every so often while a large tree is
// read, so that a long scan is seen to advance.
type scanProgress struct {
	w      io.Writer
	every  time.Duration
	files  int
	bytes  int64
	path   string // the file being read
	end    int64  // where its last window ends
	last   time.Time
	shown  bool
	checks int
}

// walk is scan.Walk, counting what it hands over.
func (p *scanProgress) walk(ctx context.Context, path string, lim scan.Limits, fn func(*scan.File) error) (scan.WalkStats, error) {
	p.last = time.Now()
	return scan.Walk(ctx, path, lim, func(f *scan.File) error {
		// A long file comes in overlapping windows: it counts once, its
		// bytes once.
		if f.Offset == 0 || f.Path != p.path {
			p.path, p.end = f.Path, 0
			if f.Offset == 0 {
				p.files++
			}
		}
		if end := f.Offset + int64(len(f.Data)); end > p.end {
			p.bytes += end - max(p.end, f.Offset)
			p.end = end
		}
		if p.checks++; p.checks >= 64 || p.every < time.Millisecond {
			p.checks = 0
			if now := time.Now(); now.Sub(p.last) >= p.every {
				p.last = now
				p.shown = true
				fmt.Fprintf(p.w, "bulwark: scanning: %s, %s read…\n", plural(p.files, "file", "files"), humanBytes(p.bytes))
			}
		}
		return fn(f)
	})
}

// done ends the progress lines, when there were any.
func (p *scanProgress) done() {
	if p.shown {
		fmt.Fprintf(p.w, "bulwark: scanned %s, %s\n", plural(p.files, "file", "files"), humanBytes(p.bytes))
	}
}

// humanBytes renders n as "512 B", "3.2 KiB", "41.0 MiB".
func humanBytes(n int64) string {
	switch {
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

// scanVerdictLine says what a verdict means for the person holding the
// code.
var scanVerdictLine = map[bulwark.Verdict]string{
	bulwark.VerdictBlock:  "do not open, install or run this code",
	bulwark.VerdictReview: "read the findings below before you open, install or run it",
	bulwark.VerdictClear:  "no finding that needs action",
}

// scanSeverities in the order the report lists them.
var scanSeverities = []scan.Severity{scan.SeverityCritical, scan.SeverityHigh, scan.SeverityMedium, scan.SeverityLow, scan.SeverityInfo}

// writeScanReport prints rep for a person: the verdict, the findings by
// severity with file:line, snippet and explanation, and what was not
// read. Every text taken from the scanned tree (file names, snippets,
// decoded previews) is escaped by termSafe: a hostile file cannot send
// the terminal escape sequences.
func writeScanReport(w io.Writer, path string, rep *scan.Report) {
	fmt.Fprintf(w, "Verdict: %s (exit %d): %s\n", strings.ToUpper(string(rep.Verdict)), rep.Verdict.ExitCode(), scanVerdictLine[rep.Verdict])
	fmt.Fprintf(w, "Scanned %s: %s, %s", termSafe(path, 200), plural(rep.Files, "file", "files"), humanBytes(rep.Bytes))
	count := map[scan.Severity]int{}
	other := 0
	for _, f := range rep.Findings {
		if isKnownSeverity(f.Severity) {
			count[f.Severity]++
		} else {
			other++
		}
	}
	if len(rep.Findings) == 0 {
		fmt.Fprintf(w, "; no findings\n")
	} else {
		var parts []string
		for _, s := range scanSeverities {
			if count[s] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", count[s], s))
			}
		}
		if other > 0 {
			parts = append(parts, fmt.Sprintf("%d of another severity", other))
		}
		fmt.Fprintf(w, "; %s: %s\n", plural(len(rep.Findings), "finding", "findings"), strings.Join(parts, ", "))
	}
	if rep.Incomplete {
		fmt.Fprintf(w, "Part of the tree was not read (see below), so it cannot be called clear.\n")
	}
	groups := append([]scan.Severity{}, scanSeverities...)
	if other > 0 {
		groups = append(groups, "")
	}
	for _, sev := range groups {
		var fs []scan.Finding
		for _, f := range rep.Findings {
			if f.Severity == sev || sev == "" && !isKnownSeverity(f.Severity) {
				fs = append(fs, f)
			}
		}
		if len(fs) == 0 {
			continue
		}
		title := strings.ToUpper(string(sev))
		if sev == "" {
			title = "OTHER SEVERITY"
		}
		fmt.Fprintf(w, "\n%s (%d)\n", title, len(fs))
		for _, f := range fs {
			loc := termSafe(f.File, 300)
			if f.Line > 0 {
				loc += ":" + strconv.Itoa(f.Line)
			}
			fmt.Fprintf(w, "  %s  %s", termSafe(f.Rule, 80), loc)
			if sev == "" {
				fmt.Fprintf(w, "  (severity %s)", termSafe(string(f.Severity), 20))
			}
			fmt.Fprintln(w)
			if f.Snippet != "" {
				fmt.Fprintf(w, "      > %s\n", termSafe(strings.TrimSpace(f.Snippet), 400))
			}
			if f.Decoded != "" {
				fmt.Fprintf(w, "      decoded (never run): %s\n", termSafe(f.Decoded, 400))
			}
			if f.Explanation != "" {
				fmt.Fprintf(w, "      %s\n", termSafe(f.Explanation, 1000))
			}
			if f.More > 0 {
				fmt.Fprintf(w, "      (%d more of this rule in this file)\n", f.More)
			}
		}
	}
	if len(rep.Skipped) > 0 {
		fmt.Fprintf(w, "\nNot read:\n")
		for _, s := range rep.Skipped {
			fmt.Fprintf(w, "  - %s\n", termSafe(s, 400))
		}
	}
	if len(rep.Findings) > 0 {
		fmt.Fprintf(w, "\nWhat each rule means and what to do: docs/scanning.md. Nothing was executed.\n")
	}
}

func isKnownSeverity(s scan.Severity) bool {
	for _, k := range scanSeverities {
		if s == k {
			return true
		}
	}
	return false
}

// termSafe returns s fit for a terminal: control characters (C0, DEL,
// C1: escape sequences start with them), line and paragraph separators,
// format characters (bidirectional controls, zero-width characters, tag
// characters), variation selectors, Hangul fillers and bytes that are not
// UTF-8 are shown as \xNN or \u{XXXX}; a tab becomes a space. At most n
// characters are kept, then "…".
func termSafe(s string, n int) string {
	var b strings.Builder
	count := 0
	for i := 0; i < len(s); {
		if count >= n {
			b.WriteString("…")
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteByte(' ')
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u{%04x}`, r)
		default:
			b.WriteRune(r)
		}
		count++
		i += size
	}
	return b.String()
}

// unsafeRune reports whether r is invisible or changes how the text
// around it is shown.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1 controls (CSI is 0x9b)
		return true
	case r == 0x2028 || r == 0x2029:
		return true
	case r == 0x3164 || r == 0x115f || r == 0x1160 || r == 0xffa0: // Hangul fillers
		return true
	case r >= 0xfe00 && r <= 0xfe0f, r >= 0xe0100 && r <= 0xe01ef: // variation selectors
		return true
	case unicode.Is(unicode.Cf, r): // bidi controls, zero-width, tags, soft hyphen
		return true
	case unicode.Is(unicode.Co, r) || unicode.Is(unicode.Cs, r):
		return true
	}
	return false
}
