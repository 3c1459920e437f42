package sqlite

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/screening"
)

// journalRecs returns n decisions with ids prefix-0 .. prefix-(n-1).
func journalRecs(prefix string, n int) []screening.Recorded {
	recs := make([]screening.Recorded, n)
	for i := range recs {
		at := time.Date(2026, 1, 2, 3, 4, 5, 6+i, time.UTC)
		d := &screening.Decision{ID: testDecisionID(at, prefix, i), Time: at,
			Kind: "address", Use: screening.UseDeposit, Subject: "cust-" + prefix, Actor: "token:x", Verdict: bulwark.VerdictClear}
		body := []byte(fmt.Sprintf(`{"decisionId":%q,"verdict":"clear"}`, d.ID))
		recs[i] = screening.Recorded{Decision: d, Body: body}
	}
	return recs
}

// testDecisionID is an ID as screening.NewDecisionID makes for a
// decision at t (the batches find it by its time), its random part
// standing for prefix and i.
func testDecisionID(t time.Time, prefix string, i int) string {
	return fmt.Sprintf("dec_%012x%06x%06x", t.UnixMilli(), crc32.ChecksumIEEE([]byte(prefix))&0xffffff, i)
}

// waitSpare waits until the journal's next segment is made, so that the
// next append past the end of the current one starts it (instead of
// going on past the end while it is being made).
func waitSpare(j *journal) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.spareBusy {
		j.spare = <-j.spareMade
		j.spareBusy = false
	}
}

// TestJournalRecord: a record decodes to what was encoded; a record cut
// short, with a flipped byte, or followed by garbage inside its length is
// refused, and the record after a good one is found.
func TestJournalRecord(t *testing.T) {
	t.Parallel()
	a, b := journalRecs("a", 3), journalRecs("b", 1)
	data := appendJournalRecord(nil, a, 1)
	first := len(data)
	data = appendJournalRecord(data, b, 1)

	got, rest, ok := decodeJournalRecord(data, 1)
	if !ok || len(got) != 3 {
		t.Fatalf("decode = %d decisions, ok %v", len(got), ok)
	}
	for i, r := range got {
		w := a[i]
		g, x := r.Decision, w.Decision
		same := g.ID == x.ID && g.Time.Equal(x.Time) && g.Kind == x.Kind && g.Use == x.Use && g.Subject == x.Subject &&
			g.Actor == x.Actor && g.Verdict == x.Verdict
		if !same || !bytes.Equal(r.Body, w.Body) || r.Item != nil || !bytes.Equal(r.AuditItem(), w.AuditItem()) {
			t.Errorf("decision %d = %+v %s %s, want %+v %s %s (no audit line in the record)", i, *r.Decision, r.Body, r.Item, *w.Decision, w.Body, w.AuditItem())
		}
	}
	got, rest, ok = decodeJournalRecord(rest, 1)
	if !ok || len(got) != 1 || got[0].Decision.ID != b[0].Decision.ID || len(rest) != 0 {
		t.Fatalf("second record = %d decisions (ok %v), %d bytes left", len(got), ok, len(rest))
	}

	for name, bad := range map[string][]byte{
		"empty":         nil,
		"header only":   data[:7],
		"cut short":     data[:first-1],
		"flipped byte":  append(append([]byte(nil), data[:first-3]...), data[first-3]^1, data[first-2], data[first-1]),
		"zero checksum": append(append([]byte(nil), data[:4]...), append([]byte{0, 0, 0, 0}, data[8:first]...)...),
	} {
		if recs, _, ok := decodeJournalRecord(bad, 1); ok {
			t.Errorf("%s: decoded %d decisions, want refused", name, len(recs))
		}
	}
	// The checksum is the CRC-32C of the segment's number and the payload.
	var seg [8]byte
	binary.LittleEndian.PutUint64(seg[:], 0x0102030405060708)
	if got, want := recordCRC(0x0102030405060708, []byte("payload")), crc32.Checksum(append(seg[:], "payload"...), crcTable); got != want {
		t.Errorf("recordCRC = %08x, want %08x", got, want)
	}
	// Left in a segment reused as another: not that segment's.
	if recs, _, ok := decodeJournalRecord(data, 2); ok {
		t.Errorf("a record of segment 1 read as segment 2's: %d decisions", len(recs))
	}
	// Format 1, as an earlier version wrote it: read in any segment, with
	// its audit lines.
	old := appendJournalRecordFormat1(nil, a)
	for _, seg := range []int64{1, 7} {
		got, rest, ok := decodeJournalRecord(old, seg)
		if !ok || len(got) != len(a) || len(rest) != 0 {
			t.Fatalf("format 1 record in segment %d: %d decisions, ok %v, %d bytes left", seg, len(got), ok, len(rest))
		}
		for i, r := range got {
			if r.Decision.ID != a[i].Decision.ID || !bytes.Equal(r.Body, a[i].Body) || !bytes.Equal(r.Item, a[i].AuditItem()) {
				t.Errorf("format 1 decision %d = %+v %s %s", i, *r.Decision, r.Body, r.Item)
			}
		}
	}
}

