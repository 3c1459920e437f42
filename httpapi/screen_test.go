package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/reqtable"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

const (
	listedETH = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"
	seizedTRX = "TWB9xgNG9nmJuwW4etsQEb9RRnrnVnoNnJ"
)

// testLists are two small lists: a sanctions list and a seizure list.
func testLists() []*screening.List {
	pub := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return []*screening.List{
		{Info: screening.ListInfo{ID: "ofac-sdn", SHA256: strings.Repeat("a", 64), Published: pub}, Entities: []screening.Entity{
			{ID: "ofac-sdn:27307", List: "ofac-sdn", Type: screening.TypeOrganization, Category: screening.CategorySanctions, Confidence: screening.ConfidenceHigh,
				Name: "LAZARUS GROUP", Programs: []string{"DPRK3"}, Addresses: []screening.ListedAddress{{Currency: "ETH", Address: listedETH}}},
			{ID: "ofac-sdn:20157", List: "ofac-sdn", Type: screening.TypePerson, Category: screening.CategorySanctions, Confidence: screening.ConfidenceHigh,
				Name: "KIM, Jong Un", DatesOfBirth: []string{"1984-01-08"}},
		}},
		{Info: screening.ListInfo{ID: "il-nbctf", SHA256: strings.Repeat("b", 64), Published: pub}, Entities: []screening.Entity{
			{ID: "il-nbctf:18-26", List: "il-nbctf", Category: screening.CategorySeizure, Confidence: screening.ConfidenceHigh,
				Name: "Seizure order 18/26", Addresses: []screening.ListedAddress{{Currency: "USDT", Address: seizedTRX}}},
		}},
	}
}

// withScreening configures the screening service over testLists on the
// env's store, decisions stored synchronously (so a test sees them as soon
// as the answer arrives).
func withScreening(c *Config) {
	svc, err := screening.OpenService(context.Background(), screening.ServiceConfig{
		Store: c.ScreenStore, Audit: c.Audit,
		Defaults: func() ([]*screening.List, error) { return testLists(), nil },
	})
	if err != nil {
		panic(err)
	}
	c.Screening = svc
}

// screeningScenarios turns screening on in every scenario.
func screeningScenarios(scs []scenario) []scenario {
	for i := range scs {
		prev := scs[i].configure
		scs[i].configure = func(c *Config) {
			withScreening(c)
			if prev != nil {
				prev(c)
			}
		}
	}
	return scs
}

