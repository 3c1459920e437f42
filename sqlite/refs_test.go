package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/sqlite"
)

const listedETH = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"

// screeningStore is a store with screening activity: one imported list
// (audit entry 1), then one decision per call of screen, each committed
// with its own audit entry (2, 3, ...), at times the clock gives.
type screeningStore struct {
	db  *sqlite.DB
	svc *screening.Service
	mu  sync.Mutex
	now time.Time
}

func newScreeningStore(t *testing.T) *screeningStore {
	t.Helper()
	ctx := context.Background()
	s := &screeningStore{db: openStore(t), now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	svc, err := screening.OpenService(ctx, screening.ServiceConfig{Store: s.db, Audit: &audit.Log{Store: s.db},
		Screener: screening.Config{Now: s.clock}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	s.svc = svc
	list := &screening.List{Info: screening.ListInfo{ID: "ofac-sdn", SHA256: "aa", Published: s.now}, Entities: []screening.Entity{
		{ID: "ofac-sdn:1", List: "ofac-sdn", Type: screening.TypeOrganization, Category: screening.CategorySanctions, Confidence: screening.ConfidenceHigh,
			Name: "LAZARUS GROUP", Addresses: []screening.ListedAddress{{Currency: "ETH", Address: listedETH}}}}}
	if _, err := svc.Import(ctx, "cli", "test", []*screening.List{list}); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *screeningStore) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// screen records a decision on qs at the clock's time plus d, and returns it.
func (s *screeningStore) screen(t *testing.T, d time.Duration, qs ...string) *screening.AddressDecision {
	t.Helper()
	s.mu.Lock()
	s.now = s.now.Add(d)
	s.mu.Unlock()
	aq := make([]screening.AddressQuery, len(qs))
	for i, q := range qs {
		aq[i] = screening.AddressQuery{Address: q}
	}
	dec, err := s.svc.ScreenAddresses(context.Background(), "token:t", screening.UseDeposit, "cust", aq)
	if err != nil {
		t.Fatal(err)
	}
	return dec
}

func addr(i int) string { return fmt.Sprintf("0x%040x", i) }

// TestTamperingReferences: deleting or moving rows that audit entries
// cover, or whole entries with the head, leaves a chain that still links;
// Verify finds it by cross-checking the decisions and Safe verdicts with
// the log, and calls an empty log on a store with audited records broken.
func TestTamperingReferences(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		tamper func(t *testing.T, raw *sql.DB)
		broken int64
		reason string
	}{
		{"Untouched", func(*testing.T, *sql.DB) {}, 0, ""},
		{"DeleteEveryEntryAndTheHead", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `DELETE FROM audit_log`)
			mustExec(t, raw, `DELETE FROM audit_head`)
		}, 1, "the audit log is empty, but the store holds 1 list versions, 5 screening decisions"},
		{"DeleteTheDecisionEntriesAndMoveTheHead", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `DELETE FROM audit_log WHERE seq >= 4`)
			mustExec(t, raw, `UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_log WHERE seq = 3)`)
		}, 4, "names audit entry 4, but the log ends at entry 3"},
		{"DeleteADecision", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `DELETE FROM screen_decisions WHERE audit_seq = 3`)
		}, 3, "records 1 screening decisions, the store holds 0"},
		{"AddADecisionOutsideTheLog", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `INSERT INTO screen_decisions SELECT 'dec_forged', time, kind, use, subject, actor, 'clear', audit_seq, body, packed FROM screen_decisions WHERE audit_seq = 4`)
		}, 4, "records 1 screening decisions, the store holds 2"},
		{"PointADecisionAtAnotherEntry", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE screen_decisions SET audit_seq = 1 WHERE audit_seq = 5`)
		}, 1, `which records "lists.import"`},
		{"ForgeAPrune", func(t *testing.T, raw *sql.DB) {
			// A prune entry added by hand breaks the chain before it can
			// excuse a deleted decision.
			mustExec(t, raw, `DELETE FROM screen_decisions WHERE audit_seq = 2`)
			mustExec(t, raw, `INSERT INTO audit_log SELECT 7, time, actor, 'screen.prune', '', '{"auditSeqBelow":6}', hash, hash FROM audit_log WHERE seq = 6`)
		}, 7, "added outside the log"},
		{"EditADecisionsVerdict", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE screen_decisions SET verdict = 'block' WHERE audit_seq = 3`)
		}, 3, "has verdict block, audit entry 3 records clear"},
		{"EditADecisionsBody", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE screen_decisions SET body = replace(body, '"subject":"cust"', '"subject":"someone else"') WHERE audit_seq = 4`)
		}, 4, "is not the one audit entry 4 records"},
		{"SafeVerdictBeyondTheLog", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `INSERT INTO safe_verifications (safe_tx_hash, safe, chain_id, verdict, audit_seq, time) VALUES ('0x01', '0x02', 1, 'ok', 99, '2026-01-01T00:00:00.000000000Z')`)
		}, 7, "Safe verdict 1 names audit entry 99, but the log ends at entry 6"},
		{"CosignatureBeyondTheLog", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `INSERT INTO safe_cosignatures (chain_id, safe, nonce, safe_tx_hash, signer, signature, verdict, audit_seq, time)
VALUES ('1', '0x02', '0', '0x01', '0x03', zeroblob(65), 'ok', 99, '2026-01-01T00:00:00.000000000Z')`)
		}, 7, "co-signature 1 names audit entry 99, but the log ends at entry 6"},
		{"CosignatureOnAnotherEntry", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `INSERT INTO safe_cosignatures (chain_id, safe, nonce, safe_tx_hash, signer, signature, verdict, audit_seq, time)
VALUES ('1', '0x02', '0', '0x01', '0x03', zeroblob(65), 'ok', 2, '2026-01-01T00:00:00.000000000Z')`)
		}, 2, `co-signature 1 names audit entry 2, which records "screen.decisions"`},
		{"ApprovalBeyondTheLog", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `INSERT INTO safe_cosign_approvals (chain_id, safe, safe_tx_hash, approver, note, audit_seq, time)
VALUES ('1', '0x02', '0x01', 'cli:mallory', '', 99, '2026-01-01T00:00:00.000000000Z')`)
		}, 7, "co-signer approval 1 names audit entry 99, but the log ends at entry 6"},
		{"ApprovalOnAnotherEntry", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `INSERT INTO safe_cosign_approvals (chain_id, safe, safe_tx_hash, approver, note, audit_seq, time)
VALUES ('1', '0x02', '0x01', 'cli:mallory', '', 1, '2026-01-01T00:00:00.000000000Z')`)
		}, 1, `co-signer approval 1 names audit entry 1, which records "lists.import"`},
		{"WithdrawalBeyondTheLog", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `INSERT INTO safe_cosign_approvals (chain_id, safe, safe_tx_hash, approver, note, audit_seq, time, withdrawn_seq, withdrawn_time, withdrawn_reason)
VALUES ('1', '0x02', '0x01', 'cli:mallory', '', 1, '2026-01-01T00:00:00.000000000Z', 99, '2026-01-01T00:00:00.000000000Z', 'withdrawn')`)
		}, 7, "co-signer approval withdrawal 1 names audit entry 99, but the log ends at entry 6"},
		{"WithdrawalOnAnotherEntry", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `INSERT INTO safe_cosign_approvals (chain_id, safe, safe_tx_hash, approver, note, audit_seq, time, withdrawn_seq, withdrawn_time, withdrawn_reason)
VALUES ('1', '0x02', '0x01', 'cli:mallory', '', 1, '2026-01-01T00:00:00.000000000Z', 2, '2026-01-01T00:00:00.000000000Z', 'withdrawn')`)
		}, 2, `co-signer approval withdrawal 1 names audit entry 2, which records "screen.decisions"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newScreeningStore(t)
			for i := range 5 {
				s.screen(t, time.Minute, addr(i+1))
			}
			c.tamper(t, rawDB(t, s.db.Path()))
			rep, err := audit.Verify(context.Background(), s.db, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.broken == 0 {
				if !rep.Intact() {
					t.Fatalf("Verify = broken at %d (%s), want intact", rep.Broken.Seq, rep.Broken.Reason)
				}
				return
			}
			if rep.Intact() {
				t.Fatalf("Verify = intact (%d entries), want broken at %d", rep.Entries, c.broken)
			}
			if rep.Broken.Seq != c.broken || !strings.Contains(rep.Broken.Reason, c.reason) {
				t.Errorf("Verify = broken at %d (%s), want %d (%s)", rep.Broken.Seq, rep.Broken.Reason, c.broken, c.reason)
			}
			if rep.Verdict() != bulwark.VerdictCritical {
				t.Errorf("verdict = %s", rep.Verdict())
			}
		})
	}
}

