package sqlite

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path/filepath"

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
// own bytes: an entry is used only for a stored version whose content has
// exactly that digest, and only if its bytes match their digest, decode,
// and give the entity count the version's info states. Anything else (no
// file, another format version, a truncated, edited or stale entry) falls
// back to decoding the stored content, and the file is then written
// again, for the active versions only, by a rename, so readers never see
// half of it. Storing a version adds its entry (addToListCache). A file
// that cannot be written (a read-only data directory)
// only costs the speed.
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
	l       *screening.List
	content []byte
	digest  [32]byte // SHA-256 of content
}

func (db *DB) listCachePath() string { return db.path + listCacheSuffix }

// readListCache returns the entries of the cache file by content digest:
// the binary forms whose bytes match their digest. A missing, unreadable
// or malformed file is an empty cache.
func (db *DB) readListCache() map[[32]byte][]byte {
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
	out := map[[32]byte][]byte{}
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
			out[key] = body
		}
	}
	return out
}

// writeListCache replaces the cache file by one holding bodies (the
// binary forms by content digest), ignoring failures.
func (db *DB) writeListCache(bodies map[[32]byte][]byte) {
	size := len(listCacheMagic) + binary.MaxVarintLen64
	for _, b := range bodies {
		size += 64 + binary.MaxVarintLen64 + len(b)
	}
	buf := make([]byte, 0, size)
	buf = append(buf, listCacheMagic...)
	buf = binary.AppendUvarint(buf, screening.ListBinaryVersion)
	for key, b := range bodies {
		sum := sha256.Sum256(b)
		buf = append(buf, key[:]...)
		buf = append(buf, sum[:]...)
		buf = binary.AppendUvarint(buf, uint64(len(b)))
		buf = append(buf, b...)
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

// addToListCache adds the binary forms of lists, by the digest of the
// content a store keeps for each (screening.EncodeListContent), to the
// cache, keeping its entries: what the next read of the active lists
// would otherwise decode from that content. A list whose stored content
// would not decode to exactly it (screening.ListJSONExact) is left out.
// An entry for content the store does not hold, or no longer holds
// active, is never used, and the next read of the active lists drops it.
func (db *DB) addToListCache(lists map[[32]byte]*screening.List) {
	bodies := db.readListCache()
	if bodies == nil {
		bodies = map[[32]byte][]byte{}
	}
	added := false
	for key, l := range lists {
		if _, ok := bodies[key]; ok || !screening.ListJSONExact(l) {
			continue
		}
		bodies[key] = screening.AppendListBinary(nil, l)
		added = true
	}
	if added {
		db.writeListCache(bodies)
	}
}

// decodeLists decodes the content of the stored versions ls, from the
// cache where it holds them. With update, a cache that lacked one of them
// or held others is written again with exactly theirs.
func (db *DB) decodeLists(ls []storedList, update bool) ([]*screening.List, error) {
	cache := db.readListCache()
	bodies := make(map[[32]byte][]byte, len(ls))
	miss := false
	out := make([]*screening.List, len(ls))
	for i := range ls {
		s := &ls[i]
		s.digest = sha256.Sum256(s.content)
		out[i] = s.l
		if b, ok := cache[s.digest]; ok {
			if screening.DecodeListBinary(s.l, b) == nil && len(s.l.Entities) == s.l.Info.Entities {
				bodies[s.digest] = b
				continue
			}
			s.l.Entities, s.l.Problems = nil, nil
		}
		if err := screening.DecodeListContent(s.l, s.content); err != nil {
			return nil, err
		}
		miss = true
		if update {
			bodies[s.digest] = screening.AppendListBinary(nil, s.l)
		}
	}
	// Stale: an entry was missing, or the cache holds one for a version
	// that is no longer asked for.
	if update && (miss || len(cache) != len(bodies)) {
		db.writeListCache(bodies)
	}
	return out, nil
}
