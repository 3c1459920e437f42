package hiring

// How evidence names people, for the checks (Checker) and the store
// (AttachEvidence) alike, so that the evidence a run uses is the evidence
// an import keeps with the person:
//
//   - a sign-in by its user, a payroll account by its person: the
//     person's id or one of their e-mails, compared as matchKey has them
//     (case, surrounding blanks and a provider's aliases folded);
//   - a device by its user; a device naming no user by its serial (one
//     the person record lists, else one a shipment to the person names),
//     compared as serialKey has it;
//   - a shipment by its person; a shipment naming no person by its device
//     serial, as a device;
//   - a GitHub profile by its login, compared as githubKey has it with the
//     person's GitHub handle.
//
// A value several people claim (an e-mail two records share) matches
// each of them; match says so, and each caller decides: the checks use
// no such evidence (Report.Unmatched counts it), the store keeps it with
// the first claimant so that nothing is lost before the records are
// fixed.

// match is the outcome of resolving one item of evidence: the first
// person that claims it and whether another does too.
type match struct {
	i       int32
	found   bool
	several bool
}

// unique returns the person when exactly one claims the item.
func (m match) unique() (int32, bool) { return m.i, m.found && !m.several }

// first returns the first person that claims the item.
func (m match) first() (int32, bool) { return m.i, m.found }

// matcher resolves evidence to people (see above).
type matcher struct {
	byKey    map[string]match
	bySerial map[string]match
	byGitHub map[string]match
}

// newMatcher indexes people and the device serials of shipments to them.
func newMatcher(people []Person, shipments []Shipment) *matcher {
	m := &matcher{
		byKey:    make(map[string]match, 2*len(people)),
		bySerial: map[string]match{},
		byGitHub: map[string]match{},
	}
	claim := func(idx map[string]match, k string, i int32) {
		if k == "" {
			return
		}
		if c, ok := idx[k]; ok {
			c.several = c.several || c.i != i
			idx[k] = c
			return
		}
		idx[k] = match{i: i, found: true}
	}
	for i := range people {
		p := &people[i]
		claim(m.byKey, matchKey(p.ID), int32(i))
		for _, e := range p.Emails {
			claim(m.byKey, matchKey(e), int32(i))
		}
		for _, s := range p.DeviceSerials {
			claim(m.bySerial, serialKey(s), int32(i))
		}
		claim(m.byGitHub, githubKey(p.GitHub), int32(i))
	}
	// A serial a shipment names is the recipient's, unless a person
	// record lists it.
	for k := range shipments {
		s := &shipments[k]
		i, ok := m.user(s.Person).unique()
		if sk := serialKey(s.DeviceSerial); ok && sk != "" {
			if _, known := m.bySerial[sk]; !known {
				m.bySerial[sk] = match{i: i, found: true}
			}
		}
	}
	return m
}

// user resolves an id or e-mail.
func (m *matcher) user(name string) match { return m.byKey[matchKey(name)] }

// serial resolves a device serial.
func (m *matcher) serial(s string) match { return m.bySerial[serialKey(s)] }

func (m *matcher) signIn(s *SignIn) match { return m.user(s.User) }

func (m *matcher) payroll(a *PayrollAccount) match { return m.user(a.Person) }

func (m *matcher) device(d *Device) match {
	if d.User == "" {
		return m.serial(d.Serial)
	}
	return m.user(d.User)
}

func (m *matcher) shipment(s *Shipment) match {
	if s.Person == "" {
		return m.serial(s.DeviceSerial)
	}
	return m.user(s.Person)
}

func (m *matcher) gitHub(g *GitHubProfile) match { return m.byGitHub[githubKey(g.Login)] }
