package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

// screeningSettings are the list settings shared by serve and the screen
// and lists commands.
type screeningSettings struct {
	maxAge     time.Duration
	failClosed bool
	policy     string
}

func (s *screeningSettings) register(fs *flag.FlagSet) {
	fs.StringVar(&s.policy, "screen-policy", "", "JSON `FILE` of per-use rules overriding the defaults, e.g. {\"hiring\": {\"nameReview\": 0.85}} (docs/screening.md)")
	fs.DurationVar(&s.maxAge, "lists-max-age", 7*24*time.Hour, "a list older than this `DURATION` is stale (shown by /readyz and 'bulwark lists'; 0: never)")
	fs.BoolVar(&s.failClosed, "lists-fail-closed", false, "turn a clear verdict reached on stale lists into review")
}

// screeningService opens the store and the screening service; with an
// empty store it first imports the embedded default lists. lazyNames
// defers the name index to the first name screening (one-shot commands).
func (m *Main) screeningService(ctx context.Context, st screeningSettings, async, lazyNames bool, opts ...func(*screening.ServiceConfig)) (*screening.Service, error) {
	var policy screening.Policy
	if st.policy != "" {
		data, err := os.ReadFile(st.policy)
		if err != nil {
			return nil, bulwark.Invalid("--screen-policy", "%s: %s", st.policy, pathErr(err))
		}
		if policy, err = screening.ParsePolicy(data, "--screen-policy"); err != nil {
			return nil, err
		}
	}
	db, _, log, err := m.services(ctx)
	if err != nil {
		return nil, err
	}
	defaults := m.defaultLists
	if defaults == nil {
		defaults = sources.Embedded
	}
	cfg := screening.ServiceConfig{
		Screener: screening.Config{MaxAge: st.maxAge, FailClosed: st.failClosed, Policy: policy},
		Store:    db,
		// Rulings on hiring screenings are keyed from the instance's
		// hiring key, so that they hold in every process.
		HiringKey: db.HiringKey,
		Audit:     log,
		Defaults:  defaults,
		// One-shot commands build the name index only if they screen a
		// name; serve builds it before an index goes into service.
		LazyNames: lazyNames,
		Recorder: screening.RecorderOptions{Async: async, OnError: func(batch []screening.Recorded, err error) {
			m.logger.Error("screening decisions could not be stored", "decisions", len(batch), "first", batch[0].Decision.ID, "err", err)
		}},
	}
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := screening.OpenService(ctx, cfg)
	if err != nil {
		return nil, err
	}
	m.warnMislabelled(ctx, svc)
	return svc, nil
}

// closeService stores every queued decision before the command exits.
func closeService(svc *screening.Service) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return svc.Close(ctx)
}

func (m *Main) screenCmd() *command {
	return &command{
		name:    "screen",
		summary: "screen addresses and names against sanctions and DPRK attribution lists",
		subs:    []*command{m.screenAddressCmd(), m.screenNameCmd(), m.screenReplayCmd(), m.screenPruneCmd()},
	}
}

// inputLine is one entry of an input file and the line it is on.
type inputLine struct {
	text string
	line int
}

// fileLabel names an input file in messages: its path, or standard input
// for "-".
func fileLabel(path string) string {
	if path == "-" {
		return "standard input"
	}
	return path
}

// readLines reads one entry per line from path ("-" for stdin), skipping
// blank lines and # comments.
func (m *Main) readLines(path string) ([]inputLine, error) {
	var r io.Reader
	if path == "-" {
		r = m.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, bulwark.Invalid("--file", "%s: %s", path, pathErr(err))
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			return nil, bulwark.Invalid("--file", "%s is a directory; give a file with one entry per line", path)
		}
		r = f
	}
	var out []inputLine
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, inputLine{text: line, line: n})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, bulwark.Invalid("--file", "%s line %d: longer than 1 MB; give one entry per line", fileLabel(path), n+1)
		}
		return nil, bulwark.Invalid("--file", "%s line %d: cannot read: %s", fileLabel(path), n+1, pathErr(err))
	}
	return out, nil
}