// decisionStored checks that the answer's decision is stored with an audit
// entry naming it.
func decisionStored(verdict string) func(*testing.T, *env, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
		t.Helper()
		var out struct {
			DecisionID string `json:"decisionId"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.DecisionID == "" {
			t.Fatalf("no decisionId in %s", rec.Body)
		}
		d, err := e.db.Decision(context.Background(), out.DecisionID)
		if err != nil || string(d.Verdict) != verdict || d.Actor != "token:"+e.ids["analyst"] {
			t.Fatalf("stored decision %+v, %v", d, err)
		}
		for _, en := range e.auditEntries() {
			if en.Seq == d.AuditSeq && en.Action == "screen.decisions" && strings.Contains(string(en.Details), `"id":"`+d.ID+`"`) {
				return
			}
		}
		t.Errorf("no audit entry %d for decision %s", d.AuditSeq, d.ID)
	}
}

func noDecision(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
	t.Helper()
	if ds, _ := e.db.Decisions(context.Background(), screening.DecisionFilter{Limit: 10}); len(ds) != 0 {
		t.Errorf("a refused request stored decisions: %+v", ds)
	}
}

func TestScreenAddressAPI(t *testing.T) {
	t.Parallel()
	const path = "/api/v1/screen/address"
	batch := make([]string, 10001)
	for i := range batch {
		batch[i] = `"` + listedETH + `"`
	}
	runScenarios(t, screeningScenarios([]scenario{
		{name: "listed", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"address":"` + strings.ToLower(listedETH) + `","subject":"cust-9"}`,
			wantStatus: http.StatusOK, wantBody: []string{`"verdict":"block"`, `"entityId":"ofac-sdn:27307"`, `"address":"` + listedETH + `"`, `"use":"deposit"`, `"subject":"cust-9"`},
			after: decisionStored("block")},
		{name: "clear", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"address":"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"}`,
			wantStatus: http.StatusOK, wantBody: []string{`"verdict":"clear"`, `"chain":"BTC"`, `"matches":[]`}, after: decisionStored("clear")},
		{name: "seizure depends on use", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"address":"` + seizedTRX + `","use":"withdrawal"}`,
			wantStatus: http.StatusOK, wantBody: []string{`"verdict":"block"`}},
		{name: "batch mixed forms", method: "POST", path: path, headers: jsonHeaders("analyst"),
			body:       `{"addresses":["` + seizedTRX + `",{"address":"` + listedETH + `","chain":"ARB"},"0x12"]}`,
			wantStatus: http.StatusOK, wantBody: []string{`"verdict":"block"`, `"verdict":"review"`, `"verdict":"error"`, `"input":"0x12"`}},
		{name: "batch too large", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"addresses":[` + strings.Join(batch, ",") + `]}`,
			wantStatus: http.StatusRequestEntityTooLarge, wantCode: "too_large", after: noDecision},
		{name: "missing address", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{}`,
			wantStatus: http.StatusBadRequest, wantField: "address", after: noDecision},
		{name: "both forms", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"address":"` + listedETH + `","addresses":["x"]}`,
			wantStatus: http.StatusBadRequest, wantField: "addresses", after: noDecision},
		{name: "unknown use", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"address":"` + listedETH + `","use":"payroll"}`,
			wantStatus: http.StatusBadRequest, wantField: "use", after: noDecision},
		{name: "unknown key", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"address":"` + listedETH + `","list":"x"}`,
			wantStatus: http.StatusBadRequest, after: noDecision},
		{name: "viewer may not screen", method: "POST", path: path, headers: jsonHeaders("viewer"), body: `{"address":"` + listedETH + `"}`,
			wantStatus: http.StatusForbidden, after: noDecision},
		{name: "no token", method: "POST", path: path, headers: map[string]string{"Content-Type": "application/json"}, body: `{"address":"` + listedETH + `"}`,
			wantStatus: http.StatusUnauthorized, after: noDecision},
		{name: "not configured", configure: func(c *Config) { c.Screening = nil }, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: `{"address":"` + listedETH + `"}`, wantStatus: http.StatusServiceUnavailable},
	}))
}

func TestScreenNameAPI(t *testing.T) {
	t.Parallel()
	const path = "/api/v1/screen/name"
	runScenarios(t, screeningScenarios([]scenario{
		{name: "hit", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"name":"Kim Jong-un","dob":"1984-01-08","use":"onboarding"}`,
			wantStatus: http.StatusOK, wantBody: []string{`"query":"Kim Jong-un"`, `"verdict":"block"`, `"entityId":"ofac-sdn:20157"`, `"matchedName":"KIM, Jong Un"`, `"explanation"`},
			after: decisionStored("block")},
		// A hiring screening answers and stores the applicant's name as a
		// keyed fingerprint: the decision log holds no personal data.
		{name: "hit, hiring use", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"name":"Kim Jong-un","dob":"1984-01-08","use":"hiring"}`,
			wantStatus: http.StatusOK, wantBody: []string{`"query":"hmac-sha256:`, `"verdict":"block"`, `"entityId":"ofac-sdn:20157"`},
			notBody: []string{`Kim Jong-un`, `1984-01-08`}, after: decisionStored("block")},
		{name: "miss", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"name":"Angela Merkel"}`,
			wantStatus: http.StatusOK, wantBody: []string{`"verdict":"clear"`, `"matches":[]`}, after: decisionStored("clear")},
		{name: "not UTF-8", method: "POST", path: path, headers: jsonHeaders("analyst"), body: "{\"name\":\"\xff\xfe\"}",
			wantStatus: http.StatusBadRequest, after: noDecision},
		{name: "empty", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"name":" "}`,
			wantStatus: http.StatusBadRequest, wantField: "name", after: noDecision},
		{name: "bad type", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"name":"x","type":"ship"}`,
			wantStatus: http.StatusBadRequest, wantField: "type", after: noDecision},
	}))
}

func TestScreenDispositionWatchAndListsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withScreening)
	post := func(path, body, who string) *httptest.ResponseRecorder {
		return e.do("POST", path, jsonHeaders(who), body)
	}
	rec := post("/api/v1/screen/address", `{"address":"`+seizedTRX+`"}`, "analyst")
	var d struct {
		DecisionID string
		Verdict    string
		Results    []struct {
			Matches []struct{ EntityID, EntityDigest string }
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil || d.Verdict != "review" {
		t.Fatalf("screen: %d %s", rec.Code, rec.Body)
	}
	m := d.Results[0].Matches[0]
	if rec := post("/api/v1/screen/dispositions", `{"address":"`+seizedTRX+`","entityId":"`+m.EntityID+`","disposition":"false_positive","note":"ours"}`, "viewer"); rec.Code != http.StatusForbidden {
		t.Errorf("viewer disposition: %d", rec.Code)
	}
	if rec := post("/api/v1/screen/dispositions", `{"address":"`+seizedTRX+`","entityId":"nope","disposition":"false_positive"}`, "analyst"); rec.Code != http.StatusBadRequest {
		t.Errorf("unknown entity: %d %s", rec.Code, rec.Body)
	}
	rec = post("/api/v1/screen/dispositions", fmt.Sprintf(`{"decisionId":%q,"address":%q,"entityId":%q,"entityDigest":%q,"disposition":"false_positive","note":"our cold wallet"}`,
		d.DecisionID, seizedTRX, m.EntityID, m.EntityDigest), "analyst")
	if rec.Code != http.StatusCreated {
		t.Fatalf("dispose: %d %s", rec.Code, rec.Body)
	}
	if rec := post("/api/v1/screen/address", `{"address":"`+seizedTRX+`"}`, "analyst"); !strings.Contains(rec.Body.String(), `"verdict":"clear"`) || !strings.Contains(rec.Body.String(), `"suppressed"`) {
		t.Errorf("after the disposition: %s", rec.Body)
	}
	if rec := e.do("GET", "/api/v1/screen/dispositions", bearerFor("viewer"), ""); !strings.Contains(rec.Body.String(), `"note":"our cold wallet"`) {
		t.Errorf("dispositions: %s", rec.Body)
	}
	// Decisions can be read back, by id and by subject.
	if rec := e.do("GET", "/api/v1/screen/decisions/"+d.DecisionID, bearerFor("viewer"), ""); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"auditSeq"`) {
		t.Errorf("decision: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do("GET", "/api/v1/screen/decisions/"+d.DecisionID+"/replay", bearerFor("viewer"), ""); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"same":true`) {
		t.Errorf("replay: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do("GET", "/api/v1/screen/decisions/dec_nope", bearerFor("viewer"), ""); rec.Code != http.StatusNotFound {
		t.Errorf("missing decision: %d", rec.Code)
	}
	if rec := e.do("GET", "/api/v1/screen/decisions?verdict=review", bearerFor("viewer"), ""); !strings.Contains(rec.Body.String(), d.DecisionID) {
		t.Errorf("decisions by verdict: %s", rec.Body)
	}

	// Watches.
	rec = post("/api/v1/screen/watches", `{"kind":"name","name":"Ri Jong Ho","subject":"emp-42","use":"hiring"}`, "analyst")
	if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), `"key":"ri jong ho"`) {
		t.Fatalf("add watch: %d %s", rec.Code, rec.Body)
	}
	if rec := post("/api/v1/screen/watches", `{"kind":"address","address":"0x12"}`, "analyst"); rec.Code != http.StatusBadRequest {
		t.Errorf("bad watch: %d", rec.Code)
	}
	if rec := post("/api/v1/screen/watches", `{"id":5,"name":"x"}`, "analyst"); rec.Code != http.StatusBadRequest {
		t.Errorf("watch with an id: %d", rec.Code)
	}
	if rec := e.do("GET", "/api/v1/screen/watches", bearerFor("viewer"), ""); !strings.Contains(rec.Body.String(), `"subject":"emp-42"`) {
		t.Errorf("watches: %s", rec.Body)
	}
	// A list change that names the watched person raises an alert (a
	// review: under the hiring use a name without a birth date agreeing
	// never blocks).
	ls := testLists()
	ls[0].Entities = append(ls[0].Entities, screening.Entity{ID: "ofac-sdn:99", List: "ofac-sdn", Type: screening.TypePerson,
		Category: screening.CategorySanctions, Confidence: screening.ConfidenceHigh, Name: "RI, Jong Ho"})
	ls[0].Info.SHA256 = strings.Repeat("c", 64)
	rep, err := e.srv.cfg.Screening.Import(context.Background(), "test", "test", ls[:1])
	if err != nil || len(rep.Alerts) != 1 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	if rec := e.do("GET", "/api/v1/screen/alerts", bearerFor("viewer"), ""); !strings.Contains(rec.Body.String(), `"subject":"emp-42"`) || !strings.Contains(rec.Body.String(), `"verdict":"review"`) {
		t.Errorf("alerts: %s", rec.Body)
	}
	if rec := e.do("DELETE", "/api/v1/screen/watches/1", bearerFor("analyst"), ""); rec.Code != http.StatusOK {
		t.Errorf("remove watch: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do("DELETE", "/api/v1/screen/watches/x", bearerFor("analyst"), ""); rec.Code != http.StatusBadRequest {
		t.Errorf("remove watch x: %d", rec.Code)
	}

	// Lists.
	rec = e.do("GET", "/api/v1/lists", bearerFor("viewer"), "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"id":"ofac-sdn"`) || !strings.Contains(rec.Body.String(), `"entities":3`) {
		t.Errorf("lists: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do("GET", "/api/v1/lists/ofac-sdn/history", bearerFor("viewer"), ""); strings.Count(rec.Body.String(), `"sha256"`) != 2 {
		t.Errorf("history: %s", rec.Body)
	}
	if rec := e.do("POST", "/api/v1/lists/update", bearerFor("admin"), ""); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("update without a configured refresher: %d", rec.Code)
	}
	// Every change is in the audit log.
	actions := map[string]int{}
	for _, en := range e.auditEntries() {
		actions[en.Action]++
	}
	for _, a := range []string{"lists.import", "screen.decisions", "screen.disposition", "screen.watch.add", "screen.watch.remove", "screen.alert"} {
		if actions[a] == 0 {
			t.Errorf("no %s audit entry (have %v)", a, actions)
		}
	}
}

