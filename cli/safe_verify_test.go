package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/safe/policy"
)

func verifyFile(name string) string { return filepath.Join("testdata", "safe", "verify", name+".json") }

// TestSafeVerifyGolden runs 'bulwark safe verify' on representative
// transactions: exit code by verdict, the finding codes that must be
// there, the human output against a golden file, and the audit entry.
func TestSafeVerifyGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, version string
		extra         []string
		code          int
		verdict       string
		codes         []string // finding codes (with "@path" when the path matters)
	}{
		{"bybit-nonce71", "1.1.1", nil, 3, "reject", []string{"UNTRUSTED_DELEGATECALL@0", "DELEGATECALL_SELECTOR_MISMATCH@0"}},
		{"eth-transfer", "1.4.1", nil, 0, "ok", nil},
		{"add-owner", "1.4.1", nil, 2, "review", []string{"OWNER_CHANGE@0"}},
		{"batch-set-guard", "1.4.1", nil, 2, "review", []string{"GUARD_CHANGE@0.1", "DELEGATECALL_CODE_UNCHECKED@0", "UNKNOWN_TARGET@0.0"}},
		{"hash-mismatch", "1.4.1", nil, 3, "reject", []string{"HASH_MISMATCH"}},
		{"gas-refund", "1.4.1", nil, 2, "review", []string{"GAS_REFUND_RISK"}},
		{"sign-message", "1.4.1", nil, 2, "review", []string{"SIGN_MESSAGE@0", "DELEGATECALL_CODE_UNCHECKED@0"}},
		{"radiant-style", "1.3.0", []string{"--trust-address-only"}, 2, "review", []string{"OWNERSHIP_TRANSFER@0.0", "PROXY_UPGRADE@0.1", "ROLE_GRANT@0.2"}},
		{"usdt-unlimited-approve", "1.3.0", nil, 2, "review", []string{"TOKEN_APPROVAL@0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"BULWARK_DATA": t.TempDir(), "TEST_OS_USER": "alice"}
			args := append([]string{"safe", "verify", "--tx", verifyFile(tc.name), "--chain-id", "1", "--safe-version", tc.version}, tc.extra...)

			code, stdout, stderr := run(t, env, append(args, "--json")...)
			if code != tc.code || stderr != "" {
				t.Fatalf("--json: exit %d (want %d), stderr %q", code, tc.code, stderr)
			}
			var out struct {
				SafeTxHash, DomainHash, MessageHash, Verdict, PolicyVersion string
				Findings                                                    []struct{ Code, Severity, Message, Path string }
				Decoded                                                     map[string]any
				AuditSeq                                                    int64
				Simulated                                                   *bool
				VerdictText                                                 string
				NotChecked                                                  []string
			}
			if err := json.Unmarshal([]byte(stdout), &out); err != nil {
				t.Fatalf("%v\n%s", err, stdout)
			}
			var raw any
			_ = json.Unmarshal([]byte(stdout), &raw)
			checkJSONHex(t, "", raw)
			if out.Verdict != tc.verdict || out.Decoded == nil || out.PolicyVersion != policy.PolicyVersion || out.AuditSeq != 2 {
				t.Errorf("verdict %q, policy %q, auditSeq %d, decoded %v", out.Verdict, out.PolicyVersion, out.AuditSeq, out.Decoded != nil)
			}
			got := map[string]bool{}
			for _, f := range out.Findings {
				got[f.Code], got[f.Code+"@"+f.Path] = true, true
				if f.Message == "" || f.Severity == "" {
					t.Errorf("finding without message or severity: %+v", f)
				}
			}
			for _, c := range tc.codes {
				if !got[c] {
					t.Errorf("no finding %s: %+v", c, out.Findings)
				}
			}
			for _, f := range out.Findings {
				if tc.code == 0 && f.Severity != "info" && f.Severity != "low" {
					t.Errorf("ok with finding %+v", f)
				}
			}
			if !got["VERIFIED_OFFLINE"] {
				t.Error("an offline verify does not say it did not simulate (VERIFIED_OFFLINE)")
			}
			if out.Simulated == nil || *out.Simulated {
				t.Errorf("an offline verify's JSON has simulated %v, want false", out.Simulated)
			}
			// Offline, the chain state and the effects were not checked,
			// and an ok says so.
			if !slices.Contains(out.NotChecked, policy.NotCheckedChainState) || !slices.Contains(out.NotChecked, policy.NotCheckedSimulation) {
				t.Errorf("an offline verify's notChecked is %v", out.NotChecked)
			}
			if wantText := map[string]string{"ok": "ok, not fully checked"}[tc.verdict]; wantText != "" && out.VerdictText != wantText || wantText == "" && out.VerdictText != tc.verdict {
				t.Errorf("verdictText %q for verdict %s", out.VerdictText, tc.verdict)
			}

			// The verdict is in the audit log, with its fingerprints.
			code, stdout, _ = run(t, env, "audit", "list", "--json")
			var entries []struct {
				Actor, Action, Target string
				Details               map[string]any
			}
			// Newest first; the other entry is the import of the default
			// lists the addresses were screened against (a new data
			// directory's).
			if err := json.Unmarshal([]byte(stdout), &entries); code != 0 || err != nil || len(entries) != 2 || entries[1].Action != "lists.import" {
				t.Fatalf("audit list: exit %d, %v: %s", code, err, stdout)
			}
			e := entries[0]
			if e.Actor != "cli:alice@test-host" || e.Action != "safe.verify" || !strings.HasPrefix(e.Target, "safe:0x") ||
				e.Details["safeTxHash"] != out.SafeTxHash || e.Details["verdict"] != tc.verdict || e.Details["chainId"] != "1" ||
				e.Details["policyVersion"] != policy.PolicyVersion || e.Details["safeVersion"] != tc.version {
				t.Errorf("audit entry %+v", e)
			}
			if sc, _ := e.Details["screening"].(map[string]any); sc["checked"] != true || !strings.Contains(fmt.Sprint(sc["lists"]), "fbi-dprk") {
				t.Errorf("audit entry's screening %v, want the default lists' versions", e.Details["screening"])
			}

			// Human output, against the golden file.
			code, stdout, stderr = run(t, env, args...)
			if code != tc.code || stderr != "" {
				t.Fatalf("text: exit %d, stderr %q", code, stderr)
			}
			for _, c := range tc.codes {
				if !strings.Contains(stdout, strings.SplitN(c, "@", 2)[0]) {
					t.Errorf("text output lacks %s", c)
				}
			}
			if tc.code == 0 && (!strings.Contains(stdout, "OK, NOT FULLY CHECKED (exit 0) on the decoded calls only — NOT simulated; verify with --rpc before signing") || strings.Contains(stdout, "no finding needs a second look")) {
				t.Errorf("an offline OK reads as safe:\n%s", stdout)
			}
			if !strings.Contains(stdout, "NOT checked: the Safe's state on chain") {
				t.Errorf("the text output does not say what was not checked:\n%s", stdout)
			}
			golden := filepath.Join("testdata", "safe", "verify-"+tc.name+".golden")
			if *updateGolden {
				if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run 'go test ./cli -run TestSafeVerifyGolden -update' to create it)", err)
			}
			if stdout != string(want) {
				t.Errorf("output differs from %s (rerun with -update after checking the change):\n%s", golden, stdout)
			}
		})
	}
}

