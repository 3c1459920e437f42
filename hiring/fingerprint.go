package hiring

import (
	"crypto/hmac"
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

// PersonTarget is the audit target of the entries about one person:
// "hire:person:" and the person's fingerprint.
func PersonTarget(fingerprint string) string { return "hire:person:" + fingerprint }

// SubjectFunc returns Fingerprint under key as a function of the id: the
// Checker's Subject, so that the screening decisions about a person name
// them by the fingerprint the audit log uses.
func SubjectFunc(key []byte) func(id string) string {
	return func(id string) string { return Fingerprint(key, id) }
}
