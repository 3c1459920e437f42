package policy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
)

// TestBookJSONMatchesFile: the test book written as JSON (Doc) and as TOML
// (TOML) parses back to the same content and the same content digest,
// whatever order the entries were written in; the file's digest differs
// from the content digest (it hashes the bytes).
func TestBookJSONMatchesFile(t *testing.T) {
	t.Parallel()
	book := testBook(t)
	js, err := json.Marshal(book.Doc())
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := ParseAddressBookJSON("api", js)
	if err != nil {
		t.Fatal(err)
	}
	fromTOML, err := ParseAddressBookData("again.toml", book.TOML())
	if err != nil {
		t.Fatalf("%v\n%s", err, book.TOML())
	}
	for name, b := range map[string]*AddressBook{"json": fromJSON, "toml": fromTOML} {
		if !reflect.DeepEqual(b.Doc(), book.Doc()) || b.Digest != book.ContentDigest() {
			t.Errorf("%s: %+v %s\nwant %+v %s", name, b.Doc(), b.Digest, book.Doc(), book.ContentDigest())
		}
	}
	if book.Digest == book.ContentDigest() {
		t.Error("the file's digest is its content digest: want the SHA-256 of its bytes")
	}
	// With GET's read-only keys, as an edited GET answer is sent back.
	withKeys := `{"version": 3, "digest": "x", "changedBy": "token:1", "changedAt": "2026-01-01T00:00:00Z", "auditSeq": 9, "source": "store", "inForce": "store",` + string(js[1:])
	if b, err := ParseAddressBookJSON("api", []byte(withKeys)); err != nil || b.Digest != book.ContentDigest() {
		t.Errorf("with read-only keys: %v", err)
	}
}

