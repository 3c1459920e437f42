package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// run runs bulwark in-process with the given environment and returns its
// exit code and output.
func run(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	if _, ok := env["HOME"]; !ok {
		// A command without --data-dir or BULWARK_DATA uses the default data
		// directory under $HOME: a test must never open the real one.
		withHome := map[string]string{"HOME": t.TempDir()}
		for k, v := range env {
			withHome[k] = v
		}
		env = withHome
	}
	var out, errb bytes.Buffer
	m := &Main{
		Stdin:  strings.NewReader(""),
		Stdout: &out,
		Stderr: &errb,
		LookupEnv: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		},
		defaultLists: embeddedLists,
		osUser:       testOSUser(env),
	}
	code = m.Run(context.Background(), args)
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return code, out.String(), errb.String()
}

// testOSUser stands for the operating-system user and host of a
// command-line approval: TEST_OS_USER of the test's environment map at
// "test-host", or the process's real ones (nil) when the map has none.
func testOSUser(env map[string]string) func() (string, string, error) {
	u, ok := env["TEST_OS_USER"]
	if !ok {
		return nil
	}
	return func() (string, string, error) { return u, "test-host", nil }
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "link")
	if err := os.Symlink(filepath.Join(dir, "gone"), dangling); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"BULWARK_DATA": filepath.Join(dir, "data")}
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // substring expected on stdout
		stderr     string // substring expected on stderr
		oneLineErr bool   // stderr must be exactly one line
	}{
		{name: "no args shows help and fails", args: nil, code: 1, stdout: "Commands:", stderr: "missing command", oneLineErr: true},
		{name: "help", args: []string{"--help"}, code: 0, stdout: "serve"},
		{name: "help word", args: []string{"help"}, code: 0, stdout: "token"},
		{name: "help word before a command", args: []string{"help", "safe", "verify"}, code: 0, stdout: "Usage: bulwark safe verify"},
		{name: "help word before a group", args: []string{"help", "token"}, code: 0, stdout: "Usage: bulwark [global flags] token COMMAND"},
		{name: "help word before an unknown command", args: []string{"help", "frobnicate"}, code: 1, stderr: `unknown command "frobnicate"`, oneLineErr: true},
		{name: "group help", args: []string{"token", "--help"}, code: 0, stdout: "revoke"},
		{name: "help flag before the command", args: []string{"--help", "serve"}, code: 0, stdout: "Usage: bulwark serve [--addr"},
		{name: "-h before the command", args: []string{"-h", "serve"}, code: 0, stdout: "Usage: bulwark serve [--addr"},
		{name: "help flag before a subcommand", args: []string{"--help", "safe", "verify"}, code: 0, stdout: "Usage: bulwark safe verify"},
		{name: "help flag between group and subcommand", args: []string{"token", "--help", "create"}, code: 0, stdout: "--role ROLE"},
		{name: "help flag after a global flag", args: []string{"--json", "--help", "serve"}, code: 0, stdout: "Usage: bulwark serve [--addr"},
		{name: "help flag before an unknown command", args: []string{"--help", "frobnicate"}, code: 1, stderr: `unknown command "frobnicate"`, oneLineErr: true},
		{name: "leaf help", args: []string{"token", "create", "--help"}, code: 0, stdout: "--role ROLE"},
		{name: "serve help names env", args: []string{"serve", "--help"}, code: 0, stdout: "BULWARK_ADDR"},
		{name: "every leaf has global flags", args: []string{"audit", "verify", "-h"}, code: 0, stdout: "--log-format"},
		{name: "watch help names placeholders", args: []string{"safe", "watch", "--help"}, code: 0, stdout: "--unreachable-after DURATION"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 1, stderr: `unknown command "frobnicate"`, oneLineErr: true},
		{name: "unknown subcommand", args: []string{"token", "mint"}, code: 1, stderr: `unknown command "mint"`, oneLineErr: true},
		{name: "missing subcommand", args: []string{"token"}, code: 1, stderr: "missing subcommand", oneLineErr: true},
		{name: "unknown flag", args: []string{"token", "list", "--bogus"}, code: 1, stderr: "bulwark: --bogus: no such flag for bulwark token list (see 'bulwark token list --help')\n", oneLineErr: true},
		{name: "unknown flag, one dash", args: []string{"safe", "hash", "-bogus"}, code: 1, stderr: "bulwark: --bogus: no such flag for bulwark safe hash", oneLineErr: true},
		{name: "negative number as an argument", args: []string{"trace", "case", "show", "-1"}, code: 1, stderr: "bulwark: -1: is read as a flag, and bulwark trace case show takes no negative number: give a positive one (see 'bulwark trace case show --help')\n", oneLineErr: true},
		{name: "flag without its value", args: []string{"safe", "hash", "--to"}, code: 1, stderr: "bulwark: --to: needs a value", oneLineErr: true},
		{name: "bad flag value", args: []string{"token", "create", "--name", "a", "--role", "viewer", "--ttl", "soon"}, code: 1, stderr: `bulwark: --ttl: invalid value "soon": want a duration such as 30s, 5m or 1h`, oneLineErr: true},
		{name: "bad boolean flag value", args: []string{"version", "--json=maybe"}, code: 1, stderr: `bulwark: --json: invalid value "maybe": want true or false`, oneLineErr: true},
		// A flag given twice is refused, for every command, whichever way
		// it is written: never last-wins.
		{name: "repeated --to", args: []string{"safe", "hash", "--chain-id", "1", "--safe", "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", "--safe-version", "1.3.0",
			"--to", "0x96221423681A6d52E184D440a8eFCEbB105C7242", "--nonce", "1", "--to", "0xbDd077f651EBe7f7b3cE16fe5F2b025BE2969516"}, code: 1, stderr: "bulwark: --to given twice; give it once", oneLineErr: true},
		{name: "repeated flag, = form", args: []string{"safe", "hash", "--nonce=1", "--nonce", "1"}, code: 1, stderr: "bulwark: --nonce given twice; give it once", oneLineErr: true},
		{name: "repeated flag, one dash", args: []string{"safe", "hash", "-value", "1", "--value=2"}, code: 1, stderr: "--value given twice", oneLineErr: true},
		{name: "repeated --data as calldata", args: []string{"safe", "hash", "--data", "0x", "--data", "0x00"}, code: 1, stderr: "--data given twice", oneLineErr: true},
		{name: "repeated global flag", args: []string{"version", "--json", "--json"}, code: 1, stderr: "bulwark: --json given twice; give it once", oneLineErr: true},
		{name: "repeated boolean flag", args: []string{"safe", "verify", "--tx", "-", "--allow-multisend", "--allow-multisend=false"}, code: 1, stderr: "--allow-multisend given twice", oneLineErr: true},
		{name: "repeated flag around an argument", args: []string{"token", "revoke", "--data-dir", dir, "0123456789abcdef", "--data-dir", dir}, code: 1, stderr: "--data-dir given twice", oneLineErr: true},
		{name: "repeated --rpc", args: []string{"safe", "audit", "--safe", "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", "--rpc", "http://a.example/KEY1", "--rpc", "http://b.example/KEY2"}, code: 1, stderr: "bulwark: --rpc given twice; give it once", oneLineErr: true},
		{name: "repeated serve flag", args: []string{"serve", "--data-dir", file, "--addr", "127.0.0.1:0", "--addr", "127.0.0.1:1"}, code: 1, stderr: "--addr given twice", oneLineErr: true},
		{name: "repeated flag after --", args: []string{"token", "revoke", "--", "--data", "--data"}, code: 1, stderr: "give exactly one token id", oneLineErr: true},
		{name: "unknown command, bulwark: once", args: []string{"frobnicate"}, code: 1, stderr: "bulwark: unknown command \"frobnicate\" (see 'bulwark --help')\n", oneLineErr: true},
		{name: "unknown subcommand, bulwark: once", args: []string{"token", "mint"}, code: 1, stderr: "bulwark: token: unknown command \"mint\" (see 'bulwark token --help')\n", oneLineErr: true},
		{name: "missing command, bulwark: once", args: nil, code: 1, stderr: "bulwark: missing command (see 'bulwark --help')\n", oneLineErr: true},
		{name: "global flag before command", args: []string{"--json", "version"}, code: 0, stdout: `"go": "go1`},
		{name: "root help names global flags", args: []string{"--help"}, code: 0, stdout: "Global flags (before or after the command):\n  --config FILE"},
		{name: "bad log format", args: []string{"version", "--log-format", "xml"}, code: 1, stderr: "--log-format: unknown format", oneLineErr: true},
		{name: "bad log level", args: []string{"version", "--log-level", "loud"}, code: 1, stderr: "--log-level", oneLineErr: true},
		{name: "version", args: []string{"version"}, code: 0, stdout: "bulwark "},
		{name: "version json", args: []string{"version", "--json"}, code: 0, stdout: `"go": "go1`},
		{name: "version takes no args", args: []string{"version", "x"}, code: 1, stderr: "takes no arguments", oneLineErr: true},
		{name: "trace without a seed", args: []string{"trace"}, code: 1, stderr: "--seed: required", oneLineErr: true},
		{name: "safe audit needs --rpc", args: []string{"safe", "audit", "--safe", "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"}, code: 1, stderr: "--rpc", oneLineErr: true},
		{name: "token create needs name", args: []string{"token", "create", "--role", "viewer"}, code: 1, stderr: "--name: required", oneLineErr: true},
		{name: "token create needs role", args: []string{"token", "create", "--name", "x"}, code: 1, stderr: "--role: required", oneLineErr: true},
		{name: "token create bad role", args: []string{"token", "create", "--name", "x", "--role", "god"}, code: 1, stderr: `--role: unknown role "god"`, oneLineErr: true},
		{name: "token create bad name", args: []string{"token", "create", "--name", "-x y", "--role", "viewer"}, code: 1, stderr: "name", oneLineErr: true},
		{name: "token revoke bad id", args: []string{"token", "revoke", "zzz"}, code: 1, stderr: "id: token id", oneLineErr: true},
		{name: "token revoke unknown id", args: []string{"token", "revoke", "0123456789abcdef"}, code: 1, stderr: "no token with id", oneLineErr: true},
		{name: "audit verify bad anchor", args: []string{"audit", "verify", "--expect", "nope"}, code: 1, stderr: "--expect: want SEQ:HASH", oneLineErr: true},
		{name: "audit list bad limit", args: []string{"audit", "list", "--limit", "0"}, code: 1, stderr: "--limit", oneLineErr: true},
		{name: "audit list bad before", args: []string{"audit", "list", "--before", "-3"}, code: 1, stderr: "--before", oneLineErr: true},
		{name: "audit list before and after", args: []string{"audit", "list", "--before", "3", "--after", "1"}, code: 1, stderr: "not both", oneLineErr: true},
		{name: "data dir under a file", args: []string{"token", "list", "--data-dir", filepath.Join(file, "sub", "d")}, code: 1, stderr: "--data-dir: " + file + " is a file, not a directory, so " + filepath.Join(file, "sub", "d") + " cannot be created under it; give --data-dir a directory\n", oneLineErr: true},
		{name: "data dir is a file", args: []string{"token", "list", "--data-dir", file}, code: 1, stderr: "--data-dir: " + file + " is a file, not a directory; give --data-dir a directory\n", oneLineErr: true},
		{name: "data dir is a dangling link", args: []string{"token", "list", "--data-dir", dangling}, code: 1, stderr: "--data-dir: " + dangling + " is a symbolic link to " + filepath.Join(dir, "gone") + ", which does not exist", oneLineErr: true},
		{name: "explicit config missing", args: []string{"token", "list", "--config", filepath.Join(dir, "nope.toml")}, code: 1, stderr: "config: file", oneLineErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, env, tt.args...)
			if code != tt.code {
				t.Errorf("exit code = %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout does not contain %q:\n%s", tt.stdout, stdout)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.stderr, stderr)
			}
			if tt.oneLineErr && strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr is not exactly one line:\n%s", stderr)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stderr shows a panic:\n%s", stderr)
			}
			if n := strings.Count(stderr, "bulwark:"); n > 1 || (stderr != "" && !strings.HasPrefix(stderr, "bulwark: ")) {
				t.Errorf("stderr does not say \"bulwark:\" exactly once, first:\n%s", stderr)
			}
		})
	}
}

