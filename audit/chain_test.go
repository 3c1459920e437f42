package audit_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

// TestHashEncoding pins the hash format: changing it breaks every stored
// chain, so it must be a deliberate, versioned change.
func TestHashEncoding(t *testing.T) {
	e := &audit.Entry{
		Seq:      7,
		Time:     time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC),
		Actor:    "token:0123456789abcdef",
		Action:   "token.create",
		Target:   "token:fedcba9876543210",
		Details:  []byte(`{"name":"ci","role":"viewer"}`),
		PrevHash: audit.GenesisHash,
	}
	var enc []byte
	for _, f := range []string{"bulwark-audit-v1", "7", "2026-11-25T12:00:00.123456789Z", e.Actor, e.Action, e.Target, string(e.Details), e.PrevHash} {
		enc = append(enc, byte(len(f))) // every field here is shorter than 128 bytes: a one-byte uvarint
		enc = append(enc, f...)
	}
	sum := sha256.Sum256(enc)
	if got, want := e.ComputeHash(), hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("ComputeHash = %s, want %s", got, want)
	}
	// Moving a byte between adjacent fields changes the hash.
	f := *e
	f.Actor, f.Action = e.Actor+"t", strings.TrimPrefix(e.Action, "t")
	if f.ComputeHash() == e.ComputeHash() {
		t.Fatal("field boundaries are not part of the hash")
	}
	// A time in another zone hashes as the same instant in UTC.
	g := *e
	g.Time = e.Time.In(time.FixedZone("KST", 9*3600))
	if g.ComputeHash() != e.ComputeHash() {
		t.Fatal("the hash depends on the time zone")
	}
}

func open(t *testing.T) *sqlite.DB {
	t.Helper()
	return sqlitetest.Open(t, sqlite.Options{})
}

func TestRecordAndVerify(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	log := &audit.Log{Store: db}

	rep, err := audit.Verify(ctx, db, nil)
	if err != nil || !rep.Intact() || rep.Entries != 0 || rep.Verdict() != bulwark.VerdictOK {
		t.Fatalf("empty log: %+v, %v", rep, err)
	}
	var prev string = audit.GenesisHash
	for i := 1; i <= 2500; i++ { // more than two verify pages
		e, err := log.Record(ctx, audit.Event{Actor: "system", Action: "test.event", Target: "n", Details: map[string]int{"i": i}})
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq != int64(i) || e.PrevHash != prev || e.Hash != e.ComputeHash() {
			t.Fatalf("entry %d = %+v", i, e)
		}
		prev = e.Hash
	}
	var pages []int64
	rep, err = audit.Verify(ctx, db, func(n int64) { pages = append(pages, n) })
	if err != nil || !rep.Intact() || rep.Entries != 2500 || rep.Head.Seq != 2500 || rep.Head.Hash != prev {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
	if len(pages) < 3 || pages[len(pages)-1] != 2500 {
		t.Fatalf("progress calls = %v", pages)
	}
}

func TestRecordRejectsBadEvents(t *testing.T) {
	ctx := context.Background()
	log := &audit.Log{Store: open(t)}
	tests := []struct {
		name string
		ev   audit.Event
		code string
	}{
		{"no action", audit.Event{Actor: "x"}, bulwark.EINVALID},
		{"details not an object", audit.Event{Action: "a", Details: []int{1}}, bulwark.EINVALID},
		{"details a string", audit.Event{Action: "a", Details: "secret"}, bulwark.EINVALID},
		{"details unencodable", audit.Event{Action: "a", Details: map[string]any{"f": func() {}}}, bulwark.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := log.Record(ctx, tt.ev); bulwark.ErrorCode(err) != tt.code {
				t.Fatalf("Record = %v, want %s", err, tt.code)
			}
		})
	}
	rep, err := audit.Verify(ctx, log.Store, nil)
	if err != nil || rep.Entries != 0 {
		t.Fatalf("a rejected event was stored: %+v %v", rep, err)
	}
	var none map[string]string
	e, err := log.Record(ctx, audit.Event{Action: "a", Details: none})
	if err != nil || e.Details != nil {
		t.Fatalf("nil map details = %+v, %v; want an entry without details", e, err)
	}
}

func TestPendingSeq(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	log := &audit.Log{Store: db}
	if _, ok := audit.PendingSeq(ctx); ok {
		t.Fatal("PendingSeq outside Do: ok")
	}
	for i := int64(1); i <= 3; i++ {
		var seen int64
		e, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
			var ok bool
			if seen, ok = audit.PendingSeq(ctx); !ok {
				t.Error("PendingSeq inside Do: not ok")
			}
			return audit.Event{Actor: "system", Action: "test.event"}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if seen != e.Seq || e.Seq != i {
			t.Fatalf("PendingSeq = %d, entry %d, want %d", seen, e.Seq, i)
		}
	}
}

// TestPruneWritesAnEntryOnlyForAChange: Log.Prune records what del
// deleted in one entry, and nothing (no entry, no error) when del deleted
// nothing; an error from del leaves no entry either.
func TestPruneWritesAnEntryOnlyForAChange(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	log := &audit.Log{Store: db}
	before := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	deleted := int64(0)
	del := func(context.Context) (int64, error) { return deleted, nil }

	if n, seq, err := log.Prune(ctx, "system", "test.prune", "things", "things", before, del); n != 0 || seq != 0 || err != nil {
		t.Fatalf("nothing to delete: Prune = %d, %d, %v; want 0, 0, nil", n, seq, err)
	}
	if _, _, err := log.Prune(ctx, "system", "test.prune", "things", "things", before, func(context.Context) (int64, error) {
		return 0, bulwark.Errorf(bulwark.EUNAVAILABLE, "store down")
	}); bulwark.ErrorCode(err) != bulwark.EUNAVAILABLE {
		t.Fatalf("a failing delete: err = %v, want unavailable", err)
	}
	deleted = 3
	n, seq, err := log.Prune(ctx, "system", "test.prune", "things", "things", before, del)
	if n != 3 || seq != 1 || err != nil {
		t.Fatalf("Prune = %d, %d, %v; want 3, 1 (the first entry), nil", n, seq, err)
	}
	entries, err := db.AuditEntries(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Action != "test.prune" || entries[0].Target != "things before 2026-01-02T03:04:05Z" ||
		!strings.Contains(string(entries[0].Details), `"things":3`) {
		t.Fatalf("entries = %+v, want one test.prune entry counting 3 things", entries)
	}
}