// TestBookJSONRefusesWhatTheFileRefuses: each mistake the file refuses
// is refused in JSON with the same message, the field named as JSON names
// it (chainId for chain_id).
func TestBookJSONRefusesWhatTheFileRefuses(t *testing.T) {
	t.Parallel()
	const bob = `"0x3Cc3A225769900e003E264dd4CB43E90896BC21A"`
	const safeAddr = `"0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"`
	for _, tc := range []struct {
		name, toml, json, want string
	}{
		{"bad checksum", `[[entry]]
address = "0x3cc3A225769900e003E264dd4CB43E90896BC21A"
label = "Bob"
kinds = ["recipient"]`, `{"entries": [{"address": "0x3cc3A225769900e003E264dd4CB43E90896BC21A", "label": "Bob", "kinds": ["recipient"]}]}`,
			`entry 1 ("Bob"): address: 0x3cc3A225769900e003E264dd4CB43E90896BC21A has a bad EIP-55 checksum`},
		{"unknown kind", "[[entry]]\naddress = " + bob + "\nlabel = \"Bob\"\nkinds = [\"friend\"]",
			`{"entries": [{"address": ` + bob + `, "label": "Bob", "kinds": ["friend"]}]}`, `entry 1 ("Bob"): kinds: "friend" is not a kind`},
		{"label too long", "[[entry]]\naddress = " + bob + "\nlabel = \"" + strings.Repeat("x", 101) + "\"\nkinds = [\"recipient\"]",
			`{"entries": [{"address": ` + bob + `, "label": "` + strings.Repeat("x", 101) + `", "kinds": ["recipient"]}]}`, "label: longer than 100 characters"},
		{"control character", "[[entry]]\naddress = " + bob + "\nlabel = \"Bob\\u200b\"\nkinds = [\"recipient\"]",
			`{"entries": [{"address": ` + bob + `, "label": "Bob\u200b", "kinds": ["recipient"]}]}`, "label: contains a control or invisible character"},
		{"label with hangul filler", "[[entry]]\naddress = " + bob + "\nlabel = \"Bob\u3164\"\nkinds = [\"recipient\"]",
			`{"entries": [{"address": ` + bob + `, "label": "Bob\u3164", "kinds": ["recipient"]}]}`, "label: contains U+3164 (HANGUL FILLER), which shows as blank"},
		{"label with braille blank", "[[entry]]\naddress = " + bob + "\nlabel = \"Bob\u2800\"\nkinds = [\"recipient\"]",
			`{"entries": [{"address": ` + bob + `, "label": "Bob\u2800", "kinds": ["recipient"]}]}`, "label: contains U+2800 (BRAILLE PATTERN BLANK)"},
		{"label with choseong filler", "[[entry]]\naddress = " + bob + "\nlabel = \"Bob\u115f\"\nkinds = [\"recipient\"]",
			`{"entries": [{"address": ` + bob + `, "label": "Bob\u115f", "kinds": ["recipient"]}]}`, "label: contains U+115F (HANGUL CHOSEONG FILLER)"},
		{"label with jungseong filler", "[[entry]]\naddress = " + bob + "\nlabel = \"Bob\u1160\"\nkinds = [\"recipient\"]",
			`{"entries": [{"address": ` + bob + `, "label": "Bob\u1160", "kinds": ["recipient"]}]}`, "label: contains U+1160"},
		{"label with halfwidth filler", "[[entry]]\naddress = " + bob + "\nlabel = \"Bob\uffa0\"\nkinds = [\"recipient\"]",
			`{"entries": [{"address": ` + bob + `, "label": "Bob\uffa0", "kinds": ["recipient"]}]}`, "label: contains U+FFA0"},
		{"label starting with a combining mark", "[[entry]]\naddress = " + bob + "\nlabel = \"\u0301Bob\"\nkinds = [\"recipient\"]",
			`{"entries": [{"address": ` + bob + `, "label": "\u0301Bob", "kinds": ["recipient"]}]}`, "label: starts with the combining mark U+0301"},
		{"label of another address", "[[entry]]\naddress = " + bob + "\nlabel = \"Bob (OTC)\"\nkinds = [\"recipient\"]\n[[entry]]\naddress = \"0x96221423681A6d52E184D440a8eFCEbB105C7242\"\nlabel = \"bob  (otc) \"\nkinds = [\"recipient\"]",
			`{"entries": [{"address": ` + bob + `, "label": "Bob (OTC)", "kinds": ["recipient"]}, {"address": "0x96221423681A6d52E184D440a8eFCEbB105C7242", "label": "bob  (otc) ", "kinds": ["recipient"]}]}`,
			`entry 2 ("bob  (otc) "): label: the same label as entry 1 ("Bob (OTC)", 0x3Cc3A225769900e003E264dd4CB43E90896BC21A), ignoring case and spaces`},
		{"zero address", "[[entry]]\naddress = \"0x0000000000000000000000000000000000000000\"\nlabel = \"Z\"\nkinds = [\"recipient\"]",
			`{"entries": [{"address": "0x0000000000000000000000000000000000000000", "label": "Z", "kinds": ["recipient"]}]}`, "the zero address cannot be in the address book"},
		{"duplicate", "[[entry]]\naddress = " + bob + "\nlabel = \"A\"\nkinds = [\"recipient\"]\n[[entry]]\naddress = " + bob + "\nlabel = \"B\"\nkinds = [\"spender\"]",
			`{"entries": [{"address": ` + bob + `, "label": "A", "kinds": ["recipient"]}, {"address": ` + bob + `, "label": "B", "kinds": ["spender"]}]}`, "is already listed as \"A\" for every chain"},
		{"limit amount", "[[limit]]\nsafe = " + safeAddr + "\nasset = \"ETH\"\namount = \"1.5\"\nperiod = \"24h\"",
			`{"limits": [{"safe": ` + safeAddr + `, "asset": "ETH", "amount": "1.5", "period": "24h"}]}`, `limit 1: amount: "1.5" is not a whole number`},
		{"limit period a fraction of a minute", "[[limit]]\nsafe = " + safeAddr + "\nasset = \"ETH\"\namount = \"1\"\nperiod = \"1.01m\"",
			`{"limits": [{"safe": ` + safeAddr + `, "asset": "ETH", "amount": "1", "period": "1.01m"}]}`, `limit 1: period: `},
		{"limit period", "[[limit]]\nsafe = " + safeAddr + "\nasset = \"ETH\"\namount = \"1\"\nperiod = \"400d\"",
			`{"limits": [{"safe": ` + safeAddr + `, "asset": "ETH", "amount": "1", "period": "400d"}]}`, `limit 1: period: "400d" is not a duration`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, terr := ParseAddressBook("book", []byte(tc.toml))
			_, jerr := ParseAddressBookJSON("book", []byte(tc.json))
			for name, err := range map[string]error{"toml": terr, "json": jerr} {
				if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(bulwark.ErrorMessage(err), tc.want) {
					t.Errorf("%s: %v, want invalid: %s", name, err, tc.want)
				}
			}
			if bulwark.ErrorMessage(terr) != bulwark.ErrorMessage(jerr) {
				t.Errorf("messages differ:\ntoml: %s\njson: %s", bulwark.ErrorMessage(terr), bulwark.ErrorMessage(jerr))
			}
		})
	}
	for _, tc := range []struct{ json, want string }{
		{`{"entries": [{"address": "0x3Cc3A225769900e003E264dd4CB43E90896BC21A", "label": "B", "kinds": ["recipient"], "chain_id": 1}]}`, `unknown field "chain_id" (fields: address, chainId, kinds, label)`},
		{`{"entries": [{"address": "0x3Cc3A225769900e003E264dd4CB43E90896BC21A", "label": "B", "kinds": ["recipient"], "chainId": 1.5}]}`, `chainId: "1.5" is not a chain id`},
		{`{"entries": [{"address": "0x3Cc3A225769900e003E264dd4CB43E90896BC21A", "label": "B", "kinds": ["recipient"], "chainId": -1}]}`, `chainId: -1 is not a chain id`},
		{`{"entry": []}`, `unknown key "entry"`},
		{`{"entries": {}}`, `entries: want a list of objects`},
		{`{"entries": [1]}`, `entries[0]: want an object`},
		{`[]`, `want a JSON object`},
		{`{} {}`, `more than one value`},
		{`{"entries": [`, `not valid JSON`},
	} {
		if _, err := ParseAddressBookJSON("api", []byte(tc.json)); bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want invalid: %s", tc.json, err, tc.want)
		}
	}
}

