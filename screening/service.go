package screening

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
)

// Stores is what a Service keeps its state in; one adapter (sqlite)
// implements all of them and joins the audit transaction.
type Stores interface {
	ListStore
	DecisionStore
	DispositionStore
	WatchStore
}

// ServiceConfig configures a Service.
type ServiceConfig struct {
	Screener Config
	Store    Stores
	Audit    *audit.Log
	// Defaults returns the lists a store without any starts with (the
	// embedded snapshot); nil starts empty.
	Defaults func() ([]*List, error)
	// Recorder configures how decisions are stored (see RecorderOptions).
	Recorder RecorderOptions
	// OnAlert is told of every alert stored after a list change.
	OnAlert func(Alert)
	// OnListsChanged is told each time a new set of lists goes into
	// service (an import, a reload of another process's import, a list
	// removed), once the new index answers screenings. It is called with
	// the service's list lock held: it must only signal, not screen or
	// change lists (e.g. nudge a re-check of hiring assessments).
	OnListsChanged func()
	// LazyNames builds an index's name index on the first name screening
	// instead of before the index is put in service (for one-shot
	// commands that may screen only addresses).
	LazyNames bool
	// NameKey keys the fingerprint a name decision of the hiring use
	// holds instead of the name (see PrivateName); nil means a random key
	// made when the service opens, so that fingerprints compare only
	// within one process.
	NameKey []byte
	// HiringKey returns the instance's hiring fingerprint key, from
	// which the key of the rulings on hiring screenings
	// (HiringDispositionKey) is derived, so that a ruling holds across
	// processes without holding the name; nil uses NameKey's.
	HiringKey func(ctx context.Context) ([]byte, error)
	// Dual is dual control: a false-positive ruling is held until a
	// second person approves it (approval.FalsePositive); nil rules at
	// once.
	Dual approval.Gate
}

// Service is screening with its state: the screener over the active list
// versions, decisions recorded and audited, dispositions, watches and
// their alerts. Its methods are safe for concurrent use.
type Service struct {
	cfg      ServiceConfig
	screener *Screener
	recorder *Recorder
	nameKey  []byte
	dispKey  atomic.Pointer[[]byte]
	// encodedSize is the length of the previous single address
	// decision's encodings (recordAddress).
	encodedSize atomic.Int32

	mu     sync.Mutex // serialises list changes
	active map[string]*List
	gen    int64
}

// OpenService loads the active lists from the store (importing the
// defaults into an empty store first), builds the index and the
// dispositions in force.
func OpenService(ctx context.Context, cfg ServiceConfig) (*Service, error) {
	if cfg.Store == nil || cfg.Audit == nil {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "screening service: a store and an audit log are required")
	}
	s := &Service{cfg: cfg, active: map[string]*List{}, nameKey: cfg.NameKey}
	if s.nameKey == nil {
		s.nameKey = make([]byte, 32)
		_, _ = rand.Read(s.nameKey) // crypto/rand.Read does not fail
	}
	gen, err := cfg.Store.ListsGeneration(ctx)
	if err != nil {
		return nil, err
	}
	lists, err := cfg.Store.ActiveLists(ctx)
	if err != nil {
		return nil, err
	}
	if len(lists) == 0 && gen == 0 && cfg.Defaults != nil {
		defs, err := cfg.Defaults()
		if err != nil {
			return nil, err
		}
		if len(defs) > 0 {
			if _, err := s.putLists(ctx, "system", "embedded default snapshot", defs); err != nil {
				return nil, err
			}
			if gen, err = cfg.Store.ListsGeneration(ctx); err != nil {
				return nil, err
			}
			lists = defs
		}
	}
	for _, l := range lists {
		s.active[l.Info.ID] = l
	}
	s.gen = gen
	ix := BuildIndex(lists, s.now())
	if !cfg.LazyNames {
		ix.WarmNames()
	}
	sc, err := NewScreener(ix, cfg.Screener)
	if err != nil {
		return nil, err
	}
	s.screener = sc
	if err := s.loadDispositions(ctx); err != nil {
		return nil, err
	}
	s.recorder = NewRecorder(s.recordBatch, cfg.Recorder)
	return s, nil
}

func (s *Service) now() time.Time {
	if s.cfg.Screener.Now != nil {
		return s.cfg.Screener.Now()
	}
	return time.Now()
}

// Screener returns the service's screener.
func (s *Service) Screener() *Screener { return s.screener }

// RecorderStats reports on decision recording.
func (s *Service) RecorderStats() RecorderStats { return s.recorder.Stats() }

// Close stores every queued decision (or gives up when ctx ends).
func (s *Service) Close(ctx context.Context) error { return s.recorder.Close(ctx) }

