package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/bulwark-sec/bulwark"
)

// PasswordParams are the Argon2id parameters of a password hash.
type PasswordParams struct {
	// Memory is the memory cost in KiB.
	Memory uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the degree of parallelism.
	Threads uint8
	// SaltLen and KeyLen are the salt and hash lengths in bytes.
	SaltLen, KeyLen uint32
}

// DefaultPasswordParams are the parameters new password hashes use: 64 MiB,
// 3 passes, 1 lane, a 16-byte salt and a 32-byte hash (RFC 9106's second
// recommended option with one lane, so that one sign-in occupies one core).
// A stored hash made with other parameters still verifies and is rehashed
// with these at the next successful sign-in (see NeedsRehash).
var DefaultPasswordParams = PasswordParams{Memory: 64 * 1024, Time: 3, Threads: 1, SaltLen: 16, KeyLen: 32}

// Password length limits, in bytes of UTF-8.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 1024
)

// ValidatePassword checks a new password's length and encoding. Length is
// what matters: no composition rules.
func ValidatePassword(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return bulwark.Invalid("password", "not valid UTF-8")
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return bulwark.Invalid("password", "too short: use at least %d characters (a passphrase of several words is best)", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		return bulwark.Invalid("password", "too long: at most %d bytes", MaxPasswordLen)
	}
	return nil
}

// b64 is the PHC string format's base64: standard alphabet, no padding.
var b64 = base64.RawStdEncoding

// HashPassword hashes pw with Argon2id under p and returns the PHC string
// "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>".
func HashPassword(pw string, p PasswordParams) (string, error) {
	if p.SaltLen < 8 || p.KeyLen < 16 || p.Memory < 8*uint32(max(p.Threads, 1)) || p.Time < 1 || p.Threads < 1 {
		return "", bulwark.Errorf(bulwark.EINTERNAL, "password hash parameters out of range")
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", bulwark.Wrap(err, bulwark.EINTERNAL, "cannot read random bytes for a password salt")
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encodePHC(p, salt, key), nil
}

func encodePHC(p PasswordParams, salt, key []byte) string {
	var b strings.Builder
	b.WriteString("$argon2id$v=19$m=")
	b.WriteString(strconv.FormatUint(uint64(p.Memory), 10))
	b.WriteString(",t=")
	b.WriteString(strconv.FormatUint(uint64(p.Time), 10))
	b.WriteString(",p=")
	b.WriteString(strconv.FormatUint(uint64(p.Threads), 10))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(salt))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(key))
	return b.String()
}

// Limits on what a stored hash may ask for, so that a tampered row cannot
// make a sign-in allocate without bound.
const (
	maxHashMemory = 1 << 20 // KiB: 1 GiB
	maxHashTime   = 64
	maxHashSalt   = 64
	maxHashKey    = 128
)

// ParsePasswordHash parses a PHC string made by HashPassword and returns
// its parameters, salt and hash. Anything else (another algorithm or
// version, a parameter out of range, bad base64) is EINTEGRITY.
func ParsePasswordHash(s string) (p PasswordParams, salt, key []byte, err error) {
	bad := func(why string) error {
		return bulwark.Errorf(bulwark.EINTEGRITY, "stored password hash is malformed (%s): reset the user with 'bulwark user reset-mfa'", why)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v=19" {
		return p, nil, nil, bad("want $argon2id$v=19$m=..,t=..,p=..$salt$hash")
	}
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return p, nil, nil, bad("want m=..,t=..,p=..")
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(fields[i], name)
		if !ok || v == "" || (len(v) > 1 && v[0] == '0') {
			return p, nil, nil, bad("parameter " + name)
		}
		n, perr := strconv.ParseUint(v, 10, 32)
		if perr != nil {
			return p, nil, nil, bad("parameter " + name)
		}
		vals[i] = n
	}
	p.Memory, p.Time = uint32(vals[0]), uint32(vals[1])
	if vals[2] < 1 || vals[2] > 255 || p.Time < 1 || p.Time > maxHashTime || p.Memory > maxHashMemory || uint64(p.Memory) < 8*vals[2] {
		return p, nil, nil, bad("parameters out of range")
	}
	p.Threads = uint8(vals[2])
	if salt, err = b64.Strict().DecodeString(parts[4]); err != nil || len(salt) < 8 || len(salt) > maxHashSalt {
		return p, nil, nil, bad("salt")
	}
	if key, err = b64.Strict().DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > maxHashKey {
		return p, nil, nil, bad("hash")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// VerifyPassword reports whether pw matches the PHC string stored; the
// comparison runs in constant time. A malformed stored hash is an error.
func VerifyPassword(pw, stored string) (bool, error) {
	p, salt, key, err := ParsePasswordHash(stored)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether a stored hash was made with parameters other
// than want (then the next successful sign-in stores a new one).
func NeedsRehash(stored string, want PasswordParams) bool {
	p, _, _, err := ParsePasswordHash(stored)
	return err != nil || p != want
}

// dummyHash is verified against when a sign-in names no user (or one
// without a password), so that the answer takes as long as for a real one.
func dummyHash(p PasswordParams) string {
	salt := make([]byte, p.SaltLen)
	key := make([]byte, p.KeyLen)
	return encodePHC(p, salt, key)
}
