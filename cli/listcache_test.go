package cli

import (
	"bytes"
	"crypto/sha256"
	ebinary "encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// forgeListCache rewrites the entry of the list cache at path that holds
// address so that it lists another address instead, its own digest made
// to match: what someone who can write the data directory could do to
// make screening miss the address.
func forgeListCache(t *testing.T, path, address string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const magic = "bulwark list cache\n"
	if !bytes.HasPrefix(data, []byte(magic)) {
		t.Fatalf("%s does not start as a list cache", path)
	}
	_, n := ebinary.Uvarint(data[len(magic):])
	off := len(magic) + n
	for off < len(data) {
		size, n := ebinary.Uvarint(data[off+64:])
		body := data[off+64+n : off+64+n+int(size)]
		if i := bytes.Index(body, []byte(address)); i >= 0 {
			body[i+2] ^= 1 // another hex digit, the same length
			sum := sha256.Sum256(body)
			copy(data[off+32:off+64], sum[:])
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			return
		}
		off += 64 + n + int(size)
	}
	t.Fatalf("no entry of %s holds %s", path, address)
}

// TestListCacheForged: a list cache entry forged to drop a listed address
// (well formed, its own digest right) is reported by audit verify, and
// screening does not use it: the address is still blocked, a warning
// says the cache was ignored, and the cache written again checks out.
func TestListCacheForged(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"BULWARK_DATA": data}
	if code, out, errOut := run(t, env, "screen", "address", "--use", "withdrawal", bybitPSA[0]); code != 3 {
		t.Fatalf("screen before: exit %d\n%s\n%s", code, out, errOut)
	}
	forgeListCache(t, filepath.Join(data, "bulwark.db-lists"), bybitPSA[0])

	code, out, errOut := run(t, env, "audit", "verify")
	if code != 3 || !strings.Contains(out, "audit log BROKEN at entry") || !strings.Contains(out, "the list cache") || !strings.Contains(out, "fbi-dprk") {
		t.Fatalf("audit verify with a forged cache: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = run(t, env, "screen", "address", "--use", "withdrawal", bybitPSA[0])
	if code != 3 || !strings.Contains(out, "fbi-dprk") || !strings.Contains(errOut, "the list cache does not hold a list as the store records it") {
		t.Fatalf("screen with a forged cache: exit %d (want 3, the address blocked)\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := run(t, env, "audit", "verify"); code != 0 {
		t.Fatalf("audit verify once the cache is written again: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := run(t, env, "screen", "address", "--use", "withdrawal", bybitPSA[0]); code != 3 || strings.Contains(errOut, "list cache") {
		t.Fatalf("screen after: exit %d\n%s\n%s", code, out, errOut)
	}
}
