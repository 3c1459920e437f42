package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// seal recomputes the hash of row seq from its stored contents and its
// stored prev_hash, as a tamperer who knows the algorithm would.
func seal(t *testing.T, db *sqlite.DB, raw *sql.DB, seq int64) string {
	t.Helper()
	entries, err := db.AuditEntries(context.Background(), seq-1, 1)
	if err != nil || len(entries) != 1 || entries[0].Seq != seq {
		t.Fatalf("read entry %d: %v", seq, err)
	}
	h := entries[0].ComputeHash()
	mustExec(t, raw, `UPDATE audit_log SET hash = ? WHERE seq = ?`, h, seq)
	return h
}

// TestTampering edits a ten-entry log by hand with SQL, as an attacker with
// write access to the file would, and checks that audit.Verify names the
// first entry that no longer checks out.
func TestTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *sqlite.DB, raw *sql.DB)
		broken int64  // first broken seq
		reason string // part of Break.Reason
	}{
		{"UpdateActor", func(t *testing.T, _ *sqlite.DB, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET actor = 'token:innocent' WHERE seq = 4`)
		}, 4, "contents do not match its hash"},
		{"UpdateDetailsWhitespace", func(t *testing.T, _ *sqlite.DB, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET details = replace(details, ':', ': ') WHERE seq = 6`)
		}, 6, "contents do not match its hash"},
		{"UpdateTimeOneNanosecond", func(t *testing.T, _ *sqlite.DB, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET time = substr(time, 1, 28) || '8Z' WHERE seq = 2`)
		}, 2, "contents do not match its hash"},
		{"DeleteMiddle", func(t *testing.T, _ *sqlite.DB, raw *sql.DB) {
			mustExec(t, raw, `DELETE FROM audit_log WHERE seq = 5`)
		}, 5, "entry 5 is missing"},
		{"SwapRows", func(t *testing.T, _ *sqlite.DB, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET seq = 1000 WHERE seq = 3`)
			mustExec(t, raw, `UPDATE audit_log SET seq = 3 WHERE seq = 7`)
			mustExec(t, raw, `UPDATE audit_log SET seq = 7 WHERE seq = 1000`)
		}, 3, "does not link"},
		{"SwapContentsKeepSeq", func(t *testing.T, _ *sqlite.DB, raw *sql.DB) {
			mustExec(t, raw, `CREATE TEMP TABLE saved AS SELECT * FROM audit_log WHERE seq IN (3, 8)`)
			mustExec(t, raw, `UPDATE audit_log SET (time, actor, action, target, details, prev_hash, hash) =
				(SELECT time, actor, action, target, details, prev_hash, hash FROM saved WHERE saved.seq = 11 - audit_log.seq)
				WHERE seq IN (3, 8)`)
		}, 3, "does not link"},
		{"DeleteLast", func(t *testing.T, _ *sqlite.DB, raw *sql.DB) {
			mustExec(t, raw, `DELETE FROM audit_log WHERE seq = 10`)
		}, 10, "entries 10 to 10 are missing"},
		{"DeleteLastAndMoveHead", func(t *testing.T, _ *sqlite.DB, raw *sql.DB) {
			mustExec(t, raw, `DELETE FROM audit_log WHERE seq = 10`)
			mustExec(t, raw, `UPDATE audit_head SET seq = 9, hash = (SELECT hash FROM audit_log WHERE seq = 9)`)
		}, 0, ""}, // undetectable without a copy of the head kept elsewhere; see package audit
		{"RewriteAndRehashOne", func(t *testing.T, db *sqlite.DB, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET target = 'someone else' WHERE seq = 8`)
			seal(t, db, raw, 8)
		}, 9, "does not link"},
		{"RewriteAndRehashTail", func(t *testing.T, db *sqlite.DB, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET target = 'someone else' WHERE seq = 8`)
			h := seal(t, db, raw, 8)
			for seq := int64(9); seq <= 10; seq++ {
				mustExec(t, raw, `UPDATE audit_log SET prev_hash = ? WHERE seq = ?`, h, seq)
				h = seal(t, db, raw, seq)
			}
		}, 10, "does not match the recorded head"},
		{"DeleteHead", func(t *testing.T, _ *sqlite.DB, raw *sql.DB) {
			mustExec(t, raw, `DELETE FROM audit_head`)
		}, 1, "added outside the log"},
		{"AppendForgedUnhashed", func(t *testing.T, _ *sqlite.DB, raw *sql.DB) {
			mustExec(t, raw, `INSERT INTO audit_log SELECT 11, time, actor, action, target, details, hash, hash FROM audit_log WHERE seq = 10`)
		}, 11, "added outside the log"},
		{"AppendForgedHashed", func(t *testing.T, db *sqlite.DB, raw *sql.DB) {
			head, err := db.AuditHead(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			e := &audit.Entry{Seq: 11, Time: time.Now(), Actor: "cli", Action: "forged", PrevHash: head.Hash}
			e.Hash = e.ComputeHash()
			mustExec(t, raw, `INSERT INTO audit_log (seq, time, actor, action, target, prev_hash, hash) VALUES (?, ?, ?, ?, '', ?, ?)`,
				e.Seq, e.Time.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, e.PrevHash, e.Hash)
		}, 11, "added outside the log"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			db := openStore(t)
			record10(t, db)
			raw := rawDB(t, db.Path())
			c.tamper(t, db, raw)

			rep, err := audit.Verify(ctx, db, nil)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if c.broken == 0 {
				if !rep.Intact() {
					t.Fatalf("Verify = broken at %d (%s), want intact", rep.Broken.Seq, rep.Broken.Reason)
				}
				return
			}
			if rep.Intact() {
				t.Fatalf("Verify = intact after tampering, want broken at %d", c.broken)
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

// TestTamperingMalformed covers edits that leave a row which cannot even be
// read back as an entry: the store says which entry and why, with
// EINTEGRITY (exit code 3, like a broken chain).
func TestTamperingMalformed(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	record10(t, db)
	raw := rawDB(t, db.Path())
	mustExec(t, raw, `UPDATE audit_log SET time = 'yesterday' WHERE seq = 7`)
	_, err := audit.Verify(ctx, db, nil)
	if !bulwark.IsCode(err, bulwark.EINTEGRITY) || !strings.Contains(bulwark.ErrorMessage(err), "audit entry 7") {
		t.Fatalf("Verify = %v (code %q), want %q naming entry 7", err, bulwark.ErrorCode(err), bulwark.EINTEGRITY)
	}
	if code := bulwark.ErrorExitCode(err); code != bulwark.ExitBlock {
		t.Errorf("exit code = %d, want %d", code, bulwark.ExitBlock)
	}
}

// TestTamperingAppendAfterHeadDeleted: with the head row gone, the next
// append would collide with entry 1; the store refuses rather than
// overwriting evidence.
func TestTamperingAppendAfterHeadDeleted(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	record10(t, db)
	mustExec(t, rawDB(t, db.Path()), `DELETE FROM audit_head`)
	_, err := (&audit.Log{Store: db}).Record(ctx, audit.Event{Actor: "cli", Action: "after"})
	if !bulwark.IsCode(err, bulwark.EINTEGRITY) {
		t.Fatalf("Record = %v (code %q), want %q", err, bulwark.ErrorCode(err), bulwark.EINTEGRITY)
	}
	entries, err := db.AuditEntries(ctx, 0, 100)
	if err != nil || len(entries) != 10 {
		t.Fatalf("entries after the refused append: %d, %v", len(entries), err)
	}
}

// TestTamperingWithSQLiteCLI does what the acceptance test does: edit a row
// with the sqlite3 command while the store is open.
func TestTamperingWithSQLiteCLI(t *testing.T) {
	cli, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Skip("sqlite3 command not installed")
	}
	ctx := context.Background()
	db := openStore(t)
	record10(t, db)
	out, err := exec.Command(cli, db.Path(), `UPDATE audit_log SET actor = 'nobody' WHERE seq = 6;`).CombinedOutput()
	if err != nil {
		t.Fatalf("sqlite3: %v: %s", err, out)
	}
	rep, err := audit.Verify(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Intact() || rep.Broken.Seq != 6 {
		t.Fatalf("Verify = %+v, want broken at 6", rep)
	}
}

func record10(t *testing.T, db *sqlite.DB) {
	t.Helper()
	now := time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC)
	log := &audit.Log{Store: db, Now: func() time.Time { now = now.Add(1500 * time.Millisecond); return now }}
	for i := 1; i <= 10; i++ {
		if _, err := log.Record(context.Background(), audit.Event{
			Actor:   fmt.Sprintf("token:%016x", i),
			Action:  "screen.address",
			Target:  fmt.Sprintf("0x%040x", i),
			Details: map[string]any{"verdict": "clear", "n": i},
		}); err != nil {
			t.Fatal(err)
		}
	}
}
