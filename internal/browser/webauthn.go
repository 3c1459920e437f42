package browser

import (
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// Authenticator is a virtual WebAuthn authenticator attached to one tab:
// a platform authenticator (CTAP2, internal transport) with resident keys
// and user verification, that consents at once. navigator.credentials in
// that tab create and use its credentials as a person would with a
// passkey.
type Authenticator struct {
	p  *Page
	ID webauthn.AuthenticatorID
}

// AddAuthenticator turns on the tab's WebAuthn domain (without its UI)
// and adds a virtual authenticator.
func (p *Page) AddAuthenticator() *Authenticator {
	p.t.Helper()
	if _, err := chromedp.Call(p.ctx, webauthn.Enable, webauthn.EnableParams{EnableUI: new(false)}); err != nil {
		p.t.Fatalf("browser (%s): WebAuthn.enable: %v", p.label, err)
	}
	res, err := chromedp.Call(p.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Ctap2version:                webauthn.Ctap2versionCtap21,
			Transport:                   webauthn.AuthenticatorTransportInternal,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		p.t.Fatalf("browser (%s): WebAuthn.addVirtualAuthenticator: %v", p.label, err)
	}
	return &Authenticator{p: p, ID: res.AuthenticatorID}
}

// Credentials returns the credentials the authenticator holds.
func (a *Authenticator) Credentials() []*webauthn.Credential {
	a.p.t.Helper()
	res, err := chromedp.Call(a.p.ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: a.ID})
	if err != nil {
		a.p.t.Fatalf("browser (%s): WebAuthn.getCredentials: %v", a.p.label, err)
	}
	return res.Credentials
}

// SetUserVerified sets whether the authenticator's user verification (the
// person's fingerprint or PIN) succeeds.
func (a *Authenticator) SetUserVerified(ok bool) {
	a.p.t.Helper()
	if _, err := chromedp.Call(a.p.ctx, webauthn.SetUserVerified, webauthn.SetUserVerifiedParams{AuthenticatorID: a.ID, IsUserVerified: ok}); err != nil {
		a.p.t.Fatalf("browser (%s): WebAuthn.setUserVerified: %v", a.p.label, err)
	}
}
