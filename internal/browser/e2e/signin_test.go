package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/browser"
)

// password is every test person's password.
const password = "correct horse battery staple 42"

// createUser runs `bulwark user create` beside srv and returns the
// one-time enrolment secret it prints.
func createUser(t testing.TB, srv *browser.Server, name, role string) string {
	t.Helper()
	code, stdout, stderr, err := srv.Run("", "user", "create", "--name", name, "--role", role)
	if err != nil || code != 0 {
		t.Fatalf("bulwark user create --name %s --role %s: exit %d, %v\n%s%s", name, role, code, err, stdout, stderr)
	}
	secret := strings.TrimSpace(stdout)
	if !strings.HasPrefix(secret, "bwe_") {
		t.Fatalf("user create printed %q, want the bwe_ enrolment secret alone", stdout)
	}
	return secret
}

// enrolPassword opens /enrol, gives the one-time secret and the password,
// and lands on the second-factor choice.
func enrolPassword(t testing.TB, p *browser.Page, secret string) {
	t.Helper()
	p.Go("/enrol")
	p.Fill("#secret", secret)
	p.Fill("#password", password)
	p.Fill("#password2", password)
	p.ClickAndLoad(`[data-testid="enrol-submit"]`)
	p.WaitVisible(`[data-testid="passkey-enrol"]`)
}

// enrolPasskey registers a passkey on the page's virtual authenticator
// and checks the recovery codes shown once.
func enrolPasskey(t testing.TB, p *browser.Page, authn *browser.Authenticator) {
	t.Helper()
	p.Click(`[data-testid="enrol-passkey"]`)
	p.WaitVisible(`[data-testid="passkey-recovery"]`)
	if n := p.Count(`[data-testid="recovery-codes"] li`); n < 8 {
		t.Errorf("%d recovery codes shown after the passkey, want at least 8", n)
	}
	p.Shot("passkey enrolled")
	creds := authn.Credentials()
	if len(creds) != 1 || creds[0].RpID != "localhost" || !creds[0].IsResidentCredential {
		t.Fatalf("the authenticator holds %+v after enrolment, want one resident credential for localhost", creds)
	}
}

// signOut presses the layout's Sign out button and lands on /login.
func signOut(t testing.TB, p *browser.Page) {
	t.Helper()
	p.ClickAndLoad(`form[action="/logout"] button`)
	p.WaitVisible(`[data-testid="login-form"]`)
}

// login gives name and password at /login; the second-factor page
// follows.
func login(t testing.TB, p *browser.Page, name string) {
	t.Helper()
	p.Go("/login")
	p.Fill("#name", name)
	p.Fill("#password", password)
	p.ClickAndLoad(`[data-testid="login-submit"]`)
}

// signedInAs checks that the page shows name as the person signed in.
func signedInAs(t testing.TB, p *browser.Page, name string) {
	t.Helper()
	if who := p.Text(`[data-testid="who"]`); !strings.Contains(who, name) {
		t.Fatalf("signed in as %q, want %s", who, name)
	}
}

// signIn creates a user with role and enrols a passkey for them on a
// virtual authenticator, in a tab of their own; enrolment signs them in.
func signIn(t testing.TB, b *browser.Browser, srv *browser.Server, name, role string) *browser.Page {
	t.Helper()
	secret := createUser(t, srv, name, role)
	p := b.NewPage(t, srv.URL, name)
	authn := p.AddAuthenticator()
	enrolPassword(t, p, secret)
	enrolPasskey(t, p, authn)
	p.ClickAndLoad(`[data-testid="passkey-recovery"] a`)
	signedInAs(t, p, name)
	return p
}

