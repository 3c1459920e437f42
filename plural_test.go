package bulwark_test

import (
	"testing"

	"github.com/bulwark-sec/bulwark"
)

func TestPlural(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n         int
		one, many string
		want      string
	}{
		{0, "owner", "owners", "0 owners"},
		{1, "owner", "owners", "1 owner"},
		{2, "owner", "owners", "2 owners"},
		{1, "entry", "entries", "1 entry"},
		{12, "entry", "entries", "12 entries"},
	} {
		if got := bulwark.Plural(tc.n, tc.one, tc.many); got != tc.want {
			t.Errorf("Plural(%d, %q, %q) = %q, want %q", tc.n, tc.one, tc.many, got, tc.want)
		}
	}
}
