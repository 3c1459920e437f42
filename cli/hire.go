package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/hiring/evidence"
	"github.com/bulwark-sec/bulwark/hiring/intel"
	"github.com/bulwark-sec/bulwark/hiring/vetting"
	"github.com/bulwark-sec/bulwark/screening"
)

// envHireIntel is the variable naming the reference-data folder of the
// hire commands (--intel).
const envHireIntel = "BULWARK_HIRE_INTEL"

// stringList is a flag given several times, each adding a value.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
func (s *stringList) Repeatable() bool   { return true }

var _ repeatable = (*stringList)(nil)

// hireFiles are the evidence files of 'hire screen'.
type hireFiles struct {
	mapping, shipping, payroll, github string
	logins, inventory                  stringList
}

// sources names the evidence files for the run's notices.
func (f *hireFiles) sources() hiring.EvidenceSources {
	one := func(p string) []string {
		if p == "" {
			return nil
		}
		return []string{p}
	}
	return hiring.EvidenceSources{SignIns: f.logins, Devices: f.inventory, Shipments: one(f.shipping),
		Payroll: one(f.payroll), GitHub: one(f.github)}
}

func (f *hireFiles) register(fs *flag.FlagSet, evidenceFiles bool) {
	fs.StringVar(&f.mapping, "mapping", "", "column mapping `FILE` (TOML or JSON) for a people file in another layout, such as an ATS export (docs/hiring-reference.md)")
	if !evidenceFiles {
		return
	}
	fs.Var(&f.logins, "logins", "identity-provider sign-in log `FILE` (Okta System Log or Entra sign-ins, JSON or CSV, or the generic CSV); repeat for several")
	fs.Var(&f.inventory, "inventory", "endpoint inventory `FILE` (device JSON lines, the long CSV, osquery results); repeat for several")
	fs.StringVar(&f.shipping, "shipping", "", "laptop shipping records `FILE` (CSV or JSON lines)")
	fs.StringVar(&f.payroll, "payroll", "", "payroll accounts `FILE` (CSV or JSON lines)")
	fs.StringVar(&f.github, "github", "", "GitHub profiles `FILE` (REST user objects with commit times)")
}

// hireSettings are the reference-data settings of 'hire screen' and
// 'hire recheck'.
type hireSettings struct {
	intel      string
	allowTools stringList
	lists      screeningSettings
}

func (h *hireSettings) register(fs *flag.FlagSet) {
	fs.StringVar(&h.intel, "intel", "", "reference-data `DIR` holding netintel/, rmm/ and ipkvm/ (default $"+envHireIntel+", else the built-in facts)")
	fs.Var(&h.allowTools, "allow-tool", "a remote-access `PRODUCT` IT sanctions (e.g. TeamViewer), not flagged; repeat for several")
	h.lists.register(fs)
}

func (m *Main) hireCmd() *command {
	return &command{
		name:    "hire",
		summary: "vet remote hires for DPRK IT-worker red flags and link identities that share identifiers",
		long: "Vets applicants, contractors and employees for the indicators of North Korean IT workers (shared\n" +
			"identifiers, laptop farms, remote-access tools, VPN sign-ins, Korean working hours, payroll to shared\n" +
			"accounts, names on the sanctions lists) and links records that belong together. A flag is a reason\n" +
			"to look, not a verdict on a person: see docs/hiring.md and docs/hiring-privacy.md.",
		subs: []*command{m.hireScreenCmd(), m.hireLinkCmd(), m.hireShowCmd(), m.hireListCmd(), m.hireRunsCmd(), m.hireRunCmd(), m.hireRecheckCmd(), m.hireForgetCmd(), m.hirePurgeCmd()},
	}
}

// openFile opens path for reading, refusing a directory; flag names the
// flag it was given with.
func openFile(flagName, path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, bulwark.Invalid(flagName, "%s: %s", path, pathErr(err))
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, bulwark.Invalid(flagName, "%s is a directory; give a file", path)
	}
	return f, nil
}

// readWith opens path and reads it with read.
func readWith[T any](flagName, path string, read func(r io.Reader, name string) ([]T, error)) ([]T, error) {
	return readNotes(flagName, path, nil, func(r io.Reader, name string) ([]T, []string, error) {
		items, err := read(r, name)
		return items, nil, err
	})
}

// readNotes opens path and reads it with read, adding the reader's
// notices, each after the file's name, to notes.
func readNotes[T any](flagName, path string, notes *[]string, read func(r io.Reader, name string) ([]T, []string, error)) ([]T, error) {
	f, err := openFile(flagName, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	items, ns, err := read(f, path)
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		*notes = append(*notes, path+": "+n)
	}
	return items, nil
}

// readPeople reads the people file with the mapping of --mapping, adding
// the reader's notices to notes.
func (m *Main) readPeople(path, mapping string, notes *[]string) ([]hiring.Person, error) {
	opt := evidence.PeopleOptions{}
	if mapping != "" {
		data, err := os.ReadFile(mapping)
		if err != nil {
			return nil, bulwark.Invalid("--mapping", "%s: %s", mapping, pathErr(err))
		}
		if opt.Mapping, err = evidence.ParseMapping(data, mapping); err != nil {
			return nil, err
		}
	}
	m.progress("reading people from %s", path)
	people, err := readNotes("FILE", path, notes, func(r io.Reader, name string) ([]hiring.Person, []string, error) {
		return evidence.ReadPeopleNotes(r, name, opt)
	})
	if err != nil {
		return nil, err
	}
	if len(people) == 0 {
		return nil, bulwark.Invalid("FILE", "%s holds no people records: give a header line and one record per line (docs/hiring-reference.md)", path)
	}
	return people, nil
}