// TestEnrolAPasskeyAndSignIn: a new user enrols a passkey (a virtual
// platform authenticator with user verification) with their one-time
// secret and a password, signs out, and signs in again with the password
// and the passkey, which the authenticator asserts.
func TestEnrolAPasskeyAndSignIn(t *testing.T) {
	t.Parallel()
	b, srv := start(t)
	p := signIn(t, b, srv, "pat", "viewer")
	signOut(t, p)
	if st := p.Status("/safe"); st != 200 || !strings.Contains(p.Location(), "/login") {
		t.Fatalf("after signing out /safe answered %d at %s, want the sign-in page", st, p.Location())
	}
	login(t, p, "pat")
	p.WaitVisible(`[data-testid="login-passkey"]`)
	p.Shot("second factor")
	p.Click(`[data-testid="login-passkey"]`)
	p.WaitVisible(`[data-testid="who"]`)
	p.WaitIdle()
	signedInAs(t, p, "pat")
	p.Shot("signed in with the passkey")
	p.NoProblems()
}

// TestEnrolTOTPAndSignIn: a new user enrols an authenticator app: the
// test reads the key the page shows, computes the code (RFC 6238) and
// confirms it; signed out, it signs in with the password and a code: the
// enrolment's code again is refused while its period lasts, the next
// period's is accepted.
func TestEnrolTOTPAndSignIn(t *testing.T) {
	t.Parallel()
	b, srv := start(t)
	secret := createUser(t, srv, "tom", "analyst")
	p := b.NewPage(t, srv.URL, "tom")
	enrolPassword(t, p, secret)
	key := totpKey(t, p)
	p.Shot("authenticator app")
	enrolled := time.Now()
	p.Fill("#totp-code", key.Code(enrolled))
	p.ClickAndLoad(`[data-testid="enrol-totp-submit"]`)
	p.WaitVisible(`[data-testid="recovery-codes"]`)
	if n := p.Count(`[data-testid="recovery-codes"] li`); n < 8 {
		t.Errorf("%d recovery codes shown, want at least 8", n)
	}
	p.ClickAndLoad(`main a[href="/"]`)
	signedInAs(t, p, "tom")
	signOut(t, p)

	login(t, p, "tom")
	p.WaitVisible(`[data-testid="totp-login"]`)
	_, next := key.Window(enrolled)
	if time.Until(next) > 5*time.Second {
		// Still in the enrolment's period: its code is refused.
		p.Fill("#totp-code", key.Code(enrolled))
		p.ClickAndLoad(`[data-testid="login-totp-submit"]`)
		p.WaitVisible(`[data-testid="form-error"]`)
		if p.Count(`[data-testid="who"]`) != 0 {
			t.Fatal("the enrolment's TOTP code was accepted again for signing in")
		}
		p.Shot("reused code refused")
		p.ForgetProblems() // the refusal's 401
	}
	if d := time.Until(next); d > 0 {
		<-time.After(d) // the clock is the signal: the next period begins
	}
	p.Fill("#totp-code", key.Code(time.Now()))
	p.ClickAndLoad(`[data-testid="login-totp-submit"]`)
	signedInAs(t, p, "tom")
	p.Shot("signed in with a code")
	p.NoProblems()
}

// totpKey reads the authenticator-app key the enrolment page shows for
// typing by hand, and checks it against the otpauth:// URI its QR code
// encodes (figure[data-otpauth]).
func totpKey(t testing.TB, p *browser.Page) browser.TOTPKey {
	t.Helper()
	typed, err := browser.ParseTOTPSecret(p.Text(`[data-testid="totp-secret"]`))
	if err != nil {
		t.Fatal(err)
	}
	uri := browser.Eval[string](p, `(document.querySelector("figure[data-otpauth]") || {dataset: {}}).dataset.otpauth || ""`)
	k, err := browser.ParseTOTPURI(uri)
	if err != nil {
		t.Fatalf("the QR code's URI (data-otpauth) %q: %v", uri, err)
	}
	if string(k.Secret) != string(typed.Secret) {
		t.Fatalf("the QR code's key and the key to type differ: %q, %q", uri, p.Text(`[data-testid="totp-secret"]`))
	}
	return k
}