// recordBatch stores a batch of decisions and one audit entry covering
// them (StoreDecisions).
func (s *Service) recordBatch(ctx context.Context, batch []Recorded) error {
	return StoreDecisions(ctx, s.cfg.Store, s.cfg.Audit, batch, !s.cfg.Recorder.SyncEachCommit)
}

// DigestMin is the fewest decisions whose audit entry records the
// digest of their lines (DecisionsDigest) instead of the lines.
const DigestMin = 32

// StoreDecisions stores a batch of decisions in st and one audit entry in
// log covering them, atomically. The entry covers, per decision, its ID,
// kind, use, verdict, actor, subject and the SHA-256 of the stored body,
// which holds the list versions and matches (Recorded.AuditItem): it
// lists these lines ({"decisions":[line,...]}) or, for a batch of
// DigestMin or more, records their count and digest
// ({"decisionCount":n,"decisionsSha256":DecisionsDigest}). deferSync
// lets the store commit without waiting for the disk
// (audit.WithDeferredSync).
func StoreDecisions(ctx context.Context, st DecisionStore, log *audit.Log, batch []Recorded, deferSync bool) error {
	if len(batch) == 0 {
		return nil
	}
	if deferSync {
		ctx = audit.WithDeferredSync(ctx)
	}
	digest := len(batch) >= DigestMin
	_, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		seq, _ := audit.PendingSeq(ctx)
		// The details, {"decisions":[item,...]}, written directly: a
		// batch of thousands would otherwise be encoded twice over.
		var details []byte
		if digest {
			details = fmt.Appendf(make([]byte, 0, 128), `{"decisionCount":%d,"decisionsSha256":"%s"}`, len(batch), DecisionsDigest(batch))
		} else {
			details = make([]byte, 0, 16+len(batch)*256)
			details = append(details, `{"decisions":[`...)
			for i, r := range batch {
				if i > 0 {
					details = append(details, ',')
				}
				details = append(details, r.AuditItem()...)
			}
			details = append(details, "]}"...)
		}
		if bs, ok := st.(DecisionBatchStore); ok {
			if err := bs.SaveDecisions(ctx, batch, seq); err != nil {
				return audit.Event{}, err
			}
		} else {
			for i, r := range batch {
				if err := st.SaveDecision(ctx, r.Decision, r.Body, seq); err != nil {
					return audit.Event{}, err
				}
				if i%64 == 63 {
					// A large batch holds the single writer for a while:
					// let the requests waiting for a processor run.
					runtime.Gosched()
				}
			}
		}
		target := batch[0].Decision.ID
		if len(batch) > 1 {
			target = fmt.Sprintf("%s and %d more", target, len(batch)-1)
		}
		return audit.Event{Actor: "system:screening", Action: "screen.decisions", Target: target,
			Details: json.RawMessage(details)}, nil
	})
	return err
}