// appendJournalRecordFormat1 appends batch's record in format 1: the
// payload's CRC-32C alone, each decision's audit line after its body.
func appendJournalRecordFormat1(b []byte, batch []screening.Recorded) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
	b = binary.AppendUvarint(b, uint64(len(batch)))
	for _, r := range batch {
		d := r.Decision
		for _, s := range [...]string{d.ID, d.Kind, string(d.Use), d.Subject, d.Actor, string(d.Verdict)} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
		b = binary.AppendUvarint(b, uint64(len(r.Body)))
		b = append(b, r.Body...)
		item := r.AuditItem()
		b = binary.AppendUvarint(b, uint64(len(item)))
		b = append(b, item...)
		b = binary.AppendVarint(b, d.Time.UnixNano())
	}
	payload := b[start+8:]
	binary.LittleEndian.PutUint32(b[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[start+4:], crc32.Checksum(payload, crcTable))
	return b
}

// TestJournalRecovery: segments a killed process left are stored when the
// store is next opened: decisions not stored yet with an audit entry, one
// already stored in a row of its own and a batch's worth already stored
// skipped, one journaled twice stored once, a record cut
// short at the end ignored, a segment of format 1 read; the
// segments are removed and the audit chain checks out, decisions included.
func TestJournalRecovery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	stored := journalRecs("s", 1)
	// And a batch row's worth, found by their time.
	batched := journalRecs("t", batchMin)
	for _, recs := range [][]screening.Recorded{stored, batched} {
		if err := screening.StoreDecisions(ctx, db, &audit.Log{Store: db}, recs, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	one, two := journalRecs("j", 4), journalRecs("k", 2)
	seg1 := appendJournalRecord(nil, append(append(append([]screening.Recorded(nil), stored...), batched...), one...), 1)
	seg1 = append(seg1, make([]byte, 4096)...) // the rest of a preallocated segment
	// Segment 2 as an earlier version left it (format 1).
	seg2 := appendJournalRecordFormat1(nil, two)
	seg2 = appendJournalRecordFormat1(seg2, two[1:]) // appended again after a failed sync
	tornRecs := journalRecs("torn", 1)
	torn := appendJournalRecord(nil, tornRecs, 2)
	seg2 = append(seg2, torn[:len(torn)-5]...)
	for name, data := range map[string][]byte{path + "-decisions.000001": seg1, path + "-decisions.000002": seg2} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, r := range append(append(append(stored, batched...), one...), two...) {
		if _, err := db.Decision(ctx, r.Decision.ID); err != nil {
			t.Errorf("decision %s after recovery: %v", r.Decision.ID, err)
		}
	}
	if _, err := db.Decision(ctx, tornRecs[0].Decision.ID); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
		t.Errorf("the decision cut short: %v, want not found", err)
	}
	if ds, err := db.Decisions(ctx, screening.DecisionFilter{Limit: 100}); err != nil || len(ds) != 7+batchMin {
		t.Errorf("decisions after recovery: %d (%v), want %d (none twice)", len(ds), err, 7+batchMin)
	}
	rep, err := audit.Verify(ctx, db, nil)
	if err != nil || !rep.Intact() {
		t.Fatalf("audit verify after recovery: %+v, %v", rep, err)
	}
	if m, _ := filepath.Glob(path + "-decisions.0*"); len(m) != 0 {
		t.Errorf("segments left after recovery: %v", m)
	}
}

