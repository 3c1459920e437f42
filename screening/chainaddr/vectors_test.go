package chainaddr

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// readTSV reads a tab-separated test table, skipping blank lines and '#'
// comments, and checks the column count.
func readTSV(t *testing.T, path string, cols int) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := strings.Split(line, "\t")
		if len(r) != cols {
			t.Fatalf("%s:%d: %d columns, want %d: %q", path, n, len(r), cols, line)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestValidVectors(t *testing.T) {
	rows := readTSV(t, "testdata/valid.tsv", 5)
	if len(rows) < 60 {
		t.Fatalf("only %d valid vectors", len(rows))
	}
	for _, r := range rows {
		hint, in, chain, format, key := r[0], r[1], r[2], r[3], r[4]
		p, err := Parse(in, hint)
		if err != nil {
			t.Errorf("Parse(%q, %q): %v", in, hint, err)
			continue
		}
		if p.Chain != chain || p.Format != format || p.Key != key {
			t.Errorf("Parse(%q, %q) = %s %s %s, want %s %s %s", in, hint, p.Chain, p.Format, p.Key, chain, format, key)
		}
		if p.Input != strings.TrimSpace(in) {
			t.Errorf("Parse(%q).Input = %q", in, p.Input)
		}
		// The display form parses to the same key.
		q, err := Parse(p.Address, hint)
		if err != nil || q.Key != p.Key {
			t.Errorf("Parse(Address %q, %q) = %q, %v; want key %q", p.Address, hint, q.Key, err, p.Key)
		}
	}
}

func TestInvalidVectors(t *testing.T) {
	rows := readTSV(t, "testdata/invalid.tsv", 3)
	if len(rows) < 40 {
		t.Fatalf("only %d invalid vectors", len(rows))
	}
	for _, r := range rows {
		hint, in, want := r[0], r[1], r[2]
		p, err := Parse(in, hint)
		if err == nil {
			t.Errorf("Parse(%q, %q) = %+v, want an error holding %q", in, hint, p, want)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q, %q) error %q does not hold %q", in, hint, err, want)
		}
		var be *bulwark.Error
		if !errors.As(err, &be) || be.Code != bulwark.EINVALID || be.Field != "address" {
			t.Errorf("Parse(%q, %q) error %#v is not an EINVALID bulwark.Error on field address", in, hint, err)
		}
		if p != (Parsed{}) {
			t.Errorf("Parse(%q, %q) returned %+v with its error", in, hint, p)
		}
	}
}

