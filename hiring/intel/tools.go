package intel

import (
	"slices"
	"strings"
	"unicode"

	"github.com/bulwark-sec/bulwark/hiring"
)

// Kinds of tool matches.
const (
	KindRemoteAccess = "remote-access"
	KindIPKVM        = "ip-kvm"
	// KindVPNClient is VPN client software (Astrill VPN) on an endpoint.
	KindVPNClient = "vpn-client"
)

// Confidences of a tool match.
const (
	ConfidenceHigh   = "high"
	ConfidenceMedium = "medium"
	ConfidenceLow    = "low"
)

// tool is one product the catalogue recognises.
type tool struct {
	product    string
	aliases    []string // other names, folded, for the allow-list
	kind       string
	confidence string
	source     string
}

func (t *tool) match(signal string) hiring.ToolMatch {
	return hiring.ToolMatch{Kind: t.kind, Product: t.product, Signal: signal, Source: t.source, Confidence: t.confidence}
}

// pathRule is one path or file-name pattern of a tool, folded.
type pathRule struct {
	pattern string
	tool    *tool
	// under, when not empty, is pattern + `\*`: the pattern names a file
	// or folder with no trailing star, and also matches every path under
	// it, which is what under matches.
	under string
	// needle is the pattern's longest literal run (see needle).
	needle string
}

func newRule(pattern string, t *tool, under bool) pathRule {
	r := pathRule{pattern: pattern, tool: t, needle: needle(pattern)}
	if under {
		r.under = pattern + `\*`
	}
	return r
}

// matches reports whether p matches the rule: at most one needle search
// and two runs of the matcher, whatever p holds. calls, when not nil,
// counts those scans of p.
func (r *pathRule) matches(p string, calls *int) bool {
	count(calls)
	if !strings.Contains(p, r.needle) {
		return false
	}
	count(calls)
	if globMatch(r.pattern, p) {
		return true
	}
	// p = <something matching pattern> + `\` + rest: one run of the
	// matcher, not one per separator of p.
	return r.under != "" && count(calls) && globMatch(r.under, p)
}

// count adds one to *n when n is not nil; it returns true.
func count(n *int) bool {
	if n != nil {
		*n++
	}
	return true
}

// genericSegments are path elements too common to index a pattern by.
var genericSegments = map[string]bool{
	"": true, "*": true, "c:": true, "program files": true, "program files (x86)": true,
	"programdata": true, "users": true, "appdata": true, "local": true, "roaming": true,
	"windows": true, "system32": true, "syswow64": true, "temp": true, "tmp": true, "opt": true,
	"applications": true, "library": true, "etc": true, "systemd": true, "system": true,
	"usr": true, "bin": true, "sbin": true, "share": true, "var": true, "lib": true, "home": true,
	"contents": true, "macos": true, "resources": true, "launchagents": true, "launchdaemons": true,
	"application support": true, "default": true, "user data": true, "extensions": true,
}

// catalogue indexes software patterns for lookup without scanning every
// rule: exact file names in a map, path patterns by their most distinctive
// literal path element, and the few patterns with no such element in a
// short list tried in order.
type catalogue struct {
	files    map[string]*tool      // exact file or process name, folded
	names    map[string]*tool      // display names (installed-programs lists), folded
	segments map[string][]pathRule // path patterns by a literal element
	nameGlob map[string][]pathRule // file-name patterns by their first 3 bytes
	slow     []pathRule            // patterns with no literal element or prefix
	// squashed are the display names squashed (squash: "Any Desk" and
	// "any-desk" are AnyDesk), of minSquashed bytes or more.
	squashed map[string]*tool
	// publishers are the tools' publishers (code signers), squashed.
	publishers []publisher
}

// publisher is a tool's publisher, squashed: a software's publisher
// equal to key or starting with it is the tool's.
type publisher struct {
	key  string
	tool *tool
}

// minSquashed is the shortest squashed display name looked up: shorter
// ones ("vnc") would match words of other programs' names.
const minSquashed = 5

