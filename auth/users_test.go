package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/internal/passkeytest"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

// cheap are Argon2id parameters fast enough for tests that sign in often;
// the defaults are measured by BenchmarkPasswordHash.
var cheap = auth.PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

const (
	testOrigin = "http://localhost:8080"
	password   = "correct horse battery staple"
)

type env struct {
	users *auth.Users
	db    *sqlite.DB
	mu    sync.Mutex
	now   time.Time
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

func newEnv(t testing.TB) *env {
	t.Helper()
	db := sqlitetest.Open(t, sqlite.Options{})
	wa, err := auth.NewWebAuthn(auth.WebAuthnConfig{RPID: "localhost", Origins: []string{testOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, now: time.Date(2026, 12, 7, 12, 0, 5, 0, time.UTC)}
	e.users = &auth.Users{Store: db, Log: &audit.Log{Store: db}, Now: e.clock, Params: cheap, WebAuthn: wa}
	return e
}

func code(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolled is a user who enrolled with TOTP.
type enrolled struct {
	user     *auth.User
	secret   string // TOTP
	recovery []string
	full     *auth.SignedIn
}

func (e *env) enrolTOTP(t testing.TB, name string, role auth.Role) *enrolled {
	t.Helper()
	ctx := context.Background()
	secret, u, err := e.users.CreateUser(ctx, "cli:test", name, role)
	if err != nil {
		t.Fatal(err)
	}
	si, err := e.users.Enrol(ctx, secret, password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if si.Session.Stage != auth.StageEnrol {
		t.Fatalf("stage after enrolment = %s", si.Session.Stage)
	}
	te, err := e.users.BeginTOTP(ctx, si.Session, si.User)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := e.users.BeginTOTP(ctx, si.Session, si.User); err != nil || again.Secret != te.Secret {
		t.Fatalf("a reloaded enrolment page shows another secret: %v", err)
	}
	if !bytes.HasPrefix(te.QR, []byte("\x89PNG")) || !strings.HasPrefix(te.URL, "otpauth://totp/") {
		t.Fatalf("TOTP enrolment QR/URL malformed: %q", te.URL)
	}
	full, err := e.users.ConfirmTOTP(ctx, si.Session, si.User, code(t, te.Secret, e.clock()))
	if err != nil {
		t.Fatal(err)
	}
	if full.Session.Stage != auth.StageFull || full.Cookie == si.Cookie || len(full.RecoveryCodes) != auth.RecoveryCodeCount {
		t.Fatalf("after TOTP enrolment: stage %s, rotated %v, %d recovery codes", full.Session.Stage, full.Cookie != si.Cookie, len(full.RecoveryCodes))
	}
	// The enrolment session was rotated away.
	if _, _, err := e.users.Session(ctx, si.Cookie); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("enrolment cookie still works after rotation: %v", err)
	}
	e.advance(31 * time.Second) // the enrolment code's step is spent
	return &enrolled{user: u, secret: te.Secret, recovery: full.RecoveryCodes, full: full}
}

func auditActions(t testing.TB, db *sqlite.DB, after int64) []string {
	t.Helper()
	entries, err := db.AuditEntries(context.Background(), after, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Action)
		for _, secretish := range []string{"bws_", "bwe_", password, "argon2id"} {
			if strings.Contains(string(e.Details)+e.Target, secretish) {
				t.Fatalf("audit entry %d (%s) carries a secret: %s", e.Seq, e.Action, e.Details)
			}
		}
	}
	return out
}

func head(t testing.TB, db *sqlite.DB) int64 {
	t.Helper()
	h, err := db.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h.Seq
}

func TestSignInWithTOTP(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	alice := e.enrolTOTP(t, "alice", auth.RoleAnalyst)

	stored, err := e.db.UserByName(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored.PasswordHash, "$argon2id$v=19$m=64,t=1,p=1$") || stored.EnrolHash != nil {
		t.Fatalf("stored user: hash %q, enrol hash %x", stored.PasswordHash, stored.EnrolHash)
	}

	before := head(t, e.db)
	si, err := e.users.SignIn(ctx, "alice", password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if si.Session.Stage != auth.StageSecondFactor {
		t.Fatalf("stage = %s, want second-factor", si.Session.Stage)
	}
	sess, u, err := e.users.Session(ctx, si.Cookie)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Principal(sess, u); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("a password alone must grant nothing: %v", err)
	}
	full, err := e.users.VerifyTOTP(ctx, sess, u, code(t, alice.secret, e.clock()))
	if err != nil {
		t.Fatal(err)
	}
	if full.Cookie == si.Cookie || full.Session.ID == si.Session.ID {
		t.Fatal("the session id must rotate at sign-in")
	}
	sess, u, err = e.users.Session(ctx, full.Cookie)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.Principal(sess, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.Authorize(tok, auth.PermAnalyze); err != nil {
		t.Fatal(err)
	}
	if err := auth.Authorize(tok, auth.PermAdmin); !bulwark.IsCode(err, bulwark.EFORBIDDEN) {
		t.Fatalf("an analyst must not hold admin: %v", err)
	}
	if tok.Actor() != "user:alice" {
		t.Fatalf("actor = %q", tok.Actor())
	}
	got := auditActions(t, e.db, before)
	if strings.Join(got, ",") != "session.password,session.signin" {
		t.Fatalf("audited %v", got)
	}
}

func TestTOTPCodeReusedInItsWindowRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	alice := e.enrolTOTP(t, "alice", auth.RoleViewer)
	c := code(t, alice.secret, e.clock())

	si, err := e.users.SignIn(ctx, "alice", password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.VerifyTOTP(ctx, si.Session, si.User, c); err != nil {
		t.Fatal(err)
	}
	userBefore, _ := e.db.UserByID(ctx, alice.user.ID)
	e.advance(5 * time.Second) // same 30-second window
	si2, err := e.users.SignIn(ctx, "alice", password, "198.51.100.9")
	if err != nil {
		t.Fatal(err)
	}
	before := head(t, e.db)
	_, err = e.users.VerifyTOTP(ctx, si2.Session, si2.User, c)
	if !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("reused code: %v, want unauthorized", err)
	}
	userAfter, _ := e.db.UserByID(ctx, alice.user.ID)
	if userAfter.TOTPLastStep != userBefore.TOTPLastStep || !userAfter.UpdatedAt.Equal(userBefore.UpdatedAt) {
		t.Fatal("a refused code changed the user")
	}
	sess, err := e.db.SessionByID(ctx, si2.Session.ID)
	if err != nil || sess.Stage != auth.StageSecondFactor {
		t.Fatalf("the pending session moved on: %+v %v", sess, err)
	}
	entries, _ := e.db.AuditEntries(ctx, before, 10)
	if len(entries) != 1 || entries[0].Action != "session.signin.fail" || !strings.Contains(string(entries[0].Details), `"reason":"code reused"`) {
		t.Fatalf("audit after reuse: %v", auditActions(t, e.db, before))
	}
	// The previous step's code (within skew) is older than the last accepted: refused too.
	if _, err := e.users.VerifyTOTP(ctx, si2.Session, si2.User, code(t, alice.secret, e.clock().Add(-30*time.Second))); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("older code: %v", err)
	}
	// The next window's code works.
	e.advance(30 * time.Second)
	if _, err := e.users.VerifyTOTP(ctx, si2.Session, si2.User, code(t, alice.secret, e.clock())); err != nil {
		t.Fatal(err)
	}
}

func TestSessionReplayedAfterSignOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	alice := e.enrolTOTP(t, "alice", auth.RoleAnalyst)
	cookie := alice.full.Cookie
	if _, _, err := e.users.Session(ctx, cookie); err != nil {
		t.Fatal(err)
	}
	before := head(t, e.db)
	if err := e.users.SignOut(ctx, cookie); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.users.Session(ctx, cookie); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("replayed cookie after sign-out: %v", err)
	}
	if got := auditActions(t, e.db, before); strings.Join(got, ",") != "session.signout" {
		t.Fatalf("audited %v", got)
	}
	// Signing out again changes nothing and writes nothing.
	if err := e.users.SignOut(ctx, cookie); err != nil {
		t.Fatal(err)
	}
	if head(t, e.db) != before+1 {
		t.Fatal("a second sign-out was audited")
	}
}

