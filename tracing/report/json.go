package report

import (
	"encoding/json"
	"io"

	"github.com/bulwark-sec/bulwark/tracing"
)

// document is the JSON of a graph: tracing.Graph's fields, with the lists
// the command-line contract names always present ([] rather than left out
// or null).
type document struct {
	tracing.Graph
	Nodes  []tracing.Node  `json:"nodes"`
	Edges  []tracing.Edge  `json:"edges"`
	Exits  []tracing.Exit  `json:"exits"`
	Alerts []tracing.Alert `json:"alerts"`
}

// WriteJSON writes g as indented JSON: {"chain", "seeds", "policy",
// "direction", "bounds", "nodes": [{"address", "hop", "taint": {ASSET:
// "amount"}, "received", "labels": […], "stop"}], "edges": […], "exits":
// […], "alerts": […]}, the fields of tracing.Graph. Lists are [] when
// empty, never null; a node's taint is {} when it holds none.
func WriteJSON(w io.Writer, g *tracing.Graph) error {
	n := normalized(g)
	doc := document{Graph: *n, Nodes: n.Nodes, Edges: n.Edges, Exits: n.Exits, Alerts: n.Alerts}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return writeErr(enc.Encode(doc), "graph as JSON")
}

// normalized returns a shallow copy of g whose lists and maps are empty
// rather than nil, so that every format writes "none" one way.
func normalized(g *tracing.Graph) *tracing.Graph {
	n := *g
	if n.Seeds == nil {
		n.Seeds = []string{}
	}
	n.Nodes = make([]tracing.Node, len(g.Nodes))
	for i, nd := range g.Nodes {
		if nd.Taint == nil {
			nd.Taint = map[string]string{}
		}
		if nd.Labels == nil {
			nd.Labels = []tracing.Label{}
		}
		n.Nodes[i] = nd
	}
	if n.Edges == nil {
		n.Edges = []tracing.Edge{}
	}
	if n.Exits == nil {
		n.Exits = []tracing.Exit{}
	}
	if n.Alerts == nil {
		n.Alerts = []tracing.Alert{}
	}
	return &n
}
