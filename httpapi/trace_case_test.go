package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/tracing"
)

const (
	caseThief = "0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2"
	caseMule  = "0x00000000000000000000000000000000000000b1"
	caseHub   = "0x00000000000000000000000000000000000000c2"
)

// withCases configures the case routes on the env's store, as serve does.
func withCases(c *Config) {
	db := c.Audit.Store.(*sqlite.DB)
	c.TraceCases = &tracing.CaseService{Store: db, Audit: c.Audit, Ingest: db, Deposits: db}
}

// openCases opens n cases of the thief's address, by "test".
func openCases(n int) func(*testing.T, *env) {
	return func(t *testing.T, e *env) {
		t.Helper()
		for i := 0; i < n; i++ {
			if _, _, err := e.srv.cfg.TraceCases.Open(context.Background(), "test", tracing.CaseSpec{Title: "case", Seeds: []string{caseThief}}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// ingestCase stores two blocks of chain 1 from the node: the thief pays
// the mule, the mule pays the hub.
func ingestCase(t *testing.T, e *env) {
	t.Helper()
	var blocks []tracing.BlockHeader
	var trs []tracing.Transfer
	for i, mv := range [][2]string{{caseThief, caseMule}, {caseMule, caseHub}} {
		n := uint64(i + 1)
		h := tracing.BlockHeader{Number: n, Hash: common.Hash{0xbb, byte(n)}, Parent: common.Hash{0xbb, byte(n - 1)}, Time: int64(1_740_000_000 + n*12)}
		blocks = append(blocks, h)
		tr := tracing.Transfer{Chain: 1, Block: n, TxHash: common.Hash{0x7a, byte(n)}, Time: h.Time, Kind: tracing.TopLevelCall, TraceAddress: []uint32{},
			From: common.HexToAddress(mv[0]), To: common.HexToAddress(mv[1]), Asset: tracing.NativeAsset(1)}
		tr.Amount.SetUint64(100 - uint64(i)*10)
		trs = append(trs, tr)
	}
	if err := e.db.PutBlocks(context.Background(), 1, "node", blocks, trs); err != nil {
		t.Fatal(err)
	}
}

func closeCase(id int64) func(*testing.T, *env) {
	return func(t *testing.T, e *env) {
		t.Helper()
		if _, _, err := e.srv.cfg.TraceCases.Close(context.Background(), "test", id); err != nil {
			t.Fatal(err)
		}
	}
}

func setups(fs ...func(*testing.T, *env)) func(*testing.T, *env) {
	return func(t *testing.T, e *env) {
		t.Helper()
		for _, f := range fs {
			f(t, e)
		}
	}
}

// caseAudit checks that the change was audited as action by the analyst,
// under the auditSeq the response names.
func caseAudit(action string, id int64) func(*testing.T, *env, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
		t.Helper()
		var out struct{ AuditSeq int64 }
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		for _, en := range e.auditEntries() {
			if en.Seq == out.AuditSeq {
				if en.Action != action || en.Target != tracing.CaseTarget(id) || en.Actor != "token:"+e.ids["analyst"] {
					t.Errorf("audit entry %+v, want %s of case %d by the analyst", en, action, id)
				}
				return
			}
		}
		t.Errorf("no audit entry %d (%s)", out.AuditSeq, action)
	}
}

// noCaseChange checks that a refused request left no audit entry of a
// case change.
func noCaseChange(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
	t.Helper()
	for _, en := range e.auditEntries() {
		if strings.HasPrefix(en.Action, "trace.case.") && en.Actor != "test" {
			t.Errorf("audit entry for a refused request: %+v", en)
		}
	}
}

func TestTraceCaseAPI(t *testing.T) {
	t.Parallel()
	const path = "/api/v1/trace/cases"
	openBody := `{"title":"Bybit","seeds":["` + strings.ToLower(caseThief) + `"],"policy":"fifo","bounds":{"maxHops":3},"thresholds":{"native:1":"10"},` +
		`"knownTokens":["0xdac17f958d2ee523a2206206994597c13d831ec7"]}`
	runScenarios(t, []scenario{
		{name: "open", configure: withCases, method: "POST", path: path, headers: jsonHeaders("analyst"), body: openBody,
			wantStatus: http.StatusCreated, wantBody: []string{`"id":1,`, `"seeds":["` + caseThief + `"]`, `"policy":"fifo"`, `"status":"open"`,
				`"createdBy":"token:{analyst.id}"`, `"thresholds":{"native:1":"10"}`, `"auditSeq":`,
				`"knownTokens":["0xdAC17F958D2ee523a2206206994597C13D831ec7"]`},
			after: caseAudit("trace.case.open", 1)},
		{name: "open: known token", configure: withCases, method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"seeds":["` + caseThief + `"],"knownTokens":["0x0000000000000000000000000000000000000000"]}`,
			wantStatus: http.StatusBadRequest, wantCode: bulwark.EINVALID, wantField: "knownTokens", wantMsg: []string{"the zero address is not a token contract"}, after: noCaseChange},
		{name: "open: bad seed", configure: withCases, method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"seeds":["0x12"]}`,
			wantStatus: http.StatusBadRequest, wantCode: bulwark.EINVALID, wantField: "seeds", wantMsg: []string{`seeds: "0x12" is neither an address`}, after: noCaseChange},
		{name: "open: bad label address", configure: withCases, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body:       `{"seeds":["` + caseThief + `"],"labels":[{"address":"` + caseHub + `","name":"hub"},{"address":"0x12","name":"x"}]}`,
			wantStatus: http.StatusBadRequest, wantCode: bulwark.EINVALID, wantField: "labels[1].address", wantMsg: []string{`labels[1].address: "0x12" is not an address: give 0x and 40 hex digits`}, after: noCaseChange},
		{name: "open: label without address", configure: withCases, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: `{"seeds":["` + caseThief + `"],"labels":[{"name":"x"}]}`, wantStatus: http.StatusBadRequest, wantField: "labels[0].address", after: noCaseChange},
		{name: "open: label's unknown member", configure: withCases, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: `{"seeds":["` + caseThief + `"],"labels":[{"address":"` + caseHub + `","name":"x","hubb":true}]}`, wantStatus: http.StatusBadRequest, wantField: "hubb", after: noCaseChange},
		{name: "open: with a label", configure: withCases, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body:       `{"seeds":["` + caseThief + `"],"labels":[{"address":"` + caseHub + `","name":"Exchange X","category":"exchange","hub":true}]}`,
			wantStatus: http.StatusCreated, wantBody: []string{`"labels":[{"address":"` + common.HexToAddress(caseHub).Hex() + `","name":"Exchange X","category":"exchange","hub":true}]`}},
		{name: "open: no seeds", configure: withCases, method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"title":"x"}`,
			wantStatus: http.StatusBadRequest, wantField: "seeds", after: noCaseChange},
		{name: "open: hops", configure: withCases, method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"seeds":["` + caseThief + `"],"bounds":{"maxHops":-1}}`,
			wantStatus: http.StatusBadRequest, wantField: "bounds.maxHops", wantMsg: []string{"-1 is out of range"}, after: noCaseChange},
		{name: "open: threshold", configure: withCases, method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"seeds":["` + caseThief + `"],"thresholds":{"native:1":"1.5"}}`,
			wantStatus: http.StatusBadRequest, wantField: "thresholds", wantMsg: []string{`"1.5" is not an amount`}, after: noCaseChange},
		{name: "open: policy", configure: withCases, method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"seeds":["` + caseThief + `"],"policy":"taint"}`,
			wantStatus: http.StatusBadRequest, wantField: "policy", after: noCaseChange},
		{name: "open: unknown member", configure: withCases, method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"seeds":["` + caseThief + `"],"rpc":"x"}`,
			wantStatus: http.StatusBadRequest, wantCode: bulwark.EINVALID, after: noCaseChange},
		{name: "open: viewer may not", configure: withCases, method: "POST", path: path, headers: jsonHeaders("viewer"), body: openBody,
			wantStatus: http.StatusForbidden, wantCode: bulwark.EFORBIDDEN, after: noCaseChange},
		{name: "open: no token", configure: withCases, method: "POST", path: path, headers: map[string]string{"Content-Type": "application/json"}, body: openBody,
			wantStatus: http.StatusUnauthorized},
		{name: "open: not configured", method: "POST", path: path, headers: jsonHeaders("analyst"), body: openBody,
			wantStatus: http.StatusServiceUnavailable, wantCode: bulwark.EUNAVAILABLE},

		{name: "list", configure: withCases, setup: openCases(3), method: "GET", path: path + "?limit=2", headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`"cases":[{"id":3,`, `{"id":2,`, `"next":2`}, notBody: []string{`"id":1,`, `"history"`}},
		{name: "list: next page", configure: withCases, setup: openCases(3), method: "GET", path: path + "?limit=2&before=2", headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`"cases":[{"id":1,`, `"next":null`}},
		{name: "list: open ones", configure: withCases, setup: setups(openCases(2), closeCase(1)), method: "GET", path: path + "?status=open", headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`"cases":[{"id":2,`}, notBody: []string{`"id":1,`}},
		{name: "list: empty", configure: withCases, method: "GET", path: path, headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`{"cases":[],"next":null}`}},
		{name: "list: bad status", configure: withCases, method: "GET", path: path + "?status=archived", headers: bearerFor("viewer"),
			wantStatus: http.StatusBadRequest, wantField: "status"},
		{name: "list: bad limit", configure: withCases, method: "GET", path: path + "?limit=0", headers: bearerFor("viewer"),
			wantStatus: http.StatusBadRequest, wantField: "limit"},
		{name: "list: unknown parameter", configure: withCases, method: "GET", path: path + "?page=2", headers: bearerFor("viewer"),
			wantStatus: http.StatusBadRequest},

		{name: "get", configure: withCases, setup: openCases(1), method: "GET", path: path + "/1", headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`"case":{"id":1,`, `"history":[{"at":`, `"actor":"test","action":"open"`, `"auditSeq":`}},
		{name: "get: unknown", configure: withCases, method: "GET", path: path + "/7", headers: bearerFor("viewer"),
			wantStatus: http.StatusNotFound, wantCode: bulwark.ENOTFOUND, wantMsg: []string{"no case 7"}},
		{name: "get: bad id", configure: withCases, method: "GET", path: path + "/x", headers: bearerFor("viewer"),
			wantStatus: http.StatusBadRequest, wantField: "id"},
		{name: "results: a query parameter", configure: withCases, setup: setups(openCases(1), ingestCase, runCase(1)), method: "GET", path: path + "/1/results?format=csv", headers: bearerFor("viewer"),
			wantStatus: http.StatusBadRequest, wantField: "format", wantMsg: []string{`unknown query parameter "format": this route takes none`}},
		{name: "results before a run", configure: withCases, setup: openCases(1), method: "GET", path: path + "/1/results", headers: bearerFor("viewer"),
			wantStatus: http.StatusNotFound, wantMsg: []string{"case 1 has no results yet"}},

		{name: "run: nothing ingested", configure: withCases, setup: openCases(1), method: "POST", path: path + "/1/run", headers: bearerFor("analyst"),
			wantStatus: http.StatusNotFound, wantMsg: []string{"nothing is ingested for chain 1 from source node"}, after: noCaseChange},
		{name: "run", configure: withCases, setup: setups(openCases(1), ingestCase), method: "POST", path: path + "/1/run", headers: bearerFor("analyst"),
			wantStatus: http.StatusOK, wantBody: []string{`"results":{"block":2,`, `"summary":{"nodes":3,"edges":2,`}, notBody: []string{`"graph"`},
			after: caseAudit("trace.case.run", 1)},
		{name: "run: viewer may not", configure: withCases, setup: setups(openCases(1), ingestCase), method: "POST", path: path + "/1/run", headers: bearerFor("viewer"),
			wantStatus: http.StatusForbidden},
		{name: "run: closed", configure: withCases, setup: setups(openCases(1), ingestCase, closeCase(1)), method: "POST", path: path + "/1/run", headers: bearerFor("analyst"),
			wantStatus: http.StatusConflict, wantCode: bulwark.ECONFLICT},
		{name: "results", configure: withCases, setup: setups(openCases(1), ingestCase, runCase(1)), method: "GET", path: path + "/1/results", headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`"id":1,"status":"open","stale":false,"block":2,`, `"graph":{"chain":1,`, `"nodes":[`, `"edges":[`,
				`"exits":[]`, `"alerts":[]`}, notBody: []string{`"graph":null`}},

		{name: "patch", configure: withCases, setup: openCases(1), method: "PATCH", path: path + "/1", headers: jsonHeaders("analyst"),
			body:       `{"title":"renamed","bounds":{"maxHops":2,"fromBlock":5}}`,
			wantStatus: http.StatusOK, wantBody: []string{`"title":"renamed"`, `"bounds":{"maxHops":2,"fromBlock":5}`}, after: caseAudit("trace.case.update", 1)},
		{name: "patch: nothing", configure: withCases, setup: openCases(1), method: "PATCH", path: path + "/1", headers: jsonHeaders("analyst"), body: `{}`,
			wantStatus: http.StatusBadRequest, wantField: "update", after: noCaseChange},
		{name: "patch: bad bounds", configure: withCases, setup: openCases(1), method: "PATCH", path: path + "/1", headers: jsonHeaders("analyst"), body: `{"bounds":{"fromBlock":9,"toBlock":8}}`,
			wantStatus: http.StatusBadRequest, wantField: "bounds.toBlock", wantMsg: []string{"bounds.toBlock: 8 is before bounds.fromBlock 9"}, after: noCaseChange},
		{name: "patch: closed", configure: withCases, setup: setups(openCases(1), closeCase(1)), method: "PATCH", path: path + "/1", headers: jsonHeaders("analyst"), body: `{"title":"x"}`,
			wantStatus: http.StatusConflict, wantMsg: []string{"case 1 is closed: reopen it"}, after: noCaseChange},
		{name: "patch: reopen", configure: withCases, setup: setups(openCases(1), closeCase(1)), method: "PATCH", path: path + "/1", headers: jsonHeaders("analyst"), body: `{"status":"open"}`,
			wantStatus: http.StatusOK, wantBody: []string{`"status":"open"`}, after: caseAudit("trace.case.reopen", 1)},

		{name: "label", configure: withCases, setup: openCases(1), method: "POST", path: path + "/1/labels", headers: jsonHeaders("analyst"),
			body:       `{"address":"` + caseHub + `","name":"Exchange X","category":"exchange","hub":true}`,
			wantStatus: http.StatusOK, wantBody: []string{`"labels":[{"address":"` + common.HexToAddress(caseHub).Hex() + `","name":"Exchange X","category":"exchange","hub":true}]`},
			after: caseAudit("trace.case.label", 1)},
		{name: "label: bad checksum", configure: withCases, setup: openCases(1), method: "POST", path: path + "/1/labels", headers: jsonHeaders("analyst"),
			body: `{"address":"` + strings.Replace(caseThief, "Fab", "fab", 1) + `","name":"x"}`, wantStatus: http.StatusBadRequest, wantField: "address", wantMsg: []string{"EIP-55"}, after: noCaseChange},
		{name: "label: no name", configure: withCases, setup: openCases(1), method: "POST", path: path + "/1/labels", headers: jsonHeaders("analyst"),
			body: `{"address":"` + caseHub + `"}`, wantStatus: http.StatusBadRequest, wantField: "name", after: noCaseChange},
		{name: "label: unknown case", configure: withCases, method: "POST", path: path + "/4/labels", headers: jsonHeaders("analyst"),
			body: `{"address":"` + caseHub + `","name":"x"}`, wantStatus: http.StatusNotFound},
		{name: "unlabel: none", configure: withCases, setup: openCases(1), method: "DELETE", path: path + "/1/labels/" + caseHub, headers: bearerFor("analyst"),
			wantStatus: http.StatusNotFound, wantMsg: []string{"case 1 has no label for"}, after: noCaseChange},

		{name: "note", configure: withCases, setup: openCases(1), method: "POST", path: path + "/1/notes", headers: jsonHeaders("analyst"),
			body:       `{"address":"` + caseHub + `","text":" split here <b>x</b> "}`,
			wantStatus: http.StatusOK, wantBody: []string{`"notes":[{"address":"` + common.HexToAddress(caseHub).Hex() + `","author":"token:{analyst.id}","at":"`, `"text":"split here \u003cb\u003ex\u003c/b\u003e"}]`},
			after: caseAudit("trace.case.note", 1)},
		{name: "note: on the case", configure: withCases, setup: openCases(1), method: "POST", path: path + "/1/notes", headers: jsonHeaders("analyst"),
			body: `{"text":"handed to the exchange"}`, wantStatus: http.StatusOK, wantBody: []string{`"notes":[{"author":"token:{analyst.id}","at":"`, `"text":"handed to the exchange"}]`},
			after: caseAudit("trace.case.note", 1)},
		{name: "note: no text", configure: withCases, setup: openCases(1), method: "POST", path: path + "/1/notes", headers: jsonHeaders("analyst"),
			body: `{"address":"` + caseHub + `"}`, wantStatus: http.StatusBadRequest, wantCode: bulwark.EINVALID, wantField: "text", after: noCaseChange},
		{name: "note: bad address", configure: withCases, setup: openCases(1), method: "POST", path: path + "/1/notes", headers: jsonHeaders("analyst"),
			body: `{"address":"0x12","text":"x"}`, wantStatus: http.StatusBadRequest, wantField: "address", after: noCaseChange},
		{name: "note: closed", configure: withCases, setup: setups(openCases(1), closeCase(1)), method: "POST", path: path + "/1/notes", headers: jsonHeaders("analyst"),
			body: `{"text":"x"}`, wantStatus: http.StatusConflict, wantCode: bulwark.ECONFLICT, after: noCaseChange},
		{name: "note: viewer may not", configure: withCases, setup: openCases(1), method: "POST", path: path + "/1/notes", headers: jsonHeaders("viewer"),
			body: `{"text":"x"}`, wantStatus: http.StatusForbidden, after: noCaseChange},

		{name: "close", configure: withCases, setup: openCases(1), method: "POST", path: path + "/1/close", headers: bearerFor("analyst"),
			wantStatus: http.StatusOK, wantBody: []string{`"status":"closed"`, `"closedBy":"token:{analyst.id}"`}, after: caseAudit("trace.case.close", 1)},
		{name: "close: twice", configure: withCases, setup: setups(openCases(1), closeCase(1)), method: "POST", path: path + "/1/close", headers: bearerFor("analyst"),
			wantStatus: http.StatusConflict, wantMsg: []string{"case 1 is already closed"}, after: noCaseChange},
		{name: "close: viewer may not", configure: withCases, setup: openCases(1), method: "POST", path: path + "/1/close", headers: bearerFor("viewer"),
			wantStatus: http.StatusForbidden, after: noCaseChange},
		{name: "reopen", configure: withCases, setup: setups(openCases(1), closeCase(1)), method: "POST", path: path + "/1/reopen", headers: bearerFor("analyst"),
			wantStatus: http.StatusOK, wantBody: []string{`"status":"open"`}, notBody: []string{`"closedAt"`}, after: caseAudit("trace.case.reopen", 1)},
	})
}

func runCase(id int64) func(*testing.T, *env) {
	return func(t *testing.T, e *env) {
		t.Helper()
		if _, _, err := e.srv.cfg.TraceCases.Run(context.Background(), "test", id); err != nil {
			t.Fatal(err)
		}
	}
}
