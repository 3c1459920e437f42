package web

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/posture"
	"github.com/bulwark-sec/bulwark/safe/queue"
	"github.com/bulwark-sec/bulwark/tracing"
)

// TestPages: every page, as each role, over a real store: status, key
// content, the security headers, and every injected value inert.
func TestPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 40)
	caseURL := "/trace/cases/" + strconv.FormatInt(e.caseID, 10)
	// One decision to read and replay.
	dec := do(t, e.c, request{method: "POST", path: "/screening/address", session: "analyst", form: url.Values{"address": {xssETH}}})
	if dec.Code != http.StatusOK {
		t.Fatalf("screening: %d %s", dec.Code, dec.Body.String())
	}
	decisionID := between(dec.Body.String(), `href="/screening/decisions/`, `"`)
	if decisionID == "" {
		t.Fatalf("no decision link in\n%s", dec.Body.String())
	}
	for _, tc := range []struct {
		name   string
		rq     request
		status int
		want   []string // substrings of the body
		absent []string
	}{
		{name: "overview", rq: request{path: "/", session: "viewer"}, status: 200, want: []string{`href="/safe"`, `href="/screening"`, `href="/trace"`}, absent: []string{`href="/audit"`}},
		{name: "overview admin sees audit", rq: request{path: "/", session: "admin"}, status: 200, want: []string{`href="/audit"`}},
		{name: "safe page", rq: request{path: "/safe", session: "analyst"}, status: 200,
			want: []string{`data-testid="verify-form"`, "QUEUE_TX_HELD", bybitSafe, `data-testid="watched"`, "held for review: &lt;img"}},
		{name: "safe page viewer cannot verify", rq: request{path: "/safe", session: "viewer"}, status: 200, want: []string{"needs the analyst role"}, absent: []string{`data-testid="verify-form"`}},
		{name: "verify bybit", rq: request{method: "POST", path: "/safe/verify", session: "analyst", form: url.Values{"tx": {bybitTxStr}, "chainId": {"1"}, "safeVersion": {"1.1.1"}}}, status: 200,
			want: []string{`data-verdict="reject"`, bybitSafeTxHash, "UNTRUSTED_DELEGATECALL", `data-testid="calltree"`, "transfer",
				`data-testid="singleton-alarm" data-code="UNTRUSTED_DELEGATECALL"`, "CAN REPLACE THE SINGLETON", "can replace the singleton"},
			absent: []string{"(reject)"}},
		{name: "verify needs version", rq: request{method: "POST", path: "/safe/verify", session: "analyst", form: url.Values{"tx": {bybitTxStr}, "chainId": {"1"}}}, status: 400,
			want: []string{`data-field="safeVersion"`, "Safe&#39;s version"}},
		{name: "verify bad json", rq: request{method: "POST", path: "/safe/verify", session: "analyst", form: url.Values{"tx": {`{"safe":`}, "chainId": {"1"}, "safeVersion": {"1.3.0"}}}, status: 400,
			want: []string{`data-testid="form-error"`}},
		{name: "viewer cannot verify", rq: request{method: "POST", path: "/safe/verify", session: "viewer", form: url.Values{"tx": {bybitTxStr}}}, status: 403},
		{name: "verify without csrf", rq: request{method: "POST", path: "/safe/verify", session: "analyst", noCSRF: true, form: url.Values{"tx": {bybitTxStr}}}, status: 403},
		{name: "screening page", rq: request{path: "/screening", session: "viewer"}, status: 200,
			want: []string{`data-testid="lists"`, "ofac-sdn", `data-testid="decisions"`, decisionID[:8], " days "}, absent: []string{`data-testid="screen-address-form"`}},
		{name: "screen listed address", rq: request{method: "POST", path: "/screening/address", session: "analyst", form: url.Values{"address": {listedETH}}}, status: 200,
			want: []string{`data-verdict="block"`, "LAZARUS GROUP", "ofac-sdn", "matched by", `data-testid="decisions"`}},
		{name: "screen injected name", rq: request{method: "POST", path: "/screening/address", session: "analyst", form: url.Values{"address": {xssETH}}}, status: 200,
			want: []string{"&lt;img src=x onerror=alert(1)&gt;"}},
		{name: "screen name explained", rq: request{method: "POST", path: "/screening/name", session: "analyst", form: url.Values{"name": {"Lazarus Grup"}}}, status: 200,
			want: []string{`data-testid="name-decision"`, "LAZARUS GROUP", "name score"}},
		{name: "screen bad use", rq: request{method: "POST", path: "/screening/address", session: "analyst", form: url.Values{"address": {listedETH}, "use": {"party"}}}, status: 400,
			want: []string{`data-field="use"`}},
		{name: "viewer cannot screen", rq: request{method: "POST", path: "/screening/address", session: "viewer", form: url.Values{"address": {listedETH}}}, status: 403},
		{name: "screen without csrf", rq: request{method: "POST", path: "/screening/name", session: "analyst", noCSRF: true, form: url.Values{"name": {"x"}}}, status: 403},
		{name: "decision", rq: request{path: "/screening/decisions/" + decisionID, session: "viewer"}, status: 200, want: []string{`data-testid="replay-link"`, "&lt;img"}},
		{name: "decision replay", rq: request{path: "/screening/decisions/" + decisionID + "?replay=1", session: "viewer"}, status: 200, want: []string{`data-same="true"`}},
		{name: "decision unknown", rq: request{path: "/screening/decisions/nope", session: "viewer"}, status: 404},
		{name: "list versions", rq: request{path: "/screening/lists/ofac-sdn", session: "viewer"}, status: 200, want: []string{strings.Repeat("a", 64)}},
		{name: "list unknown", rq: request{path: "/screening/lists/nope", session: "viewer"}, status: 404},
		{name: "cases", rq: request{path: "/trace", session: "viewer"}, status: 200, want: []string{caseURL, "Bybit &lt;img"}},
		{name: "case", rq: request{path: caseURL, session: "viewer"}, status: 200,
			want:   []string{`data-node-count="40"`, `data-graph-url="` + caseURL + `/graph.json"`, `data-testid="freeze"`, `data-testid="exits"`, "=:BTC.BTC:&lt;img", `/export/freeze.md`, "vendor/cytoscape-3.35.0/cytoscape.min.js", "trace.js"},
			absent: []string{`data-testid="label-form"`}},
		{name: "case analyst can label", rq: request{path: caseURL, session: "analyst"}, status: 200, want: []string{`data-testid="label-form"`}},
		{name: "case not run", rq: request{path: "/trace/cases/" + strconv.FormatInt(e.emptyID, 10), session: "viewer"}, status: 200, want: []string{`data-testid="no-results"`}},
		{name: "case unknown", rq: request{path: "/trace/cases/999", session: "viewer"}, status: 404},
		{name: "case bad id", rq: request{path: "/trace/cases/x", session: "viewer"}, status: 400},
		{name: "export csv", rq: request{path: caseURL + "/export/graph.csv", session: "viewer"}, status: 200, want: []string{nodeAddr(1).Hex()}},
		{name: "export freeze", rq: request{path: caseURL + "/export/freeze.md", session: "viewer"}, status: 200, want: []string{nodeAddr(39).Hex()}},
		{name: "export unknown", rq: request{path: caseURL + "/export/graph.exe", session: "viewer"}, status: 404},
		{name: "viewer cannot label", rq: request{method: "POST", path: caseURL + "/labels", session: "viewer", form: url.Values{"address": {nodeAddr(3).Hex()}, "name": {"x"}}}, status: 403},
		{name: "label without csrf", rq: request{method: "POST", path: caseURL + "/labels", session: "analyst", noCSRF: true, form: url.Values{"address": {nodeAddr(3).Hex()}, "name": {"x"}}}, status: 403},
		{name: "label bad address", rq: request{method: "POST", path: caseURL + "/labels", session: "analyst", form: url.Values{"address": {"0x12"}, "name": {"x"}}}, status: 400},
		{name: "audit", rq: request{path: "/audit", session: "admin"}, status: 200, want: []string{`data-testid="head-hash"`, `data-testid="verify-link"`, "screen.decisions"}},
		{name: "audit verified", rq: request{path: "/audit?verify=1", session: "admin"}, status: 200, want: []string{`data-intact="true"`}},
		{name: "audit analyst refused", rq: request{path: "/audit", session: "analyst"}, status: 403},
		{name: "audit bad before", rq: request{path: "/audit?before=x", session: "admin"}, status: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(t, e.c, tc.rq)
			body := w.Body.String()
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d\n%s", w.Code, tc.status, body)
			}
			checkHeaders(t, w)
			for _, s := range tc.want {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q", s)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(body, s) {
					t.Errorf("body has %q", s)
				}
			}
			if strings.Contains(body, xssPayload) {
				t.Errorf("the injected name is in the body unescaped")
			}
			if t.Failed() {
				t.Logf("body:\n%s", body)
			}
		})
	}
}

