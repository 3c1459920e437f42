package scan

import (
	"path"
	"slices"
	"strconv"
	"strings"
)

// AutorunDetector follows what runs by itself — npm's install scripts
// (preinstall, install, postinstall, prepublish, preprepare, prepare,
// postprepare, dependencies, through `npm run` chains),
// VS Code tasks run on folderOpen, dev container lifecycle commands — to
// the files of the tree they run (`node scripts/setup.js`, `sh
// install.sh`, `node .`), and:
//
//   - names the file in the finding of the script, task or command
//     (NPM-LIFECYCLE-SCRIPT, VSCODE-AUTORUN-TASK, DEVCONTAINER-COMMAND):
//     "It runs scripts/setup.js", or that the file is not in the tree;
//   - AUTORUN-TARGET-SUSPICIOUS: reports again, one step more severe
//     (medium becomes high, high critical), each medium or worse finding
//     inside such a file: a loader in a file npm install runs needs no
//     further step from the victim.
//
// It relates files to one another, so it works in a scan (Scanner), not
// on a file alone: its Detect reports nothing.
type AutorunDetector struct{}

// ID implements [Detector].
func (AutorunDetector) ID() string { return "AUTORUN" }

// Applies implements [Detector]: no file on its own.
func (AutorunDetector) Applies(string) bool { return false }

// Detect implements [Detector]: nothing (see newTree).
func (AutorunDetector) Detect(*File) []Finding { return nil }

func (AutorunDetector) newTree() treeState {
	return &autorunTree{paths: map[string]bool{}, suspects: map[string][]Finding{}, pkgs: map[string]*npmPackage{}}
}

const (
	maxAutorunSuspectFiles = 5000
	maxAutorunPerTarget    = 3
	maxAutorunDepth        = 6
)

const srcAutorun = "npm-scripts(7): preinstall, install, postinstall, prepublish, preprepare, prepare and postprepare run on npm install; VS Code tasks runOptions.runOn folderOpen; Dev Container lifecycle commands (containers.dev); Socket (2025) and Unit42: Contagious Interview loaders in the file a postinstall script or a folderOpen task runs"

// autorunTree is one scan's state.
type autorunTree struct {
	paths    map[string]bool      // every file's path
	suspects map[string][]Finding // SafePath -> medium or worse findings in it
	pkgs     map[string]*npmPackage
	triggers []autorunTrigger
	git      map[string]*gitFile // git configs and files that may be included by one
}

type npmPackage struct {
	file    string // path of the package.json
	dir     string
	name    string
	main    string
	scripts map[string]npmScript
	bins    map[string]string // command name -> file ("bin")
	local   map[string]string // dependency name -> file:, link:, portal: or workspace: spec
}

type npmScript struct {
	cmd  string
	line int
}

// autorunTrigger is one command that runs by itself.
type autorunTrigger struct {
	file       string // the package.json, tasks.json or devcontainer.json
	from, to   int    // lines of the finding that reports it
	what, when string // "scripts.postinstall", "npm install"
	cmd        string
	dir        string // where the command runs
	pkg        *npmPackage
	npmScript  string // a VS Code npm task's script
}

// autorunScripts are the scripts `npm install` runs in the project
// folder (npm 7 and later: preinstall, install, postinstall, prepublish,
// preprepare, prepare, postprepare; dependencies when node_modules
// changes).
var autorunScripts = []string{"preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare", "dependencies"}

// dependencyScripts are the scripts npm runs for an installed
// dependency (a package under node_modules/).
var dependencyScripts = []string{"preinstall", "install", "postinstall"}

// buildTools are commands of ordinary build steps: compilers, bundlers,
// hook installers and file utilities, which run no file of the project
// as a program (their config files are checked by the config rules).
var buildTools = map[string]bool{
	"tsc": true, "tshy": true, "tsup": true, "tsc-alias": true, "rollup": true, "vite": true, "webpack": true, "babel": true,
	"esbuild": true, "swc": true, "unbuild": true, "microbundle": true, "pkgroll": true, "ncc": true, "parcel": true,
	"rimraf": true, "del-cli": true, "mkdirp": true, "mkdir": true, "cp": true, "rm": true, "shx": true, "copyfiles": true,
	"cpy": true, "echo": true, "true": true, "exit": true, "husky": true, "not-in-publish": true, "in-publish": true,
	"ts-scripts": true, "patch-package": true, "node-gyp": true, "node-gyp-build": true, "prebuild-install": true,
	"ngcc": true, "svelte-kit": true, "svelte-package": true, "prisma": true, "nuxi": true, "nuxt": true, "next": true,
	"gulp": false, "tsdx": true, "lerna": false, "npm-run-all": false, "cd": true,
}

