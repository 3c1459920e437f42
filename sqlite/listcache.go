package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/screening"
)

// The list cache: a file next to the store (bulwark.db-lists) holding the
// entities and problems of the active list versions in their binary form
// (screening.AppendListBinary), which decodes many times faster than the
// gzip-compressed JSON the store keeps. Every command that screens or
// shows lists, and serve at start and at every reload, reads the active
// lists, so this is what most of them spend their time on otherwise.
//
// The store stays the authority. Each entry is keyed by the SHA-256 of
// the stored content it was decoded from and carries the SHA-256 of its
// own bytes; the store records, with each version, the digest its binary
// form has (binary_digest, "V:HEX" with V the ListBinaryVersion), written
// with the version when it is stored, or when the cache is written from
// the stored content of a version stored without it. An entry is used
// only for a stored version whose content has exactly its key, whose
// recorded binary digest is that of the entry's bytes, and only if they
// decode and give the entity count the version's info states: someone
// who can write the data directory cannot make screening read a list
// other than the stored one (audit verify checks the recorded digests and
// the cache against the stored content). Anything else (no file, another
// format version, a truncated, edited, forged or stale entry, a version
// without its digest) falls back to decoding the stored content, and the
// file is then written again, for the active versions only, by a rename,
// so readers never see half of it; an entry that is well formed but not
// the one the store records is logged once, as a warning. Storing a
// version adds its entry (addToListCache). A file that cannot be written
// (a read-only data directory) only costs the speed.
//
// Layout: listCacheMagic, the uvarint screening.ListBinaryVersion, then
// per entry the 32-byte digest of the stored content, the 32-byte digest
// of the binary form, its uvarint length and the binary form.

// listCacheSuffix is appended to the store's path to name the cache.
const listCacheSuffix = "-lists"

// listCacheMagic starts the cache file.
const listCacheMagic = "bulwark list cache\n"

// storedList is a list version as read from the store: its info decoded,
// its content not yet.
type storedList struct {
	row     int64 // screen_lists.id
	l       *screening.List
	content []byte
	digest  [32]byte // SHA-256 of content
	// binary is the digest the store records for the binary form
	// (binaryDigest), "" when none.
	binary string
}

// cacheEntry is one entry of the list cache: the binary form and its
// SHA-256.
type cacheEntry struct {
	body []byte
	sum  [32]byte
}

// newCacheEntry is the cache entry of the binary form body.
func newCacheEntry(body []byte) cacheEntry { return cacheEntry{body, sha256.Sum256(body)} }

// binaryDigest is the digest the store records for a binary form whose
// SHA-256 is sum: the binary form's version, a colon, sum in hex.
func binaryDigest(sum [32]byte) string {
	return binaryDigestPrefix + hex.EncodeToString(sum[:])
}

// binaryDigestPrefix starts the binary digests of this binary form.
var binaryDigestPrefix = strconv.Itoa(screening.ListBinaryVersion) + ":"

func (db *DB) listCachePath() string { return db.path + listCacheSuffix }

// readListCache returns the entries of the cache file by content digest:
// the binary forms whose bytes match their digest. A missing, unreadable
// or malformed file is an empty cache.
func (db *DB) readListCache() map[[32]byte]cacheEntry {
	data, err := os.ReadFile(db.listCachePath())
	if err != nil {
		return nil
	}
	rest, ok := bytes.CutPrefix(data, []byte(listCacheMagic))
	if !ok {
		return nil
	}
	v, n := binary.Uvarint(rest)
	if n <= 0 || v != screening.ListBinaryVersion {
		return nil
	}
	rest = rest[n:]
	out := map[[32]byte]cacheEntry{}
	for len(rest) > 0 {
		if len(rest) < 64 {
			return out
		}
		key, sum := [32]byte(rest[:32]), [32]byte(rest[32:64])
		size, n := binary.Uvarint(rest[64:])
		if n <= 0 || size > uint64(len(rest)-64-n) {
			return out
		}
		body := rest[64+n : 64+n+int(size)]
		rest = rest[64+n+int(size):]
		if sha256.Sum256(body) == sum {
			out[key] = cacheEntry{body, sum}
		}
	}
	return out
}

