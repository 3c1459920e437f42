package hiring

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

// LinkFunc is the identity graph: the clusters of records that share
// identifiers, with their reasons.
type LinkFunc func(people []Person) ([]Cluster, error)

// CheckFunc is the rules: one assessment per person, from the records,
// their evidence and the clusters (Checker.Check).
type CheckFunc func(ctx context.Context, people []Person, ev Evidence, clusters []Cluster) ([]Assessment, error)

// GraphFunc is the identity graph: clusters, the links that annotate
// without merging, and the identifiers rejected (BuildGraph).
type GraphFunc func(people []Person) (*Graph, error)

// GraphCheckFunc is the rules over the whole identity graph
// (Checker.CheckGraph).
type GraphCheckFunc func(ctx context.Context, people []Person, ev Evidence, g *Graph) ([]Assessment, error)

// Service runs the vetting of people for the command line and the API
// alike: imports, screening runs, link runs, re-checks, forgetting and
// retention, each stored with its audit entry in one transaction. The
// audit entries and errors never carry a person's id or any other
// identifier: a person appears only as their keyed fingerprint.
//
// Privacy notes. A person's fingerprint (PersonFingerprint) is an HMAC
// under the instance's key of a random salt stored with the person and
// the id; the audit entries (hire.screen, hire.recheck, hire.link,
// hire.forget) and the screening decisions about the person carry it.
// Forget deletes the record, the evidence, the assessment and the salt,
// removes the person from other people's flags and referrals, and then
// has the store scrub its files (Store.ScrubDeleted: SQLite overwrites
// deleted content and truncates its write-ahead log). What stays: the
// audit entries and screening decisions under the old fingerprint, which
// nobody can compute again from the id once the salt is gone (the
// decisions of the hiring use hold no name, birth date or country, see
// screening.UseHiring), and the runs' counts; ForgetReport.Remains says
// when the write-ahead log could not be scrubbed at once (until its next
// checkpoint). Backups and copies of the store taken before the forget
// still hold the person: they must be rotated out under the same
// retention. A person imported again gets a new salt, so a new
// fingerprint.
type Service struct {
	// Store keeps the people and results; Audit records every change.
	// Both are required and must be the same adapter, so that they share
	// the transaction.
	Store Store
	Audit *audit.Log
	// Graph is the identity graph; nil means Link when it is set, else
	// BuildGraph with the default options (exact identifiers and the
	// fuzzy linkers). CheckGraph is the rules; nil means Check when it is
	// set, else a Checker without reference data or screener (only the
	// checks that need neither), its Subject the keyed Fingerprint: a
	// server sets a configured Checker's CheckGraph (with Subject from
	// SubjectFunc).
	Graph      GraphFunc
	CheckGraph GraphCheckFunc
	// Link and Check are the older forms of Graph and CheckGraph: they
	// pass the clusters alone, so the rules never see the graph's shared
	// links (shared addresses and IPs, an identifier more records share
	// than the graph merges). Used only when Graph, CheckGraph are nil.
	Link  LinkFunc
	Check CheckFunc
	// Lists returns the versions of the screening lists in force (list
	// id → version), recorded with every assessment; nil for none.
	Lists func() map[string]string
	// Rules names the rules' version, recorded with every assessment.
	Rules string
	// Index, when set, keeps the stored people indexed between runs, so
	// that Screen of new people without evidence (applicants) checks
	// each against the index and runs the graph and the rules over their
	// neighbourhood only (see ScreenIndex); nil runs every screening over
	// everyone stored. It is used with the default identity graph only
	// (Graph and Link nil). A process shares one among its Services.
	Index *ScreenIndex
}

// RunResult is what a run returns: the stored run (its ID is committed),
// the assessments stored (none for a link run) and the identity graph's
// clusters, shared links and rejected identifiers (to be fixed in the
// records: they link nothing).
type RunResult struct {
	Run         *Run         `json:"run"`
	Assessments []Assessment `json:"assessments"`
	Clusters    []Cluster    `json:"clusters"`
	Shared      []SharedLink `json:"shared,omitempty"`
	Rejected    []Rejected   `json:"rejected,omitempty"`
	// Given counts the evidence items given to the run, by kind, and
	// Unattached those of them that matched no person (not stored).
	Given      Unmatched `json:"given"`
	Unattached Unmatched `json:"unattached"`
	// Unmatched and Skipped are the rules' (Report): evidence they could
	// use for nobody (it matches several people), referred_by values
	// naming no person, and the checks that could not run. Notices says
	// all of it in sentences.
	Unmatched Unmatched `json:"unmatched"`
	Skipped   []string  `json:"skipped,omitempty"`
	// Changed are the people stored and screened before whose verdict the
	// run changed (a person already hired going from review to block
	// because of a new applicant's or a new file's evidence), in the
	// order of Assessments.
	Changed []VerdictChange `json:"changed,omitempty"`
}

