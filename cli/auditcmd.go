package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

func (m *Main) auditCmd() *command {
	return &command{
		name:    "audit",
		summary: "verify and read the hash-chained audit log",
		subs:    []*command{m.auditVerifyCmd(), m.auditListCmd()},
	}
}

// anchor is a "SEQ:HASH" pair an operator kept outside Bulwark.
type anchor struct {
	Seq  int64
	Hash string
}

func parseAnchor(s string) (*anchor, error) {
	seq, hash, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if n == 0 && ok && err == nil && hash == strings.Repeat("0", 64) {
		// The head an empty log prints: every log extends it.
		return &anchor{Seq: 0, Hash: hash}, nil
	}
	if !ok || err != nil || n < 1 || len(hash) != 64 || strings.Trim(strings.ToLower(hash), "0123456789abcdef") != "" {
		return nil, bulwark.Invalid("--expect", "want SEQ:HASH as printed by 'bulwark audit verify' (e.g. 42:9f86d0…), got %q", s)
	}
	return &anchor{Seq: n, Hash: strings.ToLower(hash)}, nil
}

func (m *Main) auditVerifyCmd() *command {
	var expect string
	return &command{
		name:    "verify",
		summary: "check the audit chain; exit 0 when intact, 3 naming the first broken entry",
		usage:   "bulwark audit verify [--expect SEQ:HASH] [--json]",
		long: "Recomputes every entry's hash and link. An entry altered, removed or reordered in the\n" +
			"database breaks the chain at that entry. Keep the printed head (SEQ:HASH) somewhere else and pass\n" +
			"it back with --expect to prove later that nothing up to it was rewritten, even wholesale.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&expect, "expect", "", "`SEQ:HASH` anchor from an earlier run that must still hold")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("audit verify", args); err != nil {
				return 1, err
			}
			var want *anchor
			if expect != "" {
				a, err := parseAnchor(expect)
				if err != nil {
					return 1, err
				}
				want = a
			}
			db, err := m.openStore(ctx)
			if err != nil {
				return 1, err
			}
			start := time.Now()
			progress := func(n int64) {
				if time.Since(start) > 2*time.Second {
					fmt.Fprintf(m.Stderr, "\rverified %d entries…", n)
				}
			}
			rep, err := audit.Verify(ctx, db, progress)
			if time.Since(start) > 2*time.Second {
				fmt.Fprintln(m.Stderr)
			}
			if err != nil {
				return 1, err
			}
			if rep.Intact() && want != nil {
				if b := checkAnchor(ctx, db, want); b != nil {
					rep.Broken = b
				}
			}
			verdict := rep.Verdict()
			if m.g.json {
				return verdict.ExitCode(), m.printJSON(struct {
					Verdict bulwark.Verdict `json:"verdict"`
					*audit.Report
				}{verdict, rep})
			}
			if rep.Broken != nil {
				fmt.Fprintf(m.Stdout, "audit log BROKEN at entry %d: %s\n", rep.Broken.Seq, rep.Broken.Reason)
				fmt.Fprintf(m.Stderr, "bulwark: audit chain broken at entry %d\n", rep.Broken.Seq)
				return verdict.ExitCode(), nil
			}
			fmt.Fprintf(m.Stdout, "audit log intact: %s; head %d:%s\n", plural(int(rep.Entries), "entry", "entries"), rep.Head.Seq, rep.Head.Hash)
			return verdict.ExitCode(), nil
		},
	}
}

// checkAnchor checks that the entry at a.Seq still has hash a.Hash.
func checkAnchor(ctx context.Context, s audit.Store, a *anchor) *audit.Break {
	if a.Seq == 0 {
		return nil // the empty log's head
	}
	entries, err := s.AuditEntries(ctx, a.Seq-1, 1)
	if err != nil || len(entries) == 0 || entries[0].Seq != a.Seq {
		return &audit.Break{Seq: a.Seq, Reason: fmt.Sprintf("anchored entry %d is missing", a.Seq)}
	}
	if entries[0].Hash != a.Hash {
		return &audit.Break{Seq: a.Seq, Reason: fmt.Sprintf("entry %d no longer has the anchored hash %s: the log was rewritten", a.Seq, a.Hash)}
	}
	return nil
}

func (m *Main) auditListCmd() *command {
	var after, before seqFlag
	var limit int
	return &command{
		name:    "list",
		summary: "print audit entries, newest first",
		usage:   "bulwark audit list [--limit N] [--before SEQ | --after SEQ] [--json]",
		long: "Newest first, a page of --limit entries; the next, older page is --before the last SEQ shown\n" +
			"(the command to get it is printed on stderr). --after SEQ lists oldest first from entry SEQ+1,\n" +
			"for reading the log forward.",
		setup: func(fs *flag.FlagSet) {
			fs.Var(&before, "before", "newest first, from the entry before `SEQ`")
			fs.Var(&after, "after", "oldest first, from the entry after `SEQ`")
			fs.IntVar(&limit, "limit", 50, "at most `N` entries (1-10000)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("audit list", args); err != nil {
				return 1, err
			}
			if limit < 1 || limit > 10000 {
				return 1, bulwark.Invalid("--limit", "must be between 1 and 10000, got %d", limit)
			}
			forward := after.set
			if forward && before.set {
				return 1, bulwark.Invalid("--before", "give --before (newest first) or --after (oldest first), not both")
			}
			db, err := m.openStore(ctx)
			if err != nil {
				return 1, err
			}
			var entries []*audit.Entry
			var next int64
			if forward {
				entries, err = db.AuditEntries(ctx, after.n, limit)
			} else {
				entries, next, err = audit.Newest(ctx, db, before.n, limit)
			}
			if err != nil {
				return 1, err
			}
			if m.g.json {
				if entries == nil {
					entries = []*audit.Entry{}
				}
				return 0, m.printJSON(entries)
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "SEQ\tTIME\tACTOR\tACTION\tTARGET\tDETAILS")
			for _, e := range entries {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time.Format(time.RFC3339), e.Actor, e.Action, e.Target, e.Details)
			}
			if err := tw.Flush(); err != nil {
				return 1, err
			}
			if next != 0 {
				fmt.Fprintf(m.Stderr, "older entries: bulwark audit list --before %d --limit %d\n", next, limit)
			}
			return 0, nil
		},
	}
}

// seqFlag is an audit sequence number flag that knows whether it was given.
type seqFlag struct {
	n   int64
	set bool
}

func (f *seqFlag) String() string {
	if f == nil || !f.set {
		return ""
	}
	return strconv.FormatInt(f.n, 10)
}

func (f *seqFlag) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return errors.New("want an entry number (0 or more)")
	}
	f.n, f.set = n, true
	return nil
}
