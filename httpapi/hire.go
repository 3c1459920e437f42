package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/hiring/evidence"
)

const (
	routeHireScreen  = "POST /api/v1/hire/screen"
	routeHireLink    = "POST /api/v1/hire/link"
	routeHireRecheck = "POST /api/v1/hire/recheck"
	routeHireList    = "GET /api/v1/hire/people"
	routeHireGet     = "GET /api/v1/hire/people/{id}"
	routeHireForget  = "DELETE /api/v1/hire/people/{id}"
	routeHireRuns    = "GET /api/v1/hire/runs"
	routeHireRun     = "GET /api/v1/hire/runs/{id}"
)

// DefaultHireMaxBodyBytes is Config.HireMaxBodyBytes when it is zero: a
// screening request carries whole evidence files.
const DefaultHireMaxBodyBytes = 64 << 20

// HiringService returns the hiring service acting as actor (a token's
// "token:<id>"): vetting.Config.Service, whose screening decisions are
// recorded as the caller's.
type HiringService func(ctx context.Context, actor string) (*hiring.Service, error)

func (s *Server) hireRoutes() {
	// Personal data: every route needs the analyst role, reading too. The
	// hiring service records each change with its audit entry, in the
	// change's transaction, as the screening service does.
	s.register(routeHireScreen, auth.PermAnalyze, s.hireRoute(s.hireScreen))
	s.register(routeHireLink, auth.PermAnalyze, s.hireRoute(s.hireLink))
	s.register(routeHireRecheck, auth.PermAnalyze, s.hireRoute(hireRecheck))
	s.handle(routeHireList, auth.PermAnalyze, s.hireRoute(hireList, "verdict", "cursor", "limit"))
	s.handle(routeHireGet, auth.PermAnalyze, s.hireRoute(hireGet))
	s.register(routeHireForget, auth.PermAnalyze, s.hireRoute(hireForget))
	s.handle(routeHireRuns, auth.PermAnalyze, s.hireRoute(hireRuns, "kind", "before", "limit"))
	s.handle(routeHireRun, auth.PermAnalyze, s.hireRoute(hireRun))
}

// hireFunc is the work of a hire route: what it answers with 200 as JSON.
type hireFunc func(w http.ResponseWriter, r *http.Request, svc *hiring.Service) (any, error)

// hireRoute makes do a hire route's handler: the hiring service (503 when
// the server has none), the query parameters the route takes (any other
// is 400) and do's answer written with 200.
func (s *Server) hireRoute(do hireFunc, params ...string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.cfg.Hiring == nil {
			return bulwark.Errorf(bulwark.EUNAVAILABLE, "hiring is not configured on this server")
		}
		svc, err := s.cfg.Hiring(r.Context(), actor(r))
		if err != nil {
			return err
		}
		if err := onlyParams(r.URL.Query(), params...); err != nil {
			return err
		}
		out, err := do(w, r, svc)
		if err != nil {
			return err
		}
		s.writeJSON(w, r, http.StatusOK, out)
		return nil
	}
}

// hireRequest is the body of POST /api/v1/hire/screen and /link. Each
// field but mapping is a file, given as a JSON string holding the file's
// contents (any format the command line reads: an Okta or Entra export, a
// CSV), or as an array whose elements are records (JSON objects with the
// generic format's fields, read as JSON lines: line N is the Nth object)
// or whole files (strings). Every file goes through the reader the
// command line uses, so what one refuses the other refuses.
type hireRequest struct {
	People    json.RawMessage `json:"people"`
	Mapping   json.RawMessage `json:"mapping"`
	Logins    json.RawMessage `json:"logins"`
	Inventory json.RawMessage `json:"inventory"`
	Shipping  json.RawMessage `json:"shipping"`
	Payroll   json.RawMessage `json:"payroll"`
	GitHub    json.RawMessage `json:"github"`
}

// hireFile is one file of a request: its name for messages and contents.
type hireFile struct {
	name string
	data []byte
}

