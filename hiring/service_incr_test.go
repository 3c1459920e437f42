package hiring_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

// The incremental screening runs on the SQLite store (hiring's tests use
// no adapter but here, in this external test package).

func openHiringStore(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), sqlitetest.NewFile(t), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

var incrNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// incrService is a service with the real graph and rules (the test
// screener: "Ri Chol Man" blocks) and, when ix is set, the index.
func incrService(db *sqlite.DB, ix *hiring.ScreenIndex) *hiring.Service {
	chk := &hiring.Checker{Screener: hiring.NewFakeScreener(map[string]string{"Ri Chol Man": "block", "Pak Song Il": "review"}),
		Now: func() time.Time { return incrNow }}
	return &hiring.Service{Store: db, Audit: &audit.Log{Store: db}, CheckGraph: chk.CheckGraph, Rules: "test", Index: ix}
}

const (
	sharedIBAN  = "DE89 3704 0044 0532 0130 00"
	payrollIBAN = "GB33 BUKB 2020 1555 5555 55"
)

// incrStored is the stored population: synthetic applicants (with their
// clusters and fuzzy duplicates) and records the applicants below share
// something with, with evidence.
func incrStored() ([]hiring.Person, hiring.Evidence) {
	people := hiring.SynthApplicants(400)
	people = append(people,
		hiring.Person{ID: "s-email", FullName: "Kim Song", Emails: []string{"shared.box@corp.test"}, Phones: []string{"+1 415 555 0101"}, Country: "US"},
		hiring.Person{ID: "s-email-mate", FullName: "Kim S. Other", Phones: []string{"+1 (415) 555-0101"}, Country: "US"},
		hiring.Person{ID: "s-phone", FullName: "Lee Han", Phones: []string{"+1 212 555 0199"}, Country: "US"},
		hiring.Person{ID: "s-iban", FullName: "Noor Aziz", BankAccounts: []string{sharedIBAN}, Country: "DE"},
		hiring.Person{ID: "s-dev", FullName: "Ivan Orlov", DeviceSerials: []string{"SN-SHARED-0001"}, Country: "US"},
		hiring.Person{ID: "s-fuzzy", FullName: "Alexandra Petrova", DateOfBirth: "1991-03-04", HomeAddress: "77 Birch Avenue, Boston MA 02115", Country: "US"},
		hiring.Person{ID: "s-addr1", FullName: "Maria Lopez", HomeAddress: "500 Market Street, San Francisco CA 94105", Country: "US"},
		hiring.Person{ID: "s-addr2", FullName: "Tom Becker", HomeAddress: "500 Market St, San Francisco, CA 94105", Country: "US"},
		hiring.Person{ID: "s-ship", FullName: "Ada Obi", HomeAddress: "9 Lake Road, Austin TX 78701", Country: "US"},
		hiring.Person{ID: "s-ship2", FullName: "Ben Ross", ShippingAddress: "40 Oak Street Unit 2, Austin TX 78702", Country: "US"},
		hiring.Person{ID: "s-pay", FullName: "Carl Dunn", Country: "GB"},
		hiring.Person{ID: "s-ref", FullName: "Dee Vance", Emails: []string{"dee@corp.test"}, Country: "US"},
		hiring.Person{ID: "s-amb1", FullName: "Eve Stone", Emails: []string{"team@corp.test"}, Country: "US"},
		hiring.Person{ID: "s-amb2", FullName: "Finn Hale", Emails: []string{"team@corp.test"}, Country: "US"},
	)
	ev := hiring.Evidence{
		Shipments: []hiring.Shipment{
			{Person: "s-ship", DeviceSerial: "SN-EVID-0777", Address: "40 Oak Street Unit 5, Austin TX 78702"},
		},
		Payroll: []hiring.PayrollAccount{{Person: "s-pay", Kind: "bank", Account: payrollIBAN, Holder: "Carl Dunn"}},
		// A device two people claim: the rules use it for nobody.
		Devices: []hiring.Device{{User: "team@corp.test", Serial: "SN-AMBIG-0042", Hostname: "lt-42"}},
	}
	return people, ev
}

