package hiring

import (
	"context"
	"fmt"
	"strings"
)

// WarningPrefix starts a notice that deserves more than a notice: most of
// an evidence file matched nobody, so the people's verdicts rest on little
// of it. The command line prints such a notice as a warning.
const WarningPrefix = "warning: "

// EvidenceSources names where each kind of evidence given to a run came
// from (file names, or the request's fields), for the notices.
type EvidenceSources struct {
	SignIns, Devices, Shipments, Payroll, GitHub []string
}

// runReport is where RunGraph leaves its counts and skipped checks for the
// Service (see withRunReport).
type runReportKey struct{}

// withRunReport returns ctx carrying r: a Checker's RunGraph under ctx
// stores its Unmatched and Skipped in *r.
func withRunReport(ctx context.Context, r *Report) context.Context {
	return context.WithValue(ctx, runReportKey{}, r)
}

// runReportFrom returns the report withRunReport put in ctx, or nil.
func runReportFrom(ctx context.Context) *Report {
	r, _ := ctx.Value(runReportKey{}).(*Report)
	return r
}

// evidenceKind describes one kind of evidence for the notices.
type evidenceKind struct {
	one, many string
	// by is how an item of the kind is matched to a person.
	by string
	// fix is what makes the items match.
	fix string
}

var (
	kindSignIns = evidenceKind{"sign-in", "sign-ins", "by the user: a person's id or e-mail",
		"add the login e-mail (a corporate address, the identity provider's user name) to the people records (the emails column takes several, separated by ';') or map the user column"}
	kindDevices = evidenceKind{"device", "devices", "by the user (a person's id or e-mail) or the serial",
		"add the device serials (device_serials column) or the login e-mail (emails column) to the people records, or map the column"}
	kindShipments = evidenceKind{"shipment", "shipments", "by the person (id or e-mail) or the device serial",
		"give the person's id or e-mail in the person column, or the serials in the people records"}
	kindPayroll = evidenceKind{"payroll account", "payroll accounts", "by the person: id or e-mail",
		"give the person's id or e-mail in the person column"}
	kindGitHub = evidenceKind{"GitHub profile", "GitHub profiles", "by the GitHub login",
		"add the GitHub login or profile URL to the people records (github column)"}
)

// unmatchedNotice is the notice of n items of kind k, of given, that match
// no person; a warning when they are more than half.
func unmatchedNotice(k evidenceKind, n, given int, sources []string) string {
	if n <= 0 {
		return ""
	}
	what := k.many
	if given == 1 {
		what = k.one
	}
	src := ""
	if len(sources) > 0 {
		src = " (" + strings.Join(sources, ", ") + ")"
	}
	verb := "match"
	if n == 1 {
		verb = "matches"
	}
	used := "are used by no rule"
	if n == 1 {
		used = "is used by no rule"
	}
	warn := 2*n > given
	if warn {
		used += ", more than half of them: the verdicts do not rest on this evidence"
	}
	msg := fmt.Sprintf("%d of %d %s%s %s no person (%s) and %s: %s", n, given, what, src, verb, k.by, used, k.fix)
	if warn {
		return WarningPrefix + msg
	}
	return msg
}

// ambiguousNotice is the notice of n items of kind k the rules used for
// nobody because they match several people.
func ambiguousNotice(k evidenceKind, n int) string {
	if n <= 0 {
		return ""
	}
	what := k.many
	if n == 1 {
		what = k.one
	}
	verb := "match"
	if n == 1 {
		verb = "matches"
	}
	used := "are"
	if n == 1 {
		used = "is"
	}
	return fmt.Sprintf("%d %s %s several people (an e-mail or serial several records give) and %s used by no rule: fix the records", n, what, verb, used)
}

// Notices returns what the run could not use, a sentence each: the
// evidence given that matched no person (not stored; per kind, naming its
// sources; a warning, starting with WarningPrefix, when it is most of the
// kind's items), the evidence that matched several people, referred_by
// values naming no person, and the checks that did not run (Skipped).
// Counts and reasons only, never a value. Never nil.
func (r *RunResult) Notices(src EvidenceSources) []string {
	out := []string{}
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	u, g := r.Unattached, r.Given
	add(unmatchedNotice(kindSignIns, u.SignIns, g.SignIns, src.SignIns))
	add(unmatchedNotice(kindDevices, u.Devices, g.Devices, src.Devices))
	add(unmatchedNotice(kindShipments, u.Shipments, g.Shipments, src.Shipments))
	add(unmatchedNotice(kindPayroll, u.Payroll, g.Payroll, src.Payroll))
	add(unmatchedNotice(kindGitHub, u.GitHub, g.GitHub, src.GitHub))
	a := r.Unmatched
	add(ambiguousNotice(kindSignIns, a.SignIns))
	add(ambiguousNotice(kindDevices, a.Devices))
	add(ambiguousNotice(kindShipments, a.Shipments))
	add(ambiguousNotice(kindPayroll, a.Payroll))
	add(ambiguousNotice(kindGitHub, a.GitHub))
	switch {
	case a.Referrals == 1:
		add("1 referred_by value names no person (by id or e-mail): REFERRED_BY_FLAGGED not checked for it (give the referrer's id as the people records have it)")
	case a.Referrals > 1:
		add(fmt.Sprintf("%d referred_by values name no person (by id or e-mail): REFERRED_BY_FLAGGED not checked for them (give the referrer's id as the people records have it)", a.Referrals))
	}
	for _, s := range r.Skipped {
		add("check skipped: " + s)
	}
	return out
}

// counts returns how many items of each kind ev holds, as an Unmatched.
func (ev *Evidence) counts() Unmatched {
	return Unmatched{SignIns: len(ev.SignIns), Devices: len(ev.Devices), Shipments: len(ev.Shipments),
		Payroll: len(ev.Payroll), GitHub: len(ev.GitHub)}
}

// Notices returns the view's notice of its people's identifiers that could
// not be read (Rejected): they link nobody, so a clear verdict of those
// people does not cover them. Counts only; nil when all were read.
func (v *RunView) Notices() []string {
	if len(v.Rejected) == 0 {
		return nil
	}
	ids := map[string]bool{}
	for _, r := range v.Rejected {
		ids[r.ID] = true
	}
	people := "1 person"
	if len(ids) > 1 {
		people = fmt.Sprintf("%d people", len(ids))
	}
	what := "1 identifier"
	if len(v.Rejected) > 1 {
		what = fmt.Sprintf("%d identifiers", len(v.Rejected))
	}
	return []string{fmt.Sprintf("%s of %s could not be read (listed as not read) and link nobody: their verdicts do not cover them, clear or not; fix them in the records and screen again", what, people)}
}

// unresolvedReferrals counts the people whose referred_by names none of
// people (by id or e-mail, as the rules resolve it), or several.
func unresolvedReferrals(people []Person) int {
	var m *matcher
	n := 0
	for i := range people {
		ref := strings.TrimSpace(people[i].ReferredBy)
		if ref == "" {
			continue
		}
		if m == nil {
			m = newMatcher(people, nil)
		}
		if _, ok := m.user(ref).unique(); !ok {
			n++
		}
	}
	return n
}