// readEvidence reads the evidence files, adding the readers' notices to
// notes.
func (m *Main) readEvidence(f *hireFiles, notes *[]string) (hiring.Evidence, error) {
	var ev hiring.Evidence
	for _, p := range f.logins {
		m.progress("reading sign-ins from %s", p)
		s, err := readNotes("--logins", p, notes, func(r io.Reader, name string) ([]hiring.SignIn, []string, error) {
			return evidence.ReadSignInsNotes(r, name, evidence.Limits{})
		})
		if err != nil {
			return ev, err
		}
		ev.SignIns = append(ev.SignIns, s...)
	}
	for _, p := range f.inventory {
		m.progress("reading the inventory %s", p)
		d, err := readNotes("--inventory", p, notes, func(r io.Reader, name string) ([]hiring.Device, []string, error) {
			return evidence.ReadInventoryNotes(r, name, evidence.Limits{})
		})
		if err != nil {
			return ev, err
		}
		ev.Devices = append(ev.Devices, d...)
	}
	limited := func(read func(io.Reader, string, evidence.Limits) ([]hiring.Shipment, error)) func(io.Reader, string) ([]hiring.Shipment, error) {
		return func(r io.Reader, name string) ([]hiring.Shipment, error) { return read(r, name, evidence.Limits{}) }
	}
	var err error
	if f.shipping != "" {
		m.progress("reading shipments from %s", f.shipping)
		if ev.Shipments, err = readWith("--shipping", f.shipping, limited(evidence.ReadShipments)); err != nil {
			return ev, err
		}
	}
	if f.payroll != "" {
		m.progress("reading payroll accounts from %s", f.payroll)
		if ev.Payroll, err = readWith("--payroll", f.payroll, func(r io.Reader, name string) ([]hiring.PayrollAccount, error) {
			return evidence.ReadPayroll(r, name, evidence.Limits{})
		}); err != nil {
			return ev, err
		}
	}
	if f.github != "" {
		m.progress("reading GitHub profiles from %s", f.github)
		if ev.GitHub, err = readWith("--github", f.github, evidence.ReadGitHub); err != nil {
			return ev, err
		}
	}
	return ev, nil
}

// printNotices writes the readers' and the run's notices to stderr (human
// output; with --json they are the output's notices), fit for a
// terminal; one starting with hiring.WarningPrefix as a warning.
func (m *Main) printNotices(notes []string) {
	for _, n := range notes {
		kind := "notice"
		if w, ok := strings.CutPrefix(n, hiring.WarningPrefix); ok {
			kind, n = "WARNING", w
		}
		fmt.Fprintf(m.Stderr, "bulwark: %s: %s\n", kind, termSafe(n, 4096))
	}
}

// progress tells, on stderr, what a long command is doing (not with
// --log-level warn or error).
func (m *Main) progress(format string, args ...any) {
	if m.logger != nil && !m.logger.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	fmt.Fprintf(m.Stderr, "bulwark: "+format+"\n", args...)
}

// hiringConfig opens the store and the screening service and returns the
// hiring service's parts, and what closes the screening service.
func (m *Main) hiringConfig(ctx context.Context, h *hireSettings) (vetting.Config, func() error, error) {
	dir := h.intel
	if dir == "" {
		dir, _ = m.lookupEnv(envHireIntel)
	}
	in := intel.Builtin()
	if dir != "" {
		m.progress("loading reference data from %s", dir)
		var err error
		if in, err = intel.Load(dir); err != nil {
			return vetting.Config{}, nil, asIntelFlag(err, h.intel == "")
		}
	}
	svc, err := m.screeningService(ctx, h.lists, false, true)
	if err != nil {
		return vetting.Config{}, nil, err
	}
	db, _, log, err := m.services(ctx)
	if err != nil {
		_ = closeService(svc)
		return vetting.Config{}, nil, err
	}
	return vetting.Config{Store: db, Audit: log, Screening: svc, Lists: svc.Screener().Index().Versions,
		Intel: in, AllowTools: h.allowTools}, func() error { return closeService(svc) }, nil
}

// asIntelFlag names --intel (or its variable) in an error of intel.Load.
func asIntelFlag(err error, fromEnv bool) error {
	name := "--intel"
	if fromEnv {
		name = envHireIntel
	}
	return bulwark.Wrap(err, bulwark.ErrorCode(err), name+": "+strings.TrimPrefix(bulwark.ErrorMessage(err), "intel: "))
}

// asHireIntelFlag names serve's --hire-intel in an error of intel.Load.
func asHireIntelFlag(err error) error {
	return bulwark.Wrap(err, bulwark.ErrorCode(err), "--hire-intel: "+strings.TrimPrefix(bulwark.ErrorMessage(err), "intel: "))
}

