package sqlite

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/screening"
)

// TestSaveDecisionsBatch: a batch of over twice batchMin decisions is
// stored whole, each decision readable with its audit entry; a batch with
// one taken ID well inside it is refused naming that ID, and none of it is
// stored.
func TestSaveDecisionsBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log := &audit.Log{Store: db}
	first := journalRecs("a", 2*batchMin+5)
	if err := screening.StoreDecisions(ctx, db, log, first, false); err != nil {
		t.Fatal(err)
	}
	for _, r := range first {
		d, err := db.Decision(ctx, r.Decision.ID)
		if err != nil || d.Subject != r.Decision.Subject || d.AuditSeq != 1 {
			t.Fatalf("decision %s: %+v, %v", r.Decision.ID, d, err)
		}
	}

	second := journalRecs("b", 2*batchMin+5)
	taken := first[3].Decision.ID
	second[batchMin+7] = first[3]
	err = screening.StoreDecisions(ctx, db, log, second, false)
	if bulwark.ErrorCode(err) != bulwark.ECONFLICT || !strings.Contains(err.Error(), taken) {
		t.Fatalf("batch with %s taken: %v, want a conflict naming it", taken, err)
	}
	for _, r := range second {
		if r.Decision.ID == taken {
			continue
		}
		if _, err := db.Decision(ctx, r.Decision.ID); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Fatalf("decision %s of the refused batch: %v, want not stored", r.Decision.ID, err)
		}
	}
	rep, err := audit.Verify(ctx, db, nil)
	if err != nil || !rep.Intact() || rep.Entries != 1 {
		t.Fatalf("audit verify: %+v, %v; want intact with 1 entry", rep, err)
	}
}

// TestDecisionBatchRoundTrip: a batch row's data decodes to the decisions
// encoded, bodies byte for byte (list versions objects cut out and put
// back, bodies without one and compressed ones as they were).
func TestDecisionBatchRoundTrip(t *testing.T) {
	t.Parallel()
	recs := journalRecs("a", 9)
	recs[1].Body = []byte(`{"packed":1,"decisionId":"dec_a1","lists":{"a":"1","b":"2"},"algorithm":"addr/1","policy":"p1","results":[]}`)
	recs[2].Body = []byte(`{"packed":1,"decisionId":"dec_a2","lists":{"a":"1","b":"2"},"algorithm":"addr/1","policy":"p1","plain":"clear","results":[{"i":"x"}]}`)
	recs[3].Body = []byte{0x1f, 0x8b, 0, 1, 2, '{', '"', 'l'}
	recs[4].Body = []byte(`{"lists":{}}`)
	recs[4].Decision.Verdict = bulwark.VerdictBlock
	// Stale lists after the policy: shared too; a stale member cut short
	// or with an escape stays in its body.
	recs[5].Body = []byte(`{"packed":1,"decisionId":"dec_a5","lists":{"a":"1","b":"2"},"algorithm":"addr/1","policy":"p1","stale":[{"id":"a","ageSeconds":90}],"results":[]}`)
	recs[6].Body = []byte(`{"packed":1,"decisionId":"dec_a6","lists":{"a":"1","b":"2"},"algorithm":"addr/1","policy":"p1","stale":[{"id":"a","ageSeconds":90}],"plain":"clear","results":[{"i":"y"}]}`)
	recs[7].Body = []byte(`{"packed":1,"decisionId":"dec_a7","lists":{"a":"1","b":"2"},"algorithm":"addr/1","policy":"p1","stale":[{"id":"a\"]","ageSeconds":1}],"results":[]}`)
	recs[8].Body = []byte(`{"packed":1,"decisionId":"dec_a8","lists":{"a":"1","b":"2"},"algorithm":"addr/1","policy":"p1","stale":[{"id":"a"`)
	data, first, last, verdicts, err := encodeDecisionBatch(recs)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Equal(recs[0].Decision.Time) || !last.Equal(recs[8].Decision.Time) || verdicts != " block clear " {
		t.Errorf("bounds %v %v, verdicts %q", first, last, verdicts)
	}
	if n := strings.Count(string(data), `{"a":"1","b":"2"},"algorithm":"addr/1","policy":"p1"`); n != 2 {
		t.Errorf("the list versions object, algorithm and policy are written %d times, want twice (with the stale lists and without)", n)
	}
	if n := strings.Count(string(data), `"stale":[{"id":"a","ageSeconds":90}]`); n != 1 {
		t.Errorf("the stale lists shared by two decisions are written %d times, want once", n)
	}
	ds, err := decodeDecisionBatch(data, 7, true)
	if err != nil || len(ds) != len(recs) {
		t.Fatalf("decode: %d decisions, %v", len(ds), err)
	}
	for i, d := range ds {
		w := recs[i].Decision
		if string(d.raw) != string(recs[i].Body) || d.ID != w.ID || !d.Time.Equal(w.Time) || d.Kind != w.Kind || d.Use != w.Use ||
			d.Subject != w.Subject || d.Actor != w.Actor || d.Verdict != w.Verdict || d.AuditSeq != 7 {
			t.Errorf("decision %d = %+v %q, want %+v %q", i, d.StoredDecision, d.raw, w, recs[i].Body)
		}
	}
	for cut := range len(data) {
		if _, err := decodeDecisionBatch(data[:cut], 7, true); err == nil {
			t.Fatalf("data cut to %d of %d bytes decodes", cut, len(data))
		}
	}
}

