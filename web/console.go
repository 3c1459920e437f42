package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/auth"
)

// Principal is the person signed in to the console, as the session layer
// hands it over.
type Principal struct {
	// Actor is the audit actor of what they do ("user:<id>").
	Actor string
	// Name is shown in the header ("alice").
	Name string
	// Person names the person for dual control (two principals of one
	// person are one person); empty means the Actor.
	Person string
	// User is the signed-in user whose authenticator gives WebAuthn
	// assertions (dual-control approvals).
	User string
	// Role decides what they may do, with the API's permission table.
	Role auth.Role
	// CSRF is the session's anti-forgery token. Every form of the console
	// carries it in the field CSRFField (the layout's "csrf" template),
	// and script requests in the header CSRFHeader; the console refuses a
	// state-changing request without it (403).
	CSRF string
}

// Allows reports whether p's role holds perm.
func (p *Principal) Allows(perm auth.Permission) bool { return p != nil && p.Role.Allows(perm) }

// Sessions tells the console who is signed in. The user package's session
// service implements it; tests use a fake.
type Sessions interface {
	// Principal returns the principal of r's session, or nil (and no
	// error) when r carries no valid session. An error means the
	// sessions could not be read (the store is down): the console answers
	// 503 rather than treat the caller as signed out.
	Principal(r *http.Request) (*Principal, error)
}

// The names forms and scripts carry the CSRF token under.
const (
	CSRFField  = "csrf"
	CSRFHeader = "X-CSRF-Token"
)

// LoginPath is where an unauthenticated request for a page is sent, with
// the page it asked for in the "next" query parameter.
const LoginPath = "/login"

// DefaultMaxFormBytes caps a console request body (Config.MaxFormBytes).
const DefaultMaxFormBytes = 1 << 20

// Config configures a Console. Sessions is required; a nil service makes
// the pages over it answer 503 saying what serve lacks.
type Config struct {
	// Sessions finds the signed-in principal of a request.
	Sessions Sessions
	// Logger receives errors; nil discards.
	Logger *slog.Logger
	// Version is shown in the footer.
	Version string
	// MaxFormBytes caps a request body (DefaultMaxFormBytes).
	MaxFormBytes int64
	// Services are the domain services the pages show.
	Services
}

// Console is Bulwark's web console: server-rendered pages over the domain
// services. Build one with New and serve its Handler at "/" beside the
// JSON API. It holds no global state.
type Console struct {
	cfg    Config
	log    *slog.Logger
	mux    *http.ServeMux
	static *assets
	layout *template.Template
	pages  map[string]*template.Template
	nav    []NavItem
	graphs graphCache
}

// NavItem is one entry of the navigation bar.
type NavItem struct {
	// Path is the page the entry opens ("/safe").
	Path string
	// Label is its text ("Safe").
	Label string
	// Perm is the permission a principal needs to see the entry.
	Perm auth.Permission
}

// New checks cfg, parses the templates and registers every page.
func New(cfg Config) (*Console, error) {
	if cfg.Sessions == nil {
		return nil, bulwark.Invalid("sessions", "the console needs a session service to know who is signed in")
	}
	if cfg.MaxFormBytes < 0 {
		return nil, bulwark.Invalid("max-form-bytes", "must not be negative")
	}
	if cfg.MaxFormBytes == 0 {
		cfg.MaxFormBytes = DefaultMaxFormBytes
	}
	c := &Console{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), pages: map[string]*template.Template{}}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var err error
	if c.static, err = newAssets(); err != nil {
		return nil, err
	}
	if c.layout, err = c.parseLayout(); err != nil {
		return nil, err
	}
	c.mux.Handle("GET /static/", c.static)
	if err := c.routes(); err != nil {
		return nil, err
	}
	c.mux.Handle("/", c.public(func(w http.ResponseWriter, r *http.Request) error {
		return bulwark.Errorf(bulwark.ENOTFOUND, "there is no page at %s", r.URL.Path)
	}))
	return c, nil
}

// Handler returns the console as an http.Handler: the security headers of
// the console are set on every response, then the request is routed.
func (c *Console) Handler() http.Handler { return http.HandlerFunc(c.ServeHTTP) }

// ServeHTTP implements http.Handler.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	c.mux.ServeHTTP(w, r)
}

// ContentSecurityPolicy is the policy of every console response: scripts,
// styles, images and connections from the console's own origin only, no
// inline script or style, no plugins, no <base>, no framing, forms posted
// only to the console.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"