// hireScreenOutput is the JSON of 'hire screen' and 'hire recheck'.
type hireScreenOutput struct {
	// RunView is the file's people's assessments, the clusters holding
	// one of them and their identifiers that could not be read (a phone
	// number that cannot exist: fix them in the records).
	hiring.RunView
	// Run is the stored run (its id, the verdict counts over every stored
	// person, the audit entry).
	Run *hiring.Run `json:"run,omitempty"`
	// Notices are what the readers skipped or could not use, a sentence
	// each after the file's name: counts and reasons, never a value of a
	// data row. Empty when there is nothing to say (and for a recheck).
	Notices []string `json:"notices"`
}

func (m *Main) hireScreenCmd() *command {
	var files hireFiles
	var h hireSettings
	return &command{
		name:    "screen",
		summary: "screen people records and their evidence; exit 3 if anyone is blocked, 2 if anyone needs review",
		usage:   "bulwark hire screen FILE [--logins FILE]... [--inventory FILE]... [--shipping FILE] [--payroll FILE] [--github FILE] [--mapping FILE] [--intel DIR] [--allow-tool NAME]... [--json]",
		long: "FILE holds people records, CSV or JSON lines (docs/hiring-reference.md). They are stored with the\n" +
			"evidence the other files give, linked by the identity graph and checked by the red-flag rules\n" +
			"together with everyone stored before; names and payroll crypto addresses are screened against the\n" +
			"lists (use hiring). The people of FILE are printed with their verdict, score and flags, then the\n" +
			"clusters they are in. The run is audited with fingerprints only. A file with anything wrong is\n" +
			"refused whole, naming the file and line; nothing is stored. Exit 3 if a person of FILE is blocked,\n" +
			"2 if one needs review, 0 if all are clear, 1 on error.",
		setup: func(fs *flag.FlagSet) {
			files.register(fs, true)
			h.register(fs)
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if len(args) != 1 {
				return bulwark.ExitError, bulwark.Invalid("FILE", "give one people file (CSV or JSON lines), e.g. 'bulwark hire screen people.csv --logins okta.json'")
			}
			notes := []string{}
			people, err := m.readPeople(args[0], files.mapping, &notes)
			if err != nil {
				return bulwark.ExitError, err
			}
			ev, err := m.readEvidence(&files, &notes)
			if err != nil {
				return bulwark.ExitError, err
			}
			cfg, closeSvc, err := m.hiringConfig(ctx, &h)
			if err != nil {
				return bulwark.ExitError, err
			}
			m.progress("screening %s", plural(len(people), "person", "people"))
			actor := m.cliActor()
			// New applicants without evidence are screened against an
			// index of the stored people built here (see
			// hiring.ScreenIndex); a server keeps its index warm.
			cfg.Index = hiring.NewScreenIndex()
			svc, err := cfg.Service(ctx, actor)
			if err != nil {
				_ = closeSvc()
				return bulwark.ExitError, err
			}
			res, err := svc.Screen(ctx, actor, people, ev)
			if cerr := closeSvc(); err == nil {
				err = cerr
			}
			if err != nil {
				return bulwark.ExitError, err
			}
			notes = append(notes, res.Notices(files.sources())...)
			out := hireScreenOutput{RunView: hiring.ViewOf(people, res), Run: res.Run}
			out.Notices = append(notes, out.RunView.Notices()...)
			code := worstExit(out.People)
			if m.g.json {
				return code, m.printJSON(out)
			}
			m.printNotices(out.Notices)
			m.printAssessments(out.People)
			m.printClusters(out.Clusters)
			m.printRejected(out.Rejected)
			if others := len(res.Assessments) - len(out.People); others > 0 {
				fmt.Fprintf(m.Stdout, "\n%s stored before re-checked with them (run %d; 'bulwark hire list' shows everyone).\n",
					plural(others, "other person", "other people"), res.Run.ID)
			}
			m.printChanged(out.Changed)
			return code, nil
		},
	}
}

// worstExit is the exit code of the worst verdict of as.
func worstExit(as []hiring.Assessment) int {
	v := bulwark.VerdictClear
	for _, a := range as {
		v = screening.WorstOf(v, a.Verdict)
	}
	return v.ExitCode()
}

// maxPrinted bounds a text the hire commands print (evidence, reasons):
// what the records hold is printed through termSafe, so that a control
// character in a name or id cannot act on the terminal.
const maxPrinted = 1 << 16

func (m *Main) printAssessments(as []hiring.Assessment) {
	for _, a := range as {
		fmt.Fprintf(m.Stdout, "%-6s  %s  score %d  (%s)\n", strings.ToUpper(string(a.Verdict)), termSafe(a.ID, 256), a.Score, plural(len(a.Flags), "flag", "flags"))
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		for _, f := range a.Flags {
			fmt.Fprintf(tw, "  %s\t%s\t+%d\t%s\n", f.Severity, f.Rule, f.Weight, termSafe(f.Evidence, maxPrinted))
		}
		tw.Flush()
	}
}