// squash is s folded, with only its letters and digits: how names that
// differ in spaces, hyphens, dots or case compare.
func squash(s string) string {
	s = fold(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// addPublisher indexes a publisher of t.
func (c *catalogue) addPublisher(name string, t *tool) {
	if k := squash(name); k != "" {
		c.publishers = append(c.publishers, publisher{k, t})
	}
}

func newCatalogue() *catalogue {
	return &catalogue{
		files: map[string]*tool{}, names: map[string]*tool{}, squashed: map[string]*tool{},
		segments: map[string][]pathRule{}, nameGlob: map[string][]pathRule{},
	}
}

// addName indexes a display name.
func (c *catalogue) addName(name string, t *tool) {
	k := fold(strings.TrimSpace(name))
	if k == "" {
		return
	}
	if _, ok := c.names[k]; !ok {
		c.names[k] = t
	}
	if sq := squash(k); len(sq) >= minSquashed {
		if _, ok := c.squashed[sq]; !ok {
			c.squashed[sq] = t
		}
	}
}

// addPattern indexes a file name, process name or path pattern. The first
// tool to claim an exact file name keeps it, so the built-in table's
// product names win over a catalogue's.
func (c *catalogue) addPattern(pat string, t *tool) {
	p := fold(strings.TrimSpace(pat))
	for strings.Contains(p, "**") {
		p = strings.ReplaceAll(p, "**", "*")
	}
	if p == "" || strings.Trim(p, `*\`) == "" {
		return
	}
	if !strings.Contains(p, `\`) {
		if !strings.Contains(p, "*") {
			if _, ok := c.files[p]; !ok {
				c.files[p] = t
			}
			return
		}
		r := newRule(p, t, false)
		if i := strings.IndexByte(p, '*'); i >= 3 {
			c.nameGlob[p[:3]] = append(c.nameGlob[p[:3]], r)
		} else {
			c.slow = append(c.slow, r)
		}
		return
	}
	under := false
	if strings.HasSuffix(p, `\`) {
		p += "*"
	} else if !strings.HasSuffix(p, "*") {
		under = true
	}
	r := newRule(p, t, under)
	best := ""
	for _, seg := range strings.Split(p, `\`) {
		if strings.Contains(seg, "*") || genericSegments[seg] {
			continue
		}
		if len(seg) > len(best) {
			best = seg
		}
	}
	if best == "" {
		c.slow = append(c.slow, r)
		return
	}
	c.segments[best] = append(c.segments[best], r)
}

// find calls yield with each tool the software matches, best signal first,
// until yield returns false.
func (c *catalogue) find(s hiring.Software, yield func(*tool, string) bool) {
	c.lookup(s, nil, yield)
}

// lookup is find; calls, when not nil, counts the runs of the pattern
// matcher, so that a test can tell one lookup does a bounded number.
func (c *catalogue) lookup(s hiring.Software, calls *int, yield func(*tool, string) bool) {
	path := fold(s.Path)
	name := fold(strings.TrimSpace(s.Name))
	base := baseName(path)
	if base != "" {
		if t := c.files[base]; t != nil && !yield(t, "file "+base) {
			return
		}
	}
	if name != "" && name != base {
		if t := c.files[name]; t != nil && !yield(t, "process "+name) {
			return
		}
		if t := c.files[name+".exe"]; t != nil && !yield(t, "process "+name) {
			return
		}
		// A display name, or its leading words ("TeamViewer 15 Host").
		for n := name; n != ""; {
			if t := c.names[n]; t != nil && !yield(t, "program "+name) {
				return
			}
			i := strings.LastIndexByte(n, ' ')
			if i < 0 {
				break
			}
			n = n[:i]
		}
		// The same without spaces and punctuation ("Any Desk",
		// "Team-Viewer Host").
		for n := name; n != ""; {
			if sq := squash(n); len(sq) >= minSquashed {
				if t := c.squashed[sq]; t != nil && !yield(t, "program "+name) {
					return
				}
			}
			i := strings.LastIndexByte(n, ' ')
			if i < 0 {
				break
			}
			n = n[:i]
		}
	}
	if path != "" {
		// Each indexed element's rules run once, however often the
		// element recurs in the path: the rules match the whole path.
		var tried []string
		var triedSet map[string]bool
		for rest := path; rest != ""; {
			seg := rest
			if i := strings.IndexByte(rest, '\\'); i >= 0 {
				seg, rest = rest[:i], rest[i+1:]
			} else {
				rest = ""
			}
			if len(c.segments[seg]) == 0 {
				continue
			}
			if triedSet != nil {
				if triedSet[seg] {
					continue
				}
				triedSet[seg] = true
			} else if slices.Contains(tried, seg) {
				continue
			} else if tried = append(tried, seg); len(tried) > 8 {
				triedSet = map[string]bool{}
				for _, t := range tried {
					triedSet[t] = true
				}
			}
			for i := range c.segments[seg] {
				r := &c.segments[seg][i]
				if r.matches(path, calls) && !yield(r.tool, "path "+r.pattern) {
					return
				}
			}
		}
	}
	for _, cand := range [2]string{base, name} {
		if len(cand) < 3 {
			continue
		}
		for i := range c.nameGlob[cand[:3]] {
			r := &c.nameGlob[cand[:3]][i]
			if r.matches(cand, calls) && !yield(r.tool, "file "+r.pattern) {
				return
			}
		}
	}
	for i := range c.slow {
		r := &c.slow[i]
		text := path
		if !strings.Contains(r.pattern, `\`) {
			text = base
			if text == "" {
				text = name
			}
		}
		if text != "" && r.matches(text, calls) && !yield(r.tool, "path "+r.pattern) {
			return
		}
	}
	// The publisher (code signer): a signal of its own, which renaming the
	// binary or its display name does not change.
	if pub := strings.TrimSpace(s.Publisher); pub != "" && len(c.publishers) > 0 {
		sq := squash(pub)
		for _, p := range c.publishers {
			if strings.HasPrefix(sq, p.key) && !yield(p.tool, "publisher "+fold(pub)) {
				return
			}
		}
	}
}

// genericFileNames are bare file names that catalogues list for one
// product but that other, ordinary software uses too: GoTo Meeting's
// g2mcomm.exe (listed for GoToAssist), connect.exe (Adobe Connect),
// rdp.exe (Pilixo), update.exe and the like. A catalogue's bare file name
// in this set is not indexed; its paths still are.
var genericFileNames = map[string]bool{
	"g2mcomm.exe": true, "connect.exe": true, "rdp.exe": true, "update.exe": true, "updater.exe": true,
	"setup.exe": true, "install.exe": true, "installer.exe": true, "launcher.exe": true, "agent.exe": true,
	"client.exe": true, "service.exe": true, "helper.exe": true, "remote.exe": true, "support.exe": true,
	"host.exe": true, "server.exe": true, "viewer.exe": true, "main.exe": true, "app.exe": true,
	"start.exe": true, "run.exe": true, "uninstall.exe": true, "unins000.exe": true,
}

// genericFileName reports whether a catalogue pattern is a bare file name
// in genericFileNames.
func genericFileName(p string) bool {
	return genericFileNames[fold(strings.TrimSpace(p))]
}

// osComponents are parts of the operating system that catalogues list as
// remote-access tools: present on every machine of that system, they say
// nothing about the worker, so a match on them is low confidence whatever
// the catalogue says. Folded file names, and folded folders whose every
// path is such a part.
var (
	osComponentFiles = map[string]bool{
		"ardagent": true, "ardagent.app": true, "msra.exe": true, "quickassist.exe": true, "mstsc.exe": true,
	}
	osComponentFolders = []string{
		`\system\library\coreservices\remotemanagement\`,
	}
)

// osComponent reports whether the software is a part of the operating
// system (see osComponents).
func osComponent(s hiring.Software) bool {
	path := fold(s.Path)
	if osComponentFiles[baseName(path)] || osComponentFiles[fold(strings.TrimSpace(s.Name))] {
		return true
	}
	for _, f := range osComponentFolders {
		if strings.Contains(path+`\`, f) {
			return true
		}
	}
	return false
}
