package policy

import (
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
)

// TestParseAddressBook reads the test book and looks its entries up.
func TestParseAddressBook(t *testing.T) {
	t.Parallel()
	b := testBook(t)
	if b.Len() != 5 || len(b.Digest) != 64 || !strings.HasSuffix(b.Source, "addressbook.toml") {
		t.Fatalf("book of %d entries, digest %q, source %q", b.Len(), b.Digest, b.Source)
	}
	e, ok := b.Lookup(big.NewInt(1), bob)
	if !ok || e.Label != "Bob (OTC desk)" || !e.Is(KindCounterparty) || !e.Is(KindRecipient) || e.Is(KindSpender) {
		t.Fatalf("bob: %+v %v", e, ok)
	}
	if _, ok := b.Lookup(big.NewInt(1), usdt); !ok {
		t.Error("USDT not found on chain 1")
	}
	for _, chain := range []*big.Int{nil, big.NewInt(10)} {
		if _, ok := b.Lookup(chain, usdt); ok {
			t.Errorf("USDT, listed for chain 1, found on chain %v", chain)
		}
	}
	var nilBook *AddressBook
	if _, ok := nilBook.Lookup(big.NewInt(1), bob); ok || nilBook.Len() != 0 {
		t.Error("nil book is not empty")
	}
}

// TestAddressBookChainPrecedence: an address listed for every chain and
// for one chain is named by the chain's entry there and by the other
// elsewhere.
func TestAddressBookChainPrecedence(t *testing.T) {
	t.Parallel()
	b, err := ParseAddressBook("book.toml", []byte(`
[[entry]]
address = "0x3Cc3A225769900e003E264dd4CB43E90896BC21A"
label = "Bob on Arbitrum"
kinds = ["spender"]
chain_id = 42161

[[entry]]
address = "0x3cc3a225769900e003e264dd4cb43e90896bc21a"
label = "Bob"
kinds = ["recipient"]
`))
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := b.Lookup(big.NewInt(42161), bob); e.Label != "Bob on Arbitrum" {
		t.Errorf("on 42161: %q", e.Label)
	}
	if e, _ := b.Lookup(big.NewInt(1), bob); e.Label != "Bob" {
		t.Errorf("on 1: %q", e.Label)
	}
}

// TestParseAddressBookRejects: every mistake is an invalid error naming
// the file, the entry (by number and label) and the field.
func TestParseAddressBookRejects(t *testing.T) {
	t.Parallel()
	const ok = "address = \"0x3Cc3A225769900e003E264dd4CB43E90896BC21A\"\nlabel = \"Bob\"\nkinds = [\"recipient\"]\n"
	entry := func(body string) string { return "[[entry]]\n" + body }
	for _, tc := range []struct {
		name, in, want string
	}{
		{"not TOML", "[[entry]\naddress = 1", "book.toml: not valid TOML: line "},
		{"unknown top-level key", "version = 1\n" + entry(ok), `book.toml: unknown key "version"`},
		{"entry not a table list", "entry = 3", "book.toml: entry: want a list of [[entry]] tables"},
		{"unknown field", entry(ok + "kind = \"x\"\n"), `book.toml: entry 1 ("Bob"): unknown field "kind" (fields: address, chain_id, kinds, label)`},
		{"missing address", entry("label = \"Bob\"\nkinds = [\"recipient\"]\n"), `book.toml: entry 1 ("Bob"): address: required`},
		{"address not a string", entry(strings.Replace(ok, `"0x3Cc3A225769900e003E264dd4CB43E90896BC21A"`, "12", 1)), `entry 1 ("Bob"): address: want a string`},
		{"short address", entry(strings.Replace(ok, "0x3Cc3A225769900e003E264dd4CB43E90896BC21A", "0x3Cc3A2", 1)), `entry 1 ("Bob"): address: "0x3Cc3A2" is not 0x and 40 hex digits`},
		{"bad checksum", entry(strings.Replace(ok, "0x3Cc3A2", "0x3CC3A2", 1)), "address: 0x3CC3A225769900e003E264dd4CB43E90896BC21A has a bad EIP-55 checksum (mixed case must be 0x3Cc3A225769900e003E264dd4CB43E90896BC21A)"},
		{"zero address", entry(strings.Replace(ok, "0x3Cc3A225769900e003E264dd4CB43E90896BC21A", "0x0000000000000000000000000000000000000000", 1)), "address: the zero address"},
		{"missing label", entry("address = \"0x3Cc3A225769900e003E264dd4CB43E90896BC21A\"\nkinds = [\"recipient\"]\n"), "book.toml: entry 1: label: required"},
		{"empty label", entry(strings.Replace(ok, `"Bob"`, `"  "`, 1)), "entry 1: label: empty"},
		{"control character in label", entry(strings.Replace(ok, `"Bob"`, `"Bob\u202e"`, 1)), "label: contains a control or invisible character"},
		{"long label", entry(strings.Replace(ok, `"Bob"`, `"`+strings.Repeat("b", 101)+`"`, 1)), "label: longer than 100 characters"},
		{"missing kinds", entry("address = \"0x3Cc3A225769900e003E264dd4CB43E90896BC21A\"\nlabel = \"Bob\"\n"), `entry 1 ("Bob"): kinds: required: one or more of own-contract, counterparty, spender, recipient`},
		{"kinds not a list", entry(strings.Replace(ok, `["recipient"]`, `"recipient"`, 1)), "kinds: want a list"},
		{"empty kinds", entry(strings.Replace(ok, `["recipient"]`, `[]`, 1)), "kinds: empty"},
		{"unknown kind", entry(strings.Replace(ok, `["recipient"]`, `["friend"]`, 1)), `kinds: "friend" is not a kind (kinds: own-contract, counterparty, spender, recipient)`},
		{"kind twice", entry(strings.Replace(ok, `["recipient"]`, `["recipient", "recipient"]`, 1)), `kinds: "recipient" is listed twice`},
		{"chain id zero", entry(ok + "chain_id = 0\n"), "chain_id: 0 is not a chain id"},
		{"chain id string", entry(ok + "chain_id = \"1\"\n"), `chain_id: "1" is not a chain id`},
		{"duplicate", entry(ok) + entry(strings.Replace(ok, `"Bob"`, `"Robert"`, 1)), `book.toml: entry 2 ("Robert"): address 0x3Cc3A225769900e003E264dd4CB43E90896BC21A is already listed as "Bob" for every chain`},
		{"duplicate on one chain", entry(ok+"chain_id = 1\n") + entry(strings.Replace(ok, `"Bob"`, `"Robert"`, 1)+"chain_id = 1\n"), `already listed as "Bob" on chain 1`},
		{"second entry named", entry(ok) + entry("address = \"0x1F4EB0a903619ac168b19A82F1a6e2e426522211\"\nlabel = \"Alice\"\nkinds = [\"spender\"]\nchain_id = -1\n"), `entry 2 ("Alice"): chain_id: -1`},
		{"not UTF-8", "label = \"\xff\"", "book.toml: not UTF-8 text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseAddressBook("book.toml", []byte(tc.in))
			if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(bulwark.ErrorMessage(err), tc.want) {
				t.Fatalf("error %v, want invalid containing %q", err, tc.want)
			}
			if !strings.HasPrefix(bulwark.ErrorMessage(err), "book.toml: ") {
				t.Errorf("error %q does not name the file first", err)
			}
		})
	}
}

