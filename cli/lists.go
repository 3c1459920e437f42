package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/httpapi"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/lists"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

func (m *Main) listsCmd() *command {
	var st screeningSettings
	return &command{
		name:    "lists",
		summary: "show and update screening lists",
		usage:   "bulwark lists [--json] | bulwark lists update [--from DIR|FILE|URL,…] | export --out FILE | remove ID | repair",
		long: "Without a subcommand, shows each active list: entities, addresses, problems reported at import,\n" +
			"publication date, age and whether it is stale (--lists-max-age). A fresh data directory starts with\n" +
			"the lists embedded in the binary (OFAC SDN, UN consolidated, UK OFSI ConList, FBI DPRK addresses);\n" +
			"the attribution a list's licence asks for follows the table. A list an earlier\n" +
			"Bulwark built from a plain address file under the FBI list's ID is marked MISLABELLED, with the\n" +
			"commands that fix it, and the exit code is 2 (a human must look).",
		setup: func(fs *flag.FlagSet) { st.register(fs) },
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("lists", args); err != nil {
				return bulwark.ExitError, err
			}
			m.mislabelWarned = true // marked below instead
			svc, err := m.screeningService(ctx, st, false, true)
			if err != nil {
				return bulwark.ExitError, err
			}
			defer closeService(svc)
			views := httpapi.ListViews(svc.Screener(), time.Now())
			bad, err := m.mislabelledLists(ctx, svc)
			if err != nil {
				return bulwark.ExitError, err
			}
			code := bulwark.ExitOK
			if len(bad) > 0 {
				code = bulwark.ExitReview // a human must look
			}
			bad = httpapi.MarkMislabelled(views, bad)
			// Licences that ask for attribution (the UK list's OGL v3.0).
			attributions := map[string]string{}
			for _, v := range views {
				if a := lists.Attribution(v.ID); a != "" {
					attributions[v.ID] = a
				}
			}
			if m.g.json {
				return code, m.printJSON(map[string]any{"lists": views, "mislabelled": bad, "attributions": attributions})
			}
			marked := mislabelledIDs(bad)
			tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "LIST\tENTITIES\tADDRESSES\tPROBLEMS\tPUBLISHED\tAGE\tSHA256\tSOURCE")
			for _, v := range views {
				pub := "-"
				if !v.Published.IsZero() {
					pub = v.Published.Format("2006-01-02")
				}
				age := humanAge(time.Duration(v.AgeSeconds) * time.Second)
				if v.Stale {
					age += " (stale)"
				}
				mark := ""
				if marked[v.ID] {
					mark = "\tMISLABELLED"
				}
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%.12s\t%s%s\n", v.ID, v.Entities, v.Addresses, v.Problems, pub, age, v.SHA256, v.Source, mark)
			}
			if err := tw.Flush(); err != nil {
				return bulwark.ExitError, err
			}
			for _, v := range views {
				if a := attributions[v.ID]; a != "" {
					fmt.Fprintf(m.Stdout, "%s: %s\n", v.ID, a)
				}
			}
			printMislabelled(m.Stdout, bad)
			return code, nil
		},
		subs: []*command{m.listsUpdateCmd(), m.listsExportCmd(), m.listsRemoveCmd(), m.listsProblemsCmd(), m.listsRepairCmd()},
	}
}

// humanAge renders an age in days or hours.
func humanAge(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	return d.Round(time.Minute).String()
}