// buildOnly says whether the command line runs only ordinary build tools,
// following `npm run x`, `yarn x` and `pnpm x` to the package's scripts
// (with their pre and post scripts).
func buildOnly(cmd string, pkg *npmPackage, depth int, seen map[string]bool) bool {
	if depth > maxAutorunDepth || len(cmd) > 4096 {
		return false
	}
	for _, simple := range splitShell(cmd) {
		w := shellWords(simple)
		for len(w) > 0 && (strings.IndexByte(w[0], '=') > 0 || base(w[0]) == "cross-env" || base(w[0]) == "npx") {
			w = w[1:]
		}
		if len(w) == 0 {
			continue
		}
		prog := base(w[0])
		var run string
		switch {
		case (prog == "npm" || prog == "pnpm") && len(w) >= 3 && (w[1] == "run" || w[1] == "run-script"):
			run = w[2]
		case (prog == "yarn" || prog == "pnpm") && len(w) >= 3 && w[1] == "run":
			run = w[2]
		case (prog == "yarn" || prog == "pnpm") && len(w) == 2 && !strings.HasPrefix(w[1], "-") && pkg != nil && pkg.scripts[w[1]].cmd != "":
			run = w[1]
		case buildTools[prog]:
			continue
		default:
			return false
		}
		if pkg == nil {
			return false
		}
		if _, ok := pkg.scripts[run]; !ok {
			return false
		}
		for _, n := range []string{"pre" + run, run, "post" + run} {
			sc, ok := pkg.scripts[n]
			if !ok || seen[n] {
				continue
			}
			seen[n] = true
			if !buildOnly(sc.cmd, pkg, depth+1, seen) {
				return false
			}
		}
	}
	return true
}