// FuzzDecisionBatch: no data makes the batch decoder panic, and what it
// decodes encodes back to data that decodes the same.
func FuzzDecisionBatch(f *testing.F) {
	recs := journalRecs("f", 3)
	recs[1].Body = []byte(`{"decisionId":"dec_f1","lists":{"a":"1"},"results":[]}`)
	data, _, _, _, err := encodeDecisionBatch(recs)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte{batchVersion, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := decodeDecisionBatch(data, 1, true)
		if err != nil || len(ds) == 0 {
			return
		}
		recs := make([]screening.Recorded, len(ds))
		for i := range ds {
			d := ds[i].Decision
			recs[i] = screening.Recorded{Decision: &d, Body: ds[i].raw}
		}
		again, _, _, _, err := encodeDecisionBatch(recs)
		if err != nil {
			return // an empty ID, kind or verdict, or too many verdicts: not encodable
		}
		back, err := decodeDecisionBatch(again, 1, true)
		if err != nil || len(back) != len(ds) {
			t.Fatalf("re-encoded batch: %d decisions, %v", len(back), err)
		}
		for i := range back {
			if back[i].ID != ds[i].ID || string(back[i].raw) != string(ds[i].raw) || !back[i].Time.Equal(ds[i].Time) ||
				back[i].Verdict != ds[i].Verdict || back[i].Subject != ds[i].Subject || back[i].Actor != ds[i].Actor {
				t.Fatalf("decision %d changed: %+v %q, then %+v %q", i, ds[i].StoredDecision, ds[i].raw, back[i].StoredDecision, back[i].raw)
			}
		}
	})
}

// TestPruneDecisionBatches: pruning a batch removes its row and its
// decisions' subject rows.
func TestPruneDecisionBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tag := range []string{"a", "b"} {
		if err := screening.StoreDecisions(ctx, db, &audit.Log{Store: db}, journalRecs(tag, batchMin+3), false); err != nil {
			t.Fatal(err)
		}
	}
	count := func(table string) (n int) {
		if err := db.w.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n, _, err := db.PruneDecisions(ctx, 2); err != nil || n != batchMin+3 {
		t.Fatalf("PruneDecisions(2) = %d, %v", n, err)
	}
	// Found by their time: no ID rows.
	for table, want := range map[string]int{"screen_decision_batches": 1, "screen_decision_ids": 0, "screen_decision_subjects": batchMin + 3} {
		if n := count(table); n != want {
			t.Errorf("%s: %d rows after pruning the first batch, want %d", table, n, want)
		}
	}
	if ds, err := db.Decisions(ctx, screening.DecisionFilter{Subject: "cust-b", Limit: 100}); err != nil || len(ds) != batchMin+3 {
		t.Errorf("Decisions(cust-b) = %d, %v", len(ds), err)
	}
}

