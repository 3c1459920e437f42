package scan

import "strings"

// DependencyDetector checks the dependencies of manifests and lockfiles
// ([ParseDependencies]):
//
//   - KNOWN-MALICIOUS-DEPENDENCY: a package of the indicator list
//     (critical);
//   - TYPOSQUAT-DEPENDENCY: a name one edit, one transposition, a
//     homoglyph or a scope away from a popular package (high), or a
//     popular name with a suffix the campaign used, -sdk, -ext, -node …
//     (medium);
//   - DEP-URL-SOURCE: a dependency installed from a git repository or a
//     URL instead of the registry (medium);
//   - DEP-RAW-IP-SOURCE: one installed from a raw IP address (high).
type DependencyDetector struct {
	checks   DependencyChecks
	iocs     *IOCs
	npm, py  map[string]bool
	npmSkel  map[string]string
	pySkel   map[string]string
	legit    map[string]bool
	scopes   map[string]bool
	byLenNPM map[int][]string
	byLenPy  map[int][]string
}

// DependencyChecks selects what a DependencyDetector reports (a rule
// file may route each to its own rule).
type DependencyChecks struct {
	// Known: KNOWN-MALICIOUS-DEPENDENCY.
	Known bool
	// Typosquat: TYPOSQUAT-DEPENDENCY.
	Typosquat bool
	// Sources: DEP-URL-SOURCE and DEP-RAW-IP-SOURCE.
	Sources bool
}

// AllDependencyChecks reports everything.
var AllDependencyChecks = DependencyChecks{Known: true, Typosquat: true, Sources: true}

// NewDependencyDetector returns a DependencyDetector for the indicators,
// making every check.
func NewDependencyDetector(iocs *IOCs) *DependencyDetector {
	return NewDependencyDetectorWith(iocs, AllDependencyChecks)
}

// NewDependencyDetectorWith returns a DependencyDetector making the
// checks c.
func NewDependencyDetectorWith(iocs *IOCs, c DependencyChecks) *DependencyDetector {
	if iocs == nil {
		iocs = BuiltinIOCs()
	}
	d := &DependencyDetector{checks: c, iocs: iocs, npm: map[string]bool{}, py: map[string]bool{}, npmSkel: map[string]string{},
		pySkel: map[string]string{}, legit: map[string]bool{}, scopes: map[string]bool{}, byLenNPM: map[int][]string{}, byLenPy: map[int][]string{}}
	for _, n := range popularNPM {
		d.npm[n] = true
		d.npmSkel[skeleton(n)] = n
		d.byLenNPM[len(n)] = append(d.byLenNPM[len(n)], n)
	}
	for _, n := range popularPyPI {
		d.py[n] = true
		d.pySkel[skeleton(n)] = n
		d.byLenPy[len(n)] = append(d.byLenPy[len(n)], n)
	}
	for _, n := range legitNearNames {
		d.legit[n] = true
	}
	for _, s := range popularScopes {
		d.scopes[s] = true
	}
	return d
}

// ID implements [Detector].
func (*DependencyDetector) ID() string { return "DEPENDENCY" }

// Applies implements [Detector].
func (*DependencyDetector) Applies(p string) bool {
	b := base(p)
	return b == "package.json" || b == "package-lock.json" || b == "npm-shrinkwrap.json" || b == "yarn.lock" ||
		b == "pnpm-lock.yaml" || b == "pyproject.toml" || strings.HasPrefix(b, "requirements") && strings.HasSuffix(b, ".txt")
}

const srcTyposquat = "Socket (2025) Contagious Interview packages impersonating popular libraries (react-plaid-sdk, framer-motion-ext, reactbootstraps); GuardDog typosquatting heuristic"

