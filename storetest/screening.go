package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/screening"
)

// ScreeningAuditStore is an adapter that holds the screening state and the
// audit log.
type ScreeningAuditStore interface {
	screening.Stores
	outbox.Store
	audit.Store
}

// testList returns a small list version whose digest depends on tag.
func testList(id, tag string, n int) *screening.List {
	l := &screening.List{Info: screening.ListInfo{ID: id, Name: "Test " + id, Format: "bulwark-csv", Source: "test",
		Imported: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), SHA256: fmt.Sprintf("%064x", len(id)*1000+len(tag)*7+n)}}
	for i := range n {
		l.Entities = append(l.Entities, screening.Entity{ID: fmt.Sprintf("%s:%d", id, i), List: id, SourceID: fmt.Sprint(i),
			Type: screening.TypePerson, Category: screening.CategorySanctions, Confidence: screening.ConfidenceHigh,
			Name: fmt.Sprintf("Person %s %d", tag, i), Aliases: []screening.Alias{{Name: "Weak " + tag, Weak: true}},
			Addresses: []screening.ListedAddress{{Currency: "ETH", Address: fmt.Sprintf("0x%040x", i+1)}}})
	}
	l.Info.Entities = n
	l.Info.Addresses = n
	l.Problems = []screening.Problem{{Place: "line 3", Message: "bad row"}}
	l.Info.Problems = 1
	return l
}