// TestJournalAppend: a decision appended is listed right away (reads wait
// for the loader), a second process cannot take the journal while the
// first holds it, segments rotate and are removed once stored, Close
// stores what is left, and the audit chain covers every decision.
func TestJournalAppend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.journalSegmentBytes = 8192
	jr, err := db.DecisionJournal(ctx)
	if err != nil || jr == nil {
		t.Fatalf("DecisionJournal = %v, %v", jr, err)
	}
	other, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if oj, err := other.DecisionJournal(ctx); err != nil || oj != nil {
		t.Errorf("second store's DecisionJournal = %v, %v; want nil while the first holds it", oj, err)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}

	a := journalRecs("a", 3)
	if err := jr.Append(ctx, a, false); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Decision(ctx, a[2].Decision.ID); err != nil {
		t.Errorf("decision read right after Append: %v", err)
	}
	// Rotation: bodies bigger than a segment.
	j := db.activeJournal()
	big := journalRecs("big", 3)
	for i := range big {
		big[i].Body = bytes.Repeat([]byte{'x'}, 3000)
		waitSpare(j)
		if err := jr.Append(ctx, big[i:i+1], true); err != nil {
			t.Fatal(err)
		}
	}
	j.mu.Lock()
	seg := j.seg
	j.mu.Unlock()
	if seg < 2 {
		t.Errorf("after 9,000 bytes of bodies and more in segments of 8,192 the journal is on segment %d, want a later one", seg)
	}
	if _, err := db.Decisions(ctx, screening.DecisionFilter{Limit: 10}); err != nil {
		t.Fatal(err)
	}
	// Stored segments are removed: what is left is the current one and
	// the next, made in advance.
	for _, name := range must(filepath.Glob(path + "-decisions.0*")) {
		if n, _ := strconv.ParseInt(strings.TrimPrefix(name, path+"-decisions."), 10, 64); n < seg || n > seg+1 {
			t.Errorf("segment %s left once everything is stored (current: %d)", name, seg)
		}
	}
	last := journalRecs("last", 2)
	if err := jr.Append(ctx, last, false); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(path + "-decisions.0*"); len(m) != 0 {
		t.Errorf("segments left after Close: %v", m)
	}
	if err := jr.Append(ctx, journalRecs("late", 1), false); bulwark.ErrorCode(err) != bulwark.EUNAVAILABLE {
		t.Errorf("Append after Close = %v, want unavailable", err)
	}

	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, r := range append(append(a, big...), last...) {
		if _, err := db.Decision(ctx, r.Decision.ID); err != nil {
			t.Errorf("decision %s after reopening: %v", r.Decision.ID, err)
		}
	}
	rep, err := audit.Verify(ctx, db, nil)
	if err != nil || !rep.Intact() {
		t.Fatalf("audit verify: %+v, %v", rep, err)
	}
}

