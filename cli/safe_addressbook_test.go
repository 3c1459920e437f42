package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSafeAddressBookCLI: set, add, remove and show on one data directory,
// step by step: each change a version with its audit entry, the file's
// checks applied (errors exit 1 naming the flag or the entry and field),
// --if-version refusing a stale version, the same content storing
// nothing, and a configured serve --address-book refusing every change.
func TestSafeAddressBookCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"BULWARK_DATA": filepath.Join(dir, "data"), "TEST_OS_USER": "alice"}
	book := filepath.Join("testdata", "safe", "addressbook.toml")
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("[[entry]]\naddress = \"0x3cc3A225769900e003E264dd4CB43E90896BC21A\"\nlabel = \"Bob\"\nkinds = [\"recipient\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	carol := "0x96221423681A6d52E184D440a8eFCEbB105C7242"
	staleJSON := filepath.Join(dir, "stale.json")
	if err := os.WriteFile(staleJSON, []byte(`{"version": 0, "entries": [], "limits": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		setup  func()
		env    map[string]string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{name: "show empty", args: []string{"safe", "address-book", "show"}, stdout: []string{"No address book is stored yet (version 0)"}},
		{name: "set a bad file", args: []string{"safe", "address-book", "set", bad}, code: 1, stderr: `entry 1 ("Bob"): address: 0x3cc3A225769900e003E264dd4CB43E90896BC21A has a bad EIP-55 checksum`},
		{name: "set without a file", args: []string{"safe", "address-book", "set"}, code: 1, stderr: "FILE"},
		{name: "set", args: []string{"safe", "address-book", "set", book}, stdout: []string{"Address book version 1", "entries 5 added", "now 5 entries and 0 limits", "Recipient check: recipients are now checked on every chain"}},
		{name: "set again", args: []string{"safe", "address-book", "set", book}, stdout: []string{"Unchanged", "version 1"}},
		{name: "set a stale show --json answer", args: []string{"safe", "address-book", "set", staleJSON}, code: 1, stderr: "at version 1, not 0"},
		{name: "set a version unlike --if-version", args: []string{"safe", "address-book", "set", "--if-version", "1", staleJSON}, code: 1, stderr: `--if-version says version 1, the book's "version" says 0`},
		{name: "add with a stale version", args: []string{"safe", "address-book", "add", "--address", carol, "--label", "Carol", "--kinds", "recipient", "--if-version", "0"}, code: 1, stderr: "at version 1, not 0"},
		{name: "add an unknown kind", args: []string{"safe", "address-book", "add", "--address", carol, "--label", "Carol", "--kinds", "friend"}, code: 1, stderr: `--kinds: "friend" is not a kind`},
		{name: "add without a label", args: []string{"safe", "address-book", "add", "--address", carol, "--kinds", "recipient"}, code: 1, stderr: "--label: required"},
		{name: "add a listed address", args: []string{"safe", "address-book", "add", "--address", "0x3Cc3A225769900e003E264dd4CB43E90896BC21A", "--label", "Bob", "--kinds", "spender"}, code: 1, stderr: "already in the address book"},
		{name: "add", args: []string{"safe", "address-book", "add", "--address", carol, "--label", "Carol", "--kinds", "recipient,counterparty", "--chain-id", "1", "--if-version", "1"},
			stdout: []string{"Address book version 2", "entries 1 added", "now 6 entries"}},
		{name: "remove an unknown address", args: []string{"safe", "address-book", "remove", "--address", "0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1"}, code: 1, stderr: "has no entry"},
		{name: "remove on another chain", args: []string{"safe", "address-book", "remove", "--address", carol, "--chain-id", "5"}, code: 1, stderr: "has no entry on chain 5"},
		{name: "remove", args: []string{"safe", "address-book", "remove", "--address", carol, "--chain-id", "1"}, stdout: []string{"Address book version 3", "1 removed"}},
		{name: "show", args: []string{"safe", "address-book", "show"}, stdout: []string{"# Address book version 3", "Changed by cli:alice@test-host", "[[entry]]", `label = "Bob (OTC desk)"`}},
		{name: "a marker of a serve that is gone", setup: func() { writeMarker(t, env["BULWARK_DATA"], 1<<30) },
			args: []string{"safe", "address-book", "add", "--address", carol, "--label", "Carol", "--kinds", "recipient"}, stdout: []string{"Address book version 4"}},
		{name: "a serve running with a file", setup: func() { writeMarker(t, env["BULWARK_DATA"], os.Getpid()) },
			args: []string{"safe", "address-book", "remove", "--address", carol}, code: 1, stderr: "runs on this data directory with --address-book /etc/book.toml"},
		{name: "serve configured with a file", setup: func() { _ = os.Remove(filepath.Join(env["BULWARK_DATA"], serveBookMarker)) }, env: map[string]string{"BULWARK_ADDRESS_BOOK": book},
			args: []string{"safe", "address-book", "remove", "--address", "0x3Cc3A225769900e003E264dd4CB43E90896BC21A"}, code: 1, stderr: "serve is configured with --address-book"},
	}
	for _, s := range steps {
		if s.setup != nil {
			s.setup()
		}
		e := env
		if s.env != nil {
			e = map[string]string{}
			for k, v := range env {
				e[k] = v
			}
			for k, v := range s.env {
				e[k] = v
			}
		}
		code, stdout, stderr := run(t, e, s.args...)
		if code != s.code || s.stderr != "" && !strings.Contains(stderr, s.stderr) || s.code == 0 && stderr != "" {
			t.Fatalf("%s: exit %d, stderr %q; want %d and %q", s.name, code, stderr, s.code, s.stderr)
		}
		for _, w := range s.stdout {
			if !strings.Contains(stdout, w) {
				t.Errorf("%s: stdout lacks %q:\n%s", s.name, w, stdout)
			}
		}
	}
	// show prints what set reads back: the same content.
	_, shown, _ := run(t, env, "safe", "address-book", "show")
	again := filepath.Join(dir, "shown.toml")
	if err := os.WriteFile(again, []byte(shown), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := run(t, env, "safe", "address-book", "set", again); code != 0 || !strings.Contains(stdout, "Unchanged") {
		t.Errorf("set of show's output: exit %d %s %s", code, stdout, stderr)
	}
	// --json, and the audit log's entries with what changed (newest first).
	code, stdout, _ := run(t, env, "safe", "address-book", "show", "--json")
	var out struct {
		Version   int64
		Digest    string
		ChangedBy string
		Entries   []struct{ Address, Label string }
	}
	if err := json.Unmarshal([]byte(stdout), &out); code != 0 || err != nil || out.Version != 4 || len(out.Digest) != 64 || out.ChangedBy != "cli:alice@test-host" || len(out.Entries) != 6 {
		t.Fatalf("show --json: %d %v %s", code, err, stdout)
	}
	code, stdout, _ = run(t, env, "audit", "list", "--json")
	var entries []struct {
		Actor, Action, Target string
		Details               struct {
			Version int64
			Added   []struct{ Label string }
			Removed []struct{ Label string }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &entries); code != 0 || err != nil || len(entries) != 4 {
		t.Fatalf("audit list: %d %v %s", code, err, stdout)
	}
	if e := entries[0]; e.Action != "safe.addressbook.add" || len(e.Details.Added) != 1 || e.Details.Added[0].Label != "Carol" {
		t.Errorf("the last add's audit entry %+v", e)
	}
	if e := entries[2]; e.Action != "safe.addressbook.add" || e.Actor != "cli:alice@test-host" || e.Target != "address-book:v2" || len(e.Details.Added) != 1 || e.Details.Added[0].Label != "Carol" {
		t.Errorf("add's audit entry %+v", e)
	}
	if e := entries[1]; e.Action != "safe.addressbook.remove" || len(e.Details.Removed) != 1 || e.Details.Removed[0].Label != "Carol" {
		t.Errorf("remove's audit entry %+v", e)
	}
	if code, stdout, _ := run(t, env, "audit", "verify"); code != 0 {
		t.Errorf("audit verify: %d %s", code, stdout)
	}
}

// TestSafeVerifyStoredAddressBook: without --address-book, 'safe verify'
// checks against the book stored in the data directory (its digest in
// the JSON), and --address-book still wins over it.
func TestSafeVerifyStoredAddressBook(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"BULWARK_DATA": filepath.Join(dir, "data"), "TEST_OS_USER": "alice"}
	verify := func(extra ...string) (string, string) {
		t.Helper()
		args := append([]string{"safe", "verify", "--tx", verifyFile("usdt-unlimited-approve"), "--chain-id", "1", "--safe-version", "1.3.0", "--json"}, extra...)
		code, stdout, stderr := run(t, env, args...)
		if code != 2 {
			t.Fatalf("verify: exit %d, %s", code, stderr)
		}
		var out struct {
			Options struct {
				AddressBook *struct{ Source, SHA256 string }
			}
		}
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatal(err)
		}
		if out.Options.AddressBook == nil {
			return "", ""
		}
		return out.Options.AddressBook.Source, out.Options.AddressBook.SHA256
	}
	if src, _ := verify(); src != "" {
		t.Fatalf("no book stored, verified against %q", src)
	}
	if code, _, stderr := run(t, env, "safe", "address-book", "set", filepath.Join("testdata", "safe", "addressbook.toml")); code != 0 {
		t.Fatal(stderr)
	}
	_, stdout, _ := run(t, env, "safe", "address-book", "show", "--json")
	var stored struct{ Digest string }
	if err := json.Unmarshal([]byte(stdout), &stored); err != nil {
		t.Fatal(err)
	}
	if src, sum := verify(); src != "store (version 1)" || sum != stored.Digest {
		t.Errorf("verified against %q %s; want the stored book %s", src, sum, stored.Digest)
	}
	file := filepath.Join("testdata", "safe", "addressbook.toml")
	if src, _ := verify("--address-book", file); src != file {
		t.Errorf("with --address-book: verified against %q", src)
	}
}

// writeMarker writes the marker of a serve with --address-book running as
// process pid on data directory dir.
func writeMarker(t *testing.T, dir string, pid int) {
	t.Helper()
	data, err := json.Marshal(bookMarker{File: "/etc/book.toml", PID: pid})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, serveBookMarker), data, 0o600); err != nil {
		t.Fatal(err)
	}
}