// VerdictChange is a stored person whose verdict a run changed: the
// verdict of their assessment before the run, the new one, and the new
// assessment's rule codes.
type VerdictChange struct {
	ID    string          `json:"id"`
	From  bulwark.Verdict `json:"from"`
	To    bulwark.Verdict `json:"to"`
	Rules []string        `json:"rules,omitempty"`
}

// priorVerdicts returns the verdicts of the stored people whose latest
// assessment is not clear (review or block), read page by page; the
// others stored and screened are clear.
func (s *Service) priorVerdicts(ctx context.Context) (map[string]bulwark.Verdict, error) {
	out := map[string]bulwark.Verdict{}
	for _, v := range []bulwark.Verdict{bulwark.VerdictReview, bulwark.VerdictBlock} {
		q := PeopleQuery{Verdict: v, Limit: MaxPage}
		for {
			page, err := s.Store.ListPeople(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, p := range page.People {
				out[p.ID] = p.Verdict
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
	}
	return out, nil
}

// verdictChanges compares the assessments as of a run with the verdicts
// before it (prior: priorVerdicts) for the people stored before (stored):
// a person not in prior is clear when they had an assessment at all
// (Store.Assessment: a person imported but never screened changes
// nothing).
func (s *Service) verdictChanges(ctx context.Context, as []Assessment, prior map[string]bulwark.Verdict, stored map[string]bool) ([]VerdictChange, error) {
	var out []VerdictChange
	for _, a := range as {
		if !stored[a.ID] {
			continue
		}
		from, ok := prior[a.ID]
		if !ok {
			if a.Verdict == bulwark.VerdictClear {
				continue
			}
			if _, err := s.Store.Assessment(ctx, a.ID); bulwark.ErrorCode(err) == bulwark.ENOTFOUND {
				continue
			} else if err != nil {
				return nil, err
			}
			from = bulwark.VerdictClear
		}
		if from == a.Verdict {
			continue
		}
		c := VerdictChange{ID: a.ID, From: from, To: a.Verdict}
		for _, f := range a.Flags {
			if !slices.Contains(c.Rules, f.Rule) {
				c.Rules = append(c.Rules, f.Rule)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// ImportReport is what Import returns.
type ImportReport struct {
	ImportCounts
	// Unattached counts the evidence items that matched no person (not
	// stored).
	Unattached int `json:"unattached"`
	// AuditSeq is the import's audit entry (0 when nothing changed).
	AuditSeq int64 `json:"auditSeq,omitempty"`
}

// ForgetReport is what Forget returns.
type ForgetReport struct {
	Forgotten
	// Fingerprint is the forgotten person's fingerprint, as the audit log
	// names them.
	Fingerprint string `json:"fingerprint"`
	AuditSeq    int64  `json:"auditSeq"`
	// Remains is empty when the person's data is gone from the store's
	// files; otherwise it says what stays and until when (the store could
	// not scrub its write-ahead log now: until its next checkpoint).
	Remains string `json:"remains,omitempty"`
}

// maxRunAttempts bounds how often a run is computed again because people
// were forgotten while it ran.
const maxRunAttempts = 3

// Fingerprint returns the fingerprint of stored person id
// (PersonFingerprint under the store's key and the person's salt): as the
// audit log and the screening decisions name them. A person not stored
// (or forgotten) has none: ENOTFOUND.
func (s *Service) Fingerprint(ctx context.Context, id string) (string, error) {
	key, err := s.Store.HiringKey(ctx)
	if err != nil {
		return "", err
	}
	sp, _, err := s.Store.Person(ctx, id)
	if err != nil {
		return "", err
	}
	return PersonFingerprint(key, sp.Salt, id), nil
}

// fingerprints returns the fingerprint of each person of a run by id:
// the stored people's from their salts, the others' from salts (the new
// people's, given to the store with their records), and for any other id
// a fresh random salt's (a person never stored: unlinkable).
func fingerprints(key []byte, snap *Snapshot, salts map[string][]byte) func(id string) string {
	stored := make(map[string][]byte, len(snap.People))
	for _, sp := range snap.People {
		stored[sp.Person.ID] = sp.Salt
	}
	return func(id string) string {
		salt, ok := stored[id]
		if !ok {
			if salt, ok = salts[id]; !ok {
				salt = NewSalt()
			}
		}
		return PersonFingerprint(key, salt, id)
	}
}

// Import stores people and the evidence about them (AttachEvidence
// attaches it to the people imported and to those stored), all or
// nothing, audited as hire.import by actor with counts only. Evidence no
// person matches is counted, not stored.
func (s *Service) Import(ctx context.Context, actor string, people []Person, ev Evidence) (*ImportReport, error) {
	for attempt := 1; ; attempt++ {
		rep, err := s.importOnce(ctx, actor, people, ev)
		if bulwark.ErrorCode(err) == bulwark.ECONFLICT && attempt < maxRunAttempts {
			continue // people were forgotten while the evidence was attached
		}
		return rep, err
	}
}

func (s *Service) importOnce(ctx context.Context, actor string, people []Person, ev Evidence) (*ImportReport, error) {
	var snap *Snapshot
	snapshot := func() (*Snapshot, error) {
		var err error
		snap, err = s.Store.Snapshot(ctx)
		return snap, err
	}
	records, rest, err := s.records(people, ev, snapshot)
	if err != nil {
		return nil, err
	}
	unattached := rest.Count()
	generation := NoGeneration
	if snap != nil {
		generation = snap.Generation
	}
	rep := &ImportReport{Unattached: unattached}
	e, err := s.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var err error
		if rep.ImportCounts, err = s.Store.SavePeople(ctx, records, generation); err != nil {
			return audit.Event{}, err
		}
		if rep.Added+rep.Updated == 0 {
			return audit.Event{}, audit.ErrUnchanged
		}
		return audit.Event{Actor: actor, Action: "hire.import", Target: "hire:people", Details: importDetails(rep, len(records))}, nil
	})
	if err != nil {
		return nil, err
	}
	if e != nil {
		rep.AuditSeq = e.Seq
	}
	return rep, nil
}

func importDetails(rep *ImportReport, records int) map[string]any {
	return map[string]any{"records": records, "added": rep.Added, "updated": rep.Updated, "unchanged": rep.Unchanged,
		"evidence": rep.Evidence, "unattached": rep.Unattached, "gone": rep.Gone}
}

// records checks people and attaches ev to them, or to the stored people
// of snapshot (called only when some items match none of people) for the
// items none of them matches: those are EvidenceOnly records.
func (s *Service) records(people []Person, ev Evidence, snapshot func() (*Snapshot, error)) ([]Record, Evidence, error) {
	records := make([]Record, len(people))
	for i, p := range people {
		records[i].Person = p
	}
	if err := CheckRecords(records); err != nil {
		return nil, Evidence{}, err
	}
	attached, rest := AttachEvidence(people, ev)
	for i := range records {
		records[i].Evidence = attached[records[i].Person.ID]
	}
	if rest.Count() > 0 {
		snap, err := snapshot()
		if err != nil {
			return nil, Evidence{}, err
		}
		stored, left := AttachEvidence(snap.Persons(), rest)
		rest = left
		for _, sp := range snap.People {
			if e, ok := stored[sp.Person.ID]; ok {
				records = append(records, Record{Person: sp.Person, Evidence: e, EvidenceOnly: true})
			}
		}
	}
	return records, rest, nil
}

// Screen imports people and ev (as Import, in the run's transaction) and
// screens every stored person with them: the identity graph links them,
// the rules assess them, and the run with every assessment is stored and
// audited as hire.screen by actor, in one transaction; the run's id is
// returned once committed. The audit entry carries the counts, the list
// and rule versions, the SHA-256 of the assessments and, for each person
// with a flag or a verdict other than clear, their fingerprint, verdict,
// score and rule codes. people may be empty (a re-screening of the stored
// people with new evidence).
func (s *Service) Screen(ctx context.Context, actor string, people []Person, ev Evidence) (*RunResult, error) {
	return s.run(ctx, actor, RunScreen, "", people, ev)
}

// Recheck screens every stored person again, as Screen does without an
// import, audited as hire.recheck by actor with reason (e.g. "lists
// changed: ofac-sdn"). A server calls it when the screening lists in
// force change (the lists refresher's reload, a list import) or new
// evidence arrives; it also makes stale assessments current.
func (s *Service) Recheck(ctx context.Context, actor, reason string) (*RunResult, error) {
	return s.run(ctx, actor, RunRecheck, reason, nil, Evidence{})
}

// LinkRun runs the identity graph over the stored people and people (not
// stored), and records the run (hire.link: counts, and the clusters as
// lists of fingerprints) without assessments.
func (s *Service) LinkRun(ctx context.Context, actor string, people []Person) (*RunResult, error) {
	records := make([]Record, len(people))
	for i, p := range people {
		records[i].Person = p
	}
	if err := CheckRecords(records); err != nil {
		return nil, err
	}
	key, err := s.Store.HiringKey(ctx)
	if err != nil {
		return nil, err
	}
	snap, err := s.Store.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	all := merge(snap.Persons(), people)
	g, err := s.graph(all)
	if err != nil {
		return nil, err
	}
	clusters := g.Clusters
	run := &Run{Kind: RunLink, Actor: actor, Clusters: len(clusters), Inputs: Inputs{People: len(all)}}
	var out *Run
	_, err = s.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var err error
		if out, err = s.Store.SaveRun(ctx, run, nil, snap.Generation); err != nil {
			return audit.Event{}, err
		}
		fp := fingerprints(key, snap, nil)
		fps := make([][]string, len(clusters))
		for i, c := range clusters {
			fps[i] = make([]string, len(c.IDs))
			for j, id := range c.IDs {
				fps[i][j] = fp(id)
			}
		}
		return audit.Event{Actor: actor, Action: "hire.link", Target: RunTarget(out.ID), Details: map[string]any{
			"run": out.ID, "people": len(all), "clusters": fps}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &RunResult{Run: out, Assessments: []Assessment{}, Clusters: clusters, Shared: g.Shared, Rejected: g.Rejected}, nil
}

// graph runs Graph, or Link, or BuildGraph with the default options.
func (s *Service) graph(people []Person) (*Graph, error) {
	switch {
	case s.Graph != nil:
		g, err := s.Graph(people)
		if err == nil && g == nil {
			g = &Graph{}
		}
		return g, err
	case s.Link != nil:
		clusters, err := s.Link(people)
		return &Graph{Clusters: clusters}, err
	}
	return BuildGraph(people, LinkOptions{})
}

// incremental reports whether a run may take the index's incremental
// path: a screening of valid new people records without evidence, with
// an index and the default identity graph.
func (s *Service) incremental(kind string, people []Person, ev Evidence) bool {
	if s.Index == nil || s.Graph != nil || s.Link != nil || kind != RunScreen || ev.Count() > 0 ||
		len(people) == 0 || len(people) > maxIncremental {
		return false
	}
	records := make([]Record, len(people))
	for i, p := range people {
		records[i].Person = p
	}
	return CheckRecords(records) == nil // the full run reports what is wrong
}

// RunTarget is the audit target of a run: "hire:run:ID".
func RunTarget(id int64) string { return "hire:run:" + strconv.FormatInt(id, 10) }

func (s *Service) run(ctx context.Context, actor, kind, reason string, people []Person, ev Evidence) (*RunResult, error) {
	key, err := s.Store.HiringKey(ctx)
	if err != nil {
		return nil, err
	}
	check := s.CheckGraph
	switch {
	case check != nil:
	case s.Check != nil:
		check = func(ctx context.Context, people []Person, ev Evidence, g *Graph) ([]Assessment, error) {
			return s.Check(ctx, people, ev, g.Clusters)
		}
	default:
		check = (&Checker{Subject: SubjectFunc(key)}).CheckGraph
	}
	if s.incremental(kind, people, ev) {
		var rep Report
		res, ok, err := s.screenIncremental(withRunReport(ctx, &rep), key, check, actor, people)
		switch {
		case err != nil && bulwark.ErrorCode(err) != bulwark.ECONFLICT:
			return nil, err
		case err == nil && ok:
			// The rules ran over a neighbourhood: its skipped checks
			// hold; its referrals do not (a neighbour's referrer may be
			// outside it), so those of the new people are counted here
			// (a referral to a stored person runs in full).
			res.Skipped = rep.Skipped
			res.Unmatched.Referrals = unresolvedReferrals(people)
			return res, nil
		}
		// The incremental path does not apply: the full run.
	}
	for attempt := 1; ; attempt++ {
		res, err := s.runOnce(ctx, key, check, actor, kind, reason, people, ev)
		if bulwark.ErrorCode(err) == bulwark.ECONFLICT && attempt < maxRunAttempts {
			continue // people were forgotten while the run was computed
		}
		return res, err
	}
}

func (s *Service) runOnce(ctx context.Context, key []byte, check GraphCheckFunc, actor, kind, reason string, people []Person, ev Evidence) (*RunResult, error) {
	// One snapshot for attaching the evidence and for the run: SaveRun's
	// generation check then covers both.
	snap, err := s.Store.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	var records []Record
	var rest Evidence
	if len(people) > 0 || ev.Count() > 0 {
		var err error
		if records, rest, err = s.records(people, ev, func() (*Snapshot, error) { return snap, nil }); err != nil {
			return nil, err
		}
	}
	unattached := rest.Count()
	// The run sees the stored people as this import leaves them.
	all := snap.Persons()
	allEv := snap.Evidence
	var imported []Person
	inSnap := make(map[string]bool, len(snap.People))
	for _, sp := range snap.People {
		inSnap[sp.Person.ID] = true
	}
	salts := map[string][]byte{}
	for i := range records {
		r := &records[i]
		if !r.EvidenceOnly {
			imported = append(imported, r.Person)
			if !inSnap[r.Person.ID] {
				r.Salt = NewSalt() // the fingerprint is needed before the record is stored
				salts[r.Person.ID] = r.Salt
			}
		}
		allEv.Append(r.Evidence)
	}
	all = merge(all, imported)
	fp := fingerprints(key, snap, salts)
	if len(all) == 0 {
		if kind == RunRecheck {
			return nil, nil
		}
		return nil, bulwark.Invalid("people", "no people to screen: none given and none stored")
	}
	g, err := s.graph(all)
	if err != nil {
		return nil, err
	}
	prior, err := s.priorVerdicts(ctx)
	if err != nil {
		return nil, err
	}
	clusters := g.Clusters
	var rep Report
	as, err := check(withRunReport(WithSubjects(ctx, fp), &rep), all, allEv, g)
	if err != nil {
		return nil, err
	}
	inputs := Inputs{Rules: s.Rules, People: len(all), Evidence: allEv.Count()}
	if s.Lists != nil {
		inputs.Lists = s.Lists()
	}
	run := &Run{Kind: kind, Actor: actor, Reason: reason, Imported: len(people), Clusters: len(clusters),
		Verdicts: map[bulwark.Verdict]int{}, Inputs: inputs}
	for _, a := range as {
		run.Verdicts[a.Verdict]++
	}
	digest, err := assessmentsDigest(as)
	if err != nil {
		return nil, err
	}
	changed, err := s.verdictChanges(ctx, as, prior, inSnap)
	if err != nil {
		return nil, err
	}
	var out *Run
	e, err := s.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var counts ImportCounts
		if len(records) > 0 {
			var err error
			if counts, err = s.Store.SavePeople(ctx, records, snap.Generation); err != nil {
				return audit.Event{}, err
			}
		}
		var err error
		if out, err = s.Store.SaveRun(ctx, run, as, snap.Generation); err != nil {
			return audit.Event{}, err
		}
		details := map[string]any{"run": out.ID, "people": len(all), "clusters": len(clusters), "verdicts": run.Verdicts,
			"inputs": inputs, "assessmentsSha256": digest, "flagged": flagged(fp, as)}
		if reason != "" {
			details["reason"] = reason
		}
		if kind == RunScreen {
			details["import"] = importDetails(&ImportReport{ImportCounts: counts, Unattached: unattached}, len(records))
		}
		return audit.Event{Actor: actor, Action: "hire." + kind, Target: RunTarget(out.ID), Details: details}, nil
	})
	if err != nil {
		return nil, err
	}
	out.AuditSeq = e.Seq
	return &RunResult{Run: out, Assessments: as, Clusters: clusters, Shared: g.Shared, Rejected: g.Rejected,
		Given: ev.counts(), Unattached: rest.counts(), Unmatched: rep.Unmatched, Skipped: rep.Skipped, Changed: changed}, nil
}

// flaggedPerson is how the audit log names an assessment: fingerprint,
// verdict, score and rule codes.
type flaggedPerson struct {
	Person  string          `json:"person"`
	Verdict bulwark.Verdict `json:"verdict"`
	Score   int             `json:"score"`
	Rules   []string        `json:"rules,omitempty"`
}

// flagged returns the assessments with a flag or a verdict other than
// clear, as the audit log names them.
func flagged(fp func(id string) string, as []Assessment) []flaggedPerson {
	out := []flaggedPerson{}
	for _, a := range as {
		if len(a.Flags) == 0 && a.Verdict == bulwark.VerdictClear {
			continue
		}
		f := flaggedPerson{Person: fp(a.ID), Verdict: a.Verdict, Score: a.Score}
		for _, fl := range a.Flags {
			if !slices.Contains(f.Rules, fl.Rule) {
				f.Rules = append(f.Rules, fl.Rule)
			}
		}
		out = append(out, f)
	}
	return out
}

// assessmentsDigest is the SHA-256 of the assessments' JSON encoding, as
// the audit entry of a run records it.
func assessmentsDigest(as []Assessment) (string, error) {
	b, err := json.Marshal(as)
	if err != nil {
		return "", bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode the assessments")
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// merge returns stored with the people of add replacing those with the
// same id, and the others appended.
func merge(stored, add []Person) []Person {
	if len(add) == 0 {
		return stored
	}
	at := make(map[string]int, len(stored))
	for i, p := range stored {
		at[p.ID] = i
	}
	out := slices.Clone(stored)
	for _, p := range add {
		if i, ok := at[p.ID]; ok {
			out[i] = p
		} else {
			at[p.ID] = len(out)
			out = append(out, p)
		}
	}
	return out
}

// Forget deletes person id's record, evidence and assessment and removes
// the id from other people's flags (Store.ForgetPerson), audited as
// hire.forget by actor with the person's fingerprint only, in one
// transaction. The audit log, which never held the id, stays verifiable.
// An unknown id is ENOTFOUND.
func (s *Service) Forget(ctx context.Context, id, actor string) (*ForgetReport, error) {
	if id == "" {
		return nil, bulwark.Invalid("id", "the id of the person to forget is required")
	}
	fp, err := s.Fingerprint(ctx, id)
	if err != nil {
		return nil, err
	}
	rep := &ForgetReport{Fingerprint: fp}
	e, err := s.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var err error
		if rep.Forgotten, err = s.Store.ForgetPerson(ctx, id); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: actor, Action: "hire.forget", Target: PersonTarget(rep.Fingerprint), Details: map[string]any{
			"person": rep.Fingerprint, "evidence": rep.Evidence, "assessment": rep.Assessment, "scrubbed": rep.Scrubbed, "referrals": rep.Referrals}}, nil
	})
	if err != nil {
		return nil, err
	}
	rep.AuditSeq = e.Seq
	s.Index.drop() // the forgotten person leaves the memory too
	if err := s.Store.ScrubDeleted(ctx); err != nil {
		rep.Remains = bulwark.ErrorMessage(err)
	}
	return rep, nil
}

// PurgeBefore forgets every person not imported since t (retention),
// audited as hire.purge by actor with the cutoff and the count; nothing
// to purge writes no entry. It returns the count and the entry's sequence
// number (0 without one). Once people are purged, the store scrubs its
// files of them (Store.ScrubDeleted); when it cannot now, the next forget
// or purge does, and the error says so with the count.
func (s *Service) PurgeBefore(ctx context.Context, t time.Time, actor string) (n, seq int64, err error) {
	if t.IsZero() {
		return 0, 0, bulwark.Invalid("before", "a cutoff time is required")
	}
	n, seq, err = s.Audit.Prune(ctx, actor, "hire.purge", "hiring people records", "people", t, func(ctx context.Context) (int64, error) {
		return s.Store.PurgePeople(ctx, t)
	})
	if err == nil && n > 0 {
		s.Index.drop() // the purged people leave the memory too
		if serr := s.Store.ScrubDeleted(ctx); serr != nil {
			return n, seq, bulwark.Errorf(bulwark.ErrorCode(serr), "%d people purged and audited, but %s", n, bulwark.ErrorMessage(serr))
		}
	}
	return n, seq, err
}
