package sqlite

import (
	"context"
	"crypto/sha256"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/screening"
)

// forgeStoredList rewrites the stored content of list id version version
// so that one of its entities lists another address, and records the
// digest of the forged binary form and writes the list cache with it:
// what someone who can write the data directory would do to make
// screening miss the address while the store and its cache agree.
func forgeStoredList(t *testing.T, db *DB, id, version string) {
	t.Helper()
	ctx := context.Background()
	var info string
	var content []byte
	if err := db.r.QueryRowContext(ctx, `SELECT info, content FROM screen_lists WHERE list_id = ? AND sha256 = ?`, id, version).Scan(&info, &content); err != nil {
		t.Fatal(err)
	}
	l := &screening.List{}
	l.Info.ID, l.Info.SHA256, l.Info.Entities = id, version, 3
	if err := screening.DecodeListContent(l, content); err != nil {
		t.Fatal(err)
	}
	l.Entities[1].Addresses[0].Address = "0x00000000000000000000000000000000000000ff"
	forged, err := screening.EncodeListContent(l)
	if err != nil {
		t.Fatal(err)
	}
	body := screening.AppendListBinary(nil, l)
	if _, err := db.w.ExecContext(ctx, `UPDATE screen_lists SET content = ?, binary_digest = ? WHERE list_id = ? AND sha256 = ?`,
		forged, binaryDigest(sha256.Sum256(body)), id, version); err != nil {
		t.Fatal(err)
	}
	db.writeListCache(map[[32]byte]cacheEntry{sha256.Sum256(forged): newCacheEntry(body)})
}

