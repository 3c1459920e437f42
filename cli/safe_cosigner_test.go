package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/keystore"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// The key of web3.js's documentation example and its address.
const (
	cosignerTestKey  = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
	cosignerTestAddr = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
	cosignerPass     = "Tr0ub4dor&3-co-signer"
)

// testKeyParams are the scrypt parameters of the key files these tests
// write (n 1024, r 8, p 1): a twenty-fourth of keystore.Light's work, since
// every command that loads the co-signer's key derives it again. What the
// tests check does not depend on the cost.
var testKeyParams = keystore.Params{ScryptN: 1 << 10, ScryptP: 1}

// runKeyCmd runs bulwark as run does, writing key files with light
// scrypt parameters.
func runKeyCmd(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		LookupEnv: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		},
		defaultLists:   embeddedLists,
		cosignerParams: &testKeyParams,
		osUser:         testOSUser(env),
	}
	code = m.Run(context.Background(), args)
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, secret := range []string{cosignerPass, cosignerTestKey, env[envCosignerPassphrase]} {
		if len(secret) >= 6 && (strings.Contains(out.String(), secret) || strings.Contains(errb.String(), secret)) {
			t.Errorf("%v: a secret shows in the output:\n%s\n%s", args, out.String(), errb.String())
		}
	}
	return code, out.String(), errb.String()
}

