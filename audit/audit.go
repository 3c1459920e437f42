package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// GenesisHash is the PrevHash of the first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// hashDomain separates this hash from any other use of SHA-256.
const hashDomain = "bulwark-audit-v1"

// Entry is one record of the audit log.
type Entry struct {
	// Seq numbers entries from 1 without gaps.
	Seq int64 `json:"seq"`
	// Time is when the entry was appended (UTC, stored to the nanosecond).
	Time time.Time `json:"time"`
	// Actor is who acted: "token:<id>" for an API caller, "cli:<user>" for a
	// command-line command ("cli" when $USER is unset), "system".
	Actor string `json:"actor"`
	// Action names what happened, e.g. "token.create" or "safe.verify".
	Action string `json:"action"`
	// Target names what it happened to (an id, an address), may be empty.
	Target string `json:"target,omitempty"`
	// Details is a JSON object with the inputs' fingerprints, the verdict and
	// the versions of rules and lists used. Never secrets.
	Details json.RawMessage `json:"details,omitempty"`
	// PrevHash is the Hash of entry Seq-1 (GenesisHash for Seq 1).
	PrevHash string `json:"prevHash"`
	// Hash is SHA-256 over all the fields above, lower-case hex.
	Hash string `json:"hash"`
}

// ComputeHash returns the hash that e should carry. Fields are encoded with
// length prefixes so that no two different entries encode alike.
func (e *Entry) ComputeHash() string {
	var buf bytes.Buffer
	put := func(s string) {
		var n [binary.MaxVarintLen64]byte
		buf.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		buf.WriteString(s)
	}
	put(hashDomain)
	put(strconv.FormatInt(e.Seq, 10))
	put(e.Time.UTC().Format(time.RFC3339Nano))
	put(e.Actor)
	put(e.Action)
	put(e.Target)
	put(string(e.Details))
	put(e.PrevHash)
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

// Head is the recorded end of the chain.
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// Store persists the log.
type Store interface {
	// AppendAudit serialises appends: it opens one write transaction, calls
	// build with the current head and a context bound to that transaction,
	// stores the entry build returns and moves the head to it, all or
	// nothing. If build fails, its error is returned and nothing is stored.
	//
	// Writes that build makes through stores of the same adapter with the
	// context it was given join the transaction, so a change and its audit
	// entry commit together or not at all (see Log.Do). build must not use
	// the store with any other context: the writer is held while it runs.
	// A store refuses (EINTERNAL) an entry that does not extend the chain.
	AppendAudit(ctx context.Context, build func(ctx context.Context, head Head) (*Entry, error)) (*Entry, error)
	// AuditEntries returns up to limit entries with Seq > after, in Seq order.
	AuditEntries(ctx context.Context, after int64, limit int) ([]*Entry, error)
	// AuditHead returns the recorded head ({0, GenesisHash} for an empty log).
	AuditHead(ctx context.Context) (Head, error)
}

// ReferenceChecker is a Store that also keeps records tied to audit
// entries: records that name the entry that covers them (a screening
// decision, a Safe verdict) or that exist only through an audited change
// (a token, an imported list). Verify asks it, once the chain checks out,
// whether those records agree with the log, so that deleting entries
// together with the head (which leaves a shorter chain that verifies) is
// still found.
type ReferenceChecker interface {
	// CheckAuditReferences compares the records with the log up to head
	// (a chain already verified) and returns the first disagreement, nil
	// when there is none.
	CheckAuditReferences(ctx context.Context, head Head) (*Break, error)
}

// Event is what a caller asks to record.
type Event struct {
	Actor   string
	Action  string
	Target  string
	Details any // marshalled to a JSON object (a json.RawMessage is taken as it is, compacted); nil for none
}

// Log appends events to a Store.
type Log struct {
	Store Store
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Record appends ev to the log and returns the stored entry.
func (l *Log) Record(ctx context.Context, ev Event) (*Entry, error) {
	return l.Do(ctx, func(context.Context) (Event, error) { return ev, nil })
}

// ErrUnchanged, returned by the change given to [Log.Do], says the change
// found nothing to do: it is rolled back, no entry is written, and Do
// returns a nil entry and a nil error.
var ErrUnchanged = errors.New("audit: nothing changed")

// Do makes a change and records it atomically. change runs inside the
// store's write transaction with a context bound to it; it makes the change
// through stores of the same adapter with that context and returns the
// event that describes it. If change fails, its error is returned and
// neither the change nor an entry is kept; if the entry cannot be stored,
// the change is rolled back with it. So the log never misses a change that
// was made, even across a crash. change must be quick: it holds the writer.
// A change that returns [ErrUnchanged] leaves no entry: Do returns nil, nil.
func (l *Log) Do(ctx context.Context, change func(ctx context.Context) (Event, error)) (*Entry, error) {
	e, err := l.do(ctx, change)
	if errors.Is(err, ErrUnchanged) {
		return nil, nil
	}
	return e, err
}

// Prune deletes what del deletes, audited as action by actor in the same
// transaction, the entry's target "what before <before>" and its details
// the cutoff and the count (under countKey); when del deletes nothing no
// entry is written. It returns how many del deleted and the entry's
// sequence number (0 without an entry).
func (l *Log) Prune(ctx context.Context, actor, action, what, countKey string, before time.Time, del func(ctx context.Context) (int64, error)) (n, seq int64, err error) {
	e, err := l.Do(ctx, func(ctx context.Context) (Event, error) {
		var err error
		if n, err = del(ctx); err != nil {
			return Event{}, err
		}
		if n == 0 {
			return Event{}, ErrUnchanged
		}
		return Event{Actor: actor, Action: action, Target: what + " before " + before.UTC().Format(time.RFC3339),
			Details: map[string]any{"before": before.UTC(), countKey: n}}, nil
	})
	if err != nil || e == nil {
		return 0, 0, err
	}
	return n, e.Seq, nil
}

func (l *Log) do(ctx context.Context, change func(ctx context.Context) (Event, error)) (*Entry, error) {
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	return l.Store.AppendAudit(ctx, func(ctx context.Context, head Head) (*Entry, error) {
		ev, err := change(context.WithValue(ctx, pendingSeqKey{}, head.Seq+1))
		if err != nil {
			return nil, err
		}
		details, err := encodeDetails(ev)
		if err != nil {
			return nil, err
		}
		e := &Entry{
			Seq:      head.Seq + 1,
			Time:     now().UTC(),
			Actor:    ev.Actor,
			Action:   ev.Action,
			Target:   ev.Target,
			Details:  details,
			PrevHash: head.Hash,
		}
		e.Hash = e.ComputeHash()
		return e, nil
	})
}

// pendingSeqKey is the context key of the sequence number the entry Do is
// recording will get.
type pendingSeqKey struct{}

// PendingSeq returns, inside the change of [Log.Do], the sequence number
// the entry being recorded will get, so that a change can refer to its own
// audit entry (a stored verdict names it). It is exact: the change runs
// under the store's writer, so no other entry can come first. ok is false
// outside Do.
func PendingSeq(ctx context.Context) (seq int64, ok bool) {
	seq, ok = ctx.Value(pendingSeqKey{}).(int64)
	return seq, ok
}

// encodeDetails checks ev and returns its details as compact JSON (nil for
// none).
func encodeDetails(ev Event) (json.RawMessage, error) {
	if ev.Action == "" {
		return nil, bulwark.Invalid("action", "an audit event needs an action")
	}
	if ev.Details == nil {
		return nil, nil
	}
	if raw, ok := ev.Details.(json.RawMessage); ok {
		// Already JSON (a large entry built by its caller): one pass
		// checks and compacts it.
		return compactObject(raw)
	}
	b, err := json.Marshal(ev.Details)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode audit details")
	}
	switch {
	case string(b) == "null": // a nil map or pointer: no details
		return nil, nil
	case b[0] != '{':
		return nil, bulwark.Invalid("details", "audit details must be a JSON object")
	}
	return compactObject(b)
}

// compactObject returns JSON object b compacted.
func compactObject(b []byte) (json.RawMessage, error) {
	var compact bytes.Buffer
	compact.Grow(len(b))
	if err := json.Compact(&compact, b); err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode audit details")
	}
	switch out := compact.Bytes(); {
	case string(out) == "null":
		return nil, nil
	case out[0] != '{':
		return nil, bulwark.Invalid("details", "audit details must be a JSON object")
	default:
		return out, nil
	}
}

