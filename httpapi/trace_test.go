package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/tracing"
)

const (
	depositA = "0x28C6c06298d514Db089934071355E5743bf21d60"
	depositB = "0x21a31Ee1afC51d94C2eFcCAa2092aD1028285549"
)

func addDeposits(addrs ...string) func(*testing.T, *env) {
	return func(t *testing.T, e *env) {
		for _, a := range addrs {
			if _, err := e.db.AddDeposit(context.Background(), tracing.Deposit{Address: common.HexToAddress(a), Label: "hot"}, "test"); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// depositAudit checks the audit entry of a deposit registry change.
func depositAudit(action, addr string) func(*testing.T, *env, *httptest.ResponseRecorder) {
	return changeAudited(action, "deposit:"+addr, `"address":"`+addr)
}

// noDepositAudit checks that a refused request left no deposit registry
// audit entry.
var noDepositAudit = noAuditWith("trace.deposit.")

func depositsAre(addrs ...string) func(*testing.T, *env, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
		t.Helper()
		ds, err := e.db.Deposits(context.Background())
		if err != nil || len(ds) != len(addrs) {
			t.Fatalf("deposits %+v, %v; want %v", ds, err, addrs)
		}
		for i, d := range ds {
			if d.Address.Hex() != addrs[i] {
				t.Errorf("deposits %+v; want %v", ds, addrs)
			}
		}
	}
}

func TestTraceDepositAPI(t *testing.T) {
	t.Parallel()
	const path = "/api/v1/trace/deposits"
	noStores := func(c *Config) { c.TraceDeposits, c.TraceAlerts = nil, nil }
	runScenarios(t, []scenario{
		{name: "add", method: "POST", path: path, headers: jsonHeaders("analyst"),
			body:       `{"address":"` + strings.ToLower(depositA) + `","label":"Binance 14","thresholds":{"native:1":"1000000000000000000"}}`,
			wantStatus: http.StatusCreated, wantBody: []string{`"address":"` + depositA + `"`, `"label":"Binance 14"`, `"thresholds":{"native:1":"1000000000000000000"}`, `"auditSeq"`, `"addedBy":"token:`},
			after: both(depositAudit("trace.deposit.add", depositA), depositsAre(depositA))},
		{name: "add twice", setup: addDeposits(depositA), method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"address":"` + depositA + `"}`,
			wantStatus: http.StatusConflict, wantCode: "conflict", after: both(noDepositAudit, depositsAre(depositA))},
		{name: "bad threshold asset", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"address":"` + depositA + `","thresholds":{"eth":"1"}}`,
			wantStatus: http.StatusBadRequest, wantField: "thresholds", after: noDepositAudit},
		{name: "bad threshold amount", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"address":"` + depositA + `","thresholds":{"native:1":"1.5"}}`,
			wantStatus: http.StatusBadRequest, wantField: "thresholds", after: noDepositAudit},
		{name: "label with newline", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"address":"` + depositA + `","label":"a\nb"}`,
			wantStatus: http.StatusBadRequest, wantField: "label", after: noDepositAudit},
		{name: "missing address", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{}`,
			wantStatus: http.StatusBadRequest, wantField: "address", after: noDepositAudit},
		{name: "bad checksum", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"address":"0x28c6c06298d514Db089934071355E5743bf21d60"}`,
			wantStatus: http.StatusBadRequest, wantField: "address", after: noDepositAudit},
		{name: "viewer may not add", method: "POST", path: path, headers: jsonHeaders("viewer"), body: `{"address":"` + depositA + `"}`,
			wantStatus: http.StatusForbidden, wantCode: "forbidden", after: noDepositAudit},
		{name: "list", setup: addDeposits(depositB, depositA), method: "GET", path: path, headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`"deposits":[{"address":"` + depositB + `"`, `{"address":"` + depositA + `"`}},
		{name: "list empty", method: "GET", path: path, headers: bearerFor("viewer"), wantStatus: http.StatusOK, wantBody: []string{`"deposits":[]`}},
		{name: "remove", setup: addDeposits(depositA, depositB), method: "DELETE", path: path + "/" + depositA, headers: bearerFor("analyst"),
			wantStatus: http.StatusOK, wantBody: []string{`"address":"` + depositA + `"`, `"auditSeq"`},
			after: both(depositAudit("trace.deposit.remove", depositA), depositsAre(depositB))},
		{name: "remove unknown", method: "DELETE", path: path + "/" + depositA, headers: bearerFor("analyst"),
			wantStatus: http.StatusNotFound, wantCode: "not_found", after: noDepositAudit},
		{name: "viewer may not remove", setup: addDeposits(depositA), method: "DELETE", path: path + "/" + depositA, headers: bearerFor("viewer"),
			wantStatus: http.StatusForbidden, after: both(noDepositAudit, depositsAre(depositA))},
		{name: "not configured", configure: noStores, method: "GET", path: path, headers: bearerFor("viewer"),
			wantStatus: http.StatusServiceUnavailable, wantCode: "unavailable"},
	})
}

func TestTraceAlertsAPI(t *testing.T) {
	t.Parallel()
	save := func(t *testing.T, e *env) {
		for i, d := range []string{depositA, depositB, depositA} {
			a := tracing.StoredAlert{Code: tracing.CodeDeposit, Severity: tracing.SeverityCritical, Follow: "watch", Message: "tainted deposit",
				Alert: tracing.Alert{Deposit: common.HexToAddress(d), TxHash: common.Hash{byte(i + 1)}, Block: uint64(10 + i), Asset: "native:1",
					Amount: "5", Taint: "5", Threshold: "0", Policy: tracing.Poison, Chain: 1, BlockHash: common.Hash{0xbb, byte(i)}}}
			if _, _, err := e.db.SaveTraceAlert(context.Background(), a); err != nil {
				t.Fatal(err)
			}
		}
	}
	const path = "/api/v1/trace/alerts"
	runScenarios(t, []scenario{
		{name: "all", setup: save, method: "GET", path: path, headers: bearerFor("viewer"), wantStatus: http.StatusOK,
			wantBody: []string{`"id":1`, `"id":3`, `"code":"TRACE_DEPOSIT"`, `"block":10`, `"follow":"watch"`, `"delivery":{"attempts":0}`}},
		{name: "by deposit, paged", setup: save, method: "GET", path: path + "?deposit=" + depositA + "&limit=1", headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`"id":1`, `"next":1`}},
		{name: "bad deposit", method: "GET", path: path + "?deposit=0x12", headers: bearerFor("viewer"), wantStatus: http.StatusBadRequest, wantField: "deposit"},
		{name: "unknown param", method: "GET", path: path + "?safe=x", headers: bearerFor("viewer"), wantStatus: http.StatusBadRequest},
	})
}