// printChanged lists the people stored before whose verdict the run
// changed: old → new verdict and the new flags' codes.
func (m *Main) printChanged(cs []hiring.VerdictChange) {
	if len(cs) == 0 {
		return
	}
	fmt.Fprintf(m.Stdout, "\nVerdicts this run changed (%s stored before; 'bulwark hire show ID' for the flags):\n", plural(len(cs), "person", "people"))
	for _, c := range cs {
		rules := strings.Join(c.Rules, ", ")
		if rules == "" {
			rules = "no flags"
		}
		fmt.Fprintf(m.Stdout, "  %s  %s → %s  (%s)\n", termSafe(c.ID, 80), strings.ToUpper(string(c.From)), strings.ToUpper(string(c.To)), rules)
	}
}

func (m *Main) printClusters(cs []hiring.Cluster) {
	if len(cs) == 0 {
		return
	}
	fmt.Fprintf(m.Stdout, "\n%s:\n", plural(len(cs), "cluster", "clusters"))
	for _, c := range cs {
		fmt.Fprintf(m.Stdout, "  %s\n", termSafe(strings.Join(c.IDs, ", "), maxPrinted))
		for _, r := range c.Reasons {
			fmt.Fprintf(m.Stdout, "    - %s\n", termSafe(r, maxPrinted))
		}
	}
}

func (m *Main) printRejected(rs []hiring.Rejected) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(m.Stdout, "\n%s not read (fix them in the records; they link nothing):\n", plural(len(rs), "identifier", "identifiers"))
	for _, r := range rs {
		fmt.Fprintf(m.Stdout, "  %s  %s %q: %s\n", termSafe(r.ID, 256), r.Kind, r.Value, termSafe(r.Reason, maxPrinted))
	}
}

func (m *Main) hireLinkCmd() *command {
	var files hireFiles
	return &command{
		name:    "link",
		summary: "link people records that share identifiers or describe one person",
		usage:   "bulwark hire link FILE [--mapping FILE] [--json]",
		long: "Runs the identity graph over the people of FILE and those stored: records sharing a strong\n" +
			"identifier (e-mail, phone, national id, bank account, device serial, GitHub handle), the same\n" +
			"person by name, birth date and address, and near-duplicate resumes. Prints each cluster of two or\n" +
			"more records holding one of FILE's with the reasons that link them. FILE is not stored; the run is\n" +
			"audited with fingerprints only. Exit 0, 1 on error.",
		setup: func(fs *flag.FlagSet) { files.register(fs, false) },
		run: func(ctx context.Context, args []string) (int, error) {
			if len(args) != 1 {
				return bulwark.ExitError, bulwark.Invalid("FILE", "give one people file (CSV or JSON lines)")
			}
			notes := []string{}
			people, err := m.readPeople(args[0], files.mapping, &notes)
			if err != nil {
				return bulwark.ExitError, err
			}
			db, _, log, err := m.services(ctx)
			if err != nil {
				return bulwark.ExitError, err
			}
			m.progress("linking %s", plural(len(people), "record", "records"))
			svc, err := (vetting.Config{Store: db, Audit: log}).Service(ctx, m.cliActor())
			if err != nil {
				return bulwark.ExitError, err
			}
			res, err := svc.LinkRun(ctx, m.cliActor(), people)
			if err != nil {
				return bulwark.ExitError, err
			}
			cs := hiring.ClustersHolding(hiring.IDs(people), res.Clusters)
			if m.g.json {
				return bulwark.ExitOK, m.printJSON(map[string]any{"clusters": cs, "notices": notes})
			}
			m.printNotices(notes)
			if len(cs) == 0 {
				fmt.Fprintf(m.Stdout, "no clusters: none of the %s shares an identifier with another record\n", plural(len(people), "record", "records"))
				return bulwark.ExitOK, nil
			}
			m.printClusters(cs)
			return bulwark.ExitOK, nil
		},
	}
}

// hireShowOutput is the JSON of 'hire show'.
type hireShowOutput struct {
	*hiring.StoredAssessment
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
	// Evidence counts the evidence items stored for the person.
	Evidence int `json:"evidence"`
}

func (m *Main) hireShowCmd() *command {
	return &command{
		name:    "show",
		summary: "show a stored person's latest verdict, score and flags; exit by the verdict",
		usage:   "bulwark hire show ID [--json]",
		long: "Prints the latest assessment of the person with id ID (as the people file gave it): verdict, score,\n" +
			"flags with their evidence and sources, the run that computed it and whether it is stale (the record\n" +
			"or evidence changed since: 'bulwark hire recheck'). Exit 0 clear, 2 review, 3 block, 1 unknown id.",
		run: func(ctx context.Context, args []string) (int, error) {
			if len(args) != 1 {
				return bulwark.ExitError, bulwark.Invalid("ID", "give one person id, as the people file has it")
			}
			db, err := m.openStore(ctx)
			if err != nil {
				return bulwark.ExitError, err
			}
			p, ev, err := db.Person(ctx, args[0])
			if err != nil {
				return bulwark.ExitError, err
			}
			a, err := db.Assessment(ctx, args[0])
			if bulwark.ErrorCode(err) == bulwark.ENOTFOUND {
				return bulwark.ExitError, bulwark.Errorf(bulwark.ENOTFOUND, "the person is stored but was never screened: run 'bulwark hire recheck'")
			}
			if err != nil {
				return bulwark.ExitError, err
			}
			if a.Flags == nil {
				a.Flags = []hiring.Flag{}
			}
			code := a.Verdict.ExitCode()
			if m.g.json {
				return code, m.printJSON(hireShowOutput{StoredAssessment: a, CreatedAt: formatTime(&p.CreatedAt), UpdatedAt: formatTime(&p.UpdatedAt), Evidence: ev.Count()})
			}
			m.printAssessments([]hiring.Assessment{a.Assessment})
			stale := ""
			if a.Stale {
				stale = "; stale: the record or evidence changed since ('bulwark hire recheck')"
			}
			fmt.Fprintf(m.Stdout, "\nrun %d at %s; %s stored%s\n", a.RunID, formatTime(&a.ComputedAt), plural(ev.Count(), "evidence item", "evidence items"), stale)
			for _, f := range a.Flags {
				fmt.Fprintf(m.Stdout, "  %s: %s\n", f.Rule, termSafe(f.Source, maxPrinted))
			}
			return code, nil
		},
	}
}

