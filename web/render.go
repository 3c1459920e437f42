package web

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/httpapi"
)

// Templates: templates/layout/*.html are parsed into every page (the
// "layout" template and shared partials); each other templates/*.html is
// a page, parsed over a clone of them, defining "title" and "main" (and
// any fragments it renders alone with renderFragment).
const (
	layoutGlob = "templates/layout/*.html"
	pageGlob   = "templates/*.html"
)

// parseLayout parses the shared templates with the console's functions.
func (c *Console) parseLayout() (*template.Template, error) {
	t, err := template.New("").Funcs(c.funcs()).ParseFS(templateFS, layoutGlob)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "web: cannot parse the layout templates")
	}
	names, err := fs.Glob(templateFS, pageGlob)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "web: cannot list the page templates")
	}
	for _, name := range names {
		pt, err := template.Must(t.Clone()).ParseFS(templateFS, name)
		if err != nil {
			return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "web: cannot parse the page template "+name)
		}
		c.pages[path.Base(name)] = pt
	}
	return t, nil
}

// view is what every page template receives: the page's own data in
// .Data, and what the layout needs.
type view struct {
	// Principal is the signed-in person (nil on public pages).
	Principal *Principal
	// CSRF is the session's anti-forgery token (the "csrf" template puts
	// it in a form).
	CSRF string
	// Nav is the navigation bar for Principal's role.
	Nav []navEntry
	// Path is the request's path (the current nav entry is marked).
	Path    string
	Version string
	// Data is the page's own data.
	Data any
	// Problem is what was wrong with the form just sent (nil when
	// nothing): the layout shows it above the page, naming the field.
	Problem *formProblem
}

// formProblem is a refused form's error as the page shows it.
type formProblem struct {
	Code, Message, Field string
}

// navEntry is a NavItem as the layout shows it.
type navEntry struct {
	Path, Label string
	Current     bool
}

func (c *Console) newView(r *http.Request, data any) *view {
	p := PrincipalOf(r)
	v := &view{Principal: p, Path: r.URL.Path, Version: c.cfg.Version, Data: data}
	if p != nil {
		v.CSRF = p.CSRF
		for _, n := range c.nav {
			if p.Allows(n.Perm) {
				cur := r.URL.Path == n.Path || n.Path != "/" && strings.HasPrefix(r.URL.Path, n.Path+"/")
				v.Nav = append(v.Nav, navEntry{Path: n.Path, Label: n.Label, Current: cur})
			}
		}
	}
	return v
}

// Render writes the page template page ("safe.html") with data, wrapped
// in the layout, with status. The page is rendered to a buffer first, so
// a template error gives an error page rather than half a page.
func (c *Console) Render(w http.ResponseWriter, r *http.Request, status int, page string, data any) error {
	return c.execute(w, r, status, page, "layout", c.newView(r, data))
}

// RenderFragment writes the template name of page alone (no layout), for
// an htmx request that swaps part of a page. The fragment receives the
// same view as a whole page.
func (c *Console) RenderFragment(w http.ResponseWriter, r *http.Request, status int, page, name string, data any) error {
	return c.execute(w, r, status, page, name, c.newView(r, data))
}

func (c *Console) execute(w http.ResponseWriter, r *http.Request, status int, page, name string, v *view) error {
	t := c.pages[page]
	if t == nil {
		return bulwark.Errorf(bulwark.EINTERNAL, "web: no page template %s", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		return bulwark.Wrap(err, bulwark.EINTERNAL, "web: rendering "+page)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
	return nil
}

// errorView is the data of the error page.
type errorView struct {
	Status  int
	Code    string
	Message string
}

// renderError answers with err as an error page: the status of its code
// and the message the API would show. 5xx errors are logged whole.
func (c *Console) renderError(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg, _ := httpapi.Public(err)
	if status >= 500 {
		c.log.ErrorContext(r.Context(), "console request failed", "code", code, "err", err.Error(), "path", r.URL.Path)
	}
	if err := c.Render(w, r, status, "error.html", errorView{Status: status, Code: code, Message: msg}); err != nil {
		c.log.ErrorContext(r.Context(), "console error page failed", "err", err.Error())
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(msg + "\n"))
	}
}
