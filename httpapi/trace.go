package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/tracing"
)

const (
	routeTraceDepositAdd    = "POST /api/v1/trace/deposits"
	routeTraceDepositList   = "GET /api/v1/trace/deposits"
	routeTraceDepositRemove = "DELETE /api/v1/trace/deposits/{address}"
	routeTraceAlerts        = "GET /api/v1/trace/alerts"
)

func (s *Server) traceRoutes() {
	s.handleChange(routeTraceDepositAdd, auth.PermAnalyze, s.addTraceDeposit)
	s.handle(routeTraceDepositList, auth.PermRead, s.listTraceDeposits)
	s.handleChange(routeTraceDepositRemove, auth.PermAnalyze, s.removeTraceDeposit)
	s.handle(routeTraceAlerts, auth.PermRead, s.listTraceAlerts)
}

func (s *Server) depositStore() (tracing.DepositStore, error) {
	if s.cfg.TraceDeposits == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "the deposit-address registry is not configured on this server")
	}
	return s.cfg.TraceDeposits, nil
}

type addDepositRequest struct {
	Address    string            `json:"address"`
	Label      string            `json:"label"`
	Thresholds map[string]string `json:"thresholds"`
}

// addTraceDeposit answers POST /api/v1/trace/deposits {"address", "label",
// "thresholds"}: 201 with the registration and its audit entry; 409 when
// the address is registered already.
func (s *Server) addTraceDeposit(w http.ResponseWriter, r *http.Request, tok *auth.Token) (*change, error) {
	store, err := s.depositStore()
	if err != nil {
		return nil, err
	}
	var req addDepositRequest
	if err := decodeJSON(w, r, &req, s.cfg.MaxBodyBytes); err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Address) == "" {
		return nil, badInput("address", "address: required: the deposit address to register")
	}
	addr, err := safe.ParseAddress("address", req.Address)
	if err != nil {
		return nil, err
	}
	d := tracing.Deposit{Address: addr, Label: req.Label}
	if d.Thresholds, err = tracing.AmountThresholds(req.Thresholds); err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	var got tracing.RegisteredDeposit
	return &change{
		action: "trace.deposit.add",
		apply: func(ctx context.Context) (string, map[string]any, error) {
			if got, err = store.AddDeposit(ctx, d, "token:"+tok.ID); err != nil {
				return "", nil, err
			}
			return "deposit:" + addr.Hex(), tracing.DepositAuditDetails(d), nil
		},
		status: http.StatusCreated,
		body:   func(e *audit.Entry) any { return map[string]any{"deposit": got, "auditSeq": e.Seq} },
	}, nil
}

// removeTraceDeposit answers DELETE /api/v1/trace/deposits/{address}: 200
// with the registration removed; 404 when the address is not registered.
func (s *Server) removeTraceDeposit(_ http.ResponseWriter, r *http.Request, _ *auth.Token) (*change, error) {
	store, err := s.depositStore()
	if err != nil {
		return nil, err
	}
	addr, err := safe.ParseAddress("address", r.PathValue("address"))
	if err != nil {
		return nil, err
	}
	var got tracing.RegisteredDeposit
	return &change{
		action: "trace.deposit.remove",
		apply: func(ctx context.Context) (string, map[string]any, error) {
			if got, err = store.RemoveDeposit(ctx, addr); err != nil {
				return "", nil, err
			}
			return "deposit:" + addr.Hex(), tracing.DepositAuditDetails(got.Deposit), nil
		},
		status: http.StatusOK,
		body:   func(e *audit.Entry) any { return map[string]any{"deposit": got, "auditSeq": e.Seq} },
	}, nil
}

// listTraceDeposits answers GET /api/v1/trace/deposits.
func (s *Server) listTraceDeposits(w http.ResponseWriter, r *http.Request) error {
	store, err := s.depositStore()
	if err != nil {
		return err
	}
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	list, err := store.Deposits(r.Context())
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"deposits": list})
	return nil
}

// traceAlertPage is the body of GET /api/v1/trace/alerts.
type traceAlertPage struct {
	Alerts []tracing.StoredAlert `json:"alerts"`
	Next   *int64                `json:"next,omitempty"`
}

// listTraceAlerts answers GET /api/v1/trace/alerts?since=&deposit=&follow=&limit=.
func (s *Server) listTraceAlerts(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.TraceAlerts == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "trace alerts are not configured on this server")
	}
	q := r.URL.Query()
	since, limit, err := alertPageParams(q, "deposit", "follow")
	if err != nil {
		return err
	}
	f := tracing.AlertFilter{SinceID: since, Limit: limit + 1, Follow: q.Get("follow")}
	if v := q.Get("deposit"); v != "" {
		addr, err := safe.ParseAddress("deposit", v)
		if err != nil {
			return err
		}
		f.Deposit = &addr
	}
	alerts, err := s.cfg.TraceAlerts.TraceAlerts(r.Context(), f)
	if err != nil {
		return err
	}
	page := traceAlertPage{}
	page.Alerts, page.Next = pageOf(alerts, limit, func(a tracing.StoredAlert) int64 { return a.ID })
	s.writeJSON(w, r, http.StatusOK, page)
	return nil
}