func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	e.users.IdleTimeout, e.users.AbsoluteTimeout = 10*time.Minute, time.Hour
	alice := e.enrolTOTP(t, "alice", auth.RoleAnalyst)
	cookie := alice.full.Cookie
	for i := 0; i < 5; i++ { // busy: 45 minutes in 9-minute steps stays signed in
		e.advance(9 * time.Minute)
		if _, _, err := e.users.Session(ctx, cookie); err != nil {
			t.Fatalf("after %d steps: %v", i+1, err)
		}
	}
	e.advance(9 * time.Minute)
	if _, _, err := e.users.Session(ctx, cookie); err != nil {
		t.Fatal(err)
	}
	e.advance(8 * time.Minute) // 63 minutes: past the absolute timeout
	if _, _, err := e.users.Session(ctx, cookie); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("past the absolute timeout: %v", err)
	}

	// Idle.
	si, err := e.users.SignIn(ctx, "alice", password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	full, err := e.users.VerifyTOTP(ctx, si.Session, si.User, code(t, alice.secret, e.clock()))
	if err != nil {
		t.Fatal(err)
	}
	e.advance(10 * time.Minute)
	if _, _, err := e.users.Session(ctx, full.Cookie); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("idle session still works: %v", err)
	}

	// A pending session ends after PendingTimeout.
	si, err = e.users.SignIn(ctx, "alice", password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	e.advance(auth.PendingTimeout)
	if _, _, err := e.users.Session(ctx, si.Cookie); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("pending session past its timeout: %v", err)
	}
}

func TestRevokeSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	alice := e.enrolTOTP(t, "alice", auth.RoleAnalyst)
	bob := e.enrolTOTP(t, "bob", auth.RoleAnalyst)
	root := e.enrolTOTP(t, "root", auth.RoleAdmin)

	// Bob cannot revoke Alice's session: it is not found for him.
	if _, err := e.users.RevokeSession(ctx, bob.user, alice.full.Session.ID); !bulwark.IsCode(err, bulwark.ENOTFOUND) {
		t.Fatalf("bob revoking alice's session: %v", err)
	}
	if _, _, err := e.users.Session(ctx, alice.full.Cookie); err != nil {
		t.Fatalf("alice's session must survive bob's attempt: %v", err)
	}
	// Alice revokes her own; an admin revokes Bob's.
	if _, err := e.users.RevokeSession(ctx, alice.user, alice.full.Session.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.RevokeSession(ctx, root.user, bob.full.Session.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{alice.full.Cookie, bob.full.Cookie} {
		if _, _, err := e.users.Session(ctx, c); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
			t.Fatalf("revoked session still works: %v", err)
		}
	}
	if _, _, err := e.users.Session(ctx, root.full.Cookie); err != nil {
		t.Fatal(err)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.enrolTOTP(t, "alice", auth.RoleAnalyst)
	bob := e.enrolTOTP(t, "bob", auth.RoleAnalyst)
	s := alice.full.Session
	if err := auth.CheckCSRF(s, auth.CSRFToken(s)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "00", auth.CSRFToken(bob.full.Session), strings.ToUpper(auth.CSRFToken(s))} {
		if err := auth.CheckCSRF(s, bad); !bulwark.IsCode(err, bulwark.EFORBIDDEN) {
			t.Fatalf("CSRF token %q: %v", bad, err)
		}
	}
}

// TestThousandWrongPasswords: 1,000 wrong passwords for one account from
// one address and from many are refused (401, then 429), audited, change
// nothing stored, and lock out neither other users nor the account's
// owner signing in from an address that signed in before.
func TestThousandWrongPasswords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	alice := e.enrolTOTP(t, "alice", auth.RoleAnalyst)
	bob := e.enrolTOTP(t, "bob", auth.RoleAnalyst)
	// Alice signs in from home once: that address is known for her.
	si, err := e.users.SignIn(ctx, "alice", password, "203.0.113.5")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.VerifyTOTP(ctx, si.Session, si.User, code(t, alice.secret, e.clock())); err != nil {
		t.Fatal(err)
	}
	e.advance(30 * time.Second)
	aliceBefore, _ := e.db.UserByID(ctx, alice.user.ID)
	before := head(t, e.db)

	var unauthorized, limited int
	for i := 0; i < 1000; i++ {
		client := "192.0.2.66"
		if i%2 == 1 {
			client = fmt.Sprintf("10.%d.%d.1", i/256, i%256) // a botnet: a new address each time
		}
		_, err := e.users.SignIn(ctx, "alice", fmt.Sprintf("guess-%d-password", i), client)
		switch {
		case bulwark.IsCode(err, bulwark.EUNAUTHORIZED):
			unauthorized++
		case bulwark.IsCode(err, bulwark.ERATELIMITED):
			limited++
			var le *auth.LimitedError
			if !errors.As(err, &le) || le.RetryAfter <= 0 {
				t.Fatalf("a limited refusal must say when to retry: %v", err)
			}
		default:
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if unauthorized > auth.DefaultSignInLimits.PerAccount+1 || limited < 980 {
		t.Fatalf("%d answered 401 and %d 429: the limits did not hold", unauthorized, limited)
	}
	aliceAfter, _ := e.db.UserByID(ctx, alice.user.ID)
	if aliceAfter.PasswordHash != aliceBefore.PasswordHash || !aliceAfter.UpdatedAt.Equal(aliceBefore.UpdatedAt) || aliceAfter.DisabledAt != nil {
		t.Fatal("wrong passwords changed the account")
	}
	actions := auditActions(t, e.db, before)
	var fails, lim int
	for _, a := range actions {
		switch a {
		case "session.signin.fail":
			fails++
		case "session.signin.limited":
			lim++
		default:
			t.Fatalf("unexpected audit action %s", a)
		}
	}
	if fails != unauthorized || lim < 1 || lim > 2 {
		t.Fatalf("audited %d failures (want %d) and %d limit trips", fails, unauthorized, lim)
	}

	// Bob is not affected, from the attacker's botnet range or elsewhere.
	for _, client := range []string{"10.9.9.9", "198.51.100.20"} {
		si, err := e.users.SignIn(ctx, "bob", password, client)
		if err != nil {
			t.Fatalf("bob from %s: %v", client, err)
		}
		if _, err := e.users.VerifyTOTP(ctx, si.Session, si.User, code(t, bob.secret, e.clock())); err != nil {
			t.Fatal(err)
		}
		e.advance(30 * time.Second)
	}
	// Alice, from the address she signed in from before, still signs in.
	si, err = e.users.SignIn(ctx, "alice", password, "203.0.113.5")
	if err != nil {
		t.Fatalf("alice from her known address: %v", err)
	}
	if _, err := e.users.VerifyTOTP(ctx, si.Session, si.User, code(t, alice.secret, e.clock())); err != nil {
		t.Fatal(err)
	}
}

// TestAddressLimit: one address guessing across many accounts is refused
// once its failures are spent; other addresses are not.
func TestAddressLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	bob := e.enrolTOTP(t, "bob", auth.RoleAnalyst)
	for i := 0; i < auth.DefaultSignInLimits.PerAddress; i++ {
		if _, err := e.users.SignIn(ctx, fmt.Sprintf("user%d", i), "wrong password here", "192.0.2.66"); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, err := e.users.SignIn(ctx, "bob", password, "192.0.2.66"); !bulwark.IsCode(err, bulwark.ERATELIMITED) {
		t.Fatalf("the flooding address: %v", err)
	}
	si, err := e.users.SignIn(ctx, "bob", password, "192.0.2.67")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.VerifyTOTP(ctx, si.Session, si.User, code(t, bob.secret, e.clock())); err != nil {
		t.Fatal(err)
	}
}

func TestRecoveryCodeOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	alice := e.enrolTOTP(t, "alice", auth.RoleAnalyst)
	si, err := e.users.SignIn(ctx, "alice", password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	rc := strings.ToUpper(strings.ReplaceAll(alice.recovery[3], "-", " "))
	if _, err := e.users.UseRecoveryCode(ctx, si.Session, si.User, rc); err != nil {
		t.Fatal(err)
	}
	si, err = e.users.SignIn(ctx, "alice", password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.UseRecoveryCode(ctx, si.Session, si.User, alice.recovery[3]); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("a recovery code used twice: %v", err)
	}
	if n, _ := e.db.CountRecoveryCodes(ctx, alice.user.ID); n != auth.RecoveryCodeCount-1 {
		t.Fatalf("%d codes left", n)
	}
}

func TestAdminChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	alice := e.enrolTOTP(t, "alice", auth.RoleViewer)

	if _, err := e.users.SetRole(ctx, "cli:root", "alice", auth.RoleAnalyst); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.users.Session(ctx, alice.full.Cookie); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatal("a role change must end the user's sessions")
	}
	if _, err := e.users.SetRole(ctx, "cli:root", "alice", auth.RoleAnalyst); !errors.Is(err, auth.ErrUnchangedUser) {
		t.Fatalf("same role again: %v", err)
	}

	// reset-mfa: factors gone, the password alone leads nowhere, the new
	// enrolment secret does.
	secret, _, err := e.users.ResetMFA(ctx, "cli:root", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.SignIn(ctx, "alice", password, "192.0.2.1"); !bulwark.IsCode(err, bulwark.EFORBIDDEN) {
		t.Fatalf("password after reset-mfa: %v", err)
	}
	if si, err := e.users.Enrol(ctx, secret, "a brand new passphrase", "192.0.2.1"); err != nil || si.Session.Stage != auth.StageEnrol {
		t.Fatalf("enrol after reset: %v", err)
	}
	if _, err := e.users.Enrol(ctx, secret, "a brand new passphrase", "192.0.2.1"); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("an enrolment secret used twice: %v", err)
	}

	// disable: sessions end, sign-in refused.
	bob := e.enrolTOTP(t, "bob", auth.RoleAnalyst)
	if _, err := e.users.DisableUser(ctx, "cli:root", "bob"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.users.Session(ctx, bob.full.Cookie); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatal("a disabled user's session still works")
	}
	if _, err := e.users.SignIn(ctx, "bob", password, "192.0.2.1"); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("disabled user signs in: %v", err)
	}
	if _, err := e.users.DisableUser(ctx, "cli:root", "bob"); !errors.Is(err, auth.ErrUnchangedUser) {
		t.Fatalf("disable twice: %v", err)
	}
	actions := strings.Join(auditActions(t, e.db, 0), ",")
	for _, want := range []string{"user.create", "user.enrol", "user.mfa.enrol", "user.role", "user.reset-mfa", "user.disable"} {
		if !strings.Contains(actions, want) {
			t.Fatalf("%s not audited: %s", want, actions)
		}
	}
}