// hireListEntry is one person of 'hire list'.
type hireListEntry struct {
	ID      string          `json:"id"`
	Verdict bulwark.Verdict `json:"verdict,omitempty"`
	Score   int             `json:"score"`
	Rules   []string        `json:"rules"`
	Stale   bool            `json:"stale,omitempty"`
	Created string          `json:"createdAt"`
	Updated string          `json:"updatedAt"`
	RunID   int64           `json:"runId,omitempty"`
}

func listEntry(p *hiring.PersonSummary) hireListEntry {
	return hireListEntry{ID: p.ID, Verdict: p.Verdict, Score: p.Score, Rules: p.Rules, Stale: p.Stale,
		Created: formatTime(&p.CreatedAt), Updated: formatTime(&p.UpdatedAt), RunID: p.RunID}
}

func (m *Main) hireListCmd() *command {
	var (
		verdict, cursor string
		limit           int
	)
	return &command{
		name:    "list",
		summary: "list the stored people with their latest verdict, score and flag codes",
		usage:   "bulwark hire list [--verdict block|review|clear] [--limit N [--cursor C]] [--json]",
		long: "One line per stored person, oldest first: id, verdict (none when never screened), score, the codes\n" +
			"of their flags, and stale when the record or evidence changed since. Everyone by default; with\n" +
			"--limit N one page of at most N people (1 to 1000), and when there are more, stderr names the\n" +
			"--cursor that continues after it. --json prints an array. Exit 0, 1 on error.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&verdict, "verdict", "", "only people with this `VERDICT`: block, review or clear")
			fs.IntVar(&limit, "limit", 0, "one page of at most `N` people (1 to 1000)")
			fs.StringVar(&cursor, "cursor", "", "continue after the page whose end named this `CURSOR` (with --limit)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if len(args) > 0 {
				return bulwark.ExitError, bulwark.Invalid("list", "takes no arguments, got %q", args[0])
			}
			q := hiring.PeopleQuery{Verdict: bulwark.Verdict(verdict), Limit: limit, After: cursor}
			if cursor != "" && limit == 0 {
				return bulwark.ExitError, bulwark.Invalid("--cursor", "continues a page: give --limit too")
			}
			if limit == 0 {
				q.Limit = hiring.MaxPage
			}
			if _, err := hiring.CheckPeopleQuery(q); err != nil {
				return bulwark.ExitError, asListFlag(err)
			}
			db, err := m.openStore(ctx)
			if err != nil {
				return bulwark.ExitError, err
			}
			out := []hireListEntry{}
			next := ""
			for {
				page, err := db.ListPeople(ctx, q)
				if err != nil {
					return bulwark.ExitError, asListFlag(err)
				}
				for i := range page.People {
					out = append(out, listEntry(&page.People[i]))
				}
				if next = page.Next; next == "" || limit > 0 {
					break
				}
				q.After = next
			}
			if m.g.json {
				err = m.printJSON(out)
			} else {
				tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintf(tw, "ID\tVERDICT\tSCORE\tUPDATED\tFLAGS\n")
				for _, e := range out {
					v := strings.ToUpper(string(e.Verdict))
					if v == "" {
						v = "-"
					}
					if e.Stale {
						v += " (stale)"
					}
					rules := strings.Join(e.Rules, ",")
					if rules == "" {
						rules = "-"
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", termSafe(e.ID, 256), v, e.Score, e.Updated, rules)
				}
				err = tw.Flush()
			}
			if next != "" {
				fmt.Fprintf(m.Stderr, "bulwark: more people: continue with --limit %d --cursor %s\n", limit, next)
			}
			return bulwark.ExitOK, err
		},
	}
}

// asListFlag names the flag of a listing query's error (the store names
// the query's field).
func asListFlag(err error) error {
	var be *bulwark.Error
	if !errors.As(err, &be) || be.Field == "" {
		return err
	}
	flagName := map[string]string{"verdict": "--verdict", "limit": "--limit", "after": "--cursor", "before": "--before", "kind": "--kind"}[be.Field]
	if flagName == "" {
		return err
	}
	return &bulwark.Error{Code: be.Code, Field: flagName, Message: flagName + ": " + be.Message, Err: err}
}

