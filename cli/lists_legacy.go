package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

// mislabelledLists returns the active list versions an earlier Bulwark
// mislabelled DPRK-attributed (sources.FindMislabelled).
func (m *Main) mislabelledLists(ctx context.Context, svc *screening.Service) ([]sources.Mislabelled, error) {
	db, _, _, err := m.services(ctx)
	if err != nil {
		return nil, err
	}
	return sources.FindMislabelled(ctx, db, svc.Screener().Index().Lists())
}

// warnMislabelled writes one warning line per mislabelled list to stderr,
// once per run: every command that opens the lists calls it, except those
// that show the lists themselves and serve, which logs it.
func (m *Main) warnMislabelled(ctx context.Context, svc *screening.Service) {
	if m.mislabelWarned {
		return
	}
	m.mislabelWarned = true
	ms, err := m.mislabelledLists(ctx, svc)
	if err != nil {
		fmt.Fprintf(m.Stderr, "warning: the lists could not be checked for versions an earlier Bulwark mislabelled: %s\n", bulwark.ErrorMessage(err))
		return
	}
	for _, ml := range ms {
		fmt.Fprintf(m.Stderr, "warning: list %s is mislabelled: %s; screening uses it until you run 'bulwark lists repair' (see 'bulwark lists')\n", ml.List.ID, ml.Reason)
	}
}

// printMislabelled explains each mislabelled list and the commands that
// fix it, for 'bulwark lists'.
func printMislabelled(w io.Writer, ms []sources.Mislabelled) {
	for _, ml := range ms {
		fmt.Fprintf(w, "\nMISLABELLED %s: %s.\n", ml.List.ID, ml.Reason)
		if r := ml.Restore; r != nil {
			fmt.Fprintf(w, "  fix:  bulwark lists repair    (makes version %.12s of %s active again: %s, %d addresses; audited)\n", r.SHA256, r.ID, r.Name, r.Addresses)
		} else {
			fmt.Fprintf(w, "  fix:  bulwark lists remove %s    (or 'bulwark lists repair', which repairs every list marked)\n", ml.List.ID)
		}
		fmt.Fprintf(w, "  then, to screen against the file as what it is:  %s\n", ml.Reimport)
		if ml.Plain {
			fmt.Fprintf(w, "        (--kind says what the addresses are: sanctions, attribution or internal; add --confidence if you know it)\n")
		}
	}
}

// repairAction is what 'lists repair' did to one list.
type repairAction struct {
	List screening.ListInfo `json:"list"`
	// Action is "restored" (Restored is now active) or "removed".
	Action   string              `json:"action"`
	Restored *screening.ListInfo `json:"restored,omitempty"`
	Reimport string              `json:"reimport"`
	// Alerts are those the restored version raised for watches.
	Alerts []screening.Alert `json:"alerts,omitempty"`
}

func (m *Main) listsRepairCmd() *command {
	var st screeningSettings
	return &command{
		name:    "repair",
		summary: "replace list versions an earlier Bulwark mislabelled DPRK-attributed (audited)",
		usage:   "bulwark lists repair [--json]",
		long: "Bulwark versions before the list-identity rules imported a plain address file as the FBI list\n" +
			"(fbi-dprk, or fbi-dprk-<file> beside other files), labelled DPRK-attributed, confidence high: your\n" +
			"own addresses could replace the FBI's. 'bulwark lists' marks such versions. This makes the newest\n" +
			"earlier correct version of each active again (for fbi-dprk, the embedded FBI table when there is\n" +
			"none) and removes a list that has none. Each change is audited; nothing else changes. Re-import\n" +
			"the files as your own list with the command 'bulwark lists' prints.",
		setup: func(fs *flag.FlagSet) { st.register(fs) },
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("lists repair", args); err != nil {
				return bulwark.ExitError, err
			}
			m.mislabelWarned = true
			svc, err := m.screeningService(ctx, st, false, true)
			if err != nil {
				return bulwark.ExitError, err
			}
			defer closeService(svc)
			ms, err := m.mislabelledLists(ctx, svc)
			if err != nil {
				return bulwark.ExitError, err
			}
			done := []repairAction{}
			for _, ml := range ms {
				a := repairAction{List: ml.List, Reimport: ml.Reimport}
				if l := ml.RestoreList(); l != nil {
					// Forced: the version replaced states no publication
					// date and may hold more addresses than the one restored.
					source := fmt.Sprintf("lists repair: mislabelled version %.12s", ml.List.SHA256)
					rep, err := svc.ImportWith(ctx, m.cliActor(), source, []*screening.List{l}, screening.ImportOptions{Force: true})
					if err != nil {
						return bulwark.ExitError, err
					}
					a.Action, a.Restored, a.Alerts = "restored", ml.Restore, rep.Alerts
				} else {
					if _, err := svc.RemoveList(ctx, m.cliActor(), ml.List.ID); err != nil {
						return bulwark.ExitError, err
					}
					a.Action = "removed"
				}
				done = append(done, a)
			}
			if m.g.json {
				return bulwark.ExitOK, m.printJSON(map[string]any{"repaired": done})
			}
			if len(done) == 0 {
				fmt.Fprintln(m.Stdout, "nothing to repair: no active list was mislabelled by an earlier Bulwark")
			}
			for _, a := range done {
				if a.Action == "restored" {
					fmt.Fprintf(m.Stdout, "restored %s: version %.12s (%d addresses) replaces mislabelled version %.12s\n", a.List.ID, a.Restored.SHA256, a.Restored.Addresses, a.List.SHA256)
				} else {
					fmt.Fprintf(m.Stdout, "removed %s (mislabelled version %.12s)\n", a.List.ID, a.List.SHA256)
				}
				fmt.Fprintf(m.Stdout, "  to screen against its file as what it is: %s\n", a.Reimport)
				for _, al := range a.Alerts {
					fmt.Fprintf(m.Stdout, "ALERT %s: watch %d (%s) now matches: decision %s\n", strings.ToUpper(string(al.Verdict)), al.WatchID, al.Subject, al.DecisionID)
				}
			}
			return bulwark.ExitOK, nil
		},
	}
}

// mislabelledIDs returns the IDs of ms, for marking rows.
func mislabelledIDs(ms []sources.Mislabelled) map[string]bool {
	ids := map[string]bool{}
	for _, ml := range ms {
		ids[ml.List.ID] = true
	}
	return ids
}