// TestSafeVerifySharedFixture verifies the Safe Transaction Service
// fixture of Bybit's nonce 71 in ../shared, when it is there.
func TestSafeVerifySharedFixture(t *testing.T) {
	t.Parallel()
	file := filepath.Join("..", "..", "shared", "data", "safe", "bybit", "bybit-safe-tx.clearsign-fixture.json")
	if _, err := os.Stat(file); err != nil {
		t.Skip("shared Bybit fixture is absent")
	}
	env := map[string]string{"BULWARK_DATA": t.TempDir()}
	code, stdout, stderr := run(t, env, "safe", "verify", "--tx", file, "--chain-id", "1", "--safe-version", "1.1.1")
	if code != 3 || !strings.Contains(stdout, "UNTRUSTED_DELEGATECALL") || !strings.Contains(stdout, "DELEGATECALL_SELECTOR_MISMATCH") ||
		!strings.Contains(stdout, "0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8 (matches the file's)") {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, stdout)
	}
}

func TestSafeVerifyErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"safe":"0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1","to":"0x3cC3A225769900e003E264dd4CB43E90896BC21A","value":"0","operation":0,"nonce":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tx := verifyFile("eth-transfer")
	withKeys, numVersion := filepath.Join(dir, "with-keys.json"), filepath.Join(dir, "num-version.json")
	addKeys(t, tx, withKeys, map[string]any{"chainId": 5, "safeVersion": "1.4.1"})
	addKeys(t, tx, numVersion, map[string]any{"safeVersion": 1.3})
	badBook := filepath.Join(dir, "book.toml")
	if err := os.WriteFile(badBook, []byte("[[entry]]\naddress = \"0x3Cc3A225769900e003E264dd4CB43E90896BC21A\"\nlabel = \"Bob\"\nkinds = [\"friend\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no tx", []string{"--chain-id", "1", "--safe-version", "1.4.1"}, "--tx: required"},
		{"no chain id", []string{"--tx", tx, "--safe-version", "1.4.1"}, "--chain-id: required: the chain's EIP-155 id, e.g. 1 for Ethereum mainnet; the Safe Transaction Service's JSON does not carry it: give it with --chain-id N, or give --rpc URL to read it from a node; it is never guessed"},
		{"file's chainId disagrees", []string{"--tx", withKeys, "--chain-id", "1", "--safe-version", "1.4.1"}, "bulwark: --chain-id: 1 disagrees with the --tx file's chainId 5: leave one out, or make them agree\n"},
		{"file's safeVersion disagrees", []string{"--tx", withKeys, "--safe-version", "1.3.0"}, "bulwark: --safe-version: 1.3.0 disagrees with the --tx file's safeVersion 1.4.1"},
		{"file's safeVersion a number", []string{"--tx", numVersion, "--chain-id", "1"}, "--tx: " + numVersion + ": safeVersion: want the Safe's version as a string"},
		{"no version", []string{"--tx", tx, "--chain-id", "1"}, "--safe-version: required"},
		{"bad version", []string{"--tx", tx, "--chain-id", "1", "--safe-version", "1.6.0"}, "--safe-version:"},
		{"missing file", []string{"--tx", filepath.Join(dir, "nope.json"), "--chain-id", "1", "--safe-version", "1.4.1"}, "does not exist"},
		{"bad field", []string{"--tx", bad, "--chain-id", "1", "--safe-version", "1.4.1"}, "--tx: " + bad + ": to: mixed-case address fails its EIP-55 checksum"},
		{"create on 1.4.1", []string{"--tx", "-", "--chain-id", "1", "--safe-version", "1.4.1"}, "operation: operation 2 (CREATE) exists only before Safe 1.0.0"},
		{"address book missing", []string{"--tx", tx, "--chain-id", "1", "--safe-version", "1.4.1", "--address-book", filepath.Join(dir, "none.toml")},
			"bulwark: --address-book: " + filepath.Join(dir, "none.toml") + " does not exist\n"},
		{"address book invalid", []string{"--tx", tx, "--chain-id", "1", "--safe-version", "1.4.1", "--address-book", badBook},
			"bulwark: --address-book: " + badBook + ": entry 1 (\"Bob\"): kinds: \"friend\" is not a kind (kinds: own-contract, counterparty, spender, recipient)\n"},
		{"positional", []string{"--tx", tx, "--chain-id", "1", "--safe-version", "1.4.1", "extra"}, "takes no arguments"},
		// A node that is down: one line (the retries are logged at debug
		// level only), and none of the key in the URL.
		{"node down", []string{"--tx", tx, "--rpc", secretNodeURL}, "bulwark: --rpc: node at http://127.0.0.1:1/… is unreachable: connection refused (is it running? check --rpc) (gave up after 2 attempts)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"BULWARK_DATA": t.TempDir()}
			m, stdout, stderr := runWithStdin(t, env, `{"safe":"0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1","to":"0x3Cc3A225769900e003E264dd4CB43E90896BC21A","value":"0","operation":2,"nonce":1}`,
				append([]string{"safe", "verify"}, tc.args...)...)
			if m != 1 || stdout != "" || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stdout %q, stderr %q; want one line with %q", m, stdout, stderr, tc.want)
			}
			noNodeSecrets(t, stderr)
		})
	}

	// At --log-level debug the retry is shown, still without the key.
	_, _, stderr := run(t, map[string]string{"BULWARK_DATA": t.TempDir()}, "safe", "verify", "--tx", tx, "--rpc", secretNodeURL, "--log-level", "debug")
	if !strings.Contains(stderr, `level=DEBUG msg="ethrpc: retrying" node=http://127.0.0.1:1/…`) || strings.Count(stderr, "\n") != 2 {
		t.Errorf("debug: stderr %q, want the retry line and the error", stderr)
	}
	noNodeSecrets(t, stderr)
}