// TestPruneKeepsTheChainVerifiable: retention deletes the decisions
// before the cutoff, keeps their audit entries and records the prune, so
// the log still verifies; a decision deleted by hand after the prune is
// still found; the decisions kept read back and replay.
func TestPruneKeepsTheChainVerifiable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newScreeningStore(t)
	var ids []string
	for i := range 6 {
		ids = append(ids, s.screen(t, 24*time.Hour, addr(i+1), listedETH).ID)
	}
	cutoff := s.clock().Add(-48*time.Hour - time.Second) // keeps the last three
	rep, err := s.svc.Prune(ctx, "system:retention", cutoff)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Decisions != 3 || rep.AuditSeqBelow != 5 || rep.AuditSeq != 8 {
		t.Fatalf("prune = %+v, want 3 decisions below entry 5, recorded as entry 8", rep)
	}
	for i, id := range ids {
		_, err := s.db.Decision(ctx, id)
		if i < 3 && !bulwark.IsCode(err, bulwark.ENOTFOUND) {
			t.Errorf("decision %d before the cutoff: %v, want pruned", i, err)
		}
		if i >= 3 && err != nil {
			t.Errorf("decision %d after the cutoff: %v", i, err)
		}
	}
	if r, err := s.svc.Replay(ctx, ids[5]); err != nil || !r.Same {
		t.Fatalf("replay of a kept decision: %+v, %v", r, err)
	}
	if again, err := s.svc.Prune(ctx, "system:retention", cutoff); err != nil || again.Decisions != 0 || again.AuditSeq != 0 {
		t.Fatalf("second prune = %+v, %v: want nothing deleted and no entry", again, err)
	}
	v, err := audit.Verify(ctx, s.db, nil)
	if err != nil || !v.Intact() || v.Entries != 8 {
		t.Fatalf("verify after the prune: %+v, %v", v, err)
	}
	mustExec(t, rawDB(t, s.db.Path()), `DELETE FROM screen_decisions WHERE id = ?`, ids[4])
	v, err = audit.Verify(ctx, s.db, nil)
	if err != nil || v.Intact() || v.Broken.Seq != 6 {
		t.Fatalf("verify after deleting a kept decision: %+v, %v; want broken at 6", v, err)
	}
}

