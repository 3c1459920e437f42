package auth

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base32"
	"encoding/json"
	"image/png"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

// TOTP settings: RFC 6238 defaults every authenticator app reads (SHA-1,
// 6 digits, 30 s), one step of clock skew either way.
const (
	totpPeriod = 30
	totpSkew   = 1
	// TOTPIssuer names Bulwark in authenticator apps.
	TOTPIssuer = "Bulwark"
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// pending holds the unfinished ceremonies of a session (Session.Pending):
// a TOTP secret awaiting its first code, and the WebAuthn challenges of a
// registration and of a sign-in, each independent of the others (the
// enrolment page offers a passkey and TOTP at once).
type pending struct {
	TOTPSecret string                `json:"totpSecret,omitempty"`
	Register   *webauthn.SessionData `json:"register,omitempty"`
	Login      *webauthn.SessionData `json:"login,omitempty"`
}

// readPending returns sess's pending ceremonies (none when unreadable).
func readPending(sess *Session) *pending {
	var p pending
	if len(sess.Pending) > 0 {
		_ = json.Unmarshal(sess.Pending, &p)
	}
	return &p
}

// keepPending stores p as sess's pending ceremonies.
func (s *Users) keepPending(ctx context.Context, sess *Session, p *pending) error {
	b, err := json.Marshal(p)
	if err != nil {
		return bulwark.Wrap(err, bulwark.EINTERNAL, "cannot keep the ceremony")
	}
	sess.Pending = b
	return s.Store.UpdateSession(ctx, sess)
}

func noCeremony(what string) error {
	return bulwark.Errorf(bulwark.ECONFLICT, "no %s in progress for this session: reload the page and start again", what)
}

// TOTPEnrolment is a TOTP secret awaiting its first code.
type TOTPEnrolment struct {
	// Secret is the base32 secret (for typing into an app).
	Secret string
	// URL is the otpauth:// URL the QR code carries.
	URL string
	// QR is that URL as a PNG QR code, made here (no outside service).
	QR []byte
}

// requireStage checks sess is one of the stages.
func requireStage(sess *Session, stages ...Stage) error {
	for _, st := range stages {
		if sess.Stage == st {
			return nil
		}
	}
	return bulwark.Errorf(bulwark.EFORBIDDEN, "this step is not open to a session at stage %s", sess.Stage)
}

// requireFactorChange checks sess may change second factors: only a
// session enrolling (opened with an admin's one-time enrolment secret and
// a new password) may. A signed-in session may not add a passkey or an
// authenticator app, or make new recovery codes: a session taken over
// (through a phishing proxy that relays the sign-in, say) must not enrol
// the thief's own authenticator, which would then pass dual control. To
// add or replace a factor, an admin issues a new enrolment secret
// ('bulwark user reset-mfa').
func (s *Users) requireFactorChange(sess *Session) error {
	if sess.Stage == StageFull {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "second factors are changed only by enrolling: ask an admin for a new enrolment secret ('bulwark user reset-mfa NAME')")
	}
	return requireStage(sess, StageEnrol)
}

// BeginTOTP makes a TOTP secret for u and keeps it in the session until a
// code confirms it (ConfirmTOTP); while none is confirmed, the session's
// pending secret is shown again (a reloaded page shows the QR code the
// person may have scanned already). Open to sessions enrolling and to
// full sessions (adding or replacing TOTP).
func (s *Users) BeginTOTP(ctx context.Context, sess *Session, u *User) (*TOTPEnrolment, error) {
	if err := s.requireFactorChange(sess); err != nil {
		return nil, err
	}
	opts := totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: u.Name, Period: totpPeriod, SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	if prev := readPending(sess).TOTPSecret; validTOTPSecret(prev) {
		opts.Secret, _ = base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(prev))
	}
	key, err := totp.Generate(opts)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot make a TOTP secret")
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot draw the TOTP QR code")
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode the TOTP QR code")
	}
	p := readPending(sess)
	p.TOTPSecret = key.Secret()
	if err := s.keepPending(ctx, sess, p); err != nil {
		return nil, err
	}
	return &TOTPEnrolment{Secret: key.Secret(), URL: key.URL(), QR: buf.Bytes()}, nil
}

// totpStep returns the time step within the skew whose code is code, ok
// false when none is. Every step is compared, in constant time.
func totpStep(secret, code string, now time.Time) (int64, bool) {
	code = strings.TrimSpace(code)
	cur := now.Unix() / totpPeriod
	var found int64
	ok := false
	for step := cur - totpSkew; step <= cur+totpSkew; step++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && !ok {
			found, ok = step, true
		}
	}
	return found, ok
}

// ValidTOTPSecret reports whether s is a base32 TOTP secret.
func validTOTPSecret(s string) bool {
	_, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(s))
	return err == nil && s != ""
}

// ConfirmTOTP checks the first code of the TOTP secret BeginTOTP made and
// stores it as u's second factor (audited as user.mfa.enrol). A session
// enrolling becomes a full session (rotated; the new cookie is returned)
// and receives the user's recovery codes, once.
func (s *Users) ConfirmTOTP(ctx context.Context, sess *Session, u *User, code string) (*SignedIn, error) {
	if err := s.requireFactorChange(sess); err != nil {
		return nil, err
	}
	p := readPending(sess)
	if p.TOTPSecret == "" {
		return nil, noCeremony("authenticator app enrolment")
	}
	if !validTOTPSecret(p.TOTPSecret) {
		return nil, bulwark.Errorf(bulwark.EINTEGRITY, "the pending TOTP secret is malformed: start again")
	}
	step, ok := totpStep(p.TOTPSecret, code, s.now())
	if !ok {
		_, _ = s.Log.Record(ctx, audit.Event{Actor: u.AuditTarget(), Action: "user.mfa.enrol.fail", Target: u.AuditTarget(),
			Details: map[string]any{"method": "totp", "reason": "wrong code"}})
		return nil, bulwark.Invalid("code", "wrong code: type the 6 digits your app shows now (check the phone's clock)")
	}
	return s.enrolled(ctx, sess, u, "totp", func(ctx context.Context) error {
		u.TOTPSecret, u.TOTPLastStep = p.TOTPSecret, step
		return nil
	})
}

