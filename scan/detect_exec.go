package scan

import (
	"bytes"
	"strings"
)

// ExecConfigDetector finds configuration that runs commands with no
// script in sight:
//
//   - GYP-COMMAND-EXPANSION (high; medium for the common
//     `node -p "require(…)"` include-path lookup): a binding.gyp with a
//     "<!(…)" or "<!@(…)" command expansion. With a binding.gyp and no
//     install script, npm install runs node-gyp rebuild, and gyp runs
//     every such command in a shell; also each "action" (high), a command
//     node-gyp runs while building.
//   - GIT-CONFIG-EXEC (high): a committed .git/config (or a submodule's)
//     that sets core.fsmonitor, core.hooksPath, core.sshCommand,
//     core.pager, core.editor, core.askPass, core.gitProxy, a filter's
//     smudge, clean or process command, or a diff driver's external or
//     textconv command (medium: an alias running a shell command, "!…",
//     which runs when the alias is typed). Opening the folder in an
//     editor runs git status, which runs fsmonitor; checkout runs smudge
//     filters. Includes ([include], [includeIf]) are followed by the
//     autorun tree (GIT-CONFIG-INCLUDE).
//
// Paths are matched case-insensitively ([FoldPath]): .git/Config is the
// same file on macOS and Windows.
type ExecConfigDetector struct{}

// ID implements [Detector].
func (ExecConfigDetector) ID() string { return "EXEC-CONFIG" }

// Applies implements [Detector].
func (ExecConfigDetector) Applies(p string) bool {
	return base(p) == "binding.gyp" || isGitConfig(p)
}

// isGitConfig says whether p is a git directory's config file
// (.git/config, .git/modules/x/config).
func isGitConfig(p string) bool {
	lp := FoldPath(p)
	if !strings.HasSuffix(lp, "/config") && lp != "config" {
		return false
	}
	return strings.HasPrefix(lp, ".git/") || strings.Contains(lp, "/.git/") || strings.Contains(lp, "!/.git/")
}

const srcGitConfigExec = "git-config(1): core.fsmonitor, core.hooksPath, core.sshCommand and filter.<driver>.smudge run commands; CVE-2022-24765 and the 2024 'fsmonitor in a shared repository' advisories"

// Detect implements [Detector].
func (ExecConfigDetector) Detect(f *File) []Finding {
	if base(f.Path) == "binding.gyp" {
		return gypExpansions(f)
	}
	return gitConfigExec(f)
}

func gypExpansions(f *File) []Finding {
	var out []Finding
	li := lineIndex{data: f.Data}
	for off := 0; len(out) < 5; {
		i := bytes.Index(f.Data[off:], []byte("<!"))
		if i < 0 {
			break
		}
		i += off
		rest := f.Data[i+2:]
		if bytes.HasPrefix(rest, []byte("(")) || bytes.HasPrefix(rest, []byte("@(")) {
			sev := SeverityHigh
			cmd := bytes.TrimLeft(bytes.TrimLeft(rest, "@("), " ")
			if bytes.HasPrefix(cmd, []byte(`node -p "require(`)) || bytes.HasPrefix(cmd, []byte(`node -p 'require(`)) ||
				bytes.HasPrefix(cmd, []byte(`node -p \"require(`)) {
				// node-addon-api's and sharp's include-path lookups: still
				// a command, running the required file.
				sev = SeverityMedium
			}
			out = append(out, Finding{
				Rule: "GYP-COMMAND-EXPANSION", Severity: sev, File: f.Path, Line: li.line(i),
				Snippet:     safeText(string(lineOf(f.Data, i)), maxSnippet),
				Explanation: "binding.gyp runs this shell command while the native addon is configured. npm install runs node-gyp rebuild for any package with a binding.gyp, even with no install script in package.json, so the command runs on the install the test asks for.",
				Source:      "gyp input format: <!(command) and <!@(command) expansions; npm-install(1): node-gyp rebuild runs when binding.gyp exists",
			})
		}
		off = i + 2
	}
	for _, a := range gypActions(f.Data) {
		if len(out) >= 10 {
			break
		}
		out = append(out, Finding{
			Rule: "GYP-COMMAND-EXPANSION", Severity: SeverityHigh, File: f.Path, Line: a.line,
			Snippet:     safeText("action: "+a.cmd, maxSnippet),
			Explanation: "binding.gyp declares an action: a command node-gyp runs while it builds the native addon. npm install runs node-gyp rebuild for any package with a binding.gyp, even with no install script in package.json, so the command (and the file of the project it runs) runs on the install the test asks for.",
			Source:      "gyp input format: actions (gyp.gsrc.io/docs/InputFormatReference.md#Actions); npm-install(1): node-gyp rebuild runs when binding.gyp exists",
		})
	}
	return out
}

