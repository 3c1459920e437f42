package intel

import (
	"strings"

	"github.com/bulwark-sec/bulwark/hiring"
)

// domainIndex holds domain patterns: exact names, "*.suffix" wildcards
// indexed by suffix, and the few other patterns ("plus*.site24x7.com")
// tried in order.
type domainIndex struct {
	exact  map[string]*tool
	suffix map[string]*tool // "example.com" for "*.example.com" and "*example.com"
	globs  []pathRule
}

func newDomainIndex() *domainIndex {
	return &domainIndex{exact: map[string]*tool{}, suffix: map[string]*tool{}}
}

func (d *domainIndex) add(pat string, t *tool) bool {
	p := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(pat)), ".")
	if p == "" || strings.Trim(p, "*.") == "" {
		return false
	}
	switch {
	case !strings.Contains(p, "*"):
		if _, ok := d.exact[p]; !ok {
			d.exact[p] = t
		}
	case strings.LastIndexByte(p, '*') == 0:
		s := strings.TrimPrefix(strings.TrimPrefix(p, "*"), ".")
		if _, ok := d.suffix[s]; !ok {
			d.suffix[s] = t
		}
	default:
		d.globs = append(d.globs, newRule(p, t, false))
	}
	return true
}

func (d *domainIndex) find(host string, allowed func(*tool) bool) (hiring.ToolMatch, bool) {
	h := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	if h == "" {
		return hiring.ToolMatch{}, false
	}
	if t := d.exact[h]; t != nil && !allowed(t) {
		return t.match("domain " + h), true
	}
	for s := h; ; {
		if t := d.suffix[s]; t != nil && !allowed(t) {
			return t.match("domain " + h + " (*." + s + ")"), true
		}
		i := strings.IndexByte(s, '.')
		if i < 0 {
			break
		}
		s = s[i+1:]
	}
	for i := range d.globs {
		r := &d.globs[i]
		if !allowed(r.tool) && r.matches(h, nil) {
			return r.tool.match("domain " + h + " (" + r.pattern + ")"), true
		}
	}
	return hiring.ToolMatch{}, false
}