func (m *Main) listsUpdateCmd() *command {
	var from, listID, kind, confidence string
	var force bool
	var st screeningSettings
	return &command{
		name:    "update",
		summary: "import new list versions from directories, files or URLs (all or nothing)",
		usage:   "bulwark lists update [--from DIR|FILE|URL[,…]] [--list ID --kind sanctions|attribution|internal [--confidence LEVEL]] [--force] [--json]",
		long: "Reads every list file given (a directory's files are routed by content: OFAC sdn.csv + add.csv +\n" +
			"alt.csv + sdn_comments.csv or SDN_ADVANCED.XML, the UN consolidated XML, the UK OFSI ConList (.xlsx\n" +
			"or CSV), the DPRK attribution CSV,\n" +
			"Bulwark CSV, GraphSense TagPacks, Israel NBCTF CSV, and Bulwark snapshots under any name). Each\n" +
			"list's ID comes from its format, never from a file name. A plain list of addresses (one per line)\n" +
			"is refused: it says nothing of whose addresses they are. Import it as your own list with\n" +
			"--list ID --kind sanctions|attribution|internal (and --confidence if you know it); every file given\n" +
			"then makes that one list. An official list's ID (ofac-*, un-*, fbi-*, nbctf, il-*, eu-*, uk-*, …) is\n" +
			"never yours to take. Without --from the official OFAC and UN URLs are fetched. If any file fails to\n" +
			"download or parse, nothing changes and the error names the file and line. Lists identical to the\n" +
			"active version are left as they are. A version published before the one in force, or one that\n" +
			"would drop more than 10% of an official list's entities or addresses (more than half of one of\n" +
			"your own lists), whatever its size (a partial download, the wrong file), is refused unless --force.\n" +
			"A running 'bulwark serve' on the same data directory picks the new versions up within seconds and\n" +
			"re-screens its watches against the new or changed entries.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&from, "from", "", "comma-separated `DIR|FILE|URL`s to import (default: the official OFAC and UN URLs)")
			fs.StringVar(&listID, "list", "", "import the files as your own list `ID` (not an official list's ID); needs --kind")
			fs.StringVar(&kind, "kind", "", "with --list: what the addresses are, `sanctions|attribution|internal`")
			fs.StringVar(&confidence, "confidence", "", "with --list: how sure you are, `high|medium|low` (default unknown: matches need review)")
			fs.BoolVar(&force, "force", false, "accept a version published before the one in force, or one that drops more than 10% of an official list's entities or addresses (half of one of your own)")
			st.register(fs)
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("lists update", args); err != nil {
				return bulwark.ExitError, err
			}
			svc, err := m.screeningService(ctx, st, false, true)
			if err != nil {
				return bulwark.ExitError, err
			}
			defer closeService(svc)
			own, err := ownList(listID, kind, confidence)
			if err != nil {
				return bulwark.ExitError, err
			}
			rep, err := sources.Update(ctx, svc, m.cliActor(), from, own, force)
			var ue *url.Error
			if errors.As(err, &ue) {
				// No answer from the server (offline, a proxy, DNS): say
				// what still works.
				return bulwark.ExitError, bulwark.Wrap(err, bulwark.ErrorCode(err), "--from: "+bulwark.ErrorMessage(err)+
					"; nothing changed. Without network access, fetch the files on a machine that has it (or run 'bulwark lists export --out F' there) and import them with --from DIR|FILE")
			}
			if err != nil {
				return bulwark.ExitError, err
			}
			if m.g.json {
				return bulwark.ExitOK, m.printJSON(rep)
			}
			for _, c := range rep.Changed {
				fmt.Fprintf(m.Stdout, "updated %s: %s, %s, %s (sha256 %.12s)\n", c.ID, plural(c.Entities, "entity", "entities"), plural(c.Addresses, "address", "addresses"), plural(c.Problems, "problem", "problems"), c.SHA256)
			}
			for _, id := range rep.Unchanged {
				fmt.Fprintf(m.Stdout, "unchanged %s\n", id)
			}
			for _, a := range rep.Alerts {
				fmt.Fprintf(m.Stdout, "ALERT %s: watch %d (%s) now matches: decision %s\n", strings.ToUpper(string(a.Verdict)), a.WatchID, a.Subject, a.DecisionID)
			}
			return bulwark.ExitOK, nil
		},
	}
}

// ownList reads --list, --kind and --confidence: all empty, or a list ID
// with its kind (the flags are checked before any file is read).
func ownList(id, kind, confidence string) (lists.Own, error) {
	if id == "" {
		switch {
		case kind != "":
			return lists.Own{}, bulwark.Invalid("--kind", "only with --list ID: the kind of your own list")
		case confidence != "":
			return lists.Own{}, bulwark.Invalid("--confidence", "only with --list ID: how sure you are of your own list")
		}
		return lists.Own{}, nil
	}
	if err := screening.CheckUserListID("--list", id); err != nil {
		return lists.Own{}, err
	}
	cat, err := screening.ParseListKind("--kind", kind)
	if err != nil {
		return lists.Own{}, err
	}
	conf, err := screening.ParseConfidence("--confidence", confidence)
	if err != nil {
		return lists.Own{}, err
	}
	return lists.Own{ID: id, Category: cat, Confidence: conf}, nil
}

