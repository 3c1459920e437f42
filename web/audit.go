package web

import (
	"net/http"
	"strconv"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
)

// auditPageSize is how many entries the audit page shows at a time.
const auditPageSize = 100

// auditRoutes registers the audit page: admins only, as the API's audit
// routes.
func (c *Console) auditRoutes() {
	c.AddNav(NavItem{Path: "/audit", Label: "Audit log", Perm: auth.PermAdmin})
	c.Page("GET /audit", auth.PermAdmin, c.auditPage)
}

// auditView is the data of audit.html.
type auditView struct {
	Entries []*audit.Entry
	// Head is the newest entry (nil for an empty log); Next the before of
	// the following (older) page, 0 when none.
	Head *audit.Entry
	Next int64
	// Report is the chain's verification, when asked for (?verify=1).
	Report *audit.Report
}

// auditPage shows the log newest first, a page at a time (?before=SEQ),
// the head to write down, and on request the verification of the whole
// chain.
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request) error {
	if c.cfg.Services.Audit == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "the audit log is not configured on this server")
	}
	store := c.cfg.Services.Audit.Store
	q := r.URL.Query()
	var before int64
	if s := q.Get("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return bulwark.Invalid("before", "before: %q is not an entry number (a positive whole number)", s)
		}
		before = n
	}
	v := &auditView{}
	var err error
	if v.Entries, v.Next, err = audit.Newest(r.Context(), store, before, auditPageSize); err != nil {
		return err
	}
	head, _, err := audit.Newest(r.Context(), store, 0, 1)
	if err != nil {
		return err
	}
	if len(head) > 0 {
		v.Head = head[0]
	}
	if q.Get("verify") != "" {
		if v.Report, err = audit.Verify(r.Context(), store, nil); err != nil {
			return err
		}
	}
	return c.Render(w, r, http.StatusOK, "audit.html", v)
}