// hireRunsOutput is the JSON of 'hire runs'.
type hireRunsOutput struct {
	Runs []hiring.Run `json:"runs"`
	// Next is the --before of the following page, null on the last.
	Next *int64 `json:"next"`
}

func (m *Main) hireRunsCmd() *command {
	var (
		kind   string
		before int64
		limit  int
	)
	return &command{
		name:    "runs",
		summary: "list the screening, link and recheck runs, newest first",
		usage:   "bulwark hire runs [--kind screen|link|recheck] [--limit N] [--before ID] [--json]",
		long: "One line per run, newest first: id, kind, when, who, the people imported and the verdict counts\n" +
			"over everyone it assessed. At most --limit runs (default 100, at most 1000); when there are more,\n" +
			"stderr names the --before that continues. 'bulwark hire run ID' shows one. Runs name nobody: counts\n" +
			"only. --json: {\"runs\": […], \"next\": ID|null}. Exit 0, 1 on error.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&kind, "kind", "", "only runs of this `KIND`: screen, link or recheck")
			fs.IntVar(&limit, "limit", 0, "at most `N` runs (1 to 1000; default 100)")
			fs.Int64Var(&before, "before", 0, "only runs older than run `ID` (the next page)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if len(args) > 0 {
				return bulwark.ExitError, bulwark.Invalid("runs", "takes no arguments, got %q", args[0])
			}
			q := hiring.RunQuery{Kind: kind, Before: before, Limit: limit}
			if _, err := hiring.CheckRunQuery(q); err != nil {
				return bulwark.ExitError, asListFlag(err)
			}
			db, err := m.openStore(ctx)
			if err != nil {
				return bulwark.ExitError, err
			}
			page, err := db.ListRuns(ctx, q)
			if err != nil {
				return bulwark.ExitError, asListFlag(err)
			}
			out := hireRunsOutput{Runs: page.Runs}
			if page.Next != 0 {
				out.Next = &page.Next
			}
			if m.g.json {
				return bulwark.ExitOK, m.printJSON(out)
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "RUN\tKIND\tAT\tACTOR\tIMPORTED\tVERDICTS\n")
			for i := range out.Runs {
				r := &out.Runs[i]
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.Kind, formatTime(&r.At), termSafe(r.Actor, 80), r.Imported, verdictCounts(r.Verdicts))
			}
			if err := tw.Flush(); err != nil {
				return bulwark.ExitError, err
			}
			if page.Next != 0 {
				fmt.Fprintf(m.Stderr, "bulwark: more runs: continue with --before %d\n", page.Next)
			}
			return bulwark.ExitOK, nil
		},
	}
}

