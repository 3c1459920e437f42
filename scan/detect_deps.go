package scan

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
)

// Dependency is one package a manifest or lockfile names.
type Dependency struct {
	// Ecosystem is "npm" or "pypi".
	Ecosystem string
	Name      string
	// Spec is the version range, version or source (a git or tarball
	// URL) as written.
	Spec string
	// Line is where the dependency is named, 0 when unknown.
	Line int
}

// ParseDependencies returns the dependencies a manifest or lockfile at
// path names: package.json (every kind of dependency), package-lock.json
// and npm-shrinkwrap.json (v1, v2, v3), yarn.lock (v1 and berry),
// pnpm-lock.yaml, requirements*.txt and pyproject.toml (PEP 621 and
// Poetry). Other paths, and unparsable files, give none.
func ParseDependencies(p string, data []byte) []Dependency {
	return withAliases(parseDependencies(p, data))
}

// withAliases adds, for each npm alias ("key": "npm:real-name@range"),
// the package it really installs, so that the malicious and typosquat
// checks see the real name and not only the harmless-looking key.
func withAliases(deps []Dependency) []Dependency {
	for _, d := range deps {
		if d.Ecosystem != "npm" || !strings.HasPrefix(d.Spec, "npm:") {
			continue
		}
		name, rng := aliasTarget(d.Spec[len("npm:"):])
		if name != "" && name != d.Name {
			deps = append(deps, Dependency{Ecosystem: "npm", Name: name, Spec: rng, Line: d.Line})
		}
	}
	return deps
}

// aliasTarget splits "name@range" or "@scope/name@range" (an npm alias's
// target) into the name and the range.
func aliasTarget(s string) (string, string) {
	i := strings.LastIndexByte(s, '@')
	if i <= 0 {
		return strings.TrimSpace(s), ""
	}
	return strings.TrimSpace(s[:i]), s[i+1:]
}

func parseDependencies(p string, data []byte) []Dependency {
	b := base(p)
	switch {
	case b == "package.json":
		return parsePackageJSON(data)
	case b == "package-lock.json" || b == "npm-shrinkwrap.json":
		return parsePackageLock(data)
	case b == "yarn.lock":
		return parseYarnLock(data)
	case b == "pnpm-lock.yaml":
		return parsePnpmLock(data)
	case strings.HasPrefix(b, "requirements") && strings.HasSuffix(b, ".txt"):
		return parseRequirements(data)
	case b == "pyproject.toml":
		return parsePyproject(data)
	}
	return nil
}

// keyLines maps each JSON object key (a quoted string followed by a
// colon) to the line it first appears on, in one pass.
func keyLines(data []byte) map[string]int {
	m := map[string]int{}
	line := 1
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\n':
			line++
		case '"':
			j := i + 1
			for j < len(data) && data[j] != '"' && data[j] != '\n' {
				if data[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(data) || data[j] != '"' {
				i = j - 1
				continue
			}
			k := j + 1
			for k < len(data) && (data[k] == ' ' || data[k] == '\t') {
				k++
			}
			if k < len(data) && data[k] == ':' {
				key := string(data[i+1 : j])
				if _, ok := m[key]; !ok {
					m[key] = line
				}
			}
			i = j
		}
	}
	return m
}

func parsePackageJSON(data []byte) []Dependency {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return nil
	}
	var out []Dependency
	lines := keyLines(data)
	for _, kind := range []string{"dependencies", "devDependencies", "peerDependencies", "optionalDependencies", "overrides", "resolutions"} {
		var deps map[string]any
		if json.Unmarshal(m[kind], &deps) != nil {
			continue
		}
		names := make([]string, 0, len(deps))
		for n := range deps {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			spec, _ := deps[n].(string)
			out = append(out, Dependency{Ecosystem: "npm", Name: n, Spec: spec, Line: lines[n]})
		}
	}
	for _, kind := range []string{"bundleDependencies", "bundledDependencies"} {
		var names []string
		if json.Unmarshal(m[kind], &names) == nil {
			for _, n := range names {
				out = append(out, Dependency{Ecosystem: "npm", Name: n, Line: lineAt(data, bytes.Index(data, []byte(`"`+n+`"`)))})
			}
		}
	}
	return out
}

type lockEntry struct {
	Version  string `json:"version"`
	Resolved string `json:"resolved"`
	Name     string `json:"name"`
}

