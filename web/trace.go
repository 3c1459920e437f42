package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/report"
)

// Graph drawing limits, handed to trace.js through data attributes.
const (
	// InitialGraphNodes is how many nodes the case page draws at first
	// (fewest hops from a seed first); the rest appear as nodes are
	// expanded.
	InitialGraphNodes = 5000
	// ExpandCap is how many hidden neighbours one click on a node adds.
	ExpandCap = 100
	// recentCases is how many cases the tracing page lists.
	recentCases = 50
	// tableRows caps the rows of the hops table of the case page (the
	// graph and the downloads hold them all).
	tableRows = 200
)

// traceRoutes registers the tracing pages.
func (c *Console) traceRoutes() {
	c.AddNav(NavItem{Path: "/trace", Label: "Tracing", Perm: auth.PermRead})
	c.Page("GET /trace", auth.PermRead, c.casesPage)
	c.Page("GET /trace/cases/{id}", auth.PermRead, c.casePage)
	c.Page("GET /trace/cases/{id}/graph.json", auth.PermRead, c.caseGraph)
	c.Page("GET /trace/cases/{id}/export/{file}", auth.PermRead, c.caseExport)
	c.Page("POST /trace/cases/{id}/labels", auth.PermAnalyze, c.caseLabel)
	c.Page("POST /trace/cases/{id}/notes", auth.PermAnalyze, c.caseNote)
}

func (c *Console) cases() (*tracing.CaseService, error) {
	if c.cfg.Services.TraceCases == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "tracing cases are not configured on this server")
	}
	return c.cfg.Services.TraceCases, nil
}

func (c *Console) casesPage(w http.ResponseWriter, r *http.Request) error {
	svc, err := c.cases()
	if err != nil {
		return err
	}
	cs, err := svc.List(r.Context(), tracing.CaseFilter{Limit: recentCases})
	if err != nil {
		return err
	}
	return c.Render(w, r, http.StatusOK, "trace.html", cs)
}

