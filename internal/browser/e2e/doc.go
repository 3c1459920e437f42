// Package e2e holds the console's end-to-end tests: a real 'bulwark serve'
// (the binary built from this tree, a fresh data directory, a loopback
// port) driven by headless Chromium through internal/browser, as the
// people who use it would: enrolling a second factor (TOTP, a passkey on a
// virtual authenticator), signing in, verifying a Safe transaction,
// screening an address, asking for a second person's approval, opening a
// trace case's graph, and an imported list name that tries stored XSS.
// Screenshots of every page go to .test-artifacts/browser/.
//
// The package has no code of its own outside its tests.
package e2e
