// Package passkeytest is a software WebAuthn authenticator for tests: an
// ECDSA P-256 key that answers navigator.credentials.create and .get
// options (as auth.Users produces them) with the JSON a browser would
// post, signed for whatever origin the test says. Nothing in it mocks the
// verifier: the server checks its output with go-webauthn as it would a
// hardware key's.
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// Authenticator is one software passkey.
type Authenticator struct {
	Key       *ecdsa.PrivateKey
	CredID    []byte
	SignCount uint32
	// UserHandle is the user handle it was registered for.
	UserHandle []byte
}

// New makes an authenticator with a fresh key and credential id.
func New() (*Authenticator, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	return &Authenticator{Key: k, CredID: id}, nil
}

var b64 = base64.RawURLEncoding

// options is the part of creation or request options the authenticator
// reads.
type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RPID      string `json:"rpId"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"publicKey"`
}

func parseOptions(raw []byte) (*options, error) {
	var o options
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("passkeytest: options: %w", err)
	}
	return &o, nil
}

func clientData(typ, challenge, origin string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": origin, "crossOrigin": false})
	return b
}

const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
)

func (a *Authenticator) authData(rpID string, flags byte, attested []byte) []byte {
	h := sha256.Sum256([]byte(rpID))
	out := append(h[:], flags)
	out = binary.BigEndian.AppendUint32(out, a.SignCount)
	return append(out, attested...)
}

// Register answers creation options (JSON of {"publicKey": …}) as a
// browser at origin would, and returns the PublicKeyCredential JSON.
// rpID, when not "", overrides the options' RP ID (to forge one).
func (a *Authenticator) Register(optionsJSON []byte, origin, rpID string) ([]byte, error) {
	o, err := parseOptions(optionsJSON)
	if err != nil {
		return nil, err
	}
	if rpID == "" {
		rpID = o.PublicKey.RP.ID
	}
	if a.UserHandle, err = b64.DecodeString(o.PublicKey.User.ID); err != nil {
		return nil, fmt.Errorf("passkeytest: user id: %w", err)
	}
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1,
		-2: a.Key.X.FillBytes(make([]byte, 32)), -3: a.Key.Y.FillBytes(make([]byte, 32))})
	if err != nil {
		return nil, err
	}
	attested := make([]byte, 16) // AAGUID: zero
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(a.CredID)))
	attested = append(attested, a.CredID...)
	attested = append(attested, cose...)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{},
		"authData": a.authData(rpID, flagUP|flagUV|flagAT, attested)})
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.CredID), "rawId": b64.EncodeToString(a.CredID), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData("webauthn.create", o.PublicKey.Challenge, origin)),
			"attestationObject": b64.EncodeToString(att),
			"transports":        []string{"internal"},
		},
	})
}

// Assert answers request options as a browser at origin would (the sign
// count goes up by one) and returns the PublicKeyCredential JSON. rpID,
// when not "", overrides the options' RP ID.
func (a *Authenticator) Assert(optionsJSON []byte, origin, rpID string) ([]byte, error) {
	o, err := parseOptions(optionsJSON)
	if err != nil {
		return nil, err
	}
	return a.AssertChallenge(o.PublicKey.Challenge, origin, firstNonEmpty(rpID, o.PublicKey.RPID))
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// AssertChallenge signs an assertion over challenge (base64url, as in the
// options) for origin and rpID.
func (a *Authenticator) AssertChallenge(challenge, origin, rpID string) ([]byte, error) {
	a.SignCount++
	ad := a.authData(rpID, flagUP|flagUV, nil)
	cd := clientData("webauthn.get", challenge, origin)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.Key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.CredID), "rawId": b64.EncodeToString(a.CredID), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(ad),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(a.UserHandle),
		},
	})
}