// TestSameKey checks spellings that must meet at one key.
func TestSameKey(t *testing.T) {
	groups := []struct {
		name  string
		forms [][2]string // address, hint
	}{
		{"BCH legacy = CashAddr (spec translation table)", [][2]string{
			{"1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", "BCH"},
			{"bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", ""},
			{"qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", "BCH"},
			{"QPM2QSZNHKS23Z7629MMS6S4CWEF74VCWVY22GDX6A", ""},
		}},
		{"BCH 1KXr", [][2]string{{"1KXrWXciRDZUpQwQmuM1DbwsKDLYAYsVLR", "BCH"}, {"bitcoincash:qr95sy3j9xwd2ap32xkykttr4cvcu7as4y0qverfuy", "BCH"}}},
		{"BCH 16w1", [][2]string{{"16w1D5WRVKJuZUsSRzdLp9w3YGcgoxDXb", "BCH"}, {"bitcoincash:qqq3728yw0y47sqn6l2na30mcw6zm78dzqre909m2r", "BCH"}}},
		{"BCH 3CWF", [][2]string{{"3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC", "BCH"}, {"bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq", "BCH"}}},
		{"BCH 3LDs", [][2]string{{"3LDsS579y7sruadqu11beEJoTjdFiFCdX4", "BCH"}, {"bitcoincash:pr95sy3j9xwd2ap32xkykttr4cvcu7as4yc93ky28e", "BCH"}}},
		{"BCH 31nw", [][2]string{{"31nwvkZwyPdgzjBJZXfDmSWsC4ZLKpYyUw", "BCH"}, {"bitcoincash:pqq3728yw0y47sqn6l2na30mcw6zm78dzq5ucqzc37", "BCH"}}},
		{"BTC/BCH/BSV share version 0x00", [][2]string{
			{"1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", ""},
			{"1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", "XBT"},
			{"1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", "BSV"},
			{"1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", "USDT"},
		}},
		{"bech32 upper = lower", [][2]string{
			{"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", ""},
			{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "BTC"},
		}},
		{"EVM lower/upper/EIP-55 on every EVM chain", [][2]string{
			{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", ""},
			{"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "ETH"},
			{"0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "ARB"},
			{"0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "BSC"},
			{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "USDT"},
			{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "USDC"},
			{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "MATIC"},
			{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "ETC"},
			{"5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "ETH"},
			{" 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\n", "eth"},
		}},
		{"TRON base58 = hex", [][2]string{{"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", ""}, {"41A614F803B6FD780986A42C78EC9C7F77E6DED13C", "TRX"}}},
		{"LTC 3… = M… for one script hash", [][2]string{
			{"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "LTC"},
			{b58check(0x32, mustHex("b472a266d0bd89c13706a4132ccfb16f7c3b9fcb")), "LTC"},
		}},
		{"XRP classic = X-address", [][2]string{{"r9cZA1mLK5R5Am25ArfXFmqgNwjZgnfk59", ""}, {"X7AcgcsBL6XDcUb289X4mJ8djcdyKaB5hJDWMArnXr61cqZ", "XRP"}}},
		{"XMR integrated = standard", [][2]string{
			{"4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge", ""},
			{"4LL9oSLmtpccfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2bYXZKKQePHES9khPK", "XMR"},
		}},
	}
	for _, g := range groups {
		var first string
		for i, f := range g.forms {
			p, err := Parse(f[0], f[1])
			if err != nil {
				t.Errorf("%s: Parse(%q, %q): %v", g.name, f[0], f[1], err)
				continue
			}
			if i == 0 {
				first = p.Key
			} else if p.Key != first {
				t.Errorf("%s: Parse(%q, %q).Key = %q, want %q", g.name, f[0], f[1], p.Key, first)
			}
		}
	}
}

// TestDistinctKeys checks that the same bytes on different chains do not
// meet: a TRON account and the EVM address with the same 20 bytes, and a
// BTC p2pkh and LTC p2pkh of one hash.
func TestDistinctKeys(t *testing.T) {
	tron, err := Parse("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "USDT")
	if err != nil {
		t.Fatal(err)
	}
	evm, err := Parse("0xa614f803b6fd780986a42c78ec9c7f77e6ded13c", "USDT")
	if err != nil {
		t.Fatal(err)
	}
	if tron.Key == evm.Key || tron.Chain != "TRON" || evm.Chain != "EVM" {
		t.Errorf("TRON %+v and EVM %+v must keep distinct keys", tron, evm)
	}
	h := mustHex("62e907b15cbf27d5425399ebf6f0fb50ebb88f18")
	btc, _ := Parse(b58check(0x00, h), "")
	ltc, err := Parse(b58check(0x30, h), "")
	if err != nil || btc.Key == ltc.Key || ltc.Chain != "LTC" {
		t.Errorf("BTC %+v and LTC %+v (%v) must keep distinct keys", btc, ltc, err)
	}
}

// TestEIP55FlipEveryLetter flips the case of each letter of checksummed
// addresses in turn: every flip must fail with a checksum error.
func TestEIP55FlipEveryLetter(t *testing.T) {
	for _, a := range []string{
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
		"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
	} {
		flips := 0
		for i := 2; i < len(a); i++ {
			c := a[i]
			var f byte
			switch {
			case c >= 'a' && c <= 'f':
				f = c - 'a' + 'A'
			case c >= 'A' && c <= 'F':
				f = c - 'A' + 'a'
			default:
				continue
			}
			b := a[:i] + string(f) + a[i+1:]
			lo, up := caseOf(b[2:])
			if !lo || !up {
				continue // flipping made it single-case, which is accepted
			}
			flips++
			_, err := Parse(b, "ETH")
			if err == nil || !strings.Contains(err.Error(), "EIP-55") || !strings.Contains(err.Error(), "lower case") {
				t.Errorf("Parse(%q) = %v, want an EIP-55 checksum error that says how to fix it", b, err)
			}
		}
		if flips < 10 {
			t.Errorf("%s: only %d flips tried", a, flips)
		}
	}
}

func TestUnsupportedCurrency(t *testing.T) {
	for _, hint := range []string{"IOST", "ada", "IOST/ADA", "XYZ", strings.Repeat("X", 65)} {
		_, err := Parse("binanceiost", hint)
		if !errors.Is(err, ErrUnsupportedCurrency) {
			t.Errorf("Parse with hint %q: %v, want ErrUnsupportedCurrency", hint, err)
			continue
		}
		if len(hint) > 64 {
			continue
		}
		part := strings.ToUpper(hint)
		if i := strings.IndexByte(part, '/'); i >= 0 {
			part = part[:i]
		}
		if !strings.Contains(err.Error(), `"`+part+`"`) || !strings.Contains(err.Error(), "not supported") {
			t.Errorf("Parse with hint %q: %q does not name the ticker as unsupported", hint, err)
		}
	}
	// Unknown tickers beside a known one are ignored.
	if p, err := Parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "ETH/IOST"); err != nil || p.Chain != "EVM" {
		t.Errorf("Parse with hint ETH/IOST: %+v %v", p, err)
	}
	// A supported hint never yields ErrUnsupportedCurrency, even for junk.
	if _, err := Parse("junk", "ETH"); err == nil || errors.Is(err, ErrUnsupportedCurrency) {
		t.Errorf("Parse(junk, ETH) = %v", err)
	}
}

func TestOpaqueAndFoldKey(t *testing.T) {
	p := Opaque(" iost ", " binanceiost ")
	want := Parsed{Input: "binanceiost", Address: "binanceiost", Chain: "IOST", Format: "opaque", Key: "raw:IOST:binanceiost"}
	if p != want {
		t.Errorf("Opaque = %+v, want %+v", p, want)
	}
	a, b := FoldKey(" 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"), FoldKey("1A1ZP1EP5QGEFI2DMPTFTL5SLMV7DIVFNA\t")
	if a != b || a != "fold:1a1zp1ep5qgefi2dmptftl5slmv7divfna" {
		t.Errorf("FoldKey: %q vs %q", a, b)
	}
}

func TestTickers(t *testing.T) {
	ts := Tickers()
	for _, want := range []string{"ETH", "USDT", "USDC", "ARB", "BSC", "ETC", "XBT", "BTC", "LTC", "BCH", "BSV", "BTG", "DASH", "ZEC", "XMR", "XRP", "TRX", "SOL", "DOGE", "XVG"} {
		found := false
		for _, x := range ts {
			if x == want {
				found = true
			}
		}
		if !found {
			t.Errorf("Tickers() lacks %s", want)
		}
		if _, err := Parse("x", want); errors.Is(err, ErrUnsupportedCurrency) {
			t.Errorf("ticker %s is listed but unsupported", want)
		}
	}
}

func TestInputLimits(t *testing.T) {
	long := strings.Repeat("1", MaxInputLen+1)
	if _, err := Parse(long, ""); err == nil || !strings.Contains(err.Error(), "bytes long") {
		t.Errorf("Parse(%d bytes) = %v", len(long), err)
	}
	for _, in := range []string{"", " ", "\t\n"} {
		if _, err := Parse(in, "ETH"); err == nil || !strings.Contains(err.Error(), "empty") {
			t.Errorf("Parse(%q) = %v", in, err)
		}
	}
}

func TestParseEVMAllocs(t *testing.T) {
	n := testing.AllocsPerRun(200, func() {
		if _, err := Parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "ETH"); err != nil {
			t.Fatal(err)
		}
	})
	if n > 1 {
		t.Errorf("Parse of an EVM address makes %v allocations, want at most 1", n)
	}
}

// TestNonZeroPadding builds otherwise valid Bech32 and CashAddr strings
// whose padding bits are not zero: BIP-173 and CashAddr reject them, and
// accepting them would give one key two spellings.
func TestNonZeroPadding(t *testing.T) {
	prog := mustHex("000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433")
	data := append([]byte{0}, to5(prog)...) // 32 bytes = 52 groups, 4 padding bits
	good := bech32Encode("bc", data, variantBech32)
	if _, err := Parse(good, ""); err != nil {
		t.Fatalf("Parse(%q): %v", good, err)
	}
	data[len(data)-1] |= 1
	bad := bech32Encode("bc", data, variantBech32)
	if _, err := Parse(bad, ""); err == nil || !strings.Contains(err.Error(), "padding") {
		t.Errorf("Parse(%q) = %v, want a padding error", bad, err)
	}

	h := mustHex("76a04053bda0a88bda5177b86a15c3b29f559873")
	payload := to5(append([]byte{0}, h...)) // 21 bytes = 34 groups, 2 padding bits
	payload[len(payload)-1] |= 1
	chk := uint64(1)
	for _, c := range []byte("bitcoincash") {
		chk = cashPolymod(chk, c&31)
	}
	chk = cashPolymod(chk, 0)
	for _, d := range payload {
		chk = cashPolymod(chk, d)
	}
	for i := 0; i < 8; i++ {
		chk = cashPolymod(chk, 0)
	}
	chk ^= 1
	s := "bitcoincash:"
	for _, d := range payload {
		s += string(bech32Charset[d])
	}
	for i := 0; i < 8; i++ {
		s += string(bech32Charset[(chk>>(5*(7-i)))&31])
	}
	if _, err := Parse(s, ""); err == nil || !strings.Contains(err.Error(), "padding") {
		t.Errorf("Parse(%q) = %v, want a padding error", s, err)
	}
}
