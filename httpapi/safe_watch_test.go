package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
)

const (
	watchA = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
	watchB = "0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1"
)

func addWatches(addrs ...string) func(*testing.T, *env) {
	return func(t *testing.T, e *env) {
		for _, a := range addrs {
			if _, err := e.db.AddWatch(context.Background(), common.HexToAddress(a), "test"); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func saveAlerts(t *testing.T, e *env) {
	for i, a := range []string{watchA, watchB, watchA, ""} {
		al := watch.Alert{Block: uint64(100 + i), Safe: a, Code: policy.CodeGuardChange, Severity: policy.SeverityHigh, Message: "guard changed"}
		if a == "" {
			al.Code = watch.CodeNodeUnreachable
		}
		if _, err := e.db.SaveAlert(context.Background(), al); err != nil {
			t.Fatal(err)
		}
	}
}

// watchAudit checks the audit entry of a watch-list change.
func watchAudit(action, addr string) func(*testing.T, *env, *httptest.ResponseRecorder) {
	return changeAudited(action, "safe:"+addr, "requestId")
}

// noWatchAudit checks that a refused request left no watch-list audit
// entry.
var noWatchAudit = noAuditWith("safe.watch.")

// changeAudited checks the audit entry of the change a response answered:
// its action, target, the analyst as actor, the response's auditSeq, and
// details holding detail.
func changeAudited(action, target, detail string) func(*testing.T, *env, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
		t.Helper()
		var out struct{ AuditSeq int64 }
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		for _, en := range e.auditEntries() {
			if en.Action == action {
				if en.Seq != out.AuditSeq || en.Target != target || en.Actor != "token:"+e.ids["analyst"] || !strings.Contains(string(en.Details), detail) {
					t.Errorf("audit entry %+v %s (response auditSeq %d)", en, en.Details, out.AuditSeq)
				}
				return
			}
		}
		t.Errorf("no %s audit entry", action)
	}
}

// noAuditWith checks that no audit entry's action starts with prefix
// (after a refused request).
func noAuditWith(prefix string) func(*testing.T, *env, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
		t.Helper()
		for _, en := range e.auditEntries() {
			if strings.HasPrefix(en.Action, prefix) {
				t.Errorf("audit entry for a refused request: %+v", en)
			}
		}
	}
}

func watchesAre(addrs ...string) func(*testing.T, *env, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
		t.Helper()
		ws, err := e.db.Watches(context.Background())
		if err != nil || len(ws) != len(addrs) {
			t.Fatalf("watches %+v, %v; want %v", ws, err, addrs)
		}
		for i, w := range ws {
			if w.Safe.Hex() != addrs[i] {
				t.Errorf("watches %+v; want %v", ws, addrs)
			}
		}
	}
}

func both(fs ...func(*testing.T, *env, *httptest.ResponseRecorder)) func(*testing.T, *env, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
		t.Helper()
		for _, f := range fs {
			f(t, e, rec)
		}
	}
}