// incrApplicants are applicants each sharing something else with the
// stored people, or nothing.
func incrApplicants(stored []hiring.Person) []hiring.Person {
	dup := stored[137] // a synthetic person applying again, damaged
	dup.ID, dup.Emails, dup.Phones, dup.BankAccounts, dup.DeviceSerials, dup.GitHub = "a-synth-again", []string{"again@example.net"}, nil, nil, nil, ""
	if n := []rune(dup.FullName); len(n) > 4 {
		n[3] = 'x'
		dup.FullName = string(n)
	}
	return []hiring.Person{
		{ID: "a-email", FullName: "Jon Park", Emails: []string{"Shared.Box@corp.test"}, Country: "US"},
		{ID: "a-phone", FullName: "Jane Doe", Phones: []string{"(212) 555-0199"}, Country: "US"},
		{ID: "a-iban", FullName: "Omar Said", BankAccounts: []string{strings.ReplaceAll(sharedIBAN, " ", "")}, Country: "DE"},
		{ID: "a-dev", FullName: "Olga Ivanova", DeviceSerials: []string{"sn-shared-0001"}, Country: "US"},
		{ID: "a-fuzzy", FullName: "Alexandra Petrowa", DateOfBirth: "1991-03-04", HomeAddress: "77 Birch Ave, Boston, MA 02115", Country: "US"},
		{ID: "a-addr", FullName: "Paul Young", HomeAddress: "500 Market Street, San Francisco, CA 94105", Country: "US"},
		{ID: "a-sanctioned", FullName: "Ri Chol Man", DateOfBirth: "1980-01-01", Country: "US"},
		{ID: "a-review", FullName: "Pak Song Il", Emails: []string{"pak@example.net"}, Country: "US"},
		{ID: "a-nothing", FullName: "Zed Quinn", Emails: []string{"zed@example.net"}, Phones: []string{"+1 303 555 0123"}, Country: "US"},
		{ID: "a-evidence-serial", FullName: "Rita Moss", DeviceSerials: []string{"SN-EVID-0777"}, Country: "US"},
		{ID: "a-building", FullName: "Sam Holt", ShippingAddress: "40 Oak Street Unit 9, Austin TX 78702", HomeAddress: "1 Pine Road, Dallas TX 75201", Country: "US"},
		{ID: "a-payroll", FullName: "Tia Kerr", BankAccounts: []string{payrollIBAN}, Country: "GB"},
		{ID: "a-referred-unknown", FullName: "Uma Vale", ReferredBy: "nobody@corp.test", Country: "US"},
		{ID: "a-referred", FullName: "Vic Wade", ReferredBy: "dee@corp.test", Emails: []string{"shared.box@corp.test"}, Country: "US"},
		{ID: "a-ambiguous-device", FullName: "Gil Marsh", DeviceSerials: []string{"SN-AMBIG-0042"}, Country: "US"},
		{ID: "a-bad-phone", FullName: "Will Xu", Phones: []string{"12"}, Country: "US"},
		dup,
	}
}