// writeListCache replaces the cache file by one holding entries (the
// binary forms by content digest), ignoring failures.
func (db *DB) writeListCache(entries map[[32]byte]cacheEntry) {
	size := len(listCacheMagic) + binary.MaxVarintLen64
	for _, e := range entries {
		size += 64 + binary.MaxVarintLen64 + len(e.body)
	}
	buf := make([]byte, 0, size)
	buf = append(buf, listCacheMagic...)
	buf = binary.AppendUvarint(buf, screening.ListBinaryVersion)
	for key, e := range entries {
		buf = append(buf, key[:]...)
		buf = append(buf, e.sum[:]...)
		buf = binary.AppendUvarint(buf, uint64(len(e.body)))
		buf = append(buf, e.body...)
	}
	path := db.listCachePath()
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return
	}
	_, err = f.Write(buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
}

// addToListCache adds the binary forms bodies, by the digest of the
// content a store keeps for each (screening.EncodeListContent), to the
// cache, keeping its entries: what the next read of the active lists
// would otherwise decode from that content. An entry for content the
// store does not hold, or no longer holds active, is never used, and the
// next read of the active lists drops it.
func (db *DB) addToListCache(add map[[32]byte]cacheEntry) {
	entries := db.readListCache()
	if entries == nil {
		entries = make(map[[32]byte]cacheEntry, len(add))
	}
	added := false
	for key, e := range add {
		if _, ok := entries[key]; ok {
			continue
		}
		entries[key] = e
		added = true
	}
	if added {
		db.writeListCache(entries)
	}
}

// decodeLists decodes the content of the stored versions ls, from the
// cache where it holds them as the store records. With update, a cache
// that lacked one of them or held others is written again with exactly
// theirs, and the binary digest of a version that the store lacks (or
// records otherwise) is recorded.
func (db *DB) decodeLists(ctx context.Context, ls []storedList, update bool) ([]*screening.List, error) {
	cache := db.readListCache()
	entries := make(map[[32]byte]cacheEntry, len(ls))
	miss := false
	var record []storedList // versions whose binary digest the store is to record
	out := make([]*screening.List, len(ls))
	for i := range ls {
		s := &ls[i]
		s.digest = sha256.Sum256(s.content)
		out[i] = s.l
		if e, ok := cache[s.digest]; ok {
			if s.binary != "" && s.binary == binaryDigest(e.sum) {
				if screening.DecodeListBinary(s.l, e.body) == nil && len(s.l.Entities) == s.l.Info.Entities {
					entries[s.digest] = e
					continue
				}
				s.l.Entities, s.l.Problems = nil, nil
			} else if strings.HasPrefix(s.binary, binaryDigestPrefix) && db.listCacheWarned.CompareAndSwap(false, true) {
				db.log.Warn("the list cache does not hold a list as the store records it (the file was altered outside bulwark?): the lists are read from the store and the cache is written again; 'bulwark audit verify' reports it",
					"cache", db.listCachePath(), "list", s.l.Info.ID, "version", s.l.Info.SHA256)
			}
		}
		if err := screening.DecodeListContent(s.l, s.content); err != nil {
			return nil, err
		}
		miss = true
		if update {
			e := newCacheEntry(screening.AppendListBinary(nil, s.l))
			entries[s.digest] = e
			if d := binaryDigest(e.sum); d != s.binary {
				s.binary = d
				record = append(record, *s)
			}
		}
	}
	// Stale: an entry was missing, or the cache holds one for a version
	// that is no longer asked for.
	if update && (miss || len(cache) != len(entries)) {
		db.writeListCache(entries)
	}
	if len(record) > 0 {
		db.recordBinaryDigests(ctx, record)
	}
	return out, nil
}

// recordBinaryDigests records the binary digest of the versions ls in the
// store, ignoring failures (a store that cannot be written only costs the
// speed: the cache is not used for them).
func (db *DB) recordBinaryDigests(ctx context.Context, ls []storedList) {
	_ = db.inTx(ctx, "record the digests of the cached lists", func(ctx context.Context, q querier) error {
		for _, s := range ls {
			if _, err := q.ExecContext(ctx, `UPDATE screen_lists SET binary_digest = ? WHERE id = ?`, s.binary, s.row); err != nil {
				return err
			}
		}
		return nil
	})
}
