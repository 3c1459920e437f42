package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/report"
)

const (
	routeCaseOpen    = "POST /api/v1/trace/cases"
	routeCaseList    = "GET /api/v1/trace/cases"
	routeCaseGet     = "GET /api/v1/trace/cases/{id}"
	routeCaseResults = "GET /api/v1/trace/cases/{id}/results"
	routeCaseUpdate  = "PATCH /api/v1/trace/cases/{id}"
	routeCaseLabel   = "POST /api/v1/trace/cases/{id}/labels"
	routeCaseUnlabel = "DELETE /api/v1/trace/cases/{id}/labels/{address}"
	routeCaseNote    = "POST /api/v1/trace/cases/{id}/notes"
	routeCaseClose   = "POST /api/v1/trace/cases/{id}/close"
	routeCaseReopen  = "POST /api/v1/trace/cases/{id}/reopen"
	routeCaseRun     = "POST /api/v1/trace/cases/{id}/run"
)

// Case paging limits of GET /api/v1/trace/cases.
const (
	defaultCaseLimit = 50
	maxCaseLimit     = 1000
)

func (s *Server) traceCaseRoutes() {
	// The case service records every change with its audit entry, in the
	// change's transaction, as the screening service does.
	s.register(routeCaseOpen, auth.PermAnalyze, s.openCase)
	s.handle(routeCaseList, auth.PermRead, s.listCases)
	s.handle(routeCaseGet, auth.PermRead, s.getCase)
	s.handle(routeCaseResults, auth.PermRead, s.caseResults)
	s.register(routeCaseUpdate, auth.PermAnalyze, s.updateCase)
	s.register(routeCaseLabel, auth.PermAnalyze, s.labelCase)
	s.register(routeCaseUnlabel, auth.PermAnalyze, s.unlabelCase)
	s.register(routeCaseNote, auth.PermAnalyze, s.noteCase)
	s.register(routeCaseClose, auth.PermAnalyze, s.caseStatus(tracing.CaseClosed))
	s.register(routeCaseReopen, auth.PermAnalyze, s.caseStatus(tracing.CaseOpen))
	s.register(routeCaseRun, auth.PermAnalyze, s.runCase)
}

func (s *Server) cases() (*tracing.CaseService, error) {
	if s.cfg.TraceCases == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "tracing cases are not configured on this server")
	}
	return s.cfg.TraceCases, nil
}

// caseChange is the body answering a change: the case and the audit entry
// that records the change.
type caseChange struct {
	Case     *tracing.Case `json:"case"`
	AuditSeq int64         `json:"auditSeq"`
}

// caseOf returns the case service and the id of the case the request's
// path names: what every /api/v1/trace/cases/{id} handler starts with.
func (s *Server) caseOf(r *http.Request) (*tracing.CaseService, int64, error) {
	svc, err := s.cases()
	if err != nil {
		return nil, 0, err
	}
	id, err := pathCaseID(r)
	return svc, id, err
}

// pathCaseID reads the {id} of a case route.
func pathCaseID(r *http.Request) (int64, error) {
	return tracing.ParseCaseID("id", r.PathValue("id"))
}

// caseOpenRequest is the body of POST /api/v1/trace/cases: a
// tracing.CaseSpec whose labels' addresses are read as strings, so that a
// bad one is refused naming it (labels[0].address) rather than as an
// unreadable body.
type caseOpenRequest struct {
	tracing.CaseSpec
	Labels []caseLabelRequest `json:"labels"`
}

// openCase answers POST /api/v1/trace/cases with a tracing.CaseSpec:
// 201 with the case and its audit entry.
func (s *Server) openCase(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.cases()
	if err != nil {
		return err
	}
	var req caseOpenRequest
	if err := decodeJSON(w, r, &req, s.cfg.MaxBodyBytes); err != nil {
		return err
	}
	spec := req.CaseSpec
	for i, l := range req.Labels {
		label, err := l.label(fmt.Sprintf("labels[%d].address", i))
		if err != nil {
			return err
		}
		spec.Labels = append(spec.Labels, label)
	}
	c, e, err := svc.Open(r.Context(), actor(r), spec)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, caseChange{c, e.Seq})
	return nil
}

// listCases answers GET /api/v1/trace/cases?status=&before=&limit=: the
// cases newest first, without their graphs or histories; next, when set,
// is the before of the following page.
func (s *Server) listCases(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.cases()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if err := onlyParams(q, "status", "before", "limit"); err != nil {
		return err
	}
	before, err := intParam(q, "before", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	limit, err := intParam(q, "limit", defaultCaseLimit, 1, maxCaseLimit)
	if err != nil {
		return err
	}
	if len(q["status"]) > 1 {
		return badInput("status", "status: give it once")
	}
	cases, err := svc.List(r.Context(), tracing.CaseFilter{Status: tracing.CaseStatus(q.Get("status")), Before: before, Limit: int(limit) + 1})
	if err != nil {
		return err
	}
	page := struct {
		Cases []*tracing.Case `json:"cases"`
		Next  *int64          `json:"next"`
	}{}
	page.Cases, page.Next = pageOf(cases, int(limit), func(c *tracing.Case) int64 { return c.ID })
	s.writeJSON(w, r, http.StatusOK, page)
	return nil
}

// getCase answers GET /api/v1/trace/cases/{id}: the case with its history
// and its results' summary (the graph is under /results).
func (s *Server) getCase(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.caseOf(r)
	if err != nil {
		return err
	}
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	c, err := svc.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if c.Results != nil {
		c.Results.Graph = nil
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"case": c})
	return nil
}

