package auth

import (
	"strings"
	"testing"
)

// splitTokenRef is splitToken as the token format defines it, through the
// id pattern: the reference the hand-written check is held to.
func splitTokenRef(token string) (string, bool) {
	rest, found := strings.CutPrefix(token, tokenPrefix)
	if !found {
		return "", false
	}
	id, secret, found := strings.Cut(rest, "_")
	if !found || !idPattern.MatchString(id) || len(secret) != 2*secretBytes {
		return "", false
	}
	return id, true
}

func TestSplitToken(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("ab", secretBytes)
	for _, tc := range []struct {
		name, token, id string
	}{
		{"well-formed", "bwk_0123456789abcdef_" + secret, "0123456789abcdef"},
		{"underscore in the secret", "bwk_0123456789abcdef_" + secret[:10] + "_" + secret[11:], "0123456789abcdef"},
		{"empty", "", ""},
		{"prefix only", "bwk_", ""},
		{"upper-case id", "bwk_0123456789ABCDEF_" + secret, ""},
		{"short id", "bwk_0123456789abcde_" + secret + "f", ""},
		{"long id", "bwk_0123456789abcdef0_" + secret[1:], ""},
		{"no separator", "bwk_0123456789abcdef" + secret + "a", ""},
		{"short secret", "bwk_0123456789abcdef_" + secret[1:], ""},
		{"long secret", "bwk_0123456789abcdef_" + secret + "a", ""},
		{"wrong prefix", "bwx_0123456789abcdef_" + secret, ""},
		{"non-hex id", "bwk_0123456789abcdeg_" + secret, ""},
	} {
		id, ok := splitToken(tc.token)
		if id != tc.id || ok != (tc.id != "") {
			t.Errorf("%s: splitToken = %q, %v; want %q", tc.name, id, ok, tc.id)
		}
		if rid, rok := splitTokenRef(tc.token); rid != id || rok != ok {
			t.Errorf("%s: splitToken = %q, %v; the pattern says %q, %v", tc.name, id, ok, rid, rok)
		}
	}
}

// FuzzSplitToken: the hand-written check accepts exactly what the id
// pattern does.
func FuzzSplitToken(f *testing.F) {
	secret := strings.Repeat("0", 2*secretBytes)
	f.Add("bwk_0123456789abcdef_" + secret)
	f.Add("bwk_0123456789abcdef__" + secret[1:])
	f.Add("bwk_0123456789abcdeF_" + secret)
	f.Add("bwk_0123456789abcde__" + secret)
	f.Add("bwk_\x00\xff_" + secret)
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := splitToken(s)
		if rid, rok := splitTokenRef(s); rid != id || rok != ok {
			t.Fatalf("splitToken(%q) = %q, %v; the pattern says %q, %v", s, id, ok, rid, rok)
		}
	})
}