// setSecurityHeaders sets the console's security headers on h, replacing
// any set before (the API's JSON defaults).
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
}

// handlerFunc is a page handler: it writes its own success response and
// returns an error for the console to render as an error page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Page registers pattern (a http.ServeMux pattern with a method, "GET
// /safe") for principals whose role holds perm:
//   - no session: a GET or HEAD is redirected (303) to LoginPath with the
//     page in "next"; anything else is refused 401;
//   - a role without perm: 403;
//   - a state-changing method (POST, PUT, PATCH, DELETE) without the
//     session's CSRF token (form field CSRFField or header CSRFHeader), or
//     from another site (Origin, Sec-Fetch-Site): 403.
//
// The handler reads the principal with PrincipalOf. A page that anyone may
// open (the sign-in page) is registered with Public instead.
func (c *Console) Page(pattern string, perm auth.Permission, h handlerFunc) {
	if perm == "" {
		panic("web: page " + pattern + " needs a permission; register a page for everyone with Public")
	}
	c.mux.Handle(pattern, c.guard(perm, h))
}

// Public registers pattern without authentication or CSRF check: the
// handler does its own (the sign-in pages). PrincipalOf is nil there.
func (c *Console) Public(pattern string, h handlerFunc) {
	c.mux.Handle(pattern, c.public(h))
}

// AddNav adds an entry to the navigation bar, after those added before.
func (c *Console) AddNav(item NavItem) { c.nav = append(c.nav, item) }

func (c *Console) public(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			c.renderError(w, r, err)
		}
	})
}

type principalKey struct{}

// PrincipalOf returns the principal of a request that went through a page
// registered with Page (nil on a Public page).
func PrincipalOf(r *http.Request) *Principal {
	p, _ := r.Context().Value(principalKey{}).(*Principal)
	return p
}

// WithPrincipal returns ctx carrying p, as Page's guard does (for tests
// and for handlers that render another page's template).
// It also puts p in ctx as the dual-control principal
// (approval.WithPrincipal), so that an approval requested through a page
// names the person.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	if p != nil {
		ctx = approval.WithPrincipal(ctx, approval.Principal{Actor: p.Actor, Person: p.Person, Role: p.Role, User: p.User})
	}
	return context.WithValue(ctx, principalKey{}, p)
}

func (c *Console) guard(perm auth.Permission, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := c.cfg.Sessions.Principal(r)
		if err != nil {
			c.renderError(w, r, bulwark.Wrap(err, bulwark.EUNAVAILABLE, "cannot read the sessions; try again shortly"))
			return
		}
		if p == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, LoginPath+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			c.renderError(w, r, bulwark.Errorf(bulwark.EUNAUTHORIZED, "sign in first"))
			return
		}
		r = r.WithContext(WithPrincipal(r.Context(), p))
		if !p.Allows(perm) {
			err := bulwark.Errorf(bulwark.EFORBIDDEN, "your role (%s) may not do this: it needs the %s permission", p.Role, perm)
			if unsafeMethod(r.Method) {
				c.auditRefusal(r, p, err)
			}
			c.renderError(w, r, err)
			return
		}
		if unsafeMethod(r.Method) {
			r.Body = http.MaxBytesReader(w, r.Body, c.cfg.MaxFormBytes)
			if err := checkCSRF(r, p); err != nil {
				c.auditRefusal(r, p, err)
				c.renderError(w, r, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			c.renderError(w, r, err)
		}
	})
}

func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// checkCSRF refuses a state-changing request from another site or without
// the session's token.
func checkCSRF(r *http.Request, p *Principal) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "a form of another site cannot change anything here")
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "a form of another site cannot change anything here")
		}
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		if err := r.ParseMultipartForm(32 << 10); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return formError(err)
		}
		got = r.PostFormValue(CSRFField)
	}
	if p.CSRF == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.CSRF)) != 1 {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "the form's anti-forgery token is missing or out of date: reload the page and try again")
	}
	return nil
}

// formError is the error of a form body that could not be read.
func formError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return bulwark.Errorf(bulwark.ETOOLARGE, "the form is larger than %d bytes", tooBig.Limit)
	}
	return bulwark.Wrap(err, bulwark.EINVALID, "the form could not be read")
}

// NoSessions is the session service of a console without sign-in: nobody
// is ever signed in, so every page sends its visitor to LoginPath.
type NoSessions struct{}

// Principal implements Sessions: nobody.
func (NoSessions) Principal(*http.Request) (*Principal, error) { return nil, nil }