// secretNodeURL is a node that is down whose URL carries a key in each of
// the places hosted nodes put one: user info, path (short, so that no
// pattern would spot it) and query.
const secretNodeURL = "http://alice:s3cret@127.0.0.1:1/v3/SECRETKEY?apikey=QUERYKEY"

// noNodeSecrets fails when text shows any part of secretNodeURL's key.
func noNodeSecrets(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{"alice", "s3cret", "SECRETKEY", "QUERYKEY", "apikey", "/v3"} {
		if strings.Contains(text, s) {
			t.Errorf("%q shows %q", text, s)
		}
	}
}

// runWithStdin is run with the given standard input.
func runWithStdin(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb strings.Builder
	m := &Main{
		Stdin:     strings.NewReader(stdin),
		Stdout:    &out,
		Stderr:    &errb,
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	}
	code = m.Run(context.Background(), args)
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return code, out.String(), errb.String()
}

// TestDataIsNeverTheDataDirectory: --data is calldata. A command that takes
// no calldata refuses it, naming --data-dir, and creates nothing: before,
// 'safe verify --data 0xa9059cbb' made a data directory named 0xa9059cbb.
func TestDataIsNeverTheDataDirectory(t *testing.T) {
	// Not parallel: it changes the working directory (t.Chdir).
	tx, err := filepath.Abs(verifyFile("eth-transfer"))
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	t.Chdir(work)
	env := map[string]string{"BULWARK_DATA": filepath.Join(work, "data"), "TEST_OS_USER": "alice"}
	for _, args := range [][]string{
		{"safe", "verify", "--tx", tx, "--chain-id", "1", "--safe-version", "1.4.1", "--data", "0xa9059cbb"},
		{"safe", "verify", "--data=0xa9059cbb", "--tx", tx, "--chain-id", "1", "--safe-version", "1.4.1"},
		{"audit", "list", "--data", "0xa9059cbb"},
		{"token", "list", "--data", "0xa9059cbb"},
	} {
		code, stdout, stderr := run(t, env, args...)
		if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 ||
			!strings.HasPrefix(stderr, "bulwark: --data: no such flag for bulwark "+args[0]+" "+args[1]) || !strings.Contains(stderr, "--data-dir DIR") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	// The positive signal that the directory is looked at: the same
	// verification with --data-dir creates the store there.
	code, _, stderr := run(t, env, "safe", "verify", "--tx", tx, "--chain-id", "1", "--safe-version", "1.4.1", "--data-dir", "0xa9059cbb")
	if code != 0 {
		t.Fatalf("with --data-dir: exit %d, %s", code, stderr)
	}
	entries, err := os.ReadDir(work)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "0xa9059cbb" {
		t.Errorf("working directory holds %q, want only the --data-dir directory 0xa9059cbb", names)
	}
	if _, err := os.Stat(filepath.Join(work, "0xa9059cbb", "bulwark.db")); err != nil {
		t.Errorf("--data-dir 0xa9059cbb holds no store: %v", err)
	}
}

// addKeys writes to out the JSON object in file with keys added.
func addKeys(t *testing.T, file, out string, keys map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range keys {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	if err := os.WriteFile(out, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSafeVerifyFileCarriesDomain: a file written for the API, with
// chainId and safeVersion keys beside the service's, verifies without the
// flags, as POST /api/v1/safe/verify takes it; flags that agree are fine.
func TestSafeVerifyFileCarriesDomain(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "tx.json")
	addKeys(t, verifyFile("bybit-nonce71"), file, map[string]any{"chainId": "1", "safeVersion": "1.1.1"})
	for _, extra := range [][]string{nil, {"--chain-id", "1"}, {"--chain-id", "0x1", "--safe-version", "1.1.1"}} {
		env := map[string]string{"BULWARK_DATA": t.TempDir()}
		code, stdout, stderr := run(t, env, append([]string{"safe", "verify", "--tx", file, "--json"}, extra...)...)
		var out struct{ ChainID, SafeVersion, SafeTxHash, Verdict string }
		if err := json.Unmarshal([]byte(stdout), &out); code != 3 || err != nil || out.ChainID != "1" || out.SafeVersion != "1.1.1" || out.Verdict != "reject" ||
			out.SafeTxHash != "0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8" {
			t.Errorf("%q: exit %d, %v, %+v, stderr %q", extra, code, err, out, stderr)
		}
	}
}

// TestSafeVerifyAddressBook: with --address-book the unlimited USDT
// approve names USDT from the book and says the spender is not in it, an
// approve to a listed spender is info (ok, exit 0), and the book's digest
// is in the JSON options and the audit entry.
func TestSafeVerifyAddressBook(t *testing.T) {
	t.Parallel()
	book := filepath.Join("testdata", "safe", "addressbook.toml")
	env := map[string]string{"BULWARK_DATA": t.TempDir(), "TEST_OS_USER": "alice"}
	code, stdout, stderr := run(t, env, "safe", "verify", "--tx", verifyFile("usdt-unlimited-approve"), "--chain-id", "1", "--safe-version", "1.3.0",
		"--address-book", book, "--json")
	if code != 2 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var out struct {
		Verdict  string
		Findings []struct{ Code, Severity, Message string }
		Options  struct {
			AddressBook struct {
				Source, SHA256 string
				Entries        int
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	if out.Options.AddressBook.Source != book || len(out.Options.AddressBook.SHA256) != 64 || out.Options.AddressBook.Entries != 5 {
		t.Errorf("options %+v", out.Options)
	}
	codes := map[string]string{}
	for _, f := range out.Findings {
		codes[f.Code] = f.Severity + " " + f.Message
	}
	if !strings.HasPrefix(codes["TOKEN_APPROVAL"], "high ") || !strings.Contains(codes["TOKEN_APPROVAL"], "NOT in the address book") ||
		!strings.Contains(codes["ADDRESS_BOOK_TARGET"], `"USDT"`) || codes["UNKNOWN_TARGET"] != "" {
		t.Errorf("findings %+v", out.Findings)
	}
	code, stdout, _ = run(t, env, "audit", "list", "--json")
	var entries []struct {
		Details struct {
			AddressBook struct {
				Source, SHA256 string
				Entries        int
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &entries); code != 0 || err != nil || len(entries) != 2 || entries[0].Details.AddressBook != out.Options.AddressBook {
		t.Errorf("audit entry lacks the address book (%v): %s", err, stdout)
	}
}

// TestServeAddressBook: serve --address-book hands its wiring the book it
// read, and refuses to start on a book that does not validate, naming the
// flag, the file, the entry and the field.
func TestServeAddressBook(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "book.toml")
	if err := os.WriteFile(bad, []byte("[[entry]]\naddress = \"0x3Cc3A225769900e003E264dd4CB43E90896BC21A\"\nlabel = \"Bob\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"BULWARK_DATA": filepath.Join(dir, "bad")}
	want := "--address-book: " + bad + `: entry 1 ("Bob"): kinds: required`
	if code, stdout, stderr := run(t, env, "serve", "--address-book", bad); code != 1 || stdout != "" || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, want)
	}
	var got *policy.AddressBook
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard,
		LookupEnv: func(k string) (string, bool) {
			if k == "BULWARK_DATA" {
				return filepath.Join(dir, "serve"), true
			}
			return "", false
		},
		Serve: func(_ context.Context, s *Serving) error { got = s.AddressBook; return nil }}
	t.Cleanup(func() { _ = m.Close() })
	if code := m.Run(context.Background(), []string{"serve", "--address-book", filepath.Join("testdata", "safe", "addressbook.toml")}); code != 0 {
		t.Fatalf("serve --address-book: exit %d", code)
	}
	if got.Len() != 5 {
		t.Errorf("serve's address book has %d entries, want 5", got.Len())
	}
}