func (t *autorunTree) file(f *File) {
	t.paths[f.Path] = true
	if len(t.git) < maxGitCandidates || isGitConfig(f.Path) {
		if g := gitFileOf(f); g != nil {
			if t.git == nil {
				t.git = map[string]*gitFile{}
			}
			t.git[f.Path] = g
		}
	}
	lp := FoldPath(f.Path)
	b := base(lp)
	dir := path.Dir(f.Path)
	if dir == "." {
		dir = ""
	}
	switch {
	case b == "package.json":
		leaves, _ := parseJSONC(f.Data)
		pkg := &npmPackage{file: f.Path, dir: dir, scripts: map[string]npmScript{}}
		for _, l := range leaves {
			if !l.isText {
				continue
			}
			if len(l.path) == 2 && l.path[0] == "scripts" {
				pkg.scripts[l.path[1]] = npmScript{l.value, l.line}
			}
			if len(l.path) == 1 && l.path[0] == "main" {
				pkg.main = l.value
			}
			if len(l.path) == 1 && l.path[0] == "name" {
				pkg.name = l.value
			}
			if len(l.path) >= 1 && len(l.path) <= 2 && l.path[0] == "bin" {
				if pkg.bins == nil {
					pkg.bins = map[string]string{}
				}
				name := ""
				if len(l.path) == 2 {
					name = l.path[1]
				}
				pkg.bins[name] = l.value
			}
			if len(l.path) == 2 && (l.path[0] == "dependencies" || l.path[0] == "devDependencies" || l.path[0] == "optionalDependencies") {
				for _, pre := range []string{"file:", "link:", "portal:", "workspace:"} {
					if strings.HasPrefix(l.value, pre) {
						if pkg.local == nil {
							pkg.local = map[string]string{}
						}
						pkg.local[l.path[1]] = l.value
					}
				}
			}
		}
		t.pkgs[dir] = pkg
		scripts := autorunScripts
		if inNodeModules(lp) {
			// An installed dependency: npm runs only these of its
			// scripts (prepare and the rest only for the root project
			// and git or file: dependencies).
			scripts = dependencyScripts
		}
		for _, s := range scripts {
			if sc, ok := pkg.scripts[s]; ok {
				t.triggers = append(t.triggers, autorunTrigger{file: f.Path, from: sc.line, to: sc.line, what: "scripts." + s, when: "npm install", cmd: sc.cmd, dir: dir, pkg: pkg})
			}
		}
	case b == ".npmrc":
		t.configTriggers(f, dir, npmrcTrigger)
	case b == ".yarnrc.yml" || b == ".yarnrc.yaml" || b == ".yarnrc":
		t.configTriggers(f, dir, yarnrcTrigger)
	case b == "bunfig.toml":
		t.configTriggers(f, dir, bunfigTrigger)
	case strings.HasSuffix(lp, ".prisma") && !strings.Contains("/"+lp, "/node_modules/"):
		t.configTriggers(f, t.prismaRoot(dir), prismaTrigger)
	case b == "binding.gyp":
		for _, a := range gypActions(f.Data) {
			t.triggers = append(t.triggers, autorunTrigger{file: f.Path, from: a.line, to: a.line, what: "a binding.gyp action", when: "npm install (node-gyp rebuild)", cmd: a.cmd, dir: dir})
		}
	case strings.HasSuffix(lp, ".vscode/tasks.json") || strings.HasSuffix(lp, ".code-workspace"):
		root := dir
		if strings.HasSuffix(lp, ".vscode/tasks.json") {
			root = path.Dir(dir)
			if root == "." {
				root = ""
			}
		}
		t.vscodeTasks(f, root)
	case b == "devcontainer.json" && strings.Contains(lp, ".devcontainer/") || b == ".devcontainer.json":
		root := dir
		if i := strings.LastIndex(lp, ".devcontainer/"); i >= 0 && len(lp) == len(f.Path) {
			root = strings.TrimSuffix(f.Path[:i], "/")
		}
		leaves, _ := parseJSONC(f.Data)
		for _, key := range []string{"initializeCommand", "onCreateCommand", "updateContentCommand", "postCreateCommand", "postStartCommand", "postAttachCommand"} {
			var parts []string
			line := 0
			for _, l := range leaves {
				if len(l.path) == 0 || l.path[0] != key {
					continue
				}
				if line == 0 {
					line = l.line
				}
				if l.isText {
					parts = append(parts, l.value)
				}
			}
			if line == 0 {
				continue
			}
			cmd := strings.Join(parts, " ; ") // an object of commands run in parallel
			if isArrayCommand(leaves, key) {
				cmd = strings.Join(parts, " ") // one command and its arguments
			}
			t.triggers = append(t.triggers, autorunTrigger{file: f.Path, from: line, to: line, what: key, when: "opening the project in a dev container", cmd: cmd, dir: root})
		}
	}
}

// configTriggers records the commands a configuration file's lines make
// a package manager run: trig returns, for one line, what the line sets,
// when it runs and the command that runs (empty: none).
func (t *autorunTree) configTriggers(f *File, dir string, trig func(line string) (what, when, cmd string)) {
	for n, raw := range strings.Split(string(f.Data), "\n") {
		if n >= 2000 {
			break
		}
		if what, when, cmd := trig(strings.TrimSpace(raw)); cmd != "" {
			t.triggers = append(t.triggers, autorunTrigger{file: f.Path, from: n + 1, to: n + 1, what: what, when: when, cmd: cmd, dir: dir})
		}
	}
}

// configValue splits a "key = value", "key: value" or "key value" line
// (.npmrc, .yarnrc.yml, .yarnrc, bunfig.toml) and unquotes the value.
func configValue(l string) (string, string) {
	i := strings.IndexAny(l, "=: \t")
	if i <= 0 || l[0] == '#' || l[0] == ';' {
		return "", ""
	}
	k := strings.Trim(l[:i], `"'`)
	v := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l[i:]), "=:"))
	return strings.ToLower(k), strings.Trim(v, `"'`)
}

// npmrcTrigger: node-options is given to every node npm starts (its
// --require and --import files run first), script-shell runs every
// script, onload-script runs when npm starts.
func npmrcTrigger(l string) (string, string, string) {
	k, v := configValue(l)
	const when = "every npm command in the folder (npm install first)"
	switch k {
	case "node-options":
		return "node-options", when, "node " + v
	case "script-shell", "git":
		return k, when, "sh " + v
	case "onload-script":
		return k, when, "node " + v
	}
	return "", "", ""
}