// hireFiles splits field's value into files: a string is one, an array's
// objects are gathered into one JSON-lines file named after the field
// ("logins"), its strings are files of their own ("logins[2]").
func hireFiles(field string, raw json.RawMessage) ([]hireFile, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, badInput(field, "%s: not a valid JSON string", field)
		}
		return []hireFile{{field, []byte(s)}}, nil
	case '[':
	default:
		return nil, badInput(field, "%s: give the file's contents as a string, or an array of records (objects) and files (strings)", field)
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, badInput(field, "%s: not a valid JSON array", field)
	}
	var records bytes.Buffer
	var files []hireFile
	for i, e := range elems {
		switch e = bytes.TrimSpace(e); {
		case len(e) > 0 && e[0] == '{':
			// One object a line: json.Compact keeps it on one.
			if err := json.Compact(&records, e); err != nil {
				return nil, badInput(fmt.Sprintf("%s[%d]", field, i), "%s[%d]: not a valid JSON object", field, i)
			}
			records.WriteByte('\n')
		case len(e) > 0 && e[0] == '"':
			var s string
			if err := json.Unmarshal(e, &s); err != nil {
				return nil, badInput(fmt.Sprintf("%s[%d]", field, i), "%s[%d]: not a valid JSON string", field, i)
			}
			files = append(files, hireFile{fmt.Sprintf("%s[%d]", field, i), []byte(s)})
		default:
			return nil, badInput(fmt.Sprintf("%s[%d]", field, i), "%s[%d]: want a record (an object) or a file's contents (a string)", field, i)
		}
	}
	if records.Len() > 0 {
		files = append([]hireFile{{field, records.Bytes()}}, files...)
	}
	return files, nil
}

// readHireFiles reads field's files with read and returns all their
// items, adding the reader's notices, each after the file's name, to
// notes.
func readHireFiles[T any](field string, raw json.RawMessage, notes *[]string, read func(io.Reader, string) ([]T, []string, error)) ([]T, error) {
	files, err := hireFiles(field, raw)
	if err != nil {
		return nil, err
	}
	var out []T
	for _, f := range files {
		items, ns, err := read(bytes.NewReader(f.data), f.name)
		if err != nil {
			return nil, asField(err, field)
		}
		for _, n := range ns {
			*notes = append(*notes, f.name+": "+n)
		}
		out = append(out, items...)
	}
	return out, nil
}

// noNotes adapts a reader without notices to readHireFiles.
func noNotes[T any](read func(io.Reader, string) ([]T, error)) func(io.Reader, string) ([]T, []string, error) {
	return func(r io.Reader, name string) ([]T, []string, error) {
		items, err := read(r, name)
		return items, nil, err
	}
}

// asField makes field the Field of a reader's error (its message names
// the file, line and column already).
func asField(err error, field string) error {
	return &bulwark.Error{Code: bulwark.ErrorCode(err), Field: field, Message: bulwark.ErrorMessage(err), Err: err}
}

// people reads the request's people (required) with its mapping, adding
// the reader's notices to notes.
func (q *hireRequest) people(notes *[]string) ([]hiring.Person, error) {
	opt := evidence.PeopleOptions{}
	if m := bytes.TrimSpace(q.Mapping); len(m) > 0 && string(m) != "null" {
		data := []byte(m)
		if m[0] == '"' {
			var s string
			if err := json.Unmarshal(m, &s); err != nil {
				return nil, badInput("mapping", "mapping: not a valid JSON string")
			}
			data = []byte(s)
		}
		mp, err := evidence.ParseMapping(data, "mapping")
		if err != nil {
			return nil, asField(err, "mapping")
		}
		opt.Mapping = mp
	}
	people, err := readHireFiles("people", q.People, notes, func(r io.Reader, name string) ([]hiring.Person, []string, error) {
		return evidence.ReadPeopleNotes(r, name, opt)
	})
	if err != nil {
		return nil, err
	}
	if len(people) == 0 {
		return nil, badInput("people", "people: required: give the people records, an array of objects (id, full_name, emails, …) or a file's contents")
	}
	return people, nil
}

// evidence reads the request's evidence files, adding the readers'
// notices to notes.
func (q *hireRequest) evidence(notes *[]string) (hiring.Evidence, error) {
	var ev hiring.Evidence
	var err error
	if ev.SignIns, err = readHireFiles("logins", q.Logins, notes, func(r io.Reader, name string) ([]hiring.SignIn, []string, error) {
		return evidence.ReadSignInsNotes(r, name, evidence.Limits{})
	}); err != nil {
		return ev, err
	}
	if ev.Devices, err = readHireFiles("inventory", q.Inventory, notes, func(r io.Reader, name string) ([]hiring.Device, []string, error) {
		return evidence.ReadInventoryNotes(r, name, evidence.Limits{})
	}); err != nil {
		return ev, err
	}
	if ev.Shipments, err = readHireFiles("shipping", q.Shipping, notes, noNotes(func(r io.Reader, name string) ([]hiring.Shipment, error) {
		return evidence.ReadShipments(r, name, evidence.Limits{})
	})); err != nil {
		return ev, err
	}
	if ev.Payroll, err = readHireFiles("payroll", q.Payroll, notes, noNotes(func(r io.Reader, name string) ([]hiring.PayrollAccount, error) {
		return evidence.ReadPayroll(r, name, evidence.Limits{})
	})); err != nil {
		return ev, err
	}
	if ev.GitHub, err = readHireFiles("github", q.GitHub, notes, noNotes(evidence.ReadGitHub)); err != nil {
		return ev, err
	}
	return ev, nil
}

