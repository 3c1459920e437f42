package screening

import (
	"context"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// Decision is what every screening records: enough to replay it — the
// list versions it ran on, the algorithm, the use and the verdict.
type Decision struct {
	ID   string    `json:"decisionId"`
	Time time.Time `json:"time"`
	// Kind is "address" or "name".
	Kind string `json:"kind"`
	Use  Use    `json:"use"`
	// Subject is the caller's reference for whom or what was screened (a
	// customer or withdrawal ID); optional.
	Subject string `json:"subject,omitempty"`
	// Actor is who asked ("token:<id>", "cli:<user>").
	Actor   string          `json:"actor,omitempty"`
	Verdict bulwark.Verdict `json:"verdict"`
	// Lists maps each list ID to the SHA-256 of the version screened
	// against. The screener's decisions share one map per index: do not
	// modify it; assign a new one instead.
	Lists map[string]string `json:"lists"`
	// Algorithm is the matching algorithm's version.
	Algorithm string `json:"algorithm"`
	// Policy is the digest of the rules in force (Policy.Digest).
	Policy string `json:"policy"`
	// Stale lists the lists that were older than the configured maximum
	// age.
	Stale []StaleList `json:"stale,omitempty"`
	// Stored is in the answer only, never in the stored body: true when
	// the decision and its audit entry were committed before the answer
	// (the default), false when the answer did not wait (asynchronous
	// recording: a crash before the commit loses the decision).
	Stored *bool `json:"stored,omitempty"`

	// answer is the JSON of the whole decision as recorded, with the
	// stored mark last (Service.recordJSON), then a newline.
	answer []byte
	// listsJSON is the JSON of listsOf, the screening index's shared
	// copy of its versions (see Index.sharedVersions), which is never
	// modified: while Lists is that map, its JSON is listsJSON.
	listsJSON []byte
	listsOf   map[string]string
}

// AnswerJSON returns the JSON of the decision and its results as the
// screening service recorded it (the bytes its audit entry hashes), with
// "stored" as the last member: the answer, encoded once. It is nil for a
// decision the service did not record, and after the decision is changed
// it no longer describes it.
func (d *Decision) AnswerJSON() []byte {
	if len(d.answer) == 0 {
		return nil
	}
	return d.answer[: len(d.answer)-1 : len(d.answer)-1]
}

// AnswerLine is AnswerJSON followed by a newline, as an HTTP answer ends.
func (d *Decision) AnswerLine() []byte { return d.answer }

// StoredDecision is a decision as a DecisionStore returns it, with its
// results as recorded.
type StoredDecision struct {
	Decision
	// AuditSeq is the sequence number of the decision's audit entry.
	AuditSeq int64 `json:"auditSeq"`
	// Body is the full decision JSON as answered to the caller.
	Body []byte `json:"-"`
}

// DecisionFilter selects stored decisions.
type DecisionFilter struct {
	// Subject, when set, keeps the decisions about that subject.
	Subject string
	// Verdict, when set, keeps decisions with that verdict.
	Verdict bulwark.Verdict
	// ExcludeUse, when set, leaves out the decisions of that use (the
	// hiring use for a reader without the analyst role).
	ExcludeUse Use
	// Limit is the most decisions returned; it must be at least 1.
	Limit int
}

// DecisionBatchStore is a DecisionStore that stores a batch of decisions
// faster than one SaveDecision each; StoreDecisions uses it when the store
// has it.
type DecisionBatchStore interface {
	// SaveDecisions stores every decision of batch with audit sequence
	// number auditSeq, as SaveDecision would one by one.
	SaveDecisions(ctx context.Context, batch []Recorded, auditSeq int64) error
}

// DecisionStore keeps screening decisions. A store adapter that also holds
// the audit log joins the transaction audit.Log.Do hands it.
type DecisionStore interface {
	// SaveDecision stores d with its full JSON body and audit sequence
	// number; ECONFLICT when the ID is taken.
	SaveDecision(ctx context.Context, d *Decision, body []byte, auditSeq int64) error
	// Decision returns one decision; ENOTFOUND when there is none.
	Decision(ctx context.Context, id string) (*StoredDecision, error)
	// Decisions returns the newest decisions matching f, newest first,
	// without their bodies (Decision returns one with its body).
	Decisions(ctx context.Context, f DecisionFilter) ([]StoredDecision, error)
	// FirstDecisionSeqSince returns the lowest audit sequence number of
	// the decisions recorded at or after t; ok is false when there is
	// none.
	FirstDecisionSeqSince(ctx context.Context, t time.Time) (seq int64, ok bool, err error)
	// PruneDecisions deletes the decisions whose audit entry comes before
	// entry below and the alerts they raised, except alerts whose webhook
	// delivery is pending (and their decisions); it returns how many of
	// each it deleted.
	PruneDecisions(ctx context.Context, below int64) (decisions, alerts int64, err error)
}

// Disposition values.
const (
	// FalsePositive suppresses the match for that subject and entity
	// version.
	FalsePositive = "false_positive"
	// TruePositive confirms the match; it suppresses nothing.
	TruePositive = "true_positive"
)

// Disposition is an analyst's ruling on one match: for the subject key
// (an address key or a normalised name), the entity and the version of the
// entity (its digest). A false positive keeps that match out of verdicts
// until the list changes what it says about the entity.
type Disposition struct {
	ID   int64  `json:"id"`
	Kind string `json:"kind"` // address or name
	// Subject, when set, scopes the ruling to screenings of that subject
	// (your customer or applicant reference): a false positive ruled for
	// one applicant named "Kim Il" does not clear another. Empty applies
	// to every screening of the key.
	Subject string `json:"subject,omitempty"`
	// Use is UseHiring for a ruling on a hiring screening (a decision of
	// that use): it is scoped to the decision's subject, its SubjectKey is
	// a keyed fingerprint of the subject and name (HiringDispositionKey),
	// never the name, and reading it needs the analyst role. Empty for
	// every other ruling.
	Use          Use       `json:"use,omitempty"`
	SubjectKey   string    `json:"subjectKey"`
	EntityID     string    `json:"entityId"`
	EntityDigest string    `json:"entityDigest"`
	Disposition  string    `json:"disposition"`
	Note         string    `json:"note,omitempty"`
	DecisionID   string    `json:"decisionId,omitempty"`
	By           string    `json:"by"`
	At           time.Time `json:"at"`
}

// DispositionStore keeps dispositions.
type DispositionStore interface {
	// AddDisposition stores d (the store assigns ID and time) and returns it.
	AddDisposition(ctx context.Context, d Disposition) (Disposition, error)
	// Dispositions returns every disposition, oldest first.
	Dispositions(ctx context.Context) ([]Disposition, error)
}

// dispositionSet is the in-memory view of the dispositions in force: the
// newest ruling per (subject, subject key, entity).
type dispositionSet struct {
	m map[[3]string]Disposition
}

func (d *dispositionSet) len() int { return len(d.m) }

// suppresses reports whether a false-positive ruling covers this match of
// this version of the entity.
// A ruling for the screening's own subject takes precedence over one for
// every subject.
func (d *dispositionSet) suppresses(subject, key, entity, digest string) (Disposition, bool) {
	if len(d.m) == 0 || key == "" {
		return Disposition{}, false
	}
	x, ok := d.m[[3]string{subject, key, entity}]
	if !ok && subject != "" {
		x, ok = d.m[[3]string{"", key, entity}]
	}
	if !ok || x.Disposition != FalsePositive || x.EntityDigest != digest {
		return Disposition{}, false
	}
	return x, true
}

// SetDispositions replaces the dispositions in force (all of them, oldest
// first: a later ruling on the same match overrides an earlier one).
func (s *Screener) SetDispositions(all []Disposition) {
	set := &dispositionSet{m: make(map[[3]string]Disposition, len(all))}
	for _, d := range all {
		set.m[[3]string{d.Subject, d.SubjectKey, d.EntityID}] = d
	}
	s.disp.Store(set)
}

// ValidateDisposition checks a disposition an analyst submits against the
// current index: the entity must exist and the digest, when given, must be
// its current version (it is filled in when empty).
func (s *Screener) ValidateDisposition(d *Disposition) error {
	switch d.Kind {
	case KindAddress, KindName:
	default:
		return bulwark.Invalid("kind", "%q is not address or name", d.Kind)
	}
	switch d.Disposition {
	case FalsePositive, TruePositive:
	default:
		return bulwark.Invalid("disposition", "%q is not false_positive or true_positive", d.Disposition)
	}
	if d.SubjectKey == "" {
		return bulwark.Invalid("subject", "required: the screened address or name")
	}
	ix := s.Index()
	n, ok := ix.byID[d.EntityID]
	if !ok {
		return bulwark.Invalid("entityId", "%q is not in the current lists", d.EntityID)
	}
	// An exact match of an address a government list names is the listed
	// address itself: it cannot be a false positive.
	if e := &ix.entities[n]; d.Kind == KindAddress && d.Disposition == FalsePositive &&
		(e.Category == CategorySanctions || (e.Category == CategoryAttribution && e.Confidence == ConfidenceHigh)) {
		return bulwark.Invalid("disposition", "%s names this very address (%s, %s confidence): an exact address match cannot be ruled a false positive", e.List, e.Category, e.Confidence)
	}
	if err := CheckSubject("subject", d.Subject); err != nil {
		return err
	}
	cur := ix.digest(n)
	if d.EntityDigest == "" {
		d.EntityDigest = cur
	} else if d.EntityDigest != cur {
		return bulwark.Errorf(bulwark.ECONFLICT, "entityDigest: entity %s has changed since that screening (now %s); screen again and disposition the current match", d.EntityID, cur[:12])
	}
	if err := CheckText("note", d.Note, MaxNoteBytes); err != nil {
		return err
	}
	return nil
}
