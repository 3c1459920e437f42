// Package browser drives the console in a real, headless Chromium for the
// end-to-end tests: it finds Debian's chromium (or skips, or fails under
// CI=true, see Require), builds and starts a real 'bulwark serve' on a
// loopback port with a fresh data directory (Server), opens one browser per
// test package and one isolated tab (its own cookie jar) per test (Page),
// adds a virtual WebAuthn authenticator to a tab (Page.AddAuthenticator),
// computes TOTP codes (TOTP, RFC 6238) and saves a screenshot of every page
// a test looks at under .test-artifacts/browser/ (git-ignored).
//
// A Page waits on positive signals only: an element that appears, the
// network falling quiet (no request in flight), a condition evaluated in
// the page becoming true. It records every JavaScript dialog (a dialog is
// dismissed at once, and a stored-XSS test asserts there was none), every
// uncaught exception and every console or browser-log error (Content
// Security Policy violations among them), and a test that fails gets a
// screenshot of the tab as it was.
package browser
