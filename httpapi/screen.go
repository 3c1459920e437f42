package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

const (
	routeScreenAddress      = "POST /api/v1/screen/address"
	routeScreenName         = "POST /api/v1/screen/name"
	routeScreenDecision     = "GET /api/v1/screen/decisions/{id}"
	routeScreenDecisions    = "GET /api/v1/screen/decisions"
	routeScreenReplay       = "GET /api/v1/screen/decisions/{id}/replay"
	routeScreenDispose      = "POST /api/v1/screen/dispositions"
	routeScreenDispositions = "GET /api/v1/screen/dispositions"
	routeScreenWatchAdd     = "POST /api/v1/screen/watches"
	routeScreenWatchList    = "GET /api/v1/screen/watches"
	routeScreenWatchRemove  = "DELETE /api/v1/screen/watches/{id}"
	routeScreenAlerts       = "GET /api/v1/screen/alerts"
	routeLists              = "GET /api/v1/lists"
	routeListHistory        = "GET /api/v1/lists/{id}/history"
	routeListsUpdate        = "POST /api/v1/lists/update"
)

// ListsUpdater refreshes the lists from the sources the server was started
// with (a request never names a source: the server would fetch wherever a
// caller points it).
type ListsUpdater func(ctx context.Context, actor string) (*screening.ImportReport, error)

func (s *Server) screenRoutes() {
	// Screening, disposition and watch routes record themselves: the
	// screening service appends every decision and change to the audit
	// log with its store write (decisions through its recorder, which may
	// batch them; see screening.RecorderOptions).
	s.register(routeScreenAddress, auth.PermAnalyze, s.screenAddress)
	s.register(routeScreenName, auth.PermAnalyze, s.screenName)
	s.handle(routeScreenDecision, auth.PermRead, s.getDecision)
	s.handle(routeScreenDecisions, auth.PermRead, s.listDecisions)
	s.handle(routeScreenReplay, auth.PermRead, s.replayDecision)
	s.register(routeScreenDispose, auth.PermAnalyze, s.dispose)
	s.handle(routeScreenDispositions, auth.PermRead, s.listDispositions)
	s.register(routeScreenWatchAdd, auth.PermAnalyze, s.addScreenWatch)
	s.handle(routeScreenWatchList, auth.PermRead, s.listScreenWatches)
	s.register(routeScreenWatchRemove, auth.PermAnalyze, s.removeScreenWatch)
	s.handle(routeScreenAlerts, auth.PermRead, s.listScreenAlerts)
	s.handle(routeLists, auth.PermRead, s.lists)
	s.handle(routeListHistory, auth.PermRead, s.listHistory)
	s.register(routeListsUpdate, auth.PermAdmin, s.updateLists)
}

func (s *Server) screening() (*screening.Service, error) {
	if s.cfg.Screening == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "screening is not configured on this server")
	}
	return s.cfg.Screening, nil
}

// actor names the caller in decisions and audit entries: "token:<id>", or
// "anonymous" on a route without a token.
func actor(r *http.Request) string {
	if tok := tokenOf(r); tok != nil {
		return tokenActor(tok.ID)
	}
	return "anonymous"
}

// actors caches "token:<id>" by token id, so that a request does not build
// the string again; it is emptied when it holds maxActors.
var (
	actors     sync.Map // token id → "token:<id>"
	actorCount atomic.Int64
)

const maxActors = 10000

func tokenActor(id string) string {
	if a, ok := actors.Load(id); ok {
		return a.(string)
	}
	a := "token:" + id
	if actorCount.Add(1) > maxActors {
		actors.Clear()
		actorCount.Store(1)
	}
	actors.Store(id, a)
	return a
}

// addressItem is one address of a batch: a string or {"address","chain"}.
type addressItem screening.AddressQuery

func (a *addressItem) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &a.Address)
	}
	var q screening.AddressQuery
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return err
	}
	*a = addressItem(q)
	return nil
}

type screenAddressRequest struct {
	Address   string        `json:"address"`
	Chain     string        `json:"chain"`
	Addresses []addressItem `json:"addresses"`
	Use       string        `json:"use"`
	Subject   string        `json:"subject"`
}

// set implements flatDecoder.
func (q *screenAddressRequest) set(key []byte, value string) bool {
	switch string(key) {
	case "address":
		q.Address = value
	case "chain":
		q.Chain = value
	case "use":
		q.Use = value
	case "subject":
		q.Subject = value
	default:
		return false
	}
	return true
}

// addressRequests recycles decoded address requests
// (*screenAddressRequest); what a request keeps of one it copies.
var addressRequests = sync.Pool{New: func() any { return new(screenAddressRequest) }}

func putAddressRequest(req *screenAddressRequest) {
	*req = screenAddressRequest{}
	addressRequests.Put(req)
}