func (s *Server) hireBodyLimit() int64 {
	if s.cfg.HireMaxBodyBytes > 0 {
		return s.cfg.HireMaxBodyBytes
	}
	return max(s.cfg.MaxBodyBytes, DefaultHireMaxBodyBytes)
}

// hireScreenResponse is the answer of POST /api/v1/hire/screen and
// /recheck: the command line's JSON.
type hireScreenResponse struct {
	hiring.RunView
	Run *hiring.Run `json:"run,omitempty"`
	// Notices are what the readers skipped or could not use, a sentence
	// each after the file's name ("logins[0]: …"): counts and reasons,
	// never a value of a data row; empty when there is nothing to say.
	Notices []string `json:"notices"`
}

// readHireBody decodes the body of POST /api/v1/hire/screen or /link and
// reads its people and, withEvidence, its evidence files (else an
// evidence member is refused), with the readers' notices.
func (s *Server) readHireBody(w http.ResponseWriter, r *http.Request, withEvidence bool) ([]hiring.Person, hiring.Evidence, []string, error) {
	var q hireRequest
	if err := decodeJSON(w, r, &q, s.hireBodyLimit()); err != nil {
		return nil, hiring.Evidence{}, nil, err
	}
	if !withEvidence {
		for _, m := range []struct {
			field string
			v     json.RawMessage
		}{{"logins", q.Logins}, {"inventory", q.Inventory}, {"shipping", q.Shipping}, {"payroll", q.Payroll}, {"github", q.GitHub}} {
			if len(m.v) > 0 && string(m.v) != "null" {
				return nil, hiring.Evidence{}, nil, badInput(m.field, "%s: linking takes people records only (and their mapping); send evidence to POST /api/v1/hire/screen", m.field)
			}
		}
	}
	notes := []string{}
	people, err := q.people(&notes)
	if err != nil {
		return nil, hiring.Evidence{}, nil, err
	}
	var ev hiring.Evidence
	if withEvidence {
		if ev, err = q.evidence(&notes); err != nil {
			return nil, hiring.Evidence{}, nil, err
		}
	}
	return people, ev, notes, nil
}

// hireScreen answers POST /api/v1/hire/screen: the people and evidence
// stored and every stored person screened (hiring.Service.Screen); 200
// with the request's people's assessments, the clusters holding one of
// them and the run.
func (s *Server) hireScreen(w http.ResponseWriter, r *http.Request, svc *hiring.Service) (any, error) {
	people, ev, notes, err := s.readHireBody(w, r, true)
	if err != nil {
		return nil, err
	}
	res, err := svc.Screen(r.Context(), actor(r), people, ev)
	if err != nil {
		return nil, err
	}
	notes = append(notes, res.Notices(hiring.EvidenceSources{SignIns: []string{"logins"}, Devices: []string{"inventory"},
		Shipments: []string{"shipping"}, Payroll: []string{"payroll"}, GitHub: []string{"github"}})...)
	out := hireScreenResponse{RunView: hiring.ViewOf(people, res), Run: res.Run}
	out.Notices = append(notes, out.RunView.Notices()...)
	return out, nil
}

// hireLink answers POST /api/v1/hire/link: the clusters holding one of the
// request's people, linked with the stored ones; the people are not
// stored (evidence fields are refused).
func (s *Server) hireLink(w http.ResponseWriter, r *http.Request, svc *hiring.Service) (any, error) {
	people, _, notes, err := s.readHireBody(w, r, false)
	if err != nil {
		return nil, err
	}
	res, err := svc.LinkRun(r.Context(), actor(r), people)
	if err != nil {
		return nil, err
	}
	return struct {
		Clusters []hiring.Cluster `json:"clusters"`
		Run      *hiring.Run      `json:"run"`
		Notices  []string         `json:"notices"`
	}{hiring.ClustersHolding(hiring.IDs(people), res.Clusters), res.Run, notes}, nil
}

// hireRecheck answers POST /api/v1/hire/recheck (no body): every stored
// person screened again; people and clusters are everyone's (empty when
// nobody is stored).
func hireRecheck(_ http.ResponseWriter, r *http.Request, svc *hiring.Service) (any, error) {
	res, err := svc.Recheck(r.Context(), actor(r), "asked through the API")
	if err != nil {
		return nil, err
	}
	out := hireScreenResponse{RunView: hiring.RunView{People: []hiring.Assessment{}, Clusters: []hiring.Cluster{}}, Notices: []string{}}
	if res != nil {
		out.People, out.Clusters, out.Run = res.Assessments, hiring.ClustersHolding(nil, res.Clusters), res.Run
		out.Notices = res.Notices(hiring.EvidenceSources{})
	}
	return out, nil
}