// DecisionsDigest returns the digest an audit entry records for a batch
// of DigestMin or more decisions: the hex SHA-256 of their lines
// (Recorded.AuditItem) in the order of their IDs, each line followed by a
// newline. Audit verification recomputes it from the stored decisions.
func DecisionsDigest(batch []Recorded) string {
	order := make([]int, len(batch))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return batch[order[a]].Decision.ID < batch[order[b]].Decision.ID })
	h := sha256.New()
	for _, i := range order {
		h.Write(batch[i].AuditItem())
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// auditItem is a decision's line in its batch's audit entry: its ID, kind,
// use, verdict, actor, subject and the SHA-256 of its JSON.
func auditItem(d *Decision, sum [32]byte) json.RawMessage {
	return appendAuditItem(make([]byte, 0, auditItemSize(d)), d, sum)
}

// auditItemSize is about the length of d's audit item.
func auditItemSize(d *Decision) int { return 160 + len(d.Actor) + len(d.ID) + len(d.Subject) }

// appendAuditItem appends d's audit item (see auditItem) to b.
func appendAuditItem(b []byte, d *Decision, sum [32]byte) []byte {
	var h [64]byte
	hex.Encode(h[:], sum[:])
	return appendAuditItemJSON(b, d, h[:])
}

// ScreenAddresses screens and records (see Screener.ScreenAddresses).
// The request is checked first (CheckAddressQueries).
func (s *Service) ScreenAddresses(ctx context.Context, actor string, use Use, subject string, qs []AddressQuery) (*AddressDecision, error) {
	if err := CheckAddressQueries(qs, subject); err != nil {
		return nil, err
	}
	d, err := s.screener.ScreenAddresses(use, subject, qs)
	if err != nil {
		return nil, err
	}
	d.Actor = actor
	return d, s.recordJSON(ctx, &d.Decision, d)
}

// ScreenName screens and records (see Screener.ScreenName).
// The request is checked and normalised first (CheckNameQuery): a country
// given by name or alpha-3 code is screened as its alpha-2 code.
func (s *Service) ScreenName(ctx context.Context, actor string, use Use, subject string, q NameQuery) (*NameDecision, error) {
	q, err := CheckNameQuery(q, subject, s.now())
	if err != nil {
		return nil, err
	}
	hk := ""
	if use == UseHiring {
		key, err := s.hiringDispositionKey(ctx)
		if err != nil {
			return nil, err
		}
		hk = HiringDispositionKey(key, subject, q.Name)
	}
	d, err := s.screener.screenName(use, subject, q, hk)
	if err != nil {
		return nil, err
	}
	if use == UseHiring {
		PrivateName(d, s.nameKey)
	}
	d.Actor = actor
	return d, s.recordJSON(ctx, &d.Decision, d)
}

// privateNamePrefix starts the query of a name decision PrivateName made.
const privateNamePrefix = "hmac-sha256:"

// PrivateName removes the personal data of the person screened from d,
// as a name decision of the hiring use is recorded and answered: the
// query becomes "hmac-sha256:" and 32 hex digits of HMAC-SHA256 under key
// of the name (the same name gives the same fingerprint under one key,
// and it cannot be read back), the date of birth and country go, and each
// match's explanation keeps the listed side, the scores and the features'
// names and contributions, not the query's tokens nor what was compared.
// An applicant's screening decisions then hold nothing a forget of the
// applicant has to remove; the decision's subject is the hiring
// fingerprint, which a forget makes unlinkable.
func PrivateName(d *NameDecision, key []byte) {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("bulwark-screening-name-v1\x00"))
	m.Write([]byte(d.Query))
	fp := privateNamePrefix + hex.EncodeToString(m.Sum(nil))[:32]
	d.Query, d.DOB, d.Country = fp, "", ""
	for i := range d.Matches {
		e := &d.Matches[i].Explanation
		e.Query = fp
		for j := range e.Alignment {
			e.Alignment[j].Query = ""
		}
		kept := e.Unmatched[:0]
		for _, u := range e.Unmatched {
			if u.Side != "query" {
				kept = append(kept, u)
			}
		}
		e.Unmatched = kept
		for j := range e.Features {
			e.Features[j].Detail = ""
		}
		if sup := d.Matches[i].Suppressed; sup != nil {
			c := *sup
			c.SubjectKey = fp
			d.Matches[i].Suppressed = &c
		}
	}
}

// recordJSON records d with v (the decision with its results) as its
// stored body, then marks the answer stored or not. v is encoded once: the
// audit entry holds the SHA-256 of that JSON (without the mark), which is
// what reading the stored body back gives (DecodeDecision), and the same
// bytes with the mark are the answer (Decision.AnswerJSON).
func (s *Service) recordJSON(ctx context.Context, d *Decision, v any) error {
	d.Stored, d.answer = nil, nil
	stored := !s.cfg.Recorder.Async
	mark := `,"stored":false}`
	if stored {
		mark = `,"stored":true}`
	}
	if ad, ok := v.(*AddressDecision); ok {
		return s.recordAddress(ctx, ad, stored, mark)
	}
	js, err := json.Marshal(v)
	if err != nil {
		return bulwark.Wrap(err, bulwark.EINTERNAL, "encode decision")
	}
	if len(js) < 2 || js[len(js)-1] != '}' {
		return bulwark.Errorf(bulwark.EINTERNAL, "encode decision: not a JSON object")
	}
	item := auditItem(d, sha256.Sum256(js))
	body, err := packJSON(js)
	if err != nil {
		return err
	}
	if err := s.recorder.record(ctx, Recorded{Decision: d, Body: body, Item: item}); err != nil {
		return err
	}
	d.Stored = &storedFalse
	if stored {
		d.Stored = &storedTrue
	}
	// A new array: body may share js's, and is still being stored.
	d.answer = append(append(js[:len(js)-1:len(js)-1], mark...), '\n')
	return nil
}

