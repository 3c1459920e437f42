package lists

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/screening"
)

func TestDigest(t *testing.T) {
	a := Digest(map[string][]byte{"sdn.csv": []byte("1,2"), "alt.csv": []byte("3")})
	b := Digest(map[string][]byte{"alt.csv": []byte("3"), "sdn.csv": []byte("1,2")})
	if a != b {
		t.Fatalf("map order changed the digest: %s vs %s", a, b)
	}
	// The framing keeps content from sliding between names.
	c := Digest(map[string][]byte{"sdn.csv": []byte("1,23"), "alt.csv": nil})
	d := Digest(map[string][]byte{"sdn.csv": []byte("1,2"), "alt.csv": []byte("3")})
	if c == d {
		t.Fatal("moving a byte between files kept the digest")
	}
	if Digest(map[string][]byte{"a": []byte("x")}) == Digest(map[string][]byte{"b": []byte("x")}) {
		t.Fatal("the name is not part of the digest")
	}
	if len(a) != 64 {
		t.Fatalf("digest %q is not 64 hex digits", a)
	}
	// Known answer: name "a", NUL, length 1 as 8 big-endian bytes, "x".
	if got, want := Digest(map[string][]byte{"a": []byte("x")}), "d111bd52b5b0762b90ad7eee406879b07483b5f90f397270da284f6b377ff2f6"; got != want {
		t.Fatalf("Digest = %s, want %s", got, want)
	}
}

func TestDigestReader(t *testing.T) {
	data := []byte("<x/>")
	for _, r := range []interface {
		Read([]byte) (int, error)
	}{bytes.NewReader(data), strings.NewReader(string(data)), bytes.NewBuffer(data), struct{ *bytes.Reader }{bytes.NewReader(data)}} {
		body, sum, err := digestReader("f.xml", r)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 2) // the parser reads only part; sum drains the rest
		if _, err := body.Read(buf); err != nil {
			t.Fatal(err)
		}
		got, err := sum()
		if err != nil {
			t.Fatal(err)
		}
		if want := Digest(map[string][]byte{"f.xml": data}); got != want {
			t.Errorf("%T: digest %s, want %s", r, got, want)
		}
	}
}

func TestCountryCode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		code string
		ok   bool
	}{
		{"Korea, North", "KP", true},
		{"Democratic People's Republic of Korea", "KP", true},
		{"North Korea", "KP", true},
		{"korea, south", "KR", true},
		{"Russia", "RU", true},
		{"Russian Federation", "RU", true},
		{"China", "CN", true},
		{"Iran", "IR", true},
		{"Iran (Islamic Republic of)", "IR", true},
		{"Bahamas, The", "BS", true},
		{"Congo, Democratic Republic of the", "CD", true},
		{"Congo, Republic of the", "CG", true},
		{"Türkiye", "TR", true},
		{"Cote d Ivoire", "CI", true},
		{"Côte d'Ivoire", "CI", true},
		{"United Kingdom of Great Britain and Northern Ireland", "GB", true},
		{"U.K.", "GB", true},
		{"Burma", "MM", true},
		{"Viet Nam", "VN", true},
		{"China, Hong Kong Special Administrative Region", "HK", true},
		{"Region: Crimea", "UA", true},
		{"Region: Gaza", "PS", true},
		{"possibly Palestinian", "PS", true},
		{"Kosovo", "XK", true},
		{"de", "DE", true},
		{"undetermined", "", true},
		{"former Soviet Union", "", true},
		{"", "", true},
		{"Atlantis", "", false},
		{"Bogota", "", false},
		{"ZZ", "", false},
	} {
		code, ok := CountryCode(tc.in)
		if code != tc.code || ok != tc.ok {
			t.Errorf("CountryCode(%q) = %q, %v; want %q, %v", tc.in, code, ok, tc.code, tc.ok)
		}
	}
	if len(isoCodes) != 250 {
		t.Errorf("the table has %d codes, want the 249 of ISO 3166-1 plus XK", len(isoCodes))
	}
}

