package screening_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

func openService(t *testing.T, db *sqlite.DB, async bool) *screening.Service {
	t.Helper()
	svc, err := screening.OpenService(context.Background(), screening.ServiceConfig{
		Screener: screening.Config{},
		Store:    db,
		Audit:    &audit.Log{Store: db},
		Defaults: func() ([]*screening.List, error) { return fixture(), nil },
		Recorder: screening.RecorderOptions{Async: async},
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func openDB(t *testing.T) *sqlite.DB {
	t.Helper()
	return sqlitetest.Open(t, sqlite.Options{})
}

// TestServiceRecordsEveryDecision screens concurrently through the async
// recorder and checks that, once closed, every decision is stored with an
// intact audit entry naming it.
func TestServiceRecordsEveryDecision(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	svc := openService(t, db, true)
	var mu sync.Mutex
	ids := map[string]bulwark.Verdict{}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				var d *screening.Decision
				if i%2 == 0 {
					ad, err := svc.ScreenAddresses(ctx, "token:t", screening.UseDeposit, "c", []screening.AddressQuery{{Address: lazarusETH}})
					if err != nil {
						t.Error(err)
						return
					}
					d = &ad.Decision
				} else {
					nd, err := svc.ScreenName(ctx, "token:t", screening.UseOnboarding, "c", screening.NameQuery{Name: "Kim Jong Un"})
					if err != nil {
						t.Error(err)
						return
					}
					d = &nd.Decision
				}
				mu.Lock()
				ids[d.ID] = d.Verdict
				mu.Unlock()
			}
			_ = g
		}()
	}
	wg.Wait()
	if err := svc.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if st := svc.RecorderStats(); st.Recorded != 400 || st.Failed != 0 {
		t.Errorf("recorder stats %+v", st)
	}
	entries, err := db.AuditEntries(ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	bySeq := map[int64]*audit.Entry{}
	for _, e := range entries {
		bySeq[e.Seq] = e
	}
	for id, v := range ids {
		d, err := db.Decision(ctx, id)
		if err != nil || d.Verdict != v || d.AuditSeq == 0 {
			t.Fatalf("decision %s: %+v, %v", id, d, err)
		}
		var body map[string]any
		if err := json.Unmarshal(d.Body, &body); err != nil || body["decisionId"] != id {
			t.Fatalf("decision %s body: %s", id, d.Body)
		}
		// The audit entry the decision names covers it: its ID and the
		// SHA-256 of its stored body, or (a batch of DigestMin or more)
		// the digest of such lines, which Verify below recomputes.
		e := bySeq[d.AuditSeq]
		sum := sha256.Sum256(d.Body)
		if e == nil || e.Action != "screen.decisions" || (!strings.Contains(string(e.Details), `"id":"`+id+`"`) ||
			!strings.Contains(string(e.Details), hex.EncodeToString(sum[:]))) && !strings.Contains(string(e.Details), `"decisionsSha256":`) {
			t.Fatalf("decision %s: audit entry %d does not cover it: %+v", id, d.AuditSeq, e)
		}
	}
	rep, err := audit.Verify(ctx, db, nil)
	if err != nil || !rep.Intact() {
		t.Fatalf("audit chain: %+v, %v", rep, err)
	}
	// One entry for the import of the defaults, one per batch of
	// decisions.
	st := svc.RecorderStats()
	if rep.Entries != 1+st.Batches || st.Batches < 1 || st.Batches > 400 {
		t.Errorf("%d audit entries for %d batches", rep.Entries, st.Batches)
	}
	if _, err := svc.ScreenName(ctx, "x", screening.UseOnboarding, "", screening.NameQuery{Name: "Kim"}); bulwark.ErrorCode(err) != bulwark.EUNAVAILABLE {
		t.Errorf("screening after Close: %v", err)
	}
}

func TestServiceImportSwapsAndAlerts(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	svc := openService(t, db, false)
	defer svc.Close(ctx)
	newAddr := "0x00000000000000000000000000000000000000aa"
	w, err := svc.AddWatch(ctx, "token:t", screening.Watch{Kind: screening.KindAddress, Address: newAddr, Subject: "withdrawal-7"})
	if err != nil || w.Use != screening.UseWithdrawal || w.Key == "" {
		t.Fatalf("AddWatch = %+v, %v", w, err)
	}
	if _, err := svc.AddWatch(ctx, "token:t", screening.Watch{Kind: screening.KindAddress, Address: "0X00000000000000000000000000000000000000AA", Subject: "dup"}); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
		t.Errorf("the same address written differently: %v, want ECONFLICT", err)
	}
	if _, err := svc.AddWatch(ctx, "token:t", screening.Watch{Kind: screening.KindAddress, Address: "0x12"}); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("invalid watch address: %v", err)
	}
	// Re-importing the same versions changes nothing and leaves no entry.
	rep, err := svc.Import(ctx, "cli", "test", fixture())
	if err != nil || len(rep.Changed) != 0 || len(rep.Unchanged) != 3 || rep.AuditSeq != 0 {
		t.Fatalf("identical import = %+v, %v", rep, err)
	}
	ls := fixture()
	ls[0].Entities = append(ls[0].Entities, screening.Entity{ID: "ofac-sdn:99999", List: "ofac-sdn", Category: screening.CategorySanctions,
		Confidence: screening.ConfidenceHigh, Name: "NEW FRONT LLC", Addresses: []screening.ListedAddress{{Currency: "ETH", Address: newAddr}}})
	ls[0].Info.SHA256, ls[0].Info.Entities = "a2", 3
	rep, err = svc.Import(ctx, "cli", "test", ls[:1])
	if err != nil || len(rep.Changed) != 1 || len(rep.Alerts) != 1 || rep.Alerts[0].WatchID != w.ID || rep.Alerts[0].Verdict != bulwark.VerdictBlock {
		t.Fatalf("import = %+v, %v", rep, err)
	}
	if d, err := svc.ScreenAddresses(ctx, "x", screening.UseDeposit, "", []screening.AddressQuery{{Address: newAddr}}); err != nil || d.Verdict != bulwark.VerdictBlock || d.Lists["ofac-sdn"] != "a2" {
		t.Errorf("after the import: %+v, %v", d, err)
	}
	alerts, err := db.ScreenAlerts(ctx, 0, 10)
	if err != nil || len(alerts) != 1 || alerts[0].Subject != "withdrawal-7" {
		t.Fatalf("stored alerts = %+v, %v", alerts, err)
	}
	if d, err := db.Decision(ctx, alerts[0].DecisionID); err != nil || d.Actor != "system" {
		t.Errorf("the alert's decision: %+v, %v", d, err)
	}

	// Another process (the CLI) imports: Reload picks it up by generation.
	other := openService(t, db, false)
	ls[0].Entities = ls[0].Entities[:2]
	ls[0].Info.SHA256, ls[0].Info.Entities = "a3", 2
	// (A delisting of a third of a tiny official list: forced.)
	if _, err := other.ImportWith(ctx, "cli", "test", ls[:1], screening.ImportOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	changed, _, err := svc.Reload(ctx)
	if err != nil || !changed {
		t.Fatalf("Reload = %v, %v", changed, err)
	}
	if d, _ := svc.ScreenAddresses(ctx, "x", screening.UseDeposit, "", []screening.AddressQuery{{Address: newAddr}}); d.Verdict != bulwark.VerdictClear {
		t.Errorf("after reload the delisted address is %s", d.Verdict)
	}
	if changed, _, _ := svc.Reload(ctx); changed {
		t.Error("a second Reload changed again")
	}
	if _, err := svc.RemoveList(ctx, "cli", "tagpack:binance"); err != nil {
		t.Fatal(err)
	}
	if d, _ := svc.ScreenAddresses(ctx, "x", screening.UseDeposit, "", []screening.AddressQuery{{Address: labelETH}}); len(d.Results[0].Matches) != 0 {
		t.Errorf("a removed list still matches")
	}
}

