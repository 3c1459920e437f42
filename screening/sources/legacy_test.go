package sources_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/lists"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

// legacyVersions reads list versions an earlier Bulwark stored (see
// testdata/legacy/README.md).
func legacyVersions(t *testing.T, name string) []*screening.List {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "legacy", name))
	if err != nil {
		t.Fatal(err)
	}
	var ls []*screening.List
	if err := json.Unmarshal(data, &ls); err != nil {
		t.Fatal(err)
	}
	return ls
}

// historyStore holds list versions in import order; the last of each ID is
// active. Only what FindMislabelled reads is implemented.
type historyStore struct {
	screening.ListStore
	versions []*screening.List
}

func (s *historyStore) put(ls ...*screening.List) { s.versions = append(s.versions, ls...) }

func (s *historyStore) active() []screening.ListInfo {
	last := map[string]screening.ListInfo{}
	var ids []string
	for _, l := range s.versions {
		if _, ok := last[l.Info.ID]; !ok {
			ids = append(ids, l.Info.ID)
		}
		last[l.Info.ID] = l.Info
	}
	out := make([]screening.ListInfo, 0, len(ids))
	for _, id := range ids {
		out = append(out, last[id])
	}
	return out
}

func (s *historyStore) ListVersion(_ context.Context, id, sha string) (*screening.List, error) {
	for _, l := range s.versions {
		if l.Info.ID == id && l.Info.SHA256 == sha {
			return l, nil
		}
	}
	return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no version")
}

func (s *historyStore) ListHistory(_ context.Context, id string) ([]screening.ListInfo, error) {
	var out []screening.ListInfo
	for i := len(s.versions) - 1; i >= 0; i-- {
		if s.versions[i].Info.ID == id {
			out = append(out, s.versions[i].Info)
		}
	}
	return out, nil
}

func TestFindMislabelled(t *testing.T) {
	t.Parallel()
	embedded, err := embedded()
	if err != nil {
		t.Fatal(err)
	}
	var embeddedFBI *screening.List
	for _, l := range embedded {
		if l.Info.ID == "fbi-dprk" {
			embeddedFBI = l
		}
	}
	table := legacyVersions(t, "fbi_table.json")[0]
	data, err := os.ReadFile("../lists/testdata/fbi_sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	current, err := lists.ParseFBIAddresses("dprk_attributed_addresses.csv", data, "/srv/lists/dprk_attributed_addresses.csv")
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		id        string
		plain     bool
		addresses int
		restore   string // sha256 of the version to restore, "" to remove
		reimport  string
	}
	for _, tc := range []struct {
		name    string
		history []*screening.List // in import order, after the embedded lists
		want    []want
	}{
		{name: "embedded lists only"},
		{name: "FBI table imported by the old code", history: []*screening.List{table}},
		{name: "FBI table imported today", history: []*screening.List{current}},
		{name: "plain file replaced fbi-dprk", history: legacyVersions(t, "plain_file_as_fbi_dprk.json"), want: []want{{
			id: "fbi-dprk", plain: true, addresses: 3, restore: embeddedFBI.Info.SHA256,
			reimport: "bulwark lists update --from /srv/lists/watch.txt --list watch --kind internal"}}},
		{name: "plain file over an imported table falls back to the table", history: append([]*screening.List{table}, legacyVersions(t, "plain_file_as_fbi_dprk.json")...),
			want: []want{{id: "fbi-dprk", plain: true, addresses: 3, restore: table.Info.SHA256,
				reimport: "bulwark lists update --from /srv/lists/watch.txt --list watch --kind internal"}}},
		{name: "table after the plain file is clean", history: append(legacyVersions(t, "plain_file_as_fbi_dprk.json"), table)},
		{name: "FBI PSA text with comment lines", history: legacyVersions(t, "fbi_psa_text.json"), want: []want{{
			id: "fbi-dprk", plain: true, addresses: 3, restore: embeddedFBI.Info.SHA256,
			reimport: "bulwark lists update --from /srv/lists/fbi_psa.txt --list my-list --kind internal"}}},
		{name: "OFAC per-currency files", history: legacyVersions(t, "ofac_extracts_per_file.json"), want: []want{
			{id: "fbi-dprk-sanctioned-addresses-eth", plain: true, addresses: 2,
				reimport: "bulwark lists update --from /srv/lists --list sanctioned-addresses --kind sanctions"},
			{id: "fbi-dprk-sanctioned-addresses-xbt", plain: true, addresses: 1,
				reimport: "bulwark lists update --from /srv/lists --list sanctioned-addresses --kind sanctions"}}},
		{name: "CSV naming no DPRK actor", history: legacyVersions(t, "csv_without_dprk_actor.json"), want: []want{{
			id: "fbi-dprk", addresses: 2, restore: embeddedFBI.Info.SHA256,
			reimport: "bulwark lists update --from /srv/lists/reports.csv"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := &historyStore{}
			st.put(embedded...)
			st.put(tc.history...)
			got, err := sources.FindMislabelled(context.Background(), st, st.active())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("found %d mislabelled lists, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				g := got[i]
				if g.List.ID != w.id || g.Plain != w.plain || g.Addresses != w.addresses || g.Reimport != w.reimport {
					t.Errorf("got %s plain=%v addresses=%d reimport %q, want %+v", g.List.ID, g.Plain, g.Addresses, g.Reimport, w)
				}
				restore := ""
				if g.RestoreList() != nil {
					restore = g.RestoreList().Info.SHA256
					if g.Restore == nil || g.Restore.SHA256 != restore || g.RestoreList().Info.ID != w.id {
						t.Errorf("%s: Restore %+v does not describe the version to restore", w.id, g.Restore)
					}
				}
				if restore != w.restore {
					t.Errorf("%s: restores %.12s, want %.12s", w.id, restore, w.restore)
				}
				labels := fmt.Sprintf("labels %d addresses DPRK-attributed", w.addresses)
				if w.addresses == 1 {
					labels = "labels 1 address DPRK-attributed"
				}
				if !strings.Contains(g.Reason, g.List.SHA256[:12]) || !strings.Contains(g.Reason, labels) || !strings.Contains(g.Reason, w.id) {
					t.Errorf("reason %q, want it to say %q", g.Reason, labels)
				}
			}
		})
	}
}