// ScreeningStore runs the conformance suite for the screening stores: list
// versions (activation, identical re-import, history, removal, the
// generation counter, all-or-nothing inside audit.Log.Do), decisions,
// dispositions, watches and alerts. open must return a fresh, empty store
// closed when t ends.
func ScreeningStore(t *testing.T, open func(t *testing.T) ScreeningAuditStore) {
	t.Helper()
	ctx := context.Background()

	t.Run("Lists", func(t *testing.T) {
		s := open(t)
		if ls, err := s.ActiveLists(ctx); err != nil || len(ls) != 0 {
			t.Fatalf("empty store: %v, %v", ls, err)
		}
		g0, err := s.ListsGeneration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a1, b1 := testList("a", "one", 3), testList("b", "one", 2)
		ch, err := s.PutLists(ctx, []*screening.List{a1, b1})
		if err != nil || len(ch) != 2 {
			t.Fatalf("PutLists = %v, %v", ch, err)
		}
		// Each version returned names the digest of the content stored,
		// which the lists.import audit entry records.
		a1Content := ch[0].ContentSHA256
		for _, c := range ch {
			if len(c.ContentSHA256) != 64 || strings.Trim(c.ContentSHA256, "0123456789abcdef") != "" {
				t.Fatalf("PutLists returned list %s with content digest %q, want 64 hex digits", c.ID, c.ContentSHA256)
			}
		}
		g1, _ := s.ListsGeneration(ctx)
		if g1 == g0 {
			t.Error("generation did not change")
		}
		// The same versions again change nothing.
		if ch, err := s.PutLists(ctx, []*screening.List{a1}); err != nil || len(ch) != 0 {
			t.Fatalf("identical PutLists = %v, %v", ch, err)
		}
		if g, _ := s.ListsGeneration(ctx); g != g1 {
			t.Error("an identical import changed the generation")
		}
		a2 := testList("a", "two", 4)
		if ch, err := s.PutLists(ctx, []*screening.List{a2}); err != nil || len(ch) != 1 || ch[0].SHA256 != a2.Info.SHA256 {
			t.Fatalf("PutLists(a2) = %v, %v", ch, err)
		}
		act, err := s.ActiveLists(ctx)
		if err != nil || len(act) != 2 || act[0].Info.ID != "a" || act[0].Info.SHA256 != a2.Info.SHA256 || len(act[0].Entities) != 4 {
			t.Fatalf("ActiveLists = %+v, %v", act, err)
		}
		if got, _ := json.Marshal(act[0].Entities); string(got) != string(mustJSON(t, a2.Entities)) {
			t.Errorf("entities did not round-trip:\n%s\n%s", got, mustJSON(t, a2.Entities))
		}
		if len(act[0].Problems) != 1 || act[0].Problems[0].Place != "line 3" {
			t.Errorf("problems did not round-trip: %+v", act[0].Problems)
		}
		h, err := s.ListHistory(ctx, "a")
		if err != nil || len(h) != 2 || h[0].SHA256 != a2.Info.SHA256 || h[1].SHA256 != a1.Info.SHA256 {
			t.Fatalf("ListHistory = %+v, %v", h, err)
		}
		old, err := s.ListVersion(ctx, "a", a1.Info.SHA256)
		if err != nil || len(old.Entities) != 3 {
			t.Fatalf("ListVersion(old) = %+v, %v", old, err)
		}
		if _, err := s.ListVersion(ctx, "a", "nope"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("ListVersion(missing) = %v", err)
		}
		// Rolling back to an earlier version reactivates it.
		if ch, err := s.PutLists(ctx, []*screening.List{a1}); err != nil || len(ch) != 1 || ch[0].ContentSHA256 != a1Content {
			t.Fatalf("rollback PutLists = %v (want the content digest first returned, %s), %v", ch, a1Content, err)
		}
		if act, _ := s.ActiveLists(ctx); act[0].Info.SHA256 != a1.Info.SHA256 {
			t.Errorf("after rollback the active version is %s", act[0].Info.SHA256)
		}
		g2, _ := s.ListsGeneration(ctx)
		if _, err := s.RemoveList(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RemoveList(ctx, "b"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("RemoveList(again) = %v", err)
		}
		if g, _ := s.ListsGeneration(ctx); g == g2 {
			t.Error("removal did not change the generation")
		}
		if act, _ := s.ActiveLists(ctx); len(act) != 1 {
			t.Errorf("after removal %d lists active", len(act))
		}
	})

	t.Run("ListsRollBackWithTheirAuditEntry", func(t *testing.T) {
		s := open(t)
		log := &audit.Log{Store: s}
		_, err := log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
			if _, err := s.PutLists(txctx, []*screening.List{testList("a", "x", 2)}); err != nil {
				return audit.Event{}, err
			}
			return audit.Event{}, errors.New("boom")
		})
		if err == nil {
			t.Fatal("Do succeeded")
		}
		if act, _ := s.ActiveLists(ctx); len(act) != 0 {
			t.Errorf("a rolled-back import left %d lists", len(act))
		}
		if g, _ := s.ListsGeneration(ctx); g != 0 {
			t.Errorf("a rolled-back import left generation %d", g)
		}
	})

	t.Run("Decisions", func(t *testing.T) {
		s := open(t)
		base := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		for i, v := range []bulwark.Verdict{bulwark.VerdictClear, bulwark.VerdictBlock, bulwark.VerdictReview} {
			d := &screening.Decision{ID: fmt.Sprintf("dec_%d", i), Time: base.Add(time.Duration(i) * time.Second), Kind: screening.KindAddress,
				Use: screening.UseDeposit, Subject: "cust-1", Actor: "token:a", Verdict: v}
			if err := s.SaveDecision(ctx, d, []byte(fmt.Sprintf(`{"n":%d}`, i)), int64(i+1)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SaveDecision(ctx, &screening.Decision{ID: "dec_0", Kind: "address", Verdict: "clear"}, []byte(`{}`), 9); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Errorf("duplicate SaveDecision = %v, want ECONFLICT", err)
		}
		d, err := s.Decision(ctx, "dec_1")
		if err != nil || d.Verdict != bulwark.VerdictBlock || string(d.Body) != `{"n":1}` || d.AuditSeq != 2 || !d.Time.Equal(base.Add(time.Second)) {
			t.Fatalf("Decision = %+v, %v", d, err)
		}
		if _, err := s.Decision(ctx, "dec_x"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("Decision(missing) = %v", err)
		}
		ds, err := s.Decisions(ctx, screening.DecisionFilter{Subject: "cust-1", Limit: 2})
		if err != nil || len(ds) != 2 || ds[0].ID != "dec_2" || ds[1].ID != "dec_1" {
			t.Fatalf("Decisions = %+v, %v", ds, err)
		}
		if ds, _ := s.Decisions(ctx, screening.DecisionFilter{Verdict: bulwark.VerdictBlock, Limit: 10}); len(ds) != 1 || ds[0].ID != "dec_1" {
			t.Errorf("Decisions(block) = %+v", ds)
		}
		if _, err := s.Decisions(ctx, screening.DecisionFilter{}); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("Decisions(limit 0) = %v", err)
		}
		for _, d := range ds {
			if d.Body != nil {
				t.Errorf("Decisions returned the body of %s: a list is read without bodies", d.ID)
			}
		}

		// Retention: the decisions before an audit entry go, the rest stay.
		if seq, ok, err := s.FirstDecisionSeqSince(ctx, base.Add(time.Second)); err != nil || !ok || seq != 2 {
			t.Errorf("FirstDecisionSeqSince(second) = %d, %v, %v; want 2", seq, ok, err)
		}
		if _, ok, err := s.FirstDecisionSeqSince(ctx, base.Add(time.Hour)); err != nil || ok {
			t.Errorf("FirstDecisionSeqSince(later than all) = %v, %v; want none", ok, err)
		}
		if n, _, err := s.PruneDecisions(ctx, 3); err != nil || n != 2 {
			t.Fatalf("PruneDecisions(3) = %d, %v; want 2", n, err)
		}
		if _, err := s.Decision(ctx, "dec_1"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("pruned decision: %v", err)
		}
		if _, err := s.Decision(ctx, "dec_2"); err != nil {
			t.Errorf("kept decision: %v", err)
		}
	})

	t.Run("DecisionBatches", func(t *testing.T) {
		// Large batches under one audit entry each (as the decision
		// journal's loader stores them) next to decisions stored one by
		// one: read, listed, found by subject and verdict, pruned and
		// verified alike.
		s := open(t)
		log := &audit.Log{Store: s}
		base := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		lists := `"lists":{"ofac-sdn":"` + fmt.Sprintf("%064x", 1) + `","own":"` + fmt.Sprintf("%064x", 2) + `"}`
		batch := func(tag string, n int, at time.Time) []screening.Recorded {
			recs := make([]screening.Recorded, n)
			for i := range recs {
				d := &screening.Decision{ID: fmt.Sprintf("dec_%s%04d", tag, i), Time: at.Add(time.Duration(i) * time.Millisecond), Kind: screening.KindAddress,
					Use: screening.UseDeposit, Actor: "token:a", Verdict: bulwark.VerdictClear}
				if i%10 == 3 {
					d.Subject = "cust-" + tag
				}
				if i == 7 {
					d.Verdict = bulwark.VerdictBlock
				}
				body := fmt.Sprintf(`{"decisionId":%q,"kind":"address",%s,"verdict":%q,"results":[{"i":"0x%040x"}]}`, d.ID, lists, d.Verdict, i)
				if i == 9 {
					body = fmt.Sprintf(`{"decisionId":%q}`, d.ID) // no list versions
				}
				recs[i] = screening.Recorded{Decision: d, Body: []byte(body)}
			}
			return recs
		}
		a, b := batch("a", 100, base), batch("b", 64, base.Add(time.Hour))
		for _, recs := range [][]screening.Recorded{a, b} {
			if err := screening.StoreDecisions(ctx, s, log, recs, false); err != nil {
				t.Fatal(err)
			}
		}
		// One on its own, between the batches in time.
		single := &screening.Decision{ID: "dec_single", Time: base.Add(30 * time.Minute), Kind: screening.KindAddress,
			Use: screening.UseDeposit, Subject: "cust-a", Actor: "token:a", Verdict: bulwark.VerdictBlock}
		if err := screening.StoreDecisions(ctx, s, log, []screening.Recorded{{Decision: single, Body: []byte(`{"n":1}`)}}, false); err != nil {
			t.Fatal(err)
		}
		for _, r := range append(append([]screening.Recorded{}, a...), b...) {
			d, err := s.Decision(ctx, r.Decision.ID)
			if err != nil {
				t.Fatalf("Decision(%s): %v", r.Decision.ID, err)
			}
			if string(d.Body) != string(r.Body) || d.Verdict != r.Decision.Verdict || d.Subject != r.Decision.Subject ||
				!d.Time.Equal(r.Decision.Time) || d.Actor != "token:a" || d.Use != screening.UseDeposit || d.Kind != screening.KindAddress {
				t.Fatalf("Decision(%s) = %+v %s; want %+v %s", r.Decision.ID, d.Decision, d.Body, r.Decision, r.Body)
			}
		}
		if d, err := s.Decision(ctx, "dec_a0001"); err != nil || d.AuditSeq != 1 {
			t.Errorf("Decision of the first batch: %+v, %v; want audit entry 1", d, err)
		}
		// Taken IDs: a batch holding one stored on its own, one on its own
		// holding one stored in a batch.
		again := batch("c", 40, base.Add(2*time.Hour))
		again[20] = screening.Recorded{Decision: single, Body: []byte(`{"n":1}`)}
		if err := screening.StoreDecisions(ctx, s, log, again, false); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Errorf("batch with a taken ID: %v, want ECONFLICT", err)
		}
		again = batch("c", 40, base.Add(2*time.Hour))
		again[20] = a[5]
		if err := screening.StoreDecisions(ctx, s, log, again, false); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Errorf("batch with an ID taken by a batch: %v, want ECONFLICT", err)
		}
		if _, err := s.Decision(ctx, "dec_c0001"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("decision of a refused batch: %v, want ENOTFOUND", err)
		}
		if err := s.SaveDecision(ctx, a[6].Decision, a[6].Body, 9); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Errorf("SaveDecision of an ID taken by a batch: %v, want ECONFLICT", err)
		}

		ids := func(ds []screening.StoredDecision) []string {
			var out []string
			for _, d := range ds {
				out = append(out, d.ID)
			}
			return out
		}
		ds, err := s.Decisions(ctx, screening.DecisionFilter{Limit: 3})
		if got := ids(ds); err != nil || fmt.Sprint(got) != "[dec_b0063 dec_b0062 dec_b0061]" {
			t.Errorf("Decisions(3) = %v, %v", got, err)
		}
		ds, err = s.Decisions(ctx, screening.DecisionFilter{Limit: 66})
		if got := ids(ds); err != nil || len(got) != 66 || got[63] != "dec_b0000" || got[64] != "dec_single" || got[65] != "dec_a0099" {
			t.Errorf("Decisions(66) = %v, %v", got, err)
		}
		for _, d := range ds {
			if d.Body != nil {
				t.Fatalf("Decisions returned the body of %s", d.ID)
			}
		}
		ds, err = s.Decisions(ctx, screening.DecisionFilter{Verdict: bulwark.VerdictBlock, Limit: 10})
		if got := ids(ds); err != nil || fmt.Sprint(got) != "[dec_b0007 dec_single dec_a0007]" {
			t.Errorf("Decisions(block) = %v, %v", got, err)
		}
		ds, err = s.Decisions(ctx, screening.DecisionFilter{Subject: "cust-a", Limit: 3})
		if got := ids(ds); err != nil || fmt.Sprint(got) != "[dec_single dec_a0093 dec_a0083]" {
			t.Errorf("Decisions(cust-a) = %v, %v", got, err)
		}
		ds, err = s.Decisions(ctx, screening.DecisionFilter{Subject: "cust-a", Verdict: bulwark.VerdictBlock, Limit: 5})
		if got := ids(ds); err != nil || fmt.Sprint(got) != "[dec_single]" {
			t.Errorf("Decisions(cust-a, block) = %v, %v", got, err)
		}
		if ds, err := s.Decisions(ctx, screening.DecisionFilter{Subject: "nobody", Limit: 5}); err != nil || len(ds) != 0 {
			t.Errorf("Decisions(nobody) = %v, %v", ids(ds), err)
		}

		if seq, ok, err := s.FirstDecisionSeqSince(ctx, base.Add(time.Minute)); err != nil || !ok || seq != 2 {
			t.Errorf("FirstDecisionSeqSince(after batch a) = %d, %v, %v; want 2", seq, ok, err)
		}
		if seq, ok, err := s.FirstDecisionSeqSince(ctx, base.Add(50*time.Millisecond)); err != nil || !ok || seq != 1 {
			t.Errorf("FirstDecisionSeqSince(inside batch a) = %d, %v, %v; want 1", seq, ok, err)
		}

		// An alert names a decision of batch a: it stays, its batch-mates go.
		if _, err := s.SaveScreenAlert(ctx, screening.Alert{WatchID: 1, Kind: "address", Verdict: bulwark.VerdictBlock,
			DecisionID: a[7].Decision.ID, Body: json.RawMessage(`{"x":1}`)}); err != nil {
			t.Fatal(err)
		}
		if n, _, err := s.PruneDecisions(ctx, 2); err != nil || n != 99 {
			t.Fatalf("PruneDecisions(2) = %d, %v; want 99", n, err)
		}
		if d, err := s.Decision(ctx, a[7].Decision.ID); err != nil || string(d.Body) != string(a[7].Body) {
			t.Errorf("decision an alert names, after the prune: %v", err)
		}
		for _, id := range []string{"dec_a0000", "dec_a0003", "dec_a0099"} {
			if _, err := s.Decision(ctx, id); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
				t.Errorf("pruned decision %s: %v", id, err)
			}
		}
		if ds, err := s.Decisions(ctx, screening.DecisionFilter{Subject: "cust-a", Limit: 5}); err != nil || fmt.Sprint(ids(ds)) != "[dec_single]" {
			t.Errorf("Decisions(cust-a) after the prune = %v, %v", ids(ds), err)
		}
		if n, _, err := s.PruneDecisions(ctx, 4); err != nil || n != 65 {
			t.Fatalf("PruneDecisions(4) = %d, %v; want 65 (batch b and the single)", n, err)
		}
		if ds, err := s.Decisions(ctx, screening.DecisionFilter{Limit: 10}); err != nil || fmt.Sprint(ids(ds)) != "[dec_a0007]" {
			t.Errorf("Decisions after both prunes = %v, %v", ids(ds), err)
		}
	})

	t.Run("Dispositions", func(t *testing.T) {
		s := open(t)
		d1, err := s.AddDisposition(ctx, screening.Disposition{Kind: "name", Subject: "cand-8", SubjectKey: "kim il", EntityID: "a:1", EntityDigest: "d1",
			Disposition: screening.FalsePositive, Note: "different person", By: "token:a"})
		if err != nil || d1.ID == 0 || d1.At.IsZero() {
			t.Fatalf("AddDisposition = %+v, %v", d1, err)
		}
		if _, err := s.AddDisposition(ctx, screening.Disposition{Kind: "name", SubjectKey: "kim il", EntityID: "a:1", EntityDigest: "d1",
			Disposition: screening.TruePositive, By: "token:b"}); err != nil {
			t.Fatal(err)
		}
		all, err := s.Dispositions(ctx)
		if err != nil || len(all) != 2 || all[0].Note != "different person" || all[0].Subject != "cand-8" || all[1].Subject != "" || all[1].Disposition != screening.TruePositive {
			t.Fatalf("Dispositions = %+v, %v", all, err)
		}
	})

	t.Run("WatchesAndAlerts", func(t *testing.T) {
		s := open(t)
		w := screening.Watch{Kind: "address", Use: screening.UseWithdrawal, Key: "evm:00", Address: "0x00", Subject: "wd-1", AddedBy: "token:a"}
		w1, err := s.AddScreenWatch(ctx, w)
		if err != nil || w1.ID == 0 || w1.AddedAt.IsZero() {
			t.Fatalf("AddScreenWatch = %+v, %v", w1, err)
		}
		if _, err := s.AddScreenWatch(ctx, w); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Errorf("duplicate watch = %v", err)
		}
		w.Use = screening.UseDeposit
		if _, err := s.AddScreenWatch(ctx, w); err != nil {
			t.Errorf("same key, other use: %v", err)
		}
		ws, err := s.ScreenWatches(ctx)
		if err != nil || len(ws) != 2 || ws[0].Subject != "wd-1" {
			t.Fatalf("ScreenWatches = %+v, %v", ws, err)
		}
		if got, err := s.RemoveScreenWatch(ctx, w1.ID); err != nil || got.Key != "evm:00" {
			t.Fatalf("RemoveScreenWatch = %+v, %v", got, err)
		}
		if _, err := s.RemoveScreenWatch(ctx, w1.ID); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("RemoveScreenWatch(again) = %v", err)
		}
		for i := range 3 {
			a, err := s.SaveScreenAlert(ctx, screening.Alert{WatchID: int64(i + 1), Kind: "address", Verdict: bulwark.VerdictBlock,
				DecisionID: fmt.Sprint("dec_", i), Body: json.RawMessage(`{"x":1}`)})
			if err != nil || a.ID != int64(i+1) {
				t.Fatalf("SaveScreenAlert = %+v, %v", a, err)
			}
		}
		as, err := s.ScreenAlerts(ctx, 1, 10)
		if err != nil || len(as) != 2 || as[0].ID != 2 || string(as[0].Body) != `{"x":1}` {
			t.Fatalf("ScreenAlerts = %+v, %v", as, err)
		}
		if _, err := s.ScreenAlerts(ctx, 0, 0); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("ScreenAlerts(limit 0) = %v", err)
		}

		// One alert per key: the same list change re-screened by a second
		// process is refused; alerts without a key are never refused.
		keyed := screening.Alert{WatchID: 9, Kind: "name", Verdict: bulwark.VerdictReview, DecisionID: "dec_k", Body: json.RawMessage(`{}`), Key: "k1"}
		k1, err := s.SaveScreenAlert(ctx, keyed)
		if err != nil || k1.ID != 4 || k1.Key != "k1" {
			t.Fatalf("SaveScreenAlert(keyed) = %+v, %v", k1, err)
		}
		if _, err := s.SaveScreenAlert(ctx, keyed); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Errorf("SaveScreenAlert(same key) = %v, want ECONFLICT", err)
		}
		keyed.Key = "k2"
		if a, err := s.SaveScreenAlert(ctx, keyed); err != nil || a.ID != 5 {
			t.Errorf("SaveScreenAlert(other key) = %+v, %v", a, err)
		}

		// Delivery state: empty when stored, then as recorded.
		as, err = s.ScreenAlerts(ctx, 3, 1)
		if err != nil || len(as) != 1 || as[0].ID != 4 || as[0].Key != "k1" || as[0].Delivery != (screening.AlertDelivery{}) {
			t.Fatalf("ScreenAlerts(after 3) = %+v, %v", as, err)
		}
		// Each alert has its outbox message, the same one whatever the key;
		// the refused one has none.
		if ms, err := s.Undelivered(ctx, outbox.Filter{Kinds: []string{screening.AlertKind}, Limit: 100}); err != nil || len(ms) != 5 {
			t.Fatalf("outbox = %+v, %v, want 5 messages", ms, err)
		}
		m := messageOf(t, s, screening.AlertKind, 2)
		at := time.Date(2026, 11, 2, 3, 4, 5, 6, time.UTC)
		steps := []struct {
			do   func() error
			want screening.AlertDelivery
		}{
			{func() error { return s.RecordFailure(ctx, m.ID, 2, at, "POST https://hooks.example.com/…: HTTP 503") },
				screening.AlertDelivery{Attempts: 2, LastError: "POST https://hooks.example.com/…: HTTP 503"}},
			{func() error { _, err := s.MarkDelivered(ctx, m.ID, 3, at); return err },
				screening.AlertDelivery{DeliveredAt: &at, Attempts: 3}},
		}
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatal(err)
			}
			d := st.want
			as, err := s.ScreenAlerts(ctx, 1, 1)
			if err != nil || len(as) != 1 || as[0].ID != 2 {
				t.Fatalf("ScreenAlerts = %+v, %v", as, err)
			}
			g := as[0].Delivery
			if g.Attempts != d.Attempts || g.LastError != d.LastError || (g.DeliveredAt == nil) != (d.DeliveredAt == nil) ||
				(g.DeliveredAt != nil && !g.DeliveredAt.Equal(*d.DeliveredAt)) {
				t.Errorf("delivery %+v, want %+v", g, d)
			}
			if string(as[0].Body) != `{"x":1}` || as[0].DecisionID != "dec_1" {
				t.Errorf("recording the delivery changed the alert: %+v", as[0])
			}
		}
		if as, err := s.ScreenAlerts(ctx, 2, 1); err != nil || len(as) != 1 || as[0].Delivery != (screening.AlertDelivery{}) {
			t.Errorf("another alert's delivery changed: %+v, %v", as, err)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
