package hiring

import "testing"

func TestSameName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"Alice Martin", "alice martin", true},
		{"Alice Martin", "MARTIN, Alice", true},
		{"Alice J. Martin", "Alice Martin", true},
		{"A. Martin", "Alice Martin", true},
		{"José Álvarez", "Jose Alvarez", true},
		{"Jonathan Smith", "Jonathon Smith", true},
		{"John Smith", "Jane Smith", false},
		{"Maria Rossi", "Mario Rossi", false},
		{"Alice Martin", "Robert Chen", false},
		{"J", "John Smith", false},
		{"", "John Smith", true},
		{"Jin Wei Trading Ltd", "Alice Martin", false},
	} {
		if got := sameName(nameTokens(tc.a), nameTokens(tc.b)); got != tc.want {
			t.Errorf("sameName(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestRuleKeysAreGraphNormalisers: the rules compare addresses, handles,
// serials and accounts as the identity graph normalises them, including
// the spellings their former keys of their own told apart (a serial with
// dashes, a GitHub URL with a tab, an IBAN in groups with "IBAN" before it,
// "Straße" and "STRASSE") or took for a value (a firmware placeholder).
func TestRuleKeysAreGraphNormalisers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		key  func(string) string
		a, b string
		same bool
	}{
		{"address", NormalizeAddress, "12 Oak Street, Springfield, IL 62704", "12 OAK ST., Springfield IL 62704-1234, USA", true},
		{"address", NormalizeAddress, "5 Pine Road Apt 4", "5 pine rd #4", true},
		{"address", NormalizeAddress, "5 Pine Road Apt 4", "5 Pine Road Apt 5", false},
		{"address", NormalizeAddress, "1 Farm Lane, Hendersonville, TN", "12 Oak Street, Springfield, IL", false},
		{"address", NormalizeAddress, "Hauptstraße 1", "HAUPTSTRASSE 1", true},
		{"address", NormalizeAddress, "10 Downing St, London, United Kingdom", "10 downing street london", true},
		{"serial", serialKey, "C02X-1234-AB", "c02x1234ab", true},
		{"serial", serialKey, "C02X 1234.AB", "C02X1234AB", true},
		{"serial", serialKey, "C02X1234AB", "C02X1234AC", false},
		{"github", githubKey, "https://github.com/Octo-Cat?tab=repositories", "octo-cat", true},
		{"github", githubKey, "@Octo-Cat", "www.github.com/octo-cat/", true},
		{"github", githubKey, "octo-cat", "octocat", false},
		{"bank", func(s string) string { return payrollKey("bank", s) }, "IBAN DE89 3704 0044 0532 0130 00", "de89370400440532013000", true},
		{"bank", func(s string) string { return payrollKey("iban", s) }, "DE89 3704-0044.0532 0130 00", "DE89370400440532013000", true},
		{"bank", func(s string) string { return payrollKey("bank", s) }, "000123456", "000123457", false},
		{"crypto", func(s string) string { return payrollKey("crypto", s) }, "0x52908400098527886E0F7030069857D2E4169EE7", "0x52908400098527886e0f7030069857d2e4169ee7", true},
		{"crypto", func(s string) string { return payrollKey("crypto", s) }, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "1bvbmseystwetqtfn5au4m4gfg7xjanvn2", false},
	} {
		ka, kb := tc.key(tc.a), tc.key(tc.b)
		if ka == "" || kb == "" {
			t.Errorf("%s: %q → %q, %q → %q: a key is empty", tc.name, tc.a, ka, tc.b, kb)
		}
		if got := ka == kb; got != tc.same {
			t.Errorf("%s: %q → %q, %q → %q: same %v, want %v", tc.name, tc.a, ka, tc.b, kb, got, tc.same)
		}
	}
	// The rules' keys are the graph's: a value the graph refuses matches
	// nothing in the rules either.
	for _, s := range []string{"To be filled by O.E.M.", "0000000", "N/A"} {
		if k := serialKey(s); k != "" {
			t.Errorf("serialKey(%q) = %q; a placeholder serial must match nothing", s, k)
		}
	}
	if k := githubKey("https://gitlab.com/octo"); k != "" {
		t.Errorf("githubKey of a GitLab URL = %q, want none", k)
	}
}
