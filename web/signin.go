package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html/template"
	"image/color"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/boombuler/barcode/qr"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/httpapi"
)

// Cookies of the sign-in: the session, and the anti-forgery token of the
// forms shown before there is one (double submit). Off loopback they are
// Secure and named with the "__Host-" prefix (cookieName), which browsers
// accept only when Secure, for the whole site and from no subdomain.
const (
	SessionCookie    = "bulwark_session"
	preSessionCookie = "bulwark_presession"
)

// cookieName is the name cookie base goes by for r: "__Host-" + base off
// loopback, base on loopback (plain HTTP, where Secure cannot be).
func cookieName(r *http.Request, base string) string {
	if loopback(r) {
		return base
	}
	return "__Host-" + base
}

// UserSessions is the console's Sessions over auth.Users: a request is
// signed in when its SessionCookie names a session that finished its
// second factor.
type UserSessions struct {
	Users *auth.Users
}

// Principal implements Sessions.
func (s UserSessions) Principal(r *http.Request) (*Principal, error) {
	sess, u, err := sessionOf(r, s.Users)
	if err != nil || sess == nil || sess.Stage != auth.StageFull {
		return nil, err
	}
	return &Principal{Actor: u.AuditTarget(), Name: u.Name, Person: u.Name, User: u.ID, Role: u.Role, CSRF: auth.CSRFToken(sess)}, nil
}

// sessionOf returns r's session at any stage; nil, nil when r has none
// (or an ended one).
func sessionOf(r *http.Request, users *auth.Users) (*auth.Session, *auth.User, error) {
	if users == nil {
		return nil, nil, nil
	}
	c, err := r.Cookie(cookieName(r, SessionCookie))
	if err != nil {
		return nil, nil, nil
	}
	sess, u, err := users.Session(r.Context(), c.Value)
	if bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		return nil, nil, nil
	}
	return sess, u, err
}

// loopback reports whether r was addressed to a loopback host, where a
// browser may speak plain HTTP: cookies are Secure everywhere else.
func loopback(r *http.Request) bool {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: cookieName(r, name), Value: value, Path: "/", MaxAge: maxAge,
		Secure: !loopback(r), HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// startSession sets the cookie of a new (or rotated) session.
func startSession(w http.ResponseWriter, r *http.Request, si *auth.SignedIn) {
	setCookie(w, r, SessionCookie, si.Cookie, int(time.Until(si.Session.ExpiresAt).Seconds())+1)
}

// clientKey is the client address of r for the sign-in limits: the one
// the API server derived through its trusted proxies (auth.WithClientAddr),
// else the connection's peer (behind a proxy not configured as trusted,
// the proxy is limited, which is stricter, never laxer).
func clientKey(r *http.Request) string {
	if k, ok := auth.ClientAddrFrom(r.Context()); ok {
		return k
	}
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return bulwark.Echo(host)
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// preSessionToken returns the anti-forgery token of the public forms,
// setting its cookie when r has none.
func preSessionToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(cookieName(r, preSessionCookie)); err == nil && len(c.Value) == 64 {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := hex.EncodeToString(b)
	setCookie(w, r, preSessionCookie, v, 3600)
	return v
}

// checkPreSession checks a public form: same-site, and its csrf field
// equal to the pre-session cookie.
func checkPreSession(r *http.Request) error {
	c, err := r.Cookie(cookieName(r, preSessionCookie))
	if err := checkCSRF(r, &Principal{CSRF: cookieValue(c, err)}); err != nil {
		return err
	}
	return nil
}

func cookieValue(c *http.Cookie, err error) string {
	if err != nil || len(c.Value) != 64 {
		return ""
	}
	return c.Value
}

// checkSessionCSRF checks a form of a session that has not finished
// signing in (the guard checks full sessions).
func checkSessionCSRF(r *http.Request, sess *auth.Session) error {
	return checkCSRF(r, &Principal{CSRF: auth.CSRFToken(sess)})
}

// safeNext returns next when it is a path on this site ("/" alone, or
// "/" then a character that is neither "/" nor "\\", no control
// characters or spaces anywhere), else "/": never a redirect elsewhere.
func safeNext(next string) string {
	if next == "/" {
		return next
	}
	if len(next) < 2 || next[0] != '/' || next[1] == '/' || next[1] == '\\' {
		return "/"
	}
	for _, r := range next {
		if r <= ' ' || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	return next
}

// problem is err as a form shows it.
func problem(err error) *formProblem {
	var e *bulwark.Error
	if !asError(err, &e) {
		return &formProblem{Code: bulwark.EINTERNAL, Message: "internal error"}
	}
	return &formProblem{Code: e.Code, Message: bulwark.ErrorMessage(err), Field: e.Field}
}

func asError(err error, e **bulwark.Error) bool {
	for err != nil {
		if be, ok := err.(*bulwark.Error); ok {
			*e = be
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// renderForm renders page with a refused form's problem (status from its
// code; Retry-After for a limited sign-in).
func (c *Console) renderForm(w http.ResponseWriter, r *http.Request, page string, data any, csrf string, err error) error {
	v := c.newView(r, data)
	if csrf != "" {
		v.CSRF = csrf
	}
	status := http.StatusOK
	if err != nil {
		v.Problem = problem(err)
		var le *auth.LimitedError
		if asLimited(err, &le) {
			w.Header().Set("Retry-After", strconv.FormatInt(int64(le.RetryAfter/time.Second)+1, 10))
		}
		status = statusOf(err)
	}
	return c.execute(w, r, status, page, "layout", v)
}

func asLimited(err error, le **auth.LimitedError) bool {
	l, ok := err.(*auth.LimitedError)
	if ok {
		*le = l
	}
	return ok
}

// qrSVG draws text as a QR code in SVG, made here: no outside service
// ever sees the TOTP secret. The SVG is built from the code's modules
// only (no text of the caller's), so it is safe as template.HTML.
func qrSVG(text string) (template.HTML, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return "", bulwark.Wrap(err, bulwark.EINTERNAL, "cannot draw the QR code")
	}
	b := code.Bounds()
	n := b.Dx()
	const quiet = 4
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="232" height="232" role="img" aria-label="QR code of the authenticator secret" data-testid="totp-qr" shape-rendering="crispEdges"><rect width="100%%" height="100%%" fill="#fff"/><path fill="#000" d="`, n+2*quiet, n+2*quiet)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if isDark(code.At(b.Min.X+x, b.Min.Y+y)) {
				fmt.Fprintf(&sb, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	sb.WriteString(`"/></svg>`)
	return template.HTML(sb.String()), nil //nolint:gosec // built from the QR modules alone
}

func isDark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r+g+b < 3*0x8000
}

// auditRefusal records a console request refused for its role or its
// anti-forgery token (nothing was changed), when the console has a log.
func (c *Console) auditRefusal(r *http.Request, p *Principal, err error) {
	if c.cfg.Audit == nil || p == nil {
		return
	}
	_, aerr := c.cfg.Audit.Record(context.WithoutCancel(r.Context()), audit.Event{Actor: p.Actor, Action: "console.refused", Target: r.Method + " " + r.URL.Path,
		Details: map[string]any{"code": bulwark.ErrorCode(err), "reason": bulwark.ErrorMessage(err)}})
	if aerr != nil {
		c.log.ErrorContext(r.Context(), "cannot audit a refused console request", "err", aerr.Error())
	}
}

// statusOf is the HTTP status of err's code, as the API answers it.
func statusOf(err error) int {
	status, _, _, _ := httpapi.Public(err)
	return status
}