// Detect implements [Detector].
func (d *DependencyDetector) Detect(f *File) []Finding {
	deps := ParseDependencies(f.Path, f.Data)
	var out []Finding
	inNodeModules := strings.Contains(f.Path, "node_modules/")
	for _, dep := range deps {
		if len(out) >= 200 {
			break
		}
		snip := safeText(dep.Name+" "+dep.Spec, maxSnippet)
		if ioc, ok := d.iocs.Package(dep.Name); ok && (dep.Ecosystem == "npm" && ioc.Type != "pypi_package" || dep.Ecosystem == "pypi" && ioc.Type == "pypi_package") {
			if !d.checks.Known {
				continue
			}
			out = append(out, Finding{Rule: "KNOWN-MALICIOUS-DEPENDENCY", Severity: SeverityCritical, File: f.Path, Line: dep.Line,
				Snippet:     snip,
				Explanation: "Depends on " + dep.Name + ", a known malicious package (" + ioc.Context + "). Installing it runs the attacker's code: the fake recruiter's project only needs `npm install` to infect the machine.",
				Source:      ioc.Source})
			continue
		}
		if target, how := d.Typosquat(dep.Ecosystem, dep.Name); d.checks.Typosquat && target != "" {
			sev := SeverityHigh
			if how == "suffix" {
				sev = SeverityMedium
			}
			if inNodeModules {
				sev = capSeverity(sev, SeverityMedium)
			}
			out = append(out, Finding{Rule: "TYPOSQUAT-DEPENDENCY", Severity: sev, File: f.Path, Line: dep.Line,
				Snippet:     snip,
				Explanation: "Depends on " + dep.Name + ", which imitates the popular package " + target + " (" + typoWhy[how] + "). Lookalike names get a malicious package installed by someone who reads the manifest and sees a familiar library.",
				Source:      srcTyposquat})
		}
		if kind, rawIP := sourceURL(dep.Spec); d.checks.Sources && kind != "" {
			rule, sev := "DEP-URL-SOURCE", SeverityMedium
			why := "Installed from " + kind + " instead of the registry: the code can change at any time, is not covered by the registry's malware takedowns, and is not what the version number suggests (the Contagious Interview campaign served payloads from Bitbucket and GitHub)."
			if rawIP {
				rule, sev = "DEP-RAW-IP-SOURCE", SeverityHigh
				why = "Installed from a raw IP address: a server with no name, outside any registry, that the attacker controls. " + why
			}
			out = append(out, Finding{Rule: rule, Severity: sev, File: f.Path, Line: dep.Line, Snippet: snip, Explanation: why,
				Source: "Socket (2025), Contagious Interview payloads hosted on Bitbucket"})
		}
	}
	return out
}

var typoWhy = map[string]string{
	"edit":      "one character added, removed or changed",
	"swap":      "two adjacent characters swapped",
	"homoglyph": "characters that look alike, or separators dropped",
	"scope":     "a lookalike npm scope",
	"suffix":    "the popular name with a suffix that campaign packages used",
}

// Typosquat returns the popular package name imitates and how ("edit",
// "swap", "homoglyph", "scope", "suffix"), or "" when name is popular,
// known legitimate, or not close to one.
func (d *DependencyDetector) Typosquat(eco, name string) (string, string) {
	n := strings.ToLower(name)
	pop, byLen, skel := d.npm, d.byLenNPM, d.npmSkel
	if eco == "pypi" {
		n = pyName(n)
		pop, byLen, skel = d.py, d.byLenPy, d.pySkel
	}
	if n == "" || pop[n] || d.legit[n] {
		return "", ""
	}
	if eco == "npm" && strings.HasPrefix(n, "@") {
		scope, rest, ok := strings.Cut(n, "/")
		if !ok {
			return "", ""
		}
		if d.scopes[scope] {
			return "", "" // a real scope; its members are the owner's
		}
		for s := range d.scopes {
			if len(s) >= 5 && absInt(len(s)-len(scope)) <= 1 && osa(s, scope) == 1 || skeleton(s) == skeleton(scope) {
				return s + "/" + rest, "scope"
			}
		}
		return "", ""
	}
	if p, ok := skel[skeleton(n)]; ok && p != n {
		return p, "homoglyph"
	}
	for l := len(n) - 1; l <= len(n)+1; l++ {
		for _, p := range byLen[l] {
			if len(p) < 5 || strings.HasPrefix(p, "@") {
				continue
			}
			switch osa(n, p) {
			case 1:
				if len(n) == len(p) && swapped(n, p) {
					return p, "swap"
				}
				return p, "edit"
			}
		}
	}
	if eco == "npm" {
		for _, suf := range suspiciousSuffixes {
			if base, ok := strings.CutSuffix(n, suf); ok && pop[base] && len(base) >= 4 {
				return base, "suffix"
			}
		}
	}
	return "", ""
}

func absInt(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func swapped(a, b string) bool {
	for i := 0; i+1 < len(a); i++ {
		if a[i] != b[i] {
			return a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
		}
	}
	return false
}

// skeleton folds lookalike characters and drops separators, so that
// "reactd0m" and "react-dom" compare equal.
func skeleton(s string) string {
	return skeletonFold.Replace(strings.ToLower(s))
}

// skeletonFold is read-only after initialisation.
// Cyrillic and Greek letters that look like Latin ones are read as those
// (lоdash with a Cyrillic о is lodash).
var skeletonFold = strings.NewReplacer("0", "o", "1", "l", "rn", "m", "vv", "w", "-", "", "_", "", ".", "", "3", "e", "5", "s",
	"а", "a", "е", "e", "о", "o", "р", "p", "с", "c", "х", "x", "у", "y", "і", "i", "ј", "j", "ѕ", "s", "ԁ", "d", "ԛ", "q", "ԝ", "w", "һ", "h", "ӏ", "l",
	"α", "a", "ο", "o", "ρ", "p", "ν", "v", "ι", "i", "κ", "k", "τ", "t", "υ", "u")

// osa is the optimal string alignment distance (Levenshtein with adjacent
// transpositions), over bytes; names are short and ASCII.
func osa(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	var rows [3][65]int
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
