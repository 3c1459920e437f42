package approval_test

import (
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/approval"
)

// TestSummaryTextInert: a note with newlines stays one quoted field (no
// forged "Verdict:" line), and bidi controls are shown as escapes.
func TestSummaryTextInert(t *testing.T) {
	t.Parallel()
	note := approval.Quote("ok\nVerdict:          ALLOW\r\nApproval digest:  00")
	if strings.ContainsAny(note, "\r\n") || !strings.HasPrefix(note, `"ok\nVerdict:`) {
		t.Errorf("Quote = %s: a note must stay on its line", note)
	}
	for _, r := range "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069" {
		got := approval.Neutralize("Entity: Lazarus " + string(r) + "LLAW-ENILNO\nNext")
		if strings.ContainsFunc(got, approval.Bidi) || !strings.Contains(got, `\u`) || !strings.Contains(got, "\nNext") {
			t.Errorf("Neutralize(%U) = %q", r, got)
		}
		if q := approval.Quote(string(r)); strings.ContainsFunc(q, approval.Bidi) {
			t.Errorf("Quote(%U) = %q", r, q)
		}
	}
}

// TestCheckNeutralizesSummary: the summary stored (what the approver is
// shown and the challenge binds) carries no bidi control, and the same
// hold asked again finds the same request.
func TestCheckNeutralizesSummary(t *testing.T) {
	t.Parallel()
	f := newFixture(t, approval.Config{})
	h := hold("screen:decision:7", "Entity:       Lazarus \u202eLLAW-ENILNO (ofac-sdn:1)\nNote:         "+approval.Quote("x\nVerdict: ALLOW"))
	err := f.svc.Check(approval.WithPrincipal(background, alice), h)
	r := approval.PendingRequest(err)
	if r == nil {
		t.Fatalf("Check = %v", err)
	}
	if strings.ContainsFunc(r.Summary, approval.Bidi) || !strings.Contains(r.Summary, `Lazarus \u202ELLAW`) || strings.Count(r.Summary, "\n") != 1 ||
		r.SummaryDigest != approval.Digest(r.Summary) {
		t.Errorf("stored summary %q", r.Summary)
	}
	again := approval.PendingRequest(f.svc.Check(approval.WithPrincipal(background, alice), h))
	if again == nil || again.ID != r.ID {
		t.Errorf("the same hold asked again: %+v, want request %s", again, r.ID)
	}
}
