package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Bybit's malicious transaction (Safe 1.1.1, nonce 71): the published
// safeTxHash is 0xb3476d06…04f8.
var bybitArgs = []string{"safe", "hash", "--chain-id", "1", "--safe", "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4",
	"--safe-version", "1.1.1", "--to", "0x96221423681A6d52E184D440a8eFCEbB105C7242",
	"--data", "0xa9059cbb000000000000000000000000bdd077f651ebe7f7b3ce16fe5f2b025be29695160000000000000000000000000000000000000000000000000000000000000000",
	"--operation", "1", "--safe-tx-gas", "45746", "--nonce", "71"}

// The nested-Safe example of the pcaversaccio/safe-tx-hashes-util README.
var nestedArgs = []string{"safe", "hash", "--chain-id", "11155111", "--safe", "0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1",
	"--safe-version", "1.3.0", "--to", "0x255C3912f91eF11bFDadd405F13144a823Da8cc5", "--value", "100000000000000000",
	"--nonce", "4", "--parent-safe", "0x6bc56d6CE87C86CB0756c616bECFD3Cd32b09251", "--parent-version", "1.3.0+L2", "--parent-nonce", "4"}

func TestSafeGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		must []string // published values the output has to carry, golden or not
	}{
		{"hash-bybit", bybitArgs, []string{
			"0xb3ded2bdbff5db1a87f6d551fa256e9f2bd6517a3bb84f4c2ea863fb3a559622",
			"0xea68fc75e93bf7286b1257680ca8e2033bfadd8e1cb8a23f3ca18f1031ecf1e0",
			"0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8",
			"0xB3DED2BDBFF5DB1A87F6D551FA256E9F2BD6517A3BB84F4C2EA863FB3A559622",
			"! DELEGATECALL", "! No chain id"}},
		{"hash-nested", nestedArgs, []string{
			"0xcb8bbe7bf8f8a1f3f57658e450d07d4422356ac042d96a87ba425b19e67a78a1",
			"0xd4d9bdcdcb8bbe7bf8f8a1f3f57658e450d07d4422356ac042d96a87ba425b19e67a78a1",
			"0x55F6C329A7834E2A4E789F5526F328FA75D14FE75B97B0001BE40CAF46CA92A1",
			"0xCD411EE5D49344391EF8D37B76E19DFACF505BBB20E856AC907ACB5958ECBDF0",
			"0x86eb3f93f2670d119a4ecb8eeaa4dafe31a28abcafe06688d47e195a3dd7abb0"}},
		// safe-eth-py's v0.1.0 vector (dataGas, legacy domain, data 0x00).
		{"hash-v0.1.0", []string{"safe", "hash", "--chain-id", "1", "--safe", "0x692a70d2e424a56d2c6c27aa97d1a86395877b3a", "--safe-version", "0.1.0",
			"--to", "0x5AC255889882aaB35A2aa939679E3F3d4Cea221E", "--value", "5000000", "--data", "0x00", "--safe-tx-gas", "50000",
			"--base-gas", "100", "--gas-price", "10000", "--nonce", "67", "--signatures", "0x" + strings.Repeat("ab", 65)}, []string{
			"0xc9d69a2350aede7978fdee58e702647e4bbdc82168577aa4a43b66ad815c6d1a", "DataGas", "Signatures        65 bytes"}},
		{"message-text", []string{"safe", "message-hash", "--chain-id", "11155111", "--safe", "0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1",
			"--safe-version", "1.3.0", "--message-file", filepath.Join("testdata", "safe", "message.txt")}, []string{
			"0x611379c19940caee095cdb12bebe6a9fa9abb74cdb1fbd7377c49a1f198dc24f", "ends with a newline"}},
		// The EIP-712 specification's example, wrapped for a legacy Safe.
		{"message-typed", []string{"safe", "message-hash", "--chain-id", "1", "--safe", "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4",
			"--safe-version", "1.1.1", "--typed-data", filepath.Join("testdata", "safe", "mail.json")}, []string{
			"0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2",
			"0xb3ded2bdbff5db1a87f6d551fa256e9f2bd6517a3bb84f4c2ea863fb3a559622"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, nil, tc.args...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			for _, s := range tc.must {
				if !strings.Contains(stdout, s) {
					t.Errorf("output lacks %s", s)
				}
			}
			golden := filepath.Join("testdata", "safe", tc.name+".golden")
			if *updateGolden {
				if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run 'go test ./cli -run TestSafeGolden -update' to create it)", err)
			}
			if stdout != string(want) {
				t.Errorf("output differs from %s (rerun with -update after checking the change):\n%s", golden, stdout)
			}
		})
	}
}

var (
	hash32   = regexp.MustCompile(`^0x[0-9a-f]{64}$`)
	lowerHex = regexp.MustCompile(`^0x([0-9a-f]{2})*$`)
)

