package sources_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/race"
	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/lists"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

// ukFile is one of the two ConList exports of the shared folder.
func ukFile(t *testing.T, day string) string {
	return shareddata.Path(t, "screen", "uk", "ConList_2025-04-"+day+".xlsx")
}

// parseUK parses one ConList export as 'lists update' does.
func parseUK(t *testing.T, path string) *screening.List {
	t.Helper()
	f, err := sources.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := sources.Parse([]sources.File{f}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 1 || ls[0].Info.ID != screening.UKListID {
		t.Fatalf("%s made %d lists, want uk-ofsi alone", path, len(ls))
	}
	return ls[0]
}

// TestCorpusUKConListUpdate: the two April 2025 exports, imported in order with
// 'lists update', re-screen the watches against the designations that
// changed only; the older one is refused after the newer; a decision names
// the designation it rests on.
func TestCorpusUKConListUpdate(t *testing.T) {
	race.Corpus(t)
	t.Parallel()
	older, newer := ukFile(t, "10"), ukFile(t, "14")
	l10, l14 := parseUK(t, older), parseUK(t, newer)
	if got := l10.Info.Published.Format("2006-01-02") + " " + l14.Info.Published.Format("2006-01-02"); got != "2025-04-10 2025-04-14" {
		t.Fatalf("published %s", got)
	}
	if l10.Info.Entities != 4686 || l14.Info.Entities != 4688 {
		t.Fatalf("entities %d and %d; PROVENANCE.txt counts 4,686 and 4,688 Group IDs", l10.Info.Entities, l14.Info.Entities)
	}
	// Which designations changed, and one DPRK designation that did not.
	before := map[string]string{}
	for i := range l10.Entities {
		before[l10.Entities[i].ID] = screening.EntityDigest(&l10.Entities[i])
	}
	var changed, same *screening.Entity
	nChanged := 0
	for i := range l14.Entities {
		e := &l14.Entities[i]
		if before[e.ID] != screening.EntityDigest(e) {
			nChanged++
			if changed == nil && before[e.ID] != "" && len(strings.Fields(e.Name)) >= 3 {
				changed = e
			}
		} else if same == nil && e.Type == screening.TypePerson && len(e.Programs) == 1 && e.Programs[0] == "Democratic People's Republic of Korea" {
			same = e
		}
	}
	if changed == nil || same == nil {
		t.Fatalf("no changed designation with a three-word name (%d changed) or no unchanged DPRK person", nChanged)
	}
	t.Logf("%d designations new or changed from 2025-04-10 to 2025-04-14; watching %s (%q, changed) and %s (%q, unchanged)", nChanged, changed.ID, changed.Name, same.ID, same.Name)

	ctx := context.Background()
	svc := openScreening(t, openStore(t, filepath.Join(t.TempDir(), "b.db")))
	rep, err := sources.Update(ctx, svc, "cli:test", older, lists.Own{}, false)
	if err != nil || len(rep.Changed) != 1 || rep.Changed[0].ID != screening.UKListID {
		t.Fatalf("first import: %+v, %v", rep, err)
	}
	var watches [2]screening.Watch
	for i, e := range []*screening.Entity{changed, same} {
		if watches[i], err = svc.AddWatch(ctx, "cli:test", screening.Watch{Kind: screening.KindName, Name: e.Name, Subject: "customer-" + e.SourceID}); err != nil {
			t.Fatal(err)
		}
	}
	rep, err = sources.Update(ctx, svc, "cli:test", newer, lists.Own{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Alerts) != 1 || rep.Alerts[0].WatchID != watches[0].ID {
		t.Fatalf("alerts %+v; want one, for the watch on the changed designation %s", rep.Alerts, changed.ID)
	}
	if body := string(rep.Alerts[0].Body); !strings.Contains(body, `"entityId":"`+changed.ID+`"`) || !strings.Contains(body, "UK OFSI Group ID "+changed.SourceID) {
		t.Errorf("the alert's decision does not name %s and its designation: %s", changed.ID, body)
	}

	// The older export again: refused, nothing changes.
	_, err = sources.Update(ctx, svc, "cli:test", older, lists.Own{}, false)
	if bulwark.ErrorCode(err) != bulwark.ECONFLICT || !strings.Contains(err.Error(), "published 2025-04-10, before the one in force (2025-04-14)") {
		t.Fatalf("older export after the newer: %v; want a conflict naming both dates", err)
	}
	if got := svc.Screener().Index().Versions()[screening.UKListID]; got != l14.Info.SHA256 {
		t.Fatalf("version in force %s, want the 2025-04-14 one %s", got, l14.Info.SHA256)
	}

	// A decision names the designation: Group ID, regime and dates.
	d, err := svc.ScreenName(ctx, "cli:test", screening.UseOnboarding, "s-1", screening.NameQuery{Name: "SAM JONG 2"})
	if err != nil {
		t.Fatal(err)
	}
	want := "UK OFSI Group ID 13651, regime Democratic People's Republic of Korea, listed on 2018-04-03, last updated 2020-12-31"
	found := false
	for _, m := range d.Matches {
		for _, f := range m.Explanation.Features {
			found = found || (m.EntityID == "uk-ofsi:13651" && f.Name == "designation" && f.Detail == want)
		}
	}
	if !found {
		t.Errorf("no match on uk-ofsi:13651 whose explanation says %q: %+v", want, d.Matches)
	}
}

// TestUKConListShrinkRefused: a ConList that drops most designations is
// refused as a partial download, like any official list.
func TestUKConListShrinkRefused(t *testing.T) {
	t.Parallel()
	header := strings.Join([]string{"Name 6", "Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Title",
		"Name Non-Latin Script", "Non-Latin Script Type", "Non-Latin Script Language", "DOB", "Town of Birth",
		"Country of Birth", "Nationality", "Passport Number", "Passport Details", "National Identification Number",
		"National Identification Details", "Position", "Address 1", "Address 2", "Address 3", "Address 4", "Address 5",
		"Address 6", "Post/Zip Code", "Country", "Other Information", "Group Type", "Alias Type", "Alias Quality",
		"Regime", "Listed On", "UK Sanctions List Date Designated", "Last Updated", "Group ID"}, ",")
	conlist := func(date string, n int) string {
		var sb strings.Builder
		sb.WriteString("Last Updated," + date + "\n" + header + "\n")
		for i := range n {
			sb.WriteString("NAME " + strings.Repeat("X", i+1) + strings.Repeat(",", 28) + "Entity,Primary name,,Cyber,01/01/2024,01/01/2024,01/01/2024," + strconv.Itoa(100+i) + "\n")
		}
		return sb.String()
	}
	dir := t.TempDir()
	ctx := context.Background()
	svc := openScreening(t, openStore(t, filepath.Join(dir, "b.db")))
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := sources.Update(ctx, svc, "cli:test", write("ConList.csv", conlist("01/04/2025", 10)), lists.Own{}, false); err != nil {
		t.Fatal(err)
	}
	_, err := sources.Update(ctx, svc, "cli:test", write("ConList2.csv", conlist("02/04/2025", 5)), lists.Own{}, false)
	if bulwark.ErrorCode(err) != bulwark.ECONFLICT || !strings.Contains(err.Error(), "list uk-ofsi would shrink from 10 to 5 entities") {
		t.Fatalf("shrunken ConList: %v; want a conflict", err)
	}
}