// enrolled stores a new second factor of u (set applies it to u and the
// store, in the transaction), audited as user.mfa.enrol with method; for
// a session enrolling, it also makes recovery codes and promotes the
// session.
func (s *Users) enrolled(ctx context.Context, sess *Session, u *User, method string, set func(ctx context.Context) error) (*SignedIn, error) {
	out := &SignedIn{Session: sess, User: u}
	_, err := s.Log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		if err := set(ctx); err != nil {
			return audit.Event{}, err
		}
		now := s.now()
		u.UpdatedAt = now
		if err := s.Store.UpdateUser(ctx, u); err != nil {
			return audit.Event{}, err
		}
		details := map[string]any{"method": method, "session": sess.ID}
		if sess.Stage == StageEnrol {
			codes, err := s.newRecoveryCodes(ctx, u)
			if err != nil {
				return audit.Event{}, err
			}
			if out, err = s.promote(ctx, sess, u); err != nil {
				return audit.Event{}, err
			}
			out.RecoveryCodes = codes
			details["recoveryCodes"] = len(codes)
			details["newSession"] = out.Session.ID
		} else {
			sess.Pending = nil
			if err := s.Store.UpdateSession(ctx, sess); err != nil {
				return audit.Event{}, err
			}
		}
		return audit.Event{Actor: u.AuditTarget(), Action: "user.mfa.enrol", Target: u.AuditTarget(), Details: details}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// secondFactorGate checks a second-factor attempt may go ahead: the session
// is at StageSecondFactor and the limits allow it.
func (s *Users) secondFactorGate(ctx context.Context, sess *Session, u *User) error {
	if err := requireStage(sess, StageSecondFactor); err != nil {
		return err
	}
	if d := s.limiter().check(u.Name, sess.Client, time.Now()); d.refused {
		if d.report {
			_, _ = s.Log.Record(ctx, audit.Event{Actor: "client:" + sess.Client, Action: "session.signin.limited", Target: u.AuditTarget(),
				Details: map[string]any{"by": d.what, "client": sess.Client, "step": "second factor"}})
		}
		return limitedErr(d)
	}
	return nil
}

// secondFactorFailed records a failed second factor (audited, counted
// against the limits) and returns the caller's error.
func (s *Users) secondFactorFailed(ctx context.Context, sess *Session, u *User, method, reason string, err error) error {
	s.limiter().fail(u.Name, sess.Client, time.Now())
	_, _ = s.Log.Record(ctx, audit.Event{Actor: "client:" + sess.Client, Action: "session.signin.fail", Target: u.AuditTarget(),
		Details: map[string]any{"step": method, "reason": reason, "client": sess.Client, "session": sess.ID}})
	return err
}

// signedIn completes a sign-in in the caller's transaction: the session is
// promoted and the event is session.signin with method.
func (s *Users) signedIn(ctx context.Context, sess *Session, u *User, method string, extra map[string]any) (*SignedIn, audit.Event, error) {
	out, err := s.promote(ctx, sess, u)
	if err != nil {
		return nil, audit.Event{}, err
	}
	details := map[string]any{"method": method, "session": out.Session.ID, "client": sess.Client}
	for k, v := range extra {
		details[k] = v
	}
	return out, audit.Event{Actor: u.AuditTarget(), Action: "session.signin", Target: u.AuditTarget(), Details: details}, nil
}

// VerifyTOTP completes a sign-in with a TOTP code. A code is accepted once:
// one for a time step at or before the last accepted is refused, also
// within its 30-second window. The session is rotated; the new cookie is
// returned. Audited as session.signin (or session.signin.fail).
func (s *Users) VerifyTOTP(ctx context.Context, sess *Session, u *User, code string) (*SignedIn, error) {
	if err := s.secondFactorGate(ctx, sess, u); err != nil {
		return nil, err
	}
	wrong := bulwark.Errorf(bulwark.EUNAUTHORIZED, "wrong or already used code: wait for the next one your app shows")
	var out *SignedIn
	reason := ""
	_, err := s.Log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		fresh, err := s.Store.UserByID(ctx, u.ID) // the last step as of now, under the writer
		if err != nil {
			return audit.Event{}, err
		}
		if fresh.TOTPSecret == "" {
			reason = "no TOTP enrolled"
			return audit.Event{}, wrong
		}
		step, ok := totpStep(fresh.TOTPSecret, code, s.now())
		switch {
		case !ok:
			reason = "wrong code"
			return audit.Event{}, wrong
		case step <= fresh.TOTPLastStep:
			reason = "code reused"
			return audit.Event{}, wrong
		}
		fresh.TOTPLastStep, fresh.UpdatedAt = step, s.now()
		if err := s.Store.UpdateUser(ctx, fresh); err != nil {
			return audit.Event{}, err
		}
		*u = *fresh
		var ev audit.Event
		out, ev, err = s.signedIn(ctx, sess, u, "totp", nil)
		return ev, err
	})
	if reason != "" {
		return nil, s.secondFactorFailed(ctx, sess, u, "totp", reason, err)
	}
	return out, err
}
