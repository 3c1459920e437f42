package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/auth"
)

// fakeSessions maps the "session" cookie's value to a principal.
type fakeSessions map[string]*Principal

func (f fakeSessions) Principal(r *http.Request) (*Principal, error) {
	c, err := r.Cookie("session")
	if err != nil {
		return nil, nil
	}
	return f[c.Value], nil
}

// The test principals, by session cookie value. The admin's name is an
// injection attempt: it must show as text.
var testPrincipals = fakeSessions{
	"admin":   {Actor: "user:1", Name: `<img src=x onerror=alert(1)>`, Role: auth.RoleAdmin, CSRF: "csrf-admin"},
	"analyst": {Actor: "user:2", Name: "ana", Role: auth.RoleAnalyst, CSRF: "csrf-analyst"},
	"viewer":  {Actor: "user:3", Name: "vic", Role: auth.RoleViewer, CSRF: "csrf-viewer"},
}

// xssPayload is the entity name of the stored-XSS test; it must never
// appear unescaped in a page.
const xssPayload = `<img src=x onerror=alert(1)>`

func newTestConsole(t testing.TB, svc Services) *Console {
	t.Helper()
	c, err := New(Config{Sessions: testPrincipals, Version: "test", Services: svc})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// request is one scenario request: method, path, the session (cookie
// value, "" for none), the form (csrf added unless noCSRF).
type request struct {
	method, path, session string
	form                  url.Values
	noCSRF                bool
	header                map[string]string
}

func do(t testing.TB, h http.Handler, rq request) *httptest.ResponseRecorder {
	t.Helper()
	var body *strings.Reader
	form := url.Values{}
	for k, v := range rq.form {
		form[k] = v
	}
	if rq.method == "" {
		rq.method = http.MethodGet
	}
	if rq.method != http.MethodGet && !rq.noCSRF {
		if p := testPrincipals[rq.session]; p != nil {
			form.Set(CSRFField, p.CSRF)
		}
	}
	body = strings.NewReader(form.Encode())
	r := httptest.NewRequest(rq.method, rq.path, body)
	if rq.method != http.MethodGet {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if rq.session != "" {
		r.AddCookie(&http.Cookie{Name: "session", Value: rq.session})
	}
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// checkHeaders checks the console's security headers on a response.
func checkHeaders(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	h := w.Header()
	if got := h.Get("Content-Security-Policy"); got != ContentSecurityPolicy {
		t.Errorf("Content-Security-Policy = %q", got)
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestCSPIsStrict(t *testing.T) {
	t.Parallel()
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'", "default-src 'none'"} {
		if !strings.Contains(ContentSecurityPolicy, want) {
			t.Errorf("CSP lacks %s", want)
		}
	}
	if strings.Contains(ContentSecurityPolicy, "unsafe") {
		t.Error("CSP allows something unsafe")
	}
}

// TestGuard: the session, role and CSRF checks every page goes through.
func TestGuard(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t, Services{})
	changed := 0
	c.Page("POST /test/change", auth.PermAnalyze, func(w http.ResponseWriter, r *http.Request) error {
		changed++
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	for _, tc := range []struct {
		name   string
		rq     request
		status int
		loc    string // Location header prefix
		body   string // substring of the body
		change bool
	}{
		{name: "no session is sent to sign in", rq: request{path: "/?x=1"}, status: http.StatusSeeOther, loc: "/login?next=%2F%3Fx%3D1"},
		{name: "unknown session is sent to sign in", rq: request{path: "/", session: "stolen"}, status: http.StatusSeeOther, loc: "/login?next="},
		{name: "viewer sees the overview", rq: request{path: "/", session: "viewer"}, status: http.StatusOK, body: "vic"},
		{name: "the name is text", rq: request{path: "/", session: "admin"}, status: http.StatusOK, body: "&lt;img src=x onerror=alert(1)&gt;"},
		{name: "unknown page", rq: request{path: "/nope", session: "viewer"}, status: http.StatusNotFound, body: "there is no page at /nope"},
		{name: "post without session", rq: request{method: "POST", path: "/test/change"}, status: http.StatusUnauthorized},
		{name: "viewer cannot post an analyst form", rq: request{method: "POST", path: "/test/change", session: "viewer"}, status: http.StatusForbidden, body: "needs the analyze permission"},
		{name: "missing CSRF", rq: request{method: "POST", path: "/test/change", session: "analyst", noCSRF: true}, status: http.StatusForbidden, body: "anti-forgery"},
		{name: "another session's CSRF", rq: request{method: "POST", path: "/test/change", session: "analyst", noCSRF: true, form: url.Values{CSRFField: {"csrf-admin"}}}, status: http.StatusForbidden},
		{name: "cross-site", rq: request{method: "POST", path: "/test/change", session: "analyst", header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, status: http.StatusForbidden, body: "another site"},
		{name: "foreign origin", rq: request{method: "POST", path: "/test/change", session: "analyst", header: map[string]string{"Origin": "https://evil.example"}}, status: http.StatusForbidden},
		{name: "CSRF header", rq: request{method: "POST", path: "/test/change", session: "analyst", noCSRF: true, header: map[string]string{CSRFHeader: "csrf-analyst", "Origin": "http://example.com"}}, status: http.StatusNoContent, change: true},
		{name: "CSRF field", rq: request{method: "POST", path: "/test/change", session: "analyst"}, status: http.StatusNoContent, change: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := changed
			w := do(t, c, tc.rq)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, tc.status, w.Body.String())
			}
			checkHeaders(t, w)
			if tc.loc != "" && !strings.HasPrefix(w.Header().Get("Location"), tc.loc) {
				t.Errorf("Location %q, want prefix %q", w.Header().Get("Location"), tc.loc)
			}
			if !strings.Contains(w.Body.String(), tc.body) {
				t.Errorf("body lacks %q:\n%s", tc.body, w.Body.String())
			}
			if strings.Contains(w.Body.String(), xssPayload) {
				t.Errorf("body carries the payload unescaped")
			}
			if (changed > before) != tc.change {
				t.Errorf("changed = %v, want %v", changed > before, tc.change)
			}
		})
	}
}

func TestStatic(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t, Services{})
	w := do(t, c, request{path: "/", session: "viewer"})
	// Every static URL of the layout is served, with a year's cache.
	urls := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(w.Body.String(), -1)
	if len(urls) < 3 {
		t.Fatalf("layout links %d static files, want the stylesheet, htmx and console.js", len(urls))
	}
	for _, m := range urls {
		w := do(t, c, request{path: m[1]})
		if w.Code != http.StatusOK || w.Body.Len() == 0 {
			t.Errorf("%s: status %d", m[1], w.Code)
		}
		if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("%s: Cache-Control %q", m[1], cc)
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/css") && !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("%s: Content-Type %q", m[1], ct)
		}
		checkHeaders(t, w)
	}
	for _, p := range []string{"/static/0000000000000000/console.css", "/static/console.css", "/static/0000000000000000/nothere.css", "/static/"} {
		if w := do(t, c, request{path: p}); w.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, w.Code)
		}
	}
}