// TestDecisionsSameTimeOrder: single-row decisions recorded at exactly
// the same time are listed by ID (descending) after time, so that the cut
// at the limit is the same whatever order they were stored in and
// whatever plan the query takes, with and without a subject or verdict.
func TestDecisionsSameTimeOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs := journalRecs("t", 4)
	for i, id := range []string{"dec_b", "dec_d", "dec_a", "dec_c"} {
		recs[i].Decision.ID = id
		recs[i].Decision.Time = recs[0].Decision.Time
	}
	// Fewer than batchMin: stored as rows of their own.
	if err := screening.StoreDecisions(ctx, db, &audit.Log{Store: db}, recs, false); err != nil {
		t.Fatal(err)
	}
	// The order must not hang on the plan: without the index on time
	// the rows are sorted, not read from the index in (time, id) order.
	if _, err := db.w.ExecContext(ctx, `DROP INDEX screen_decisions_time`); err != nil {
		t.Fatal(err)
	}
	for _, f := range []screening.DecisionFilter{{}, {Subject: "cust-t"}, {Verdict: bulwark.VerdictClear}, {Subject: "cust-t", Verdict: bulwark.VerdictClear}} {
		for limit, want := range map[int]string{1: "dec_d", 2: "dec_d dec_c", 3: "dec_d dec_c dec_b", 4: "dec_d dec_c dec_b dec_a"} {
			f.Limit = limit
			ds, err := db.Decisions(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, d := range ds {
				ids = append(ids, d.ID)
			}
			if got := strings.Join(ids, " "); got != want {
				t.Errorf("Decisions(%+v) = %s, want %s", f, got, want)
			}
		}
	}
}

// TestDecisionBatchedPrunedBetweenReads: a batched decision read while a
// prune deletes its batch, between the read of its batch id and the read
// of the batch, is the decision as it was stored (one snapshot), not an
// integrity error saying the store lacks the batch.
func TestDecisionBatchedPrunedBetweenReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs := journalRecs("p", batchMin+3)
	for i := range recs {
		// IDs that do not tell the decisions' time: the batch lists them
		// in screen_decision_ids, read before the batch.
		recs[i].Decision.ID = fmt.Sprintf("dec_p%d", i)
	}
	if err := screening.StoreDecisions(ctx, db, &audit.Log{Store: db}, recs, false); err != nil {
		t.Fatal(err)
	}
	pruned := false
	db.afterBatchID = func() {
		if pruned {
			return
		}
		pruned = true
		if n, _, err := db.PruneDecisions(ctx, 2); err != nil || n != int64(len(recs)) {
			t.Errorf("PruneDecisions(2) = %d, %v; want %d", n, err, len(recs))
		}
	}
	id := recs[5].Decision.ID
	d, err := db.Decision(ctx, id)
	if !pruned {
		t.Fatal("the prune did not run between the reads")
	}
	if err != nil || d.ID != id {
		t.Fatalf("Decision(%s) with a prune between its reads = %+v, %v; want the decision", id, d, err)
	}
	if _, err := db.Decision(ctx, id); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
		t.Fatalf("Decision(%s) after the prune: %v, want not found", id, err)
	}
}

