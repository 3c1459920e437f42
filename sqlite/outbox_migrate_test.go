package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/screening"
)

// TestOutboxMigration opens a store of schema version 8, whose alerts kept
// their own delivery state, with this binary: each alert gets its outbox
// message in commit order across kinds; a delivered one stays delivered,
// one that failed or was never attempted becomes due (it was dropped or
// never queued before), and the alerts show the state as before.
func TestOutboxMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version > 8 {
			break
		}
		if _, err := raw.ExecContext(ctx, m.sql); err != nil {
			t.Fatalf("migration %d: %v", m.version, err)
		}
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`)
	for _, m := range ms[:8] {
		exec(`INSERT INTO schema_migrations VALUES (?, ?, ?)`, m.version, m.name, formatTime(time.Now()))
	}
	exec(`PRAGMA application_id = ` + strconv.Itoa(applicationID))
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	at := func(m int) string { return formatTime(t0.Add(time.Duration(m) * time.Minute)) }
	// Safe alerts at minutes 0 (delivered), 2 (failed 5 times), 4 (never attempted).
	exec(`INSERT INTO safe_alerts (time, block, safe, code, severity, message, delivered_at, delivery_attempts, last_error) VALUES
	(?, 1, '0xA', 'GUARD_CHANGE', 'high', 'm', ?, 1, ''),
	(?, 2, '0xA', 'GUARD_CHANGE', 'high', 'm', NULL, 5, 'POST https://hooks.example.com: HTTP 503'),
	(?, 3, '0xA', 'GUARD_CHANGE', 'high', 'm', NULL, 0, '')`, at(0), at(1), at(2), at(4))
	// Screening alerts at minutes 1 (delivered at the second attempt) and 3 (never attempted).
	exec(`INSERT INTO screen_alerts (time, watch_id, kind, verdict, decision_id, body, delivered_at, delivery_attempts, last_error) VALUES
	(?, 1, 'name', 'block', 'dec_1', '{}', ?, 2, ''),
	(?, 1, 'name', 'block', 'dec_2', '{}', NULL, 0, '')`, at(1), at(5), at(3))
	raw.Close()

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pending, err := db.Undelivered(ctx, outbox.Filter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	type msg struct {
		kind     string
		ref      int64
		attempts int
		lastErr  string
		due      string
	}
	want := []msg{
		{watch.AlertKind, 2, 5, "POST https://hooks.example.com: HTTP 503", at(2)},
		{screening.AlertKind, 2, 0, "", at(3)},
		{watch.AlertKind, 3, 0, "", at(4)},
	}
	if len(pending) != len(want) {
		t.Fatalf("pending %+v, want %+v", pending, want)
	}
	for i, w := range want {
		p := pending[i]
		if p.Kind != w.kind || p.Ref != w.ref || p.Attempts != w.attempts || p.LastError != w.lastErr || formatTime(p.NextAttemptAt) != w.due || !p.CreatedAt.Equal(p.NextAttemptAt) {
			t.Errorf("pending %d = %+v, want %+v", i, p, w)
		}
		if i > 0 && p.ID <= pending[i-1].ID {
			t.Errorf("messages not in commit order: %+v", pending)
		}
	}
	sa, err := db.Alerts(ctx, watch.AlertFilter{Limit: 10})
	if err != nil || len(sa) != 3 {
		t.Fatalf("Alerts = %+v, %v", sa, err)
	}
	if d := sa[0].Delivery; d.DeliveredAt == nil || formatTime(*d.DeliveredAt) != at(1) || d.Attempts != 1 {
		t.Errorf("the delivered Safe alert: %+v", d)
	}
	as, err := db.ScreenAlerts(ctx, 0, 10)
	if err != nil || len(as) != 2 {
		t.Fatalf("ScreenAlerts = %+v, %v", as, err)
	}
	if d := as[0].Delivery; d.DeliveredAt == nil || formatTime(*d.DeliveredAt) != at(5) || d.Attempts != 2 {
		t.Errorf("the delivered screening alert: %+v", d)
	}
	if st, err := db.OutboxStats(ctx, nil); err != nil || st.Pending != 3 || st.Retrying != 1 || !st.OldestAt.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("OutboxStats = %+v, %v", st, err)
	}
}