// TestDiffBooks: what a change adds, removes and changes, entries and
// limits.
func TestDiffBooks(t *testing.T) {
	t.Parallel()
	old := testBook(t)
	next, err := ParseAddressBookData("next.toml", []byte(`
[[entry]]
address = "0xF4B1486DD74D07706052A33d31d7c0AAFD0659E1"
label = "Lending pool (proxy) v2"
kinds = ["own-contract"]

[[entry]]
address = "0x96221423681A6d52E184D440a8eFCEbB105C7242"
label = "New desk"
kinds = ["counterparty"]

[[limit]]
safe = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
asset = "ETH"
amount = "5"
period = "24h"
`))
	if err != nil {
		t.Fatal(err)
	}
	d := DiffBooks(old, next)
	if len(d.Added) != 1 || d.Added[0].Label != "New desk" || len(d.Removed) != 4 || len(d.Changed) != 1 ||
		d.Changed[0].After.Label != "Lending pool (proxy) v2" || len(d.LimitsAdded) != 1 || len(d.LimitsRemoved) != 0 {
		t.Fatalf("diff %+v", d)
	}
	if !DiffBooks(next, next).Empty() || DiffBooks(nil, next).Empty() {
		t.Error("Empty")
	}
	more, _ := ParseAddressBookData("more.toml", []byte(strings.Replace(string(next.TOML()), `amount = "5"`, `amount = "6"`, 1)))
	if d := DiffBooks(next, more); len(d.LimitsChanged) != 1 || d.LimitsChanged[0].Before.Amount != "5" || d.LimitsChanged[0].After.Amount != "6" {
		t.Errorf("limit change: %+v", d)
	}
}

// TestLiveBookSnapshot: a policy with a live book verifies against the
// book in force when the verification starts, and the next one against
// the book stored since.
func TestLiveBookSnapshot(t *testing.T) {
	t.Parallel()
	var live LiveBook
	p := Policy{Live: &live}
	if p.Snapshot().AddressBook != nil {
		t.Fatal("an empty live book gave a book")
	}
	b := testBook(t)
	live.Store(b)
	s := p.Snapshot()
	if s.AddressBook != b || s.Live != nil {
		t.Fatalf("snapshot %+v", s)
	}
	if ls := (Policy{Live: &live}).LimitsFor(nil, common.Address{}); len(ls) != 0 {
		t.Errorf("limits %v", ls)
	}
}