func parsePackageLock(data []byte) []Dependency {
	var lock struct {
		Packages     map[string]json.RawMessage `json:"packages"`
		Dependencies map[string]json.RawMessage `json:"dependencies"`
	}
	if json.Unmarshal(data, &lock) != nil {
		return nil
	}
	var out []Dependency
	lines := keyLines(data)
	seen := map[string]bool{}
	addDep := func(name, version, resolved, key string) {
		spec := version
		if resolved != "" {
			spec = resolved
		}
		k := name + "\x00" + spec
		if name == "" || seen[k] {
			return
		}
		seen[k] = true
		out = append(out, Dependency{Ecosystem: "npm", Name: name, Spec: spec, Line: lines[key]})
	}
	if len(lock.Packages) > 0 {
		keys := make([]string, 0, len(lock.Packages))
		for k := range lock.Packages {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			i := strings.LastIndex(k, "node_modules/")
			if i < 0 {
				continue
			}
			var e lockEntry
			if json.Unmarshal(lock.Packages[k], &e) != nil {
				continue
			}
			name := k[i+len("node_modules/"):]
			if e.Name != "" && e.Name != name {
				addDep(e.Name, e.Version, e.Resolved, k) // an alias: the real package
			}
			addDep(name, e.Version, e.Resolved, k)
		}
		return out
	}
	// v1: nested dependencies, depth bounded by the JSON decoder.
	var walk func(map[string]json.RawMessage, int)
	walk = func(deps map[string]json.RawMessage, depth int) {
		names := make([]string, 0, len(deps))
		for n := range deps {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			var e struct {
				Version      string                     `json:"version"`
				Resolved     string                     `json:"resolved"`
				Dependencies map[string]json.RawMessage `json:"dependencies"`
			}
			if json.Unmarshal(deps[n], &e) != nil {
				continue
			}
			addDep(n, e.Version, e.Resolved, n)
			if depth < 64 {
				walk(e.Dependencies, depth+1)
			}
		}
	}
	walk(lock.Dependencies, 0)
	return out
}

// npmNameFromSpec splits "name@range" (name may be scoped) and returns
// the name.
func npmNameFromSpec(s string) string {
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), `"'`))
	if i := strings.LastIndexByte(s, '@'); i > 0 {
		return s[:i]
	}
	return s
}

func parseYarnLock(data []byte) []Dependency {
	var out []Dependency
	line := 0
	cur := -1
	for _, l := range bytes.Split(data, []byte{'\n'}) {
		line++
		s := string(bytes.TrimRight(l, "\r"))
		if s == "" || s[0] == '#' {
			continue
		}
		if s[0] != ' ' && strings.HasSuffix(s, ":") {
			if strings.HasPrefix(s, "__metadata") {
				cur = -1
				continue
			}
			first := strings.Split(strings.TrimSuffix(s, ":"), ",")[0]
			name := npmNameFromSpec(first)
			spec := ""
			if i := strings.Index(strings.Trim(first, `" `), "@npm:"); i > 0 {
				spec = strings.Trim(first, `" `)[i+1:]
			}
			if name == "" {
				cur = -1
				continue
			}
			out = append(out, Dependency{Ecosystem: "npm", Name: name, Spec: spec, Line: line})
			cur = len(out) - 1
			continue
		}
		t := strings.TrimSpace(s)
		if cur >= 0 && (strings.HasPrefix(t, "resolved ") || strings.HasPrefix(t, "resolution: ")) {
			v := strings.Trim(strings.TrimSpace(t[strings.IndexByte(t, ' '):]), `"`)
			if strings.HasPrefix(t, "resolution: ") {
				// berry: name@npm:1.2.3, name@https://…, name@git+…
				if i := strings.Index(v[1:], "@"); i >= 0 {
					v = v[i+2:]
				}
			}
			out[cur].Spec = v
		}
	}
	return out
}

