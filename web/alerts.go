package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/inbox"
)

// alertsRoutes registers the alerts inbox: the list for every role, the
// assignment and acknowledgement forms for analysts.
func (c *Console) alertsRoutes() {
	c.AddNav(NavItem{Path: "/alerts", Label: "Alerts", Perm: auth.PermRead})
	c.Page("GET /alerts", auth.PermRead, c.alertsPage)
	c.Page("POST /alerts/{id}/assign", auth.PermAnalyze, c.alertAssign)
	c.Page("POST /alerts/{id}/ack", auth.PermAnalyze, c.alertAck)
}

func (c *Console) inbox() (*inbox.Service, error) {
	if c.cfg.Services.Inbox == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "the alerts inbox is not configured on this server")
	}
	return c.cfg.Services.Inbox, nil
}

// alertRow is one alert as the page shows it.
type alertRow struct {
	inbox.Item
	// Link is the console page of its evidence ("" when there is none:
	// EvidenceAPI is then the API route).
	Link, EvidenceAPI string
}

// alertsView is the data of alerts.html.
type alertsView struct {
	Rows []alertRow
	// Query is the filter as given; NextURL the link to the older page
	// ("" on the last).
	Query   inbox.Query
	NextURL string
	// CanAct is whether the person may assign and acknowledge.
	CanAct bool
	Kinds  []string
	Sevs   []inbox.Severity
	States []string
	// Back is this page's URL, where the forms return.
	Back string
}

// evidenceLink returns the console page that shows an item's evidence,
// or "" when only the API has it.
func evidenceLink(it inbox.Item) string {
	switch {
	case strings.HasPrefix(it.Evidence, "/api/v1/screen/decisions/"):
		return "/screening/decisions/" + strings.TrimPrefix(it.Evidence, "/api/v1/screen/decisions/")
	case strings.HasPrefix(it.Evidence, "/api/v1/trace/cases/"):
		return "/trace/cases/" + strings.TrimPrefix(it.Evidence, "/api/v1/trace/cases/")
	case it.Kind == inbox.KindSafe:
		return "/safe"
	}
	return ""
}

// alertsPage shows a page of the inbox, newest first, with the filters of
// the query string (state open unless given).
func (c *Console) alertsPage(w http.ResponseWriter, r *http.Request) error {
	svc, err := c.inbox()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	state := q.Get("state")
	if _, given := q["state"]; !given {
		state = string(inbox.Open)
	}
	query := inbox.Query{Kind: q.Get("kind"), Severity: q.Get("severity"), State: state, Assignee: q.Get("assignee"), Cursor: q.Get("cursor")}
	f, err := query.Filter()
	if err != nil {
		return err
	}
	page, err := svc.List(r.Context(), f)
	if err != nil {
		return err
	}
	p := PrincipalOf(r)
	v := &alertsView{Query: query, CanAct: p != nil && p.Role.Allows(auth.PermAnalyze), Kinds: inbox.Kinds(), Sevs: inbox.Severities(),
		States: []string{string(inbox.Open), string(inbox.Acknowledged), "all"}, Back: r.URL.RequestURI(),
		Rows: make([]alertRow, len(page.Items))}
	for i, it := range page.Items {
		v.Rows[i] = alertRow{Item: it, Link: evidenceLink(it)}
		if v.Rows[i].Link == "" {
			v.Rows[i].EvidenceAPI = it.Evidence
		}
	}
	if page.Next != "" {
		next := url.Values{}
		for k, val := range map[string]string{"kind": query.Kind, "severity": query.Severity, "state": query.State, "assignee": query.Assignee} {
			if val != "" {
				next.Set(k, val)
			}
		}
		next.Set("cursor", page.Next)
		v.NextURL = "/alerts?" + next.Encode()
	}
	return c.Render(w, r, http.StatusOK, "alerts.html", v)
}

func formAlertID(r *http.Request) (int64, error) {
	s := r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, bulwark.Invalid("id", "%q is not an alert id (a positive whole number)", s)
	}
	return id, nil
}

// back is where a form returns to: the page it was sent from when that
// is the inbox, else the inbox.
func back(r *http.Request, id int64) string {
	to := "/alerts"
	if ref := r.PostFormValue("back"); strings.HasPrefix(ref, "/alerts?") || ref == "/alerts" {
		to = ref
	}
	return to + "#alert-" + strconv.FormatInt(id, 10)
}

// alertAssign assigns an alert (form field assignee; empty unassigns).
func (c *Console) alertAssign(w http.ResponseWriter, r *http.Request) error {
	svc, err := c.inbox()
	if err != nil {
		return err
	}
	id, err := formAlertID(r)
	if err != nil {
		return err
	}
	if _, _, err := svc.Assign(r.Context(), PrincipalOf(r).Actor, id, r.PostFormValue("assignee")); err != nil {
		return err
	}
	http.Redirect(w, r, back(r, id), http.StatusSeeOther)
	return nil
}

// alertAck acknowledges an alert (form field reason, required). A
// critical Safe alert waiting for a second person goes to its approval
// request's page.
func (c *Console) alertAck(w http.ResponseWriter, r *http.Request) error {
	svc, err := c.inbox()
	if err != nil {
		return err
	}
	id, err := formAlertID(r)
	if err != nil {
		return err
	}
	_, _, err = svc.Acknowledge(r.Context(), PrincipalOf(r).Actor, id, r.PostFormValue("reason"))
	if req := approval.PendingRequest(err); req != nil {
		http.Redirect(w, r, "/approvals/"+url.PathEscape(req.ID), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, back(r, id), http.StatusSeeOther)
	return nil
}
