package sqlite_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/screening"
)

// TestTamperingDecisionBatchColumns: the columns a batch row keeps beside
// its data for reads and retention (the bounds of its decisions' times,
// the verdicts present) are held to the data: a batch made to look older
// (so that retention would take it) or made to hide a verdict from
// listings is found by Verify.
func TestTamperingDecisionBatchColumns(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		tamper func(t *testing.T, raw *sql.DB)
	}{
		{"BackdateTheLastTime", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE screen_decision_batches SET last_time = '2020-01-01T00:00:00.000000000Z' WHERE audit_seq = 2`)
		}},
		{"MoveTheFirstTime", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE screen_decision_batches SET first_time = '2027-01-01T00:00:00.000000000Z' WHERE audit_seq = 2`)
		}},
		{"HideABlock", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE screen_decision_batches SET verdicts = ' clear ' WHERE audit_seq = 2`)
		}},
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
			if rep, err := audit.Verify(ctx, db, nil); err != nil || !rep.Intact() {
				t.Fatalf("Verify before the tampering = %+v, %v; want intact", rep, err)
			}
			c.tamper(t, rawDB(t, db.Path()))
			rep, err := audit.Verify(ctx, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Intact() {
				t.Fatalf("Verify = intact (%d entries), want broken at 2", rep.Entries)
			}
			if rep.Broken.Seq != 2 || !strings.Contains(rep.Broken.Reason, "batch") {
				t.Errorf("Verify = broken at %d (%s), want 2, naming the batch", rep.Broken.Seq, rep.Broken.Reason)
			}
		})
	}
}