// lineError puts the file and line before the message of err, an error
// screening the entry on that line, so that the one error line says where.
// Errors that are not about the input (a store that cannot be written) are
// returned as they are.
func lineError(path string, line int, err error) error {
	code := bulwark.ErrorCode(err)
	if code != bulwark.EINVALID && code != bulwark.ETOOLARGE {
		return err
	}
	return &bulwark.Error{Code: code, Field: "--file", Err: err,
		Message: fmt.Sprintf("--file: %s line %d: %s", fileLabel(path), line, bulwark.ErrorMessage(err))}
}

// flagFields maps the JSON field names screening's request checks use to
// the flags that carry them on the command line.
var flagFields = map[string]string{"subject": "--subject", "dob": "--dob", "country": "--country",
	"type": "--type", "limit": "--limit", "use": "--use", "chain": "--chain"}

// asFlag shows err, an error of screening's request checks, under the
// flag's name: "dob: …" becomes "--dob: …". Other errors are returned as
// they are.
func asFlag(err error) error {
	var be *bulwark.Error
	if !errors.As(err, &be) {
		return err
	}
	flag, ok := flagFields[be.Field]
	if !ok {
		return err
	}
	return &bulwark.Error{Code: be.Code, Field: flag, Err: be.Err,
		Message: flag + strings.TrimPrefix(be.Message, be.Field)}
}

// errorField is the field a *bulwark.Error in err's chain names.
func errorField(err error) string {
	var be *bulwark.Error
	if errors.As(err, &be) {
		return be.Field
	}
	return ""
}

type screenFlags struct {
	file, chain, use, subject string
	lists                     screeningSettings
}

func (m *Main) screenAddressCmd() *command {
	var f screenFlags
	return &command{
		name:    "address",
		summary: "screen crypto addresses; exit 3 if any is blocked, 2 if any needs review",
		usage:   "bulwark screen address (ADDR… | --file FILE) [--chain C] [--use deposit|withdrawal|…] [--subject REF] [--json]",
		long: "Each address is parsed for its chain (EVM addresses match on every EVM chain, Bitcoin-family\n" +
			"addresses in any of their formats) and looked up exactly in the active lists ('bulwark lists').\n" +
			"FILE holds one address per line ('-' reads stdin); an optional ',CHAIN' after an address is its\n" +
			"chain hint. JSON: an array, one object per input in input order. Exit 3 if any address is blocked,\n" +
			"else 1 if any input is not a valid address, else 2 if any needs review, else 0. The decision is\n" +
			"stored with the list versions it ran on and appended to the audit log.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&f.file, "file", "", "read addresses from `FILE`, one per line ('-' for stdin)")
			fs.StringVar(&f.chain, "chain", "", "chain or currency `TICKER` hint for every address (ETH, XBT, TRX…)")
			fs.StringVar(&f.use, "use", "deposit", "`USE`: what the screening is for, deposit, withdrawal, onboarding, hiring or vendor")
			fs.StringVar(&f.subject, "subject", "", "your `REF`erence for the customer or transfer, stored with the decision")
			f.lists.register(fs)
		},
		run: func(ctx context.Context, args []string) (int, error) {
			inputs := args
			var lines []inputLine
			if f.file != "" {
				if len(args) > 0 {
					return bulwark.ExitError, bulwark.Invalid("--file", "give addresses as arguments or --file, not both")
				}
				var err error
				lines, err = m.readLines(f.file)
				if err != nil {
					return bulwark.ExitError, err
				}
				inputs = make([]string, len(lines))
				for i, l := range lines {
					inputs[i] = l.text
				}
			}
			if len(inputs) == 0 && f.file != "" {
				return bulwark.ExitError, bulwark.Invalid("--file", "no addresses in %s (blank lines and # comments are skipped)", fileLabel(f.file))
			}
			if len(inputs) == 0 {
				return bulwark.ExitError, bulwark.Invalid("address", "give at least one address (or --file FILE)")
			}
			use, err := screening.ParseUse("--use", f.use, "deposit")
			if err != nil {
				return bulwark.ExitError, err
			}
			if err := screening.CheckSubject("--subject", f.subject); err != nil {
				return bulwark.ExitError, err
			}
			if err := screening.CheckAddressQuery(screening.AddressQuery{Chain: f.chain}); err != nil {
				return bulwark.ExitError, asFlag(err)
			}
			qs := make([]screening.AddressQuery, len(inputs))
			for i, in := range inputs {
				qs[i] = screening.AddressQuery{Address: in, Chain: f.chain}
				if a, c, ok := strings.Cut(in, ","); ok && f.file != "" {
					qs[i] = screening.AddressQuery{Address: strings.TrimSpace(a), Chain: strings.TrimSpace(c)}
				}
				// The checks the API applies to each address, before
				// anything is screened and stored.
				if err := screening.CheckAddressQuery(qs[i]); err != nil {
					if f.file != "" {
						return bulwark.ExitError, lineError(f.file, lines[i].line, err)
					}
					return bulwark.ExitError, err
				}
			}
			svc, err := m.screeningService(ctx, f.lists, false, true)
			if err != nil {
				return bulwark.ExitError, err
			}
			var results []screening.AddressResult
			verdict := bulwark.VerdictClear
			for start := 0; start < len(qs); start += screening.DefaultMaxBatch {
				end := min(start+screening.DefaultMaxBatch, len(qs))
				d, err := svc.ScreenAddresses(ctx, m.cliActor(), use, f.subject, qs[start:end])
				if err != nil {
					_ = closeService(svc)
					return bulwark.ExitError, err
				}
				results = append(results, d.Results...)
				verdict = screening.WorstOf(verdict, d.Verdict)
				m.warnStale(d.Stale)
			}
			if err := closeService(svc); err != nil {
				return bulwark.ExitError, err
			}
			if m.g.json {
				return exitFor(verdict), m.printJSON(results)
			}
			m.printAddressResults(results)
			return exitFor(verdict), nil
		},
	}
}