// TestDecisionBatchFoundByTime: a batch's decisions whose IDs hold their
// time have no ID rows and are read back by their time; a decision whose
// ID does not, and every decision of a batch spanning more than
// batchSpanMax, is listed in screen_decision_ids; either way each reads
// back, by ID and by subject, a decision given twice (in one batch, in
// two, or once batched and once on its own) is refused, and the audit
// chain verifies.
func TestDecisionBatchFoundByTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(recs []screening.Recorded)
		listed int
	}{
		{"by time", func([]screening.Recorded) {}, 0},
		{"two without time", func(recs []screening.Recorded) {
			recs[3].Decision.ID = "dec_other-3"
			recs[7].Decision.ID = strings.Replace(recs[7].Decision.ID, "dec_0", "dec_1", 1) // another millisecond
		}, 2},
		{"long span", func(recs []screening.Recorded) {
			d := recs[len(recs)-1].Decision
			d.Time = d.Time.Add(batchSpanMax + time.Second)
			d.ID = testDecisionID(d.Time, "late", 0)
		}, batchMin + 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			log := &audit.Log{Store: db}
			recs := journalRecs("a", batchMin+2)
			tc.change(recs)
			if err := screening.StoreDecisions(ctx, db, log, recs, false); err != nil {
				t.Fatal(err)
			}
			var batches, listed int
			if err := db.w.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM screen_decision_batches), (SELECT count(*) FROM screen_decision_ids)`).Scan(&batches, &listed); err != nil {
				t.Fatal(err)
			}
			if batches != 1 || listed != tc.listed {
				t.Errorf("%d batch rows and %d ID rows, want 1 and %d", batches, listed, tc.listed)
			}
			for _, r := range recs {
				d, err := db.Decision(ctx, r.Decision.ID)
				if err != nil || d.ID != r.Decision.ID || !d.Time.Equal(r.Decision.Time) || string(d.Body) != string(r.Body) {
					t.Fatalf("Decision(%s) = %+v, %v", r.Decision.ID, d, err)
				}
			}
			if ds, err := db.Decisions(ctx, screening.DecisionFilter{Subject: "cust-a", Limit: 100}); err != nil || len(ds) != len(recs) {
				t.Errorf("Decisions(cust-a) = %d, %v; want %d", len(ds), err, len(recs))
			}
			for _, id := range []string{testDecisionID(recs[0].Decision.Time, "none", 0), "dec_none"} {
				if _, err := db.Decision(ctx, id); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
					t.Errorf("Decision(%s) = %v, want not found", id, err)
				}
			}

			again := journalRecs("b", batchMin+2)
			again[5] = recs[9]
			twice := journalRecs("c", batchMin+2)
			twice[4] = twice[11]
			for _, forget := range []bool{false, true} {
				if forget {
					// The batch is read back, not found among the
					// batches this process wrote last.
					db.lastBatches = recentBatches{}
				}
				for name, batch := range map[string][]screening.Recorded{"stored before": again, "twice in the batch": twice} {
					err := screening.StoreDecisions(ctx, db, log, batch, false)
					if bulwark.ErrorCode(err) != bulwark.ECONFLICT {
						t.Errorf("a batch with a decision %s (forgotten %v): %v, want a conflict", name, forget, err)
					}
				}
			}
			if err := db.SaveDecision(ctx, recs[9].Decision, recs[9].Body, 7); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
				t.Errorf("SaveDecision of a batched decision: %v, want a conflict", err)
			}
			rep, err := audit.Verify(ctx, db, nil)
			if err != nil || !rep.Intact() || rep.Entries != 1 {
				t.Fatalf("audit verify: %+v, %v; want intact with 1 entry", rep, err)
			}
		})
	}
}

// TestDecisionBatchCutsHeads: the opening of a body the screening service
// encoded (the decision's own members, which the batch holds) is cut out
// and written back byte for byte, for address and name decisions, with and
// without subject and actor; a body whose opening would need escaping, or
// does not read as its decision's, is kept whole; a batch of format 1
// (without heads) still decodes.
func TestDecisionBatchCutsHeads(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 13, 40, 1, 123456789, time.UTC)
	lists := map[string]string{"ofac-sdn": strings.Repeat("ab", 32), "fbi-dprk": strings.Repeat("cd", 32)}
	var recs []screening.Recorded
	add := func(d screening.Decision, name bool) {
		d.Time = at.Add(time.Duration(len(recs)) * time.Millisecond)
		d.ID = testDecisionID(d.Time, "h", len(recs))
		d.Lists, d.Algorithm, d.Policy = lists, "addr/1", "p1"
		var v any = &screening.AddressDecision{Decision: d, Results: []screening.AddressResult{}}
		if name {
			v = &screening.NameDecision{Decision: d, Query: "Kim Il"}
		}
		body, err := screening.EncodeDecision(v)
		if err != nil {
			t.Fatal(err)
		}
		dd := d
		recs = append(recs, screening.Recorded{Decision: &dd, Body: body})
	}
	base := screening.Decision{Kind: screening.KindAddress, Use: screening.UseDeposit, Verdict: bulwark.VerdictClear}
	add(base, false)
	withBoth := base
	withBoth.Subject, withBoth.Actor = "cust-1", "token:ab12"
	add(withBoth, false)
	name := withBoth
	name.Kind, name.Use = screening.KindName, screening.UseOnboarding
	add(name, true)
	escaped := withBoth
	escaped.Subject = `cust "2" <b>`
	add(escaped, false)
	recs = append(recs, journalRecs("h", 1)...) // a body not of its decision
	data, _, _, _, err := encodeDecisionBatch(recs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		opening := []byte(`"decisionId":"` + r.Decision.ID + `"`)
		if kept, want := bytes.Contains(data, opening), i >= 3; kept != want {
			t.Errorf("decision %d: its opening is in the batch: %v, want %v", i, kept, want)
		}
	}
	ds, err := decodeDecisionBatch(data, 3, true)
	if err != nil || len(ds) != len(recs) {
		t.Fatalf("decode: %d decisions, %v", len(ds), err)
	}
	for i, d := range ds {
		if !bytes.Equal(d.raw, recs[i].Body) {
			t.Errorf("decision %d reads back as %s, want %s", i, d.raw, recs[i].Body)
		}
	}

	v1 := batchFormat1(recs[:2])
	ds, err = decodeDecisionBatch(v1, 3, true)
	if err != nil || len(ds) != 2 {
		t.Fatalf("format 1: %d decisions, %v", len(ds), err)
	}
	var ids []string
	if err := walkBatchIDs(v1, func(id []byte) bool { ids = append(ids, string(id)); return true }); err != nil || len(ids) != 2 {
		t.Fatalf("format 1 IDs: %v, %v", ids, err)
	}
	for i, d := range ds {
		if !bytes.Equal(d.raw, recs[i].Body) || d.ID != recs[i].Decision.ID || ids[i] != d.ID {
			t.Errorf("format 1 decision %d reads back as %s %s, want %s", i, d.ID, d.raw, recs[i].Body)
		}
	}
}

// batchFormat1 encodes recs as a batch of format 1 did, bodies whole.
func batchFormat1(recs []screening.Recorded) []byte {
	var table []string
	idx := func(s string) uint64 {
		for i, x := range table {
			if x == s {
				return uint64(i)
			}
		}
		table = append(table, s)
		return uint64(len(table) - 1)
	}
	var body []byte
	for _, r := range recs {
		d := r.Decision
		body = appendBatchString(body, d.ID)
		body = binary.AppendVarint(body, d.Time.UnixNano())
		for _, s := range []string{d.Kind, string(d.Use), d.Actor, string(d.Verdict)} {
			body = binary.AppendUvarint(body, idx(s))
		}
		body = appendBatchString(body, d.Subject)
		body = binary.AppendUvarint(body, 0)
		body = binary.AppendUvarint(body, 0)
		body = appendBatchString(body, r.Body)
	}
	data := []byte{1}
	data = binary.AppendUvarint(data, uint64(len(table)))
	for _, s := range table {
		data = appendBatchString(data, s)
	}
	data = binary.AppendUvarint(data, uint64(len(recs)))
	return append(data, body...)
}
