package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/hiring/vetting"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// withHiring configures the hire routes on the env's store, as serve does
// (without the screening service: names are not screened), with an index
// of the stored people.
func withHiring(c *Config) {
	cfg := vetting.Config{Store: c.Audit.Store.(*sqlite.DB), Audit: c.Audit, Index: hiring.NewScreenIndex()}
	c.Hiring = cfg.Service
}

// hireExample is the contents of an example file of docs/hiring.md,
// encoded as a JSON string.
func hireExample(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "hire", name))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := json.Marshal(string(b))
	return string(s)
}

// hireExampleBody is the body screening the example files.
func hireExampleBody(t testing.TB) string {
	return `{"people":` + hireExample(t, "people.csv") + `,"logins":[` + hireExample(t, "signins.csv") + `],"inventory":` + hireExample(t, "inventory.csv") +
		`,"shipping":` + hireExample(t, "shipments.csv") + `,"payroll":` + hireExample(t, "payroll.csv") + `}`
}

// screenedExamples screens the example files as "test".
func screenedExamples(t *testing.T, e *env) {
	t.Helper()
	rec := e.do("POST", "/api/v1/hire/screen", jsonHeaders("analyst"), hireExampleBody(t))
	if rec.Code != http.StatusOK {
		t.Fatalf("screening the examples: %d %s", rec.Code, rec.Body)
	}
}

// hireAudit checks that the request was audited as action by the analyst
// and that no audit entry holds an identifier of the examples.
func hireAudit(action string) func(*testing.T, *env, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
		t.Helper()
		found := false
		for _, en := range e.auditEntries() {
			b, _ := json.Marshal(en)
			for _, id := range []string{"A-1001", "A-2002", "Kevin", "example.org", "4120 Ranch"} {
				if strings.Contains(string(b), id) {
					t.Errorf("audit entry %d holds %q: %s", en.Seq, id, b)
				}
			}
			found = found || en.Action == action && en.Actor == "token:"+e.ids["analyst"]
		}
		if !found {
			t.Errorf("no %s audit entry by the analyst", action)
		}
	}
}

// noHireChange checks that a refused request stored nobody and left no
// hire.* audit entry.
func noHireChange(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
	t.Helper()
	for _, en := range e.auditEntries() {
		if strings.HasPrefix(en.Action, "hire.") {
			t.Errorf("audit entry for a refused request: %+v", en)
		}
	}
	snap, err := e.db.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.People) != 0 {
		t.Errorf("%d people stored by a refused request", len(snap.People))
	}
}