// TestServiceReloadRaisesOnce: a list change imported by another process
// (the CLI) raises its alerts there; the server that reloads the change
// re-screens the same entries and must not store the alerts a second time
// (nor their decisions and audit entries), or a webhook would hear twice.
func TestServiceReloadRaisesOnce(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	server := openService(t, db, false)
	defer server.Close(ctx)
	newAddr := "0x00000000000000000000000000000000000000ab"
	w, err := server.AddWatch(ctx, "token:t", screening.Watch{Kind: screening.KindAddress, Address: newAddr, Subject: "withdrawal-9"})
	if err != nil {
		t.Fatal(err)
	}
	nw, err := server.AddWatch(ctx, "token:t", screening.Watch{Kind: screening.KindName, Name: "Ingrid Solveig Grimsdottir", Subject: "customer-42"})
	if err != nil {
		t.Fatal(err)
	}
	cli := openService(t, db, false)
	ls := fixture()
	ls[0].Entities = append(ls[0].Entities,
		screening.Entity{ID: "ofac-sdn:99998", List: "ofac-sdn", Category: screening.CategorySanctions, Confidence: screening.ConfidenceHigh,
			Name: "NEW FRONT LLC", Addresses: []screening.ListedAddress{{Currency: "ETH", Address: newAddr}}},
		screening.Entity{ID: "ofac-sdn:99999", List: "ofac-sdn", Type: screening.TypePerson, Category: screening.CategorySanctions,
			Confidence: screening.ConfidenceHigh, Name: "GRIMSDOTTIR, Ingrid Solveig"})
	ls[0].Info.SHA256 = "a9"
	rep, err := cli.Import(ctx, "cli", "test", ls[:1])
	if err != nil || len(rep.Alerts) != 2 || rep.Alerts[0].WatchID != w.ID || rep.Alerts[1].WatchID != nw.ID || rep.Alerts[0].Key == "" {
		t.Fatalf("import: %v, %d alerts, want one for each watch with a key", err, len(rep.Alerts))
	}
	changed, alerts, err := server.Reload(ctx)
	if err != nil || !changed || len(alerts) != 0 {
		t.Fatalf("Reload = %v, %d alerts, %v; want the change and no new alert", changed, len(alerts), err)
	}
	stored, err := db.ScreenAlerts(ctx, 0, 10)
	if err != nil || len(stored) != 2 || stored[0].ID != rep.Alerts[0].ID || stored[1].ID != rep.Alerts[1].ID {
		t.Fatalf("%d stored alerts, %v; want the CLI's two", len(stored), err)
	}
	entries, err := db.AuditEntries(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Action == "screen.alert" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d screen.alert audit entries, want 2", n)
	}
	if rep, err := audit.Verify(ctx, db, nil); err != nil || !rep.Intact() {
		t.Errorf("audit chain: %+v, %v", rep, err)
	}
	// A later change of the same entity is a new listing: alerted again.
	ls[0].Entities[len(ls[0].Entities)-1].Programs = []string{"SDGT"}
	ls[0].Info.SHA256 = "a10"
	rep, err = cli.Import(ctx, "cli", "test", ls[:1])
	if err != nil || len(rep.Alerts) != 1 || rep.Alerts[0].WatchID != nw.ID {
		t.Fatalf("import of the changed listing: %v, %d alerts, want one for watch %d", err, len(rep.Alerts), nw.ID)
	}
}

func TestServiceDispose(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	svc := openService(t, db, false)
	defer svc.Close(ctx)
	d, _ := svc.ScreenAddresses(ctx, "x", screening.UseDeposit, "", []screening.AddressQuery{{Address: seizedTRON}})
	if d.Verdict != bulwark.VerdictReview {
		t.Fatalf("verdict %s", d.Verdict)
	}
	disp, err := svc.Dispose(ctx, "token:analyst", screening.Disposition{Kind: screening.KindAddress, EntityID: d.Results[0].Matches[0].EntityID,
		Disposition: screening.FalsePositive, Note: "our own cold wallet", DecisionID: d.ID}, seizedTRON, "", "")
	if err != nil || disp.ID == 0 || disp.By != "token:analyst" {
		t.Fatalf("Dispose = %+v, %v", disp, err)
	}
	if d, _ := svc.ScreenAddresses(ctx, "x", screening.UseDeposit, "", []screening.AddressQuery{{Address: seizedTRON}}); d.Verdict != bulwark.VerdictClear {
		t.Errorf("after the disposition: %s", d.Verdict)
	}
	// A new service (a restart) loads the dispositions from the store.
	again := openService(t, db, false)
	if d, _ := again.ScreenAddresses(ctx, "x", screening.UseDeposit, "", []screening.AddressQuery{{Address: seizedTRON}}); d.Verdict != bulwark.VerdictClear {
		t.Errorf("after a restart: %s", d.Verdict)
	}
}

