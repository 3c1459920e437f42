package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe/posture"
)

// runAudit runs 'bulwark safe audit' in-process through the command
// tree's dispatcher, with safeAuditCmd mounted under 'safe' whatever the
// main tree holds.
func runAudit(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, LookupEnv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}, osUser: testOSUser(env)}
	m.configTables = map[string]bool{}
	root := &command{name: "bulwark", subs: []*command{{name: "safe", subs: []*command{m.safeAuditCmd()}}}}
	code, err := m.dispatch(context.Background(), root, append([]string{"safe", "audit"}, args...))
	if err != nil {
		m.printError(err)
		code = bulwark.ErrorExitCode(err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return code, out.String(), errb.String()
}

type auditJSON struct {
	Safe, Version, Singleton, Verdict, Block, PolicyVersion string
	SingletonKnown                                          bool
	Findings                                                []struct{ Code, Severity, Message string }
	Approvals                                               struct{ Checked bool }
	AuditSeq                                                int64
}

func (a auditJSON) codes() map[string]string {
	out := map[string]string{}
	for _, f := range a.Findings {
		out[f.Code] = f.Severity
	}
	return out
}

// TestSafeAuditOnAnvil runs the command against Safes on a fresh Anvil
// node: the human report of a Safe with a module against a golden file,
// the hijacked Bybit Safe (exit 3), several Safes at once, and the audit
// log entries.
func TestSafeAuditOnAnvil(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	owners := safetest.NewOwners(6)
	d111 := safetest.Deploy(t, chain, "1.1.1")
	d141 := safetest.Deploy(t, chain, "1.4.1")
	// Fixed salts: the same addresses on every run, for the golden file.
	withModule := d141.CreateSafe(t, safetest.SafeOptions{Owners: owners, Threshold: 3, SaltNonce: 1_000_001})
	withModule.MustExec(t, withModule.EnableModuleTx(t, common.HexToAddress("0x000000000000000000000000000000000000d0d0")), safetest.EIP712, owners[:3]...)
	bybit := d111.CreateSafe(t, safetest.SafeOptions{Owners: owners, Threshold: 3, SaltNonce: 1_000_002})
	trojan, backdoor := chain.DeployTrojan(t), chain.DeployTrojan(t)
	tx := safetest.BybitTx(trojan, backdoor, bybit.Nonce(t))
	bybit.Exec(t, tx, bybit.Sign(t, tx, safetest.EthSign, owners[4], owners[0], owners[2])).RequireSuccess(t)
	healthy := d141.CreateSafe(t, safetest.SafeOptions{Owners: owners, Threshold: 4, SaltNonce: 1_000_003})
	head := chain.BlockNumber(t)

	t.Run("golden", func(t *testing.T) {
		env := map[string]string{"BULWARK_DATA": t.TempDir(), "TEST_OS_USER": "alice"}
		code, stdout, stderr := runAudit(t, env, "--safe", withModule.Address.Hex(), "--rpc", chain.URL(), "--block", strconv.FormatUint(head, 10))
		if code != 2 || stderr != "" {
			t.Fatalf("exit %d, stderr %q\n%s", code, stderr, stdout)
		}
		for _, s := range []string{"MODULES_ENABLED", "0x000000000000000000000000000000000000d0D0", "NO_GUARD", "Verdict: REVIEW (exit 2)"} {
			if !strings.Contains(stdout, s) {
				t.Errorf("output lacks %s", s)
			}
		}
		golden := filepath.Join("testdata", "safe", "audit-module.golden")
		if *updateGolden {
			if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run 'go test ./cli -run TestSafeAuditOnAnvil -update' to create it)", err)
		}
		if stdout != string(want) {
			t.Errorf("output differs from %s (rerun with -update after checking the change):\n%s", golden, stdout)
		}
	})

	t.Run("bybit", func(t *testing.T) {
		env := map[string]string{"BULWARK_DATA": t.TempDir(), "TEST_OS_USER": "alice"}
		code, stdout, stderr := runAudit(t, env, "--safe", bybit.Address.Hex(), "--rpc", chain.URL(), "--json")
		if code != 3 || stderr != "" {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		var out auditJSON
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatalf("%v\n%s", err, stdout)
		}
		var raw any
		_ = json.Unmarshal([]byte(stdout), &raw)
		checkJSONHex(t, "", raw)
		if out.Verdict != "reject" || out.Safe != bybit.Address.Hex() || out.Singleton != backdoor.Hex() || out.SingletonKnown ||
			out.Version != "" || out.codes()["UNKNOWN_SINGLETON"] != "critical" || out.AuditSeq != 1 || out.PolicyVersion != "safe-posture/1" {
			t.Errorf("report %+v", out)
		}
		// The verdict is in the audit log.
		code, stdout, _ = run(t, env, "audit", "list", "--json")
		var entries []struct {
			Actor, Action, Target string
			Details               map[string]any
		}
		if err := json.Unmarshal([]byte(stdout), &entries); code != 0 || err != nil || len(entries) != 1 {
			t.Fatalf("audit list: exit %d, %v: %s", code, err, stdout)
		}
		e := entries[0]
		if e.Actor != "cli:alice@test-host" || e.Action != "safe.audit" || e.Target != "safe:"+bybit.Address.Hex() ||
			e.Details["verdict"] != "reject" || e.Details["singleton"] != backdoor.Hex() || e.Details["policyVersion"] != "safe-posture/1" ||
			e.Details["block"] == "" || e.Details["safe"] != bybit.Address.Hex() {
			t.Errorf("audit entry %+v", e)
		}
		if fs, _ := e.Details["findings"].([]any); len(fs) == 0 || !strings.Contains(stdout, "UNKNOWN_SINGLETON") {
			t.Errorf("audit findings %v", e.Details["findings"])
		}
	})

	t.Run("several", func(t *testing.T) {
		env := map[string]string{"BULWARK_DATA": t.TempDir(), "TEST_OS_USER": "alice"}
		list := healthy.Address.Hex() + "," + withModule.Address.Hex()
		code, stdout, stderr := runAudit(t, env, "--safe", list, "--rpc", chain.URL(), "--json")
		if code != 2 || stderr != "" {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		var out []auditJSON
		if err := json.Unmarshal([]byte(stdout), &out); err != nil || len(out) != 2 {
			t.Fatalf("%v\n%s", err, stdout)
		}
		if out[0].Verdict != "ok" || out[1].Verdict != "review" || out[0].Block != out[1].Block || out[0].AuditSeq != 1 || out[1].AuditSeq != 2 {
			t.Errorf("reports %+v", out)
		}
		code, _, _ = runAudit(t, env, "--safe", healthy.Address.Hex(), "--rpc", chain.URL())
		if code != 0 {
			t.Errorf("healthy Safe: exit %d", code)
		}
	})

	t.Run("not a Safe", func(t *testing.T) {
		env := map[string]string{"BULWARK_DATA": t.TempDir()}
		code, _, stderr := runAudit(t, env, "--safe", owners[0].Address.Hex(), "--rpc", chain.URL())
		if code != 1 || !strings.HasPrefix(stderr, "bulwark: --safe: "+owners[0].Address.Hex()+" has no code") || !strings.Contains(stderr, "not a Safe") ||
			strings.Count(stderr, "\n") != 1 {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
		// Among several, the count and each address not a Safe.
		code, _, stderr = runAudit(t, env, "--safe", healthy.Address.Hex()+","+owners[0].Address.Hex()+","+owners[1].Address.Hex(), "--rpc", chain.URL())
		if code != 1 || !strings.HasPrefix(stderr, "bulwark: --safe: 2 Safe(s) could not be read; "+owners[0].Address.Hex()) ||
			!strings.Contains(stderr, owners[1].Address.Hex()) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("several: exit %d, stderr %q", code, stderr)
		}
	})

	t.Run("block beyond the head", func(t *testing.T) {
		env := map[string]string{"BULWARK_DATA": t.TempDir()}
		code, stdout, stderr := runAudit(t, env, "--safe", healthy.Address.Hex(), "--rpc", chain.URL(), "--block", "999999")
		want := fmt.Sprintf("bulwark: --block: block 999999 is beyond the node's head %d\n", chain.BlockNumber(t))
		if code != 1 || stdout != "" || stderr != want {
			t.Errorf("exit %d, stderr %q, want %q", code, stderr, want)
		}
		// The head itself is fine.
		code, _, stderr = runAudit(t, env, "--safe", healthy.Address.Hex(), "--rpc", chain.URL(), "--block", fmt.Sprint(chain.BlockNumber(t)))
		if code != 0 {
			t.Errorf("at the head: exit %d, stderr %q", code, stderr)
		}
	})
}

// TestSafeAuditErrors: bad input and a node that is down are one line
// naming the flag, exit 1.
func TestSafeAuditErrors(t *testing.T) {
	t.Parallel()
	const good = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no safe", []string{"--rpc", "http://127.0.0.1:1"}, "--safe"},
		{"no rpc", []string{"--safe", good}, "--rpc"},
		{"bad checksum", []string{"--safe", "0x1db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", "--rpc", "http://127.0.0.1:1"}, "--safe"},
		{"bad list", []string{"--safe", good + ",nope", "--rpc", "http://127.0.0.1:1"}, "--safe"},
		{"bad block", []string{"--safe", good, "--rpc", "http://127.0.0.1:1", "--block", "-3"}, "--block"},
		{"bad approvals-from", []string{"--safe", good, "--rpc", "http://127.0.0.1:1", "--approvals-from", "x"}, "--approvals-from"},
		{"bad url", []string{"--safe", good, "--rpc", "ftp://node"}, "rpc"},
		{"node down", []string{"--safe", good, "--rpc", "http://127.0.0.1:1"}, "--rpc"},
		{"node down, key in URL", []string{"--safe", good, "--rpc", secretNodeURL}, "bulwark: --rpc: node at http://127.0.0.1:1/… is unreachable: connection refused"},
		{"node down, with --block", []string{"--safe", good, "--rpc", secretNodeURL, "--block", "5"}, "bulwark: --rpc: node at http://127.0.0.1:1/… is unreachable"},
		{"argument", []string{"--safe", good, "--rpc", "http://127.0.0.1:1", "extra"}, "no arguments"},
		{"same Safe twice", []string{"--safe", good + "," + good, "--rpc", "http://127.0.0.1:1"}, "bulwark: --safe: " + good + " is listed twice; give each Safe once"},
		{"same Safe twice, other case", []string{"--safe", good + ", " + strings.ToLower(good), "--rpc", "http://127.0.0.1:1"}, "--safe: " + good + " is listed twice"},
		{"contradictory approvals flags", []string{"--safe", good, "--rpc", "http://127.0.0.1:1", "--no-approvals", "--approvals-from", "5"}, "bulwark: --no-approvals: contradicts --approvals-from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runAudit(t, map[string]string{"BULWARK_DATA": t.TempDir()}, tc.args...)
			if code != 1 || stdout != "" || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stdout %q, stderr %q (want %q)", code, stdout, stderr, tc.want)
			}
			noNodeSecrets(t, stderr)
		})
	}
}

// TestSafeAuditHelpNamesEveryCode: the --help of 'safe audit' lists every
// finding code the posture audit emits.
func TestSafeAuditHelpNamesEveryCode(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := run(t, nil, "safe", "audit", "--help")
	if code != 0 || !strings.Contains(stdout, "Usage: bulwark safe audit") {
		t.Fatalf("help: exit %d: %s %s", code, stdout, stderr)
	}
	for _, c := range posture.Codes {
		t.Run(c, func(t *testing.T) {
			t.Parallel()
			if !regexp.MustCompile(`\b` + c + `\b`).MatchString(stdout) {
				t.Errorf("safe audit --help does not name %s:\n%s", c, stdout)
			}
		})
	}
}