// TestLiveBookAdvance: the store's book in force only moves forward: a
// reader that read an older version after a newer one was put in force
// (serve's follower racing a change through the API) cannot put it back,
// whatever the order the versions arrive in.
func TestLiveBookAdvance(t *testing.T) {
	t.Parallel()
	books := make([]*AddressBook, 41)
	for v := range books {
		b, err := NewStoredBook(0, nil, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		books[v] = b
	}
	var live LiveBook
	if !live.Advance(5, books[5]) || live.Version() != 5 || live.Load() != books[5] {
		t.Fatalf("version 5 not in force: %d", live.Version())
	}
	for _, v := range []int64{4, 5, 1} {
		if live.Advance(v, books[v]) || live.Load() != books[5] {
			t.Fatalf("version %d replaced version 5", v)
		}
	}
	var wg sync.WaitGroup
	for v := 40; v >= 1; v-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			live.Advance(int64(v), books[v])
		}()
	}
	wg.Wait()
	if live.Version() != 40 || live.Load() != books[40] {
		t.Fatalf("after concurrent advances: version %d", live.Version())
	}
}

// FuzzParseAddressBookJSON: any input either parses into a book whose
// JSON parses back to the same content digest, or is an invalid error
// naming the source; nothing panics.
func FuzzParseAddressBookJSON(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "verify", "addressbook.toml")); err == nil {
		if b, err := ParseAddressBook("seed", data); err == nil {
			js, _ := json.Marshal(b.Doc())
			f.Add(js)
		}
	}
	f.Add([]byte(`{"entries": [{"address": "0x3Cc3A225769900e003E264dd4CB43E90896BC21A", "label": "Bob", "kinds": ["recipient"], "chainId": 1}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseAddressBookJSON("f.json", data)
		if err != nil {
			if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.HasPrefix(bulwark.ErrorMessage(err), "f.json: ") {
				t.Fatalf("error %v", err)
			}
			return
		}
		js, err := json.Marshal(b.Doc())
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseAddressBookJSON("again", js)
		if err != nil || again.Digest != b.Digest {
			t.Fatalf("round trip: %v; digest %s, want %s", err, again.Digest, b.Digest)
		}
		back, err := ParseAddressBookData("toml", b.TOML())
		if err != nil || back.Digest != b.Digest {
			t.Fatalf("TOML round trip: %v\n%s", err, b.TOML())
		}
	})
}

// FuzzParseAddressBookData: the entry point of 'safe address-book set'
// and of PUT with either format. Any input either parses into a book
// whose content digest is its Digest and which reads back, from its TOML
// and from its JSON, to that digest, or is an invalid error naming the
// source; nothing panics.
func FuzzParseAddressBookData(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "verify", "addressbook.toml")); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"entries": [{"address": "0x3Cc3A225769900e003E264dd4CB43E90896BC21A", "label": "Bob", "kinds": ["recipient"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseAddressBookData("in", data)
		if err != nil {
			if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.HasPrefix(bulwark.ErrorMessage(err), "in: ") {
				t.Fatalf("error %v", err)
			}
			return
		}
		if b.Digest != b.ContentDigest() {
			t.Fatalf("digest %s, content %s", b.Digest, b.ContentDigest())
		}
		for _, l := range b.Limits() {
			if l.Period%time.Minute != 0 {
				t.Fatalf("%s: a period of %s, not whole minutes: it would not read back from the store", l.Name, l.Period)
			}
		}
		js, err := json.Marshal(b.Doc())
		if err != nil {
			t.Fatal(err)
		}
		for name, again := range map[string][]byte{"toml": b.TOML(), "json": js} {
			back, err := ParseAddressBookData(name, again)
			if err != nil || back.Digest != b.Digest {
				t.Fatalf("%s round trip: %v\n%s", name, err, again)
			}
		}
	})
}

// TestBookJSONDuplicateKeys: a key given twice in any object of the book
// is refused (encoding/json would keep the last one); the same key in
// different objects is not a duplicate.
func TestBookJSONDuplicateKeys(t *testing.T) {
	t.Parallel()
	const bob = `"0x3Cc3A225769900e003E264dd4CB43E90896BC21A"`
	for _, tc := range []struct{ name, in, want string }{
		{"top level", `{"entries": [], "entries": []}`, `key "entries" given twice`},
		{"in an entry", `{"entries": [{"address": ` + bob + `, "label": "Bob", "label": "Mallory", "kinds": ["recipient"]}]}`, `key "label" given twice`},
		{"after a nested value", `{"entries": [{"kinds": ["recipient"], "address": ` + bob + `, "label": "Bob", "kinds": ["spender"]}]}`, `key "kinds" given twice`},
		{"in different objects", `{"entries": [{"address": ` + bob + `, "label": "Bob", "kinds": ["recipient"]}, {"address": "0x96221423681A6d52E184D440a8eFCEbB105C7242", "label": "Carol", "kinds": ["recipient"]}]}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseAddressBookJSON("in", []byte(tc.in))
			if tc.want == "" && err != nil || tc.want != "" && (bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(bulwark.ErrorMessage(err), tc.want)) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	if _, v, err := ParseBookDocJSON("in", []byte(`{"version": 3, "entries": []}`)); err != nil || v == nil || *v != 3 {
		t.Fatalf("version %v, %v", v, err)
	}
}

// TestDiffRecipientChecks: a change says where it turns the check of
// recipients (RECIPIENT_NOT_LISTED) on or off: for every chain, or for a
// chain that goes another way.
func TestDiffRecipientChecks(t *testing.T) {
	t.Parallel()
	entry := func(addr, label, kind string, chain int64) string {
		s := fmt.Sprintf("[[entry]]\naddress = %q\nlabel = %q\nkinds = [%q]\n", addr, label, kind)
		if chain != 0 {
			s += fmt.Sprintf("chain_id = %d\n", chain)
		}
		return s
	}
	const bob, carol = "0x3Cc3A225769900e003E264dd4CB43E90896BC21A", "0x96221423681A6d52E184D440a8eFCEbB105C7242"
	book := func(toml string) *AddressBook {
		b, err := ParseAddressBookData("b", []byte(toml))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name, old, next string
		want            string // chain:checked, …
	}{
		{"first recipient for every chain", "", entry(bob, "Bob", "recipient", 0), "every:true"},
		{"last recipient removed", entry(bob, "Bob", "recipient", 0), entry(bob, "Bob", "counterparty", 0), "every:false"},
		{"first recipient on chain 1", "", entry(bob, "Bob", "recipient", 1), "1:true"},
		{"chain 1's last recipient removed, chain 10's kept", entry(bob, "Bob", "recipient", 1) + entry(carol, "Carol", "recipient", 10), entry(carol, "Carol", "recipient", 10), "1:false"},
		{"every chain off, chain 1 kept", entry(bob, "Bob", "recipient", 0) + entry(carol, "Carol", "recipient", 1), entry(carol, "Carol", "recipient", 1), "every:false"},
		{"every chain on over chain 1", entry(carol, "Carol", "recipient", 1), entry(bob, "Bob", "recipient", 0) + entry(carol, "Carol", "recipient", 1), "every:true"},
		{"another recipient", entry(bob, "Bob", "recipient", 0), entry(bob, "Bob", "recipient", 0) + entry(carol, "Carol", "recipient", 0), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := DiffBooks(book(tc.old), book(tc.next))
			var got []string
			for _, c := range d.RecipientChecks {
				where := "every"
				if c.ChainID != nil {
					where = fmt.Sprint(*c.ChainID)
				}
				got = append(got, fmt.Sprintf("%s:%v", where, c.Checked))
				if c.Checked == strings.Contains(c.Detail, "NO LONGER") {
					t.Errorf("detail %q for checked %v", c.Detail, c.Checked)
				}
			}
			if strings.Join(got, ",") != tc.want {
				t.Errorf("recipient checks %v, want %s", got, tc.want)
			}
		})
	}
}
