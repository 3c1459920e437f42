package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/screening"
)

// cacheList is a list version with n entities of every kind of field.
func cacheList(id, tag string, n int) *screening.List {
	l := &screening.List{Info: screening.ListInfo{ID: id, Name: "List " + id, SHA256: fmt.Sprintf("%s-%s", id, tag)}}
	for i := range n {
		l.Entities = append(l.Entities, screening.Entity{ID: fmt.Sprintf("%s:%d", id, i), List: id, SourceID: fmt.Sprint(i),
			Type: screening.TypePerson, Category: screening.CategorySanctions, Confidence: screening.ConfidenceHigh,
			Name: fmt.Sprintf("Person %s %d", tag, i), Aliases: []screening.Alias{{Name: "Weak " + tag, Weak: true}},
			Programs: []string{"DPRK3"}, Countries: []string{"KP"}, DatesOfBirth: []string{"1984"},
			IDs:       []screening.Identifier{{Type: "Passport", Value: fmt.Sprint(i), Country: "KP"}},
			Addresses: []screening.ListedAddress{{Currency: "ETH", Address: fmt.Sprintf("0x%040x", i+1)}}, Remarks: "r"})
	}
	l.Info.Entities = n
	l.Problems = []screening.Problem{{Place: "line 3", Message: "bad row " + tag}}
	l.Info.Problems = 1
	return l
}

