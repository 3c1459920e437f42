package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

// MaxAssertionBytes bounds a WebAuthn response a caller passes in.
const MaxAssertionBytes = 64 << 10

// WebAuthnConfig names the relying party: the RP ID (a domain, e.g.
// "console.example.com" or "localhost") and the origins the console is
// served from ("https://console.example.com"). An assertion or
// registration made for any other RP ID or origin is refused, which is
// what makes a passkey phishing-resistant.
type WebAuthnConfig struct {
	RPID    string
	Origins []string
}

// DefaultWebAuthnConfig derives the relying party from the serve address
// (host:port): a loopback or unspecified host gives RP ID "localhost" and
// origin http://localhost:PORT (browsers treat localhost as secure); a
// named host gives that host and https://HOST:PORT.
func DefaultWebAuthnConfig(addr string) (WebAuthnConfig, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return WebAuthnConfig{}, bulwark.Invalid("addr", "%q is not host:port", addr)
	}
	ip := net.ParseIP(host)
	if host == "" || host == "localhost" || (ip != nil && (ip.IsLoopback() || ip.IsUnspecified())) {
		return WebAuthnConfig{RPID: "localhost", Origins: []string{"http://localhost:" + port}}, nil
	}
	if ip != nil {
		return WebAuthnConfig{}, bulwark.Invalid("webauthn-rp-id", "the console is served at IP address %s: passkeys need a domain name; set the RP ID and origin explicitly", host)
	}
	origin := "https://" + host
	if port != "443" {
		origin += ":" + port
	}
	return WebAuthnConfig{RPID: host, Origins: []string{origin}}, nil
}

// NewWebAuthn makes the relying party for cfg.
func NewWebAuthn(cfg WebAuthnConfig) (*webauthn.WebAuthn, error) {
	if cfg.RPID == "" || len(cfg.Origins) == 0 {
		return nil, bulwark.Invalid("webauthn", "an RP ID and at least one origin are required")
	}
	for _, o := range cfg.Origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" {
			return nil, bulwark.Invalid("webauthn-origin", "%q is not an origin: want e.g. https://console.example.com", o)
		}
		if h := u.Hostname(); h != cfg.RPID && !strings.HasSuffix(h, "."+cfg.RPID) {
			return nil, bulwark.Invalid("webauthn-origin", "origin %q is not within RP ID %q", o, cfg.RPID)
		}
	}
	w, err := webauthn.New(&webauthn.Config{
		RPID: cfg.RPID, RPDisplayName: "Bulwark", RPOrigins: cfg.Origins,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementPreferred, UserVerification: protocol.VerificationRequired,
		},
		AttestationPreference: protocol.PreferNoAttestation,
	})
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINVALID, "webauthn: "+err.Error())
	}
	return w, nil
}

// waUser is a User with its passkeys, as go-webauthn sees it.
type waUser struct {
	u     *User
	keys  []*Passkey
	creds []webauthn.Credential
}

func (w *waUser) WebAuthnID() []byte                         { return w.u.WebAuthnHandle }
func (w *waUser) WebAuthnName() string                       { return w.u.Name }
func (w *waUser) WebAuthnDisplayName() string                { return w.u.Name }
func (w *waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

func (s *Users) waUser(ctx context.Context, u *User) (*waUser, error) {
	if s.WebAuthn == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "passkeys are not configured on this server")
	}
	keys, err := s.Store.Passkeys(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	w := &waUser{u: u, keys: keys}
	for _, k := range keys {
		var c webauthn.Credential
		if err := json.Unmarshal(k.Credential, &c); err != nil {
			return nil, bulwark.Wrap(err, bulwark.EINTEGRITY, "a stored passkey is malformed")
		}
		w.creds = append(w.creds, c)
	}
	return w, nil
}

// BeginPasskeyRegistration returns the navigator.credentials.create
// options ({"publicKey": …}, binary fields base64url) for a new passkey of
// u, and keeps the challenge in the session. Open to sessions enrolling and
// to full sessions.
func (s *Users) BeginPasskeyRegistration(ctx context.Context, sess *Session, u *User) ([]byte, error) {
	if err := s.requireFactorChange(sess); err != nil {
		return nil, err
	}
	w, err := s.waUser(ctx, u)
	if err != nil {
		return nil, err
	}
	var exclude []protocol.CredentialDescriptor
	for _, c := range w.creds {
		exclude = append(exclude, c.Descriptor())
	}
	creation, data, err := s.WebAuthn.BeginRegistration(w, webauthn.WithExclusions(exclude))
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot begin passkey registration")
	}
	p := readPending(sess)
	p.Register = data
	return s.keepCeremony(ctx, sess, p, creation)
}