func TestEnrolmentSecretExpires(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	secret, _, err := e.users.CreateUser(ctx, "cli:test", "carol", auth.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.Enrol(ctx, secret, "short", "192.0.2.1"); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Fatalf("short password: %v", err)
	}
	e.advance(auth.EnrolTTL)
	if _, err := e.users.Enrol(ctx, secret, password, "192.0.2.1"); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("expired enrolment secret: %v", err)
	}
	for _, bad := range []string{"", "bwe_", secret + "0", strings.ToUpper(secret)} {
		if _, err := e.users.Enrol(ctx, bad, password, "192.0.2.1"); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
			t.Fatalf("enrol with %q: %v", bad, err)
		}
	}
	if _, _, err := e.users.CreateUser(ctx, "cli:test", "carol", auth.RoleViewer); !bulwark.IsCode(err, bulwark.ECONFLICT) {
		t.Fatalf("duplicate user: %v", err)
	}
	if _, _, err := e.users.CreateUser(ctx, "cli:test", "Carol Smith", auth.RoleViewer); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Fatalf("bad name: %v", err)
	}
}

// passkeyUser creates a user enrolled with a software passkey.
func (e *env) passkeyUser(t testing.TB, name string) (*auth.User, *passkeytest.Authenticator, *auth.SignedIn) {
	t.Helper()
	ctx := context.Background()
	secret, _, err := e.users.CreateUser(ctx, "cli:test", name, auth.RoleAnalyst)
	if err != nil {
		t.Fatal(err)
	}
	si, err := e.users.Enrol(ctx, secret, password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	opts, err := e.users.BeginPasskeyRegistration(ctx, si.Session, si.User)
	if err != nil {
		t.Fatal(err)
	}
	key, err := passkeytest.New()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := key.Register(opts, testOrigin, "")
	if err != nil {
		t.Fatal(err)
	}
	full, err := e.users.FinishPasskeyRegistration(ctx, si.Session, si.User, resp)
	if err != nil {
		t.Fatal(err)
	}
	if full.Session.Stage != auth.StageFull || len(full.RecoveryCodes) != auth.RecoveryCodeCount {
		t.Fatalf("after passkey enrolment: %+v", full.Session)
	}
	return full.User, key, full
}

func TestPasskeySignIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	_, key, _ := e.passkeyUser(t, "dave")

	si, err := e.users.SignIn(ctx, "dave", password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	opts, err := e.users.BeginPasskeyLogin(ctx, si.Session, si.User)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := key.Assert(opts, testOrigin, "")
	if err != nil {
		t.Fatal(err)
	}
	full, err := e.users.FinishPasskeyLogin(ctx, si.Session, si.User, resp)
	if err != nil {
		t.Fatal(err)
	}
	if full.Session.Stage != auth.StageFull {
		t.Fatal("not signed in")
	}
}

// TestPasskeyOtherOriginRefused: an assertion a phishing site obtains (a
// real signature by the user's key, for its own origin or RP ID) is
// refused, audited, and changes nothing.
func TestPasskeyOtherOriginRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	u, key, _ := e.passkeyUser(t, "erin")
	keysBefore, _ := e.db.Passkeys(ctx, u.ID)

	for _, tc := range []struct{ name, origin, rpID string }{
		{"phishing origin", "https://bulwark-console.example", ""},
		{"look-alike port", "http://localhost:8081", ""},
		{"other RP ID", testOrigin, "evil.example"},
	} {
		si, err := e.users.SignIn(ctx, "erin", password, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		opts, err := e.users.BeginPasskeyLogin(ctx, si.Session, si.User)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := key.Assert(opts, tc.origin, tc.rpID)
		if err != nil {
			t.Fatal(err)
		}
		before := head(t, e.db)
		if _, err := e.users.FinishPasskeyLogin(ctx, si.Session, si.User, resp); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
			t.Fatalf("%s: %v, want unauthorized", tc.name, err)
		}
		if got := auditActions(t, e.db, before); len(got) != 1 || got[0] != "session.signin.fail" {
			t.Fatalf("%s: audited %v", tc.name, got)
		}
		if sess, _ := e.db.SessionByID(ctx, si.Session.ID); sess.Stage != auth.StageSecondFactor || sess.RevokedAt != nil {
			t.Fatalf("%s: the pending session changed", tc.name)
		}
	}
	keysAfter, _ := e.db.Passkeys(ctx, u.ID)
	if !bytes.Equal(keysAfter[0].Credential, keysBefore[0].Credential) {
		t.Fatal("a refused assertion changed the stored passkey")
	}
}

