package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/bulwark-sec/bulwark/internal/browser"
)

// graphTimer is run in every document before the page's scripts: it
// records (performance.now(), milliseconds since the navigation started)
// when the graph container is marked ready by trace.js, and when the
// frame after that has been produced; and, for each input event (capture
// phase on window, before any handler of the page), when it arrived.
const graphTimer = `(() => {
  const m = window.__bwGraph = { ready: 0, painted: 0, input: 0 };
  new MutationObserver(() => {
    const g = document.getElementById("graph");
    if (m.ready || !g || g.dataset.ready !== "true") return;
    m.ready = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() => { m.painted = performance.now(); }));
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-ready"] });
  for (const type of ["mousedown", "mousemove", "mouseup", "wheel"]) {
    window.addEventListener(type, () => { m.input = performance.now(); }, { capture: true, passive: true });
  }
})()`

// nextFrame resolves, after the last input event, with the time from
// that event to the second animation frame after this call: the frame
// in which Cytoscape's renderer (itself run from requestAnimationFrame)
// has drawn what the event changed.
const nextFrame = `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now() - window.__bwGraph.input))))`

// graphFigures are one load of the large case's page and one pan, zoom
// and tap on its graph: milliseconds measured in the page, and the CPU
// milliseconds Chromium's processes used for each step.
type graphFigures struct {
	Fetch, Drawn, Painted, Pan, Zoom, Tap float64
	CPULoad, CPUPan, CPUZoom, CPUTap      float64
	Rendered                              int
}

// measureGraph opens the large case's page in p and measures it.
func measureGraph(tb testing.TB, br *browser.Browser, p *browser.Page) graphFigures {
	tb.Helper()
	var f graphFigures
	cpu := func() float64 {
		d, err := br.CPUTime()
		if err != nil {
			tb.Fatal(err)
		}
		return float64(d.Microseconds()) / 1000
	}
	c0 := cpu()
	p.Go("/trace/cases/" + bigCaseID)
	p.WaitFor("the graph to be drawn and painted", `window.__bwGraph && window.__bwGraph.painted > 0`)
	f.CPULoad = cpu() - c0
	f.Drawn = browser.Eval[float64](p, `window.__bwGraph.ready`)
	f.Painted = browser.Eval[float64](p, `window.__bwGraph.painted`)
	f.Fetch = browser.Eval[float64](p, `performance.getEntriesByType("resource").filter(e => e.name.endsWith("/graph.json"))[0].responseEnd`)
	p.ShotElement("#graph", "graph as drawn")
	n, err := strconv.Atoi(browser.Eval[string](p, `document.getElementById("graph").dataset.renderedNodes`))
	if err != nil {
		tb.Fatal(err)
	}
	f.Rendered = n

	// The graph's box in the viewport, scrolled into view; Cytoscape reads
	// where its container is again on the scroll event (the frame after).
	box := browser.Eval[[]float64](p, `new Promise(done => { const g = document.getElementById("graph"); g.scrollIntoView();
	  requestAnimationFrame(() => requestAnimationFrame(() => { const r = g.getBoundingClientRect(); done([r.left, r.top, r.width, r.height]); })); })`)
	cx, cy := box[0]+box[2]/2, box[1]+box[3]/2
	cyPan := `JSON.stringify(document.getElementById("graph")._cyreg.cy.pan())`
	cyZoom := `document.getElementById("graph")._cyreg.cy.zoom()`

	// Pan: drag the background by 120 px in 6 moves; the figure is the
	// last move's event to its frame.
	before := browser.Eval[string](p, cyPan)
	c0 = cpu()
	p.Do("pressing on the graph", chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, box[0]+20, cy, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	held := func(e *input.DispatchMouseEventParams) { e.Button, e.Buttons = input.MouseButtonLeft, 1 }
	for i := 1; i <= 6; i++ {
		p.Do("dragging the graph", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, box[0]+20+float64(20*i), cy, held))
	}
	f.Pan = browser.Eval[float64](p, nextFrame)
	f.CPUPan = cpu() - c0
	p.Do("releasing", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, box[0]+140, cy, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	if after := browser.Eval[string](p, cyPan); after == before {
		tb.Fatalf("the drag did not pan the graph (pan %s)", after)
	}

	// Zoom: one wheel notch in at the centre.
	z := browser.Eval[float64](p, cyZoom)
	c0 = cpu()
	p.Do("zooming", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseWheel, cx, cy, func(e *input.DispatchMouseEventParams) {
		// The protocol wants deltaX too, and cdproto leaves a zero out.
		e.DeltaX, e.DeltaY = 1e-6, -120
	}))
	f.Zoom = browser.Eval[float64](p, nextFrame)
	f.CPUZoom = cpu() - c0
	if z2 := browser.Eval[float64](p, cyZoom); z2 == z {
		tb.Fatalf("the wheel did not zoom the graph (zoom %v)", z2)
	}

	// Tap: click the seed, brought to the centre at 100 % (fitted, 5,000
	// nodes are far smaller than a pixel); the figure is the click's
	// release to the frame showing its details.
	pos := browser.Eval[[]float64](p, `new Promise(done => { const g = document.getElementById("graph"), cy = g._cyreg.cy, n = cy.nodes('[kind = "seed"]')[0];
	  cy.zoom(1); cy.center(n); requestAnimationFrame(() => requestAnimationFrame(() => {
	    const p = n.renderedPosition(), r = g.getBoundingClientRect(); done([r.left + p.x, r.top + p.y]); })); })`)
	c0 = cpu()
	p.Do("tapping the seed", chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, pos[0], pos[1], chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, pos[0], pos[1], chromedp.ButtonLeft, chromedp.ClickCount(1)))
	f.Tap = browser.Eval[float64](p, nextFrame)
	f.CPUTap = cpu() - c0
	if got := p.Text(`[data-testid="node-detail"]`); len(got) < 42 || !strings.EqualFold(got[:42], bigThiefAddress) {
		tb.Fatalf("tapping the seed shows %q, want its address %s", got, bigThiefAddress)
	}
	return f
}