// caseOf reads the case of the request's {id}, without its graph.
func (c *Console) caseOf(r *http.Request) (*tracing.CaseService, *tracing.Case, error) {
	svc, err := c.cases()
	if err != nil {
		return nil, nil, err
	}
	id, err := tracing.ParseCaseID("id", r.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	cs, err := svc.List(r.Context(), tracing.CaseFilter{Before: id + 1, Limit: 1})
	if err != nil {
		return nil, nil, err
	}
	if len(cs) == 0 || cs[0].ID != id {
		return nil, nil, bulwark.Errorf(bulwark.ENOTFOUND, "no case %d", id)
	}
	return svc, cs[0], nil
}

// graphOf returns the graph of cs's results and its summary (nil when cs
// has none).
func (c *Console) graphOf(r *http.Request, svc *tracing.CaseService, cs *tracing.Case) (*tracing.Graph, *report.Summary, error) {
	e, err := c.graphEntryOf(r, svc, cs)
	if err != nil || e == nil {
		return nil, nil, err
	}
	return e.graph, e.summaryOf(), nil
}

// graphEntryOf returns the decoded results of cs, from the cache when the
// same results were read before; nil when cs has none.
func (c *Console) graphEntryOf(r *http.Request, svc *tracing.CaseService, cs *tracing.Case) (*graphEntry, error) {
	if cs.Results == nil {
		return nil, nil
	}
	if e := c.graphs.get(cs.ID, cs.Results.ComputedAt); e != nil {
		return e, nil
	}
	full, err := svc.Get(r.Context(), cs.ID)
	if err != nil {
		return nil, err
	}
	if full.Results == nil || full.Results.Graph == nil {
		return nil, nil
	}
	e := &graphEntry{id: full.ID, computed: full.Results.ComputedAt, graph: full.Results.Graph}
	c.graphs.put(e)
	return e, nil
}

// graphCacheSize is how many case graphs the console keeps decoded.
const graphCacheSize = 4

// graphCache keeps the decoded graphs of the cases viewed last, keyed by
// case and results time (a run stores new results with a new time): a
// case page and its graph.json, each decoding a 10,000-node graph from
// the store, would otherwise take most of their time doing it twice.
type graphCache struct {
	mu      sync.Mutex
	entries []*graphEntry // most recently used last
}

type graphEntry struct {
	id       int64
	computed time.Time
	graph    *tracing.Graph
	// summary is the freeze-request summary, made on first use.
	summarize sync.Once
	summary   *report.Summary
	// encoded is the graph as graph.json serves it, made on first use.
	encode    sync.Once
	encoded   []byte
	encodeErr error
}

func (gc *graphCache) get(id int64, computed time.Time) *graphEntry {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	for i, e := range gc.entries {
		if e.id == id && e.computed.Equal(computed) {
			gc.entries = append(append(gc.entries[:i:i], gc.entries[i+1:]...), e)
			return e
		}
	}
	return nil
}

// reset empties the cache.
func (gc *graphCache) reset() {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	gc.entries = nil
}

func (gc *graphCache) put(e *graphEntry) {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	gc.entries = slices.DeleteFunc(gc.entries, func(o *graphEntry) bool { return o.id == e.id })
	if len(gc.entries) >= graphCacheSize {
		gc.entries = gc.entries[1:]
	}
	gc.entries = append(gc.entries, e)
}

// caseView is the data of case.html.
type caseView struct {
	Case     *tracing.Case
	Graph    *tracing.Graph
	Summary  *report.Summary
	CanLabel bool
	// MaxNote is the longest note, in characters.
	MaxNote int
	// Nodes are the first tableRows nodes by hop; More counts the rest.
	Nodes []tracing.Node
	More  int
	// Formats are the evidence downloads.
	Formats                 []report.Format
	InitialNodes, ExpandCap int
	// MinTime and MaxTime bound the edges' times (Unix seconds) for the
	// time filter.
	MinTime, MaxTime int64
}

func (c *Console) casePage(w http.ResponseWriter, r *http.Request) error {
	svc, cs, err := c.caseOf(r)
	if err != nil {
		return err
	}
	g, sum, err := c.graphOf(r, svc, cs)
	if err != nil {
		return err
	}
	v := &caseView{Case: cs, CanLabel: PrincipalOf(r).Allows(auth.PermAnalyze), MaxNote: tracing.MaxNoteText, Formats: report.Formats(),
		InitialNodes: InitialGraphNodes, ExpandCap: ExpandCap}
	if g != nil {
		v.Graph, v.Summary = g, sum
		v.Nodes = g.Nodes
		if len(v.Nodes) > tableRows {
			v.Nodes = slices.Clone(v.Nodes)
			slices.SortStableFunc(v.Nodes, func(a, b tracing.Node) int { return a.Hop - b.Hop })
			v.Nodes, v.More = v.Nodes[:tableRows], len(g.Nodes)-tableRows
		}
		for i, e := range g.Edges {
			if i == 0 || e.Time < v.MinTime {
				v.MinTime = e.Time
			}
			v.MaxTime = max(v.MaxTime, e.Time)
		}
	}
	return c.Render(w, r, http.StatusOK, "case.html", v)
}

// graphJSON is what trace.js draws: Cytoscape elements, every value as
// data (trace.js sets text, never HTML).
type graphJSON struct {
	Nodes []graphNode `json:"nodes"`
	Edges []graphEdge `json:"edges"`
}

type graphNode struct {
	ID     string            `json:"id"`
	Hop    int               `json:"hop"`
	Label  string            `json:"label"`
	Taint  map[string]string `json:"taint,omitempty"`
	Labels []string          `json:"labels,omitempty"`
	// Kind is seed, exchange (a custodial label or a deposit alert), exit
	// (the sender of a cross-chain exit), stop or plain.
	Kind string `json:"kind"`
	Stop string `json:"stop,omitempty"`
}

type graphEdge struct {
	ID     string `json:"id"`
	Source string `json:"source"`
	Target string `json:"target"`
	Time   int64  `json:"t"`
	Asset  string `json:"asset"`
	Amount string `json:"amount"`
	Taint  string `json:"taint"`
	Tx     string `json:"tx"`
}

// custodial are the label categories of services that can freeze funds
// (as report's freeze requests go to).
var custodial = []string{"exchange", "deposit_wallet", "hot_wallet", "wallet_service"}

// caseGraph answers the case's graph for trace.js.
func (c *Console) caseGraph(w http.ResponseWriter, r *http.Request) error {
	e, _, err := c.ranCase(r)
	if err != nil {
		return err
	}
	b, err := e.json()
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
	return nil
}

// summaryOf returns the graph's summary, made once per entry.
func (e *graphEntry) summaryOf() *report.Summary {
	e.summarize.Do(func() { e.summary = report.Summarize(e.graph) })
	return e.summary
}

// json returns the graph as trace.js reads it, encoded once per entry.
func (e *graphEntry) json() ([]byte, error) {
	e.encode.Do(func() { e.encoded, e.encodeErr = encodeGraph(e.graph) })
	return e.encoded, e.encodeErr
}

// encodeGraph encodes g for trace.js.
func encodeGraph(g *tracing.Graph) ([]byte, error) {
	exits := map[common.Address]bool{}
	for _, x := range g.Exits {
		exits[x.From] = true
	}
	deposits := map[common.Address]bool{}
	for _, a := range g.Alerts {
		deposits[a.Deposit] = true
	}
	// An EIP-55 rendering costs a keccak256: once per address.
	hex := make(map[common.Address]string, len(g.Nodes))
	hexOf := func(a common.Address) string {
		s, ok := hex[a]
		if !ok {
			s = a.Hex()
			hex[a] = s
		}
		return s
	}
	out := graphJSON{Nodes: make([]graphNode, len(g.Nodes)), Edges: make([]graphEdge, len(g.Edges))}
	for i, n := range g.Nodes {
		addr := hexOf(n.Address)
		gn := graphNode{ID: addr, Hop: n.Hop, Taint: n.Taint, Stop: n.Stop, Kind: "plain", Label: addr[:8] + "…" + addr[len(addr)-4:]}
		for _, l := range n.Labels {
			gn.Labels = append(gn.Labels, l.Name)
			if slices.Contains(custodial, l.Category) {
				gn.Kind = "exchange"
			}
		}
		if len(gn.Labels) > 0 {
			gn.Label = gn.Labels[0] + " " + gn.Label
		}
		switch {
		case n.Hop == 0:
			gn.Kind = "seed"
		case deposits[n.Address]:
			gn.Kind = "exchange"
		case exits[n.Address]:
			gn.Kind = "exit"
		case gn.Kind == "plain" && n.Stop != "":
			gn.Kind = "stop"
		}
		out.Nodes[i] = gn
	}
	for i, e := range g.Edges {
		out.Edges[i] = graphEdge{ID: "e" + strconv.Itoa(i), Source: hexOf(e.From), Target: hexOf(e.To), Time: e.Time,
			Asset: e.Asset, Amount: e.Amount, Taint: e.Taint, Tx: e.TxHash.Hex()}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "encoding the graph")
	}
	return b, nil
}