// recordAddress is recordJSON for an address decision: its answer (the
// JSON, marked, and a newline), audit item and packed body (not the answer's JSON) are
// made in one array, each capped so that none can grow into the next; for
// a single address, of about the size the previous one needed.
func (s *Service) recordAddress(ctx context.Context, ad *AddressDecision, stored bool, mark string) error {
	d := &ad.Decision
	size := 1024
	if len(ad.Results) == 1 {
		n := int(s.encodedSize.Load())
		size = min(max(n+n/8+64, size), 16<<10)
	}
	// d.Stored is nil (recordJSON): the decision's members are those of
	// the stored body too, which copies them (encodeAddressDecision).
	js, err := appendDecisionFields(append(make([]byte, 0, size), '{'), d)
	if err != nil {
		return bulwark.Wrap(err, bulwark.EINTERNAL, "encode decision")
	}
	fields := js[1:len(js):len(js)]
	if js, err = appendAddressResultsJSON(js, ad); err != nil {
		return bulwark.Wrap(err, bulwark.EINTERNAL, "encode decision")
	}
	if len(js) < 2 || js[len(js)-1] != '}' {
		return bulwark.Errorf(bulwark.EINTERNAL, "encode decision: not a JSON object")
	}
	sum := sha256.Sum256(js) // before the mark
	buf := append(append(js[:len(js)-1], mark...), '\n')
	answer := buf[:len(buf):len(buf)]
	buf = appendAuditItem(buf[len(buf):], d, sum)
	item := buf[:len(buf):len(buf)]
	body, err := encodeAddressDecision(ad, buf[len(buf):], fields)
	if err != nil {
		return err
	}
	if len(ad.Results) == 1 {
		s.encodedSize.Store(int32(min(len(answer)+len(item)+len(body), 1<<30)))
	}
	if err := s.recorder.record(ctx, Recorded{Decision: d, Body: body, Item: item}); err != nil {
		return err
	}
	d.Stored = &storedFalse
	if stored {
		d.Stored = &storedTrue
	}
	d.answer = answer
	return nil
}

// storedTrue and storedFalse are what a recorded decision's Stored points
// to (read only).
var storedTrue, storedFalse = true, false

// ImportReport says what an import changed.
type ImportReport struct {
	// Changed are the list versions that became active; lists identical to
	// the active version are not in it.
	Changed []ListInfo `json:"changed"`
	// Unchanged names the lists given that were already active.
	Unchanged []string `json:"unchanged"`
	// Alerts raised for watches by the new or changed entries.
	Alerts []Alert `json:"alerts"`
	// AuditSeq is the import's audit entry (0 when nothing changed).
	AuditSeq int64 `json:"auditSeq,omitempty"`
}

// ImportOptions qualify an import.
type ImportOptions struct {
	// Force accepts a version published before the one in force, or one
	// that would drop more of a list's entities or addresses than the
	// shrink limit allows (OfficialShrinkPercent, OwnShrinkPercent: a
	// partial download, or the wrong file), which Import otherwise refuses.
	Force bool
}

// Import makes lists the active versions of their lists (all or nothing,
// audited), swaps the index and re-screens the watches against the new or
// changed entries. It refuses a version older than the one in force, or one
// that shrinks it beyond the shrink limit (see ImportOptions.Force).
func (s *Service) Import(ctx context.Context, actor, source string, lists []*List) (*ImportReport, error) {
	return s.ImportWith(ctx, actor, source, lists, ImportOptions{})
}

// ImportWith is Import with options.
func (s *Service) ImportWith(ctx context.Context, actor, source string, lists []*List, opts ImportOptions) (*ImportReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !opts.Force {
		for _, l := range lists {
			if l == nil {
				continue
			}
			if err := checkDowngrade(s.active[l.Info.ID], l); err != nil {
				return nil, err
			}
		}
	}
	rep, err := s.putLists(ctx, actor, source, lists)
	if err != nil {
		return nil, err
	}
	if len(rep.Changed) == 0 {
		return rep, nil
	}
	next := map[string]*List{}
	for id, l := range s.active {
		next[id] = l
	}
	for _, l := range lists {
		next[l.Info.ID] = l
	}
	alerts, err := s.swap(ctx, next)
	rep.Alerts = alerts
	if err != nil {
		return rep, err
	}
	if s.gen, err = s.cfg.Store.ListsGeneration(ctx); err != nil {
		return rep, err
	}
	return rep, nil
}

