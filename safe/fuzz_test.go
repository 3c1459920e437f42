package safe

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// Seed corpora live in testdata/fuzz/<FuzzName>/; `make fuzz` runs each
// target for FUZZTIME.

// invalidOn fails unless err is an EINVALID *bulwark.Error naming field.
func invalidOn(t *testing.T, err error, field, input string) {
	t.Helper()
	var e *bulwark.Error
	if !errors.As(err, &e) || e.Code != bulwark.EINVALID || e.Field != field || !strings.HasPrefix(e.Message, field+": ") {
		t.Fatalf("input %q: error %v does not name %s as invalid", input, err, field)
	}
	if len(e.Message) > 500 {
		t.Fatalf("input %q: error message of %d bytes", input, len(e.Message))
	}
}

// FuzzParseVersion: only released versions parse, and they round-trip.
func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1.3.0+L2", "v1.1.1", "0.1.0", "1.6.0", "1.3", "", "1.3.0-libs.0", "01.3.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion("--safe-version", s)
		if err != nil {
			invalidOn(t, err, "--safe-version", s)
			return
		}
		if !v.Known() {
			t.Fatalf("ParseVersion(%q) = unknown %s", s, v)
		}
		again, err := ParseVersion("--safe-version", v.String())
		if err != nil || again != v {
			t.Fatalf("ParseVersion(%q) = %s does not round-trip: %v %v", s, v, again, err)
		}
	})
}

// FuzzParseAddress: a parsed address round-trips through its EIP-55 and
// lower-case forms; a mixed-case input that parses is its EIP-55 form.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"0x96221423681A6d52E184D440a8eFCEbB105C7242", "0x96221423681a6d52e184d440a8efcebb105c7242", "0x96221423681A6d52E184D440a8eFCEbB105C7243", "96221423681a6d52e184d440a8efcebb105c7242", "0x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress("--to", s)
		if err != nil {
			invalidOn(t, err, "--to", s)
			return
		}
		for _, form := range []string{a.Hex(), strings.ToLower(a.Hex())} {
			if b, err := ParseAddress("--to", form); err != nil || b != a {
				t.Fatalf("%q parsed as %s, but %q gives %s, %v", s, a.Hex(), form, b.Hex(), err)
			}
		}
		digits := strings.TrimPrefix(strings.TrimSpace(s), "0x")
		if hasLower(digits) && hasUpper(digits) && digits != a.Hex()[2:] {
			t.Fatalf("mixed-case %q accepted but its checksum form is %s", s, a.Hex())
		}
	})
}

// FuzzParseUint256: a parsed number is in [0, 2^256-1] and round-trips.
func FuzzParseUint256(f *testing.F) {
	for _, s := range []string{"0", "1000", "0x3e8", "-1", "0x", "1e18", "115792089237316195423570985008687907853269984665640564039457584007913129639936", "0x" + strings.Repeat("f", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseUint256("--value", s)
		if err != nil {
			invalidOn(t, err, "--value", s)
			return
		}
		if n.Sign() < 0 || n.Cmp(MaxUint256) > 0 {
			t.Fatalf("ParseUint256(%q) = %s out of range", s, n)
		}
		for _, form := range []string{n.String(), "0x" + n.Text(16)} {
			if m, err := ParseUint256("--value", form); err != nil || m.Cmp(n) != 0 {
				t.Fatalf("%q = %s, but %q gives %v, %v", s, n, form, m, err)
			}
		}
	})
}

// FuzzParseHex: parsed bytes round-trip through lower-case hex.
func FuzzParseHex(f *testing.F) {
	for _, s := range []string{"0x", "0x00", "0xa9059cbb", "0x0", "a9", "0xzz", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseHex("--data", s)
		if err != nil {
			invalidOn(t, err, "--data", s)
			return
		}
		if !strings.EqualFold("0x"+hex.EncodeToString(b), strings.TrimSpace(s)) {
			t.Fatalf("ParseHex(%q) = %x", s, b)
		}
	})
}

// FuzzParseTypedData: any input gives typed data that hashes (the same
// way twice) or an invalid error naming the input; never a panic.
func FuzzParseTypedData(f *testing.F) {
	for _, s := range []string{
		`{"types":{"EIP712Domain":[{"name":"chainId","type":"uint256"}],"T":[{"name":"v","type":"uint8[2][]"}]},"primaryType":"T","domain":{"chainId":"0x1"},"message":{"v":[[1,2]]}}`,
		`{"types":{"EIP712Domain":[],"Node":[{"name":"kids","type":"Node[]"}]},"primaryType":"Node","domain":{},"message":{"kids":[{"kids":[]}]}}`,
		`"{\"types\":{}}"`,
		`{"types":{"EIP712Domain":[],"T":[{"name":"b","type":"bytes4"},{"name":"i","type":"int8"}]},"primaryType":"T","domain":{},"message":{"b":"0x01020304","i":-128}}`,
		`[]`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		td, err := ParseTypedData("--typed-data", data)
		if err != nil {
			invalidOn(t, err, "--typed-data", string(data))
			return
		}
		h1, err := td.Hash()
		if err != nil {
			invalidOn(t, err, "--typed-data", string(data))
			return
		}
		h2, err := td.Hash()
		if err != nil || h1 != h2 {
			t.Fatalf("hashing twice differs: %v %v %v", h1, h2, err)
		}
	})
}