// ranCase returns the request's case and its decoded results; ENOTFOUND
// when the case has not been run.
func (c *Console) ranCase(r *http.Request) (*graphEntry, *tracing.Case, error) {
	svc, cs, err := c.caseOf(r)
	if err != nil {
		return nil, nil, err
	}
	e, err := c.graphEntryOf(r, svc, cs)
	if err == nil && e == nil {
		err = bulwark.Errorf(bulwark.ENOTFOUND, "case %d has no results yet: run it", cs.ID)
	}
	if err != nil {
		return nil, nil, err
	}
	return e, cs, nil
}

// caseExport downloads the case's evidence: the graph in a report format
// (graph.json, graph.csv, graph.gexf, graph.dot) or the freeze-request
// summary (freeze.md, freeze.json).
func (c *Console) caseExport(w http.ResponseWriter, r *http.Request) error {
	if file := r.PathValue("file"); file == "notes.md" || file == "notes.json" {
		return c.notesExport(w, r, file)
	}
	e, cs, err := c.ranCase(r)
	if err != nil {
		return err
	}
	g := e.graph
	file := r.PathValue("file")
	name, ext, _ := strings.Cut(file, ".")
	ctype := map[string]string{"json": "application/json", "csv": "text/csv", "gexf": "application/xml", "dot": "text/vnd.graphviz", "md": "text/markdown"}[ext]
	var write func() error
	switch {
	case name == "graph" && ext != "md":
		f, ok := report.FormatOf(file)
		if !ok {
			break
		}
		write = func() error { return report.Write(w, f, g) }
	case name == "freeze" && ext == "md":
		write = func() error { return report.WriteSummaryMarkdown(w, e.summaryOf()) }
	case name == "freeze" && ext == "json":
		write = func() error { return report.WriteSummaryJSON(w, e.summaryOf()) }
	}
	if write == nil || ctype == "" {
		return bulwark.Errorf(bulwark.ENOTFOUND, "no export %s: choose graph.json, graph.csv, graph.gexf, graph.dot, freeze.md, freeze.json, notes.md or notes.json", strconv.Quote(file))
	}
	h := w.Header()
	h.Set("Content-Type", ctype+"; charset=utf-8")
	h.Set("Content-Disposition", "attachment; filename=\"case-"+strconv.FormatInt(cs.ID, 10)+"-"+name+"."+ext+"\"")
	return write()
}

