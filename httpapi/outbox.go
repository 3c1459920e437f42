package httpapi

import (
	"net/http"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/outbox"
)

const routeAlertsPending = "GET /api/v1/alerts/pending"

func (s *Server) outboxRoutes() {
	s.handle(routeAlertsPending, auth.PermRead, s.listPendingAlerts)
}

// pendingPage is the body of GET /api/v1/alerts/pending: the counts of
// every undelivered alert and one page of them; next, when set, is the
// since of the following page.
type pendingPage struct {
	outbox.Stats
	Alerts []outbox.Message `json:"alerts"`
	Next   *int64           `json:"next,omitempty"`
}

// listPendingAlerts answers GET /api/v1/alerts/pending?since=&limit=: the
// alerts of every kind not delivered to the webhook yet, by outbox message
// id (above since), oldest first.
func (s *Server) listPendingAlerts(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Outbox == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "the alert outbox is not configured on this server")
	}
	since, limit, err := alertPageParams(r.URL.Query())
	if err != nil {
		return err
	}
	st, err := s.cfg.Outbox.OutboxStats(r.Context(), nil)
	if err != nil {
		return err
	}
	ms, err := s.cfg.Outbox.Undelivered(r.Context(), outbox.Filter{AfterID: since, Limit: limit + 1})
	if err != nil {
		return err
	}
	page := pendingPage{Stats: st}
	page.Alerts, page.Next = pageOf(ms, limit, func(m outbox.Message) int64 { return m.ID })
	s.writeJSON(w, r, http.StatusOK, page)
	return nil
}
