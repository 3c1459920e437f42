package hiring

import (
	"slices"
	"strings"
)

// AttachEvidence gives each evidence item to the person it is about, among
// people: a sign-in by its user (the person's id or one of their e-mails),
// a device by its user or its serial (one of the person's device serials),
// a shipment by its person or device serial, a payroll account by its
// person, a GitHub profile by its login (the person's GitHub handle).
// Matching ignores case and surrounding spaces. Items no person matches
// are returned apart: the store keeps only evidence about a person it
// holds. An item that matches several people goes to the first.
func AttachEvidence(people []Person, ev Evidence) (map[string]Evidence, Evidence) {
	byKey := map[string]string{}
	put := func(kind, v, id string) {
		v = strings.ToLower(strings.TrimSpace(v))
		if v == "" {
			return
		}
		if _, ok := byKey[kind+v]; !ok {
			byKey[kind+v] = id
		}
	}
	for _, p := range people {
		put("u", p.ID, p.ID)
		for _, e := range p.Emails {
			put("u", e, p.ID)
		}
		for _, s := range p.DeviceSerials {
			put("s", s, p.ID)
		}
		put("g", p.GitHub, p.ID)
	}
	find := func(kind, v string) (string, bool) {
		id, ok := byKey[kind+strings.ToLower(strings.TrimSpace(v))]
		return id, ok && v != ""
	}
	out := map[string]Evidence{}
	var rest Evidence
	for _, s := range ev.SignIns {
		if id, ok := find("u", s.User); ok {
			e := out[id]
			e.SignIns = append(e.SignIns, s)
			out[id] = e
		} else {
			rest.SignIns = append(rest.SignIns, s)
		}
	}
	for _, d := range ev.Devices {
		id, ok := find("u", d.User)
		if !ok {
			id, ok = find("s", d.Serial)
		}
		if ok {
			e := out[id]
			e.Devices = append(e.Devices, d)
			out[id] = e
		} else {
			rest.Devices = append(rest.Devices, d)
		}
	}
	for _, s := range ev.Shipments {
		id, ok := find("u", s.Person)
		if !ok {
			id, ok = find("s", s.DeviceSerial)
		}
		if ok {
			e := out[id]
			e.Shipments = append(e.Shipments, s)
			out[id] = e
		} else {
			rest.Shipments = append(rest.Shipments, s)
		}
	}
	for _, a := range ev.Payroll {
		if id, ok := find("u", a.Person); ok {
			e := out[id]
			e.Payroll = append(e.Payroll, a)
			out[id] = e
		} else {
			rest.Payroll = append(rest.Payroll, a)
		}
	}
	for _, g := range ev.GitHub {
		if id, ok := find("g", g.Login); ok {
			e := out[id]
			e.GitHub = append(e.GitHub, g)
			out[id] = e
		} else {
			rest.GitHub = append(rest.GitHub, g)
		}
	}
	return out, rest
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
