package inbox

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
)

// Kinds of alerts the inbox holds: the outbox kinds of the alerts (the
// webhook payload's "type"), and hiring.flag for a person whose hiring
// verdict got worse.
const (
	KindSafe      = "safe.alert"
	KindScreening = "screening.alert"
	KindTrace     = "trace.alert"
	KindHiring    = "hiring.flag"
)

// Kinds lists every kind, in the order the inbox shows them.
func Kinds() []string { return []string{KindSafe, KindScreening, KindTrace, KindHiring} }

// EscalationKind is the kind of the outbox message an escalation writes
// (its Ref is the item's ID).
const EscalationKind = "alert.escalation"

// Severity is a place on the inbox's one scale.
type Severity string

// Severities, lowest first.
const (
	Info     Severity = "info"
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Severities lists the scale, highest first.
func Severities() []Severity { return []Severity{Critical, High, Medium, Low, Info} }

// Rank orders severities: info 0 … critical 4; -1 for an unknown word.
func (s Severity) Rank() int {
	switch s {
	case Info:
		return 0
	case Low:
		return 1
	case Medium:
		return 2
	case High:
		return 3
	case Critical:
		return 4
	}
	return -1
}

// ParseSeverity reads a severity word (any case) given in field.
func ParseSeverity(field, s string) (Severity, error) {
	v := Severity(strings.ToLower(strings.TrimSpace(s)))
	if v.Rank() < 0 {
		return "", bulwark.Invalid(field, "unknown severity %q: want critical, high, medium, low or info", s)
	}
	return v, nil
}

// Normalize returns the inbox severity of a capability's own severity
// word: the word itself when it is on the scale, high otherwise (never
// quietly demoted).
func Normalize(s string) Severity {
	v := Severity(strings.ToLower(s))
	if v.Rank() < 0 {
		return High
	}
	return v
}

// ScreeningSeverity is the severity of a screening alert of verdict:
// block critical, review medium, anything else info.
func ScreeningSeverity(verdict bulwark.Verdict) Severity {
	switch verdict {
	case bulwark.VerdictBlock:
		return Critical
	case bulwark.VerdictReview:
		return Medium
	}
	return Info
}

// HiringSeverity is the severity of a hiring flag of verdict: block high,
// review medium, anything else info.
func HiringSeverity(verdict bulwark.Verdict) Severity {
	switch verdict {
	case bulwark.VerdictBlock:
		return High
	case bulwark.VerdictReview:
		return Medium
	}
	return Info
}

// State is where an item stands.
type State string

// States.
const (
	Open         State = "open"
	Acknowledged State = "acknowledged"
)

// Item is one alert in the inbox.
type Item struct {
	// ID numbers the items from 1 in the order their alerts were stored.
	ID int64 `json:"id"`
	// Kind is the alert's kind (KindSafe …) and Ref its id among the
	// alerts of its kind (a hiring flag's is "RUN:PERSON").
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
	// Time is when the alert was stored (UTC).
	Time     time.Time `json:"time"`
	Severity Severity  `json:"severity"`
	// Subject is what the alert is about: a Safe, a watched subject, a
	// deposit address, a person's id.
	Subject string `json:"subject"`
	Message string `json:"message"`
	// Evidence is the API path of the alert's evidence (its capability's
	// detail route).
	Evidence string `json:"evidence"`
	State    State  `json:"state"`
	// Assignee is who works on it ("" when nobody), set by AssignedBy at
	// AssignedAt.
	Assignee   string     `json:"assignee,omitempty"`
	AssignedBy string     `json:"assignedBy,omitempty"`
	AssignedAt *time.Time `json:"assignedAt,omitempty"`
	// AckedBy acknowledged it at AckedAt, for AckReason.
	AckedBy   string     `json:"ackedBy,omitempty"`
	AckedAt   *time.Time `json:"ackedAt,omitempty"`
	AckReason string     `json:"ackReason,omitempty"`
	// EscalatedAt is when it was escalated (nil when it was not).
	EscalatedAt *time.Time `json:"escalatedAt,omitempty"`
}

// NeedsDualControl reports whether acknowledging it silences an alarm about
// the money: a critical Safe alert.
func (it *Item) NeedsDualControl() bool { return it.Kind == KindSafe && it.Severity == Critical }

// Evidence paths of each kind (the capability's detail route).

// SafeEvidence is the API path that returns Safe alert id.
func SafeEvidence(id int64) string {
	return "/api/v1/safe/alerts?since=" + strconv.FormatInt(id-1, 10) + "&limit=1"
}

// ScreeningEvidence is the path of the screening decision that raised an
// alert.
func ScreeningEvidence(decisionID string) string {
	return "/api/v1/screen/decisions/" + url.PathEscape(decisionID)
}

// TraceEvidence is the path of a trace alert's evidence: the case that
// raised it (follow "case:ID"), else the alert itself.
func TraceEvidence(id int64, follow string) string {
	if c, ok := strings.CutPrefix(follow, "case:"); ok && c != "" {
		return "/api/v1/trace/cases/" + url.PathEscape(c)
	}
	return "/api/v1/trace/alerts?since=" + strconv.FormatInt(id-1, 10) + "&limit=1"
}

// HiringEvidence is the path of a person's record and assessment.
func HiringEvidence(personID string) string {
	return "/api/v1/hire/people/" + url.PathEscape(personID)
}

// Limits.
const (
	// MaxReason is the longest acknowledgement reason, in characters.
	MaxReason = 1000
	// MaxAssignee is the longest assignee name, in characters.
	MaxAssignee = 64
	// DefaultLimit and MaxLimit bound a page.
	DefaultLimit = 50
	MaxLimit     = 500
	// Unassigned, as Filter.Assignee, selects the items nobody is assigned.
	Unassigned = "none"
)

// CheckReason returns the trimmed acknowledgement reason, or EINVALID
// naming field when it is empty, too long, or holds control characters.
func CheckReason(field, reason string) (string, error) {
	r := strings.TrimSpace(reason)
	switch {
	case r == "":
		return "", bulwark.Invalid(field, "required: say why the alert is closed (what was checked, what was done)")
	case !utf8.ValidString(r):
		return "", bulwark.Invalid(field, "not valid UTF-8")
	case utf8.RuneCountInString(r) > MaxReason:
		return "", bulwark.Invalid(field, "at most %d characters, got %d", MaxReason, utf8.RuneCountInString(r))
	}
	for _, c := range r {
		if unicode.IsControl(c) && c != '\n' && c != '\t' {
			return "", bulwark.Invalid(field, "holds a control character (U+%04X): write plain text", c)
		}
	}
	return r, nil
}

// CheckAssignee returns the trimmed assignee, or EINVALID naming field.
// "" unassigns. A name is 1 to MaxAssignee letters, digits and . _ @ -
// (a user name or an e-mail address); Unassigned is reserved.
func CheckAssignee(field, name string) (string, error) {
	a := strings.TrimSpace(name)
	if a == "" {
		return "", nil
	}
	if a == Unassigned {
		return "", bulwark.Invalid(field, "%q is reserved (it selects the unassigned alerts): give a user name, or nothing to unassign", Unassigned)
	}
	if utf8.RuneCountInString(a) > MaxAssignee {
		return "", bulwark.Invalid(field, "at most %d characters", MaxAssignee)
	}
	for _, c := range a {
		if !(unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune("._@-", c)) {
			return "", bulwark.Invalid(field, "%q: a user name holds letters, digits and . _ @ - only", a)
		}
	}
	return a, nil
}

// Filter selects items, newest first.
type Filter struct {
	// Kinds keeps these kinds (none: all).
	Kinds []string
	// Severities keeps these severities (none: all).
	Severities []Severity
	// State keeps items in this state ("": all).
	State State
	// Assignee keeps the items assigned to this name; Unassigned keeps
	// those assigned to nobody ("": all).
	Assignee string
	// Before keeps items with an ID below it (0: from the newest): the
	// cursor of the next page.
	Before int64
	// Limit is the most items returned, 1 to MaxLimit.
	Limit int
}

// Check validates f: known kinds, severities and state, a name, a limit
// within bounds (0 becomes DefaultLimit).
func (f *Filter) Check() error {
	for _, k := range f.Kinds {
		if !knownKind(k) {
			return bulwark.Invalid("kind", "unknown kind %q: want %s", k, strings.Join(Kinds(), ", "))
		}
	}
	for _, s := range f.Severities {
		if s.Rank() < 0 {
			return bulwark.Invalid("severity", "unknown severity %q: want critical, high, medium, low or info", string(s))
		}
	}
	switch f.State {
	case "", Open, Acknowledged:
	default:
		return bulwark.Invalid("state", "unknown state %q: want open or acknowledged", string(f.State))
	}
	if f.Assignee != Unassigned && f.Assignee != "" {
		if _, err := CheckAssignee("assignee", f.Assignee); err != nil {
			return err
		}
	}
	if f.Before < 0 {
		return bulwark.Invalid("cursor", "must not be negative")
	}
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	if f.Limit < 1 || f.Limit > MaxLimit {
		return bulwark.Invalid("limit", "between 1 and %d, got %d", MaxLimit, f.Limit)
	}
	return nil
}

func knownKind(k string) bool {
	for _, v := range Kinds() {
		if k == v {
			return true
		}
	}
	return false
}

// ParseList splits a comma-separated filter value ("critical,high") into
// its trimmed, non-empty parts.
func ParseList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Page is one page of items and the cursor of the next ("" on the last).
type Page struct {
	Items []Item `json:"items"`
	Next  string `json:"next,omitempty"`
}

// FormatCursor is the cursor of the page after the item with ID id.
func FormatCursor(id int64) string { return "b" + strconv.FormatInt(id, 10) }

// ParseCursor reads a cursor given in field ("" is the first page) and
// returns Filter.Before.
func ParseCursor(field, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(s, "b"), 10, 64)
	if !strings.HasPrefix(s, "b") || err != nil || n < 1 || strings.HasPrefix(s, "b+") || strings.HasPrefix(s, "b0") {
		return 0, bulwark.Invalid(field, "%q is not a cursor: pass the \"next\" value of the previous page as it is", s)
	}
	return n, nil
}