// TestLargeDecisionIsStoredCompactly: a batch decision goes into the
// store compressed, reads back as answered, and replays.
func TestLargeDecisionIsStoredCompactly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newScreeningStore(t)
	qs := []string{listedETH, "not an address"}
	for i := range 3000 {
		qs = append(qs, addr(i+1))
	}
	d := s.screen(t, time.Minute, qs...)
	d.Stored = nil
	want, _ := json.Marshal(d)
	got, err := s.db.Decision(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Body) != string(want) {
		t.Fatalf("read back differs from the answer (%d vs %d bytes)", len(got.Body), len(want))
	}
	var stored int
	if err := rawDB(t, s.db.Path()).QueryRow(`SELECT length(body) + coalesce(length(packed), 0) FROM screen_decisions WHERE id = ?`, d.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored*8 > len(want) {
		t.Errorf("stored %d bytes for a %d-byte decision", stored, len(want))
	}
	if r, err := s.svc.Replay(ctx, d.ID); err != nil || !r.Same {
		t.Fatalf("replay: %+v, %v", r, err)
	}
	// Verify reads it back and checks it against its audit entry.
	if rep, err := audit.Verify(ctx, s.db, nil); err != nil || !rep.Intact() {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
}

// TestPruneSafeAlerts: Safe alerts older than the cutoff go, except one
// whose webhook delivery is pending; newer ones stay; the log verifies.
func TestPruneSafeAlerts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openStore(t)
	log := &audit.Log{Store: db}
	var ids []int64
	for i := range 3 {
		_, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
			id, err := db.SaveAlert(ctx, watch.Alert{Block: uint64(i + 1), Safe: addr(9), Code: "OWNER_ADDED", Severity: policy.SeverityCritical, Message: "m"})
			ids = append(ids, id)
			return audit.Event{Actor: "system:monitor", Action: "safe.watch.alert", Target: addr(9)}, err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	raw := rawDB(t, db.Path())
	// Alerts 1 and 2 are a year old; 1 was delivered, 2 is still pending.
	mustExec(t, raw, `UPDATE safe_alerts SET time = '2025-01-01T00:00:00.000000000Z' WHERE id IN (?, ?)`, ids[0], ids[1])
	var msg int64
	if err := raw.QueryRow(`SELECT id FROM outbox WHERE kind = 'safe.alert' AND ref = ?`, ids[0]).Scan(&msg); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.MarkDelivered(ctx, msg, 1, time.Now()); err != nil || !ok {
		t.Fatalf("MarkDelivered: %v %v", ok, err)
	}
	n, err := db.PruneSafeAlerts(ctx, time.Now().Add(-24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PruneSafeAlerts = %d, %v; want 1 (the delivered old one)", n, err)
	}
	var left []int64
	rows, err := raw.Query(`SELECT id FROM safe_alerts ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		left = append(left, id)
	}
	rows.Close()
	if len(left) != 2 || left[0] != ids[1] || left[1] != ids[2] {
		t.Fatalf("alerts left %v, want %v", left, ids[1:])
	}
	var msgs int
	_ = raw.QueryRow(`SELECT count(*) FROM outbox WHERE kind = 'safe.alert' AND ref = ?`, ids[0]).Scan(&msgs)
	if msgs != 0 {
		t.Errorf("the pruned alert's delivered outbox message is still there")
	}
	if rep, err := audit.Verify(ctx, db, nil); err != nil || !rep.Intact() {
		t.Fatalf("verify after pruning Safe alerts: %+v, %v", rep, err)
	}
}

// batchRecs returns n decisions (IDs dec_<tag>NNNN) for one batch row:
// JSON bodies with the list versions object; decision 7 blocks.
func batchRecs(tag string, n int, at time.Time) []screening.Recorded {
	lists := `"lists":{"ofac-sdn":"` + strings.Repeat("ab", 32) + `"}`
	recs := make([]screening.Recorded, n)
	for i := range recs {
		d := &screening.Decision{ID: fmt.Sprintf("dec_%s%04d", tag, i), Time: at.Add(time.Duration(i) * time.Millisecond),
			Kind: screening.KindAddress, Use: screening.UseDeposit, Actor: "token:t", Verdict: bulwark.VerdictClear}
		if i == 7 {
			d.Verdict = bulwark.VerdictBlock
		}
		body := fmt.Sprintf(`{"decisionId":%q,%s,"results":[{"i":"0x%040x"}]}`, d.ID, lists, 0xa000+i)
		recs[i] = screening.Recorded{Decision: d, Body: []byte(body)}
	}
	return recs
}

// editBatch rewrites the data of the batch row of audit entry seq.
func editBatch(t *testing.T, raw *sql.DB, seq int64, edit func([]byte) []byte) {
	t.Helper()
	var data []byte
	if err := raw.QueryRow(`SELECT data FROM screen_decision_batches WHERE audit_seq = ?`, seq).Scan(&data); err != nil {
		t.Fatal(err)
	}
	mustExec(t, raw, `UPDATE screen_decision_batches SET data = ? WHERE audit_seq = ?`, edit(data), seq)
}

// TestTamperingDecisionBatches: decisions stored as batch rows, under
// audit entries that record the digest of their lines, are held to them
// as rows of their own are: a batch deleted, moved, shrunk or edited (an
// ID, a verdict, an actor, a body, the encoding) is found by Verify.
func TestTamperingDecisionBatches(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		tamper func(t *testing.T, raw *sql.DB)
		broken int64
		reason string
	}{
		{"Untouched", func(*testing.T, *sql.DB) {}, 0, ""},
		{"DeleteABatch", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `DELETE FROM screen_decision_batches WHERE audit_seq = 2`)
		}, 2, "records 40 screening decisions, the store holds 0"},
		{"MoveABatch", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE screen_decision_batches SET audit_seq = 1 WHERE audit_seq = 3`)
		}, 1, "records 40 screening decisions, the store holds 80"},
		{"ABatchBeyondTheLog", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE screen_decision_batches SET audit_seq = 99 WHERE audit_seq = 3`)
		}, 4, "names audit entry 99, but the log ends at entry 3"},
		{"MiscountABatch", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE screen_decision_batches SET n = 39 WHERE audit_seq = 2`)
		}, 2, "records 40 screening decisions, the store holds 39"},
		{"EditAnID", func(t *testing.T, raw *sql.DB) {
			editBatch(t, raw, 2, func(b []byte) []byte { return bytes.Replace(b, []byte("dec_b0005"), []byte("dec_x0005"), 1) })
		}, 2, "the SHA-256 of their lines differs"},
		{"EditAVerdict", func(t *testing.T, raw *sql.DB) {
			editBatch(t, raw, 2, func(b []byte) []byte { return bytes.Replace(b, []byte("block"), []byte("clear"), 1) })
		}, 2, "the SHA-256 of their lines differs"},
		{"EditAnActor", func(t *testing.T, raw *sql.DB) {
			editBatch(t, raw, 2, func(b []byte) []byte { return bytes.Replace(b, []byte("token:t"), []byte("token:u"), 1) })
		}, 2, "the SHA-256 of their lines differs"},
		{"EditABody", func(t *testing.T, raw *sql.DB) {
			editBatch(t, raw, 3, func(b []byte) []byte { return bytes.Replace(b, []byte("a00c"), []byte("a00d"), 1) })
		}, 3, "the SHA-256 of their lines differs"},
		{"EditTheListVersions", func(t *testing.T, raw *sql.DB) {
			editBatch(t, raw, 3, func(b []byte) []byte { return bytes.Replace(b, []byte("abab"), []byte("baba"), 1) })
		}, 3, "the SHA-256 of their lines differs"},
		{"CutABatchShort", func(t *testing.T, raw *sql.DB) {
			editBatch(t, raw, 1, func(b []byte) []byte { return b[:len(b)-3] })
		}, 1, "is malformed in the store"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := openStore(t)
			log := &audit.Log{Store: db}
			base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i, tag := range []string{"a", "b", "c"} {
				if err := screening.StoreDecisions(ctx, db, log, batchRecs(tag, 40, base.Add(time.Duration(i)*time.Hour)), false); err != nil {
					t.Fatal(err)
				}
			}
			c.tamper(t, rawDB(t, db.Path()))
			rep, err := audit.Verify(ctx, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.broken == 0 {
				if !rep.Intact() {
					t.Fatalf("Verify = broken at %d (%s), want intact", rep.Broken.Seq, rep.Broken.Reason)
				}
				return
			}
			if rep.Intact() {
				t.Fatalf("Verify = intact (%d entries), want broken at %d", rep.Entries, c.broken)
			}
			if rep.Broken.Seq != c.broken || !strings.Contains(rep.Broken.Reason, c.reason) {
				t.Errorf("Verify = broken at %d (%s), want %d (%s)", rep.Broken.Seq, rep.Broken.Reason, c.broken, c.reason)
			}
		})
	}
}

