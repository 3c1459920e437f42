package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/auth"
)

const (
	routeApprovalList      = "GET /api/v1/approvals"
	routeApprovalShow      = "GET /api/v1/approvals/{id}"
	routeApprovalChallenge = "POST /api/v1/approvals/{id}/challenge"
	routeApprovalApprove   = "POST /api/v1/approvals/{id}/approve"
	routeApprovalReject    = "POST /api/v1/approvals/{id}/reject"
	routeApprovalCancel    = "POST /api/v1/approvals/{id}/cancel"
)

func (s *Server) approvalRoutes() {
	s.handle(routeApprovalList, auth.PermAnalyze, s.listApprovals)
	s.handle(routeApprovalShow, auth.PermAnalyze, s.showApproval)
	// The approval service audits every request, decision and refusal
	// itself, in the transaction that changes the request, so these are
	// plain routes rather than handleChange ones (an approval runs the
	// approved action, which is audited in a transaction of its own).
	s.register(routeApprovalChallenge, auth.PermAnalyze, s.approvalChallenge)
	s.register(routeApprovalApprove, auth.PermAnalyze, s.approveRequest)
	s.register(routeApprovalReject, auth.PermAnalyze, s.rejectRequest)
	s.register(routeApprovalCancel, auth.PermAnalyze, s.cancelRequest)
}

// principal is who makes request r for dual control: the signed-in person
// a session put in its context (approval.WithPrincipal), else its token.
func principal(r *http.Request) approval.Principal {
	if p, ok := approval.PrincipalOf(r.Context()); ok {
		return p
	}
	if tok := tokenOf(r); tok != nil {
		return approval.Principal{Actor: tok.Actor(), Person: tok.Person, Role: tok.Role}
	}
	return approval.Principal{Actor: "anonymous", Role: auth.RoleViewer}
}

// dualContext is r's context naming its principal, for a domain service
// that asks dual control.
func dualContext(r *http.Request) context.Context {
	return approval.WithPrincipal(r.Context(), principal(r))
}

func (s *Server) approvals() (*approval.Service, error) {
	if s.cfg.Approvals == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "dual control is not configured on this server")
	}
	return s.cfg.Approvals, nil
}

// approvalJSON is a request as the API shows it.
type approvalJSON struct {
	*approval.Request
	Describe string `json:"describe"`
}

func approvalOut(r *approval.Request) approvalJSON {
	return approvalJSON{Request: r, Describe: r.Action.Describe()}
}

// listApprovals answers GET /api/v1/approvals?state=&limit=: requests,
// newest first (state pending by default; "all" for every state).
func (s *Server) listApprovals(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.approvals()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if err := onlyParams(q, "state", "limit"); err != nil {
		return err
	}
	limit, err := intParam(q, "limit", 100, 1, approval.MaxList)
	if err != nil {
		return err
	}
	st := approval.Pending
	switch v := q.Get("state"); v {
	case "":
	case "all":
		st = ""
	default:
		if st, err = approval.ParseState("state", v); err != nil {
			return err
		}
	}
	rs, err := svc.List(r.Context(), st, int(limit))
	if err != nil {
		return err
	}
	out := make([]approvalJSON, 0, len(rs))
	for _, x := range rs {
		out = append(out, approvalOut(x))
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"approvals": out})
	return nil
}

// showApproval answers GET /api/v1/approvals/{id}: the request with the
// exact summary the requester saw.
func (s *Server) showApproval(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.approvals()
	if err != nil {
		return err
	}
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	x, err := svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"approval": approvalOut(x)})
	return nil
}

// approvalChallenge answers POST /api/v1/approvals/{id}/challenge: the
// options of navigator.credentials.get ({"publicKey": …}) asking the
// signed-in person's passkeys to sign a single-use challenge bound to the
// request, 200; 403 for a token, the requester or a role that may not
// approve.
func (s *Server) approvalChallenge(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.approvals()
	if err != nil {
		return err
	}
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	opts, x, err := svc.ChallengeOptions(r.Context(), r.PathValue("id"), principal(r))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"options": json.RawMessage(opts), "approval": approvalOut(x), "timeoutSeconds": int(approval.ChallengeTTL.Seconds())})
	return nil
}

type approveBody struct {
	// Assertion is the WebAuthn assertion (the JSON of the credential
	// navigator.credentials.get returned).
	Assertion json.RawMessage `json:"assertion"`
}

// approveRequest answers POST /api/v1/approvals/{id}/approve with
// {"assertion": {…}}: the action runs once; 200 with the request
// (state executed), or the action's error (the request failed).
func (s *Server) approveRequest(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.approvals()
	if err != nil {
		return err
	}
	var body approveBody
	if err := decodeJSON(w, r, &body, s.cfg.MaxBodyBytes); err != nil {
		return err
	}
	if strings.TrimSpace(string(body.Assertion)) == "null" {
		body.Assertion = nil
	}
	x, err := svc.Approve(r.Context(), r.PathValue("id"), principal(r), body.Assertion)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"approval": approvalOut(x)})
	return nil
}

type decideBody struct {
	Reason string `json:"reason"`
}

// rejectRequest answers POST /api/v1/approvals/{id}/reject {"reason"}.
func (s *Server) rejectRequest(w http.ResponseWriter, r *http.Request) error {
	return s.decideRequest(w, r, (*approval.Service).Reject)
}

// cancelRequest answers POST /api/v1/approvals/{id}/cancel {"reason"?}.
func (s *Server) cancelRequest(w http.ResponseWriter, r *http.Request) error {
	return s.decideRequest(w, r, (*approval.Service).Cancel)
}

func (s *Server) decideRequest(w http.ResponseWriter, r *http.Request, decide func(*approval.Service, context.Context, string, approval.Principal, string) (*approval.Request, error)) error {
	svc, err := s.approvals()
	if err != nil {
		return err
	}
	var body decideBody
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &body, s.cfg.MaxBodyBytes); err != nil {
			return err
		}
	}
	x, err := decide(svc, r.Context(), r.PathValue("id"), principal(r), body.Reason)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"approval": approvalOut(x)})
	return nil
}