func cosignerEnv(t *testing.T) (map[string]string, string) {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	return map[string]string{"BULWARK_DATA": data, envCosignerPassphrase: cosignerPass, "TEST_OS_USER": "alice"}, data
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// auditActions returns the actions of the data directory's audit log and
// its whole JSON.
func auditActions(t *testing.T, env map[string]string) ([]string, string) {
	t.Helper()
	code, out, errOut := run(t, env, "audit", "list", "--json")
	if code != 0 {
		t.Fatalf("audit list: %d %s", code, errOut)
	}
	var entries []struct {
		Action string `json:"action"`
	}
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("audit list: %v\n%s", err, out)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	return actions, out
}

func TestCosignerInitAddressExport(t *testing.T) {
	t.Parallel()
	env, data := cosignerEnv(t)
	code, out, errOut := runKeyCmd(t, env, "safe", "cosigner", "init", "--json")
	if code != 0 {
		t.Fatalf("init: exit %d: %s", code, errOut)
	}
	var got struct{ Address, Keystore string }
	if err := json.Unmarshal([]byte(out), &got); err != nil || !strings.HasPrefix(got.Address, "0x") || len(got.Address) != 42 {
		t.Fatalf("init JSON %q: %v", out, err)
	}
	path := filepath.Join(data, "cosigner", "keystore.json")
	if got.Keystore != path {
		t.Errorf("keystore %s, want %s", got.Keystore, path)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("keystore mode %v, %v", st.Mode(), err)
	}
	before, _ := os.ReadFile(path)
	if s, err := keystore.Load(path, cosignerPass); err != nil || s.Address().Hex() != got.Address {
		t.Fatalf("Load = %v, %v", s, err)
	}

	// A second init refuses, and the key stays.
	code, _, errOut = runKeyCmd(t, env, "safe", "cosigner", "init")
	if code != 1 || !strings.Contains(errOut, "already exists") || !strings.Contains(errOut, "rotate") {
		t.Errorf("init again: exit %d: %s", code, errOut)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Error("the keystore changed")
	}

	// address: checked with the passphrase, the file's word without.
	code, out, _ = runKeyCmd(t, env, "safe", "cosigner", "address", "--json")
	if code != 0 || !strings.Contains(out, got.Address) || !strings.Contains(out, `"checked": true`) {
		t.Errorf("address: exit %d: %s", code, out)
	}
	noPass := map[string]string{"BULWARK_DATA": data}
	code, out, errOut = runKeyCmd(t, noPass, "safe", "cosigner", "address")
	if code != 0 || strings.TrimSpace(out) != got.Address || !strings.Contains(errOut, "not checked") {
		t.Errorf("address without a passphrase: exit %d: %q %q", code, out, errOut)
	}
	wrong := map[string]string{"BULWARK_DATA": data, envCosignerPassphrase: "not-it"}
	code, _, errOut = runKeyCmd(t, wrong, "safe", "cosigner", "address")
	if code != 1 || !strings.Contains(errOut, "wrong passphrase") {
		t.Errorf("address with a wrong passphrase: exit %d: %s", code, errOut)
	}
	if n := countAuditAction(t, data, "safe.cosigner.unlock"); n != 1 {
		t.Errorf("%d safe.cosigner.unlock entries after a wrong passphrase, want 1", n)
	}

	// export: a new file, with the same or another passphrase.
	dir := t.TempDir()
	same := filepath.Join(dir, "same.json")
	code, out, errOut = runKeyCmd(t, env, "safe", "cosigner", "export", "--out", same)
	if code != 0 || !strings.Contains(out, got.Address) {
		t.Fatalf("export: exit %d: %s %s", code, out, errOut)
	}
	if s, err := keystore.Load(same, cosignerPass); err != nil || s.Address().Hex() != got.Address {
		t.Errorf("exported file: %v, %v", s, err)
	}
	if b, _ := os.ReadFile(same); bytes.Equal(b, before) {
		t.Error("the export is a copy, not encrypted again")
	}
	other := filepath.Join(dir, "other.json")
	otherPass := writeFile(t, filepath.Join(dir, "other-pass"), "another passphrase\n", 0o600)
	if code, _, errOut := runKeyCmd(t, env, "safe", "cosigner", "export", "--out", other, "--out-passphrase-file", otherPass); code != 0 {
		t.Fatalf("export with another passphrase: exit %d: %s", code, errOut)
	}
	if s, err := keystore.Load(other, "another passphrase"); err != nil || s.Address().Hex() != got.Address {
		t.Errorf("exported file with another passphrase: %v, %v", s, err)
	}
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		msg  string
	}{
		{"over an existing file", env, []string{"--out", same}, "already exists"},
		{"a wrong passphrase", wrong, []string{"--out", filepath.Join(dir, "w.json")}, "wrong passphrase"},
		{"no --out", env, nil, "--out"},
	} {
		code, _, errOut := runKeyCmd(t, tt.env, append([]string{"safe", "cosigner", "export"}, tt.args...)...)
		if code != 1 || !strings.Contains(errOut, tt.msg) {
			t.Errorf("export %s: exit %d: %s", tt.name, code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "w.json")); err == nil {
		t.Error("export with a wrong passphrase wrote a file")
	}

	actions, log := auditActions(t, env)
	// Newest first: each wrong passphrase (address, export) is audited as a
	// refused unlock; each key file written has its started entry before it.
	if strings.Join(actions, ",") != "safe.cosigner.unlock,safe.cosigner.export,safe.cosigner.export.started,safe.cosigner.export,safe.cosigner.export.started,"+
		"safe.cosigner.unlock,safe.cosigner.init,safe.cosigner.init.started" {
		t.Errorf("audited %v", actions)
	}
	if !strings.Contains(log, got.Address) || strings.Contains(log, cosignerPass) || strings.Contains(log, "another passphrase") {
		t.Errorf("audit log: %s", log)
	}
}

func TestCosignerImport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	hexFile := writeFile(t, filepath.Join(dir, "key.hex"), "0x"+cosignerTestKey+"\n", 0o600)
	// A keystore of the same key under another passphrase, as a wallet
	// exports it.
	kf, _ := keystore.Parse([]byte(cosignerTestKey))
	key, _ := kf.Key("")
	ks, err := keystore.NewSigner(key).Encrypt("wallet passphrase", testKeyParams)
	if err != nil {
		t.Fatal(err)
	}
	ksFile := writeFile(t, filepath.Join(dir, "wallet.json"), string(ks), 0o600)
	walletPass := writeFile(t, filepath.Join(dir, "wallet-pass"), "wallet passphrase", 0o600)
	badHex := writeFile(t, filepath.Join(dir, "bad.hex"), strings.Repeat("z", 64), 0o600)
	shortHex := writeFile(t, filepath.Join(dir, "short.hex"), cosignerTestKey[:60], 0o600)

	for _, tt := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"hex key", []string{"--key-file", hexFile}, 0, cosignerTestAddr},
		{"keystore with its passphrase file", []string{"--key-file", ksFile, "--key-passphrase-file", walletPass}, 0, cosignerTestAddr},
		{"keystore with a wrong passphrase", []string{"--key-file", ksFile}, 1, "wrong passphrase"},
		{"bad hex", []string{"--key-file", badHex}, 1, "not a hex digit"},
		{"short hex", []string{"--key-file", shortHex}, 1, "64 hex digits"},
		{"missing key file", []string{"--key-file", filepath.Join(dir, "none")}, 1, "--key-file"},
		{"unreadable key file (a directory)", []string{"--key-file", dir}, 1, "not a regular file"},
		{"no --key-file", nil, 1, "--key-file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, data := cosignerEnv(t)
			code, out, errOut := runKeyCmd(t, env, append([]string{"safe", "cosigner", "import"}, tt.args...)...)
			if code != tt.code || !strings.Contains(out+errOut, tt.msg) {
				t.Fatalf("exit %d, want %d naming %q: %s %s", code, tt.code, tt.msg, out, errOut)
			}
			path := filepath.Join(data, "cosigner", "keystore.json")
			if tt.code != 0 {
				if _, err := os.Stat(path); err == nil {
					t.Error("a keystore was written")
				}
				return
			}
			if s, err := keystore.Load(path, cosignerPass); err != nil || s.Address().Hex() != cosignerTestAddr {
				t.Errorf("imported keystore: %v, %v", s, err)
			}
			// Importing again does not replace it.
			if code, _, errOut := runKeyCmd(t, env, append([]string{"safe", "cosigner", "import"}, tt.args...)...); code != 1 || !strings.Contains(errOut, "already exists") {
				t.Errorf("import again: exit %d: %s", code, errOut)
			}
			if actions, _ := auditActions(t, env); !slices.Equal(actions, []string{"safe.cosigner.import", "safe.cosigner.import.started"}) {
				t.Errorf("audited %v", actions)
			}
		})
	}
}

