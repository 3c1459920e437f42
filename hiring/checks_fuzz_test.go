package hiring

import (
	"testing"
	"unicode/utf8"
)

// FuzzNormalize: the name, address and account normalisers take any
// string without panicking; an address key is stable under a second
// normalisation and a name is always the same name as itself.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"12 Oak Street, Springfield, IL 62704-1234, USA", "Apt #4 #", "José Álvarez", "MARTIN, Alice J.", "", "\xff\xfe", "조선어 1번지", "DE89 3704-0044"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := NormalizeAddress(s)
		if NormalizeAddress(k) != k {
			t.Errorf("NormalizeAddress not stable: %q → %q → %q", s, k, NormalizeAddress(k))
		}
		if utf8.ValidString(s) && !sameName(nameTokens(s), nameTokens(s)) {
			t.Errorf("%q is not the same name as itself", s)
		}
		_ = payrollKey("bank", s)
		_ = payrollKey("crypto", s)
		_ = githubKey(s)
		_ = serialKey(s)
	})
}
