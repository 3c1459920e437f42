package auth

import (
	"context"
	"regexp"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// User is a person who signs in to the console. Users share the roles of
// API tokens (admin, analyst, viewer). Nothing stored here lets a reader
// of the database sign in as the user: the password is an Argon2id hash,
// the enrolment secret a SHA-256 hash. The TOTP secret is stored as it is
// (a verifier needs it); a reader of the database who also has the
// password could compute codes, which is why WebAuthn is the default.
type User struct {
	// ID is the public id, 16 lower-case hex digits.
	ID string `json:"id"`
	// Name is unique (UserNamePattern).
	Name string `json:"name"`
	Role Role   `json:"role"`
	// PasswordHash is the PHC string of the password ("" until enrolled).
	PasswordHash string `json:"-"`
	// EnrolHash is the SHA-256 of the one-time enrolment secret (nil once
	// used); EnrolExpiresAt when it stops working.
	EnrolHash      []byte     `json:"-"`
	EnrolExpiresAt *time.Time `json:"enrolExpiresAt,omitempty"`
	// TOTPSecret is the base32 TOTP secret ("" when TOTP is not enrolled);
	// TOTPLastStep the last time step a code was accepted for, so that a
	// code is never accepted twice.
	TOTPSecret   string `json:"-"`
	TOTPLastStep int64  `json:"-"`
	// WebAuthnHandle is the random user handle passkeys are bound to.
	WebAuthnHandle []byte     `json:"-"`
	CreatedAt      time.Time  `json:"createdAt"`
	CreatedBy      string     `json:"createdBy"`
	UpdatedAt      time.Time  `json:"updatedAt"`
	DisabledAt     *time.Time `json:"disabledAt,omitempty"`
}

// AuditTarget names u in audit entries: "user:<name>".
func (u *User) AuditTarget() string { return "user:" + u.Name }

// Status is "disabled", "enrolling" (no password or no second factor yet)
// or "active". hasPasskey tells whether the user holds a passkey.
func (u *User) Status(hasPasskey bool) string {
	switch {
	case u.DisabledAt != nil:
		return "disabled"
	case u.PasswordHash == "" || (u.TOTPSecret == "" && !hasPasskey):
		return "enrolling"
	}
	return "active"
}

// Stage is how far a session has come through sign-in.
type Stage string

// Session stages.
const (
	// StageSecondFactor: the password checked out; a second factor is
	// awaited. Such a session grants nothing else.
	StageSecondFactor Stage = "second-factor"
	// StageEnrol: the enrolment secret and a new password checked out;
	// the user must enrol a second factor. Such a session grants nothing
	// else.
	StageEnrol Stage = "enrol"
	// StageFull: signed in with two factors.
	StageFull Stage = "full"
)

// Session is a console sign-in. The cookie carries a 256-bit random
// secret; only its SHA-256 (Hash) is stored.
type Session struct {
	// ID is the public id (16 hex digits) shown in "my sessions".
	ID     string `json:"id"`
	Hash   []byte `json:"-"`
	UserID string `json:"userId"`
	Stage  Stage  `json:"stage"`
	// CSRF is the per-session secret forms carry (see CSRFToken).
	CSRF []byte `json:"-"`
	// Client is the client address key the session was made from.
	Client     string    `json:"client"`
	CreatedAt  time.Time `json:"createdAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	// ExpiresAt is the absolute end, whatever the activity.
	ExpiresAt time.Time  `json:"expiresAt"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
	// Pending holds an unfinished ceremony (a TOTP secret being
	// confirmed, a WebAuthn challenge), JSON; nil when none.
	Pending []byte `json:"-"`
}

// Passkey is a WebAuthn credential a user registered.
type Passkey struct {
	// ID is the credential id.
	ID         []byte     `json:"id"`
	UserID     string     `json:"userId"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	// Credential is the go-webauthn credential (public key, sign count,
	// flags) as JSON.
	Credential []byte `json:"-"`
}

// UserStore persists users, sessions, passkeys and recovery codes.
// Implementations return ENOTFOUND for a missing record and ECONFLICT for a
// duplicate user name, session hash or passkey id; returned records are
// copies the caller may change.
type UserStore interface {
	CreateUser(ctx context.Context, u *User) error
	UserByID(ctx context.Context, id string) (*User, error)
	UserByName(ctx context.Context, name string) (*User, error)
	// UserByEnrolHash returns the user whose enrolment secret hashes to h.
	UserByEnrolHash(ctx context.Context, h []byte) (*User, error)
	// ListUsers returns every user, oldest first.
	ListUsers(ctx context.Context) ([]*User, error)
	// UpdateUser stores every field of u but ID, Name, CreatedAt and
	// CreatedBy.
	UpdateUser(ctx context.Context, u *User) error

	CreateSession(ctx context.Context, s *Session) error
	SessionByHash(ctx context.Context, h []byte) (*Session, error)
	SessionByID(ctx context.Context, id string) (*Session, error)
	// UpdateSession stores s's Stage, LastSeenAt, RevokedAt and Pending.
	UpdateSession(ctx context.Context, s *Session) error
	// ListSessions returns the user's sessions not revoked and not past
	// ExpiresAt at now, newest first.
	ListSessions(ctx context.Context, userID string, now time.Time) ([]*Session, error)
	// RevokeSessions revokes every session of the user not yet revoked
	// and returns how many.
	RevokeSessions(ctx context.Context, userID string, at time.Time) (int, error)
	// DeleteEndedSessions deletes the sessions that ended (were revoked or
	// reached ExpiresAt) before before, and returns how many.
	DeleteEndedSessions(ctx context.Context, before time.Time) (int64, error)

	AddPasskey(ctx context.Context, p *Passkey) error
	// Passkeys returns the user's passkeys, oldest first.
	Passkeys(ctx context.Context, userID string) ([]*Passkey, error)
	// UpdatePasskey stores p's Credential and LastUsedAt.
	UpdatePasskey(ctx context.Context, p *Passkey) error
	// DeletePasskeys deletes every passkey of the user.
	DeletePasskeys(ctx context.Context, userID string) error

	// SetRecoveryCodes replaces the user's recovery codes with these
	// hashes (none: deletes them).
	SetRecoveryCodes(ctx context.Context, userID string, hashes [][]byte) error
	// UseRecoveryCode marks the unused code with hash h used at the given
	// time; ENOTFOUND when the user has no such unused code.
	UseRecoveryCode(ctx context.Context, userID string, h []byte, at time.Time) error
	// CountRecoveryCodes returns how many unused codes the user has.
	CountRecoveryCodes(ctx context.Context, userID string) (int, error)
}

var userNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{0,63}$`)

// ValidateUserName checks a user name: 1-64 lower-case letters, digits and
// . _ @ -, starting with a letter or digit.
func ValidateUserName(name string) error {
	if !userNamePattern.MatchString(name) {
		return bulwark.Invalid("name", "user name %q must be 1-64 lower-case letters, digits, '.', '_', '@' or '-', starting with a letter or digit", name)
	}
	return nil
}