// TestListCache: the list cache next to the store is written by the first
// read of the active lists and then used as long as it holds exactly the
// stored content, as the store records the digest of its binary form;
// whatever is wrong with it (absent, another version, truncated, a
// flipped byte, garbage, a forged entry that decodes with the right
// count, an entry for content the store no longer holds, the store's
// content changed under it, a version without its recorded digest) the
// lists read are the store's, and the cache is written again.
func TestListCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	var logs bytes.Buffer
	db, err := Open(ctx, path, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cachePath := path + listCacheSuffix
	a, b := cacheList("a", "one", 3), cacheList("b", "one", 2)
	if _, err := db.PutLists(ctx, []*screening.List{a, b}); err != nil {
		t.Fatal(err)
	}
	want := func(t *testing.T, ls ...*screening.List) {
		t.Helper()
		got, err := db.ActiveLists(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, ls) {
			t.Fatalf("active lists\n%+v\nwant\n%+v", got, ls)
		}
	}
	cache := func(t *testing.T) []byte {
		t.Helper()
		data, err := os.ReadFile(cachePath)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	// Storing the versions put their entries into the cache, which the
	// first read uses as it is.
	first, err := os.Stat(cachePath)
	if err != nil || first.Mode().Perm() != 0o600 {
		t.Fatalf("cache file after storing lists: %v, %v", first, err)
	}
	if n := len(db.readListCache()); n != 2 {
		t.Fatalf("the cache holds %d valid entries, want 2", n)
	}
	want(t, a, b)
	want(t, a, b)
	if again, err := os.Stat(cachePath); err != nil || !os.SameFile(first, again) {
		t.Fatalf("an up-to-date cache was written again (%v)", err)
	}
	// Without the cache, the first read writes it and the next uses it.
	if err := os.Remove(cachePath); err != nil {
		t.Fatal(err)
	}
	want(t, a, b)
	if n := len(db.readListCache()); n != 2 {
		t.Fatalf("the cache holds %d valid entries, want 2", n)
	}
	if first, err = os.Stat(cachePath); err != nil {
		t.Fatal(err)
	}
	want(t, a, b)
	if again, err := os.Stat(cachePath); err != nil || !os.SameFile(first, again) {
		t.Fatalf("an up-to-date cache was written again (%v)", err)
	}

	// A forged entry, well formed, keyed by the digest of a's stored
	// content and with a's entity count but not a's binary form (someone
	// who can write the data directory swapped a listed address): it is
	// not used, a is read from the store, a warning is logged once, and
	// the cache is written again with a's own entry and b's.
	var stored []byte
	if err := db.r.QueryRowContext(ctx, `SELECT content FROM screen_lists WHERE list_id = 'a' AND active = 1`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	forged := cacheList("a", "forged", 3)
	forged.Info = a.Info
	forged.Entities[1].Addresses[0].Address = "0x00000000000000000000000000000000000000ff"
	db.writeListCache(map[[32]byte]cacheEntry{sha256.Sum256(stored): newCacheEntry(screening.AppendListBinary(nil, forged))})
	forgedFile := cache(t)
	want(t, a, b)
	warnings := func() int { return strings.Count(logs.String(), "level=WARN") }
	if n := warnings(); n != 1 || !strings.Contains(logs.String(), "list=a") {
		t.Fatalf("after reading a forged entry: %d warnings, want one naming list a:\n%s", n, logs.String())
	}
	if e, ok := db.readListCache()[sha256.Sum256(stored)]; !ok || !bytes.Equal(e.body, screening.AppendListBinary(nil, a)) || len(db.readListCache()) != 2 {
		t.Fatalf("the cache was not written again with a's own entry (%d entries)", len(db.readListCache()))
	}
	if err := os.WriteFile(cachePath, forgedFile, 0o600); err != nil {
		t.Fatal(err)
	}
	want(t, a, b)
	if n := warnings(); n != 1 {
		t.Fatalf("a forged entry read again: %d warnings, want still one:\n%s", n, logs.String())
	}

	bad := map[string]func([]byte) []byte{
		"absent":        func([]byte) []byte { return nil },
		"empty":         func([]byte) []byte { return []byte{} },
		"garbage":       func([]byte) []byte { return []byte("not a cache at all") },
		"truncated":     func(d []byte) []byte { return d[:len(d)-10] },
		"header only":   func(d []byte) []byte { return d[:len(listCacheMagic)+1] },
		"flipped byte":  func(d []byte) []byte { d = slices.Clone(d); d[len(d)-5] ^= 1; return d },
		"other version": func(d []byte) []byte { d = slices.Clone(d); d[len(listCacheMagic)]++; return d },
		"other key":     func(d []byte) []byte { d = slices.Clone(d); d[len(listCacheMagic)+1] ^= 1; return d },
		"wrong entity count": func([]byte) []byte {
			return nil // written below
		},
	}
	for name, damage := range bad {
		t.Run(name, func(t *testing.T) {
			d := damage(forgedFile)
			switch {
			case name == "wrong entity count":
				short := cacheList("a", "forged", 2)
				db.writeListCache(map[[32]byte]cacheEntry{sha256.Sum256(stored): newCacheEntry(screening.AppendListBinary(nil, short))})
			case d == nil:
				_ = os.Remove(cachePath)
			default:
				if err := os.WriteFile(cachePath, d, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			want(t, a, b)
			if n := len(db.readListCache()); n != 2 {
				t.Fatalf("after reading the lists the cache holds %d valid entries, want 2", n)
			}
		})
	}

	// The store's content changed under the cache (edited outside
	// bulwark): the cache's entry is for other content and is not used.
	if err := os.WriteFile(cachePath, forgedFile, 0o600); err != nil {
		t.Fatal(err)
	}
	other := cacheList("a", "edited", 3)
	content, err := screening.EncodeListContent(other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `UPDATE screen_lists SET content = ? WHERE list_id = 'a'`, content); err != nil {
		t.Fatal(err)
	}
	edited := cacheList("a", "edited", 3)
	edited.Info = a.Info
	want(t, edited, b)

	// A new version: the cache then holds the active versions only.
	a2 := cacheList("a", "two", 4)
	if _, err := db.PutLists(ctx, []*screening.List{a2}); err != nil {
		t.Fatal(err)
	}
	if n := len(db.readListCache()); n != 3 {
		t.Fatalf("after storing a new version the cache holds %d entries, want 3", n)
	}
	want(t, a2, b)
	if n := len(db.readListCache()); n != 2 {
		t.Fatalf("the cache holds %d entries, want 2 (the active versions')", n)
	}

	// A version whose stored JSON does not decode to exactly what was
	// stored (a string that is not UTF-8) gets no entry from storing it:
	// its entry, made by the next read, is the stored JSON's.
	c := cacheList("c", "one", 1)
	c.Entities[0].Name = "Bad \xff name"
	if _, err := db.PutLists(ctx, []*screening.List{c}); err != nil {
		t.Fatal(err)
	}
	if n := len(db.readListCache()); n != 2 {
		t.Fatalf("after storing a version that is not UTF-8 the cache holds %d entries, want 2", n)
	}
	fromJSON := cacheList("c", "one", 1)
	fromJSON.Entities[0].Name = "Bad \uFFFD name"
	want(t, a2, b, fromJSON)
	want(t, a2, b, fromJSON)
	if n := len(db.readListCache()); n != 3 {
		t.Fatalf("the cache holds %d entries, want 3", n)
	}
	// An old version is read from the store, the cache left as it is.
	before := cache(t)
	old, err := db.ListVersion(ctx, "a", a.Info.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(old, edited) {
		t.Fatalf("ListVersion = %+v, want %+v", old, edited)
	}
	if string(cache(t)) != string(before) {
		t.Fatal("reading an old version changed the cache")
	}

	// Versions stored without the digest of their binary form (before
	// the store recorded it): the cache is not used for them, the next
	// read records it from their stored content, without a warning, and
	// the read after uses the cache.
	if _, err := db.w.ExecContext(ctx, `UPDATE screen_lists SET binary_digest = NULL`); err != nil {
		t.Fatal(err)
	}
	want(t, a2, b, fromJSON)
	var missing int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM screen_lists WHERE active = 1 AND binary_digest IS NULL`).Scan(&missing); err != nil || missing != 0 {
		t.Fatalf("%d active versions without their binary digest after a read (%v)", missing, err)
	}
	first, err = os.Stat(cachePath)
	if err != nil {
		t.Fatal(err)
	}
	want(t, a2, b, fromJSON)
	if again, err := os.Stat(cachePath); err != nil || !os.SameFile(first, again) {
		t.Fatalf("the cache was written again once the digests were recorded (%v)", err)
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Fatalf("%d warnings, want the forged entry's alone:\n%s", n, logs.String())
	}
}

// TestVerifyListCache: audit verify reports a list cache entry that is
// not the binary form of the stored content (a forged list), and a store
// whose recorded digest of a version's binary form is not its content's;
// a store and cache as written check out.
func TestVerifyListCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tamper := range []string{"none", "cache", "digest", "both"} {
		t.Run(tamper, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "bulwark.db")
			db, err := Open(ctx, path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			log := &audit.Log{Store: db}
			a, b := cacheList("a", "one", 3), cacheList("b", "one", 2)
			for _, l := range []*screening.List{a, b} {
				if _, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
					if _, err := db.PutLists(ctx, []*screening.List{l}); err != nil {
						return audit.Event{}, err
					}
					return audit.Event{Actor: "test", Action: "lists.import", Target: "test",
						Details: map[string]any{"lists": []map[string]any{{"id": l.Info.ID, "sha256": l.Info.SHA256}}}}, nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.ActiveLists(ctx); err != nil {
				t.Fatal(err)
			}
			var stored []byte
			if err := db.r.QueryRowContext(ctx, `SELECT content FROM screen_lists WHERE list_id = 'a'`).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			forged := cacheList("a", "one", 3)
			forged.Entities[1].Addresses[0].Address = "0x00000000000000000000000000000000000000ff"
			body := screening.AppendListBinary(nil, forged)
			if tamper == "cache" || tamper == "both" {
				db.writeListCache(map[[32]byte]cacheEntry{sha256.Sum256(stored): newCacheEntry(body)})
			}
			if tamper == "digest" || tamper == "both" {
				if _, err := db.w.ExecContext(ctx, `UPDATE screen_lists SET binary_digest = ? WHERE list_id = 'a'`, binaryDigest(sha256.Sum256(body))); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := audit.Verify(ctx, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			wantReason := map[string]string{"none": "", "cache": "the list cache", "digest": "the store records", "both": "the store records"}[tamper]
			switch {
			case wantReason == "" && rep.Broken != nil:
				t.Fatalf("an untouched store: broken at %d: %s", rep.Broken.Seq, rep.Broken.Reason)
			case wantReason != "" && (rep.Broken == nil || rep.Broken.Seq != 1 || !strings.Contains(rep.Broken.Reason, wantReason) || !strings.Contains(rep.Broken.Reason, "list a version a-one")):
				t.Fatalf("tampered %s: report %+v, want broken at entry 1 (list a's import): %s…", tamper, rep.Broken, wantReason)
			}
			if tamper == "cache" {
				// Reading the lists ignores the forged entry and writes
				// the cache again: verify checks out.
				ls, err := db.ActiveLists(ctx)
				if err != nil || !reflect.DeepEqual(ls[0], a) {
					t.Fatalf("active lists after forging the cache: %v, %v", ls, err)
				}
				if rep, err := audit.Verify(ctx, db, nil); err != nil || rep.Broken != nil {
					t.Fatalf("verify after reading the lists: %+v, %v", rep.Broken, err)
				}
			}
		})
	}
}