// caseResults answers GET /api/v1/trace/cases/{id}/results: the latest
// results with their graph, and whether the case changed since (stale);
// 404 before the first run.
func (s *Server) caseResults(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.caseOf(r)
	if err != nil {
		return err
	}
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	c, err := svc.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if c.Results == nil || c.Results.Graph == nil {
		return bulwark.Errorf(bulwark.ENOTFOUND, "case %d has no results yet: run it (POST /api/v1/trace/cases/%d/run)", id, id)
	}
	// The graph is written as every graph JSON is (report.WriteJSON): its
	// lists are [] when empty, never left out.
	var graph bytes.Buffer
	if err := report.WriteJSON(&graph, c.Results.Graph); err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, struct {
		ID     int64              `json:"id"`
		Status tracing.CaseStatus `json:"status"`
		Stale  bool               `json:"stale"`
		*tracing.CaseResults
		Graph json.RawMessage `json:"graph"`
	}{c.ID, c.Status, c.Stale(), c.Results, graph.Bytes()})
	return nil
}

// caseUpdateRequest is the body of PATCH /api/v1/trace/cases/{id}: the
// members given are changed.
type caseUpdateRequest struct {
	Title      *string             `json:"title"`
	Bounds     *tracing.Bounds     `json:"bounds"`
	Thresholds *map[string]string  `json:"thresholds"`
	Status     *tracing.CaseStatus `json:"status"`
}

// updateCase answers PATCH /api/v1/trace/cases/{id}: 200 with the case
// changed; 409 for a closed case (reopen it with {"status": "open"}).
func (s *Server) updateCase(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.caseOf(r)
	if err != nil {
		return err
	}
	var req caseUpdateRequest
	if err := decodeJSON(w, r, &req, s.cfg.MaxBodyBytes); err != nil {
		return err
	}
	return s.changeCase(w, r, svc, id, tracing.CaseUpdate{Title: req.Title, Bounds: req.Bounds, Thresholds: req.Thresholds, Status: req.Status})
}

func (s *Server) changeCase(w http.ResponseWriter, r *http.Request, svc *tracing.CaseService, id int64, u tracing.CaseUpdate) error {
	c, e, err := svc.Update(dualContext(r), actor(r), id, u)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, caseChange{c, e.Seq})
	return nil
}

// caseLabelRequest is the body of POST /api/v1/trace/cases/{id}/labels.
type caseLabelRequest struct {
	Address  string `json:"address"`
	Name     string `json:"name"`
	Category string `json:"category"`
	Hub      bool   `json:"hub"`
}

// label returns the label l asks for; field names its address in errors.
func (l caseLabelRequest) label(field string) (tracing.CaseLabel, error) {
	if strings.TrimSpace(l.Address) == "" {
		return tracing.CaseLabel{}, badInput(field, "%s: required: the address to label", field)
	}
	addr, err := tracing.ParseAddress(field, l.Address)
	if err != nil {
		return tracing.CaseLabel{}, err
	}
	return tracing.CaseLabel{Address: addr, Name: l.Name, Category: l.Category, Hub: l.Hub}, nil
}

// labelCase answers POST /api/v1/trace/cases/{id}/labels: the label
// replaces the address's earlier one; 200 with the case.
func (s *Server) labelCase(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.caseOf(r)
	if err != nil {
		return err
	}
	var req caseLabelRequest
	if err := decodeJSON(w, r, &req, s.cfg.MaxBodyBytes); err != nil {
		return err
	}
	l, err := req.label("address")
	if err != nil {
		return err
	}
	return s.changeCase(w, r, svc, id, tracing.CaseUpdate{Label: &l})
}

// unlabelCase answers DELETE /api/v1/trace/cases/{id}/labels/{address}:
// 200 with the case; 404 when the address has no label in it.
func (s *Server) unlabelCase(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.caseOf(r)
	if err != nil {
		return err
	}
	addr, err := tracing.ParseAddress("address", r.PathValue("address"))
	if err != nil {
		return err
	}
	return s.changeCase(w, r, svc, id, tracing.CaseUpdate{Unlabel: &addr})
}

// caseNoteRequest is the body of POST /api/v1/trace/cases/{id}/notes.
type caseNoteRequest struct {
	// Address is the address the note is about; empty for the case.
	Address string `json:"address"`
	Text    string `json:"text"`
}

// noteCase answers POST /api/v1/trace/cases/{id}/notes: the note is added
// in the caller's name; 200 with the case.
func (s *Server) noteCase(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.caseOf(r)
	if err != nil {
		return err
	}
	var req caseNoteRequest
	if err := decodeJSON(w, r, &req, s.cfg.MaxBodyBytes); err != nil {
		return err
	}
	n, err := tracing.ParseNote(req.Address, req.Text)
	if err != nil {
		return err
	}
	return s.changeCase(w, r, svc, id, tracing.CaseUpdate{Note: &n})
}

// caseStatus answers POST /api/v1/trace/cases/{id}/close and /reopen
// (no body): 200 with the case; 409 when it is so already.
func (s *Server) caseStatus(st tracing.CaseStatus) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		svc, id, err := s.caseOf(r)
		if err != nil {
			return err
		}
		return s.changeCase(w, r, svc, id, tracing.CaseUpdate{Status: &st})
	}
}

// runCase answers POST /api/v1/trace/cases/{id}/run (no body): traces the
// case over the transfers ingested and answers 200 with the case and its
// new results' summary; 409 for a closed case, 404 when nothing is
// ingested for its chain and source.
func (s *Server) runCase(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.caseOf(r)
	if err != nil {
		return err
	}
	c, e, err := svc.Run(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	c.Results.Graph = nil
	s.writeJSON(w, r, http.StatusOK, caseChange{c, e.Seq})
	return nil
}