// screenAddress answers POST /api/v1/screen/address with one address
// ({"address","chain"}) or a batch ({"addresses": ["0x…", {"address",
// "chain"}]}), plus optional use (default deposit) and subject: 200 with
// the decision whatever the verdict.
func (s *Server) screenAddress(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.screening()
	if err != nil {
		return err
	}
	req := addressRequests.Get().(*screenAddressRequest)
	defer putAddressRequest(req)
	if err := decodeJSON(w, r, req, s.screenBodyLimit()); err != nil {
		return err
	}
	use, err := screening.ParseUse("use", req.Use, string(screening.UseDeposit))
	if err != nil {
		return err
	}
	var qs []screening.AddressQuery
	switch {
	case req.Address != "" && len(req.Addresses) > 0:
		return badInput("addresses", "give either address or addresses, not both")
	case req.Address != "":
		qs = []screening.AddressQuery{{Address: req.Address, Chain: req.Chain}}
	case len(req.Addresses) > 0:
		if req.Chain != "" {
			return badInput("chain", "chain: with addresses, give each address its own chain")
		}
		qs = make([]screening.AddressQuery, len(req.Addresses))
		for i, a := range req.Addresses {
			qs[i] = screening.AddressQuery(a)
		}
	default:
		return badInput("address", "address: required: the address to screen (or addresses, a list)")
	}
	d, err := svc.ScreenAddresses(r.Context(), actor(r), use, req.Subject, qs)
	if err != nil {
		return err
	}
	s.writeDecision(w, r, d, &d.Decision)
	return nil
}

// writeDecision answers 200 with decision v (whose Decision is d) in the
// JSON the service encoded as it recorded it, or encodes v when there is
// none.
func (s *Server) writeDecision(w http.ResponseWriter, r *http.Request, v any, d *screening.Decision) {
	b := d.AnswerLine()
	if b == nil {
		s.writeJSON(w, r, http.StatusOK, v)
		return
	}
	setContentLength(w, infoFrom(r.Context()), len(b))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// screenBodyLimit allows a full batch of addresses.
func (s *Server) screenBodyLimit() int64 { return s.bodyLimitAtLeast(2 << 20) }

// bodyLimitAtLeast is the body limit of a route whose bodies may need n
// bytes: Config.MaxBodyBytes, raised to n.
func (s *Server) bodyLimitAtLeast(n int64) int64 { return max(s.cfg.MaxBodyBytes, n) }

type screenNameRequest struct {
	screening.NameQuery
	Use     string `json:"use"`
	Subject string `json:"subject"`
}

// screenName answers POST /api/v1/screen/name {"name", "type", "dob",
// "country", "limit", "use" (default onboarding), "subject"}.
func (s *Server) screenName(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.screening()
	if err != nil {
		return err
	}
	var req screenNameRequest
	if err := decodeJSON(w, r, &req, s.cfg.MaxBodyBytes); err != nil {
		return err
	}
	use, err := screening.ParseUse("use", req.Use, string(screening.UseOnboarding))
	if err != nil {
		return err
	}
	d, err := svc.ScreenName(r.Context(), actor(r), use, req.Subject, req.NameQuery)
	if err != nil {
		return err
	}
	s.writeDecision(w, r, d, &d.Decision)
	return nil
}

// canAnalyze reports whether r's token holds the analyst permission,
// which reading anything of the hiring use needs (as the /hire routes
// do): its screening decisions and the rulings on them are personal data
// of applicants and employees.
func canAnalyze(r *http.Request) bool {
	tok := tokenOf(r)
	return tok != nil && tok.Role.Allows(auth.PermAnalyze)
}

// readableDecision refuses a decision of the hiring use to a caller
// without the analyst role (EFORBIDDEN).
func readableDecision(r *http.Request, d *screening.Decision) error {
	if d.Use == screening.UseHiring && !canAnalyze(r) {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "decision %s is a hiring screening: reading it needs the analyst role", d.ID)
	}
	return nil
}

// getDecision answers GET /api/v1/screen/decisions/{id} with the decision
// as it was answered, plus its audit sequence number.
func (s *Server) getDecision(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.ScreenStore == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "screening is not configured on this server")
	}
	d, err := s.cfg.ScreenStore.Decision(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := readableDecision(r, &d.Decision); err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"auditSeq": d.AuditSeq, "decision": json.RawMessage(d.Body)})
	return nil
}

