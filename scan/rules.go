package scan

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"go.yaml.in/yaml/v3"
)

// Rule types the rule file may name in "type" that the scanner itself
// evaluates. Other types are looked up in the [Registry] (Go detectors
// configured by the rule) or refused.
const (
	// TypeRegex reports every match of regex in a file, one finding per
	// match at its line.
	TypeRegex = "regex"
	// TypeRegexCount reports a file once when regex matches at least
	// min_count times in it.
	TypeRegexCount = "regex_count"
	// TypeJSONKeys reports each of keys (dotted paths, * for any one
	// segment) present in a JSON or JSONC file.
	TypeJSONKeys = "json_keys"
	// TypeJSONRegex reports string values whose dotted path matches key
	// (an RE2 regex over the whole path) and whose text matches regex.
	TypeJSONRegex = "json_regex"
	// TypeExists reports every file whose path matches target.
	TypeExists = "exists"
	// TypeExistsExcept reports files and folders under target whose name
	// (a path component) is not in allow.
	TypeExistsExcept = "exists_except"
)

// offlineTypes are rule types that need the network, with why the scanner
// refuses them: scanning is static and offline.
var offlineTypes = map[string]string{
	"registry_metadata": "it needs package registry lookups (publication dates, maintainers, downloads) over the network, and the scanner is static and offline",
}

// Limits on a rule file and its patterns.
const (
	// MaxRuleFileBytes bounds a rule file.
	MaxRuleFileBytes = 1 << 20
	// MaxRules bounds the number of rules in one file.
	MaxRules = 1000
	// MaxRegexBytes bounds the source of one regex.
	MaxRegexBytes = 4096
	// MaxRegexInsts bounds the compiled size of one regex (instructions of
	// the RE2 program), so that a rule cannot make matching slow.
	MaxRegexInsts = 10000
)

// Rule is one rule of a rule file.
type Rule struct {
	// ID is unique in the rule set, upper case letters, digits and
	// dashes; a user rule with a default rule's id replaces it.
	ID string
	// Type is one of the Type constants or a type registered in the
	// Registry.
	Type string
	// Targets are the path globs the rule applies to (** crosses folders,
	// {a,b} is an alternative, * and ? stay within a path component);
	// Exclude are globs it never applies to.
	Targets []string
	Exclude []string
	// Severity of its findings.
	Severity Severity
	// Why explains in plain words the social-engineering tactic behind a
	// finding; Source cites the public reports the rule rests on.
	Why    string
	Source string
	// Regex (regex, regex_count, json_regex), MinCount (regex_count),
	// Keys (json_keys), Key (json_regex), Allow (exists_except).
	Regex    string
	MinCount int
	Keys     []string
	Key      string
	Allow    []string
	// Unless is an RE2 regex: a match whose own text (regex) or value
	// (json_regex) also matches Unless is not reported (known benign
	// forms). It sees the matched text only, not the rest of the line.
	Unless string
	// Params holds, for a registered type, the values of the keys the
	// type declares (decoded YAML: strings, numbers, lists, maps).
	Params map[string]any
	// File and Line say where the rule was defined.
	File string
	Line int

	re, unless, keyRe *regexp.Regexp
	lits              [][]byte // a match contains one of them (nil: unknown)
	targets, exclude  []*glob
	allow             []*glob
	keyPaths          [][]string
	detector          Detector
}

// Match reports whether the rule applies to the file at path. Targets
// and excludes match regardless of case: on macOS and Windows npm opens
// Package.json and VS Code .vscode/Tasks.json as it does their lower-case
// names.
func (r *Rule) Match(path string) bool {
	path = strings.ToLower(path)
	ok := false
	for _, g := range r.targets {
		if g.match(path) {
			ok = true
			break
		}
	}
	if !ok {
		return false
	}
	for _, g := range r.exclude {
		if g.match(path) {
			return false
		}
	}
	return true
}

// RuleType is a rule type implemented in Go: the loader hands a rule of
// this type to New, which returns the Detector doing the work. Findings
// the detector leaves without a rule id, severity, explanation or source
// get the rule's.
type RuleType struct {
	// Name is the value of "type" in the rule file.
	Name string
	// Params names the keys a rule of this type may carry besides the
	// common ones (id, type, target, exclude, severity, why, source).
	Params []string
	// New builds the detector for r; r.Match applies the rule's target
	// and exclude globs. An error refuses the rule file.
	New func(r *Rule) (Detector, error)
}

// Registry maps rule type names to their Go implementations. The zero
// value is empty; it is not safe for concurrent Register calls.
type Registry struct {
	types map[string]RuleType
}