// TestJournalMappedAppend: on Linux an append is a copy into the mapped
// segment, in the file as soon as Append returns (what a killed process
// leaves); a fault on the mapping (here: the segment cut to nothing
// under it) fails that append instead of crashing, and later appends are
// written with pwrite and kept.
func TestJournalMappedAppend(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the journal maps its segments on Linux only")
	}
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	jr, err := db.DecisionJournal(ctx)
	if err != nil || jr == nil {
		t.Fatalf("DecisionJournal = %v, %v", jr, err)
	}
	j := db.activeJournal()
	j.mu.Lock()
	mapped, seg := j.m != nil, j.name(j.seg)
	j.mu.Unlock()
	if !mapped {
		t.Fatal("the segment is not mapped")
	}
	a := journalRecs("a", 3)
	if err := jr.Append(ctx, a, false); err != nil {
		t.Fatal(err)
	}
	recs, _, ok := decodeJournalRecord(must(os.ReadFile(seg)), 1)
	if !ok || len(recs) != 3 || recs[2].Decision.ID != a[2].Decision.ID {
		t.Fatalf("the segment file holds %d decisions (%v), want the 3 appended", len(recs), ok)
	}

	if err := os.Truncate(seg, 0); err != nil {
		t.Fatal(err)
	}
	if err := jr.Append(ctx, journalRecs("lost", 1), false); bulwark.ErrorCode(err) != bulwark.EUNAVAILABLE {
		t.Fatalf("Append onto a mapping without a file behind it = %v, want unavailable", err)
	}
	j.mu.Lock()
	unmapped := j.unmapped && j.m == nil
	j.mu.Unlock()
	if !unmapped {
		t.Error("still mapped after a fault")
	}
	b := journalRecs("b", 2)
	if err := jr.Append(ctx, b, false); err != nil {
		t.Fatalf("Append after the fault: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, r := range append(a, b...) {
		if _, err := db.Decision(ctx, r.Decision.ID); err != nil {
			t.Errorf("decision %s after reopening: %v", r.Decision.ID, err)
		}
	}
	if rep, err := audit.Verify(ctx, db, nil); err != nil || !rep.Intact() {
		t.Fatalf("audit verify: %+v, %v", rep, err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestJournalLoadFailure: decisions the loader cannot store stay in the
// journal, DecisionJournalErr says why, a read waiting for them fails
// instead of hanging, and closing the journal keeps the segment for the
// next start.
func TestJournalLoadFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	jr, err := db.DecisionJournal(ctx)
	if err != nil || jr == nil {
		t.Fatalf("DecisionJournal = %v, %v", jr, err)
	}
	if err := db.DecisionJournalErr(); err != nil {
		t.Fatalf("DecisionJournalErr before any load = %v", err)
	}
	bad := journalRecs("bad", 1)
	bad[0].Decision.Kind = "" // refused by the store
	if err := jr.Append(ctx, bad, false); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := db.Decisions(rctx, screening.DecisionFilter{Limit: 1}); bulwark.ErrorCode(err) != bulwark.EUNAVAILABLE {
		t.Errorf("read while the journal cannot be stored = %v, want unavailable", err)
	}
	jerr := db.DecisionJournalErr()
	if bulwark.ErrorCode(jerr) != bulwark.EUNAVAILABLE || !strings.Contains(jerr.Error(), "1 screening decisions") {
		t.Errorf("DecisionJournalErr = %v, want unavailable naming 1 decision", jerr)
	}
	if err := db.CloseJournal(); err == nil || !strings.Contains(err.Error(), "1 screening decisions are left in the decision journal") {
		t.Errorf("CloseJournal = %v, want the decision left named", err)
	}
	_ = db.Close()
	if m, _ := filepath.Glob(path + "-decisions.0*"); len(m) != 1 {
		t.Errorf("segments after Close with a decision left: %v, want the one holding it", m)
	}
}

// TestJournalSyncAfterClose: the WAL syncer may tick after the journal
// has closed (it stops later, with the store); the journal's last
// unsynced append was synced by close, so that tick has nothing to do and
// counts no failure.
func TestJournalSyncAfterClose(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	jr, err := db.DecisionJournal(ctx)
	if err != nil || jr == nil {
		t.Fatalf("DecisionJournal = %v, %v", jr, err)
	}
	j := db.activeJournal()
	if err := jr.Append(ctx, journalRecs("a", 2), false); err != nil {
		t.Fatal(err)
	}
	if err := j.close(); err != nil {
		t.Fatal(err)
	}
	if err := j.sync(); err != nil {
		t.Errorf("a sync after close: %v", err)
	}
	if n := db.walSyncFailures.Load(); n != 0 {
		t.Errorf("walSyncFailures = %d, want 0", n)
	}
}

// TestJournalLoadable: a load takes whole pending batches, oldest first,
// up to journalLoadMax decisions (a larger first batch whole), and says
// when it leaves some behind, so that the loader goes on at once only
// then.
func TestJournalLoadable(t *testing.T) {
	t.Parallel()
	batch := func(n int) journalBatch { return journalBatch{recs: make([]screening.Recorded, n)} }
	for _, c := range []struct {
		name   string
		sizes  []int
		nb, n  int
		capped bool
	}{
		{"nothing", nil, 0, 0, false},
		{"small batches", []int{1, 1, 3}, 3, 5, false},
		{"exactly the maximum", []int{journalLoadMax - 1, 1}, 2, journalLoadMax, false},
		{"one past the maximum", []int{journalLoadMax - 1, 2, 1}, 1, journalLoadMax - 1, true},
		{"a first batch larger than the maximum", []int{journalLoadMax + 5, 1}, 1, journalLoadMax + 5, true},
	} {
		var pending []journalBatch
		for _, n := range c.sizes {
			pending = append(pending, batch(n))
		}
		nb, n, capped := loadable(pending)
		if nb != c.nb || n != c.n || capped != c.capped {
			t.Errorf("%s: loadable = %d batches, %d decisions, capped %v; want %d, %d, %v", c.name, nb, n, capped, c.nb, c.n, c.capped)
		}
	}
}

// TestJournalTryAppend: TryAppend appends as Append does (the decision is
// then read back), declines without appending while the decisions still to
// be stored fill the journal's budget (where Append would wait), and
// declines once the journal is closed.
func TestJournalTryAppend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	jr, err := db.DecisionJournal(ctx)
	if err != nil || jr == nil {
		t.Fatalf("DecisionJournal = %v, %v", jr, err)
	}
	dj := jr.(screening.DirectJournal)
	two := journalRecs("a", 2)
	if ok, err := dj.TryAppend(two); !ok || err != nil {
		t.Fatalf("TryAppend = %v, %v", ok, err)
	}
	if _, err := db.Decision(ctx, two[1].Decision.ID); err != nil {
		t.Errorf("decision appended with TryAppend: %v", err)
	}
	// A decision the store refuses stays pending; then the pending bytes
	// are said to fill the budget.
	bad := journalRecs("bad", 1)
	bad[0].Decision.Kind = ""
	if ok, err := dj.TryAppend(bad); !ok || err != nil {
		t.Fatalf("TryAppend = %v, %v", ok, err)
	}
	j := db.activeJournal()
	j.mu.Lock()
	was := j.pendingBytes
	j.pendingBytes = journalPendingBytes
	appended := j.appended
	j.mu.Unlock()
	if ok, err := dj.TryAppend(journalRecs("full", 1)); ok || err != nil {
		t.Errorf("TryAppend with the journal full = %v, %v; want false, nil", ok, err)
	}
	j.mu.Lock()
	if j.appended != appended {
		t.Errorf("TryAppend with the journal full appended a batch")
	}
	j.pendingBytes = was
	j.mu.Unlock()
	_ = db.CloseJournal() // says the bad decision is left
	if ok, err := dj.TryAppend(journalRecs("late", 1)); ok || err != nil {
		t.Errorf("TryAppend after close = %v, %v; want false, nil", ok, err)
	}
}

// TestJournalSyncDoesNotHoldAppends: while the WAL syncer's sync of the
// journal is flushing the disk (here: the state it leaves while it does),
// appends go on, through a rotation, and what they appended is stored;
// the next sync succeeds.
func TestJournalSyncDoesNotHoldAppends(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.journalSegmentBytes = 8192
	jr, err := db.DecisionJournal(ctx)
	if err != nil || jr == nil {
		t.Fatalf("DecisionJournal = %v, %v", jr, err)
	}
	j := db.activeJournal()
	if err := jr.Append(ctx, journalRecs("a", 1), false); err != nil {
		t.Fatal(err)
	}
	// Stand for a sync in flight: what sync sets before it lets the lock go.
	j.mu.Lock()
	if !j.unsynced {
		t.Fatal("an append without sync left the journal synced")
	}
	j.unsynced, j.syncing = false, true
	seg := j.seg
	j.mu.Unlock()
	// Appends go through, as far as a rotation (which syncs the segment
	// the sync in flight was flushing).
	big := journalRecs("big", 4)
	waitSpare(j)
	for i := range big {
		big[i].Body = bytes.Repeat([]byte{'x'}, 3000)
		if ok, err := jr.(screening.DirectJournal).TryAppend(big[i : i+1]); !ok || err != nil {
			t.Fatalf("TryAppend during a sync = %v, %v", ok, err)
		}
	}
	j.mu.Lock()
	if j.seg == seg {
		t.Errorf("no rotation after 12,000 bytes in segments of 8,192")
	}
	j.syncing = false
	j.mu.Unlock()
	if err := j.sync(); err != nil {
		t.Errorf("sync: %v", err)
	}
	for _, r := range big {
		if _, err := db.Decision(ctx, r.Decision.ID); err != nil {
			t.Errorf("decision %s: %v", r.Decision.ID, err)
		}
	}
}

// TestJournalRotationDoesNotWaitForSpare: appends that fill segments
// faster than the next one is made in the background go on past the end
// of the full segment (up to journalOverrun segments' worth, then they
// wait for it) instead of waiting at once, and never make that same file
// a second time (two writers truncating and zeroing one file: an append
// faulting on the truncated mapping, records overwritten with zeros, the
// segment's name removed); every append succeeds and every decision is
// stored.
func TestJournalRotationDoesNotWaitForSpare(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.journalSegmentBytes = 4096
	jr, err := db.DecisionJournal(ctx)
	if err != nil || jr == nil {
		t.Fatalf("DecisionJournal = %v, %v", jr, err)
	}
	j := db.activeJournal()
	big := journalRecs("big", 40)
	for i := range big {
		big[i].Body = bytes.Repeat([]byte{'x'}, 3000) // a segment each
		if ok, err := jr.(screening.DirectJournal).TryAppend(big[i : i+1]); !ok || err != nil {
			t.Fatalf("append %d: %v, %v", i, ok, err)
		}
		j.mu.Lock()
		if j.size > journalOverrun*j.segmentBytes {
			t.Errorf("segment %d holds %d bytes, more than %d segments' worth", j.seg, j.size, journalOverrun)
		}
		j.mu.Unlock()
	}
	j.mu.Lock()
	if min := int64(40 * 3000 / (journalOverrun * 4096)); j.seg < min {
		t.Errorf("segment %d after 40 appends of a segment each, want %d or later", j.seg, min)
	}
	j.mu.Unlock()
	for _, r := range big {
		if _, err := db.Decision(ctx, r.Decision.ID); err != nil {
			t.Errorf("decision %s: %v", r.Decision.ID, err)
		}
	}
}

// TestJournalRotationLeavesSyncToSyncer: a rotation does not sync the
// segment it lets go (appends would wait for the disk meanwhile) but
// leaves it to the syncer's next tick, which syncs and closes it; one
// with nothing unsynced is closed at once.
func TestJournalRotationLeavesSyncToSyncer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{WALSyncInterval: time.Hour}) // this test syncs
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.journalSegmentBytes = 8192
	jr, err := db.DecisionJournal(ctx)
	if err != nil || jr == nil {
		t.Fatalf("DecisionJournal = %v, %v", jr, err)
	}
	j := db.activeJournal()
	dj := jr.(screening.DirectJournal)
	big := journalRecs("big", 6)
	for i := range big {
		big[i].Body = bytes.Repeat([]byte{'x'}, 3000)
	}
	waitSpare(j)
	j.mu.Lock()
	first := j.f
	j.mu.Unlock()
	for i := range 3 { // the third starts segment 2
		if ok, err := dj.TryAppend(big[i : i+1]); !ok || err != nil {
			t.Fatalf("append %d: %v, %v", i, ok, err)
		}
	}
	j.mu.Lock()
	if j.seg != 2 || len(j.retired) != 1 || j.retired[0] != first {
		t.Errorf("after a rotation: segment %d, retired %v; want segment 2 and segment 1 retired", j.seg, j.retired)
	}
	j.mu.Unlock()
	if err := j.sync(); err != nil {
		t.Fatal(err)
	}
	j.mu.Lock()
	if len(j.retired) != 0 || j.unsynced {
		t.Errorf("after a sync: retired %v, unsynced %v; want none", j.retired, j.unsynced)
	}
	j.mu.Unlock()
	if _, err := first.Stat(); err == nil {
		t.Error("the retired segment is still open after it was synced")
	}
	// Synced, then rotated: nothing to retire.
	if ok, err := dj.TryAppend(big[3:4]); !ok || err != nil {
		t.Fatalf("append: %v, %v", ok, err)
	}
	if err := j.sync(); err != nil {
		t.Fatal(err)
	}
	waitSpare(j)
	j.mu.Lock()
	second := j.f
	j.mu.Unlock()
	for i := 4; i < 6; i++ {
		if err := jr.Append(ctx, big[i:i+1], true); err != nil {
			t.Fatal(err)
		}
	}
	j.mu.Lock()
	if j.seg != 3 || len(j.retired) != 0 {
		t.Errorf("after a rotation of a synced segment: segment %d, retired %v; want segment 3, none retired", j.seg, j.retired)
	}
	j.mu.Unlock()
	if _, err := second.Stat(); err == nil {
		t.Error("a synced segment let go is still open")
	}
	for _, r := range big {
		if _, err := db.Decision(ctx, r.Decision.ID); err != nil {
			t.Errorf("decision %s: %v", r.Decision.ID, err)
		}
	}
}