// replayDecision answers GET /api/v1/screen/decisions/{id}/replay: the
// decision's inputs screened again on the list versions it recorded, and
// whether the outcome is the same.
func (s *Server) replayDecision(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.screening()
	if err != nil {
		return err
	}
	if !canAnalyze(r) && s.cfg.ScreenStore != nil {
		d, err := s.cfg.ScreenStore.Decision(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		if err := readableDecision(r, &d.Decision); err != nil {
			return err
		}
	}
	rep, err := svc.Replay(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, rep)
	return nil
}

// listDecisions answers GET /api/v1/screen/decisions?subject=&verdict=&limit=
// with decision summaries, newest first.
func (s *Server) listDecisions(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.ScreenStore == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "screening is not configured on this server")
	}
	q := r.URL.Query()
	if err := onlyParams(q, "subject", "verdict", "limit"); err != nil {
		return err
	}
	limit, err := intParam(q, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	f := screening.DecisionFilter{Subject: q.Get("subject"), Limit: int(limit)}
	if !canAnalyze(r) {
		f.ExcludeUse = screening.UseHiring
	}
	if v := q.Get("verdict"); v != "" {
		if f.Verdict, err = bulwark.ParseVerdict(v); err != nil {
			return err
		}
	}
	ds, err := s.cfg.ScreenStore.Decisions(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(ds))
	for i, d := range ds {
		out[i] = map[string]any{"decisionId": d.ID, "time": d.Time, "kind": d.Kind, "use": d.Use, "subject": d.Subject,
			"actor": d.Actor, "verdict": d.Verdict, "auditSeq": d.AuditSeq}
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"decisions": out})
	return nil
}

type disposeRequest struct {
	DecisionID   string `json:"decisionId"`
	Subject      string `json:"subject"`
	Kind         string `json:"kind"`
	Address      string `json:"address"`
	Chain        string `json:"chain"`
	Name         string `json:"name"`
	EntityID     string `json:"entityId"`
	EntityDigest string `json:"entityDigest"`
	Disposition  string `json:"disposition"`
	Note         string `json:"note"`
}

// dispose answers POST /api/v1/screen/dispositions: an analyst rules a
// match a false or true positive. 201 with the disposition.
func (s *Server) dispose(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.screening()
	if err != nil {
		return err
	}
	var req disposeRequest
	if err := decodeJSON(w, r, &req, s.cfg.MaxBodyBytes); err != nil {
		return err
	}
	if req.Kind == "" {
		req.Kind = screening.KindAddress
		if req.Name != "" {
			req.Kind = screening.KindName
		}
	}
	if req.Kind == screening.KindAddress && strings.TrimSpace(req.Address) == "" {
		return badInput("address", "address: required: the screened address the match is about")
	}
	d, err := svc.Dispose(dualContext(r), actor(r), screening.Disposition{Kind: req.Kind, Subject: req.Subject, EntityID: req.EntityID,
		EntityDigest: req.EntityDigest, Disposition: req.Disposition, Note: req.Note, DecisionID: req.DecisionID},
		req.Address, req.Chain, req.Name)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, map[string]any{"disposition": d})
	return nil
}

// listDispositions answers GET /api/v1/screen/dispositions.
func (s *Server) listDispositions(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.ScreenStore == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "screening is not configured on this server")
	}
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	ds, err := s.cfg.ScreenStore.Dispositions(r.Context())
	if err != nil {
		return err
	}
	if !canAnalyze(r) {
		kept := ds[:0]
		for _, d := range ds {
			if d.Use != screening.UseHiring {
				kept = append(kept, d)
			}
		}
		ds = kept
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"dispositions": ds})
	return nil
}

// addScreenWatch answers POST /api/v1/screen/watches {"kind": "address" |
// "name", "address", "chain" | "name", "type", "dob", "country", "use",
// "subject"}: 201 with the watch. The subject is re-screened against new
// and changed list entries whenever a list changes.
func (s *Server) addScreenWatch(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.screening()
	if err != nil {
		return err
	}
	var req screening.Watch
	if err := decodeJSON(w, r, &req, s.cfg.MaxBodyBytes); err != nil {
		return err
	}
	if req.ID != 0 || req.Key != "" || req.AddedBy != "" || !req.AddedAt.IsZero() {
		return badInput("id", "id, key, addedAt and addedBy are set by the server; leave them out")
	}
	if req.Kind == "" {
		req.Kind = screening.KindAddress
		if req.Name != "" {
			req.Kind = screening.KindName
		}
	}
	wt, err := svc.AddWatch(r.Context(), actor(r), req)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, map[string]any{"watch": wt})
	return nil
}

// listScreenWatches answers GET /api/v1/screen/watches.
func (s *Server) listScreenWatches(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.ScreenStore == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "screening is not configured on this server")
	}
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	ws, err := s.cfg.ScreenStore.ScreenWatches(r.Context())
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"watches": ws})
	return nil
}

// removeScreenWatch answers DELETE /api/v1/screen/watches/{id}.
func (s *Server) removeScreenWatch(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.screening()
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return badInput("id", "id: %q is not a watch id (a positive integer)", r.PathValue("id"))
	}
	wt, err := svc.RemoveWatch(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"watch": wt})
	return nil
}

