package hiring

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// Pages of Store.ListPeople and Store.ListRuns.
const (
	// DefaultPage is a page's size when the query gives none.
	DefaultPage = 100
	// MaxPage is the largest page a query may ask for.
	MaxPage = 1000
)

// PeopleQuery selects a page of Store.ListPeople: the stored people,
// oldest first (by creation time, then id).
type PeopleQuery struct {
	// Verdict keeps the people whose latest assessment has this verdict
	// (block, review or clear); empty keeps everyone, screened or not.
	Verdict bulwark.Verdict
	// After is the Next of the page before; empty for the first page.
	After string
	// Limit is the most people of the page: 1 to MaxPage, 0 for
	// DefaultPage.
	Limit int
}

// PersonSummary is one person of a ListPeople page: their times and the
// summary of their latest assessment (none for a person never screened:
// Verdict empty, RunID 0).
type PersonSummary struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Verdict, Score, Rules (the flags' rule codes, heaviest first) and
	// Stale are the latest assessment's; RunID the run that computed it.
	Verdict bulwark.Verdict `json:"verdict,omitempty"`
	Score   int             `json:"score"`
	Rules   []string        `json:"rules"`
	Stale   bool            `json:"stale,omitempty"`
	RunID   int64           `json:"runId,omitempty"`
}

// PeoplePage is a page of Store.ListPeople.
type PeoplePage struct {
	People []PersonSummary `json:"people"`
	// Next is the After of the following page; empty when this page is
	// the last.
	Next string `json:"next,omitempty"`
}

// RunQuery selects a page of Store.ListRuns: the runs, newest first.
type RunQuery struct {
	// Kind keeps the runs of this kind (RunScreen, RunLink, RunRecheck);
	// empty keeps all.
	Kind string
	// Before keeps the runs with a smaller id: the Next of the page
	// before; 0 for the first page.
	Before int64
	// Limit is the most runs of the page: 1 to MaxPage, 0 for
	// DefaultPage.
	Limit int
}

// RunPage is a page of Store.ListRuns.
type RunPage struct {
	Runs []Run `json:"runs"`
	// Next is the Before of the following page; 0 when this page is the
	// last.
	Next int64 `json:"next,omitempty"`
}

// CheckPeopleQuery checks q and returns its limit (DefaultPage for 0); an
// error is EINVALID naming "verdict", "limit" or "after". Stores call it
// first.
func CheckPeopleQuery(q PeopleQuery) (int, error) {
	switch q.Verdict {
	case "", bulwark.VerdictBlock, bulwark.VerdictReview, bulwark.VerdictClear:
	default:
		return 0, bulwark.Invalid("verdict", "unknown verdict %q: use block, review or clear", bulwark.Echo(string(q.Verdict)))
	}
	if q.After != "" {
		if _, _, err := ParsePeopleCursor(q.After); err != nil {
			return 0, err
		}
	}
	return pageLimit(q.Limit)
}

// CheckRunQuery checks q and returns its limit (DefaultPage for 0); an
// error is EINVALID naming "kind", "before" or "limit".
func CheckRunQuery(q RunQuery) (int, error) {
	switch q.Kind {
	case "", RunScreen, RunLink, RunRecheck:
	default:
		return 0, bulwark.Invalid("kind", "unknown run kind %q: use screen, link or recheck", bulwark.Echo(q.Kind))
	}
	if q.Before < 0 {
		return 0, bulwark.Invalid("before", "a run id is positive, got %d", q.Before)
	}
	return pageLimit(q.Limit)
}

func pageLimit(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultPage, nil
	case n < 1 || n > MaxPage:
		return 0, bulwark.Invalid("limit", "%d: give 1 to %d", n, MaxPage)
	}
	return n, nil
}

// PeopleCursor is the After that continues a ListPeople page after the
// person created at created with id: opaque to callers (base64url), the
// same for every store.
func PeopleCursor(created time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(created.UnixNano(), 10) + " " + id))
}

// ParsePeopleCursor reads a PeopleCursor; an error is EINVALID naming
// "after" and never repeats the cursor (it holds an id).
func ParsePeopleCursor(s string) (time.Time, string, error) {
	bad := bulwark.Invalid("after", "not a cursor of this listing: give the next of the page before, unchanged")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", bad
	}
	ns, id, ok := strings.Cut(string(b), " ")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || id == "" || len(id) > MaxIDLen {
		return time.Time{}, "", bad
	}
	return time.Unix(0, n).UTC(), id, nil
}