// TestReadAddressBookFile: a missing file and one over the size limit are
// refused naming the file.
func TestReadAddressBookFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "none.toml")
	if _, err := ReadAddressBookFile(missing); !strings.Contains(bulwark.ErrorMessage(err), missing+" does not exist") {
		t.Errorf("missing file: %v", err)
	}
	big := filepath.Join(dir, "big.toml")
	if err := os.WriteFile(big, []byte("#"+strings.Repeat("x", MaxAddressBookSize)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadAddressBookFile(big); !strings.Contains(bulwark.ErrorMessage(err), big+": larger than 4 MiB") {
		t.Errorf("big file: %v", err)
	}
	empty := filepath.Join(dir, "empty.toml")
	if err := os.WriteFile(empty, []byte("# nothing yet\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadAddressBookFile(empty); err != nil || b.Len() != 0 {
		t.Errorf("empty book: %v, %v", b, err)
	}
}

// FuzzParseAddressBook: any input either parses into a book whose every
// entry is found again by its address and whose every limit is within
// bounds, or is an invalid error naming the
// file; nothing panics.
func FuzzParseAddressBook(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "verify", "addressbook.toml")); err == nil {
		f.Add(data)
	}
	f.Add([]byte("[[entry]]\naddress = \"0x3Cc3A225769900e003E264dd4CB43E90896BC21A\"\nlabel = \"Bob\"\nkinds = [\"recipient\"]\nchain_id = 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseAddressBook("f.toml", data)
		if err != nil {
			if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.HasPrefix(bulwark.ErrorMessage(err), "f.toml: ") {
				t.Fatalf("error %v", err)
			}
			return
		}
		for _, l := range b.Limits() {
			if l.Safe == (common.Address{}) || l.Amount == nil || l.Amount.Sign() <= 0 || l.Amount.Cmp(safe.MaxUint256) > 0 ||
				l.Period < MinLimitPeriod || l.Period > MaxLimitPeriod || l.ChainID != nil && l.ChainID.Sign() <= 0 {
				t.Fatalf("limit %+v", l)
			}
		}
		for _, e := range b.Entries() {
			got, ok := b.Lookup(e.ChainID, e.Address)
			if !ok || got.Label != e.Label || e.Address == (common.Address{}) || len(e.Kinds) == 0 {
				t.Fatalf("entry %+v looked up as %+v %v", e, got, ok)
			}
		}
	})
}

// TestParseAddressBookDeepNesting: a book of 4 MiB of "[" (TOML) is
// refused with an invalid error; the TOML decoder would recurse once per
// bracket and overflow the stack, which ends the process (no recover
// catches it), so the parse runs in a child process whose stack is
// bounded at 64 MiB, where the unguarded decoder fails at once.
func TestParseAddressBookDeepNesting(t *testing.T) {
	t.Parallel()
	if os.Getenv("BULWARK_DEEP_TOML_CHILD") == "1" {
		debug.SetMaxStack(64 << 20)
		for _, in := range []string{"a = " + strings.Repeat("[", MaxAddressBookSize-8), "a = " + strings.Repeat("{b=", (MaxAddressBookSize-8)/3)} {
			_, err := ParseAddressBookData("book", []byte(in))
			fmt.Println(err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestParseAddressBookDeepNesting$")
	cmd.Env = append(os.Environ(), "BULWARK_DEEP_TOML_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the child ended with %v:\n%.2000s", err, out)
	}
	if n := strings.Count(string(out), "book: not valid TOML: line 1: arrays and inline tables nested more than 16 deep"); n != 2 {
		t.Fatalf("%d refusals, want 2:\n%.2000s", n, out)
	}
}
