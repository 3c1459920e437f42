package sources

import (
	"context"
	"path"
	"strings"

	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/lists"
)

// Mislabelled is an active list version that an earlier Bulwark made from
// a file that attributes nothing to the DPRK, labelled DPRK-attributed
// under an official list's ID ([lists.MadeUpDPRK]), with what repairs it.
type Mislabelled struct {
	List screening.ListInfo `json:"list"`
	lists.Mislabel
	// Restore is the version [Mislabelled.RestoreList] returns: the newest
	// earlier version of the list that is not mislabelled or, when there
	// is none, the embedded list of the same ID (the FBI table for
	// fbi-dprk). Nil when the list has neither: repairing it removes it.
	Restore *screening.ListInfo `json:"restore,omitempty"`
	// Reimport is the command that imports the version's file as what it
	// is: a plain address file as the user's own list (--list ID --kind,
	// the kind being the user's to choose), a CSV by the rules in force.
	Reimport string `json:"reimport"`

	restore *screening.List
}

// RestoreList returns the version that should replace the mislabelled one
// (see Restore), nil when the list should be removed.
func (m *Mislabelled) RestoreList() *screening.List { return m.restore }

// FindMislabelled checks the active versions (their infos, as an index
// lists them) for mislabelled ones. Only versions in the DPRK table's
// format are read from the store (a few entries each), so the check is
// cheap enough for every command to run; the embedded lists are read only
// when a mislabelled version has no good earlier version to fall back to.
func FindMislabelled(ctx context.Context, store screening.ListStore, active []screening.ListInfo) ([]Mislabelled, error) {
	var out []Mislabelled
	var embedded []*screening.List
	for _, info := range active {
		if info.Format != lists.FormatFBI {
			continue
		}
		l, err := store.ListVersion(ctx, info.ID, info.SHA256)
		if err != nil {
			return nil, err
		}
		ml, bad := lists.MadeUpDPRK(l)
		if !bad {
			continue
		}
		m := Mislabelled{List: l.Info, Mislabel: ml, Reimport: reimportCommand(l, ml.Plain)}
		hist, err := store.ListHistory(ctx, info.ID)
		if err != nil {
			return nil, err
		}
		for _, h := range hist {
			if h.SHA256 == info.SHA256 {
				continue
			}
			prev, err := store.ListVersion(ctx, h.ID, h.SHA256)
			if err != nil {
				return nil, err
			}
			if _, bad := lists.MadeUpDPRK(prev); !bad {
				m.restore = prev
				break
			}
		}
		if m.restore == nil {
			if embedded == nil {
				if embedded, err = Embedded(); err != nil {
					return nil, err
				}
			}
			for _, e := range embedded {
				if _, bad := lists.MadeUpDPRK(e); e.Info.ID == info.ID && !bad {
					m.restore = e
				}
			}
		}
		if m.restore != nil {
			ri := m.restore.Info
			m.Restore = &ri
		}
		out = append(out, m)
	}
	return out, nil
}

// reimportCommand is the command that imports the files of l as what they
// are today.
func reimportCommand(l *screening.List, plain bool) string {
	origin, _, _ := strings.Cut(l.Info.Source, ", ")
	if !plain {
		return "bulwark lists update --from " + shellQuote(origin)
	}
	f := File{Name: path.Base(strings.ReplaceAll(origin, "\\", "/")), Origin: origin}
	cmd, _, _ := strings.Cut(ownCommand(&f), " (")
	return cmd
}