func parsePnpmLock(data []byte) []Dependency {
	var out []Dependency
	line := 0
	section := ""
	cur := -1
	for _, l := range bytes.Split(data, []byte{'\n'}) {
		line++
		s := string(bytes.TrimRight(l, "\r"))
		if s == "" || strings.HasPrefix(strings.TrimSpace(s), "#") {
			continue
		}
		if s[0] != ' ' {
			section = strings.TrimSuffix(s, ":")
			cur = -1
			continue
		}
		if section != "packages" && section != "snapshots" {
			continue
		}
		if strings.HasPrefix(s, "  ") && !strings.HasPrefix(s, "   ") && strings.HasSuffix(s, ":") {
			key := strings.Trim(strings.TrimSuffix(strings.TrimSpace(s), ":"), `'"`)
			key = strings.TrimPrefix(key, "/")
			if i := strings.IndexByte(key, '('); i > 0 {
				key = key[:i] // peer suffix
			}
			name := key
			if i := strings.LastIndexByte(key, '@'); i > 0 {
				name = key[:i]
			} else if parts := strings.Split(key, "/"); len(parts) >= 2 {
				// v5: /name/1.2.3 or /@scope/name/1.2.3
				name = strings.Join(parts[:len(parts)-1], "/")
			}
			out = append(out, Dependency{Ecosystem: "npm", Name: name, Line: line})
			cur = len(out) - 1
			continue
		}
		t := strings.TrimSpace(s)
		if cur >= 0 && strings.HasPrefix(t, "resolution:") {
			for _, k := range []string{"tarball:", "repo:"} {
				if i := strings.Index(t, k); i >= 0 {
					v := strings.TrimSpace(t[i+len(k):])
					v = strings.Trim(strings.SplitN(v, ",", 2)[0], ` }'"`)
					out[cur].Spec = v
				}
			}
		}
	}
	return out
}

// pyName normalises a Python requirement's name (PEP 503).
func pyName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	end := len(s)
	for i, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			end = i
			break
		}
	}
	s = s[:end]
	return pySeparators.Replace(s)
}

// pySeparators is read-only after initialisation.
var pySeparators = strings.NewReplacer("_", "-", ".", "-")

// pyRequirement parses one PEP 508 requirement ("name[extra]>=1; marker",
// "name @ https://…").
func pyRequirement(s string, line int) (Dependency, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Dependency{}, false
	}
	d := Dependency{Ecosystem: "pypi", Line: line}
	if strings.Contains(s, "://") && !strings.Contains(s, " @ ") && !strings.Contains(s, "@ ") {
		// a bare URL or VCS requirement: the name is in #egg=
		d.Spec = s
		if i := strings.Index(s, "#egg="); i >= 0 {
			d.Name = pyName(s[i+5:])
		} else {
			d.Name = s
		}
		return d, true
	}
	name := pyName(s)
	if name == "" {
		return Dependency{}, false
	}
	d.Name = name
	if i := strings.Index(s, "@"); i > 0 {
		d.Spec = strings.TrimSpace(strings.SplitN(s[i+1:], ";", 2)[0])
	} else {
		d.Spec = strings.TrimSpace(strings.SplitN(s[len(name):], ";", 2)[0])
	}
	return d, true
}

func parseRequirements(data []byte) []Dependency {
	var out []Dependency
	line := 0
	for _, l := range bytes.Split(data, []byte{'\n'}) {
		line++
		s := strings.TrimSpace(string(l))
		if i := strings.Index(s, " #"); i >= 0 {
			s = strings.TrimSpace(s[:i])
		}
		if s == "" || s[0] == '#' {
			continue
		}
		if strings.HasPrefix(s, "-e ") || strings.HasPrefix(s, "--editable") {
			s = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(s, "--editable"), "-e "))
			s = strings.TrimPrefix(s, "=")
		} else if s[0] == '-' {
			continue // -r, -c, --index-url …
		}
		if d, ok := pyRequirement(s, line); ok {
			out = append(out, d)
		}
	}
	return out
}