// NewRegistry returns a registry holding types.
func NewRegistry(types ...RuleType) (*Registry, error) {
	r := &Registry{}
	for _, t := range types {
		if err := r.Register(t); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Register adds t; a name that is built in, needs the network or is
// already registered is refused.
func (r *Registry) Register(t RuleType) error {
	if t.Name == "" || t.New == nil {
		return bulwark.Invalid("type", "a rule type needs a name and a New function")
	}
	if builtinParams(t.Name) != nil {
		return bulwark.Invalid("type", "rule type %q is built into the scanner", t.Name)
	}
	if why, ok := offlineTypes[t.Name]; ok {
		return bulwark.Invalid("type", "rule type %q is refused: %s", t.Name, why)
	}
	if _, dup := r.types[t.Name]; dup {
		return bulwark.Invalid("type", "rule type %q is registered twice", t.Name)
	}
	for _, p := range t.Params {
		if slices.Contains(commonKeys, p) {
			return bulwark.Invalid("type", "rule type %q: parameter %q is a common key", t.Name, p)
		}
	}
	if r.types == nil {
		r.types = map[string]RuleType{}
	}
	r.types[t.Name] = t
	return nil
}

// Types returns the registered type names, sorted.
func (r *Registry) Types() []string {
	if r == nil {
		return nil
	}
	names := make([]string, 0, len(r.types))
	for n := range r.types {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (r *Registry) lookup(name string) (RuleType, bool) {
	if r == nil {
		return RuleType{}, false
	}
	t, ok := r.types[name]
	return t, ok
}

var commonKeys = []string{"id", "type", "target", "exclude", "severity", "why", "source"}

// builtinParams returns the keys a built-in type takes besides the common
// ones, nil for a type that is not built in.
func builtinParams(typ string) []string {
	switch typ {
	case TypeRegex:
		return []string{"regex", "unless"}
	case TypeRegexCount:
		return []string{"regex", "min_count"}
	case TypeJSONKeys:
		return []string{"keys"}
	case TypeJSONRegex:
		return []string{"key", "regex", "unless"}
	case TypeExists:
		return []string{}
	case TypeExistsExcept:
		return []string{"allow"}
	}
	return nil
}

// RuleSet is a loaded, compiled set of rules, in the order they were
// defined (defaults first, then the user's).
type RuleSet struct {
	Rules []*Rule
}

// ParseRules parses and compiles a rule file. name is used in errors
// ("name:line: rule ID: field: problem"). Rule types not built in are
// looked up in reg (which may be nil).
func ParseRules(name string, data []byte, reg *Registry) (*RuleSet, error) {
	if len(data) > MaxRuleFileBytes {
		return nil, bulwark.Errorf(bulwark.ETOOLARGE, "%s: a rule file holds at most %d bytes, this one %d", name, MaxRuleFileBytes, len(data))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, ruleErr("rules", "%s: not valid YAML: %v", name, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, ruleErr("rules", "%s: want one YAML document with version and rules", name)
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, ruleErr("rules", "%s:%d: want a mapping with version and rules", name, top.Line)
	}
	var rulesNode *yaml.Node
	version := 0
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch k.Value {
		case "version":
			if v.Kind != yaml.ScalarNode || v.Value != "1" {
				return nil, ruleErr("version", "%s:%d: version: want 1, got %q", name, v.Line, v.Value)
			}
			version = 1
		case "rules":
			if v.Kind != yaml.SequenceNode {
				return nil, ruleErr("rules", "%s:%d: rules: want a list of rules", name, v.Line)
			}
			rulesNode = v
		default:
			return nil, ruleErr("rules", "%s:%d: unknown key %q (a rule file has version and rules)", name, k.Line, k.Value)
		}
	}
	if version == 0 {
		return nil, ruleErr("version", "%s: version: missing (write version: 1)", name)
	}
	if rulesNode == nil {
		return nil, ruleErr("rules", "%s: rules: missing", name)
	}
	if len(rulesNode.Content) > MaxRules {
		return nil, ruleErr("rules", "%s: at most %d rules in a file, this one has %d", name, MaxRules, len(rulesNode.Content))
	}
	rs := &RuleSet{}
	seen := map[string]int{}
	for _, n := range rulesNode.Content {
		r, err := parseRule(name, n, reg)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[r.ID]; dup {
			return nil, ruleErr("id", "%s:%d: rule %s: id already used at line %d (ids are unique in a file)", name, r.Line, r.ID, prev)
		}
		seen[r.ID] = r.Line
		rs.Rules = append(rs.Rules, r)
	}
	return rs, nil
}

// Merge returns the rules of rs followed by those of user; a user rule
// with the id of one in rs replaces it in place.
func (rs *RuleSet) Merge(user *RuleSet) *RuleSet {
	out := &RuleSet{Rules: slices.Clone(rs.Rules)}
	idx := map[string]int{}
	for i, r := range out.Rules {
		idx[r.ID] = i
	}
	for _, r := range user.Rules {
		if i, ok := idx[r.ID]; ok {
			out.Rules[i] = r
			continue
		}
		idx[r.ID] = len(out.Rules)
		out.Rules = append(out.Rules, r)
	}
	return out
}

var ruleIDRe = regexp.MustCompile(`^[A-Z][A-Z0-9]*(-[A-Z0-9_]+)*$`)

func parseRule(name string, n *yaml.Node, reg *Registry) (*Rule, error) {
	if n.Kind != yaml.MappingNode {
		return nil, ruleErr("rules", "%s:%d: a rule is a mapping (id, type, target, severity, why, ...)", name, n.Line)
	}
	r := &Rule{File: name, Line: n.Line}
	fields := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if _, dup := fields[k.Value]; dup {
			return nil, ruleErr(k.Value, "%s:%d: key %q given twice in one rule", name, k.Line, k.Value)
		}
		fields[k.Value] = n.Content[i+1]
	}
	// id first, so that every later error names the rule.
	idNode := fields["id"]
	if idNode == nil {
		return nil, ruleErr("id", "%s:%d: a rule without id", name, n.Line)
	}
	if idNode.Kind != yaml.ScalarNode || !ruleIDRe.MatchString(idNode.Value) || len(idNode.Value) > 64 {
		return nil, ruleErr("id", "%s:%d: id %q: want upper-case words joined by dashes (e.g. NPM-LIFECYCLE-SCRIPT), at most 64 characters", name, idNode.Line, idNode.Value)
	}
	r.ID = idNode.Value
	fail := func(field string, at *yaml.Node, format string, args ...any) error {
		line := n.Line
		if at != nil {
			line = at.Line
		}
		return ruleErr(field, "%s:%d: rule %s: %s: %s", name, line, r.ID, field, fmt.Sprintf(format, args...))
	}
	str := func(key string, required bool) (string, error) {
		v := fields[key]
		if v == nil {
			if required {
				return "", fail(key, nil, "missing")
			}
			return "", nil
		}
		if v.Kind != yaml.ScalarNode || (v.Tag != "!!str" && v.Tag != "!!int" && v.Tag != "!!float" && v.Tag != "!!bool") {
			return "", fail(key, v, "want a string")
		}
		return v.Value, nil
	}
	strs := func(key string, required bool) ([]string, error) {
		v := fields[key]
		if v == nil {
			if required {
				return nil, fail(key, nil, "missing")
			}
			return nil, nil
		}
		if v.Kind == yaml.ScalarNode && v.Tag == "!!str" {
			return []string{v.Value}, nil
		}
		if v.Kind != yaml.SequenceNode {
			return nil, fail(key, v, "want a string or a list of strings")
		}
		var out []string
		for _, e := range v.Content {
			if e.Kind != yaml.ScalarNode || e.Tag != "!!str" {
				return nil, fail(key, e, "want a list of strings")
			}
			out = append(out, e.Value)
		}
		if required && len(out) == 0 {
			return nil, fail(key, v, "empty list")
		}
		return out, nil
	}

	var err error
	if r.Type, err = str("type", true); err != nil {
		return nil, err
	}
	params := builtinParams(r.Type)
	var rt RuleType
	registered := false
	if params == nil {
		if why, ok := offlineTypes[r.Type]; ok {
			return nil, fail("type", fields["type"], "type %q is not supported: %s; remove the rule", r.Type, why)
		}
		rt, registered = reg.lookup(r.Type)
		if !registered {
			known := []string{TypeRegex, TypeRegexCount, TypeJSONKeys, TypeJSONRegex, TypeExists, TypeExistsExcept}
			known = append(known, reg.Types()...)
			return nil, fail("type", fields["type"], "unknown type %q (known: %s)", r.Type, strings.Join(known, ", "))
		}
		params = rt.Params
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(commonKeys, k.Value) && !slices.Contains(params, k.Value) {
			accepted := append(slices.Clone(commonKeys), params...)
			return nil, fail(k.Value, k, "unknown key for type %s (accepted: %s)", r.Type, strings.Join(accepted, ", "))
		}
	}
	sev, err := str("severity", true)
	if err != nil {
		return nil, err
	}
	switch Severity(sev) {
	case SeverityInfo, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
		r.Severity = Severity(sev)
	default:
		return nil, fail("severity", fields["severity"], "%q is not a severity (want info, low, medium, high or critical)", sev)
	}
	if r.Why, err = str("why", true); err != nil {
		return nil, err
	}
	if strings.TrimSpace(r.Why) == "" {
		return nil, fail("why", fields["why"], "empty: explain the trick behind a finding in plain words")
	}
	if r.Source, err = str("source", false); err != nil {
		return nil, err
	}
	if r.Targets, err = strs("target", true); err != nil {
		return nil, err
	}
	if r.Exclude, err = strs("exclude", false); err != nil {
		return nil, err
	}
	for _, t := range r.Targets {
		g, err := compileGlob(strings.ToLower(t))
		if err != nil {
			return nil, fail("target", fields["target"], "%v", err)
		}
		r.targets = append(r.targets, g)
	}
	for _, t := range r.Exclude {
		g, err := compileGlob(strings.ToLower(t))
		if err != nil {
			return nil, fail("exclude", fields["exclude"], "%v", err)
		}
		r.exclude = append(r.exclude, g)
	}

	if registered {
		r.Params = map[string]any{}
		for _, p := range rt.Params {
			if v := fields[p]; v != nil {
				var x any
				if err := v.Decode(&x); err != nil {
					return nil, fail(p, v, "%v", err)
				}
				r.Params[p] = x
			}
		}
		d, err := rt.New(r)
		if err != nil {
			return nil, ruleErr("type", "%s:%d: rule %s: %s", name, n.Line, r.ID, bulwark.ErrorMessage(err))
		}
		if d == nil {
			return nil, fail("type", fields["type"], "type %s built no detector", r.Type)
		}
		// Its findings' File escaped and lines placed in the whole file,
		// as the built-in detectors' are.
		r.detector = Sanitized(d)
		return r, nil
	}

	compile := func(key string, required bool) (*regexp.Regexp, error) {
		src, err := str(key, required)
		if err != nil || src == "" {
			if err == nil && required {
				return nil, fail(key, fields[key], "empty")
			}
			return nil, err
		}
		re, err := compileRegex(src)
		if err != nil {
			return nil, fail(key, fields[key], "%v", err)
		}
		return re, nil
	}
	switch r.Type {
	case TypeRegex, TypeRegexCount, TypeJSONRegex:
		if r.re, err = compile("regex", true); err != nil {
			return nil, err
		}
		r.Regex = strings.TrimPrefix(r.re.String(), "(?m)")
		r.lits = requiredLiterals(r.Regex)
	}
	switch r.Type {
	case TypeRegex, TypeJSONRegex:
		if r.unless, err = compile("unless", false); err != nil {
			return nil, err
		}
		if r.unless != nil {
			r.Unless = r.unless.String()
		}
	}
	switch r.Type {
	case TypeRegexCount:
		v := fields["min_count"]
		if v == nil {
			return nil, fail("min_count", nil, "missing")
		}
		if err := v.Decode(&r.MinCount); err != nil || r.MinCount < 1 || r.MinCount > 1_000_000 {
			return nil, fail("min_count", v, "want a whole number from 1 to 1000000")
		}
	case TypeJSONKeys:
		if r.Keys, err = strs("keys", true); err != nil {
			return nil, err
		}
		for _, k := range r.Keys {
			p := strings.Split(k, ".")
			if slices.Contains(p, "") {
				return nil, fail("keys", fields["keys"], "%q: a key path is names joined by dots (* for any one name)", k)
			}
			r.keyPaths = append(r.keyPaths, p)
		}
	case TypeJSONRegex:
		if r.Key, err = str("key", true); err != nil {
			return nil, err
		}
		if r.keyRe, err = compileRegex(`^(?:` + r.Key + `)$`); err != nil {
			return nil, fail("key", fields["key"], "%v", err)
		}
	case TypeExistsExcept:
		if r.Allow, err = strs("allow", true); err != nil {
			return nil, err
		}
		for _, a := range r.Allow {
			g, err := compileGlob(a)
			if err != nil || strings.Contains(a, "/") {
				return nil, fail("allow", fields["allow"], "%q: want a file or folder name pattern (no /)", a)
			}
			r.allow = append(r.allow, g)
		}
	}
	return r, nil
}

// compileRegex compiles an RE2 regex in multi-line mode (^ and $ match at
// line boundaries), refusing one whose source or program is too large.
func compileRegex(src string) (*regexp.Regexp, error) {
	if len(src) > MaxRegexBytes {
		return nil, fmt.Errorf("regex of %d bytes, at most %d", len(src), MaxRegexBytes)
	}
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("not an RE2 regex: %v", err)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, fmt.Errorf("not an RE2 regex: %v", err)
	}
	if len(prog.Inst) > MaxRegexInsts {
		return nil, fmt.Errorf("regex too large once compiled (%d instructions, at most %d): shorten repeats such as {1000}", len(prog.Inst), MaxRegexInsts)
	}
	// An empty match would make a finding of every line.
	if m, _ := regexp.MatchString(src, ""); m {
		return nil, fmt.Errorf("regex matches the empty string")
	}
	return regexp.Compile("(?m)" + src)
}

// ruleErr returns an EINVALID error naming field, whose message (which
// starts with file:line) is not prefixed with the field.
func ruleErr(field, format string, args ...any) error {
	e := bulwark.Errorf(bulwark.EINVALID, format, args...)
	e.Field = field
	return e
}