// BenchmarkTraceGraph5000 measures the case page of a trace case of
// 5,001 addresses and 5,000 transfers in headless Chromium (software
// rendering): the graph's JSON arriving, trace.js handing Cytoscape the
// initial 5,000 nodes and fitting them, the next painted frame, and a
// pan, a zoom and a tap, each from the input event reaching the page to
// the second frame after it. Times are in the page's clock
// (performance.now), from the navigation's start for the load; cpu-ms-*
// are the CPU time Chromium's processes used for each step (the load
// from navigating to the painted frame), which a loaded machine does not
// stretch as it stretches the wall times.
//
//	go test -run '^$' -bench TraceGraph5000 -benchtime 5x ./internal/browser/e2e
func BenchmarkTraceGraph5000(b *testing.B) {
	br, srv := start(b)
	p := signIn(b, br, srv, "bench", "viewer")
	p.OnNewDocument(graphTimer)
	var sum graphFigures
	n := 0
	for b.Loop() {
		f := measureGraph(b, br, p)
		if f.Rendered != 5000 {
			b.Fatalf("%d nodes drawn, want the initial 5,000 of %d", f.Rendered, bigCaseNodes)
		}
		sum.Fetch += f.Fetch
		sum.Drawn += f.Drawn
		sum.Painted += f.Painted
		sum.Pan += f.Pan
		sum.Zoom += f.Zoom
		sum.Tap += f.Tap
		sum.CPULoad += f.CPULoad
		sum.CPUPan += f.CPUPan
		sum.CPUZoom += f.CPUZoom
		sum.CPUTap += f.CPUTap
		n++
	}
	k := float64(n)
	b.ReportMetric(sum.Fetch/k, "ms-json")
	b.ReportMetric(sum.Drawn/k, "ms-drawn")
	b.ReportMetric(sum.Painted/k, "ms-painted")
	b.ReportMetric(sum.Pan/k, "ms-pan")
	b.ReportMetric(sum.Zoom/k, "ms-zoom")
	b.ReportMetric(sum.Tap/k, "ms-tap")
	b.ReportMetric(sum.CPULoad/k, "cpu-ms-load")
	b.ReportMetric(sum.CPUPan/k, "cpu-ms-pan")
	b.ReportMetric(sum.CPUZoom/k, "cpu-ms-zoom")
	b.ReportMetric(sum.CPUTap/k, "cpu-ms-tap")
	p.Shot(fmt.Sprintf("graph of %d nodes", bigCaseNodes))
}