// TestVerifyListContent: the lists.import entry records the digest of the
// content stored for each version, and audit verify recomputes it: a
// version whose stored content was changed (an address swapped, its
// binary digest and the list cache made to agree) is broken at the entry
// that imported it; so is an active version no entry records. A version
// activated again keeps its stored content, and its new entry records
// that. A version imported without a content digest is checked by its
// counts.
func TestVerifyListContent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	open := func(t *testing.T) (*DB, *screening.Service) {
		t.Helper()
		db, err := Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		svc, err := screening.OpenService(ctx, screening.ServiceConfig{Store: db, Audit: &audit.Log{Store: db}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = svc.Close(context.Background()) })
		return db, svc
	}
	verify := func(t *testing.T, db *DB, seq int64, reason ...string) {
		t.Helper()
		if _, err := db.ActiveLists(ctx); err != nil { // the cache written, as any command does
			t.Fatal(err)
		}
		rep, err := audit.Verify(ctx, db, nil)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case seq == 0 && rep.Broken != nil:
			t.Fatalf("broken at %d: %s", rep.Broken.Seq, rep.Broken.Reason)
		case seq == 0:
		case rep.Broken == nil:
			t.Fatalf("intact, want broken at entry %d", seq)
		case rep.Broken.Seq != seq:
			t.Fatalf("broken at %d (%s), want at %d", rep.Broken.Seq, rep.Broken.Reason, seq)
		}
		for _, r := range reason {
			if !strings.Contains(rep.Broken.Reason, r) {
				t.Fatalf("broken at %d: %q, want it to say %q", rep.Broken.Seq, rep.Broken.Reason, r)
			}
		}
	}
	importList := func(t *testing.T, svc *screening.Service, l *screening.List) int64 {
		t.Helper()
		rep, err := svc.ImportWith(ctx, "test", "test", []*screening.List{l}, screening.ImportOptions{Force: true})
		if err != nil || rep.AuditSeq == 0 {
			t.Fatalf("import %s: %+v, %v", l.Info.SHA256, rep, err)
		}
		return rep.AuditSeq
	}

	t.Run("Untouched", func(t *testing.T) {
		t.Parallel()
		db, svc := open(t)
		importList(t, svc, cacheList("a", "one", 3))
		importList(t, svc, cacheList("b", "one", 2))
		importList(t, svc, cacheList("a", "two", 3))
		verify(t, db, 0)
	})
	t.Run("ActiveVersionAltered", func(t *testing.T) {
		t.Parallel()
		db, svc := open(t)
		seq := importList(t, svc, cacheList("a", "one", 3))
		importList(t, svc, cacheList("b", "one", 2))
		forgeStoredList(t, db, "a", "a-one")
		verify(t, db, seq, "list a version a-one", "stored content", "altered outside bulwark")
		if ls, err := db.ActiveLists(ctx); err != nil || ls[0].Entities[1].Addresses[0].Address != "0x00000000000000000000000000000000000000ff" {
			t.Fatalf("the forgery did not take (the test checks nothing): %v", err)
		}
	})
	t.Run("OldVersionAltered", func(t *testing.T) {
		t.Parallel()
		db, svc := open(t)
		seq := importList(t, svc, cacheList("a", "one", 3))
		importList(t, svc, cacheList("a", "two", 3))
		forgeStoredList(t, db, "a", "a-one")
		verify(t, db, seq, "list a version a-one")
	})
	t.Run("ActivatedAgain", func(t *testing.T) {
		t.Parallel()
		db, svc := open(t)
		first := importList(t, svc, cacheList("a", "one", 3))
		importList(t, svc, cacheList("a", "two", 3))
		// The same source files parsed otherwise (a later parser): the
		// store keeps the content first stored, and the entry says so.
		again := cacheList("a", "one", 3)
		again.Entities[0].Remarks = "parsed otherwise"
		last := importList(t, svc, again)
		verify(t, db, 0)
		forgeStoredList(t, db, "a", "a-one")
		verify(t, db, first, "list a version a-one")
		_ = last
	})
	t.Run("ActiveVersionWithoutImport", func(t *testing.T) {
		t.Parallel()
		db, svc := open(t)
		importList(t, svc, cacheList("a", "one", 3))
		seq := importList(t, svc, cacheList("b", "one", 2))
		forged := cacheList("a", "forged", 3)
		content, err := screening.EncodeListContent(forged)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.w.ExecContext(ctx, `UPDATE screen_lists SET active = 0 WHERE list_id = 'a'`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.w.ExecContext(ctx, `INSERT INTO screen_lists (list_id, sha256, info, content, active) VALUES ('a', 'a-forged', ?, ?, 1)`,
			`{"id":"a","sha256":"a-forged","entities":3,"problems":1}`, content); err != nil {
			t.Fatal(err)
		}
		verify(t, db, seq, "list a version a-forged is active, but no lists.import entry records it")
	})
	t.Run("WithoutContentDigest", func(t *testing.T) {
		t.Parallel()
		// Entries written before the content digest was recorded: an
		// active version is checked by its counts only.
		db, _ := open(t)
		log := &audit.Log{Store: db}
		for _, l := range []*screening.List{cacheList("a", "one", 3), cacheList("b", "one", 2)} {
			if _, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
				if _, err := db.PutLists(ctx, []*screening.List{l}); err != nil {
					return audit.Event{}, err
				}
				return audit.Event{Actor: "test", Action: "lists.import", Target: "test", Details: map[string]any{"lists": []map[string]any{
					{"id": l.Info.ID, "sha256": l.Info.SHA256, "entities": len(l.Entities), "addresses": len(l.Entities)}}}}, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		verify(t, db, 0)
		forgeStoredList(t, db, "a", "a-one")
		verify(t, db, 0) // the same counts: not seen
		fewer := cacheList("a", "one", 2)
		content, err := screening.EncodeListContent(fewer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.w.ExecContext(ctx, `UPDATE screen_lists SET content = ?, info = json_set(info, '$.entities', 2), binary_digest = NULL WHERE list_id = 'a'`, content); err != nil {
			t.Fatal(err)
		}
		verify(t, db, 1, "list a version a-one: the store holds 2 entities and 2 addresses, the entry that imported it records 3 and 3")
	})
}