// between returns the text of s between the first before and the next
// after ("" when absent).
func between(s, before, after string) string {
	_, rest, ok := strings.Cut(s, before)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, after)
	return v
}

// TestCaseGraphJSON: the graph endpoint serves every node and edge as
// data, the injected label as a JSON string, with the node kinds the
// page draws.
func TestCaseGraphJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 40)
	w := do(t, e.c, request{path: "/trace/cases/" + strconv.FormatInt(e.caseID, 10) + "/graph.json", session: "viewer"})
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, %s", w.Code, w.Header().Get("Content-Type"))
	}
	checkHeaders(t, w)
	var g graphJSON
	must(t, json.Unmarshal(w.Body.Bytes(), &g))
	if len(g.Nodes) != 40 || len(g.Edges) != 39 {
		t.Fatalf("%d nodes, %d edges", len(g.Nodes), len(g.Edges))
	}
	kinds := map[string]string{}
	for _, n := range g.Nodes {
		kinds[n.ID] = n.Kind
	}
	for addr, want := range map[string]string{nodeAddr(0).Hex(): "seed", nodeAddr(1).Hex(): "exchange", nodeAddr(2).Hex(): "exit", nodeAddr(39).Hex(): "exchange", nodeAddr(5).Hex(): "plain"} {
		if kinds[addr] != want {
			t.Errorf("%s: kind %q, want %q", addr, kinds[addr], want)
		}
	}
	if g.Nodes[1].Labels[0] != xssPayload || strings.Contains(w.Body.String(), "<img") {
		t.Errorf("the label is not a JSON-escaped string: %s", w.Body.String()[:200])
	}
	if w := do(t, e.c, request{path: "/trace/cases/" + strconv.FormatInt(e.emptyID, 10) + "/graph.json", session: "viewer"}); w.Code != http.StatusNotFound {
		t.Errorf("a case not run: %d", w.Code)
	}
}

