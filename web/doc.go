// Package web is Bulwark's web console: server-rendered pages (html/template)
// over the domain services, served by 'bulwark serve' at "/" beside the JSON
// API. It is an adapter: it imports the domain packages, none imports it.
//
// Templates and static files are embedded (go:embed), so the binary needs no
// build step and works offline. Static files are served under
// /static/<hash>/<path>, the hash a prefix of the file's SHA-256, with a
// year's immutable caching; the vendored libraries (htmx, Cytoscape.js) and
// their licences are under static/vendor (see its README.md).
//
// Every response carries a strict Content-Security-Policy (scripts and
// styles from the console's origin only, nothing inline, no plugins, no
// framing, forms posted to the console only) and the usual security
// headers. Every value shown comes through html/template's escaping; no
// template function returns a trusted type.
//
// # Adding a page
//
//  1. Write templates/NAME.html defining "title" and "main" (the layout,
//     templates/layout/*.html, wraps them; "csrf" and "severity" are
//     partials every page may use). Pages read their data as .Data, the
//     signed-in person as .Principal.
//  2. Write NAME.go with a method that registers the routes with
//     Console.Page (pattern, permission, handler) and its nav entry with
//     Console.AddNav, and add one call to it in routes (pages.go).
//  3. Handlers read the person with PrincipalOf(r) (the audit actor is
//     its Actor), call the domain service and answer with Console.Render
//     (a whole page) or Console.RenderFragment (part of a page for htmx),
//     or return a *bulwark.Error for the console's error page.
//
// Page checks the session (no session: 303 to /login?next=...), the role's
// permission (403) and, on every POST, PUT, PATCH or DELETE, the session's
// anti-forgery token (form field "csrf", or header X-CSRF-Token, which
// console.js adds to htmx requests) and the request's origin (403).
package web