func TestServiceReplay(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	svc := openService(t, db, false)
	defer svc.Close(ctx)
	ad, err := svc.ScreenAddresses(ctx, "x", screening.UseWithdrawal, "", []screening.AddressQuery{{Address: seizedTRON, Chain: "TRX"}, {Address: "0x12"}})
	if err != nil {
		t.Fatal(err)
	}
	nd, err := svc.ScreenName(ctx, "x", screening.UseOnboarding, "", screening.NameQuery{Name: "Kim Jong-un", DateOfBirth: "1984"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{ad.ID, nd.ID} {
		r, err := svc.Replay(ctx, id)
		if err != nil || !r.Same || r.Replayed != r.Verdict {
			t.Fatalf("replay of %s: %+v, %v", id, r, err)
		}
	}
	// A new list version and a later disposition change nothing in the
	// replay: it runs on the versions and rulings of its time.
	ls := fixture()
	ls[1].Entities = nil
	ls[1].Info.SHA256 = "b2"
	if _, err := svc.ImportWith(ctx, "cli", "test", ls[1:2], screening.ImportOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if d, _ := svc.ScreenAddresses(ctx, "x", screening.UseWithdrawal, "", []screening.AddressQuery{{Address: seizedTRON}}); d.Verdict != bulwark.VerdictClear {
		t.Fatalf("after delisting: %s", d.Verdict)
	}
	if r, err := svc.Replay(ctx, ad.ID); err != nil || !r.Same || r.Verdict != bulwark.VerdictBlock {
		t.Errorf("replay after a list change: %+v, %v", r, err)
	}
	// Tampering with a stored decision shows in its replay.
	raw, err := sql.Open("sqlite", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `UPDATE screen_decisions SET body = replace(body, '"verdict":"block"', '"verdict":"clear"') WHERE id = ?`, ad.ID); err != nil {
		t.Fatal(err)
	}
	if r, err := svc.Replay(ctx, ad.ID); err != nil || r.Same || len(r.Differences) == 0 {
		t.Errorf("replay of an edited decision: %+v, %v", r, err)
	}
	if _, err := svc.Replay(ctx, "dec_nope"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
		t.Errorf("replay of an unknown decision: %v", err)
	}
}

func TestServiceRefusesDowngrades(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	svc := openService(t, db, false)
	defer svc.Close(ctx)
	big := fixture()[:1]
	for i := range 40 {
		big[0].Entities = append(big[0].Entities, screening.Entity{ID: fmt.Sprintf("ofac-sdn:%d", 1000+i), List: "ofac-sdn",
			Category: screening.CategorySanctions, Confidence: screening.ConfidenceHigh, Name: fmt.Sprintf("Entry %d", i),
			Addresses: []screening.ListedAddress{{Currency: "ETH", Address: fmt.Sprintf("0x%040x", 1000+i)}}})
	}
	big[0].Info.SHA256 = "big"
	if _, err := svc.Import(ctx, "cli", "test", big); err != nil {
		t.Fatal(err)
	}
	small := fixture()[:1] // 2 entities: a partial download?
	small[0].Info.SHA256 = "small"
	if _, err := svc.Import(ctx, "cli", "test", small); bulwark.ErrorCode(err) != bulwark.ECONFLICT || !strings.Contains(err.Error(), "shrink") {
		t.Fatalf("a shrinking import: %v", err)
	}
	if d, _ := svc.ScreenAddresses(ctx, "x", screening.UseDeposit, "", []screening.AddressQuery{{Address: fmt.Sprintf("0x%040x", 1005)}}); d.Verdict != bulwark.VerdictBlock {
		t.Errorf("the refused import changed the lists: %s", d.Verdict)
	}
	older := fixture()[:1]
	older[0].Entities = big[0].Entities
	older[0].Info.SHA256, older[0].Info.Published = "older", t0.Add(-48*time.Hour)
	if _, err := svc.Import(ctx, "cli", "test", older); bulwark.ErrorCode(err) != bulwark.ECONFLICT || !strings.Contains(err.Error(), "published") {
		t.Fatalf("an older publication: %v", err)
	}
	if _, err := svc.ImportWith(ctx, "cli", "test", small, screening.ImportOptions{Force: true}); err != nil {
		t.Fatalf("forced: %v", err)
	}
}

func TestServiceDispositionScope(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	svc := openService(t, db, false)
	defer svc.Close(ctx)
	// A sanctioned address is never a false positive.
	d, _ := svc.ScreenAddresses(ctx, "x", screening.UseDeposit, "cust-1", []screening.AddressQuery{{Address: lazarusETH}})
	if _, err := svc.Dispose(ctx, "token:a", screening.Disposition{Kind: screening.KindAddress, EntityID: "ofac-sdn:27307",
		Disposition: screening.FalsePositive, DecisionID: d.ID}, lazarusETH, "", ""); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("false positive on a sanctioned address: %v", err)
	}
	if _, err := svc.Dispose(ctx, "token:a", screening.Disposition{Kind: screening.KindAddress, EntityID: "il-nbctf:18/26",
		Disposition: screening.FalsePositive, DecisionID: "dec_nope"}, seizedTRON, "", ""); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("a ruling naming an unknown decision: %v", err)
	}
	// A name ruling made for one applicant's screening covers that
	// applicant only.
	n8, _ := svc.ScreenName(ctx, "x", screening.UseOnboarding, "cand-8", screening.NameQuery{Name: "Kim Jong Un"})
	if _, err := svc.Dispose(ctx, "token:a", screening.Disposition{Kind: screening.KindName, EntityID: n8.Matches[0].EntityID,
		Disposition: screening.FalsePositive, DecisionID: n8.ID}, "", "", "Kim Jong Un"); err != nil {
		t.Fatal(err)
	}
	if n, _ := svc.ScreenName(ctx, "x", screening.UseOnboarding, "cand-8", screening.NameQuery{Name: "Kim Jong Un"}); n.Verdict != bulwark.VerdictClear {
		t.Errorf("cand-8 after the ruling: %s", n.Verdict)
	}
	if n, _ := svc.ScreenName(ctx, "x", screening.UseOnboarding, "cand-9", screening.NameQuery{Name: "Kim Jong Un"}); n.Verdict != bulwark.VerdictBlock {
		t.Errorf("cand-9 was cleared by cand-8's ruling: %s", n.Verdict)
	}
}

// TestServiceAnswerJSON: the answer the service encodes as it records a
// decision is the stored decision (byte for byte, which is what its audit
// entry hashes) with the stored mark as last member, and says what
// encoding the decision says.
func TestServiceAnswerJSON(t *testing.T) {
	t.Parallel()
	for _, async := range []bool{false, true} {
		ctx := context.Background()
		db := openDB(t)
		svc := openService(t, db, async)
		var decisions []struct {
			v any
			d *screening.Decision
		}
		for _, a := range []string{lazarusETH, "0x00000000000000000000000000000000000000aa"} {
			ad, err := svc.ScreenAddresses(ctx, "token:t", screening.UseDeposit, "c", []screening.AddressQuery{{Address: a}})
			if err != nil {
				t.Fatal(err)
			}
			decisions = append(decisions, struct {
				v any
				d *screening.Decision
			}{ad, &ad.Decision})
		}
		nd, err := svc.ScreenName(ctx, "token:t", screening.UseOnboarding, "", screening.NameQuery{Name: "Kim Jong Un"})
		if err != nil {
			t.Fatal(err)
		}
		decisions = append(decisions, struct {
			v any
			d *screening.Decision
		}{nd, &nd.Decision})
		if err := svc.Close(ctx); err != nil {
			t.Fatal(err)
		}
		mark := fmt.Sprintf(`,"stored":%t}`, !async)
		for _, x := range decisions {
			answer := string(x.d.AnswerJSON())
			if !strings.HasSuffix(answer, mark) {
				t.Fatalf("async %t: answer does not end with %s: %s", async, mark, answer)
			}
			stored, err := db.Decision(ctx, x.d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.TrimSuffix(answer, mark) + "}"; string(stored.Body) != want {
				t.Errorf("async %t: stored body\n%s\nis not the answer without its mark\n%s", async, stored.Body, want)
			}
			encoded, err := json.Marshal(x.v)
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			if err := json.Unmarshal([]byte(answer), &got); err != nil {
				t.Fatalf("answer is not JSON: %v: %s", err, answer)
			}
			if err := json.Unmarshal(encoded, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("async %t: answer\n%s\nsays other than the decision\n%s", async, answer, encoded)
			}
		}
	}
}

// TestStoreDecisionsDigest: a batch of DigestMin decisions or more gets an
// audit entry with their count and the digest of their lines, which does
// not depend on their order and changes with any field a line holds; a
// smaller batch's entry lists the lines. Both verify.
func TestStoreDecisionsDigest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	log := &audit.Log{Store: db}
	recs := func(tag string, n int) []screening.Recorded {
		out := make([]screening.Recorded, n)
		for i := range out {
			d := &screening.Decision{ID: fmt.Sprintf("dec_%s%03d", tag, i), Time: time.Now(), Kind: screening.KindAddress,
				Use: screening.UseDeposit, Actor: "token:t", Verdict: bulwark.VerdictClear}
			out[i] = screening.Recorded{Decision: d, Body: []byte(fmt.Sprintf(`{"decisionId":%q}`, d.ID))}
		}
		return out
	}
	big, small := recs("a", screening.DigestMin), recs("b", 3)
	for _, b := range [][]screening.Recorded{big, small} {
		if err := screening.StoreDecisions(ctx, db, log, b, false); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := db.AuditEntries(ctx, 0, 10)
	if err != nil || len(entries) != 2 {
		t.Fatalf("entries: %d, %v", len(entries), err)
	}
	digest := screening.DecisionsDigest(big)
	if want := fmt.Sprintf(`{"decisionCount":%d,"decisionsSha256":"%s"}`, screening.DigestMin, digest); string(entries[0].Details) != want {
		t.Errorf("entry of %d decisions: %s, want %s", screening.DigestMin, entries[0].Details, want)
	}
	if d := string(entries[1].Details); !strings.HasPrefix(d, `{"decisions":[{"actor":"token:t","bodySha256":`) || strings.Count(d, `"id":`) != 3 {
		t.Errorf("entry of 3 decisions: %s", d)
	}
	reversed := append([]screening.Recorded(nil), big...)
	slices.Reverse(reversed)
	if screening.DecisionsDigest(reversed) != digest {
		t.Error("the digest depends on the decisions' order")
	}
	for name, change := range map[string]func(d *screening.Decision, r *screening.Recorded){
		"id":      func(d *screening.Decision, _ *screening.Recorded) { d.ID += "x" },
		"kind":    func(d *screening.Decision, _ *screening.Recorded) { d.Kind = screening.KindName },
		"use":     func(d *screening.Decision, _ *screening.Recorded) { d.Use = screening.UseWithdrawal },
		"actor":   func(d *screening.Decision, _ *screening.Recorded) { d.Actor = "token:u" },
		"subject": func(d *screening.Decision, _ *screening.Recorded) { d.Subject = "c" },
		"verdict": func(d *screening.Decision, _ *screening.Recorded) { d.Verdict = bulwark.VerdictBlock },
		"body":    func(_ *screening.Decision, r *screening.Recorded) { r.Body = []byte(`{"decisionId":"other"}`) },
	} {
		changed := append([]screening.Recorded(nil), big...)
		d := *changed[5].Decision
		changed[5].Decision = &d
		change(&d, &changed[5])
		if screening.DecisionsDigest(changed) == digest {
			t.Errorf("changing a decision's %s keeps the digest", name)
		}
	}
	if rep, err := audit.Verify(ctx, db, nil); err != nil || !rep.Intact() {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
}

// TestServiceAnnouncesListChanges: OnListsChanged hears of every set of
// lists put into service (an import, a reload of another process's
// import, a removal), once the new index answers, and of nothing else.
func TestServiceAnnouncesListChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	var heard []string // what the index screened when told
	var svc *screening.Service
	var err error
	svc, err = screening.OpenService(ctx, screening.ServiceConfig{
		Store: db, Audit: &audit.Log{Store: db},
		Defaults: func() ([]*screening.List, error) { return fixture(), nil },
		OnListsChanged: func() {
			heard = append(heard, strings.Join(slices.Sorted(func(yield func(string) bool) {
				for id := range svc.Screener().Index().Versions() {
					if !yield(id) {
						return
					}
				}
			}), ","))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close(ctx)
	if len(heard) != 0 {
		t.Fatalf("told %v while opening", heard)
	}
	if _, err := svc.Import(ctx, "cli", "test", fixture()); err != nil || len(heard) != 0 {
		t.Fatalf("an import changing nothing: told %v, %v", heard, err)
	}
	ls := fixture()
	ls[0].Info.SHA256 = "a2"
	ls[0].Entities = append(ls[0].Entities, screening.Entity{ID: "ofac-sdn:99999", List: "ofac-sdn", Name: "NEW FRONT LLC"})
	if _, err := svc.Import(ctx, "cli", "test", ls[:1]); err != nil || len(heard) != 1 {
		t.Fatalf("an import: told %v, %v", heard, err)
	}
	other := openService(t, db, false)
	ls[0].Info.SHA256 = "a3"
	if _, err := other.ImportWith(ctx, "cli", "test", ls[:1], screening.ImportOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if changed, _, err := svc.Reload(ctx); err != nil || !changed || len(heard) != 2 {
		t.Fatalf("a reload: told %v, %v", heard, err)
	}
	if _, err := svc.RemoveList(ctx, "cli", "tagpack:binance"); err != nil || len(heard) != 3 || strings.Contains(heard[2], "tagpack:binance") {
		t.Fatalf("a removal: told %v (the removed list must be out of service when told), %v", heard, err)
	}
}

// TestServiceHiringNameDecisionHoldsNoName screens an applicant's name
// under the hiring use and reads the stored decision: it holds a keyed
// fingerprint of the name, no name, birth date or country, and the same
// verdict and matches as screened.
func TestServiceHiringNameDecisionHoldsNoName(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	svc := openService(t, db, false)
	nd, err := svc.ScreenName(ctx, "system:hire", screening.UseHiring, "0123456789abcdef0123456789abcdef",
		screening.NameQuery{Name: "Kim Jong Un", Type: "person", DateOfBirth: "1984-01-08", Country: "KP"})
	if err != nil {
		t.Fatal(err)
	}
	if nd.Verdict == bulwark.VerdictClear || len(nd.Matches) == 0 {
		t.Fatalf("ScreenName = %+v, want a match", nd)
	}
	if !strings.HasPrefix(nd.Query, "hmac-sha256:") {
		t.Errorf("Query = %q, want the name's fingerprint", nd.Query)
	}
	d, err := db.Decision(ctx, nd.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The listed party's name is list data; what the applicant gave must
	// appear nowhere.
	var body struct {
		Query   *string `json:"query"`
		DOB     *string `json:"dob"`
		Country *string `json:"country"`
		Matches []struct {
			Explanation struct {
				Query     string `json:"query"`
				Alignment []struct {
					Query string `json:"query"`
				} `json:"alignment"`
			} `json:"explanation"`
		} `json:"matches"`
	}
	if err := json.Unmarshal(d.Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Query == nil || *body.Query != nd.Query || body.DOB != nil || body.Country != nil || strings.Contains(string(d.Body), "1984-01-08") {
		t.Errorf("the stored decision holds the query, birth date or country:\n%s", d.Body)
	}
	for _, m := range body.Matches {
		if m.Explanation.Query != nd.Query {
			t.Errorf("a match's explanation holds the query %q", m.Explanation.Query)
		}
		for _, a := range m.Explanation.Alignment {
			if a.Query != "" {
				t.Errorf("a match's alignment holds a query token %q", a.Query)
			}
		}
	}
	if !strings.Contains(string(d.Body), nd.Query) || !strings.Contains(string(d.Body), nd.Matches[0].EntityID) {
		t.Errorf("the stored decision lost its fingerprint or match:\n%s", d.Body)
	}
	if _, err := svc.Replay(ctx, nd.ID); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("Replay(hiring name decision) = %v, want EINVALID", err)
	}
	// Other uses keep the query, as before.
	od, err := svc.ScreenName(ctx, "token:t", screening.UseOnboarding, "c", screening.NameQuery{Name: "Kim Jong Un", DateOfBirth: "1984-01-08"})
	if err != nil || od.Query != "Kim Jong Un" || od.DOB != "1984-01-08" {
		t.Fatalf("onboarding ScreenName = %+v, %v", od, err)
	}
}