// listScreenAlerts answers GET /api/v1/screen/alerts?since=&limit=.
func (s *Server) listScreenAlerts(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.ScreenStore == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "screening is not configured on this server")
	}
	since, limit, err := alertPageParams(r.URL.Query())
	if err != nil {
		return err
	}
	alerts, err := s.cfg.ScreenStore.ScreenAlerts(r.Context(), since, limit+1)
	if err != nil {
		return err
	}
	page := struct {
		Alerts []screening.Alert `json:"alerts"`
		Next   *int64            `json:"next,omitempty"`
	}{}
	page.Alerts, page.Next = pageOf(alerts, limit, func(a screening.Alert) int64 { return a.ID })
	s.writeJSON(w, r, http.StatusOK, page)
	return nil
}

// ListView is one list as GET /api/v1/lists and `bulwark lists` show it.
type ListView struct {
	screening.ListInfo
	// Age is the time since publication (or import), rounded to seconds.
	Age string `json:"age"`
	// AgeSeconds is Age in seconds.
	AgeSeconds int64 `json:"ageSeconds"`
	Stale      bool  `json:"stale"`
	// Mislabelled marks a version an earlier Bulwark mislabelled
	// DPRK-attributed (see MarkMislabelled).
	Mislabelled bool `json:"mislabelled"`
}

// ListViews describes the lists of ix at now.
func ListViews(sc *screening.Screener, now time.Time) []ListView {
	stale := map[string]bool{}
	for _, st := range sc.Stale() {
		stale[st.ID] = true
	}
	var out []ListView
	for _, l := range sc.Index().Lists() {
		age := screening.ListAge(l, now).Round(time.Second)
		out = append(out, ListView{ListInfo: l, Age: age.String(), AgeSeconds: int64(age / time.Second), Stale: stale[l.ID]})
	}
	return out
}

// MarkMislabelled marks the views of the versions in ms (which
// sources.FindMislabelled found) and returns ms, empty rather than nil:
// 'bulwark lists --json' and GET /api/v1/lists both answer
// {"lists": views, "mislabelled": ms}.
func MarkMislabelled(views []ListView, ms []sources.Mislabelled) []sources.Mislabelled {
	for _, m := range ms {
		for i := range views {
			if views[i].ID == m.List.ID && views[i].SHA256 == m.List.SHA256 {
				views[i].Mislabelled = true
			}
		}
	}
	if ms == nil {
		ms = []sources.Mislabelled{}
	}
	return ms
}

// lists answers GET /api/v1/lists.
func (s *Server) lists(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.screening()
	if err != nil {
		return err
	}
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	sc := svc.Screener()
	ix := sc.Index()
	views := ListViews(sc, time.Now())
	var ms []sources.Mislabelled
	if s.cfg.Mislabelled != nil {
		ms, err = s.cfg.Mislabelled(r.Context())
	} else if s.cfg.ScreenStore != nil {
		ms, err = sources.FindMislabelled(r.Context(), s.cfg.ScreenStore, ix.Lists())
	}
	if err != nil {
		return err
	}
	ents, addrs := ix.Counts()
	s.writeJSON(w, r, http.StatusOK, map[string]any{"lists": views, "mislabelled": MarkMislabelled(views, ms),
		"entities": ents, "addresses": addrs, "indexBuilt": ix.Built(), "recorder": svc.RecorderStats()})
	return nil
}

// listHistory answers GET /api/v1/lists/{id}/history.
func (s *Server) listHistory(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.ScreenStore == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "screening is not configured on this server")
	}
	h, err := s.cfg.ScreenStore.ListHistory(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if len(h) == 0 {
		if s.cfg.Screening == nil {
			return bulwark.Errorf(bulwark.ENOTFOUND, "no list %q", r.PathValue("id"))
		}
		// As the command line says it: naming the lists there are.
		ls := s.cfg.Screening.Screener().Index().Lists()
		ids := make([]string, 0, len(ls))
		for _, l := range ls {
			ids = append(ids, l.ID)
		}
		slices.Sort(ids)
		return screening.UnknownList(r.PathValue("id"), ids)
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"versions": h})
	return nil
}

// updateLists answers POST /api/v1/lists/update (admin): the server
// refreshes from its configured sources; the body must be empty or {}.
func (s *Server) updateLists(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.ListsUpdate == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "list refresh is not configured on this server (start it with bulwark serve --lists-from DIR|URL)")
	}
	if r.ContentLength != 0 {
		var body map[string]json.RawMessage
		if err := decodeJSON(w, r, &body, 1024); err != nil {
			return err
		}
		for k := range body {
			return badInput(k, "%s: a request cannot choose where lists come from: the server refreshes from the sources it was started with; send an empty body", k)
		}
	}
	rep, err := s.cfg.ListsUpdate(r.Context(), actor(r))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, rep)
	return nil
}
