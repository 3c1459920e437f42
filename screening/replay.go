package screening

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening/names"
)

// Replay is the outcome of screening a stored decision's inputs again on
// the list versions it ran on.
type Replay struct {
	DecisionID string `json:"decisionId"`
	// Same is true when the replay reached the same verdict with the same
	// matches (entity, and for names the score to 3 decimals).
	Same bool `json:"same"`
	// Verdict is the stored verdict; Replayed the verdict of the replay.
	Verdict  bulwark.Verdict `json:"verdict"`
	Replayed bulwark.Verdict `json:"replayed"`
	// Differences says what differs, one line each.
	Differences []string `json:"differences"`
	// Algorithm and Policy of the decision, and of this build.
	Algorithm    string `json:"algorithm"`
	AlgorithmNow string `json:"algorithmNow"`
	Policy       string `json:"policy"`
	PolicyNow    string `json:"policyNow"`
	// Lists are the list versions replayed on.
	Lists map[string]string `json:"lists"`
}

// storedDecision is the part of a stored decision body a replay reads.
type storedDecision struct {
	Decision
	Results []AddressResult `json:"results"`
	Query   string          `json:"query"`
	Type    string          `json:"type"`
	DOB     string          `json:"dob"`
	Country string          `json:"country"`
	Limit   int             `json:"limit"`
	Matches []NameMatch     `json:"matches"`
}

// Replay screens a stored decision's inputs again, on the very list
// versions it recorded (the store keeps every version), with the
// dispositions that were in force at its time and the rules in force now,
// and compares. A decision whose list versions are no longer stored cannot
// be replayed (ENOTFOUND naming the list).
func (s *Service) Replay(ctx context.Context, id string) (*Replay, error) {
	sd, err := s.cfg.Store.Decision(ctx, id)
	if err != nil {
		return nil, err
	}
	var d storedDecision
	if err := json.Unmarshal(sd.Body, &d); err != nil {
		return nil, bulwark.Errorf(bulwark.EINTEGRITY, "decision %s is malformed in the store: %v", id, err)
	}
	var lists []*List
	ids := make([]string, 0, len(d.Lists))
	for lid := range d.Lists {
		ids = append(ids, lid)
	}
	sort.Strings(ids)
	for _, lid := range ids {
		l, err := s.cfg.Store.ListVersion(ctx, lid, d.Lists[lid])
		if err != nil {
			return nil, bulwark.Wrap(err, bulwark.ErrorCode(err), fmt.Sprintf("decision %s ran on list %s version %.12s, which is no longer stored: %s", id, lid, d.Lists[lid], bulwark.ErrorMessage(err)))
		}
		lists = append(lists, l)
	}
	cfg := s.cfg.Screener
	at := d.Time
	cfg.Now = func() time.Time { return at }
	sc, err := NewScreener(BuildIndex(lists, at), cfg)
	if err != nil {
		return nil, err
	}
	all, err := s.cfg.Store.Dispositions(ctx)
	if err != nil {
		return nil, err
	}
	var then []Disposition
	for _, x := range all {
		if !x.At.After(at) {
			then = append(then, x)
		}
	}
	sc.SetDispositions(then)
	r := &Replay{DecisionID: id, Verdict: d.Verdict, Algorithm: d.Algorithm, Policy: d.Policy,
		PolicyNow: sc.policy, Lists: d.Lists, Differences: []string{}}
	switch d.Kind {
	case KindAddress:
		r.AlgorithmNow = AddressAlgorithm
		qs := make([]AddressQuery, len(d.Results))
		for i, res := range d.Results {
			qs[i] = AddressQuery{Address: res.Input, Chain: res.Hint}
		}
		nd, err := sc.ScreenAddresses(d.Use, d.Subject, qs)
		if err != nil {
			return nil, err
		}
		r.Replayed = nd.Verdict
		for i := range qs {
			if a, b := addressMatchSet(d.Results[i]), addressMatchSet(nd.Results[i]); a != b {
				r.Differences = append(r.Differences, fmt.Sprintf("%s: matched %s then, %s now", qs[i].Address, a, b))
			}
		}
	case KindName:
		if strings.HasPrefix(d.Query, privateNamePrefix) {
			return nil, bulwark.Errorf(bulwark.EINVALID, "decision %s screened a name under the hiring use, stored as a fingerprint without the name: it cannot be replayed (screen the person again)", d.ID)
		}
		r.AlgorithmNow = names.AlgorithmVersion
		nd, err := sc.ScreenName(d.Use, d.Subject, NameQuery{Name: d.Query, Type: d.Type, DateOfBirth: d.DOB, Country: d.Country, Limit: d.Limit})
		if err != nil {
			return nil, err
		}
		r.Replayed = nd.Verdict
		if a, b := nameMatchSet(d.Matches), nameMatchSet(nd.Matches); a != b {
			r.Differences = append(r.Differences, fmt.Sprintf("%q: matched %s then, %s now", d.Query, a, b))
		}
	default:
		return nil, bulwark.Errorf(bulwark.EINTEGRITY, "decision %s has unknown kind %q", id, d.Kind)
	}
	if r.Replayed != r.Verdict {
		r.Differences = append([]string{fmt.Sprintf("verdict %s then, %s now", r.Verdict, r.Replayed)}, r.Differences...)
	}
	if r.Algorithm != r.AlgorithmNow {
		r.Differences = append(r.Differences, fmt.Sprintf("algorithm %s then, %s now", r.Algorithm, r.AlgorithmNow))
	}
	if r.Policy != r.PolicyNow {
		r.Differences = append(r.Differences, fmt.Sprintf("rules %s then, %s now", r.Policy, r.PolicyNow))
	}
	r.Same = len(r.Differences) == 0
	return r, nil
}

// addressMatchSet renders a result's matches for comparison.
func addressMatchSet(r AddressResult) string {
	var ms []string
	for _, m := range r.Matches {
		x := m.EntityID + "/" + string(m.Verdict)
		if m.Suppressed != nil {
			x += "/suppressed"
		}
		ms = append(ms, x)
	}
	sort.Strings(ms)
	return "[" + strings.Join(ms, " ") + "]"
}

// nameMatchSet renders name matches for comparison, scores to 3 decimals.
func nameMatchSet(m []NameMatch) string {
	var ms []string
	for _, x := range m {
		s := fmt.Sprintf("%s:%.3f/%s", x.EntityID, x.Score, x.Verdict)
		if x.Suppressed != nil {
			s += "/suppressed"
		}
		ms = append(ms, s)
	}
	sort.Strings(ms)
	return "[" + strings.Join(ms, " ") + "]"
}
