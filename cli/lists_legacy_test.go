package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// legacyFixtures are list versions the importer before the list-identity
// rules stored (screening/sources/testdata/legacy): a user's watch.txt as
// fbi-dprk, two OFAC per-currency files as fbi-dprk-<file>.
var legacyFixtures = []string{"plain_file_as_fbi_dprk.json", "ofac_extracts_per_file.json"}

// plantLegacy imports versions as the old importer did (audited, forced
// over the embedded lists) into the store of data, which a first command
// has created.
func plantLegacy(t *testing.T, data string, fixtures ...string) *screening.Service {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(data, "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc, err := screening.OpenService(ctx, screening.ServiceConfig{Store: db, Audit: &audit.Log{Store: db}, LazyNames: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(ctx) })
	for _, name := range fixtures {
		raw, err := os.ReadFile(filepath.Join("..", "screening", "sources", "testdata", "legacy", name))
		if err != nil {
			t.Fatal(err)
		}
		var ls []*screening.List
		if err := json.Unmarshal(raw, &ls); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ImportWith(ctx, "cli", "/srv/lists", ls, screening.ImportOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
	}
	return svc
}

// TestMislabelledListsFromAnUpgrade: a store an earlier Bulwark left with
// a plain file as fbi-dprk and per-file fbi-dprk-<file> lists. Every
// command warns once on stderr (its exit code stays the verdict's);
// 'bulwark lists' marks them with the fix and exits 2; 'lists repair'
// brings the embedded FBI table back, removes the others (audited), and
// the Bybit laundering addresses block again. A clean store shows none of
// it.
func TestMislabelledListsFromAnUpgrade(t *testing.T) {
	t.Parallel()
	data := smallDataDir(t)
	env := map[string]string{"BULWARK_DATA": data}
	const watched = "0x1111111111111111111111111111111111111111" // in the old watch.txt

	// Clean: no mark, no warning, exit 0.
	code, out, errOut := run(t, env, "lists")
	if code != 0 || strings.Contains(out, "MISLABELLED") || errOut != "" {
		t.Fatalf("clean store: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ := run(t, env, "lists", "repair"); code != 0 || !strings.Contains(out, "nothing to repair") {
		t.Fatalf("repair on a clean store: exit %d %s", code, out)
	}
	if code, rs := screenJSON(t, env, bybitPSA[0]); code != 3 || rs[0].Verdict != "block" {
		t.Fatalf("clean store: exit %d %+v", code, rs)
	}

	// A watch on a Bybit address: the mislabelled list stopped matching it.
	svc := plantLegacy(t, data, legacyFixtures...)
	if _, err := svc.AddWatch(context.Background(), "test", screening.Watch{Kind: "address", Use: screening.UseWithdrawal, Subject: "cust-7", Address: bybitPSA[1]}); err != nil {
		t.Fatal(err)
	}

	// The worst case the old import made: the Bybit address screens clear,
	// the user's own address blocks as DPRK-attributed. The exit codes are
	// the verdicts'; stderr warns once per list, once per run.
	code, out, errOut = run(t, env, "screen", "address", "--use", "withdrawal", bybitPSA[0], watched)
	if code != 3 || !strings.Contains(out, "CLEAR") || !strings.Contains(out, "BLOCK") {
		t.Fatalf("screen on the old store: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, id := range []string{"fbi-dprk", "fbi-dprk-sanctioned-addresses-eth", "fbi-dprk-sanctioned-addresses-xbt"} {
		if n := strings.Count(errOut, "warning: list "+id+" is mislabelled: "); n != 1 {
			t.Errorf("warnings for %s: %d, want 1:\n%s", id, n, errOut)
		}
	}
	if !strings.Contains(errOut, "'bulwark lists repair'") {
		t.Errorf("the warning gives no fix: %s", errOut)
	}

	code, out, errOut = run(t, env, "lists")
	if code != 2 || strings.Contains(errOut, "warning:") {
		t.Fatalf("lists on the old store: exit %d (want 2)\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"MISLABELLED fbi-dprk: version 13f02908a454 was imported by an earlier Bulwark from a plain address file",
		"labels 3 addresses DPRK-attributed (confidence high)",
		"fix:  bulwark lists repair    (makes version 560d51aac227 of fbi-dprk active again: FBI/IC3 DPRK-attributed addresses, 73 addresses; audited)",
		"bulwark lists update --from /srv/lists/watch.txt --list watch --kind internal",
		"MISLABELLED fbi-dprk-sanctioned-addresses-eth:",
		"fix:  bulwark lists remove fbi-dprk-sanctioned-addresses-eth",
		"bulwark lists update --from /srv/lists --list sanctioned-addresses --kind sanctions",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lists output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\tMISLABELLED") + strings.Count(out, "  MISLABELLED\n"); n != 3 {
		t.Errorf("%d rows marked, want 3:\n%s", n, out)
	}
	code, out, _ = run(t, env, "lists", "--json")
	var doc struct {
		Mislabelled []struct {
			List      struct{ ID string }
			PlainFile bool
			Addresses int
			Restore   *struct{ SHA256 string }
			Reimport  string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); code != 2 || err != nil || len(doc.Mislabelled) != 3 || doc.Mislabelled[0].Restore == nil || doc.Mislabelled[1].Restore != nil {
		t.Fatalf("lists --json: exit %d %v\n%s", code, err, out)
	}

	code, out, errOut = run(t, env, "lists", "repair")
	if code != 0 || !strings.Contains(out, "restored fbi-dprk: version 560d51aac227 (73 addresses) replaces mislabelled version 13f02908a454") ||
		!strings.Contains(out, "removed fbi-dprk-sanctioned-addresses-eth") || !strings.Contains(out, "removed fbi-dprk-sanctioned-addresses-xbt") ||
		!strings.Contains(out, "ALERT BLOCK: watch 1 (cust-7) now matches") {
		t.Fatalf("repair: exit %d\n%s\n%s", code, out, errOut)
	}

	// Repaired: the FBI list blocks the Bybit address again, the user's
	// address is no longer called DPRK, nothing warns.
	code, out, errOut = run(t, env, "screen", "address", "--use", "withdrawal", bybitPSA[0], watched)
	if code != 3 || strings.Contains(errOut, "mislabelled") || !strings.Contains(out, "fbi-dprk") || strings.Count(out, "CLEAR") != 1 {
		t.Fatalf("screen after repair: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ := run(t, env, "lists"); code != 0 || strings.Contains(out, "MISLABELLED") {
		t.Fatalf("lists after repair: exit %d\n%s", code, out)
	}
	if code, out, _ := run(t, env, "lists", "repair", "--json"); code != 0 || !strings.Contains(out, `"repaired": []`) {
		t.Fatalf("second repair: exit %d %s", code, out)
	}
	if code, out, errOut := run(t, env, "audit", "verify"); code != 0 {
		t.Fatalf("audit verify after repair: exit %d %s %s", code, out, errOut)
	}
}

// TestServeReportsMislabelledLists: serve logs each mislabelled list once
// at start, and /readyz says degraded with a short reason until the lists
// are repaired (by another process: the check follows the active
// versions).
func TestServeReportsMislabelledLists(t *testing.T) {
	t.Parallel()
	data := smallDataDir(t)
	env := map[string]string{"BULWARK_DATA": data}
	if code, _, errOut := run(t, env, "lists"); code != 0 {
		t.Fatal(errOut)
	}
	plantLegacy(t, data, "plain_file_as_fbi_dprk.json")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(data, "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc, err := screening.OpenService(ctx, screening.ServiceConfig{Store: db, Audit: &audit.Log{Store: db}, LazyNames: true})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close(ctx)
	var logs bytes.Buffer
	l := sources.NewRefresher(sources.RefresherConfig{Service: svc, Logger: slog.New(slog.NewTextHandler(&logs, nil)), Store: db})
	l.WarnMislabelled(ctx)
	if n := strings.Count(logs.String(), "list mislabelled by an earlier Bulwark"); n != 1 || !strings.Contains(logs.String(), "fix=\"bulwark lists repair\"") {
		t.Fatalf("start-up log (%d warnings):\n%s", n, logs.String())
	}
	err = l.Check(ctx)
	if err == nil || !strings.Contains(err.Error(), "fbi-dprk mislabelled by an earlier import") || !strings.Contains(err.Error(), "run 'bulwark lists repair'") ||
		strings.Contains(err.Error(), "/srv/lists") {
		t.Fatalf("readiness check: %v", err)
	}
	// What GET /api/v1/lists marks (the refresher's check) is what
	// 'bulwark lists --json' marks.
	code, out, _ := run(t, env, "lists", "--json")
	var cli struct {
		Lists []struct {
			ID          string
			Mislabelled bool
		}
		Mislabelled []sources.Mislabelled
	}
	if err := json.Unmarshal([]byte(out), &cli); err != nil || code != 2 {
		t.Fatalf("lists --json: exit %d %v\n%s", code, err, out)
	}
	ms, err := l.Mislabelled(ctx)
	if err != nil || len(ms) != 1 || len(cli.Mislabelled) != 1 || ms[0].List != cli.Mislabelled[0].List || ms[0].Reimport != cli.Mislabelled[0].Reimport {
		t.Fatalf("the server's mislabelled lists %+v (%v), the CLI's %+v", ms, err, cli.Mislabelled)
	}
	for _, li := range cli.Lists {
		if li.Mislabelled != (li.ID == "fbi-dprk") {
			t.Errorf("lists --json marks %s mislabelled: %v", li.ID, li.Mislabelled)
		}
	}
	if code, out, errOut := run(t, env, "lists", "repair"); code != 0 {
		t.Fatalf("repair: %d %s %s", code, out, errOut)
	}
	if _, _, err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Check(ctx); err != nil && strings.Contains(err.Error(), "mislabelled") {
		t.Errorf("readiness check after repair: %v", err)
	}
	if ms, err := l.Mislabelled(ctx); err != nil || len(ms) != 0 {
		t.Errorf("mislabelled lists after repair: %+v %v", ms, err)
	}
}
