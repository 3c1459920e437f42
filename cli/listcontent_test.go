package cli

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/screening"
)

// forgeStoredAddress rewrites, in the store under data, the stored
// content of the active version that lists address so that it lists
// another address (a hex digit changed), records the digest of the forged
// binary form as the store does and deletes the list cache (written again
// from the store by the next command): what someone who can edit the
// database could do to make screening miss the address. It returns the
// list and version.
func forgeStoredAddress(t *testing.T, data, address string) (id, version string) {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", filepath.Join(data, "bulwark.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT id, info, content FROM screen_lists WHERE active = 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var row int64
		var info string
		var content []byte
		if err := rows.Scan(&row, &info, &content); err != nil {
			t.Fatal(err)
		}
		l := &screening.List{}
		if err := json.Unmarshal([]byte(info), &l.Info); err != nil {
			t.Fatal(err)
		}
		if err := screening.DecodeListContent(l, content); err != nil {
			t.Fatal(err)
		}
		for i := range l.Entities {
			for j := range l.Entities[i].Addresses {
				a := &l.Entities[i].Addresses[j]
				if !strings.EqualFold(a.Address, address) {
					continue
				}
				digit := "0"
				if a.Address[2] == '0' {
					digit = "1"
				}
				a.Address = a.Address[:2] + digit + a.Address[3:] // another address, the same length
				forged, err := screening.EncodeListContent(l)
				if err != nil {
					t.Fatal(err)
				}
				digest := fmt.Sprintf("%d:%x", screening.ListBinaryVersion, sha256.Sum256(screening.AppendListBinary(nil, l)))
				rows.Close()
				if _, err := db.ExecContext(ctx, `UPDATE screen_lists SET content = ?, binary_digest = ? WHERE id = ?`, forged, digest, row); err != nil {
					t.Fatal(err)
				}
				if err := os.Remove(filepath.Join(data, "bulwark.db-lists")); err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				return l.Info.ID, l.Info.SHA256
			}
		}
	}
	t.Fatalf("no active list version lists %s", address)
	return "", ""
}

// TestAuditVerifyListContentForged: a listed address swapped out of the
// stored content of a list version, with the digest of its cached form
// and the list cache made to agree, makes screening miss the address; audit
// verify reports it, at the lists.import entry of the version, naming the
// list and version.
func TestAuditVerifyListContentForged(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"BULWARK_DATA": data}
	if code, out, errOut := run(t, env, "screen", "address", "--use", "withdrawal", bybitPSA[0]); code != 3 {
		t.Fatalf("screen before: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := run(t, env, "audit", "verify"); code != 0 {
		t.Fatalf("audit verify before: exit %d\n%s\n%s", code, out, errOut)
	}
	id, version := forgeStoredAddress(t, data, bybitPSA[0])
	if code, out, errOut := run(t, env, "screen", "address", "--use", "withdrawal", bybitPSA[0]); code != 0 {
		t.Fatalf("screen after the forgery: exit %d (the forgery did not take: the test checks nothing)\n%s\n%s", code, out, errOut)
	}
	code, out, errOut := run(t, env, "audit", "verify")
	want := fmt.Sprintf("list %s version %s: its stored content has SHA-256", id, version)
	if code != 3 || !strings.Contains(out, "audit log BROKEN at entry 1") || !strings.Contains(out, want) {
		t.Fatalf("audit verify after the forgery: exit %d, want 3, broken at entry 1 (the import of the embedded lists): %s…\n%s\n%s", code, want, out, errOut)
	}
}
