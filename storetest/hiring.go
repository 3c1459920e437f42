package storetest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/hiring"
)

// HiringAuditStore is an adapter that holds hiring people records and the
// audit log.
type HiringAuditStore interface {
	hiring.Store
	audit.Store
}

// HiringOpen opens a fresh, empty store closed when t ends, and returns
// with it a function that closes it and opens the same data again (the
// store it returns is closed when t ends).
type HiringOpen func(t *testing.T) (s HiringAuditStore, reopen func() HiringAuditStore)

// hirePerson returns a person record; people sharing mail share an
// e-mail address.
func hirePerson(id, name, mail string) hiring.Person {
	return hiring.Person{ID: id, FullName: name, Emails: []string{mail}, Country: "US", DateOfBirth: "1990-01-02"}
}

// hireLink links the people sharing an e-mail (a stand-in for the
// identity graph).
func hireLink(people []hiring.Person) ([]hiring.Cluster, error) {
	by := map[string][]string{}
	var keys []string
	for _, p := range people {
		for _, e := range p.Emails {
			if by[e] == nil {
				keys = append(keys, e)
			}
			by[e] = append(by[e], p.ID)
		}
	}
	var out []hiring.Cluster
	for _, k := range keys {
		if ids := by[k]; len(ids) > 1 {
			out = append(out, hiring.Cluster{IDs: ids, Reasons: []string{"share an e-mail"}, Links: []hiring.Link{{Kind: "email", IDs: ids, Value: k, Score: 1}}})
		}
	}
	return out, nil
}

// hireCheck flags everyone in a cluster with the others as Related (a
// stand-in for the rules), naming them in the evidence text.
func hireCheck(_ context.Context, people []hiring.Person, _ hiring.Evidence, clusters []hiring.Cluster) ([]hiring.Assessment, error) {
	name := map[string]string{}
	for _, p := range people {
		name[p.ID] = p.FullName
	}
	out := make([]hiring.Assessment, 0, len(people))
	for _, p := range people {
		a := hiring.Assessment{ID: p.ID, Verdict: bulwark.VerdictClear, Flags: []hiring.Flag{}}
		for _, c := range clusters {
			if !slices.Contains(c.IDs, p.ID) {
				continue
			}
			var others, text []string
			for _, id := range c.IDs {
				if id != p.ID {
					others = append(others, id)
					text = append(text, id+" ("+name[id]+")")
				}
			}
			a.Flags = append(a.Flags, hiring.Flag{Rule: "SHARED_IDENTIFIER", Indicator: "ID-01", Severity: hiring.SeverityHigh, Weight: 40,
				Evidence: "shares an e-mail with " + strings.Join(text, ", "), Source: "FBI PSA I-051624", Related: others})
			a.Score += 40
			a.Verdict = bulwark.VerdictReview
		}
		out = append(out, a)
	}
	return out, nil
}

// errField is the Field of a *bulwark.Error ("" for another error).
func errField(err error) string {
	var be *bulwark.Error
	if errors.As(err, &be) {
		return be.Field
	}
	return ""
}

func hireService(s HiringAuditStore) *hiring.Service {
	return &hiring.Service{Store: s, Audit: &audit.Log{Store: s}, Link: hireLink, Check: hireCheck, Rules: "test-1",
		Lists: func() map[string]string { return map[string]string{"ofac-sdn": "abc"} }}
}

// auditText returns every audit entry as one text, to look for
// identifiers in.
func auditText(t *testing.T, s audit.Store) string {
	t.Helper()
	es, err := s.AuditEntries(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "%s %s %s %s\n", e.Actor, e.Action, e.Target, e.Details)
	}
	return b.String()
}

func verifyChain(t *testing.T, s audit.Store) {
	t.Helper()
	rep, err := audit.Verify(context.Background(), s, nil)
	if err != nil || !rep.Intact() {
		t.Fatalf("audit.Verify = %+v, %v", rep, err)
	}
}

// forgetOnSnapshot is a store that forgets person id through the hiring
// service right after its first Snapshot has been read: a forget landing
// between the reading of the stored people and the writing of what was
// computed from them, as a concurrent "hire forget" can.
type forgetOnSnapshot struct {
	HiringAuditStore
	id   string
	once sync.Once
	done bool
	err  error
}

func (s *forgetOnSnapshot) Snapshot(ctx context.Context) (*hiring.Snapshot, error) {
	snap, err := s.HiringAuditStore.Snapshot(ctx)
	s.once.Do(func() {
		_, s.err = (&hiring.Service{Store: s.HiringAuditStore, Audit: &audit.Log{Store: s.HiringAuditStore}}).Forget(ctx, s.id, "cli:dpo")
		s.done = true
	})
	return snap, err
}

// subjectScreener records the subjects it is asked about and clears
// everyone.
type subjectScreener struct {
	mu       sync.Mutex
	subjects []string
}

func (s *subjectScreener) ScreenPersonName(_ context.Context, subject, _, _, _ string) (hiring.NameHit, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subjects = append(s.subjects, subject)
	return hiring.NameHit{Verdict: string(bulwark.VerdictClear)}, nil
}

func (s *subjectScreener) ScreenPayrollAddress(context.Context, string, string, string) (hiring.AddressHit, error) {
	return hiring.AddressHit{Verdict: string(bulwark.VerdictClear)}, nil
}