// plantMislabelled imports, as an earlier Bulwark did, a user's plain
// address file (watch.txt) as the fbi-dprk list.
func plantMislabelled(t *testing.T, e *env) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "screening", "sources", "testdata", "legacy", "plain_file_as_fbi_dprk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ls []*screening.List
	if err := json.Unmarshal(raw, &ls); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.cfg.Screening.ImportWith(context.Background(), "cli", "/srv/lists", ls, screening.ImportOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
}

// TestListsMarkMislabelled: GET /api/v1/lists marks the list versions an
// earlier Bulwark mislabelled, with the same check and the same JSON as
// 'bulwark lists --json', whether the server checks the store per request
// or through the refresher's cached check.
func TestListsMarkMislabelled(t *testing.T) {
	t.Parallel()
	refresher := func(c *Config) {
		c.Mislabelled = sources.NewRefresher(sources.RefresherConfig{Service: c.Screening, Store: c.ScreenStore}).Mislabelled
	}
	marked := []string{`"id":"fbi-dprk"`, `"mislabelled":true`, `"plainFile":true`,
		`"reimport":"bulwark lists update --from /srv/lists/watch.txt --list watch --kind internal"`}
	runScenarios(t, screeningScenarios([]scenario{
		{name: "clean store", method: "GET", path: "/api/v1/lists", headers: bearerFor("viewer"),
			wantStatus: 200, wantBody: []string{`"mislabelled":[]`, `"id":"ofac-sdn"`, `"mislabelled":false`}, notBody: []string{`"mislabelled":true`}},
		{name: "clean store, refresher", configure: refresher, method: "GET", path: "/api/v1/lists", headers: bearerFor("viewer"),
			wantStatus: 200, wantBody: []string{`"mislabelled":[]`}, notBody: []string{`"mislabelled":true`}},
		{name: "plain file as fbi-dprk", setup: plantMislabelled, method: "GET", path: "/api/v1/lists", headers: bearerFor("viewer"),
			wantStatus: 200, wantBody: marked},
		{name: "plain file as fbi-dprk, refresher", configure: refresher, setup: plantMislabelled, method: "GET", path: "/api/v1/lists", headers: bearerFor("viewer"),
			wantStatus: 200, wantBody: marked},
	}))
}

