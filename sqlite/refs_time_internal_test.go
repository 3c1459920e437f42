package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/screening"
)

// timedRecs returns n decisions whose bodies hold their time, as the
// screening service's do.
func timedRecs(tag string, n int, at time.Time) []screening.Recorded {
	recs := make([]screening.Recorded, n)
	for i := range recs {
		d := &screening.Decision{ID: fmt.Sprintf("dec_%s%04d", tag, i), Time: at.Add(time.Duration(i) * time.Millisecond),
			Kind: "address", Use: screening.UseDeposit, Subject: "cust-" + tag, Actor: "token:x", Verdict: bulwark.VerdictClear}
		body := fmt.Sprintf(`{"decisionId":%q,"time":%q,"kind":"address","verdict":"clear","lists":{},"results":[]}`, d.ID, d.Time.Format(time.RFC3339Nano))
		recs[i] = screening.Recorded{Decision: d, Body: []byte(body)}
	}
	return recs
}

// TestTamperingDecisionTimes: the time a decision is stored with (which
// listings and retention read) is held to the time in its audited body,
// in a row of its own and inside a batch row, so that a decision made to
// look older than it is (for retention to take it) is found by Verify.
func TestTamperingDecisionTimes(t *testing.T) {
	t.Parallel()
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		n      int // decisions in the entry: 3 a row each, 40 a batch row
		tamper func(t *testing.T, db *DB)
	}{
		{"Untouched", 40, func(*testing.T, *DB) {}},
		{"ARow", 3, func(t *testing.T, db *DB) {
			if _, err := db.w.Exec(`UPDATE screen_decisions SET time = ? WHERE id = 'dec_b0001'`, formatTime(old)); err != nil {
				t.Fatal(err)
			}
		}},
		{"InABatch", 40, func(t *testing.T, db *DB) {
			var data []byte
			if err := db.w.QueryRow(`SELECT data FROM screen_decision_batches WHERE audit_seq = 2`).Scan(&data); err != nil {
				t.Fatal(err)
			}
			ds, err := decodeDecisionBatch(data, 2, true)
			if err != nil {
				t.Fatal(err)
			}
			recs := make([]screening.Recorded, len(ds))
			for i := range ds {
				d := ds[i].Decision
				if i == 5 {
					d.Time = old
				}
				recs[i] = screening.Recorded{Decision: &d, Body: ds[i].raw}
			}
			data, first, last, verdicts, err := encodeDecisionBatch(recs)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.w.Exec(`UPDATE screen_decision_batches SET data = ?, first_time = ?, last_time = ?, verdicts = ? WHERE audit_seq = 2`,
				data, formatTime(first), formatTime(last), verdicts); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			log := &audit.Log{Store: db}
			base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i, tag := range []string{"a", "b", "c"} {
				if err := screening.StoreDecisions(ctx, db, log, timedRecs(tag, c.n, base.Add(time.Duration(i)*time.Hour)), false); err != nil {
					t.Fatal(err)
				}
			}
			c.tamper(t, db)
			rep, err := audit.Verify(ctx, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.name == "Untouched" {
				if !rep.Intact() {
					t.Fatalf("Verify = broken at %d (%s), want intact", rep.Broken.Seq, rep.Broken.Reason)
				}
				return
			}
			if rep.Intact() || rep.Broken.Seq != 2 || !strings.Contains(rep.Broken.Reason, "time") {
				t.Fatalf("Verify = %+v, want broken at 2 over a decision's time", rep)
			}
		})
	}
}