func (s *Users) keepCeremony(ctx context.Context, sess *Session, p *pending, options any) ([]byte, error) {
	if err := s.keepPending(ctx, sess, p); err != nil {
		return nil, err
	}
	out, err := json.Marshal(options)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode the ceremony options")
	}
	return out, nil
}

func tooLarge(resp []byte) error {
	if len(resp) > MaxAssertionBytes {
		return bulwark.Errorf(bulwark.ETOOLARGE, "WebAuthn response over %d bytes", MaxAssertionBytes)
	}
	return nil
}

// FinishPasskeyRegistration checks the browser's response (the JSON of the
// PublicKeyCredential) to BeginPasskeyRegistration's options and stores the
// passkey (audited as user.mfa.enrol, method webauthn). A session
// enrolling becomes a full session and receives recovery codes, once.
func (s *Users) FinishPasskeyRegistration(ctx context.Context, sess *Session, u *User, resp []byte) (*SignedIn, error) {
	if err := s.requireFactorChange(sess); err != nil {
		return nil, err
	}
	if err := tooLarge(resp); err != nil {
		return nil, err
	}
	p := readPending(sess)
	if p.Register == nil {
		return nil, noCeremony("passkey registration")
	}
	w, err := s.waUser(ctx, u)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(resp)
	if err == nil {
		var cred *webauthn.Credential
		if cred, err = s.WebAuthn.CreateCredential(w, *p.Register, parsed); err == nil {
			var raw []byte
			if raw, err = json.Marshal(cred); err == nil {
				key := &Passkey{ID: cred.ID, UserID: u.ID, CreatedAt: s.now(), Credential: raw}
				return s.enrolled(ctx, sess, u, "webauthn", func(ctx context.Context) error { return s.Store.AddPasskey(ctx, key) })
			}
		}
	}
	_, _ = s.Log.Record(ctx, audit.Event{Actor: u.AuditTarget(), Action: "user.mfa.enrol.fail", Target: u.AuditTarget(),
		Details: map[string]any{"method": "webauthn", "reason": webauthnReason(err)}})
	return nil, bulwark.Wrap(err, bulwark.EUNAUTHORIZED, "the passkey registration did not verify: "+webauthnReason(err))
}

// webauthnReason is a short, secret-free reason of a go-webauthn error.
func webauthnReason(err error) string {
	if pe, ok := err.(*protocol.Error); ok {
		msg := pe.Details
		if msg == "" {
			msg = pe.Type
		}
		return bulwark.Echo(msg)
	}
	if err == nil {
		return ""
	}
	return bulwark.Echo(err.Error())
}

// BeginPasskeyLogin returns the navigator.credentials.get options for the
// second factor of a session at StageSecondFactor.
func (s *Users) BeginPasskeyLogin(ctx context.Context, sess *Session, u *User) ([]byte, error) {
	if err := requireStage(sess, StageSecondFactor); err != nil {
		return nil, err
	}
	w, err := s.waUser(ctx, u)
	if err != nil {
		return nil, err
	}
	if len(w.creds) == 0 {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no passkey is registered for this account: use the authenticator code")
	}
	assertion, data, err := s.WebAuthn.BeginLogin(w)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot begin the passkey sign-in")
	}
	p := readPending(sess)
	p.Login = data
	return s.keepCeremony(ctx, sess, p, assertion)
}

// FinishPasskeyLogin completes a sign-in with the browser's assertion. The
// session is rotated. Audited as session.signin (method webauthn) or
// session.signin.fail.
func (s *Users) FinishPasskeyLogin(ctx context.Context, sess *Session, u *User, resp []byte) (*SignedIn, error) {
	if err := s.secondFactorGate(ctx, sess, u); err != nil {
		return nil, err
	}
	if err := tooLarge(resp); err != nil {
		return nil, err
	}
	p := readPending(sess)
	if p.Login == nil {
		return nil, noCeremony("passkey sign-in")
	}
	var out *SignedIn
	var verr error
	_, err := s.Log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		if verr = s.verifyAssertion(ctx, u, *p.Login, resp); verr != nil {
			return audit.Event{}, verr
		}
		var ev audit.Event
		var err error
		out, ev, err = s.signedIn(ctx, sess, u, "webauthn", nil)
		return ev, err
	})
	if verr != nil {
		return nil, s.secondFactorFailed(ctx, sess, u, "webauthn", webauthnReason(errorsCause(verr)), verr)
	}
	return out, err
}