// TestCosignerPassphrase: the passphrase comes from a file only its owner
// can read, or the environment; anything else is refused before a key is
// made or written.
func TestCosignerPassphrase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writeFile(t, filepath.Join(dir, "good"), cosignerPass+"\r\nignored second line\n", 0o600)
	groupOK := writeFile(t, filepath.Join(dir, "group"), cosignerPass, 0o640)
	world := writeFile(t, filepath.Join(dir, "world"), cosignerPass, 0o644)
	worldWritable := writeFile(t, filepath.Join(dir, "world-w"), cosignerPass, 0o602)
	empty := writeFile(t, filepath.Join(dir, "empty"), "\n", 0o600)
	big := writeFile(t, filepath.Join(dir, "big"), strings.Repeat("p", maxPassphraseFile+1), 0o600)
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		msg  string
	}{
		{"file", nil, []string{"--passphrase-file", good}, 0, "0x"},
		{"group-readable file", nil, []string{"--passphrase-file", groupOK}, 1, "chmod 600"},
		{"environment", map[string]string{envCosignerPassphrase: cosignerPass}, nil, 0, "0x"},
		{"the file wins over the environment", map[string]string{envCosignerPassphrase: "x"}, []string{"--passphrase-file", good}, 0, "0x"},
		{"none", nil, nil, 1, "passphrase is needed"},
		{"empty environment", map[string]string{envCosignerPassphrase: ""}, nil, 1, "is empty"},
		{"world-readable file", nil, []string{"--passphrase-file", world}, 1, "chmod 600"},
		{"world-writable file", nil, []string{"--passphrase-file", worldWritable}, 1, "group or every user"},
		{"empty file", nil, []string{"--passphrase-file", empty}, 1, "is empty"},
		{"missing file", nil, []string{"--passphrase-file", filepath.Join(dir, "none")}, 1, "cannot read"},
		{"a directory", nil, []string{"--passphrase-file", dir}, 1, "not a regular file"},
		{"too large", nil, []string{"--passphrase-file", big}, 1, "larger than a passphrase"},
		{"no passphrase flag", map[string]string{envCosignerPassphrase: cosignerPass}, []string{"--passphrase", "x"}, 1, "passphrase"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := filepath.Join(t.TempDir(), "data")
			env := map[string]string{"BULWARK_DATA": data}
			for k, v := range tt.env {
				env[k] = v
			}
			code, out, errOut := runKeyCmd(t, env, append([]string{"safe", "cosigner", "init"}, tt.args...)...)
			if code != tt.code || !strings.Contains(out+errOut, tt.msg) {
				t.Fatalf("exit %d, want %d naming %q: %s %s", code, tt.code, tt.msg, out, errOut)
			}
			path := filepath.Join(data, "cosigner", "keystore.json")
			if _, err := os.Stat(path); (err == nil) != (tt.code == 0) {
				t.Errorf("keystore written: %v, want %v", err == nil, tt.code == 0)
			}
			if tt.code == 0 {
				if _, err := keystore.Load(path, cosignerPass); err != nil {
					t.Errorf("the keystore does not open with the passphrase: %v", err)
				}
			}
		})
	}
}