// exitFor maps a decision verdict to the exit code (error → 1).
func exitFor(v bulwark.Verdict) int {
	if v == screening.VerdictError {
		return bulwark.ExitError
	}
	return v.ExitCode()
}

// warnStale warns on stderr, once per run and on one line, that lists in
// force are stale; a run screening many batches or names warns once.
func (m *Main) warnStale(stale []screening.StaleList) {
	if len(stale) == 0 || m.staleWarned {
		return
	}
	m.staleWarned = true
	if len(stale) == 1 {
		fmt.Fprintf(m.Stderr, "warning: list %s is stale (%s old); run 'bulwark lists update'\n", stale[0].ID, humanAge(stale[0].Age))
		return
	}
	parts := make([]string, len(stale))
	for i, s := range stale {
		parts[i] = fmt.Sprintf("%s (%s old)", s.ID, humanAge(s.Age))
	}
	fmt.Fprintf(m.Stderr, "warning: %d lists are stale: %s; run 'bulwark lists update'\n", len(stale), strings.Join(parts, ", "))
}

// matchBasis says what a list states about a matched entity: its category,
// confidence and programs, each "unknown" when the list does not say.
func matchBasis(mt screening.AddressMatch) string {
	cat, conf, prog := string(mt.Category), string(mt.Confidence), mt.Program
	if cat == "" {
		cat = string(screening.CategoryUnknown)
	}
	if conf == "" {
		conf = string(screening.ConfidenceUnknown)
	}
	if prog == "" {
		prog = "program unknown"
	}
	return cat + "; confidence " + conf + "; " + prog
}

