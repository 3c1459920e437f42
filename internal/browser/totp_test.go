package browser

import (
	"strings"
	"testing"
	"time"
)

// The test vectors of RFC 6238, appendix B (8 digits; the seeds are the
// ASCII digits repeated to the hash's size).
func TestTOTPCodesMatchRFC6238(t *testing.T) {
	t.Parallel()
	seeds := map[string]string{
		"SHA1":   "12345678901234567890",
		"SHA256": "12345678901234567890123456789012",
		"SHA512": "1234567890123456789012345678901234567890123456789012345678901234",
	}
	for _, c := range []struct {
		unix int64
		alg  string
		want string
	}{
		{59, "SHA1", "94287082"}, {59, "SHA256", "46119246"}, {59, "SHA512", "90693936"},
		{1111111109, "SHA1", "07081804"}, {1111111109, "SHA256", "68084774"}, {1111111109, "SHA512", "25091201"},
		{1111111111, "SHA1", "14050471"}, {1111111111, "SHA256", "67062674"}, {1111111111, "SHA512", "99943326"},
		{1234567890, "SHA1", "89005924"}, {1234567890, "SHA256", "91819424"}, {1234567890, "SHA512", "93441116"},
		{2000000000, "SHA1", "69279037"}, {2000000000, "SHA256", "90698825"}, {2000000000, "SHA512", "38618901"},
		{20000000000, "SHA1", "65353130"}, {20000000000, "SHA256", "77737706"}, {20000000000, "SHA512", "47863826"},
	} {
		k := TOTPKey{Secret: []byte(seeds[c.alg]), Digits: 8, Period: 30 * time.Second, Algorithm: c.alg}
		if got := k.Code(time.Unix(c.unix, 0)); got != c.want {
			t.Errorf("%s at %d: %s, want %s", c.alg, c.unix, got, c.want)
		}
	}
	// Six digits are the last six of the eight.
	k := TOTPKey{Secret: []byte(seeds["SHA1"])}
	if got := k.Code(time.Unix(59, 0)); got != "287082" {
		t.Errorf("6 digits at 59: %s, want 287082", got)
	}
}

func TestParseTOTP(t *testing.T) {
	t.Parallel()
	// "12345678901234567890" in base32.
	const b32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	for _, c := range []struct {
		in      string
		uri     bool
		digits  int
		period  time.Duration
		alg     string
		wantErr string
	}{
		{in: b32, digits: 6, period: 30 * time.Second, alg: "SHA1"},
		{in: " gezd gnbv gy3t qojq gezd gnbv gy3t qojq ", digits: 6, period: 30 * time.Second, alg: "SHA1"},
		{in: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ====", digits: 6, period: 30 * time.Second, alg: "SHA1"},
		{in: "otpauth://totp/Bulwark:alice?secret=" + b32 + "&issuer=Bulwark", uri: true, digits: 6, period: 30 * time.Second, alg: "SHA1"},
		{in: "otpauth://totp/x?secret=" + b32 + "&digits=8&period=60&algorithm=sha256", uri: true, digits: 8, period: time.Minute, alg: "SHA256"},
		{in: "", wantErr: "empty secret"},
		{in: "not base32!", wantErr: "not base32"},
		{in: "otpauth://hotp/x?secret=" + b32, uri: true, wantErr: "want an otpauth://totp/ URI"},
		{in: "otpauth://totp/x?secret=" + b32 + "&digits=4", uri: true, wantErr: "digits"},
		{in: "otpauth://totp/x?secret=" + b32 + "&period=0", uri: true, wantErr: "period"},
		{in: "otpauth://totp/x?secret=" + b32 + "&algorithm=MD5", uri: true, wantErr: "algorithm"},
		{in: "otpauth://totp/x", uri: true, wantErr: "empty secret"},
	} {
		parse := ParseTOTPSecret
		if c.uri {
			parse = ParseTOTPURI
		}
		k, err := parse(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%q: error %v, want one saying %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if string(k.Secret) != "12345678901234567890" || k.Digits != c.digits || k.Period != c.period || k.Algorithm != c.alg {
			t.Errorf("%q: %+v", c.in, k)
		}
	}
}

func TestTOTPWindow(t *testing.T) {
	t.Parallel()
	k := TOTPKey{Period: 30 * time.Second}
	start, next := k.Window(time.Unix(1111111109, 0))
	if start.Unix() != 1111111080 || next.Unix() != 1111111110 {
		t.Fatalf("window of 1111111109: %d..%d", start.Unix(), next.Unix())
	}
}

// FuzzParseTOTPURI: any text gives a key or an error, never a panic, and
// a key's code has its digits.
func FuzzParseTOTPURI(f *testing.F) {
	f.Add("otpauth://totp/Bulwark:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Bulwark")
	f.Add("otpauth://totp/x?secret=GEZDGNBV&digits=10&period=3600&algorithm=SHA512")
	f.Add("otpauth://totp/%zz?secret=A")
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(string) (TOTPKey, error){ParseTOTPURI, ParseTOTPSecret} {
			k, err := parse(s)
			if err != nil {
				continue
			}
			if code := k.Code(time.Unix(1234567890, 0)); len(code) != k.Digits {
				t.Fatalf("%q: code %q has not %d digits", s, code, k.Digits)
			}
		}
	})
}
