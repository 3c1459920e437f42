package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

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

// caseOf reads the case of the request's {id}.
func (c *Console) caseOf(r *http.Request) (*tracing.CaseService, *tracing.Case, error) {
	svc, err := c.cases()
	if err != nil {
		return nil, nil, err
	}
	id, err := tracing.ParseCaseID("id", r.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	cs, err := svc.Get(r.Context(), id)
	return svc, cs, err
}

// caseView is the data of case.html.
type caseView struct {
	Case     *tracing.Case
	Graph    *tracing.Graph
	Summary  *report.Summary
	CanLabel bool
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
	_, cs, err := c.caseOf(r)
	if err != nil {
		return err
	}
	v := &caseView{Case: cs, CanLabel: PrincipalOf(r).Allows(auth.PermAnalyze), Formats: report.Formats(),
		InitialNodes: InitialGraphNodes, ExpandCap: ExpandCap}
	if cs.Results != nil && cs.Results.Graph != nil {
		g := cs.Results.Graph
		v.Graph, v.Summary = g, report.Summarize(g)
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
	_, cs, err := c.caseOf(r)
	if err != nil {
		return err
	}
	if cs.Results == nil || cs.Results.Graph == nil {
		return bulwark.Errorf(bulwark.ENOTFOUND, "case %d has no results yet: run it", cs.ID)
	}
	g := cs.Results.Graph
	exits := map[string]bool{}
	for _, x := range g.Exits {
		exits[x.From.Hex()] = true
	}
	deposits := map[string]bool{}
	for _, a := range g.Alerts {
		deposits[a.Deposit.Hex()] = true
	}
	out := graphJSON{Nodes: make([]graphNode, len(g.Nodes)), Edges: make([]graphEdge, len(g.Edges))}
	for i, n := range g.Nodes {
		addr := n.Address.Hex()
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
		case deposits[addr]:
			gn.Kind = "exchange"
		case exits[addr]:
			gn.Kind = "exit"
		case gn.Kind == "plain" && n.Stop != "":
			gn.Kind = "stop"
		}
		out.Nodes[i] = gn
	}
	for i, e := range g.Edges {
		out.Edges[i] = graphEdge{ID: "e" + strconv.Itoa(i), Source: e.From.Hex(), Target: e.To.Hex(), Time: e.Time,
			Asset: e.Asset, Amount: e.Amount, Taint: e.Taint, Tx: e.TxHash.Hex()}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return bulwark.Wrap(err, bulwark.EINTERNAL, "encoding the graph")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
	return nil
}

// caseExport downloads the case's evidence: the graph in a report format
// (graph.json, graph.csv, graph.gexf, graph.dot) or the freeze-request
// summary (freeze.md, freeze.json).
func (c *Console) caseExport(w http.ResponseWriter, r *http.Request) error {
	_, cs, err := c.caseOf(r)
	if err != nil {
		return err
	}
	if cs.Results == nil || cs.Results.Graph == nil {
		return bulwark.Errorf(bulwark.ENOTFOUND, "case %d has no results yet: run it", cs.ID)
	}
	g := cs.Results.Graph
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
		write = func() error { return report.WriteSummaryMarkdown(w, report.Summarize(g)) }
	case name == "freeze" && ext == "json":
		write = func() error { return report.WriteSummaryJSON(w, report.Summarize(g)) }
	}
	if write == nil || ctype == "" {
		return bulwark.Errorf(bulwark.ENOTFOUND, "no export %s: choose graph.json, graph.csv, graph.gexf, graph.dot, freeze.md or freeze.json", strconv.Quote(file))
	}
	h := w.Header()
	h.Set("Content-Type", ctype+"; charset=utf-8")
	h.Set("Content-Disposition", "attachment; filename=\"case-"+strconv.FormatInt(cs.ID, 10)+"-"+name+"."+ext+"\"")
	return write()
}

// caseLabel saves an analyst's label of an address of the case (its
// name, which may be a note, a category and whether it is a hub), as POST
// /api/v1/trace/cases/{id}/labels does; the service audits it, the next
// run applies it and the downloads carry it. It answers with the case
// page (303).
func (c *Console) caseLabel(w http.ResponseWriter, r *http.Request) error {
	svc, err := c.cases()
	if err != nil {
		return err
	}
	id, err := tracing.ParseCaseID("id", r.PathValue("id"))
	if err != nil {
		return err
	}
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
	if _, _, err := svc.Update(r.Context(), PrincipalOf(r).Actor, id, tracing.CaseUpdate{Label: &l}); err != nil {
		return err
	}
	http.Redirect(w, r, "/trace/cases/"+strconv.FormatInt(id, 10)+"#labels", http.StatusSeeOther)
	return nil
}
