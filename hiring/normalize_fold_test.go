package hiring

import "testing"

// TestNormalizeFoldsInvisibleAndWide: full-width forms and default-
// ignorable code points (zero-width space, joiner, word joiner, BOM, soft
// hyphen) do not make an identifier another one.
func TestNormalizeFoldsInvisibleAndWide(t *testing.T) {
	t.Parallel()
	norms := map[string]func(string) (string, bool){
		"email":    NormalizeEmail,
		"national": NormalizeNationalID,
		"serial":   NormalizeSerial,
		"github":   NormalizeGitHub,
		"bank": func(s string) (string, bool) {
			a, ok := NormalizeBankAccount(s)
			return a.Value, ok
		},
		"phone": func(s string) (string, bool) { return NormalizePhone(s, "US") },
		"ip": func(s string) (string, bool) {
			a, ok := NormalizeIP(s)
			return a.String(), ok
		},
		"address": func(s string) (string, bool) { return NormalizeAddress(s), true },
	}
	for _, tc := range []struct {
		kind, in, plain string
	}{
		{"email", "ｍａｒｋ.ｓｍｉｔｈ@example.com", "MARK.SMITH@EXAMPLE.COM"},
		{"email", "pete\u200br@example.com", "peter@example.com"},
		{"email", "\ufeffpeter@exam\u00adple.com", "peter@example.com"},
		{"email", "pe\u200dter\u2060@example.com", "peter@example.com"},
		{"national", "５２１３７８８４６", "521-37-8846"},
		{"national", "521\u200b-37-8846", "521-37-8846"},
		{"serial", "ＰＦ３ＫＱ９ＺＹ", "PF3KQ9ZY"},
		{"serial", "PF3KQ9Z\u200bW", "PF3KQ9ZW"},
		{"github", "ｏｃｔｏ-ｃａｔ", "octo-cat"},
		{"github", "octo\u200b-cat", "octo-cat"},
		{"bank", "ＧＢ８２ ＷＥＳＴ １２３４ ５６９８ ７６５４ ３２", "GB82WEST12345698765432"},
		{"bank", "GB82\u200bWEST12345698765432", "GB82WEST12345698765432"},
		{"phone", "+1 512\u200b 555 0199", "+15125550199"},
		{"ip", "１９８.５１.１００.７", "198.51.100.7"},
		{"address", "98 Pine\u200b Ave, Seattle, WA 98101", "98 Pine Ave, Seattle, WA 98101"},
	} {
		t.Run(tc.kind+" "+tc.in, func(t *testing.T) {
			t.Parallel()
			f := norms[tc.kind]
			got, ok := f(tc.in)
			want, wok := f(tc.plain)
			if !ok || !wok || got != want {
				t.Errorf("%q → %q, %v; %q → %q, %v", tc.in, got, ok, tc.plain, want, wok)
			}
		})
	}
}
