package screening

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening/chainaddr"
	"github.com/bulwark-sec/bulwark/screening/names"
)

// Config configures a [Screener].
type Config struct {
	// Policy holds the rules per use; nil means DefaultPolicy.
	Policy Policy
	// MaxAge is the age from which a list counts as stale (0: never).
	// Age is measured from the list's publish date, or its import time
	// when it states none.
	MaxAge time.Duration
	// FailClosed turns a clear verdict reached on stale lists into review.
	FailClosed bool
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// MaxBatch is the most addresses one call screens (0: 10,000).
	MaxBatch int
}

// DefaultMaxBatch is the default bound on one address batch.
const DefaultMaxBatch = 10000

// Screener answers address and name screenings against the current
// [Index], which [Screener.Swap] replaces atomically: a screening runs
// entirely on the index it started with, so a swap never fails or mixes
// one.
type Screener struct {
	cfg    Config
	policy string // cfg.Policy.Digest()
	idx    atomic.Pointer[Index]
	disp   atomic.Pointer[dispositionSet]
}

// NewScreener returns a screener over ix.
func NewScreener(ix *Index, cfg Config) (*Screener, error) {
	if cfg.Policy == nil {
		cfg.Policy = DefaultPolicy()
	}
	if err := cfg.Policy.Validate(); err != nil {
		return nil, err
	}
	for _, u := range Uses() {
		if _, ok := cfg.Policy[u]; !ok {
			return nil, bulwark.Invalid("policy."+string(u), "policy: no rules for use %q", u)
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	s := &Screener{cfg: cfg, policy: cfg.Policy.Digest()}
	s.idx.Store(ix)
	s.disp.Store(&dispositionSet{})
	return s, nil
}

// Index returns the current index.
func (s *Screener) Index() *Index { return s.idx.Load() }

// Swap makes ix current and returns the index it replaced.
func (s *Screener) Swap(ix *Index) *Index { return s.idx.Swap(ix) }

// Policy returns the rules in force.
func (s *Screener) Policy() Policy { return s.cfg.Policy }

// StaleList is a list older than the configured maximum age.
type StaleList struct {
	ID  string        `json:"id"`
	Age time.Duration `json:"-"`
	// AgeSeconds is Age in whole seconds.
	AgeSeconds int64 `json:"ageSeconds"`
}

// Stale returns the official lists ([OfficialListID]) of the current index
// older than Config.MaxAge. A user's own list has no publication to fall
// behind: it is as current as its owner keeps it, and never stale.
func (s *Screener) Stale() []StaleList {
	return s.stale(s.Index(), s.cfg.Now())
}

// stale is Stale of ix at now (a decision's time: one clock read for both).
func (s *Screener) stale(ix *Index, now time.Time) []StaleList {
	if s.cfg.MaxAge <= 0 {
		return nil
	}
	var out []StaleList
	for i, l := range ix.lists {
		if age := ListAge(l, now); age > s.cfg.MaxAge && ix.official[i] {
			if out == nil {
				out = make([]StaleList, 0, len(ix.lists)-i)
			}
			out = append(out, StaleList{ID: l.ID, Age: age, AgeSeconds: int64(age / time.Second)})
		}
	}
	return out
}

// ListAge is how old a list version is at now: since its publish date, or
// since its import when it states none.
func ListAge(l ListInfo, now time.Time) time.Duration {
	t := l.Published
	if t.IsZero() {
		t = l.Imported
	}
	if t.IsZero() || now.Before(t) {
		return 0
	}
	return now.Sub(t)
}

// AddressQuery is one address to screen.
type AddressQuery struct {
	Address string `json:"address"`
	// Chain is an optional ticker hint (ETH, XBT, TRX...).
	Chain string `json:"chain,omitempty"`
}

// AddressMatch is one listing of a screened address.
type AddressMatch struct {
	List       string     `json:"list"`
	EntityID   string     `json:"entityId"`
	Name       string     `json:"name"`
	Type       EntityType `json:"type"`
	Category   Category   `json:"category"`
	Confidence Confidence `json:"confidence"`
	Program    string     `json:"program,omitempty"`
	Programs   []string   `json:"programs,omitempty"`
	Source     string     `json:"source,omitempty"`
	// Listed is the address and ticker as the list filed it.
	Listed ListedAddress `json:"listed"`
	// MatchedBy says how: "address" (the same key material, whatever the
	// letter case, format or EVM chain), "case-folded" (the input is not a
	// valid address but equals a listed one ignoring letter case) or
	// "exact-text" (a listed address Bulwark cannot parse, matched as
	// written).
	MatchedBy string `json:"matchedBy"`
	// Verdict is what this match alone earns under the use's rules.
	Verdict bulwark.Verdict `json:"verdict"`
	// Suppressed, when set, is the disposition that keeps this match out
	// of the verdict.
	Suppressed *Disposition `json:"suppressed,omitempty"`
	// EntityDigest is the version of the entity matched (dispositions are
	// tied to it).
	EntityDigest string `json:"entityDigest"`
}

// AddressResult is the screening of one address.
type AddressResult struct {
	Input string `json:"input"`
	// Hint is the chain hint given with the input, if any.
	Hint    string          `json:"hint,omitempty"`
	Address string          `json:"address,omitempty"`
	Chain   string          `json:"chain,omitempty"`
	Format  string          `json:"format,omitempty"`
	Verdict bulwark.Verdict `json:"verdict"`
	Matches []AddressMatch  `json:"matches"`
	// Error says why the input is not a valid address (verdict is then
	// "error" unless it still matched a listed address as written).
	Error string `json:"error,omitempty"`
	// Note says how the input was read when that differs from what was
	// asked (an address of another chain than the hint).
	Note string `json:"note,omitempty"`
	// DecisionID is the decision this result belongs to.
	DecisionID string `json:"decisionId,omitempty"`
	// Key is the lookup key (not shown; dispositions use it).
	Key string `json:"-"`
}

// VerdictError is the verdict of an input that could not be screened.
const VerdictError bulwark.Verdict = "error"

// LookupAddress screens one address against ix under rules (without
// dispositions). It is the hot path: one parse and one or two map lookups.
func (ix *Index) LookupAddress(q AddressQuery, rules *Rules) AddressResult {
	res := AddressResult{Input: q.Address, Hint: q.Chain, Verdict: bulwark.VerdictClear, Matches: []AddressMatch{}}
	p, err := chainaddr.Parse(q.Address, q.Chain)
	var refs []addrRef
	matchedBy := "address"
	if errors.Is(err, chainaddr.ErrCurrencyMismatch) {
		// A valid address of another chain than the hint says (a
		// Lazarus EVM address given as BTC): screen it for the chain it
		// is, and say so, rather than hide a hit behind the hint.
		if p2, err2 := chainaddr.Parse(q.Address, ""); err2 == nil {
			res.Note = fmt.Sprintf("not a %s address: screened as %s", strings.ToUpper(q.Chain), p2.Chain)
			p, err = p2, nil
		}
	}
	if err == nil {
		res.Address, res.Chain, res.Format, res.Key = p.Address, p.Chain, p.Format, p.Key
		refs = ix.addrs[p.Key]
	} else {
		res.Error = bulwark.ErrorMessage(err)
		res.Verdict = VerdictError
		raw := strings.TrimSpace(q.Address)
		if r := ix.addrs[chainaddr.Opaque(q.Chain, raw).Key]; len(r) > 0 {
			refs, matchedBy = r, "exact-text"
		} else if r := ix.fold[chainaddr.FoldKey(raw)]; len(r) > 0 {
			refs, matchedBy = r, "case-folded"
		}
		res.Key = chainaddr.FoldKey(raw)
	}
	if len(refs) == 0 {
		return res
	}
	res.Matches = make([]AddressMatch, 0, len(refs))
	for _, ref := range refs {
		e := &ix.entities[ref.entity]
		m := AddressMatch{List: e.List, EntityID: e.ID, Name: e.Name, Type: e.Type, Category: e.Category,
			Confidence: e.Confidence, Programs: e.Programs, Source: ix.source(e), Listed: ref.listed,
			MatchedBy: matchedBy, Verdict: rules.addressVerdict(e), EntityDigest: ix.digest(ref.entity)}
		if len(e.Programs) > 0 {
			m.Program = strings.Join(e.Programs, ", ")
		}
		res.Matches = append(res.Matches, m)
	}
	res.Verdict = bulwark.VerdictClear
	for _, m := range res.Matches {
		res.Verdict = bulwark.Worst(res.Verdict, m.Verdict)
	}
	return res
}

// AddressDecision is the outcome of one address screening call.
type AddressDecision struct {
	Decision
	Results []AddressResult `json:"results"`
}

// ScreenAddresses screens qs for use and returns the decision, not yet
// recorded: the caller records it (see Recorder). An empty or oversized
// batch is EINVALID / ETOOLARGE; an invalid address is reported in its
// result, not as an error of the whole batch.
func (s *Screener) ScreenAddresses(use Use, subject string, qs []AddressQuery) (*AddressDecision, error) {
	rules, ok := s.cfg.Policy[use]
	if !ok {
		return nil, bulwark.Invalid("use", "unknown use %q", use)
	}
	if len(qs) == 0 {
		return nil, bulwark.Invalid("addresses", "give at least one address to screen")
	}
	if len(qs) > s.cfg.MaxBatch {
		return nil, bulwark.Errorf(bulwark.ETOOLARGE, "addresses: %d addresses in one batch; the limit is %d, split the batch", len(qs), s.cfg.MaxBatch)
	}
	ix := s.Index()
	disp := s.disp.Load()
	var d *AddressDecision
	if len(qs) == 1 {
		// A single address: the decision and its result in one allocation.
		one := new(struct {
			d AddressDecision
			r [1]AddressResult
		})
		d = &one.d
		d.Results = one.r[:]
	} else {
		d = &AddressDecision{Results: make([]AddressResult, len(qs))}
	}
	d.Decision = s.newDecision(ix, KindAddress, use, subject, AddressAlgorithm)
	for i, q := range qs {
		r := ix.LookupAddress(q, &rules)
		if len(r.Matches) > 0 && disp.len() > 0 {
			r.Verdict = bulwark.VerdictClear
			for j := range r.Matches {
				m := &r.Matches[j]
				if dd, ok := disp.suppresses(subject, r.Key, m.EntityID, m.EntityDigest); ok {
					m.Suppressed = &dd
					continue
				}
				r.Verdict = bulwark.Worst(r.Verdict, m.Verdict)
			}
		}
		r.DecisionID = d.ID
		d.Results[i] = r
		d.Verdict = WorstOf(d.Verdict, r.Verdict)
	}
	if v := s.failClosed(d.Verdict, d.Stale); v != d.Verdict {
		// Fail closed: every clear result needs review too, so the
		// results agree with the decision.
		for i := range d.Results {
			if d.Results[i].Verdict == bulwark.VerdictClear {
				d.Results[i].Verdict = v
			}
		}
		d.Verdict = v
	}
	return d, nil
}

// failClosed applies Config.FailClosed to a verdict reached on stale lists.
func (s *Screener) failClosed(v bulwark.Verdict, stale []StaleList) bulwark.Verdict {
	if s.cfg.FailClosed && len(stale) > 0 && v == bulwark.VerdictClear {
		return bulwark.VerdictReview
	}
	return v
}

// NameQuery is a name to screen with optional secondary attributes.
type NameQuery struct {
	Name string `json:"name"`
	// Type is person or organization ("" for either).
	Type        string `json:"type,omitempty"`
	DateOfBirth string `json:"dob,omitempty"`
	Country     string `json:"country,omitempty"`
	// Limit bounds the matches returned (0: 10).
	Limit int `json:"limit,omitempty"`
}

// NameMatch is one candidate entity for a screened name.
type NameMatch struct {
	EntityID    string            `json:"entityId"`
	Name        string            `json:"name"`
	MatchedName string            `json:"matchedName"`
	Weak        bool              `json:"weakAlias,omitempty"`
	Score       float64           `json:"score"`
	List        string            `json:"list"`
	Type        EntityType        `json:"type"`
	Category    Category          `json:"category"`
	Programs    []string          `json:"programs,omitempty"`
	Source      string            `json:"source,omitempty"`
	Verdict     bulwark.Verdict   `json:"verdict"`
	Explanation names.Explanation `json:"explanation"`
	Suppressed  *Disposition      `json:"suppressed,omitempty"`
	// EntityDigest is the version of the entity matched.
	EntityDigest string `json:"entityDigest"`
}

// NameDecision is the outcome of one name screening.
type NameDecision struct {
	Decision
	// Query is the name screened; Type, DOB and Country the attributes
	// given with it.
	Query   string      `json:"query"`
	Type    string      `json:"type,omitempty"`
	DOB     string      `json:"dob,omitempty"`
	Country string      `json:"country,omitempty"`
	Limit   int         `json:"limit"`
	Matches []NameMatch `json:"matches"`
	// Key is the normalised name dispositions are tied to.
	Key string `json:"-"`
}

// MaxNameBytes bounds a screened name.
const MaxNameBytes = 512

// ScreenName screens one name for use. Matches below the use's review
// threshold are not returned.
func (s *Screener) ScreenName(use Use, subject string, q NameQuery) (*NameDecision, error) {
	return s.screenName(use, subject, q, "")
}

// screenName is ScreenName; a ruling keyed by hiringKey (the subject's
// HiringDispositionKey, for the hiring use) takes precedence over those
// keyed by the name.
func (s *Screener) screenName(use Use, subject string, q NameQuery, hiringKey string) (*NameDecision, error) {
	rules, ok := s.cfg.Policy[use]
	if !ok {
		return nil, bulwark.Invalid("use", "unknown use %q", use)
	}
	if err := validName(q.Name); err != nil {
		return nil, err
	}
	switch q.Type {
	case "", string(TypePerson), string(TypeOrganization):
	default:
		return nil, bulwark.Invalid("type", "%q is not person or organization", q.Type)
	}
	if q.Limit <= 0 {
		q.Limit = 10
	}
	if q.Limit > 100 {
		return nil, bulwark.Invalid("limit", "%d is above 100", q.Limit)
	}
	ix := s.Index()
	disp := s.disp.Load()
	d := &NameDecision{Decision: s.newDecision(ix, KindName, use, subject, names.AlgorithmVersion), Query: q.Name,
		Type: q.Type, DOB: q.DateOfBirth, Country: q.Country, Limit: q.Limit, Matches: []NameMatch{}, Key: NameKey(q.Name)}
	d.Verdict = bulwark.VerdictClear
	// MinScore lets the search skip the names that cannot reach the review
	// threshold; it returns the same matches from the threshold up.
	nq := names.Query{Name: q.Name, Type: q.Type, DateOfBirth: q.DateOfBirth, Country: q.Country, Limit: q.Limit * 2, MinScore: rules.NameReview}
	for _, m := range ix.nameIndex().Search(nq) {
		if m.Score < rules.NameReview || len(d.Matches) >= q.Limit {
			continue
		}
		n, ok := ix.byID[m.RecordID]
		if !ok {
			continue
		}
		e := &ix.entities[n]
		if !rules.namesCategory(e.Category) {
			continue
		}
		nm := NameMatch{EntityID: e.ID, Name: e.Name, MatchedName: m.MatchedName, Weak: m.Weak, Score: m.Score,
			List: e.List, Type: e.Type, Category: e.Category, Programs: e.Programs, Source: ix.source(e),
			Verdict: rules.nameVerdict(m.Score, &m.Explanation), Explanation: m.Explanation, EntityDigest: ix.digest(n)}
		if f, ok := designationFeature(e); ok {
			nm.Explanation.Features = append(slices.Clip(nm.Explanation.Features), f)
		}
		if rules.NameBlockNeedsDOB && m.Score >= rules.NameBlock && nm.Verdict == bulwark.VerdictReview {
			// The decision says why a match this close is not a block.
			nm.Explanation.Features = append(slices.Clip(nm.Explanation.Features), names.Feature{Name: "corroboration",
				Detail: "no date of birth agrees: under this use a name alone needs review, never blocks"})
		}
		dd, ok := Disposition{}, false
		if hiringKey != "" {
			dd, ok = disp.suppresses(subject, hiringKey, e.ID, nm.EntityDigest)
		}
		if !ok {
			dd, ok = disp.suppresses(subject, d.Key, e.ID, nm.EntityDigest)
		}
		if ok {
			nm.Suppressed = &dd
		} else {
			d.Verdict = bulwark.Worst(d.Verdict, nm.Verdict)
		}
		d.Matches = append(d.Matches, nm)
	}
	d.Verdict = s.failClosed(d.Verdict, d.Stale)
	return d, nil
}

// validName checks a name query.
func validName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return bulwark.Invalid("name", "required: the name to screen")
	case len(name) > MaxNameBytes:
		return bulwark.Invalid("name", "%d bytes is above the limit of %d", len(name), MaxNameBytes)
	case !utf8.ValidString(name):
		return bulwark.Invalid("name", "not valid UTF-8; send the name UTF-8 encoded")
	}
	return nil
}