func TestListsUpdateAPI(t *testing.T) {
	t.Parallel()
	var called string
	e := newEnv(t, func(c *Config) {
		withScreening(c)
		c.ListsUpdate = func(_ context.Context, actor string) (*screening.ImportReport, error) {
			called = actor
			return &screening.ImportReport{Changed: []screening.ListInfo{}, Unchanged: []string{"ofac-sdn"}, Alerts: []screening.Alert{}}, nil
		}
	})
	if rec := e.do("POST", "/api/v1/lists/update", bearerFor("analyst"), ""); rec.Code != http.StatusForbidden {
		t.Errorf("analyst update: %d", rec.Code)
	}
	if rec := e.do("POST", "/api/v1/lists/update", jsonHeaders("admin"), `{"from":"http://169.254.169.254/"}`); rec.Code != http.StatusBadRequest || called != "" {
		t.Errorf("update choosing a source: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do("POST", "/api/v1/lists/update", bearerFor("admin"), ""); rec.Code != http.StatusOK || called != "token:"+e.ids["admin"] {
		t.Errorf("update: %d %s (actor %q)", rec.Code, rec.Body, called)
	}
}

// TestListSwapUnderLoad imports new list versions while clients screen:
// no request fails and every answer is whole (one version of the lists).
func TestListSwapUnderLoad(t *testing.T) {
	t.Parallel()
	// The clients send as fast as they can: per-token rate limiting is off
	// (it has its own tests), so an answer other than 200 is a swap's fault,
	// not a 429 from a loaded machine sending faster than the limit.
	e := newEnv(t, func(c *Config) {
		withScreening(c)
		c.RateLimit = -1
	})
	svc := e.srv.cfg.Screening
	a, b := testLists(), testLists()
	b[0].Info.SHA256 = strings.Repeat("d", 64)
	b[0].Entities[0].Remarks = "changed"
	stop := make(chan struct{})
	errs := make(chan string, 100)
	var wg sync.WaitGroup
	var served atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				rec := e.do("POST", "/api/v1/screen/address", jsonHeaders("analyst"), `{"address":"`+listedETH+`"}`)
				served.Add(1)
				body := rec.Body.String()
				if rec.Code != http.StatusOK || !strings.Contains(body, `"verdict":"block"`) ||
					!(strings.Contains(body, strings.Repeat("a", 64)) != strings.Contains(body, strings.Repeat("d", 64))) {
					select {
					case errs <- fmt.Sprintf("%d %.300s", rec.Code, body):
					default:
					}
				}
			}
		}()
	}
	for i := range 20 {
		ls := a
		if i%2 == 0 {
			ls = b
		}
		if _, err := svc.Import(context.Background(), "test", "test", ls[:1]); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Errorf("during the swaps: %s", msg)
	}
	if served.Load() == 0 {
		t.Fatal("no request served")
	}
}