// TestGlobalFlagsAnywhere: the global flags work before, between or after
// the command names, in every spelling, as in git, docker and kubectl; a
// command's own flags go after its name.
func TestGlobalFlagsAnywhere(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	cfg := filepath.Join(base, "bulwark.toml")
	cfgDir := filepath.Join(base, "from-config")
	if err := os.WriteFile(cfg, []byte("data-dir = \""+cfgDir+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string // "D" stands for the case's data directory
		store  string   // where the store must be: "D", "config" or "" (none)
		code   int
		stdout string // prefix of stdout
		stderr string // substring of stderr
		noEnv  bool   // no BULWARK_DATA (which would beat the config file)
		env    map[string]string
	}{
		{name: "before", args: []string{"--data-dir", "D", "token", "list"}, store: "D"},
		{name: "after", args: []string{"token", "list", "--data-dir", "D"}, store: "D"},
		{name: "between group and subcommand", args: []string{"token", "--data-dir", "D", "list"}, store: "D"},
		{name: "= form before", args: []string{"--data-dir=D", "token", "list"}, store: "D"},
		{name: "one dash before", args: []string{"-data-dir", "D", "token", "list"}, store: "D"},
		{name: "several before", args: []string{"--log-level", "warn", "--json", "--data-dir", "D", "token", "list"}, store: "D", stdout: "[]"},
		{name: "split around the command", args: []string{"--json", "token", "--log-format=json", "list", "--data-dir", "D"}, store: "D", stdout: "[]"},
		{name: "before a group that runs alone", args: []string{"--data-dir", "D", "--json", "lists"}, store: "D", stdout: "{"},
		{name: "config before", args: []string{"--config", cfg, "token", "list"}, store: "config", noEnv: true},
		{name: "bool before", args: []string{"--json=true", "version"}, stdout: "{"},
		{name: "help after a global flag", args: []string{"--json", "--help"}, stdout: "Bulwark defends"},
		{name: "leaf help after a global flag", args: []string{"--data-dir", "D", "safe", "hash", "--help"}, stdout: "Usage: bulwark safe hash"},
		{name: "given before and after", args: []string{"--data-dir", "D", "token", "list", "--data-dir", "D"}, code: 1, stderr: "bulwark: --data-dir given twice; give it once"},
		{name: "bool given before and after", args: []string{"--json", "version", "--json"}, code: 1, stderr: "bulwark: --json given twice"},
		{name: "own flag before the command", args: []string{"--addr", "127.0.0.1:0", "serve"}, code: 1, stderr: "bulwark: --addr: goes after the command name ('bulwark serve --addr …')"},
		{name: "own flag before the subcommand", args: []string{"safe", "--to", "0x1", "hash"}, code: 1, stderr: "bulwark: --to: goes after the command name ('bulwark safe hash --to …')"},
		{name: "a flag of several commands before them", args: []string{"--rpc", "http://127.0.0.1:1", "safe", "audit"}, code: 1, stderr: "bulwark: --rpc: goes after the command name ('bulwark COMMAND --rpc …', COMMAND one of: serve, safe verify, safe cosign, safe approve, safe audit, safe watch, safe queue, trace, trace case run, trace watch)"},
		{name: "a flag no command has", args: []string{"--bogus", "serve"}, code: 1, stderr: "bulwark: --bogus: no such flag for bulwark or any of its commands (see 'bulwark --help')\n"},
		{name: "--version", args: []string{"--version"}, code: 0, stdout: "bulwark "},
		{name: "--data before the command", args: []string{"--data", "D", "serve"}, code: 1, stderr: "bulwark: --data: is a transaction's calldata"},
		{name: "value missing before the command", args: []string{"--data-dir"}, code: 1, stderr: "bulwark: --data-dir: needs a value"},
		{name: "no command after global flags", args: []string{"--data-dir", "D"}, code: 1, stderr: "bulwark: missing command"},
		{name: "bad value before", args: []string{"--log-level", "loud", "version"}, code: 1, stderr: "bulwark: --log-level: unknown level \"loud\""},
		{name: "BULWARK_DATA_DIR is refused, not ignored", args: []string{"token", "list"}, env: map[string]string{"BULWARK_DATA_DIR": "D"}, code: 1,
			stderr: "bulwark: BULWARK_DATA_DIR: not read: the data directory's variable is BULWARK_DATA"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(base, fmt.Sprint("case", i))
			envDir := filepath.Join(base, fmt.Sprint("env", i))
			args := make([]string, len(tt.args))
			for j, a := range tt.args {
				args[j] = strings.ReplaceAll(a, "D", dir)
			}
			env := map[string]string{"BULWARK_DATA": envDir}
			if tt.noEnv {
				env = nil
			}
			for k, v := range tt.env {
				env[k] = strings.ReplaceAll(v, "D", dir)
			}
			code, stdout, stderr := run(t, env, args...)
			if code != tt.code || !strings.HasPrefix(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("%q: exit %d (want %d)\nstdout: %s\nstderr: %s", args, code, tt.code, stdout, stderr)
			}
			if tt.code != 0 && strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", stderr)
			}
			want := map[string]string{"D": dir, "config": cfgDir}[tt.store]
			for _, d := range []string{dir, envDir} {
				_, err := os.Stat(filepath.Join(d, "bulwark.db"))
				if (err == nil) != (d == want) {
					t.Errorf("store in %s: %v; want it only in %q", d, err == nil, want)
				}
			}
			if want == cfgDir {
				if _, err := os.Stat(filepath.Join(cfgDir, "bulwark.db")); err != nil {
					t.Errorf("no store in the config file's data-dir: %v", err)
				}
			}
		})
	}
}