// TestCaseLabel: an analyst's label is saved with the case, audited, and
// shown as text.
func TestCaseLabel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 10)
	url0 := "/trace/cases/" + strconv.FormatInt(e.caseID, 10)
	w := do(t, e.c, request{method: "POST", path: url0 + "/labels", session: "analyst",
		form: url.Values{"address": {nodeAddr(3).Hex()}, "name": {"note: " + xssPayload}, "category": {"exchange"}}})
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), url0) {
		t.Fatalf("status %d, Location %q: %s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	page := do(t, e.c, request{path: url0, session: "viewer"}).Body.String()
	if !strings.Contains(page, "note: &lt;img src=x onerror=alert(1)&gt;") || strings.Contains(page, xssPayload) {
		t.Fatalf("label not shown as text")
	}
	audit := do(t, e.c, request{path: "/audit", session: "admin"}).Body.String()
	if !strings.Contains(audit, "user:2") {
		t.Errorf("the label is not audited as the analyst")
	}
}

// TestVerifyRecorded: a verification through the console is in the audit
// log as the signed-in person, with its verdict.
func TestVerifyRecorded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 3)
	w := do(t, e.c, request{method: "POST", path: "/safe/verify", session: "analyst", form: url.Values{"tx": {bybitTxStr}, "chainId": {"1"}, "safeVersion": {"1.1.1"}}})
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body.String())
	}
	seq := between(w.Body.String(), "Recorded in the audit log as entry ", ".")
	page := do(t, e.c, request{path: "/audit", session: "admin"}).Body.String()
	if seq == "" || !strings.Contains(page, "<td>"+seq+"</td>") || !strings.Contains(page, "safe.verify") {
		t.Fatalf("verification (entry %q) not in the audit page", seq)
	}
}

