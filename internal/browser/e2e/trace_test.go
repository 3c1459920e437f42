package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/browser"
)

// TestTraceCaseGraphRenders: the small case's page draws its graph with
// Cytoscape: as many nodes drawn as the case has addresses (4), the seed
// among them; selecting the seed shows its details.
func TestTraceCaseGraphRenders(t *testing.T) {
	t.Parallel()
	b, srv := start(t)
	p := signIn(t, b, srv, "ivy", "viewer")
	p.Go("/trace")
	p.ClickAndLoad(`a[href="/trace/cases/` + smallCaseID + `"]`)
	p.WaitFor("the graph to be drawn", `document.getElementById("graph") && document.getElementById("graph").dataset.ready === "true"`)
	graph := `#graph`
	for attr, want := range map[string]int{"nodeCount": smallCaseNodes, "renderedNodes": smallCaseNodes, "visibleNodes": smallCaseNodes} {
		got := browser.Eval[string](p, `document.querySelector("`+graph+`").dataset.`+attr)
		if got != strconv.Itoa(want) {
			t.Errorf("graph data-%s = %q, want %d", attr, got, want)
		}
	}
	if got := p.Text(`[data-testid="graph-status"]`); !strings.Contains(got, "Showing 4 of 4 addresses") {
		t.Errorf("graph status %q", got)
	}
	// The canvas is drawn: Cytoscape's layers have a size.
	if w := browser.Eval[int](p, `Math.round(document.querySelector("#graph canvas").getBoundingClientRect().width)`); w < 200 {
		t.Errorf("the graph's canvas is %d px wide", w)
	}
	p.Fill("#x-address", smallMule)
	p.Click("#x-apply")
	if got := p.WaitText(`[data-testid="node-detail"]`, "hop"); !strings.Contains(strings.ToLower(got), strings.ToLower(smallMule)) {
		t.Errorf("node detail %q, want the mule %s", got, smallMule)
	}
	p.Shot("case graph")
	p.NoProblems()
}
