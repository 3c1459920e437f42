package scan

import (
	"bytes"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Git config includes ([include] path = …, [includeIf "…"] path = …):
// git reads the named file as part of the config, a relative path from
// the directory of the including file. A committed .git/config can so
// move core.fsmonitor or core.sshCommand into a file of the working
// tree, where GIT-CONFIG-EXEC on .git/config alone does not see it. The
// autorun tree (it relates files to one another) follows the include to
// the file in the tree, never outside it, and reports there what
// GIT-CONFIG-EXEC reports in a config; an include it cannot follow is a
// finding of its own (GIT-CONFIG-INCLUDE).

const (
	maxGitCandidates   = 2000      // files remembered as possibly included
	maxGitCandidateLen = 256 << 10 // bytes of a file read as a possible config
	maxGitIncludeDepth = 5
)

// gitConfigLike reports whether data has a line git reads as a section
// header: "[name]" or `[name "subsection"]` (a name of letters, digits,
// '-' and '.'), followed by nothing, a comment or a "key = value" on the
// same line. Source code (array literals and destructuring, Markdown
// link references) has none, so only files that could be a config are
// parsed, and they alone count towards maxGitCandidates.
func gitConfigLike(data []byte) bool {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if gitSectionHeader(line) {
			return true
		}
	}
	return false
}

// gitSectionHeader reports whether line is a section header (see
// gitConfigLike).
func gitSectionHeader(line []byte) bool {
	l := bytes.TrimLeft(line, " \t")
	if len(l) < 3 || l[0] != '[' || !isASCIILetter(l[1]) {
		return false
	}
	i := 2
	for i < len(l) && (isASCIILetter(l[i]) || l[i] >= '0' && l[i] <= '9' || l[i] == '-' || l[i] == '.') {
		i++
	}
	if i < len(l) && (l[i] == ' ' || l[i] == '\t') {
		for i < len(l) && (l[i] == ' ' || l[i] == '\t') {
			i++
		}
		if i >= len(l) || l[i] != '"' {
			return false
		}
		for i++; i < len(l) && l[i] != '"'; i++ {
			if l[i] == '\\' {
				i++
			}
		}
		i++ // the closing quote
	}
	if i >= len(l) || l[i] != ']' {
		return false
	}
	rest := bytes.TrimSpace(l[i+1:])
	if len(rest) == 0 || rest[0] == '#' || rest[0] == ';' {
		return true
	}
	if !isASCIILetter(rest[0]) {
		return false
	}
	j := 1
	for j < len(rest) && (isASCIILetter(rest[j]) || rest[j] >= '0' && rest[j] <= '9' || rest[j] == '-') {
		j++
	}
	rest = bytes.TrimLeft(rest[j:], " \t")
	return len(rest) == 0 || rest[0] == '=' || rest[0] == '#' || rest[0] == ';'
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// gitInclude is one include of a config file.
type gitInclude struct {
	line int
	path string // as written
}

// gitFile is what the tree keeps of a file that may be a git config.
type gitFile struct {
	exec     []Finding // GIT-CONFIG-EXEC findings it would give as a config
	includes []gitInclude
}

// gitConfigIncludes returns the include.path and includeIf.*.path
// values of a config file.
func gitConfigIncludes(data []byte) []gitInclude {
	var out []gitInclude
	section := ""
	line := 0
	for _, raw := range bytes.Split(data, []byte{'\n'}) {
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
			if i := strings.IndexAny(sec, " \t\"."); i >= 0 {
				sec = sec[:i]
			}
			section = strings.ToLower(sec)
			l = strings.TrimSpace(l[end+1:])
			if l == "" {
				continue
			}
		}
		if section != "include" && section != "includeif" {
			continue
		}
		key, val, ok := strings.Cut(l, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(key), "path") {
			continue
		}
		if val = strings.Trim(strings.TrimSpace(val), `"`); val != "" && len(out) < 20 {
			out = append(out, gitInclude{line: line, path: val})
		}
	}
	return out
}