func TestTokenLifecycleIsAudited(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": t.TempDir(), "TEST_OS_USER": "alice"}

	code, stdout, stderr := run(t, env, "token", "create", "--name", "ci-bot", "--role", "analyst", "--json")
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, stderr)
	}
	var out struct {
		Secret string
		Token  struct{ ID, Name, Role string }
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("create output: %v\n%s", err, stdout)
	}
	created := struct{ Token, ID string }{out.Secret, out.Token.ID}
	if !strings.HasPrefix(out.Secret, "bwk_"+out.Token.ID+"_") || out.Token.Role != "analyst" || out.Token.Name != "ci-bot" {
		t.Fatalf("unexpected token: %+v", out)
	}

	// Human form prints the token alone on stdout.
	code, stdout, stderr = run(t, env, "token", "create", "--name", "second", "--role", "viewer", "--person", "Dana Scully")
	if code != 0 || !strings.HasPrefix(stdout, "bwk_") || strings.Count(stdout, "\n") != 1 || !strings.Contains(stderr, "shown once") {
		t.Fatalf("human create: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}

	// Duplicate name is refused.
	code, _, stderr = run(t, env, "token", "create", "--name", "ci-bot", "--role", "viewer")
	if code != 1 || !strings.Contains(stderr, "already exists") {
		t.Fatalf("duplicate: exit %d: %s", code, stderr)
	}

	code, stdout, _ = run(t, env, "token", "revoke", created.ID)
	if code != 0 || !strings.Contains(stdout, "Revoked") {
		t.Fatalf("revoke: exit %d: %s", code, stdout)
	}
	// Revoking again changes nothing, says so and audits nothing (the
	// audit list below holds one revocation).
	code, stdout, _ = run(t, env, "token", "revoke", created.ID)
	if code != 0 || !strings.Contains(stdout, "was already revoked at") || !strings.Contains(stdout, "nothing changed") {
		t.Fatalf("second revoke: exit %d: %s", code, stdout)
	}
	if code, _, stderr := run(t, env, "token", "create", "--name", "third", "--role", "viewer", "--person", strings.Repeat("x", 101)); code != 1 || !strings.Contains(stderr, "--person") {
		t.Fatalf("a person too long: exit %d: %s", code, stderr)
	}
	code, stdout, _ = run(t, env, "token", "list")
	if code != 0 || !strings.Contains(stdout, "revoked") || !strings.Contains(stdout, "second") || !strings.Contains(stdout, "PERSON") || !strings.Contains(stdout, "Dana Scully") {
		t.Fatalf("list: exit %d:\n%s", code, stdout)
	}
	if strings.Contains(stdout, created.Token) {
		t.Fatal("token list shows a secret")
	}

	code, stdout, _ = run(t, env, "audit", "list", "--json")
	if code != 0 {
		t.Fatalf("audit list: exit %d", code)
	}
	var entries []struct {
		Seq    int64
		Actor  string
		Action string
		Target string
	}
	if err := json.Unmarshal([]byte(stdout), &entries); err != nil {
		t.Fatal(err)
	}
	want := []string{"token.revoke", "token.create", "token.create"} // newest first
	if len(entries) != len(want) {
		t.Fatalf("audit entries = %+v, want actions %v", entries, want)
	}
	for i, e := range entries {
		if e.Action != want[i] || e.Actor != "cli:alice@test-host" || e.Seq != int64(len(want)-i) {
			t.Errorf("entry %d = %+v, want action %s by cli:alice@test-host", i, e, want[i])
		}
	}
	if strings.Contains(stdout, created.Token) || strings.Contains(stdout, strings.TrimPrefix(created.Token, "bwk_"+created.ID+"_")) {
		t.Fatal("audit log holds a token secret")
	}
	if !strings.Contains(stdout, `"person": "Dana Scully"`) {
		t.Errorf("the creation's audit entry does not name the token's person:\n%s", stdout)
	}

	code, stdout, _ = run(t, env, "audit", "verify")
	if code != 0 || !strings.Contains(stdout, "intact: 3 entries") {
		t.Fatalf("verify: exit %d: %s", code, stdout)
	}
	head := strings.TrimSpace(stdout[strings.Index(stdout, "head ")+5:])
	code, stdout, _ = run(t, env, "audit", "verify", "--expect", head, "--json")
	if code != 0 || !strings.Contains(stdout, `"verdict": "ok"`) {
		t.Fatalf("verify --expect %s: exit %d: %s", head, code, stdout)
	}
	flip := "0"
	if strings.HasSuffix(head, "0") {
		flip = "1"
	}
	wrong := head[:len(head)-1] + flip
	code, stdout, _ = run(t, env, "audit", "verify", "--expect", wrong)
	if code != 3 || !strings.Contains(stdout, "BROKEN at entry 3") {
		t.Fatalf("verify with a wrong anchor: exit %d: %s", code, stdout)
	}
}

func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	flagDir, envDir, fileDir := filepath.Join(base, "flag"), filepath.Join(base, "env"), filepath.Join(base, "file")
	cfg := filepath.Join(base, "bulwark.toml")
	if err := os.WriteFile(cfg, []byte("data-dir = \""+fileDir+"\"\nlog-format = \"json\"\n[serve]\naddr = \"127.0.0.1:9999\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	exists := func(dir string) bool {
		_, err := os.Stat(filepath.Join(dir, "bulwark.db"))
		return err == nil
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"flag beats env and file", map[string]string{"BULWARK_DATA": envDir, "BULWARK_CONFIG": cfg}, []string{"--data-dir", flagDir}, flagDir},
		{"env beats file", map[string]string{"BULWARK_DATA": envDir, "BULWARK_CONFIG": cfg}, nil, envDir},
		{"file when nothing else", map[string]string{"BULWARK_CONFIG": cfg}, nil, fileDir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, d := range []string{flagDir, envDir, fileDir} {
				os.RemoveAll(d)
			}
			code, _, stderr := run(t, tt.env, append([]string{"token", "list"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, d := range []string{flagDir, envDir, fileDir} {
				if exists(d) != (d == tt.want) {
					t.Errorf("store in %s: %v, want only in %s", d, exists(d), tt.want)
				}
			}
		})
	}

	bad := filepath.Join(base, "bad.toml")
	for name, body := range map[string]string{
		"unknown key":   "colour = \"red\"\n",
		"unknown table": "[server]\naddr = \"x\"\n",
		"syntax":        "data-dir = \n",
		"old data key":  "data = \"/var/lib/bulwark\"\n",
		"bad value":     "json = \"maybe\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(bad, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := run(t, map[string]string{"BULWARK_DATA": envDir}, "token", "list", "--config", bad)
			if code != 1 || !strings.Contains(stderr, "config") || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
		})
	}
}