func TestVerifyAssertionBindsChallenge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	u, key, _ := e.passkeyUser(t, "fay")
	challenge := bytes.Repeat([]byte{0xab}, 32)
	opts, err := e.users.AssertionOptions(ctx, u.ID, challenge)
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		PublicKey struct {
			Challenge        string `json:"challenge"`
			UserVerification string `json:"userVerification"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(opts, &parsed); err != nil || parsed.PublicKey.UserVerification != "required" {
		t.Fatalf("options %s: %v", opts, err)
	}
	resp, err := key.Assert(opts, testOrigin, "")
	if err != nil {
		t.Fatal(err)
	}
	if id, err := e.users.VerifyAssertion(ctx, u.ID, challenge, resp); err != nil || !bytes.Equal(id, key.CredID) {
		t.Fatalf("VerifyAssertion = %x, %v", id, err)
	}
	other := bytes.Repeat([]byte{0xcd}, 32)
	if _, err := e.users.VerifyAssertion(ctx, u.ID, other, resp); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("an assertion over another challenge: %v", err)
	}
	// Another user's key over the right challenge.
	v, key2, _ := e.passkeyUser(t, "gus")
	resp2, err := key2.Assert(opts, testOrigin, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.VerifyAssertion(ctx, u.ID, challenge, resp2); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("another user's passkey: %v", err)
	}
	_ = v
	// Another origin.
	resp3, err := key.Assert(opts, "https://evil.example", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.VerifyAssertion(ctx, u.ID, challenge, resp3); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("another origin: %v", err)
	}
	if _, err := e.users.VerifyAssertion(ctx, u.ID, []byte("short"), resp); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Fatalf("short challenge: %v", err)
	}
}

// TestRehashOnParameterChange: a password hashed with older parameters
// still signs in, and the sign-in stores it again with the current ones.
func TestRehashOnParameterChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	e.enrolTOTP(t, "alice", auth.RoleAnalyst)
	newer := cheap
	newer.Time = 2
	e.users.Params = newer
	if _, err := e.users.SignIn(ctx, "alice", password, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	u, _ := e.db.UserByName(ctx, "alice")
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=64,t=2,p=1$") {
		t.Fatalf("not rehashed: %s", u.PasswordHash)
	}
	if ok, err := auth.VerifyPassword(password, u.PasswordHash); !ok || err != nil {
		t.Fatal("the new hash does not verify")
	}
}

func TestDefaultWebAuthnConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr, rpID, origin string
		ok                 bool
	}{
		{"127.0.0.1:8080", "localhost", "http://localhost:8080", true},
		{"[::1]:9000", "localhost", "http://localhost:9000", true},
		{"localhost:8080", "localhost", "http://localhost:8080", true},
		{":8080", "localhost", "http://localhost:8080", true},
		{"console.example.com:443", "console.example.com", "https://console.example.com", true},
		{"console.example.com:8443", "console.example.com", "https://console.example.com:8443", true},
		{"192.0.2.5:8080", "", "", false},
		{"no-port", "", "", false},
	} {
		cfg, err := auth.DefaultWebAuthnConfig(tc.addr)
		if (err == nil) != tc.ok || cfg.RPID != tc.rpID || (tc.ok && cfg.Origins[0] != tc.origin) {
			t.Errorf("DefaultWebAuthnConfig(%q) = %+v, %v", tc.addr, cfg, err)
		}
		if tc.ok {
			if _, err := auth.NewWebAuthn(cfg); err != nil {
				t.Errorf("NewWebAuthn(%+v): %v", cfg, err)
			}
		}
	}
	for _, bad := range []auth.WebAuthnConfig{
		{RPID: "example.com", Origins: []string{"https://evil.example"}},
		{RPID: "example.com", Origins: []string{"ftp://example.com"}},
		{RPID: "example.com"},
	} {
		if _, err := auth.NewWebAuthn(bad); !bulwark.IsCode(err, bulwark.EINVALID) {
			t.Errorf("NewWebAuthn(%+v) = %v", bad, err)
		}
	}
}

// TestSignedInSessionCannotChangeFactors: a signed-in session (one taken
// over, say) cannot add an authenticator or replace the recovery codes,
// however fresh; nothing is written.
func TestSignedInSessionCannotChangeFactors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	alice := e.enrolTOTP(t, "alice", auth.RoleAnalyst)
	sess, u, err := e.users.Session(ctx, alice.full.Cookie)
	if err != nil {
		t.Fatal(err)
	}
	before := head(t, e.db)
	if _, err := e.users.BeginPasskeyRegistration(ctx, sess, u); !bulwark.IsCode(err, bulwark.EFORBIDDEN) {
		t.Fatalf("passkey registration on a signed-in session: %v", err)
	}
	if _, err := e.users.BeginTOTP(ctx, sess, u); !bulwark.IsCode(err, bulwark.EFORBIDDEN) {
		t.Fatalf("TOTP enrolment on a signed-in session: %v", err)
	}
	if _, err := e.users.ConfirmTOTP(ctx, sess, u, "123456"); !bulwark.IsCode(err, bulwark.EFORBIDDEN) {
		t.Fatalf("TOTP confirmation on a signed-in session: %v", err)
	}
	if _, err := e.users.RegenerateRecoveryCodes(ctx, sess, u); !bulwark.IsCode(err, bulwark.EFORBIDDEN) {
		t.Fatalf("new recovery codes on a signed-in session: %v", err)
	}
	if head(t, e.db) != before {
		t.Fatal("a refused factor change wrote something")
	}
}

// TestUnknownNameNotLogged: a password typed into the name field is not
// written to the audit log.
func TestUnknownNameNotLogged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	before := head(t, e.db)
	if _, err := e.users.SignIn(ctx, password, "x", "192.0.2.1"); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatal(err)
	}
	entries, _ := e.db.AuditEntries(ctx, before, 10)
	if len(entries) != 1 || entries[0].Target != "user:unknown" || strings.Contains(string(entries[0].Details), "horse") || !strings.Contains(string(entries[0].Details), "nameSha256") {
		t.Fatalf("audited %+v", entries)
	}
}

func TestPruneSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	alice := e.enrolTOTP(t, "alice", auth.RoleAnalyst)
	bob := e.enrolTOTP(t, "bob", auth.RoleAnalyst)
	if err := e.users.SignOut(ctx, alice.full.Cookie); err != nil {
		t.Fatal(err)
	}
	e.advance(time.Second)
	// alice's enrolment session (rotated away) and her signed-out one,
	// bob's enrolment session: three ended; bob's live session stays.
	n, seq, err := e.users.PruneSessions(ctx, "system:retention", e.clock())
	if err != nil || n != 3 || seq == 0 {
		t.Fatalf("PruneSessions = %d, %d, %v", n, seq, err)
	}
	if _, _, err := e.users.Session(ctx, bob.full.Cookie); err != nil {
		t.Fatalf("a live session was pruned: %v", err)
	}
	if n, seq, err := e.users.PruneSessions(ctx, "system:retention", e.clock()); n != 0 || seq != 0 || err != nil {
		t.Fatalf("pruning again = %d, %d, %v; want nothing and no entry", n, seq, err)
	}
}

// TestEnrolGuessesLimited: guessing enrolment secrets from one address is
// refused (429) once its failures are spent; another address still enrols.
func TestEnrolGuessesLimited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	secret, _, err := e.users.CreateUser(ctx, "cli:test", "gina", auth.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	var last error
	for i := 0; i <= auth.DefaultSignInLimits.PerAccount; i++ {
		last = func() error {
			_, err := e.users.Enrol(ctx, fmt.Sprintf("bwe_%064x", i), password, "192.0.2.99")
			return err
		}()
	}
	if !bulwark.IsCode(last, bulwark.ERATELIMITED) {
		t.Fatalf("after %d wrong secrets: %v", auth.DefaultSignInLimits.PerAccount+1, last)
	}
	if _, err := e.users.Enrol(ctx, secret, password, "192.0.2.99"); !bulwark.IsCode(err, bulwark.ERATELIMITED) {
		t.Fatalf("the limited address enrolled: %v", err)
	}
	if _, err := e.users.Enrol(ctx, secret, password, "198.51.100.1"); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

func TestRaises(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		from, to auth.Role
		want     bool
	}{
		{auth.RoleViewer, auth.RoleAnalyst, true},
		{auth.RoleViewer, auth.RoleAdmin, true},
		{auth.RoleAnalyst, auth.RoleAdmin, true},
		{auth.RoleAdmin, auth.RoleAnalyst, false},
		{auth.RoleAnalyst, auth.RoleViewer, false},
		{auth.RoleAdmin, auth.RoleAdmin, false},
	} {
		if got := auth.Raises(tc.from, tc.to); got != tc.want {
			t.Errorf("Raises(%s, %s) = %v", tc.from, tc.to, got)
		}
	}
}