// TestScreenNameRequestTable posts every row of the request table the
// screening and CLI tests run too: the API accepts and normalises what the
// CLI accepts (a country by name or alpha-3 code is screened as alpha-2)
// and refuses what it refuses, naming the same field, storing nothing and
// echoing no more than a short prefix of a huge value.
func TestScreenNameRequestTable(t *testing.T) {
	t.Parallel()
	rows, err := reqtable.LoadNameRequests("../screening/testdata/name_requests.json")
	if err != nil {
		t.Fatal(err)
	}
	var scs []scenario
	for _, r := range rows {
		req := map[string]any{"name": r.Name}
		for k, v := range map[string]string{"type": r.Type, "dob": r.DOB, "country": r.Country, "subject": r.Subject} {
			if v != "" {
				req[k] = v
			}
		}
		if r.Limit != 0 {
			req["limit"] = r.Limit
		}
		body, _ := json.Marshal(req)
		sc := scenario{name: r.Desc, method: "POST", path: "/api/v1/screen/name", headers: jsonHeaders("analyst"), body: string(body)}
		if r.Field == "" {
			sc.wantStatus = http.StatusOK
			for k, v := range map[string]string{"country": r.WantCountry, "dob": r.WantDOB, "type": r.WantType} {
				if v != "" {
					sc.wantBody = append(sc.wantBody, fmt.Sprintf("%q:%q", k, v))
				}
			}
			sc.after = func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
				var out struct{ Country, DOB string }
				if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
					t.Fatal(err)
				}
				if r.WantCountry != "" {
					d, _ := e.db.Decisions(context.Background(), screening.DecisionFilter{Limit: 1})
					if len(d) != 1 || !strings.Contains(string(mustDecision(t, e, d[0].ID)), `"country":"`+r.WantCountry+`"`) {
						t.Errorf("the stored decision does not carry country %s", r.WantCountry)
					}
				}
			}
		} else {
			sc.wantStatus, sc.wantCode, sc.wantField, sc.wantMsg = http.StatusBadRequest, "invalid", r.Field, []string{r.Field + ": " + "", r.Msg}
			sc.after = noDecision
			for _, v := range []string{r.Name, r.Type, r.DOB, r.Country, r.Subject} {
				if len(v) > 100 {
					sc.notBody = append(sc.notBody, v[:100])
				}
			}
		}
		scs = append(scs, sc)
	}
	runScenarios(t, screeningScenarios(scs))
}