// TestSingletonAlarm: a simulation that changes the Safe's singleton is
// shown as an alarm above everything else, and in the state diff.
func TestSingletonAlarm(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 3)
	e.c.cfg.Services.SafeVerify = func(_ context.Context, req policy.VerifyRequest) (*policy.Verification, error) {
		v, err := policy.Verify(req)
		if err != nil {
			return nil, err
		}
		ch := policy.SimChange{Change: onchain.Change{Kind: onchain.ChangeSingleton, Before: "0x34CfAC646f301356fAa8B21e94227e3583Fe3F5F", After: "0xbDd077f651EBe7f7b3cE16fe5F2b025BE2969516"}}
		v.Simulation = &policy.Simulation{Status: "success", Block: 21895237, Changes: []policy.SimChange{ch}, ETHLeaving: new(big.Int)}
		v.Findings = append([]policy.Finding{{Code: policy.CodeSimulatedMasterCopyChange, Severity: policy.SeverityCritical, Message: "the simulation changes the singleton"}}, v.Findings...)
		return v, nil
	}
	w := do(t, e.c, request{method: "POST", path: "/safe/verify", session: "analyst", form: url.Values{"tx": {bybitTxStr}, "chainId": {"1"}, "safeVersion": {"1.1.1"}}})
	body := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, body)
	}
	alarm := strings.Index(body, `data-testid="singleton-alarm"`)
	if alarm < 0 || alarm > strings.Index(body, `data-testid="safeTxHash"`) {
		t.Fatalf("no singleton alarm above the hashes:\n%s", body)
	}
	for _, s := range []string{"SINGLETON CHANGE", `data-code="singleton"`, `data-code="SIMULATED_MASTERCOPY_CHANGE"`, `data-alarm="singleton"`, "0xbDd077f651EBe7f7b3cE16fe5F2b025BE2969516", `data-testid="state-diff"`} {
		if !strings.Contains(body, s) {
			t.Errorf("body lacks %q", s)
		}
	}
}

// TestCaseGraphCache: the case page shows new results as soon as a run
// stores them (the decoded graph is kept only for the same results).
func TestCaseGraphCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 12)
	page := "/trace/cases/" + strconv.FormatInt(e.caseID, 10)
	if body := do(t, e.c, request{path: page, session: "viewer"}).Body.String(); !strings.Contains(body, `data-node-count="12"`) {
		t.Fatal("first results not shown")
	}
	g := testGraph(5)
	if _, err := e.db.SetCaseResults(context.Background(), e.caseID, &tracing.CaseResults{Block: 101, Summary: tracing.Summarize(g), Graph: g}, "user:1"); err != nil {
		t.Fatal(err)
	}
	if body := do(t, e.c, request{path: page, session: "viewer"}).Body.String(); !strings.Contains(body, `data-node-count="5"`) {
		t.Fatal("the page still shows the old results")
	}
	var gj graphJSON
	must(t, json.Unmarshal(do(t, e.c, request{path: page + "/graph.json", session: "viewer"}).Body.Bytes(), &gj))
	if len(gj.Nodes) != 5 {
		t.Fatalf("graph.json has %d nodes, want 5", len(gj.Nodes))
	}
}

