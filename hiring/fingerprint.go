package hiring

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// KeySize is the size in bytes of an instance's fingerprint key.
const KeySize = 32

// FingerprintLen is the length in hex digits of a fingerprint: 128 bits of
// the HMAC, enough that two people of one instance never share one.
const FingerprintLen = 32

// fingerprintDomain separates a person's fingerprint from any other use of
// the key.
const fingerprintDomain = "bulwark-hiring-person-v1\x00"

// Fingerprint returns the keyed fingerprint of person id: HMAC-SHA256 under
// the instance's key (Store.HiringKey) of the id, the first FingerprintLen
// hex digits. It is what the audit log, the screening decisions' subjects
// and the server log carry instead of the id: it links the entries about
// one person without naming them, and, as the key stays in the store,
// cannot be turned back into the id (nor tested against guessed ids)
// without the store.
func Fingerprint(key []byte, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(fingerprintDomain))
	m.Write([]byte(id))
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0]))[:FingerprintLen]
}

// SaltSize is the size in bytes of a person's fingerprint salt.
const SaltSize = 16

// personDomain separates a salted fingerprint from Fingerprint's.
const personDomain = "bulwark-hiring-person-v2\x00"

// PersonFingerprint returns the keyed fingerprint of stored person id
// with their salt (StoredPerson.Salt): HMAC-SHA256 under the instance's
// key of the salt and the id, the first FingerprintLen hex digits. The
// salt is random per person and deleted with the record, so once a person
// is forgotten their fingerprint can no longer be computed from the id,
// by anyone: the audit entries and screening decisions that carry it are
// no longer linked to the person. A person imported again gets a new
// salt, so a new fingerprint.
func PersonFingerprint(key, salt []byte, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(personDomain))
	m.Write(salt)
	m.Write([]byte(id))
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0]))[:FingerprintLen]
}

// NewSalt returns a random person salt of SaltSize bytes.
func NewSalt() []byte {
	b := make([]byte, SaltSize)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail (Go 1.24)
	return b
}

type subjectsKey struct{}

// WithSubjects returns ctx carrying f, the fingerprint of each person of
// a run by id: the Service passes the salted fingerprints it audits to
// the rules this way, and the Checker gives them to the screener as the
// decisions' subject in preference to Checker.Subject.
func WithSubjects(ctx context.Context, f func(id string) string) context.Context {
	return context.WithValue(ctx, subjectsKey{}, f)
}

// subjectsFrom returns the function WithSubjects put in ctx, or nil.
func subjectsFrom(ctx context.Context) func(id string) string {
	f, _ := ctx.Value(subjectsKey{}).(func(id string) string)
	return f
}

// PersonTarget is the audit target of the entries about one person:
// "hire:person:" and the person's fingerprint.
func PersonTarget(fingerprint string) string { return "hire:person:" + fingerprint }

// SubjectFunc returns Fingerprint under key as a function of the id: a
// Checker's Subject outside the Service. Under the Service the rules are
// given each person's salted fingerprint (WithSubjects) instead, so that
// the screening decisions about a person name them as the audit log does.
func SubjectFunc(key []byte) func(id string) string {
	return func(id string) string { return Fingerprint(key, id) }
}