func flagsJSON(t *testing.T, a hiring.Assessment) string {
	t.Helper()
	b, err := json.Marshal(struct {
		V bulwark.Verdict
		S int
		F []hiring.Flag
	}{a.Verdict, a.Score, a.Flags})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func assessmentOf(res *hiring.RunResult, id string) (hiring.Assessment, bool) {
	for _, a := range res.Assessments {
		if a.ID == id {
			return a, true
		}
	}
	return hiring.Assessment{}, false
}

// TestIncrementalScreenMatchesFull: each applicant screened through the
// index gets the assessment a full run over everyone stored gives it
// (flags with their evidence and related people, score, verdict), on a
// store that the full runs and the incremental ones fill alike.
func TestIncrementalScreenMatchesFull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	stored, ev := incrStored()
	fullDB, incrDB := openHiringStore(t), openHiringStore(t)
	ix := hiring.NewScreenIndex()
	full, incr := incrService(fullDB, nil), incrService(incrDB, ix)
	for _, svc := range []*hiring.Service{full, incr} {
		if _, err := svc.Import(ctx, "test", stored, ev); err != nil {
			t.Fatal(err)
		}
		// Everyone assessed once (the index is built again after it).
		if _, err := svc.Recheck(ctx, "test", "start"); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Warm(ctx, incrDB); err != nil {
		t.Fatal(err)
	}
	if ix.Len() != len(stored) {
		t.Fatalf("index Len %d, want %d", ix.Len(), len(stored))
	}
	incremental := 0
	for _, a := range incrApplicants(stored) {
		want, err := full.Screen(ctx, "test", []hiring.Person{a}, hiring.Evidence{})
		if err != nil {
			t.Fatalf("%s: full: %v", a.ID, err)
		}
		got, err := incr.Screen(ctx, "test", []hiring.Person{a}, hiring.Evidence{})
		if err != nil {
			t.Fatalf("%s: incremental: %v", a.ID, err)
		}
		wa, _ := assessmentOf(want, a.ID)
		ga, ok := assessmentOf(got, a.ID)
		if !ok {
			t.Fatalf("%s: no assessment in %+v", a.ID, got.Assessments)
		}
		if w, g := flagsJSON(t, wa), flagsJSON(t, ga); w != g {
			t.Errorf("%s: incremental\n%s\nfull\n%s", a.ID, g, w)
		}
		if got.Run.Inputs.People < want.Run.Inputs.People {
			incremental++
			if len(got.Assessments) != 1 {
				t.Errorf("%s: incremental run returned %d assessments, want the applicant's", a.ID, len(got.Assessments))
			}
		} else if a.ID != "a-referred" {
			t.Errorf("%s: screened in full (%d people checked)", a.ID, got.Run.Inputs.People)
		}
		if sa, err := incrDB.Assessment(ctx, a.ID); err != nil || sa.Stale || sa.Verdict != ga.Verdict {
			t.Errorf("%s: stored assessment %+v, %v", a.ID, sa, err)
		}
		if a.ID == "a-phone" {
			// The stored person the applicant linked to is stale (a full
			// run assessed it before).
			if sa, err := incrDB.Assessment(ctx, "s-phone"); err != nil || !sa.Stale {
				t.Errorf("s-phone's assessment is not stale after a-phone linked to it: %+v, %v", sa, err)
			}
		}
		t.Logf("%s: %s %d %d people checked", a.ID, ga.Verdict, ga.Score, got.Run.Inputs.People)
	}
	if incremental == 0 {
		t.Fatal("no applicant was screened incrementally")
	}
	// Both stores hold the same people.
	fs, _ := fullDB.Snapshot(ctx)
	is, _ := incrDB.Snapshot(ctx)
	if len(fs.People) != len(is.People) {
		t.Errorf("full store %d people, incremental %d", len(fs.People), len(is.People))
	}
}

// TestIncrementalScreenAnotherWriter: a write through another service
// (another process) moves the store's version, and the next screening
// builds the index again: it sees the people written meanwhile.
func TestIncrementalScreenAnotherWriter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openHiringStore(t)
	ix := hiring.NewScreenIndex()
	svc := incrService(db, ix)
	if _, err := svc.Screen(ctx, "test", []hiring.Person{{ID: "p-1", FullName: "Ann Lee", Emails: []string{"ann@x.test"}}}, hiring.Evidence{}); err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 1 {
		t.Fatalf("index Len %d after the first screening, want 1", ix.Len())
	}
	other := incrService(db, nil)
	if _, err := other.Import(ctx, "test", []hiring.Person{{ID: "p-2", FullName: "Bob Roe", Emails: []string{"box@x.test"}}}, hiring.Evidence{}); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Screen(ctx, "test", []hiring.Person{{ID: "p-3", FullName: "Cy Poe", Emails: []string{"BOX@x.test"}}}, hiring.Evidence{})
	if err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 3 {
		t.Errorf("index Len %d, want 3 (built again with p-2, then p-3)", ix.Len())
	}
	a, _ := assessmentOf(res, "p-3")
	if len(a.Flags) == 0 || !strings.Contains(a.Flags[0].Evidence, "p-2") {
		t.Errorf("p-3 = %+v, want flagged with p-2 (written by the other service)", a)
	}
	if res.Run.Inputs.People != 2 {
		t.Errorf("%d people checked, want p-3 and p-2", res.Run.Inputs.People)
	}
}

