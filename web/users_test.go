package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/internal/passkeytest"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

const (
	userOrigin   = "http://localhost:8080"
	userPassword = "correct horse battery staple"
)

// userEnv is a console over real users on a real store.
type userEnv struct {
	t     *testing.T
	db    *sqlite.DB
	users *auth.Users
	c     *Console
}

func newUserEnv(t *testing.T) *userEnv {
	t.Helper()
	db := sqlitetest.Open(t, sqlite.Options{})
	wa, err := auth.NewWebAuthn(auth.WebAuthnConfig{RPID: "localhost", Origins: []string{userOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	log := &audit.Log{Store: db}
	users := &auth.Users{Store: db, Log: log, WebAuthn: wa, Params: auth.PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	c, err := New(Config{Sessions: UserSessions{Users: users}, Version: "test", Services: Services{Audit: log, Users: users}})
	if err != nil {
		t.Fatal(err)
	}
	return &userEnv{t: t, db: db, users: users, c: c}
}

// browser keeps cookies across requests to the console, as a browser on
// host would.
type browser struct {
	e       *userEnv
	host    string
	cookies map[string]*http.Cookie
	last    *httptest.ResponseRecorder
	// client, when set, is the client address the API server derived
	// (auth.WithClientAddr), as behind a trusted proxy.
	client string
}

func (e *userEnv) browser(host string) *browser {
	return &browser{e: e, host: host, cookies: map[string]*http.Cookie{}}
}

func (b *browser) do(method, path string, form url.Values, header map[string]string, body []byte) *httptest.ResponseRecorder {
	b.e.t.Helper()
	var rd *bytes.Reader
	switch {
	case body != nil:
		rd = bytes.NewReader(body)
	case form != nil:
		rd = bytes.NewReader([]byte(form.Encode()))
	default:
		rd = bytes.NewReader(nil)
	}
	r := httptest.NewRequest(method, "http://"+b.host+path, rd)
	r.RemoteAddr = "192.0.2.10:5555"
	if b.client != "" {
		r = r.WithContext(auth.WithClientAddr(r.Context(), b.client))
	}
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	for _, c := range b.cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	b.e.c.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	b.last = w
	return w
}

var (
	csrfInput = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)
	totpKey   = regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`)
)

func match(t *testing.T, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in %s", re, body)
	}
	return m[1]
}

func totpCode(t *testing.T, secret string, at time.Time) string {
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolTOTP enrols a new user through the pages and returns the browser
// (signed in), the TOTP secret and the recovery codes.
func (e *userEnv) enrolTOTP(name string, role auth.Role, host string) (*browser, string, []string) {
	t := e.t
	t.Helper()
	secret, _, err := e.users.CreateUser(context.Background(), "cli:test", name, role)
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser(host)
	w := b.do("GET", "/enrol", nil, nil, nil)
	token := match(t, csrfInput, w.Body.String())
	w = b.do("POST", "/enrol", url.Values{"csrf": {token}, "secret": {secret}, "password": {userPassword}, "password2": {userPassword}}, nil, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/enrol/second-factor" {
		t.Fatalf("enrol: %d %s", w.Code, w.Body)
	}
	w = b.do("GET", "/enrol/second-factor", nil, nil, nil)
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, `<svg`) || !strings.Contains(body, "Register a passkey") {
		t.Fatalf("enrol factor page: %d %s", w.Code, body)
	}
	key := match(t, totpKey, body)
	if !strings.Contains(body, `data-otpauth="otpauth://totp/Bulwark:`) {
		t.Fatalf("the otpauth URI is not on the page: %s", body)
	}
	w = b.do("POST", "/enrol/totp", url.Values{"csrf": {match(t, csrfInput, body)}, "code": {totpCode(t, key, time.Now())}}, nil, nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "recovery codes") {
		t.Fatalf("confirm TOTP: %d %s", w.Code, w.Body)
	}
	codes := regexp.MustCompile(`<li>([a-z0-9-]{19})</li>`).FindAllStringSubmatch(w.Body.String(), -1)
	if len(codes) != auth.RecoveryCodeCount {
		t.Fatalf("%d recovery codes shown", len(codes))
	}
	var out []string
	for _, c := range codes {
		out = append(out, c[1])
	}
	return b, key, out
}

func (e *userEnv) auditCount() int64 {
	h, err := e.db.AuditHead(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return h.Seq
}

func TestConsoleEnrolAndSignIn(t *testing.T) {
	t.Parallel()
	e := newUserEnv(t)
	b, key, _ := e.enrolTOTP("alice", auth.RoleAnalyst, "localhost:8080")
	c := b.cookies[SessionCookie]
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || !strings.HasPrefix(c.Value, "bws_") {
		t.Fatalf("session cookie on loopback: %+v", c)
	}
	if w := b.do("GET", "/account", nil, nil, nil); w.Code != 200 || !strings.Contains(w.Body.String(), "(this one)") {
		t.Fatalf("account: %d %s", w.Code, w.Body)
	}

	// Sign in again, on a named host: the cookie is Secure there.
	b2 := e.browser("console.example.com")
	w := b2.do("GET", "/login?next=/account", nil, nil, nil)
	token := match(t, csrfInput, w.Body.String())
	if pc := b2.cookies["__Host-"+preSessionCookie]; pc == nil || !pc.Secure || !pc.HttpOnly || pc.SameSite != http.SameSiteStrictMode {
		t.Fatalf("pre-session cookie: %+v", pc)
	}
	w = b2.do("POST", "/login", url.Values{"csrf": {token}, "name": {"alice"}, "password": {userPassword}, "next": {"/account"}}, nil, nil)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login/second-factor") {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	pending := b2.cookies["__Host-"+SessionCookie].Value
	if w := b2.do("GET", "/account", nil, nil, nil); w.Code != http.StatusSeeOther {
		t.Fatalf("a password alone opened a page: %d", w.Code)
	}
	w = b2.do("GET", "/login/second-factor?next=/account", nil, nil, nil)
	w = b2.do("POST", "/login/totp", url.Values{"csrf": {match(t, csrfInput, w.Body.String())}, "code": {totpCode(t, key, time.Now().Add(30*time.Second))}, "next": {"/account"}}, nil, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account" {
		t.Fatalf("second factor: %d %s", w.Code, w.Body)
	}
	if c := b2.cookies["__Host-"+SessionCookie]; !c.Secure || c.Value == pending || c.Path != "/" || c.Domain != "" {
		t.Fatalf("full session cookie: secure %v, rotated %v", c.Secure, c.Value != pending)
	}
	if w := b2.do("GET", "/account", nil, nil, nil); w.Code != 200 {
		t.Fatalf("account after sign-in: %d", w.Code)
	}
}

// TestConsoleSessionReplayedAfterSignOut: the cookie of a signed-out
// session opens nothing and changes nothing.
func TestConsoleSessionReplayedAfterSignOut(t *testing.T) {
	t.Parallel()
	e := newUserEnv(t)
	b, _, _ := e.enrolTOTP("alice", auth.RoleAnalyst, "localhost:8080")
	stolen := *b.cookies[SessionCookie]
	w := b.do("GET", "/account", nil, nil, nil)
	csrf := match(t, csrfInput, w.Body.String())
	if w := b.do("POST", "/logout", url.Values{"csrf": {csrf}}, nil, nil); w.Code != http.StatusSeeOther || b.cookies[SessionCookie] != nil {
		t.Fatalf("logout: %d, cookie %v", w.Code, b.cookies[SessionCookie])
	}
	attacker := e.browser("localhost:8080")
	attacker.cookies[SessionCookie] = &stolen
	if w := attacker.do("GET", "/account", nil, nil, nil); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
		t.Fatalf("replayed cookie GET: %d", w.Code)
	}
	before := e.auditCount()
	if w := attacker.do("POST", "/account/sessions/0000000000000000/revoke", url.Values{"csrf": {csrf}}, nil, nil); w.Code != http.StatusUnauthorized {
		t.Fatalf("replayed cookie POST: %d", w.Code)
	}
	if e.auditCount() != before {
		t.Fatal("a replayed cookie changed something")
	}
}

// TestConsoleCSRFWithoutToken: a signed-in user's form posted without the
// token (as another site would) is refused, audited, and changes nothing.
func TestConsoleCSRFWithoutToken(t *testing.T) {
	t.Parallel()
	e := newUserEnv(t)
	b, _, codes := e.enrolTOTP("alice", auth.RoleAdmin, "localhost:8080")
	mine := b.do("GET", "/account", nil, nil, nil)
	session := match(t, regexp.MustCompile(`data-session="([0-9a-f]{16})"`), mine.Body.String())
	before := e.auditCount()
	for _, tc := range []struct {
		name   string
		form   url.Values
		header map[string]string
	}{
		{"no token", url.Values{}, nil},
		{"wrong token", url.Values{"csrf": {strings.Repeat("0", 64)}}, nil},
		{"cross-site", url.Values{}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
	} {
		if w := b.do("POST", "/account/sessions/"+session+"/revoke", tc.form, tc.header, nil); w.Code != http.StatusForbidden {
			t.Fatalf("%s: %d", tc.name, w.Code)
		}
		if w := b.do("POST", "/users", url.Values{"name": {"mallory"}, "role": {"admin"}, "csrf": tc.form["csrf"]}, tc.header, nil); w.Code != http.StatusForbidden {
			t.Fatalf("%s create user: %d", tc.name, w.Code)
		}
	}
	entries, _ := e.db.AuditEntries(context.Background(), before, 100)
	if len(entries) != 6 {
		t.Fatalf("%d audit entries, want 6 refusals", len(entries))
	}
	for _, en := range entries {
		if en.Action != "console.refused" || en.Actor != "user:alice" {
			t.Fatalf("audited %s by %s", en.Action, en.Actor)
		}
	}
	if _, err := e.db.UserByName(context.Background(), "mallory"); err == nil {
		t.Fatal("a forged form created a user")
	}
	if n, _ := e.db.CountRecoveryCodes(context.Background(), mustUser(t, e, "alice").ID); n != len(codes) {
		t.Fatalf("recovery codes changed: %d", n)
	}
	if w := b.do("GET", "/account", nil, nil, nil); w.Code != 200 {
		t.Fatalf("a forged revocation ended the session: %d", w.Code)
	}
}

func mustUser(t *testing.T, e *userEnv, name string) *auth.User {
	u, err := e.db.UserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestConsoleViewerPostsAnalystForm: refused 403, audited, nothing changed.
func TestConsoleViewerPostsAnalystForm(t *testing.T) {
	t.Parallel()
	e := newUserEnv(t)
	b, _, _ := e.enrolTOTP("vic", auth.RoleViewer, "localhost:8080")
	w := b.do("GET", "/account", nil, nil, nil)
	csrf := match(t, csrfInput, w.Body.String())
	before := e.auditCount()
	for _, path := range []string{"/screening/address", "/safe/verify", "/users"} {
		if w := b.do("POST", path, url.Values{"csrf": {csrf}, "address": {"0x0000000000000000000000000000000000000001"}, "name": {"x"}, "role": {"admin"}}, nil, nil); w.Code != http.StatusForbidden {
			t.Fatalf("viewer POST %s: %d", path, w.Code)
		}
	}
	entries, _ := e.db.AuditEntries(context.Background(), before, 100)
	if len(entries) != 3 {
		t.Fatalf("%d entries", len(entries))
	}
	for _, en := range entries {
		if en.Action != "console.refused" || !strings.Contains(string(en.Details), "forbidden") {
			t.Fatalf("audited %s %s", en.Action, en.Details)
		}
	}
	if list, _ := e.db.ListUsers(context.Background()); len(list) != 1 {
		t.Fatal("a viewer created a user")
	}
}

// TestConsolePasskey: registration and sign-in through the pages'
// endpoints with a software authenticator; an assertion for another
// origin is refused.
func TestConsolePasskey(t *testing.T) {
	t.Parallel()
	e := newUserEnv(t)
	secret, _, err := e.users.CreateUser(context.Background(), "cli:test", "pat", auth.RoleAnalyst)
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser("localhost:8080")
	w := b.do("GET", "/enrol", nil, nil, nil)
	b.do("POST", "/enrol", url.Values{"csrf": {match(t, csrfInput, w.Body.String())}, "secret": {secret}, "password": {userPassword}, "password2": {userPassword}}, nil, nil)
	w = b.do("GET", "/enrol/second-factor", nil, nil, nil)
	csrf := match(t, csrfInput, w.Body.String())
	hdr := map[string]string{CSRFHeader: csrf, "Content-Type": "application/json"}
	if w := b.do("POST", "/enrol/passkey/options", nil, map[string]string{"Content-Type": "application/json"}, []byte{}); w.Code != http.StatusForbidden {
		t.Fatalf("options without the token: %d", w.Code)
	}
	w = b.do("POST", "/enrol/passkey/options", nil, hdr, []byte{})
	if w.Code != 200 {
		t.Fatalf("options: %d %s", w.Code, w.Body)
	}
	key, err := passkeytest.New()
	if err != nil {
		t.Fatal(err)
	}
	cred, err := key.Register(w.Body.Bytes(), userOrigin, "")
	if err != nil {
		t.Fatal(err)
	}
	w = b.do("POST", "/enrol/passkey", nil, hdr, cred)
	var reg struct {
		RecoveryCodes []string
		Next          string
	}
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &reg) != nil || len(reg.RecoveryCodes) != auth.RecoveryCodeCount {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}

	signIn := func(origin string) *httptest.ResponseRecorder {
		b := e.browser("localhost:8080")
		w := b.do("GET", "/login", nil, nil, nil)
		b.do("POST", "/login", url.Values{"csrf": {match(t, csrfInput, w.Body.String())}, "name": {"pat"}, "password": {userPassword}}, nil, nil)
		w = b.do("GET", "/login/second-factor", nil, nil, nil)
		if !strings.Contains(w.Body.String(), "Use my passkey") {
			t.Fatalf("the passkey is not offered: %s", w.Body)
		}
		h := map[string]string{CSRFHeader: match(t, regexp.MustCompile(`data-csrf="([0-9a-f]+)"`), w.Body.String()), "Content-Type": "application/json"}
		w = b.do("POST", "/login/passkey/options", nil, h, []byte{})
		if w.Code != 200 {
			t.Fatalf("login options: %d %s", w.Code, w.Body)
		}
		a, err := key.Assert(w.Body.Bytes(), origin, "")
		if err != nil {
			t.Fatal(err)
		}
		return b.do("POST", "/login/passkey?next=/account", nil, h, a)
	}
	before := e.auditCount()
	if w := signIn("https://bulwark.example.net"); w.Code != http.StatusUnauthorized {
		t.Fatalf("assertion for another origin: %d %s", w.Code, w.Body)
	}
	entries, _ := e.db.AuditEntries(context.Background(), before, 10)
	if last := entries[len(entries)-1]; last.Action != "session.signin.fail" {
		t.Fatalf("not audited: %s", last.Action)
	}
	if w := signIn(userOrigin); w.Code != 200 || !strings.Contains(w.Body.String(), `"next":"/account"`) {
		t.Fatalf("passkey sign-in: %d %s", w.Code, w.Body)
	}
}

// TestConsoleLoginLimited: the sign-in form answers 429 with Retry-After
// once an address has spent its failures; the form still renders.
func TestConsoleLoginLimited(t *testing.T) {
	t.Parallel()
	e := newUserEnv(t)
	b := e.browser("localhost:8080")
	w := b.do("GET", "/login", nil, nil, nil)
	token := match(t, csrfInput, w.Body.String())
	var last *httptest.ResponseRecorder
	for i := 0; i <= auth.DefaultSignInLimits.PerAddress; i++ {
		last = b.do("POST", "/login", url.Values{"csrf": {token}, "name": {fmt.Sprintf("u%d", i)}, "password": {"wrong password!"}}, nil, nil)
	}
	if last.Code != http.StatusTooManyRequests || last.Header().Get("Retry-After") == "" || !strings.Contains(last.Body.String(), "too many failed sign-ins") {
		t.Fatalf("limited sign-in: %d %q %s", last.Code, last.Header().Get("Retry-After"), last.Body)
	}
	if w := b.do("POST", "/login", url.Values{"name": {"u1"}, "password": {"x"}}, nil, nil); w.Code != http.StatusForbidden {
		t.Fatalf("login form without its token: %d", w.Code)
	}
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/": "/", "/account": "/account", "/trace/cases/3?x=1": "/trace/cases/3?x=1", "": "/",
		"//evil.example": "/", "/\\evil.example": "/", "/\t/evil.example": "/", "/\n/evil": "/", "https://evil.example": "/",
		"/ /evil": "/", "/a\\b": "/", "evil": "/", "/\x7f": "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "/account", "//evil", "/\t/evil", "/\\evil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := safeNext(s)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") || strings.ContainsAny(got, "\\\t\r\n ") {
			t.Fatalf("safeNext(%q) = %q may leave the site", s, got)
		}
		if u, err := url.Parse(got); err == nil && (u.Host != "" || u.Scheme != "") {
			t.Fatalf("safeNext(%q) = %q names another site", s, got)
		}
	})
}