func TestHireAPI(t *testing.T) {
	t.Parallel()
	const screen, link, people, runs = "/api/v1/hire/screen", "/api/v1/hire/link", "/api/v1/hire/people", "/api/v1/hire/runs"
	body := hireExampleBody(t)
	records := `{"people":[{"id":"R-1","full_name":"Ana Lima","phones":["+1 312 555 0101"]},{"id":"R-2","full_name":"Ben Okafor","phones":"+1 (312) 555-0101"}]}`
	// An Okta sign-in and an event of another type, as a JSON string.
	oktaSkipped := `{\"eventType\":\"user.session.start\",\"published\":\"2026-03-02T09:07:13Z\",\"actor\":{\"alternateId\":\"dave@example.com\"},\"client\":{\"ipAddress\":\"198.51.100.7\"},\"outcome\":{\"result\":\"SUCCESS\"}}\n` +
		`{\"eventType\":\"user.account.lock\",\"published\":\"2026-03-02T09:08:13Z\",\"actor\":{\"alternateId\":\"dave@example.com\"},\"client\":{\"ipAddress\":\"198.51.100.7\"},\"outcome\":{\"result\":\"SUCCESS\"}}\n`
	zoneless := `user,time,ip,user_agent,mfa_device,country,asn,success\nana@example.com,2026-03-01 10:00:00,192.0.2.1,,,US,,true\n`
	runScenarios(t, []scenario{
		{name: "screen", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("analyst"), body: body,
			wantStatus: http.StatusOK, wantBody: []string{`"id":"A-1001","verdict":"clear","score":0,"flags":[]`, `"id":"A-2001","verdict":"block"`,
				`"rule":"SHARED_SHIPPING_ADDRESS"`, `"clusters":[{"ids":["A-2002","A-2003"],"reasons":[`, `"run":{"id":1,"kind":"screen"`},
			after: hireAudit("hire.screen")},
		{name: "screen: records", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("analyst"), body: records,
			wantStatus: http.StatusOK, wantBody: []string{`"id":"R-1","verdict":"review"`, `"rule":"SHARED_IDENTIFIER"`, `"ids":["R-1","R-2"]`}},
		{name: "screen: applicant against the stored people", configure: withHiring, setup: screenedExamples, method: "POST", path: screen,
			headers: jsonHeaders("analyst"), body: `{"people":[{"id":"N-1","full_name":"Nia Lowe","emails":["kevin.brooks.eng@example.org"]}]}`,
			// Screened through the index: the applicant, A-2002 and its
			// cluster mate A-2003, not every person of the examples.
			wantStatus: http.StatusOK, wantBody: []string{`"id":"N-1","verdict":"review"`, `"rule":"SHARED_IDENTIFIER"`, `"kind":"screen"`, `"verdicts":{"review":1}`, `"people":3,`}},
		{name: "screen: rejected identifier", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("analyst"),
			body:       `{"people":[{"id":"X-1","full_name":"Ana Lima","emails":["not-an-email"]}]}`,
			wantStatus: http.StatusOK, wantBody: []string{`"rejected":[{"id":"X-1","kind":"email","value":"not-an-email","reason":`}},
		{name: "screen: notices", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("analyst"),
			body:       `{"people":"Candidate ID,Phone 2\nP-1,+13125550100\n","mapping":{"columns":{"Candidate ID":"id"},"ignore_unknown":true},"logins":["` + oktaSkipped + `"]}`,
			wantStatus: http.StatusOK, wantBody: []string{`"notices":["people: the mapping's ignore_unknown left a column unread: \"Phone 2\"`,
				`"logins[0]: 1 event of types other than sign-ins`}, notBody: []string{"5550100", "dave@", "198.51.100.7"}},
		// With a screener: without one the run says the names went unscreened.
		{name: "screen: no notices", configure: withHiringScreening, method: "POST", path: screen, headers: jsonHeaders("analyst"), body: records,
			wantStatus: http.StatusOK, wantBody: []string{`"notices":[]`}},
		{name: "screen: id ..", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("analyst"), body: `{"people":[{"id":"..","full_name":"Dot Dot"}]}`,
			wantStatus: http.StatusBadRequest, wantCode: bulwark.EINVALID, wantMsg: []string{`line 1: id: an id of ".." cannot name the person in a URL`}, after: noHireChange},
		{name: "screen: control character", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("analyst"),
			body:       `{"people":[{"id":"C1","full_name":"Ann\u001b[2J"}]}`,
			wantStatus: http.StatusBadRequest, wantCode: bulwark.EINVALID, wantMsg: []string{"full_name: a control character (U+001B) at character 4"}, after: noHireChange},
		{name: "screen: unknown parameter", configure: withHiring, method: "POST", path: screen + "?dry=1", headers: jsonHeaders("analyst"), body: records,
			wantStatus: http.StatusBadRequest, wantCode: bulwark.EINVALID, after: noHireChange},
		{name: "screen: viewer may not", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("viewer"), body: body,
			wantStatus: http.StatusForbidden, wantCode: bulwark.EFORBIDDEN, after: noHireChange},
		{name: "screen: no token", configure: withHiring, method: "POST", path: screen, headers: map[string]string{"Content-Type": "application/json"}, body: body,
			wantStatus: http.StatusUnauthorized},
		{name: "screen: not configured", method: "POST", path: screen, headers: jsonHeaders("analyst"), body: body,
			wantStatus: http.StatusServiceUnavailable, wantCode: bulwark.EUNAVAILABLE},
		{name: "screen: no people", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("analyst"), body: `{"logins":[]}`,
			wantStatus: http.StatusBadRequest, wantField: "people", wantMsg: []string{"people: required"}, after: noHireChange},
		{name: "screen: column count", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("analyst"),
			body:       `{"people":"id,full_name\nA-1,Ana Lima\nA-2,Ben,extra\n"}`,
			wantStatus: http.StatusBadRequest, wantField: "people", wantMsg: []string{"people: line 3"}, after: noHireChange},
		{name: "screen: duplicated id", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("analyst"),
			body:       `{"people":[{"id":"A-1","full_name":"Ana"},{"id":"A-1","full_name":"Ben"}]}`,
			wantStatus: http.StatusBadRequest, wantField: "people", wantMsg: []string{"line 2"}, after: noHireChange},
		{name: "screen: bad birth date", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("analyst"),
			body:       `{"people":[{"id":"A-1","full_name":"Ana","date_of_birth":"31/31/1990"}]}`,
			wantStatus: http.StatusBadRequest, wantField: "people", wantMsg: []string{"people: line 1", "date_of_birth"}, after: noHireChange},
		{name: "screen: zoneless sign-in", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("analyst"),
			body:       `{"people":[{"id":"A-1","emails":["ana@example.com"]}],"logins":["` + zoneless + `"]}`,
			wantStatus: http.StatusBadRequest, wantField: "logins", wantMsg: []string{"logins[0]: line 2"}, after: noHireChange},
		{name: "screen: bad element", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("analyst"),
			body:       `{"people":[{"id":"A-1"}],"inventory":[42]}`,
			wantStatus: http.StatusBadRequest, wantField: "inventory[0]", after: noHireChange},
		{name: "screen: bad field type", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("analyst"),
			body:       `{"people":[{"id":"A-1"}],"payroll":7}`,
			wantStatus: http.StatusBadRequest, wantField: "payroll", after: noHireChange},
		{name: "screen: unknown member", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("analyst"),
			body:       `{"people":[{"id":"A-1"}],"sign_ins":[]}`,
			wantStatus: http.StatusBadRequest, wantCode: bulwark.EINVALID, after: noHireChange},
		{name: "screen: bad mapping", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("analyst"),
			body:       `{"people":"Given\nAna\n","mapping":{"columns":{"Given":"nope"}}}`,
			wantStatus: http.StatusBadRequest, wantField: "mapping", wantMsg: []string{"nope"}, after: noHireChange},
		{name: "screen: mapping", configure: withHiring, method: "POST", path: screen, headers: jsonHeaders("analyst"),
			body:       `{"people":"Candidate,Given,Family\n7,Ana,Lima\n","mapping":{"columns":{"Candidate":"id"},"full_name":["Given","Family"]}}`,
			wantStatus: http.StatusOK, wantBody: []string{`"id":"7","verdict":"clear"`}},
		{name: "screen: body too large", configure: func(c *Config) { withHiring(c); c.HireMaxBodyBytes = 1024 }, method: "POST", path: screen,
			headers: jsonHeaders("analyst"), body: body,
			wantStatus: http.StatusRequestEntityTooLarge, wantCode: bulwark.ETOOLARGE, after: noHireChange},

		{name: "link", configure: withHiring, method: "POST", path: link, headers: jsonHeaders("analyst"), body: `{"people":` + hireExample(t, "people.csv") + `}`,
			wantStatus: http.StatusOK, wantBody: []string{`"clusters":[{"ids":["A-2002","A-2003"],"reasons":["A-2002 and A-2003 share a phone number ending 0177"],"links":[{"kind":"phone","ids":["A-2002","A-2003"],"value":"****0177"`}, notBody: []string{"5550177", "+1 512"},
			after: func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
				hireAudit("hire.link")(t, e, rec)
				if snap, _ := e.db.Snapshot(context.Background()); len(snap.People) != 0 {
					t.Errorf("link stored %d people", len(snap.People))
				}
			}},
		{name: "link: notices", configure: withHiring, method: "POST", path: link, headers: jsonHeaders("analyst"),
			body:       `{"people":"Candidate ID,Phone 2\nP-1,+13125550100\n","mapping":{"columns":{"Candidate ID":"id"},"ignore_unknown":true}}`,
			wantStatus: http.StatusOK, wantBody: []string{`"notices":["people: the mapping's ignore_unknown left a column unread`}, notBody: []string{"5550100"}},
		{name: "link: evidence refused", configure: withHiring, method: "POST", path: link, headers: jsonHeaders("analyst"),
			body: `{"people":[{"id":"A-1"}],"logins":[]}`, wantStatus: http.StatusBadRequest, wantField: "logins", after: noHireChange},
		{name: "link: viewer may not", configure: withHiring, method: "POST", path: link, headers: jsonHeaders("viewer"), body: `{"people":[{"id":"A-1"}]}`,
			wantStatus: http.StatusForbidden},

		{name: "get", configure: withHiring, setup: screenedExamples, method: "GET", path: people + "/A-2001", headers: bearerFor("analyst"),
			wantStatus: http.StatusOK, wantBody: []string{`"id":"A-2001"`, `"evidence":`, `"assessment":{"id":"A-2001","verdict":"block"`, `"runId":1`}},
		{name: "get: unknown", configure: withHiring, method: "GET", path: people + "/Z-9", headers: bearerFor("analyst"),
			wantStatus: http.StatusNotFound, wantCode: bulwark.ENOTFOUND},
		{name: "get: viewer may not", configure: withHiring, setup: screenedExamples, method: "GET", path: people + "/A-2001", headers: bearerFor("viewer"),
			wantStatus: http.StatusForbidden},
		{name: "list", configure: withHiring, setup: screenedExamples, method: "GET", path: people + "?verdict=block&limit=2", headers: bearerFor("analyst"),
			wantStatus: http.StatusOK, wantBody: []string{`"people":[{"id":"A-2001",`, `"verdict":"block","score":`, `"rules":["`, `"runId":1`, `{"id":"A-2002"`, `"next":"`},
			notBody: []string{`"A-1001"`, `"A-2003"`},
			after: func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
				var page struct{ Next string }
				if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
					t.Fatal(err)
				}
				r := e.do("GET", people+"?verdict=block&limit=2&cursor="+page.Next, bearerFor("analyst"), "")
				if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `"people":[{"id":"A-2003"`) || !strings.Contains(r.Body.String(), `"next":null`) {
					t.Errorf("the next page: %d %s", r.Code, r.Body)
				}
			}},
		{name: "list: everyone", configure: withHiring, setup: screenedExamples, method: "GET", path: people, headers: bearerFor("analyst"),
			wantStatus: http.StatusOK, wantBody: []string{`"people":[{"id":"A-1001"`, `"verdict":"clear","score":0,"rules":[]`, `"next":null`}},
		{name: "list: bad cursor", configure: withHiring, method: "GET", path: people + "?cursor=bogus!", headers: bearerFor("analyst"),
			wantStatus: http.StatusBadRequest, wantField: "cursor"},
		{name: "list: offset is gone", configure: withHiring, method: "GET", path: people + "?offset=2", headers: bearerFor("analyst"),
			wantStatus: http.StatusBadRequest, wantCode: bulwark.EINVALID},
		{name: "list: bad limit", configure: withHiring, method: "GET", path: people + "?limit=1001", headers: bearerFor("analyst"),
			wantStatus: http.StatusBadRequest, wantField: "limit"},
		{name: "list: viewer may not", configure: withHiring, method: "GET", path: people, headers: bearerFor("viewer"),
			wantStatus: http.StatusForbidden},

		{name: "runs", configure: withHiring, setup: screenedExamples, method: "GET", path: runs, headers: bearerFor("analyst"),
			wantStatus: http.StatusOK, wantBody: []string{`"runs":[{"id":1,"kind":"screen"`, `"verdicts":{"block":3,"clear":2}`, `"next":null`}},
		{name: "runs: by kind", configure: withHiring, setup: screenedExamples, method: "GET", path: runs + "?kind=link", headers: bearerFor("analyst"),
			wantStatus: http.StatusOK, wantBody: []string{`{"runs":[],"next":null}`}},
		{name: "runs: paged", configure: withHiring, setup: func(t *testing.T, e *env) { screenedExamples(t, e); screenedExamples(t, e) },
			method: "GET", path: runs + "?limit=1", headers: bearerFor("analyst"),
			wantStatus: http.StatusOK, wantBody: []string{`"runs":[{"id":2,`, `"next":2`}, notBody: []string{`"id":1,`}},
		{name: "runs: bad kind", configure: withHiring, method: "GET", path: runs + "?kind=purge", headers: bearerFor("analyst"),
			wantStatus: http.StatusBadRequest, wantField: "kind"},
		{name: "runs: bad before", configure: withHiring, method: "GET", path: runs + "?before=0", headers: bearerFor("analyst"),
			wantStatus: http.StatusBadRequest, wantField: "before"},
		{name: "runs: viewer may not", configure: withHiring, method: "GET", path: runs, headers: bearerFor("viewer"),
			wantStatus: http.StatusForbidden},
		{name: "run", configure: withHiring, setup: screenedExamples, method: "GET", path: runs + "/1", headers: bearerFor("analyst"),
			wantStatus: http.StatusOK, wantBody: []string{`{"id":1,"kind":"screen"`, `"imported":5`, `"auditSeq":`}},
		{name: "run: unknown", configure: withHiring, method: "GET", path: runs + "/9", headers: bearerFor("analyst"),
			wantStatus: http.StatusNotFound, wantCode: bulwark.ENOTFOUND},
		{name: "run: not an id", configure: withHiring, method: "GET", path: runs + "/x", headers: bearerFor("analyst"),
			wantStatus: http.StatusBadRequest, wantField: "id"},
		{name: "list: bad verdict", configure: withHiring, method: "GET", path: people + "?verdict=maybe", headers: bearerFor("analyst"),
			wantStatus: http.StatusBadRequest, wantField: "verdict"},
		{name: "list: empty", configure: withHiring, method: "GET", path: people, headers: bearerFor("analyst"),
			wantStatus: http.StatusOK, wantBody: []string{`{"people":[],"next":null}`}},

		{name: "forget", configure: withHiring, setup: screenedExamples, method: "DELETE", path: people + "/A-2002", headers: bearerFor("analyst"),
			wantStatus: http.StatusOK, wantBody: []string{`"fingerprint":"`, `"assessment":true`, `"auditSeq":`}, notBody: []string{"A-2002"},
			after: func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
				hireAudit("hire.forget")(t, e, rec)
				if r := e.do("GET", people+"/A-2002", bearerFor("analyst"), ""); r.Code != http.StatusNotFound {
					t.Errorf("a forgotten person is still there: %d %s", r.Code, r.Body)
				}
				if r := e.do("GET", "/api/v1/audit/verify", bearerFor("admin"), ""); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `"intact":true`) {
					t.Errorf("audit verify after forget: %d %s", r.Code, r.Body)
				}
			}},
		{name: "forget: unknown", configure: withHiring, method: "DELETE", path: people + "/Z-9", headers: bearerFor("analyst"),
			wantStatus: http.StatusNotFound, wantCode: bulwark.ENOTFOUND, notBody: []string{"Z-9"}},
		{name: "forget: viewer may not", configure: withHiring, setup: screenedExamples, method: "DELETE", path: people + "/A-2002", headers: bearerFor("viewer"),
			wantStatus: http.StatusForbidden},

		{name: "recheck: nobody", configure: withHiring, method: "POST", path: "/api/v1/hire/recheck", headers: bearerFor("analyst"),
			wantStatus: http.StatusOK, wantBody: []string{`{"people":[],"clusters":[],"notices":[]}`}},
		{name: "recheck", configure: withHiring, setup: screenedExamples, method: "POST", path: "/api/v1/hire/recheck", headers: bearerFor("analyst"),
			wantStatus: http.StatusOK, wantBody: []string{`"id":"A-2001","verdict":"block"`, `"kind":"recheck"`}, after: hireAudit("hire.recheck")},
	})
}
