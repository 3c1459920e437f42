package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/auth"
)

// approvalRoutes registers dual control's pages: the queue of requests,
// one request with the exact summary its requester saw, and the approval
// ceremony (a fresh passkey assertion over a challenge bound to the
// request), rejection and cancellation.
func (c *Console) approvalRoutes() {
	c.AddNav(NavItem{Path: "/approvals", Label: "Approvals", Perm: auth.PermAnalyze})
	c.Page("GET /approvals", auth.PermAnalyze, c.approvalsPage)
	c.Page("GET /approvals/{id}", auth.PermAnalyze, c.approvalPage)
	c.Page("POST /approvals/{id}/options", auth.PermAnalyze, c.approvalOptions)
	c.Page("POST /approvals/{id}/approve", auth.PermAnalyze, c.approvalApprove)
	c.Page("POST /approvals/{id}/reject", auth.PermAnalyze, c.approvalReject)
	c.Page("POST /approvals/{id}/cancel", auth.PermAnalyze, c.approvalCancel)
}

func (c *Console) approvals() (*approval.Service, error) {
	if c.cfg.Services.Approvals == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "dual control is not configured on this server")
	}
	return c.cfg.Services.Approvals, nil
}

// approvalPrincipal is the signed-in person as dual control names them.
func approvalPrincipal(r *http.Request) approval.Principal {
	if p, ok := approval.PrincipalOf(r.Context()); ok {
		return p
	}
	p := PrincipalOf(r)
	return approval.Principal{Actor: p.Actor, Person: p.Person, Role: p.Role, User: p.User}
}

// approvalsView is the data of approvals.html.
type approvalsView struct {
	Rows   []*approval.Request
	State  string
	States []string
}

func (c *Console) approvalsPage(w http.ResponseWriter, r *http.Request) error {
	svc, err := c.approvals()
	if err != nil {
		return err
	}
	st := r.URL.Query().Get("state")
	var want approval.State
	switch st {
	case "":
		st, want = string(approval.Pending), approval.Pending
	case "all":
	default:
		if want, err = approval.ParseState("state", st); err != nil {
			return err
		}
	}
	rows, err := svc.List(r.Context(), want, 200)
	if err != nil {
		return err
	}
	states := []string{"pending", "executed", "failed", "rejected", "cancelled", "expired", "all"}
	return c.Render(w, r, http.StatusOK, "approvals.html", approvalsView{Rows: rows, State: st, States: states})
}

// approvalView is the data of approval.html.
type approvalView struct {
	Req *approval.Request
	// MayApprove: the request is pending and the signed-in person may
	// approve it (not its requester, a role that allows it); Why says
	// why not otherwise. MayCancel: its requester or an admin.
	MayApprove, MayCancel bool
	Why                   string
	// MayCollect: an executed creation or second-factor reset of a user,
	// and the signed-in person asked for it: they may collect the
	// enrolment secret.
	MayCollect bool
}

func (c *Console) approvalPage(w http.ResponseWriter, r *http.Request) error {
	svc, err := c.approvals()
	if err != nil {
		return err
	}
	req, err := svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v := approvalView{Req: req}
	if req.State == approval.Pending {
		if err := svc.MayApprove(req, approvalPrincipal(r)); err != nil {
			v.Why = bulwark.ErrorMessage(err)
		} else {
			v.MayApprove = true
		}
		me := approvalPrincipal(r)
		v.MayCancel = me.SamePerson(approval.Principal{Actor: req.Requester, Person: req.RequesterPerson}) || me.Role == auth.RoleAdmin
	}
	v.MayCollect = req.State == approval.Executed && approvalPrincipal(r).Actor == req.Requester && approval.HasEnrolment(req)
	return c.Render(w, r, http.StatusOK, "approval.html", v)
}

// approvalOptions answers the ceremony's first request: the options of
// navigator.credentials.get over a single-use challenge bound to the
// request (JSON; errors as JSON too).
func (c *Console) approvalOptions(w http.ResponseWriter, r *http.Request) error {
	svc, err := c.approvals()
	if err != nil {
		return ceremonyError(w, err)
	}
	opts, _, err := svc.ChallengeOptions(r.Context(), r.PathValue("id"), approvalPrincipal(r))
	if err != nil {
		return ceremonyError(w, err)
	}
	writeRawJSON(w, http.StatusOK, opts)
	return nil
}

// approvalApprove answers the ceremony's second request, the browser's
// assertion: the request is approved and its action carried out; the page
// of the request then shows the outcome.
func (c *Console) approvalApprove(w http.ResponseWriter, r *http.Request) error {
	svc, err := c.approvals()
	if err != nil {
		return ceremonyError(w, err)
	}
	assertion, err := readAssertion(w, r)
	if err != nil {
		return ceremonyError(w, err)
	}
	id := r.PathValue("id")
	done, err := svc.Approve(r.Context(), id, approvalPrincipal(r), assertion)
	if err != nil && done == nil {
		return ceremonyError(w, err)
	}
	// Approved: executed, or failed (the page says why).
	b, _ := json.Marshal(map[string]string{"next": "/approvals/" + url.PathEscape(done.ID)})
	writeRawJSON(w, http.StatusOK, b)
	return nil
}

func (c *Console) approvalReject(w http.ResponseWriter, r *http.Request) error {
	return c.approvalDecide(w, r, (*approval.Service).Reject)
}

func (c *Console) approvalCancel(w http.ResponseWriter, r *http.Request) error {
	return c.approvalDecide(w, r, (*approval.Service).Cancel)
}

func (c *Console) approvalDecide(w http.ResponseWriter, r *http.Request, decide func(*approval.Service, context.Context, string, approval.Principal, string) (*approval.Request, error)) error {
	svc, err := c.approvals()
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, c.cfg.MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	done, err := decide(svc, r.Context(), r.PathValue("id"), approvalPrincipal(r), r.PostFormValue("reason"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/approvals/"+url.PathEscape(done.ID), http.StatusSeeOther)
	return nil
}