// NameKey is the form of a screened name that dispositions are tied to:
// case-folded with runs of spaces collapsed.
func NameKey(name string) string {
	return strings.Join(strings.Fields(strings.ToLower(name)), " ")
}

// Decision kinds.
const (
	KindAddress = "address"
	KindName    = "name"
)

// newDecision starts a decision on ix.
func (s *Screener) newDecision(ix *Index, kind string, use Use, subject, algorithm string) Decision {
	now := s.cfg.Now()
	lists, listsJSON := ix.sharedVersions()
	return Decision{ID: NewDecisionID(now), Time: now.UTC(), Kind: kind, Use: use, Subject: subject,
		Lists: lists, listsJSON: listsJSON, listsOf: lists, Algorithm: algorithm, Policy: s.policy, Stale: s.stale(ix, now), Verdict: bulwark.VerdictClear}
}

// NewDecisionID returns a fresh decision ID: "dec_", 12 hex digits of the
// Unix time in milliseconds, then 12 random hex digits. IDs sort by time,
// so a store appends them at the end of its index instead of all over it.
func NewDecisionID(now time.Time) string {
	var b [12]byte
	ms := uint64(now.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	rand.Read(b[6:])                    // never fails (Go 1.24+)
	var id [len("dec_") + 2*len(b)]byte // one allocation, the string's
	copy(id[:], "dec_")
	hex.Encode(id[len("dec_"):], b[:])
	return string(id[:])
}

// designationFeature names the designation a match is about when its list
// dates it (the UK list does): the list's own identifier of the entry, its
// programmes and the dates it was listed and last updated, so a decision
// says which designation it rests on. It adds nothing to the score.
func designationFeature(e *Entity) (names.Feature, bool) {
	if e.Listed == "" && e.Updated == "" {
		return names.Feature{}, false
	}
	label, prog := e.List+" entry", "programme"
	if e.List == UKListID {
		label, prog = "UK OFSI Group ID", "regime"
	}
	parts := []string{label + " " + e.SourceID}
	if len(e.Programs) > 0 {
		parts = append(parts, prog+" "+strings.Join(e.Programs, "; "))
	}
	if e.Listed != "" {
		parts = append(parts, "listed on "+e.Listed)
	}
	if e.Updated != "" {
		parts = append(parts, "last updated "+e.Updated)
	}
	return names.Feature{Name: "designation", Detail: strings.Join(parts, ", ")}, true
}