func mustDecision(t *testing.T, e *env, id string) []byte {
	t.Helper()
	d, err := e.db.Decision(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d.Body
}

// Address requests: the sizes the CLI refuses are refused (naming the
// item of a batch), nothing is stored, and no error repeats a huge value.
func TestScreenAddressRequestLimits(t *testing.T) {
	t.Parallel()
	const path = "/api/v1/screen/address"
	huge := strings.Repeat("7", 1000000)
	runScenarios(t, screeningScenarios([]scenario{
		{name: "huge subject", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"address":"` + listedETH + `","subject":"` + huge + `"}`,
			wantStatus: http.StatusBadRequest, wantField: "subject", wantMsg: []string{"subject: 1000000 bytes is above the limit of 200 bytes"},
			notBody: []string{huge[:100]}, after: noDecision},
		{name: "huge address", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"address":"` + huge + `"}`,
			wantStatus: http.StatusBadRequest, wantField: "address", wantMsg: []string{"1000000 bytes; no supported address is longer than 256 bytes"},
			notBody: []string{huge[:100]}, after: noDecision},
		{name: "huge address in a batch", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"addresses":["` + listedETH + `",{"address":"` + huge + `"}]}`,
			wantStatus: http.StatusBadRequest, wantField: "addresses[1].address", notBody: []string{huge[:100]}, after: noDecision},
		{name: "huge chain", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"address":"` + listedETH + `","chain":"` + huge + `"}`,
			wantStatus: http.StatusBadRequest, wantField: "chain", notBody: []string{huge[:100]}, after: noDecision},
		{name: "huge chain in a batch", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"addresses":["` + listedETH + `","` + listedETH + `",{"address":"` + listedETH + `","chain":"` + huge + `"}]}`,
			wantStatus: http.StatusBadRequest, wantField: "addresses[2].chain", notBody: []string{huge[:100]}, after: noDecision},
		{name: "huge use", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"address":"` + listedETH + `","use":"` + huge + `"}`,
			wantStatus: http.StatusBadRequest, wantField: "use", wantMsg: []string{"…(1000000 bytes)"}, notBody: []string{huge[:100]}, after: noDecision},
		{name: "huge unknown key", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"` + huge + `":1}`,
			wantStatus: http.StatusBadRequest, notBody: []string{huge[:100]}, after: noDecision},
		{name: "subject with a line break", method: "POST", path: path, headers: jsonHeaders("analyst"), body: `{"address":"` + listedETH + `","subject":"a\nb"}`,
			wantStatus: http.StatusBadRequest, wantField: "subject", after: noDecision},
		{name: "limit of the wrong type names the JSON field", method: "POST", path: "/api/v1/screen/name", headers: jsonHeaders("analyst"), body: `{"name":"Kim","limit":"ten"}`,
			wantStatus: http.StatusBadRequest, wantField: "limit", wantMsg: []string{`field "limit": want integer, got string`}, notBody: []string{"NameQuery"}, after: noDecision},
		{name: "unknown key lists the JSON fields", method: "POST", path: "/api/v1/screen/name", headers: jsonHeaders("analyst"), body: `{"name":"Kim","nationality":"KP"}`,
			wantStatus: http.StatusBadRequest, wantMsg: []string{"known fields: country, dob, limit, name, subject, type, use"}, notBody: []string{"NameQuery"}, after: noDecision},
		{name: "watch country by name", method: "POST", path: "/api/v1/screen/watches", headers: jsonHeaders("analyst"), body: `{"kind":"name","name":"Ri Jong Ho","country":"North Korea","dob":"1956"}`,
			wantStatus: http.StatusCreated, wantBody: []string{`"country":"KP"`, `"dob":"1956"`}},
		{name: "watch impossible dob", method: "POST", path: "/api/v1/screen/watches", headers: jsonHeaders("analyst"), body: `{"kind":"name","name":"Ri Jong Ho","dob":"1956-02-30"}`,
			wantStatus: http.StatusBadRequest, wantField: "dob"},
		{name: "watch ambiguous country", method: "POST", path: "/api/v1/screen/watches", headers: jsonHeaders("analyst"), body: `{"kind":"name","name":"Ri Jong Ho","country":"Korea"}`,
			wantStatus: http.StatusBadRequest, wantField: "country", wantMsg: []string{"give KP (North Korea) or KR (South Korea)"}},
		{name: "huge watch id in the path", method: "DELETE", path: "/api/v1/screen/watches/" + huge[:5000], headers: jsonHeaders("analyst"),
			wantStatus: http.StatusBadRequest, wantField: "id", notBody: []string{huge[:100]}},
	}))
}

// TestListHistoryAPI: an unknown list is refused as the command line
// refuses it, naming the lists there are.
func TestListHistoryAPI(t *testing.T) {
	t.Parallel()
	runScenarios(t, screeningScenarios([]scenario{
		{name: "known", method: "GET", path: "/api/v1/lists/il-nbctf/history", headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`"versions":[`, strings.Repeat("b", 64)}},
		{name: "unknown names the lists", method: "GET", path: "/api/v1/lists/ofac/history", headers: bearerFor("viewer"),
			wantStatus: http.StatusNotFound, wantCode: "not_found",
			wantMsg: []string{screening.UnknownList("ofac", []string{"il-nbctf", "ofac-sdn"}).Error()}},
	}))
}

// TestScreenAddressConcurrentAnswersApart sends distinct address requests
// from several goroutines at once: each answer is its own request's
// (address, subject, request id, decision id, Content-Length), although
// the server recycles request bodies, decoded requests and header values
// between requests.
func TestScreenAddressConcurrentAnswersApart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) {
		withScreening(c)
		c.RateLimit = -1
	})
	const workers, each = 4, 40
	errs := make(chan string, workers*each)
	ids := make(chan string, workers*each)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				addr := fmt.Sprintf("0x%040x", g*1000+i+1)
				if i%7 == 0 {
					addr = listedETH
				}
				subject := fmt.Sprintf("cust-%d-%d", g, i)
				h := jsonHeaders("analyst")
				reqID := ""
				if i%2 == 0 {
					reqID = fmt.Sprintf("req-%d-%d", g, i)
					h[RequestIDHeader] = reqID
				}
				rec := e.do("POST", "/api/v1/screen/address", h, `{"address":"`+addr+`","subject":"`+subject+`"}`)
				var out struct {
					DecisionID string `json:"decisionId"`
					Subject    string `json:"subject"`
					Results    []struct {
						Input      string `json:"input"`
						DecisionID string `json:"decisionId"`
					} `json:"results"`
				}
				body := rec.Body.Bytes()
				if rec.Code != http.StatusOK || json.Unmarshal(body, &out) != nil {
					errs <- fmt.Sprintf("%s: %d %.300s", addr, rec.Code, body)
					continue
				}
				if out.Subject != subject || len(out.Results) != 1 || out.Results[0].Input != addr || out.Results[0].DecisionID != out.DecisionID {
					errs <- fmt.Sprintf("request for %s (%s) answered %.300s", addr, subject, body)
				}
				if got := rec.Header().Values("Content-Length"); len(got) != 1 || got[0] != strconv.Itoa(len(body)) {
					errs <- fmt.Sprintf("Content-Length %q for a body of %d bytes", got, len(body))
				}
				if got := rec.Header().Get(RequestIDHeader); got == "" || reqID != "" && got != reqID {
					errs <- fmt.Sprintf("X-Request-Id %q, sent %q", got, reqID)
				}
				ids <- out.DecisionID + " " + rec.Header().Get(RequestIDHeader)
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(ids)
	for msg := range errs {
		t.Error(msg)
	}
	seenDecision, seenRequest := map[string]bool{}, map[string]bool{}
	for both := range ids {
		dec, req, _ := strings.Cut(both, " ")
		if seenDecision[dec] || seenRequest[req] {
			t.Errorf("decision %s or request id %s answered twice", dec, req)
		}
		seenDecision[dec], seenRequest[req] = true, true
	}
}