// putLists stores the lists in one audited transaction.
func (s *Service) putLists(ctx context.Context, actor, source string, lists []*List) (*ImportReport, error) {
	rep := &ImportReport{Changed: []ListInfo{}, Unchanged: []string{}, Alerts: []Alert{}}
	seen := map[string]bool{}
	for i, l := range lists {
		if l == nil || l.Info.ID == "" {
			return nil, bulwark.Invalid("lists", "list %d has no id", i)
		}
		if seen[l.Info.ID] {
			return nil, bulwark.Invalid("lists", "list %s is given twice in one import", l.Info.ID)
		}
		seen[l.Info.ID] = true
		// The counts describe what is stored.
		l.Info.Entities, l.Info.Addresses, l.Info.Problems = len(l.Entities), 0, len(l.Problems)
		for _, e := range l.Entities {
			l.Info.Addresses += len(e.Addresses)
		}
	}
	var changed []ListInfo
	e, err := s.cfg.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var err error
		if changed, err = s.cfg.Store.PutLists(ctx, lists); err != nil {
			return audit.Event{}, err
		}
		if len(changed) == 0 {
			return audit.Event{}, errNothingChanged
		}
		vs := make([]map[string]any, 0, len(changed))
		for _, c := range changed {
			v := map[string]any{"id": c.ID, "sha256": c.SHA256, "entities": c.Entities, "addresses": c.Addresses,
				"problems": c.Problems, "published": c.Published}
			if c.ContentSHA256 != "" {
				// Binds the content stored to the log: audit verify
				// recomputes it from the store.
				v["contentSha256"] = c.ContentSHA256
			}
			vs = append(vs, v)
		}
		return audit.Event{Actor: actor, Action: "lists.import", Target: source, Details: map[string]any{"lists": vs}}, nil
	})
	if errors.Is(err, errNothingChanged) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	if e != nil {
		rep.AuditSeq = e.Seq
	}
	rep.Changed = append(rep.Changed, changed...)
	ch := map[string]bool{}
	for _, c := range changed {
		ch[c.ID] = true
	}
	for _, l := range lists {
		if !ch[l.Info.ID] {
			rep.Unchanged = append(rep.Unchanged, l.Info.ID)
		}
	}
	return rep, nil
}

// errNothingChanged rolls back an import that changed nothing, so it
// leaves no audit entry.
var errNothingChanged = bulwark.Errorf(bulwark.ECONFLICT, "nothing changed")

// swap builds the index of next, makes it current and re-screens watches.
func (s *Service) swap(ctx context.Context, next map[string]*List) ([]Alert, error) {
	lists := make([]*List, 0, len(next))
	for _, l := range next {
		lists = append(lists, l)
	}
	sort.Slice(lists, func(i, j int) bool { return lists[i].Info.ID < lists[j].Info.ID })
	ix := BuildIndex(lists, s.now())
	if !s.cfg.LazyNames {
		ix.WarmNames()
	}
	prev := s.screener.Swap(ix)
	s.active = next
	if s.cfg.OnListsChanged != nil {
		s.cfg.OnListsChanged()
	}
	return s.rescreen(ctx, prev, ix)
}

// errAlertRaised rolls back an alert another process already stored for
// the same list change (the CLI that imported the lists, when a server
// reloads them): its decision and audit entry are not written twice.
var errAlertRaised = errors.New("alert already raised")

// rescreen raises and stores an alert for every watch the new or changed
// entries of next match, unless one with the same key (the same watch and
// listings) is stored already.
func (s *Service) rescreen(ctx context.Context, prev, next *Index) ([]Alert, error) {
	watches, err := s.cfg.Store.ScreenWatches(ctx)
	if err != nil {
		return nil, err
	}
	alerts := []Alert{}
	for _, h := range s.screener.Rescreen(prev, next, watches) {
		d := h.DecisionOf()
		d.Actor = "system"
		var body []byte
		if h.Address != nil {
			body, err = json.Marshal(h.Address)
		} else {
			body, err = json.Marshal(h.Name)
		}
		if err != nil {
			return alerts, bulwark.Wrap(err, bulwark.EINTERNAL, "encode alert")
		}
		var a Alert
		_, err := s.cfg.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
			seq, _ := audit.PendingSeq(ctx)
			if err := s.cfg.Store.SaveDecision(ctx, d, body, seq); err != nil {
				return audit.Event{}, err
			}
			var err error
			a, err = s.cfg.Store.SaveScreenAlert(ctx, Alert{WatchID: h.Watch.ID, Subject: h.Watch.Subject, Kind: h.Watch.Kind,
				Verdict: d.Verdict, DecisionID: d.ID, Body: body, Key: h.AlertKey()})
			if bulwark.ErrorCode(err) == bulwark.ECONFLICT {
				return audit.Event{}, errAlertRaised
			}
			if err != nil {
				return audit.Event{}, err
			}
			return audit.Event{Actor: "system", Action: "screen.alert", Target: d.ID,
				Details: map[string]any{"watchId": h.Watch.ID, "verdict": d.Verdict, "lists": d.Lists, "algorithm": d.Algorithm}}, nil
		})
		if errors.Is(err, errAlertRaised) {
			continue
		}
		if err != nil {
			return alerts, err
		}
		alerts = append(alerts, a)
		if s.cfg.OnAlert != nil {
			s.cfg.OnAlert(a)
		}
	}
	return alerts, nil
}