// notesExport downloads the case's analyst labels and notes (notes.md,
// notes.json), whether or not the case has been run.
func (c *Console) notesExport(w http.ResponseWriter, r *http.Request, file string) error {
	_, cs, err := c.caseOf(r)
	if err != nil {
		return err
	}
	write, ctype := report.WriteNotesMarkdown, "text/markdown"
	if file == "notes.json" {
		write, ctype = report.WriteNotesJSON, "application/json"
	}
	h := w.Header()
	h.Set("Content-Type", ctype+"; charset=utf-8")
	h.Set("Content-Disposition", "attachment; filename=\"case-"+strconv.FormatInt(cs.ID, 10)+"-"+file+"\"")
	return write(w, cs)
}

// caseNote saves an analyst's note on an address of the case or on the
// case (fields address, optional, and text), as POST
// /api/v1/trace/cases/{id}/notes does; the service checks and audits it.
// It answers with the case page (303).
func (c *Console) caseNote(w http.ResponseWriter, r *http.Request) error {
	n, err := tracing.ParseNote(r.PostFormValue("address"), r.PostFormValue("text"))
	if err != nil {
		return err
	}
	return c.changeCase(w, r, tracing.CaseUpdate{Note: &n}, "#notes")
}

// changeCase makes u on the request's case as the signed-in person and
// answers with the case page at anchor (303).
func (c *Console) changeCase(w http.ResponseWriter, r *http.Request, u tracing.CaseUpdate, anchor string) error {
	svc, err := c.cases()
	if err != nil {
		return err
	}
	id, err := tracing.ParseCaseID("id", r.PathValue("id"))
	if err != nil {
		return err
	}
	if _, _, err := svc.Update(r.Context(), PrincipalOf(r).Actor, id, u); err != nil {
		return err
	}
	http.Redirect(w, r, "/trace/cases/"+strconv.FormatInt(id, 10)+anchor, http.StatusSeeOther)
	return nil
}

// caseLabel saves an analyst's label of an address of the case (its
// name, which may be a note, a category and whether it is a hub), as POST
// /api/v1/trace/cases/{id}/labels does; the service audits it, the next
// run applies it and the downloads carry it. It answers with the case
// page (303).
func (c *Console) caseLabel(w http.ResponseWriter, r *http.Request) error {
	addrText := strings.TrimSpace(r.PostFormValue("address"))
	if addrText == "" {
		return bulwark.Invalid("address", "address: required: the address to label")
	}
	addr, err := tracing.ParseAddress("address", addrText)
	if err != nil {
		return err
	}
	l := tracing.CaseLabel{Address: addr, Name: strings.TrimSpace(r.PostFormValue("name")),
		Category: strings.TrimSpace(r.PostFormValue("category")), Hub: r.PostFormValue("hub") != ""}
	return c.changeCase(w, r, tracing.CaseUpdate{Label: &l}, "#labels")
}
