package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

// Session and enrolment defaults.
const (
	// DefaultIdleTimeout ends a session unused for this long.
	DefaultIdleTimeout = 30 * time.Minute
	// DefaultAbsoluteTimeout ends a session this long after sign-in,
	// however busy.
	DefaultAbsoluteTimeout = 12 * time.Hour
	// PendingTimeout ends a session that has not finished its second
	// factor (or enrolment) in this long.
	PendingTimeout = 10 * time.Minute
	// EnrolTTL is how long an enrolment secret works.
	EnrolTTL = 72 * time.Hour
	// touchSessionEvery bounds how often a session's last-seen time is
	// written.
	touchSessionEvery = time.Minute
)

// Secret prefixes: a session cookie's value and an enrolment secret.
const (
	sessionPrefix = "bws_"
	enrolPrefix   = "bwe_"
)

// Users signs people in: it creates and manages users, checks passwords
// and second factors, and keeps sessions. Every change and every sign-in,
// failed or not, is written to the audit log, never with a secret.
type Users struct {
	Store UserStore
	Log   *audit.Log
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Params are the Argon2id parameters of new hashes; zero means
	// DefaultPasswordParams.
	Params PasswordParams
	// IdleTimeout and AbsoluteTimeout bound full sessions; zero means the
	// defaults.
	IdleTimeout, AbsoluteTimeout time.Duration
	// CoolingOff is how long a new or reset account approves nothing
	// (MayApprove); zero means DefaultCoolingOff.
	CoolingOff time.Duration
	// WebAuthn is the relying party (NewWebAuthn); nil disables passkeys.
	WebAuthn *webauthn.WebAuthn

	limitOnce sync.Once
	limits    *signInLimiter
	// Limits are the sign-in limits; zero means DefaultSignInLimits. Set
	// before first use.
	Limits SignInLimits
	// hashSlots bounds concurrent Argon2id hashes (one per CPU is plenty):
	// a flood of sign-ins queues instead of exhausting memory.
	hashOnce  sync.Once
	hashSlots chan struct{}
}

func (s *Users) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Users) params() PasswordParams {
	if s.Params == (PasswordParams{}) {
		return DefaultPasswordParams
	}
	return s.Params
}

func (s *Users) limiter() *signInLimiter {
	s.limitOnce.Do(func() {
		cfg := s.Limits
		if cfg == (SignInLimits{}) {
			cfg = DefaultSignInLimits
		}
		s.limits = newSignInLimiter(cfg)
	})
	return s.limits
}

// hashSlot takes one of the concurrent-hash slots; release gives it back.
func (s *Users) hashSlot(ctx context.Context) (release func(), err error) {
	s.hashOnce.Do(func() { s.hashSlots = make(chan struct{}, 2) })
	select {
	case s.hashSlots <- struct{}{}:
		return func() { <-s.hashSlots }, nil
	case <-ctx.Done():
		return nil, bulwark.Wrap(ctx.Err(), bulwark.ETIMEOUT, "too many sign-ins at once: try again")
	}
}

func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot read random bytes")
	}
	return b, nil
}

func randomHex(n int) (string, error) {
	b, err := randomBytes(n)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func sha(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// parseSecret returns the hash of a presented secret of the given prefix
// (prefix + 64 lower-case hex digits), ok false for anything else.
func parseSecret(prefix, presented string) ([]byte, bool) {
	if len(presented) != len(prefix)+2*secretBytes || presented[:len(prefix)] != prefix {
		return nil, false
	}
	for _, c := range []byte(presented[len(prefix):]) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return nil, false
		}
	}
	return sha(presented), true
}

// ---- administration ----

// CreateUser creates a user who must enrol: it returns the one-time
// enrolment secret (shown once, only its hash stored), which the person
// presents at /enrol with a new password before enrolling a second
// factor. Audited as user.create by actor.
func (s *Users) CreateUser(ctx context.Context, actor, name string, role Role) (string, *User, error) {
	if err := ValidateUserName(name); err != nil {
		return "", nil, err
	}
	if _, ok := rolePerms[role]; !ok {
		return "", nil, bulwark.Invalid("role", "unknown role %q: use admin, analyst or viewer", role)
	}
	id, err := randomHex(idBytes)
	if err != nil {
		return "", nil, err
	}
	handle, err := randomBytes(32)
	if err != nil {
		return "", nil, err
	}
	secret, exp, hash, err := s.newEnrolSecret()
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	u := &User{ID: id, Name: name, Role: role, EnrolHash: hash, EnrolExpiresAt: &exp, WebAuthnHandle: handle,
		CreatedAt: now, CreatedBy: actor, UpdatedAt: now}
	if _, err := s.Log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		if err := s.Store.CreateUser(ctx, u); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: actor, Action: "user.create", Target: u.AuditTarget(),
			Details: map[string]any{"role": role, "enrolExpiresAt": exp.Format(time.RFC3339)}}, nil
	}); err != nil {
		return "", nil, err
	}
	return secret, u, nil
}

func (s *Users) newEnrolSecret() (secret string, exp time.Time, hash []byte, err error) {
	h, err := randomHex(secretBytes)
	if err != nil {
		return "", time.Time{}, nil, err
	}
	secret = enrolPrefix + h
	return secret, s.now().Add(EnrolTTL), sha(secret), nil
}

// UserInfo is a user as listed: the record, and its second factors.
type UserInfo struct {
	*User
	Status        string `json:"status"`
	TOTP          bool   `json:"totp"`
	Passkeys      int    `json:"passkeys"`
	RecoveryCodes int    `json:"recoveryCodes"`
}

// ListUsers returns every user with its factors, oldest first.
func (s *Users) ListUsers(ctx context.Context) ([]*UserInfo, error) {
	users, err := s.Store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*UserInfo, 0, len(users))
	for _, u := range users {
		info, err := s.info(ctx, u)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// User returns one user by name, with its factors.
func (s *Users) User(ctx context.Context, name string) (*UserInfo, error) {
	if err := ValidateUserName(name); err != nil {
		return nil, err
	}
	u, err := s.Store.UserByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return s.info(ctx, u)
}

func (s *Users) info(ctx context.Context, u *User) (*UserInfo, error) {
	keys, err := s.Store.Passkeys(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	n, err := s.Store.CountRecoveryCodes(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return &UserInfo{User: u, Status: u.Status(len(keys) > 0), TOTP: u.TOTPSecret != "", Passkeys: len(keys), RecoveryCodes: n}, nil
}

// ErrUnchangedUser is the cause of the ECONFLICT error of an
// administrative change that finds nothing to change (a disabled user
// disabled again, a role set to what it is): nothing is written or
// audited.
var ErrUnchangedUser = errors.New("nothing changed")

// DisableUser disables a user and revokes their sessions. Audited as
// user.disable.
func (s *Users) DisableUser(ctx context.Context, actor, name string) (*User, error) {
	return s.adminChange(ctx, actor, name, "user.disable", func(ctx context.Context, u *User, now time.Time) (map[string]any, error) {
		if u.DisabledAt != nil {
			return nil, bulwark.Wrap(ErrUnchangedUser, bulwark.ECONFLICT, fmt.Sprintf("user %s was already disabled at %s; nothing changed", u.Name, u.DisabledAt.Format(time.RFC3339)))
		}
		u.DisabledAt = &now
		n, err := s.Store.RevokeSessions(ctx, u.ID, now)
		return map[string]any{"sessionsRevoked": n}, err
	})
}

// SetRole changes a user's role (audited as user.role, with the old and
// new roles) and revokes their sessions, so that the new role applies at
// the next sign-in.
func (s *Users) SetRole(ctx context.Context, actor, name string, role Role) (*User, error) {
	if _, ok := rolePerms[role]; !ok {
		return nil, bulwark.Invalid("role", "unknown role %q: use admin, analyst or viewer", role)
	}
	return s.adminChange(ctx, actor, name, "user.role", func(ctx context.Context, u *User, now time.Time) (map[string]any, error) {
		if u.Role == role {
			return nil, bulwark.Wrap(ErrUnchangedUser, bulwark.ECONFLICT, fmt.Sprintf("user %s already has role %s; nothing changed", u.Name, role))
		}
		from := u.Role
		u.Role = role
		n, err := s.Store.RevokeSessions(ctx, u.ID, now)
		return map[string]any{"from": from, "to": role, "sessionsRevoked": n}, err
	})
}

// ResetMFA removes a user's second factors (TOTP, passkeys, recovery
// codes), revokes their sessions and issues a new one-time enrolment
// secret, returned once: with it the person sets a password again and
// enrols a new second factor. A password alone never enrols a factor.
// Audited as user.reset-mfa.
func (s *Users) ResetMFA(ctx context.Context, actor, name string) (string, *User, error) {
	secret, exp, hash, err := s.newEnrolSecret()
	if err != nil {
		return "", nil, err
	}
	u, err := s.adminChange(ctx, actor, name, "user.reset-mfa", func(ctx context.Context, u *User, now time.Time) (map[string]any, error) {
		u.TOTPSecret, u.TOTPLastStep = "", 0
		u.EnrolHash, u.EnrolExpiresAt = hash, &exp
		if err := s.Store.DeletePasskeys(ctx, u.ID); err != nil {
			return nil, err
		}
		if err := s.Store.SetRecoveryCodes(ctx, u.ID, nil); err != nil {
			return nil, err
		}
		n, err := s.Store.RevokeSessions(ctx, u.ID, now)
		return map[string]any{"sessionsRevoked": n, "enrolExpiresAt": exp.Format(time.RFC3339)}, err
	})
	if err != nil {
		return "", nil, err
	}
	return secret, u, nil
}

// adminChange reads user name, applies change and stores the user, audited
// as action by actor, in one transaction.
func (s *Users) adminChange(ctx context.Context, actor, name, action string, change func(ctx context.Context, u *User, now time.Time) (map[string]any, error)) (*User, error) {
	if err := ValidateUserName(name); err != nil {
		return nil, err
	}
	var u *User
	_, err := s.Log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var err error
		if u, err = s.Store.UserByName(ctx, name); err != nil {
			return audit.Event{}, err
		}
		now := s.now()
		details, err := change(ctx, u, now)
		if err != nil {
			return audit.Event{}, err
		}
		u.UpdatedAt = now
		if err := s.Store.UpdateUser(ctx, u); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: actor, Action: action, Target: u.AuditTarget(), Details: details}, nil
	})
	return u, err
}

// ---- sign-in ----

// SignedIn is the outcome of a sign-in step: the session and the cookie
// value that carries it (shown to the browser, never stored or logged).
type SignedIn struct {
	Cookie  string
	Session *Session
	User    *User
	// RecoveryCodes are set once, when a first second factor was
	// enrolled: shown to the person once and never again.
	RecoveryCodes []string
}

// errSignIn is the one answer to a wrong name or password, so that a
// caller cannot tell which.
func errSignIn() error {
	return bulwark.Errorf(bulwark.EUNAUTHORIZED, "wrong user name or password")
}

// ErrLimited is the cause of the ERATELIMITED error of a refused sign-in;
// RetryAfter reads the wait.
var ErrLimited = errors.New("sign-in attempts limited")

// LimitedError is the error of a sign-in refused by the limits: an
// ERATELIMITED *bulwark.Error (Err, whose cause is ErrLimited) and how long
// until an attempt could go ahead.
type LimitedError struct {
	Err        *bulwark.Error
	RetryAfter time.Duration
}

func (e *LimitedError) Error() string { return e.Err.Error() }

// Unwrap returns the *bulwark.Error.
func (e *LimitedError) Unwrap() error { return e.Err }

func limitedErr(d limitDecision) error {
	secs := int64(d.retry/time.Second) + 1
	return &LimitedError{Err: bulwark.Wrap(ErrLimited, bulwark.ERATELIMITED,
		fmt.Sprintf("too many failed sign-ins (per %s): retry after %d seconds", d.what, secs)), RetryAfter: d.retry}
}

// SignIn checks a user name and password from client (an address key) and
// returns a session at StageSecondFactor: the second factor comes next
// (VerifyTOTP, UseRecoveryCode, FinishPasskeyLogin). A wrong name or
// password is EUNAUTHORIZED (audited as session.signin.fail); beyond the
// limits (SignInLimits) ERATELIMITED, before any hashing.
func (s *Users) SignIn(ctx context.Context, name, password, client string) (*SignedIn, error) {
	if len(name) > 64 || len(password) > MaxPasswordLen {
		return nil, errSignIn()
	}
	lim := s.limiter()
	now := time.Now()
	if d := lim.check(name, client, now); d.refused {
		if d.report {
			target, details := s.nameTarget(ctx, name, nil)
			details["by"], details["client"] = d.what, client
			_, _ = s.Log.Record(ctx, audit.Event{Actor: "client:" + client, Action: "session.signin.limited", Target: target, Details: details})
		}
		return nil, limitedErr(d)
	}
	u, err := s.Store.UserByName(ctx, name)
	if err != nil && !bulwark.IsCode(err, bulwark.ENOTFOUND) {
		return nil, err
	}
	stored := dummyHash(s.params())
	if u != nil && u.PasswordHash != "" {
		stored = u.PasswordHash
	}
	release, err := s.hashSlot(ctx)
	if err != nil {
		return nil, err
	}
	ok, verr := VerifyPassword(password, stored)
	release()
	reason := ""
	switch {
	case verr != nil:
		reason = "malformed stored hash"
	case u == nil:
		reason = "unknown user"
	case u.PasswordHash == "":
		reason = "not enrolled"
	case !ok:
		reason = "wrong password"
	case u.DisabledAt != nil:
		reason = "disabled"
	}
	if reason != "" {
		lim.fail(name, client, now)
		target, details := s.nameTarget(ctx, name, u)
		details["step"], details["reason"], details["client"] = "password", reason, client
		_, _ = s.Log.Record(ctx, audit.Event{Actor: "client:" + client, Action: "session.signin.fail", Target: target, Details: details})
		return nil, errSignIn()
	}
	stage := StageSecondFactor
	keys, err := s.Store.Passkeys(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if u.TOTPSecret == "" && len(keys) == 0 {
		// MFA was reset: only the enrolment secret leads on.
		_, _ = s.Log.Record(ctx, audit.Event{Actor: "client:" + client, Action: "session.signin.fail", Target: u.AuditTarget(),
			Details: map[string]any{"step": "password", "reason": "no second factor enrolled", "client": client}})
		return nil, bulwark.Errorf(bulwark.EFORBIDDEN, "no second factor is enrolled for this account: ask an admin for an enrolment secret ('bulwark user reset-mfa')")
	}
	var out *SignedIn
	_, err = s.Log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		if NeedsRehash(u.PasswordHash, s.params()) {
			h, err := HashPassword(password, s.params())
			if err != nil {
				return audit.Event{}, err
			}
			u.PasswordHash, u.UpdatedAt = h, s.now()
			if err := s.Store.UpdateUser(ctx, u); err != nil {
				return audit.Event{}, err
			}
		}
		var err error
		if out, err = s.newSession(ctx, u, stage, client); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: u.AuditTarget(), Action: "session.password", Target: u.AuditTarget(),
			Details: map[string]any{"session": out.Session.ID, "client": client, "next": "second factor"}}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// nameTarget is how a sign-in names the account tried in the audit log:
// "user:NAME" for a user that exists (u, or looked up), else
// "user:unknown" with the first 16 hex digits of the name's SHA-256, so
// that a password typed into the name field never reaches the log while
// repeated tries of one name can still be told apart.
func (s *Users) nameTarget(ctx context.Context, name string, u *User) (string, map[string]any) {
	if u == nil && ValidateUserName(name) == nil {
		u, _ = s.Store.UserByName(ctx, name)
	}
	if u != nil {
		return u.AuditTarget(), map[string]any{}
	}
	return "user:unknown", map[string]any{"nameSha256": hex.EncodeToString(sha(name))[:16]}
}

// Enrol sets a new password for the user whose one-time enrolment secret
// this is and returns a session at StageEnrol, where the only next step is
// enrolling a second factor (BeginTOTP/ConfirmTOTP, BeginPasskeyRegistration/
// FinishPasskeyRegistration). The secret is spent. Audited as user.enrol.
func (s *Users) Enrol(ctx context.Context, secret, password, client string) (*SignedIn, error) {
	h, ok := parseSecret(enrolPrefix, secret)
	bad := bulwark.Errorf(bulwark.EUNAUTHORIZED, "unknown or expired enrolment secret: ask an admin for a new one ('bulwark user reset-mfa NAME')")
	// Failed enrolments count against the address's sign-in budget (and
	// one of their own per address): guessing secrets is limited like
	// guessing passwords.
	lim, key, now := s.limiter(), "enrol\x00"+client, time.Now()
	if d := lim.check(key, client, now); d.refused {
		if d.report {
			_, _ = s.Log.Record(ctx, audit.Event{Actor: "client:" + client, Action: "session.signin.limited", Target: "enrolment",
				Details: map[string]any{"by": d.what, "client": client, "step": "enrolment secret"}})
		}
		return nil, limitedErr(d)
	}
	failed := func() error {
		lim.fail(key, client, now)
		_, _ = s.Log.Record(ctx, audit.Event{Actor: "client:" + client, Action: "session.signin.fail", Target: "enrolment",
			Details: map[string]any{"step": "enrolment secret", "client": client}})
		return bad
	}
	if !ok {
		return nil, failed()
	}
	if err := ValidatePassword(password); err != nil {
		return nil, err
	}
	// The secret is looked up before the password is hashed, so that a
	// wrong one costs no hash; the transaction below checks it again.
	if u, err := s.Store.UserByEnrolHash(ctx, h); bulwark.IsCode(err, bulwark.ENOTFOUND) {
		return nil, failed()
	} else if err != nil {
		return nil, err
	} else if !enrolOpen(u, h, s.now()) {
		return nil, failed()
	}
	release, err := s.hashSlot(ctx)
	if err != nil {
		return nil, err
	}
	hash, err := HashPassword(password, s.params())
	release()
	if err != nil {
		return nil, err
	}
	var out *SignedIn
	_, err = s.Log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		u, err := s.Store.UserByEnrolHash(ctx, h)
		if bulwark.IsCode(err, bulwark.ENOTFOUND) {
			return audit.Event{}, bad
		} else if err != nil {
			return audit.Event{}, err
		}
		now := s.now()
		if !enrolOpen(u, h, now) {
			return audit.Event{}, bad
		}
		u.PasswordHash, u.EnrolHash, u.EnrolExpiresAt, u.UpdatedAt = hash, nil, nil, now
		if err := s.Store.UpdateUser(ctx, u); err != nil {
			return audit.Event{}, err
		}
		if out, err = s.newSession(ctx, u, StageEnrol, client); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: u.AuditTarget(), Action: "user.enrol", Target: u.AuditTarget(),
			Details: map[string]any{"step": "password", "session": out.Session.ID, "client": client}}, nil
	})
	if bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		return nil, failed() // spent or expired in the meantime
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// enrolOpen reports whether u's enrolment secret, hashing to h, may be
// used at now.
func enrolOpen(u *User, h []byte, now time.Time) bool {
	return u.DisabledAt == nil && u.EnrolExpiresAt != nil && now.Before(*u.EnrolExpiresAt) && subtle.ConstantTimeCompare(u.EnrolHash, h) == 1
}

// newSession stores a new session of u at stage (in the caller's
// transaction) and returns it with its cookie.
func (s *Users) newSession(ctx context.Context, u *User, stage Stage, client string) (*SignedIn, error) {
	id, err := randomHex(idBytes)
	if err != nil {
		return nil, err
	}
	secret, err := randomHex(secretBytes)
	if err != nil {
		return nil, err
	}
	csrf, err := randomBytes(32)
	if err != nil {
		return nil, err
	}
	cookie := sessionPrefix + secret
	now := s.now()
	ttl := PendingTimeout
	if stage == StageFull {
		ttl = s.absolute()
	}
	sess := &Session{ID: id, Hash: sha(cookie), UserID: u.ID, Stage: stage, CSRF: csrf, Client: client,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	return &SignedIn{Cookie: cookie, Session: sess, User: u}, nil
}

func (s *Users) idle() time.Duration {
	if s.IdleTimeout > 0 {
		return s.IdleTimeout
	}
	return DefaultIdleTimeout
}

func (s *Users) absolute() time.Duration {
	if s.AbsoluteTimeout > 0 {
		return s.AbsoluteTimeout
	}
	return DefaultAbsoluteTimeout
}

// promote ends the pending session and starts a full one (the session id
// rotates at sign-in), in the caller's transaction, and remembers that the
// client completed a sign-in to the account.
func (s *Users) promote(ctx context.Context, pending *Session, u *User) (*SignedIn, error) {
	now := s.now()
	pending.RevokedAt, pending.Pending = &now, nil
	if err := s.Store.UpdateSession(ctx, pending); err != nil {
		return nil, err
	}
	out, err := s.newSession(ctx, u, StageFull, pending.Client)
	if err != nil {
		return nil, err
	}
	s.limiter().succeeded(u.Name, pending.Client)
	return out, nil
}

// errNoSession is the one answer for a missing, expired or revoked
// session.
func errNoSession() error {
	return bulwark.Errorf(bulwark.EUNAUTHORIZED, "not signed in, or the session ended: sign in again at /login")
}

// Session returns the session a cookie carries and its user. A malformed,
// unknown, revoked or expired cookie, or a disabled user, is EUNAUTHORIZED
// with one message; an idle one is revoked on the way. The session may be
// at any stage: callers that grant anything require StageFull (Principal).
func (s *Users) Session(ctx context.Context, cookie string) (*Session, *User, error) {
	h, ok := parseSecret(sessionPrefix, cookie)
	if !ok {
		return nil, nil, errNoSession()
	}
	sess, err := s.Store.SessionByHash(ctx, h)
	if bulwark.IsCode(err, bulwark.ENOTFOUND) {
		return nil, nil, errNoSession()
	} else if err != nil {
		return nil, nil, err
	}
	if subtle.ConstantTimeCompare(sess.Hash, h) != 1 || sess.RevokedAt != nil {
		return nil, nil, errNoSession()
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || (sess.Stage == StageFull && now.Sub(sess.LastSeenAt) >= s.idle()) {
		return nil, nil, errNoSession()
	}
	u, err := s.Store.UserByID(ctx, sess.UserID)
	if err != nil {
		return nil, nil, err
	}
	if u.DisabledAt != nil {
		return nil, nil, errNoSession()
	}
	if now.Sub(sess.LastSeenAt) >= touchSessionEvery {
		sess.LastSeenAt = now
		if err := s.Store.UpdateSession(ctx, sess); err != nil {
			return nil, nil, err
		}
	}
	return sess, u, nil
}

// Principal returns the token-shaped principal of a full session, which
// the API's permission machinery (Authorize) and audit (Token.Actor)
// understand: its ID is the session's id, its Role the user's, User and
// Person the user's name. A session that has not finished its second
// factor is EUNAUTHORIZED.
func Principal(sess *Session, u *User) (*Token, error) {
	if sess == nil || u == nil || sess.Stage != StageFull {
		return nil, errNoSession()
	}
	return &Token{ID: sess.ID, Name: u.Name, Role: u.Role, Person: u.Name, User: u.Name, CreatedAt: sess.CreatedAt, CreatedBy: "session"}, nil
}

// CSRFToken returns the token the forms of sess carry (hex of its
// per-session CSRF secret).
func CSRFToken(sess *Session) string { return hex.EncodeToString(sess.CSRF) }

// CheckCSRF compares a form's token with the session's in constant time;
// a missing or wrong one is EFORBIDDEN.
func CheckCSRF(sess *Session, presented string) error {
	want := CSRFToken(sess)
	if sess == nil || len(sess.CSRF) == 0 || subtle.ConstantTimeCompare([]byte(presented), []byte(want)) != 1 {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "missing or wrong form token (CSRF): reload the page and try again")
	}
	return nil
}

// SignOut revokes the session a cookie carries (audited as
// session.signout). An unknown or ended session is not an error.
func (s *Users) SignOut(ctx context.Context, cookie string) error {
	sess, u, err := s.Session(ctx, cookie)
	if bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		return nil
	} else if err != nil {
		return err
	}
	_, err = s.Log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		now := s.now()
		sess.RevokedAt = &now
		if err := s.Store.UpdateSession(ctx, sess); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: u.AuditTarget(), Action: "session.signout", Target: "session:" + sess.ID}, nil
	})
	return err
}