func TestSafeWatchAPI(t *testing.T) {
	t.Parallel()
	const path = "/api/v1/safe/watches"
	noStores := func(c *Config) { c.SafeWatches, c.SafeAlerts = nil, nil }
	runScenarios(t, []scenario{
		{name: "add", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"safe":"` + strings.ToLower(watchA) + `"}`,
			wantStatus: http.StatusCreated, wantBody: []string{`"safe":"` + watchA + `"`, `"auditSeq"`, `"addedBy":"token:`},
			after: both(watchAudit("safe.watch.add", watchA), watchesAre(watchA))},
		{name: "add twice", setup: addWatches(watchA), method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"safe":"` + watchA + `"}`,
			wantStatus: http.StatusConflict, wantCode: "conflict", after: both(noWatchAudit, watchesAre(watchA))},
		{name: "bad checksum", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"safe":"0x1db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"}`,
			wantStatus: http.StatusBadRequest, wantField: "safe", after: noWatchAudit},
		{name: "missing safe", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{}`,
			wantStatus: http.StatusBadRequest, wantField: "safe", after: noWatchAudit},
		{name: "unknown key", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"safe":"` + watchA + `","rpc":"x"}`,
			wantStatus: http.StatusBadRequest, after: noWatchAudit},
		{name: "viewer may not add", method: "POST", path: path, headers: jsonHeaders("viewer"), body: `{"safe":"` + watchA + `"}`,
			wantStatus: http.StatusForbidden, wantCode: "forbidden", after: noWatchAudit},
		{name: "no token", method: "POST", path: path, headers: map[string]string{"Content-Type": "application/json"}, body: `{"safe":"` + watchA + `"}`,
			wantStatus: http.StatusUnauthorized, after: noWatchAudit},
		{name: "list", setup: addWatches(watchB, watchA), method: "GET", path: path, headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`"watches":[{"safe":"` + watchB + `"`, `{"safe":"` + watchA + `"`}},
		{name: "list empty", method: "GET", path: path, headers: bearerFor("viewer"), wantStatus: http.StatusOK, wantBody: []string{`"watches":[]`}},
		{name: "remove", setup: addWatches(watchA, watchB), method: "DELETE", path: path + "/" + watchA, headers: bearerFor("analyst"),
			wantStatus: http.StatusOK, wantBody: []string{`"safe":"` + watchA + `"`, `"auditSeq"`},
			after: both(watchAudit("safe.watch.remove", watchA), watchesAre(watchB))},
		{name: "remove unknown", method: "DELETE", path: path + "/" + watchA, headers: bearerFor("analyst"),
			wantStatus: http.StatusNotFound, wantCode: "not_found", after: noWatchAudit},
		{name: "remove bad address", method: "DELETE", path: path + "/0x12", headers: bearerFor("analyst"),
			wantStatus: http.StatusBadRequest, wantField: "safe", after: noWatchAudit},
		{name: "viewer may not remove", setup: addWatches(watchA), method: "DELETE", path: path + "/" + watchA, headers: bearerFor("viewer"),
			wantStatus: http.StatusForbidden, after: both(noWatchAudit, watchesAre(watchA))},
		{name: "not configured", configure: noStores, method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"safe":"` + watchA + `"}`,
			wantStatus: http.StatusServiceUnavailable, wantCode: "unavailable", after: noWatchAudit},
		{name: "list not configured", configure: noStores, method: "GET", path: path, headers: bearerFor("viewer"),
			wantStatus: http.StatusServiceUnavailable},
	})
}

func TestSafeWatchAPINotifiesMonitor(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	e := newEnv(t, func(c *Config) { c.SafeWatchesChanged = func() { n.Add(1) } })
	for _, tc := range []struct {
		method, path, body string
		status             int
		calls              int32
	}{
		{"POST", "/api/v1/safe/watches", `{"safe":"` + watchA + `"}`, http.StatusCreated, 1},
		{"POST", "/api/v1/safe/watches", `{"safe":"` + watchA + `"}`, http.StatusConflict, 1}, // nothing changed
		{"DELETE", "/api/v1/safe/watches/" + watchA, "", http.StatusOK, 2},
	} {
		h := bearerFor("analyst")
		if tc.body != "" {
			h = jsonHeaders("analyst")
		}
		rec := e.do(tc.method, tc.path, h, tc.body)
		if rec.Code != tc.status || n.Load() != tc.calls {
			t.Errorf("%s %s: status %d, calls %d; want %d, %d", tc.method, tc.path, rec.Code, n.Load(), tc.status, tc.calls)
		}
	}
}

func TestSafeAlertsAPI(t *testing.T) {
	t.Parallel()
	const path = "/api/v1/safe/alerts"
	ids := func(want ...int64) func(*testing.T, *env, *httptest.ResponseRecorder) {
		return func(t *testing.T, _ *env, rec *httptest.ResponseRecorder) {
			t.Helper()
			var page struct {
				Alerts []watch.StoredAlert
				Next   *int64
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, a := range page.Alerts {
				got = append(got, a.ID)
			}
			if len(got) != len(want) {
				t.Fatalf("ids %v, want %v", got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("ids %v, want %v", got, want)
				}
			}
		}
	}
	runScenarios(t, []scenario{
		{name: "all", setup: saveAlerts, method: "GET", path: path, headers: bearerFor("viewer"), wantStatus: http.StatusOK,
			wantBody: []string{`"code":"GUARD_CHANGE"`, `"delivery":{"attempts":0}`}, notBody: []string{`"next"`}, after: ids(1, 2, 3, 4)},
		{name: "since", setup: saveAlerts, method: "GET", path: path + "?since=2", headers: bearerFor("viewer"), wantStatus: http.StatusOK, after: ids(3, 4)},
		{name: "safe any case", setup: saveAlerts, method: "GET", path: path + "?safe=" + strings.ToLower(watchA), headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, after: ids(1, 3)},
		{name: "limit pages", setup: saveAlerts, method: "GET", path: path + "?limit=2", headers: bearerFor("viewer"), wantStatus: http.StatusOK,
			wantBody: []string{`"next":2`}, after: ids(1, 2)},
		{name: "empty", method: "GET", path: path, headers: bearerFor("viewer"), wantStatus: http.StatusOK, wantBody: []string{`"alerts":[]`}},
		{name: "bad limit", method: "GET", path: path + "?limit=0", headers: bearerFor("viewer"), wantStatus: http.StatusBadRequest, wantField: "limit"},
		{name: "bad since", method: "GET", path: path + "?since=x", headers: bearerFor("viewer"), wantStatus: http.StatusBadRequest, wantField: "since"},
		{name: "bad safe", method: "GET", path: path + "?safe=0x12", headers: bearerFor("viewer"), wantStatus: http.StatusBadRequest, wantField: "safe"},
		{name: "unknown parameter", method: "GET", path: path + "?after=1", headers: bearerFor("viewer"), wantStatus: http.StatusBadRequest},
		{name: "no token", method: "GET", path: path, wantStatus: http.StatusUnauthorized},
		{name: "not configured", configure: func(c *Config) { c.SafeAlerts = nil }, method: "GET", path: path, headers: bearerFor("viewer"),
			wantStatus: http.StatusServiceUnavailable},
	})
}

func TestPendingAlertsAPI(t *testing.T) {
	t.Parallel()
	const path = "/api/v1/alerts/pending"
	delivered := func(t *testing.T, e *env) {
		saveAlerts(t, e)
		ms, err := e.db.Undelivered(context.Background(), outbox.Filter{Limit: 1})
		if err != nil || len(ms) != 1 {
			t.Fatalf("Undelivered = %v, %v", ms, err)
		}
		if _, err := e.db.MarkDelivered(context.Background(), ms[0].ID, 1, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.db.RecordFailure(context.Background(), ms[0].ID+1, 2, time.Now().Add(time.Minute), "POST https://hooks.example.com: HTTP 503"); err != nil {
			t.Fatal(err)
		}
	}
	runScenarios(t, []scenario{
		{name: "pending", setup: delivered, method: "GET", path: path, headers: bearerFor("viewer"), wantStatus: http.StatusOK,
			wantBody: []string{`"pending":3`, `"retrying":1`, `"alerts":[{"id":2,"kind":"safe.alert","ref":2,`, `"attempts":2,`,
				`"lastError":"POST https://hooks.example.com: HTTP 503"`, `{"id":4,"kind":"safe.alert","ref":4,`},
			notBody: []string{`"ref":1,`, `"next"`}},
		{name: "pages", setup: delivered, method: "GET", path: path + "?limit=1&since=2", headers: bearerFor("viewer"), wantStatus: http.StatusOK,
			wantBody: []string{`"alerts":[{"id":3,`, `"next":3`}},
		{name: "empty", method: "GET", path: path, headers: bearerFor("viewer"), wantStatus: http.StatusOK, wantBody: []string{`"pending":0`, `"alerts":[]`}},
		{name: "metrics", setup: delivered, method: "GET", path: "/metrics", headers: bearerFor("viewer"), wantStatus: http.StatusOK,
			wantBody: []string{"\nbulwark_alerts_undelivered 3\n", "\nbulwark_alerts_delivery_retrying 1\n", "\nbulwark_alerts_undelivered_oldest_seconds "}},
		{name: "metrics without an outbox", configure: func(c *Config) { c.Outbox = nil }, method: "GET", path: "/metrics", headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, notBody: []string{"bulwark_alerts_undelivered"}},
		{name: "bad limit", method: "GET", path: path + "?limit=5000", headers: bearerFor("viewer"), wantStatus: http.StatusBadRequest, wantField: "limit"},
		{name: "no token", method: "GET", path: path, wantStatus: http.StatusUnauthorized},
		{name: "not configured", configure: func(c *Config) { c.Outbox = nil }, method: "GET", path: path, headers: bearerFor("viewer"),
			wantStatus: http.StatusServiceUnavailable},
	})
}