// Reload picks up list changes another process (the CLI) made in the
// store; it does nothing when the generation is unchanged.
func (s *Service) Reload(ctx context.Context) (bool, []Alert, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gen, err := s.cfg.Store.ListsGeneration(ctx)
	if err != nil || gen == s.gen {
		return false, nil, err
	}
	lists, err := s.cfg.Store.ActiveLists(ctx)
	if err != nil {
		return false, nil, err
	}
	next := map[string]*List{}
	for _, l := range lists {
		next[l.Info.ID] = l
	}
	alerts, err := s.swap(ctx, next)
	if err != nil {
		return true, alerts, err
	}
	s.gen = gen
	return true, alerts, s.loadDispositions(ctx)
}

// RemoveList deactivates a list (audited) and swaps the index.
func (s *Service) RemoveList(ctx context.Context, actor, id string) (ListInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var li ListInfo
	_, err := s.cfg.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var err error
		if li, err = s.cfg.Store.RemoveList(ctx, id); err != nil {
			if bulwark.IsCode(err, bulwark.ENOTFOUND) {
				return audit.Event{}, UnknownList(id, s.activeIDs())
			}
			return audit.Event{}, err
		}
		return audit.Event{Actor: actor, Action: "lists.remove", Target: id, Details: map[string]any{"sha256": li.SHA256}}, nil
	})
	if err != nil {
		return li, err
	}
	next := map[string]*List{}
	for k, l := range s.active {
		if k != id {
			next[k] = l
		}
	}
	if _, err := s.swap(ctx, next); err != nil {
		return li, err
	}
	s.gen, err = s.cfg.Store.ListsGeneration(ctx)
	return li, err
}