// Sessions returns the user's live sessions, newest first.
func (s *Users) Sessions(ctx context.Context, userID string) ([]*Session, error) {
	return s.Store.ListSessions(ctx, userID, s.now())
}

// RevokeSession revokes session id on behalf of by (the signed-in user):
// their own sessions, or anyone's for an admin. Another user's session is
// ENOTFOUND to a non-admin (as if it did not exist). Audited as
// session.revoke.
func (s *Users) RevokeSession(ctx context.Context, by *User, id string) (*Session, error) {
	if err := ValidateID(id); err != nil {
		return nil, bulwark.Invalid("session", "session id %q must be 16 lower-case hex digits", id)
	}
	var sess *Session
	_, err := s.Log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var err error
		sess, err = s.Store.SessionByID(ctx, id)
		if err == nil && sess.UserID != by.ID && !by.Role.Allows(PermAdmin) {
			err = bulwark.Errorf(bulwark.ENOTFOUND, "no session %s", id)
		}
		if err != nil {
			return audit.Event{}, err
		}
		if sess.RevokedAt != nil {
			return audit.Event{}, audit.ErrUnchanged
		}
		now := s.now()
		sess.RevokedAt = &now
		if err := s.Store.UpdateSession(ctx, sess); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: by.AuditTarget(), Action: "session.revoke", Target: "session:" + sess.ID,
			Details: map[string]any{"user": sess.UserID}}, nil
	})
	return sess, err
}

// RevokeUserSessions revokes every session of user name (an admin's
// action, audited as session.revoke with the count).
func (s *Users) RevokeUserSessions(ctx context.Context, actor, name string) (int, error) {
	var n int
	_, err := s.adminChange(ctx, actor, name, "session.revoke", func(ctx context.Context, u *User, now time.Time) (map[string]any, error) {
		var err error
		n, err = s.Store.RevokeSessions(ctx, u.ID, now)
		return map[string]any{"sessionsRevoked": n}, err
	})
	return n, err
}

// EndedSessionRetention is how long an ended session is kept (its client
// address and times, for an investigation) before PruneSessions deletes
// it.
const EndedSessionRetention = 30 * 24 * time.Hour

// PruneSessions deletes the sessions that ended before before, audited as
// session.prune by actor (no entry when none did). It returns how many
// and the entry's sequence number.
func (s *Users) PruneSessions(ctx context.Context, actor string, before time.Time) (n, seq int64, err error) {
	return s.Log.Prune(ctx, actor, "session.prune", "console sessions ended", "sessions", before, func(ctx context.Context) (int64, error) {
		return s.Store.DeleteEndedSessions(ctx, before)
	})
}
