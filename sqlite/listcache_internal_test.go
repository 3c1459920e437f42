package sqlite

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

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
// stored content; whatever is wrong with it (absent, another version,
// truncated, a flipped byte, garbage, an entry for content the store no
// longer holds, the store's content changed under it) the lists read are
// the store's, and the cache is written again.
func TestListCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	db, err := Open(ctx, path, Options{})
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

	// An entry whose key is the digest of a's stored content is what a is
	// read from (here one made to differ, to see that it is used), and the
	// cache, lacking b, is written again.
	var stored []byte
	if err := db.r.QueryRowContext(ctx, `SELECT content FROM screen_lists WHERE list_id = 'a' AND active = 1`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	forged := cacheList("a", "forged", 3)
	forged.Info = a.Info
	db.writeListCache(map[[32]byte][]byte{sha256.Sum256(stored): screening.AppendListBinary(nil, forged)})
	forgedFile := cache(t)
	want(t, forged, b)
	if n := len(db.readListCache()); n != 2 {
		t.Fatalf("the cache holds %d valid entries, want 2", n)
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
				db.writeListCache(map[[32]byte][]byte{sha256.Sum256(stored): screening.AppendListBinary(nil, short)})
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
}