// activeIDs returns the ids of the active lists, sorted; s.mu is held.
func (s *Service) activeIDs() []string {
	ids := make([]string, 0, len(s.active))
	for id := range s.active {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// UnknownList is the ENOTFOUND error for a list id that names no active
// list: it names the ids that do exist, so that a typo is seen at once.
func UnknownList(id string, active []string) *bulwark.Error {
	if len(active) == 0 {
		return bulwark.Errorf(bulwark.ENOTFOUND, "no active list %q: no lists are active", id)
	}
	return bulwark.Errorf(bulwark.ENOTFOUND, "no active list %q; the active lists are %s", id, strings.Join(active, ", "))
}

func (s *Service) loadDispositions(ctx context.Context) error {
	all, err := s.cfg.Store.Dispositions(ctx)
	if err != nil {
		return err
	}
	s.screener.SetDispositions(all)
	return nil
}

// hiringDispositionKey returns the key of HiringDispositionKey: derived
// from the instance's hiring key (ServiceConfig.HiringKey), else the
// process's name key.
func (s *Service) hiringDispositionKey(ctx context.Context) ([]byte, error) {
	if k := s.dispKey.Load(); k != nil {
		return *k, nil
	}
	base := s.nameKey
	if s.cfg.HiringKey != nil {
		var err error
		if base, err = s.cfg.HiringKey(ctx); err != nil {
			return nil, err
		}
	}
	m := hmac.New(sha256.New, base)
	m.Write([]byte("bulwark-screening-hiring-disposition-key-v1"))
	k := m.Sum(nil)
	s.dispKey.Store(&k)
	return k, nil
}

// HiringDispositionKey is the subject key of a ruling on a hiring name
// screening: "hmac-sha256:" and 32 hex digits of HMAC-SHA256 under key of
// the subject (the person's fingerprint) and the name's NameKey. It ties
// the ruling to that person and that name without holding the name; the
// ruling is deleted when the person is forgotten, and the audit log never
// holds the key.
func HiringDispositionKey(key []byte, subject, name string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("bulwark-screening-hiring-disposition-v1\x00"))
	m.Write([]byte(subject))
	m.Write([]byte{0})
	m.Write([]byte(NameKey(name)))
	return privateNamePrefix + hex.EncodeToString(m.Sum(nil))[:32]
}

// Dispose records an analyst's disposition of a match (audited) and puts
// it in force. A ruling on a decision of the hiring use (DecisionID given)
// is scoped to the decision's subject, keyed without the name
// (HiringDispositionKey) and audited with fingerprints only: no name,
// address or note goes into the audit entry.
func (s *Service) Dispose(ctx context.Context, actor string, d Disposition, address, chain, name string) (Disposition, error) {
	d.Use = ""
	if d.DecisionID != "" {
		dec, err := s.cfg.Store.Decision(ctx, d.DecisionID)
		if bulwark.IsCode(err, bulwark.ENOTFOUND) {
			return d, bulwark.Invalid("decisionId", "no decision %s: give the decisionId the screening answered, or leave it out", d.DecisionID)
		}
		if err != nil {
			return d, err
		}
		if dec.Use == UseHiring {
			if d.Subject != "" && d.Subject != dec.Subject {
				return d, bulwark.Invalid("subject", "decision %s is a hiring screening of another subject: a ruling on it is that person's; leave subject out", d.DecisionID)
			}
			if dec.Subject == "" {
				return d, bulwark.Invalid("decisionId", "decision %s is a hiring screening without a subject: screen the person again with 'bulwark hire screen' and rule on that decision", d.DecisionID)
			}
			d.Use = UseHiring
		}
		if d.Subject == "" {
			d.Subject = dec.Subject
		}
	}
	switch d.Kind {
	case KindAddress:
		r := s.screener.Index().LookupAddress(AddressQuery{Address: address, Chain: chain}, &Rules{})
		d.SubjectKey = r.Key
	case KindName:
		if err := validName(name); err != nil {
			return d, err
		}
		d.SubjectKey = NameKey(name)
		if d.Use == UseHiring {
			key, err := s.hiringDispositionKey(ctx)
			if err != nil {
				return d, err
			}
			d.SubjectKey = HiringDispositionKey(key, d.Subject, name)
		}
	}
	d.By = actor
	return s.ApplyDisposition(ctx, actor, d, address, chain, name)
}

// DispositionHold is what dual control holds of a false-positive ruling:
// subject and summary, and the ruling itself (its key derived) as payload.
type DispositionHold struct {
	Disposition Disposition `json:"disposition"`
	// Address, Chain and Name are what was screened, as the analyst gave
	// them (Name is left out of a hiring ruling).
	Address string `json:"address,omitempty"`
	Chain   string `json:"chain,omitempty"`
	Name    string `json:"name,omitempty"`
}

// dispositionHold returns the dual-control hold of ruling d.
func (s *Service) dispositionHold(actor string, d Disposition, address, chain, name string) approval.Hold {
	// The decision (when given), the entity and a fingerprint of what
	// the ruling covers (kind, subject scope, screened key).
	sum := sha256.Sum256([]byte(d.Kind + "\x00" + d.Subject + "\x00" + d.SubjectKey))
	subject := "screen:"
	if d.DecisionID != "" {
		subject += "decision:" + d.DecisionID + ":"
	}
	subject += "entity:" + d.EntityID + ":" + d.Kind + ":" + hex.EncodeToString(sum[:8])
	var b strings.Builder
	fmt.Fprintf(&b, "Rule a screening match a false positive: it is kept out of verdicts for this subject until the list changes what it says about the entity.\n")
	line := func(k, v string) { fmt.Fprintf(&b, "%-13s %s\n", k+":", v) }
	if d.DecisionID != "" {
		line("Decision", d.DecisionID)
	}
	switch {
	case d.Use == UseHiring:
		line("Screened", "a hiring screening (the name is not kept; fingerprint "+d.SubjectKey+")")
		name = ""
	case d.Kind == KindAddress:
		line("Address", address)
		if chain != "" {
			line("Chain", chain)
		}
	default:
		line("Name", name)
	}
	if d.Subject != "" {
		line("Subject", d.Subject)
	} else {
		line("Subject", "every screening of this "+d.Kind)
	}
	if e, ok := s.screener.Index().Entity(d.EntityID); ok {
		line("Entity", fmt.Sprintf("%s (%s) on list %s: %s, %s confidence", e.Name, e.ID, e.List, e.Category, e.Confidence))
		if len(e.Programs) > 0 {
			line("Programs", strings.Join(e.Programs, ", "))
		}
	} else {
		line("Entity", d.EntityID)
	}
	line("Version", d.EntityDigest)
	if d.Note != "" && d.Use != UseHiring {
		line("Note", approval.Quote(d.Note))
	}
	return approval.Hold{Action: approval.FalsePositive, Subject: subject, Summary: b.String(), Actor: actor,
		Payload: DispositionHold{Disposition: d, Address: address, Chain: chain, Name: name}}
}

// ApplyDisposition checks ruling d against the current lists and records
// it as actor; d's subject key is derived already (Dispose derives it). A false positive is first held for dual control when
// the service has a gate (ServiceConfig.Dual): the error is then EPENDING
// and nothing is ruled until a second person approves, which calls
// ApplyDisposition again with the approved request's grant.
func (s *Service) ApplyDisposition(ctx context.Context, actor string, d Disposition, address, chain, name string) (Disposition, error) {
	if err := s.screener.ValidateDisposition(&d); err != nil {
		return d, err
	}
	if d.Disposition == FalsePositive && s.cfg.Dual != nil {
		if err := s.cfg.Dual.Check(ctx, s.dispositionHold(actor, d, address, chain, name)); err != nil {
			return d, err
		}
	}
	var out Disposition
	_, err := s.cfg.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var err error
		if out, err = s.cfg.Store.AddDisposition(ctx, d); err != nil {
			return audit.Event{}, err
		}
		details := map[string]any{
			"id": out.ID, "kind": d.Kind, "subjectKey": d.SubjectKey, "entityDigest": d.EntityDigest,
			"disposition": d.Disposition, "decisionId": d.DecisionID, "subject": d.Subject, "note": d.Note}
		if id := approval.GrantedRequest(ctx); id != "" {
			details["approvalRequest"] = id
		}
		if d.Use == UseHiring {
			// The person's fingerprint and the decision link the entry to
			// the ruling; the key, the address and the analyst's note stay
			// with the ruling, which a forget of the person deletes.
			delete(details, "subjectKey")
			delete(details, "note")
			details["use"] = d.Use
		}
		return audit.Event{Actor: actor, Action: "screen.disposition", Target: d.EntityID, Details: details}, nil
	})
	if err != nil {
		return out, err
	}
	return out, s.loadDispositions(ctx)
}

