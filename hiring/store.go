package hiring

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// Record is one person as the store keeps it: the record and the evidence
// attached to it (AttachEvidence).
type Record struct {
	Person   Person   `json:"person"`
	Evidence Evidence `json:"evidence"`
	// EvidenceOnly marks a stored person's record given for its evidence
	// alone (evidence an import attaches to people already stored): the
	// stored record is neither replaced nor, when the person is no longer
	// stored (forgotten meanwhile), created again; the evidence of a
	// person no longer stored is not stored (ImportCounts.Gone).
	EvidenceOnly bool `json:"-"`
	// Salt is the fingerprint salt to store with a person not stored yet
	// (nil: a random one); see StoredPerson.Salt.
	Salt []byte `json:"-"`
}

// StoredPerson is a stored person with the times the store stamped (UTC).
type StoredPerson struct {
	Person Person `json:"person"`
	// CreatedAt is when the record was first imported; UpdatedAt when an
	// import last changed it or added evidence to it. Retention
	// (PurgePeople) goes by when an import last gave the record, changed or
	// not (or added evidence to it).
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Salt is the person's random fingerprint salt (PersonFingerprint),
	// stored with the record and deleted with it; never shown.
	Salt []byte `json:"-"`
}

// ImportCounts says what SavePeople did.
type ImportCounts struct {
	// Added people were not stored before; Updated ones were and had
	// their record replaced or evidence added; Unchanged ones were stored
	// exactly so.
	Added     int `json:"added"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Evidence is how many evidence items were new (an item stored before
	// for the same person is not stored twice).
	Evidence int `json:"evidence"`
	// Gone counts the EvidenceOnly records of people no longer stored:
	// neither they nor their evidence were stored.
	Gone int `json:"gone,omitempty"`
}

// Snapshot is every stored person with their evidence, read in one
// transaction.
type Snapshot struct {
	People []StoredPerson `json:"people"`
	// Evidence is the evidence of all of them, merged.
	Evidence Evidence `json:"evidence"`
	// Generation counts the deletions of people (ForgetPerson,
	// PurgePeople) the store has made: SaveRun refuses results computed
	// on a snapshot older than the last deletion.
	Generation int64 `json:"generation"`
	// Version is the store's change counter when the snapshot was read
	// (Store.Version).
	Version int64 `json:"version"`
}

// Persons returns the people records of the snapshot.
func (s *Snapshot) Persons() []Person {
	out := make([]Person, len(s.People))
	for i, p := range s.People {
		out[i] = p.Person
	}
	return out
}

// Run kinds.
const (
	RunScreen  = "screen"  // people imported and every stored person screened
	RunLink    = "link"    // the identity graph only: clusters, no assessments
	RunRecheck = "recheck" // every stored person screened again
)

// Inputs are what a run's assessments were computed against.
type Inputs struct {
	// Lists are the screening lists in force, by list id: their versions
	// (the SHA-256 of their sources).
	Lists map[string]string `json:"lists,omitempty"`
	// Rules names the version of the rules (empty when the checker gives
	// none).
	Rules string `json:"rules,omitempty"`
	// People and Evidence count the records and evidence items checked.
	People   int `json:"people"`
	Evidence int `json:"evidence"`
}

// Run is one screening, link or recheck run. Its id is given by the store
// and returned only once the run and its results are committed, so a run
// id a caller holds survives a crash; ids increase and are never reused.
type Run struct {
	ID     int64  `json:"id"`
	Kind   string `json:"kind"`
	Actor  string `json:"actor"`
	Reason string `json:"reason,omitempty"`
	// At is when the run was stored (UTC; the store stamps it).
	At time.Time `json:"at"`
	// Imported counts the people records the run imported (screen runs).
	Imported int `json:"imported"`
	// Clusters counts the clusters the identity graph found.
	Clusters int `json:"clusters"`
	// Verdicts counts the assessments by verdict.
	Verdicts map[bulwark.Verdict]int `json:"verdicts,omitempty"`
	Inputs   Inputs                  `json:"inputs"`
	// AuditSeq is the audit entry that records the run.
	AuditSeq int64 `json:"auditSeq,omitempty"`
}

// StoredAssessment is a person's latest assessment with what it was
// computed against.
type StoredAssessment struct {
	Assessment
	// RunID is the run that computed it; ComputedAt when it was stored.
	RunID      int64     `json:"runId"`
	ComputedAt time.Time `json:"computedAt"`
	Inputs     Inputs    `json:"inputs"`
	// Stale is true once something it was computed from has changed: the
	// person's record or evidence was imported again, or a person one of
	// its flags related it to was forgotten (the id is then removed from
	// the flags, see ForgetPerson). Recheck computes it again.
	Stale bool `json:"stale,omitempty"`
}

// Forgotten says what ForgetPerson deleted and changed.
type Forgotten struct {
	// Evidence counts the evidence items deleted with the record;
	// Assessment is true when the person had an assessment, deleted too.
	Evidence   int  `json:"evidence"`
	Assessment bool `json:"assessment"`
	// Scrubbed counts other people's assessments whose flags named the
	// person: the id (and the person's full name) are removed from their
	// Related lists and evidence texts and they are marked stale.
	Scrubbed int `json:"scrubbed"`
	// Referrals counts other people's records that named the person as
	// their referrer; the reference is cleared.
	Referrals int `json:"referrals"`
	// Dispositions counts the analysts' rulings on the person's screening
	// matches (screening dispositions with their fingerprint as subject),
	// deleted with the record.
	Dispositions int `json:"dispositions"`
}

// Store keeps people records, their evidence, assessments and runs. An
// adapter implements it beside audit.Store; with a context from
// audit.Log.Do every write joins the audit transaction, so a change and its
// audit entry commit together or not at all. Times are stamped by the
// store in UTC. Errors are *bulwark.Error: EINVALID for bad arguments
// (naming the field), ENOTFOUND for an unknown person or run.
type Store interface {
	// HiringKey returns the instance's fingerprint key (KeySize random
	// bytes), creating it on the first call; it never changes afterwards.
	HiringKey(ctx context.Context) ([]byte, error)
	// SavePeople stores the records in one transaction, all or nothing.
	// A record whose person id is stored already replaces the stored
	// record (its creation time is kept) and adds its evidence items to
	// the stored ones; the assessment of a person so changed is marked
	// stale. An EvidenceOnly record adds its evidence to the stored
	// person and never writes the record. generation is the Snapshot's
	// the records were built on, or NoGeneration when none was read: when
	// people were deleted since, nothing is stored and the error is
	// ECONFLICT (build them again), so that a stored record read before a
	// forget is not written back after it. A record with a Salt for a
	// person stored meanwhile under another salt is ECONFLICT too. Ids
	// must be non-empty and unique within the call (EINVALID naming the duplicated id's line,
	// "people[i].id"). At most MaxImport records per call.
	SavePeople(ctx context.Context, records []Record, generation int64) (ImportCounts, error)
	// Snapshot returns every stored person, oldest first (by creation
	// time, then id), with all their evidence, the deletion generation and
	// the change counter, in one read.
	Snapshot(ctx context.Context) (*Snapshot, error)
	// Version returns the change counter: a number that every write of
	// people or evidence (SavePeople storing or changing anything,
	// ForgetPerson, PurgePeople forgetting anyone) increases and nothing
	// else changes, so that a cache of the stored people built at one
	// version is current while the version stays. With a context from
	// audit.Log.Do it reads within the transaction.
	Version(ctx context.Context) (int64, error)
	// MarkStale marks the assessments of the stored people ids stale
	// (something they were computed from changed: a new person linked to
	// them) and returns how many it marked; ids without an assessment are
	// skipped. With a context from audit.Log.Do it joins the transaction.
	MarkStale(ctx context.Context, ids []string) (int, error)
	// Person returns one stored person with their evidence (ENOTFOUND).
	Person(ctx context.Context, id string) (*StoredPerson, Evidence, error)
	// SaveRun stores run and the assessments, each replacing the
	// person's previous assessment (no longer stale), and returns the run
	// with its id and time. generation is the Snapshot's the assessments
	// were computed on: when there are assessments and people were
	// deleted since, nothing is stored and the error is ECONFLICT
	// (compute again). An assessment of a person not stored is EINVALID.
	SaveRun(ctx context.Context, run *Run, assessments []Assessment, generation int64) (*Run, error)
	// Run returns a stored run (ENOTFOUND).
	Run(ctx context.Context, id int64) (*Run, error)
	// ListPeople returns a page of the stored people, oldest first (by
	// creation time, then id), each with the summary of their latest
	// assessment, read in one query: a page costs its own size, not the
	// number of people stored (nor, with a Verdict, more than the people
	// passed over to fill it). The query is checked by CheckPeopleQuery;
	// Next is a PeopleCursor. People added after the page's last are on
	// later pages; a person forgotten meanwhile is on none.
	ListPeople(ctx context.Context, q PeopleQuery) (*PeoplePage, error)
	// ListRuns returns a page of the stored runs, newest first, checked
	// by CheckRunQuery.
	ListRuns(ctx context.Context, q RunQuery) (*RunPage, error)
	// Assessment returns a person's latest assessment (ENOTFOUND when the
	// person is unknown or was never screened).
	Assessment(ctx context.Context, id string) (*StoredAssessment, error)
	// ForgetPerson deletes the person's record, evidence and assessment,
	// removes the id (and the person's full name) from the flags of
	// other people's assessments, marking those stale, and clears other
	// records' references to the person, in one transaction; ENOTFOUND
	// for an unknown id. Runs keep their counts, which name nobody.
	ForgetPerson(ctx context.Context, id string) (Forgotten, error)
	// PurgePeople forgets, as ForgetPerson does, every person no import
	// has given (changed or not) or added evidence to since before, in one
	// transaction, and returns how many.
	PurgePeople(ctx context.Context, before time.Time) (int64, error)
	// ScrubDeleted is called after people were deleted, outside any
	// transaction: it removes the copies of deleted data the store's
	// files keep besides the live data (SQLite: the write-ahead log's
	// frames, by a checkpoint that truncates it; deleted content in the
	// database file itself is overwritten as it is deleted). An error
	// says what stays and until when, naming nobody.
	ScrubDeleted(ctx context.Context) error
}

// NoGeneration is SavePeople's generation when the records were built
// without reading the store: no deletion makes them stale.
const NoGeneration int64 = -1

// MaxImport is the most people records one SavePeople call takes.
const MaxImport = 1_000_000

// CheckRecords checks records for SavePeople: ids non-empty, at most
// MaxIDLen bytes and unique, and at most MaxImport records. An error is
// EINVALID naming the record (its file line when it has one).
func CheckRecords(records []Record) error {
	if len(records) > MaxImport {
		return bulwark.Errorf(bulwark.ETOOLARGE, "%d people records in one import: at most %d; split the file", len(records), MaxImport)
	}
	seen := make(map[string]int, len(records))
	for i := range records {
		p := &records[i].Person
		where := recordName(i, p.Line)
		if p.ID == "" {
			return bulwark.Invalid(where+".id", "a person record needs an id (the id column)")
		}
		if len(p.ID) > MaxIDLen {
			return bulwark.Invalid(where+".id", "an id of %d bytes: at most %d", len(p.ID), MaxIDLen)
		}
		if msg := CheckID(p.ID); msg != "" {
			return bulwark.Invalid(where+".id", "%s", msg)
		}
		switch p.Role {
		case "", RoleApplicant, RoleContractor, RoleEmployee:
		default:
			return bulwark.Invalid(where+".role", "unknown role %q: use applicant, contractor or employee", bulwark.Echo(string(p.Role)))
		}
		if j, dup := seen[p.ID]; dup {
			return bulwark.Invalid(where+".id", "the id of %s is also that of %s: ids must be unique within an import", where, recordName(j, records[j].Person.Line))
		}
		seen[p.ID] = i
	}
	return nil
}

// CheckID returns why id cannot be a person's id, or "": an id names the
// person in a URL path segment (/api/v1/hire/people/ID, where "." and ".."
// are resolved away and "/" separates segments) and in terminals, so it
// may not be "." or "..", nor hold "/", "\\" or a control character.
func CheckID(id string) string {
	switch {
	case id == "." || id == "..":
		return "an id of \"" + id + "\" cannot name the person in a URL (GET or DELETE /api/v1/hire/people/ID): give the record another id"
	case strings.ContainsAny(id, "/\\"):
		return "an id holding \"/\" or \"\\\" cannot name the person in a URL path (GET or DELETE /api/v1/hire/people/ID): give the record an id without them"
	}
	for _, r := range id {
		if r < 0x20 || r >= 0x7f && r <= 0x9f {
			return "an id holding a control character: give the record an id without one"
		}
	}
	return ""
}

// MaxIDLen is the longest person id in bytes.
const MaxIDLen = 256

// recordName names record i for an error: "line N" when it was read from
// a file, "people[i]" otherwise. It never contains the id.
func recordName(i, line int) string {
	if line > 0 {
		return "line " + strconv.Itoa(line)
	}
	return "people[" + strconv.Itoa(i) + "]"
}
