package tracing

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
)

func TestCheckNoteText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, in, want string
		ok             bool
	}{
		{"trimmed", "  funds split here \r\n", "funds split here", true},
		{"lines and tabs", "a\r\nb\tc", "a\nb\tc", true},
		{"markup stays text", "<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>", true},
		{"longest", strings.Repeat("é", MaxNoteText), strings.Repeat("é", MaxNoteText), true},
		{"empty", " \n ", "", false},
		{"too long", strings.Repeat("x", MaxNoteText+1), "", false},
		{"control", "bell\a", "", false},
		{"bad utf-8", "a\xffb", "", false},
	} {
		got, err := CheckNoteText(c.in)
		if c.ok != (err == nil) || got != c.want {
			t.Errorf("%s: CheckNoteText = %q, %v", c.name, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "text") {
			t.Errorf("%s: error %v does not name the field", c.name, err)
		}
	}
}

func TestCaseNoteApply(t *testing.T) {
	t.Parallel()
	c, err := NewCase(CaseSpec{Seeds: []string{bybitExploiter}})
	if err != nil {
		t.Fatal(err)
	}
	c.ID, c.UpdatedAt = 7, time.Unix(100, 0).UTC()
	at := time.Unix(200, 0)
	addr := common.HexToAddress(bybitExploiter)
	ev, err := c.Apply(CaseUpdate{Note: &CaseNote{Address: addr, Text: " moved to a bridge ", Author: "forged", At: time.Unix(1, 0)}}, "user:ann", at)
	if err != nil {
		t.Fatal(err)
	}
	want := CaseNote{Address: addr, Author: "user:ann", At: at.UTC(), Text: "moved to a bridge"}
	if len(c.Notes) != 1 || c.Notes[0] != want || ev.Action != CaseActionNote {
		t.Fatalf("notes %+v, event %+v", c.Notes, ev)
	}
	if !c.UpdatedAt.Equal(time.Unix(100, 0)) {
		t.Errorf("a note made the case stale: updated %v", c.UpdatedAt)
	}
	var details struct{ Note map[string]any }
	if err := json.Unmarshal(ev.Details, &details); err != nil || details.Note["address"] != bybitExploiter || details.Note["text"] != "moved to a bridge" {
		t.Errorf("details %s, %v", ev.Details, err)
	}
	if _, err := c.Apply(CaseUpdate{Note: &CaseNote{Text: "case-wide"}}, "cli:bob", at); err != nil {
		t.Fatal(err)
	}
	if got := c.NotesOn(common.Address{}); len(got) != 1 || got[0].Subject() != "case" || c.NotesOn(addr)[0].Subject() != bybitExploiter {
		t.Errorf("NotesOn = %+v", got)
	}
	b, _ := json.Marshal(c.Notes[1])
	if strings.Contains(string(b), "address") {
		t.Errorf("case note marshals an address: %s", b)
	}
	var back []CaseNote
	if b, _ := json.Marshal(c.Notes); json.Unmarshal(b, &back) != nil || len(back) != 2 || back[0] != c.Notes[0] || back[1] != c.Notes[1] {
		t.Errorf("JSON round trip: %+v", back)
	}
	for _, bad := range []struct {
		name  string
		u     CaseUpdate
		field string
	}{
		{"empty", CaseUpdate{Note: &CaseNote{}}, "text"},
		{"with a title", CaseUpdate{Note: &CaseNote{Text: "x"}, Title: new(string)}, "note"},
	} {
		before := len(c.Notes)
		if _, err := c.Apply(bad.u, "cli:bob", at); !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), bad.field) || len(c.Notes) != before {
			t.Errorf("%s: %v, %d notes", bad.name, err, len(c.Notes))
		}
	}
	c.Notes = make([]CaseNote, MaxCaseNotes)
	if _, err := c.Apply(CaseUpdate{Note: &CaseNote{Text: "one more"}}, "cli:bob", at); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("note beyond the limit: %v", err)
	}
	c.Notes = nil
	st := CaseClosed
	if _, err := c.Apply(CaseUpdate{Status: &st}, "cli:bob", at); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(CaseUpdate{Note: &CaseNote{Text: "late"}}, "cli:bob", at); !bulwark.IsCode(err, bulwark.ECONFLICT) {
		t.Errorf("note on a closed case: %v", err)
	}
}