// yarnrcTrigger: yarnPath (.yarnrc.yml), yarn-path (.yarnrc) is the file
// every yarn command runs instead of Yarn.
func yarnrcTrigger(l string) (string, string, string) {
	k, v := configValue(l)
	if k == "yarnpath" || k == "yarn-path" {
		return k, "every yarn command in the folder (yarn install first)", "node " + v
	}
	return "", "", ""
}

// bunfigTrigger: preload = ["./a.ts"] (at the top or under [test]).
func bunfigTrigger(l string) (string, string, string) {
	k, v := configValue(l)
	if k != "preload" {
		return "", "", ""
	}
	var files []string
	for _, x := range strings.Split(strings.Trim(v, "[] "), ",") {
		if x = strings.Trim(strings.TrimSpace(x), `"'`); x != "" {
			files = append(files, "bun "+x)
		}
	}
	return "preload", "every bun run or bun test", strings.Join(files, " ; ")
}

// prismaTrigger: a generator's provider that is a command (prisma
// generate runs it from the project folder).
func prismaTrigger(l string) (string, string, string) {
	k, v := configValue(l)
	if k != "provider" || !strings.ContainsAny(v, " /") || strings.HasPrefix(v, "@") {
		return "", "", ""
	}
	return "generator provider", "prisma generate (run on install by a postinstall: prisma generate)", v
}

// prismaRoot returns the folder prisma runs a generator from: the
// project's (the schema usually sits in prisma/).
func (t *autorunTree) prismaRoot(dir string) string {
	if path.Base(dir) == "prisma" {
		if d := path.Dir(dir); d != "." {
			return d
		}
		return ""
	}
	return dir
}

// gypAction is one binding.gyp action's command.
type gypAction struct {
	line int
	cmd  string
}

