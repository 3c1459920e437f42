package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/watch"
)

const (
	routeSafeWatchAdd    = "POST /api/v1/safe/watches"
	routeSafeWatchList   = "GET /api/v1/safe/watches"
	routeSafeWatchRemove = "DELETE /api/v1/safe/watches/{safe}"
	routeSafeAlerts      = "GET /api/v1/safe/alerts"
)

// Alert paging limits of GET /api/v1/safe/alerts and /api/v1/screen/alerts.
const (
	defaultAlertLimit = 100
	maxAlertLimit     = 1000
)

func (s *Server) safeWatchRoutes() {
	s.handleChange(routeSafeWatchAdd, auth.PermAnalyze, s.addSafeWatch)
	s.handle(routeSafeWatchList, auth.PermRead, s.listSafeWatches)
	s.handleChange(routeSafeWatchRemove, auth.PermAnalyze, s.removeSafeWatch)
	s.handle(routeSafeAlerts, auth.PermRead, s.listSafeAlerts)
}

func (s *Server) watchStore() (watch.ListStore, error) {
	if s.cfg.SafeWatches == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "Safe watching is not configured on this server")
	}
	return s.cfg.SafeWatches, nil
}

// watchesChanged tells the monitor, once a change of the list has
// committed.
func (s *Server) watchesChanged() {
	if s.cfg.SafeWatchesChanged != nil {
		s.cfg.SafeWatchesChanged()
	}
}

type addWatchRequest struct {
	Safe string `json:"safe"`
}

// addSafeWatch answers POST /api/v1/safe/watches {"safe"}: 201 with the
// watch and its audit entry; 409 when the Safe is already watched.
func (s *Server) addSafeWatch(w http.ResponseWriter, r *http.Request, tok *auth.Token) (*change, error) {
	store, err := s.watchStore()
	if err != nil {
		return nil, err
	}
	var req addWatchRequest
	if err := decodeJSON(w, r, &req, s.cfg.MaxBodyBytes); err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Safe) == "" {
		return nil, badInput("safe", "safe: required: the address of the Safe to watch")
	}
	addr, err := safe.ParseAddress("safe", req.Safe)
	if err != nil {
		return nil, err
	}
	var ws watch.WatchedSafe
	return &change{
		action: "safe.watch.add",
		apply: func(ctx context.Context) (string, map[string]any, error) {
			if ws, err = store.AddWatch(ctx, addr, "token:"+tok.ID); err != nil {
				return "", nil, err
			}
			return "safe:" + addr.Hex(), map[string]any{"safe": addr.Hex()}, nil
		},
		status:    http.StatusCreated,
		body:      func(e *audit.Entry) any { return map[string]any{"watch": ws, "auditSeq": e.Seq} },
		committed: s.watchesChanged,
	}, nil
}

// removeSafeWatch answers DELETE /api/v1/safe/watches/{safe}: 200 with
// the watch removed; 404 when the Safe is not watched.
func (s *Server) removeSafeWatch(_ http.ResponseWriter, r *http.Request, _ *auth.Token) (*change, error) {
	store, err := s.watchStore()
	if err != nil {
		return nil, err
	}
	addr, err := safe.ParseAddress("safe", r.PathValue("safe"))
	if err != nil {
		return nil, err
	}
	var ws watch.WatchedSafe
	return &change{
		action: "safe.watch.remove",
		apply: func(ctx context.Context) (string, map[string]any, error) {
			if ws, err = store.RemoveWatch(ctx, addr); err != nil {
				return "", nil, err
			}
			return "safe:" + addr.Hex(), map[string]any{"safe": addr.Hex()}, nil
		},
		status:    http.StatusOK,
		body:      func(e *audit.Entry) any { return map[string]any{"watch": ws, "auditSeq": e.Seq} },
		committed: s.watchesChanged,
	}, nil
}

// listSafeWatches answers GET /api/v1/safe/watches.
func (s *Server) listSafeWatches(w http.ResponseWriter, r *http.Request) error {
	store, err := s.watchStore()
	if err != nil {
		return err
	}
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	ws, err := store.Watches(r.Context())
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"watches": ws})
	return nil
}

// alertPage is the body of GET /api/v1/safe/alerts; next, when set, is the
// since of the following page.
type alertPage struct {
	Alerts []watch.StoredAlert `json:"alerts"`
	Next   *int64              `json:"next,omitempty"`
}

// listSafeAlerts answers GET /api/v1/safe/alerts?since=&safe=&limit=: the
// stored alerts with an id above since, of one Safe when safe is given, in
// id order.
func (s *Server) listSafeAlerts(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.SafeAlerts == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "Safe alerts are not configured on this server")
	}
	q := r.URL.Query()
	since, limit, err := alertPageParams(q, "safe")
	if err != nil {
		return err
	}
	f := watch.AlertFilter{SinceID: since, Limit: limit + 1}
	if v := q.Get("safe"); v != "" {
		addr, err := safe.ParseAddress("safe", v)
		if err != nil {
			return err
		}
		f.Safe = addr.Hex()
	}
	alerts, err := s.cfg.SafeAlerts.Alerts(r.Context(), f)
	if err != nil {
		return err
	}
	page := alertPage{}
	page.Alerts, page.Next = pageOf(alerts, limit, func(a watch.StoredAlert) int64 { return a.ID })
	s.writeJSON(w, r, http.StatusOK, page)
	return nil
}

// alertPageParams reads since and limit (and allows the extra parameters)
// of an alert listing.
func alertPageParams(q url.Values, extra ...string) (since int64, limit int, err error) {
	if err := onlyParams(q, append([]string{"since", "limit"}, extra...)...); err != nil {
		return 0, 0, err
	}
	if since, err = intParam(q, "since", 0, 0, 1<<62); err != nil {
		return 0, 0, err
	}
	l, err := intParam(q, "limit", defaultAlertLimit, 1, maxAlertLimit)
	return since, int(l), err
}

// pageOf cuts items, read with limit+1, to one page; next is the since of
// the following page, nil when there is none.
func pageOf[T any](items []T, limit int, id func(T) int64) ([]T, *int64) {
	if len(items) <= limit {
		return items, nil
	}
	next := id(items[limit-1])
	return items[:limit], &next
}