// TestScreeningListsDecisionAtOnce: the decision just made is in the
// history on the page that shows it, even before the service stores it.
func TestScreeningListsDecisionAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 3)
	body := do(t, e.c, request{method: "POST", path: "/screening/name", session: "analyst", form: url.Values{"name": {"Lazarus Group"}}}).Body.String()
	id := between(body, `href="/screening/decisions/`, `"`)
	history := body[strings.Index(body, `data-testid="decisions"`)+1:]
	if id == "" || !strings.Contains(history, `href="/screening/decisions/`+id+`"`) {
		t.Fatalf("decision %q not in the history:\n%s", id, history)
	}
}

// TestPosture: the watched Safes' posture is audited on request, each
// report beside its Safe; without a node the page says what is missing.
func TestPosture(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 3)
	if w := do(t, e.c, request{path: "/safe?posture=1", session: "viewer"}); w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "--rpc") {
		t.Fatalf("without a node: %d", w.Code)
	}
	if body := do(t, e.c, request{path: "/safe", session: "viewer"}).Body.String(); strings.Contains(body, `data-testid="posture-link"`) {
		t.Error("the posture link is offered without a node")
	}
	var asked []common.Address
	e.c.cfg.Services.SafePosture = func(_ context.Context, safes []common.Address) ([]*posture.Report, error) {
		asked = safes
		return []*posture.Report{{Safe: safes[0], Block: 21895238, Version: "1.1.1", Verdict: "reject",
			Findings: []policy.Finding{{Code: "UNKNOWN_SINGLETON", Severity: policy.SeverityCritical, Message: "the singleton is " + xssPayload}}}}, nil
	}
	if body := do(t, e.c, request{path: "/safe", session: "viewer"}).Body.String(); !strings.Contains(body, `data-testid="posture-link"`) || len(asked) != 0 {
		t.Fatal("the page audited without being asked, or offers no link")
	}
	w := do(t, e.c, request{path: "/safe?posture=1", session: "viewer"})
	body := w.Body.String()
	if w.Code != http.StatusOK || len(asked) != 1 || asked[0].Hex() != bybitSafe {
		t.Fatalf("status %d, asked %v", w.Code, asked)
	}
	for _, s := range []string{`data-testid="posture" data-verdict="reject"`, "Posture at block 21895238", `data-code="UNKNOWN_SINGLETON"`, "the singleton is &lt;img"} {
		if !strings.Contains(body, s) {
			t.Errorf("body lacks %q", s)
		}
	}
	if strings.Contains(body, xssPayload) {
		t.Error("payload unescaped")
	}
}

// TestPending: a watched Safe's pending transactions are listed from the
// service, each with a form that verifies it as pasted.
func TestPending(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 3)
	page := "/safe?pending=" + bybitSafe
	if w := do(t, e.c, request{path: page, session: "analyst"}); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("without a service: %d", w.Code)
	}
	st, err := policy.ReadServiceTx([]byte(bybitTxStr))
	must(t, err)
	e.c.cfg.Services.SafePending = func(_ context.Context, addr common.Address) (queue.Listing, error) {
		return queue.Listing{Entries: []queue.Entry{{Tx: st, SafeTxHash: common.HexToHash(bybitSafeTxHash), Nonce: big.NewInt(71), ConfirmationsRequired: 3},
			{Err: errors.New(xssPayload), Nonce: big.NewInt(72)}}}, nil
	}
	if w := do(t, e.c, request{path: "/safe?pending=0x0000000000000000000000000000000000000001", session: "analyst"}); w.Code != http.StatusBadRequest {
		t.Fatalf("a Safe not watched: %d", w.Code)
	}
	body := do(t, e.c, request{path: page, session: "analyst"}).Body.String()
	tx := html.UnescapeString(between(body, `name="tx" value="`, `"`))
	if !strings.Contains(body, `data-testid="pending"`) || !strings.Contains(body, "0 of 3") || tx == "" || strings.Contains(body, xssPayload) {
		t.Fatalf("pending list:\n%s", body)
	}
	w := do(t, e.c, request{method: "POST", path: "/safe/verify", session: "analyst", form: url.Values{"tx": {tx}, "chainId": {"1"}, "safeVersion": {"1.1.1"}}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `data-verdict="reject"`) {
		t.Fatalf("verifying the pending transaction: %d", w.Code)
	}
}