func (m *Main) printAddressResults(results []screening.AddressResult) {
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	for _, r := range results {
		addr := r.Address
		if addr == "" {
			addr = r.Input
		}
		switch {
		case len(r.Matches) == 0 && r.Error != "":
			fmt.Fprintf(tw, "ERROR\t%s\t\t%s\n", r.Input, r.Error)
		case len(r.Matches) == 0:
			fmt.Fprintf(tw, "%s\t%s\t%s\tno match\n", strings.ToUpper(string(r.Verdict)), addr, r.Chain)
		}
		for _, mt := range r.Matches {
			note := ""
			if mt.Suppressed != nil {
				note = " (suppressed: false positive #" + fmt.Sprint(mt.Suppressed.ID) + ")"
			}
			if mt.MatchedBy != "address" {
				note += " (matched " + mt.MatchedBy + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s [%s]%s\n", strings.ToUpper(string(mt.Verdict)), addr, r.Chain, mt.EntityID, mt.Name, matchBasis(mt), note)
		}
	}
	tw.Flush()
}

type screenNameFlags struct {
	file, typ, dob, country, use, subject string
	limit                                 int
	lists                                 screeningSettings
}

func (m *Main) screenNameCmd() *command {
	var f screenNameFlags
	return &command{
		name:    "name",
		summary: "screen names of people or organisations; exit 3 if any is blocked, 2 if any needs review",
		usage:   "bulwark screen name (\"NAME\" | --file FILE) [--type person|organization] [--dob D] [--country CC] [--limit N] [--use onboarding|hiring|vendor|…] [--json]",
		long: "Names are normalised (case, diacritics, word order, honorifics, company suffixes), transliterated\n" +
			"(Hangul, Cyrillic, Chinese) and matched with Korean romanisation variants against every name and\n" +
			"alias in the active lists; --dob and --country raise or lower a score. Matches scoring at least the\n" +
			"use's review threshold are shown best first with the matched alias and the score's explanation.\n" +
			"--dob is YYYY, YYYY-MM or YYYY-MM-DD, --country an ISO 3166-1 code (KP, PRK) or an English name\n" +
			"(North Korea; stored as KP), --subject at most 200 bytes of UTF-8: other values are errors, as\n" +
			"in the API. With --file (one name per line) JSON is an array, one object per name in input order;\n" +
			"a line that cannot be screened fails the command, naming the line.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&f.file, "file", "", "read names from `FILE`, one per line ('-' for stdin)")
			fs.StringVar(&f.typ, "type", "", "what the subject is, `person|organization` (default: either)")
			fs.StringVar(&f.dob, "dob", "", "date of birth `YYYY[-MM[-DD]]`")
			fs.StringVar(&f.country, "country", "", "nationality or country: ISO 3166-1 code (`CC`: KP, PRK) or English name (North Korea)")
			fs.IntVar(&f.limit, "limit", 10, "at most `N` matches to show per name (1-100)")
			fs.StringVar(&f.use, "use", "onboarding", "`USE`: what the screening is for, onboarding, hiring, vendor, deposit or withdrawal")
			fs.StringVar(&f.subject, "subject", "", "your `REF`erence for the person, stored with the decision")
			f.lists.register(fs)
		},
		run: func(ctx context.Context, args []string) (int, error) {
			var names []inputLine
			switch {
			case f.file != "" && len(args) > 0:
				return bulwark.ExitError, bulwark.Invalid("--file", "give a name as the argument or --file, not both")
			case f.file != "":
				var err error
				if names, err = m.readLines(f.file); err != nil {
					return bulwark.ExitError, err
				}
				if len(names) == 0 {
					return bulwark.ExitError, bulwark.Invalid("--file", "no names in %s (blank lines and # comments are skipped)", fileLabel(f.file))
				}
			case len(args) == 1:
				names = []inputLine{{text: args[0]}}
			case len(args) == 0:
				return bulwark.ExitError, bulwark.Invalid("name", "give the name to screen (quote it: \"Kim Jong Un\"), or --file FILE")
			default:
				return bulwark.ExitError, bulwark.Invalid("name", "give one name, quoted (\"%s\"), or --file FILE", strings.Join(args, " "))
			}
			use, err := screening.ParseUse("--use", f.use, "onboarding")
			if err != nil {
				return bulwark.ExitError, err
			}
			// The checks the API applies to each request (country names
			// and alpha-3 codes become alpha-2), on every name before
			// anything is screened and stored.
			qs := make([]screening.NameQuery, len(names))
			for i, n := range names {
				q, err := screening.CheckNameQuery(screening.NameQuery{Name: n.text, Type: f.typ, DateOfBirth: f.dob, Country: f.country, Limit: f.limit}, f.subject, time.Now())
				switch {
				case err == nil:
					qs[i] = q
				case f.file != "" && errorField(err) == "name":
					return bulwark.ExitError, lineError(f.file, n.line, err)
				default:
					return bulwark.ExitError, asFlag(err)
				}
			}
			svc, err := m.screeningService(ctx, f.lists, false, true)
			if err != nil {
				return bulwark.ExitError, err
			}
			verdict := bulwark.VerdictClear
			out := make([]*screening.NameDecision, 0, len(names))
			for i, n := range names {
				d, err := svc.ScreenName(ctx, m.cliActor(), use, f.subject, qs[i])
				if err != nil {
					_ = closeService(svc)
					if f.file != "" {
						return bulwark.ExitError, lineError(f.file, n.line, err)
					}
					return bulwark.ExitError, err
				}
				if i == 0 {
					m.warnStale(d.Stale)
				}
				verdict = screening.WorstOf(verdict, d.Verdict)
				out = append(out, d)
			}
			if err := closeService(svc); err != nil {
				return bulwark.ExitError, err
			}
			switch {
			case m.g.json && f.file == "":
				return exitFor(verdict), m.printJSON(out[0])
			case m.g.json:
				return exitFor(verdict), m.printJSON(out)
			}
			for _, d := range out {
				m.printNameDecision(d)
			}
			return exitFor(verdict), nil
		},
	}
}