// TestIncrementalScreenAfterForget: a forgotten person never appears in a
// later incremental screening (forgetting moves the version).
func TestIncrementalScreenAfterForget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openHiringStore(t)
	ix := hiring.NewScreenIndex()
	svc := incrService(db, ix)
	secret := hiring.Person{ID: "forget-me", FullName: "Gone Person", Emails: []string{"box@x.test"}, HomeAddress: "1 Main St, Springfield IL 62701"}
	if _, err := svc.Import(ctx, "test", []hiring.Person{secret, {ID: "keep", FullName: "Kept Person"}}, hiring.Evidence{}); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Screen(ctx, "test", []hiring.Person{{ID: "a-1", FullName: "Ann Lee", Emails: []string{"box@x.test"}}}, hiring.Evidence{})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(res); !strings.Contains(string(b), "forget-me") {
		t.Fatalf("before the forget the applicant is not linked to the person: %s", b)
	}
	if _, err := svc.Forget(ctx, "forget-me", "test"); err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 0 {
		t.Errorf("after the forget the index holds %d people, want none (dropped: built again on next use)", ix.Len())
	}
	res, err = svc.Screen(ctx, "test", []hiring.Person{{ID: "a-2", FullName: "Bob Roe", Emails: []string{"box@x.test"}, HomeAddress: "1 Main Street, Springfield, IL 62701"}}, hiring.Evidence{})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(res); strings.Contains(string(b), "forget-me") || strings.Contains(string(b), "Gone Person") {
		t.Errorf("a screening after the forget names the forgotten person: %s", b)
	}
	a, _ := assessmentOf(res, "a-2")
	if len(a.Flags) == 0 || !strings.Contains(a.Flags[0].Evidence, "a-1") {
		t.Errorf("a-2 = %+v, want linked to a-1 by the e-mail", a)
	}
	if ix.Len() != 3 {
		t.Errorf("index Len %d, want 3 (keep, a-1, a-2)", ix.Len())
	}
}

// TestIncrementalScreenBatch: several applicants at once, linked to one
// another and to the stored people, as a full run has them.
func TestIncrementalScreenBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	stored, ev := incrStored()
	fullDB, incrDB := openHiringStore(t), openHiringStore(t)
	full, incr := incrService(fullDB, nil), incrService(incrDB, hiring.NewScreenIndex())
	for _, svc := range []*hiring.Service{full, incr} {
		if _, err := svc.Import(ctx, "test", stored, ev); err != nil {
			t.Fatal(err)
		}
	}
	batch := []hiring.Person{
		{ID: "b-2", FullName: "Nina Berg", Emails: []string{"nina@x.test"}, Phones: []string{"+1 212 555 0199"}, Country: "US"},
		{ID: "b-1", FullName: "Nina Bergg", Emails: []string{"nina@x.test"}, DateOfBirth: "1990-02-03", Country: "US"},
		{ID: "b-3", FullName: "Alexandra Petrova", DateOfBirth: "1991-03-04", HomeAddress: "77 Birch Avenue, Boston MA 02115", Country: "US"},
	}
	for round := range 2 {
		if round == 1 {
			for i := range batch {
				batch[i].ID = fmt.Sprintf("c-%d", i)
			}
		}
		want, err := full.Screen(ctx, "test", batch, hiring.Evidence{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := incr.Screen(ctx, "test", batch, hiring.Evidence{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Assessments) != len(batch) || got.Run.Inputs.People >= want.Run.Inputs.People {
			t.Fatalf("round %d: %d assessments, %d people checked (full %d)", round, len(got.Assessments), got.Run.Inputs.People, want.Run.Inputs.People)
		}
		for _, p := range batch {
			wa, _ := assessmentOf(want, p.ID)
			ga, _ := assessmentOf(got, p.ID)
			if w, g := flagsJSON(t, wa), flagsJSON(t, ga); w != g {
				t.Errorf("round %d, %s: incremental\n%s\nfull\n%s", round, p.ID, g, w)
			}
		}
	}
}