// verdictCounts writes a run's verdict counts worst first: "block 3,
// clear 2"; "-" for none.
func verdictCounts(v map[bulwark.Verdict]int) string {
	var parts []string
	for _, k := range []bulwark.Verdict{bulwark.VerdictBlock, bulwark.VerdictReview, bulwark.VerdictClear} {
		if v[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, v[k]))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func (m *Main) hireRunCmd() *command {
	return &command{
		name:    "run",
		summary: "show one screening, link or recheck run",
		usage:   "bulwark hire run ID [--json]",
		long: "Prints the run with id ID ('bulwark hire runs' lists them): its kind, time, actor and reason, the\n" +
			"people it imported, the clusters it found, the verdict counts over everyone it assessed, what it\n" +
			"was computed against (list versions, rules, counts of records and evidence) and its audit entry.\n" +
			"Exit 0, 1 for an unknown id.",
		run: func(ctx context.Context, args []string) (int, error) {
			if len(args) != 1 {
				return bulwark.ExitError, bulwark.Invalid("ID", "give one run id, as 'bulwark hire runs' lists them")
			}
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id < 1 {
				return bulwark.ExitError, bulwark.Invalid("ID", "%q is not a run id: give a whole number, as 'bulwark hire runs' lists them", bulwark.Echo(args[0]))
			}
			db, err := m.openStore(ctx)
			if err != nil {
				return bulwark.ExitError, err
			}
			r, err := db.Run(ctx, id)
			if err != nil {
				return bulwark.ExitError, err
			}
			if m.g.json {
				return bulwark.ExitOK, m.printJSON(r)
			}
			fmt.Fprintf(m.Stdout, "run %d: %s at %s by %s\n", r.ID, r.Kind, formatTime(&r.At), termSafe(r.Actor, 200))
			if r.Reason != "" {
				fmt.Fprintf(m.Stdout, "reason: %s\n", termSafe(r.Reason, 500))
			}
			fmt.Fprintf(m.Stdout, "imported %s; %s; verdicts: %s\n", plural(r.Imported, "record", "records"), plural(r.Clusters, "cluster", "clusters"), verdictCounts(r.Verdicts))
			fmt.Fprintf(m.Stdout, "checked %s and %s", plural(r.Inputs.People, "record", "records"), plural(r.Inputs.Evidence, "evidence item", "evidence items"))
			if r.Inputs.Rules != "" {
				fmt.Fprintf(m.Stdout, " with rules %s", termSafe(r.Inputs.Rules, 100))
			}
			fmt.Fprintln(m.Stdout)
			lists := slices.Sorted(maps.Keys(r.Inputs.Lists))
			for _, l := range lists {
				fmt.Fprintf(m.Stdout, "  list %s: %s\n", termSafe(l, 100), termSafe(r.Inputs.Lists[l], 100))
			}
			if r.AuditSeq != 0 {
				fmt.Fprintf(m.Stdout, "audit entry %d\n", r.AuditSeq)
			}
			return bulwark.ExitOK, nil
		},
	}
}

func (m *Main) hireRecheckCmd() *command {
	var h hireSettings
	return &command{
		name:    "recheck",
		summary: "screen every stored person again (after a list update); exit by the worst verdict",
		usage:   "bulwark hire recheck [--intel DIR] [--allow-tool NAME]... [--json]",
		long: "Runs the identity graph and the rules over every stored person and their evidence again, with the\n" +
			"lists and reference data in force now, and stores the assessments (audited as hire.recheck). A\n" +
			"running server does this by itself when its lists change. Exit 3 if anyone is blocked, 2 if anyone\n" +
			"needs review, 0 otherwise (also with nobody stored), 1 on error.",
		setup: func(fs *flag.FlagSet) { h.register(fs) },
		run: func(ctx context.Context, args []string) (int, error) {
			if len(args) > 0 {
				return bulwark.ExitError, bulwark.Invalid("recheck", "takes no arguments, got %q", args[0])
			}
			cfg, closeSvc, err := m.hiringConfig(ctx, &h)
			if err != nil {
				return bulwark.ExitError, err
			}
			res, err := cfg.Recheck(ctx, m.cliActor(), "asked on the command line")
			if cerr := closeSvc(); err == nil {
				err = cerr
			}
			if err != nil {
				return bulwark.ExitError, err
			}
			out := hireScreenOutput{RunView: hiring.RunView{People: []hiring.Assessment{}, Clusters: []hiring.Cluster{}}, Notices: []string{}}
			if res != nil {
				out.People, out.Clusters, out.Run = res.Assessments, hiring.ClustersHolding(nil, res.Clusters), res.Run
				out.Changed = res.Changed
				out.Notices = res.Notices(hiring.EvidenceSources{})
			}
			code := worstExit(out.People)
			if m.g.json {
				return code, m.printJSON(out)
			}
			if res == nil {
				fmt.Fprintln(m.Stdout, "nobody is stored: nothing to re-check")
				return code, nil
			}
			m.printNotices(out.Notices)
			m.printAssessments(out.People)
			m.printClusters(out.Clusters)
			m.printChanged(out.Changed)
			return code, nil
		},
	}
}

func (m *Main) hireForgetCmd() *command {
	var fingerprints stringList
	return &command{
		name:    "forget",
		summary: "delete a person's record, evidence and assessment (a data subject's request)",
		usage:   "bulwark hire forget (ID | --fingerprint FP...) [--json]",
		long: "Deletes the stored record of the person with id ID, the evidence attached to it and their\n" +
			"assessment, and removes the id from other people's flags (marking those stale). The audit log,\n" +
			"which names people only by fingerprint, records it as hire.forget and stays verifiable. The\n" +
			"screening decisions of the person's name hold neither the name nor the id and follow the\n" +
			"screening retention ('bulwark screen prune', serve --retention).\n" +
			"With --fingerprint (repeatable), forgets the stored person whose fingerprint it is, as the\n" +
			"hire.forget entries of the audit log name them (hire:person:FP or FP): after restoring a backup\n" +
			"taken before those forgets (docs/hiring-privacy.md). A fingerprint no stored person has is\n" +
			"listed as not stored. Exit 0, 1 when no person with that ID is stored.",
		setup: func(fs *flag.FlagSet) {
			fs.Var(&fingerprints, "fingerprint", "forget the stored person with this `FINGERPRINT` (from a hire.forget audit entry); repeat for several")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if len(fingerprints) > 0 {
				if len(args) > 0 {
					return bulwark.ExitError, bulwark.Invalid("ID", "give an id or --fingerprint, not both")
				}
				return m.forgetFingerprints(ctx, fingerprints)
			}
			if len(args) != 1 {
				return bulwark.ExitError, bulwark.Invalid("ID", "give one person id, as the people file has it (or --fingerprint FP)")
			}
			db, _, log, err := m.services(ctx)
			if err != nil {
				return bulwark.ExitError, err
			}
			rep, err := (&hiring.Service{Store: db, Audit: log}).Forget(ctx, args[0], m.cliActor())
			if err != nil {
				return bulwark.ExitError, err
			}
			if m.g.json {
				return bulwark.ExitOK, m.printJSON(rep)
			}
			m.printForgotten(rep)
			return bulwark.ExitOK, nil
		},
	}
}

func (m *Main) printForgotten(rep *hiring.ForgetReport) {
	fmt.Fprintf(m.Stdout, "forgotten: person %s (%s, assessment %s); %s scrubbed, %s cleared; audit entry %d\n",
		rep.Fingerprint, plural(rep.Evidence, "evidence item", "evidence items"), yesNo(rep.Assessment),
		plural(rep.Scrubbed, "other assessment", "other assessments"), plural(rep.Referrals, "referral", "referrals"), rep.AuditSeq)
	if rep.Dispositions > 0 {
		fmt.Fprintf(m.Stdout, "deleted: %s on the person's screening matches\n", plural(rep.Dispositions, "analyst's ruling", "analysts' rulings"))
	}
	if rep.Remains != "" {
		fmt.Fprintf(m.Stderr, "warning: %s\n", rep.Remains)
	}
}

// hireForgetFingerprints is the JSON of 'hire forget --fingerprint'.
type hireForgetFingerprints struct {
	Forgotten []*hiring.ForgetReport `json:"forgotten"`
	// NotStored are the fingerprints no stored person has.
	NotStored []string `json:"notStored"`
}

// forgetFingerprints forgets the stored people with the fingerprints
// given: each stored person's fingerprint is computed from their salt
// and compared.
func (m *Main) forgetFingerprints(ctx context.Context, given []string) (int, error) {
	want := map[string]bool{}
	var order []string
	for _, fp := range given {
		fp = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(fp), hiring.PersonTarget("")))
		if len(fp) != hiring.FingerprintLen || strings.Trim(fp, "0123456789abcdef") != "" {
			return bulwark.ExitError, bulwark.Invalid("--fingerprint", "%q is not a person's fingerprint: give the %d hex digits of a hire.forget entry's target (hire:person:FP)", bulwark.Echo(fp), hiring.FingerprintLen)
		}
		if !want[fp] {
			want[fp] = true
			order = append(order, fp)
		}
	}
	db, _, log, err := m.services(ctx)
	if err != nil {
		return bulwark.ExitError, err
	}
	key, err := db.HiringKey(ctx)
	if err != nil {
		return bulwark.ExitError, err
	}
	snap, err := db.Snapshot(ctx)
	if err != nil {
		return bulwark.ExitError, err
	}
	ids := map[string]string{}
	for _, sp := range snap.People {
		if fp := hiring.PersonFingerprint(key, sp.Salt, sp.Person.ID); want[fp] {
			ids[fp] = sp.Person.ID
		}
	}
	svc := &hiring.Service{Store: db, Audit: log}
	out := hireForgetFingerprints{Forgotten: []*hiring.ForgetReport{}, NotStored: []string{}}
	for _, fp := range order {
		id, ok := ids[fp]
		if !ok {
			out.NotStored = append(out.NotStored, fp)
			continue
		}
		rep, err := svc.Forget(ctx, id, m.cliActor())
		if err != nil {
			return bulwark.ExitError, err
		}
		out.Forgotten = append(out.Forgotten, rep)
	}
	if m.g.json {
		return bulwark.ExitOK, m.printJSON(out)
	}
	for _, rep := range out.Forgotten {
		m.printForgotten(rep)
	}
	for _, fp := range out.NotStored {
		fmt.Fprintf(m.Stdout, "not stored: no person has fingerprint %s (forgotten already, or never imported into this store)\n", fp)
	}
	return bulwark.ExitOK, nil
}