// gitConfigKeys are the config keys (section.key, subsection dropped,
// lower case) whose value git runs as a command.
var gitConfigKeys = map[string]Severity{
	"core.fsmonitor": SeverityCritical, "core.hookspath": SeverityHigh, "core.sshcommand": SeverityHigh,
	"core.pager": SeverityHigh, "core.editor": SeverityHigh, "core.askpass": SeverityHigh, "core.gitproxy": SeverityHigh,
	"filter.smudge": SeverityHigh, "filter.clean": SeverityHigh, "filter.process": SeverityHigh,
	"diff.external": SeverityHigh, "diff.textconv": SeverityHigh, "credential.helper": SeverityHigh,
	"sequence.editor": SeverityHigh, "uploadpack.packobjectshook": SeverityHigh,
}

func gitConfigExec(f *File) []Finding {
	var out []Finding
	section := ""
	line := 0
	for _, raw := range bytes.Split(f.Data, []byte{'\n'}) {
		line++
		l := strings.TrimSpace(string(raw))
		if l == "" || l[0] == '#' || l[0] == ';' {
			continue
		}
		if l[0] == '[' {
			end := strings.IndexByte(l, ']')
			if end < 0 {
				continue
			}
			sec := strings.TrimSpace(l[1:end])
			if i := strings.IndexAny(sec, " \t\""); i >= 0 {
				sec = sec[:i] // [filter "lfs"] -> filter
			}
			if i := strings.IndexByte(sec, '.'); i >= 0 {
				sec = sec[:i] // [filter.lfs] -> filter
			}
			section = strings.ToLower(sec)
			l = strings.TrimSpace(l[end+1:])
			if l == "" {
				continue
			}
		}
		key, val, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		val = strings.Trim(strings.TrimSpace(val), `"`)
		sev, hit := gitConfigKeys[section+"."+key]
		if section == "alias" && strings.HasPrefix(val, "!") {
			sev, hit = SeverityMedium, true // runs a shell command when the alias is typed
		}
		if !hit || val == "" || section == "filter" && strings.HasPrefix(val, "git-lfs ") || key == "helper" && isStockCredentialHelper(val) {
			continue
		}
		if key == "fsmonitor" && (val == "false" || val == "true") {
			continue // true: git's own built-in daemon
		}
		out = append(out, Finding{
			Rule: "GIT-CONFIG-EXEC", Severity: sev, File: f.Path, Line: line,
			Snippet:     safeText(l, maxSnippet),
			Explanation: "This git config makes git run a command (" + section + "." + key + "). A repository sent with its .git folder runs it as soon as an editor or a terminal prompt calls git status, checkout or diff: no script, no click needed.",
			Source:      srcGitConfigExec,
		})
	}
	return out
}

// isStockCredentialHelper says whether a credential helper is one git or
// the platform ships.
func isStockCredentialHelper(v string) bool {
	switch strings.Fields(v + " x")[0] {
	case "store", "cache", "osxkeychain", "manager", "manager-core", "wincred", "libsecret":
		return true
	}
	return false
}

// lineOf returns the line of data holding off.
func lineOf(data []byte, off int) []byte {
	s := bytes.LastIndexByte(data[:off], '\n') + 1
	e := bytes.IndexByte(data[off:], '\n')
	if e < 0 {
		return data[s:]
	}
	return data[s : off+e]
}
