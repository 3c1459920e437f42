package scan

import _ "embed"

//go:embed defaultrules.yaml
var defaultRulesYAML []byte

// DefaultRulesYAML returns the rule file built into the scanner (a copy).
func DefaultRulesYAML() []byte { return append([]byte(nil), defaultRulesYAML...) }

// DefaultRules parses the built-in rule file; rule types it names that are
// not built in are looked up in reg.
func DefaultRules(reg *Registry) (*RuleSet, error) {
	return ParseRules("defaultrules.yaml", defaultRulesYAML, reg)
}

// LoadRules returns the built-in rules with the user's rule file data
// (named name in errors) added: a user rule with the id of a built-in one
// replaces it.
func LoadRules(name string, data []byte, reg *Registry) (*RuleSet, error) {
	def, err := DefaultRules(reg)
	if err != nil {
		return nil, err
	}
	user, err := ParseRules(name, data, reg)
	if err != nil {
		return nil, err
	}
	return def.Merge(user), nil
}