func yesNo(b bool) string {
	if b {
		return "deleted"
	}
	return "none"
}

func (m *Main) hirePurgeCmd() *command {
	var keep retention
	return &command{
		name:    "purge",
		summary: "forget the people no import has given for --older-than (retention), audited",
		usage:   "bulwark hire purge --older-than 365d [--json]",
		long: "Forgets, as 'bulwark hire forget' does, every stored person whose record no 'hire screen' has\n" +
			"given (changed or not) and no evidence was added to for --older-than: their record, evidence,\n" +
			"assessment and the analysts' rulings on their screening matches. One hire.purge audit entry records\n" +
			"the cutoff and the count, never a person. 'bulwark serve --hire-retention 365d' does the same every\n" +
			"hour; run this from cron where the command line alone is used.",
		setup: func(fs *flag.FlagSet) {
			fs.Var(&keep, "older-than", "forget the people not imported for `AGE` (365d: 365 days)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("hire purge", args); err != nil {
				return bulwark.ExitError, err
			}
			if keep == 0 {
				return bulwark.ExitError, bulwark.Invalid("--older-than", "required: how long a person may go without being imported before they are forgotten, e.g. 365d")
			}
			db, _, log, err := m.services(ctx)
			if err != nil {
				return bulwark.ExitError, err
			}
			before := time.Now().Add(-time.Duration(keep)).UTC()
			n, seq, err := (&hiring.Service{Store: db, Audit: log}).PurgeBefore(ctx, before, m.cliActor())
			if err != nil {
				return bulwark.ExitError, err
			}
			if m.g.json {
				return bulwark.ExitOK, m.printJSON(struct {
					Before   time.Time `json:"before"`
					People   int64     `json:"people"`
					AuditSeq int64     `json:"auditSeq,omitempty"`
				}{before, n, seq})
			}
			if n == 0 {
				fmt.Fprintf(m.Stdout, "nothing to purge: everyone stored was imported since %s\n", before.Format(time.RFC3339))
				return bulwark.ExitOK, nil
			}
			fmt.Fprintf(m.Stdout, "purged %s not imported since %s (audit entry %d)\n", plural(int(n), "person", "people"), before.Format(time.RFC3339), seq)
			return bulwark.ExitOK, nil
		},
	}
}