// Break describes the first place where the chain does not check out.
type Break struct {
	// Seq is the first entry that is altered, missing or out of order.
	Seq int64 `json:"seq"`
	// Reason says what was found.
	Reason string `json:"reason"`
}

// Report is the result of Verify.
type Report struct {
	// Entries is how many entries were read.
	Entries int64 `json:"entries"`
	// Head is the head recorded by the store.
	Head Head `json:"head"`
	// Broken is nil when the chain is intact.
	Broken *Break `json:"broken,omitempty"`
}

// Intact reports whether the chain checked out.
func (r *Report) Intact() bool { return r.Broken == nil }

// Verdict is ok for an intact chain and critical for a broken one.
func (r *Report) Verdict() bulwark.Verdict {
	if r.Intact() {
		return bulwark.VerdictOK
	}
	return bulwark.VerdictCritical
}

// verifyPage is how many entries Verify reads at a time.
const verifyPage = 1000

// Verify walks the whole chain and reports the first entry that was
// altered, removed or reordered. It checks the chain up to the head the
// store records when Verify starts; entries appended while it runs are
// left for the next run. progress, if not nil, is called after each page
// with the number of entries checked so far. When the chain checks out
// and s is a ReferenceChecker, the records that refer to entries are
// checked against it too.
func Verify(ctx context.Context, s Store, progress func(checked int64)) (*Report, error) {
	rep, err := verifyChain(ctx, s, progress)
	if err != nil || !rep.Intact() {
		return rep, err
	}
	if rc, ok := s.(ReferenceChecker); ok {
		b, err := rc.CheckAuditReferences(ctx, rep.Head)
		if err != nil {
			return nil, err
		}
		rep.Broken = b
	}
	return rep, nil
}