func parsePyproject(data []byte) []Dependency {
	var out []Dependency
	section := ""
	inArray := false
	line := 0
	for _, l := range bytes.Split(data, []byte{'\n'}) {
		line++
		s := strings.TrimSpace(string(l))
		if i := strings.Index(s, " #"); i >= 0 && !strings.Contains(s[:i], `"`) {
			s = strings.TrimSpace(s[:i])
		}
		if s == "" || s[0] == '#' {
			continue
		}
		if !inArray && strings.HasPrefix(s, "[") && !strings.HasPrefix(s, "[[") || strings.HasPrefix(s, "[[") {
			section = strings.Trim(s, "[] ")
			inArray = false
			continue
		}
		poetry := strings.HasPrefix(section, "tool.poetry.") && strings.HasSuffix(section, "dependencies")
		pep621 := section == "project" || section == "project.optional-dependencies" || section == "dependency-groups"
		if inArray || pep621 && strings.Contains(s, "= [") || pep621 && strings.Contains(s, "=[") {
			if !inArray {
				key := strings.TrimSpace(s[:strings.IndexByte(s, '=')])
				if section == "project" && key != "dependencies" {
					continue
				}
				s = s[strings.IndexByte(s, '[')+1:]
				inArray = true
			}
			if i := strings.IndexByte(s, ']'); i >= 0 && !strings.Contains(s[:i], `"`) || strings.HasSuffix(s, "]") {
				inArray = false
			}
			for _, q := range quoted(s) {
				if d, ok := pyRequirement(q, line); ok {
					out = append(out, d)
				}
			}
			continue
		}
		if poetry {
			i := strings.IndexByte(s, '=')
			if i <= 0 {
				continue
			}
			name := pyName(strings.Trim(strings.TrimSpace(s[:i]), `"'`))
			if name == "" || name == "python" {
				continue
			}
			d := Dependency{Ecosystem: "pypi", Name: name, Spec: strings.TrimSpace(s[i+1:]), Line: line}
			for _, k := range []string{"git", "url", "path"} {
				if j := strings.Index(s, k+" = \""); j >= 0 {
					d.Spec = strings.SplitN(s[j+len(k)+4:], `"`, 2)[0]
				}
			}
			out = append(out, d)
		}
	}
	return out
}

// quoted returns the double- or single-quoted strings in s.
func quoted(s string) []string {
	var out []string
	for {
		i := strings.IndexAny(s, `"'`)
		if i < 0 {
			return out
		}
		q := s[i]
		j := strings.IndexByte(s[i+1:], q)
		if j < 0 {
			return out
		}
		out = append(out, s[i+1:i+1+j])
		s = s[i+2+j:]
	}
}

// sourceURL classifies a dependency's spec: a git or tarball source, and
// whether its host is a raw IP address.
func sourceURL(spec string) (kind string, rawIP bool) {
	s := strings.TrimSpace(spec)
	ls := strings.ToLower(s)
	switch {
	case strings.HasPrefix(ls, "git+") || strings.HasPrefix(ls, "git://") || strings.HasPrefix(ls, "git@") ||
		strings.HasPrefix(ls, "github:") || strings.HasPrefix(ls, "gitlab:") || strings.HasPrefix(ls, "bitbucket:") ||
		strings.HasPrefix(ls, "gist:"):
		kind = "a git repository"
	case strings.HasPrefix(ls, "http://") || strings.HasPrefix(ls, "https://"):
		kind = "a URL"
	case strings.HasPrefix(ls, "file:") || strings.HasPrefix(ls, "link:") || strings.HasPrefix(ls, "workspace:") ||
		strings.HasPrefix(ls, "npm:") || strings.HasPrefix(ls, "portal:") || strings.HasPrefix(ls, "patch:"):
		return "", false
	default:
		// user/repo shorthand (GitHub)
		if i := strings.IndexByte(s, '/'); i > 0 && !strings.HasPrefix(s, "@") && !strings.ContainsAny(s[:i], " <>=^~*") && !strings.Contains(s, " ") {
			return "a GitHub repository", false
		}
		return "", false
	}
	u := s
	for _, p := range []string{"git+", "github:", "gitlab:", "bitbucket:"} {
		u = strings.TrimPrefix(u, p)
	}
	if pu, err := url.Parse(u); err == nil {
		h := pu.Hostname()
		if h != "" && validIPv4([]byte(h)) {
			return kind, true
		}
		if kind == "a URL" && registryHost(h) {
			return "", false
		}
	}
	return kind, false
}

// registryHost says whether h is a package registry (a lockfile's
// resolved URL normally points there).
func registryHost(h string) bool {
	switch h {
	case "registry.npmjs.org", "registry.yarnpkg.com", "registry.npmmirror.com", "registry.npm.taobao.org",
		"npm.pkg.github.com", "pypi.org", "files.pythonhosted.org":
		return true
	}
	return false
}

// WholeFile says that the detector needs a manifest or lockfile longer
// than the walk's window whole: a package-lock.json is one JSON document
// (a big project's is 5 to 20 MB), and a cut one parses to nothing. The
// scanner gathers such a file's windows, up to DefaultMaxStreamBytes,
// and calls Detect once with all of it.
func (d *DependencyDetector) WholeFile(p string) bool { return d.Applies(p) }