// Store keeps the inbox. A store adapter writes an item in the
// transaction that stores its alert; the methods that change an item join
// the transaction audit.Log.Do hands its change, so a change and its audit
// entry commit together. storetest.Inbox is its conformance suite.
type Store interface {
	// InboxItems returns the items f selects (f checked), newest first,
	// at most f.Limit.
	InboxItems(ctx context.Context, f Filter) ([]Item, error)
	// InboxItem returns item id; ENOTFOUND.
	InboxItem(ctx context.Context, id int64) (Item, error)
	// AssignInboxItem sets (or, with "", clears) the assignee of open item
	// id and returns the item; ENOTFOUND, ECONFLICT when it is
	// acknowledged.
	AssignInboxItem(ctx context.Context, id int64, assignee, by string, at time.Time) (Item, error)
	// AckInboxItem acknowledges open item id for reason and returns it;
	// ENOTFOUND, ECONFLICT when it is acknowledged already.
	AckInboxItem(ctx context.Context, id int64, by, reason string, at time.Time) (Item, error)
	// DueEscalations returns up to limit open items of rank at least
	// min's, stored at or before storedBy and never escalated, oldest
	// first.
	DueEscalations(ctx context.Context, min Severity, storedBy time.Time, limit int) ([]Item, error)
	// EscalateInboxItem marks open, never escalated item id escalated at
	// at and writes its outbox message (kind EscalationKind, ref id) in
	// the same transaction. It reports false, changing nothing, when the
	// item is escalated or acknowledged already; ENOTFOUND.
	EscalateInboxItem(ctx context.Context, id int64, at time.Time) (bool, error)
}

// Query is a filter as the command line, the API and the console take
// it: comma-separated kinds and severities, a state ("all" or "" for
// every state), an assignee (Unassigned for nobody), the cursor of the
// page and its size (0: DefaultLimit).
type Query struct {
	Kind, Severity, State, Assignee, Cursor string
	Limit                                   int
}

// Filter reads q into a checked Filter; errors name the field (kind,
// severity, state, assignee, cursor, limit).
func (q Query) Filter() (Filter, error) {
	f := Filter{Kinds: ParseList(q.Kind), Limit: q.Limit}
	for _, s := range ParseList(q.Severity) {
		v, err := ParseSeverity("severity", s)
		if err != nil {
			return Filter{}, err
		}
		f.Severities = append(f.Severities, v)
	}
	switch st := strings.ToLower(strings.TrimSpace(q.State)); st {
	case "", "all":
	default:
		f.State = State(st)
	}
	f.Assignee = strings.TrimSpace(q.Assignee)
	var err error
	if f.Before, err = ParseCursor("cursor", strings.TrimSpace(q.Cursor)); err != nil {
		return Filter{}, err
	}
	if err := f.Check(); err != nil {
		return Filter{}, err
	}
	return f, nil
}
