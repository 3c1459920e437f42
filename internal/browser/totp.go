package browser

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TOTPKey is what a TOTP enrolment hands the person: the shared secret and
// the code's parameters (RFC 6238; the defaults are SHA-1, 6 digits, 30 s).
type TOTPKey struct {
	Secret    []byte
	Digits    int
	Period    time.Duration
	Algorithm string // "SHA1", "SHA256" or "SHA512"
}

// ParseTOTPSecret reads a base32 secret as authenticator apps take it
// typed in: case, spaces, dashes and padding do not matter. The key has
// the default parameters.
func ParseTOTPSecret(s string) (TOTPKey, error) {
	clean := strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "=", "").Replace(strings.TrimSpace(s)))
	if clean == "" {
		return TOTPKey{}, errors.New("totp: empty secret")
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(clean)
	if err != nil {
		return TOTPKey{}, fmt.Errorf("totp: the secret is not base32: %w", err)
	}
	return TOTPKey{Secret: secret, Digits: 6, Period: 30 * time.Second, Algorithm: "SHA1"}, nil
}

// ParseTOTPURI reads an otpauth://totp/LABEL?secret=…&digits=…&period=…&algorithm=…
// URI (the text of an enrolment QR code).
func ParseTOTPURI(uri string) (TOTPKey, error) {
	u, err := url.Parse(strings.TrimSpace(uri))
	if err != nil {
		return TOTPKey{}, fmt.Errorf("totp: %w", err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" {
		return TOTPKey{}, fmt.Errorf("totp: want an otpauth://totp/ URI, got scheme %q type %q", u.Scheme, u.Host)
	}
	q := u.Query()
	k, err := ParseTOTPSecret(q.Get("secret"))
	if err != nil {
		return TOTPKey{}, err
	}
	if d := q.Get("digits"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 6 || n > 10 {
			return TOTPKey{}, fmt.Errorf("totp: digits=%q: want 6 to 10", d)
		}
		k.Digits = n
	}
	if p := q.Get("period"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 3600 {
			return TOTPKey{}, fmt.Errorf("totp: period=%q: want 1 to 3600 seconds", p)
		}
		k.Period = time.Duration(n) * time.Second
	}
	if a := q.Get("algorithm"); a != "" {
		a = strings.ToUpper(a)
		if newHash(a) == nil {
			return TOTPKey{}, fmt.Errorf("totp: algorithm=%q: want SHA1, SHA256 or SHA512", a)
		}
		k.Algorithm = a
	}
	return k, nil
}

func newHash(alg string) func() hash.Hash {
	switch alg {
	case "SHA1", "":
		return sha1.New
	case "SHA256":
		return sha256.New
	case "SHA512":
		return sha512.New
	}
	return nil
}

// Code returns the key's code at time t (RFC 6238: HOTP, RFC 4226, of the
// number of periods since the Unix epoch).
func (k TOTPKey) Code(t time.Time) string {
	period := k.Period
	if period <= 0 {
		period = 30 * time.Second
	}
	digits := k.Digits
	if digits == 0 {
		digits = 6
	}
	h := newHash(k.Algorithm)
	if h == nil {
		h = sha1.New
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(t.Unix())/uint64(period/time.Second))
	mac := hmac.New(h, k.Secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint64(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, uint64(bin)%mod)
}

// Window returns the start of the period t falls in, and the next one's:
// a test that must not reuse a code (servers refuse one used twice within
// its window) waits for the next period's start.
func (k TOTPKey) Window(t time.Time) (start, next time.Time) {
	period := k.Period
	if period <= 0 {
		period = 30 * time.Second
	}
	secs := int64(period / time.Second)
	start = time.Unix(t.Unix()-t.Unix()%secs, 0)
	return start, start.Add(period)
}