// TestAlertsFilter: Safe alerts by code, newest first, within the limit.
func TestAlertsFilter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openStore(t)
	codes := []string{"OWNER_ADDED", "QUEUE_TX_HELD", "GUARD_CHANGED", "QUEUE_TX_HELD", "QUEUE_TX_REFUSED"}
	for i, c := range codes {
		if _, err := db.SaveAlert(ctx, watch.Alert{Block: uint64(i + 1), Safe: addr(9), Code: c, Severity: policy.SeverityHigh, Message: "m"}); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(f watch.AlertFilter) []int64 {
		as, err := db.Alerts(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		out := []int64{}
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	for _, tc := range []struct {
		f    watch.AlertFilter
		want []int64
	}{
		{watch.AlertFilter{Limit: 10}, []int64{1, 2, 3, 4, 5}},
		{watch.AlertFilter{Limit: 2, Newest: true}, []int64{5, 4}},
		{watch.AlertFilter{Limit: 10, Codes: []string{"QUEUE_TX_HELD", "QUEUE_TX_REFUSED"}}, []int64{2, 4, 5}},
		{watch.AlertFilter{Limit: 2, Codes: []string{"QUEUE_TX_HELD", "QUEUE_TX_REFUSED"}, Newest: true}, []int64{5, 4}},
		{watch.AlertFilter{Limit: 10, Codes: []string{"QUEUE_TX_HELD"}, Newest: true, SinceID: 2}, []int64{4}},
		{watch.AlertFilter{Limit: 10, Safe: addr(8), Newest: true}, []int64{}},
	} {
		if got := ids(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.f, got, tc.want)
		}
	}
}