// hirePerson is the answer of GET /api/v1/hire/people/{id}: the latest
// assessment (null before the first screening), the record's times and
// the count of evidence items stored. The record itself is not returned.
type hirePerson struct {
	ID         string                   `json:"id"`
	CreatedAt  string                   `json:"createdAt"`
	UpdatedAt  string                   `json:"updatedAt"`
	Evidence   int                      `json:"evidence"`
	Assessment *hiring.StoredAssessment `json:"assessment"`
}

// hireGet answers GET /api/v1/hire/people/{id}; 404 for an unknown id.
func hireGet(_ http.ResponseWriter, r *http.Request, svc *hiring.Service) (any, error) {
	id := r.PathValue("id")
	p, ev, err := svc.Store.Person(r.Context(), id)
	if err != nil {
		return nil, err
	}
	out := hirePerson{ID: id, CreatedAt: rfc3339(p.CreatedAt), UpdatedAt: rfc3339(p.UpdatedAt), Evidence: ev.Count()}
	a, err := svc.Store.Assessment(r.Context(), id)
	switch {
	case err == nil:
		if a.Flags == nil {
			a.Flags = []hiring.Flag{}
		}
		out.Assessment = a
	case bulwark.ErrorCode(err) != bulwark.ENOTFOUND:
		return nil, err
	}
	return out, nil
}

// hireList answers GET /api/v1/hire/people?verdict=&cursor=&limit=: a
// page of the stored people, oldest first, with their latest verdict,
// score and flag codes (hiring.Store.ListPeople); next, when set, is the
// cursor of the following page.
func hireList(_ http.ResponseWriter, r *http.Request, svc *hiring.Service) (any, error) {
	q := r.URL.Query()
	limit, err := intParam(q, "limit", hiring.DefaultPage, 1, hiring.MaxPage)
	if err != nil {
		return nil, err
	}
	page, err := svc.Store.ListPeople(r.Context(), hiring.PeopleQuery{Verdict: bulwark.Verdict(q.Get("verdict")), After: q.Get("cursor"), Limit: int(limit)})
	if err != nil {
		return nil, asParam(err, map[string]string{"after": "cursor"})
	}
	var next *string
	if page.Next != "" {
		next = &page.Next
	}
	return struct {
		People []hiring.PersonSummary `json:"people"`
		Next   *string                `json:"next"`
	}{page.People, next}, nil
}

// hireRuns answers GET /api/v1/hire/runs?kind=&before=&limit=: a page of
// the runs, newest first (hiring.Store.ListRuns); next, when set, is the
// before of the following page.
func hireRuns(_ http.ResponseWriter, r *http.Request, svc *hiring.Service) (any, error) {
	q := r.URL.Query()
	before, err := intParam(q, "before", 0, 1, 1<<62)
	if err != nil {
		return nil, err
	}
	limit, err := intParam(q, "limit", hiring.DefaultPage, 1, hiring.MaxPage)
	if err != nil {
		return nil, err
	}
	page, err := svc.Store.ListRuns(r.Context(), hiring.RunQuery{Kind: q.Get("kind"), Before: before, Limit: int(limit)})
	if err != nil {
		return nil, err
	}
	var next *int64
	if page.Next != 0 {
		next = &page.Next
	}
	return struct {
		Runs []hiring.Run `json:"runs"`
		Next *int64       `json:"next"`
	}{page.Runs, next}, nil
}

// hireRun answers GET /api/v1/hire/runs/{id}: one run; 404 for an
// unknown id.
func hireRun(_ http.ResponseWriter, r *http.Request, svc *hiring.Service) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return nil, badInput("id", "id: a run id is a positive whole number")
	}
	return svc.Store.Run(r.Context(), id)
}

// asParam renames the field of a store's error to the query parameter
// that gave it (names maps field → parameter).
func asParam(err error, names map[string]string) error {
	var be *bulwark.Error
	if !errors.As(err, &be) || names[be.Field] == "" {
		return err
	}
	return &bulwark.Error{Code: be.Code, Field: names[be.Field], Message: names[be.Field] + ": " + be.Message, Err: err}
}

// hireForget answers DELETE /api/v1/hire/people/{id}: the person's
// record, evidence and assessment deleted (hiring.Service.Forget), 200
// with the fingerprint the audit log names them by; 404 for an unknown id.
func hireForget(_ http.ResponseWriter, r *http.Request, svc *hiring.Service) (any, error) {
	return svc.Forget(r.Context(), r.PathValue("id"), actor(r))
}

// rfc3339 formats t in UTC.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }
