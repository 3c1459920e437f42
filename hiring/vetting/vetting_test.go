package vetting_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/hiring/vetting"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

// sdn is a one-entity list version: a person named name.
func sdn(version, name string) []*screening.List {
	return []*screening.List{{Info: screening.ListInfo{ID: "ofac-sdn", SHA256: version, Published: time.Now().Add(-time.Hour)},
		Entities: []screening.Entity{{ID: "ofac-sdn:" + version, List: "ofac-sdn", Type: screening.TypePerson, Category: screening.CategorySanctions,
			Confidence: screening.ConfidenceHigh, Name: name, Programs: []string{"DPRK3"}}}}}
}

// TestRecheckOnListChange is what serve wires: the screening service
// announces a new list version, the Rechecker re-checks the stored people
// with it, and a person whose name the new version lists is blocked; the
// screening decision's subject is the person's fingerprint, the run is
// audited without the id.
func TestRecheckOnListChange(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := sqlitetest.Open(t, sqlite.Options{})
	alog := &audit.Log{Store: db}
	var rc *vetting.Rechecker
	svc, err := screening.OpenService(ctx, screening.ServiceConfig{Store: db, Audit: alog,
		Defaults:       func() ([]*screening.List, error) { return sdn("v1", "KIM JONG UN"), nil },
		OnListsChanged: func() { rc.Nudge("screening lists changed") }})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close(context.Background())
	cfg := vetting.Config{Store: db, Audit: alog, Screening: svc, Lists: func() map[string]string { return svc.Screener().Index().Versions() }}
	done := make(chan *hiring.RunResult, 4)
	rc = vetting.NewRechecker(cfg.Recheck, nil)
	rc.Done = func(res *hiring.RunResult, err error) {
		if err != nil {
			t.Error(err)
		}
		done <- res
	}
	go rc.Run(ctx)

	hs, err := cfg.Service(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	people := []hiring.Person{{ID: "P-1", FullName: "Pak Jin Hyok", Emails: []string{"pak@example.com"}}, {ID: "P-2", FullName: "Ana Lima"}}
	res, err := hs.Screen(ctx, "test", people, hiring.Evidence{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Assessments {
		if a.Verdict != bulwark.VerdictClear {
			t.Fatalf("before the list change %s is %s", a.ID, a.Verdict)
		}
	}

	if _, err := svc.Import(ctx, "test", "test", sdn("v2", "PAK JIN HYOK")); err != nil {
		t.Fatal(err)
	}
	var got *hiring.RunResult
	select {
	case got = <-done:
	case <-time.After(time.Minute):
		t.Fatal("no re-check within a minute of the list change")
	}
	if got == nil || got.Run.Kind != hiring.RunRecheck || got.Run.Inputs.Lists["ofac-sdn"] != "v2" {
		t.Fatalf("re-check %+v: want a recheck run on version v2", got)
	}
	verdicts := map[string]bulwark.Verdict{}
	for _, a := range got.Assessments {
		verdicts[a.ID] = a.Verdict
	}
	// The listed entry gives no birth date: under the hiring use a name
	// alone is a review, never a block.
	if verdicts["P-1"] != bulwark.VerdictReview || verdicts["P-2"] != bulwark.VerdictClear {
		t.Errorf("after the list change: %v, want P-1 in review (SANCTIONED_NAME_REVIEW), P-2 clear", verdicts)
	}
	stored, err := db.Assessment(ctx, "P-1")
	if err != nil || stored.Verdict != bulwark.VerdictReview || stored.RunID != got.Run.ID {
		t.Errorf("stored assessment %+v, %v", stored, err)
	}

	// The screening decision names the person by fingerprint only, and no
	// audit entry holds the id.
	fp, err := hs.Fingerprint(ctx, "P-1")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := db.AuditEntries(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	sawRecheck := false
	for _, e := range entries {
		b, _ := json.Marshal(e)
		if strings.Contains(string(b), "P-1") || strings.Contains(string(b), "pak@example.com") {
			t.Errorf("audit entry %d holds an identifier: %s", e.Seq, b)
		}
		sawRecheck = sawRecheck || e.Action == "hire.recheck" && e.Actor == "system:recheck"
	}
	if !sawRecheck {
		t.Error("no hire.recheck audit entry by system:recheck")
	}
	decisions := 0
	for _, a := range got.Assessments {
		for _, f := range a.Flags {
			if f.Rule != hiring.CodeSanctionedNameReview {
				continue
			}
			_, id, ok := strings.Cut(f.Evidence, "(decision ")
			if !ok {
				t.Fatalf("flag evidence %q names no screening decision", f.Evidence)
			}
			d, err := db.Decision(ctx, strings.TrimSuffix(id, ")"))
			if err != nil || d.Subject != fp || d.Use != screening.UseHiring || d.Actor != "system:recheck" {
				t.Errorf("screening decision %+v, %v: want the hiring use, subject %s, actor system:recheck", d, err, fp)
			}
			decisions++
		}
	}
	if decisions != 1 {
		t.Errorf("%d SANCTIONED_NAME_REVIEW flags, want 1", decisions)
	}
}

func TestRulesVersion(t *testing.T) {
	t.Parallel()
	v := vetting.RulesVersion()
	if !strings.HasPrefix(v, "rules-") || len(v) != len("rules-")+12 || v != vetting.RulesVersion() {
		t.Errorf("RulesVersion() = %q", v)
	}
}
