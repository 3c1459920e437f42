package cli

import (
	"context"
	"flag"
	"fmt"
	"slices"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
)

func (m *Main) listsProblemsCmd() *command {
	return &command{
		name:    "problems",
		summary: "show what the import of a list reported instead of importing (file and line, reason)",
		usage:   "bulwark lists problems ID [--json]",
		long: "Every active list keeps the problems its import found: rows with the wrong column count, truncated\n" +
			"address fragments, aliases of entries a file does not hold, addresses filed under the wrong ticker.\n" +
			"They were reported, not silently dropped; this shows them, one per line: PLACE: MESSAGE.",
		setup: func(*flag.FlagSet) {},
		run: func(ctx context.Context, args []string) (int, error) {
			if len(args) != 1 {
				return bulwark.ExitError, bulwark.Invalid("ID", "give the ID of one list (see 'bulwark lists')")
			}
			// Open the service first: on an empty store it imports the
			// embedded default lists, whose problems are then shown.
			svc, err := m.screeningService(ctx, screeningSettings{}, false, true)
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
			for _, l := range ls {
				if l.Info.ID != args[0] {
					continue
				}
				probs := l.Problems
				if probs == nil {
					probs = []screening.Problem{}
				}
				if m.g.json {
					return bulwark.ExitOK, m.printJSON(map[string]any{"list": l.Info, "problems": probs})
				}
				for _, p := range probs {
					fmt.Fprintf(m.Stdout, "%s: %s\n", p.Place, p.Message)
				}
				fmt.Fprintf(m.Stderr, "%s in %s (version %.12s)\n", plural(len(probs), "problem", "problems"), l.Info.ID, l.Info.SHA256)
				return bulwark.ExitOK, nil
			}
			ids := make([]string, 0, len(ls))
			for _, l := range ls {
				ids = append(ids, l.Info.ID)
			}
			slices.Sort(ids)
			return bulwark.ExitError, seeLists(screening.UnknownList(args[0], ids))
		},
	}
}
