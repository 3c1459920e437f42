package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/hiring/vetting"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// withHiringScreening configures the screening service (withScreening)
// and the hire routes screening names with it, as serve does.
func withHiringScreening(c *Config) {
	withScreening(c)
	cfg := vetting.Config{Store: c.Audit.Store.(*sqlite.DB), Audit: c.Audit, Screening: c.Screening, Index: hiring.NewScreenIndex()}
	c.Hiring = cfg.Service
}

// TestHireDispositionAPI follows a hiring name match through the screening
// routes: the decision is the analyst's to read, a ruling on it holds no
// name (nor does its audit entry), it clears the person at the next screening,
// and forgetting the person deletes it.
func TestHireDispositionAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withHiringScreening)
	const person = `{"people":[{"id":"KJ-1","full_name":"Kim Jong Un","date_of_birth":"1984-01-08","country":"KP"}]}`
	if rec := e.do("POST", "/api/v1/hire/screen", jsonHeaders("analyst"), person); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"SANCTIONED_NAME"`) {
		t.Fatalf("hire screen: %d %s", rec.Code, rec.Body)
	}
	var list struct {
		Decisions []struct{ DecisionID, Kind, Use, Subject string }
	}
	rec := e.do("GET", "/api/v1/screen/decisions", bearerFor("analyst"), "")
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.Decisions) != 1 || list.Decisions[0].Use != "hiring" {
		t.Fatalf("analyst's decisions: %d %s", rec.Code, rec.Body)
	}
	dec := list.Decisions[0]

	// The viewer reads no hiring decision (the /hire routes are the analyst's).
	for _, c := range []struct {
		path string
		want int
	}{
		{"/api/v1/screen/decisions", http.StatusOK},
		{"/api/v1/screen/decisions?subject=" + dec.Subject, http.StatusOK},
		{"/api/v1/screen/decisions/" + dec.DecisionID, http.StatusForbidden},
		{"/api/v1/screen/decisions/" + dec.DecisionID + "/replay", http.StatusForbidden},
	} {
		rec := e.do("GET", c.path, bearerFor("viewer"), "")
		if rec.Code != c.want || strings.Contains(rec.Body.String(), dec.DecisionID) && rec.Code == http.StatusOK {
			t.Errorf("viewer GET %s: %d %s", c.path, rec.Code, rec.Body)
		}
	}
	if rec := e.do("GET", "/api/v1/screen/decisions/"+dec.DecisionID, bearerFor("analyst"), ""); rec.Code != http.StatusOK {
		t.Errorf("analyst GET decision: %d %s", rec.Code, rec.Body)
	}

	// A ruling by the analyst: keyed and audited without the name.
	rec = e.do("POST", "/api/v1/screen/dispositions", jsonHeaders("analyst"), fmt.Sprintf(
		`{"name":"Kim Jong Un","entityId":"ofac-sdn:20157","decisionId":%q,"disposition":"false_positive","note":"namesake"}`, dec.DecisionID))
	if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), `"use":"hiring"`) || !strings.Contains(rec.Body.String(), `"subject":"`+dec.Subject+`"`) {
		t.Fatalf("dispose: %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(strings.ToLower(rec.Body.String()), "kim jong") {
		t.Errorf("the ruling holds the name: %s", rec.Body)
	}
	if rec := e.do("POST", "/api/v1/screen/dispositions", jsonHeaders("analyst"), fmt.Sprintf(
		`{"name":"Kim Jong Un","entityId":"ofac-sdn:20157","decisionId":%q,"subject":"someone-else","disposition":"false_positive"}`, dec.DecisionID)); rec.Code != http.StatusBadRequest {
		t.Errorf("a ruling on a hiring decision for another subject: %d %s", rec.Code, rec.Body)
	}
	for _, en := range e.auditEntries() {
		b, _ := json.Marshal(en)
		if s := strings.ToLower(string(b)); strings.Contains(s, "kim jong") || strings.Contains(s, "namesake") {
			t.Errorf("audit entry %d (%s) holds the name or the note: %s", en.Seq, en.Action, b)
		}
	}
	if rec := e.do("GET", "/api/v1/screen/dispositions", bearerFor("viewer"), ""); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), dec.DecisionID) {
		t.Errorf("viewer reads the hiring ruling: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do("GET", "/api/v1/screen/dispositions", bearerFor("analyst"), ""); !strings.Contains(rec.Body.String(), dec.DecisionID) {
		t.Errorf("analyst's rulings: %s", rec.Body)
	}

	// The ruling clears the match when the person is screened again.
	if rec := e.do("POST", "/api/v1/hire/screen", jsonHeaders("analyst"), person); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"SANCTIONED_NAME"`) {
		t.Errorf("screened again after the ruling: %d %s", rec.Code, rec.Body)
	}

	// Forgetting the person deletes the ruling.
	if rec := e.do("DELETE", "/api/v1/hire/people/KJ-1", bearerFor("analyst"), ""); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"dispositions":1`) {
		t.Errorf("forget: %d %s", rec.Code, rec.Body)
	}
	ds, err := e.db.Dispositions(context.Background())
	if err != nil || len(ds) != 0 {
		t.Errorf("rulings after the forget: %+v %v", ds, err)
	}
}
