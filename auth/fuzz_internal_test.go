package auth

import (
	"strings"
	"testing"
)

// FuzzNormalizeRecoveryCode: a code is accepted only as 16 symbols of the
// alphabet, whatever the spacing, dashes and case around them.
func FuzzNormalizeRecoveryCode(f *testing.F) {
	for _, s := range []string{"abcd-efgh-jkmn-pqrs", "ABCD EFGH JKMN PQRS", "abcd", "0000-0000-0000-0000", "abcd-efgh-jkmn-pqrst", "ab\u00e7d-efgh-jkmn-pqrs"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		norm, ok := normalizeRecoveryCode(s)
		if !ok {
			return
		}
		if len(norm) != recoveryLen {
			t.Fatalf("%q normalised to %q (%d symbols)", s, norm, len(norm))
		}
		for _, r := range norm {
			if !strings.ContainsRune(recoveryAlphabet, r) {
				t.Fatalf("%q normalised to %q with %q outside the alphabet", s, norm, r)
			}
		}
		if again, ok := normalizeRecoveryCode(norm); !ok || again != norm {
			t.Fatalf("normalising %q is not idempotent", norm)
		}
	})
}

// FuzzParseSecret: only the prefix and 64 lower-case hex digits parse, and
// the hash is of the whole presented secret.
func FuzzParseSecret(f *testing.F) {
	for _, s := range []string{"bws_" + strings.Repeat("ab", 32), "bwe_" + strings.Repeat("0", 64), "bws_", "bws_" + strings.Repeat("AB", 32)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, prefix := range []string{sessionPrefix, enrolPrefix} {
			h, ok := parseSecret(prefix, s)
			if !ok {
				continue
			}
			if !strings.HasPrefix(s, prefix) || len(s) != len(prefix)+64 || strings.Trim(s[len(prefix):], "0123456789abcdef") != "" {
				t.Fatalf("parseSecret(%q, %q) accepted it", prefix, s)
			}
			if string(h) != string(sha(s)) {
				t.Fatal("the hash is not of the presented secret")
			}
		}
	})
}
