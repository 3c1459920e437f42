package hiring

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"j.doe@gmail.com", "jdoe@gmail.com", true},
		{"  J.Doe+jobs@GMail.com ", "jdoe@gmail.com", true},
		{"j.d.o.e+a+b@googlemail.com", "jdoe@gmail.com", true},
		{"mailto:JDoe@gmail.com", "jdoe@gmail.com", true},
		{"<jdoe@gmail.com>", "jdoe@gmail.com", true},
		{"john.doe+x@outlook.com", "john.doe@outlook.com", true},
		{"john.doe+x@hotmail.co.uk", "john.doe@hotmail.co.uk", true},
		{"john+x@live.fr", "john@live.fr", true},
		{"john+x@msn.com", "john@msn.com", true},
		{"john+x@icloud.com", "john@icloud.com", true},
		{"john+x@me.com", "john@me.com", true},
		{"john+x@fastmail.com", "john@fastmail.com", true},
		{"john+x@protonmail.com", "john@protonmail.com", true},
		{"john+x@proton.me", "john@proton.me", true},
		{"john+x@pm.me", "john@pm.me", true},
		{"john-shop@yahoo.com", "john@yahoo.com", true},
		{"john-shop@yahoo.co.jp", "john@yahoo.co.jp", true},
		{"john.doe-x@ymail.com", "john.doe@ymail.com", true},
		// Only the providers that ignore them lose dots and tags.
		{"john.doe+x@example.com", "john.doe+x@example.com", true},
		{"john-x@gmail.com", "john-x@gmail.com", true},
		{"john+x@yahoo.com", "john+x@yahoo.com", true},
		{"j.doe@live.example.com", "j.doe@live.example.com", true},
		{"+x@gmail.com", "+x@gmail.com", true},
		{"jdoe@example.com.", "jdoe@example.com", true},
		{"jürgen@müller.de", "jürgen@müller.de", true},
		// Invalid.
		{"", "", false},
		{"jdoe", "", false},
		{"jdoe@", "", false},
		{"@gmail.com", "", false},
		{"a@b@gmail.com", "", false},
		{"jdoe@localhost", "", false},
		{"j..doe@example.com", "", false},
		{".jdoe@example.com", "", false},
		{"jdoe.@example.com", "", false},
		{"j doe@example.com", "", false},
		{"jdoe@exa mple.com", "", false},
		{"jdoe@-example.com", "", false},
		{"jdoe@example..com", "", false},
		{"jdoe@10.0.0.1", "", false},
		{"\"j doe\"@example.com", "", false},
		{"..@gmail.com", "", false},
		{strings.Repeat("a", 65) + "@example.com", "", false},
		{"jdoe@" + strings.Repeat("a", 64) + ".com", "", false},
		{"jdoe@ex\xffample.com", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeEmail(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, country string
		want        string
		ok          bool
	}{
		{"(415) 555-2671", "US", "+14155552671", true},
		{"415.555.2671", "us", "+14155552671", true},
		{"+1 415 555 2671", "", "+14155552671", true},
		{"+1 415 555 2671 ext. 12", "DE", "+14155552671", true},
		{"001 415 555 2671", "DE", "+14155552671", true},
		{"020 7946 0958", "GB", "+442079460958", true},
		{"+44 20 7946 0958", "US", "+442079460958", true},
		{"030 123456", "DE", "+4930123456", true},
		{"010-1234-5678", "KR", "+821012345678", true},
		{"+86 138 0013 8000", "", "+8613800138000", true},
		{"0041 44 668 18 00", "CH", "+41446681800", true},
		// Invalid: no country to read a national number in, numbers that
		// cannot exist, text.
		{"415 555 2671", "", "", false},
		{"555-2671", "US", "", false},
		{"+1 000 000 0000", "", "", false},
		{"12", "US", "", false},
		{"call me", "US", "", false},
		{"", "US", "", false},
		{strings.Repeat("1", 100), "US", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizePhone(tt.in, tt.country)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q, %v", tt.in, tt.country, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNormalizeAddress(t *testing.T) {
	t.Parallel()
	same := [][]string{
		{"12 Main St., Apt 4", "12 main street unit 4", "12 MAIN STREET #4", "12 Main St Apt. #4", "12, Main Street, Unit 4", "12 Main St Flat 4"},
		{"500 N. Oak Ave", "500 north oak avenue", "500 N Oak Av."},
		{"1 Rue de l'Église", "1 rue de l eglise", "1 RUE DE L’ÉGLISE"},
		{"Hauptstraße 5", "HAUPTSTRASSE 5", "hauptstrasse 5"},
		{"P.O. Box 123", "PO Box 123", "po box 123"},
		{"77 Sunset Blvd, Ste 200", "77 sunset boulevard suite 200"},
		{"9 Elm Rd NW", "9 elm road northwest"},
		{"Ｔｏｋｙｏ　１－２－３", "tokyo 1 2 3"},
		{"1 Elm St, Springfield IL 62704-1234", "1 elm street springfield il 62704"},
	}
	for _, group := range same {
		want := NormalizeAddress(group[0])
		for _, s := range group[1:] {
			if got := NormalizeAddress(s); got != want {
				t.Errorf("NormalizeAddress(%q) = %q; want %q as for %q", s, got, want, group[0])
			}
		}
	}
	tests := []struct{ in, want string }{
		{"12 Main St., Apt 4", "12 main street unit 4"},
		{"", ""},
		{" ,.;- ", ""},
		{"Café 3", "cafe 3"},
	}
	for _, tt := range tests {
		if got := NormalizeAddress(tt.in); got != tt.want {
			t.Errorf("NormalizeAddress(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
	different := [][2]string{
		{"12 Main St", "21 Main St"},
		{"12 Main St Apt 4", "12 Main St Apt 5"},
		{"12 Main St", "12 Main Rd"},
	}
	for _, d := range different {
		if NormalizeAddress(d[0]) == NormalizeAddress(d[1]) {
			t.Errorf("NormalizeAddress(%q) == NormalizeAddress(%q)", d[0], d[1])
		}
	}
}

func TestNormalizeBankAccount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Account
		ok   bool
	}{
		{"GB82 WEST 1234 5698 7654 32", Account{"GB82WEST12345698765432", true, true}, true},
		{"gb82-west-1234-5698-7654-32", Account{"GB82WEST12345698765432", true, true}, true},
		{"IBAN DE89 3704 0044 0532 0130 00", Account{"DE89370400440532013000", true, true}, true},
		{"NO93 8601 1117 947", Account{"NO9386011117947", true, true}, true},
		// A mistyped check digit or a wrong length still normalises.
		{"GB83 WEST 1234 5698 7654 32", Account{"GB83WEST12345698765432", true, false}, true},
		{"DE89 3704 0044 0532 0130 0", Account{"DE8937040044053201300", true, false}, true},
		// Account numbers without a general check.
		{"021000021-123456789", Account{"021000021123456789", false, true}, true},
		{"12-3456-7890123-00", Account{"123456789012300", false, true}, true},
		{"", Account{}, false},
		{"0000 0000", Account{}, false},
		{"123", Account{}, false},
		{"12*34*56", Account{}, false},
	}
	for _, tt := range tests {
		got, ok := NormalizeBankAccount(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeBankAccount(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestValidIBAN(t *testing.T) {
	t.Parallel()
	// Examples from the SWIFT IBAN registry.
	for _, v := range []string{
		"AL47212110090000000235698741", "AT611904300234573201", "BE68539007547034", "CH9300762011623852957",
		"FR1420041010050500013M02606", "IT60X0542811101000000123456", "NL91ABNA0417164300", "ES9121000418450200051332",
		"PL61109010140000071219812874", "SE4550000000058398257466", "UA213223130000026007233566001",
	} {
		if !ValidIBAN(v) {
			t.Errorf("ValidIBAN(%q) = false", v)
		}
	}
	for _, v := range []string{"NL91ABNA0417164301", "NL91ABNA041716430", "XX00", "NL9lABNA0417164300", "ZZ12345"} {
		if ValidIBAN(v) {
			t.Errorf("ValidIBAN(%q) = true", v)
		}
	}
}

func TestNormalizeOthers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    func(string) (string, bool)
		in   string
		want string
		ok   bool
	}{
		{"serial", NormalizeSerial, "c02x-1234.ab", "C02X1234AB", true},
		{"serial", NormalizeSerial, " PF-3A 9Z:K1 ", "PF3A9ZK1", true},
		{"serial", NormalizeSerial, "To be filled by O.E.M.", "", false},
		{"serial", NormalizeSerial, "Default string", "", false},
		{"serial", NormalizeSerial, "0000000", "", false},
		{"serial", NormalizeSerial, "ab1", "", false},
		{"serial", NormalizeSerial, "", "", false},
		{"national id", NormalizeNationalID, "536-22-1234", "536221234", true},
		{"national id", NormalizeNationalID, "ab 12 34 56 c", "AB123456C", true},
		{"national id", NormalizeNationalID, "000-00-0000", "", false},
		{"national id", NormalizeNationalID, "N/A", "", false},
		{"national id", NormalizeNationalID, "12#34", "", false},
		{"github", NormalizeGitHub, "Octo-Cat", "octo-cat", true},
		{"github", NormalizeGitHub, "@octocat", "octocat", true},
		{"github", NormalizeGitHub, "https://github.com/OctoCat/", "octocat", true},
		{"github", NormalizeGitHub, "http://www.github.com/octocat?tab=repositories", "octocat", true},
		{"github", NormalizeGitHub, "github.com/octocat/hello-world", "octocat", true},
		{"github", NormalizeGitHub, "-octocat", "", false},
		{"github", NormalizeGitHub, "octocat-", "", false},
		{"github", NormalizeGitHub, "octo--cat", "", false},
		{"github", NormalizeGitHub, "octo_cat", "", false},
		{"github", NormalizeGitHub, strings.Repeat("a", 40), "", false},
		{"github", NormalizeGitHub, "https://gitlab.com/octocat", "", false},
		{"github", NormalizeGitHub, "", "", false},
	}
	for _, tt := range tests {
		got, ok := tt.f(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s %q = %q, %v; want %q, %v", tt.name, tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNormalizeIP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok, link bool
	}{
		{"203.0.113.7", "203.0.113.7", true, true},
		{" ::ffff:203.0.113.7 ", "203.0.113.7", true, true},
		{"[2001:db8::1]", "2001:db8::1", true, true},
		{"2001:DB8:0:0::1", "2001:db8::1", true, true},
		{"fe80::1%eth0", "fe80::1", true, false},
		{"192.168.1.10", "192.168.1.10", true, false},
		{"10.0.0.1", "10.0.0.1", true, false},
		{"127.0.0.1", "127.0.0.1", true, false},
		{"0.0.0.0", "0.0.0.0", true, false},
		{"256.1.1.1", "", false, false},
		{"example.com", "", false, false},
		{"", "", false, false},
	}
	for _, tt := range tests {
		a, ok := NormalizeIP(tt.in)
		got := ""
		if ok {
			got = a.String()
		}
		if got != tt.want || ok != tt.ok || ok && linkableIP(a) != tt.link {
			t.Errorf("NormalizeIP(%q) = %q, %v (linkable %v); want %q, %v, %v", tt.in, got, ok, ok && linkableIP(a), tt.want, tt.ok, tt.link)
		}
	}
}

// Fuzz tests: no normaliser panics, each is idempotent on its own output
// and what it returns is valid UTF-8.

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"j.doe+x@gmail.com", "a@b.c", "john-x@yahoo.co.uk", "@", "a@b@c", "mailto:<x@y.z>", "jürgen@müller.de"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := NormalizeEmail(s)
		if !ok {
			return
		}
		if !utf8.ValidString(v) || strings.Count(v, "@") != 1 {
			t.Fatalf("NormalizeEmail(%q) = %q", s, v)
		}
		if again, ok := NormalizeEmail(v); !ok || again != v {
			t.Fatalf("NormalizeEmail(%q) = %q, %v; not idempotent on %q", v, again, ok, s)
		}
	})
}

func FuzzNormalizePhone(f *testing.F) {
	f.Add("(415) 555-2671", "US")
	f.Add("+44 20 7946 0958", "")
	f.Add("010-1234-5678", "KR")
	f.Add("+1 415 555 2671 ext. 12", "de")
	f.Add("++--()", "ZZ")
	f.Add("+44 (0) 20 7946 0958", "GB")
	f.Add("1-800-FLOWERS", "US")
	// The fast path's forms: "+1" and ten digits, ten digits in a plain
	// region, a Caribbean region's own number.
	f.Add("+12125550123", "")
	f.Add("(809) 555-0123", "DO")
	f.Add("268 464 1234", "AG")
	f.Add("+1 (671) 300-1234", "gu")
	f.Fuzz(func(t *testing.T, s, country string) {
		v, ok := NormalizePhone(s, country)
		if rv, rok := referencePhone(s, country); rv != v || rok != ok {
			t.Fatalf("NormalizePhone(%q, %q) = %q, %v; the library alone says %q, %v", s, country, v, ok, rv, rok)
		}
		if !ok {
			return
		}
		if !strings.HasPrefix(v, "+") {
			t.Fatalf("NormalizePhone(%q, %q) = %q", s, country, v)
		}
		if again, ok := NormalizePhone(v, ""); !ok || again != v {
			t.Fatalf("NormalizePhone(%q) = %q, %v; not idempotent", v, again, ok)
		}
	})
}

// referencePhone is NormalizePhone without its shortcuts: the library's
// Parse on the text as written and IsValidNumber.
func referencePhone(s, country string) (e164 string, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxPhoneLen || !utf8.ValidString(s) {
		return "", false
	}
	region := strings.ToUpper(strings.TrimSpace(country))
	if len(region) != 2 {
		region = "ZZ"
	}
	defer func() {
		if recover() != nil {
			e164, ok = "", false
		}
	}()
	num, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}

func FuzzNormalizeAddress(f *testing.F) {
	for _, s := range []string{"12 Main St., Apt 4", "P.O. Box 9", "Hauptstraße 5", "1 Rue de l'Église", "#4 #5", "Ｔｏｋｙｏ", "p o box"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := NormalizeAddress(s)
		if again := NormalizeAddress(v); again != v {
			t.Fatalf("NormalizeAddress(%q) = %q, then %q", s, v, again)
		}
		if strings.Contains(v, "  ") || strings.TrimSpace(v) != v {
			t.Fatalf("NormalizeAddress(%q) = %q: stray spaces", s, v)
		}
	})
}

func FuzzNormalizeIdentifiers(f *testing.F) {
	for _, s := range []string{"GB82 WEST 1234 5698 7654 32", "c02x-1234.ab", "123-45-6789", "https://github.com/OctoCat/", "::ffff:1.2.3.4", "IBAN DE89"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if a, ok := NormalizeBankAccount(s); ok {
			if b, ok := NormalizeBankAccount(a.Value); !ok || b != a {
				t.Fatalf("NormalizeBankAccount(%q) = %+v, then %+v, %v", s, a, b, ok)
			}
		}
		for _, n := range []func(string) (string, bool){NormalizeSerial, NormalizeNationalID, NormalizeGitHub} {
			if v, ok := n(s); ok {
				if again, ok := n(v); !ok || again != v {
					t.Fatalf("%q → %q → %q, %v", s, v, again, ok)
				}
			}
		}
		if a, ok := NormalizeIP(s); ok {
			if b, ok := NormalizeIP(a.String()); !ok || b != a {
				t.Fatalf("NormalizeIP(%q) = %v, then %v, %v", s, a, b, ok)
			}
		}
	})
}

// TestNormalizeAddressRegions: state and province names and codes agree
// where they stand as the region; elsewhere the words stay.
func TestNormalizeAddressRegions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"12 Main St, Springfield, IL 62704", "12 Main Street, Springfield, Illinois 62704", true},
		{"300 Bay Rd, Tampa, FL 33602", "300 Bay Road, Tampa, Florida 33602-1234, USA", true},
		{"1 King St W, Toronto, ON M5H 1A1, Canada", "1 King Street West, Toronto, Ontario M5H 1A1", true},
		{"5 Elm Ct, Hartford, Connecticut", "5 Elm Court, Hartford, CT", true},
		{"12 Washington Street, Boston, MA 02108", "12 WA Street, Boston, MA 02108", false},
		{"12 Main St, Springfield, IL 62704", "12 Main St, Springfield, MO 65801", false},
	} {
		if got := NormalizeAddress(tc.a) == NormalizeAddress(tc.b); got != tc.same {
			t.Errorf("%q (%s) and %q (%s): same %v, want %v", tc.a, NormalizeAddress(tc.a), tc.b, NormalizeAddress(tc.b), got, tc.same)
		}
	}
}