// gypActions returns the commands of binding.gyp's "action" lists
// ('action': ['node', 'tools/gen.js', ...]): node-gyp runs them while it
// builds the addon.
func gypActions(data []byte) []gypAction {
	var out []gypAction
	s := string(data)
	for off := 0; len(out) < 10; {
		i := strings.Index(s[off:], "action")
		if i < 0 {
			break
		}
		i += off
		off = i + len("action")
		if i == 0 || (s[i-1] != '"' && s[i-1] != '\'') || off >= len(s) || s[off] != s[i-1] {
			continue // 'actions', 'action_name', a word in a string
		}
		rest := strings.TrimLeft(s[off+1:], " \t\r\n")
		if !strings.HasPrefix(rest, ":") {
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t\r\n")
		if !strings.HasPrefix(rest, "[") {
			continue
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 || end > 4096 {
			continue
		}
		var words []string
		for _, w := range strings.Split(rest[1:end], ",") {
			if w = strings.Trim(strings.TrimSpace(w), `"'`); w != "" {
				words = append(words, w)
			}
		}
		if len(words) > 0 {
			out = append(out, gypAction{line: 1 + strings.Count(s[:i], "\n"), cmd: strings.Join(words, " ")})
		}
	}
	return out
}

// isArrayCommand says whether the devcontainer key holds an array (one
// command and its arguments).
func isArrayCommand(leaves []jsonLeaf, key string) bool {
	for _, l := range leaves {
		if len(l.path) == 2 && l.path[0] == key {
			_, err := strconv.Atoi(l.path[1])
			return err == nil
		}
	}
	return false
}

// vscodeTasks records the tasks that run on folderOpen.
func (t *autorunTree) vscodeTasks(f *File, root string) {
	leaves, _ := parseJSONC(f.Data)
	type task struct {
		from, to        int
		command, script string
		typ             string
		args            []string
		folderOpen      bool
	}
	tasks := map[string]*task{}
	var order []string
	for _, l := range leaves {
		p := l.path
		if len(p) > 0 && p[0] == "tasks" && len(p) > 1 && p[1] == "tasks" { // .code-workspace
			p = p[1:]
		}
		if len(p) < 3 || p[0] != "tasks" {
			continue
		}
		id := p[1]
		tk := tasks[id]
		if tk == nil {
			tk = &task{from: l.line}
			tasks[id] = tk
			order = append(order, id)
		}
		tk.to = max(tk.to, l.line)
		rest := p[2:]
		if len(rest) > 1 && (rest[0] == "linux" || rest[0] == "osx" || rest[0] == "windows") {
			rest = rest[1:]
		}
		if !l.isText {
			continue
		}
		switch {
		case len(rest) == 1 && rest[0] == "command" && tk.command == "":
			tk.command = l.value
		case len(rest) == 1 && rest[0] == "script":
			tk.script = l.value
		case len(rest) == 1 && rest[0] == "type":
			tk.typ = l.value
		case len(rest) == 2 && rest[0] == "args":
			tk.args = append(tk.args, l.value)
		case len(rest) == 2 && rest[0] == "runOptions" && rest[1] == "runOn" && l.value == "folderOpen":
			tk.folderOpen = true
		}
	}
	for _, id := range order {
		tk := tasks[id]
		if !tk.folderOpen {
			continue
		}
		cmd := strings.TrimSpace(tk.command + " " + strings.Join(tk.args, " "))
		tr := autorunTrigger{file: f.Path, from: tk.from, to: tk.to, what: "task " + id, when: "opening the folder in VS Code", cmd: cmd, dir: root}
		if tk.typ == "npm" && tk.script != "" {
			tr.npmScript = tk.script
		}
		t.triggers = append(t.triggers, tr)
	}
}

// autorunQuiet are the findings about the trigger itself, not about what
// a target file does.
func autorunQuiet(rule string) bool {
	for _, p := range []string{"NPM-", "NPMRC-", "YARN-", "BUNFIG-", "GYP-", "PRISMA-", "VSCODE-", "DEVCONTAINER-", "SCAN-", "AUTORUN-", "HIDDEN-DOTFILES", "PATH-CASE", "SYMLINK-"} {
		if strings.HasPrefix(rule, p) {
			return true
		}
	}
	return false
}

func (t *autorunTree) found(out []Finding) {
	for _, x := range out {
		if sevRank(x.Severity) < sevRank(SeverityMedium) || autorunQuiet(x.Rule) || x.File == "" {
			continue
		}
		s := t.suspects[x.File]
		if s == nil && len(t.suspects) >= maxAutorunSuspectFiles || len(s) >= 2*maxAutorunPerTarget {
			continue
		}
		t.suspects[x.File] = append(s, Finding{Rule: x.Rule, Severity: x.Severity, Line: x.Line, Snippet: x.Snippet})
	}
}

// autorunTarget is a file a trigger runs.
type autorunTarget struct {
	path   string
	exists bool
	via    string // the command that runs it
}

func (t *autorunTree) finish(all []Finding) []Finding {
	out := t.gitIncludeFindings()
	for _, tr := range t.triggers {
		r := autorunResolver{t: t, seen: map[string]bool{}}
		pkg := tr.pkg
		if pkg == nil {
			pkg = t.pkgs[tr.dir]
		}
		if tr.npmScript != "" && pkg != nil {
			r.script(pkg, tr.npmScript, 0)
		}
		r.command(tr.cmd, tr.dir, pkg, 0)
		for _, tool := range r.shadows {
			out = append(out, Finding{Rule: "NPM-LOCAL-TOOL-SHADOW", Severity: SeverityHigh, File: SafePath(tr.file), Line: tr.from,
				Snippet:     safeText(tr.what+": "+tr.cmd, maxSnippet),
				Explanation: "The command runs `" + safeText(tool, 40) + "`, which looks like a well-known tool but is a package of this project (a file:, link: or workspace: dependency, or a folder with a package.json of that name): npm puts the project's own copy on the PATH, so " + tr.when + " runs the project's code under the tool's name. A real project takes such tools from the registry. Read the local package's files before installing.",
				Source:      "npm install: file:/link:/workspace dependencies are linked into node_modules/.bin and run by lifecycle scripts (docs.npmjs.com/cli/configuring-npm/package-json#local-paths)"})
		}
		if len(r.targets) == 0 && len(r.shadows) == 0 && pkg != nil && strings.HasPrefix(tr.what, "scripts.") && buildOnly(tr.cmd, pkg, 0, map[string]bool{}) {
			// prepare: "npm run build" with build: "tsc": an ordinary
			// build step, low (NPM-LIFECYCLE-SCRIPT is for scripts that
			// run something else).
			file := SafePath(tr.file)
			for i := range all {
				x := &all[i]
				if x.File == file && x.Line >= tr.from && x.Line <= tr.to && x.Rule == "NPM-LIFECYCLE-SCRIPT" {
					x.Severity = SeverityLow
					x.Explanation += " It runs only build tools (" + safeText(tr.cmd, 80) + ", followed through npm run), no file of the project as a program: an ordinary build step, low."
				}
			}
		}
		if len(r.targets) == 0 {
			continue
		}
		var names []string
		for _, tg := range r.targets {
			if tg.exists {
				names = append(names, tg.path)
			} else {
				names = append(names, tg.path+" (not in the project: it is downloaded or written while the command runs, so what runs cannot be read here)")
			}
		}
		note := " It runs " + strings.Join(names, ", ") + "."
		file := SafePath(tr.file)
		for i := range all {
			x := &all[i]
			if x.File == file && x.Line >= tr.from && x.Line <= tr.to && autorunQuiet(x.Rule) && !strings.Contains(x.Explanation, note) {
				x.Explanation += note
			}
		}
		for _, tg := range r.targets {
			if !tg.exists {
				continue
			}
			sus := t.suspects[SafePath(tg.path)]
			for i, s := range sus {
				if i >= maxAutorunPerTarget {
					break
				}
				sev := SeverityHigh
				if sevRank(s.Severity) >= sevRank(SeverityHigh) {
					sev = SeverityCritical
				}
				how := safeText(tr.cmd, 80)
				if tg.via != tr.cmd {
					how += " → " + safeText(tg.via, 80)
				}
				out = append(out, Finding{Rule: "AUTORUN-TARGET-SUSPICIOUS", Severity: sev, File: SafePath(tg.path), Line: s.Line, Snippet: s.Snippet,
					Explanation: "This file runs by itself on " + tr.when + " (" + SafePath(tr.file) + ", " + tr.what + ": " + how + ") and holds " + s.Rule + " (" + string(s.Severity) + ") here. Fake recruiters put their loader in the file an install script or an auto-run task starts, so that installing the dependencies or opening the folder is enough: nothing has to be started by hand. Do not install or open the project.",
					Source:      srcAutorun})
			}
		}
	}
	return out
}

// autorunResolver follows a command to the files it runs.
type autorunResolver struct {
	t       *autorunTree
	seen    map[string]bool
	targets []autorunTarget
	shadows []string // tools the command calls that are the project's own packages
}

// wellKnownTools are the commands of the lifecycle scripts
// NPM-LIFECYCLE-SCRIPT leaves to NPM-LIFECYCLE-SCRIPT-COMMON, and other
// build tools a reader trusts by name.
var wellKnownTools = map[string]bool{
	"husky": true, "prisma": true, "nuxt": true, "nuxi": true, "node-gyp": true, "node-gyp-build": true, "prebuild-install": true,
	"opencollective": true, "opencollective-postinstall": true, "electron-builder": true, "ngcc": true, "svelte-kit": true,
	"tsc": true, "patch-package": true, "lefthook": true, "simple-git-hooks": true, "is-ci": true, "tshy": true, "rimraf": true,
}

// localTool returns the file a command word runs when it names a
// package of the project rather than one from the registry: a file:,
// link:, portal: or workspace: dependency of pkg, or a package of the
// tree (outside node_modules) of that name. ok is false for a tool from
// the registry.
func (r *autorunResolver) localTool(pkg *npmPackage, word string) (string, bool) {
	if pkg == nil || word == "" || strings.ContainsAny(word, "/\\.") {
		return "", false
	}
	var q *npmPackage
	if spec, ok := pkg.local[word]; ok {
		rel := spec[strings.IndexByte(spec, ':')+1:]
		if strings.HasPrefix(spec, "workspace:") {
			rel = ""
		}
		if rel != "" {
			q = r.t.pkgs[strings.TrimPrefix(path.Join(pkg.dir, rel), "./")]
			if q == nil {
				return path.Join(pkg.dir, rel), true
			}
		}
	}
	if q == nil {
		for _, c := range r.t.pkgs {
			if c.name == word && c != pkg && !strings.Contains("/"+c.dir+"/", "/node_modules/") {
				q = c
				break
			}
		}
	}
	if q == nil {
		return "", false
	}
	bin := q.bins[word]
	if bin == "" {
		bin = q.bins[""]
	}
	if bin == "" && len(q.bins) == 1 {
		for _, b := range q.bins {
			bin = b
		}
	}
	if bin == "" {
		bin = q.main
	}
	if bin == "" {
		bin = "index.js"
	}
	return strings.TrimPrefix(path.Join(q.dir, bin), "/"), true
}

func (r *autorunResolver) add(dir, arg, via string, pkg *npmPackage) {
	arg = strings.Trim(arg, `"'`)
	for _, pre := range []string{"${workspaceFolder}/", "${workspaceRoot}/", "$PWD/", "${PWD}/"} {
		arg = strings.TrimPrefix(arg, pre)
	}
	if arg == "" || strings.HasPrefix(arg, "-") || strings.ContainsAny(arg, "$`*?") || strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, "~") {
		return
	}
	p := path.Join(dir, arg)
	if p == ".." || strings.HasPrefix(p, "../") {
		return
	}
	if p == "." {
		p = ""
	}
	cands := []string{p}
	if arg == "." || arg == "./" || strings.HasSuffix(arg, "/") || !r.t.paths[p] {
		main := "index.js"
		if q := r.t.pkgs[p]; q != nil && q.main != "" {
			main = q.main
		}
		for _, c := range []string{path.Join(p, main), p + ".js", p + ".cjs", p + ".mjs", p + ".ts", path.Join(p, "index.js")} {
			cands = append(cands, strings.TrimPrefix(c, "/"))
		}
	}
	for _, c := range cands {
		if r.t.paths[c] {
			r.push(autorunTarget{path: c, exists: true, via: via})
			return
		}
	}
	// Report a missing file only when the argument is clearly a path.
	if strings.Contains(arg, "/") || path.Ext(arg) != "" && len(path.Ext(arg)) <= 4 {
		r.push(autorunTarget{path: p, via: via})
	}
}

func (r *autorunResolver) push(tg autorunTarget) {
	for _, x := range r.targets {
		if x.path == tg.path {
			return
		}
	}
	if len(r.targets) < 8 {
		r.targets = append(r.targets, tg)
	}
}

// script follows `npm run name` with its pre and post scripts.
func (r *autorunResolver) script(pkg *npmPackage, name string, depth int) {
	for _, n := range []string{"pre" + name, name, "post" + name} {
		if r.seen[pkg.dir+"\x00"+n] {
			continue
		}
		r.seen[pkg.dir+"\x00"+n] = true
		if sc, ok := pkg.scripts[n]; ok {
			r.command(sc.cmd, pkg.dir, pkg, depth+1)
		}
	}
}

// command follows one shell command line.
func (r *autorunResolver) command(cmd, dir string, pkg *npmPackage, depth int) {
	if depth > maxAutorunDepth || len(cmd) > 4096 {
		return
	}
	for _, simple := range splitShell(cmd) {
		w := shellWords(simple)
		// Environment assignments and wrappers.
		for len(w) > 0 {
			a := w[0]
			if i := strings.IndexByte(a, '='); i > 0 && !strings.ContainsAny(a[:i], "/.") {
				w = w[1:]
				continue
			}
			switch base(a) {
			case "cross-env", "env", "nohup", "exec", "time", "sudo", "npx", "dotenv", "--":
				w = w[1:]
				for len(w) > 0 && strings.HasPrefix(w[0], "-") {
					w = w[1:]
				}
				continue
			}
			break
		}
		if len(w) == 0 {
			continue
		}
		prog := base(w[0])
		args := w[1:]
		if p, ok := r.localTool(pkg, w[0]); ok {
			if wellKnownTools[w[0]] && !slices.Contains(r.shadows, w[0]) {
				r.shadows = append(r.shadows, w[0])
			}
			r.add("", p, simple, pkg)
			continue
		}
		switch prog {
		case "node", "nodejs", "tsx", "ts-node", "babel-node", "esno", "esr", "nodemon", "electron", "deno", "bun":
			if prog == "deno" && len(args) > 0 && args[0] == "run" {
				args = args[1:]
			}
			if prog == "bun" && len(args) > 0 && args[0] == "run" {
				args = args[1:]
				if len(args) > 0 && pkg != nil {
					if _, ok := pkg.scripts[args[0]]; ok {
						r.script(pkg, args[0], depth)
						continue
					}
				}
			}
			for i := 0; i < len(args); i++ {
				a := args[i]
				switch {
				case a == "-e" || a == "--eval" || a == "-p" || a == "--print":
					i = len(args)
				case a == "-r" || a == "--require" || a == "--import" || a == "--loader" || a == "--experimental-loader":
					if i+1 < len(args) {
						if strings.HasPrefix(args[i+1], ".") {
							r.add(dir, args[i+1], simple, pkg)
						}
						i++
					}
				case strings.HasPrefix(a, "--require=") || strings.HasPrefix(a, "--import="):
					if v := a[strings.IndexByte(a, '=')+1:]; strings.HasPrefix(v, ".") {
						r.add(dir, v, simple, pkg)
					}
				case strings.HasPrefix(a, "-"):
				default:
					r.add(dir, a, simple, pkg)
					i = len(args)
				}
			}
		case "sh", "bash", "zsh", "dash", "source", ".", "python", "python3", "py", "ruby", "perl":
			for i := 0; i < len(args); i++ {
				a := args[i]
				if a == "-c" {
					if i+1 < len(args) && (prog == "sh" || prog == "bash" || prog == "zsh" || prog == "dash") {
						r.command(args[i+1], dir, pkg, depth+1)
					}
					break
				}
				if a == "-m" {
					break
				}
				if strings.HasPrefix(a, "-") {
					continue
				}
				r.add(dir, a, simple, pkg)
				break
			}
		case "powershell", "powershell.exe", "pwsh":
			for i := 0; i+1 < len(args); i++ {
				if strings.EqualFold(args[i], "-File") || strings.EqualFold(args[i], "-f") {
					r.add(dir, args[i+1], simple, pkg)
					break
				}
			}
		case "npm", "yarn", "pnpm":
			if pkg == nil || len(args) == 0 {
				continue
			}
			sub := args[0]
			switch {
			case sub == "run" || sub == "run-script" || sub == "rum" || sub == "urn":
				if len(args) > 1 {
					r.script(pkg, args[1], depth)
				}
			case sub == "start" || sub == "test" || sub == "restart" || sub == "stop":
				r.script(pkg, sub, depth)
			case prog != "npm":
				if _, ok := pkg.scripts[sub]; ok {
					r.script(pkg, sub, depth)
				}
			}
		default:
			a := w[0]
			if strings.HasPrefix(a, "./") || strings.HasPrefix(a, "../") || strings.Contains(a, "/") && path.Ext(a) != "" ||
				strings.HasSuffix(a, ".sh") || strings.HasSuffix(a, ".js") || strings.HasSuffix(a, ".bat") || strings.HasSuffix(a, ".cmd") || strings.HasSuffix(a, ".ps1") {
				if !strings.HasPrefix(a, "node_modules/") && !strings.HasPrefix(a, "./node_modules/") {
					r.add(dir, a, simple, pkg)
				}
			}
		}
	}
}

// splitShell splits a command line into simple commands at &&, ||, ;, |,
// & and new lines outside quotes.
func splitShell(s string) []string {
	var out []string
	var q byte
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0:
			if c == q {
				q = 0
			} else if c == '\\' && q == '"' {
				i++
			}
		case c == '"' || c == '\'':
			q = c
		case c == ';' || c == '|' || c == '&' || c == '\n':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	out = append(out, s[start:])
	kept := out[:0]
	for _, x := range out {
		if x = strings.TrimSpace(x); x != "" {
			kept = append(kept, x)
		}
	}
	return kept
}

// shellWords splits a simple command into words, removing quotes.
func shellWords(s string) []string {
	var out []string
	var b strings.Builder
	var q byte
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0:
			if c == q {
				q = 0
			} else if c == '\\' && q == '"' && i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			} else {
				b.WriteByte(c)
			}
		case c == '"' || c == '\'':
			q, in = c, true
		case c == ' ' || c == '\t':
			if in {
				out = append(out, b.String())
				b.Reset()
				in = false
			}
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
			in = true
		default:
			b.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, b.String())
	}
	return out
}
