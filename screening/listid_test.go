package screening_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
)

func TestCheckUserListID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		want string // "" for accepted, else a part of the message
	}{
		{"my-watch", ""},
		{"internal.blocklist_2026", ""},
		{"unverified-leads", ""},
		{"fbi-dprk", "reserved for an official list"},
		{"fbi", "reserved"},
		{"FBI-DPRK", "lower-case"},
		{"ofac-sdn", "reserved"},
		{"ofacextra", "reserved"},
		{"ofac_eth", "reserved"},
		{"un-consolidated", "reserved"},
		{"un", "reserved"},
		{"nbctf", "reserved"},
		{"il-nbctf", "reserved"},
		{"eu-fsf", "reserved"},
		{"uk.hmt", "reserved"},
		{"tagpack", "reserved"},
		{"custom", "reserved"},
		{"", "required"},
		{"-lead", "starting with a letter or digit"},
		{"my list", "lower-case letters"},
		{"tagpack:x", "lower-case letters"},
		{strings.Repeat("a", 65), "1 to 64"},
	}
	for _, tc := range tests {
		err := screening.CheckUserListID("--list", tc.id)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.id, err)
			}
			continue
		}
		if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "--list") {
			t.Errorf("%q: %v, want an invalid --list error saying %q", tc.id, err, tc.want)
		}
		if len(err.Error()) > 400 {
			t.Errorf("%q: the message echoes too much: %d bytes", tc.id, len(err.Error()))
		}
	}
}

func TestParseListKindAndConfidence(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]screening.Category{"sanctions": screening.CategorySanctions, "Attribution": screening.CategoryAttribution, " internal ": screening.CategoryInternal} {
		if got, err := screening.ParseListKind("--kind", in); err != nil || got != want {
			t.Errorf("kind %q: %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "label", "seizure", "unknown", "dprk"} {
		if _, err := screening.ParseListKind("--kind", in); bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), "--kind") {
			t.Errorf("kind %q: %v, want invalid", in, err)
		}
	}
	for in, want := range map[string]screening.Confidence{"": screening.ConfidenceUnknown, "unknown": screening.ConfidenceUnknown, "HIGH": screening.ConfidenceHigh, "medium": screening.ConfidenceMedium, "low": screening.ConfidenceLow} {
		if got, err := screening.ParseConfidence("--confidence", in); err != nil || got != want {
			t.Errorf("confidence %q: %q, %v", in, got, err)
		}
	}
	if _, err := screening.ParseConfidence("--confidence", "sure"); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("confidence sure: %v", err)
	}
}

// TestPolicyUnknownCategoryAndConfidence checks that an entity whose list
// states no category or confidence is never treated as a default level: it
// needs review (a sanctions designation still blocks), on every use.
func TestPolicyUnknownCategoryAndConfidence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cat        screening.Category
		conf       screening.Confidence
		withdrawal bulwark.Verdict
		deposit    bulwark.Verdict
	}{
		{screening.CategoryInternal, screening.ConfidenceUnknown, bulwark.VerdictReview, bulwark.VerdictReview},
		{screening.CategoryInternal, "", bulwark.VerdictReview, bulwark.VerdictReview},
		{screening.CategoryInternal, screening.ConfidenceHigh, bulwark.VerdictBlock, bulwark.VerdictBlock},
		{screening.CategoryInternal, screening.ConfidenceLow, bulwark.VerdictReview, bulwark.VerdictReview},
		{screening.CategoryAttribution, screening.ConfidenceUnknown, bulwark.VerdictReview, bulwark.VerdictReview},
		{screening.CategoryAttribution, "", bulwark.VerdictReview, bulwark.VerdictReview},
		{screening.CategoryUnknown, screening.ConfidenceHigh, bulwark.VerdictReview, bulwark.VerdictReview},
		{screening.CategoryUnknown, screening.ConfidenceUnknown, bulwark.VerdictReview, bulwark.VerdictReview},
		{"", "", bulwark.VerdictReview, bulwark.VerdictReview},
		{screening.CategoryLabel, screening.ConfidenceUnknown, bulwark.VerdictReview, bulwark.VerdictReview},
		{screening.CategorySanctions, screening.ConfidenceUnknown, bulwark.VerdictBlock, bulwark.VerdictBlock},
		{screening.CategorySeizure, screening.ConfidenceUnknown, bulwark.VerdictBlock, bulwark.VerdictReview},
	}
	for i, tc := range tests {
		addr := fmt.Sprintf("0x%040x", 0xc0000+i)
		l := &screening.List{Info: screening.ListInfo{ID: "my-watch", SHA256: "x"}, Entities: []screening.Entity{{ID: "my-watch:1", List: "my-watch",
			SourceID: "1", Category: tc.cat, Confidence: tc.conf, Name: "Watched", Addresses: []screening.ListedAddress{{Address: addr}}}}}
		s, err := screening.NewScreener(screening.BuildIndex([]*screening.List{l}, t0), screening.Config{})
		if err != nil {
			t.Fatal(err)
		}
		for use, want := range map[screening.Use]bulwark.Verdict{screening.UseWithdrawal: tc.withdrawal, screening.UseDeposit: tc.deposit} {
			d, err := s.ScreenAddresses(use, "", []screening.AddressQuery{{Address: addr}})
			if err != nil || d.Verdict != want {
				t.Errorf("%s/%q for %s: %v, %v; want %s", tc.cat, tc.conf, use, d.Verdict, err, want)
			}
		}
	}
	// A policy file may set the verdict of unknown confidence and of the
	// new categories; a sanctions match of unknown confidence cannot be
	// cleared.
	p, err := screening.ParsePolicy([]byte(`{"withdrawal": {"address": {"internal": {"unknown": "block"}, "unknown": {"low": "clear"}}}}`), "policy.json")
	if err != nil || p[screening.UseWithdrawal].Address[screening.CategoryInternal][screening.ConfidenceUnknown] != bulwark.VerdictBlock {
		t.Fatalf("policy with unknowns: %v", err)
	}
	if _, err := screening.ParsePolicy([]byte(`{"deposit": {"address": {"sanctions": {"unknown": "clear"}}}}`), "policy.json"); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("clearing sanctions of unknown confidence: %v", err)
	}
}

// TestOwnListsNeverStale: staleness measures an official list against its
// publication cadence; a user's own list has none, so a month-old own list
// neither warns nor, fail-closed, turns its clear answers into review.
func TestOwnListsNeverStale(t *testing.T) {
	t.Parallel()
	imported := t0.Add(-30 * 24 * time.Hour)
	ls := []*screening.List{
		{Info: screening.ListInfo{ID: "my-watch", SHA256: "m", Imported: imported}, Entities: []screening.Entity{{ID: "my-watch:1", List: "my-watch",
			SourceID: "1", Category: screening.CategoryInternal, Confidence: screening.ConfidenceUnknown, Name: "w",
			Addresses: []screening.ListedAddress{{Address: "0x00000000000000000000000000000000000000aa"}}}}},
		{Info: screening.ListInfo{ID: "custom:mules", SHA256: "c", Imported: imported}},
		{Info: screening.ListInfo{ID: "fbi-dprk", SHA256: "f", Imported: imported}},
	}
	s, err := screening.NewScreener(screening.BuildIndex(ls, t0), screening.Config{MaxAge: 7 * 24 * time.Hour, FailClosed: true, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	st := s.Stale()
	if len(st) != 1 || st[0].ID != "fbi-dprk" {
		t.Errorf("stale lists %+v, want fbi-dprk only", st)
	}
}
