package scan

import "testing"

// TestTyposquatLookalikeScripts: a dependency named with Cyrillic or
// Greek letters that look like Latin ones is the popular package's
// lookalike.
func TestTyposquatLookalikeScripts(t *testing.T) {
	t.Parallel()
	d := NewDependencyDetector(nil)
	for name, want := range map[string]string{"lоdash": "lodash", "ехpress": "express", "reаct": "react", "axiοs": "axios"} {
		if got, how := d.Typosquat("npm", name); got != want || how != "homoglyph" {
			t.Errorf("%q: got %q (%s), want %s (homoglyph)", name, got, how, want)
		}
	}
	if got, _ := d.Typosquat("npm", "express"); got != "" {
		t.Errorf("express itself reported as imitating %q", got)
	}
}