// HiringStore runs the conformance suite for hiring.Store on an adapter
// that also holds the audit log, through hiring.Service: imports all or
// nothing and audited without identifiers, duplicate ids refused,
// evidence stored once per person, runs with increasing ids that survive
// a reopen and assessments with their inputs, forgetting that removes a
// person everywhere while the audit chain verifies, retention, runs
// computed again when a person is forgotten meanwhile, and concurrent
// imports.
func HiringStore(t *testing.T, open HiringOpen) {
	t.Helper()
	ctx := context.Background()

	t.Run("HireImportAllOrNothing", func(t *testing.T) {
		t.Parallel()
		s, _ := open(t)
		svc := hireService(s)
		ev := hiring.Evidence{SignIns: []hiring.SignIn{{User: "a@x.test", Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Success: true, Provider: "okta"}},
			Devices: []hiring.Device{{Serial: "SN-1", User: "p-1"}}, Payroll: []hiring.PayrollAccount{{Person: "nobody@x.test", Kind: "bank", Account: "123"}}}
		rep, err := svc.Import(ctx, "cli:hr", []hiring.Person{hirePerson("p-1", "Ann Lee", "a@x.test"), hirePerson("p-2", "Bob Roe", "b@x.test")}, ev)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Added != 2 || rep.Evidence != 2 || rep.Unattached != 1 || rep.AuditSeq != 1 {
			t.Fatalf("Import = %+v", rep)
		}
		// The same again changes nothing and writes no entry.
		if rep, err := svc.Import(ctx, "cli:hr", []hiring.Person{hirePerson("p-1", "Ann Lee", "a@x.test")}, ev); err != nil || rep.Unchanged != 1 || rep.AuditSeq != 0 || rep.Evidence != 0 {
			t.Fatalf("second Import = %+v, %v", rep, err)
		}
		sp, pev, err := s.Person(ctx, "p-1")
		if err != nil || sp.Person.FullName != "Ann Lee" || len(pev.SignIns) != 1 || len(pev.Devices) != 1 || sp.CreatedAt.Location() != time.UTC {
			t.Fatalf("Person = %+v, %+v, %v", sp, pev, err)
		}
		// A change that fails after storing people rolls them back.
		boom := bulwark.Errorf(bulwark.EINTERNAL, "boom")
		_, err = svc.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
			if _, err := s.SavePeople(ctx, []hiring.Record{{Person: hirePerson("p-3", "Cy Poe", "c@x.test")}}, hiring.NoGeneration); err != nil {
				return audit.Event{}, err
			}
			return audit.Event{}, boom
		})
		if err != boom {
			t.Fatalf("Do = %v", err)
		}
		if _, _, err := s.Person(ctx, "p-3"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Fatalf("a person of a failed import is stored: %v", err)
		}
		// A bad record refuses the whole import.
		_, err = svc.Import(ctx, "cli:hr", []hiring.Person{hirePerson("p-4", "Di", "d@x.test"), {ID: "p-5", Role: "boss", Line: 7}}, hiring.Evidence{})
		if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), "line 7") {
			t.Fatalf("Import(bad role) = %v, want EINVALID naming line 7", err)
		}
		if _, _, err := s.Person(ctx, "p-4"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Fatalf("a person of a refused import is stored: %v", err)
		}
		if txt := auditText(t, s); strings.Contains(txt, "p-1") || strings.Contains(txt, "Ann") || strings.Contains(txt, "a@x.test") {
			t.Errorf("the audit log names a person:\n%s", txt)
		}
		verifyChain(t, s)
	})

	t.Run("HireDuplicateIDs", func(t *testing.T) {
		t.Parallel()
		s, _ := open(t)
		dup := []hiring.Record{{Person: hiring.Person{ID: "secret-42", Line: 2}}, {Person: hiring.Person{ID: "x"}}, {Person: hiring.Person{ID: "secret-42", Line: 4}}}
		_, err := s.SavePeople(ctx, dup, hiring.NoGeneration)
		if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "line 2") {
			t.Fatalf("SavePeople(duplicate) = %v, want EINVALID naming lines 2 and 4", err)
		}
		if strings.Contains(err.Error(), "secret-42") {
			t.Errorf("the error names the id: %v", err)
		}
		if _, err := s.SavePeople(ctx, []hiring.Record{{Person: hiring.Person{}}}, hiring.NoGeneration); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Fatalf("SavePeople(no id) = %v", err)
		}
		snap, err := s.Snapshot(ctx)
		if err != nil || len(snap.People) != 0 {
			t.Fatalf("Snapshot = %+v, %v; want nothing stored", snap, err)
		}
		svc := hireService(s)
		if res, err := svc.Recheck(ctx, "system:hire", "empty"); res != nil || err != nil {
			t.Errorf("Recheck of an empty store = %+v, %v; want nil, nil", res, err)
		}
		if _, err := svc.Screen(ctx, "cli:hr", nil, hiring.Evidence{}); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("Screen of nobody = %v, want EINVALID", err)
		}
		if head, err := s.AuditHead(ctx); err != nil || head.Seq != 0 {
			t.Errorf("AuditHead = %+v, %v; want no entry", head, err)
		}
	})

	t.Run("HireScreenAndForget", func(t *testing.T) {
		t.Parallel()
		s, _ := open(t)
		svc := hireService(s)
		key, err := s.HiringKey(ctx)
		if err != nil || len(key) != hiring.KeySize {
			t.Fatalf("HiringKey = %x, %v", key, err)
		}
		people := []hiring.Person{hirePerson("p-1", "Ann Lee", "shared@x.test"), hirePerson("p-2", "Bob Roe", "shared@x.test"), hirePerson("p-3", "Cy Poe", "c@x.test")}
		people[2].ReferredBy = "p-1"
		ev := hiring.Evidence{Shipments: []hiring.Shipment{{Person: "p-1", Address: "1 Main St"}}}
		res, err := svc.Screen(ctx, "token:t1", people, ev)
		if err != nil {
			t.Fatal(err)
		}
		if res.Run.ID < 1 || res.Run.Kind != hiring.RunScreen || len(res.Assessments) != 3 || len(res.Clusters) != 1 || res.Run.AuditSeq < 1 ||
			res.Run.Verdicts[bulwark.VerdictReview] != 2 || res.Run.Inputs.Lists["ofac-sdn"] != "abc" || res.Run.Inputs.Rules != "test-1" {
			t.Fatalf("Screen = %+v", res)
		}
		if got, err := s.Run(ctx, res.Run.ID); err != nil || got.Kind != hiring.RunScreen || got.AuditSeq != res.Run.AuditSeq || got.Verdicts[bulwark.VerdictReview] != 2 || !got.At.Equal(res.Run.At) {
			t.Fatalf("Run = %+v, %v; want %+v", got, err, res.Run)
		}
		a2, err := s.Assessment(ctx, "p-2")
		if err != nil || a2.Verdict != bulwark.VerdictReview || a2.RunID != res.Run.ID || a2.Stale || len(a2.Flags) != 1 ||
			!slices.Equal(a2.Flags[0].Related, []string{"p-1"}) || a2.Inputs.Rules != "test-1" {
			t.Fatalf("Assessment(p-2) = %+v, %v", a2, err)
		}
		fp1, err := svc.Fingerprint(ctx, "p-1")
		if err != nil || fp1 == hiring.Fingerprint(key, "p-1") {
			t.Fatalf("Fingerprint(p-1) = %s, %v; want the salted fingerprint", fp1, err)
		}
		if txt := auditText(t, s); !strings.Contains(txt, fp1) || strings.Contains(txt, "p-1") || strings.Contains(txt, "Ann") || strings.Contains(txt, "shared@") {
			t.Errorf("the audit log should name p-1 by its fingerprint %s only:\n%s", fp1, txt)
		}

		rep, err := svc.Forget(ctx, "p-1", "cli:dpo")
		if err != nil {
			t.Fatal(err)
		}
		if rep.Fingerprint != fp1 || rep.Evidence != 1 || !rep.Assessment || rep.Scrubbed != 1 || rep.Referrals != 1 || rep.AuditSeq <= res.Run.AuditSeq {
			t.Fatalf("Forget = %+v", rep)
		}
		if _, _, err := s.Person(ctx, "p-1"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("Person(forgotten) = %v", err)
		}
		// The salt went with the record: the fingerprint cannot be computed
		// again, and a re-import gets a new one.
		if fp, err := svc.Fingerprint(ctx, "p-1"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("Fingerprint(forgotten) = %s, %v; want ENOTFOUND", fp, err)
		}
		if _, err := svc.Import(ctx, "cli:hr", []hiring.Person{hirePerson("p-1", "Ann Lee", "a@x.test")}, hiring.Evidence{}); err != nil {
			t.Fatal(err)
		}
		if fp, err := svc.Fingerprint(ctx, "p-1"); err != nil || fp == fp1 {
			t.Errorf("Fingerprint(re-imported) = %s, %v; want a new one, not %s", fp, err, fp1)
		}
		if _, err := svc.Forget(ctx, "p-1", "cli:dpo"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Assessment(ctx, "p-1"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("Assessment(forgotten) = %v", err)
		}
		a2, err = s.Assessment(ctx, "p-2")
		if err != nil || !a2.Stale || len(a2.Flags[0].Related) != 0 || strings.Contains(a2.Flags[0].Evidence, "p-1") || strings.Contains(a2.Flags[0].Evidence, "Ann Lee") {
			t.Fatalf("Assessment(p-2) after the forget = %+v, %v; want p-1 gone and stale", a2, err)
		}
		p3, _, err := s.Person(ctx, "p-3")
		if err != nil || p3.Person.ReferredBy != "" {
			t.Fatalf("Person(p-3) = %+v, %v; want the referral cleared", p3, err)
		}
		snap, err := s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(snap)
		if strings.Contains(string(b), "p-1") || strings.Contains(string(b), "Ann Lee") || len(snap.Evidence.Shipments) != 0 {
			t.Errorf("the store still holds the forgotten person: %s", b)
		}
		if _, err := svc.Forget(ctx, "p-1", "cli:dpo"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND || strings.Contains(err.Error(), "p-1") {
			t.Errorf("second Forget = %v, want ENOTFOUND without the id", err)
		}
		if txt := auditText(t, s); strings.Contains(txt, "p-1") || !strings.Contains(txt, "hire.forget") {
			t.Errorf("audit log after the forget:\n%s", txt)
		}
		verifyChain(t, s)

		// A re-check makes the stale assessment current.
		rc, err := svc.Recheck(ctx, "system:hire", "lists changed")
		if err != nil || rc.Run.ID <= res.Run.ID || rc.Run.Kind != hiring.RunRecheck || len(rc.Assessments) != 2 {
			t.Fatalf("Recheck = %+v, %v", rc, err)
		}
		if a2, err := s.Assessment(ctx, "p-2"); err != nil || a2.Stale || a2.Verdict != bulwark.VerdictClear || a2.RunID != rc.Run.ID {
			t.Fatalf("Assessment(p-2) after the re-check = %+v, %v", a2, err)
		}
		verifyChain(t, s)
	})

	t.Run("HireScreenWithTheRealGraphAndRules", func(t *testing.T) {
		t.Parallel()
		s, _ := open(t)
		svc := &hiring.Service{Store: s, Audit: &audit.Log{Store: s}} // LinkRecords and a Checker
		people := []hiring.Person{
			{ID: "app-1", FullName: "Ann Lee", Emails: []string{"ann.lee@example.com"}, Phones: []string{"+1 415 555 0101"}, Country: "US"},
			{ID: "app-2", FullName: "Ken Park", Emails: []string{"ken.park@example.com"}, Phones: []string{"+1 415 555 0101"}, Country: "US"},
			{ID: "app-3", FullName: "Zoe Ray", Emails: []string{"zoe@example.org"}, Country: "US"},
		}
		res, err := svc.Screen(ctx, "cli:hr", people, hiring.Evidence{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Clusters) != 1 || !slices.Equal(res.Clusters[0].IDs, []string{"app-1", "app-2"}) {
			t.Fatalf("clusters = %+v, want app-1 and app-2 (one phone)", res.Clusters)
		}
		a, err := s.Assessment(ctx, "app-1")
		if err != nil || !slices.ContainsFunc(a.Flags, func(f hiring.Flag) bool {
			return f.Rule == hiring.CodeSharedIdentifier && slices.Contains(f.Related, "app-2")
		}) {
			t.Fatalf("Assessment(app-1) = %+v, %v; want SHARED_IDENTIFIER with app-2", a, err)
		}
		if _, err := svc.Forget(ctx, "app-2", "cli:dpo"); err != nil {
			t.Fatal(err)
		}
		a, err = s.Assessment(ctx, "app-1")
		if err != nil || !a.Stale {
			t.Fatalf("Assessment(app-1) after the forget = %+v, %v", a, err)
		}
		for _, f := range a.Flags {
			if slices.Contains(f.Related, "app-2") || strings.Contains(f.Evidence, "app-2") || strings.Contains(f.Evidence, "Ken Park") {
				t.Errorf("flag still names the forgotten person: %+v", f)
			}
		}
		if txt := auditText(t, s); strings.Contains(txt, "app-") || strings.Contains(txt, "555") || strings.Contains(txt, "Ann Lee") {
			t.Errorf("the audit log names a person:\n%s", txt)
		}
		rc, err := svc.Recheck(ctx, "system:hire", "after a forget")
		if err != nil || len(rc.Clusters) != 0 || rc.Run.Verdicts[bulwark.VerdictClear] != 2 {
			t.Fatalf("Recheck = %+v, %v", rc, err)
		}
		verifyChain(t, s)
	})

	t.Run("HireSharedByMoreThanTheGraphMerges", func(t *testing.T) {
		t.Parallel()
		s, _ := open(t)
		svc := &hiring.Service{Store: s, Audit: &audit.Log{Store: s}} // BuildGraph and a Checker
		// 51 applications (one more than the graph merges) with one
		// mailbox and one IBAN: a facilitator's, not one identity.
		var people []hiring.Person
		for i := range hiring.DefaultMaxShare + 1 {
			people = append(people, hiring.Person{ID: fmt.Sprintf("app-%02d", i), FullName: fmt.Sprintf("Applicant %c%c Person", 'A'+i/26, 'a'+i%26),
				Emails: []string{"handler@proton.me"}, BankAccounts: []string{"GB82WEST12345698765432"}, Country: "GB"})
		}
		res, err := svc.Screen(ctx, "cli:hr", people, hiring.Evidence{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Shared) == 0 {
			t.Errorf("RunResult.Shared is empty, want the e-mail and the IBAN")
		}
		for _, a := range res.Assessments {
			if a.Verdict == bulwark.VerdictClear {
				t.Fatalf("%s is clear (%+v): one mailbox and IBAN among 51 applications must be flagged", a.ID, a.Flags)
			}
			for _, code := range []string{hiring.CodeSharedIdentifier, hiring.CodeSharedPayrollAccount} {
				i := slices.IndexFunc(a.Flags, func(f hiring.Flag) bool { return f.Rule == code })
				if i < 0 {
					t.Fatalf("%s has no %s: %+v", a.ID, code, a.Flags)
				}
				if n := len(a.Flags[i].Related); n == 0 || n > 5 {
					t.Errorf("%s's %s relates %d people, want 1 to 5", a.ID, code, n)
				}
			}
		}
	})

	t.Run("HireForgetDuringImport", func(t *testing.T) {
		t.Parallel()
		s, _ := open(t)
		x := hiring.Person{ID: "x", FullName: "Xavier Forgotten", Emails: []string{"x@corp.example"}}
		if _, err := hireService(s).Import(ctx, "cli:hr", []hiring.Person{x, hirePerson("y", "Yve Stays", "y@corp.example")}, hiring.Evidence{}); err != nil {
			t.Fatal(err)
		}
		fs := &forgetOnSnapshot{HiringAuditStore: s, id: "x"}
		ev := hiring.Evidence{SignIns: []hiring.SignIn{{User: "x@corp.example", Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Success: true, Provider: "okta"}}}
		rep, err := hireService(fs).Import(ctx, "cli:hr", nil, ev)
		if fs.err != nil || !fs.done {
			t.Fatalf("the concurrent forget: done %v, %v", fs.done, fs.err)
		}
		if err != nil || rep.Added != 0 || rep.Evidence != 0 || rep.Unattached != 1 {
			t.Fatalf("Import = %+v, %v; want the sign-in unattached (its person forgotten meanwhile)", rep, err)
		}
		if sp, ev, err := s.Person(ctx, "x"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Fatalf("the forgotten person is back: %+v, %d evidence items, %v", sp, ev.Count(), err)
		}
		verifyChain(t, s)
	})

	t.Run("HireForgetDuringScreen", func(t *testing.T) {
		t.Parallel()
		s, _ := open(t)
		x := hiring.Person{ID: "x", FullName: "Xavier Forgotten", Emails: []string{"x@corp.example"}}
		if _, err := hireService(s).Import(ctx, "cli:hr", []hiring.Person{x, hirePerson("y", "Yve Stays", "y@corp.example")}, hiring.Evidence{}); err != nil {
			t.Fatal(err)
		}
		fs := &forgetOnSnapshot{HiringAuditStore: s, id: "x"}
		ev := hiring.Evidence{SignIns: []hiring.SignIn{{User: "x@corp.example", Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Success: true, Provider: "okta"}}}
		res, err := hireService(fs).Screen(ctx, "cli:hr", nil, ev)
		if fs.err != nil || !fs.done {
			t.Fatalf("the concurrent forget: done %v, %v", fs.done, fs.err)
		}
		if err != nil || len(res.Assessments) != 1 || res.Assessments[0].ID != "y" {
			t.Fatalf("Screen = %+v, %v; want y assessed alone", res, err)
		}
		if sp, ev, err := s.Person(ctx, "x"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Fatalf("the forgotten person is back: %+v, %d evidence items, %v", sp, ev.Count(), err)
		}
		verifyChain(t, s)
	})

	t.Run("HireSavePeopleNeverRecreates", func(t *testing.T) {
		t.Parallel()
		s, _ := open(t)
		snap, err := s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ev := hiring.Evidence{Devices: []hiring.Device{{Serial: "SN-9", User: "gone"}}}
		counts, err := s.SavePeople(ctx, []hiring.Record{{Person: hirePerson("gone", "Gone Person", "g@x.test"), Evidence: ev, EvidenceOnly: true}}, snap.Generation)
		if err != nil || counts.Gone != 1 || counts.Added+counts.Updated+counts.Evidence != 0 {
			t.Fatalf("SavePeople(evidence only, unknown person) = %+v, %v; want Gone 1 and nothing stored", counts, err)
		}
		if _, _, err := s.Person(ctx, "gone"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Fatalf("Person(gone) = %v, want ENOTFOUND", err)
		}
		if _, err := s.SavePeople(ctx, []hiring.Record{{Person: hirePerson("p-1", "Ann Lee", "a@x.test")}}, hiring.NoGeneration); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ForgetPerson(ctx, "p-1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SavePeople(ctx, []hiring.Record{{Person: hirePerson("p-2", "Bob Roe", "b@x.test")}}, snap.Generation); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Fatalf("SavePeople(records built before a forget) = %v, want ECONFLICT", err)
		}
		if _, _, err := s.Person(ctx, "p-2"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Fatalf("a refused SavePeople stored a person: %v", err)
		}
	})

	t.Run("HireScreeningSubjectIsTheAuditFingerprint", func(t *testing.T) {
		t.Parallel()
		s, _ := open(t)
		key, err := s.HiringKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sc := &subjectScreener{}
		// A Checker configured with the unsalted SubjectFunc, as a server
		// may have it: the Service's fingerprints take precedence.
		chk := &hiring.Checker{Screener: sc, Subject: hiring.SubjectFunc(key)}
		svc := &hiring.Service{Store: s, Audit: &audit.Log{Store: s}, CheckGraph: chk.CheckGraph}
		if _, err := svc.Screen(ctx, "cli:hr", []hiring.Person{hirePerson("p-1", "Ann Lee", "a@x.test")}, hiring.Evidence{}); err != nil {
			t.Fatal(err)
		}
		fp, err := svc.Fingerprint(ctx, "p-1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Recheck(ctx, "system:hire", "lists changed"); err != nil {
			t.Fatal(err)
		}
		if len(sc.subjects) != 2 || sc.subjects[0] != fp || sc.subjects[1] != fp {
			t.Fatalf("screening subjects %v, want the stored fingerprint %s twice", sc.subjects, fp)
		}
	})

	t.Run("HireRunAgainAfterForget", func(t *testing.T) {
		t.Parallel()
		s, _ := open(t)
		svc := hireService(s)
		if _, err := svc.Import(ctx, "cli:hr", []hiring.Person{hirePerson("p-1", "Ann Lee", "s@x.test"), hirePerson("p-2", "Bob Roe", "s@x.test")}, hiring.Evidence{}); err != nil {
			t.Fatal(err)
		}
		calls := 0
		svc.Check = func(ctx context.Context, people []hiring.Person, ev hiring.Evidence, cs []hiring.Cluster) ([]hiring.Assessment, error) {
			calls++
			if calls == 1 { // p-1 is forgotten while the first attempt computes
				if _, err := svc.Forget(ctx, "p-1", "cli:dpo"); err != nil {
					return nil, err
				}
			}
			return hireCheck(ctx, people, ev, cs)
		}
		res, err := svc.Recheck(ctx, "system:hire", "test")
		if err != nil || calls != 2 || len(res.Assessments) != 1 || res.Assessments[0].ID != "p-2" || len(res.Assessments[0].Flags) != 0 {
			t.Fatalf("Recheck = %+v, %v after %d attempts; want p-2 alone, clear, on the second", res, err, calls)
		}
		if _, err := s.Assessment(ctx, "p-1"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Fatalf("the forgotten person was assessed: %v", err)
		}
		verifyChain(t, s)
	})

	t.Run("HireSaveRunChecks", func(t *testing.T) {
		t.Parallel()
		s, _ := open(t)
		if _, err := s.SavePeople(ctx, []hiring.Record{{Person: hirePerson("p-1", "Ann Lee", "a@x.test")}}, hiring.NoGeneration); err != nil {
			t.Fatal(err)
		}
		snap, err := s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ok := []hiring.Assessment{{ID: "p-1", Verdict: bulwark.VerdictClear}}
		for _, tt := range []struct {
			name string
			run  *hiring.Run
			as   []hiring.Assessment
			gen  int64
			code string
		}{
			{"no run", nil, ok, snap.Generation, bulwark.EINVALID},
			{"bad kind", &hiring.Run{Kind: "x"}, ok, snap.Generation, bulwark.EINVALID},
			{"bad verdict", &hiring.Run{Kind: hiring.RunScreen}, []hiring.Assessment{{ID: "p-1", Verdict: "maybe"}}, snap.Generation, bulwark.EINVALID},
			{"unknown person", &hiring.Run{Kind: hiring.RunScreen}, append(ok, hiring.Assessment{ID: "p-9", Verdict: bulwark.VerdictClear}), snap.Generation, bulwark.EINVALID},
			{"old snapshot", &hiring.Run{Kind: hiring.RunScreen}, ok, snap.Generation - 1, bulwark.ECONFLICT},
			{"old snapshot, no assessments", &hiring.Run{Kind: hiring.RunLink}, nil, snap.Generation - 1, ""},
			{"ok", &hiring.Run{Kind: hiring.RunScreen}, ok, snap.Generation, ""},
		} {
			_, err := s.SaveRun(ctx, tt.run, tt.as, tt.gen)
			if bulwark.ErrorCode(err) != tt.code {
				t.Errorf("%s: SaveRun = %v, want %q", tt.name, err, tt.code)
			}
		}
		// The refused runs stored nothing: the assessment is the last run's.
		a, err := s.Assessment(ctx, "p-1")
		if err != nil || a.Verdict != bulwark.VerdictClear {
			t.Fatalf("Assessment = %+v, %v", a, err)
		}
		if a.RunID != 2 {
			t.Errorf("the last run stored has id %d, want 2: only the link run came before", a.RunID)
		}
	})

	t.Run("HireListPeople", func(t *testing.T) {
		t.Parallel()
		s, _ := open(t)
		svc := hireService(s)
		// Two screenings (a cluster of three under review, the others
		// clear), one person imported and never screened, one forgotten.
		first := []hiring.Person{hirePerson("b-2", "Bo Two", "shared@x.test"), hirePerson("a-1", "Al One", "a@x.test"), hirePerson("c-3", "Cy Three", "shared@x.test")}
		if _, err := svc.Screen(ctx, "cli:hr", first, hiring.Evidence{}); err != nil {
			t.Fatal(err)
		}
		second := []hiring.Person{hirePerson("d-4", "Di Four", "shared@x.test"), hirePerson("e-5", "Ed Five", "e@x.test"), hirePerson("gone", "Gone", "g@x.test")}
		if _, err := svc.Screen(ctx, "cli:hr", second, hiring.Evidence{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SavePeople(ctx, []hiring.Record{{Person: hirePerson("f-6", "Fy Six", "f@x.test")}}, hiring.NoGeneration); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Forget(ctx, "gone", "cli:dpo"); err != nil {
			t.Fatal(err)
		}
		snap, err := s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, p := range snap.People {
			all = append(all, p.Person.ID)
		}
		list := func(q hiring.PeopleQuery) []hiring.PersonSummary {
			t.Helper()
			var out []hiring.PersonSummary
			for pages := 0; ; pages++ {
				page, err := s.ListPeople(ctx, q)
				if err != nil {
					t.Fatalf("ListPeople(%+v) = %v", q, err)
				}
				if limit := cmp.Or(q.Limit, hiring.DefaultPage); len(page.People) > limit || pages > 10 {
					t.Fatalf("ListPeople(%+v): %d people on a page", q, len(page.People))
				}
				out = append(out, page.People...)
				if page.Next == "" {
					return out
				}
				q.After = page.Next
			}
		}
		ids := func(ps []hiring.PersonSummary) []string {
			out := []string{}
			for _, p := range ps {
				out = append(out, p.ID)
			}
			return out
		}
		for _, limit := range []int{1, 2, 5, 0} {
			if got := ids(list(hiring.PeopleQuery{Limit: limit})); !slices.Equal(got, all) {
				t.Errorf("limit %d: %v, want %v (Snapshot's order)", limit, got, all)
			}
		}
		byID := map[string]hiring.PersonSummary{}
		for _, p := range list(hiring.PeopleQuery{}) {
			byID[p.ID] = p
		}
		for id, p := range byID {
			a, err := s.Assessment(ctx, id)
			if id == "f-6" {
				if err == nil || p.Verdict != "" || p.RunID != 0 || p.Rules == nil || len(p.Rules) != 0 || p.CreatedAt.IsZero() {
					t.Errorf("never screened: %+v", p)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			var rules []string
			for _, f := range a.Flags {
				rules = append(rules, f.Rule)
			}
			if p.Verdict != a.Verdict || p.Score != a.Score || p.Stale != a.Stale || p.RunID != a.RunID || !slices.Equal(p.Rules, rules) ||
				p.CreatedAt.Location() != time.UTC || p.UpdatedAt.Before(p.CreatedAt) {
				t.Errorf("%s: %+v, want the assessment's %+v", id, p, a)
			}
		}
		if p := byID["b-2"]; p.Verdict != bulwark.VerdictReview || !slices.Equal(p.Rules, []string{"SHARED_IDENTIFIER"}) {
			t.Errorf("b-2: %+v, want review with SHARED_IDENTIFIER", p)
		}
		// By verdict: a range of its own, paged the same way.
		var review []string
		for _, id := range all {
			if byID[id].Verdict == bulwark.VerdictReview {
				review = append(review, id)
			}
		}
		if len(review) != 3 {
			t.Fatalf("review %v, want the three sharing an e-mail", review)
		}
		for _, limit := range []int{1, 2, 100} {
			if got := ids(list(hiring.PeopleQuery{Verdict: bulwark.VerdictReview, Limit: limit})); !slices.Equal(got, review) {
				t.Errorf("review, limit %d: %v, want %v", limit, got, review)
			}
		}
		if got := list(hiring.PeopleQuery{Verdict: bulwark.VerdictBlock}); len(got) != 0 {
			t.Errorf("block: %v, want nobody", ids(got))
		}
		// A person added after a page was read is on a later page.
		page, err := s.ListPeople(ctx, hiring.PeopleQuery{Limit: len(all)})
		if err != nil || page.Next != "" {
			t.Fatalf("the whole list on a page: next %q, %v", page.Next, err)
		}
		if _, err := s.SavePeople(ctx, []hiring.Record{{Person: hirePerson("a-0", "Late", "l@x.test")}}, hiring.NoGeneration); err != nil {
			t.Fatal(err)
		}
		last := page.People[len(page.People)-1]
		if page, err = s.ListPeople(ctx, hiring.PeopleQuery{After: hiring.PeopleCursor(last.CreatedAt, last.ID)}); err != nil || len(page.People) != 1 || page.People[0].ID != "a-0" {
			t.Errorf("after the last: %+v, %v; want the person added since", page, err)
		}
		for _, tc := range []struct {
			q     hiring.PeopleQuery
			field string
		}{
			{hiring.PeopleQuery{Verdict: "maybe"}, "verdict"},
			{hiring.PeopleQuery{Limit: -1}, "limit"},
			{hiring.PeopleQuery{Limit: hiring.MaxPage + 1}, "limit"},
			{hiring.PeopleQuery{After: "not a cursor!"}, "after"},
			{hiring.PeopleQuery{After: "MTIz"}, "after"}, // "123": no id
		} {
			if _, err := s.ListPeople(ctx, tc.q); bulwark.ErrorCode(err) != bulwark.EINVALID || errField(err) != tc.field {
				t.Errorf("ListPeople(%+v) = %v, want EINVALID naming %s", tc.q, err, tc.field)
			}
		}
	})

	t.Run("HireListRuns", func(t *testing.T) {
		t.Parallel()
		s, _ := open(t)
		svc := hireService(s)
		if page, err := s.ListRuns(ctx, hiring.RunQuery{}); err != nil || len(page.Runs) != 0 || page.Next != 0 {
			t.Fatalf("no runs: %+v, %v", page, err)
		}
		var want []int64 // newest first
		for i, kind := range []string{hiring.RunScreen, hiring.RunLink, hiring.RunScreen, hiring.RunRecheck} {
			var res *hiring.RunResult
			var err error
			p := []hiring.Person{hirePerson(fmt.Sprint("p", i), "P", fmt.Sprint(i, "@x.test"))}
			switch kind {
			case hiring.RunScreen:
				res, err = svc.Screen(ctx, "cli:hr", p, hiring.Evidence{})
			case hiring.RunLink:
				res, err = svc.LinkRun(ctx, "cli:hr", p)
			case hiring.RunRecheck:
				res, err = svc.Recheck(ctx, "cli:hr", "lists changed")
			}
			if err != nil {
				t.Fatal(err)
			}
			want = append([]int64{res.Run.ID}, want...)
		}
		var got []int64
		q := hiring.RunQuery{Limit: 3}
		for {
			page, err := s.ListRuns(ctx, q)
			if err != nil || len(page.Runs) > 3 {
				t.Fatalf("ListRuns(%+v) = %d runs, %v", q, len(page.Runs), err)
			}
			for _, r := range page.Runs {
				got = append(got, r.ID)
				one, err := s.Run(ctx, r.ID)
				if err != nil || one.Kind != r.Kind || !one.At.Equal(r.At) || one.AuditSeq != r.AuditSeq || one.Inputs.People != r.Inputs.People {
					t.Errorf("run %d listed %+v, stored %+v, %v", r.ID, r, one, err)
				}
			}
			if page.Next == 0 {
				break
			}
			q.Before = page.Next
		}
		if !slices.Equal(got, want) {
			t.Errorf("runs %v, want %v (newest first)", got, want)
		}
		page, err := s.ListRuns(ctx, hiring.RunQuery{Kind: hiring.RunScreen})
		if err != nil || len(page.Runs) != 2 || page.Runs[0].ID != want[1] || page.Runs[1].ID != want[3] || page.Next != 0 {
			t.Errorf("screen runs: %+v, %v", page, err)
		}
		for _, tc := range []struct {
			q     hiring.RunQuery
			field string
		}{
			{hiring.RunQuery{Kind: "purge"}, "kind"},
			{hiring.RunQuery{Before: -1}, "before"},
			{hiring.RunQuery{Limit: hiring.MaxPage + 1}, "limit"},
		} {
			if _, err := s.ListRuns(ctx, tc.q); bulwark.ErrorCode(err) != bulwark.EINVALID || errField(err) != tc.field {
				t.Errorf("ListRuns(%+v) = %v, want EINVALID naming %s", tc.q, err, tc.field)
			}
		}
	})

	t.Run("HireVersionAndMarkStale", func(t *testing.T) {
		t.Parallel()
		s, reopen := open(t)
		svc := hireService(s)
		version := func(s hiring.Store) int64 {
			t.Helper()
			v, err := s.Version(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		v0 := version(s)
		// Each write of people or evidence moves the version; what changes
		// nothing, runs and marking stale do not.
		steps := []struct {
			name  string
			do    func() error
			moves bool
		}{
			{"import", func() error {
				_, err := svc.Import(ctx, "cli:hr", []hiring.Person{hirePerson("v-1", "Ann Lee", "a@x.test"), hirePerson("v-2", "Bob Roe", "a@x.test")}, hiring.Evidence{})
				return err
			}, true},
			{"the same import", func() error {
				_, err := svc.Import(ctx, "cli:hr", []hiring.Person{hirePerson("v-1", "Ann Lee", "a@x.test")}, hiring.Evidence{})
				return err
			}, false},
			{"a recheck", func() error { _, err := svc.Recheck(ctx, "system:hire", "test"); return err }, false},
			{"marking stale", func() error {
				n, err := s.MarkStale(ctx, []string{"v-1", "nobody"})
				if err != nil {
					return err
				}
				if a, err := s.Assessment(ctx, "v-1"); n != 1 || err != nil || !a.Stale {
					return fmt.Errorf("MarkStale marked %d (want 1); Assessment = %+v, %v, want stale", n, a, err)
				}
				return nil
			}, false},
			{"evidence", func() error {
				_, err := svc.Import(ctx, "cli:hr", nil, hiring.Evidence{Devices: []hiring.Device{{Serial: "SN-9", User: "v-2"}}})
				return err
			}, true},
			{"a changed record", func() error {
				_, err := svc.Import(ctx, "cli:hr", []hiring.Person{hirePerson("v-2", "Bob Roe", "b@x.test")}, hiring.Evidence{})
				return err
			}, true},
			{"a forget", func() error { _, err := svc.Forget(ctx, "v-1", "cli:hr"); return err }, true},
			{"a purge of nobody", func() error {
				_, _, err := svc.PurgeBefore(ctx, time.Now().Add(-time.Hour), "system:retention")
				return err
			}, false},
			{"a purge", func() error {
				_, _, err := svc.PurgeBefore(ctx, time.Now().Add(time.Hour), "system:retention")
				return err
			}, true},
		}
		v := v0
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			got := version(s)
			if st.moves && got <= v {
				t.Errorf("after %s the version is %d, was %d: want it increased", st.name, got, v)
			}
			if !st.moves && got != v {
				t.Errorf("after %s the version is %d, was %d: want it unchanged", st.name, got, v)
			}
			if snap, err := s.Snapshot(ctx); err != nil || snap.Version != got {
				t.Errorf("after %s Snapshot().Version = %v (%v), Version() = %d", st.name, snap, err, got)
			}
			v = got
		}
		if got := version(reopen()); got != v {
			t.Errorf("after a reopen the version is %d, want %d", got, v)
		}
	})

	t.Run("HirePurge", func(t *testing.T) {
		t.Parallel()
		s, _ := open(t)
		svc := hireService(s)
		if _, err := svc.Screen(ctx, "cli:hr", []hiring.Person{hirePerson("old", "Old One", "s@x.test")}, hiring.Evidence{}); err != nil {
			t.Fatal(err)
		}
		cut := time.Now()
		for !time.Now().After(cut) {
			// the clock moves on (coarse clocks)
		}
		if _, err := svc.Screen(ctx, "cli:hr", []hiring.Person{hirePerson("new", "New One", "s@x.test")}, hiring.Evidence{}); err != nil {
			t.Fatal(err)
		}
		if n, seq, err := svc.PurgeBefore(ctx, cut.Add(-time.Hour), "system:retention"); err != nil || n != 0 || seq != 0 {
			t.Fatalf("PurgeBefore(an hour before) = %d, %d, %v; want nothing", n, seq, err)
		}
		n, seq, err := svc.PurgeBefore(ctx, cut, "system:retention")
		if err != nil || n != 1 || seq == 0 {
			t.Fatalf("PurgeBefore = %d, %d, %v", n, seq, err)
		}
		if _, _, err := s.Person(ctx, "old"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("the old person is still stored: %v", err)
		}
		if a, err := s.Assessment(ctx, "new"); err != nil || !a.Stale || len(a.Flags[0].Related) != 0 {
			t.Errorf("Assessment(new) = %+v, %v; want the purged person removed, stale", a, err)
		}
		if txt := auditText(t, s); !strings.Contains(txt, "hire.purge") || strings.Contains(txt, "Old One") || strings.Contains(txt, `"old"`) {
			t.Errorf("audit log:\n%s", txt)
		}
		verifyChain(t, s)
	})

	t.Run("HireRunIDsSurviveReopen", func(t *testing.T) {
		t.Parallel()
		s, reopen := open(t)
		svc := hireService(s)
		key, err := s.HiringKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var last int64
		for i := range 3 {
			res, err := svc.Screen(ctx, "cli:hr", []hiring.Person{hirePerson(fmt.Sprint("p-", i), "N", "s@x.test")}, hiring.Evidence{})
			if err != nil || res.Run.ID <= last {
				t.Fatalf("Screen %d = %+v, %v (last id %d)", i, res, err, last)
			}
			last = res.Run.ID
		}
		link, err := svc.LinkRun(ctx, "cli:hr", []hiring.Person{hirePerson("q", "Q", "s@x.test")})
		if err != nil || link.Run.ID <= last || len(link.Clusters) != 1 || len(link.Clusters[0].IDs) != 4 || len(link.Assessments) != 0 {
			t.Fatalf("LinkRun = %+v, %v", link, err)
		}
		if _, _, err := s.Person(ctx, "q"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Fatalf("a link run stored its people: %v", err)
		}
		last = link.Run.ID
		s = reopen()
		if got, err := s.Run(ctx, last); err != nil || got.Kind != hiring.RunLink || got.Clusters != 1 {
			t.Fatalf("Run after reopen = %+v, %v", got, err)
		}
		if k2, err := s.HiringKey(ctx); err != nil || string(k2) != string(key) {
			t.Fatalf("the fingerprint key changed on reopen: %v", err)
		}
		res, err := hireService(s).Recheck(ctx, "system:hire", "reopen")
		if err != nil || res.Run.ID <= last {
			t.Fatalf("Recheck after reopen = %+v, %v (last id %d)", res, err, last)
		}
		if _, err := s.Run(ctx, res.Run.ID+1); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("Run(unknown) = %v", err)
		}
		verifyChain(t, s)
	})

	t.Run("HireConcurrentImports", func(t *testing.T) {
		t.Parallel()
		s, _ := open(t)
		svc := hireService(s)
		const writers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				people := make([]hiring.Person, each)
				for i := range people {
					people[i] = hirePerson(fmt.Sprintf("w%d-%d", w, i), "N", fmt.Sprintf("w%d-%d@x.test", w, i))
				}
				if _, err := svc.Import(ctx, "cli:hr", people, hiring.Evidence{}); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		snap, err := s.Snapshot(ctx)
		if err != nil || len(snap.People) != writers*each {
			t.Fatalf("Snapshot holds %d people, %v; want %d", len(snap.People), err, writers*each)
		}
		head, err := s.AuditHead(ctx)
		if err != nil || head.Seq != writers {
			t.Fatalf("AuditHead = %+v, %v; want %d entries", head, err, writers)
		}
		verifyChain(t, s)
	})
}