func (m *Main) printNameDecision(d *screening.NameDecision) {
	fmt.Fprintf(m.Stdout, "%s  %q  (%s)\n", strings.ToUpper(string(d.Verdict)), d.Query, plural(len(d.Matches), "match", "matches"))
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	for _, mt := range d.Matches {
		note := ""
		if mt.Weak {
			note = " (weak alias)"
		}
		if mt.Suppressed != nil {
			note += fmt.Sprintf(" (suppressed: false positive #%d)", mt.Suppressed.ID)
		}
		fmt.Fprintf(tw, "  %.3f\t%s\t%s\t%s\tmatched %q%s\n", mt.Score, strings.ToUpper(string(mt.Verdict)), mt.EntityID, mt.Name, mt.MatchedName, note)
		for _, f := range mt.Explanation.Features {
			if f.Name == "designation" {
				// The designation the match rests on (the UK list dates it).
				fmt.Fprintf(tw, "  \t\t\t%s\n", f.Detail)
			}
		}
	}
	tw.Flush()
}

func (m *Main) screenReplayCmd() *command {
	var st screeningSettings
	return &command{
		name:    "replay",
		summary: "screen a stored decision's inputs again on the list versions it ran on; exit 0 same, 3 different",
		usage:   "bulwark screen replay DECISION_ID [--json]",
		long: "Loads the decision, the exact list versions it recorded (every imported version is kept) and the\n" +
			"dispositions in force at its time, screens its inputs again with the rules in force now, and\n" +
			"compares verdict and matches. Exit 0 when the outcome is the same, 3 when it differs (each\n" +
			"difference is named: verdict, matches, algorithm or rules version), 1 when it cannot be replayed.",
		setup: func(fs *flag.FlagSet) { st.register(fs) },
		run: func(ctx context.Context, args []string) (int, error) {
			if len(args) != 1 {
				return bulwark.ExitError, bulwark.Invalid("DECISION_ID", "give one decision id (dec_…), as screening printed it")
			}
			svc, err := m.screeningService(ctx, st, false, true)
			if err != nil {
				return bulwark.ExitError, err
			}
			defer closeService(svc)
			r, err := svc.Replay(ctx, args[0])
			if err != nil {
				return bulwark.ExitError, err
			}
			code := bulwark.ExitOK
			if !r.Same {
				code = bulwark.ExitBlock
			}
			if m.g.json {
				return code, m.printJSON(r)
			}
			if r.Same {
				fmt.Fprintf(m.Stdout, "SAME  %s: %s again on %d list versions\n", r.DecisionID, strings.ToUpper(string(r.Replayed)), len(r.Lists))
				return code, nil
			}
			fmt.Fprintf(m.Stdout, "DIFFERENT  %s\n", r.DecisionID)
			for _, d := range r.Differences {
				fmt.Fprintf(m.Stdout, "  %s\n", d)
			}
			return code, nil
		},
	}
}
