package approval_test

import (
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
)

// FuzzParseConfig: any setting either parses to a configuration that
// reads back to itself, or is refused with EINVALID naming the setting.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{"", "all", "none", "safe.approve", "safe.approve,screen.false-positive", " ALL ", ",", "safe.approve,,", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := approval.ParseConfig("dual-control", s)
		if err != nil {
			if !bulwark.IsCode(err, bulwark.EINVALID) {
				t.Fatalf("ParseConfig(%q) = %v: want EINVALID", s, err)
			}
			return
		}
		again, err := approval.ParseConfig("dual-control", c.String())
		if err != nil || again.String() != c.String() {
			t.Fatalf("ParseConfig(%q) = %s, which reads back as %s, %v", s, c, again, err)
		}
		for _, a := range approval.Actions() {
			if again.Requires(a) != c.Requires(a) {
				t.Fatalf("%s: %s differs after a round trip", s, a)
			}
		}
	})
}
