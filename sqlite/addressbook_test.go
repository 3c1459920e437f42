package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// storeBook stores a two-entry book through an audited change.
func storeBook(t *testing.T, db *sqlite.DB) {
	t.Helper()
	ctx := context.Background()
	b, err := policy.ParseAddressBookData("t.toml", []byte(`
[[entry]]
address = "0x3Cc3A225769900e003E264dd4CB43E90896BC21A"
label = "Bob"
kinds = ["recipient"]

[[entry]]
address = "0x1111111254EEB25477B68fb85Ed929f73A960582"
label = "Router"
kinds = ["spender"]
chain_id = 1
`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&audit.Log{Store: db}).Do(ctx, func(ctx context.Context) (audit.Event, error) {
		c, err := policy.ChangeBook(ctx, db, "cli:t", nil, policy.ReplaceBook(b))
		if err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: "cli:t", Action: policy.ActionBookSet, Target: c.Target(), Details: c.Details()}, nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestAddressBookTampering: a stored book edited outside bulwark no
// longer has its digest and is refused when read (EINTERNAL), and a book
// whose audit entries are gone breaks audit verify.
func TestAddressBookTampering(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name, stmt string
		readErr    bool
		broken     string
	}{
		{"label edited", `UPDATE safe_address_book_entries SET label = 'Mallory' WHERE label = 'Bob'`, true, ""},
		{"entry added", `INSERT INTO safe_address_book_entries VALUES ('0x96221423681A6d52E184D440a8eFCEbB105C7242', '', 'Trojan', 'spender')`, true, ""},
		{"limit added", `INSERT INTO safe_address_book_limits VALUES ('0x96221423681A6d52E184D440a8eFCEbB105C7242', '', 'ETH', '1', 86400)`, true, ""},
		{"log deleted", `DELETE FROM audit_log; DELETE FROM audit_head`, true, "1 address-book versions, 2 address-book entries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := openStore(t)
			storeBook(t, db)
			mustExec(t, rawDB(t, db.Path()), tc.stmt)
			_, err := db.StoredAddressBook(ctx)
			if tc.readErr != (bulwark.ErrorCode(err) == bulwark.EINTERNAL) {
				t.Errorf("StoredAddressBook after %s: %v", tc.name, err)
			}
			if tc.broken == "" {
				return
			}
			rep, err := audit.Verify(ctx, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Intact() || !strings.Contains(rep.Broken.Reason, tc.broken) {
				t.Errorf("audit verify: %+v, want broken: %s", rep.Broken, tc.broken)
			}
		})
	}
}

// TestAddressBookStoreRoundTrip: every book the parser accepts from the
// seed corpus of FuzzParseAddressBookData (TOML and JSON, the inputs of
// PUT and 'safe address-book set') is stored and reads back from the
// store with the digest it was stored with; one that did not would be
// refused as altered outside bulwark at every read.
func TestAddressBookStoreRoundTrip(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "safe", "policy", "testdata", "fuzz", "FuzzParseAddressBookData")
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		in := corpusBytes(t, f.Name(), data)
		b, err := policy.ParseAddressBookData(f.Name(), in)
		if err != nil {
			continue
		}
		stored++
		t.Run(f.Name(), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := openStore(t)
			if _, err := (&audit.Log{Store: db}).Do(ctx, func(ctx context.Context) (audit.Event, error) {
				c, err := policy.ChangeBook(ctx, db, "cli:t", nil, policy.ReplaceBook(b))
				if err != nil {
					return audit.Event{}, err
				}
				return audit.Event{Actor: "cli:t", Action: policy.ActionBookSet, Target: c.Target(), Details: c.Details()}, nil
			}); err != nil && !errors.Is(err, policy.ErrBookUnchanged) {
				t.Fatal(err)
			}
			got, err := db.StoredAddressBook(ctx)
			if err != nil {
				t.Fatalf("read back: %v\n%s", err, in)
			}
			if got.Book.Digest != b.Digest {
				t.Fatalf("read back with digest %s, parsed %s\n%s", got.Book.Digest, b.Digest, in)
			}
		})
	}
	if stored == 0 {
		t.Fatal("no seed of the corpus parses into a book")
	}
}

// corpusBytes reads a Go fuzz corpus file of one []byte value.
func corpusBytes(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	rest, ok := strings.CutPrefix(string(data), "go test fuzz v1\n")
	if !ok {
		t.Fatalf("%s: not a fuzz corpus file", name)
	}
	rest = strings.TrimSpace(rest)
	lit, ok := strings.CutPrefix(rest, "[]byte(")
	lit, ok2 := strings.CutSuffix(lit, ")")
	if !ok || !ok2 {
		t.Fatalf("%s: not one []byte value", name)
	}
	s, err := strconv.Unquote(lit)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return []byte(s)
}

// TestAddressBookTamperingRecomputed: someone with write access to the
// database adds an entry and writes the digest of the new content (a
// plain SHA-256 anyone can recompute), or moves the version: the audit
// entry of the change still records the digest and version it was stored
// as, so the read is refused (EINTERNAL) and audit verify breaks at that
// entry.
func TestAddressBookTamperingRecomputed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name, want string
		tamper     func(t *testing.T, db *sqlite.DB, sb *policy.StoredBook) string
	}{
		{"entry added, digest recomputed", "has digest", func(t *testing.T, db *sqlite.DB, sb *policy.StoredBook) string {
			trojan := policy.AddressEntry{Address: common.HexToAddress("0x96221423681A6d52E184D440a8eFCEbB105C7242"), Label: "Trojan", Kinds: []policy.EntryKind{"spender"}}
			b, err := policy.NewStoredBook(0, append(sb.Book.Entries(), trojan), sb.Book.Limits(), "")
			if err != nil {
				t.Fatal(err)
			}
			return `INSERT INTO safe_address_book_entries VALUES ('0x96221423681A6d52E184D440a8eFCEbB105C7242', '', 'Trojan', 'spender');
UPDATE safe_address_book SET digest = '` + b.ContentDigest() + `'`
		}},
		{"version moved", "is at version 7, its audit entry records version 1", func(*testing.T, *sqlite.DB, *policy.StoredBook) string {
			return `UPDATE safe_address_book SET version = 7`
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := openStore(t)
			storeBook(t, db)
			sb, err := db.StoredAddressBook(ctx)
			if err != nil {
				t.Fatal(err)
			}
			mustExec(t, rawDB(t, db.Path()), tc.tamper(t, db, sb))
			_, err = db.StoredAddressBook(ctx)
			if bulwark.ErrorCode(err) != bulwark.EINTERNAL || !strings.Contains(bulwark.ErrorMessage(err), tc.want) {
				t.Errorf("StoredAddressBook: %v, want internal containing %q", err, tc.want)
			}
			rep, err := audit.Verify(ctx, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Intact() || rep.Broken.Seq != sb.AuditSeq || !strings.Contains(rep.Broken.Reason, tc.want) {
				t.Errorf("audit verify: %+v, want broken at %d: %s", rep.Broken, sb.AuditSeq, tc.want)
			}
		})
	}
}