func TestCheckAddress(t *testing.T) {
	for _, tc := range []struct {
		cur, addr string
		ok        bool
	}{
		{"ETH", "0x098B716B8Aaf21512996dC57EB0615e2383E2f96", true},
		{"ETH", "0x098b716b8aaf21512996dc57eb0615e2383e2f96", true},
		{"ETH", "0x098B716B8Aaf21512996dC57EB0615e2383E2F96", false}, // EIP-55 broken
		{"ETH", "0x098B716B8Aaf21512996dC57EB0615e2383E2f9", false},  // 39 digits
		{"APT", "0xa08fd235db5de8023721b5f9b6e29c0ee5253982ccdd423a1cd9f682ae745821", true},
		{"ETH", "0xa08fd235db5de8023721b5f9b6e29c0ee5253982ccdd423a1cd9f682ae745821", false},
		{"XBT", "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h", true},
		{"XBT", "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9i", false}, // checksum
		{"XBT", "12QtD5BF", false},
		{"XBT", "bc1qsxf77cvwcd6jv6j8d8j3uhh4g0xqw4meswmwuc", true},
		{"XBT", "bc1qsxf77cvwcd6jv6j8d8j3uhh4g0xqw4meswmwud", false},
		{"XBT", "bc1qkfqh5p2qsakseg5gnwen6zh5xf3elmku2xaup29mw3l0wnncy3es880dss", true},
		{"", "bc1qsxf77cvwcd6jv6j8d8j3uhh4g0xqw4meswmwuc", true},
		{"TRX", "TWB9xgNG9nmJuwW4etsQEb9RRnrnVnoNnJ", true},
		{"", "TB1ZRUnSYzTQJRCUDFH4T3NEW2dyen2JPA", true}, // TRON, not bech32 testnet
		{"USDT", "TE3mCcPULjPUE7ykX7RArDPAhyahoy3d2j", true},
		{"USDT", "0x098B716B8Aaf21512996dC57EB0615e2383E2f96", true},
		{"LTC", "LeKvNdNEzgQkzVVnRdV3fAu2DSF1nLsNw6", true},
		{"BCH", "qpusmp64rajses77x95g9ah825mtyyv74smwwkxhx3", true},
		{"BCH", "qpusmp64rajses77x95g9ah825mtyyv74smwwkxhx4", false},
		{"XMR", "49HqitRzdnhYjgTEAhgGpCfsjdTeMbUTU6cyR4JV1R7k2Eej9rGT8JpFiYDa4tZM6RZiFrHmMzgSrhHEqpDYKBe5B2ufNsL", true},
		{"XMR", "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320", false},
		{"XRP", "rEb8TK3gBgk5auZkwc6sHnwrGVJH8DuaLh", true},
		{"ZEC", "t1WSKwCDL1QYRRUrCCknEs5tDLhtGVYu9KM", true},
		{"EOS", "vuniyuoxoeub", true},
		{"USDT", "qlwzviixzm1h", false},
		{"XLM", "GAHK7EEG2WWHVKDNT4CEQFZGKF2LGDSW2IVM4S5DP42RBW3K6BTODB4A", true},
		{"", "", false},
		{"ETH", "0x12 34", false},
		{"ETH", strings.Repeat("a", 131), false},
	} {
		err := checkAddress(tc.cur, tc.addr)
		if (err == nil) != tc.ok {
			t.Errorf("checkAddress(%q, %q) = %v, want ok %v", tc.cur, tc.addr, err, tc.ok)
		}
	}
}

func TestListedAddressFoldsHomoglyphs(t *testing.T) {
	b := newBuilder("x", "x", "x")
	la, ok := b.listedAddress("", "TН96tFMn8KGiYSLiwсV3E2UiaJc8jmcbz3", "here", "")
	if !ok || la.Address != "TH96tFMn8KGiYSLiwcV3E2UiaJc8jmcbz3" {
		t.Fatalf("got %+v, %v", la, ok)
	}
	if len(b.list.Problems) != 1 || !strings.Contains(b.list.Problems[0].Message, "look-alike") {
		t.Fatalf("the fold is not reported: %+v", b.list.Problems)
	}
}

func TestSetListID(t *testing.T) {
	l, err := ParseOwn(Own{ID: "mine", Category: screening.CategoryInternal}, map[string][]byte{"bybit.txt": []byte("0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D\n")})
	if err != nil {
		t.Fatal(err)
	}
	SetListID(l, "bybit-watch")
	checkList(t, l)
	if e := l.Entities[0]; e.ID != "bybit-watch:bybit" || e.List != "bybit-watch" {
		t.Fatalf("entity after SetListID: %+v", e)
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"  a  b ":          "a b",
		"a\r\nb\tc":        "a b c",
		"x\u200by":         "xy",
		"caf\xe9":          "café", // Windows-1252
		"plain":            "plain",
		"":                 "",
		"\ufeffBOM header": "BOM header",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTidyDropsDuplicates(t *testing.T) {
	e := screening.Entity{
		Name:      "LAZARUS GROUP",
		Aliases:   []screening.Alias{{Name: "lazarus group"}, {Name: "ZINC", Weak: true}, {Name: " ZINC "}},
		Programs:  []string{"DPRK3", "DPRK3", ""},
		Emails:    []string{"A@x.org", "a@X.org"},
		Addresses: []screening.ListedAddress{{Currency: "ETH", Address: "0x1"}, {Currency: "ETH", Address: "0x1"}},
	}
	tidy(&e)
	if len(e.Aliases) != 1 || e.Aliases[0].Name != "ZINC" || !e.Aliases[0].Weak {
		t.Errorf("aliases %+v", e.Aliases)
	}
	if len(e.Programs) != 1 || len(e.Emails) != 1 || len(e.Addresses) != 1 {
		t.Errorf("duplicates kept: %+v", e)
	}
}