// TestCosignerKeystoreFlag: --keystore puts the key elsewhere, and 'safe
// cosign' without a key says how to make one.
func TestCosignerKeystoreFlag(t *testing.T) {
	t.Parallel()
	env, data := cosignerEnv(t)
	path := filepath.Join(t.TempDir(), "elsewhere", "co.json")
	if code, _, errOut := runKeyCmd(t, env, "safe", "cosigner", "init", "--keystore", path); code != 0 {
		t.Fatalf("init --keystore: %d %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(data, "cosigner", "keystore.json")); err == nil {
		t.Error("the default keystore was written too")
	}
	if code, out, _ := runKeyCmd(t, env, "safe", "cosigner", "address", "--keystore", path); code != 0 || !strings.HasPrefix(out, "0x") {
		t.Errorf("address --keystore: %d %s", code, out)
	}
	code, _, errOut := runKeyCmd(t, env, "safe", "cosigner", "address")
	if code != 1 || !strings.Contains(errOut, "cosigner init") {
		t.Errorf("address without a key: %d %s", code, errOut)
	}
	code, _, errOut = runKeyCmd(t, env, "safe", "cosign", "--tx", "testdata/safe/verify/eth-transfer.json", "--rpc", "http://127.0.0.1:1")
	if code != 1 || !strings.Contains(errOut, "no co-signer key") {
		t.Errorf("safe cosign without a key: %d %s", code, errOut)
	}
}

// TestCosignerServe: serve runs without a co-signer when there is no
// keystore, loads the one there is, and refuses to start when it cannot
// be opened.
func TestCosignerServe(t *testing.T) {
	t.Parallel()
	env, data := cosignerEnv(t)
	m := func(env map[string]string) *Main {
		return &Main{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, g: globals{dataDir: data}, cosignerParams: &testKeyParams}
	}
	if s, err := m(env).serveCosigner("", ""); s != nil || err != nil {
		t.Fatalf("no keystore: %v, %v; want no co-signer", s, err)
	}
	// A data directory that is a file is for the store to report.
	file := writeFile(t, filepath.Join(t.TempDir(), "file"), "x", 0o600)
	onFile := &Main{LookupEnv: func(string) (string, bool) { return "", false }, g: globals{dataDir: file}}
	if s, err := onFile.serveCosigner("", ""); s != nil || err != nil {
		t.Errorf("data directory a file: %v, %v; want no co-signer", s, err)
	}
	if _, err := m(env).serveCosigner(filepath.Join(data, "none.json"), ""); err == nil || !strings.Contains(err.Error(), "--cosigner-keystore") {
		t.Errorf("a missing --cosigner-keystore: %v", err)
	}
	if code, _, errOut := runKeyCmd(t, env, "safe", "cosigner", "import", "--key-file",
		writeFile(t, filepath.Join(t.TempDir(), "k"), cosignerTestKey, 0o600)); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	s, err := m(env).serveCosigner("", "")
	if err != nil || s == nil || s.Address().Hex() != cosignerTestAddr {
		t.Fatalf("serveCosigner = %v, %v", s, err)
	}
	for _, tt := range []struct {
		name string
		env  map[string]string
		pass string
		msg  string
	}{
		{"wrong passphrase", map[string]string{envCosignerPassphrase: "nope"}, "", "wrong passphrase"},
		{"no passphrase", map[string]string{}, "", "passphrase is needed"},
		{"world-readable passphrase file", map[string]string{}, writeFile(t, filepath.Join(t.TempDir(), "p"), cosignerPass, 0o644), "chmod 600"},
	} {
		s, err := m(tt.env).serveCosigner("", tt.pass)
		if s != nil || err == nil || !strings.Contains(err.Error(), "not starting") || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: %v, %v", tt.name, s, err)
		}
	}
	// Through the command line: serve stops before it listens.
	code, _, errOut := runKeyCmd(t, map[string]string{"BULWARK_DATA": data, envCosignerPassphrase: "nope"}, "serve", "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errOut, "wrong passphrase") {
		t.Errorf("serve with a wrong passphrase: %d %s", code, errOut)
	}
}

// countAuditAction counts the entries of action in the audit log of the
// data directory data.
func countAuditAction(t *testing.T, data, action string) int {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(data, "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	entries, err := db.AuditEntries(context.Background(), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Action == action {
			n++
		}
	}
	return n
}

// TestCosignerKeyFileAuditedFirst: init, import and export commit an
// audited "started" entry before the key file is written, then write it,
// then audit its completion; a kill -9 between the write and the
// completion (the keyWritten hook) leaves a key file with its started
// entry, never a key file the audit log does not know of.
func TestCosignerKeyFileAuditedFirst(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, action string
		args         func(dir string) []string
	}{
		{"init", "safe.cosigner.init", func(dir string) []string { return []string{"safe", "cosigner", "init"} }},
		{"import", "safe.cosigner.import", func(dir string) []string {
			key := filepath.Join(dir, "key.hex")
			if err := os.WriteFile(key, []byte(cosignerTestKey), 0o600); err != nil {
				t.Fatal(err)
			}
			return []string{"safe", "cosigner", "import", "--key-file", key}
		}},
		{"export", "safe.cosigner.export", func(dir string) []string {
			return []string{"safe", "cosigner", "export", "--out", filepath.Join(dir, "backup.json")}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, data := cosignerEnv(t)
			dir := t.TempDir()
			if tc.name == "export" {
				if code, _, errOut := runKeyCmd(t, env, "safe", "cosigner", "init"); code != 0 {
					t.Fatalf("init: %s", errOut)
				}
			}
			var seen []string
			var out, errb bytes.Buffer
			m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
				LookupEnv:    func(k string) (string, bool) { v, ok := env[k]; return v, ok },
				defaultLists: embeddedLists, cosignerParams: &testKeyParams, osUser: testOSUser(env),
				keyWritten: func(path string) {
					// Where a kill -9 would stop it: the file is there and
					// so is its started entry.
					if _, err := os.Stat(path); err != nil {
						t.Errorf("key file %s not written yet: %v", path, err)
					}
					seen = append(seen, fmt.Sprint(countAuditAction(t, data, tc.action+".started"), countAuditAction(t, data, tc.action)))
				}}
			code := m.Run(context.Background(), tc.args(dir))
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			if code != 0 || !slices.Equal(seen, []string{"1 0"}) {
				t.Fatalf("exit %d (%s); at the write: started and completed entries %v, want [1 0]", code, errb.String(), seen)
			}
			if n := countAuditAction(t, data, tc.action); n != 1 {
				t.Errorf("%d completion entries", n)
			}
		})
	}
}