// TestVendorDigests checks the vendored files against the table of
// static/vendor/README.md.
func TestVendorDigests(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("static/vendor/README.md")
	if err != nil {
		t.Fatal(err)
	}
	a, err := newAssets()
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile(`(?m)^\| [^|]+ \| [^|]+ \| (\S+) \| ([0-9a-f]{64}) \|`).FindAllStringSubmatch(string(readme), -1)
	if len(rows) != 2 {
		t.Fatalf("README lists %d vendored files, want 2", len(rows))
	}
	for _, row := range rows {
		f := a.files["vendor/"+row[1]]
		if f == nil {
			t.Errorf("%s is listed but not embedded", row[1])
			continue
		}
		if !strings.HasPrefix(row[2], f.hash) {
			t.Errorf("%s: the README's sha256 %s does not match the file (%s…)", row[1], row[2], f.hash)
		}
	}
	for _, p := range []string{vendorHTMX, vendorCytoscape} {
		lic := p[:strings.LastIndexByte(p, '/')] + "/LICENSE"
		if a.files[p] == nil || a.files[lic] == nil {
			t.Errorf("%s or its licence is not embedded", p)
		}
	}
}

func TestNewNeedsSessions(t *testing.T) {
	t.Parallel()
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "session") {
		t.Fatalf("New without sessions: %v", err)
	}
}

// TestDualControlPrincipal: a page's context names the signed-in person
// for dual control.
func TestDualControlPrincipal(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t, Services{})
	var got approval.Principal
	c.Page("GET /test/who", auth.PermRead, func(w http.ResponseWriter, r *http.Request) error {
		got = approval.PrincipalFrom(r.Context(), "nobody")
		return nil
	})
	do(t, c, request{path: "/test/who", session: "analyst"})
	if got.Actor != "user:2" || got.Role != auth.RoleAnalyst {
		t.Fatalf("dual-control principal %+v", got)
	}
}