func verifyChain(ctx context.Context, s Store, progress func(checked int64)) (*Report, error) {
	head, err := s.AuditHead(ctx)
	if err != nil {
		return nil, err
	}
	rep := &Report{Head: head}
	prev := Head{Seq: 0, Hash: GenesisHash}
walk:
	for {
		entries, err := s.AuditEntries(ctx, prev.Seq, verifyPage)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if prev.Seq == head.Seq && e.Seq > head.Seq {
				// Past the head read above: appended since (the head has
				// moved on to cover it) or added outside the log.
				latest, err := s.AuditHead(ctx)
				if err != nil {
					return nil, err
				}
				if latest.Seq < e.Seq {
					rep.Broken = &Break{Seq: head.Seq + 1, Reason: fmt.Sprintf("entry %d was added outside the log: the recorded head is entry %d", head.Seq+1, latest.Seq)}
					return rep, nil
				}
				if progress != nil {
					progress(rep.Entries)
				}
				break walk
			}
			if b := check(prev, e); b != nil {
				rep.Broken = b
				return rep, nil
			}
			rep.Entries++
			prev = Head{Seq: e.Seq, Hash: e.Hash}
		}
		if progress != nil {
			progress(rep.Entries)
		}
		if len(entries) < verifyPage {
			break
		}
	}
	switch {
	case prev.Seq < head.Seq:
		rep.Broken = &Break{Seq: prev.Seq + 1, Reason: fmt.Sprintf("entries %d to %d are missing: the recorded head is entry %d", prev.Seq+1, head.Seq, head.Seq)}
	case prev.Hash != head.Hash:
		rep.Broken = &Break{Seq: prev.Seq, Reason: fmt.Sprintf("entry %d was altered: its hash does not match the recorded head", prev.Seq)}
	}
	return rep, nil
}

func check(prev Head, e *Entry) *Break {
	switch {
	case e.Seq != prev.Seq+1:
		return &Break{Seq: prev.Seq + 1, Reason: fmt.Sprintf("entry %d is missing: entry %d follows entry %d", prev.Seq+1, e.Seq, prev.Seq)}
	case e.PrevHash != prev.Hash:
		return &Break{Seq: e.Seq, Reason: fmt.Sprintf("entry %d does not link to entry %d: an entry was altered, removed or reordered", e.Seq, prev.Seq)}
	case e.ComputeHash() != e.Hash:
		return &Break{Seq: e.Seq, Reason: fmt.Sprintf("entry %d was altered: its contents do not match its hash", e.Seq)}
	}
	return nil
}

// deferredSyncKey is the context key of WithDeferredSync.
type deferredSyncKey struct{}

// WithDeferredSync marks the appends made with ctx as ones whose sync to
// disk may be deferred: the store commits them (they then survive a crash
// of the process: kill -9, out of memory, panic) without waiting for the
// disk to flush, and flushes within a bounded interval, so that a power
// loss can lose at most that interval. Stores that cannot defer sync as
// usual.
func WithDeferredSync(ctx context.Context) context.Context {
	return context.WithValue(ctx, deferredSyncKey{}, true)
}

// DeferredSync reports whether ctx was marked by WithDeferredSync.
func DeferredSync(ctx context.Context) bool {
	v, _ := ctx.Value(deferredSyncKey{}).(bool)
	return v
}
