package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
)

// The token format: "bwk_", a 16-hex-digit public id, "_", and a secret of
// 32 bytes in hex.
const (
	tokenPrefix  = "bwk_"
	secretDigits = 64
)

// idStore records the public id Authenticate looks up; it knows no token.
type idStore struct {
	auth.TokenStore
	ids []string
}

func (s *idStore) TokenByID(_ context.Context, id string) (*auth.Token, error) {
	s.ids = append(s.ids, id)
	return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no token %s", id)
}

// splitToken is the public id Authenticate takes from token (the
// hand-written check, splitToken in package auth), seen from its store: ok
// is false when it refuses token without a lookup.
func splitToken(t testing.TB, token string) (string, bool) {
	t.Helper()
	st := &idStore{}
	svc := &auth.Service{Store: st}
	if _, err := svc.Authenticate(context.Background(), token); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("Authenticate(%q) = %v, want EUNAUTHORIZED", token, err)
	}
	switch len(st.ids) {
	case 0:
		return "", false
	case 1:
		return st.ids[0], true
	}
	t.Fatalf("Authenticate(%q) looked up %q", token, st.ids)
	return "", false
}

// splitTokenRef is splitToken as the token format defines it, through the
// id pattern (auth.ValidateID): the reference the hand-written check is
// held to.
func splitTokenRef(token string) (string, bool) {
	rest, found := strings.CutPrefix(token, tokenPrefix)
	if !found {
		return "", false
	}
	id, secret, found := strings.Cut(rest, "_")
	if !found || auth.ValidateID(id) != nil || len(secret) != secretDigits {
		return "", false
	}
	return id, true
}

func TestSplitToken(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("ab", secretDigits/2)
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
		id, ok := splitToken(t, tc.token)
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
	secret := strings.Repeat("0", secretDigits)
	f.Add("bwk_0123456789abcdef_" + secret)
	f.Add("bwk_0123456789abcdef__" + secret[1:])
	f.Add("bwk_0123456789abcdeF_" + secret)
	f.Add("bwk_0123456789abcde__" + secret)
	f.Add("bwk_\x00\xff_" + secret)
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := splitToken(t, s)
		if rid, rok := splitTokenRef(s); rid != id || rok != ok {
			t.Fatalf("splitToken(%q) = %q, %v; the pattern says %q, %v", s, id, ok, rid, rok)
		}
	})
}
