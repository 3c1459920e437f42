package report_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/report"
)

// FuzzLabels: whatever a label, a memo or a seed holds (labels come from
// TagPacks and users' files), the GEXF stays XML with every node and edge,
// the DOT's strings stay closed, and the JSON and summary are valid.
func FuzzLabels(f *testing.F) {
	for _, s := range []string{"Binance", `a "quoted" \ name`, "line\nbreak\r\x00", "<tag>&amp;", "\xff\xfe invalid", "| cell | ` ` [x](y)", "}\"];digraph{"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, label, memo string) {
		g := heist()
		g.Nodes[2].Labels[0].Name = label
		g.Nodes[4].Labels[0].Category = label
		g.Exits[0].Memo = memo
		g.Alerts[0].Label = memo
		g.Seeds = append(g.Seeds, label)
		var gexf, dot, js bytes.Buffer
		if err := report.WriteGEXF(&gexf, g); err != nil {
			t.Fatal(err)
		}
		if gf := parseGEXF(t, gexf.Bytes()); len(gf.Graph.Nodes) != len(g.Nodes)+2 || len(gf.Graph.Edges) != len(g.Edges) {
			t.Fatalf("%d nodes, %d edges", len(gf.Graph.Nodes), len(gf.Graph.Edges))
		}
		if err := report.WriteDOT(&dot, g); err != nil {
			t.Fatal(err)
		}
		checkDOT(t, dot.Bytes())
		if err := report.WriteJSON(&js, g); err != nil {
			t.Fatal(err)
		}
		var back tracing.Graph
		if err := json.Unmarshal(js.Bytes(), &back); err != nil {
			t.Fatal(err)
		}
		var md bytes.Buffer
		if err := report.WriteSummaryMarkdown(&md, report.Summarize(g)); err != nil {
			t.Fatal(err)
		}
	})
}