// checkJSONHex walks a JSON document: every string that looks like hex
// must be lower-case, except EIP-55 addresses, which must be checksummed.
func checkJSONHex(t *testing.T, path string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			checkJSONHex(t, path+"."+k, e)
		}
	case []any:
		for _, e := range x {
			checkJSONHex(t, path+"[]", e)
		}
	case string:
		if !strings.HasPrefix(x, "0x") {
			return
		}
		if len(x) == 42 && common.IsHexAddress(x) {
			if common.HexToAddress(x).Hex() != x {
				t.Errorf("%s = %s is not EIP-55", path, x)
			}
			return
		}
		if !lowerHex.MatchString(x) {
			t.Errorf("%s = %s is not lower-case hex", path, x)
		}
	}
}

func TestSafeHashJSON(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := run(t, nil, append(bybitArgs, "--json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	checkJSONHex(t, "", out)
	for k, want := range map[string]string{
		"chainId":     "1",
		"safe":        "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4",
		"safeVersion": "1.1.1",
		"domainHash":  "0xb3ded2bdbff5db1a87f6d551fa256e9f2bd6517a3bb84f4c2ea863fb3a559622",
		"messageHash": "0xea68fc75e93bf7286b1257680ca8e2033bfadd8e1cb8a23f3ca18f1031ecf1e0",
		"safeTxHash":  "0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8",
	} {
		if out[k] != want {
			t.Errorf("%s = %v, want %s", k, out[k], want)
		}
	}
	if s, _ := out["ethSignHash"].(string); !hash32.MatchString(s) {
		t.Errorf("ethSignHash = %v", out["ethSignHash"])
	}
	tx, _ := out["transaction"].(map[string]any)
	if tx["to"] != "0x96221423681A6d52E184D440a8eFCEbB105C7242" || tx["operation"] != float64(1) || tx["safeTxGas"] != "45746" || tx["nonce"] != "71" || tx["value"] != "0" {
		t.Errorf("transaction = %v", tx)
	}
	exec, _ := out["execTransaction"].(map[string]any)
	if cd, _ := exec["calldata"].(string); !strings.HasPrefix(cd, "0x6a761202") || exec["signatures"] != "0x" {
		t.Errorf("execTransaction = %v", exec)
	}
	if _, ok := out["parent"]; ok {
		t.Error("parent present without --parent-safe")
	}
	// The text output's warnings are in the JSON too.
	notes, _ := out["notes"].([]any)
	if len(notes) != 2 || !strings.Contains(fmt.Sprint(notes[0]), "DELEGATECALL runs the code of 0x96221423681A6d52E184D440a8eFCEbB105C7242") ||
		!strings.Contains(fmt.Sprint(notes[0]), "bulwark safe verify") || !strings.Contains(fmt.Sprint(notes[1]), "Safe 1.1.1 signs without a chain id") {
		t.Errorf("notes = %v, want the DELEGATECALL and no-chain-id warnings", out["notes"])
	}

	code, stdout, stderr = run(t, nil, append(nestedArgs, "--json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	out = nil
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	checkJSONHex(t, "", out)
	if _, ok := out["notes"]; ok {
		t.Errorf("notes = %v for a CALL in a 1.3.0 domain, want none", out["notes"])
	}
	parent, _ := out["parent"].(map[string]any)
	if parent["approvedHash"] != out["safeTxHash"] || parent["safeTxHash"] != "0x86eb3f93f2670d119a4ecb8eeaa4dafe31a28abcafe06688d47e195a3dd7abb0" ||
		parent["safe"] != "0x6bc56d6CE87C86CB0756c616bECFD3Cd32b09251" || parent["safeVersion"] != "1.3.0+L2" {
		t.Errorf("parent = %v", parent)
	}
}

func TestSafeMessageHashJSON(t *testing.T) {
	t.Parallel()
	base := []string{"safe", "message-hash", "--chain-id", "11155111", "--safe", "0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1", "--safe-version", "1.3.0", "--json"}
	code, stdout, stderr := run(t, nil, append(base, "--message-file", filepath.Join("testdata", "safe", "message.txt"))...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	checkJSONHex(t, "", out)
	for _, k := range []string{"domainHash", "messageHash", "safeMessageHash"} {
		if s, _ := out[k].(string); !hash32.MatchString(s) {
			t.Errorf("%s = %v", k, out[k])
		}
	}
	msg, _ := out["message"].(map[string]any)
	if msg["type"] != "eip191" || msg["bytes"] != float64(35) || !hash32.MatchString(msg["eip191Hash"].(string)) {
		t.Errorf("message = %v", msg)
	}
	if notes, _ := out["notes"].([]any); len(notes) != 1 {
		t.Errorf("notes = %v, want the trailing-newline note", out["notes"])
	}

	code, stdout, stderr = run(t, nil, append(base, "--typed-data", filepath.Join("testdata", "safe", "mail.json"))...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	out = nil
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	checkJSONHex(t, "", out)
	msg, _ = out["message"].(map[string]any)
	if msg["type"] != "eip712" || msg["primaryType"] != "Mail" ||
		msg["eip712Hash"] != "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2" ||
		msg["domainHash"] != "0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f" ||
		msg["messageHash"] != "0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e" {
		t.Errorf("message = %v", msg)
	}
	if _, ok := out["notes"]; ok {
		t.Errorf("notes = %v", out["notes"])
	}
}

// TestSafeMessageStdin reads the message from standard input.
func TestSafeMessageStdin(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader("Welcome to OpenSea!\n\nClick to sign in and accept the OpenSea Terms of Service (https://opensea.io/tos) and Privacy Policy (https://opensea.io/privacy).\n\nThis request will not trigger a blockchain transaction or cost any gas fees.\n\nWallet address:\n0x657ff0d4ec65d82b2bc1247b0a558bcd2f80a0f1\n\nNonce:\nea499f2f-fdbc-4d04-92c4-b60aba887e06"),
		Stdout: &out, Stderr: &errb, LookupEnv: func(string) (string, bool) { return "", false }}
	code := m.Run(context.Background(), []string{"safe", "message-hash", "--chain-id", "11155111", "--safe", "0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1", "--safe-version", "1.3.0", "--message-file", "-", "--json"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	// The published OpenSea vector (pcaversaccio README, Cyfrin msg_signing.rs).
	for _, want := range []string{"0xcb1a9208c1a7c191185938c7d304ed01db68677eea4e689d688469aa72e34236", "0x1866b559f56261ada63528391b93a1fe8e2e33baf7cace94fc6b42202d16ea08"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %s:\n%s", want, out.String())
		}
	}
}

// TestSafeHashDataFlag: for 'safe hash', --data is the calldata; the data
// directory's BULWARK_DATA and config key never leak into it.
func TestSafeHashDataFlag(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bulwark.toml")
	if err := os.WriteFile(cfg, []byte("data-dir = \"/somewhere/else\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"safe", "hash", "--chain-id", "1", "--safe", "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", "--safe-version", "1.3.0",
		"--to", "0x96221423681A6d52E184D440a8eFCEbB105C7242", "--nonce", "1", "--json"}
	for name, env := range map[string]map[string]string{
		"BULWARK_DATA":   {"BULWARK_DATA": filepath.Join(dir, "data")},
		"BULWARK_CONFIG": {"BULWARK_CONFIG": cfg},
	} {
		code, stdout, stderr := run(t, env, args...)
		if code != 0 || !strings.Contains(stdout, `"data": "0x"`) {
			t.Errorf("%s: exit %d, stderr %q, stdout %s", name, code, stderr, stdout)
		}
		code, stdout, _ = run(t, env, append(args, "--data", "0x00")...)
		if code != 0 || !strings.Contains(stdout, `"data": "0x00"`) {
			t.Errorf("%s with --data 0x00: exit %d, %s", name, code, stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); err == nil {
		t.Error("safe hash created a data directory")
	}
	code, stdout, _ := run(t, nil, "safe", "hash", "--help")
	if code != 0 || !strings.Contains(stdout, "--data HEX") || !strings.Contains(stdout, "--parent-safe ADDR") {
		t.Errorf("help: %s", stdout)
	}
}

func TestSafeErrors(t *testing.T) {
	t.Parallel()
	hash := func(drop string, extra ...string) []string {
		var out []string
		for i := 0; i < len(bybitArgs); i++ {
			if bybitArgs[i] == drop {
				i++
				continue
			}
			out = append(out, bybitArgs[i])
		}
		for i := 0; i+1 < len(extra); i += 2 { // replace or add flag values
			replaced := false
			for j := range out {
				if out[j] == extra[i] {
					out[j+1], replaced = extra[i+1], true
				}
			}
			if !replaced {
				out = append(out, extra[i], extra[i+1])
			}
		}
		if len(extra)%2 == 1 {
			out = append(out, extra[len(extra)-1])
		}
		return out
	}
	msg := []string{"safe", "message-hash", "--chain-id", "1", "--safe", "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", "--safe-version", "1.3.0"}
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"missing nonce", hash("--nonce"), "--nonce: required"},
		{"missing chain id", hash("--chain-id"), "--chain-id: required"},
		{"missing safe", hash("--safe"), "--safe: required"},
		{"missing version", hash("--safe-version"), "--safe-version: required"},
		{"missing to", hash("--to"), "--to: required"},
		{"unknown version", hash("", "--safe-version", "1.6.0"), "--safe-version: unknown Safe version \"1.6.0\": Bulwark hashes the released versions 0.1.0, 1.0.0, 1.1.0, 1.1.1, 1.2.0, 1.3.0, 1.4.0, 1.4.1, 1.5.0"},
		{"bad checksum", hash("", "--to", "0x96221423681A6d52E184D440a8eFCEbB105C7243"), "--to: mixed-case address fails its EIP-55 checksum; check for a typo or pass it all lower-case"},
		{"bad safe checksum", hash("", "--safe", "0x1db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"), "--safe: mixed-case address fails its EIP-55 checksum"},
		{"short address", hash("", "--gas-token", "0x1234"), "--gas-token: \"0x1234\" is not an address: it has 4 hex digits"},
		{"odd data", hash("", "--data", "0xa9059cbb0"), "--data: odd number of hex digits (9)"},
		{"data without 0x", hash("", "--data", "a9059cbb"), "--data: \"a9059cbb\" is not 0x-prefixed hex"},
		{"non-hex data", hash("", "--data", "0xa9059cbg"), "--data: \"g\" at position 9 is not a hex digit"},
		{"odd signatures", hash("", "--signatures", "0x1"), "--signatures: odd number of hex digits"},
		{"CREATE on 1.1.1", hash("", "--operation", "2"), "--operation: operation 2 (CREATE) exists only before Safe 1.0.0; Safe 1.1.1 executes 0 (CALL) or 1 (DELEGATECALL)"},
		{"bad operation", hash("", "--operation", "call"), "--operation: \"call\" is not an operation"},
		{"negative value", hash("", "--value", "-1"), "--value: \"-1\" is negative"},
		{"huge gas", hash("", "--safe-tx-gas", "0x1"+strings.Repeat("0", 64)), "--safe-tx-gas: \"0x1000000000000000000000000000000000000000000000\"… is larger than 2^256-1"},
		{"float price", hash("", "--gas-price", "1.5"), "--gas-price: \"1.5\" is not a whole number"},
		{"chain id 0", hash("", "--chain-id", "0"), "--chain-id: chain id 0 is not a chain"},
		{"bad nonce", hash("", "--nonce", "seventy"), "--nonce: \"seventy\" is not a whole number"},
		{"parent without version", hash("", "--parent-safe", "0x6bc56d6CE87C86CB0756c616bECFD3Cd32b09251", "--parent-nonce", "1"), "--parent-version: required"},
		{"parent nonce alone", hash("", "--parent-nonce", "1"), "--parent-safe: required"},
		{"parent bad version", hash("", "--parent-safe", "0x6bc56d6CE87C86CB0756c616bECFD3Cd32b09251", "--parent-version", "9", "--parent-nonce", "1"), "--parent-version: \"9\" is not a version"},
		{"parent is self", hash("", "--parent-safe", "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", "--parent-version", "1.3.0", "--parent-nonce", "1"), "--parent-safe: is the Safe itself"},
		{"positional", hash("", "extra"), "safe hash: takes no arguments"},
		{"both messages", append(msg, "--message-file", "a", "--typed-data", "b"), "--message-file: give exactly one of"},
		{"no message", msg, "--message-file: give exactly one of"},
		{"missing message file", append(msg, "--message-file", filepath.Join("testdata", "safe", "nope.txt")), "--message-file: file testdata/safe/nope.txt does not exist"},
		{"bad typed data", append(msg, "--typed-data", filepath.Join("testdata", "safe", "message.txt")), "--typed-data: not valid JSON"},
		{"typed data as message dir", append(msg, "--typed-data", "testdata"), "--typed-data: cannot read testdata"},
		{"message bad version", []string{"safe", "message-hash", "--chain-id", "1", "--safe", "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", "--safe-version", "0.0.2", "--message-file", "x"}, "--safe-version: unknown Safe version"},
		{"safe group", []string{"safe"}, "missing subcommand"},
		{"verify --rpc bad URL", []string{"safe", "verify", "--tx", verifyFile("eth-transfer"), "--rpc", "ftp://127.0.0.1:8545"}, "bulwark: --rpc: "},
		{"audit bad rpc url", []string{"safe", "audit", "--safe", "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", "--rpc", "x"}, "not a valid node URL"},
		{"watch bad safe", []string{"safe", "watch", "--safe", "0x1", "--rpc", "x", "--from-block", "1", "--to-block", "2"}, `--safe: "0x1" is not an address`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, nil, tc.args...)
			if code != 1 {
				t.Errorf("exit %d, want 1 (stdout %q)", code, stdout)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tc.stderr)
			}
			if strings.Count(stderr, "\n") != 1 || strings.Contains(stderr, "panic") {
				t.Errorf("stderr is not one line: %q", stderr)
			}
			if tc.name != "safe group" && stdout != "" {
				t.Errorf("stdout %q on error", stdout)
			}
		})
	}
}
