// Bulwark console: the trace case graph (Cytoscape.js). Loaded by the case
// page only; no inline script (strict CSP). Every value from the graph is
// set as text or drawn on the canvas, never parsed as HTML.
(function () {
  "use strict";
  var box = document.getElementById("graph");
  if (!box || typeof cytoscape !== "function") { return; }
  var status = document.getElementById("graph-status");
  var detail = document.getElementById("node-detail");
  var initial = parseInt(box.getAttribute("data-initial-nodes"), 10) || 5000;
  var cap = parseInt(box.getAttribute("data-expand-cap"), 10) || 100;
  var all = null;      // {nodes, edges} as served
  var byId = {};       // node id -> node
  var adj = {};        // node id -> [edge]
  var shown = {};      // node ids drawn
  var cy = null;
  var range = null;    // [from, to] Unix seconds, or null

  function say(text) { status.textContent = text; }

  // position lays the hops out left to right, each hop a block of
  // columns of at most `rows` nodes in arrival order, rows chosen so the
  // whole graph has about the container's shape: nodes stay big enough
  // to see and tap when the graph is fitted. Fast for thousands of nodes,
  // and the same on every load.
  var perHop = {}, placed = {}, hopX = {}, rows = 10;
  var gap = 44;
  function plan(nodes) {
    var hops = Object.keys(perHop).map(Number).sort(function (a, b) { return a - b; });
    var aspect = Math.max(1, box.clientWidth / Math.max(1, box.clientHeight));
    rows = Math.max(10, Math.ceil(Math.sqrt(nodes / aspect)));
    var x = 0;
    hops.forEach(function (h) {
      hopX[h] = x;
      x += (Math.ceil(perHop[h] / rows) + 1) * gap;
    });
  }
  function position(n) {
    var i = placed[n.hop] || 0;
    placed[n.hop] = i + 1;
    var inHop = Math.min(perHop[n.hop] || 1, rows);
    return { x: hopX[n.hop] + Math.floor(i / rows) * gap, y: (i % rows) * gap - (inHop - 1) * gap / 2 };
  }

  function nodeElement(n) {
    return { group: "nodes", data: { id: n.id, label: n.label, kind: n.kind, hop: n.hop }, position: position(n) };
  }
  function edgeElement(e) {
    return { group: "edges", data: { id: e.id, source: e.source, target: e.target, t: e.t } };
  }

  function inRange(e) { return !range || (e.t >= range[0] && e.t <= range[1]); }

  // add draws the nodes of ids not drawn yet and the edges between drawn
  // nodes.
  function add(ids) {
    var els = [];
    ids.forEach(function (id) {
      if (shown[id] || !byId[id]) { return; }
      shown[id] = true;
      els.push(nodeElement(byId[id]));
    });
    ids.forEach(function (id) {
      (adj[id] || []).forEach(function (e) {
        if (shown[e.source] && shown[e.target] && cy.getElementById(e.id).empty()) { els.push(edgeElement(e)); }
      });
    });
    cy.add(els);
  }

  function counts() {
    var visible = cy.nodes().not(".off").length;
    box.setAttribute("data-rendered-nodes", String(cy.nodes().length));
    box.setAttribute("data-visible-nodes", String(visible));
    say("Showing " + visible + " of " + all.nodes.length + " addresses" + (range ? " in the time range" : "") + ".");
  }

  // applyRange hides (class "off") the edges outside the time range and
  // the nodes, but the seed, left without an edge in it. Which nodes keep
  // an edge is worked out from the edges' data, not from computed styles.
  function applyRange() {
    var t0 = performance.now();
    var live = {};
    cy.batch(function () {
      cy.edges().forEach(function (ed) {
        var d = ed.data(), keep = inRange(d);
        if (keep) { live[d.source] = true; live[d.target] = true; }
        ed.toggleClass("off", !keep);
      });
      cy.nodes().forEach(function (n) {
        n.toggleClass("off", !(!range || n.data("hop") === 0 || live[n.id()]));
      });
    });
    counts();
    // How long the filter took (ms): the browser tests read it.
    box.setAttribute("data-filter-ms", String(Math.round(performance.now() - t0)));
  }

  function expand(id) {
    var hidden = [];
    (adj[id] || []).forEach(function (e) {
      var other = e.source === id ? e.target : e.source;
      if (!shown[other] && hidden.indexOf(other) < 0 && inRange(e)) { hidden.push(other); }
    });
    var more = hidden.length - cap;
    add(hidden.slice(0, cap));
    applyRange();
    if (more > 0) { say(status.textContent + " " + more + " more neighbours: expand again to add them."); }
  }

  function show(n) {
    var d = byId[n.id()];
    detail.hidden = false;
    detail.textContent = "";
    var lines = [d.id, "hop " + d.hop + ", " + d.kind];
    if (d.labels) { lines.push("labels: " + d.labels.join(", ")); }
    if (d.taint) { Object.keys(d.taint).forEach(function (a) { lines.push("taint " + a + ": " + d.taint[a]); }); }
    if (d.stop) { lines.push("trace stopped: " + d.stop); }
    lines.forEach(function (l) { var p = document.createElement("div"); p.textContent = l; detail.appendChild(p); });
  }

  function utcInput(sec) { return new Date(sec * 1000).toISOString().slice(0, 19); }
  function fromInput(v) { return v ? Math.floor(Date.parse(v + "Z") / 1000) : NaN; }

  function start(data) {
    var t0 = performance.now();
    all = data;
    data.nodes.forEach(function (n) { byId[n.id] = n; adj[n.id] = []; perHop[n.hop] = (perHop[n.hop] || 0) + 1; });
    plan(Math.min(data.nodes.length, initial));
    data.edges.forEach(function (e) {
      if (adj[e.source]) { adj[e.source].push(e); }
      if (adj[e.target] && e.target !== e.source) { adj[e.target].push(e); }
    });
    cy = cytoscape({
      // Kept interactive at 5,000 nodes without a GPU: while the view
      // moves, edges and labels are not drawn; nodes are drawn from
      // Cytoscape's per-element texture cache. No textureOnViewport: its
      // first frame of every pan or zoom draws the whole graph into a
      // texture at twice the pixel ratio (0.8 s of CPU at 5,000 nodes,
      // against 70 ms for a frame at a new zoom level). One device pixel
      // per CSS pixel; no motion blur; nodes are not draggable (the
      // layout is fixed).
      container: box, elements: [], wheelSensitivity: 0.3, hideEdgesOnViewport: true,
      hideLabelsOnViewport: true, pixelRatio: 1, motionBlur: false, autoungrabify: true, selectionType: "single",
      style: [
        { selector: "node", style: { "label": "data(label)", "font-size": 10, "min-zoomed-font-size": 7, "width": 18, "height": 18, "background-color": "#5a6b7d", "text-valign": "bottom" } },
        { selector: "node[kind = 'seed']", style: { "shape": "diamond", "background-color": "#a00", "width": 26, "height": 26 } },
        { selector: "node[kind = 'exchange']", style: { "shape": "rectangle", "background-color": "#0b4f9c" } },
        { selector: "node[kind = 'exit']", style: { "shape": "triangle", "background-color": "#b34700" } },
        { selector: "node[kind = 'stop']", style: { "shape": "octagon", "background-color": "#777" } },
        { selector: "node:selected", style: { "border-width": 4, "border-color": "#f5a300" } },
        { selector: "edge", style: { "width": 1, "curve-style": "haystack", "line-color": "#999" } },
        { selector: ".off", style: { "display": "none" } }
      ]
    });
    var ids = data.nodes.slice().sort(function (a, b) { return a.hop - b.hop; }).slice(0, initial).map(function (n) { return n.id; });
    cy.batch(function () { add(ids); });
    cy.fit(undefined, 20);
    cy.on("tap", "node", function (ev) { show(ev.target); });
    cy.on("dbltap", "node", function (ev) { expand(ev.target.id()); });
    var tf = document.getElementById("t-from"), tt = document.getElementById("t-to");
    if (data.edges.length) {
      tf.value = utcInput(parseInt(tf.getAttribute("data-min"), 10));
      tt.value = utcInput(parseInt(tt.getAttribute("data-max"), 10));
    }
    document.getElementById("t-apply").addEventListener("click", function () {
      var a = fromInput(tf.value), b = fromInput(tt.value);
      range = [isNaN(a) ? -Infinity : a, isNaN(b) ? Infinity : b];
      applyRange();
    });
    document.getElementById("t-reset").addEventListener("click", function () { range = null; applyRange(); });
    document.getElementById("x-apply").addEventListener("click", function () {
      var want = document.getElementById("x-address").value.trim().toLowerCase();
      var id = Object.keys(byId).filter(function (k) { return k.toLowerCase() === want; })[0];
      if (!id) { say("No address " + want + " in this case."); return; }
      add([id]);
      expand(id);
      var n = cy.getElementById(id);
      n.select();
      show(n);
    });
    counts();
    // How long drawing took (ms), and when the page could next run a task
    // (the main thread free again): the browser tests read them.
    box.setAttribute("data-draw-ms", String(Math.round(performance.now() - t0)));
    var t1 = performance.now();
    setTimeout(function () { box.setAttribute("data-idle-ms", String(Math.round(performance.now() - t1))); }, 0);
    box.setAttribute("data-ready", "true");
  }

  fetch(box.getAttribute("data-graph-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error("the server answered " + r.status); } return r.json(); })
    .then(start)
    .catch(function (err) { say("The graph could not be loaded: " + err.message); box.setAttribute("data-ready", "error"); });
})();
