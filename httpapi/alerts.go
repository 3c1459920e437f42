package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/inbox"
)

// The alerts inbox (package inbox): every kind of alert in one list.
const (
	routeAlertsList   = "GET /api/v1/alerts"
	routeAlertGet     = "GET /api/v1/alerts/{id}"
	routeAlertAssign  = "POST /api/v1/alerts/{id}/assign"
	routeAlertAck     = "POST /api/v1/alerts/{id}/ack"
	alertQueryMaxVals = 1
)

func (s *Server) inboxRoutes() {
	s.handle(routeAlertsList, auth.PermRead, s.listInbox)
	s.handle(routeAlertGet, auth.PermRead, s.getInboxItem)
	s.handleChange(routeAlertAssign, auth.PermAnalyze, s.assignInboxItem)
	s.handleChange(routeAlertAck, auth.PermAnalyze, s.ackInboxItem)
}

func (s *Server) inbox() (*inbox.Service, error) {
	if s.cfg.Inbox == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "the alerts inbox is not configured on this server")
	}
	return s.cfg.Inbox, nil
}

// listInbox answers GET /api/v1/alerts?kind=&severity=&state=&assignee=&cursor=&limit=:
// one page of the inbox, newest first, and the cursor of the next.
func (s *Server) listInbox(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.inbox()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if err := onlyParams(q, "kind", "severity", "state", "assignee", "cursor", "limit"); err != nil {
		return err
	}
	for k, vs := range q {
		if len(vs) > alertQueryMaxVals {
			return badInput(k, "%s: give it once (several values are separated by commas)", k)
		}
	}
	limit, err := intParam(q, "limit", inbox.DefaultLimit, 1, inbox.MaxLimit)
	if err != nil {
		return err
	}
	f, err := inbox.Query{Kind: q.Get("kind"), Severity: q.Get("severity"), State: q.Get("state"), Assignee: q.Get("assignee"),
		Cursor: q.Get("cursor"), Limit: int(limit)}.Filter()
	if err != nil {
		return err
	}
	page, err := svc.List(r.Context(), f)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, page)
	return nil
}

func alertID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, badInput("id", "id: an alert id is a positive whole number, not %q", v)
	}
	return id, nil
}

// getInboxItem answers GET /api/v1/alerts/{id}.
func (s *Server) getInboxItem(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.inbox()
	if err != nil {
		return err
	}
	id, err := alertID(r)
	if err != nil {
		return err
	}
	it, err := svc.Get(r.Context(), id)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"alert": it})
	return nil
}

// alertChange reads what a change of an alert needs: the inbox, the id
// in the path and the JSON body into req.
func (s *Server) alertChange(w http.ResponseWriter, r *http.Request, req any) (*inbox.Service, int64, error) {
	svc, err := s.inbox()
	if err != nil {
		return nil, 0, err
	}
	id, err := alertID(r)
	if err != nil {
		return nil, 0, err
	}
	if err := decodeJSON(w, r, req, s.cfg.MaxBodyBytes); err != nil {
		return nil, 0, err
	}
	return svc, id, nil
}

type assignRequest struct {
	Assignee *string `json:"assignee"`
}

type ackRequest struct {
	Reason string `json:"reason"`
}

// assignInboxItem answers POST /api/v1/alerts/{id}/assign {"assignee"}
// ("" unassigns): 200 with the alert and the audit entry.
func (s *Server) assignInboxItem(w http.ResponseWriter, r *http.Request, tok *auth.Token) (*change, error) {
	var req assignRequest
	svc, id, err := s.alertChange(w, r, &req)
	if err != nil {
		return nil, err
	}
	if req.Assignee == nil {
		return nil, badInput("assignee", "assignee: required: a user name, or \"\" to unassign")
	}
	if _, err := inbox.CheckAssignee("assignee", *req.Assignee); err != nil {
		return nil, err
	}
	var it inbox.Item
	return &change{
		action: inbox.ActionAssign,
		apply: func(ctx context.Context) (string, map[string]any, error) {
			var ev audit.Event
			if it, ev, err = svc.AssignInTx(ctx, "token:"+tok.ID, id, *req.Assignee); err != nil {
				return "", nil, err
			}
			return ev.Target, ev.Details.(map[string]any), nil
		},
		status: http.StatusOK,
		body:   func(e *audit.Entry) any { return map[string]any{"alert": it, "auditSeq": e.Seq} },
	}, nil
}

// ackInboxItem answers POST /api/v1/alerts/{id}/ack {"reason"}: 200 with
// the alert and the audit entry; 202 (approval_pending) for a critical
// Safe alert until a second person approved; 409 when it is acknowledged
// already.
func (s *Server) ackInboxItem(w http.ResponseWriter, r *http.Request, tok *auth.Token) (*change, error) {
	var req ackRequest
	svc, id, err := s.alertChange(w, r, &req)
	if err != nil {
		return nil, err
	}
	apply, err := svc.PrepareAck(dualContext(r), "token:"+tok.ID, id, req.Reason)
	if err != nil {
		return nil, err
	}
	var it inbox.Item
	return &change{
		action: inbox.ActionAck,
		apply: func(ctx context.Context) (string, map[string]any, error) {
			var ev audit.Event
			if it, ev, err = apply(ctx); err != nil {
				return "", nil, err
			}
			return ev.Target, ev.Details.(map[string]any), nil
		},
		status: http.StatusOK,
		body:   func(e *audit.Entry) any { return map[string]any{"alert": it, "auditSeq": e.Seq} },
	}, nil
}
