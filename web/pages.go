package web

import (
	"net/http"

	"github.com/bulwark-sec/bulwark/auth"
)

// routes registers every page. Each group of pages lives in its own file
// (safe.go, screening.go, ...) with a method that registers its routes and
// nav entries; add one line here for a new group. The nav shows entries
// in the order they are added.
func (c *Console) routes() error {
	c.homeRoutes()
	c.safeRoutes()
	c.screeningRoutes()
	c.traceRoutes()
	c.auditRoutes()
	c.userRoutes()
	c.alertsRoutes()
	c.approvalRoutes()
	return nil
}

// homeRoutes registers the overview at "/".
func (c *Console) homeRoutes() {
	c.AddNav(NavItem{Path: "/", Label: "Overview", Perm: auth.PermRead})
	c.Page("GET /{$}", auth.PermRead, func(w http.ResponseWriter, r *http.Request) error {
		return c.Render(w, r, http.StatusOK, "home.html", nil)
	})
}