// TestJournalRotationsWhileSyncing: appends from several goroutines
// rotate through many small segments while the syncer syncs over and
// over (run with -race); every append succeeds, a last sync leaves no
// segment retired, and every decision is stored, also after reopening.
func TestJournalRotationsWhileSyncing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.journalSegmentBytes = 8192
	jr, err := db.DecisionJournal(ctx)
	if err != nil || jr == nil {
		t.Fatalf("DecisionJournal = %v, %v", jr, err)
	}
	j := db.activeJournal()
	stop, synced := make(chan struct{}), make(chan error, 1)
	go func() {
		var errs []error
		for {
			select {
			case <-stop:
				synced <- errors.Join(errs...)
				return
			default:
			}
			if err := j.sync(); err != nil {
				errs = append(errs, err)
			}
		}
	}()
	const writers, each = 4, 60
	all := make([][]screening.Recorded, writers)
	errs := make(chan error, writers)
	for w := range writers {
		all[w] = journalRecs(fmt.Sprintf("w%d-", w), each)
		go func() {
			for i := range all[w] {
				all[w][i].Body = bytes.Repeat([]byte{'x'}, 700)
				var err error
				if i%3 == 2 {
					err = jr.Append(ctx, all[w][i:i+1], i%2 == 0)
				} else if ok, terr := jr.(screening.DirectJournal).TryAppend(all[w][i : i+1]); terr != nil || !ok {
					err = fmt.Errorf("TryAppend = %v, %v", ok, terr)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	if err := <-synced; err != nil {
		t.Errorf("sync while rotating: %v", err)
	}
	if err := j.sync(); err != nil {
		t.Fatal(err)
	}
	j.mu.Lock()
	if len(j.retired) != 0 || j.seg < 5 {
		t.Errorf("segment %d, retired %v; want 5 or later (204 kB in segments of 8 kB growing to 32 kB at most) and none retired after a sync", j.seg, j.retired)
	}
	j.mu.Unlock()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, recs := range all {
		for _, r := range recs {
			if _, err := db.Decision(ctx, r.Decision.ID); err != nil {
				t.Errorf("decision %s: %v", r.Decision.ID, err)
			}
		}
	}
}

// TestJournalReusesSegments: a stored segment is kept and becomes the
// segment after next (the same file, renamed, not written with zeros
// again); the records it held before are not read as the new segment's,
// only those appended to it since; Close leaves no file behind, and the
// decisions and the audit chain are whole after reopening.
func TestJournalReusesSegments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.journalSegmentBytes = 8192
	jr, err := db.DecisionJournal(ctx)
	if err != nil || jr == nil {
		t.Fatalf("DecisionJournal = %v, %v", jr, err)
	}
	j := db.activeJournal()
	first, err := os.Stat(j.name(1))
	if err != nil {
		t.Fatal(err)
	}
	var all []screening.Recorded
	// Two 3,000-byte bodies fill a segment of 8,192: each third append
	// starts the next segment.
	appendTo := func(tag string, n int) {
		t.Helper()
		recs := journalRecs(tag, n)
		for i := range recs {
			recs[i].Body = []byte(fmt.Sprintf(`{"decisionId":%q,"pad":"%s"}`, recs[i].Decision.ID, strings.Repeat("x", 3000)))
			waitSpare(j)
			if err := jr.Append(ctx, recs[i:i+1], false); err != nil {
				t.Fatal(err)
			}
		}
		all = append(all, recs...)
		// Stored: the segments before the current one are let go.
		if _, err := db.Decisions(ctx, screening.DecisionFilter{Limit: 1}); err != nil {
			t.Fatal(err)
		}
	}
	appendTo("a", 3) // segment 1 full, on 2; 1 is kept
	appendTo("b", 2) // on 3; segment 4 is 1's file; 2 kept
	appendTo("c", 2) // on 4
	j.mu.Lock()
	seg := j.seg
	j.mu.Unlock()
	if seg != 4 {
		t.Fatalf("on segment %d, want 4", seg)
	}
	fourth, err := os.Stat(j.name(4))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(first, fourth) {
		t.Errorf("segment 4 is a new file, want segment 1's reused")
	}
	// What a killed process would leave in segment 4: the record appended
	// to it, then segment 1's records, which end it.
	data := must(os.ReadFile(j.name(4)))
	var read []string
	for {
		recs, rest, ok := decodeJournalRecord(data, 4)
		if !ok {
			break
		}
		for _, r := range recs {
			read = append(read, r.Decision.ID)
		}
		data = rest
	}
	if want := all[len(all)-1].Decision.ID; len(read) != 1 || read[0] != want {
		t.Errorf("segment 4 reads back as %v, want only %s", read, want)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(path + "-decisions.*"); len(m) != 1 || m[0] != path+"-decisions.lock" {
		t.Errorf("files left after Close: %v", m)
	}
	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, r := range all {
		if _, err := db.Decision(ctx, r.Decision.ID); err != nil {
			t.Errorf("decision %s after reopening: %v", r.Decision.ID, err)
		}
	}
	if rep, err := audit.Verify(ctx, db, nil); err != nil || !rep.Intact() {
		t.Fatalf("audit verify: %+v, %v", rep, err)
	}
}