// TestServeSettingsPrecedence: serve's own flags come from the command line,
// then BULWARK_*, then the config file's [serve] table. The address is
// checked before anything is opened, so a bad one shows where it came from.
func TestServeSettingsPrecedence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bulwark.toml")
	if err := os.WriteFile(cfg, []byte("[serve]\naddr = \"from-file\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"file", map[string]string{"BULWARK_CONFIG": cfg}, nil, `got "from-file"`},
		{"env beats file", map[string]string{"BULWARK_CONFIG": cfg, "BULWARK_ADDR": "from-env"}, nil, `got "from-env"`},
		{"flag beats env", map[string]string{"BULWARK_CONFIG": cfg, "BULWARK_ADDR": "from-env"}, []string{"--addr", "from-flag"}, `got "from-flag"`},
		{"bad env value", map[string]string{"BULWARK_RATE_LIMIT": "fast"}, nil, `BULWARK_RATE_LIMIT: invalid value "fast"`},
		{"bad trusted proxy", map[string]string{"BULWARK_TRUSTED_PROXY": "10.0.0.0/8,proxy.example"}, []string{"--addr", "127.0.0.1:0"}, `--trusted-proxy: "proxy.example" is not an IP address or CIDR prefix`},
		{"per-invocation flags ignore env", map[string]string{"BULWARK_NAME": "x", "BULWARK_ADDR": "from-env"}, nil, `got "from-env"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"BULWARK_DATA": filepath.Join(dir, "data")}
			for k, v := range tt.env {
				env[k] = v
			}
			code, _, stderr := run(t, env, append([]string{"serve"}, tt.args...)...)
			if code != 1 || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want 1 and %q", code, stderr, tt.want)
			}
		})
	}
	code, _, stderr := run(t, map[string]string{"BULWARK_DATA": dir, "BULWARK_NAME": "from-env"}, "token", "create", "--role", "viewer")
	if code != 1 || !strings.Contains(stderr, "--name: required") {
		t.Fatalf("token create took its name from the environment: exit %d, %q", code, stderr)
	}
}

// TestDataDirProblems: each way a data directory can be unusable gets its
// own reason and fix, naming the path in the way.
func TestDataDirProblems(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	dir := filepath.Join(base, "new", "data")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"permission denied on the directory", &os.PathError{Op: "mkdir", Path: dir, Err: syscall.EACCES},
			"cannot create data directory " + dir + ": permission denied; give --data-dir (or BULWARK_DATA) a directory you can write in, or change its permissions"},
		{"permission denied on a parent", &os.PathError{Op: "mkdir", Path: filepath.Join(base, "new"), Err: syscall.EACCES},
			"permission denied on " + filepath.Join(base, "new") + "; "},
		{"operation not permitted", &os.PathError{Op: "mkdir", Path: dir, Err: syscall.EPERM}, "permission denied"},
		{"read-only file system", &os.PathError{Op: "mkdir", Path: dir, Err: syscall.EROFS}, "the file system is read-only; give --data-dir (or BULWARK_DATA) a directory you can write in on a writable file system"},
		{"disk full", &os.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOSPC}, "no space left on the device"},
		{"other", &os.PathError{Op: "mkdir", Path: dir, Err: syscall.EIO}, "cannot create data directory " + dir + ": input/output error; give --data-dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := dataDirProblem(dir, "create", tt.err)
			msg := bulwark.ErrorMessage(err)
			if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.HasPrefix(msg, "--data-dir: ") || !strings.Contains(msg, tt.want) {
				t.Fatalf("got %s %q, want invalid --data-dir containing %q", bulwark.ErrorCode(err), msg, tt.want)
			}
		})
	}
}

// TestDefaultDataDir: without --data-dir or BULWARK_DATA the store is in
// ~/.local/share/bulwark, as the shared contract says, whatever
// $XDG_DATA_HOME is; a store left in $XDG_DATA_HOME/bulwark is named in an
// error, never replaced by a new empty one.
func TestDefaultDataDir(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		xdg      bool // set XDG_DATA_HOME
		xdgStore bool // a store in $XDG_DATA_HOME/bulwark
		homeDB   bool // a store in ~/.local/share/bulwark
		data     bool // set BULWARK_DATA
		code     int
		storeIn  string // "home", "data" or "" (none created)
		stderr   string
	}{
		{name: "home", code: 0, storeIn: "home"},
		{name: "XDG_DATA_HOME is not followed", xdg: true, code: 0, storeIn: "home"},
		{name: "a store in XDG_DATA_HOME only", xdg: true, xdgStore: true, code: 1,
			stderr: "bulwark: --data-dir: the default data directory is {home}, which holds no store, but {xdg} ($XDG_DATA_HOME/bulwark) does: give --data-dir {xdg} or set BULWARK_DATA={xdg} to keep using it, or move it to {home}\n"},
		{name: "stores in both", xdg: true, xdgStore: true, homeDB: true, code: 0, storeIn: "home"},
		{name: "BULWARK_DATA wins", xdg: true, xdgStore: true, data: true, code: 0, storeIn: "data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			home := filepath.Join(base, "home")
			homeDir := filepath.Join(home, ".local", "share", "bulwark")
			xdgDir := filepath.Join(base, "xdg", "bulwark")
			dataDir := filepath.Join(base, "data")
			env := map[string]string{"HOME": home}
			if tt.xdg {
				env["XDG_DATA_HOME"] = filepath.Join(base, "xdg")
			}
			if tt.data {
				env["BULWARK_DATA"] = dataDir
			}
			for dir, want := range map[string]bool{xdgDir: tt.xdgStore, homeDir: tt.homeDB} {
				if want {
					if code, _, errOut := run(t, map[string]string{"BULWARK_DATA": dir}, "token", "list"); code != 0 {
						t.Fatalf("making a store in %s: exit %d %s", dir, code, errOut)
					}
				}
			}
			code, _, errOut := run(t, env, "token", "list")
			want := strings.NewReplacer("{home}", homeDir, "{xdg}", xdgDir).Replace(tt.stderr)
			if code != tt.code || tt.stderr != "" && errOut != want {
				t.Fatalf("exit %d, want %d; stderr %q, want %q", code, tt.code, errOut, want)
			}
			for where, dir := range map[string]string{"home": homeDir, "data": dataDir} {
				made := exists(filepath.Join(dir, "bulwark.db"))
				if want := where == tt.storeIn || where == "home" && tt.homeDB; made != want {
					t.Errorf("store in %s: %v, want %v", dir, made, want)
				}
			}
			if !tt.xdgStore && exists(xdgDir) {
				t.Errorf("%s was created", xdgDir)
			}
		})
	}
}

// TestDataDirNotWritable: a data directory this user cannot write in is
// refused naming it (not testable as root, who may write anywhere).
func TestDataDirNotWritable(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root may write in any directory")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, map[string]string{}, "token", "list", "--data-dir", dir)
	if code != 1 || !strings.Contains(stderr, "cannot write in data directory "+dir+": permission denied") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

// TestAuditAnchorOfEmptyLog: the head 'audit verify' prints for an empty
// log is an anchor --expect takes, and it still holds once the log grows.
func TestAuditAnchorOfEmptyLog(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": t.TempDir()}
	code, out, _ := run(t, env, "audit", "verify")
	_, head, ok := strings.Cut(strings.TrimSpace(out), "head ")
	if code != 0 || !ok || head != "0:"+strings.Repeat("0", 64) {
		t.Fatalf("empty log: exit %d, %q", code, out)
	}
	for _, grown := range []bool{false, true} {
		if grown {
			if code, _, errOut := run(t, env, "token", "create", "--name", "a", "--role", "viewer"); code != 0 {
				t.Fatalf("token create: %d %s", code, errOut)
			}
		}
		if code, out, errOut := run(t, env, "audit", "verify", "--expect", head); code != 0 || !strings.HasPrefix(out, "audit log intact") {
			t.Errorf("--expect %s (log grown: %v): exit %d, %q %q", head, grown, code, out, errOut)
		}
	}
	if code, _, errOut := run(t, env, "audit", "verify", "--expect", "0:"+strings.Repeat("0", 63)+"1"); code != 1 || !strings.Contains(errOut, "--expect: want SEQ:HASH") {
		t.Errorf("entry 0 with another hash: exit %d, %q", code, errOut)
	}
}

// TestPlannedCommandsHelp: the placeholders for capabilities not built yet
// stay out of the top-level command list (a newcomer must not take them for
// working commands), are named once as planned, and still say "not built
// yet" and exit 1 when run.
func TestPlannedCommandsHelp(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": filepath.Join(t.TempDir(), "data")}
	code, stdout, _ := run(t, env, "--help")
	if code != 0 {
		t.Fatalf("--help exit code = %d", code)
	}
	_, rest, ok := strings.Cut(stdout, "Commands:\n")
	if !ok {
		t.Fatalf("--help has no command list:\n%s", stdout)
	}
	commands, _, _ := strings.Cut(rest, "\n\n")
	if !strings.Contains(commands, "  serve ") || !strings.Contains(commands, "  trace ") {
		t.Fatalf("command list lacks serve or trace:\n%s", commands)
	}
	var planned []string
	for _, c := range (&Main{}).root().subs {
		if c.planned {
			planned = append(planned, c.name)
		}
	}
	for _, name := range planned {
		for _, line := range strings.Split(commands, "\n") {
			if f := strings.Fields(line); len(f) > 0 && f[0] == name {
				t.Errorf("command list shows the placeholder %q: %q", name, line)
			}
		}
	}
	if len(planned) > 0 && !strings.Contains(stdout, "Planned, not built yet (they only say so and exit 1): "+strings.Join(planned, ", ")+"\n") {
		t.Errorf("--help does not name the planned commands:\n%s", stdout)
	}
	for _, name := range planned {
		code, _, stderr := run(t, env, name)
		if code != 1 || !strings.Contains(stderr, "'bulwark "+name+"' is not built yet") {
			t.Errorf("bulwark %s: exit %d, stderr %q; want 1 and \"not built yet\"", name, code, stderr)
		}
	}
}

// TestVersionOf: `go build` stamps a pseudo-version and the commit, a
// plain `go run` stamps neither; both report "dev" (a pseudo-version is no
// release a user can look up) with the commit whenever one was stamped. A
// version set at link time or a tagged module version wins.
func TestVersionOf(t *testing.T) {
	t.Parallel()
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "3434ef666896024b18ec54ce02ee1b9ac92f665b"},
		{Key: "vcs.time", Value: "2026-12-06T22:45:49Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	mainMod := func(v string) debug.Module { return debug.Module{Path: "github.com/bulwark-sec/bulwark", Version: v} }
	tests := []struct {
		name   string
		linked string
		bi     *debug.BuildInfo
		want   string
	}{
		{name: "no build info", want: "dev"},
		{name: "go run, no stamp", bi: &debug.BuildInfo{Main: mainMod("(devel)")}, want: "dev"},
		{name: "go run, stamped", bi: &debug.BuildInfo{Main: mainMod("(devel)"), Settings: vcs}, want: "dev (commit 3434ef666896 2026-12-06T22:45:49Z, modified)"},
		{name: "go build pseudo-version", bi: &debug.BuildInfo{Main: mainMod("v0.0.0-20261206224549-3434ef666896+dirty"), Settings: vcs}, want: "dev (commit 3434ef666896 2026-12-06T22:45:49Z, modified)"},
		{name: "pseudo-version after a tag", bi: &debug.BuildInfo{Main: mainMod("v1.2.4-0.20261206224549-3434ef666896"), Settings: vcs[:3]}, want: "dev (commit 3434ef666896 2026-12-06T22:45:49Z)"},
		{name: "tagged module", bi: &debug.BuildInfo{Main: mainMod("v1.2.3")}, want: "v1.2.3"},
		{name: "link-time version wins", linked: "v9.9.9", bi: &debug.BuildInfo{Main: mainMod("v1.2.3"), Settings: vcs}, want: "v9.9.9 (commit 3434ef666896 2026-12-06T22:45:49Z, modified)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := versionOf(tt.linked, tt.bi).String(); got != tt.want {
				t.Errorf("version = %q, want %q", got, tt.want)
			}
			// serve (its startup log, whoami, metrics) and 'bulwark
			// version' say the same.
			var served string
			data := t.TempDir()
			m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Version: tt.linked,
				LookupEnv: func(k string) (string, bool) {
					if k == "BULWARK_DATA" {
						return data, true
					}
					return "", false
				},
				readBuildInfo: func() (*debug.BuildInfo, bool) { return tt.bi, tt.bi != nil },
				Serve:         func(_ context.Context, s *Serving) error { served = s.Version(); return nil },
			}
			if code := m.Run(context.Background(), []string{"serve"}); code != 0 || served != tt.want {
				t.Errorf("serve: exit %d, version %q, want %q", code, served, tt.want)
			}
			var out bytes.Buffer
			m.Stdout = &out
			if code := m.Run(context.Background(), []string{"version"}); code != 0 || !strings.HasPrefix(out.String(), "bulwark "+tt.want+" go") {
				t.Errorf("version: exit %d: %q, want it to start %q", code, out.String(), "bulwark "+tt.want+" go")
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAuditListNewestFirst: 'audit list' shows the newest entries first, a
// page at a time; the command for the next, older page is printed on
// stderr, and following it visits every entry once. --after reads forward.
func TestAuditListNewestFirst(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": t.TempDir()}
	for i := range 5 {
		if code, _, errOut := run(t, env, "token", "create", "--name", fmt.Sprintf("t%d", i), "--role", "viewer"); code != 0 {
			t.Fatalf("token create: %d %s", code, errOut)
		}
	}
	seqs := func(args ...string) (string, string) {
		t.Helper()
		code, out, errOut := run(t, env, append([]string{"audit", "list", "--json"}, args...)...)
		var es []struct{ Seq int64 }
		if err := json.Unmarshal([]byte(out), &es); code != 0 || err != nil {
			t.Fatalf("audit list %v: exit %d, %v: %s %s", args, code, err, out, errOut)
		}
		s := ""
		for _, e := range es {
			s += fmt.Sprint(e.Seq, " ")
		}
		return s, errOut
	}
	if got, _ := seqs(); got != "5 4 3 2 1 " {
		t.Errorf("default order %q, want newest first", got)
	}
	if got, _ := seqs("--after", "2", "--limit", "2"); got != "3 4 " {
		t.Errorf("--after 2 --limit 2: %q", got)
	}
	// Follow the printed command from page to page (text output).
	var walked []string
	args := []string{"audit", "list", "--limit", "2"}
	for range 10 {
		code, out, errOut := run(t, env, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errOut)
		}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
			walked = append(walked, strings.Fields(line)[0])
		}
		cmd, ok := strings.CutPrefix(strings.TrimSpace(errOut), "older entries: bulwark ")
		if !ok {
			if errOut != "" {
				t.Fatalf("stderr %q", errOut)
			}
			break
		}
		args = strings.Fields(cmd)
	}
	if got := strings.Join(walked, " "); got != "5 4 3 2 1" {
		t.Errorf("paging visits %q, want 5 4 3 2 1", got)
	}
}

// TestConfigDeepNesting: a config file nested past the TOML guard's
// limit is refused with its line, not handed to the decoder (which
// recurses once per bracket, past the stack's limit for a large file).
func TestConfigDeepNesting(t *testing.T) {
	t.Parallel()
	_, err := parseConfig([]byte("[serve]\naddr = "+strings.Repeat("[", 1<<20)), "bulwark.toml", map[string]bool{"serve": true})
	if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(bulwark.ErrorMessage(err), "cannot parse bulwark.toml: line 2: arrays and inline tables nested more than 16 deep") {
		t.Fatalf("error %v", err)
	}
}

// TestCLIActorFromOSUser: the audit actor of a command is the
// operating-system user (by user id) and host, whatever $USER says; with
// neither readable it is plain "cli".
func TestCLIActorFromOSUser(t *testing.T) {
	t.Parallel()
	env := func(k string) (string, bool) {
		if k == "USER" {
			return "mallory", true
		}
		return "", false
	}
	for _, tc := range []struct {
		name string
		os   func() (string, string, error)
		want string
	}{
		{"os user and host", func() (string, string, error) { return "alice", "desk-7", nil }, "cli:alice@desk-7"},
		{"unreadable", func() (string, string, error) { return "", "", errors.New("no passwd entry") }, "cli"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := &Main{LookupEnv: env, osUser: tc.os}
			if got := m.cliActor(); got != tc.want {
				t.Errorf("actor %q, want %q", got, tc.want)
			}
		})
	}
}