// AddWatch validates and stores a watch (audited). It does not screen it:
// callers screen the subject first; the watch raises alerts on list
// changes.
func (s *Service) AddWatch(ctx context.Context, actor string, w Watch) (Watch, error) {
	w, err := NewWatch(w)
	if err != nil {
		return w, err
	}
	w.AddedBy = actor
	var out Watch
	_, err = s.cfg.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var err error
		if out, err = s.cfg.Store.AddScreenWatch(ctx, w); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: actor, Action: "screen.watch.add", Target: out.Key,
			Details: map[string]any{"id": out.ID, "kind": out.Kind, "use": out.Use, "subject": out.Subject}}, nil
	})
	return out, err
}

// RemoveWatch deletes a watch (audited).
func (s *Service) RemoveWatch(ctx context.Context, actor string, id int64) (Watch, error) {
	var out Watch
	_, err := s.cfg.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var err error
		if out, err = s.cfg.Store.RemoveScreenWatch(ctx, id); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: actor, Action: "screen.watch.remove", Target: out.Key, Details: map[string]any{"id": id}}, nil
	})
	return out, err
}

// Shrink limits: the share of a list's entities or addresses one new
// version may drop without ImportOptions.Force, whatever the list's size.
// An official list ([OfficialListID]: OFAC, UN, FBI, NBCTF…) changes by
// designations and delistings, a few at a time; losing more than a tenth at
// once is a truncated download or the wrong file far more often than a real
// change. A user's own list may legitimately be pruned, but not by more
// than half at once.
const (
	OfficialShrinkPercent = 10
	OwnShrinkPercent      = 50
)

// checkDowngrade refuses a new version that is older than the active one,
// or that would drop more of its entities or addresses than the shrink
// limit allows.
func checkDowngrade(old, next *List) error {
	if old == nil || old.Info.SHA256 == next.Info.SHA256 {
		return nil
	}
	id := next.Info.ID
	if op, np := old.Info.Published, next.Info.Published; !op.IsZero() && !np.IsZero() && np.Before(op) {
		return bulwark.Errorf(bulwark.ECONFLICT, "list %s: the new version was published %s, before the one in force (%s); nothing was changed (pass --force to roll back on purpose)",
			id, np.Format("2006-01-02"), op.Format("2006-01-02"))
	}
	limit, whose := OwnShrinkPercent, "one of your own lists"
	if OfficialListID(id) {
		limit, whose = OfficialShrinkPercent, "an official list"
	}
	addrs := 0
	for _, e := range next.Entities {
		addrs += len(e.Addresses)
	}
	for _, c := range []struct {
		what      string
		was, will int
	}{{"entities", len(old.Entities), len(next.Entities)}, {"addresses", countAddresses(old), addrs}} {
		if lost := c.was - c.will; lost > 0 && lost*100 > c.was*limit {
			return bulwark.Errorf(bulwark.ECONFLICT, "list %s would shrink from %d to %d %s, more than %s may lose in one update (%d%%): a partial download or the wrong file? Nothing was changed (pass --force if the list really shrank)",
				id, c.was, c.will, c.what, whose, limit)
		}
	}
	return nil
}

func countAddresses(l *List) int {
	n := 0
	for _, e := range l.Entities {
		n += len(e.Addresses)
	}
	return n
}
