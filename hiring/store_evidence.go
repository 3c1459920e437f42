package hiring

import (
	"slices"
	"strings"
)

// AttachEvidence gives each evidence item to the person it is about, among
// people, matched as the checks match it (see matcher): a sign-in by its
// user (the person's id or one of their e-mails, a provider's aliases
// folded), a device by its user or, naming none, its serial (one of the
// person's device serials or a serial shipped to them), a shipment by its
// person or, naming none, its device serial, a payroll account by its
// person, a GitHub profile by its login (the person's GitHub handle or
// profile URL). Items no person matches are returned apart: the store
// keeps only evidence about a person it holds. An item that matches
// several people goes to the first (the checks use it for nobody until
// the records are fixed).
func AttachEvidence(people []Person, ev Evidence) (map[string]Evidence, Evidence) {
	m := newMatcher(people, ev.Shipments)
	byID := map[string]*Evidence{}
	rest := &Evidence{}
	to := func(r match) *Evidence {
		i, ok := r.first()
		if !ok {
			return rest
		}
		e := byID[people[i].ID]
		if e == nil {
			e = &Evidence{}
			byID[people[i].ID] = e
		}
		return e
	}
	attachEach(ev.SignIns, m.signIn, to, func(e *Evidence) *[]SignIn { return &e.SignIns })
	attachEach(ev.Devices, m.device, to, func(e *Evidence) *[]Device { return &e.Devices })
	attachEach(ev.Shipments, m.shipment, to, func(e *Evidence) *[]Shipment { return &e.Shipments })
	attachEach(ev.Payroll, m.payroll, to, func(e *Evidence) *[]PayrollAccount { return &e.Payroll })
	attachEach(ev.GitHub, m.gitHub, to, func(e *Evidence) *[]GitHubProfile { return &e.GitHub })
	out := make(map[string]Evidence, len(byID))
	for id, e := range byID {
		out[id] = *e
	}
	return out, *rest
}

// attachEach appends each item to the list (of the kind) of the evidence
// to gives for the person resolve matches it to.
func attachEach[T any](items []T, resolve func(*T) match, to func(match) *Evidence, list func(*Evidence) *[]T) {
	for k := range items {
		l := list(to(resolve(&items[k])))
		*l = append(*l, items[k])
	}
}

// Count returns how many items ev holds.
func (ev *Evidence) Count() int {
	return len(ev.SignIns) + len(ev.Devices) + len(ev.Shipments) + len(ev.Payroll) + len(ev.GitHub)
}

// Append adds o's items to ev.
func (ev *Evidence) Append(o Evidence) {
	ev.SignIns = append(ev.SignIns, o.SignIns...)
	ev.Devices = append(ev.Devices, o.Devices...)
	ev.Shipments = append(ev.Shipments, o.Shipments...)
	ev.Payroll = append(ev.Payroll, o.Payroll...)
	ev.GitHub = append(ev.GitHub, o.GitHub...)
}

// ForgottenMark is what a forgotten person's id and name are replaced with in
// other people's flags.
const ForgottenMark = "[forgotten]"

// Scrub removes a forgotten person from a's flags: id from their Related
// lists, and id and name (each when of three bytes or more: a shorter one would
// maul words) from their evidence texts, replaced by ForgottenMark. It reports whether a changed. The adapters'
// ForgetPerson calls it on the assessments whose flags relate the person.
func (a *Assessment) Scrub(id, name string) bool {
	changed := false
	for i := range a.Flags {
		f := &a.Flags[i]
		if n := len(f.Related); n > 0 {
			f.Related = slices.DeleteFunc(f.Related, func(r string) bool { return r == id })
			if len(f.Related) != n {
				changed = true
			}
			if len(f.Related) == 0 {
				f.Related = nil
			}
		}
		for _, s := range []string{id, name} {
			if len(s) >= 3 && strings.Contains(f.Evidence, s) {
				f.Evidence = strings.ReplaceAll(f.Evidence, s, ForgottenMark)
				changed = true
			}
		}
	}
	return changed
}
