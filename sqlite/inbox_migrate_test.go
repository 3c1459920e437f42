package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/inbox"
)

// TestInboxMigration opens a store whose alerts were stored before the
// inbox: each is in the inbox, open, with the severity, subject, message
// and evidence the live stores write, and none is due for escalation.
func TestInboxMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path, raw, exec := storeBefore(t, "inbox")
	const t0 = "2026-01-01T00:00:00.000000000Z"
	exec(`INSERT INTO safe_alerts (time, block, safe, code, severity, message) VALUES (?, 1, '', 'NODE_UNREACHABLE', 'high', 'node down')`, t0)
	exec(`INSERT INTO safe_alerts (time, block, safe, code, severity, message) VALUES ('2026-01-01T00:00:01.000000000Z', 2, '0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4', 'MASTERCOPY_CHANGE', 'critical', 'singleton changed')`)
	exec(`INSERT INTO screen_alerts (time, watch_id, subject, kind, verdict, decision_id, body) VALUES ('2026-01-01T00:00:02.000000000Z', 3, '', 'address', 'block', 'dec-9', '{}')`)
	exec(`INSERT INTO trace_alerts (time, code, severity, follow, chain, block, block_hash, tx_hash, position, deposit, message, alert)
VALUES ('2026-01-01T00:00:03.000000000Z', 'TRACE_DEPOSIT', 'critical', 'case:12', 1, 3, '0xa', '0xb', 'call:', '0x00000000000000000000000000000000000de901', 'tainted deposit', '{}')`)
	exec(`INSERT INTO hire_runs (kind, actor, reason, at, imported, clusters, verdicts, inputs) VALUES ('screen', 'cli:hr', '', ?, 1, 0, '{}', '{}')`, t0)
	exec(`INSERT INTO hire_people (id, role, record, created_at, updated_at) VALUES ('emp-7', 'applicant', '{}', ?, ?)`, t0, t0)
	exec(`INSERT INTO hire_people (id, role, record, created_at, updated_at) VALUES ('emp-8', 'applicant', '{}', ?, ?)`, t0, t0)
	exec(`INSERT INTO hire_assessments (person_id, run_id, verdict, score, flags, computed_at) VALUES ('emp-7', 1, 'block', 90, '[{"rule":"SHARED_IDENTIFIER"},{"rule":"VOIP_PHONE"}]', '2026-01-01T00:00:04.000000000Z')`)
	exec(`INSERT INTO hire_assessments (person_id, run_id, verdict, score, flags, computed_at) VALUES ('emp-8', 1, 'clear', 0, '[]', '2026-01-01T00:00:05.000000000Z')`)
	raw.Close()

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	items, err := db.InboxItems(ctx, inbox.Filter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		kind, ref string
		sev       inbox.Severity
		subject   string
		message   string
		evidence  string
	}
	want := []row{
		{inbox.KindHiring, "1:emp-7", inbox.High, "emp-7", "hiring verdict BLOCK, score 90: SHARED_IDENTIFIER, VOIP_PHONE", inbox.HiringEvidence("emp-7")},
		{inbox.KindTrace, "1", inbox.Critical, "0x00000000000000000000000000000000000de901", "tainted deposit", inbox.TraceEvidence(1, "case:12")},
		{inbox.KindScreening, "1", inbox.Critical, "watch 3", "watched address now screens BLOCK", inbox.ScreeningEvidence("dec-9")},
		{inbox.KindSafe, "2", inbox.Critical, "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", "singleton changed", inbox.SafeEvidence(2)},
		{inbox.KindSafe, "1", inbox.High, "node", "node down", inbox.SafeEvidence(1)},
	}
	if len(items) != len(want) {
		t.Fatalf("items = %+v, want %d", items, len(want))
	}
	for i, w := range want {
		it := items[i]
		if got := (row{it.Kind, it.Ref, it.Severity, it.Subject, it.Message, it.Evidence}); got != w || it.State != inbox.Open || it.EscalatedAt != nil {
			t.Errorf("item %d = %+v, want %+v", i, it, w)
		}
	}
	if due, err := db.DueEscalations(ctx, inbox.Critical, time.Now(), 10); err != nil || len(due) != 0 {
		t.Errorf("alerts from before the inbox are due for escalation: %+v, %v", due, err)
	}
}
