package screening

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening/names"
)

// Use is what a screening is for. Each use has its own rules: a deposit
// from a seized wallet needs review, a withdrawal to it must be blocked; a
// close name match blocks onboarding but only needs review for a vendor.
type Use string

// Uses.
const (
	UseDeposit    Use = "deposit"
	UseWithdrawal Use = "withdrawal"
	UseOnboarding Use = "onboarding"
	UseHiring     Use = "hiring"
	UseVendor     Use = "vendor"
)

// Uses lists every use, in a stable order.
func Uses() []Use {
	return []Use{UseDeposit, UseWithdrawal, UseOnboarding, UseHiring, UseVendor}
}

// ParseUse returns the use named by s ("" means deposit for addresses and
// onboarding for names: the caller passes the default it wants).
func ParseUse(field, s, def string) (Use, error) {
	if s == "" {
		s = def
	}
	u := Use(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range Uses() {
		if k == u {
			return u, nil
		}
	}
	names := make([]string, 0, 5)
	for _, k := range Uses() {
		names = append(names, string(k))
	}
	return "", bulwark.Invalid(field, "unknown use %q (want one of %s)", s, strings.Join(names, ", "))
}

// Rules turn the matches of one screening into a verdict.
type Rules struct {
	// Address maps a listed entity's category and confidence to the
	// verdict an exact address match earns.
	Address map[Category]map[Confidence]bulwark.Verdict `json:"address"`
	// NameReview and NameBlock are the name-score thresholds in [0,1]: a
	// match scoring at least NameBlock blocks, at least NameReview needs
	// review, below that it is not reported. NameBlock above 1 means a name
	// match alone never blocks.
	NameReview float64 `json:"nameReview"`
	NameBlock  float64 `json:"nameBlock"`
	// NameCategories are the categories whose entities name screening
	// considers (labels such as "exchange wallet" are not people).
	NameCategories []Category `json:"nameCategories"`
	// NameBlockNeedsDOB makes a name match block only when a date of
	// birth corroborates it (the query's and the listed entity's agree at
	// least on the year); a match scoring NameBlock or more without one
	// needs review. A name alone, however close, is then never a block:
	// many people share a listed person's name.
	NameBlockNeedsDOB bool `json:"nameBlockNeedsDOB,omitempty"`
}

// Policy holds the rules of every use.
type Policy map[Use]Rules

// DefaultReviewScore is the name score from which a match is reported for
// review. It is the one threshold the name-matching quality gates
// (docs/screening.md) were measured at.
const DefaultReviewScore = 0.80

// DefaultPolicy returns the rules Bulwark ships with:
//
//   - sanctions designations block every use, whatever the confidence
//     (a designation is not a matter of degree; a user's own sanctions list
//     imported without a confidence is still a designation list);
//   - attributions and the user's own internal lists block at high
//     confidence and need review at medium, low or unknown confidence;
//   - a seizure order needs review on a deposit (the funds may have to be
//     frozen, not bounced) and blocks a withdrawal;
//   - labels (an exchange's hot wallet, a mixer) never block: a
//     high-confidence label or one of unknown confidence needs review,
//     medium and low ones are reported with a clear verdict;
//   - an entity whose list does not say why it names it (category
//     unknown) needs review, at any confidence: never a silent block or
//     clear;
//   - a name scoring DefaultReviewScore or more needs review, and 0.97 or
//     more blocks onboarding; for hiring it blocks only when the date of
//     birth agrees too (NameBlockNeedsDOB: an applicant's name alone, or
//     with no birth date given, is review at most); for vendors a name
//     match alone never blocks.
func DefaultPolicy() Policy {
	addr := func(seizure bulwark.Verdict) map[Category]map[Confidence]bulwark.Verdict {
		all := func(v bulwark.Verdict) map[Confidence]bulwark.Verdict {
			return map[Confidence]bulwark.Verdict{ConfidenceHigh: v, ConfidenceMedium: v, ConfidenceLow: v, ConfidenceUnknown: v}
		}
		graded := func(high bulwark.Verdict) map[Confidence]bulwark.Verdict {
			return map[Confidence]bulwark.Verdict{ConfidenceHigh: high, ConfidenceMedium: bulwark.VerdictReview,
				ConfidenceLow: bulwark.VerdictReview, ConfidenceUnknown: bulwark.VerdictReview}
		}
		return map[Category]map[Confidence]bulwark.Verdict{
			CategorySanctions:   all(bulwark.VerdictBlock),
			CategoryAttribution: graded(bulwark.VerdictBlock),
			CategoryInternal:    graded(bulwark.VerdictBlock),
			CategorySeizure:     all(seizure),
			CategoryLabel: {ConfidenceHigh: bulwark.VerdictReview, ConfidenceMedium: bulwark.VerdictClear, ConfidenceLow: bulwark.VerdictClear,
				ConfidenceUnknown: bulwark.VerdictReview},
			CategoryUnknown: all(bulwark.VerdictReview),
		}
	}
	people := []Category{CategorySanctions, CategoryAttribution, CategorySeizure}
	p := Policy{}
	for _, u := range Uses() {
		r := Rules{Address: addr(bulwark.VerdictBlock), NameReview: DefaultReviewScore, NameBlock: 0.97, NameCategories: people}
		switch u {
		case UseDeposit:
			r.Address = addr(bulwark.VerdictReview)
		case UseVendor:
			r.NameBlock = 1.01
		case UseHiring:
			r.NameBlockNeedsDOB = true
		}
		p[u] = r
	}
	return p
}

// Validate checks every rule and names the first bad one.
func (p Policy) Validate() error {
	uses := make([]string, 0, len(p))
	for u := range p {
		uses = append(uses, string(u))
	}
	sort.Strings(uses)
	for _, us := range uses {
		r := p[Use(us)]
		field := "policy." + us
		if _, err := ParseUse(field, us, ""); err != nil {
			return err
		}
		if !(r.NameReview > 0 && r.NameReview <= 1) {
			return bulwark.Invalid(field+".nameReview", "%v is outside (0,1]", r.NameReview)
		}
		if r.NameBlock < r.NameReview {
			return bulwark.Invalid(field+".nameBlock", "%v is below nameReview %v", r.NameBlock, r.NameReview)
		}
		for c, m := range r.Address {
			for conf, v := range m {
				f := fmt.Sprintf("%s.address.%s.%s", field, c, conf)
				if v != bulwark.VerdictClear && v != bulwark.VerdictReview && v != bulwark.VerdictBlock {
					return bulwark.Invalid(f, "verdict %q: want clear, review or block", v)
				}
				// A sanctioned or government-attributed address is never
				// cleared by configuration: review is the least it earns.
				if v == bulwark.VerdictClear && (c == CategorySanctions || (c == CategoryAttribution && conf == ConfidenceHigh)) {
					return bulwark.Invalid(f, "a %s match (%s confidence) cannot be set to clear: review is the least it may earn", c, conf)
				}
			}
		}
	}
	return nil
}

// addressVerdict is the verdict an exact address match on e earns under r.
// An entity that states no category or confidence is looked up as unknown
// (never as a default level); a category or confidence the table does not
// name needs review: never a silent block or clear.
func (r Rules) addressVerdict(e *Entity) bulwark.Verdict {
	cat, conf := e.Category, e.Confidence
	if cat == "" {
		cat = CategoryUnknown
	}
	if conf == "" {
		conf = ConfidenceUnknown
	}
	if m, ok := r.Address[cat]; ok {
		if v, ok := m[conf]; ok {
			return v
		}
	}
	return bulwark.VerdictReview
}

// nameVerdict is the verdict a name match of the given score earns, with
// its explanation: under NameBlockNeedsDOB a match no date of birth
// corroborates (dobAgrees) needs review instead of blocking.
func (r Rules) nameVerdict(score float64, ex *names.Explanation) bulwark.Verdict {
	switch {
	case score >= r.NameBlock && r.NameBlockNeedsDOB && !dobAgrees(ex):
		return bulwark.VerdictReview
	case score >= r.NameBlock:
		return bulwark.VerdictBlock
	case score >= r.NameReview:
		return bulwark.VerdictReview
	}
	return bulwark.VerdictClear
}

// dobAgrees reports whether a name match's explanation has the date of
// birth agreeing (a positive dateOfBirth feature: the same year at least).
func dobAgrees(ex *names.Explanation) bool {
	if ex == nil {
		return false
	}
	for _, f := range ex.Features {
		if f.Name == "dateOfBirth" && f.Contribution > 0 {
			return true
		}
	}
	return false
}

// namesCategory reports whether name screening considers category c.
func (r Rules) namesCategory(c Category) bool {
	for _, k := range r.NameCategories {
		if k == c {
			return true
		}
	}
	return false
}

// rulesOverlay is one use's entry of a policy file; absent fields keep the
// default.
type rulesOverlay struct {
	NameReview        *float64                                    `json:"nameReview"`
	NameBlock         *float64                                    `json:"nameBlock"`
	NameCategories    []Category                                  `json:"nameCategories"`
	NameBlockNeedsDOB *bool                                       `json:"nameBlockNeedsDOB"`
	Address           map[Category]map[Confidence]bulwark.Verdict `json:"address"`
}

// ParsePolicy reads a policy file: a JSON object keyed by use whose
// entries override DefaultPolicy's rules field by field, e.g.
//
//	{"hiring": {"nameReview": 0.85},
//	 "deposit": {"address": {"seizure": {"high": "block"}}}}
//
// name names the file in errors.
func ParsePolicy(data []byte, name string) (Policy, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, bulwark.Invalid(name, "not a JSON object of rules per use: %v", err)
	}
	p := DefaultPolicy()
	for us, body := range raw {
		u, err := ParseUse(name, us, "")
		if err != nil {
			return nil, err
		}
		var o rulesOverlay
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			return nil, bulwark.Invalid(name, "%s: %v (keys: nameReview, nameBlock, nameBlockNeedsDOB, nameCategories, address)", us, err)
		}
		r := p[u]
		if o.NameReview != nil {
			r.NameReview = *o.NameReview
		}
		if o.NameBlock != nil {
			r.NameBlock = *o.NameBlock
		}
		if o.NameBlockNeedsDOB != nil {
			r.NameBlockNeedsDOB = *o.NameBlockNeedsDOB
		}
		if o.NameCategories != nil {
			for _, c := range o.NameCategories {
				if !knownCategory(c) {
					return nil, bulwark.Invalid(name, "%s.nameCategories: unknown category %q (sanctions, attribution, seizure, label, internal, unknown)", us, c)
				}
			}
			r.NameCategories = o.NameCategories
		}
		for c, m := range o.Address {
			if !knownCategory(c) {
				return nil, bulwark.Invalid(name, "%s.address: unknown category %q (sanctions, attribution, seizure, label, internal, unknown)", us, c)
			}
			merged := map[Confidence]bulwark.Verdict{}
			for k, v := range r.Address[c] {
				merged[k] = v
			}
			for conf, v := range m {
				if !knownConfidence(conf) {
					return nil, bulwark.Invalid(name, "%s.address.%s: unknown confidence %q (high, medium, low, unknown)", us, c, conf)
				}
				merged[conf] = v
			}
			addr := map[Category]map[Confidence]bulwark.Verdict{}
			for k, v := range r.Address {
				addr[k] = v
			}
			addr[c] = merged
			r.Address = addr
		}
		p[u] = r
	}
	if err := p.Validate(); err != nil {
		return nil, bulwark.Invalid(name, "%s", bulwark.ErrorMessage(err))
	}
	return p, nil
}

func knownCategory(c Category) bool {
	for _, k := range Categories() {
		if c == k {
			return true
		}
	}
	return false
}

func knownConfidence(c Confidence) bool {
	for _, k := range Confidences() {
		if c == k {
			return true
		}
	}
	return false
}

// Digest is "sha256:" and the first 16 hex digits of the SHA-256 of the
// policy's JSON: decisions record it, so a replay can tell whether the
// rules have changed since.
func (p Policy) Digest() string {
	b, _ := json.Marshal(p) // maps marshal with sorted keys: deterministic
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:8])
}