// gitFileOf reads f as a possible git config: nil when it holds neither
// a command setting nor an include.
func gitFileOf(f *File) *gitFile {
	if !isGitConfig(f.Path) && (len(f.Data) > maxGitCandidateLen || !gitConfigLike(f.Data)) {
		return nil
	}
	g := &gitFile{includes: gitConfigIncludes(f.Data)}
	if !isGitConfig(f.Path) {
		g.exec = gitConfigExec(f)
	}
	if len(g.exec) == 0 && len(g.includes) == 0 {
		return nil
	}
	return g
}

// gitIncludeTarget resolves an include of the config at cfg: the path in
// the tree, or ok false when it leaves the tree (absolute, ~, a drive,
// .. past the root).
func gitIncludeTarget(cfg, p string) (string, bool) {
	p = strings.ReplaceAll(p, `\`, "/")
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, "~") || len(p) > 1 && p[1] == ':' || strings.Contains(p, "$") {
		return "", false
	}
	q := path.Join(path.Dir(cfg), p)
	if q == ".." || strings.HasPrefix(q, "../") || strings.Contains(q, "/../") {
		return "", false
	}
	if i := strings.LastIndex(cfg, "!/"); i >= 0 && !strings.HasPrefix(q, cfg[:i+2]) {
		return "", false // out of the archive it is in
	}
	return q, true
}

// gitIncludeFindings follows the includes of every git config of the
// tree.
func (t *autorunTree) gitIncludeFindings() []Finding {
	var out []Finding
	done := map[string]bool{}
	type item struct {
		cfg   string // the including file
		root  string // the .git/config the chain starts at
		depth int
	}
	var queue []item
	for p := range t.git {
		if isGitConfig(p) {
			queue = append(queue, item{p, p, 0})
		}
	}
	slices.SortFunc(queue, func(a, b item) int { return strings.Compare(a.cfg, b.cfg) })
	for len(queue) > 0 && len(out) < 100 {
		it := queue[0]
		queue = queue[1:]
		g := t.git[it.cfg]
		if g == nil {
			continue
		}
		for _, inc := range g.includes {
			target, in := gitIncludeTarget(it.cfg, inc.path)
			f := Finding{Rule: "GIT-CONFIG-INCLUDE", File: SafePath(it.cfg), Line: inc.line, Snippet: safeText("path = "+inc.path, maxSnippet), Source: srcGitConfigExec + "; git-config(1) Includes: a relative include path is read from the directory of the including file"}
			switch {
			case !in:
				f.Severity = SeverityHigh
				f.Explanation = "This git config (" + SafePath(it.root) + ") includes a file outside the project (" + safeText(inc.path, 80) + "): git reads settings from a place the scan cannot see, on your machine or wherever the path leads, and any command setting there (core.fsmonitor, core.sshCommand, an alias) runs on git status or checkout. A repository has no reason to ship such an include. Delete .git/config (or the whole .git) before using git in the folder."
			case !t.paths[target]:
				f.Severity = SeverityMedium
				f.Explanation = "This git config (" + SafePath(it.root) + ") includes " + SafePath(target) + ", which is not in the project: git would read it once something writes it. A repository has no reason to ship such an include; delete .git/config before using git in the folder."
			default:
				g2 := t.git[target]
				f.Severity = SeverityMedium
				what := "It holds no command setting."
				if g2 != nil {
					for _, x := range g2.exec {
						if sevRank(x.Severity) > sevRank(f.Severity) {
							f.Severity = x.Severity
						}
					}
					if len(g2.exec) > 0 {
						what = "It makes git run a command (reported as GIT-CONFIG-EXEC in that file)."
					}
				}
				f.Explanation = "This git config (" + SafePath(it.root) + ") pulls settings from " + SafePath(target) + ", a file of the working tree: whatever is set there applies to every git command in the folder, including the git status an editor runs on opening it. " + what + " A repository has no reason to ship such an include; delete .git/config (or the whole .git) before opening the folder or running git in it."
				if g2 != nil && !done[target] && it.depth < maxGitIncludeDepth {
					done[target] = true
					for _, x := range g2.exec {
						x.Explanation = "This file is included by the git config " + SafePath(it.root) + " (" + SafePath(it.cfg) + " line " + strconv.Itoa(inc.line) + "), so git reads it as its own config. " + x.Explanation
						out = append(out, x)
					}
					queue = append(queue, item{target, it.root, it.depth + 1})
				}
			}
			out = append(out, f)
		}
	}
	return out
}