func errorsCause(err error) error {
	if e, ok := err.(*bulwark.Error); ok && e.Err != nil {
		return e.Err
	}
	return err
}

// verifyAssertion checks resp against the ceremony data and u's passkeys
// and stores the passkey's new sign count (in the caller's transaction).
func (s *Users) verifyAssertion(ctx context.Context, u *User, data webauthn.SessionData, resp []byte) error {
	w, err := s.waUser(ctx, u)
	if err != nil {
		return err
	}
	bad := func(err error) error {
		return bulwark.Wrap(err, bulwark.EUNAUTHORIZED, "the passkey assertion did not verify: "+webauthnReason(err))
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(resp)
	if err != nil {
		return bad(err)
	}
	cred, err := s.WebAuthn.ValidateLogin(w, data, parsed)
	if err != nil {
		return bad(err)
	}
	if cred.Authenticator.CloneWarning {
		return bad(protocol.ErrBadRequest.WithDetails("the authenticator's signature counter went backwards (a cloned key?)"))
	}
	for _, k := range w.keys {
		if bytes.Equal(k.ID, cred.ID) {
			raw, err := json.Marshal(cred)
			if err != nil {
				return bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode the passkey")
			}
			now := s.now()
			k.Credential, k.LastUsedAt = raw, &now
			return s.Store.UpdatePasskey(ctx, k)
		}
	}
	return bad(protocol.ErrBadRequest.WithDetails("unknown credential"))
}

// AssertionOptions returns navigator.credentials.get options
// ({"publicKey": …}) asking the passkeys of user userID to sign exactly
// challenge (16-64 bytes; dual control passes a digest binding what is
// approved), with user verification required. Nothing is stored: the
// caller keeps the challenge and passes it to VerifyAssertion.
func (s *Users) AssertionOptions(ctx context.Context, userID string, challenge []byte) ([]byte, error) {
	if len(challenge) < 16 || len(challenge) > 64 {
		return nil, bulwark.Invalid("challenge", "%d bytes: a WebAuthn challenge is 16-64 bytes", len(challenge))
	}
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	w, err := s.waUser(ctx, u)
	if err != nil {
		return nil, err
	}
	if len(w.creds) == 0 {
		return nil, bulwark.Errorf(bulwark.EFORBIDDEN, "user %s has no passkey: approving needs one (enrol it under 'My account')", u.Name)
	}
	assertion, _, err := s.WebAuthn.BeginLogin(w, webauthn.WithChallenge(challenge), webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot begin the passkey assertion")
	}
	out, err := json.Marshal(assertion)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode the assertion options")
	}
	return out, nil
}

// VerifyAssertion checks a fresh WebAuthn assertion (the JSON of the
// browser's PublicKeyCredential) made by one of user userID's passkeys
// over exactly challenge, for this relying party's RP ID and origins, with
// user verification; a disabled user, another challenge, another origin,
// another user's passkey or a signature counter that went backwards is
// EUNAUTHORIZED. The passkey's sign count is stored (with ctx: inside
// audit.Log.Do it joins the caller's transaction). It returns the id of
// the passkey used. It does not audit: the caller records what was
// approved. The caller must make each challenge single-use.
func (s *Users) VerifyAssertion(ctx context.Context, userID string, challenge, assertion []byte) ([]byte, error) {
	if len(challenge) < 16 || len(challenge) > 64 {
		return nil, bulwark.Invalid("challenge", "%d bytes: a WebAuthn challenge is 16-64 bytes", len(challenge))
	}
	if err := tooLarge(assertion); err != nil {
		return nil, err
	}
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.DisabledAt != nil {
		return nil, bulwark.Errorf(bulwark.EUNAUTHORIZED, "user %s is disabled", u.Name)
	}
	w, err := s.waUser(ctx, u)
	if err != nil {
		return nil, err
	}
	var allowed [][]byte
	for _, c := range w.creds {
		allowed = append(allowed, c.ID)
	}
	data := webauthn.SessionData{
		Challenge:            base64.RawURLEncoding.EncodeToString(challenge),
		RelyingPartyID:       s.WebAuthn.Config.RPID,
		UserID:               u.WebAuthnHandle,
		AllowedCredentialIDs: allowed,
		UserVerification:     protocol.VerificationRequired,
		Expires:              time.Time{},
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(assertion)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EUNAUTHORIZED, "the passkey assertion did not verify: "+webauthnReason(err))
	}
	if err := s.verifyAssertion(ctx, u, data, assertion); err != nil {
		return nil, err
	}
	return parsed.RawID, nil
}