func (m *Main) listsExportCmd() *command {
	var out string
	var st screeningSettings
	return &command{
		name:    "export",
		summary: "write the active lists as a snapshot file another install can import",
		usage:   "bulwark lists export --out FILE [--json]",
		long: "Writes every active list (on a data directory never used before: the embedded default lists,\n" +
			"imported first as any command does) to FILE, gzip-compressed JSON, under any name:\n" +
			"'bulwark lists update --from FILE' recognises a snapshot by its content. JSON: {\"out\", \"lists\"}.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&out, "out", "", "snapshot `FILE` to write (gzip JSON, bulwark-lists/1)")
			st.register(fs)
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("lists export", args); err != nil {
				return bulwark.ExitError, err
			}
			if out == "" {
				return bulwark.ExitError, bulwark.Invalid("--out", "required: the snapshot file to write")
			}
			// Open the service first: on an empty store it imports the
			// embedded default lists, which are then what is active.
			svc, err := m.screeningService(ctx, st, false, true)
			if err != nil {
				return bulwark.ExitError, err
			}
			defer closeService(svc)
			db, _, _, err := m.services(ctx)
			if err != nil {
				return bulwark.ExitError, err
			}
			ls, err := db.ActiveLists(ctx)
			if err != nil {
				return bulwark.ExitError, err
			}
			if err := writeSnapshotFile(out, ls); err != nil {
				return bulwark.ExitError, err
			}
			if m.g.json {
				infos := make([]screening.ListInfo, len(ls))
				for i, l := range ls {
					infos[i] = l.Info
				}
				return bulwark.ExitOK, m.printJSON(map[string]any{"out": out, "lists": infos})
			}
			fmt.Fprintf(m.Stderr, "wrote %s to %s\n", plural(len(ls), "list", "lists"), out)
			return bulwark.ExitOK, nil
		},
	}
}

// writeSnapshotFile writes a snapshot through a temporary file renamed into
// place, so a reader never sees half a file.
func writeSnapshotFile(out string, ls []*screening.List) error {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".snapshot-*")
	if err != nil {
		return bulwark.Invalid("--out", "%s", pathErr(err))
	}
	defer os.Remove(tmp.Name())
	if err := screening.WriteSnapshot(tmp, ls); err != nil {
		tmp.Close()
		return bulwark.Invalid("--out", "%v", err)
	}
	if err := tmp.Close(); err != nil {
		return bulwark.Invalid("--out", "%v", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return bulwark.Invalid("--out", "%s", pathErr(err))
	}
	return nil
}

func (m *Main) listsRemoveCmd() *command {
	var st screeningSettings
	return &command{
		name:    "remove",
		summary: "stop screening against a list (its versions are kept for replay)",
		usage:   "bulwark lists remove ID [--json]",
		setup:   func(fs *flag.FlagSet) { st.register(fs) },
		run: func(ctx context.Context, args []string) (int, error) {
			if len(args) != 1 {
				return bulwark.ExitError, bulwark.Invalid("ID", "give the ID of one list (see 'bulwark lists')")
			}
			svc, err := m.screeningService(ctx, st, false, true)
			if err != nil {
				return bulwark.ExitError, err
			}
			defer closeService(svc)
			li, err := svc.RemoveList(ctx, m.cliActor(), args[0])
			if err != nil {
				return bulwark.ExitError, seeLists(err)
			}
			if m.g.json {
				return bulwark.ExitOK, m.printJSON(map[string]any{"removed": li})
			}
			fmt.Fprintf(m.Stdout, "removed %s (version %.12s)\n", li.ID, li.SHA256)
			return bulwark.ExitOK, nil
		},
	}
}

// seeLists points an unknown list id's error at the command that shows
// the lists.
func seeLists(err error) error {
	if !bulwark.IsCode(err, bulwark.ENOTFOUND) {
		return err
	}
	return &bulwark.Error{Code: bulwark.ENOTFOUND, Message: bulwark.ErrorMessage(err) + " ('bulwark lists' shows them)", Err: err}
}
