package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestCaseNote: an analyst's note, on an address or on the case, is saved
// with the case, audited as the analyst, shown as text on the case page
// and exported; a viewer, a post without CSRF token and an empty note are
// refused and change nothing.
func TestCaseNote(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 10)
	url0 := "/trace/cases/" + strconv.FormatInt(e.caseID, 10)
	for _, c := range []struct {
		name   string
		rq     request
		status int
	}{
		{"viewer", request{method: "POST", path: url0 + "/notes", session: "viewer", form: url.Values{"text": {"x"}}}, http.StatusForbidden},
		{"no csrf", request{method: "POST", path: url0 + "/notes", session: "analyst", noCSRF: true, form: url.Values{"text": {"x"}}}, http.StatusForbidden},
		{"empty", request{method: "POST", path: url0 + "/notes", session: "analyst", form: url.Values{"text": {" "}}}, http.StatusBadRequest},
		{"bad address", request{method: "POST", path: url0 + "/notes", session: "analyst", form: url.Values{"address": {"0x12"}, "text": {"x"}}}, http.StatusBadRequest},
	} {
		if w := do(t, e.c, c.rq); w.Code != c.status {
			t.Errorf("%s: %d, want %d", c.name, w.Code, c.status)
		}
	}
	if page := do(t, e.c, request{path: url0, session: "analyst"}).Body.String(); !strings.Contains(page, "No notes yet.") || !strings.Contains(page, `data-testid="note-form"`) {
		t.Fatalf("before: no empty notes list or no form")
	}
	w := do(t, e.c, request{method: "POST", path: url0 + "/notes", session: "analyst",
		form: url.Values{"address": {nodeAddr(3).Hex()}, "text": {"split here\n" + xssPayload}}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != url0+"#notes" {
		t.Fatalf("status %d, Location %q: %s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	if w := do(t, e.c, request{method: "POST", path: url0 + "/notes", session: "analyst", form: url.Values{"text": {"handed to the exchange"}}}); w.Code != http.StatusSeeOther {
		t.Fatalf("case note: %d", w.Code)
	}
	page := do(t, e.c, request{path: url0, session: "viewer"}).Body.String()
	if !strings.Contains(page, "split here\n&lt;img src=x onerror=alert(1)&gt;") || strings.Contains(page, xssPayload) ||
		!strings.Contains(page, "<code>"+nodeAddr(3).Hex()+"</code>") || !strings.Contains(page, "on the case") ||
		strings.Count(page, `data-testid="case-note"`) != 2 || strings.Contains(page, `data-testid="note-form"`) {
		t.Fatalf("notes not shown as text, or the form shown to a viewer")
	}
	md := do(t, e.c, request{path: url0 + "/export/notes.md", session: "viewer"})
	if md.Code != http.StatusOK || !strings.Contains(md.Body.String(), "  > split here\n  > \\<img") || !strings.Contains(md.Header().Get("Content-Disposition"), "notes.md") {
		t.Errorf("notes.md: %d %s", md.Code, md.Body.String())
	}
	js := do(t, e.c, request{path: "/trace/cases/" + strconv.FormatInt(e.emptyID, 10) + "/export/notes.json", session: "viewer"})
	if js.Code != http.StatusOK || !strings.Contains(js.Body.String(), `"notes": []`) {
		t.Errorf("notes.json of a case not run: %d %s", js.Code, js.Body.String())
	}
	audit := do(t, e.c, request{path: "/audit", session: "admin"}).Body.String()
	if strings.Count(audit, "trace.case.note") != 2 || !strings.Contains(audit, "user:2") {
		t.Errorf("the notes are not audited as the analyst")
	}
}
